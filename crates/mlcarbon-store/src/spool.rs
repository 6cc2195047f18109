//! The local database as the spool of a tracker that pushes its runs to a team server: the
//! runs and samples are stored here first, as always, and `run_deliveries` (schema v6) keeps
//! per run and server what the server has acknowledged. Whatever was not acknowledged is sent
//! again later, by the tracker's pusher or by `mlcarbon push`; the server stores each sample
//! once however often it comes ([`Store::ingest_samples`]).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::store::{next_reading, sample_from_row};
use crate::{NewComponent, NewRun, RunId, SampleRow, Store, StoreError};

/// What one server has acknowledged of one local run not yet delivered in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub run: RunId,
    pub uuid: String,
    pub server: String,
    /// The server has the run's start.
    pub started: bool,
    /// The highest `seq` the server acknowledged; none yet: `None`.
    pub samples_through: Option<u64>,
    /// The run's first this many windows are acknowledged.
    pub windows_sent: u32,
}

/// One step the server acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    Started,
    /// Every sample up to this `seq`.
    SamplesThrough(u64),
    WindowsSent(u32),
    /// The end: the run is delivered.
    Ended,
    /// The server does not have the run (its database was replaced): everything goes again.
    Forgotten,
}

impl Store {
    /// Marks run `run` for delivery to `server` (kept as given: callers normalize it); marking
    /// it again changes nothing.
    pub fn enroll_delivery(&self, run: RunId, server: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO run_deliveries (run_id, server) VALUES (?1, ?2)",
            params![run, server],
        )?;
        Ok(())
    }

    /// Marks every run of the database for delivery to `server` (those marked already kept as
    /// they are); returns how many were newly marked.
    pub fn enroll_all(&self, server: &str) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "INSERT OR IGNORE INTO run_deliveries (run_id, server) SELECT id, ?1 FROM runs",
            [server],
        )?)
    }

    /// Runs marked for delivery whose end no server has acknowledged yet, oldest first: to
    /// `server` only when given, of runs of `hostname` only when given.
    pub fn undelivered(
        &self,
        server: Option<&str>,
        hostname: Option<&str>,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT d.run_id, r.uuid, d.server, d.started, d.samples_through, d.windows_sent
             FROM run_deliveries d JOIN runs r ON r.id = d.run_id
             WHERE d.ended = 0 AND (?1 IS NULL OR d.server = ?1)
               AND (?2 IS NULL OR r.hostname = ?2)
             ORDER BY d.run_id, d.server",
        )?;
        let rows = statement.query_map(params![server, hostname], |row| {
            Ok(Delivery {
                run: row.get(0)?,
                uuid: row.get(1)?,
                server: row.get(2)?,
                started: row.get(3)?,
                samples_through: row.get(4)?,
                windows_sent: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Samples of undelivered runs (as [`Store::undelivered`] selects them) that their server
    /// has not acknowledged.
    pub fn unsent_samples(
        &self,
        server: Option<&str>,
        hostname: Option<&str>,
    ) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM run_deliveries d JOIN runs r ON r.id = d.run_id
                 JOIN samples s ON s.run_id = d.run_id
                     AND s.seq > coalesce(d.samples_through, -1)
             WHERE d.ended = 0 AND (?1 IS NULL OR d.server = ?1)
               AND (?2 IS NULL OR r.hostname = ?2)",
            params![server, hostname],
            |row| row.get(0),
        )?)
    }

    /// Records what `server` acknowledged of run `run`. Acknowledgements only move forward, so
    /// two pushers of one run (a tracker and `mlcarbon push`) never undo each other.
    pub fn acknowledge(&self, run: RunId, server: &str, ack: Ack) -> Result<(), StoreError> {
        let (sql, value): (&str, Option<i64>) = match ack {
            Ack::Started => (
                "UPDATE run_deliveries SET started = 1 WHERE run_id = ?1 AND server = ?2",
                None,
            ),
            Ack::SamplesThrough(seq) => (
                "UPDATE run_deliveries SET samples_through = max(coalesce(samples_through, ?3), ?3)
                 WHERE run_id = ?1 AND server = ?2",
                Some(i64::try_from(seq).unwrap_or(i64::MAX)),
            ),
            Ack::WindowsSent(count) => (
                "UPDATE run_deliveries SET windows_sent = max(windows_sent, ?3)
                 WHERE run_id = ?1 AND server = ?2",
                Some(i64::from(count)),
            ),
            Ack::Ended => (
                "UPDATE run_deliveries SET ended = 1 WHERE run_id = ?1 AND server = ?2",
                None,
            ),
            Ack::Forgotten => (
                "UPDATE run_deliveries SET started = 0, samples_through = NULL, windows_sent = 0,
                     ended = 0
                 WHERE run_id = ?1 AND server = ?2",
                None,
            ),
        };
        match value {
            Some(value) => self.conn.execute(sql, params![run, server, value])?,
            None => self.conn.execute(sql, params![run, server])?,
        };
        Ok(())
    }

    /// The run as it started, with its components: what a server is sent to store it.
    pub fn new_run_of(&self, run: RunId) -> Result<NewRun, StoreError> {
        let start = self.run(run)?.start;
        let components = self
            .components(run)?
            .into_iter()
            .map(|c| NewComponent {
                key: c.key,
                kind: c.kind,
                label: c.label,
                method: c.method,
            })
            .collect();
        Ok(NewRun { start, components })
    }

    /// At most `limit` samples of run `run` after `seq` (all of them: `None`), in `seq` order,
    /// each with its readings.
    pub fn samples_after(
        &self,
        run: RunId,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<SampleRow>, StoreError> {
        let after = after.map_or(-1, |seq| i64::try_from(seq).unwrap_or(i64::MAX));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut samples: Vec<SampleRow> = self
            .conn
            .prepare_cached(
                "SELECT seq, t_s, timestamp, intensity_g_per_kwh, total_power_w, energy_kwh,
                     emissions_kg, cpu_utilization, gpu_utilization, ram_used_gb
                 FROM samples WHERE run_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?
            .query_map(params![run, after, limit], sample_from_row)?
            .collect::<Result<_, _>>()?;
        let Some(last) = samples.last().map(|s| s.seq) else {
            if self
                .conn
                .query_row("SELECT 1 FROM runs WHERE id = ?1", [run], |_| Ok(()))
                .optional()?
                .is_none()
            {
                return Err(StoreError::NotFound(run));
            }
            return Ok(samples);
        };
        let mut statement = self.conn.prepare_cached(
            "SELECT sc.seq, c.key, sc.power_w, sc.energy_j
             FROM sample_components sc JOIN run_components c ON c.id = sc.component_id
             WHERE sc.run_id = ?1 AND sc.seq > ?2 AND sc.seq <= ?3
             ORDER BY sc.seq, sc.position",
        )?;
        let mut readings =
            statement.query(params![run, after, i64::try_from(last).unwrap_or(i64::MAX)])?;
        // Both lists are in seq order: one pass attaches each reading to its sample.
        let mut index = 0;
        while let Some((seq, reading)) = next_reading(&mut readings)? {
            while index < samples.len() && samples[index].seq < seq {
                index += 1;
            }
            match samples.get_mut(index) {
                Some(sample) if sample.seq == seq => sample.components.push(reading),
                _ => {
                    return Err(StoreError::Corrupt {
                        run,
                        field: "sample_components",
                        reason: format!("readings for sample {seq}, which is missing"),
                    });
                }
            }
        }
        Ok(samples)
    }
}
