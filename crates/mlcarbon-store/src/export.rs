//! Exporters: pure functions from stored records to the text of a file.
//!
//! Numbers are written in Rust's shortest form that reads back to the same `f64` (never an
//! exponent); an absent value is an empty CSV field or a JSON `null`.
//!
//! # CodeCarbon's `emissions.csv`
//!
//! [`codecarbon_csv`] writes CodeCarbon 3.3.2's 38 columns in its order and units (kg, kg/s, W,
//! kWh, L, GB, %, s), one row per run, so tools that read CodeCarbon output read mlcarbon's.
//! Where mlcarbon differs from CodeCarbon, or has nothing to put:
//!
//! - `timestamp`: when the run ended (else its last sample, else its start), in UTC written
//!   without a zone (`2024-01-01T12:00:00`). CodeCarbon writes the local time of its last write.
//! - `experiment_id`: the run's experiment name, empty without one (CodeCarbon: a UUID).
//! - `duration`: the run's duration, or for a run without an end the time its samples cover.
//! - `cpu_power`, `gpu_power`, `ram_power`: mean IT power over the run, W (CodeCarbon: the last
//!   reading).
//! - `cpu_energy`, `gpu_energy`, `ram_energy`: IT energy × PUE, as CodeCarbon applies the PUE to
//!   every component; they add up to `energy_consumed` when the sampler's total is IT × PUE.
//! - `water_consumed` 0 and `wue` 0: mlcarbon does not account for water.
//! - `country_iso_code`: what the run was stored with. CodeCarbon writes ISO 3166 alpha-3
//!   (`USA`); mlcarbon's zones are alpha-2 (`US`): convert before storing to match it exactly.
//! - `region`: the grid zone (`US-VA`), or the cloud region when no zone is known.
//! - `python_version`: empty; `codecarbon_version`: `mlcarbon <version>`, naming the writer,
//!   so the file does not claim a CodeCarbon release wrote it.
//! - `longitude`, `latitude`: empty.
//! - `tracking_mode`: `machine`: the meters read whole devices (RAPL packages, GPUs), not one
//!   process.
//! - `cpu_utilization_percent`, `gpu_utilization_percent`, `ram_used_gb`: means over the
//!   samples; `ram_utilization_percent` = mean RAM used / RAM size × 100; empty when unknown.
//! - `on_cloud`: `Y` when the run has a cloud provider, else `N`.

use std::collections::HashMap;
use std::fmt::Display;

use crate::{RunRecord, SampleRow, StoreError};

/// CodeCarbon 3.3.2's `emissions.csv` header, in its order.
pub const CODECARBON_HEADER: [&str; 38] = [
    "timestamp",
    "project_name",
    "run_id",
    "experiment_id",
    "duration",
    "emissions",
    "emissions_rate",
    "cpu_power",
    "gpu_power",
    "ram_power",
    "cpu_energy",
    "gpu_energy",
    "ram_energy",
    "energy_consumed",
    "water_consumed",
    "country_name",
    "country_iso_code",
    "region",
    "cloud_provider",
    "cloud_region",
    "os",
    "python_version",
    "codecarbon_version",
    "cpu_count",
    "cpu_model",
    "gpu_count",
    "gpu_model",
    "longitude",
    "latitude",
    "ram_total_size",
    "tracking_mode",
    "cpu_utilization_percent",
    "gpu_utilization_percent",
    "ram_utilization_percent",
    "ram_used_gb",
    "on_cloud",
    "pue",
    "wue",
];

/// One row per run, in CodeCarbon 3.3.2's `emissions.csv` format (see the module docs).
pub fn codecarbon_csv(runs: &[RunRecord]) -> Result<String, StoreError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CODECARBON_HEADER)?;
    for run in runs {
        writer.write_record(codecarbon_row(run)?)?;
    }
    finish(writer)
}

fn codecarbon_row(run: &RunRecord) -> Result<[String; 38], StoreError> {
    let at = run
        .ended_at
        .as_deref()
        .or(run.last_sample_at.as_deref())
        .unwrap_or(&run.started_at);
    let written_at = mlcarbon_time::parse_strict_rfc3339(at)
        .ok_or_else(|| StoreError::Timestamp {
            field: "run end",
            value: at.to_owned(),
        })?
        .naive_utc();
    let duration = run.elapsed_s();
    let emissions_rate = if duration > 0.0 {
        run.emissions_kg / duration
    } else {
        0.0
    };
    let ram_utilization_percent = run
        .ram_used_gb
        .filter(|_| run.ram_total_gb > 0.0)
        .map(|used| used / run.ram_total_gb * 100.0);
    Ok([
        written_at,
        run.project.clone(),
        run.uuid.clone(),
        text(&run.experiment),
        duration.to_string(),
        run.emissions_kg.to_string(),
        emissions_rate.to_string(),
        run.cpu_power_w.to_string(),
        run.gpu_power_w.to_string(),
        run.ram_power_w.to_string(),
        (run.cpu_energy_kwh * run.pue).to_string(),
        (run.gpu_energy_kwh * run.pue).to_string(),
        (run.ram_energy_kwh * run.pue).to_string(),
        run.energy_kwh.to_string(),
        "0".into(),
        text(&run.country_name),
        text(&run.country_iso),
        text(&run.zone.clone().or_else(|| run.region.clone())),
        text(&run.provider),
        text(&run.region),
        run.os.clone(),
        String::new(),
        format!("mlcarbon {}", run.mlcarbon_version),
        run.cpu_count.to_string(),
        text(&run.cpu_model),
        run.gpu_count.to_string(),
        text(&run.gpu_model),
        String::new(),
        String::new(),
        run.ram_total_gb.to_string(),
        "machine".into(),
        text(&run.cpu_utilization),
        text(&run.gpu_utilization),
        text(&ram_utilization_percent),
        text(&run.ram_used_gb),
        if run.provider.is_some() { "Y" } else { "N" }.into(),
        run.pue.to_string(),
        "0".into(),
    ])
}

/// Every field of every run, one row each, columns named as in the JSON; `tags` and `command`
/// are JSON arrays, so that any text in them survives.
pub fn runs_csv(runs: &[RunRecord]) -> Result<String, StoreError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(RUNS_CSV_HEADER)?;
    for run in runs {
        writer.write_record(run_values(run)?)?;
    }
    finish(writer)
}

/// A pretty-printed JSON array of runs, ending in a newline.
pub fn runs_json(runs: &[RunRecord]) -> Result<String, StoreError> {
    let mut json = serde_json::to_string_pretty(runs)?;
    json.push('\n');
    Ok(json)
}

/// One JSON object per run and line.
pub fn runs_jsonl(runs: &[RunRecord]) -> Result<String, StoreError> {
    json_lines(runs)
}

/// One row per sample: its own columns, then `<key> power_w` and `<key> energy_j` for every
/// component key met, in order of first appearance (empty where a sample lacks it).
pub fn samples_csv(samples: &[SampleRow]) -> Result<String, StoreError> {
    let mut keys: Vec<&str> = Vec::new();
    for sample in samples {
        for reading in &sample.components {
            if !keys.contains(&reading.key.as_str()) {
                keys.push(&reading.key);
            }
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "seq",
        "t_s",
        "timestamp",
        "intensity_g_per_kwh",
        "total_power_w",
        "energy_kwh",
        "emissions_kg",
        "cpu_utilization",
        "gpu_utilization",
        "ram_used_gb",
    ]
    .map(String::from)
    .to_vec();
    for key in &keys {
        header.push(format!("{key} power_w"));
        header.push(format!("{key} energy_j"));
    }
    writer.write_record(&header)?;

    for sample in samples {
        let readings: HashMap<&str, (f64, f64)> = sample
            .components
            .iter()
            .map(|r| (r.key.as_str(), (r.power_w, r.energy_j)))
            .collect();
        let mut row = vec![
            sample.seq.to_string(),
            sample.t_s.to_string(),
            sample.timestamp.clone(),
            sample.intensity_g_per_kwh.to_string(),
            sample.total_power_w.to_string(),
            sample.energy_kwh.to_string(),
            sample.emissions_kg.to_string(),
            text(&sample.cpu_utilization),
            text(&sample.gpu_utilization),
            text(&sample.ram_used_gb),
        ];
        for key in &keys {
            let (power, energy) = readings.get(key).copied().unzip();
            row.push(text(&power));
            row.push(text(&energy));
        }
        writer.write_record(&row)?;
    }
    finish(writer)
}

/// One JSON object per sample and line.
pub fn samples_jsonl(samples: &[SampleRow]) -> Result<String, StoreError> {
    json_lines(samples)
}

fn json_lines<T: serde::Serialize>(items: &[T]) -> Result<String, StoreError> {
    let mut out = String::new();
    for item in items {
        out.push_str(&serde_json::to_string(item)?);
        out.push('\n');
    }
    Ok(out)
}

fn text<T: Display>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Result<String, StoreError> {
    let bytes = writer
        .into_inner()
        .map_err(|e| StoreError::Csv(csv::Error::from(e.into_error())))?;
    // Every field written was a Rust string, so the bytes are UTF-8.
    String::from_utf8(bytes).map_err(|e| {
        StoreError::Csv(csv::Error::from(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            e,
        )))
    })
}

/// Header of [`runs_csv`]: the fields of [`RunRecord`], named and ordered as in its JSON.
pub const RUNS_CSV_HEADER: [&str; 49] = [
    "id",
    "uuid",
    "project",
    "experiment",
    "tags",
    "command",
    "started_at",
    "pid",
    "hostname",
    "os",
    "mlcarbon_version",
    "location_label",
    "zone",
    "provider",
    "region",
    "country_iso",
    "country_name",
    "intensity_g_per_kwh",
    "intensity_origin",
    "intensity_source",
    "pue",
    "cpu_model",
    "cpu_count",
    "gpu_model",
    "gpu_count",
    "ram_total_gb",
    "interval_s",
    "status",
    "ended_at",
    "duration_s",
    "exit_code",
    "signal",
    "energy_kwh",
    "emissions_kg",
    "cpu_energy_kwh",
    "gpu_energy_kwh",
    "ram_energy_kwh",
    "cpu_power_w",
    "gpu_power_w",
    "ram_power_w",
    "cpu_utilization",
    "gpu_utilization",
    "ram_used_gb",
    "last_t_s",
    "last_sample_at",
    "samples",
    "progress",
    "predicted_energy_kwh",
    "predicted_emissions_kg",
];

fn run_values(run: &RunRecord) -> Result<[String; 49], StoreError> {
    Ok([
        run.id.to_string(),
        run.uuid.clone(),
        run.project.clone(),
        text(&run.experiment),
        serde_json::to_string(&run.tags)?,
        serde_json::to_string(&run.command)?,
        run.started_at.clone(),
        run.pid.to_string(),
        run.hostname.clone(),
        run.os.clone(),
        run.mlcarbon_version.clone(),
        run.location_label.clone(),
        text(&run.zone),
        text(&run.provider),
        text(&run.region),
        text(&run.country_iso),
        text(&run.country_name),
        run.intensity_g_per_kwh.to_string(),
        run.intensity_origin.to_string(),
        text(&run.intensity_source),
        run.pue.to_string(),
        text(&run.cpu_model),
        run.cpu_count.to_string(),
        text(&run.gpu_model),
        run.gpu_count.to_string(),
        run.ram_total_gb.to_string(),
        run.interval_s.to_string(),
        run.status.to_string(),
        text(&run.ended_at),
        text(&run.duration_s),
        text(&run.exit_code),
        text(&run.signal),
        run.energy_kwh.to_string(),
        run.emissions_kg.to_string(),
        run.cpu_energy_kwh.to_string(),
        run.gpu_energy_kwh.to_string(),
        run.ram_energy_kwh.to_string(),
        run.cpu_power_w.to_string(),
        run.gpu_power_w.to_string(),
        run.ram_power_w.to_string(),
        text(&run.cpu_utilization),
        text(&run.gpu_utilization),
        text(&run.ram_used_gb),
        text(&run.last_t_s),
        text(&run.last_sample_at),
        run.samples.to_string(),
        text(&run.progress),
        text(&run.predicted_energy_kwh),
        text(&run.predicted_emissions_kg),
    ])
}
