//! Issue 12: writers scale out. On PostgreSQL writers no longer queue on one row: events take
//! numbers from a sequence as they are written, and readers see them only up to the visible
//! head (below the floor of every writer still in flight); audit entries are sealed into the
//! hash chain after commit. The guarantees kept, on both backends: a reader following the
//! feed never sees a number lower than one it has seen, no event is lost, the chain verifies.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

const WRITERS: usize = 6;
const EACH: usize = 12;

fn feed_page(base: &str, client: &reqwest::blocking::Client, token: &str, after: i64) -> Value {
    let r = client.request(Method::GET, format!("{base}/api/v1/feed")).bearer_auth(token);
    expect_status(200, send(r.query(&[("after", after.to_string()), ("limit", "500".to_string())])))
}

/// Follows the feed from `after` until it is empty; returns the (seq, record id) of every
/// `record.created` event and the new cursor, asserting sequence numbers only rise.
fn follow(base: &str, token: &str, mut after: i64, seen: &mut Vec<(i64, String)>) -> i64 {
    let client = reqwest::blocking::Client::new();
    loop {
        let page = feed_page(base, &client, token, after);
        let events = page["events"].as_array().unwrap();
        for e in events {
            let seq = e["seq"].as_i64().unwrap();
            assert!(seq > after, "feed went back: {seq} after {after}");
            after = seq;
            if e["type"] == "record.created" {
                seen.push((seq, e["record_id"].as_str().unwrap().to_string()));
            }
        }
        assert_eq!(page["next_cursor"].as_i64().unwrap(), after);
        if events.is_empty() {
            return after;
        }
    }
}

/// Writers on two instances publish at once while a reader follows the feed of an entitled
/// agency: every number it sees is above the last, each record arrives exactly once, and
/// the audit chain holds every create.
fn concurrent_writers_never_land_behind_a_feed_reader(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xc", "inspection");
    let jw = app.agency(&admin, "jw", "discipline");
    let bases = [app.base.clone(), app.another_instance(|_| {})];
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (base, token, done) = (app.base.clone(), jw.token.clone(), done.clone());
        std::thread::spawn(move || {
            let (mut seen, mut after) = (Vec::new(), 0);
            while !done.load(Ordering::SeqCst) {
                after = follow(&base, &token, after, &mut seen);
            }
            follow(&base, &token, after, &mut seen);
            seen
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (base, token, to) = (bases[w % 2].clone(), xc.token.clone(), jw.id.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                (0..EACH)
                    .map(|i| {
                        let body = json!({"kind": "clue", "title": format!("并发写入{w}-{i}"), "body": "多个实例同时发布",
                            "distribution": {"level": "agencies", "agencies": [to]}});
                        let r = client.request(Method::POST, format!("{base}/api/v1/records")).bearer_auth(&token);
                        expect_status(201, send(r.json(&body)))["id"].as_str().unwrap().to_string()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let published: BTreeSet<String> = writers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    done.store(true, Ordering::SeqCst);
    let seen = reader.join().unwrap();
    assert_eq!(published.len(), WRITERS * EACH);
    let arrived: BTreeSet<String> = seen.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(seen.len(), arrived.len(), "a record arrived twice");
    assert_eq!(arrived, published, "records lost or foreign ones seen");
    // The chain holds every create, in a verifiable order.
    let mut conn = app.pool.get().unwrap();
    match guantong::service::audit::verify(&mut conn).unwrap() {
        guantong::service::audit::Verification::Intact { entries } => assert!(entries as usize >= WRITERS * EACH),
        guantong::service::audit::Verification::Broken(b) => panic!("audit chain broken: {b}"),
    }
    let (s, audit) = app.get(&admin, "/api/v1/audit?action=record.create&limit=500");
    assert_eq!(s, 200, "{audit}");
    assert_eq!(audit["items"].as_array().unwrap().len(), WRITERS * EACH, "{audit}");
}

/// PostgreSQL only (on SQLite an open write transaction holds every other writer): a record
/// committed while an earlier writer is still in flight stays out of the feed until that
/// writer ends, then both arrive in number order; the open writer's own event is numbered
/// below the later record's.
fn a_late_commit_never_lands_behind_the_cursor(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xc", "inspection");
    let jw = app.agency(&admin, "jw", "discipline");
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let (numbered, got) = std::sync::mpsc::channel::<i64>();
    let open = {
        let (pool, jw_id) = (app.pool.clone(), jw.id.clone());
        std::thread::spawn(move || {
            let mut conn = pool.get().unwrap();
            guantong::store::log::write_tx(&mut conn, |conn, log| {
                let seq = log.event(
                    conn,
                    guantong::domain::event::EventType::WebhookDisabled,
                    None,
                    Some(&jw_id),
                    None,
                    json!({"reason": "测试:未提交的写事务"}),
                )?;
                numbered.send(seq).unwrap();
                wait.recv().unwrap();
                Ok(seq)
            })
            .unwrap()
        })
    };
    let early = got.recv().unwrap();
    let body = json!({"kind": "clue", "title": "后提交的线索", "body": "正文", "distribution": {"level": "agencies", "agencies": [jw.id]}});
    let late = expect_status(201, app.post(&xc.token, "/api/v1/records", body));
    let (_, page) = app.get(&jw.token, "/api/v1/feed?limit=500");
    let seqs = |page: &Value| {
        page["events"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect::<Vec<_>>()
    };
    assert!(seqs(&page).iter().all(|s| *s < early), "feed passed an open writer: {page}");
    assert!(page["head_seq"].as_i64().unwrap() < early, "{page}");
    let cursor = page["next_cursor"].as_i64().unwrap();
    go.send(()).unwrap();
    assert_eq!(open.join().unwrap(), early);
    let (_, after) = app.get(&jw.token, &format!("/api/v1/feed?after={cursor}&limit=500"));
    let types: Vec<(&str, i64)> = after["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["seq"].as_i64().unwrap()))
        .collect();
    assert_eq!(types.len(), 2, "{after}");
    assert_eq!(types[0], ("webhook.disabled", early), "{after}");
    assert_eq!(types[1].0, "record.created", "{after}");
    assert!(types[1].1 > early);
    assert_eq!(after["events"][1]["record_id"], late["id"]);
}

mod a_late_commit_never_lands_behind_the_cursor_pg {
    #[test]
    fn postgres() {
        super::a_late_commit_never_lands_behind_the_cursor(crate::helpers::Backend::Postgres)
    }
}

both!(concurrent_writers_never_land_behind_a_feed_reader);
