//! Statements as a reader meets them: the BibTeX read by a real BibTeX parser (`biblatex`), the
//! LaTeX citing only what the BibTeX holds, short and long forms, English and German.

use biblatex::{Bibliography, RawBibliography};
use mlcarbon_data::Dataset;
use mlcarbon_model::lang::Lang;
use mlcarbon_model::request::EstimateRequest;
use mlcarbon_model::statement::{StatementStyle, Statements, bibtex_entry};
use mlcarbon_model::statement_report::request_statements;

fn data() -> &'static Dataset {
    Dataset::builtin().expect("built-in data")
}

/// 8 × A100 for 72 h at gcp europe-north2: a provider with an offset claim, a family name, an
/// embodied figure, a defaulted utilization — every sentence the statement has.
fn request() -> EstimateRequest {
    EstimateRequest {
        hardware: Some("A100".into()),
        count: Some(8),
        hours: Some(72.0),
        provider: Some("gcp".into()),
        region: Some("europe-north2".into()),
        ..EstimateRequest::default()
    }
}

fn statement(long: bool, lang: Lang) -> Statements {
    request_statements(
        data(),
        &request(),
        "training",
        StatementStyle { long, lang },
    )
    .expect("statement")
}

/// Each of LaTeX's special characters in `raw` (a field's text as written in the .bib file,
/// braces included) is escaped by a backslash.
fn unescaped_specials(raw: &str) -> Vec<char> {
    let chars: Vec<char> = raw.chars().collect();
    chars
        .iter()
        .enumerate()
        .filter(|(i, c)| ['_', '&', '%', '#', '$'].contains(c) && (*i == 0 || chars[i - 1] != '\\'))
        .map(|(_, c)| *c)
        .collect()
}

/// Parses `bib` with both of the crate's parsers and checks every entry: fields escaped, one
/// year. Returns the keys in order.
fn checked_entries(bib: &str) -> Vec<String> {
    let parsed = Bibliography::parse(bib).unwrap_or_else(|e| panic!("{e:?} in\n{bib}"));
    let raw = RawBibliography::parse(bib).unwrap_or_else(|e| panic!("{e:?} in\n{bib}"));
    assert_eq!(parsed.len(), raw.entries.len(), "{bib}");
    let mut keys = Vec::new();
    for entry in &raw.entries {
        let key = entry.v.key.v.to_string();
        assert!(!keys.contains(&key), "key {key} twice");
        assert!(
            parsed.get(&key).is_some(),
            "{key} not in the parsed bibliography"
        );
        let years = entry.v.fields.iter().filter(|f| f.key.v == "year").count();
        assert!(years <= 1, "{key} has {years} years");
        for field in &entry.v.fields {
            let text = &bib[field.value.span.clone()];
            let bad = unescaped_specials(text);
            assert!(
                bad.is_empty(),
                "{key}.{}: unescaped {bad:?} in {text}",
                field.key.v
            );
        }
        keys.push(key);
    }
    keys
}

#[test]
fn every_source_of_the_data_is_a_valid_escaped_bibtex_entry_with_its_one_year() {
    let data = data();
    let bib: String = data
        .sources
        .iter()
        .map(bibtex_entry)
        .collect::<Vec<_>>()
        .join("\n");
    let keys = checked_entries(&bib);
    assert_eq!(keys.len(), data.sources.len());
    let parsed = Bibliography::parse(&bib).expect("parsed");
    for source in data.sources.iter() {
        let key: String = source
            .id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let entry = parsed.get(&key).unwrap_or_else(|| panic!("{key} missing"));
        let year = entry.fields.get("year").map(|chunks| {
            chunks
                .iter()
                .map(|c| c.v.get().to_string())
                .collect::<String>()
        });
        assert_eq!(year, source.year.map(|y| y.to_string()), "{key}");
    }
}

#[test]
fn the_latex_cites_exactly_the_bibtex_entries() {
    for long in [false, true] {
        for lang in Lang::ALL {
            let s = statement(long, lang);
            let keys = checked_entries(&s.bibtex);
            let mut cited: Vec<String> = Vec::new();
            for part in s.latex.split("\\cite").skip(1) {
                let inside = part
                    .split_once('{')
                    .and_then(|(_, rest)| rest.split_once('}'))
                    .map(|(keys, _)| keys)
                    .expect("a citation's keys");
                for key in inside.split(',') {
                    if !cited.iter().any(|k| k == key) {
                        cited.push(key.to_string());
                    }
                }
            }
            let mut sorted_keys = keys.clone();
            sorted_keys.sort();
            cited.sort();
            assert_eq!(cited, sorted_keys, "long={long} {lang:?}:\n{}", s.latex);
            if !long {
                // The method and the grid intensity's source, as the published calculator cites.
                assert_eq!(keys.len(), 2, "{}", s.bibtex);
            }
        }
    }
}

#[test]
fn the_short_form_says_the_essentials_once_and_the_long_form_adds_the_rest() {
    let short = statement(false, Lang::En).markdown;
    let long = statement(true, Lang::En).markdown;
    for part in [
        "8 × A100 SXM4 80GB",
        "72 h",
        "europe-north2",
        "g CO2e/kWh",
        "kg CO2e",
        "100 %",
    ] {
        assert!(short.contains(part), "{part}: {short}");
    }
    assert_eq!(short.matches("estimated").count(), 1, "{short}");
    assert!(!short.contains("Manufacturing"), "{short}");
    assert!(short.split_whitespace().count() < 110, "{short}");
    assert!(
        long.contains("Manufacturing") && long.contains("Data sources:"),
        "{long}"
    );
    assert!(long.len() > 2 * short.len());
}

#[test]
fn german_statements_use_german_words_and_a_decimal_comma() {
    let short = statement(false, Lang::De).markdown;
    assert!(
        short.starts_with("Das Training lief 72 h lang auf 8 × A100"),
        "{short}"
    );
    assert!(short.contains("geschätzt"), "{short}");
    assert!(short.contains("CO₂-Äquivalent"), "{short}");
    assert!(short.contains("g CO₂e/kWh"), "{short}");
    assert!(short.contains("3,32 kg"), "{short}");
    assert!(!short.contains("3.32"), "{short}");
    for english in [" the ", "estimated", "range", "electricity"] {
        assert!(!short.contains(english), "{english}: {short}");
    }
    let latex = statement(false, Lang::De).latex;
    assert!(latex.contains("CO$_2$-Äquivalent"), "{latex}");
    assert!(!latex.contains('₂'), "{latex}");
}
