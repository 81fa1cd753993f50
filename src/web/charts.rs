//! Charts for the 统计 pages: pure functions from figures to an inline SVG string (no script,
//! no style attribute, no font to load). Every bar carries its figure twice for people and
//! tests alike: a `<title>` (shown on hover, read by screen readers) and `data-label` /
//! `data-value` attributes. Colours come from `class` names styled in app.css. The drawing
//! scales with its `viewBox` (width 100% in CSS), readable at 1366×768 and on a phone.

use std::fmt::Write;

/// One bar: its axis label, the value it is drawn to, and the figure written beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The full label (in the `<title>` and `data-label`).
    pub label: String,
    /// A shorter label under a column (the full label if `None`).
    pub short: Option<String>,
    pub value: f64,
    /// The figure as written (`3`, `66.7%`), in the chart, its `<title>` and `data-value`.
    pub text: String,
}

impl Bar {
    /// A count.
    pub fn count(label: impl Into<String>, n: i64) -> Bar {
        Bar { label: label.into(), short: None, value: n as f64, text: n.to_string() }
    }
}

/// A series of a grouped chart: its name in the legend and its CSS class.
pub struct Series<'a> {
    pub name: &'a str,
    pub class: &'a str,
}

/// One group of a grouped chart (a unit): its label and one bar per series.
pub struct Group {
    pub label: String,
    pub values: Vec<i64>,
}

const WIDTH: f64 = 600.0;
const FONT: f64 = 12.0;

/// Text made safe for SVG markup (element content and attribute values).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The width a text takes at `FONT` size, roughly: a Chinese character is one em, a Latin
/// letter or digit about 0.6 em (no font is measured: the page's own fonts draw it).
fn text_width(s: &str) -> f64 {
    s.chars().map(|c| if c.is_ascii() { 0.6 } else { 1.0 }).sum::<f64>() * FONT
}

/// `s` cut to fit `width` with an ellipsis (the full text stays in the bar's `<title>`).
fn fit(s: &str, width: f64) -> String {
    if text_width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if text_width(&out) + text_width(&c.to_string()) + FONT > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// The axis of counts up to `v`: a whole step of 1, 2 or 5 × 10ⁿ giving at most four
/// gridlines, and the top (the first multiple of the step at or above `v`, at least one step).
fn axis(v: f64) -> (f64, f64) {
    let rough = (v / 4.0).max(1.0);
    let mag = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|m| *m >= rough).unwrap_or(10.0 * mag);
    (step * (v / step).ceil().max(1.0), step)
}

fn nice_max(v: f64) -> f64 {
    axis(v).0
}

/// An axis figure: whole numbers without decimals.
fn tick_text(v: f64, percent: bool) -> String {
    let s = if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") };
    if percent {
        format!("{s}%")
    } else {
        s
    }
}

fn open(out: &mut String, id: &str, title: &str, height: f64) {
    let _ = write!(
        out,
        r#"<svg class="chart" id="{id}" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-title" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title>"#,
        esc(title)
    );
}

fn bar_group(out: &mut String, class: &str, label: &str, text: &str) {
    let _ = write!(
        out,
        r#"<g class="{class}" data-label="{}" data-value="{}"><title>{}:{}</title>"#,
        esc(label),
        esc(text),
        esc(label),
        esc(text)
    );
}

/// A column chart: one vertical bar per item, labels under the columns, a value axis with
/// gridlines. `max` fixes the axis (100 for percentages), else it is a round bound.
pub fn columns(id: &str, title: &str, bars: &[Bar], max: Option<f64>, percent: bool) -> String {
    let (top, bottom, left, right) = (16.0, 40.0, 48.0, 8.0);
    let height = 280.0;
    let plot_h = height - top - bottom;
    let (max, step) = match max {
        Some(m) => (m, m / 4.0),
        None => axis(bars.iter().map(|b| b.value).fold(0.0, f64::max)),
    };
    let mut out = String::new();
    open(&mut out, id, title, height);
    out.push_str(r#"<g class="axis">"#);
    let ticks = (max / step).round() as usize;
    for i in 0..=ticks {
        let v = step * i as f64;
        let y = top + plot_h - plot_h * v / max;
        let _ = write!(
            out,
            r#"<line class="grid" x1="{left}" y1="{y:.1}" x2="{}" y2="{y:.1}"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            WIDTH - right,
            left - 6.0,
            y + 4.0,
            tick_text(v, percent)
        );
    }
    out.push_str("</g>");
    let slot = (WIDTH - left - right) / bars.len().max(1) as f64;
    let bar_w = (slot * 0.6).min(64.0);
    for (i, b) in bars.iter().enumerate() {
        let cx = left + slot * (i as f64 + 0.5);
        let h = if max > 0.0 { (b.value.max(0.0) / max).min(1.0) * plot_h } else { 0.0 };
        let y = top + plot_h - h;
        bar_group(&mut out, "bar", &b.label, &b.text);
        let _ = write!(
            out,
            r#"<rect x="{:.1}" y="{y:.1}" width="{bar_w:.1}" height="{h:.1}"/><text class="value" x="{cx:.1}" y="{:.1}" text-anchor="middle">{}</text><text class="label" x="{cx:.1}" y="{:.1}" text-anchor="middle">"#,
            cx - bar_w / 2.0,
            y - 5.0,
            esc(&b.text),
            top + plot_h + 18.0,
        );
        // A short label may have a second line (the year under the first month of it).
        for (n, line) in b.short.as_deref().unwrap_or(&b.label).split('\n').enumerate() {
            let dy = if n == 0 { "0" } else { "1.2em" };
            let _ = write!(out, r#"<tspan x="{cx:.1}" dy="{dy}">{}</tspan>"#, esc(&fit(line, slot - 4.0)));
        }
        out.push_str("</text></g>");
    }
    let _ =
        write!(out, r#"<line class="baseline" x1="{left}" y1="{0}" x2="{1}" y2="{0}"/>"#, top + plot_h, WIDTH - right);
    out.push_str("</svg>");
    out
}

/// The label column of a horizontal chart: wide enough for the longest label, within bounds.
fn label_width<'a>(labels: impl Iterator<Item = &'a str>) -> f64 {
    labels.map(text_width).fold(60.0, f64::max).min(260.0) + 12.0
}

/// A horizontal bar chart: one row per item, its label on the left, its figure at the end.
/// `max` fixes the scale (100 for percentages), else the bars scale to a round bound.
pub fn rows(id: &str, title: &str, bars: &[Bar], max: Option<f64>) -> String {
    let row_h = 30.0;
    let height = row_h * bars.len().max(1) as f64 + 8.0;
    let left = label_width(bars.iter().map(|b| b.label.as_str()));
    let plot_w = WIDTH - left - 60.0;
    let max = max.unwrap_or_else(|| nice_max(bars.iter().map(|b| b.value).fold(0.0, f64::max)));
    let mut out = String::new();
    open(&mut out, id, title, height);
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let w = (b.value.max(0.0) / max).min(1.0) * plot_w;
        bar_group(&mut out, "bar", &b.label, &b.text);
        let _ = write!(
            out,
            r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect x="{left:.1}" y="{:.1}" width="{w:.1}" height="{:.1}"/><text class="value" x="{:.1}" y="{:.1}">{}</text></g>"#,
            left - 8.0,
            y + row_h / 2.0 + 4.0,
            esc(&fit(&b.label, left - 12.0)),
            y + 4.0,
            row_h - 8.0,
            left + w + 6.0,
            y + row_h / 2.0 + 4.0,
            esc(&b.text)
        );
    }
    let _ = write!(out, r#"<line class="baseline" x1="{left:.1}" y1="0" x2="{left:.1}" y2="{height}"/>"#);
    out.push_str("</svg>");
    out
}

/// A grouped horizontal bar chart: per group (a unit) one thin bar per series, with a legend.
pub fn grouped_rows(id: &str, title: &str, series: &[Series], groups: &[Group]) -> String {
    let bar_h = 12.0;
    let group_h = bar_h * series.len() as f64 + 14.0;
    let legend_h = 26.0;
    let height = legend_h + group_h * groups.len().max(1) as f64;
    let left = label_width(groups.iter().map(|g| g.label.as_str()));
    let plot_w = WIDTH - left - 50.0;
    let max = nice_max(groups.iter().flat_map(|g| g.values.iter()).fold(0, |a, b| a.max(*b)) as f64);
    let mut out = String::new();
    open(&mut out, id, title, height);
    out.push_str(r#"<g class="legend">"#);
    let mut x = left;
    for s in series {
        let _ = write!(
            out,
            r#"<rect class="{}" x="{x:.1}" y="6" width="12" height="12"/><text x="{:.1}" y="16">{}</text>"#,
            s.class,
            x + 16.0,
            esc(s.name)
        );
        x += 16.0 + text_width(s.name) + 20.0;
    }
    out.push_str("</g>");
    for (gi, g) in groups.iter().enumerate() {
        let y0 = legend_h + group_h * gi as f64;
        let _ = write!(
            out,
            r#"<g class="group" data-label="{}"><text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            esc(&g.label),
            left - 8.0,
            y0 + group_h / 2.0,
            esc(&fit(&g.label, left - 12.0))
        );
        for (si, (s, v)) in series.iter().zip(&g.values).enumerate() {
            let y = y0 + 4.0 + bar_h * si as f64;
            let w = (*v.max(&0) as f64 / max).min(1.0) * plot_w;
            bar_group(&mut out, &format!("bar {}", s.class), &format!("{}·{}", g.label, s.name), &v.to_string());
            let _ = write!(
                out,
                r#"<rect x="{left:.1}" y="{y:.1}" width="{w:.1}" height="{:.1}"/><text class="value small" x="{:.1}" y="{:.1}">{v}</text></g>"#,
                bar_h - 2.0,
                left + w + 4.0,
                y + bar_h - 3.0
            );
        }
        out.push_str("</g>");
    }
    let _ = write!(out, r#"<line class="baseline" x1="{left:.1}" y1="{legend_h}" x2="{left:.1}" y2="{height}"/>"#);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(svg: &str) -> Vec<(String, String)> {
        let re = regex::Regex::new(r#"data-label="([^"]*)" data-value="([^"]*)""#).unwrap();
        re.captures_iter(svg).map(|c| (c[1].to_string(), c[2].to_string())).collect()
    }

    fn heights(svg: &str) -> Vec<f64> {
        let re = regex::Regex::new(r#"<rect x="[^"]*" y="[^"]*" width="[^"]*" height="([^"]*)"/>"#).unwrap();
        re.captures_iter(svg).map(|c| c[1].parse().unwrap()).collect()
    }

    #[test]
    fn columns_are_proportional_and_carry_their_figures() {
        let bars = vec![Bar::count("第一种形态", 4), Bar::count("第二种形态", 2), Bar::count("第三种形态", 0)];
        let svg = columns("c", "四种形态", &bars, None, false);
        assert!(svg.starts_with("<svg class=\"chart\"") && svg.ends_with("</svg>"));
        assert_eq!(
            values(&svg),
            vec![
                ("第一种形态".into(), "4".into()),
                ("第二种形态".into(), "2".into()),
                ("第三种形态".into(), "0".into())
            ]
        );
        let h = heights(&svg);
        assert_eq!(h.len(), 3);
        assert!((h[0] - 2.0 * h[1]).abs() < 0.2 && h[2] == 0.0, "{h:?}");
        assert!(svg.contains("<title>第一种形态:4</title>"));
        assert!(!svg.contains("style="), "no style attributes under the CSP");
    }

    #[test]
    fn percentages_use_a_fixed_axis() {
        let bars =
            vec![Bar { label: "2026年10月".into(), short: Some("10月".into()), value: 50.0, text: "50.0%".into() }];
        let svg = columns("p", "办结率", &bars, Some(100.0), true);
        assert!(svg.contains(">100%</text>") && svg.contains(">10月</tspan>"));
        let two = Bar { short: Some("1月\n2027年".into()), ..bars[0].clone() };
        let svg = columns("p", "办结率", &[two], Some(100.0), true);
        assert!(svg.contains(r#"dy="0">1月</tspan><tspan x="#) && svg.contains(r#"dy="1.2em">2027年</tspan>"#));
        assert!((heights(&svg)[0] - 112.0).abs() < 0.2, "half of the 224-unit plot");
    }

    #[test]
    fn text_is_escaped_everywhere() {
        let evil = r#"<script>alert("x")</script>&'"#;
        let svg = rows("r", evil, &[Bar::count(evil, 1)], None);
        assert!(!svg.contains("<script>") && !svg.contains("alert(\"x\")"));
        assert!(svg.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"));
        let svg = grouped_rows(
            "g",
            "按单位",
            &[Series { name: "线索数", class: "s0" }],
            &[Group { label: evil.into(), values: vec![3] }],
        );
        assert!(!svg.contains("<script>"));
        assert_eq!(values(&svg)[0].1, "3");
    }

    #[test]
    fn rows_and_groups_scale_to_the_largest_figure() {
        let svg = rows("r", "处分", &[Bar::count("党纪政务处分", 5), Bar::count("组织处理", 10)], None);
        let w = |svg: &str| -> Vec<f64> {
            let re = regex::Regex::new(r#"<rect x="[^"]*" y="[^"]*" width="([^"]*)""#).unwrap();
            re.captures_iter(svg).map(|c| c[1].parse().unwrap()).collect()
        };
        let ws = w(&svg);
        assert!((ws[1] - 2.0 * ws[0]).abs() < 0.2, "{ws:?}");
        let series = [Series { name: "线索数", class: "s0" }, Series { name: "逾期", class: "s2" }];
        let groups = vec![
            Group { label: "市纪委监委".into(), values: vec![8, 2] },
            Group { label: "市委巡察办".into(), values: vec![4, 0] },
        ];
        let svg = grouped_rows("g", "按单位", &series, &groups);
        let v = values(&svg);
        assert_eq!(v[0], ("市纪委监委·线索数".to_string(), "8".to_string()));
        assert_eq!(v[3], ("市委巡察办·逾期".to_string(), "0".to_string()));
        let ws = w(&svg); // the legend's swatches have a class first: not matched
        assert!((ws[0] - 2.0 * ws[2]).abs() < 0.2 && ws[3] == 0.0, "{ws:?}");
    }

    #[test]
    fn long_labels_are_cut_but_kept_whole_in_the_title() {
        let long = "中共某某市某某区纪律检查委员会派驻第十二纪检监察组联络处";
        let svg = rows("r", "t", &[Bar::count(long, 1)], None);
        assert!(svg.contains('…'));
        assert!(svg.contains(&format!("<title>{long}:1</title>")));
        assert_eq!(axis(0.0), (1.0, 1.0));
        assert_eq!(axis(1.0), (1.0, 1.0));
        assert_eq!(axis(3.0), (3.0, 1.0));
        assert_eq!(axis(7.0), (8.0, 2.0));
        assert_eq!(axis(12.0), (15.0, 5.0));
        assert_eq!(axis(50.0), (60.0, 20.0));
        assert_eq!(axis(1724.0), (2000.0, 500.0));
    }
}
