//! `GT_BENCH_PROFILE=1`: diesel's instrumentation hook on every connection of the process
//! (the server's pool included) totals the time spent in each SQL statement, so a phase
//! can be split into "SQL" and "everything else". It slows the run down: its figures are
//! for attribution, not for BENCHMARKS.md.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};

static ON: AtomicBool = AtomicBool::new(false);

/// Statement (normalised) → (executions, total time).
static STATS: Mutex<Option<HashMap<String, (u64, Duration)>>> = Mutex::new(None);

struct Timer {
    start: Option<Instant>,
}

impl Instrumentation for Timer {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.start = Some(Instant::now()),
            InstrumentationEvent::FinishQuery { query, .. } => {
                // Stop the clock before formatting the statement.
                let d = self.start.take().map(|s| s.elapsed()).unwrap_or_default();
                let key = normalise(&query.to_string());
                let mut g = STATS.lock().unwrap();
                let e = g.get_or_insert_with(HashMap::new).entry(key).or_default();
                e.0 += 1;
                e.1 += d;
            }
            _ => {}
        }
    }
}

fn make() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(Timer { start: None }))
}

/// Installs the hook for connections opened from now on.
pub fn install() -> diesel::QueryResult<()> {
    ON.store(true, Ordering::Relaxed);
    diesel::connection::set_default_instrumentation(make)
}

pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The SQL without binds, with runs of placeholders (IN lists, multi-row VALUES) folded.
fn normalise(sql: &str) -> String {
    let sql = sql.split(" -- binds:").next().unwrap_or(sql);
    let mut out = String::with_capacity(sql.len().min(400));
    let mut run = String::new();
    for c in sql.chars() {
        let pg_digit = c.is_ascii_digit() && run.trim_end_matches(|x: char| x.is_ascii_digit()).ends_with('$');
        if matches!(c, '?' | '$' | ',' | ' ' | '(' | ')') || pg_digit {
            run.push(c);
        } else {
            if run.matches(['?', '$']).count() > 3 {
                out.push_str(" (…) ");
            } else {
                out.push_str(&run);
            }
            run.clear();
            out.push(c);
        }
    }
    if run.matches(['?', '$']).count() > 3 {
        out.push_str(" (…)");
    } else {
        out.push_str(&run);
    }
    out
}

/// Clears the totals (start of a phase).
pub fn reset() {
    *STATS.lock().unwrap() = Some(HashMap::new());
}

/// Prints the statements of the phase, most time first, per `unit` (e.g. per record).
pub fn print(phase: &str, wall: Duration, units: u64, unit: &str) {
    let g = STATS.lock().unwrap();
    let Some(map) = g.as_ref() else { return };
    let mut rows: Vec<(&String, &(u64, Duration))> = map.iter().collect();
    rows.sort_by_key(|b| std::cmp::Reverse(b.1 .1));
    let total: Duration = rows.iter().map(|r| r.1 .1).sum();
    let n = units.max(1) as f64;
    println!(
        "\nSQL profile, {phase}: wall {:.1} s, in SQL statements {:.1} s ({:.0}%), {:.0} statements per {unit}",
        wall.as_secs_f64(),
        total.as_secs_f64(),
        100.0 * total.as_secs_f64() / wall.as_secs_f64().max(1e-9),
        rows.iter().map(|r| r.1 .0).sum::<u64>() as f64 / n
    );
    println!("| µs per {unit} | runs per {unit} | µs per run | statement |");
    println!("|---:|---:|---:|---|");
    for (sql, (count, d)) in rows.iter().take(25) {
        let mut s: String = sql.chars().take(180).collect();
        if sql.chars().count() > 180 {
            s.push('…');
        }
        println!(
            "| {:.1} | {:.2} | {:.1} | `{}` |",
            d.as_secs_f64() * 1e6 / n,
            *count as f64 / n,
            d.as_secs_f64() * 1e6 / *count as f64,
            s.replace('|', "\\|")
        );
    }
}
