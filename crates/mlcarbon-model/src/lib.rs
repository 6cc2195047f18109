//! The mlcarbon model: pure arithmetic, no I/O. Energy of the hardware over the run × PUE × the
//! carbon intensity of the grid, each figure with a range and the provenance of its inputs;
//! comparisons across regions, providers and hardware; equivalents; citable statements; and the
//! published ML Emissions Calculator's own arithmetic (`compat`).

pub mod advise;
pub mod advise_report;
pub mod cluster;
pub mod compare;
pub mod compat;
pub mod duration;
pub mod embodied;
pub mod equivalents;
pub mod error;
pub mod estimate;
pub mod format;
pub mod ga4hpc;
pub mod inference;
pub mod inference_report;
pub mod lang;
pub mod mlco2_report;
pub mod model_card;
pub mod params;
pub mod power_cap;
pub mod predict;
pub mod prediction_report;
pub mod profiles;
pub mod report;
pub mod request;
pub mod run;
pub mod scenario;
pub mod schedule;
pub mod schedule_report;
pub mod search;
pub mod search_report;
pub mod statement;
pub mod statement_input;
pub mod statement_report;
pub mod subject;
pub mod time;
pub mod units;

pub use estimate::{
    Component, ComponentEnergy, Estimate, Factor, Job, Load, Location, Origin, Provenance, estimate,
};
pub use units::{GramsPerKwh, Hours, KgCo2e, KilowattHours, Ranged, Watts};
