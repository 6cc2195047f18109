//! What one `/api/estimate` answer costs, phase by phase: resolving the request's names,
//! building the report (with comparisons and embodied emissions), and writing its JSON. The
//! web server's computed-answer throughput is bounded by their sum.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use mlcarbon_data::Dataset;
use mlcarbon_model::report::estimate_output;
use mlcarbon_model::request::{EstimateRequest, resolve};

fn bench(c: &mut Criterion) {
    let Ok(data) = Dataset::builtin() else {
        panic!("built-in dataset does not load");
    };
    let request = EstimateRequest {
        hardware: Some("A100 SXM4 80GB".into()),
        count: Some(8),
        hours: Some(72.0),
        provider: Some("aws".into()),
        region: Some("us-east-1".into()),
        ..EstimateRequest::default()
    };
    let Ok(resolved) = resolve(data, &request) else {
        panic!("bench request does not resolve");
    };
    let Ok(output) = estimate_output(data, &request, &resolved) else {
        panic!("bench report does not build");
    };
    c.bench_function("resolve request", |b| {
        b.iter(|| resolve(data, black_box(&request)).is_ok())
    });
    c.bench_function("build report", |b| {
        b.iter(|| estimate_output(data, black_box(&request), &resolved).is_ok())
    });
    c.bench_function("write JSON (pretty)", |b| {
        b.iter(|| serde_json::to_vec_pretty(black_box(&output)).map(|v| v.len()))
    });
    c.bench_function("write JSON (compact)", |b| {
        b.iter(|| serde_json::to_vec(black_box(&output)).map(|v| v.len()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
