//! sacct readers, job grouping, the cluster description and the reports, on fixtures shaped
//! like real sacct output (every trap of issue 14 has a row).

use mlcarbon_data::Dataset;
use mlcarbon_model::cluster::EnergyMethod;
use mlcarbon_slurm::fields::JobState;
use mlcarbon_slurm::ga4hpc::parse_cluster_info;
use mlcarbon_slurm::report::{Method, ReportBuilder};
use mlcarbon_slurm::{
    Cluster, GroupBy, Grouper, JobFilter, Jobs, ParsableReader, SlurmJob, SlurmReport,
    read_json_rows,
};
use std::io::Cursor;

const TRAPS: &str = include_str!("fixtures/traps.psv");
const CLUSTER: &str = include_str!("fixtures/cluster.toml");

fn jobs_of(text: &str) -> Vec<SlurmJob> {
    let reader = ParsableReader::new(Cursor::new(text.as_bytes())).expect("header");
    Jobs::new(reader).collect::<Result<_, _>>().expect("jobs")
}

fn job<'a>(jobs: &'a [SlurmJob], id: &str) -> &'a SlurmJob {
    jobs.iter().find(|j| j.id == id).expect(id)
}

fn cluster() -> Cluster {
    Cluster::parse(CLUSTER, Dataset::builtin().expect("dataset")).expect("cluster")
}

fn report(text: &str, by: Vec<GroupBy>, filter: JobFilter) -> SlurmReport {
    let cluster = cluster();
    let reader = ParsableReader::new(Cursor::new(text.as_bytes())).expect("header");
    let mut jobs = Jobs::new(reader);
    let mut builder = ReportBuilder::new(Method::Mlcarbon(&cluster), filter, by, 3);
    for job in jobs.by_ref() {
        builder.add(&job.expect("job")).expect("report");
    }
    builder.finish(jobs.counts())
}

/// Equal to 1e-9 relative, or to the 1e-8 a report's totals may be off by: they add each job's
/// figures in integer units of 1e-9 (so that any order of adding gives the same totals), one
/// rounding of at most 0.5e-9 per job.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1e-12) + 1e-8
}

#[test]
fn a_job_and_its_steps_count_once_and_array_and_het_parts_are_jobs() {
    let jobs = jobs_of(TRAPS);
    let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "1001", "1002", "1003_1", "1003_2", "1004+0", "1004+1", "1005", "1006", "1007", "1008"
        ]
    );
    let j = job(&jobs, "1001");
    // The job row's TotalCPU already sums its steps: 15 h, not 15 h + 15 h.
    assert_eq!(j.total_cpu_s, 15.0 * 3600.0);
    assert_eq!(j.steps, 2);
    assert_eq!(j.max_rss_bytes, Some(20_000_000.0 * 1024.0));
    assert_eq!(j.requested_memory_bytes, Some(32.0 * 1024f64.powi(3)));
}

#[test]
fn every_trap_is_read() {
    let jobs = jobs_of(TRAPS);
    let cancelled = job(&jobs, "1002");
    assert_eq!(
        cancelled.state,
        Some(JobState::Cancelled),
        "State with spaces"
    );
    assert_eq!(cancelled.elapsed_s, 86_400.0, "Elapsed with days");
    assert_eq!(cancelled.gpus, 2, "typed GRES alone");
    assert_eq!(cancelled.gpu_type.as_deref(), Some("a100"));
    assert_eq!(
        cancelled.gpu_util_percent,
        Some(120.0),
        "gres/gpuutil from TRESUsageInTot"
    );
    assert!(cancelled.is_failed());
    let per_cpu = job(&jobs, "1003_1");
    assert_eq!(
        per_cpu.requested_memory_bytes,
        Some(4.0 * 4000.0 * 1024.0 * 1024.0),
        "ReqMem per core"
    );
    let per_node = job(&jobs, "1004+0");
    assert_eq!(
        per_node.requested_memory_bytes,
        Some(2.0 * 2.0 * 1024f64.powi(3)),
        "ReqMem per node"
    );
    assert!(job(&jobs, "1005").is_unfinished());
    assert!(job(&jobs, "1006").is_unfinished());
    let measured = job(&jobs, "1007");
    assert_eq!(
        measured.energy_joules,
        Some(7_200_000.0),
        "ConsumedEnergyRaw preferred over the rounded 6.87M"
    );
    let mig = job(&jobs, "1008");
    assert_eq!(mig.gpus, 2, "gres/gpumem is not a GPU count");
    assert_eq!(mig.gpu_type.as_deref(), Some("1g.10gb"));
    assert_eq!(mig.total_cpu_s, 754.567, "TotalCPU MM:SS.mmm");
    assert_eq!(
        mig.max_rss_bytes,
        Some(154_264.0 * 1024.0),
        "MaxRSS without a unit is KB"
    );
}

#[test]
fn the_column_order_does_not_matter() {
    let mut lines = TRAPS.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('|').collect();
    let order: Vec<usize> = (0..header.len()).rev().collect();
    let reorder = |line: &str| {
        let fields: Vec<&str> = line.split('|').collect();
        order
            .iter()
            .map(|&i| fields[i])
            .collect::<Vec<_>>()
            .join("|")
    };
    let mut shuffled = reorder(&header.join("|"));
    for line in lines {
        shuffled.push('\n');
        shuffled.push_str(&reorder(line));
    }
    assert_eq!(jobs_of(&shuffled), jobs_of(TRAPS));
}

#[test]
fn the_report_models_and_measures_as_the_cluster_says() {
    let r = report(TRAPS, vec![GroupBy::State], JobFilter::default());
    assert_eq!(r.totals.jobs, 8);
    assert_eq!(r.unfinished_jobs_skipped, 2, "RUNNING and PENDING left out");
    assert_eq!(r.totals.failed_jobs, 2);
    assert_eq!(r.totals.measured_jobs, 1);
    let gib = 1024f64.powi(3) / 1e9;
    // CPU: TotalCPU hours × W per core.
    let cpu_wh = 15.0 * 5.0
        + 10.0 * 4.0
        + 3.5 * 5.0
        + (20.0 / 60.0) * 5.0
        + 6.0 * 5.0
        + 5.0
        + 754.567 / 3600.0 * 4.0;
    // Memory: requested GB × 0.4 W/GB × elapsed hours.
    let ram_wh = 0.4
        * (32.0 * gib * 2.0
            + 64.0 * gib * 24.0
            + 16000.0 * 1024.0 * 1024.0 / 1e9 * 1.5
            + 4.0 * gib * 2.0
            + gib
            + 16.0 * gib * 0.5);
    // GPUs: 1002 recorded 120 % over 2 GPUs (60 %), 24 h; 1008 two 1g.10gb MIG slices (1/7 of
    // an A100 each) at the default 65.45 % for 0.5 h.
    let gpu_wh = 2.0 * 400.0 * 0.6 * 24.0 + 2.0 * 400.0 / 7.0 * 0.6545 * 0.5;
    let measured_wh = 7_200_000.0 / 3600.0;
    assert!(
        close(r.totals.cpu_energy_kwh, cpu_wh / 1000.0),
        "{}",
        r.totals.cpu_energy_kwh
    );
    assert!(
        close(r.totals.ram_energy_kwh, ram_wh / 1000.0),
        "{}",
        r.totals.ram_energy_kwh
    );
    assert!(
        close(r.totals.gpu_energy_kwh, gpu_wh / 1000.0),
        "{}",
        r.totals.gpu_energy_kwh
    );
    assert!(close(
        r.totals.measured_node_energy_kwh,
        measured_wh / 1000.0
    ));
    let total_kwh = (cpu_wh + ram_wh + gpu_wh + measured_wh) / 1000.0 * 1.2;
    assert!(close(r.totals.energy_kwh, total_kwh));
    assert!(close(r.totals.emissions_kg, total_kwh * 0.1));
    let failed_wh = 10.0 * 4.0
        + 0.4 * 64.0 * gib * 24.0
        + 2.0 * 400.0 * 0.6 * 24.0
        + (20.0 / 60.0) * 5.0
        + 0.4 * 16000.0 * 1024.0 * 1024.0 / 1e9 * 0.5;
    assert!(close(r.totals.failed_energy_kwh, failed_wh / 1000.0 * 1.2));
    assert_eq!(r.jobs_with_recorded_gpu_utilisation, 1);
    // Groups by state add up to the totals.
    let states: Vec<&str> = r.groups.iter().map(|g| g.key[0].as_str()).collect();
    assert_eq!(states, ["CANCELLED", "COMPLETED", "FAILED"]);
    let sum: f64 = r.groups.iter().map(|g| g.totals.energy_kwh).sum();
    assert!(close(sum, r.totals.energy_kwh));
    assert_eq!(r.top_jobs.len(), 3);
    assert_eq!(r.top_jobs[0].id, "1002");
    assert_eq!(r.top_jobs[1].id, "1007");
    assert_eq!(r.top_jobs[1].method, EnergyMethod::Measured);
}

#[test]
fn since_and_until_keep_the_jobs_that_ended_in_the_window() {
    let filter = JobFilter {
        since: Some("2026-02-01".into()),
        until: Some("2026-02-28".into()),
    };
    let r = report(TRAPS, vec![GroupBy::Account, GroupBy::Month], filter);
    assert_eq!(r.totals.jobs, 4);
    assert_eq!(r.jobs_outside_window, 4);
    let keys: Vec<Vec<String>> = r.groups.iter().map(|g| g.key.clone()).collect();
    assert_eq!(
        keys,
        [
            vec!["bio".to_string(), "2026-02".to_string()],
            vec!["physics".to_string(), "2026-02".to_string()]
        ]
    );
}

#[test]
fn a_job_printed_twice_counts_once() {
    let body: String = TRAPS.lines().skip(1).take(3).collect::<Vec<_>>().join("\n");
    let twice = format!("{TRAPS}{body}\n");
    let reader = ParsableReader::new(Cursor::new(twice.as_bytes())).expect("header");
    let mut jobs = Jobs::new(reader);
    let count = jobs.by_ref().count();
    assert_eq!(count, 10);
    assert_eq!(jobs.counts().repeated_rows, 3);
}

#[test]
fn bad_input_says_where_and_what() {
    let no_header = ParsableReader::new(Cursor::new(&b"1001|alice\n"[..]));
    assert!(
        no_header
            .err()
            .is_some_and(|e| e.to_string().contains("no JobID column"))
    );
    let empty = ParsableReader::new(Cursor::new(&b""[..]));
    assert!(empty.err().is_some_and(|e| e.to_string().contains("empty")));
    let bad = "JobID|Elapsed\n1|01:00:00\n2|soon\n";
    let errors: Vec<String> = ParsableReader::new(Cursor::new(bad.as_bytes()))
        .expect("header")
        .filter_map(|r| r.err().map(|e| e.to_string()))
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("line 3: duration `soon`"),
        "{}",
        errors[0]
    );
    let short = "JobID|Elapsed\n1\n";
    let error = ParsableReader::new(Cursor::new(short.as_bytes()))
        .expect("header")
        .next()
        .and_then(Result::err)
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("the header has 2 columns"), "{error}");
}

#[test]
fn cluster_descriptions_resolve_names_and_refuse_mistakes() {
    let data = Dataset::builtin().expect("dataset");
    let c = cluster();
    let gpu = c.partition("gpu").expect("gpu");
    assert_eq!(gpu.gpu.as_ref().map(|g| g.power.range.value.0), Some(400.0));
    assert!(c.partition("gpu,cpu").is_ok(), "first of a list");
    assert!(c.partition("bigmem").is_err());
    let typo = "[[partition]]\nname = \"g\"\ncpu_w_per_core = 4\ngpu = \"A100 SXM4 80GBB\"\n";
    let error = Cluster::parse(typo, data)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("did you mean"), "{error}");
    let zone = "zone = \"FR\"\n[default]\ncpu_w_per_core = 4\n";
    let with_zone = Cluster::parse(zone, data).expect("zone");
    let fallback = with_zone.partition("anything").expect("default");
    assert_eq!(fallback.intensity.provenance.origin.label(), "estimated");
    assert_eq!(fallback.pue.provenance.origin.label(), "defaulted");
    let unknown_key = "[[partition]]\nname = \"x\"\ncpu_w_per_core = 4\ngpus = 2\n";
    assert!(Cluster::parse(unknown_key, data).is_err());
    let no_cpu = "[[partition]]\nname = \"x\"\n";
    assert!(Cluster::parse(no_cpu, data).is_err());
}

const JSON: &str = include_str!("fixtures/sacct.json");

fn json_jobs(text: &str) -> Vec<SlurmJob> {
    let mut grouper = Grouper::new();
    let mut jobs = Vec::new();
    read_json_rows(text.as_bytes(), |rows| {
        jobs.extend(rows.into_iter().filter_map(|row| grouper.push(row)));
        Ok(())
    })
    .expect("json");
    jobs.extend(grouper.finish());
    jobs
}

#[test]
fn sacct_json_gives_the_same_jobs_as_parsable2() {
    let from_json = json_jobs(JSON);
    let ids: Vec<&str> = from_json.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, ["1001", "1002", "1003_1", "1004+1", "1005", "1007"]);
    let from_text = jobs_of(TRAPS);
    for j in &from_json {
        let t = job(&from_text, &j.id);
        assert_eq!(j.user, t.user, "{}", j.id);
        assert_eq!(j.state, t.state, "{}", j.id);
        assert_eq!(j.start, t.start, "{}", j.id);
        assert_eq!(j.elapsed_s, t.elapsed_s, "{}", j.id);
        assert_eq!(j.total_cpu_s, t.total_cpu_s, "{}", j.id);
        assert_eq!(j.gpus, t.gpus, "{}", j.id);
        assert_eq!(j.cpus, t.cpus, "{}", j.id);
        assert_eq!(
            j.requested_memory_bytes, t.requested_memory_bytes,
            "{}",
            j.id
        );
        assert_eq!(j.is_unfinished(), t.is_unfinished(), "{}", j.id);
    }
    let gpu = job(&from_json, "1002");
    assert_eq!(gpu.gpu_type.as_deref(), Some("a100"));
    assert_eq!(
        gpu.gpu_util_percent,
        Some(120.0),
        "tres.requested.total is usage"
    );
    let alice = job(&from_json, "1001");
    assert_eq!(alice.max_rss_bytes, Some(20_480_000_000.0));
    // The batch step measured 7.1 MJ, the extern step (the whole allocation) 7.2 MJ.
    assert_eq!(job(&from_json, "1007").energy_joules, Some(7_200_000.0));
}

#[test]
fn sacct_json_without_jobs_or_with_a_bad_job_is_refused() {
    let none = read_json_rows(&b"{\"meta\": {}}"[..], |_| Ok(()));
    assert!(
        none.err()
            .is_some_and(|e| e.to_string().contains("no `jobs` array"))
    );
    let bad = read_json_rows(&b"{\"jobs\": [{\"user\": \"x\"}]}"[..], |_| Ok(()));
    assert!(bad.err().is_some_and(|e| e.to_string().contains("job 0")));
    let truncated = read_json_rows(&b"{\"jobs\": [{\"job_id\": 1}"[..], |_| Ok(()));
    assert!(truncated.is_err());
}

const GA4HPC_USER: &str = include_str!("fixtures/ga4hpc_user.psv");
const GA4HPC_INFO: &str = include_str!("fixtures/ga4hpc_cluster_info.yaml");

fn ga4hpc_report(text: &str) -> SlurmReport {
    let info = parse_cluster_info(GA4HPC_INFO).expect("cluster_info");
    let reader = ParsableReader::new(Cursor::new(text.as_bytes())).expect("header");
    let mut jobs = Jobs::new(reader);
    let mut builder = ReportBuilder::new(Method::Ga4hpc(&info), JobFilter::default(), vec![], 5);
    for job in jobs.by_ref() {
        builder.add(&job.expect("job")).expect("report");
    }
    builder.finish(jobs.counts())
}

/// The expected figures are GA4HPC's own output for this fixture (GreenAlgorithms4HPC at
/// commit c0f4709, `backend.enrich_data` summed over jobs); by hand, e.g. job 7003: 4:00:25
/// × 12 W = 48.08 Wh CPU (TotalCPU 0, so CPUTime), 6.76 GB × 4:00:25 × 0.3725 W/GB = 10.09 Wh
/// memory, × PUE 1.5 = 87.26 Wh.
#[test]
fn ga4hpc_compat_reproduces_its_totals() {
    let r = ga4hpc_report(GA4HPC_USER);
    assert_eq!(r.totals.jobs, 7);
    assert_eq!(r.totals.failed_jobs, 3);
    assert_eq!(r.unfinished_jobs_skipped, 1);
    assert!(close(r.totals.energy_kwh, 11.931647330208335));
    assert!(close(r.totals.cpu_energy_kwh, 0.4793833333333334));
    assert!(close(r.totals.gpu_energy_kwh, 6.9));
    assert!(close(r.totals.ram_energy_kwh, 0.5750482201388889));
    assert!(close(r.totals.emissions_kg, 2.3863294660416664));
    assert!(close(r.totals.failed_energy_kwh, 10.0257275));
    assert_eq!(r.top_jobs[0].id, "7002");
}

/// Files GA4HPC itself cannot read: no UID/User columns, typed GRES only, several users,
/// memory in terabytes.
#[test]
fn ga4hpc_compat_reads_what_ga4hpc_cannot() {
    let text = "JobID|Elapsed|Partition|NNodes|NCPUS|TotalCPU|CPUTime|ReqMem|State|AllocTRES|User\n\
                1|01:00:00|gpu|1|4|01:00:00|04:00:00|1T|COMPLETED|cpu=4,gres/gpu:v100=2,mem=1T,node=1|a\n\
                2|01:00:00|cpu|1|1|01:00:00|01:00:00|1G|COMPLETED|cpu=1,mem=1G,node=1|b\n";
    let r = ga4hpc_report(text);
    assert_eq!(r.totals.jobs, 2);
    // Job 1: 2 GPUs × 300 W × 1 h, 1 h CPU × 10 W, 1000 GB × 1 h × 0.3725 W/GB.
    assert!(close(r.totals.gpu_energy_kwh, 0.6));
    let ram = (1000.0 + 1.0) * 0.3725 / 1000.0;
    assert!(close(r.totals.ram_energy_kwh, ram));
    assert!(close(r.totals.cpu_energy_kwh, 0.01 + 0.012));
}

#[test]
fn the_documented_example_cluster_resolves() {
    let text = include_str!("../../../docs/examples/cluster.toml");
    let c = Cluster::parse(text, Dataset::builtin().expect("dataset")).expect("example");
    let cpu = c.partition("cpu-long").expect("cpu-long");
    // AMD EPYC 7763: 280 W TDP over 64 cores in the CPU table.
    assert!(close(cpu.cpu_core.range.value.0, 280.0 / 64.0));
    assert_eq!(cpu.cpu_core.provenance.table.as_deref(), Some("cpus.csv"));
    assert!(c.partition("gpu").expect("gpu").exclusive);
    assert_eq!(c.partition("bigmem").expect("bigmem").pue.range.value, 1.5);
    assert_eq!(c.partition("debug").expect("default").name, "default");
}

/// Output of a real Slurm 22.05.8 (Debian's slurm-wlm with slurmdbd and MariaDB on one node):
/// a job with an srun step, a failed job, a two-task array and a job cancelled before it ran,
/// as `--parsable2` and as `--json` (its data_parser v0.0.38, older than the v0.0.40 targeted).
#[test]
fn real_slurm_22_05_output_in_both_formats() {
    let text = include_str!("fixtures/slurm-22.05-parsable2.psv");
    let json = include_str!("fixtures/slurm-22.05-json-v0.0.38.json");
    let from_text = jobs_of(text);
    let ids: Vec<&str> = from_text.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "4", "3_1", "3_2"]);
    assert_eq!(job(&from_text, "1").steps, 2);
    assert_eq!(job(&from_text, "1").total_cpu_s, 0.275);
    assert_eq!(job(&from_text, "4").state, Some(JobState::Cancelled));
    assert!(job(&from_text, "2").is_failed());
    let mut from_json = json_jobs(json);
    from_json.sort_by(|a, b| a.id.cmp(&b.id));
    let ids: Vec<&str> = from_json.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3_1", "3_2", "4"]);
    for j in &from_json {
        let t = job(&from_text, &j.id);
        assert_eq!(j.state, t.state, "{}", j.id);
        assert_eq!(j.elapsed_s, t.elapsed_s, "{}", j.id);
        assert_eq!(
            j.requested_memory_bytes, t.requested_memory_bytes,
            "{}",
            j.id
        );
        assert_eq!(j.steps, t.steps, "{}", j.id);
        // The JSON has microseconds where --parsable2 prints milliseconds.
        assert!((j.total_cpu_s - t.total_cpu_s).abs() < 0.002, "{}", j.id);
    }
}

#[test]
fn parsable_with_a_trailing_bar_reads_like_parsable2() {
    let with_bar = "JobID|Elapsed|State|\n1|01:00:00|COMPLETED|\n1.batch|01:00:00|COMPLETED|\n";
    let jobs = jobs_of(with_bar);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].elapsed_s, 3600.0);
    assert_eq!(jobs[0].steps, 1);
}
