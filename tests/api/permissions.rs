//! Every permission rule of DESIGN.md, each with a case that passes and one that must not.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

fn feed(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, f) = send(app.req(Method::GET, "/api/v1/feed", Some(token)).query(&[("after", "0"), ("limit", "500")]));
    assert_eq!(s, 200, "{f}");
    f["events"].as_array().unwrap().clone()
}

fn events_for<'a>(events: &'a [Value], record_id: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["record_id"] == record_id).collect()
}

fn listed(app: &TestApp, token: &str, query: &[(&str, &str)]) -> Vec<String> {
    let (s, page) = send(app.req(Method::GET, "/api/v1/records", Some(token)).query(query));
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect()
}

/// Rule 2: not entitled is 404 in read and history, absent from list, search, inbox, feed.
fn unentitled_records_are_invisible_everywhere(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let recipient = app.agency(&admin, "jiwei", "discipline");
    let outsider = app.agency(&admin, "caizheng", "finance");
    for t in [&recipient.token, &outsider.token] {
        let (s, _) = app.post(t, "/api/v1/subscriptions", json!({"name": "全部线索", "kinds": ["clue"]}));
        assert_eq!(s, 201);
    }
    let own = expect_status(
        201,
        app.post(&owner.token, "/api/v1/records", record("本单位内部线索机密甲", json!({"level": "own"}))),
    );
    let shared = expect_status(
        201,
        app.post(
            &owner.token,
            "/api/v1/records",
            record("移交纪委线索机密乙", json!({"level": "agencies", "agencies": [recipient.id]})),
        ),
    );
    let own = own["id"].as_str().unwrap().to_string();
    let shared = shared["id"].as_str().unwrap().to_string();

    // Positive: the recipient sees the shared record everywhere.
    assert_eq!(app.get(&recipient.token, &format!("/api/v1/records/{shared}")).0, 200);
    assert_eq!(app.get(&recipient.token, &format!("/api/v1/records/{shared}/history")).0, 200);
    assert_eq!(listed(&app, &recipient.token, &[]), vec![shared.clone()]);
    assert_eq!(listed(&app, &recipient.token, &[("q", "机密")]), vec![shared.clone()]);
    let inbox = expect_status(200, app.get(&recipient.token, "/api/v1/inbox"));
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1);
    assert_eq!(events_for(&feed(&app, &recipient.token), &shared).len(), 1);

    // Negative: the outsider gets 404 and sees nothing, the same as for an id that does not exist.
    for id in [&own, &shared] {
        let (s, p) = app.get(&outsider.token, &format!("/api/v1/records/{id}"));
        assert_eq!(s, 404);
        assert_eq!(p["detail"], "信息不存在或无权查阅");
        assert_eq!(app.get(&outsider.token, &format!("/api/v1/records/{id}/history")).0, 404);
    }
    let (s, p) = app.get(&outsider.token, "/api/v1/records/01900000-0000-7000-8000-000000000000");
    assert_eq!((s, p["detail"].as_str()), (404, Some("信息不存在或无权查阅")));
    assert!(listed(&app, &outsider.token, &[]).is_empty());
    assert!(listed(&app, &outsider.token, &[("q", "机密")]).is_empty());
    let inbox = expect_status(200, app.get(&outsider.token, "/api/v1/inbox"));
    assert!(inbox["items"].as_array().unwrap().is_empty());
    let f = feed(&app, &outsider.token);
    assert!(events_for(&f, &own).is_empty() && events_for(&f, &shared).is_empty(), "{f:?}");
    // The recipient does not see the owner's own record either.
    assert_eq!(app.get(&recipient.token, &format!("/api/v1/records/{own}")).0, 404);
    // Nor may an outsider change or withdraw: 404, not 403.
    assert_eq!(app.patch(&outsider.token, &format!("/api/v1/records/{shared}"), 1, json!({"title": "x"})).0, 404);
    assert_eq!(app.delete(&outsider.token, &format!("/api/v1/records/{shared}")).0, 404);
}

/// Sensitive: protected fields redacted for non-owners without a grant; disclosure audited.
fn protected_fields_need_a_grant(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xinfang", "petition");
    let granted = app.agency(&admin, "jiwei", "discipline");
    let other = app.agency(&admin, "zuzhi", "organization");
    let (s, r) = app.post(
        &owner.token,
        "/api/v1/records",
        json!({
            "kind": "petition", "title": "反映某局长插手工程的举报", "body": "举报内容",
            "distribution": {"level": "agencies", "agencies": [granted.id, other.id]},
            "sensitivity": "sensitive",
            "protected": {"reporter_name": "王某", "reporter_phone": "13800000000"},
            "field_grants": [granted.id]
        }),
    );
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_str().unwrap();
    let (s, v) = app.get(&granted.token, &format!("/api/v1/records/{id}"));
    assert_eq!(s, 200);
    assert_eq!(v["protected"]["reporter_name"], "王某");
    assert_eq!(v["redacted"], false);
    let (s, v) = app.get(&other.token, &format!("/api/v1/records/{id}"));
    assert_eq!(s, 200);
    assert_eq!(v["protected"], Value::Null);
    assert_eq!(v["redacted"], true);
    assert_eq!(v["protected_fields"], json!(["reporter_name", "reporter_phone"]));
    assert!(!v.to_string().contains("13800000000"));
    // Its history and its feed event are redacted the same way.
    let h = expect_status(200, app.get(&other.token, &format!("/api/v1/records/{id}/history")));
    assert!(!h.to_string().contains("13800000000"));
    assert!(!serde_json::to_string(&feed(&app, &other.token)).unwrap().contains("13800000000"));
    // Lists never carry protected values, even for the grantee.
    let page = expect_status(200, app.get(&granted.token, "/api/v1/records"));
    assert!(!page.to_string().contains("13800000000"));
    // The grantee's disclosure is in the audit log; the redacted read is not a disclosure.
    let audit = expect_status(
        200,
        send(
            app.req(Method::GET, "/api/v1/audit", Some(&admin))
                .query(&[("action", "record.read"), ("resource_id", id)]),
        ),
    );
    let agencies: Vec<&str> =
        audit["items"].as_array().unwrap().iter().map(|e| e["actor_agency_id"].as_str().unwrap()).collect();
    assert_eq!(agencies, vec![granted.id.as_str()], "{audit}");
}

/// Restricted: a purpose is required (428 without), audited; never distributed to all.
fn restricted_records_need_a_purpose(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "jiwei", "discipline");
    let reader = app.agency(&admin, "jiancha", "procuratorate");
    let (s, p) = app.post(&owner.token, "/api/v1/records", json!({"kind": "case", "title": "受限案件", "body": "案情", "sensitivity": "restricted", "distribution": {"level": "all"}}));
    assert_eq!(s, 422);
    assert_eq!(p["errors"][0]["field"], "distribution.level");
    let list = expect_status(200, app.get(&owner.token, "/api/v1/records"));
    assert!(list["items"].as_array().unwrap().is_empty(), "the refused record was not stored");

    let (s, r) = app.post(&owner.token, "/api/v1/records", json!({"kind": "case", "title": "受限案件", "body": "涉案金额三百万元", "sensitivity": "restricted", "distribution": {"level": "agencies", "agencies": [reader.id]}}));
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_str().unwrap();
    let (s, p) = app.get(&reader.token, &format!("/api/v1/records/{id}"));
    assert_eq!(s, 428);
    assert!(p["detail"].as_str().unwrap().contains("X-Access-Purpose"));
    // In lists it shows without content.
    let page = expect_status(200, app.get(&reader.token, "/api/v1/records"));
    assert_eq!(page["items"][0]["content_withheld"], true);
    assert!(!page.to_string().contains("三百万元"));
    // The title is content too: the placeholder without a purpose.
    assert_eq!(page["items"][0]["title"], "受限信息");
    assert!(!page.to_string().contains("受限案件"), "{page}");
    // With a purpose (percent-encoded UTF-8, as browsers must send it): read and audited.
    let purpose = "办理职务犯罪案件需要";
    let encoded: String = purpose.bytes().map(|b| format!("%{b:02X}")).collect();
    let (s, v) = send(
        app.req(Method::GET, &format!("/api/v1/records/{id}"), Some(&reader.token)).header("X-Access-Purpose", encoded),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["body"], "涉案金额三百万元");
    let audit = expect_status(
        200,
        send(
            app.req(Method::GET, "/api/v1/audit", Some(&admin))
                .query(&[("action", "record.read"), ("resource_id", id)]),
        ),
    );
    assert_eq!(audit["items"][0]["purpose"], purpose);
    assert_eq!(audit["items"][0]["actor_agency_id"], reader.id.as_str());
    // Widening a restricted record to all is refused too.
    let (s, _) =
        app.patch(&owner.token, &format!("/api/v1/records/{id}"), 1, json!({"distribution": {"level": "all"}}));
    assert_eq!(s, 422);
}

/// Rule 1: the admin role administers and reads no content, not even its own agency's.
fn admin_reads_no_content(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let a = app.agency(&admin, "xuncha", "inspection");
    let r = expect_status(201, app.post(&a.token, "/api/v1/records", record("通报全体", json!({"level": "all"}))));
    let id = r["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/records/{id}"),
        "/api/v1/records".to_string(),
        "/api/v1/feed".into(),
        "/api/v1/inbox".into(),
        format!("/api/v1/records/{id}/history"),
    ] {
        let (s, body) = app.get(&admin, &path);
        assert_eq!(s, 403, "{path}: {body}");
        assert!(!body.to_string().contains("通报全体"));
    }
    let (s, _) = app.post(&admin, "/api/v1/records", record("管理员发布", json!({"level": "all"})));
    assert_eq!(s, 403);
    // Positive: a liaison of another agency reads the record shared to all.
    let b2 = app.agency(&admin, "jiwei", "discipline");
    assert_eq!(app.get(&b2.token, &format!("/api/v1/records/{id}")).0, 200);
}

/// Rule 4: agreements bound distributions and field grants; where none exist the owner decides.
fn agreements_bound_distribution(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xf = app.agency(&admin, "xinfang", "petition");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let zz = app.agency(&admin, "zuzhi", "organization");
    let sj = app.agency(&admin, "shenji", "audit");
    for body in [
        json!({"name": "举报人信息仅限纪检", "source_kind": "petition", "record_kind": "petition", "recipient_kinds": ["discipline"], "protected_fields": true}),
        json!({"name": "信访件可送组织部", "source_kind": "petition", "record_kind": "petition", "recipient_agency_ids": [zz.id], "protected_fields": false}),
    ] {
        assert_eq!(app.post(&admin, "/api/v1/agreements", body).0, 201);
    }
    let petition = |dist: Value, grants: Value| json!({"kind": "petition", "title": "信访举报", "body": "内容", "sensitivity": "sensitive", "protected": {"reporter_name": "王某"}, "distribution": dist, "field_grants": grants});
    // Allowed: discipline with the reporter, organization without.
    let (s, r) = app.post(
        &xf.token,
        "/api/v1/records",
        petition(json!({"level": "agencies", "agencies": [jw.id, zz.id]}), json!([jw.id])),
    );
    assert_eq!(s, 201, "{r}");
    // Refused: audit is outside every agreement.
    let (s, p) =
        app.post(&xf.token, "/api/v1/records", petition(json!({"level": "agencies", "agencies": [sj.id]}), json!([])));
    assert_eq!(s, 422);
    assert_eq!(p["errors"][0]["field"], "distribution");
    // Refused: the reporter may not go to the organization department.
    let (s, p) = app.post(
        &xf.token,
        "/api/v1/records",
        petition(json!({"level": "agencies", "agencies": [zz.id]}), json!([zz.id])),
    );
    assert_eq!(s, 422);
    assert_eq!(p["errors"][0]["field"], "field_grants");
    // Refused: to all (includes audit).
    assert_eq!(app.post(&xf.token, "/api/v1/records", petition(json!({"level": "all"}), json!([]))).0, 422);
    // Another kind from the same source has no agreement: the owner decides.
    let (s, _) = app.post(
        &xf.token,
        "/api/v1/records",
        json!({"kind": "notice", "title": "工作通报", "distribution": {"level": "agencies", "agencies": [sj.id]}}),
    );
    assert_eq!(s, 201);
    let page = expect_status(200, app.get(&sj.token, "/api/v1/records"));
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "only the notice reached audit");
}

/// Rule 6: joining a group delivers its old records (feed and subscriptions); leaving
/// tombstones them.
fn group_membership_propagates(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let member = app.agency(&admin, "jiwei", "discipline");
    let joiner = app.agency(&admin, "shenji", "audit");
    let g = expect_status(
        201,
        app.post(&admin, "/api/v1/groups", json!({"name": "四方会审组", "agency_ids": [owner.id, member.id]})),
    );
    let gid = g["id"].as_str().unwrap();
    let (s, _) =
        app.post(&joiner.token, "/api/v1/subscriptions", json!({"name": "巡察反馈", "kinds": ["inspection_feedback"]}));
    assert_eq!(s, 201);
    let (s, r) = app.post(&owner.token, "/api/v1/records", json!({"kind": "inspection_feedback", "title": "巡察反馈意见(旧)", "distribution": {"level": "group", "group": gid}}));
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_str().unwrap();
    assert_eq!(app.get(&member.token, &format!("/api/v1/records/{id}")).0, 200);
    assert_eq!(app.get(&joiner.token, &format!("/api/v1/records/{id}")).0, 404);
    assert!(events_for(&feed(&app, &joiner.token), id).is_empty());

    let (s, m) = app.post(&admin, &format!("/api/v1/groups/{gid}/members"), json!({"agency_id": joiner.id}));
    assert_eq!(s, 200);
    assert_eq!(m["records_shared"], 1);
    assert_eq!(app.get(&joiner.token, &format!("/api/v1/records/{id}")).0, 200);
    let f = feed(&app, &joiner.token);
    let evs = events_for(&f, id);
    assert!(evs.iter().any(|e| e["type"] == "record.shared" && e["record"]["title"] == "巡察反馈意见(旧)"), "{evs:?}");
    let inbox = expect_status(200, app.get(&joiner.token, "/api/v1/inbox"));
    assert_eq!(inbox["items"][0]["record"]["id"], id, "the old record reaches the new member's subscription");

    let (s, m) = app.delete(&admin, &format!("/api/v1/groups/{gid}/members/{}", joiner.id));
    assert_eq!(s, 200);
    assert_eq!(m["records_revoked"], 1);
    assert_eq!(app.get(&joiner.token, &format!("/api/v1/records/{id}")).0, 404);
    let f = feed(&app, &joiner.token);
    let last = events_for(&f, id).last().cloned().cloned().unwrap();
    assert_eq!(last["type"], "record.revoked");
    assert!(last.get("record").is_none(), "a tombstone carries no content: {last}");
    let inbox = expect_status(200, app.get(&joiner.token, "/api/v1/inbox"));
    assert!(inbox["items"].as_array().unwrap().is_empty());
    // The remaining member is unaffected.
    assert_eq!(app.get(&member.token, &format!("/api/v1/records/{id}")).0, 200);
}

/// Rule 6: narrowing tombstones those who lost access; widening delivers to those who gain.
fn distribution_changes_propagate(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let keep = app.agency(&admin, "jiwei", "discipline");
    let lose = app.agency(&admin, "zuzhi", "organization");
    let gain = app.agency(&admin, "shenji", "audit");
    let r = expect_status(
        201,
        app.post(
            &owner.token,
            "/api/v1/records",
            record("范围调整的线索", json!({"level": "agencies", "agencies": [keep.id, lose.id]})),
        ),
    );
    let id = r["id"].as_str().unwrap();
    let (s, _) = app.patch(
        &owner.token,
        &format!("/api/v1/records/{id}"),
        1,
        json!({"distribution": {"level": "agencies", "agencies": [keep.id]}}),
    );
    assert_eq!(s, 200);
    let f = feed(&app, &lose.token);
    let evs = events_for(&f, id);
    assert_eq!(evs.len(), 1, "{evs:?}");
    assert_eq!(evs[0]["type"], "record.revoked");
    assert!(evs[0].get("record").is_none());
    assert_eq!(app.get(&lose.token, &format!("/api/v1/records/{id}")).0, 404);
    assert!(events_for(&feed(&app, &keep.token), id).iter().all(|e| e["type"] != "record.revoked"));
    assert!(events_for(&feed(&app, &gain.token), id).is_empty());
    // Widen to all: the new reader's feed delivers it.
    let (s, _) =
        app.patch(&owner.token, &format!("/api/v1/records/{id}"), 2, json!({"distribution": {"level": "all"}}));
    assert_eq!(s, 200);
    let f = feed(&app, &gain.token);
    let evs = events_for(&f, id);
    assert!(!evs.is_empty() && evs.iter().all(|e| e["record"]["title"] == "范围调整的线索"), "{evs:?}");
}

/// A withdrawn record is a tombstone for everyone who had it, and only for them.
fn withdrawal_tombstones_those_who_had_it(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let had = app.agency(&admin, "jiwei", "discipline");
    let never = app.agency(&admin, "caizheng", "finance");
    let r = expect_status(
        201,
        app.post(
            &owner.token,
            "/api/v1/records",
            record("将被撤回的线索", json!({"level": "agencies", "agencies": [had.id]})),
        ),
    );
    let id = r["id"].as_str().unwrap();
    assert_eq!(app.delete(&owner.token, &format!("/api/v1/records/{id}")).0, 204);
    for t in [&owner.token, &had.token] {
        let f = feed(&app, t);
        let evs = events_for(&f, id);
        assert_eq!(evs.len(), 1, "{evs:?}");
        assert_eq!(evs[0]["type"], "record.withdrawn");
        assert!(evs[0].get("record").is_none());
    }
    assert!(events_for(&feed(&app, &never.token), id).is_empty());
}

both!(
    unentitled_records_are_invisible_everywhere,
    protected_fields_need_a_grant,
    restricted_records_need_a_purpose,
    admin_reads_no_content,
    agreements_bound_distribution,
    group_membership_propagates,
    distribution_changes_propagate,
    withdrawal_tombstones_those_who_had_it
);
