//! The grid figures issue 9 asks for: one basis per figure, current central values, ranges that
//! hold the references' recent figures, regions of one city on one grid agreeing.

use std::collections::BTreeMap;

use mlcarbon_data::{Basis, Dataset, Region, Zone, ZoneFigure};

fn data() -> &'static Dataset {
    Dataset::builtin().expect("built-in dataset")
}

/// Life-cycle floor of a range: onshore wind's life-cycle intensity (IPCC AR5 median, 11 g/kWh).
const LIFECYCLE_FLOOR: f64 = 11.0;

#[test]
fn no_central_value_is_older_than_the_newest_year_its_table_could_use() {
    for z in data().zones.iter() {
        let newest = z
            .newest_year
            .unwrap_or_else(|| panic!("{}: no newest_year", z.id));
        assert!(
            z.year >= newest,
            "{}: value of {} but a {newest} figure exists",
            z.id,
            z.year
        );
    }
}

fn check_range(zone: &Zone, f: &ZoneFigure) {
    assert!(
        f.low <= f.g_per_kwh && f.g_per_kwh <= f.high,
        "{} {:?}: {} outside {}-{}",
        zone.id,
        f.basis,
        f.g_per_kwh,
        f.low,
        f.high
    );
    let floor = match f.basis {
        Basis::Lifecycle => LIFECYCLE_FLOOR.min(f.g_per_kwh),
        Basis::Direct => 0.0,
    };
    assert!(
        f.low >= floor,
        "{} {:?}: low {} below {floor}",
        zone.id,
        f.basis,
        f.low
    );
}

#[test]
fn every_figure_sits_in_its_range_above_the_physical_floor() {
    for z in data().zones.iter() {
        let mut n = 0;
        for f in z.figures() {
            check_range(z, &f);
            n += 1;
        }
        assert!(n >= 1, "{}: no figure", z.id);
    }
}

#[test]
fn share_alike_ranges_widen_their_zone() {
    let d = data();
    assert!(!d.zone_ranges_sharealike.is_empty());
    for w in d.zone_ranges_sharealike.iter() {
        let z = d.zone(&w.zone).unwrap_or_else(|| panic!("{}", w.zone));
        let f = z
            .figure(w.basis)
            .unwrap_or_else(|| panic!("{} {:?}", w.zone, w.basis));
        assert!(f.low <= w.low && w.high <= f.high, "{} not widened", w.zone);
        assert!(["ODbL-1.0", "CC-BY-SA-4.0"].contains(&w.license.as_ref()));
    }
}

fn default_figure<'d>(d: &'d Dataset, r: &'d Region) -> ZoneFigure<'d> {
    let zone = d
        .zone(&r.zone)
        .unwrap_or_else(|| panic!("{}: zone", r.label()));
    d.region_figure(r, zone.default_figure().basis)
        .unwrap_or_else(|| panic!("{}: no figure", r.label()))
        .figure
}

#[test]
fn a_regions_default_figure_is_its_zones_never_the_providers() {
    let d = data();
    for r in d.regions.iter() {
        let zone = d.zone(&r.zone).expect("zone");
        let f = default_figure(d, r);
        assert_eq!(f.g_per_kwh, zone.intensity_g_per_kwh, "{}", r.label());
        assert!(f.low <= zone.low && zone.high <= f.high, "{}", r.label());
        for other in r.range_zones.iter() {
            assert!(d.zone(other).is_some(), "{}: range zone {other}", r.label());
        }
        // The provider's own figure, on its basis, is inside that basis' range.
        if let (Some(g), Some(basis)) = (r.provider_intensity_g_per_kwh, r.provider_basis) {
            let on_basis = d
                .region_figure(r, basis)
                .expect("figure on the provider's basis");
            assert!(
                on_basis.figure.low <= g && g <= on_basis.figure.high,
                "{}: provider figure {g} outside its basis' range",
                r.label()
            );
        }
    }
}

/// Cities where providers' sites are on different grids; none today.
const CITY_EXCEPTIONS: &[&str] = &[];

#[test]
fn regions_of_different_providers_in_one_city_agree_within_25_percent() {
    let d = data();
    let mut cities: BTreeMap<String, Vec<(&Region, f64)>> = BTreeMap::new();
    for r in d.regions.iter() {
        let city = r
            .location
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_lowercase();
        if city.is_empty() || CITY_EXCEPTIONS.contains(&city.as_str()) {
            continue;
        }
        cities
            .entry(city)
            .or_default()
            .push((r, default_figure(d, r).g_per_kwh));
    }
    let mut checked = 0;
    for (city, regions) in &cities {
        let mut providers: Vec<&str> = regions.iter().map(|(r, _)| r.provider.as_ref()).collect();
        providers.sort_unstable();
        providers.dedup();
        if providers.len() < 2 {
            continue;
        }
        checked += 1;
        let max = regions.iter().map(|(_, g)| *g).fold(f64::MIN, f64::max);
        let min = regions.iter().map(|(_, g)| *g).fold(f64::MAX, f64::min);
        let labels: Vec<String> = regions
            .iter()
            .map(|(r, g)| format!("{} {g}", r.label()))
            .collect();
        assert!(max / min <= 1.25, "{city}: {}", labels.join(", "));
    }
    assert!(checked >= 30, "only {checked} shared cities");
}

#[derive(serde::Deserialize)]
struct ReferenceFigure {
    place: String,
    basis: Basis,
    g_per_kwh: f64,
    year: u16,
    source: String,
}

/// `provider/region` or `zone/ID` to the figure on `basis` it stands for.
fn place_figure<'d>(d: &'d Dataset, place: &str, basis: Basis) -> ZoneFigure<'d> {
    let (kind, id) = place.split_once('/').expect("kind/id");
    if kind == "zone" {
        let z = d.zone(id).expect(id);
        return z.figure(basis).unwrap_or_else(|| z.default_figure());
    }
    let provider = d.provider(kind).expect(kind);
    let region = d.find_region(Some(provider), id).expect(id);
    d.region_figure(region, basis)
        .unwrap_or_else(|| panic!("{place} {basis:?}"))
        .figure
}

#[test]
fn ranges_hold_the_2023_2024_figures_of_electricity_maps_ember_and_the_provider() {
    let d = data();
    let text = include_str!("fixtures/reference_figures_2023_2024.csv");
    let mut by_place: BTreeMap<String, Vec<ReferenceFigure>> = BTreeMap::new();
    for row in csv::Reader::from_reader(text.as_bytes()).deserialize() {
        let row: ReferenceFigure = row.expect("fixture row");
        by_place.entry(row.place.clone()).or_default().push(row);
    }
    assert!(by_place.len() >= 11);
    for (place, rows) in &by_place {
        for r in rows {
            let f = place_figure(d, place, r.basis);
            assert!(
                f.low <= r.g_per_kwh && r.g_per_kwh <= f.high,
                "{place}: {} {} ({}) outside {:?} range {}-{}",
                r.g_per_kwh,
                r.year,
                r.source,
                r.basis,
                f.low,
                f.high
            );
        }
        // Central value against the median of the life-cycle references of the place.
        let mut values: Vec<f64> = rows
            .iter()
            .filter(|r| r.basis == Basis::Lifecycle)
            .map(|r| r.g_per_kwh)
            .collect();
        if values.is_empty() {
            continue;
        }
        values.sort_by(f64::total_cmp);
        let median = if values.len() % 2 == 1 {
            values[values.len() / 2]
        } else {
            (values[values.len() / 2 - 1] + values[values.len() / 2]) / 2.0
        };
        let central = place_figure(d, place, Basis::Lifecycle).g_per_kwh;
        assert!(
            (central - median).abs() <= 0.35 * median,
            "{place}: central {central} vs median {median}"
        );
    }
}

#[test]
fn the_basis_names_people_type_parse() {
    assert_eq!(Basis::parse("Life-cycle"), Ok(Basis::Lifecycle));
    assert_eq!(Basis::parse("direct"), Ok(Basis::Direct));
    let error = Basis::parse("market").expect_err("not a basis");
    assert!(
        error.contains("lifecycle") && error.contains("direct"),
        "{error}"
    );
}
