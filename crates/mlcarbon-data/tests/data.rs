//! The built-in tables: complete, traceable, free of duplicates, and sane.

use std::collections::HashSet;

use mlcarbon_data::mlco2::{Mlco2Dataset, Mlco2Edition};
use mlcarbon_data::{Dataset, HardwareKind, LookupError, Table, ZoneKind};

fn data() -> &'static Dataset {
    Dataset::builtin().expect("built-in dataset loads")
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

#[test]
fn every_row_names_a_known_source_and_a_year() {
    let d = data();
    let known: HashSet<&str> = d.sources.iter().map(|s| s.id.as_ref()).collect();
    let check = |table: &str, key: &str, source: &str, year: u16| {
        assert!(
            known.contains(source),
            "{table} row {key}: unknown source `{source}`"
        );
        assert!(
            (1990..=2026).contains(&year),
            "{table} row {key}: year {year}"
        );
    };
    for h in d.hardware.iter() {
        check("hardware", &h.id, &h.source, h.year);
    }
    for z in d.zones.iter() {
        check("zones", &z.id, &z.source, z.year);
    }
    for r in d.regions.iter() {
        check("regions", &r.label(), &r.source, r.year);
    }
    for p in d.providers.iter() {
        check("providers", &p.id, &p.source, p.year);
    }
    for c in d.constants.iter() {
        check("constants", &c.id, &c.source, c.year);
    }
    for e in d.equivalents.iter() {
        check("equivalents", &e.id, &e.source, e.year);
    }
    for c in d.cpus().expect("cpus parse") {
        check("cpus", &c.name, &c.source, c.year);
    }
    for s in d.sources.iter() {
        assert!(!s.license.is_empty(), "source {} has no licence", s.id);
        assert!(!s.title.is_empty(), "source {} has no title", s.id);
    }
}

#[test]
fn sizes_meet_the_coverage_the_issue_asks_for() {
    let d = data();
    let accelerators = d
        .hardware
        .iter()
        .filter(|h| h.kind != HardwareKind::Cpu)
        .count();
    assert!(d.hardware.len() >= 60, "{} hardware rows", d.hardware.len());
    assert!(accelerators >= 55, "{accelerators} accelerators");
    assert!(d.cpus().expect("cpus").len() >= 1000);
    let countries = d
        .zones
        .iter()
        .filter(|z| z.kind == ZoneKind::Country)
        .count();
    assert!(countries >= 200, "{countries} countries");
    assert!(d.regions.len() >= 150, "{} regions", d.regions.len());
    for provider in [
        "aws",
        "gcp",
        "azure",
        "ovhcloud",
        "scaleway",
        "alibaba",
        "coreweave",
    ] {
        assert!(
            d.provider_regions(provider).count() > 0,
            "no regions for {provider}"
        );
    }
    for id in [
        "US-IA",
        "US-CA",
        "CA-QC",
        "CA-ON",
        "AU-NSW",
        "AU-VIC",
        "US-CAL-CISO",
        "NO-NO1",
        "WORLD",
    ] {
        assert!(d.zone(id).is_some(), "zone {id} missing");
    }
    let states = d
        .zones
        .iter()
        .filter(|z| z.id.starts_with("US-") && z.kind == ZoneKind::State)
        .count();
    assert!(states >= 51, "{states} US states (+DC)");
}

#[test]
fn ids_and_aliases_are_unique() {
    let d = data();
    let mut seen = HashSet::new();
    for h in d.hardware.iter() {
        assert!(seen.insert(lower(&h.id)), "duplicate hardware id {}", h.id);
    }
    let mut names = HashSet::new();
    for h in d.hardware.iter() {
        let own: HashSet<String> = std::iter::once(&h.name)
            .chain(h.aliases.iter())
            .map(|k| lower(k))
            .collect();
        for key in own {
            assert!(
                names.insert(key.clone()),
                "hardware name/alias `{key}` on two rows"
            );
        }
    }
    let mut zone_keys = HashSet::new();
    for z in d.zones.iter() {
        assert!(zone_keys.insert(lower(&z.id)), "duplicate zone id {}", z.id);
    }
    for z in d.zones.iter() {
        for alias in z.aliases.iter() {
            let is_other_id = d
                .zones
                .iter()
                .any(|o| o.id != z.id && lower(&o.id) == lower(alias));
            assert!(
                !is_other_id,
                "alias `{alias}` of {} is another zone's id",
                z.id
            );
        }
    }
    let mut regions = HashSet::new();
    for r in d.regions.iter() {
        assert!(regions.insert(r.label()), "duplicate region {}", r.label());
        assert!(
            d.zone(&r.zone).is_some(),
            "region {} names unknown zone {}",
            r.label(),
            r.zone
        );
        assert!(
            d.provider(&r.provider).is_some(),
            "region {} names unknown provider",
            r.label()
        );
    }
    let mut cpus = HashSet::new();
    for c in d.cpus().expect("cpus") {
        assert!(cpus.insert(c.name.as_ref()), "duplicate CPU {}", c.name);
    }
}

#[test]
fn figures_are_physically_plausible() {
    let d = data();
    for h in d.hardware.iter() {
        // A row without power is one whose vendor publishes none, and it says so.
        let Some(w) = h.power_w else {
            assert!(
                h.power_kind.is_none(),
                "{}: a power kind without power",
                h.id
            );
            assert!(
                h.notes.contains("publishes no power figure"),
                "{}: no power and no note saying why",
                h.id
            );
            continue;
        };
        assert!(h.power_kind.is_some(), "{}: power without its kind", h.id);
        assert!(w > 0.0 && w <= 2000.0, "{} power {w}", h.id);
    }
    for z in d.zones.iter() {
        assert!(
            z.intensity_g_per_kwh >= 0.0 && z.intensity_g_per_kwh < 1500.0,
            "{}",
            z.id
        );
        assert!(
            z.low <= z.intensity_g_per_kwh && z.intensity_g_per_kwh <= z.high,
            "{} range",
            z.id
        );
    }
    for p in d.providers.iter() {
        if let Some(pue) = p.pue {
            assert!((1.0..2.0).contains(&pue), "{} PUE {pue}", p.id);
        }
    }
    for r in d.regions.iter() {
        if let Some(pue) = r.pue {
            assert!((1.0..2.0).contains(&pue), "{} PUE {pue}", r.label());
        }
    }
    for c in d.cpus().expect("cpus") {
        assert!(
            c.tdp_w > 0.0 && c.tdp_w < 1000.0,
            "{} tdp {}",
            c.name,
            c.tdp_w
        );
    }
}

#[test]
fn sanity_values_from_the_literature() {
    let d = data();
    let g = |id: &str| d.zone(id).expect(id).intensity_g_per_kwh;
    assert!((30.0..=90.0).contains(&g("FR")), "France {}", g("FR"));
    assert!((550.0..=800.0).contains(&g("PL")), "Poland {}", g("PL"));
    assert!(g("CA-QC") < 40.0, "Quebec {}", g("CA-QC"));
    assert!(
        (440.0..=500.0).contains(&g("WORLD")),
        "world {}",
        g("WORLD")
    );
    let a100 = d.find_hardware("A100 SXM4 80GB").expect("A100");
    assert_eq!(a100.power_w, Some(400.0));
    let h100 = d.find_hardware("H100 SXM5 80GB").expect("H100");
    assert_eq!(h100.power_w, Some(700.0));
    let ram = d.constant("ram_w_per_gb").expect("ram constant");
    assert!((0.3..=0.4).contains(&ram.value));
}

#[test]
fn known_upstream_errors_are_fixed() {
    let d = data();
    let pcie = d
        .find_hardware("Tesla V100-PCIE-16GB")
        .expect("V100 PCIe by the calculator's name");
    assert_eq!(
        pcie.power_w,
        Some(250.0),
        "V100 PCIe is 250 W per NVIDIA's datasheet"
    );
    let sxm2 = d.find_hardware("Tesla V100-SXM2-16GB").expect("V100 SXM2");
    assert_eq!(sxm2.power_w, Some(300.0), "V100 SXM2 is 300 W");
    let gtx750 = d.find_hardware("GTX 750").expect("GTX 750");
    assert!(gtx750.power_w.is_some_and(|w| w < 100.0));
}

#[test]
fn every_device_of_the_published_calculator_is_an_alias() {
    let d = data();
    let mlco2 = Mlco2Dataset::builtin(Mlco2Edition::Current).expect("mlco2 loads");
    assert!(mlco2.gpus.len() >= 40);
    for gpu in &mlco2.gpus {
        let found = d.hardware.iter().any(|h| {
            h.name.eq_ignore_ascii_case(&gpu.name) || h.aliases.iter().any(|a| a == &gpu.name)
        });
        assert!(found, "calculator device `{}` has no row", gpu.name);
    }
}

#[test]
fn lookups_by_id_alias_and_fuzzy_name() {
    let d = data();
    assert_eq!(
        d.find_hardware("a100 sxm4 80gb").expect("a100").id,
        "nvidia-a100-sxm4-80gb"
    );
    assert!(
        d.find_hardware("tpu v3")
            .expect("tpu v3")
            .name
            .contains("v3")
    );
    assert_eq!(d.find_zone("Quebec").expect("Quebec").id, "CA-QC");
    assert_eq!(d.find_zone("FR").expect("FR").id, "FR");
    assert_eq!(d.find_zone("FRA").expect("FRA").id, "FR");
    assert_eq!(d.find_zone("france").expect("france").id, "FR");
    assert_eq!(d.find_zone("us-ia").expect("US-IA").id, "US-IA");
    assert_eq!(
        d.find_region(None, "us-east-1")
            .expect("us-east-1")
            .provider,
        "aws"
    );
    assert_eq!(
        d.find_region(None, "us-east1").expect("us-east1").provider,
        "gcp"
    );
    let gcp = d.find_provider("google").expect("google");
    assert_eq!(
        d.find_region(Some(gcp), "europe-west4")
            .expect("ew4")
            .region,
        "europe-west4"
    );
    // A family name resolves to one variant, the others listed (issue 9); a word without a
    // model number still lists the candidates.
    let v100 = d.resolve_hardware("v100").expect("v100");
    assert!(v100.alternatives.len() >= 2 && v100.note.is_some());
    for query in ["v100", "Tesla"] {
        match d.find_hardware(query) {
            Err(LookupError::Ambiguous { candidates, .. }) => assert!(candidates.len() >= 2),
            other => panic!("{query} should be ambiguous for find_hardware, got {other:?}"),
        }
    }
    match d.find_hardware("A100 SXMM") {
        Err(LookupError::NotFound { suggestions, .. }) => {
            assert!(
                suggestions.iter().any(|s| s.contains("A100")),
                "{suggestions:?}"
            )
        }
        other => panic!("expected did-you-mean, got {other:?}"),
    }
    match d.find_zone("Frnce") {
        Err(LookupError::NotFound { suggestions, .. }) => {
            assert!(
                suggestions.iter().any(|s| s.contains("FR")),
                "{suggestions:?}"
            )
        }
        other => panic!("expected did-you-mean, got {other:?}"),
    }
}

#[test]
fn a_folder_table_replaces_the_builtin_one() {
    let hardware = "id,name,aliases,vendor,kind,power_w,power_kind,memory_gb,fp32_tflops,fp16_tflops_dense,bf16_tflops_dense,release_year,source,year,notes\n\
        test-x,Test X,,Acme,gpu,123,tdp,,,,,,mlco2-impact,2024,\n";
    let d = Dataset::from_texts("custom", |t| {
        (t == Table::Hardware).then(|| hardware.to_string())
    })
    .expect("custom table loads");
    assert_eq!(d.hardware.len(), 1);
    assert_eq!(
        d.find_hardware("test x").expect("custom row").power_w,
        Some(123.0)
    );
    assert!(d.zones.len() > 300, "other tables stay built-in");
}

#[test]
fn a_malformed_table_is_a_typed_error() {
    let broken = "id,name\nonly,two\n";
    let error = Dataset::from_texts("broken", |t| {
        (t == Table::Zones).then(|| broken.to_string())
    })
    .expect_err("must not load");
    assert!(error.to_string().contains("zones.csv"), "{error}");
}

#[test]
fn missing_constants_are_refused() {
    let constants = "id,value,unit,low,high,source,year,notes\n";
    let error = Dataset::from_texts("no-constants", |t| {
        (t == Table::Constants).then(|| constants.to_string())
    })
    .expect_err("must not load");
    assert!(error.to_string().contains("missing constant"), "{error}");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn lookups_never_panic(query in ".{0,40}") {
            let d = data();
            let _ = d.find_hardware(&query);
            let _ = d.find_zone(&query);
            let _ = d.find_region(None, &query);
            let _ = d.find_provider(&query);
            let _ = d.search_hardware(&query);
        }

        #[test]
        fn any_table_text_loads_or_fails_cleanly(text in "(?s).{0,300}", table_index in 0usize..9) {
            let table = Table::ALL[table_index];
            let _ = Dataset::from_texts("fuzz", |t| (t == table).then(|| text.clone()))
                .map(|d| d.cpus().map(<[_]>::len));
        }

        #[test]
        fn a_name_finds_its_own_row(index in 0usize..1000) {
            let d = data();
            let h = &d.hardware[index % d.hardware.len()];
            prop_assert_eq!(&d.find_hardware(&h.name).expect("own name").id, &h.id);
            let z = &d.zones[index % d.zones.len()];
            prop_assert_eq!(&d.find_zone(&z.id).expect("own id").id, &z.id);
        }
    }
}

#[test]
fn kernel_reported_cpu_names_find_their_row() {
    let d = data();
    let epyc = d
        .cpu_for_model_name("AMD EPYC 7763 64-Core Processor")
        .expect("cpus load");
    assert_eq!(epyc.map(|c| c.name.as_ref()), Some("AMD EPYC 7763"));
    // Too vague to name one model: no guess.
    assert_eq!(
        d.cpu_for_model_name("Intel(R) Xeon(R) Processor")
            .expect("cpus load"),
        None
    );
}
