//! The "act" features: search planning, scheduling, inference, embodied emissions, power limits,
//! prediction and advice, on synthetic inputs with known answers and on the built-in data.

use mlcarbon_data::Dataset;
use mlcarbon_model::advise::{ActionKind, AdviceOptions, Candidate, advise};
use mlcarbon_model::embodied::{self, EmbodiedError, EmbodiedPart, HostSpec};
use mlcarbon_model::estimate::{Factor, Provenance, estimate_with};
use mlcarbon_model::inference::{self, RequestEnergy, ServingReplica};
use mlcarbon_model::power_cap::{self, PowerCapError};
use mlcarbon_model::predict::{
    Checkpoint, PartialRun, PredictError, Progress, RangeBasis, predict,
};
use mlcarbon_model::schedule::{
    IntensityProfile, ProfileError, ScheduleError, ScheduleRequest, parse_profile_csv, schedule,
};
use mlcarbon_model::search::{
    self, GridSpec, HyperbandCounting, SearchError, SearchOptions, plan_search,
};
use mlcarbon_model::time::UtcTime;
use mlcarbon_model::{
    GramsPerKwh, Hours, Job, KgCo2e, KilowattHours, Load, Location, Ranged, Watts, compare,
    estimate, scenario,
};

fn data() -> &'static Dataset {
    Dataset::builtin().expect("built-in data")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn t(text: &str) -> UtcTime {
    UtcTime::parse(text).expect("timestamp")
}

fn gpu_job(hardware: &str, count: u32, hours: f64) -> Job {
    let d = data();
    let h = d.find_hardware(hardware).expect("hardware");
    Job {
        load: Load::Components {
            components: vec![scenario::accelerator_component(d, h, count, None).expect("gpu")],
        },
        hours: Hours(hours),
    }
}

fn place(g: f64, pue: f64) -> Location {
    Location {
        basis: mlcarbon_data::Basis::Lifecycle,
        label: "test".into(),
        provider: None,
        region: None,
        zone: None,
        intensity: Factor {
            range: Ranged::exact(GramsPerKwh(g)),
            provenance: Provenance::given("grid intensity", format!("{g}")),
        },
        pue: Factor {
            range: Ranged::exact(pue),
            provenance: Provenance::given("PUE", format!("{pue}")),
        },
        offset_percent: None,
        offset_provenance: None,
    }
}

mod search_planning {
    use super::*;

    #[test]
    fn a_grid_multiplies_its_dimensions() {
        assert_eq!(search::grid_trials("lr=5,batch=4,wd=3"), Ok(60));
        assert_eq!(
            search::grid_trials(" lr = 1e-3|1e-4 , batch=32|64|128 "),
            Ok(6)
        );
        assert_eq!(search::grid_trials("depth=1"), Ok(1));
    }

    #[test]
    fn a_bad_grid_says_which_term_and_why() {
        assert_eq!(search::grid_trials("  "), Err(SearchError::EmptyGrid));
        let message = |spec: &str| match search::grid_trials(spec) {
            Err(e) => e.to_string(),
            Ok(n) => panic!("{spec} gave {n}"),
        };
        assert!(message("lr").contains("term 1 `lr`"));
        assert!(message("lr=5,batch=0").contains("term 2 `batch=0`: a dimension needs at least 1"));
        assert!(message("lr=5,,wd=3").contains("term 2"));
        assert!(message("lr=5,lr=3").contains("`lr` is given twice"));
        assert!(message("lr=fast").contains("whole count"));
        assert!(message("lr=1|1").contains("listed twice"));
        assert!(message("=3").contains("name before"));
        assert_eq!(
            search::grid_trials("a=4294967296,b=4294967296"),
            Err(SearchError::GridTooLarge)
        );
    }

    #[test]
    fn random_search_needs_59_trials_for_the_top_5_percent_at_95_percent() {
        assert_eq!(search::random_trials(0.05, 0.95), Ok(59));
        assert_eq!(search::random_trials(0.01, 0.95), Ok(299));
        assert_eq!(search::random_trials(0.05, 0.99), Ok(90));
        assert_eq!(search::random_trials(1.0, 0.99), Ok(1));
        assert_eq!(search::random_trials(0.5, 0.01), Ok(1));
    }

    #[test]
    fn an_exact_whole_answer_is_not_bumped_up() {
        // 1 − (1 − q)^n = p exactly for these.
        assert_eq!(search::random_trials(0.5, 0.75), Ok(2));
        assert_eq!(search::random_trials(0.5, 0.875), Ok(3));
        assert_eq!(search::random_trials(0.1, 1.0 - 0.9_f64.powi(3)), Ok(3));
        assert_eq!(search::random_trials(0.2, 1.0 - 0.8_f64.powi(10)), Ok(10));
        assert_eq!(search::random_trials(0.75, 0.9375), Ok(2));
    }

    #[test]
    fn random_search_refuses_impossible_targets() {
        for (q, p) in [
            (0.0, 0.9),
            (1.5, 0.9),
            (0.1, 1.0),
            (0.1, 0.0),
            (f64::NAN, 0.5),
        ] {
            assert!(search::random_trials(q, p).is_err(), "q={q} p={p}");
        }
    }

    #[test]
    fn successive_halving_sums_trials_times_budget_over_rungs() {
        let plan = search::successive_halving(81, 3.0, 1.0 / 81.0).expect("plan");
        let trials: Vec<u64> = plan.rungs.iter().map(|r| r.trials).collect();
        assert_eq!(trials, [81, 27, 9, 3, 1]);
        assert_eq!(plan.rungs.last().map(|r| r.budget), Some(1.0));
        // Every rung spends one full trial: 81 × 1/81 = 27 × 1/27 = … = 1.
        assert!(close(plan.total_budget, 5.0), "{}", plan.total_budget);
        // Resuming: 1 + 4 × (2/3).
        assert!(close(plan.total_budget_with_reuse, 1.0 + 8.0 / 3.0));
        // mlr3hyperband's example bracket: η = 2, 8 configurations from 1/8 of the budget.
        let plan = search::successive_halving(8, 2.0, 0.125).expect("plan");
        let rungs: Vec<(u64, f64)> = plan.rungs.iter().map(|r| (r.trials, r.budget)).collect();
        assert_eq!(rungs, [(8, 0.125), (4, 0.25), (2, 0.5), (1, 1.0)]);
        assert!(close(plan.total_budget, 4.0));
        // One survivor at least, even from few configurations.
        let plan = search::successive_halving(2, 3.0, 1.0 / 9.0).expect("plan");
        let trials: Vec<u64> = plan.rungs.iter().map(|r| r.trials).collect();
        assert_eq!(trials, [2, 1, 1]);
        assert!(search::successive_halving(10, 1.0, 0.1).is_err());
        assert!(search::successive_halving(10, 3.0, 0.0).is_err());
        assert!(search::successive_halving(0, 3.0, 0.5).is_err());
    }

    #[test]
    fn hyperband_counts_as_the_paper_and_as_the_reference_code() {
        let configs = |counting| {
            let (brackets, total) = search::hyperband(81, 3, counting).expect("hyperband");
            let n: Vec<u64> = brackets.iter().map(|b| b.rungs[0].trials).collect();
            (n, total)
        };
        let (paper, paper_total) = configs(HyperbandCounting::Paper);
        assert_eq!(paper, [81, 34, 15, 8, 5]);
        assert!(close(paper_total, 1902.0 / 81.0), "{paper_total}");
        let (code, code_total) = configs(HyperbandCounting::ReferenceCode);
        assert_eq!(code, [81, 27, 9, 6, 5]);
        assert!(close(code_total, 1701.0 / 81.0), "{code_total}");
        // mlr3hyperband's table: η = 2, budgets 1..8.
        let (brackets, _) = search::hyperband(8, 2, HyperbandCounting::Paper).expect("hyperband");
        let table: Vec<Vec<(u64, f64)>> = brackets
            .iter()
            .map(|b| b.rungs.iter().map(|r| (r.trials, r.budget * 8.0)).collect())
            .collect();
        assert_eq!(table[0], [(8, 1.0), (4, 2.0), (2, 4.0), (1, 8.0)]);
        assert_eq!(table[1], [(6, 2.0), (3, 4.0), (1, 8.0)]);
        assert_eq!(table[2], [(4, 4.0), (2, 8.0)]);
    }

    #[test]
    fn a_plan_prices_each_option_from_one_trial() {
        let job = gpu_job("A100 SXM4 80GB", 1, 2.0);
        let per_trial = estimate(&job, &place(400.0, 1.2));
        let grid = GridSpec::parse("lr=5,batch=4,wd=3").expect("grid");
        let options = SearchOptions {
            halving: Some((3.0, 1.0 / 27.0)),
            ..SearchOptions::default()
        };
        let plan = plan_search(&grid, &options, &per_trial).expect("plan");
        assert_eq!((plan.grid_trials, plan.random_trials), (60, 59));
        let kg = per_trial.emissions.value.0;
        assert!(close(plan.grid_cost.emissions.value.0, 60.0 * kg));
        assert!(close(plan.random_cost.emissions.value.0, 59.0 * kg));
        assert!(close(plan.random_saving.0, kg));
        let halving = plan.halving.as_ref().expect("halving");
        assert_eq!(
            halving.rungs.iter().map(|r| r.trials).collect::<Vec<_>>(),
            [59, 19, 6, 2]
        );
        let cost = plan.halving_cost.expect("halving cost");
        assert!(close(cost.emissions.value.0, halving.total_budget * kg));
        assert!(close(
            halving.total_budget,
            59.0 / 27.0 + 19.0 / 9.0 + 6.0 / 3.0 + 2.0
        ));
        assert!(plan.halving_saving_percent.expect("saving") > 80.0);
        // A small grid: random search is no saving, and the plan says so.
        let small = GridSpec::parse("lr=3,wd=2").expect("grid");
        let plan = plan_search(&small, &SearchOptions::default(), &per_trial).expect("plan");
        assert!(plan.random_saving.0 < 0.0);
        assert!(plan.notes.iter().any(|n| n.contains("search it whole")));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn random_trials_is_the_least_n_that_reaches_p(q in 0.001f64..0.999, p in 0.001f64..0.999) {
                let n = search::random_trials(q, p).expect("valid") as f64;
                let miss = |n: f64| (1.0 - q).powf(n);
                prop_assert!(miss(n) <= (1.0 - p) * (1.0 + 1e-6), "n={n} misses");
                prop_assert!(n == 1.0 || miss(n - 1.0) >= (1.0 - p) * (1.0 - 1e-6), "n={n} not least");
            }

            #[test]
            fn grid_parsing_never_panics(spec in ".{0,60}") {
                let _ = search::grid_trials(&spec);
            }
        }
    }
}

mod scheduling {
    use super::*;

    fn hourly(start: &str, values: Vec<f64>) -> IntensityProfile {
        IntensityProfile::hourly(t(start), values).expect("profile")
    }

    fn request(now: &str, job: f64, window: f64, windows: usize) -> ScheduleRequest {
        ScheduleRequest {
            now: t(now),
            job: Hours(job),
            window: Hours(window),
            windows,
        }
    }

    #[test]
    fn finds_the_known_cleanest_window() {
        let mut values = vec![500.0; 48];
        for v in &mut values[30..34] {
            *v = 100.0;
        }
        let profile = hourly("2022-03-01T00:00:00Z", values);
        let s = schedule(&profile, &request("2022-03-01T00:00:00Z", 3.0, 48.0, 3)).expect("ok");
        assert_eq!(s.best.start, t("2022-03-02T06:00:00Z"));
        assert_eq!(s.best.end, t("2022-03-02T09:00:00Z"));
        assert_eq!(s.best.wait, Hours(30.0));
        assert_eq!(s.best.mean_intensity, GramsPerKwh(100.0));
        assert_eq!(s.start_now.mean_intensity, GramsPerKwh(500.0));
        assert!(close(s.saving_vs_now_percent, 80.0));
        assert!(!s.truncated);
        // Non-overlapping, lowest mean first, the best one first.
        assert_eq!(s.windows[0], s.best);
        for pair in s.windows.windows(2) {
            assert!(pair[0].mean_intensity <= pair[1].mean_intensity);
        }
        for (i, a) in s.windows.iter().enumerate() {
            for b in &s.windows[i + 1..] {
                assert!(a.end <= b.start || b.end <= a.start, "{a:?} overlaps {b:?}");
            }
        }
        // Emissions: 10 kWh at 100 vs 500 g/kWh.
        let e = s.emissions(Ranged::exact(KilowattHours(10.0)));
        assert!(close(e.best.value.0, 1.0) && close(e.start_now.value.0, 5.0));
        assert!(close(e.saving_vs_now.0, 4.0));
    }

    #[test]
    fn a_fraction_of_an_hour_weighs_the_last_hour() {
        let profile = hourly(
            "2022-03-01T00:00:00Z",
            vec![400.0, 100.0, 100.0, 200.0, 400.0, 400.0],
        );
        let s = schedule(&profile, &request("2022-03-01T00:00:00Z", 2.5, 6.0, 1)).expect("ok");
        // From 01:00: 100 + 100 + 0.5 × 200 over 2.5 h.
        assert_eq!(s.best.start, t("2022-03-01T01:00:00Z"));
        assert!(close(s.best.mean_intensity.0, 120.0));
        assert_eq!(s.best.end, t("2022-03-01T03:30:00Z"));
    }

    #[test]
    fn a_start_between_hours_is_found_when_it_is_best() {
        // Cheap hours 1 and 2; the job is 1.5 h and "now" is 00:30.
        let profile = hourly("2022-03-01T00:00:00Z", vec![300.0, 100.0, 100.0, 300.0]);
        let s = schedule(&profile, &request("2022-03-01T00:30:00Z", 1.5, 3.5, 1)).expect("ok");
        assert!(close(s.best.mean_intensity.0, 100.0));
        assert_eq!(s.best.start, t("2022-03-01T01:00:00Z"));
        assert!(close(s.start_now.mean_intensity.0, (150.0 + 100.0) / 1.5));
    }

    #[test]
    fn a_typical_day_wraps_across_midnight() {
        let mut day = [400.0; 24];
        for h in [22, 23, 0, 1] {
            day[h] = 100.0;
        }
        let profile = IntensityProfile::HourOfDay { g_per_kwh: day };
        let s = schedule(&profile, &request("2022-06-01T12:00:00Z", 4.0, 24.0, 2)).expect("ok");
        assert_eq!(s.best.start, t("2022-06-01T22:00:00Z"));
        assert_eq!(s.best.end, t("2022-06-02T02:00:00Z"));
        assert_eq!(s.best.mean_intensity, GramsPerKwh(100.0));
        assert!(close(s.profile_mean.0, 350.0));
        assert!(close(
            s.saving_vs_average_percent,
            100.0 * (1.0 - 100.0 / 350.0)
        ));
    }

    #[test]
    fn a_month_hour_profile_wraps_into_the_next_year() {
        let mut table = [[500.0; 24]; 12];
        table[0][..3].fill(50.0);
        let profile = IntensityProfile::MonthHour {
            g_per_kwh: Box::new(table),
        };
        let s = schedule(&profile, &request("2022-12-31T20:00:00Z", 3.0, 12.0, 1)).expect("ok");
        assert_eq!(s.best.start, t("2023-01-01T00:00:00Z"));
        assert_eq!(s.best.mean_intensity, GramsPerKwh(50.0));
        assert!(!s.truncated);
    }

    #[test]
    fn an_hourly_series_is_cut_at_its_end_and_says_so() {
        let mut values = vec![300.0; 24];
        values[23] = 50.0;
        let profile = hourly("2022-01-01T00:00:00Z", values);
        let s = schedule(&profile, &request("2022-01-01T20:00:00Z", 1.0, 10.0, 1)).expect("ok");
        assert!(s.truncated);
        assert_eq!(s.searched_until, t("2022-01-02T00:00:00Z"));
        assert_eq!(s.best.start, t("2022-01-01T23:00:00Z"));
        match schedule(&profile, &request("2022-01-01T20:00:00Z", 5.0, 10.0, 1)) {
            Err(ScheduleError::ProfileTooShort { available, .. }) => assert!(close(available, 4.0)),
            other => panic!("expected ProfileTooShort, got {other:?}"),
        }
        assert!(matches!(
            schedule(&profile, &request("2021-12-31T23:00:00Z", 1.0, 5.0, 1)),
            Err(ScheduleError::BeforeProfile { .. })
        ));
        assert!(matches!(
            schedule(&profile, &request("2022-01-03T00:00:00Z", 1.0, 5.0, 1)),
            Err(ScheduleError::ProfileTooShort { .. })
        ));
    }

    #[test]
    fn bad_requests_are_refused() {
        let profile = IntensityProfile::HourOfDay {
            g_per_kwh: [100.0; 24],
        };
        for (job, window) in [
            (0.0, 5.0),
            (-1.0, 5.0),
            (f64::NAN, 5.0),
            (6.0, 5.0),
            (1.0, 1e9),
        ] {
            assert!(
                schedule(&profile, &request("2022-01-01T00:00:00Z", job, window, 1)).is_err(),
                "job {job} window {window}"
            );
        }
        // A flat profile: start now (the earliest of equals).
        let s = schedule(&profile, &request("2022-01-01T00:10:00Z", 2.0, 48.0, 1)).expect("ok");
        assert_eq!(s.best.wait, Hours(0.0));
    }

    #[test]
    fn the_built_in_profiles_schedule_a_year() {
        let d = data();
        let hourly = d
            .hourly_profile("US-CAL-CISO")
            .expect("parse")
            .expect("CISO");
        let profile = IntensityProfile::from_hourly(hourly).expect("valid");
        let s = schedule(&profile, &request("2022-01-01T00:00:00Z", 8.0, 8760.0, 5)).expect("ok");
        assert!(s.best.mean_intensity.0 < s.profile_mean.0);
        assert_eq!(s.windows.len(), 5);
        let table = d
            .month_hour_profile("US-NW-BPAT")
            .expect("complete")
            .expect("BPAT");
        let profile = IntensityProfile::from_month_hour(&table).expect("valid");
        let s = schedule(
            &profile,
            &request("2026-05-01T00:00:00Z", 4.0, 24.0 * 365.0, 3),
        )
        .expect("ok");
        assert!(s.best.mean_intensity <= s.start_now.mean_intensity);
    }

    #[test]
    fn the_csv_forms_parse() {
        let hourly = "timestamp,g_per_kwh\n# a comment\n2022-01-01T00:00:00Z,100\n2022-01-01 01:00,200\n\n2022-01-01T03:00:00+01:00,300\n";
        let profile = parse_profile_csv(hourly).expect("hourly");
        assert_eq!(
            profile,
            IntensityProfile::Hourly {
                start: t("2022-01-01T00:00:00Z"),
                g_per_kwh: vec![100.0, 200.0, 300.0]
            }
        );
        let mut day = String::from("\u{feff}hour,g_per_kwh\n");
        for h in (0..24).rev() {
            day.push_str(&format!("{h},\"{}\"\n", 100 + h));
        }
        match parse_profile_csv(&day).expect("day") {
            IntensityProfile::HourOfDay { g_per_kwh } => assert_eq!(g_per_kwh[23], 123.0),
            other => panic!("{other:?}"),
        }
        let mut table = String::from("Month,Hour,g_per_kwh\n");
        for m in 1..=12 {
            for h in 0..24 {
                table.push_str(&format!("{m},{h},{}\n", m * 100 + h));
            }
        }
        match parse_profile_csv(&table).expect("table") {
            IntensityProfile::MonthHour { g_per_kwh } => assert_eq!(g_per_kwh[11][5], 1205.0),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn csv_errors_name_the_line() {
        let line = |text: &str| match parse_profile_csv(text) {
            Err(ProfileError::Line { line, message }) => (line, message),
            other => panic!("expected a line error, got {other:?}"),
        };
        let (n, m) =
            line("timestamp,g_per_kwh\n2022-01-01T00:00:00Z,100\n2022-01-01T03:00:00Z,100\n");
        assert_eq!(n, 3);
        assert!(m.contains("2 hours missing"), "{m}");
        let (n, m) = line("timestamp,g_per_kwh\n2022-01-01T00:00:00Z,100\nyesterday,100\n");
        assert_eq!(n, 3);
        assert!(m.contains("not a timestamp"), "{m}");
        let (n, _) =
            line("timestamp,g_per_kwh\n2022-01-01T01:00:00Z,100\n2022-01-01T00:00:00Z,100\n");
        assert_eq!(n, 3);
        let (n, m) = line("hour,g_per_kwh\n0,100\n0,90\n");
        assert_eq!(n, 3);
        assert!(m.contains("given twice"), "{m}");
        let (n, m) = line("hour,g_per_kwh\n24,100\n");
        assert_eq!((n, m.contains("0 to 23")), (2, true));
        let (n, m) = line("hour,g_per_kwh\n1,-5\n");
        assert_eq!((n, m.contains("non-negative")), (2, true));
        let (n, m) = line("hour,g_per_kwh\n1,400000\n");
        assert_eq!((n, m.contains("g/kWh")), (2, true));
        let (n, m) = line("time,value\n");
        assert_eq!((n, m.contains("none of")), (1, true));
        let (n, m) = line("\n\nhour,g_per_kwh\n1,2,3\n");
        assert_eq!((n, m.contains("3 fields")), (4, true));
        match parse_profile_csv("hour,g_per_kwh\n0,100\n") {
            Err(ProfileError::Invalid(m)) => assert!(m.contains("hour 1 has no value"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_profile_csv(""),
            Err(ProfileError::Invalid(_))
        ));
    }

    /// The mean over [s, s + h) by walking the hours, independent of the prefix sums.
    fn brute_force_mean(values: &[f64], s: f64, h: f64) -> f64 {
        let mut total = 0.0;
        for (i, v) in values.iter().enumerate() {
            let (a, b) = (i as f64, i as f64 + 1.0);
            let overlap = (b.min(s + h) - a.max(s)).max(0.0);
            total += overlap * v;
        }
        total / h
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn the_best_window_is_never_worse_than_any_other(
                values in prop::collection::vec(0.0f64..900.0, 2..120),
                job_share in 0.01f64..0.99,
                offset in 0.0f64..1.0,
                picks in prop::collection::vec(0.0f64..1.0, 1..20),
            ) {
                let n = values.len() as f64;
                let start = t("2022-01-01T00:00:00Z");
                // Whole seconds: the window the schedule sees starts at `now` as rounded.
                let now = start.plus_hours(offset);
                let offset = now.hours_since(start);
                let job = job_share * (n - offset);
                let profile = IntensityProfile::hourly(start, values.clone()).expect("valid");
                let window = n - offset;
                let s = schedule(&profile, &ScheduleRequest { now, job: Hours(job), window: Hours(window), windows: 3 })
                    .expect("schedulable");
                let best = s.best.mean_intensity.0;
                let scale = values.iter().fold(1.0f64, |m, v| m.max(*v));
                let best_start = s.best.start.hours_since(start);
                // The reported mean is the true mean at the reported start (to the second).
                prop_assert!((brute_force_mean(&values, best_start, job) - best).abs() <= 1e-3 * scale / job.max(1.0) + 1e-6 * scale);
                // The window as searched: its end is kept to whole seconds.
                let searched = s.searched_until.hours_since(now);
                for pick in picks {
                    let other = offset + pick * (searched - job).max(0.0);
                    let mean = brute_force_mean(&values, other, job);
                    prop_assert!(best <= mean + 1e-9 * scale, "best {best} > {mean} at {other}");
                }
                prop_assert!(best <= s.start_now.mean_intensity.0 + 1e-9 * scale);
            }

            #[test]
            fn a_cyclic_best_window_is_never_worse_either(
                day in prop::array::uniform24(0.0f64..900.0),
                job in 0.1f64..30.0,
                extra in 0.0f64..40.0,
                minute in 0u32..60,
                pick in 0.0f64..1.0,
            ) {
                let profile = IntensityProfile::HourOfDay { g_per_kwh: day };
                let now = t(&format!("2022-07-01T05:{minute:02}:00Z"));
                let window = job + extra;
                let s = schedule(&profile, &ScheduleRequest { now, job: Hours(job), window: Hours(window), windows: 4 })
                    .expect("schedulable");
                // The day unrolled from 00:00 of the first day, long enough for the window.
                let hours = (5.0 + window + 2.0) as usize;
                let unrolled: Vec<f64> = (0..hours).map(|h| day[h % 24]).collect();
                let first = now.hours_since(t("2022-07-01T00:00:00Z"));
                let searched = s.searched_until.hours_since(now);
                let other = first + pick * (searched - job).max(0.0);
                let scale = day.iter().fold(1.0f64, |m, v| m.max(*v));
                prop_assert!(s.best.mean_intensity.0 <= brute_force_mean(&unrolled, other, job) + 1e-9 * scale);
            }

            #[test]
            fn the_csv_parser_never_panics(text in "(?s).{0,400}") {
                let _ = parse_profile_csv(&text);
            }

            #[test]
            fn csv_like_input_never_panics(
                header in prop::sample::select(vec!["timestamp,g_per_kwh", "hour,g_per_kwh", "month,hour,g_per_kwh", "x"]),
                rows in prop::collection::vec("[0-9T:Z ,.+-]{0,30}", 0..30),
            ) {
                let text = format!("{header}\n{}", rows.join("\n"));
                let _ = parse_profile_csv(&text);
            }

            #[test]
            fn an_hourly_series_survives_a_round_trip(values in prop::collection::vec(0u32..2000, 1..50), start_hour in 0i64..1_000_000) {
                let start = UtcTime::from_unix_seconds(start_hour * 3600);
                let mut text = String::from("timestamp,g_per_kwh\n");
                for (i, v) in values.iter().enumerate() {
                    text.push_str(&format!("{},{v}\n", start.plus_hours(i as f64)));
                }
                let parsed = parse_profile_csv(&text).expect("round trip");
                let expected = IntensityProfile::Hourly { start, g_per_kwh: values.iter().map(|&v| f64::from(v)).collect() };
                prop_assert_eq!(parsed, expected);
            }
        }
    }
}

mod inference_figures {
    use super::*;

    #[test]
    fn a_measured_figure_scales_to_thousands_and_days() {
        let energy = RequestEnergy::Measured {
            it_energy: Ranged::exact(KilowattHours(0.3 / 1000.0)),
        };
        let e = inference::inference_estimate(
            &energy,
            Some(10.0),
            Ranged::exact(1.2),
            Ranged::exact(GramsPerKwh(400.0)),
        )
        .expect("estimate");
        // 0.3 Wh × 1.2 = 0.36 Wh; × 400 g/kWh = 0.144 g.
        assert!(close(e.per_request.energy.value.0, 0.36e-3));
        assert!(close(e.per_request.emissions.value.0, 0.144e-3));
        assert!(close(e.per_thousand.emissions.value.0, 0.144));
        let day = e.per_day.expect("a rate gives a day");
        assert!(close(day.requests, 864_000.0));
        assert!(close(day.emissions.value.0, 0.144e-3 * 864_000.0));
        assert_eq!(e.replicas, None);
    }

    #[test]
    fn an_under_used_server_pays_for_its_idle_time() {
        let replica = ServingReplica {
            busy_power: Ranged::exact(Watts(700.0)),
            idle_power: Ranged::exact(Watts(70.0)),
            throughput: 10.0,
        };
        let at = |rate: f64| {
            inference::inference_estimate(
                &RequestEnergy::Serving { replica },
                Some(rate),
                Ranged::exact(1.0),
                Ranged::exact(GramsPerKwh(100.0)),
            )
            .expect("estimate")
        };
        // A quarter busy: 0.25 × 700 + 0.75 × 70 = 227.5 W for 9,000 requests an hour.
        let quarter = at(2.5);
        assert_eq!(quarter.busy_share, Some(0.25));
        assert!(close(
            quarter.it_energy_per_request.value.0,
            0.2275 / 9_000.0
        ));
        // Fully busy: 700 W for 36,000 requests an hour; idle time makes each request dearer.
        let full = at(10.0);
        assert!(close(full.it_energy_per_request.value.0, 0.7 / 36_000.0));
        assert!(quarter.it_energy_per_request.value.0 > full.it_energy_per_request.value.0);
        // Beyond one replica: 25 requests/s need 3, each busy 25/30.
        let three = at(25.0);
        assert_eq!(three.replicas, Some(3));
        let power = 3.0 * (25.0 / 30.0 * 700.0 + 5.0 / 30.0 * 70.0);
        assert!(close(
            three.per_day.expect("day").energy.value.0,
            power * 24.0 / 1000.0
        ));
        assert!(matches!(
            inference::inference_estimate(
                &RequestEnergy::Serving { replica },
                None,
                Ranged::exact(1.0),
                Ranged::exact(GramsPerKwh(100.0))
            ),
            Err(inference::InferenceError::RateNeeded)
        ));
    }

    #[test]
    fn idle_power_comes_from_data_or_a_stated_fraction() {
        let d = data();
        let h100 = d.find_hardware("H100 SXM5 80GB").expect("h100");
        let idle = inference::device_idle_power(d, h100).expect("idle");
        assert_eq!(idle.range.value, Watts(68.5));
        assert_eq!(idle.provenance.origin, mlcarbon_model::Origin::Estimated);
        let a100 = d.find_hardware("A100 PCIe 40GB").expect("a100");
        let idle = inference::device_idle_power(d, a100).expect("idle");
        assert!(close(idle.range.value.0, 0.12 * 250.0));
        assert_eq!(idle.provenance.origin, mlcarbon_model::Origin::Defaulted);
        let replica = inference::serving_replica(d, h100, 8, Some(0.5), 20.0).expect("replica");
        assert!(close(replica.replica.busy_power.value.0, 8.0 * 700.0 * 0.5));
        assert!(close(replica.replica.idle_power.value.0, 8.0 * 68.5));
        assert_eq!(replica.provenance.len(), 3);
    }

    #[test]
    fn training_is_amortized_over_requests_and_breaks_even() {
        let training = Ranged::exact(KgCo2e(1_000.0));
        let per_request = Ranged::exact(KgCo2e(0.001));
        let a = inference::amortize(training, per_request, 1e6).expect("amortize");
        assert!(close(a.training_per_request.value.0, 0.001));
        assert!(close(a.total_per_request.value.0, 0.002));
        assert!(close(a.training_share_percent, 50.0));
        let b = inference::break_even(training, per_request, Some(1e5)).expect("break even");
        assert!(close(b.requests.value, 1e6));
        assert!(close(b.days.expect("days").value, 10.0));
        // Ranges pair the ends that widen the answer.
        let b = inference::break_even(
            Ranged {
                value: KgCo2e(100.0),
                low: KgCo2e(50.0),
                high: KgCo2e(200.0),
            },
            Ranged {
                value: KgCo2e(0.01),
                low: KgCo2e(0.005),
                high: KgCo2e(0.02),
            },
            None,
        )
        .expect("break even");
        assert!(close(b.requests.low, 2_500.0) && close(b.requests.high, 40_000.0));
        assert!(inference::break_even(training, Ranged::exact(KgCo2e(0.0)), None).is_err());
        assert!(inference::amortize(training, per_request, 0.0).is_err());
    }
}

mod embodied_emissions {
    use super::*;

    #[test]
    fn a_run_is_charged_its_hours_over_the_lifetime() {
        // 150 kg × 72 h × 8 cards / 35,040 h.
        let kg = embodied::embodied_for_run(KgCo2e(150.0), 8.0, Hours(72.0), Hours(35_040.0));
        assert!(close(kg.0, 150.0 * 72.0 * 8.0 / 35_040.0));
        let d = data();
        let h100 = d.find_hardware("H100 SXM5 80GB").expect("h100");
        let card = embodied::device_figure(d, h100).expect("card");
        assert_eq!(card.per_unit.value, KgCo2e(150.0));
        assert_eq!(card.lifetime, Hours(4.0 * 8_760.0));
        let lifetime = embodied::lifetime(d, &card, None).expect("lifetime");
        assert_eq!(
            (lifetime.low, lifetime.high),
            (Hours(3.0 * 8_760.0), Hours(6.0 * 8_760.0))
        );
        let run = embodied::embodied_estimate(
            Hours(72.0),
            vec![EmbodiedPart {
                figure: card.clone(),
                count: 8.0,
                lifetime,
            }],
        )
        .expect("estimate");
        assert!(close(run.total.value.0, 150.0 * 72.0 * 8.0 / 35_040.0));
        // Low: the low figure over the longest life; high: the high figure over the shortest.
        assert!(close(run.total.low.0, 60.0 * 72.0 * 8.0 / (6.0 * 8_760.0)));
        assert!(close(
            run.total.high.0,
            318.0 * 72.0 * 8.0 / (3.0 * 8_760.0)
        ));
        let given = embodied::lifetime(d, &card, Some(5.0)).expect("given");
        assert_eq!(given, Ranged::exact(Hours(5.0 * 8_760.0)));
        assert!(embodied::lifetime(d, &card, Some(0.0)).is_err());
    }

    #[test]
    fn a_host_adds_its_components_and_a_server_is_looked_up() {
        let d = data();
        let host = embodied::host_figure(
            d,
            &HostSpec {
                cpus: 2,
                dram_gb: 512.0,
                ssds: 2,
                hdds: 0,
            },
        )
        .expect("host");
        assert!(close(
            host.per_unit.value.0,
            1_000.0 + 100.0 + 1.388 * 496.0 + 200.0
        ));
        let base = embodied::host_figure(d, &HostSpec::default()).expect("base");
        assert_eq!(base.per_unit.value, KgCo2e(1_000.0));
        let p4d = embodied::server_figure(d, "p4d.24xlarge").expect("p4d");
        assert_eq!(p4d.per_unit.value, KgCo2e(4_676.79));
        assert_eq!(p4d.provenance.table.as_deref(), Some("embodied.csv"));
        let p5 = embodied::named_host_figure(d, "p5.48xlarge").expect("p5 host");
        assert_eq!(p5.lifetime, Hours(3.0 * 8_760.0));
        let tpu = d.find_hardware("TPU v4").expect("tpu");
        assert!(matches!(
            embodied::device_figure(d, tpu),
            Err(EmbodiedError::NoFigure(_))
        ));
    }

    #[test]
    fn embodied_stays_beside_the_operational_estimate() {
        let d = data();
        let job = gpu_job("A100 SXM4 80GB", 8, 72.0);
        let operational = estimate(&job, &place(400.0, 1.1));
        let a100 = d.find_hardware("A100 SXM4 80GB").expect("a100");
        let card = embodied::device_figure(d, a100).expect("card");
        let lifetime = embodied::lifetime(d, &card, None).expect("lifetime");
        let before = operational.clone();
        let _ = embodied::embodied_estimate(
            job.hours,
            vec![EmbodiedPart {
                figure: card,
                count: 8.0,
                lifetime,
            }],
        )
        .expect("embodied");
        assert_eq!(operational, before, "the estimate is not touched");
    }
}

mod power_limits {
    use super::*;

    #[test]
    fn a_measured_gpu_gets_its_own_figures() {
        let d = data();
        let v100 = d.find_hardware("Tesla V100 PCIe 16GB").expect("v100");
        let e = power_cap::power_cap_effect(d, v100, 0.7).expect("effect");
        assert!(e.measured_on_device);
        assert_eq!(e.energy_change_percent.value, -15.6);
        assert_eq!(e.time_change_percent.value, 8.7);
        assert_eq!(
            e.summary(),
            "a 70 % power limit saves ~16 % GPU energy for ~9 % more time (Zeus, NSDI'23)"
        );
        let between = power_cap::power_cap_effect(d, v100, 0.75).expect("interpolated");
        assert!(close(
            between.energy_change_percent.value,
            (-15.6 - 9.8) / 2.0
        ));
        assert!(matches!(
            power_cap::power_cap_effect(d, v100, 0.3),
            Err(PowerCapError::OutsideMeasured { .. })
        ));
        assert!(power_cap::power_cap_effect(d, v100, 1.5).is_err());
        // The maximum limit is the baseline; above the highest measured limit, towards zero.
        let none = power_cap::power_cap_effect(d, v100, 1.0).expect("no limit");
        assert_eq!(none.energy_change_percent, Ranged::exact(0.0));
        let high = power_cap::power_cap_effect(d, v100, 0.95).expect("between 90 % and 100 %");
        assert!(close(high.energy_change_percent.value, -2.2));
        let best = power_cap::best_power_cap(d, v100, 10.0).expect("a cap within 10 %");
        assert_eq!(best.cap_fraction, 0.7);
    }

    #[test]
    fn an_unmeasured_gpu_gets_the_median_of_the_measured_ones_flagged() {
        let d = data();
        let a100 = d.find_hardware("A100 SXM4 80GB").expect("a100");
        let e = power_cap::power_cap_effect(d, a100, 0.7).expect("effect");
        assert!(!e.measured_on_device);
        let v = e.energy_change_percent;
        assert!(v.low <= v.value && v.value <= v.high && v.value < 0.0);
        assert!(e.summary().contains("not this one"));
        assert!(e.provenance.note.contains("was not measured"));
    }

    #[test]
    fn a_capped_job_uses_less_gpu_energy_for_longer() {
        let d = data();
        let v100 = d.find_hardware("Tesla V100 PCIe 16GB").expect("v100");
        let cpu = d
            .find_cpu("Intel Xeon Gold 6148")
            .expect("cpus load")
            .expect("cpu");
        let job = Job {
            load: Load::Components {
                components: vec![
                    scenario::accelerator_component(d, v100, 4, None).expect("gpu"),
                    scenario::cpu_component(d, cpu, 1, Some(0.5)).expect("cpu"),
                ],
            },
            hours: Hours(10.0),
        };
        let effect = power_cap::power_cap_effect(d, v100, 0.7).expect("effect");
        let capped = power_cap::capped_job(&job, &effect);
        assert!(close(capped.hours.0, 10.87));
        let location = place(300.0, 1.0);
        let (before, after) = (estimate(&job, &location), estimate(&capped, &location));
        assert!(close(
            after.components[0].it_energy.value.0,
            before.components[0].it_energy.value.0 * 0.844
        ));
        assert!(close(
            after.components[1].it_energy.value.0,
            before.components[1].it_energy.value.0 * 1.087
        ));
        assert!(after.emissions.value < before.emissions.value);
    }
}

mod prediction {
    use super::*;

    fn run(
        progress: Progress,
        hours: f64,
        kwh: f64,
        checkpoints: Vec<(f64, f64, f64)>,
    ) -> PartialRun {
        PartialRun {
            progress,
            elapsed: Hours(hours),
            it_energy: KilowattHours(kwh),
            checkpoints: checkpoints
                .into_iter()
                .map(|(p, h, e)| Checkpoint {
                    progress: p,
                    elapsed: Hours(h),
                    it_energy: KilowattHours(e),
                })
                .collect(),
        }
    }

    #[test]
    fn extrapolates_linearly_and_says_when_there_is_no_range() {
        let p = predict(
            &run(Progress::Fraction(0.25), 5.0, 10.0, vec![]),
            Ranged::exact(1.5),
            Ranged::exact(GramsPerKwh(200.0)),
        )
        .expect("prediction");
        assert_eq!(p.total_it_energy, Ranged::exact(KilowattHours(40.0)));
        assert_eq!(p.total_hours.value, Hours(20.0));
        assert!(close(p.remaining_it_energy.value.0, 30.0));
        assert!(close(p.total_emissions.value.0, 40.0 * 1.5 * 0.2));
        assert!(close(p.remaining_emissions.value.0, 30.0 * 1.5 * 0.2));
        assert_eq!(p.range_basis, RangeBasis::SingleSegment);
    }

    #[test]
    fn the_range_comes_from_the_recent_rates() {
        let p = predict(
            &run(
                Progress::Epochs {
                    done: 3.0,
                    total: 10.0,
                },
                6.0,
                13.0,
                vec![(0.1, 2.0, 5.0), (0.2, 4.0, 9.0)],
            ),
            Ranged::exact(1.0),
            Ranged::exact(GramsPerKwh(100.0)),
        )
        .expect("prediction");
        // Rates 50, 40, 40 kWh per unit of progress; the recent span's 13 / 0.3.
        assert!(close(p.total_it_energy.value.0, 13.0 + 0.7 * 13.0 / 0.3));
        assert!(close(p.total_it_energy.low.0, 13.0 + 0.7 * 40.0));
        assert!(close(p.total_it_energy.high.0, 13.0 + 0.7 * 50.0));
        assert_eq!(p.range_basis, RangeBasis::RecentRates { segments: 3 });
        // Only the last 5 segments set the rate: an expensive start is left out of it.
        let checkpoints = (1..=8).map(|i| {
            let p = f64::from(i) * 0.1;
            (p, p * 10.0, 100.0 + p * 10.0)
        });
        let p = predict(
            &run(Progress::Fraction(0.9), 9.0, 109.0, checkpoints.collect()),
            Ranged::exact(1.0),
            Ranged::exact(GramsPerKwh(100.0)),
        )
        .expect("prediction");
        assert!(close(p.total_it_energy.value.0, 110.0));
        assert!(
            p.total_it_energy.high.0 > 110.0,
            "the whole-run rate widens the range"
        );
        assert_eq!(p.range_basis, RangeBasis::RecentRates { segments: 5 });
    }

    #[test]
    fn impossible_runs_are_refused() {
        let pue = Ranged::exact(1.0);
        let g = Ranged::exact(GramsPerKwh(100.0));
        assert!(matches!(
            predict(&run(Progress::Fraction(0.0), 1.0, 1.0, vec![]), pue, g),
            Err(PredictError::Progress(_))
        ));
        assert!(predict(&run(Progress::Fraction(1.2), 1.0, 1.0, vec![]), pue, g).is_err());
        assert!(
            predict(
                &run(
                    Progress::Epochs {
                        done: 5.0,
                        total: 4.0
                    },
                    1.0,
                    1.0,
                    vec![]
                ),
                pue,
                g
            )
            .is_err()
        );
        assert!(predict(&run(Progress::Fraction(0.5), 1.0, -1.0, vec![]), pue, g).is_err());
        let error = predict(
            &run(
                Progress::Fraction(0.5),
                4.0,
                10.0,
                vec![(0.2, 1.0, 3.0), (0.1, 2.0, 4.0)],
            ),
            pue,
            g,
        )
        .expect_err("progress goes back");
        assert!(error.to_string().starts_with("checkpoint 2"), "{error}");
        let done = predict(&run(Progress::Fraction(1.0), 4.0, 10.0, vec![]), pue, g).expect("done");
        assert_eq!(done.remaining_it_energy.value, KilowattHours(0.0));
    }
}

mod advice {
    use super::*;

    fn candidate(kind: ActionKind, label: &str, before: f64, after: f64) -> Candidate {
        Candidate {
            kind,
            label: label.to_string(),
            before: KgCo2e(before),
            after: KgCo2e(after),
            cost: Default::default(),
            caveat: String::new(),
            basis: "test data".to_string(),
        }
    }

    #[test]
    fn actions_are_ranked_by_kilograms_saved() {
        let advice = advise(
            vec![
                candidate(ActionKind::Schedule, "later", 100.0, 80.0),
                candidate(ActionKind::Region, "elsewhere", 100.0, 10.0),
                candidate(ActionKind::Search, "random", 500.0, 450.0),
                candidate(ActionKind::PowerLimit, "cap", 100.0, 88.0),
            ],
            &AdviceOptions::default(),
        );
        let order: Vec<&str> = advice.actions.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(order, ["elsewhere", "random", "later", "cap"]);
        assert!(close(advice.actions[0].saving_percent, 90.0));
        assert!(advice.rejected.is_empty());
    }

    #[test]
    fn no_action_without_a_justified_positive_saving() {
        let mut unfounded = candidate(ActionKind::Hardware, "trust me", 100.0, 50.0);
        unfounded.basis = " ".to_string();
        let advice = advise(
            vec![
                candidate(ActionKind::Region, "same region", 100.0, 100.0),
                candidate(ActionKind::Region, "dirtier", 100.0, 120.0),
                candidate(ActionKind::Schedule, "noise", 100.0, 99.9999),
                candidate(ActionKind::PowerLimit, "nan", 100.0, f64::NAN),
                unfounded,
            ],
            &AdviceOptions::default(),
        );
        assert!(advice.actions.is_empty(), "{:?}", advice.actions);
        assert_eq!(advice.rejected.len(), 5);
    }

    #[test]
    fn one_action_per_kind_unless_asked() {
        let candidates = vec![
            candidate(ActionKind::Region, "a", 100.0, 50.0),
            candidate(ActionKind::Region, "b", 100.0, 40.0),
        ];
        let advice = advise(candidates.clone(), &AdviceOptions::default());
        assert_eq!(advice.actions.len(), 1);
        assert_eq!(advice.actions[0].label, "b");
        let all = advise(
            candidates,
            &AdviceOptions {
                max_per_kind: 0,
                ..AdviceOptions::default()
            },
        );
        assert_eq!(all.actions.len(), 2);
    }

    #[test]
    fn a_job_in_the_cleanest_region_gets_no_region_advice() {
        let d = data();
        let provider = d.find_provider("gcp").expect("gcp");
        let job = gpu_job("A100 SXM4 80GB", 8, 24.0);
        let any_region = d.provider_regions("gcp").next().expect("a region");
        let probe =
            scenario::region_location(d, provider, any_region, mlcarbon_data::Basis::Lifecycle)
                .expect("location");
        let probe_estimate = estimate(&job, &probe);
        let ranked =
            compare::provider_regions(d, &job, &probe_estimate, provider).expect("regions");
        let cleanest = ranked.first().expect("cleanest");
        let region = d
            .find_region(Some(provider), cleanest.region.as_deref().expect("code"))
            .expect("region");
        let location =
            scenario::region_location(d, provider, region, mlcarbon_data::Basis::Lifecycle)
                .expect("location");
        let baseline = estimate(&job, &location);
        let alternatives =
            compare::provider_regions(d, &job, &baseline, provider).expect("regions");
        let candidates: Vec<Candidate> = alternatives
            .iter()
            .map(|a| {
                Candidate::from_alternative(ActionKind::Region, &baseline, a, "zones.csv".into())
            })
            .collect();
        let advice = advise(candidates, &AdviceOptions::default());
        assert!(
            advice.actions.iter().all(|a| a.kind != ActionKind::Region),
            "{:?}",
            advice.actions
        );
        // From a dirtier region, the same candidates give region advice.
        let dirty = ranked.last().expect("dirtiest");
        let region = d
            .find_region(Some(provider), dirty.region.as_deref().expect("code"))
            .expect("region");
        let baseline = estimate(
            &job,
            &scenario::region_location(d, provider, region, mlcarbon_data::Basis::Lifecycle)
                .expect("loc"),
        );
        let alternatives =
            compare::provider_regions(d, &job, &baseline, provider).expect("regions");
        let candidates: Vec<Candidate> = alternatives
            .iter()
            .map(|a| {
                Candidate::from_alternative(ActionKind::Region, &baseline, a, "zones.csv".into())
            })
            .collect();
        let advice = advise(candidates, &AdviceOptions::default());
        assert_eq!(advice.actions.len(), 1);
        assert_eq!(advice.actions[0].label, cleanest.label);
    }

    #[test]
    fn schedule_search_and_power_limit_candidates_carry_their_basis() {
        let d = data();
        let job = gpu_job("Tesla V100 PCIe 16GB", 4, 10.0);
        let location = place(300.0, 1.2);
        let baseline = estimate(&job, &location);
        let v100 = d.find_hardware("Tesla V100 PCIe 16GB").expect("v100");
        let effect = power_cap::power_cap_effect(d, v100, 0.7).expect("effect");
        let capped = estimate(&power_cap::capped_job(&job, &effect), &location);
        let cap = Candidate::from_power_cap(&baseline, &capped, &effect);
        assert!(cap.basis.contains("Zeus"), "{}", cap.basis);

        let mut values = vec![400.0; 48];
        for v in &mut values[10..20] {
            *v = 100.0;
        }
        let profile = IntensityProfile::hourly(t("2022-01-01T00:00:00Z"), values).expect("profile");
        let s = schedule(
            &profile,
            &ScheduleRequest {
                now: t("2022-01-01T00:00:00Z"),
                job: Hours(10.0),
                window: Hours(48.0),
                windows: 1,
            },
        )
        .expect("schedule");
        let later = Candidate::from_schedule(&s, baseline.energy, "test profile".into());
        assert_eq!(later.cost.delay, Some(Hours(10.0)));
        assert!(close(later.after.0, baseline.energy.value.0 * 0.1));

        let per_trial = estimate_with(
            &job,
            &mlcarbon_model::estimate::Figures {
                intensity: Ranged::exact(GramsPerKwh(300.0)),
                pue: Ranged::exact(1.2),
                offset_percent: None,
                basis: mlcarbon_data::Basis::Lifecycle,
            },
        );
        let plan = plan_search(
            &GridSpec::parse("lr=5,batch=4,wd=3").expect("grid"),
            &SearchOptions::default(),
            &per_trial,
        )
        .expect("plan");
        let search = Candidate::from_search(&plan);
        assert!(search.basis.contains("Bergstra"));
        let advice = advise(vec![cap, later, search], &AdviceOptions::default());
        let mut kinds: Vec<ActionKind> = advice.actions.iter().map(|a| a.kind).collect();
        kinds.sort();
        assert_eq!(
            kinds,
            [
                ActionKind::Schedule,
                ActionKind::PowerLimit,
                ActionKind::Search
            ]
        );
    }
}

#[test]
fn a_profile_scaled_to_a_mean_keeps_its_shape() {
    let Ok(data) = Dataset::builtin() else {
        panic!("built-in data");
    };
    let Ok(Some(table)) = data.month_hour_profile("US-MIDA-PJM") else {
        panic!("PJM's month × hour profile");
    };
    let Ok(pjm) = IntensityProfile::from_month_hour(&table) else {
        panic!("a valid profile");
    };
    let hourly = IntensityProfile::hourly(t("2022-01-01T00:00:00Z"), vec![100.0, 300.0, 200.0])
        .expect("profile");
    for profile in [pjm, hourly] {
        let scaled = profile.scaled_to_mean(GramsPerKwh(244.76));
        assert!(
            (scaled.mean().0 - 244.76).abs() < 1e-9,
            "{}",
            scaled.mean().0
        );
        let factor = 244.76 / profile.mean().0;
        let at = t("2022-01-01T02:00:00Z");
        let (before, after) = (profile.value_at(at), scaled.value_at(at));
        assert!(matches!((before, after), (Some(b), Some(a)) if (a.0 - b.0 * factor).abs() < 1e-9));
    }
    // A zero profile has no shape to scale: it is left as it is.
    let zero = IntensityProfile::hourly(t("2022-01-01T00:00:00Z"), vec![0.0; 3]).expect("profile");
    assert_eq!(zero.scaled_to_mean(GramsPerKwh(100.0)), zero);
}
