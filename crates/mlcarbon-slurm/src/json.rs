//! `sacct --json` (data_parser v0.0.40 and later), read one job at a time: the `jobs` array is
//! walked element by element, so memory holds one job and its steps, never the whole file.
//! Each job becomes the same rows the `--parsable2` reader yields (its own row, then its steps').

use crate::fields::{
    JobState, MemoryPer, RequestedMemory, Size, SizeUnit, StepKind, Tres, split_job_id,
};
use crate::row::SacctRow;
use crate::{FieldError, SlurmError};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::Read;

/// Calls `each` with the rows of every job of a `sacct --json` document, in order. Stops at the
/// first error `each` returns.
pub fn read_json_rows<R: Read>(
    input: R,
    mut each: impl FnMut(Vec<SacctRow>) -> Result<(), SlurmError>,
) -> Result<(), SlurmError> {
    let mut deserializer = serde_json::Deserializer::from_reader(input);
    let mut failure = None;
    let found_jobs = Document {
        each: &mut each,
        failure: &mut failure,
    }
    .deserialize(&mut deserializer);
    if let Some(error) = failure {
        return Err(error);
    }
    match found_jobs {
        Ok(true) => Ok(()),
        Ok(false) => Err(SlurmError::Json(
            "no `jobs` array: is this `sacct --json` output?".into(),
        )),
        Err(e) => Err(SlurmError::Json(e.to_string())),
    }
}

struct Document<'a, F> {
    each: &'a mut F,
    failure: &'a mut Option<SlurmError>,
}

impl<'de, F: FnMut(Vec<SacctRow>) -> Result<(), SlurmError>> DeserializeSeed<'de>
    for Document<'_, F>
{
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F: FnMut(Vec<SacctRow>) -> Result<(), SlurmError>> Visitor<'de> for Document<'_, F> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a sacct --json document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "jobs" {
                found = true;
                map.next_value_seed(JobList {
                    each: &mut *self.each,
                    failure: &mut *self.failure,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct JobList<'a, F> {
    each: &'a mut F,
    failure: &'a mut Option<SlurmError>,
}

impl<'de, F: FnMut(Vec<SacctRow>) -> Result<(), SlurmError>> DeserializeSeed<'de>
    for JobList<'_, F>
{
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(Vec<SacctRow>) -> Result<(), SlurmError>> Visitor<'de> for JobList<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of jobs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while let Some(job) = seq.next_element::<Value>()? {
            if self.failure.is_some() {
                continue;
            }
            let result = job_rows(&job)
                .map_err(|error| SlurmError::JsonJob { index, error })
                .and_then(&mut *self.each);
            if let Err(e) = result {
                *self.failure = Some(e);
            }
            index += 1;
        }
        Ok(())
    }
}

/// A number as data_parser writes it: plain, or `{set, infinite, number}` (unset is `None`).
fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::Object(o) => {
            if o.get("set").and_then(Value::as_bool) == Some(false)
                || o.get("infinite").and_then(Value::as_bool) == Some(true)
            {
                return None;
            }
            o.get("number").and_then(Value::as_f64)
        }
        _ => None,
    }
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn count(value: Option<&Value>) -> Option<u32> {
    number(value)
        .filter(|n| *n >= 0.0 && *n <= f64::from(u32::MAX))
        .map(|n| n as u32)
}

/// `{seconds, microseconds}` or a plain number of seconds.
fn seconds(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Object(o) if o.contains_key("seconds") => Some(
            number(o.get("seconds")).unwrap_or(0.0)
                + number(o.get("microseconds")).unwrap_or(0.0) / 1e6,
        ),
        other => number(Some(other)),
    }
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SS` in UTC; 0 (never) as empty.
fn timestamp(value: Option<&Value>) -> String {
    let Some(epoch) = number(value).filter(|n| *n > 0.0) else {
        return String::new();
    };
    let epoch = epoch as i64;
    let (year, month, day) = mlcarbon_time::civil_from_days(epoch.div_euclid(86_400));
    let second = epoch.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        second / 3600,
        second % 3600 / 60,
        second % 60
    )
}

/// A TRES list as `[{type, name, count}]`, written as sacct prints it (`cpu=8,mem=64000M`).
/// Memory counts are megabytes in allocations and bytes in usage lists.
fn tres_text(value: Option<&Value>, memory_suffix: &str) -> String {
    let mut entries = Vec::new();
    for item in value.and_then(Value::as_array).into_iter().flatten() {
        let kind = item.get("type").and_then(Value::as_str).unwrap_or("");
        let name = item.get("name").and_then(Value::as_str).unwrap_or("");
        let Some(amount) = number(item.get("count")) else {
            continue;
        };
        let key = if name.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}/{name}")
        };
        let suffix = if key == "mem" { memory_suffix } else { "" };
        entries.push(format!("{key}={amount}{suffix}"));
    }
    entries.join(",")
}

fn allocated_tres(value: Option<&Value>) -> Result<Tres, FieldError> {
    crate::fields::parse_tres(&tres_text(value, "M"))
}

fn usage_tres(value: Option<&Value>) -> Result<Tres, FieldError> {
    crate::fields::parse_usage_tres(&tres_text(value, ""))
}

fn state(value: Option<&Value>) -> Option<JobState> {
    match value? {
        Value::String(s) => Some(JobState::parse(s)),
        Value::Array(a) => a.first().and_then(Value::as_str).map(JobState::parse),
        Value::Object(o) => state(o.get("current")),
        _ => None,
    }
}

/// The id sacct prints for a job: `123`, an array task `100_4`, a het component `200+1`.
fn job_id(job: &Value) -> Result<String, FieldError> {
    let id = number(job.get("job_id"))
        .ok_or_else(|| FieldError::new("job_id", "", "every job needs a job_id"))?;
    let array_parent = number(job.get("array").and_then(|a| a.get("job_id"))).unwrap_or(0.0);
    let task = number(job.get("array").and_then(|a| a.get("task_id")));
    if array_parent > 0.0
        && let Some(task) = task
    {
        return Ok(format!("{}_{}", array_parent as u64, task as u64));
    }
    let het_parent = number(job.get("het").and_then(|h| h.get("job_id"))).unwrap_or(0.0);
    let offset = number(job.get("het").and_then(|h| h.get("job_offset")));
    if het_parent > 0.0
        && let Some(offset) = offset
    {
        return Ok(format!("{}+{}", het_parent as u64, offset as u64));
    }
    Ok(format!("{}", id as u64))
}

fn job_rows(job: &Value) -> Result<Vec<SacctRow>, FieldError> {
    let id = job_id(job)?;
    let time = job.get("time");
    let allocated = allocated_tres(job.get("tres").and_then(|t| t.get("allocated")))?;
    let cpus = allocated
        .cpus
        .or_else(|| count(job.get("required").and_then(|r| r.get("CPUs"))));
    let nodes = allocated
        .nodes
        .or_else(|| count(job.get("allocation_nodes")));
    let required = job.get("required");
    let per_cpu = number(required.and_then(|r| r.get("memory_per_cpu")));
    let per_node = number(required.and_then(|r| r.get("memory_per_node")));
    let megabytes = |n: f64, per| RequestedMemory {
        size: Size {
            number: n,
            unit: SizeUnit::M,
        },
        per,
    };
    let requested_memory = match (per_cpu, per_node, allocated.memory) {
        (Some(n), _, _) if n > 0.0 => Some(megabytes(n, MemoryPer::Cpu)),
        (_, Some(n), _) if n > 0.0 => Some(megabytes(n, MemoryPer::Node)),
        (_, _, Some(size)) => Some(RequestedMemory {
            size,
            per: MemoryPer::Job,
        }),
        // v0.0.38: `required.memory`, megabytes, for a job that never got an allocation.
        _ => number(required.and_then(|r| r.get("memory")))
            .filter(|n| *n > 0.0)
            .map(|n| megabytes(n, MemoryPer::Job)),
    };
    let elapsed_s = number(time.and_then(|t| t.get("elapsed")));
    let mut rows = vec![SacctRow {
        job: id.clone(),
        step: Some(StepKind::Job),
        user: text(job.get("user")),
        account: text(job.get("account")),
        partition: text(job.get("partition")),
        state: state(job.get("state")),
        submit: timestamp(time.and_then(|t| t.get("submission"))),
        start: timestamp(time.and_then(|t| t.get("start"))),
        end: timestamp(time.and_then(|t| t.get("end"))),
        node_list: text(job.get("nodes")),
        elapsed_s,
        total_cpu_s: seconds(time.and_then(|t| t.get("total"))),
        cpu_time_s: elapsed_s.zip(cpus).map(|(e, c)| e * f64::from(c)),
        cpus,
        nodes,
        requested_memory,
        max_rss: None,
        allocated,
        usage: Tres::default(),
        energy_joules: None,
    }];
    for step in job
        .get("steps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id_value = step.get("step").and_then(|s| s.get("id"));
        // v0.0.40 writes `"123.batch"`; v0.0.38 writes `"batch"` or a bare step number.
        let step_id = match id_value.and_then(Value::as_u64) {
            Some(n) => format!("0.{n}"),
            None => text(id_value),
        };
        let kind = match split_job_id(&step_id) {
            Ok((_, kind)) => kind,
            // Older data_parsers give the step id as {job_id, step_id: "batch"}.
            Err(_) => {
                let name = text(step.get("step").and_then(|s| s.get("name")));
                split_job_id(&format!("0.{name}"))
                    .map(|(_, k)| k)
                    .unwrap_or(StepKind::Other(name))
            }
        };
        let step_time = step.get("time");
        let step_tres = step.get("tres");
        // `tres.requested` holds TRESUsageIn (what the step used), not what it asked for.
        let usage_total = usage_tres(
            step_tres
                .and_then(|t| t.get("requested"))
                .and_then(|r| r.get("total")),
        )?;
        let usage_max = usage_tres(
            step_tres
                .and_then(|t| t.get("requested"))
                .and_then(|r| r.get("max")),
        )?;
        let step_allocated = allocated_tres(step_tres.and_then(|t| t.get("allocated")))?;
        let energy = number(
            step.get("statistics")
                .and_then(|s| s.get("energy"))
                .and_then(|e| e.get("consumed")),
        )
        .filter(|j| *j > 0.0)
        .or(usage_total.energy_joules);
        let max_rss = usage_max.memory;
        let step_elapsed = number(step_time.and_then(|t| t.get("elapsed")));
        let step_cpus = step_allocated.cpus;
        rows.push(SacctRow {
            job: id.clone(),
            step: Some(kind),
            state: state(step.get("state")),
            elapsed_s: step_elapsed,
            total_cpu_s: seconds(step_time.and_then(|t| t.get("total"))),
            cpu_time_s: step_elapsed.zip(step_cpus).map(|(e, c)| e * f64::from(c)),
            cpus: step_cpus,
            nodes: count(step.get("nodes").and_then(|n| n.get("count"))),
            max_rss,
            usage: Tres {
                gpu_util_percent: usage_total.gpu_util_percent,
                energy_joules: usage_total.energy_joules,
                ..Tres::default()
            },
            allocated: step_allocated,
            energy_joules: energy,
            ..SacctRow::default()
        });
    }
    Ok(rows)
}
