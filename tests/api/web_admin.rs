//! The web client's 单位管理, 平台管理, 修改密码 and 个人设置 pages (issue 10), in a real Chromium and over plain HTTP.

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use serde_json::{json, Value};

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::web_http::*;

/// A form's fields.
type Form<'a> = Vec<(&'a str, &'a str)>;

const NEW_PASSWORD: &str = "a-brand-new-password-77";

/// The value of the read-only field that carries a secret shown once.
fn secret_in(html: &str) -> String {
    regex::Regex::new(r#"id="secret" class="secret" value="([^"]+)""#).unwrap().captures(html).expect("a secret")[1]
        .to_string()
}

/// Makes the page's `data-confirm` questions answer yes (a person would click 确定).
fn confirm_yes(browser: &Browser) {
    browser.script("window.confirm = function () { return true; }");
}

/// Ticks a checkbox without leaving the page.
fn tick(browser: &Browser, css: &str) {
    browser.script(&format!("document.querySelector(\"{css}\").checked = true"));
}

/// A dead letter in the endpoint's delivery log (as the delivery worker leaves one after
/// giving up); returns its id.
fn dead_letter(app: &TestApp, endpoint_id: &str) -> String {
    use guantong::db::schema::webhook_deliveries as wd;
    let id = guantong::domain::new_id();
    let at = "2026-01-01T00:00:00.000000Z";
    diesel::insert_into(wd::table)
        .values((
            wd::id.eq(&id),
            wd::endpoint_id.eq(endpoint_id),
            wd::seq.eq(1i64),
            wd::event_type.eq("record.created"),
            wd::status.eq("dead"),
            wd::attempts.eq(8),
            wd::response_status.eq(Some(500)),
            wd::latency_ms.eq(Some(12i64)),
            wd::error.eq(Some("HTTP 500")),
            wd::created_at.eq(at),
            wd::updated_at.eq(at),
        ))
        .execute(&mut app.pool.get().unwrap())
        .unwrap();
    id
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

/// The unit's API keys and webhook endpoints, as its admin reads them over the API.
fn keys_and_hooks(app: &TestApp, unit: &Agency) -> (Vec<Value>, Vec<Value>) {
    let admin = app.unit_admin(unit);
    let keys = expect_status(200, app.get(&admin, &format!("/api/v1/agencies/{}/api-keys", unit.id)));
    let hooks = expect_status(200, app.get(&admin, "/api/v1/webhooks"));
    (items(&keys), items(&hooks))
}

fn usernames(app: &TestApp, unit: &Agency) -> Vec<String> {
    let v = expect_status(200, app.get(&app.unit_admin(unit), "/api/v1/users"));
    items(&v).iter().map(|u| u["username"].as_str().unwrap().to_string()).collect()
}

/// The unit admin, in the browser: the section in the nav, inviting a user (a field error
/// in place first), an API key shown once then only listed and revoked, a webhook whose
/// secret is shown once, its delivery log with a replay, stopping and deleting it.
fn a_unit_admin_manages_its_unit_in_the_browser(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let unit = app.agency(&admin, "jiwei", "discipline");
    let browser = Browser::open(&app.base);
    browser.sign_in("jiwei_unitadmin", PASSWORD);
    browser.click("header nav a[href='/unit']");
    assert_eq!(browser.path(), "/unit");
    assert!(browser.text("main h1").contains("测试单位jiwei"));
    browser.assert_console_clean("单位管理");

    // Users: the unit's, roles in Chinese; an invitation with a bad username comes back
    // with the error beside the field and the values kept.
    browser.click("main a[href='/unit/users']");
    let table = browser.text("main table");
    assert!(table.contains("jiwei_user") && table.contains("联络员"), "{table}");
    assert!(table.contains("jiwei_unitadmin") && table.contains("单位管理员"), "{table}");
    browser.assert_console_clean("用户");
    browser.click("main a[href='/unit/users/invite']");
    browser.assert_console_clean("邀请用户");
    assert!(!browser.source().contains(r#"value="admin""#), "the hub admin's role is not offered");
    browser.fill("#username", "z");
    browser.fill("#email", "zs@example.gov.cn");
    browser.click("main form button[type=submit]");
    assert!(browser.text(".field-error").contains("用户名须为 3–64 位"), "{}", browser.source());
    assert!(browser.source().contains(r#"value="zs@example.gov.cn""#));
    assert!(!usernames(&app, &unit).contains(&"z".to_string()));
    // The console notes the 422 of the form shown again, and nothing else.
    let logged = browser.console();
    assert!(logged.iter().all(|l| l.contains("422")), "{logged:#?}");
    browser.fill("#username", "zhang.san");
    tick(&browser, "#role-viewer");
    browser.click("main form button[type=submit]");
    assert!(browser.path().starts_with("/unit/users?invited=zhang.san"), "{}", browser.path());
    assert!(browser.text(".notice").contains("已邀请 zhang.san"));
    assert!(browser.text("main table").contains("zhang.san"));
    browser.assert_console_clean("用户(邀请后)");
    browser.screenshot("unit_users");
    let (_, users) = app.get(&app.unit_admin(&unit), "/api/v1/users?role=viewer");
    let invited = items(&users).into_iter().find(|u| u["username"] == "zhang.san").expect("the invited user");
    assert_eq!(invited["active"], false);
    assert_eq!(invited["roles"], json!(["liaison", "viewer"]));
    // The one-time link went by mail to the invited address (as the API sends it).
    let mails: Vec<String> = guantong::db::schema::mail_outbox::table
        .filter(guantong::db::schema::mail_outbox::recipient.eq("zs@example.gov.cn"))
        .select(guantong::db::schema::mail_outbox::event_type)
        .load(&mut app.pool.get().unwrap())
        .unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");

    // API keys: the key on the answer page once, then never again; revoking it cuts it off.
    browser.goto("/unit/api-keys");
    assert!(browser.text(".empty").contains("还没有接入密钥"));
    browser.assert_console_clean("接入密钥");
    browser.fill("#name", "案件管理系统");
    browser.click("form[action='/unit/api-keys'] button[type=submit]");
    let shown = browser.source();
    let key = secret_in(&shown);
    assert!(key.starts_with("gtk_"), "{key}");
    assert_eq!(shown.matches(&key).count(), 1, "the key appears once");
    assert!(browser.text(".notice").contains("只显示一次,请立即保存"));
    browser.assert_console_clean("密钥已签发");
    let me = expect_status(200, app.get(&key, "/api/v1/me"));
    assert_eq!(me["agency_id"], unit.id);
    browser.click("main a[href='/unit/api-keys']");
    let list = browser.source();
    assert!(list.contains("案件管理系统") && !list.contains(&key), "the list never shows the key");
    assert!(list.contains(&key[..12]), "the list shows the key's prefix");
    confirm_yes(&browser);
    browser.click("form[action$='/revoke'] button");
    assert!(browser.text("main table").contains("吊销"), "{}", browser.text("main table"));
    assert_eq!(app.get(&key, "/api/v1/me").0, 401, "a revoked key opens nothing");

    // Webhooks: the secret once; the endpoint's page without it.
    browser.goto("/unit/webhooks");
    browser.assert_console_clean("推送地址");
    browser.fill("#url", "http://127.0.0.1:9/guantong");
    tick(&browser, "input[name=event_types][value='record.created']");
    tick(&browser, "input[name=event_types][value='transfer.created']");
    browser.click("form[action='/unit/webhooks'] button[type=submit]");
    let shown = browser.source();
    let secret = secret_in(&shown);
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(shown.matches(&secret).count(), 1);
    assert!(browser.text(".notice").contains("只显示一次,请立即保存"));
    browser.assert_console_clean("推送地址已添加");
    browser.goto("/unit/webhooks");
    assert!(browser.text("main table").contains("信息发布、线索移交"), "{}", browser.text("main table"));
    assert!(!browser.source().contains(&secret));
    browser.screenshot("unit_webhooks");
    let (_, hooks) = keys_and_hooks(&app, &unit);
    assert_eq!(hooks.len(), 1);
    let hook_id = hooks[0]["id"].as_str().unwrap().to_string();

    // Its delivery log: a failed delivery, in Chinese, sent again.
    dead_letter(&app, &hook_id);
    browser.click(&format!("main a[href='/unit/webhooks/{hook_id}']"));
    let log = browser.text("main table");
    assert!(log.contains("投递失败") && log.contains("信息发布") && log.contains("8 次"), "{log}");
    assert!(!browser.source().contains(&secret));
    browser.assert_console_clean("推送记录");
    browser.click("form[action$='/replay'][action*='/deliveries/'] button");
    assert!(browser.text(".notice").contains("已安排重新投递 1 条"), "{}", browser.text("main"));

    // Stopped, then deleted.
    confirm_yes(&browser);
    browser.click(&format!("form[action='/unit/webhooks/{hook_id}/disable'] button"));
    assert!(browser.text("main dl").contains("已停用"));
    assert_eq!(keys_and_hooks(&app, &unit).1[0]["active"], false);
    confirm_yes(&browser);
    browser.click(&format!("form[action='/unit/webhooks/{hook_id}/delete'] button"));
    assert_eq!(browser.path(), "/unit/webhooks");
    assert!(keys_and_hooks(&app, &unit).1.is_empty());
    assert!(browser.text(".empty").contains("还没有推送地址"));
}

/// A liaison (and the hub admin) is offered no 单位管理, and a typed URL or a post is
/// refused without changing anything.
fn only_the_unit_admin_gets_unit_admin(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let unit = app.agency(&admin, "jiwei", "discipline");
    let key = app.api_key(&admin, &unit, "既有系统");
    let (keys, _) = keys_and_hooks(&app, &unit);
    let key_id = keys[0]["id"].as_str().unwrap().to_string();
    let hook = expect_status(
        201,
        app.post(
            &app.unit_admin(&unit),
            "/api/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/h", "event_types": ["*"]}),
        ),
    );
    let hook_id = hook["id"].as_str().unwrap().to_string();

    for (user, pw) in [("jiwei_user", PASSWORD), ("admin", ADMIN_PASSWORD)] {
        let cookie = http_sign_in(&app, user, pw).unwrap();
        let home = get_page(&app, "/", &cookie).text().unwrap();
        assert!(!home.contains(r#"href="/unit""#), "{user} is offered 单位管理");
        for path in ["/unit", "/unit/users", "/unit/users/invite", "/unit/api-keys", "/unit/webhooks"] {
            let r = get_page(&app, path, &cookie);
            assert_eq!(r.status().as_u16(), 403, "{user} {path}");
            assert!(r.text().unwrap().contains("无权操作"));
        }
        assert_eq!(get_page(&app, &format!("/unit/webhooks/{hook_id}"), &cookie).status().as_u16(), 403);
        let csrf = csrf_of(&home);
        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            ("/unit/api-keys".into(), vec![("name", "偷偷签发")]),
            (
                "/unit/users/invite".into(),
                vec![("username", "intruder"), ("email", "i@example.gov.cn"), ("roles", "liaison")],
            ),
            ("/unit/webhooks".into(), vec![("url", "http://127.0.0.1:9/x"), ("event_types", "*")]),
            (format!("/unit/api-keys/{key_id}/revoke"), vec![]),
            (format!("/unit/webhooks/{hook_id}/disable"), vec![]),
            (format!("/unit/webhooks/{hook_id}/delete"), vec![]),
            (format!("/unit/webhooks/{hook_id}/replay"), vec![]),
        ];
        for (path, fields) in &posts {
            let mut form = vec![("csrf", csrf.as_str())];
            form.extend(fields.iter().copied());
            assert_eq!(post_form(&app, path, &cookie, &form).status().as_u16(), 403, "{user} posts {path}");
        }
    }
    let (keys, hooks) = keys_and_hooks(&app, &unit);
    assert_eq!(keys.len(), 1);
    assert!(keys[0]["revoked_at"].is_null());
    assert_eq!(app.get(&key, "/api/v1/me").0, 200);
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["active"], true);
    assert!(!usernames(&app, &unit).contains(&"intruder".to_string()));
}

/// A unit admin's pages list only its own unit's users, keys and endpoints, and another
/// unit's key or endpoint named by id is not found (and stays as it was).
fn a_unit_admin_sees_and_touches_only_its_own_unit(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let _mine = app.agency(&admin, "jiwei", "discipline");
    let other = app.agency(&admin, "shenji", "audit");
    let other_key = app.api_key(&admin, &other, "审计业务系统");
    let other_admin = app.unit_admin(&other);
    let hook = expect_status(
        201,
        app.post(&other_admin, "/api/v1/webhooks", json!({"url": "http://127.0.0.1:9/shenji", "event_types": ["*"]})),
    );
    let hook_id = hook["id"].as_str().unwrap().to_string();
    let (keys, _) = keys_and_hooks(&app, &other);
    let key_id = keys[0]["id"].as_str().unwrap().to_string();
    let delivery = dead_letter(&app, &hook_id);

    let cookie = http_sign_in(&app, "jiwei_unitadmin", PASSWORD).unwrap();
    let users = get_page(&app, "/unit/users", &cookie).text().unwrap();
    assert!(users.contains("jiwei_user"));
    assert!(!users.contains("shenji"), "another unit's users are listed");
    let keys_page = get_page(&app, "/unit/api-keys", &cookie).text().unwrap();
    assert!(!keys_page.contains("审计业务系统") && !keys_page.contains(&key_id));
    let hooks_page = get_page(&app, "/unit/webhooks", &cookie).text().unwrap();
    assert!(!hooks_page.contains("/shenji") && !hooks_page.contains(&hook_id));
    let r = get_page(&app, &format!("/unit/webhooks/{hook_id}"), &cookie);
    assert_eq!(r.status().as_u16(), 404);
    assert!(!r.text().unwrap().contains("/shenji"));

    let csrf = csrf_of(&users);
    for path in [
        format!("/unit/api-keys/{key_id}/revoke"),
        format!("/unit/webhooks/{hook_id}/disable"),
        format!("/unit/webhooks/{hook_id}/enable"),
        format!("/unit/webhooks/{hook_id}/delete"),
        format!("/unit/webhooks/{hook_id}/replay"),
        format!("/unit/webhooks/{hook_id}/deliveries/{delivery}/replay"),
    ] {
        assert_eq!(post_form(&app, &path, &cookie, &[("csrf", &csrf)]).status().as_u16(), 404, "{path}");
    }
    assert_eq!(app.get(&other_key, "/api/v1/me").0, 200, "the other unit's key still works");
    let (_, hooks) = keys_and_hooks(&app, &other);
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["active"], true);
    let dead = expect_status(200, app.get(&other_admin, &format!("/api/v1/webhooks/{hook_id}/deliveries?status=dead")));
    assert_eq!(dead["deliveries"].as_array().unwrap().len(), 1, "the other unit's dead letter was not replayed");
}

/// Every post of these pages without the session's CSRF token is refused and changes nothing.
fn posts_without_the_csrf_token_change_nothing(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let unit = app.agency(&admin, "jiwei", "discipline");
    let key = app.api_key(&admin, &unit, "既有系统");
    let key_id = items(&app.get(&app.unit_admin(&unit), &format!("/api/v1/agencies/{}/api-keys", unit.id)).1)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cookie = http_sign_in(&app, "jiwei_unitadmin", PASSWORD).unwrap();
    let prefs_before = app.get(&app.unit_admin(&unit), "/api/v1/me/mail-preferences").1;
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/unit/api-keys".into(), vec![("name", "新系统")]),
        (
            "/unit/users/invite".into(),
            vec![("username", "li.si"), ("email", "ls@example.gov.cn"), ("roles", "liaison")],
        ),
        ("/unit/webhooks".into(), vec![("url", "http://127.0.0.1:9/x"), ("event_types", "*")]),
        (format!("/unit/api-keys/{key_id}/revoke"), vec![]),
        (
            "/account/password".into(),
            vec![("current", PASSWORD), ("new_password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)],
        ),
        ("/account".into(), vec![("pref.transfer.created", "digest")]),
    ];
    for (path, fields) in &posts {
        for csrf in [None, Some("forged-token")] {
            let mut form: Vec<(&str, &str)> = csrf.map(|c| vec![("csrf", c)]).unwrap_or_default();
            form.extend(fields.iter().copied());
            let status = post_form(&app, path, &cookie, &form).status().as_u16();
            assert!(status == 403 || status == 400, "{path} without its token: {status}");
        }
    }
    let (keys, hooks) = keys_and_hooks(&app, &unit);
    assert_eq!(keys.len(), 1);
    assert_eq!(app.get(&key, "/api/v1/me").0, 200);
    assert!(hooks.is_empty());
    assert!(!usernames(&app, &unit).contains(&"li.si".to_string()));
    assert!(http_sign_in(&app, "jiwei_unitadmin", PASSWORD).is_ok(), "the password is unchanged");
    assert_eq!(app.get(&app.unit_admin(&unit), "/api/v1/me/mail-preferences").1, prefs_before);
    assert_eq!(get_page(&app, "/unit", &cookie).status().as_u16(), 200, "the session is still open");
}

/// Bad input: the form again (422) with the API's field errors beside the fields and the
/// values kept; nothing is created.
fn bad_input_is_shown_in_place_and_changes_nothing(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let unit = app.agency(&admin, "jiwei", "discipline");
    let cookie = http_sign_in(&app, "jiwei_unitadmin", PASSWORD).unwrap();
    let csrf = csrf_of(&get_page(&app, "/unit", &cookie).text().unwrap());
    let users_before = usernames(&app, &unit);
    let cases: Vec<(&str, Form, Vec<&str>)> = vec![
        (
            "/unit/users/invite",
            vec![("username", "x"), ("email", "not-an-address"), ("roles", "liaison")],
            vec!["用户名须为 3–64 位", "电子邮箱格式无效", r#"value="not-an-address""#],
        ),
        ("/unit/users/invite", vec![("username", "wang.wu"), ("email", "ww@example.gov.cn")], vec!["至少指定一个角色"]),
        (
            "/unit/users/invite",
            vec![("username", "jiwei_user"), ("email", "dup@example.gov.cn"), ("roles", "liaison")],
            vec!["已存在", r#"value="dup@example.gov.cn""#],
        ),
        ("/unit/api-keys", vec![("name", "   ")], vec!["field-error"]),
        ("/unit/api-keys", vec![("name", "系统"), ("roles", "boss")], vec!["可选"]),
        (
            "/unit/webhooks",
            vec![("url", "ftp://example.gov.cn/x"), ("description", "说明留着")],
            vec!["须为 http:// 或 https:// 开头", "至少选择一种事件类型", "说明留着"],
        ),
        (
            "/unit/webhooks",
            vec![("url", "http://127.0.0.1:9/x"), ("event_types", "record.nope")],
            vec!["未知的事件类型"],
        ),
    ];
    for (path, fields, wanted) in cases {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields.iter().copied());
        let r = post_form(&app, path, &cookie, &form);
        assert_eq!(r.status().as_u16(), 422, "{path} {fields:?}");
        let html = r.text().unwrap();
        for w in wanted {
            assert!(html.contains(w), "{path} {fields:?}: no {w} in the page");
        }
        assert!(html.contains("field-error"), "{path}: the error is beside its field");
    }
    // Granting the hub admin's role is refused outright.
    let form = [("csrf", csrf.as_str()), ("username", "boss"), ("email", "b@example.gov.cn"), ("roles", "admin")];
    assert_eq!(post_form(&app, "/unit/users/invite", &cookie, &form).status().as_u16(), 403);
    let (keys, hooks) = keys_and_hooks(&app, &unit);
    assert!(keys.is_empty() && hooks.is_empty());
    assert_eq!(usernames(&app, &unit), users_before);
}

/// 修改密码: a wrong current password is the form again (422) and changes nothing; a
/// good change ends the user's other sessions (web and API), keeps this one, and from then
/// on the new password logs in and the old one does not.
fn a_password_change_needs_the_current_password_and_ends_other_sessions(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    app.agency(&admin, "jiwei", "discipline");
    let user = "jiwei_user";
    let here = http_sign_in(&app, user, PASSWORD).unwrap();
    let elsewhere = http_sign_in(&app, user, PASSWORD).unwrap();
    let api = app.login(user, PASSWORD);
    let form_page = get_page(&app, "/account/password", &here).text().unwrap();
    let csrf = csrf_of(&form_page);
    let post = |current: &str, new: &str, confirm: &str| {
        let form = [("csrf", csrf.as_str()), ("current", current), ("new_password", new), ("confirm", confirm)];
        post_form(&app, "/account/password", &here, &form)
    };
    for (current, new, confirm, error) in [
        ("wrong-password-0001", NEW_PASSWORD, NEW_PASSWORD, "当前密码不正确"),
        (PASSWORD, NEW_PASSWORD, "a-different-password-1", "两次输入的新密码不一致"),
        (PASSWORD, "short", "short", "密码须为 10–128 个字符"),
    ] {
        let r = post(current, new, confirm);
        assert_eq!(r.status().as_u16(), 422, "{error}");
        let html = r.text().unwrap();
        assert!(html.contains(error) && html.contains("field-error"), "{error}");
        assert!(!html.contains(current) && !html.contains(new), "a password is never filled in again");
    }
    assert!(http_sign_in(&app, user, PASSWORD).is_ok(), "nothing changed");
    assert_eq!(get_page(&app, "/", &elsewhere).status().as_u16(), 200);

    let r = post(PASSWORD, NEW_PASSWORD, NEW_PASSWORD);
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/account/password?done=1");
    assert!(get_page(&app, "/account/password?done=1", &here).text().unwrap().contains("密码已修改"));
    assert_eq!(get_page(&app, "/", &here).status().as_u16(), 200, "this session stays");
    assert_eq!(get_page(&app, "/", &elsewhere).status().as_u16(), 303, "the other web session ended");
    let (s, _) = send(
        app.req(reqwest::Method::POST, "/api/v1/auth/refresh", None)
            .json(&json!({"refresh_token": api["refresh_token"]})),
    );
    assert_eq!(s, 401, "the API session ended");
    assert!(http_sign_in(&app, user, PASSWORD).is_err(), "the old password no longer works");
    assert!(http_sign_in(&app, user, NEW_PASSWORD).is_ok());
    app.login(user, NEW_PASSWORD);
}

/// 个人设置 in the browser: a mail preference changed is kept and shown, as the API reads
/// it; a bad mode posted is the page again (422) and changes nothing. 修改密码 in the
/// browser, too.
fn mail_preferences_and_the_password_in_the_browser(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let unit = app.agency(&admin, "jiwei", "discipline");
    let browser = Browser::open(&app.base);
    browser.sign_in("jiwei_user", PASSWORD);
    browser.click("header .who a[href='/account']");
    assert_eq!(browser.path(), "/account");
    browser.assert_console_clean("个人设置");
    assert!(browser.text("main").contains("jiwei@example.gov.cn"));
    let select = "select[name='pref.transfer.created']";
    assert_eq!(browser.script(&format!("return document.querySelector(\"{select}\").value")), "immediate");
    browser.script(&format!("document.querySelector(\"{select}\").value = 'digest'"));
    browser.click("form[action='/account'] button[type=submit]");
    assert_eq!(browser.path(), "/account?saved=1");
    assert!(browser.text(".notice").contains("邮件设置已保存"));
    assert_eq!(browser.script(&format!("return document.querySelector(\"{select}\").value")), "digest");
    browser.assert_console_clean("个人设置(已保存)");
    browser.screenshot("account");
    let prefs = expect_status(200, app.get(&unit.token, "/api/v1/me/mail-preferences"));
    assert_eq!(prefs["preferences"]["transfer.created"], "digest");

    let cookie = browser.cookie_header();
    let csrf = csrf_of(&browser.source());
    for (field, value, error) in
        [("pref.transfer.created", "sometimes", "发送方式无效"), ("pref.no.such.mail", "never", "未知的邮件类型")]
    {
        let r = post_form(&app, "/account", &cookie, &[("csrf", &csrf), (field, value)]);
        assert_eq!(r.status().as_u16(), 422, "{field}");
        assert!(r.text().unwrap().contains(error), "{field}");
    }
    let after = expect_status(200, app.get(&unit.token, "/api/v1/me/mail-preferences"));
    assert_eq!(after, prefs, "nothing changed");

    browser.click("main a[href='/account/password']");
    browser.assert_console_clean("修改密码");
    browser.fill("#current", PASSWORD);
    browser.fill("#new_password", NEW_PASSWORD);
    browser.fill("#confirm", NEW_PASSWORD);
    browser.click("form[action='/account/password'] button[type=submit]");
    assert_eq!(browser.path(), "/account/password?done=1");
    assert!(browser.text(".notice").contains("密码已修改"));
    browser.assert_console_clean("密码已修改");
    app.login("jiwei_user", NEW_PASSWORD);
}

/// A page of the server process at `base`, with the cookies given.
fn get_at(base: &str, path: &str, cookie: &str) -> reqwest::blocking::Response {
    let client = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    client.get(format!("{base}{path}")).header("Cookie", cookie).send().unwrap()
}

fn post_at(base: &str, path: &str, cookie: &str, form: &[(&str, &str)]) -> reqwest::blocking::Response {
    let client = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    client.post(format!("{base}{path}")).header("Cookie", cookie).form(form).send().unwrap()
}

fn set_cookie(r: &reqwest::blocking::Response, name: &str) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

/// The binary's log never holds an API key, a webhook secret or a password set through
/// these pages.
fn secrets_set_in_the_pages_never_reach_the_log(b: Backend) {
    let server = ServerProcess::start(b, &[]);
    let base = server.base.clone();
    let call = |m, path: &str, token: Option<&str>, body| server.call(m, path, token, body);
    let t = expect_status(
        200,
        call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "admin", "password": ADMIN_PASSWORD})),
        ),
    );
    let admin = t["access_token"].as_str().unwrap().to_string();
    let body = json!({"code": "xf", "name": "市信访局", "kind": "petition", "level": "city"});
    let a = expect_status(201, call(reqwest::Method::POST, "/api/v1/agencies", Some(&admin), Some(body)));
    let body =
        json!({"username": "xf_admin", "agency_id": a["id"], "roles": ["agency_admin"], "email": "xf@example.gov.cn"});
    expect_status(201, call(reqwest::Method::POST, "/api/v1/users", Some(&admin), Some(body)));
    let link = server.console(&["admin", "invite", "xf_admin"]);
    let token = link.split("token=").nth(1).unwrap().trim().to_string();
    let body = json!({"token": token, "password": PASSWORD});
    expect_status(200, call(reqwest::Method::POST, "/api/v1/auth/activate", None, Some(body)));

    let login = get_at(&base, "/login", "");
    let login_cookie = set_cookie(&login, "gt_login_csrf");
    let csrf = csrf_of(&login.text().unwrap());
    let r =
        post_at(&base, "/login", &login_cookie, &[("csrf", &csrf), ("username", "xf_admin"), ("password", PASSWORD)]);
    assert_eq!(r.status().as_u16(), 303);
    let cookie = set_cookie(&r, "gt_session");
    let csrf = csrf_of(&get_at(&base, "/unit", &cookie).text().unwrap());
    let r = post_at(&base, "/unit/api-keys", &cookie, &[("csrf", &csrf), ("name", "信访系统")]);
    assert_eq!(r.status().as_u16(), 200);
    let key = secret_in(&r.text().unwrap());
    let form = [("csrf", csrf.as_str()), ("url", "http://127.0.0.1:9/xf"), ("event_types", "*")];
    let r = post_at(&base, "/unit/webhooks", &cookie, &form);
    assert_eq!(r.status().as_u16(), 200);
    let secret = secret_in(&r.text().unwrap());
    let form =
        [("csrf", csrf.as_str()), ("current", PASSWORD), ("new_password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)];
    assert_eq!(post_at(&base, "/account/password", &cookie, &form).status().as_u16(), 303);

    let logs = server.stop();
    assert!(logs.contains("/unit/api-keys"), "the requests were logged");
    let session = cookie.trim_start_matches("gt_session=");
    for (what, secret) in
        [("API key", key.as_str()), ("webhook secret", &secret), ("new password", NEW_PASSWORD), ("session", session)]
    {
        assert!(!logs.contains(secret), "the log holds the {what}");
    }
    assert!(!logs.contains(&key[4..20]), "the log holds part of the API key");
}

both!(
    a_unit_admin_manages_its_unit_in_the_browser,
    only_the_unit_admin_gets_unit_admin,
    a_unit_admin_sees_and_touches_only_its_own_unit,
    posts_without_the_csrf_token_change_nothing,
    bad_input_is_shown_in_place_and_changes_nothing,
    a_password_change_needs_the_current_password_and_ends_other_sessions,
    mail_preferences_and_the_password_in_the_browser,
    secrets_set_in_the_pages_never_reach_the_log
);
