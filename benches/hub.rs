//! The hub benchmark (`cargo bench --bench hub`): starts the real server in-process on a
//! fresh database, builds the seed-sized hub over HTTP (127 agencies — more with
//! `GT_BENCH_AGENCIES`, a national run of several cities —, their liaison users
//! and API keys, sharing groups, the petition agreements, 21,000 supervision objects), bulk-imports
//! N records through `POST /api/v1/sync/batches`, then measures the entitled list, search
//! and feed over HTTP and the same store calls directly on the database. Results go to
//! stdout and to BENCHMARKS.md. See BENCHMARKS.md for the knobs (GT_BENCH_* variables).
//!
//! Without `--bench` (e.g. `cargo test --benches`) it runs a tiny smoke version and writes
//! nothing; with `--list` it prints nothing.

#[path = "hub/bare.rs"]
mod bare;
#[path = "hub/data.rs"]
mod data;
#[path = "hub/pages.rs"]
mod pages;
#[path = "hub/phrases.rs"]
mod phrases;
#[path = "hub/report.rs"]
mod report;
#[path = "hub/server.rs"]
mod server;
#[path = "hub/sqlprof.rs"]
mod sqlprof;

use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use diesel::RunQueryDsl;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use guantong::db::{Backend, DbConnection, DbPool};
use guantong::domain::record::RecordKind;
use guantong::domain::Role;
use guantong::policy::Principal;
use guantong::service::feed;
use guantong::store::directory;
use guantong::store::log::Actor;
use guantong::store::records;

use data::{Hub, HubAgency, RecordGen};
use hdrhistogram::Histogram;
use report::{histogram, Row};
use server::{build_hub, env, flag, Creds, Hubd, LIAISON_PASSWORD};

/// The target for an entitled list or feed page of 100 (p99, ms).
const PAGE_TARGET_MS: f64 = 20.0;
/// Issue 12: a search page of 100 at 1,000,000 records, p99.
const SEARCH_TARGET_MS: f64 = 50.0;
const PAGE: i64 = 100;
/// A series over its time budget still takes this many samples (fewer if it has fewer).
const MIN_SAMPLES: usize = 50;

/// Ends a series when its time budget is spent and enough samples are in: a feed page can
/// take a second at 1M records, and 500 of them thrice per agency would take hours.
struct Budget {
    start: Instant,
    limit: Duration,
    min: usize,
}

impl Budget {
    fn new(cfg: &Config, n: usize) -> Budget {
        Budget { start: Instant::now(), limit: Duration::from_secs(cfg.series_secs), min: n.min(MIN_SAMPLES) }
    }
    fn spent(&self, done: usize) -> bool {
        done >= self.min && self.start.elapsed() > self.limit
    }
}

/// What to run, from the environment (see BENCHMARKS.md).
struct Config {
    records: u64,
    agencies: usize,
    objects: usize,
    iters: usize,
    search_iters: usize,
    deep_pages: usize,
    batch: Option<usize>,
    database_url: Option<String>,
    reuse: bool,
    keep: bool,
    write_md: Option<bool>,
    viewers: Vec<String>,
    seed: u64,
    profile: bool,
    /// Run the delivery loops and the after-commit jobs (off: the import alone, its ceiling).
    workers: bool,
    /// Time budget of one measured series (it still takes at least `MIN_SAMPLES`).
    series_secs: u64,
}

impl Config {
    fn from_env(smoke: bool) -> Result<Config> {
        if smoke {
            // `cargo test --benches`: prove the bench runs, in seconds.
            return Ok(Config {
                records: 1_000,
                agencies: 16,
                objects: 200,
                iters: 5,
                search_iters: 2,
                deep_pages: 2,
                batch: Some(100),
                database_url: None,
                reuse: false,
                keep: false,
                write_md: Some(false),
                viewers: vec!["typical".into(), "least".into()],
                seed: 1,
                profile: false,
                workers: true,
                series_secs: 60,
            });
        }
        let iters = env("GT_BENCH_ITERS")?.unwrap_or(500);
        Ok(Config {
            records: env("GT_BENCH_RECORDS")?.unwrap_or(1_000_000),
            agencies: env("GT_BENCH_AGENCIES")?.unwrap_or(127),
            objects: env("GT_BENCH_OBJECTS")?.unwrap_or(21_000),
            iters,
            search_iters: env("GT_BENCH_SEARCH_ITERS")?.unwrap_or((iters / 25).max(5)),
            deep_pages: 10,
            batch: env("GT_BENCH_BATCH")?,
            database_url: std::env::var("GT_BENCH_DATABASE_URL").ok().filter(|s| !s.is_empty()),
            reuse: flag("GT_BENCH_REUSE").unwrap_or(false),
            keep: flag("GT_BENCH_KEEP").unwrap_or(false),
            write_md: flag("GT_BENCH_WRITE"),
            viewers: std::env::var("GT_BENCH_VIEWERS")
                .unwrap_or_else(|_| "most,typical,least".into())
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            seed: env("GT_BENCH_SEED")?.unwrap_or(20261121),
            profile: flag("GT_BENCH_PROFILE").unwrap_or(false),
            workers: flag("GT_BENCH_WORKERS").unwrap_or(true),
            series_secs: env("GT_BENCH_SERIES_SECS")?.unwrap_or(60),
        })
    }

    /// The command line that reproduces this run.
    fn command(&self, url_given: bool) -> String {
        let mut vars = vec![format!("GT_BENCH_RECORDS={}", self.records)];
        if url_given {
            vars.push("GT_BENCH_DATABASE_URL=<url>".into());
        }
        if self.agencies != 127 {
            vars.push(format!("GT_BENCH_AGENCIES={}", self.agencies));
        }
        if self.objects != 21_000 {
            vars.push(format!("GT_BENCH_OBJECTS={}", self.objects));
        }
        if self.iters != 500 {
            vars.push(format!("GT_BENCH_ITERS={}", self.iters));
        }
        if self.search_iters != (self.iters / 25).max(5) {
            vars.push(format!("GT_BENCH_SEARCH_ITERS={}", self.search_iters));
        }
        if self.series_secs != 60 {
            vars.push(format!("GT_BENCH_SERIES_SECS={}", self.series_secs));
        }
        if let Some(b) = self.batch {
            vars.push(format!("GT_BENCH_BATCH={b}"));
        }
        for knob in ["GT_BENCH_REUSE", "GT_BENCH_PAGES_ONLY"] {
            if flag(knob).unwrap_or(false) {
                vars.push(format!("{knob}=1"));
            }
        }
        if let Ok(section) = std::env::var("GT_BENCH_SECTION") {
            vars.push(format!("GT_BENCH_SECTION={section}"));
        }
        format!("{} cargo bench --bench hub", vars.join(" "))
    }
}

/// Everything the setup produced.
struct Built {
    hub: Hub,
    creds: Vec<Creds>,
    /// Per agency: records it may read.
    entitled: Vec<u64>,
    setup: Option<report::Setup>,
    import: Option<report::Import>,
}

/// Pushes `cfg.records` records as NDJSON batches, each with its owner's API key, while
/// another thread generates the next batches. The last ~5% (at most 50,000) go through the
/// same store function the handler calls (`service::import::push`) without HTTP: the baseline.
fn import(h: &Hubd, cfg: &Config, hub: &Hub, creds: &[Creds]) -> Result<(report::Import, RecordGen)> {
    let mut gen = RecordGen::new(hub, cfg.seed);
    let schedule = gen.schedule(hub);
    // About one batch per schedule slot over the run, between 50 and 5,000 lines.
    let batch = cfg.batch.unwrap_or_else(|| ((cfg.records as usize) / schedule.len()).clamp(50, 5_000));
    let total = cfg.records;
    let store_tail = (total / 20).clamp(total.min(batch as u64), 50_000);
    let (tx, rx) = sync_channel::<(usize, String, u64)>(3);
    std::thread::scope(|s| -> Result<(report::Import, RecordGen)> {
        let producer = s.spawn(move || {
            let mut next_n: Vec<u64> = vec![0; hub.agencies.len()];
            let (mut done, mut b) = (0u64, 0usize);
            while done < total {
                let owner = schedule[b % schedule.len()];
                let lines = (batch as u64).min(total - done);
                let mut body = String::with_capacity(lines as usize * 1400);
                for _ in 0..lines {
                    next_n[owner] += 1;
                    body.push_str(&gen.line(hub, owner, next_n[owner]));
                    body.push('\n');
                }
                if tx.send((owner, body, lines)).is_err() {
                    break;
                }
                done += lines;
                b += 1;
            }
            gen
        });
        // (records done, time) after each HTTP batch; the store tail is timed apart.
        let mut progress: Vec<(u64, Duration)> = Vec::new();
        let mut slowest = f64::INFINITY;
        let (mut done, mut store_done) = (0u64, 0u64);
        let mut store_time = Duration::ZERO;
        let mut t0: Option<Instant> = None;
        let mut last_print = Instant::now();
        if cfg.profile {
            sqlprof::reset();
        }
        for (owner, body, lines) in rx {
            if done + store_done >= total - store_tail {
                // Baseline: the handler's store call on a pooled connection.
                let p = principal(hub, creds, owner);
                let tb = Instant::now();
                let out = guantong::service::import::push(&mut *h.pool.get()?, &p, body.as_bytes(), None)
                    .map_err(|e| anyhow!("store push: {e}"))?;
                store_time += tb.elapsed();
                if out.summary.created as u64 != lines {
                    bail!("store push created {} of {lines}", out.summary.created);
                }
                store_done += lines;
                continue;
            }
            let start = *t0.get_or_insert_with(Instant::now);
            let tb = Instant::now();
            let resp = h
                .req(reqwest::Method::POST, "/api/v1/sync/batches", &creds[owner].key)
                .header("Content-Type", "application/x-ndjson")
                .body(body)
                .send()
                .context("the in-process server did not answer (actix stops it on SIGINT/SIGTERM/SIGQUIT)")?;
            let status = resp.status();
            let header = |n: &str| -> u64 {
                resp.headers().get(n).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
            };
            let (created, rejected) = (header("X-Batch-Created"), header("X-Batch-Rejected"));
            let text = resp.text()?;
            if !status.is_success() || created != lines {
                // Show the first rejected lines (or the start of the answer).
                let mut bad: Vec<&str> = text.lines().filter(|l| l.contains("\"rejected\"")).take(3).collect();
                if bad.is_empty() {
                    bad = text.lines().take(3).collect();
                }
                bail!(
                    "batch by {} answered {status}: {created} created, {rejected} rejected of {lines}:\n{}",
                    hub.agencies[owner].code,
                    bad.join("\n")
                );
            }
            slowest = slowest.min(lines as f64 / tb.elapsed().as_secs_f64());
            done += lines;
            progress.push((done, start.elapsed()));
            if last_print.elapsed() > Duration::from_secs(15) {
                last_print = Instant::now();
                eprintln!(
                    "  imported {done} / {total} ({:.0} records/s so far)",
                    done as f64 / start.elapsed().as_secs_f64()
                );
            }
        }
        let gen = producer.join().map_err(|_| anyhow!("generator panicked"))?;
        let jobs_caught_up = if cfg.workers {
            eprintln!("  waiting for the after-commit jobs (duplicate handling, search index) ...");
            Some(server::wait_for_jobs(&h.pool)?)
        } else {
            None
        };
        let elapsed = progress.last().map(|p| p.1).unwrap_or_default();
        if cfg.profile {
            sqlprof::print(
                "bulk import over HTTP (and the store tail)",
                elapsed + store_time,
                done + store_done,
                "record",
            );
        }
        let rate_until = |n: u64| progress.iter().find(|p| p.0 >= n).map(|p| p.0 as f64 / p.1.as_secs_f64());
        // The last 10% of the HTTP part: from the batch that crossed 90% to the end.
        let (d90, t90) = progress.iter().find(|p| p.0 * 10 >= done * 9).copied().unwrap_or((0, Duration::ZERO));
        let last = progress.last().copied().unwrap_or((0, Duration::ZERO));
        let last_10pct_rate = if last.0 > d90 {
            (last.0 - d90) as f64 / (last.1 - t90).as_secs_f64()
        } else {
            last.0 as f64 / last.1.as_secs_f64()
        };
        Ok((
            report::Import {
                records: done,
                batch_lines: batch,
                batches: progress.len(),
                first_100k_rate: if total >= 200_000 { rate_until(100_000) } else { None },
                last_10pct_rate,
                whole_rate: done as f64 / elapsed.as_secs_f64(),
                total: elapsed,
                slowest_batch_rate: slowest,
                store_records: store_done,
                store_rate: store_done as f64 / store_time.as_secs_f64().max(1e-9),
                jobs_caught_up,
            },
            gen,
        ))
    })
}

/// An agency system's principal, as its API key authenticates.
fn principal(hub: &Hub, creds: &[Creds], a: usize) -> Principal {
    Principal {
        user_id: None,
        api_key_id: Some(creds[a].key_id.clone()),
        username: "系统接入:夜间同步任务".into(),
        agency_id: hub.agencies[a].id.clone(),
        roles: vec![Role::Liaison],
    }
}

/// What a reused database remembers about its hub (written next to it after a run).
fn meta_path(cfg: &Config, h: &Hubd) -> PathBuf {
    match &h.db_path {
        Some(p) => PathBuf::from(format!("{}.bench.json", p.display())),
        None => {
            let url = cfg.database_url.clone().unwrap_or_default();
            let tag = hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(url.as_bytes())[..6]);
            std::env::temp_dir().join(format!("guantong-bench-{tag}.json"))
        }
    }
}

fn save_meta(path: &Path, cfg: &Config, hub: &Hub, entitled: &[u64]) -> Result<()> {
    let agencies: Vec<Value> = hub
        .agencies
        .iter()
        .zip(entitled)
        .map(|(a, n)| json!({"id": a.id, "code": a.code, "name": a.name, "kind": a.kind, "entitled": n}))
        .collect();
    std::fs::write(
        path,
        serde_json::to_string_pretty(&json!({"records": cfg.records, "objects": cfg.objects, "agencies": agencies}))?,
    )?;
    Ok(())
}

/// Loads the hub of a previous run and issues fresh API keys (keys are stored hashed).
fn reuse(h: &Hubd, cfg: &mut Config, path: &Path) -> Result<Built> {
    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(path).with_context(|| format!("GT_BENCH_REUSE needs {}", path.display()))?,
    )?;
    cfg.records = meta["records"].as_u64().unwrap_or(0);
    cfg.objects = meta["objects"].as_u64().unwrap_or(0) as usize;
    let n = meta["agencies"].as_array().map_or(0, |a| a.len());
    let specs = data::agencies(n);
    let mut agencies = Vec::new();
    let mut entitled = Vec::new();
    let mut creds = Vec::new();
    for (i, a) in meta["agencies"].as_array().into_iter().flatten().enumerate() {
        let id = a["id"].as_str().unwrap_or_default().to_string();
        // Keys are issued by the unit's own admin (made by the first run).
        let code = a["code"].as_str().unwrap_or_default();
        let unit_admin = h.login(&format!("{code}_admin"), LIAISON_PASSWORD)?;
        let k = h.post(&unit_admin, &format!("/api/v1/agencies/{id}/api-keys"), &json!({"name": "基准测试复用"}))?;
        creds.push(Creds {
            key: k["key"].as_str().unwrap_or_default().to_string(),
            key_id: k["id"].as_str().unwrap_or_default().to_string(),
        });
        agencies.push(HubAgency {
            id,
            code: a["code"].as_str().unwrap_or_default().to_string(),
            name: a["name"].as_str().unwrap_or_default().to_string(),
            kind: specs.get(i).map_or("other", |s| s.kind),
            region: specs.get(i).map_or(0, |s| s.region),
        });
        entitled.push(a["entitled"].as_u64().unwrap_or(0));
    }
    Ok(Built { hub: Hub { agencies, groups: vec![], objects: vec![] }, creds, entitled, setup: None, import: None })
}

/// A query measured for one agency.
#[derive(Clone)]
enum Query {
    List { kind: Option<RecordKind>, q: Option<String>, before_seq: Option<i64> },
    Feed { after: i64 },
}

impl Query {
    fn path(&self) -> String {
        match self {
            Query::List { kind, q, before_seq } => {
                let mut p = format!("/api/v1/records?limit={PAGE}");
                if let Some(k) = kind {
                    p.push_str(&format!("&kind={}", k.as_str()));
                }
                if let Some(q) = q {
                    p.push_str(&format!(
                        "&q={}",
                        percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC)
                    ));
                }
                if let Some(b) = before_seq {
                    p.push_str(&format!("&cursor={}", guantong::api::page::encode(*b)));
                }
                p
            }
            Query::Feed { after } => format!("/api/v1/feed?after={after}&limit={PAGE}"),
        }
    }
}

impl Query {
    /// The page's entitled query run bare (`bare`), where it has one (not for search).
    fn bare_sql(&self, agency_id: &str) -> Option<String> {
        match self {
            Query::List { kind, q: None, before_seq } => {
                Some(bare::list(agency_id, kind.map(|k| k.as_str()), *before_seq))
            }
            Query::List { q: Some(_), .. } => None,
            Query::Feed { after } => Some(bare::feed(agency_id, *after)),
        }
    }
}

/// Times one HTTP request (until the whole body is read); returns the parsed body.
fn timed_get(h: &Hubd, token: &str, path: &str) -> Result<(Duration, Value)> {
    let t = Instant::now();
    let resp = h.req(reqwest::Method::GET, path, token).send()?;
    let status = resp.status();
    let bytes = resp.bytes()?;
    let d = t.elapsed();
    if !status.is_success() {
        bail!("GET {path}: {status} {}", String::from_utf8_lossy(&bytes));
    }
    Ok((d, serde_json::from_slice(&bytes)?))
}

/// Runs the same work as the handler's store call directly on a pooled connection.
fn timed_store(pool: &DbPool, p: &Principal, q: &Query) -> Result<Duration> {
    let t = Instant::now();
    let mut conn = pool.get()?;
    let viewer = directory::viewer(&mut conn, &p.agency_id).map_err(|e| anyhow!("{e}"))?;
    match q {
        Query::List { kind, q, before_seq } => {
            let f = records::RecordQuery {
                kind: *kind,
                q: q.clone(),
                before_seq: *before_seq,
                limit: PAGE,
                ..Default::default()
            };
            records::list(&mut conn, &viewer, &f)?;
        }
        Query::Feed { after } => {
            feed::page(&mut conn, &Actor::from(p), &viewer, *after, i64::MAX, PAGE + 1, None)
                .map_err(|e| anyhow!("{e}"))?;
        }
    }
    Ok(t.elapsed())
}

/// The feed's entitled SQL alone (`events_after`), without loading the records.
fn timed_events_after(pool: &DbPool, agency_id: &str, after: i64) -> Result<Duration> {
    let t = Instant::now();
    let mut conn = pool.get()?;
    let viewer = directory::viewer(&mut conn, agency_id).map_err(|e| anyhow!("{e}"))?;
    feed::events_after(&mut conn, &viewer, after, i64::MAX, PAGE + 1)?;
    Ok(t.elapsed())
}

fn items_of(v: &Value) -> usize {
    v.get("items").or_else(|| v.get("events")).and_then(Value::as_array).map(Vec::len).unwrap_or(0)
}

/// Measures one query series over HTTP (with `token`) and on the store; `queries` are run
/// in order, after a short unmeasured warm-up.
#[allow(clippy::too_many_arguments)]
fn measure(
    h: &Hubd,
    cfg: &Config,
    token: &str,
    p: &Principal,
    viewer: &str,
    name: &str,
    queries: &[Query],
    target: Option<f64>,
) -> Result<Row> {
    let warm = Instant::now();
    for q in queries.iter().take((queries.len() / 10).clamp(1, 20)) {
        timed_get(h, token, &q.path())?;
        timed_store(&h.pool, p, q)?;
        if warm.elapsed() > Duration::from_secs(10) {
            break;
        }
    }
    let mut http = histogram();
    let mut items = 0usize;
    let mut wall = Duration::ZERO;
    if sqlprof::enabled() {
        sqlprof::reset();
    }
    let budget = Budget::new(cfg, queries.len());
    for (i, q) in queries.iter().enumerate() {
        if budget.spent(i) {
            break;
        }
        let (d, v) = timed_get(h, token, &q.path())?;
        report::record(&mut http, d);
        wall += d;
        items += items_of(&v);
    }
    if sqlprof::enabled() {
        sqlprof::print(&format!("{viewer} {name} over HTTP"), wall, http.len(), "request");
    }
    let mut store = histogram();
    let budget = Budget::new(cfg, queries.len());
    for (i, q) in queries.iter().enumerate() {
        if budget.spent(i) {
            break;
        }
        report::record(&mut store, timed_store(&h.pool, p, q)?);
    }
    let mean_items = items as f64 / http.len().max(1) as f64;
    let bare = bare_series(h, cfg, &p.agency_id, queries, mean_items)?;
    eprintln!(
        "  {viewer} {name}: HTTP p50 {:.2} ms p99 {:.2} ms, store p50 {:.2} ms p99 {:.2} ms{}",
        http.value_at_quantile(0.5) as f64 / 1000.0,
        http.value_at_quantile(0.99) as f64 / 1000.0,
        store.value_at_quantile(0.5) as f64 / 1000.0,
        store.value_at_quantile(0.99) as f64 / 1000.0,
        bare.as_ref()
            .map_or(String::new(), |b| format!(", bare p99 {:.2} ms", b.value_at_quantile(0.99) as f64 / 1000.0))
    );
    Ok(Row {
        viewer: viewer.to_string(),
        query: name.to_string(),
        http: Some(http),
        store: Some(store),
        bare,
        target_p99_ms: target,
        mean_items,
    })
}

/// The series' queries run bare on a raw connection (`bare`), when they have a bare form.
fn bare_series(
    h: &Hubd,
    cfg: &Config,
    agency_id: &str,
    queries: &[Query],
    http_items: f64,
) -> Result<Option<Histogram<u64>>> {
    let sqls: Vec<String> = queries.iter().filter_map(|q| q.bare_sql(agency_id)).collect();
    if sqls.len() != queries.len() || sqls.is_empty() {
        return Ok(None);
    }
    let mut raw = bare::Raw::open(&h.url)?;
    for sql in sqls.iter().take((sqls.len() / 10).clamp(1, 20)) {
        raw.timed(sql)?;
    }
    let (mut hist, mut rows) = (histogram(), 0usize);
    let budget = Budget::new(cfg, sqls.len());
    for (i, sql) in sqls.iter().enumerate() {
        if budget.spent(i) {
            break;
        }
        let (d, seqs) = raw.timed(sql)?;
        report::record(&mut hist, d);
        rows += seqs.len().min(PAGE as usize);
    }
    let bare_items = rows as f64 / hist.len().max(1) as f64;
    if (bare_items - http_items).abs() > 1.0 {
        eprintln!("  note: the bare query gave {bare_items:.0} items a page, the hub {http_items:.0}");
    }
    Ok(Some(hist))
}

/// The latency phase for one agency: list (first page, deep pages, by kind), search and
/// the feed at random positions.
fn latency(h: &Hubd, cfg: &Config, built: &Built, a: usize, label: &str, rng: &mut StdRng) -> Result<Vec<Row>> {
    let agency = &built.hub.agencies[a];
    // Liaison officers list with a session token; sync jobs read the feed with an API key.
    let token = h.login(&format!("{}_liaison", agency.code), LIAISON_PASSWORD)?;
    let key = &built.creds[a].key;
    let p = principal(&built.hub, &built.creds, a);
    let viewer = format!("{label} ({})", agency.name);
    let n = cfg.iters;
    let list = |kind, q: Option<&str>, before_seq| Query::List { kind, q: q.map(str::to_string), before_seq };
    let mut rows = Vec::new();
    let first = vec![list(None, None, None); n];
    rows.push(measure(h, cfg, &token, &p, &viewer, "list, first page", &first, Some(PAGE_TARGET_MS))?);
    // Deep pages: the cursors of pages 2.. reached by following next_cursor from the
    // first page (collected once; the data does not change), then replayed.
    let mut chain = Vec::new();
    let mut cursor: Option<i64> = None;
    for _ in 0..cfg.deep_pages {
        let (_, v) = timed_get(h, &token, &list(None, None, cursor).path())?;
        cursor = v["next_cursor"].as_str().and_then(|c| guantong::api::page::decode(Some(c)).ok().flatten());
        match cursor {
            Some(c) => chain.push(list(None, None, Some(c))),
            None => break,
        }
    }
    if !chain.is_empty() {
        let deep: Vec<Query> = chain.iter().cycle().take(n).cloned().collect();
        rows.push(measure(
            h,
            cfg,
            &token,
            &p,
            &viewer,
            &format!("list, pages 2–{} (next_cursor)", chain.len() + 1),
            &deep,
            Some(PAGE_TARGET_MS),
        )?);
    }
    let by_kind = vec![list(Some(RecordKind::Clue), None, None); n];
    rows.push(measure(h, cfg, &token, &p, &viewer, "list, kind=clue", &by_kind, Some(PAGE_TARGET_MS))?);
    let head = h.head_seq()?;
    // Pages at random positions of the whole sequence (a cursor is a seq), not one page over.
    let random: Vec<Query> = (0..n).map(|_| list(None, None, Some(rng.gen_range(1..=head.max(1))))).collect();
    rows.push(measure(h, cfg, &token, &p, &viewer, "list, random position (cursor)", &random, Some(PAGE_TARGET_MS))?);
    let feed: Vec<Query> = (0..n).map(|_| Query::Feed { after: rng.gen_range(0..=head.max(1)) }).collect();
    rows.push(measure(h, cfg, key, &p, &viewer, "feed, random after", &feed, Some(PAGE_TARGET_MS))?);
    // The entitled feed SQL alone, to split SQL from loading and serialisation.
    let mut sql = histogram();
    let budget = Budget::new(cfg, feed.len());
    for (i, q) in feed.iter().enumerate() {
        if budget.spent(i) {
            break;
        }
        if let Query::Feed { after } = q {
            report::record(&mut sql, timed_events_after(&h.pool, &agency.id, *after)?);
        }
    }
    rows.push(Row {
        viewer: viewer.clone(),
        query: "feed, entitled SQL only (events_after)".into(),
        http: None,
        store: Some(sql),
        bare: None,
        target_p99_ms: None,
        mean_items: 0.0,
    });
    for (tag, term) in data::SEARCH_TERMS {
        let qs = vec![list(None, Some(term), None); cfg.search_iters];
        rows.push(measure(
            h,
            cfg,
            &token,
            &p,
            &viewer,
            &format!("search q={term} ({tag})"),
            &qs,
            Some(SEARCH_TARGET_MS),
        )?);
    }
    Ok(rows)
}

/// The agencies to measure: most, median and least visibility (by entitled records).
fn pick_viewers(cfg: &Config, entitled: &[u64]) -> Vec<(String, usize)> {
    let mut order: Vec<usize> = (0..entitled.len()).collect();
    order.sort_by_key(|i| (entitled[*i], *i));
    let mut out = Vec::new();
    for v in &cfg.viewers {
        let i = match v.as_str() {
            "least" => order[0],
            "typical" => order[order.len() / 2],
            "most" => order[order.len() - 1],
            other => {
                eprintln!("GT_BENCH_VIEWERS: unknown {other} (least, typical, most)");
                continue;
            }
        };
        let label = match v.as_str() {
            "least" => "least visibility",
            "typical" => "typical",
            _ => "most visibility",
        };
        if !out.iter().any(|(_, j)| *j == i) {
            out.push((label.to_string(), i));
        }
    }
    out
}

fn sqlite_size(path: &Path) -> Option<u64> {
    let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let main = std::fs::metadata(path).ok()?.len();
    Some(main + size(PathBuf::from(format!("{}-wal", path.display()))))
}

/// Checkpoints the WAL, so the latency phase reads a settled database.
fn checkpoint(pool: &DbPool) -> Result<()> {
    let mut conn = pool.get()?;
    if let DbConnection::Sqlite(_) = &*conn {
        diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut *conn)?;
    } else {
        diesel::sql_query("ANALYZE").execute(&mut *conn)?;
    }
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return Ok(());
    }
    let smoke = !args.iter().any(|a| a == "--bench");
    let run_mark = report::CpuMark::now();
    let mut cfg = Config::from_env(smoke)?;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    if smoke {
        println!("hub bench: smoke run (pass --bench, as `cargo bench` does, for the real one)");
    }

    // The database: the given URL, or a fresh SQLite file in a temp dir.
    let dir = tempfile::Builder::new().prefix("guantong-bench-").tempdir()?;
    let url_given = cfg.database_url.is_some();
    let url = cfg.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", dir.path().join("hub.db").display()));
    // GT_BENCH_KEEP: keep the temp database even if the run fails.
    let _dir = if cfg.keep && !url_given {
        eprintln!("keeping the database directory {}", dir.path().display());
        let _ = dir.keep();
        None
    } else {
        Some(dir)
    };
    if cfg.profile {
        sqlprof::install()?;
    }
    let workers = cfg.workers;
    let h = server::start_server_with(&url, |s| s.delivery_workers = workers)?;
    let backend = match h.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    eprintln!("hub bench: {backend} at {}, server {}", guantong::db::redact_url(&url), h.base);
    let meta = meta_path(&cfg, &h);

    let built = if cfg.reuse {
        eprintln!("reusing the hub recorded in {}", meta.display());
        reuse(&h, &mut cfg, &meta)?
    } else {
        let admin_count = guantong::service::users::list(&mut *h.pool.get()?, None)?.len();
        if admin_count > 1 {
            bail!("the database already holds a hub: use an empty one, or GT_BENCH_REUSE=1");
        }
        eprintln!("building the hub: {} agencies, {} objects ...", cfg.agencies, cfg.objects);
        let (hub, creds, mut setup) = build_hub(&h, cfg.agencies, cfg.objects, cfg.seed)?;
        eprintln!(
            "  done in {:.1} s ({:.0} objects/s); importing {} records ...",
            setup.setup_time.as_secs_f64(),
            setup.objects_rate,
            cfg.records
        );
        let (import, gen) = import(&h, &cfg, &hub, &creds)?;
        eprintln!("  imported in {:.1} s: {:.0} records/s", import.total.as_secs_f64(), import.whole_rate);
        checkpoint(&h.pool)?;
        setup.db_size = h.db_path.as_deref().and_then(sqlite_size);
        let entitled: Vec<u64> = (0..hub.agencies.len()).map(|a| gen.entitled(a)).collect();
        if !smoke {
            save_meta(&meta, &cfg, &hub, &entitled)?;
        }
        Built { hub, creds, entitled, setup: Some(setup), import: Some(import) }
    };

    // Latency: for the chosen agencies, HTTP and store side by side.
    let latency_mark = report::CpuMark::now();
    let mut rng = StdRng::seed_from_u64(cfg.seed ^ 0xfeed);
    let mut rows = Vec::new();
    let mut viewers = Vec::new();
    for (label, a) in pick_viewers(&cfg, &built.entitled) {
        eprintln!("measuring {label}: {} ({} records entitled)", built.hub.agencies[a].name, built.entitled[a]);
        viewers.push((label.clone(), built.hub.agencies[a].name.clone(), built.entitled[a]));
        if !flag("GT_BENCH_PAGES_ONLY").unwrap_or(false) {
            rows.extend(latency(&h, &cfg, &built, a, &label, &mut rng)?);
        }
    }
    // The web client's pages (issue 10), for the same agencies after a day's work arrives.
    for (label, a) in pick_viewers(&cfg, &built.entitled) {
        let agency = &built.hub.agencies[a];
        let sender = &built.hub.agencies[if a == 0 { 1 } else { 0 }];
        eprintln!("web pages for {label}: {}", agency.name);
        pages::give_work(&h, (&agency.id, &agency.code), &sender.code)?;
        let viewer = format!("{label} ({})", agency.name);
        rows.extend(pages::measure(&h, &agency.code, &viewer, cfg.iters, cfg.series_secs)?);
    }

    let mut notes = vec![
        "Targets: an entitled list or feed page of 100 at 1,000,000 records, p99 under 20 ms on SQLite on a 2-core machine; bulk import at least 20,000 records/s; a web page (信息库 list of 20, 工作台) rendered for a signed-in officer, p99 under 50 ms; a search (`q=`) page for a common, a rare and an absent term, two-character Chinese terms included, p99 under 50 ms (issue 12).".to_string(),
        format!("Web pages: before they are measured, each measured unit subscribes to clues and receives {} clues transferred by another unit (half accepted), so its 工作台 has transfers awaiting acceptance, deadlines within three days and unread inbox items; *HTTP* is the whole page (session lookup, entitled queries, template) read by a client with the session cookie.", pages::WORK),
        "The client, the server and the database share the machine's cores.".to_string(),
    ];
    if cfg.records < 1_000_000 {
        notes.push(format!("This run has {} records: the targets are stated for 1,000,000.", cfg.records));
    }
    if cfg.reuse {
        notes.push("Reused an imported database: no import figures in this run.".into());
    }
    notes.push(run_mark.others_since("the whole run"));
    notes.push(latency_mark.others_since("the latency measurements"));
    if cfg.profile {
        notes.push("GT_BENCH_PROFILE=1: every SQL statement was timed, which slows the run down.".into());
    }
    let run = report::Run {
        backend: backend.to_string(),
        records: cfg.records,
        command: cfg.command(url_given),
        setup: built.setup,
        import: built.import,
        viewers,
        rows,
        notes,
    };
    let machine = report::machine(repo);
    let md = report::markdown(&run, &machine);
    println!("\n{md}");
    // Reused databases have no import figures, and profiled runs are slowed down.
    let write = cfg.write_md.unwrap_or(!cfg.reuse && !cfg.profile) && !smoke;
    if write {
        // GT_BENCH_SECTION: another BENCHMARKS.md section (a pages-only run over a reused
        // database must not replace the section with the import figures).
        let key = std::env::var("GT_BENCH_SECTION")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("{}:{}", backend.to_lowercase(), cfg.records));
        report::write_section(&repo.join("BENCHMARKS.md"), &key, &md)?;
        eprintln!("wrote BENCHMARKS.md (section {key})");
    }
    Ok(())
}
