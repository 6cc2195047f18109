//! Runs pushed by trackers on other machines (`mlcarbon run --server`), stored so that
//! retries are harmless: a run is known by its uuid and a sample by its run's uuid and its
//! `seq`, so a batch sent twice, or batches that overlap, store every sample once and add it to
//! the run's totals once.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::store::{
    add_to_totals, declared_components, insert_readings, insert_sample_row, resolve_readings,
    sample_seq, validate_new_run, validate_sample, validate_window,
};
use crate::{NewRun, RunEnd, RunId, RunWindow, SampleRow, Store, StoreError};

/// A run's start as [`Store::ingest_run`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestedRun {
    pub id: RunId,
    /// Stored now (`true`), or already stored by an earlier push of the same run.
    pub created: bool,
}

/// A window of a pushed run at its place among the run's windows: its place makes a window sent
/// twice one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionedWindow {
    /// 0 for the run's first window, 1 for the next, ...
    pub position: u32,
    #[serde(flatten)]
    pub window: RunWindow,
}

impl Store {
    /// The id of the run with this uuid; [`StoreError::UnknownRun`] when there is none.
    fn known_run(&self, uuid: &str) -> Result<RunId, StoreError> {
        self.run_id_by_uuid(uuid)?
            .ok_or_else(|| StoreError::UnknownRun(uuid.to_string()))
    }

    /// Stores a pushed run's start, or finds it stored by an earlier push: a run with this uuid
    /// from the same host and start instant is the same run. Another run with the same uuid is
    /// [`StoreError::DuplicateRun`].
    pub fn ingest_run(&self, run: &NewRun) -> Result<IngestedRun, StoreError> {
        validate_new_run(run)?;
        if let Some(id) = self.same_run(run)? {
            return Ok(IngestedRun { id, created: false });
        }
        match self.start_run(run) {
            Ok(id) => Ok(IngestedRun { id, created: true }),
            // Another connection stored it between the look and the write.
            Err(StoreError::DuplicateRun(uuid)) => match self.same_run(run)? {
                Some(id) => Ok(IngestedRun { id, created: false }),
                None => Err(StoreError::DuplicateRun(uuid)),
            },
            Err(e) => Err(e),
        }
    }

    /// The id of the stored run `run` repeats, if stored; a different run under its uuid is
    /// [`StoreError::DuplicateRun`].
    fn same_run(&self, run: &NewRun) -> Result<Option<RunId>, StoreError> {
        let stored: Option<(RunId, String, String)> = self
            .conn
            .query_row(
                "SELECT id, hostname, started_at FROM runs WHERE uuid = ?1",
                [&run.start.uuid],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        match stored {
            None => Ok(None),
            Some((id, hostname, started_at))
                if hostname == run.start.hostname && started_at == run.start.started_at =>
            {
                Ok(Some(id))
            }
            Some(_) => Err(StoreError::DuplicateRun(run.start.uuid.clone())),
        }
    }

    /// Stores the samples of the run `uuid` that are not stored yet, in one transaction, and
    /// adds only those to the run's totals; returns how many were new. A sample whose `seq` is
    /// stored is skipped whatever it holds (the first push of it is what the tracker measured).
    /// The run's cumulative figures follow its highest `seq`, so an old batch retried after a
    /// newer one never moves them back.
    pub fn ingest_samples(&self, uuid: &str, samples: &[SampleRow]) -> Result<usize, StoreError> {
        for sample in samples {
            validate_sample(sample)?;
        }
        let tx = self.write()?;
        let run = tx
            .query_row("SELECT id FROM runs WHERE uuid = ?1", [uuid], |row| {
                row.get::<_, RunId>(0)
            })
            .optional()?
            .ok_or_else(|| StoreError::UnknownRun(uuid.to_string()))?;
        let declared = declared_components(&tx, run)?;
        let mut highest: Option<i64> = tx.query_row(
            "SELECT max(seq) FROM samples WHERE run_id = ?1",
            [run],
            |row| row.get(0),
        )?;
        let mut new = 0;
        for sample in samples {
            let seq = sample_seq(sample)?;
            let readings = resolve_readings(&tx, run, sample, &declared)?;
            if insert_sample_row(&tx, run, seq, sample, true)? == 0 {
                continue;
            }
            let newest = highest.is_none_or(|h| seq > h);
            if newest {
                highest = Some(seq);
            }
            add_to_totals(&tx, run, sample, &readings, newest)?;
            insert_readings(&tx, run, seq, &readings)?;
            new += 1;
        }
        tx.commit()?;
        Ok(new)
    }

    /// Stores the windows of the run `uuid` not stored yet at their positions; returns how many
    /// were new.
    pub fn ingest_windows(
        &self,
        uuid: &str,
        windows: &[PositionedWindow],
    ) -> Result<usize, StoreError> {
        for positioned in windows {
            validate_window(&positioned.window)?;
        }
        let run = self.known_run(uuid)?;
        let tx = self.write()?;
        let mut new = 0;
        {
            let mut insert = tx.prepare(
                "INSERT OR IGNORE INTO run_windows (run_id, position, name, started_at, ended_at,
                     start_t_s, end_t_s, energy_kwh, emissions_kg)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for PositionedWindow { position, window } in windows {
                new += insert.execute(params![
                    run,
                    position,
                    window.name,
                    window.started_at,
                    window.ended_at,
                    window.start_t_s,
                    window.end_t_s,
                    window.energy_kwh,
                    window.emissions_kg,
                ])?;
            }
        }
        tx.commit()?;
        Ok(new)
    }

    /// Records how the pushed run `uuid` ended (again, harmlessly, when it was already).
    pub fn ingest_end(&self, uuid: &str, end: &RunEnd) -> Result<RunId, StoreError> {
        let run = self.known_run(uuid)?;
        self.finish_run(run, end)?;
        Ok(run)
    }
}
