//! The web client's 巡审联动 pages (issue 11, part 4): the office links an inspected unit to
//! an audit project from the unit's page (a refused post keeps what was typed and makes
//! nothing); the audit agency finds the linkage in its list, reads the office's finding on the
//! unit and publishes its own through the form; a participant sees the linkage but neither
//! finding; a third agency and the unit's own account get nothing, not even the project's
//! name; the office ends it, and the audit agency no longer reads the office's finding.

use serde_json::{json, Value};

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::rounds::round_in_inspection;
use crate::web_http::*;

const PROJECT: &str = "2026年度预算执行情况审计";
const OFFICE_FINDING: &str = "教育局食堂采购未公开招标";
const AUDIT_FINDING: &str = "教育局专项资金结余未按规定上缴";

fn day(offset: i64) -> String {
    (hub_today() + chrono::Duration::days(offset)).format("%Y-%m-%d").to_string()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn linkages_are_made_read_and_ended_through_the_pages(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    app.agency(&t.admin, "xinfang", "petition");
    let (unit, audit) = (id(&t.unit), &t.outsider);
    let body = json!({"kind": "problem", "title": OFFICE_FINDING, "body": "问题描述", "category": "廉洁纪律"});
    expect_status(201, app.post(&t.office.token, &format!("/api/v1/inspected-units/{unit}/findings"), body));

    // The office: from the unit's page to the form; an end date in the past is refused in
    // place, what was typed is kept and no linkage is made.
    let browser = Browser::open(&app.base);
    browser.sign_in("xcb_user", PASSWORD);
    browser.goto(&format!("/inspected-units/{unit}"));
    browser.click(&format!("a[href='/inspected-units/{unit}/audit-linkages']"));
    browser.script(&format!("document.getElementById('audit_agency_id').value = '{}'", audit.id));
    browser.fill("#project_name", PROJECT);
    let dates = |from: i64, to: i64| {
        browser.script(&format!(
            "document.getElementById('start_date').value = '{}'; document.getElementById('end_date').value = '{}'",
            day(from),
            day(to)
        ));
    };
    dates(-60, -1);
    browser.click("form[action$='/audit-linkages'] button[type=submit]");
    assert_eq!(browser.path(), format!("/inspected-units/{unit}/audit-linkages"));
    assert!(browser.text("main").contains("结束日期已过"), "{}", browser.text("main"));
    assert_eq!(browser.script("return document.getElementById('project_name').value"), json!(PROJECT));
    browser.assert_console_only_status("巡审联动(有误)", 422);
    let listed =
        expect_status(200, app.get(&t.office.token, &format!("/api/v1/inspected-units/{unit}/audit-linkages")));
    assert_eq!(listed, json!([]), "nothing made");
    dates(0, 30);
    browser.click("form[action$='/audit-linkages'] button[type=submit]");
    let lid = browser.path().strip_prefix("/audit-linkages/").expect("on the linkage's page").to_string();
    assert!(browser.text("main h1").contains(PROJECT));
    assert!(browser.text("section[aria-labelledby=findings]").contains(OFFICE_FINDING));
    assert!(browser.source().contains("/end\""), "the office may end it");
    browser.assert_console_clean("巡审联动");
    browser.click("form[action='/logout'] button[type=submit]");

    // The audit agency: its list, the office's finding, its own through the form.
    browser.sign_in("shenji_user", PASSWORD);
    browser.goto("/audit-linkages");
    browser.click(&format!("a[href='/audit-linkages/{lid}']"));
    assert!(browser.text("section[aria-labelledby=findings]").contains(OFFICE_FINDING));
    assert!(!browser.source().contains("/end\""), "only the office ends it");
    browser.fill("#title", "   ");
    browser.click("form[action$='/findings'] button[type=submit]");
    assert_eq!(browser.path(), format!("/audit-linkages/{lid}/findings"));
    browser.assert_console_only_status("发布审计发现(有误)", 422);
    browser.fill("#title", AUDIT_FINDING);
    browser.fill("#body", "经审计发现");
    browser.click("form[action$='/findings'] button[type=submit]");
    assert_eq!(browser.path(), format!("/audit-linkages/{lid}"));
    let found = browser.text("section[aria-labelledby=findings]");
    assert!(found.contains(AUDIT_FINDING) && found.contains("审计发现"), "{found}");
    browser.assert_console_clean("巡审联动(审计)");
    browser.screenshot("audit_linkage");
    browser.click("form[action='/logout'] button[type=submit]");

    // A participant sees the linkage but neither finding; it may not end it.
    let part = http_sign_in(app, "jiwei_user", PASSWORD).unwrap();
    let page = get_page(app, &format!("/audit-linkages/{lid}"), &part).text().unwrap();
    assert!(page.contains(PROJECT) && !page.contains(OFFICE_FINDING) && !page.contains(AUDIT_FINDING), "{page}");
    let csrf = csrf_of(&page);
    assert_eq!(post_form(app, &format!("/audit-linkages/{lid}/end"), &part, &[("csrf", &csrf)]).status().as_u16(), 403);

    // A third agency and the unit's own account: nothing, not even the project's name.
    let outsider = http_sign_in(app, "xinfang_user", PASSWORD).unwrap();
    for path in [format!("/audit-linkages/{lid}"), format!("/inspected-units/{unit}/audit-linkages")] {
        let r = get_page(app, &path, &outsider);
        assert_eq!(r.status().as_u16(), 404, "{path}");
        let body = r.text().unwrap();
        assert!(!body.contains(PROJECT) && !body.contains(OFFICE_FINDING) && !body.contains("市教育局党组"), "{body}");
    }
    let list = get_page(app, "/audit-linkages", &outsider).text().unwrap();
    assert!(!list.contains(PROJECT), "{list}");
    let csrf = csrf_of(&list);
    let r =
        post_form(app, &format!("/audit-linkages/{lid}/findings"), &outsider, &[("csrf", &csrf), ("title", "越权")]);
    assert_eq!(r.status().as_u16(), 404);
    let own = http_sign_in(app, "jyj_contact", PASSWORD).unwrap();
    let r = get_page(app, &format!("/audit-linkages/{lid}"), &own);
    assert!(r.status().as_u16() >= 400, "the unit's account reads no linkage");
    assert!(!r.text().unwrap().contains(PROJECT));
    let unit_page = get_page(app, &format!("/inspected-units/{unit}"), &own).text().unwrap();
    assert!(!unit_page.contains("/audit-linkages"), "no link for the unit's account");

    // Without the form's token nothing happens; the office ends it through the button.
    let office = http_sign_in(app, "xcb_user", PASSWORD).unwrap();
    assert_eq!(post_form(app, &format!("/audit-linkages/{lid}/end"), &office, &[]).status().as_u16(), 403);
    browser.sign_in("xcb_user", PASSWORD);
    browser.goto(&format!("/audit-linkages/{lid}"));
    browser.script("window.confirm = function () { return true; }");
    browser.click(&format!("form[action='/audit-linkages/{lid}/end'] button[type=submit]"));
    assert!(browser.text("main h1").contains("已结束"), "{}", browser.text("main h1"));
    browser.assert_console_clean("巡审联动(结束)");
    let after = get_page(app, &format!("/audit-linkages/{lid}"), &http_sign_in(app, "shenji_user", PASSWORD).unwrap());
    let after = after.text().unwrap();
    assert!(after.contains(AUDIT_FINDING) && !after.contains(OFFICE_FINDING), "{after}");
}

both!(linkages_are_made_read_and_ended_through_the_pages);
