//! Issue 13: what leaves the hub about a public report never carries its reporter. The
//! channel's liaison is mailed the report's number and a link only; the office's own webhook
//! gets the petition record without its protected fields; the request log records no
//! reporter's address or user agent, and neither does the database.

use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::helpers::*;
use crate::public_reports::{cheap, photo_with_location, report, ACCOUNT, PHONE, REPORTER};
use crate::receiver::Receiver;
use crate::rounds::round_in_inspection_with;
use crate::smtp::SmtpServer;

fn mails_and_webhooks_carry_no_reporter(b: Backend) {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let t = round_in_inspection_with(b, move |s| {
        cheap(s);
        s.smtp_url = Some(guantong::config::Secret::new(url));
        s.mail_from = Some("贯通平台 <guantong@hub.example.gov.cn>".into());
        s.delivery_poll_ms = 100;
        s.mail_digest_time = "off".into();
        s.mail_sweep_interval_secs = 0;
    });
    let app = &t.app;
    let office_admin = app.unit_admin(&t.office);
    let (s, liaison) = app.post(
        &office_admin,
        "/api/v1/users",
        json!({"username": "xcb_duty", "password": PASSWORD, "agency_id": t.office.id, "roles": ["liaison"],
               "email": "duty@xcb.example.gov.cn"}),
    );
    assert_eq!(s, 201, "{liaison}");
    let mut hook = Receiver::start();
    let (s, e) = app.post(
        &office_admin,
        "/api/v1/webhooks",
        json!({"url": hook.url(), "event_types": ["record.created", "record.updated"]}),
    );
    assert_eq!(s, 201, "{e}");
    hook.set_secret(e["secret"].as_str().unwrap());
    let today = hub_today();
    let (s, channel) = app.post(
        &t.office.token,
        &format!("/api/v1/inspected-units/{}/report-channels", t.unit["id"].as_str().unwrap()),
        json!({"contact_line": "第一巡察组", "opens_on": today.to_string(),
               "closes_on": (today + chrono::Duration::days(3)).to_string(), "liaison_user_id": liaison["id"]}),
    );
    assert_eq!(s, 201, "{channel}");
    let slug = channel["public_url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let (s, page) = report(
        app,
        &slug,
        &[("account", ACCOUNT), ("name", REPORTER), ("contact", PHONE)],
        &[("p.jpg", "image/jpeg", photo_with_location())],
    );
    assert_eq!(s, 200, "{page}");

    // The round's scaffolding invited the inspected unit's contact (an activation mail):
    // the report's mails are the ones to the liaison, exactly one.
    let to_duty = || -> Vec<crate::smtp::Received> {
        smtp.all_messages().into_iter().filter(|m| m.rcpt_to.iter().any(|r| r.starts_with("duty@"))).collect()
    };
    eventually(std::time::Duration::from_secs(30), "the liaison's mail", || !to_duty().is_empty());
    assert_stays(std::time::Duration::from_millis(1500), "one mail to the liaison", || to_duty().len() == 1);
    let mails = to_duty();
    let m = &mails[0];
    assert_eq!(m.rcpt_to, vec!["duty@xcb.example.gov.cn".to_string()]);
    assert!(m.subject.contains("码上巡察") && m.subject.contains("第1号"), "{}", m.subject);
    assert!(m.text.contains("/public-reports/"), "{}", m.text);
    for part in [&m.subject, &m.text, &m.html] {
        for secret in [REPORTER, PHONE, "危房改造", "优亲厚友"] {
            assert!(!part.contains(secret), "the mail carries {secret}: {part}");
        }
    }

    let got =
        hook.wait_for(30, "the petition's record.created", |got| got.iter().any(|r| r.event_type == "record.created"));
    let created = got.iter().find(|r| r.event_type == "record.created").unwrap();
    let body = created.body.to_string();
    assert!(body.contains("petition"), "{body}");
    assert_eq!(created.body["data"]["record"]["protected"], serde_json::Value::Null, "{body}");
    assert!(!body.contains(REPORTER) && !body.contains(PHONE), "{body}");
    hook.stop();
}
both!(mails_and_webhooks_carry_no_reporter);

/// The request log and the database keep nothing of a reporter's address or user agent: the
/// budgets count a keyed digest of the address.
fn no_reporter_address_or_agent_is_logged_or_stored(b: Backend) {
    const AGENT: &str = "ReporterPhone/9.9 (unique-agent-7f3a)";
    const ADDRESS: &str = "198.51.100.77";
    let server = ServerProcess::start_with_args(
        b,
        &["--demo"],
        &[
            ("GUANTONG_TRUSTED_PROXIES", "[\"127.0.0.1\"]"),
            ("GUANTONG_PUBLIC_CHALLENGE_COST", "10"),
            ("GUANTONG_PUBLIC_CHALLENGE_MAX_COUNTER", "40"),
        ],
    );
    let (s, t) = server.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "xunchaban_liaison", "password": guantong::demo::DEMO_PASSWORD})),
    );
    assert_eq!(s, 200, "{t}");
    let token = t["access_token"].as_str().unwrap().to_string();
    let (s, channels) = server.call(Method::GET, "/api/v1/report-channels", Some(&token), None);
    assert_eq!(s, 200, "{channels}");
    let url = channels[0]["public_url"].as_str().expect("the demo has channels").to_string();
    let path = format!("/public/c/{}", url.rsplit('/').next().unwrap());
    let client = reqwest::blocking::Client::new();
    let form = client
        .get(format!("{}{path}", server.base))
        .header("User-Agent", AGENT)
        .header("X-Forwarded-For", ADDRESS)
        .send()
        .unwrap()
        .text()
        .unwrap();
    let challenge = crate::public_reports::solved(&form);
    let (ct, body) = crate::public_reports::multipart(&[("account", ACCOUNT), ("challenge", &challenge)], &[]);
    let r = client
        .post(format!("{}{path}", server.base))
        .header("User-Agent", AGENT)
        .header("X-Forwarded-For", ADDRESS)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let code = crate::public_reports::receipt_code(&r.text().unwrap());
    let r = client
        .post(format!("{}/public/status", server.base))
        .header("User-Agent", AGENT)
        .header("X-Forwarded-For", ADDRESS)
        .form(&[("code", code.as_str())])
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let database_url = server.database_url.clone();
    // The database, every table: a SQLite file read whole (with its WAL), or PostgreSQL's rows
    // as text.
    let stored = match b {
        Backend::Sqlite => {
            let file = database_url.trim_start_matches("sqlite://");
            let mut bytes = std::fs::read(file).unwrap();
            bytes.extend(std::fs::read(format!("{file}-wal")).unwrap_or_default());
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Backend::Postgres => {
            use diesel::prelude::*;
            let mut conn = diesel::PgConnection::establish(&database_url).unwrap();
            #[derive(QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::Text)]
                t: String,
            }
            let tables: Vec<Row> = diesel::sql_query(
                "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            )
            .load(&mut conn)
            .unwrap();
            let mut all = String::new();
            for tb in tables {
                let rows: Vec<Row> =
                    diesel::sql_query(format!("SELECT x::text AS t FROM \"{}\" x", tb.t)).load(&mut conn).unwrap();
                all.extend(rows.into_iter().map(|r| r.t));
            }
            all
        }
    };
    let log = server.stop();
    assert!(log.contains("/public"), "public requests are logged (without their client): {log}");
    for secret in [AGENT, ADDRESS, &code] {
        assert!(!log.contains(secret), "the log holds {secret}");
    }
    assert!(stored.contains("码上巡察"), "the report is stored");
    for secret in [AGENT, ADDRESS, "unique-agent"] {
        assert!(!stored.contains(secret), "the database holds {secret}");
    }
}
both!(no_reporter_address_or_agent_is_logged_or_stored);
