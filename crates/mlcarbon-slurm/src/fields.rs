//! Parsers of single sacct values: durations, memory sizes, energies, TRES lists, states.
//! Each takes the text exactly as sacct prints it and says what it could not read.

use crate::FieldError;

/// Seconds from sacct's `[D-][HH:]MM:SS[.mmm]` (Elapsed, TotalCPU, CPUTime). `None` for an
/// empty field and the words sacct prints where there is no duration (`INVALID`, `UNLIMITED`).
pub fn parse_duration(text: &str) -> Result<Option<f64>, FieldError> {
    let text = text.trim();
    // Words only where the first character is a letter: a cheap test before the comparisons.
    if text.is_empty()
        || (!text.as_bytes()[0].is_ascii_digit()
            && matches!(text, "INVALID" | "UNLIMITED" | "Partition_Limit"))
    {
        return Ok(None);
    }
    let bad = || FieldError::new("duration", text, "expected [D-]HH:MM:SS, MM:SS.mmm or SS");
    // One pass over the bytes, no allocation: this runs three times a row.
    let mut days: Option<u64> = None;
    let mut numbers = [0u64; 3];
    let mut count = 0;
    let (mut current, mut digits) = (0u64, 0u32);
    // `.5` is half a second whatever the number of digits (digits past the ninth are dropped).
    let mut fraction: Option<(u64, i32)> = None;
    for &byte in text.as_bytes() {
        match byte {
            b'0'..=b'9' => {
                let digit = u64::from(byte - b'0');
                if let Some((value, places)) = fraction.as_mut() {
                    if *places < 9 {
                        *value = *value * 10 + digit;
                        *places += 1;
                    }
                } else {
                    digits += 1;
                    if digits > 12 {
                        return Err(bad());
                    }
                    current = current * 10 + digit;
                }
            }
            b'-' if days.is_none() && count == 0 && fraction.is_none() && digits > 0 => {
                days = Some(current);
                (current, digits) = (0, 0);
            }
            b':' if fraction.is_none() && digits > 0 && count < 2 => {
                numbers[count] = current;
                count += 1;
                (current, digits) = (0, 0);
            }
            b'.' if fraction.is_none() && digits > 0 => fraction = Some((0, 0)),
            _ => return Err(bad()),
        }
    }
    if digits == 0 || fraction.is_some_and(|(_, places)| places == 0) {
        return Err(bad());
    }
    numbers[count] = current;
    count += 1;
    let days = days.unwrap_or(0);
    // Powers of ten from a table: `powi` is a library call, and this runs three times a row.
    const TENS: [f64; 10] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    let fraction = fraction.map_or(0.0, |(value, places)| {
        value as f64 / TENS[places.clamp(0, 9) as usize]
    });
    let (hours, minutes, seconds) = match count {
        3 => (numbers[0], numbers[1], numbers[2]),
        2 => (0, numbers[0], numbers[1]),
        _ => (0, 0, numbers[0]),
    };
    // Only the leading unit may overflow its clock range (sacct prints `100:00:00` never, but a
    // hand-written file might); a later unit of 60 or more is a typo.
    if (count >= 2 && seconds >= 60) || (count == 3 && minutes >= 60) {
        return Err(bad());
    }
    if days > 0 && count != 3 {
        return Err(bad());
    }
    Ok(Some(
        (days * 86_400 + hours * 3_600 + minutes * 60 + seconds) as f64 + fraction,
    ))
}

/// The unit letter sacct prints after a size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeUnit {
    Bytes,
    K,
    M,
    G,
    T,
    P,
}

impl SizeUnit {
    fn from_letter(letter: u8) -> Option<SizeUnit> {
        match letter.to_ascii_uppercase() {
            b'K' => Some(SizeUnit::K),
            b'M' => Some(SizeUnit::M),
            b'G' => Some(SizeUnit::G),
            b'T' => Some(SizeUnit::T),
            b'P' => Some(SizeUnit::P),
            _ => None,
        }
    }

    /// 1024 to the unit's power (exact: powers of two).
    fn binary(self) -> f64 {
        match self {
            SizeUnit::Bytes => 1.0,
            SizeUnit::K => 1024.0,
            SizeUnit::M => 1_048_576.0,
            SizeUnit::G => 1_073_741_824.0,
            SizeUnit::T => 1_099_511_627_776.0,
            SizeUnit::P => 1_125_899_906_842_624.0,
        }
    }

    /// 1000 to the unit's power less 3 (the double nearest each, as `1000f64.powi` gives them).
    fn decimal_per_gb(self) -> f64 {
        match self {
            SizeUnit::Bytes => 1e-9,
            SizeUnit::K => 1e-6,
            SizeUnit::M => 1e-3,
            SizeUnit::G => 1.0,
            SizeUnit::T => 1e3,
            SizeUnit::P => 1e6,
        }
    }
}

/// A size as sacct prints it: a number and its unit letter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    pub number: f64,
    pub unit: SizeUnit,
}

impl Size {
    /// Bytes, with Slurm's binary units (`1M` is 1024 × 1024 bytes).
    pub fn bytes(self) -> f64 {
        self.number * self.unit.binary()
    }

    /// Gigabytes as GA4HPC counts them: decimal steps from the printed unit (`6760M` is 6.76 GB).
    pub fn decimal_gb(self) -> f64 {
        self.number * self.unit.decimal_per_gb()
    }
}

/// A size such as `2745K`, `4000M`, `1.50G`, `1T`; a bare number takes `bare_unit` (MaxRSS
/// without a unit is KB). `None` for an empty field.
pub fn parse_size(text: &str, bare_unit: SizeUnit) -> Result<Option<Size>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || {
        FieldError::new(
            "size",
            text,
            "expected a number with an optional K, M, G, T or P",
        )
    };
    let (digits, unit) = match text
        .as_bytes()
        .last()
        .copied()
        .and_then(SizeUnit::from_letter)
    {
        Some(unit) => (&text[..text.len() - 1], unit),
        None => (text, bare_unit),
    };
    let number = parse_number(digits).ok_or_else(bad)?;
    Ok(Some(Size { number, unit }))
}

fn parse_number(text: &str) -> Option<f64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// What a requested memory is counted per.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryPer {
    /// Plain (sacct 21.08 and later): the job's whole request.
    Job,
    /// `n` suffix (older sacct): per node.
    Node,
    /// `c` suffix (older sacct): per allocated CPU.
    Cpu,
}

/// ReqMem: `4000Mc`, `250Gn` or plain `16G`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestedMemory {
    pub size: Size,
    pub per: MemoryPer,
}

impl RequestedMemory {
    /// How many times the size counts for a job of `nodes` nodes and `cpus` CPUs.
    pub fn multiplier(self, nodes: u32, cpus: u32) -> f64 {
        match self.per {
            MemoryPer::Job => 1.0,
            MemoryPer::Node => f64::from(nodes),
            MemoryPer::Cpu => f64::from(cpus),
        }
    }
}

/// ReqMem as sacct prints it; a bare number is megabytes (Slurm's unit for memory requests).
pub fn parse_requested_memory(text: &str) -> Result<Option<RequestedMemory>, FieldError> {
    let text = text.trim();
    let (size_text, per) = match text.as_bytes().last() {
        Some(b'n') => (&text[..text.len() - 1], MemoryPer::Node),
        Some(b'c') => (&text[..text.len() - 1], MemoryPer::Cpu),
        _ => (text, MemoryPer::Job),
    };
    if per != MemoryPer::Job && size_text.is_empty() {
        return Err(FieldError::new(
            "requested memory",
            text,
            "expected a size such as 4000Mc, 250Gn or 16G",
        ));
    }
    Ok(parse_size(size_text, SizeUnit::M)?.map(|size| RequestedMemory { size, per }))
}

/// Joules from ConsumedEnergy (`523`, `1.50K`, `2.31M`; Slurm scales by 1024 as it does for
/// every unit it prints, so the raw field is preferred) or ConsumedEnergyRaw (plain joules).
pub fn parse_energy_joules(text: &str) -> Result<Option<f64>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let size = parse_size(text, SizeUnit::Bytes)
        .map_err(|_| FieldError::new("energy", text, "expected joules such as 523, 1.50K or 2M"))?;
    Ok(size.map(Size::bytes))
}

/// The parts of a TRES list (`billing=8,cpu=8,gres/gpu=2,mem=64G,node=1`) this tool uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tres {
    pub cpus: Option<u32>,
    pub nodes: Option<u32>,
    pub memory: Option<Size>,
    /// `gres/gpu=N`, the total over GPU types.
    pub gpus_plain: Option<u32>,
    /// Sum of the typed entries (`gres/gpu:a100=2`, `gres/gpu:1g.10gb=2`).
    pub gpus_typed: Option<u32>,
    /// The type of the first typed GPU entry (`a100`, `1g.10gb`).
    pub gpu_type: Option<String>,
    /// `gres/gpuutil`: percent of one GPU, summed over the job's GPUs (a usage TRES, not a count).
    pub gpu_util_percent: Option<f64>,
    /// `energy=J`.
    pub energy_joules: Option<f64>,
}

impl Tres {
    /// GPUs allocated: the plain total when Slurm printed it, else the sum of the typed ones.
    pub fn gpus(&self) -> u32 {
        self.gpus_plain.or(self.gpus_typed).unwrap_or(0)
    }
}

/// A usage TRES list (TRESUsageInTot, TRESUsageInAve): `cpu` there is a time
/// (`cpu=14:59:59`) and `mem` a size; only GPU utilisation, energy and memory are kept.
pub fn parse_usage_tres(text: &str) -> Result<Tres, FieldError> {
    let mut tres = Tres::default();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (name, value) = entry
            .split_once('=')
            .ok_or_else(|| FieldError::new("usage TRES", entry, "expected name=value"))?;
        match name {
            "gres/gpuutil" => {
                tres.gpu_util_percent = Some(
                    parse_number(value)
                        .ok_or_else(|| FieldError::new("TRES", entry, "expected a number"))?,
                )
            }
            "energy" => tres.energy_joules = parse_energy_joules(value)?,
            "mem" => tres.memory = parse_size(value, SizeUnit::Bytes)?,
            _ => {}
        }
    }
    Ok(tres)
}

/// An allocation TRES list; unknown entries are ignored, a malformed one is an error.
pub fn parse_tres(text: &str) -> Result<Tres, FieldError> {
    let mut tres = Tres::default();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let bad = || FieldError::new("TRES", entry, "expected name=value");
        let (name, value) = entry.split_once('=').ok_or_else(bad)?;
        let count = || -> Result<u32, FieldError> {
            value
                .parse::<u32>()
                .map_err(|_| FieldError::new("TRES count", entry, "expected a whole number"))
        };
        match name {
            "cpu" => tres.cpus = Some(count()?),
            "node" => tres.nodes = Some(count()?),
            "mem" => tres.memory = parse_size(value, SizeUnit::M)?,
            "energy" => tres.energy_joules = parse_energy_joules(value)?,
            "gres/gpu" => tres.gpus_plain = Some(count()?),
            // Usage and memory of the GPUs, not counts of them.
            "gres/gpuutil" => {
                tres.gpu_util_percent = Some(
                    parse_number(value)
                        .ok_or_else(|| FieldError::new("TRES", entry, "expected a number"))?,
                )
            }
            "gres/gpumem" => {}
            _ => {
                if let Some(kind) = name.strip_prefix("gres/gpu:") {
                    let n = count()?;
                    *tres.gpus_typed.get_or_insert(0) += n;
                    if tres.gpu_type.is_none() {
                        tres.gpu_type = Some(kind.to_string());
                    }
                }
            }
        }
    }
    Ok(tres)
}

/// A job's state as its first word says (`CANCELLED by 1001` is CANCELLED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    Completed,
    Failed,
    Cancelled,
    Timeout,
    OutOfMemory,
    NodeFail,
    Preempted,
    BootFail,
    Deadline,
    Running,
    Pending,
    Requeued,
    Suspended,
    Other,
}

impl JobState {
    pub fn parse(text: &str) -> JobState {
        let word = text.split_whitespace().next().unwrap_or("");
        // Most rows of a year are COMPLETED: one comparison for them.
        if word == "COMPLETED" {
            return JobState::Completed;
        }
        match word.trim_end_matches('+') {
            "COMPLETED" | "CD" => JobState::Completed,
            "FAILED" | "F" => JobState::Failed,
            "CANCELLED" | "CA" => JobState::Cancelled,
            "TIMEOUT" | "TO" => JobState::Timeout,
            "OUT_OF_MEMORY" | "OOM" => JobState::OutOfMemory,
            "NODE_FAIL" | "NF" => JobState::NodeFail,
            "PREEMPTED" | "PR" => JobState::Preempted,
            "BOOT_FAIL" | "BF" => JobState::BootFail,
            "DEADLINE" | "DL" => JobState::Deadline,
            "RUNNING" | "R" => JobState::Running,
            "PENDING" | "PD" => JobState::Pending,
            "REQUEUED" | "RQ" => JobState::Requeued,
            "SUSPENDED" | "S" => JobState::Suspended,
            _ => JobState::Other,
        }
    }

    /// Still queued or running: its accounting is not final.
    pub fn is_unfinished(self) -> bool {
        matches!(
            self,
            JobState::Running | JobState::Pending | JobState::Requeued | JobState::Suspended
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            JobState::Completed => "COMPLETED",
            JobState::Failed => "FAILED",
            JobState::Cancelled => "CANCELLED",
            JobState::Timeout => "TIMEOUT",
            JobState::OutOfMemory => "OUT_OF_MEMORY",
            JobState::NodeFail => "NODE_FAIL",
            JobState::Preempted => "PREEMPTED",
            JobState::BootFail => "BOOT_FAIL",
            JobState::Deadline => "DEADLINE",
            JobState::Running => "RUNNING",
            JobState::Pending => "PENDING",
            JobState::Requeued => "REQUEUED",
            JobState::Suspended => "SUSPENDED",
            JobState::Other => "OTHER",
        }
    }
}

/// Which part of a job a row describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    /// The allocation itself (`123`, `123_4`, `123+0`).
    Job,
    Batch,
    Extern,
    Interactive,
    /// `123.0`, `123.1`, ...
    Numbered(u32),
    Other(String),
}

/// A JobID split into the job it belongs to (everything before the first `.`) and the step.
/// Array tasks (`123_4`) and heterogeneous components (`123+0`) are jobs of their own, as in
/// GA4HPC.
pub fn split_job_id(text: &str) -> Result<(&str, StepKind), FieldError> {
    let text = text.trim();
    let (job, step) = match text.split_once('.') {
        Some((job, step)) => (job, Some(step)),
        None => (text, None),
    };
    if job.is_empty() || !job.as_bytes()[0].is_ascii_digit() {
        return Err(FieldError::new(
            "JobID",
            text,
            "expected 123, 123_4, 123+0 or one of their steps (123.batch)",
        ));
    }
    let kind = match step {
        None => StepKind::Job,
        Some("batch") => StepKind::Batch,
        Some("extern") => StepKind::Extern,
        Some("interactive") => StepKind::Interactive,
        Some(other) => match other.parse::<u32>() {
            Ok(n) => StepKind::Numbered(n),
            Err(_) => StepKind::Other(other.to_string()),
        },
    };
    Ok((job, kind))
}

#[cfg(test)]
mod tests {
    #[test]
    fn unit_tables_equal_the_powers_they_replace() {
        use super::SizeUnit::*;
        for (power, unit) in [Bytes, K, M, G, T, P].into_iter().enumerate() {
            let power = power as i32;
            assert_eq!(unit.binary(), 1024f64.powi(power));
            assert_eq!(unit.decimal_per_gb(), 1000f64.powi(power - 3));
        }
    }

    use super::*;

    #[test]
    fn durations_in_every_shape_sacct_prints() {
        assert_eq!(parse_duration("04:00:25").expect("valid"), Some(14_425.0));
        assert_eq!(
            parse_duration("4-00:16:00").expect("valid"),
            Some(4.0 * 86_400.0 + 960.0)
        );
        assert_eq!(parse_duration("12:34.567").expect("valid"), Some(754.567));
        assert_eq!(parse_duration("01:02:03.5").expect("valid"), Some(3_723.5));
        assert_eq!(parse_duration("00:00:00").expect("valid"), Some(0.0));
        assert_eq!(parse_duration("").expect("valid"), None);
        assert_eq!(parse_duration("INVALID").expect("valid"), None);
        for bad in [
            "1:2:3:4", "aa:bb", "1-02:03", "00:61", "01:60:00", "1.2.3", "-1",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_with_and_without_units() {
        let rss = parse_size("2745K", SizeUnit::K)
            .expect("valid")
            .expect("valid");
        assert_eq!(rss.bytes(), 2745.0 * 1024.0);
        let bare = parse_size("154264", SizeUnit::K)
            .expect("valid")
            .expect("valid");
        assert_eq!(bare.unit, SizeUnit::K);
        let tera = parse_size("1T", SizeUnit::K)
            .expect("valid")
            .expect("valid");
        assert_eq!(tera.decimal_gb(), 1000.0);
        assert_eq!(
            parse_size("6760M", SizeUnit::K)
                .expect("valid")
                .expect("valid")
                .decimal_gb(),
            6.76
        );
        assert!(parse_size("12Q", SizeUnit::K).is_err());
    }

    #[test]
    fn requested_memory_suffixes() {
        let per_cpu = parse_requested_memory("6760Mc")
            .expect("valid")
            .expect("valid");
        assert_eq!(per_cpu.per, MemoryPer::Cpu);
        assert_eq!(per_cpu.multiplier(2, 8), 8.0);
        let per_node = parse_requested_memory("250Gn")
            .expect("valid")
            .expect("valid");
        assert_eq!(per_node.per, MemoryPer::Node);
        assert_eq!(per_node.multiplier(3, 8), 3.0);
        let plain = parse_requested_memory("16G")
            .expect("valid")
            .expect("valid");
        assert_eq!(plain.per, MemoryPer::Job);
        assert_eq!(
            parse_requested_memory("4000")
                .expect("valid")
                .expect("valid")
                .size
                .unit,
            SizeUnit::M
        );
        assert!(parse_requested_memory("c").is_err());
    }

    #[test]
    fn energy_prefixes_scale_by_1024() {
        assert_eq!(parse_energy_joules("523").expect("valid"), Some(523.0));
        assert_eq!(parse_energy_joules("1.50K").expect("valid"), Some(1536.0));
        assert_eq!(
            parse_energy_joules("2M").expect("valid"),
            Some(2.0 * 1_048_576.0)
        );
        assert_eq!(parse_energy_joules("").expect("valid"), None);
    }

    #[test]
    fn tres_counts_gpus_not_their_memory_or_utilisation() {
        let t = parse_tres(
            "billing=8,cpu=8,gres/gpu=2,gres/gpumem=80G,gres/gpuutil=150,mem=64G,node=1",
        )
        .expect("valid");
        assert_eq!(t.gpus(), 2);
        assert_eq!(t.gpu_util_percent, Some(150.0));
        assert_eq!(t.cpus, Some(8));
        let typed = parse_tres("cpu=4,gres/gpu:a100=2,mem=32G,node=1").expect("valid");
        assert_eq!(typed.gpus_plain, None);
        assert_eq!(typed.gpus(), 2);
        assert_eq!(typed.gpu_type.as_deref(), Some("a100"));
        let mig = parse_tres("cpu=2,gres/gpu=2,gres/gpu:1g.10gb=2,node=1").expect("valid");
        assert_eq!(mig.gpus(), 2);
        assert_eq!(mig.gpu_type.as_deref(), Some("1g.10gb"));
        assert!(parse_tres("cpu").is_err());
        let usage = parse_usage_tres("cpu=14:59:59,energy=7100000,gres/gpuutil=95,mem=20000000K")
            .expect("valid");
        assert_eq!(usage.gpu_util_percent, Some(95.0));
        assert_eq!(usage.energy_joules, Some(7_100_000.0));
    }

    #[test]
    fn states_and_ids() {
        assert_eq!(JobState::parse("CANCELLED by 1001"), JobState::Cancelled);
        assert_eq!(JobState::parse("COMPLETED"), JobState::Completed);
        assert_eq!(JobState::parse("NODE_FAIL"), JobState::NodeFail);
        assert_eq!(
            split_job_id("123_4").expect("valid"),
            ("123_4", StepKind::Job)
        );
        assert_eq!(
            split_job_id("123+0.batch").expect("valid"),
            ("123+0", StepKind::Batch)
        );
        assert_eq!(
            split_job_id("123.extern").expect("valid"),
            ("123", StepKind::Extern)
        );
        assert_eq!(
            split_job_id("123.7").expect("valid"),
            ("123", StepKind::Numbered(7))
        );
        assert_eq!(
            split_job_id("123.interactive").expect("valid"),
            ("123", StepKind::Interactive)
        );
        assert!(split_job_id("JobID").is_err());
    }
}
