//! The load benchmark (`cargo bench --bench load`): the real server in-process on a fresh
//! database (SQLite, then PostgreSQL), a hub of member units with seeded records, then 200
//! concurrent clients for 60 s — liaison officers listing, reading, searching, publishing
//! and opening their inbox, sync jobs reading the feed with their API keys, and one bulk
//! batch at a time. Every answer must be a success (0 errors); p50/p90/p99/max per request
//! kind and the longest write transaction (SQLite: the write lock) go to stdout and BENCHMARKS.md.
//!
//! Knobs: GT_LOAD_CLIENTS (200), GT_LOAD_SECS (60), GT_LOAD_BACKENDS ("sqlite,postgres"),
//! GT_LOAD_PG_URL (else GUANTONG_TEST_PG_URL; a fresh database is created on that server),
//! GT_LOAD_AGENCIES (40), GT_LOAD_OBJECTS (2000), GT_LOAD_RECORDS (20000 seeded),
//! GT_LOAD_POOL (16 database connections), GT_LOAD_WRITE_MD (1 with --bench), GUANTONG_LOG
//! (the hub's log filter, e.g. `guantong=warn`: slow write-lock holds name their request).
//! Without `--bench` (e.g. `cargo test --benches`) a tiny smoke run that writes nothing.

#[path = "load/clients.rs"]
mod clients;
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

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::SeedableRng;
use reqwest::Method;
use serde_json::json;

use clients::{bulk, liaison, sync_job, Tally, Unit};
use data::{Hub, HubAgency, RecordGen};
use server::{env, flag, parallel, start_server_with, wait_for_jobs, Hubd, ADMIN_PASSWORD, LIAISON_PASSWORD};

struct Config {
    clients: usize,
    secs: u64,
    backends: Vec<String>,
    agencies: usize,
    objects: usize,
    records: u64,
    pool: u32,
    write_md: bool,
}

fn config() -> Result<Config> {
    let bench = std::env::args().any(|a| a == "--bench");
    let smoke = !bench;
    Ok(Config {
        clients: env("GT_LOAD_CLIENTS")?.unwrap_or(if smoke { 8 } else { 200 }),
        secs: env("GT_LOAD_SECS")?.unwrap_or(if smoke { 3 } else { 60 }),
        backends: std::env::var("GT_LOAD_BACKENDS")
            .unwrap_or_else(|_| if smoke { "sqlite".into() } else { "sqlite,postgres".into() })
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        agencies: env("GT_LOAD_AGENCIES")?.unwrap_or(if smoke { 14 } else { 40 }),
        objects: env("GT_LOAD_OBJECTS")?.unwrap_or(if smoke { 50 } else { 2_000 }),
        records: env("GT_LOAD_RECORDS")?.unwrap_or(if smoke { 200 } else { 20_000 }),
        pool: env("GT_LOAD_POOL")?.unwrap_or(16),
        write_md: flag("GT_LOAD_WRITE_MD").unwrap_or(bench),
    })
}

/// Builds the hub: units over the admin API, their users on the server console (as
/// `guantong admin create-user` does), API keys minted by each unit's own agency admin,
/// sharing groups, the petition agreements, supervision objects, then seeded records.
fn build(h: &Hubd, cfg: &Config) -> Result<(Hub, Vec<Unit>, u64)> {
    let admin = h.login("admin", ADMIN_PASSWORD)?;
    let mut agencies = Vec::new();
    for a in data::agencies(cfg.agencies) {
        let v = h.post(
            &admin,
            "/api/v1/agencies",
            &json!({"code": a.code, "name": a.name, "kind": a.kind, "level": a.level}),
        )?;
        let id = v["id"].as_str().unwrap_or_default().to_string();
        agencies.push(HubAgency { id, code: a.code, name: a.name, kind: a.kind, region: a.region });
    }
    let units = parallel(&agencies, 2, |_, a| {
        let email = |who: &str| Some(format!("{}_{who}@example.gov.cn", a.code));
        let (liaison, agency_admin) = (format!("{}_liaison", a.code), format!("{}_admin", a.code));
        guantong::admin_cli::create_user(&h.pool, &liaison, &a.code, "liaison", email("l"), LIAISON_PASSWORD)?;
        guantong::admin_cli::create_user(
            &h.pool,
            &agency_admin,
            &a.code,
            "agency_admin",
            email("a"),
            LIAISON_PASSWORD,
        )?;
        let admin_token = h.login(&agency_admin, LIAISON_PASSWORD)?;
        let k =
            h.post(&admin_token, &format!("/api/v1/agencies/{}/api-keys", a.id), &json!({"name": "夜间同步任务"}))?;
        Ok(Unit {
            liaison: h.login(&liaison, LIAISON_PASSWORD)?,
            key: k["key"].as_str().context("api key")?.to_string(),
        })
    })?;
    let index: BTreeMap<&str, usize> = agencies.iter().enumerate().map(|(i, a)| (a.code.as_str(), i)).collect();
    let mut groups = Vec::new();
    for (name, description, codes) in data::groups(1) {
        let members: Vec<usize> = codes.iter().filter_map(|c| index.get(c.as_str()).copied()).collect();
        if members.len() < 2 {
            continue;
        }
        let ids: Vec<&str> = members.iter().map(|m| agencies[*m].id.as_str()).collect();
        let g =
            h.post(&admin, "/api/v1/groups", &json!({"name": name, "description": description, "agency_ids": ids}))?;
        groups.push((g["id"].as_str().unwrap_or_default().to_string(), members));
    }
    if groups.is_empty() {
        bail!("no sharing group has two members among {} agencies: raise GT_LOAD_AGENCIES", agencies.len());
    }
    for (name, kinds, protected) in [
        ("信访举报人信息仅限纪检监察机关", ["discipline"], true),
        ("信访件可送组织部门(不含举报人信息)", ["organization"], false),
    ] {
        h.post(&admin, "/api/v1/agreements", &json!({"name": name, "source_kind": "petition", "record_kind": "petition", "recipient_kinds": kinds, "protected_fields": protected}))?;
    }
    let mut rng = StdRng::seed_from_u64(8);
    let specs: Vec<data::ObjectSpec> = (0..cfg.objects).map(|_| data::object(&mut rng)).collect();
    let ids = parallel(&specs, 4, |i, o| {
        let v = h.post(&units[i % units.len()].liaison, "/api/v1/objects", &o.body)?;
        Ok(v["id"].as_str().unwrap_or_default().to_string())
    })?;
    let hub = Hub { agencies, groups, objects: ids.into_iter().zip(specs).map(|(id, s)| (id, s.label)).collect() };
    let mut gen = RecordGen::new(&hub, 8);
    let (mut done, mut next) = (0u64, vec![0u64; hub.agencies.len()]);
    while done < cfg.records {
        let owner = (done / 1000) as usize % hub.agencies.len();
        let n = 1000.min(cfg.records - done);
        let body: String = (0..n)
            .map(|_| {
                next[owner] += 1;
                gen.line(&hub, owner, next[owner]) + "\n"
            })
            .collect();
        batch(h, &units[owner].key, body)?;
        done += n;
    }
    guantong::db::refresh_stats_after_bulk_load(&mut *h.pool.get()?);
    Ok((hub, units, next.iter().max().copied().unwrap_or(0)))
}

fn batch(h: &Hubd, key: &str, body: String) -> Result<()> {
    let resp = h
        .req(Method::POST, "/api/v1/sync/batches", key)
        .header("Content-Type", "application/x-ndjson")
        .body(body)
        .send()?;
    let status = resp.status();
    if !status.is_success() {
        bail!("HTTP {status}: {}", resp.text().unwrap_or_default());
    }
    Ok(())
}

fn metrics_text(h: &Hubd) -> String {
    h.client.get(format!("{}/metrics", h.base)).send().and_then(|r| r.text()).unwrap_or_default()
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok()).unwrap_or(f64::NAN)
}

/// The write-lock hold histogram's cumulative buckets: (upper bound in s, count).
fn hold_buckets(text: &str) -> Vec<(f64, f64)> {
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("guantong_write_lock_hold_seconds_bucket{le=\"")?;
            let (le, value) = rest.split_once("\"} ")?;
            Some((le.parse().unwrap_or(f64::INFINITY), value.trim().parse().ok()?))
        })
        .collect()
}

/// Write-lock holds during the load phase: how many, the bucket bounds of their p50 and p99
/// (ms), and how many took longer than 100 ms — from the histogram before and after.
fn holds_between(before: &str, after: &str) -> String {
    let (b, a) = (hold_buckets(before), hold_buckets(after));
    let delta: Vec<(f64, f64)> =
        a.iter().zip(b.iter().chain(std::iter::repeat(&(0.0, 0.0)))).map(|(x, y)| (x.0, x.1 - y.1)).collect();
    let total = delta.last().map_or(0.0, |d| d.1);
    let bound = |q: f64| delta.iter().find(|d| d.1 >= q * total).map_or(f64::NAN, |d| d.0 * 1000.0);
    let under_100ms = delta.iter().find(|d| (d.0 - 0.1).abs() < 1e-9).map_or(f64::NAN, |d| d.1);
    format!(
        "During the load phase {total:.0} write transactions (SQLite: holding the write lock): p50 ≤ {} ms, p99 ≤ {} ms, {:.0} over 100 ms.",
        bound(0.5),
        bound(0.99),
        total - under_100ms
    )
}

fn run(cfg: &Config, backend: &str) -> Result<String> {
    let dir = tempfile::tempdir()?;
    let url = match backend {
        "sqlite" => format!("sqlite://{}", dir.path().join("load.db").display()),
        "postgres" => fresh_pg_database()?,
        other => bail!("unknown backend {other}"),
    };
    let h = start_server_with(&url, |s| s.pool_size = cfg.pool)?;
    let t0 = Instant::now();
    let (hub, units, last_n) = build(&h, cfg)?;
    // A hub in service has its after-commit jobs at the end of the log; the seeding is a
    // bulk load they follow (duplicates, the search index), and the load starts when they
    // are through it.
    let jobs = wait_for_jobs(&h.pool)?;
    let setup = t0.elapsed();
    eprintln!(
        "[load/{backend}] hub ready in {setup:.1?} (after-commit jobs through the seeding {jobs:.1?} after it): {} units, {} records; {} clients for {} s",
        units.len(),
        cfg.records,
        cfg.clients,
        cfg.secs
    );
    let stop = AtomicBool::new(false);
    let (tally, sent) = (Mutex::new(Tally::default()), AtomicU64::new(0));
    let before = metrics_text(&h);
    let cpu = report::CpuMark::now();
    let started = Instant::now();
    std::thread::scope(|s| {
        for c in 0..cfg.clients {
            let (h, hub, units, stop, tally, sent) = (&h, &hub, &units, &stop, &tally, &sent);
            s.spawn(move || {
                let unit = &units[c % units.len()];
                let t = match c {
                    0 => bulk(h, hub, units, last_n, stop),
                    c if c % 10 == 1 => sync_job(h, unit, c as u64, stop),
                    c => liaison(h, hub, unit, c as u64, stop),
                };
                sent.fetch_add(t.kinds.values().map(|(h, _)| h.len()).sum(), Ordering::Relaxed);
                tally.lock().unwrap().merge(t);
            });
        }
        std::thread::sleep(Duration::from_secs(cfg.secs));
        stop.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed().as_secs_f64();
    let others = cpu.others_since("the load phase");
    let tally = tally.into_inner().unwrap();
    let after = metrics_text(&h);
    let hold_max = metric(&after, "guantong_write_lock_hold_max_seconds") * 1000.0;
    let holds = holds_between(&before, &after);
    let total = sent.load(Ordering::Relaxed);
    let errors: u64 = tally.kinds.values().map(|(_, e)| e).sum();
    let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let mut md = format!(
        "### Load: {} clients for {} s on {backend}\n\n{} member units, {} supervision objects, {} records seeded; pool of {} connections. \
         {total} requests ({:.0}/s), **{errors} errors**. {holds} Longest hold since start (setup included): {hold_max:.1} ms. {others}\n\n\
         | request | count | errors | 503 retried | p50 ms | p90 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
        cfg.clients, cfg.secs, units.len(), hub.objects.len(), cfg.records, cfg.pool, total as f64 / elapsed
    );
    for (kind, (hist, errs)) in &tally.kinds {
        md += &format!(
            "| {kind} | {} | {errs} | {} | {:.1} | {:.1} | {:.1} | {:.1} |\n",
            hist.len(),
            tally.retried.get(kind).copied().unwrap_or(0),
            ms(hist, 0.5),
            ms(hist, 0.9),
            ms(hist, 0.99),
            hist.max() as f64 / 1000.0
        );
    }
    for s in &tally.samples {
        md += &format!("\n- error: {s}");
    }
    println!("{md}");
    Ok(md)
}

/// A fresh database on the PostgreSQL server of GT_LOAD_PG_URL (or GUANTONG_TEST_PG_URL).
fn fresh_pg_database() -> Result<String> {
    let admin_url = std::env::var("GT_LOAD_PG_URL")
        .or_else(|_| std::env::var("GUANTONG_TEST_PG_URL"))
        .context("set GT_LOAD_PG_URL (or GUANTONG_TEST_PG_URL, e.g. from .ci/pg-start) for the PostgreSQL run")?;
    server::fresh_pg_database(&admin_url, "gt_load")
}

fn main() -> Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    // GUANTONG_LOG (e.g. `guantong=warn`): the hub's log on stderr, as `guantong serve` writes
    // it; slow write-lock holds are warned there with the request that held the lock.
    if let Ok(filter) = std::env::var("GUANTONG_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
    }
    let cfg = config()?;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failed = false;
    for backend in &cfg.backends {
        let md = run(&cfg, backend)?;
        failed |= !md.contains("**0 errors**");
        if cfg.write_md {
            let m = report::machine(repo);
            let body = format!(
                "{md}\n\nMachine: {} × {}, {:.1} GiB RAM, {}; {}; commit {}; {}. Command: `GT_LOAD_BACKENDS={backend} cargo bench --bench load` \
                 (release build; the load generator runs in the same process and on the same cores as the server).\n\n",
                m.cpus, m.cpu_model, m.ram_gib, m.os, m.rustc, m.commit, m.date
            );
            report::write_section(&repo.join("BENCHMARKS.md"), &format!("load-{backend}"), &body)?;
        }
    }
    if failed {
        bail!("some requests failed (see the error lines above)");
    }
    Ok(())
}
