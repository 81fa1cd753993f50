//! The web client's publish/edit forms and 监督对象 pages (issue 10), in a real Chromium and over plain HTTP.

use serde_json::{json, Value};

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::web_http::*;

const REPORTER: &str = "王举报";

/// The units of the form tests: a petition office (the publisher) whose petitions may go only
/// to the discipline commission (protected fields included), an audit office, and two groups.
struct Hub {
    app: TestApp,
    xinfang: Agency,
    jiwei: Agency,
    shenji: Agency,
    mixed_group: String,
}

fn hub(b: Backend) -> Hub {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xinfang = app.agency(&admin, "xinfang", "petition");
    let jiwei = app.agency(&admin, "jiwei", "discipline");
    let shenji = app.agency(&admin, "shenji", "audit");
    let agreement = json!({"name": "信访件仅送纪检", "source_kind": "petition", "record_kind": "petition",
        "recipient_kinds": ["discipline"], "protected_fields": true});
    expect_status(201, app.post(&admin, "/api/v1/agreements", agreement));
    let g = json!({"name": "四方会审组", "agency_ids": [xinfang.id, jiwei.id, shenji.id]});
    let mixed_group = expect_status(201, app.post(&admin, "/api/v1/groups", g))["id"].as_str().unwrap().to_string();
    Hub { app, xinfang, jiwei, shenji, mixed_group }
}

/// A 查阅员 (viewer: reads, publishes nothing) of the unit, made by its unit admin.
fn viewer_of(app: &TestApp, unit: &Agency, username: &str) {
    let user = json!({"username": username, "password": PASSWORD, "agency_id": unit.id, "roles": ["viewer"],
        "email": format!("{username}@example.gov.cn")});
    expect_status(201, app.post(&app.unit_admin(unit), "/api/v1/users", user));
}

fn records_of(app: &TestApp, token: &str) -> Vec<Value> {
    expect_status(200, app.get(token, "/api/v1/records"))["items"].as_array().unwrap().clone()
}

/// An officer publishes through the form (a field error first, shown in place with the values
/// kept), changes the record, meets a stale version, and withdraws it; the picker offers only
/// what the sharing agreements allow.
fn an_officer_publishes_changes_and_withdraws_through_the_forms(b: Backend) {
    let Hub { app, xinfang, jiwei, shenji, mixed_group, .. } = hub(b);
    let object = expect_status(
        201,
        app.post(&xinfang.token, "/api/v1/objects", json!({"name": "某局", "kind": "unit", "unit": "某市"})),
    );
    let object_id = object["id"].as_str().unwrap();

    let browser = Browser::open(&app.base);
    browser.sign_in("xinfang_user", PASSWORD);
    browser.goto("/records");
    browser.click(".actions a[href='/records/new']");
    assert_eq!(browser.path(), "/records/new");
    browser.assert_console_clean("发布信息");
    browser.script("document.querySelector('#part-distribution').scrollIntoView()");
    browser.screenshot("record_form");
    let form = browser.source();
    // The picker: every unit the agreements allow for some kind, the audit office marked as
    // not for petitions; never the publisher itself.
    assert!(
        form.contains(&format!("id=\"agency-{}\"", jiwei.id)) && form.contains(&format!("id=\"agency-{}\"", shenji.id))
    );
    assert!(!form.contains(&format!("id=\"agency-{}\"", xinfang.id)), "the unit itself is offered");
    assert!(form.contains("仅限:问题线索"), "no kind limits shown: {form}");

    // A blank title: the form again, the error next to the title, everything else kept.
    browser.script(&format!(
        "document.querySelector('#kind').value = 'petition';
         document.querySelector('#sensitivity').value = 'sensitive';
         document.querySelector('#category').value = '廉洁纪律';
         document.querySelector('#level-agencies').checked = true;
         document.querySelector('#agency-{j}').checked = true;
         document.querySelector('#grant-{j}').checked = true;",
        j = jiwei.id
    ));
    browser.fill("#title", "   ");
    browser.fill("#body", "群众来信反映某局以加班费名义发放津补贴。");
    browser.fill("#tags", "津补贴、来信");
    browser.fill("#more_objects", object_id);
    browser.fill("#reporter_name", REPORTER);
    browser.click("form.record-form button[type=submit]");
    assert_eq!(browser.path(), "/records/new");
    assert!(browser.text("#title-error").contains("标题不能为空"), "{}", browser.source());
    assert_eq!(
        browser.script("return document.querySelector('#body').value"),
        "群众来信反映某局以加班费名义发放津补贴。"
    );
    assert_eq!(browser.script(&format!("return document.querySelector('#agency-{}').checked", jiwei.id)), true);
    assert_eq!(browser.script("return document.querySelector('#kind').value"), "petition");
    assert_eq!(browser.script("return document.querySelector('#reporter_name').value"), REPORTER);
    assert!(records_of(&app, &xinfang.token).is_empty(), "a refused form published something");
    browser.assert_console_only_status("发布信息(有误)", 422);

    browser.fill("#title", "关于某局违规发放津补贴的来信");
    browser.click("form.record-form button[type=submit]");
    let path = browser.path();
    let id = path.strip_prefix("/records/").expect("on the new record's page").to_string();
    assert!(browser.text("main h1").contains("关于某局违规发放津补贴的来信"));
    let r = expect_status(200, app.get(&xinfang.token, &format!("/api/v1/records/{id}")));
    assert_eq!(r["kind"], "petition");
    assert_eq!(r["sensitivity"], "sensitive");
    assert_eq!(r["category"], "廉洁纪律");
    assert_eq!(r["distribution"], json!({"level": "agencies", "agencies": [jiwei.id]}));
    assert_eq!(r["protected"], json!({"reporter_name": REPORTER}));
    assert_eq!(r["object_ids"], json!([object_id]));
    assert_eq!(r["tags"], json!(["来信", "津补贴"]));
    // The receiving unit sees the reporter: the protected field was granted to it.
    let (_, seen) = app.get(&jiwei.token, &format!("/api/v1/records/{id}"));
    assert_eq!(seen["protected"]["reporter_name"], REPORTER, "{seen}");

    // 修改: a petition's form offers only what petitions may reach.
    browser.click(&format!(".actions a[href='/records/{id}/edit']"));
    browser.assert_console_clean("修改信息");
    browser.script("document.querySelector('#part-distribution').scrollIntoView()");
    browser.screenshot("record_edit");
    let form = browser.source();
    assert!(form.contains(&format!("id=\"agency-{}\"", jiwei.id)));
    assert!(!form.contains(&format!("id=\"agency-{}\"", shenji.id)), "the audit office is offered a petition");
    assert!(!form.contains(&mixed_group), "a group with an audit office is offered a petition");
    assert!(!form.contains("id=\"level-all\""), "petitions may not go to all");
    assert_eq!(browser.script("return document.querySelector('#reporter_name').value"), REPORTER);
    browser.fill("#title", "关于某局违规发放津补贴的来信(补充)");
    browser.click("form.record-form button[type=submit]");
    assert_eq!(browser.path(), format!("/records/{id}"));
    assert!(browser.text("main h1").contains("(补充)"));
    let r = expect_status(200, app.get(&xinfang.token, &format!("/api/v1/records/{id}")));
    assert_eq!(r["version"], 2);
    assert_eq!(r["protected"], json!({"reporter_name": REPORTER}), "the edit kept the protected field");
    let (_, seen) = app.get(&jiwei.token, &format!("/api/v1/records/{id}"));
    assert_eq!(seen["protected"]["reporter_name"], REPORTER, "the edit kept the field grant: {seen}");

    // Someone else changes it while the form is open: the form again, with a plain message.
    browser.click(&format!(".actions a[href='/records/{id}/edit']"));
    expect_status(
        200,
        app.patch(&xinfang.token, &format!("/api/v1/records/{id}"), 2, json!({"body": "另一位同事的修改"})),
    );
    browser.fill("#title", "我的修改");
    browser.click("form.record-form button[type=submit]");
    assert!(browser.text(".notice").contains("已被修改(现为第 3 版)"), "{}", browser.source());
    assert_eq!(browser.script("return document.querySelector('#title').value"), "我的修改");
    assert_eq!(browser.script("return document.querySelector('input[name=version]').value"), "3");
    browser.assert_console_only_status("修改信息(版本过期)", 409);
    let r = expect_status(200, app.get(&xinfang.token, &format!("/api/v1/records/{id}")));
    assert_eq!(r["title"], "关于某局违规发放津补贴的来信(补充)", "a stale form changed the record");

    // 撤回 (the confirmation accepted): gone for everyone.
    browser.goto(&format!("/records/{id}"));
    browser.script("window.confirm = function () { return true; }");
    browser.click(&format!("form[action='/records/{id}/withdraw'] button"));
    assert_eq!(browser.path(), "/records");
    browser.assert_console_clean("撤回");
    assert_eq!(app.get(&xinfang.token, &format!("/api/v1/records/{id}")).0, 404);
    assert_eq!(app.get(&jiwei.token, &format!("/api/v1/records/{id}")).0, 404);
}

/// A post the service would refuse changes nothing: without the CSRF token (403), from a
/// role or unit that may not (403 / 404, no button offered), outside the agreements (422 in
/// place, units named), and a double submit publishes once.
fn the_record_forms_refuse_what_the_api_would(b: Backend) {
    let Hub { app, xinfang, jiwei, shenji, .. } = hub(b);
    let owner = http_sign_in(&app, "xinfang_user", PASSWORD).unwrap();
    let html = get_page(&app, "/records/new", &owner).text().unwrap();
    let (csrf, token) = (
        csrf_of(&html),
        regex::Regex::new(r#"name="token" value="([^"]+)""#).unwrap().captures(&html).unwrap()[1].to_string(),
    );
    let fields = |title: &'static str, to: &str| -> Vec<(&'static str, String)> {
        vec![
            ("kind", "petition".into()),
            ("title", title.into()),
            ("body", "正文".into()),
            ("sensitivity", "general".into()),
            ("level", "agencies".into()),
            ("agency", to.into()),
            ("category", String::new()),
        ]
    };
    let post = |path: &str, cookie: &str, f: &[(&'static str, String)]| {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post_form(&app, path, cookie, &f)
    };
    let with = |mut f: Vec<(&'static str, String)>, extra: &[(&'static str, &str)]| {
        f.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        f
    };

    // No CSRF token: 403, nothing published.
    let r = post("/records/new", &owner, &fields("无令牌的提交", &jiwei.id));
    assert_eq!(r.status().as_u16(), 403);
    assert!(records_of(&app, &xinfang.token).is_empty());

    // Outside the agreement: 422, the picker's error in place, the unit named; nothing published.
    let r = post(
        "/records/new",
        &owner,
        &with(fields("送审计局的信访件", &shenji.id), &[("csrf", &csrf), ("token", &token)]),
    );
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().unwrap();
    assert!(page.contains("id=\"distribution-error\"") && page.contains("测试单位shenji"), "{page}");
    assert!(page.contains("value=\"送审计局的信访件\""), "the title was not kept");
    assert!(records_of(&app, &xinfang.token).is_empty());

    // A double submit (same one-time token): one record, both posts lead to it.
    let ok = with(fields("同一表单提交两次", &jiwei.id), &[("csrf", &csrf), ("token", &token)]);
    let (first, second) = (post("/records/new", &owner, &ok), post("/records/new", &owner, &ok));
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (303, 303));
    assert_eq!(first.headers()["location"], second.headers()["location"]);
    let listed = records_of(&app, &xinfang.token);
    assert_eq!(listed.len(), 1, "a double submit published twice");
    let id = listed[0]["id"].as_str().unwrap().to_string();

    // A viewer of the owner unit: no 发布 / 修改 / 撤回 offered, and refused when it posts anyway.
    viewer_of(&app, &xinfang, "xinfang_viewer");
    let viewer = http_sign_in(&app, "xinfang_viewer", PASSWORD).unwrap();
    let list = get_page(&app, "/records", &viewer).text().unwrap();
    assert!(list.contains("同一表单提交两次") && !list.contains("href=\"/records/new\""), "{list}");
    let page = get_page(&app, &format!("/records/{id}"), &viewer).text().unwrap();
    assert!(!page.contains("/edit") && !page.contains("/withdraw"), "{page}");
    assert_eq!(get_page(&app, "/records/new", &viewer).status().as_u16(), 403);
    let vcsrf = csrf_of(&page);
    let r = post("/records/new", &viewer, &with(fields("查阅员发布", &jiwei.id), &[("csrf", &vcsrf)]));
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(
        post_form(&app, &format!("/records/{id}/withdraw"), &viewer, &[("csrf", &vcsrf)]).status().as_u16(),
        403
    );

    // The receiving unit reads it but does not own it: nothing offered, 403 when it tries.
    let reader = http_sign_in(&app, "jiwei_user", PASSWORD).unwrap();
    let page = get_page(&app, &format!("/records/{id}"), &reader).text().unwrap();
    assert!(page.contains("同一表单提交两次") && !page.contains("/edit") && !page.contains("/withdraw"));
    assert_eq!(get_page(&app, &format!("/records/{id}/edit"), &reader).status().as_u16(), 403);
    let rcsrf = csrf_of(&page);
    let edit = with(fields("别人改的", &jiwei.id), &[("csrf", &rcsrf), ("version", "1")]);
    assert_eq!(post(&format!("/records/{id}/edit"), &reader, &edit).status().as_u16(), 403);
    assert_eq!(
        post_form(&app, &format!("/records/{id}/withdraw"), &reader, &[("csrf", &rcsrf)]).status().as_u16(),
        403
    );

    // A unit that may not read it: the not-found page, not even the title.
    let outsider = http_sign_in(&app, "shenji_user", PASSWORD).unwrap();
    let r = get_page(&app, &format!("/records/{id}/edit"), &outsider);
    assert_eq!(r.status().as_u16(), 404);
    assert!(!r.text().unwrap().contains("同一表单提交两次"));

    // The owner's edit and withdraw without the token: 403, unchanged.
    let edit = with(fields("无令牌修改", &jiwei.id), &[("version", "1")]);
    assert_eq!(post(&format!("/records/{id}/edit"), &owner, &edit).status().as_u16(), 403);
    assert_eq!(post_form(&app, &format!("/records/{id}/withdraw"), &owner, &[]).status().as_u16(), 403);
    // A bad change from the owner: 422 in place, unchanged.
    let bad = with(fields("", &jiwei.id), &[("csrf", &csrf), ("version", "1")]);
    let r = post(&format!("/records/{id}/edit"), &owner, &bad);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("id=\"title-error\""));
    let r = expect_status(200, app.get(&xinfang.token, &format!("/api/v1/records/{id}")));
    assert_eq!((r["title"].as_str().unwrap(), r["version"].as_i64().unwrap()), ("同一表单提交两次", 1));
}

/// Officers search objects by name and by identity number (the lookup budget holds on the
/// web too), register one (field errors in place first), and an object's page lists only
/// the records their unit may see about it.
fn officers_find_register_and_open_supervision_objects(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.object_lookup_limit = 2);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xunchaban", "inspection");
    let reader = app.agency(&admin, "jiwei", "discipline");
    let outsider = app.agency(&admin, "shenji", "audit");

    let browser = Browser::open(&app.base);
    browser.sign_in("xunchaban_user", PASSWORD);
    browser.goto("/objects");
    browser.assert_console_clean("监督对象");
    browser.click(".actions a[href='/objects/new']");
    browser.fill("#name", "   ");
    browser.fill("#id_number", "110101196001011234");
    browser.click("form[action='/objects/new'] button[type=submit]");
    assert!(browser.text("#name-error").len() > 2, "{}", browser.source());
    assert!(!browser.source().contains("110101196001011234"), "an identity number came back into the page");
    browser.assert_console_only_status("登记监督对象(有误)", 422);
    browser.screenshot("object_form");
    browser.fill("#name", "张某某");
    browser.script("document.querySelector('#kind').value = 'person'");
    browser.fill("#unit", "某市某局");
    browser.fill("#position", "局长");
    browser.fill("#id_number", "110101196001011234");
    browser.click("form[action='/objects/new'] button[type=submit]");
    let object_id = browser.path().strip_prefix("/objects/").expect("on the object's page").to_string();
    assert!(browser.text("main h1").contains("张某某"));
    assert!(browser.source().contains("本单位登记"));

    // Records about it: one shared with the discipline commission, one kept to the unit.
    for (title, to) in [
        ("张某某违规收受礼金线索", json!({"level": "agencies", "agencies": [reader.id]})),
        ("张某某巡察底稿", json!({"level": "own"})),
    ] {
        let mut r = record(title, to);
        r["object_ids"] = json!([object_id]);
        expect_status(201, app.post(&owner.token, "/api/v1/records", r));
    }
    browser.goto(&format!("/objects/{object_id}"));
    let page = browser.source();
    assert!(page.contains("张某某违规收受礼金线索") && page.contains("张某某巡察底稿"), "{page}");
    browser.assert_console_clean("监督对象详情");
    browser.screenshot("object");

    // Search by name, and by number (posted; each costs one of the budget of 2).
    browser.goto("/objects?q=%E5%BC%A0%E6%9F%90");
    assert!(browser.source().contains(&format!("/objects/{object_id}")));
    browser.fill("#id_number", "110101196001011234");
    browser.click("form[action='/objects/lookup'] button[type=submit]");
    assert!(browser.source().contains(&format!("/objects/{object_id}")), "the lookup did not find it");
    browser.assert_console_clean("按证件号码查询");
    browser.screenshot("objects");
    let cookie = browser.cookie_header();
    let csrf = csrf_of(&browser.source());
    let r = post_form(&app, "/objects/lookup", &cookie, &[("csrf", &csrf), ("id_number", "110101196001011234")]);
    assert_eq!(r.status().as_u16(), 200);
    let r = post_form(&app, "/objects/lookup", &cookie, &[("csrf", &csrf), ("id_number", "110101196001011234")]);
    assert_eq!(r.status().as_u16(), 429, "the lookup budget does not hold on the web");
    assert!(r.text().unwrap().contains("查询过于频繁"));

    // Other units see the object, and of its records only what they may read.
    let seen = get_page(&app, &format!("/objects/{object_id}"), &http_sign_in(&app, "jiwei_user", PASSWORD).unwrap());
    let seen = seen.text().unwrap();
    assert!(
        seen.contains("张某某违规收受礼金线索") && !seen.contains("张某某巡察底稿") && !seen.contains("本单位登记"),
        "{seen}"
    );
    let seen = get_page(&app, &format!("/objects/{object_id}"), &http_sign_in(&app, "shenji_user", PASSWORD).unwrap());
    assert_eq!(seen.status().as_u16(), 200);
    let seen = seen.text().unwrap();
    assert!(seen.contains("张某某") && !seen.contains("收受礼金") && !seen.contains("巡察底稿"), "{seen}");
    assert!(seen.contains("没有本单位可查看的相关信息"));
    let _ = outsider;
    assert_eq!(get_page(&app, "/objects/0000000000000000000000000", &cookie).status().as_u16(), 404);
}

/// Registering an object: without the token, or by a role that may not (no button), nothing
/// is registered; bad input is shown in place.
fn the_object_forms_refuse_what_the_api_would(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let unit = app.agency(&admin, "zuzhibu", "organization");
    viewer_of(&app, &unit, "zuzhibu_viewer");
    let count =
        |app: &TestApp| expect_status(200, app.get(&unit.token, "/api/v1/objects"))["items"].as_array().unwrap().len();
    let officer = http_sign_in(&app, "zuzhibu_user", PASSWORD).unwrap();
    let page = get_page(&app, "/objects/new", &officer).text().unwrap();
    let csrf = csrf_of(&page);
    let r = post_form(&app, "/objects/new", &officer, &[("name", "某单位"), ("kind", "unit")]);
    assert_eq!(r.status().as_u16(), 403);
    let r = post_form(&app, "/objects/new", &officer, &[("csrf", &csrf), ("name", "某单位"), ("kind", "planet")]);
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().unwrap();
    assert!(page.contains("id=\"kind-error\"") && page.contains("value=\"某单位\""), "{page}");
    assert_eq!(count(&app), 0);

    let viewer = http_sign_in(&app, "zuzhibu_viewer", PASSWORD).unwrap();
    let list = get_page(&app, "/objects", &viewer);
    assert_eq!(list.status().as_u16(), 200);
    assert!(!list.text().unwrap().contains("/objects/new"));
    assert_eq!(get_page(&app, "/objects/new", &viewer).status().as_u16(), 403);
    let vcsrf = csrf_of(&get_page(&app, "/objects", &viewer).text().unwrap());
    let r = post_form(&app, "/objects/new", &viewer, &[("csrf", &vcsrf), ("name", "某单位"), ("kind", "unit")]);
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(count(&app), 0);
}

both!(
    an_officer_publishes_changes_and_withdraws_through_the_forms,
    the_record_forms_refuse_what_the_api_would,
    officers_find_register_and_open_supervision_objects,
    the_object_forms_refuse_what_the_api_would
);
