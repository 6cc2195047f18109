//! A process tree (a child and all its descendants) followed through procfs, for attributing
//! the machine's CPU, memory and GPUs to one job.
//!
//! CPU: each sample adds, per live process, the growth of utime + stime + cutime + cstime
//! since the last sample; a process seen for the first time adds all of it (it was born since).
//! cutime/cstime matter: a short-lived child that lives and dies between two samples is never
//! seen, but when its parent reaps it the kernel adds its times to the parent's cutime/cstime.
//! When a followed process disappears and its parent is followed, the parent owes its last-seen
//! times: they reappear, whole, in the parent's cutime/cstime and were already counted. The debt
//! is paid only out of the parent's cutime/cstime growth and is forgiven after
//! [`ProcessTree::DEBT_REFRESHES`] refreshes (a parent that ignores SIGCHLD never gets its
//! children's times), so it can never swallow later work. A process that leaves the tree
//! (re-parented to init when its parent exits) is still followed: it is still the job's work.
//!
//! Memory: the sum of the resident sets (stat's rss × page size) of live processes. Pages shared
//! between processes (fork's copy-on-write, shared memory) count once per process, so this is
//! an upper bound.
//!
//! Cost: each sample reads one `stat` per followed process through a kept-open file, plus
//! `/proc/stat` and `/proc/meminfo`. New processes are looked for every
//! [`ProcessTree::SEARCH_EVERY_CHILDREN`] samples from `/proc/<pid>/task/<tid>/children`
//! (CONFIG_PROC_CHILDREN, on in Debian, Ubuntu, RHEL and Fedora kernels), else every
//! [`ProcessTree::SEARCH_EVERY_SCAN`] samples by reading the parent of every process in `/proc`
//! (thousands of files on a busy server). A process found late loses no CPU time: all its ticks
//! are added when it is found, and a child that died before being found was reaped into a
//! followed ancestor's cutime. Only its memory and its GPU share come in late.

use crate::procfs::{USER_HZ, read_cpu_times, read_meminfo};
use crate::sysfs::{PolledFile, parse_u64};
use crate::{Roots, SensorError};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

const SENSOR: &str = "process tree";

/// One line of `/proc/<pid>/stat`, the fields that matter here. Ticks are `USER_HZ` ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    pub ppid: u32,
    /// utime + stime: the process's own CPU time.
    pub own_ticks: u64,
    /// cutime + cstime: CPU time of its children that it has reaped.
    pub reaped_ticks: u64,
    pub rss_pages: u64,
}

impl ProcStat {
    pub fn cpu_ticks(&self) -> u64 {
        self.own_ticks + self.reaped_ticks
    }
}

/// Parses `/proc/<pid>/stat`. The command name (field 2) may hold spaces and parentheses, so
/// fields are counted from the last `)`.
pub fn parse_proc_stat(bytes: &[u8]) -> Option<ProcStat> {
    let close = bytes.iter().rposition(|&b| b == b')')?;
    // Fields from 3 (state) on; field n is at index n - 3.
    let mut fields = bytes[close + 1..]
        .split(|b| b.is_ascii_whitespace())
        .filter(|f| !f.is_empty());
    let mut ppid = 0;
    let (mut own_ticks, mut reaped_ticks) = (0u64, 0u64);
    let mut rss_pages = 0;
    let mut seen = 0;
    for (index, field) in fields.by_ref().enumerate().take(22) {
        seen = index + 3;
        match seen {
            4 => ppid = u32::try_from(parse_u64(field)?).ok()?,
            14 | 15 => own_ticks += parse_u64(field)?,
            16 | 17 => reaped_ticks += parse_u64(field)?,
            24 => rss_pages = parse_u64(field)?,
            _ => {}
        }
    }
    // A cut-short line would read as a process that used nothing.
    if seen < 24 {
        return None;
    }
    Some(ProcStat {
        ppid,
        own_ticks,
        reaped_ticks,
        rss_pages,
    })
}

/// What one refresh of the tree found.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct TreeSample {
    /// Live processes followed.
    pub processes: usize,
    /// CPU ticks used by the tree since the last refresh.
    pub cpu_ticks: u64,
    /// The tree's CPU ticks / the machine's busy ticks over the interval (0–1); `None` when the
    /// machine was idle or on the first refresh.
    pub cpu_share: Option<f64>,
    /// The tree's CPU use over the interval, in CPUs' worth / number of CPUs (0–1).
    pub cpu_utilization: Option<f64>,
    pub rss_bytes: u64,
    /// rss_bytes / memory in use on the machine (0–1).
    pub ram_share: Option<f64>,
}

#[derive(Debug)]
struct Followed {
    stat: PolledFile,
    last: ProcStat,
    /// Ticks of reaped children already counted, to be taken out of this process's
    /// cutime/cstime growth.
    owed_ticks: u64,
    /// Refreshes the debt has waited.
    owed_for: u32,
}

/// How the tree's children are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChildLookup {
    /// `/proc/<pid>/task/<tid>/children` (CONFIG_PROC_CHILDREN, on in common distributions).
    ChildrenFiles,
    /// The parent pid in every `/proc/<pid>/stat`.
    ParentScan,
}

/// A job's process tree, followed from its root pid.
#[derive(Debug)]
pub struct ProcessTree {
    proc_root: PathBuf,
    root_pid: u32,
    lookup: ChildLookup,
    page_size: u64,
    cpus: u32,
    machine_stat: PolledFile,
    meminfo: PolledFile,
    followed: HashMap<u32, Followed>,
    pids: HashSet<u32>,
    last_machine_busy: Option<u64>,
    last_now: Option<Instant>,
    refreshes: u64,
    // Scratch space reused across refreshes so a steady-state refresh allocates nothing.
    queue: Vec<u32>,
    reads: Vec<(u32, Option<ProcStat>)>,
}

impl ProcessTree {
    /// Samples between two searches for new processes through the kernel's `children` files.
    pub const SEARCH_EVERY_CHILDREN: u64 = 5;
    /// Samples between two scans of every process's parent, where there are no `children` files.
    pub const SEARCH_EVERY_SCAN: u64 = 30;
    /// Refreshes a parent's debt for a vanished child waits for its cutime/cstime to grow.
    /// Reaping shows at once (a child stays readable, as a zombie, until reaped), so only a read
    /// racing the reaping needs the one more refresh.
    pub const DEBT_REFRESHES: u32 = 2;

    pub fn new(roots: &Roots, root_pid: u32) -> Result<Self, SensorError> {
        let proc_root = roots.proc_root.clone();
        let root_stat_path = proc_root.join(root_pid.to_string()).join("stat");
        let root_stat = open_stat(&root_stat_path)?.ok_or_else(|| SensorError::Unavailable {
            sensor: SENSOR,
            reason: format!("no process {root_pid} ({})", root_stat_path.display()),
        })?;
        let machine_stat_path = proc_root.join("stat");
        let machine_stat_text = std::fs::read_to_string(&machine_stat_path)
            .map_err(|e| SensorError::from_io(&machine_stat_path, e, String::new))?;
        let machine_stat = PolledFile::open(machine_stat_path.clone())
            .map_err(|e| SensorError::from_io(&machine_stat_path, e, String::new))?;
        let meminfo_path = proc_root.join("meminfo");
        let meminfo = PolledFile::open(meminfo_path.clone())
            .map_err(|e| SensorError::from_io(&meminfo_path, e, String::new))?;
        let lookup = if proc_root
            .join(format!("{root_pid}/task/{root_pid}/children"))
            .exists()
        {
            ChildLookup::ChildrenFiles
        } else {
            ChildLookup::ParentScan
        };
        let page_size = page_size(&proc_root, root_pid).unwrap_or(4096);
        let mut tree = ProcessTree {
            root_pid,
            lookup,
            page_size,
            cpus: crate::procfs::count_cpus(&machine_stat_text).max(1),
            machine_stat,
            meminfo,
            followed: HashMap::new(),
            pids: HashSet::new(),
            last_machine_busy: None,
            last_now: None,
            refreshes: 0,
            queue: Vec::new(),
            reads: Vec::new(),
            proc_root,
        };
        let last = read_stat(&root_stat)
            .ok_or_else(|| SensorError::parse(root_stat.path(), "not a /proc/<pid>/stat line"))?;
        tree.followed.insert(
            root_pid,
            Followed {
                stat: root_stat,
                last,
                owed_ticks: 0,
                owed_for: 0,
            },
        );
        Ok(tree)
    }

    pub fn root_pid(&self) -> u32 {
        self.root_pid
    }

    /// The live processes of the tree as of the last refresh.
    pub fn pids(&self) -> &HashSet<u32> {
        &self.pids
    }

    /// Re-reads the tree; the first call sets the baselines.
    pub fn refresh(&mut self, now: Instant) -> Result<TreeSample, SensorError> {
        let first = self.refreshes == 0;
        let mut gained: u64 = 0;

        let search_every = match self.lookup {
            ChildLookup::ChildrenFiles => Self::SEARCH_EVERY_CHILDREN,
            ChildLookup::ParentScan => Self::SEARCH_EVERY_SCAN,
        };
        if self.refreshes.is_multiple_of(search_every) {
            gained += self.find_new_processes(first);
        }
        self.refreshes += 1;

        // Read everything first, so that a child found gone puts its debt on its parent before
        // the parent's cutime growth is counted.
        self.reads.clear();
        for (&pid, process) in &self.followed {
            self.reads.push((pid, read_stat(&process.stat)));
        }
        for &(pid, read) in &self.reads {
            if read.is_some() {
                continue;
            }
            if let Some(gone) = self.followed.remove(&pid)
                && let Some(parent) = self.followed.get_mut(&gone.last.ppid)
            {
                parent.owed_ticks += gone.last.cpu_ticks();
                parent.owed_for = 0;
            }
        }
        let mut rss_pages = 0;
        for &(pid, read) in &self.reads {
            let (Some(stat), Some(process)) = (read, self.followed.get_mut(&pid)) else {
                continue;
            };
            let own = stat.own_ticks.saturating_sub(process.last.own_ticks);
            let reaped = stat.reaped_ticks.saturating_sub(process.last.reaped_ticks);
            let repaid = reaped.min(process.owed_ticks);
            process.owed_ticks -= repaid;
            if process.owed_ticks > 0 {
                process.owed_for += 1;
                if process.owed_for >= Self::DEBT_REFRESHES {
                    process.owed_ticks = 0;
                }
            }
            gained += own + reaped - repaid;
            rss_pages += stat.rss_pages;
            process.last = stat;
        }
        let cpu_ticks = gained;

        self.pids.clear();
        self.pids.extend(self.followed.keys().copied());

        let busy = read_cpu_times(&self.machine_stat)?.busy;
        let mut sample = TreeSample {
            processes: self.followed.len(),
            cpu_ticks,
            rss_bytes: rss_pages * self.page_size,
            ..TreeSample::default()
        };
        if let (Some(last_busy), Some(last_now), false) =
            (self.last_machine_busy, self.last_now, first)
        {
            let machine = busy.saturating_sub(last_busy);
            sample.cpu_share = (machine > 0).then(|| (cpu_ticks as f64 / machine as f64).min(1.0));
            let seconds = now.saturating_duration_since(last_now).as_secs_f64();
            if seconds > 0.0 {
                let capacity = seconds * USER_HZ as f64 * f64::from(self.cpus);
                sample.cpu_utilization = Some((cpu_ticks as f64 / capacity).min(1.0));
            }
        } else {
            sample.cpu_ticks = 0;
        }
        let used = read_meminfo(&self.meminfo)?.used_bytes();
        sample.ram_share = (used > 0).then(|| (sample.rss_bytes as f64 / used as f64).min(1.0));
        self.last_machine_busy = Some(busy);
        self.last_now = Some(now);
        Ok(sample)
    }

    /// Follows processes of the tree not followed yet; returns their CPU ticks (0 on the first
    /// search, which sets baselines).
    fn find_new_processes(&mut self, first: bool) -> u64 {
        let mut gained = 0;
        self.queue.clear();
        match self.lookup {
            ChildLookup::ChildrenFiles => {
                self.queue.extend(self.followed.keys().copied());
                let mut next = 0;
                while next < self.queue.len() {
                    let parent = self.queue[next];
                    next += 1;
                    for child in children_of(&self.proc_root, parent) {
                        if !self.followed.contains_key(&child)
                            && let Some(ticks) = self.follow(child, first)
                        {
                            gained += ticks;
                            self.queue.push(child);
                        }
                    }
                }
            }
            ChildLookup::ParentScan => {
                let parents = parent_map(&self.proc_root);
                self.queue.extend(self.followed.keys().copied());
                let mut next = 0;
                while next < self.queue.len() {
                    let parent = self.queue[next];
                    next += 1;
                    for &child in parents.get(&parent).map_or(&[][..], Vec::as_slice) {
                        if !self.followed.contains_key(&child)
                            && let Some(ticks) = self.follow(child, first)
                        {
                            gained += ticks;
                            self.queue.push(child);
                        }
                    }
                }
            }
        }
        gained
    }

    fn follow(&mut self, pid: u32, first: bool) -> Option<u64> {
        let path = self.proc_root.join(pid.to_string()).join("stat");
        let stat = open_stat(&path).ok()??;
        let last = read_stat(&stat)?;
        self.followed.insert(
            pid,
            Followed {
                stat,
                last,
                owed_ticks: 0,
                owed_for: 0,
            },
        );
        Some(if first { 0 } else { last.cpu_ticks() })
    }
}

/// `Ok(None)` for a process that is gone.
fn open_stat(path: &Path) -> Result<Option<PolledFile>, SensorError> {
    match PolledFile::open(path.to_path_buf()) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SensorError::from_io(path, e, String::new)),
    }
}

/// `None` once the process is gone: procfs answers ESRCH through a file opened while it
/// lived (so a reused pid is never mistaken for it); an empty file stands for that in fake
/// trees.
fn read_stat(file: &PolledFile) -> Option<ProcStat> {
    let mut buf = [0u8; 1024];
    let bytes = file.read(&mut buf).ok()?;
    parse_proc_stat(bytes)
}

/// Children of every thread of `pid`, from the kernel's `children` files.
fn children_of(proc_root: &Path, pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    let task_dir = proc_root.join(pid.to_string()).join("task");
    let Ok(tasks) = std::fs::read_dir(&task_dir) else {
        return children;
    };
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read(task.path().join("children")) {
            children.extend(
                text.split(|b| b.is_ascii_whitespace())
                    .filter_map(parse_u64)
                    .filter_map(|p| u32::try_from(p).ok()),
            );
        }
    }
    children
}

/// Parent → children of every process in procfs.
fn parent_map(proc_root: &Path) -> HashMap<u32, Vec<u32>> {
    let mut parents: HashMap<u32, Vec<u32>> = HashMap::new();
    let Ok(entries) = std::fs::read_dir(proc_root) else {
        return parents;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        if let Ok(bytes) = std::fs::read(entry.path().join("stat"))
            && let Some(stat) = parse_proc_stat(&bytes)
        {
            parents.entry(stat.ppid).or_default().push(pid);
        }
    }
    parents
}

/// The page size, from one process's VmRSS (kB) against its resident pages in statm: Rust
/// without `unsafe` cannot ask sysconf, and 64 KiB pages exist (some arm64 kernels).
fn page_size(proc_root: &Path, pid: u32) -> Option<u64> {
    let dir = proc_root.join(pid.to_string());
    let status = std::fs::read_to_string(dir.join("status")).ok()?;
    let rss_kb: u64 = status.lines().find_map(|line| {
        let rest = line.strip_prefix("VmRSS:")?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })?;
    let statm = std::fs::read_to_string(dir.join("statm")).ok()?;
    let resident: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    if resident == 0 {
        return None;
    }
    let estimate = rss_kb * 1024 / resident;
    // Both files are read a moment apart; snap to the nearest real page size.
    [4096u64, 16384, 65536]
        .into_iter()
        .min_by_key(|size| size.abs_diff(estimate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_line_with_awkward_command_name() {
        // Fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt
        // cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss
        let line = b"42 (my (odd) cmd) S 7 42 42 0 -1 4194560 100 0 0 0 30 20 5 1 20 0 1 0 \
                     12345 1000000 256 18446744073709551615\n";
        assert_eq!(
            parse_proc_stat(line),
            Some(ProcStat {
                ppid: 7,
                own_ticks: 50,
                reaped_ticks: 6,
                rss_pages: 256
            })
        );
        assert_eq!(parse_proc_stat(b""), None);
        assert_eq!(parse_proc_stat(b"42 (x) S 7"), None);
    }
}
