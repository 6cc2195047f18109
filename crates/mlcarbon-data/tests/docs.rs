//! `docs/data.md` quotes the tables: row counts, constants, zone kinds, regions per provider,
//! power kinds. These tests read the page and fail when a quoted figure no longer matches.

use std::collections::BTreeMap;

use mlcarbon_data::{Dataset, PowerKind, ZoneKind};

const DATA_MD: &str = include_str!("../../../docs/data.md");

fn data() -> &'static Dataset {
    Dataset::builtin().expect("built-in dataset")
}

/// The cells of the markdown table row whose first cell is `first`.
fn table_row(first: &str) -> Vec<String> {
    DATA_MD
        .lines()
        .map(|line| {
            line.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect::<Vec<_>>()
        })
        .find(|cells| cells.first().is_some_and(|c| c == first))
        .unwrap_or_else(|| panic!("docs/data.md has no table row `{first}`"))
}

fn number(text: &str) -> f64 {
    text.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("`{text}` is not a number"))
}

/// The text after `marker` up to the next full stop, e.g. the list after "By kind:".
fn sentences_after(marker: &str) -> Vec<String> {
    DATA_MD
        .replace('\n', " ")
        .split(marker)
        .skip(1)
        .map(|rest| rest.split(". ").next().unwrap_or(rest).to_string())
        .collect()
}

/// `"178 country, 51 state"` as (label, count) pairs.
fn counts(list: &str) -> BTreeMap<String, usize> {
    list.split(',')
        .filter_map(|part| {
            let mut words = part.split_whitespace();
            let n = words.next()?.trim_end_matches('.').parse().ok()?;
            Some((words.next()?.trim_end_matches('.').to_string(), n))
        })
        .collect()
}

#[test]
fn row_counts_match_the_tables() {
    let d = data();
    let zones = d.zones.iter().filter(|z| z.table == "zones.csv").count();
    let zones_odbl = d
        .zones
        .iter()
        .filter(|z| z.table == "zones_odbl.csv")
        .count();
    for (file, rows) in [
        ("`hardware.csv`", d.hardware.len()),
        ("`cpus.csv`", d.cpus().expect("cpus").len()),
        ("`zones.csv`", zones),
        ("`zones_odbl.csv`", zones_odbl),
        (
            "`zones_ranges_sharealike.csv`",
            d.zone_ranges_sharealike.len(),
        ),
        ("`providers.csv`", d.providers.len()),
        ("`regions.csv`", d.regions.len()),
        ("`water.csv`", d.water.len()),
        ("`equivalents.csv`", d.equivalents.len()),
    ] {
        let cells = table_row(file);
        assert_eq!(number(&cells[1]) as usize, rows, "{file}");
    }
    // Sources: "81 (+ 10)" is sources.csv, then sources_act.csv.
    let cells = table_row("`sources.csv` (+ `sources_act.csv`)");
    let (main, act) = cells[1].split_once('(').expect("81 (+ 10)");
    let act = act.trim_start_matches('+').trim_end_matches(')').trim();
    assert_eq!(
        number(main.trim()) as usize + number(act) as usize,
        d.sources.len()
    );
}

#[test]
fn quoted_constants_match_the_table() {
    let d = data();
    for c in d
        .constants
        .iter()
        .filter(|c| !c.id.contains("embodied") && !c.id.contains("idle"))
    {
        let cells = table_row(&format!("`{}`", c.id));
        let close = |text: &str, value: f64| {
            (number(text) - value).abs() <= 1e-9_f64.max(value.abs() * 1e-4)
        };
        assert!(
            close(&cells[1], c.value),
            "{}: {} vs {}",
            c.id,
            cells[1],
            c.value
        );
        if let (Some(low), Some(high)) = (c.low, c.high) {
            assert!(
                close(&cells[2], low) && close(&cells[3], high),
                "{} range",
                c.id
            );
        }
    }
    let world = d.world_zone().expect("WORLD");
    assert_eq!(
        d.constant("world_intensity_g_per_kwh").map(|c| c.value),
        Some(world.intensity_g_per_kwh)
    );
}

#[test]
fn zone_kinds_and_regions_per_provider_match() {
    let d = data();
    let kinds = sentences_after("By kind: ");
    assert_eq!(
        kinds.len(),
        2,
        "one list for zones.csv, one for zones_odbl.csv"
    );
    for (list, table) in kinds.iter().zip(["zones.csv", "zones_odbl.csv"]) {
        let quoted = counts(list);
        let mut actual: BTreeMap<String, usize> = BTreeMap::new();
        for z in d.zones.iter().filter(|z| z.table == table) {
            *actual.entry(z.kind.as_str().to_string()).or_default() += 1;
        }
        assert_eq!(quoted, actual, "{table}");
        assert!(ZoneKind::ALL.len() >= actual.len());
    }
    let per_provider = sentences_after("Rows per provider: ");
    let quoted: BTreeMap<String, usize> = per_provider[0]
        .split(',')
        .filter_map(|part| {
            let mut words = part.split_whitespace();
            let name = words.next()?.to_lowercase();
            let n = words.next()?.parse().ok()?;
            Some((name, n))
        })
        .collect();
    for p in d.providers.iter() {
        let n = d.provider_regions(&p.id).count();
        let name = p
            .name
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_lowercase();
        let quoted_n = quoted
            .get(p.id.as_ref())
            .or_else(|| quoted.get(&name))
            .unwrap_or_else(|| panic!("{} not in `Rows per provider`", p.id));
        assert_eq!(*quoted_n, n, "{}", p.id);
    }
}

#[test]
fn power_kind_counts_match() {
    let d = data();
    let row = table_row("`power_kind`");
    let text = &row[1];
    for (kind, label) in [
        (PowerKind::Tdp, "`tdp`"),
        (PowerKind::BoardPower, "`board_power`"),
    ] {
        let n = d
            .hardware
            .iter()
            .filter(|h| h.power_kind == Some(kind))
            .count();
        let after = text
            .split(label)
            .nth(1)
            .unwrap_or_else(|| panic!("{label}"));
        let quoted = after
            .split(" rows")
            .next()
            .and_then(|s| s.rsplit(|c: char| !c.is_ascii_digit()).next())
            .map(number)
            .unwrap_or_else(|| panic!("{label} count"));
        assert_eq!(quoted as usize, n, "{label}");
    }
}

#[test]
fn every_source_is_listed_with_its_licence_in_sources_md() {
    let d = data();
    let sources_md = mlcarbon_data::SOURCES_MD;
    // sources_act.csv ids are documented in docs/act.md; the grid, hardware and cloud ones here.
    let act: Vec<&str> = include_str!("../data/sources_act.csv")
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    for s in d.sources.iter().filter(|s| !act.contains(&s.id.as_ref())) {
        let row = format!("| `{}` |", s.id);
        let line = sources_md
            .lines()
            .find(|l| l.starts_with(&row))
            .unwrap_or_else(|| panic!("SOURCES.md lists no `{}`", s.id));
        assert!(line.contains(s.license.as_ref()), "{}: licence", s.id);
    }
}
