//! Exporters: writers that turn stored records into a file's text one record at a time
//! ([`RunsWriter`], [`SamplesWriter`]), fed by [`crate::Store::each_run`] and
//! [`crate::Store::each_sample`] so that an export of any size runs in constant memory; and
//! functions over slices that return the whole text, for small sets.
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
//! - `wue` and `water_consumed`: the provider's published water usage effectiveness (L/kWh)
//!   when the exporter is given a lookup ([`RunsWriter::with_wue`]; the store holds no data
//!   tables), and on-site water = WUE × IT energy, litres (WUE is defined per kWh of IT
//!   energy); `0` and `0` as CodeCarbon writes them without a WUE.
//! - `country_iso_code`: what the run was stored with. CodeCarbon writes ISO 3166 alpha-3
//!   (`USA`); mlcarbon's zones are alpha-2 (`US`): convert before storing to match it exactly.
//! - `region`: the grid zone (`US-VA`), or the cloud region when no zone is known.
//! - `python_version`: empty; `codecarbon_version`: `mlcarbon <version>`, naming the writer,
//!   so the file does not claim a CodeCarbon release wrote it.
//! - `longitude`, `latitude`: empty.
//! - `tracking_mode`: `machine` when the run counted whole devices (RAPL packages, GPUs),
//!   `process` when it counted its command's share (or, linked to a job another tracker
//!   measured, nothing).
//! - `cpu_utilization_percent`, `gpu_utilization_percent`, `ram_used_gb`: means over the
//!   samples; `ram_utilization_percent` = mean RAM used / RAM size × 100; empty when unknown.
//! - `on_cloud`: `Y` when the run has a cloud provider, else `N`.

use std::collections::HashMap;
use std::fmt::Display;
use std::io::Write;

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

/// The file formats of a run export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunsFormat {
    /// CodeCarbon 3.3.2's `emissions.csv` (see the module docs).
    Codecarbon,
    /// Every field of every run ([`RUNS_CSV_HEADER`]).
    Csv,
    /// A pretty-printed JSON array, ending in a newline.
    Json,
    /// One JSON object per run and line.
    Jsonl,
}

/// Writes runs to `out` in a [`RunsFormat`] as they come: [`RunsWriter::write`] each run,
/// then [`RunsWriter::finish`].
pub struct RunsWriter<W: Write> {
    format: RunsFormat,
    sink: Sink<W>,
    written: u64,
    buffer: Vec<u8>,
    wue: Option<WueOf>,
}

/// The published WUE of a run's provider (its region's where the data has one), from
/// `water.csv` of `data`.
pub fn published_wue(data: &mlcarbon_data::Dataset) -> WueOf {
    // The water table is a few dozen rows: copied, so the writer outlives any borrow.
    let rows = data.water.clone();
    Box::new(move |run: &RunRecord| {
        mlcarbon_data::Wue::applying(&rows, run.provider.as_deref()?, run.region.as_deref())
            .map(|wue| wue.wue_l_per_kwh)
    })
}

/// The water usage effectiveness (L per kWh of IT energy) that applies to a run, from data the
/// store does not hold (its provider's and region's published figure).
pub type WueOf = Box<dyn Fn(&RunRecord) -> Option<f64> + Send>;

enum Sink<W: Write> {
    // Boxed: the CSV writer's buffer state is large beside a bare output.
    Csv(Box<csv::Writer<W>>),
    Text(W),
}

impl<W: Write> Sink<W> {
    /// Writes `end` after the text (a JSON array's bracket) and hands back the output, flushed.
    fn finish(self, end: &[u8]) -> Result<W, StoreError> {
        match self {
            Sink::Csv(writer) => writer
                .into_inner()
                .map_err(|e| StoreError::Write(e.into_error())),
            Sink::Text(mut out) => {
                out.write_all(end).map_err(StoreError::Write)?;
                out.flush().map_err(StoreError::Write)?;
                Ok(out)
            }
        }
    }
}

impl<W: Write> RunsWriter<W> {
    /// Starts the file (the CSV header, the JSON array's bracket).
    pub fn new(format: RunsFormat, out: W) -> Result<Self, StoreError> {
        let sink = match format {
            RunsFormat::Codecarbon => {
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(CODECARBON_HEADER)?;
                Sink::Csv(Box::new(writer))
            }
            RunsFormat::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(RUNS_CSV_HEADER)?;
                Sink::Csv(Box::new(writer))
            }
            RunsFormat::Json | RunsFormat::Jsonl => Sink::Text(out),
        };
        Ok(RunsWriter {
            format,
            sink,
            written: 0,
            buffer: Vec::new(),
            wue: None,
        })
    }

    /// CodeCarbon's `wue` and `water_consumed` from `wue` (see the module docs).
    pub fn with_wue(mut self, wue: WueOf) -> Self {
        self.wue = Some(wue);
        self
    }

    pub fn write(&mut self, run: &RunRecord) -> Result<(), StoreError> {
        match (&mut self.sink, self.format) {
            (Sink::Csv(writer), RunsFormat::Codecarbon) => {
                let wue = self.wue.as_ref().and_then(|wue| wue(run));
                writer.write_record(codecarbon_row(run, wue)?)?;
            }
            (Sink::Csv(writer), _) => writer.write_record(run_values(run)?)?,
            (Sink::Text(out), RunsFormat::Jsonl) => {
                serde_json::to_writer(&mut *out, run)?;
                out.write_all(b"\n").map_err(StoreError::Write)?;
            }
            (Sink::Text(out), _) => {
                // serde_json's pretty array, one element at a time: each element indented by
                // two spaces (JSON strings hold no raw newline, so lines are safe to indent).
                self.buffer.clear();
                serde_json::to_writer_pretty(&mut self.buffer, run)?;
                out.write_all(if self.written == 0 {
                    b"[\n  "
                } else {
                    b",\n  "
                })
                .map_err(StoreError::Write)?;
                for (index, line) in self.buffer.split(|b| *b == b'\n').enumerate() {
                    if index > 0 {
                        out.write_all(b"\n  ").map_err(StoreError::Write)?;
                    }
                    out.write_all(line).map_err(StoreError::Write)?;
                }
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Ends the file and hands back the output, flushed.
    pub fn finish(self) -> Result<W, StoreError> {
        let end: &[u8] = match (self.format, self.written) {
            (RunsFormat::Json, 0) => b"[]\n",
            (RunsFormat::Json, _) => b"\n]\n",
            _ => b"",
        };
        self.sink.finish(end)
    }
}

fn runs_text(format: RunsFormat, runs: &[RunRecord]) -> Result<String, StoreError> {
    let mut writer = RunsWriter::new(format, Vec::new())?;
    for run in runs {
        writer.write(run)?;
    }
    utf8(writer.finish()?)
}

/// One row per run, in CodeCarbon 3.3.2's `emissions.csv` format (see the module docs).
pub fn codecarbon_csv(runs: &[RunRecord]) -> Result<String, StoreError> {
    runs_text(RunsFormat::Codecarbon, runs)
}

/// One run as a row of CodeCarbon 3.3.2's `emissions.csv` ([`CODECARBON_HEADER`]'s order);
/// `wue` (L/kWh of IT energy) fills `wue` and `water_consumed`, 0 without one.
pub fn codecarbon_row(run: &RunRecord, wue: Option<f64>) -> Result<[String; 38], StoreError> {
    let wue = wue.filter(|w| w.is_finite() && *w >= 0.0).unwrap_or(0.0);
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
        (wue * run.it_energy_kwh()).to_string(),
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
        run.attribution.tracking_mode().into(),
        text(&run.cpu_utilization),
        text(&run.gpu_utilization),
        text(&ram_utilization_percent),
        text(&run.ram_used_gb),
        if run.provider.is_some() { "Y" } else { "N" }.into(),
        run.pue.to_string(),
        wue.to_string(),
    ])
}

/// Every field of every run, one row each, columns named as in the JSON; `tags` and `command`
/// are JSON arrays, so that any text in them survives.
pub fn runs_csv(runs: &[RunRecord]) -> Result<String, StoreError> {
    runs_text(RunsFormat::Csv, runs)
}

/// A pretty-printed JSON array of runs, ending in a newline.
pub fn runs_json(runs: &[RunRecord]) -> Result<String, StoreError> {
    runs_text(RunsFormat::Json, runs)
}

/// One JSON object per run and line.
pub fn runs_jsonl(runs: &[RunRecord]) -> Result<String, StoreError> {
    runs_text(RunsFormat::Jsonl, runs)
}

/// The file formats of a sample export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplesFormat {
    /// One row per sample: its own columns ([`SAMPLES_CSV_COLUMNS`]), then `<key> power_w` and
    /// `<key> energy_j` for every component key (empty where a sample lacks it).
    Csv,
    /// One JSON object per sample and line.
    Jsonl,
    /// A compact JSON array of samples.
    Json,
}

/// The columns every row of a samples CSV starts with.
pub const SAMPLES_CSV_COLUMNS: [&str; 10] = [
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
];

/// Writes samples to `out` as they come ([`SamplesWriter::write`], then
/// [`SamplesWriter::finish`]). The CSV's component columns are fixed up front: `keys`, the
/// run's component keys ([`crate::Store::components`]); a reading of another key is left out
/// of the CSV.
pub struct SamplesWriter<W: Write> {
    format: SamplesFormat,
    keys: Vec<String>,
    sink: Sink<W>,
    written: u64,
}

impl<W: Write> SamplesWriter<W> {
    pub fn new(format: SamplesFormat, keys: Vec<String>, out: W) -> Result<Self, StoreError> {
        let sink = match format {
            SamplesFormat::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                let mut header: Vec<String> = SAMPLES_CSV_COLUMNS
                    .iter()
                    .map(|c| (*c).to_string())
                    .collect();
                for key in &keys {
                    header.push(format!("{key} power_w"));
                    header.push(format!("{key} energy_j"));
                }
                writer.write_record(&header)?;
                Sink::Csv(Box::new(writer))
            }
            SamplesFormat::Jsonl | SamplesFormat::Json => Sink::Text(out),
        };
        Ok(SamplesWriter {
            format,
            keys,
            sink,
            written: 0,
        })
    }

    pub fn write(&mut self, sample: &SampleRow) -> Result<(), StoreError> {
        match &mut self.sink {
            Sink::Csv(writer) => {
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
                for key in &self.keys {
                    let (power, energy) = readings.get(key.as_str()).copied().unzip();
                    row.push(text(&power));
                    row.push(text(&energy));
                }
                writer.write_record(&row)?;
            }
            Sink::Text(out) => {
                if self.format == SamplesFormat::Json {
                    let start: &[u8] = if self.written == 0 { b"[" } else { b"," };
                    out.write_all(start).map_err(StoreError::Write)?;
                }
                serde_json::to_writer(&mut *out, sample)?;
                if self.format == SamplesFormat::Jsonl {
                    out.write_all(b"\n").map_err(StoreError::Write)?;
                }
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Ends the file and hands back the output, flushed.
    pub fn finish(self) -> Result<W, StoreError> {
        let end: &[u8] = match (self.format, self.written) {
            (SamplesFormat::Json, 0) => b"[]",
            (SamplesFormat::Json, _) => b"]",
            _ => b"",
        };
        self.sink.finish(end)
    }
}

/// The component keys of `samples` in order of first appearance.
fn keys_of(samples: &[SampleRow]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for sample in samples {
        for reading in &sample.components {
            if !keys.contains(&reading.key) {
                keys.push(reading.key.clone());
            }
        }
    }
    keys
}

fn samples_text(format: SamplesFormat, samples: &[SampleRow]) -> Result<String, StoreError> {
    let mut writer = SamplesWriter::new(format, keys_of(samples), Vec::new())?;
    for sample in samples {
        writer.write(sample)?;
    }
    utf8(writer.finish()?)
}

/// One row per sample: its own columns, then `<key> power_w` and `<key> energy_j` for every
/// component key met, in order of first appearance (empty where a sample lacks it).
pub fn samples_csv(samples: &[SampleRow]) -> Result<String, StoreError> {
    samples_text(SamplesFormat::Csv, samples)
}

/// One JSON object per sample and line.
pub fn samples_jsonl(samples: &[SampleRow]) -> Result<String, StoreError> {
    samples_text(SamplesFormat::Jsonl, samples)
}

fn text<T: Display>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn utf8(bytes: Vec<u8>) -> Result<String, StoreError> {
    // Every field written was a Rust string, so the bytes are UTF-8.
    String::from_utf8(bytes)
        .map_err(|e| StoreError::Write(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// Header of [`runs_csv`]: the fields of [`RunRecord`], named and ordered as in its JSON.
pub const RUNS_CSV_HEADER: [&str; 54] = [
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
    "attribution",
    "job_key",
    "rank",
    "local_rank",
    "world_size",
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

fn run_values(run: &RunRecord) -> Result<[String; 54], StoreError> {
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
        run.attribution.to_string(),
        text(&run.placement.job_key),
        text(&run.placement.rank),
        text(&run.placement.local_rank),
        text(&run.placement.world_size),
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
