//! Issue 11, part 3: information requests (函询). Pre-inspection requests (巡前函询) of the
//! inspection office for a round and integrity opinions (党风廉政意见回复) of the organisation
//! department: seen by the asker and the targets only; a target sees its own answers only;
//! answers only about the subjects asked, referring only to records distributed to the asker;
//! status by the hub's calendar; reminders by real mail; the seed's 13 rounds and 99
//! organisations read back from the statistics.

use diesel::RunQueryDsl;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::rounds::round_in_inspection;
use crate::smtp::SmtpServer;
use guantong::config::Secret;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn day(offset: i64) -> String {
    (hub_today() + chrono::Duration::days(offset)).format("%Y-%m-%d").to_string()
}

fn person(app: &TestApp, by: &Agency, name: &str) -> String {
    let o = expect_status(201, app.post(&by.token, "/api/v1/objects", json!({"name": name, "kind": "person"})));
    id(&o)
}

/// A record of `by`, distributed as given; returns its id.
fn record_of(app: &TestApp, by: &Agency, title: &str, distribution: Value) -> String {
    let r = expect_status(
        201,
        app.post(
            &by.token,
            "/api/v1/records",
            json!({"kind": "notice", "title": title, "body": "正文", "distribution": distribution}),
        ),
    );
    id(&r)
}

fn answer(app: &TestApp, by: &Agency, rid: &str, answers: Value) -> (u16, Value) {
    app.post(&by.token, &format!("/api/v1/info-requests/{rid}/answers"), json!({"answers": answers}))
}

/// Moves a request's deadline (no API moves one into the past).
fn set_deadline(app: &TestApp, rid: &str, deadline: &str) {
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query(format!("UPDATE info_requests SET deadline = '{deadline}' WHERE id = '{rid}'"))
        .execute(&mut conn)
        .unwrap();
}

fn export_csv(app: &TestApp, token: &str, rid: &str) -> (u16, String) {
    let resp = app
        .req(Method::GET, &format!("/api/v1/info-requests/{rid}/export"), Some(token))
        .query(&[("format", "csv")])
        .send()
        .unwrap();
    (resp.status().as_u16(), resp.text().unwrap())
}

fn feed_types(app: &TestApp, token: &str) -> Vec<String> {
    let f = expect_status(200, send(app.req(Method::GET, "/api/v1/feed", Some(token)).query(&[("limit", "500")])));
    f["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap().to_string()).collect()
}

/// The pre-inspection request: sent by the office for its own round to chosen member units
/// about the round's units and a leader; each target answers with records distributed to
/// the office; a target sees its own answers only; nobody else sees anything.
fn pre_inspection_requests_are_seen_by_asker_and_targets_only(b: Backend) {
    let t = round_in_inspection(b);
    let (app, rid_round) = (&t.app, id(&t.round));
    let xfj = app.agency(&t.admin, "xfj", "petition");
    let leader = person(app, &t.office, "张明远");
    let stranger = person(app, &t.office, "李暗查");
    let body = |targets: Value, subjects: Value| {
        json!({"kind": "pre_inspection", "title": "关于提供第十三轮被巡察单位有关情况的函", "note": "请于期限内提供掌握的问题线索、信访举报和处分情况",
               "deadline": day(10), "round_id": rid_round, "target_agency_ids": targets, "subject_object_ids": subjects})
    };

    // Negative first: only the office sends, and only for its own round, to member units,
    // about the round's units (and persons).
    assert_eq!(app.post(&t.jiwei.token, "/api/v1/info-requests", body(json!([t.zzb.id]), json!([]))).0, 403);
    assert_eq!(app.post(&t.admin, "/api/v1/info-requests", body(json!([t.zzb.id]), json!([]))).0, 403);
    let other_office = app.agency(&t.admin, "xcb2", "inspection");
    let (s, e) = app.post(&other_office.token, "/api/v1/info-requests", body(json!([t.jiwei.id]), json!([])));
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "round_id");
    assert!(!e.to_string().contains("第十三轮巡察"), "the round's name is not revealed: {e}");
    let elsewhere = app.unit_object(&t.office, "市交通局党组");
    let (s, e) = app.post(
        &t.office.token,
        "/api/v1/info-requests",
        body(json!([t.jiwei.id, t.account.id, t.office.id]), json!([elsewhere])),
    );
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> = e["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["target_agency_ids[1]", "target_agency_ids[2]", "subject_object_ids[0]"], "{e}");

    // The round's two units (by default) and a leader, to 纪委监委 and 信访局.
    let units =
        [t.unit["object_id"].as_str().unwrap().to_string(), t.other_unit["object_id"].as_str().unwrap().to_string()];
    let subjects = json!([units[0], units[1], leader]);
    let req = expect_status(
        201,
        app.post(&t.office.token, "/api/v1/info-requests", body(json!([t.jiwei.id, xfj.id]), subjects)),
    );
    let rid = id(&req);
    assert_eq!(req["side"], "asker");
    assert_eq!(req["subjects"].as_array().unwrap().len(), 3);
    assert_eq!(req["subjects"][0]["name"], "市教育局党组");
    assert_eq!(req["counts"], json!({"targets": 2, "answered": 0, "late": 0, "pending": 2}));

    // Nobody else sees it: not the outsider, not 组织部 (a round participant not asked), not
    // the inspected unit's account, not the hub admin.
    for outsider in [&t.outsider, &t.zzb] {
        let (s, e) = app.get(&outsider.token, &format!("/api/v1/info-requests/{rid}"));
        assert_eq!(s, 404, "{e}");
        assert!(!e.to_string().contains("第十三轮"), "{e}");
        let (_, list) = app.get(&outsider.token, "/api/v1/info-requests");
        assert_eq!(list["items"], json!([]));
        let (_, stats) = app.get(&outsider.token, "/api/v1/info-requests/stats");
        assert_eq!(stats["requests"], 0, "{stats}");
        assert_eq!(export_csv(app, &outsider.token, &rid).0, 404);
        assert_eq!(
            answer(app, outsider, &rid, json!([{"subject_object_id": units[0], "finding": "none_held"}])).0,
            404
        );
        assert!(!feed_types(app, &outsider.token).iter().any(|t| t.starts_with("info_request.")));
    }
    assert_eq!(app.get(&t.account.token, &format!("/api/v1/info-requests/{rid}")).0, 403);
    assert_eq!(app.get(&t.admin, &format!("/api/v1/info-requests/{rid}")).0, 403);
    assert_eq!(app.get(&t.admin, "/api/v1/info-requests").0, 403);

    // Answers refer only to records distributed to the office; a refused one is not named.
    let shared = record_of(
        app,
        &t.jiwei,
        "教育局某科长违规收受礼金问题线索处置情况",
        json!({"level": "agencies", "agencies": [t.office.id]}),
    );
    let kept = record_of(app, &t.jiwei, "纪委内部核查中的绝密线索", json!({"level": "own"}));
    let foreign =
        record_of(app, &t.outsider, "审计局自己的审计报告", json!({"level": "agencies", "agencies": [t.office.id]}));
    let (s, e) = answer(
        app,
        &t.jiwei,
        &rid,
        json!([
        {"subject_object_id": units[0], "finding": "records", "record_ids": [kept]},
        {"subject_object_id": units[1], "finding": "records", "record_ids": [foreign]},
        {"subject_object_id": stranger, "finding": "none_held"}]),
    );
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> = e["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["answers[2].subject_object_id", "answers[0].record_ids[0]", "answers[1].record_ids[0]"], "{e}");
    for secret in ["绝密线索", "审计局自己的审计报告", "李暗查"] {
        assert!(!e.to_string().contains(secret), "{secret} in {e}");
    }
    let (s, e) = answer(app, &t.jiwei, &rid, json!([{"subject_object_id": units[0], "finding": "records"}]));
    assert_eq!((s, e["errors"][0]["field"].as_str()), (422, Some("answers[0].record_ids")), "{e}");
    let (s, e) = answer(app, &t.jiwei, &rid, json!([{"subject_object_id": units[0], "finding": "no_problem"}]));
    assert_eq!((s, e["errors"][0]["field"].as_str()), (422, Some("answers[0].finding")), "{e}");

    let mine = expect_status(
        200,
        answer(
            app,
            &t.jiwei,
            &rid,
            json!([
        {"subject_object_id": units[0], "finding": "records", "note": "已移送线索一条", "record_ids": [shared]},
        {"subject_object_id": units[1], "finding": "none_held"},
        {"subject_object_id": leader, "finding": "none_held"}]),
        ),
    );
    assert_eq!(mine["side"], "target");
    assert_eq!(mine["targets"].as_array().unwrap().len(), 1, "a target sees its own row only: {mine}");
    assert_eq!(mine["targets"][0]["status"], "answered");
    expect_status(
        200,
        answer(
            app,
            &xfj,
            &rid,
            json!([{"subject_object_id": units[0], "finding": "none_held", "note": "信访局未收到相关举报"}]),
        ),
    );
    // The asker cannot answer; a target cannot remind or close.
    assert_eq!(answer(app, &t.office, &rid, json!([{"subject_object_id": units[0], "finding": "none_held"}])).0, 403);
    assert_eq!(app.post(&xfj.token, &format!("/api/v1/info-requests/{rid}/remind"), json!({})).0, 403);
    assert_eq!(app.post(&xfj.token, &format!("/api/v1/info-requests/{rid}/close"), json!({})).0, 403);

    // A target sees its own answers only.
    let (_, v) = app.get(&xfj.token, &format!("/api/v1/info-requests/{rid}"));
    assert_eq!(v["answers"].as_array().unwrap().len(), 1, "{v}");
    assert!(!v.to_string().contains("违规收受礼金") && !v.to_string().contains("已移送线索"), "{v}");
    assert_eq!(v["targets"].as_array().unwrap().len(), 1);
    assert!(!v.to_string().contains(&t.jiwei.id), "nor who else was asked: {v}");
    let (_, csv) = export_csv(app, &xfj.token, &rid);
    assert_eq!(csv.lines().count(), 4, "header + its own three lines: {csv}");
    assert!(!csv.contains("测试单位jiwei"), "{csv}");

    // The asker sees everything; it reads the shared record, not the kept one.
    let (_, v) = app.get(&t.office.token, &format!("/api/v1/info-requests/{rid}"));
    assert_eq!(v["answers"].as_array().unwrap().len(), 4, "{v}");
    assert_eq!(v["counts"], json!({"targets": 2, "answered": 1, "late": 0, "pending": 1}));
    let first = &v["answers"][0];
    assert_eq!(
        (first["finding"].as_str(), first["records"][0]["title"].as_str()),
        (Some("records"), Some("教育局某科长违规收受礼金问题线索处置情况"))
    );
    assert!(!v.to_string().contains("李暗查"), "nobody it did not ask about: {v}");
    assert_eq!(app.get(&t.office.token, &format!("/api/v1/records/{shared}")).0, 200);
    assert_eq!(app.get(&t.office.token, &format!("/api/v1/records/{kept}")).0, 404);
    let (s, csv) = export_csv(app, &t.office.token, &rid);
    assert_eq!(s, 200);
    assert!(csv.starts_with("\u{feff}序号,函询标题,函询类别,被函询单位,函询对象,对象类别,答复状态,答复结论"), "{csv}");
    assert_eq!(csv.lines().count(), 7, "header + 2 targets × 3 subjects: {csv}");
    assert!(csv.contains("测试单位xfj,市水利局党组,单位,待答复"), "{csv}");

    // A record narrowed since is counted, not listed; reading it is 404.
    let (_, r) = app.get(&t.jiwei.token, &format!("/api/v1/records/{shared}"));
    let v1 = r["version"].as_i64().unwrap();
    expect_status(
        200,
        app.patch(&t.jiwei.token, &format!("/api/v1/records/{shared}"), v1, json!({"distribution": {"level": "own"}})),
    );
    let (_, v) = app.get(&t.office.token, &format!("/api/v1/info-requests/{rid}"));
    assert_eq!(
        (v["answers"][0]["records"].clone(), v["answers"][0]["hidden_record_count"].clone()),
        (json!([]), json!(1))
    );
    assert!(!v.to_string().contains("违规收受礼金"), "{v}");
    assert_eq!(app.get(&t.office.token, &format!("/api/v1/records/{shared}")).0, 404);

    // A second answer replaces the first.
    let v = expect_status(
        200,
        answer(app, &t.jiwei, &rid, json!([{"subject_object_id": units[0], "finding": "none_held"}])),
    );
    assert_eq!((v["answers"].as_array().unwrap().len(), v["answers"][0]["revision"].as_i64()), (3, Some(2)));

    // Events are targeted: the targets got `created`, the office `answered`; every write audited.
    assert!(feed_types(app, &xfj.token).contains(&"info_request.created".to_string()));
    assert_eq!(feed_types(app, &t.office.token).iter().filter(|t| *t == "info_request.answered").count(), 3);
    let (_, audit) = app.get(&t.admin, "/api/v1/audit?action=info_request.answer");
    assert_eq!(audit["items"].as_array().unwrap().len(), 5, "{audit}");
    assert!(!audit.to_string().contains("违规收受礼金"), "ids only: {audit}");
    // Their payloads hold ids and states only.
    #[derive(diesel::QueryableByName)]
    struct Payload {
        #[diesel(sql_type = diesel::sql_types::Text)]
        payload: String,
    }
    let mut conn = app.pool.get().unwrap();
    let payloads: Vec<Payload> =
        diesel::sql_query("SELECT payload FROM events WHERE event_type LIKE 'info_request.%'").load(&mut conn).unwrap();
    assert_eq!(payloads.len(), 5, "2 created, 3 answered");
    for p in payloads {
        let keys: Vec<String> =
            serde_json::from_str::<serde_json::Map<String, Value>>(&p.payload).unwrap().keys().cloned().collect();
        assert!(
            keys.iter().all(|k| ["info_request_id", "kind", "agency_id", "answers", "complete"].contains(&k.as_str())),
            "{keys:?}"
        );
    }
    // Lists agree with single reads.
    let (_, sent) = app.get(&t.office.token, "/api/v1/info-requests?direction=sent");
    assert_eq!(sent["items"][0]["id"], rid.as_str());
    let (_, received) = app.get(&t.office.token, "/api/v1/info-requests?direction=received");
    assert_eq!(received["items"], json!([]));
    let (_, list) = app
        .get(&xfj.token, &format!("/api/v1/info-requests?direction=received&kind=pre_inspection&round_id={rid_round}"));
    assert_eq!(list["items"][0]["counts"], json!({"targets": 1, "answered": 0, "late": 0, "pending": 1}), "{list}");
}

both!(pre_inspection_requests_are_seen_by_asker_and_targets_only);

/// The integrity opinion: the organisation department asks the discipline commission about
/// cadres; the commission answers per person; nothing about anyone not asked about; closing
/// ends answers and reminders.
fn integrity_opinions_answer_per_person_and_nothing_else(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let zzb = app.agency(&admin, "zzb", "organization");
    let jiwei = app.agency(&admin, "jiwei", "discipline");
    let shenji = app.agency(&admin, "shenji", "audit");
    let office = app.agency(&admin, "xcb", "inspection");
    let (wang, zhao, sun) =
        (person(&app, &zzb, "王建国"), person(&app, &zzb, "赵立新"), person(&app, &jiwei, "孙秘密"));
    let unit = app.unit_object(&zzb, "市财政局党组");
    let body = |targets: Value, subjects: Value| {
        json!({"kind": "integrity", "title": "关于征求拟提拔干部党风廉政意见的函", "deadline": day(7),
               "target_agency_ids": targets, "subject_object_ids": subjects})
    };
    assert_eq!(app.post(&office.token, "/api/v1/info-requests", body(json!([jiwei.id]), json!([wang]))).0, 403);
    assert_eq!(app.post(&jiwei.token, "/api/v1/info-requests", body(json!([jiwei.id]), json!([wang]))).0, 403);
    let (s, e) = app.post(&zzb.token, "/api/v1/info-requests", body(json!([shenji.id]), json!([wang, unit])));
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> = e["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["target_agency_ids[0]", "subject_object_ids[1]"], "{e}");
    let mut with_round = body(json!([jiwei.id]), json!([wang]));
    with_round["round_id"] = json!(unit);
    assert_eq!(app.post(&zzb.token, "/api/v1/info-requests", with_round).0, 422);
    let mut past = body(json!([jiwei.id]), json!([wang]));
    past["deadline"] = json!(day(-1));
    assert_eq!(app.post(&zzb.token, "/api/v1/info-requests", past).0, 422);

    let req =
        expect_status(201, app.post(&zzb.token, "/api/v1/info-requests", body(json!([jiwei.id]), json!([wang, zhao]))));
    let rid = id(&req);
    let decision =
        record_of(&app, &jiwei, "关于给予王建国党内警告处分的决定", json!({"level": "agencies", "agencies": [zzb.id]}));
    // Negative: a person not asked about is refused and never shown to the asker; a finding
    // of the other kind is refused; "sanctioned" needs its decision.
    let (s, e) = answer(
        &app,
        &jiwei,
        &rid,
        json!([{"subject_object_id": sun, "finding": "sanctioned", "record_ids": [decision]}]),
    );
    assert_eq!((s, e["errors"][0]["field"].as_str()), (422, Some("answers[0].subject_object_id")), "{e}");
    assert!(!e.to_string().contains("孙秘密"));
    let (s, _) = answer(&app, &jiwei, &rid, json!([{"subject_object_id": wang, "finding": "sanctioned"}]));
    assert_eq!(s, 422);
    let (s, _) = answer(&app, &jiwei, &rid, json!([{"subject_object_id": wang, "finding": "none_held"}]));
    assert_eq!(s, 422);

    let v = expect_status(
        200,
        answer(
            &app,
            &jiwei,
            &rid,
            json!([
        {"subject_object_id": wang, "finding": "sanctioned", "note": "2025年受党内警告处分", "record_ids": [decision]},
        {"subject_object_id": zhao, "finding": "under_verification"}]),
        ),
    );
    assert_eq!(v["targets"][0]["status"], "answered");
    let (_, v) = app.get(&zzb.token, &format!("/api/v1/info-requests/{rid}"));
    let findings: Vec<&str> = v["answers"].as_array().unwrap().iter().map(|a| a["finding"].as_str().unwrap()).collect();
    assert_eq!(findings, ["sanctioned", "under_verification"]);
    assert_eq!(v["answers"][0]["records"][0]["record_id"], decision.as_str());
    assert_eq!(app.get(&zzb.token, &format!("/api/v1/records/{decision}")).0, 200);
    let (_, list) = app.get(&zzb.token, "/api/v1/info-requests?kind=integrity");
    let (_, csv) = export_csv(&app, &zzb.token, &rid);
    for shown in [v.to_string(), list.to_string(), csv.clone()] {
        assert!(!shown.contains("孙秘密") && !shown.contains(&sun), "{shown}");
    }
    assert!(csv.contains("王建国,个人,已答复,期内受到处分,2025年受党内警告处分,1,0"), "{csv}");
    let (_, stats) = app.get(&zzb.token, "/api/v1/info-requests/stats?kind=integrity");
    assert_eq!(
        (stats["requests"].as_i64(), stats["persons"].as_i64(), stats["rounds"].as_i64()),
        (Some(1), Some(2), Some(0))
    );
    assert_eq!(stats["counts"], json!({"targets": 1, "answered": 1, "late": 0, "pending": 0}));

    // Closed: no more answers, no reminders; the audit log has the close.
    let v = expect_status(200, app.post(&zzb.token, &format!("/api/v1/info-requests/{rid}/close"), json!({})));
    assert_eq!(v["state"], "closed");
    assert_eq!(answer(&app, &jiwei, &rid, json!([{"subject_object_id": zhao, "finding": "no_problem"}])).0, 409);
    assert_eq!(app.post(&zzb.token, &format!("/api/v1/info-requests/{rid}/remind"), json!({})).0, 409);
    let (_, audit) = app.get(&admin, "/api/v1/audit?action=info_request.close");
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
}

both!(integrity_opinions_answer_per_person_and_nothing_else);

/// Where each target stands, by the hub's calendar: answered (every subject), late (deadline
/// before today and not answered), pending (due today or later).
fn late_and_answered_follow_the_hub_calendar(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let zzb = app.agency(&admin, "zzb", "organization");
    let jw1 = app.agency(&admin, "jiwei", "discipline");
    let jw2 = app.agency(&admin, "jiwei2", "discipline");
    let (a, c) = (person(&app, &zzb, "甲干部"), person(&app, &zzb, "乙干部"));
    let mut ids = Vec::new();
    for deadline in [day(0), day(3)] {
        let req = expect_status(
            201,
            app.post(
                &zzb.token,
                "/api/v1/info-requests",
                json!({"kind": "integrity", "title": format!("期限{deadline}的征求意见函"), "deadline": deadline,
                   "target_agency_ids": [jw1.id, jw2.id], "subject_object_ids": [a, c]}),
            ),
        );
        ids.push(id(&req));
    }
    set_deadline(&app, &ids[1], &day(-1));
    // jw1 answers both subjects of the overdue request, jw2 only one.
    expect_status(
        200,
        answer(
            &app,
            &jw1,
            &ids[1],
            json!([{"subject_object_id": a, "finding": "no_problem"}, {"subject_object_id": c, "finding": "no_problem"}]),
        ),
    );
    expect_status(200, answer(&app, &jw2, &ids[1], json!([{"subject_object_id": a, "finding": "no_problem"}])));
    let (_, today_due) = app.get(&zzb.token, &format!("/api/v1/info-requests/{}", ids[0]));
    let statuses: Vec<&str> =
        today_due["targets"].as_array().unwrap().iter().map(|t| t["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["pending", "pending"], "due today is not late");
    let (_, overdue) = app.get(&zzb.token, &format!("/api/v1/info-requests/{}", ids[1]));
    let by: Vec<(&str, &str)> = overdue["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["agency_id"].as_str().unwrap(), t["status"].as_str().unwrap()))
        .collect();
    assert!(by.contains(&(jw1.id.as_str(), "answered")) && by.contains(&(jw2.id.as_str(), "late")), "{by:?}");
    let (_, stats) = app.get(&zzb.token, "/api/v1/info-requests/stats");
    assert_eq!(stats["counts"], json!({"targets": 4, "answered": 1, "late": 1, "pending": 2}));
    // A target's statistics count its own rows only.
    let (_, stats) = app.get(&jw2.token, "/api/v1/info-requests/stats?direction=received");
    assert_eq!(stats["counts"], json!({"targets": 2, "answered": 0, "late": 1, "pending": 1}));
    // Reminding goes to the unanswered targets only.
    let r = expect_status(200, app.post(&zzb.token, &format!("/api/v1/info-requests/{}/remind", ids[1]), json!({})));
    assert_eq!(r["reminded_agency_ids"], json!([jw2.id]));
    let (_, v) = app.get(&zzb.token, &format!("/api/v1/info-requests/{}", ids[1]));
    let reminded: Vec<i64> =
        v["targets"].as_array().unwrap().iter().map(|t| t["remind_count"].as_i64().unwrap()).collect();
    assert_eq!(reminded.iter().sum::<i64>(), 1);
}

both!(late_and_answered_follow_the_hub_calendar);

/// Reminders go out by real mail to the unanswered targets only: the title, the deadline and
/// a link — no subject's name; the daily sweep reminds an overdue target once.
fn reminders_mail_the_unanswered_targets(b: Backend) {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let t = {
        let app = TestApp::spawn_with(b, move |s| {
            s.smtp_url = Some(Secret::new(url));
            s.mail_from = Some("贯通平台 <guantong@hub.example.gov.cn>".into());
            s.delivery_poll_ms = 100;
            s.mail_digest_time = "off".into();
            s.mail_sweep_interval_secs = 0;
            s.public_url = "https://hub.example.gov.cn".into();
        });
        let admin = app.admin_token();
        (app, admin)
    };
    let (app, admin) = t;
    let office = app.agency(&admin, "xcb", "inspection");
    let jiwei = app.agency(&admin, "jiwei", "discipline");
    let xfj = app.agency(&admin, "xfj", "petition");
    let round = expect_status(201, app.post(&office.token, "/api/v1/rounds",
        json!({"name": "第十三轮巡察", "number": 13, "kind": "regular", "period_start": day(20), "period_end": day(80)})));
    let unit = app.unit_object(&office, "市卫健委党组");
    expect_status(
        201,
        app.post(&office.token, &format!("/api/v1/rounds/{}/units", id(&round)), json!({"object_id": unit})),
    );
    let leader = person(&app, &office, "周卫东");
    let deadline = day(10);
    let req = expect_status(201, app.post(&office.token, "/api/v1/info-requests",
        json!({"kind": "pre_inspection", "title": "关于提供市卫健委有关情况的函", "deadline": deadline, "round_id": id(&round),
               "target_agency_ids": [jiwei.id, xfj.id], "subject_object_ids": [unit, leader]})));
    let rid = id(&req);
    let mails = smtp.exactly(2);
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["jiwei@example.gov.cn", "xfj@example.gov.cn"]);
    assert_eq!(mails[0].subject, "【贯通】收到巡前函询:关于提供市卫健委有关情况的函");

    expect_status(
        200,
        answer(
            &app,
            &jiwei,
            &rid,
            json!([{"subject_object_id": unit, "finding": "none_held"}, {"subject_object_id": leader, "finding": "none_held"}]),
        ),
    );
    let r = expect_status(200, app.post(&office.token, &format!("/api/v1/info-requests/{rid}/remind"), json!({})));
    assert_eq!(r["reminded_agency_ids"], json!([xfj.id]));
    let mails = smtp.exactly(3);
    let m = mails.iter().find(|m| m.subject.contains("催办")).expect("a reminder");
    m.assert_well_formed();
    assert_eq!(m.to, ["xfj@example.gov.cn"]);
    assert_eq!(m.subject, format!("【贯通】巡前函询催办({deadline}到期):关于提供市卫健委有关情况的函"));
    assert!(m.text.contains(&format!("答复期限:{deadline}")), "{}", m.text);
    assert!(m.text.contains(&format!("https://hub.example.gov.cn/info-requests/{rid}")), "{}", m.text);
    for m in &mails {
        for name in ["市卫健委党组", "周卫东"] {
            assert!(!m.raw.contains(name) && !m.text.contains(name) && !m.html.contains(name), "{name} in {m:#?}");
        }
    }

    // Overdue: the sweep reminds the unanswered target once, and nobody else.
    set_deadline(&app, &rid, &day(-1));
    let mails = smtp.wait_for(4);
    assert_stays(std::time::Duration::from_millis(1500), "one overdue reminder, no more", || {
        smtp.messages().len() == 4
    });
    let late = mails.iter().find(|m| m.subject.contains("已逾期")).expect("an overdue reminder");
    assert_eq!(late.to, ["xfj@example.gov.cn"]);
    assert!(feed_types(&app, &xfj.token).iter().filter(|t| *t == "info_request.reminder").count() == 2);
    assert!(!feed_types(&app, &jiwei.token).contains(&"info_request.reminder".to_string()));
}

both!(reminders_mail_the_unanswered_targets);

/// Seed 000 (漯河): pre-inspection requests over 13 rounds concerning 99 inspected party
/// organisations, read back from the statistics exactly — by the office, and by a target
/// over what it received.
fn seed_thirteen_rounds_and_ninety_nine_organisations(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let office = app.agency(&admin, "xcb", "inspection");
    let jiwei = app.agency(&admin, "jiwei", "discipline");
    let zzb = app.agency(&admin, "zzb", "organization");
    let xfj = app.agency(&admin, "xfj", "petition");
    let mut n_unit = 0;
    let mut first = None;
    for round in 1..=13 {
        let r = expect_status(
            201,
            app.post(
                &office.token,
                "/api/v1/rounds",
                json!({"name": format!("七届市委第{round}轮巡察"), "number": round, "kind": "regular",
                   "period_start": day(30), "period_end": day(90)}),
            ),
        );
        let rid = id(&r);
        // 8 rounds of 8 units and 5 of 7: 99 party organisations.
        for _ in 0..(if round <= 8 { 8 } else { 7 }) {
            n_unit += 1;
            let o = app.unit_object(&office, &format!("被巡察党组织{n_unit:03}"));
            expect_status(
                201,
                app.post(&office.token, &format!("/api/v1/rounds/{rid}/units"), json!({"object_id": o})),
            );
        }
        let req = expect_status(201, app.post(&office.token, "/api/v1/info-requests",
            json!({"kind": "pre_inspection", "title": format!("第{round}轮巡前函询"), "deadline": day(14), "round_id": rid,
                   "target_agency_ids": [jiwei.id, zzb.id, xfj.id]})));
        first.get_or_insert_with(|| (id(&req), req["subjects"].clone()));
    }
    assert_eq!(n_unit, 99);
    // 纪委监委 answers the first round in full.
    let (rid, subjects) = first.unwrap();
    let answers: Vec<Value> = subjects
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({"subject_object_id": s["object_id"], "finding": "none_held"}))
        .collect();
    expect_status(200, answer(&app, &jiwei, &rid, json!(answers)));

    let (s, stats) = app.get(&office.token, "/api/v1/info-requests/stats?kind=pre_inspection");
    assert_eq!(s, 200, "{stats}");
    assert_eq!(
        (stats["rounds"].as_i64(), stats["organisations"].as_i64(), stats["requests"].as_i64()),
        (Some(13), Some(99), Some(13))
    );
    assert_eq!(stats["counts"], json!({"targets": 39, "answered": 1, "late": 0, "pending": 38}));
    let (_, stats) = app.get(&jiwei.token, "/api/v1/info-requests/stats?kind=pre_inspection&direction=received");
    assert_eq!((stats["rounds"].as_i64(), stats["organisations"].as_i64()), (Some(13), Some(99)));
    assert_eq!(stats["counts"], json!({"targets": 13, "answered": 1, "late": 0, "pending": 12}));
    let (_, none) = app.get(&office.token, "/api/v1/info-requests/stats?kind=integrity");
    assert_eq!((none["requests"].as_i64(), none["organisations"].as_i64()), (Some(0), Some(0)));
    let (_, page) = app.get(&office.token, "/api/v1/info-requests?limit=10");
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    let (_, rest) = app.get(
        &office.token,
        &format!("/api/v1/info-requests?limit=10&cursor={}", page["next_cursor"].as_str().unwrap()),
    );
    assert_eq!(rest["items"].as_array().unwrap().len(), 3);
}

both!(seed_thirteen_rounds_and_ninety_nine_organisations);
