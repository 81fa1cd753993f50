//! Webhook delivery throughput: events/s delivered by the hub's delivery loop to a fast local
//! receiver on loopback, with one endpoint and with 50 endpoints, on SQLite.
//!
//! For each case: a fresh hub (real server, real SQLite file), two agencies — the inspection
//! office publishes, the discipline commission subscribes — the subscriber's endpoints
//! created and paused, a backlog of `record.created` events imported by the publisher through
//! the sync API, then the endpoints are re-enabled and the clock runs until the receiver has
//! every delivery the subscriber is entitled to. The backlog is a cross-agency mix, so the
//! entitlement check is on the delivery path: a half listed to the subscriber, a quarter to
//! all, a quarter kept by the publisher (`own`), which must never arrive — the receiver counts
//! any that do and the run fails. The receiver answers 204 at once and counts; every request
//! is signed and the receiver checks the signature of one in a hundred (with the Standard
//! Webhooks library).
//!
//! ```text
//! cargo bench --bench webhooks                      # 20,000 events to 1 endpoint; 1,000 events × 50 endpoints
//! GT_WH_EVENTS=50000 GT_WH_EVENTS_50=2000 cargo bench --bench webhooks
//! GT_BENCH_WRITE=0 cargo bench --bench webhooks     # print only, leave BENCHMARKS.md alone
//! GT_WH_DATABASE_URL=postgres://…/empty_db cargo bench --bench webhooks   # on PostgreSQL (an empty database per case:
//!                                                   # the URL names a server, each case makes its own database)
//! ```
//!
//! Without `--bench` (`cargo test --benches`, `.ci/bench-smoke`) a smoke run: 200 events to 1
//! endpoint and 20 × 50 endpoints, printed only.

#![allow(dead_code)]

#[path = "hub/data.rs"]
mod data;
#[path = "hub/phrases.rs"]
mod phrases;
#[path = "hub/report.rs"]
mod report;
#[path = "hub/server.rs"]
mod server;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use anyhow::{anyhow, Context, Result};
use serde_json::json;

const TARGET_PER_SEC: f64 = 5_000.0;

/// Deliveries received, signatures failing verification, the secrets in use, deliveries of
/// records the subscriber may not read.
type ReceiverState = (Arc<AtomicU64>, Arc<AtomicU64>, Arc<Mutex<Vec<String>>>, Arc<AtomicU64>);

/// The title prefix of the publisher's own records: a delivery that holds it is a leak.
const KEPT: &str = "本单位留存";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Receiver {
    url: String,
    count: Arc<AtomicU64>,
    secrets: Arc<Mutex<Vec<String>>>,
    bad: Arc<AtomicU64>,
    leaked: Arc<AtomicU64>,
}

fn start_receiver() -> Result<Receiver> {
    let count = Arc::new(AtomicU64::new(0));
    let bad = Arc::new(AtomicU64::new(0));
    let leaked = Arc::new(AtomicU64::new(0));
    let secrets: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let (c, b, s, l) = (count.clone(), bad.clone(), secrets.clone(), leaked.clone());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let state = web::Data::new((c, b, s, l));
            let server = HttpServer::new(move || {
                App::new().app_data(state.clone()).default_service(web::to(
                    |req: HttpRequest, body: web::Bytes, st: web::Data<ReceiverState>| async move {
                        let n = st.0.fetch_add(1, Ordering::Relaxed);
                        if n.is_multiple_of(100) && !verified(&req, &body, &st.2.lock().unwrap()) {
                            st.1.fetch_add(1, Ordering::Relaxed);
                        }
                        if std::str::from_utf8(&body).is_ok_and(|b| b.contains(KEPT)) {
                            st.3.fetch_add(1, Ordering::Relaxed);
                        }
                        HttpResponse::NoContent().finish()
                    },
                ))
            })
            .workers(1)
            .bind("127.0.0.1:0")
            .expect("bind receiver");
            let port = server.addrs()[0].port();
            tx.send(port).unwrap();
            let _ = server.run().await;
        });
    });
    let port = rx.recv()?;
    Ok(Receiver { url: format!("http://127.0.0.1:{port}/hook"), count, secrets, bad, leaked })
}

fn verified(req: &HttpRequest, body: &[u8], secrets: &[String]) -> bool {
    let mut headers = http::HeaderMap::new();
    for (name, value) in req.headers() {
        if let (Ok(n), Ok(v)) =
            (http::HeaderName::from_bytes(name.as_str().as_bytes()), http::HeaderValue::from_bytes(value.as_bytes()))
        {
            headers.append(n, v);
        }
    }
    secrets.iter().any(|s| standardwebhooks::Webhook::new(s).is_ok_and(|wh| wh.verify(body, &headers).is_ok()))
}

/// The receiver listens on loopback, which the hub refuses as a webhook target by default.
fn loopback(s: &mut guantong::config::Settings) {
    s.webhook_allow_loopback = true;
}

/// A fresh hub for one case: a temp SQLite file, or a new database on the PostgreSQL server
/// named by `GT_WH_DATABASE_URL`.
fn start_hub(case: &str) -> Result<(server::Hubd, Option<tempfile::TempDir>, String)> {
    match std::env::var("GT_WH_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => {
            use diesel::{Connection, RunQueryDsl};
            let name = format!("gt_wh_bench_{case}_{}", std::process::id());
            let mut conn = diesel::PgConnection::establish(&url).context("connect to PostgreSQL")?;
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn)?;
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn)?;
            let db = format!("{}/{name}", &url[..url.rfind('/').context("URL ends in /<database>")?]);
            Ok((server::start_server_with(&db, loopback)?, None, "PostgreSQL".into()))
        }
        None => {
            let dir = tempfile::tempdir()?;
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            Ok((server::start_server_with(&url, loopback)?, Some(dir), "SQLite".into()))
        }
    }
}

struct Case {
    endpoints: usize,
    events: u64,
    deliveries: u64,
    elapsed: Duration,
    bad_signatures: u64,
    backend: String,
}

/// Creates an agency with its admin; returns (agency id, admin session).
fn agency(hub: &server::Hubd, admin: &str, code: &str, name: &str, kind: &str) -> Result<(String, String)> {
    let a = hub.post(admin, "/api/v1/agencies", &json!({"code": code, "name": name, "kind": kind, "level": "city"}))?;
    let id = a["id"].as_str().context("agency id")?.to_string();
    let unit_admin = hub.unit_admin(admin, &id, &format!("{code}_admin"))?;
    Ok((id, unit_admin))
}

/// Line `i` of the backlog: listed to the subscriber, to all, or kept by the publisher.
fn backlog_line(i: u64, subscriber: &str) -> String {
    let (title, distribution) = match i % 4 {
        0 | 1 => (format!("巡察发现问题{i}"), json!({"level": "agencies", "agencies": [subscriber]})),
        2 => (format!("巡察通报{i}"), json!({"level": "all"})),
        _ => (format!("{KEPT}问题底稿{i}"), json!({"level": "own"})),
    };
    json!({"external_id": format!("XC-{i:08}"), "kind": "case", "title": title, "body": "某局违规发放津补贴", "distribution": distribution}).to_string()
}

/// Events of the first `events` lines the subscriber may read.
fn entitled(events: u64) -> u64 {
    (0..events).filter(|i| i % 4 != 3).count() as u64
}

fn run_case(endpoints: usize, events: u64) -> Result<Case> {
    let (hub, _dir, backend) = start_hub(&format!("e{endpoints}"))?;
    let receiver = start_receiver()?;
    let admin = hub.login("admin", server::ADMIN_PASSWORD)?;
    let (publisher_id, publisher_admin) = agency(&hub, &admin, "xuncha", "市委巡察办", "inspection")?;
    let (subscriber, subscriber_admin) = agency(&hub, &admin, "jiwei", "市纪委监委", "discipline")?;
    hub.post(
        &publisher_admin,
        "/api/v1/users",
        &json!({"username": "xc_liaison", "password": server::LIAISON_PASSWORD, "agency_id": publisher_id, "roles": ["liaison"]}),
    )?;
    let liaison = hub.login("xc_liaison", server::LIAISON_PASSWORD)?;
    let set_active = |id: &str, active: bool| {
        hub.call(
            hub.req(reqwest::Method::PATCH, &format!("/api/v1/webhooks/{id}"), &subscriber_admin)
                .json(&json!({"active": active})),
        )
    };
    let mut ids = Vec::new();
    for _ in 0..endpoints {
        let e = hub.post(
            &subscriber_admin,
            "/api/v1/webhooks",
            &json!({"url": receiver.url, "event_types": ["record.created"]}),
        )?;
        receiver.secrets.lock().unwrap().push(e["secret"].as_str().context("secret")?.to_string());
        let id = e["id"].as_str().context("endpoint id")?.to_string();
        set_active(&id, false)?;
        ids.push(id);
    }
    // The backlog: `events` records, imported in batches of 5,000 lines.
    let mut n = 0;
    while n < events {
        let lines: Vec<String> = (n..(n + 5000).min(events)).map(|i| backlog_line(i, &subscriber)).collect();
        n += lines.len() as u64;
        let resp = hub
            .req(reqwest::Method::POST, "/api/v1/sync/batches", &liaison)
            .header("Content-Type", "application/x-ndjson")
            .body(lines.join("\n"))
            .send()?;
        if !resp.status().is_success() {
            return Err(anyhow!("import: HTTP {}", resp.status()));
        }
    }
    let deliveries = entitled(events) * endpoints as u64;
    let started = Instant::now();
    for id in &ids {
        set_active(id, true)?;
    }
    let deadline = started + Duration::from_secs(1800);
    while receiver.count.load(Ordering::Relaxed) < deliveries {
        if Instant::now() > deadline {
            return Err(anyhow!(
                "only {} of {deliveries} deliveries after 30 min",
                receiver.count.load(Ordering::Relaxed)
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let elapsed = started.elapsed();
    // Anything the delivery loop still sends now is more than the subscriber may read.
    std::thread::sleep(Duration::from_millis(500));
    let extra = receiver.count.load(Ordering::Relaxed) - deliveries;
    let leaked = receiver.leaked.load(Ordering::Relaxed);
    if leaked > 0 || extra > 0 {
        return Err(anyhow!(
            "{leaked} deliveries of the publisher's own records, {extra} deliveries beyond the entitled"
        ));
    }
    Ok(Case { endpoints, events, deliveries, elapsed, bad_signatures: receiver.bad.load(Ordering::Relaxed), backend })
}

fn main() -> Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    // Without `--bench` (`cargo test --benches`, `.ci/bench-smoke`): a smoke run, tiny
    // backlogs, nothing written.
    let smoke = !std::env::args().any(|a| a == "--bench");
    if smoke {
        println!("webhooks bench: smoke run (pass --bench, as `cargo bench` does, for the real one)");
    }
    let one = if smoke { 200 } else { env_u64("GT_WH_EVENTS", 20_000) };
    let fifty = if smoke { 20 } else { env_u64("GT_WH_EVENTS_50", 1_000) };
    let cpu = report::CpuMark::now();
    let cases = vec![run_case(1, one)?, run_case(50, fifty)?];
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let m = report::machine(repo);
    let mut body = String::new();
    use std::fmt::Write as _;
    let backend = cases[0].backend.clone();
    writeln!(body, "### Webhook delivery on {backend} — {}\n", m.date)?;
    writeln!(
        body,
        "Machine: {} CPUs ({}), {:.1} GiB RAM, {}; {}; commit {}.",
        m.cpus, m.cpu_model, m.ram_gib, m.os, m.rustc, m.commit
    )?;
    writeln!(body, "Command: `GT_WH_EVENTS={one} GT_WH_EVENTS_50={fifty} cargo bench --bench webhooks`. Hub, delivery loop and receiver share the machine.")?;
    writeln!(body, "The backlog is a cross-agency mix published by 市委巡察办 to the endpoints of 市纪委监委: a half listed to it, a quarter to all, a quarter kept by the publisher, which the delivery loop must hold back (none arrived); *deliveries* counts the entitled events × endpoints.\n")?;
    writeln!(body, "| endpoints | events | deliveries | time | deliveries/s | target | |")?;
    writeln!(body, "|---:|---:|---:|---:|---:|---:|---|")?;
    for c in &cases {
        let rate = c.deliveries as f64 / c.elapsed.as_secs_f64();
        let verdict = if rate >= TARGET_PER_SEC { "PASS" } else { "MISS" };
        writeln!(
            body,
            "| {} | {} | {} | {:.2} s | {:.0} | ≥ {:.0} | {verdict} |",
            c.endpoints,
            c.events,
            c.deliveries,
            c.elapsed.as_secs_f64(),
            rate,
            TARGET_PER_SEC
        )?;
        println!(
            "{} endpoint(s): {} deliveries in {:.2?} = {rate:.0}/s ({verdict}); bad signatures in sample: {}",
            c.endpoints, c.deliveries, c.elapsed, c.bad_signatures
        );
        if c.bad_signatures > 0 {
            return Err(anyhow!("{} sampled deliveries failed signature verification", c.bad_signatures));
        }
    }
    writeln!(body, "\n{}", cpu.others_since("the run"))?;
    print!("{body}");
    if !smoke && std::env::var("GT_BENCH_WRITE").map(|v| v != "0").unwrap_or(true) {
        report::write_section(&repo.join("BENCHMARKS.md"), &format!("webhooks-{}", backend.to_lowercase()), &body)?;
        println!("written to BENCHMARKS.md");
    }
    Ok(())
}
