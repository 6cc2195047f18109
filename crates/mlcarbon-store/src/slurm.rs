//! Slurm jobs imported from sacct output (`mlcarbon slurm import`), one row per job keyed by
//! cluster and job id, so that importing overlapping windows twice stores each job once.
//! Plain data: the Slurm crate reads sacct, the CLI converts, this module stores.

use rusqlite::{Row, params};

use crate::{Store, StoreError};

/// One job as stored: what a report needs, for mlcarbon's method and for GA4HPC's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredSlurmJob {
    pub cluster: String,
    pub job_id: String,
    pub user: String,
    pub account: String,
    pub partition: String,
    /// The state's name (`COMPLETED`, `CANCELLED`, ...), `None` when only steps were printed.
    pub state: Option<String>,
    pub submit: String,
    pub start: String,
    pub end: String,
    pub node_list: String,
    pub elapsed_s: f64,
    pub total_cpu_s: f64,
    pub cpu_time_s: f64,
    pub cpus: u32,
    pub nodes: u32,
    pub requested_memory_bytes: Option<f64>,
    pub max_rss_bytes: Option<f64>,
    pub gpus: u32,
    pub gpu_type: Option<String>,
    pub gpu_util_percent: Option<f64>,
    pub energy_joules: Option<f64>,
    pub steps: u32,
    /// The largest value of each over the job's rows (GA4HPC's aggregation).
    pub largest_elapsed_s: f64,
    pub largest_total_cpu_s: f64,
    pub largest_cpu_time_s: f64,
    pub largest_requested_memory_gb: f64,
    pub largest_cpus: u32,
    pub largest_nodes: u32,
    pub largest_gpus: u32,
    pub any_unfinished: bool,
    pub any_running: bool,
    pub all_completed: bool,
    /// The job's figures, when computed at import; `None` stores it as out of date (the
    /// report computes it, `slurm recompute` stores it).
    pub figures: Option<StoredSlurmFigures>,
}

/// A job's figures as stored, with the fingerprint of the cluster description they were
/// computed with and the day the job counts on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredSlurmFigures {
    pub description: String,
    /// `YYYY-MM-DD`, empty when sacct printed no date.
    pub day: String,
    pub numbers: SlurmJobNumbers,
}

/// What a report adds up for one job.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SlurmJobNumbers {
    /// Pending or running when imported: left out of reports.
    pub unfinished: bool,
    pub failed: bool,
    /// 0 modelled, 1 measured, 2 mixed.
    pub method: u8,
    pub gpu_utilisation_recorded: bool,
    pub elapsed_hours: f64,
    pub cpu_kwh: f64,
    pub gpu_kwh: f64,
    pub ram_kwh: f64,
    pub measured_node_kwh: f64,
    pub energy_kwh: f64,
    pub energy_low_kwh: f64,
    pub energy_high_kwh: f64,
    pub emissions_kg: f64,
    pub emissions_low_kg: f64,
    pub emissions_high_kg: f64,
    pub embodied_kg: f64,
}

/// Sums over jobs as kept per group in `slurm_job_totals`: counts, and quantities as integers
/// of 1e-9 units (nano-hours, nano-kWh, nano-kg), because integer sums do not depend on their
/// order: totals added group by group equal totals added job by job, to the bit. Each job's
/// value is rounded to 1e-9 of its unit first ([`nano`]), 1.8 mJ or 1 µg at most.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlurmSums {
    pub jobs: i64,
    pub failed_jobs: i64,
    pub measured_jobs: i64,
    pub modelled_jobs: i64,
    pub mixed_jobs: i64,
    pub recorded_utilisation_jobs: i64,
    pub elapsed_nano_hours: i64,
    pub cpu_nano_kwh: i64,
    pub gpu_nano_kwh: i64,
    pub ram_nano_kwh: i64,
    pub measured_node_nano_kwh: i64,
    pub energy_nano_kwh: i64,
    pub energy_low_nano_kwh: i64,
    pub energy_high_nano_kwh: i64,
    pub emissions_nano_kg: i64,
    pub emissions_low_nano_kg: i64,
    pub emissions_high_nano_kg: i64,
    pub failed_energy_nano_kwh: i64,
    pub failed_emissions_nano_kg: i64,
    pub embodied_nano_kg: i64,
}

/// The columns of [`SlurmSums`] in `slurm_job_totals`, in [`SlurmSums::fields`] order.
pub const SUM_COLUMNS: [&str; 20] = [
    "jobs",
    "failed_jobs",
    "measured_jobs",
    "modelled_jobs",
    "mixed_jobs",
    "recorded_utilisation_jobs",
    "elapsed_nano_hours",
    "cpu_nano_kwh",
    "gpu_nano_kwh",
    "ram_nano_kwh",
    "measured_node_nano_kwh",
    "energy_nano_kwh",
    "energy_low_nano_kwh",
    "energy_high_nano_kwh",
    "emissions_nano_kg",
    "emissions_low_nano_kg",
    "emissions_high_nano_kg",
    "failed_energy_nano_kwh",
    "failed_emissions_nano_kg",
    "embodied_nano_kg",
];

/// A value in integer units of 1e-9, rounded half away from zero with the very operations
/// the schema step that filled `slurm_job_totals` uses in SQL (`CAST(v * 1e9 ± 0.5 AS
/// INTEGER)`), so both agree to the bit. Saturates beyond ±9.2e9 units.
pub fn nano(value: f64) -> i64 {
    (value * 1e9 + if value < 0.0 { -0.5 } else { 0.5 }) as i64
}

/// An integer of 1e-9 units as a value.
pub fn from_nano(units: i64) -> f64 {
    units as f64 / 1e9
}

impl SlurmSums {
    /// One finished job's contribution; nothing for an unfinished one (left out of totals).
    pub fn of_job(n: &SlurmJobNumbers) -> SlurmSums {
        if n.unfinished {
            return SlurmSums::default();
        }
        let failed = i64::from(n.failed);
        SlurmSums {
            jobs: 1,
            failed_jobs: failed,
            measured_jobs: i64::from(n.method == 1),
            modelled_jobs: i64::from(n.method == 0),
            mixed_jobs: i64::from(n.method == 2),
            recorded_utilisation_jobs: i64::from(n.gpu_utilisation_recorded),
            elapsed_nano_hours: nano(n.elapsed_hours),
            cpu_nano_kwh: nano(n.cpu_kwh),
            gpu_nano_kwh: nano(n.gpu_kwh),
            ram_nano_kwh: nano(n.ram_kwh),
            measured_node_nano_kwh: nano(n.measured_node_kwh),
            energy_nano_kwh: nano(n.energy_kwh),
            energy_low_nano_kwh: nano(n.energy_low_kwh),
            energy_high_nano_kwh: nano(n.energy_high_kwh),
            emissions_nano_kg: nano(n.emissions_kg),
            emissions_low_nano_kg: nano(n.emissions_low_kg),
            emissions_high_nano_kg: nano(n.emissions_high_kg),
            failed_energy_nano_kwh: failed * nano(n.energy_kwh),
            failed_emissions_nano_kg: failed * nano(n.emissions_kg),
            embodied_nano_kg: nano(n.embodied_kg),
        }
    }

    /// The fields in [`SUM_COLUMNS`] order.
    pub fn fields(&self) -> [i64; 20] {
        [
            self.jobs,
            self.failed_jobs,
            self.measured_jobs,
            self.modelled_jobs,
            self.mixed_jobs,
            self.recorded_utilisation_jobs,
            self.elapsed_nano_hours,
            self.cpu_nano_kwh,
            self.gpu_nano_kwh,
            self.ram_nano_kwh,
            self.measured_node_nano_kwh,
            self.energy_nano_kwh,
            self.energy_low_nano_kwh,
            self.energy_high_nano_kwh,
            self.emissions_nano_kg,
            self.emissions_low_nano_kg,
            self.emissions_high_nano_kg,
            self.failed_energy_nano_kwh,
            self.failed_emissions_nano_kg,
            self.embodied_nano_kg,
        ]
    }

    /// Sums from their fields in [`SUM_COLUMNS`] order.
    pub fn from_fields(f: [i64; 20]) -> SlurmSums {
        SlurmSums {
            jobs: f[0],
            failed_jobs: f[1],
            measured_jobs: f[2],
            modelled_jobs: f[3],
            mixed_jobs: f[4],
            recorded_utilisation_jobs: f[5],
            elapsed_nano_hours: f[6],
            cpu_nano_kwh: f[7],
            gpu_nano_kwh: f[8],
            ram_nano_kwh: f[9],
            measured_node_nano_kwh: f[10],
            energy_nano_kwh: f[11],
            energy_low_nano_kwh: f[12],
            energy_high_nano_kwh: f[13],
            emissions_nano_kg: f[14],
            emissions_low_nano_kg: f[15],
            emissions_high_nano_kg: f[16],
            failed_energy_nano_kwh: f[17],
            failed_emissions_nano_kg: f[18],
            embodied_nano_kg: f[19],
        }
    }

    /// Adds `other` times `sign` (1 to add a job, -1 to take a replaced one away).
    pub fn add_times(&mut self, other: &SlurmSums, sign: i64) {
        let mut mine = self.fields();
        for (m, o) in mine.iter_mut().zip(other.fields()) {
            *m = m.saturating_add(o.saturating_mul(sign));
        }
        *self = SlurmSums::from_fields(mine);
    }
}

/// One group's totals as kept in `slurm_job_totals`, borrowed from the row being read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlurmTotalsRow<'a> {
    pub cluster: &'a str,
    /// The fingerprint of the cluster description the figures were computed with.
    pub description: &'a str,
    pub user: &'a str,
    pub account: &'a str,
    /// As stored with the jobs (a comma list for jobs that never started).
    pub partition: &'a str,
    /// `YYYY-MM` of the jobs' day, empty when sacct printed no date.
    pub month: &'a str,
    pub state: &'a str,
    /// Jobs stored in the group, unfinished ones included.
    pub jobs_stored: u64,
    pub unfinished_jobs: u64,
    /// Over the finished jobs.
    pub sums: SlurmSums,
}

/// A group of `slurm_job_totals`: cluster, description, user, account, partition, month, state.
pub type TotalsKey = [String; 7];

/// Changes to `slurm_job_totals` gathered over a transaction's jobs and written once per group
/// (by the SQLite store here, and by any other store that keeps the same table).
#[derive(Debug, Default)]
pub struct TotalsChanges {
    groups: std::collections::HashMap<TotalsKey, (i64, i64, SlurmSums)>,
    /// The key of the job being added, reused so that a known group costs no allocation.
    scratch: TotalsKey,
}

/// The first seven characters of a day: its month, as `substr(day, 1, 7)` gives it.
fn month_of(day: &str) -> &str {
    day.char_indices().nth(7).map_or(day, |(i, _)| &day[..i])
}

impl TotalsChanges {
    /// Adds (`sign` 1) or takes away (`sign` -1) one stored job's figures.
    pub fn add(&mut self, cluster: &str, row: &SlurmFiguresRow<'_>, sign: i64) {
        let parts = [
            cluster,
            row.description,
            row.user,
            row.account,
            row.partition,
            month_of(row.day),
            row.state,
        ];
        for (slot, part) in self.scratch.iter_mut().zip(parts) {
            slot.clear();
            slot.push_str(part);
        }
        let entry = match self.groups.get_mut(&self.scratch) {
            Some(entry) => entry,
            None => self
                .groups
                .entry(self.scratch.clone())
                .or_insert((0, 0, SlurmSums::default())),
        };
        entry.0 += sign;
        entry.1 += sign * i64::from(row.numbers.unfinished);
        entry.2.add_times(&SlurmSums::of_job(&row.numbers), sign);
    }

    /// Takes the changes gathered: per group, the change of its rows stored, of its unfinished
    /// jobs, and of its sums.
    pub fn drain(&mut self) -> impl Iterator<Item = (TotalsKey, i64, i64, SlurmSums)> + '_ {
        self.groups
            .drain()
            .map(|(key, (rows, unfinished, sums))| (key, rows, unfinished, sums))
    }

    /// Writes the changes; a group left without jobs is removed.
    fn write(&mut self, conn: &rusqlite::Connection) -> rusqlite::Result<()> {
        let keys = "cluster, description, user, account, partition, month, state";
        let mut upsert = conn.prepare_cached(&format!(
            "INSERT INTO slurm_job_totals ({keys}, rows_stored, unfinished_jobs, {}) VALUES ({}) \
             ON CONFLICT ({keys}) DO UPDATE SET rows_stored = rows_stored + excluded.rows_stored, \
             unfinished_jobs = unfinished_jobs + excluded.unfinished_jobs, {}",
            SUM_COLUMNS.join(", "),
            vec!["?"; 7 + 2 + SUM_COLUMNS.len()].join(", "),
            SUM_COLUMNS
                .iter()
                .map(|c| format!("{c} = {c} + excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))?;
        let mut remove_empty = conn.prepare_cached(&format!(
            "DELETE FROM slurm_job_totals WHERE ({keys}) = (?, ?, ?, ?, ?, ?, ?) AND rows_stored = 0"
        ))?;
        for (key, rows, unfinished, sums) in self.drain() {
            let mut values: Vec<rusqlite::types::Value> = key
                .iter()
                .map(|k| rusqlite::types::Value::Text(k.clone()))
                .collect();
            values.push(rows.into());
            values.push(unfinished.into());
            values.extend(sums.fields().map(rusqlite::types::Value::from));
            upsert.execute(rusqlite::params_from_iter(values))?;
            // Also when the count is unchanged: a group that gained and lost a job in one
            // transaction (a job printed twice) would otherwise be inserted empty.
            if rows <= 0 {
                remove_empty.execute(rusqlite::params_from_iter(key.iter()))?;
            }
        }
        Ok(())
    }
}

/// One stored job's figures with what a report groups and lists it by, borrowed from the row
/// being read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlurmFiguresRow<'a> {
    /// The fingerprint of the cluster description they were computed with; empty for a job
    /// imported without one.
    pub description: &'a str,
    pub job_id: &'a str,
    pub user: &'a str,
    pub account: &'a str,
    pub partition: &'a str,
    pub state: &'a str,
    pub end: &'a str,
    pub day: &'a str,
    pub gpus: u32,
    pub numbers: SlurmJobNumbers,
}

const FIGURE_COLUMNS: &str = "cluster, job_id, description, day, user, account, partition, \
    state, end_time, gpus, unfinished, failed, method, gpu_utilisation_recorded, elapsed_hours, \
    cpu_kwh, gpu_kwh, ram_kwh, measured_node_kwh, energy_kwh, energy_low_kwh, energy_high_kwh, \
    emissions_kg, emissions_low_kg, emissions_high_kg, embodied_kg";

/// A job's figures row as `slurm_job_figures` stores it (no figures: out of date, zeros).
pub fn figures_row<'a>(job: &'a StoredSlurmJob, f: &'a StoredSlurmFigures) -> SlurmFiguresRow<'a> {
    SlurmFiguresRow {
        description: &f.description,
        job_id: &job.job_id,
        user: &job.user,
        account: &job.account,
        partition: &job.partition,
        state: job.state.as_deref().unwrap_or(""),
        end: &job.end,
        day: &f.day,
        gpus: job.gpus,
        numbers: f.numbers,
    }
}

fn insert_figures(
    statement: &mut rusqlite::CachedStatement<'_>,
    cluster: &str,
    f: &SlurmFiguresRow<'_>,
) -> rusqlite::Result<()> {
    let n = &f.numbers;
    statement.execute(params![
        cluster,
        f.job_id,
        f.description,
        f.day,
        f.user,
        f.account,
        f.partition,
        f.state,
        f.end,
        f.gpus,
        n.unfinished,
        n.failed,
        n.method,
        n.gpu_utilisation_recorded,
        n.elapsed_hours,
        n.cpu_kwh,
        n.gpu_kwh,
        n.ram_kwh,
        n.measured_node_kwh,
        n.energy_kwh,
        n.energy_low_kwh,
        n.energy_high_kwh,
        n.emissions_kg,
        n.emissions_low_kg,
        n.emissions_high_kg,
        n.embodied_kg,
    ])?;
    Ok(())
}

/// One row of `SELECT {FIGURE_COLUMNS}`, borrowed from it.
fn read_figures<'r>(row: &'r Row<'_>) -> rusqlite::Result<SlurmFiguresRow<'r>> {
    let text = |i: usize| -> Result<&'r str, rusqlite::Error> {
        row.get_ref(i)?.as_str().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
        })
    };
    Ok(SlurmFiguresRow {
        description: text(2)?,
        job_id: text(1)?,
        day: text(3)?,
        user: text(4)?,
        account: text(5)?,
        partition: text(6)?,
        state: text(7)?,
        end: text(8)?,
        gpus: row.get(9)?,
        numbers: SlurmJobNumbers {
            unfinished: row.get(10)?,
            failed: row.get(11)?,
            method: row.get(12)?,
            gpu_utilisation_recorded: row.get(13)?,
            elapsed_hours: row.get(14)?,
            cpu_kwh: row.get(15)?,
            gpu_kwh: row.get(16)?,
            ram_kwh: row.get(17)?,
            measured_node_kwh: row.get(18)?,
            energy_kwh: row.get(19)?,
            energy_low_kwh: row.get(20)?,
            energy_high_kwh: row.get(21)?,
            emissions_kg: row.get(22)?,
            emissions_low_kg: row.get(23)?,
            emissions_high_kg: row.get(24)?,
            embodied_kg: row.get(25)?,
        },
    })
}

fn insert_figures_sql() -> String {
    format!(
        "INSERT OR REPLACE INTO slurm_job_figures ({FIGURE_COLUMNS}) VALUES ({})",
        vec!["?"; 26].join(", ")
    )
}

const COLUMNS: &str = "cluster, job_id, user, account, partition, state, submit, start, end_time, \
    node_list, elapsed_s, total_cpu_s, cpu_time_s, cpus, nodes, requested_memory_bytes, \
    max_rss_bytes, gpus, gpu_type, gpu_util_percent, energy_joules, steps, largest_elapsed_s, \
    largest_total_cpu_s, largest_cpu_time_s, largest_requested_memory_gb, largest_cpus, \
    largest_nodes, largest_gpus, any_unfinished, any_running, all_completed";

/// Jobs an import stores before it takes the index by emissions away until its end.
const BULK_IMPORT_JOBS: u64 = 100_000;

/// The index the top jobs are read from (as the schema step builds it).
const EMISSIONS_INDEX: &str = "CREATE INDEX IF NOT EXISTS slurm_job_figures_by_emissions \
    ON slurm_job_figures (emissions_kg DESC, job_id)";

/// SQLite's page cache during an import, in KiB (as `PRAGMA cache_size` takes it: negative).
const IMPORT_CACHE_KIB: i64 = -65_536;

/// Counts of one import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlurmImport {
    pub jobs: u64,
    /// Jobs already stored (same cluster and id), replaced by the newer record.
    pub replaced: u64,
}

/// A store Slurm jobs are imported into (the SQLite store, a team server's PostgreSQL), so
/// that an import reads, models and computes figures once whatever it writes to.
pub trait SlurmJobWriter {
    /// Stores jobs in transactions of `batch` jobs, each keeping `slurm_job_figures` and
    /// `slurm_job_totals` with it; a job already stored for its cluster is replaced and leaves
    /// its old group. On an error from `jobs`, the jobs before it are kept (an import can be
    /// resumed) and the error returned inside.
    fn import_slurm_jobs<E>(
        &self,
        jobs: impl IntoIterator<Item = Result<StoredSlurmJob, E>>,
        batch: usize,
    ) -> Result<Result<SlurmImport, E>, StoreError>;
}

impl SlurmJobWriter for Store {
    fn import_slurm_jobs<E>(
        &self,
        jobs: impl IntoIterator<Item = Result<StoredSlurmJob, E>>,
        batch: usize,
    ) -> Result<Result<SlurmImport, E>, StoreError> {
        Store::import_slurm_jobs(self, jobs, batch)
    }
}

impl Store {
    /// Stores jobs in transactions of `batch` jobs; a job already stored for the cluster is
    /// replaced (a later sacct window has its final state).
    pub fn import_slurm_jobs<E>(
        &self,
        jobs: impl IntoIterator<Item = Result<StoredSlurmJob, E>>,
        batch: usize,
    ) -> Result<Result<SlurmImport, E>, StoreError> {
        self.import_slurm_jobs_in_bulk_after(jobs, batch, BULK_IMPORT_JOBS)
    }

    /// [`Store::import_slurm_jobs`], taking the index by emissions away once `bulk` jobs are
    /// stored and building it again at the end.
    fn import_slurm_jobs_in_bulk_after<E>(
        &self,
        jobs: impl IntoIterator<Item = Result<StoredSlurmJob, E>>,
        batch: usize,
        bulk: u64,
    ) -> Result<Result<SlurmImport, E>, StoreError> {
        let mut jobs = jobs.into_iter().peekable();
        let no_figures = StoredSlurmFigures::default();
        let mut changes = TotalsChanges::default();
        // A larger page cache than SQLite's default 2 MB: the job tables and the index by
        // emissions are written at many places at once.
        let cache_pages: i64 = self
            .conn
            .pragma_query_value(None, "cache_size", |row| row.get(0))?;
        self.conn
            .pragma_update(None, "cache_size", IMPORT_CACHE_KIB)?;
        let imported = self.import_slurm_batches(&mut jobs, batch, bulk, &no_figures, &mut changes);
        // Built again whatever happened (also after an import that was killed before).
        let indexed = self.conn.execute_batch(EMISSIONS_INDEX);
        self.conn.pragma_update(None, "cache_size", cache_pages)?;
        let imported = imported?;
        indexed?;
        Ok(imported)
    }

    fn import_slurm_batches<E>(
        &self,
        jobs: &mut std::iter::Peekable<impl Iterator<Item = Result<StoredSlurmJob, E>>>,
        batch: usize,
        bulk: u64,
        no_figures: &StoredSlurmFigures,
        changes: &mut TotalsChanges,
    ) -> Result<Result<SlurmImport, E>, StoreError> {
        let mut counts = SlurmImport::default();
        let placeholders = vec!["?"; 32].join(", ");
        while jobs.peek().is_some() {
            let tx = rusqlite::Transaction::new_unchecked(
                &self.conn,
                rusqlite::TransactionBehavior::Immediate,
            )?;
            {
                let mut stored = tx.prepare_cached(&format!(
                    "SELECT {FIGURE_COLUMNS} FROM slurm_job_figures WHERE cluster = ? AND job_id = ?"
                ))?;
                let mut insert = tx.prepare_cached(&format!(
                    "INSERT OR REPLACE INTO slurm_jobs ({COLUMNS}) VALUES ({placeholders})"
                ))?;
                let mut insert_figures_row = tx.prepare_cached(&insert_figures_sql())?;
                for job in jobs.by_ref().take(batch.max(1)) {
                    let j = match job {
                        Ok(j) => j,
                        Err(e) => {
                            // The jobs before the error are kept: an import can be resumed.
                            drop(insert);
                            drop(insert_figures_row);
                            drop(stored);
                            changes.write(&tx)?;
                            tx.commit()?;
                            return Ok(Err(e));
                        }
                    };
                    // A job stored before leaves its group's totals.
                    let mut before = stored.query(params![j.cluster, j.job_id])?;
                    if let Some(row) = before.next()? {
                        counts.replaced += 1;
                        changes.add(&j.cluster, &read_figures(row)?, -1);
                    }
                    drop(before);
                    insert.execute(params![
                        j.cluster,
                        j.job_id,
                        j.user,
                        j.account,
                        j.partition,
                        j.state,
                        j.submit,
                        j.start,
                        j.end,
                        j.node_list,
                        j.elapsed_s,
                        j.total_cpu_s,
                        j.cpu_time_s,
                        j.cpus,
                        j.nodes,
                        j.requested_memory_bytes,
                        j.max_rss_bytes,
                        j.gpus,
                        j.gpu_type,
                        j.gpu_util_percent,
                        j.energy_joules,
                        j.steps,
                        j.largest_elapsed_s,
                        j.largest_total_cpu_s,
                        j.largest_cpu_time_s,
                        j.largest_requested_memory_gb,
                        j.largest_cpus,
                        j.largest_nodes,
                        j.largest_gpus,
                        j.any_unfinished,
                        j.any_running,
                        j.all_completed,
                    ])?;
                    let figures = figures_row(&j, j.figures.as_ref().unwrap_or(no_figures));
                    insert_figures(&mut insert_figures_row, &j.cluster, &figures)?;
                    changes.add(&j.cluster, &figures, 1);
                    counts.jobs += 1;
                }
            }
            changes.write(&tx)?;
            tx.commit()?;
            if counts.jobs >= bulk {
                // Each job goes to a random place of the index by emissions: past a few
                // thousand pages, every transaction rewrites most of them. Built again at the
                // end in one sorted pass, it costs a fraction of that.
                self.conn
                    .execute_batch("DROP INDEX IF EXISTS slurm_job_figures_by_emissions")?;
            }
        }
        Ok(Ok(counts))
    }

    /// Calls `each` with every stored job of `cluster` (every cluster when `None`), in cluster
    /// and job id order, one row at a time.
    pub fn each_slurm_job<E>(
        &self,
        cluster: Option<&str>,
        mut each: impl FnMut(StoredSlurmJob) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM slurm_jobs WHERE ?1 IS NULL OR cluster = ?1 ORDER BY cluster, job_id"
        ))?;
        let mut rows = statement.query(params![cluster])?;
        while let Some(row) = rows.next()? {
            if let Err(e) = each(read_job(row)?) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(()))
    }

    /// Calls `each` with every stored job's figures of `cluster` (every cluster when `None`),
    /// one row at a time; returns the number of jobs read.
    pub fn each_slurm_figures<E>(
        &self,
        cluster: Option<&str>,
        mut each: impl FnMut(&SlurmFiguresRow<'_>) -> Result<(), E>,
    ) -> Result<Result<u64, E>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {FIGURE_COLUMNS} FROM slurm_job_figures WHERE ?1 IS NULL OR cluster = ?1"
        ))?;
        let mut rows = statement.query(params![cluster])?;
        let mut jobs = 0;
        while let Some(row) = rows.next()? {
            let figures = read_figures(row)?;
            jobs += 1;
            if let Err(e) = each(&figures) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(jobs))
    }

    /// Calls `each` with the totals of every group of `slurm_job_totals` of `cluster` (every
    /// cluster when `None`); returns the number of jobs stored in them (unfinished included).
    pub fn each_slurm_totals<E>(
        &self,
        cluster: Option<&str>,
        mut each: impl FnMut(&SlurmTotalsRow<'_>) -> Result<(), E>,
    ) -> Result<Result<u64, E>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT cluster, description, user, account, partition, month, state, rows_stored, \
             unfinished_jobs, {} FROM slurm_job_totals WHERE ?1 IS NULL OR cluster = ?1",
            SUM_COLUMNS.join(", ")
        ))?;
        let mut rows = statement.query(params![cluster])?;
        let mut jobs = 0u64;
        while let Some(row) = rows.next()? {
            let text = |i: usize| -> Result<&str, rusqlite::Error> {
                row.get_ref(i)?.as_str().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        i,
                        rusqlite::types::Type::Text,
                        e.into(),
                    )
                })
            };
            let mut sums = [0i64; 20];
            for (i, sum) in sums.iter_mut().enumerate() {
                *sum = row.get(9 + i)?;
            }
            let totals = SlurmTotalsRow {
                cluster: text(0)?,
                description: text(1)?,
                user: text(2)?,
                account: text(3)?,
                partition: text(4)?,
                month: text(5)?,
                state: text(6)?,
                jobs_stored: row.get(7)?,
                unfinished_jobs: row.get(8)?,
                sums: SlurmSums::from_fields(sums),
            };
            jobs += totals.jobs_stored;
            if let Err(e) = each(&totals) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(jobs))
    }

    /// Calls `each` with the `limit` finished jobs of `cluster` (every cluster when `None`)
    /// that emitted most, whose day is within `since..=until` (`YYYY-MM-DD`, either open),
    /// largest first, ties by job id; read from the index by emissions.
    pub fn each_top_slurm_figures<E>(
        &self,
        cluster: Option<&str>,
        since: Option<&str>,
        until: Option<&str>,
        limit: usize,
        mut each: impl FnMut(&SlurmFiguresRow<'_>) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {FIGURE_COLUMNS} FROM slurm_job_figures \
             WHERE (?1 IS NULL OR cluster = ?1) AND unfinished = 0 \
             AND (?2 IS NULL OR day >= ?2) AND (?3 IS NULL OR day <= ?3) \
             ORDER BY emissions_kg DESC, job_id, cluster LIMIT ?4"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = statement.query(params![cluster, since, until, limit])?;
        while let Some(row) = rows.next()? {
            if let Err(e) = each(&read_figures(row)?) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(()))
    }

    /// Calls `each` with the stored figures of the jobs `job_ids` of `cluster` (of every cluster
    /// when `None`) that are stored; one lookup by key per cluster and id, so a report can
    /// correct a few jobs of the totals kept per group without reading every job.
    pub fn each_slurm_figures_of<E>(
        &self,
        cluster: Option<&str>,
        job_ids: &[&str],
        mut each: impl FnMut(&SlurmFiguresRow<'_>) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        let clusters: Vec<String> = match cluster {
            Some(c) => vec![c.to_string()],
            None => {
                let mut statement = self
                    .conn
                    .prepare("SELECT DISTINCT cluster FROM slurm_job_figures")?;
                let names = statement.query_map([], |row| row.get(0))?;
                names.collect::<Result<_, _>>()?
            }
        };
        let mut statement = self.conn.prepare(&format!(
            "SELECT {FIGURE_COLUMNS} FROM slurm_job_figures WHERE cluster = ?1 AND job_id = ?2"
        ))?;
        for cluster in &clusters {
            for id in job_ids {
                let mut rows = statement.query(params![cluster, id])?;
                if let Some(row) = rows.next()?
                    && let Err(e) = each(&read_figures(row)?)
                {
                    return Ok(Err(e));
                }
            }
        }
        Ok(Ok(()))
    }

    /// Computes the figures of every stored job of `cluster` (every cluster when `None`) again
    /// with `figures` and stores them, in one transaction: all or nothing. Returns the number
    /// of jobs.
    pub fn recompute_slurm_figures<E>(
        &self,
        cluster: Option<&str>,
        mut figures: impl FnMut(&StoredSlurmJob) -> Result<StoredSlurmFigures, E>,
    ) -> Result<Result<u64, E>, StoreError> {
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?;
        let mut jobs = 0;
        let mut changes = TotalsChanges::default();
        {
            // The groups are built again from every job recomputed; the index by emissions
            // too, in one sorted pass rather than a random write per job (a rollback brings
            // the old one back).
            tx.execute(
                "DELETE FROM slurm_job_totals WHERE ?1 IS NULL OR cluster = ?1",
                params![cluster],
            )?;
            tx.execute_batch("DROP INDEX IF EXISTS slurm_job_figures_by_emissions")?;
            let mut insert = tx.prepare_cached(&insert_figures_sql())?;
            let mut select = tx.prepare(&format!(
                "SELECT {COLUMNS} FROM slurm_jobs WHERE ?1 IS NULL OR cluster = ?1"
            ))?;
            let mut rows = select.query(params![cluster])?;
            while let Some(row) = rows.next()? {
                let job = read_job(row)?;
                match figures(&job) {
                    Ok(f) => {
                        let row = figures_row(&job, &f);
                        insert_figures(&mut insert, &job.cluster, &row)?;
                        changes.add(&job.cluster, &row, 1);
                    }
                    // Dropping the transaction rolls it back.
                    Err(e) => return Ok(Err(e)),
                }
                jobs += 1;
            }
        }
        changes.write(&tx)?;
        tx.execute_batch(EMISSIONS_INDEX)?;
        tx.commit()?;
        Ok(Ok(jobs))
    }

    /// Whether the database has the Slurm tables (a database of an older mlcarbon opened
    /// read-only may not).
    pub fn has_slurm_tables(&self) -> Result<bool, StoreError> {
        let count: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' \
             AND name IN ('slurm_jobs', 'slurm_job_figures')",
            [],
            |row| row.get(0),
        )?;
        Ok(count == 2)
    }

    /// The clusters stored, each with its number of jobs.
    pub fn slurm_clusters(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT cluster, COUNT(*) FROM slurm_jobs GROUP BY cluster ORDER BY cluster",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn read_job(row: &Row<'_>) -> Result<StoredSlurmJob, rusqlite::Error> {
    Ok(StoredSlurmJob {
        cluster: row.get(0)?,
        job_id: row.get(1)?,
        user: row.get(2)?,
        account: row.get(3)?,
        partition: row.get(4)?,
        state: row.get(5)?,
        submit: row.get(6)?,
        start: row.get(7)?,
        end: row.get(8)?,
        node_list: row.get(9)?,
        elapsed_s: row.get(10)?,
        total_cpu_s: row.get(11)?,
        cpu_time_s: row.get(12)?,
        cpus: row.get(13)?,
        nodes: row.get(14)?,
        requested_memory_bytes: row.get(15)?,
        max_rss_bytes: row.get(16)?,
        gpus: row.get(17)?,
        gpu_type: row.get(18)?,
        gpu_util_percent: row.get(19)?,
        energy_joules: row.get(20)?,
        steps: row.get(21)?,
        largest_elapsed_s: row.get(22)?,
        largest_total_cpu_s: row.get(23)?,
        largest_cpu_time_s: row.get(24)?,
        largest_requested_memory_gb: row.get(25)?,
        largest_cpus: row.get(26)?,
        largest_nodes: row.get(27)?,
        largest_gpus: row.get(28)?,
        any_unfinished: row.get(29)?,
        any_running: row.get(30)?,
        all_completed: row.get(31)?,
        figures: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, state: &str, elapsed_s: f64) -> Result<StoredSlurmJob, String> {
        Ok(StoredSlurmJob {
            cluster: "c".into(),
            job_id: id.into(),
            state: Some(state.into()),
            elapsed_s,
            gpu_util_percent: Some(50.0),
            all_completed: true,
            ..StoredSlurmJob::default()
        })
    }

    #[test]
    fn jobs_round_trip_and_a_second_import_replaces_instead_of_adding() {
        let store = Store::open_in_memory().expect("store");
        let first = store
            .import_slurm_jobs([job("1", "RUNNING", 10.0), job("2", "COMPLETED", 20.0)], 1)
            .expect("import")
            .expect("jobs");
        assert_eq!(
            first,
            SlurmImport {
                jobs: 2,
                replaced: 0
            }
        );
        let second = store
            .import_slurm_jobs([job("1", "COMPLETED", 30.0)], 100)
            .expect("import")
            .expect("jobs");
        assert_eq!(second.replaced, 1);
        let mut back = Vec::new();
        store
            .each_slurm_job(Some("c"), |j| {
                back.push(j);
                Ok::<_, String>(())
            })
            .expect("read")
            .expect("each");
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].state.as_deref(), Some("COMPLETED"));
        assert_eq!(back[0].elapsed_s, 30.0);
        assert_eq!(back[1], job("2", "COMPLETED", 20.0).expect("job"));
        assert_eq!(
            store.slurm_clusters().expect("clusters"),
            [("c".to_string(), 2)]
        );
    }

    fn figured(id: &str, user: &str, day: &str, state: &str, kwh: f64) -> StoredSlurmJob {
        let unfinished = state == "RUNNING";
        StoredSlurmJob {
            cluster: "c".into(),
            job_id: id.into(),
            user: user.into(),
            account: "acct".into(),
            partition: "gpu".into(),
            state: Some(state.into()),
            figures: Some(StoredSlurmFigures {
                description: "d1".into(),
                day: day.into(),
                numbers: if unfinished {
                    SlurmJobNumbers {
                        unfinished,
                        ..SlurmJobNumbers::default()
                    }
                } else {
                    SlurmJobNumbers {
                        failed: state == "FAILED",
                        method: (kwh * 7.0) as u8 % 3,
                        elapsed_hours: kwh * 3.3,
                        cpu_kwh: kwh / 3.0,
                        gpu_kwh: kwh / 7.0,
                        energy_kwh: kwh,
                        energy_low_kwh: kwh * 0.9,
                        energy_high_kwh: kwh * 1.1,
                        emissions_kg: kwh * 0.123_456_789,
                        embodied_kg: kwh * 0.011,
                        ..SlurmJobNumbers::default()
                    }
                },
            }),
            ..StoredSlurmJob::default()
        }
    }

    /// The rows of `slurm_job_totals`, in key order.
    fn totals_rows(store: &Store) -> Vec<Vec<rusqlite::types::Value>> {
        let mut statement = store
            .conn
            .prepare("SELECT * FROM slurm_job_totals ORDER BY 1, 2, 3, 4, 5, 6, 7")
            .expect("select");
        let columns = statement.column_count();
        statement
            .query_map([], |row| {
                (0..columns).map(|i| row.get(i)).collect::<Result<_, _>>()
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    #[test]
    fn group_totals_kept_at_import_equal_those_the_schema_step_computes_from_the_jobs() {
        let store = Store::open_in_memory().expect("store");
        let mut jobs: Vec<Result<StoredSlurmJob, String>> = (0..50)
            .map(|i| {
                let state = ["COMPLETED", "FAILED", "RUNNING"][i % 3];
                let day = ["2026-01-05", "2026-02-11", ""][i % 7 % 3];
                let kwh = 0.1 + f64::from(i as u32) * 1.234_567_891_234;
                Ok(figured(
                    &i.to_string(),
                    ["u1", "u2"][i % 2],
                    day,
                    state,
                    kwh,
                ))
            })
            .collect();
        store
            .import_slurm_jobs(jobs.clone(), 7)
            .expect("import")
            .expect("jobs");
        // Replacements, a RUNNING job now finished, and one that moves to another month:
        // each leaves its old group.
        jobs.truncate(12);
        jobs[2] = Ok(figured("2", "u1", "2026-03-01", "COMPLETED", 9.0));
        jobs[5] = Ok(figured("5", "u3", "2026-01-05", "FAILED", 0.5));
        // A job printed twice in one transaction: the group it passes through keeps no row.
        jobs.push(Ok(figured("7", "u9", "2026-02-11", "FAILED", 2.0)));
        jobs.push(Ok(figured("7", "u1", "2026-01-05", "COMPLETED", 2.0)));
        store
            .import_slurm_jobs(jobs, 5)
            .expect("again")
            .expect("jobs");
        assert!(totals_rows(&store).len() > 5);
        assert_totals_are_the_schema_steps(&store);
        // A recompute that fails changes nothing (its transaction is rolled back).
        let before = totals_rows(&store);
        let failed = store
            .recompute_slurm_figures(Some("c"), |_| {
                Err::<StoredSlurmFigures, _>("no".to_string())
            })
            .expect("recompute");
        assert_eq!(failed, Err("no".to_string()));
        assert_eq!(before, totals_rows(&store));
        assert!(has_emissions_index(&store));
        // Recomputing builds the groups again, under the new description.
        store
            .recompute_slurm_figures(Some("c"), |job| {
                let again = figured(&job.job_id, &job.user, "2026-04-01", "COMPLETED", 1.0);
                Ok::<_, String>(StoredSlurmFigures {
                    description: "d2".into(),
                    ..again.figures.expect("figures")
                })
            })
            .expect("recompute")
            .expect("figures");
        assert_totals_are_the_schema_steps(&store);
        assert!(has_emissions_index(&store));
        let mut finished = 0;
        let jobs = store
            .each_slurm_totals(Some("c"), |g| {
                assert_eq!((g.description, g.month), ("d2", "2026-04"));
                finished += g.sums.jobs;
                Ok::<_, String>(())
            })
            .expect("read")
            .expect("each");
        assert_eq!((jobs, finished), (50, 50));
    }

    /// `slurm_job_totals` equals what the schema step's SQL computes from the jobs' figures.
    fn assert_totals_are_the_schema_steps(store: &Store) {
        let kept = totals_rows(store);
        let step = crate::schema::MIGRATIONS
            .iter()
            .find(|sql| sql.contains("CREATE TABLE slurm_job_totals"))
            .expect("the step");
        let fill = &step[step.find("INSERT INTO slurm_job_totals").expect("fill")..];
        let fill = &fill[..=fill.find(';').expect("end")];
        store
            .conn
            .execute_batch(&format!("DELETE FROM slurm_job_totals; {fill}"))
            .expect("fill again");
        assert_eq!(kept, totals_rows(store));
    }

    fn has_emissions_index(store: &Store) -> bool {
        store
            .conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'slurm_job_figures_by_emissions'",
                [],
                |row| row.get::<_, i64>(0),
            )
            .expect("schema")
            == 1
    }

    #[test]
    fn a_bulk_import_builds_the_index_by_emissions_again_even_when_it_stops_on_an_error() {
        let store = Store::open_in_memory().expect("store");
        let step = crate::schema::MIGRATIONS
            .iter()
            .find(|sql| sql.contains("CREATE TABLE slurm_job_totals"))
            .expect("the step");
        assert!(
            step.contains(&EMISSIONS_INDEX.replace("IF NOT EXISTS ", "")),
            "the import builds the index the schema step builds"
        );
        let jobs = (0..5).map(|i| Ok(figured(&i.to_string(), "u", "2026-01-01", "COMPLETED", 1.0)));
        let stop = std::iter::once(Err("line 9: bad".to_string()));
        let result = store
            .import_slurm_jobs_in_bulk_after(jobs.chain(stop), 2, 2)
            .expect("import");
        assert_eq!(result, Err("line 9: bad".to_string()));
        assert!(has_emissions_index(&store));
        let mut top = Vec::new();
        store
            .each_top_slurm_figures(Some("c"), None, None, 2, |row| {
                top.push(row.job_id.to_string());
                Ok::<_, String>(())
            })
            .expect("top")
            .expect("rows");
        assert_eq!(top, ["0", "1"]);
    }

    #[test]
    fn an_input_error_keeps_the_jobs_before_it() {
        let store = Store::open_in_memory().expect("store");
        let result = store
            .import_slurm_jobs([job("1", "COMPLETED", 1.0), Err("line 3: bad".into())], 10)
            .expect("import");
        assert_eq!(result, Err("line 3: bad".to_string()));
        assert_eq!(
            store.slurm_clusters().expect("clusters"),
            [("c".to_string(), 1)]
        );
    }
}
