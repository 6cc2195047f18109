//! Runs written by another tracker that reports intervals with its own totals (CodeCarbon
//! clients posting to `mlcarbon serve`): the store numbers each interval, adds it to the run's
//! cumulative figures and derives the interval's intensity, in one transaction, so that two
//! requests for one run never read the same totals.

use rusqlite::{OptionalExtension, params};

use crate::store::{check_timestamp, declared_components, finite_non_negative, insert_sample};
use crate::{ReportedInterval, RunId, SampleRow, Store, StoreError};

impl Store {
    /// The id of the run with this uuid, if one is stored.
    pub fn run_id_by_uuid(&self, uuid: &str) -> Result<Option<RunId>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT id FROM runs WHERE uuid = ?1", [uuid], |row| {
                row.get(0)
            })
            .optional()?)
    }

    /// Appends `interval` as the run's next sample: numbered after the last one, at the time
    /// the samples covered so far plus its duration, its energy and emissions added to the
    /// run's totals, its intensity their ratio (the run's intensity when no energy was used).
    /// The run's sampling interval becomes the longest interval reported, so that readers on
    /// other hosts wait that long before they take the run as abandoned; its intensity is set
    /// by the first interval that used energy. Returns the sample stored.
    pub fn add_reported_interval(
        &self,
        run: RunId,
        interval: &ReportedInterval,
    ) -> Result<SampleRow, StoreError> {
        check_timestamp("interval timestamp", &interval.timestamp)?;
        for (field, value) in [
            ("interval duration_s", interval.duration_s),
            ("interval energy_kwh", interval.energy_kwh),
            ("interval emissions_kg", interval.emissions_kg),
        ] {
            finite_non_negative(field, value)?;
        }
        let tx = self.write()?;
        let totals = tx
            .query_row(
                "SELECT sample_count, coalesce(last_t_s, 0), energy_kwh, emissions_kg,
                     intensity_g_per_kwh
                 FROM runs WHERE id = ?1",
                [run],
                |row| {
                    Ok((
                        row.get::<_, u64>(0)?,
                        row.get::<_, f64>(1)?,
                        row.get::<_, f64>(2)?,
                        row.get::<_, f64>(3)?,
                        row.get::<_, f64>(4)?,
                    ))
                },
            )
            .optional()?;
        let Some((count, last_t_s, energy_kwh, emissions_kg, run_intensity)) = totals else {
            return Err(StoreError::NotFound(run));
        };
        let intensity = if interval.energy_kwh > 0.0 {
            // kg/kWh to g/kWh
            interval.emissions_kg / interval.energy_kwh * 1000.0
        } else {
            run_intensity
        };
        let sample = SampleRow {
            seq: count,
            t_s: last_t_s + interval.duration_s,
            timestamp: interval.timestamp.clone(),
            intensity_g_per_kwh: intensity,
            total_power_w: interval.components.iter().map(|c| c.power_w).sum(),
            components: interval.components.clone(),
            energy_kwh: energy_kwh + interval.energy_kwh,
            emissions_kg: emissions_kg + interval.emissions_kg,
            cpu_utilization: interval.cpu_utilization,
            gpu_utilization: interval.gpu_utilization,
            ram_used_gb: interval.ram_used_gb,
        };
        crate::store::validate_sample(&sample)?;
        let declared = declared_components(&tx, run)?;
        insert_sample(&tx, run, &sample, &declared)?;
        tx.execute(
            "UPDATE runs SET
                 interval_s = CASE WHEN ?2 = 0 THEN ?3 ELSE max(interval_s, ?3) END,
                 intensity_g_per_kwh = CASE WHEN ?2 = 0 OR intensity_g_per_kwh = 0 THEN ?4
                     ELSE intensity_g_per_kwh END
             WHERE id = ?1",
            params![run, count, interval.duration_s, intensity],
        )?;
        tx.commit()?;
        Ok(sample)
    }
}
