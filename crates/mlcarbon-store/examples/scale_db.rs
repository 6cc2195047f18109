//! Builds a large run database for the scale benchmark (`bench/scale.sh`): RUNS small finished
//! runs and one run of SAMPLES samples, written by SQL in one transaction (seconds, not the
//! hours the tracker would take).
//!
//!     cargo run --release -p mlcarbon-store --example scale_db -- PATH [RUNS] [SAMPLES]
//!
//! Defaults: 100000 runs, 1000000 samples. The small runs start one minute apart from
//! 2024-01-01T00:00:00Z over 40 projects; the big run starts in the middle of them (so `last` is
//! a small run) and has two components (cpu, gpu), one reading each per sample.

use std::path::PathBuf;
use std::process::ExitCode;

use mlcarbon_store::Store;
use rusqlite::{Connection, params};

/// 2024-01-01T00:00:00Z, the first small run's start.
const FIRST_START_UNIX: i64 = 1_704_067_200;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first().map(PathBuf::from) else {
        eprintln!("usage: scale_db PATH [RUNS] [SAMPLES]");
        return ExitCode::from(2);
    };
    let number = |index: usize, default: i64| -> Result<i64, String> {
        args.get(index).map_or(Ok(default), |text| {
            text.parse::<i64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| format!("`{text}` is not a whole number ≥ 1"))
        })
    };
    let (runs, samples) = match (number(1, 100_000), number(2, 1_000_000)) {
        (Ok(runs), Ok(samples)) => (runs, samples),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("scale_db: {e}");
            return ExitCode::from(2);
        }
    };
    if path.exists() {
        eprintln!(
            "scale_db: `{}` exists; give a new path (nothing overwritten)",
            path.display()
        );
        return ExitCode::from(2);
    }
    match build(&path, runs, samples) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scale_db: {e}");
            ExitCode::FAILURE
        }
    }
}

fn build(
    path: &std::path::Path,
    runs: i64,
    samples: i64,
) -> Result<(), Box<dyn std::error::Error>> {
    // The store creates the file and its schema, whatever version this code writes.
    drop(Store::open(path)?);
    let mut conn = Connection::open(path)?;
    let tx = conn.transaction()?;
    tx.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO runs (id, uuid, project, experiment, tags, command, started_at, pid,
             hostname, os, mlcarbon_version, location_label, zone, provider, region, country_iso,
             country_name, intensity_g_per_kwh, intensity_origin, intensity_source, pue,
             cpu_model, cpu_count, gpu_model, gpu_count, ram_total_gb, interval_s, status,
             ended_at, duration_s, exit_code, energy_kwh, emissions_kg, cpu_energy_kwh,
             gpu_energy_kwh, ram_energy_kwh, cpu_utilization_sum, cpu_utilization_n,
             last_t_s, last_sample_at, sample_count)
         SELECT i, printf('%08x-0000-4000-8000-%012x', i, i), 'project-' || (i % 40),
             CASE WHEN i % 3 = 0 THEN 'exp-' || (i % 11) END,
             '[\"seed-' || (i % 7) || '\"]',
             '[\"python\",\"train.py\",\"--seed\",\"' || i || '\"]',
             strftime('%Y-%m-%dT%H:%M:%SZ', ?2 + i * 60, 'unixepoch'), 0, 'bench-host', 'linux',
             '0.1.0', 'FR', 'FR', NULL, NULL, 'FR', 'France', 33.0, 'estimated', 'bench', 1.2,
             'Bench CPU', 8, 'Bench GPU', 1, 64.0, 1.0, 'finished',
             strftime('%Y-%m-%dT%H:%M:%SZ', ?2 + i * 60 + 30, 'unixepoch'), 30.0, 0,
             0.002, 0.000066, 0.0005, 0.001, 0.0001, 1500.0, 30, 30.0,
             strftime('%Y-%m-%dT%H:%M:%SZ', ?2 + i * 60 + 30, 'unixepoch'), 30
         FROM n",
        params![runs, FIRST_START_UNIX],
    )?;
    tx.execute(
        "INSERT INTO run_components (run_id, key, kind, label, method, energy_j)
         SELECT id, 'cpu', 'cpu', 'Bench CPU', 'counter', 1800.0 FROM runs
         UNION ALL
         SELECT id, 'gpu', 'gpu', 'Bench GPU', 'counter', 3600.0 FROM runs",
        [],
    )?;

    // The big run: one reading a second, 100 W CPU and 200 W GPU with a slow wave on the GPU.
    let big = runs + 1;
    let big_start = FIRST_START_UNIX + runs / 2 * 60 + 1;
    let seconds = samples as f64;
    let it_kwh = seconds * 300.0 / 3.6e6;
    tx.execute(
        "INSERT INTO runs (id, uuid, project, tags, command, started_at, pid, hostname, os,
             mlcarbon_version, location_label, zone, country_iso, country_name,
             intensity_g_per_kwh, intensity_origin, intensity_source, pue, cpu_model, cpu_count,
             gpu_model, gpu_count, ram_total_gb, interval_s, status, ended_at, duration_s,
             exit_code, energy_kwh, emissions_kg, cpu_energy_kwh, gpu_energy_kwh, last_t_s,
             last_sample_at, sample_count)
         VALUES (?1, 'ffffffff-0000-4000-8000-000000000000', 'big', '[]',
             '[\"python\",\"train_big.py\"]', strftime('%Y-%m-%dT%H:%M:%SZ', ?2, 'unixepoch'), 0,
             'bench-host', 'linux', '0.1.0', 'FR', 'FR', 'FR', 'France', 33.0, 'estimated', 'bench',
             1.2, 'Bench CPU', 8, 'Bench GPU', 1, 64.0, 1.0, 'finished',
             strftime('%Y-%m-%dT%H:%M:%SZ', ?2 + ?3, 'unixepoch'), ?3, 0, ?4 * 1.2,
             ?4 * 1.2 * 0.033, ?5, ?6, ?3,
             strftime('%Y-%m-%dT%H:%M:%SZ', ?2 + ?3, 'unixepoch'), ?3)",
        params![
            big,
            big_start,
            seconds,
            it_kwh,
            seconds * 100.0 / 3.6e6,
            seconds * 200.0 / 3.6e6
        ],
    )?;
    tx.execute(
        "INSERT INTO run_components (run_id, key, kind, label, method, energy_j)
         VALUES (?1, 'cpu', 'cpu', 'Bench CPU', 'counter', ?2),
                (?1, 'gpu', 'gpu', 'Bench GPU', 'counter', ?3)",
        params![big, seconds * 100.0, seconds * 200.0],
    )?;
    tx.execute(
        "WITH RECURSIVE n(s) AS (SELECT 1 UNION ALL SELECT s + 1 FROM n WHERE s < ?2)
         INSERT INTO samples (run_id, seq, t_s, timestamp, intensity_g_per_kwh, total_power_w,
             energy_kwh, emissions_kg, cpu_utilization, gpu_utilization, ram_used_gb)
         SELECT ?1, s - 1, s, strftime('%Y-%m-%dT%H:%M:%SZ', ?3 + s, 'unixepoch'), 33.0,
             100.0 + 200.0 + 50.0 * ((s / 600) % 2), s * 300.0 * 1.2 / 3.6e6,
             s * 300.0 * 1.2 / 3.6e6 * 0.033, 50.0, 90.0, 20.0
         FROM n",
        params![big, samples, big_start],
    )?;
    tx.execute(
        "INSERT INTO sample_components (run_id, seq, position, component_id, power_w, energy_j)
         SELECT s.run_id, s.seq, 0, c.id, 100.0, 100.0 FROM samples s
             JOIN run_components c ON c.run_id = s.run_id AND c.key = 'cpu' WHERE s.run_id = ?1
         UNION ALL
         SELECT s.run_id, s.seq, 1, c.id, 200.0, 200.0 FROM samples s
             JOIN run_components c ON c.run_id = s.run_id AND c.key = 'gpu' WHERE s.run_id = ?1",
        [big],
    )?;
    tx.execute(
        "UPDATE runs SET peak_power_w = CASE WHEN id = ?1 THEN 350.0 ELSE 180.0 END",
        [big],
    )?;
    tx.commit()?;
    // Leave one file, as a stopped tracker would: the log folded back into the database.
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    println!(
        "{}: {runs} runs, run {big} with {samples} samples",
        path.display()
    );
    Ok(())
}
