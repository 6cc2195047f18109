//! The data browser `/data`: hardware, grid zones, cloud regions and sources, each row with its
//! source and that source's licence; searchable (`?q=`, and as you type with the script).

use std::fmt::Write;

use axum::http::StatusCode;
use axum::response::Response;
use mlcarbon_data::{Dataset, SOURCES_MD};
use mlcarbon_model::statement::human_number;

use crate::pages::{Nav, escape, html, layout, table};
use crate::query::Params;
use crate::state::AppState;

fn opt(x: Option<f64>) -> String {
    x.map(human_number).unwrap_or_default()
}

fn source_cell(data: &Dataset, id: &str) -> (String, String) {
    let license = data
        .source(id)
        .map(|s| escape(&s.license))
        .unwrap_or_default();
    (
        format!(r##"<a href="#source-{id}">{id}</a>"##, id = escape(id)),
        license,
    )
}

/// Whether every word of `q` is in one of the row's texts (case-insensitive).
fn matches(q: &[String], texts: &[&str]) -> bool {
    q.iter()
        .all(|w| texts.iter().any(|t| t.to_lowercase().contains(w.as_str())))
}

pub fn page(state: &AppState, query: Option<&str>) -> Response {
    let data = state.data();
    let params = Params::parse(query);
    let q_text = params.get("q").unwrap_or("");
    let q: Vec<String> = q_text
        .split_whitespace()
        .map(str::to_lowercase)
        .take(16)
        .collect();
    let mut body = format!(
        r##"<h1>Data</h1>
<p>Dataset <code>{name}</code>: every figure mlcarbon uses, with its source and licence. The same rows as JSON: <a href="/api/hardware">/api/hardware</a>, <a href="/api/zones">/api/zones</a>, <a href="/api/regions">/api/regions</a>, <a href="/api/sources">/api/sources</a>.</p>
<form id="data-search" method="get" action="/data"><label>Search <input id="q" name="q" type="search" value="{q}" placeholder="h100, FR, us-east-1, ODbL…"></label> <button type="submit">Search</button></form>
<nav class="sections"><a href="#hardware">Hardware</a> · <a href="#zones">Grid zones</a> · <a href="#regions">Cloud regions</a> · <a href="#sources">Sources</a></nav>
"##,
        name = escape(&data.name),
        q = escape(q_text),
    );

    let rows: Vec<Vec<String>> = data
        .hardware
        .iter()
        .filter(|h| {
            let aliases = h.aliases.join(" ");
            matches(&q, &[&h.id, &h.name, &aliases, &h.vendor, &h.source])
        })
        .map(|h| {
            let (source, license) = source_cell(data, &h.source);
            vec![
                format!(
                    "{}<br><small class=\"muted\">{}</small>",
                    escape(&h.name),
                    escape(&h.aliases.join(", "))
                ),
                escape(&h.vendor),
                format!("{:?}", h.kind).to_lowercase(),
                h.power_w
                    .map_or(String::new(), |w| escape(&human_number(w))),
                escape(h.power_kind.map_or("not published", |k| k.label())),
                opt(h.memory_gb),
                opt(h.fp32_tflops),
                opt(h.bf16_tflops_dense.or(h.fp16_tflops_dense)),
                source,
                license,
                h.year.to_string(),
            ]
        })
        .collect();
    let _ = write!(
        body,
        r#"<h2 id="hardware">Hardware (<span class="count">{}</span>)</h2>"#,
        rows.len()
    );
    body.push_str(&table(
        "hardware-table",
        "data searchable",
        &[
            "name",
            "vendor",
            "kind",
            "power W",
            "figure",
            "memory GB",
            "FP32 TFLOPS",
            "BF16/FP16 dense",
            "source",
            "licence",
            "year",
        ],
        &rows,
    ));

    let rows: Vec<Vec<String>> = data
        .zones
        .iter()
        .filter(|z| {
            let aliases = z.aliases.join(" ");
            matches(
                &q,
                &[&z.id, &z.name, &aliases, &z.country, &z.source, &z.table],
            )
        })
        .map(|z| {
            let (source, license) = source_cell(data, &z.source);
            vec![
                format!("<code>{}</code>", escape(&z.id)),
                escape(&z.name),
                format!("{:?}", z.kind).to_lowercase(),
                escape(&human_number(z.intensity_g_per_kwh)),
                format!(
                    "{}–{}",
                    escape(&human_number(z.low)),
                    escape(&human_number(z.high))
                ),
                format!("{:?}", z.basis).to_lowercase(),
                z.year.to_string(),
                source,
                license,
                escape(&z.table),
            ]
        })
        .collect();
    let _ = write!(
        body,
        r#"<h2 id="zones">Grid zones (<span class="count">{}</span>)</h2><p class="note">Rows of <code>zones_odbl.csv</code> come from share-alike (ODbL) sources and keep that licence.</p>"#,
        rows.len()
    );
    body.push_str(&table(
        "zones-table",
        "data searchable",
        &[
            "id",
            "name",
            "kind",
            "g CO2e/kWh",
            "range",
            "basis",
            "year",
            "source",
            "licence",
            "table",
        ],
        &rows,
    ));

    let rows: Vec<Vec<String>> = data
        .regions
        .iter()
        .filter(|r| {
            matches(
                &q,
                &[
                    &r.provider,
                    &r.region,
                    &r.name,
                    &r.location,
                    &r.zone,
                    &r.source,
                ],
            )
        })
        .map(|r| {
            let (source, license) = source_cell(data, &r.source);
            let provider = data.provider(&r.provider);
            let pue = r.pue.or(provider.and_then(|p| p.pue));
            vec![
                escape(&r.provider),
                format!("<code>{}</code>", escape(&r.region)),
                escape(&r.location),
                format!(
                    r#"<a href="/data?q={z}#zones">{z}</a>"#,
                    z = escape(&r.zone)
                ),
                opt(r.provider_intensity_g_per_kwh),
                opt(pue),
                opt(r.cfe_percent),
                opt(r.offset_percent.or(provider.and_then(|p| p.offset_percent))),
                source,
                license,
            ]
        })
        .collect();
    let _ = write!(
        body,
        r#"<h2 id="regions">Cloud regions (<span class="count">{}</span>)</h2>"#,
        rows.len()
    );
    body.push_str(&table(
        "regions-table",
        "data searchable",
        &[
            "provider",
            "region",
            "location",
            "zone",
            "provider g/kWh",
            "PUE",
            "CFE %",
            "offset %",
            "source",
            "licence",
        ],
        &rows,
    ));

    let rows: Vec<Vec<String>> = data
        .sources
        .iter()
        .filter(|s| matches(&q, &[&s.id, &s.title, &s.publisher, &s.license, &s.notes]))
        .map(|s| {
            vec![
                format!(r#"<code id="source-{id}">{id}</code>"#, id = escape(&s.id)),
                escape(&s.title),
                escape(&s.publisher),
                s.year.map(|y| y.to_string()).unwrap_or_default(),
                format!("<b>{}</b>", escape(&s.license)),
                if s.url.starts_with("https://") || s.url.starts_with("http://") {
                    format!(
                        r#"<a href="{u}" rel="noreferrer">{u}</a>"#,
                        u = escape(&s.url)
                    )
                } else {
                    escape(&s.url)
                },
            ]
        })
        .collect();
    let _ = write!(
        body,
        r#"<h2 id="sources">Sources (<span class="count">{}</span>)</h2>"#,
        rows.len()
    );
    body.push_str(&table(
        "sources-table",
        "data searchable",
        &["id", "title", "publisher", "year", "licence", "url"],
        &rows,
    ));
    let _ = write!(
        body,
        r#"<details id="licences"><summary>Licences of the sources (SOURCES.md)</summary><pre>{}</pre></details>"#,
        escape(SOURCES_MD)
    );
    html(StatusCode::OK, layout("Data", Nav::Data, &body))
}
