//! A synthetic cluster-year of `sacct --parsable2` output, generated on the fly and streamed
//! through the report (parse, group, model, total) on one thread: rows per second and peak
//! memory. `bench/slurm.sh` runs it.
//!
//! Usage: synthetic_year JOBS [--generate-only | --print]
//! `--print` writes the text to standard output instead (for `mlcarbon slurm import -`).
//! Each job has 4 rows (the job, .batch, .extern, .0), so 6 000 000 jobs are 24 million rows.

use std::io::{BufReader, Read};
use std::time::Instant;

use mlcarbon_data::Dataset;
use mlcarbon_slurm::report::ReportOptions;
use mlcarbon_slurm::{Cluster, GroupBy, JobFilter, Method, report_sacct};

const HEADER: &str = "JobID|User|Account|Partition|State|Submit|Start|End|Elapsed|TotalCPU|CPUTime|NCPUS|NNodes|ReqMem|MaxRSS|AllocTRES|TRESUsageInTot|ConsumedEnergyRaw|NodeList\n";

const CLUSTER: &str = "zone = \"DE\"\npue = 1.3\n\
[[partition]]\nname = \"cpu\"\ncpu_w_per_core = 5\ncores_per_node = 64\n\
[[partition]]\nname = \"gpu\"\ncpu_w_per_core = 4\ngpu = \"A100 SXM4 80GB\"\nexclusive = true\n";

const STATES: [&str; 6] = [
    "COMPLETED",
    "COMPLETED",
    "COMPLETED",
    "FAILED",
    "CANCELLED by 1001",
    "TIMEOUT",
];

/// Produces the rows of one job at a time into a buffer that `read` drains.
struct Synthetic {
    jobs: u64,
    next: u64,
    seed: u64,
    buffer: Vec<u8>,
    position: usize,
}

impl Synthetic {
    fn random(&mut self) -> u64 {
        // xorshift64*: deterministic, fast, good enough to vary the fields.
        self.seed ^= self.seed >> 12;
        self.seed ^= self.seed << 25;
        self.seed ^= self.seed >> 27;
        self.seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn fill(&mut self) {
        use std::fmt::Write;
        self.buffer.clear();
        self.position = 0;
        if self.next == 0 {
            self.buffer.extend_from_slice(HEADER.as_bytes());
        }
        if self.next >= self.jobs {
            return;
        }
        let id = 1_000_000 + self.next;
        self.next += 1;
        let r = self.random();
        let gpu = r.is_multiple_of(5);
        let (partition, cpus, gpus) = if gpu {
            ("gpu", 8 * (1 + r % 4), 1 + (r >> 8) % 4)
        } else {
            ("cpu", 1 + (r >> 4) % 64, 0)
        };
        let elapsed = 60 + (r >> 12) % (48 * 3600);
        let total_cpu = elapsed * cpus * (1 + (r >> 20) % 100) / 100;
        // Spread over the year: day of year from the id.
        let day = (self.next * 365 / self.jobs.max(1)).min(364);
        let month = 1 + day * 12 / 365;
        let dom = 1 + day % 28;
        let state = STATES[((r >> 28) % 6) as usize];
        let user = (r >> 32) % 500;
        let account = user % 40;
        let mem_gb = 4 * (1 + (r >> 40) % 64);
        let hms = |s: u64| {
            if s >= 86_400 {
                format!(
                    "{}-{:02}:{:02}:{:02}",
                    s / 86_400,
                    s % 86_400 / 3600,
                    s % 3600 / 60,
                    s % 60
                )
            } else {
                format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
            }
        };
        let (e, t, c) = (hms(elapsed), hms(total_cpu), hms(elapsed * cpus));
        let when = format!("2025-{month:02}-{dom:02}T10:00:00");
        let tres = if gpu {
            format!("billing={cpus},cpu={cpus},gres/gpu={gpus},mem={mem_gb}G,node=1")
        } else {
            format!("billing={cpus},cpu={cpus},mem={mem_gb}G,node=1")
        };
        let energy = if gpu { elapsed * 900 } else { 0 };
        let usage = if gpu {
            format!(
                "cpu={t},gres/gpuutil={},mem=1000000K",
                (r >> 50) % 100 * gpus
            )
        } else {
            format!("cpu={t},mem=1000000K")
        };
        let mut text = String::with_capacity(1024);
        let _ = writeln!(
            text,
            "{id}|u{user}|a{account}|{partition}|{state}|{when}|{when}|{when}|{e}|{t}|{c}|{cpus}|1|{mem_gb}G||{tres}||{energy}|n{}",
            r % 1000
        );
        for step in ["batch", "extern", "0"] {
            let _ = writeln!(
                text,
                "{id}.{step}||a{account}||{state}|{when}|{when}|{when}|{e}|{t}|{c}|{cpus}|1||900000K|{tres}|{usage}|{energy}|n{}",
                r % 1000
            );
        }
        self.buffer.extend_from_slice(text.as_bytes());
    }
}

impl Read for Synthetic {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.position >= self.buffer.len() {
            self.fill();
            if self.buffer.is_empty() {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buffer.len() - self.position);
        out[..n].copy_from_slice(&self.buffer[self.position..self.position + n]);
        self.position += n;
        Ok(n)
    }
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let jobs: u64 = args.next().unwrap_or_else(|| "100000".into()).parse()?;
    let mode = args.next();
    let generate_only = mode.as_deref() == Some("--generate-only");
    let input = Synthetic {
        jobs,
        next: 0,
        seed: 0x9E37_79B9_7F4A_7C15,
        buffer: Vec::new(),
        position: 0,
    };
    if mode.as_deref() == Some("--print") {
        let stdout = std::io::stdout();
        std::io::copy(&mut BufReader::new(input), &mut stdout.lock())?;
        return Ok(());
    }
    let start = Instant::now();
    if generate_only {
        let bytes = std::io::copy(&mut BufReader::new(input), &mut std::io::sink())?;
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "generate only: {jobs} jobs, {} rows, {:.1} MB in {seconds:.2} s",
            jobs * 4,
            bytes as f64 / 1e6
        );
        return Ok(());
    }
    let data = Dataset::builtin()?;
    let cluster = Cluster::parse(CLUSTER, data)?;
    println!(
        "loading the built-in data and the cluster: {:.2} s (not counted below)",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let report = report_sacct(
        BufReader::with_capacity(1 << 16, input),
        ReportOptions {
            method: Method::Mlcarbon(&cluster),
            filter: JobFilter::default(),
            by: vec![GroupBy::Account, GroupBy::Month],
            top: 10,
            tracked: None,
        },
    )?;
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "generate + parse + model + group: {} rows, {} jobs, {} groups in {seconds:.2} s = {:.0} rows/s; peak memory {} MiB; {:.1} MWh, {:.1} t CO2e",
        report.rows,
        report.totals.jobs,
        report.groups.len(),
        report.rows as f64 / seconds,
        peak_memory_kib().map_or("?".into(), |k| (k / 1024).to_string()),
        report.totals.energy_kwh / 1000.0,
        report.totals.emissions_kg / 1000.0
    );
    Ok(())
}
