//! Scheduling over a year: the issue asks for an answer in under 50 ms for a year-long hourly
//! profile (8,760 values) searched over a window of a year.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use mlcarbon_data::Dataset;
use mlcarbon_model::schedule::{IntensityProfile, ScheduleRequest, parse_profile_csv, schedule};
use mlcarbon_model::time::UtcTime;
use mlcarbon_model::units::Hours;

fn bench(c: &mut Criterion) {
    let Ok(data) = Dataset::builtin() else {
        panic!("built-in dataset does not load");
    };
    let (Ok(Some(hourly)), Ok(Some(month_hour))) = (
        data.hourly_profile("US-CAL-CISO"),
        data.month_hour_profile("US-CAL-CISO"),
    ) else {
        panic!("built-in profiles missing");
    };
    let (Ok(hourly_profile), Ok(month_hour_profile)) = (
        IntensityProfile::from_hourly(hourly),
        IntensityProfile::from_month_hour(&month_hour),
    ) else {
        panic!("built-in profiles invalid");
    };
    let start = UtcTime::from_unix_seconds(hourly.start_unix_seconds);
    let year = ScheduleRequest {
        now: start,
        job: Hours(8.0),
        window: Hours(8_760.0),
        windows: 5,
    };
    let mut group = c.benchmark_group("schedule");
    group.bench_function("hourly_8760_values_window_8760_h", |b| {
        b.iter(|| schedule(black_box(&hourly_profile), black_box(&year)))
    });
    let fractional = ScheduleRequest {
        now: start.plus_hours(0.5),
        job: Hours(7.25),
        ..year
    };
    group.bench_function("hourly_fractional_job_and_start", |b| {
        b.iter(|| schedule(black_box(&hourly_profile), black_box(&fractional)))
    });
    group.bench_function("month_hour_window_8760_h", |b| {
        b.iter(|| schedule(black_box(&month_hour_profile), black_box(&year)))
    });
    let mut csv = String::from("timestamp,g_per_kwh\n");
    for (i, v) in hourly.g_per_kwh.iter().enumerate() {
        csv.push_str(&format!("{},{v}\n", start.plus_hours(i as f64)));
    }
    group.bench_function("parse_profile_csv_8760_rows", |b| {
        b.iter(|| parse_profile_csv(black_box(&csv)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
