//! From command-line arguments to model inputs, with one clear error per bad input.

use anyhow::{Context, Result, anyhow, bail};
use mlcarbon_data::{Dataset, Hardware, LookupError, Provider, Region};
use mlcarbon_model::scenario;
use mlcarbon_model::{Hours, Job, KilowattHours, Load, Location, Provenance};

use crate::cli::{JobArgs, LocationArgs};

/// A lookup error with a hint at the listing command.
pub fn lookup_error(error: LookupError, list_command: &str) -> anyhow::Error {
    match &error {
        LookupError::NotFound { suggestions, .. } if suggestions.is_empty() => {
            anyhow!("{error}; `mlcarbon {list_command}` lists them")
        }
        _ => anyhow!("{error}"),
    }
}

/// The job's inputs, resolved against the data.
pub struct ResolvedJob<'d> {
    pub job: Job,
    pub hardware: Option<&'d Hardware>,
    pub count: u32,
    pub hours: Hours,
    /// "8 × A100 SXM4 80GB", for reports.
    pub description: String,
}

pub fn resolve_hardware<'d>(data: &'d Dataset, name: &str) -> Result<&'d Hardware> {
    data.find_hardware(name)
        .map_err(|e| lookup_error(e, "hardware"))
}

/// Builds the components of a job on `hardware` (or none) with the host parts of `args`.
pub fn build_job(
    data: &Dataset,
    args: &JobArgs,
    hardware: Option<&Hardware>,
    hours: Hours,
) -> Result<Job> {
    let mut components = Vec::new();
    if let Some(hardware) = hardware {
        components.push(scenario::accelerator_component(
            data,
            hardware,
            args.count,
            args.utilization,
        )?);
    }
    if let Some(cpu_name) = &args.cpu {
        let cpu = data
            .find_cpu(cpu_name)?
            .map_err(|e| lookup_error(e, "hardware --cpus"))?;
        components.push(scenario::cpu_component(
            data,
            cpu,
            args.cpu_count,
            args.cpu_utilization,
        )?);
    }
    if let Some(gb) = args.ram_gb {
        components.push(scenario::ram_component(data, gb)?);
    }
    Ok(Job {
        load: Load::Components { components },
        hours,
    })
}

pub fn resolve_job<'d>(data: &'d Dataset, args: &JobArgs) -> Result<ResolvedJob<'d>> {
    if let Some(kwh) = args.energy_kwh {
        let hours = Hours(args.hours.unwrap_or(0.0));
        return Ok(ResolvedJob {
            job: Job {
                load: Load::Energy {
                    it_energy: KilowattHours(kwh),
                    provenance: Provenance::given("IT energy", format!("{kwh} kWh")),
                },
                hours,
            },
            hardware: None,
            count: 0,
            hours,
            description: format!("hardware using {kwh} kWh"),
        });
    }
    let Some(hours) = args.hours else {
        bail!("missing --hours: how long the job runs, e.g. --hours 24 (or give --energy-kwh)");
    };
    let hardware = match &args.hardware {
        Some(name) => Some(resolve_hardware(data, name)?),
        None if args.cpu.is_some() || args.ram_gb.is_some() => None,
        None => bail!(
            "missing --hardware: the accelerator, e.g. --hardware \"A100 SXM4 80GB\" (`mlcarbon hardware` lists them)"
        ),
    };
    let job = build_job(data, args, hardware, Hours(hours))?;
    let mut parts = Vec::new();
    if let Some(h) = hardware {
        parts.push(format!("{} × {}", args.count, h.name));
    }
    if let Some(cpu) = &args.cpu {
        parts.push(format!("{} × {cpu}", args.cpu_count));
    }
    if let Some(gb) = args.ram_gb {
        parts.push(format!("{gb} GB RAM"));
    }
    Ok(ResolvedJob {
        job,
        hardware,
        count: args.count,
        hours: Hours(hours),
        description: parts.join(" + "),
    })
}

/// The location's inputs, resolved against the data.
pub struct ResolvedLocation<'d> {
    pub location: Location,
    pub provider: Option<&'d Provider>,
    pub region: Option<&'d Region>,
}

pub fn resolve_provider_region<'d>(
    data: &'d Dataset,
    provider: Option<&str>,
    region: &str,
) -> Result<(&'d Provider, &'d Region)> {
    let provider = provider
        .map(|p| {
            data.find_provider(p)
                .map_err(|e| lookup_error(e, "regions"))
        })
        .transpose()?;
    let region = data
        .find_region(provider, region)
        .map_err(|e| lookup_error(e, "regions"))?;
    let provider = match provider {
        Some(p) => p,
        None => data.provider(&region.provider).with_context(|| {
            format!(
                "region {} names unknown provider `{}`",
                region.label(),
                region.provider
            )
        })?,
    };
    Ok((provider, region))
}

pub fn resolve_location<'d>(
    data: &'d Dataset,
    args: &LocationArgs,
) -> Result<ResolvedLocation<'d>> {
    if args.offset_percent.is_some() && args.intensity.is_none() {
        bail!(
            "--offset-percent goes with --intensity; for a cloud region the provider's own claim is used"
        );
    }
    let mut resolved = match (&args.provider, &args.region, &args.zone, args.intensity) {
        (provider, Some(region), None, None) => {
            let (provider, region) = resolve_provider_region(data, provider.as_deref(), region)?;
            ResolvedLocation {
                location: scenario::region_location(data, provider, region)?,
                provider: Some(provider),
                region: Some(region),
            }
        }
        (Some(provider), None, None, None) => {
            let p = data
                .find_provider(provider)
                .map_err(|e| lookup_error(e, "regions"))?;
            bail!(
                "missing --region for provider {}: `mlcarbon regions --provider {}` lists them",
                p.id,
                p.id
            );
        }
        (None, None, Some(zone), None) => {
            let zone = data.find_zone(zone).map_err(|e| lookup_error(e, "zones"))?;
            ResolvedLocation {
                location: scenario::zone_location(data, zone)?,
                provider: None,
                region: None,
            }
        }
        (None, None, None, Some(g)) => ResolvedLocation {
            location: scenario::intensity_location(data, g, args.offset_percent)?,
            provider: None,
            region: None,
        },
        (None, None, None, None) => bail!(
            "missing location: give --provider P --region R, --zone Z (e.g. FR, US-IA, WORLD) or --intensity G (g/kWh)"
        ),
        _ => bail!("give one location: --provider/--region, --zone or --intensity"),
    };
    if let Some(pue) = args.pue {
        resolved.location.pue = scenario::given_pue(pue);
    }
    Ok(resolved)
}

/// Everything the report lists as input, in order.
pub fn provenance_of(job: &Job, location: &Location) -> Vec<Provenance> {
    let mut out = Vec::new();
    match &job.load {
        Load::Components { components } => {
            for c in components {
                out.push(c.provenance.clone());
                out.push(c.utilization_provenance.clone());
            }
        }
        Load::Energy { provenance, .. } => out.push(provenance.clone()),
    }
    out.push(location.intensity.provenance.clone());
    out.push(location.pue.provenance.clone());
    if let Some(p) = &location.offset_provenance {
        out.push(p.clone());
    }
    out
}
