//! The database schema, as an append-only list of migrations. `PRAGMA user_version` holds the
//! number of migrations applied. Never edit a released step: databases in the wild were built by
//! it; add a new one.

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::StoreError;

/// SQL of each schema version, in order: `MIGRATIONS[0]` builds version 1.
pub const MIGRATIONS: &[&str] = &[
    // v1: runs, their components, samples and the samples' per-component readings.
    r#"
    CREATE TABLE runs (
        id                  INTEGER PRIMARY KEY,
        uuid                TEXT NOT NULL UNIQUE,
        project             TEXT NOT NULL,
        experiment          TEXT,
        tags                TEXT NOT NULL,          -- JSON array of strings
        command             TEXT NOT NULL,          -- JSON array of strings
        started_at          TEXT NOT NULL,          -- RFC 3339
        pid                 INTEGER NOT NULL,
        hostname            TEXT NOT NULL,
        os                  TEXT NOT NULL,
        mlcarbon_version    TEXT NOT NULL,
        location_label      TEXT NOT NULL,
        zone                TEXT,
        provider            TEXT,
        region              TEXT,
        country_iso         TEXT,
        country_name        TEXT,
        intensity_g_per_kwh REAL NOT NULL,
        intensity_origin    TEXT NOT NULL,
        intensity_source    TEXT,
        pue                 REAL NOT NULL,
        cpu_model           TEXT,
        cpu_count           INTEGER NOT NULL,
        gpu_model           TEXT,
        gpu_count           INTEGER NOT NULL,
        ram_total_gb        REAL NOT NULL,
        interval_s          REAL NOT NULL,

        status              TEXT NOT NULL DEFAULT 'running',
        ended_at            TEXT,
        duration_s          REAL,
        exit_code           INTEGER,
        signal              INTEGER,

        -- running totals, updated with every sample in the sample's transaction
        energy_kwh          REAL NOT NULL DEFAULT 0,  -- cumulative, with PUE
        emissions_kg        REAL NOT NULL DEFAULT 0,  -- cumulative
        cpu_energy_kwh      REAL NOT NULL DEFAULT 0,  -- IT energy, no PUE
        gpu_energy_kwh      REAL NOT NULL DEFAULT 0,
        ram_energy_kwh      REAL NOT NULL DEFAULT 0,
        cpu_utilization_sum REAL NOT NULL DEFAULT 0,
        cpu_utilization_n   INTEGER NOT NULL DEFAULT 0,
        gpu_utilization_sum REAL NOT NULL DEFAULT 0,
        gpu_utilization_n   INTEGER NOT NULL DEFAULT 0,
        ram_used_gb_sum     REAL NOT NULL DEFAULT 0,
        ram_used_gb_n       INTEGER NOT NULL DEFAULT 0,
        last_t_s            REAL,
        last_sample_at      TEXT,
        sample_count        INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX runs_by_start ON runs (started_at);
    CREATE INDEX runs_by_status ON runs (status);
    CREATE INDEX runs_by_project ON runs (project);

    CREATE TABLE run_components (
        id       INTEGER PRIMARY KEY,
        run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key      TEXT NOT NULL,
        kind     TEXT NOT NULL,
        label    TEXT NOT NULL,
        method   TEXT NOT NULL,
        energy_j REAL NOT NULL DEFAULT 0,  -- IT energy, no PUE
        UNIQUE (run_id, key)
    );

    CREATE TABLE samples (
        run_id              INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq                 INTEGER NOT NULL,
        t_s                 REAL NOT NULL,
        timestamp           TEXT NOT NULL,
        intensity_g_per_kwh REAL NOT NULL,
        total_power_w       REAL NOT NULL,
        energy_kwh          REAL NOT NULL,
        emissions_kg        REAL NOT NULL,
        cpu_utilization     REAL,
        gpu_utilization     REAL,
        ram_used_gb         REAL,
        PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID;

    -- one row per component per sample; `position` keeps the sample's own order
    CREATE TABLE sample_components (
        run_id       INTEGER NOT NULL,
        seq          INTEGER NOT NULL,
        position     INTEGER NOT NULL,
        component_id INTEGER NOT NULL REFERENCES run_components (id) ON DELETE CASCADE,
        power_w      REAL NOT NULL,
        energy_j     REAL NOT NULL,
        PRIMARY KEY (run_id, seq, position),
        FOREIGN KEY (run_id, seq) REFERENCES samples (run_id, seq) ON DELETE CASCADE
    ) WITHOUT ROWID;
    "#,
    // v2: the live forecast of a run's end.
    r#"
    ALTER TABLE runs ADD COLUMN progress REAL;
    ALTER TABLE runs ADD COLUMN predicted_energy_kwh REAL;
    ALTER TABLE runs ADD COLUMN predicted_emissions_kg REAL;
    "#,
    // v3: run lists sort by `julianday(started_at)` (text order misorders fractions and
    // offsets); an index on that expression lets `runs`, `show last` and the dashboard read the
    // newest rows first instead of sorting the whole table.
    //     The peak power of a run is kept as samples come, as finding it later scans them
    //     all (about a second for a million samples); existing runs get theirs once, here.
    r#"
    CREATE INDEX runs_by_start_time ON runs (julianday(started_at), id);
    ALTER TABLE runs ADD COLUMN peak_power_w REAL;
    UPDATE runs SET peak_power_w =
        (SELECT max(total_power_w) FROM samples WHERE samples.run_id = runs.id);
    "#,
    // v4: Slurm jobs imported from sacct output, one row per cluster and job id.
    r#"
    CREATE TABLE slurm_jobs (
        cluster                     TEXT NOT NULL,
        job_id                      TEXT NOT NULL,  -- 123, 123_4 (array task), 123+0 (het part)
        user                        TEXT NOT NULL,
        account                     TEXT NOT NULL,
        partition                   TEXT NOT NULL,
        state                       TEXT,
        submit                      TEXT NOT NULL,  -- as sacct printed it
        start                       TEXT NOT NULL,
        end_time                    TEXT NOT NULL,
        node_list                   TEXT NOT NULL,
        elapsed_s                   REAL NOT NULL,
        total_cpu_s                 REAL NOT NULL,
        cpu_time_s                  REAL NOT NULL,
        cpus                        INTEGER NOT NULL,
        nodes                       INTEGER NOT NULL,
        requested_memory_bytes      REAL,
        max_rss_bytes               REAL,
        gpus                        INTEGER NOT NULL,
        gpu_type                    TEXT,
        gpu_util_percent            REAL,
        energy_joules               REAL,
        steps                       INTEGER NOT NULL,
        largest_elapsed_s           REAL NOT NULL,
        largest_total_cpu_s         REAL NOT NULL,
        largest_cpu_time_s          REAL NOT NULL,
        largest_requested_memory_gb REAL NOT NULL,
        largest_cpus                INTEGER NOT NULL,
        largest_nodes               INTEGER NOT NULL,
        largest_gpus                INTEGER NOT NULL,
        any_unfinished              INTEGER NOT NULL,
        any_running                 INTEGER NOT NULL,
        all_completed               INTEGER NOT NULL,
        PRIMARY KEY (cluster, job_id)
    ) WITHOUT ROWID;
    "#,
    // v5: runs of distributed jobs (the job they belong to, their rank, how much of the
    // machine they count) and named windows of a run (an epoch, an evaluation).
    r#"
    ALTER TABLE runs ADD COLUMN attribution TEXT NOT NULL DEFAULT 'machine';
    ALTER TABLE runs ADD COLUMN job_key TEXT;
    ALTER TABLE runs ADD COLUMN rank INTEGER;
    ALTER TABLE runs ADD COLUMN local_rank INTEGER;
    ALTER TABLE runs ADD COLUMN world_size INTEGER;
    CREATE INDEX runs_by_job ON runs (job_key) WHERE job_key IS NOT NULL;

    CREATE TABLE run_windows (
        run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        position     INTEGER NOT NULL,
        name         TEXT NOT NULL,
        started_at   TEXT NOT NULL,
        ended_at     TEXT NOT NULL,
        start_t_s    REAL NOT NULL,
        end_t_s      REAL NOT NULL,
        energy_kwh   REAL NOT NULL,
        emissions_kg REAL NOT NULL,
        PRIMARY KEY (run_id, position)
    ) WITHOUT ROWID;
    "#,
    // Slurm job figures: each job's energy, emissions and embodied share as computed at import
    // (`slurm import --cluster`) or by `slurm recompute`, with the fingerprint of the cluster
    // description they were computed with, so a report adds stored numbers (a cluster-year in
    // about a second) instead of modelling every job again. The group keys are repeated here
    // to keep the rows a report scans narrow. Jobs imported before get an empty fingerprint:
    // out of date until recomputed.
    r#"
    CREATE TABLE slurm_job_figures (
        cluster                  TEXT NOT NULL,
        job_id                   TEXT NOT NULL,
        description              TEXT NOT NULL DEFAULT '',  -- fingerprint; '' = none yet
        day                      TEXT NOT NULL DEFAULT '',  -- YYYY-MM-DD the job counts on
        user                     TEXT NOT NULL DEFAULT '',
        account                  TEXT NOT NULL DEFAULT '',
        partition                TEXT NOT NULL DEFAULT '',
        state                    TEXT NOT NULL DEFAULT '',
        end_time                 TEXT NOT NULL DEFAULT '',
        gpus                     INTEGER NOT NULL DEFAULT 0,
        unfinished               INTEGER NOT NULL DEFAULT 0,
        failed                   INTEGER NOT NULL DEFAULT 0,
        method                   INTEGER NOT NULL DEFAULT 0,  -- 0 modelled, 1 measured, 2 mixed
        gpu_utilisation_recorded INTEGER NOT NULL DEFAULT 0,
        elapsed_hours            REAL NOT NULL DEFAULT 0,
        cpu_kwh                  REAL NOT NULL DEFAULT 0,   -- IT energy, no PUE
        gpu_kwh                  REAL NOT NULL DEFAULT 0,
        ram_kwh                  REAL NOT NULL DEFAULT 0,
        measured_node_kwh        REAL NOT NULL DEFAULT 0,
        energy_kwh               REAL NOT NULL DEFAULT 0,   -- with PUE
        energy_low_kwh           REAL NOT NULL DEFAULT 0,
        energy_high_kwh          REAL NOT NULL DEFAULT 0,
        emissions_kg             REAL NOT NULL DEFAULT 0,
        emissions_low_kg         REAL NOT NULL DEFAULT 0,
        emissions_high_kg        REAL NOT NULL DEFAULT 0,
        embodied_kg              REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (cluster, job_id)
    ) WITHOUT ROWID;
    INSERT INTO slurm_job_figures (cluster, job_id) SELECT cluster, job_id FROM slurm_jobs;
    "#,
    // v7: the organisations, projects and experiments that CodeCarbon's API and CLI name runs
    // by (ids chosen by the server, or by a client for an experiment first seen in a run), and
    // project tokens: `token_id` selects the row, the secret is kept only as its SHA-256.
    r#"
    CREATE TABLE codecarbon_organizations (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE codecarbon_projects (
        id              TEXT PRIMARY KEY,
        organization_id TEXT NOT NULL REFERENCES codecarbon_organizations (id),
        name            TEXT NOT NULL,
        description     TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        UNIQUE (organization_id, name)
    );
    CREATE TABLE codecarbon_experiments (
        id          TEXT PRIMARY KEY,
        project_id  TEXT REFERENCES codecarbon_projects (id),  -- none: first seen in a run
        name        TEXT NOT NULL,
        description TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX codecarbon_experiments_by_project ON codecarbon_experiments (project_id);
    CREATE TABLE codecarbon_project_tokens (
        token_id      TEXT PRIMARY KEY,
        project_id    TEXT NOT NULL REFERENCES codecarbon_projects (id),
        name          TEXT NOT NULL,
        secret_sha256 BLOB NOT NULL,
        created_at    TEXT NOT NULL
    );
    "#,
    // v8: the local database is the spool of a tracker that pushes to team servers: per run
    // and server, what the server has acknowledged (the start, samples through a seq, the
    // first windows, the end); a run is delivered once its end is.
    r#"
    CREATE TABLE run_deliveries (
        run_id          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        server          TEXT NOT NULL,
        started         INTEGER NOT NULL DEFAULT 0,
        samples_through INTEGER,                    -- highest seq acknowledged; none yet: NULL
        windows_sent    INTEGER NOT NULL DEFAULT 0,
        ended           INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, server)
    ) WITHOUT ROWID;
    CREATE INDEX run_deliveries_pending ON run_deliveries (server, run_id) WHERE ended = 0;
    "#,
    // v9: Slurm totals per group, kept by `slurm import` and `slurm recompute` beside the jobs'
    // figures, so a report of a cluster-year reads a few thousand rows instead of millions:
    // sums as integers of 1e-9 units, so that adding groups gives the very totals that adding
    // the jobs one by one gives (floating-point sums depend on their order). Top jobs are read
    // from an index by emissions.
    r#"
    CREATE TABLE slurm_job_totals (
        cluster                   TEXT NOT NULL,
        description               TEXT NOT NULL,
        user                      TEXT NOT NULL,
        account                   TEXT NOT NULL,
        partition                 TEXT NOT NULL,
        month                     TEXT NOT NULL,  -- YYYY-MM of the job's day, '' if none
        state                     TEXT NOT NULL,
        rows_stored               INTEGER NOT NULL,
        unfinished_jobs           INTEGER NOT NULL,
        jobs                      INTEGER NOT NULL,
        failed_jobs               INTEGER NOT NULL,
        measured_jobs             INTEGER NOT NULL,
        modelled_jobs             INTEGER NOT NULL,
        mixed_jobs                INTEGER NOT NULL,
        recorded_utilisation_jobs INTEGER NOT NULL,
        elapsed_nano_hours        INTEGER NOT NULL,
        cpu_nano_kwh              INTEGER NOT NULL,
        gpu_nano_kwh              INTEGER NOT NULL,
        ram_nano_kwh              INTEGER NOT NULL,
        measured_node_nano_kwh    INTEGER NOT NULL,
        energy_nano_kwh           INTEGER NOT NULL,
        energy_low_nano_kwh       INTEGER NOT NULL,
        energy_high_nano_kwh      INTEGER NOT NULL,
        emissions_nano_kg         INTEGER NOT NULL,
        emissions_low_nano_kg     INTEGER NOT NULL,
        emissions_high_nano_kg    INTEGER NOT NULL,
        failed_energy_nano_kwh    INTEGER NOT NULL,
        failed_emissions_nano_kg  INTEGER NOT NULL,
        embodied_nano_kg          INTEGER NOT NULL,
        PRIMARY KEY (cluster, description, user, account, partition, month, state)
    ) WITHOUT ROWID;
    INSERT INTO slurm_job_totals (cluster, description, user, account, partition, month, state, rows_stored, unfinished_jobs, jobs, failed_jobs, measured_jobs, modelled_jobs, mixed_jobs, recorded_utilisation_jobs, elapsed_nano_hours, cpu_nano_kwh, gpu_nano_kwh, ram_nano_kwh, measured_node_nano_kwh, energy_nano_kwh, energy_low_nano_kwh, energy_high_nano_kwh, emissions_nano_kg, emissions_low_nano_kg, emissions_high_nano_kg, failed_energy_nano_kwh, failed_emissions_nano_kg, embodied_nano_kg)
    SELECT cluster, description, user, account, partition, substr(day, 1, 7), state,
        count(*),
        SUM(CASE WHEN unfinished <> 0 THEN 1 ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN 1 ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 AND failed <> 0 THEN 1 ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 AND method = 1 THEN 1 ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 AND method = 0 THEN 1 ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 AND method = 2 THEN 1 ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 AND gpu_utilisation_recorded <> 0 THEN 1 ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN CAST(elapsed_hours * 1e9 + CASE WHEN elapsed_hours < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN CAST(cpu_kwh * 1e9 + CASE WHEN cpu_kwh < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN CAST(gpu_kwh * 1e9 + CASE WHEN gpu_kwh < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN CAST(ram_kwh * 1e9 + CASE WHEN ram_kwh < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN CAST(measured_node_kwh * 1e9 + CASE WHEN measured_node_kwh < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN CAST(energy_kwh * 1e9 + CASE WHEN energy_kwh < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN CAST(energy_low_kwh * 1e9 + CASE WHEN energy_low_kwh < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN CAST(energy_high_kwh * 1e9 + CASE WHEN energy_high_kwh < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN CAST(emissions_kg * 1e9 + CASE WHEN emissions_kg < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN CAST(emissions_low_kg * 1e9 + CASE WHEN emissions_low_kg < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN CAST(emissions_high_kg * 1e9 + CASE WHEN emissions_high_kg < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 AND failed <> 0 THEN CAST(energy_kwh * 1e9 + CASE WHEN energy_kwh < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 AND failed <> 0 THEN CAST(emissions_kg * 1e9 + CASE WHEN emissions_kg < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END),
        SUM(CASE WHEN unfinished = 0 THEN CAST(embodied_kg * 1e9 + CASE WHEN embodied_kg < 0 THEN -0.5 ELSE 0.5 END AS INTEGER) ELSE 0 END)
    FROM slurm_job_figures GROUP BY cluster, description, user, account, partition, substr(day, 1, 7), state;
    CREATE INDEX slurm_job_figures_by_emissions ON slurm_job_figures (emissions_kg DESC, job_id);
    "#,
    // v10: accounts of a team server. A team is a CodeCarbon organisation; a project (the
    // `project` of runs) belongs to at most one team through `codecarbon_projects`, whose
    // names become unique on the server (a name repeated in two organisations before keeps
    // its first row; the others get their id appended). Users belong to teams; a user token
    // (selector + SHA-256 of the secret) reads or writes for one of its user's teams.
    r#"
    UPDATE codecarbon_projects SET name = name || ' (' || id || ')'
        WHERE id NOT IN (SELECT min(id) FROM codecarbon_projects GROUP BY name);
    CREATE UNIQUE INDEX codecarbon_projects_by_name ON codecarbon_projects (name);
    CREATE TABLE users (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE team_members (
        team_id TEXT NOT NULL REFERENCES codecarbon_organizations (id),
        user_id TEXT NOT NULL REFERENCES users (id),
        PRIMARY KEY (team_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX team_members_by_user ON team_members (user_id);
    CREATE TABLE user_tokens (
        token_id      TEXT PRIMARY KEY,
        user_id       TEXT NOT NULL REFERENCES users (id),
        team_id       TEXT NOT NULL REFERENCES codecarbon_organizations (id),
        scope         TEXT NOT NULL CHECK (scope IN ('read', 'write')),
        name          TEXT NOT NULL,
        secret_sha256 BLOB NOT NULL,
        created_at    TEXT NOT NULL,
        revoked_at    TEXT
    );
    "#,
];

/// The schema version this code writes and reads.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) fn version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Brings the database to [`SCHEMA_VERSION`], all pending steps in one transaction; refuses a
/// database from a newer mlcarbon rather than guess at its tables.
pub(crate) fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let refuse_newer = |found: u32| {
        if found > SCHEMA_VERSION {
            Err(StoreError::NewerSchema {
                found,
                supported: SCHEMA_VERSION,
            })
        } else {
            Ok(found)
        }
    };
    if refuse_newer(version(conn)?)? == SCHEMA_VERSION {
        return Ok(());
    }
    // IMMEDIATE takes the write lock first, so two processes opening a new file at once
    // migrate it one after the other; the second then finds nothing left to do.
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let found = refuse_newer(version(&tx)?)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
    }
    tx.commit()?;
    Ok(())
}
