//! One delivery round of an endpoint: the events it is owed, in order, until it fails or is done.

use super::*;
use crate::delivery::{after, WorkerContext};
use crate::domain::retry::AfterFailure;
use crate::domain::{format_time, webhook};
use crate::error::AppResult;
use crate::policy::Viewer;
use crate::service::feed::{self, FeedEvent};
use crate::service::webhooks::{Attempt, Delivery, EndpointRow, Progress};
use crate::store::log::Actor;
use std::time::Instant;

/// One round of deliveries to one endpoint: what was attempted, and where the endpoint stands.
pub(super) struct Round<'a> {
    pub(super) ctx: &'a WorkerContext,
    pub(super) client: &'a Sender<'a>,
    pub(super) e: &'a EndpointRow,
    pub(super) viewer: &'a Viewer,
    pub(super) actor: &'a Actor,
    pub(super) started: Instant,
    /// Failed attempts at the event now at the head (0 after a success).
    pub(super) head_attempts: i32,
    pub(super) attempts: Vec<Attempt>,
    pub(super) progress: Progress,
}

impl<'a> Round<'a> {
    pub(super) fn new(
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

    /// Whether the round has used its share of the lease, or the loops are stopping.
    pub(super) fn out_of_time(&self) -> bool {
        self.started.elapsed() > lease_len(self.ctx) / 3 || self.ctx.stopping()
    }

    /// One POST, or `None` if the loops are asked to stop first: the request is abandoned
    /// and the event stays owed (the receiver may have it already; it de-duplicates).
    async fn post(&self, ev: &FeedEvent) -> Option<Attempt> {
        tokio::select! {
            biased;
            _ = self.ctx.background.stopping() => None,
            at = self.client.post(self.e, ev) => Some(at),
        }
    }

    /// Sends dead letters queued for replay, each once, as the agency may see the event now;
    /// a replay that fails is dead again.
    pub(super) async fn replay(&mut self, replays: Vec<Delivery>) -> AppResult<()> {
        for d in replays {
            if self.out_of_time() {
                break;
            }
            let (v, a, seq) = (self.viewer.clone(), self.actor.clone(), d.seq);
            let rendered = self
                .ctx
                .db(move |conn| Ok(feed::page(conn, &a, &v, seq - 1, seq, 1, None)?.into_iter().next()))
                .await?;
            let attempt = match rendered.filter(|ev| ev.seq == seq) {
                Some(ev) => {
                    let Some(mut at) = self.post(&ev).await else { break };
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
    pub(super) async fn stream(&mut self, events: &[FeedEvent], full: bool, head: i64) -> bool {
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
            let Some(mut at) = self.post(ev).await else {
                stop = RoundEnd::OutOfTime;
                break;
            };
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
    pub(super) fn failed(&mut self, mut at: Attempt, seq: i64) {
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
pub(super) enum RoundEnd {
    /// Every event read was handled.
    Drained,
    /// An attempt failed: the endpoint waits for its retry.
    Failed,
    /// The round used its share of the lease; the next round goes on.
    OutOfTime,
}
