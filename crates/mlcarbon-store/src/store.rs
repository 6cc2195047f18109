use std::path::Path;
use std::time::Duration;

use rusqlite::types::Type;
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Row, Transaction, TransactionBehavior, params,
};

use crate::types::{ComponentKind, RunStatus};
use crate::{
    ComponentRecord, ComponentSample, NewRun, Prediction, RunEnd, RunFilter, RunId, RunRecord,
    RunStart, SampleRow, StoreError, schema,
};

/// How long a write waits for another process's write to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const JOULES_PER_KWH: f64 = 3.6e6;

/// The run database: one SQLite connection. Open one `Store` per thread or process; SQLite
/// (WAL mode) lets several write runs to the same file at once.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
}

impl Store {
    /// Opens the database at `path`, creating its folder and file if needed, and migrates it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let opened = Connection::open(path).and_then(|conn| {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            set_wal_mode(&conn)?;
            // NORMAL in WAL mode: a commit is in the log before it returns, so it survives the
            // writer being killed (SIGKILL included); only an OS crash or power cut can lose the
            // last commits. FULL would add an fsync per sample, which measured ~10 ms of CPU per
            // sample on a VM: most of the tracker's cost.
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            Ok(conn)
        });
        let conn = opened.map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Store::prepare(conn)
    }

    /// A private database in memory, gone when the `Store` is dropped.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::prepare(Connection::open_in_memory()?)
    }

    fn prepare(conn: Connection) -> Result<Store, StoreError> {
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&conn)?;
        Ok(Store { conn })
    }

    /// Caps the database file at about `max_bytes` (SQLite's `max_page_count`; never below its
    /// size now): a write past it fails as on a full disk. `None` lifts the cap.
    pub fn limit_size(&self, max_bytes: Option<u64>) -> Result<(), StoreError> {
        let page_size: i64 = self.conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        // 0 would only ask for the figure: at least one page, which SQLite raises to the
        // database's size now.
        let pages = max_bytes.map_or(i64::from(u32::MAX), |b| {
            (i64::try_from(b).unwrap_or(i64::MAX) / page_size.max(1)).max(1)
        });
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        schema::version(&self.conn)
    }

    /// Marks runs still `running` whose writing process is gone as `interrupted`, keeping their
    /// energy and emissions so far; they end at their last sample. `is_alive(pid, hostname)`
    /// decides (see [`crate::liveness`]). Returns the ids marked.
    pub fn recover_interrupted(
        &self,
        is_alive: impl Fn(u32, &str) -> bool,
    ) -> Result<Vec<RunId>, StoreError> {
        let running: Vec<(RunId, u32, String)> = self
            .conn
            .prepare("SELECT id, pid, hostname FROM runs WHERE status = ?1 ORDER BY id")?
            .query_map([RunStatus::Running.as_str()], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect::<Result<_, _>>()?;
        let dead: Vec<RunId> = running
            .into_iter()
            .filter(|(_, pid, hostname)| !is_alive(*pid, hostname))
            .map(|(id, _, _)| id)
            .collect();
        if dead.is_empty() {
            return Ok(dead);
        }

        let tx = self.write()?;
        let mut marked = Vec::with_capacity(dead.len());
        {
            // `status = 'running'` again: the run may have finished since it was read above.
            let mut mark = tx.prepare(
                "UPDATE runs SET status = ?2,
                     ended_at = coalesce(last_sample_at, started_at),
                     duration_s = coalesce(last_t_s, 0)
                 WHERE id = ?1 AND status = ?3",
            )?;
            for id in dead {
                if mark.execute(params![
                    id,
                    RunStatus::Interrupted.as_str(),
                    RunStatus::Running.as_str()
                ])? == 1
                {
                    marked.push(id);
                }
            }
        }
        tx.commit()?;
        Ok(marked)
    }

    pub fn start_run(&self, run: &NewRun) -> Result<RunId, StoreError> {
        validate_new_run(run)?;
        let (components, run) = (&run.components, &run.start);
        let tags = serde_json::to_string(&run.tags)?;
        let command = serde_json::to_string(&run.command)?;

        let tx = self.write()?;
        let inserted = tx.execute(
            "INSERT INTO runs (uuid, project, experiment, tags, command, started_at, pid, hostname,
                 os, mlcarbon_version, location_label, zone, provider, region, country_iso,
                 country_name, intensity_g_per_kwh, intensity_origin, intensity_source, pue,
                 cpu_model, cpu_count, gpu_model, gpu_count, ram_total_gb, interval_s, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
            params![
                run.uuid,
                run.project,
                run.experiment,
                tags,
                command,
                run.started_at,
                run.pid,
                run.hostname,
                run.os,
                run.mlcarbon_version,
                run.location_label,
                run.zone,
                run.provider,
                run.region,
                run.country_iso,
                run.country_name,
                run.intensity_g_per_kwh,
                run.intensity_origin.as_str(),
                run.intensity_source,
                run.pue,
                run.cpu_model,
                run.cpu_count,
                run.gpu_model,
                run.gpu_count,
                run.ram_total_gb,
                run.interval_s,
                RunStatus::Running.as_str(),
            ],
        );
        match inserted {
            Err(e) if is_constraint(&e) => return Err(StoreError::DuplicateRun(run.uuid.clone())),
            other => other?,
        };
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare(
                "INSERT INTO run_components (run_id, key, kind, label, method)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for c in components {
                insert.execute(params![
                    id,
                    c.key,
                    c.kind.as_str(),
                    c.label,
                    c.method.as_str()
                ])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// Appends one sample and adds it to the run's totals, in one transaction: a reader or a
    /// crash sees both or neither.
    pub fn add_sample(&self, run: RunId, sample: &SampleRow) -> Result<(), StoreError> {
        self.add_samples(run, std::slice::from_ref(sample))
    }

    /// Appends several samples in one transaction: a tracker that commits every few seconds
    /// instead of every second wakes the database far less often; a kill loses at most the
    /// samples not yet handed over.
    pub fn add_samples(&self, run: RunId, samples: &[SampleRow]) -> Result<(), StoreError> {
        for sample in samples {
            validate_sample(sample)?;
        }
        let tx = self.write()?;
        let declared = declared_components(&tx, run)?;
        for sample in samples {
            insert_sample(&tx, run, sample, &declared)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// One sample into an open transaction: the sample, its components, and the run's totals.
fn insert_sample(
    tx: &Transaction<'_>,
    run: RunId,
    sample: &SampleRow,
    declared: &[(i64, String, String)],
) -> Result<(), StoreError> {
    {
        let seq = i64::try_from(sample.seq)
            .map_err(|_| StoreError::invalid("sample seq", "larger than 2^63 - 1"))?;
        let mut resolved = Vec::with_capacity(sample.components.len());
        let (mut cpu_j, mut gpu_j, mut ram_j) = (0.0, 0.0, 0.0);
        for reading in &sample.components {
            let Some((component_id, component_kind)) = declared
                .iter()
                .find(|(_, key, _)| *key == reading.key)
                .map(|(id, _, kind)| (*id, kind.parse::<ComponentKind>().ok()))
            else {
                if !run_exists(tx, run)? {
                    return Err(StoreError::NotFound(run));
                }
                return Err(StoreError::UnknownComponent {
                    run,
                    seq: sample.seq,
                    key: reading.key.clone(),
                });
            };
            match component_kind {
                Some(ComponentKind::Cpu) => cpu_j += reading.energy_j,
                Some(ComponentKind::Gpu) => gpu_j += reading.energy_j,
                Some(ComponentKind::Ram) => ram_j += reading.energy_j,
                // start_run admits no other kind; a hand-edited database only loses the split
                None => {}
            }
            resolved.push((component_id, reading));
        }

        let updated = tx
            .prepare_cached(
                "UPDATE runs SET
                     energy_kwh = ?2,
                     emissions_kg = ?3,
                     cpu_energy_kwh = cpu_energy_kwh + ?4,
                     gpu_energy_kwh = gpu_energy_kwh + ?5,
                     ram_energy_kwh = ram_energy_kwh + ?6,
                     cpu_utilization_sum = cpu_utilization_sum + coalesce(?7, 0),
                     cpu_utilization_n = cpu_utilization_n + (?7 IS NOT NULL),
                     gpu_utilization_sum = gpu_utilization_sum + coalesce(?8, 0),
                     gpu_utilization_n = gpu_utilization_n + (?8 IS NOT NULL),
                     ram_used_gb_sum = ram_used_gb_sum + coalesce(?9, 0),
                     ram_used_gb_n = ram_used_gb_n + (?9 IS NOT NULL),
                     last_t_s = ?10,
                     last_sample_at = ?11,
                     sample_count = sample_count + 1
                 WHERE id = ?1",
            )?
            .execute(params![
                run,
                sample.energy_kwh,
                sample.emissions_kg,
                cpu_j / JOULES_PER_KWH,
                gpu_j / JOULES_PER_KWH,
                ram_j / JOULES_PER_KWH,
                sample.cpu_utilization,
                sample.gpu_utilization,
                sample.ram_used_gb,
                sample.t_s,
                sample.timestamp,
            ])?;
        if updated == 0 {
            return Err(StoreError::NotFound(run));
        }

        let inserted = tx
            .prepare_cached(
                "INSERT INTO samples (run_id, seq, t_s, timestamp, intensity_g_per_kwh,
                     total_power_w, energy_kwh, emissions_kg, cpu_utilization, gpu_utilization,
                     ram_used_gb)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                run,
                seq,
                sample.t_s,
                sample.timestamp,
                sample.intensity_g_per_kwh,
                sample.total_power_w,
                sample.energy_kwh,
                sample.emissions_kg,
                sample.cpu_utilization,
                sample.gpu_utilization,
                sample.ram_used_gb,
            ]);
        match inserted {
            Err(e) if is_constraint(&e) => {
                return Err(StoreError::DuplicateSample {
                    run,
                    seq: sample.seq,
                });
            }
            other => other?,
        };
        {
            let mut insert_reading = tx.prepare_cached(
                "INSERT INTO sample_components (run_id, seq, position, component_id, power_w,
                     energy_j)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut add_energy = tx.prepare_cached(
                "UPDATE run_components SET energy_j = energy_j + ?2 WHERE id = ?1",
            )?;
            for (position, (component_id, reading)) in resolved.into_iter().enumerate() {
                insert_reading.execute(params![
                    run,
                    seq,
                    position,
                    component_id,
                    reading.power_w,
                    reading.energy_j,
                ])?;
                add_energy.execute(params![component_id, reading.energy_j])?;
            }
        }
    }
    Ok(())
}

impl Store {
    pub fn set_prediction(&self, run: RunId, prediction: &Prediction) -> Result<(), StoreError> {
        if !(0.0..=1.0).contains(&prediction.progress) {
            return Err(StoreError::invalid(
                "progress",
                format!("{} is not within 0..=1", prediction.progress),
            ));
        }
        finite_non_negative("predicted_energy_kwh", prediction.predicted_energy_kwh)?;
        finite_non_negative("predicted_emissions_kg", prediction.predicted_emissions_kg)?;
        let updated = self.conn.execute(
            "UPDATE runs SET progress = ?2, predicted_energy_kwh = ?3, predicted_emissions_kg = ?4
             WHERE id = ?1",
            params![
                run,
                prediction.progress,
                prediction.predicted_energy_kwh,
                prediction.predicted_emissions_kg,
            ],
        )?;
        found(updated, run)
    }

    /// Records how the run ended. Also accepted for a run already marked `interrupted` (its
    /// writer was thought dead but was not): the writer knows best.
    pub fn finish_run(&self, run: RunId, end: &RunEnd) -> Result<(), StoreError> {
        check_timestamp("ended_at", &end.ended_at)?;
        finite_non_negative("duration_s", end.duration_s)?;
        if !end.status.is_final() {
            return Err(StoreError::invalid(
                "status",
                format!(
                    "`{}`: a run ends as `finished`, `failed` or `interrupted`",
                    end.status
                ),
            ));
        }
        let updated = self.conn.execute(
            "UPDATE runs SET status = ?2, ended_at = ?3, duration_s = ?4, exit_code = ?5,
                 signal = ?6
             WHERE id = ?1",
            params![
                run,
                end.status.as_str(),
                end.ended_at,
                end.duration_s,
                end.exit_code,
                end.signal,
            ],
        )?;
        found(updated, run)
    }

    /// Runs matching `filter`, newest start first.
    pub fn runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        if let Some(since) = &filter.since {
            check_timestamp("since", since)?;
        }
        if let Some(until) = &filter.until {
            check_timestamp("until", until)?;
        }
        // SQLite reads -1 as no limit.
        let limit = filter
            .limit
            .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        // julianday() rather than text comparison: fractions and offsets would misorder text.
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs
             WHERE (?1 IS NULL OR project = ?1)
               AND (?2 IS NULL OR experiment = ?2)
               AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE value = ?3))
               AND (?4 IS NULL OR julianday(started_at) >= julianday(?4))
               AND (?5 IS NULL OR julianday(started_at) < julianday(?5))
               AND (?6 IS NULL OR status = ?6)
             ORDER BY julianday(started_at) DESC, id DESC
             LIMIT ?7"
        );
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map(
            params![
                filter.project,
                filter.experiment,
                filter.tag,
                filter.since,
                filter.until,
                filter.status.map(RunStatus::as_str),
                limit,
            ],
            run_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The run started last; `None` in an empty database.
    pub fn latest_run(&self) -> Result<Option<RunRecord>, StoreError> {
        Ok(self
            .runs(&RunFilter {
                limit: Some(1),
                ..RunFilter::default()
            })?
            .into_iter()
            .next())
    }

    pub fn run(&self, id: RunId) -> Result<RunRecord, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
                [id],
                run_from_row,
            )
            .optional()?
            .ok_or(StoreError::NotFound(id))
    }

    /// The run's components in the order `start_run` declared them, with their totals.
    pub fn components(&self, id: RunId) -> Result<Vec<ComponentRecord>, StoreError> {
        let last_t_s = self.run_elapsed_sampled(id)?;
        let mut statement = self.conn.prepare(
            "SELECT key, kind, label, method, energy_j FROM run_components
             WHERE run_id = ?1 ORDER BY id",
        )?;
        let rows = statement.query_map([id], |row| {
            let energy_j: f64 = row.get(4)?;
            Ok(ComponentRecord {
                key: row.get(0)?,
                kind: named(row, "kind")?,
                label: row.get(2)?,
                method: named(row, "method")?,
                energy_kwh: energy_j / JOULES_PER_KWH,
                mean_power_w: mean_power(energy_j, last_t_s),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The run's samples in `seq` order, each with its readings in the order they were added.
    pub fn samples(&self, id: RunId) -> Result<Vec<SampleRow>, StoreError> {
        self.run_elapsed_sampled(id)?;
        let mut samples: Vec<SampleRow> = self
            .conn
            .prepare(
                "SELECT seq, t_s, timestamp, intensity_g_per_kwh, total_power_w, energy_kwh,
                     emissions_kg, cpu_utilization, gpu_utilization, ram_used_gb
                 FROM samples WHERE run_id = ?1 ORDER BY seq",
            )?
            .query_map([id], |row| {
                Ok(SampleRow {
                    seq: row.get(0)?,
                    t_s: row.get(1)?,
                    timestamp: row.get(2)?,
                    intensity_g_per_kwh: row.get(3)?,
                    components: Vec::new(),
                    total_power_w: row.get(4)?,
                    energy_kwh: row.get(5)?,
                    emissions_kg: row.get(6)?,
                    cpu_utilization: row.get(7)?,
                    gpu_utilization: row.get(8)?,
                    ram_used_gb: row.get(9)?,
                })
            })?
            .collect::<Result<_, _>>()?;

        // Both queries walk (seq, position) in order, so the readings are merged in one pass.
        let mut statement = self.conn.prepare(
            "SELECT sc.seq, c.key, sc.power_w, sc.energy_j
             FROM sample_components sc JOIN run_components c ON c.id = sc.component_id
             WHERE sc.run_id = ?1 ORDER BY sc.seq, sc.position",
        )?;
        let mut readings = statement.query([id])?;
        let mut next = 0;
        while let Some(row) = readings.next()? {
            let seq: u64 = row.get(0)?;
            while samples.get(next).is_some_and(|s| s.seq < seq) {
                next += 1;
            }
            let Some(sample) = samples.get_mut(next).filter(|s| s.seq == seq) else {
                return Err(StoreError::Corrupt {
                    run: id,
                    field: "sample_components",
                    reason: format!("readings for sample {seq}, which is missing"),
                });
            };
            sample.components.push(ComponentSample {
                key: row.get(1)?,
                power_w: row.get(2)?,
                energy_j: row.get(3)?,
            });
        }
        Ok(samples)
    }

    /// Seconds covered by the run's samples; `NotFound` when there is no such run.
    fn run_elapsed_sampled(&self, id: RunId) -> Result<Option<f64>, StoreError> {
        self.conn
            .query_row("SELECT last_t_s FROM runs WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()?
            .ok_or(StoreError::NotFound(id))
    }

    /// A write transaction that holds the write lock from its start. A deferred one that reads
    /// first and writes second can fail at once with SQLITE_BUSY under WAL when another
    /// connection wrote in between; taking the lock up front lets busy_timeout wait instead.
    fn write(&self) -> Result<Transaction<'_>, StoreError> {
        Ok(Transaction::new_unchecked(
            &self.conn,
            TransactionBehavior::Immediate,
        )?)
    }
}

fn set_wal_mode(conn: &Connection) -> rusqlite::Result<()> {
    // Switching to WAL needs a moment of exclusive access, which a busy handler may not wait
    // for when another connection opens the same new file at the same time; retry briefly.
    let mut attempts = 0;
    loop {
        match conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
        {
            Ok(_) => return Ok(()),
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) && attempts < 50 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(e),
        }
    }
}

fn declared_components(
    conn: &Connection,
    run: RunId,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT id, key, kind FROM run_components WHERE run_id = ?1")?;
    let rows = statement.query_map([run], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn run_exists(conn: &Connection, run: RunId) -> Result<bool, StoreError> {
    let found = conn
        .query_row("SELECT 1 FROM runs WHERE id = ?1", [run], |_| Ok(()))
        .optional()?;
    Ok(found.is_some())
}

fn is_constraint(error: &rusqlite::Error) -> bool {
    error.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}

fn found(updated: usize, run: RunId) -> Result<(), StoreError> {
    if updated == 0 {
        Err(StoreError::NotFound(run))
    } else {
        Ok(())
    }
}

fn mean_power(energy_j: f64, seconds: Option<f64>) -> f64 {
    match seconds {
        Some(s) if s > 0.0 => energy_j / s,
        _ => 0.0,
    }
}

fn check_timestamp(field: &'static str, value: &str) -> Result<(), StoreError> {
    match mlcarbon_time::parse_strict_rfc3339(value) {
        Some(_) => Ok(()),
        None => Err(StoreError::Timestamp {
            field,
            value: value.to_owned(),
        }),
    }
}

/// SQLite stores NaN as NULL, so a non-finite figure would be lost or break a NOT NULL column;
/// it is refused instead, with the field named.
fn finite_non_negative(field: &'static str, value: f64) -> Result<(), StoreError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(StoreError::invalid(
            field,
            format!("{value} is not a finite, non-negative number"),
        ))
    }
}

fn validate_new_run(new_run: &NewRun) -> Result<(), StoreError> {
    let run = &new_run.start;
    check_timestamp("started_at", &run.started_at)?;
    for (field, value) in [
        ("intensity_g_per_kwh", run.intensity_g_per_kwh),
        ("pue", run.pue),
        ("ram_total_gb", run.ram_total_gb),
        ("interval_s", run.interval_s),
    ] {
        finite_non_negative(field, value)?;
    }
    for (index, component) in new_run.components.iter().enumerate() {
        if new_run.components[..index]
            .iter()
            .any(|other| other.key == component.key)
        {
            return Err(StoreError::invalid(
                "component key",
                format!("`{}` is declared twice", component.key),
            ));
        }
    }
    Ok(())
}

fn validate_sample(sample: &SampleRow) -> Result<(), StoreError> {
    check_timestamp("sample timestamp", &sample.timestamp)?;
    for (field, value) in [
        ("sample t_s", sample.t_s),
        ("sample intensity_g_per_kwh", sample.intensity_g_per_kwh),
        ("sample total_power_w", sample.total_power_w),
        ("sample energy_kwh", sample.energy_kwh),
        ("sample emissions_kg", sample.emissions_kg),
    ] {
        finite_non_negative(field, value)?;
    }
    for (field, value) in [
        ("sample cpu_utilization", sample.cpu_utilization),
        ("sample gpu_utilization", sample.gpu_utilization),
        ("sample ram_used_gb", sample.ram_used_gb),
    ] {
        if let Some(value) = value {
            finite_non_negative(field, value)?;
        }
    }
    for reading in &sample.components {
        finite_non_negative("component power_w", reading.power_w)?;
        finite_non_negative("component energy_j", reading.energy_j)?;
    }
    Ok(())
}

/// Columns read into a [`RunRecord`] by [`run_from_row`], which reads them by name.
const RUN_COLUMNS: &str = "id, uuid, project, experiment, tags, command, started_at, pid,
    hostname, os, mlcarbon_version, location_label, zone, provider, region, country_iso,
    country_name, intensity_g_per_kwh, intensity_origin, intensity_source, pue, cpu_model,
    cpu_count, gpu_model, gpu_count, ram_total_gb, interval_s, status, ended_at, duration_s,
    exit_code, signal, energy_kwh, emissions_kg, cpu_energy_kwh, gpu_energy_kwh, ram_energy_kwh,
    cpu_utilization_sum, cpu_utilization_n, gpu_utilization_sum, gpu_utilization_n,
    ram_used_gb_sum, ram_used_gb_n, last_t_s, last_sample_at, sample_count, progress,
    predicted_energy_kwh, predicted_emissions_kg";

/// A column holding one of the run vocabulary's stable names, parsed.
fn named<T>(row: &Row<'_>, column: &str) -> rusqlite::Result<T>
where
    T: std::str::FromStr<Err = mlcarbon_model::run::UnknownName>,
{
    let text: String = row.get(column)?;
    text.parse().map_err(|e| {
        let index = row.as_ref().column_index(column).unwrap_or(0);
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e))
    })
}

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<RunRecord> {
    let json_list = |column: &str| -> rusqlite::Result<Vec<String>> {
        let text: String = row.get(column)?;
        serde_json::from_str(&text).map_err(|e| {
            let index = row.as_ref().column_index(column).unwrap_or(0);
            rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e))
        })
    };
    let mean = |sum: &str, n: &str| -> rusqlite::Result<Option<f64>> {
        let n: i64 = row.get(n)?;
        let sum: f64 = row.get(sum)?;
        Ok((n > 0).then(|| sum / n as f64))
    };
    let last_t_s: Option<f64> = row.get("last_t_s")?;
    let cpu_energy_kwh: f64 = row.get("cpu_energy_kwh")?;
    let gpu_energy_kwh: f64 = row.get("gpu_energy_kwh")?;
    let ram_energy_kwh: f64 = row.get("ram_energy_kwh")?;
    Ok(RunRecord {
        id: row.get("id")?,
        start: RunStart {
            uuid: row.get("uuid")?,
            project: row.get("project")?,
            experiment: row.get("experiment")?,
            tags: json_list("tags")?,
            command: json_list("command")?,
            started_at: row.get("started_at")?,
            pid: row.get("pid")?,
            hostname: row.get("hostname")?,
            os: row.get("os")?,
            mlcarbon_version: row.get("mlcarbon_version")?,
            location_label: row.get("location_label")?,
            zone: row.get("zone")?,
            provider: row.get("provider")?,
            region: row.get("region")?,
            country_iso: row.get("country_iso")?,
            country_name: row.get("country_name")?,
            intensity_g_per_kwh: row.get("intensity_g_per_kwh")?,
            intensity_origin: named(row, "intensity_origin")?,
            intensity_source: row.get("intensity_source")?,
            pue: row.get("pue")?,
            cpu_model: row.get("cpu_model")?,
            cpu_count: row.get("cpu_count")?,
            gpu_model: row.get("gpu_model")?,
            gpu_count: row.get("gpu_count")?,
            ram_total_gb: row.get("ram_total_gb")?,
            interval_s: row.get("interval_s")?,
        },
        status: named(row, "status")?,
        ended_at: row.get("ended_at")?,
        duration_s: row.get("duration_s")?,
        exit_code: row.get("exit_code")?,
        signal: row.get("signal")?,
        energy_kwh: row.get("energy_kwh")?,
        emissions_kg: row.get("emissions_kg")?,
        cpu_energy_kwh,
        gpu_energy_kwh,
        ram_energy_kwh,
        cpu_power_w: mean_power(cpu_energy_kwh * JOULES_PER_KWH, last_t_s),
        gpu_power_w: mean_power(gpu_energy_kwh * JOULES_PER_KWH, last_t_s),
        ram_power_w: mean_power(ram_energy_kwh * JOULES_PER_KWH, last_t_s),
        cpu_utilization: mean("cpu_utilization_sum", "cpu_utilization_n")?,
        gpu_utilization: mean("gpu_utilization_sum", "gpu_utilization_n")?,
        ram_used_gb: mean("ram_used_gb_sum", "ram_used_gb_n")?,
        last_t_s,
        last_sample_at: row.get("last_sample_at")?,
        samples: row.get("sample_count")?,
        progress: row.get("progress")?,
        predicted_energy_kwh: row.get("predicted_energy_kwh")?,
        predicted_emissions_kg: row.get("predicted_emissions_kg")?,
    })
}
