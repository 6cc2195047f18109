//! What every handler shares: the dataset, the run database, the write token, the counters.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, Bytes};
use axum::http::HeaderMap;

use mlcarbon_data::Dataset;
use mlcarbon_data::mlco2::{Mlco2Dataset, Mlco2Edition};
use mlcarbon_store::{RunStore, SqliteRunStore, Store, StoreError};

use crate::cache::AnswerCache;
use crate::error::ApiError;
use crate::metrics::RequestCounters;

/// The state of the router: cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    data: &'static Dataset,
    store: Option<Arc<dyn RunStore>>,
    db_path: Option<PathBuf>,
    token: Option<String>,
    /// Command lines shown to requests without the token (`serve --public-commands`).
    public_commands: AtomicBool,
    mlco2: Option<Mlco2Dataset>,
    mlco2_2019: Option<Mlco2Dataset>,
    counters: RequestCounters,
    cache: AnswerCache,
    accounts: crate::accounts_switch::Switch,
}

impl AppState {
    /// A state with the dataset only: no run database (the dashboard says so), read-only.
    pub fn new(data: &'static Dataset) -> Self {
        AppState::build(data, None, None, None)
    }

    /// A state with everything: `store` is the open run database (its path, if any, is shown
    /// on the dashboard); `token` enables the writing endpoints.
    pub fn with(
        data: &'static Dataset,
        store: Option<Store>,
        db_path: Option<PathBuf>,
        token: Option<String>,
    ) -> Self {
        let shared = store.map(|store| {
            Arc::new(SqliteRunStore::new(store, db_path.clone())) as Arc<dyn RunStore>
        });
        AppState::build(data, shared, db_path, token)
    }

    /// A state on a run database of any backend (SQLite shared, PostgreSQL); `token` enables
    /// the writing endpoints.
    pub fn with_run_store(
        data: &'static Dataset,
        store: Option<Arc<dyn RunStore>>,
        token: Option<String>,
    ) -> Self {
        AppState::build(data, store, None, token)
    }

    fn build(
        data: &'static Dataset,
        store: Option<Arc<dyn RunStore>>,
        db_path: Option<PathBuf>,
        token: Option<String>,
    ) -> Self {
        AppState {
            inner: Arc::new(Inner {
                data,
                store,
                db_path,
                token: token.filter(|t| !t.is_empty()),
                public_commands: AtomicBool::new(false),
                mlco2: Mlco2Dataset::builtin(Mlco2Edition::Current).ok(),
                mlco2_2019: Mlco2Dataset::builtin(Mlco2Edition::Paper2019).ok(),
                counters: RequestCounters::default(),
                cache: AnswerCache::default(),
                accounts: crate::accounts_switch::Switch::default(),
            }),
        }
    }

    pub fn data(&self) -> &'static Dataset {
        self.inner.data
    }

    pub fn db_path(&self) -> Option<&PathBuf> {
        self.inner.db_path.as_ref()
    }

    pub fn has_store(&self) -> bool {
        self.inner.store.is_some()
    }

    pub(crate) fn token(&self) -> Option<&str> {
        self.inner.token.as_deref()
    }

    /// Shows runs' command lines to every client (`true`), or only to requests that bear the
    /// token (`false`, the default): command lines can hold secrets passed as arguments.
    pub fn set_public_commands(&self, public: bool) {
        self.inner.public_commands.store(public, Ordering::Relaxed);
    }

    /// Whether a request with these headers (none: a page) may see command lines.
    pub(crate) fn shows_commands(&self, headers: Option<&HeaderMap>) -> bool {
        self.inner.public_commands.load(Ordering::Relaxed)
            || headers.is_some_and(|h| {
                self.token().is_some() && crate::auth::require_token(h, self.token()).is_ok()
            })
    }

    pub(crate) fn mlco2(&self, edition: Mlco2Edition) -> Option<&Mlco2Dataset> {
        match edition {
            Mlco2Edition::Current => self.inner.mlco2.as_ref(),
            Mlco2Edition::Paper2019 => self.inner.mlco2_2019.as_ref(),
        }
    }

    pub(crate) fn cache(&self) -> &AnswerCache {
        &self.inner.cache
    }

    /// Whether accounts are on (cached).
    pub(crate) fn accounts(&self) -> &crate::accounts_switch::Switch {
        &self.inner.accounts
    }

    pub(crate) fn counters(&self) -> &RequestCounters {
        &self.inner.counters
    }

    /// Runs `f` on the run database on a blocking thread. No database: 404 with the fix.
    pub(crate) async fn with_store<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn RunStore) -> Result<T, StoreError> + Send + 'static,
    {
        let Some(store) = self.inner.store.clone() else {
            return Err(ApiError::not_found(
                "this server has no run database: start it with --db PATH",
            ));
        };
        let joined = tokio::task::spawn_blocking(move || f(store.as_ref())).await;
        match joined {
            Ok(result) => result.map_err(ApiError::store),
            Err(e) => Err(ApiError::internal(format!("database task failed: {e}"))),
        }
    }

    /// A response body that `write` fills on a blocking thread as the client reads it: memory
    /// stays at a few chunks whatever the size, and the shared connection is not held for the
    /// length of a download (the writer opens the database again, read-only, when the server
    /// has its path). A client that goes away stops the writer; an error once bytes are sent
    /// cuts the body short, which the client sees as an incomplete response.
    pub(crate) fn stream_from_store<F>(&self, write: F) -> Result<Body, ApiError>
    where
        F: FnOnce(&dyn RunStore, &mut dyn Write) -> Result<(), StoreError> + Send + 'static,
    {
        let Some(shared) = self.inner.store.clone() else {
            return Err(ApiError::not_found(
                "this server has no run database: start it with --db PATH",
            ));
        };
        let (sender, mut receiver) =
            tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(STREAM_CHUNKS);
        tokio::task::spawn_blocking(move || {
            let mut out = ChannelWriter {
                sender,
                buffer: Vec::with_capacity(STREAM_CHUNK_BYTES),
            };
            // A connection of the writer's own where the backend needs one (SQLite); else
            // the shared store (a pool, or a database in memory).
            let written = match shared.for_long_read() {
                Ok(Some(own)) => write(own.as_ref(), &mut out),
                Ok(None) => write(shared.as_ref(), &mut out),
                Err(e) => Err(e),
            };
            let done = written.and_then(|()| out.flush().map_err(StoreError::Write));
            if let Err(e) = done {
                let _ = out
                    .sender
                    .blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        });
        let chunks = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
        Ok(Body::from_stream(chunks))
    }
}

/// Chunks in flight between a streaming writer and its client.
const STREAM_CHUNKS: usize = 4;
const STREAM_CHUNK_BYTES: usize = 64 * 1024;

/// Sends what is written to a response body in chunks of [`STREAM_CHUNK_BYTES`], waiting
/// while the client is behind.
struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(STREAM_CHUNK_BYTES),
        ));
        self.sender.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= STREAM_CHUNK_BYTES {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
