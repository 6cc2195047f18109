//! What every handler shares: the dataset, the run database, the write token, the counters.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::HeaderMap;

use mlcarbon_data::Dataset;
use mlcarbon_data::mlco2::{Mlco2Dataset, Mlco2Edition};
use mlcarbon_store::{Store, StoreError};

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
    store: Option<Arc<Mutex<Store>>>,
    db_path: Option<PathBuf>,
    token: Option<String>,
    /// Command lines shown to requests without the token (`serve --public-commands`).
    public_commands: AtomicBool,
    mlco2: Option<Mlco2Dataset>,
    mlco2_2019: Option<Mlco2Dataset>,
    counters: RequestCounters,
    cache: AnswerCache,
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
        AppState::build(data, store, db_path, token)
    }

    fn build(
        data: &'static Dataset,
        store: Option<Store>,
        db_path: Option<PathBuf>,
        token: Option<String>,
    ) -> Self {
        AppState {
            inner: Arc::new(Inner {
                data,
                store: store.map(|s| Arc::new(Mutex::new(s))),
                db_path,
                token: token.filter(|t| !t.is_empty()),
                public_commands: AtomicBool::new(false),
                mlco2: Mlco2Dataset::builtin(Mlco2Edition::Current).ok(),
                mlco2_2019: Mlco2Dataset::builtin(Mlco2Edition::Paper2019).ok(),
                counters: RequestCounters::default(),
                cache: AnswerCache::default(),
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

    pub(crate) fn counters(&self) -> &RequestCounters {
        &self.inner.counters
    }

    /// Runs `f` on the run database on a blocking thread. No database: 404 with the fix.
    pub(crate) async fn with_store<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let Some(store) = self.inner.store.clone() else {
            return Err(ApiError::not_found(
                "this server has no run database: start it with --db PATH",
            ));
        };
        let joined = tokio::task::spawn_blocking(move || {
            let guard: MutexGuard<'_, Store> = store
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&guard)
        })
        .await;
        match joined {
            Ok(result) => result.map_err(ApiError::store),
            Err(e) => Err(ApiError::internal(format!("database task failed: {e}"))),
        }
    }
}
