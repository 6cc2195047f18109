//! The run store on PostgreSQL, for a team server: [`PgStore`] implements
//! [`mlcarbon_store::RunStore`] with the schema, checks and meaning of the SQLite store, and
//! passes the same tests (`mlcarbon_store::conformance`).
//!
//! Driver: `postgres`, the synchronous client built on tokio-postgres (rust-postgres). The
//! server calls the store from blocking threads (`spawn_blocking`) through a synchronous
//! trait, which this client fits as it is; an async driver would need a runtime bridged into
//! every call for no gain. A few pooled connections serve concurrent requests.
//!
//! Samples go in as one `INSERT ... SELECT FROM unnest(arrays)` per batch (a fixed statement
//! whatever the batch's size) with `ON CONFLICT (run_id, seq) DO NOTHING`: a retried batch
//! stores each sample once, and only the samples actually inserted are added to the totals.

mod accounts;
mod codecarbon;
mod pool;
pub mod schema;
mod slurm;
#[cfg(all(unix, feature = "throwaway"))]
pub mod throwaway;

use std::str::FromStr;

use mlcarbon_store::slurm::SlurmFiguresRow;
use mlcarbon_store::{
    CcExperiment, CcOrganization, CcProject, CcProjectToken, ComponentKind, ComponentPower,
    ComponentRecord, ComponentSample, JobPlacement, NewRun, Order, POINT_WINDOW, PowerPoint,
    PowerSeries, Prediction, ReportedInterval, RunEnd, RunFilter, RunId, RunRecord, RunStart,
    RunStatus, RunStore, RunWindow, SampleRow, StoreError, TokenHolder, TokenListing, TrackerCheck,
    User, UserToken, validate,
};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Config, NoTls, Row};

pub use schema::SCHEMA_VERSION;

use crate::pool::Pool;

const JOULES_PER_KWH: f64 = 3.6e6;

/// Connections a server opens at most: enough for concurrent requests and uploads on a small
/// machine, far below PostgreSQL's default cap of 100.
pub const DEFAULT_MAX_CONNECTIONS: usize = 8;

/// How long a connection attempt waits when the URL sets no `connect_timeout`.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Errors inside the backend, turned into [`StoreError`] at the trait.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PgError {
    #[error(transparent)]
    Db(#[from] postgres::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("schema version {0} is newer than this mlcarbon knows")]
    NewerSchema(u32),
}

impl From<PgError> for StoreError {
    fn from(error: PgError) -> StoreError {
        match error {
            PgError::Db(e) => StoreError::Server(Box::new(e)),
            PgError::Store(e) => e,
            PgError::NewerSchema(found) => StoreError::NewerSchema {
                found,
                supported: SCHEMA_VERSION,
            },
        }
    }
}

/// Whether `text` names a PostgreSQL database (`postgres://` or `postgresql://`) rather than a
/// SQLite file.
pub fn is_postgres_url(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower.starts_with("postgresql://") || lower.starts_with("postgres://")
}

/// The run database on a PostgreSQL server.
pub struct PgStore {
    pool: Pool,
    location: String,
    trackers: TrackerCheck,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgStore({})", self.location)
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgresql://USER[:PASSWORD]@HOST[:PORT]/DB`, or
    /// libpq's `key=value` form), migrates it, and reads runs as this machine sees them
    /// ([`TrackerCheck::this_machine`]). Call it outside any async runtime (the synchronous
    /// client runs its own).
    pub fn connect(url: &str) -> Result<PgStore, StoreError> {
        PgStore::connect_with(url, DEFAULT_MAX_CONNECTIONS)
    }

    /// [`PgStore::connect`] with at most `max_connections` open at once.
    pub fn connect_with(url: &str, max_connections: usize) -> Result<PgStore, StoreError> {
        let mut config = Config::from_str(url).map_err(|e| StoreError::Invalid {
            field: "database URL",
            reason: format!(
                "{e}; expected postgresql://USER@HOST[:PORT]/DB (a password, if any, after \
                 USER: as USER:PASSWORD)"
            ),
        })?;
        // A host that drops packets would otherwise hold `serve` for minutes before its error.
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let location = describe(&config);
        if config.get_dbname().is_none() {
            return Err(StoreError::Invalid {
                field: "database URL",
                reason: format!(
                    "`{location}` names no database: add it as the path, \
                     postgresql://USER@HOST[:PORT]/DB"
                ),
            });
        }
        let mut first = config.connect(NoTls).map_err(|e| StoreError::Connect {
            location: location.clone(),
            reason: format!(
                "{}; check that PostgreSQL runs there and that the URL's host, port, user and \
                 database are right (`psql URL` tries the same)",
                error_text(&e)
            ),
        })?;
        schema::migrate(&mut first)?;
        Ok(PgStore {
            pool: Pool::new(config, first, max_connections),
            location,
            trackers: TrackerCheck::this_machine(),
        })
    }

    /// Which runs read as interrupted when their tracker is gone (see [`TrackerCheck`]).
    pub fn set_tracker_check(&mut self, check: TrackerCheck) {
        self.trackers = check;
    }

    fn client(&self) -> Result<pool::Lent<'_>, PgError> {
        Ok(self.pool.get()?)
    }
}

/// The URL of `config` for messages: user, host, port and database, never the password.
fn describe(config: &Config) -> String {
    let user = config.get_user().unwrap_or("");
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let db = config.get_dbname().unwrap_or("");
    let at = if user.is_empty() { "" } else { "@" };
    format!("postgresql://{user}{at}{host}{port}/{db}")
}

/// A driver error with its cause: `postgres::Error`'s own text can be as short as "error
/// connecting to server".
fn error_text(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return db.message().to_string();
    }
    match std::error::Error::source(error) {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}

fn is_unique_violation(error: &postgres::Error) -> bool {
    error.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

fn found(updated: u64, run: RunId) -> Result<(), PgError> {
    if updated == 0 {
        Err(StoreError::NotFound(run).into())
    } else {
        Ok(())
    }
}

fn to_i64(field: &'static str, value: u64) -> Result<i64, PgError> {
    i64::try_from(value)
        .map_err(|_| StoreError::Invalid {
            field,
            reason: "larger than 2^63 - 1".into(),
        })
        .map_err(PgError::from)
}

/// A stored whole number as the record's unsigned one.
fn unsigned<T: TryFrom<i64>>(run: RunId, field: &'static str, value: i64) -> Result<T, StoreError> {
    T::try_from(value).map_err(|_| StoreError::Corrupt {
        run,
        field,
        reason: format!("{value} is out of range"),
    })
}

const RUN_COLUMNS: &str = "id, uuid, project, experiment, tags, command, started_at, pid, \
    hostname, os, mlcarbon_version, location_label, zone, provider, region, country_iso, \
    country_name, intensity_g_per_kwh, intensity_origin, intensity_source, pue, cpu_model, \
    cpu_count, gpu_model, gpu_count, ram_total_gb, interval_s, status, ended_at, duration_s, \
    exit_code, signal, energy_kwh, emissions_kg, cpu_energy_kwh, gpu_energy_kwh, \
    ram_energy_kwh, cpu_utilization_sum, cpu_utilization_n, gpu_utilization_sum, \
    gpu_utilization_n, ram_used_gb_sum, ram_used_gb_n, last_t_s, last_sample_at, \
    sample_count, progress, predicted_energy_kwh, predicted_emissions_kg, attribution, job_key, \
    rank, local_rank, world_size";

fn run_from_row(row: &Row) -> Result<RunRecord, StoreError> {
    let id: i64 = row.try_get("id").map_err(db)?;
    let text = |name: &str| -> Result<String, StoreError> { row.try_get(name).map_err(db) };
    let opt_text =
        |name: &str| -> Result<Option<String>, StoreError> { row.try_get(name).map_err(db) };
    let num = |name: &str| -> Result<f64, StoreError> { row.try_get(name).map_err(db) };
    let opt_num = |name: &str| -> Result<Option<f64>, StoreError> { row.try_get(name).map_err(db) };
    let int = |name: &str| -> Result<i64, StoreError> { row.try_get(name).map_err(db) };
    let opt_unsigned = |name: &'static str| -> Result<Option<u32>, StoreError> {
        let value: Option<i64> = row.try_get(name).map_err(db)?;
        value.map(|v| unsigned(id, name, v)).transpose()
    };
    let json_list = |field: &'static str| -> Result<Vec<String>, StoreError> {
        serde_json::from_str(&text(field)?).map_err(|e| StoreError::Corrupt {
            run: id,
            field,
            reason: e.to_string(),
        })
    };
    let mean = |sum: &str, n: &str| -> Result<Option<f64>, StoreError> {
        let n = int(n)?;
        let sum = num(sum)?;
        Ok((n > 0).then(|| sum / n as f64))
    };
    let last_t_s = opt_num("last_t_s")?;
    let cpu_energy_kwh = num("cpu_energy_kwh")?;
    let gpu_energy_kwh = num("gpu_energy_kwh")?;
    let ram_energy_kwh = num("ram_energy_kwh")?;
    let power = |kwh: f64| validate::mean_power(kwh * JOULES_PER_KWH, last_t_s);
    let exit_code: Option<i32> = row.try_get("exit_code").map_err(db)?;
    let signal: Option<i32> = row.try_get("signal").map_err(db)?;
    Ok(RunRecord {
        id,
        start: RunStart {
            uuid: text("uuid")?,
            project: text("project")?,
            experiment: opt_text("experiment")?,
            tags: json_list("tags")?,
            command: json_list("command")?,
            started_at: text("started_at")?,
            pid: unsigned(id, "pid", int("pid")?)?,
            hostname: text("hostname")?,
            os: text("os")?,
            mlcarbon_version: text("mlcarbon_version")?,
            location_label: text("location_label")?,
            zone: opt_text("zone")?,
            provider: opt_text("provider")?,
            region: opt_text("region")?,
            country_iso: opt_text("country_iso")?,
            country_name: opt_text("country_name")?,
            intensity_g_per_kwh: num("intensity_g_per_kwh")?,
            intensity_origin: parse_name(id, "intensity_origin", &text("intensity_origin")?)?,
            intensity_source: opt_text("intensity_source")?,
            pue: num("pue")?,
            cpu_model: opt_text("cpu_model")?,
            cpu_count: unsigned(id, "cpu_count", int("cpu_count")?)?,
            gpu_model: opt_text("gpu_model")?,
            gpu_count: unsigned(id, "gpu_count", int("gpu_count")?)?,
            ram_total_gb: num("ram_total_gb")?,
            interval_s: num("interval_s")?,
            attribution: parse_name(id, "attribution", &text("attribution")?)?,
            placement: JobPlacement {
                job_key: opt_text("job_key")?,
                rank: opt_unsigned("rank")?,
                local_rank: opt_unsigned("local_rank")?,
                world_size: opt_unsigned("world_size")?,
            },
        },
        status: parse_name(id, "status", &text("status")?)?,
        ended_at: opt_text("ended_at")?,
        duration_s: opt_num("duration_s")?,
        exit_code,
        signal,
        energy_kwh: num("energy_kwh")?,
        emissions_kg: num("emissions_kg")?,
        cpu_energy_kwh,
        gpu_energy_kwh,
        ram_energy_kwh,
        cpu_power_w: power(cpu_energy_kwh),
        gpu_power_w: power(gpu_energy_kwh),
        ram_power_w: power(ram_energy_kwh),
        cpu_utilization: mean("cpu_utilization_sum", "cpu_utilization_n")?,
        gpu_utilization: mean("gpu_utilization_sum", "gpu_utilization_n")?,
        ram_used_gb: mean("ram_used_gb_sum", "ram_used_gb_n")?,
        last_t_s,
        last_sample_at: opt_text("last_sample_at")?,
        samples: unsigned(id, "sample_count", int("sample_count")?)?,
        progress: opt_num("progress")?,
        predicted_energy_kwh: opt_num("predicted_energy_kwh")?,
        predicted_emissions_kg: opt_num("predicted_emissions_kg")?,
    })
}

/// A column holding one of the run vocabulary's stable names, parsed.
fn parse_name<T>(run: RunId, field: &'static str, text: &str) -> Result<T, StoreError>
where
    T: FromStr<Err = mlcarbon_model::run::UnknownName>,
{
    text.parse().map_err(|e| StoreError::Corrupt {
        run,
        field,
        reason: format!("{e}"),
    })
}

fn db(error: postgres::Error) -> StoreError {
    StoreError::Server(Box::new(error))
}

/// The query of [`RunStore::each_run`]: `$1`..`$5` filter, `$6`/`$7` the stored statuses, `$8`
/// a limit (NULL: none), `$9` the job.
fn runs_sql(order: Order) -> String {
    let direction = match order {
        Order::NewestFirst => "DESC",
        Order::OldestFirst => "ASC",
    };
    format!(
        "SELECT {RUN_COLUMNS} FROM runs
         WHERE ($1::text IS NULL OR project = $1)
           AND ($2::text IS NULL OR experiment = $2)
           AND ($3::text IS NULL
                OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(runs.tags::jsonb) AS t (tag)
                           WHERE t.tag = $3))
           AND ($4::text IS NULL OR started_at_ts >= $4::text::timestamptz)
           AND ($5::text IS NULL OR started_at_ts < $5::text::timestamptz)
           AND ($6::text IS NULL OR status = $6 OR status = $7::text)
           AND ($9::text IS NULL OR job_key = $9)
           AND ($10::text[] IS NULL OR NOT EXISTS (
                SELECT 1 FROM codecarbon_projects p
                WHERE p.name = runs.project AND NOT (p.organization_id = ANY ($10))))
         ORDER BY started_at_ts {direction}, id {direction}
         LIMIT $8::bigint"
    )
}

/// The batch's samples that are new, each once (the first of a repeated seq), in seq order.
fn new_samples<'s>(samples: &[&'s SampleRow], inserted: &[i64]) -> Vec<&'s SampleRow> {
    let mut wanted: std::collections::HashSet<i64> = inserted.iter().copied().collect();
    let mut new = Vec::with_capacity(wanted.len());
    for &sample in samples {
        if i64::try_from(sample.seq).is_ok_and(|seq| wanted.remove(&seq)) {
            new.push(sample);
        }
    }
    new
}

/// Stores the samples of `run` not stored yet, in `tx` (whose caller holds the run's row lock),
/// and adds them to the run's and its components' totals.
fn insert_batch(
    tx: &mut postgres::Transaction<'_>,
    run: RunId,
    samples: &[SampleRow],
) -> Result<(), PgError> {
    let declared: Vec<(i64, String, Option<ComponentKind>)> = tx
        .query(
            "SELECT id, key, kind FROM run_components WHERE run_id = $1",
            &[&run],
        )?
        .iter()
        .map(|row| {
            let kind: String = row.get(2);
            (row.get(0), row.get(1), kind.parse().ok())
        })
        .collect();
    let component_of = |sample: &SampleRow, reading: &ComponentSample| {
        declared
            .iter()
            .find(|(_, key, _)| *key == reading.key)
            .map(|(id, _, kind)| (*id, *kind))
            .ok_or_else(|| StoreError::UnknownComponent {
                run,
                seq: sample.seq,
                key: reading.key.clone(),
            })
    };
    for sample in samples {
        to_i64("sample seq", sample.seq)?;
        for reading in &sample.components {
            component_of(sample, reading)?;
        }
    }

    // Sorted by seq: concurrent writers of overlapping batches take row locks in one order.
    let mut sorted: Vec<&SampleRow> = samples.iter().collect();
    sorted.sort_by_key(|s| s.seq);
    let seqs: Vec<i64> = sorted
        .iter()
        .map(|s| i64::try_from(s.seq).unwrap_or(i64::MAX))
        .collect();
    let t_s: Vec<f64> = sorted.iter().map(|s| s.t_s).collect();
    let timestamps: Vec<&str> = sorted.iter().map(|s| s.timestamp.as_str()).collect();
    let intensity: Vec<f64> = sorted.iter().map(|s| s.intensity_g_per_kwh).collect();
    let power: Vec<f64> = sorted.iter().map(|s| s.total_power_w).collect();
    let energy: Vec<f64> = sorted.iter().map(|s| s.energy_kwh).collect();
    let emissions: Vec<f64> = sorted.iter().map(|s| s.emissions_kg).collect();
    let cpu_u: Vec<Option<f64>> = sorted.iter().map(|s| s.cpu_utilization).collect();
    let gpu_u: Vec<Option<f64>> = sorted.iter().map(|s| s.gpu_utilization).collect();
    let ram: Vec<Option<f64>> = sorted.iter().map(|s| s.ram_used_gb).collect();
    let inserted: Vec<i64> = tx
        .query(
            "INSERT INTO samples (run_id, seq, t_s, timestamp, intensity_g_per_kwh,
                 total_power_w, energy_kwh, emissions_kg, cpu_utilization, gpu_utilization,
                 ram_used_gb)
             SELECT $1::bigint, u.* FROM unnest($2::bigint[], $3::float8[], $4::text[],
                 $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[],
                 $10::float8[], $11::float8[]) AS u
             ON CONFLICT (run_id, seq) DO NOTHING
             RETURNING seq",
            &[
                &run,
                &seqs,
                &t_s,
                &timestamps,
                &intensity,
                &power,
                &energy,
                &emissions,
                &cpu_u,
                &gpu_u,
                &ram,
            ],
        )?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let new = new_samples(&sorted, &inserted);
    if new.is_empty() {
        return Ok(());
    }

    // The new samples' readings and what they add to the run's and components' totals.
    let (mut r_seq, mut r_position, mut r_component, mut r_power, mut r_energy) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut component_j: Vec<(i64, f64)> = Vec::new();
    let (mut cpu_j, mut gpu_j, mut ram_j) = (0.0, 0.0, 0.0);
    let mut sums = [(0.0, 0_i64); 3];
    let mut peak_w: f64 = 0.0;
    let mut latest = new[0];
    for sample in &new {
        for (position, reading) in sample.components.iter().enumerate() {
            let (component, kind) = component_of(sample, reading)?;
            r_seq.push(to_i64("sample seq", sample.seq)?);
            r_position.push(i32::try_from(position).unwrap_or(i32::MAX));
            r_component.push(component);
            r_power.push(reading.power_w);
            r_energy.push(reading.energy_j);
            match component_j.iter_mut().find(|(id, _)| *id == component) {
                Some((_, joules)) => *joules += reading.energy_j,
                None => component_j.push((component, reading.energy_j)),
            }
            match kind {
                Some(ComponentKind::Cpu) => cpu_j += reading.energy_j,
                Some(ComponentKind::Gpu) => gpu_j += reading.energy_j,
                Some(ComponentKind::Ram) => ram_j += reading.energy_j,
                None => {}
            }
        }
        for (sum, value) in sums.iter_mut().zip([
            sample.cpu_utilization,
            sample.gpu_utilization,
            sample.ram_used_gb,
        ]) {
            if let Some(value) = value {
                sum.0 += value;
                sum.1 += 1;
            }
        }
        peak_w = peak_w.max(sample.total_power_w);
        if sample.t_s >= latest.t_s {
            latest = sample;
        }
    }
    if !r_seq.is_empty() {
        tx.execute(
            "INSERT INTO sample_components (run_id, seq, position, component_id, power_w,
                 energy_j)
             SELECT $1::bigint, u.* FROM unnest($2::bigint[], $3::int[], $4::bigint[],
                 $5::float8[], $6::float8[]) AS u",
            &[&run, &r_seq, &r_position, &r_component, &r_power, &r_energy],
        )?;
        let (ids, joules): (Vec<i64>, Vec<f64>) = component_j.into_iter().unzip();
        tx.execute(
            "UPDATE run_components AS c SET energy_j = c.energy_j + d.joules
             FROM unnest($1::bigint[], $2::float8[]) AS d (id, joules)
             WHERE c.id = d.id",
            &[&ids, &joules],
        )?;
    }
    let count = i64::try_from(new.len()).unwrap_or(i64::MAX);
    tx.execute(
        "UPDATE runs SET
             energy_kwh = CASE WHEN $2 >= coalesce(last_t_s, $2) THEN $3 ELSE energy_kwh END,
             emissions_kg =
                 CASE WHEN $2 >= coalesce(last_t_s, $2) THEN $4 ELSE emissions_kg END,
             last_sample_at =
                 CASE WHEN $2 >= coalesce(last_t_s, $2) THEN $5 ELSE last_sample_at END,
             last_t_s = greatest(coalesce(last_t_s, $2), $2),
             cpu_energy_kwh = cpu_energy_kwh + $6,
             gpu_energy_kwh = gpu_energy_kwh + $7,
             ram_energy_kwh = ram_energy_kwh + $8,
             cpu_utilization_sum = cpu_utilization_sum + $9,
             cpu_utilization_n = cpu_utilization_n + $10,
             gpu_utilization_sum = gpu_utilization_sum + $11,
             gpu_utilization_n = gpu_utilization_n + $12,
             ram_used_gb_sum = ram_used_gb_sum + $13,
             ram_used_gb_n = ram_used_gb_n + $14,
             sample_count = sample_count + $15,
             peak_power_w = greatest(coalesce(peak_power_w, 0), $16)
         WHERE id = $1",
        &[
            &run,
            &latest.t_s,
            &latest.energy_kwh,
            &latest.emissions_kg,
            &latest.timestamp,
            &(cpu_j / JOULES_PER_KWH),
            &(gpu_j / JOULES_PER_KWH),
            &(ram_j / JOULES_PER_KWH),
            &sums[0].0,
            &sums[0].1,
            &sums[1].0,
            &sums[1].1,
            &sums[2].0,
            &sums[2].1,
            &count,
            &peak_w,
        ],
    )?;
    Ok(())
}

impl PgStore {
    fn add_samples_pg(&self, run: RunId, samples: &[SampleRow]) -> Result<(), PgError> {
        for sample in samples {
            validate::sample(sample)?;
        }
        if samples.is_empty() {
            // Still a NotFound for a missing run, as SQLite answers.
            self.run_last_t_s(run)?;
            return Ok(());
        }
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        // The run's row locked first: batches of one run are stored one after the other, so
        // two retries of a batch never race over the totals.
        if tx
            .query_opt("SELECT id FROM runs WHERE id = $1 FOR UPDATE", &[&run])?
            .is_none()
        {
            return Err(StoreError::NotFound(run).into());
        }
        insert_batch(&mut tx, run, samples)?;
        tx.commit()?;
        Ok(())
    }

    fn add_reported_interval_pg(
        &self,
        run: RunId,
        interval: &ReportedInterval,
    ) -> Result<SampleRow, PgError> {
        validate::timestamp("interval timestamp", &interval.timestamp)?;
        for (field, value) in [
            ("interval duration_s", interval.duration_s),
            ("interval energy_kwh", interval.energy_kwh),
            ("interval emissions_kg", interval.emissions_kg),
        ] {
            validate::finite_non_negative(field, value)?;
        }
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        // The row locked while its totals are read: two intervals of one run never read the
        // same totals.
        let Some(totals) = tx.query_opt(
            "SELECT sample_count, coalesce(last_t_s, 0), energy_kwh, emissions_kg,
                 intensity_g_per_kwh
             FROM runs WHERE id = $1 FOR UPDATE",
            &[&run],
        )?
        else {
            return Err(StoreError::NotFound(run).into());
        };
        let count: i64 = totals.get(0);
        let (last_t_s, energy_kwh, emissions_kg, run_intensity): (f64, f64, f64, f64) =
            (totals.get(1), totals.get(2), totals.get(3), totals.get(4));
        let intensity = if interval.energy_kwh > 0.0 {
            // kg/kWh to g/kWh
            interval.emissions_kg / interval.energy_kwh * 1000.0
        } else {
            run_intensity
        };
        let sample = SampleRow {
            seq: unsigned(run, "sample_count", count)?,
            t_s: last_t_s + interval.duration_s,
            timestamp: interval.timestamp.clone(),
            intensity_g_per_kwh: intensity,
            total_power_w: interval.components.iter().map(|c| c.power_w).sum(),
            components: interval.components.clone(),
            energy_kwh: energy_kwh + interval.energy_kwh,
            emissions_kg: emissions_kg + interval.emissions_kg,
            cpu_utilization: interval.cpu_utilization,
            gpu_utilization: interval.gpu_utilization,
            ram_used_gb: interval.ram_used_gb,
        };
        validate::sample(&sample)?;
        insert_batch(&mut tx, run, std::slice::from_ref(&sample))?;
        tx.execute(
            "UPDATE runs SET
                 interval_s = CASE WHEN $2::bigint = 0 THEN $3 ELSE greatest(interval_s, $3) END,
                 intensity_g_per_kwh = CASE WHEN $2::bigint = 0 OR intensity_g_per_kwh = 0 THEN $4
                     ELSE intensity_g_per_kwh END
             WHERE id = $1",
            &[&run, &count, &interval.duration_s, &intensity],
        )?;
        tx.commit()?;
        Ok(sample)
    }

    fn add_window_pg(&self, run: RunId, window: &RunWindow) -> Result<(), PgError> {
        validate::window(window)?;
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        // Locked, so that two windows added at once take successive positions.
        if tx
            .query_opt("SELECT id FROM runs WHERE id = $1 FOR UPDATE", &[&run])?
            .is_none()
        {
            return Err(StoreError::NotFound(run).into());
        }
        tx.execute(
            "INSERT INTO run_windows (run_id, position, name, started_at, ended_at, start_t_s,
                 end_t_s, energy_kwh, emissions_kg)
             VALUES ($1, (SELECT coalesce(max(position) + 1, 0) FROM run_windows
                          WHERE run_id = $1), $2, $3, $4, $5, $6, $7, $8)",
            &[
                &run,
                &window.name,
                &window.started_at,
                &window.ended_at,
                &window.start_t_s,
                &window.end_t_s,
                &window.energy_kwh,
                &window.emissions_kg,
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn windows_pg(&self, run: RunId) -> Result<Vec<RunWindow>, PgError> {
        self.run_last_t_s(run)?;
        let rows = self.client()?.query(
            "SELECT name, started_at, ended_at, start_t_s, end_t_s, energy_kwh, emissions_kg
             FROM run_windows WHERE run_id = $1 ORDER BY position",
            &[&run],
        )?;
        Ok(rows
            .iter()
            .map(|row| RunWindow {
                name: row.get(0),
                started_at: row.get(1),
                ended_at: row.get(2),
                start_t_s: row.get(3),
                end_t_s: row.get(4),
                energy_kwh: row.get(5),
                emissions_kg: row.get(6),
            })
            .collect())
    }

    fn machine_tracker_on_pg(&self, hostname: &str) -> Result<Option<RunRecord>, PgError> {
        let rows = self.client()?.query(
            &format!(
                "SELECT {RUN_COLUMNS} FROM runs
                 WHERE status = 'running' AND attribution = 'machine' AND hostname = $1
                 ORDER BY id DESC"
            ),
            &[&hostname],
        )?;
        for row in &rows {
            let run = self.trackers.apply(run_from_row(row)?);
            if run.status == RunStatus::Running {
                return Ok(Some(run));
            }
        }
        Ok(None)
    }

    fn each_slurm_figures_pg(
        &self,
        cluster: Option<&str>,
        each: &mut dyn FnMut(&SlurmFiguresRow<'_>) -> Result<(), StoreError>,
    ) -> Result<u64, PgError> {
        use postgres::fallible_iterator::FallibleIterator;

        let mut client = self.client()?;
        let mut rows = client.query_raw(
            &format!(
                "SELECT {} FROM slurm_job_figures WHERE $1::text IS NULL OR cluster = $1",
                slurm::FIGURE_COLUMNS
            ),
            [&cluster as &(dyn ToSql + Sync)],
        )?;
        let mut jobs = 0;
        while let Some(row) = rows.next()? {
            let figures = slurm::figures_from_row(&row)?;
            jobs += 1;
            each(&figures)?;
        }
        Ok(jobs)
    }

    /// Seconds covered by the run's samples; `NotFound` when there is no such run.
    fn run_last_t_s(&self, id: RunId) -> Result<Option<f64>, PgError> {
        let row = self
            .client()?
            .query_opt("SELECT last_t_s FROM runs WHERE id = $1", &[&id])?;
        match row {
            Some(row) => Ok(row.get(0)),
            None => Err(StoreError::NotFound(id).into()),
        }
    }

    fn each_run_pg(
        &self,
        filter: &RunFilter,
        order: Order,
        each: &mut dyn FnMut(RunRecord) -> Result<(), StoreError>,
    ) -> Result<(), PgError> {
        use postgres::fallible_iterator::FallibleIterator;

        if let Some(since) = &filter.since {
            validate::timestamp("since", since)?;
        }
        if let Some(until) = &filter.until {
            validate::timestamp("until", until)?;
        }
        // As SQLite's: a run stored `running` may read `interrupted`, so both are read for
        // either and the limit is counted once the status is known.
        let stored: Option<[RunStatus; 2]> = match filter.status {
            Some(RunStatus::Running | RunStatus::Interrupted)
                if self.trackers != TrackerCheck::Off =>
            {
                Some([RunStatus::Running, RunStatus::Interrupted])
            }
            Some(status) => Some([status, status]),
            None => None,
        };
        let first_status = stored.map(|s| s[0].as_str());
        let second_status = stored.map(|s| s[1].as_str());
        let limit = filter.limit.unwrap_or(usize::MAX);
        // The database may stop at the limit only where no status is read differently.
        let sql_limit: Option<i64> = match filter.status {
            None => filter.limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX)),
            Some(_) => None,
        };
        let params: [&(dyn ToSql + Sync); 10] = [
            &filter.project,
            &filter.experiment,
            &filter.tag,
            &filter.since,
            &filter.until,
            &first_status,
            &second_status,
            &sql_limit,
            &filter.job_key,
            &filter.visible_to,
        ];
        let mut client = self.client()?;
        let mut rows = client.query_raw(&runs_sql(order), params)?;
        let mut handed = 0;
        while handed < limit {
            let Some(row) = rows.next()? else {
                break;
            };
            let run = self.trackers.apply(run_from_row(&row)?);
            if filter.status.is_some_and(|wanted| wanted != run.status) {
                continue;
            }
            handed += 1;
            each(run)?;
        }
        Ok(())
    }

    fn each_sample_pg(
        &self,
        id: RunId,
        each: &mut dyn FnMut(SampleRow) -> Result<(), StoreError>,
    ) -> Result<(), PgError> {
        use postgres::fallible_iterator::FallibleIterator;

        self.run_last_t_s(id)?;
        let mut client = self.client()?;
        // One query, one row per reading (or per sample without readings), in order: a
        // sample is handed on when the next one starts.
        let mut rows = client.query_raw(
            "SELECT s.seq, s.t_s, s.timestamp, s.intensity_g_per_kwh, s.total_power_w,
                 s.energy_kwh, s.emissions_kg, s.cpu_utilization, s.gpu_utilization,
                 s.ram_used_gb, c.key, sc.power_w, sc.energy_j
             FROM samples s
             LEFT JOIN sample_components sc ON sc.run_id = s.run_id AND sc.seq = s.seq
             LEFT JOIN run_components c ON c.id = sc.component_id
             WHERE s.run_id = $1
             ORDER BY s.seq, sc.position",
            [&id as &(dyn ToSql + Sync)],
        )?;
        let mut pending: Option<SampleRow> = None;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.try_get(0)?;
            let seq: u64 = unsigned(id, "seq", seq)?;
            if pending.as_ref().is_some_and(|p| p.seq != seq)
                && let Some(done) = pending.take()
            {
                each(done)?;
            }
            let sample = match &mut pending {
                Some(sample) => sample,
                None => pending.insert(SampleRow {
                    seq,
                    t_s: row.try_get(1)?,
                    timestamp: row.try_get(2)?,
                    intensity_g_per_kwh: row.try_get(3)?,
                    components: Vec::new(),
                    total_power_w: row.try_get(4)?,
                    energy_kwh: row.try_get(5)?,
                    emissions_kg: row.try_get(6)?,
                    cpu_utilization: row.try_get(7)?,
                    gpu_utilization: row.try_get(8)?,
                    ram_used_gb: row.try_get(9)?,
                }),
            };
            let key: Option<String> = row.try_get(10)?;
            if let Some(key) = key {
                sample.components.push(ComponentSample {
                    key,
                    power_w: row.try_get(11)?,
                    energy_j: row.try_get(12)?,
                });
            }
        }
        if let Some(done) = pending {
            each(done)?;
        }
        Ok(())
    }

    fn power_series_pg(&self, id: RunId, points: usize) -> Result<PowerSeries, PgError> {
        let mut client = self.client()?;
        let Some(head) = client.query_opt(
            "SELECT (SELECT min(seq) FROM samples WHERE run_id = $1),
                    (SELECT max(seq) FROM samples WHERE run_id = $1),
                    sample_count, peak_power_w
             FROM runs WHERE id = $1",
            &[&id],
        )?
        else {
            return Err(StoreError::NotFound(id).into());
        };
        let (first, last): (Option<i64>, Option<i64>) = (head.get(0), head.get(1));
        let samples: u64 = unsigned(id, "sample_count", head.get(2))?;
        let peak_w: Option<f64> = head.get(3);
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(PowerSeries::default());
        };
        let span = last - first + 1;
        let points = i64::try_from(points.max(1)).unwrap_or(i64::MAX).min(span);
        // Slice k covers seq [first + k·span/points, first + (k+1)·span/points), its first
        // POINT_WINDOW samples averaged: the SQLite store's points, in two queries.
        let slices = "WITH slices AS (
                SELECT k, $2::bigint + k * $3::bigint / $4::bigint AS low,
                       least($2::bigint + (k + 1) * $3::bigint / $4::bigint,
                             $2::bigint + k * $3::bigint / $4::bigint + $5::bigint) AS high
                FROM generate_series(0::bigint, $4::bigint - 1) AS k)";
        let params: [&(dyn ToSql + Sync); 5] = [&id, &first, &span, &points, &POINT_WINDOW];
        let totals = client.query(
            &format!(
                "{slices}
                 SELECT slices.k, max(s.t_s), avg(s.total_power_w), max(s.emissions_kg), count(*)
                 FROM slices JOIN samples s
                     ON s.run_id = $1 AND s.seq >= slices.low AND s.seq < slices.high
                 GROUP BY slices.k ORDER BY slices.k"
            ),
            &params,
        )?;
        let readings = client.query(
            &format!(
                "{slices}
                 SELECT slices.k, c.key, avg(sc.power_w)
                 FROM slices
                 JOIN sample_components sc
                     ON sc.run_id = $1 AND sc.seq >= slices.low AND sc.seq < slices.high
                 JOIN run_components c ON c.id = sc.component_id
                 GROUP BY slices.k, c.id, c.key ORDER BY slices.k, c.id"
            ),
            &params,
        )?;
        let mut readings = readings.iter().peekable();
        let mut series = Vec::with_capacity(totals.len());
        for row in &totals {
            let slice: i64 = row.get(0);
            let mut point = PowerPoint {
                t_s: row.get(1),
                mean_w: row.get(2),
                emissions_kg: row.get(3),
                samples: unsigned(id, "samples", row.get(4))?,
                components: Vec::new(),
            };
            while let Some(reading) = readings.next_if(|r| r.get::<_, i64>(0) <= slice) {
                if reading.get::<_, i64>(0) == slice {
                    point.components.push(ComponentPower {
                        key: reading.get(1),
                        mean_w: reading.get(2),
                    });
                }
            }
            series.push(point);
        }
        Ok(PowerSeries {
            points: series,
            peak_w,
            samples,
        })
    }
}

impl RunStore for PgStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn schema_version(&self) -> Result<u32, StoreError> {
        let mut client = self.client()?;
        Ok(schema::version(&mut client)?)
    }

    fn tracker_check(&self) -> TrackerCheck {
        self.trackers.clone()
    }

    fn recover_interrupted(
        &self,
        is_alive: &dyn Fn(u32, &str) -> bool,
    ) -> Result<Vec<RunId>, StoreError> {
        let mut client = self.client()?;
        let running = client
            .query(
                "SELECT id, pid, hostname FROM runs WHERE status = $1 ORDER BY id",
                &[&RunStatus::Running.as_str()],
            )
            .map_err(db)?;
        let mut marked = Vec::new();
        for row in running {
            let (id, pid, hostname): (i64, i64, String) = (row.get(0), row.get(1), row.get(2));
            if is_alive(u32::try_from(pid).unwrap_or(0), &hostname) {
                continue;
            }
            // `status = 'running'` again: the run may have finished since it was read above.
            let updated = client
                .execute(
                    "UPDATE runs SET status = $2,
                         ended_at = coalesce(last_sample_at, started_at),
                         duration_s = coalesce(last_t_s, 0)
                     WHERE id = $1 AND status = $3",
                    &[
                        &id,
                        &RunStatus::Interrupted.as_str(),
                        &RunStatus::Running.as_str(),
                    ],
                )
                .map_err(db)?;
            if updated == 1 {
                marked.push(id);
            }
        }
        Ok(marked)
    }

    fn start_run(&self, new_run: &NewRun) -> Result<RunId, StoreError> {
        validate::new_run(new_run)?;
        let run = &new_run.start;
        let tags = serde_json::to_string(&run.tags)?;
        let command = serde_json::to_string(&run.command)?;
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(db)?;
        let inserted = tx.query_one(
            "INSERT INTO runs (uuid, project, experiment, tags, command, started_at,
                 started_at_ts, pid, hostname, os, mlcarbon_version, location_label, zone,
                 provider, region, country_iso, country_name, intensity_g_per_kwh,
                 intensity_origin, intensity_source, pue, cpu_model, cpu_count, gpu_model,
                 gpu_count, ram_total_gb, interval_s, status, attribution, job_key, rank,
                 local_rank, world_size)
             VALUES ($1, $2, $3, $4, $5, $6, $6::text::timestamptz, $7, $8, $9, $10, $11, $12,
                 $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28,
                 $29, $30, $31, $32)
             RETURNING id",
            &[
                &run.uuid,
                &run.project,
                &run.experiment,
                &tags,
                &command,
                &run.started_at,
                &i64::from(run.pid),
                &run.hostname,
                &run.os,
                &run.mlcarbon_version,
                &run.location_label,
                &run.zone,
                &run.provider,
                &run.region,
                &run.country_iso,
                &run.country_name,
                &run.intensity_g_per_kwh,
                &run.intensity_origin.as_str(),
                &run.intensity_source,
                &run.pue,
                &run.cpu_model,
                &i64::from(run.cpu_count),
                &run.gpu_model,
                &i64::from(run.gpu_count),
                &run.ram_total_gb,
                &run.interval_s,
                &RunStatus::Running.as_str(),
                &run.attribution.as_str(),
                &run.placement.job_key,
                &run.placement.rank.map(i64::from),
                &run.placement.local_rank.map(i64::from),
                &run.placement.world_size.map(i64::from),
            ],
        );
        let id: i64 = match inserted {
            Ok(row) => row.get(0),
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::DuplicateRun(run.uuid.clone()));
            }
            Err(e) => return Err(db(e)),
        };
        for c in &new_run.components {
            tx.execute(
                "INSERT INTO run_components (run_id, key, kind, label, method)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&id, &c.key, &c.kind.as_str(), &c.label, &c.method.as_str()],
            )
            .map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(id)
    }

    fn add_samples(&self, run: RunId, samples: &[SampleRow]) -> Result<(), StoreError> {
        Ok(self.add_samples_pg(run, samples)?)
    }

    fn set_prediction(&self, run: RunId, prediction: &Prediction) -> Result<(), StoreError> {
        validate::prediction(prediction)?;
        let updated = self
            .client()?
            .execute(
                "UPDATE runs SET progress = $2, predicted_energy_kwh = $3,
                     predicted_emissions_kg = $4
                 WHERE id = $1",
                &[
                    &run,
                    &prediction.progress,
                    &prediction.predicted_energy_kwh,
                    &prediction.predicted_emissions_kg,
                ],
            )
            .map_err(db)?;
        Ok(found(updated, run)?)
    }

    fn finish_run(&self, run: RunId, end: &RunEnd) -> Result<(), StoreError> {
        validate::run_end(end)?;
        let updated = self
            .client()?
            .execute(
                "UPDATE runs SET status = $2, ended_at = $3, duration_s = $4, exit_code = $5,
                     signal = $6
                 WHERE id = $1",
                &[
                    &run,
                    &end.status.as_str(),
                    &end.ended_at,
                    &end.duration_s,
                    &end.exit_code,
                    &end.signal,
                ],
            )
            .map_err(db)?;
        Ok(found(updated, run)?)
    }

    fn each_run(
        &self,
        filter: &RunFilter,
        order: Order,
        each: &mut dyn FnMut(RunRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        Ok(self.each_run_pg(filter, order, each)?)
    }

    fn run(&self, id: RunId) -> Result<RunRecord, StoreError> {
        let row = self
            .client()?
            .query_opt(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = $1"),
                &[&id],
            )
            .map_err(db)?
            .ok_or(StoreError::NotFound(id))?;
        Ok(self.trackers.apply(run_from_row(&row)?))
    }

    fn runs_by_uuid_prefix(
        &self,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .client()?
            .query(
                &format!(
                    "SELECT {RUN_COLUMNS} FROM runs WHERE left(uuid, length($1)) = $1
                     ORDER BY id LIMIT $2"
                ),
                &[&prefix, &limit],
            )
            .map_err(db)?;
        rows.iter()
            .map(|row| Ok(self.trackers.apply(run_from_row(row)?)))
            .collect()
    }

    fn projects(&self) -> Result<Vec<String>, StoreError> {
        // Byte order, as SQLite sorts, whatever the database's collation.
        let rows = self
            .client()?
            .query(
                "SELECT DISTINCT project COLLATE \"C\" AS project FROM runs ORDER BY 1",
                &[],
            )
            .map_err(db)?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    fn components(&self, id: RunId) -> Result<Vec<ComponentRecord>, StoreError> {
        let last_t_s = self.run_last_t_s(id)?;
        let rows = self
            .client()?
            .query(
                "SELECT key, kind, label, method, energy_j FROM run_components
                 WHERE run_id = $1 ORDER BY id",
                &[&id],
            )
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let energy_j: f64 = row.get(4);
                Ok(ComponentRecord {
                    key: row.get(0),
                    kind: parse_name(id, "component kind", row.get(1))?,
                    label: row.get(2),
                    method: parse_name(id, "component method", row.get(3))?,
                    energy_kwh: energy_j / JOULES_PER_KWH,
                    mean_power_w: validate::mean_power(energy_j, last_t_s),
                })
            })
            .collect()
    }

    fn each_sample(
        &self,
        id: RunId,
        each: &mut dyn FnMut(SampleRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        Ok(self.each_sample_pg(id, each)?)
    }

    fn power_series(&self, id: RunId, points: usize) -> Result<PowerSeries, StoreError> {
        Ok(self.power_series_pg(id, points)?)
    }

    fn run_id_by_uuid(&self, uuid: &str) -> Result<Option<RunId>, StoreError> {
        let row = self
            .client()?
            .query_opt("SELECT id FROM runs WHERE uuid = $1", &[&uuid])
            .map_err(db)?;
        Ok(row.map(|row| row.get(0)))
    }

    fn add_reported_interval(
        &self,
        run: RunId,
        interval: &ReportedInterval,
    ) -> Result<SampleRow, StoreError> {
        Ok(self.add_reported_interval_pg(run, interval)?)
    }

    fn add_window(&self, run: RunId, window: &RunWindow) -> Result<(), StoreError> {
        Ok(self.add_window_pg(run, window)?)
    }

    fn windows(&self, run: RunId) -> Result<Vec<RunWindow>, StoreError> {
        Ok(self.windows_pg(run)?)
    }

    fn job_keys(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .client()?
            .query(
                "SELECT job_key FROM runs WHERE job_key IS NOT NULL
                 GROUP BY job_key ORDER BY max(started_at_ts) DESC, job_key COLLATE \"C\"
                 LIMIT $1",
                &[&limit],
            )
            .map_err(db)?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    fn machine_tracker_on(&self, hostname: &str) -> Result<Option<RunRecord>, StoreError> {
        Ok(self.machine_tracker_on_pg(hostname)?)
    }

    fn has_slurm_tables(&self) -> Result<bool, StoreError> {
        // Created by the migrations every connection runs first (v4, v6).
        Ok(true)
    }

    fn slurm_clusters(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = self
            .client()?
            .query(
                "SELECT cluster, count(*) FROM slurm_jobs GROUP BY cluster
                 ORDER BY cluster COLLATE \"C\"",
                &[],
            )
            .map_err(db)?;
        rows.iter()
            .map(|row| Ok((row.get(0), unsigned(0, "slurm job count", row.get(1))?)))
            .collect()
    }

    fn each_slurm_figures(
        &self,
        cluster: Option<&str>,
        each: &mut dyn FnMut(&SlurmFiguresRow<'_>) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        Ok(self.each_slurm_figures_pg(cluster, each)?)
    }

    fn cc_organizations(&self) -> Result<Vec<CcOrganization>, StoreError> {
        Ok(self.cc_organizations_pg()?)
    }

    fn cc_organization(&self, id: &str) -> Result<Option<CcOrganization>, StoreError> {
        Ok(self.cc_organization_pg(id)?)
    }

    fn add_cc_organization(&self, org: &CcOrganization) -> Result<(), StoreError> {
        Ok(self.add_cc_organization_pg(org)?)
    }

    fn cc_projects(&self, organization_id: &str) -> Result<Vec<CcProject>, StoreError> {
        Ok(self.cc_projects_pg(organization_id)?)
    }

    fn cc_project(&self, id: &str) -> Result<Option<CcProject>, StoreError> {
        Ok(self.cc_project_pg(id)?)
    }

    fn add_cc_project(&self, new: &CcProject) -> Result<(), StoreError> {
        Ok(self.add_cc_project_pg(new)?)
    }

    fn cc_experiments(&self, project_id: &str) -> Result<Vec<CcExperiment>, StoreError> {
        Ok(self.cc_experiments_pg(project_id)?)
    }

    fn cc_experiment(&self, id: &str) -> Result<Option<CcExperiment>, StoreError> {
        Ok(self.cc_experiment_pg(id)?)
    }

    fn add_cc_experiment(&self, new: &CcExperiment) -> Result<(), StoreError> {
        Ok(self.add_cc_experiment_pg(new)?)
    }

    fn ensure_cc_experiment(&self, id: &str, now: &str) -> Result<CcExperiment, StoreError> {
        Ok(self.ensure_cc_experiment_pg(id, now)?)
    }

    fn add_cc_project_token(&self, token: &CcProjectToken) -> Result<(), StoreError> {
        Ok(self.add_cc_project_token_pg(token)?)
    }

    fn cc_project_of_token(
        &self,
        token_id: &str,
        secret_sha256: &[u8; 32],
    ) -> Result<Option<String>, StoreError> {
        Ok(self.cc_project_of_token_pg(token_id, secret_sha256)?)
    }

    fn add_user(&self, user: &User) -> Result<(), StoreError> {
        Ok(self.add_user_pg(user)?)
    }

    fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        Ok(self.user_by_name_pg(name)?)
    }

    fn add_team_member(&self, team_id: &str, user_id: &str) -> Result<(), StoreError> {
        Ok(self.add_team_member_pg(team_id, user_id)?)
    }

    fn user_team_ids(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(self.user_team_ids_pg(user_id)?)
    }

    fn add_user_token(&self, token: &UserToken) -> Result<(), StoreError> {
        Ok(self.add_user_token_pg(token)?)
    }

    fn user_token(
        &self,
        token_id: &str,
        secret_sha256: &[u8; 32],
    ) -> Result<Option<TokenHolder>, StoreError> {
        Ok(self.user_token_pg(token_id, secret_sha256)?)
    }

    fn revoke_user_token(&self, token_id: &str, now: &str) -> Result<bool, StoreError> {
        Ok(self.revoke_user_token_pg(token_id, now)?)
    }

    fn user_tokens(&self) -> Result<Vec<TokenListing>, StoreError> {
        Ok(self.user_tokens_pg()?)
    }

    fn has_user_tokens(&self) -> Result<bool, StoreError> {
        Ok(self.has_user_tokens_pg()?)
    }

    fn project_team(&self, project: &str) -> Result<Option<String>, StoreError> {
        Ok(self.project_team_pg(project)?)
    }

    fn project_teams(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self.project_teams_pg()?)
    }

    fn assign_project(&self, project: &CcProject) -> Result<Option<String>, StoreError> {
        Ok(self.assign_project_pg(project)?)
    }

    fn claim_project(&self, project: &CcProject) -> Result<Option<String>, StoreError> {
        Ok(self.claim_project_pg(project)?)
    }
}
