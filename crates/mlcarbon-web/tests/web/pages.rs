//! The pages: the calculator on any result, the dashboard, the data browser.

use axum::http::StatusCode;

use crate::support::{Db, bare, get};

fn emissions_text(body: &str) -> String {
    let start = body
        .find("<output id=\"emissions\">")
        .expect("an emissions figure")
        + 23;
    let end = body[start..].find("</output>").expect("closed") + start;
    body[start..end].to_string()
}

#[tokio::test]
async fn calculator_form_without_a_job() {
    let page = get(&bare(), "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type().starts_with("text/html"));
    for id in [
        "id=\"hardware\"",
        "id=\"count\"",
        "id=\"hours\"",
        "id=\"provider\"",
        "id=\"region\"",
        "id=\"zone\"",
        "id=\"intensity\"",
        "id=\"pue\"",
        "id=\"utilization\"",
        "id=\"compat\"",
        "list=\"hardware-list\"",
        "id=\"example\"",
    ] {
        assert!(page.body.contains(id), "{id}");
    }
    assert!(page.body.contains("<script src=\"/assets/app.js\""));
    assert!(
        !page.body.contains("http://")
            || page.body.contains("xmlns=\"http://www.w3.org/2000/svg\"")
            || !page.body.contains("<script src=\"http")
    );
}

#[tokio::test]
async fn calculator_renders_every_part_of_a_result() {
    let page = get(
        &bare(),
        "/?hardware=A100+SXM4+80GB&count=8&hours=72&where=cloud&provider=aws&region=us-east-1&zone=FR",
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert_eq!(emissions_text(body), "71.9 kg CO<sub>2</sub>e");
    for part in [
        "id=\"emissions-range\"",
        "id=\"equivalents\"",
        "id=\"provenance\"",
        "hardware.csv:nvidia-a100-sxm4-80gb",
        "id=\"regions-chart\"",
        "class=\"bar mine\"",
        "id=\"hardware-table\"",
        "id=\"statement-markdown\"",
        "id=\"statement-latex\"",
        "id=\"copy-statement\"",
        "id=\"share-url\"",
        "id=\"mlco2\"",
    ] {
        assert!(body.contains(part), "{part} missing");
    }
    // `where=cloud` drops the zone the form also sent; the share link keeps the inputs.
    assert!(body.contains("data-path=\"/?hardware=A100%20SXM4%2080GB&amp;count=8&amp;hours=72&amp;where=cloud&amp;provider=aws&amp;region=us-east-1\"")
        || body.contains("data-path=\"/?hardware=A100+SXM4+80GB&amp;count=8&amp;hours=72&amp;where=cloud&amp;provider=aws&amp;region=us-east-1\""),
        "share link");
}

#[tokio::test]
async fn calculator_shows_embodied_emissions_over_the_lifetime_given() {
    let app = bare();
    let job = "/?hardware=A100+SXM4+80GB&count=8&hours=72&provider=aws&region=us-east-1";
    let four = get(&app, job).await;
    assert!(
        four.body.contains("<dd id=\"embodied\">2.47 kg CO2e"),
        "the cards' share over 4 years"
    );
    let five = get(&app, &format!("{job}&lifetime-years=5")).await;
    assert!(
        five.body.contains("<dd id=\"embodied\">1.97 kg CO2e"),
        "over 5 years: 4/5 of it"
    );
    assert!(five.body.contains("id=\"lifetime-years\""));
    assert!(
        five.body.contains("value=\"5\""),
        "the form keeps the lifetime"
    );
    assert!(
        five.body.contains("<details open>"),
        "and shows where it is"
    );
    let bad = get(&app, &format!("{job}&lifetime-years=0")).await;
    assert!(
        bad.body.contains("data-field=\"lifetime_years\""),
        "{}",
        bad.body.len()
    );
}

#[tokio::test]
async fn calculator_never_fails_on_any_result() {
    let app = bare();
    for (query, expected) in [
        (
            "energy-kwh=10&intensity=0&pue=1",
            Some("0 kg CO<sub>2</sub>e"),
        ),
        (
            "energy-kwh=10&intensity=50&pue=1.2",
            Some("600 g CO<sub>2</sub>e"),
        ),
        (
            "energy-kwh=10&intensity=250&pue=1.2",
            Some("3 kg CO<sub>2</sub>e"),
        ),
        ("energy-kwh=0&zone=FR", Some("0 kg CO<sub>2</sub>e")),
        (
            "hardware=H100+SXM&count=10000000&hours=1000000&zone=PL&pue=5",
            None,
        ),
        ("hardware=H100+SXM&hours=0.000001&zone=FR", None),
        (
            "energy-kwh=1000000000000000&intensity=1000000000&pue=5",
            None,
        ),
        (
            "hardware=Tesla+V100-PCIE-16GB&hours=100&provider=azure&region=centralus&compat=mlco2",
            Some("22.2 kg CO<sub>2</sub>eq"),
        ),
        (
            "hardware=Tesla+V100-PCIE-16GB&hours=1000000&intensity=1000000000&compat=mlco2",
            None,
        ),
        (
            "hardware=Tesla+V100-PCIE-16GB&hours=1&intensity=0&compat=mlco2",
            Some("0 kg CO<sub>2</sub>eq"),
        ),
        ("cpu=AMD+EPYC+7763&ram-gb=512&hours=3&zone=DE", None),
    ] {
        let page = get(&app, &format!("/?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        assert!(
            page.body.contains("id=\"result\""),
            "{query}: {}",
            page.body
        );
        assert!(page.body.contains("id=\"regions-chart\""), "{query}");
        assert!(
            !page.body.contains("NaN") && !page.body.contains("inf "),
            "{query}"
        );
        if let Some(text) = expected {
            assert_eq!(emissions_text(&page.body), text, "{query}");
        }
    }
}

#[tokio::test]
async fn calculator_shows_errors_beside_the_form() {
    let page = get(&bare(), "/?hardware=tesla%20v&hours=3&zone=FR").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"error\""));
    assert!(page.body.contains("data-field=\"hardware\""));
    assert!(page.body.contains("aria-invalid=\"true\""));
    assert!(page.body.contains("name one of them"));
    // Markup in input is text, never markup.
    let page = get(
        &bare(),
        "/?hardware=%3Cscript%3Ealert(1)%3C/script%3E&hours=3&zone=FR",
    )
    .await;
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(page.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn dashboard_lists_runs_with_totals_and_exports() {
    let db = Db::new();
    let app = db.router(None);
    let page = get(&app, "/runs").await;
    assert_eq!(page.status, StatusCode::OK);
    for part in [
        "id=\"runs\"",
        "href=\"/runs/1\"",
        "href=\"/runs/2\"",
        "id=\"weeks-chart\"",
        "id=\"projects-chart\"",
        "week of 2024-01-01",
        "week of 2024-01-08",
        "team &quot;x&quot;\\y",
        "id=\"export-codecarbon\"",
        "id=\"f-project\"",
    ] {
        assert!(page.body.contains(part), "{part} missing");
    }
    let filtered = get(&app, "/runs?project=bert&since=2024-01-01&until=2024-01-31").await;
    assert!(filtered.body.contains("href=\"/runs/1\""));
    assert!(!filtered.body.contains("href=\"/runs/2\""));
    assert!(filtered.body.contains("project=bert"));
    let bad = get(&app, "/runs?since=nope").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("id=\"error\""));
}

#[tokio::test]
async fn run_page_has_charts_and_breakdown() {
    let db = Db::new();
    let app = db.router(None);
    let page = get(&app, "/runs/1").await;
    assert_eq!(page.status, StatusCode::OK);
    for part in [
        "id=\"power-chart\"",
        "id=\"emissions-chart\"",
        "id=\"components-chart\"",
        "<polyline",
        "measured (energy counter)",
        "measured (power, integrated)",
        "modelled (rated power × utilization)",
        "id=\"measured-share\"",
        "href=\"/api/runs/1/export?format=codecarbon\"",
        "href=\"/api/runs/1/samples?format=csv\"",
    ] {
        assert!(page.body.contains(part), "{part} missing");
    }
    assert_eq!(get(&app, "/runs/77").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/runs/x").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn data_browser_with_licences() {
    let page = get(&bare(), "/data").await;
    assert_eq!(page.status, StatusCode::OK);
    for part in [
        "id=\"hardware-table\"",
        "id=\"zones-table\"",
        "id=\"regions-table\"",
        "id=\"sources-table\"",
        "ODbL",
        "id=\"licences\"",
    ] {
        assert!(page.body.contains(part), "{part} missing");
    }
    let searched = get(&bare(), "/data?q=h100").await;
    assert!(searched.body.contains("H100 SXM5 80GB"));
    assert!(!searched.body.contains("A100 SXM4 80GB"));
}

#[tokio::test]
async fn assets_are_embedded() {
    let app = bare();
    let css = get(&app, "/assets/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type().starts_with("text/css"));
    let js = get(&app, "/assets/app.js").await;
    assert!(js.content_type().starts_with("text/javascript"));
    assert!(
        !js.body.contains("http://") && !js.body.contains("https://"),
        "no remote code"
    );
    let missing = get(&app, "/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.content_type().starts_with("text/html"));
}

/// The href of the link with this id.
fn href_of(body: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\" href=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no #{id}")) + marker.len();
    let end = body[start..].find('"').expect("closed") + start;
    body[start..end].replace("&amp;", "&")
}

#[tokio::test]
async fn calculator_offers_advice_and_a_start_time_for_its_job() {
    let app = bare();
    let page = get(
        &app,
        "/?hardware=V100+SXM2+32GB&hours=6&where=zone&zone=US-CAL-CISO",
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<section id=\"act\">"), "{}", page.body);
    assert!(page.body.contains("<ol id=\"actions\">"));
    // The links answer the JSON the page summarizes, for the same job.
    let advise = get(&app, &href_of(&page.body, "advise-link")).await;
    assert_eq!(advise.status, StatusCode::OK, "{}", advise.body);
    let advice = advise.json();
    assert_eq!(advice["baseline"]["hours"], 6.0);
    let first = advice["actions"][0]["label"].as_str().expect("an action");
    assert!(page.body.contains(first), "{first}");
    let schedule = get(&app, &href_of(&page.body, "schedule-link")).await;
    assert_eq!(schedule.status, StatusCode::OK, "{}", schedule.body);
    assert_eq!(schedule.json()["profile"]["zone"], "US-CAL-CISO");
    // A zone without a profile gets no schedule link, still the advice.
    let page = get(&app, "/?hardware=V100+SXM2+32GB&hours=6&where=zone&zone=FR").await;
    assert!(page.body.contains("id=\"advise-link\""));
    assert!(!page.body.contains("id=\"schedule-link\""));
}

/// The basis is chosen on the page as with `--basis`: kept in the form and in the share link,
/// and the figure is the direct one.
#[tokio::test]
async fn calculator_takes_the_basis() {
    let app = bare();
    let job = "/?hardware=A100+SXM4+80GB&hours=10&zone=FR";
    let lifecycle = get(&app, job).await;
    assert!(
        lifecycle
            .body
            .contains("<option value=\"\" selected>life-cycle")
    );
    let direct = get(&app, &format!("{job}&basis=direct")).await;
    assert!(
        direct.body.contains("<option value=\"direct\" selected>"),
        "the form keeps the basis"
    );
    assert!(direct.body.contains("basis=direct"), "the share link too");
    assert_ne!(
        lifecycle
            .body
            .split("id=\"emissions\"")
            .nth(1)
            .map(|s| &s[..40]),
        direct
            .body
            .split("id=\"emissions\"")
            .nth(1)
            .map(|s| &s[..40]),
        "France's direct figure is not its life-cycle one"
    );
}
