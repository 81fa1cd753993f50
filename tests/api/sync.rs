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

/// Issue 12: duplicate handling is no longer part of the import. Clues imported in bulk by two
/// agencies on the same supervision object about the same matter are flagged shortly after
/// the batches commit (by the job that follows the event log), and an unrelated clue on the
/// same object is not; imported text is found by search once the index has it, and before.
fn bulk_imported_clues_are_flagged_after_commit(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let xc = app.agency(&admin, "xuncha", "inspection");
    let o = app.unit_object(&xc, "市住房和城乡建设局");
    let clue = |ext: &str, title: &str, body: &str| {
        json!({"external_id": ext, "kind": "clue", "title": title, "body": body, "object_ids": [o],
               "distribution": {"level": "own"}})
        .to_string()
    };
    let filler: Vec<String> = (0..30).map(|i| line(&format!("JW-F{i}"), &format!("案件{i}"))).collect();
    let jw_batch = [
        filler.join("\n"),
        clue(
            "JW-1",
            "关于市住建局违规发放津补贴的举报",
            "反映市住建局2023年至2025年以加班费名义违规发放津补贴共计46.8万元",
        ),
    ]
    .join("\n");
    let xc_batch = [
        clue(
            "XC-1",
            "市住建局违规发放津补贴问题线索",
            "巡察发现:2023年至2025年,市住建局以加班费名义违规发放津补贴,共计46.8万元",
        ),
        clue("XC-2", "市住建局工程招投标问题线索", "某工程项目未公开招标,涉嫌规避招标程序"),
    ]
    .join("\n");
    let (s, jw_lines, _) = push(&app, &jw.token, jw_batch, None);
    assert_eq!(s, 200);
    let (s, xc_lines, _) = push(&app, &xc.token, xc_batch, None);
    assert_eq!(s, 200);
    let id = |lines: &[Value], ext: &str| {
        lines.iter().find(|l| l["external_id"] == ext).and_then(|l| l["id"].as_str()).unwrap().to_string()
    };
    assert!(xc_lines.iter().chain(&jw_lines).all(|l| l["status"] == "created"), "{jw_lines:?} {xc_lines:?}");
    let (theirs, mine, unrelated) = (id(&jw_lines, "JW-1"), id(&xc_lines, "XC-1"), id(&xc_lines, "XC-2"));
    app.settle();
    let inbox = |a: &Agency| -> Vec<String> {
        let v = expect_status(
            200,
            send(app.req(Method::GET, "/api/v1/inbox", Some(&a.token)).query(&[("state", "all"), ("limit", "500")])),
        );
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["reason"] == "duplicate")
            .map(|i| i["record"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(inbox(&xc), vec![mine], "the commission's clue is flagged on the office's own");
    assert_eq!(inbox(&jw), vec![theirs], "and the office's on the commission's own");
    assert!(!inbox(&xc).contains(&unrelated));
    let page =
        expect_status(200, send(app.req(Method::GET, "/api/v1/records", Some(&jw.token)).query(&[("q", "津补贴")])));
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
}

both!(bulk_imported_clues_are_flagged_after_commit);
