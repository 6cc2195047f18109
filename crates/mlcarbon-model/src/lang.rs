//! The languages of human text (statements, the model card section, the calculator page's
//! labels) and every sentence in each, as one table of message keys: a translation is a column
//! here, never a string elsewhere. Templates name their blanks (`{energy}`), filled by [`fill`].

use serde::Serialize;

/// A language of human text. English is the default; machine-readable output (JSON, CSV) never
/// changes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    De,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    /// `en` or `de`; also `en-US`, `de_DE.UTF-8` and the like (a locale's language part).
    pub fn parse(text: &str) -> Option<Lang> {
        let language = text
            .split(['-', '_', '.'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match language.as_str() {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }
}

/// The keys of every sentence and label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// "{activity}": the sentence's subject with its article ("The training", "Das Training").
    RanOn,
    UsedEstimated,
    UsedMeasured,
    Range,
    Intensity,
    SourceOf,
    Offset,
    MethodRef,
    MethodShort,
    MethodLong,
    MethodLongMeasured,
    Embodied,
    EmbodiedLife,
    EmbodiedLives,
    PerUnit,
    Defaulted,
    InputsHeading,
    SourcesHeading,
    Licence,
    OriginMeasured,
    OriginEstimated,
    OriginDefaulted,
    OriginGiven,
    /// A measured run's hardware when the run recorded no model name.
    ThisMachine,
    /// The LaTeX paragraph of the published calculator's mode, on its own figures.
    Mlco2Paragraph,
    Mlco2Offset,
    // The calculator page.
    PageHeading,
    PageWhatRan,
    PageWhereRan,
    PageHardware,
    PageCount,
    PageHours,
    PageUtilization,
    PageCloudRegion,
    PageZoneChoice,
    PageIntensityChoice,
    PageProvider,
    PageRegion,
    PageZone,
    PageEstimate,
    PageEnergy,
    PageGridIntensity,
    PageOffsetClaim,
    PageEmbodied,
    PageEquivalentTo,
    PageMore,
    PageDidYouMean,
    PageStatementHeading,
    PageLongToggle,
    PageLanguage,
}

/// The template of `msg` in `lang`.
pub fn text(lang: Lang, msg: Msg) -> &'static str {
    use Msg::*;
    match (lang, msg) {
        (Lang::En, RanOn) => "{activity} ran on {hardware} for {hours} in {place}.",
        (Lang::De, RanOn) => "{activity} lief {hours} lang auf {hardware} am Standort {place}.",
        (Lang::En, UsedEstimated) => {
            "It used an estimated {energy} of electricity{range}, including a data-centre PUE of {pue}."
        }
        (Lang::De, UsedEstimated) => {
            "Der Stromverbrauch wird auf {energy} geschätzt{range}, einschließlich eines PUE-Werts des Rechenzentrums von {pue}."
        }
        (Lang::En, UsedMeasured) => {
            "It used a measured {energy} of electricity{range}, including a data-centre PUE of {pue}."
        }
        (Lang::De, UsedMeasured) => {
            "Der gemessene Stromverbrauch betrug {energy}{range}, einschließlich eines PUE-Werts des Rechenzentrums von {pue}."
        }
        (Lang::En, Range) => " (range {low}–{high})",
        (Lang::De, Range) => " (Bandbreite {low}–{high})",
        (Lang::En, Intensity) => {
            "At a grid carbon intensity of {intensity} g {co2}/kWh{source} this corresponds to about {mass} {co2}{range}."
        }
        (Lang::De, Intensity) => {
            "Bei einer CO₂-Intensität des Stromnetzes von {intensity} g {co2}/kWh{source} entspricht das etwa {mass} CO₂-Äquivalent{range}."
        }
        (Lang::En, SourceOf) => " ({source})",
        (Lang::De, SourceOf) => " (Quelle: {source})",
        (Lang::En, Offset) => {
            "The provider states that it offsets or matches {percent} % of these emissions ({mass} {co2}); this is reported beside the figure above and not subtracted from it."
        }
        (Lang::De, Offset) => {
            "Der Anbieter gibt an, {percent} % dieser Emissionen ({mass} {co2}) zu kompensieren oder mit erneuerbarem Strom auszugleichen; das wird neben der obigen Zahl genannt und nicht von ihr abgezogen."
        }
        (Lang::En, MethodRef) => "the method of {cite}",
        (Lang::De, MethodRef) => "der Methode von {cite}",
        (Lang::En, MethodShort) => "Figures from mlcarbon {version}, following {method}.",
        (Lang::De, MethodShort) => "Berechnet mit mlcarbon {version} nach {method}.",
        (Lang::En, MethodLong) => {
            "Figures from mlcarbon {version} (dataset {dataset}), following {method}: energy = device power × count × utilization × hours × PUE, emissions = energy × grid carbon intensity{data}."
        }
        (Lang::De, MethodLong) => {
            "Berechnet mit mlcarbon {version} (Datensatz {dataset}) nach {method}: Energie = Leistung des Geräts × Anzahl × Auslastung × Stunden × PUE, Emissionen = Energie × CO₂-Intensität des Stromnetzes{data}."
        }
        (Lang::En, MethodLongMeasured) => {
            "Figures from mlcarbon {version} (dataset {dataset}), following {method}: energy = the hardware counters' energy × PUE, emissions = energy × grid carbon intensity{data}."
        }
        (Lang::De, MethodLongMeasured) => {
            "Berechnet mit mlcarbon {version} (Datensatz {dataset}) nach {method}: Energie = von den Hardwarezählern gemessene Energie × PUE, Emissionen = Energie × CO₂-Intensität des Stromnetzes{data}."
        }
        (Lang::En, Embodied) => {
            "Manufacturing the hardware ({parts}) adds about {mass} {co2} of embodied emissions for the {hours} this work held it{range}; {per_unit} amortized linearly over {lives}. This is reported separately and not included in the figure above."
        }
        (Lang::De, Embodied) => {
            "Die Herstellung der Hardware ({parts}) verursacht für die {hours}, in denen diese Arbeit sie belegte, zusätzlich etwa {mass} CO₂-Äquivalent an grauen Emissionen{range}; {per_unit}, linear abgeschrieben über {lives}. Diese Emissionen werden getrennt ausgewiesen und sind in der obigen Zahl nicht enthalten."
        }
        (Lang::En, EmbodiedLife) => "a {years}-year life",
        (Lang::De, EmbodiedLife) => "eine Nutzungsdauer von {years} Jahren",
        (Lang::En, EmbodiedLives) => "lives of {years} years",
        (Lang::De, EmbodiedLives) => "Nutzungsdauern von {years} Jahren",
        (Lang::En, PerUnit) => "{mass} per unit",
        (Lang::De, PerUnit) => "{mass} je Einheit",
        (Lang::En, Defaulted) => "Defaulted inputs (not known for this job): {inputs}.",
        (Lang::De, Defaulted) => {
            "Angenommene Standardwerte (für diesen Auftrag nicht bekannt): {inputs}."
        }
        (Lang::En, InputsHeading) => "Inputs and their sources:",
        (Lang::De, InputsHeading) => "Eingangsgrößen und ihre Quellen:",
        (Lang::En, SourcesHeading) => "Data sources:",
        (Lang::De, SourcesHeading) => "Datenquellen:",
        (Lang::En, Licence) => "licence",
        (Lang::De, Licence) => "Lizenz",
        (Lang::En, OriginMeasured) => "measured",
        (Lang::De, OriginMeasured) => "gemessen",
        (Lang::En, OriginEstimated) => "estimated",
        (Lang::De, OriginEstimated) => "geschätzt",
        (Lang::En, OriginDefaulted) => "defaulted",
        (Lang::De, OriginDefaulted) => "Standardwert",
        (Lang::En, OriginGiven) => "given",
        (Lang::De, OriginGiven) => "angegeben",
        (Lang::En, Mlco2Paragraph) => {
            "The experiments ran for {hours} h on {device} (TDP {tdp} W) in {location}, where the grid emits {kgkwh} kg CO$_2$eq/kWh. They emitted {kg} kg CO$_2$eq in total{offset}. Figures from the Machine Learning Emissions Calculator's data and arithmetic \\citep{lacoste2019quantifying}, computed with mlcarbon {version}."
        }
        (Lang::De, Mlco2Paragraph) => {
            "Die Experimente liefen {hours} h lang auf {device} (TDP {tdp} W) am Standort {location}, dessen Stromnetz {kgkwh} kg CO$_2$-Äquivalent je kWh ausstößt. Sie verursachten insgesamt {kg} kg CO$_2$-Äquivalent{offset}. Berechnet mit den Daten und der Rechenweise des Machine Learning Emissions Calculator \\citep{lacoste2019quantifying}, ausgeführt mit mlcarbon {version}."
        }
        (Lang::En, Mlco2Offset) => ", of which the provider states it offsets {percent}\\,\\%",
        (Lang::De, Mlco2Offset) => {
            ", wovon der Anbieter nach eigener Angabe {percent}\\,\\% kompensiert"
        }
        (Lang::En, ThisMachine) => "this machine",
        (Lang::De, ThisMachine) => "diesem Rechner",
        (Lang::En, PageHeading) => "How much CO₂ does your ML job emit?",
        (Lang::De, PageHeading) => "Wie viel CO₂ verursacht Ihr ML-Auftrag?",
        (Lang::En, PageWhatRan) => "What ran",
        (Lang::De, PageWhatRan) => "Was lief",
        (Lang::En, PageWhereRan) => "Where it ran",
        (Lang::De, PageWhereRan) => "Wo es lief",
        (Lang::En, PageHardware) => "Hardware",
        (Lang::De, PageHardware) => "Hardware",
        (Lang::En, PageCount) => "Count",
        (Lang::De, PageCount) => "Anzahl",
        (Lang::En, PageHours) => "Hours",
        (Lang::De, PageHours) => "Stunden",
        (Lang::En, PageUtilization) => "Utilization",
        (Lang::De, PageUtilization) => "Auslastung",
        (Lang::En, PageCloudRegion) => "Cloud region",
        (Lang::De, PageCloudRegion) => "Cloud-Region",
        (Lang::En, PageZoneChoice) => "Grid zone",
        (Lang::De, PageZoneChoice) => "Netzgebiet",
        (Lang::En, PageIntensityChoice) => "Custom intensity",
        (Lang::De, PageIntensityChoice) => "Eigene CO₂-Intensität",
        (Lang::En, PageProvider) => "Provider",
        (Lang::De, PageProvider) => "Anbieter",
        (Lang::En, PageRegion) => "Region",
        (Lang::De, PageRegion) => "Region",
        (Lang::En, PageZone) => "Zone",
        (Lang::De, PageZone) => "Netzgebiet",
        (Lang::En, PageEstimate) => "Estimate",
        (Lang::De, PageEstimate) => "Berechnen",
        (Lang::En, PageEnergy) => "Energy",
        (Lang::De, PageEnergy) => "Energie",
        (Lang::En, PageGridIntensity) => "Grid intensity",
        (Lang::De, PageGridIntensity) => "CO₂-Intensität des Netzes",
        (Lang::En, PageOffsetClaim) => "Offset claim",
        (Lang::De, PageOffsetClaim) => "Kompensationsangabe",
        (Lang::En, PageEmbodied) => "Embodied",
        (Lang::De, PageEmbodied) => "Graue Emissionen",
        (Lang::En, PageEquivalentTo) => "Equivalent to",
        (Lang::De, PageEquivalentTo) => "Das entspricht",
        (Lang::En, PageMore) => "{count} more",
        (Lang::De, PageMore) => "{count} weitere",
        (Lang::En, PageDidYouMean) => "Did you mean:",
        (Lang::De, PageDidYouMean) => "Meinten Sie:",
        (Lang::En, PageStatementHeading) => "Statement for a paper or model card",
        (Lang::De, PageStatementHeading) => "Angabe für eine Arbeit oder Model Card",
        (Lang::En, PageLongToggle) => "Long version (all inputs and sources)",
        (Lang::De, PageLongToggle) => "Lange Fassung (alle Eingangsgrößen und Quellen)",
        (Lang::En, PageLanguage) => "Language",
        (Lang::De, PageLanguage) => "Sprache",
    }
}

/// The subject of the statement's first sentence: the activity with its article. German nouns
/// have their own gender, so known activities are named; another is quoted after a neutral noun.
pub fn activity_subject(lang: Lang, activity: &str) -> String {
    let lower = activity.trim().to_lowercase();
    match lang {
        Lang::En => format!("The {activity}"),
        Lang::De => match lower.as_str() {
            "training" => "Das Training".to_string(),
            "fine-tuning" | "finetuning" | "fine tuning" => "Das Fine-Tuning".to_string(),
            "pre-training" | "pretraining" => "Das Vortraining".to_string(),
            "inference" => "Die Inferenz".to_string(),
            "evaluation" => "Die Evaluation".to_string(),
            _ => format!("Der Rechenauftrag „{activity}“"),
        },
    }
}

/// The name of an input quantity (a provenance's `quantity`) in `lang`; unknown ones as given.
pub fn quantity_name(lang: Lang, quantity: &str) -> String {
    let german = match quantity {
        "device power" => "Leistung des Geräts",
        "utilization" => "Auslastung",
        "CPU utilization" => "CPU-Auslastung",
        "CPU power" => "CPU-Leistung",
        "RAM" => "Arbeitsspeicher",
        "grid intensity" => "CO₂-Intensität des Stromnetzes",
        "offset claim" => "Kompensationsangabe",
        "embodied emissions" => "graue Emissionen",
        "IT energy" => "Energie der IT",
        other => other,
    };
    match lang {
        Lang::En => quantity.to_string(),
        Lang::De => german.to_string(),
    }
}

/// `template` with each `{name}` replaced by its value; unknown names stay as written.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    fill_mapped(template, values, str::to_string)
}

/// [`fill`] with the template's own text passed through `literal` (LaTeX escaping), the values
/// as given (already written for the target, citations included).
pub fn fill_mapped(
    template: &str,
    values: &[(&str, &str)],
    literal: impl Fn(&str) -> String,
) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&literal(&rest[..start]));
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match values.iter().find(|(key, _)| *key == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&literal(&format!("{{{name}}}"))),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&literal(&rest[start..]));
                rest = "";
            }
        }
    }
    out.push_str(&literal(rest));
    out
}

/// The message of `msg` in `lang` with its blanks filled.
pub fn say(lang: Lang, msg: Msg, values: &[(&str, &str)]) -> String {
    fill(text(lang, msg), values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_from_codes_and_locales() {
        assert_eq!(Lang::parse("de"), Some(Lang::De));
        assert_eq!(Lang::parse("de_DE.UTF-8"), Some(Lang::De));
        assert_eq!(Lang::parse("EN-us"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }

    #[test]
    fn templates_fill_their_named_blanks() {
        assert_eq!(
            fill("{a} and {b}, {c}", &[("a", "x"), ("b", "y")]),
            "x and y, {c}"
        );
        assert_eq!(fill("no blanks {", &[]), "no blanks {");
    }

    #[test]
    fn german_subjects_agree_with_their_nouns() {
        assert_eq!(activity_subject(Lang::De, "inference"), "Die Inferenz");
        assert_eq!(activity_subject(Lang::De, "training"), "Das Training");
        assert_eq!(activity_subject(Lang::En, "fine-tuning"), "The fine-tuning");
    }
}
