//! The web client's 人才库 pages (issue 11, part 2), in a real Chromium and over plain HTTP: a
//! member unit recommends a person through the form and declares a relation; the inspection
//! office sees the pool, composes a team on the team's page from the proposal (the related
//! person listed as avoided, with the reason, and refused in place when posted anyway) and
//! records a commendation; another member unit finds no trace of the person; a participant of
//! the round sees the team without its members.

use serde_json::json;

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::rounds::round_in_inspection;
use crate::web_http::*;

const PERSON: &str = "欧阳审计";
const RELATED: &str = "司马关联";

fn the_pool_and_a_team_are_composed_through_the_pages(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let team = t.round["teams"][0]["id"].as_str().unwrap().to_string();
    let edu = t.unit["object_id"].as_str().unwrap().to_string();
    // Someone else 纪委监委 recommended earlier, with a declared relation to the unit.
    let related = expect_status(
        201,
        app.post(
            &t.jiwei.token,
            "/api/v1/talents",
            json!({"name": RELATED, "work_unit_name": "市财政局", "position": "科员", "eligible": ["staff"],
                   "relations": [{"unit_object_id": edu, "relation": "配偶在该单位任职"}]}),
        ),
    );

    // 纪委监委 recommends through the form: a missing position is refused in place.
    let browser = Browser::open(&app.base);
    browser.sign_in("jiwei_user", PASSWORD);
    browser.goto("/talents");
    browser.click("a[href='/talents/new']");
    browser.fill("#name", PERSON);
    browser.fill("#work_unit_name", "市纪委监委第三监督检查室");
    browser.fill("#expertise", "工程建设、财务");
    browser.script("document.getElementById('e-staff').checked = true");
    browser.script("document.getElementById('e-leader').checked = true");
    browser.script("document.getElementById('position').removeAttribute('required')");
    browser.click("form[action='/talents/new'] button[type=submit]");
    assert_eq!(browser.path(), "/talents/new");
    assert!(browser.text("main").contains("不能为空"), "{}", browser.text("main"));
    assert_eq!(browser.script("return document.getElementById('name').value"), json!(PERSON));
    browser.assert_console_only_status("推荐人选(有误)", 422);
    browser.fill("#position", "副主任");
    browser.click("form[action='/talents/new'] button[type=submit]");
    let pid = browser.path().strip_prefix("/talents/").expect("on the person's page").to_string();
    assert!(browser.text("main h1").contains(PERSON));
    assert!(browser.text("main").contains("组长、工作人员") && browser.text("main").contains("工程建设、财务"));
    // A posting, added on the page; it ended long ago, so it does not bar the unit.
    browser.script(&format!("document.getElementById('p-unit').value = '{edu}'"));
    browser.script("document.getElementById('p-from').value = '2001-01-01'");
    browser.script("document.getElementById('p-to').value = '2005-12-31'");
    browser.click("form[action$='/postings'] button[type=submit]");
    assert!(browser.text("section[aria-labelledby=postings]").contains("市教育局党组"), "{}", browser.text("main"));
    browser.assert_console_clean("人员页面");
    browser.goto("/talents");
    assert!(browser.text("main table").contains(PERSON) && browser.text("main table").contains(RELATED));
    browser.assert_console_clean("人才库");
    browser.click("form[action='/logout'] button[type=submit]");

    // Another member unit: no trace of either person, not even the name.
    let zzb = http_sign_in(app, "zzb_user", PASSWORD).unwrap();
    let r = get_page(app, &format!("/talents/{pid}"), &zzb);
    assert_eq!(r.status().as_u16(), 404);
    assert!(!r.text().unwrap().contains(PERSON));
    for path in ["/talents", "/talents?q=欧阳", "/talents/export.csv"] {
        let body = get_page(app, path, &zzb).text().unwrap();
        assert!(!body.contains(PERSON) && !body.contains(RELATED), "{path}: {body}");
    }
    let csrf = csrf_of(&get_page(app, "/talents", &zzb).text().unwrap());
    let r = post_form(app, &format!("/talents/{pid}/relations"), &zzb, &[("csrf", &csrf), ("version", "2")]);
    assert_eq!(r.status().as_u16(), 404);

    // The office composes the team from the proposal on the team's page.
    browser.sign_in("xcb_user", PASSWORD);
    browser.goto(&format!("/rounds/{}", t.round["id"].as_str().unwrap()));
    browser.click(&format!("a[href='/teams/{team}']"));
    assert_eq!(browser.path(), format!("/teams/{team}"));
    let candidates = browser.text("#candidates");
    assert!(candidates.contains(PERSON) && candidates.contains("工程建设"), "{candidates}");
    assert!(!candidates.contains(RELATED), "{candidates}");
    assert!(browser
        .text("#avoided")
        .contains(&format!("{RELATED}(市财政局):与被巡察单位有申报的关联关系:配偶在该单位任职")));
    browser.assert_console_clean("巡察组");
    browser.click(&format!("form[action$='/members']:has(input[value='{pid}']) button"));
    assert!(browser.text("section[aria-labelledby=members] table").contains(PERSON));
    browser.screenshot("team");
    // Posted anyway, the related person is refused in place with the reason.
    let cookies = browser.cookie_header();
    let csrf = csrf_of(&browser.source());
    let r = post_form(
        app,
        &format!("/teams/{team}/members"),
        &cookies,
        &[("csrf", &csrf), ("talent_id", related["id"].as_str().unwrap()), ("position", "staff"), ("unit", "")],
    );
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("须回避市教育局党组:与被巡察单位有申报的关联关系"));
    // A commendation on the person's page.
    browser.click(&format!("a[href='/talents/{pid}']"));
    browser.fill("#c-title", "优秀巡察抽调干部");
    browser.script("document.getElementById('c-date').value = '2026-06-30'");
    browser.click("form[action$='/commendations'] button[type=submit]");
    assert!(browser.text("section[aria-labelledby=commendations]").contains("优秀巡察抽调干部(2026年6月30日)"));
    assert!(browser.text("section[aria-labelledby=history]").contains("第一巡察组"));
    browser.screenshot("talent");
    browser.assert_console_clean("人员页面(巡察机构)");
    browser.click("form[action='/logout'] button[type=submit]");

    // A participant of the round sees the team without its members; an outsider nothing.
    let jw = http_sign_in(app, "jiwei_user", PASSWORD).unwrap();
    let page = get_page(app, &format!("/teams/{team}"), &jw).text().unwrap();
    assert!(page.contains("第一巡察组") && page.contains("仅由组织本轮巡察的巡察机构查看"), "{page}");
    assert!(!page.contains(PERSON) && !page.contains("/members\""), "{page}");
    let outsider = http_sign_in(app, "shenji_user", PASSWORD).unwrap();
    let r = get_page(app, &format!("/teams/{team}"), &outsider);
    assert_eq!(r.status().as_u16(), 404);
    assert!(!r.text().unwrap().contains("第一巡察组"));
}

both!(the_pool_and_a_team_are_composed_through_the_pages);
