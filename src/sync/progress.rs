//! Progress of a sync job: an `indicatif` bar (records, rate, ETA) when stderr is a terminal,
//! otherwise a `tracing` line every few seconds, so cron mail and the journal stay readable.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const LOG_EVERY: Duration = Duration::from_secs(5);
const BAR: &str = "{prefix} [{elapsed_precise}] {wide_bar} {percent}% {msg} 剩余约 {eta}";
const SPINNER: &str = "{prefix} [{elapsed_precise}] {spinner} {msg}";

pub struct Progress {
    bar: Option<ProgressBar>,
    job: &'static str,
    /// Records handled so far in this run.
    records: u64,
    /// Position and length of the bar (records for push, sequence numbers for pull).
    position: u64,
    length: Option<u64>,
    start: Instant,
    last_log: Instant,
}

impl Progress {
    /// `job` names the work in messages, e.g. "拉取" or "推送".
    pub fn new(job: &'static str, length: Option<u64>) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(length, ProgressDrawTarget::stderr_with_hz(4));
            let template = if length.is_some() { BAR } else { SPINNER };
            bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
            bar.set_prefix(job);
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        let now = Instant::now();
        Progress { bar, job, records: 0, position: 0, length, start: now, last_log: now }
    }

    pub fn set_length(&mut self, length: u64) {
        self.length = Some(length);
        if let Some(b) = &self.bar {
            b.set_style(ProgressStyle::with_template(BAR).expect("valid template"));
            b.set_length(length);
        }
    }

    /// `records` more were handled (the bar moves as far).
    pub fn advance(&mut self, records: u64) {
        self.advance_to(records, self.position + records);
    }

    /// `records` more were handled and the bar stands at `position`.
    pub fn advance_to(&mut self, records: u64, position: u64) {
        self.records += records;
        self.position = position;
        let rate = self.rate();
        match &self.bar {
            Some(b) => {
                b.set_position(position);
                b.set_message(format!("{} 条,{rate:.0} 条/秒", self.records));
            }
            None if self.last_log.elapsed() >= LOG_EVERY => {
                self.last_log = Instant::now();
                let eta = self.eta().map(|s| format!(",预计还需 {s:.0} 秒")).unwrap_or_default();
                tracing::info!(
                    records = self.records,
                    rate = rate.round(),
                    "{}中:已处理 {} 条{eta}",
                    self.job,
                    self.records
                );
            }
            None => {}
        }
    }

    /// Whether a person watches the bar (then the closing summary on stdout suffices).
    pub fn on_terminal(&self) -> bool {
        self.bar.is_some()
    }

    pub fn length(&self) -> Option<u64> {
        self.length
    }

    pub fn records(&self) -> u64 {
        self.records
    }

    fn rate(&self) -> f64 {
        self.records as f64 / self.start.elapsed().as_secs_f64().max(1e-3)
    }

    fn eta(&self) -> Option<f64> {
        let len = self.length?;
        let secs = self.start.elapsed().as_secs_f64();
        (self.position > 0 && len > self.position).then(|| secs / self.position as f64 * (len - self.position) as f64)
    }

    /// A message for the person watching (above the bar) or the log.
    pub fn note(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.println(msg),
            None => tracing::info!("{msg}"),
        }
    }

    pub fn warn(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.println(format!("警告:{msg}")),
            None => tracing::warn!("{msg}"),
        }
    }

    /// Ends the bar; returns the elapsed time.
    pub fn finish(&self) -> Duration {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        self.start.elapsed()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bar_templates_are_valid() {
        for t in [super::BAR, super::SPINNER] {
            assert!(indicatif::ProgressStyle::with_template(t).is_ok(), "{t}");
        }
    }
}
