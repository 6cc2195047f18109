//! `mlcarbon serve token create|list|revoke` and `serve project assign|list` on a SQLite file.

use super::*;

fn admin(db: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = mlcarbon();
    cmd.env_remove("MLCARBON_DB")
        .args(["serve"])
        .args(args)
        .args(["--db", db.to_str().expect("utf-8 path")]);
    cmd.output().expect("mlcarbon starts")
}

#[test]
fn tokens_are_created_once_listed_without_secrets_and_revoked() {
    let dir = temp_dir("accounts-tokens");
    let db = dir.join("server.sqlite");
    let created = admin(
        &db,
        &[
            "token", "create", "--user", "ada", "--team", "vision", "--scope", "write", "--name",
            "laptop",
        ],
    );
    assert!(created.status.success(), "{created:?}");
    let token = String::from_utf8(created.stdout).expect("utf-8");
    // Only the token on stdout, so that `> file` keeps it.
    assert_eq!(token.lines().count(), 1, "{token}");
    let token = token.trim();
    let (id, secret) = token
        .strip_prefix("mlct_")
        .and_then(|rest| rest.split_once('_'))
        .expect("mlct_<id>_<secret>");
    assert_eq!(secret.len(), 64, "32 random bytes, hex");
    let note = String::from_utf8(created.stderr).expect("utf-8");
    assert_eq!(note.lines().count(), 1, "{note}");
    assert!(
        note.contains("scope write")
            && note.contains("`vision`")
            && note.contains("stored hashed; cannot be shown again"),
        "{note}"
    );

    let second = admin(&db, &["token", "create", "--user", "bob", "--team", "nlp"]);
    assert!(second.status.success(), "{second:?}");

    let listed = admin(&db, &["token", "list"]);
    let listed = String::from_utf8(listed.stdout).expect("utf-8");
    assert!(!listed.contains(secret), "a secret listed: {listed}");
    let ada = listed
        .lines()
        .find(|l| l.starts_with(id))
        .expect("ada's token listed");
    assert!(
        ada.contains("ada")
            && ada.contains("vision")
            && ada.contains("write")
            && ada.ends_with('-'),
        "{ada}"
    );
    let bob = listed.lines().find(|l| l.contains("bob")).expect("bob's");
    assert!(bob.contains(" read "), "read is the default scope: {bob}");

    let revoked = admin(&db, &["token", "revoke", id]);
    assert!(revoked.status.success(), "{revoked:?}");
    assert!(String::from_utf8_lossy(&revoked.stdout).contains("revoked"));
    let listed = String::from_utf8(admin(&db, &["token", "list"]).stdout).expect("utf-8");
    let ada = listed
        .lines()
        .find(|l| l.starts_with(id))
        .expect("still listed");
    assert!(!ada.ends_with('-'), "the revocation time is shown: {ada}");

    let db_arg = db.to_str().expect("utf-8");
    let unknown = app_error(&["serve", "token", "revoke", "0000", "--db", db_arg]);
    assert!(unknown.contains("no token with id `0000`"), "{unknown}");
    let scope = usage_error(&[
        "serve", "token", "create", "--user", "x", "--team", "y", "--scope", "admin", "--db",
        db_arg,
    ]);
    assert!(scope.contains("admin"), "{scope}");
}

#[test]
fn projects_are_assigned_to_one_team_and_moved() {
    let dir = temp_dir("accounts-projects");
    let db = dir.join("server.sqlite");
    let db_arg = db.to_str().expect("utf-8");
    let empty = stdout_of(&["serve", "project", "list", "--db", db_arg]);
    assert!(empty.contains("no project belongs to a team"), "{empty}");
    let first = stdout_of(&[
        "serve", "project", "assign", "bert", "--team", "nlp", "--db", db_arg,
    ]);
    assert!(
        first.contains("`bert` belongs to team `nlp` (new team)"),
        "{first}"
    );
    let moved = stdout_of(&[
        "serve", "project", "assign", "bert", "--team", "vision", "--db", db_arg,
    ]);
    assert!(moved.contains("moved from team `nlp`"), "{moved}");
    let listed = stdout_of(&["serve", "project", "list", "--db", db_arg]);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("bert") && l.ends_with("vision")),
        "{listed}"
    );
    let blank = app_error(&[
        "serve", "project", "assign", " ", "--team", "x", "--db", db_arg,
    ]);
    assert!(blank.contains("invalid project"), "{blank}");
}
