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
    let t = expect_status(
        200,
        call(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": "admin", "password": ADMIN_PASSWORD}))),
    );
    let admin = t["access_token"].as_str().unwrap().to_string();
    let refresh = t["refresh_token"].as_str().unwrap().to_string();
    let a = expect_status(
        201,
        call(
            Method::POST,
            "/api/v1/agencies",
            Some(&admin),
            Some(json!({"code": "xf", "name": "市信访局", "kind": "petition", "level": "city"})),
        ),
    );
    let agency_id = a["id"].as_str().unwrap();
    // The unit's admin is invited (no SMTP: the mail goes to the log, recipient and subject
    // only), takes the link from the server console and sets their own password.
    let (s, u) = call(
        Method::POST,
        "/api/v1/users",
        Some(&admin),
        Some(
            json!({"username": "xf_admin", "agency_id": agency_id, "roles": ["agency_admin"], "email": "xf@example.gov.cn"}),
        ),
    );
    assert_eq!(s, 201, "{u}");
    let link = server.console(&["admin", "invite", "xf_admin"]);
    let activation_token = link.split("token=").nth(1).expect("the console prints the link").trim().to_string();
    let unit_password = "xf-admin-own-password-01";
    let (s, v) = call(
        Method::POST,
        "/api/v1/auth/activate",
        None,
        Some(json!({"token": activation_token, "password": unit_password})),
    );
    assert_eq!(s, 200, "{v}");
    let t = expect_status(
        200,
        call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "xf_admin", "password": unit_password})),
        ),
    );
    let unit_admin = t["access_token"].as_str().unwrap().to_string();
    let k = expect_status(
        201,
        call(
            Method::POST,
            &format!("/api/v1/agencies/{agency_id}/api-keys"),
            Some(&unit_admin),
            Some(json!({"name": "信访系统"})),
        ),
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
    assert!(logs.contains("邮件(未配置 SMTP,仅记录日志)"), "the invitation mail was logged (without its link): {logs}");
    assert!(request_lines.iter().all(|v| v["span"]["request_id"].as_str().is_some_and(|id| !id.is_empty())), "{logs}");
    for secret in [
        ADMIN_PASSWORD,
        "wrong-password-xyz",
        &admin,
        &refresh,
        &key,
        "13912345678",
        "log-test-secret-log-test-secret",
        &activation_token,
        unit_password,
        &unit_admin,
    ] {
        assert!(!logs.contains(secret), "a secret reached the log: {secret}");
    }
}

both!(logs_carry_request_ids_and_no_secrets);
