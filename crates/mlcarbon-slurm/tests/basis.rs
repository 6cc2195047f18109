//! `--basis` for a cluster description: the zone's figure on the basis asked for, as estimate
//! takes it; a description's own intensity stays as given.

use mlcarbon_data::{Basis, Dataset};
use mlcarbon_slurm::Cluster;

fn data() -> &'static Dataset {
    Dataset::builtin().expect("dataset")
}

/// The grid figure (g/kWh) and basis label of the description's fallback partition.
fn grid(text: &str, basis: Option<Basis>) -> (f64, &'static str) {
    let cluster = Cluster::parse_on_basis(text, data(), basis).expect("cluster");
    let partition = cluster.partition("any").expect("default partition");
    (partition.intensity.range.value.0, partition.basis)
}

const FRANCE: &str = "zone = \"FR\"\n[default]\ncpu_w_per_core = 4\n";

#[test]
fn a_zone_gives_its_figure_on_the_basis_asked_for() {
    let france = data().zone("FR").expect("FR");
    let lifecycle = france.default_figure().g_per_kwh;
    let direct = france
        .figure(Basis::Direct)
        .expect("France has a direct figure")
        .g_per_kwh;
    assert_ne!(lifecycle, direct);
    assert_eq!(grid(FRANCE, None), (lifecycle, "lifecycle"));
    assert_eq!(
        grid(FRANCE, Some(Basis::Lifecycle)),
        (lifecycle, "lifecycle")
    );
    assert_eq!(grid(FRANCE, Some(Basis::Direct)), (direct, "direct"));
    // The plain parser is the default basis.
    let plain = Cluster::parse(FRANCE, data()).expect("cluster");
    assert_eq!(
        plain
            .partition("any")
            .expect("default")
            .intensity
            .range
            .value
            .0,
        lifecycle
    );
}

#[test]
fn a_partition_overrides_the_zone_and_keeps_the_basis() {
    let text = "zone = \"FR\"\n[[partition]]\nname = \"de\"\nzone = \"DE\"\ncpu_w_per_core = 4\n";
    let cluster = Cluster::parse_on_basis(text, data(), Some(Basis::Direct)).expect("cluster");
    let de = cluster.partition("de").expect("de");
    let germany = data().zone("DE").expect("DE");
    assert_eq!(
        de.intensity.range.value.0,
        germany.figure(Basis::Direct).expect("direct").g_per_kwh
    );
    assert_eq!(de.basis, "direct");
}

#[test]
fn a_given_intensity_stays_as_given_on_either_basis() {
    let text = "zone = \"FR\"\nintensity_g_per_kwh = 123\n[default]\ncpu_w_per_core = 4\n";
    for basis in [None, Some(Basis::Lifecycle), Some(Basis::Direct)] {
        assert_eq!(grid(text, basis), (123.0, "given"));
    }
}

#[test]
fn a_zone_with_direct_figures_only_falls_back_unless_life_cycle_is_asked_for() {
    let text = "zone = \"US-IA\"\n[default]\ncpu_w_per_core = 4\n";
    let (_, basis) = grid(text, None);
    assert_eq!(basis, "direct");
    let cluster = Cluster::parse_on_basis(text, data(), None).expect("cluster");
    let note = &cluster
        .partition("any")
        .expect("default")
        .intensity
        .provenance
        .note;
    assert!(note.contains("no life-cycle figure"), "{note}");
    let error = Cluster::parse_on_basis(text, data(), Some(Basis::Lifecycle))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("no lifecycle grid intensity"), "{error}");
    assert!(!error.contains('\n'), "{error}");
}

#[test]
fn without_a_zone_the_world_average_is_on_the_basis_asked_for() {
    let text = "[default]\ncpu_w_per_core = 4\n";
    let world = data().world_zone().expect("world");
    assert_eq!(
        grid(text, None),
        (
            world.intensity_g_per_kwh,
            world.default_figure().basis.as_str()
        )
    );
    assert_eq!(
        grid(text, Some(Basis::Direct)).0,
        world.figure(Basis::Direct).expect("direct").g_per_kwh
    );
}
