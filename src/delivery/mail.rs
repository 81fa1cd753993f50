//! The mail loop: on every wake it (1) appends deadline reminders when the sweep is due (and
//! ends the audit linkages whose end date has passed), (2) turns new events into outbox rows
//! and digest items (the dispatcher, one instance at a time through the cursor's lease), (3)
//! runs the daily digest once its local time has come, and (4) sends due outbox rows over
//! SMTP, retrying failures with backoff. Without `smtp_url` and `mail_from`, mails are written
//! to the log (recipient and subject only) and count as sent.

use std::time::{Duration, Instant};

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::delivery::{after, wait_for_work, WorkerContext};
use crate::domain::mail::DigestSchedule;
use crate::domain::retry::{AfterFailure, Backoff};
use crate::service::mail::{self as outbox, OutboxRow, SendResult};
use crate::store::cursors::{self, Job};
use crate::store::log;

const LEASE: Duration = Duration::from_secs(120);
/// Dispatch rounds per wake before sending (so a long backlog does not hold mail up).
const DISPATCH_ROUNDS: usize = 20;

/// Where mail goes.
enum Transport {
    Smtp {
        smtp: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
    /// No SMTP configured: the log only.
    Log,
    /// Configured but unusable: every send fails (and is retried) until the setting is fixed.
    Broken(String),
}

/// Trusts the CA certificates in `ca_file` (PEM) for the server's certificate, in the TLS mode
/// the URL asks for (`smtps://` wrapper, `?tls=required` or `?tls=opportunistic` STARTTLS): an
/// SMTP relay with a certificate from an internal CA. A plain `smtp://` URL uses no TLS.
fn trust_ca(
    builder: lettre::transport::smtp::AsyncSmtpTransportBuilder,
    url: &str,
    ca_file: &str,
) -> Result<lettre::transport::smtp::AsyncSmtpTransportBuilder, String> {
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    let u = reqwest::Url::parse(url).map_err(|e| format!("GUANTONG_SMTP_URL 无效:{e}"))?;
    let host = u.host_str().unwrap_or_default().trim_matches(['[', ']']).to_string();
    let pem = std::fs::read(ca_file).map_err(|e| format!("无法读取 GUANTONG_SMTP_CA_FILE({ca_file}):{e}"))?;
    let cert = Certificate::from_pem(&pem).map_err(|e| format!("GUANTONG_SMTP_CA_FILE 不是有效的 PEM 证书:{e}"))?;
    let params = TlsParameters::builder(host)
        .add_root_certificate(cert)
        .build()
        .map_err(|e| format!("SMTP 的 TLS 参数无效:{e}"))?;
    let mode = u.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    Ok(match (u.scheme(), mode.as_deref()) {
        ("smtps", _) => builder.tls(Tls::Wrapper(params)),
        ("smtp", Some("required")) => builder.tls(Tls::Required(params)),
        ("smtp", Some("opportunistic")) => builder.tls(Tls::Opportunistic(params)),
        _ => builder,
    })
}

impl Transport {
    fn from_settings(ctx: &WorkerContext) -> Transport {
        let s = &ctx.settings;
        let (url, from) = match (&s.smtp_url, &s.mail_from) {
            (Some(u), Some(f)) if !u.is_empty() && !f.trim().is_empty() => (u, f),
            (None, None) => {
                tracing::info!("未配置 GUANTONG_SMTP_URL / GUANTONG_MAIL_FROM:邮件只写入日志");
                return Transport::Log;
            }
            _ => {
                let why = "GUANTONG_SMTP_URL 与 GUANTONG_MAIL_FROM 须同时设置".to_string();
                tracing::error!("{why};邮件暂不发送,保留在待发队列中");
                return Transport::Broken(why);
            }
        };
        let from: Mailbox = match from.trim().parse() {
            Ok(m) => m,
            Err(e) => {
                let why = format!("GUANTONG_MAIL_FROM 不是有效的发件人地址:{e}");
                tracing::error!("{why}");
                return Transport::Broken(why);
            }
        };
        // The URL carries credentials: never log it, only lettre's (credential-free) error.
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
            .map_err(|e| format!("GUANTONG_SMTP_URL 无效:{e}"))
            .and_then(|b| match &s.smtp_ca_file {
                Some(ca) if !ca.trim().is_empty() => trust_ca(b, url.expose(), ca.trim()),
                _ => Ok(b),
            });
        match builder {
            Ok(b) => {
                tracing::info!("邮件经 SMTP 发送");
                Transport::Smtp { smtp: Box::new(b.timeout(Some(Duration::from_secs(30))).build()), from }
            }
            Err(why) => {
                tracing::error!("{why}");
                Transport::Broken(why)
            }
        }
    }

    /// Sends one mail: `Ok`, or the error and whether it is permanent.
    async fn send(&self, m: &OutboxRow) -> Result<(), (String, bool)> {
        match self {
            Transport::Log => {
                tracing::info!(to = %m.recipient, subject = %m.subject, mail_id = %m.id, "邮件(未配置 SMTP,仅记录日志)");
                Ok(())
            }
            Transport::Broken(why) => Err((why.clone(), false)),
            Transport::Smtp { smtp, from } => {
                let to: Mailbox = m.recipient.parse().map_err(|e| (format!("收件人地址无效:{e}"), true))?;
                let msg = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(m.subject.clone())
                    .multipart(MultiPart::alternative_plain_html(m.body_text.clone(), m.body_html.clone()))
                    .map_err(|e| (format!("无法生成邮件:{e}"), true))?;
                smtp.send(msg).await.map(|_| ()).map_err(|e| (format!("SMTP 发送失败:{e}"), e.is_permanent()))
            }
        }
    }
}

pub async fn run(ctx: WorkerContext) {
    let transport = Transport::from_settings(&ctx);
    let clock = crate::domain::clock::current();
    let schedule = match DigestSchedule::parse(&ctx.settings.mail_digest_time, clock.tz) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "每日摘要设置无效,本实例不发送每日摘要");
            None
        }
    };
    let sweep_every = Duration::from_secs(ctx.settings.mail_sweep_interval_secs);
    let mut last_sweep: Option<Instant> = None;
    let mut commits = log::commits().subscribe();
    while !ctx.stopping() {
        if last_sweep.is_none_or(|t| t.elapsed() >= sweep_every) {
            last_sweep = Some(Instant::now());
            sweep(&ctx).await;
            end_expired_linkages(&ctx).await;
        }
        dispatch(&ctx).await;
        if let Some(s) = schedule.filter(|_| !ctx.stopping()) {
            if let Some(day) = s.due_day(clock.now()) {
                let d = day.clone();
                match ctx.db(move |conn| outbox::run_digest(conn, &d)).await {
                    Ok(Some(n)) => tracing::info!(day = %day, mails = n, "每日摘要已生成"),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "每日摘要生成失败,稍后重试"),
                }
            }
        }
        send_due(&ctx, &transport).await;
        wait_for_work(&ctx, &mut commits).await;
    }
    // Stopping: give back what this instance holds, so that another one (or the next start)
    // need not wait for the leases to run out.
    let owner = ctx.instance.clone();
    if let Err(e) = ctx.db(move |conn| Ok(outbox::release_leases(conn, &owner)?)).await {
        tracing::warn!(error = %e, "停止时未能交还邮件租约(租约到期后由其他实例接手)");
    }
    tracing::debug!("邮件投递已停止");
}

/// Appends the deadline reminders that are due, a batch at a time until none are left.
async fn sweep(ctx: &WorkerContext) {
    let limit = ctx.settings.mail_batch.clamp(1, 1000);
    for _ in 0..DISPATCH_ROUNDS {
        if ctx.stopping() {
            return;
        }
        let today = crate::service::transfers::today();
        match ctx.db(move |conn| outbox::sweep_deadlines(conn, &today, limit)).await {
            Ok(n) => {
                if n > 0 {
                    tracing::info!(reminders = n, "已生成线索办理期限提醒");
                }
                if (n as i64) < limit {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "办理期限检查失败,稍后重试");
                return;
            }
        }
    }
}

/// Ends the inspection–audit linkages (巡审联动) whose end date has passed, with the sweep.
async fn end_expired_linkages(ctx: &WorkerContext) {
    if ctx.stopping() {
        return;
    }
    let today = crate::domain::clock::today();
    match ctx.db(move |conn| crate::service::inspection::linkage::end_expired(conn, &today, 100)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(linkages = n, "已结束到期的巡审联动"),
        Err(e) => tracing::warn!(error = %e, "巡审联动到期检查失败,稍后重试"),
    }
}

/// Turns the events after the cursor into mails, while this instance holds the cursor.
async fn dispatch(ctx: &WorkerContext) {
    let batch = ctx.settings.mail_batch.clamp(1, 1000);
    for _ in 0..DISPATCH_ROUNDS {
        if ctx.stopping() {
            return;
        }
        let owner = ctx.instance.clone();
        let public_url = ctx.settings.public_url.clone();
        let result = ctx
            .db(move |conn| {
                if !outbox::has_new_events(conn)? {
                    return Ok(None);
                }
                let Some(cursor) = cursors::claim(conn, Job::Mail, &owner, &after(LEASE))? else { return Ok(None) };
                let done = outbox::dispatch(conn, &owner, cursor, batch, &public_url);
                if !matches!(done, Ok(Some(_))) {
                    cursors::release(conn, Job::Mail, &owner)?;
                }
                done
            })
            .await;
        match result {
            Ok(Some(d)) => {
                if d.mails + d.digest_items > 0 {
                    tracing::debug!(events = d.events, mails = d.mails, digest_items = d.digest_items, "邮件已排队");
                }
                if !d.more {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "邮件分发失败,稍后重试");
                return;
            }
        }
    }
}

fn backoff(ctx: &WorkerContext) -> Backoff {
    let s = &ctx.settings;
    Backoff::from_millis(s.mail_retry_base_ms, s.mail_retry_cap_ms, s.mail_max_attempts)
}

/// Sends the due outbox rows, round after round until none are due.
async fn send_due(ctx: &WorkerContext, transport: &Transport) {
    let limit = ctx.settings.mail_batch.clamp(1, 500);
    while !ctx.stopping() {
        let owner = ctx.instance.clone();
        let due = match ctx.db(move |conn| Ok(outbox::claim_due(conn, &owner, &after(LEASE), limit)?)).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "查询待发邮件失败");
                return;
            }
        };
        if due.is_empty() {
            return;
        }
        let full = due.len() as i64 >= limit;
        let mut failures = 0;
        for m in due {
            // Stopping: the rest stay pending (their leases are given back at the end).
            if ctx.stopping() {
                return;
            }
            let attempts = m.attempts + 1;
            let result = match transport.send(&m).await {
                Ok(()) => SendResult::Sent,
                Err((error, permanent)) => {
                    failures += 1;
                    match backoff(ctx).after_failure(attempts as u32, rand::random::<f64>()) {
                        AfterFailure::RetryIn(d) if !permanent => {
                            tracing::warn!(mail_id = %m.id, to = %m.recipient, attempts, error = %error, "邮件发送失败,稍后重试");
                            SendResult::Retry { at: after(d), error }
                        }
                        _ => {
                            tracing::error!(mail_id = %m.id, to = %m.recipient, attempts, error = %error, "邮件发送失败,已放弃(保留在发件箱,状态 failed)");
                            SendResult::Failed { error }
                        }
                    }
                }
            };
            let (id, owner) = (m.id.clone(), ctx.instance.clone());
            if let Err(e) = ctx.db(move |conn| Ok(outbox::record_send(conn, &id, &owner, attempts, &result)?)).await {
                tracing::warn!(mail_id = %m.id, error = %e, "邮件发送结果未能记录");
            }
        }
        // When the server is down, wait for the next wake instead of hammering it.
        if !full || failures > 0 {
            return;
        }
    }
}
