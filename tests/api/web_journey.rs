//! The whole journey in the browser (issue 10): an officer of unit A publishes a sensitive
//! clue with a reporter's name through the form and transfers it to unit B; B's officer finds
//! it on the 工作台, accepts it and concludes it with sanctions; A's officer sees the result on
//! the transfer's page, and A's 统计 changes. An officer of a third unit finds nothing of it.

use serde_json::{json, Value};

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::web_http::{get_page, http_sign_in};

const TITLE: &str = "关于市住建局某科长违规发放津补贴问题的线索";
const REPORTER: &str = "欧阳明远";

/// The figure the 统计 page's chart gives for `label` (its `data-value`), or "" if none.
fn chart_value(browser: &Browser, label: &str) -> String {
    browser
        .script(&format!(
            "var g = document.querySelector('[data-label=\"{label}\"]'); return g ? g.getAttribute('data-value') : ''"
        ))
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn a_clue_goes_from_publication_to_sanctions_in_the_browser(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    app.agency(&admin, "shenji", "audit");

    // A: publishes through the form, the reporter's name in its protected field.
    let a = Browser::open(&app.base);
    a.sign_in("xuncha_user", PASSWORD);
    a.goto("/stats");
    a.assert_console_clean("统计(之前)");
    assert_eq!(chart_value(&a, "第一种形态"), "", "no outcome yet");
    a.goto("/records/new");
    a.script(
        "document.querySelector('#kind').value = 'clue';
         document.querySelector('#sensitivity').value = 'sensitive';
         document.querySelector('#level-own').checked = true;",
    );
    a.fill("#title", TITLE);
    a.fill("#body", "巡察发现该科长以加班费名义违规发放津补贴12.6万元。");
    a.fill("#reporter_name", REPORTER);
    a.click("form.record-form button[type=submit]");
    let record_id = a.path().strip_prefix("/records/").expect("on the new record's page").to_string();
    assert!(a.text("main h1").contains(TITLE));
    a.assert_console_clean("新发布的线索");
    let (s, r) = app.get(&xc.token, &format!("/api/v1/records/{record_id}"));
    assert_eq!(
        (s, r["sensitivity"].as_str(), r["protected"]["reporter_name"].as_str()),
        (200, Some("sensitive"), Some(REPORTER))
    );

    // A: transfers it to B from the clue's page.
    a.click(".actions a[href$='/transfer']");
    a.script(&format!("document.querySelector('#to_agency_id').value = '{}'", jw.id));
    a.script("document.querySelector('#deadline').value = '2099-06-30'");
    a.fill("#suggestion", "建议由市纪委监委谈话函询");
    a.click("form[action$='/transfer'] button[type=submit]");
    let transfer_id = a.path().strip_prefix("/transfers/").expect("on the transfer's page").to_string();
    a.assert_console_clean("移交详情");

    // A third unit: nothing of it anywhere it looks.
    let outsider = http_sign_in(&app, "shenji_user", PASSWORD).unwrap();
    for path in ["/".to_string(), "/records".to_string(), "/transfers".to_string(), format!("/records/{record_id}")] {
        let page = get_page(&app, &path, &outsider);
        let html = page.text().unwrap();
        assert!(!html.contains(TITLE) && !html.contains(REPORTER), "{path} shows the clue to a third unit");
    }
    assert_eq!(get_page(&app, &format!("/transfers/{transfer_id}"), &outsider).status().as_u16(), 404);

    // B: the 工作台 shows the transfer waiting; accept, start, conclude with sanctions.
    let b_ = Browser::open(&app.base);
    b_.sign_in("jiwei_user", PASSWORD);
    assert_eq!(b_.path(), "/");
    assert!(b_.source().contains(TITLE), "B's 工作台 lists the transfer");
    b_.assert_console_clean("工作台(接收单位)");
    b_.click(&format!("a[href='/transfers/{transfer_id}']"));
    b_.click("#step-accept");
    b_.click("#step-start");
    b_.script("document.querySelector('#outcome').value = 'form2'");
    b_.fill("#disciplinary", "1");
    b_.fill("#organizational", "2");
    b_.fill("#summary", "诫勉谈话,责令退还违规发放款项");
    b_.script("window.confirm = function () { return true; }");
    b_.click("#step-conclude");
    assert!(b_.text("#facts + dl").contains("第二种形态"));
    b_.assert_console_clean("移交详情(已办结)");

    // A: the result on the transfer's page, and in the statistics.
    a.goto(&format!("/transfers/{transfer_id}"));
    let facts = a.text("#facts + dl");
    assert!(facts.contains("第二种形态") && facts.contains("诫勉谈话"), "{facts}");
    a.assert_console_clean("移交详情(移交单位看办结)");
    a.goto("/stats");
    a.assert_console_clean("统计(之后)");
    assert_eq!(chart_value(&a, "第二种形态"), "1", "the conclusion counts");
    assert_eq!(chart_value(&a, "党纪政务处分"), "1");
    assert_eq!(chart_value(&a, "组织处理"), "2");
    let (s, t): (u16, Value) = app.get(&xc.token, &format!("/api/v1/transfers/{transfer_id}"));
    assert_eq!(
        (s, &t["state"], &t["sanctions"]),
        (200, &json!("concluded"), &json!({"disciplinary": 1, "organizational": 2, "judicial": 0}))
    );
}

both!(a_clue_goes_from_publication_to_sanctions_in_the_browser);
