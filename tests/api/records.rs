use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::helpers::*;

fn publish_read_search_update_history_withdraw(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let (s, obj) = app.post(&xc.token, "/api/v1/objects", json!({"name": "市住房和城乡建设局", "kind": "unit"}));
    assert_eq!(s, 201, "{obj}");
    let obj_id = obj["id"].as_str().unwrap();
    let body = json!({
        "kind": "clue", "title": "市住建局违规问题线索", "body": "反映该局以加班费名义违规发放津补贴46.8万元",
        "category": "中央八项规定精神", "object_ids": [obj_id], "tags": ["巡察移交"],
        "distribution": {"level": "agencies", "agencies": [jw.id]}, "sensitivity": "general",
        "external_id": "XC-2026-0001"
    });
    let (s, r) = app.post(&xc.token, "/api/v1/records", body.clone());
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_str().unwrap().to_string();
    assert_eq!(r["version"], 1);
    assert_eq!(r["owner_agency_id"], xc.id.as_str());
    // Same external id again: conflict, nothing created.
    let (s, _) = app.post(&xc.token, "/api/v1/records", body);
    assert_eq!(s, 409);

    // Chinese substring search finds it for the recipient.
    let (s, page) = send(app.req(Method::GET, "/api/v1/records", Some(&jw.token)).query(&[("q", "违规发放")]));
    assert_eq!(s, 200);
    let ids: Vec<&str> = page["items"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![id.as_str()]);
    let (s, page) = send(app.req(Method::GET, "/api/v1/records", Some(&jw.token)).query(&[("q", "不存在的词语")]));
    assert_eq!((s, page["items"].as_array().unwrap().len()), (200, 0));
    // Filters: kind, object, category (by name or code), tag, source agency.
    for (k, v) in [
        ("kind", "clue"),
        ("object_id", obj_id),
        ("category", "中央八项规定精神"),
        ("category", "eight_point"),
        ("tag", "巡察移交"),
        ("source_agency_id", xc.id.as_str()),
    ] {
        let (s, page) = send(app.req(Method::GET, "/api/v1/records", Some(&jw.token)).query(&[(k, v)]));
        assert_eq!(s, 200);
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "filter {k}={v}");
    }
    let (s, page) = send(app.req(Method::GET, "/api/v1/records", Some(&jw.token)).query(&[("kind", "notice")]));
    assert_eq!((s, page["items"].as_array().unwrap().len()), (200, 0));

    // Update needs If-Match: missing 428, stale 412, current 200.
    let (s, _) = send(
        app.req(Method::PATCH, &format!("/api/v1/records/{id}"), Some(&xc.token)).json(&json!({"title": "新标题"})),
    );
    assert_eq!(s, 428);
    let (s, _) = app.patch(&xc.token, &format!("/api/v1/records/{id}"), 7, json!({"title": "新标题"}));
    assert_eq!(s, 412);
    let (s, r2) =
        app.patch(&xc.token, &format!("/api/v1/records/{id}"), 1, json!({"title": "市住建局违规发放津补贴问题线索"}));
    assert_eq!(s, 200, "{r2}");
    assert_eq!(r2["version"], 2);
    // The recipient may read but not change it.
    let (s, _) = app.patch(&jw.token, &format!("/api/v1/records/{id}"), 2, json!({"title": "篡改"}));
    assert_eq!(s, 403);
    // History shows both versions.
    let (s, h) = app.get(&jw.token, &format!("/api/v1/records/{id}/history"));
    assert_eq!(s, 200, "{h}");
    let titles: Vec<&str> =
        h["items"].as_array().unwrap().iter().map(|e| e["record"]["title"].as_str().unwrap()).collect();
    assert_eq!(titles, vec!["市住建局违规问题线索", "市住建局违规发放津补贴问题线索"]);
    // Withdraw: gone for everyone.
    let (s, _) = app.delete(&jw.token, &format!("/api/v1/records/{id}"));
    assert_eq!(s, 403);
    let (s, _) = app.delete(&xc.token, &format!("/api/v1/records/{id}"));
    assert_eq!(s, 204);
    for t in [&xc.token, &jw.token] {
        let (s, _) = app.get(t, &format!("/api/v1/records/{id}"));
        assert_eq!(s, 404);
    }
}

fn idempotency_key_returns_the_first_answer(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let a = app.agency(&admin, "xuncha", "inspection");
    let body = record("重复提交测试", json!({"level": "own"}));
    let post =
        || send(app.req(Method::POST, "/api/v1/records", Some(&a.token)).header("Idempotency-Key", "k-1").json(&body));
    let (s1, r1) = post();
    let (s2, r2) = post();
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(r1["id"], r2["id"]);
    let page = expect_status(200, app.get(&a.token, "/api/v1/records"));
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "a retried create creates once");
    // The same key with another body is refused.
    let (s, _) = send(
        app.req(Method::POST, "/api/v1/records", Some(&a.token))
            .header("Idempotency-Key", "k-1")
            .json(&record("另一条", json!({"level": "own"}))),
    );
    assert_eq!(s, 422);
}

fn list_pages_by_cursor(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let a = app.agency(&admin, "xuncha", "inspection");
    for i in 0..7 {
        let (s, _) = app.post(&a.token, "/api/v1/records", record(&format!("第{i}条"), json!({"level": "own"})));
        assert_eq!(s, 201);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = vec![("limit".to_string(), "3".to_string())];
        if let Some(c) = &cursor {
            q.push(("cursor".into(), c.clone()));
        }
        let (s, page) = send(app.req(Method::GET, "/api/v1/records", Some(&a.token)).query(&q));
        assert_eq!(s, 200);
        for it in page["items"].as_array().unwrap() {
            seen.push(it["title"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).rev().map(|i| format!("第{i}条")).collect();
    assert_eq!(seen, expected, "newest first, each once");
}

both!(publish_read_search_update_history_withdraw, idempotency_key_returns_the_first_answer, list_pages_by_cursor);

/// Concurrent writers lose nothing: every acknowledged record is there, the event sequence
/// has no gap (a feed reader never skips a late commit), and the audit chain verifies.
fn concurrent_writes_keep_sequence_and_chain(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let agencies: Vec<Agency> = (0..4).map(|i| app.agency(&admin, &format!("unit{i}"), "audit")).collect();
    let created = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for a in &agencies {
            for t in 0..2 {
                let (app, a, created) = (&app, a, &created);
                s.spawn(move || {
                    for i in 0..15 {
                        let (st, r) = app.post(
                            &a.token,
                            "/api/v1/records",
                            record(&format!("并发{t}-{i}"), json!({"level": "all"})),
                        );
                        assert_eq!(st, 201, "{r}");
                        created.lock().unwrap().push(r["id"].as_str().unwrap().to_string());
                    }
                });
            }
        }
    });
    let created = created.into_inner().unwrap();
    assert_eq!(created.len(), 120);
    // A fresh reader sees every record exactly once, in one gap-free sequence.
    let reader = app.agency(&admin, "reader", "finance");
    let (mut after, mut seen, mut seqs) = (0i64, Vec::new(), Vec::new());
    loop {
        let page = expect_status(
            200,
            send(
                app.req(Method::GET, "/api/v1/feed", Some(&reader.token))
                    .query(&[("after", after.to_string()), ("limit", "50".into())]),
            ),
        );
        for e in page["events"].as_array().unwrap() {
            seqs.push(e["seq"].as_i64().unwrap());
            seen.push(e["record_id"].as_str().unwrap().to_string());
        }
        after = page["next_cursor"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    let mut a = created.clone();
    a.sort();
    seen.sort();
    assert_eq!(a, seen);
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "record events are consecutive: {seqs:?}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_guantong"))
        .args(["--database-url", &app.database_url, "audit", "verify"])
        .env("GUANTONG_LOG", "error")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

both!(concurrent_writes_keep_sequence_and_chain);
