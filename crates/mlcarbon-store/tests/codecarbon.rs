//! The CodeCarbon organisation → project → experiment tables and project tokens (schema v7).

use mlcarbon_store::{CcExperiment, CcOrganization, CcProject, CcProjectToken, Store, StoreError};

const NOW: &str = "2026-12-03T10:00:00Z";

fn org(id: &str, name: &str) -> CcOrganization {
    CcOrganization {
        id: id.into(),
        name: name.into(),
        description: String::new(),
        created_at: NOW.into(),
    }
}

fn project(id: &str, organization_id: &str, name: &str) -> CcProject {
    CcProject {
        id: id.into(),
        organization_id: organization_id.into(),
        name: name.into(),
        description: String::new(),
        created_at: NOW.into(),
    }
}

#[test]
fn the_hierarchy_refuses_duplicates_and_orphans() {
    let store = Store::open_in_memory().expect("store");
    store.add_cc_organization(&org("o1", "Lab")).expect("org");
    assert!(matches!(
        store.add_cc_organization(&org("o2", "Lab")),
        Err(StoreError::Exists { .. })
    ));
    assert!(matches!(
        store.add_cc_project(&project("p0", "nope", "vision")),
        Err(StoreError::Unknown { .. })
    ));
    store
        .add_cc_project(&project("p1", "o1", "vision"))
        .expect("project");
    assert!(matches!(
        store.add_cc_project(&project("p2", "o1", "vision")),
        Err(StoreError::Exists { .. })
    ));
    // A project's name maps runs to one team (schema v10): taken in every organisation.
    store
        .add_cc_organization(&org("o2", "Other"))
        .expect("org 2");
    assert!(matches!(
        store.add_cc_project(&project("p2", "o2", "vision")),
        Err(StoreError::Exists { .. })
    ));
    store
        .add_cc_project(&project("p2", "o2", "speech"))
        .expect("project 2");
    assert_eq!(store.cc_projects("o1").expect("list").len(), 1);
    assert_eq!(store.cc_organizations().expect("orgs")[0].name, "Lab");

    let experiment = CcExperiment {
        id: "e1".into(),
        project_id: Some("p1".into()),
        name: "resnet".into(),
        description: String::new(),
        created_at: NOW.into(),
    };
    store.add_cc_experiment(&experiment).expect("experiment");
    assert!(matches!(
        store.add_cc_experiment(&experiment),
        Err(StoreError::Exists { .. })
    ));
    // First named by a tracker: recorded once, without a project; a known one is unchanged.
    let first = store.ensure_cc_experiment("e9", NOW).expect("recorded");
    assert_eq!(first.project_id, None);
    assert_eq!(store.ensure_cc_experiment("e9", NOW).expect("again"), first);
    assert_eq!(
        store.ensure_cc_experiment("e1", NOW).expect("known"),
        experiment
    );
    assert_eq!(store.cc_experiments("p1").expect("list"), vec![experiment]);
}

#[test]
fn a_project_token_matches_its_hash_only() {
    let store = Store::open_in_memory().expect("store");
    store.add_cc_organization(&org("o1", "Lab")).expect("org");
    store
        .add_cc_project(&project("p1", "o1", "vision"))
        .expect("project");
    let token = CcProjectToken {
        token_id: "t1".into(),
        project_id: "p1".into(),
        name: "ci".into(),
        secret_sha256: [7; 32],
        created_at: NOW.into(),
    };
    store.add_cc_project_token(&token).expect("token");
    assert_eq!(
        store.cc_project_of_token("t1", &[7; 32]).expect("lookup"),
        Some("p1".to_string())
    );
    let mut wrong = [7; 32];
    wrong[31] = 8;
    assert_eq!(
        store.cc_project_of_token("t1", &wrong).expect("lookup"),
        None
    );
    assert_eq!(
        store.cc_project_of_token("t2", &[7; 32]).expect("lookup"),
        None
    );
    let orphan = CcProjectToken {
        project_id: "nope".into(),
        token_id: "t3".into(),
        ..token
    };
    assert!(matches!(
        store.add_cc_project_token(&orphan),
        Err(StoreError::Unknown { .. })
    ));
}

/// A database from before accounts may hold one project name in two organisations: the
/// accounts step keeps the first and renames the other (by its id), and runs stay readable.
#[test]
fn the_accounts_step_makes_project_names_unique() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("runs.sqlite");
    let accounts_step = mlcarbon_store::schema::MIGRATIONS
        .iter()
        .position(|sql| sql.contains("CREATE TABLE user_tokens"))
        .expect("the accounts step");
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        for sql in &mlcarbon_store::schema::MIGRATIONS[..accounts_step] {
            conn.execute_batch(sql).expect("an earlier step");
        }
        conn.pragma_update(None, "user_version", accounts_step)
            .expect("version before accounts");
        conn.execute_batch(
            "INSERT INTO codecarbon_organizations VALUES ('o1', 'one', '', 'x'), ('o2', 'two', '', 'x');
             INSERT INTO codecarbon_projects VALUES ('a', 'o1', 'vision', '', 'x'),
                 ('b', 'o2', 'vision', '', 'x');",
        )
        .expect("rows before accounts");
    }
    let store = Store::open(&path).expect("open and migrate");
    assert_eq!(
        store.project_teams().expect("projects"),
        [
            ("vision".to_string(), "o1".to_string()),
            ("vision (b)".to_string(), "o2".to_string())
        ]
    );
    assert!(!store.has_user_tokens().expect("no tokens"));
}
