//! The writers benchmark (`cargo bench --bench writers`, issue 12 target 4): concurrent
//! publishing clients against 1, 2 and 4 hub instances on one PostgreSQL database. Each
//! client publishes records (`POST /api/v1/records`, shared with another unit) as fast as it
//! is answered, spread over the instances; writes/s and latency per instance count go to
//! stdout and BENCHMARKS.md. Every answer must be 201 (a 503 is counted as an error).
//! Afterwards the feed of the receiving unit is read to the end: every record must be there
//! once, in rising sequence order, and the audit chain must verify.
//!
//! The instances are real servers started in this process (each its own pool and workers),
//! on the same cores as PostgreSQL and the clients.
//!
//! Knobs: GT_WRITERS_CLIENTS (50), GT_WRITERS_SECS (20), GT_WRITERS_INSTANCES ("1,2,4"),
//! GT_WRITERS_POOL (8 connections per instance), GT_LOAD_PG_URL (else GUANTONG_TEST_PG_URL;
//! a fresh database is made on that server per instance count). Without `--bench` a tiny
//! smoke run (4 clients, 2 s, 1 and 2 instances) that writes nothing; it is skipped when no
//! PostgreSQL URL is set.

#[path = "hub/data.rs"]
#[allow(dead_code)]
mod data;
#[path = "hub/phrases.rs"]
#[allow(dead_code)]
mod phrases;
#[path = "hub/report.rs"]
#[allow(dead_code)]
mod report;
#[path = "hub/server.rs"]
#[allow(dead_code)]
mod server;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use reqwest::Method;
use serde_json::json;

use server::{env, flag, start_server_with, Hubd, ADMIN_PASSWORD, LIAISON_PASSWORD};

struct Config {
    clients: usize,
    secs: u64,
    instances: Vec<usize>,
    pool: u32,
    write_md: bool,
}

fn config() -> Result<Config> {
    let smoke = !std::env::args().any(|a| a == "--bench");
    Ok(Config {
        clients: env("GT_WRITERS_CLIENTS")?.unwrap_or(if smoke { 4 } else { 50 }),
        secs: env("GT_WRITERS_SECS")?.unwrap_or(if smoke { 2 } else { 20 }),
        instances: std::env::var("GT_WRITERS_INSTANCES")
            .unwrap_or_else(|_| if smoke { "1,2".into() } else { "1,2,4".into() })
            .split(',')
            .map(|s| s.trim().parse().context("GT_WRITERS_INSTANCES: a list of numbers"))
            .collect::<Result<_>>()?,
        pool: env("GT_WRITERS_POOL")?.unwrap_or(8),
        write_md: flag("GT_WRITERS_WRITE_MD").unwrap_or(!smoke),
    })
}

/// What one run measured.
struct Measured {
    instances: usize,
    writes: u64,
    errors: u64,
    secs: f64,
    latency: hdrhistogram::Histogram<u64>,
}

/// Two units (the publisher and the receiver) with a liaison each, on the first instance.
fn units(h: &Hubd) -> Result<(String, String, String)> {
    let admin = h.login("admin", ADMIN_PASSWORD)?;
    let mut ids = Vec::new();
    for (code, kind) in [("xc", "inspection"), ("jw", "discipline")] {
        let v = h.post(
            &admin,
            "/api/v1/agencies",
            &json!({"code": code, "name": format!("{code}单位"), "kind": kind, "level": "city"}),
        )?;
        ids.push(v["id"].as_str().context("agency id")?.to_string());
        guantong::admin_cli::create_user(&h.pool, &format!("{code}_l"), code, "liaison", None, LIAISON_PASSWORD)?;
    }
    Ok((h.login("xc_l", LIAISON_PASSWORD)?, h.login("jw_l", LIAISON_PASSWORD)?, ids[1].clone()))
}

fn run(cfg: &Config, admin_url: &str, instances: usize) -> Result<Measured> {
    let url = server::fresh_pg_database(admin_url, "gt_writers")?;
    let hubs: Vec<Hubd> =
        (0..instances).map(|_| start_server_with(&url, |s| s.pool_size = cfg.pool)).collect::<Result<_>>()?;
    let (publisher, receiver, to) = units(&hubs[0])?;
    let latency = Mutex::new(report::histogram());
    let (writes, errors) = (Mutex::new(Vec::new()), Mutex::new(0u64));
    let started = Instant::now();
    let until = started + Duration::from_secs(cfg.secs);
    std::thread::scope(|s| {
        for c in 0..cfg.clients {
            let (h, publisher, to, latency, writes, errors) =
                (&hubs[c % instances], &publisher, &to, &latency, &writes, &errors);
            s.spawn(move || {
                let mut n = 0;
                while Instant::now() < until {
                    let body = json!({"kind": "clue", "title": format!("并发发布{c}-{n}"), "body": "写入扩展基准",
                        "distribution": {"level": "agencies", "agencies": [to]}});
                    let t = Instant::now();
                    match h.req(Method::POST, "/api/v1/records", publisher).json(&body).send() {
                        Ok(r) if r.status().as_u16() == 201 => {
                            report::record(&mut latency.lock().unwrap(), t.elapsed());
                            let id =
                                r.json::<serde_json::Value>().ok().and_then(|v| v["id"].as_str().map(String::from));
                            writes.lock().unwrap().push(id.unwrap_or_default());
                        }
                        Ok(r) => {
                            eprintln!("[writers] HTTP {}: {}", r.status(), r.text().unwrap_or_default());
                            *errors.lock().unwrap() += 1;
                        }
                        Err(e) => {
                            eprintln!("[writers] {e}");
                            *errors.lock().unwrap() += 1;
                        }
                    }
                    n += 1;
                }
            });
        }
    });
    let secs = started.elapsed().as_secs_f64();
    let published: BTreeSet<String> = writes.into_inner().unwrap().into_iter().collect();
    check_feed(&hubs[0], &receiver, &published)?;
    Ok(Measured {
        instances,
        writes: published.len() as u64,
        errors: errors.into_inner().unwrap(),
        secs,
        latency: latency.into_inner().unwrap(),
    })
}

/// Reads the receiver's feed to the end: every record once, sequence numbers rising; the
/// audit chain verifies.
fn check_feed(h: &Hubd, token: &str, published: &BTreeSet<String>) -> Result<()> {
    let (mut after, mut seen) = (0i64, BTreeSet::new());
    loop {
        let page = h.call(h.req(Method::GET, &format!("/api/v1/feed?after={after}&limit=500"), token))?;
        let events = page["events"].as_array().context("events")?;
        if events.is_empty() {
            break;
        }
        for e in events {
            let seq = e["seq"].as_i64().context("seq")?;
            if seq <= after {
                bail!("the feed went back: {seq} after {after}");
            }
            after = seq;
            if e["type"] == "record.created" && !seen.insert(e["record_id"].as_str().unwrap_or_default().to_string()) {
                bail!("record {} arrived twice", e["record_id"]);
            }
        }
    }
    if &seen != published {
        bail!("the feed holds {} records, {} were published", seen.len(), published.len());
    }
    match guantong::service::audit::verify(&mut *h.pool.get()?)? {
        guantong::service::audit::Verification::Intact { .. } => Ok(()),
        guantong::service::audit::Verification::Broken(b) => bail!("audit chain broken: {b}"),
    }
}

fn markdown(cfg: &Config, runs: &[Measured]) -> String {
    let mut md = format!(
        "### Writers scaling out on PostgreSQL\n\n{} clients publishing for {} s against N hub instances on one database \
         (pool {} each); each run on a fresh database; afterwards the receiver's feed was read to the end (every record \
         once, numbers rising) and the audit chain verified.\n\n\
         | instances | writes | writes/s | p50 ms | p99 ms | max ms | errors |\n|---|---|---|---|---|---|---|\n",
        cfg.clients, cfg.secs, cfg.pool
    );
    for r in runs {
        let ms = |q: f64| r.latency.value_at_quantile(q) as f64 / 1000.0;
        md += &format!(
            "| {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {} |\n",
            r.instances,
            r.writes,
            r.writes as f64 / r.secs,
            ms(0.5),
            ms(0.99),
            r.latency.max() as f64 / 1000.0,
            r.errors
        );
    }
    md
}

fn main() -> Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    let cfg = config()?;
    let Ok(admin_url) = std::env::var("GT_LOAD_PG_URL").or_else(|_| std::env::var("GUANTONG_TEST_PG_URL")) else {
        eprintln!("[writers] no PostgreSQL (set GT_LOAD_PG_URL or GUANTONG_TEST_PG_URL): skipped");
        return Ok(());
    };
    let mut runs = Vec::new();
    for n in &cfg.instances {
        let m = run(&cfg, &admin_url, *n)?;
        eprintln!("[writers] {} instance(s): {} writes in {:.1} s, {} errors", n, m.writes, m.secs, m.errors);
        runs.push(m);
    }
    let md = markdown(&cfg, &runs);
    println!("{md}");
    if cfg.write_md {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let m = report::machine(repo);
        let body = format!(
            "{md}\nMachine: {} × {}, {:.1} GiB RAM, {}; {}; commit {}; {}. Command: `cargo bench --bench writers` \
             (release build; instances, clients and PostgreSQL share the cores).\n\n",
            m.cpus, m.cpu_model, m.ram_gib, m.os, m.rustc, m.commit, m.date
        );
        report::write_section(&repo.join("BENCHMARKS.md"), "writers-postgres", &body)?;
    }
    if runs.iter().any(|r| r.errors > 0) {
        bail!("some writes failed (see the lines above)");
    }
    Ok(())
}
