//! The backend conformance suite (`mlcarbon_store::conformance`) on SQLite: a database in
//! memory and one in a file, each store shared as the server shares it.

use mlcarbon_store::conformance::run_all;
use mlcarbon_store::{RunStore, SqliteRunStore, Store};

#[test]
fn sqlite_in_memory_passes_the_conformance_suite() {
    run_all(&mut |check| {
        let mut store = Store::open_in_memory().expect("open in memory");
        store.set_tracker_check(check);
        Box::new(SqliteRunStore::new(store, None)) as Box<dyn RunStore>
    });
}

#[test]
fn sqlite_files_pass_the_conformance_suite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut made = 0;
    run_all(&mut |check| {
        made += 1;
        let path = dir.path().join(format!("runs-{made}.sqlite"));
        let mut store = Store::open(&path).expect("open file");
        store.set_tracker_check(check);
        Box::new(SqliteRunStore::new(store, Some(path))) as Box<dyn RunStore>
    });
}
