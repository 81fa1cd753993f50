//! Email to liaison officers through a real SMTP server (aiosmtpd): who is mailed about what,
//! preferences (immediate / digest / never), deadline reminders, the daily digest, a
//! disabled webhook endpoint, retries while the SMTP server is down, and that no protected
//! field value or restricted content ever goes into a mail.

use diesel::{QueryDsl, RunQueryDsl};
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::smtp::{free_port, Received, Secure, SmtpServer, TestCa};
use guantong::config::{Secret, Settings};

const REPORTER: &str = "王举报";
const PHONE: &str = "13912345678";
const SECRET_BODY: &str = "举报人反映其收受购物卡十二张";

fn mail_app(b: Backend, smtp_url: &str, extra: impl FnOnce(&mut Settings)) -> TestApp {
    let url = smtp_url.to_string();
    TestApp::spawn_with(b, move |s| {
        s.smtp_url = Some(Secret::new(url));
        s.mail_from = Some("贯通平台 <guantong@hub.example.gov.cn>".into());
        s.delivery_poll_ms = 100;
        s.mail_digest_time = "off".into();
        s.mail_sweep_interval_secs = 0;
        s.mail_retry_base_ms = 200;
        s.mail_retry_cap_ms = 400;
        extra(s);
    })
}

/// Another user of an agency, made by the agency's own admin; returns their access token.
fn user(app: &TestApp, admin: &str, agency: &Agency, username: &str, roles: &[&str], email: Option<&str>) -> String {
    let _ = admin;
    let (s, u) = app.post(
        &app.unit_admin(agency),
        "/api/v1/users",
        json!({"username": username, "password": PASSWORD, "agency_id": agency.id, "roles": roles, "email": email}),
    );
    assert_eq!(s, 201, "{u}");
    app.login(username, PASSWORD)["access_token"].as_str().unwrap().to_string()
}

fn put_prefs(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    send(app.req(Method::PUT, "/api/v1/me/mail-preferences", Some(token)).json(&body))
}

/// A sensitive clue with protected reporter fields and a body that must never be mailed.
fn sensitive_clue(app: &TestApp, a: &Agency, title: &str, sensitivity: &str) -> String {
    let (s, r) = app.post(
        &a.token,
        "/api/v1/records",
        json!({"kind": "clue", "title": title, "body": SECRET_BODY, "category": "廉洁纪律",
               "distribution": {"level": "own"}, "sensitivity": sensitivity,
               "protected": {"reporter_name": REPORTER, "reporter_phone": PHONE}}),
    );
    assert_eq!(s, 201, "{r}");
    r["id"].as_str().unwrap().to_string()
}

fn transfer(app: &TestApp, from: &Agency, record: &str, to: &Agency, deadline: &str) -> String {
    let (s, t) = app.post(
        &from.token,
        &format!("/api/v1/records/{record}/transfers"),
        json!({"to_agency_id": to.id, "suggestion": "建议谈话函询", "deadline": deadline, "round": "七届市委第八轮巡察"}),
    );
    assert_eq!(s, 201, "{t}");
    t["id"].as_str().unwrap().to_string()
}

/// No protected value or restricted content in any mail, and every mail well-formed.
fn assert_clean(mails: &[Received]) {
    for m in mails {
        m.assert_well_formed();
        for secret in [REPORTER, PHONE, SECRET_BODY] {
            assert!(
                !m.raw.contains(secret) && !m.text.contains(secret) && !m.html.contains(secret),
                "{secret} in {m:#?}"
            );
        }
    }
}

fn to_of(m: &Received) -> Vec<String> {
    let mut to = m.rcpt_to.clone();
    to.sort();
    to
}

fn by_subject<'a>(mails: &'a [Received], needle: &str) -> Vec<&'a Received> {
    mails.iter().filter(|m| m.subject.contains(needle)).collect()
}

/// A second hub instance's delivery loops over the same database, with the digest due now;
/// they stop (and are waited for) when the returned guard goes.
fn digest_instance(app: &TestApp) -> SecondLoops {
    let mut s = app.settings.clone();
    s.mail_digest_time = "00:00".into();
    let loops = guantong::background::Background::new();
    guantong::delivery::spawn(app.pool.clone(), s, &loops).expect("start the second instance's loops");
    SecondLoops(loops)
}

struct SecondLoops(guantong::background::Background);

impl Drop for SecondLoops {
    fn drop(&mut self) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(self.0.stop_and_wait(guantong::app::LOOPS_STOP_WITHIN));
    }
}

fn day_offset(days: i64) -> String {
    (hub_today() + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
}

fn mail_transfer_reaches_the_receiving_agency_by_preference(b: Backend) {
    let smtp = SmtpServer::start();
    let app = mail_app(b, &smtp.url(), |_| {});
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let never = user(&app, &admin, &jw, "jw_never", &["liaison"], Some("never@jiwei.gov.cn"));
    let digest = user(&app, &admin, &jw, "jw_digest", &["reviewer"], Some("digest@jiwei.gov.cn"));
    user(&app, &admin, &jw, "jw_nomail", &["liaison"], None);
    assert_eq!(put_prefs(&app, &never, json!({"transfer.created": "never"})).0, 200);
    assert_eq!(put_prefs(&app, &digest, json!({"transfer.created": "digest"})).0, 200);

    let id = sensitive_clue(&app, &xc, "市住建局违规发放津补贴问题线索", "sensitive");
    transfer(&app, &xc, &id, &jw, "2099-01-31");
    let mails = smtp.exactly(1);
    assert_clean(&mails);
    let m = &mails[0];
    assert_eq!(to_of(m), ["jiwei@example.gov.cn"], "only the immediate user of the receiving agency");
    assert_eq!(m.to, ["jiwei@example.gov.cn"]);
    assert_eq!(m.from, "guantong@hub.example.gov.cn");
    assert_eq!(m.subject, "【贯通】收到移交线索:市住建局违规发放津补贴问题线索");
    assert!(m.text.contains("测试单位xuncha向贵单位移交了一条问题线索"), "{}", m.text);
    assert!(m.text.contains("办理期限:2099-01-31") && m.text.contains("问题类别:廉洁纪律"), "{}", m.text);
    assert!(m.html.contains("七届市委第八轮巡察"), "{}", m.html);

    // The digest user gets it in the next digest; the never user gets nothing at all.
    let _second = digest_instance(&app);
    let mails = smtp.exactly(2);
    assert_clean(&mails);
    let d = &mails[1];
    assert_eq!(to_of(d), ["digest@jiwei.gov.cn"]);
    assert!(d.subject.starts_with("【贯通】每日摘要(") && d.subject.ends_with("1 条待阅信息"), "{}", d.subject);
    assert!(d.text.contains("1. 收到移交线索:市住建局违规发放津补贴问题线索"), "{}", d.text);
}

/// A relay with a certificate from an internal CA: STARTTLS and SMTPS work once the CA is
/// trusted (`smtp_ca_file`), and without it the certificate is refused and nothing is sent.
fn mail_goes_over_tls_to_a_relay_with_an_internal_ca(b: Backend) {
    let ca = TestCa::new();
    for secure in [Secure::StartTls, Secure::Wrapper] {
        let smtp = SmtpServer::start_secure(secure, &ca);
        let ca_file = ca.ca_pem.display().to_string();
        let app = mail_app(b, &smtp.url(), |s| s.smtp_ca_file = Some(ca_file));
        let admin = app.admin_token();
        let xc = app.agency(&admin, "xuncha", "inspection");
        let jw = app.agency(&admin, "jiwei", "discipline");
        let id = sensitive_clue(&app, &xc, "经加密连接发送的线索", "sensitive");
        transfer(&app, &xc, &id, &jw, "2099-01-31");
        let mails = smtp.exactly(1);
        assert_clean(&mails);
        assert_eq!(mails[0].subject, "【贯通】收到移交线索:经加密连接发送的线索", "{secure:?}");
    }
    // Not trusting the internal CA: the certificate is refused, nothing goes out, and the
    // mail stays in the outbox with the reason.
    let smtp = SmtpServer::start_secure(Secure::StartTls, &ca);
    let app = mail_app(b, &smtp.url(), |_| {});
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let id = sensitive_clue(&app, &xc, "证书不受信任时的线索", "sensitive");
    transfer(&app, &xc, &id, &jw, "2099-01-31");
    let started = std::time::Instant::now();
    let error = loop {
        let mut conn = app.pool.get().unwrap();
        let rows: Vec<Option<String>> = guantong::db::schema::mail_outbox::table
            .select(guantong::db::schema::mail_outbox::last_error)
            .load(&mut *conn)
            .unwrap();
        if let Some(Some(e)) = rows.into_iter().next() {
            break e;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "no send attempt recorded");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(error.to_lowercase().contains("certificate") || error.contains("证书"), "{error}");
    assert!(smtp.messages().is_empty());
}

fn mail_returned_and_concluded_go_to_the_sender(b: Backend) {
    let smtp = SmtpServer::start();
    let app = mail_app(b, &smtp.url(), |_| {});
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let first = sensitive_clue(&app, &xc, "线索甲:违规吃喝", "sensitive");
    let second = sensitive_clue(&app, &xc, "线索乙:受限的问题线索", "restricted");
    let t1 = transfer(&app, &xc, &first, &jw, "2099-01-31");
    let t2 = transfer(&app, &xc, &second, &jw, "2099-01-31");
    smtp.wait_for(2);
    let (s, _) = app.post(&jw.token, &format!("/api/v1/transfers/{t1}/return"), json!({"reason": "不属于本单位管辖"}));
    assert_eq!(s, 200);
    for step in ["accept", "start"] {
        assert_eq!(app.post(&jw.token, &format!("/api/v1/transfers/{t2}/{step}"), json!({})).0, 200);
    }
    let (s, c) = app.post(
        &jw.token,
        &format!("/api/v1/transfers/{t2}/conclude"),
        json!({"outcome": "form1", "sanctions": {"disciplinary": 0, "organizational": 1, "judicial": 0}, "summary": "谈话提醒"}),
    );
    assert_eq!(s, 200, "{c}");
    let mails = smtp.exactly(4);
    assert_clean(&mails);
    let received = by_subject(&mails, "收到移交线索");
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|m| to_of(m) == ["jiwei@example.gov.cn"]));
    // A restricted clue's title stays out of mail.
    assert!(received.iter().any(|m| m.subject.contains("受限信息,标题不在邮件中显示")));
    assert!(mails.iter().all(|m| !m.raw.contains("受限的问题线索") && !m.text.contains("受限的问题线索")));

    let returned = by_subject(&mails, "移交的线索被退回");
    assert_eq!(returned.len(), 1);
    assert_eq!(to_of(returned[0]), ["xuncha@example.gov.cn"]);
    assert!(returned[0].subject.ends_with("线索甲:违规吃喝"));
    assert!(returned[0].text.contains("退回理由:不属于本单位管辖"), "{}", returned[0].text);
    let concluded = by_subject(&mails, "移交的线索已办结");
    assert_eq!(concluded.len(), 1);
    assert_eq!(to_of(concluded[0]), ["xuncha@example.gov.cn"]);
    assert!(concluded[0].text.contains("办理单位:测试单位jiwei"), "{}", concluded[0].text);
    assert!(!concluded[0].text.contains("谈话提醒"), "a restricted clue's free text stays out");
}

fn mail_deadline_reminders_come_once(b: Backend) {
    let smtp = SmtpServer::start();
    let app = mail_app(b, &smtp.url(), |_| {});
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let soon = sensitive_clue(&app, &xc, "期限将至的线索", "general");
    let late = sensitive_clue(&app, &xc, "已经逾期的线索", "general");
    let far = sensitive_clue(&app, &xc, "期限尚远的线索", "general");
    let soon_deadline = day_offset(2);
    transfer(&app, &xc, &soon, &jw, &soon_deadline);
    let late_t = transfer(&app, &xc, &late, &jw, "2099-01-31");
    transfer(&app, &xc, &far, &jw, &day_offset(10));
    // The deadline has passed meanwhile (no API moves a deadline into the past).
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query(format!("UPDATE transfers SET deadline = '{}' WHERE id = '{late_t}'", day_offset(-1)))
        .execute(&mut conn)
        .unwrap();
    // 3 transfer mails, 1 deadline soon (receiver), 2 overdue (receiver and sender); the sweep
    // runs on every wake, and sends nothing more.
    let mails = smtp.wait_for(6);
    // A window: the sweep keeps running (every wake) and must send nothing more.
    assert_stays(std::time::Duration::from_secs(2), "six mails, no more from later sweeps", || {
        smtp.messages().len() == 6
    });
    let mails2 = smtp.messages();
    assert_eq!(mails2.len(), 6, "{mails2:#?}");
    assert_clean(&mails);
    let soon_mails = by_subject(&mails2, "线索办理期限将至");
    assert_eq!(soon_mails.len(), 1);
    assert_eq!(to_of(soon_mails[0]), ["jiwei@example.gov.cn"]);
    assert_eq!(soon_mails[0].subject, format!("【贯通】线索办理期限将至({soon_deadline}):期限将至的线索"));
    let overdue = by_subject(&mails2, "线索办理已逾期");
    assert_eq!(overdue.len(), 2);
    let mut who: Vec<String> = overdue.iter().flat_map(|m| to_of(m)).collect();
    who.sort();
    assert_eq!(who, ["jiwei@example.gov.cn", "xuncha@example.gov.cn"]);
    assert!(overdue.iter().all(|m| m.subject.ends_with("已经逾期的线索")));
    assert!(overdue.iter().any(|m| m.text.contains("贵单位移交给测试单位jiwei的问题线索已超过办理期限")));
    // The reminders are events too: the receiver's feed has them.
    let f = expect_status(200, send(app.req(Method::GET, "/api/v1/feed", Some(&jw.token)).query(&[("limit", "500")])));
    let types: Vec<&str> = f["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types.iter().filter(|t| **t == "transfer.deadline_soon").count(), 1, "{types:?}");
    assert_eq!(types.iter().filter(|t| **t == "transfer.overdue").count(), 1, "{types:?}");
}

fn mail_subscription_matches_come_in_one_daily_digest(b: Backend) {
    let smtp = SmtpServer::start();
    let app = mail_app(b, &smtp.url(), |_| {});
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let (s, sub) =
        app.post(&jw.token, "/api/v1/subscriptions", json!({"name": "廉洁纪律线索", "categories": ["廉洁纪律"]}));
    assert_eq!(s, 201, "{sub}");
    for title in ["订阅命中一:公款旅游", "订阅命中二:违规收礼"] {
        let (s, r) = app.post(
            &xc.token,
            "/api/v1/records",
            json!({"kind": "clue", "title": title, "body": SECRET_BODY, "category": "廉洁纪律",
                   "distribution": {"level": "all"}, "sensitivity": "sensitive",
                   "protected": {"reporter_name": REPORTER, "reporter_phone": PHONE}}),
        );
        assert_eq!(s, 201, "{r}");
    }
    // Matches are digest mail by default: the mail loop files both for the digest, and nothing
    // goes out at once (watched for a window after the filing: an absence has no event).
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    eventually(std::time::Duration::from_secs(30), "both matches filed for the digest", || {
        let mut conn = app.pool.get().unwrap();
        let c: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM mail_digest_items").get_result(&mut conn).unwrap();
        c.n >= 2
    });
    assert_stays(std::time::Duration::from_secs(2), "no mail before the digest", || smtp.messages().is_empty());
    assert!(smtp.messages().is_empty(), "{:#?}", smtp.messages());
    let _second = digest_instance(&app);
    let mails = smtp.exactly(1);
    assert_clean(&mails);
    let d = &mails[0];
    assert_eq!(to_of(d), ["jiwei@example.gov.cn"]);
    assert!(d.subject.ends_with("2 条待阅信息"), "{}", d.subject);
    assert!(
        d.text.contains("订阅命中:订阅命中一:公款旅游") && d.text.contains("订阅命中:订阅命中二:违规收礼"),
        "{}",
        d.text
    );
    assert!(d.html.contains("<li>订阅命中:订阅命中二:违规收礼</li>"), "{}", d.html);
    // The day's digest ran: a later match waits for tomorrow's.
    let (s, _) = app.post(
        &xc.token,
        "/api/v1/records",
        json!({"kind": "clue", "title": "订阅命中三", "body": "内容", "category": "廉洁纪律", "distribution": {"level": "all"}}),
    );
    assert_eq!(s, 201);
    smtp.exactly(1);
    let mut conn = app.pool.get().unwrap();
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let runs: N = diesel::sql_query("SELECT COUNT(*) AS n FROM mail_digest_runs").get_result(&mut conn).unwrap();
    assert_eq!(runs.n, 1);
    let waiting: N = diesel::sql_query("SELECT COUNT(*) AS n FROM mail_digest_items WHERE digest_id IS NULL")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(waiting.n, 1, "the third match waits for the next digest");
}

fn mail_disabled_webhook_endpoint_mails_the_agency_admins(b: Backend) {
    let smtp = SmtpServer::start();
    let app = mail_app(b, &smtp.url(), |s| {
        s.webhook_disable_after_secs = 0;
        s.webhook_retry_base_ms = 100;
        s.webhook_retry_cap_ms = 200;
        s.webhook_timeout_ms = 2000;
    });
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let jw_admin = user(&app, &admin, &jw, "jw_admin", &["agency_admin"], Some("admin@jiwei.gov.cn"));
    let closed = format!("http://127.0.0.1:{}/hook", free_port());
    let (s, e) = app.post(&jw_admin, "/api/v1/webhooks", json!({"url": closed, "event_types": ["*"]}));
    assert_eq!(s, 201, "{e}");
    let (s, _) = app.post(
        &jw.token,
        "/api/v1/records",
        json!({"kind": "notice", "title": "通报一则", "body": "内容", "distribution": {"level": "own"}}),
    );
    assert_eq!(s, 201);
    let mails = smtp.exactly(1);
    assert_clean(&mails);
    let m = &mails[0];
    assert_eq!(to_of(m), ["admin@jiwei.gov.cn"], "agency admins only, not the liaison");
    assert_eq!(m.subject, "【贯通】回调地址已被自动停用");
    assert!(m.text.contains(&format!("回调地址:{closed}")), "{}", m.text);
    assert!(m.text.contains("停用原因:") && m.text.contains("连续投递失败"), "{}", m.text);
}

fn mail_is_retried_until_the_smtp_server_is_up(b: Backend) {
    let mut smtp = SmtpServer::stopped(free_port());
    let app = mail_app(b, &smtp.url(), |_| {});
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let id = sensitive_clue(&app, &xc, "服务器停机期间移交的线索", "general");
    transfer(&app, &xc, &id, &jw, "2099-01-31");
    // The send fails (connection refused) and is kept for another attempt.
    #[derive(diesel::QueryableByName, Debug)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        attempts: i32,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        last_error: Option<String>,
    }
    let outbox = || -> Vec<Row> {
        let mut conn = app.pool.get().unwrap();
        // Content mails only: the helpers' set-up admins get activation mails too.
        diesel::sql_query("SELECT status, attempts, last_error FROM mail_outbox WHERE event_type NOT LIKE 'account.%'")
            .load(&mut conn)
            .unwrap()
    };
    let started = std::time::Instant::now();
    while outbox().first().is_none_or(|r| r.attempts < 2) {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "{:?}", outbox());
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let row = &outbox()[0];
    assert_eq!(row.status, "pending");
    assert!(row.last_error.as_deref().is_some_and(|e| e.contains("SMTP")), "{row:?}");
    smtp.up();
    let mails = smtp.exactly(1);
    assert_clean(&mails);
    assert_eq!(to_of(&mails[0]), ["jiwei@example.gov.cn"]);
    assert!(mails[0].subject.ends_with("服务器停机期间移交的线索"));
    let rows = outbox();
    assert_eq!((rows.len(), rows[0].status.as_str()), (1, "sent"), "{rows:?}");
}

fn mail_preferences_api(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let (s, p) = app.get(&jw.token, "/api/v1/me/mail-preferences");
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["email"], "jiwei@example.gov.cn");
    let defaults = json!({"transfer.created": "immediate", "transfer.returned": "immediate", "transfer.concluded": "immediate",
        "transfer.deadline_soon": "immediate", "transfer.overdue": "immediate", "subscription.matched": "digest",
        "webhook.disabled": "immediate", "info_request.created": "immediate", "info_request.reminder": "immediate",
        "info_request.answered": "digest"});
    assert_eq!(p["preferences"], defaults);
    for (body, field) in [
        (json!({"record.created": "immediate"}), "record.created"),
        (json!({"transfer.created": "sometimes"}), "transfer.created"),
        (json!({"transfer.created": "never", "transfer.overdue": 1}), "transfer.overdue"),
    ] {
        let (s, e) = put_prefs(&app, &jw.token, body);
        assert_eq!(s, 422, "{e}");
        assert!(e["errors"].as_array().unwrap().iter().any(|x| x["field"] == field), "{e}");
        assert!(e["errors"][0]["message"].as_str().unwrap().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    }
    assert_eq!(put_prefs(&app, &jw.token, json!([1, 2])).0, 422);
    assert_eq!(app.get(&jw.token, "/api/v1/me/mail-preferences").1["preferences"], defaults, "nothing changed");
    let (s, p) = put_prefs(&app, &jw.token, json!({"transfer.created": "digest", "subscription.matched": "never"}));
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["preferences"]["transfer.created"], "digest");
    assert_eq!(p["preferences"]["subscription.matched"], "never");
    assert_eq!(p["preferences"]["transfer.overdue"], "immediate");
    let audit = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/audit", Some(&admin)).query(&[("action", "mail.preferences")])),
    );
    let entries = audit["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["detail"]["changed"]["transfer.created"], json!({"from": "immediate", "to": "digest"}));
    // An agency system's API key has no mail preferences.
    let key = app.api_key(&admin, &jw, "办案系统");
    assert_eq!(app.get(&key, "/api/v1/me/mail-preferences").0, 403);
}

/// The log of this test process, as JSON lines. The subscriber is global (the server logs
/// from threads the test does not make: actix workers, delivery loops), so the log is this
/// test's alone only in a process that runs nothing else: nextest runs each test in a process
/// of its own, and `install` refuses to capture anywhere else.
#[derive(Clone, Default)]
struct CapturedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLog {
    type Writer = CapturedLog;
    fn make_writer(&'a self) -> CapturedLog {
        self.clone()
    }
}

impl CapturedLog {
    /// The process's log. Only under nextest (one test per process): under `cargo test` the
    /// tests share the process, and another test's lines could pass or fail a log assertion.
    fn install() -> CapturedLog {
        assert_eq!(
            std::env::var("NEXTEST_EXECUTION_MODE").as_deref(),
            Ok("process-per-test"),
            "此测试检查进程日志,须用 cargo nextest 运行(每个测试一个进程) / this test checks the process's log: \
             run it with cargo nextest, which gives each test a process of its own"
        );
        static LOG: std::sync::OnceLock<CapturedLog> = std::sync::OnceLock::new();
        LOG.get_or_init(|| {
            let log = CapturedLog::default();
            let _ = tracing_subscriber::fmt()
                .json()
                .with_max_level(tracing::Level::DEBUG)
                .with_writer(log.clone())
                .try_init();
            log
        })
        .clone()
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).to_string()
    }
    /// Waits until the log holds `needle` (panics after 30 s); returns the log.
    fn wait_for(&self, needle: &str) -> String {
        let started = std::time::Instant::now();
        while !self.text().contains(needle) {
            assert!(started.elapsed() < std::time::Duration::from_secs(30), "{needle} not in the log: {}", self.text());
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        self.text()
    }
}

fn mail_without_smtp_is_logged_and_credentials_never_are(b: Backend) {
    let log = CapturedLog::install();
    // No SMTP configured: the mail is written to the log (recipient, subject) and counts as sent.
    let app = TestApp::spawn_with(b, |s| s.delivery_poll_ms = 100);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let title = format!("日志中的移交线索{b:?}");
    let id = sensitive_clue(&app, &xc, &title, "sensitive");
    transfer(&app, &xc, &id, &jw, "2099-01-31");
    let logs = log.wait_for(&title);
    let line = logs.lines().find(|l| l.contains("仅记录日志") && l.contains(&title)).unwrap();
    let v: Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["fields"]["to"], "jiwei@example.gov.cn", "{line}");
    assert_eq!(v["fields"]["subject"], format!("【贯通】收到移交线索:{title}"), "{line}");
    let mut conn = app.pool.get().unwrap();
    #[derive(diesel::QueryableByName)]
    struct Status {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
    }
    // The send is recorded just after the log line is written.
    let started = std::time::Instant::now();
    let rows = loop {
        let rows: Vec<Status> =
            diesel::sql_query("SELECT status FROM mail_outbox WHERE event_type NOT LIKE 'account.%'")
                .load(&mut conn)
                .unwrap();
        if rows.iter().all(|r| r.status == "sent") || started.elapsed() > std::time::Duration::from_secs(20) {
            break rows;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(), ["sent"], "a logged mail counts as sent");
    // SMTP with credentials, server down: the failure is logged, the password never.
    let password = "SmtpPass-7788-secret";
    let url = format!("smtp://guantong:{password}@127.0.0.1:{}", free_port());
    let app = mail_app(b, &url, |_| {});
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let id = sensitive_clue(&app, &xc, "SMTP 停机时的线索", "sensitive");
    transfer(&app, &xc, &id, &jw, "2099-01-31");
    let logs = log.wait_for("邮件发送失败,稍后重试");
    for secret in [password, REPORTER, PHONE, SECRET_BODY] {
        assert!(!logs.contains(secret), "{secret} reached the log");
    }
}

both!(
    mail_goes_over_tls_to_a_relay_with_an_internal_ca,
    mail_without_smtp_is_logged_and_credentials_never_are,
    mail_transfer_reaches_the_receiving_agency_by_preference,
    mail_returned_and_concluded_go_to_the_sender,
    mail_deadline_reminders_come_once,
    mail_subscription_matches_come_in_one_daily_digest,
    mail_disabled_webhook_endpoint_mails_the_agency_admins,
    mail_is_retried_until_the_smtp_server_is_up,
    mail_preferences_api,
);
