//! Issue 11, parts 6 (巡后): the feedback to an inspected unit in the office's words, signed
//! by three parties; the unit's rectification plan reviewed on the 三不过 grounds by the
//! discipline commission and the organisation department; the ledger's items moved only by
//! their steps (对账销号 by the office alone), with evidence checked by content; the three
//! lists and their exports; and who sees any of it — the office, the participants and the
//! unit itself, nobody else. The 茂名 figures are read back from the statistics.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::rounds::{round_in_inspection, Round};

pub fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_string()
}

/// A date `days` after the hub's today.
pub fn in_days(days: i64) -> String {
    (hub_today() + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
}

/// Moves the round to `stage` (its next one).
pub fn stage(t: &Round, stage: &str) {
    let (s, r) =
        t.app.post(&t.office.token, &format!("/api/v1/rounds/{}/stage", id(&t.round)), json!({"stage": stage}));
    assert_eq!(s, 200, "{r}");
}

/// The office records a problem (as a record kept to itself) in the unit; returns the finding id.
pub fn problem(t: &Round, unit: &str, title: &str) -> String {
    let (s, f) = t.app.post(
        &t.office.token,
        &format!("/api/v1/inspected-units/{unit}/findings"),
        json!({"kind": "problem", "title": title, "category": "廉洁纪律"}),
    );
    assert_eq!(s, 201, "{f}");
    id(&f)
}

/// The office issues the feedback listing `findings` (their titles as the text).
pub fn feedback(t: &Round, unit: &str, findings: &[String]) -> Value {
    let problems: Vec<Value> = findings.iter().map(|f| json!({"finding_id": f})).collect();
    let (s, v) = t.app.post(
        &t.office.token,
        &format!("/api/v1/inspected-units/{unit}/feedback"),
        json!({"summary": "巡察组反馈意见", "problems": problems}),
    );
    assert_eq!(s, 201, "{v}");
    v
}

/// The three signatures: the unit's principal by `account`, the others by the office.
pub fn sign_all(t: &Round, account: &Agency, unit: &str) -> Value {
    let path = format!("/api/v1/inspected-units/{unit}/feedback/signatures");
    let (s, v) = t.app.post(&account.token, &path, json!({"party": "unit_head", "signer_name": "王局长"}));
    assert_eq!(s, 200, "{v}");
    for (party, name) in [("team_leader", "李组长"), ("office_director", "赵主任")] {
        let (s, v) = t.app.post(&t.office.token, &path, json!({"party": party, "signer_name": name}));
        assert_eq!(s, 200, "{v}");
    }
    let (_, v) = t.app.get(&account.token, &format!("/api/v1/inspected-units/{unit}/feedback"));
    assert_eq!(v["receipt_complete"], true, "{v}");
    v
}

/// A plan with one task per finding.
pub fn plan_body(findings: &[String]) -> Value {
    let tasks: Vec<Value> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!({"finding_id": f, "task": format!("整改任务{}", i + 1), "measure": "逐项核查、建章立制",
                   "responsible_person": if i % 2 == 0 { "张副局长" } else { "刘科长" }, "deadline": in_days(30 + i as i64)})
        })
        .collect();
    json!({"summary": "整改方案:明确方向、任务、措施和责任", "tasks": tasks})
}

/// The unit submits a plan; both reviewers approve; returns the accepted plan.
pub fn accepted_plan(t: &Round, account: &Agency, unit: &str, findings: &[String]) -> Value {
    let (s, plan) = t.app.post(&account.token, &format!("/api/v1/inspected-units/{unit}/plans"), plan_body(findings));
    assert_eq!(s, 201, "{plan}");
    for reviewer in [&t.jiwei, &t.zzb] {
        let (s, v) = t.app.post(
            &reviewer.token,
            &format!("/api/v1/rectification-plans/{}/reviews", id(&plan)),
            json!({"verdict": "approve"}),
        );
        assert_eq!(s, 200, "{v}");
    }
    let (_, plan) = t.app.get(&account.token, &format!("/api/v1/rectification-plans/{}", id(&plan)));
    assert_eq!(plan["state"], "accepted", "{plan}");
    plan
}

/// The round in `rectification` with `n` problems in the first unit, their feedback signed
/// and the plan accepted: returns the round, the finding ids and the ledger's items.
pub fn ledger_of(b: Backend, n: usize) -> (Round, Vec<String>, Vec<Value>) {
    let t = round_in_inspection(b);
    let unit = id(&t.unit);
    let findings: Vec<String> = (0..n).map(|i| problem(&t, &unit, &format!("违规发放津补贴问题{}", i + 1))).collect();
    stage(&t, "feedback");
    feedback(&t, &unit, &findings);
    sign_all(&t, &t.account, &unit);
    stage(&t, "rectification");
    accepted_plan(&t, &t.account, &unit, &findings);
    let (s, items) = t.app.get(&t.account.token, &format!("/api/v1/inspected-units/{unit}/items"));
    assert_eq!(s, 200, "{items}");
    let items = items.as_array().unwrap().clone();
    (t, findings, items)
}

/// Links the round's second unit to an account of its own; returns it.
pub fn second_account(t: &Round) -> Agency {
    let account = t.app.inspected_account(&t.admin, "slj");
    let req =
        t.app.req(Method::PATCH, &format!("/api/v1/inspected-units/{}", id(&t.other_unit)), Some(&t.office.token));
    let (s, v) = send(req.json(&json!({"account_agency_id": account.id})));
    assert_eq!(s, 200, "{v}");
    account
}

/// The event rows of a type, as (target agency, payload).
pub fn events(app: &TestApp, event_type: &str) -> Vec<(Option<String>, String)> {
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use guantong::db::schema::events as e;
    let mut conn = app.pool.get().unwrap();
    e::table
        .filter(e::event_type.eq(event_type))
        .order(e::seq)
        .select((e::target_agency_id, e::payload))
        .load(&mut *conn)
        .unwrap()
}

/// The feedback lists the unit's problems in the office's words: no clue, no restricted
/// finding, no protected field; its receipt is signed by the three parties, each by whom it
/// belongs to; the unit reads it, another unit or a non-participant does not.
fn the_feedback_lists_problems_in_the_offices_words_and_is_signed_by_three_parties(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let unit = id(&t.unit);
    let path = format!("/api/v1/inspected-units/{unit}/feedback");
    let plain = problem(&t, &unit, "基建处违规指定施工单位");
    let (_, sensitive) = app.post(
        &t.office.token,
        &format!("/api/v1/inspected-units/{unit}/findings"),
        json!({"kind": "problem", "title": "某副局长违规收受礼金", "sensitivity": "sensitive",
               "protected": {"reporter_name": "举报人李某某"}}),
    );
    let sensitive = id(&sensitive);
    let (_, restricted) = app.post(
        &t.office.token,
        &format!("/api/v1/inspected-units/{unit}/findings"),
        json!({"kind": "problem", "title": "受限问题标题", "sensitivity": "restricted"}),
    );
    let (_, clue) = app.post(
        &t.office.token,
        &format!("/api/v1/inspected-units/{unit}/findings"),
        json!({"kind": "clue", "title": "反映某科长的线索"}),
    );
    let elsewhere = problem(&t, &id(&t.other_unit), "水利局的问题");
    let body = json!({"summary": "总体评价", "problems": [{"finding_id": plain},
        {"finding_id": sensitive, "text": "个别领导干部违反廉洁纪律", "category": "廉洁纪律"}]});

    // Before the feedback stage: 409, and nothing is written.
    let (s, e) = app.post(&t.office.token, &path, body.clone());
    assert_eq!(s, 409, "{e}");
    stage(&t, "feedback");

    // Negative: only the office issues it; the unit, a reviewer and the hub admin may not,
    // an outsider does not learn the unit exists.
    assert_eq!(app.post(&t.account.token, &path, body.clone()).0, 403);
    assert_eq!(app.post(&t.jiwei.token, &path, body.clone()).0, 403);
    assert_eq!(app.post(&t.admin, &path, body.clone()).0, 403);
    assert_eq!(app.post(&t.outsider.token, &path, body.clone()).0, 404);
    // A restricted finding, a clue and another unit's problem are refused, each by its index.
    let (s, e) = app.post(
        &t.office.token,
        &path,
        json!({"problems": [{"finding_id": plain}, {"finding_id": id(&restricted)}, {"finding_id": id(&clue)},
                            {"finding_id": elsewhere}, {"finding_id": plain}]}),
    );
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> = e["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        ["problems[1].finding_id", "problems[2].finding_id", "problems[3].finding_id", "problems[4].finding_id"]
    );
    assert_eq!(app.get(&t.office.token, &path).0, 404, "nothing was issued");

    let (s, fb) = app.post(&t.office.token, &path, body.clone());
    assert_eq!(s, 201, "{fb}");
    let texts: Vec<&str> = fb["problems"].as_array().unwrap().iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["基建处违规指定施工单位", "个别领导干部违反廉洁纪律"]);
    assert_eq!(fb["problems"][0]["category"], "廉洁纪律");
    assert_eq!(fb["receipt_complete"], false);
    assert_eq!(app.post(&t.office.token, &path, body).0, 409, "once per unit");

    // The unit reads its feedback: the office's words, never the record's title or protected fields.
    let (s, own) = app.get(&t.account.token, &path);
    assert_eq!(s, 200, "{own}");
    let text = own.to_string();
    assert!(text.contains("个别领导干部违反廉洁纪律"), "{own}");
    assert!(!text.contains("收受礼金") && !text.contains("举报人"), "{own}");
    // The unit was told, by an event with ids only.
    let ev = events(app, "rectification.feedback_issued");
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].0.as_deref(), Some(t.account.id.as_str()));
    assert!(!ev[0].1.contains("基建处"), "{:?}", ev[0]);

    // Negative reads: another unit's account, an outsider, the hub admin.
    let other = second_account(&t);
    for (who, status) in [(&other.token, 404), (&t.outsider.token, 404), (&t.admin, 403)] {
        let (s, v) = app.get(who, &path);
        assert_eq!(s, status, "{v}");
        assert!(!v.to_string().contains("基建处"), "{v}");
    }
    // The participants read it.
    assert_eq!(app.get(&t.zzb.token, &path).0, 200);

    // Signatures: each party by whom it belongs to.
    let sig = format!("{path}/signatures");
    let (s, e) = app.post(&t.account.token, &sig, json!({"party": "team_leader", "signer_name": "冒名"}));
    assert_eq!(s, 403, "{e}");
    assert_eq!(app.post(&t.office.token, &sig, json!({"party": "unit_head", "signer_name": "冒名"})).0, 403);
    assert_eq!(app.post(&t.jiwei.token, &sig, json!({"party": "office_director", "signer_name": "x"})).0, 403);
    assert_eq!(app.post(&other.token, &sig, json!({"party": "unit_head", "signer_name": "x"})).0, 404);
    assert_eq!(app.post(&t.account.token, &sig, json!({"party": "unit_head", "signer_name": " "})).0, 422);
    let v = sign_all(&t, &t.account, &unit);
    let parties: Vec<&str> = v["signatures"].as_array().unwrap().iter().map(|s| s["party"].as_str().unwrap()).collect();
    assert_eq!(parties, ["unit_head", "team_leader", "office_director"]);
    assert_eq!(v["signatures"][0]["signer_name"], "王局长");
    assert_eq!(app.post(&t.office.token, &sig, json!({"party": "team_leader", "signer_name": "李组长"})).0, 409);
}

both!(the_feedback_lists_problems_in_the_offices_words_and_is_signed_by_three_parties);

/// The plan: submitted by the unit once the receipt is complete, in the rectification stage,
/// covering every problem; rejected by any reviewer on the 三不过 grounds, accepted when both
/// approved — and only then do its tasks become the ledger's items.
fn a_plan_is_reviewed_on_the_three_grounds_and_becomes_the_ledger(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let unit = id(&t.unit);
    let findings: Vec<String> = (0..3).map(|i| problem(&t, &unit, &format!("问题{i}"))).collect();
    stage(&t, "feedback");
    feedback(&t, &unit, &findings);
    let plans = format!("/api/v1/inspected-units/{unit}/plans");
    // Before the receipt is complete and before the rectification stage: 409.
    assert_eq!(app.post(&t.account.token, &plans, plan_body(&findings)).0, 409);
    sign_all(&t, &t.account, &unit);
    assert_eq!(app.post(&t.account.token, &plans, plan_body(&findings)).0, 409, "still the feedback stage");
    stage(&t, "rectification");

    // Only the unit submits.
    assert_eq!(app.post(&t.office.token, &plans, plan_body(&findings)).0, 403);
    assert_eq!(app.post(&t.jiwei.token, &plans, plan_body(&findings)).0, 403);
    assert_eq!(app.post(&t.outsider.token, &plans, plan_body(&findings)).0, 404);
    // Every problem needs a task; deadlines from today on; every field error at once.
    let mut short = plan_body(&findings[..2]);
    short["tasks"][0]["deadline"] = json!(in_days(-1));
    short["tasks"][1]["measure"] = json!(" ");
    let (s, e) = app.post(&t.account.token, &plans, short);
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> = e["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["tasks[0].deadline", "tasks[1].measure"]);
    let (s, e) = app.post(&t.account.token, &plans, plan_body(&findings[..2]));
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "tasks", "{e}");

    let (s, first) = app.post(&t.account.token, &plans, plan_body(&findings));
    assert_eq!(s, 201, "{first}");
    assert_eq!((first["attempt"].as_i64(), first["state"].as_str()), (Some(1), Some("submitted")));
    assert_eq!(app.post(&t.account.token, &plans, plan_body(&findings)).0, 409, "one attempt at a time");
    // The reviewers were told.
    let told: Vec<Option<String>> = events(app, "rectification.plan_submitted").into_iter().map(|e| e.0).collect();
    for a in [&t.jiwei, &t.zzb, &t.office] {
        assert!(told.contains(&Some(a.id.clone())), "{told:?}");
    }

    // Review: only the round's reviewers; a rejection names its grounds and an opinion.
    let reviews = format!("/api/v1/rectification-plans/{}/reviews", id(&first));
    assert_eq!(app.post(&t.office.token, &reviews, json!({"verdict": "approve"})).0, 403);
    assert_eq!(app.post(&t.account.token, &reviews, json!({"verdict": "approve"})).0, 403);
    assert_eq!(app.post(&t.outsider.token, &reviews, json!({"verdict": "approve"})).0, 404);
    let (s, e) = app.post(&t.zzb.token, &reviews, json!({"verdict": "reject"}));
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"].as_array().unwrap().len(), 2, "grounds and opinion: {e}");
    let (s, e) = app.post(&t.zzb.token, &reviews, json!({"verdict": "reject", "grounds": ["sloppy"], "opinion": "x"}));
    assert_eq!(s, 422, "{e}");
    let (s, rejected) = app.post(
        &t.zzb.token,
        &reviews,
        json!({"verdict": "reject", "grounds": ["measures_vague", "tasks_missing"], "opinion": "措施不具体,任务不全面"}),
    );
    assert_eq!(s, 200, "{rejected}");
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["reviews"][0]["grounds"], json!(["tasks_missing", "measures_vague"]));
    assert_eq!(app.post(&t.jiwei.token, &reviews, json!({"verdict": "approve"})).0, 409, "already decided");
    let (_, items) = app.get(&t.office.token, &format!("/api/v1/inspected-units/{unit}/items"));
    assert_eq!(items, json!([]), "a rejected plan writes no ledger");

    // The second attempt: approved by one is still waiting; by both it is accepted.
    let (s, second) = app.post(&t.account.token, &plans, plan_body(&findings));
    assert_eq!(s, 201, "{second}");
    assert_eq!(second["attempt"], 2);
    let reviews = format!("/api/v1/rectification-plans/{}/reviews", id(&second));
    let (_, v) = app.post(&t.jiwei.token, &reviews, json!({"verdict": "approve", "opinion": "同意"}));
    assert_eq!(v["state"], "submitted", "{v}");
    assert_eq!(app.post(&t.jiwei.token, &reviews, json!({"verdict": "approve"})).0, 409, "once per agency");
    let (_, v) = app.post(&t.zzb.token, &reviews, json!({"verdict": "approve"}));
    assert_eq!(v["state"], "accepted", "{v}");
    assert_eq!(app.post(&t.account.token, &plans, plan_body(&findings)).0, 409, "accepted once");

    let (_, items) = app.get(&t.account.token, &format!("/api/v1/inspected-units/{unit}/items"));
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|i| i["state"] == "in_progress" && i["plan_id"] == second["id"]), "{items:?}");
    assert_eq!(items[0]["problem"], "问题0");
    assert_eq!(items[1]["responsible_person"], "刘科长");
    let (_, list) = app.get(&t.account.token, &plans);
    let attempts: Vec<i64> = list.as_array().unwrap().iter().map(|p| p["attempt"].as_i64().unwrap()).collect();
    assert_eq!(attempts, [2, 1]);
    // The unit was told of both decisions; no event carries text.
    let decided = events(app, "rectification.plan_decided");
    assert!(decided.iter().filter(|e| e.0.as_deref() == Some(t.account.id.as_str())).count() == 2, "{decided:?}");
    assert!(decided.iter().all(|e| !e.1.contains("措施")), "{decided:?}");
}

both!(a_plan_is_reviewed_on_the_three_grounds_and_becomes_the_ledger);

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// Uploads a file to an item: (status, body).
pub fn upload(
    app: &TestApp,
    token: &str,
    item: &str,
    content_type: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    send(
        app.req(Method::POST, &format!("/api/v1/rectification-items/{item}/evidence"), Some(token))
            .query(&[("filename", filename)])
            .header("Content-Type", content_type)
            .body(bytes),
    )
}

fn download(app: &TestApp, token: &str, evidence: &str) -> (u16, String, String, Vec<u8>) {
    let resp = app.req(Method::GET, &format!("/api/v1/rectification-evidence/{evidence}"), Some(token)).send().unwrap();
    let h = |n: &str| resp.headers().get(n).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let (ct, cd) = (h("content-type"), h("content-disposition"));
    (resp.status().as_u16(), ct, cd, resp.bytes().unwrap().to_vec())
}

fn step(t: &Round, who: &Agency, item: &str, body: Value) -> (u16, Value) {
    t.app.post(&who.token, &format!("/api/v1/rectification-items/{item}/steps"), body)
}

fn xlsx() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "整改台账").unwrap();
    book.save_to_buffer().unwrap()
}

/// Evidence files: the unit uploads PDF/JPEG/PNG/DOCX/XLSX whose content is what it declares,
/// within the size limit, under a cleaned name; the office, the reviewers and the unit download
/// them, nobody else — not another unit, not a participant that does not review.
fn evidence_is_checked_by_content_and_read_only_by_those_concerned(b: Backend) {
    let (t, _, items) = ledger_of(b, 1);
    let app = &t.app;
    let item = id(&items[0]);
    let (s, ev) = upload(app, &t.account.token, &item, "image/png", "../../现场照片 <1>.png", PNG.to_vec());
    assert_eq!(s, 201, "{ev}");
    assert_eq!(ev["filename"], "现场照片 1.png");
    assert_eq!(ev["size_bytes"], PNG.len());
    let (s, sheet) = upload(app, &t.account.token, &item, EvidenceXlsx::MIME, "台账.xlsx", xlsx());
    assert_eq!(s, 201, "{sheet}");

    // Refused: a PNG declared as PDF, HTML as anything, a type not accepted, nothing, too much.
    let (s, e) = upload(app, &t.account.token, &item, "application/pdf", "a.pdf", PNG.to_vec());
    assert_eq!(s, 422, "{e}");
    let (s, e) =
        upload(app, &t.account.token, &item, "application/pdf", "a.pdf", b"<html><script>alert(1)</script>".to_vec());
    assert_eq!(s, 422, "{e}");
    assert_eq!(upload(app, &t.account.token, &item, "text/html", "a.html", b"<html>".to_vec()).0, 415);
    assert_eq!(upload(app, &t.account.token, &item, "application/zip", "a.zip", b"PK\x03\x04".to_vec()).0, 415);
    assert_eq!(upload(app, &t.account.token, &item, "image/png", "a.png", vec![]).0, 422);
    let big = [PNG.to_vec(), vec![0u8; 10 * 1024 * 1024 + 1000]].concat();
    assert_eq!(upload(app, &t.account.token, &item, "image/png", "big.png", big).0, 413);
    // Only the unit uploads, to its own items.
    let other = second_account(&t);
    assert_eq!(upload(app, &t.office.token, &item, "image/png", "a.png", PNG.to_vec()).0, 403);
    assert_eq!(upload(app, &other.token, &item, "image/png", "a.png", PNG.to_vec()).0, 404);
    assert_eq!(upload(app, &t.outsider.token, &item, "image/png", "a.png", PNG.to_vec()).0, 404);

    // Downloads: the unit, the office and both reviewers get the very bytes, typed and named.
    for who in [&t.account, &t.office, &t.jiwei, &t.zzb] {
        let (s, ct, cd, bytes) = download(app, &who.token, &id(&ev));
        assert_eq!((s, ct.as_str()), (200, "image/png"));
        assert_eq!(bytes, PNG);
        assert!(cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''"), "{cd}");
    }
    // A participant that does not review (督查局) sees the item but not its evidence.
    let dcj = app.agency(&t.admin, "dcj", "supervision_office");
    let (s, r) = app.post(
        &t.office.token,
        &format!("/api/v1/rounds/{}/participants", id(&t.round)),
        json!({"agency_ids": [dcj.id]}),
    );
    assert_eq!(s, 200, "{r}");
    let (s, detail) = app.get(&dcj.token, &format!("/api/v1/rectification-items/{item}"));
    assert_eq!(s, 200, "{detail}");
    assert_eq!(detail["evidence"], json!([]));
    let (_, detail) = app.get(&t.zzb.token, &format!("/api/v1/rectification-items/{item}"));
    assert_eq!(detail["evidence"].as_array().unwrap().len(), 2, "{detail}");
    // Nobody else: not the participant above, another unit, an outsider; the hub admin 403.
    for (who, status) in [(&dcj.token, 404), (&other.token, 404), (&t.outsider.token, 404), (&t.admin, 403)] {
        let (s, ct, _, bytes) = download(app, who, &id(&ev));
        assert_eq!(s, status);
        assert!(ct.starts_with("application/problem+json"), "{ct}");
        assert!(!bytes.windows(4).any(|w| w == b"\x89PNG"));
    }
}

both!(evidence_is_checked_by_content_and_read_only_by_those_concerned);

struct EvidenceXlsx;
impl EvidenceXlsx {
    const MIME: &'static str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

/// Items move only by their steps: the unit submits with what it did, only the office closes
/// (对账销号) or sends back with a reason; a closed item takes no more notes or files. A batch
/// is all or none. The three lists show where each problem stands.
fn ledger_items_move_only_by_their_steps(b: Backend) {
    let (t, _, items) = ledger_of(b, 3);
    let app = &t.app;
    let unit = id(&t.unit);
    let (a, b2, c) = (id(&items[0]), id(&items[1]), id(&items[2]));
    let notes = format!("/api/v1/rectification-items/{a}/notes");
    let (s, n) = app.post(&t.account.token, &notes, json!({"text": "已召开专题会议部署整改"}));
    assert_eq!(s, 201, "{n}");
    assert_eq!(app.post(&t.office.token, &notes, json!({"text": "x"})).0, 403);
    assert_eq!(app.post(&t.outsider.token, &notes, json!({"text": "x"})).0, 404);
    assert_eq!(app.post(&t.account.token, &notes, json!({"text": " "})).0, 422);

    // The office cannot close what was not submitted; the unit cannot close at all.
    assert_eq!(step(&t, &t.office, &a, json!({"step": "close"})).0, 409);
    assert_eq!(step(&t, &t.account, &a, json!({"step": "submit"})).0, 422, "a submission says what was done");
    assert_eq!(step(&t, &t.account, &a, json!({"step": "reopen", "note": "x"})).0, 422);
    let (s, v) = step(&t, &t.account, &a, json!({"step": "submit", "note": "已清退全部违规津补贴"}));
    assert_eq!((s, v["state"].as_str()), (200, Some("submitted")), "{v}");
    assert_eq!(step(&t, &t.account, &a, json!({"step": "close"})).0, 403);
    assert_eq!(step(&t, &t.jiwei, &a, json!({"step": "close"})).0, 403);
    assert_eq!(step(&t, &t.outsider, &a, json!({"step": "close"})).0, 404);
    assert_eq!(step(&t, &t.office, &a, json!({"step": "send_back"})).0, 422, "a send-back gives its reason");
    let (s, v) = step(&t, &t.office, &a, json!({"step": "send_back", "note": "佐证材料不足"}));
    assert_eq!((s, v["state"].as_str()), (200, Some("in_progress")), "{v}");
    let stale = app
        .req(Method::POST, &format!("/api/v1/rectification-items/{a}/steps"), Some(&t.account.token))
        .header("If-Match", "1")
        .json(&json!({"step": "submit", "note": "补充材料"}));
    assert_eq!(send(stale).0, 412);
    step(&t, &t.account, &a, json!({"step": "submit", "note": "补充材料后再次申请"}));
    let (s, v) = step(&t, &t.office, &a, json!({"step": "close", "note": "经核查已整改到位"}));
    assert_eq!((s, v["state"].as_str()), (200, Some("closed")), "{v}");
    assert!(v["closed_at"].is_string(), "{v}");
    assert_eq!(app.post(&t.account.token, &notes, json!({"text": "x"})).0, 409);
    assert_eq!(upload(app, &t.account.token, &a, "image/png", "a.png", PNG.to_vec()).0, 409);
    let (_, detail) = app.get(&t.account.token, &format!("/api/v1/rectification-items/{a}"));
    let kinds: Vec<&str> = detail["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["note", "submit", "send_back", "submit", "close"]);
    assert_eq!(detail["entries"][2]["text"], "佐证材料不足");
    // Each step told the other side, with ids and states only.
    let told = events(app, "rectification.item_step");
    assert_eq!(told.len(), 4);
    assert_eq!(told[0].0.as_deref(), Some(t.office.id.as_str()));
    assert_eq!(told[1].0.as_deref(), Some(t.account.id.as_str()));
    assert!(told.iter().all(|e| !e.1.contains("津补贴")), "{told:?}");

    // A batch: all or none.
    let batch = format!("/api/v1/inspected-units/{unit}/items/steps");
    let (s, v) = app.post(&t.account.token, &batch, json!({"step": "submit", "note": "整改完成", "item_ids": [b2, c]}));
    assert_eq!(s, 200, "{v}");
    let (s, e) = app.post(&t.office.token, &batch, json!({"step": "close", "item_ids": [b2, a, id(&t.unit)]}));
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> = e["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["item_ids[1]", "item_ids[2]"]);
    let (_, still) = app.get(&t.office.token, &format!("/api/v1/inspected-units/{unit}/items?state=submitted"));
    assert_eq!(still.as_array().unwrap().len(), 2, "nothing changed: {still}");
    assert_eq!(app.post(&t.account.token, &batch, json!({"step": "close", "item_ids": [b2]})).0, 403);
    let (s, v) = app.post(&t.office.token, &batch, json!({"step": "close", "item_ids": [b2]}));
    assert_eq!((s, v[0]["state"].as_str()), (200, Some("closed")), "{v}");

    // The three lists: two problems rectified, one waiting for 对账销号.
    let (s, l) = app.get(&t.account.token, &format!("/api/v1/inspected-units/{unit}/ledger"));
    assert_eq!(s, 200, "{l}");
    let done: Vec<bool> = l["problems"].as_array().unwrap().iter().map(|p| p["rectified"].as_bool().unwrap()).collect();
    assert_eq!(done, [true, true, false]);
    let people: Vec<&str> =
        l["responsibilities"].as_array().unwrap().iter().map(|r| r["responsible_person"].as_str().unwrap()).collect();
    assert_eq!(people, ["刘科长", "张副局长", "张副局长"]);
    let export = |who: &str, path: &str, q: &[(&str, &str)]| {
        let resp = app.req(Method::GET, path, Some(who)).query(q).send().unwrap();
        (resp.status().as_u16(), resp.bytes().unwrap().to_vec())
    };
    let unit_export = format!("/api/v1/inspected-units/{unit}/ledger/export");
    let (s, csv) = export(&t.account.token, &unit_export, &[("list", "problems")]);
    assert_eq!(s, 200);
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("序号,被巡察单位,问题,问题类别,整改任务数,已销号任务数,是否整改到位,整改完成时间"),
        "{text}"
    );
    assert_eq!(text.matches(",是,").count(), 2, "{text}");
    let (s, book) = export(&t.office.token, &unit_export, &[("list", "responsibilities"), ("format", "xlsx")]);
    assert_eq!((s, &book[..2]), (200, &b"PK"[..]));
    assert!(crate::ledger::xlsx_part(&book, "xl/sharedStrings.xml").contains("责任人"));
    let (s, _) =
        export(&t.jiwei.token, &format!("/api/v1/rounds/{}/ledger/export", id(&t.round)), &[("list", "tasks")]);
    assert_eq!(s, 200);
    assert_eq!(export(&t.office.token, &unit_export, &[("list", "people")]).0, 422);
    let other = second_account(&t);
    assert_eq!(export(&other.token, &unit_export, &[]).0, 404);
    assert_eq!(export(&t.outsider.token, &unit_export, &[]).0, 404);
    assert_eq!(export(&t.admin, &unit_export, &[]).0, 403);
}

both!(ledger_items_move_only_by_their_steps);

/// Seed 002 (茂名): 351 problems found, 305 rectified. Built through the API over the round's
/// two units (the second has no account of its own: the office records its papers); the
/// statistics read the figures back exactly, for the round and per unit; an outsider and the
/// unit's own account get none of them.
fn maomings_351_problems_found_and_305_rectified(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let plan: [(String, &Agency, usize, usize); 2] =
        [(id(&t.unit), &t.account, 176, 153), (id(&t.other_unit), &t.office, 175, 152)];
    let mut found: Vec<Vec<String>> = Vec::new();
    for (unit, _, n, _) in &plan {
        found.push((0..*n).map(|i| problem(&t, unit, &format!("问题{i}"))).collect());
    }
    stage(&t, "feedback");
    for ((unit, actor, _, _), findings) in plan.iter().zip(&found) {
        feedback(&t, unit, findings);
        sign_all(&t, actor, unit);
    }
    stage(&t, "rectification");
    for ((unit, actor, _, rectified), findings) in plan.iter().zip(&found) {
        accepted_plan(&t, actor, unit, findings);
        let (_, items) = app.get(&actor.token, &format!("/api/v1/inspected-units/{unit}/items"));
        let done: Vec<String> = items.as_array().unwrap()[..*rectified].iter().map(id).collect();
        let batch = format!("/api/v1/inspected-units/{unit}/items/steps");
        let (s, v) = app.post(&actor.token, &batch, json!({"step": "submit", "note": "整改完成", "item_ids": done}));
        assert_eq!(s, 200, "{v}");
        let (s, v) = app.post(&t.office.token, &batch, json!({"step": "close", "note": "对账销号", "item_ids": done}));
        assert_eq!(s, 200, "{v}");
    }
    let path = format!("/api/v1/rounds/{}/rectification-stats", id(&t.round));
    let (s, stats) = app.get(&t.jiwei.token, &path);
    assert_eq!(s, 200, "{stats}");
    assert_eq!((stats["problems_found"].as_i64(), stats["problems_rectified"].as_i64()), (Some(351), Some(305)));
    assert!((stats["rectification_rate"].as_f64().unwrap() - 305.0 / 351.0).abs() < 1e-9);
    assert_eq!(stats["items"]["closed"], 305);
    assert_eq!(stats["items"]["in_progress"], 46);
    assert_eq!((stats["receipts_complete"].as_i64(), stats["plans_accepted"].as_i64()), (Some(2), Some(2)));
    let per_unit: Vec<(i64, i64)> = stats["by_unit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["problems_found"].as_i64().unwrap(), u["problems_rectified"].as_i64().unwrap()))
        .collect();
    let mut per_unit_sorted = per_unit.clone();
    per_unit_sorted.sort();
    assert_eq!(per_unit_sorted, [(175, 152), (176, 153)]);
    // Nobody else reads the figures.
    assert_eq!(app.get(&t.outsider.token, &path).0, 404);
    assert_eq!(app.get(&t.account.token, &path).0, 403);
    assert_eq!(app.get(&t.admin, &path).0, 403);
}

both!(maomings_351_problems_found_and_305_rectified);
