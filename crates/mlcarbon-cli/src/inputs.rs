//! From command-line arguments to the model's requests (the estimate flags, a stored run, a
//! profile file's text, the clock); one clear line per bad input.

use std::path::Path;

use anyhow::{Result, anyhow};
use mlcarbon_data::{Dataset, LookupError};
use mlcarbon_model::request::{self, EstimateRequest, RequestError};
use mlcarbon_model::schedule_report::ProfileText;

pub use mlcarbon_model::request::ResolvedLocation;
/// The clock, the default of `--now`.
pub use mlcarbon_time::now as system_now;

use crate::cli::{JobArgs, LocationArgs};

/// A lookup error with a hint at the listing command.
pub fn lookup_error(error: LookupError, list_command: &str) -> anyhow::Error {
    anyhow!(request::lookup_message(&error, list_command))
}

/// The request the flags describe (names as in the web API's query parameters).
pub fn estimate_request(job: &JobArgs, location: &LocationArgs) -> EstimateRequest {
    EstimateRequest {
        hardware: job.hardware.clone(),
        watts: job.watts,
        count: Some(job.count),
        hours: job.hours,
        energy_kwh: job.energy_kwh,
        utilization: job.utilization,
        cpu: job.cpu.clone(),
        cpu_count: Some(job.cpu_count),
        cpu_utilization: job.cpu_utilization,
        ram_gb: job.ram_gb,
        provider: location.provider.clone(),
        region: location.region.clone(),
        zone: location.zone.clone(),
        intensity: location.intensity,
        offset_percent: location.offset_percent,
        pue: location.pue,
        lifetime_years: None,
        basis: location.basis,
    }
}

/// A whole request from the flags, resolved.
pub fn resolve<'d>(
    data: &'d Dataset,
    job: &JobArgs,
    location: &LocationArgs,
) -> Result<(EstimateRequest, request::Resolved<'d>)> {
    let request = estimate_request(job, location);
    let resolved = request::resolve(data, &request).map_err(user_error)?;
    Ok((request, resolved))
}

/// A user's intensity profile file, read (with a size limit) for the model to parse; `flag`
/// is the option that named it, for the error.
pub fn read_profile(path: &Path, flag: &str) -> Result<ProfileText> {
    Ok(ProfileText {
        name: path.display().to_string(),
        text: crate::files::read_text(path, flag, crate::files::MAX_INPUT_BYTES)?,
    })
}

/// A model error as the CLI prints it: its one line.
pub fn user_error(error: RequestError) -> anyhow::Error {
    anyhow!(error.message)
}
