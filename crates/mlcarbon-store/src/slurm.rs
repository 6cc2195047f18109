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

fn insert_figures(
    statement: &mut rusqlite::CachedStatement<'_>,
    job: &StoredSlurmJob,
    figures: Option<&StoredSlurmFigures>,
) -> rusqlite::Result<()> {
    let empty = StoredSlurmFigures::default();
    let f = figures.unwrap_or(&empty);
    let n = &f.numbers;
    statement.execute(params![
        job.cluster,
        job.job_id,
        f.description,
        f.day,
        job.user,
        job.account,
        job.partition,
        job.state.as_deref().unwrap_or(""),
        job.end,
        job.gpus,
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

/// Counts of one import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlurmImport {
    pub jobs: u64,
    /// Jobs already stored (same cluster and id), replaced by the newer record.
    pub replaced: u64,
}

impl Store {
    /// Stores jobs in transactions of `batch` jobs; a job already stored for the cluster is
    /// replaced (a later sacct window has its final state).
    pub fn import_slurm_jobs<E>(
        &self,
        jobs: impl IntoIterator<Item = Result<StoredSlurmJob, E>>,
        batch: usize,
    ) -> Result<Result<SlurmImport, E>, StoreError> {
        let mut counts = SlurmImport::default();
        let mut jobs = jobs.into_iter().peekable();
        let placeholders = vec!["?"; 32].join(", ");
        while jobs.peek().is_some() {
            let tx = rusqlite::Transaction::new_unchecked(
                &self.conn,
                rusqlite::TransactionBehavior::Immediate,
            )?;
            {
                let mut exists =
                    tx.prepare_cached("SELECT 1 FROM slurm_jobs WHERE cluster = ? AND job_id = ?")?;
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
                            drop(exists);
                            tx.commit()?;
                            return Ok(Err(e));
                        }
                    };
                    if exists.exists(params![j.cluster, j.job_id])? {
                        counts.replaced += 1;
                    }
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
                    insert_figures(&mut insert_figures_row, &j, j.figures.as_ref())?;
                    counts.jobs += 1;
                }
            }
            tx.commit()?;
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
            let text = |i: usize| -> Result<&str, rusqlite::Error> {
                row.get_ref(i)?.as_str().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        i,
                        rusqlite::types::Type::Text,
                        e.into(),
                    )
                })
            };
            let figures = SlurmFiguresRow {
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
            };
            jobs += 1;
            if let Err(e) = each(&figures) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(jobs))
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
        {
            let mut insert = tx.prepare_cached(&insert_figures_sql())?;
            let mut select = tx.prepare(&format!(
                "SELECT {COLUMNS} FROM slurm_jobs WHERE ?1 IS NULL OR cluster = ?1"
            ))?;
            let mut rows = select.query(params![cluster])?;
            while let Some(row) = rows.next()? {
                let job = read_job(row)?;
                match figures(&job) {
                    Ok(f) => insert_figures(&mut insert, &job, Some(&f))?,
                    // Dropping the transaction rolls it back.
                    Err(e) => return Ok(Err(e)),
                }
                jobs += 1;
            }
        }
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
