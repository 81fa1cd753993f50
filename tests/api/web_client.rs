//! The web client in a real Chromium (issue 10): signing in and out, the session cookie out
//! of reach of scripts, CSRF tokens on every form, and pages that load without a console
//! error or a failed request.

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::web_http::*;

fn an_officer_signs_in_to_the_workbench_and_out_again(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let unit = app.agency(&admin, "xunchaban", "inspection");
    let _ = unit;
    let browser = Browser::open(&app.base);

    // Not signed in: any page leads to the login form, and back afterwards.
    browser.goto("/");
    assert!(browser.path().starts_with("/login"), "{}", browser.path());
    assert_eq!(browser.script("return document.documentElement.lang"), "zh-CN");
    browser.assert_console_clean("登录");
    browser.screenshot("login");

    // A wrong password: the form again, with a plain-Chinese error, no session.
    browser.fill("#username", "xunchaban_user");
    browser.fill("#password", "not-the-password");
    browser.click("form[action='/login'] button[type=submit]");
    assert!(browser.text(".notice").contains("用户名或密码不正确"));
    assert!(browser.cookies().iter().all(|c| c.0 != "gt_session"));

    browser.sign_in("xunchaban_user", PASSWORD);
    assert_eq!(browser.path(), "/");
    assert!(browser.title().starts_with("工作台"), "{}", browser.title());
    assert!(browser.text("main h1").contains("工作台"));
    browser.assert_console_clean("工作台");
    browser.screenshot("workbench");

    // The session cookie: HttpOnly (no script reads it) and SameSite=Strict.
    let cookies = browser.cookies();
    let session = cookies.iter().find(|c| c.0 == "gt_session").expect("a session cookie");
    assert!(session.2, "the session cookie is not HttpOnly");
    assert_eq!(session.3, "Strict");
    let visible = browser.script("return document.cookie");
    assert!(!visible.as_str().unwrap_or_default().contains("gt_session"), "a script can read the session: {visible}");
    let stolen = format!("gt_session={}", session.1);

    // Logging out ends the session: the browser is back at the login form, and the old
    // cookie (as a thief would replay it) opens nothing any more.
    assert_eq!(get_page(&app, "/", &stolen).status().as_u16(), 200);
    browser.click("form[action='/logout'] button[type=submit]");
    assert!(browser.path().starts_with("/login"), "{}", browser.path());
    browser.goto("/");
    assert!(browser.path().starts_with("/login"), "{}", browser.path());
    let replay = get_page(&app, "/", &stolen);
    assert_eq!(replay.status().as_u16(), 303);
    assert!(replay.headers()["location"].to_str().unwrap().starts_with("/login"));
}

fn a_form_without_its_csrf_token_is_refused(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    app.agency(&admin, "shenjiju", "audit");

    // The login form: its token must match the login cookie.
    let r = post_form(&app, "/login", "", &[("csrf", "forged"), ("username", "shenjiju_user"), ("password", PASSWORD)]);
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.headers().get("set-cookie").is_none_or(|c| !c.to_str().unwrap().contains("gt_session=gtw_")));

    // Signed in (through the browser), a logout posted without the session's token changes
    // nothing: the session still opens the workbench.
    let browser = Browser::open(&app.base);
    browser.sign_in("shenjiju_user", PASSWORD);
    let session = browser.cookies().into_iter().find(|c| c.0 == "gt_session").expect("a session cookie");
    let cookie = format!("gt_session={}", session.1);
    for form in [vec![], vec![("csrf", "")], vec![("csrf", "wrong")]] {
        let r = post_form(&app, "/logout", &cookie, &form);
        let status = r.status().as_u16();
        assert!(status == 403 || status == 400, "logout without the token: {status}");
    }
    assert_eq!(get_page(&app, "/", &cookie).status().as_u16(), 200);
    // With the token the page carries, it works.
    let csrf = browser.script("return document.querySelector(\"form[action='/logout'] input[name=csrf]\").value");
    let r = post_form(&app, "/logout", &cookie, &[("csrf", csrf.as_str().unwrap())]);
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(get_page(&app, "/", &cookie).status().as_u16(), 303);
}

fn pages_carry_a_strict_content_security_policy(b: Backend) {
    let app = TestApp::spawn(b);
    for path in ["/login", "/no-such-page"] {
        let r = get_page(&app, path, "");
        let csp =
            r.headers().get("content-security-policy").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    }
    let r = get_page(&app, "/no-such-page", "");
    assert_eq!(r.status().as_u16(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.text().unwrap().contains("页面不存在"));
    // The API keeps its problem+json answers.
    let r = get_page(&app, "/api/v1/no-such-thing", "");
    assert_eq!(r.status().as_u16(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
}

const REPORTER: &str = "王举报";

/// Record pages show what the API would, no more: a redacted field never reaches the page
/// source, a restricted record asks for the purpose first (which lands in the audit log),
/// and an officer of an unentitled unit who types the record's URL gets the not-found page.
fn record_pages_disclose_only_what_the_api_would(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "jiwei", "discipline");
    let reader = app.agency(&admin, "shenji", "audit");
    let outsider = app.agency(&admin, "xinfang", "petition");
    let to_reader = serde_json::json!({"level": "agencies", "agencies": [reader.id]});
    let (s, sensitive) = app.post(
        &owner.token,
        "/api/v1/records",
        serde_json::json!({
        "kind": "clue", "title": "关于某局违规发放津补贴的问题线索", "body": "信访举报反映该局以加班费名义发放津补贴。",
        "distribution": to_reader, "sensitivity": "sensitive", "protected": {"reporter_name": REPORTER}}),
    );
    assert_eq!(s, 201, "{sensitive}");
    let (s, restricted) = app.post(
        &owner.token,
        "/api/v1/records",
        serde_json::json!({
        "kind": "clue", "title": "某区主要领导干部插手工程项目线索", "body": "受限线索正文:涉及工程招投标。",
        "distribution": to_reader, "sensitivity": "restricted"}),
    );
    assert_eq!(s, 201, "{restricted}");
    let (sensitive, restricted) = (sensitive["id"].as_str().unwrap(), restricted["id"].as_str().unwrap());

    let browser = Browser::open(&app.base);
    browser.sign_in("shenji_user", PASSWORD);
    browser.goto("/records");
    let list = browser.source();
    assert!(list.contains("关于某局违规发放津补贴的问题线索"), "the entitled record is listed: {list}");
    assert!(!list.contains("某区主要领导干部插手工程项目线索"), "a restricted title is listed without a purpose");
    assert!(!list.contains(REPORTER));
    browser.assert_console_clean("信息库");
    browser.screenshot("records");

    browser.goto(&format!("/records/{sensitive}"));
    let page = browser.source();
    assert!(page.contains("信访举报反映该局以加班费名义发放津补贴"), "{page}");
    assert!(page.contains("reporter_name") && page.contains("已隐去"), "the protected field is named and redacted");
    assert!(!page.contains(REPORTER), "a redacted value reached the page source");
    browser.assert_console_clean("信息详情");
    browser.screenshot("record");

    // Restricted: the purpose first; the content after, and the purpose in the audit log.
    browser.goto(&format!("/records/{restricted}"));
    assert!(browser.text("main h1").contains("查阅事由"));
    assert!(!browser.source().contains("涉及工程招投标"));
    browser.fill("#purpose", "核查巡察移交线索办理情况");
    browser.click("form[action$='/read'] button[type=submit]");
    assert!(browser.source().contains("涉及工程招投标"), "the content after the purpose");
    browser.assert_console_clean("受限信息");
    let audit = expect_status(
        200,
        send(
            app.req(reqwest::Method::GET, "/api/v1/audit", Some(&admin))
                .query(&[("action", "record.read"), ("resource_id", restricted)]),
        ),
    );
    let purposes: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|e| e["purpose"].as_str()).collect();
    assert_eq!(purposes, ["核查巡察移交线索办理情况"], "{audit}");

    // An unentitled unit: the not-found page, nothing of the record in it.
    let other = Browser::open(&app.base);
    other.sign_in("xinfang_user", PASSWORD);
    for id in [sensitive, restricted] {
        let status = get_page_status(&app, &other, &format!("/records/{id}"));
        assert_eq!(status, 404);
        other.goto(&format!("/records/{id}"));
        let page = other.source();
        assert!(page.contains("页面不存在"), "{page}");
        assert!(!page.contains("违规发放津补贴") && !page.contains("插手工程") && !page.contains(REPORTER), "{page}");
    }
    let _ = outsider;
}

/// The web login is the API's login: failures through either count against the same
/// username, and a lock holds for both.
fn web_and_api_logins_share_one_throttle(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        s.login_free_failures = 2;
        s.login_lock_base_secs = 600;
    });
    let admin = app.admin_token();
    app.agency(&admin, "zuzhibu", "organization");
    for _ in 0..2 {
        let page = http_sign_in(&app, "zuzhibu_user", "wrong-password-1").unwrap_err();
        assert!(page.contains("用户名或密码不正确"), "{page}");
    }
    let page = http_sign_in(&app, "zuzhibu_user", "wrong-password-1").unwrap_err();
    assert!(page.contains("登录失败次数过多"), "the third failure locks: {page}");
    // Locked for the right password too, on the web and on the API.
    let page = http_sign_in(&app, "zuzhibu_user", PASSWORD).unwrap_err();
    assert!(page.contains("登录失败次数过多"), "{page}");
    let (s, _) = send(
        app.req(reqwest::Method::POST, "/api/v1/auth/login", None)
            .json(&serde_json::json!({"username": "zuzhibu_user", "password": PASSWORD})),
    );
    assert_eq!(s, 429);
}

/// A session in use stays open; unused for `web_session_idle_secs` it ends.
fn an_idle_session_ends(b: Backend) {
    use std::time::{Duration, Instant};
    let app = TestApp::spawn_with(b, |s| s.web_session_idle_secs = 2);
    let admin = app.admin_token();
    app.agency(&admin, "gongan", "police");
    let cookie = http_sign_in(&app, "gongan_user", PASSWORD).expect("signed in");
    // In use for twice the idle limit: still open.
    let busy_until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < busy_until {
        assert_eq!(get_page(&app, "/", &cookie).status().as_u16(), 200, "a session in use ended");
        std::thread::sleep(Duration::from_millis(400));
    }
    // Then left alone past the limit (the behaviour under test is the passing of time).
    std::thread::sleep(Duration::from_millis(3500));
    let r = get_page(&app, "/", &cookie);
    assert_eq!(r.status().as_u16(), 303, "an idle session still opens pages");
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/login"));
}

/// The workbench shows a unit the transfers waiting for it through the same entitled views
/// as the ledger: a restricted clue's title only with a purpose (so not here), a protected
/// value never, and another unit's workbench nothing of either.
fn the_workbench_shows_only_what_the_unit_may_see(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xunchaban", "inspection");
    let receiver = app.agency(&admin, "jiwei", "discipline");
    app.agency(&admin, "shenji", "audit");
    let mut ids = vec![];
    for (title, sensitivity) in
        [("关于某局违规发放津补贴的问题线索", "sensitive"), ("某区主要领导干部插手工程项目线索", "restricted")]
    {
        let (s, r) = app.post(
            &owner.token,
            "/api/v1/records",
            serde_json::json!({
            "kind": "clue", "title": title, "body": "线索正文", "distribution": {"level": "own"},
            "sensitivity": sensitivity, "protected": {"reporter_name": REPORTER}}),
        );
        assert_eq!(s, 201, "{r}");
        let id = r["id"].as_str().unwrap().to_string();
        let (s, t) = app.post(
            &owner.token,
            &format!("/api/v1/records/{id}/transfers"),
            serde_json::json!({
            "to_agency_id": receiver.id, "suggestion": "建议谈话函询", "deadline": "2099-01-01"}),
        );
        assert_eq!(s, 201, "{t}");
        ids.push(id);
    }
    let receiver_page = get_page(&app, "/", &http_sign_in(&app, "jiwei_user", PASSWORD).unwrap()).text().unwrap();
    assert!(receiver_page.contains("关于某局违规发放津补贴的问题线索"), "{receiver_page}");
    assert!(receiver_page.contains(&format!("/records/{}", ids[1])), "the restricted transfer is listed");
    assert!(!receiver_page.contains("插手工程"), "a restricted title without a purpose: {receiver_page}");
    assert!(!receiver_page.contains(REPORTER));
    let outsider_page = get_page(&app, "/", &http_sign_in(&app, "shenji_user", PASSWORD).unwrap()).text().unwrap();
    assert!(outsider_page.contains("工作台"));
    for leak in ["违规发放津补贴", "插手工程", REPORTER, &ids[0], &ids[1]] {
        assert!(!outsider_page.contains(leak), "another unit's workbench shows {leak}");
    }
}

/// 信息库's filters as the API's: by source unit, tag and object (and the others kept on the
/// next page), each narrowing to what the unit may read.
fn the_records_list_filters_by_source_tag_and_object(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let sj = app.agency(&admin, "shenji", "audit");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let (s, o) = app.post(&xc.token, "/api/v1/objects", serde_json::json!({"kind": "unit", "name": "市水利局"}));
    assert_eq!(s, 201, "{o}");
    let object = o["id"].as_str().unwrap();
    let publish = |a: &Agency, title: &str, tags: &[&str], objects: &[&str]| {
        let (s, r) = app.post(
            &a.token,
            "/api/v1/records",
            serde_json::json!({"kind": "clue", "title": title, "body": "正文", "tags": tags, "object_ids": objects,
                "distribution": {"level": "all"}}),
        );
        assert_eq!(s, 201, "{r}");
    };
    publish(&xc, "巡察发现水利工程招投标问题", &["工程"], &[object]);
    publish(&xc, "巡察发现公车私用问题", &["公车"], &[]);
    publish(&sj, "审计发现专项资金挪用问题", &["工程"], &[]);
    let cookie = http_sign_in(&app, "jiwei_user", PASSWORD).unwrap();
    let titles = |query: &str| {
        let html = get_page(&app, &format!("/records{query}"), &cookie).text().unwrap();
        ["巡察发现水利工程招投标问题", "巡察发现公车私用问题", "审计发现专项资金挪用问题"]
            .into_iter()
            .filter(|t| html.contains(t))
            .collect::<Vec<_>>()
    };
    assert_eq!(titles("").len(), 3);
    assert!(get_page(&app, "/records", &cookie).text().unwrap().contains(&format!("value=\"{}\"", sj.id)));
    assert_eq!(titles(&format!("?source_agency_id={}", sj.id)), ["审计发现专项资金挪用问题"]);
    assert_eq!(titles("?tag=%E5%B7%A5%E7%A8%8B"), ["巡察发现水利工程招投标问题", "审计发现专项资金挪用问题"]);
    assert_eq!(titles(&format!("?object_id={object}")), ["巡察发现水利工程招投标问题"]);
    assert_eq!(titles(&format!("?tag=%E5%B7%A5%E7%A8%8B&source_agency_id={}", xc.id)), ["巡察发现水利工程招投标问题"]);
    let _ = jw;
}

both!(
    the_records_list_filters_by_source_tag_and_object,
    the_workbench_shows_only_what_the_unit_may_see,
    web_and_api_logins_share_one_throttle,
    an_idle_session_ends,
    record_pages_disclose_only_what_the_api_would,
    an_officer_signs_in_to_the_workbench_and_out_again,
    a_form_without_its_csrf_token_is_refused,
    pages_carry_a_strict_content_security_policy
);
