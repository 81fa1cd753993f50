use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

fn push(app: &TestApp, token: &str, body: String, key: Option<&str>) -> (u16, Vec<Value>, reqwest::header::HeaderMap) {
    let mut r = app
        .req(Method::POST, "/api/v1/sync/batches", Some(token))
        .header("Content-Type", "application/x-ndjson")
        .body(body);
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    let resp = r.send().unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().unwrap();
    let lines = if status == 200 { text.lines().map(|l| serde_json::from_str(l).unwrap()).collect() } else { vec![] };
    (status, lines, headers)
}

fn line(ext: &str, title: &str) -> String {
    json!({"external_id": ext, "kind": "case", "title": title, "body": "案情", "distribution": {"level": "all"}})
        .to_string()
}

fn bulk_upsert_is_idempotent_and_reports_each_line(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let other = app.agency(&admin, "jiancha", "procuratorate");
    let mut lines: Vec<String> = (0..50).map(|i| line(&format!("JW-{i:04}"), &format!("案件{i}"))).collect();
    lines.insert(10, "{not json".into());
    lines.insert(20, json!({"kind": "case", "title": "没有外部编号"}).to_string());
    lines.insert(30, json!({"external_id": "JW-BAD", "kind": "nonsense", "title": "类别错误"}).to_string());
    let body = lines.join("\n") + "\n";
    let (s, results, h) = push(&app, &jw.token, body.clone(), None);
    assert_eq!(s, 200);
    assert_eq!(results.len(), 53);
    assert_eq!(h["X-Batch-Created"], "50");
    assert_eq!(h["X-Batch-Rejected"], "3");
    let rejected: Vec<u64> =
        results.iter().filter(|r| r["status"] == "rejected").map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(rejected, vec![11, 21, 31]);
    assert_eq!(results[30]["errors"][0]["field"], "kind");
    // The same batch again changes nothing, and says so per line.
    let (_, again, h) = push(&app, &jw.token, body, None);
    assert_eq!(h["X-Batch-Unchanged"], "50");
    assert_eq!(h["X-Batch-Created"], "0");
    assert!(again.iter().filter(|r| r["status"] != "rejected").all(|r| r["status"] == "unchanged"));
    let f =
        expect_status(200, send(app.req(Method::GET, "/api/v1/feed", Some(&other.token)).query(&[("limit", "500")])));
    assert_eq!(f["events"].as_array().unwrap().len(), 50, "no duplicate events from the repeat");
    // A changed line updates that record only.
    let (_, res, h) = push(&app, &jw.token, line("JW-0003", "案件3(已更新)"), None);
    assert_eq!(h["X-Batch-Updated"], "1");
    assert_eq!(res[0]["version"], 2);
    let page =
        expect_status(200, send(app.req(Method::GET, "/api/v1/records", Some(&other.token)).query(&[("q", "已更新")])));
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    // With an Idempotency-Key the first answer comes back, marked as replayed.
    let body = line("JW-0100", "新案件") + "\n";
    let (_, first, _) = push(&app, &jw.token, body.clone(), Some("batch-2026-11-21"));
    let (_, second, h) = push(&app, &jw.token, body, Some("batch-2026-11-21"));
    assert_eq!(first, second);
    assert_eq!(first[0]["status"], "created");
    assert_eq!(h["X-Batch-Replayed"], "true");
    // Wrong content type.
    let (s, _) = send(
        app.req(Method::POST, "/api/v1/sync/batches", Some(&jw.token)).header("Content-Type", "text/plain").body("x"),
    );
    assert_eq!(s, 415);
}

both!(bulk_upsert_is_idempotent_and_reports_each_line);
