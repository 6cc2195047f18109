//! Charts as inline SVG, drawn on the server: a horizontal bar chart with ranges and a line chart.
//! Any input draws something sensible: no rows, zeros, one point, huge or non-finite values.

use std::fmt::Write;

use mlcarbon_model::statement::human_number;

use crate::html::escape;

/// One bar: a central value with the ends of its range.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// Drawn in the accent colour (the user's own job).
    pub highlight: bool,
}

fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() { x.max(0.0) } else { 0.0 }
}

/// A number for an SVG attribute: finite, two decimals at most.
fn px(x: f64) -> String {
    let x = if x.is_finite() { x } else { 0.0 };
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn value_text(x: f64, show: &dyn Fn(f64) -> String) -> String {
    if x.is_finite() {
        show(x)
    } else {
        "n/a".to_string()
    }
}

/// Width of a full-width chart (the viewBox; the chart scales to its box).
pub const WIDE: f64 = 760.0;
/// Width of a chart in a half-width column.
pub const NARROW: f64 = 460.0;
const ROW_H: f64 = 24.0;

/// Horizontal bars, one per row, with whiskers from low to high; `show` writes a value with
/// its unit.
pub fn bar_chart(
    id: &str,
    title: &str,
    show: &dyn Fn(f64) -> String,
    bars: &[Bar],
    width: f64,
) -> String {
    let top = 28.0;
    let height = top + ROW_H * bars.len().max(1) as f64 + 10.0;
    let label_w = (width * 0.38).round();
    let value_w = (width * 0.16).max(80.0).round();
    let plot_w = width - label_w - value_w;
    let label_chars = (label_w / 6.6) as usize;
    let max = bars
        .iter()
        .flat_map(|b| [b.value, b.high])
        .map(finite_or_zero)
        .fold(0.0_f64, f64::max);
    let scale = if max > 0.0 { plot_w / max } else { 0.0 };
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg id="{id}" class="chart bars" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><text class="chart-title" x="0" y="16">{t}</text>"#,
        id = escape(id),
        w = px(width),
        h = px(height),
        t = escape(title)
    );
    if bars.is_empty() {
        let _ = write!(
            out,
            r#"<text class="empty" x="0" y="{}">nothing to compare</text>"#,
            px(top + 16.0)
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = top + ROW_H * i as f64;
        let value = finite_or_zero(bar.value);
        let low = finite_or_zero(bar.low).min(value);
        let high = finite_or_zero(bar.high).max(value);
        let w = value * scale;
        let class = if bar.highlight { "bar mine" } else { "bar" };
        let label: String = if bar.label.chars().count() > label_chars {
            let mut short: String = bar
                .label
                .chars()
                .take(label_chars.saturating_sub(1))
                .collect();
            short.push('…');
            short
        } else {
            bar.label.clone()
        };
        let _ = write!(
            out,
            r#"<g class="row" data-label="{l}" data-value="{v}"><title>{full}: {vt} (range {lo}–{hi})</title><text class="label" x="{lx}" y="{ty}" text-anchor="end">{l}</text><rect class="{class}" x="{bx}" y="{by}" width="{bw}" height="{bh}" rx="2"/>"#,
            l = escape(&label),
            full = escape(&bar.label),
            v = if bar.value.is_finite() {
                bar.value.to_string()
            } else {
                "NaN".to_string()
            },
            vt = escape(&value_text(bar.value, show)),
            lo = escape(&value_text(low, show)),
            hi = escape(&value_text(high, show)),
            lx = px(label_w - 8.0),
            ty = px(y + 15.0),
            bx = px(label_w),
            by = px(y + 4.0),
            bw = px(w.max(if value > 0.0 { 1.0 } else { 0.0 })),
            bh = px(ROW_H - 8.0),
        );
        if high > low && scale > 0.0 {
            let _ = write!(
                out,
                r#"<line class="whisker" x1="{}" x2="{}" y1="{y}" y2="{y}"/>"#,
                px(label_w + low * scale),
                px(label_w + high * scale),
                y = px(y + ROW_H / 2.0),
            );
        }
        let _ = write!(
            out,
            r#"<text class="value" x="{}" y="{}">{}</text></g>"#,
            px(label_w + plot_w + 6.0),
            px(y + 15.0),
            escape(&value_text(bar.value, show))
        );
    }
    out.push_str("</svg>");
    out
}

/// One line of a line chart: (x, y) points in the order to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A step of 1, 2 or 5 × 10^k near `range / target`.
fn nice_step(range: f64, target: f64) -> f64 {
    if !(range.is_finite() && range > 0.0) {
        return 1.0;
    }
    let raw = range / target;
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

fn ticks(max: f64) -> Vec<f64> {
    let step = nice_step(max, 4.0);
    let mut out = Vec::new();
    let mut t: f64 = 0.0;
    while t.is_finite() && t <= max * (1.0 + 1e-9) && out.len() < 12 {
        out.push(t);
        t += step;
    }
    out
}

/// At most `max` points: the first, the last, and evenly spaced ones between.
fn thin(points: &[(f64, f64)], max: usize) -> Vec<(f64, f64)> {
    if points.len() <= max || max < 2 {
        return points.to_vec();
    }
    let step = (points.len() - 1) as f64 / (max - 1) as f64;
    (0..max)
        .filter_map(|i| points.get(((i as f64) * step).round() as usize).copied())
        .collect()
}

/// Seconds on the x axis, shown in s, min or h as the span suits.
pub fn time_unit(max_s: f64) -> (f64, &'static str) {
    if max_s >= 2.0 * 3600.0 {
        (3600.0, "h")
    } else if max_s >= 120.0 {
        (60.0, "min")
    } else {
        (1.0, "s")
    }
}

const LINE_W: f64 = 760.0;
const PLOT_H: f64 = 194.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 16.0;
const TITLE_H: f64 = 38.0;
const LEGEND_ROW: f64 = 16.0;
const BOTTOM: f64 = 36.0;

/// Lines over time: x in seconds, y in `y_unit`; at most 600 points per line are drawn.
pub fn line_chart(id: &str, title: &str, y_unit: &str, series: &[Series]) -> String {
    let clean: Vec<Series> = series
        .iter()
        .map(|s| Series {
            name: s.name.clone(),
            points: thin(
                &s.points
                    .iter()
                    .copied()
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .collect::<Vec<_>>(),
                600,
            ),
        })
        .collect();
    let all = || clean.iter().flat_map(|s| s.points.iter());
    let max_x = all().map(|p| p.0).fold(0.0_f64, f64::max);
    let max_y = all().map(|p| p.1).fold(0.0_f64, f64::max);
    let min_y = all().map(|p| p.1).fold(0.0_f64, f64::min);
    let (x_div, x_unit) = time_unit(max_x);
    let x_ticks = ticks(max_x / x_div);
    let y_ticks = ticks(max_y);
    let x_top = x_ticks.last().copied().unwrap_or(1.0).max(max_x / x_div);
    let y_top = y_ticks.last().copied().unwrap_or(1.0).max(max_y);
    let (x_top, y_top) = (
        if x_top > 0.0 { x_top } else { 1.0 },
        if y_top > 0.0 { y_top } else { 1.0 },
    );
    // The legend (two or more lines) sits between the title and the plot, three keys a row.
    let legend_rows = if clean.len() > 1 {
        clean.len().div_ceil(3) as f64
    } else {
        0.0
    };
    let top = TITLE_H + legend_rows * LEGEND_ROW + if legend_rows > 0.0 { 8.0 } else { 0.0 };
    let line_h = top + PLOT_H + BOTTOM;
    let plot_w = LINE_W - LEFT - RIGHT;
    let plot_h = PLOT_H;
    let sx = |x: f64| LEFT + (x / x_div) / x_top * plot_w;
    let sy = |y: f64| top + plot_h - (y.max(min_y.min(0.0)) / y_top) * plot_h;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg id="{id}" class="chart lines" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><text class="chart-title" x="0" y="16">{t}</text>"#,
        id = escape(id),
        w = px(LINE_W),
        h = px(line_h),
        t = escape(title),
    );
    for y in &y_ticks {
        let py = sy(*y);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{l}" x2="{r}" y1="{py}" y2="{py}"/><text class="tick" x="{tx}" y="{ty}" text-anchor="end">{label}</text>"#,
            l = px(LEFT),
            r = px(LINE_W - RIGHT),
            py = px(py),
            tx = px(LEFT - 6.0),
            ty = px(py + 4.0),
            label = escape(&human_number(*y)),
        );
    }
    for x in &x_ticks {
        let px_ = LEFT + x / x_top * plot_w;
        let _ = write!(
            out,
            r#"<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>"#,
            px(px_),
            px(line_h - BOTTOM + 16.0),
            escape(&human_number(*x)),
        );
    }
    let _ = write!(
        out,
        r#"<text class="axis" x="{}" y="{}" text-anchor="end">time ({x_unit})</text><text class="axis" x="{}" y="{}">{}</text>"#,
        px(LINE_W - RIGHT),
        px(line_h - 4.0),
        px(8.0),
        px(top - 6.0),
        escape(y_unit),
    );
    let _ = write!(
        out,
        r#"<line class="axis-line" x1="{l}" x2="{l}" y1="{t}" y2="{b}"/><line class="axis-line" x1="{l}" x2="{r}" y1="{b}" y2="{b}"/>"#,
        l = px(LEFT),
        r = px(LINE_W - RIGHT),
        t = px(top),
        b = px(top + plot_h),
    );
    if clean.iter().all(|s| s.points.is_empty()) {
        let _ = write!(
            out,
            r#"<text class="empty" x="{}" y="{}" text-anchor="middle">no samples yet</text>"#,
            px(LEFT + plot_w / 2.0),
            px(top + plot_h / 2.0),
        );
    }
    for (i, s) in clean.iter().enumerate() {
        let class = format!("line s{}", i % 6);
        let points: Vec<String> = s
            .points
            .iter()
            .map(|(x, y)| format!("{},{}", px(sx(*x)), px(sy(*y))))
            .collect();
        if s.points.len() == 1 {
            if let Some((x, y)) = s.points.first() {
                let _ = write!(
                    out,
                    r#"<circle class="{class}" cx="{}" cy="{}" r="3"><title>{}</title></circle>"#,
                    px(sx(*x)),
                    px(sy(*y)),
                    escape(&s.name)
                );
            }
        } else if !points.is_empty() {
            let _ = write!(
                out,
                r#"<polyline class="{class}" data-series="{n}" fill="none" points="{p}"><title>{n}</title></polyline>"#,
                n = escape(&s.name),
                p = points.join(" "),
            );
        }
    }
    if clean.len() > 1 {
        for (i, s) in clean.iter().enumerate() {
            let x = LEFT + (i % 3) as f64 * 226.0;
            let y = TITLE_H + 10.0 + (i / 3) as f64 * LEGEND_ROW;
            let name: String = s.name.chars().take(30).collect();
            let _ = write!(
                out,
                r#"<rect class="key s{k}" x="{x}" y="{ry}" width="10" height="10"/><text class="legend" x="{tx}" y="{ty}">{n}</text>"#,
                k = i % 6,
                x = px(x),
                ry = px(y - 9.0),
                tx = px(x + 14.0),
                ty = px(y),
                n = escape(&name),
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(v: f64) -> Bar {
        Bar {
            label: "x".into(),
            value: v,
            low: v * 0.5,
            high: v * 2.0,
            highlight: false,
        }
    }

    #[test]
    fn bars_survive_any_value() {
        for values in [
            vec![],
            vec![0.0],
            vec![0.0, 0.0],
            vec![0.6, 3.0, 1e300],
            vec![f64::NAN, f64::INFINITY, -1.0, 5.0],
        ] {
            let bars: Vec<Bar> = values.into_iter().map(bar).collect();
            let svg = bar_chart("c", "t", &|x| format!("{x} kg"), &bars, WIDE);
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(!svg.contains("inf") && !svg.contains("width=\"NaN"));
        }
    }

    #[test]
    fn lines_survive_any_points() {
        for points in [
            vec![],
            vec![(0.0, 0.0)],
            vec![(0.0, 1.0), (10.0, 1.0)],
            vec![(0.0, f64::NAN), (1.0, 1e308), (7200.0, 3.0)],
        ] {
            let svg = line_chart(
                "l",
                "t",
                "W",
                &[Series {
                    name: "p".into(),
                    points,
                }],
            );
            assert!(svg.ends_with("</svg>"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"));
        }
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(100.0, 4.0), 50.0);
        assert_eq!(nice_step(7.0, 4.0), 2.0);
        assert_eq!(ticks(0.0), vec![0.0]);
    }

    #[test]
    fn thinning_keeps_ends() {
        let points: Vec<(f64, f64)> = (0..10_000).map(|i| (i as f64, 0.0)).collect();
        let thinned = thin(&points, 600);
        assert_eq!(thinned.len(), 600);
        assert_eq!(thinned.first(), Some(&(0.0, 0.0)));
        assert_eq!(thinned.last(), Some(&(9999.0, 0.0)));
    }
}
