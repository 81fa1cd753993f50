use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::helpers::*;

fn login_refresh_rotates_and_logout_revokes(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let a = app.agency(&admin, "jiwei", "discipline");
    let _ = a;
    let t = app.login("jiwei_user", PASSWORD);
    assert_eq!(t["token_type"], "Bearer");
    assert!(t["expires_in"].as_i64().unwrap() > 0);
    let access = t["access_token"].as_str().unwrap();
    let refresh = t["refresh_token"].as_str().unwrap();

    let (s, me) = app.get(access, "/api/v1/me");
    assert_eq!(s, 200);
    assert_eq!(me["username"], "jiwei_user");
    assert_eq!(me["roles"], json!(["liaison"]));

    // Refresh rotates: the new pair works, the old refresh token does not.
    let (s, t2) = send(app.req(Method::POST, "/api/v1/auth/refresh", None).json(&json!({"refresh_token": refresh})));
    assert_eq!(s, 200);
    let refresh2 = t2["refresh_token"].as_str().unwrap();
    assert_ne!(refresh, refresh2);
    let (s, _) = app.get(t2["access_token"].as_str().unwrap(), "/api/v1/me");
    assert_eq!(s, 200);
    // Replaying the used token is refused and revokes the whole session.
    let (s, _) = send(app.req(Method::POST, "/api/v1/auth/refresh", None).json(&json!({"refresh_token": refresh})));
    assert_eq!(s, 401);
    let (s, _) = send(app.req(Method::POST, "/api/v1/auth/refresh", None).json(&json!({"refresh_token": refresh2})));
    assert_eq!(s, 401, "replay of a used refresh token must revoke the family");
    let (s, _) = app.get(access, "/api/v1/me");
    assert_eq!(s, 401, "access tokens of a revoked session stop working");

    // Logout ends a fresh session at once.
    let t3 = app.login("jiwei_user", PASSWORD);
    let access3 = t3["access_token"].as_str().unwrap();
    let (s, _) = app.post(access3, "/api/v1/auth/logout", json!({"refresh_token": t3["refresh_token"]}));
    assert_eq!(s, 204);
    let (s, _) = app.get(access3, "/api/v1/me");
    assert_eq!(s, 401);
    let (s, _) =
        send(app.req(Method::POST, "/api/v1/auth/refresh", None).json(&json!({"refresh_token": t3["refresh_token"]})));
    assert_eq!(s, 401);
}

fn wrong_password_unknown_user_forged_and_expired_tokens_are_401(b: Backend) {
    let app = TestApp::spawn(b);
    let (s, p) = send(
        app.req(Method::POST, "/api/v1/auth/login", None)
            .json(&json!({"username": "admin", "password": "wrong-password"})),
    );
    assert_eq!(s, 401);
    assert_eq!(p["status"], 401);
    let (s, _) =
        send(app.req(Method::POST, "/api/v1/auth/login", None).json(&json!({"username": "nobody", "password": "x"})));
    assert_eq!(s, 401);
    // Forged: signed with another secret.
    let forged = guantong::auth::issue_access_token(b"another-secret-another-secret", "u", "s", 600).unwrap();
    let (s, _) = app.get(&forged, "/api/v1/me");
    assert_eq!(s, 401);
    // Expired: right secret, past expiry.
    let expired = guantong::auth::issue_access_token(b"test-secret-test-secret-0123456789", "u", "s", -10).unwrap();
    let (s, _) = app.get(&expired, "/api/v1/me");
    assert_eq!(s, 401);
    // Garbage and missing.
    let (s, _) = app.get("not.a.jwt", "/api/v1/me");
    assert_eq!(s, 401);
    let (s, _) = send(app.req(Method::GET, "/api/v1/me", None));
    assert_eq!(s, 401);
    let (s, _) = send(app.req(Method::GET, "/api/v1/me", None).header("Authorization", "Basic YWRtaW46eA=="));
    assert_eq!(s, 401);
}

fn api_keys_are_shown_once_work_and_revoke(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let a = app.agency(&admin, "shenji", "audit");
    let (s, k) = app.post(&admin, &format!("/api/v1/agencies/{}/api-keys", a.id), json!({"name": "审计业务系统"}));
    assert_eq!(s, 201, "{k}");
    let key = k["key"].as_str().unwrap();
    assert!(key.starts_with("gtk_"));
    let (s, me) = app.get(key, "/api/v1/me");
    assert_eq!(s, 200);
    assert_eq!(me["agency_id"], a.id.as_str());
    // The list never shows the key again.
    let (s, list) = app.get(&admin, &format!("/api/v1/agencies/{}/api-keys", a.id));
    assert_eq!(s, 200);
    assert!(!list.to_string().contains(key));
    // A key can publish as its agency.
    let (s, r) = app.post(key, "/api/v1/records", record("系统推送的审计发现", json!({"level": "own"})));
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["owner_agency_id"], a.id.as_str());
    // Revoked: refused at once.
    let (s, _) = app.delete(&admin, &format!("/api/v1/agencies/{}/api-keys/{}", a.id, k["id"].as_str().unwrap()));
    assert_eq!(s, 204);
    let (s, _) = app.get(key, "/api/v1/me");
    assert_eq!(s, 401);
    // A liaison of another agency may not issue keys for this one.
    let other = app.agency(&admin, "other", "finance");
    let (s, _) = app.post(&other.token, &format!("/api/v1/agencies/{}/api-keys", a.id), json!({"name": "x"}));
    assert_eq!(s, 403);
}

both!(
    login_refresh_rotates_and_logout_revokes,
    wrong_password_unknown_user_forged_and_expired_tokens_are_401,
    api_keys_are_shown_once_work_and_revoke
);
