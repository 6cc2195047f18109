//! Samples between commits, kept until the store takes them. A store that fails (a full disk,
//! a locked database) loses nothing: the samples stay, in order, and go with the next commit.
//! Memory stays bounded: past [`MAX_PENDING_SAMPLES`] the two oldest kept samples become one
//! (their energies added, the later one's running totals kept), so the run's totals still equal
//! the sum of its parts; only the time resolution of that stretch is lost, and that is said.

use mlcarbon_store::{SampleRow, StoreError};

/// Kept samples at most: about 5 hours at one sample a second, a few MB.
pub const MAX_PENDING_SAMPLES: usize = 20_000;

#[derive(Debug, Default)]
pub struct PendingSamples {
    samples: Vec<SampleRow>,
    /// The store's error while it fails; `None` while it takes samples.
    failing: Option<String>,
    /// Samples folded into their neighbour while the store failed.
    merged: u64,
    limit: Option<usize>,
    /// The last kept sample was taken at a boundary a user marked: the next one is folded
    /// into it, so marking adds readings but no rows.
    last_is_boundary: bool,
}

impl PendingSamples {
    /// Kept samples at most (tests use a small figure).
    pub fn with_limit(limit: usize) -> Self {
        PendingSamples {
            limit: Some(limit.max(2)),
            ..PendingSamples::default()
        }
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    pub fn push(&mut self, sample: SampleRow) {
        if std::mem::take(&mut self.last_is_boundary)
            && let Some(boundary) = self.samples.last_mut()
        {
            merge_into(boundary, sample);
            return;
        }
        self.push_row(sample);
    }

    /// A sample taken at a boundary (a window's start or end): kept, and the next sample
    /// (boundary or not) is folded into it, so a run stores no more rows for its windows and
    /// its totals stay the sum of its parts.
    pub fn push_boundary(&mut self, sample: SampleRow) {
        self.push(sample);
        self.last_is_boundary = true;
    }

    fn push_row(&mut self, sample: SampleRow) {
        if self.samples.len() >= self.limit.unwrap_or(MAX_PENDING_SAMPLES) {
            let later = self.samples.remove(1);
            merge_into(&mut self.samples[0], later);
            self.merged += 1;
        }
        self.samples.push(sample);
    }

    /// Hands the kept samples to `store`; on success they are gone, on failure they stay. The
    /// first failure, and the recovery after failures, each return a warning for the user.
    pub fn commit(
        &mut self,
        store: impl FnOnce(&[SampleRow]) -> Result<(), StoreError>,
    ) -> Option<String> {
        if self.samples.is_empty() {
            return None;
        }
        match store(&self.samples) {
            Ok(()) => {
                let kept = self.samples.len();
                self.samples.clear();
                self.last_is_boundary = false;
                self.failing.take().map(|_| {
                    let merged = std::mem::take(&mut self.merged);
                    if merged > 0 {
                        format!(
                            "samples are stored again ({kept} kept ones written); {merged} of them were merged into their neighbours to bound memory: energy and emissions are whole, their time resolution is not"
                        )
                    } else {
                        format!("samples are stored again ({kept} kept ones written, none lost)")
                    }
                })
            }
            Err(e) => {
                let first = self.failing.is_none();
                self.failing = Some(e.to_string());
                first.then(|| {
                    format!(
                        "could not store samples ({e}); they are kept in memory and written when the database takes them again; the run goes on"
                    )
                })
            }
        }
    }

    /// What is said at the end when samples could never be written.
    pub fn unsaved_message(&self) -> Option<String> {
        let (first, last) = (self.samples.first()?, self.samples.last()?);
        Some(format!(
            "{} ({:.0} s to {:.0} s of the run) could not be stored ({}): the stored run ends at its last stored sample",
            match self.samples.len() {
                1 => "1 sample".to_string(),
                n => format!("{n} samples"),
            },
            first.t_s,
            last.t_s,
            self.failing.as_deref().unwrap_or("unknown error")
        ))
    }
}

/// `later` folded into `earlier`: per-interval figures added, running totals the later ones.
fn merge_into(earlier: &mut SampleRow, later: SampleRow) {
    for reading in later.components {
        match earlier.components.iter_mut().find(|c| c.key == reading.key) {
            Some(kept) => {
                kept.energy_j += reading.energy_j;
                kept.power_w = reading.power_w;
            }
            None => earlier.components.push(reading),
        }
    }
    earlier.seq = later.seq;
    earlier.t_s = later.t_s;
    earlier.timestamp = later.timestamp;
    earlier.intensity_g_per_kwh = later.intensity_g_per_kwh;
    earlier.total_power_w = later.total_power_w;
    earlier.energy_kwh = later.energy_kwh;
    earlier.emissions_kg = later.emissions_kg;
    earlier.cpu_utilization = later.cpu_utilization.or(earlier.cpu_utilization);
    earlier.gpu_utilization = later.gpu_utilization.or(earlier.gpu_utilization);
    earlier.ram_used_gb = later.ram_used_gb.or(earlier.ram_used_gb);
}
