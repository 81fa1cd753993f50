//! The binary's logs: structured JSON with a request id on every request line, and never a
//! password, token, API key or protected field value.

use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::helpers::*;

fn logs_carry_request_ids_and_no_secrets(b: Backend) {
    let server = ServerProcess::start(b, &[]);
    let call =
        |m: Method, path: &str, token: Option<&str>, body: Option<serde_json::Value>| server.call(m, path, token, body);
    let (_, t) =
        call(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": "admin", "password": ADMIN_PASSWORD})));
    let admin = t["access_token"].as_str().unwrap().to_string();
    let refresh = t["refresh_token"].as_str().unwrap().to_string();
    let (_, a) = call(
        Method::POST,
        "/api/v1/agencies",
        Some(&admin),
        Some(json!({"code": "xf", "name": "市信访局", "kind": "petition", "level": "city"})),
    );
    let (_, k) = call(
        Method::POST,
        &format!("/api/v1/agencies/{}/api-keys", a["id"].as_str().unwrap()),
        Some(&admin),
        Some(json!({"name": "信访系统"})),
    );
    let key = k["key"].as_str().unwrap().to_string();
    let (s, r) = call(
        Method::POST,
        "/api/v1/records",
        Some(&key),
        Some(
            json!({"kind": "petition", "title": "举报", "sensitivity": "sensitive", "protected": {"reporter_phone": "13912345678"}}),
        ),
    );
    assert_eq!(s, 201, "{r}");
    let (s, _) = call(Method::GET, &format!("/api/v1/records/{}", r["id"].as_str().unwrap()), Some(&key), None);
    assert_eq!(s, 200);
    let (s, _) = call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "admin", "password": "wrong-password-xyz"})),
    );
    assert_eq!(s, 401);
    let logs = server.stop();

    let request_lines: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "request finished")
        .collect();
    assert!(request_lines.len() >= 6, "one line per request: {logs}");
    assert!(request_lines.iter().all(|v| v["span"]["request_id"].as_str().is_some_and(|id| !id.is_empty())), "{logs}");
    for secret in
        [ADMIN_PASSWORD, "wrong-password-xyz", &admin, &refresh, &key, "13912345678", "log-test-secret-log-test-secret"]
    {
        assert!(!logs.contains(secret), "a secret reached the log: {secret}");
    }
}

both!(logs_carry_request_ids_and_no_secrets);
