//! A recorded trace played back against the sampler's clock, for tests and demos.
//!
//! # Format
//!
//! CSV text. Blank lines and lines starting with `#` are ignored; the first other line is the
//! header, naming columns in any order:
//!
//! | column             | required | meaning                                                 |
//! |--------------------|----------|---------------------------------------------------------|
//! | `t_s`              | yes      | seconds since the start of the trace, ≥ 0               |
//! | `key`              | yes      | component key, e.g. `gpu:0`, `cpu:package-0`            |
//! | `kind`             | yes      | `cpu`, `gpu` or `ram`                                   |
//! | `watts`            | one of   | power at `t_s`                                          |
//! | `microjoules`      | the two  | raw cumulative counter at `t_s`                         |
//! | `wrap_microjoules` | no       | where the counter wraps to 0 (`max_energy_range_uj`)    |
//! | `label`            | no       | name for people; defaults to the key                    |
//!
//! Each row fills exactly one of `watts` and `microjoules`, and all rows of a key fill the same
//! one: a key is a power component (method `integrated_power`) or a counter (`counter`). A
//! key's times must not decrease; two rows at the same time make a step, the later one
//! applying from that instant. Components appear in the order of their first row.
//!
//! ```text
//! # a GPU ramping from 100 to 300 W over a minute, and a RAPL package that wraps
//! t_s,key,kind,watts,microjoules,wrap_microjoules
//! 0,gpu:0,gpu,100,,
//! 60,gpu:0,gpu,300,,
//! 0,cpu:package-0,cpu,,262143000000,262143328850
//! 1,cpu:package-0,cpu,,150000000,262143328850
//! ```
//!
//! # Playback
//!
//! The first `read` is the trace's time 0; later reads are at `now` − that instant. Power is
//! linear between rows (a piecewise-linear trace sampled anywhere integrates exactly, since the
//! sampler's trapezoids are exact on straight lines); a counter holds its last recorded value,
//! as a real counter is only known when read. Before its first row a component reads its first
//! value; after its last row, its last value.

use crate::{ComponentInfo, ComponentKind, Method, Reading, ReadingValue, Sensor, SensorError};
use std::path::Path;
use std::time::Instant;

#[derive(Debug, Clone)]
enum Track {
    Power(Vec<(f64, f64)>),
    Counter {
        points: Vec<(f64, u64)>,
        wrap_at: Option<u64>,
    },
}

/// A recorded trace played back; see the module documentation for the format.
#[derive(Debug, Clone)]
pub struct ReplaySensor {
    components: Vec<ComponentInfo>,
    tracks: Vec<Track>,
    start: Option<Instant>,
}

struct Columns {
    t_s: usize,
    key: usize,
    kind: usize,
    watts: Option<usize>,
    microjoules: Option<usize>,
    wrap: Option<usize>,
    label: Option<usize>,
}

fn error(line: usize, message: impl Into<String>) -> SensorError {
    SensorError::Replay {
        line,
        message: message.into(),
    }
}

fn parse_header(line: usize, header: &str) -> Result<Columns, SensorError> {
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    let find = |name: &str| names.iter().position(|n| *n == name);
    let need = |name: &str| find(name).ok_or_else(|| error(line, format!("no `{name}` column")));
    let columns = Columns {
        t_s: need("t_s")?,
        key: need("key")?,
        kind: need("kind")?,
        watts: find("watts"),
        microjoules: find("microjoules"),
        wrap: find("wrap_microjoules"),
        label: find("label"),
    };
    if columns.watts.is_none() && columns.microjoules.is_none() {
        return Err(error(line, "needs a `watts` or a `microjoules` column"));
    }
    Ok(columns)
}

fn parse_kind(line: usize, text: &str) -> Result<ComponentKind, SensorError> {
    match text {
        "cpu" => Ok(ComponentKind::Cpu),
        "gpu" => Ok(ComponentKind::Gpu),
        "ram" => Ok(ComponentKind::Ram),
        other => Err(error(
            line,
            format!("kind `{other}` is not cpu, gpu or ram"),
        )),
    }
}

/// The largest trace [`ReplaySensor::from_path`] reads: far above a real one, and a bound on
/// what a wrong path (`/dev/zero`, a disk image) can make it read.
pub const MAX_TRACE_BYTES: u64 = 64 * 1024 * 1024;

impl ReplaySensor {
    /// A trace file (see [`ReplaySensor::from_csv`]), read up to [`MAX_TRACE_BYTES`].
    pub fn from_path(path: &Path) -> Result<Self, SensorError> {
        use std::io::Read;
        let io_error = |e| SensorError::Io {
            path: path.to_path_buf(),
            source: e,
        };
        let mut text = String::new();
        std::fs::File::open(path)
            .map_err(io_error)?
            .take(MAX_TRACE_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(io_error)?;
        if text.len() as u64 > MAX_TRACE_BYTES {
            return Err(SensorError::Parse {
                path: path.to_path_buf(),
                message: format!(
                    "larger than {} MiB; is it a trace (t_s,key,kind,watts)?",
                    MAX_TRACE_BYTES / 1024 / 1024
                ),
            });
        }
        Self::from_csv(&text)
    }

    pub fn from_csv(text: &str) -> Result<Self, SensorError> {
        let mut columns: Option<Columns> = None;
        let mut components: Vec<ComponentInfo> = Vec::new();
        let mut tracks: Vec<Track> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let Some(cols) = &columns else {
                columns = Some(parse_header(line, trimmed)?);
                continue;
            };
            let cells: Vec<&str> = trimmed.split(',').map(str::trim).collect();
            let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).copied().unwrap_or("");
            let t_s: f64 = cell(Some(cols.t_s))
                .parse()
                .ok()
                .filter(|t: &f64| t.is_finite() && *t >= 0.0)
                .ok_or_else(|| error(line, "t_s must be a number of seconds ≥ 0"))?;
            let key = cell(Some(cols.key));
            if key.is_empty() {
                return Err(error(line, "empty key"));
            }
            let kind = parse_kind(line, cell(Some(cols.kind)))?;
            let (watts, microjoules) = (cell(cols.watts), cell(cols.microjoules));
            let wrap = match cell(cols.wrap) {
                "" => None,
                text => Some(
                    text.parse::<u64>()
                        .map_err(|_| error(line, "wrap_microjoules must be an unsigned integer"))?,
                ),
            };
            let position = match components.iter().position(|c| c.key == key) {
                Some(position) => {
                    if components[position].kind != kind {
                        return Err(error(line, format!("`{key}` changes kind")));
                    }
                    position
                }
                None => {
                    let method = if watts.is_empty() {
                        Method::Counter
                    } else {
                        Method::IntegratedPower
                    };
                    let label = cell(cols.label);
                    components.push(ComponentInfo {
                        key: key.to_string(),
                        kind,
                        label: if label.is_empty() { key } else { label }.to_string(),
                        method,
                    });
                    tracks.push(match method {
                        Method::Counter => Track::Counter {
                            points: Vec::new(),
                            wrap_at: None,
                        },
                        _ => Track::Power(Vec::new()),
                    });
                    components.len() - 1
                }
            };
            let last_t = match &tracks[position] {
                Track::Power(points) => points.last().map(|p| p.0),
                Track::Counter { points, .. } => points.last().map(|p| p.0),
            };
            if last_t.is_some_and(|last| t_s < last) {
                return Err(error(line, format!("time goes backwards for `{key}`")));
            }
            match (
                &mut tracks[position],
                watts.is_empty(),
                microjoules.is_empty(),
            ) {
                (Track::Power(points), false, true) => {
                    let w: f64 = watts
                        .parse()
                        .ok()
                        .filter(|w: &f64| w.is_finite() && *w >= 0.0)
                        .ok_or_else(|| error(line, "watts must be a number ≥ 0"))?;
                    points.push((t_s, w));
                }
                (Track::Counter { points, wrap_at }, true, false) => {
                    let uj: u64 = microjoules
                        .parse()
                        .map_err(|_| error(line, "microjoules must be an unsigned integer"))?;
                    points.push((t_s, uj));
                    *wrap_at = wrap_at.or(wrap);
                }
                (_, false, false) | (_, true, true) => {
                    return Err(error(line, "fill exactly one of watts and microjoules"));
                }
                _ => {
                    return Err(error(
                        line,
                        format!("`{key}` mixes watts and microjoules rows"),
                    ));
                }
            }
        }
        if columns.is_none() {
            return Err(error(0, "empty trace: no header"));
        }
        if components.is_empty() {
            return Err(error(0, "no rows after the header"));
        }
        Ok(ReplaySensor {
            components,
            tracks,
            start: None,
        })
    }

    /// Time of the last row of the trace, in seconds.
    pub fn duration_s(&self) -> f64 {
        self.tracks
            .iter()
            .filter_map(|track| match track {
                Track::Power(points) => points.last().map(|p| p.0),
                Track::Counter { points, .. } => points.last().map(|p| p.0),
            })
            .fold(0.0, f64::max)
    }
}

/// Index of the last point at or before `t` (the latest of equal times), if any.
fn last_at_or_before<T>(points: &[(f64, T)], t: f64) -> Option<usize> {
    points.partition_point(|p| p.0 <= t).checked_sub(1)
}

fn power_at(points: &[(f64, f64)], t: f64) -> Option<f64> {
    let first = points.first()?;
    let Some(i) = last_at_or_before(points, t) else {
        return Some(first.1);
    };
    let (t0, p0) = points[i];
    match points.get(i + 1) {
        // t0 ≤ t < t1, so t1 > t0.
        Some(&(t1, p1)) => Some(p0 + (p1 - p0) * (t - t0) / (t1 - t0)),
        None => Some(p0),
    }
}

impl Sensor for ReplaySensor {
    fn name(&self) -> &str {
        "replay"
    }

    fn components(&self) -> &[ComponentInfo] {
        &self.components
    }

    fn read(&mut self, now: Instant, out: &mut Vec<Reading>) -> Result<(), SensorError> {
        let start = *self.start.get_or_insert(now);
        let t = now.saturating_duration_since(start).as_secs_f64();
        for (component, track) in self.tracks.iter().enumerate() {
            let value = match track {
                Track::Power(points) => {
                    power_at(points, t).map(|watts| ReadingValue::Power { watts })
                }
                Track::Counter { points, wrap_at } => {
                    let i = last_at_or_before(points, t).unwrap_or(0);
                    points
                        .get(i)
                        .map(|&(_, microjoules)| ReadingValue::Counter {
                            microjoules,
                            wrap_at_microjoules: *wrap_at,
                        })
                }
            };
            if let Some(value) = value {
                out.push(Reading { component, value });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_file_is_refused_at_the_bound() {
        let error = ReplaySensor::from_path(Path::new("/dev/zero")).expect_err("endless");
        assert!(error.to_string().contains("larger than 64 MiB"), "{error}");
    }

    #[test]
    fn interpolates_power_and_holds_counters() {
        let points = [(0.0, 100.0), (10.0, 200.0), (10.0, 50.0)];
        assert_eq!(power_at(&points, 0.0), Some(100.0));
        assert_eq!(power_at(&points, 5.0), Some(150.0));
        assert_eq!(
            power_at(&points, 10.0),
            Some(50.0),
            "the later row of a step applies"
        );
        assert_eq!(power_at(&points, 99.0), Some(50.0));
        assert_eq!(last_at_or_before(&[(1.0, 5u64), (2.0, 6)], 0.5), None);
        assert_eq!(last_at_or_before(&[(1.0, 5u64), (2.0, 6)], 1.5), Some(0));
    }

    #[test]
    fn rejects_malformed_traces() {
        let cases = [
            ("", "no header"),
            ("t_s,key,kind\n", "`watts` or a `microjoules`"),
            ("t_s,key,kind,watts\n0,gpu:0,tpu,1\n", "kind `tpu`"),
            (
                "t_s,key,kind,watts\n5,gpu:0,gpu,1\n4,gpu:0,gpu,1\n",
                "backwards",
            ),
            ("t_s,key,kind,watts\n-1,gpu:0,gpu,1\n", "t_s"),
            (
                "t_s,key,kind,watts,microjoules\n0,gpu:0,gpu,1,2\n",
                "exactly one",
            ),
            (
                "t_s,key,kind,watts,microjoules\n0,g,gpu,1,\n1,g,gpu,,5\n",
                "mixes",
            ),
            ("t_s,key,kind,watts\n", "no rows"),
        ];
        for (text, expected) in cases {
            let err = ReplaySensor::from_csv(text).expect_err(text);
            assert!(err.to_string().contains(expected), "{text:?}: {err}");
        }
    }
}
