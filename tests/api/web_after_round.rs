//! The web client's pages after a round (issue 11, part 10): the office notifies a common
//! problem (共性问题) through its round's form and a notified member unit reads it; the office
//! requires a unit it did not inspect to check itself (未巡先改) and the unit's own account
//! reports through its page; a member unit sets up a special campaign (专项整治), links
//! problems and shares it. Every page with its negative: an agency not entitled gets the
//! not-found page — not even the title; a refused form keeps what was typed and changes
//! nothing; a post without the CSRF token is refused.

use serde_json::{json, Value};

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::rounds::{round_in_inspection, Round};
use crate::web_http::*;

const P1: &str = "教育局违规发放津补贴";
const P2: &str = "教育局公车私用";
const CP: &str = "部分单位违规发放津补贴问题突出";
const CAMPAIGN: &str = "违规发放津补贴专项整治";
const REPORT: &str = "已对照共性问题自查,整改3项";

fn day(offset: i64) -> String {
    (hub_today() + chrono::Duration::days(offset)).format("%Y-%m-%d").to_string()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// A problem of the round's first unit, recorded by the office and given to `to`.
fn problem(t: &Round, title: &str, to: &[&str]) -> String {
    let f = expect_status(
        201,
        t.app.post(
            &t.office.token,
            &format!("/api/v1/inspected-units/{}/findings", id(&t.unit)),
            json!({"kind": "problem", "title": title, "category": "廉洁纪律",
                   "distribution": {"level": "agencies", "agencies": to}}),
        ),
    );
    id(&f)
}

fn to_feedback(t: &Round) {
    expect_status(
        200,
        t.app.post(&t.office.token, &format!("/api/v1/rounds/{}/stage", id(&t.round)), json!({"stage": "feedback"})),
    );
}

fn tick(browser: &Browser, element_id: &str) {
    browser.script(&format!("document.getElementById('{element_id}').checked = true"));
}

fn common_problems_are_notified_and_read_through_the_pages(b: Backend) {
    let t = round_in_inspection(b);
    let (app, rid) = (&t.app, id(&t.round));
    let p1 = problem(&t, P1, &[&t.jiwei.id]);
    to_feedback(&t);
    let api_list = format!("/api/v1/rounds/{rid}/common-problems");

    // The office, from its round's page: a notice to nobody is refused in place.
    let browser = Browser::open(&app.base);
    browser.sign_in("xcb_user", PASSWORD);
    browser.goto(&format!("/rounds/{rid}"));
    browser.click(&format!("section[aria-labelledby=after-round] a[href='/rounds/{rid}/common-problems']"));
    assert!(browser.text("main").contains("暂无本单位可查看的共性问题"), "{}", browser.text("main"));
    browser.fill("#cp-title", CP);
    browser.fill("#cp-body", "在多个被巡察单位发现");
    tick(&browser, &format!("cpf-{p1}"));
    browser.click("form[action$='/common-problems'] button[type=submit]");
    assert_eq!(browser.path(), format!("/rounds/{rid}/common-problems"));
    assert!(browser.text("section[aria-labelledby=notify]").contains("至少通报一个其他成员单位"));
    assert_eq!(browser.script("return document.getElementById('cp-title').value"), json!(CP));
    assert_eq!(browser.script(&format!("return document.getElementById('cpf-{p1}').checked")), json!(true));
    browser.assert_console_only_status("通报共性问题(有误)", 422);
    assert_eq!(expect_status(200, app.get(&t.office.token, &api_list)), json!([]), "nothing notified");

    tick(&browser, &format!("cpa-{}", t.jiwei.id));
    browser.click("form[action$='/common-problems'] button[type=submit]");
    let cid = browser.path().strip_prefix("/common-problems/").expect("on the common problem's page").to_string();
    assert!(browser.text("main h1").contains(CP));
    let facts = browser.text("section[aria-labelledby=facts]");
    assert!(facts.contains("测试单位jiwei") && facts.contains("在多个被巡察单位发现"), "{facts}");
    assert!(browser.text("section[aria-labelledby=linked]").contains(P1));
    browser.assert_console_clean("共性问题");
    browser.goto(&format!("/rounds/{rid}/common-problems"));
    assert!(browser.text("main table").contains(CP) && browser.text("main table").contains("测试单位jiwei"));
    assert!(browser.text("section[aria-labelledby=after-stats]").contains("1 个,通报成员单位 1 家"));
    browser.assert_console_clean("本轮共性问题");
    browser.screenshot("common_problems");
    let csv = get_page(app, &format!("/rounds/{rid}/common-problems/export.csv"), &browser.cookie_header());
    assert_eq!(csv.status().as_u16(), 200);
    let csv = csv.text().unwrap();
    assert!(csv.starts_with("\u{feff}序号,共性问题") && csv.contains(CP), "{csv}");

    // A post without the CSRF token is refused; nothing is notified.
    let office = browser.cookie_header();
    let r = post_form(
        app,
        &format!("/rounds/{rid}/common-problems"),
        &office,
        &[("title", "越权通报"), ("agency_ids", &t.jiwei.id)],
    );
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(expect_status(200, app.get(&t.office.token, &api_list)).as_array().unwrap().len(), 1);

    // 纪委监委 (notified) reads it in its list and on its page.
    let jiwei = http_sign_in(app, "jiwei_user", PASSWORD).unwrap();
    let list = get_page(app, "/common-problems", &jiwei).text().unwrap();
    assert!(list.contains(CP) && list.contains(&format!("/common-problems/{cid}")), "{list}");
    let page = get_page(app, &format!("/common-problems/{cid}"), &jiwei);
    assert_eq!(page.status().as_u16(), 200);
    let page = page.text().unwrap();
    assert!(page.contains(CP) && page.contains(P1), "{page}");
    assert!(!page.contains("通报的成员单位"), "the recipients are the office's business: {page}");

    // The outsider and 组织部 (a participant, not notified): nothing, not even the title.
    for who in ["shenji_user", "zzb_user"] {
        let c = http_sign_in(app, who, PASSWORD).unwrap();
        let r = get_page(app, &format!("/common-problems/{cid}"), &c);
        assert_eq!(r.status().as_u16(), 404, "{who}");
        assert!(!r.text().unwrap().contains(CP));
        let list = get_page(app, "/common-problems", &c).text().unwrap();
        assert!(!list.contains(CP), "{who}: {list}");
    }
    let outsider = http_sign_in(app, "shenji_user", PASSWORD).unwrap();
    let r = get_page(app, &format!("/rounds/{rid}/common-problems"), &outsider);
    assert_eq!(r.status().as_u16(), 404);
    assert!(!r.text().unwrap().contains(CP));
    let csrf = csrf_of(&get_page(app, "/common-problems", &outsider).text().unwrap());
    let r = post_form(
        app,
        &format!("/rounds/{rid}/common-problems"),
        &outsider,
        &[("csrf", &csrf), ("title", "越权通报"), ("agency_ids", &t.jiwei.id)],
    );
    assert_eq!(r.status().as_u16(), 404);
}

both!(common_problems_are_notified_and_read_through_the_pages);

fn self_checks_are_required_and_reported_through_the_pages(b: Backend) {
    let t = round_in_inspection(b);
    let (app, rid) = (&t.app, id(&t.round));
    to_feedback(&t);
    let wjw_account = app.inspected_account(&t.admin, "wjw");
    app.unit_object(&t.office, "市卫生健康委党组");

    // The office: a requirement without its text is refused in place, the unit kept.
    let browser = Browser::open(&app.base);
    browser.sign_in("xcb_user", PASSWORD);
    browser.goto(&format!("/rounds/{rid}"));
    browser.click(&format!("section[aria-labelledby=after-round] a[href='/rounds/{rid}/self-checks']"));
    let choose = "const s = document.getElementById('sc-object'); s.value = [...s.options].find(o => o.text === '市卫生健康委党组').value";
    browser.script(choose);
    browser.script(&format!("document.getElementById('sc-account').value = '{}'", wjw_account.id));
    browser.script(&format!("document.getElementById('sc-deadline').value = '{}'", day(10)));
    browser.click("form[action$='/self-checks'] button[type=submit]");
    assert_eq!(browser.path(), format!("/rounds/{rid}/self-checks"));
    assert!(browser.text("section[aria-labelledby=require]").contains("不能为空"));
    assert_eq!(
        browser.script("const s = document.getElementById('sc-object'); return s.options[s.selectedIndex].text"),
        json!("市卫生健康委党组")
    );
    browser.assert_console_only_status("要求自查(有误)", 422);
    assert_eq!(expect_status(200, app.get(&t.office.token, &format!("/api/v1/rounds/{rid}/self-checks"))), json!([]));
    browser.fill("#sc-requirement", "对照共性问题开展自查自纠");
    browser.click("form[action$='/self-checks'] button[type=submit]");
    assert_eq!(browser.path(), format!("/rounds/{rid}/self-checks"));
    let table = browser.text("main table");
    assert!(table.contains("市卫生健康委党组") && table.contains("待报送"), "{table}");
    browser.assert_console_clean("未巡先改");
    browser.click("main table a");
    let scid = browser.path().strip_prefix("/self-checks/").expect("on the requirement's page").to_string();
    browser.click("form[action='/logout'] button[type=submit]");

    // Another unit's account and a participant: not found, nothing reported.
    for who in ["jyj_contact", "jiwei_user", "shenji_user"] {
        let c = http_sign_in(app, who, PASSWORD).unwrap();
        let r = get_page(app, &format!("/self-checks/{scid}"), &c);
        assert_eq!(r.status().as_u16(), 404, "{who}");
        assert!(!r.text().unwrap().contains("市卫生健康委党组"));
        let list = get_page(app, "/self-checks", &c).text().unwrap();
        assert!(!list.contains("市卫生健康委党组"), "{who}: {list}");
        let csrf = csrf_of(&list);
        let r = post_form(app, &format!("/self-checks/{scid}/report"), &c, &[("csrf", &csrf), ("report", "越权")]);
        assert_eq!(r.status().as_u16(), 404, "{who}");
    }

    // The unit's own account, from its start page: it reports once.
    browser.sign_in("wjw_contact", PASSWORD);
    assert_eq!(browser.path(), "/rectification");
    browser.click("a[href='/self-checks']");
    browser.click(&format!("a[href='/self-checks/{scid}']"));
    assert!(browser.text("section[aria-labelledby=facts]").contains("对照共性问题开展自查自纠"));
    let own = browser.cookie_header();
    let r = post_form(app, &format!("/self-checks/{scid}/report"), &own, &[("report", REPORT)]);
    assert_eq!(r.status().as_u16(), 403, "no CSRF token");
    browser.fill("#report", REPORT);
    browser.script("window.confirm = function () { return true; }");
    browser.click(&format!("form[action='/self-checks/{scid}/report'] button[type=submit]"));
    assert_eq!(browser.path(), format!("/self-checks/{scid}"));
    let report = browser.text("section[aria-labelledby=report-h]");
    assert!(report.contains(REPORT) && report.contains("单位报送"), "{report}");
    assert!(!browser.source().contains("/report\""), "reported once: no form");
    browser.assert_console_clean("报送自查自纠情况");
    browser.click("form[action='/logout'] button[type=submit]");

    // The office sees it reported, in the list and the ledger.
    let office = http_sign_in(app, "xcb_user", PASSWORD).unwrap();
    let list = get_page(app, &format!("/rounds/{rid}/self-checks"), &office).text().unwrap();
    assert!(list.contains("已报送"), "{list}");
    let csv = get_page(app, &format!("/rounds/{rid}/self-checks/export.csv"), &office).text().unwrap();
    assert!(csv.contains("市卫生健康委党组") && csv.contains("单位报送") && csv.contains(REPORT), "{csv}");
}

both!(self_checks_are_required_and_reported_through_the_pages);

fn campaigns_are_set_up_and_linked_through_the_pages(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let p1 = problem(&t, P1, &[&t.jiwei.id]);
    let p2 = problem(&t, P2, &[&t.jiwei.id]);
    let count = || expect_status(200, app.get(&t.jiwei.token, "/api/v1/campaigns"))["items"].as_array().unwrap().len();

    // 纪委监委: the dates in the wrong order are refused in place, what was typed kept.
    let browser = Browser::open(&app.base);
    browser.sign_in("jiwei_user", PASSWORD);
    browser.goto("/rounds");
    browser.click("a[href='/campaigns']");
    assert!(browser.text("main").contains("暂无本单位可查看的专项整治"));
    browser.click("a[href='/campaigns/new']");
    browser.fill("#name", CAMPAIGN);
    browser.fill("#description", "集中整治违规发放津补贴");
    browser.script(&format!("document.getElementById('period_start').value = '{}'", day(0)));
    browser.script(&format!("document.getElementById('period_end').value = '{}'", day(-1)));
    tick(&browser, &format!("lf-{p1}"));
    tick(&browser, &format!("sw-{}", t.zzb.id));
    browser.click("form[action='/campaigns/new'] button[type=submit]");
    assert_eq!(browser.path(), "/campaigns/new");
    assert!(browser.text("main").contains("结束日期不能早于开始日期"), "{}", browser.text("main"));
    assert_eq!(browser.script("return document.getElementById('name').value"), json!(CAMPAIGN));
    assert_eq!(browser.script(&format!("return document.getElementById('lf-{p1}').checked")), json!(true));
    browser.assert_console_only_status("新建专项整治(有误)", 422);
    assert_eq!(count(), 0, "nothing set up");
    browser.script(&format!("document.getElementById('period_end').value = '{}'", day(90)));
    browser.click("form[action='/campaigns/new'] button[type=submit]");
    let cid = browser.path().strip_prefix("/campaigns/").expect("on the campaign's page").to_string();
    assert!(browser.text("main h1").contains(CAMPAIGN));
    assert!(browser.text("section[aria-labelledby=problems]").contains(P1));
    assert!(browser.text("section[aria-labelledby=facts]").contains("测试单位zzb"));
    browser.assert_console_clean("专项整治");

    // It links one more problem through its form.
    tick(&browser, &format!("lf-{p2}"));
    browser.click(&format!("form[action='/campaigns/{cid}/links'] button[type=submit]"));
    assert_eq!(browser.path(), format!("/campaigns/{cid}"));
    let problems = browser.text("section[aria-labelledby=problems]");
    assert!(problems.contains(P1) && problems.contains(P2), "{problems}");
    assert!(browser.text("section[aria-labelledby=progress]").contains("2 个"));
    browser.assert_console_clean("关联问题");
    browser.screenshot("special_campaign");
    let own = browser.cookie_header();
    let r = post_form(app, "/campaigns/new", &own, &[("name", "无令牌的专项整治"), ("period_start", &day(0))]);
    assert_eq!(r.status().as_u16(), 403, "no CSRF token");
    assert_eq!(count(), 1);
    let csv = get_page(app, "/campaigns/export.csv", &own).text().unwrap();
    assert!(csv.contains(&format!("{CAMPAIGN},测试单位jiwei,")), "{csv}");

    // 组织部 (shared): the campaign and its progress, not the problems it does not read, no form.
    let zzb = http_sign_in(app, "zzb_user", PASSWORD).unwrap();
    let page = get_page(app, &format!("/campaigns/{cid}"), &zzb).text().unwrap();
    assert!(page.contains(CAMPAIGN) && !page.contains(P1) && !page.contains(P2), "{page}");
    assert!(page.contains("本单位无权查看该问题的内容") && !page.contains("/links\""), "{page}");
    assert!(get_page(app, "/campaigns", &zzb).text().unwrap().contains(CAMPAIGN));

    // The outsider: not found, in no list, nothing linked.
    let outsider = http_sign_in(app, "shenji_user", PASSWORD).unwrap();
    let r = get_page(app, &format!("/campaigns/{cid}"), &outsider);
    assert_eq!(r.status().as_u16(), 404);
    assert!(!r.text().unwrap().contains(CAMPAIGN));
    let list = get_page(app, "/campaigns", &outsider).text().unwrap();
    assert!(!list.contains(CAMPAIGN), "{list}");
    assert!(!get_page(app, "/campaigns/export.csv", &outsider).text().unwrap().contains(CAMPAIGN));
    let csrf = csrf_of(&list);
    let r = post_form(app, &format!("/campaigns/{cid}/links"), &outsider, &[("csrf", &csrf), ("finding_ids", &p1)]);
    assert_eq!(r.status().as_u16(), 404);
}

both!(campaigns_are_set_up_and_linked_through_the_pages);
