//! The load bench's clients: liaison officers, sync jobs and the bulk batch, each sending
//! requests as a well-behaved client does and tallying latency and errors per request kind.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{json, Value};

use crate::data::{Hub, RecordGen};
use crate::report;
use crate::server::Hubd;

/// One member unit's credentials: a liaison officer's token and its systems' API key.
pub struct Unit {
    pub liaison: String,
    pub key: String,
}

const SEARCHES: &[&str] = &["违规发放", "津补贴", "招投标", "公款吃喝", "选人用人", "专项资金", "整改", "巡察"];
const PURPOSE: &str = "%E8%B4%9F%E8%BD%BD%E6%B5%8B%E8%AF%95"; // 负载测试, percent-encoded

/// What the clients measured: a latency histogram (µs) and an error count per request kind.
#[derive(Default)]
pub struct Tally {
    pub kinds: BTreeMap<&'static str, (Histogram<u64>, u64)>,
    pub samples: Vec<String>,
    /// 503 answers a client waited out (Retry-After) and retried, per kind.
    pub retried: BTreeMap<&'static str, u64>,
}

impl Tally {
    fn add(&mut self, kind: &'static str, took: Duration, error: Option<String>) {
        let e = self.kinds.entry(kind).or_insert_with(|| (report::histogram(), 0));
        report::record(&mut e.0, took);
        if let Some(err) = error {
            e.1 += 1;
            if self.samples.len() < 10 {
                self.samples.push(format!("{kind}: {err}"));
            }
        }
    }
    pub fn merge(&mut self, other: Tally) {
        for (k, n) in other.retried {
            *self.retried.entry(k).or_default() += n;
        }
        for (k, (h, n)) in other.kinds {
            let e = self.kinds.entry(k).or_insert_with(|| (report::histogram(), 0));
            e.0.add(&h).expect("same bounds");
            e.1 += n;
        }
        self.samples.extend(other.samples.into_iter().take(10usize.saturating_sub(self.samples.len())));
    }
}

/// A final answer: status, the `X-Batch-Rejected` header, the body.
type Answer = (reqwest::StatusCode, Option<String>, String);

/// Sends a request as a well-behaved client does: a 503 is waited out as its `Retry-After`
/// asks (at most 2 s here) and retried, up to 5 times (creates carry an Idempotency-Key, so
/// a retry never creates twice). Returns the final answer and the retries it took.
fn send(mut r: reqwest::blocking::RequestBuilder) -> (Result<Answer, String>, u64) {
    let mut retries = 0;
    loop {
        let again = r.try_clone();
        let outcome = r.send().map_err(|e| e.to_string()).and_then(|resp| {
            let status = resp.status();
            let header = |n: &str| resp.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
            let (retry_after, rejected) = (header("Retry-After"), header("X-Batch-Rejected"));
            let text = resp.text().map_err(|e| e.to_string())?;
            Ok((status, retry_after, rejected, text))
        });
        match (outcome, again) {
            (Ok((status, Some(after), _, _)), Some(next)) if status.as_u16() == 503 && retries < 5 => {
                retries += 1;
                let secs: f64 = after.parse().unwrap_or(1.0);
                std::thread::sleep(Duration::from_secs_f64(secs.min(2.0)));
                r = next;
            }
            (outcome, _) => return (outcome.map(|(s, _, rejected, text)| (s, rejected, text)), retries),
        }
    }
}

/// Sends one request and records it; returns the JSON answer of a success.
fn timed(tally: &mut Tally, kind: &'static str, r: reqwest::blocking::RequestBuilder) -> Option<Value> {
    let t = Instant::now();
    let (outcome, retries) = send(r);
    let took = t.elapsed();
    if retries > 0 {
        *tally.retried.entry(kind).or_default() += retries;
    }
    let outcome = outcome.and_then(|(status, _, text)| {
        if status.is_success() {
            Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
        } else {
            Err(format!("HTTP {status}: {}", text.chars().take(300).collect::<String>()))
        }
    });
    match outcome {
        Ok(v) => {
            tally.add(kind, took, None);
            Some(v)
        }
        Err(e) => {
            tally.add(kind, took, Some(e));
            None
        }
    }
}

/// A liaison officer: list, read what the list shows, search, publish, open the inbox.
pub fn liaison(h: &Hubd, hub: &Hub, unit: &Unit, seed: u64, stop: &AtomicBool) -> Tally {
    let (mut tally, mut rng, mut seen) = (Tally::default(), StdRng::seed_from_u64(seed), Vec::<String>::new());
    while !stop.load(Ordering::Relaxed) {
        let get = |path: &str| h.req(Method::GET, path, &unit.liaison);
        match rng.gen_range(0..100) {
            0..=29 => {
                let kind = ["", "&kind=clue", "&kind=notice"][rng.gen_range(0..3)];
                if let Some(v) = timed(&mut tally, "list", get(&format!("/api/v1/records?limit=20{kind}"))) {
                    let ids = v["items"].as_array().into_iter().flatten().filter_map(|i| i["id"].as_str());
                    seen.extend(ids.map(str::to_string));
                    if seen.len() > 200 {
                        seen.drain(..100);
                    }
                }
            }
            30..=59 if !seen.is_empty() => {
                let id = &seen[rng.gen_range(0..seen.len())];
                let r = get(&format!("/api/v1/records/{id}")).header("X-Access-Purpose", PURPOSE);
                timed(&mut tally, "read", r);
            }
            30..=79 => {
                let q = SEARCHES[rng.gen_range(0..SEARCHES.len())];
                timed(&mut tally, "search", get("/api/v1/records").query(&[("q", q), ("limit", "20")]));
            }
            80..=94 => {
                let (o, label) = &hub.objects[rng.gen_range(0..hub.objects.len())];
                let level = ["own", "all"][rng.gen_range(0..2)];
                let body = json!({"kind": "clue", "title": format!("关于{label}违规发放津补贴的问题线索"),
                    "body": format!("反映{label}以加班费名义违规发放津补贴,涉及金额约{}万元。", rng.gen_range(1..300)),
                    "category": "廉洁纪律", "object_ids": [o], "distribution": {"level": level}});
                let key = format!("load-{seed}-{}", rng.gen::<u64>());
                let r =
                    h.req(Method::POST, "/api/v1/records", &unit.liaison).header("Idempotency-Key", key).json(&body);
                timed(&mut tally, "publish", r);
            }
            _ => {
                timed(&mut tally, "inbox", get("/api/v1/inbox?limit=20"));
            }
        }
    }
    tally
}

/// A sync job: reads its agency's feed page by page; at the head, starts over somewhere.
pub fn sync_job(h: &Hubd, unit: &Unit, seed: u64, stop: &AtomicBool) -> Tally {
    let (mut tally, mut rng, mut after) = (Tally::default(), StdRng::seed_from_u64(seed), None::<i64>);
    while !stop.load(Ordering::Relaxed) {
        let from = after.unwrap_or_else(|| rng.gen_range(0..1000));
        let r = h.req(Method::GET, "/api/v1/feed", &unit.key).query(&[("after", from), ("limit", 100)]);
        after = timed(&mut tally, "feed", r)
            .filter(|v| v["has_more"].as_bool().unwrap_or(false))
            .and_then(|v| v["next_cursor"].as_i64());
    }
    tally
}

/// The one bulk batch at a time: 200 lines from a rotating unit's system.
pub fn bulk(h: &Hubd, hub: &Hub, units: &[Unit], from: u64, stop: &AtomicBool) -> Tally {
    let (mut tally, mut gen, mut n) = (Tally::default(), RecordGen::new(hub, 88), from + 1_000_000);
    let mut owner = 0;
    while !stop.load(Ordering::Relaxed) {
        owner = (owner + 1) % units.len();
        let body: String = (0..200)
            .map(|_| {
                n += 1;
                gen.line(hub, owner, n) + "\n"
            })
            .collect();
        let r = h
            .req(Method::POST, "/api/v1/sync/batches", &units[owner].key)
            .header("Content-Type", "application/x-ndjson")
            .header("Idempotency-Key", format!("load-batch-{n}"))
            .body(body);
        let t = Instant::now();
        let (outcome, retries) = send(r);
        if retries > 0 {
            *tally.retried.entry("batch").or_default() += retries;
        }
        let outcome = outcome.and_then(|(status, rejected, text)| match rejected {
            _ if !status.is_success() => Err(format!("HTTP {status}: {}", text.chars().take(300).collect::<String>())),
            Some(r) if r != "0" => Err(format!("{r} lines rejected: {}", text.lines().next().unwrap_or(""))),
            _ => Ok(()),
        });
        tally.add("batch", t.elapsed(), outcome.err());
    }
    tally
}
