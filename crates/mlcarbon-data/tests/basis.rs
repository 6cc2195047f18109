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

#[test]
fn no_direct_value_is_older_than_the_newest_direct_year_of_the_references() {
    let mut with_direct = 0;
    for z in data().zones.iter() {
        let Some(direct) = z.direct_g_per_kwh else {
            assert!(
                z.direct_newest_year.is_none(),
                "{}: the references hold a direct figure but the row has none",
                z.id
            );
            continue;
        };
        with_direct += 1;
        let newest = z
            .direct_newest_year
            .unwrap_or_else(|| panic!("{}: no direct_newest_year", z.id));
        let year = z
            .direct_year
            .unwrap_or_else(|| panic!("{}: direct figure without a year", z.id));
        assert!(
            year >= newest,
            "{}: direct value {direct} of {year} but a {newest} direct figure exists",
            z.id
        );
    }
    assert!(with_direct >= 50, "only {with_direct} direct figures");
}

#[test]
fn frances_direct_figure_is_its_newest_not_the_2022_outage_year() {
    let france = data().zone("FR").expect("FR");
    let direct = france.figure(Basis::Direct).expect("direct figure");
    let lifecycle = france.default_figure();
    assert_eq!(direct.year, 2024);
    assert!(direct.g_per_kwh < lifecycle.g_per_kwh, "{direct:?}");
    // EEA's 2022 figure (74 g/kWh) stays in the range.
    assert!(direct.low <= 74.0 && 74.0 <= direct.high, "{direct:?}");
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

#[test]
fn tpus_are_on_one_chip_basis_with_the_system_figure_apart() {
    let d = data();
    for (id, chip_w, system_w) in [
        ("google-tpu-v2", 280.0, Some(221.0)),
        ("google-tpu-v3", 450.0, Some(283.0)),
        ("google-tpu-v4", 192.0, None),
    ] {
        let h = d.find_hardware(id).expect(id);
        assert_eq!(h.power_kind, Some(mlcarbon_data::PowerKind::Tdp), "{id}");
        assert_eq!(h.power_w, Some(chip_w), "{id}");
        assert_eq!(h.system_power_w, system_w, "{id}");
    }
}

#[test]
fn newer_hardware_regions_and_provider_figures_are_in_the_tables() {
    let d = data();
    let gaudi2 = d.find_hardware("Gaudi 2").expect("Gaudi 2");
    assert_eq!(gaudi2.peak_tflops(), Some((432.0, "BF16 dense")));
    assert_eq!(
        d.find_hardware("GB200").expect("GB200").power_w,
        Some(1200.0)
    );
    assert!(d.find_hardware("GH200").is_ok());
    for (provider, code, zone) in [
        ("aws", "ca-west-1", "CA-AB"),
        ("aws", "il-central-1", "IL"),
        ("aws", "mx-central-1", "MX"),
        ("azure", "israelcentral", "IL"),
        ("azure", "newzealandnorth", "NZ"),
        ("ovhcloud", "GRA11", "FR"),
        ("ovhcloud", "BHS5", "CA-QC"),
    ] {
        let p = d.provider(provider).expect(provider);
        let r = d.find_region(Some(p), code).expect(code);
        assert_eq!(r.zone, zone, "{provider}/{code}");
    }
    let aws = d.provider("aws").expect("aws");
    assert_eq!(
        (aws.pue, aws.pue_source.as_ref()),
        (Some(1.14), "aws-pue-2025")
    );
    let scaleway = d.provider("scaleway").expect("scaleway");
    assert_eq!(
        (scaleway.pue_low, scaleway.pue_high),
        (Some(1.15), Some(1.55))
    );
    let waw = d.find_region(Some(scaleway), "pl-waw").expect("pl-waw");
    assert_eq!(waw.pue, Some(1.51));
    let car = d
        .equivalents
        .iter()
        .find(|e| e.id == "car_km_eu_new")
        .expect("car");
    assert_eq!((car.g_co2e_per_unit, car.year), (106.6, 2023));
}

#[test]
fn family_names_resolve_to_one_variant_with_a_note() {
    let d = data();
    let pick = |q: &str| {
        let m = d.resolve_hardware(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        (
            m.hardware.name.to_string(),
            m.note.unwrap_or_default(),
            m.alternatives.len(),
        )
    };
    // Variants whose power differs: the family default, the assumption stated, the others listed.
    for (query, chosen) in [
        ("A100", "A100 SXM4 80GB"),
        ("H100", "H100 SXM5 80GB"),
        ("h100", "H100 SXM5 80GB"),
        ("V100", "Tesla V100 SXM2 16GB"),
        ("a100 80gb", "A100 SXM4 80GB"),
    ] {
        let (name, note, others) = pick(query);
        assert_eq!(name, chosen, "{query}");
        assert!(
            note.contains("most common data-centre variant"),
            "{query}: {note}"
        );
        assert!(others >= 1, "{query}");
    }
    // Variants sharing their power figure: one taken, and the note says they share it.
    let (name, note, others) = pick("V100 SXM2");
    assert_eq!(name, "Tesla V100 SXM2 16GB");
    assert!(note.contains("same rated power (300 W"), "{note}");
    assert_eq!(others, 1);
    // A named variant needs no note.
    let (name, note, _) = pick("A100 SXM4 40GB");
    assert_eq!((name.as_str(), note.as_str()), ("A100 SXM4 40GB", ""));
    // Memory sizes must match: no 80 GB query lands on a 40 GB card.
    let m = d.resolve_hardware("A100 80GB").expect("A100 80GB");
    for h in std::iter::once(m.hardware).chain(m.alternatives.iter().copied()) {
        assert_eq!(h.memory_gb, Some(80.0), "{}", h.name);
    }
    assert!(d.resolve_hardware("A100 48GB").is_err());
    assert!(
        d.search_hardware("A100 80GB")
            .iter()
            .all(|h| h.memory_gb == Some(80.0))
    );
    // A vendor name is not a family: still a list to choose from.
    let error = d.resolve_hardware("NVIDIA").expect_err("vendor only");
    assert!(error.to_string().contains("name one of them"), "{error}");
}

#[test]
fn water_usage_effectiveness_is_the_providers_own_or_absent() {
    let d = data();
    let aws = d
        .wue("aws", Some("us-east-1"))
        .expect("AWS publishes a fleet WUE");
    assert_eq!((aws.wue_l_per_kwh, aws.year), (0.12, 2025));
    assert!(aws.low <= aws.wue_l_per_kwh && aws.wue_l_per_kwh <= aws.high);
    assert!(d.wue("azure", None).is_some());
    // No sourced figure: absent, not an industry average.
    assert!(d.wue("gcp", Some("us-central1")).is_none());
    assert!(d.wue("coreweave", None).is_none());
    for w in d.water.iter() {
        assert!(d.provider(&w.provider).is_some(), "{}", w.provider);
        assert!(d.source(&w.source).is_some(), "{}", w.source);
    }
}

#[test]
fn tpu_v5e_v5p_v6e_carry_their_cited_throughput_and_memory_and_no_power() {
    let d = data();
    // Google Cloud TPU documentation, as compiled in the references' curated accelerators table.
    for (name, bf16, memory) in [
        ("TPU v5e", 197.0, 16.0),
        ("TPU v5p", 459.0, 95.0),
        ("TPU v6e", 918.0, 32.0),
        ("Trillium", 918.0, 32.0),
    ] {
        let h = d
            .find_hardware(name)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(h.bf16_tflops_dense, Some(bf16), "{name}");
        assert_eq!(h.memory_gb, Some(memory), "{name}");
        assert_eq!((h.power_w, h.power_kind), (None, None), "{name}");
        assert_eq!(h.rated_power(), None, "{name}");
        assert_eq!(h.power_label(), "power not published");
    }
    let v4 = d
        .find_hardware("TPU v4")
        .expect("TPU v4 still resolves alone");
    assert_eq!(v4.id, "google-tpu-v4");
}

#[test]
fn a10g_keeps_its_cited_150_w_and_says_why_not_300() {
    let a10g = data().find_hardware("A10G").expect("A10G");
    assert_eq!(a10g.power_w, Some(150.0));
    assert!(
        a10g.notes.contains("300 W") && a10g.notes.contains("no cited source"),
        "{}",
        a10g.notes
    );
}
