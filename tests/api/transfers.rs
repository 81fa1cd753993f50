//! Clue transfer and handling to closure, through the real HTTP API.

use diesel::RunQueryDsl;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

pub fn clue(app: &TestApp, a: &Agency, title: &str, body: &str, objects: &[&str]) -> String {
    let (s, r) = app.post(&a.token, "/api/v1/records", json!({"kind": "clue", "title": title, "body": body, "category": "廉洁纪律", "object_ids": objects, "distribution": {"level": "own"}}));
    assert_eq!(s, 201, "{r}");
    r["id"].as_str().unwrap().to_string()
}

pub fn transfer(app: &TestApp, from: &Agency, record: &str, to: &Agency) -> (u16, Value) {
    app.post(&from.token, &format!("/api/v1/records/{record}/transfers"), json!({"to_agency_id": to.id, "suggestion": "建议由市纪委监委谈话函询", "deadline": "2099-01-31", "round": "七届市委第八轮巡察"}))
}

/// One step of a transfer by `a` (accept, start, conclude, feedback …), which must succeed.
pub fn transfer_step(app: &TestApp, a: &Agency, tid: &str, action: &str, body: Value) -> Value {
    let (s, r) = app.post(&a.token, &format!("/api/v1/transfers/{tid}/{action}"), body);
    assert_eq!(s, 200, "{action}: {r}");
    r
}

/// Accepts, starts and concludes a transfer with the outcome and sanctions given.
pub fn conclude(app: &TestApp, a: &Agency, tid: &str, outcome: &str, sanctions: [i32; 3], summary: &str) {
    assert_eq!(transfer_step(app, a, tid, "accept", json!({}))["state"], "accepted");
    assert_eq!(transfer_step(app, a, tid, "start", json!({}))["state"], "in_progress");
    let s = json!({"disciplinary": sanctions[0], "organizational": sanctions[1], "judicial": sanctions[2]});
    let c = transfer_step(app, a, tid, "conclude", json!({"outcome": outcome, "sanctions": s, "summary": summary}));
    assert_eq!(c["state"], "concluded");
}

fn inbox_reasons(app: &TestApp, a: &Agency) -> Vec<(String, String)> {
    let inbox = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/inbox", Some(&a.token)).query(&[("state", "all"), ("limit", "500")])),
    );
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["reason"].as_str().unwrap().to_string(), i["note"].as_str().unwrap_or("").to_string()))
        .collect()
}

fn transfer_lifecycle_to_closure(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let id = clue(&app, &xc, "市住建局违规发放津补贴问题线索", "巡察发现以加班费名义违规发放津补贴46.8万元", &[]);
    assert_eq!(app.get(&jw.token, &format!("/api/v1/records/{id}")).0, 404, "not yet transferred");
    let (s, t) = transfer(&app, &xc, &id, &jw);
    assert_eq!(s, 201, "{t}");
    assert_eq!(t["state"], "transferred");
    let tid = t["id"].as_str().unwrap().to_string();
    // Rule 3: the receiver gains full access, and finds the transfer in its inbox and ledger.
    assert_eq!(app.get(&jw.token, &format!("/api/v1/records/{id}")).0, 200);
    assert!(inbox_reasons(&app, &jw).iter().any(|(r, n)| r == "transfer.created" && n.contains("谈话函询")));
    let ledger = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/transfers", Some(&jw.token)).query(&[("direction", "in")])),
    );
    assert_eq!(ledger["items"][0]["id"], tid.as_str());
    assert_eq!(ledger["items"][0]["record_title"], "市住建局违规发放津补贴问题线索");
    let ledger = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/transfers", Some(&xc.token)).query(&[("direction", "out")])),
    );
    assert_eq!(ledger["items"].as_array().unwrap().len(), 1);
    let ledger = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/transfers", Some(&xc.token)).query(&[("direction", "in")])),
    );
    assert!(ledger["items"].as_array().unwrap().is_empty());
    // The receiver's feed has the clue shared and the transfer.
    let f = expect_status(200, send(app.req(Method::GET, "/api/v1/feed", Some(&jw.token)).query(&[("limit", "500")])));
    let types: Vec<&str> = f["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"record.shared") && types.contains(&"transfer.created"), "{types:?}");

    let step = |action: &str, body: Value| app.post(&jw.token, &format!("/api/v1/transfers/{tid}/{action}"), body);
    assert_eq!(step("accept", json!({})).1["state"], "accepted");
    assert_eq!(step("start", json!({})).1["state"], "in_progress");
    let (s, c) = step(
        "conclude",
        json!({"outcome": "form1", "sanctions": {"disciplinary": 1, "organizational": 2, "judicial": 0}, "summary": "对相关责任人谈话提醒"}),
    );
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["state"], "concluded");
    assert_eq!(c["sanctions"]["organizational"], 2);
    // The sender is notified with the result.
    assert!(
        inbox_reasons(&app, &xc)
            .iter()
            .any(|(r, n)| r == "transfer.concluded" && n.contains("第一种形态") && n.contains("组织处理 2 人")),
        "{:?}",
        inbox_reasons(&app, &xc)
    );
    let (s, c) = step("feedback", json!({"note": "已向市委巡察办反馈"}));
    assert_eq!((s, c["state"].as_str()), (200, Some("closed")));
    let st = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/stats/clues", Some(&xc.token)).query(&[("direction", "out")])),
    );
    assert_eq!(st["transferred"], 1);
    assert_eq!(st["closed"], 1);
    assert_eq!(st["closure_rate"], 1.0);
    assert_eq!(st["by_outcome"]["form1"], 1);
    assert_eq!(st["sanctions"], json!({"disciplinary": 1, "organizational": 2, "judicial": 0}));
    // Each step is in the audit log.
    let audit = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/audit", Some(&admin)).query(&[("resource_id", tid.as_str())])),
    );
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        vec!["transfer.feedback", "transfer.conclude", "transfer.start", "transfer.accept", "transfer.create"]
    );
}

fn illegal_steps_change_nothing(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let zz = app.agency(&admin, "zuzhi", "organization");
    let id = clue(&app, &xc, "线索甲", "内容", &[]);
    let t = expect_status(201, transfer(&app, &xc, &id, &jw));
    let tid = t["id"].as_str().unwrap().to_string();
    let step =
        |a: &Agency, action: &str, body: Value| app.post(&a.token, &format!("/api/v1/transfers/{tid}/{action}"), body);
    // Only the receiver moves it; a third agency does not even see it.
    assert_eq!(step(&xc, "accept", json!({})).0, 403);
    assert_eq!(step(&zz, "accept", json!({})).0, 404);
    assert_eq!(app.get(&zz.token, &format!("/api/v1/transfers/{tid}")).0, 404);
    // Wrong state: 409; missing outcome, bad sanctions, blank reason: 422.
    assert_eq!(step(&jw, "start", json!({})).0, 409);
    assert_eq!(
        step(
            &jw,
            "conclude",
            json!({"outcome": "form1", "sanctions": {"disciplinary": 0, "organizational": 0, "judicial": 0}})
        )
        .0,
        409
    );
    assert_eq!(step(&jw, "accept", json!({})).0, 200);
    assert_eq!(step(&jw, "accept", json!({})).0, 409);
    assert_eq!(step(&jw, "start", json!({})).0, 200);
    assert_eq!(
        step(&jw, "conclude", json!({"sanctions": {"disciplinary": 0, "organizational": 0, "judicial": 0}})).0,
        422
    );
    assert_eq!(
        step(
            &jw,
            "conclude",
            json!({"outcome": "form5", "sanctions": {"disciplinary": 0, "organizational": 0, "judicial": 0}})
        )
        .0,
        422
    );
    assert_eq!(
        step(
            &jw,
            "conclude",
            json!({"outcome": "cleared", "sanctions": {"disciplinary": 2, "organizational": 0, "judicial": 0}})
        )
        .0,
        422
    );
    assert_eq!(
        step(
            &jw,
            "conclude",
            json!({"outcome": "form2", "sanctions": {"disciplinary": -1, "organizational": 0, "judicial": 0}})
        )
        .0,
        422
    );
    assert_eq!(step(&jw, "return", json!({"reason": "x"})).0, 409);
    let t = expect_status(200, app.get(&jw.token, &format!("/api/v1/transfers/{tid}")));
    assert_eq!(
        (t["state"].as_str(), t["version"].as_i64()),
        (Some("in_progress"), Some(3)),
        "refused steps changed nothing"
    );
    // Transfer rules: the same clue twice to the same agency is refused; only clues, only the owner, a valid deadline.
    assert_eq!(transfer(&app, &xc, &id, &jw).0, 409);
    let notice = expect_status(
        201,
        app.post(
            &xc.token,
            "/api/v1/records",
            json!({"kind": "notice", "title": "通报", "distribution": {"level": "all"}}),
        ),
    );
    let (s, p) = transfer(&app, &xc, notice["id"].as_str().unwrap(), &jw);
    assert_eq!((s, p["errors"][0]["field"].as_str()), (422, Some("record_id")));
    assert_eq!(transfer(&app, &jw, &id, &zz).0, 403, "a receiver may read the clue but not transfer it on");
    assert_eq!(transfer(&app, &zz, &id, &jw).0, 404);
    assert_eq!(transfer(&app, &xc, &id, &xc).0, 422);
    let (s, p) = app.post(
        &xc.token,
        &format!("/api/v1/records/{id}/transfers"),
        json!({"to_agency_id": zz.id, "suggestion": "建议", "deadline": "2020-01-01"}),
    );
    assert_eq!((s, p["errors"][0]["field"].as_str()), (422, Some("deadline")));
    let (s, _) = app.post(
        &xc.token,
        &format!("/api/v1/records/{id}/transfers"),
        json!({"to_agency_id": zz.id, "suggestion": " ", "deadline": "2099-01-01"}),
    );
    assert_eq!(s, 422);
}

fn returned_clue_goes_back_to_the_sender(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let zz = app.agency(&admin, "zuzhi", "organization");
    let id = clue(&app, &xc, "线索乙", "内容", &[]);
    let t = expect_status(201, transfer(&app, &xc, &id, &zz));
    let tid = t["id"].as_str().unwrap();
    assert_eq!(app.post(&zz.token, &format!("/api/v1/transfers/{tid}/return"), json!({"reason": " "})).0, 422);
    let (s, r) =
        app.post(&zz.token, &format!("/api/v1/transfers/{tid}/return"), json!({"reason": "不属于本单位管辖范围"}));
    assert_eq!((s, r["state"].as_str()), (200, Some("returned")));
    // Only the sender sees a returned transfer; the receiver loses the clue (a tombstone).
    assert_eq!(app.get(&xc.token, &format!("/api/v1/transfers/{tid}")).1["return_reason"], "不属于本单位管辖范围");
    assert_eq!(app.get(&zz.token, &format!("/api/v1/transfers/{tid}")).0, 404);
    assert_eq!(app.get(&zz.token, &format!("/api/v1/records/{id}")).0, 404);
    let f = expect_status(200, send(app.req(Method::GET, "/api/v1/feed", Some(&zz.token)).query(&[("limit", "500")])));
    let last = f["events"].as_array().unwrap().iter().rfind(|e| e["record_id"] == id.as_str()).cloned().unwrap();
    assert_eq!(last["type"], "record.revoked");
    assert!(inbox_reasons(&app, &xc)
        .iter()
        .any(|(r, n)| r == "transfer.returned" && n.contains("不属于本单位管辖范围")));
    // The sender may transfer it again.
    assert_eq!(transfer(&app, &xc, &id, &zz).0, 201);
}

fn a_third_agency_sees_none_of_the_transfer(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let other = app.agency(&admin, "caizheng", "finance");
    let id = clue(&app, &xc, "机密线索丙", "内容", &[]);
    let t = expect_status(201, transfer(&app, &xc, &id, &jw));
    let tid = t["id"].as_str().unwrap();
    assert_eq!(app.get(&other.token, &format!("/api/v1/transfers/{tid}")).0, 404);
    assert_eq!(app.get(&other.token, &format!("/api/v1/records/{id}")).0, 404);
    let ledger = expect_status(200, app.get(&other.token, "/api/v1/transfers"));
    assert!(ledger["items"].as_array().unwrap().is_empty());
    let st = expect_status(200, app.get(&other.token, "/api/v1/stats/clues"));
    assert_eq!(st["transferred"], 0);
    let (s, _) =
        send(app.req(Method::GET, "/api/v1/stats/clues", Some(&other.token)).query(&[("agency_id", xc.id.as_str())]));
    assert_eq!(s, 403, "no agency reads another's statistics");
    let f =
        expect_status(200, send(app.req(Method::GET, "/api/v1/feed", Some(&other.token)).query(&[("limit", "500")])));
    assert!(!f.to_string().contains(tid) && !f.to_string().contains(&id));
    assert!(inbox_reasons(&app, &other).is_empty());
    let csv = expect_status(200, send(app.req(Method::GET, "/api/v1/transfers/export", Some(&other.token))));
    assert!(!csv.to_string().contains("机密线索丙"));
    // The hub admin reads counts, never content.
    let (s, st) =
        send(app.req(Method::GET, "/api/v1/stats/clues", Some(&admin)).query(&[("agency_id", xc.id.as_str())]));
    assert_eq!((s, st["transferred"].as_i64()), (200, Some(1)));
    assert_eq!(app.get(&admin, &format!("/api/v1/transfers/{tid}")).0, 403);
    let (s, all) = app.get(&admin, "/api/v1/stats/clues/agencies");
    assert_eq!(s, 200);
    assert!(!all.to_string().contains("机密线索丙"));
    assert_eq!(app.get(&xc.token, "/api/v1/stats/clues/agencies").0, 403);
}

fn overdue_transfers_are_listed_and_counted(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let late = clue(&app, &xc, "逾期线索", "内容", &[]);
    let on_time = clue(&app, &xc, "未逾期线索", "内容", &[]);
    let t = expect_status(201, transfer(&app, &xc, &late, &jw));
    expect_status(201, transfer(&app, &xc, &on_time, &jw));
    // A deadline in the past cannot be set through the API: let time pass in the database.
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query(format!(
        "UPDATE transfers SET deadline = '2020-01-31' WHERE id = '{}'",
        t["id"].as_str().unwrap()
    ))
    .execute(&mut *conn)
    .unwrap();
    let ledger = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/transfers", Some(&jw.token)).query(&[("overdue", "true")])),
    );
    let titles: Vec<&str> =
        ledger["items"].as_array().unwrap().iter().map(|i| i["record_title"].as_str().unwrap()).collect();
    assert_eq!(titles, vec!["逾期线索"]);
    assert_eq!(ledger["items"][0]["overdue"], true);
    let st = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/stats/clues", Some(&jw.token)).query(&[("direction", "in")])),
    );
    assert_eq!((st["overdue"].as_i64(), st["transferred"].as_i64()), (Some(1), Some(2)));
}

fn ledger_exports_csv_and_xlsx_with_chinese_headers(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let id = clue(&app, &xc, "市交通局工程项目线索", "内容", &[]);
    expect_status(201, transfer(&app, &xc, &id, &jw));
    let resp =
        app.req(Method::GET, "/api/v1/transfers/export", Some(&xc.token)).query(&[("format", "csv")]).send().unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
    let bytes = resp.bytes().unwrap();
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF], "BOM so Excel reads UTF-8");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("序号,线索标题,移交单位,接收单位,问题类别,巡察轮次,处置建议"));
    let row = lines.next().unwrap();
    assert!(
        row.contains("市交通局工程项目线索")
            && row.contains("测试单位jiwei")
            && row.contains("七届市委第八轮巡察")
            && row.contains("已移交"),
        "{row}"
    );
    let resp =
        app.req(Method::GET, "/api/v1/transfers/export", Some(&xc.token)).query(&[("format", "xlsx")]).send().unwrap();
    assert_eq!(resp.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.xlsx");
    std::fs::write(&path, resp.bytes().unwrap()).unwrap();
    // Read the workbook back with Python's zipfile: the shared strings hold the headers and the row.
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys,zipfile; print(zipfile.ZipFile(sys.argv[1]).read('xl/sharedStrings.xml').decode())",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let strings = String::from_utf8(out.stdout).unwrap();
    assert!(strings.contains("党纪政务处分(人)") && strings.contains("市交通局工程项目线索"), "{strings}");
    assert_eq!(
        send(app.req(Method::GET, "/api/v1/transfers/export", Some(&xc.token)).query(&[("format", "pdf")])).0,
        422
    );
}

fn duplicate_handling_is_flagged_without_leaking(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let bystander = app.agency(&admin, "caizheng", "finance");
    let obj = expect_status(
        201,
        app.post(&xc.token, "/api/v1/objects", json!({"name": "市住房和城乡建设局", "kind": "unit"})),
    );
    let o = obj["id"].as_str().unwrap();
    let theirs = clue(
        &app,
        &jw,
        "关于市住建局违规发放津补贴的举报",
        "反映市住建局2023年至2025年以加班费名义违规发放津补贴共计46.8万元",
        &[o],
    );
    let mine = clue(
        &app,
        &xc,
        "市住建局违规发放津补贴问题线索",
        "巡察发现:2023年至2025年,市住建局以加班费名义违规发放津补贴,共计46.8万元",
        &[o],
    );
    let unrelated = clue(&app, &xc, "市住建局工程招投标问题线索", "某工程项目未公开招标,涉嫌规避招标程序", &[o]);
    // Flags arrive after commit, from the job that follows the event log.
    app.settle();
    // Both agencies are told, each on its own clue, naming the other agency only.
    let xc_notes = inbox_reasons(&app, &xc);
    assert!(xc_notes.iter().any(|(r, n)| r == "duplicate" && n.contains("测试单位jiwei")), "{xc_notes:?}");
    assert!(!xc_notes.iter().any(|(_, n)| n.contains("举报")), "nothing of the other clue's content");
    let jw_notes = inbox_reasons(&app, &jw);
    assert!(jw_notes.iter().any(|(r, n)| r == "duplicate" && n.contains("测试单位xuncha")), "{jw_notes:?}");
    assert!(inbox_reasons(&app, &bystander).is_empty());
    // Both sides of each disclosure are audited, in the audit log of the agency concerned.
    let audit = |action: &str| {
        let (s, a) = send(app.req(Method::GET, "/api/v1/audit", Some(&admin)).query(&[("action", action)]));
        assert_eq!(s, 200, "{a}");
        let mut v: Vec<(String, String)> = a["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (e["actor_agency_id"].as_str().unwrap().to_string(), e["resource_id"].as_str().unwrap().to_string())
            })
            .collect();
        v.sort();
        v
    };
    let mut told = vec![(xc.id.clone(), mine.clone()), (jw.id.clone(), theirs.clone())];
    told.sort();
    assert_eq!(audit("duplicate.disclosed"), told);
    let mut named = vec![(jw.id.clone(), theirs.clone()), (xc.id.clone(), mine.clone())];
    named.sort();
    assert_eq!(audit("duplicate.disclosed_to"), named);
    // /similar: not entitled → only who handles a related clue.
    let (s, sim) = app.get(&xc.token, &format!("/api/v1/records/{mine}/similar"));
    assert_eq!(s, 200);
    assert!(sim["next_cursor"].is_null(), "{sim}");
    let sim = sim["items"].as_array().unwrap();
    assert_eq!(sim.len(), 1, "the unrelated clue on the same object is not similar: {sim:?}");
    assert_eq!(sim[0]["entitled"], false);
    assert_eq!(sim[0]["handled_by"], json!(["测试单位jiwei"]));
    assert!(sim[0]["record_id"].is_null() && sim[0]["title"].is_null() && sim[0]["score"].is_null());
    assert!(!serde_json::to_string(&sim).unwrap().contains(&theirs));
    // Once transferred, the discipline commission may read the clue: full details and the reason.
    transfer(&app, &xc, &mine, &jw);
    let sim = expect_status(200, app.get(&jw.token, &format!("/api/v1/records/{theirs}/similar")))["items"].clone();
    let first = &sim.as_array().unwrap()[0];
    assert_eq!(first["entitled"], true);
    assert_eq!(first["record_id"], mine.as_str());
    assert!(first["score"].as_f64().unwrap() >= 0.5);
    assert!(first["reason"].as_str().unwrap().contains("违规发放津补贴"), "{first}");
    assert_eq!(app.get(&bystander.token, &format!("/api/v1/records/{mine}/similar")).0, 404);
    let _ = unrelated;
}

both!(
    transfer_lifecycle_to_closure,
    illegal_steps_change_nothing,
    returned_clue_goes_back_to_the_sender,
    a_third_agency_sees_none_of_the_transfer,
    overdue_transfers_are_listed_and_counted,
    ledger_exports_csv_and_xlsx_with_chinese_headers,
    duplicate_handling_is_flagged_without_leaking
);

/// The clue statistics sum the persons sanctioned over every concluded transfer: more than
/// one transfer may hold (10,000), and the spec says so (schemathesis met 10,011 against it).
fn sanction_totals_exceed_what_one_transfer_may_hold(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    for i in 0..2 {
        let id = clue(&app, &xc, &format!("系统性违纪问题线索{i}"), "涉及人数众多", &[]);
        let (s, t) = transfer(&app, &xc, &id, &jw);
        assert_eq!(s, 201, "{t}");
        conclude(&app, &jw, t["id"].as_str().unwrap(), "form4", [6000, 10000, 1], "立案审查");
    }
    let (s, st) = app.get(&jw.token, &format!("/api/v1/stats/clues?agency_id={}", jw.id));
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["sanctions"], json!({"disciplinary": 12000, "organizational": 20000, "judicial": 2}));
    let (s, spec) = app.get(&jw.token, "/api/openapi.json");
    assert_eq!(s, 200);
    let totals = &spec["components"]["schemas"]["ClueStats"]["properties"]["sanctions"];
    let name = totals["$ref"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string();
    let schema = &spec["components"]["schemas"][name.as_str()];
    for k in ["disciplinary", "organizational", "judicial"] {
        assert_eq!(schema["properties"][k]["minimum"], 0, "{schema}");
        assert!(schema["properties"][k].get("maximum").is_none(), "a sum has no maximum: {schema}");
    }
}

both!(sanction_totals_exceed_what_one_transfer_may_hold);

fn joint_deliberation_with_assignments_and_supervision(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let sj = app.agency(&admin, "shenji", "audit");
    let outsider = app.agency(&admin, "caizheng", "finance");
    let id = clue(&app, &xc, "重要线索:市交通局工程项目", "内容", &[]);
    assert_eq!(app.get(&sj.token, &format!("/api/v1/records/{id}")).0, 404);
    let (s, d) = app.post(&xc.token, "/api/v1/deliberations", json!({"record_id": id, "title": "关于市交通局工程项目线索的会商", "participant_agency_ids": [jw.id, sj.id], "minutes": "一、情况通报"}));
    assert_eq!(s, 201, "{d}");
    let did = d["id"].as_str().unwrap().to_string();
    // Participants gain access to the clue for the deliberation; others do not.
    assert_eq!(app.get(&sj.token, &format!("/api/v1/records/{id}")).0, 200);
    assert_eq!(app.get(&outsider.token, &format!("/api/v1/records/{id}")).0, 404);
    assert_eq!(app.get(&outsider.token, &format!("/api/v1/deliberations/{did}")).0, 404);
    assert!(inbox_reasons(&app, &sj).iter().any(|(r, _)| r == "deliberation.opened"));
    // Minutes from a participant; the conclusion only from the convener.
    let (s, d) = app.post(
        &sj.token,
        &format!("/api/v1/deliberations/{did}/minutes"),
        json!({"text": "二、审计发现资金拨付滞后"}),
    );
    assert_eq!(s, 200);
    assert!(d["minutes"].as_str().unwrap().contains("审计发现"));
    assert_eq!(app.post(&outsider.token, &format!("/api/v1/deliberations/{did}/minutes"), json!({"text": "x"})).0, 404);
    assert_eq!(
        app.post(&sj.token, &format!("/api/v1/deliberations/{did}/conclude"), json!({"conclusion": "x"})).0,
        403
    );
    // 交办 to a participant only; 督办 by the convener; done by the assignee.
    assert_eq!(
        app.post(
            &xc.token,
            &format!("/api/v1/deliberations/{did}/assignments"),
            json!({"agency_id": outsider.id, "task": "x", "deadline": "2099-01-01"})
        )
        .0,
        422
    );
    let (s, a) = app.post(
        &xc.token,
        &format!("/api/v1/deliberations/{did}/assignments"),
        json!({"agency_id": jw.id, "task": "对相关责任人开展谈话函询", "deadline": "2099-03-31"}),
    );
    assert_eq!(s, 201, "{a}");
    let aid = a["id"].as_str().unwrap();
    assert!(inbox_reasons(&app, &jw).iter().any(|(r, n)| r == "assignment.created" && n.contains("谈话函询")));
    assert_eq!(app.post(&jw.token, &format!("/api/v1/assignments/{aid}/urge"), json!({"note": "x"})).0, 403);
    let (s, a) = app.post(&xc.token, &format!("/api/v1/assignments/{aid}/urge"), json!({"note": "请于本周内报告进展"}));
    assert_eq!((s, a["urge_count"].as_i64()), (200, Some(1)));
    assert!(inbox_reasons(&app, &jw).iter().any(|(r, n)| r == "assignment.urged" && n.contains("本周内")));
    assert_eq!(app.post(&sj.token, &format!("/api/v1/assignments/{aid}/complete"), json!({"result": "x"})).0, 403);
    let (s, a) =
        app.post(&jw.token, &format!("/api/v1/assignments/{aid}/complete"), json!({"result": "已完成谈话函询"}));
    assert_eq!((s, a["state"].as_str()), (200, Some("done")));
    assert_eq!(app.post(&xc.token, &format!("/api/v1/assignments/{aid}/urge"), json!({"note": "x"})).0, 409);
    assert!(inbox_reasons(&app, &xc).iter().any(|(r, _)| r == "assignment.done"));
    let (s, d) = app.post(
        &xc.token,
        &format!("/api/v1/deliberations/{did}/conclude"),
        json!({"conclusion": "由市纪委监委牵头核查,审计局配合"}),
    );
    assert_eq!((s, d["state"].as_str()), (200, Some("concluded")));
    assert_eq!(d["assignments"][0]["state"], "done");
    assert_eq!(app.post(&jw.token, &format!("/api/v1/deliberations/{did}/minutes"), json!({"text": "x"})).0, 409);
    let list = expect_status(200, app.get(&sj.token, "/api/v1/deliberations"))["items"].clone();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let list = expect_status(200, app.get(&outsider.token, "/api/v1/deliberations"))["items"].clone();
    assert!(list.as_array().unwrap().is_empty());
}

/// Seed 000: 七届市委13轮巡察共移交问题线索1724条,党纪政务处分147人,组织处理1225人,移送司法12人.
/// The scenario is built through the API and the statistics must reproduce it exactly.
fn statistics_reproduce_the_seed_scenario(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let zz = app.agency(&admin, "zuzhi", "organization");
    const N: usize = 1724;
    // 1,724 clues over 13 rounds, pushed as one batch.
    let body: String = (0..N)
        .map(|i| json!({"external_id": format!("XC-{i:04}"), "kind": "clue", "title": format!("第{}轮巡察移交问题线索{i}", i % 13 + 1), "body": format!("问题线索{i}")}).to_string() + "\n")
        .collect();
    let resp = app
        .req(Method::POST, "/api/v1/sync/batches", Some(&xc.token))
        .header("Content-Type", "application/x-ndjson")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(resp.headers()["X-Batch-Created"], "1724");
    let ids: Vec<String> = resp
        .text()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_string())
        .collect();
    // Sanctions spread so that they total 147 / 1,225 / 12: the discipline commission takes
    // every third clue, the organization department the rest.
    let (mut dis, mut org, mut jud) = (147, 1225, 12);
    let (mut expect_form, mut concluded) = (std::collections::BTreeMap::<&str, i64>::new(), 0);
    for (i, id) in ids.iter().enumerate() {
        let to = if i % 3 == 0 { &jw } else { &zz };
        let (s, t) = app.post(&xc.token, &format!("/api/v1/records/{id}/transfers"), json!({"to_agency_id": to.id, "suggestion": "分类处置", "deadline": "2099-12-31", "round": format!("七届市委第{}轮巡察", i % 13 + 1)}));
        assert_eq!(s, 201, "{t}");
        let tid = t["id"].as_str().unwrap();
        for a in ["accept", "start"] {
            assert_eq!(app.post(&to.token, &format!("/api/v1/transfers/{tid}/{a}"), json!({})).0, 200);
        }
        let left = (N - i) as i64;
        let take = |rest: &mut i64| {
            let n = (*rest + left - 1) / left;
            *rest -= n;
            n
        };
        let sanctions =
            json!({"disciplinary": take(&mut dis), "organizational": take(&mut org), "judicial": take(&mut jud)});
        let outcome = if sanctions["judicial"].as_i64() > Some(0) {
            "form4"
        } else if sanctions["disciplinary"].as_i64() > Some(0) {
            "form2"
        } else if sanctions["organizational"].as_i64() > Some(0) {
            "form1"
        } else {
            "cleared"
        };
        *expect_form.entry(outcome).or_default() += 1;
        let (s, c) = app.post(
            &to.token,
            &format!("/api/v1/transfers/{tid}/conclude"),
            json!({"outcome": outcome, "sanctions": sanctions}),
        );
        assert_eq!(s, 200, "{c}");
        concluded += 1;
        if i % 2 == 0 {
            assert_eq!(
                app.post(&to.token, &format!("/api/v1/transfers/{tid}/feedback"), json!({"note": "已反馈"})).0,
                200
            );
        }
    }
    assert_eq!((dis, org, jud), (0, 0, 0));
    let (s, st) = send(app.req(Method::GET, "/api/v1/stats/clues", Some(&xc.token)).query(&[("direction", "out")]));
    assert_eq!(s, 200);
    assert_eq!(st["transferred"], 1724);
    assert_eq!(st["accepted"], 1724);
    assert_eq!(st["concluded"].as_i64().unwrap() + st["closed"].as_i64().unwrap(), concluded);
    assert_eq!(st["closed"], 862);
    assert_eq!(st["closure_rate"], 1.0);
    assert_eq!(st["overdue"], 0);
    assert_eq!(st["sanctions"], json!({"disciplinary": 147, "organizational": 1225, "judicial": 12}));
    for (form, n) in &expect_form {
        assert_eq!(st["by_outcome"][form].as_i64(), Some(*n), "{form}");
    }
    // The receivers' own figures add up to the sender's, and the ledger agrees.
    let a = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/stats/clues", Some(&jw.token)).query(&[("direction", "in")])),
    );
    let z = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/stats/clues", Some(&zz.token)).query(&[("direction", "in")])),
    );
    assert_eq!(a["transferred"].as_i64().unwrap() + z["transferred"].as_i64().unwrap(), 1724);
    assert_eq!(a["transferred"], 575);
    for k in ["disciplinary", "organizational", "judicial"] {
        assert_eq!(
            a["sanctions"][k].as_i64().unwrap() + z["sanctions"][k].as_i64().unwrap(),
            st["sanctions"][k].as_i64().unwrap()
        );
    }
    let round1 = expect_status(
        200,
        send(
            app.req(Method::GET, "/api/v1/transfers", Some(&xc.token))
                .query(&[("round", "七届市委第1轮巡察"), ("limit", "500")]),
        ),
    );
    assert_eq!(round1["items"].as_array().unwrap().len(), 133, "1,724 over 13 rounds: round 1 has 133");
    // Hub-wide figures for the joint meeting (admin; counts only).
    let all = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/stats/clues/agencies", Some(&admin)).query(&[("direction", "in")])),
    );
    let total: i64 = all.as_array().unwrap().iter().map(|x| x["sanctions"]["organizational"].as_i64().unwrap()).sum();
    assert_eq!(total, 1225);
}

both!(joint_deliberation_with_assignments_and_supervision, statistics_reproduce_the_seed_scenario);

/// Bad input on every transfer, deliberation and statistics endpoint: a 4xx problem, no change.
fn bad_input_on_transfer_endpoints(b: Backend) {
    use crate::bad_input::{check_bad_bodies, snapshot, Case};
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let id = clue(&app, &xc, "线索", "内容", &[]);
    let t = expect_status(201, transfer(&app, &xc, &id, &jw));
    let tid = t["id"].as_str().unwrap().to_string();
    let d = expect_status(
        201,
        app.post(
            &xc.token,
            "/api/v1/deliberations",
            json!({"record_id": id, "title": "会商", "participant_agency_ids": [jw.id]}),
        ),
    );
    let did = d["id"].as_str().unwrap().to_string();
    let a = expect_status(
        201,
        app.post(
            &xc.token,
            &format!("/api/v1/deliberations/{did}/assignments"),
            json!({"agency_id": jw.id, "task": "核查", "deadline": "2099-01-01"}),
        ),
    );
    let aid = a["id"].as_str().unwrap().to_string();
    let before = snapshot(&app);
    let z = json!({"disciplinary": 0, "organizational": 0, "judicial": 0});
    let cases: Vec<Case> = vec![
        (
            Method::POST,
            format!("/api/v1/records/{id}/transfers"),
            &xc.token,
            json!({"to_agency_id": jw.id, "suggestion": 1, "deadline": "2099-01-01"}),
            Some(json!({"to_agency_id": jw.id})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/transfers/{tid}/return"),
            &jw.token,
            json!({"reason": 1}),
            Some(json!({})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/transfers/{tid}/conclude"),
            &jw.token,
            json!({"outcome": "form1", "sanctions": {"disciplinary": "一"}}),
            Some(json!({"outcome": "form1"})),
            Some(json!({"outcome": "form9", "sanctions": z})),
        ),
        (Method::POST, format!("/api/v1/transfers/{tid}/feedback"), &jw.token, json!({"note": []}), None, None),
        (
            Method::POST,
            "/api/v1/deliberations".into(),
            &xc.token,
            json!({"record_id": id, "title": 2, "participant_agency_ids": []}),
            Some(json!({"record_id": id})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/deliberations/{did}/minutes"),
            &xc.token,
            json!({"text": 3}),
            Some(json!({})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/deliberations/{did}/conclude"),
            &xc.token,
            json!({"conclusion": false}),
            Some(json!({})),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/deliberations/{did}/assignments"),
            &xc.token,
            json!({"agency_id": jw.id, "task": 1, "deadline": "2099-01-01"}),
            Some(json!({"task": "x"})),
            None,
        ),
        (Method::POST, format!("/api/v1/assignments/{aid}/urge"), &xc.token, json!({"note": 1}), Some(json!({})), None),
        (
            Method::POST,
            format!("/api/v1/assignments/{aid}/complete"),
            &jw.token,
            json!({"result": 1}),
            Some(json!({})),
            None,
        ),
    ];
    check_bad_bodies(&app, cases);
    // Well-formed but invalid values.
    let bad = [
        (
            format!("/api/v1/records/{id}/transfers"),
            &xc.token,
            json!({"to_agency_id": "x", "suggestion": "s", "deadline": "2099-01-01"}),
        ),
        (
            format!("/api/v1/records/{id}/transfers"),
            &xc.token,
            json!({"to_agency_id": jw.id, "suggestion": "s", "deadline": "明年"}),
        ),
        (
            format!("/api/v1/deliberations/{did}/assignments"),
            &xc.token,
            json!({"agency_id": jw.id, "task": "t", "deadline": "2020-01-01"}),
        ),
        (
            "/api/v1/deliberations".to_string(),
            &xc.token,
            json!({"record_id": id, "title": "t", "participant_agency_ids": []}),
        ),
    ];
    for (path, token, body) in bad {
        let (s, p) = app.post(token, &path, body);
        assert_eq!(s, 422, "{path}: {p}");
    }
    let q =
        |token: &str, path: &str, query: &[(&str, &str)]| send(app.req(Method::GET, path, Some(token)).query(query)).0;
    assert_eq!(q(&xc.token, "/api/v1/transfers", &[("state", "lost")]), 422);
    assert_eq!(q(&xc.token, "/api/v1/transfers", &[("direction", "up")]), 422);
    assert_eq!(q(&xc.token, "/api/v1/transfers", &[("from", "2026-13-01")]), 422);
    assert_eq!(q(&xc.token, "/api/v1/transfers", &[("overdue", "maybe")]), 400);
    assert_eq!(q(&xc.token, "/api/v1/transfers", &[("cursor", "!!")]), 400);
    assert_eq!(q(&xc.token, "/api/v1/transfers/export", &[("format", "doc")]), 422);
    assert_eq!(q(&xc.token, "/api/v1/stats/clues", &[("to", "yesterday")]), 422);
    assert_eq!(q(&xc.token, "/api/v1/stats/clues", &[("agency_id", "x")]), 422);
    assert_eq!(q(&admin, "/api/v1/stats/clues", &[]), 422);
    assert_eq!(q(&xc.token, "/api/v1/transfers/not-an-id", &[]), 404);
    assert_eq!(q(&xc.token, "/api/v1/deliberations/not-an-id", &[]), 404);
    assert_eq!(app.post(&jw.token, "/api/v1/transfers/not-an-id/accept", json!({})).0, 404);
    assert_eq!(app.post(&jw.token, "/api/v1/assignments/not-an-id/complete", json!({"result": "x"})).0, 404);
    assert_eq!(snapshot(&app), before, "bad input changed nothing");
}

both!(bad_input_on_transfer_endpoints);

fn ledger_filters_by_category_object_and_period(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let obj = expect_status(201, app.post(&xc.token, "/api/v1/objects", json!({"name": "市水利局", "kind": "unit"})));
    let o = obj["id"].as_str().unwrap();
    let on_object = clue(&app, &xc, "水利局工程线索", "工程款拨付", &[o]);
    let other = expect_status(
        201,
        app.post(
            &xc.token,
            "/api/v1/records",
            json!({"kind": "clue", "title": "工作纪律线索", "category": "工作纪律", "distribution": {"level": "own"}}),
        ),
    );
    expect_status(201, transfer(&app, &xc, &on_object, &jw));
    expect_status(201, transfer(&app, &xc, other["id"].as_str().unwrap(), &jw));
    let titles = |q: &[(&str, &str)]| -> Vec<String> {
        let (s, l) = send(app.req(Method::GET, "/api/v1/transfers", Some(&jw.token)).query(q));
        assert_eq!(s, 200, "{l}");
        l["items"].as_array().unwrap().iter().map(|i| i["record_title"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(titles(&[("object_id", o)]), vec!["水利局工程线索"]);
    assert_eq!(titles(&[("category", "工作纪律")]), vec!["工作纪律线索"]);
    assert_eq!(titles(&[("state", "transferred")]).len(), 2);
    assert!(titles(&[("state", "closed")]).is_empty());
    let today = hub_today().format("%Y-%m-%d").to_string();
    assert_eq!(titles(&[("from", today.as_str()), ("to", today.as_str())]).len(), 2);
    assert!(titles(&[("to", "2020-01-01")]).is_empty());
    assert!(titles(&[("from", "2099-01-01")]).is_empty());
    let page1 =
        expect_status(200, send(app.req(Method::GET, "/api/v1/transfers", Some(&jw.token)).query(&[("limit", "1")])));
    let cursor = page1["next_cursor"].as_str().unwrap();
    let page2 = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/transfers", Some(&jw.token)).query(&[("limit", "1"), ("cursor", cursor)])),
    );
    assert_ne!(page1["items"][0]["id"], page2["items"][0]["id"]);
}

both!(ledger_filters_by_category_object_and_period);
