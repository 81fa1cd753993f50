use serde_json::json;

use crate::both;
use crate::helpers::*;

fn admin_manages_agencies_users_groups_and_agreements(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let a = app.agency(&admin, "jiwei", "discipline");
    let (s, dup) = app.post(
        &admin,
        "/api/v1/agencies",
        json!({"code": "jiwei", "name": "重复", "kind": "discipline", "level": "city"}),
    );
    assert_eq!(s, 409, "{dup}");
    // Only the admin creates agencies.
    let (s, _) = app.post(
        &a.token,
        "/api/v1/agencies",
        json!({"code": "x1", "name": "某单位", "kind": "audit", "level": "city"}),
    );
    assert_eq!(s, 403);
    let (s, list) = app.get(&a.token, "/api/v1/agencies");
    assert_eq!(s, 200);
    assert!(list.as_array().unwrap().iter().any(|x| x["code"] == "jiwei"));
    // PATCH an agency.
    let (s, upd) = send(
        app.req(reqwest::Method::PATCH, &format!("/api/v1/agencies/{}", a.id), Some(&admin))
            .json(&json!({"name": "市纪委监委(更名)"})),
    );
    assert_eq!(s, 200, "{upd}");
    assert_eq!(upd["name"], "市纪委监委(更名)");
    let (s, got) = app.get(&a.token, &format!("/api/v1/agencies/{}", a.id));
    assert_eq!((s, got["name"].as_str()), (200, Some("市纪委监委(更名)")));
    // A deactivated unit's users are signed out at once, and come back on reactivation.
    let patch = |active: bool| {
        send(
            app.req(reqwest::Method::PATCH, &format!("/api/v1/agencies/{}", a.id), Some(&admin))
                .json(&json!({"active": active})),
        )
    };
    assert_eq!(patch(false).0, 200);
    assert_eq!(app.get(&a.token, "/api/v1/me").0, 401);
    assert_eq!(patch(true).0, 200);
    assert_eq!(app.get(&a.token, "/api/v1/me").0, 200);
    // Users: duplicate username is 409; a liaison cannot create users.
    let (s, _) = app.post(
        &admin,
        "/api/v1/users",
        json!({"username": "jiwei_user", "password": PASSWORD, "agency_id": a.id, "roles": ["viewer"]}),
    );
    assert_eq!(s, 409);
    let (s, _) = app.post(
        &a.token,
        "/api/v1/users",
        json!({"username": "someone", "password": PASSWORD, "agency_id": a.id, "roles": ["viewer"]}),
    );
    assert_eq!(s, 403);
    let (s, users) = app.get(&admin, "/api/v1/users");
    assert_eq!(s, 200);
    assert!(!users.to_string().contains("argon2"), "password hashes never leave the server");
    // Groups and members.
    let b2 = app.agency(&admin, "zuzhi", "organization");
    let (s, g) = app.post(&admin, "/api/v1/groups", json!({"name": "四方会审组", "agency_ids": [a.id]}));
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap();
    let (s, m) = app.post(&admin, &format!("/api/v1/groups/{gid}/members"), json!({"agency_id": b2.id}));
    assert_eq!(s, 200, "{m}");
    assert_eq!(m["group"]["agency_ids"].as_array().unwrap().len(), 2);
    let (s, _) = app.post(&a.token, &format!("/api/v1/groups/{gid}/members"), json!({"agency_id": b2.id}));
    assert_eq!(s, 403);
    let (s, _) = app.delete(&admin, &format!("/api/v1/groups/{gid}/members/{}", b2.id));
    assert_eq!(s, 200);
    let (s, _) = app.delete(&admin, &format!("/api/v1/groups/{gid}/members/{}", b2.id));
    assert_eq!(s, 404);
    // Agreements.
    let (s, ag) = app.post(&admin, "/api/v1/agreements", json!({"name": "信访件仅送纪检", "source_kind": "petition", "record_kind": "petition", "recipient_kinds": ["discipline"], "protected_fields": true}));
    assert_eq!(s, 201, "{ag}");
    let (s, _) = app.post(
        &a.token,
        "/api/v1/agreements",
        json!({"name": "x", "source_kind": "petition", "record_kind": "petition", "recipient_kinds": ["discipline"]}),
    );
    assert_eq!(s, 403);
    let (s, list) = app.get(&admin, "/api/v1/agreements");
    assert_eq!((s, list.as_array().unwrap().len()), (200, 1));
}

both!(admin_manages_agencies_users_groups_and_agreements);
