//! Issue 11, the lifecycle's frame: rounds (巡察轮次) run by the inspection office, seen only by
//! it and the member units it names; teams and inspected units; stages one step at a time;
//! findings as records, read by each agency only as distributed; an inspected unit's account
//! that sees its own entry and nothing else.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

pub struct Round {
    pub app: TestApp,
    pub admin: String,
    pub office: Agency,
    pub jiwei: Agency,
    pub zzb: Agency,
    pub outsider: Agency,
    pub round: Value,
    pub unit: Value,
    pub other_unit: Value,
    pub account: Agency,
}

/// A round of the inspection office with 纪委监委 and 组织部 as participants, one team, two
/// inspected units (the first linked to its own account), moved into `inspection`.
pub fn round_in_inspection(b: Backend) -> Round {
    round_in_inspection_with(b, |_| {})
}

/// `round_in_inspection` on a server whose settings `configure` adjusts first.
pub fn round_in_inspection_with(b: Backend, configure: impl FnOnce(&mut guantong::config::Settings)) -> Round {
    let app = TestApp::spawn_with(b, configure);
    let admin = app.admin_token();
    let office = app.agency(&admin, "xcb", "inspection");
    let jiwei = app.agency(&admin, "jiwei", "discipline");
    let zzb = app.agency(&admin, "zzb", "organization");
    let outsider = app.agency(&admin, "shenji", "audit");
    let account = app.inspected_account(&admin, "jyj");
    let (s, round) = app.post(
        &office.token,
        "/api/v1/rounds",
        json!({"name": "七届市委第十三轮巡察", "number": 13, "kind": "regular", "period_start": "2026-03-01",
               "period_end": "2026-05-31", "focus": ["教育", "工程建设"], "participant_agency_ids": [jiwei.id, zzb.id]}),
    );
    assert_eq!(s, 201, "{round}");
    assert_eq!(round["stage"], "preparation");
    let rid = round["id"].as_str().unwrap().to_string();
    let (s, team) = app.post(&office.token, &format!("/api/v1/rounds/{rid}/teams"), json!({"name": "第一巡察组"}));
    assert_eq!(s, 201, "{team}");
    let edu = app.unit_object(&office, "市教育局党组");
    let water = app.unit_object(&office, "市水利局党组");
    let (s, unit) = app.post(
        &office.token,
        &format!("/api/v1/rounds/{rid}/units"),
        json!({"object_id": edu, "team_id": team["id"], "account_agency_id": account.id}),
    );
    assert_eq!(s, 201, "{unit}");
    assert_eq!(unit["object_name"], "市教育局党组");
    let (s, other_unit) = app.post(
        &office.token,
        &format!("/api/v1/rounds/{rid}/units"),
        json!({"object_id": water, "team_id": team["id"]}),
    );
    assert_eq!(s, 201, "{other_unit}");
    let (s, r) = app.post(&office.token, &format!("/api/v1/rounds/{rid}/stage"), json!({"stage": "inspection"}));
    assert_eq!(s, 200, "{r}");
    Round { app, admin, office, jiwei, zzb, outsider, round: r, unit, other_unit, account }
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

/// Only an inspection office runs rounds; a round is visible to its office and participants
/// and 404 to everyone else; only the office changes it, one stage forward at a time.
fn rounds_are_run_by_the_office_and_seen_by_participants_only(b: Backend) {
    let t = round_in_inspection(b);
    let (app, rid) = (&t.app, id(&t.round).to_string());
    assert_eq!(t.round["stage"], "inspection");
    assert_eq!(t.round["units"].as_array().unwrap().len(), 2);
    assert_eq!(t.round["teams"][0]["name"], "第一巡察组");

    // Negative first: a discipline commission cannot create a round; nor can the hub admin.
    let body = json!({"name": "纪委自建轮次", "number": 1, "kind": "special", "period_start": "2026-01-01", "period_end": "2026-02-01"});
    assert_eq!(app.post(&t.jiwei.token, "/api/v1/rounds", body.clone()).0, 403);
    assert_eq!(app.post(&t.admin, "/api/v1/rounds", body).0, 403);

    // Participants see the round; an outsider gets 404 and an empty list.
    for a in [&t.office, &t.jiwei, &t.zzb] {
        let (s, r) = app.get(&a.token, &format!("/api/v1/rounds/{rid}"));
        assert_eq!(s, 200, "{r}");
        let (_, list) = app.get(&a.token, "/api/v1/rounds");
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    }
    let (s, r) = app.get(&t.outsider.token, &format!("/api/v1/rounds/{rid}"));
    assert_eq!(s, 404, "{r}");
    assert!(!r.to_string().contains("第十三轮"), "{r}");
    let (_, list) = app.get(&t.outsider.token, "/api/v1/rounds");
    assert_eq!(list["items"], json!([]));
    let (s, _) = app.get(&t.outsider.token, &format!("/api/v1/inspected-units/{}", id(&t.unit)));
    assert_eq!(s, 404);

    // A participant may not change the round; an outsider does not learn it exists.
    assert_eq!(app.post(&t.jiwei.token, &format!("/api/v1/rounds/{rid}/teams"), json!({"name": "第二巡察组"})).0, 403);
    assert_eq!(
        app.post(&t.outsider.token, &format!("/api/v1/rounds/{rid}/teams"), json!({"name": "第二巡察组"})).0,
        404
    );

    // Stages: skipping or going back is 409 and changes nothing; a stale If-Match is 412.
    let (s, e) = app.post(&t.office.token, &format!("/api/v1/rounds/{rid}/stage"), json!({"stage": "rectification"}));
    assert_eq!(s, 409, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("feedback"), "{e}");
    let stale = app
        .req(Method::POST, &format!("/api/v1/rounds/{rid}/stage"), Some(&t.office.token))
        .header("If-Match", "\"1\"")
        .json(&json!({"stage": "feedback"}));
    assert_eq!(send(stale).0, 412);
    let (_, r) = app.get(&t.office.token, &format!("/api/v1/rounds/{rid}"));
    assert_eq!(r["stage"], "inspection");

    // Units: a person is not a unit; the same unit twice is refused; a member unit's agency
    // is not an inspected unit's account.
    let (_, person) = app.post(&t.office.token, "/api/v1/objects", json!({"name": "张某", "kind": "person"}));
    let (s, e) = app.post(&t.office.token, &format!("/api/v1/rounds/{rid}/units"), json!({"object_id": person["id"]}));
    assert_eq!(s, 422, "{e}");
    let (s, e) =
        app.post(&t.office.token, &format!("/api/v1/rounds/{rid}/units"), json!({"object_id": t.unit["object_id"]}));
    assert_eq!(s, 422, "{e}");
    let (s, e) = app.patch_unit(&t.office, id(&t.other_unit), json!({"account_agency_id": t.jiwei.id}));
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "account_agency_id", "{e}");

    // A round's name is unique per office; dates in order.
    let dup = json!({"name": "七届市委第十三轮巡察", "number": 13, "kind": "regular", "period_start": "2026-03-01", "period_end": "2026-02-01"});
    let (s, e) = app.post(&t.office.token, "/api/v1/rounds", dup);
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> = e["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["period_end"], "{e}");

    // A number is a whole number however JSON writes it: 14.0 is 14; 14.5 is refused.
    let (s, e) = app.post(
        &t.office.token,
        "/api/v1/rounds",
        json!({"name": "七届市委第十四轮巡察", "number": 14.5,
        "kind": "regular", "period_start": "2026-09-01", "period_end": "2026-10-31"}),
    );
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "number", "{e}");
    let (s, r) = app.post(
        &t.office.token,
        "/api/v1/rounds",
        json!({"name": "七届市委第十四轮巡察", "number": 14.0,
        "kind": "regular", "period_start": "2026-09-01", "period_end": "2026-10-31"}),
    );
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["number"], 14, "{r}");
}

both!(rounds_are_run_by_the_office_and_seen_by_participants_only);

trait UnitPatch {
    fn patch_unit(&self, by: &Agency, unit: &str, body: Value) -> (u16, Value);
}

impl UnitPatch for TestApp {
    fn patch_unit(&self, by: &Agency, unit: &str, body: Value) -> (u16, Value) {
        send(self.req(Method::PATCH, &format!("/api/v1/inspected-units/{unit}"), Some(&by.token)).json(&body))
    }
}

/// A finding is a record: the office distributes it; a participant it was not distributed to
/// sees the round but not the finding — not in the unit's list, not by id, not in search.
/// A clue found goes through the transfer workflow and counts in the clue statistics.
fn findings_are_read_only_as_distributed(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let uid = id(&t.unit);
    let secret = "教育局基建处违规指定施工单位";
    let (s, problem) = app.post(
        &t.office.token,
        &format!("/api/v1/inspected-units/{uid}/findings"),
        json!({"kind": "problem", "title": secret, "body": "问题描述", "category": "廉洁纪律",
               "distribution": {"level": "agencies", "agencies": [t.jiwei.id]}}),
    );
    assert_eq!(s, 201, "{problem}");
    assert_eq!(problem["record"]["kind"], "inspection_problem");
    assert_eq!(problem["record"]["object_ids"][0], t.unit["object_id"]);
    let (s, clue) = app.post(
        &t.office.token,
        &format!("/api/v1/inspected-units/{uid}/findings"),
        json!({"kind": "clue", "title": "反映某副局长收受工程款回扣的线索", "sensitivity": "sensitive",
               "protected": {"reporter_name": "举报人李某"}}),
    );
    assert_eq!(s, 201, "{clue}");

    // Negative: 组织部 is a participant but got neither finding.
    let path = format!("/api/v1/inspected-units/{uid}/findings");
    let (s, list) = app.get(&t.zzb.token, &path);
    assert_eq!(s, 200, "{list}");
    assert_eq!(list, json!([]));
    assert_eq!(app.get(&t.zzb.token, &format!("/api/v1/records/{}", problem["record_id"].as_str().unwrap())).0, 404);
    let (_, found) = send(app.req(Method::GET, "/api/v1/records", Some(&t.zzb.token)).query(&[("q", "基建处")]));
    assert!(!found.to_string().contains(secret), "{found}");
    // The outsider does not even see the unit.
    assert_eq!(app.get(&t.outsider.token, &path).0, 404);
    // The unit's own account reads no findings as records.
    assert_eq!(app.get(&t.account.token, &path).0, 403);

    // Positive: 纪委监委 reads the problem it was given, not the clue (kept to the office).
    let (_, list) = app.get(&t.jiwei.token, &path);
    let titles: Vec<&str> = list.as_array().unwrap().iter().map(|f| f["record"]["title"].as_str().unwrap()).collect();
    assert_eq!(titles, [secret]);
    let (_, list) = app.get(&t.office.token, &format!("{path}?kind=clue"));
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    // The clue is transferred to 纪委监委 and counts in both sides' clue statistics.
    let (s, tr) = app.post(
        &t.office.token,
        &format!("/api/v1/records/{}/transfers", clue["record_id"].as_str().unwrap()),
        json!({"to_agency_id": t.jiwei.id, "suggestion": "建议初核", "deadline": "2026-12-31"}),
    );
    assert_eq!(s, 201, "{tr}");
    let (_, stats) = app.get(&t.office.token, "/api/v1/stats/clues");
    assert_eq!(stats["transferred"], 1, "{stats}");
    let (_, list) = app.get(&t.jiwei.token, &format!("{path}?kind=clue"));
    assert_eq!(list.as_array().unwrap().len(), 1, "the receiver reads the transferred clue: {list}");

    // Findings only while the round is under way.
    let (s, _) = app.post(&t.jiwei.token, &path, json!({"kind": "problem", "title": "越权登记"}));
    assert_eq!(s, 403);
}

both!(findings_are_read_only_as_distributed);

/// An inspected unit's account sees its own entry and nothing else of the hub: no other unit,
/// no round list, no record, no feed; it cannot be named as a recipient; the hub admin cannot
/// invite a second account into it.
fn an_inspected_units_account_sees_its_own_entry_only(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let (s, own) = app.get(&t.account.token, &format!("/api/v1/inspected-units/{}", id(&t.unit)));
    assert_eq!(s, 200, "{own}");
    assert_eq!(own["object_name"], "市教育局党组");
    // Negative: the other unit, the round, the lists of content.
    assert_eq!(app.get(&t.account.token, &format!("/api/v1/inspected-units/{}", id(&t.other_unit))).0, 404);
    for path in ["/api/v1/rounds", "/api/v1/records", "/api/v1/feed", "/api/v1/inbox", "/api/v1/transfers"] {
        let (s, body) = app.get(&t.account.token, path);
        assert_eq!(s, 403, "{path}: {body}");
    }
    assert_eq!(app.get(&t.account.token, &format!("/api/v1/rounds/{}", id(&t.round))).0, 403);
    // Not a recipient of anything.
    let (s, e) = app.post(
        &t.office.token,
        "/api/v1/records",
        record("给被巡察单位的信息", json!({"level": "agencies", "agencies": [t.account.id]})),
    );
    assert_eq!(s, 422, "{e}");
    // Its one account: a second invitation, or another role, is refused.
    let (s, e) = app.post(
        &t.admin,
        "/api/v1/users",
        json!({"username": "jyj_second", "agency_id": t.account.id, "roles": ["inspected"], "email": "b@example.gov.cn"}),
    );
    assert_eq!(s, 403, "{e}");
    let (s, e) = app.post(
        &t.admin,
        "/api/v1/users",
        json!({"username": "jw_inspected", "agency_id": t.jiwei.id, "roles": ["inspected"], "email": "c@example.gov.cn"}),
    );
    assert!(s == 403 || s == 422, "{s} {e}");
}

both!(an_inspected_units_account_sees_its_own_entry_only);
