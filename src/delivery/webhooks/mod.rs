//! The webhook loop: claims due endpoints, reads each one's entitled events after its cursor
//! from the event log (the same reading as the agency's change feed, so the permission module
//! decides what a payload holds, redaction included), posts them in sequence order, signed per
//! Standard Webhooks, and records the round. A failure stops the endpoint at that event and
//! schedules a retry with backoff; after the last attempt the event goes to the dead-letter
//! list and the cursor moves on; an endpoint with no success for a day is disabled.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::delivery::webhook_guard::GuardedResolver;
use crate::delivery::{after, wait_for_work, WorkerContext};
use crate::domain::format_time;
use crate::domain::retry::Backoff;
use crate::error::AppResult;
use crate::policy::webhook_targets::TargetRules;
use crate::policy::Viewer;
use crate::service::feed::{self};
use crate::service::webhooks::{self as hooks, EndpointRow};
use crate::store::directory;
use crate::store::log::{self, Actor};

mod round;
mod sender;

use round::*;
use sender::*;

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
    while !ctx.stopping() {
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
            _ = wait_for_work(&ctx, &mut commits) => {}
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    // Stopping: each endpoint being served ends its round at once (a request under way is
    // abandoned), records it and gives its lease back; wait for that.
    while tasks.join_next().await.is_some() {}
    tracing::debug!("回调投递已停止");
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
                    feed::page(conn, &a, &v, cursor, head, batch, None)?
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
        if !more || round == ROUNDS_PER_CLAIM || progress.disable.is_some() || ctx.stopping() {
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
