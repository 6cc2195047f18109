//! [`RunStore`]: what a server and a pushing tracker need of a run database, whatever holds it.
//! SQLite ([`SqliteRunStore`], the embedded default) implements it here; PostgreSQL (a team
//! server's store) in the `mlcarbon-store-pg` crate. Both pass the same tests
//! (`conformance`, behind the `conformance` feature).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::slurm::SlurmFiguresRow;
use crate::{
    CcExperiment, CcOrganization, CcProject, CcProjectToken, ComponentRecord, IngestedRun,
    JobTotal, NewRun, Order, PositionedWindow, PowerSeries, Prediction, ReportedInterval, RunEnd,
    RunFilter, RunId, RunRecord, RunWindow, SampleRow, Store, StoreError, TokenHolder,
    TokenListing, TrackerCheck, User, UserToken,
};

/// A run database shared by the threads of a server: every method takes `&self`, and a
/// callback sees one record at a time so that reads of any size stay in constant memory.
///
/// The method names and meanings are [`Store`]'s own; see there for each one's contract.
pub trait RunStore: Send + Sync {
    /// Where the runs are, for people (a file path, or a URL without its password).
    fn location(&self) -> String;

    /// The schema version the database is at.
    fn schema_version(&self) -> Result<u32, StoreError>;

    /// How readers tell a `running` run whose tracker is gone (see [`TrackerCheck`]).
    fn tracker_check(&self) -> TrackerCheck;

    /// Marks `running` runs whose writer `is_alive(pid, hostname)` says is gone as
    /// `interrupted`; returns their ids.
    fn recover_interrupted(
        &self,
        is_alive: &dyn Fn(u32, &str) -> bool,
    ) -> Result<Vec<RunId>, StoreError>;

    fn start_run(&self, run: &NewRun) -> Result<RunId, StoreError>;

    /// Appends samples and adds them to the run's totals, all or none. Idempotent: a sample
    /// whose `seq` the run already has is skipped, so a retried batch is stored once.
    fn add_samples(&self, run: RunId, samples: &[SampleRow]) -> Result<(), StoreError>;

    fn add_sample(&self, run: RunId, sample: &SampleRow) -> Result<(), StoreError> {
        self.add_samples(run, std::slice::from_ref(sample))
    }

    fn set_prediction(&self, run: RunId, prediction: &Prediction) -> Result<(), StoreError>;

    fn finish_run(&self, run: RunId, end: &RunEnd) -> Result<(), StoreError>;

    /// Hands every run matching `filter` to `each` in `order`; stops at `each`'s first error.
    fn each_run(
        &self,
        filter: &RunFilter,
        order: Order,
        each: &mut dyn FnMut(RunRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Runs matching `filter`, newest start first.
    fn runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        let mut runs = Vec::new();
        self.each_run(filter, Order::NewestFirst, &mut |run| {
            runs.push(run);
            Ok(())
        })?;
        Ok(runs)
    }

    /// The run started last; `None` in an empty database.
    fn latest_run(&self) -> Result<Option<RunRecord>, StoreError> {
        let newest = RunFilter {
            limit: Some(1),
            ..RunFilter::default()
        };
        Ok(self.runs(&newest)?.into_iter().next())
    }

    fn run(&self, id: RunId) -> Result<RunRecord, StoreError>;

    /// Runs whose uuid starts with `prefix`, at most `limit`, by id.
    fn runs_by_uuid_prefix(&self, prefix: &str, limit: usize)
    -> Result<Vec<RunRecord>, StoreError>;

    /// The projects that have runs, sorted, each once.
    fn projects(&self) -> Result<Vec<String>, StoreError>;

    /// The run's components in declaration order, with their totals.
    fn components(&self, id: RunId) -> Result<Vec<ComponentRecord>, StoreError>;

    /// Hands the run's samples to `each` in `seq` order; stops at `each`'s first error.
    fn each_sample(
        &self,
        id: RunId,
        each: &mut dyn FnMut(SampleRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// The run's samples in `seq` order, all held: prefer [`RunStore::each_sample`].
    fn samples(&self, id: RunId) -> Result<Vec<SampleRow>, StoreError> {
        let mut samples = Vec::new();
        self.each_sample(id, &mut |sample| {
            samples.push(sample);
            Ok(())
        })?;
        Ok(samples)
    }

    /// The run's power and emissions over time in at most `points` points.
    fn power_series(&self, id: RunId, points: usize) -> Result<PowerSeries, StoreError>;

    /// The id of the run with this uuid, if one is stored.
    fn run_id_by_uuid(&self, uuid: &str) -> Result<Option<RunId>, StoreError>;

    /// Appends an interval reported with its own totals (a CodeCarbon client) as the run's
    /// next sample, in one transaction; returns the sample stored.
    fn add_reported_interval(
        &self,
        run: RunId,
        interval: &ReportedInterval,
    ) -> Result<SampleRow, StoreError>;

    /// Records a finished window of a run; windows keep the order they are added in.
    fn add_window(&self, run: RunId, window: &RunWindow) -> Result<(), StoreError>;

    /// The windows of a run, in the order they were recorded.
    fn windows(&self, run: RunId) -> Result<Vec<RunWindow>, StoreError>;

    /// Stores a pushed run's start, or finds it stored by an earlier push of the same run (same
    /// uuid, host and start); another run under its uuid is [`StoreError::DuplicateRun`].
    /// Built on the methods above; a backend may answer it in one round trip instead.
    fn ingest_run(&self, run: &NewRun) -> Result<IngestedRun, StoreError> {
        let stored = |store: &Self| -> Result<Option<RunId>, StoreError> {
            let Some(id) = store.run_id_by_uuid(&run.start.uuid)? else {
                return Ok(None);
            };
            let found = store.run(id)?;
            if found.hostname == run.start.hostname && found.started_at == run.start.started_at {
                Ok(Some(id))
            } else {
                Err(StoreError::DuplicateRun(run.start.uuid.clone()))
            }
        };
        if let Some(id) = stored(self)? {
            return Ok(IngestedRun { id, created: false });
        }
        match self.start_run(run) {
            Ok(id) => Ok(IngestedRun { id, created: true }),
            // Another writer stored it between the look and the write.
            Err(StoreError::DuplicateRun(uuid)) => match stored(self)? {
                Some(id) => Ok(IngestedRun { id, created: false }),
                None => Err(StoreError::DuplicateRun(uuid)),
            },
            Err(e) => Err(e),
        }
    }

    /// Stores the samples of the pushed run `uuid` it does not have yet (adding only those to
    /// its totals, as [`RunStore::add_samples`] does); returns how many were new.
    fn ingest_samples(&self, uuid: &str, samples: &[SampleRow]) -> Result<usize, StoreError> {
        let id = self
            .run_id_by_uuid(uuid)?
            .ok_or_else(|| StoreError::UnknownRun(uuid.to_string()))?;
        let before = self.run(id)?.samples;
        self.add_samples(id, samples)?;
        let after = self.run(id)?.samples;
        Ok(usize::try_from(after.saturating_sub(before)).unwrap_or(usize::MAX))
    }

    /// Stores the windows of the pushed run `uuid` at positions it does not have yet (a
    /// tracker sends its windows in order); returns how many were new.
    fn ingest_windows(
        &self,
        uuid: &str,
        windows: &[PositionedWindow],
    ) -> Result<usize, StoreError> {
        let id = self
            .run_id_by_uuid(uuid)?
            .ok_or_else(|| StoreError::UnknownRun(uuid.to_string()))?;
        let mut next = self.windows(id)?.len();
        let mut sorted: Vec<&PositionedWindow> = windows.iter().collect();
        sorted.sort_by_key(|w| w.position);
        let mut new = 0;
        for positioned in sorted {
            let position = usize::try_from(positioned.position).unwrap_or(usize::MAX);
            if position < next {
                continue;
            }
            if position > next {
                return Err(StoreError::invalid(
                    "window position",
                    format!("{position} leaves a gap: the run has {next} windows"),
                ));
            }
            self.add_window(id, &positioned.window)?;
            next += 1;
            new += 1;
        }
        Ok(new)
    }

    /// Records how the pushed run `uuid` ended (again, harmlessly, when it was already).
    fn ingest_end(&self, uuid: &str, end: &RunEnd) -> Result<RunId, StoreError> {
        let id = self
            .run_id_by_uuid(uuid)?
            .ok_or_else(|| StoreError::UnknownRun(uuid.to_string()))?;
        self.finish_run(id, end)?;
        Ok(id)
    }

    /// The distributed jobs that have runs, the most recently started first, at most `limit`.
    fn job_keys(&self, limit: usize) -> Result<Vec<String>, StoreError>;

    /// The total of one job; `None` when no run carries `job_key`.
    fn job(&self, job_key: &str) -> Result<Option<JobTotal>, StoreError> {
        let runs = self.runs(&RunFilter {
            job_key: Some(job_key.to_string()),
            ..RunFilter::default()
        })?;
        Ok(JobTotal::from_runs(job_key, &runs))
    }

    /// The totals of the `limit` most recently started jobs, newest first.
    fn jobs(&self, limit: usize) -> Result<Vec<JobTotal>, StoreError> {
        let mut jobs = Vec::new();
        for key in self.job_keys(limit)? {
            jobs.extend(self.job(&key)?);
        }
        Ok(jobs)
    }

    /// A running, machine-wide run on `hostname` whose tracker is alive, if any.
    fn machine_tracker_on(&self, hostname: &str) -> Result<Option<RunRecord>, StoreError>;

    /// Every CodeCarbon organisation, by name.
    fn cc_organizations(&self) -> Result<Vec<CcOrganization>, StoreError>;

    fn cc_organization(&self, id: &str) -> Result<Option<CcOrganization>, StoreError>;

    /// Stores a new organisation; [`StoreError::Exists`] when its name or id is taken.
    fn add_cc_organization(&self, org: &CcOrganization) -> Result<(), StoreError>;

    /// The projects of an organisation, by name.
    fn cc_projects(&self, organization_id: &str) -> Result<Vec<CcProject>, StoreError>;

    fn cc_project(&self, id: &str) -> Result<Option<CcProject>, StoreError>;

    /// Stores a new project of an existing organisation, its name unique there.
    fn add_cc_project(&self, new: &CcProject) -> Result<(), StoreError>;

    /// The experiments of a project, by name.
    fn cc_experiments(&self, project_id: &str) -> Result<Vec<CcExperiment>, StoreError>;

    fn cc_experiment(&self, id: &str) -> Result<Option<CcExperiment>, StoreError>;

    /// Stores a new experiment; its project, if it names one, must exist.
    fn add_cc_experiment(&self, new: &CcExperiment) -> Result<(), StoreError>;

    /// The experiment with this id, recorded without a project if it is new.
    fn ensure_cc_experiment(&self, id: &str, now: &str) -> Result<CcExperiment, StoreError>;

    /// Stores a project token (its project must exist).
    fn add_cc_project_token(&self, token: &CcProjectToken) -> Result<(), StoreError>;

    /// The project of the token with this id whose stored hash equals `secret_sha256`
    /// (compared in constant time).
    fn cc_project_of_token(
        &self,
        token_id: &str,
        secret_sha256: &[u8; 32],
    ) -> Result<Option<String>, StoreError>;

    // Accounts (schema v10; `crate::accounts` says what each means).

    /// Stores a new user; [`StoreError::Exists`] when the name is taken.
    fn add_user(&self, user: &User) -> Result<(), StoreError>;

    fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError>;

    /// Makes the user a member of the team (again, harmlessly); both must exist.
    fn add_team_member(&self, team_id: &str, user_id: &str) -> Result<(), StoreError>;

    /// The ids of the user's teams, sorted.
    fn user_team_ids(&self, user_id: &str) -> Result<Vec<String>, StoreError>;

    /// Stores a user token; its user must belong to its team.
    fn add_user_token(&self, token: &UserToken) -> Result<(), StoreError>;

    /// The holder of the unrevoked token `token_id` whose hash equals `secret_sha256`
    /// (compared in constant time).
    fn user_token(
        &self,
        token_id: &str,
        secret_sha256: &[u8; 32],
    ) -> Result<Option<TokenHolder>, StoreError>;

    /// `true`: revoked now; `false`: revoked before; [`StoreError::Unknown`]: no such token.
    fn revoke_user_token(&self, token_id: &str, now: &str) -> Result<bool, StoreError>;

    /// Every token issued, oldest first, without secrets.
    fn user_tokens(&self) -> Result<Vec<TokenListing>, StoreError>;

    /// Whether any user token was ever issued (revoked ones too): accounts are then on.
    fn has_user_tokens(&self) -> Result<bool, StoreError>;

    /// The team (id) of the project of this name, if it has one.
    fn project_team(&self, project: &str) -> Result<Option<String>, StoreError>;

    /// Every (project name, team id), by name.
    fn project_teams(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Gives the project `project.name` to team `project.organization_id` (stored when new,
    /// else moved); returns its team before.
    fn assign_project(&self, project: &CcProject) -> Result<Option<String>, StoreError>;

    /// Stores `project` for its team unless a project of that name exists or runs already
    /// carry the name; returns the project's team afterwards.
    fn claim_project(&self, project: &CcProject) -> Result<Option<String>, StoreError>;

    /// Whether the database has the Slurm tables (an old SQLite file read-only may not).
    fn has_slurm_tables(&self) -> Result<bool, StoreError>;

    /// The Slurm clusters stored, each with its number of jobs, by name.
    fn slurm_clusters(&self) -> Result<Vec<(String, u64)>, StoreError>;

    /// Hands the stored figures of every Slurm job of `cluster` (all when `None`) to `each`;
    /// returns the number of jobs; stops at `each`'s first error.
    fn each_slurm_figures(
        &self,
        cluster: Option<&str>,
        each: &mut dyn FnMut(&SlurmFiguresRow<'_>) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError>;

    /// A store to use for one long read (a streamed download) so that it does not hold up
    /// other requests: SQLite opens its own read-only connection; `None` (the default) where
    /// `self` already serves readers side by side (a connection pool).
    fn for_long_read(&self) -> Result<Option<Box<dyn RunStore>>, StoreError> {
        Ok(None)
    }
}

impl std::fmt::Debug for dyn RunStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RunStore({})", self.location())
    }
}

/// A SQLite [`Store`] shared by threads: one connection behind a lock (a `rusqlite`
/// connection is not `Sync`), and the file's path for [`RunStore::for_long_read`].
#[derive(Debug)]
pub struct SqliteRunStore {
    store: Mutex<Store>,
    path: Option<PathBuf>,
}

impl SqliteRunStore {
    /// Shares `store`; `path` is its file (none: in memory), for long reads on a connection
    /// of their own.
    pub fn new(store: Store, path: Option<PathBuf>) -> SqliteRunStore {
        SqliteRunStore {
            store: Mutex::new(store),
            path,
        }
    }

    /// A private database in memory, runs read as stored.
    pub fn open_in_memory() -> Result<SqliteRunStore, StoreError> {
        Ok(SqliteRunStore::new(Store::open_in_memory()?, None))
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The store, locked; a panic in another holder leaves the connection usable (every write
    /// is one transaction), so a poisoned lock is taken over.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl RunStore for SqliteRunStore {
    fn location(&self) -> String {
        match &self.path {
            Some(path) => path.display().to_string(),
            None => "an in-memory database".to_string(),
        }
    }

    fn schema_version(&self) -> Result<u32, StoreError> {
        self.lock().schema_version()
    }

    fn tracker_check(&self) -> TrackerCheck {
        self.lock().tracker_check().clone()
    }

    fn recover_interrupted(
        &self,
        is_alive: &dyn Fn(u32, &str) -> bool,
    ) -> Result<Vec<RunId>, StoreError> {
        self.lock().recover_interrupted(is_alive)
    }

    fn start_run(&self, run: &NewRun) -> Result<RunId, StoreError> {
        self.lock().start_run(run)
    }

    fn add_samples(&self, run: RunId, samples: &[SampleRow]) -> Result<(), StoreError> {
        self.lock().add_samples(run, samples)
    }

    fn set_prediction(&self, run: RunId, prediction: &Prediction) -> Result<(), StoreError> {
        self.lock().set_prediction(run, prediction)
    }

    fn finish_run(&self, run: RunId, end: &RunEnd) -> Result<(), StoreError> {
        self.lock().finish_run(run, end)
    }

    fn each_run(
        &self,
        filter: &RunFilter,
        order: Order,
        each: &mut dyn FnMut(RunRecord) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.lock().each_run(filter, order, each)
    }

    fn runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        self.lock().runs(filter)
    }

    fn latest_run(&self) -> Result<Option<RunRecord>, StoreError> {
        self.lock().latest_run()
    }

    fn run(&self, id: RunId) -> Result<RunRecord, StoreError> {
        self.lock().run(id)
    }

    fn runs_by_uuid_prefix(
        &self,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        self.lock().runs_by_uuid_prefix(prefix, limit)
    }

    fn projects(&self) -> Result<Vec<String>, StoreError> {
        self.lock().projects()
    }

    fn components(&self, id: RunId) -> Result<Vec<ComponentRecord>, StoreError> {
        self.lock().components(id)
    }

    fn each_sample(
        &self,
        id: RunId,
        each: &mut dyn FnMut(SampleRow) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.lock().each_sample(id, each)
    }

    fn samples(&self, id: RunId) -> Result<Vec<SampleRow>, StoreError> {
        self.lock().samples(id)
    }

    fn power_series(&self, id: RunId, points: usize) -> Result<PowerSeries, StoreError> {
        self.lock().power_series(id, points)
    }

    fn run_id_by_uuid(&self, uuid: &str) -> Result<Option<RunId>, StoreError> {
        self.lock().run_id_by_uuid(uuid)
    }

    fn add_reported_interval(
        &self,
        run: RunId,
        interval: &ReportedInterval,
    ) -> Result<SampleRow, StoreError> {
        self.lock().add_reported_interval(run, interval)
    }

    fn add_window(&self, run: RunId, window: &RunWindow) -> Result<(), StoreError> {
        self.lock().add_window(run, window)
    }

    fn windows(&self, run: RunId) -> Result<Vec<RunWindow>, StoreError> {
        self.lock().windows(run)
    }

    fn ingest_run(&self, run: &NewRun) -> Result<IngestedRun, StoreError> {
        self.lock().ingest_run(run)
    }

    fn ingest_samples(&self, uuid: &str, samples: &[SampleRow]) -> Result<usize, StoreError> {
        self.lock().ingest_samples(uuid, samples)
    }

    fn ingest_windows(
        &self,
        uuid: &str,
        windows: &[PositionedWindow],
    ) -> Result<usize, StoreError> {
        self.lock().ingest_windows(uuid, windows)
    }

    fn ingest_end(&self, uuid: &str, end: &RunEnd) -> Result<RunId, StoreError> {
        self.lock().ingest_end(uuid, end)
    }

    fn job_keys(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        self.lock().job_keys(limit)
    }

    fn job(&self, job_key: &str) -> Result<Option<JobTotal>, StoreError> {
        self.lock().job(job_key)
    }

    fn jobs(&self, limit: usize) -> Result<Vec<JobTotal>, StoreError> {
        self.lock().jobs(limit)
    }

    fn machine_tracker_on(&self, hostname: &str) -> Result<Option<RunRecord>, StoreError> {
        self.lock().machine_tracker_on(hostname)
    }

    fn cc_organizations(&self) -> Result<Vec<CcOrganization>, StoreError> {
        self.lock().cc_organizations()
    }

    fn cc_organization(&self, id: &str) -> Result<Option<CcOrganization>, StoreError> {
        self.lock().cc_organization(id)
    }

    fn add_cc_organization(&self, org: &CcOrganization) -> Result<(), StoreError> {
        self.lock().add_cc_organization(org)
    }

    fn cc_projects(&self, organization_id: &str) -> Result<Vec<CcProject>, StoreError> {
        self.lock().cc_projects(organization_id)
    }

    fn cc_project(&self, id: &str) -> Result<Option<CcProject>, StoreError> {
        self.lock().cc_project(id)
    }

    fn add_cc_project(&self, new: &CcProject) -> Result<(), StoreError> {
        self.lock().add_cc_project(new)
    }

    fn cc_experiments(&self, project_id: &str) -> Result<Vec<CcExperiment>, StoreError> {
        self.lock().cc_experiments(project_id)
    }

    fn cc_experiment(&self, id: &str) -> Result<Option<CcExperiment>, StoreError> {
        self.lock().cc_experiment(id)
    }

    fn add_cc_experiment(&self, new: &CcExperiment) -> Result<(), StoreError> {
        self.lock().add_cc_experiment(new)
    }

    fn ensure_cc_experiment(&self, id: &str, now: &str) -> Result<CcExperiment, StoreError> {
        self.lock().ensure_cc_experiment(id, now)
    }

    fn add_cc_project_token(&self, token: &CcProjectToken) -> Result<(), StoreError> {
        self.lock().add_cc_project_token(token)
    }

    fn cc_project_of_token(
        &self,
        token_id: &str,
        secret_sha256: &[u8; 32],
    ) -> Result<Option<String>, StoreError> {
        self.lock().cc_project_of_token(token_id, secret_sha256)
    }

    fn add_user(&self, user: &User) -> Result<(), StoreError> {
        self.lock().add_user(user)
    }

    fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        self.lock().user_by_name(name)
    }

    fn add_team_member(&self, team_id: &str, user_id: &str) -> Result<(), StoreError> {
        self.lock().add_team_member(team_id, user_id)
    }

    fn user_team_ids(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        self.lock().user_team_ids(user_id)
    }

    fn add_user_token(&self, token: &UserToken) -> Result<(), StoreError> {
        self.lock().add_user_token(token)
    }

    fn user_token(
        &self,
        token_id: &str,
        secret_sha256: &[u8; 32],
    ) -> Result<Option<TokenHolder>, StoreError> {
        self.lock().user_token(token_id, secret_sha256)
    }

    fn revoke_user_token(&self, token_id: &str, now: &str) -> Result<bool, StoreError> {
        self.lock().revoke_user_token(token_id, now)
    }

    fn user_tokens(&self) -> Result<Vec<TokenListing>, StoreError> {
        self.lock().user_tokens()
    }

    fn has_user_tokens(&self) -> Result<bool, StoreError> {
        self.lock().has_user_tokens()
    }

    fn project_team(&self, project: &str) -> Result<Option<String>, StoreError> {
        self.lock().project_team(project)
    }

    fn project_teams(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.lock().project_teams()
    }

    fn assign_project(&self, project: &CcProject) -> Result<Option<String>, StoreError> {
        self.lock().assign_project(project)
    }

    fn claim_project(&self, project: &CcProject) -> Result<Option<String>, StoreError> {
        self.lock().claim_project(project)
    }

    fn has_slurm_tables(&self) -> Result<bool, StoreError> {
        self.lock().has_slurm_tables()
    }

    fn slurm_clusters(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.lock().slurm_clusters()
    }

    fn each_slurm_figures(
        &self,
        cluster: Option<&str>,
        each: &mut dyn FnMut(&SlurmFiguresRow<'_>) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        self.lock().each_slurm_figures(cluster, each)?
    }

    /// A read-only connection of its own, reading runs as the shared one does; none for a
    /// database in memory (the shared connection is then held for the read).
    fn for_long_read(&self) -> Result<Option<Box<dyn RunStore>>, StoreError> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let mut own = Store::open_read_only(path)?;
        own.set_tracker_check(self.tracker_check());
        Ok(Some(Box::new(SqliteRunStore::new(own, Some(path.clone())))))
    }
}
