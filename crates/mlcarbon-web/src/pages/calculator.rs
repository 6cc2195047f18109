//! The calculator page `/`: a form with every input of `mlcarbon estimate`, and, when the query
//! string holds a job, the result rendered on the server (so the URL is the shareable link).

use std::fmt::Write;

use axum::http::StatusCode;
use axum::response::Response;
use mlcarbon_data::Dataset;
use mlcarbon_model::KgCo2e;
use mlcarbon_model::equivalents::{EquivalentAmount, equivalents};
use mlcarbon_model::format::{Scale, energy_scale, human_power, mass_scale, range_suffix};
use mlcarbon_model::mlco2_report::{Mlco2Report, mlco2_latex};
use mlcarbon_model::report::{CompareBy, CompareReport, EmbodiedReport, EstimateReport};
use mlcarbon_model::statement::{human_energy, human_mass, human_number};

use crate::calc::{self, EstimateAnswer};
use crate::capabilities;
use crate::error::ApiError;
use crate::pages::{Nav, escape, html, layout, table};
use crate::query::{ESTIMATE_PARAMS, Params, encode};
use crate::state::AppState;
use crate::svg::{Bar, WIDE, bar_chart};
use mlcarbon_data::LookupError;
use mlcarbon_model::advise_report::{AdviseQuery, advise_report};
use mlcarbon_model::lang::{Lang, Msg, say, text};
use mlcarbon_model::params;
use mlcarbon_model::statement::{StatementStyle, Statements};
use mlcarbon_model::subject::JobSource;

/// Location parameters by the kind of place the form's radio buttons choose.
const CLOUD: [&str; 2] = ["provider", "region"];
const ZONE: [&str; 1] = ["zone"];
const INTENSITY: [&str; 2] = ["intensity", "offset_percent"];

/// The parameters the page keeps in its shareable URL, in order.
const SHARED: [&str; 19] = [
    "hardware",
    "count",
    "hours",
    "energy_kwh",
    "utilization",
    "cpu",
    "cpu_count",
    "cpu_utilization",
    "ram_gb",
    "where",
    "provider",
    "region",
    "zone",
    "intensity",
    "offset_percent",
    "pue",
    "lifetime_years",
    "compat",
    "lang",
];

/// The form's choice of location drops the fields of the other kinds of place (a browser
/// without the script sends them all).
fn effective_params(params: &Params) -> (Params, &'static str) {
    let place = match params.get("where") {
        Some("zone") => "zone",
        Some("intensity") => "intensity",
        Some("cloud") => "cloud",
        _ => {
            if params.get("zone").is_some() {
                "zone"
            } else if params.get("intensity").is_some() {
                "intensity"
            } else {
                "cloud"
            }
        }
    };
    let drop: Vec<&str> = match place {
        "zone" => CLOUD.iter().chain(INTENSITY.iter()).copied().collect(),
        "intensity" => CLOUD.iter().chain(ZONE.iter()).copied().collect(),
        _ => ZONE.iter().chain(INTENSITY.iter()).copied().collect(),
    };
    (params.without(&drop), place)
}

fn has_job(params: &Params) -> bool {
    ["hardware", "hours", "energy_kwh", "cpu", "ram_gb"]
        .iter()
        .any(|k| params.get(k).is_some())
}

/// The query string of the shareable URL.
pub fn share_query(params: &Params, place: &str) -> String {
    let mut parts = Vec::new();
    for name in SHARED {
        let value = if name == "where" {
            Some(place)
        } else {
            params.get(name)
        };
        if let Some(v) = value {
            parts.push(format!("{}={}", name.replace('_', "-"), encode(v)));
        }
    }
    parts.join("&")
}

fn api_query(params: &Params) -> String {
    let mut parts = Vec::new();
    let described = ESTIMATE_PARAMS
        .iter()
        .flat_map(|list| list.iter().map(|p| p.name));
    for name in described.chain(["compat"]) {
        if let Some(v) = params.get(name) {
            parts.push(format!("{}={}", name.replace('_', "-"), encode(v)));
        }
    }
    parts.join("&")
}

pub fn page(state: &AppState, query: Option<&str>) -> Response {
    let raw = Params::parse(query);
    let (params, place) = effective_params(&raw);
    let mut body = String::new();
    let lang = page_lang(&params);
    let _ = write!(
        body,
        r#"<div lang="{code}"><p class="lang-switch" id="lang-switch">{switch}</p><h1>{heading}</h1>"#,
        code = lang.code(),
        switch = lang_switch(&params, place, lang),
        heading = text(lang, Msg::PageHeading),
    );
    let mut matches = Vec::new();
    let mut error_field = None;
    let mut result_html = String::new();
    let mut status = StatusCode::OK;
    if has_job(&params) {
        match result(state, &params, place) {
            Ok(html) => result_html = html,
            Err(e) => {
                status = StatusCode::OK;
                error_field = e.body.field.clone();
                if error_field.as_deref() == Some("hardware") {
                    matches = hardware_matches(state, &params);
                }
                let _ = write!(
                    result_html,
                    r#"<section class="result"><p class="error" id="error" role="alert" data-field="{f}">{m}</p>{choices}</section>"#,
                    f = escape(e.body.field.as_deref().unwrap_or("")),
                    m = escape(&e.body.error),
                    choices = choices_html(&params, place, &matches, lang),
                );
            }
        }
    } else {
        result_html.push_str(
            r#"<section class="result intro" id="intro"><p>Fill in the job and press <b>Estimate</b>. Every figure comes with a range and the data row it rests on. Example: <a id="example" href="/?hardware=A100+SXM4+80GB&amp;count=8&amp;hours=72&amp;where=cloud&amp;provider=aws&amp;region=us-east-1">8 × A100 for 72 h in AWS us-east-1</a>.</p></section>"#,
        );
    }
    body.push_str(&form(
        state,
        &params,
        place,
        error_field.as_deref(),
        &matches,
    ));
    body.push_str(&result_html);
    body.push_str("</div>");
    html(status, layout("Calculator", Nav::Calculator, &body))
}

fn value(params: &Params, name: &str) -> String {
    escape(params.get(name).unwrap_or(""))
}

fn invalid(error_field: Option<&str>, names: &[&str]) -> &'static str {
    match error_field {
        Some(f) if names.contains(&f) => r#" aria-invalid="true""#,
        _ => "",
    }
}

/// The form; `matches`: the devices an ambiguous hardware name matched, offered first.
fn form(
    state: &AppState,
    params: &Params,
    place: &str,
    error_field: Option<&str>,
    matches: &[String],
) -> String {
    let lang = page_lang(params);
    let checked = |p: &str| if place == p { " checked" } else { "" };
    let mut providers = String::from(r#"<option value="">provider…</option>"#);
    for p in state.data().providers.iter() {
        let selected = if params.get("provider") == Some(p.id.as_ref()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            providers,
            r#"<option value="{}"{selected}>{}</option>"#,
            escape(&p.id),
            escape(&p.name)
        );
    }
    let e = |names: &[&str]| invalid(error_field, names);
    let compat = if params.get("compat").is_some() {
        " checked"
    } else {
        ""
    };
    let advanced_open = [
        "energy_kwh",
        "cpu",
        "cpu_count",
        "cpu_utilization",
        "ram_gb",
        "lifetime_years",
    ]
    .iter()
    .any(|k| params.get(k).is_some() || error_field == Some(k));
    format!(
        r#"<form id="calc" class="calc" method="get" action="/">
<fieldset><legend>{l_what}</legend>{lang_input}
<label>{l_hardware} <input id="hardware" name="hardware" list="hardware-list" autocomplete="off" placeholder="A100 SXM4 80GB" value="{hardware}"{e_hw}></label>
<datalist id="hardware-list"{matches_attr}>{matches}</datalist>
<label>{l_count} <input id="count" name="count"{a_count} placeholder="1" value="{count}"{e_count}></label>
<label>{l_hours} <input id="hours" name="hours"{a_hours} placeholder="24" value="{hours}"{e_hours}></label>
<label>{l_util} <input id="utilization" name="utilization"{a_utilization} placeholder="default: measured median" value="{utilization}"{e_util}></label>
<details{adv}><summary>Host CPU, RAM, a metered energy, hardware lifetime</summary>
<label>CPU <input id="cpu" name="cpu" placeholder="AMD EPYC 7763" value="{cpu}"{e_cpu}></label>
<label>CPU sockets <input id="cpu-count" name="cpu-count"{a_cpu_count} value="{cpu_count}"{e_cpuc}></label>
<label>CPU utilization <input id="cpu-utilization" name="cpu-utilization"{a_cpu_utilization} value="{cpu_util}"{e_cpuu}></label>
<label>RAM (GB) <input id="ram-gb" name="ram-gb"{a_ram_gb} value="{ram}"{e_ram}></label>
<label>Energy (kWh, instead of hardware × hours) <input id="energy-kwh" name="energy-kwh"{a_energy_kwh} value="{energy}"{e_energy}></label>
<label>Hardware lifetime (years, for embodied emissions) <input id="lifetime-years" name="lifetime-years"{a_lifetime_years} placeholder="default: 4" value="{lifetime}"{e_life}></label>
</details>
</fieldset>
<fieldset><legend>{l_where}</legend>
<div class="where">
<label><input type="radio" name="where" value="cloud" id="where-cloud"{c_cloud}> {l_cloud}</label>
<label><input type="radio" name="where" value="zone" id="where-zone"{c_zone}> {l_zonechoice}</label>
<label><input type="radio" name="where" value="intensity" id="where-intensity"{c_int}> {l_intchoice}</label>
</div>
<div class="place" data-where="cloud">
<label>{l_provider} <select id="provider" name="provider"{e_prov}>{providers}</select></label>
<label>{l_region} <input id="region" name="region" list="region-list" autocomplete="off" placeholder="us-east-1" value="{region}"{e_region}></label>
<datalist id="region-list"></datalist>
</div>
<div class="place" data-where="zone">
<label>{l_zone} <input id="zone" name="zone" list="zone-list" autocomplete="off" placeholder="FR, US-IA, WORLD" value="{zone}"{e_zone}></label>
<datalist id="zone-list"></datalist>
</div>
<div class="place" data-where="intensity">
<label>Intensity (g CO2e/kWh) <input id="intensity" name="intensity"{a_intensity} value="{intensity}"{e_int}></label>
<label>Offset (%) <input id="offset-percent" name="offset-percent"{a_offset_percent} value="{offset}"{e_off}></label>
</div>
<label>PUE <input id="pue" name="pue"{a_pue} placeholder="default: region, provider or 1.56" value="{pue}"{e_pue}></label>
<label>Basis <select id="basis" name="basis" title="{basis_help}"{e_basis}><option value=""{b_default}>life-cycle (default)</option><option value="direct"{b_direct}>direct (combustion only)</option></select></label>
<label class="check"><input type="checkbox" id="compat" name="compat" value="mlco2"{compat}> <span>As the published ML Emissions Calculator computes it (<code>compat=mlco2</code>)</span></label>
</fieldset>
<p><button id="estimate" type="submit">{l_estimate}</button></p>
</form>
"#,
        l_what = text(lang, Msg::PageWhatRan),
        l_where = text(lang, Msg::PageWhereRan),
        l_hardware = text(lang, Msg::PageHardware),
        l_count = text(lang, Msg::PageCount),
        l_hours = text(lang, Msg::PageHours),
        l_util = text(lang, Msg::PageUtilization),
        l_cloud = text(lang, Msg::PageCloudRegion),
        l_zonechoice = text(lang, Msg::PageZoneChoice),
        l_intchoice = text(lang, Msg::PageIntensityChoice),
        l_provider = text(lang, Msg::PageProvider),
        l_region = text(lang, Msg::PageRegion),
        l_zone = text(lang, Msg::PageZone),
        l_estimate = text(lang, Msg::PageEstimate),
        lang_input = match lang {
            Lang::En => String::new(),
            Lang::De => r#"<input type="hidden" name="lang" value="de">"#.to_string(),
        },
        matches_attr = if matches.is_empty() {
            ""
        } else {
            " data-matches"
        },
        matches = matches
            .iter()
            .map(|m| format!(r#"<option value="{}">"#, escape(m)))
            .collect::<String>(),
        a_count = number_attrs(&params::COUNT),
        a_hours = number_attrs(&params::HOURS),
        a_utilization = number_attrs(&params::UTILIZATION),
        a_cpu_count = number_attrs(&params::CPU_COUNT),
        a_cpu_utilization = number_attrs(&params::CPU_UTILIZATION),
        a_ram_gb = number_attrs(&params::RAM_GB),
        a_energy_kwh = number_attrs(&params::ENERGY_KWH),
        a_lifetime_years = number_attrs(&params::LIFETIME_YEARS),
        a_intensity = number_attrs(&params::INTENSITY),
        a_offset_percent = number_attrs(&params::OFFSET_PERCENT),
        a_pue = number_attrs(&params::PUE),
        hardware = value(params, "hardware"),
        count = value(params, "count"),
        hours = value(params, "hours"),
        utilization = value(params, "utilization"),
        cpu = value(params, "cpu"),
        cpu_count = value(params, "cpu_count"),
        cpu_util = value(params, "cpu_utilization"),
        ram = value(params, "ram_gb"),
        energy = value(params, "energy_kwh"),
        lifetime = value(params, "lifetime_years"),
        region = value(params, "region"),
        zone = value(params, "zone"),
        intensity = value(params, "intensity"),
        offset = value(params, "offset_percent"),
        pue = value(params, "pue"),
        adv = if advanced_open { " open" } else { "" },
        c_cloud = checked("cloud"),
        c_zone = checked("zone"),
        c_int = checked("intensity"),
        e_hw = e(&["hardware"]),
        e_count = e(&["count"]),
        e_hours = e(&["hours"]),
        e_util = e(&["utilization"]),
        e_cpu = e(&["cpu"]),
        e_cpuc = e(&["cpu_count"]),
        e_cpuu = e(&["cpu_utilization"]),
        e_ram = e(&["ram_gb"]),
        e_energy = e(&["energy_kwh"]),
        e_life = e(&["lifetime_years"]),
        e_prov = e(&["provider"]),
        e_region = e(&["region"]),
        e_zone = e(&["zone"]),
        e_int = e(&["intensity"]),
        e_off = e(&["offset_percent"]),
        e_pue = e(&["pue"]),
        e_basis = e(&["basis"]),
        basis_help = escape(params::BASIS.help),
        b_default = if params
            .get("basis")
            .is_some_and(|b| b.eq_ignore_ascii_case("direct"))
        {
            ""
        } else {
            " selected"
        },
        b_direct = if params
            .get("basis")
            .is_some_and(|b| b.eq_ignore_ascii_case("direct"))
        {
            " selected"
        } else {
            ""
        },
    )
}

fn result(state: &AppState, params: &Params, place: &str) -> Result<String, ApiError> {
    let answer = calc::estimate_answer(state, params)?;
    let mut out = String::new();
    match &answer {
        EstimateAnswer::Report(output) => {
            let report = &output.report;
            out.push_str(&report_html(report, &output.embodied, page_lang(params)));
            out.push_str(&chart_html(state, params, report));
            out.push_str(&hardware_html(state, params, report));
            out.push_str(&act_html(state, params, report));
            let request = params.estimate_request()?;
            let lang = page_lang(params);
            let style = |long| StatementStyle { long, lang };
            let both = calc::statements(state.data(), &request, "training", style(false)).and_then(
                |short| {
                    calc::statements(state.data(), &request, "training", style(true))
                        .map(|long| (short, long))
                },
            );
            match both {
                Ok((short, long)) => out.push_str(&statement_html(&short, &long, lang)),
                Err(e) => {
                    let _ = write!(
                        out,
                        r#"<section><p class="note">No statement: {}</p></section>"#,
                        escape(&e.body.error)
                    );
                }
            }
        }
        EstimateAnswer::Compat(report) => {
            out.push_str(&compat_html(report, state.data(), page_lang(params)))
        }
    }
    out.push_str(&share_html(params, place));
    Ok(out)
}

fn range(low: f64, high: f64, show: impl Fn(f64) -> String) -> String {
    format!("range {}–{}", show(low), show(high))
}

/// "range 35–268 kWh" in the unit `scale` picks for `value`; nothing when it reads as one number.
fn scaled_range(value: f64, low: f64, high: f64, scale: fn(f64) -> Scale) -> String {
    range_suffix(scale(value), low, high)
        .trim_start_matches(" (")
        .trim_end_matches(')')
        .to_string()
}

fn report_html(r: &EstimateReport, embodied: &EmbodiedReport, lang: Lang) -> String {
    let mut out = String::new();
    let hours = if r.hours > 0.0 {
        format!(" for {} h", human_number(r.hours))
    } else {
        String::new()
    };
    let _ = write!(
        out,
        r#"<section class="result" id="result" data-emissions-kg="{kg}">
<h2 id="job">{job}{hours} in {place}</h2>
<p class="headline"><output id="emissions">{mass} CO<sub>2</sub>e</output> <span class="range" id="emissions-range">{range}</span></p>
<dl class="figures">
<dt>{l_energy}</dt><dd id="energy">{energy} <span class="range">{erange}</span> · IT {it} × PUE {pue:.2}</dd>
<dt>{l_intensity}</dt><dd id="intensity-used">{intensity} g CO<sub>2</sub>e/kWh <span class="range">{irange}</span></dd>
<dt>PUE</dt><dd>{pue:.2} <span class="range">{prange}</span></dd>
<dt>{l_offset}</dt><dd id="offset">{offset}</dd>
<dt>{l_embodied}</dt><dd id="embodied">{embodied}</dd>
</dl>
"#,
        kg = r.emissions_kg,
        l_energy = text(lang, Msg::PageEnergy),
        l_intensity = text(lang, Msg::PageGridIntensity),
        l_offset = text(lang, Msg::PageOffsetClaim),
        l_embodied = text(lang, Msg::PageEmbodied),
        job = escape(&r.job),
        place = escape(&r.location.label),
        mass = escape(&human_mass(r.emissions_kg)),
        range = escape(&scaled_range(
            r.emissions_kg,
            r.emissions_kg_low,
            r.emissions_kg_high,
            mass_scale
        )),
        energy = escape(&human_energy(r.energy_kwh)),
        erange = escape(&scaled_range(
            r.energy_kwh,
            r.energy_kwh_low,
            r.energy_kwh_high,
            energy_scale
        )),
        it = escape(&human_energy(r.it_energy_kwh)),
        pue = r.pue,
        intensity = escape(&human_number(r.intensity_g_per_kwh)),
        irange = escape(&range(
            r.intensity_g_per_kwh_low,
            r.intensity_g_per_kwh_high,
            human_number
        )),
        prange = escape(&range(r.pue_low, r.pue_high, |p| format!("{p:.2}"))),
        offset = match (r.offset_kg, r.offset_percent) {
            (Some(kg), Some(p)) => escape(&format!(
                "{} CO2e ({p:.0} % offset or matched by the provider; shown beside the figure, not subtracted)",
                human_mass(kg)
            )),
            _ => "unknown".to_string(),
        },
        embodied = escape(&if embodied.parts.is_empty() {
            "not counted: no manufacturing figure for this hardware".to_string()
        } else {
            format!(
                "{} CO2e{} for the manufacturing share of {}; beside the figure above, not in it",
                human_mass(embodied.total_kg),
                range_suffix(
                    mass_scale(embodied.total_kg),
                    embodied.total_kg_low,
                    embodied.total_kg_high
                ),
                embodied.parts_text()
            )
        }),
    );
    if r.components.len() > 1 {
        let rows: Vec<Vec<String>> = r
            .components
            .iter()
            .map(|c| {
                vec![
                    escape(&c.label),
                    escape(&human_power(c.mean_power_w)),
                    escape(&human_energy(c.it_energy_kwh)),
                ]
            })
            .collect();
        out.push_str("<h3>By component (IT energy, before PUE)</h3>");
        out.push_str(&table(
            "components",
            "data",
            &["part", "mean power", "energy"],
            &rows,
        ));
    }
    out.push_str(&equivalents_html(&r.equivalents, lang));
    out.push_str("<h3>Where the numbers come from</h3>");
    let rows: Vec<Vec<String>> = r
        .provenance
        .iter()
        .map(|p| {
            vec![
                escape(&p.quantity),
                escape(&p.value),
                format!(
                    r#"<span class="origin {o}">{o}</span>"#,
                    o = escape(p.origin.label())
                ),
                match (&p.table, &p.row) {
                    (Some(t), Some(row)) => format!("<code>{}:{}</code>", escape(t), escape(row)),
                    _ => "—".to_string(),
                },
                p.source_title
                    .as_deref()
                    .or(p.source.as_deref())
                    .map(escape)
                    .unwrap_or_else(|| "—".to_string()),
                p.license.as_deref().map(escape).unwrap_or_default(),
                p.year.map(|y| y.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    out.push_str(&table(
        "provenance",
        "data",
        &[
            "quantity", "value", "how", "data row", "source", "licence", "year",
        ],
        &rows,
    ));
    out.push_str(r#"<ul class="notes">"#);
    for p in r.provenance.iter().filter(|p| !p.note.is_empty()) {
        let _ = write!(
            out,
            "<li><b>{}</b>: {}</li>",
            escape(&p.quantity),
            escape(&p.note)
        );
    }
    out.push_str("</ul>");
    if let Some(m) = &r.mlco2 {
        let _ = write!(
            out,
            r#"<p id="mlco2" class="note">The published calculator gives <b>{} kg CO2e</b> for one device of this job: {}</p>"#,
            escape(&m.result.kg.to_string()),
            escape(&m.differences)
        );
    }
    out.push_str("<h3>Greener options (same job)</h3>");
    if r.greener_options.is_empty() {
        out.push_str(r#"<p id="greener-none">None found that save emissions.</p>"#);
    } else {
        let rows: Vec<Vec<String>> = r
            .greener_options
            .iter()
            .map(|o| {
                vec![
                    escape(&o.label),
                    escape(&human_mass(o.emissions_kg)),
                    escape(&human_mass(o.saving_kg)),
                    escape(&format!("{:.0} %", o.saving_percent)),
                ]
            })
            .collect();
        out.push_str(&table(
            "greener",
            "data",
            &["where", "emissions", "saves", ""],
            &rows,
        ));
        for c in &r.caveats {
            let _ = write!(out, r#"<p class="note">{}</p>"#, escape(c));
        }
    }
    out.push_str("</section>");
    out
}

fn bars_of(
    report: &CompareReport,
    mine: impl Fn(&mlcarbon_model::report::OptionReport) -> bool,
) -> Vec<Bar> {
    report
        .alternatives
        .iter()
        .map(|o| Bar {
            label: o.label.clone(),
            value: o.emissions_kg,
            low: o.emissions_kg_low,
            high: o.emissions_kg_high,
            highlight: mine(o),
        })
        .collect()
}

/// The same job across the provider's regions, or across the cleanest grid zones.
fn chart_html(state: &AppState, params: &Params, r: &EstimateReport) -> String {
    let Ok(request) = params.estimate_request() else {
        return String::new();
    };
    let data = state.data();
    let (by, limit) = if r.location.provider.is_some() {
        (CompareBy::Regions, 60)
    } else {
        (CompareBy::Zones, 12)
    };
    match calc::compare_with(data, &request, Some(by), limit, &[], false, &[]) {
        Ok(report) => {
            let (title, mut bars) = if by == CompareBy::Regions {
                (
                    format!(
                        "The same job in every {} region (CO2e; yours highlighted)",
                        r.location.provider.as_deref().unwrap_or("")
                    ),
                    bars_of(&report, |o| {
                        o.region == r.location.region && o.provider == r.location.provider
                    }),
                )
            } else {
                (
                    "The same job in the cleanest grid zones (CO2e; yours first)".to_string(),
                    bars_of(&report, |_| false),
                )
            };
            if by == CompareBy::Zones {
                bars.insert(
                    0,
                    Bar {
                        label: format!("your job: {}", r.location.label),
                        value: report.baseline.emissions_kg,
                        low: report.baseline.emissions_kg_low,
                        high: report.baseline.emissions_kg_high,
                        highlight: true,
                    },
                );
            }
            format!(
                r#"<section id="chart">{}{}</section>"#,
                bar_chart("regions-chart", &title, &human_mass, &bars, WIDE),
                report
                    .assumption
                    .as_deref()
                    .map(|a| format!(r#"<p class="note">Assumption: {}.</p>"#, escape(a)))
                    .unwrap_or_default()
            )
        }
        Err(e) => format!(
            r#"<section id="chart"><p class="note">No comparison: {}</p></section>"#,
            escape(&e.body.error)
        ),
    }
}

fn hardware_html(state: &AppState, params: &Params, r: &EstimateReport) -> String {
    if r.hardware.is_none() {
        return String::new();
    }
    let Ok(request) = params.estimate_request() else {
        return String::new();
    };
    let mut out = String::from(
        r#"<section id="hardware-alternatives"><h3>Other hardware for the same work</h3>"#,
    );
    match calc::compare_with(
        state.data(),
        &request,
        Some(CompareBy::Hardware),
        8,
        &[],
        false,
        &[],
    ) {
        Ok(report) => {
            let rows: Vec<Vec<String>> = report
                .alternatives
                .iter()
                .map(|o| {
                    vec![
                        escape(&o.label),
                        escape(&format!("{} h", human_number(o.hours))),
                        escape(&human_mass(o.emissions_kg)),
                        escape(&human_mass(o.saving_kg)),
                        escape(&format!("{:.0} %", o.saving_percent)),
                    ]
                })
                .collect();
            out.push_str(&table(
                "hardware-table",
                "data",
                &["device", "hours", "emissions", "saves", ""],
                &rows,
            ));
            if let Some(a) = &report.assumption {
                let _ = write!(out, r#"<p class="note">{}</p>"#, escape(a));
            }
        }
        Err(e) => {
            let _ = write!(out, r#"<p class="note">{}</p>"#, escape(&e.body.error));
        }
    }
    out.push_str("</section>");
    out
}

/// The equivalents a reader takes in at once: a distance by car, the same distance flown (per
/// passenger-km, never a share of one route), phone charges. The rest sit behind "more".
const FIRST_EQUIVALENTS: [&str; 3] = ["car_km", "flight_passenger_km", "smartphone_charge"];

fn equivalent_item(e: &EquivalentAmount) -> String {
    format!(
        r#"<li data-id="{}"><b>{}</b> {} <span class="muted">({}; {} g per {}, {} {})</span></li>"#,
        escape(&e.id),
        escape(&human_number(e.amount)),
        escape(&e.unit),
        escape(&e.name),
        escape(&human_number(e.g_co2e_per_unit)),
        escape(&e.unit),
        escape(&e.source),
        e.year
    )
}

/// Three equivalents, then the others behind a toggle.
fn equivalents_html(equivalents: &[EquivalentAmount], lang: Lang) -> String {
    let (first, rest): (Vec<&EquivalentAmount>, Vec<&EquivalentAmount>) = equivalents
        .iter()
        .partition(|e| FIRST_EQUIVALENTS.contains(&e.id.as_str()));
    let mut out = format!(
        r#"<h3>{}</h3><ul id="equivalents" class="equivalents">"#,
        text(lang, Msg::PageEquivalentTo)
    );
    for e in first {
        out.push_str(&equivalent_item(e));
    }
    out.push_str("</ul>");
    if !rest.is_empty() {
        let _ = write!(
            out,
            r#"<details id="more-equivalents"><summary>{}</summary><ul class="equivalents">"#,
            say(lang, Msg::PageMore, &[("count", &rest.len().to_string())])
        );
        for e in rest {
            out.push_str(&equivalent_item(e));
        }
        out.push_str("</ul></details>");
    }
    out
}

/// The devices a hardware name could mean: every match of an ambiguous name, or the
/// suggestions for an unknown one.
fn hardware_matches(state: &AppState, params: &Params) -> Vec<String> {
    let Some(query) = params.get("hardware") else {
        return Vec::new();
    };
    match state.data().find_hardware(query) {
        Err(LookupError::Ambiguous { candidates, .. }) => candidates,
        Err(LookupError::NotFound { suggestions, .. }) => suggestions,
        Ok(_) => Vec::new(),
    }
}

/// "Did you mean": each device a link to the same job with that device.
fn choices_html(params: &Params, place: &str, matches: &[String], lang: Lang) -> String {
    if matches.is_empty() {
        return String::new();
    }
    let others = share_query(&params.without(&["hardware"]), place);
    let mut out = format!(
        r#"<p>{}</p><ul class="choices" id="hardware-choices">"#,
        text(lang, Msg::PageDidYouMean)
    );
    for name in matches {
        let href = format!("/?hardware={}&{others}", encode(name));
        let _ = write!(
            out,
            r#"<li><a class="button" href="{}">{}</a></li>"#,
            escape(&href),
            escape(name)
        );
    }
    out.push_str("</ul>");
    out
}

/// Links to the same page in the other languages.
fn lang_switch(params: &Params, place: &str, current: Lang) -> String {
    let others = share_query(&params.without(&["lang"]), place);
    Lang::ALL
        .iter()
        .map(|lang| {
            let name = match lang {
                Lang::En => "English",
                Lang::De => "Deutsch",
            };
            if *lang == current {
                format!("<b>{name}</b>")
            } else {
                let query = match lang {
                    Lang::En => others.clone(),
                    Lang::De => format!("lang=de&{others}"),
                };
                format!(
                    r#"<a href="/?{}" hreflang="{}" id="lang-{}">{name}</a>"#,
                    escape(query.trim_end_matches('&')),
                    lang.code(),
                    lang.code()
                )
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The page's language: `lang=de` for German; anything else reads as English.
fn page_lang(params: &Params) -> Lang {
    params.get("lang").and_then(Lang::parse).unwrap_or_default()
}

/// The short statement in three tabs, and the long one behind a toggle.
fn statement_html(short: &Statements, long: &Statements, lang: Lang) -> String {
    format!(
        r#"<section id="statement" lang="{code}"><h3>{heading}</h3>
<div class="tabs" role="tablist"><button type="button" role="tab" data-tab="statement-markdown" aria-selected="true">Markdown</button><button type="button" role="tab" data-tab="statement-latex" aria-selected="false">LaTeX</button><button type="button" role="tab" data-tab="statement-bibtex" aria-selected="false">BibTeX</button></div>
<textarea id="statement-markdown" class="statement" readonly rows="6">{md}</textarea>
<textarea id="statement-latex" class="statement" readonly rows="6" hidden>{tex}</textarea>
<textarea id="statement-bibtex" class="statement" readonly rows="6" hidden>{bib}</textarea>
<p><button type="button" class="copy" id="copy-statement" data-copy-active="statement">Copy</button> <span class="copied" aria-live="polite"></span></p>
<details id="statement-long"><summary>{toggle}</summary>
<label>Markdown <textarea id="statement-long-markdown" class="statement-text" readonly rows="12">{long_md}</textarea></label>
<label>LaTeX <textarea id="statement-long-latex" class="statement-text" readonly rows="8">{long_tex}</textarea></label>
<label>BibTeX <textarea id="statement-long-bibtex" class="statement-text" readonly rows="8">{long_bib}</textarea></label>
</details>
</section>"#,
        code = lang.code(),
        heading = text(lang, Msg::PageStatementHeading),
        toggle = text(lang, Msg::PageLongToggle),
        md = escape(&short.markdown),
        tex = escape(&short.latex),
        bib = escape(&short.bibtex),
        long_md = escape(&long.markdown),
        long_tex = escape(&long.latex),
        long_bib = escape(&long.bibtex),
    )
}

/// The published calculator's result layout: energy, intensity, emissions, offset, three
/// equivalents and its LaTeX paragraph.
fn compat_html(r: &Mlco2Report, data: &Dataset, lang: Lang) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<section class="result" id="result" data-emissions-kg="{kg}">
<h2 id="job">{device} ({tdp} W) for {hours} h on {location} — {how}</h2>
<p class="headline"><output id="emissions">{kg} kg CO<sub>2</sub>eq</output></p>
<dl class="figures">
<dt>Energy</dt><dd id="energy">{kwh} kWh</dd>
<dt>Intensity</dt><dd id="intensity-used">{kgkwh} kg CO<sub>2</sub>eq/kWh ({g} g/kWh{cell})</dd>
<dt>Offset</dt><dd id="offset">{off} kg CO<sub>2</sub>eq ({offp} % offset by the provider)</dd>
</dl>
"#,
        kg = r.emissions_kg,
        device = escape(&r.device),
        tdp = r.tdp_w,
        hours = r.hours,
        location = escape(&r.location),
        how = if r.mode == "exact" {
            "the calculator's data, exact arithmetic"
        } else {
            "as the published ML Emissions Calculator computes it"
        },
        kwh = r.energy_kwh,
        kgkwh = r.kg_per_kwh,
        g = r.intensity_g_per_kwh,
        cell = r
            .provenance
            .impact_cell
            .as_ref()
            .map(|c| format!(", cell <code>{}</code>", escape(c)))
            .unwrap_or_default(),
        off = r.offset_kg,
        offp = r.offset_percent,
    );
    let mut bars = vec![Bar {
        label: format!("your job: {}", r.location),
        value: r.emissions_kg,
        low: r.emissions_kg,
        high: r.emissions_kg,
        highlight: true,
    }];
    if let Some(c) = &r.cleanest_region {
        let _ = write!(
            out,
            r#"<p id="cleanest">Cleanest region of this provider: <b>{}</b> with {} kg CO<sub>2</sub>eq ({} kg less).</p>"#,
            escape(&c.region),
            c.emissions_kg,
            escape(&human_number(c.saving_kg))
        );
        bars.push(Bar {
            label: format!("cleanest: {}", c.region),
            value: c.emissions_kg,
            low: c.emissions_kg,
            high: c.emissions_kg,
            highlight: false,
        });
    }
    out.push_str(&equivalents_html(
        &equivalents(KgCo2e(r.emissions_kg), &data.equivalents),
        lang,
    ));
    let _ = write!(
        out,
        r#"<h3>LaTeX</h3><textarea id="mlco2-latex" class="statement-text" readonly rows="5">{}</textarea>
<p><button type="button" class="copy" data-copy="mlco2-latex">Copy</button> <span class="copied" aria-live="polite"></span></p>"#,
        escape(&mlco2_latex(r, lang))
    );
    // The page's own words for the report's notes, which name the CLI's flags.
    let arithmetic = if r.mode == "exact" {
        "exact arithmetic (no truncation or rounding)"
    } else {
        "its arithmetic (g/kWh truncated to an integer, every step rounded to 0.01 as JavaScript's toFixed does)"
    };
    let _ = write!(
        out,
        r#"<ul class="notes" id="mlco2-notes"><li>The published calculator's data ({}, licence {}) and {arithmetic}; one device, no PUE, 100 % of TDP.</li><li>Untick “As the published ML Emissions Calculator computes it” for mlcarbon's current data, PUE, utilization and ranges.</li></ul></section>"#,
        escape(r.provenance.data),
        escape(r.provenance.license),
    );
    let _ = write!(
        out,
        r#"<section id="chart">{}</section>"#,
        bar_chart(
            "regions-chart",
            "Your job and the provider's cleanest region (CO2eq)",
            &human_mass,
            &bars,
            WIDE
        )
    );
    out
}

/// How long after now the job may finish, for the advice and the schedule the page offers:
/// a day, or twice the job's duration for a longer job.
fn deadline_hours(job_hours: f64) -> f64 {
    (2.0 * job_hours).max(24.0).ceil()
}

/// The attributes of a number input, from the parameter's description: its type, bounds, step
/// and help as a tooltip.
fn number_attrs(param: &params::Param) -> String {
    if param.is_hours() {
        // Durations also take units (90m, 1h30m), which a number input would refuse.
        return format!(
            " type=\"text\" inputmode=\"decimal\" title=\"{}\"",
            escape(param.help)
        );
    }
    let mut out = String::from(" type=\"number\"");
    if let Some((min, _, max, _)) = param.bounds() {
        out.push_str(&format!(" min=\"{min}\""));
        if max < 1e12 {
            out.push_str(&format!(" max=\"{max}\""));
        }
    }
    let step = if matches!(param.kind, params::Kind::Whole { .. }) {
        "1"
    } else {
        "any"
    };
    out.push_str(&format!(
        " step=\"{step}\" title=\"{}\"",
        escape(param.help)
    ));
    out
}

/// What to do about the job (the top of `mlcarbon advise`, a later start within a day
/// included) and links to the advice and the best start time as JSON.
fn act_html(state: &AppState, params: &Params, r: &EstimateReport) -> String {
    let data = state.data();
    let job: Vec<String> = params::JOB
        .iter()
        .chain(params::LOCATION)
        .map(|p| p.name)
        .filter_map(|name| {
            params
                .get(name)
                .map(|v| format!("{}={}", name.replace('_', "-"), encode(v)))
        })
        .collect();
    let job = job.join("&");
    let timed = r.hours > 0.0;
    let within = deadline_hours(r.hours);
    let deadline = if timed {
        format!("&deadline={within}")
    } else {
        String::new()
    };
    let advise_url = format!("/api/advise?{job}{deadline}");
    let mut out = String::from(r#"<section id="act"><h3>What to do about it</h3>"#);
    let advice = capabilities::estimate_request(params).and_then(|request| {
        let query = AdviseQuery {
            job: JobSource::Request(request),
            deadline: timed.then_some(within),
            ..AdviseQuery::default()
        };
        Ok(advise_report(data, &query, mlcarbon_time::now())?)
    });
    match advice {
        Ok(report) if !report.actions.is_empty() => {
            out.push_str(r#"<ol id="actions">"#);
            for a in report.actions.iter().take(3) {
                let _ = write!(
                    out,
                    r#"<li><b>{label}</b>: saves {kg} CO<sub>2</sub>e ({pct:.0} %) <span class="muted">— {caveat}</span></li>"#,
                    label = escape(&a.label),
                    kg = escape(&human_mass(a.saving.0)),
                    pct = a.saving_percent,
                    caveat = escape(&a.caveat),
                );
            }
            out.push_str("</ol>");
        }
        Ok(_) => {
            out.push_str(r#"<p id="actions">No action with a saving the data can justify.</p>"#)
        }
        Err(e) => {
            let _ = write!(
                out,
                r#"<p class="note" id="actions">No advice: {}</p>"#,
                escape(&e.body.error)
            );
        }
    }
    let _ = write!(
        out,
        r#"<p class="muted">All the advice{within}, with its caveats and basis, as JSON: <a id="advise-link" href="{a}">/api/advise</a> (<code>mlcarbon advise</code> with the same flags)"#,
        within = if timed {
            format!(" (finishing within {within} h)")
        } else {
            String::new()
        },
        a = escape(&advise_url),
    );
    let zone = r.location.zone.as_deref();
    if let Some(zone) = zone.filter(|z| timed && has_profile(data, z)) {
        let schedule_url = format!(
            "/api/schedule?{}&within={within}",
            schedule_query(params, zone)
        );
        let _ = write!(
            out,
            r#"; the best start within {within} h: <a id="schedule-link" href="{s}">/api/schedule</a> (<code>mlcarbon schedule</code>)"#,
            s = escape(&schedule_url),
        );
    }
    out.push_str(".</p></section>");
    out
}

/// Whether `mlcarbon schedule` has a built-in profile for the zone (its own or borrowed).
fn has_profile(data: &mlcarbon_data::Dataset, zone: &str) -> bool {
    data.month_hour_zones().contains(&zone) || data.profile_proxy(zone).is_some()
}

/// The job's parameters with the zone of its location (schedule takes no intensity).
fn schedule_query(params: &Params, zone: &str) -> String {
    let mut parts: Vec<String> = params::JOB
        .iter()
        .chain([params::PUE].iter())
        .map(|p| p.name)
        .filter_map(|name| {
            params
                .get(name)
                .map(|v| format!("{}={}", name.replace('_', "-"), encode(v)))
        })
        .collect();
    parts.push(format!("zone={}", encode(zone)));
    parts.join("&")
}

fn share_html(params: &Params, place: &str) -> String {
    let share = format!("/?{}", share_query(params, place));
    let api = format!("/api/estimate?{}", api_query(params));
    format!(
        r#"<section id="share"><h3>Share</h3>
<p><input id="share-url" class="share" readonly value="{s}" data-path="{s}"> <button type="button" class="copy" data-copy="share-url">Copy link</button> <span class="copied" aria-live="polite"></span></p>
<p class="muted">The same as JSON: <a id="api-link" href="{a}">{a}</a> · <code>mlcarbon estimate</code> takes the same names as flags.</p>
</section>"#,
        s = escape(&share),
        a = escape(&api),
    )
}
