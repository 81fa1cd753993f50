//! Sending one webhook message: the signed POST, the guarded connection, the bounded answer.

use crate::delivery::webhook_guard::refused;
use crate::domain::{format_time, webhook};
use crate::policy::webhook_targets::TargetRules;
use crate::service::feed::FeedEvent;
use crate::service::webhooks::{Attempt, EndpointRow};
use serde_json::json;
use std::time::Instant;

/// The most of a receiver's answer that is read (the rest is dropped with the connection).
pub(super) const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The HTTP client and the rules of where it may connect.
pub(super) struct Sender<'a> {
    pub(super) client: &'a reqwest::Client,
    pub(super) rules: &'a TargetRules,
}

impl Sender<'_> {
    /// One signed POST of one event; the attempt's status is `delivered` on any 2xx. The
    /// delivery log gets the status and a short reason only, never the network's own words
    /// (which would tell an agency about the hub's surroundings); those go to the hub's log.
    pub(super) async fn post(&self, e: &EndpointRow, ev: &FeedEvent) -> Attempt {
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
    pub(super) fn literal_target_refused(&self, url: &str) -> Option<&'static str> {
        let u = reqwest::Url::parse(url).ok()?;
        let ip: std::net::IpAddr = match u.host()? {
            url::Host::Ipv4(a) => a.into(),
            url::Host::Ipv6(a) => a.into(),
            url::Host::Domain(_) => return None,
        };
        self.rules.check(ip).err()
    }

    pub(super) async fn send(&self, e: &EndpointRow, ev: &FeedEvent) -> (&'static str, Option<i32>, Option<String>) {
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

pub(super) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
