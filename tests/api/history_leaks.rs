//! Issue 8, leak 2: a record's history shows a version only to a reader entitled to it as it
//! was distributed then and entitled now, under the stricter sensitivity of the two; a
//! restricted version needs a purpose and is audited; the history is paged.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

fn history(app: &TestApp, token: &str, id: &str, query: &[(&str, &str)], purpose: Option<&str>) -> (u16, Value) {
    let mut r = app.req(Method::GET, &format!("/api/v1/records/{id}/history"), Some(token)).query(query);
    if let Some(p) = purpose {
        let encoded: String = p.bytes().map(|b| format!("%{b:02X}")).collect();
        r = r.header("X-Access-Purpose", encoded);
    }
    send(r)
}

fn versions(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|e| e["version"].as_i64().unwrap()).collect()
}

fn history_audits(app: &TestApp, admin: &str, id: &str) -> Vec<Value> {
    let audit = expect_status(
        200,
        send(
            app.req(Method::GET, "/api/v1/audit", Some(admin))
                .query(&[("action", "record.history"), ("resource_id", id)]),
        ),
    );
    audit["items"].as_array().unwrap().clone()
}

/// The attack: restricted/own, then redacted and widened to all; version 1's body must not
/// reach anyone but the owner, and the owner only with a purpose.
fn history_hides_versions_distributed_more_narrowly(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "jiwei", "discipline");
    let other = app.agency(&admin, "caizheng", "finance");
    let (s, r) = app.post(
        &owner.token,
        "/api/v1/records",
        json!({"kind": "case", "title": "某局长受贿案初核", "body": "初核发现受贿金额三百八十万元", "sensitivity": "restricted", "distribution": {"level": "own"}}),
    );
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_str().unwrap().to_string();
    let (s, r) = app.patch(
        &owner.token,
        &format!("/api/v1/records/{id}"),
        1,
        json!({"title": "案件通报", "body": "(已删节)", "sensitivity": "general", "distribution": {"level": "all"}}),
    );
    assert_eq!(s, 200, "{r}");

    // Negative: the other agency reads today's version only; no trace of version 1, with or
    // without a purpose.
    for purpose in [None, Some("了解案情")] {
        let (s, h) = history(&app, &other.token, &id, &[], purpose);
        assert_eq!(s, 200, "{h}");
        assert_eq!(versions(&h), vec![2], "{h}");
        let text = h.to_string();
        assert!(!text.contains("三百八十万") && !text.contains("某局长受贿案"), "{text}");
    }
    assert!(history_audits(&app, &admin, &id).is_empty(), "nothing restricted was disclosed");
    // Positive: the owner sees both, but version 1 was restricted: a purpose first (428).
    let (s, p) = history(&app, &owner.token, &id, &[], None);
    assert_eq!(s, 428, "{p}");
    let (s, h) = history(&app, &owner.token, &id, &[], Some("案件复查"));
    assert_eq!(s, 200, "{h}");
    assert_eq!(versions(&h), vec![1, 2]);
    assert_eq!(h["items"][0]["record"]["body"], "初核发现受贿金额三百八十万元");
    let audits = history_audits(&app, &admin, &id);
    assert_eq!(audits.len(), 1, "{audits:?}");
    assert_eq!(audits[0]["purpose"], "案件复查");
    assert_eq!(audits[0]["actor_agency_id"], owner.id.as_str());
}

/// Protected fields and sensitivity take the stricter of the version and now; entitled then
/// but not now shows nothing.
fn history_takes_the_stricter_of_then_and_now(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xinfang", "petition");
    let reader = app.agency(&admin, "jiwei", "discipline");
    let (s, r) = app.post(
        &owner.token,
        "/api/v1/records",
        json!({"kind": "petition", "title": "举报件", "body": "举报内容", "sensitivity": "restricted",
               "distribution": {"level": "agencies", "agencies": [reader.id]},
               "protected": {"reporter_name": "李举报"}, "field_grants": [reader.id]}),
    );
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_str().unwrap().to_string();
    // Version 1 restricted: the reader needs a purpose for the history too.
    assert_eq!(history(&app, &reader.token, &id, &[], None).0, 428);
    let (s, h) = history(&app, &reader.token, &id, &[], Some("核查举报"));
    assert_eq!(s, 200, "{h}");
    assert_eq!(h["items"][0]["record"]["protected"]["reporter_name"], "李举报");
    // Lowered to general and the field grant withdrawn: version 1 still needs a purpose (it
    // was restricted), and its reporter is now redacted (no grant now).
    let (s, _) = app.patch(
        &owner.token,
        &format!("/api/v1/records/{id}"),
        1,
        json!({"sensitivity": "sensitive", "field_grants": []}),
    );
    assert_eq!(s, 200);
    assert_eq!(history(&app, &reader.token, &id, &[], None).0, 428);
    let (s, h) = history(&app, &reader.token, &id, &[], Some("核查举报"));
    assert_eq!(s, 200, "{h}");
    assert_eq!(versions(&h), vec![1, 2]);
    assert!(!h.to_string().contains("李举报"), "{h}");
    // Narrowed away from the reader: the whole history is 404 for it.
    let other = app.agency(&admin, "zuzhi", "organization");
    let (s, _) = app.patch(
        &owner.token,
        &format!("/api/v1/records/{id}"),
        2,
        json!({"distribution": {"level": "agencies", "agencies": [other.id]}}),
    );
    assert_eq!(s, 200);
    assert_eq!(history(&app, &reader.token, &id, &[], Some("核查举报")).0, 404);
    // The new recipient sees only the version distributed to it.
    let (s, h) = history(&app, &other.token, &id, &[], None);
    assert_eq!((s, versions(&h)), (200, vec![3]), "{h}");
}

/// The history is paged by cursor; a bad cursor or limit is a 4xx problem.
fn history_pages_by_cursor(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let r = expect_status(201, app.post(&owner.token, "/api/v1/records", record("第1版", json!({"level": "own"}))));
    let id = r["id"].as_str().unwrap().to_string();
    for v in 1..5 {
        let (s, _) =
            app.patch(&owner.token, &format!("/api/v1/records/{id}"), v, json!({"title": format!("第{}版", v + 1)}));
        assert_eq!(s, 200);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut q = vec![("limit", "2".to_string())];
        if let Some(c) = &cursor {
            q.push(("cursor", c.clone()));
        }
        let q: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (s, h) = history(&app, &owner.token, &id, &q, None);
        assert_eq!(s, 200, "{h}");
        seen.extend(versions(&h));
        pages += 1;
        match h["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(pages < 10, "paging must end");
    }
    assert_eq!(seen, vec![1, 2, 3, 4, 5]);
    assert_eq!(pages, 3);
    assert_eq!(history(&app, &owner.token, &id, &[("cursor", "!!")], None).0, 400);
    assert_eq!(history(&app, &owner.token, &id, &[("limit", "0")], None).0, 422);
}

both!(
    history_hides_versions_distributed_more_narrowly,
    history_takes_the_stricter_of_then_and_now,
    history_pages_by_cursor
);
