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
                for job in jobs.by_ref().take(batch.max(1)) {
                    let j = match job {
                        Ok(j) => j,
                        Err(e) => {
                            // The jobs before the error are kept: an import can be resumed.
                            drop(insert);
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
