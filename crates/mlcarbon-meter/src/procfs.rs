//! procfs: the CPU's model name and sockets, machine CPU times and memory, and the two models
//! built on them for machines without counters: CPU TDP × utilization and RAM W/GB × GB in use.

use crate::sysfs::{PolledFile, parse_u64};
use crate::{ComponentInfo, ComponentKind, Method, Reading, ReadingValue, Sensor, SensorError};
use std::collections::BTreeSet;
use std::io;
use std::path::Path;
use std::time::Instant;

/// Clock ticks per second of the times in `/proc/stat` and `/proc/<pid>/stat`: `USER_HZ`,
/// fixed at 100 by the kernel's ABI on every architecture Linux ships.
pub const USER_HZ: u64 = 100;

/// Bytes in the gigabyte of `W/GB` figures: memory is sold and sized in GiB.
pub const BYTES_PER_GB: f64 = 1024.0 * 1024.0 * 1024.0;

fn open_proc(path: std::path::PathBuf, sensor: &'static str) -> Result<PolledFile, SensorError> {
    PolledFile::open(path.clone()).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            SensorError::Unavailable {
                sensor,
                reason: format!("{} not found", path.display()),
            }
        } else {
            SensorError::from_io(&path, e, || {
                "procfs should be readable by everyone; check how /proc is mounted".to_string()
            })
        }
    })
}

/// The `model name` of the first CPU in `<proc>/cpuinfo` (x86; most ARM kernels have none).
pub fn cpu_model_name(roots: &crate::Roots) -> Option<String> {
    let text = std::fs::read_to_string(roots.proc_root.join("cpuinfo")).ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name")
            .then(|| value.trim().to_string())
            .filter(|v| !v.is_empty())
    })
}

/// Distinct `physical id`s in `<proc>/cpuinfo`: the number of CPU sockets. `None` when the
/// file or the field is missing (VMs and ARM often lack it).
pub fn cpu_socket_count(roots: &crate::Roots) -> Option<u32> {
    let text = std::fs::read_to_string(roots.proc_root.join("cpuinfo")).ok()?;
    let ids: BTreeSet<&str> = text
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == "physical id").then(|| value.trim())
        })
        .collect();
    u32::try_from(ids.len()).ok().filter(|&n| n > 0)
}

/// Aggregate CPU time of the machine, in `USER_HZ` ticks, from `/proc/stat`'s first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTimes {
    /// user + nice + system + irq + softirq (guest time is already inside user and nice).
    pub busy: u64,
    /// busy + idle + iowait + steal.
    pub total: u64,
}

/// Parses the `cpu ` line at the start of `/proc/stat` with no allocation.
pub fn parse_cpu_times(stat: &[u8]) -> Option<CpuTimes> {
    let line = stat.split(|&b| b == b'\n').next()?;
    let mut fields = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|f| !f.is_empty());
    if fields.next()? != b"cpu" {
        return None;
    }
    // user nice system idle iowait irq softirq steal; older kernels stop earlier.
    let mut v = [0u64; 8];
    let mut count = 0;
    for (slot, field) in v.iter_mut().zip(fields) {
        *slot = parse_u64(field)?;
        count += 1;
    }
    if count < 4 {
        return None;
    }
    let [user, nice, system, idle, iowait, irq, softirq, steal] = v;
    let busy = user + nice + system + irq + softirq;
    Some(CpuTimes {
        busy,
        total: busy + idle + iowait + steal,
    })
}

/// Online CPUs: the `cpuN` lines of `/proc/stat`.
pub fn count_cpus(stat: &str) -> u32 {
    let count = stat
        .lines()
        .filter(|line| {
            line.strip_prefix("cpu")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// Memory of the machine from `/proc/meminfo`, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemInfo {
    pub total_bytes: u64,
    pub available_bytes: u64,
}

impl MemInfo {
    pub fn used_bytes(&self) -> u64 {
        self.total_bytes.saturating_sub(self.available_bytes)
    }
}

/// Parses the head of `/proc/meminfo`. Kernels before 3.14 lack `MemAvailable`; then
/// free + buffers + cached stands in for it.
pub fn parse_meminfo(text: &[u8]) -> Option<MemInfo> {
    let (mut total, mut available, mut free, mut buffers, mut cached) = (None, None, 0, 0, 0);
    for line in text.split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (key, rest) = (&line[..colon], &line[colon + 1..]);
        let rest = rest.trim_ascii();
        let number = rest.strip_suffix(b"kB").unwrap_or(rest);
        let Some(kb) = parse_u64(number) else {
            continue;
        };
        match key {
            b"MemTotal" => total = Some(kb),
            b"MemAvailable" => available = Some(kb),
            b"MemFree" => free = kb,
            b"Buffers" => buffers = kb,
            b"Cached" => cached = kb,
            _ => {}
        }
    }
    let total = total?;
    let available = available.unwrap_or(free + buffers + cached);
    Some(MemInfo {
        total_bytes: total * 1024,
        available_bytes: available * 1024,
    })
}

/// Reads and parses `/proc/meminfo`'s head through a kept-open file.
pub(crate) fn read_meminfo(file: &PolledFile) -> Result<MemInfo, SensorError> {
    let mut buf = [0u8; 512];
    let bytes = file
        .read(&mut buf)
        .map_err(|e| SensorError::from_io(file.path(), e, String::new))?;
    parse_meminfo(bytes).ok_or_else(|| SensorError::parse(file.path(), "no MemTotal line"))
}

/// Reads and parses `/proc/stat`'s first line through a kept-open file.
pub(crate) fn read_cpu_times(file: &PolledFile) -> Result<CpuTimes, SensorError> {
    let mut buf = [0u8; 256];
    let bytes = file
        .read(&mut buf)
        .map_err(|e| SensorError::from_io(file.path(), e, String::new))?;
    parse_cpu_times(bytes).ok_or_else(|| SensorError::parse(file.path(), "no `cpu` line first"))
}

fn check_rate(sensor: &'static str, what: &str, value: f64) -> Result<(), SensorError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(SensorError::Unavailable {
            sensor,
            reason: format!("{what} must be a non-negative number, got {value}"),
        })
    }
}

/// CPU energy estimated as TDP × machine utilization, for machines without RAPL.
///
/// Utilization over an interval is a mean over that interval (busy ticks / all ticks), so the
/// model integrates it itself, as a rectangle, and reports a cumulative counter: handing it to
/// the sampler as power would smear each interval's mean over its neighbours.
#[derive(Debug)]
pub struct CpuModelSensor {
    stat: PolledFile,
    tdp_w: f64,
    last: Option<(CpuTimes, Instant)>,
    microjoules: f64,
    utilization: Option<f64>,
    components: [ComponentInfo; 1],
}

const CPU_MODEL: &str = "CPU model";

impl CpuModelSensor {
    /// `tdp_w`: rated power of all sockets together.
    pub fn open(proc_root: &Path, tdp_w: f64) -> Result<Self, SensorError> {
        check_rate(CPU_MODEL, "CPU TDP (W)", tdp_w)?;
        let stat = open_proc(proc_root.join("stat"), CPU_MODEL)?;
        read_cpu_times(&stat)?;
        Ok(CpuModelSensor {
            stat,
            tdp_w,
            last: None,
            microjoules: 0.0,
            utilization: None,
            components: [ComponentInfo {
                key: "cpu".to_string(),
                kind: ComponentKind::Cpu,
                label: format!("CPU ({tdp_w} W TDP × utilization)"),
                method: Method::Model,
            }],
        })
    }
}

impl Sensor for CpuModelSensor {
    fn name(&self) -> &str {
        CPU_MODEL
    }

    fn components(&self) -> &[ComponentInfo] {
        &self.components
    }

    fn read(&mut self, now: Instant, out: &mut Vec<Reading>) -> Result<(), SensorError> {
        let times = read_cpu_times(&self.stat)?;
        if let Some((last, last_now)) = self.last {
            let busy = times.busy.saturating_sub(last.busy);
            let total = times.total.saturating_sub(last.total);
            if total > 0 {
                let utilization = (busy as f64 / total as f64).min(1.0);
                let seconds = now.saturating_duration_since(last_now).as_secs_f64();
                self.microjoules += self.tdp_w * utilization * seconds * 1e6;
                self.utilization = Some(utilization);
            }
        }
        self.last = Some((times, now));
        out.push(Reading {
            component: 0,
            value: ReadingValue::Counter {
                microjoules: self.microjoules as u64,
                wrap_at_microjoules: None,
            },
        });
        Ok(())
    }

    fn utilization(&self, _component: usize) -> Option<f64> {
        self.utilization
    }
}

/// RAM power estimated as W/GB × GB in use (MemTotal − MemAvailable).
#[derive(Debug)]
pub struct RamModelSensor {
    meminfo: PolledFile,
    watts_per_gb: f64,
    utilization: Option<f64>,
    components: [ComponentInfo; 1],
}

const RAM_MODEL: &str = "RAM model";

impl RamModelSensor {
    pub fn open(proc_root: &Path, watts_per_gb: f64) -> Result<Self, SensorError> {
        check_rate(RAM_MODEL, "RAM power (W/GB)", watts_per_gb)?;
        let meminfo = open_proc(proc_root.join("meminfo"), RAM_MODEL)?;
        read_meminfo(&meminfo)?;
        Ok(RamModelSensor {
            meminfo,
            watts_per_gb,
            utilization: None,
            components: [ComponentInfo {
                key: "ram".to_string(),
                kind: ComponentKind::Ram,
                label: format!("RAM ({watts_per_gb} W/GB × GB in use)"),
                method: Method::Model,
            }],
        })
    }
}

impl Sensor for RamModelSensor {
    fn name(&self) -> &str {
        RAM_MODEL
    }

    fn components(&self) -> &[ComponentInfo] {
        &self.components
    }

    fn read(&mut self, _now: Instant, out: &mut Vec<Reading>) -> Result<(), SensorError> {
        let mem = read_meminfo(&self.meminfo)?;
        let used = mem.used_bytes();
        self.utilization = (mem.total_bytes > 0).then(|| used as f64 / mem.total_bytes as f64);
        out.push(Reading {
            component: 0,
            value: ReadingValue::Power {
                watts: self.watts_per_gb * used as f64 / BYTES_PER_GB,
            },
        });
        Ok(())
    }

    fn utilization(&self, _component: usize) -> Option<f64> {
        self.utilization
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_times_from_stat() {
        let stat = b"cpu  100 5 50 1000 20 3 2 7 0 0\ncpu0 50 2 25 500 10 1 1 3 0 0\n";
        assert_eq!(
            parse_cpu_times(stat),
            Some(CpuTimes {
                busy: 160,
                total: 1187
            })
        );
        assert_eq!(parse_cpu_times(b"cpu0 1 2 3 4\n"), None);
        assert_eq!(parse_cpu_times(b"cpu 1 2\n"), None);
        assert_eq!(
            count_cpus(std::str::from_utf8(stat).expect("utf8")),
            1,
            "only cpuN lines count"
        );
    }

    #[test]
    fn meminfo_with_and_without_available() {
        let text =
            b"MemTotal:       16000 kB\nMemFree:         4000 kB\nMemAvailable:    6000 kB\n";
        let mem = parse_meminfo(text).expect("parsed");
        assert_eq!(mem.used_bytes(), 10000 * 1024);
        let old = b"MemTotal: 16000 kB\nMemFree: 4000 kB\nBuffers: 1000 kB\nCached: 2000 kB\n";
        assert_eq!(
            parse_meminfo(old).expect("parsed").available_bytes,
            7000 * 1024
        );
        assert_eq!(parse_meminfo(b"MemFree: 1 kB\n"), None);
    }
}
