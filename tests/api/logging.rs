//! The binary's logs: structured JSON with a request id on every request line, and never a
//! password, token, API key or protected field value.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::helpers::*;

fn logs_carry_request_ids_and_no_secrets(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let database_url = match b {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("g.db").display()),
        Backend::Postgres => fresh_pg_database(),
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_guantong"))
        .args(["--database-url", &database_url, "serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("GUANTONG_JWT_SECRET", "log-test-secret-log-test-secret")
        .env("GUANTONG_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("GUANTONG_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let base = loop {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "server exited before it started");
        if let Some(i) = line.find("http://") {
            break line[i..].split('(').next().unwrap().trim().to_string();
        }
    };
    let client = reqwest::blocking::Client::new();
    let call = |m: Method, path: &str, token: Option<&str>, body: Option<serde_json::Value>| {
        let mut r = client.request(m, format!("{base}{path}"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().unwrap();
        (resp.status().as_u16(), resp.json::<serde_json::Value>().unwrap_or_default())
    };
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
    child.kill().unwrap();
    let mut logs = String::new();
    child.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    let _ = child.wait();

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
    let _ = base;
}

both!(logs_carry_request_ids_and_no_secrets);
