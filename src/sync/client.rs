//! The sync job's HTTP client for the hub: the feed and the batch endpoint, with retries and
//! exponential backoff for transient failures (connection errors, timeouts, 5xx, 429) and an
//! immediate, plainly worded failure for refusals (401, 403, 422 …) that no retry can fix.
//! The API key goes only into the `Authorization` header; it is never logged.

use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::contract::sync::LineResult;
use crate::domain::retry::{AfterFailure, Backoff};
use crate::sync::config::SyncConfig;
use crate::sync::error::{SyncError, SyncResult};

/// One page of `GET /api/v1/feed` as the job reads it. Events stay raw so the files hold
/// exactly the hub's bytes (`service::feed::FeedEvent` as serialised); only `seq` is parsed.
#[derive(Debug, Deserialize)]
pub struct FeedPage {
    pub events: Vec<Box<RawValue>>,
    pub next_cursor: i64,
    pub has_more: bool,
    /// The hub's latest sequence number (for progress estimates; older hubs omit it).
    #[serde(default)]
    pub head_seq: Option<i64>,
}

/// The part of a feed event the job needs.
#[derive(Debug, Deserialize)]
pub struct EventHead {
    pub seq: i64,
}

/// The answer to one batch: a result per non-blank line, numbered within the batch.
pub struct BatchAnswer {
    pub results: Vec<LineResult>,
    pub replayed: bool,
}

pub struct HubClient {
    http: Client,
    base: String,
    api_key: crate::config::Secret,
    purpose: Option<String>,
    retry: Backoff,
}

#[derive(Deserialize, Default)]
struct ProblemBody {
    #[serde(default)]
    title: String,
    #[serde(default)]
    detail: Option<String>,
}

/// Why a request failed, before deciding whether to try again.
enum Attempt {
    Transient(String, Option<Duration>),
    Refused(String),
}

impl HubClient {
    pub fn new(cfg: &SyncConfig) -> SyncResult<HubClient> {
        let http = Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            .user_agent(concat!("guantong-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Failed(anyhow::anyhow!("无法创建 HTTP 客户端:{e}")))?;
        Ok(HubClient {
            http,
            base: cfg.hub_url.clone(),
            api_key: cfg.api_key.clone(),
            purpose: cfg.purpose_header(),
            retry: cfg.retry,
        })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        let mut r = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(self.api_key.expose());
        if let Some(p) = &self.purpose {
            r = r.header("X-Access-Purpose", p);
        }
        r
    }

    /// One page of the agency's feed after `after`.
    pub fn feed(&self, after: i64, limit: i64) -> SyncResult<FeedPage> {
        let what = format!("读取变更流(after={after})");
        let resp = self.send(&what, || {
            self.request(reqwest::Method::GET, "/api/v1/feed").query(&[("after", after), ("limit", limit)])
        })?;
        let text = resp.text().map_err(|e| transient_exhausted(&what, &e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| SyncError::Failed(anyhow::anyhow!("{what}:平台返回的内容无法解析:{e}")))
    }

    /// Sends one NDJSON batch with its idempotency key.
    pub fn push_batch(&self, body: &[u8], key: &str) -> SyncResult<BatchAnswer> {
        let what = format!("提交批次(幂等键 {key})");
        let resp = self.send(&what, || {
            self.request(reqwest::Method::POST, "/api/v1/sync/batches")
                .header("Content-Type", "application/x-ndjson")
                .header("Idempotency-Key", key)
                .body(body.to_vec())
        })?;
        let replayed = resp.headers().get("X-Batch-Replayed").is_some_and(|v| v == "true");
        let text = resp.text().map_err(|e| transient_exhausted(&what, &e.to_string()))?;
        let results = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str::<LineResult>)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SyncError::Failed(anyhow::anyhow!("{what}:平台返回的结果无法解析:{e}")))?;
        Ok(BatchAnswer { results, replayed })
    }

    /// Sends with retries; returns a 2xx response.
    fn send(&self, what: &str, build: impl Fn() -> RequestBuilder) -> SyncResult<Response> {
        let mut failures = 0u32;
        loop {
            let outcome = match build().send() {
                Ok(resp) if resp.status().is_success() => return Ok(resp),
                Ok(resp) => classify(resp),
                Err(e) => Attempt::Transient(describe(&e), None),
            };
            match outcome {
                Attempt::Refused(msg) => return Err(SyncError::Refused(format!("{what}失败:{msg}"))),
                Attempt::Transient(msg, retry_after) => {
                    failures += 1;
                    let delay = match self.retry.after_failure(failures, rand::random::<f64>()) {
                        AfterFailure::GiveUp => {
                            let retried = failures - 1;
                            return Err(transient_exhausted(what, &format!("{msg}(已重试 {retried} 次)")));
                        }
                        AfterFailure::RetryIn(d) => retry_after.map_or(d, |r| r.min(self.retry.cap)),
                    };
                    tracing::warn!(attempt = failures, delay_ms = delay.as_millis() as u64, "{what}:{msg},稍后重试");
                    std::thread::sleep(delay);
                }
            }
        }
    }
}

fn transient_exhausted(what: &str, msg: &str) -> SyncError {
    SyncError::Failed(anyhow::anyhow!("{what}失败:{msg}"))
}

fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "请求超时"
    } else if e.is_connect() {
        "无法连接平台"
    } else {
        "网络错误"
    };
    // The chain names the cause (connection refused, DNS …); the URL carries no secret.
    let mut msg = format!("{kind}:{e}");
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(&format!(":{s}"));
        src = s.source();
    }
    msg
}

fn classify(resp: Response) -> Attempt {
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let text = resp.text().unwrap_or_default();
    let p: ProblemBody = serde_json::from_str(&text).unwrap_or_default();
    let detail = p.detail.filter(|d| !d.is_empty()).unwrap_or(p.title);
    let detail = if detail.is_empty() { text.chars().take(300).collect() } else { detail };
    let code = status.as_u16();
    match status {
        StatusCode::TOO_MANY_REQUESTS => Attempt::Transient(format!("平台繁忙(HTTP 429):{detail}"), retry_after),
        s if s.is_server_error() => Attempt::Transient(format!("平台暂时不可用(HTTP {code}):{detail}"), retry_after),
        StatusCode::UNAUTHORIZED => Attempt::Refused(format!(
            "接入密钥无效、已过期或已吊销(HTTP 401),请检查配置中的 api_key / api_key_file 或环境变量 {}:{detail}",
            crate::sync::config::API_KEY_ENV
        )),
        StatusCode::FORBIDDEN => {
            Attempt::Refused(format!("接入密钥无权执行此操作(HTTP 403),请联系平台管理员核对其角色:{detail}"))
        }
        StatusCode::PRECONDITION_REQUIRED => {
            Attempt::Refused(format!("平台要求说明查阅事由(HTTP 428),请在配置中设置 access_purpose:{detail}"))
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            Attempt::Refused(format!("批次超过平台上限(HTTP 413),请调小配置中的 chunk_lines:{detail}"))
        }
        _ => Attempt::Refused(format!("平台拒绝了请求(HTTP {code}):{detail}")),
    }
}
