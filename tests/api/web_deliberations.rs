//! The web client's 会商 pages (issue 10), in a real Chromium and over plain HTTP.

use serde_json::{json, Value};

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::web_http::*;

const TITLE: &str = "关于市住建局违规发放津补贴问题的联合会商";
const CLUE: &str = "市住建局违规发放津补贴问题线索";

/// A clue of `owner` kept to itself (a deliberation is what shares it).
fn own_clue(app: &TestApp, owner: &Agency) -> String {
    let (s, r) = app.post(&owner.token, "/api/v1/records", record(CLUE, json!({"level": "own"})));
    assert_eq!(s, 201, "{r}");
    r["id"].as_str().unwrap().to_string()
}

fn convene(app: &TestApp, by: &Agency, record: &str, with: &[&Agency]) -> String {
    let ids: Vec<&str> = with.iter().map(|a| a.id.as_str()).collect();
    let d = expect_status(
        201,
        app.post(
            &by.token,
            "/api/v1/deliberations",
            json!({"record_id": record, "title": TITLE, "participant_agency_ids": ids, "minutes": "第一次会商纪要"}),
        ),
    );
    d["id"].as_str().unwrap().to_string()
}

fn deliberation(app: &TestApp, a: &Agency, id: &str) -> Value {
    expect_status(200, app.get(&a.token, &format!("/api/v1/deliberations/{id}")))
}

/// A date `days` from today (YYYY-MM-DD), for deadlines.
fn in_days(days: i64) -> String {
    (hub_today() + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
}

/// The happy path through the forms: the owner convenes from the clue's page, adds to the
/// minutes, assigns a task and urges it; the participant finds the task on its workbench
/// and reports it done; the owner concludes.
fn a_deliberation_runs_its_course_in_the_browser(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let member = app.agency(&admin, "jiwei", "discipline");
    let rid = own_clue(&app, &owner);

    let browser = Browser::open(&app.base);
    browser.sign_in("xuncha_user", PASSWORD);
    browser.goto(&format!("/records/{rid}"));
    browser.click(".actions a[href$='/deliberate']");
    assert_eq!(browser.path(), format!("/records/{rid}/deliberate"));
    assert!(browser.text("main").contains(CLUE));
    browser.assert_console_clean("发起会商");
    browser.fill("#title", TITLE);
    browser.script(&format!("document.getElementById('p-{}').checked = true", member.id));
    browser.fill("#minutes", "第一次会商纪要");
    browser.click("form[action$='/deliberate'] button[type=submit]");
    let did = browser.path().strip_prefix("/deliberations/").expect("on the deliberation's page").to_string();
    assert!(browser.text("main h1").contains(TITLE));
    assert!(browser.text("main").contains("测试单位jiwei") && browser.text("main").contains("第一次会商纪要"));
    browser.assert_console_clean("会商");

    browser.fill("#minutes-text", "第二次会商:请纪委监委核实发放清单");
    browser.click("form[action$='/minutes'] button[type=submit]");
    assert!(browser.text("main").contains("请纪委监委核实发放清单"));
    browser.script(&format!("document.getElementById('assign-agency').value = '{}'", member.id));
    browser.script(&format!("document.getElementById('assign-deadline').value = '{}'", in_days(10)));
    browser.fill("#assign-task", "核实津补贴发放清单并反馈");
    browser.click("form[action$='/assignments'] button[type=submit]");
    assert!(browser.text("ul.tasks").contains("核实津补贴发放清单并反馈"));
    browser.fill("input[id^='urge-']", "请于本周内反馈进展");
    browser.click("form[action$='/urge'] button[type=submit]");
    assert!(browser.text("ul.tasks").contains("已督办 1 次"), "{}", browser.text("ul.tasks"));
    assert!(browser.text("ul.tasks").contains("请于本周内反馈进展"));
    // The convener completes nothing: the task is the participant's.
    assert!(!browser.source().contains("/complete\""));
    browser.assert_console_clean("会商交办");
    browser.screenshot("deliberation");
    browser.goto("/deliberations");
    assert!(browser.text("main table").contains(TITLE));
    browser.assert_console_clean("会商列表");
    browser.click("form[action='/logout'] button[type=submit]");

    // The participant: the task on its workbench links to the deliberation; it may add to
    // the minutes and report its task done, but not conclude, assign or urge.
    browser.sign_in("jiwei_user", PASSWORD);
    browser.click(&format!("a[href='/deliberations/{did}']"));
    assert_eq!(browser.path(), format!("/deliberations/{did}"));
    let page = browser.source();
    assert!(!page.contains("/conclude\"") && !page.contains("/assignments\"") && !page.contains("/urge\""), "{page}");
    assert!(page.contains("/minutes\""));
    browser.fill("input[id^='complete-']", "已核实,发放清单已报送");
    browser.click("form[action$='/complete'] button[type=submit]");
    assert!(browser.text("ul.tasks").contains("已办结") && browser.text("ul.tasks").contains("发放清单已报送"));
    browser.assert_console_clean("会商办结");
    browser.click("form[action='/logout'] button[type=submit]");

    // The owner concludes (the button asks first); the minutes close with it.
    browser.sign_in("xuncha_user", PASSWORD);
    browser.goto(&format!("/deliberations/{did}"));
    browser.script("window.confirm = function () { return true; }");
    browser.fill("#conclusion-text", "由纪委监委立案审查,巡察办跟踪督办");
    browser.click("form[action$='/conclude'] button[type=submit]");
    assert!(browser.text("main").contains("由纪委监委立案审查") && browser.text("main").contains("已结束"));
    assert!(!browser.source().contains("/minutes\""), "no minutes after the conclusion");
    let d = deliberation(&app, &owner, &did);
    assert_eq!(d["state"], "concluded", "{d}");
    assert_eq!(d["assignments"][0]["state"], "done", "{d}");
    assert_eq!(d["assignments"][0]["urge_count"], 1, "{d}");
}

/// A unit that takes no part gets the not-found page for a typed URL and nothing in its
/// list; a participant is not offered the convener's forms and is refused if it posts
/// them anyway; the convener may not report the participant's task done; a read-only
/// officer gets no forms at all.
fn only_participants_see_a_deliberation_and_only_their_part_is_offered(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let member = app.agency(&admin, "jiwei", "discipline");
    app.agency(&admin, "shenji", "audit");
    let rid = own_clue(&app, &owner);
    let did = convene(&app, &owner, &rid, &[&member]);
    let task = expect_status(
        201,
        app.post(
            &owner.token,
            &format!("/api/v1/deliberations/{did}/assignments"),
            json!({"agency_id": member.id, "task": "核实发放清单", "deadline": in_days(5)}),
        ),
    );
    let tid = task["id"].as_str().unwrap().to_string();

    // The outsider: not found, in no list, nothing to post to.
    let outsider = http_sign_in(&app, "shenji_user", PASSWORD).unwrap();
    let r = get_page(&app, &format!("/deliberations/{did}"), &outsider);
    assert_eq!(r.status().as_u16(), 404);
    let body = r.text().unwrap();
    assert!(body.contains("页面不存在") && !body.contains(TITLE) && !body.contains("第一次会商纪要"), "{body}");
    let list = get_page(&app, "/deliberations", &outsider).text().unwrap();
    assert!(!list.contains(TITLE) && !list.contains(&did), "{list}");
    assert_eq!(get_page(&app, &format!("/records/{rid}/deliberate"), &outsider).status().as_u16(), 404);
    let csrf = csrf_of(&list);
    let r = post_form(&app, &format!("/deliberations/{did}/minutes"), &outsider, &[("csrf", &csrf), ("text", "越权")]);
    assert_eq!(r.status().as_u16(), 404);
    let r = post_form(&app, &format!("/assignments/{tid}/complete"), &outsider, &[("csrf", &csrf), ("result", "越权")]);
    assert_eq!(r.status().as_u16(), 404);

    // The participant: its part only.
    let part = http_sign_in(&app, "jiwei_user", PASSWORD).unwrap();
    let record_page = get_page(&app, &format!("/records/{rid}"), &part).text().unwrap();
    assert!(!record_page.contains("/deliberate\""), "a participant is not offered 发起会商");
    assert_eq!(get_page(&app, &format!("/records/{rid}/deliberate"), &part).status().as_u16(), 403);
    let page = get_page(&app, &format!("/deliberations/{did}"), &part).text().unwrap();
    assert!(page.contains(TITLE) && page.contains(&format!("/assignments/{tid}/complete")));
    assert!(!page.contains("/conclude\"") && !page.contains("/urge\"") && !page.contains("/assignments\""));
    let csrf = csrf_of(&page);
    let refused = [
        (format!("/deliberations/{did}/conclude"), vec![("conclusion", "越权结论")]),
        (
            format!("/deliberations/{did}/assignments"),
            vec![("agency_id", owner.id.as_str()), ("task", "越权"), ("deadline", "2099-01-01")],
        ),
        (format!("/assignments/{tid}/urge"), vec![("note", "越权督办")]),
        (
            format!("/records/{rid}/deliberate"),
            vec![("title", "越权会商"), ("participant_agency_ids", owner.id.as_str())],
        ),
    ];
    for (path, fields) in refused {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        assert_eq!(post_form(&app, &path, &part, &form).status().as_u16(), 403, "{path}");
    }
    // The convener may not report the participant's task done.
    let conv = http_sign_in(&app, "xuncha_user", PASSWORD).unwrap();
    let page = get_page(&app, &format!("/deliberations/{did}"), &conv).text().unwrap();
    assert!(!page.contains("/complete\""));
    let r = post_form(
        &app,
        &format!("/assignments/{tid}/complete"),
        &conv,
        &[("csrf", &csrf_of(&page)), ("result", "代报")],
    );
    assert_eq!(r.status().as_u16(), 403);

    // A read-only officer of the participant unit sees the deliberation, no form.
    let unit_admin = app.unit_admin(&member);
    let (s, u) = app.post(
        &unit_admin,
        "/api/v1/users",
        json!({"username": "jiwei_viewer", "password": PASSWORD,
        "agency_id": member.id, "roles": ["viewer"], "email": "jiwei_viewer@example.gov.cn"}),
    );
    assert_eq!(s, 201, "{u}");
    let viewer = http_sign_in(&app, "jiwei_viewer", PASSWORD).unwrap();
    let page = get_page(&app, &format!("/deliberations/{did}"), &viewer).text().unwrap();
    assert!(page.contains(TITLE));
    assert!(!page.contains("/minutes\"") && !page.contains("/complete\""), "{page}");
    let r = post_form(
        &app,
        &format!("/deliberations/{did}/minutes"),
        &viewer,
        &[("csrf", &csrf_of(&page)), ("text", "只读")],
    );
    assert_eq!(r.status().as_u16(), 403);

    // Nothing changed.
    let d = deliberation(&app, &owner, &did);
    assert_eq!((d["state"].as_str(), d["minutes"].as_str()), (Some("open"), Some("第一次会商纪要")), "{d}");
    assert_eq!(d["assignments"].as_array().unwrap().len(), 1);
    assert_eq!(
        (d["assignments"][0]["state"].as_str(), d["assignments"][0]["urge_count"].as_i64()),
        (Some("assigned"), Some(0))
    );
    let list = expect_status(200, app.get(&owner.token, "/api/v1/deliberations"));
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
}

/// Posts without the session's CSRF token are refused (403) and bad input shows the form
/// again with the API's field errors next to the fields (422); neither changes anything.
fn deliberation_forms_refuse_forgeries_and_show_field_errors(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let member = app.agency(&admin, "jiwei", "discipline");
    let rid = own_clue(&app, &owner);
    let conv = http_sign_in(&app, "xuncha_user", PASSWORD).unwrap();

    // Convening.
    let form = get_page(&app, &format!("/records/{rid}/deliberate"), &conv).text().unwrap();
    assert!(form.contains(&format!("value=\"{}\"", member.id)), "the participant is offered");
    let csrf = csrf_of(&form);
    let path = format!("/records/{rid}/deliberate");
    let good = [("title", TITLE), ("participant_agency_ids", member.id.as_str())];
    for forged in ["", "forged"] {
        let mut f = vec![("csrf", forged)];
        f.extend(good);
        assert_eq!(post_form(&app, &path, &conv, &f).status().as_u16(), 403);
    }
    let r = post_form(&app, &path, &conv, &[("csrf", &csrf), ("title", "  "), ("minutes", "保留的纪要草稿")]);
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().unwrap();
    assert!(page.contains("class=\"field-error\"") && page.contains("至少邀请一个其他单位参加会商"), "{page}");
    assert!(page.contains("不能为空") && page.contains("保留的纪要草稿"), "{page}");
    let list = expect_status(200, app.get(&owner.token, "/api/v1/deliberations"));
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");

    let did = convene(&app, &owner, &rid, &[&member]);
    let page = get_page(&app, &format!("/deliberations/{did}"), &conv).text().unwrap();
    let csrf = csrf_of(&page);
    // Minutes, conclusion, 交办: forged, then bad.
    let minutes = format!("/deliberations/{did}/minutes");
    assert_eq!(post_form(&app, &minutes, &conv, &[("text", "伪造")]).status().as_u16(), 403);
    let r = post_form(&app, &minutes, &conv, &[("csrf", &csrf), ("text", "   ")]);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("不能为空"));
    let conclude = format!("/deliberations/{did}/conclude");
    assert_eq!(post_form(&app, &conclude, &conv, &[("csrf", "x"), ("conclusion", "伪造")]).status().as_u16(), 403);
    let assign = format!("/deliberations/{did}/assignments");
    let f = [("agency_id", member.id.as_str()), ("task", "核实发放清单"), ("deadline", "2020-01-01")];
    assert_eq!(post_form(&app, &assign, &conv, &f).status().as_u16(), 403);
    let mut with = vec![("csrf", csrf.as_str())];
    with.extend(f);
    let r = post_form(&app, &assign, &conv, &with);
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().unwrap();
    assert!(page.contains("办理期限不能早于今天") && page.contains("核实发放清单"), "{page}");
    let r = post_form(
        &app,
        &assign,
        &conv,
        &[("csrf", &csrf), ("agency_id", ""), ("task", "核实"), ("deadline", &in_days(3))],
    );
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("请选择承办单位"));
    let d = deliberation(&app, &owner, &did);
    assert_eq!((d["state"].as_str(), d["minutes"].as_str()), (Some("open"), Some("第一次会商纪要")), "{d}");
    assert!(d["assignments"].as_array().unwrap().is_empty(), "{d}");

    // 督办 and 办结 of a real task: forged, then blank.
    let task = expect_status(
        201,
        app.post(
            &owner.token,
            &assign.replace("/deliberations", "/api/v1/deliberations"),
            json!({"agency_id": member.id, "task": "核实发放清单", "deadline": in_days(5)}),
        ),
    );
    let tid = task["id"].as_str().unwrap();
    let urge = format!("/assignments/{tid}/urge");
    assert_eq!(post_form(&app, &urge, &conv, &[("note", "伪造")]).status().as_u16(), 403);
    let r = post_form(&app, &urge, &conv, &[("csrf", &csrf), ("note", " ")]);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("不能为空"));
    let part = http_sign_in(&app, "jiwei_user", PASSWORD).unwrap();
    let pcsrf = csrf_of(&get_page(&app, "/deliberations", &part).text().unwrap());
    let complete = format!("/assignments/{tid}/complete");
    assert_eq!(post_form(&app, &complete, &part, &[("result", "伪造")]).status().as_u16(), 403);
    let r = post_form(&app, &complete, &part, &[("csrf", &pcsrf), ("result", "")]);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("不能为空"));
    let d = deliberation(&app, &owner, &did);
    assert_eq!(
        (d["assignments"][0]["state"].as_str(), d["assignments"][0]["urge_count"].as_i64()),
        (Some("assigned"), Some(0))
    );
}

/// The list pages with the service's cursor (下一页) and filters by state.
fn the_deliberation_list_pages_and_filters_by_state(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let member = app.agency(&admin, "jiwei", "discipline");
    let rid = own_clue(&app, &owner);
    let ids: Vec<String> = (0..21).map(|_| convene(&app, &owner, &rid, &[&member])).collect();
    expect_status(
        200,
        app.post(
            &owner.token,
            &format!("/api/v1/deliberations/{}/conclude", ids[0]),
            json!({"conclusion": "已有结论"}),
        ),
    );
    let cookie = http_sign_in(&app, "jiwei_user", PASSWORD).unwrap();
    let first = get_page(&app, "/deliberations", &cookie).text().unwrap();
    let rows = |page: &str| ids.iter().filter(|id| page.contains(&format!("/deliberations/{id}\""))).count();
    assert_eq!(rows(&first), 20);
    let next =
        regex::Regex::new(r#"href="(/deliberations\?cursor=[^"]+)">下一页"#).unwrap().captures(&first).expect("下一页")
            [1]
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let second = get_page(&app, &next, &cookie).text().unwrap();
    assert_eq!(rows(&second), 1);
    assert!(second.contains(&format!("/deliberations/{}\"", ids[0])) && !second.contains("下一页"));
    let concluded = get_page(&app, "/deliberations?state=concluded", &cookie).text().unwrap();
    assert_eq!(rows(&concluded), 1);
    assert!(concluded.contains(&format!("/deliberations/{}\"", ids[0])) && concluded.contains("已结束"));
    assert_eq!(rows(&get_page(&app, "/deliberations?state=open", &cookie).text().unwrap()), 20);
}

both!(
    the_deliberation_list_pages_and_filters_by_state,
    a_deliberation_runs_its_course_in_the_browser,
    only_participants_see_a_deliberation_and_only_their_part_is_offered,
    deliberation_forms_refuse_forgeries_and_show_field_errors
);
