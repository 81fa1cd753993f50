//! The web client's 线索移交 and 移交台账 pages (issue 10), in a real Chromium and over plain HTTP.

use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::web_http::*;

const TITLE: &str = "市住建局违规发放津补贴问题线索";

fn a_clue(app: &TestApp, a: &Agency, title: &str, extra: Value) -> String {
    let mut body = json!({"kind": "clue", "title": title, "body": "巡察发现以加班费名义违规发放津补贴46.8万元",
        "category": "廉洁纪律", "distribution": {"level": "own"}});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (s, r) = app.post(&a.token, "/api/v1/records", body);
    assert_eq!(s, 201, "{r}");
    r["id"].as_str().unwrap().to_string()
}

fn transfer(app: &TestApp, from: &Agency, record: &str, to: &Agency) -> String {
    let (s, t) = app.post(
        &from.token,
        &format!("/api/v1/records/{record}/transfers"),
        json!({"to_agency_id": to.id, "suggestion": "建议谈话函询", "deadline": "2099-01-31"}),
    );
    assert_eq!(s, 201, "{t}");
    t["id"].as_str().unwrap().to_string()
}

fn state_of(app: &TestApp, a: &Agency, tid: &str) -> Value {
    expect_status(200, app.get(&a.token, &format!("/api/v1/transfers/{tid}")))
}

fn sent_count(app: &TestApp, a: &Agency) -> usize {
    expect_status(200, app.get(&a.token, "/api/v1/transfers?direction=out"))["items"].as_array().unwrap().len()
}

/// A page over plain HTTP: (status, body).
fn fetch(app: &TestApp, path: &str, cookie: &str) -> (u16, String) {
    let r = get_page(app, path, cookie);
    (r.status().as_u16(), r.text().unwrap())
}

/// A form post with the session's CSRF token: (status, body).
fn submit(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> (u16, String) {
    let csrf = csrf_of(&fetch(app, "/", cookie).1);
    let mut form = form.to_vec();
    form.push(("csrf", &csrf));
    let r = post_form(app, path, cookie, &form);
    (r.status().as_u16(), r.text().unwrap())
}

fn sign_in(app: &TestApp, user: &str) -> String {
    http_sign_in(app, user, PASSWORD).expect("signed in")
}

fn a_clue_is_transferred_and_handled_to_closure_in_the_browser(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let id = a_clue(&app, &xc, TITLE, json!({}));
    // An overdue transfer of another clue, for the ledger's highlighting.
    let late = a_clue(&app, &xc, "市城管局违规公款吃喝问题线索", json!({}));
    let late_t = transfer(&app, &xc, &late, &jw);
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query(format!("UPDATE transfers SET deadline = '2020-01-31' WHERE id = '{late_t}'"))
        .execute(&mut *conn)
        .unwrap();

    let browser = Browser::open(&app.base);
    browser.sign_in("xuncha_user", PASSWORD);
    browser.goto(&format!("/records/{id}"));
    assert!(browser.text("#clue-transfers").contains("移交情况"));
    browser.assert_console_clean("线索页");
    browser.click(".actions a[href$='/transfer']");
    assert_eq!(browser.path(), format!("/records/{id}/transfer"));
    browser.assert_console_clean("移交线索");
    let options = browser.script("return [...document.querySelectorAll('#to_agency_id option')].map(o => o.value)");
    assert_eq!(options, json!(["", jw.id]), "only the units it may go to (not its own)");
    browser.script(&format!("document.querySelector('#to_agency_id').value = '{}'", jw.id));
    browser.script("document.querySelector('#deadline').value = '2099-03-31'");
    browser.fill("#suggestion", "建议由市纪委监委谈话函询");
    browser.fill("#round", "七届市委第八轮巡察");
    browser.screenshot("transfer_new");
    browser.click("form[action$='/transfer'] button[type=submit]");
    let path = browser.path();
    let tid = path.strip_prefix("/transfers/").expect("on the transfer's page").to_string();
    assert!(browser.text("main h1").contains(TITLE));
    assert!(browser.text("#facts + dl").contains("建议由市纪委监委谈话函询"));
    assert!(browser.text("#facts + dl").contains("2099年3月31日"));
    assert!(!browser.source().contains("/accept\""), "the sender takes no step");
    browser.assert_console_clean("移交详情(移交单位)");

    browser.goto("/transfers");
    browser.assert_console_clean("移交台账");
    assert!(browser.text("table.ledger").contains(TITLE));
    let overdue = browser.script("return [...document.querySelectorAll('tr.overdue-row')].map(r => r.textContent)");
    assert_eq!(overdue.as_array().unwrap().len(), 1, "{overdue}");
    assert!(overdue[0].as_str().unwrap().contains("市城管局违规公款吃喝问题线索"));
    browser.screenshot("transfers");
    browser.goto("/transfers?overdue=true");
    assert!(!browser.text("table.ledger").contains(TITLE));
    browser.goto("/transfers?direction=in");
    assert!(browser.text(".empty").contains("暂无移交记录"));

    // The receiver: the workbench leads to the transfer; each step on its page.
    browser.click("form[action='/logout'] button[type=submit]");
    browser.sign_in("jiwei_user", PASSWORD);
    assert!(browser.source().contains(&format!("href=\"/transfers/{tid}\"")), "the workbench links the transfer");
    browser.goto(&format!("/transfers/{tid}"));
    browser.assert_console_clean("移交详情(接收单位)");
    assert!(browser.source().contains("/return\""), "a new transfer may be returned");
    browser.click("#step-accept");
    assert_eq!(browser.path(), format!("/transfers/{tid}"));
    assert!(!browser.source().contains("/accept\""), "accepted once");
    browser.click("#step-start");
    browser.script("document.querySelector('#outcome').value = 'form1'");
    browser.fill("#disciplinary", "1");
    browser.fill("#organizational", "2");
    browser.fill("#summary", "谈话提醒,责令退还");
    browser.script("window.scrollTo(0, 0)");
    browser.screenshot("transfer");
    browser.script("window.confirm = function () { return true; }");
    browser.click("#step-conclude");
    assert!(browser.text("#facts + dl").contains("第一种形态"));
    browser.fill("#note", "已向移交单位反馈");
    browser.click("#step-feedback");
    browser.assert_console_clean("移交详情(已反馈)");
    assert_eq!(browser.script("return document.querySelectorAll('ol.timeline li').length"), json!(5));
    assert!(!browser.source().contains("id=\"steps\""), "nothing left to do");
    let t = state_of(&app, &jw, &tid);
    assert_eq!(t["state"], "closed");
    assert_eq!(t["outcome"], "form1");
    assert_eq!(t["sanctions"], json!({"disciplinary": 1, "organizational": 2, "judicial": 0}));

    // The clue's page shows the receiver its transfer, and no 移交 button (not its clue).
    browser.goto(&format!("/records/{id}"));
    assert!(browser.text("#clue-transfers + ul").contains("已反馈"));
    assert!(!browser.source().contains(&format!("/records/{id}/transfer\"")));
    browser.assert_console_clean("线索页(接收单位)");
}

fn transfer_pages_refuse_what_the_unit_may_not_do(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let sj = app.agency(&admin, "shenji", "audit");
    let id = a_clue(&app, &xc, TITLE, json!({}));
    let tid = transfer(&app, &xc, &id, &jw);
    let (xcc, jwc, sjc) = (sign_in(&app, "xuncha_user"), sign_in(&app, "jiwei_user"), sign_in(&app, "shenji_user"));

    // An unentitled unit typing the addresses: not found, not a word of the clue.
    for path in [format!("/transfers/{tid}"), format!("/records/{id}/transfer"), format!("/records/{id}")] {
        let (s, body) = fetch(&app, &path, &sjc);
        assert_eq!(s, 404, "{path}");
        assert!(!body.contains(TITLE) && !body.contains("谈话函询"), "{path}");
    }
    for step in ["accept", "return"] {
        let (s, body) = submit(&app, &format!("/transfers/{tid}/{step}"), &sjc, &[("reason", "不属于本单位管辖")]);
        assert_eq!(s, 404, "{step}: {body}");
    }
    let (s, body) = submit(&app, &format!("/records/{id}/transfer"), &sjc, &[("to_agency_id", &sj.id)]);
    assert_eq!(s, 404, "{body}");
    // Its ledger and exports hold nothing of the others' transfer.
    let (s, body) = fetch(&app, "/transfers", &sjc);
    assert_eq!(s, 200);
    assert!(!body.contains(TITLE) && body.contains("暂无移交记录"));
    for ext in ["csv", "xlsx"] {
        let r = get_page(&app, &format!("/transfers/export.{ext}"), &sjc);
        assert_eq!(r.status().as_u16(), 200);
        assert!(!String::from_utf8_lossy(&r.bytes().unwrap()).contains(TITLE));
    }
    // The sender's export: the transfer, as an attachment with a Chinese file name.
    let r = get_page(&app, "/transfers/export.csv?direction=out", &xcc);
    assert_eq!(r.status().as_u16(), 200);
    let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''%E9%97%AE%E9%A2%98%E7%BA%BF%E7%B4%A2"), "{disposition}");
    assert!(r.text().unwrap().contains(TITLE));
    let r = get_page(&app, "/transfers/export.xlsx?state=transferred", &xcc);
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert!(r.bytes().unwrap().starts_with(b"PK"));

    // The receiver may not pass the clue on: no button, and the form is refused.
    let (_, body) = fetch(&app, &format!("/records/{id}"), &jwc);
    assert!(body.contains(TITLE) && !body.contains(&format!("/records/{id}/transfer\"")));
    assert_eq!(fetch(&app, &format!("/records/{id}/transfer"), &jwc).0, 403);
    let (s, _) = submit(
        &app,
        &format!("/records/{id}/transfer"),
        &jwc,
        &[("to_agency_id", &sj.id), ("suggestion", "转办"), ("deadline", "2099-01-01")],
    );
    assert_eq!(s, 403);
    // The sender is offered no step and is refused one it posts anyway.
    let (_, body) = fetch(&app, &format!("/transfers/{tid}"), &xcc);
    assert!(body.contains(TITLE) && !body.contains("step-accept"));
    assert_eq!(submit(&app, &format!("/transfers/{tid}/accept"), &xcc, &[]).0, 403);
    assert_eq!(submit(&app, &format!("/transfers/{tid}/conclude"), &xcc, &[("outcome", "")]).0, 403);
    assert_eq!(state_of(&app, &xc, &tid)["state"], "transferred");
    // A 查阅员 (read-only role) of the receiver sees the transfer but is offered no step.
    let (s, u) = app.post(
        &app.unit_admin(&jw),
        "/api/v1/users",
        json!({"username": "jiwei_viewer", "password": PASSWORD, "agency_id": jw.id, "roles": ["viewer"]}),
    );
    assert_eq!(s, 201, "{u}");
    let viewer = sign_in(&app, "jiwei_viewer");
    let (s, body) = fetch(&app, &format!("/transfers/{tid}"), &viewer);
    assert_eq!(s, 200);
    assert!(body.contains(TITLE) && !body.contains("step-accept") && !body.contains("step-return"));
    assert_eq!(submit(&app, &format!("/transfers/{tid}/accept"), &viewer, &[]).0, 403);
    assert_eq!(state_of(&app, &jw, &tid)["state"], "transferred");

    // Without the CSRF token nothing changes.
    let r = post_form(&app, &format!("/transfers/{tid}/accept"), &jwc, &[]);
    assert_eq!(r.status().as_u16(), 403);
    let r = post_form(&app, &format!("/transfers/{tid}/return"), &jwc, &[("csrf", "forged"), ("reason", "不管辖")]);
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(state_of(&app, &jw, &tid)["state"], "transferred");
    let other = a_clue(&app, &xc, "市财政局违规发放补贴问题线索", json!({}));
    let r = post_form(
        &app,
        &format!("/records/{other}/transfer"),
        &xcc,
        &[("to_agency_id", &jw.id), ("suggestion", "建议核查"), ("deadline", "2099-01-01")],
    );
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(sent_count(&app, &xc), 1);

    // Bad input: the form again (422) with the errors next to the fields, values kept, nothing sent.
    let (s, body) = submit(
        &app,
        &format!("/records/{other}/transfer"),
        &xcc,
        &[("to_agency_id", &jw.id), ("suggestion", " "), ("deadline", "2020-01-01"), ("round", "第八轮")],
    );
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("id=\"suggestion-error\"") && body.contains("处置建议不能为空"), "{body}");
    assert!(body.contains("id=\"deadline-error\"") && body.contains("办理期限不能早于今天"));
    assert!(body.contains("value=\"2020-01-01\"") && body.contains("value=\"第八轮\""), "values kept");
    assert_eq!(sent_count(&app, &xc), 1);
    // The same unit twice: said next to the receiving unit.
    let (s, body) = submit(
        &app,
        &format!("/records/{id}/transfer"),
        &xcc,
        &[("to_agency_id", &jw.id), ("suggestion", "再次移交"), ("deadline", "2099-01-01")],
    );
    assert_eq!(s, 409);
    assert!(body.contains("id=\"to_agency_id-error\"") && body.contains("不得重复移交"), "{body}");
    assert_eq!(sent_count(&app, &xc), 1);
    // A return without a reason, a conclusion without an outcome or with bad counts: 422.
    let (s, body) = submit(&app, &format!("/transfers/{tid}/return"), &jwc, &[("reason", "  ")]);
    assert_eq!(s, 422);
    assert!(body.contains("id=\"reason-error\"") && body.contains("不能为空"), "{body}");
    assert_eq!(state_of(&app, &jw, &tid)["state"], "transferred");
    expect_status(200, app.post(&jw.token, &format!("/api/v1/transfers/{tid}/accept"), json!({})));
    expect_status(200, app.post(&jw.token, &format!("/api/v1/transfers/{tid}/start"), json!({})));
    let conclude = format!("/transfers/{tid}/conclude");
    let (s, body) = submit(&app, &conclude, &jwc, &[("outcome", ""), ("disciplinary", "1"), ("summary", "谈话")]);
    assert_eq!(s, 422);
    assert!(body.contains("id=\"outcome-error\"") && body.contains("谈话</textarea>"), "{body}");
    let (s, body) = submit(&app, &conclude, &jwc, &[("outcome", "form2"), ("disciplinary", "-1")]);
    assert_eq!(s, 422);
    assert!(body.contains("人数须在 0 到 10000 之间"), "{body}");
    let (s, body) = submit(&app, &conclude, &jwc, &[("outcome", "form2"), ("judicial", "两人")]);
    assert_eq!(s, 422);
    assert!(body.contains("请填写人数"), "{body}");
    let (s, body) = submit(&app, &conclude, &jwc, &[("outcome", "cleared"), ("disciplinary", "1")]);
    assert_eq!(s, 422);
    assert!(body.contains("id=\"sanctions-error\""), "{body}");
    assert_eq!(state_of(&app, &jw, &tid)["state"], "in_progress");
    // A step the state does not allow (accepting again): a plain-Chinese refusal.
    let (s, body) = submit(&app, &format!("/transfers/{tid}/accept"), &jwc, &[]);
    assert_eq!(s, 409);
    assert!(body.contains("不能执行“受理”"), "{body}");
    // A bad ledger filter: the errors next to the filter, no rows.
    let (s, body) = fetch(&app, "/transfers?from=2026-13-01&state=lost", &xcc);
    assert_eq!(s, 422);
    assert!(body.contains("id=\"from-error\"") && body.contains("状态无效") && !body.contains(TITLE), "{body}");
    // The ledger is paged by 20, newest first, its filters kept on the next page.
    for i in 0..20 {
        let r = a_clue(&app, &xc, &format!("分页线索{i:02}"), json!({}));
        transfer(&app, &xc, &r, &jw);
    }
    let (_, body) = fetch(&app, "/transfers?direction=out", &xcc);
    assert!(body.contains("分页线索19") && !body.contains(TITLE));
    let next = regex::Regex::new(r#"href="(/transfers\?direction=out&[^"]+)">下一页"#).unwrap();
    let next = next.captures(&body).expect("a next page")[1].replace("&#38;", "&").replace("&amp;", "&");
    let (s, body) = fetch(&app, &next, &xcc);
    assert_eq!(s, 200);
    assert!(body.contains(TITLE) && !body.contains("分页线索19"), "{body}");
}

fn restricted_titles_need_a_purpose(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let secret = "市某局主要负责人涉嫌受贿问题线索";
    let id = a_clue(&app, &xc, secret, json!({"sensitivity": "restricted"}));
    let tid = transfer(&app, &xc, &id, &jw);
    for who in ["xuncha_user", "jiwei_user"] {
        let c = sign_in(&app, who);
        let (s, body) = fetch(&app, "/transfers", &c);
        assert_eq!(s, 200);
        assert!(!body.contains(secret) && body.contains("受限信息") && body.contains("需填写查阅事由"), "{who}");
        let export = String::from_utf8_lossy(&get_page(&app, "/transfers/export.csv", &c).bytes().unwrap()).to_string();
        assert!(!export.contains(secret) && !export.contains("谈话函询"), "{who}: {export}");
        let (s, body) = fetch(&app, &format!("/transfers/{tid}"), &c);
        assert_eq!(s, 200);
        assert!(!body.contains(secret) && !body.contains("谈话函询"), "{who}");
        assert!(body.contains(&format!("action=\"/transfers/{tid}/read\"")), "asks for a purpose");
        let (s, body) = submit(&app, &format!("/transfers/{tid}/read"), &c, &[("purpose", " ")]);
        assert_eq!(s, 422);
        assert!(!body.contains(secret) && body.contains("请填写查阅事由"));
        let (s, body) = submit(&app, &format!("/transfers/{tid}/read"), &c, &[("purpose", "核对线索办理进度")]);
        assert_eq!(s, 200);
        assert!(body.contains(secret) && body.contains("建议谈话函询"), "{who}");
    }
    // The transfer form of a restricted clue names it only as 受限信息.
    let (s, body) = fetch(&app, &format!("/records/{id}/transfer"), &sign_in(&app, "xuncha_user"));
    assert_eq!(s, 200);
    assert!(!body.contains(secret));
}

fn the_similar_panel_shows_only_what_the_unit_may_read(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let sj = app.agency(&admin, "shenji", "audit");
    let obj = expect_status(
        201,
        app.post(&xc.token, "/api/v1/objects", json!({"name": "市住房和城乡建设局", "kind": "unit"})),
    );
    let o = obj["id"].as_str().unwrap();
    let text = "反映市住建局2023年至2025年以加班费名义违规发放津补贴共计46.8万元";
    let on = |a: &Agency, title: &str, extra: Value| {
        let mut e = json!({"object_ids": [o], "body": text});
        for (k, v) in extra.as_object().unwrap() {
            e[k] = v.clone();
        }
        a_clue(&app, a, title, e)
    };
    let hidden = on(&jw, "关于市住建局违规发放津补贴的举报", json!({}));
    let shared = on(&sj, "审计发现市住建局违规发放津补贴", json!({"distribution": {"level": "all"}}));
    let secret = on(
        &sj,
        "市住建局津补贴问题的受限线索",
        json!({"distribution": {"level": "agencies", "agencies": [xc.id]}, "sensitivity": "restricted"}),
    );
    let mine = on(&xc, TITLE, json!({}));
    let c = sign_in(&app, "xuncha_user");
    let (s, body) = fetch(&app, &format!("/records/{mine}"), &c);
    assert_eq!(s, 200);
    let panel = body.split("id=\"similar\"").nth(1).expect("the similar panel").split("</section>").next().unwrap();
    assert!(
        panel.contains("审计发现市住建局违规发放津补贴") && panel.contains(&format!("/records/{shared}")),
        "{panel}"
    );
    assert!(panel.contains("无权查看的相关线索") && panel.contains("测试单位jiwei"), "{panel}");
    assert!(!body.contains("关于市住建局违规发放津补贴的举报") && !body.contains(&hidden), "a clue it may not read");
    assert!(!body.contains("受限线索") && !body.contains(&secret), "a restricted clue without a purpose");
    // A unit that may not read the clue gets its page as not found, panel and all.
    let (s, body) = fetch(&app, &format!("/records/{mine}"), &sign_in(&app, "shenji_user"));
    assert_eq!(s, 404);
    assert!(!body.contains(TITLE));
    // A record that is no clue has no panel.
    let mut report = record("市住建局专项检查情况", json!({"level": "own"}));
    report["kind"] = json!("special_check");
    let (s, n) = app.post(&xc.token, "/api/v1/records", report);
    assert_eq!(s, 201, "{n}");
    let (_, body) = fetch(&app, &format!("/records/{}", n["id"].as_str().unwrap()), &c);
    assert!(!body.contains("id=\"similar\""));
}

both!(
    a_clue_is_transferred_and_handled_to_closure_in_the_browser,
    transfer_pages_refuse_what_the_unit_may_not_do,
    restricted_titles_need_a_purpose,
    the_similar_panel_shows_only_what_the_unit_may_read
);
