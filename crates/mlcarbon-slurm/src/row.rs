//! One sacct row (a job or one of its steps), and the streaming `--parsable2` reader.

use crate::fields::{
    JobState, RequestedMemory, Size, SizeUnit, StepKind, Tres, parse_duration, parse_energy_joules,
    parse_requested_memory, parse_size, parse_tres, parse_usage_tres, split_job_id,
};
use crate::{FieldError, SlurmError};
use std::io::BufRead;

/// One row of sacct output, typed. Fields sacct did not print are `None` or empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SacctRow {
    /// The job this row belongs to: the JobID before its first `.` (`123`, `123_4`, `123+0`).
    pub job: String,
    pub step: Option<StepKind>,
    pub user: String,
    pub account: String,
    pub partition: String,
    pub state: Option<JobState>,
    /// `YYYY-MM-DDTHH:MM:SS` as sacct prints it (the cluster's local time), or UTC for JSON.
    /// The `--parsable2` reader leaves this, `start`, `end`, `node_list` and `account` empty
    /// on a step's row: the job's own row gives them, and grouping reads them only from it.
    pub submit: String,
    pub start: String,
    pub end: String,
    pub node_list: String,
    pub elapsed_s: Option<f64>,
    /// CPU time the processes used (user + system), summed over CPUs.
    pub total_cpu_s: Option<f64>,
    /// Elapsed × allocated CPUs.
    pub cpu_time_s: Option<f64>,
    pub cpus: Option<u32>,
    pub nodes: Option<u32>,
    pub requested_memory: Option<RequestedMemory>,
    pub max_rss: Option<Size>,
    pub allocated: Tres,
    /// TRESUsageInTot (GPU utilisation where Slurm records it).
    pub usage: Tres,
    /// Joules: ConsumedEnergyRaw when printed, else ConsumedEnergy.
    pub energy_joules: Option<f64>,
}

impl SacctRow {
    pub fn is_job(&self) -> bool {
        matches!(self.step, None | Some(StepKind::Job))
    }
}

/// Columns this reader understands; any other column is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    JobId,
    User,
    Account,
    Partition,
    State,
    Submit,
    Start,
    End,
    NodeList,
    Elapsed,
    ElapsedRaw,
    TotalCpu,
    CpuTime,
    CpuTimeRaw,
    Cpus,
    Nodes,
    ReqMem,
    MaxRss,
    AllocTres,
    UsageInTot,
    UsageInAve,
    EnergyRaw,
    Energy,
    Ignored,
}

impl Column {
    fn from_header(name: &str) -> Column {
        match name.trim().to_ascii_lowercase().as_str() {
            "jobid" => Column::JobId,
            "user" => Column::User,
            "account" => Column::Account,
            "partition" => Column::Partition,
            "state" => Column::State,
            "submit" => Column::Submit,
            "start" => Column::Start,
            "end" => Column::End,
            "nodelist" => Column::NodeList,
            "elapsed" => Column::Elapsed,
            "elapsedraw" => Column::ElapsedRaw,
            "totalcpu" => Column::TotalCpu,
            "cputime" => Column::CpuTime,
            "cputimeraw" => Column::CpuTimeRaw,
            "ncpus" | "alloccpus" => Column::Cpus,
            "nnodes" | "allocnodes" => Column::Nodes,
            "reqmem" => Column::ReqMem,
            "maxrss" => Column::MaxRss,
            "alloctres" => Column::AllocTres,
            "tresusageintot" => Column::UsageInTot,
            "tresusageinave" => Column::UsageInAve,
            "consumedenergyraw" => Column::EnergyRaw,
            "consumedenergy" => Column::Energy,
            _ => Column::Ignored,
        }
    }
}

/// Reads `sacct --parsable2` output one row at a time, with constant memory: the header line
/// names the columns (any order), every later line is one row.
pub struct ParsableReader<R> {
    input: R,
    columns: Vec<Column>,
    line: String,
    line_number: u64,
    rss_bare_unit: SizeUnit,
}

impl<R: BufRead> ParsableReader<R> {
    /// Reads the header line; fails when there is none or it has no JobID column.
    pub fn new(mut input: R) -> Result<Self, SlurmError> {
        let mut line = String::new();
        let mut line_number = 0;
        // Blank lines before the header are tolerated (a shell redirect can leave one).
        while line.trim().is_empty() {
            line.clear();
            line_number += 1;
            if input.read_line(&mut line).map_err(SlurmError::Read)? == 0 {
                return Err(SlurmError::MissingHeader);
            }
        }
        let columns: Vec<Column> = line
            .trim_end_matches(['\n', '\r'])
            .split('|')
            .map(Column::from_header)
            .collect();
        if !columns.contains(&Column::JobId) {
            return Err(SlurmError::NoJobIdColumn {
                header: line.trim().chars().take(120).collect(),
            });
        }
        Ok(ParsableReader {
            input,
            columns,
            line,
            line_number,
            rss_bare_unit: SizeUnit::K,
        })
    }

    /// The unit of a MaxRSS printed without one (KB unless the cluster says otherwise).
    pub fn with_bare_rss_unit(mut self, unit: SizeUnit) -> Self {
        self.rss_bare_unit = unit;
        self
    }

    /// The row of the current line; `Ok(None)` when its number of fields is not the header's.
    fn parse_line(&self) -> Result<Option<SacctRow>, FieldError> {
        let text = self.line.trim_end_matches(['\n', '\r']);
        let mut row = SacctRow::default();
        let mut energy_text = None;
        // The texts are copied once the row is known to be a job's or a step's: a step's
        // account, times and node list repeat its job's, and grouping never reads them (three
        // rows in four of a year are steps).
        let mut texts = RowTexts::default();
        let mut fields = Fields { text, position: 0 };
        for column in &self.columns {
            let Some(value) = fields.next() else {
                return Ok(None);
            };
            match column {
                Column::JobId => {
                    let (job, step) = split_job_id(value)?;
                    row.job = job.to_string();
                    row.step = Some(step);
                }
                Column::User => texts.user = value,
                Column::Account => texts.account = value,
                Column::Partition => texts.partition = value,
                Column::State => row.state = Some(JobState::parse(value)),
                Column::Submit => texts.submit = value,
                Column::Start => texts.start = value,
                Column::End => texts.end = value,
                Column::NodeList => texts.node_list = value,
                Column::Elapsed => {
                    if row.elapsed_s.is_none() {
                        row.elapsed_s = parse_duration(value)?;
                    }
                }
                Column::ElapsedRaw => row.elapsed_s = parse_seconds(value)?.or(row.elapsed_s),
                Column::TotalCpu => row.total_cpu_s = parse_duration(value)?,
                Column::CpuTime => {
                    if row.cpu_time_s.is_none() {
                        row.cpu_time_s = parse_duration(value)?;
                    }
                }
                Column::CpuTimeRaw => row.cpu_time_s = parse_seconds(value)?.or(row.cpu_time_s),
                Column::Cpus => row.cpus = parse_count(value)?,
                Column::Nodes => row.nodes = parse_count(value)?,
                Column::ReqMem => row.requested_memory = parse_requested_memory(value)?,
                Column::MaxRss => row.max_rss = parse_size(value, self.rss_bare_unit)?,
                Column::AllocTres => row.allocated = parse_tres(value)?,
                Column::UsageInTot => {
                    let usage = parse_usage_tres(value)?;
                    row.usage.energy_joules = usage.energy_joules;
                    row.usage.gpu_util_percent =
                        usage.gpu_util_percent.or(row.usage.gpu_util_percent);
                }
                Column::UsageInAve => {
                    if row.usage.gpu_util_percent.is_none() {
                        row.usage.gpu_util_percent = parse_usage_tres(value)?.gpu_util_percent;
                    }
                }
                Column::EnergyRaw => {
                    if let Some(j) = parse_energy_joules(value)? {
                        row.energy_joules = Some(j);
                    }
                }
                Column::Energy => energy_text = Some(value),
                Column::Ignored => {}
            }
        }
        if fields.next().is_some() {
            return Ok(None);
        }
        // The rounded ConsumedEnergy only when the raw one is absent.
        if row.energy_joules.is_none()
            && let Some(text) = energy_text
        {
            row.energy_joules = parse_energy_joules(text)?;
        }
        if row.job.is_empty() {
            return Err(FieldError::new("JobID", "", "every row needs a JobID"));
        }
        row.user = texts.user.to_string();
        row.partition = texts.partition.to_string();
        if row.is_job() {
            row.account = texts.account.to_string();
            row.submit = texts.submit.to_string();
            row.start = texts.start.to_string();
            row.end = texts.end.to_string();
            row.node_list = texts.node_list.to_string();
        }
        Ok(Some(row))
    }
}

fn parse_count(text: &str) -> Result<Option<u32>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| FieldError::new("count", text, "expected a whole number"))
}

fn parse_seconds(text: &str) -> Result<Option<f64>, FieldError> {
    parse_count(text).map(|n| n.map(f64::from))
}

impl<R: BufRead> Iterator for ParsableReader<R> {
    type Item = Result<SacctRow, SlurmError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.line.clear();
            self.line_number += 1;
            match self.input.read_line(&mut self.line) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(SlurmError::Read(e))),
            }
            if self.line.trim().is_empty() {
                continue;
            }
            let row = match self.parse_line() {
                Ok(Some(row)) => row,
                Err(error) => {
                    return Some(Err(SlurmError::Line {
                        line: self.line_number,
                        error,
                    }));
                }
                Ok(None) => {
                    let fields = self.line.trim_end_matches(['\n', '\r']).split('|').count();
                    return Some(Err(SlurmError::Line {
                        line: self.line_number,
                        error: FieldError::new(
                            "row",
                            &format!("{fields} fields"),
                            &format!(
                                "the header has {} columns; was the file written with --parsable2 (no trailing `|`) and without --delimiter?",
                                self.columns.len()
                            ),
                        ),
                    }));
                }
            };
            return Some(Ok(row));
        }
    }
}

/// The text fields of the line being read, borrowed from it.
#[derive(Default)]
struct RowTexts<'a> {
    user: &'a str,
    account: &'a str,
    partition: &'a str,
    submit: &'a str,
    start: &'a str,
    end: &'a str,
    node_list: &'a str,
}

/// The `|`-separated fields of a line: a byte scan, faster than `str::split` on short fields.
struct Fields<'a> {
    text: &'a str,
    position: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.text.get(self.position..)?;
        let length = rest.bytes().position(|b| b == b'|').unwrap_or(rest.len());
        // `|` is ASCII, so both ends are character boundaries.
        let field = rest.get(..length)?;
        self.position += length + 1;
        Some(field)
    }
}
