//! Webhook SSRF: an agency admin cannot point a webhook at the cloud metadata service, the
//! hub's own loopback or the intranet — refused when the URL is set (422 on `url`) and again
//! on the address actually connected to; the operator opens loopback (tests, development) or
//! named networks explicitly. The delivery log says only the status and a short reason.

use std::time::{Duration, Instant};

use guantong::config::Settings;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::receiver::Receiver;

fn fast(s: &mut Settings) {
    s.delivery_poll_ms = 50;
    s.webhook_retry_base_ms = 30;
    s.webhook_retry_cap_ms = 150;
    s.webhook_max_attempts = 1000;
    s.webhook_timeout_ms = 2000;
}

fn unit(app: &TestApp, hub: &str, code: &str) -> (Agency, String) {
    let a = app.agency(hub, code, "discipline");
    let admin = app.agency_admin(hub, &a, &format!("{code}_admin"));
    (a, admin)
}

fn create(app: &TestApp, admin: &str, url: &str) -> (u16, Value) {
    app.post(admin, "/api/v1/webhooks", json!({"url": url, "event_types": ["*"]}))
}

fn url_error(p: &Value) -> String {
    assert_eq!(p["errors"][0]["field"], "url", "{p}");
    p["errors"][0]["message"].as_str().unwrap().to_string()
}

fn deliveries(app: &TestApp, admin: &str, id: &str) -> Vec<Value> {
    let (s, d) = app.get(admin, &format!("/api/v1/webhooks/{id}/deliveries?limit=500"));
    assert_eq!(s, 200, "{d}");
    d["deliveries"].as_array().unwrap().clone()
}

fn wait_until(what: &str, mut pred: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !pred() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn special_targets_are_refused_when_set(b: Backend) {
    // The test settings allow loopback (the receivers listen there); nothing else special.
    let app = TestApp::spawn(b);
    let hub = app.admin_token();
    let (_, admin) = unit(&app, &hub, "jiwei");
    for (url, says) in [
        ("http://169.254.169.254/latest/meta-data/", "链路本地"),
        ("http://[fe80::1]/", "链路本地"),
        ("http://[::ffff:169.254.169.254]/", "链路本地"),
        ("http://0.0.0.0:8080/", "未指定"),
        ("http://224.0.0.1/", "组播"),
        ("http://10.0.0.5/hook", "内网"),
        ("http://192.168.1.10/hook", "内网"),
        ("http://[fd00::5]/hook", "内网"),
        ("http://100.64.1.1/", "内网"),
    ] {
        let (s, p) = create(&app, &admin, url);
        assert_eq!(s, 422, "{url}: {p}");
        assert!(url_error(&p).contains(says), "{url}: {p}");
    }
    assert!(app.get(&admin, "/api/v1/webhooks").1["items"].as_array().unwrap().is_empty(), "nothing was created");
    // A URL may not be changed to such a target either.
    let r = Receiver::start();
    let (s, e) = create(&app, &admin, &r.url());
    assert_eq!(s, 201, "loopback is allowed by the test settings: {e}");
    let id = e["id"].as_str().unwrap();
    let (s, p) = send(
        app.req(reqwest::Method::PATCH, &format!("/api/v1/webhooks/{id}"), Some(&admin))
            .json(&json!({"url": "http://169.254.169.254/latest/meta-data/iam/"})),
    );
    assert_eq!(s, 422, "{p}");
    assert!(url_error(&p).contains("链路本地"));
    assert_eq!(app.get(&admin, "/api/v1/webhooks").1["items"][0]["url"], r.url().as_str(), "unchanged");
}

fn loopback_is_refused_unless_the_operator_allows_it(b: Backend) {
    let strict = TestApp::spawn_with(b, |s| s.webhook_allow_loopback = false);
    let hub = strict.admin_token();
    let (_, admin) = unit(&strict, &hub, "jiwei");
    let r = Receiver::start();
    for url in [r.url(), format!("http://localhost:{}/hook", r.port), "http://[::1]/".to_string()] {
        let (s, p) = create(&strict, &admin, &url);
        assert_eq!(s, 422, "{url}: {p}");
        assert!(url_error(&p).contains("回环"), "{p}");
    }
    // An operator allow-list opens a network: the receiver at 127.0.0.1 may then be used.
    let listed = TestApp::spawn_with(b, |s| {
        fast(s);
        s.webhook_allow_loopback = false;
        s.webhook_allow_networks = "127.0.0.1/32".into();
    });
    let hub = listed.admin_token();
    let (a, admin) = unit(&listed, &hub, "jiwei");
    r.set_secret(create_and_secret(&listed, &admin, &r.url()).as_str());
    let (s, rec) = listed.post(&a.token, "/api/v1/records", record("回调测试信息", json!({"level": "own"})));
    assert_eq!(s, 201, "{rec}");
    wait_until("the delivery", || !r.accepted().is_empty());
}

fn create_and_secret(app: &TestApp, admin: &str, url: &str) -> String {
    let (s, e) = create(app, admin, url);
    assert_eq!(s, 201, "{e}");
    e["secret"].as_str().unwrap().to_string()
}

/// The endpoint was registered by an instance that allows loopback; an instance that does
/// not delivers. It judges the address it would connect to (here the name `localhost`
/// resolves to loopback) and sends nothing; an allowing instance delivers.
fn the_address_connected_to_is_checked_at_send_time(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.delivery_workers = false);
    let hub = app.admin_token();
    let (a, admin) = unit(&app, &hub, "jiwei");
    let r = Receiver::start();
    let (s, e) = create(&app, &admin, &format!("http://localhost:{}/hook", r.port));
    assert_eq!(s, 201, "{e}");
    r.set_secret(e["secret"].as_str().unwrap());
    let id = e["id"].as_str().unwrap().to_string();
    let (s, _) = app.post(&a.token, "/api/v1/records", record("送达测试", json!({"level": "own"})));
    assert_eq!(s, 201);
    let _strict = app.another_instance(|s| {
        fast(s);
        s.webhook_allow_loopback = false;
    });
    wait_until("a refused attempt in the delivery log", || !deliveries(&app, &admin, &id).is_empty());
    let d = deliveries(&app, &admin, &id);
    assert_eq!(r.requests(), 0, "nothing reached the receiver");
    assert!(d[0]["response_status"].is_null(), "{d:?}");
    let err = d[0]["error"].as_str().unwrap();
    assert!(err.contains("回环"), "a short reason: {err}");
    // An instance that allows loopback delivers the same event.
    let _dev = app.another_instance(fast);
    wait_until("the delivery", || !r.accepted().is_empty());
}

/// The delivery log carries the status and a short fixed reason, never the network's own
/// error text (which tells an agency about the hub's surroundings).
fn the_delivery_log_says_no_more_than_a_short_reason(b: Backend) {
    let app = TestApp::spawn_with(b, fast);
    let hub = app.admin_token();
    let (a, admin) = unit(&app, &hub, "jiwei");
    let r = Receiver::stopped();
    let (s, e) = create(&app, &admin, &r.url());
    assert_eq!(s, 201, "{e}");
    let id = e["id"].as_str().unwrap().to_string();
    expect_status(201, app.post(&a.token, "/api/v1/records", record("拒绝连接测试", json!({"level": "own"}))));
    wait_until("a failed attempt", || !deliveries(&app, &admin, &id).is_empty());
    for d in deliveries(&app, &admin, &id) {
        assert_eq!(d["error"], "无法连接接收方", "{d}");
    }
}

both!(
    special_targets_are_refused_when_set,
    loopback_is_refused_unless_the_operator_allows_it,
    the_address_connected_to_is_checked_at_send_time,
    the_delivery_log_says_no_more_than_a_short_reason,
);

/// A receiver that answers 200 and then streams an endless body, counting what it sent.
fn endless_receiver() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = sent.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let counter = counter.clone();
            std::thread::spawn(move || {
                // Read the request head and body (the body's length from the head).
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let head_end = loop {
                    let n = s.read(&mut chunk).unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    let n = s.read(&mut chunk).unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let _ =
                    s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n");
                let piece = [b'x'; 8192];
                loop {
                    let ok =
                        s.write_all(b"2000\r\n").is_ok() && s.write_all(&piece).is_ok() && s.write_all(b"\r\n").is_ok();
                    if !ok {
                        return;
                    }
                    counter.fetch_add(piece.len(), std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
    });
    (port, sent)
}

/// A receiver cannot make the hub read an endless answer: it reads at most 64 KiB, records the
/// delivery and moves on (reading it all would never end: the request would time out).
fn at_most_64_kib_of_an_answer_is_read(b: Backend) {
    let app = TestApp::spawn_with(b, |s| {
        fast(s);
        s.webhook_timeout_ms = 5000;
    });
    let hub = app.admin_token();
    let (a, admin) = unit(&app, &hub, "jiwei");
    let (port, sent) = endless_receiver();
    let (s, e) = create(&app, &admin, &format!("http://127.0.0.1:{port}/hook"));
    assert_eq!(s, 201, "{e}");
    let id = e["id"].as_str().unwrap().to_string();
    expect_status(201, app.post(&a.token, "/api/v1/records", record("长响应测试", json!({"level": "own"}))));
    wait_until("an attempt", || !deliveries(&app, &admin, &id).is_empty());
    let d = deliveries(&app, &admin, &id);
    assert_eq!((d[0]["status"].as_str(), d[0]["response_status"].as_i64()), (Some("delivered"), Some(200)), "{d:?}");
    assert!(d[0]["latency_ms"].as_i64().unwrap() < 4000, "did not wait for the time limit: {d:?}");
    // What the receiver managed to push is bounded by the cap plus the sockets' buffers, and
    // stays so (a window: the hub must not go on reading after it recorded the delivery).
    let pushed = || sent.load(std::sync::atomic::Ordering::SeqCst);
    assert_stays(Duration::from_millis(300), "the hub reads no more", || pushed() < 16 * 1024 * 1024);
    let n = pushed();
    assert!(n < 16 * 1024 * 1024, "the hub kept reading: {n} bytes");
}

both!(at_most_64_kib_of_an_answer_is_read);
