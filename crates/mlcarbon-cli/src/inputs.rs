//! From command-line arguments to the model's estimate request; one clear line per bad input.

use anyhow::{Result, anyhow};
use mlcarbon_data::{Dataset, LookupError};
use mlcarbon_model::request::{self, EstimateRequest, RequestError};

pub use mlcarbon_model::request::{ResolvedJob, ResolvedLocation};

use crate::cli::{JobArgs, LocationArgs};

/// A lookup error with a hint at the listing command.
pub fn lookup_error(error: LookupError, list_command: &str) -> anyhow::Error {
    anyhow!(request::lookup_message(&error, list_command))
}

fn user_error(error: RequestError) -> anyhow::Error {
    anyhow!(error.message)
}

/// The request the flags describe (names as in the web API's query parameters).
pub fn estimate_request(job: &JobArgs, location: &LocationArgs) -> EstimateRequest {
    EstimateRequest {
        hardware: job.hardware.clone(),
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
    }
}

pub fn resolve_job<'d>(data: &'d Dataset, args: &JobArgs) -> Result<ResolvedJob<'d>> {
    let request = estimate_request(args, &LocationArgs::default());
    request::resolve_job(data, &request).map_err(user_error)
}

pub fn resolve_location<'d>(
    data: &'d Dataset,
    args: &LocationArgs,
) -> Result<ResolvedLocation<'d>> {
    let request = EstimateRequest {
        provider: args.provider.clone(),
        region: args.region.clone(),
        zone: args.zone.clone(),
        intensity: args.intensity,
        offset_percent: args.offset_percent,
        pue: args.pue,
        ..EstimateRequest::default()
    };
    request::resolve_location(data, &request).map_err(user_error)
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
