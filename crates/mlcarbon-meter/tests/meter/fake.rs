//! Fake sysfs and procfs trees in a temporary folder. Files are rewritten in place, so sensors
//! that keep them open see new values, as they do on real sysfs.

#![allow(dead_code)] // shared with the benchmark, which uses a part

use mlcarbon_meter::Roots;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub struct FakeMachine {
    pub dir: TempDir,
    pub roots: Roots,
}

fn write(path: &Path, text: impl AsRef<str>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent folder");
    }
    std::fs::write(path, text.as_ref()).expect("write fake file");
}

/// CPU ticks of one process: utime, stime, cutime, cstime.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ticks {
    pub utime: u64,
    pub stime: u64,
    pub cutime: u64,
    pub cstime: u64,
}

impl Ticks {
    pub fn own(utime: u64, stime: u64) -> Self {
        Ticks {
            utime,
            stime,
            ..Ticks::default()
        }
    }
}

impl FakeMachine {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let roots = Roots::under(dir.path());
        for root in [&roots.powercap, &roots.hwmon, &roots.proc_root] {
            std::fs::create_dir_all(root).expect("create root");
        }
        FakeMachine { dir, roots }
    }

    // --- powercap

    pub fn zone_dir(&self, id: &str) -> PathBuf {
        self.roots.powercap.join(id)
    }

    /// A RAPL zone directory directly under the powercap root, as the kernel links them all.
    pub fn rapl_zone(&self, id: &str, name: &str, energy_uj: u64, max_energy_range_uj: u64) {
        let zone = self.zone_dir(id);
        write(&zone.join("name"), format!("{name}\n"));
        write(&zone.join("energy_uj"), format!("{energy_uj}\n"));
        write(
            &zone.join("max_energy_range_uj"),
            format!("{max_energy_range_uj}\n"),
        );
    }

    pub fn set_energy(&self, id: &str, energy_uj: u64) {
        write(
            &self.zone_dir(id).join("energy_uj"),
            format!("{energy_uj}\n"),
        );
    }

    // --- hwmon

    pub fn hwmon(&self, number: u32, name: &str, files: &[(&str, u64)]) {
        let dir = self.roots.hwmon.join(format!("hwmon{number}"));
        write(&dir.join("name"), format!("{name}\n"));
        for (file, value) in files {
            write(&dir.join(file), format!("{value}\n"));
        }
    }

    pub fn set_hwmon(&self, number: u32, file: &str, value: u64) {
        let dir = self.roots.hwmon.join(format!("hwmon{number}"));
        write(&dir.join(file), format!("{value}\n"));
    }

    // --- procfs

    /// `/proc/stat` with `cpus` CPUs; busy ticks split as user/system, the rest idle.
    pub fn proc_stat(&self, cpus: u32, user: u64, system: u64, idle: u64) {
        let mut text = format!("cpu  {user} 0 {system} {idle} 0 0 0 0 0 0\n");
        for cpu in 0..cpus {
            let n = u64::from(cpus);
            text += &format!(
                "cpu{cpu} {} 0 {} {} 0 0 0 0 0 0\n",
                user / n,
                system / n,
                idle / n
            );
        }
        text += "intr 12345 0 0\nctxt 999\nbtime 1700000000\nprocesses 4242\n";
        write(&self.roots.proc_root.join("stat"), text);
    }

    pub fn meminfo(&self, total_kb: u64, available_kb: u64) {
        write(
            &self.roots.proc_root.join("meminfo"),
            format!(
                "MemTotal:       {total_kb} kB\nMemFree:        {} kB\nMemAvailable:   {available_kb} kB\nBuffers:          1024 kB\nCached:         2048 kB\n",
                available_kb / 2
            ),
        );
    }

    pub fn cpuinfo(&self, model: &str, sockets: u32, cpus_per_socket: u32) {
        let mut text = String::new();
        let mut processor = 0;
        for socket in 0..sockets {
            for core in 0..cpus_per_socket {
                text += &format!(
                    "processor\t: {processor}\nvendor_id\t: GenuineIntel\nmodel name\t: {model}\nphysical id\t: {socket}\ncore id\t\t: {core}\n\n"
                );
                processor += 1;
            }
        }
        write(&self.roots.proc_root.join("cpuinfo"), text);
    }

    fn pid_dir(&self, pid: u32) -> PathBuf {
        self.roots.proc_root.join(pid.to_string())
    }

    /// A process with its `stat`, `status` and `statm`; with `children_files`, also
    /// `task/<pid>/children` (empty until [`FakeMachine::set_children`]).
    pub fn process(&self, pid: u32, ppid: u32, ticks: Ticks, rss_pages: u64, children_files: bool) {
        self.set_process(pid, ppid, ticks, rss_pages);
        let dir = self.pid_dir(pid);
        write(
            &dir.join("status"),
            format!(
                "Name:\tfake\nPid:\t{pid}\nPPid:\t{ppid}\nVmRSS:\t{} kB\n",
                rss_pages * 4
            ),
        );
        write(
            &dir.join("statm"),
            format!("{} {rss_pages} 0 0 0 0 0\n", rss_pages * 2),
        );
        if children_files {
            write(&dir.join(format!("task/{pid}/children")), "");
        }
    }

    pub fn set_process(&self, pid: u32, ppid: u32, ticks: Ticks, rss_pages: u64) {
        let Ticks {
            utime,
            stime,
            cutime,
            cstime,
        } = ticks;
        write(
            &self.pid_dir(pid).join("stat"),
            format!(
                "{pid} (fake (worker) {pid}) S {ppid} {pid} {pid} 0 -1 4194560 10 0 0 0 \
                 {utime} {stime} {cutime} {cstime} 20 0 1 0 100 1000000 {rss_pages} \
                 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
            ),
        );
    }

    /// Children of `pid` as listed by its main thread's `children` file; `thread` lists them
    /// under another thread of the process (children forked by that thread).
    pub fn set_children(&self, pid: u32, thread: u32, children: &[u32]) {
        let text: String = children.iter().map(|c| format!("{c} ")).collect();
        write(
            &self.pid_dir(pid).join(format!("task/{thread}/children")),
            text,
        );
    }

    /// The process is gone: procfs answers ESRCH through files opened earlier; an empty
    /// `stat` stands for that (the sensor keeps its file open, so deleting it would not do).
    pub fn end_process(&self, pid: u32) {
        write(&self.pid_dir(pid).join("stat"), "");
    }

    /// A whole machine: 2 RAPL packages with core sub-zones and dram, an MMIO duplicate, an
    /// amdgpu with power1_average, procfs with 8 CPUs and 16 GiB.
    pub fn typical() -> Self {
        let m = FakeMachine::new();
        let max = 262_143_328_850;
        m.rapl_zone("intel-rapl:0", "package-0", 1_000_000, max);
        m.rapl_zone("intel-rapl:0:0", "core", 500_000, max);
        m.rapl_zone("intel-rapl:0:1", "dram", 200_000, max);
        m.rapl_zone("intel-rapl:1", "package-1", 2_000_000, max);
        m.rapl_zone("intel-rapl:1:0", "core", 700_000, max);
        m.rapl_zone("intel-rapl-mmio:0", "package-0", 1_000_000, max);
        m.hwmon(0, "coretemp", &[("temp1_input", 45_000)]);
        m.hwmon(1, "amdgpu", &[("power1_average", 150_000_000)]);
        m.proc_stat(8, 1000, 500, 10_000);
        m.meminfo(16 * 1024 * 1024, 8 * 1024 * 1024);
        m.cpuinfo("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", 2, 4);
        m
    }
}
