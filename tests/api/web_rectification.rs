//! The web client's 反馈与整改 and 整改台账 pages (issue 11, parts 6 and 7), in a real Chromium
//! and over plain HTTP: the inspected unit's own account signs its feedback, submits its plan,
//! reports progress with evidence and asks for closure; a reviewer's refusal is shown in
//! place; the office closes the item; another unit's account gets the not-found page.

use serde_json::json;

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::rectification::{feedback, id, problem, second_account, stage};
use crate::rounds::round_in_inspection;
use crate::web_http::*;

const PROBLEM: &str = "违规发放津补贴问题";
const TASK: &str = "全面清退违规发放的津补贴";

/// A multipart form with the CSRF token and one file, posted with the session's cookies.
fn upload(app: &TestApp, path: &str, cookies: &str, csrf: &str, name: &str, ct: &str, bytes: &[u8]) -> u16 {
    let boundary = "----gt-test-boundary";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n")
            .into_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let client = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client
        .post(app.url(path))
        .header("Cookie", cookies)
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .unwrap();
    r.status().as_u16()
}

fn the_unit_works_its_rectification_through_the_pages(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let unit = id(&t.unit);
    let finding = problem(&t, &unit, PROBLEM);
    stage(&t, "feedback");
    feedback(&t, &unit, &[finding]);

    let browser = Browser::open(&app.base);
    browser.sign_in("jyj_contact", PASSWORD);
    browser.goto(&format!("/inspected-units/{unit}"));
    browser.click("#rectification-links a[href$='/rectification']");
    assert!(browser.text("section[aria-labelledby=feedback]").contains(PROBLEM));
    browser.fill("#sign-name", "王局长");
    browser.click("form[action$='/feedback/signatures'] button[type=submit]");
    assert!(browser.text("#signatures").contains("王局长"), "{}", browser.text("main"));
    browser.assert_console_clean("反馈与整改");
    for (party, name) in [("team_leader", "李组长"), ("office_director", "赵主任")] {
        let (s, v) = app.post(
            &t.office.token,
            &format!("/api/v1/inspected-units/{unit}/feedback/signatures"),
            json!({"party": party, "signer_name": name}),
        );
        assert_eq!(s, 200, "{v}");
    }
    stage(&t, "rectification");

    // The plan, through the form.
    browser.goto(&format!("/inspected-units/{unit}/rectification"));
    browser.fill("#plan-summary", "以清退为抓手全面整改");
    browser.fill("#task-1", TASK);
    browser.fill("#measure-1", "逐人核算、限期清退、建立制度");
    browser.fill("#person-1", "张副局长");
    let deadline = (hub_today() + chrono::Duration::days(60)).format("%Y-%m-%d").to_string();
    browser.script(&format!("document.getElementById('deadline-1').value = '{deadline}'"));
    browser.click("form[action$='/plans'] button[type=submit]");
    assert!(browser.text("#plan-1").contains("待审核"), "{}", browser.text("main"));
    browser.screenshot("rectification");

    // A reviewer's refusal without grounds is shown in place; its approval goes through.
    let (_, plans) = app.get(&t.jiwei.token, &format!("/api/v1/inspected-units/{unit}/plans"));
    let plan = id(&plans[0]);
    let jw = http_sign_in(app, "jiwei_user", PASSWORD).unwrap();
    let page = get_page(app, &format!("/inspected-units/{unit}/rectification"), &jw).text().unwrap();
    assert!(page.contains(&format!("/rectification-plans/{plan}/review")), "the reviewer's form");
    let csrf = csrf_of(&page);
    let review = format!("/rectification-plans/{plan}/review");
    let r = post_form(app, &review, &jw, &[("csrf", &csrf), ("verdict", "reject"), ("opinion", "")]);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("三不过"));
    let r = post_form(app, &review, &jw, &[("csrf", &csrf), ("verdict", "approve")]);
    assert_eq!(r.status().as_u16(), 303);
    let (s, v) = app.post(&t.zzb.token, &format!("/api/v1{review}s"), json!({"verdict": "approve"}));
    assert_eq!((s, v["state"].as_str()), (200, Some("accepted")), "{v}");

    // The ledger: the unit reports progress, uploads evidence and asks for closure.
    browser.goto(&format!("/inspected-units/{unit}/ledger"));
    assert!(browser.text("section[aria-labelledby=tasks] table").contains(TASK));
    browser.click("section[aria-labelledby=tasks] table a");
    let item = browser.path().strip_prefix("/rectification-items/").expect("on the item's page").to_string();
    browser.fill("#note-text", "已完成全部人员的核算");
    browser.click("form[action$='/notes'] button[type=submit]");
    assert!(browser.text("section[aria-labelledby=history]").contains("已完成全部人员的核算"));
    let cookies = browser.cookie_header();
    let csrf = csrf_of(&browser.source());
    let evidence = format!("/rectification-items/{item}/evidence");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    assert_eq!(upload(app, &evidence, &cookies, &csrf, "清退凭证.png", "image/png", png), 303);
    assert_eq!(upload(app, &evidence, &cookies, &csrf, "x.pdf", "application/pdf", b"<html>"), 422);
    assert_eq!(upload(app, &evidence, &cookies, &csrf, "x.html", "text/html", b"<html>"), 415);
    assert_eq!(upload(app, &evidence, &cookies, "forged", "y.png", "image/png", png), 403);
    browser.goto(&format!("/rectification-items/{item}"));
    assert!(browser.text("#evidence-files").contains("清退凭证.png"));
    browser.script("document.getElementById('step').value = 'submit'");
    browser.fill("#step-note", "已全部清退,附凭证");
    browser.click("form[action$='/steps'] button[type=submit]");
    assert_eq!(browser.text("#item-state"), "待销号");
    browser.assert_console_clean("整改事项");
    browser.screenshot("rectification_item");

    // The office closes it (对账销号); the problem list shows it rectified.
    let office = http_sign_in(app, "xcb_user", PASSWORD).unwrap();
    let page = get_page(app, &format!("/rectification-items/{item}"), &office).text().unwrap();
    assert!(page.contains("清退凭证.png") && page.contains("value=\"close\""), "{page}");
    let r = post_form(
        app,
        &format!("/rectification-items/{item}/steps"),
        &office,
        &[("csrf", &csrf_of(&page)), ("step", "close")],
    );
    assert_eq!(r.status().as_u16(), 303);
    browser.goto(&format!("/inspected-units/{unit}/ledger"));
    assert!(browser.text("section[aria-labelledby=problems] table").contains("已整改到位"));
    let csv = get_page(app, &format!("/inspected-units/{unit}/ledger/export.csv?list=tasks"), &cookies).text().unwrap();
    assert!(csv.contains("整改任务") && csv.contains(TASK) && csv.contains("已销号"), "{csv}");

    // Another unit's account: the not-found page, nothing of this unit.
    second_account(&t);
    let other = http_sign_in(app, "slj_contact", PASSWORD).unwrap();
    for path in [
        format!("/inspected-units/{unit}/rectification"),
        format!("/inspected-units/{unit}/ledger"),
        format!("/rectification-items/{item}"),
        format!("/inspected-units/{unit}/ledger/export.csv"),
    ] {
        let r = get_page(app, &path, &other);
        assert_eq!(r.status().as_u16(), 404, "{path}");
        let body = r.text().unwrap();
        assert!(!body.contains(PROBLEM) && !body.contains(TASK), "{body}");
    }
}

both!(the_unit_works_its_rectification_through_the_pages);
