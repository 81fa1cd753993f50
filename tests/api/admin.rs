use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
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
    assert!(list["items"].as_array().unwrap().iter().any(|x| x["code"] == "jiwei"));
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
    // Users: duplicate username is 409 (the unit's admin creates its users); a liaison
    // cannot create users.
    let (s, _) = app.post(
        &app.unit_admin(&a),
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
    assert_eq!((s, list["items"].as_array().unwrap().len()), (200, 1));
}

/// The mails queued for `to`: (mail type, plain text), oldest first.
pub fn mails_to(app: &TestApp, to: &str) -> Vec<(String, String)> {
    use guantong::db::schema::mail_outbox as m;
    let mut conn = app.pool.get().unwrap();
    m::table
        .filter(m::recipient.eq(to))
        .order(m::created_at)
        .select((m::event_type, m::body_text))
        .load(&mut conn)
        .unwrap()
}

/// The token of the one-time link in a mail's text.
pub fn link_token(text: &str) -> String {
    let i = text.find("/activate?token=").expect("a link in the mail") + "/activate?token=".len();
    text[i..].split_whitespace().next().unwrap().to_string()
}

fn fresh_unit(app: &TestApp, admin: &str, code: &str) -> String {
    let (s, a) = app.post(
        admin,
        "/api/v1/agencies",
        json!({"code": code, "name": format!("单位{code}"), "kind": "discipline", "level": "city"}),
    );
    assert_eq!(s, 201, "{a}");
    a["id"].as_str().unwrap().to_string()
}

fn login_status(app: &TestApp, username: &str, password: &str) -> u16 {
    send(
        app.req(reqwest::Method::POST, "/api/v1/auth/login", None)
            .json(&json!({"username": username, "password": password})),
    )
    .0
}

fn hub_admin_mints_no_key_and_chooses_no_content_password(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    // Leak 4: the hub admin minted a key of any agency and read its records. Now 403.
    let (s, e) = app.post(&admin, &format!("/api/v1/agencies/{}/api-keys", jw.id), json!({"name": "后门"}));
    assert_eq!(s, 403, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("平台管理员不能签发接入密钥"), "{e}");
    // … nor creates a content user with a password it chose (and then logs in as it).
    let unit = fresh_unit(&app, &admin, "shenji");
    for roles in [json!(["agency_admin"]), json!(["liaison"])] {
        let (s, e) = app.post(
            &admin,
            "/api/v1/users",
            json!({"username": "backdoor", "password": PASSWORD, "agency_id": unit, "roles": roles, "email": "x@example.gov.cn"}),
        );
        assert_eq!(s, 403, "{e}");
    }
    assert_eq!(login_status(&app, "backdoor", PASSWORD), 401, "no such account was made");
    // … nor invites a reader into a unit that already has its admin.
    let (s, e) = app.post(
        &admin,
        "/api/v1/users",
        json!({"username": "second", "agency_id": jw.id, "roles": ["agency_admin"], "email": "me@hub.example.gov.cn"}),
    );
    assert_eq!(s, 403, "{e}");
    let (s, e) = app.post(
        &admin,
        "/api/v1/users",
        json!({"username": "reader", "agency_id": unit, "roles": ["liaison"], "email": "me@hub.example.gov.cn"}),
    );
    assert_eq!(s, 403, "{e}");
    // The unit's own admin mints keys; the hub admin may list (never the key) and revoke.
    let key = app.api_key(&admin, &jw, "办案系统");
    let (s, me) = app.get(&key, "/api/v1/me");
    assert_eq!((s, me["agency_id"].as_str()), (200, Some(jw.id.as_str())));
    let (s, list) = app.get(&admin, &format!("/api/v1/agencies/{}/api-keys", jw.id));
    assert_eq!(s, 200);
    assert!(!list.to_string().contains(&key));
    let key_id = list["items"][0]["id"].as_str().unwrap();
    assert_eq!(app.delete(&admin, &format!("/api/v1/agencies/{}/api-keys/{key_id}", jw.id)).0, 204);
    assert_eq!(app.get(&key, "/api/v1/me").0, 401);
    // A fellow hub administrator may be made with a password (admin role only).
    let hub_id = app.get(&admin, "/api/v1/me").1["agency_id"].as_str().unwrap().to_string();
    let (s, u) = app.post(
        &admin,
        "/api/v1/users",
        json!({"username": "admin2", "password": PASSWORD, "agency_id": hub_id, "roles": ["admin"]}),
    );
    assert_eq!(s, 201, "{u}");
    assert_eq!(login_status(&app, "admin2", PASSWORD), 200);
}

fn invitation_link_activates_once_and_expires(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let unit = fresh_unit(&app, &admin, "jiwei");
    let (s, u) = app.post(
        &admin,
        "/api/v1/users",
        json!({"username": "jw_admin", "agency_id": unit, "roles": ["agency_admin"], "email": "jw.admin@example.gov.cn"}),
    );
    assert_eq!(s, 201, "{u}");
    assert_eq!(u["active"], false, "invited, not yet activated");
    assert!(!u.to_string().contains("token"), "the inviter never sees the link: {u}");
    // Before activation no password works (the same 401 as a wrong one).
    assert_eq!(login_status(&app, "jw_admin", ""), 401);
    // The link went to the user's mail, with no password in it.
    let mails = mails_to(&app, "jw.admin@example.gov.cn");
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].0, "account.activation");
    assert!(mails[0].1.contains("账号激活") || mails[0].1.contains("激活账号"), "{}", mails[0].1);
    let token = link_token(&mails[0].1);
    assert!(mails[0].1.contains(&format!("{}/activate?token=", app.settings.public_url)));
    // Password rules hold; a bad password does not use the link up.
    let (s, e) = app.activate(&token, "short");
    assert_eq!(s, 422, "{e}");
    let (s, v) = app.activate(&token, "jw-admin-own-password");
    assert_eq!((s, v["username"].as_str()), (200, Some("jw_admin")), "{v}");
    assert_eq!(login_status(&app, "jw_admin", "jw-admin-own-password"), 200);
    // Single use.
    let (s, e) = app.activate(&token, "another-password-123");
    assert_eq!(s, 422, "{e}");
    assert!(e["errors"][0]["field"] == "token", "{e}");
    assert_eq!(login_status(&app, "jw_admin", "another-password-123"), 401);
    let audit = expect_status(
        200,
        send(app.req(reqwest::Method::GET, "/api/v1/audit", Some(&admin)).query(&[("action", "user.activate")])),
    );
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
    assert!(!audit.to_string().contains(&token), "the audit log never holds a link");

    // The unit's admin invites a liaison; an expired link is refused.
    let jw_admin = app.login("jw_admin", "jw-admin-own-password")["access_token"].as_str().unwrap().to_string();
    let (s, u) = app.post(
        &jw_admin,
        "/api/v1/users",
        json!({"username": "jw_liaison", "agency_id": unit, "roles": ["liaison"], "email": "jw.liaison@example.gov.cn"}),
    );
    assert_eq!(s, 201, "{u}");
    let mailed = link_token(&mails_to(&app, "jw.liaison@example.gov.cn")[0].1);
    // The console's fresh link voids the mailed one.
    let console = app.console_link_token("jw_liaison");
    assert_eq!(app.activate(&mailed, "liaison-password-01").0, 422);
    {
        use guantong::db::schema::credential_tokens as ct;
        let mut conn = app.pool.get().unwrap();
        diesel::update(ct::table.filter(ct::used_at.is_null()))
            .set(ct::expires_at.eq("2000-01-01T00:00:00.000000Z"))
            .execute(&mut conn)
            .unwrap();
    }
    assert_eq!(app.activate(&console, "liaison-password-01").0, 422, "expired");
    assert_eq!(login_status(&app, "jw_liaison", "liaison-password-01"), 401);
    // Without an email there is nowhere to send the link.
    let (s, e) =
        app.post(&jw_admin, "/api/v1/users", json!({"username": "nomail", "agency_id": unit, "roles": ["viewer"]}));
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "email");
}

fn agency_admin_creates_own_users_and_keys_only(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let sj = app.agency(&admin, "shenji", "audit");
    let jw_admin = app.unit_admin(&jw);
    // Own unit: with a password, and keys.
    let (s, u) = app.post(
        &jw_admin,
        "/api/v1/users",
        json!({"username": "jw_viewer", "password": PASSWORD, "agency_id": jw.id, "roles": ["viewer"]}),
    );
    assert_eq!(s, 201, "{u}");
    assert_eq!(login_status(&app, "jw_viewer", PASSWORD), 200);
    let (s, k) = app.post(&jw_admin, &format!("/api/v1/agencies/{}/api-keys", jw.id), json!({"name": "案件系统"}));
    assert_eq!(s, 201, "{k}");
    // Another unit: neither users nor keys.
    let (s, _) = app.post(
        &jw_admin,
        "/api/v1/users",
        json!({"username": "sj_spy", "password": PASSWORD, "agency_id": sj.id, "roles": ["liaison"]}),
    );
    assert_eq!(s, 403);
    let (s, _) = app.post(
        &jw_admin,
        "/api/v1/users",
        json!({"username": "sj_spy", "agency_id": sj.id, "roles": ["liaison"], "email": "spy@example.gov.cn"}),
    );
    assert_eq!(s, 403);
    assert_eq!(app.post(&jw_admin, &format!("/api/v1/agencies/{}/api-keys", sj.id), json!({"name": "x"})).0, 403);
    assert_eq!(app.get(&jw_admin, &format!("/api/v1/agencies/{}/api-keys", sj.id)).0, 403);
    // Nor the hub's admin role, nor keys as a mere liaison.
    let (s, _) = app.post(
        &jw_admin,
        "/api/v1/users",
        json!({"username": "jw_boss", "password": PASSWORD, "agency_id": jw.id, "roles": ["admin"]}),
    );
    assert_eq!(s, 403);
    assert_eq!(app.post(&jw.token, &format!("/api/v1/agencies/{}/api-keys", jw.id), json!({"name": "x"})).0, 403);
    let users = expect_status(200, app.get(&jw_admin, "/api/v1/users"))["items"].clone();
    assert!(users.as_array().unwrap().iter().all(|u| u["agency_id"] == jw.id.as_str()), "{users}");
}

fn hub_agency_holds_only_admin_and_receives_no_record(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let hub_id = app.get(&admin, "/api/v1/me").1["agency_id"].as_str().unwrap().to_string();
    // A content role in the hub agency: 422 on roles (invited, so not the password rule).
    let (s, e) = app.post(
        &admin,
        "/api/v1/users",
        json!({"username": "hub_reader", "agency_id": hub_id, "roles": ["liaison"], "email": "r@hub.example.gov.cn"}),
    );
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "roles");
    // The admin role outside the hub: 422 too.
    let unit = fresh_unit(&app, &admin, "zuzhi");
    let (s, e) = app.post(
        &admin,
        "/api/v1/users",
        json!({"username": "unit_admin_role", "password": PASSWORD, "agency_id": unit, "roles": ["admin"]}),
    );
    assert_eq!(s, 422, "{e}");
    // No second hub, and no unit turns into one.
    let (s, _) = app.post(
        &admin,
        "/api/v1/agencies",
        json!({"code": "hub2", "name": "第二平台", "kind": "hub", "level": "city"}),
    );
    assert_eq!(s, 422);
    let (s, _) = send(
        app.req(reqwest::Method::PATCH, &format!("/api/v1/agencies/{unit}"), Some(&admin))
            .json(&json!({"kind": "hub"})),
    );
    assert_eq!(s, 422);

    let jw = app.agency(&admin, "jiwei", "discipline");
    let sj = app.agency(&admin, "shenji", "audit");
    // Named as a recipient, a group member, a transfer target: 422.
    let (s, e) =
        app.post(&jw.token, "/api/v1/records", record("送平台", json!({"level": "agencies", "agencies": [hub_id]})));
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "distribution.agencies[0]");
    let (s, _) = app.post(&admin, "/api/v1/groups", json!({"name": "含平台的组", "agency_ids": [jw.id, hub_id]}));
    assert_eq!(s, 422);
    let (s, g) = app.post(&admin, "/api/v1/groups", json!({"name": "四方会审组", "agency_ids": [jw.id, sj.id]}));
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap();
    let (s, _) = app.post(&admin, &format!("/api/v1/groups/{gid}/members"), json!({"agency_id": hub_id}));
    assert_eq!(s, 422);
    let (s, clue) = app.post(&jw.token, "/api/v1/records", record("线索", json!({"level": "all"})));
    assert_eq!(s, 201, "{clue}");
    let cid = clue["id"].as_str().unwrap();
    let (s, _) = app.post(
        &jw.token,
        &format!("/api/v1/records/{cid}/transfers"),
        json!({"to_agency_id": hub_id, "suggestion": "请阅", "deadline": "2099-01-31"}),
    );
    assert_eq!(s, 422);
    let (s, _) = app.post(
        &jw.token,
        "/api/v1/deliberations",
        json!({"record_id": cid, "title": "会商", "participant_agency_ids": [hub_id]}),
    );
    assert_eq!(s, 422);
    // The same calls naming a member unit succeed (the refusals above are about the hub).
    let (s, t) = app.post(
        &jw.token,
        &format!("/api/v1/records/{cid}/transfers"),
        json!({"to_agency_id": sj.id, "suggestion": "请阅", "deadline": "2099-01-31"}),
    );
    assert_eq!(s, 201, "{t}");
    let (s, r) =
        app.post(&jw.token, "/api/v1/records", record("送审计", json!({"level": "agencies", "agencies": [sj.id]})));
    assert_eq!(s, 201, "{r}");
    let (s, _) = app.post(&jw.token, "/api/v1/records", record("组内", json!({"level": "group", "group": gid})));
    assert_eq!(s, 201);
    // `all` and the group reach the other unit, never the hub: the SQL filter lists and
    // feeds use, and the Rust check, agree on it.
    let mut conn = app.pool.get().unwrap();
    let entitled = |conn: &mut guantong::db::DbConnection, agency: &str| -> Vec<String> {
        use guantong::db::schema::records;
        let viewer = guantong::store::directory::viewer(conn, agency).unwrap();
        records::table
            .filter(guantong::policy::entitled_sql::<records::table>(&viewer))
            .select(records::id)
            .load::<String>(conn)
            .unwrap()
    };
    assert_eq!(entitled(&mut conn, &sj.id).len(), 3, "the audit office reads all three");
    assert!(entitled(&mut conn, &hub_id).is_empty(), "the hub agency receives nothing");
    let hub_viewer = guantong::store::directory::viewer(&mut conn, &hub_id).unwrap();
    let facts = guantong::policy::AccessFacts {
        owner_agency_id: jw.id.clone(),
        level: Some(guantong::domain::record::DistributionLevel::All),
        ..Default::default()
    };
    assert!(!guantong::policy::can_read(&hub_viewer, &facts));
}

both!(
    admin_manages_agencies_users_groups_and_agreements,
    hub_admin_mints_no_key_and_chooses_no_content_password,
    invitation_link_activates_once_and_expires,
    agency_admin_creates_own_users_and_keys_only,
    hub_agency_holds_only_admin_and_receives_no_record
);
