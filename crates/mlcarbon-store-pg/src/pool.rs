//! A few connections shared by the server's blocking threads: taken for one call, given back
//! after it. Connections are opened as needed up to a cap; a caller waits when all are out.

use std::sync::{Condvar, Mutex, MutexGuard};

use postgres::{Client, Config, NoTls};

pub(crate) struct Pool {
    config: Config,
    max: usize,
    state: Mutex<PoolState>,
    returned: Condvar,
}

struct PoolState {
    idle: Vec<Client>,
    /// Connections open, idle or lent.
    open: usize,
}

impl Pool {
    /// A pool around `first`, an open connection, that opens up to `max` in all.
    pub(crate) fn new(config: Config, first: Client, max: usize) -> Pool {
        Pool {
            config,
            max: max.max(1),
            state: Mutex::new(PoolState {
                idle: vec![first],
                open: 1,
            }),
            returned: Condvar::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, PoolState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A connection: an idle one, a new one while under the cap, else the next one given back.
    pub(crate) fn get(&self) -> Result<Lent<'_>, postgres::Error> {
        let mut state = self.state();
        loop {
            if let Some(client) = state.idle.pop() {
                if client.is_closed() {
                    // The server closed it (restart, idle timeout): open another in its place.
                    state.open -= 1;
                    drop_off_runtime(vec![client]);
                    continue;
                }
                return Ok(Lent {
                    pool: self,
                    client: Some(client),
                });
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match self.config.connect(NoTls) {
                    Ok(client) => Ok(Lent {
                        pool: self,
                        client: Some(client),
                    }),
                    Err(e) => {
                        self.state().open -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn give_back(&self, client: Client) {
        let mut state = self.state();
        if client.is_closed() {
            state.open -= 1;
            drop(state);
            drop_off_runtime(vec![client]);
        } else {
            state.idle.push(client);
            drop(state);
        }
        self.returned.notify_one();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let idle = std::mem::take(&mut self.state().idle);
        drop_off_runtime(idle);
    }
}

/// Closes connections on a thread of their own: each synchronous `Client` owns a small tokio
/// runtime, and dropping a runtime inside another's asynchronous context (a server shutting
/// down) panics.
fn drop_off_runtime(clients: Vec<Client>) {
    if clients.is_empty() {
        return;
    }
    let closing = std::thread::spawn(move || drop(clients));
    let _ = closing.join();
}

/// A connection lent for one call; back to the pool when dropped.
pub(crate) struct Lent<'p> {
    pool: &'p Pool,
    client: Option<Client>,
}

impl std::ops::Deref for Lent<'_> {
    type Target = Client;

    fn deref(&self) -> &Client {
        self.client
            .as_ref()
            .expect("a lent connection is held until dropped")
    }
}

impl std::ops::DerefMut for Lent<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("a lent connection is held until dropped")
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            self.pool.give_back(client);
        }
    }
}
