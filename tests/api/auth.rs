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
    // The unit's own admin issues keys (the hub admin cannot: tests/api/admin.rs).
    let unit_admin = app.unit_admin(&a);
    let (s, k) = app.post(&unit_admin, &format!("/api/v1/agencies/{}/api-keys", a.id), json!({"name": "审计业务系统"}));
    assert_eq!(s, 201, "{k}");
    let key = k["key"].as_str().unwrap();
    assert!(key.starts_with("gtk_"));
    let (s, me) = app.get(key, "/api/v1/me");
    assert_eq!(s, 200);
    assert_eq!(me["agency_id"], a.id.as_str());
    // The list never shows the key again.
    let (s, list) = app.get(&unit_admin, &format!("/api/v1/agencies/{}/api-keys", a.id));
    assert_eq!(s, 200);
    assert!(!list.to_string().contains(key));
    // A key can publish as its agency.
    let (s, r) = app.post(key, "/api/v1/records", record("系统推送的审计发现", json!({"level": "own"})));
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["owner_agency_id"], a.id.as_str());
    // Revoked: refused at once.
    let (s, _) = app.delete(&unit_admin, &format!("/api/v1/agencies/{}/api-keys/{}", a.id, k["id"].as_str().unwrap()));
    assert_eq!(s, 204);
    let (s, _) = app.get(key, "/api/v1/me");
    assert_eq!(s, 401);
    // A liaison of another agency may not issue keys for this one.
    let other = app.agency(&admin, "other", "finance");
    let (s, _) = app.post(&other.token, &format!("/api/v1/agencies/{}/api-keys", a.id), json!({"name": "x"}));
    assert_eq!(s, 403);
}

fn login(app: &TestApp, username: &str, password: &str) -> reqwest::blocking::Response {
    app.req(Method::POST, "/api/v1/auth/login", None)
        .json(&json!({"username": username, "password": password}))
        .send()
        .unwrap()
}

fn throttled_app(b: Backend, configure: impl FnOnce(&mut guantong::config::Settings)) -> TestApp {
    TestApp::spawn_with(b, |s| {
        s.login_lock_base_secs = 600;
        configure(s);
    })
}

fn forty_wrong_passwords_lock_the_user(b: Backend) {
    let app = throttled_app(b, |_| {});
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let mut statuses = Vec::new();
    for i in 0..40 {
        let r = login(&app, "jiwei_user", &format!("guess-{i:04}-wrong"));
        let status = r.status().as_u16();
        if status == 429 {
            let retry: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!(retry > 0 && retry <= 600, "{retry}");
            assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
        }
        statuses.push(status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "5 free failures, then locked: {statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // While locked, the right password is refused too.
    assert_eq!(login(&app, "jiwei_user", PASSWORD).status().as_u16(), 429);
    // Another user from elsewhere is not affected (the address budget is larger), and the
    // locked user's live sessions keep working.
    assert_eq!(app.get(&jw.token, "/api/v1/me").0, 200);
    assert_eq!(login(&app, "admin", ADMIN_PASSWORD).status().as_u16(), 200);
    // The lock is audited once (not each guess).
    let audit = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/audit", Some(&admin)).query(&[("action", "auth.login_locked")])),
    );
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{audit}");
    assert_eq!(items[0]["detail"]["key"], "user:jiwei_user");
    assert!(!audit.to_string().contains("guess-"), "no password in the audit log");
}

fn a_burst_gets_no_more_tries_than_the_budget(b: Backend) {
    let app = throttled_app(b, |_| {});
    // Twelve guesses at once for a name never seen (the counter row is created by the race):
    // attempts are counted before the password is checked, so exactly the five free ones
    // are tried, and nothing fails with a 500.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..12)
            .map(|i| {
                let app = &app;
                scope.spawn(move || login(app, "burst_target", &format!("guess-{i}")).status().as_u16())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 7, "{statuses:?}");
}

fn a_success_starts_the_count_over(b: Backend) {
    let app = throttled_app(b, |s| {
        s.login_lock_base_secs = 1;
        s.login_lock_max_secs = 1;
    });
    let admin = app.admin_token();
    app.agency(&admin, "jiwei", "discipline");
    for i in 0..5 {
        assert_eq!(login(&app, "jiwei_user", &format!("wrong-{i}")).status().as_u16(), 401);
    }
    assert_eq!(login(&app, "jiwei_user", PASSWORD).status().as_u16(), 429);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(login(&app, "jiwei_user", PASSWORD).status().as_u16(), 200, "the lock ends");
    // Counted from zero again: four more failures are all plain 401s.
    for i in 0..4 {
        assert_eq!(login(&app, "jiwei_user", &format!("again-{i}")).status().as_u16(), 401);
    }
}

fn the_address_throttle_spans_usernames(b: Backend) {
    let app = throttled_app(b, |s| {
        s.login_free_failures = 100;
        s.login_ip_free_failures = 8;
    });
    for i in 0..8 {
        assert_eq!(login(&app, &format!("nobody{i}"), "x").status().as_u16(), 401);
    }
    assert_eq!(login(&app, "someone_else", "x").status().as_u16(), 429);
    // A forged X-Forwarded-For from an untrusted peer changes nothing.
    let r = app
        .req(Method::POST, "/api/v1/auth/login", None)
        .header("X-Forwarded-For", "198.51.100.7")
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);

    // Behind a trusted proxy, each client address has its own budget.
    let app = throttled_app(b, |s| {
        s.login_free_failures = 100;
        s.login_ip_free_failures = 3;
        s.trusted_proxies = vec!["127.0.0.1".into()];
    });
    let from = |addr: &str, user: &str, pw: &str| {
        app.req(Method::POST, "/api/v1/auth/login", None)
            .header("X-Forwarded-For", addr)
            .json(&json!({"username": user, "password": pw}))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    for i in 0..3 {
        assert_eq!(from("198.51.100.7", &format!("x{i}"), "x"), 401);
    }
    assert_eq!(from("198.51.100.7", "x9", "x"), 429);
    assert_eq!(from("203.0.113.5", "admin", ADMIN_PASSWORD), 200);
}

fn throttled_logins_do_not_stall_other_requests(b: Backend) {
    let app = throttled_app(b, |s| s.login_free_failures = 3);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (app, stop) = (&app, &stop);
            scope.spawn(move || {
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let s = login(app, if t % 2 == 0 { "jiwei_user" } else { "nobody" }, &format!("w{i}")).status();
                    assert!(s == 401 || s == 429, "{s}");
                    i += 1;
                }
            });
        }
        let mut slowest = std::time::Duration::ZERO;
        for i in 0..15 {
            let started = std::time::Instant::now();
            assert_eq!(app.get(&jw.token, "/api/v1/me").0, 200);
            let (s, r) =
                app.post(&jw.token, "/api/v1/records", record(&format!("并发写入{i}"), json!({"level": "own"})));
            assert_eq!(s, 201, "{r}");
            slowest = slowest.max(started.elapsed());
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        // Loose: a failed login neither holds a pooled connection while hashing nor waits
        // for the event log's lock, so reads and writes go on.
        assert!(slowest < std::time::Duration::from_secs(5), "{slowest:?}");
    });
}

/// The fastest of several wrong-password logins per user, the users taking turns in each
/// round so a busy machine slows them alike; the minimum is the intrinsic cost (noise only
/// adds). Returns, per user, (ms, status, body).
fn fastest_login_ms(app: &TestApp, usernames: &[&str]) -> Vec<(f64, u16, serde_json::Value)> {
    let mut out: Vec<(f64, u16, serde_json::Value)> =
        usernames.iter().map(|_| (f64::MAX, 0, serde_json::Value::Null)).collect();
    for i in 0..9 {
        for (u, username) in usernames.iter().enumerate() {
            let started = std::time::Instant::now();
            let (status, body) = send(
                app.req(Method::POST, "/api/v1/auth/login", None)
                    .json(&json!({"username": username, "password": format!("nope-{i}")})),
            );
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            out[u] = (out[u].0.min(ms), status, body);
        }
    }
    out
}

fn unknown_and_inactive_users_cost_the_same(b: Backend) {
    let app = throttled_app(b, |s| {
        s.login_free_failures = 1000;
        s.login_ip_free_failures = 1000;
    });
    let admin = app.admin_token();
    app.agency(&admin, "jiwei", "discipline");
    // An invited user who has not activated yet.
    let unit = app
        .post(&admin, "/api/v1/agencies", json!({"code": "shenji", "name": "审计", "kind": "audit", "level": "city"}))
        .1;
    let (s, _) = app.post(
        &admin,
        "/api/v1/users",
        json!({"username": "pending", "agency_id": unit["id"], "roles": ["agency_admin"], "email": "p@example.gov.cn"}),
    );
    assert_eq!(s, 201);
    let t = fastest_login_ms(&app, &["jiwei_user", "no_such_user", "pending"]);
    let [(real, s1, p1), (unknown, s2, p2), (pending, s3, p3)] = [t[0].clone(), t[1].clone(), t[2].clone()];
    assert_eq!((s1, s2, s3), (401, 401, 401));
    assert_eq!(p1["detail"], p2["detail"]);
    assert_eq!(p1["detail"], p3["detail"]);
    // The dummy verify runs: without it an unknown user answers many times faster.
    for (what, t) in [("unknown", unknown), ("not activated", pending)] {
        let ratio = t / real;
        assert!((0.4..2.5).contains(&ratio), "{what}: {t:.1} ms vs {real:.1} ms for a real user");
    }
}

fn password_reset_by_one_time_link_without_enumeration(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let ask =
        |name: &str| send(app.req(Method::POST, "/api/v1/auth/password-reset", None).json(&json!({"username": name})));
    // Signed in on the web too: the reset ends that session as well.
    let web = crate::web_http::http_sign_in(&app, "jiwei_user", PASSWORD).expect("a web session");
    let known = ask("jiwei_user");
    let unknown = ask("no_such_user");
    assert_eq!(known, (202, serde_json::Value::Null));
    assert_eq!(unknown, known, "the same answer whether or not the user exists");
    let mut mails = Vec::new();
    for _ in 0..100 {
        mails = crate::admin::mails_to(&app, "jiwei@example.gov.cn");
        if !mails.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].0, "account.password_reset");
    assert!(!mails[0].1.contains(PASSWORD));
    let token = crate::admin::link_token(&mails[0].1);
    let (s, v) = app.activate(&token, "my-new-password-01");
    assert_eq!((s, v["username"].as_str()), (200, Some("jiwei_user")));
    assert_eq!(app.get(&jw.token, "/api/v1/me").0, 401, "a reset ends the old sessions");
    let page = crate::web_http::get_page(&app, "/", &web);
    assert_eq!(page.status().as_u16(), 303, "a reset ends the web sessions too");
    assert!(page.headers()["location"].to_str().unwrap().starts_with("/login"));
    assert_eq!(login(&app, "jiwei_user", PASSWORD).status().as_u16(), 401);
    assert_eq!(login(&app, "jiwei_user", "my-new-password-01").status().as_u16(), 200);
    assert_eq!(app.activate(&token, "yet-another-pass-01").0, 422, "single use");

    // The hub admin may send a user a reset link; it never sees the link.
    let users = expect_status(200, app.get(&admin, "/api/v1/users"))["items"].clone();
    let uid = users.as_array().unwrap().iter().find(|u| u["username"] == "jiwei_user").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, body) = app.post(&admin, &format!("/api/v1/users/{uid}/password-reset"), json!({}));
    assert_eq!((s, body), (202, serde_json::Value::Null));
    assert_eq!(crate::admin::mails_to(&app, "jiwei@example.gov.cn").len(), 2);
    // Another unit's liaison may not.
    let other = app.agency(&admin, "shenji", "audit");
    assert_eq!(app.post(&other.token, &format!("/api/v1/users/{uid}/password-reset"), json!({})).0, 403);
    // Asking again and again is throttled like logins.
    let statuses: Vec<u16> = (0..8).map(|_| ask("no_such_user").0).collect();
    assert!(statuses.contains(&429), "{statuses:?}");
}

both!(
    login_refresh_rotates_and_logout_revokes,
    wrong_password_unknown_user_forged_and_expired_tokens_are_401,
    api_keys_are_shown_once_work_and_revoke,
    forty_wrong_passwords_lock_the_user,
    a_burst_gets_no_more_tries_than_the_budget,
    a_success_starts_the_count_over,
    the_address_throttle_spans_usernames,
    throttled_logins_do_not_stall_other_requests,
    unknown_and_inactive_users_cost_the_same,
    password_reset_by_one_time_link_without_enumeration
);
