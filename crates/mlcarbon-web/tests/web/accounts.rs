//! Accounts over a real server on loopback: two teams, tokens of each; who reads which runs
//! (API, pages, jobs, metrics), who writes where, revoked tokens, and the login cookie.

use std::io::{Read, Write};
use std::net::SocketAddr;

use mlcarbon_store::{RunStore, SqliteRunStore, Store, TokenScope};
use mlcarbon_web::accounts::{assign_project, issue_user_token};
use serde_json::json;

use crate::support::{Db, FIXTURE_NOW, data, new_run, samples, serve_on_loopback};

const ADMIN: &str = "admin-secret";

/// One request on a connection of its own: status, head, body.
fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).expect("sends");
    stream.write_all(body.as_bytes()).expect("sends");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("reads");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

struct Team {
    addr: SocketAddr,
    prep: SqliteRunStore,
    alpha_read: String,
    alpha_write: String,
    beta_write: String,
    _db: Db,
}

/// The fixture's runs (`bert`, and run 2 of a project of no team), `bert` given to team alpha,
/// then a run each pushed by alpha (`vision`, job `j-alpha`) and beta (`speech`, job
/// `j-beta`) with their write tokens, which gives those projects to their teams.
fn two_teams() -> Team {
    let db = Db::new();
    let prep = SqliteRunStore::new(Store::open(&db.path()).expect("store"), Some(db.path()));
    let issue = |user: &str, team: &str, scope| {
        issue_user_token(&prep, user, team, scope, "test")
            .expect("token")
            .token
    };
    let alpha_read = issue("ada", "alpha", TokenScope::Read);
    let alpha_write = issue("ada", "alpha", TokenScope::Write);
    let beta_write = issue("bob", "beta", TokenScope::Write);
    assign_project(&prep, "bert", "alpha").expect("assign");
    let state = mlcarbon_web::AppState::with(
        data(),
        Some(db.store_at(FIXTURE_NOW)),
        Some(db.path()),
        Some(ADMIN.to_string()),
    );
    let addr = serve_on_loopback(state, mlcarbon_web::ConnectionLimits::default());
    for (uuid, project, job, token) in [
        ("alpha-run", "vision", "j-alpha", &alpha_write),
        ("beta-run", "speech", "j-beta", &beta_write),
    ] {
        let mut run = new_run(uuid, project, "2024-01-11T09:00:00Z");
        run.start.placement.job_key = Some(job.to_string());
        let auth = bearer(token);
        let (status, _, body) = exchange(
            addr,
            "PUT",
            &format!("/api/runs/{uuid}"),
            &[("authorization", &auth)],
            &serde_json::to_string(&run).expect("json"),
        );
        assert_eq!(status, 201, "{body}");
        let batch = json!({ "samples": samples(3, "2024-01-11T09:00") }).to_string();
        let (status, _, body) = exchange(
            addr,
            "POST",
            &format!("/api/runs/{uuid}/samples"),
            &[("authorization", &auth)],
            &batch,
        );
        assert_eq!(status, 200, "{body}");
    }
    Team {
        addr,
        prep,
        alpha_read,
        alpha_write,
        beta_write,
        _db: db,
    }
}

fn projects_seen(addr: SocketAddr, auth: &[(&str, &str)]) -> Vec<String> {
    let (status, _, body) = exchange(addr, "GET", "/api/runs", auth, "");
    assert_eq!(status, 200, "{body}");
    let runs: serde_json::Value = serde_json::from_str(&body).expect("json");
    let mut projects: Vec<String> = runs
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| r["project"].as_str().expect("project").to_string())
        .collect();
    projects.sort();
    projects
}

fn run_id(team: &Team, uuid: &str) -> i64 {
    team.prep
        .run_id_by_uuid(uuid)
        .expect("lookup")
        .expect("stored")
}

#[test]
fn each_team_reads_its_projects_and_those_of_no_team() {
    let team = two_teams();
    let addr = team.addr;
    let unassigned = "team \"x\"\\y";

    let (status, _, body) = exchange(addr, "GET", "/api/runs", &[], "");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("mlcarbon serve token create"), "{body}");
    // Pages and data that hold no stored runs stay open.
    assert_eq!(exchange(addr, "GET", "/api/zones", &[], "").0, 200);
    assert_eq!(exchange(addr, "GET", "/", &[], "").0, 200);

    let alpha = bearer(&team.alpha_read);
    let alpha = [("authorization", alpha.as_str())];
    assert_eq!(
        projects_seen(addr, &alpha),
        ["bert", unassigned, "vision"],
        "alpha: its projects and the one of no team"
    );
    let beta = [("x-api-token", team.beta_write.as_str())];
    assert_eq!(projects_seen(addr, &beta), ["speech", unassigned]);
    let admin = bearer(ADMIN);
    assert_eq!(
        projects_seen(addr, &[("authorization", &admin)]),
        ["bert", "speech", unassigned, "vision"]
    );

    // Another team's run is as missing as one never stored, whichever way it is read.
    let beta_run = run_id(&team, "beta-run");
    for path in [
        format!("/api/runs/{beta_run}"),
        format!("/api/runs/{beta_run}/samples"),
        format!("/api/runs/{beta_run}/export"),
        format!("/runs/{beta_run}"),
        "/api/jobs/j-beta".to_string(),
        "/jobs/j-beta".to_string(),
    ] {
        let (status, _, body) = exchange(addr, "GET", &path, &alpha, "");
        assert_eq!(status, 404, "{path}: {body}");
    }
    let alpha_run = run_id(&team, "alpha-run");
    assert_eq!(
        exchange(addr, "GET", &format!("/runs/{alpha_run}"), &alpha, "").0,
        200
    );
    let (_, _, jobs) = exchange(addr, "GET", "/api/jobs", &alpha, "");
    assert!(
        jobs.contains("j-alpha") && !jobs.contains("j-beta"),
        "{jobs}"
    );
    let (_, _, page) = exchange(addr, "GET", "/jobs", &alpha, "");
    assert!(
        page.contains("j-alpha") && !page.contains("j-beta"),
        "{page}"
    );
    let (_, _, export) = exchange(addr, "GET", "/api/runs/export?format=csv", &alpha, "");
    assert!(
        export.contains("alpha-run") && !export.contains("beta-run"),
        "{export}"
    );
    let (status, _, metrics) = exchange(addr, "GET", "/metrics", &alpha, "");
    assert_eq!(status, 200);
    assert!(
        metrics.contains("project=\"vision\"") && !metrics.contains("project=\"speech\""),
        "{metrics}"
    );
    assert_eq!(exchange(addr, "GET", "/metrics", &[], "").0, 401);

    // CodeCarbon's organisations: a member sees its teams only.
    let (status, _, orgs) = exchange(addr, "GET", "/organizations", &alpha, "");
    assert_eq!(status, 200, "{orgs}");
    assert!(orgs.contains("alpha") && !orgs.contains("beta"), "{orgs}");
}

#[test]
fn writes_need_a_write_token_of_the_projects_team() {
    let team = two_teams();
    let addr = team.addr;
    let run_body = |uuid: &str, project: &str| {
        serde_json::to_string(&new_run(uuid, project, "2024-01-12T09:00:00Z")).expect("json")
    };
    let beta = bearer(&team.beta_write);
    let beta = [("authorization", beta.as_str())];

    let (status, _, body) = exchange(
        addr,
        "PUT",
        "/api/runs/b-into-alpha",
        &beta,
        &run_body("b-into-alpha", "bert"),
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("team `alpha`"), "{body}");
    // Nor samples, windows or the end of alpha's run.
    let batch = json!({ "samples": samples(1, "2024-01-11T09:10") }).to_string();
    let (status, _, body) = exchange(addr, "POST", "/api/runs/alpha-run/samples", &beta, &batch);
    assert_eq!(status, 403, "{body}");
    let end = json!({"ended_at": "2024-01-11T09:00:05Z", "duration_s": 5.0, "exit_code": 0, "signal": null, "status": "finished"}).to_string();
    assert_eq!(
        exchange(addr, "PUT", "/api/runs/alpha-run/end", &beta, &end).0,
        403
    );
    // Its own team's run: fine.
    let alpha_write = bearer(&team.alpha_write);
    let (status, _, body) = exchange(
        addr,
        "PUT",
        "/api/runs/alpha-run/end",
        &[("authorization", &alpha_write)],
        &end,
    );
    assert_eq!(status, 200, "{body}");

    let alpha_read = bearer(&team.alpha_read);
    let (status, _, body) = exchange(
        addr,
        "PUT",
        "/api/runs/read-only",
        &[("authorization", &alpha_read)],
        &run_body("read-only", "vision"),
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("read-only token"), "{body}");

    // A project of no team that already has runs stays of no team when written to.
    let (status, _, body) = exchange(
        addr,
        "PUT",
        "/api/runs/b-unassigned",
        &beta,
        &run_body("b-unassigned", "team \"x\"\\y"),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(team.prep.project_team("team \"x\"\\y").expect("team"), None);

    // A revoked token reads and writes nothing.
    let listed = team.prep.user_tokens().expect("tokens");
    let beta_id = &listed
        .iter()
        .find(|t| t.team == "beta")
        .expect("beta's")
        .token_id;
    assert!(
        team.prep
            .revoke_user_token(beta_id, "2024-01-12T10:00:00Z")
            .expect("revoke")
    );
    let (status, _, body) = exchange(addr, "GET", "/api/runs", &beta, "");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("revoked"), "{body}");
    assert_eq!(
        exchange(
            addr,
            "PUT",
            "/api/runs/late",
            &beta,
            &run_body("late", "speech")
        )
        .0,
        401
    );
}

#[test]
fn the_login_cookie_reads_pages_and_never_writes() {
    let team = two_teams();
    let addr = team.addr;
    assert_eq!(exchange(addr, "GET", "/runs", &[], "").0, 401);
    let (status, _, page) = exchange(addr, "GET", "/login", &[], "");
    assert_eq!(status, 200);
    assert!(page.contains(r#"name="token""#), "{page}");

    let (status, _, body) = exchange(
        addr,
        "POST",
        "/login",
        &[("content-type", "application/x-www-form-urlencoded")],
        "token=mlct_nope_wrong",
    );
    assert_eq!(status, 401, "{body}");

    let form = format!("token={}", team.alpha_write);
    let (status, head, _) = exchange(
        addr,
        "POST",
        "/login",
        &[("content-type", "application/x-www-form-urlencoded")],
        &form,
    );
    assert_eq!(status, 303, "{head}");
    let set_cookie = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("a cookie");
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie
        .split_once(':')
        .map(|(_, v)| v.trim())
        .and_then(|v| v.split(';').next())
        .expect("name=value")
        .to_string();

    let with_cookie = [("cookie", cookie.as_str())];
    let (status, _, page) = exchange(addr, "GET", "/runs", &with_cookie, "");
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("vision") && !page.contains("speech"),
        "the runs page shows alpha's runs only"
    );
    let run_body = serde_json::to_string(&new_run("by-cookie", "vision", "2024-01-12T09:00:00Z"))
        .expect("json");
    let (status, _, body) = exchange(addr, "PUT", "/api/runs/by-cookie", &with_cookie, &run_body);
    assert_eq!(status, 401, "{body}");

    let (status, head, _) = exchange(addr, "GET", "/logout", &with_cookie, "");
    assert_eq!(status, 303);
    assert!(head.contains("Max-Age=0"), "{head}");
}
