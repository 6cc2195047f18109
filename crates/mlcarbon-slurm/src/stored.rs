//! Stored figures (the store's `slurm_job_figures`) to and from the report's types, so that a
//! report from the database adds stored numbers: the CLI and the web server use these.

use mlcarbon_model::cluster::{EnergyMethod, JobEnergy};
use mlcarbon_model::units::{KgCo2e, KilowattHours, Ranged};
use mlcarbon_store::slurm::{SlurmFiguresRow, SlurmJobNumbers};
use mlcarbon_store::{Store, StoreError};

use crate::job::GroupingCounts;
use crate::report::{JobFigures, JobKeys, ReportBuilder, SlurmReport};

pub use crate::report::numbers_of;

/// Stored figures as the report adds them: the components' ranges are not stored (a report
/// totals only their values).
pub fn figures_of(n: &SlurmJobNumbers) -> JobFigures {
    let kwh = |v: f64| Ranged::exact(KilowattHours(v));
    let it = n.cpu_kwh + n.gpu_kwh + n.ram_kwh + n.measured_node_kwh;
    JobFigures {
        energy: JobEnergy {
            method: match n.method {
                1 => EnergyMethod::Measured,
                2 => EnergyMethod::Mixed,
                3 => EnergyMethod::Tracked,
                _ => EnergyMethod::Modelled,
            },
            cpu: kwh(n.cpu_kwh),
            gpu: kwh(n.gpu_kwh),
            ram: kwh(n.ram_kwh),
            measured_nodes: KilowattHours(n.measured_node_kwh),
            gpu_utilisation_recorded: n.gpu_utilisation_recorded,
            it_energy: kwh(it),
            energy: Ranged {
                value: KilowattHours(n.energy_kwh),
                low: KilowattHours(n.energy_low_kwh),
                high: KilowattHours(n.energy_high_kwh),
            },
            emissions: Ranged {
                value: KgCo2e(n.emissions_kg),
                low: KgCo2e(n.emissions_low_kg),
                high: KgCo2e(n.emissions_high_kg),
            },
        },
        failed: n.failed,
        elapsed_hours: n.elapsed_hours,
        embodied_kg: n.embodied_kg,
    }
}

/// Adds one stored job to a report: its figures, or its count as unfinished.
pub fn add_stored(builder: &mut ReportBuilder<'_>, row: &SlurmFiguresRow<'_>) {
    if row.numbers.unfinished {
        builder.add_unfinished();
        return;
    }
    builder.add_figures(&stored_keys(row), &figures_of(&row.numbers));
}

/// The report of the jobs stored for `cluster` (every cluster when `None`) from the totals
/// the store keeps per group (user, account, partition, month, state), and the top jobs from
/// its index by emissions: a few thousand rows read instead of one per job. The same figures
/// as adding every job with [`add_stored`]. `None` when those totals cannot answer: the
/// window does not start and end on month boundaries, or some jobs' figures were computed
/// with another cluster description than `fingerprint` (or none); then `builder` is spent
/// and the caller adds the jobs one by one. Jobs the builder has tracker figures for
/// ([`ReportBuilder::with_tracked`]) are corrected job by job: the report equals adding every
/// job with the same builder.
pub fn report_from_group_totals(
    store: &Store,
    cluster: Option<&str>,
    fingerprint: &str,
    mut builder: ReportBuilder<'_>,
) -> Result<Option<SlurmReport>, StoreError> {
    if !builder.filter().on_month_boundaries() {
        return Ok(None);
    }
    struct Stale;
    let jobs = store.each_slurm_totals(cluster, |group| {
        if group.description != fingerprint {
            return Err(Stale);
        }
        let keys = JobKeys {
            id: "",
            user: group.user,
            account: group.account,
            partition: group.partition,
            state: group.state,
            end: "",
            day: group.month,
            gpus: 0,
        };
        builder.add_group_sums(&keys, &group.sums, group.unfinished_jobs);
        Ok(())
    })?;
    let Ok(jobs) = jobs else {
        return Ok(None);
    };
    // Jobs mlcarbon's tracker measured: their stored figures leave their groups, the
    // tracker's come in, and they are ranked for the top jobs with the figures they count with.
    let tracked = builder.tracked();
    let tracked_ids: Vec<&str> = tracked.map(|t| t.ids().collect()).unwrap_or_default();
    let replaced = store.each_slurm_figures_of(cluster, &tracked_ids, |row| {
        if row.description != fingerprint {
            return Err(Stale);
        }
        if !row.numbers.unfinished {
            builder.replace_stored(&stored_keys(row), &figures_of(&row.numbers));
        }
        Ok(())
    })?;
    if replaced.is_err() {
        return Ok(None);
    }
    let filter = builder.filter().clone();
    let top = builder.top();
    // As many more as there are tracked jobs, since those are skipped here.
    store
        .each_top_slurm_figures(
            cluster,
            filter.since.as_deref(),
            filter.until.as_deref(),
            top.saturating_add(tracked_ids.len()),
            |row| {
                if tracked.is_none_or(|t| t.get(row.job_id).is_none()) {
                    builder.consider_top(&stored_keys(row), &figures_of(&row.numbers));
                }
                Ok::<_, std::convert::Infallible>(())
            },
        )?
        .unwrap_or_else(|never| match never {});
    Ok(Some(builder.finish(GroupingCounts {
        rows: jobs,
        jobs,
        repeated_rows: 0,
    })))
}

/// What a report groups and lists a stored job by.
fn stored_keys<'a>(row: &SlurmFiguresRow<'a>) -> JobKeys<'a> {
    JobKeys {
        id: row.job_id,
        user: row.user,
        account: row.account,
        partition: row.partition,
        state: row.state,
        end: row.end,
        day: row.day,
        gpus: row.gpus,
    }
}
