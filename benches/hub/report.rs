//! Latency histograms, the machine description, the table printed to stdout and the
//! section written into BENCHMARKS.md.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use hdrhistogram::Histogram;

/// A latency histogram in microseconds (1 µs .. 10 min, 3 significant digits).
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds")
}

pub fn record(h: &mut Histogram<u64>, d: Duration) {
    h.saturating_record((d.as_micros() as u64).max(1));
}

/// One measured query: its HTTP latency, and the same work done directly on the store.
pub struct Row {
    pub viewer: String,
    pub query: String,
    pub http: Option<Histogram<u64>>,
    pub store: Option<Histogram<u64>>,
    /// The page's entitled query run bare on a raw connection (`bare`), when it has one.
    pub bare: Option<Histogram<u64>>,
    /// `Some(ms)`: the p99 target this row is held against.
    pub target_p99_ms: Option<f64>,
    /// Mean items per page (HTTP), to show pages were full.
    pub mean_items: f64,
}

pub struct Import {
    pub records: u64,
    pub batch_lines: usize,
    pub batches: usize,
    pub first_100k_rate: Option<f64>,
    pub last_10pct_rate: f64,
    pub whole_rate: f64,
    pub total: Duration,
    pub slowest_batch_rate: f64,
    /// The tail imported through the store function directly (no HTTP).
    pub store_records: u64,
    pub store_rate: f64,
    /// How long after the last batch the after-commit jobs (duplicate handling, the search
    /// index) had reached the end of the log.
    /// `None`: the run had no workers (`GT_BENCH_WORKERS=0`).
    pub jobs_caught_up: Option<Duration>,
}

pub struct Setup {
    pub agencies: usize,
    pub users: usize,
    pub groups: Vec<(String, usize)>,
    pub objects: usize,
    pub objects_rate: f64,
    pub setup_time: Duration,
    pub db_size: Option<u64>,
}

pub struct Run {
    pub backend: String,
    pub records: u64,
    pub command: String,
    pub setup: Option<Setup>,
    pub import: Option<Import>,
    pub viewers: Vec<(String, String, u64)>,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

pub const IMPORT_TARGET: f64 = 20_000.0;

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

/// CPU time of the whole machine and of this process, to tell how much other processes
/// used while the bench ran (on a 2-core machine a compile next door skews the tails).
pub struct CpuMark {
    busy: u64,
    own: u64,
    at: std::time::Instant,
}

fn ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    // cpu user nice system idle iowait irq softirq steal …: everything but idle and iowait.
    let f: Vec<u64> =
        stat.lines().next().unwrap_or("").split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    let busy = [0, 1, 2, 5, 6, 7].iter().filter_map(|i| f.get(*i)).sum();
    let me = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name come fields 3 (state) …; utime and stime are fields 14 and 15.
    let rest: Vec<&str> = me.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let field = |n: usize| rest.get(n - 3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let own = field(14) + field(15);
    (busy, own)
}

impl CpuMark {
    pub fn now() -> CpuMark {
        let (busy, own) = ticks();
        CpuMark { busy, own, at: std::time::Instant::now() }
    }

    /// A sentence on the CPU other processes used since this mark (ticks are 1/100 s).
    pub fn others_since(&self, what: &str) -> String {
        let (busy, own) = ticks();
        let other = busy.saturating_sub(self.busy).saturating_sub(own.saturating_sub(self.own)) as f64 / 100.0;
        let secs = self.at.elapsed().as_secs_f64().max(1e-9);
        format!(
            "Other processes used {other:.0} CPU-seconds during {what} ({secs:.0} s), on average {:.2} cores{}.",
            other / secs,
            if other / secs > 0.2 { ": the machine was not quiet, tails may be inflated" } else { "" }
        )
    }
}

pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub ram_gib: f64,
    pub os: String,
    pub rustc: String,
    pub commit: String,
    pub date: String,
}

fn first_line(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("").trim().to_string())
}

pub fn machine(repo: &Path) -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let ram_kib: f64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let repo_s = repo.display().to_string();
    let commit =
        first_line("git", &["-C", &repo_s, "rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = std::process::Command::new("git")
        // The bench and its output do not count: the code under test does.
        .args([
            "-C",
            &repo_s,
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":!benches",
            ":!BENCHMARKS.md",
        ])
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    Machine {
        cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        cpu_model,
        ram_gib: ram_kib / 1024.0 / 1024.0,
        os: first_line("uname", &["-sr"]).unwrap_or_default(),
        rustc: first_line("rustc", &["--version"]).unwrap_or_default(),
        commit: if dirty { format!("{commit} (with uncommitted changes)") } else { commit },
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

pub fn fmt_int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn rate(r: f64) -> String {
    fmt_int(r.round() as u64)
}

/// The report as Markdown (also printed to stdout: it reads fine as plain text).
pub fn markdown(run: &Run, m: &Machine) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### {} records on {} — {}\n", fmt_int(run.records), run.backend, m.date);
    let _ = writeln!(s, "- Command: `{}`", run.command);
    let _ =
        writeln!(s, "- Machine: {} CPUs ({}), {:.1} GiB RAM, {}; {}", m.cpus, m.cpu_model, m.ram_gib, m.os, m.rustc);
    let _ = writeln!(s, "- Commit: {}", m.commit);
    if let Some(st) = &run.setup {
        let mut groups: Vec<String> = st.groups.iter().take(4).map(|(n, c)| format!("{n} ({c})")).collect();
        // A national run: 127 units per city, the seed city's four groups in each, and one
        // unit outside every city that reads only what goes to all.
        let mix = if st.agencies > 127 {
            groups.push(format!("and the same in each further city ({} groups in all)", st.groups.len()));
            "~0.1% all, the rest within the owner's city: ~43% listed agencies, ~29% group, ~29% own; \
             one unit (省档案馆) in no city reads only what goes to all"
        } else {
            "~30% all, ~30% listed agencies, ~20% group, ~20% own"
        };
        let _ = writeln!(
            s,
            "- Dataset: {} agencies with {} liaison users and one API key each; sharing groups {}; \
             {} supervision objects (created one POST each, {} objects/s); {} records \
             ({mix}; ~15% sensitive, ~3% restricted; 0–2 object links)",
            st.agencies,
            st.users,
            groups.join(", "),
            fmt_int(st.objects as u64),
            rate(st.objects_rate),
            fmt_int(run.records),
        );
        if let Some(size) = st.db_size {
            let _ = writeln!(s, "- Database size after import: {:.2} GiB", size as f64 / (1u64 << 30) as f64);
        }
    }
    for n in &run.notes {
        let _ = writeln!(s, "- {n}");
    }
    if let Some(im) = &run.import {
        let _ = writeln!(
            s,
            "\n**Bulk import** (`POST /api/v1/sync/batches`, NDJSON, {} lines per batch, {} batches, one client pushing in sequence, API keys):\n",
            fmt_int(im.batch_lines as u64),
            im.batches
        );
        let _ = writeln!(s, "| phase | records/s | target | result |");
        let _ = writeln!(s, "|---|---:|---:|---|");
        if let Some(r) = im.first_100k_rate {
            let _ = writeln!(s, "| first 100,000 records | {} | | |", rate(r));
        }
        let _ = writeln!(s, "| last 10% of the run | {} | | |", rate(im.last_10pct_rate));
        let _ = writeln!(s, "| slowest batch | {} | | |", rate(im.slowest_batch_rate));
        let _ = writeln!(
            s,
            "| whole HTTP run ({} records in {:.1} s) | {} | ≥ {} | {} |",
            fmt_int(im.records),
            im.total.as_secs_f64(),
            rate(im.whole_rate),
            rate(IMPORT_TARGET),
            verdict(im.whole_rate >= IMPORT_TARGET)
        );
        if im.store_records > 0 {
            let _ = writeln!(
                s,
                "| store baseline: the last {} records through `service::import::push` directly (no HTTP), to compare with the last 10% | {} | | |",
                fmt_int(im.store_records),
                rate(im.store_rate)
            );
        }
        let _ = match im.jobs_caught_up {
            Some(d) => writeln!(
                s,
                "| after-commit jobs (duplicate handling, search index) at the end of the log {:.1} s after the last batch | | | |",
                d.as_secs_f64()
            ),
            None => writeln!(s, "| no delivery loops or after-commit jobs ran (`GT_BENCH_WORKERS=0`): the import alone | | | |"),
        };
    }
    if !run.viewers.is_empty() {
        let _ = writeln!(s, "\n**Measured agencies** (records each is entitled to):\n");
        for (label, name, n) in &run.viewers {
            let _ = writeln!(s, "- {label}: {name} — {} records", fmt_int(*n));
        }
    }
    if !run.rows.is_empty() {
        let _ = writeln!(
            s,
            "\n**Latency** in ms, one client in sequence. *HTTP* is the whole request over a real socket \
             (auth, entitled SQL, loading, disclosure, JSON); *store* is the same store call on a pooled \
             connection without HTTP; *bare* is the page's entitled query (`policy::entitled_sql` with the \
             agency written in, newest first, one statement, no feed index) on a raw connection of the \
             database's own driver, every row read — the baseline the HTTP page is held to within {BARE_FACTOR:.0}× of \
             (issue 12, target 6; a page faster than its bare query shows below 1).\n"
        );
        let _ = writeln!(
            s,
            "| agency | query | n | HTTP p50 | HTTP p90 | HTTP p99 | HTTP max | store p50 | store p99 | bare p50 | bare p99 | HTTP ÷ bare p99 | items/page | target p99 | result |"
        );
        let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        let cell = |h: Option<&Histogram<u64>>, q: f64| match h {
            Some(h) if q >= 1.0 => format!("{:.2}", h.max() as f64 / 1000.0),
            Some(h) => format!("{:.2}", ms(h, q)),
            None => "–".into(),
        };
        for r in &run.rows {
            let (target, result) = match (r.target_p99_ms, &r.http) {
                (Some(t), Some(h)) => (format!("< {t:.0}"), verdict(ms(h, 0.99) < t).to_string()),
                _ => ("–".into(), "".into()),
            };
            let n = r.http.as_ref().or(r.store.as_ref()).map(|h| h.len()).unwrap_or(0);
            let ratio = bare_ratio(r).map_or("–".into(), |x| format!("{x:.1}"));
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                r.viewer,
                r.query,
                n,
                cell(r.http.as_ref(), 0.5),
                cell(r.http.as_ref(), 0.9),
                cell(r.http.as_ref(), 0.99),
                cell(r.http.as_ref(), 1.0),
                cell(r.store.as_ref(), 0.5),
                cell(r.store.as_ref(), 0.99),
                cell(r.bare.as_ref(), 0.5),
                cell(r.bare.as_ref(), 0.99),
                ratio,
                if r.http.is_some() { format!("{:.0}", r.mean_items) } else { "–".into() },
                target,
                result
            );
        }
    }
    let misses = misses(run);
    let _ = writeln!(s);
    if misses.is_empty() {
        let _ = writeln!(s, "All targets met in this run.");
    } else {
        let _ = writeln!(s, "**Targets missed in this run:** {}.", misses.join("; "));
    }
    s
}

/// Plain statements of every missed target.
pub fn misses(run: &Run) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(im) = &run.import {
        if im.whole_rate < IMPORT_TARGET {
            out.push(format!("bulk import {} records/s against ≥ {}", rate(im.whole_rate), rate(IMPORT_TARGET)));
        }
    }
    for r in &run.rows {
        if let (Some(t), Some(h)) = (r.target_p99_ms, &r.http) {
            let p99 = ms(h, 0.99);
            if p99 >= t {
                out.push(format!("{} {} p99 {:.1} ms against < {t:.0} ms", r.viewer, r.query, p99));
            }
        }
        if let Some(x) = bare_ratio(r).filter(|x| *x > BARE_FACTOR) {
            out.push(format!("{} {} HTTP p99 {x:.1}× its bare query against ≤ {BARE_FACTOR:.0}×", r.viewer, r.query));
        }
    }
    out
}

/// How much slower the page is over HTTP than its bare query may be (issue 12, target 6).
pub const BARE_FACTOR: f64 = 2.0;

/// HTTP p99 ÷ bare p99, for a row that has both.
fn bare_ratio(r: &Row) -> Option<f64> {
    match (&r.http, &r.bare) {
        (Some(h), Some(b)) if !b.is_empty() => Some(ms(h, 0.99) / ms(b, 0.99).max(0.001)),
        _ => None,
    }
}

/// Replaces this run's section of BENCHMARKS.md (keyed by backend and size), or adds it
/// before the `<!-- hub-bench:end -->` marker.
pub fn write_section(path: &Path, key: &str, body: &str) -> std::io::Result<()> {
    let begin = format!("<!-- hub-bench:{key} -->");
    let end = format!("<!-- /hub-bench:{key} -->");
    let section = format!("{begin}\n{body}{end}\n");
    let old = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n\n<!-- hub-bench:end -->\n".to_string());
    let new = match (old.find(&begin), old.find(&end)) {
        (Some(b), Some(e)) if e > b => {
            let after = &old[e + end.len()..];
            let after = after.strip_prefix('\n').unwrap_or(after);
            format!("{}{section}{after}", &old[..b])
        }
        _ => match old.find("<!-- hub-bench:end -->") {
            Some(i) => format!("{}{section}\n{}", &old[..i], &old[i..]),
            None => format!("{old}\n{section}"),
        },
    };
    std::fs::write(path, new)
}
