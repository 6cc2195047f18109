//! `mlcarbon slurm report`: sacct output streamed through the Slurm crate's report, rendered.

use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::{Context, Result, bail};
use mlcarbon_data::{Basis, Dataset};
use mlcarbon_model::format::{energy_scale, mass_scale, range_suffix};
use mlcarbon_model::lang::Lang;
use mlcarbon_model::statement::{human_energy, human_mass};
use mlcarbon_slurm::ga4hpc::parse_cluster_info;
use mlcarbon_slurm::report::{GroupTotals, MethodDifference, TopJob};
use mlcarbon_slurm::{
    Cluster, GroupBy, JobFilter, Method, ReportOptions, SlurmReport, Totals, difference,
    report_sacct,
};
use serde::Serialize;

use crate::cli::{
    SlurmCommand, SlurmCompat, SlurmEpilogArgs, SlurmGroupBy, SlurmImportArgs, SlurmRecomputeArgs,
    SlurmReportArgs, TableFormat,
};
use crate::output::{self, Table};
use crate::{db, env, files};

use mlcarbon_slurm::job::{GroupingCounts, RowMaxima, SlurmJob};
use mlcarbon_slurm::job_figures;
use mlcarbon_slurm::report::ReportBuilder;
use mlcarbon_slurm::stored::{add_stored, numbers_of, report_from_group_totals};
use mlcarbon_slurm::{Grouper, JobState, Jobs, ParsableReader, TrackedJobs, read_json_rows};
use mlcarbon_store::Store;
use mlcarbon_store::slurm::{SlurmJobNumbers, SlurmJobWriter, StoredSlurmFigures, StoredSlurmJob};

mod sacct;

pub fn run(data: &Dataset, command: &SlurmCommand) -> Result<String> {
    match command {
        SlurmCommand::Report(args) => report(data, args),
        SlurmCommand::Import(args) => import(data, args),
        SlurmCommand::Recompute(args) => recompute(data, args),
        SlurmCommand::Epilog(args) => epilog(data, args),
    }
}

/// The description given with `--cluster`, its zones on `basis`; `--basis` alone is refused,
/// since only a description's zones have a basis to choose.
fn described(
    data: &Dataset,
    path: Option<&Path>,
    basis: Option<Basis>,
) -> Result<Option<Described>> {
    match (path, basis) {
        (Some(path), basis) => Ok(Some(Described::read(data, path, basis)?)),
        (None, Some(basis)) => bail!(
            "--basis {} chooses the figure of the cluster description's zone: add --cluster cluster.toml",
            basis.as_str()
        ),
        (None, None) => Ok(None),
    }
}

fn read_cluster(data: &Dataset, path: &Path, basis: Option<Basis>) -> Result<Cluster> {
    let text = files::read_text(path, "--cluster", files::MAX_SHORT_BYTES * 64)?;
    Cluster::parse_on_basis(&text, data, basis)
        .with_context(|| format!("--cluster {}", path.display()))
}

/// A cluster description and its fingerprint, the key of the figures computed with it.
struct Described {
    cluster: Cluster,
    fingerprint: String,
}

impl Described {
    fn read(data: &Dataset, path: &Path, basis: Option<Basis>) -> Result<Described> {
        let cluster = read_cluster(data, path, basis)?;
        let fingerprint = cluster.fingerprint();
        Ok(Described {
            cluster,
            fingerprint,
        })
    }

    fn figures(&self, job: &SlurmJob) -> Result<StoredSlurmFigures, mlcarbon_slurm::ReportError> {
        let figures = job_figures(&Method::Mlcarbon(&self.cluster), job)?;
        Ok(StoredSlurmFigures {
            description: self.fingerprint.clone(),
            day: job.day().unwrap_or("").to_string(),
            numbers: figures.map_or(
                SlurmJobNumbers {
                    unfinished: true,
                    ..SlurmJobNumbers::default()
                },
                |f| numbers_of(&f),
            ),
        })
    }
}

fn recompute(data: &Dataset, args: &SlurmRecomputeArgs) -> Result<String> {
    let described = Described::read(data, &args.cluster, args.basis)?;
    let (store, path) = db::open_store_writable(args.db.as_deref())?;
    let jobs = store.recompute_slurm_figures(args.cluster_name.as_deref(), |stored| {
        described.figures(&from_stored(stored.clone()))
    })??;
    if jobs == 0 {
        bail!("{}", no_jobs_message(args.cluster_name.as_deref()));
    }
    Ok(format!(
        "computed and stored the figures of {jobs} jobs in {} with {} ({})\n",
        path.display(),
        args.cluster.display(),
        described.fingerprint
    ))
}

fn no_jobs_message(cluster: Option<&str>) -> String {
    format!(
        "no Slurm jobs stored{}; store some with `mlcarbon slurm import FILE --cluster-name NAME`",
        cluster.map_or(String::new(), |c| format!(" for cluster `{c}`"))
    )
}

/// Jobs stored per transaction: large enough that commits cost little, small enough that an
/// interrupted import keeps most of its work.
const IMPORT_BATCH: usize = 20_000;

fn import(data: &Dataset, args: &SlurmImportArgs) -> Result<String> {
    if args.cluster_name.trim().is_empty() {
        bail!(
            "--cluster-name is empty; name the cluster the jobs ran on (job ids repeat across clusters)"
        );
    }
    let described = described(data, args.cluster.as_deref(), args.basis)?;
    let windows = match (&args.file, &args.since) {
        (Some(_), _) => None,
        (None, Some(since)) => {
            let since_day = day_number(since, "--since")?;
            let until_day = match &args.until {
                Some(until) => day_number(until, "--until")?,
                None => mlcarbon_time::now().utc_day(),
            };
            if until_day < since_day {
                bail!(
                    "--until {} is before --since {since}; give the first day, then the last",
                    mlcarbon_time::format_day(until_day)
                );
            }
            Some(sacct::weeks(since_day, until_day))
        }
        (None, None) => bail!("give sacct output (FILE, or - for standard input) or --since DATE"),
    };
    let (store, location) = db::open_slurm_store(args.db.as_deref())?;
    match &store {
        db::SlurmStore::Local(store) => {
            import_into(store, &location, args, described.as_ref(), windows)
        }
        db::SlurmStore::Team(store) => {
            import_into(store.as_ref(), &location, args, described.as_ref(), windows)
        }
    }
}

/// The import's reading, modelling and counting, whatever store the jobs go to.
fn import_into(
    store: &impl SlurmJobWriter,
    location: &str,
    args: &SlurmImportArgs,
    described: Option<&Described>,
    windows: Option<Vec<sacct::Window>>,
) -> Result<String> {
    let mut importer = Importer {
        store,
        cluster: &args.cluster_name,
        described,
        imported: Default::default(),
        counts: GroupingCounts::default(),
    };
    let from = match (&args.file, windows) {
        (Some(file), _) => {
            importer.add(open_input(file)?)?;
            String::new()
        }
        (None, windows) => {
            let windows = windows.unwrap_or_default();
            for window in &windows {
                let what = format!("--starttime {} --endtime {}", window.start, window.end);
                sacct::stream(&sacct::window_args(window), &what, |output| {
                    importer.add(Box::new(output))
                })?;
            }
            let n = windows.len();
            format!(
                " from sacct ({n} quer{} of a week at most)",
                if n == 1 { "y" } else { "ies" }
            )
        }
    };
    let (imported, counts) = (importer.imported, importer.counts);
    Ok(format!(
        "imported {} jobs ({} rows) of cluster `{}`{from} into {}; {} were already stored and were replaced, {} rows of jobs printed twice were skipped\n",
        imported.jobs,
        counts.rows,
        args.cluster_name,
        location,
        imported.replaced,
        counts.repeated_rows
    ))
}

fn day_number(text: &str, flag: &str) -> Result<i64> {
    mlcarbon_time::parse_date(text)
        .with_context(|| format!("{flag} `{text}`: expected a day as YYYY-MM-DD, e.g. 2026-01-31"))
}

/// Imports sacct outputs one after the other into the store, adding up the counts.
struct Importer<'a, W> {
    store: &'a W,
    cluster: &'a str,
    described: Option<&'a Described>,
    imported: mlcarbon_store::slurm::SlurmImport,
    counts: GroupingCounts,
}

impl<W: SlurmJobWriter> Importer<'_, W> {
    fn to_stored(&self, j: SlurmJob) -> Result<StoredSlurmJob> {
        let figures = self
            .described
            .map(|d| d.figures(&j))
            .transpose()
            .map_err(|e| {
                anyhow::anyhow!("{e}; fix the cluster description or import without --cluster")
            })?;
        Ok(StoredSlurmJob {
            figures,
            ..to_stored(self.cluster, j)
        })
    }

    fn add_counts(&mut self, counts: mlcarbon_store::slurm::SlurmImport) {
        self.imported.jobs += counts.jobs;
        self.imported.replaced += counts.replaced;
    }

    /// One sacct output, `--json` or `--parsable2`, streamed into the store.
    fn add(&mut self, mut input: Box<dyn BufRead + '_>) -> Result<()> {
        let counts = if starts_with_json(&mut input)? {
            let mut grouper = Grouper::new();
            let mut pending = Vec::with_capacity(IMPORT_BATCH);
            let mut failure = None;
            read_json_rows(input, |rows| {
                pending.extend(rows.into_iter().filter_map(|row| grouper.push(row)));
                if pending.len() >= IMPORT_BATCH && failure.is_none() {
                    let batch: Vec<_> = pending.drain(..).map(|j| self.to_stored(j)).collect();
                    match self.store.import_slurm_jobs(batch, IMPORT_BATCH) {
                        Ok(Ok(counts)) => self.add_counts(counts),
                        Ok(Err(e)) => failure = Some(e),
                        Err(e) => failure = Some(e.into()),
                    }
                }
                Ok(())
            })?;
            if let Some(e) = failure {
                return Err(e);
            }
            pending.extend(grouper.finish());
            let rest: Vec<_> = pending.into_iter().map(|j| self.to_stored(j)).collect();
            let counts = self.store.import_slurm_jobs(rest, IMPORT_BATCH)??;
            self.add_counts(counts);
            grouper.counts()
        } else {
            let mut jobs = Jobs::new(ParsableReader::new(input)?);
            let this = &*self;
            let stored = jobs.by_ref().map(|j| {
                j.map_err(anyhow::Error::from)
                    .and_then(|j| this.to_stored(j))
            });
            let counts = self.store.import_slurm_jobs(stored, IMPORT_BATCH)??;
            self.add_counts(counts);
            jobs.counts()
        };
        self.counts.rows += counts.rows;
        self.counts.jobs += counts.jobs;
        self.counts.repeated_rows += counts.repeated_rows;
        Ok(())
    }
}

/// What `slurm epilog` prints before its lines, so that a node's log says who wrote them.
const EPILOG_PREFIX: &str = "mlcarbon slurm epilog";

fn epilog(data: &Dataset, args: &SlurmEpilogArgs) -> Result<String> {
    // An epilog that fails drains the node: whatever goes wrong is said, never returned.
    match store_ended_job(data, args) {
        Ok(line) => eprintln!("{EPILOG_PREFIX}: {line}"),
        Err(e) => eprintln!(
            "{EPILOG_PREFIX}: {e:#}; the job was not stored (the node is not affected; `mlcarbon slurm import --since DAY` catches up later)"
        ),
    }
    Ok(String::new())
}

fn store_ended_job(data: &Dataset, args: &SlurmEpilogArgs) -> Result<String> {
    let job = std::env::var(env::SLURM_JOB_ID)
        .ok()
        .filter(|j| !j.trim().is_empty())
        .context("SLURM_JOB_ID is not set: run this as Slurm's Epilog or EpilogSlurmctld (docs/slurm.md)")?;
    let job = job.trim();
    if !job
        .bytes()
        .all(|b| b.is_ascii_digit() || b"_+.".contains(&b))
    {
        bail!("SLURM_JOB_ID `{job}` is not a Slurm job id");
    }
    let cluster = match &args.cluster_name {
        Some(name) => name.clone(),
        None => std::env::var(env::SLURM_CLUSTER_NAME)
            .ok()
            .filter(|c| !c.trim().is_empty())
            .context("no cluster name: give --cluster-name (Slurm sets SLURM_CLUSTER_NAME for EpilogSlurmctld)")?,
    };
    let described = described(data, args.cluster.as_deref(), args.basis)?;
    let output = sacct::output_within(
        &sacct::job_args(job),
        &format!("--jobs {job}"),
        std::time::Duration::from_secs(args.timeout),
    )?;
    let (store, path) = db::open_store_writable(args.db.as_deref())?;
    let mut importer = Importer {
        store: &store,
        cluster: &cluster,
        described: described.as_ref(),
        imported: Default::default(),
        counts: GroupingCounts::default(),
    };
    importer.add(Box::new(std::io::Cursor::new(output)))?;
    if importer.imported.jobs == 0 {
        bail!("sacct printed no record of job {job} (is the accounting storage enabled?)");
    }
    Ok(format!(
        "job {job} of cluster `{cluster}` stored in {} ({} rows)",
        path.display(),
        importer.counts.rows
    ))
}

fn starts_with_json(input: &mut Box<dyn BufRead + '_>) -> Result<bool> {
    loop {
        let buffer = input.fill_buf().context("reading sacct output")?;
        let Some(&first) = buffer.iter().find(|b| !b.is_ascii_whitespace()) else {
            if buffer.is_empty() {
                return Ok(false);
            }
            let all = buffer.len();
            input.consume(all);
            continue;
        };
        return Ok(first == b'{');
    }
}

fn to_stored(cluster: &str, j: SlurmJob) -> StoredSlurmJob {
    StoredSlurmJob {
        cluster: cluster.to_string(),
        job_id: j.id,
        user: j.user,
        account: j.account,
        partition: j.partition,
        state: j.state.map(|s| s.label().to_string()),
        submit: j.submit,
        start: j.start,
        end: j.end,
        node_list: j.node_list,
        elapsed_s: j.elapsed_s,
        total_cpu_s: j.total_cpu_s,
        cpu_time_s: j.cpu_time_s,
        cpus: j.cpus,
        nodes: j.nodes,
        requested_memory_bytes: j.requested_memory_bytes,
        max_rss_bytes: j.max_rss_bytes,
        gpus: j.gpus,
        gpu_type: j.gpu_type,
        gpu_util_percent: j.gpu_util_percent,
        energy_joules: j.energy_joules,
        steps: j.steps,
        largest_elapsed_s: j.largest.elapsed_s,
        largest_total_cpu_s: j.largest.total_cpu_s,
        largest_cpu_time_s: j.largest.cpu_time_s,
        largest_requested_memory_gb: j.largest.requested_memory_gb,
        largest_cpus: j.largest.cpus,
        largest_nodes: j.largest.nodes,
        largest_gpus: j.largest.gpus,
        any_unfinished: j.largest.any_unfinished,
        any_running: j.largest.any_running,
        all_completed: j.largest.all_completed,
        figures: None,
    }
}

fn from_stored(s: StoredSlurmJob) -> SlurmJob {
    SlurmJob {
        id: s.job_id,
        user: s.user,
        account: s.account,
        partition: s.partition,
        state: s.state.as_deref().map(JobState::parse),
        submit: s.submit,
        start: s.start,
        end: s.end,
        node_list: s.node_list,
        elapsed_s: s.elapsed_s,
        total_cpu_s: s.total_cpu_s,
        cpu_time_s: s.cpu_time_s,
        cpus: s.cpus,
        nodes: s.nodes,
        requested_memory_bytes: s.requested_memory_bytes,
        max_rss_bytes: s.max_rss_bytes,
        gpus: s.gpus,
        gpu_type: s.gpu_type,
        gpu_util_percent: s.gpu_util_percent,
        energy_joules: s.energy_joules,
        steps: s.steps,
        largest: RowMaxima {
            elapsed_s: s.largest_elapsed_s,
            total_cpu_s: s.largest_total_cpu_s,
            cpu_time_s: s.largest_cpu_time_s,
            requested_memory_gb: s.largest_requested_memory_gb,
            cpus: s.largest_cpus,
            nodes: s.largest_nodes,
            gpus: s.largest_gpus,
            any_unfinished: s.any_unfinished,
            any_running: s.any_running,
            all_completed: s.all_completed,
        },
    }
}

/// Where a report's jobs come from.
enum Source<'a> {
    File(&'a Path),
    Store(Store, Option<&'a str>),
    /// A team server's PostgreSQL (where it is, for messages) and the cluster asked for.
    Team(Box<mlcarbon_store_pg::PgStore>, String, Option<&'a str>),
}

impl Source<'_> {
    fn report(&self, options: ReportOptions<'_>) -> Result<SlurmReport> {
        match self {
            Source::File(path) => Ok(report_sacct(open_input(path)?, options)?),
            Source::Team(store, location, cluster) => {
                team_report(store.as_ref(), location, *cluster, options)
            }
            Source::Store(store, cluster) => {
                if let Method::Mlcarbon(description) = &options.method {
                    let fingerprint = description.fingerprint();
                    let from_groups = mlcarbon_builder(description, &options);
                    match report_from_group_totals(store, *cluster, &fingerprint, from_groups)? {
                        Some(report) if report.rows == 0 => bail!("{}", no_jobs_message(*cluster)),
                        Some(report) => return Ok(report),
                        // A window inside months, or stale figures: job by job.
                        None => {}
                    }
                    let mut builder = mlcarbon_builder(description, &options);
                    // A job computed with another description (or none) stops the scan.
                    struct Stale;
                    let scan = store.each_slurm_figures(*cluster, |row| {
                        if row.description != fingerprint {
                            return Err(Stale);
                        }
                        add_stored(&mut builder, row);
                        Ok(())
                    })?;
                    match scan {
                        Ok(0) => bail!("{}", no_jobs_message(*cluster)),
                        Ok(jobs) => {
                            return Ok(stored_report(builder, jobs));
                        }
                        Err(Stale) => eprintln!(
                            "note: the stored figures were computed with another cluster description (or none): computing every job now; `mlcarbon slurm recompute --cluster FILE{}` stores them so that reports add stored numbers",
                            cluster.map_or(String::new(), |c| format!(" --cluster-name {c}"))
                        ),
                    }
                }
                let mut builder =
                    ReportBuilder::new(options.method, options.filter, options.by, options.top)
                        .with_tracked(options.tracked);
                let mut jobs = 0;
                store.each_slurm_job(*cluster, |stored| {
                    jobs += 1;
                    builder.add(&from_stored(stored))
                })??;
                if jobs == 0 {
                    bail!("{}", no_jobs_message(*cluster));
                }
                Ok(stored_report(builder, jobs))
            }
        }
    }

    /// A second pass over the same jobs is possible (not from standard input).
    fn can_reread(&self) -> bool {
        !matches!(self, Source::File(path) if *path == Path::new("-"))
    }
}

/// A report of the jobs stored in a team server's PostgreSQL: every job's stored figures added
/// one by one (the group totals' shortcut reads SQLite only), with the tracker's figures for
/// the jobs it measured. Mlcarbon's method only: GA4HPC's formula needs the raw jobs, which
/// reports read from a local database or a sacct file.
fn team_report(
    store: &mlcarbon_store_pg::PgStore,
    location: &str,
    cluster: Option<&str>,
    options: ReportOptions<'_>,
) -> Result<SlurmReport> {
    let Method::Mlcarbon(description) = &options.method else {
        bail!(
            "--compat ga4hpc reads a sacct file or a local database, not the team server's PostgreSQL ({location}): give the sacct file"
        );
    };
    let fingerprint = description.fingerprint();
    let mut builder = mlcarbon_builder(description, &options);
    let mut stale = 0u64;
    let jobs = mlcarbon_store::RunStore::each_slurm_figures(store, cluster, &mut |row| {
        if row.description == fingerprint {
            add_stored(&mut builder, row);
        } else {
            stale += 1;
        }
        Ok(())
    })?;
    if stale > 0 {
        bail!(
            "{stale} of the {jobs} jobs in {location} were computed with another cluster description (or none): import them again with this --cluster (`slurm recompute` works on a local database only)"
        );
    }
    if jobs == 0 {
        bail!("{}", no_jobs_message(cluster));
    }
    Ok(stored_report(builder, jobs))
}

/// A report builder for mlcarbon's method with `description`, on `options`' window, groups,
/// top jobs and tracked jobs.
fn mlcarbon_builder<'a>(
    description: &'a Cluster,
    options: &ReportOptions<'a>,
) -> ReportBuilder<'a> {
    ReportBuilder::new(
        Method::Mlcarbon(description),
        options.filter.clone(),
        options.by.clone(),
        options.top,
    )
    .with_tracked(options.tracked)
}

/// The report of `jobs` stored jobs, each its own row.
fn stored_report(builder: ReportBuilder<'_>, jobs: u64) -> SlurmReport {
    builder.finish(GroupingCounts {
        rows: jobs,
        jobs,
        repeated_rows: 0,
    })
}

fn open_input(path: &Path) -> Result<Box<dyn BufRead>> {
    if path == Path::new("-") {
        return Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            std::io::stdin().lock(),
        )));
    }
    let file = std::fs::File::open(path)
        .with_context(|| format!("sacct output {}: cannot read it", path.display()))?;
    Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
}

fn day(text: &Option<String>, flag: &str) -> Result<Option<String>> {
    match text {
        None => Ok(None),
        Some(t) if mlcarbon_time::parse_date(t).is_some() => Ok(Some(t.clone())),
        Some(t) => bail!("{flag} `{t}`: expected a day as YYYY-MM-DD, e.g. 2026-01-31"),
    }
}

/// What `--format json` prints: the report, and in compat mode mlcarbon's own totals on the
/// same file and how far they are from the compat ones, when `--cluster` is given too.
#[derive(Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    report: &'a SlurmReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    mlcarbon_totals: Option<&'a Totals>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mlcarbon_minus_compat: Option<MethodDifference>,
}

fn report(data: &Dataset, args: &SlurmReportArgs) -> Result<String> {
    let filter = JobFilter {
        since: day(&args.since, "--since")?,
        until: day(&args.until, "--until")?,
    };
    let by: Vec<GroupBy> = args
        .by
        .iter()
        .map(|b| match b {
            SlurmGroupBy::User => GroupBy::User,
            SlurmGroupBy::Account => GroupBy::Account,
            SlurmGroupBy::Partition => GroupBy::Partition,
            SlurmGroupBy::Month => GroupBy::Month,
            SlurmGroupBy::State => GroupBy::State,
        })
        .collect();
    let cluster = described(data, args.cluster.as_deref(), args.basis)?.map(|d| d.cluster);
    let (source, tracked) = match &args.file {
        // A file's report reads the tracker's runs only from a database named with --db: the
        // report of a file stays the same on every machine unless asked otherwise.
        Some(path) => {
            let tracked = match &args.db {
                Some(db_path) => {
                    let (store, _) = db::open_store(Some(db_path.as_path()))?;
                    Some(TrackedJobs::from_store(&store)?)
                }
                None => None,
            };
            (Source::File(path), tracked)
        }
        None => {
            if let Some((store, location)) = db::team_store(args.db.as_deref())? {
                let runs = mlcarbon_store::RunStore::runs(&store, &Default::default())?;
                let tracked = TrackedJobs::from_runs(&runs);
                return report_rendered(
                    args,
                    &Source::Team(Box::new(store), location, args.cluster_name.as_deref()),
                    Some(&tracked),
                    filter,
                    by,
                    cluster,
                );
            }
            let (store, path) = db::open_store(args.db.as_deref())?;
            if !store.has_slurm_tables()? {
                bail!(
                    "{} has no Slurm jobs tables (built by another mlcarbon version, or read-only and not yet migrated); import jobs into a new database with `mlcarbon slurm import FILE --cluster-name NAME --db NEW.sqlite`, or report a sacct file directly",
                    path.display()
                );
            }
            let tracked = TrackedJobs::from_store(&store)?;
            (
                Source::Store(store, args.cluster_name.as_deref()),
                Some(tracked),
            )
        }
    };
    report_rendered(args, &source, tracked.as_ref(), filter, by, cluster)
}

/// The report of `source` (with mlcarbon's figures beside GA4HPC's in compat mode), rendered
/// in the format asked for.
fn report_rendered(
    args: &SlurmReportArgs,
    source: &Source<'_>,
    tracked: Option<&TrackedJobs>,
    filter: JobFilter,
    by: Vec<GroupBy>,
    cluster: Option<Cluster>,
) -> Result<String> {
    let options = |method| ReportOptions {
        method,
        filter: filter.clone(),
        by: by.clone(),
        top: args.top,
        tracked,
    };
    let (main, own) = match args.compat {
        Some(SlurmCompat::Ga4hpc) => {
            let Some(path) = &args.cluster_info else {
                bail!(
                    "--compat ga4hpc needs --cluster-info cluster_info.yaml (GA4HPC's cluster description)"
                );
            };
            let text = files::read_text(path, "--cluster-info", files::MAX_SHORT_BYTES * 64)?;
            let info = parse_cluster_info(&text)
                .with_context(|| format!("--cluster-info {}", path.display()))?;
            let compat = source.report(options(Method::Ga4hpc(&info)))?;
            // mlcarbon's figures for the same jobs need a second read: not possible from stdin.
            let own = match &cluster {
                Some(cluster) if source.can_reread() => {
                    Some(source.report(options(Method::Mlcarbon(cluster)))?)
                }
                _ => None,
            };
            (compat, own)
        }
        None => {
            if args.cluster_info.is_some() {
                bail!(
                    "--cluster-info is GA4HPC's format: add --compat ga4hpc, or describe the cluster with --cluster cluster.toml"
                );
            }
            let Some(cluster) = &cluster else {
                bail!(
                    "give --cluster cluster.toml (docs/slurm.md; docs/examples/cluster.toml is a start), or --compat ga4hpc --cluster-info cluster_info.yaml"
                );
            };
            (source.report(options(Method::Mlcarbon(cluster)))?, None)
        }
    };
    let out = Output {
        report: &main,
        mlcarbon_totals: own.as_ref().map(|r| &r.totals),
        mlcarbon_minus_compat: own.as_ref().map(|r| difference(&main.totals, &r.totals)),
    };
    match args.format {
        TableFormat::Json => output::json(&out),
        TableFormat::Csv => groups_table(&main).csv(),
        TableFormat::Markdown => Ok(format!(
            "{}\n{}\n{}",
            groups_table(&main).markdown(),
            top_table(&main.top_jobs).markdown(),
            partitions_table(&main).markdown()
        )),
        TableFormat::Human => Ok(human(&out)),
    }
}

fn method_line(report: &SlurmReport) -> &'static str {
    if report.method == "ga4hpc" {
        "GA4HPC's formula (--compat ga4hpc): CPU time × TDP per core, GPUs at 100 % of TDP, requested memory × 0.3725 W/GB, × PUE × CI"
    } else {
        "mlcarbon: Slurm's node energy where a job had whole nodes, else CPU time × W per core, GPUs × power × utilisation, allocated memory × W/GB; × PUE × grid intensity"
    }
}

fn human(out: &Output<'_>) -> String {
    let r = out.report;
    let t = &r.totals;
    let mut text = format!(
        "Slurm report: {} jobs from {} rows\nmethod: {}\n\n",
        t.jobs,
        r.rows,
        method_line(r)
    );
    let mass = mass_scale(t.emissions_kg);
    text += &format!(
        "  emissions    {} CO2e{}\n",
        mass.show(t.emissions_kg, Lang::En),
        range_suffix(mass, t.emissions_low_kg, t.emissions_high_kg)
    );
    let energy = energy_scale(t.energy_kwh);
    text += &format!(
        "  energy       {}{} (with PUE)\n",
        energy.show(t.energy_kwh, Lang::En),
        range_suffix(energy, t.energy_low_kwh, t.energy_high_kwh)
    );
    text += &format!(
        "  IT energy    CPU {} · GPU {} · memory {}{}\n",
        human_energy(t.cpu_energy_kwh),
        human_energy(t.gpu_energy_kwh),
        human_energy(t.ram_energy_kwh),
        if t.measured_node_energy_kwh > 0.0 {
            format!(
                " · measured nodes {}",
                human_energy(t.measured_node_energy_kwh)
            )
        } else {
            String::new()
        }
    );
    if r.method != "ga4hpc" {
        text += &format!(
            "  method       {} measured · {} modelled · {} mixed jobs; {:.0} % of IT energy measured by Slurm; GPU utilisation recorded for {} jobs (else the default draw)\n",
            t.measured_jobs,
            t.modelled_jobs,
            t.mixed_jobs,
            t.measured_share() * 100.0,
            r.jobs_with_recorded_gpu_utilisation
        );
        if r.tracked_jobs > 0 {
            text += &format!(
                "  tracked      {} jobs measured by mlcarbon's tracker (runs with job key slurm:JOB), their figures used instead: {} IT energy, {:.0} % of IT energy\n",
                r.tracked_jobs,
                human_energy(t.tracked_energy_kwh),
                t.tracked_share() * 100.0
            );
        }
    }
    text += &format!(
        "  failed jobs  {} jobs: {}, {} CO2e (included above)\n",
        t.failed_jobs,
        human_energy(t.failed_energy_kwh),
        human_mass(t.failed_emissions_kg)
    );
    text += &format!(
        "  left out     {} unfinished jobs (RUNNING, PENDING: accounting not final); {} outside --since/--until; {} rows of jobs seen twice\n",
        r.unfinished_jobs_skipped, r.jobs_outside_window, r.repeated_rows
    );
    if let (Some(own), Some(diff)) = (out.mlcarbon_totals, out.mlcarbon_minus_compat) {
        let percent = |p: Option<f64>| p.map_or(String::new(), |p| format!(" ({p:+.0} %)"));
        text += &format!(
            "\nmlcarbon's method on the same file (--cluster): {} CO2e{}, {}{}\n  GA4HPC counts GPUs at 100 % of TDP and the memory requested; mlcarbon uses recorded GPU utilisation (else the measured training draw), Slurm's measured node energy for whole nodes, and the cluster's grid data\n",
            human_mass(own.emissions_kg),
            percent(diff.emissions_percent),
            human_energy(own.energy_kwh),
            percent(diff.energy_percent),
        );
    }
    if !r.groups.is_empty() {
        text += "\n";
        text += &groups_table(r).human();
    }
    if !r.top_jobs.is_empty() {
        text += "\nTop jobs\n";
        text += &top_table(&r.top_jobs).human();
    }
    if !r.partitions.is_empty() {
        text += "\nInputs per partition\n";
        text += &partitions_table(r).human();
    }
    text
}

fn groups_table(r: &SlurmReport) -> Table {
    let mut headers: Vec<(&str, bool)> = r.by.iter().map(|b| (b.label(), false)).collect();
    headers.extend([
        ("jobs", true),
        ("failed_jobs", true),
        ("energy_kwh", true),
        ("emissions_kg", true),
        ("cpu_energy_kwh", true),
        ("gpu_energy_kwh", true),
        ("ram_energy_kwh", true),
        ("measured_node_energy_kwh", true),
        ("tracked_jobs", true),
        ("tracked_energy_kwh", true),
        ("failed_energy_kwh", true),
    ]);
    let mut table = Table::new(&headers);
    let row = |key: Vec<String>, t: &Totals| {
        let mut cells = key;
        cells.extend([
            t.jobs.to_string(),
            t.failed_jobs.to_string(),
            number(t.energy_kwh),
            number(t.emissions_kg),
            number(t.cpu_energy_kwh),
            number(t.gpu_energy_kwh),
            number(t.ram_energy_kwh),
            number(t.measured_node_energy_kwh),
            t.tracked_jobs.to_string(),
            number(t.tracked_energy_kwh),
            number(t.failed_energy_kwh),
        ]);
        cells
    };
    if r.by.is_empty() {
        table.push(row(Vec::new(), &r.totals));
    }
    for GroupTotals { key, totals } in &r.groups {
        table.push(row(key.clone(), totals));
    }
    table
}

/// Four significant figures for tables: enough to compare, short enough to read.
fn number(value: f64) -> String {
    if value == 0.0 {
        return "0".into();
    }
    let digits = (3 - value.abs().log10().floor() as i32).clamp(0, 9) as usize;
    format!("{value:.digits$}")
}

fn top_table(jobs: &[TopJob]) -> Table {
    let mut table = Table::new(&[
        ("job", false),
        ("user", false),
        ("account", false),
        ("partition", false),
        ("state", false),
        ("hours", true),
        ("gpus", true),
        ("method", false),
        ("energy_kwh", true),
        ("emissions_kg", true),
    ]);
    for j in jobs {
        table.push(vec![
            j.id.clone(),
            j.user.clone(),
            j.account.clone(),
            j.partition.clone(),
            j.state.clone(),
            number(j.elapsed_hours),
            j.gpus.to_string(),
            j.method.label().to_string(),
            number(j.energy_kwh),
            number(j.emissions_kg),
        ]);
    }
    table
}

fn partitions_table(r: &SlurmReport) -> Table {
    let mut table = Table::new(&[
        ("partition", false),
        ("CPU W/core", true),
        ("GPU", false),
        ("GPU W", true),
        ("PUE", true),
        ("g/kWh", true),
        ("exclusive", false),
        ("sources", false),
    ]);
    for p in &r.partitions {
        let source = |prov: &mlcarbon_model::Provenance| {
            let mut s = prov.origin.label().to_string();
            if let Some(row) = &prov.row {
                s += &format!(" {}:{row}", prov.table.as_deref().unwrap_or(""));
            }
            if let Some(year) = prov.year {
                s += &format!(" ({year})");
            }
            s
        };
        let mut sources = vec![
            format!("CPU {}", source(&p.cpu_core.provenance)),
            format!("PUE {}", source(&p.pue.provenance)),
            // A given figure's origin already says `given`; a zone's says its basis too.
            match p.basis {
                "given" => format!("grid {}", source(&p.intensity.provenance)),
                basis => format!("grid {basis} {}", source(&p.intensity.provenance)),
            },
        ];
        if let Some(gpu) = &p.gpu {
            sources.insert(1, format!("GPU {}", source(&gpu.power.provenance)));
        }
        table.push(vec![
            p.name.clone(),
            number(p.cpu_core.range.value.0),
            p.gpu.as_ref().map_or(String::new(), |g| g.name.clone()),
            p.gpu
                .as_ref()
                .map_or(String::new(), |g| number(g.power.range.value.0)),
            number(p.pue.range.value),
            number(p.intensity.range.value.0),
            if p.exclusive { "yes" } else { "no" }.to_string(),
            sources.join("; "),
        ]);
    }
    table
}
