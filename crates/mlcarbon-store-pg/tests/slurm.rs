//! Slurm imports into PostgreSQL keep the jobs, figures and group totals as the SQLite store
//! keeps them: re-imported jobs leave their old groups, a job printed twice in one batch is
//! stored once, and an import stopped by an error keeps consistent totals.

use mlcarbon_store::slurm::{
    SlurmImport, SlurmJobNumbers, SlurmJobWriter, SlurmTotalsRow, StoredSlurmFigures,
    StoredSlurmJob, TotalsChanges,
};
use mlcarbon_store::{RunStore, Store};
use mlcarbon_store_pg::PgStore;
use mlcarbon_store_pg::throwaway::Cluster;

/// A finished job of `account` with figures (none for ids ending in 0: stored as out of date).
fn job(id: u32, account: &str, state: &str, kwh: f64) -> StoredSlurmJob {
    let figures = (!id.is_multiple_of(10)).then(|| StoredSlurmFigures {
        description: "fingerprint".into(),
        day: format!("2026-0{}-1{}", 1 + id % 3, id % 10),
        numbers: SlurmJobNumbers {
            unfinished: id.is_multiple_of(7),
            failed: state != "COMPLETED",
            method: (id % 3) as u8,
            gpu_utilisation_recorded: id.is_multiple_of(2),
            elapsed_hours: f64::from(id) * 0.25,
            cpu_kwh: kwh * 0.3,
            gpu_kwh: kwh * 0.6,
            ram_kwh: kwh * 0.1,
            measured_node_kwh: 0.0,
            energy_kwh: kwh,
            energy_low_kwh: kwh * 0.8,
            energy_high_kwh: kwh * 1.2,
            emissions_kg: kwh * 0.31,
            emissions_low_kg: kwh * 0.2,
            emissions_high_kg: kwh * 0.4,
            embodied_kg: 0.001 * f64::from(id),
        },
    });
    StoredSlurmJob {
        cluster: "hpc".into(),
        job_id: id.to_string(),
        user: format!("user{}", id % 2),
        account: account.into(),
        partition: "gpu".into(),
        state: Some(state.into()),
        end: "2026-01-10T10:00:00".into(),
        elapsed_s: f64::from(id) * 900.0,
        cpus: 4,
        nodes: 1,
        gpus: id % 3,
        gpu_type: (!id.is_multiple_of(3)).then(|| "a100".into()),
        requested_memory_bytes: id.is_multiple_of(2).then_some(8e9),
        steps: 2,
        all_completed: state == "COMPLETED",
        figures,
        ..StoredSlurmJob::default()
    }
}

/// The totals as stored, one line per group, sorted; and the jobs they count.
fn totals(each: impl FnOnce(&mut dyn FnMut(&SlurmTotalsRow<'_>)) -> u64) -> (u64, Vec<String>) {
    let mut groups = Vec::new();
    let jobs = each(&mut |group| groups.push(format!("{group:?}")));
    groups.sort();
    (jobs, groups)
}

fn pg_totals(store: &PgStore) -> (u64, Vec<String>) {
    totals(|each| {
        store
            .each_slurm_totals(None, |g| {
                each(g);
                Ok::<_, ()>(())
            })
            .expect("read")
            .expect("no error")
    })
}

fn sqlite_totals(store: &Store) -> (u64, Vec<String>) {
    totals(|each| {
        store
            .each_slurm_totals(None, |g| {
                each(g);
                Ok::<_, ()>(())
            })
            .expect("read")
            .expect("no error")
    })
}

/// The totals PostgreSQL's job figures add up to, grouped as `slurm_job_totals` groups them.
fn totals_from_figures(store: &PgStore) -> Vec<String> {
    let mut changes = TotalsChanges::default();
    store
        .each_slurm_figures(None, &mut |row| {
            changes.add("hpc", row, 1);
            Ok(())
        })
        .expect("read figures");
    let mut groups: Vec<String> = changes
        .drain()
        .map(|(key, rows, unfinished, sums)| format!("{key:?} {rows} {unfinished} {sums:?}"))
        .collect();
    groups.sort();
    groups
}

fn stored_totals_as_changes(store: &PgStore) -> Vec<String> {
    let mut groups = Vec::new();
    store
        .each_slurm_totals(None, |g| {
            let key = [
                g.cluster,
                g.description,
                g.user,
                g.account,
                g.partition,
                g.month,
                g.state,
            ]
            .map(String::from);
            groups.push(format!(
                "{key:?} {} {} {:?}",
                g.jobs_stored, g.unfinished_jobs, g.sums
            ));
            Ok::<_, ()>(())
        })
        .expect("read")
        .expect("no error");
    groups.sort();
    groups
}

fn import_both(
    pg: &PgStore,
    sqlite: &Store,
    jobs: &[Result<StoredSlurmJob, &'static str>],
    batch: usize,
) -> (
    Result<SlurmImport, &'static str>,
    Result<SlurmImport, &'static str>,
) {
    let on_pg = SlurmJobWriter::import_slurm_jobs(pg, jobs.iter().cloned(), batch).expect("pg");
    let on_sqlite =
        SlurmJobWriter::import_slurm_jobs(sqlite, jobs.iter().cloned(), batch).expect("sqlite");
    (on_pg, on_sqlite)
}

#[test]
fn postgres_keeps_slurm_jobs_figures_and_totals_as_sqlite_does() {
    let Some(cluster) = Cluster::for_test() else {
        return;
    };
    let url = cluster.create_database("slurm_import").expect("create");
    let pg = PgStore::connect(&url).expect("connect");
    let sqlite = Store::open_in_memory().expect("sqlite");

    let first: Vec<_> = (1..=10)
        .map(|id| {
            let account = if id == 9 { "solo" } else { "a" };
            let state = if id % 4 == 0 { "FAILED" } else { "COMPLETED" };
            Ok(job(id, account, state, 0.1 * f64::from(id)))
        })
        .collect();
    let (on_pg, on_sqlite) = import_both(&pg, &sqlite, &first, 3);
    assert_eq!(
        on_pg,
        Ok(SlurmImport {
            jobs: 10,
            replaced: 0
        })
    );
    assert_eq!(on_pg, on_sqlite);
    assert_eq!(pg_totals(&pg).0, 10);
    assert_eq!(pg_totals(&pg), sqlite_totals(&sqlite));

    // Again, some jobs moved to another account (the only job of `solo` among them: its group
    // goes), one printed twice in a batch, one new.
    let second: Vec<_> = [
        job(2, "b", "COMPLETED", 2.0),
        job(9, "b", "CANCELLED", 0.5),
        job(4, "b", "FAILED", 1.0),
        job(4, "c", "COMPLETED", 1.5),
        job(11, "a", "COMPLETED", 0.7),
    ]
    .into_iter()
    .map(Ok)
    .collect();
    let (on_pg, on_sqlite) = import_both(&pg, &sqlite, &second, 4);
    assert_eq!(
        on_pg,
        Ok(SlurmImport {
            jobs: 5,
            replaced: 4
        })
    );
    assert_eq!(on_pg, on_sqlite);
    let after = pg_totals(&pg);
    assert_eq!(after.0, 11);
    assert!(after.1.iter().all(|g| !g.contains("\"solo\"")), "{after:?}");
    assert_eq!(after, sqlite_totals(&sqlite));
    assert_eq!(stored_totals_as_changes(&pg), totals_from_figures(&pg));

    // Stopped by an error: the jobs before it are stored with their totals, none after.
    let stopped = vec![
        Ok(job(12, "a", "COMPLETED", 0.2)),
        Ok(job(3, "d", "COMPLETED", 0.9)),
        Err("sacct output cut short"),
        Ok(job(13, "a", "COMPLETED", 0.2)),
    ];
    let (on_pg, on_sqlite) = import_both(&pg, &sqlite, &stopped, 10);
    assert_eq!(on_pg, Err("sacct output cut short"));
    assert_eq!(on_pg, on_sqlite);
    let after = pg_totals(&pg);
    assert_eq!(after.0, 12);
    assert_eq!(after, sqlite_totals(&sqlite));
    assert_eq!(stored_totals_as_changes(&pg), totals_from_figures(&pg));
    assert_eq!(
        pg.slurm_clusters().expect("clusters"),
        vec![("hpc".to_string(), 12)]
    );

    // The figures read back alike, row by row.
    let mut pg_rows = Vec::new();
    pg.each_slurm_figures(None, &mut |row| {
        pg_rows.push(format!("{row:?}"));
        Ok(())
    })
    .expect("pg figures");
    let mut sqlite_rows = Vec::new();
    sqlite
        .each_slurm_figures(None, |row| {
            sqlite_rows.push(format!("{row:?}"));
            Ok::<_, ()>(())
        })
        .expect("sqlite figures")
        .expect("no error");
    pg_rows.sort();
    sqlite_rows.sort();
    assert_eq!(pg_rows, sqlite_rows);
}
