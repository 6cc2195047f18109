//! Measuring the energy of a running job: sensors for CPU, GPU and memory, and the sampler that
//! turns their readings into joules.
//!
//! - Counters where the hardware has them: RAPL powercap ([`RaplSensor`]), NVML total energy
//!   ([`NvmlSensor`]), amdgpu hwmon `energy1_input` ([`AmdGpuSensor`]); wrap-aware differences
//!   in [`counter`].
//! - Power where it has only that (NVML power, amdgpu `power1_average`), integrated by the
//!   [`Sampler`] and nowhere else.
//! - Models where it has neither: CPU TDP × utilization ([`CpuModelSensor`]) and W/GB × memory
//!   in use ([`RamModelSensor`]), from procfs.
//! - [`ReplaySensor`]: a recorded trace, for tests and demos.
//!
//! [`discover`] picks what the machine offers and says what it falls back on. Every sysfs and
//! procfs root comes from [`Roots`] (see [`mod@env`]), so everything runs on fake trees in tests.
//! Linux only.
//!
//! ```no_run
//! use mlcarbon_meter::{DiscoverOptions, Roots, discover};
//! use std::time::{Duration, Instant};
//!
//! let roots = Roots::from_env();
//! let found = discover(&roots, &DiscoverOptions { cpu_tdp_w: Some(125.0), ..Default::default() });
//! for warning in &found.warnings {
//!     eprintln!("warning: {warning}");
//! }
//! let mut sampler = found.into_sampler();
//! sampler.sample(Instant::now()); // baselines
//! std::thread::sleep(Duration::from_secs(1));
//! let out = sampler.sample(Instant::now());
//! println!("{:.1} W, {:.1} J so far", out.total.power_w, out.total.cumulative_j);
//! ```

mod amdgpu;
pub mod counter;
mod discover;
pub mod env;
mod error;
mod nvml;
mod process;
mod procfs;
mod rapl;
mod reading;
pub mod replay;
mod sampler;
mod sysfs;

pub use amdgpu::AmdGpuSensor;
pub use discover::{Attribution, DiscoverOptions, Discovery, discover};
pub use env::Roots;
pub use error::SensorError;
pub use nvml::{
    GpuMethod, GpuSelection, GpuSelector, NvmlSensor, parse_cuda_visible_devices, share_of,
};
pub use process::{ProcStat, ProcessTree, TreeSample, parse_proc_stat};
pub use procfs::{
    BYTES_PER_GB, CpuModelSensor, CpuTimes, MemInfo, RamModelSensor, USER_HZ, count_cpus,
    cpu_model_name, cpu_socket_count, parse_cpu_times, parse_meminfo,
};
pub use rapl::{RaplSensor, permission_fix};
pub use reading::{ComponentInfo, ComponentKind, Method, Reading, ReadingValue, Sensor};
pub use replay::ReplaySensor;
pub use sampler::{SampleOut, SampledComponent, Sampler, Totals};
