//! The web client's 函询 pages (issue 11, part 3): the office sends a pre-inspection request
//! from its round's page; a target answers through its form with a record distributed to the
//! office; another target sees its own row only; an outsider gets the not-found page; the
//! office sees the status table, reminds the unanswered target and exports the ledger.

use serde_json::json;

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::web_http::*;

const TITLE: &str = "关于提供第十三轮被巡察单位有关情况的函";
const SHARED: &str = "教育局某科长违规收受礼金问题线索处置情况";
const KEPT: &str = "纪委内部核查中的线索";

fn day(offset: i64) -> String {
    (hub_today() + chrono::Duration::days(offset)).format("%Y-%m-%d").to_string()
}

fn requests_are_sent_answered_and_reminded_through_the_pages(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let office = app.agency(&admin, "xcb", "inspection");
    let jiwei = app.agency(&admin, "jiwei", "discipline");
    let xfj = app.agency(&admin, "xfj", "petition");
    app.agency(&admin, "shenji", "audit");
    let round = expect_status(201, app.post(&office.token, "/api/v1/rounds",
        json!({"name": "七届市委第十三轮巡察", "number": 13, "kind": "regular", "period_start": day(10), "period_end": day(70)})));
    let rid = round["id"].as_str().unwrap().to_string();
    for name in ["市教育局党组", "市水利局党组"] {
        let o = app.unit_object(&office, name);
        expect_status(201, app.post(&office.token, &format!("/api/v1/rounds/{rid}/units"), json!({"object_id": o})));
    }
    let leader = expect_status(
        201,
        app.post(&office.token, "/api/v1/objects", json!({"name": "张明远", "kind": "person", "position": "局长"})),
    );
    let leader = leader["id"].as_str().unwrap().to_string();
    for (title, distribution) in
        [(SHARED, json!({"level": "agencies", "agencies": [office.id]})), (KEPT, json!({"level": "own"}))]
    {
        expect_status(
            201,
            app.post(
                &jiwei.token,
                "/api/v1/records",
                json!({"kind": "notice", "title": title, "body": "正文", "distribution": distribution}),
            ),
        );
    }

    // The office: from the round's page to the form; a refused post keeps what was typed.
    let browser = Browser::open(&app.base);
    browser.sign_in("xcb_user", PASSWORD);
    browser.goto(&format!("/rounds/{rid}"));
    browser.click(&format!("a[href='/info-requests/new?round_id={rid}']"));
    assert_eq!(browser.script("return document.getElementById('round_id').value"), json!(rid));
    browser.fill("#title", TITLE);
    browser.fill("#note", "请提供掌握的问题线索、信访举报和处分情况");
    browser.script(&format!("document.getElementById('deadline').value = '{}'", day(7)));
    browser.click("form[action='/info-requests/new'] button[type=submit]");
    assert_eq!(browser.path(), "/info-requests/new");
    assert!(browser.text("main").contains("须指定 1–50 个被函询单位"), "{}", browser.text("main"));
    assert_eq!(browser.script("return document.getElementById('title').value"), json!(TITLE));
    browser.assert_console_only_status("发出函询(有误)", 422);
    for a in [&jiwei, &xfj] {
        browser.script(&format!("document.getElementById('t-{}').checked = true", a.id));
    }
    browser.script(&format!(
        "[...document.getElementById('subject_object_ids').options].find(o => o.value === '{leader}').selected = true"
    ));
    browser.click("form[action='/info-requests/new'] button[type=submit]");
    let qid = browser.path().strip_prefix("/info-requests/").expect("on the request's page").to_string();
    assert!(browser.text("main h1").contains(TITLE));
    let subjects = browser.text("section[aria-labelledby=subjects]");
    assert!(
        subjects.contains("市教育局党组") && subjects.contains("市水利局党组") && subjects.contains("张明远"),
        "{subjects}"
    );
    assert_eq!(browser.text("section[aria-labelledby=status] tbody").matches("待答复").count(), 2);
    browser.assert_console_clean("函询");
    browser.click("form[action='/logout'] button[type=submit]");

    // 纪委监委 answers through its form: "records" needs a record; only records distributed
    // to the office are offered.
    browser.sign_in("jiwei_user", PASSWORD);
    browser.goto("/info-requests?direction=received");
    browser.click(&format!("a[href='/info-requests/{qid}']"));
    let offered = browser.text("section[aria-labelledby=answer-form]");
    assert!(!offered.contains(KEPT), "{offered}");
    let select = |name: &str, value: &str| {
        browser.script(&format!(
            "const s = [...document.querySelectorAll('select[id^=finding-]')].find(s => s.closest('tr').textContent.includes('{name}')); s.value = '{value}'"
        ));
    };
    select("市教育局党组", "records");
    browser.click("form[action$='/answers'] button[type=submit]");
    assert!(browser.text("main").contains("须引用至少一条信息"), "{}", browser.text("main"));
    browser.assert_console_only_status("答复(有误)", 422);
    browser.script(&format!(
        "const s = [...document.querySelectorAll('select[name^=records-]')].find(s => s.closest('tr').textContent.includes('市教育局党组')); [...s.options].find(o => o.text === '{SHARED}').selected = true"
    ));
    select("市水利局党组", "none_held");
    select("张明远", "none_held");
    browser.click("form[action$='/answers'] button[type=submit]");
    assert_eq!(browser.path(), format!("/info-requests/{qid}"));
    let mine = browser.text("section[aria-labelledby=answers]");
    assert!(mine.contains(SHARED) && mine.contains("未掌握相关情况"), "{mine}");
    assert!(browser.text("section[aria-labelledby=status]").contains("已答复"));
    browser.assert_console_clean("函询答复");
    browser.click("form[action='/logout'] button[type=submit]");

    // 信访局 sees its own row and no answer of 纪委监委; the outsider sees nothing.
    let other = http_sign_in(&app, "xfj_user", PASSWORD).unwrap();
    let page = get_page(&app, &format!("/info-requests/{qid}"), &other).text().unwrap();
    assert!(page.contains(TITLE) && !page.contains(SHARED) && !page.contains("测试单位jiwei"), "{page}");
    let outsider = http_sign_in(&app, "shenji_user", PASSWORD).unwrap();
    let r = get_page(&app, &format!("/info-requests/{qid}"), &outsider);
    assert_eq!(r.status().as_u16(), 404);
    assert!(!r.text().unwrap().contains(TITLE));
    let list = get_page(&app, "/info-requests", &outsider).text().unwrap();
    assert!(!list.contains(TITLE), "{list}");
    let csrf = csrf_of(&list);
    let r = post_form(
        &app,
        &format!("/info-requests/{qid}/answers"),
        &outsider,
        &[("csrf", &csrf), (&format!("finding-{leader}"), "none_held")],
    );
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(get_page(&app, &format!("/info-requests/{qid}/export.csv"), &outsider).status().as_u16(), 404);
    // A target may not remind.
    let csrf = csrf_of(&page);
    assert_eq!(
        post_form(&app, &format!("/info-requests/{qid}/remind"), &other, &[("csrf", &csrf)]).status().as_u16(),
        403
    );

    // The office: every answer with the record it may read; it reminds 信访局 and exports.
    browser.sign_in("xcb_user", PASSWORD);
    browser.goto("/info-requests?direction=sent");
    assert!(browser.text("main table").contains("已答复 1/2"), "{}", browser.text("main table"));
    browser.click(&format!("a[href='/info-requests/{qid}']"));
    let answers = browser.text("section[aria-labelledby=answers]");
    assert!(answers.contains(SHARED) && answers.contains("测试单位jiwei"), "{answers}");
    browser.click(&format!("form[action='/info-requests/{qid}/remind'] button[type=submit]"));
    let status = browser.text("section[aria-labelledby=status] tbody");
    assert!(status.contains("1 次"), "{status}");
    browser.assert_console_clean("函询催办");
    browser.screenshot("info_request");
    let csv = get_page(&app, &format!("/info-requests/{qid}/export.csv"), &browser.cookie_header());
    assert_eq!(csv.status().as_u16(), 200);
    let csv = csv.text().unwrap();
    assert!(csv.starts_with("\u{feff}序号,函询标题"), "{csv}");
    assert_eq!(csv.lines().count(), 7, "{csv}");
}

both!(requests_are_sent_answered_and_reminded_through_the_pages);
