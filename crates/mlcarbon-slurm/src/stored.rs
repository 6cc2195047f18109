//! Stored figures (the store's `slurm_job_figures`) to and from the report's types, so that a
//! report from the database adds stored numbers: the CLI and the web server use these.

use mlcarbon_model::cluster::{EnergyMethod, JobEnergy};
use mlcarbon_model::units::{KgCo2e, KilowattHours, Ranged};
use mlcarbon_store::slurm::{SlurmFiguresRow, SlurmJobNumbers};

use crate::report::{JobFigures, JobKeys, ReportBuilder};

/// A job's figures in the store's columns.
pub fn numbers_of(f: &JobFigures) -> SlurmJobNumbers {
    let e = &f.energy;
    SlurmJobNumbers {
        unfinished: false,
        failed: f.failed,
        method: match e.method {
            EnergyMethod::Modelled => 0,
            EnergyMethod::Measured => 1,
            EnergyMethod::Mixed => 2,
        },
        gpu_utilisation_recorded: e.gpu_utilisation_recorded,
        elapsed_hours: f.elapsed_hours,
        cpu_kwh: e.cpu.value.0,
        gpu_kwh: e.gpu.value.0,
        ram_kwh: e.ram.value.0,
        measured_node_kwh: e.measured_nodes.0,
        energy_kwh: e.energy.value.0,
        energy_low_kwh: e.energy.low.0,
        energy_high_kwh: e.energy.high.0,
        emissions_kg: e.emissions.value.0,
        emissions_low_kg: e.emissions.low.0,
        emissions_high_kg: e.emissions.high.0,
        embodied_kg: f.embodied_kg,
    }
}

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
    let keys = JobKeys {
        id: row.job_id,
        user: row.user,
        account: row.account,
        partition: row.partition,
        state: row.state,
        end: row.end,
        day: row.day,
        gpus: row.gpus,
    };
    builder.add_figures(&keys, &figures_of(&row.numbers));
}
