//! Intel/AMD RAPL energy counters through the powercap class.
//!
//! Zones: `intel-rapl:N` (a package, or `psys`), its sub-zones `intel-rapl:N:M` (`core`,
//! `uncore`, `dram`), and `intel-rapl-mmio:N` (the same package seen through MMIO). Each has
//! `name`, `energy_uj` and `max_energy_range_uj`. To count nothing twice:
//! - a `psys` zone covers the whole platform: when there is one, it is the only zone read;
//! - otherwise packages plus `dram` zones; `core` and `uncore` are inside their package, and an
//!   MMIO package duplicates the MSR package of the same name, which is preferred.

use crate::sysfs::{PolledFile, parse_u64, read_trimmed};
use crate::{ComponentInfo, ComponentKind, Method, Reading, ReadingValue, Sensor, SensorError};
use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

const SENSOR: &str = "RAPL";

/// How to make `energy_uj` readable: root-only since Linux 5.10 (CVE-2020-8694).
pub fn permission_fix(powercap_root: &Path) -> String {
    format!(
        "RAPL counters are root-only since Linux 5.10 (CVE-2020-8694): run as root, or allow \
         reading until the next reboot with `sudo chmod o+r {}/intel-rapl*:*/energy_uj`",
        powercap_root.display()
    )
}

/// RAPL energy counters of the selected zones, kept open.
#[derive(Debug)]
pub struct RaplSensor {
    zones: Vec<Zone>,
    components: Vec<ComponentInfo>,
    fix: String,
}

#[derive(Debug)]
struct Zone {
    energy: PolledFile,
    wrap_at: Option<u64>,
}

/// A zone directory's place in the powercap tree, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct ZoneId {
    mmio: bool,
    package: u32,
    sub: Option<u32>,
}

fn parse_zone_id(dir_name: &str) -> Option<ZoneId> {
    let (mmio, rest) = if let Some(rest) = dir_name.strip_prefix("intel-rapl-mmio:") {
        (true, rest)
    } else {
        (false, dir_name.strip_prefix("intel-rapl:")?)
    };
    let mut parts = rest.split(':');
    let package = parts.next()?.parse().ok()?;
    let sub = match parts.next() {
        Some(sub) => Some(sub.parse().ok()?),
        None => None,
    };
    // Deeper zones do not exist in any known kernel; ignoring them beats guessing.
    if parts.next().is_some() {
        return None;
    }
    Some(ZoneId { mmio, package, sub })
}

struct Candidate {
    id: ZoneId,
    dir: PathBuf,
    name: String,
}

/// Zone directories at the top of `root` (where the kernel links every zone) and, for fake or
/// unusual trees, nested inside their parent.
fn zone_dirs(root: &Path) -> Result<BTreeMap<ZoneId, PathBuf>, SensorError> {
    let entries = std::fs::read_dir(root).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            SensorError::Unavailable {
                sensor: SENSOR,
                reason: format!("no powercap tree at {}", root.display()),
            }
        } else {
            SensorError::from_io(root, e, || permission_fix(root))
        }
    })?;
    let mut found = BTreeMap::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(id) = name.to_str().and_then(parse_zone_id) else {
            continue;
        };
        let dir = entry.path();
        if id.sub.is_none()
            && let Ok(children) = std::fs::read_dir(&dir)
        {
            for child in children.flatten() {
                let child_name = child.file_name();
                if let Some(child_id) = child_name.to_str().and_then(parse_zone_id) {
                    found.entry(child_id).or_insert_with(|| child.path());
                }
            }
        }
        found.insert(id, dir);
    }
    Ok(found)
}

/// The zones to read, without double counting (see the module comment).
fn select(candidates: Vec<Candidate>) -> Vec<Candidate> {
    let mut candidates = candidates;
    // MSR zones sort before MMIO ones, so "first of a name wins" prefers MSR.
    candidates.sort_by_key(|c| c.id);
    if let Some(psys) = candidates.iter().position(|c| c.name == "psys") {
        return vec![candidates.swap_remove(psys)];
    }
    let mut chosen: Vec<Candidate> = Vec::new();
    for candidate in candidates {
        let is_package = candidate.id.sub.is_none() && candidate.name.starts_with("package-");
        let is_dram = candidate.name == "dram";
        if !(is_package || is_dram) {
            continue;
        }
        let duplicate = chosen.iter().any(|c| {
            c.name == candidate.name && (is_package || c.id.package == candidate.id.package)
        });
        if !duplicate {
            chosen.push(candidate);
        }
    }
    chosen
}

fn describe(candidate: &Candidate) -> ComponentInfo {
    if candidate.name == "psys" {
        ComponentInfo {
            key: "cpu:psys".to_string(),
            kind: ComponentKind::Cpu,
            label: "platform (RAPL psys: CPU, memory and more)".to_string(),
            method: Method::Counter,
        }
    } else if candidate.name == "dram" {
        ComponentInfo {
            key: format!("ram:dram-{}", candidate.id.package),
            kind: ComponentKind::Ram,
            label: format!("DRAM of package {} (RAPL)", candidate.id.package),
            method: Method::Counter,
        }
    } else {
        ComponentInfo {
            key: format!("cpu:{}", candidate.name),
            kind: ComponentKind::Cpu,
            label: format!("CPU {} (RAPL)", candidate.name),
            method: Method::Counter,
        }
    }
}

impl RaplSensor {
    /// Finds the zones under `powercap_root` and opens their counters. No zones:
    /// [`SensorError::Unavailable`]; counters only root may read:
    /// [`SensorError::PermissionDenied`] with the fix.
    pub fn open(powercap_root: &Path) -> Result<Self, SensorError> {
        Self::open_with(powercap_root, &|path| File::open(path))
    }

    /// [`RaplSensor::open`] with the file opener injected, so tests running as root (where
    /// `chmod 000` denies nothing) can still see a denied counter.
    pub(crate) fn open_with(
        powercap_root: &Path,
        open: &dyn Fn(&Path) -> io::Result<File>,
    ) -> Result<Self, SensorError> {
        let fix = permission_fix(powercap_root);
        let candidates = zone_dirs(powercap_root)?
            .into_iter()
            .filter_map(|(id, dir)| {
                let name = read_trimmed(&dir.join("name"))?;
                Some(Candidate { id, dir, name })
            })
            .collect::<Vec<_>>();
        if candidates.is_empty() {
            return Err(SensorError::Unavailable {
                sensor: SENSOR,
                reason: format!("no intel-rapl zones under {}", powercap_root.display()),
            });
        }
        let chosen = select(candidates);
        if chosen.is_empty() {
            return Err(SensorError::Unavailable {
                sensor: SENSOR,
                reason: format!(
                    "no package, dram or psys zone under {}",
                    powercap_root.display()
                ),
            });
        }
        let mut zones = Vec::with_capacity(chosen.len());
        let mut components = Vec::with_capacity(chosen.len());
        for candidate in &chosen {
            let path = candidate.dir.join("energy_uj");
            let file = open(&path).map_err(|e| SensorError::from_io(&path, e, || fix.clone()))?;
            let energy = PolledFile::new(file, path);
            // One read now, so a counter that opens but cannot be read fails here, not mid-run.
            energy.read_u64(|| fix.clone())?;
            let wrap_at = read_trimmed(&candidate.dir.join("max_energy_range_uj"))
                .and_then(|text| parse_u64(text.as_bytes()))
                .filter(|&range| range > 0);
            zones.push(Zone { energy, wrap_at });
            components.push(describe(candidate));
        }
        Ok(RaplSensor {
            zones,
            components,
            fix,
        })
    }

    /// Whether a zone covers memory (`dram` or `psys`), so no RAM model should be added.
    pub fn covers_ram(&self) -> bool {
        self.components
            .iter()
            .any(|c| c.kind == ComponentKind::Ram || c.key == "cpu:psys")
    }
}

impl Sensor for RaplSensor {
    fn name(&self) -> &str {
        SENSOR
    }

    fn components(&self) -> &[ComponentInfo] {
        &self.components
    }

    fn read(&mut self, _now: Instant, out: &mut Vec<Reading>) -> Result<(), SensorError> {
        for (component, zone) in self.zones.iter().enumerate() {
            let microjoules = zone.energy.read_u64(|| self.fix.clone())?;
            out.push(Reading {
                component,
                value: ReadingValue::Counter {
                    microjoules,
                    wrap_at_microjoules: zone.wrap_at,
                },
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_ids() {
        let id = |mmio, package, sub| Some(ZoneId { mmio, package, sub });
        assert_eq!(parse_zone_id("intel-rapl:0"), id(false, 0, None));
        assert_eq!(parse_zone_id("intel-rapl:1:2"), id(false, 1, Some(2)));
        assert_eq!(parse_zone_id("intel-rapl-mmio:0"), id(true, 0, None));
        assert_eq!(parse_zone_id("intel-rapl"), None);
        assert_eq!(parse_zone_id("intel-rapl:x"), None);
        assert_eq!(parse_zone_id("intel-rapl:0:0:0"), None);
    }

    fn zone(dir: &Path, id: &str, name: &str, energy: u64) {
        let zone = dir.join(id);
        std::fs::create_dir_all(&zone).expect("create zone");
        std::fs::write(zone.join("name"), format!("{name}\n")).expect("write name");
        std::fs::write(zone.join("energy_uj"), format!("{energy}\n")).expect("write energy");
        std::fs::write(zone.join("max_energy_range_uj"), "262143328850\n").expect("write range");
    }

    /// Tests run as root here, where `chmod 000` denies nothing, so the denial is injected
    /// through the opener seam: exactly the error the kernel gives a non-root user.
    #[test]
    fn permission_denied_through_the_opener_seam() {
        let dir = tempfile::tempdir().expect("temp dir");
        zone(dir.path(), "intel-rapl:0", "package-0", 1000);
        let denied = |path: &Path| {
            if path.ends_with("energy_uj") {
                Err(io::Error::from(io::ErrorKind::PermissionDenied))
            } else {
                File::open(path)
            }
        };
        let err = RaplSensor::open_with(dir.path(), &denied).expect_err("denied");
        match &err {
            SensorError::PermissionDenied { path, fix } => {
                assert!(path.ends_with("intel-rapl:0/energy_uj"), "{path:?}");
                assert!(fix.contains("sudo chmod o+r"), "{fix}");
                assert!(fix.contains("root"), "{fix}");
            }
            other => panic!("expected PermissionDenied, got {other:?}"),
        }
        assert!(err.to_string().contains("permission denied"), "{err}");
    }
}
