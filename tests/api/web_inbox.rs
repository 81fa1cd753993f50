//! The web client's 订阅与收件箱 pages (issue 10), in a real Chromium and over plain HTTP.

use serde_json::{json, Value};

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::transfers::clue;
use crate::web_http::*;

const TAGGED: &str = "巡察移交:市交通局工程项目围标串标线索";
const RESTRICTED: &str = "某区主要领导干部插手工程项目线索";

fn subscriptions(app: &TestApp, a: &Agency) -> Vec<Value> {
    expect_status(200, app.get(&a.token, "/api/v1/subscriptions"))["items"].as_array().unwrap().clone()
}

fn inbox(app: &TestApp, a: &Agency) -> Vec<Value> {
    let (s, v) = send(
        app.req(reqwest::Method::GET, "/api/v1/inbox", Some(&a.token)).query(&[("state", "all"), ("limit", "500")]),
    );
    assert_eq!(s, 200, "{v}");
    v["items"].as_array().unwrap().clone()
}

/// `to` is told of `from`'s clue on the same object about the same matter (重复办理).
fn duplicate_pair(app: &TestApp, from: &Agency, to: &Agency) {
    let obj = expect_status(
        201,
        app.post(&from.token, "/api/v1/objects", json!({"name": "市住房和城乡建设局", "kind": "unit"})),
    );
    let o = obj["id"].as_str().unwrap();
    clue(
        app,
        to,
        "关于市住建局违规发放津补贴的举报",
        "反映市住建局2023年至2025年以加班费名义违规发放津补贴共计46.8万元",
        &[o],
    );
    clue(
        app,
        from,
        "市住建局违规发放津补贴问题线索",
        "巡察发现:2023年至2025年,市住建局以加班费名义违规发放津补贴,共计46.8万元",
        &[o],
    );
    // The flag arrives after commit, from the job that follows the event log.
    app.settle();
}

fn publish(app: &TestApp, by: &Agency, body: Value) -> String {
    let r = expect_status(201, app.post(&by.token, "/api/v1/records", body));
    r["id"].as_str().unwrap().to_string()
}

/// Subscribing through the form, the match and a duplicate flag in the inbox (the flag
/// marked apart), 已阅, the workbench's way to the inbox, and deleting the subscription.
fn the_inbox_and_subscriptions_work_in_the_browser(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let xc = app.agency(&admin, "xuncha", "inspection");

    let browser = Browser::open(&app.base);
    browser.sign_in("jiwei_user", PASSWORD);
    browser.goto("/inbox");
    assert!(browser.text("main .empty").contains("没有未读消息"));
    browser.assert_console_clean("收件箱(空)");
    browser.click("a[href='/subscriptions']:not(nav a)");
    assert!(browser.text("main").contains("本单位还没有订阅"));
    browser.assert_console_clean("订阅");
    browser.fill("#name", "巡察移交的问题线索");
    browser.script("document.getElementById('kind-clue').checked = true");
    browser.fill("#tags", "巡察移交");
    browser.click("form[action='/subscriptions'] button[type=submit]");
    assert_eq!(browser.path(), "/subscriptions");
    assert!(browser.text("main").contains("巡察移交的问题线索") && browser.text("main").contains("标签:巡察移交"));
    let subs = subscriptions(&app, &jw);
    assert_eq!(subs.len(), 1);
    assert_eq!((subs[0]["kinds"].clone(), subs[0]["tags"].clone()), (json!(["clue"]), json!(["巡察移交"])));

    // A matching record and a flag of possible duplicate handling arrive.
    let mut tagged = record(TAGGED, json!({"level": "agencies", "agencies": [jw.id]}));
    tagged["tags"] = json!(["巡察移交"]);
    let rid = publish(&app, &xc, tagged);
    duplicate_pair(&app, &xc, &jw);
    browser.goto("/inbox");
    let list = browser.text("ul.inbox-items");
    assert!(list.contains(TAGGED) && list.contains("订阅命中"), "{list}");
    assert!(browser.text("li.inbox-dup").contains("可能重复办理"), "the flag is marked apart");
    assert!(browser.text("li.inbox-dup").contains("测试单位xuncha"));
    assert!(browser.source().contains(&format!("href=\"/records/{rid}\"")));
    browser.assert_console_clean("收件箱");
    browser.screenshot("inbox");

    // 已阅: the match leaves the unread list, stays in 全部 as read.
    browser.click("li:not(.inbox-dup) form[action$='/ack'] button[type=submit]");
    assert_eq!(browser.path(), "/inbox");
    assert!(!browser.text("main").contains(TAGGED));
    assert!(browser.text("main").contains("可能重复办理"));
    browser.goto("/inbox?state=all");
    assert!(browser.text("main").contains(TAGGED) && browser.text("main").contains("已阅"));
    browser.assert_console_clean("收件箱(全部)");
    let item = inbox(&app, &jw).into_iter().find(|i| i["record"]["id"] == rid.as_str()).unwrap();
    assert!(item["acked_at"].is_string(), "{item}");

    // The workbench leads to the inbox.
    browser.goto("/");
    browser.click("a[href='/inbox']:not(nav a)");
    assert_eq!(browser.path(), "/inbox");

    // Deleting asks first, then the subscription is gone.
    browser.goto("/subscriptions");
    browser.script("window.confirm = function () { return true; }");
    browser.click("form[action$='/delete'] button[type=submit]");
    assert!(browser.text("main").contains("本单位还没有订阅"));
    assert!(subscriptions(&app, &jw).is_empty());
}

/// The inbox shows only what the unit may read now: a restricted title never (the record
/// page asks for the purpose), a withdrawn or redistributed-away record not at all. Another
/// unit's items cannot be acknowledged, nor its subscriptions seen or deleted.
fn the_inbox_never_shows_what_the_unit_may_not_read(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let xc = app.agency(&admin, "xuncha", "inspection");
    expect_status(201, app.post(&jw.token, "/api/v1/subscriptions", json!({"name": "全部线索", "kinds": ["clue"]})));
    let theirs = expect_status(
        201,
        app.post(&xc.token, "/api/v1/subscriptions", json!({"name": "巡察办自己的订阅", "tags": ["专项"]})),
    );
    let theirs = theirs["id"].as_str().unwrap().to_string();
    let to_jw = json!({"level": "agencies", "agencies": [jw.id]});

    let mut restricted = record(RESTRICTED, to_jw.clone());
    restricted["sensitivity"] = json!("restricted");
    let restricted = publish(&app, &xc, restricted);
    let withdrawn = publish(&app, &xc, record("随后撤回的线索", to_jw.clone()));
    let moved = publish(&app, &xc, record("随后收回分发的线索", to_jw.clone()));
    assert_eq!(inbox(&app, &jw).len(), 3, "all three arrive");
    assert_eq!(app.delete(&xc.token, &format!("/api/v1/records/{withdrawn}")).0, 204);
    let (s, r) =
        app.patch(&xc.token, &format!("/api/v1/records/{moved}"), 1, json!({"distribution": {"level": "own"}}));
    assert_eq!(s, 200, "{r}");

    let cookie = http_sign_in(&app, "jiwei_user", PASSWORD).unwrap();
    for path in ["/inbox", "/inbox?state=all", "/"] {
        let page = get_page(&app, path, &cookie).text().unwrap();
        assert!(!page.contains(RESTRICTED) && !page.contains("插手工程"), "{path}: a restricted title");
        assert!(!page.contains("随后撤回的线索") && !page.contains("随后收回分发的线索"), "{path}: {page}");
        assert!(!page.contains(&withdrawn) && !page.contains(&moved), "{path}");
    }
    let page = get_page(&app, "/inbox", &cookie).text().unwrap();
    assert!(page.contains("受限信息") && page.contains(&format!("/records/{restricted}")), "{page}");

    // Another unit: the item is not its to acknowledge; its subscriptions are not listed
    // here and cannot be deleted from here.
    let item = inbox(&app, &jw)[0]["id"].as_str().unwrap().to_string();
    let other = http_sign_in(&app, "xuncha_user", PASSWORD).unwrap();
    let ocsrf = csrf_of(&get_page(&app, "/inbox", &other).text().unwrap());
    assert_eq!(post_form(&app, &format!("/inbox/{item}/ack"), &other, &[("csrf", &ocsrf)]).status().as_u16(), 404);
    assert!(inbox(&app, &jw)[0]["acked_at"].is_null());
    let subs = get_page(&app, "/subscriptions", &cookie).text().unwrap();
    assert!(subs.contains("全部线索") && !subs.contains("巡察办自己的订阅") && !subs.contains(&theirs), "{subs}");
    let r = post_form(&app, &format!("/subscriptions/{theirs}/delete"), &cookie, &[("csrf", &csrf_of(&subs))]);
    assert_eq!(r.status().as_u16(), 404);
    assert!(r.text().unwrap().contains("页面不存在"));
    assert_eq!(subscriptions(&app, &xc).len(), 1);
}

/// Forged posts (403) and bad input (422, errors in place, values kept) change nothing; a
/// read-only officer is offered no subscription form and is refused if it posts anyway.
fn inbox_and_subscription_forms_refuse_forgeries_bad_input_and_readers(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let xc = app.agency(&admin, "xuncha", "inspection");
    let cookie = http_sign_in(&app, "jiwei_user", PASSWORD).unwrap();
    let page = get_page(&app, "/subscriptions", &cookie).text().unwrap();
    assert!(page.contains("action=\"/subscriptions\""));
    let csrf = csrf_of(&page);

    for forged in [vec![], vec![("csrf", "forged")]] {
        let mut f = forged.clone();
        f.push(("name", "伪造的订阅"));
        assert_eq!(post_form(&app, "/subscriptions", &cookie, &f).status().as_u16(), 403);
    }
    let r = post_form(
        &app,
        "/subscriptions",
        &cookie,
        &[("csrf", &csrf), ("name", ""), ("kinds", "clue"), ("object_ids", "不是编号"), ("tags", "专项检查")],
    );
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().unwrap();
    assert!(page.matches("class=\"field-error\"").count() >= 2, "{page}");
    assert!(
        page.contains("编号格式无效") && page.contains("value=\"不是编号\"") && page.contains("value=\"专项检查\""),
        "{page}"
    );
    let r = post_form(
        &app,
        "/subscriptions",
        &cookie,
        &[("csrf", &csrf), ("name", "按类别"), ("categories", "没有这个类别")],
    );
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("问题类别“没有这个类别”不存在"));
    assert!(subscriptions(&app, &jw).is_empty());

    // Delete and 已阅 without the token.
    let sub = expect_status(
        201,
        app.post(&jw.token, "/api/v1/subscriptions", json!({"name": "全部线索", "kinds": ["clue"]})),
    );
    let sub = sub["id"].as_str().unwrap().to_string();
    publish(&app, &xc, record("审计发现的问题线索", json!({"level": "all"})));
    let item = inbox(&app, &jw)[0]["id"].as_str().unwrap().to_string();
    assert_eq!(post_form(&app, &format!("/subscriptions/{sub}/delete"), &cookie, &[]).status().as_u16(), 403);
    assert_eq!(post_form(&app, &format!("/inbox/{item}/ack"), &cookie, &[("csrf", "x")]).status().as_u16(), 403);
    assert_eq!(subscriptions(&app, &jw).len(), 1);
    assert!(inbox(&app, &jw)[0]["acked_at"].is_null());

    // A read-only officer: the list, no form, no delete; refused when posting anyway.
    let (s, u) = app.post(
        &app.unit_admin(&jw),
        "/api/v1/users",
        json!({"username": "jiwei_viewer", "password": PASSWORD,
        "agency_id": jw.id, "roles": ["viewer"], "email": "jiwei_viewer@example.gov.cn"}),
    );
    assert_eq!(s, 201, "{u}");
    let viewer = http_sign_in(&app, "jiwei_viewer", PASSWORD).unwrap();
    let page = get_page(&app, "/subscriptions", &viewer).text().unwrap();
    assert!(page.contains("全部线索"));
    assert!(!page.contains("action=\"/subscriptions\"") && !page.contains("/delete\""), "{page}");
    let vcsrf = csrf_of(&page);
    let r = post_form(&app, "/subscriptions", &viewer, &[("csrf", &vcsrf), ("name", "只读用户的订阅")]);
    assert_eq!(r.status().as_u16(), 403);
    let r = post_form(&app, &format!("/subscriptions/{sub}/delete"), &viewer, &[("csrf", &vcsrf)]);
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(subscriptions(&app, &jw).len(), 1);
}

/// The inbox pages with the service's cursor (下一页), unread and all alike.
fn the_inbox_pages(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let xc = app.agency(&admin, "xuncha", "inspection");
    expect_status(201, app.post(&jw.token, "/api/v1/subscriptions", json!({"name": "全部线索", "kinds": ["clue"]})));
    let ids: Vec<String> =
        (0..21).map(|i| publish(&app, &xc, record(&format!("分页线索{i:02}"), json!({"level": "all"})))).collect();
    let cookie = http_sign_in(&app, "jiwei_user", PASSWORD).unwrap();
    let rows = |page: &str| ids.iter().filter(|id| page.contains(&format!("/records/{id}\""))).count();
    let more = regex::Regex::new(r#"href="(/inbox\?[^"]+)">下一页"#).unwrap();
    for state in ["unacked", "all"] {
        let first = get_page(&app, &format!("/inbox?state={state}"), &cookie).text().unwrap();
        assert_eq!(rows(&first), 20, "{state}");
        assert!(first.contains("分页线索20") && !first.contains("分页线索00"), "newest first");
        let next = more.captures(&first).expect("下一页")[1].replace("&amp;", "&").replace("&#38;", "&");
        let second = get_page(&app, &next, &cookie).text().unwrap();
        assert_eq!(rows(&second), 1, "{state}");
        assert!(second.contains("分页线索00") && !second.contains("下一页"));
    }
}

both!(
    the_inbox_pages,
    the_inbox_and_subscriptions_work_in_the_browser,
    the_inbox_never_shows_what_the_unit_may_not_read,
    inbox_and_subscription_forms_refuse_forgeries_bad_input_and_readers
);
