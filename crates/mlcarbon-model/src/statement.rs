//! A paragraph to paste into a paper or a model card, in Markdown or LaTeX, with BibTeX entries
//! for the method and every data source it rests on.

use mlcarbon_data::{Dataset, Source};
use serde::Serialize;

use crate::estimate::{Estimate, Location, Origin, Provenance};
pub use crate::format::{human_energy, human_mass, human_number};
use crate::model_card::{ModelCard, model_card};
use crate::report::EmbodiedReport;
use crate::request::{ResolvedJob, provenance_of};

/// Everything a statement names.
pub struct StatementInput<'a> {
    /// What ran, e.g. "8 × A100 SXM4 80GB".
    pub hardware: String,
    /// "training" by default; what the figure covers.
    pub activity: String,
    pub location: &'a Location,
    pub estimate: &'a Estimate,
    /// Provenance of every input, in the order the report lists them.
    pub provenance: Vec<Provenance>,
    /// The data sources the inputs came from.
    pub sources: Vec<&'a Source>,
    pub tool_version: &'a str,
    pub dataset: &'a str,
    /// Whether the energy was measured (a tracked run) rather than estimated.
    pub measured: bool,
}

/// The inputs of a statement for `job` at `location`: its provenance and the sources behind it.
pub fn statement_input<'a>(
    data: &'a Dataset,
    job: &ResolvedJob<'_>,
    location: &'a Location,
    result: &'a Estimate,
    activity: &str,
) -> StatementInput<'a> {
    let provenance = provenance_of(&job.job, location);
    let mut input = StatementInput {
        hardware: job.description.clone(),
        activity: activity.to_string(),
        location,
        estimate: result,
        provenance: Vec::new(),
        sources: Vec::new(),
        tool_version: env!("CARGO_PKG_VERSION"),
        dataset: &data.name,
        measured: false,
    };
    for p in provenance {
        input.add_provenance(data, p);
    }
    input
}

impl<'a> StatementInput<'a> {
    /// One more input's provenance, and its source unless already listed.
    fn add_provenance(&mut self, data: &'a Dataset, provenance: Provenance) {
        if let Some(source) = provenance.source.as_deref().and_then(|id| data.source(id))
            && !self.sources.iter().any(|s| s.id == source.id)
        {
            self.sources.push(source);
        }
        self.provenance.push(provenance);
    }

    /// Cites the embodied figures (their provenance and sources) and returns the sentence about
    /// them ("Manufacturing the hardware … reported separately …"); none when no figure applies.
    pub fn add_embodied(&mut self, data: &'a Dataset, embodied: &EmbodiedReport) -> Option<String> {
        let sentence = embodied_sentence(embodied)?;
        for part in &embodied.parts {
            self.add_provenance(data, part.provenance.clone());
        }
        Some(sentence)
    }
}

/// The statement's sentence about manufacturing; none without an embodied figure.
pub fn embodied_sentence(report: &EmbodiedReport) -> Option<String> {
    if report.parts.is_empty() {
        return None;
    }
    Some(format!(
        "Manufacturing the hardware ({}) adds about {} kg CO2e of embodied emissions for the {} h this work held it \
         (range {}–{} kg CO2e; {} amortized linearly over {}); this is reported separately and not included in the figure above.",
        report.parts_text(),
        human_number(report.total_kg),
        human_number(report.run_hours),
        human_number(report.total_kg_low),
        human_number(report.total_kg_high),
        report
            .parts
            .iter()
            .map(|p| format!("{} kg per unit", human_number(p.per_unit_kg)))
            .collect::<Vec<_>>()
            .join(", "),
        report.lifetimes_text()
    ))
}

/// A statement with an extra sentence at the end of its first paragraph (Markdown) or of its
/// paragraph (LaTeX); unchanged without one.
pub fn with_sentence(text: String, sentence: Option<&str>, latex: bool) -> String {
    let Some(sentence) = sentence else {
        return text;
    };
    if latex {
        let body = text.trim_end_matches('\n');
        return format!(
            "{body} {}\n",
            latex_escape(sentence).replace("CO2e", "CO$_2$e")
        );
    }
    match text.split_once("\n\n") {
        Some((first, rest)) => format!("{first} {sentence}\n\n{rest}"),
        None => format!("{} {sentence}\n", text.trim_end_matches('\n')),
    }
}

/// The three forms of one statement, with its embodied sentence where there is one.
#[derive(Debug, Clone, Serialize)]
pub struct Statements {
    pub markdown: String,
    pub latex: String,
    pub bibtex: String,
    /// `statement --format model-card`; not part of the API's statement document.
    #[serde(skip)]
    pub model_card: ModelCard,
}

pub fn statements(input: &StatementInput<'_>, sentence: Option<&str>) -> Statements {
    let markdown = with_sentence(markdown(input), sentence, false);
    Statements {
        model_card: model_card(input, &markdown),
        latex: with_sentence(latex(input), sentence, true),
        bibtex: bibtex(input),
        markdown,
    }
}

fn bib_key(source_id: &str) -> String {
    source_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

struct Figures {
    kwh: String,
    kwh_low: String,
    kwh_high: String,
    kg: String,
    kg_low: String,
    kg_high: String,
    intensity: String,
    pue: String,
    hours: String,
}

fn figures(e: &Estimate) -> Figures {
    Figures {
        kwh: human_number(e.energy.value.0),
        kwh_low: human_number(e.energy.low.0),
        kwh_high: human_number(e.energy.high.0),
        kg: human_number(e.emissions.value.0),
        kg_low: human_number(e.emissions.low.0),
        kg_high: human_number(e.emissions.high.0),
        intensity: human_number(e.intensity.value.0),
        pue: format!("{:.2}", e.pue.value),
        hours: human_number(e.hours.0),
    }
}

fn assumptions(input: &StatementInput<'_>) -> Vec<String> {
    input
        .provenance
        .iter()
        .map(|p| {
            let year = p.year.map(|y| format!(", {y}")).unwrap_or_default();
            let source = p
                .source_title
                .clone()
                .or_else(|| p.source.clone())
                .map(|s| format!(" [{s}{year}]"))
                .unwrap_or_default();
            format!(
                "{}: {} ({}){}",
                p.quantity,
                p.value,
                p.origin.label(),
                source
            )
        })
        .collect()
}

fn offset_sentence(input: &StatementInput<'_>) -> Option<String> {
    let offset = input.estimate.offset?;
    let percent = input.location.offset_percent?;
    Some(format!(
        "The provider states that it offsets or matches {percent:.0} % of these emissions \
         ({} kg CO2e); this is reported beside the figure above and not subtracted from it.",
        human_number(offset.0)
    ))
}

fn body(input: &StatementInput<'_>, co2: &str, range_dash: &str) -> String {
    let f = figures(input.estimate);
    let how = if input.measured {
        "measured"
    } else {
        "estimated"
    };
    let mut text = format!(
        "The {activity} ran on {hw} for {hours} h in {place}. It used an {how} {kwh} kWh of electricity \
         (range {kwh_low}{d}{kwh_high} kWh, including a data-centre PUE of {pue}). At a grid carbon \
         intensity of {intensity} g {co2}/kWh this corresponds to about {kg} kg {co2} \
         (range {kg_low}{d}{kg_high} kg {co2}).",
        activity = input.activity,
        hw = input.hardware,
        hours = f.hours,
        place = input.location.label,
        kwh = f.kwh,
        kwh_low = f.kwh_low,
        kwh_high = f.kwh_high,
        pue = f.pue,
        intensity = f.intensity,
        kg = f.kg,
        kg_low = f.kg_low,
        kg_high = f.kg_high,
        d = range_dash,
    );
    if let Some(offset) = offset_sentence(input) {
        text.push(' ');
        text.push_str(&offset.replace("CO2e", co2));
    }
    text
}

fn defaulted_inputs<'a>(input: &'a StatementInput<'_>) -> Vec<&'a Provenance> {
    input
        .provenance
        .iter()
        .filter(|p| p.origin == Origin::Defaulted)
        .collect()
}

/// Markdown statement.
pub fn markdown(input: &StatementInput<'_>) -> String {
    let mut out = String::new();
    out.push_str(&body(input, "CO2e", "–"));
    out.push_str(&format!(
        " Figures from mlcarbon {} (dataset `{}`), which follows the method of Lacoste et al. (2019): \
         energy = device power × count × utilization × hours × PUE, emissions = energy × grid carbon intensity.\n\n",
        input.tool_version, input.dataset
    ));
    let defaulted = defaulted_inputs(input);
    if !defaulted.is_empty() {
        out.push_str("Defaulted inputs (not known for this job): ");
        out.push_str(
            &defaulted
                .iter()
                .map(|p| format!("{} {}", p.quantity, p.value))
                .collect::<Vec<_>>()
                .join("; "),
        );
        out.push_str(".\n\n");
    }
    out.push_str("Inputs and their sources:\n\n");
    for line in assumptions(input) {
        out.push_str(&format!("- {line}\n"));
    }
    out.push_str("\nData sources:\n\n");
    for source in &input.sources {
        let year = source.year.map(|y| format!(" ({y})")).unwrap_or_default();
        out.push_str(&format!(
            "- {}{year}, {}. {} — licence {}\n",
            source.title, source.publisher, source.url, source.license
        ));
    }
    out
}

fn latex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '×' => out.push_str("$\\times$"),
            '–' => out.push_str("--"),
            _ => out.push(c),
        }
    }
    out
}

/// LaTeX paragraph citing the BibTeX keys of [`bibtex`].
pub fn latex(input: &StatementInput<'_>) -> String {
    let text = latex_escape(&body(input, "CO2e", "–")).replace("CO2e", "CO$_2$e");
    let keys: Vec<String> = input.sources.iter().map(|s| bib_key(&s.id)).collect();
    let mut out = format!(
        "{text} Figures from mlcarbon~{} (dataset \\texttt{{{}}}), following the method of \
         \\citet{{lacoste2019quantifying}}: energy = device power $\\times$ count $\\times$ utilization \
         $\\times$ hours $\\times$ PUE, emissions = energy $\\times$ grid carbon intensity",
        latex_escape(input.tool_version),
        latex_escape(input.dataset)
    );
    if keys.is_empty() {
        out.push_str(".\n");
    } else {
        out.push_str(&format!("; data from \\citet{{{}}}.\n", keys.join(",")));
    }
    out
}

/// Text of a BibTeX field as LaTeX will typeset it: its special characters escaped (an
/// unescaped `_` in a title or URL stops the document with "Missing $ inserted").
fn bib_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '{' | '}' | '&' | '%' | '_' | '#' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            c => out.push(c),
        }
    }
    out
}

/// BibTeX entries: the method paper and every data source.
pub fn bibtex(input: &StatementInput<'_>) -> String {
    let mut out = String::from(
        "@article{lacoste2019quantifying,\n  title = {Quantifying the Carbon Emissions of Machine Learning},\n  \
         author = {Lacoste, Alexandre and Luccioni, Alexandra and Schmidt, Victor and Dandres, Thomas},\n  \
         journal = {arXiv preprint arXiv:1910.09700},\n  year = {2019}\n}\n",
    );
    for source in &input.sources {
        out.push_str(&format!(
            "\n@misc{{{key},\n  title = {{{title}}},\n  howpublished = {{{publisher}}},\n  note = {{{url}; licence {license}}}",
            key = bib_key(&source.id),
            title = bib_escape(&source.title),
            publisher = bib_escape(&source.publisher),
            url = bib_escape(&source.url),
            license = bib_escape(&source.license),
        ));
        if let Some(year) = source.year {
            out.push_str(&format!(",\n  year = {{{year}}}"));
        }
        out.push_str("\n}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bibtex_fields_escape_what_latex_would_choke_on() {
        assert_eq!(
            bib_escape("summary_power_{a40}.csv 5% & #1 ~x"),
            "summary\\_power\\_\\{a40\\}.csv 5\\% \\& \\#1 \\textasciitilde{}x"
        );
        // Every special character comes out escaped: none stands alone.
        let escaped = bib_escape("a_b%c&d#e$f");
        for special in ['_', '%', '&', '#', '$'] {
            for (i, c) in escaped.char_indices() {
                if c == special {
                    assert_eq!(&escaped[i - 1..i], "\\", "{special} in {escaped}");
                }
            }
        }
    }

    #[test]
    fn human_numbers_keep_three_figures() {
        assert_eq!(human_number(22.098), "22.1");
        assert_eq!(human_number(0.0123), "0.0123");
        assert_eq!(human_number(1234.4), "1234");
        assert_eq!(human_number(0.0), "0");
        assert_eq!(human_number(72.0), "72");
        assert_eq!(human_number(5.5), "5.5");
    }

    #[test]
    fn units_follow_the_magnitude() {
        assert_eq!(human_energy(1234.0), "1234 kWh");
        assert_eq!(human_energy(0.0123), "12.3 Wh");
        assert_eq!(human_energy(0.000001), "3.6 J");
        assert_eq!(human_mass(0.5), "500 g");
        assert_eq!(human_mass(2500.0), "2.5 t");
        assert_eq!(human_mass(0.0000088), "8.8 mg");
    }

    #[test]
    fn latex_escapes_specials() {
        assert_eq!(latex_escape("100 % & $"), "100 \\% \\& \\$");
    }
}
