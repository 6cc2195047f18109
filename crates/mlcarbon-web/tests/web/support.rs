//! Helpers: the router over the built-in data, a temporary run database made with
//! mlcarbon_store, and requests sent with `oneshot` (no socket).

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use mlcarbon_data::Dataset;
use mlcarbon_store::{
    ComponentKind, ComponentSample, IntensityOrigin, Method, NewComponent, NewRun, RunEnd,
    RunStart, RunStatus, SampleRow, Store, TrackerCheck,
};
use mlcarbon_time::UtcTime;
use mlcarbon_web::{AppState, app};
use tower::ServiceExt;

pub fn data() -> &'static Dataset {
    Dataset::builtin().expect("built-in data")
}

/// The router without a run database, read-only.
pub fn bare() -> Router {
    app(AppState::new(data()))
}

/// A temporary folder holding `runs.sqlite` with [`fill`]'s runs.
pub struct Db {
    pub dir: tempfile::TempDir,
}

impl Db {
    pub fn new() -> Db {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("runs.sqlite")).expect("store");
        fill(&store);
        Db { dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("runs.sqlite")
    }

    /// The database opened by a server on another host than its runs', reading them as at
    /// `now` (RFC 3339).
    pub fn store_at(&self, now: &str) -> Store {
        let mut store = Store::open(&self.path()).expect("store");
        store.set_tracker_check(TrackerCheck::On {
            this_host: "the-server".to_string(),
            now: Some(UtcTime::parse(now).expect("an instant")),
        });
        store
    }

    /// The router over this database; `token` enables writing. Runs read as at
    /// [`FIXTURE_NOW`], when run 2's tracker still writes.
    pub fn router(&self, token: Option<&str>) -> Router {
        self.router_at(token, FIXTURE_NOW)
    }

    /// The router over this database, its runs read as at `now` (RFC 3339) by a server on
    /// another host than theirs.
    pub fn router_at(&self, token: Option<&str>, now: &str) -> Router {
        let store = self.store_at(now);
        app(AppState::with(
            data(),
            Some(store),
            Some(self.path()),
            token.map(str::to_string),
        ))
    }
}

/// Half a minute after run 2's last sample (08:00:03): its tracker still counts as alive.
pub const FIXTURE_NOW: &str = "2024-01-10T08:00:30Z";

pub fn new_run(uuid: &str, project: &str, started_at: &str) -> NewRun {
    NewRun {
        start: RunStart {
            uuid: uuid.to_string(),
            project: project.to_string(),
            experiment: Some("baseline".to_string()),
            tags: vec!["nightly".to_string(), "a100".to_string()],
            command: vec!["python".to_string(), "train.py".to_string()],
            started_at: started_at.to_string(),
            pid: 4242,
            hostname: "gpu-box".to_string(),
            os: "linux".to_string(),
            mlcarbon_version: "0.1.0".to_string(),
            location_label: "France (FR)".to_string(),
            zone: Some("FR".to_string()),
            provider: None,
            region: None,
            country_iso: Some("FRA".to_string()),
            country_name: Some("France".to_string()),
            intensity_g_per_kwh: 56.0,
            intensity_origin: IntensityOrigin::Estimated,
            intensity_source: Some("zones.csv:FR".to_string()),
            pue: 1.2,
            cpu_model: Some("Intel Xeon Gold 6248".to_string()),
            cpu_count: 1,
            gpu_model: Some("NVIDIA A100-SXM4-80GB".to_string()),
            gpu_count: 1,
            ram_total_gb: 64.0,
            interval_s: 1.0,
            attribution: Default::default(),
            placement: Default::default(),
        },
        components: vec![
            NewComponent {
                key: "gpu:0".to_string(),
                kind: ComponentKind::Gpu,
                label: "NVIDIA \"A100\"\\SXM4".to_string(),
                method: Method::Counter,
            },
            NewComponent {
                key: "cpu:package-0".to_string(),
                kind: ComponentKind::Cpu,
                label: "Intel Xeon Gold 6248 (package 0)".to_string(),
                method: Method::IntegratedPower,
            },
            NewComponent {
                key: "ram".to_string(),
                kind: ComponentKind::Ram,
                label: "64 GB RAM".to_string(),
                method: Method::Model,
            },
        ],
    }
}

/// `n` samples one second apart: GPU 300 W rising by 10 W a second, CPU 100 W, RAM 24 W.
pub fn samples(n: u64, start: &str) -> Vec<SampleRow> {
    let mut energy_j = 0.0;
    (0..n)
        .map(|seq| {
            let gpu = 300.0 + 10.0 * seq as f64;
            let readings = vec![
                ComponentSample {
                    key: "gpu:0".to_string(),
                    power_w: gpu,
                    energy_j: gpu,
                },
                ComponentSample {
                    key: "cpu:package-0".to_string(),
                    power_w: 100.0,
                    energy_j: 100.0,
                },
                ComponentSample {
                    key: "ram".to_string(),
                    power_w: 24.0,
                    energy_j: 24.0,
                },
            ];
            let total = gpu + 124.0;
            energy_j += total;
            let energy_kwh = energy_j * 1.2 / 3.6e6;
            SampleRow {
                seq,
                t_s: (seq + 1) as f64,
                timestamp: format!("{start}:{:02}Z", seq + 1),
                intensity_g_per_kwh: 56.0,
                components: readings,
                total_power_w: total,
                energy_kwh,
                emissions_kg: energy_kwh * 56.0 / 1000.0,
                cpu_utilization: Some(50.0),
                gpu_utilization: Some(90.0),
                ram_used_gb: Some(20.0),
            }
        })
        .collect()
}

/// Run 1: finished, project `bert`, 10 samples. Run 2: still running, project `team "x"\y`
/// (a name that needs escaping), 3 samples, a week later.
pub fn fill(store: &Store) {
    let first = store
        .start_run(&new_run(
            "11111111-0000-0000-0000-000000000001",
            "bert",
            "2024-01-03T10:00:00Z",
        ))
        .expect("run 1");
    store
        .add_samples(first, &samples(10, "2024-01-03T10:00"))
        .expect("samples 1");
    store
        .finish_run(
            first,
            &RunEnd {
                ended_at: "2024-01-03T10:00:10Z".to_string(),
                duration_s: 10.0,
                exit_code: Some(0),
                signal: None,
                status: RunStatus::Finished,
            },
        )
        .expect("finish 1");
    let mut second = new_run(
        "22222222-0000-0000-0000-000000000002",
        "team \"x\"\\y",
        "2024-01-10T08:00:00Z",
    );
    second.start.tags = vec!["sweep".to_string()];
    let second_id = store.start_run(&second).expect("run 2");
    store
        .add_samples(second_id, &samples(3, "2024-01-10T08:00"))
        .expect("samples 2");
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `field` of an error answer.
    pub fn field(&self) -> Option<String> {
        self.json()
            .get("field")
            .and_then(|f| f.as_str())
            .map(str::to_string)
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("the router never fails");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub async fn get(app: &Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).expect("request")).await
}

pub async fn post(app: &Router, uri: &str, body: &str, token: Option<&str>) -> Answer {
    let mut request = Request::post(uri).header("content-type", "application/json");
    if let Some(t) = token {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    send(
        app,
        request.body(Body::from(body.to_string())).expect("request"),
    )
    .await
}

/// The `mlcarbon_version` field replaced by `[version]`, as the CLI's snapshots do.
pub fn redact_version(mut value: serde_json::Value) -> serde_json::Value {
    if let Some(v) = value.get_mut("mlcarbon_version") {
        assert_eq!(v.as_str(), Some(env!("CARGO_PKG_VERSION")));
        *v = serde_json::Value::from("[version]");
    }
    value
}

/// A snapshot file of another crate, if this checkout has it.
pub fn read_snapshot(path: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(path).ok()?;
    let body: String = text.splitn(3, "---\n").nth(2)?.to_string();
    serde_json::from_str(&body).ok()
}

/// `state` served on a free loopback port within `limits`, on a runtime of its own thread, for
/// the test's life: the real server, for clients that need a socket.
pub fn serve_on_loopback(
    state: AppState,
    limits: mlcarbon_web::ConnectionLimits,
) -> std::net::SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a port");
            tx.send(listener.local_addr().expect("address"))
                .expect("the test waits");
            mlcarbon_web::serve_on_with(listener, state, limits, std::future::pending())
                .await
                .expect("serves");
        });
    });
    rx.recv().expect("the server starts")
}
