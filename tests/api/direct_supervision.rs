//! Issue 11, part 8: post-inspection direct supervision (巡后直督, seed 000 漯河). The round's
//! office sets up a campaign after the feedback — a window of about a month, a team of member
//! units, the units it covers; its statistics count the covered units' problems rectified and
//! transferred clues concluded within the window, as exact counts and whole-percent rates
//! (rounded half up). A campaign is seen by the round's office, its participants and the
//! campaign's team — numbers only, never a finding's title — and by nobody else.

use chrono::{Duration, NaiveDate};
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::evaluation::events_like;
use crate::helpers::*;
use crate::rounds::{round_in_inspection, Round};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn day(d: NaiveDate, plus: i64) -> String {
    (d + Duration::days(plus)).format("%Y-%m-%d").to_string()
}

fn today() -> NaiveDate {
    hub_today()
}

fn fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|e| e.iter().map(|e| e["field"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn stage(t: &Round, stage: &str) {
    let path = format!("/api/v1/rounds/{}/stage", id(&t.round));
    expect_status(200, t.app.post(&t.office.token, &path, json!({"stage": stage})));
}

/// A finding of `kind` in the unit, kept to the office; returns its record id.
fn finding(app: &TestApp, office: &Agency, unit: &str, kind: &str, title: &str) -> String {
    let f = expect_status(
        201,
        app.post(
            &office.token,
            &format!("/api/v1/inspected-units/{unit}/findings"),
            json!({"kind": kind, "title": title}),
        ),
    );
    f["record_id"].as_str().unwrap().to_string()
}

fn transfer(app: &TestApp, office: &Agency, record: &str, to: &Agency) -> String {
    let body = json!({"to_agency_id": to.id, "suggestion": "建议初核", "deadline": "2099-12-31"});
    id(&expect_status(201, app.post(&office.token, &format!("/api/v1/records/{record}/transfers"), body)))
}

fn step(app: &TestApp, by: &Agency, transfer: &str, action: &str) -> Value {
    let body = match action {
        "conclude" => {
            json!({"outcome": "cleared", "sanctions": {"disciplinary": 0, "organizational": 0, "judicial": 0},
                             "summary": "经初核予以了结"})
        }
        "return" => json!({"reason": "不属于本单位管辖"}),
        "feedback" => json!({"note": "已反馈"}),
        _ => json!({}),
    };
    expect_status(200, app.post(&by.token, &format!("/api/v1/transfers/{transfer}/{action}"), body))
}

fn conclude(app: &TestApp, by: &Agency, transfer: &str) {
    for action in ["accept", "start", "conclude"] {
        step(app, by, transfer, action);
    }
}

fn campaign_body(name: &str, from: &str, to: &str, team: &[&str], units: &[&str]) -> Value {
    json!({"name": name, "window_start": from, "window_end": to, "team_agency_ids": team, "inspected_unit_ids": units})
}

/// Who sees a campaign: the office, the participants and the team (督查局 is on the team but
/// not on the round); an outsider gets 404 and an empty list, the hub admin and the unit's
/// account 403. The statistics are numbers: no finding's title reaches the team.
fn a_campaign_is_seen_by_the_office_participants_and_team_only(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let dcj = app.agency(&t.admin, "dcj", "supervision_office");
    let (unit, other) = (id(&t.unit), id(&t.other_unit));
    let problem_title = "教育局违规发放津补贴问题";
    let clue_title = "反映某校长挪用专项经费的线索";
    finding(app, &t.office, &unit, "problem", problem_title);
    let clue = finding(app, &t.office, &unit, "clue", clue_title);
    transfer(app, &t.office, &clue, &t.jiwei);
    let path = format!("/api/v1/rounds/{}/supervision-campaigns", id(&t.round));
    let (from, to) = (day(today(), 0), day(today(), 29));
    let body = campaign_body("第十三轮巡后直督", &from, &to, &[&t.jiwei.id, &t.zzb.id, &dcj.id], &[&unit, &other]);

    // Negative first: not before the feedback; only the office; nobody else learns of the round.
    let (s, e) = app.post(&t.office.token, &path, body.clone());
    assert_eq!(s, 409, "{e}");
    stage(&t, "feedback");
    assert_eq!(app.post(&t.jiwei.token, &path, body.clone()).0, 403);
    assert_eq!(app.post(&t.admin, &path, body.clone()).0, 403);
    let (s, e) = app.post(&t.outsider.token, &path, body.clone());
    assert_eq!(s, 404, "{e}");
    assert!(!e.to_string().contains("第十三轮"), "{e}");
    // Every field error at once: the window's order, a unit of no round, an account as a
    // team member, a team of no round.
    let stranger = "00000000-0000-4000-8000-000000000000";
    let bad = json!({"name": "直督", "window_start": to, "window_end": from, "team_agency_ids": [t.account.id],
                     "team_ids": [stranger], "inspected_unit_ids": [unit, stranger]});
    let (s, e) = app.post(&t.office.token, &path, bad);
    assert_eq!(s, 422, "{e}");
    assert_eq!(fields(&e), ["window_end", "team_agency_ids[0]", "team_ids[0]", "inspected_unit_ids[1]"], "{e}");
    let (s, e) = app.post(&t.office.token, &path, campaign_body("直督", &from, &to, &[], &[&unit]));
    assert_eq!((s, fields(&e)), (422, vec!["team_agency_ids".to_string()]), "{e}");
    let team_id = t.round["teams"][0]["id"].clone();
    let mut ok = body.clone();
    ok["team_ids"] = json!([team_id]);
    let c = expect_status(201, app.post(&t.office.token, &path, ok));
    let cid = id(&c);
    assert_eq!(c["team_ids"], json!([team_id]));
    assert_eq!(app.post(&t.office.token, &path, body).0, 422, "the same name twice in a round");

    // Seen by the office, the participants and the team member who is not on the round.
    for a in [&t.office, &t.jiwei, &t.zzb, &dcj] {
        let v = expect_status(200, app.get(&a.token, &format!("/api/v1/supervision-campaigns/{cid}")));
        assert_eq!((v["stats"]["problems"].as_i64(), v["stats"]["clues"].as_i64()), (Some(1), Some(1)), "{v}");
        let list = expect_status(200, app.get(&a.token, "/api/v1/supervision-campaigns"));
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    }
    // Numbers only: 督查局 reads neither finding, and the campaign names neither.
    let v = expect_status(200, app.get(&dcj.token, &format!("/api/v1/supervision-campaigns/{cid}")));
    assert!(!v.to_string().contains(problem_title) && !v.to_string().contains(clue_title), "{v}");
    assert_eq!(app.get(&dcj.token, &format!("/api/v1/records/{clue}")).0, 404);
    assert_eq!(app.get(&dcj.token, &format!("/api/v1/rounds/{}", id(&t.round))).0, 404);
    let (s, csv) = text(app.req(Method::GET, &format!("/api/v1/supervision-campaigns/{cid}/export"), Some(&dcj.token)));
    assert_eq!(s, 200);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "序号,被巡察单位,问题数,督查期内整改,问题整改率(%),移交线索数,督查期内办结,线索办结率(%)");
    assert_eq!(lines[1], "1,市教育局党组,1,0,0,1,0,0");
    assert_eq!(lines[2], "2,市水利局党组,0,0,,0,0,");
    assert_eq!(lines[3], ",合计,1,0,0,1,0,0");
    assert!(!csv.contains(problem_title) && !csv.contains(clue_title));

    // Nobody else: an outsider 404 and an empty list, the admin and the unit's account 403.
    let (s, e) = app.get(&t.outsider.token, &format!("/api/v1/supervision-campaigns/{cid}"));
    assert_eq!(s, 404, "{e}");
    assert!(!e.to_string().contains("第十三轮"), "{e}");
    assert_eq!(app.get(&t.outsider.token, &format!("/api/v1/supervision-campaigns/{cid}/export")).0, 404);
    let list = expect_status(200, app.get(&t.outsider.token, "/api/v1/supervision-campaigns"));
    assert_eq!(list["items"], json!([]));
    for token in [&t.admin, &t.account.token] {
        assert_eq!(app.get(token, &format!("/api/v1/supervision-campaigns/{cid}")).0, 403);
        assert_eq!(app.get(token, "/api/v1/supervision-campaigns").0, 403);
    }

    // The team was told, by ids only; the office itself and the outsider were not.
    let events = events_like(app, "supervision_campaign.%");
    let mut targets: Vec<&str> = events.iter().map(|e| e.target_agency_id.as_deref().unwrap()).collect();
    targets.sort();
    let mut want = vec![t.jiwei.id.as_str(), t.zzb.id.as_str(), dcj.id.as_str()];
    want.sort();
    assert_eq!(targets, want);
    for e in &events {
        let payload: Value = serde_json::from_str(&e.payload).unwrap();
        let keys: Vec<&str> = payload.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["campaign_id", "round_id"]);
    }
}

fn text(r: reqwest::blocking::RequestBuilder) -> (u16, String) {
    let resp = r.send().unwrap();
    (resp.status().as_u16(), resp.text().unwrap())
}

/// The clue half: a clue counts when it was transferred (not returned), and as concluded
/// within the window when every live transfer of it is concluded (or closed after feedback),
/// the last inside the window. Clues of units the campaign does not cover do not count.
fn clues_count_when_every_live_transfer_concluded_within_the_window(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let (unit, other) = (id(&t.unit), id(&t.other_unit));
    let concluded = finding(app, &t.office, &unit, "clue", "甲线索:违规收受礼金");
    let half = finding(app, &t.office, &unit, "clue", "乙线索:插手工程招投标");
    let returned = finding(app, &t.office, &unit, "clue", "丙线索:公车私用");
    let _kept = finding(app, &t.office, &unit, "clue", "丁线索:未移交的线索");
    let closed = finding(app, &t.office, &unit, "clue", "戊线索:违规发放补贴");
    let elsewhere = finding(app, &t.office, &other, "clue", "己线索:水利局项目资金");
    finding(app, &t.office, &unit, "problem", "庚问题:三重一大制度执行不到位");
    conclude(app, &t.jiwei, &transfer(app, &t.office, &concluded, &t.jiwei));
    conclude(app, &t.jiwei, &transfer(app, &t.office, &half, &t.jiwei));
    step(app, &t.zzb, &transfer(app, &t.office, &half, &t.zzb), "accept");
    step(app, &t.jiwei, &transfer(app, &t.office, &returned, &t.jiwei), "return");
    let tr = transfer(app, &t.office, &closed, &t.zzb);
    conclude(app, &t.zzb, &tr);
    step(app, &t.zzb, &tr, "feedback");
    conclude(app, &t.jiwei, &transfer(app, &t.office, &elsewhere, &t.jiwei));
    stage(&t, "feedback");

    let path = format!("/api/v1/rounds/{}/supervision-campaigns", id(&t.round));
    let create = |name: &str, from: i64, to: i64| {
        let body = campaign_body(name, &day(today(), from), &day(today(), to), &[&t.jiwei.id], &[&unit]);
        expect_status(201, app.post(&t.office.token, &path, body))
    };
    // The month around today: 甲 and 戊 concluded within it, 乙 still open at 组织部, 丙 returned
    // (not a transferred clue), 丁 never transferred, 己 not covered. 2 of 3 → 67 %.
    let now = create("本月直督", -15, 15);
    let want = json!({"problems": 1, "rectified_in_window": 0, "rectification_rate_percent": 0,
                      "clues": 3, "concluded_in_window": 2, "clue_closure_rate_percent": 67});
    let mut stats = now["stats"].clone();
    let by_unit = stats.as_object_mut().unwrap().remove("by_unit").unwrap();
    assert_eq!(stats, want);
    assert_eq!(by_unit.as_array().unwrap().len(), 1);
    assert_eq!(by_unit[0]["object_name"], "市教育局党组");
    // A window that ended yesterday, or starts tomorrow, saw none of it.
    for (name, from, to) in [("上月直督", -31, -1), ("下月直督", 1, 30)] {
        let c = create(name, from, to);
        assert_eq!(c["stats"]["clues"], 3);
        assert_eq!(c["stats"]["concluded_in_window"], 0, "{name}");
        assert_eq!(c["stats"]["clue_closure_rate_percent"], 0, "{name}");
    }
    // Paged, newest first; by round.
    let page = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/supervision-campaigns", Some(&t.jiwei.token)).query(&[("limit", "2")])),
    );
    let names: Vec<&str> = page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["下月直督", "上月直督"]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let next = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/supervision-campaigns", Some(&t.jiwei.token)).query(&[
            ("limit", "2"),
            ("cursor", cursor),
            ("round_id", &id(&t.round)),
        ])),
    );
    assert_eq!(next["items"][0]["name"], "本月直督");
    assert!(next["next_cursor"].is_null());
}

both!(
    a_campaign_is_seen_by_the_office_participants_and_team_only,
    clues_count_when_every_live_transfer_concluded_within_the_window
);

/// Runs `f` on every item on a few threads (the server serialises the writes; the threads
/// only keep it busy).
fn par<T: Send>(items: Vec<T>, f: impl Fn(T) + Sync) {
    let queue = std::sync::Mutex::new(items.into_iter());
    std::thread::scope(|s| {
        for _ in 0..6 {
            s.spawn(|| loop {
                let next = queue.lock().unwrap().next();
                match next {
                    Some(item) => f(item),
                    None => break,
                }
            });
        }
    });
}

/// The inspected units of 漯河's round (one city round's worth of units).
const LUOHE_UNITS: [&str; 8] = [
    "市教育局党组",
    "临颍县委",
    "市住建局党组",
    "市卫健委党组",
    "市交通运输局党组",
    "市农业农村局党组",
    "市水利局党组",
    "市城管局党组",
];

/// Words to make each finding's title its own (the hub flags similar clues; these are not).
const MATTERS: [&str; 12] = [
    "违规发放津补贴",
    "工程项目未公开招标",
    "公车私用",
    "专项资金挪用",
    "三重一大制度执行不到位",
    "违规收受礼金",
    "虚报冒领补助",
    "超标准接待",
    "选人用人不规范",
    "基层党组织软弱涣散",
    "整改台账弄虚作假",
    "惠民政策落实不到位",
];

/// Seed 000 (漯河): a direct-supervision campaign over a round's eight units — 1,183 problems
/// found, 804 of them rectified within the month (every ledger item closed by 对账销号):
/// 804 / 1,183 = 67.96 % → 68 %; 344 clues found and transferred, 220 of them concluded within
/// the month: 220 / 344 = 63.95 % → 64 %. The units have no accounts of their own, so the
/// office records their papers (signature, plan, progress), as the rectification API allows.
fn luohe_direct_supervision_counts_the_seed_figures(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let office = app.agency(&admin, "lhxcb", "inspection");
    let jiwei = app.agency(&admin, "lhjw", "discipline");
    let zzb = app.agency(&admin, "lhzzb", "organization");
    let dcj = app.agency(&admin, "lhdcj", "supervision_office");
    let round = expect_status(
        201,
        app.post(
            &office.token,
            "/api/v1/rounds",
            json!({"name": "七届市委第八轮巡察", "number": 8, "kind": "regular", "period_start": "2026-03-01",
                   "period_end": "2026-05-31", "participant_agency_ids": [jiwei.id, zzb.id]}),
        ),
    );
    let rid = id(&round);
    let units: Vec<String> = LUOHE_UNITS
        .iter()
        .map(|name| {
            let object = app.unit_object(&office, name);
            id(&expect_status(
                201,
                app.post(&office.token, &format!("/api/v1/rounds/{rid}/units"), json!({"object_id": object})),
            ))
        })
        .collect();
    expect_status(200, app.post(&office.token, &format!("/api/v1/rounds/{rid}/stage"), json!({"stage": "inspection"})));

    // 1,183 problems and 344 clues, spread over the units.
    let title = |kind: &str, n: usize| format!("{}{}{}(第{n}项)", LUOHE_UNITS[n % 8], MATTERS[n % 12], kind);
    let problems = std::sync::Mutex::new(vec![Vec::new(); 8]);
    par((0..1183).collect(), |n| {
        let body = json!({"kind": "problem", "title": title("问题", n)});
        let path = format!("/api/v1/inspected-units/{}/findings", units[n % 8]);
        let f = expect_status(201, app.post(&office.token, &path, body));
        problems.lock().unwrap()[n % 8].push(id(&f));
    });
    let problems = problems.into_inner().unwrap();
    let clues = std::sync::Mutex::new(Vec::new());
    par((0..344).collect(), |n| {
        let record = finding(&app, &office, &units[n % 8], "clue", &title("问题线索", n));
        clues.lock().unwrap().push((n, record));
    });
    // Every clue is transferred to 纪委监委; 220 are concluded (办结), the rest still in hand.
    par(clues.into_inner().unwrap(), |(n, record)| {
        let tr = transfer(&app, &office, &record, &jiwei);
        if n < 220 {
            conclude(&app, &jiwei, &tr);
        } else if n % 2 == 0 {
            step(&app, &jiwei, &tr, "accept");
        }
    });
    expect_status(200, app.post(&office.token, &format!("/api/v1/rounds/{rid}/stage"), json!({"stage": "feedback"})));

    // The feedback to each unit, signed by the three parties; the plans, approved by 纪委监委
    // and 组织部, become the ledger; 804 items (101 in four units, 100 in four) are closed.
    for (unit, findings) in units.iter().zip(&problems) {
        let listed: Vec<Value> = findings.iter().map(|f| json!({"finding_id": f})).collect();
        let path = format!("/api/v1/inspected-units/{unit}/feedback");
        expect_status(201, app.post(&office.token, &path, json!({"summary": "巡察反馈意见", "problems": listed})));
        for (party, name) in [("unit_head", "王书记"), ("team_leader", "李组长"), ("office_director", "赵主任")]
        {
            let body = json!({"party": party, "signer_name": name});
            expect_status(200, app.post(&office.token, &format!("{path}/signatures"), body));
        }
    }
    expect_status(
        200,
        app.post(&office.token, &format!("/api/v1/rounds/{rid}/stage"), json!({"stage": "rectification"})),
    );
    par(units.iter().zip(&problems).enumerate().collect(), |(u, (unit, findings))| {
        let path = format!("/api/v1/inspected-units/{unit}/plans");
        let plan = expect_status(201, app.post(&office.token, &path, crate::rectification::plan_body(findings)));
        for reviewer in [&jiwei, &zzb] {
            let path = format!("/api/v1/rectification-plans/{}/reviews", id(&plan));
            expect_status(200, app.post(&reviewer.token, &path, json!({"verdict": "approve"})));
        }
        let items = expect_status(200, app.get(&office.token, &format!("/api/v1/inspected-units/{unit}/items")));
        let done: Vec<String> = items.as_array().unwrap()[..if u < 4 { 101 } else { 100 }].iter().map(id).collect();
        let batch = format!("/api/v1/inspected-units/{unit}/items/steps");
        for (step, note) in [("submit", "整改完成"), ("close", "对账销号")] {
            let body = json!({"step": step, "note": note, "item_ids": done});
            expect_status(200, app.post(&office.token, &batch, body));
        }
    });

    // The month's campaign by 纪委监委, 组织部 and 督查局 over every unit.
    let body = campaign_body(
        "七届市委第八轮巡察巡后直督",
        &day(today(), -10),
        &day(today(), 19),
        &[&jiwei.id, &zzb.id, &dcj.id],
        &units.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let c = expect_status(201, app.post(&office.token, &format!("/api/v1/rounds/{rid}/supervision-campaigns"), body));
    let stats =
        expect_status(200, app.get(&dcj.token, &format!("/api/v1/supervision-campaigns/{}", id(&c))))["stats"].clone();
    assert_eq!(stats["problems"], 1183, "{stats}");
    assert_eq!(stats["rectified_in_window"], 804);
    assert_eq!(stats["rectification_rate_percent"], 68);
    assert_eq!(stats["clues"], 344);
    assert_eq!(stats["concluded_in_window"], 220);
    assert_eq!(stats["clue_closure_rate_percent"], 64);
    let sum =
        |field: &str| -> i64 { stats["by_unit"].as_array().unwrap().iter().map(|u| u[field].as_i64().unwrap()).sum() };
    assert_eq!((sum("problems"), sum("rectified_in_window")), (1183, 804));
    assert_eq!((sum("clues"), sum("concluded_in_window")), (344, 220));
}

both!(luohe_direct_supervision_counts_the_seed_figures);

/// The pages, in a real Chromium: the office sets up a campaign from the round's page; 督查局,
/// on the team but not on the round, finds it under 巡后直督 and reads the two rates as a chart
/// and the per-unit table — numbers, no finding's title; an outsider gets the not-found page.
fn campaign_pages_in_the_browser(b: Backend) {
    use crate::browser::Browser;
    use crate::web_http::get_page_status;
    let t = round_in_inspection(b);
    let app = &t.app;
    let dcj = app.agency(&t.admin, "dcj", "supervision_office");
    let unit = id(&t.unit);
    let secret = "反映某副局长插手工程招投标的线索";
    let clue = finding(app, &t.office, &unit, "clue", secret);
    conclude(app, &t.jiwei, &transfer(app, &t.office, &clue, &t.jiwei));
    finding(app, &t.office, &unit, "clue", "另一条尚在办理的线索");
    let open = finding(app, &t.office, &unit, "clue", "第三条线索");
    transfer(app, &t.office, &open, &t.jiwei);
    finding(app, &t.office, &unit, "problem", "教育局违规发放津补贴问题");
    stage(&t, "feedback");

    let office = Browser::open(&app.base);
    office.sign_in("xcb_user", PASSWORD);
    office.goto(&format!("/rounds/{}", id(&t.round)));
    office.click(&format!("a[href='/rounds/{}/supervision-campaigns']", id(&t.round)));
    office.assert_console_clean("巡后直督列表");
    office.fill("#c-name", "第十三轮巡后直督");
    office.script(&format!("document.getElementById('c-start').value = '{}'", day(today(), -5)));
    office.script(&format!("document.getElementById('c-end').value = '{}'", day(today(), 24)));
    for a in [&t.jiwei, &t.zzb, &dcj] {
        office.script(&format!("document.getElementById('ct-{}').checked = true", a.id));
    }
    office.script(&format!("document.getElementById('cu-{unit}').checked = true"));
    office.click("form[action$='/supervision-campaigns'] button[type=submit]");
    let cid = office.path().strip_prefix("/supervision-campaigns/").expect("on the campaign's page").to_string();
    office.assert_console_clean("巡后直督");

    let team = Browser::open(&app.base);
    team.sign_in("dcj_user", PASSWORD);
    team.goto("/rounds");
    team.click("a[href='/supervision-campaigns']");
    team.click(&format!("a[href='/supervision-campaigns/{cid}']"));
    let main = team.text("main");
    assert!(main.contains("2 件移交线索,督查期内办结 1 件,办结率 50%"), "{main}");
    assert!(main.contains("1 个问题,督查期内整改 0 个,整改率 0%"), "{main}");
    assert!(!team.source().contains(secret), "numbers only");
    let bars = team.script(
        "return Array.from(document.querySelectorAll('#campaign-rates-chart [data-label]')).map(g => g.getAttribute('data-label') + '=' + g.getAttribute('data-value'))",
    );
    assert_eq!(bars, json!(["问题整改率=0%", "线索办结率=50%"]));
    assert!(team.text("#campaign-units").contains("市教育局党组"));
    team.assert_console_clean("督查局看巡后直督");
    team.script("document.getElementById('campaign-rates-h').scrollIntoView()");
    team.screenshot("supervision_campaign");
    let outsider = Browser::open(&app.base);
    outsider.sign_in("shenji_user", PASSWORD);
    assert_eq!(get_page_status(app, &outsider, &format!("/supervision-campaigns/{cid}")), 404);
    assert_eq!(get_page_status(app, &outsider, &format!("/rounds/{}/supervision-campaigns", id(&t.round))), 404);
}

both!(campaign_pages_in_the_browser);
