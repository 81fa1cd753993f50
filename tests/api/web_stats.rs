//! The web client's 统计 pages (issue 10), in a real Chromium and over plain HTTP: the
//! figures of transfers concluded through the API, the same numbers in each chart and the
//! table under it, counts only, no more than the API's statistics give the viewer.

use regex::Regex;
use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::transfers::{clue, conclude, transfer, transfer_step as step};
use crate::web_http::*;

/// Titles, bodies and summaries: none of them may reach a statistics page.
const TEXTS: [&str; 7] = [
    "市住建局违规发放津补贴问题线索",
    "以加班费名义违规发放津补贴",
    "区交通局工程项目围标串标线索",
    "某街道办挪用专项资金线索",
    "对相关责任人谈话提醒",
    "给予党内警告处分",
    "已向市委巡察办反馈",
];

/// Sends a clue from `from` to `to` and returns the transfer's id.
fn sent(app: &TestApp, from: &Agency, to: &Agency, title: &str, body: &str) -> String {
    let id = clue(app, from, title, body, &[]);
    let t = expect_status(201, transfer(app, from, &id, to));
    t["id"].as_str().unwrap().to_string()
}

/// The part of the page that is one figure (its chart and its table).
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!(r#"<section class="card stats-figure" id="{id}""#))
        .unwrap_or_else(|| panic!("no figure {id}"));
    let end = html[start..].find("</section>").unwrap() + start;
    &html[start..end]
}

/// The bars of a figure's chart: (label, figure) from their data attributes, which the
/// `<title>` of each bar repeats.
fn bars(html: &str, id: &str) -> Vec<(String, String)> {
    let s = section(html, id);
    let re = Regex::new(r#"data-label="([^"]*)" data-value="([^"]*)"><title>([^<]*)</title>"#).unwrap();
    re.captures_iter(s)
        .map(|c| {
            assert_eq!(&c[3], format!("{}:{}", &c[1], &c[2]), "the bar's title says its figure");
            (c[1].to_string(), c[2].to_string())
        })
        .collect()
}

/// The rows of a figure's table: row header → (column, cell) pairs.
fn table(html: &str, id: &str) -> Vec<(String, Vec<(String, String)>)> {
    let s = section(html, id);
    let row = Regex::new(r#"<tr><th scope="row">([^<]*)</th>(.*?)</tr>"#).unwrap();
    let cell = Regex::new(r#"<td data-head="([^"]*)">([^<]*)</td>"#).unwrap();
    row.captures_iter(s)
        .map(|r| {
            let cells = cell.captures_iter(&r[2]).map(|c| (c[1].to_string(), c[2].to_string())).collect();
            (r[1].to_string(), cells)
        })
        .collect()
}

/// The cell of a table in row `row` and column `col`.
fn cell(html: &str, id: &str, row: &str, col: &str) -> String {
    let t = table(html, id);
    let r = t.iter().find(|(name, _)| name == row).unwrap_or_else(|| panic!("{id}: no row {row} in {t:?}"));
    r.1.iter().find(|(h, _)| h == col).unwrap_or_else(|| panic!("{id}: no column {col}")).1.clone()
}

/// Every bar of the chart has the figure its table shows: in the row of its label and the
/// column `col` (for a grouped chart, a bar "单位·列" is that unit's row and that column).
fn assert_chart_is_table(html: &str, id: &str, col: &str) {
    let bars = bars(html, id);
    assert!(!bars.is_empty(), "{id}: no bars");
    for (label, value) in &bars {
        let (row, col) = label.split_once('·').unwrap_or((label, col));
        assert_eq!(&cell(html, id, row, col), value, "{id}: the bar {label} and the table disagree");
    }
    assert_eq!(bars.len() % table(html, id).len(), 0, "{id}: a bar per row (and series)");
}

fn stats_page(app: &TestApp, cookie: &str, query: &str) -> (u16, String) {
    let r = get_page(app, &format!("/stats{query}"), cookie);
    (r.status().as_u16(), r.text().unwrap())
}

fn assert_no_content(html: &str) {
    for t in TEXTS {
        assert!(!html.contains(t), "a statistics page shows {t}");
    }
}

fn the_page_shows_the_concluded_transfers_in_charts_and_tables(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let t1 = sent(&app, &xc, &jw, TEXTS[0], TEXTS[1]);
    let t2 = sent(&app, &xc, &jw, TEXTS[2], "围标串标");
    let t3 = sent(&app, &xc, &jw, TEXTS[3], "挪用专项资金");
    conclude(&app, &jw, &t1, "form1", [1, 2, 0], TEXTS[4]);
    conclude(&app, &jw, &t2, "form2", [2, 0, 1], TEXTS[5]);
    step(&app, &jw, &t2, "feedback", json!({"note": TEXTS[6]}));

    let cookie = http_sign_in(&app, "jiwei_user", PASSWORD).unwrap();
    let (s, html) = stats_page(&app, &cookie, "?direction=in");
    assert_eq!(s, 200, "{html}");
    assert_no_content(&html);
    assert!(!csrf_of(&html).is_empty(), "the page's one form that posts (logout) carries its token");
    // The headline: what the API's statistics say for the same filters.
    let api = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/stats/clues", Some(&jw.token)).query(&[("direction", "in")])),
    );
    assert_eq!(api["transferred"], 3);
    assert!(html.contains("<dt>线索数</dt><dd>3</dd>") && html.contains("<dt>已办结(含已反馈)</dt><dd>2</dd>"));
    assert!(html.contains("<dt>办结率</dt><dd>66.7%</dd>"), "closure rate {}", api["closure_rate"]);
    // The four forms, the sanctions, where the transfers stand, the closure rate this month.
    let outcome = |h: &str, o: &str| cell(h, "outcomes", o, "件数");
    assert_eq!(
        ["第一种形态", "第二种形态", "第三种形态", "第四种形态", "了结澄清"].map(|o| outcome(&html, o)),
        ["1", "1", "0", "0", "0"]
    );
    let sanction = |h: &str, k: &str| cell(h, "sanctions", k, "人数");
    assert_eq!(["党纪政务处分", "组织处理", "移送司法"].map(|k| sanction(&html, k)), ["3", "2", "1"]);
    assert_eq!(cell(&html, "states", "办理中", "件数"), "0");
    assert_eq!(cell(&html, "states", "已反馈", "件数"), "1");
    let closure = table(&html, "closure");
    let (month, cells) = closure.last().unwrap();
    assert_eq!(cells.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(), ["3", "2", "66.7%"], "{month}");
    // A month without transfers has no rate (a dash, not 0%).
    assert_eq!(closure[0].1.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(), ["0", "0", "—"]);
    for (id, col) in [("outcomes", "件数"), ("sanctions", "人数"), ("states", "件数"), ("closure", "办结率")] {
        assert_chart_is_table(&html, id, col);
    }
    // Bars are drawn to scale: the two outcomes of one transfer each are the same height,
    // the sanctions 3 : 2 : 1.
    let widths = |h: &str| -> Vec<f64> {
        let re = Regex::new(r#"<rect x="[^"]*" y="[^"]*" width="([^"]*)" height"#).unwrap();
        re.captures_iter(section(h, "sanctions")).map(|c| c[1].parse().unwrap()).collect()
    };
    let w = widths(&html);
    assert!((w[0] - 3.0 * w[2]).abs() < 0.3 && (w[1] - 2.0 * w[2]).abs() < 0.3, "{w:?}");
    assert!(section(&html, "closure").contains(r#"<caption>"#), "each table has a caption");

    // In a real browser: no console error (no inline style or script under the CSP).
    let browser = Browser::open(&app.base);
    browser.sign_in("jiwei_user", PASSWORD);
    browser.goto("/stats?direction=in");
    assert_eq!(browser.text("main h1"), "统计");
    assert_eq!(browser.script("return document.querySelectorAll('svg.chart').length"), 4);
    assert_eq!(browser.script("return document.querySelectorAll('main [style]').length"), 0);
    browser.assert_console_clean("统计");
    browser.screenshot("stats");

    // One more conclusion: the figures follow.
    conclude(&app, &jw, &t3, "form3", [1, 0, 0], "立案审查");
    let (_, html) = stats_page(&app, &cookie, "?direction=in");
    assert_eq!(outcome(&html, "第三种形态"), "1");
    assert_eq!(sanction(&html, "党纪政务处分"), "4");
    assert!(html.contains("<dt>办结率</dt><dd>100.0%</dd>"));
    assert_eq!(table(&html, "closure").last().unwrap().1[2].1, "100.0%");
    assert_chart_is_table(&html, "outcomes", "件数");
    assert_chart_is_table(&html, "closure", "办结率");
    assert_no_content(&html);

    // The sender counts the same transfers as sent; before its first transfer's month
    // there is nothing: a plain empty state, not empty axes.
    let cookie = http_sign_in(&app, "xuncha_user", PASSWORD).unwrap();
    let (_, html) = stats_page(&app, &cookie, "?direction=out");
    assert!(html.contains("<dt>线索数</dt><dd>3</dd>"));
    let (_, html) = stats_page(&app, &cookie, "?from=2020-01-01&to=2020-12-31");
    assert!(html.contains("所选期间没有移出和接收的线索,暂无统计。"), "{html}");
    assert!(!html.contains("<svg"));
}

fn a_unit_sees_only_the_counts_the_api_gives_it(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let zz = app.agency(&admin, "zuzhi", "organization");
    let t1 = sent(&app, &xc, &jw, TEXTS[0], TEXTS[1]);
    sent(&app, &xc, &jw, TEXTS[2], "围标串标");
    conclude(&app, &jw, &t1, "form1", [1, 0, 0], TEXTS[4]);

    // A unit party to none of them: nothing counted, nobody named, no by-unit view.
    let cookie = http_sign_in(&app, "zuzhi_user", PASSWORD).unwrap();
    let (s, html) = stats_page(&app, &cookie, "");
    assert_eq!(s, 200);
    assert!(html.contains("所选期间没有移出和接收的线索,暂无统计。"));
    assert!(!html.contains("测试单位xuncha") && !html.contains("测试单位jiwei"));
    assert!(!html.contains("<svg") && !html.contains("按单位统计"));
    assert_no_content(&html);
    let api = expect_status(200, app.get(&zz.token, "/api/v1/stats/clues"));
    assert_eq!(api["transferred"], 0);
    // Another unit's statistics: refused, as the API refuses them.
    let (s, html) = stats_page(&app, &cookie, &format!("?agency_id={}", xc.id));
    assert_eq!(s, 403);
    assert!(html.contains("只能查看本单位的线索统计"));
    assert_eq!(
        send(app.req(Method::GET, "/api/v1/stats/clues", Some(&zz.token)).query(&[("agency_id", xc.id.as_str())])).0,
        403
    );

    // The hub admin: every unit side by side, the figures of `/stats/clues/agencies`.
    let cookie = http_sign_in(&app, "admin", ADMIN_PASSWORD).unwrap();
    let (s, html) = stats_page(&app, &cookie, "");
    assert_eq!(s, 200, "{html}");
    assert_no_content(&html);
    let all = expect_status(200, app.get(&admin, "/api/v1/stats/clues/agencies"));
    for a in all.as_array().unwrap().iter().filter(|a| a["transferred"].as_i64() > Some(0)) {
        let name = a["agency_name"].as_str().unwrap();
        assert_eq!(cell(&html, "units", name, "线索数"), a["transferred"].to_string());
        assert_eq!(cell(&html, "units", name, "逾期"), a["overdue"].to_string());
    }
    assert_eq!(cell(&html, "units", "测试单位jiwei", "已办结"), "1");
    assert_eq!(cell(&html, "unit-rates", "测试单位jiwei", "办结率"), "50.0%");
    assert!(table(&html, "units").iter().all(|(n, _)| n != "测试单位zuzhi"), "a unit without transfers is not listed");
    assert_chart_is_table(&html, "units", "线索数");
    assert_chart_is_table(&html, "unit-rates", "办结率");
    // … and one unit's charts when the admin picks it.
    let (s, html) = stats_page(&app, &cookie, &format!("?agency_id={}&direction=in", jw.id));
    assert_eq!(s, 200);
    assert_eq!(cell(&html, "outcomes", "第一种形态", "件数"), "1");
    assert_no_content(&html);
}

fn bad_filters_give_the_form_again_with_the_message(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let cookie = http_sign_in(&app, "jiwei_user", PASSWORD).unwrap();
    for (query, message) in [
        ("?from=2026-12-01&to=2026-01-01", "结束日期不能早于开始日期"),
        ("?from=2026-13-45", "日期格式须为 YYYY-MM-DD"),
        ("?to=yesterday", "日期格式须为 YYYY-MM-DD"),
        ("?direction=sideways", "direction 须为 in、out 或 both"),
        ("?agency_id=..%2Fetc", "单位编号格式无效"),
    ] {
        let (s, html) = stats_page(&app, &cookie, query);
        assert_eq!(s, 422, "{query}: {html}");
        assert!(html.contains(message), "{query}: {html}");
        assert!(html.contains(r#"<form class="filters card" method="get" action="/stats""#), "{query}: the form again");
        assert!(html.contains(r#"class="notice bad" role="alert""#) && !html.contains("<svg"), "{query}");
    }
    let (_, html) = stats_page(&app, &cookie, "?from=2026-12-01&to=2026-01-01");
    assert!(html.contains(r#"id="to" name="to" value="2026-01-01" aria-invalid="true""#), "the field marked");
    assert!(html.contains(r#"<p class="field-error" id="to-error">结束日期不能早于开始日期</p>"#));
    // The API refuses the same period the same way.
    let (s, _) = send(
        app.req(Method::GET, "/api/v1/stats/clues", Some(&jw.token))
            .query(&[("from", "2026-12-01"), ("to", "2026-01-01")]),
    );
    assert_eq!(s, 422);
}

both!(
    the_page_shows_the_concluded_transfers_in_charts_and_tables,
    a_unit_sees_only_the_counts_the_api_gives_it,
    bad_filters_give_the_form_again_with_the_message
);
