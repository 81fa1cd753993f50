//! Issue 8, leak 1: a deliberation is not a way to re-share a clue. Only the owner or the
//! receiver of a live transfer convenes, within the owner's sharing agreements; participants
//! read the clue without protected fields unless the owner grants them; the owner sees every
//! grant made on its clue.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

const REPORTER: &str = "举报人张某某";
const PHONE: &str = "13912345678";

/// A sensitive clue with the reporter's identity protected, distributed to `to`.
fn sensitive_clue(app: &TestApp, owner: &Agency, to: &[&Agency]) -> String {
    let ids: Vec<&str> = to.iter().map(|a| a.id.as_str()).collect();
    let distribution =
        if ids.is_empty() { json!({"level": "own"}) } else { json!({"level": "agencies", "agencies": ids}) };
    let (s, r) = app.post(
        &owner.token,
        "/api/v1/records",
        json!({"kind": "clue", "title": "反映某局长违规收受礼金的线索", "body": "线索正文", "distribution": distribution,
               "sensitivity": "sensitive", "protected": {"reporter_name": REPORTER, "reporter_phone": PHONE}}),
    );
    assert_eq!(s, 201, "{r}");
    r["id"].as_str().unwrap().to_string()
}

fn convene(app: &TestApp, by: &Agency, record: &str, with: &[&Agency]) -> (u16, Value) {
    let ids: Vec<&str> = with.iter().map(|a| a.id.as_str()).collect();
    app.post(
        &by.token,
        "/api/v1/deliberations",
        json!({"record_id": record, "title": "会商", "participant_agency_ids": ids}),
    )
}

fn leaks_reporter(v: &Value) -> bool {
    let t = v.to_string();
    t.contains(REPORTER) || t.contains(PHONE)
}

fn feed(app: &TestApp, a: &Agency) -> Value {
    let (s, f) = send(app.req(Method::GET, "/api/v1/feed", Some(&a.token)).query(&[("limit", "500")]));
    assert_eq!(s, 200, "{f}");
    f
}

/// The attack: a mere recipient convenes with a third agency, which then reads the reporter.
fn a_recipient_cannot_reshare_a_clue_by_deliberation(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xinfang", "petition");
    let recipient = app.agency(&admin, "jiwei", "discipline");
    let third = app.agency(&admin, "shenji", "audit");
    let id = sensitive_clue(&app, &owner, &[&recipient]);

    // Negative: the recipient may read the clue but not convene on it; the third agency
    // gains nothing.
    let (s, p) = convene(&app, &recipient, &id, &[&third]);
    assert_eq!(s, 403, "{p}");
    assert_eq!(app.get(&third.token, &format!("/api/v1/records/{id}")).0, 404);
    let list = expect_status(200, app.get(&third.token, "/api/v1/deliberations"))["items"].clone();
    assert!(list.as_array().unwrap().is_empty(), "{list}");
    // An agency that may not read the clue gets 404, as for any unentitled record.
    assert_eq!(convene(&app, &third, &id, &[&recipient]).0, 404);

    // Positive: the owner convenes; the participant reads the clue, protected fields
    // redacted — in the read, its history and its feed.
    let (s, d) = convene(&app, &owner, &id, &[&third]);
    assert_eq!(s, 201, "{d}");
    let (s, v) = app.get(&third.token, &format!("/api/v1/records/{id}"));
    assert_eq!(s, 200, "{v}");
    assert_eq!((v["redacted"].as_bool(), v["protected"].is_null()), (Some(true), true), "{v}");
    assert!(!leaks_reporter(&v), "{v}");
    let (s, h) = app.get(&third.token, &format!("/api/v1/records/{id}/history"));
    assert_eq!(s, 200);
    assert!(!leaks_reporter(&h), "{h}");
    assert!(!leaks_reporter(&feed(&app, &third)));
    // A participant may not convene further either.
    let outsider = app.agency(&admin, "caizheng", "finance");
    assert_eq!(convene(&app, &third, &id, &[&outsider]).0, 403);
    assert_eq!(app.get(&outsider.token, &format!("/api/v1/records/{id}")).0, 404);

    // The owner grants the protected fields explicitly (field_grants): now the participant
    // sees them, and that disclosure is audited.
    let (s, r) = app.patch(&owner.token, &format!("/api/v1/records/{id}"), 1, json!({"field_grants": [third.id]}));
    assert_eq!(s, 200, "{r}");
    let v = expect_status(200, app.get(&third.token, &format!("/api/v1/records/{id}")));
    assert_eq!(v["protected"]["reporter_name"], REPORTER, "{v}");
    let audit = expect_status(
        200,
        send(
            app.req(Method::GET, "/api/v1/audit", Some(&admin))
                .query(&[("action", "record.read"), ("resource_id", &id)]),
        ),
    );
    let readers: Vec<&str> =
        audit["items"].as_array().unwrap().iter().filter_map(|e| e["actor_agency_id"].as_str()).collect();
    assert!(readers.contains(&third.id.as_str()), "{audit}");
}

/// The receiver of a live transfer may convene, but only within the owner's agreements; once
/// the transfer is returned it may not.
fn a_transfer_receiver_convenes_within_the_owners_agreements(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let receiver = app.agency(&admin, "jiwei", "discipline");
    let allowed = app.agency(&admin, "jiancha", "procuratorate");
    let refused = app.agency(&admin, "shenji", "audit");
    let (s, a) = app.post(&admin, "/api/v1/agreements", json!({"name": "巡察线索仅送纪检和检察", "source_kind": "inspection", "record_kind": "clue", "recipient_kinds": ["discipline", "procuratorate"], "protected_fields": true}));
    assert_eq!(s, 201, "{a}");
    let id = sensitive_clue(&app, &owner, &[]);
    let (s, t) = crate::transfers::transfer(&app, &owner, &id, &receiver);
    assert_eq!(s, 201, "{t}");
    let tid = t["id"].as_str().unwrap().to_string();

    // Negative: outside the owner's agreements, 422 on the participants, nothing shared.
    let (s, p) = convene(&app, &receiver, &id, &[&refused]);
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "participant_agency_ids", "{p}");
    assert_eq!(app.get(&refused.token, &format!("/api/v1/records/{id}")).0, 404);
    // Positive: within them, the receiver convenes; the participant reads, redacted.
    let (s, d) = convene(&app, &receiver, &id, &[&allowed]);
    assert_eq!(s, 201, "{d}");
    let (s, v) = app.get(&allowed.token, &format!("/api/v1/records/{id}"));
    assert_eq!((s, v["redacted"].as_bool()), (200, Some(true)), "{v}");
    assert!(!leaks_reporter(&v));
    // The receiver itself holds full access (rule 3).
    let v = expect_status(200, app.get(&receiver.token, &format!("/api/v1/records/{id}")));
    assert_eq!(v["protected"]["reporter_phone"], PHONE);

    // Returned: the receiver's access ends, and with it the right to convene (404).
    let (s, r) =
        app.post(&receiver.token, &format!("/api/v1/transfers/{tid}/return"), json!({"reason": "不属于本单位管辖"}));
    assert_eq!(s, 200, "{r}");
    assert_eq!(convene(&app, &receiver, &id, &[&allowed]).0, 404);
}

/// The owner sees every grant made on its record, with who made it and why; other readers
/// get 403 and non-readers 404.
fn the_owner_sees_every_grant_on_its_record(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let receiver = app.agency(&admin, "jiwei", "discipline");
    let participant = app.agency(&admin, "shenji", "audit");
    let recipient = app.agency(&admin, "zuzhi", "organization");
    let outsider = app.agency(&admin, "caizheng", "finance");
    let id = sensitive_clue(&app, &owner, &[&recipient]);
    let path = format!("/api/v1/records/{id}/grants");
    let (s, g) = app.get(&owner.token, &path);
    assert_eq!((s, g.as_array().map(Vec::len)), (200, Some(0)), "{g}");

    let (s, t) = crate::transfers::transfer(&app, &owner, &id, &receiver);
    assert_eq!(s, 201, "{t}");
    let (s, d) = app.post(
        &receiver.token,
        "/api/v1/deliberations",
        json!({"record_id": id, "title": "关于礼金线索的会商", "participant_agency_ids": [participant.id]}),
    );
    assert_eq!(s, 201, "{d}");
    let (s, _) = app.patch(&owner.token, &format!("/api/v1/records/{id}"), 1, json!({"field_grants": [recipient.id]}));
    assert_eq!(s, 200);

    let (s, g) = app.get(&owner.token, &path);
    assert_eq!(s, 200, "{g}");
    let mut seen: Vec<(String, String, String, bool)> = g
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["kind"].as_str().unwrap().to_string(),
                x["agency_id"].as_str().unwrap().to_string(),
                x["granted_by_agency_id"].as_str().unwrap().to_string(),
                x["protected_fields"].as_bool().unwrap(),
            )
        })
        .collect();
    seen.sort();
    let mut expected = vec![
        ("deliberation".to_string(), participant.id.clone(), receiver.id.clone(), false),
        ("field".to_string(), recipient.id.clone(), owner.id.clone(), true),
        ("transfer".to_string(), receiver.id.clone(), owner.id.clone(), true),
    ];
    expected.sort();
    assert_eq!(seen, expected, "{g}");
    let why: Vec<&str> = g.as_array().unwrap().iter().filter_map(|x| x["reason"].as_str()).collect();
    assert!(why.contains(&"关于礼金线索的会商") && why.contains(&"建议由市纪委监委谈话函询"), "{g}");

    // Readers who are not the owner: 403; agencies that may not read it: 404.
    for reader in [&receiver, &participant, &recipient] {
        assert_eq!(app.get(&reader.token, &path).0, 403);
    }
    assert_eq!(app.get(&outsider.token, &path).0, 404);
}

both!(
    a_recipient_cannot_reshare_a_clue_by_deliberation,
    a_transfer_receiver_convenes_within_the_owners_agreements,
    the_owner_sees_every_grant_on_its_record
);
