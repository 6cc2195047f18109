use std::path::Path;
use std::time::Duration;

use rusqlite::types::Type;
use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Row, Transaction, TransactionBehavior,
    params,
};

use crate::types::{ComponentKind, JobPlacement, RunStatus};
use crate::{
    ComponentPower, ComponentRecord, ComponentSample, NewRun, Order, PowerPoint, PowerSeries,
    Prediction, RunEnd, RunFilter, RunId, RunRecord, RunStart, RunWindow, SCHEMA_VERSION,
    SampleRow, StoreError, schema,
};

/// Samples averaged at most per point of [`Store::power_series`].
pub const POINT_WINDOW: i64 = 32;

/// How long a write waits for another process's write to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

mod batch;

const JOULES_PER_KWH: f64 = 3.6e6;

/// The run database: one SQLite connection. Open one `Store` per thread or process; SQLite
/// (WAL mode) lets several write runs to the same file at once.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    trackers: TrackerCheck,
}

/// How a reader tells whether a run still `running` in the database has a tracker: a run
/// whose tracker is gone reads as `interrupted` (see [`Store::run`]), without any write.
#[derive(Debug, Clone, PartialEq)]
pub enum TrackerCheck {
    /// Runs read as stored.
    Off,
    /// A run of `this_host` is live while its writer's pid runs; a run of another host (whose
    /// processes this machine cannot see) while its last sample, or its start, is younger than
    /// [`stale_after_s`] at `now` (`None`: the wall clock).
    On {
        this_host: String,
        now: Option<mlcarbon_time::UtcTime>,
    },
}

impl TrackerCheck {
    /// The check for runs read on this machine, at the wall clock.
    pub fn this_machine() -> TrackerCheck {
        TrackerCheck::On {
            this_host: crate::liveness::this_hostname(),
            now: None,
        }
    }

    /// The run as readers see it: a `running` run whose tracker is gone is `interrupted`,
    /// ended at its last sample, as [`Store::recover_interrupted`] would record it.
    pub fn apply(&self, mut run: RunRecord) -> RunRecord {
        let TrackerCheck::On { this_host, now } = self else {
            return run;
        };
        if run.status != RunStatus::Running {
            return run;
        }
        let gone = if run.hostname == *this_host {
            !crate::liveness::pid_is_running(run.pid)
        } else {
            let last = run.last_sample_at.as_deref().unwrap_or(&run.started_at);
            let now = now.unwrap_or_else(mlcarbon_time::now);
            mlcarbon_time::UtcTime::parse(last).is_ok_and(|last| {
                (now.unix_seconds() - last.unix_seconds()) as f64 > stale_after_s(run.interval_s)
            })
        };
        if gone {
            run.status = RunStatus::Interrupted;
            run.ended_at = Some(
                run.last_sample_at
                    .clone()
                    .unwrap_or_else(|| run.started_at.clone()),
            );
            run.duration_s = Some(run.last_t_s.unwrap_or(0.0));
        }
        run
    }
}

/// Seconds without a stored sample after which a run of another host is taken as abandoned:
/// three sampling intervals or three default commit periods (5 s), whichever is longer, plus
/// a minute of slack for clocks and slow commits. A tracker that commits less often than that
/// (`--commit-every`) reads as interrupted between its commits on other hosts, never on its own.
pub fn stale_after_s(interval_s: f64) -> f64 {
    (3.0 * interval_s).max(3.0 * 5.0) + 60.0
}

/// SQLite's first 16 bytes of every database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The oldest schema the readers can read without migrating (v2 added the prediction columns).
const READABLE_SCHEMA: u32 = 2;

impl Store {
    /// Opens the database at `path` for writing, creating its folder (user-only, 0700) and file
    /// (user-only, 0600: command lines can hold secrets) if needed, and migrates it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        create_private_file(path).map_err(|source| StoreError::CreateFile {
            path: path.to_path_buf(),
            source,
        })?;
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

    /// Opens an existing database for reading only: nothing is created (a mistyped path is
    /// [`StoreError::Missing`]), and a database the user cannot write (another user's, a
    /// read-only folder) is read all the same. A database of an older schema is migrated when
    /// the file is writable, else read as it is when the readers can.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        check_is_database(path)?;
        let open_error = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let read = |conn: Connection| -> rusqlite::Result<Connection> {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            // A read-only connection to a WAL database needs the -shm file or a folder it may
            // create it in; this first read is where a missing one shows.
            conn.pragma_query_value(None, "user_version", |row| row.get::<_, u32>(0))?;
            Ok(conn)
        };
        let conn = match Connection::open_with_flags(path, flags).and_then(read) {
            Ok(conn) => conn,
            // SQLite's documented way to read a WAL database in a folder the reader cannot
            // write when no writer has it open: as immutable (no locks, no -shm).
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::CannotOpen) => {
                let uri = format!("file:{}?immutable=1", uri_path(path));
                Connection::open_with_flags(uri, flags)
                    .and_then(read)
                    .map_err(open_error)?
            }
            Err(e) => return Err(open_error(e)),
        };
        let found = schema::version(&conn)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found < SCHEMA_VERSION {
            // Migrating is what the next `run` would do anyway; where it cannot write, an old
            // enough schema is still read.
            let writable = std::fs::OpenOptions::new().append(true).open(path).is_ok();
            if writable {
                drop(conn);
                let migrated = Store::open(path)?;
                return Ok(migrated);
            }
            if found < READABLE_SCHEMA {
                return Err(StoreError::NeedsMigration {
                    path: path.to_path_buf(),
                    found,
                });
            }
        }
        conn.pragma_update(None, "query_only", true)?;
        Ok(Store {
            conn,
            trackers: TrackerCheck::this_machine(),
        })
    }

    /// Which runs read as interrupted when their tracker is gone; [`Store::open`] and
    /// [`Store::open_read_only`] check against this machine ([`TrackerCheck::this_machine`]),
    /// [`Store::open_in_memory`] reads runs as stored.
    pub fn set_tracker_check(&mut self, check: TrackerCheck) {
        self.trackers = check;
    }

    pub fn tracker_check(&self) -> &TrackerCheck {
        &self.trackers
    }

    /// A private database in memory, gone when the `Store` is dropped.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let mut store = Store::prepare(Connection::open_in_memory()?)?;
        store.trackers = TrackerCheck::Off;
        Ok(store)
    }

    fn prepare(conn: Connection) -> Result<Store, StoreError> {
        conn.pragma_update(None, "foreign_keys", true)?;
        // A tracker's commits keep ~10 statements prepared, batches of a few sizes among them;
        // rusqlite's default of 16 would evict and parse some again.
        conn.set_prepared_statement_cache_capacity(32);
        schema::migrate(&conn)?;
        Ok(Store {
            conn,
            trackers: TrackerCheck::this_machine(),
        })
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
                 cpu_model, cpu_count, gpu_model, gpu_count, ram_total_gb, interval_s, status,
                 attribution, job_key, rank, local_rank, world_size)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)",
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
                run.attribution.as_str(),
                run.placement.job_key,
                run.placement.rank,
                run.placement.local_rank,
                run.placement.world_size,
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
    /// samples not yet handed over. New samples in rising order (a tracker's) go in as one
    /// batch of a few statements (see `store/batch.rs`); others one by one, skipping stored ones.
    pub fn add_samples(&self, run: RunId, samples: &[SampleRow]) -> Result<(), StoreError> {
        for sample in samples {
            validate_sample(sample)?;
        }
        self.write_prepared(|conn| {
            if !run_exists(conn, run)? {
                return Err(StoreError::NotFound(run));
            }
            let declared = declared_components(conn, run)?;
            if samples.len() > 1 && batch::all_new(conn, run, samples)? {
                return batch::insert_new_samples(conn, run, samples, &declared);
            }
            for sample in samples {
                insert_sample(conn, run, sample, &declared)?;
            }
            Ok(())
        })
    }

    /// [`Store::write`] for a transaction that runs again and again (a tracker's commits): its
    /// `BEGIN IMMEDIATE` and `COMMIT` are prepared once per connection, like its statements.
    /// A tracker commits every few seconds from cold caches, where parsing SQL again was about
    /// a fifth of a commit's CPU (measured on the 2-vCPU VM). Rolled back on any error.
    fn write_prepared<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        let done = work(&self.conn).and_then(|value| {
            self.conn.prepare_cached("COMMIT")?.execute([])?;
            Ok(value)
        });
        if done.is_err() && !self.conn.is_autocommit() {
            // The error is the one to report; a failed rollback leaves SQLite to roll back
            // when the connection closes.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        done
    }
}

/// One sample into an open transaction: the sample, its components, and the run's totals.
pub(crate) fn insert_sample(
    tx: &Connection,
    run: RunId,
    sample: &SampleRow,
    declared: &[(i64, String, String)],
) -> Result<(), StoreError> {
    let seq = sample_seq(sample)?;
    let readings = resolve_readings(tx, run, sample, declared)?;
    // A sample stored already (a retried batch) is skipped: its totals are counted once.
    match insert_sample_row(tx, run, seq, sample, true) {
        Ok(0) => return Ok(()),
        // The only constraint left to fail is the run's foreign key.
        Err(StoreError::Sqlite(e)) if is_constraint(&e) => return Err(StoreError::NotFound(run)),
        other => other?,
    };
    if add_to_totals(tx, run, sample, &readings, true)? == 0 {
        return Err(StoreError::NotFound(run));
    }
    insert_readings(tx, run, seq, &readings)
}

/// A sample's readings matched with the run's declared components, and its IT energy per kind.
pub(crate) struct Readings<'s> {
    pub(crate) resolved: Vec<(i64, &'s ComponentSample)>,
    pub(crate) cpu_j: f64,
    pub(crate) gpu_j: f64,
    pub(crate) ram_j: f64,
}

pub(crate) fn sample_seq(sample: &SampleRow) -> Result<i64, StoreError> {
    i64::try_from(sample.seq).map_err(|_| StoreError::invalid("sample seq", "larger than 2^63 - 1"))
}

pub(crate) fn resolve_readings<'s>(
    tx: &Connection,
    run: RunId,
    sample: &'s SampleRow,
    declared: &[(i64, String, String)],
) -> Result<Readings<'s>, StoreError> {
    let mut readings = Readings {
        resolved: Vec::with_capacity(sample.components.len()),
        cpu_j: 0.0,
        gpu_j: 0.0,
        ram_j: 0.0,
    };
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
            Some(ComponentKind::Cpu) => readings.cpu_j += reading.energy_j,
            Some(ComponentKind::Gpu) => readings.gpu_j += reading.energy_j,
            Some(ComponentKind::Ram) => readings.ram_j += reading.energy_j,
            // start_run admits no other kind; a hand-edited database only loses the split
            None => {}
        }
        readings.resolved.push((component_id, reading));
    }
    Ok(readings)
}

/// Adds a sample to its run's totals; the running figures (cumulative energy and emissions, the
/// last sample's time) are taken from it only when it is the run's `newest`, so samples that
/// arrive out of order (a retried batch) never move them back. Returns the rows updated (0: no
/// such run).
pub(crate) fn add_to_totals(
    tx: &Connection,
    run: RunId,
    sample: &SampleRow,
    readings: &Readings<'_>,
    newest: bool,
) -> Result<usize, StoreError> {
    TotalsDelta::of(sample, readings).apply(tx, run, newest)
}

/// What samples add to their run's totals: energy per kind, the utilization and RAM sums with
/// their counts, the peak power, the count, and the sample whose running figures lead (the
/// last of the greatest `t_s`: where adding them one by one would leave those figures).
pub(crate) struct TotalsDelta<'s> {
    leading: &'s SampleRow,
    cpu_j: f64,
    gpu_j: f64,
    ram_j: f64,
    /// CPU %, GPU %, RAM GB: sum and count of the samples that have the figure.
    figure_sums: [(f64, i64); 3],
    peak_power_w: f64,
    samples: i64,
}

impl<'s> TotalsDelta<'s> {
    pub(crate) fn of(sample: &'s SampleRow, readings: &Readings<'_>) -> Self {
        let sum = |figure: Option<f64>| figure.map_or((0.0, 0), |value| (value, 1));
        TotalsDelta {
            leading: sample,
            cpu_j: readings.cpu_j,
            gpu_j: readings.gpu_j,
            ram_j: readings.ram_j,
            figure_sums: [
                sum(sample.cpu_utilization),
                sum(sample.gpu_utilization),
                sum(sample.ram_used_gb),
            ],
            peak_power_w: sample.total_power_w,
            samples: 1,
        }
    }

    /// Adds a later sample's (or batch's) share.
    pub(crate) fn absorb(&mut self, later: TotalsDelta<'s>) {
        if later.leading.t_s >= self.leading.t_s {
            self.leading = later.leading;
        }
        self.cpu_j += later.cpu_j;
        self.gpu_j += later.gpu_j;
        self.ram_j += later.ram_j;
        for (sum, add) in self.figure_sums.iter_mut().zip(later.figure_sums) {
            sum.0 += add.0;
            sum.1 += add.1;
        }
        self.peak_power_w = self.peak_power_w.max(later.peak_power_w);
        self.samples += later.samples;
    }

    /// One UPDATE of the run's row; `newest`: the leading sample may move its running figures.
    /// Returns the rows updated (0: no such run).
    pub(crate) fn apply(
        &self,
        tx: &Connection,
        run: RunId,
        newest: bool,
    ) -> Result<usize, StoreError> {
        let [cpu, gpu, ram] = self.figure_sums;
        Ok(tx
            .prepare_cached(
                "UPDATE runs SET
                     energy_kwh = CASE WHEN ?13 AND ?10 >= coalesce(last_t_s, ?10) THEN ?2
                         ELSE energy_kwh END,
                     emissions_kg = CASE WHEN ?13 AND ?10 >= coalesce(last_t_s, ?10) THEN ?3
                         ELSE emissions_kg END,
                     cpu_energy_kwh = cpu_energy_kwh + ?4,
                     gpu_energy_kwh = gpu_energy_kwh + ?5,
                     ram_energy_kwh = ram_energy_kwh + ?6,
                     cpu_utilization_sum = cpu_utilization_sum + ?7,
                     cpu_utilization_n = cpu_utilization_n + ?14,
                     gpu_utilization_sum = gpu_utilization_sum + ?8,
                     gpu_utilization_n = gpu_utilization_n + ?15,
                     ram_used_gb_sum = ram_used_gb_sum + ?9,
                     ram_used_gb_n = ram_used_gb_n + ?16,
                     last_sample_at = CASE WHEN ?13 AND ?10 >= coalesce(last_t_s, ?10) THEN ?11
                         ELSE last_sample_at END,
                     last_t_s = CASE WHEN ?13 AND ?10 >= coalesce(last_t_s, ?10) THEN ?10
                         ELSE last_t_s END,
                     sample_count = sample_count + ?17,
                     peak_power_w = max(coalesce(peak_power_w, 0), ?12)
                 WHERE id = ?1",
            )?
            .execute(params![
                run,
                self.leading.energy_kwh,
                self.leading.emissions_kg,
                self.cpu_j / JOULES_PER_KWH,
                self.gpu_j / JOULES_PER_KWH,
                self.ram_j / JOULES_PER_KWH,
                cpu.0,
                gpu.0,
                ram.0,
                self.leading.t_s,
                self.leading.timestamp,
                self.peak_power_w,
                newest,
                cpu.1,
                gpu.1,
                ram.1,
                self.samples,
            ])?)
    }
}

/// The sample's own row; `or_ignore`: a sample already stored is left as it is and 0 returned.
pub(crate) fn insert_sample_row(
    tx: &Connection,
    run: RunId,
    seq: i64,
    sample: &SampleRow,
    or_ignore: bool,
) -> Result<usize, StoreError> {
    // Constant text, not formatted per sample: a tracker's commit runs from cold caches.
    macro_rules! insert_into_samples {
        ($verb:literal) => {
            concat!(
                $verb,
                " INTO samples (run_id, seq, t_s, timestamp, intensity_g_per_kwh,
                 total_power_w, energy_kwh, emissions_kg, cpu_utilization, gpu_utilization,
                 ram_used_gb)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            )
        };
    }
    let sql = if or_ignore {
        insert_into_samples!("INSERT OR IGNORE")
    } else {
        insert_into_samples!("INSERT")
    };
    Ok(tx.prepare_cached(sql)?.execute(params![
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
    ])?)
}

/// The sample's per-component readings, each added to its component's energy.
pub(crate) fn insert_readings(
    tx: &Connection,
    run: RunId,
    seq: i64,
    readings: &Readings<'_>,
) -> Result<(), StoreError> {
    let mut insert_reading = tx.prepare_cached(
        "INSERT INTO sample_components (run_id, seq, position, component_id, power_w,
             energy_j)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut add_energy =
        tx.prepare_cached("UPDATE run_components SET energy_j = energy_j + ?2 WHERE id = ?1")?;
    for (position, (component_id, reading)) in readings.resolved.iter().enumerate() {
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
    Ok(())
}

impl Store {
    pub fn set_prediction(&self, run: RunId, prediction: &Prediction) -> Result<(), StoreError> {
        validate_prediction(prediction)?;
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
        validate_run_end(end)?;
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

    /// Runs matching `filter`, newest start first. A run whose tracker is gone reads as
    /// `interrupted` (see [`TrackerCheck`]), and `filter.status` selects by that status.
    pub fn runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        let mut runs = Vec::new();
        self.each_run(filter, Order::NewestFirst, |run| {
            runs.push(run);
            Ok::<(), StoreError>(())
        })?;
        Ok(runs)
    }

    /// Hands every run matching `filter` to `each`, one at a time and in `order`, without
    /// holding them all: exports of any size run in constant memory. Stops at `each`'s first
    /// error. Statuses read as in [`Store::runs`].
    pub fn each_run<E: From<StoreError>>(
        &self,
        filter: &RunFilter,
        order: Order,
        mut each: impl FnMut(RunRecord) -> Result<(), E>,
    ) -> Result<(), E> {
        if let Some(since) = &filter.since {
            check_timestamp("since", since)?;
        }
        if let Some(until) = &filter.until {
            check_timestamp("until", until)?;
        }
        // A run stored as `running` may read as `interrupted`: both are read for either, the
        // limit counted after the status is known.
        let stored_status: Option<&[RunStatus]> = match filter.status {
            Some(RunStatus::Running | RunStatus::Interrupted)
                if self.trackers != TrackerCheck::Off =>
            {
                Some(&[RunStatus::Running, RunStatus::Interrupted])
            }
            Some(RunStatus::Running) => Some(&[RunStatus::Running]),
            Some(RunStatus::Interrupted) => Some(&[RunStatus::Interrupted]),
            Some(RunStatus::Finished) => Some(&[RunStatus::Finished]),
            Some(RunStatus::Failed) => Some(&[RunStatus::Failed]),
            None => None,
        };
        let [first_status, second_status] = match stored_status {
            Some([one]) => [Some(one.as_str()), Some(one.as_str())],
            Some([one, two]) => [Some(one.as_str()), Some(two.as_str())],
            _ => [None, None],
        };
        let limit = filter.limit.unwrap_or(usize::MAX);
        // julianday() rather than text comparison: fractions and offsets would misorder text.
        // The index on (julianday(started_at), id) serves the ORDER BY (schema v3).
        let direction = match order {
            Order::NewestFirst => "DESC",
            Order::OldestFirst => "ASC",
        };
        let sql = runs_sql(direction, filter.visible_to.is_some());
        let visible_to = match &filter.visible_to {
            Some(teams) => Some(
                serde_json::to_string(teams)
                    .map_err(|e| StoreError::invalid("visible_to", e.to_string()))?,
            ),
            None => None,
        };
        let mut statement = self.conn.prepare(&sql).map_err(StoreError::from)?;
        let mut rows = statement
            .query(params![
                filter.project,
                filter.experiment,
                filter.tag,
                filter.since,
                filter.until,
                first_status,
                second_status,
                filter.job_key,
                visible_to,
            ])
            .map_err(StoreError::from)?;
        let mut handed = 0;
        while handed < limit {
            let Some(row) = rows.next().map_err(StoreError::from)? else {
                break;
            };
            let run = self.effective(run_from_row(row).map_err(StoreError::from)?);
            if filter.status.is_some_and(|wanted| wanted != run.status) {
                continue;
            }
            handed += 1;
            each(run)?;
        }
        Ok(())
    }

    /// The projects that have runs, sorted, each once (from the index, not the runs).
    pub fn projects(&self) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT DISTINCT project FROM runs ORDER BY project")?;
        let rows = statement.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The run as readers see it: a `running` run whose tracker is gone (see [`TrackerCheck`])
    /// is `interrupted`, ended at its last sample, as [`Store::recover_interrupted`] would
    /// record it; nothing is written.
    fn effective(&self, run: RunRecord) -> RunRecord {
        self.trackers.apply(run)
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

    /// The run with this id, its status as readers see it (see [`Store::runs`]).
    pub fn run(&self, id: RunId) -> Result<RunRecord, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
                [id],
                run_from_row,
            )
            .optional()?
            .map(|run| self.effective(run))
            .ok_or(StoreError::NotFound(id))
    }

    /// Runs whose uuid starts with `prefix` (lowercase hex), at most `limit`, by id.
    pub fn runs_by_uuid_prefix(
        &self,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        // A range on the unique index instead of LIKE, whose wildcards a prefix could hold.
        let end = format!("{prefix}\u{10ffff}");
        let mut statement = self.conn.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE uuid >= ?1 AND uuid < ?2 ORDER BY id LIMIT ?3"
        ))?;
        let rows = statement.query_map(
            params![prefix, end, i64::try_from(limit).unwrap_or(i64::MAX)],
            run_from_row,
        )?;
        rows.map(|run| Ok(self.effective(run?))).collect()
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
                kind: named(row, 1)?,
                label: row.get(2)?,
                method: named(row, 3)?,
                energy_kwh: energy_j / JOULES_PER_KWH,
                mean_power_w: mean_power(energy_j, last_t_s),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The run's samples in `seq` order, each with its readings in the order they were added.
    /// Holds them all: prefer [`Store::each_sample`] for a run of any length.
    pub fn samples(&self, id: RunId) -> Result<Vec<SampleRow>, StoreError> {
        let mut samples = Vec::new();
        self.each_sample(id, |sample| {
            samples.push(sample);
            Ok::<(), StoreError>(())
        })?;
        Ok(samples)
    }

    /// Hands the run's samples to `each` in `seq` order, one at a time, each with its readings
    /// in the order they were added; stops at `each`'s first error. Memory stays constant
    /// whatever the run's length.
    pub fn each_sample<E: From<StoreError>>(
        &self,
        id: RunId,
        mut each: impl FnMut(SampleRow) -> Result<(), E>,
    ) -> Result<(), E> {
        self.run_elapsed_sampled(id)?;
        let mut samples_statement = self
            .conn
            .prepare(
                "SELECT seq, t_s, timestamp, intensity_g_per_kwh, total_power_w, energy_kwh,
                     emissions_kg, cpu_utilization, gpu_utilization, ram_used_gb
                 FROM samples WHERE run_id = ?1 ORDER BY seq",
            )
            .map_err(StoreError::from)?;
        let mut samples = samples_statement.query([id]).map_err(StoreError::from)?;
        // Both queries walk (seq, position) in order, so the readings are merged in one pass.
        let mut readings_statement = self
            .conn
            .prepare(
                "SELECT sc.seq, c.key, sc.power_w, sc.energy_j
                 FROM sample_components sc JOIN run_components c ON c.id = sc.component_id
                 WHERE sc.run_id = ?1 ORDER BY sc.seq, sc.position",
            )
            .map_err(StoreError::from)?;
        let mut readings = readings_statement.query([id]).map_err(StoreError::from)?;
        let mut pending: Option<(u64, ComponentSample)> = next_reading(&mut readings)?;
        while let Some(row) = samples.next().map_err(StoreError::from)? {
            let mut sample = sample_from_row(row).map_err(StoreError::from)?;
            while let Some((seq, reading)) = pending.take() {
                if seq > sample.seq {
                    pending = Some((seq, reading));
                    break;
                }
                if seq < sample.seq {
                    return Err(StoreError::Corrupt {
                        run: id,
                        field: "sample_components",
                        reason: format!("readings for sample {seq}, which is missing"),
                    }
                    .into());
                }
                sample.components.push(reading);
                pending = next_reading(&mut readings)?;
            }
            each(sample)?;
        }
        if let Some((seq, _)) = pending {
            return Err(StoreError::Corrupt {
                run: id,
                field: "sample_components",
                reason: format!("readings for sample {seq}, which is missing"),
            }
            .into());
        }
        Ok(())
    }

    /// The run's power and emissions over time in at most `points` points, for a chart or a
    /// sparkline, computed by SQLite: the run's `seq` range is cut into `points` equal slices
    /// and each point is the mean of the first [`POINT_WINDOW`] samples of its slice (all of
    /// them when slices are that short), read by index ranges. A full scan of a million samples
    /// costs about a second; this reads at most `points` × [`POINT_WINDOW`] rows whatever the
    /// run's length. The peak is the run's stored maximum, kept as samples are added.
    pub fn power_series(&self, id: RunId, points: usize) -> Result<PowerSeries, StoreError> {
        let (first, last, samples, peak_w): (Option<i64>, Option<i64>, u64, Option<f64>) = self
            .conn
            .query_row(
                "SELECT (SELECT min(seq) FROM samples WHERE run_id = ?1),
                         (SELECT max(seq) FROM samples WHERE run_id = ?1),
                         sample_count, peak_power_w
                     FROM runs WHERE id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?
            .ok_or(StoreError::NotFound(id))?;
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(PowerSeries::default());
        };
        let span = last - first + 1;
        let points = i64::try_from(points.max(1)).unwrap_or(i64::MAX).min(span);
        // One small range query per point: SQLite then always reads the primary key's range
        // (a join against a generated list of slices was planned as a scan per slice).
        let mut totals = self.conn.prepare_cached(
            "SELECT max(t_s), avg(total_power_w), max(emissions_kg), count(*) FROM samples
             WHERE run_id = ?1 AND seq >= ?2 AND seq < ?3",
        )?;
        let mut readings = self.conn.prepare_cached(
            "SELECT c.key, avg(sc.power_w)
             FROM sample_components sc CROSS JOIN run_components c ON c.id = sc.component_id
             WHERE sc.run_id = ?1 AND sc.seq >= ?2 AND sc.seq < ?3
             GROUP BY c.id ORDER BY c.id",
        )?;
        let mut series = Vec::with_capacity(usize::try_from(points).unwrap_or(0));
        for slice in 0..points {
            // Slice k covers seq [first + k·span/points, first + (k+1)·span/points).
            let low = first + slice * span / points;
            let high = (first + (slice + 1) * span / points).min(low + POINT_WINDOW);
            let point = totals.query_row(params![id, low, high], |row| {
                let samples: u64 = row.get(3)?;
                Ok((samples > 0).then(|| -> rusqlite::Result<PowerPoint> {
                    Ok(PowerPoint {
                        t_s: row.get(0)?,
                        mean_w: row.get(1)?,
                        emissions_kg: row.get(2)?,
                        samples,
                        components: Vec::new(),
                    })
                }))
            })?;
            let Some(mut point) = point.transpose()? else {
                continue; // a gap in seq
            };
            let components = readings.query_map(params![id, low, high], |row| {
                Ok(ComponentPower {
                    key: row.get(0)?,
                    mean_w: row.get(1)?,
                })
            })?;
            point.components = components.collect::<Result<_, _>>()?;
            series.push(point);
        }
        Ok(PowerSeries {
            points: series,
            peak_w,
            samples,
        })
    }

    /// Records a finished window of a run (see [`RunWindow`]); windows keep the order they
    /// are added in.
    pub fn add_window(&self, run: RunId, window: &RunWindow) -> Result<(), StoreError> {
        validate_window(window)?;
        let tx = self.write()?;
        self.run_elapsed_sampled_in(&tx, run)?;
        tx.execute(
            "INSERT INTO run_windows (run_id, position, name, started_at, ended_at, start_t_s,
                 end_t_s, energy_kwh, emissions_kg)
             VALUES (?1, (SELECT coalesce(max(position) + 1, 0) FROM run_windows
                          WHERE run_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                run,
                window.name,
                window.started_at,
                window.ended_at,
                window.start_t_s,
                window.end_t_s,
                window.energy_kwh,
                window.emissions_kg,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The windows of a run, in the order they were recorded.
    pub fn windows(&self, run: RunId) -> Result<Vec<RunWindow>, StoreError> {
        self.run_elapsed_sampled(run)?;
        let mut statement = self.conn.prepare(
            "SELECT name, started_at, ended_at, start_t_s, end_t_s, energy_kwh, emissions_kg
             FROM run_windows WHERE run_id = ?1 ORDER BY position",
        )?;
        let rows = statement.query_map([run], |row| {
            Ok(RunWindow {
                name: row.get(0)?,
                started_at: row.get(1)?,
                ended_at: row.get(2)?,
                start_t_s: row.get(3)?,
                end_t_s: row.get(4)?,
                energy_kwh: row.get(5)?,
                emissions_kg: row.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The distributed jobs that have runs, the most recently started first, at most `limit`:
    /// each key with the start of its newest run.
    pub fn job_keys(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT job_key FROM runs WHERE job_key IS NOT NULL
             GROUP BY job_key ORDER BY max(julianday(started_at)) DESC, job_key LIMIT ?1",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement.query_map([limit], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A running run on `hostname` that measures the whole machine and whose tracker is alive
    /// (as readers see it): a second machine-wide tracker on that host would count it twice.
    pub fn machine_tracker_on(&self, hostname: &str) -> Result<Option<RunRecord>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM runs
             WHERE status = 'running' AND attribution = 'machine' AND hostname = ?1
             ORDER BY id DESC"
        ))?;
        let mut rows = statement.query([hostname])?;
        while let Some(row) = rows.next()? {
            let run = self.effective(run_from_row(row)?);
            if run.status == RunStatus::Running {
                return Ok(Some(run));
            }
        }
        Ok(None)
    }

    /// Seconds covered by the run's samples; `NotFound` when there is no such run.
    fn run_elapsed_sampled(&self, id: RunId) -> Result<Option<f64>, StoreError> {
        self.run_elapsed_sampled_in(&self.conn, id)
    }

    fn run_elapsed_sampled_in(
        &self,
        conn: &Connection,
        id: RunId,
    ) -> Result<Option<f64>, StoreError> {
        conn.query_row("SELECT last_t_s FROM runs WHERE id = ?1", [id], |row| {
            row.get(0)
        })
        .optional()?
        .ok_or(StoreError::NotFound(id))
    }

    /// A write transaction that holds the write lock from its start. A deferred one that reads
    /// first and writes second can fail at once with SQLITE_BUSY under WAL when another
    /// connection wrote in between; taking the lock up front lets busy_timeout wait instead.
    pub(crate) fn write(&self) -> Result<Transaction<'_>, StoreError> {
        Ok(Transaction::new_unchecked(
            &self.conn,
            TransactionBehavior::Immediate,
        )?)
    }
}

/// The query of [`Store::each_run`]: `?1`..`?5` filter, `?6`/`?7` the stored statuses, `?8`
/// the job.
/// `restricted`: `?9` names the teams whose runs (and those of projects of no team) are read;
/// only then is `codecarbon_projects` named, so that an older file read as it is (no such table
/// before schema v7) still lists its runs.
fn runs_sql(direction: &str, restricted: bool) -> String {
    let teams = if restricted {
        "NOT EXISTS (
                SELECT 1 FROM codecarbon_projects p
                WHERE p.name = runs.project
                  AND p.organization_id NOT IN (SELECT value FROM json_each(?9)))"
    } else {
        "?9 IS NULL"
    };
    format!(
        "SELECT {RUN_COLUMNS} FROM runs
         WHERE (?1 IS NULL OR project = ?1)
           AND (?2 IS NULL OR experiment = ?2)
           AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE value = ?3))
           AND (?4 IS NULL OR julianday(started_at) >= julianday(?4))
           AND (?5 IS NULL OR julianday(started_at) < julianday(?5))
           AND (?6 IS NULL OR status = ?6 OR status = ?7)
           AND (?8 IS NULL OR job_key = ?8)
           AND ({teams})
         ORDER BY julianday(started_at) {direction}, id {direction}"
    )
}

/// Creates `dir` and its missing parents user-only (0700 on Unix); an existing folder is kept
/// as it is.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the database file user-only (0600 on Unix) when it does not exist, so SQLite, which
/// gives its -wal and -shm files the database's mode, never makes a world-readable one.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Refuses a path that is not an existing SQLite file before SQLite sees it, so that a
/// mistyped `--db` reads as such instead of as an empty database.
fn check_is_database(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let not_database = |reason: String| StoreError::NotADatabase {
        path: path.to_path_buf(),
        reason,
    };
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        Err(e) => return Err(not_database(e.to_string())),
    };
    let mut magic = [0u8; 16];
    match file.read_exact(&mut magic) {
        // A file SQLite created and nothing wrote yet is empty: a database without runs.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            let empty = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
            if empty {
                Ok(())
            } else {
                Err(not_database("too short for a SQLite file".into()))
            }
        }
        Err(e) => Err(not_database(e.to_string())),
        Ok(()) if &magic == SQLITE_MAGIC => Ok(()),
        Ok(()) => Err(not_database("not a SQLite file".into())),
    }
}

/// A path as the path part of a SQLite `file:` URI (`%`, `?` and `#` escaped).
fn uri_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
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

pub(crate) fn sample_from_row(row: &Row<'_>) -> rusqlite::Result<SampleRow> {
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
}

pub(crate) fn next_reading(
    readings: &mut rusqlite::Rows<'_>,
) -> Result<Option<(u64, ComponentSample)>, StoreError> {
    let Some(row) = readings.next()? else {
        return Ok(None);
    };
    Ok(Some((
        row.get(0)?,
        ComponentSample {
            key: row.get(1)?,
            power_w: row.get(2)?,
            energy_j: row.get(3)?,
        },
    )))
}

pub(crate) fn declared_components(
    conn: &Connection,
    run: RunId,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT id, key, kind FROM run_components WHERE run_id = ?1")?;
    let rows = statement.query_map([run], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn run_exists(conn: &Connection, run: RunId) -> Result<bool, StoreError> {
    let found = conn
        .prepare_cached("SELECT 1 FROM runs WHERE id = ?1")?
        .query_row([run], |_| Ok(()))
        .optional()?;
    Ok(found.is_some())
}

pub(crate) fn is_constraint(error: &rusqlite::Error) -> bool {
    error.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}

fn found(updated: usize, run: RunId) -> Result<(), StoreError> {
    if updated == 0 {
        Err(StoreError::NotFound(run))
    } else {
        Ok(())
    }
}

pub(crate) fn mean_power(energy_j: f64, seconds: Option<f64>) -> f64 {
    match seconds {
        Some(s) if s > 0.0 => energy_j / s,
        _ => 0.0,
    }
}

pub(crate) fn check_timestamp(field: &'static str, value: &str) -> Result<(), StoreError> {
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
pub(crate) fn finite_non_negative(field: &'static str, value: f64) -> Result<(), StoreError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(StoreError::invalid(
            field,
            format!("{value} is not a finite, non-negative number"),
        ))
    }
}

pub(crate) fn validate_new_run(new_run: &NewRun) -> Result<(), StoreError> {
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
    if let Some(key) = &run.placement.job_key
        && (key.trim() != key
            || key.is_empty()
            || key.chars().count() > 200
            || key.chars().any(char::is_control))
    {
        return Err(StoreError::invalid(
            "job_key",
            "a job key is 1 to 200 printable characters without surrounding spaces",
        ));
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

pub(crate) fn validate_window(window: &RunWindow) -> Result<(), StoreError> {
    if window.name.trim().is_empty() || window.name.len() > 200 {
        return Err(StoreError::invalid(
            "window name",
            "give a name of 1 to 200 characters",
        ));
    }
    check_timestamp("window started_at", &window.started_at)?;
    check_timestamp("window ended_at", &window.ended_at)?;
    for (field, value) in [
        ("window start_t_s", window.start_t_s),
        ("window end_t_s", window.end_t_s),
        ("window energy_kwh", window.energy_kwh),
        ("window emissions_kg", window.emissions_kg),
    ] {
        finite_non_negative(field, value)?;
    }
    if window.end_t_s < window.start_t_s {
        return Err(StoreError::invalid(
            "window end_t_s",
            "a window cannot end before it starts",
        ));
    }
    Ok(())
}

pub(crate) fn validate_prediction(prediction: &Prediction) -> Result<(), StoreError> {
    if !(0.0..=1.0).contains(&prediction.progress) {
        return Err(StoreError::invalid(
            "progress",
            format!("{} is not within 0..=1", prediction.progress),
        ));
    }
    finite_non_negative("predicted_energy_kwh", prediction.predicted_energy_kwh)?;
    finite_non_negative("predicted_emissions_kg", prediction.predicted_emissions_kg)
}

pub(crate) fn validate_run_end(end: &RunEnd) -> Result<(), StoreError> {
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
    Ok(())
}

pub(crate) fn validate_sample(sample: &SampleRow) -> Result<(), StoreError> {
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

/// The columns of `runs` that make a [`RunRecord`], in `SELECT` order, and their positions:
/// [`run_from_row`] reads by position, as looking each of ~49 names up in every row cost about
/// 40 % of an export.
macro_rules! run_columns {
    ($first_variant:ident => $first:literal $(, $variant:ident => $name:literal)* $(,)?) => {
        #[derive(Clone, Copy)]
        enum Col {
            $first_variant, $($variant),*
        }
        const RUN_COLUMNS: &str = concat!($first $(, ", ", $name)*);
        #[cfg(test)]
        const RUN_COLUMN_LIST: &[(Col, &str)] = &[(Col::$first_variant, $first) $(, (Col::$variant, $name))*];
    };
}

run_columns!(
    Id => "id", Uuid => "uuid", Project => "project", Experiment => "experiment",
    Tags => "tags", Command => "command", StartedAt => "started_at", Pid => "pid",
    Hostname => "hostname", Os => "os", MlcarbonVersion => "mlcarbon_version",
    LocationLabel => "location_label", Zone => "zone", Provider => "provider",
    Region => "region", CountryIso => "country_iso", CountryName => "country_name",
    Intensity => "intensity_g_per_kwh", IntensityOrigin => "intensity_origin",
    IntensitySource => "intensity_source", Pue => "pue", CpuModel => "cpu_model",
    CpuCount => "cpu_count", GpuModel => "gpu_model", GpuCount => "gpu_count",
    RamTotalGb => "ram_total_gb", IntervalS => "interval_s", Status => "status",
    EndedAt => "ended_at", DurationS => "duration_s", ExitCode => "exit_code",
    Signal => "signal", EnergyKwh => "energy_kwh", EmissionsKg => "emissions_kg",
    CpuEnergyKwh => "cpu_energy_kwh", GpuEnergyKwh => "gpu_energy_kwh",
    RamEnergyKwh => "ram_energy_kwh", CpuUtilizationSum => "cpu_utilization_sum",
    CpuUtilizationN => "cpu_utilization_n", GpuUtilizationSum => "gpu_utilization_sum",
    GpuUtilizationN => "gpu_utilization_n", RamUsedGbSum => "ram_used_gb_sum",
    RamUsedGbN => "ram_used_gb_n", LastTS => "last_t_s", LastSampleAt => "last_sample_at",
    SampleCount => "sample_count", Progress => "progress",
    PredictedEnergyKwh => "predicted_energy_kwh",
    PredictedEmissionsKg => "predicted_emissions_kg", Attribution => "attribution",
    JobKey => "job_key", Rank => "rank", LocalRank => "local_rank", WorldSize => "world_size",
);

fn get<T: rusqlite::types::FromSql>(row: &Row<'_>, column: Col) -> rusqlite::Result<T> {
    row.get(column as usize)
}

/// A column holding one of the run vocabulary's stable names, parsed.
fn named<T>(row: &Row<'_>, index: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr<Err = mlcarbon_model::run::UnknownName>,
{
    let text: String = row.get(index)?;
    text.parse()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<RunRecord> {
    let json_list = |column: Col| -> rusqlite::Result<Vec<String>> {
        let text: String = get(row, column)?;
        serde_json::from_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(column as usize, Type::Text, Box::new(e))
        })
    };
    let mean = |sum: Col, n: Col| -> rusqlite::Result<Option<f64>> {
        let n: i64 = get(row, n)?;
        let sum: f64 = get(row, sum)?;
        Ok((n > 0).then(|| sum / n as f64))
    };
    let last_t_s: Option<f64> = get(row, Col::LastTS)?;
    let cpu_energy_kwh: f64 = get(row, Col::CpuEnergyKwh)?;
    let gpu_energy_kwh: f64 = get(row, Col::GpuEnergyKwh)?;
    let ram_energy_kwh: f64 = get(row, Col::RamEnergyKwh)?;
    Ok(RunRecord {
        id: get(row, Col::Id)?,
        start: RunStart {
            uuid: get(row, Col::Uuid)?,
            project: get(row, Col::Project)?,
            experiment: get(row, Col::Experiment)?,
            tags: json_list(Col::Tags)?,
            command: json_list(Col::Command)?,
            started_at: get(row, Col::StartedAt)?,
            pid: get(row, Col::Pid)?,
            hostname: get(row, Col::Hostname)?,
            os: get(row, Col::Os)?,
            mlcarbon_version: get(row, Col::MlcarbonVersion)?,
            location_label: get(row, Col::LocationLabel)?,
            zone: get(row, Col::Zone)?,
            provider: get(row, Col::Provider)?,
            region: get(row, Col::Region)?,
            country_iso: get(row, Col::CountryIso)?,
            country_name: get(row, Col::CountryName)?,
            intensity_g_per_kwh: get(row, Col::Intensity)?,
            intensity_origin: named(row, Col::IntensityOrigin as usize)?,
            intensity_source: get(row, Col::IntensitySource)?,
            pue: get(row, Col::Pue)?,
            cpu_model: get(row, Col::CpuModel)?,
            cpu_count: get(row, Col::CpuCount)?,
            gpu_model: get(row, Col::GpuModel)?,
            gpu_count: get(row, Col::GpuCount)?,
            ram_total_gb: get(row, Col::RamTotalGb)?,
            interval_s: get(row, Col::IntervalS)?,
            attribution: named(row, Col::Attribution as usize)?,
            placement: JobPlacement {
                job_key: get(row, Col::JobKey)?,
                rank: get(row, Col::Rank)?,
                local_rank: get(row, Col::LocalRank)?,
                world_size: get(row, Col::WorldSize)?,
            },
        },
        status: named(row, Col::Status as usize)?,
        ended_at: get(row, Col::EndedAt)?,
        duration_s: get(row, Col::DurationS)?,
        exit_code: get(row, Col::ExitCode)?,
        signal: get(row, Col::Signal)?,
        energy_kwh: get(row, Col::EnergyKwh)?,
        emissions_kg: get(row, Col::EmissionsKg)?,
        cpu_energy_kwh,
        gpu_energy_kwh,
        ram_energy_kwh,
        cpu_power_w: mean_power(cpu_energy_kwh * JOULES_PER_KWH, last_t_s),
        gpu_power_w: mean_power(gpu_energy_kwh * JOULES_PER_KWH, last_t_s),
        ram_power_w: mean_power(ram_energy_kwh * JOULES_PER_KWH, last_t_s),
        cpu_utilization: mean(Col::CpuUtilizationSum, Col::CpuUtilizationN)?,
        gpu_utilization: mean(Col::GpuUtilizationSum, Col::GpuUtilizationN)?,
        ram_used_gb: mean(Col::RamUsedGbSum, Col::RamUsedGbN)?,
        last_t_s,
        last_sample_at: get(row, Col::LastSampleAt)?,
        samples: get(row, Col::SampleCount)?,
        progress: get(row, Col::Progress)?,
        predicted_energy_kwh: get(row, Col::PredictedEnergyKwh)?,
        predicted_emissions_kg: get(row, Col::PredictedEmissionsKg)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_columns_are_read_at_their_select_positions() {
        let listed: Vec<&str> = RUN_COLUMNS.split(',').map(str::trim).collect();
        assert_eq!(listed.len(), RUN_COLUMN_LIST.len());
        for (column, name) in RUN_COLUMN_LIST {
            assert_eq!(listed[*column as usize], *name);
        }
    }

    /// The run lists read the newest rows from the index (schema v3) instead of sorting the
    /// table: no temporary B-tree for the ORDER BY.
    #[test]
    fn run_lists_are_ordered_by_the_start_index() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        for direction in ["DESC", "ASC"] {
            let sql = format!("EXPLAIN QUERY PLAN {}", runs_sql(direction, false));
            let mut statement = store.conn.prepare(&sql)?;
            let none = Option::<String>::None;
            let plan: Vec<String> = statement
                .query_map(
                    params![none, none, none, none, none, none, none, none, none],
                    |row| row.get(3),
                )?
                .collect::<Result<_, _>>()?;
            let plan = plan.join("; ");
            assert!(plan.contains("runs_by_start_time"), "{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
        Ok(())
    }
}
