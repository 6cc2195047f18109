//! A Hugging Face model card's emissions: the `co2_eq_emissions` metadata block the Hub filters
//! on (emissions in grams, `source`, `training_type`, `geographical_location`,
//! `hardware_used`; field names from the Hub's model card metadata specification) and the card's
//! "Environmental Impact" section in Markdown.

use serde::Serialize;

use crate::statement_input::StatementInput;

/// The figures of the `co2_eq_emissions` block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Co2EqEmissions {
    /// The Hub takes grams.
    pub emissions: f64,
    pub source: String,
    pub training_type: String,
    pub geographical_location: String,
    pub hardware_used: String,
}

/// The metadata block and the section, and both as one card text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelCard {
    pub co2_eq_emissions: Co2EqEmissions,
    /// "## Environmental Impact" and its Markdown.
    pub section: String,
}

/// The Hub's two documented training types; another activity is written as given.
fn training_type(activity: &str) -> String {
    let lower = activity.to_ascii_lowercase();
    if lower.contains("fine") {
        "fine-tuning".to_string()
    } else if lower == "training" || lower.contains("pre-train") || lower.contains("pretrain") {
        "pre-training".to_string()
    } else {
        activity.to_string()
    }
}

/// A YAML double-quoted scalar: any text (a run's hardware or place names) stays one value.
fn yaml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `value` to `digits` significant digits: the card shows no float noise (71857.69113600001).
fn significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let scale = 10f64.powi(digits - 1 - value.abs().log10().floor() as i32);
    (value * scale).round() / scale
}

/// The model card of a statement; `paragraph` is the statement's Markdown (with its embodied
/// sentence), placed in the section after the Hub template's list of figures.
pub fn model_card(input: &StatementInput<'_>, paragraph: &str) -> ModelCard {
    let estimate = input.estimate;
    let grams = significant(estimate.emissions.value.0 * 1000.0, 6);
    let how = if input.measured {
        "measured energy"
    } else {
        "estimate"
    };
    let co2 = Co2EqEmissions {
        emissions: grams,
        source: format!(
            "mlcarbon {} ({how}, dataset {})",
            input.tool_version, input.dataset
        ),
        training_type: training_type(&input.activity),
        geographical_location: input.location.label.clone(),
        hardware_used: input.hardware.clone(),
    };
    let mut section = String::from("## Environmental Impact\n\n");
    section.push_str(&format!("- **Hardware Type:** {}\n", co2.hardware_used));
    section.push_str(&format!("- **Hours used:** {}\n", estimate.hours.0));
    if let Some(provider) = &input.location.provider {
        section.push_str(&format!("- **Cloud Provider:** {provider}\n"));
    }
    section.push_str(&format!(
        "- **Compute Region:** {}\n",
        co2.geographical_location
    ));
    section.push_str(&format!(
        "- **Carbon Emitted:** {} g CO2eq ({}, {})\n\n",
        crate::format::human_number(grams),
        co2.training_type,
        how
    ));
    section.push_str(paragraph.trim_end());
    section.push('\n');
    ModelCard {
        co2_eq_emissions: co2,
        section,
    }
}

impl ModelCard {
    /// The YAML metadata block, between `---` lines, as the card's README.md starts.
    pub fn metadata(&self) -> String {
        let c = &self.co2_eq_emissions;
        format!(
            "---\nco2_eq_emissions:\n  emissions: {}\n  source: {}\n  training_type: {}\n  geographical_location: {}\n  hardware_used: {}\n---\n",
            c.emissions,
            yaml_string(&c.source),
            yaml_string(&c.training_type),
            yaml_string(&c.geographical_location),
            yaml_string(&c.hardware_used)
        )
    }

    /// The metadata block followed by the section: a card to merge into a model's README.md.
    pub fn text(&self) -> String {
        format!("{}\n{}", self.metadata(), self.section)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_types_and_quoting() {
        assert_eq!(training_type("training"), "pre-training");
        assert_eq!(training_type("Fine-tuning"), "fine-tuning");
        assert_eq!(training_type("inference"), "inference");
        assert_eq!(significant(71857.69113600001, 6), 71857.7);
        assert_eq!(significant(0.020004, 3), 0.02);
        assert_eq!(yaml_string("a \"b\": c"), "\"a \\\"b\\\": c\"");
    }
}
