//! `slurm report --basis direct` and `slurm import --basis`: the cluster description's zone on
//! the basis asked for, a given intensity kept as given.

use super::{app_error, array, json_of, num, text, usage_error};

const TRAPS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../mlcarbon-slurm/tests/fixtures/traps.psv"
);
/// Given `intensity_g_per_kwh = 100`.
const GIVEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../mlcarbon-slurm/tests/fixtures/cluster.toml"
);
/// `zone = "GB"`.
const ZONED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/cluster.toml"
);

fn report(cluster: &str, basis: Option<&str>) -> serde_json::Value {
    let mut args = vec![
        "slurm",
        "report",
        TRAPS,
        "--cluster",
        cluster,
        "--format",
        "json",
    ];
    if let Some(basis) = basis {
        args.extend(["--basis", basis]);
    }
    json_of(&args)
}

/// Each partition's (basis, g/kWh).
fn grids(json: &serde_json::Value) -> Vec<(String, f64)> {
    array(json, "/partitions")
        .iter()
        .map(|p| {
            (
                text(p, "/basis").to_string(),
                num(p, "/intensity/range/value"),
            )
        })
        .collect()
}

#[test]
fn report_basis_direct_takes_the_zones_direct_figure() {
    let lifecycle = report(ZONED, None);
    let direct = report(ZONED, Some("direct"));
    assert_eq!(grids(&lifecycle), grids(&report(ZONED, Some("lifecycle"))));
    let (lc, dr) = (grids(&lifecycle), grids(&direct));
    assert!(!lc.is_empty());
    for ((lc_basis, lc_g), (dr_basis, dr_g)) in lc.iter().zip(&dr) {
        assert_eq!(lc_basis, "lifecycle");
        assert_eq!(dr_basis, "direct");
        assert!(dr_g < lc_g, "direct {dr_g} vs life-cycle {lc_g}");
    }
    // Same energy, emissions in proportion to the intensity (one zone for every partition).
    let ratio = dr[0].1 / lc[0].1;
    assert_eq!(
        num(&direct, "/totals/energy_kwh"),
        num(&lifecycle, "/totals/energy_kwh")
    );
    // Embodied emissions are apart from `emissions_kg` and do not depend on the grid.
    let expected = num(&lifecycle, "/totals/emissions_kg") * ratio;
    let got = num(&direct, "/totals/emissions_kg");
    assert!(
        (got - expected).abs() <= 1e-9 * expected,
        "{got} vs {expected}"
    );
    assert_eq!(
        num(&direct, "/totals/embodied_kg"),
        num(&lifecycle, "/totals/embodied_kg")
    );
}

#[test]
fn a_given_intensity_is_said_given_whatever_the_basis() {
    let plain = report(GIVEN, None);
    let direct = report(GIVEN, Some("direct"));
    for (basis, g) in grids(&direct) {
        assert_eq!((basis.as_str(), g), ("given", 100.0));
    }
    assert_eq!(plain["totals"], direct["totals"]);
}

#[test]
fn basis_needs_a_cluster_description_and_a_known_name() {
    let error = app_error(&["slurm", "report", TRAPS, "--basis", "direct"]);
    assert!(error.contains("--cluster"), "{error}");
    let error = app_error(&[
        "slurm",
        "import",
        TRAPS,
        "--cluster-name",
        "hpc",
        "--basis",
        "direct",
    ]);
    assert!(error.contains("--cluster"), "{error}");
    let error = usage_error(&[
        "slurm",
        "report",
        TRAPS,
        "--cluster",
        ZONED,
        "--basis",
        "market",
    ]);
    assert!(error.contains("unknown basis"), "{error}");
}
