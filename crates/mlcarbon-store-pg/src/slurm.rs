//! Slurm jobs on PostgreSQL: `mlcarbon slurm import --db postgresql://...` writes them as the
//! SQLite store does (`slurm_jobs`, `slurm_job_figures`, `slurm_job_totals` kept together, one
//! transaction per batch), and reports read the group totals back.
//!
//! Each batch is five statements whatever its size: one `SELECT ... FOR UPDATE` of the figures
//! the batch replaces (their old groups lose them), then `INSERT ... SELECT FROM unnest(arrays)
//! ... ON CONFLICT DO UPDATE` for the jobs, their figures and the changed group totals, then one
//! `DELETE` of the groups left empty.

use std::collections::HashMap;

use mlcarbon_store::StoreError;
use mlcarbon_store::slurm::{
    SUM_COLUMNS, SlurmFiguresRow, SlurmImport, SlurmJobNumbers, SlurmJobWriter, SlurmSums,
    SlurmTotalsRow, StoredSlurmFigures, StoredSlurmJob, TotalsChanges, figures_row,
};
use postgres::Row;
use postgres::types::ToSql;

use crate::{PgError, PgStore, unsigned};

/// The columns of `slurm_job_figures` as [`figures_from_row`] reads them.
pub(crate) const FIGURE_COLUMNS: &str = "cluster, job_id, description, day, \"user\", account, \
    partition, state, end_time, gpus, unfinished, failed, method, gpu_utilisation_recorded, \
    elapsed_hours, cpu_kwh, gpu_kwh, ram_kwh, measured_node_kwh, energy_kwh, energy_low_kwh, \
    energy_high_kwh, emissions_kg, emissions_low_kg, emissions_high_kg, embodied_kg";

/// The array types of [`FIGURE_COLUMNS`], in order, for `unnest`.
const FIGURE_TYPES: [&str; 26] = [
    "text", "text", "text", "text", "text", "text", "text", "text", "text", "int8", "int8", "int8",
    "int8", "int8", "float8", "float8", "float8", "float8", "float8", "float8", "float8", "float8",
    "float8", "float8", "float8", "float8",
];

/// The columns of `slurm_jobs`, in the order [`write_batch`] fills them.
const JOB_COLUMNS: &str = "cluster, job_id, \"user\", account, partition, state, submit, start, \
    end_time, node_list, elapsed_s, total_cpu_s, cpu_time_s, cpus, nodes, \
    requested_memory_bytes, max_rss_bytes, gpus, gpu_type, gpu_util_percent, energy_joules, \
    steps, largest_elapsed_s, largest_total_cpu_s, largest_cpu_time_s, \
    largest_requested_memory_gb, largest_cpus, largest_nodes, largest_gpus, any_unfinished, \
    any_running, all_completed";

/// The array types of [`JOB_COLUMNS`], in order.
const JOB_TYPES: [&str; 32] = [
    "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "float8",
    "float8", "float8", "int8", "int8", "float8", "float8", "int8", "text", "float8", "float8",
    "int8", "float8", "float8", "float8", "float8", "int8", "int8", "int8", "bool", "bool", "bool",
];

/// The key columns of `slurm_job_totals`.
const TOTALS_KEY: &str = "cluster, description, \"user\", account, partition, month, state";

/// `INSERT INTO table (columns) SELECT * FROM unnest($1::t[], ...)`, replacing the row of the
/// same cluster and job id.
fn upsert_from_arrays(table: &str, columns: &str, types: &[&str]) -> String {
    let arrays = types
        .iter()
        .enumerate()
        .map(|(i, t)| format!("${}::{t}[]", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let updates = columns
        .split(',')
        .map(str::trim)
        .filter(|c| *c != "cluster" && *c != "job_id")
        .map(|c| format!("{c} = excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) \
         ON CONFLICT (cluster, job_id) DO UPDATE SET {updates}"
    )
}

/// One row of `SELECT {FIGURE_COLUMNS}`, borrowed from it.
pub(crate) fn figures_from_row(row: &Row) -> Result<SlurmFiguresRow<'_>, PgError> {
    let flag = |i: usize| -> Result<bool, PgError> { Ok(row.try_get::<_, i64>(i)? != 0) };
    let small = |i: usize, field: &'static str| -> Result<i64, PgError> {
        let value: i64 = row.try_get(i)?;
        if value < 0 {
            return Err(StoreError::Corrupt {
                run: 0,
                field,
                reason: format!("{value} is negative"),
            }
            .into());
        }
        Ok(value)
    };
    Ok(SlurmFiguresRow {
        job_id: row.try_get(1)?,
        description: row.try_get(2)?,
        day: row.try_get(3)?,
        user: row.try_get(4)?,
        account: row.try_get(5)?,
        partition: row.try_get(6)?,
        state: row.try_get(7)?,
        end: row.try_get(8)?,
        gpus: unsigned(0, "slurm gpus", small(9, "slurm gpus")?)?,
        numbers: SlurmJobNumbers {
            unfinished: flag(10)?,
            failed: flag(11)?,
            method: unsigned(0, "slurm method", small(12, "slurm method")?)?,
            gpu_utilisation_recorded: flag(13)?,
            elapsed_hours: row.try_get(14)?,
            cpu_kwh: row.try_get(15)?,
            gpu_kwh: row.try_get(16)?,
            ram_kwh: row.try_get(17)?,
            measured_node_kwh: row.try_get(18)?,
            energy_kwh: row.try_get(19)?,
            energy_low_kwh: row.try_get(20)?,
            energy_high_kwh: row.try_get(21)?,
            emissions_kg: row.try_get(22)?,
            emissions_low_kg: row.try_get(23)?,
            emissions_high_kg: row.try_get(24)?,
            embodied_kg: row.try_get(25)?,
        },
    })
}

impl SlurmJobWriter for PgStore {
    fn import_slurm_jobs<E>(
        &self,
        jobs: impl IntoIterator<Item = Result<StoredSlurmJob, E>>,
        batch: usize,
    ) -> Result<Result<SlurmImport, E>, StoreError> {
        Ok(self.import_slurm_jobs_pg(jobs, batch)?)
    }
}

impl PgStore {
    fn import_slurm_jobs_pg<E>(
        &self,
        jobs: impl IntoIterator<Item = Result<StoredSlurmJob, E>>,
        batch: usize,
    ) -> Result<Result<SlurmImport, E>, PgError> {
        let batch = batch.max(1);
        let mut jobs = jobs.into_iter();
        let mut counts = SlurmImport::default();
        let mut client = self.client()?;
        loop {
            let mut pending = Vec::with_capacity(batch.min(65_536));
            let mut failure = None;
            for job in jobs.by_ref().take(batch) {
                match job {
                    Ok(job) => pending.push(job),
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            if !pending.is_empty() {
                // The jobs before an error are kept, as SQLite keeps them: an import can be
                // resumed.
                let mut tx = client.transaction()?;
                write_batch(&mut tx, pending, &mut counts)?;
                tx.commit()?;
            } else if failure.is_none() {
                return Ok(Ok(counts));
            }
            if let Some(e) = failure {
                return Ok(Err(e));
            }
        }
    }

    /// Calls `each` with the totals of every group of `slurm_job_totals` of `cluster` (every
    /// cluster when `None`); returns the number of jobs stored in them (unfinished included).
    /// As [`mlcarbon_store::Store::each_slurm_totals`] reads them from SQLite.
    pub fn each_slurm_totals<E>(
        &self,
        cluster: Option<&str>,
        mut each: impl FnMut(&SlurmTotalsRow<'_>) -> Result<(), E>,
    ) -> Result<Result<u64, E>, StoreError> {
        let rows = self
            .client()?
            .query(
                &format!(
                    "SELECT {TOTALS_KEY}, rows_stored, unfinished_jobs, {} FROM slurm_job_totals \
                     WHERE $1::text IS NULL OR cluster = $1",
                    SUM_COLUMNS.join(", ")
                ),
                &[&cluster],
            )
            .map_err(PgError::from)?;
        let mut jobs = 0u64;
        for row in &rows {
            let mut sums = [0i64; 20];
            for (i, sum) in sums.iter_mut().enumerate() {
                *sum = row.try_get(9 + i).map_err(PgError::from)?;
            }
            let count = |i: usize, field: &'static str| -> Result<u64, StoreError> {
                unsigned(0, field, row.try_get(i).map_err(PgError::from)?)
            };
            let text = |i: usize| -> Result<&str, StoreError> {
                Ok(row.try_get(i).map_err(PgError::from)?)
            };
            let totals = SlurmTotalsRow {
                cluster: text(0)?,
                description: text(1)?,
                user: text(2)?,
                account: text(3)?,
                partition: text(4)?,
                month: text(5)?,
                state: text(6)?,
                jobs_stored: count(7, "slurm rows_stored")?,
                unfinished_jobs: count(8, "slurm unfinished_jobs")?,
                sums: SlurmSums::from_fields(sums),
            };
            jobs += totals.jobs_stored;
            if let Err(e) = each(&totals) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(jobs))
    }
}

/// Stores one batch of jobs in `tx`, with their figures and the totals of the groups they
/// leave and join.
fn write_batch(
    tx: &mut postgres::Transaction<'_>,
    batch: Vec<StoredSlurmJob>,
    counts: &mut SlurmImport,
) -> Result<(), PgError> {
    counts.jobs += batch.len() as u64;
    // A job printed twice in one batch: its last record is stored, as SQLite's row by row
    // replacement leaves it (one statement may not update a row twice).
    let mut position: HashMap<(String, String), usize> = HashMap::with_capacity(batch.len());
    let mut jobs: Vec<StoredSlurmJob> = Vec::with_capacity(batch.len());
    for job in batch {
        match position.get(&(job.cluster.clone(), job.job_id.clone())) {
            Some(&i) => {
                counts.replaced += 1;
                jobs[i] = job;
            }
            None => {
                position.insert((job.cluster.clone(), job.job_id.clone()), jobs.len());
                jobs.push(job);
            }
        }
    }
    drop(position);
    let clusters: Vec<&str> = jobs.iter().map(|j| j.cluster.as_str()).collect();
    let ids: Vec<&str> = jobs.iter().map(|j| j.job_id.as_str()).collect();

    let mut changes = TotalsChanges::default();
    // Locked: a concurrent import replacing the same jobs waits, so no job leaves its group
    // twice.
    let before = tx.query(
        &format!(
            "SELECT {FIGURE_COLUMNS} FROM slurm_job_figures \
             WHERE (cluster, job_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) \
             FOR UPDATE"
        ),
        &[&clusters, &ids],
    )?;
    for row in &before {
        let cluster: &str = row.try_get(0)?;
        counts.replaced += 1;
        changes.add(cluster, &figures_from_row(row)?, -1);
    }
    drop(before);

    insert_jobs(tx, &jobs, &clusters, &ids)?;

    let no_figures = StoredSlurmFigures::default();
    let figures: Vec<SlurmFiguresRow<'_>> = jobs
        .iter()
        .map(|j| figures_row(j, j.figures.as_ref().unwrap_or(&no_figures)))
        .collect();
    for (job, row) in jobs.iter().zip(&figures) {
        changes.add(&job.cluster, row, 1);
    }
    insert_figures(tx, &figures, &clusters)?;
    write_totals(tx, &mut changes)
}

fn insert_jobs(
    tx: &mut postgres::Transaction<'_>,
    jobs: &[StoredSlurmJob],
    clusters: &[&str],
    ids: &[&str],
) -> Result<(), PgError> {
    fn column<'j, T>(jobs: &'j [StoredSlurmJob], f: impl Fn(&'j StoredSlurmJob) -> T) -> Vec<T> {
        jobs.iter().map(f).collect()
    }
    let user = column(jobs, |j| j.user.as_str());
    let account = column(jobs, |j| j.account.as_str());
    let partition = column(jobs, |j| j.partition.as_str());
    let state = column(jobs, |j| j.state.as_deref());
    let submit = column(jobs, |j| j.submit.as_str());
    let start = column(jobs, |j| j.start.as_str());
    let end = column(jobs, |j| j.end.as_str());
    let node_list = column(jobs, |j| j.node_list.as_str());
    let elapsed_s = column(jobs, |j| j.elapsed_s);
    let total_cpu_s = column(jobs, |j| j.total_cpu_s);
    let cpu_time_s = column(jobs, |j| j.cpu_time_s);
    let cpus = column(jobs, |j| i64::from(j.cpus));
    let nodes = column(jobs, |j| i64::from(j.nodes));
    let requested_memory = column(jobs, |j| j.requested_memory_bytes);
    let max_rss = column(jobs, |j| j.max_rss_bytes);
    let gpus = column(jobs, |j| i64::from(j.gpus));
    let gpu_type = column(jobs, |j| j.gpu_type.as_deref());
    let gpu_util = column(jobs, |j| j.gpu_util_percent);
    let energy = column(jobs, |j| j.energy_joules);
    let steps = column(jobs, |j| i64::from(j.steps));
    let largest_elapsed = column(jobs, |j| j.largest_elapsed_s);
    let largest_total_cpu = column(jobs, |j| j.largest_total_cpu_s);
    let largest_cpu_time = column(jobs, |j| j.largest_cpu_time_s);
    let largest_memory = column(jobs, |j| j.largest_requested_memory_gb);
    let largest_cpus = column(jobs, |j| i64::from(j.largest_cpus));
    let largest_nodes = column(jobs, |j| i64::from(j.largest_nodes));
    let largest_gpus = column(jobs, |j| i64::from(j.largest_gpus));
    let any_unfinished = column(jobs, |j| j.any_unfinished);
    let any_running = column(jobs, |j| j.any_running);
    let all_completed = column(jobs, |j| j.all_completed);
    let params: [&(dyn ToSql + Sync); 32] = [
        &clusters,
        &ids,
        &user,
        &account,
        &partition,
        &state,
        &submit,
        &start,
        &end,
        &node_list,
        &elapsed_s,
        &total_cpu_s,
        &cpu_time_s,
        &cpus,
        &nodes,
        &requested_memory,
        &max_rss,
        &gpus,
        &gpu_type,
        &gpu_util,
        &energy,
        &steps,
        &largest_elapsed,
        &largest_total_cpu,
        &largest_cpu_time,
        &largest_memory,
        &largest_cpus,
        &largest_nodes,
        &largest_gpus,
        &any_unfinished,
        &any_running,
        &all_completed,
    ];
    tx.execute(
        &upsert_from_arrays("slurm_jobs", JOB_COLUMNS, &JOB_TYPES),
        &params,
    )?;
    Ok(())
}

fn insert_figures(
    tx: &mut postgres::Transaction<'_>,
    figures: &[SlurmFiguresRow<'_>],
    clusters: &[&str],
) -> Result<(), PgError> {
    fn column<'f, T>(
        figures: &'f [SlurmFiguresRow<'f>],
        f: impl Fn(&'f SlurmFiguresRow<'f>) -> T,
    ) -> Vec<T> {
        figures.iter().map(f).collect()
    }
    let job_id = column(figures, |f| f.job_id);
    let description = column(figures, |f| f.description);
    let day = column(figures, |f| f.day);
    let user = column(figures, |f| f.user);
    let account = column(figures, |f| f.account);
    let partition = column(figures, |f| f.partition);
    let state = column(figures, |f| f.state);
    let end = column(figures, |f| f.end);
    let gpus = column(figures, |f| i64::from(f.gpus));
    let unfinished = column(figures, |f| i64::from(f.numbers.unfinished));
    let failed = column(figures, |f| i64::from(f.numbers.failed));
    let method = column(figures, |f| i64::from(f.numbers.method));
    let recorded = column(figures, |f| i64::from(f.numbers.gpu_utilisation_recorded));
    let elapsed_hours = column(figures, |f| f.numbers.elapsed_hours);
    let cpu_kwh = column(figures, |f| f.numbers.cpu_kwh);
    let gpu_kwh = column(figures, |f| f.numbers.gpu_kwh);
    let ram_kwh = column(figures, |f| f.numbers.ram_kwh);
    let measured_node_kwh = column(figures, |f| f.numbers.measured_node_kwh);
    let energy_kwh = column(figures, |f| f.numbers.energy_kwh);
    let energy_low_kwh = column(figures, |f| f.numbers.energy_low_kwh);
    let energy_high_kwh = column(figures, |f| f.numbers.energy_high_kwh);
    let emissions_kg = column(figures, |f| f.numbers.emissions_kg);
    let emissions_low_kg = column(figures, |f| f.numbers.emissions_low_kg);
    let emissions_high_kg = column(figures, |f| f.numbers.emissions_high_kg);
    let embodied_kg = column(figures, |f| f.numbers.embodied_kg);
    let params: [&(dyn ToSql + Sync); 26] = [
        &clusters,
        &job_id,
        &description,
        &day,
        &user,
        &account,
        &partition,
        &state,
        &end,
        &gpus,
        &unfinished,
        &failed,
        &method,
        &recorded,
        &elapsed_hours,
        &cpu_kwh,
        &gpu_kwh,
        &ram_kwh,
        &measured_node_kwh,
        &energy_kwh,
        &energy_low_kwh,
        &energy_high_kwh,
        &emissions_kg,
        &emissions_low_kg,
        &emissions_high_kg,
        &embodied_kg,
    ];
    tx.execute(
        &upsert_from_arrays("slurm_job_figures", FIGURE_COLUMNS, &FIGURE_TYPES),
        &params,
    )?;
    Ok(())
}

/// Adds the changes to their groups, all in one statement (a year of jobs has tens of
/// thousands of groups, a batch touches thousands); a group left without jobs is removed.
fn write_totals(
    tx: &mut postgres::Transaction<'_>,
    changes: &mut TotalsChanges,
) -> Result<(), PgError> {
    let mut keys: [Vec<String>; 7] = Default::default();
    let mut rows_stored = Vec::new();
    let mut unfinished_jobs = Vec::new();
    let mut sums: [Vec<i64>; 20] = Default::default();
    for (key, rows, unfinished, group_sums) in changes.drain() {
        for (column, part) in keys.iter_mut().zip(key) {
            column.push(part);
        }
        rows_stored.push(rows);
        unfinished_jobs.push(unfinished);
        for (column, value) in sums.iter_mut().zip(group_sums.fields()) {
            column.push(value);
        }
    }
    if rows_stored.is_empty() {
        return Ok(());
    }
    let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(7 + 2 + SUM_COLUMNS.len());
    params.extend(keys.iter().map(|k| k as &(dyn ToSql + Sync)));
    params.push(&rows_stored);
    params.push(&unfinished_jobs);
    params.extend(sums.iter().map(|s| s as &(dyn ToSql + Sync)));
    let arrays = (1..=params.len())
        .map(|i| format!("${i}::{}[]", if i <= 7 { "text" } else { "int8" }))
        .collect::<Vec<_>>()
        .join(", ");
    let updates = SUM_COLUMNS
        .iter()
        .map(|c| format!("{c} = slurm_job_totals.{c} + excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    tx.execute(
        &format!(
            "INSERT INTO slurm_job_totals ({TOTALS_KEY}, rows_stored, unfinished_jobs, {}) \
             SELECT * FROM unnest({arrays}) ON CONFLICT ({TOTALS_KEY}) DO UPDATE SET \
             rows_stored = slurm_job_totals.rows_stored + excluded.rows_stored, \
             unfinished_jobs = slurm_job_totals.unfinished_jobs + excluded.unfinished_jobs, \
             {updates}",
            SUM_COLUMNS.join(", ")
        ),
        &params,
    )?;
    // Also where the count is unchanged: a group that gained and lost a job in one batch.
    tx.execute(
        &format!(
            "DELETE FROM slurm_job_totals WHERE rows_stored = 0 AND ({TOTALS_KEY}) IN \
             (SELECT {TOTALS_KEY} FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], \
             $5::text[], $6::text[], $7::text[], $8::int8[]) AS changed ({TOTALS_KEY}, rows_stored) \
             WHERE changed.rows_stored <= 0)"
        ),
        &[
            &keys[0],
            &keys[1],
            &keys[2],
            &keys[3],
            &keys[4],
            &keys[5],
            &keys[6],
            &rows_stored,
        ],
    )?;
    Ok(())
}
