//! What a statement (and a model card) names: the job, where it ran, its figures and their
//! sources; apart from both, which each read.

use mlcarbon_data::Source;

use crate::estimate::{Estimate, Location, Provenance};
use crate::report::EmbodiedReport;

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
    /// The hardware's manufacturing share, where the data has a figure for it.
    pub embodied: Option<EmbodiedReport>,
}
