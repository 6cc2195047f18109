//! A stored run as the model's input ([`MeasuredRun`]): the one conversion from the store's
//! record, for every front end (the CLI's `--run`, the server's `run=`, the Python package).

use mlcarbon_model::subject::MeasuredRun;

use crate::RunRecord;

impl RunRecord {
    /// The run as the model's measured-run input: its energy, time and location as stored.
    pub fn measured(&self) -> MeasuredRun {
        let run = self;
        MeasuredRun {
            id: run.id,
            uuid: run.uuid.clone(),
            mlcarbon_version: run.mlcarbon_version.clone(),
            hours: run.elapsed_s() / 3600.0,
            gpu_energy_kwh: run.gpu_energy_kwh,
            it_energy_kwh: run.it_energy_kwh(),
            energy_kwh: run.energy_kwh,
            emissions_kg: run.emissions_kg,
            location_label: run.location_label.clone(),
            provider: run.provider.clone(),
            region: run.region.clone(),
            zone: run.zone.clone(),
            intensity_g_per_kwh: run.intensity_g_per_kwh,
            intensity_origin: run.intensity_origin,
            intensity_source: run.intensity_source.clone(),
            pue: run.pue,
            gpu_model: run.gpu_model.clone(),
            gpu_count: run.gpu_count,
            cpu_model: run.cpu_model.clone(),
            ram_total_gb: run.ram_total_gb,
            progress: run.progress,
        }
    }
}
