//! The webhook loop: claims due endpoints, reads each one's entitled events after its cursor
//! from the event log (the same reading as the agency's change feed, so the permission module
//! decides what a payload holds, redaction included), posts them in sequence order, signed per
//! Standard Webhooks, and records the round. A failure stops the endpoint at that event and
//! schedules a retry with backoff; after the last attempt the event goes to the dead-letter
//! list and the cursor moves on; an endpoint with no success for a day is disabled.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::Semaphore;

use crate::delivery::webhook_guard::{refused, GuardedResolver};
use crate::delivery::{after, wait_for_work, WorkerContext};
use crate::domain::retry::{AfterFailure, Backoff};
use crate::domain::{format_time, webhook};
use crate::error::AppResult;
use crate::policy::webhook_targets::TargetRules;
use crate::policy::Viewer;
use crate::service::feed::{self, FeedEvent};
use crate::service::webhooks::{self as hooks, Attempt, Delivery, EndpointRow, Progress};
use crate::store::directory;
use crate::store::log::{self, Actor};

/// How long a claim lasts without renewal (rounds renew it): at least a minute, and at least
/// four request time limits, so that a round (which stops sending after a third of the lease)
/// always ends, its last request included, well before the lease does.
fn lease_len(ctx: &WorkerContext) -> Duration {
    Duration::from_secs(60).max(Duration::from_millis(ctx.settings.webhook_timeout_ms).saturating_mul(4))
}

/// How long delivery to a deactivated agency waits before looking again.
fn hold_inactive(ctx: &WorkerContext) -> Duration {
    ctx.poll_interval() * 20
}
/// Rounds one endpoint gets before its lease is given back (so others get their turn).
const ROUNDS_PER_CLAIM: usize = 50;

pub async fn run(ctx: WorkerContext) {
    let rules = match TargetRules::from_settings(&ctx.settings) {
        Ok(r) => Arc::new(r),
        Err(e) => {
            tracing::error!(error = %e, "回调目标网段设置无效,回调投递未启动");
            return;
        }
    };
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_millis(ctx.settings.webhook_timeout_ms.max(1)))
        .redirect(reqwest::redirect::Policy::none())
        // Connect only where the target rules allow: names resolve through the guard, and
        // no proxy resolves them for us.
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver { rules: rules.clone() }))
        .user_agent(concat!("Guantong-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "无法创建回调 HTTP 客户端,回调投递未启动");
            return;
        }
    };
    let slots = Arc::new(Semaphore::new(ctx.settings.webhook_concurrency.max(1)));
    let mut commits = log::commits().subscribe();
    let mut tasks = tokio::task::JoinSet::new();
    let mut pruned_at: Option<Instant> = None;
    loop {
        while tasks.try_join_next().is_some() {}
        if pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            pruned_at = Some(Instant::now());
            prune_log(&ctx).await;
        }
        let free = slots.available_permits();
        if free > 0 {
            let (owner, until) = (ctx.instance.clone(), after(lease_len(&ctx)));
            match ctx.db(move |conn| Ok(hooks::claim_due(conn, &owner, &until, free as i64)?)).await {
                Ok(endpoints) => {
                    for e in endpoints {
                        let Ok(permit) = slots.clone().acquire_owned().await else { return };
                        let (ctx, client, rules) = (ctx.clone(), client.clone(), rules.clone());
                        tasks.spawn(async move {
                            let id = e.id.clone();
                            let sender = Sender { client: &client, rules: &rules };
                            if let Err(err) = serve_endpoint(&ctx, &sender, e).await {
                                tracing::warn!(endpoint_id = %id, error = %err, "回调投递一轮未完成,稍后重试");
                            }
                            drop(permit);
                        });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "查询待投递的回调地址失败"),
            }
        }
        tokio::select! {
            _ = wait_for_work(&mut commits, ctx.poll_interval()) => {}
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
}

/// How often the delivery log is pruned of old successful deliveries.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

async fn prune_log(ctx: &WorkerContext) {
    let days = ctx.settings.webhook_log_retention_days.max(1);
    let before = format_time(chrono::Utc::now() - chrono::Duration::days(days as i64));
    match ctx.db(move |conn| Ok(hooks::prune_delivered(conn, &before)?)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(deleted = n, days, "已清理过期的回调投递记录"),
        Err(e) => tracing::warn!(error = %e, "清理回调投递记录失败"),
    }
}

fn backoff(ctx: &WorkerContext) -> Backoff {
    let s = &ctx.settings;
    Backoff::from_millis(s.webhook_retry_base_ms, s.webhook_retry_cap_ms, s.webhook_max_attempts)
}

/// Serves one claimed endpoint round after round until it has no more work, fails, or has had
/// its share; every round is recorded before the next one starts.
async fn serve_endpoint(ctx: &WorkerContext, client: &Sender<'_>, mut e: EndpointRow) -> AppResult<()> {
    let agency = e.agency_id.clone();
    let viewer: Viewer = ctx.db(move |conn| directory::viewer(conn, &agency)).await?;
    let actor = Actor { user_id: Some(format!("webhook:{}", e.id)), agency_id: Some(e.agency_id.clone()) };
    let batch = ctx.settings.webhook_batch.clamp(1, 1000);
    for round in 1..=ROUNDS_PER_CLAIM {
        let (endpoint_id, v, a, cursor) = (e.id.clone(), viewer.clone(), actor.clone(), e.cursor_seq);
        let started = Instant::now();
        let (replays, head, events) = ctx
            .db(move |conn| {
                let replays = hooks::queued_replays(conn, &endpoint_id, batch)?;
                let head = log::head_seq(conn)?;
                let events = if replays.is_empty() && v.agency_active {
                    feed::page(conn, &a, &v, cursor, batch, None)?
                } else {
                    vec![]
                };
                Ok((replays, head, events))
            })
            .await?;
        let mut r = Round::new(ctx, client, &e, &viewer, &actor, started);
        let more = if !replays.is_empty() {
            r.replay(replays).await?;
            true
        } else if !viewer.agency_active {
            // A deactivated agency receives nothing; its events wait until it is active again.
            r.progress.next_attempt_at = after(hold_inactive(ctx));
            false
        } else {
            r.stream(&events, events.len() as i64 >= batch, head).await
        };
        let (attempts, mut progress) = (r.attempts, r.progress);
        if !more || round == ROUNDS_PER_CLAIM || progress.disable.is_some() {
            progress.lease_until = None;
        }
        let keep = progress.lease_until.is_some();
        let (row, owner, p) = (e.clone(), ctx.instance.clone(), progress.clone());
        let held = ctx.db(move |conn| hooks::record_round(conn, &row, &owner, &attempts, &p)).await?;
        if !held {
            tracing::warn!(endpoint_id = %e.id, "回调地址的租约已被其他实例接管,本轮结果未记录");
            return Ok(());
        }
        if let Some(reason) = &progress.disable {
            tracing::warn!(endpoint_id = %e.id, agency_id = %e.agency_id, reason = %reason, "回调地址已停用");
        }
        if !keep {
            return Ok(());
        }
        e.cursor_seq = progress.cursor_seq;
        e.attempts = progress.attempts;
        e.failing_since = progress.failing_since;
        e.last_success_at = progress.last_success_at;
    }
    Ok(())
}

/// One round of deliveries to one endpoint: what was attempted, and where the endpoint stands.
struct Round<'a> {
    ctx: &'a WorkerContext,
    client: &'a Sender<'a>,
    e: &'a EndpointRow,
    viewer: &'a Viewer,
    actor: &'a Actor,
    started: Instant,
    /// Failed attempts at the event now at the head (0 after a success).
    head_attempts: i32,
    attempts: Vec<Attempt>,
    progress: Progress,
}

impl<'a> Round<'a> {
    fn new(
        ctx: &'a WorkerContext,
        client: &'a Sender<'a>,
        e: &'a EndpointRow,
        viewer: &'a Viewer,
        actor: &'a Actor,
        started: Instant,
    ) -> Round<'a> {
        let progress = Progress {
            cursor_seq: e.cursor_seq,
            attempts: e.attempts,
            next_attempt_at: format_time(chrono::Utc::now()),
            failing_since: e.failing_since.clone(),
            last_success_at: e.last_success_at.clone(),
            lease_until: Some(after(lease_len(ctx))),
            disable: None,
        };
        Round { ctx, client, e, viewer, actor, started, head_attempts: e.attempts, attempts: Vec::new(), progress }
    }

    /// Whether the round has used its share of the lease.
    fn out_of_time(&self) -> bool {
        self.started.elapsed() > lease_len(self.ctx) / 3
    }

    /// Sends dead letters queued for replay, each once, as the agency may see the event now;
    /// a replay that fails is dead again.
    async fn replay(&mut self, replays: Vec<Delivery>) -> AppResult<()> {
        for d in replays {
            if self.out_of_time() {
                break;
            }
            let (v, a, seq) = (self.viewer.clone(), self.actor.clone(), d.seq);
            let rendered =
                self.ctx.db(move |conn| Ok(feed::page(conn, &a, &v, seq - 1, 1, None)?.into_iter().next())).await?;
            let attempt = match rendered.filter(|ev| ev.seq == seq) {
                Some(ev) => {
                    let mut at = self.client.post(self.e, &ev).await;
                    at.attempts = d.attempts + 1;
                    if at.status != "delivered" {
                        at.status = "dead";
                    }
                    at
                }
                None => Attempt {
                    seq,
                    event_type: d.event_type.clone(),
                    status: "dead",
                    attempts: d.attempts,
                    response_status: None,
                    latency_ms: 0,
                    error: Some("该单位已无权接收此事件,未重放".into()),
                },
            };
            if attempt.status == "delivered" {
                self.progress.last_success_at = Some(format_time(chrono::Utc::now()));
            }
            self.attempts.push(attempt);
        }
        Ok(())
    }

    /// Sends the events the endpoint wants, in order, stopping at the first failure; returns
    /// whether another round should follow at once. `full`: the read filled its batch;
    /// `head`: the log's head when the events were read.
    async fn stream(&mut self, events: &[FeedEvent], full: bool, head: i64) -> bool {
        let types = self.e.types();
        let mut stop = RoundEnd::Drained;
        for ev in events {
            if !webhook::wants(&types, ev.event_type) {
                self.progress.cursor_seq = ev.seq;
                continue;
            }
            if self.out_of_time() {
                stop = RoundEnd::OutOfTime;
                break;
            }
            let mut at = self.client.post(self.e, ev).await;
            at.attempts = self.head_attempts + 1;
            if at.status == "delivered" {
                self.progress.attempts = 0;
                self.progress.failing_since = None;
                self.progress.last_success_at = Some(format_time(chrono::Utc::now()));
                self.progress.cursor_seq = ev.seq;
                self.head_attempts = 0;
                self.attempts.push(at);
                continue;
            }
            self.failed(at, ev.seq);
            stop = RoundEnd::Failed;
            break;
        }
        match stop {
            RoundEnd::Drained => {
                let last = events.last().map(|ev| ev.seq).unwrap_or(self.e.cursor_seq);
                self.progress.cursor_seq = if full { last } else { last.max(head) };
                full
            }
            RoundEnd::OutOfTime => true,
            RoundEnd::Failed => false,
        }
    }

    /// A failed attempt at event `seq`: retry later with backoff, or give it up to the
    /// dead-letter list; disable the endpoint once it has failed for too long.
    fn failed(&mut self, mut at: Attempt, seq: i64) {
        let s = &self.ctx.settings;
        let now = chrono::Utc::now();
        let since = self.progress.failing_since.clone().unwrap_or_else(|| format_time(now));
        match backoff(self.ctx).after_failure(at.attempts as u32, rand::random::<f64>()) {
            AfterFailure::RetryIn(d) => {
                at.status = "retrying";
                self.progress.cursor_seq = seq - 1;
                self.progress.attempts = at.attempts;
                self.progress.next_attempt_at = after(d);
            }
            AfterFailure::GiveUp => {
                at.status = "dead";
                self.progress.cursor_seq = seq;
                self.progress.attempts = 0;
            }
        }
        let limit = chrono::Duration::seconds(s.webhook_disable_after_secs as i64);
        if chrono::DateTime::parse_from_rfc3339(&since).is_ok_and(|t| now - t.with_timezone(&chrono::Utc) >= limit) {
            self.progress.disable = Some(format!(
                "自 {since} 起连续投递失败超过 {} 小时,已自动停用;最后一次错误:{}",
                s.webhook_disable_after_secs / 3600,
                at.error.clone().unwrap_or_default()
            ));
        }
        self.progress.failing_since = Some(since);
        self.attempts.push(at);
    }
}

/// Why a round stopped sending.
enum RoundEnd {
    /// Every event read was handled.
    Drained,
    /// An attempt failed: the endpoint waits for its retry.
    Failed,
    /// The round used its share of the lease; the next round goes on.
    OutOfTime,
}

/// The most of a receiver's answer that is read (the rest is dropped with the connection).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The HTTP client and the rules of where it may connect.
struct Sender<'a> {
    client: &'a reqwest::Client,
    rules: &'a TargetRules,
}

impl Sender<'_> {
    /// One signed POST of one event; the attempt's status is `delivered` on any 2xx. The
    /// delivery log gets the status and a short reason only, never the network's own words
    /// (which would tell an agency about the hub's surroundings); those go to the hub's log.
    async fn post(&self, e: &EndpointRow, ev: &FeedEvent) -> Attempt {
        let started = Instant::now();
        let (status, response_status, error) = match self.literal_target_refused(&e.url) {
            Some(reason) => ("retrying", None, Some(reason.to_string())),
            None => self.send(e, ev).await,
        };
        Attempt {
            seq: ev.seq,
            event_type: ev.event_type.as_str().to_string(),
            status,
            attempts: 0,
            response_status,
            latency_ms: started.elapsed().as_millis() as i64,
            error,
        }
    }

    /// A URL naming an IP address connects without the resolver: check it here.
    fn literal_target_refused(&self, url: &str) -> Option<&'static str> {
        let u = reqwest::Url::parse(url).ok()?;
        let ip: std::net::IpAddr = match u.host()? {
            url::Host::Ipv4(a) => a.into(),
            url::Host::Ipv6(a) => a.into(),
            url::Host::Domain(_) => return None,
        };
        self.rules.check(ip).err()
    }

    async fn send(&self, e: &EndpointRow, ev: &FeedEvent) -> (&'static str, Option<i32>, Option<String>) {
        let body = json!({"type": ev.event_type, "timestamp": ev.at, "data": ev}).to_string();
        let msg_id = webhook::message_id(ev.seq);
        let ts = chrono::Utc::now().timestamp();
        let signature =
            webhook::sign_all(&e.signing_secrets(&format_time(chrono::Utc::now())), &msg_id, ts, body.as_bytes());
        let sent = self
            .client
            .post(&e.url)
            .header("content-type", "application/json")
            .header("webhook-id", &msg_id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(mut resp) => {
                let code = resp.status();
                // Read at most a small answer (so the connection can be reused); a receiver
                // cannot make the hub swallow more.
                let mut read = 0usize;
                while let Ok(Some(chunk)) = resp.chunk().await {
                    read += chunk.len();
                    if read >= MAX_ANSWER_BYTES {
                        break;
                    }
                }
                if code.is_success() {
                    ("delivered", Some(code.as_u16() as i32), None)
                } else {
                    ("retrying", Some(code.as_u16() as i32), Some(format!("接收方返回 HTTP {}", code.as_u16())))
                }
            }
            Err(err) => {
                if let Some(r) = refused(&err) {
                    return ("retrying", None, Some(r.to_string()));
                }
                tracing::debug!(endpoint_id = %e.id, error = %root_cause(&err), "回调发送失败");
                let reason = if err.is_timeout() {
                    "接收方响应超时"
                } else if err.is_connect() {
                    "无法连接接收方"
                } else {
                    "发送失败"
                };
                ("retrying", None, Some(reason.to_string()))
            }
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
