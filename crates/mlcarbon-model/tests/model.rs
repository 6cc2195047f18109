//! The model against the built-in data: properties of the estimate, and the compatible mode
//! against figures computed by the published calculator's own arithmetic.

use mlcarbon_data::Dataset;
use mlcarbon_data::mlco2::{Mlco2Dataset, Mlco2Edition};
use mlcarbon_model::compat::{Mlco2Intensity, js_round2, mlco2_cleanest_region, mlco2_estimate};
use mlcarbon_model::estimate::{Factor, Provenance};
use mlcarbon_model::{GramsPerKwh, Hours, Job, Load, Location, Ranged, estimate, scenario};
use proptest::prelude::*;

fn data() -> &'static Dataset {
    Dataset::builtin().expect("built-in data")
}

fn job(hardware: &str, count: u32, hours: f64, utilization: Option<f64>) -> Job {
    let d = data();
    let h = d.find_hardware(hardware).expect("hardware");
    Job {
        load: Load::Components {
            components: vec![
                scenario::accelerator_component(d, h, count, utilization).expect("component"),
            ],
        },
        hours: Hours(hours),
    }
}

fn intensity_location(g: f64, spread: f64, pue: f64) -> Location {
    Location {
        basis: mlcarbon_data::Basis::Lifecycle,
        label: "test".into(),
        provider: None,
        region: None,
        zone: None,
        intensity: Factor {
            range: Ranged {
                value: GramsPerKwh(g),
                low: GramsPerKwh(g * (1.0 - spread)),
                high: GramsPerKwh(g * (1.0 + spread)),
            },
            provenance: Provenance::given("grid intensity", format!("{g}")),
        },
        pue: Factor {
            range: Ranged {
                value: pue,
                low: 1.0_f64.min(pue),
                high: pue * 1.1,
            },
            provenance: Provenance::given("PUE", format!("{pue}")),
        },
        offset_percent: None,
        offset_provenance: None,
    }
}

#[test]
fn the_papers_iowa_example_in_exact_arithmetic() {
    // 300 W × 100 h × 736.6 g/kWh, PUE 1, utilization 1: 30 kWh, 22.098 kg.
    let j = job("Tesla V100-SXM2-16GB", 1, 100.0, Some(1.0));
    let mut location = intensity_location(736.6, 0.0, 1.0);
    location.pue.range = Ranged::exact(1.0);
    let e = estimate(&j, &location);
    assert!((e.energy.value.0 - 30.0).abs() < 1e-9);
    assert!((e.emissions.value.0 - 22.098).abs() < 1e-9);
}

#[test]
fn a_real_region_carries_provenance_and_offsets_beside() {
    let d = data();
    let p = d.find_provider("gcp").expect("gcp");
    let r = d.find_region(Some(p), "us-central1").expect("us-central1");
    let location =
        scenario::region_location(d, p, r, mlcarbon_data::Basis::Lifecycle).expect("location");
    assert_eq!(location.zone.as_deref(), Some("US-MIDW-MISO"));
    // The grid's figure, not Google's own: the provider's figure is named in the note.
    assert_ne!(
        location.intensity.provenance.table.as_deref(),
        Some("regions.csv")
    );
    assert_eq!(
        location.intensity.provenance.row.as_deref(),
        Some("US-MIDW-MISO")
    );
    assert!(
        location.intensity.provenance.note.contains("Google"),
        "{}",
        location.intensity.provenance.note
    );
    let e = estimate(&job("A100 SXM4 80GB", 8, 72.0, None), &location);
    let offset = e.offset.expect("gcp states an offset share");
    assert!(
        offset.0 <= e.emissions.value.0 + 1e-12,
        "offset never exceeds emissions"
    );
    assert!(e.emissions.value.0 > 0.0, "offsets are not subtracted");
}

#[test]
fn the_world_average_is_flagged_as_defaulted() {
    let d = data();
    let location = scenario::default_location(d).expect("world");
    assert_eq!(
        location.intensity.provenance.origin,
        mlcarbon_model::Origin::Defaulted
    );
    assert_eq!(
        location.pue.provenance.origin,
        mlcarbon_model::Origin::Defaulted
    );
}

fn check_compat_row(d: &Mlco2Dataset, row: &csv::StringRecord) {
    let field = |i: usize| row.get(i).expect("column");
    let number = |i: usize| field(i).parse::<f64>().expect("number");
    let gpu = d.find_gpu(field(0)).expect("device");
    let region = d
        .regions
        .iter()
        .find(|r| r.provider == field(2) && r.region == field(3))
        .expect("region");
    let result = mlco2_estimate(
        &gpu.name,
        gpu.tdp_watts,
        number(1),
        Mlco2Intensity::Region(region),
    )
    .expect("result");
    let what = format!("{} {} h {}/{}", field(0), field(1), field(2), field(3));
    assert_eq!(result.tdp_w, number(4), "{what}: tdp");
    assert_eq!(result.kwh, number(6), "{what}: kWh");
    assert_eq!(result.kg_per_kwh, number(7), "{what}: kg/kWh");
    assert_eq!(result.kg, number(8), "{what}: kg");
    assert_eq!(result.offset_kg, number(9), "{what}: offset kg");
}

#[test]
fn compat_mode_matches_the_calculators_arithmetic_on_every_region() {
    // Computed by running the calculator's formula in JavaScript over its own impact.csv.
    let expected = include_str!("data/mlco2_expected.csv");
    let d = Mlco2Dataset::builtin(Mlco2Edition::Current).expect("mlco2");
    let mut reader = csv::Reader::from_reader(expected.as_bytes());
    let mut rows = 0;
    for record in reader.records() {
        check_compat_row(&d, &record.expect("row"));
        rows += 1;
    }
    assert!(rows > 2000, "{rows} rows checked");
}

#[test]
fn compat_mode_reproduces_published_figures() {
    let d = Mlco2Dataset::builtin(Mlco2Edition::Current).expect("mlco2");
    let v100 = d.find_gpu("Tesla V100-PCIE-16GB").expect("v100");
    let a100 = d.find_gpu("A100 PCIe 40/80GB").expect("a100");
    let region = |p: &str, r: &str| d.find_region(Some(p), r).expect("region");
    let kg = |g: &mlcarbon_data::mlco2::Mlco2Gpu, hours: f64, p: &str, r: &str| {
        mlco2_estimate(
            &g.name,
            g.tdp_watts,
            hours,
            Mlco2Intensity::Region(region(p, r)),
        )
        .expect("ok")
    };
    // The paper's Iowa vs Quebec example.
    assert_eq!(kg(v100, 100.0, "azure", "centralus").kg, 22.2);
    assert_eq!(kg(v100, 100.0, "azure", "canadaeast").kg, 0.6);
    // Figures published on public model cards.
    let short = kg(a100, 3.0, "gcp", "northamerica-northeast1");
    assert_eq!(
        (short.kg, short.offset_kg, short.offset_percent),
        (0.02, 0.02, 100.0)
    );
    assert_eq!(kg(a100, 10.5, "gcp", "northamerica-northeast1").kg, 0.08);
    // Its cleanest Azure region for the V100 job.
    let (best, result) =
        mlco2_cleanest_region(&d, "azure", &v100.name, v100.tdp_watts, 100.0).expect("best");
    assert_eq!(best.region, "canadaeast");
    assert_eq!(result.kg, 0.6);
}

#[test]
fn compat_mode_uses_a_custom_intensity_as_given() {
    // 250 W × 7 h = 1.75 kWh; 123.4 g/kWh is not truncated: 1.75 × 0.1234 = 0.21595 → 0.22.
    let r = mlco2_estimate(
        "x",
        250.0,
        7.0,
        Mlco2Intensity::Custom {
            g_per_kwh: 123.4,
            offset_percent: 50.0,
        },
    )
    .expect("ok");
    assert_eq!(r.kwh, 1.75);
    assert_eq!(r.kg_per_kwh, 123.4 / 1000.0);
    assert_eq!(r.kg, 0.22);
    assert_eq!(r.offset_kg, 0.11);
}

#[test]
fn the_2019_edition_has_the_papers_quebec_figure() {
    let d = Mlco2Dataset::builtin(Mlco2Edition::Paper2019).expect("2019 data");
    let row = d
        .find_region(Some("gcp"), "northamerica-northeast1")
        .expect("row");
    assert_eq!(row.impact_truncated_g_per_kwh(), Some(20.0));
    let v100 = d.find_gpu("Tesla V100").expect("2019 V100 row");
    assert_eq!(v100.tdp_watts, 300.0);
}

/// JavaScript's toFixed(2) computed independently: the exact decimal expansion of the double
/// (Rust prints it exactly with enough digits), rounded half up on the digits.
fn reference_round2(x: f64) -> f64 {
    let negative = x < 0.0;
    let text = format!("{:.1100}", x.abs());
    let (int_part, frac) = text.split_once('.').expect("decimal point");
    let mut hundredths: u128 = format!("{int_part}{}", &frac[..2]).parse().expect("digits");
    let rest = &frac[2..];
    let first = rest.as_bytes()[0];
    if first >= b'5' {
        hundredths += 1;
    }
    let value: f64 = format!("{}.{:02}", hundredths / 100, hundredths % 100)
        .parse()
        .expect("number");
    if negative { -value } else { value }
}

proptest! {
    #[test]
    fn round2_matches_the_decimal_reference(x in -1.0e9f64..1.0e9) {
        prop_assert_eq!(js_round2(x), reference_round2(x));
    }

    #[test]
    fn round2_on_products_of_cents(a in 0u32..100_000, b in 0u32..100_000) {
        // The calculator's typical input: kWh × kg/kWh, both already rounded to cents.
        let x = f64::from(a) / 100.0 * (f64::from(b) / 100.0);
        prop_assert_eq!(js_round2(x), reference_round2(x));
    }

    #[test]
    fn emissions_grow_with_hours_count_and_intensity(
        hours in 0.01f64..10_000.0,
        extra_hours in 0.0f64..1000.0,
        count in 1u32..64,
        g in 0.0f64..1200.0,
        extra_g in 0.0f64..500.0,
        pue in 1.0f64..2.0,
    ) {
        let base = estimate(&job("A100 SXM4 80GB", count, hours, None), &intensity_location(g, 0.1, pue));
        let longer = estimate(&job("A100 SXM4 80GB", count, hours + extra_hours, None), &intensity_location(g, 0.1, pue));
        let more = estimate(&job("A100 SXM4 80GB", count + 1, hours, None), &intensity_location(g, 0.1, pue));
        let dirtier = estimate(&job("A100 SXM4 80GB", count, hours, None), &intensity_location(g + extra_g, 0.1, pue));
        prop_assert!(longer.emissions.value.0 >= base.emissions.value.0);
        prop_assert!(more.emissions.value.0 >= base.emissions.value.0);
        prop_assert!(dirtier.emissions.value.0 >= base.emissions.value.0);
        prop_assert!(longer.energy.value.0 >= base.energy.value.0);
    }

    #[test]
    fn the_range_contains_the_value(
        hours in 0.01f64..10_000.0,
        count in 1u32..64,
        utilization in proptest::option::of(0.01f64..=1.0),
        g in 0.0f64..1200.0,
        spread in 0.0f64..0.9,
        pue in 1.0f64..2.0,
        hardware in proptest::sample::select(vec!["A100 SXM4 80GB", "TPU v3", "T4", "H100 SXM5 80GB"]),
    ) {
        let e = estimate(&job(hardware, count, hours, utilization), &intensity_location(g, spread, pue));
        prop_assert!(e.energy.low.0 <= e.energy.value.0 && e.energy.value.0 <= e.energy.high.0);
        prop_assert!(e.emissions.low.0 <= e.emissions.value.0 && e.emissions.value.0 <= e.emissions.high.0);
        prop_assert!(e.emissions.low.0 >= 0.0);
    }

    #[test]
    fn every_region_of_the_data_gives_a_sane_estimate(index in 0usize..10_000) {
        let d = data();
        let region = &d.regions[index % d.regions.len()];
        let provider = d.provider(&region.provider).expect("provider");
        // Every region has a figure on one basis at least: life-cycle, else direct.
        let location = scenario::region_location(d, provider, region, mlcarbon_data::Basis::Lifecycle)
            .or_else(|_| scenario::region_location(d, provider, region, mlcarbon_data::Basis::Direct))
            .expect("location");
        let e = estimate(&job("A100 SXM4 80GB", 1, 10.0, None), &location);
        prop_assert!(e.emissions.value.0.is_finite() && e.emissions.value.0 >= 0.0);
        prop_assert!(e.pue.value >= 1.0);
        prop_assert!(e.emissions.low.0 <= e.emissions.value.0 && e.emissions.value.0 <= e.emissions.high.0);
    }
}

#[test]
fn cleanest_region_is_computed_as_the_page_does() {
    // The page takes the first row with the lowest integer intensity and does not round the
    // intensity to 0.01 kg/kWh first: 30 kWh at GCP's lowest row must not be rounded to 0.02.
    let d = Mlco2Dataset::builtin(Mlco2Edition::Current).expect("mlco2");
    let (row, result) = mlco2_cleanest_region(&d, "gcp", "V100", 300.0, 100.0).expect("gcp rows");
    let lowest = d
        .provider_regions("gcp")
        .filter_map(|r| r.impact_truncated_g_per_kwh())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(row.impact_truncated_g_per_kwh(), Some(lowest));
    assert_eq!(result.kg, js_round2(30.0 * lowest / 1000.0));
}

#[test]
fn round2_of_huge_values_is_still_the_nearest_decimal() {
    let x = 123_456_789_012_345.67_f64;
    assert_eq!(js_round2(x), reference_round2(x));
}

proptest! {
    #[test]
    fn ranked_cleanest_regions_equal_the_exhaustive_search(
        hours in 0.01f64..10_000.0,
        count in 1u32..64,
        hardware in proptest::sample::select(vec!["A100 SXM4 80GB", "TPU v3", "T4"]),
    ) {
        let d = data();
        let j = job(hardware, count, hours, None);
        let baseline = estimate(&j, &intensity_location(100.0, 0.1, 1.2));
        let ranked = mlcarbon_model::compare::cleanest_per_provider(d, &j, &baseline).expect("ranked");
        for best in &ranked {
            let provider = d.provider(best.provider.as_deref().expect("provider")).expect("known");
            let all = mlcarbon_model::compare::provider_regions(d, &j, &baseline, provider).expect("all");
            prop_assert_eq!(&all[0].label, &best.label);
            prop_assert_eq!(all[0].estimate.emissions.value.0, best.estimate.emissions.value.0);
        }
        let zones = mlcarbon_model::compare::cleanest_zones(d, &j, &baseline, &intensity_location(1.0, 0.0, 1.3).pue, 5, |_| true)
            .expect("zones");
        let mut exhaustive: Vec<(f64, String)> = d
            .zones
            .iter()
            .filter(|z| z.kind != mlcarbon_data::ZoneKind::World)
            .map(|z| (z.intensity_g_per_kwh, z.id.to_string()))
            .collect();
        exhaustive.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        let ids: Vec<String> = zones.iter().map(|z| z.zone.clone().expect("zone")).collect();
        let expected: Vec<String> = exhaustive.iter().take(5).map(|(_, id)| id.clone()).collect();
        prop_assert_eq!(ids, expected);
    }
}
