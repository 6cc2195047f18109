//! A batch of new samples written with a handful of statements instead of six per sample.
//!
//! A tracker commits every few seconds from cold caches, where each statement costs tens of
//! microseconds however little it writes: row by row, a commit of five samples with two
//! components ran 34 statements. Here the samples go in with one multi-row INSERT, their readings
//! with another, the run's totals with one UPDATE and each component's energy with one, so a
//! commit runs about eight. The result equals the row-by-row path's; only the order in which
//! floating-point energies are added differs.
//!
//! The batch path applies only when no sample of the batch is stored yet and its `seq`s rise
//! strictly (a tracker's commits); anything else (a retried or overlapping batch, a sample given
//! twice) goes row by row, which skips what is stored already.

use rusqlite::{Connection, Statement};

use super::{Readings, TotalsDelta, is_constraint, resolve_readings, sample_seq};
use crate::{RunId, SampleRow, StoreError};

/// Samples per multi-row INSERT (11 parameters each; SQLite binds up to 32 766).
const SAMPLES_PER_STATEMENT: usize = 64;
/// Readings per multi-row INSERT (6 parameters each).
const READINGS_PER_STATEMENT: usize = 256;

/// Whether `samples` can take the batch path: `seq`s rising strictly, none stored yet.
pub(crate) fn all_new(
    conn: &Connection,
    run: RunId,
    samples: &[SampleRow],
) -> Result<bool, StoreError> {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return Ok(false);
    };
    if samples.windows(2).any(|pair| pair[1].seq <= pair[0].seq) {
        return Ok(false);
    }
    let stored: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM samples WHERE run_id = ?1 AND seq BETWEEN ?2 AND ?3)",
        )?
        .query_row((run, sample_seq(first)?, sample_seq(last)?), |row| {
            row.get(0)
        })?;
    Ok(!stored)
}

/// Stores `samples` (all new, `seq`s rising: see [`all_new`]) into an open transaction: rows,
/// readings, the run's totals and its components' energy.
pub(crate) fn insert_new_samples(
    conn: &Connection,
    run: RunId,
    samples: &[SampleRow],
    declared: &[(i64, String, String)],
) -> Result<(), StoreError> {
    let readings = samples
        .iter()
        .map(|sample| resolve_readings(conn, run, sample, declared))
        .collect::<Result<Vec<_>, _>>()?;
    for chunk in samples.chunks(SAMPLES_PER_STATEMENT) {
        match insert_sample_rows(conn, run, chunk) {
            // No sample is stored and the seqs differ: only the run's foreign key can fail.
            Err(StoreError::Sqlite(e)) if is_constraint(&e) => {
                return Err(StoreError::NotFound(run));
            }
            other => other?,
        }
    }
    insert_reading_rows(conn, run, samples, &readings)?;
    if add_batch_to_totals(conn, run, samples, &readings)? == 0 {
        return Err(StoreError::NotFound(run));
    }
    add_component_energy(conn, &readings)
}

/// `head VALUES (?, ?, …), …` with `rows` groups of `columns` parameters.
fn values_sql(head: &str, columns: usize, rows: usize) -> String {
    let group_len = 2 + 3 * columns;
    let mut sql = String::with_capacity(head.len() + 8 + rows * group_len);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push(',');
            }
            sql.push('?');
        }
        sql.push(')');
    }
    sql
}

/// Binds `values` in turn from parameter 1 on; returns the next parameter's index.
struct Binder<'a, 'conn> {
    statement: &'a mut Statement<'conn>,
    next: usize,
}

impl Binder<'_, '_> {
    fn bind<T: rusqlite::ToSql>(&mut self, value: T) -> Result<(), StoreError> {
        self.next += 1;
        self.statement.raw_bind_parameter(self.next, value)?;
        Ok(())
    }
}

fn insert_sample_rows(
    conn: &Connection,
    run: RunId,
    samples: &[SampleRow],
) -> Result<(), StoreError> {
    let sql = values_sql(
        "INSERT INTO samples (run_id, seq, t_s, timestamp, intensity_g_per_kwh, total_power_w,
             energy_kwh, emissions_kg, cpu_utilization, gpu_utilization, ram_used_gb)",
        11,
        samples.len(),
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut binder = Binder {
        statement: &mut statement,
        next: 0,
    };
    for sample in samples {
        binder.bind(run)?;
        binder.bind(sample_seq(sample)?)?;
        binder.bind(sample.t_s)?;
        binder.bind(sample.timestamp.as_str())?;
        binder.bind(sample.intensity_g_per_kwh)?;
        binder.bind(sample.total_power_w)?;
        binder.bind(sample.energy_kwh)?;
        binder.bind(sample.emissions_kg)?;
        binder.bind(sample.cpu_utilization)?;
        binder.bind(sample.gpu_utilization)?;
        binder.bind(sample.ram_used_gb)?;
    }
    statement.raw_execute()?;
    Ok(())
}

fn insert_reading_rows(
    conn: &Connection,
    run: RunId,
    samples: &[SampleRow],
    readings: &[Readings<'_>],
) -> Result<(), StoreError> {
    let mut rows = Vec::with_capacity(readings.iter().map(|r| r.resolved.len()).sum());
    for (sample, sample_readings) in samples.iter().zip(readings) {
        let seq = sample_seq(sample)?;
        for (position, (component_id, reading)) in sample_readings.resolved.iter().enumerate() {
            rows.push((
                seq,
                position,
                *component_id,
                reading.power_w,
                reading.energy_j,
            ));
        }
    }
    for chunk in rows.chunks(READINGS_PER_STATEMENT) {
        let sql = values_sql(
            "INSERT INTO sample_components (run_id, seq, position, component_id, power_w,
                 energy_j)",
            6,
            chunk.len(),
        );
        let mut statement = conn.prepare_cached(&sql)?;
        let mut binder = Binder {
            statement: &mut statement,
            next: 0,
        };
        for &(seq, position, component_id, power_w, energy_j) in chunk {
            binder.bind(run)?;
            binder.bind(seq)?;
            binder.bind(position)?;
            binder.bind(component_id)?;
            binder.bind(power_w)?;
            binder.bind(energy_j)?;
        }
        statement.raw_execute()?;
    }
    Ok(())
}

/// The batch's share of the run's totals in one UPDATE, as its samples one by one would add it.
fn add_batch_to_totals(
    conn: &Connection,
    run: RunId,
    samples: &[SampleRow],
    readings: &[Readings<'_>],
) -> Result<usize, StoreError> {
    let mut deltas = samples
        .iter()
        .zip(readings)
        .map(|(sample, readings)| TotalsDelta::of(sample, readings));
    let Some(mut total) = deltas.next() else {
        return Ok(1);
    };
    deltas.for_each(|later| total.absorb(later));
    total.apply(conn, run, true)
}

/// Each component's energy over the batch, added in one statement per component.
fn add_component_energy(conn: &Connection, readings: &[Readings<'_>]) -> Result<(), StoreError> {
    // A run has a few components: a list beats a map here.
    let mut sums: Vec<(i64, f64)> = Vec::new();
    for (component_id, reading) in readings.iter().flat_map(|r| r.resolved.iter()) {
        match sums.iter_mut().find(|(id, _)| id == component_id) {
            Some((_, sum)) => *sum += reading.energy_j,
            None => sums.push((*component_id, reading.energy_j)),
        }
    }
    let mut add_energy =
        conn.prepare_cached("UPDATE run_components SET energy_j = energy_j + ?2 WHERE id = ?1")?;
    for (component_id, energy_j) in sums {
        add_energy.execute((component_id, energy_j))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::values_sql;

    #[test]
    fn values_groups_have_one_parameter_per_column() {
        assert_eq!(
            values_sql("INSERT INTO t (a, b)", 2, 1),
            "INSERT INTO t (a, b) VALUES (?,?)"
        );
        assert_eq!(
            values_sql("INSERT INTO t (a)", 1, 3),
            "INSERT INTO t (a) VALUES (?),(?),(?)"
        );
    }
}
