//! The web client's 平台管理 pages (issue 10): units, groups, agreements and the audit log —
//! for the hub admin only, who administers and reads no content.

use serde_json::{json, Value};

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::web_http::*;

/// The hub admin's session cookie and the CSRF token of its pages (over plain HTTP).
fn admin_session(app: &TestApp) -> (String, String) {
    session_of(app, "admin", ADMIN_PASSWORD)
}

fn session_of(app: &TestApp, user: &str, password: &str) -> (String, String) {
    let cookie = http_sign_in(app, user, password).expect("signed in");
    let csrf = csrf_of(&get_page(app, "/", &cookie).text().unwrap());
    (cookie, csrf)
}

fn items(app: &TestApp, admin: &str, path: &str) -> Vec<Value> {
    let v = expect_status(200, send(app.req(reqwest::Method::GET, path, Some(admin)).query(&[("limit", "200")])));
    v["items"].as_array().unwrap().clone()
}

fn unit_id_by_code(app: &TestApp, admin: &str, code: &str) -> Option<String> {
    items(app, admin, "/api/v1/agencies").iter().find(|a| a["code"] == code).map(|a| a["id"].as_str().unwrap().into())
}

/// Sets a form control's value (selects and checkboxes) the way a person would choose it.
fn choose(browser: &Browser, css: &str, value: &str) {
    let js = format!("var e = document.querySelector({css:?}); e.value = {value:?}; return e.value");
    assert_eq!(browser.script(&js), json!(value), "{css}");
}

fn tick(browser: &Browser, css: &str) {
    let js = format!("var e = document.querySelector({css:?}); e.checked = true; return e.checked");
    assert_eq!(browser.script(&js), json!(true), "{css}");
}

/// The hub admin runs the hub in a real browser: a unit made and changed and its first
/// admin invited, a group and its members, an agreement that then binds what a unit may
/// send (asserted through the API), and the audit log with its chain verified.
fn the_hub_admin_runs_units_groups_agreements_and_the_audit_log(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let zz = app.agency(&admin, "zuzhi", "organization");
    let browser = Browser::open(&app.base);
    browser.sign_in("admin", ADMIN_PASSWORD);
    let nav = browser.text("header nav");
    assert!(nav.contains("平台管理") && !nav.contains("信息库") && !nav.contains("移交台账"), "{nav}");
    browser.click("header nav a[href='/admin']");
    assert_eq!(browser.path(), "/admin");
    browser.assert_console_clean("平台管理");

    // 成员单位: the list, then a new unit through the form.
    browser.goto("/admin/units");
    let list = browser.text("main table");
    assert!(list.contains("jiwei") && list.contains("纪检监察机关") && list.contains("市级"), "{list}");
    browser.assert_console_clean("成员单位");
    browser.screenshot("admin_units");
    browser.click("a[href='/admin/units/new']");
    browser.assert_console_clean("新建成员单位");
    browser.fill("#code", "shenjiju");
    browser.fill("#name", "市审计局");
    choose(&browser, "#kind", "audit");
    choose(&browser, "#level", "county");
    browser.click("form[action='/admin/units/new'] button[type=submit]");
    let sj = unit_id_by_code(&app, &admin, "shenjiju").expect("the unit was made");
    assert_eq!(browser.path(), format!("/admin/units/{sj}?done=created"));
    assert!(browser.text(".notice").contains("成员单位已创建"));
    let unit = expect_status(200, app.get(&admin, &format!("/api/v1/agencies/{sj}")));
    assert_eq!(
        (unit["name"].as_str(), unit["kind"].as_str(), unit["level"].as_str()),
        (Some("市审计局"), Some("audit"), Some("county"))
    );
    browser.assert_console_clean("成员单位详情");

    // Its first unit admin, invited: the link goes by mail, never to the page.
    browser.fill("#username", "shenjiju_admin");
    browser.fill("#display_name", "李审计");
    browser.fill("#email", "li@shenji.example.gov.cn");
    browser.click(&format!("form[action='/admin/units/{sj}/invite'] button[type=submit]"));
    assert!(browser.text(".notice").contains("激活链接已发送"), "{}", browser.source());
    let page = browser.source();
    assert!(page.contains("shenjiju_admin") && page.contains("待激活"), "{page}");
    assert!(!page.contains("token="), "the one-time link reached the page");
    let users = items(&app, &admin, &format!("/api/v1/users?agency_id={sj}"));
    assert_eq!(users.len(), 1, "{users:?}");
    assert_eq!((users[0]["roles"].clone(), users[0]["active"].clone()), (json!(["agency_admin"]), json!(false)));

    // Changed, then stopped (after the confirmation) and started again.
    browser.fill("#name", "市审计局(更名)");
    browser.click(&format!("form[action='/admin/units/{sj}'] button[type=submit]"));
    assert!(browser.text(".notice").contains("修改已保存"));
    assert_eq!(expect_status(200, app.get(&admin, &format!("/api/v1/agencies/{sj}")))["name"], "市审计局(更名)");
    browser.script("window.confirm = function () { return true; }; return true");
    browser.click(&format!("form[action='/admin/units/{sj}/active'] button[type=submit]"));
    assert!(browser.text(".notice").contains("已停用"));
    assert_eq!(expect_status(200, app.get(&admin, &format!("/api/v1/agencies/{sj}")))["active"], false);
    browser.click(&format!("form[action='/admin/units/{sj}/active'] button[type=submit]"));
    assert_eq!(expect_status(200, app.get(&admin, &format!("/api/v1/agencies/{sj}")))["active"], true);

    // 共享组: made, a member added and removed, each visible on the page and through the API.
    browser.goto("/admin/groups");
    assert!(browser.text(".empty").contains("还没有共享组"));
    browser.assert_console_clean("共享组");
    browser.fill("#name", "联席会议成员单位");
    browser.fill("#description", "市纪委牵头的贯通协调机制");
    browser.click("form[action='/admin/groups'] button[type=submit]");
    let groups = items(&app, &admin, "/api/v1/groups");
    let gid =
        groups.iter().find(|g| g["name"] == "联席会议成员单位").expect("the group")["id"].as_str().unwrap().to_string();
    choose(&browser, &format!("#add-{gid}"), &jw.id);
    browser.click(&format!("form[action='/admin/groups/{gid}/members'] button[type=submit]"));
    assert!(browser.text(".notice").contains("已加入共享组"));
    assert!(browser.text(&format!("#g-{gid}")).contains("1 个成员单位"));
    assert!(browser.source().contains(&format!("/admin/groups/{gid}/members/{}/remove", jw.id)));
    let members = |app: &TestApp| {
        let g = items(app, &admin, "/api/v1/groups").into_iter().find(|g| g["id"] == gid.as_str()).unwrap();
        g["agency_ids"].clone()
    };
    assert_eq!(members(&app), json!([jw.id]));
    browser.script("window.confirm = function () { return true; }; return true");
    browser.click(&format!("form[action='/admin/groups/{gid}/members/{}/remove'] button[type=submit]", jw.id));
    assert!(browser.text(".notice").contains("已移出共享组"));
    assert_eq!(members(&app), json!([]));
    browser.assert_console_clean("共享组(变更后)");

    // 协作意见: the organisation department's clues may go to discipline units only.
    browser.goto("/admin/agreements");
    browser.assert_console_clean("协作意见");
    browser.fill("#name", "组织部门线索仅送纪检");
    choose(&browser, "#source_agency_id", &zz.id);
    choose(&browser, "#record_kind", "clue");
    tick(&browser, "#rk-discipline");
    browser.click("form[action='/admin/agreements'] button[type=submit]");
    assert!(browser.text(".notice").contains("协作意见已创建"));
    let table = browser.text("main table");
    assert!(
        table.contains("组织部门线索仅送纪检") && table.contains("问题线索") && table.contains("全部纪检监察机关"),
        "{table}"
    );
    assert!(table.contains("测试单位zuzhi"), "{table}");
    let to = |id: &str| json!({"level": "agencies", "agencies": [id]});
    let (s, p) = app.post(&zz.token, "/api/v1/records", record("送审计局的线索", to(&sj)));
    assert_eq!(s, 422, "outside the agreement: {p}");
    assert!(p.to_string().contains("协作意见"), "{p}");
    assert_eq!(app.post(&zz.token, "/api/v1/records", record("送纪委的线索", to(&jw.id))).0, 201);

    // 审计日志: what was done here, in words; the chain verified.
    browser.goto("/admin/audit");
    let log = browser.text("main table");
    for done in
        ["新建成员单位", "修改成员单位", "发送激活链接", "新建共享组", "加入共享组", "移出共享组", "新建协作意见"]
    {
        assert!(log.contains(done), "{done}: {log}");
    }
    browser.assert_console_clean("审计日志");
    browser.screenshot("admin_audit");
    browser.click("#verify");
    assert!(browser.text("#chain-status").contains("哈希链完整"), "{}", browser.text("#chain-status"));
    choose(&browser, "#action", "agreement.create");
    browser.click("form[action='/admin/audit'][role=search] button[type=submit]");
    let rows = browser.script("return document.querySelectorAll('main table tbody tr').length");
    assert_eq!(rows, json!(1), "{}", browser.text("main table"));
    browser.assert_console_clean("审计日志(筛选)");
}

/// A liaison and a unit admin: no 平台管理 in the nav, every 平台管理 page refused, every
/// post refused even with a valid CSRF token — and nothing changes.
fn other_roles_get_no_platform_admin(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let sj = app.agency(&admin, "shenji", "audit");
    let (s, g) = app.post(&admin, "/api/v1/groups", json!({"name": "联席组", "agency_ids": [jw.id]}));
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap().to_string();
    let before = |app: &TestApp| {
        (
            items(app, &admin, "/api/v1/agencies"),
            items(app, &admin, "/api/v1/groups"),
            items(app, &admin, "/api/v1/agreements"),
            items(app, &admin, "/api/v1/users"),
        )
    };
    let then = before(&app);
    for user in ["jiwei_user", "jiwei_unitadmin"] {
        let (cookie, csrf) = session_of(&app, user, PASSWORD);
        let home = get_page(&app, "/", &cookie).text().unwrap();
        assert!(!home.contains("href=\"/admin\"") && !home.contains("平台管理"), "{user}: {home}");
        for path in [
            "/admin".to_string(),
            "/admin/units".into(),
            "/admin/units/new".into(),
            format!("/admin/units/{}", sj.id),
            "/admin/groups".into(),
            "/admin/agreements".into(),
            "/admin/audit".into(),
            "/admin/audit?verify=1".into(),
        ] {
            let r = get_page(&app, &path, &cookie);
            assert_eq!(r.status().as_u16(), 403, "{user} {path}");
            let page = r.text().unwrap();
            assert!(page.contains("无权操作") && page.contains("平台管理员"), "{user} {path}: {page}");
        }
        let unit = format!("/admin/units/{}", sj.id);
        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                "/admin/units/new".into(),
                vec![("code", "weizao"), ("name", "伪造单位"), ("kind", "audit"), ("level", "city")],
            ),
            (unit.clone(), vec![("name", "改名"), ("kind", "audit"), ("level", "city")]),
            (format!("{unit}/active"), vec![("active", "false")]),
            (format!("{unit}/invite"), vec![("username", "sneaky"), ("email", "s@example.gov.cn")]),
            ("/admin/groups".into(), vec![("name", "私设组")]),
            (format!("/admin/groups/{gid}/members"), vec![("agency_id", sj.id.as_str())]),
            (format!("/admin/groups/{gid}/members/{}/remove", jw.id), vec![]),
            (
                "/admin/agreements".into(),
                vec![
                    ("name", "x"),
                    ("source_kind", "audit"),
                    ("record_kind", "clue"),
                    ("recipient_kinds", "discipline"),
                ],
            ),
        ];
        for (path, fields) in posts {
            let mut form = vec![("csrf", csrf.as_str())];
            form.extend(fields);
            let r = post_form(&app, &path, &cookie, &form);
            assert_eq!(r.status().as_u16(), 403, "{user} POST {path}");
        }
    }
    assert_eq!(before(&app), then, "a refused post changed something");
}

/// The hub admin reads no content: no content section in the nav or workbench, /records
/// refused, and the audit log shows a publication without the record's title.
fn the_hub_admin_reads_no_content(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    const TITLE: &str = "关于某区住建局局长收受工程款回扣的问题线索";
    let r = expect_status(201, app.post(&xc.token, "/api/v1/records", record(TITLE, json!({"level": "all"}))));
    let rid = r["id"].as_str().unwrap();
    let (cookie, _) = admin_session(&app);
    let home = get_page(&app, "/", &cookie).text().unwrap();
    // 统计 (counts by unit, no content) is the one section it shares with the units.
    for section in ["/records", "/objects", "/transfers", "/deliberations", "/inbox", "信息库"] {
        assert!(!home.contains(section), "{section} offered to the hub admin: {home}");
    }
    assert!(home.contains("href=\"/admin\""), "{home}");
    for path in ["/records".to_string(), format!("/records/{rid}")] {
        let r = get_page(&app, &path, &cookie);
        let status = r.status().as_u16();
        let page = r.text().unwrap();
        assert!(status == 403 || status == 404, "{path}: {status}");
        assert!(!page.contains(TITLE), "{path} showed content to the hub admin");
    }
    for path in [
        "/admin/audit".to_string(),
        format!("/admin/audit?resource_id={rid}"),
        "/admin/audit?action=record.create".into(),
    ] {
        let r = get_page(&app, &path, &cookie);
        assert_eq!(r.status().as_u16(), 200, "{path}");
        let page = r.text().unwrap();
        assert!(page.contains("发布信息") && page.contains(rid) && page.contains("xuncha_user"), "{path}: {page}");
        assert!(!page.contains(TITLE) && !page.contains("的正文"), "{path}: the audit page shows content");
    }
    // The unit and date filters: a unit's actors only; a day long past holds nothing; a
    // date that is not one says so.
    let page = get_page(&app, &format!("/admin/audit?unit={}&action=record.create", xc.id), &cookie).text().unwrap();
    assert!(page.contains(rid), "{page}");
    let page = get_page(&app, "/admin/audit?unit=no-such-unit", &cookie).text().unwrap();
    assert!(page.contains("没有符合条件的审计记录"), "{page}");
    let page = get_page(&app, "/admin/audit?from=2000-01-01&to=2000-01-02", &cookie).text().unwrap();
    assert!(page.contains("没有符合条件的审计记录"), "{page}");
    let today = guantong::domain::clock::today();
    let page =
        get_page(&app, &format!("/admin/audit?from={today}&to={today}&action=record.create"), &cookie).text().unwrap();
    assert!(page.contains(rid), "{page}");
    let page = get_page(&app, "/admin/audit?from=yesterday", &cookie).text().unwrap();
    assert!(page.contains("id=\"date-error\"") && page.contains(rid), "{page}");
}

/// Bad input: the form again (422) with the API's field errors next to their fields and
/// the values kept; a post without the CSRF token: 403. Nothing changes either way.
fn admin_forms_refuse_bad_input_and_missing_tokens(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let (cookie, csrf) = admin_session(&app);
    let units = items(&app, &admin, "/api/v1/agencies").len();

    let r = post_form(
        &app,
        "/admin/units/new",
        &cookie,
        &[("csrf", &csrf), ("code", "Bad Code!"), ("name", " "), ("kind", "hub"), ("level", "city")],
    );
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().unwrap();
    for field in ["code", "name", "kind"] {
        assert!(page.contains(&format!("id=\"{field}-error\"")), "{field}: {page}");
    }
    assert!(page.contains("单位代码须为") && page.contains("value=\"Bad Code!\""), "{page}");
    let r = post_form(
        &app,
        "/admin/units/new",
        &cookie,
        &[("csrf", &csrf), ("code", "jiwei"), ("name", "重复"), ("kind", "audit"), ("level", "city")],
    );
    assert_eq!(r.status().as_u16(), 409);
    assert!(r.text().unwrap().contains("单位代码 jiwei 已存在"));
    let r = post_form(
        &app,
        &format!("/admin/units/{}", jw.id),
        &cookie,
        &[("csrf", &csrf), ("name", ""), ("kind", "audit"), ("level", "nowhere")],
    );
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().unwrap();
    assert!(page.contains("id=\"name-error\"") && page.contains("id=\"level-error\""), "{page}");
    let r = post_form(
        &app,
        "/admin/units/new",
        &cookie,
        &[("code", "nocsrf"), ("name", "无令牌"), ("kind", "audit"), ("level", "city")],
    );
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(items(&app, &admin, "/api/v1/agencies").len(), units, "a refused unit was made");
    assert_eq!(expect_status(200, app.get(&admin, &format!("/api/v1/agencies/{}", jw.id)))["name"], "测试单位jiwei");

    // A unit without an admin: the invitation needs a mail address.
    let (_, sj) = app.post(
        &admin,
        "/api/v1/agencies",
        json!({"code": "shenji", "name": "审计局", "kind": "audit", "level": "city"}),
    );
    let sj = sj["id"].as_str().unwrap().to_string();
    let r = post_form(
        &app,
        &format!("/admin/units/{sj}/invite"),
        &cookie,
        &[("csrf", &csrf), ("username", "shenji_admin"), ("email", "")],
    );
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().unwrap();
    assert!(page.contains("id=\"email-error\"") && page.contains("value=\"shenji_admin\""), "{page}");
    let r = post_form(
        &app,
        &format!("/admin/units/{sj}/invite"),
        &cookie,
        &[("username", "shenji_admin"), ("email", "a@example.gov.cn")],
    );
    assert_eq!(r.status().as_u16(), 403);
    assert!(items(&app, &admin, &format!("/api/v1/users?agency_id={sj}")).is_empty());

    // Groups and agreements.
    let r = post_form(&app, "/admin/groups", &cookie, &[("csrf", &csrf), ("name", "  ")]);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("id=\"name-error\""));
    assert_eq!(post_form(&app, "/admin/groups", &cookie, &[("name", "无令牌组")]).status().as_u16(), 403);
    assert!(items(&app, &admin, "/api/v1/groups").is_empty());
    let r =
        post_form(&app, "/admin/agreements", &cookie, &[("csrf", &csrf), ("name", "缺来源"), ("record_kind", "clue")]);
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().unwrap();
    assert!(
        page.contains("id=\"source_agency_id-error\"") && page.contains("id=\"recipient_agency_ids-error\""),
        "{page}"
    );
    assert!(page.contains("value=\"缺来源\""), "{page}");
    let form =
        [("name", "无令牌"), ("source_kind", "audit"), ("record_kind", "clue"), ("recipient_kinds", "discipline")];
    assert_eq!(post_form(&app, "/admin/agreements", &cookie, &form).status().as_u16(), 403);
    assert!(items(&app, &admin, "/api/v1/agreements").is_empty());
    let (s, g) = app.post(&admin, "/api/v1/groups", json!({"name": "联席组", "agency_ids": [jw.id]}));
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap();
    let r = post_form(&app, &format!("/admin/groups/{gid}/members/{}/remove", jw.id), &cookie, &[]);
    assert!(matches!(r.status().as_u16(), 400 | 403));
    assert_eq!(items(&app, &admin, "/api/v1/groups")[0]["agency_ids"], json!([jw.id]));
}

both!(
    the_hub_admin_runs_units_groups_agreements_and_the_audit_log,
    other_roles_get_no_platform_admin,
    the_hub_admin_reads_no_content,
    admin_forms_refuse_bad_input_and_missing_tokens,
);
