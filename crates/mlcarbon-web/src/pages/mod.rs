//! HTML pages, rendered on the server. Every piece of text that comes from a client, the data or
//! the database goes through [`escape`]. Styles and the small script are embedded (`/assets/`).

pub mod calculator;
pub mod data;
pub mod jobs;
pub mod login;
pub mod runs;

use std::fmt::Write;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::error::ApiError;

/// The stylesheet and the script of the pages, embedded in the binary.
pub const STYLE_CSS: &str = include_str!("../../assets/style.css");
pub const APP_JS: &str = include_str!("../../assets/app.js");
pub const FAVICON_SVG: &str = include_str!("../../assets/favicon.svg");

pub use crate::html::escape;

/// Which navigation entry is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Calculator,
    Runs,
    Data,
    Slurm,
    None,
}

/// A whole page around `body`.
pub fn layout(title: &str, nav: Nav, body: &str) -> String {
    let link = |href: &str, label: &str, me: Nav| {
        let current = if nav == me {
            r#" aria-current="page""#
        } else {
            ""
        };
        format!(r#"<a href="{href}"{current}>{label}</a>"#)
    };
    let mut out = String::with_capacity(body.len() + 1024);
    let _ = write!(
        out,
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · mlcarbon</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/style.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<header class="top"><a class="brand" href="/">mlcarbon</a><nav>{c}{r}{s}{d}<a href="/api/openapi.json">API</a><a href="/metrics">Metrics</a>{account}</nav></header>
<main>
{body}
</main>
<footer>mlcarbon {version} · method of Lacoste, Luccioni, Schmidt, Dandres (2019), “Quantifying the Carbon Emissions of Machine Learning” · every figure with its source on <a href="/data">Data</a></footer>
</body>
</html>
"#,
        title = escape(title),
        c = link("/", "Calculator", Nav::Calculator),
        r = link("/runs", "Runs", Nav::Runs),
        // Always shown: without jobs the page says how to import them.
        s = link("/slurm", "Slurm", Nav::Slurm),
        d = link("/data", "Data", Nav::Data),
        // With accounts on: how to log in, or out (nothing when they are off).
        account = match crate::accounts::current() {
            crate::accounts::Access::Open | crate::accounts::Access::Unknown(_) => "",
            crate::accounts::Access::Anonymous { .. } => r#"<a href="/login">Log in</a>"#,
            crate::accounts::Access::Admin | crate::accounts::Access::Member { .. } => {
                r#"<a href="/logout">Log out</a>"#
            }
        },
        version = env!("CARGO_PKG_VERSION"),
    );
    out
}

/// An HTML answer.
pub fn html(status: StatusCode, page: String) -> Response {
    let mut response = (status, Html(page)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An error as a page (for the HTML routes).
pub fn error_page(error: &ApiError) -> Response {
    let body = format!(
        r#"<h1>{status}</h1><p class="error" id="error">{message}</p><p><a href="/">Calculator</a> · <a href="/runs">Runs</a> · <a href="/data">Data</a></p>"#,
        status = escape(&error.status.to_string()),
        message = escape(&error.body.error),
    );
    html(error.status, layout("Error", Nav::None, &body))
}

/// A table of text cells (already escaped HTML) with a header row.
/// A count with its noun, singular for one ("1 run", "2 runs").
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn table(id: &str, class: &str, headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!(
        r#"<table id="{}" class="{}"><thead><tr>"#,
        escape(id),
        escape(class)
    );
    for h in headers {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }
}
