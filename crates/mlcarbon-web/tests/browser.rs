//! End to end in headless Chromium (Debian's `chromium`), driven over the DevTools protocol:
//! the server on a free loopback port, the calculator filled and submitted, its result and chart
//! read, a run opened in the dashboard; screenshots kept under `target/tmp/mlcarbon-web-e2e/`.
//!
//! ```sh
//! cargo test -p mlcarbon-web --test browser -- --nocapture
//! ```
//!
//! Without `/usr/bin/chromium` (or `$CHROMIUM`) the test says so and passes without running.

#[allow(dead_code)]
#[path = "web/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

const WAIT: Duration = Duration::from_secs(30);

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.exists().then_some(path)
}

/// Chromium, ended (by its own process id) when dropped.
struct Browser {
    child: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn launch(binary: &Path, profile: &Path) -> Browser {
    let child = Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1600",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    Browser { child }
}

/// The browser's DevTools websocket, from the `DevToolsActivePort` file Chromium writes.
async fn devtools_url(profile: &Path) -> String {
    let file = profile.join("DevToolsActivePort");
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(&file) {
            let mut lines = text.lines();
            if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                return format!("ws://127.0.0.1:{port}{path}");
            }
        }
        assert!(
            start.elapsed() < WAIT,
            "chromium wrote no DevToolsActivePort"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A DevTools protocol session over one page (flattened target sessions).
struct Page {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    session: Option<String>,
    /// Exceptions thrown by the page's scripts and error entries of its console/log.
    errors: Vec<String>,
}

impl Page {
    async fn open(url: &str) -> Page {
        let (ws, _) = connect_async(url).await.expect("devtools websocket");
        let mut page = Page {
            ws,
            next_id: 0,
            session: None,
            errors: Vec::new(),
        };
        let target = page
            .call("Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let target_id = target["targetId"].as_str().expect("target id").to_string();
        let attached = page
            .call(
                "Target.attachToTarget",
                json!({ "targetId": target_id, "flatten": true }),
            )
            .await;
        page.session = Some(
            attached["sessionId"]
                .as_str()
                .expect("session id")
                .to_string(),
        );
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            page.call(domain, json!({})).await;
        }
        page.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 1600, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await;
        page
    }

    fn note_event(&mut self, message: &Value) {
        match message["method"].as_str() {
            Some("Runtime.exceptionThrown") => self
                .errors
                .push(message["params"]["exceptionDetails"].to_string()),
            Some("Runtime.consoleAPICalled") if message["params"]["type"] == "error" => {
                self.errors.push(message["params"]["args"].to_string())
            }
            Some("Log.entryAdded") if message["params"]["entry"]["level"] == "error" => self
                .errors
                .push(message["params"]["entry"]["text"].to_string()),
            _ => {}
        }
    }

    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            message["sessionId"] = Value::from(session.clone());
        }
        self.ws
            .send(Message::text(message.to_string()))
            .await
            .expect("send to chromium");
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let next = tokio::time::timeout(left, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("no answer to {method} in {WAIT:?}"));
            let Some(Ok(Message::Text(text))) = next else {
                continue;
            };
            let value: Value = serde_json::from_str(text.as_str()).expect("devtools JSON");
            if value["id"] == id {
                assert!(
                    value.get("error").is_none(),
                    "{method} failed: {}",
                    value["error"]
                );
                return value["result"].clone();
            }
            self.note_event(&value);
        }
    }

    /// Evaluates `expression` in the page and returns its value (promises awaited).
    async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await;
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {}",
            result["exceptionDetails"]
        );
        result["result"]["value"].clone()
    }

    /// Waits until `condition` (a JS expression) is true.
    async fn wait_for(&mut self, condition: &str) {
        let start = Instant::now();
        loop {
            if self
                .eval(&format!(
                    "document.readyState === 'complete' && !!({condition})"
                ))
                .await
                == Value::Bool(true)
            {
                return;
            }
            assert!(start.elapsed() < WAIT, "timed out waiting for {condition}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url })).await;
    }

    /// Clicks the middle of the element, as a mouse would.
    async fn click(&mut self, selector: &str) {
        let rect = self
            .eval(&format!(
                "(() => {{ const e = document.querySelector({s}); e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
                s = Value::from(selector)
            ))
            .await;
        let (x, y) = (rect[0].as_f64().expect("x"), rect[1].as_f64().expect("y"));
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            )
            .await;
        }
    }

    /// Focuses a field, clears it and types `text`.
    async fn type_into(&mut self, selector: &str, text: &str) {
        self.eval(&format!(
            "(() => {{ const e = document.querySelector({s}); e.focus(); e.value = ''; return true; }})()",
            s = Value::from(selector)
        ))
        .await;
        self.call("Input.insertText", json!({ "text": text })).await;
    }

    /// A window `width` CSS pixels wide (1280: a laptop; 390: a phone).
    async fn viewport(&mut self, width: u32) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": 1600, "deviceScaleFactor": 1, "mobile": width < 600 }),
        )
        .await;
    }

    /// How far the page reaches past the window's right edge, in CSS pixels (0: no sideways
    /// scrolling).
    async fn overflow(&mut self) -> f64 {
        self.eval("document.documentElement.scrollWidth - window.innerWidth")
            .await
            .as_f64()
            .expect("a width")
    }

    async fn screenshot(&mut self, path: &Path) {
        self.capture(path, true).await;
    }

    /// The window only: a long page at a phone's width is taller than Chromium captures.
    async fn screenshot_window(&mut self, path: &Path) {
        self.capture(path, false).await;
    }

    async fn capture(&mut self, path: &Path, whole_page: bool) {
        let shot = self
            .call(
                "Page.captureScreenshot",
                json!({ "format": "png", "captureBeyondViewport": whole_page }),
            )
            .await;
        let bytes = base64_decode(shot["data"].as_str().expect("png data"));
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(path, bytes).expect("write screenshot");
        eprintln!("screenshot: {}", path.display());
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let Some(v) = value(c) else { continue };
        buffer = (buffer << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

#[test]
fn base64_round_trip() {
    assert_eq!(base64_decode("iVBORw=="), b"\x89PNG");
    assert_eq!(base64_decode("aGVsbG8gd29ybGQ="), b"hello world");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calculator_and_dashboard_in_chromium() {
    let Some(binary) = chromium() else {
        eprintln!(
            "SKIPPED: no Chromium at /usr/bin/chromium (or $CHROMIUM); `apt-get install -y chromium` runs this test"
        );
        return;
    };
    let artefacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mlcarbon-web-e2e");
    std::fs::create_dir_all(&artefacts).expect("artefact folder");

    // The server, on a free loopback port, with a database holding two runs.
    let db = support::Db::new();
    let store = db.store_at(support::FIXTURE_NOW);
    let state = mlcarbon_web::AppState::with(support::data(), Some(store), Some(db.path()), None);
    let listener = mlcarbon_web::bind("127.0.0.1:0".parse().expect("address"))
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mlcarbon_web::serve_on(listener, state, async {
        let _ = stopped.await;
    }));

    let profile = tempfile::tempdir().expect("profile folder");
    let _browser = launch(&binary, profile.path());
    let mut page = Page::open(&devtools_url(profile.path()).await).await;

    // The calculator: the script fills the hardware list from /api/hardware.
    page.goto(&format!("{base}/")).await;
    page.wait_for("document.querySelector('#calc')").await;
    page.wait_for("document.querySelectorAll('#hardware-list option').length > 20")
        .await;
    page.type_into("#hardware", "A100 SXM4 80GB").await;
    page.type_into("#count", "8").await;
    page.type_into("#hours", "72").await;
    page.click("#where-cloud").await;
    page.eval("(() => { const p = document.querySelector('#provider'); p.value = 'aws'; p.dispatchEvent(new Event('change')); return true; })()")
        .await;
    page.type_into("#region", "us-east-1").await;
    page.click("#estimate").await;
    page.wait_for("document.querySelector('#emissions')").await;

    let emissions = page
        .eval("document.querySelector('#emissions').textContent")
        .await;
    // The page shows the model's figure for this job (whatever the data's current year says).
    let expected = {
        let data = mlcarbon_data::Dataset::builtin().expect("data");
        let request = mlcarbon_model::request::EstimateRequest {
            hardware: Some("A100 SXM4 80GB".to_string()),
            count: Some(8),
            hours: Some(72.0),
            provider: Some("aws".to_string()),
            region: Some("us-east-1".to_string()),
            ..Default::default()
        };
        let resolved = mlcarbon_model::request::resolve(data, &request).expect("resolves");
        let estimate = mlcarbon_model::estimate(&resolved.job.job, &resolved.location.location);
        format!(
            "{} CO2e",
            mlcarbon_model::statement::human_mass(estimate.emissions.value.0)
        )
    };
    assert_eq!(emissions, expected.as_str(), "the result as shown");
    let range = page
        .eval("document.querySelector('#emissions-range').textContent")
        .await;
    assert!(
        range.as_str().is_some_and(|r| r.starts_with("range ")),
        "{range}"
    );
    let embodied = page
        .eval("document.querySelector('#embodied').textContent")
        .await;
    assert!(
        embodied
            .as_str()
            .is_some_and(|e| e.starts_with("2.47 kg CO2e") && e.contains("not in it")),
        "the embodied emissions beside the figure: {embodied}"
    );
    let url = page.eval("location.href").await;
    let url = url.as_str().expect("url");
    assert!(
        url.contains("hardware=A100+SXM4+80GB")
            && url.contains("region=us-east-1")
            && !url.contains("zone="),
        "the URL holds the inputs and no empty fields: {url}"
    );
    let share = page
        .eval("document.querySelector('#share-url').value")
        .await;
    assert!(
        share
            .as_str()
            .is_some_and(|s| s.starts_with(&format!("{base}/?hardware="))),
        "{share}"
    );
    // The chart: one bar per AWS region, this job's region highlighted.
    let bars = page
        .eval("document.querySelectorAll('#regions-chart g.row').length")
        .await;
    assert!(bars.as_u64().is_some_and(|n| n >= 10), "bars: {bars}");
    let mine = page
        .eval("document.querySelector('#regions-chart rect.mine').closest('g').getAttribute('data-label')")
        .await;
    assert!(
        mine.as_str().is_some_and(|l| l.contains("us-east-1")),
        "{mine}"
    );
    let drawn = page
        .eval("document.querySelector('#regions-chart').getBoundingClientRect().height")
        .await;
    assert!(
        drawn.as_f64().is_some_and(|h| h > 100.0),
        "chart height {drawn}"
    );
    let statement = page
        .eval("document.querySelector('#statement-markdown').value")
        .await;
    assert!(
        statement
            .as_str()
            .is_some_and(|s| s.starts_with("The training ran on 8 × A100 SXM4 80GB"))
    );
    page.click("button[data-tab='statement-latex']").await;
    let latex_shown = page
        .eval("!document.querySelector('#statement-latex').hidden")
        .await;
    assert_eq!(latex_shown, Value::Bool(true));
    // Short by default; the long text behind its toggle.
    assert!(
        statement
            .as_str()
            .is_some_and(|s| !s.contains("Data sources:")),
        "{statement}"
    );
    page.click("#statement-long summary").await;
    let long = page
        .eval("document.querySelector('#statement-long-markdown').offsetHeight > 0 && document.querySelector('#statement-long-markdown').value")
        .await;
    assert!(
        long.as_str().is_some_and(|l| l.contains("Data sources:")),
        "{long}"
    );
    // Three equivalents, the rest behind "more".
    assert_eq!(
        page.eval("document.querySelectorAll('#equivalents li').length")
            .await,
        3
    );
    assert_eq!(
        page.eval("document.querySelector('#more-equivalents').open")
            .await,
        Value::Bool(false)
    );
    page.screenshot(&artefacts.join("calculator.png")).await;
    let result_url = page.eval("location.href").await;
    let result_url = result_url.as_str().expect("url").to_string();

    // German: the switch keeps the job and turns the labels and the statement German.
    page.click("#lang-de").await;
    page.wait_for("document.querySelector('#statement-markdown') && document.querySelector('#statement-markdown').value.startsWith('Das Training')")
        .await;
    let german = page
        .eval("document.querySelector('#statement-markdown').value")
        .await;
    assert!(
        german.as_str().is_some_and(|g| g
            .starts_with("Das Training lief 72 h lang auf 8 × A100 SXM4 80GB")
            && g.contains("CO₂-Äquivalent")),
        "{german}"
    );
    assert_eq!(
        page.eval("document.querySelector('#estimate').textContent")
            .await,
        "Berechnen"
    );
    assert!(
        page.eval("location.href")
            .await
            .as_str()
            .is_some_and(|u| u.contains("lang=de") && u.contains("region=us-east-1"))
    );
    page.screenshot(&artefacts.join("calculator-de.png")).await;

    // A family name: the page offers the devices it matches, and one click estimates with one.
    page.goto(&format!("{base}/")).await;
    page.wait_for("document.querySelector('#calc') && !document.querySelector('#emissions')")
        .await;
    page.type_into("#hardware", "tpu").await;
    page.type_into("#hours", "3").await;
    page.click("#where-zone").await;
    page.type_into("#zone", "FR").await;
    page.click("#estimate").await;
    page.wait_for("document.querySelector('#hardware-choices a')")
        .await;
    let offered = page
        .eval("Array.from(document.querySelectorAll('#hardware-list option')).map(o => o.value).join('|')")
        .await;
    assert!(
        offered
            .as_str()
            .is_some_and(|o| o.starts_with("TPU v2 (chip)|TPU v3")),
        "the datalist holds the matches: {offered}"
    );
    page.click("#hardware-choices a").await;
    page.wait_for("document.querySelector('#emissions')").await;
    assert!(
        page.eval("document.querySelector('#hardware').value")
            .await
            .as_str()
            .is_some_and(|h| h == "TPU v2 (chip)")
    );

    // The published calculator's mode: its layout, three equivalents and its LaTeX paragraph.
    page.goto(&format!(
        "{base}/?hardware=Tesla+V100-SXM2-16GB&hours=3&where=cloud&provider=gcp&region=us-central1&compat=mlco2"
    ))
    .await;
    page.wait_for("document.querySelector('#mlco2-latex')")
        .await;
    let paragraph = page
        .eval("document.querySelector('#mlco2-latex').value")
        .await;
    assert!(
        paragraph.as_str().is_some_and(
            |p| p.contains("\\citep{lacoste2019quantifying}") && p.contains("kg CO$_2$eq")
        ),
        "{paragraph}"
    );
    assert_eq!(
        page.eval("document.querySelectorAll('#equivalents li').length")
            .await,
        3
    );
    let notes = page
        .eval("document.querySelector('#mlco2-notes').textContent")
        .await;
    assert!(
        notes.as_str().is_some_and(|n| !n.contains("--")),
        "the page's words, not the CLI's flags: {notes}"
    );
    page.screenshot(&artefacts.join("calculator-mlco2.png"))
        .await;

    // No sideways scrolling on a laptop or a phone.
    for width in [1280, 390] {
        page.viewport(width).await;
        for (name, url) in [
            ("calculator", result_url.clone()),
            ("data", format!("{base}/data")),
        ] {
            page.goto(&url).await;
            page.wait_for("document.readyState === 'complete' && document.querySelector('main')")
                .await;
            let overflow = page.overflow().await;
            assert!(
                overflow <= 0.5,
                "{name} at {width} px scrolls sideways by {overflow} px"
            );
            page.screenshot_window(&artefacts.join(format!("{name}-{width}.png")))
                .await;
        }
    }
    page.viewport(1280).await;

    // A tiny and a huge result render too.
    page.goto(&format!(
        "{base}/?energy-kwh=10&where=intensity&intensity=50&pue=1.2"
    ))
    .await;
    page.wait_for("document.querySelector('#emissions')").await;
    assert_eq!(
        page.eval("document.querySelector('#emissions').textContent")
            .await,
        "600 g CO2e"
    );
    page.goto(&format!(
        "{base}/?hardware=H100+SXM&count=10000000&hours=1000000&where=zone&zone=PL&pue=5"
    ))
    .await;
    page.wait_for("document.querySelector('#emissions')").await;
    assert!(
        page.eval("document.querySelector('#emissions').textContent")
            .await
            .as_str()
            .is_some_and(|t| t.ends_with(" t CO2e")),
    );

    // The dashboard: open a run from the list.
    page.goto(&format!("{base}/runs")).await;
    page.wait_for("document.querySelector('#runs')").await;
    let listed = page
        .eval("document.querySelectorAll('#runs a.run-link').length")
        .await;
    assert_eq!(listed, 2);
    page.screenshot(&artefacts.join("runs.png")).await;
    page.click("#runs a.run-link[href='/runs/1']").await;
    page.wait_for("document.querySelector('#power-chart')")
        .await;
    assert_eq!(
        page.eval("document.querySelector('#run-title').textContent")
            .await,
        "Run 1 finished"
    );
    let lines = page
        .eval("document.querySelectorAll('#power-chart polyline').length")
        .await;
    assert!(
        lines.as_u64().is_some_and(|n| n >= 2),
        "power lines: {lines}"
    );
    let cumulative = page
        .eval("document.querySelector('#emissions-chart polyline').getAttribute('points').split(' ').length")
        .await;
    assert_eq!(cumulative, 10, "one point per sample");
    let methods = page
        .eval("Array.from(document.querySelectorAll('#components .method')).map(e => e.className).join(' ')")
        .await;
    assert!(
        methods
            .as_str()
            .is_some_and(|m| m.contains("measured") && m.contains("modelled"))
    );
    page.screenshot(&artefacts.join("run.png")).await;

    // The data browser filters as one types.
    page.goto(&format!("{base}/data")).await;
    page.wait_for("document.querySelector('#hardware-table')")
        .await;
    page.type_into("#q", "h100").await;
    let visible = page
        .eval("Array.from(document.querySelectorAll('#hardware-table tbody tr')).filter(r => !r.hidden).length")
        .await;
    let total = page
        .eval("document.querySelectorAll('#hardware-table tbody tr').length")
        .await;
    assert!(
        visible
            .as_u64()
            .zip(total.as_u64())
            .is_some_and(|(v, t)| v >= 2 && v < t),
        "{visible} of {total}"
    );
    page.screenshot(&artefacts.join("data.png")).await;

    assert!(
        page.errors.is_empty(),
        "errors in the pages: {:#?}",
        page.errors
    );
    let _ = stop.send(());
    let _ = server.await;
}
