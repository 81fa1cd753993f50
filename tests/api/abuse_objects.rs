//! Supervision objects: the creating unit is shown to that unit only, identity numbers are
//! stored under a keyed digest and their lookups are throttled; a clean `serve --demo` start
//! logs no error.

use reqwest::Method;
use serde_json::{json, Value};
use sha2::Digest;

use crate::both;
use crate::helpers::*;

fn person(app: &TestApp, a: &Agency, id_number: Option<&str>) -> Value {
    let mut body = json!({"name": "张某某", "kind": "person", "unit": "市住建局", "position": "副局长"});
    if let Some(n) = id_number {
        body["id_number"] = json!(n);
    }
    let (s, o) = app.post(&a.token, "/api/v1/objects", body);
    assert_eq!(s, 201, "{o}");
    o
}

fn by_number(app: &TestApp, token: &str, n: &str) -> (u16, Value) {
    send(app.req(Method::GET, "/api/v1/objects", Some(token)).query(&[("id_number", n)]))
}

fn the_creator_is_shown_to_the_creating_agency_only(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let o = person(&app, &xc, None);
    let id = o["id"].as_str().unwrap();
    assert_eq!(o["created_by_agency_id"], xc.id.as_str(), "the creator sees itself");
    let mine = expect_status(200, app.get(&xc.token, "/api/v1/objects"));
    assert_eq!(mine["items"][0]["created_by_agency_id"], xc.id.as_str());
    assert_eq!(app.get(&xc.token, &format!("/api/v1/objects/{id}")).1["created_by_agency_id"], xc.id.as_str());
    // Another unit sees the object, not who registered it.
    let (s, theirs) = app.get(&jw.token, "/api/v1/objects");
    assert_eq!(s, 200);
    assert_eq!(theirs["items"][0]["id"], id);
    assert!(theirs["items"][0]["created_by_agency_id"].is_null(), "{theirs}");
    assert!(!theirs.to_string().contains(&xc.id), "{theirs}");
    let (s, one) = app.get(&jw.token, &format!("/api/v1/objects/{id}"));
    assert_eq!(s, 200);
    assert!(one["created_by_agency_id"].is_null() && !one.to_string().contains(&xc.id), "{one}");
}

fn identity_numbers_are_stored_under_a_keyed_digest(b: Backend) {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct H {
        #[diesel(sql_type = diesel::sql_types::Text)]
        h: String,
    }
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let number = "11010519491231002X";
    let o = person(&app, &xc, Some(number));
    assert!(!o.to_string().contains(number) && !o.to_string().contains("id_number"), "{o}");
    // Found by its number (by any unit), not by another.
    let (s, found) = by_number(&app, &jw.token, &number.to_lowercase());
    assert_eq!((s, found["items"][0]["id"].clone()), (200, o["id"].clone()), "{found}");
    assert!(by_number(&app, &jw.token, "110105194912310030").1["items"].as_array().unwrap().is_empty());
    // The stored digest is not the plain SHA-256 anyone could recompute for every number.
    let mut conn = app.pool.get().unwrap();
    let stored =
        diesel::sql_query("SELECT id_number_hash AS h FROM subject_objects").get_result::<H>(&mut *conn).unwrap().h;
    let unkeyed = hex::encode(sha2::Sha256::digest(format!("guantong-object-id:{number}").as_bytes()));
    assert_ne!(stored, unkeyed);
    assert_eq!(stored.len(), 64);
    // A hub with another key cannot match it: the key, not the database, makes the digest.
    let other = app.another_instance(|s| {
        s.identity_key = Some(guantong::config::Secret::new("another-identity-key-0123456789"));
        s.delivery_workers = false;
    });
    let (s, v) =
        send(app.client.get(format!("{other}/api/v1/objects")).bearer_auth(&jw.token).query(&[("id_number", number)]));
    assert_eq!(s, 200, "{v}");
    assert!(v["items"].as_array().unwrap().is_empty(), "{v}");
}

fn identity_number_lookups_are_throttled(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        s.object_lookup_limit = 3;
        s.object_lookup_window_secs = 600;
    });
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    person(&app, &xc, Some("11010519491231002X"));
    for i in 0..3 {
        assert_eq!(by_number(&app, &jw.token, &format!("11010519491231{i:04}")).0, 200);
    }
    let resp = app
        .req(Method::GET, "/api/v1/objects", Some(&jw.token))
        .query(&[("id_number", "11010519491231002X")])
        .send()
        .unwrap();
    assert_eq!(resp.status(), 429);
    let wait: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&wait), "{wait}");
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
    let p: Value = resp.json().unwrap();
    assert!(p["detail"].as_str().unwrap().contains("过于频繁"), "{p}");
    // The budget is the hub's, not one instance's: behind a load balancer another
    // instance on the same database refuses the spent principal too.
    let other = app.another_instance(|s| {
        s.object_lookup_limit = 3;
        s.object_lookup_window_secs = 600;
        s.delivery_workers = false;
    });
    let (s, v) =
        send(app.client.get(format!("{other}/api/v1/objects")).bearer_auth(&jw.token).query(&[("id_number", "1101")]));
    assert_eq!(s, 429, "{v}");
    // Another principal has its own budget; browsing without a number is not counted.
    assert_eq!(by_number(&app, &xc.token, "11010519491231002X").0, 200);
    let (s, _) = send(app.req(Method::GET, "/api/v1/objects", Some(&jw.token)).query(&[("q", "张")]));
    assert_eq!(s, 200);
}

/// A spent lookup budget is back when its window is over.
fn identity_number_lookup_budget_renews_each_window(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        s.object_lookup_limit = 2;
        s.object_lookup_window_secs = 3;
    });
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let statuses = |n: usize| (0..n).map(|i| by_number(&app, &jw.token, &format!("1101{i}")).0).collect::<Vec<_>>();
    assert_eq!(statuses(3), vec![200, 200, 429]);
    std::thread::sleep(std::time::Duration::from_millis(3100));
    assert_eq!(statuses(3), vec![200, 200, 429]);
}

/// `serve` refuses to start without an identity key outside --demo, naming the setting.
fn the_identity_key_is_required(_b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_guantong"))
        .args([
            "--database-url",
            &format!("sqlite://{}", dir.path().join("g.db").display()),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .env("GUANTONG_JWT_SECRET", "log-test-secret-log-test-secret")
        .env_remove("GUANTONG_IDENTITY_KEY")
        .env("GUANTONG_LOG", "error")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("GUANTONG_IDENTITY_KEY"), "{text}");
}

/// A fresh `serve --demo` loads the demo data and runs its delivery loops without logging an
/// error (it once logged "database is locked").
fn a_clean_demo_start_logs_no_error(b: Backend) {
    let server = ServerProcess::start_with_args(b, &["--demo"], &[("GUANTONG_DELIVERY_POLL_MS", "50")]);
    let (s, _) = server.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "jiwei_liaison", "password": "Guantong@2026"})),
    );
    assert_eq!(s, 200, "the demo data is there");
    std::thread::sleep(std::time::Duration::from_secs(3));
    let log = server.stop();
    assert!(log.contains("applied database migrations"), "the log was captured: {log}");
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("\"level\":\"ERROR\"")).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

both!(
    the_creator_is_shown_to_the_creating_agency_only,
    identity_numbers_are_stored_under_a_keyed_digest,
    identity_number_lookups_are_throttled,
    identity_number_lookup_budget_renews_each_window,
    the_identity_key_is_required,
    a_clean_demo_start_logs_no_error,
);
