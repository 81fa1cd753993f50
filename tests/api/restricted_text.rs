//! Issue 8, leak 3: a restricted record's title and body are content. Without a purpose they
//! are not searched, not quoted by similarity and not shown in lists, inbox or feed; with one
//! they are, and each restricted disclosure is audited. Similarity tells a non-reader only
//! which agency handles a related clue, audited for both agencies.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

const SECRET_TITLE: &str = "甲乙丙丁专项线索";
const SECRET_BODY: &str = "绝密金额三百万元";

fn with_purpose(r: reqwest::blocking::RequestBuilder, purpose: Option<&str>) -> reqwest::blocking::RequestBuilder {
    match purpose {
        Some(p) => r.header("X-Access-Purpose", p.bytes().map(|b| format!("%{b:02X}")).collect::<String>()),
        None => r,
    }
}

fn get(app: &TestApp, token: &str, path: &str, query: &[(&str, &str)], purpose: Option<&str>) -> (u16, Value) {
    send(with_purpose(app.req(Method::GET, path, Some(token)).query(query), purpose))
}

fn audit(app: &TestApp, admin: &str, action: &str) -> Vec<Value> {
    let (s, a) = send(app.req(Method::GET, "/api/v1/audit", Some(admin)).query(&[("action", action)]));
    assert_eq!(s, 200, "{a}");
    a["items"].as_array().unwrap().clone()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect()
}

/// Leak 3a: search never looks into restricted text without a purpose — neither through the
/// search index nor by substring (what the index has not reached yet).
fn search_looks_into_restricted_text_only_with_a_purpose(b: Backend) {
    search_with_or_without_the_index(b, true);
    search_with_or_without_the_index(b, false);
}

fn search_with_or_without_the_index(b: Backend, indexed: bool) {
    let app = TestApp::spawn_with(b, |s| s.delivery_workers = indexed);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "jiwei", "discipline");
    let reader = app.agency(&admin, "jiancha", "procuratorate");
    let to_reader = json!({"level": "agencies", "agencies": [reader.id]});
    let (s, r) = app.post(&owner.token, "/api/v1/records", json!({"kind": "clue", "title": SECRET_TITLE, "body": SECRET_BODY, "sensitivity": "restricted", "distribution": to_reader}));
    assert_eq!(s, 201, "{r}");
    let secret = r["id"].as_str().unwrap().to_string();
    let (s, r) = app.post(
        &owner.token,
        "/api/v1/records",
        json!({"kind": "clue", "title": "普通通报", "body": "涉及金额三百万元的普通通报", "distribution": to_reader}),
    );
    assert_eq!(s, 201, "{r}");
    let plain = r["id"].as_str().unwrap().to_string();
    if indexed {
        app.settle();
    }

    // Without a purpose: the body and the title are not looked into, for the reader and the
    // owner alike; the general record is found as before.
    for token in [&reader.token, &owner.token] {
        let (s, p) = get(&app, token, "/api/v1/records", &[("q", "三百万")], None);
        assert_eq!((s, ids(&p)), (200, vec![plain.clone()]), "{p}");
        let p = expect_status(200, get(&app, token, "/api/v1/records", &[("q", "甲乙丙丁")], None));
        assert!(ids(&p).is_empty(), "{p}");
    }
    assert!(audit(&app, &admin, "record.list").is_empty());
    // With a purpose: found, shown and audited.
    let (s, p) = get(&app, &reader.token, "/api/v1/records", &[("q", "三百万")], Some("办理案件需要"));
    assert_eq!(s, 200, "{p}");
    assert_eq!(ids(&p).len(), 2, "{p}");
    let hit = p["items"].as_array().unwrap().iter().find(|x| x["id"] == secret.as_str()).unwrap().clone();
    assert_eq!((hit["title"].as_str(), hit["body"].as_str()), (Some(SECRET_TITLE), Some(SECRET_BODY)));
    let p = expect_status(200, get(&app, &reader.token, "/api/v1/records", &[("q", "甲乙丙丁")], Some("办理案件需要")));
    assert_eq!(ids(&p), vec![secret.clone()]);
    let entries = audit(&app, &admin, "record.list");
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries.iter().all(|e| e["purpose"] == "办理案件需要" && e["actor_agency_id"] == reader.id.as_str()));
    assert!(entries.iter().all(|e| e["detail"]["record_ids"] == json!([secret])), "{entries:?}");
}

/// A restricted record's title shows in lists, inbox and feed only with a purpose.
fn restricted_titles_need_a_purpose_in_lists_inbox_and_feed(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "jiwei", "discipline");
    let reader = app.agency(&admin, "jiancha", "procuratorate");
    let (s, _) = app.post(&reader.token, "/api/v1/subscriptions", json!({"name": "全部线索", "kinds": ["clue"]}));
    assert_eq!(s, 201);
    let (s, r) = app.post(&owner.token, "/api/v1/records", json!({"kind": "clue", "title": SECRET_TITLE, "body": SECRET_BODY, "sensitivity": "restricted", "distribution": {"level": "agencies", "agencies": [reader.id]}}));
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_str().unwrap().to_string();
    let views = [
        ("/api/v1/records", "items", vec![]),
        ("/api/v1/inbox", "items", vec![]),
        ("/api/v1/feed", "events", vec![("limit", "500")]),
    ];
    for (path, key, query) in &views {
        // Without a purpose: the placeholder, nothing of the title or body anywhere.
        let (s, page) = get(&app, &reader.token, path, query, None);
        assert_eq!(s, 200, "{path}: {page}");
        let item = page[*key].as_array().unwrap().iter().find(|x| x.to_string().contains(&id)).cloned();
        let item = item.unwrap_or_else(|| panic!("{path} lists the record: {page}"));
        let record = if *key == "events" || *path == "/api/v1/inbox" { &item["record"] } else { &item };
        assert_eq!((record["title"].as_str(), record["content_withheld"].as_bool()), (Some("受限信息"), Some(true)));
        let text = page.to_string();
        assert!(!text.contains("甲乙丙丁") && !text.contains("三百万"), "{path} without a purpose: {text}");
        // With a purpose: the title (and in lists and feed, the content) is shown.
        let (s, page) = get(&app, &reader.token, path, query, Some("核查线索"));
        assert_eq!(s, 200, "{path}: {page}");
        assert!(page.to_string().contains(SECRET_TITLE), "{path} with a purpose: {page}");
    }
    // Every disclosure with a purpose was audited, by the reader.
    let listed = audit(&app, &admin, "record.list");
    assert_eq!(listed.len(), 2, "list and inbox: {listed:?}");
    assert_eq!(audit(&app, &admin, "feed.read").len(), 1);
}

fn object(app: &TestApp, a: &Agency) -> String {
    let (s, o) = app.post(&a.token, "/api/v1/objects", json!({"name": "市住房和城乡建设局", "kind": "unit"}));
    assert_eq!(s, 201, "{o}");
    o["id"].as_str().unwrap().to_string()
}

fn similar(app: &TestApp, a: &Agency, id: &str, purpose: Option<&str>) -> (u16, Value) {
    let (s, page) = get(app, &a.token, &format!("/api/v1/records/{id}/similar"), &[], purpose);
    // The page's items (a refusal's problem body as it is).
    (s, if s == 200 { page["items"].clone() } else { page })
}

const TITLE_THEIRS: &str = "关于市住建局违规发放津补贴的举报";
const BODY_THEIRS: &str = "反映市住建局2023年至2025年以加班费名义违规发放津补贴共计46.8万元";
const BODY_MINE: &str = "巡察发现:2023年至2025年,市住建局以加班费名义违规发放津补贴,共计46.8万元";

/// Leak 3b: similarity never quotes or ranks by restricted text without a purpose; a
/// non-reader learns only who handles a related clue, audited for both agencies.
fn similarity_quotes_no_restricted_text_without_a_purpose(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let xc = app.agency(&admin, "xuncha", "inspection");
    let cz = app.agency(&admin, "caizheng", "finance");
    let o = object(&app, &xc);
    let (s, r) = app.post(&jw.token, "/api/v1/records", json!({"kind": "clue", "title": TITLE_THEIRS, "body": BODY_THEIRS, "object_ids": [o], "sensitivity": "restricted", "distribution": {"level": "agencies", "agencies": [xc.id]}}));
    assert_eq!(s, 201, "{r}");
    let secret = r["id"].as_str().unwrap().to_string();
    let mine = crate::transfers::clue(&app, &xc, "市住建局违规发放津补贴问题线索", BODY_MINE, &[&o]);

    // Without a purpose the restricted clue takes no part, though xc may read it.
    let (s, sim) = similar(&app, &xc, &mine, None);
    assert_eq!(s, 200, "{sim}");
    assert_eq!(sim, json!([]), "{sim}");
    // With a purpose it is shown with the shared text, and audited.
    let (s, sim) = similar(&app, &xc, &mine, Some("核查重复办理"));
    assert_eq!(s, 200, "{sim}");
    assert_eq!(sim[0]["record_id"], secret.as_str(), "{sim}");
    assert!(sim[0]["reason"].as_str().unwrap().contains("违规发放津补贴"), "{sim}");
    let read = audit(&app, &admin, "record.similar");
    assert_eq!(read.len(), 1, "{read:?}");
    assert_eq!(
        (read[0]["purpose"].as_str(), read[0]["actor_agency_id"].as_str()),
        (Some("核查重复办理"), Some(xc.id.as_str()))
    );
    // The owner of the restricted clue compares it only with a purpose (428 without); xc's
    // clue it may not read shows as handled by xc, nothing more.
    assert_eq!(similar(&app, &jw, &secret, None).0, 428);
    let (s, sim) = similar(&app, &jw, &secret, Some("核查重复办理"));
    assert_eq!(s, 200, "{sim}");
    assert_eq!(sim.as_array().unwrap().len(), 1, "{sim}");
    assert_eq!(
        (sim[0]["entitled"].as_bool(), sim[0]["record_id"].is_null(), sim[0]["title"].is_null()),
        (Some(false), true, true)
    );
    assert_eq!(sim[0]["handled_by"], json!(["测试单位xuncha"]));
    assert!(!sim.to_string().contains(&mine) && !sim.to_string().contains("巡察发现"), "{sim}");

    // A third agency with a similar clue: without a purpose, only xc's general clue shows
    // (who handles it); nothing of the restricted one, not even its handler.
    let theirs = crate::transfers::clue(&app, &cz, "财政局掌握的津补贴线索", BODY_MINE, &[&o]);
    let (s, sim) = similar(&app, &cz, &theirs, None);
    assert_eq!(s, 200, "{sim}");
    let handlers: Vec<Value> = sim.as_array().unwrap().iter().map(|x| x["handled_by"].clone()).collect();
    assert_eq!(handlers, vec![json!(["测试单位xuncha"])], "{sim}");
    let text = sim.to_string();
    assert!(!text.contains(&secret) && !text.contains("举报") && !text.contains("测试单位jiwei"), "{text}");
    // Each handlers-only disclosure is audited for both agencies: the reader's entry and an
    // entry in the handler's own part of the log.
    let told = audit(&app, &admin, "similar.disclosed");
    let readers: Vec<&str> = told.iter().filter_map(|e| e["actor_agency_id"].as_str()).collect();
    assert!(readers.contains(&cz.id.as_str()) && readers.contains(&jw.id.as_str()), "{told:?}");
    let named = audit(&app, &admin, "similar.disclosed_to");
    let pairs: Vec<(&str, &str)> = named
        .iter()
        .map(|e| (e["actor_agency_id"].as_str().unwrap(), e["detail"]["to_agency_id"].as_str().unwrap()))
        .collect();
    assert!(pairs.contains(&(xc.id.as_str(), cz.id.as_str())), "{named:?}");
    assert!(pairs.contains(&(xc.id.as_str(), jw.id.as_str())), "{named:?}");
    assert!(!pairs.iter().any(|(a, _)| *a == jw.id.as_str()), "jw was never named: {named:?}");
}

both!(
    search_looks_into_restricted_text_only_with_a_purpose,
    restricted_titles_need_a_purpose_in_lists_inbox_and_feed,
    similarity_quotes_no_restricted_text_without_a_purpose
);
