//! The capabilities as one call each (`advise_report`, `schedule_report`, `plan_search_report`,
//! `inference_report`): typed queries in, reports out, bad input an error that names its field;
//! the profile a schedule uses; a measured run as model input.

use mlcarbon_data::Dataset;
use mlcarbon_model::advise_report::{AdviseQuery, advise_report};
use mlcarbon_model::estimate::Origin;
use mlcarbon_model::inference_report::{InferenceQuery, Training, inference_report};
use mlcarbon_model::profiles::zone_profile;
use mlcarbon_model::request::EstimateRequest;
use mlcarbon_model::run::IntensityOrigin;
use mlcarbon_model::schedule_report::{ProfileText, ScheduleQuery, schedule_report};
use mlcarbon_model::search_report::{PlanSearchQuery, plan_search_report};
use mlcarbon_model::subject::{JobSource, MeasuredRun, subject};
use mlcarbon_model::time::UtcTime;

fn data() -> &'static Dataset {
    Dataset::builtin().expect("built-in data")
}

fn t(text: &str) -> UtcTime {
    UtcTime::parse(text).expect("timestamp")
}

fn job(hours: f64) -> EstimateRequest {
    EstimateRequest {
        hardware: Some("A100 SXM4 80GB".to_string()),
        hours: Some(hours),
        ..EstimateRequest::default()
    }
}

/// A run of 2 GPUs in France: 10 kWh of IT energy (8 of them the GPUs') over 5 h.
fn measured() -> MeasuredRun {
    MeasuredRun {
        id: 7,
        uuid: "0123abcd".to_string(),
        mlcarbon_version: "0.1.0".to_string(),
        hours: 5.0,
        gpu_energy_kwh: 8.0,
        it_energy_kwh: 10.0,
        energy_kwh: 12.0,
        emissions_kg: 0.6,
        location_label: "France (FR)".to_string(),
        zone: Some("FR".to_string()),
        intensity_g_per_kwh: 56.0,
        intensity_origin: IntensityOrigin::Estimated,
        pue: 1.2,
        gpu_model: Some("NVIDIA A100-SXM4-80GB".to_string()),
        gpu_count: 2,
        ram_total_gb: 64.0,
        ..MeasuredRun::default()
    }
}

/// Hours 0–23 UTC at 500 g/kWh, except 100 from 02:00 to 05:00.
fn night_profile() -> String {
    let mut text = String::from("hour,g_per_kwh\n");
    for hour in 0..24 {
        let g = if (2..5).contains(&hour) { 100 } else { 500 };
        text.push_str(&format!("{hour},{g}\n"));
    }
    text
}

#[test]
fn a_schedule_on_a_users_profile_finds_its_cheap_hours() {
    let query = ScheduleQuery {
        job: job(3.0),
        profile: Some(ProfileText {
            name: "night.csv".to_string(),
            text: night_profile(),
        }),
        within: Some(24.0),
        now: Some("2026-03-01T12:00:00Z".to_string()),
        windows: 3,
    };
    let report = schedule_report(data(), &query, t("2000-01-01T00:00:00Z")).expect("schedule");
    assert_eq!(report.best_start, t("2026-03-02T02:00:00Z"));
    assert_eq!(report.best_intensity_g_per_kwh, 100.0);
    assert_eq!(report.profile.label, "profile night.csv");
    assert_eq!(report.profile.file.as_deref(), Some("night.csv"));
    assert!(report.emissions.is_some(), "the hardware gives the energy");
    // Without --now, the clock passed in is the current time.
    let clock = t("2026-03-01T01:00:00Z");
    let query = ScheduleQuery { now: None, ..query };
    let report = schedule_report(data(), &query, clock).expect("schedule");
    assert_eq!(report.now, clock);
    assert_eq!(report.best_start, t("2026-03-01T02:00:00Z"));
}

#[test]
fn schedule_errors_name_their_field() {
    let clock = t("2026-03-01T00:00:00Z");
    let zone = |z: &str| EstimateRequest {
        zone: Some(z.to_string()),
        ..job(3.0)
    };
    let cases = [
        (
            ScheduleQuery {
                job: EstimateRequest {
                    hours: None,
                    ..zone("US-CAL-CISO")
                },
                within: Some(24.0),
                ..ScheduleQuery::default()
            },
            "hours",
        ),
        (
            ScheduleQuery {
                job: zone("US-CAL-CISO"),
                ..ScheduleQuery::default()
            },
            "within",
        ),
        (
            ScheduleQuery {
                job: zone("FR"),
                within: Some(24.0),
                ..ScheduleQuery::default()
            },
            "zone",
        ),
        (
            ScheduleQuery {
                job: zone("US-CAL-CISO"),
                within: Some(24.0),
                now: Some("yesterday".to_string()),
                ..ScheduleQuery::default()
            },
            "now",
        ),
        (
            ScheduleQuery {
                job: job(3.0),
                profile: Some(ProfileText {
                    name: "bad.csv".to_string(),
                    text: "hour,g_per_kwh\n0,abc\n".to_string(),
                }),
                within: Some(24.0),
                ..ScheduleQuery::default()
            },
            "profile",
        ),
        (
            ScheduleQuery {
                job: zone("US-CAL-CISO"),
                within: Some(2.0),
                ..ScheduleQuery::default()
            },
            "within",
        ),
    ];
    for (query, field) in cases {
        let error = schedule_report(data(), &query, clock).expect_err(field);
        assert_eq!(error.field, field, "{}", error.message);
    }
    let error = schedule_report(
        data(),
        &ScheduleQuery {
            job: zone("FR"),
            within: Some(24.0),
            ..ScheduleQuery::default()
        },
        clock,
    )
    .expect_err("no profile");
    assert!(
        error.message.contains("US-CAL-CISO"),
        "lists the zones with one: {}",
        error.message
    );
}

#[test]
fn a_zone_uses_the_hourly_series_in_2022_and_a_state_borrows_a_pattern() {
    let d = data();
    let typical = zone_profile(d, "US-CAL-CISO", t("2026-06-01T00:00:00Z"))
        .expect("profiles")
        .expect("CISO has one");
    assert_eq!(typical.kind, "month_hour");
    let hourly = zone_profile(d, "US-CAL-CISO", t("2022-06-01T00:00:00Z"))
        .expect("profiles")
        .expect("CISO has one");
    assert_eq!(hourly.kind, "hourly");
    let Some(state) = d
        .profile_proxy_zones()
        .into_iter()
        .find(|z| d.zone(z).is_some())
    else {
        panic!("the data lends patterns to some zones");
    };
    let borrowed = zone_profile(d, state, t("2026-06-01T00:00:00Z"))
        .expect("profiles")
        .expect("a borrowed profile");
    let own_mean = d.zone(state).expect("zone").intensity_g_per_kwh;
    assert!(borrowed.pattern_of.is_some());
    assert!(
        (borrowed.profile.mean().0 - own_mean).abs() <= 1e-9 * own_mean,
        "scaled to {state}'s own yearly mean"
    );
    assert!(
        zone_profile(d, "FR", t("2026-06-01T00:00:00Z"))
            .expect("profiles")
            .is_none()
    );
}

#[test]
fn a_measured_run_is_its_energy_at_its_stored_location() {
    let run = measured();
    let (job, location) = run.job_and_location();
    assert_eq!(job.hours.0, 5.0);
    assert_eq!(location.intensity.range.value.0, 56.0);
    assert_eq!(location.pue.range.value, 1.2);
    assert_eq!(location.intensity.provenance.origin, Origin::Estimated);
    // With a profile, the intensity is what its emissions imply: 0.6 kg / 12 kWh.
    let profiled = MeasuredRun {
        intensity_origin: IntensityOrigin::Profile,
        ..measured()
    };
    assert!((profiled.effective_intensity() - 50.0).abs() < 1e-9);
    let s = subject(data(), &JobSource::Run(run)).expect("subject");
    assert_eq!(s.description, "run 7 (measured, 2 × NVIDIA A100-SXM4-80GB)");
    assert!(s.hardware.is_some(), "the table knows the run's GPU");
    assert!(s.request.is_none());
    let embodied = measured().embodied(data()).expect("embodied");
    assert!(embodied.notes[0].starts_with("host: one commodity server"));
}

#[test]
fn advice_on_a_measured_run_leaves_hardware_out_and_says_why() {
    let query = AdviseQuery {
        job: JobSource::Run(measured()),
        ..AdviseQuery::default()
    };
    let report = advise_report(data(), &query, t("2026-03-01T00:00:00Z")).expect("advice");
    assert!(report.job.starts_with("run 7"));
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.starts_with("hardware: not considered for a measured run")),
        "{:?}",
        report.notes
    );
    let bad = AdviseQuery {
        deadline: Some(-1.0),
        ..query
    };
    let error = advise_report(data(), &bad, t("2026-03-01T00:00:00Z")).expect_err("deadline");
    assert_eq!(error.field, "deadline");
    // A bad q is an error even without a grid to search.
    let bad = AdviseQuery {
        deadline: None,
        top: 5.0,
        ..bad
    };
    let error = advise_report(data(), &bad, t("2026-03-01T00:00:00Z")).expect_err("top");
    assert_eq!(error.field, "top");
}

#[test]
fn plan_search_errors_name_their_field() {
    let base = PlanSearchQuery {
        job: JobSource::Request(EstimateRequest {
            zone: Some("FR".to_string()),
            ..job(2.0)
        }),
        ..PlanSearchQuery::default()
    };
    for (query, field) in [
        (base.clone(), "grid"),
        (
            PlanSearchQuery {
                trials: Some(0),
                ..base.clone()
            },
            "trials",
        ),
        (
            PlanSearchQuery {
                grid: Some("lr=".to_string()),
                ..base.clone()
            },
            "grid",
        ),
        (
            PlanSearchQuery {
                trials: Some(100),
                top: 2.0,
                ..base.clone()
            },
            "top",
        ),
        (
            PlanSearchQuery {
                trials: Some(100),
                halving: true,
                eta: Some(0.5),
                ..base.clone()
            },
            "eta",
        ),
        (
            PlanSearchQuery {
                trials: Some(100),
                eta: Some(2.0),
                ..base.clone()
            },
            "eta",
        ),
        (
            PlanSearchQuery {
                trials: Some(100),
                grid: Some("a=2".to_string()),
                ..base.clone()
            },
            "trials",
        ),
    ] {
        let error = plan_search_report(data(), &query).expect_err(field);
        assert_eq!(error.field, field, "{}", error.message);
    }
    let plan = plan_search_report(
        data(),
        &PlanSearchQuery {
            grid: Some("lr=5,batch=4,wd=3".to_string()),
            ..base
        },
    )
    .expect("plan");
    assert_eq!(plan.plan.grid_trials, 60);
    assert_eq!(plan.planned_from, "grid");
}

#[test]
fn inference_refuses_training_inputs_and_a_run_without_emissions() {
    let fr = EstimateRequest {
        zone: Some("FR".to_string()),
        ..EstimateRequest::default()
    };
    let measured_energy = InferenceQuery {
        job: fr.clone(),
        energy_per_request_wh: Some(0.3),
        requests: Some(1e6),
        ..InferenceQuery::default()
    };
    let report = inference_report(data(), &measured_energy).expect("inference");
    assert_eq!(report.energy_source, "measured");
    let total = report.total.expect("the requests served");
    assert!((total.energy_kwh - 0.3e-3 * 1e6 * report.pue).abs() < 1e-6);
    let with_hours = InferenceQuery {
        job: EstimateRequest {
            hours: Some(3.0),
            ..fr.clone()
        },
        ..measured_energy.clone()
    };
    assert_eq!(
        inference_report(data(), &with_hours)
            .expect_err("hours")
            .field,
        "hours"
    );
    let no_emissions = InferenceQuery {
        training: Some(Training::Run(Box::new(MeasuredRun {
            emissions_kg: 0.0,
            ..measured()
        }))),
        ..measured_energy.clone()
    };
    let error = inference_report(data(), &no_emissions).expect_err("no emissions");
    assert_eq!(error.field, "training_run");
    assert!(error.message.starts_with("run 7 recorded no emissions"));
    let serving_without_rate = InferenceQuery {
        job: EstimateRequest {
            hardware: Some("A100 SXM4 80GB".to_string()),
            ..fr
        },
        throughput: Some(50.0),
        ..InferenceQuery::default()
    };
    assert_eq!(
        inference_report(data(), &serving_without_rate)
            .expect_err("rate")
            .field,
        "rate"
    );
}
