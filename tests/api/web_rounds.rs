//! The web client's 巡察 pages (issue 11): the office creates a round through the forms, sets up
//! its team and units, moves it on and records a finding; a participant sees the round and
//! only the findings distributed to it; an outsider gets the not-found page; the inspected
//! unit's account starts on 本单位整改 and sees its own unit, no findings.

use serde_json::json;

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::web_http::*;

const ROUND: &str = "七届市委第十四轮巡察";
const PROBLEM: &str = "市教育局党组落实主体责任不到位";
const KEPT: &str = "教育局基建项目线索(仅巡察办掌握)";

fn a_round_is_run_through_the_pages(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let office = app.agency(&admin, "xcb", "inspection");
    let jiwei = app.agency(&admin, "jiwei", "discipline");
    app.agency(&admin, "shenji", "audit");
    let account = app.inspected_account(&admin, "jyj");
    app.unit_object(&office, "市教育局党组");

    let browser = Browser::open(&app.base);
    browser.sign_in("xcb_user", PASSWORD);
    browser.goto("/rounds");
    assert!(browser.text("main").contains("暂无"));
    browser.click("a[href='/rounds/new']");
    browser.fill("#name", ROUND);
    browser.fill("#number", "14");
    browser.script("document.getElementById('period_start').value = '2026-03-01'");
    browser.script("document.getElementById('period_end').value = '2026-02-01'");
    browser.script(&format!("document.getElementById('m-{}').checked = true", jiwei.id));
    browser.click("form[action='/rounds/new'] button[type=submit]");
    // The date order is refused in place, with what was typed kept.
    assert_eq!(browser.path(), "/rounds/new");
    assert!(browser.text("main").contains("结束日期不能早于开始日期"), "{}", browser.text("main"));
    assert_eq!(browser.script("return document.getElementById('name').value"), json!(ROUND));
    browser.assert_console_only_status("新建巡察轮次(有误)", 422);
    browser.script("document.getElementById('period_end').value = '2026-05-31'");
    browser.fill("#focus", "教育、工程建设");
    browser.click("form[action='/rounds/new'] button[type=submit]");
    let rid = browser.path().strip_prefix("/rounds/").expect("on the round's page").to_string();
    assert!(browser.text("main h1").contains(ROUND));
    assert!(browser.text("main").contains("测试单位jiwei") && browser.text("main").contains("教育、工程建设"));
    browser.assert_console_clean("巡察轮次");

    browser.fill("#team-name", "第一巡察组");
    browser.click("form[action$='/teams'] button[type=submit]");
    assert!(browser.text("main").contains("第一巡察组"));
    browser.script(
        "const s = document.getElementById('object_id'); s.value = [...s.options].find(o => o.text === '市教育局党组').value",
    );
    browser.script(
        "const s = document.getElementById('team_id'); s.value = [...s.options].find(o => o.text === '第一巡察组').value",
    );
    browser.script(&format!("document.getElementById('account_agency_id').value = '{}'", account.id));
    browser.click("form[action$='/units'] button[type=submit]");
    assert!(browser.text("section[aria-labelledby=units] table").contains("市教育局党组"));
    browser.script("window.confirm = function () { return true; }");
    browser.click("form[action$='/stage'] button[type=submit]");
    assert!(browser.text("ol.stage-line li.current").contains("进驻巡察"), "{}", browser.text("ol.stage-line"));
    browser.screenshot("round");

    browser.click("section[aria-labelledby=units] table a");
    let uid = browser.path().strip_prefix("/inspected-units/").expect("on the unit's page").to_string();
    browser.fill("#f-title", PROBLEM);
    browser.fill("#f-body", "党组会议研究全面从严治党工作不足");
    browser.script(&format!("document.getElementById('fa-{}').checked = true", jiwei.id));
    browser.click("form[action$='/findings'] button[type=submit]");
    browser.fill("#f-title", KEPT);
    browser.script("document.getElementById('f-kind').value = 'clue'");
    browser.click("form[action$='/findings'] button[type=submit]");
    let table = browser.text("section[aria-labelledby=findings] table");
    assert!(table.contains(PROBLEM) && table.contains(KEPT), "{table}");
    browser.assert_console_clean("被巡察单位");
    browser.screenshot("inspected_unit");
    // The round's figures: one problem and one clue of the unit, as chart and table.
    browser.goto(&format!("/rounds/{rid}"));
    let figure = browser.text("#round-units table");
    assert!(figure.contains("市教育局党组") && figure.contains("合计"), "{figure}");
    // The chart's own title and one bar per series of the one unit.
    assert_eq!(browser.script("return document.querySelectorAll('#round-units svg title').length"), json!(5));
    browser.goto("/rounds");
    assert!(browser.text("#across-rounds table").contains(ROUND));
    browser.assert_console_clean("巡察列表");
    let csv = get_page(&app, "/rounds/export.csv", &browser.cookie_header()).text().unwrap();
    assert!(
        csv.contains("巡察轮次") && csv.contains(&format!("14,{ROUND},进驻巡察,1,1,0,0%,1,0,0,0").replace("0%,", "0,")),
        "{csv}"
    );
    browser.click("form[action='/logout'] button[type=submit]");

    // The participant: the round and the problem given to it, not the office's own clue.
    let part = http_sign_in(&app, "jiwei_user", PASSWORD).unwrap();
    let list = get_page(&app, "/rounds", &part).text().unwrap();
    assert!(list.contains(ROUND), "{list}");
    let page = get_page(&app, &format!("/inspected-units/{uid}"), &part).text().unwrap();
    assert!(page.contains(PROBLEM) && !page.contains(KEPT), "{page}");
    // Its figures count the problem given to it, not the office's own clue.
    let figures = get_page(&app, "/rounds/export.csv", &part).text().unwrap();
    assert!(figures.contains(&format!("14,{ROUND},进驻巡察,1,1,0,0,0,0,0,0")), "{figures}");
    assert!(!page.contains("/findings\"") && !page.contains("/settings\""), "no office forms for a participant");
    let round_page = get_page(&app, &format!("/rounds/{rid}"), &part).text().unwrap();
    assert!(!round_page.contains("/stage\"") && !round_page.contains("/teams\""), "{round_page}");
    let csrf = csrf_of(&round_page);
    let r = post_form(&app, &format!("/rounds/{rid}/teams"), &part, &[("csrf", &csrf), ("name", "越权组")]);
    assert_eq!(r.status().as_u16(), 403);

    // The outsider: not found, in no list, nothing posted.
    let outsider = http_sign_in(&app, "shenji_user", PASSWORD).unwrap();
    for path in [format!("/rounds/{rid}"), format!("/inspected-units/{uid}")] {
        let r = get_page(&app, &path, &outsider);
        assert_eq!(r.status().as_u16(), 404, "{path}");
        let body = r.text().unwrap();
        assert!(!body.contains(ROUND) && !body.contains(PROBLEM) && !body.contains("市教育局党组"), "{body}");
    }
    let list = get_page(&app, "/rounds", &outsider).text().unwrap();
    assert!(!list.contains(ROUND), "{list}");
    let csrf = csrf_of(&list);
    let r =
        post_form(&app, &format!("/inspected-units/{uid}/findings"), &outsider, &[("csrf", &csrf), ("title", "越权")]);
    assert_eq!(r.status().as_u16(), 404);

    // The inspected unit's account starts on its own page and sees no findings.
    browser.sign_in("jyj_contact", PASSWORD);
    assert_eq!(browser.path(), "/rectification");
    assert!(browser.text("main table").contains("市教育局党组") && browser.text("main table").contains(ROUND));
    browser.click("main table a");
    let own = browser.source();
    assert!(own.contains("市教育局党组") && !own.contains(PROBLEM) && !own.contains(KEPT), "{own}");
    browser.assert_console_clean("本单位整改");
    let nav = browser.text("header nav");
    assert!(nav.contains("本单位整改") && !nav.contains("信息库") && !nav.contains("巡察"), "{nav}");
}

both!(a_round_is_run_through_the_pages);
