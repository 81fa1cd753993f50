//! Dates and the hub's time zone: only canonical `YYYY-MM-DD` dates come in, and "today",
//! deadlines, overdue and reminders are days in Asia/Shanghai. The hub's clock is shifted
//! (`clock_offset_secs`) so each test stands at a chosen hour of the UTC day whatever the wall
//! clock says: 17:00 UTC (already tomorrow in Shanghai) and 15:00 UTC (still the same day).

use chrono::{Duration, NaiveDate, Utc};
use diesel::RunQueryDsl;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::transfers::clue;

/// Today's UTC date (D) and a server whose calendar stands at D `hour`:00 UTC.
fn app_at_utc_hour(b: Backend, hour: u32, extra: impl FnOnce(&mut guantong::config::Settings)) -> (TestApp, NaiveDate) {
    let d = Utc::now().date_naive();
    let target = d.and_hms_opt(hour, 0, 0).unwrap().and_utc();
    let offset = (target - Utc::now()).num_seconds();
    let app = TestApp::spawn_with(b, |s| {
        s.clock_offset_secs = offset;
        extra(s);
    });
    (app, d)
}

fn day(d: NaiveDate, plus: i64) -> String {
    (d + Duration::days(plus)).format("%Y-%m-%d").to_string()
}

fn transfer_with(app: &TestApp, from: &Agency, record: &str, to: &Agency, deadline: &str) -> (u16, Value) {
    app.post(
        &from.token,
        &format!("/api/v1/records/{record}/transfers"),
        json!({"to_agency_id": to.id, "suggestion": "建议谈话函询", "deadline": deadline}),
    )
}

fn field_errors(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|e| e.iter().map(|e| e["field"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Sets a transfer's deadline directly (the API refuses past deadlines).
fn set_deadline(app: &TestApp, transfer_id: &str, deadline: &str) {
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query(format!("UPDATE transfers SET deadline = '{deadline}' WHERE id = '{transfer_id}'"))
        .execute(&mut *conn)
        .unwrap();
}

fn ledger(app: &TestApp, a: &Agency, query: &[(&str, &str)]) -> Vec<Value> {
    let (s, l) = send(app.req(Method::GET, "/api/v1/transfers", Some(&a.token)).query(query));
    assert_eq!(s, 200, "{l}");
    l["items"].as_array().unwrap().clone()
}

fn only_canonical_dates_are_accepted(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let id = clue(&app, &xc, "日期格式线索", "内容", &[]);
    for bad in ["2099-1-5", "2099-01-5", "2099/01/05", "2099-01-05T00:00:00Z", "99-01-05", "2099-02-30"] {
        let (s, p) = transfer_with(&app, &xc, &id, &jw, bad);
        assert_eq!((s, field_errors(&p)), (422, vec!["deadline".to_string()]), "{bad}: {p}");
    }
    assert!(ledger(&app, &xc, &[]).is_empty(), "nothing was created");
    let (s, t) = transfer_with(&app, &xc, &id, &jw, "2099-01-05");
    assert_eq!((s, t["deadline"].as_str()), (201, Some("2099-01-05")), "{t}");
    // Ledger, export and statistics periods.
    for (path, field) in [
        ("/api/v1/transfers", "from"),
        ("/api/v1/transfers", "to"),
        ("/api/v1/transfers/export", "from"),
        ("/api/v1/stats/clues", "from"),
        ("/api/v1/stats/clues", "to"),
    ] {
        let (s, p) = send(app.req(Method::GET, path, Some(&xc.token)).query(&[(field, "2026-1-1")]));
        assert_eq!((s, field_errors(&p)), (422, vec![field.to_string()]), "{path}?{field}: {p}");
        let (s, p) = send(app.req(Method::GET, path, Some(&xc.token)).query(&[(field, "2026-01-01")]));
        assert_eq!(s, 200, "{path}?{field}=2026-01-01: {p}");
    }
    // Assignment deadlines of a deliberation.
    let (s, d) = app.post(
        &xc.token,
        "/api/v1/deliberations",
        json!({"record_id": id, "title": "会商", "participant_agency_ids": [jw.id]}),
    );
    assert_eq!(s, 201, "{d}");
    let path = format!("/api/v1/deliberations/{}/assignments", d["id"].as_str().unwrap());
    let (s, p) = app.post(&xc.token, &path, json!({"agency_id": jw.id, "task": "核查", "deadline": "2099-1-1"}));
    assert_eq!((s, field_errors(&p)), (422, vec!["deadline".to_string()]), "{p}");
    let (s, p) = app.post(&xc.token, &path, json!({"agency_id": jw.id, "task": "核查", "deadline": "2099-01-01"}));
    assert_eq!(s, 201, "{p}");
}

/// At 17:00 UTC it is 01:00 tomorrow in Shanghai: the UTC date is already yesterday there.
fn today_is_the_shanghai_day_after_16_utc(b: Backend) {
    let (app, d) = app_at_utc_hour(b, 17, |_| {});
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let id = clue(&app, &xc, "时区线索", "内容", &[]);
    let (s, p) = transfer_with(&app, &xc, &id, &jw, &day(d, 0));
    assert_eq!((s, field_errors(&p)), (422, vec!["deadline".to_string()]), "the UTC date is past in Shanghai: {p}");
    let (s, t) = transfer_with(&app, &xc, &id, &jw, &day(d, 1));
    assert_eq!(s, 201, "today in Shanghai is a valid deadline: {t}");
    let tid = t["id"].as_str().unwrap();
    assert_eq!(t["overdue"], false, "due at the end of today");
    // Due yesterday (the UTC date): overdue in the ledger, its filter and the statistics.
    set_deadline(&app, tid, &day(d, 0));
    let items = ledger(&app, &jw, &[("direction", "in")]);
    assert_eq!(items[0]["overdue"], true, "{items:?}");
    assert_eq!(ledger(&app, &jw, &[("overdue", "true")]).len(), 1);
    assert!(ledger(&app, &jw, &[("overdue", "false")]).is_empty());
    let st = expect_status(200, app.get(&jw.token, "/api/v1/stats/clues"));
    assert_eq!(st["overdue"], 1, "{st}");
    let csv = app.req(Method::GET, "/api/v1/transfers/export", Some(&jw.token)).send().unwrap().text().unwrap();
    assert!(csv.lines().nth(1).unwrap().contains(",是,"), "overdue in the ledger file: {csv}");
}

/// At 15:00 UTC it is 23:00 the same day in Shanghai: the UTC date is still today there.
fn before_16_utc_the_day_is_the_same(b: Backend) {
    let (app, d) = app_at_utc_hour(b, 15, |_| {});
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let id = clue(&app, &xc, "时区线索", "内容", &[]);
    let (s, p) = transfer_with(&app, &xc, &id, &jw, &day(d, -1));
    assert_eq!((s, field_errors(&p)), (422, vec!["deadline".to_string()]), "{p}");
    let (s, t) = transfer_with(&app, &xc, &id, &jw, &day(d, 0));
    assert_eq!(s, 201, "{t}");
    assert_eq!(t["overdue"], false);
    assert!(ledger(&app, &jw, &[("overdue", "true")]).is_empty());
    let st = expect_status(200, app.get(&jw.token, "/api/v1/stats/clues"));
    assert_eq!((st["overdue"].as_i64(), st["transferred"].as_i64()), (Some(0), Some(1)), "{st}");
}

/// The ledger's and the statistics' periods are days in Shanghai: a transfer made at 17:30
/// UTC on D belongs to D+1.
fn periods_are_shanghai_days(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let id = clue(&app, &xc, "期间线索", "内容", &[]);
    let t = expect_status(201, transfer_with(&app, &xc, &id, &jw, "2099-01-05"));
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query(format!(
        "UPDATE transfers SET created_at = '2026-03-09T17:30:00.000000Z' WHERE id = '{}'",
        t["id"].as_str().unwrap()
    ))
    .execute(&mut *conn)
    .unwrap();
    assert_eq!(ledger(&app, &xc, &[("from", "2026-03-10"), ("to", "2026-03-10")]).len(), 1);
    assert!(ledger(&app, &xc, &[("from", "2026-03-09"), ("to", "2026-03-09")]).is_empty());
    let stats = |from: &str| {
        let (s, st) =
            send(app.req(Method::GET, "/api/v1/stats/clues", Some(&xc.token)).query(&[("from", from), ("to", from)]));
        assert_eq!(s, 200, "{st}");
        st["transferred"].as_i64().unwrap()
    };
    assert_eq!((stats("2026-03-10"), stats("2026-03-09")), (1, 0));
}

/// The deadline sweep judges overdue by the Shanghai day too.
fn reminders_use_the_shanghai_day(b: Backend) {
    for (hour, overdue) in [(17, true), (15, false)] {
        let (app, d) = app_at_utc_hour(b, hour, |s| {
            s.mail_sweep_interval_secs = 0;
            s.delivery_poll_ms = 50;
        });
        let admin = app.admin_token();
        let xc = app.agency(&admin, "xuncha", "inspection");
        let jw = app.agency(&admin, "jiwei", "discipline");
        let id = clue(&app, &xc, "提醒线索", "内容", &[]);
        let (s, t) = transfer_with(&app, &xc, &id, &jw, &day(d, 1));
        assert_eq!(s, 201, "{t}");
        set_deadline(&app, t["id"].as_str().unwrap(), &day(d, 0));
        // Another record wakes the loops; the sweep runs on every wake.
        clue(&app, &xc, "唤醒", "内容", &[]);
        let types = || -> Vec<String> {
            let f = expect_status(
                200,
                send(app.req(Method::GET, "/api/v1/feed", Some(&jw.token)).query(&[("limit", "500")])),
            );
            f["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap().to_string()).collect()
        };
        let started = std::time::Instant::now();
        let expect = if overdue { "transfer.overdue" } else { "transfer.deadline_soon" };
        while !types().iter().any(|t| t == expect) {
            assert!(started.elapsed().as_secs() < 20, "at {hour}:00 UTC: no {expect} in {:?}", types());
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert_eq!(types().iter().any(|t| t == "transfer.overdue"), overdue, "at {hour}:00 UTC: {:?}", types());
    }
}

both!(
    only_canonical_dates_are_accepted,
    today_is_the_shanghai_day_after_16_utc,
    before_16_utc_the_day_is_the_same,
    periods_are_shanghai_days,
    reminders_use_the_shanghai_day,
);
