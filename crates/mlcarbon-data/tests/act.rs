//! The act tables: embodied figures, idle power, power limits and intensity profiles load, are
//! traceable, and the lookups find the rows they should.

use std::collections::HashSet;

use mlcarbon_data::{Dataset, EmbodiedScope, Table, constant_ids};

fn data() -> &'static Dataset {
    Dataset::builtin().expect("built-in dataset loads")
}

const PROFILE_ZONES: [&str; 8] = [
    "US-CAL-CISO",
    "US-MIDA-PJM",
    "US-MIDW-MISO",
    "US-NW-BPAT",
    "US-NY-NYIS",
    "US-SE-SOCO",
    "US-SW-AZPS",
    "US-TEX-ERCO",
];

#[test]
fn every_act_row_names_a_known_source_and_source_ids_stay_unique() {
    let d = data();
    let mut ids = HashSet::new();
    for s in d.sources.iter() {
        assert!(ids.insert(s.id.as_ref()), "source id {} twice", s.id);
    }
    let known = |id: &str| ids.contains(id);
    for e in d.embodied() {
        assert!(known(&e.source), "embodied {}: source {}", e.id, e.source);
        assert!((2000..=2026).contains(&e.year));
    }
    for r in d.idle_powers() {
        assert!(
            known(&r.source),
            "idle power {:?}: {}",
            r.hardware,
            r.source
        );
    }
    for r in d.power_caps() {
        assert!(known(&r.source), "power cap {}: {}", r.gpu, r.source);
    }
    for c in d.month_hour_cells() {
        assert!(known(&c.source), "profile {}: {}", c.zone, c.source);
    }
    for p in d.hourly_profiles().expect("hourly profiles parse") {
        assert!(known(&p.source), "hourly {}: {}", p.zone, p.source);
    }
    for id in [
        constant_ids::EMBODIED_LIFETIME_YEARS,
        constant_ids::GPU_IDLE_FRACTION,
    ] {
        let c = d.constant(id).expect("act constant");
        assert!(known(&c.source), "constant {id}: {}", c.source);
        assert!(c.low.unwrap_or(c.value) <= c.value && c.value <= c.high.unwrap_or(c.value));
    }
}

#[test]
fn month_hour_profiles_cover_the_eight_balancing_authorities() {
    let d = data();
    assert_eq!(d.month_hour_zones(), PROFILE_ZONES);
    for zone in PROFILE_ZONES {
        assert!(
            d.zone(zone).is_some(),
            "{zone} is not a zone of the intensity tables"
        );
        let profile = d
            .month_hour_profile(zone)
            .expect("complete")
            .expect("present");
        let mean = profile.g_per_kwh.iter().flatten().sum::<f64>() / 288.0;
        assert!((20.0..800.0).contains(&mean), "{zone}: {mean}");
    }
    // SustainDC's derived table: AZPS, January, 00 UTC.
    let azps = d
        .month_hour_profile("US-SW-AZPS")
        .expect("complete")
        .expect("present");
    assert_eq!(azps.g_per_kwh[0][0], 604.0);
    assert!(d.month_hour_profile("FR").expect("no error").is_none());
}

#[test]
fn hourly_profiles_are_a_whole_year_with_their_gaps_filled_and_named() {
    let d = data();
    let profiles = d.hourly_profiles().expect("parse");
    assert_eq!(profiles.len(), 8);
    for p in profiles {
        assert_eq!(p.g_per_kwh.len(), 8760, "{}", p.zone);
        assert_eq!(p.start_date, "2022-01-01");
        assert_eq!(p.start_unix_seconds, 1_640_995_200);
        assert!(p.g_per_kwh.iter().all(|v| v.is_finite() && *v >= 0.0));
        let expected_gaps = match p.zone.as_str() {
            "US-CAL-CISO" | "US-MIDW-MISO" => 3,
            "US-MIDA-PJM" => 23,
            _ => 0,
        };
        assert_eq!(p.filled_hours.len(), expected_gaps, "{}", p.zone);
    }
    // Yearly means of the reference summary (summary_2022.csv): AZPS 575.0, BPAT 54.7.
    let mean = |zone: &str| {
        let p = d
            .hourly_profile(zone)
            .expect("parse")
            .expect("zone present");
        p.g_per_kwh.iter().sum::<f64>() / p.g_per_kwh.len() as f64
    };
    assert!((mean("US-SW-AZPS") - 575.0).abs() < 0.05);
    assert!((mean("US-NW-BPAT") - 54.7).abs() < 0.05);
    // Parsed once: the same rows come back.
    let first = d.hourly_profiles().expect("parse").as_ptr();
    assert_eq!(first, d.hourly_profiles().expect("parse").as_ptr());
}

#[test]
fn embodied_lookups_find_device_host_server_and_component_rows() {
    let d = data();
    let h100 = d.find_hardware("H100 SXM5 80GB").expect("h100");
    let card = d.embodied_device(h100).expect("a GPU has a card figure");
    assert_eq!(card.kg_co2e, 150.0);
    assert_eq!(card.applies_to, EmbodiedScope::Device);
    let tpu = d.find_hardware("TPU v4").expect("tpu");
    assert!(d.embodied_device(tpu).is_none(), "no TPU figure is cited");
    assert_eq!(d.embodied_host(None).expect("generic").kg_co2e, 1000.0);
    assert_eq!(
        d.embodied_host(Some("p5.48xlarge")).expect("p5").kg_co2e,
        5700.0
    );
    assert!(d.embodied_host(Some("unknown-host")).is_none());
    assert_eq!(
        d.embodied_server("P4D.24xlarge").expect("p4d").kg_co2e,
        4676.79
    );
    assert_eq!(
        d.embodied_server("g4dn.12xlarge").expect("g4dn").kg_co2e,
        3010.79
    );
    assert_eq!(
        d.embodied_component("dram_gb").expect("dram").kg_co2e,
        1.388
    );
    for e in d.embodied() {
        assert!(e.kg_co2e > 0.0 && e.lifetime_years > 0.0, "{}", e.id);
        assert!(e.low.unwrap_or(e.kg_co2e) <= e.kg_co2e, "{}", e.id);
        assert!(e.high.unwrap_or(e.kg_co2e) >= e.kg_co2e, "{}", e.id);
    }
}

#[test]
fn idle_power_and_power_caps_name_real_hardware() {
    let d = data();
    assert_eq!(
        d.idle_power("nvidia-h100-sxm5-80gb").expect("h100").idle_w,
        68.5
    );
    assert_eq!(
        d.idle_power("nvidia-tesla-v100-pcie-16gb")
            .expect("glob")
            .idle_w,
        35.0
    );
    assert_eq!(
        d.idle_power("nvidia-tesla-v100s-pcie-32gb")
            .expect("own row")
            .idle_w,
        25.0
    );
    assert!(d.idle_power("nvidia-a100-pcie-40gb").is_none());
    let ids: Vec<&str> = d.hardware.iter().map(|h| h.id.as_ref()).collect();
    for row in d.idle_powers() {
        assert!(
            ids.iter()
                .any(|id| d.idle_power(id).is_some_and(|r| r == row)),
            "idle row {:?} matches no hardware",
            row.hardware
        );
        let (low, high) = (
            row.low.unwrap_or(row.idle_w),
            row.high.unwrap_or(row.idle_w),
        );
        assert!(low <= row.idle_w && row.idle_w <= high);
    }
    assert_eq!(
        d.power_cap_gpus(),
        ["V100", "A40", "Quadro RTX 6000", "P100"]
    );
    for gpu in d.power_cap_gpus() {
        let rows = d.power_caps_of(gpu);
        assert!(rows.len() >= 4, "{gpu}");
        assert!(
            ids.iter()
                .any(|id| d.power_caps_for(id).first().map(|r| &r.gpu) == Some(&rows[0].gpu)),
            "{gpu} stands for no hardware row"
        );
        for r in &rows {
            assert!((r.cap_fraction - r.cap_w / r.max_power_limit_w).abs() < 1e-4);
            assert!(
                r.energy_low <= r.energy_change_percent && r.energy_change_percent <= r.energy_high
            );
            assert!(r.time_low <= r.time_change_percent && r.time_change_percent <= r.time_high);
        }
    }
    let v100 = d.power_caps_for("nvidia-tesla-v100-sxm2-32gb");
    assert_eq!(v100.len(), 4);
    assert_eq!(v100[1].cap_w, 175.0);
    assert_eq!(v100[1].energy_change_percent, -15.6);
    assert!(d.power_caps_for("nvidia-a100-sxm4-80gb").is_empty());
}

#[test]
fn a_users_hourly_profile_is_parsed_when_asked_with_line_numbers() {
    let good = "zone,date_utc,g_per_kwh,source,year\n\
        X,2024-02-28,1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17|18|19|20|21|22|23|24,s,2024\n\
        X,2024-02-29,1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17|18|19|20|21|22||24,s,2024\n";
    let d = Dataset::from_texts("custom", |t| {
        (t == Table::ProfilesHourly).then(|| good.to_string())
    })
    .expect("loads lazily");
    let x = d.hourly_profile("X").expect("parses").expect("zone X");
    assert_eq!(x.g_per_kwh.len(), 48);
    assert_eq!(x.filled_hours, vec![46]);
    assert_eq!(x.g_per_kwh[46], 23.0);

    let skipped_day = good.replace("2024-02-29", "2024-03-01");
    let d = Dataset::from_texts("custom", |t| {
        (t == Table::ProfilesHourly).then(|| skipped_day.clone())
    })
    .expect("loads lazily");
    let error = d.hourly_profile("X").expect_err("a day is missing");
    assert!(error.to_string().contains("line 3"), "{error}");

    let short = good.replace("|24,s", ",s");
    let d = Dataset::from_texts("custom", |t| {
        (t == Table::ProfilesHourly).then(|| short.clone())
    })
    .expect("loads lazily");
    let error = d.hourly_profile("X").expect_err("23 values");
    assert!(error.to_string().contains("line 2"), "{error}");
}

#[test]
fn an_incomplete_month_hour_table_is_refused_when_used() {
    let text = "zone,month,hour,g_per_kwh,source,year\nX,1,0,100,s,2022\n";
    let d = Dataset::from_texts("custom", |t| {
        (t == Table::ProfilesMonthHour).then(|| text.to_string())
    })
    .expect("loads");
    let error = d.month_hour_profile("X").expect_err("287 cells missing");
    assert!(error.to_string().contains("missing"), "{error}");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_act_table_text_loads_or_fails_cleanly(text in "(?s).{0,400}", index in 9usize..16) {
            let table = Table::ALL[index];
            if let Ok(d) = Dataset::from_texts("fuzz", |t| (t == table).then(|| text.clone())) {
                let _ = d.hourly_profiles();
                let _ = d.month_hour_profile("X");
                let _ = d.power_caps_for("nvidia-a40");
                let _ = d.idle_power("nvidia-a40");
            }
        }

        #[test]
        fn hourly_rows_never_panic(cells in "[0-9.|a-z-]{0,80}", date in "[0-9-]{0,12}") {
            let text = format!("zone,date_utc,g_per_kwh,source,year\nX,{date},{cells},s,2022\n");
            let d = Dataset::from_texts("fuzz", |t| (t == Table::ProfilesHourly).then(|| text.clone()))
                .expect("loads lazily");
            let _ = d.hourly_profile("X");
        }
    }
}
