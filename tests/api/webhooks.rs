//! Webhooks end to end: a real receiver verifies every signature with the Standard Webhooks
//! library; the hub delivers through outages (503, timeouts, refused connections) in order
//! with nothing lost, carries only what the agency is entitled to, dead-letters, replays,
//! disables a failing endpoint, and never delivers concurrently from two instances.

use std::time::{Duration, Instant};

use guantong::config::Settings;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::receiver::{Mode, Receiver};

/// Delivery timings for tests: quick polls and retries, a short request time limit.
fn fast(s: &mut Settings) {
    s.delivery_poll_ms = 50;
    s.webhook_retry_base_ms = 30;
    s.webhook_retry_cap_ms = 150;
    s.webhook_max_attempts = 1000;
    s.webhook_timeout_ms = 400;
}

struct Unit {
    agency: Agency,
    admin: String,
}

fn unit(app: &TestApp, hub_admin: &str, code: &str, kind: &str) -> Unit {
    let agency = app.agency(hub_admin, code, kind);
    let admin = app.agency_admin(hub_admin, &agency, &format!("{code}_admin"));
    Unit { agency, admin }
}

/// Creates an endpoint for the receiver; returns the endpoint id.
fn endpoint(app: &TestApp, admin: &str, r: &Receiver, types: &[&str]) -> String {
    let (s, e) = app.post(admin, "/api/v1/webhooks", json!({"url": r.url(), "event_types": types}));
    assert_eq!(s, 201, "{e}");
    let secret = e["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    r.set_secret(secret);
    e["id"].as_str().unwrap().to_string()
}

fn publish(app: &TestApp, u: &Unit, title: &str, distribution: Value) -> String {
    let (s, r) = app.post(&u.agency.token, "/api/v1/records", record(title, distribution));
    assert_eq!(s, 201, "{r}");
    r["id"].as_str().unwrap().to_string()
}

/// The agency's own feed: the events it is entitled to, in order.
fn feed(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, f) = send(app.req(Method::GET, "/api/v1/feed", Some(token)).query(&[("limit", "500")]));
    assert_eq!(s, 200, "{f}");
    f["events"].as_array().unwrap().clone()
}

fn deliveries(app: &TestApp, admin: &str, id: &str, status: Option<&str>) -> Vec<Value> {
    let mut q = vec![("limit", "500")];
    if let Some(s) = status {
        q.push(("status", s));
    }
    let (s, d) = send(app.req(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), Some(admin)).query(&q));
    assert_eq!(s, 200, "{d}");
    d["deliveries"].as_array().unwrap().clone()
}

fn wait_until(secs: u64, what: &str, mut pred: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !pred() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn endpoints_are_managed_by_their_agency_admins_only(b: Backend) {
    let app = TestApp::spawn(b);
    let hub = app.admin_token();
    let xc = unit(&app, &hub, "xuncha", "inspection");
    let jw = unit(&app, &hub, "jiwei", "discipline");
    let r = Receiver::stopped();
    let body =
        json!({"url": r.url(), "event_types": ["record.created", "transfer.created"], "description": "纪委案管系统"});
    // Not the hub admin (it never routes content), not a liaison officer.
    let (s, p) = app.post(&hub, "/api/v1/webhooks", body.clone());
    assert_eq!(s, 403, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("平台管理员"), "{p}");
    assert_eq!(app.post(&jw.agency.token, "/api/v1/webhooks", body.clone()).0, 403);
    assert_eq!(app.get(&jw.agency.token, "/api/v1/webhooks").0, 403);
    // Bad input: 422 naming the fields, and nothing created.
    for (bad, field) in [
        (json!({"url": "ftp://example.org/x", "event_types": ["record.created"]}), "url"),
        (json!({"url": "http://user:pw@example.org/x", "event_types": ["record.created"]}), "url"),
        (json!({"url": r.url(), "event_types": []}), "event_types"),
        (json!({"url": r.url(), "event_types": ["record.created", "record.exploded"]}), "event_types[1]"),
        (json!({"url": r.url()}), "event_types"),
    ] {
        let (s, p) = app.post(&jw.admin, "/api/v1/webhooks", bad.clone());
        assert_eq!(s, 422, "{bad}: {p}");
        assert!(p["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{bad}: {p}");
    }
    let (s, p) = send(
        app.req(Method::POST, "/api/v1/webhooks", Some(&jw.admin)).header("Content-Type", "application/json").body("{"),
    );
    assert_eq!(s, 400, "{p}");
    assert_eq!(app.get(&jw.admin, "/api/v1/webhooks").1["items"], json!([]));
    // Created: the secret is shown once, never again.
    let (s, e) = app.post(&jw.admin, "/api/v1/webhooks", body);
    assert_eq!(s, 201, "{e}");
    let id = e["id"].as_str().unwrap().to_string();
    assert!(e["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(e["agency_id"], jw.agency.id.as_str());
    assert_eq!(e["active"], true);
    let list = expect_status(200, app.get(&jw.admin, "/api/v1/webhooks"))["items"].clone();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("secret").is_none(), "{list}");
    assert!(!list.to_string().contains(e["secret"].as_str().unwrap()));
    // Another agency's admin sees none of it: 404 on every endpoint route.
    assert_eq!(app.get(&xc.admin, "/api/v1/webhooks").1["items"], json!([]));
    assert_eq!(app.get(&xc.admin, &format!("/api/v1/webhooks/{id}/deliveries")).0, 404);
    assert_eq!(app.post(&xc.admin, &format!("/api/v1/webhooks/{id}/replay"), json!({})).0, 404);
    assert_eq!(app.delete(&xc.admin, &format!("/api/v1/webhooks/{id}")).0, 404);
    let (s, _) = send(
        app.req(Method::PATCH, &format!("/api/v1/webhooks/{id}"), Some(&xc.admin)).json(&json!({"active": false})),
    );
    assert_eq!(s, 404);
    assert_eq!(app.get(&jw.admin, "/api/v1/webhooks").1["items"][0]["active"], true, "nothing changed");
    // Its own admin changes it, reads its log, deletes it.
    let (s, e) = send(
        app.req(Method::PATCH, &format!("/api/v1/webhooks/{id}"), Some(&jw.admin))
            .json(&json!({"event_types": ["*"], "active": false})),
    );
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["event_types"], json!(["*"]));
    assert_eq!(e["active"], false);
    let (s, p) = send(
        app.req(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), Some(&jw.admin))
            .query(&[("status", "lost")]),
    );
    assert_eq!(s, 422, "{p}");
    assert_eq!(deliveries(&app, &jw.admin, &id, None), Vec::<Value>::new());
    assert_eq!(app.delete(&jw.admin, &format!("/api/v1/webhooks/{id}")).0, 204);
    assert_eq!(app.delete(&jw.admin, &format!("/api/v1/webhooks/{id}")).0, 404);
    assert_eq!(app.get(&jw.admin, "/api/v1/webhooks").1["items"], json!([]));
    assert_eq!(app.get(&jw.admin, "/api/v1/webhooks/not-an-id/deliveries").0, 404);
}

fn events_arrive_signed_in_order_through_outages(b: Backend) {
    let app = TestApp::spawn_with(b, fast);
    let hub = app.admin_token();
    let xc = unit(&app, &hub, "xuncha", "inspection");
    let mut r = Receiver::start();
    let id = endpoint(&app, &xc.admin, &r, &["record.created"]);
    let mut titles = Vec::new();
    let mut publish_n = |n: usize, phase: &str| {
        for i in 0..n {
            let t = format!("{phase}阶段发布的信息{i}");
            publish(&app, &xc, &t, json!({"level": "own"}));
            titles.push(t);
        }
    };
    // The hub's failed attempts at the event it is stuck on (the first of the outage).
    let failed_attempts = || app.get(&xc.admin, "/api/v1/webhooks").1["items"][0]["failed_attempts"].as_i64().unwrap();
    publish_n(5, "正常");
    r.wait_for(20, "the first five", |got| got.len() == 5);
    // Each kind of outage lasts until the hub has met it twice (and retried in between).
    r.set_mode(Mode::Unavailable);
    let before = r.requests();
    publish_n(5, "503");
    wait_until(20, "two requests answered 503", || r.requests() >= before + 2);
    r.set_mode(Mode::Hang(Duration::from_secs(2)));
    let before = r.requests();
    publish_n(5, "超时");
    // A second request while the receiver hangs: the first one timed out.
    wait_until(20, "a request timed out and was retried", || r.requests() >= before + 2);
    r.stop();
    let before = failed_attempts();
    publish_n(5, "拒绝连接");
    wait_until(20, "two refused connections", || failed_attempts() >= before + 2);
    assert_eq!(r.distinct().len(), 5, "nothing is accepted during the outage");
    r.set_mode(Mode::Accept);
    r.resume();
    let got = r.wait_for(30, "all twenty after recovery", |got| got.len() == 20);
    // Every event, once (by webhook-id), in sequence order, each verified.
    let expected: Vec<i64> = feed(&app, &xc.agency.token)
        .iter()
        .filter(|e| e["type"] == "record.created")
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    let seqs: Vec<i64> = got.iter().map(|g| g.seq).collect();
    assert_eq!(seqs, expected);
    let got_titles: Vec<&str> = got.iter().map(|g| g.body["data"]["record"]["title"].as_str().unwrap()).collect();
    assert_eq!(got_titles, titles.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(got.iter().all(|g| g.msg_id == format!("msg_{}", g.seq)));
    assert_eq!(r.bad_signatures(), 0);
    assert!(r.requests() > 20, "the outage was retried ({} requests)", r.requests());
    // Redeliveries keep the order: no event is first accepted after a later one.
    let accepted: Vec<i64> = r.accepted().iter().map(|a| a.seq).collect();
    let mut high = 0;
    for s in &accepted {
        assert!(*s >= high || accepted.iter().filter(|x| *x == s).count() > 1, "out of order: {accepted:?}");
        high = high.max(*s);
    }
    // The delivery log: all delivered, with attempts and latency; the outage shows as retries.
    // (The round that sent the last one is recorded just after the receiver answered.)
    wait_until(20, "the log to record all twenty", || {
        let log = deliveries(&app, &xc.admin, &id, None);
        log.len() == 20 && log.iter().all(|d| d["status"] == "delivered")
    });
    let log = deliveries(&app, &xc.admin, &id, None);
    assert_eq!(log.len(), 20);
    assert!(log.iter().all(|d| d["status"] == "delivered" && d["latency_ms"].is_i64()), "{log:?}");
    assert!(log.iter().any(|d| d["attempts"].as_i64().unwrap() > 1), "{log:?}");
    let eps = expect_status(200, app.get(&xc.admin, "/api/v1/webhooks"))["items"].clone();
    assert_eq!(eps[0]["failed_attempts"], 0);
    assert!(eps[0]["failing_since"].is_null());
    // Old successful deliveries are pruned from the log; recent ones stay.
    let mut conn = app.pool.get().unwrap();
    use guantong::service::webhooks::prune_delivered;
    assert_eq!(prune_delivered(&mut conn, "2000-01-01T00:00:00.000000Z").unwrap(), 0);
    assert_eq!(deliveries(&app, &xc.admin, &id, None).len(), 20);
    assert_eq!(prune_delivered(&mut conn, "9999-01-01T00:00:00.000000Z").unwrap(), 20);
    assert!(deliveries(&app, &xc.admin, &id, None).is_empty());
}

fn payloads_carry_only_what_the_agency_may_see(b: Backend) {
    let app = TestApp::spawn_with(b, fast);
    let hub = app.admin_token();
    let xc = unit(&app, &hub, "xuncha", "inspection");
    let jw = unit(&app, &hub, "jiwei", "discipline");
    let sj = unit(&app, &hub, "shenji", "audit");
    let to_jw = Receiver::start();
    let to_sj = Receiver::start();
    endpoint(&app, &jw.admin, &to_jw, &["*"]);
    let sj_endpoint = endpoint(&app, &sj.admin, &to_sj, &["*"]);
    // A change that rolls back never reaches anyone, though it had appended an event.
    {
        use guantong::error::AppError;
        use guantong::store::log::write_tx;
        let mut conn = app.pool.get().unwrap();
        let out: Result<(), AppError> = write_tx(&mut conn, |conn, log| {
            log.event(
                conn,
                guantong::domain::event::EventType::RecordCreated,
                Some("rolled-back"),
                Some(&jw.agency.id),
                None,
                json!({}),
            )?;
            Err(AppError::Conflict("rolled back on purpose".into()))
        });
        assert!(out.is_err());
    }
    publish(&app, &xc, "本单位自留的信息", json!({"level": "own"}));
    let shared = json!({"kind": "clue", "title": "移送纪委的敏感线索", "body": "线索正文:某局长违规收受礼金",
        "distribution": {"level": "agencies", "agencies": [jw.agency.id]}, "sensitivity": "sensitive",
        "protected": {"reporter_name": "王举报", "reporter_phone": "13800000000"}});
    let (s, rec) = app.post(&xc.agency.token, "/api/v1/records", shared);
    assert_eq!(s, 201, "{rec}");
    let shared_id = rec["id"].as_str().unwrap().to_string();
    let restricted = json!({"kind": "clue", "title": "绝密线索标题", "body": "绝密正文内容",
        "distribution": {"level": "agencies", "agencies": [jw.agency.id]}, "sensitivity": "restricted"});
    let (s, rec) = app.post(&xc.agency.token, "/api/v1/records", restricted);
    assert_eq!(s, 201, "{rec}");
    // Delivery renders each event as the agency may see it when it is sent: wait for the
    // creation before withdrawing (a creation sent after the withdrawal is not sent at all).
    to_jw.wait_for(20, "the shared record's creation", |got| {
        got.iter().any(|g| g.event_type == "record.created" && g.body["data"]["record_id"] == shared_id.as_str())
    });
    assert_eq!(app.delete(&xc.agency.token, &format!("/api/v1/records/{shared_id}")).0, 204);
    let marker = publish(&app, &xc, "发给全体的标记信息", json!({"level": "all"}));
    let got =
        to_jw.wait_for(20, "the marker", |got| got.iter().any(|g| g.body["data"]["record_id"] == marker.as_str()));
    let types: Vec<(&str, &str)> =
        got.iter().map(|g| (g.event_type.as_str(), g.body["data"]["record_id"].as_str().unwrap_or(""))).collect();
    assert!(!types.iter().any(|(_, r)| *r == "rolled-back"), "{types:?}");
    let all = serde_json::to_string(&got.iter().map(|g| &g.body).collect::<Vec<_>>()).unwrap();
    assert!(!all.contains("本单位自留"), "an own record reached another agency: {all}");
    assert!(!all.contains("王举报") && !all.contains("13800000000"), "protected values leaked: {all}");
    assert!(!all.contains("绝密正文内容"), "restricted content without a purpose: {all}");
    // A restricted record's title is content too: a webhook (no purpose) never carries it.
    assert!(!all.contains("绝密线索标题"), "restricted title without a purpose: {all}");
    let created = got
        .iter()
        .find(|g| g.event_type == "record.created" && g.body["data"]["record_id"] == shared_id.as_str())
        .expect("the shared record's creation");
    assert_eq!(created.body["data"]["record"]["title"], "移送纪委的敏感线索");
    assert_eq!(created.body["data"]["record"]["body"], "线索正文:某局长违规收受礼金");
    let withdrawn = got
        .iter()
        .find(|g| g.event_type == "record.withdrawn" && g.body["data"]["record_id"] == shared_id.as_str())
        .expect("the withdrawal tombstone");
    assert!(withdrawn.body["data"].get("record").is_none(), "a tombstone carries no content");
    // What the receiver got is the agency's feed as it was at each event: today's feed, plus the
    // creation of the record withdrawn since (no longer readable, so no longer in the feed).
    let jw_feed: Vec<i64> = feed(&app, &jw.agency.token).iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    let mut expected = jw_feed.clone();
    expected.push(created.seq);
    expected.sort();
    assert_eq!(got.iter().map(|g| g.seq).collect::<Vec<_>>(), expected);
    let sj_got = to_sj
        .wait_for(20, "the marker at audit", |got| got.iter().any(|g| g.body["data"]["record_id"] == marker.as_str()));
    assert_eq!(sj_got.len(), 1, "audit may see only the record for all: {sj_got:?}");
    // The round that sent it is recorded just after the receiver answered.
    wait_until(20, "audit's endpoint to record the marker", || {
        let eps = expect_status(200, app.get(&sj.admin, "/api/v1/webhooks"))["items"].clone();
        eps[0]["cursor_seq"].as_i64().unwrap() >= sj_got[0].seq
    });
    let eps = expect_status(200, app.get(&sj.admin, "/api/v1/webhooks"))["items"].clone();
    assert_eq!(eps[0]["id"], sj_endpoint.as_str());
    // A window: nothing else may reach audit (its cursor is already past every event).
    assert_stays(Duration::from_millis(300), "nothing else reached audit", || to_sj.distinct().len() == 1);
}

fn dead_letters_are_kept_and_replayed(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        fast(s);
        s.webhook_max_attempts = 3;
    });
    let hub = app.admin_token();
    let xc = unit(&app, &hub, "xuncha", "inspection");
    let jw = unit(&app, &hub, "jiwei", "discipline");
    let r = Receiver::start();
    r.set_mode(Mode::Unavailable);
    let id = endpoint(&app, &jw.admin, &r, &["record.created"]);
    let to_jw = json!({"level": "agencies", "agencies": [jw.agency.id]});
    for i in 0..3 {
        publish(&app, &xc, &format!("投递失败的信息{i}"), to_jw.clone());
    }
    wait_until(30, "three dead letters", || deliveries(&app, &jw.admin, &id, Some("dead")).len() == 3);
    let dead = deliveries(&app, &jw.admin, &id, Some("dead"));
    assert!(dead.iter().all(|d| d["attempts"] == 3 && d["response_status"] == 503), "{dead:?}");
    assert!(r.distinct().is_empty());
    assert_eq!(metric(&app, "guantong_webhook_deliveries{status=\"dead\"}"), 3);
    assert_eq!(metric(&app, "guantong_webhook_endpoints{state=\"active\"}"), 1);
    // The receiver recovers: new events flow; the dead letters wait for a replay.
    r.set_mode(Mode::Accept);
    publish(&app, &xc, "恢复后的信息", to_jw.clone());
    r.wait_for(20, "the event after recovery", |got| got.len() == 1);
    let first = dead.iter().min_by_key(|d| d["seq"].as_i64()).unwrap();
    let first_id = first["id"].as_str().unwrap();
    let (s, q) = app.post(&jw.admin, &format!("/api/v1/webhooks/{id}/replay"), json!({"delivery_ids": [first_id]}));
    assert_eq!(s, 202, "{q}");
    assert_eq!(q["queued"], 1);
    r.wait_for(20, "the replayed dead letter", |got| got.len() == 2);
    // Replaying what is not dead is a conflict; bad ids are 422; another agency's is 404.
    let (s, p) = app.post(&jw.admin, &format!("/api/v1/webhooks/{id}/replay"), json!({"delivery_ids": [first_id]}));
    assert_eq!(s, 409, "{p}");
    assert_eq!(app.post(&jw.admin, &format!("/api/v1/webhooks/{id}/replay"), json!({"delivery_ids": ["x"]})).0, 422);
    assert_eq!(app.post(&xc.admin, &format!("/api/v1/webhooks/{id}/replay"), json!({})).0, 404);
    // Replay the rest, with no body at all.
    let (s, q) = send(app.req(Method::POST, &format!("/api/v1/webhooks/{id}/replay"), Some(&jw.admin)));
    assert_eq!(s, 202, "{q}");
    assert_eq!(q["queued"], 2);
    let got = r.wait_for(20, "every dead letter replayed", |got| got.len() == 4);
    let mut seqs: Vec<i64> = got.iter().map(|g| g.seq).collect();
    seqs.sort();
    let mut expected: Vec<i64> = dead.iter().map(|d| d["seq"].as_i64().unwrap()).collect();
    expected.push(got[0].seq);
    expected.sort();
    assert_eq!(seqs, expected, "each event exactly once");
    wait_until(10, "the log shows all delivered", || {
        deliveries(&app, &jw.admin, &id, None).iter().all(|d| d["status"] == "delivered")
    });
    assert_eq!(r.bad_signatures(), 0);
    assert_eq!(metric(&app, "guantong_webhook_deliveries{status=\"dead\"}"), 0);
    assert_eq!(metric(&app, "guantong_webhook_deliveries{status=\"delivered\"}"), 4);
    assert_eq!(metric(&app, "guantong_webhook_lag_events"), 0);
}

/// A value from the Prometheus metrics.
fn metric(app: &TestApp, name: &str) -> i64 {
    let text = app.client.get(app.url("/metrics")).send().unwrap().text().unwrap();
    let line = text.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name} missing in {text}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

fn an_endpoint_failing_too_long_is_disabled(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        fast(s);
        s.webhook_disable_after_secs = 1;
    });
    let hub = app.admin_token();
    let xc = unit(&app, &hub, "xuncha", "inspection");
    let jw = unit(&app, &hub, "jiwei", "discipline");
    let mut r = Receiver::stopped();
    let id = endpoint(&app, &jw.admin, &r, &["record.created"]);
    publish(&app, &xc, "无法送达的信息", json!({"level": "agencies", "agencies": [jw.agency.id]}));
    wait_until(30, "the endpoint disabled", || app.get(&jw.admin, "/api/v1/webhooks").1["items"][0]["active"] == false);
    let eps = expect_status(200, app.get(&jw.admin, "/api/v1/webhooks"))["items"].clone();
    let reason = eps[0]["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("已自动停用") && reason.contains("无法连接"), "{reason}");
    // The agency hears of it through its event log (from which its admins are mailed).
    let disabled: Vec<Value> =
        feed(&app, &jw.agency.token).into_iter().filter(|e| e["type"] == "webhook.disabled").collect();
    assert_eq!(disabled.len(), 1, "{disabled:?}");
    assert!(feed(&app, &xc.agency.token).iter().all(|e| e["type"] != "webhook.disabled"));
    // Nothing is sent while disabled; re-enabled, it resumes where it stopped.
    r.resume();
    // A window of several delivery polls (50 ms) in which nothing may be sent.
    assert_stays(Duration::from_millis(300), "nothing sent while disabled", || r.requests() == 0);
    let (s, e) =
        send(app.req(Method::PATCH, &format!("/api/v1/webhooks/{id}"), Some(&jw.admin)).json(&json!({"active": true})));
    assert_eq!(s, 200, "{e}");
    assert!(e["disabled_reason"].is_null());
    let got = r.wait_for(20, "the held event", |got| got.len() == 1);
    assert_eq!(got[0].body["data"]["record"]["title"], "无法送达的信息");
}

fn two_instances_never_deliver_at_once(b: Backend) {
    let app = TestApp::spawn_with(b, fast);
    let second = app.another_instance(fast);
    let hub = app.admin_token();
    let xc = unit(&app, &hub, "xuncha", "inspection");
    let r = Receiver::start();
    r.set_mode(Mode::Accept);
    endpoint(&app, &xc.admin, &r, &["record.created"]);
    // Both instances take writes; both run delivery loops over the same database.
    let lines: Vec<String> = (0..150)
        .map(|i| {
            json!({"external_id": format!("XC-{i:04}"), "kind": "case", "title": format!("批量信息{i}"), "body": "正文", "distribution": {"level": "own"}})
                .to_string()
        })
        .collect();
    for (n, chunk) in lines.chunks(50).enumerate() {
        let base = if n % 2 == 0 { app.base.clone() } else { second.clone() };
        let resp = app
            .client
            .post(format!("{base}/api/v1/sync/batches"))
            .bearer_auth(&xc.agency.token)
            .header("Content-Type", "application/x-ndjson")
            .body(chunk.join("\n"))
            .send()
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
    }
    let got = r.wait_for(60, "all 150", |got| got.len() == 150);
    let seqs: Vec<i64> = got.iter().map(|g| g.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {seqs:?}");
    assert_eq!(r.max_in_flight(), 1, "one endpoint is served by one instance at a time");
    assert_eq!(r.bad_signatures(), 0);
}

fn a_deactivated_agency_receives_nothing_until_reactivated(b: Backend) {
    let app = TestApp::spawn_with(b, fast);
    let hub = app.admin_token();
    let xc = unit(&app, &hub, "xuncha", "inspection");
    let jw = unit(&app, &hub, "jiwei", "discipline");
    let r = Receiver::start();
    endpoint(&app, &jw.admin, &r, &["record.created"]);
    let set_active = |active: bool| {
        let (s, a) = send(
            app.req(Method::PATCH, &format!("/api/v1/agencies/{}", jw.agency.id), Some(&hub))
                .json(&json!({"active": active})),
        );
        assert_eq!(s, 200, "{a}");
    };
    set_active(false);
    publish(&app, &xc, "停用期间发布的信息", json!({"level": "all"}));
    // A window of many delivery polls (50 ms) in which nothing may be sent.
    assert_stays(Duration::from_millis(600), "nothing goes to a deactivated agency", || r.requests() == 0);
    set_active(true);
    let got = r.wait_for(20, "the held event", |got| got.len() == 1);
    assert_eq!(got[0].body["data"]["record"]["title"], "停用期间发布的信息");
}

fn secrets_rotate_without_losing_a_message(b: Backend) {
    let app = TestApp::spawn_with(b, fast);
    let hub = app.admin_token();
    let xc = unit(&app, &hub, "xuncha", "inspection");
    let jw = unit(&app, &hub, "jiwei", "discipline");
    let r = Receiver::start();
    let id = endpoint(&app, &xc.admin, &r, &["record.created"]);
    let rotate = |body: Option<Value>| {
        let mut req = app.req(Method::POST, &format!("/api/v1/webhooks/{id}/rotate-secret"), Some(&xc.admin));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let (s, v) = send(req);
        assert_eq!(s, 200, "{v}");
        v
    };
    publish(&app, &xc, "轮换前", json!({"level": "own"}));
    r.wait_for(20, "the first", |got| got.len() == 1);
    // Rotated with the default overlap: the receiver, still on the old secret, accepts.
    let v = rotate(None);
    let second = v["secret"].as_str().unwrap().to_string();
    assert!(second.starts_with("whsec_"));
    assert!(v["previous_secret_valid_until"].is_string(), "{v}");
    publish(&app, &xc, "重叠期内", json!({"level": "own"}));
    r.wait_for(20, "the second, verified with the old secret", |got| got.len() == 2);
    r.set_secret(&second);
    publish(&app, &xc, "换用新密钥后", json!({"level": "own"}));
    r.wait_for(20, "the third, verified with the new secret", |got| got.len() == 3);
    assert_eq!(r.bad_signatures(), 0);
    // Retired at once (a leaked secret): the old one no longer verifies; nothing is lost.
    let v = rotate(Some(json!({"keep_previous_hours": 0})));
    assert!(v["previous_secret_valid_until"].is_null(), "{v}");
    publish(&app, &xc, "立即停用旧密钥后", json!({"level": "own"}));
    wait_until(20, "a refused signature", || r.bad_signatures() > 0);
    r.set_secret(v["secret"].as_str().unwrap());
    let got = r.wait_for(20, "the fourth, after the receiver switched", |got| got.len() == 4);
    assert_eq!(got[3].body["data"]["record"]["title"], "立即停用旧密钥后");
    // Only the agency's admin, within range.
    let path = format!("/api/v1/webhooks/{id}/rotate-secret");
    assert_eq!(app.post(&xc.agency.token, &path, json!({})).0, 403);
    assert_eq!(app.post(&jw.admin, &path, json!({})).0, 404);
    for bad in [json!({"keep_previous_hours": -1}), json!({"keep_previous_hours": 169})] {
        let (s, p) = app.post(&xc.admin, &path, bad);
        assert_eq!(s, 422, "{p}");
        assert_eq!(p["errors"][0]["field"], "keep_previous_hours");
    }
    assert_eq!(app.post(&xc.admin, &path, json!({"keep_previous_hours": "x"})).0, 422);
}

/// A server stopped while it waits for a receiver abandons the request at once, records the
/// round and gives the endpoint's lease back: the event stays owed (nothing is lost), and the
/// next instance delivers it at once, not after the lease has run out (two minutes here).
fn a_stop_mid_request_leaves_the_event_owed(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        fast(s);
        s.webhook_timeout_ms = 30_000;
    });
    let hub = app.admin_token();
    let xc = unit(&app, &hub, "xuncha", "inspection");
    let r = Receiver::start();
    r.set_mode(Mode::Hang(Duration::from_secs(60)));
    endpoint(&app, &xc.admin, &r, &["record.created"]);
    publish(&app, &xc, "停止时正在投递的信息", json!({"level": "own"}));
    wait_until(20, "the request under way", || r.max_in_flight() == 1);
    let started = Instant::now();
    assert!(app.stop_servers(), "the loops ended within the bound");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "stopping waited {took:?} for the hanging receiver");
    assert!(r.distinct().is_empty());
    r.set_mode(Mode::Accept);
    app.another_instance(fast);
    let got = r.wait_for(10, "the owed event, from the next instance", |got| got.len() == 1);
    assert_eq!(got[0].body["data"]["record"]["title"], "停止时正在投递的信息");
}

both!(
    a_stop_mid_request_leaves_the_event_owed,
    secrets_rotate_without_losing_a_message,
    a_deactivated_agency_receives_nothing_until_reactivated,
    endpoints_are_managed_by_their_agency_admins_only,
    events_arrive_signed_in_order_through_outages,
    payloads_carry_only_what_the_agency_may_see,
    dead_letters_are_kept_and_replayed,
    an_endpoint_failing_too_long_is_disabled,
    two_instances_never_deliver_at_once,
);
