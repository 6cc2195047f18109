//! Model throughput: estimates per second on one core, for the target of ≥ 1 million/s.

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use mlcarbon_data::Dataset;
use mlcarbon_model::compat::{Mlco2Intensity, js_round2, mlco2_estimate};
use mlcarbon_model::scenario;
use mlcarbon_model::{Hours, Job, Load, estimate};

fn bench(c: &mut Criterion) {
    let Ok(data) = Dataset::builtin() else {
        panic!("built-in dataset does not load");
    };
    let (Ok(hardware), Ok(provider)) = (
        data.find_hardware("A100 SXM4 80GB"),
        data.find_provider("aws"),
    ) else {
        panic!("bench rows missing");
    };
    let Ok(region) = data.find_region(Some(provider), "us-east-1") else {
        panic!("bench region missing");
    };
    let (Ok(component), Ok(location)) = (
        scenario::accelerator_component(data, hardware, 8, None),
        scenario::region_location(data, provider, region, mlcarbon_data::Basis::Lifecycle),
    ) else {
        panic!("bench scenario does not build");
    };
    let job = Job {
        load: Load::Components {
            components: vec![component],
        },
        hours: Hours(72.0),
    };
    let mut group = c.benchmark_group("model");
    group.throughput(Throughput::Elements(1));
    group.bench_function("estimate", |b| {
        b.iter(|| estimate(black_box(&job), black_box(&location)))
    });
    group.bench_function("js_round2", |b| b.iter(|| js_round2(black_box(2.625))));
    let mlco2 =
        mlcarbon_data::mlco2::Mlco2Dataset::builtin(mlcarbon_data::mlco2::Mlco2Edition::Current);
    if let Ok(mlco2) = mlco2
        && let Some(row) = mlco2.regions.first()
    {
        group.bench_function("mlco2_estimate", |b| {
            b.iter(|| {
                mlco2_estimate(
                    "V100",
                    black_box(300.0),
                    black_box(100.0),
                    Mlco2Intensity::Region(row),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
