//! The backend conformance suite (`mlcarbon_store::conformance`) on a real PostgreSQL: a
//! throwaway cluster, one fresh database per scenario.

use mlcarbon_store::conformance::run_all;
use mlcarbon_store::{RunStore, SampleRow};
use mlcarbon_store_pg::throwaway::{Cluster, require};
use mlcarbon_store_pg::{PgStore, SCHEMA_VERSION};

/// The cluster, or `None` after saying the test is skipped (PostgreSQL not installed and not
/// required).
fn cluster() -> Option<Cluster> {
    match Cluster::start() {
        Ok(Some(cluster)) => Some(cluster),
        Ok(None) if !require() => {
            eprintln!(
                "skipped: PostgreSQL not installed (set MLCARBON_REQUIRE_POSTGRES=1 to fail instead)"
            );
            None
        }
        Ok(None) => panic!("PostgreSQL not installed, and MLCARBON_REQUIRE_POSTGRES=1"),
        Err(e) => panic!("cannot start a throwaway PostgreSQL cluster: {e}"),
    }
}

#[test]
fn postgres_passes_the_conformance_suite() {
    let Some(cluster) = cluster() else {
        return;
    };
    let mut made = 0;
    run_all(&mut |check| {
        made += 1;
        let url = cluster
            .create_database(&format!("conformance_{made}"))
            .expect("create database");
        let mut store = PgStore::connect(&url).expect("connect");
        store.set_tracker_check(check);
        Box::new(store) as Box<dyn RunStore>
    });
}

#[test]
fn the_schema_is_sqlites_version_and_migrating_again_changes_nothing() {
    let Some(cluster) = cluster() else {
        return;
    };
    assert_eq!(SCHEMA_VERSION, mlcarbon_store::SCHEMA_VERSION);
    let url = cluster.create_database("migrations").expect("create");
    let first = PgStore::connect(&url).expect("connect");
    assert_eq!(first.schema_version().expect("version"), SCHEMA_VERSION);
    let id = first
        .start_run(&mlcarbon_store::conformance::new_run(
            "kept",
            "demo",
            "2024-03-01T10:00:00Z",
        ))
        .expect("start");
    // Two more servers on the same database: nothing is migrated twice, nothing lost.
    let second = PgStore::connect(&url).expect("connect again");
    let third = PgStore::connect(&url).expect("connect a third time");
    assert_eq!(second.run(id).expect("run").uuid, "kept");
    assert_eq!(third.schema_version().expect("version"), SCHEMA_VERSION);
}

#[test]
fn concurrent_retries_of_overlapping_batches_store_each_sample_once() {
    let Some(cluster) = cluster() else {
        return;
    };
    let url = cluster.create_database("concurrent").expect("create");
    let store = PgStore::connect_with(&url, 6).expect("connect");
    let id = store
        .start_run(&mlcarbon_store::conformance::new_run(
            "c",
            "demo",
            "2024-03-01T10:00:00Z",
        ))
        .expect("start");
    let samples: Vec<SampleRow> = (0..400).map(mlcarbon_store::conformance::sample).collect();
    // Six writers each send overlapping windows of the same samples, several times.
    std::thread::scope(|scope| {
        for writer in 0..6 {
            let (store, samples) = (&store, &samples);
            scope.spawn(move || {
                for start in (writer * 10..400).step_by(50) {
                    let window = &samples[start..(start + 80).min(400)];
                    store.add_samples(id, window).expect("batch");
                }
            });
        }
    });
    store
        .add_samples(id, &samples)
        .expect("everything once more");
    let run = store.run(id).expect("run");
    assert_eq!(run.samples, 400);
    assert_eq!(store.samples(id).expect("samples"), samples);
    let cpu_j: f64 = samples.iter().map(|s| s.components[0].energy_j).sum();
    assert!((run.cpu_energy_kwh - cpu_j / 3.6e6).abs() < 1e-12);
    assert_eq!(run.energy_kwh, samples[399].energy_kwh);
}

#[test]
fn bad_urls_and_unreachable_servers_are_one_clear_line() {
    let malformed = PgStore::connect("postgresql://user@host:notaport/db").expect_err("bad port");
    let text = malformed.to_string();
    assert!(text.contains("postgresql://USER@HOST[:PORT]/DB"), "{text}");
    assert!(!text.contains('\n'), "{text}");
    let no_db = PgStore::connect("postgresql://user@127.0.0.1:5432").expect_err("no database");
    assert!(no_db.to_string().contains("names no database"), "{no_db}");

    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("postgresql://someone:secret@127.0.0.1:{port}/runs");
    let refused = PgStore::connect(&url).expect_err("nothing listens");
    let text = refused.to_string();
    assert!(
        text.starts_with(&format!(
            "cannot connect to the run database at postgresql://someone@127.0.0.1:{port}/runs"
        )),
        "{text}"
    );
    assert!(!text.contains("secret"), "{text}");
    assert!(text.contains("check that PostgreSQL runs there"), "{text}");
}
