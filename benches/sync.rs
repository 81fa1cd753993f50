//! The sync job benchmark (`cargo bench --bench sync`): the real server in-process on a fresh
//! SQLite database with the seed-sized hub of `benches/hub.rs` (127 agencies, API keys,
//! groups, agreements, 21,000 supervision objects), then one agency's nightly job:
//!
//! - push: N records (the hub bench's record mix) in NDJSON files in the export folder,
//!   sent by `guantong::sync::push::run` — exactly what `guantong sync push` runs: chunks
//!   with idempotency keys, per-line report, fsynced checkpoints, files moved to done/;
//! - pull: the same agency's feed into NDJSON files by `guantong::sync::pull::run`.
//!
//! Throughput in records/s goes to stdout and into BENCHMARKS.md. The job runs in this
//! process (no binary spawned), so its CPU time can be told apart from the server's: the job
//! runs on the main thread; the server, the database and reqwest's I/O thread on others.
//!
//! Knobs: GT_SYNC_RECORDS (default 200,000), GT_SYNC_FILES (4), GT_SYNC_CHUNK (the job's
//! default chunk_lines), GT_BENCH_OBJECTS (21,000), GT_BENCH_WRITE (0: leave BENCHMARKS.md
//! alone). Without `--bench` (e.g. `cargo test --benches`) a tiny smoke run writes nothing.

#[allow(dead_code)]
#[path = "hub/data.rs"]
mod data;
#[path = "hub/phrases.rs"]
mod phrases;
#[allow(dead_code)]
#[path = "hub/report.rs"]
mod report;
#[allow(dead_code)]
#[path = "hub/server.rs"]
mod server;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use data::RecordGen;
use report::{fmt_int, rate};
use server::{build_hub, env, flag, start_server};

/// The target: 200,000 records pushed in under 20 s on SQLite.
const PUSH_TARGET: f64 = 10_000.0;

/// CPU seconds (user + system) of this thread and of the whole process.
fn cpu() -> (f64, f64) {
    let read = |path: &str| -> f64 {
        let stat = std::fs::read_to_string(path).unwrap_or_default();
        let rest: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
        let field = |n: usize| rest.get(n - 3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        (field(14) + field(15)) as f64 / 100.0
    };
    (read("/proc/thread-self/stat"), read("/proc/self/stat"))
}

struct Phase {
    what: String,
    records: u64,
    wall: Duration,
    /// CPU seconds of the job (main thread) and of everything else in the process.
    job_cpu: f64,
    other_cpu: f64,
}

fn timed(what: String, f: impl FnOnce() -> Result<u64>) -> Result<Phase> {
    let (t0, p0) = cpu();
    let start = Instant::now();
    let records = f()?;
    let wall = start.elapsed();
    let (t1, p1) = cpu();
    Ok(Phase { what, records, wall, job_cpu: t1 - t0, other_cpu: (p1 - p0) - (t1 - t0) })
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return Ok(());
    }
    let smoke = !args.iter().any(|a| a == "--bench");
    let records: u64 = if smoke { 2_000 } else { env("GT_SYNC_RECORDS")?.unwrap_or(200_000) };
    let files: u64 = env("GT_SYNC_FILES")?.unwrap_or(4).max(1);
    let chunk: Option<usize> = env("GT_SYNC_CHUNK")?;
    let objects: usize = if smoke { 200 } else { env("GT_BENCH_OBJECTS")?.unwrap_or(21_000) };
    let agencies = if smoke { 16 } else { 127 };
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run_mark = report::CpuMark::now();

    let dir = tempfile::Builder::new().prefix("guantong-sync-bench-").tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("hub.db").display());
    let h = start_server(&url)?;
    eprintln!("sync bench: building the hub ({agencies} agencies, {objects} objects) ...");
    let (hub, creds, setup) = build_hub(&h, agencies, objects, 20261122)?;
    eprintln!("  done in {:.1} s", setup.setup_time.as_secs_f64());
    let owner = hub.agencies.iter().position(|a| a.code == "jiwei").unwrap_or(0);

    // The agency's export: N records in `files` files, written as its exporter would.
    let job = dir.path().join("job");
    let export = job.join("to-hub");
    std::fs::create_dir_all(&export)?;
    let mut gen = RecordGen::new(&hub, 7);
    let per_file = records.div_ceil(files);
    let mut n = 0u64;
    let mut bytes = 0u64;
    for f in 0..files {
        let mut out = std::io::BufWriter::new(std::fs::File::create(export.join(format!("export-{f:02}.ndjson")))?);
        for _ in 0..per_file.min(records - n) {
            n += 1;
            let line = gen.line(&hub, owner, n);
            bytes += line.len() as u64 + 1;
            writeln!(out, "{line}")?;
        }
        out.flush()?;
    }
    let mut config = format!(
        "hub_url = \"{}\"\napi_key = \"{}\"\nstate_dir = \"state\"\npull_dir = \"from-hub\"\nexport_dir = \"to-hub\"\n",
        h.base, creds[owner].key
    );
    if let Some(c) = chunk {
        config.push_str(&format!("chunk_lines = {c}\n"));
    }
    std::fs::write(job.join("agency-sync.toml"), config)?;
    let cfg = guantong::sync::config::SyncConfig::load(&job.join("agency-sync.toml"))?;
    eprintln!(
        "  {} records ({:.0} MiB) in {files} files for {}; pushing ...",
        fmt_int(records),
        bytes as f64 / 1048576.0,
        hub.agencies[owner].name
    );

    let job_mark = report::CpuMark::now();
    let push = timed(
        format!(
            "push: {files} files → `POST /api/v1/sync/batches` in chunks of {} lines, report, checkpoints, done/",
            fmt_int(cfg.chunk_lines as u64)
        ),
        || {
            let s = guantong::sync::push::run(&cfg).map_err(|e| anyhow::anyhow!("{e:#}"))?;
            if s.totals.created as u64 != records {
                bail!("push created {} of {records} ({:?})", s.totals.created, s.totals);
            }
            Ok(s.lines as u64)
        },
    )?;
    eprintln!("  pushed in {:.1} s; pulling ...", push.wall.as_secs_f64());
    let pull = timed(
        format!(
            "pull: the agency's feed in pages of {} → files of {} events, cursor",
            cfg.page_size,
            fmt_int(cfg.records_per_file as u64)
        ),
        || {
            let s = guantong::sync::pull::run(&cfg).map_err(|e| anyhow::anyhow!("{e:#}"))?;
            if s.events < records {
                bail!("pull wrote {} events, expected at least {records}", s.events);
            }
            Ok(s.events)
        },
    )?;
    eprintln!("  pulled in {:.1} s", pull.wall.as_secs_f64());

    let m = report::machine(repo);
    let mut md = String::new();
    let _ = writeln!(md, "### Sync job: {} records on SQLite — {}\n", fmt_int(records), m.date);
    let command = match (records, chunk) {
        (200_000, None) => "cargo bench --bench sync".to_string(),
        (r, None) => format!("GT_SYNC_RECORDS={r} cargo bench --bench sync"),
        (r, Some(c)) => format!("GT_SYNC_RECORDS={r} GT_SYNC_CHUNK={c} cargo bench --bench sync"),
    };
    let _ = writeln!(md, "- Command: `{command}`");
    let _ =
        writeln!(md, "- Machine: {} CPUs ({}), {:.1} GiB RAM, {}; {}", m.cpus, m.cpu_model, m.ram_gib, m.os, m.rustc);
    let _ = writeln!(md, "- Commit: {}", m.commit);
    let _ = writeln!(
        md,
        "- Dataset: the hub bench's hub ({} agencies with API keys, groups, agreements, {} supervision objects); \
         one agency ({}) pushes {} records of the hub bench's mix ({:.0} MiB of NDJSON in {files} files) into an empty hub, \
         then pulls its feed",
        setup.agencies,
        fmt_int(objects as u64),
        hub.agencies[owner].name,
        fmt_int(records),
        bytes as f64 / 1048576.0
    );
    let _ = writeln!(
        md,
        "- The job runs in the bench process (`guantong::sync::push::run` / `pull::run`, what `guantong sync push|pull` \
         runs) against the server over real HTTP on loopback; every checkpoint, report and cursor write is fsynced."
    );
    let _ = writeln!(md, "- {}", job_mark.others_since("the push and pull"));
    let _ = writeln!(md, "- {}", run_mark.others_since("the whole run, hub setup included"));
    let _ = writeln!(md, "\n| phase | records | seconds | records/s | CPU s: job thread | CPU s: server, database, HTTP I/O | target | result |");
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---|");
    for (p, target) in [(&push, Some(PUSH_TARGET)), (&pull, None)] {
        let r = p.records as f64 / p.wall.as_secs_f64();
        let (t, v) = match target {
            Some(t) => (format!("≥ {} (200,000 in < 20 s)", rate(t)), if r >= t { "PASS" } else { "MISS" }),
            None => ("–".into(), ""),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {:.1} | {} | {:.1} | {:.1} | {t} | {v} |",
            p.what,
            fmt_int(p.records),
            p.wall.as_secs_f64(),
            rate(r),
            p.job_cpu,
            p.other_cpu
        );
    }
    println!("\n{md}");
    if !smoke && flag("GT_BENCH_WRITE").unwrap_or(true) {
        let key = format!("sync:sqlite:{records}");
        report::write_section(&repo.join("BENCHMARKS.md"), &key, &md)?;
        eprintln!("wrote BENCHMARKS.md (section {key})");
    }
    Ok(())
}
