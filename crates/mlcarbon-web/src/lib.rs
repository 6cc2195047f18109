//! The mlcarbon web server: the calculator (`/`), the run dashboard (`/runs`), the data browser
//! (`/data`), a JSON API under `/api/` whose answers are the JSON of the CLI, and `/metrics` in
//! Prometheus text format — one [`axum::Router`] built by [`app`], served by [`serve`].
//!
//! Pages, styles and the small script are embedded; charts are SVG drawn here. Read-only unless
//! a token is configured: `POST /api/runs` then needs `Authorization: Bearer TOKEN`.
//!
//! ```no_run
//! # async fn run() -> Result<(), mlcarbon_web::WebError> {
//! let data = mlcarbon_data::Dataset::builtin().expect("built-in data");
//! let mut options = mlcarbon_web::ServeOptions::new(data);
//! options.db = Some("runs.sqlite".into());
//! mlcarbon_web::serve(options).await
//! # }
//! ```
//!
//! Without a runtime of one's own, [`serve_blocking`] does the same.
// The OpenAPI document is one `json!` literal, deeper than the default limit of 128.
#![recursion_limit = "256"]

pub mod accounts;
mod accounts_switch;
mod api;
mod auth;
mod cache;
mod calc;
mod capabilities;
mod codecarbon;
mod codecarbon_manage;
mod conn;
mod error;
mod html;
mod ingest;
mod jobs;
mod metrics;
mod openapi;
pub mod pages;
mod pretty;
mod query;
mod runs;
mod slurm;
mod state;
mod svg;

use std::future::Future;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, RawQuery, Request, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use mlcarbon_data::Dataset;
use mlcarbon_store::{RunStore, SqliteRunStore, Store};
use tokio::net::TcpListener;

pub use crate::conn::ConnectionLimits;
pub use crate::error::{ApiError, ErrorBody, WebError};
pub use crate::metrics::escape_label;
pub use crate::state::AppState;

/// Largest request body accepted (bytes); larger gets 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The largest body a request to `path` may send: a tracker's batch of samples is larger than
/// any other request (up to `ingest::MAX_BATCH` samples).
pub(crate) fn body_limit(method: &axum::http::Method, path: &str) -> usize {
    let samples = path
        .strip_prefix("/api/runs/")
        .is_some_and(|rest| rest.ends_with("/samples") && rest.matches('/').count() == 1);
    if method == axum::http::Method::POST && samples {
        ingest::MAX_INGEST_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    }
}
pub use crate::query::MAX_QUERY_BYTES;

/// Where `mlcarbon serve` listens unless told otherwise.
pub const DEFAULT_BIND: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on; default 127.0.0.1:8080.
    pub bind: SocketAddr,
    /// The runs database (opened, created if missing); none: the dashboard says so.
    pub db: Option<PathBuf>,
    /// A run database already open, of any backend (PostgreSQL); used instead of `db`.
    pub run_store: Option<Arc<dyn RunStore>>,
    /// Enables writing (`POST /api/runs`) for requests that bear it, and shows them command
    /// lines; none: read-only. An empty token is refused ([`WebError::EmptyToken`]).
    pub token: Option<String>,
    /// Show runs' command lines to every client, not only to requests with the token (command
    /// lines can hold secrets passed as arguments).
    pub public_commands: bool,
    /// Timeouts and the connection cap; default: [`ConnectionLimits::for_this_process`].
    pub limits: ConnectionLimits,
    /// The dataset: `Dataset::builtin()`, or a `--data-dir` one leaked to `'static`
    /// (`Box::leak(Box::new(dataset))`; the server lives as long as the process).
    pub data: &'static Dataset,
    /// No "listening on" line on standard error.
    pub quiet: bool,
}

impl ServeOptions {
    pub fn new(data: &'static Dataset) -> Self {
        ServeOptions {
            bind: DEFAULT_BIND,
            db: None,
            run_store: None,
            token: None,
            public_commands: false,
            limits: ConnectionLimits::for_this_process(),
            data,
            quiet: false,
        }
    }
}

/// The router with all routes, for `state`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(calculator))
        .route("/runs", get(runs_page).post(codecarbon::runs_post))
        .route("/emissions", post(codecarbon::emissions_post))
        // CodeCarbon joins its base URL and the path: a base URL ending in `/` sends these.
        .route("//runs", post(codecarbon::runs_post))
        .route("//emissions", post(codecarbon::emissions_post))
        .route("/auth/check", get(codecarbon_manage::auth_check))
        .route(
            "/organizations",
            get(codecarbon_manage::organizations).post(codecarbon_manage::organizations_post),
        )
        .route("/organizations/{id}", get(codecarbon_manage::organization))
        .route(
            "/organizations/{id}/projects",
            get(codecarbon_manage::organization_projects),
        )
        .route("/projects", post(codecarbon_manage::projects_post))
        .route("/projects/{id}", get(codecarbon_manage::project))
        .route(
            "/projects/{id}/experiments",
            get(codecarbon_manage::project_experiments),
        )
        .route(
            "/projects/{id}/api-tokens",
            post(codecarbon_manage::project_tokens_post),
        )
        .route("/experiments", post(codecarbon_manage::experiments_post))
        .route("/experiments/{id}", get(codecarbon_manage::experiment))
        .route("/runs/{id}", get(run_page))
        .route("/jobs", get(pages::jobs::list_page))
        .route("/jobs/{key}", get(pages::jobs::job_page))
        .route(
            "/login",
            get(pages::login::login_page).post(pages::login::login_post),
        )
        .route(
            "/logout",
            get(pages::login::logout).post(pages::login::logout),
        )
        .route("/data", get(data_page))
        .route("/assets/style.css", get(style))
        .route("/assets/app.js", get(script))
        .route("/assets/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .route("/metrics", get(metrics_text))
        .route(
            "/api/estimate",
            get(api::estimate_get).post(api::estimate_post),
        )
        .route(
            "/api/compare",
            get(api::compare_get).post(api::compare_post),
        )
        .route(
            "/api/statement",
            get(api::statement_get).post(api::statement_post),
        )
        .route(
            "/api/advise",
            get(capabilities::advise_get).post(capabilities::advise_post),
        )
        .route(
            "/api/schedule",
            get(capabilities::schedule_get).post(capabilities::schedule_post),
        )
        .route(
            "/api/plan-search",
            get(capabilities::plan_search_get).post(capabilities::plan_search_post),
        )
        .route(
            "/api/inference",
            get(capabilities::inference_get).post(capabilities::inference_post),
        )
        .route("/api/hardware", get(api::hardware))
        .route("/api/zones", get(api::zones))
        .route("/api/regions", get(api::regions))
        .route("/api/sources", get(api::sources))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/slurm", get(slurm::api))
        .route("/slurm", get(slurm::page))
        .route("/api/runs", get(api::runs_list).post(api::runs_post))
        .route("/api/runs/export", get(api::runs_export))
        .route("/api/runs/{id}", get(api::run_get).put(ingest::put_run))
        .route(
            "/api/runs/{id}/samples",
            get(api::run_samples).post(
                ingest::post_samples.layer(DefaultBodyLimit::max(ingest::MAX_INGEST_BODY_BYTES)),
            ),
        )
        .route("/api/runs/{id}/windows", post(ingest::post_windows))
        .route("/api/runs/{id}/end", put(ingest::put_end))
        .route("/api/runs/{id}/export", get(api::run_export))
        .route("/api/runs/{id}/power", get(api::run_power))
        .route("/api/jobs", get(jobs::jobs_list))
        .route("/api/jobs/{key}", get(jobs::job_get))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            accounts::gate,
        ))
        .layer(middleware::from_fn(pretty::layer))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .layer(middleware::from_fn(guard))
        .with_state(state)
}

/// Listens on `addr`; a taken port is [`WebError::AddressInUse`].
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, WebError> {
    TcpListener::bind(addr).await.map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            WebError::AddressInUse { addr }
        } else {
            WebError::Bind { addr, source }
        }
    })
}

/// Serves `state` on an open listener until `shutdown` completes, within the default
/// [`ConnectionLimits`].
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    serve_on_with(listener, state, ConnectionLimits::default(), shutdown).await
}

/// [`serve_on`] within `limits`.
pub async fn serve_on_with(
    listener: TcpListener,
    state: AppState,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    conn::serve_limited(listener, app(state), limits, shutdown).await
}

/// Opens the database, listens on `options.bind` and serves until Ctrl-C.
pub async fn serve(options: ServeOptions) -> Result<(), WebError> {
    if options
        .token
        .as_deref()
        .is_some_and(|t| t.trim().is_empty())
    {
        return Err(WebError::EmptyToken);
    }
    // Read-only unless the token allows writes (POST /api/runs): a mistyped path is an error,
    // and a database the user cannot write is served all the same.
    // With accounts (user tokens in the database) users write with their tokens: opened for
    // writing too.
    let open = |path: &std::path::Path| match options.token {
        Some(_) => Store::open(path),
        None => {
            let store = Store::open_read_only(path)?;
            if store.has_user_tokens()? {
                Store::open(path)
            } else {
                Ok(store)
            }
        }
    };
    let store: Option<Arc<dyn RunStore>> = match (&options.run_store, &options.db) {
        (Some(store), _) => Some(store.clone()),
        (None, Some(path)) => {
            let store = open(path).map_err(|source| WebError::Store {
                path: path.clone(),
                source,
            })?;
            Some(Arc::new(SqliteRunStore::new(store, Some(path.clone()))))
        }
        (None, None) => None,
    };
    let listener = bind(options.bind).await?;
    let addr = listener.local_addr().unwrap_or(options.bind);
    if !options.quiet {
        // On a blocking thread: PostgreSQL's synchronous client runs a runtime of its own.
        let accounts_on = match store.clone() {
            Some(store) => tokio::task::spawn_blocking(move || store.has_user_tokens())
                .await
                .is_ok_and(|on| on.unwrap_or(false)),
            None => false,
        };
        // Written without panicking: a server started with a closed stderr still serves.
        let _ = writeln!(
            std::io::stderr(),
            "mlcarbon serve: http://{addr}/ ({}; {}; command lines {})",
            match (accounts_on, options.token.is_some()) {
                (true, _) => "accounts on: runs read and written with user tokens",
                (false, true) => "writing allowed with the token",
                (false, false) => "read-only",
            },
            match &store {
                Some(store) => format!("runs from {}", store.location()),
                None => "no run database".to_string(),
            },
            if options.public_commands {
                "shown to everyone"
            } else {
                "shown only with the token"
            }
        );
    }
    let state = AppState::with_run_store(options.data, store, options.token);
    state.set_public_commands(options.public_commands);
    serve_on_with(listener, state, options.limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// [`serve`] on a runtime of its own, for a caller that has none (the `mlcarbon` binary):
/// blocks until Ctrl-C.
pub fn serve_blocking(options: ServeOptions) -> Result<(), WebError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(WebError::Runtime)?
        .block_on(serve(options))
}

/// Bounds the query string (414) and sets the security headers of every answer.
async fn guard(request: Request, next: Next) -> Response {
    let too_long = request
        .uri()
        .query()
        .is_some_and(|q| q.len() > MAX_QUERY_BYTES);
    let mut response = if too_long {
        ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!("the query string is longer than {MAX_QUERY_BYTES} bytes"),
            None,
        )
        .into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// Counts every answer by route template (never the raw path: no unbounded labels), method and
/// status.
async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_string();
    let method = match *request.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        _ => "other",
    };
    let response = next.run(request).await;
    state
        .counters()
        .record(&route, method, response.status().as_u16());
    response
}

async fn not_found(request: Request) -> Response {
    let path = request.uri().path();
    let error = ApiError::not_found(format!(
        "no such page or endpoint: {}; /api/openapi.json lists the API",
        path.chars().take(200).collect::<String>()
    ));
    if path.starts_with("/api/") {
        error.into_response()
    } else {
        pages::error_page(&error)
    }
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", pages::STYLE_CSS)
}

async fn favicon() -> Response {
    asset("image/svg+xml", pages::FAVICON_SVG)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", pages::APP_JS)
}

/// The calculator computes several reports for one page: on a blocking thread, so that a burst
/// of page loads does not hold up the API.
async fn calculator(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let joined =
        tokio::task::spawn_blocking(move || pages::calculator::page(&state, q.as_deref())).await;
    joined
        .unwrap_or_else(|e| pages::error_page(&ApiError::internal(format!("the page failed: {e}"))))
}

async fn runs_page(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    pages::runs::list_page(&state, q.as_deref()).await
}

async fn run_page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    pages::runs::run_page(&state, &id).await
}

async fn data_page(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    pages::data::page(&state, q.as_deref())
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let runs = if state.has_store() {
        let visible = match accounts::reader() {
            Ok(visible) => visible,
            Err(e) => return e.into_response(),
        };
        match state
            .with_store(move |store| metrics::load_runs(store, &visible))
            .await
        {
            Ok(runs) => runs,
            Err(e) => return e.into_response(),
        }
    } else {
        Vec::new()
    };
    let text = metrics::render(&runs, state.counters(), state.has_store());
    api::bytes("text/plain; version=0.0.4; charset=utf-8", text)
}
