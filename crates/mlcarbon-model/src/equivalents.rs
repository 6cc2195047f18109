//! Emissions expressed in familiar units (km by car, smartphone charges, tree-years).

use mlcarbon_data::Equivalent;
use serde::Serialize;

use crate::units::KgCo2e;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EquivalentAmount {
    pub id: String,
    pub name: String,
    pub amount: f64,
    pub unit: String,
    pub g_co2e_per_unit: f64,
    pub source: String,
    pub year: u16,
}

/// amount = emissions (g) / grams of CO2e per unit.
pub fn equivalents(emissions: KgCo2e, table: &[Equivalent]) -> Vec<EquivalentAmount> {
    table
        .iter()
        .filter(|e| e.g_co2e_per_unit > 0.0)
        .map(|e| EquivalentAmount {
            id: e.id.to_string(),
            name: e.name.to_string(),
            amount: emissions.0 * 1000.0 / e.g_co2e_per_unit,
            unit: e.unit.to_string(),
            g_co2e_per_unit: e.g_co2e_per_unit,
            source: e.source.to_string(),
            year: e.year,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divides_grams_by_grams_per_unit() {
        let table = vec![Equivalent {
            id: "car_km".into(),
            name: "km by car".into(),
            g_co2e_per_unit: 175.0,
            unit: "km".into(),
            source: "s".into(),
            year: 2019,
            notes: Default::default(),
        }];
        let out = equivalents(KgCo2e(17.5), &table);
        assert!((out[0].amount - 100.0).abs() < 1e-9);
    }
}
