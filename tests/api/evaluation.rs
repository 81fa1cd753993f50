//! Issue 11, part 9: quantified evaluation of rectification (量化评估, seed 003 小店). The round's
//! office sets up an evaluation with the eight checks and their weights; the evaluating
//! agencies score each unit; a unit's score is the weighted average of the check means, ranks
//! shared on equal scores; the office finalises and the results go to each unit's record.
//! Only the office and the evaluating agencies see an evaluation; an agency sees its own raw
//! scores only; the unit's account sees its own final score and rank, and only once final.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

pub struct Xiaodian {
    pub app: TestApp,
    pub admin: String,
    pub office: Agency,
    /// 区人大, 区纪委监委, 区委组织部: the evaluating agencies.
    pub renda: Agency,
    pub jiwei: Agency,
    pub zzb: Agency,
    /// 区信访局: a participant of the round that does not evaluate.
    pub xfj: Agency,
    /// 区审计局: not on the round at all.
    pub outsider: Agency,
    /// The account of the first unit (坞城街道党工委).
    pub account: Agency,
    pub round_id: String,
    /// The inspected units, in the order of `UNITS`.
    pub units: Vec<String>,
}

/// The eight units of the seed's pilot (试点选取坞城街道等 8 个单位党组织).
pub const UNITS: [&str; 8] = [
    "坞城街道党工委",
    "营盘街道党工委",
    "北营街道党工委",
    "平阳路街道党工委",
    "黄陵街道党工委",
    "亲贤街道党工委",
    "北格镇党委",
    "西温庄乡党委",
];

pub const CHECKS: [&str; 8] = [
    "leadership",
    "meeting_records",
    "ledger",
    "accountability",
    "evidence",
    "mechanisms",
    "innovation",
    "satisfaction",
];

/// 小店's round after its five rounds of inspection: the office, 区人大 / 区纪委监委 / 区委组织部 /
/// 区信访局 as participants, the eight units (the first with its own account), in rectification.
pub fn xiaodian(b: Backend) -> Xiaodian {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let office = app.agency(&admin, "xdxcb", "inspection");
    let renda = app.agency(&admin, "xdrd", "other");
    let jiwei = app.agency(&admin, "xdjw", "discipline");
    let zzb = app.agency(&admin, "xdzzb", "organization");
    let xfj = app.agency(&admin, "xdxfj", "petition");
    let outsider = app.agency(&admin, "xdsj", "audit");
    let account = app.inspected_account(&admin, "wcjd");
    let round = expect_status(
        201,
        app.post(
            &office.token,
            "/api/v1/rounds",
            json!({"name": "区委第五轮巡察", "number": 5, "kind": "regular", "period_start": "2026-03-01",
                   "period_end": "2026-05-31", "participant_agency_ids": [renda.id, jiwei.id, zzb.id, xfj.id]}),
        ),
    );
    let round_id = round["id"].as_str().unwrap().to_string();
    let units = UNITS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let object = app.unit_object(&office, name);
            let body = if i == 0 {
                json!({"object_id": object, "account_agency_id": account.id})
            } else {
                json!({"object_id": object})
            };
            let u = expect_status(201, app.post(&office.token, &format!("/api/v1/rounds/{round_id}/units"), body));
            u["id"].as_str().unwrap().to_string()
        })
        .collect();
    let t = Xiaodian { app, admin, office, renda, jiwei, zzb, xfj, outsider, account, round_id, units };
    for stage in ["inspection", "feedback", "rectification"] {
        t.stage(stage);
    }
    t
}

impl Xiaodian {
    pub fn stage(&self, stage: &str) {
        let path = format!("/api/v1/rounds/{}/stage", self.round_id);
        expect_status(200, self.app.post(&self.office.token, &path, json!({"stage": stage})));
    }

    fn evaluators(&self) -> [&Agency; 3] {
        [&self.renda, &self.jiwei, &self.zzb]
    }

    /// One agency's scores of one unit, all eight checks.
    fn score(&self, by: &Agency, eval: &str, unit: &str, scores: [i64; 8]) -> (u16, Value) {
        let s: serde_json::Map<String, Value> = CHECKS
            .iter()
            .zip(scores)
            .map(|(c, v)| (c.to_string(), json!({"score": v, "note": "查阅会议记录和台账"})))
            .collect();
        self.app.post(
            &by.token,
            &format!("/api/v1/evaluations/{eval}/scores"),
            json!({"inspected_unit_id": unit, "scores": s}),
        )
    }
}

/// The weights the office sets (sum 100): 主要领导是否真重视 20, 会议记录 10, 整改台账 15,
/// 责任追究 15, 佐证材料和实地情况 15, 长效机制 10, 创新工作 5, 群众满意度 10.
const WEIGHTS: [i64; 8] = [20, 10, 15, 15, 15, 10, 5, 10];

fn weights(w: [i64; 8]) -> Value {
    Value::Object(CHECKS.iter().zip(w).map(|(c, v)| (c.to_string(), json!(v))).collect())
}

/// The middle agency's (纪委监委) scores per unit and check; 区人大 gives 3 more and 组织部 3
/// less, so each mean is this score — except 营盘's 整改台账 (90, 85, 85: mean 86.67) and 西温庄's
/// 群众满意度 (84, 83, 83: mean 83.33).
const BASE: [[i64; 8]; 8] = [
    [92, 90, 88, 90, 86, 85, 80, 91],
    [85, 88, 80, 78, 82, 80, 75, 86],
    [78, 80, 75, 70, 72, 70, 60, 80],
    [90, 85, 86, 88, 84, 82, 78, 88],
    [90, 85, 86, 88, 84, 82, 78, 88],
    [70, 72, 68, 65, 66, 60, 55, 75],
    [88, 86, 90, 85, 87, 84, 82, 89],
    [80, 78, 82, 76, 79, 75, 70, 83],
];

fn scores_of(agency: usize, unit: usize) -> [i64; 8] {
    let mut s = BASE[unit].map(|v| v + 3 - 3 * agency as i64);
    if unit == 1 {
        s[2] = [90, 85, 85][agency];
    }
    if unit == 7 {
        s[7] = [84, 83, 83][agency];
    }
    s
}

fn eval_id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// Seed 003 (小店): eight units evaluated on the eight checks by 区人大, 区纪委监委 and 区委组织部
/// with the office's weights; the scores and ranks read back are those computed by hand:
///
/// 坞城 20×92 + 10×90 + 15×88 + 15×90 + 15×86 + 10×85 + 5×80 + 10×91 = 8860 → 88.60, first;
/// 北格镇 86.90; 平阳路 and 黄陵 86.10 each, both third; 营盘 83.15 (15 × 86.67 = 1300) fifth;
/// 西温庄 78.68 (78.6833…) sixth; 北营 74.15; 亲贤 67.30 eighth.
fn xiaodian_eight_units_are_scored_ranked_and_recorded(b: Backend) {
    let t = xiaodian(b);
    let app = &t.app;
    let path = format!("/api/v1/rounds/{}/evaluations", t.round_id);
    let body = json!({"name": "巡察整改量化检查评估", "weights": weights(WEIGHTS),
        "evaluator_agency_ids": [t.renda.id, t.jiwei.id, t.zzb.id], "inspected_unit_ids": t.units});
    let ev = expect_status(201, app.post(&t.office.token, &path, body));
    let id = eval_id(&ev);
    assert_eq!(ev["state"], "open");
    assert_eq!(ev["weights"][0], json!({"check": "leadership", "label": "主要领导是否真重视", "weight": 20}));
    assert_eq!(ev["weights"][4]["label"], "佐证材料和实地情况");
    assert_eq!(ev["weights"][7]["label"], "群众满意度");
    assert_eq!(ev["units"].as_array().unwrap().len(), 8);

    // Every evaluator scores every unit; the last one is held back to try finalising early.
    for (a, by) in t.evaluators().iter().enumerate() {
        for (u, unit) in t.units.iter().enumerate() {
            if (a, u) == (2, 7) {
                continue;
            }
            let (s, mine) = t.score(by, &id, unit, scores_of(a, u));
            assert_eq!(s, 200, "{mine}");
            assert_eq!(mine.as_array().unwrap().len(), 8);
        }
    }
    let finalise = format!("/api/v1/evaluations/{id}/finalise");
    let (s, e) = app.post(&t.office.token, &finalise, json!({}));
    assert_eq!(s, 409, "组织部 has not scored 西温庄 yet: {e}");
    assert!(e["detail"].as_str().unwrap().contains("8 项"), "{e}");
    expect_status(200, t.score(&t.zzb, &id, &t.units[7], scores_of(2, 7)));

    // Provisional results: the office sees them, an evaluator does not (yet).
    let office_view = expect_status(200, app.get(&t.office.token, &format!("/api/v1/evaluations/{id}")));
    assert_eq!(office_view["results_visible"], true);
    assert_eq!(office_view["units"][0]["object_name"], "坞城街道党工委");
    assert_eq!(office_view["units"][0]["score"], json!(88.6));
    let jw_view = expect_status(200, app.get(&t.jiwei.token, &format!("/api/v1/evaluations/{id}")));
    assert_eq!(jw_view["results_visible"], false);
    assert_eq!(jw_view["my_scores_missing"], 0);
    assert!(jw_view["units"].as_array().unwrap().iter().all(|u| u["score"].is_null() && u["rank"].is_null()));
    assert!(jw_view["units"][0]["check_means"].as_array().unwrap().is_empty());
    assert_eq!(app.get(&t.jiwei.token, &format!("/api/v1/evaluations/{id}/export")).0, 409);
    // The unit's own account sees nothing before the result is final.
    let own =
        expect_status(200, app.get(&t.account.token, &format!("/api/v1/inspected-units/{}/evaluations", t.units[0])));
    assert_eq!(own, json!([]));

    // Only the office finalises.
    assert_eq!(app.post(&t.jiwei.token, &finalise, json!({})).0, 403);
    let done = expect_status(200, app.post(&t.office.token, &finalise, json!({})));
    assert_eq!(done["state"], "finalised");
    let got: Vec<(String, f64, u64)> = done["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (u["object_name"].as_str().unwrap().to_string(), u["score"].as_f64().unwrap(), u["rank"].as_u64().unwrap())
        })
        .collect();
    let want: Vec<(String, f64, u64)> = [
        ("坞城街道党工委", 88.6, 1),
        ("北格镇党委", 86.9, 2),
        ("平阳路街道党工委", 86.1, 3),
        ("黄陵街道党工委", 86.1, 3),
        ("营盘街道党工委", 83.15, 5),
        ("西温庄乡党委", 78.68, 6),
        ("北营街道党工委", 74.15, 7),
        ("亲贤街道党工委", 67.3, 8),
    ]
    .iter()
    .map(|(n, s, r)| (n.to_string(), *s, *r))
    .collect();
    assert_eq!(got, want);
    let yingpan = &done["units"][4];
    assert_eq!(yingpan["check_means"][2], json!({"check": "ledger", "mean": 86.67, "scores": 3}));
    assert_eq!(done["units"][5]["check_means"][7]["mean"], json!(83.33));

    // Now every evaluator sees the results; the export has Chinese headers and the ranks.
    let jw_view = expect_status(200, app.get(&t.jiwei.token, &format!("/api/v1/evaluations/{id}")));
    assert_eq!(jw_view["units"][0]["rank"], 1);
    let (s, csv) = send_text(app.req(Method::GET, &format!("/api/v1/evaluations/{id}/export"), Some(&t.jiwei.token)));
    assert_eq!(s, 200);
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next().unwrap(),
        "排名,被巡察单位,主要领导是否真重视(权重20),会议记录(权重10),整改台账(权重15),责任追究(权重15),\
         佐证材料和实地情况(权重15),长效机制(权重10),创新工作(权重5),群众满意度(权重10),综合得分,结果状态"
    );
    assert_eq!(lines.next().unwrap(), "1,坞城街道党工委,92.00,90.00,88.00,90.00,86.00,85.00,80.00,91.00,88.60,已确定");
    assert_eq!(lines.nth(3).unwrap(), "5,营盘街道党工委,85.00,88.00,86.67,78.00,82.00,80.00,75.00,86.00,83.15,已确定");
    let xlsx = app
        .req(Method::GET, &format!("/api/v1/evaluations/{id}/export?format=xlsx"), Some(&t.office.token))
        .send()
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));

    // The unit's own account sees its own score and rank, not its record, and no other unit.
    let own =
        expect_status(200, app.get(&t.account.token, &format!("/api/v1/inspected-units/{}/evaluations", t.units[0])));
    assert_eq!(own[0]["score"], json!(88.6));
    assert_eq!((own[0]["rank"].as_u64(), own[0]["units"].as_u64()), (Some(1), Some(8)));
    assert!(own[0]["record_id"].is_null(), "{own}");
    assert_eq!(app.get(&t.account.token, &format!("/api/v1/inspected-units/{}/evaluations", t.units[1])).0, 404);
    assert_eq!(app.get(&t.account.token, &format!("/api/v1/evaluations/{id}")).0, 404);

    // The result is on the unit's record: a 专项检查情况 record on its supervision object,
    // read by the evaluating agencies and by nobody else.
    let record_id = done["units"][0]["record_id"].as_str().unwrap().to_string();
    let rec = expect_status(200, app.get(&t.jiwei.token, &format!("/api/v1/records/{record_id}")));
    assert_eq!(rec["kind"], "special_check");
    assert_eq!(rec["title"], "巡察整改量化检查评估:坞城街道党工委(第 1 名,88.60 分)");
    assert!(rec["body"].as_str().unwrap().contains("主要领导是否真重视(20):92.00"), "{rec}");
    let object_id = done["units"][0]["object_id"].as_str().unwrap();
    assert_eq!(rec["object_ids"], json!([object_id]));
    let on_object = expect_status(200, app.get(&t.zzb.token, &format!("/api/v1/records?object_id={object_id}")));
    assert!(on_object.to_string().contains(&record_id), "{on_object}");
    for other in [&t.xfj, &t.outsider] {
        assert_eq!(app.get(&other.token, &format!("/api/v1/records/{record_id}")).0, 404);
        let (_, list) = app.get(&other.token, &format!("/api/v1/records?object_id={object_id}"));
        assert!(!list.to_string().contains("量化"), "{list}");
    }

    // Final means final.
    assert_eq!(t.score(&t.jiwei, &id, &t.units[0], [100; 8]).0, 409);
    let (s, _) =
        app.patch(&t.office.token, &format!("/api/v1/evaluations/{id}"), 2, json!({"weights": weights([1; 8])}));
    assert_eq!(s, 409);
    assert_eq!(app.post(&t.office.token, &finalise, json!({})).0, 409);

    // The evaluators were told, by ids only; the non-evaluating participant was not.
    let feed = expect_status(200, app.get(&t.jiwei.token, "/api/v1/feed"));
    let types: Vec<&str> = feed["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"evaluation.opened") && types.contains(&"evaluation.finalised"), "{types:?}");
    let feed = expect_status(200, app.get(&t.xfj.token, "/api/v1/feed"));
    assert!(!feed.to_string().contains("evaluation."), "{feed}");
    let evaluators = [&t.renda.id, &t.jiwei.id, &t.zzb.id];
    let events = events_like(app, "evaluation.%");
    assert_eq!(events.len(), 6, "opened and finalised, to each of the three evaluators");
    for e in &events {
        assert!(e.target_agency_id.as_ref().is_some_and(|a| evaluators.contains(&a)), "targeted: {}", e.payload);
        let payload: Value = serde_json::from_str(&e.payload).unwrap();
        let keys: Vec<&str> = payload.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["evaluation_id", "round_id", "state"], "ids and states only");
    }
}

#[derive(diesel::QueryableByName)]
pub struct StoredEvent {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub payload: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub target_agency_id: Option<String>,
}

/// The stored events whose type is `LIKE pattern` (their payloads are not on the feed).
pub fn events_like(app: &TestApp, pattern: &str) -> Vec<StoredEvent> {
    use diesel::RunQueryDsl;
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query(format!(
        "SELECT payload, target_agency_id FROM events WHERE event_type LIKE '{pattern}' ORDER BY seq"
    ))
    .load(&mut *conn)
    .unwrap()
}

/// The text of a response (CSV).
fn send_text(r: reqwest::blocking::RequestBuilder) -> (u16, String) {
    let resp = r.send().unwrap();
    (resp.status().as_u16(), resp.text().unwrap())
}

both!(xiaodian_eight_units_are_scored_ranked_and_recorded);

fn fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|e| e.iter().map(|e| e["field"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Every rule, negative first: only the office sets up (not before rectification), with
/// evaluators from the round and units of the round, weights all eight, non-negative, not all
/// zero; only the office and the evaluators see it (a participant that does not evaluate gets
/// 404, the hub admin 403); only evaluators score, 0–100, units of the evaluation; an agency
/// reads only its own raw scores; weights change provisional ranks, a weight 0 check need not
/// be scored; a stale If-Match is 412.
fn evaluation_rules_hold_for_every_caller(b: Backend) {
    let t = xiaodian(b);
    let app = &t.app;
    let path = format!("/api/v1/rounds/{}/evaluations", t.round_id);
    let two = [&t.units[0], &t.units[1]];
    let body = json!({"name": "整改评估", "evaluator_agency_ids": [t.jiwei.id, t.zzb.id], "inspected_unit_ids": two});

    // Who sets up.
    assert_eq!(app.post(&t.jiwei.token, &path, body.clone()).0, 403);
    assert_eq!(app.post(&t.admin, &path, body.clone()).0, 403);
    let (s, e) = app.post(&t.outsider.token, &path, body.clone());
    assert_eq!(s, 404, "{e}");
    assert!(!e.to_string().contains("第五轮"), "{e}");
    // What: evaluators of the round, units of the round, weights as the schema states.
    let mut w = weights([10; 8]);
    w["ledger"] = json!(-1);
    w.as_object_mut().unwrap().remove("satisfaction");
    let bad = json!({"name": " ", "weights": w, "evaluator_agency_ids": [t.outsider.id],
                     "inspected_unit_ids": ["00000000-0000-4000-8000-000000000000"]});
    let (s, e) = app.post(&t.office.token, &path, bad);
    assert_eq!(s, 422, "{e}");
    assert_eq!(fields(&e), ["weights.ledger", "weights.satisfaction"], "the body's own errors first: {e}");
    let bad = json!({"name": " ", "weights": weights([0; 8]), "evaluator_agency_ids": [t.outsider.id],
                     "inspected_unit_ids": [t.units[0]]});
    assert_eq!(fields(&app.post(&t.office.token, &path, bad).1), ["weights"]);
    let bad = json!({"name": " ", "evaluator_agency_ids": [t.outsider.id], "inspected_unit_ids": ["00000000-0000-4000-8000-000000000000"]});
    let (s, e) = app.post(&t.office.token, &path, bad);
    assert_eq!(
        (s, fields(&e)),
        (422, vec!["name".into(), "evaluator_agency_ids[0]".into(), "inspected_unit_ids[0]".into()])
    );
    // Equal weights by default.
    let ev = expect_status(201, app.post(&t.office.token, &path, body.clone()));
    let id = eval_id(&ev);
    assert!(ev["weights"].as_array().unwrap().iter().all(|w| w["weight"] == 1), "{ev}");
    assert_eq!(app.post(&t.office.token, &path, body).0, 422, "the same name twice in a round");

    // Who sees: the office and the two evaluators; not 区人大 (a participant that does not
    // evaluate here), not the outsider, not the unit's account; the admin 403.
    let one = format!("/api/v1/evaluations/{id}");
    for a in [&t.office, &t.jiwei, &t.zzb] {
        assert_eq!(app.get(&a.token, &one).0, 200);
        assert_eq!(expect_status(200, app.get(&a.token, &path)).as_array().unwrap().len(), 1);
    }
    for a in [&t.renda, &t.xfj] {
        let (s, e) = app.get(&a.token, &one);
        assert_eq!(s, 404, "{e}");
        assert!(!e.to_string().contains("整改评估"), "{e}");
        assert_eq!(expect_status(200, app.get(&a.token, &path)), json!([]));
        assert_eq!(app.get(&a.token, &format!("{one}/scores")).0, 404);
        assert_eq!(app.get(&a.token, &format!("{one}/export")).0, 404);
        assert_eq!(t.score(a, &id, &t.units[0], [80; 8]).0, 404);
    }
    assert_eq!(app.get(&t.outsider.token, &one).0, 404);
    assert_eq!(app.get(&t.outsider.token, &path).0, 404);
    assert_eq!(app.get(&t.account.token, &one).0, 404);
    assert_eq!(app.get(&t.admin, &one).0, 403);

    // Who scores, and what: only evaluators (the office did not name itself), scores 0–100 of
    // known checks, units of this evaluation.
    assert_eq!(t.score(&t.office, &id, &t.units[0], [80; 8]).0, 403);
    let (s, e) = t.score(&t.jiwei, &id, &t.units[2], [80; 8]);
    assert_eq!((s, fields(&e)), (422, vec!["inspected_unit_id".to_string()]), "{e}");
    let scores = format!("{one}/scores");
    let (s, e) = app.post(
        &t.jiwei.token,
        &scores,
        json!({"inspected_unit_id": t.units[0], "scores": {"leadership": {"score": 101}, "bogus": {"score": 1}}}),
    );
    assert_eq!((s, fields(&e)), (422, vec!["scores.bogus".to_string(), "scores.leadership.score".to_string()]), "{e}");
    let (s, e) = app.post(&t.jiwei.token, &scores, json!({"inspected_unit_id": t.units[0], "scores": {}}));
    assert_eq!((s, fields(&e)), (422, vec!["scores".to_string()]), "{e}");
    // 纪委监委 scores 坞城 high and 营盘 low; 组织部 the other way round, less far apart.
    expect_status(200, t.score(&t.jiwei, &id, &t.units[0], [90; 8]));
    expect_status(200, t.score(&t.jiwei, &id, &t.units[1], [70; 8]));
    expect_status(200, t.score(&t.zzb, &id, &t.units[0], [70; 8]));
    let mine = expect_status(200, t.score(&t.zzb, &id, &t.units[1], [80; 8]));
    assert!(mine.as_array().unwrap().iter().all(|s| s["agency_id"] == t.zzb.id.as_str()));
    // A score given again replaces the earlier one.
    let again = expect_status(
        200,
        app.post(
            &t.zzb.token,
            &scores,
            json!({"inspected_unit_id": t.units[1], "scores": {"innovation": {"score": 90, "note": "有创新举措"}}}),
        ),
    );
    assert_eq!(again.as_array().unwrap().len(), 8);
    assert_eq!(
        again[6],
        json!({"inspected_unit_id": t.units[1], "agency_id": t.zzb.id, "check": "innovation",
        "label": "创新工作", "score": 90, "note": "有创新举措", "updated_at": again[6]["updated_at"]})
    );

    // Raw scores: each agency its own, the office all.
    let jw = expect_status(200, app.get(&t.jiwei.token, &scores));
    assert_eq!(jw.as_array().unwrap().len(), 16);
    assert!(jw.as_array().unwrap().iter().all(|s| s["agency_id"] == t.jiwei.id.as_str()), "{jw}");
    let all = expect_status(200, app.get(&t.office.token, &format!("{scores}?inspected_unit_id={}", t.units[1])));
    assert_eq!(all.as_array().unwrap().len(), 16);
    assert!(!jw.to_string().contains("有创新举措"), "another agency's note");

    // Provisional results with equal weights: 坞城 (90 + 70) / 2 = 80.00; 营盘 has 70 from
    // 纪委监委 and 80 (90 on 创新工作) from 组织部: (70×8 + 80×7 + 90) / 16 = 75.625 → 75.63.
    let v = expect_status(200, app.get(&t.office.token, &one));
    let ranked = |v: &Value| -> Vec<(String, f64, u64)> {
        v["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (u["object_name"].as_str().unwrap().into(), u["score"].as_f64().unwrap(), u["rank"].as_u64().unwrap())
            })
            .collect()
    };
    assert_eq!(ranked(&v), [("坞城街道党工委".into(), 80.0, 1), ("营盘街道党工委".into(), 75.63, 2)]);
    // Only 创新工作 counts: both (90 + 70) / 2 = 80.00 — a shared first place, listed by name.
    let mut only = [0; 8];
    only[6] = 1;
    let (s, e) = app.patch(&t.office.token, &one, 99, json!({"weights": weights(only)}));
    assert_eq!(s, 412, "a stale If-Match: {e}");
    assert_eq!(app.patch(&t.jiwei.token, &one, 1, json!({"weights": weights(only)})).0, 403);
    let (s, e) = app.patch(&t.office.token, &one, 1, json!({"weights": weights([0; 8])}));
    assert_eq!((s, fields(&e)), (422, vec!["weights".to_string()]));
    let v = expect_status(200, app.patch(&t.office.token, &one, 1, json!({"weights": weights(only)})));
    assert_eq!(v["version"], 2);
    assert_eq!(ranked(&v), [("坞城街道党工委".into(), 80.0, 1), ("营盘街道党工委".into(), 80.0, 1)]);

    // Finalising fixes the shared rank.
    let done = expect_status(200, app.post(&t.office.token, &format!("{one}/finalise"), json!({})));
    assert_eq!(ranked(&done), [("坞城街道党工委".into(), 80.0, 1), ("营盘街道党工委".into(), 80.0, 1)]);
    let zzb_view = expect_status(200, app.get(&t.zzb.token, &one));
    assert_eq!(zzb_view["results_visible"], true);
    // 区人大 does not evaluate here: not on the unit's results either.
    let on_unit = format!("/api/v1/inspected-units/{}/evaluations", t.units[0]);
    assert_eq!(expect_status(200, app.get(&t.renda.token, &on_unit)), json!([]));
    assert_eq!(expect_status(200, app.get(&t.zzb.token, &on_unit)).as_array().unwrap().len(), 1);
    let own = expect_status(200, app.get(&t.account.token, &on_unit));
    assert_eq!((own[0]["score"].as_f64(), own[0]["rank"].as_u64()), (Some(80.0), Some(1)));

    // A check of weight 0 need not be scored: with 主要领导是否真重视 alone, one score per
    // evaluator completes it.
    let mut lead = [0; 8];
    lead[0] = 1;
    let body = json!({"name": "主要领导重视情况评估", "weights": weights(lead), "evaluator_agency_ids": [t.jiwei.id, t.zzb.id],
                      "inspected_unit_ids": [t.units[0]]});
    let single = eval_id(&expect_status(201, app.post(&t.office.token, &path, body)));
    let scores = format!("/api/v1/evaluations/{single}/scores");
    let one_check = |by: &Agency, v: i64| {
        expect_status(
            200,
            app.post(
                &by.token,
                &scores,
                json!({"inspected_unit_id": t.units[0], "scores": {"leadership": {"score": v}}}),
            ),
        )
    };
    one_check(&t.jiwei, 95);
    let (s, e) = app.post(&t.office.token, &format!("/api/v1/evaluations/{single}/finalise"), json!({}));
    assert_eq!(s, 409, "组织部 has not scored: {e}");
    one_check(&t.zzb, 84);
    let done =
        expect_status(200, app.post(&t.office.token, &format!("/api/v1/evaluations/{single}/finalise"), json!({})));
    assert_eq!(done["units"][0]["score"], json!(89.5));
}

/// Before the round is in rectification there is nothing to evaluate.
fn an_evaluation_waits_for_rectification(b: Backend) {
    let t = xiaodian(b);
    let app = &t.app;
    // A second round, still in inspection.
    let r = expect_status(
        201,
        app.post(
            &t.office.token,
            "/api/v1/rounds",
            json!({"name": "区委第六轮巡察", "number": 6, "kind": "regular", "period_start": "2026-06-01",
                   "period_end": "2026-07-31", "participant_agency_ids": [t.jiwei.id]}),
        ),
    );
    let rid = eval_id(&r);
    let object = app.unit_object(&t.office, "小店街道党工委");
    let u = expect_status(
        201,
        app.post(&t.office.token, &format!("/api/v1/rounds/{rid}/units"), json!({"object_id": object})),
    );
    let body = json!({"name": "评估", "evaluator_agency_ids": [t.jiwei.id], "inspected_unit_ids": [u["id"]]});
    let (s, e) = app.post(&t.office.token, &format!("/api/v1/rounds/{rid}/evaluations"), body);
    assert_eq!(s, 409, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("整改落实"), "{e}");
}

both!(evaluation_rules_hold_for_every_caller, an_evaluation_waits_for_rectification);

/// The pages, in a real Chromium: the office sets up an evaluation from the round's page, an
/// evaluating agency scores a unit through the form (and sees no results yet), the office
/// sees the provisional table and finalises; the unit's own account reads its score and rank.
/// Every page loads with a clean console; a non-evaluating participant gets the not-found page.
fn evaluation_pages_in_the_browser(b: Backend) {
    use crate::browser::Browser;
    use crate::web_http::get_page_status;
    let t = xiaodian(b);
    let app = &t.app;
    let office = Browser::open(&app.base);
    office.sign_in("xdxcb_user", PASSWORD);
    office.goto(&format!("/rounds/{}", t.round_id));
    office.click(&format!("a[href='/rounds/{}/evaluations']", t.round_id));
    office.assert_console_clean("量化评估列表");
    office.fill("#eval-name", "巡察整改量化检查评估");
    office.fill("#w-leadership", "2");
    for a in [&t.jiwei, &t.zzb] {
        office.script(&format!("document.getElementById('ev-{}').checked = true", a.id));
    }
    for u in &t.units[..2] {
        office.script(&format!("document.getElementById('eu-{u}').checked = true"));
    }
    office.click("form[action$='/evaluations'] button[type=submit]");
    let id = office.path().strip_prefix("/evaluations/").expect("on the evaluation's page").to_string();
    assert!(office.text("main h1").contains("巡察整改量化检查评估"));
    assert!(office.text("main").contains("主要领导是否真重视"));
    office.assert_console_clean("量化评估");

    // 纪委监委 scores 坞城 through the form.
    let jw = Browser::open(&app.base);
    jw.sign_in("xdjw_user", PASSWORD);
    jw.goto(&format!("/evaluations/{id}"));
    assert!(jw.text("main").contains("评估结果由组织评估的巡察机构确定后可见"));
    jw.click(&format!("a[href='/evaluations/{id}/units/{}/scores']", t.units[0]));
    jw.assert_console_clean("评分");
    for (i, c) in CHECKS.iter().enumerate() {
        jw.fill(&format!("#s-{c}"), &(90 - i).to_string());
    }
    jw.fill("#n-leadership", "主要领导亲自部署整改");
    jw.click("form[action$='/scores'] button[type=submit]");
    assert_eq!(jw.path(), format!("/evaluations/{id}"));
    assert!(jw.text("table.my-scores").contains("8/8"), "{}", jw.text("table.my-scores"));
    jw.assert_console_clean("评分后");
    // The rest through the API.
    expect_status(200, t.score(&t.jiwei, &id, &t.units[1], [80; 8]));
    expect_status(200, t.score(&t.zzb, &id, &t.units[0], [86; 8]));
    expect_status(200, t.score(&t.zzb, &id, &t.units[1], [70; 8]));

    // The office sees the provisional table and the chart, and finalises.
    office.goto(&format!("/evaluations/{id}"));
    assert!(office.text("table.results").contains("坞城街道党工委"));
    assert!(office.source().contains("evaluation-scores-chart"));
    office.script("window.confirm = function () { return true; }");
    office.click("form[action$='/finalise'] button[type=submit]");
    assert!(office.text("main h1").contains("已确定"), "{}", office.text("main h1"));
    // 坞城: leadership weighs 2, the rest 1 (sum 9): 纪委监委 90…83, 组织部 86 each.
    // means 88, 87.5, 87, 86.5, 86, 85.5, 85, 84.5; (2×88 + 87.5 + … + 84.5) / 9 = 86.44.
    let first = office.text("table.results tbody tr:first-child");
    assert!(first.contains("坞城街道党工委") && first.contains("86.44"), "{first}");
    office.assert_console_clean("确定后");
    office.script("document.getElementById('results-h').scrollIntoView()");
    office.screenshot("evaluation");

    // The unit's own account: its own result, nothing of the evaluation itself.
    let unit = Browser::open(&app.base);
    unit.sign_in("wcjd_contact", PASSWORD);
    unit.goto(&format!("/inspected-units/{}/evaluations", t.units[0]));
    let text = unit.text("main");
    assert!(text.contains("86.44") && text.contains("第 1 名(共 2 个单位)"), "{text}");
    unit.assert_console_clean("本单位量化评估结果");
    assert_eq!(get_page_status(app, &unit, &format!("/evaluations/{id}")), 404);
    // 信访局 takes part in the round but does not evaluate: not found.
    let xfj = Browser::open(&app.base);
    xfj.sign_in("xdxfj_user", PASSWORD);
    assert_eq!(get_page_status(app, &xfj, &format!("/evaluations/{id}")), 404);
    assert_eq!(get_page_status(app, &xfj, &format!("/evaluations/{id}/units/{}/scores", t.units[0])), 404);
    assert_eq!(get_page_status(app, &xfj, &format!("/rounds/{}/evaluations", t.round_id)), 200);
}

both!(evaluation_pages_in_the_browser);
