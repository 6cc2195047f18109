//! A paragraph to paste into a paper or a model card, in Markdown or LaTeX, with BibTeX entries
//! for what it cites. One sentence generator writes every form: short (the published
//! calculator's length: hardware, hours, place, intensity, total, offset, two citations) or long
//! (ranges, the formula, embodied emissions, every input and source), in English or German, for
//! estimates and measured runs alike. The sentences themselves live in [`crate::lang`].

use mlcarbon_data::{Dataset, Source};
use serde::Serialize;

use crate::estimate::{Estimate, Location, Origin, Provenance};
use crate::format::{Scale, energy_scale, human_hours, localize, mass_scale, number_in};
pub use crate::format::{human_energy, human_mass, human_number};
use crate::lang::{Lang, Msg, activity_subject, fill_mapped, quantity_name, say, text};
use crate::model_card::{ModelCard, model_card};
use crate::report::EmbodiedReport;
use crate::request::{ResolvedJob, provenance_of};
pub use crate::statement_input::StatementInput;

/// Which statement: short (the default) or long, in which language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatementStyle {
    pub long: bool,
    pub lang: Lang,
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
        embodied: None,
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

    /// Cites the embodied figures (their provenance and sources) and keeps them for the long
    /// statement's sentence about manufacturing; nothing when no figure applies.
    pub fn add_embodied(&mut self, data: &'a Dataset, embodied: &EmbodiedReport) {
        if embodied.parts.is_empty() {
            return;
        }
        for part in &embodied.parts {
            self.add_provenance(data, part.provenance.clone());
        }
        self.embodied = Some(embodied.clone());
    }

    /// The source of the grid intensity: the one data source a short statement cites.
    fn intensity_source(&self) -> Option<&'a Source> {
        let id = self.location.intensity.provenance.source.as_deref()?;
        self.sources.iter().copied().find(|s| s.id == id)
    }

    /// The sources a statement of `style` cites: the intensity's when short, all when long.
    fn cited_sources(&self, style: StatementStyle) -> Vec<&'a Source> {
        if style.long {
            self.sources.clone()
        } else {
            self.intensity_source().into_iter().collect()
        }
    }
}

/// The three forms of one statement, and the model card built on its Markdown.
#[derive(Debug, Clone, Serialize)]
pub struct Statements {
    pub markdown: String,
    pub latex: String,
    /// The entries the LaTeX cites, and no others.
    pub bibtex: String,
    /// `statement --format model-card`; not part of the API's statement document.
    #[serde(skip)]
    pub model_card: ModelCard,
}

pub fn statements(input: &StatementInput<'_>, style: StatementStyle) -> Statements {
    let markdown = markdown(input, style);
    Statements {
        model_card: model_card(input, &markdown),
        latex: latex(input, style),
        bibtex: bibtex(input, style),
        markdown,
    }
}

fn bib_key(source_id: &str) -> String {
    source_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

const METHOD_KEY: &str = "lacoste2019quantifying";

/// What differs between Markdown and LaTeX: escaping, the CO2 sign, citations.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Markdown,
    Latex,
}

impl Target {
    fn escape(self, text: &str) -> String {
        match self {
            Target::Markdown => text.to_string(),
            Target::Latex => latex_escape(text),
        }
    }

    fn co2(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Target::Latex, _) => "CO$_2$e",
            (Target::Markdown, Lang::En) => "CO2e",
            (Target::Markdown, Lang::De) => "CO₂e",
        }
    }

    fn cite_method(self) -> String {
        match self {
            Target::Markdown => "Lacoste et al. (2019)".to_string(),
            Target::Latex => format!("\\citet{{{METHOD_KEY}}}"),
        }
    }

    fn cite_source(self, source: &Source) -> String {
        match self {
            Target::Markdown => match source.year {
                Some(year) => format!("{}, {year}", source.title),
                None => source.title.to_string(),
            },
            Target::Latex => format!("\\citealp{{{}}}", bib_key(&source.id)),
        }
    }
}

/// One statement being written: its input, style and target.
struct Writer<'i, 'a> {
    input: &'i StatementInput<'a>,
    style: StatementStyle,
    target: Target,
}

impl Writer<'_, '_> {
    fn lang(&self) -> Lang {
        self.style.lang
    }

    fn say(&self, msg: Msg, values: &[(&str, &str)]) -> String {
        let target = self.target;
        fill_mapped(text(self.lang(), msg), values, |t| target.escape(t))
    }

    fn number(&self, value: f64) -> String {
        self.target.escape(&number_in(value, self.lang()))
    }

    fn scaled(&self, scale: Scale, value: f64) -> String {
        self.target.escape(&scale.show(value, self.lang()))
    }

    /// " (range 0.66–10.5 kg)" in the value's unit, or nothing when the range, as written, is
    /// one number.
    fn range(&self, scale: Scale, low: f64, high: f64) -> String {
        let (low, high) = (
            scale.number(low, self.lang()),
            scale.number(high, self.lang()),
        );
        if low == high {
            return String::new();
        }
        let high = format!("{high} {}", scale.unit);
        let (low, high) = (self.target.escape(&low), self.target.escape(&high));
        self.say(Msg::Range, &[("low", &low), ("high", &high)])
    }

    fn sentences(&self) -> Vec<String> {
        let input = self.input;
        let e = input.estimate;
        let lang = self.lang();
        let co2 = self.target.co2(lang);
        let mut out = Vec::new();

        let subject = self.target.escape(&activity_subject(lang, &input.activity));
        let hours = self.target.escape(&human_hours(e.hours.0, lang));
        out.push(self.say(
            Msg::RanOn,
            &[
                ("activity", &subject),
                ("hardware", &self.target.escape(&input.hardware)),
                ("hours", &hours),
                ("place", &self.target.escape(&input.location.label)),
            ],
        ));

        let energy = energy_scale(e.energy.value.0);
        let energy_range = if self.style.long {
            self.range(energy, e.energy.low.0, e.energy.high.0)
        } else {
            String::new()
        };
        let used = if input.measured {
            Msg::UsedMeasured
        } else {
            Msg::UsedEstimated
        };
        out.push(self.say(
            used,
            &[
                ("energy", &self.scaled(energy, e.energy.value.0)),
                ("range", &energy_range),
                ("pue", &localize(&format!("{:.2}", e.pue.value), lang)),
            ],
        ));

        let mass = mass_scale(e.emissions.value.0);
        let source = match (self.style.long, input.intensity_source()) {
            (false, Some(source)) => self.say(
                Msg::SourceOf,
                &[("source", &self.target.cite_source(source))],
            ),
            _ => String::new(),
        };
        out.push(self.say(
            Msg::Intensity,
            &[
                ("intensity", &self.number(e.intensity.value.0)),
                ("co2", co2),
                ("source", &source),
                ("mass", &self.scaled(mass, e.emissions.value.0)),
                (
                    "range",
                    &self.range(mass, e.emissions.low.0, e.emissions.high.0),
                ),
            ],
        ));

        if let (Some(offset), Some(percent)) = (e.offset, input.location.offset_percent) {
            out.push(self.say(
                Msg::Offset,
                &[
                    ("percent", &self.number(percent.round())),
                    ("mass", &self.scaled(mass_scale(offset.0), offset.0)),
                    ("co2", co2),
                ],
            ));
        }

        let method = say(
            lang,
            Msg::MethodRef,
            &[("cite", &self.target.cite_method())],
        );
        let version = self.target.escape(input.tool_version);
        if self.style.long {
            let dataset = match self.target {
                Target::Markdown => format!("`{}`", input.dataset),
                Target::Latex => format!("\\texttt{{{}}}", latex_escape(input.dataset)),
            };
            let keys: Vec<String> = input.sources.iter().map(|s| bib_key(&s.id)).collect();
            let data = match self.target {
                Target::Latex if !keys.is_empty() => {
                    format!("; data from \\citet{{{}}}", keys.join(","))
                }
                _ => String::new(),
            };
            let formula = if input.measured {
                Msg::MethodLongMeasured
            } else {
                Msg::MethodLong
            };
            out.push(self.say(
                formula,
                &[
                    ("version", &version),
                    ("dataset", &dataset),
                    ("method", &method),
                    ("data", &data),
                ],
            ));
            if let Some(report) = &input.embodied {
                out.push(self.embodied(report));
            }
        } else {
            out.push(self.say(
                Msg::MethodShort,
                &[("version", &version), ("method", &method)],
            ));
        }
        out
    }

    /// The long statement's sentence about manufacturing.
    fn embodied(&self, report: &EmbodiedReport) -> String {
        let lang = self.lang();
        let mass = mass_scale(report.total_kg);
        let per_unit = report
            .parts
            .iter()
            .map(|p| {
                let kg = p.per_unit_kg;
                say(
                    lang,
                    Msg::PerUnit,
                    &[("mass", &mass_scale(kg).show(kg, lang))],
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mut lives: Vec<String> = report
            .parts
            .iter()
            .map(|p| number_in(p.lifetime_hours / crate::embodied::HOURS_PER_YEAR, lang))
            .collect();
        lives.dedup();
        let lives = if lives.len() == 1 {
            say(lang, Msg::EmbodiedLife, &[("years", &lives[0])])
        } else {
            say(lang, Msg::EmbodiedLives, &[("years", &lives.join("/"))])
        };
        self.say(
            Msg::Embodied,
            &[
                ("parts", &self.target.escape(&report.parts_text())),
                ("mass", &self.scaled(mass, report.total_kg)),
                ("co2", self.target.co2(lang)),
                (
                    "hours",
                    &self.target.escape(&human_hours(report.run_hours, lang)),
                ),
                (
                    "range",
                    &self.range(mass, report.total_kg_low, report.total_kg_high),
                ),
                ("per_unit", &self.target.escape(&per_unit)),
                ("lives", &self.target.escape(&lives)),
            ],
        )
    }

    fn paragraph(&self) -> String {
        self.sentences().join(" ")
    }
}

fn origin_name(lang: Lang, origin: Origin) -> &'static str {
    text(
        lang,
        match origin {
            Origin::Measured => Msg::OriginMeasured,
            Origin::Estimated => Msg::OriginEstimated,
            Origin::Defaulted => Msg::OriginDefaulted,
            Origin::Given => Msg::OriginGiven,
        },
    )
}

/// The long statement's list of inputs, each with the title and year of its source: the year
/// of the source table, so that a source has one year wherever it is named.
fn assumptions(input: &StatementInput<'_>, lang: Lang) -> Vec<String> {
    input
        .provenance
        .iter()
        .map(|p| {
            let source = p
                .source
                .as_deref()
                .and_then(|id| input.sources.iter().find(|s| s.id == id))
                .map(|s| match s.year {
                    Some(year) => format!(" [{}, {year}]", s.title),
                    None => format!(" [{}]", s.title),
                })
                .unwrap_or_default();
            format!(
                "{}: {} ({}){}",
                quantity_name(lang, &p.quantity),
                p.value,
                origin_name(lang, p.origin),
                source
            )
        })
        .collect()
}

/// Markdown statement: one paragraph; the long form adds the defaulted inputs, every input with
/// its source, and the sources.
pub fn markdown(input: &StatementInput<'_>, style: StatementStyle) -> String {
    let writer = Writer {
        input,
        style,
        target: Target::Markdown,
    };
    let mut out = writer.paragraph();
    out.push('\n');
    if !style.long {
        return out;
    }
    let lang = style.lang;
    out.push('\n');
    let defaulted: Vec<String> = input
        .provenance
        .iter()
        .filter(|p| p.origin == Origin::Defaulted)
        .map(|p| format!("{} {}", quantity_name(lang, &p.quantity), p.value))
        .collect();
    if !defaulted.is_empty() {
        out.push_str(&say(
            lang,
            Msg::Defaulted,
            &[("inputs", &defaulted.join("; "))],
        ));
        out.push_str("\n\n");
    }
    out.push_str(text(lang, Msg::InputsHeading));
    out.push_str("\n\n");
    for line in assumptions(input, lang) {
        out.push_str(&format!("- {line}\n"));
    }
    out.push('\n');
    out.push_str(text(lang, Msg::SourcesHeading));
    out.push_str("\n\n");
    for source in &input.sources {
        let year = source.year.map(|y| format!(" ({y})")).unwrap_or_default();
        out.push_str(&format!(
            "- {}{year}, {}. {} — {} {}\n",
            source.title,
            source.publisher,
            source.url,
            text(lang, Msg::Licence),
            source.license
        ));
    }
    out
}

/// Text as LaTeX typesets it: its special characters escaped, its Unicode signs in LaTeX's own.
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
            '₂' => out.push_str("$_2$"),
            '\u{202F}' => out.push_str("\\,"),
            _ => out.push(c),
        }
    }
    out
}

/// LaTeX paragraph citing the BibTeX keys of [`bibtex`] (natbib's `\citet` and `\citealp`).
pub fn latex(input: &StatementInput<'_>, style: StatementStyle) -> String {
    let writer = Writer {
        input,
        style,
        target: Target::Latex,
    };
    // "CO2e" in data text (a hardware or place name never has it; a note might) reads as the sign.
    format!("{}\n", writer.paragraph().replace("CO2e", "CO$_2$e"))
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

/// The BibTeX entry of one data source: every field escaped, the source table's one year.
pub fn bibtex_entry(source: &Source) -> String {
    let mut out = format!(
        "@misc{{{key},\n  title = {{{title}}},\n  howpublished = {{{publisher}}},\n  note = {{{url}; licence {license}}}",
        key = bib_key(&source.id),
        title = bib_escape(&source.title),
        publisher = bib_escape(&source.publisher),
        url = bib_escape(&source.url),
        license = bib_escape(&source.license),
    );
    if let Some(year) = source.year {
        out.push_str(&format!(",\n  year = {{{year}}}"));
    }
    out.push_str("\n}\n");
    out
}

/// BibTeX entries of what the statement cites: the method paper and its data sources.
pub fn bibtex(input: &StatementInput<'_>, style: StatementStyle) -> String {
    let mut out = format!(
        "@article{{{METHOD_KEY},\n  title = {{Quantifying the Carbon Emissions of Machine Learning}},\n  \
         author = {{Lacoste, Alexandre and Luccioni, Alexandra and Schmidt, Victor and Dandres, Thomas}},\n  \
         journal = {{arXiv preprint arXiv:1910.09700}},\n  year = {{2019}}\n}}\n",
    );
    for source in input.cited_sources(style) {
        out.push('\n');
        out.push_str(&bibtex_entry(source));
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
    fn latex_escapes_specials() {
        assert_eq!(latex_escape("100 % & $"), "100 \\% \\& \\$");
    }
}
