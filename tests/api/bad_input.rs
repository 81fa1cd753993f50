//! Bad input on every endpoint gets a clear 4xx problem (never a 500) and changes nothing.

use diesel::RunQueryDsl;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

#[derive(diesel::QueryableByName, PartialEq, Debug)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Row counts of every table that a write would touch.
pub fn snapshot(app: &TestApp) -> Vec<i64> {
    let mut conn = app.sealed_conn();
    [
        "agencies",
        "users",
        "api_keys",
        "sharing_groups",
        "group_members",
        "agreements",
        "subject_objects",
        "records",
        "record_recipients",
        "events",
        "feed_keys",
        "subscriptions",
        "inbox_items",
        "idempotency_keys",
        "transfers",
        "duplicate_flags",
        "deliberations",
        "assignments",
        "record_grants",
        "webhook_endpoints",
        "webhook_deliveries",
        "audit_log",
    ]
    .iter()
    .map(|t| diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {t}")).get_result::<Count>(&mut *conn).unwrap().n)
    .collect()
}

/// (method, path, token, a body with a wrong type, one missing a required field, one with an
/// unknown enum value)
pub type Case<'a> = (Method, String, &'a str, Value, Option<Value>, Option<Value>);

/// Each body endpoint refuses malformed JSON and invalid UTF-8 (400), wrong types, missing
/// fields and unknown enum values (422, naming the field), oversize bodies (413) and a wrong
/// content type (415) — always as problem+json.
pub fn check_bad_bodies(app: &TestApp, cases: Vec<Case<'_>>) {
    let big = format!("{{\"title\": \"{}\"}}", "长".repeat(700_000)).into_bytes();
    for (m, path, token, wrong_type, missing, bad_enum) in cases {
        let with_ifmatch = |r: reqwest::blocking::RequestBuilder| {
            if m == Method::PATCH {
                r.header("If-Match", "1")
            } else {
                r
            }
        };
        let call = |ct: &str, body: Vec<u8>| {
            send(with_ifmatch(
                app.req(m.clone(), &path, Some(token).filter(|t| !t.is_empty())).header("Content-Type", ct).body(body),
            ))
        };
        let (s, p) = call("application/json", b"{\"title\": ".to_vec());
        assert_eq!(s, 400, "malformed JSON on {m} {path}: {p}");
        let (s, p) = call("application/json", vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}']);
        assert_eq!(s, 400, "invalid UTF-8 on {m} {path}: {p}");
        // serde would build a struct from an array of its fields; the contract says object.
        let (s, p) = call("application/json", json!([wrong_type.clone()]).to_string().into_bytes());
        assert_eq!(s, 422, "an array for the object body on {m} {path}: {p}");
        let (s, p) = call("application/json", wrong_type.to_string().into_bytes());
        assert_eq!(s, 422, "wrong type on {m} {path}: {p}");
        assert!(p["errors"][0]["field"].as_str().is_some_and(|f| !f.is_empty()), "field named for {m} {path}: {p}");
        if let Some(body) = missing {
            let (s, p) = call("application/json", body.to_string().into_bytes());
            assert_eq!(s, 422, "missing field on {m} {path}: {p}");
        }
        if let Some(body) = bad_enum {
            let (s, p) = call("application/json", body.to_string().into_bytes());
            assert_eq!(s, 422, "unknown enum on {m} {path}: {p}");
        }
        let (s, p) = call("application/json", big.clone());
        assert_eq!(s, 413, "oversize on {m} {path}: {p}");
        let (s, p) = call("text/plain", b"{}".to_vec());
        assert_eq!(s, 415, "wrong content type on {m} {path}: {p}");
    }
}

fn raw(app: &TestApp, method: Method, path: &str, token: &str, ct: &str, body: Vec<u8>) -> (u16, Value) {
    send(app.req(method, path, Some(token)).header("Content-Type", ct).body(body))
}

fn bad_bodies_are_4xx_problems_and_change_nothing(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let a = app.agency(&admin, "xuncha", "inspection");
    let r = expect_status(201, app.post(&a.token, "/api/v1/records", record("已有信息", json!({"level": "own"}))));
    let rid = r["id"].as_str().unwrap().to_string();
    let g = expect_status(201, app.post(&admin, "/api/v1/groups", json!({"name": "组", "agency_ids": []})));
    let gid = g["id"].as_str().unwrap().to_string();
    let a_admin = app.agency_admin(&admin, &a, "xuncha_admin");
    let w = expect_status(
        201,
        app.post(&a_admin, "/api/v1/webhooks", json!({"url": "http://127.0.0.1:9/h", "event_types": ["*"]})),
    );
    let wid = w["id"].as_str().unwrap().to_string();
    let before = snapshot(&app);

    // (method, path, token, a body with a wrong type, a body missing a required field, a body with an unknown enum value)
    let cases: Vec<Case> = vec![
        (
            Method::POST,
            "/api/v1/auth/login".into(),
            "",
            json!({"username": 1, "password": "x"}),
            Some(json!({"username": "admin"})),
            None,
        ),
        (Method::POST, "/api/v1/auth/refresh".into(), "", json!({"refresh_token": 5}), Some(json!({})), None),
        (
            Method::POST,
            "/api/v1/agencies".into(),
            &admin,
            json!({"code": "x2", "name": 3, "kind": "audit", "level": "city"}),
            Some(json!({"code": "x2", "name": "某"})),
            Some(json!({"code": "x2", "name": "某", "kind": "ministry", "level": "city"})),
        ),
        (
            Method::POST,
            format!("/api/v1/agencies/{}/api-keys", a.id),
            &admin,
            json!({"name": ["x"]}),
            Some(json!({})),
            Some(json!({"name": "k", "roles": ["superuser"]})),
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            &admin,
            json!({"username": "u1", "password": PASSWORD, "agency_id": a.id, "roles": "liaison"}),
            Some(json!({"username": "u1"})),
            Some(json!({"username": "u1", "password": PASSWORD, "agency_id": a.id, "roles": ["boss"]})),
        ),
        (
            Method::POST,
            "/api/v1/groups".into(),
            &admin,
            json!({"name": "g2", "agency_ids": "x"}),
            Some(json!({})),
            None,
        ),
        (Method::POST, format!("/api/v1/groups/{gid}/members"), &admin, json!({"agency_id": 7}), Some(json!({})), None),
        (
            Method::POST,
            "/api/v1/agreements".into(),
            &admin,
            json!({"name": "n", "source_kind": "petition", "record_kind": "petition", "protected_fields": "yes"}),
            Some(json!({"name": "n"})),
            Some(
                json!({"name": "n", "source_kind": "petition", "record_kind": "gossip", "recipient_kinds": ["discipline"]}),
            ),
        ),
        (
            Method::POST,
            "/api/v1/objects".into(),
            &a.token,
            json!({"name": 1, "kind": "unit"}),
            Some(json!({"kind": "unit"})),
            None,
        ),
        (
            Method::POST,
            "/api/v1/records".into(),
            &a.token,
            json!({"kind": "clue", "title": "t", "tags": "巡察"}),
            Some(json!({"kind": "clue"})),
            Some(json!({"kind": "clue", "title": "t", "sensitivity": "secret"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/records/{rid}"),
            &a.token,
            json!({"title": 5}),
            None,
            Some(json!({"distribution": {"level": "everyone"}})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/agencies/{}", a.id),
            &admin,
            json!({"active": "yes"}),
            None,
            Some(json!({"kind": "ministry"})),
        ),
        (
            Method::POST,
            "/api/v1/subscriptions".into(),
            &a.token,
            json!({"name": "s", "kinds": "clue"}),
            Some(json!({"kinds": ["clue"]})),
            None,
        ),
        (Method::POST, "/api/v1/auth/logout".into(), &a.token, json!({"refresh_token": []}), Some(json!({})), None),
        (
            Method::POST,
            "/api/v1/webhooks".into(),
            &a_admin,
            json!({"url": "http://127.0.0.1:9/h", "event_types": "record.created"}),
            Some(json!({"url": "http://127.0.0.1:9/h"})),
            None,
        ),
        (Method::PATCH, format!("/api/v1/webhooks/{wid}"), &a_admin, json!({"active": "no"}), None, None),
        (Method::POST, format!("/api/v1/webhooks/{wid}/replay"), &a_admin, json!({"delivery_ids": "x"}), None, None),
        (
            Method::POST,
            format!("/api/v1/webhooks/{wid}/rotate-secret"),
            &a_admin,
            json!({"keep_previous_hours": "x"}),
            None,
            None,
        ),
    ];
    check_bad_bodies(&app, cases);
    // A nested object given as an array of its fields is refused too, naming the field.
    for (m, path, body) in [
        (Method::POST, "/api/v1/records".to_string(), json!({"kind": "clue", "title": "t", "distribution": ["own"]})),
        (Method::PATCH, format!("/api/v1/records/{rid}"), json!({"distribution": ["all"]})),
    ] {
        let (s, p) = send(app.req(m.clone(), &path, Some(&a.token)).header("If-Match", "1").json(&body));
        assert_eq!(s, 422, "array distribution on {m} {path}: {p}");
        assert_eq!(p["errors"][0]["field"], "distribution", "{p}");
    }
    // NDJSON batches: oversize and invalid UTF-8 lines.
    let (s, _) =
        raw(&app, Method::POST, "/api/v1/sync/batches", &a.token, "application/x-ndjson", vec![0xff, 0xfe, b'\n']);
    assert_eq!(s, 200, "a bad line is rejected in the per-line report, not the batch");
    assert_eq!(snapshot(&app), before, "bad input changed nothing");
}

fn bad_query_path_and_headers_are_4xx(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let a = app.agency(&admin, "xuncha", "inspection");
    let r = expect_status(201, app.post(&a.token, "/api/v1/records", record("已有信息", json!({"level": "own"}))));
    let rid = r["id"].as_str().unwrap();
    let q = |path: &str, query: &[(&str, &str)]| send(app.req(Method::GET, path, Some(&a.token)).query(query)).0;
    assert_eq!(q("/api/v1/records", &[("limit", "0")]), 422);
    assert_eq!(q("/api/v1/records", &[("limit", "100000")]), 422);
    assert_eq!(q("/api/v1/records", &[("limit", "abc")]), 400);
    assert_eq!(q("/api/v1/records", &[("cursor", "garbage!")]), 400);
    assert_eq!(q("/api/v1/records", &[("kind", "gossip")]), 422);
    assert_eq!(q("/api/v1/records", &[("object_id", "not-an-id")]), 422);
    assert_eq!(q("/api/v1/feed", &[("after", "-1")]), 422);
    assert_eq!(q("/api/v1/feed", &[("after", "x")]), 400);
    assert_eq!(q("/api/v1/inbox", &[("state", "maybe")]), 422);
    assert_eq!(q("/api/v1/objects", &[("cursor", "zzz")]), 400);
    assert_eq!(q("/api/v1/records/not-an-id", &[]), 404);
    assert_eq!(q("/api/v1/objects/not-an-id", &[]), 404);
    assert_eq!(q("/api/v1/agencies/not-an-id", &[]), 404);
    assert_eq!(q("/api/v1/no-such-endpoint", &[]), 404);
    let (s, _) = send(
        app.req(Method::PATCH, &format!("/api/v1/records/{rid}"), Some(&a.token))
            .header("If-Match", "abc")
            .json(&json!({"title": "x"})),
    );
    assert_eq!(s, 400);
    let (s, _) =
        send(app.req(Method::GET, &format!("/api/v1/records/{rid}"), Some(&a.token)).header("X-Access-Purpose", "%ZZ"));
    assert_eq!(s, 400);
    // NUL characters (PostgreSQL stores none) are refused on both backends alike, wherever
    // they come: a query parameter, a header, a JSON string or key, a sync line.
    assert_eq!(q("/api/v1/records", &[("q", "a\0b")]), 400);
    assert_eq!(q("/api/v1/transfers/export", &[("round", "\0"), ("format", "csv")]), 400);
    let (s, p) = send(app.req(Method::GET, "/api/v1/records", Some(&a.token)).header("X-Access-Purpose", "%00"));
    assert_eq!(s, 400, "{p}");
    for (path, body) in [
        ("/api/v1/auth/login", r#"{"username": "y\u0000", "password": "x"}"#),
        ("/api/v1/auth/password-reset", r#"{"username": "y\u0000"}"#),
        ("/api/v1/records", r#"{"kind": "clue", "title": "t", "tags": ["a\u0000"]}"#),
        ("/api/v1/records", r#"{"kind": "clue\u0000", "title": "t"}"#),
    ] {
        let (s, p) =
            send(app.req(Method::POST, path, Some(&a.token)).header("Content-Type", "application/json").body(body));
        assert_eq!(s, 422, "{path}: {p}");
        // An error that quotes the input shows a NUL as the text "\u0000", never as one.
        assert!(!p["detail"].as_str().unwrap().contains('\0'), "{p}");
    }
    // Unknown fields are ignored, with or without a NUL: nothing of them is stored.
    let (s, p) =
        app.post(&a.token, "/api/v1/records", json!({"kind": "clue", "title": "未知字段", "extra\u{0}": "\u{0}"}));
    assert_eq!(s, 201, "{p}");
    let report = app
        .req(Method::POST, "/api/v1/sync/batches", Some(&a.token))
        .header("Content-Type", "application/x-ndjson")
        .body("{\"kind\": \"clue\", \"title\": \"t\\u0000\"}\n")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(report.contains(r#""status":"rejected""#) && report.contains(r#""field":"title""#), "{report}");
    // Every authenticated endpoint refuses a forged token with 401.
    let forged = guantong::auth::issue_access_token(b"forged-secret-forged-secret-000", "u", "s", 600).unwrap();
    for (m, path) in [
        (Method::GET, "/api/v1/me".to_string()),
        (Method::GET, "/api/v1/agencies".into()),
        (Method::POST, "/api/v1/agencies".into()),
        (Method::GET, "/api/v1/users".into()),
        (Method::GET, "/api/v1/groups".into()),
        (Method::GET, "/api/v1/agreements".into()),
        (Method::GET, "/api/v1/objects".into()),
        (Method::GET, "/api/v1/records".into()),
        (Method::POST, "/api/v1/records".into()),
        (Method::GET, format!("/api/v1/records/{rid}")),
        (Method::GET, format!("/api/v1/records/{rid}/history")),
        (Method::DELETE, format!("/api/v1/records/{rid}")),
        (Method::GET, "/api/v1/subscriptions".into()),
        (Method::GET, "/api/v1/inbox".into()),
        (Method::GET, "/api/v1/feed".into()),
        (Method::POST, "/api/v1/sync/batches".into()),
        (Method::GET, "/api/v1/audit".into()),
        (Method::GET, "/api/v1/categories".into()),
    ] {
        let (s, _) =
            send(app.req(m.clone(), &path, Some(&forged)).header("Content-Type", "application/json").body("{}"));
        assert_eq!(s, 401, "{m} {path}");
    }
}

/// `X-Access-Purpose` and `Idempotency-Key` are bounded as sent, as the contract's
/// `maxLength` says: a percent-encoded character counts as written, raw UTF-8 as one.
fn headers_are_bounded_as_sent(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let a = app.agency(&admin, "xuncha", "inspection");
    let read = |purpose: &str| {
        send(app.req(Method::GET, "/api/v1/common-problems", Some(&a.token)).header("X-Access-Purpose", purpose))
    };
    let encoded: String = "查".repeat(55).bytes().map(|b| format!("%{b:02X}")).collect();
    assert_eq!(encoded.len(), 495);
    assert_eq!(read(&encoded).0, 200);
    assert_eq!(read(&"查".repeat(500)).0, 200, "500 characters of raw UTF-8 are 500 as sent");
    // 501 characters as sent, 167 once decoded: refused, as schemathesis once found it was not.
    let (s, p) = read(&format!("ab{}", "%66".repeat(167)));
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "X-Access-Purpose", "{p}");
    assert_eq!(read(&"查".repeat(501)).0, 422);
    let before = snapshot(&app);
    let create = |key: &str| {
        send(
            app.req(Method::POST, "/api/v1/records", Some(&a.token))
                .header("Idempotency-Key", key)
                .json(&record("幂等", json!({"level": "own"}))),
        )
    };
    let (s, p) = create(&"%41".repeat(67));
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "Idempotency-Key", "{p}");
    assert_eq!(snapshot(&app), before, "a refused key creates nothing");
    assert_eq!(create(&"k".repeat(200)).0, 201);
}

both!(bad_bodies_are_4xx_problems_and_change_nothing, bad_query_path_and_headers_are_4xx, headers_are_bounded_as_sent);
