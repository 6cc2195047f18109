//! An estimate request by name (what the CLI flags and the web API's query parameters carry),
//! validated and resolved against the data into model inputs. Every error names its field.

use mlcarbon_data::{Basis, Dataset, Hardware, HardwareMatch, LookupError, Provider, Region};
use serde::{Deserialize, Serialize};

use crate::compare::CandidatePlace;
use crate::embodied::HostSpec;
use crate::estimate::{Job, Load, Location, Provenance};
use crate::scenario;
use crate::units::{Hours, KilowattHours};

/// Inputs of an estimate, each optional, named like the CLI flags (`energy_kwh` or `energy-kwh`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EstimateRequest {
    pub hardware: Option<String>,
    pub count: Option<u32>,
    pub hours: Option<f64>,
    #[serde(alias = "energy-kwh")]
    pub energy_kwh: Option<f64>,
    pub utilization: Option<f64>,
    pub cpu: Option<String>,
    #[serde(alias = "cpu-count")]
    pub cpu_count: Option<u32>,
    #[serde(alias = "cpu-utilization")]
    pub cpu_utilization: Option<f64>,
    #[serde(alias = "ram-gb")]
    pub ram_gb: Option<f64>,
    pub provider: Option<String>,
    pub region: Option<String>,
    pub zone: Option<String>,
    pub intensity: Option<f64>,
    #[serde(alias = "offset-percent")]
    pub offset_percent: Option<f64>,
    pub pue: Option<f64>,
    /// Years over which the hardware's manufacturing emissions are spread (embodied).
    #[serde(alias = "lifetime-years")]
    pub lifetime_years: Option<f64>,
    /// What grid intensities count: life-cycle (default) or direct emissions.
    pub basis: Option<Basis>,
    /// The rated power of a device the table does not hold, W (`hardware` then only labels it).
    pub watts: Option<f64>,
}

pub use crate::error::RequestError;

/// A lookup error with a hint at the command that lists the names.
pub fn lookup_message(error: &LookupError, list_command: &str) -> String {
    match error {
        LookupError::NotFound { suggestions, .. } if suggestions.is_empty() => {
            format!("{error}; `mlcarbon {list_command}` lists them")
        }
        _ => error.to_string(),
    }
}

pub use crate::params::{MAX_COUNT, MAX_HOURS};

/// Ranges and combinations, checked before any lookup.
pub fn validate(r: &EstimateRequest) -> Result<(), RequestError> {
    use crate::params as p;
    for (param, value) in [
        (p::HOURS, r.hours),
        (p::ENERGY_KWH, r.energy_kwh),
        (p::UTILIZATION, r.utilization),
        (p::CPU_UTILIZATION, r.cpu_utilization),
        (p::RAM_GB, r.ram_gb),
        (p::LIFETIME_YEARS, r.lifetime_years),
        (p::INTENSITY, r.intensity),
        (p::OFFSET_PERCENT, r.offset_percent),
        (p::PUE, r.pue),
        (p::COUNT, r.count.map(f64::from)),
        (p::WATTS, r.watts),
        (p::CPU_COUNT, r.cpu_count.map(f64::from)),
    ] {
        param.check(value)?;
    }
    if r.energy_kwh.is_some() && r.watts.is_some() {
        return Err(RequestError::new(
            "watts",
            "give either a measured energy (--energy-kwh) or a device's power (--watts), not both",
        ));
    }
    if r.energy_kwh.is_some() && (r.hardware.is_some() || r.cpu.is_some() || r.ram_gb.is_some()) {
        return Err(RequestError::new(
            "energy_kwh",
            "give either a measured energy (--energy-kwh) or the hardware, not both",
        ));
    }
    if r.offset_percent.is_some() && r.intensity.is_none() {
        return Err(RequestError::new(
            "offset_percent",
            "--offset-percent goes with --intensity; for a cloud region the provider's own claim is used",
        ));
    }
    let locations = [
        r.region.is_some() || r.provider.is_some(),
        r.zone.is_some(),
        r.intensity.is_some(),
    ];
    if locations.iter().filter(|l| **l).count() > 1 {
        return Err(RequestError::new(
            "zone",
            "give one location: --provider/--region, --zone or --intensity",
        ));
    }
    Ok(())
}

/// The job's inputs, resolved against the data.
#[derive(Debug, Clone)]
pub struct ResolvedJob<'d> {
    pub job: Job,
    pub hardware: Option<&'d Hardware>,
    pub count: u32,
    pub hours: Hours,
    /// "8 × A100 SXM4 80GB", for reports.
    pub description: String,
}

/// The location's inputs, resolved against the data.
#[derive(Debug, Clone)]
pub struct ResolvedLocation<'d> {
    pub location: Location,
    pub provider: Option<&'d Provider>,
    pub region: Option<&'d Region>,
}

/// A whole request, resolved.
#[derive(Debug, Clone)]
pub struct Resolved<'d> {
    pub job: ResolvedJob<'d>,
    pub location: ResolvedLocation<'d>,
}

pub fn resolve_hardware<'d>(data: &'d Dataset, name: &str) -> Result<&'d Hardware, RequestError> {
    resolve_hardware_match(data, name).map(|m| m.hardware)
}

/// The device `name` stands for, with the note saying which variant a family name took.
pub fn resolve_hardware_match<'d>(
    data: &'d Dataset,
    name: &str,
) -> Result<HardwareMatch<'d>, RequestError> {
    data.resolve_hardware(name)
        .map_err(|e| RequestError::new("hardware", lookup_message(&e, "hardware")))
}

/// The components of a job on `hardware` (or none) with the host parts of the request.
pub fn build_job(
    data: &Dataset,
    r: &EstimateRequest,
    hardware: Option<&Hardware>,
    hours: Hours,
) -> Result<Job, RequestError> {
    let mut components = Vec::new();
    if let (Some(watts), None) = (r.watts, hardware) {
        components.push(scenario::given_accelerator_component(
            data,
            r.hardware.as_deref().unwrap_or("device"),
            watts,
            r.count.unwrap_or(1),
            r.utilization,
        )?);
    }
    if let Some(hardware) = hardware {
        components.push(scenario::accelerator_component(
            data,
            hardware,
            r.count.unwrap_or(1),
            r.utilization,
        )?);
    }
    if let Some(cpu_name) = &r.cpu {
        let cpu = data
            .find_cpu(cpu_name)
            .map_err(|e| RequestError::new("cpu", e.to_string()))?
            .map_err(|e| RequestError::new("cpu", lookup_message(&e, "hardware --cpus")))?;
        components.push(scenario::cpu_component(
            data,
            cpu,
            r.cpu_count.unwrap_or(1),
            r.cpu_utilization,
        )?);
    }
    if let Some(gb) = r.ram_gb {
        components.push(scenario::ram_component(data, gb)?);
    }
    Ok(Job {
        load: Load::Components { components },
        hours,
    })
}

pub fn resolve_job<'d>(
    data: &'d Dataset,
    r: &EstimateRequest,
) -> Result<ResolvedJob<'d>, RequestError> {
    if let Some(kwh) = r.energy_kwh {
        let hours = Hours(r.hours.unwrap_or(0.0));
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
    let Some(hours) = r.hours else {
        return Err(RequestError::new(
            "hours",
            "missing hours: how long the job runs, e.g. --hours 24 (or give --energy-kwh)",
        ));
    };
    // A family name (`A100`) resolves to one variant; the note saying which goes into the
    // device-power provenance.
    let (hardware, family_note) = match &r.hardware {
        // A device of a given power: the name only labels it.
        _ if r.watts.is_some() => (None, None),
        Some(name) => {
            let found = resolve_hardware_match(data, name)?;
            (Some(found.hardware), found.note)
        }
        None if r.cpu.is_some() || r.ram_gb.is_some() => (None, None),
        None => {
            return Err(RequestError::new(
                "hardware",
                "missing hardware: the accelerator, e.g. --hardware \"A100 SXM4 80GB\" (`mlcarbon hardware` lists them)",
            ));
        }
    };
    let mut job = build_job(data, r, hardware, Hours(hours))?;
    if let (Some(note), Load::Components { components }) = (family_note, &mut job.load)
        && let Some(device) = components.iter_mut().find(|c| c.kind == "gpu")
    {
        let row_note = std::mem::take(&mut device.provenance.note);
        device.provenance.note = if row_note.is_empty() {
            note
        } else {
            format!("{note}. {row_note}")
        };
    }
    let count = r.count.unwrap_or(1);
    let mut parts = Vec::new();
    if let Some(h) = hardware {
        parts.push(format!("{count} × {}", h.name));
    }
    if let (Some(watts), None) = (r.watts, hardware) {
        let label = r.hardware.as_deref().unwrap_or("device");
        parts.push(format!("{count} × {label} ({watts} W)"));
    }
    if let Some(cpu) = &r.cpu {
        parts.push(format!("{} × {cpu}", r.cpu_count.unwrap_or(1)));
    }
    if let Some(gb) = r.ram_gb {
        parts.push(format!("{gb} GB RAM"));
    }
    Ok(ResolvedJob {
        job,
        hardware,
        count,
        hours: Hours(hours),
        description: parts.join(" + "),
    })
}

pub fn resolve_provider_region<'d>(
    data: &'d Dataset,
    provider: Option<&str>,
    region: &str,
) -> Result<(&'d Provider, &'d Region), RequestError> {
    let provider = provider
        .map(|p| {
            data.find_provider(p)
                .map_err(|e| RequestError::new("provider", lookup_message(&e, "regions")))
        })
        .transpose()?;
    let region = data
        .find_region(provider, region)
        .map_err(|e| RequestError::new("region", lookup_message(&e, "regions")))?;
    let provider = match provider {
        Some(p) => p,
        None => data.provider(&region.provider).ok_or_else(|| {
            RequestError::new(
                "region",
                format!(
                    "region {} names unknown provider `{}`",
                    region.label(),
                    region.provider
                ),
            )
        })?,
    };
    Ok((provider, region))
}

/// The places of a candidates list: `provider/region` (`aws/us-east-1`), a grid zone (`FR`,
/// `US-CAL-CISO`), or a region code alone when it names no zone (`europe-west4`). Items are
/// separated by commas or given one by one; each is named in the error that refuses it.
pub fn resolve_candidates<'d>(
    data: &'d Dataset,
    items: &[String],
) -> Result<Vec<CandidatePlace<'d>>, RequestError> {
    let mut places = Vec::new();
    for item in items.iter().flat_map(|i| i.split(',')).map(str::trim) {
        if item.is_empty() {
            continue;
        }
        let refuse = |message: String| {
            RequestError::new("candidates", format!("candidate `{item}`: {message}"))
        };
        let place = match item.split_once('/') {
            Some((provider, region)) => {
                let (provider, region) = resolve_provider_region(data, Some(provider), region)
                    .map_err(|e| refuse(e.message))?;
                CandidatePlace::Region(provider, region)
            }
            None => match data.find_zone(item) {
                Ok(zone) => CandidatePlace::Zone(zone),
                Err(zone_error) => match resolve_provider_region(data, None, item) {
                    Ok((provider, region)) => CandidatePlace::Region(provider, region),
                    Err(_) => {
                        return Err(refuse(format!(
                            "{} (a region is written provider/region, e.g. aws/us-east-1)",
                            lookup_message(&zone_error, "zones")
                        )));
                    }
                },
            },
        };
        places.push(place);
    }
    if places.is_empty() && !items.is_empty() {
        return Err(RequestError::new(
            "candidates",
            "the candidates list is empty: give places like aws/us-east-1,FR",
        ));
    }
    if places.len() > MAX_CANDIDATES {
        return Err(RequestError::new(
            "candidates",
            format!("at most {MAX_CANDIDATES} candidates, not {}", places.len()),
        ));
    }
    Ok(places)
}

/// The most places one candidates list may name.
pub const MAX_CANDIDATES: usize = 200;

pub fn resolve_location<'d>(
    data: &'d Dataset,
    r: &EstimateRequest,
) -> Result<ResolvedLocation<'d>, RequestError> {
    validate(r)?;
    let mut resolved = match (&r.provider, &r.region, &r.zone, r.intensity) {
        (provider, Some(region), None, None) => {
            let (provider, region) = resolve_provider_region(data, provider.as_deref(), region)?;
            ResolvedLocation {
                location: scenario::on_basis(r.basis, |basis| {
                    scenario::region_location(data, provider, region, basis)
                })?,
                provider: Some(provider),
                region: Some(region),
            }
        }
        (Some(provider), None, None, None) => {
            let p = data
                .find_provider(provider)
                .map_err(|e| RequestError::new("provider", lookup_message(&e, "regions")))?;
            return Err(RequestError::new(
                "region",
                format!(
                    "missing region for provider {}: `mlcarbon regions --provider {}` lists them",
                    p.id, p.id
                ),
            ));
        }
        (None, None, Some(zone), None) => {
            let zone = data
                .find_zone(zone)
                .map_err(|e| RequestError::new("zone", lookup_message(&e, "zones")))?;
            ResolvedLocation {
                location: scenario::on_basis(r.basis, |basis| {
                    scenario::zone_location(data, zone, basis)
                })?,
                provider: None,
                region: None,
            }
        }
        (None, None, None, Some(g)) => ResolvedLocation {
            location: scenario::intensity_location(data, g, r.offset_percent)?,
            provider: None,
            region: None,
        },
        (None, None, None, None) => {
            return Err(RequestError::new(
                "zone",
                "missing location: give --provider P --region R, --zone Z (e.g. FR, US-IA, WORLD) or --intensity G (g/kWh)",
            ));
        }
        _ => {
            return Err(RequestError::new(
                "zone",
                "give one location: --provider/--region, --zone or --intensity",
            ));
        }
    };
    if let Some(pue) = r.pue {
        resolved.location.pue = scenario::given_pue(pue);
    }
    Ok(resolved)
}

/// The location of a tracked run (the CLI's `run`/`monitor`, the Python package's `track()`):
/// the request's location when it names one, else the world average, flagged as defaulted in
/// its note (a PUE given alone still applies).
pub fn tracked_location<'d>(
    data: &'d Dataset,
    r: &EstimateRequest,
) -> Result<ResolvedLocation<'d>, RequestError> {
    if r.provider.is_some() || r.region.is_some() || r.zone.is_some() || r.intensity.is_some() {
        return resolve_location(data, r);
    }
    validate(r)?;
    let mut location = scenario::default_location(data)?;
    if let Some(pue) = r.pue {
        location.pue = scenario::given_pue(pue);
    }
    location.intensity.provenance.note = format!(
        "world average: no location given; set one with `mlcarbon config set zone FR` (or --zone, --provider/--region). {}",
        location.intensity.provenance.note
    );
    Ok(ResolvedLocation {
        location,
        provider: None,
        region: None,
    })
}

/// Validates and resolves a whole request.
pub fn resolve<'d>(data: &'d Dataset, r: &EstimateRequest) -> Result<Resolved<'d>, RequestError> {
    validate(r)?;
    Ok(Resolved {
        job: resolve_job(data, r)?,
        location: resolve_location(data, r)?,
    })
}

/// Everything a report lists as input, in order.
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

/// The host a request describes with `cpu`/`ram_gb`, for its embodied emissions; none when it
/// names neither.
pub fn host_spec(request: &EstimateRequest) -> Option<HostSpec> {
    (request.cpu.is_some() || request.ram_gb.is_some()).then(|| HostSpec {
        cpus: if request.cpu.is_some() {
            request.cpu_count.unwrap_or(1)
        } else {
            1
        },
        dram_gb: request.ram_gb.unwrap_or(0.0),
        ssds: 0,
        hdds: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> &'static Dataset {
        Dataset::builtin().expect("built-in data")
    }

    #[test]
    fn errors_name_their_field() {
        let bad = EstimateRequest {
            hardware: Some("A100 SXM4 80GB".into()),
            hours: Some(-1.0),
            zone: Some("FR".into()),
            ..Default::default()
        };
        assert_eq!(
            resolve(data(), &bad).expect_err("negative hours").field,
            "hours"
        );
        let unknown = EstimateRequest {
            hardware: Some("no such gpu".into()),
            hours: Some(1.0),
            zone: Some("FR".into()),
            ..Default::default()
        };
        assert_eq!(
            resolve(data(), &unknown).expect_err("unknown").field,
            "hardware"
        );
        let two = EstimateRequest {
            zone: Some("FR".into()),
            intensity: Some(3.0),
            ..Default::default()
        };
        assert_eq!(validate(&two).expect_err("two locations").field, "zone");
    }

    #[test]
    fn kebab_and_snake_names_both_parse() {
        let r: EstimateRequest =
            serde_json::from_str(r#"{"energy-kwh": 3.5, "offset_percent": 10}"#).expect("parses");
        assert_eq!(r.energy_kwh, Some(3.5));
        assert_eq!(r.offset_percent, Some(10.0));
    }
}
