//! `mlcarbon hardware`, `zones`, `regions`, `sources`: the data, searchable.

use anyhow::{Result, anyhow};
use mlcarbon_data::{Cpu, Dataset, Hardware, LookupError, Source, Zone, ZoneKind};
use serde::Serialize;

use crate::cli::{FormatOnly, ListArgs, RegionListArgs, TableFormat, ZoneListArgs};
use crate::inputs::lookup_error;
use crate::output::{Table, cell, json};

fn render<T: Serialize>(format: TableFormat, rows: &[T], table: Table) -> Result<String> {
    match format {
        TableFormat::Json => json(&rows),
        TableFormat::Csv => table.csv(),
        TableFormat::Markdown => Ok(table.markdown()),
        TableFormat::Human => Ok(table.human()),
    }
}

/// A search that names one row exactly (`US-IA`, `A100SXM480GB`) shows that row; otherwise the
/// rows matching every word; nothing at all is the lookup's own error with its suggestions.
fn pick<'r, T>(
    exact: Result<&'r T, LookupError>,
    matching: Vec<&'r T>,
    list_command: &str,
) -> Result<Vec<&'r T>> {
    match exact {
        Ok(row) => Ok(vec![row]),
        Err(_) if !matching.is_empty() => Ok(matching),
        Err(error) => Err(lookup_error(error, list_command)),
    }
}

fn cpus(data: &Dataset, args: &ListArgs) -> Result<String> {
    let rows: Vec<&Cpu> = match &args.search {
        Some(search) => pick(
            data.find_cpu(search)?,
            data.search_cpus(search)?,
            "hardware --cpus",
        )?,
        None => data.cpus()?.iter().collect(),
    };
    let mut t = Table::new(&[
        ("model", false),
        ("TDP W", true),
        ("cores", true),
        ("source", false),
        ("year", true),
    ]);
    for c in &rows {
        t.push(vec![
            c.name.to_string(),
            c.tdp_w.to_string(),
            cell(c.cores.map(f64::from)),
            c.source.to_string(),
            c.year.to_string(),
        ]);
    }
    render(args.format, &rows, t)
}

pub fn hardware(data: &Dataset, args: &ListArgs) -> Result<String> {
    if args.cpus {
        return cpus(data, args);
    }
    let rows: Vec<&Hardware> = match &args.search {
        Some(search) => pick(
            data.find_hardware(search),
            data.search_hardware(search),
            "hardware",
        )?,
        None => data.hardware.iter().collect(),
    };
    let mut t = Table::new(&[
        ("name", false),
        ("vendor", false),
        ("power W", true),
        ("power figure", false),
        ("memory GB", true),
        ("FP32 TFLOPS", true),
        ("FP16/BF16 dense", true),
        ("source", false),
        ("year", true),
    ]);
    for h in &rows {
        t.push(vec![
            h.name.to_string(),
            h.vendor.to_string(),
            cell(h.power_w),
            h.power_kind
                .map_or("not published", |k| k.label())
                .to_string(),
            cell(h.memory_gb),
            cell(h.fp32_tflops),
            cell(h.bf16_tflops_dense.or(h.fp16_tflops_dense)),
            h.source.to_string(),
            h.year.to_string(),
        ]);
    }
    render(args.format, &rows, t)
}

pub fn zones(data: &Dataset, args: &ZoneListArgs) -> Result<String> {
    let mut rows: Vec<&Zone> = match &args.search {
        Some(search) => pick(data.find_zone(search), data.search_zones(search), "zones")?,
        None => data.zones.iter().collect(),
    };
    if let Some(kind) = &args.kind {
        let kind = ZoneKind::parse(kind).map_err(|e| anyhow!(e))?;
        rows.retain(|z| z.kind == kind);
    }
    if args.cleanest {
        rows.sort_by(|a, b| a.intensity_g_per_kwh.total_cmp(&b.intensity_g_per_kwh));
    }
    let mut t = Table::new(&[
        ("id", false),
        ("name", false),
        ("g CO2e/kWh", true),
        ("range", true),
        ("basis", false),
        ("year", true),
        ("source", false),
    ]);
    for z in &rows {
        t.push(vec![
            z.id.to_string(),
            z.name.to_string(),
            z.intensity_g_per_kwh.to_string(),
            format!("{}–{}", z.low, z.high),
            format!("{:?}", z.basis).to_lowercase(),
            z.year.to_string(),
            z.source.to_string(),
        ]);
    }
    render(args.format, &rows, t)
}

pub fn regions(data: &Dataset, args: &RegionListArgs) -> Result<String> {
    let provider = args
        .provider
        .as_deref()
        .map(|p| {
            data.find_provider(p)
                .map_err(|e| lookup_error(e, "regions"))
        })
        .transpose()?;
    let rows = data.search_regions(provider, args.search.as_deref().unwrap_or(""));
    let mut t = Table::new(&[
        ("provider", false),
        ("region", false),
        ("location", false),
        ("zone", false),
        ("g CO2e/kWh", true),
        ("PUE", true),
        ("CFE %", true),
        ("source", false),
    ]);
    for r in &rows {
        let zone = data.zone(&r.zone);
        let intensity = r
            .provider_intensity_g_per_kwh
            .map(|g| format!("{g} (provider)"))
            .or_else(|| zone.map(|z| z.intensity_g_per_kwh.to_string()))
            .unwrap_or_default();
        let pue = r
            .pue
            .or_else(|| data.provider(&r.provider).and_then(|p| p.pue));
        t.push(vec![
            r.provider.to_string(),
            r.region.to_string(),
            if r.location.is_empty() {
                r.name.to_string()
            } else {
                r.location.to_string()
            },
            r.zone.to_string(),
            intensity,
            cell(pue),
            cell(r.cfe_percent),
            r.source.to_string(),
        ]);
    }
    render(args.format, &rows, t)
}

pub fn sources(data: &Dataset, args: &FormatOnly) -> Result<String> {
    let rows: Vec<&Source> = data.sources.iter().collect();
    let mut t = Table::new(&[
        ("id", false),
        ("title", false),
        ("year", true),
        ("license", false),
        ("url", false),
    ]);
    for s in &rows {
        t.push(vec![
            s.id.to_string(),
            s.title.to_string(),
            cell(s.year.map(f64::from)),
            s.license.to_string(),
            s.url.to_string(),
        ]);
    }
    render(args.format, &rows, t)
}
