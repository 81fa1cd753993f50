//! One writer must not stall the hub (issue 8, leak 9): huge near-identical clues are
//! compared in bounded time outside the write lock, a writer kept from the lock is answered
//! 503 with `Retry-After` (never 500), and subscriptions per agency are capped.

use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

/// About 90,000 characters of one clue's text, sentence after numbered sentence.
fn huge_text(prefix: &str) -> String {
    let mut s = String::from(prefix);
    let (mut n, mut i) = (0usize, 0usize);
    while n < 89_000 {
        let sentence = format!("第{i}笔:反映市住建局以加班费名义违规发放津补贴{i}元,经办人签字后由财务专户列支。");
        n += sentence.chars().count();
        s.push_str(&sentence);
        i += 1;
    }
    s
}

/// About 90,000 characters on another matter (no digits, no shared phrases).
fn huge_unrelated_text() -> String {
    const SENTENCES: &[&str] = &[
        "某县农业农村局高标准农田建设项目资金拨付滞后",
        "部分工程未按设计施工且验收流于形式",
        "村级集体经济合作社账目混乱长期无人监管",
        "乡镇卫生院药品采购未执行集中招标制度",
    ];
    let mut s = String::new();
    let mut n = 0usize;
    for i in 0.. {
        if n >= 89_000 {
            break;
        }
        let sentence = SENTENCES[i % SENTENCES.len()];
        n += sentence.chars().count() + 1;
        s.push_str(sentence);
        s.push('。');
    }
    s
}

fn post_clue(app: &TestApp, a: &Agency, title: &str, body: &str, object: &str) -> (u16, Value) {
    app.post(
        &a.token,
        "/api/v1/records",
        json!({"kind": "clue", "title": title, "body": body, "category": "廉洁纪律", "object_ids": [object], "distribution": {"level": "own"}}),
    )
}

fn duplicate_notes(app: &TestApp, a: &Agency) -> Vec<String> {
    let (s, inbox) =
        send(app.req(Method::GET, "/api/v1/inbox", Some(&a.token)).query(&[("state", "all"), ("limit", "500")]));
    assert_eq!(s, 200, "{inbox}");
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["reason"] == "duplicate")
        .map(|i| i["note"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A metric's value from `/metrics` (0 when absent).
fn metric(app: &TestApp, name: &str) -> f64 {
    let text = app.client.get(app.url("/metrics")).send().unwrap().text().unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0.0)
}

/// The attack: two clues of 90,000 near-identical characters on one object while another
/// agency keeps publishing. Before, the second POST held the global write lock ~14 s and the
/// other writer got 500 "database is locked"; now every write succeeds, the pair is still
/// flagged, and no write held the lock for long (the lock-hold metric, not wall clock).
fn huge_near_identical_clues_do_not_stall_other_writers(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let xc = app.agency(&admin, "xuncha", "inspection");
    let sj = app.agency(&admin, "shenji", "audit");
    let obj = expect_status(
        201,
        app.post(&xc.token, "/api/v1/objects", json!({"name": "市住房和城乡建设局", "kind": "unit"})),
    );
    let o = obj["id"].as_str().unwrap().to_string();
    let (s, first) = post_clue(&app, &jw, "市住建局违规发放津补贴问题", &huge_text(""), &o);
    assert_eq!(s, 201, "{first}");

    let (big, small) = std::thread::scope(|scope| {
        let big = scope.spawn(|| post_clue(&app, &xc, "巡察发现市住建局违规发放津补贴", &huge_text("巡察补充:"), &o));
        let small = scope.spawn(|| {
            (0..10)
                .map(|i| {
                    app.post(&sj.token, "/api/v1/records", record(&format!("审计发现问题{i}"), json!({"level": "own"})))
                })
                .collect::<Vec<_>>()
        });
        (big.join().unwrap(), small.join().unwrap())
    });
    assert_eq!(big.0, 201, "the huge clue is published: {}", big.1["detail"]);
    for (s, r) in &small {
        assert_eq!(*s, 201, "the concurrent writer is never refused: {r}");
    }
    // Still detected (after commit, by the job that follows the log): each agency is told
    // the other handles a similar clue.
    app.settle();
    let xc_notes = duplicate_notes(&app, &xc);
    assert!(xc_notes.iter().any(|n| n.contains("测试单位jiwei")), "{xc_notes:?}");
    assert!(duplicate_notes(&app, &jw).iter().any(|n| n.contains("测试单位xuncha")));
    // No write held the global write lock anywhere near the seconds the attack used to take.
    assert!(metric(&app, "guantong_write_lock_hold_seconds_count") > 10.0, "the metric counts every write");
    let max = metric(&app, "guantong_write_lock_hold_max_seconds");
    assert!(max > 0.0 && max < 2.0, "longest write-lock hold {max} s");
}

/// The negative: a huge clue on the same object about another matter is not flagged.
fn huge_unrelated_clue_is_not_flagged(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let cz = app.agency(&admin, "caizheng", "finance");
    let obj = expect_status(
        201,
        app.post(&jw.token, "/api/v1/objects", json!({"name": "市住房和城乡建设局", "kind": "unit"})),
    );
    let o = obj["id"].as_str().unwrap().to_string();
    assert_eq!(post_clue(&app, &jw, "市住建局违规发放津补贴问题", &huge_text(""), &o).0, 201);
    let (s, r) = post_clue(&app, &cz, "农田建设资金问题", &huge_unrelated_text(), &o);
    assert_eq!(s, 201, "{r}");
    app.settle();
    assert!(duplicate_notes(&app, &cz).is_empty(), "{:?}", duplicate_notes(&app, &cz));
    assert!(duplicate_notes(&app, &jw).is_empty());
}

/// Holds what a publishing writer needs from outside (another process's long transaction)
/// until dropped: SQLite's write lock; on PostgreSQL, where writers take no common lock, the
/// records table against inserts (reads go on).
struct HeldWriteLock(guantong::db::DbConn);

impl HeldWriteLock {
    fn take(app: &TestApp) -> HeldWriteLock {
        let mut conn = app.pool.get().unwrap();
        let sql = match &*conn {
            guantong::db::DbConnection::Sqlite(_) => "BEGIN IMMEDIATE; UPDATE log_head SET id = 1 WHERE id = 1;",
            guantong::db::DbConnection::Pg(_) => "BEGIN; LOCK TABLE records IN SHARE ROW EXCLUSIVE MODE;",
        };
        conn.batch_execute(sql).unwrap();
        HeldWriteLock(conn)
    }
}

impl Drop for HeldWriteLock {
    fn drop(&mut self) {
        let _ = self.0.batch_execute("ROLLBACK");
    }
}

/// A writer that cannot get the write lock within `db_lock_timeout_ms` is told to come back
/// (503 + Retry-After, problem+json), reads go on meanwhile, and once the lock is free the
/// same request succeeds.
fn a_writer_kept_from_the_lock_gets_503_with_retry_after(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.db_lock_timeout_ms = 300);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let body = record("等锁的线索", json!({"level": "own"}));
    {
        let _held = HeldWriteLock::take(&app);
        let resp = app
            .req(Method::POST, "/api/v1/records", Some(&jw.token))
            .header("Idempotency-Key", "wait-1")
            .json(&body)
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 503);
        let retry: u64 = resp.headers()["Retry-After"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
        let problem: Value = resp.json().unwrap();
        assert_eq!(problem["status"], 503);
        assert!(problem["detail"].as_str().unwrap().contains("稍后重试"), "{problem}");
        // Reading is not writing: lists still answer while the lock is held.
        assert_eq!(app.get(&jw.token, "/api/v1/records").0, 200);
    }
    let (s, r) =
        send(app.req(Method::POST, "/api/v1/records", Some(&jw.token)).header("Idempotency-Key", "wait-1").json(&body));
    assert_eq!(s, 201, "the retry succeeds once the lock is free: {r}");
    let list = expect_status(200, app.get(&jw.token, "/api/v1/records"));
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "exactly one record: {list}");
}

fn subscription(app: &TestApp, a: &Agency, name: &str) -> (u16, Value) {
    app.post(&a.token, "/api/v1/subscriptions", json!({"name": name, "kinds": ["clue"]}))
}

/// Each subscription is matched on every publish, so an agency holds a bounded number:
/// beyond the cap a clear 422; deleting one makes room; other agencies are not affected.
fn subscriptions_are_capped_per_agency(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.max_subscriptions_per_agency = 3);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let xc = app.agency(&admin, "xuncha", "inspection");
    let mut ids = Vec::new();
    for i in 0..3 {
        let (s, sub) = subscription(&app, &jw, &format!("订阅{i}"));
        assert_eq!(s, 201, "{sub}");
        ids.push(sub["id"].as_str().unwrap().to_string());
    }
    let (s, p) = subscription(&app, &jw, "第四个订阅");
    assert_eq!(s, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("订阅已达上限(3 个)"), "{p}");
    let list = expect_status(200, app.get(&jw.token, "/api/v1/subscriptions"))["items"].clone();
    assert_eq!(list.as_array().unwrap().len(), 3, "nothing was created beyond the cap");
    // Another agency has its own allowance.
    assert_eq!(subscription(&app, &xc, "巡察订阅").0, 201);
    // Deleting one makes room for one.
    assert_eq!(app.delete(&jw.token, &format!("/api/v1/subscriptions/{}", ids[0])).0, 204);
    assert_eq!(subscription(&app, &jw, "第四个订阅").0, 201);
    assert_eq!(subscription(&app, &jw, "第五个订阅").0, 422);
}

both!(
    huge_near_identical_clues_do_not_stall_other_writers,
    huge_unrelated_clue_is_not_flagged,
    a_writer_kept_from_the_lock_gets_503_with_retry_after,
    subscriptions_are_capped_per_agency
);
