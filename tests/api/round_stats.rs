//! Issue 11, part 11: a round's figures and the figures across rounds. Each agency counts only
//! the findings it may read and the transfers it is a party to; an outsider learns nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::rounds::round_in_inspection;

fn finding(app: &TestApp, by: &Agency, unit: &Value, kind: &str, title: &str, category: &str, to: &[&Agency]) -> Value {
    let ids: Vec<&str> = to.iter().map(|a| a.id.as_str()).collect();
    let distribution =
        if ids.is_empty() { json!({"level": "own"}) } else { json!({"level": "agencies", "agencies": ids}) };
    let (s, f) = app.post(
        &by.token,
        &format!("/api/v1/inspected-units/{}/findings", unit["id"].as_str().unwrap()),
        json!({"kind": kind, "title": title, "category": category, "distribution": distribution}),
    );
    assert_eq!(s, 201, "{f}");
    f
}

fn stats(app: &TestApp, a: &Agency, rid: &str) -> (u16, Value) {
    app.get(&a.token, &format!("/api/v1/rounds/{rid}/stats"))
}

fn figures_count_only_what_each_agency_may_read(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let rid = t.round["id"].as_str().unwrap().to_string();
    finding(app, &t.office, &t.unit, "problem", "会议记录不规范", "工作纪律", &[&t.jiwei]);
    finding(app, &t.office, &t.unit, "problem", "违规发放津补贴", "中央八项规定精神", &[]);
    finding(app, &t.office, &t.other_unit, "problem", "选人用人把关不严", "组织纪律", &[&t.zzb]);
    let clue = finding(app, &t.office, &t.unit, "clue", "副局长收受回扣的线索", "廉洁纪律", &[]);
    finding(app, &t.office, &t.other_unit, "clue", "工程转包线索", "廉洁纪律", &[]);
    // One clue is transferred to 纪委监委 and concluded there.
    let (s, tr) = app.post(
        &t.office.token,
        &format!("/api/v1/records/{}/transfers", clue["record_id"].as_str().unwrap()),
        json!({"to_agency_id": t.jiwei.id, "suggestion": "建议初核", "deadline": "2099-12-31"}),
    );
    assert_eq!(s, 201, "{tr}");
    let tid = tr["id"].as_str().unwrap();
    for (step, body) in [
        ("accept", json!({})),
        ("start", json!({})),
        (
            "conclude",
            json!({"outcome": "form1", "sanctions": {"disciplinary": 0, "organizational": 1, "judicial": 0}, "summary": "谈话提醒"}),
        ),
    ] {
        let (s, r) = app.post(&t.jiwei.token, &format!("/api/v1/transfers/{tid}/{step}"), body);
        assert_eq!(s, 200, "{step}: {r}");
    }

    // The office: everything of its round.
    let (s, o) = stats(app, &t.office, &rid);
    assert_eq!(s, 200, "{o}");
    assert_eq!((o["units"].as_i64(), o["teams"].as_i64()), (Some(2), Some(1)), "{o}");
    assert_eq!(
        (o["problems"].as_i64(), o["rectified"].as_i64(), o["rectification_rate"].as_i64()),
        (Some(3), Some(0), Some(0))
    );
    assert_eq!((o["clues"].as_i64(), o["transferred"].as_i64(), o["concluded"].as_i64()), (Some(2), Some(1), Some(1)));
    assert_eq!(o["conclusion_rate"], 100);
    let edu = o["by_unit"].as_array().unwrap().iter().find(|u| u["name"] == "市教育局党组").unwrap();
    assert_eq!((edu["problems"].as_i64(), edu["clues"].as_i64()), (Some(2), Some(1)), "{edu}");
    let integrity = o["by_category"].as_array().unwrap().iter().find(|c| c["category"] == "廉洁纪律").unwrap();
    assert_eq!(integrity["clues"], 2, "{integrity}");

    // 纪委监委: the problem given to it and the clue transferred to it — nothing else.
    let (_, j) = stats(app, &t.jiwei, &rid);
    assert_eq!(
        (j["problems"].as_i64(), j["clues"].as_i64(), j["concluded"].as_i64()),
        (Some(1), Some(1), Some(1)),
        "{j}"
    );
    assert!(!j.to_string().contains("中央八项规定精神"), "an unread finding's category is not counted: {j}");
    // 组织部: one problem of the other unit; no clue, no transfer.
    let (_, z) = stats(app, &t.zzb, &rid);
    assert_eq!(
        (z["problems"].as_i64(), z["clues"].as_i64(), z["transferred"].as_i64()),
        (Some(1), Some(0), Some(0)),
        "{z}"
    );
    // The outsider: not found; an empty comparison; an export with headers only.
    let (s, e) = stats(app, &t.outsider, &rid);
    assert_eq!(s, 404, "{e}");
    let (_, across) = app.get(&t.outsider.token, "/api/v1/rounds/stats");
    assert_eq!(across["items"], json!([]));
    let csv = app.req(Method::GET, "/api/v1/rounds/stats/export?format=csv", Some(&t.outsider.token)).send().unwrap();
    let text = csv.text().unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    // The hub admin reads no content, not even counts of it; an inspected unit's account neither.
    assert_eq!(app.get(&t.admin, &format!("/api/v1/rounds/{rid}/stats")).0, 403);
    assert_eq!(app.get(&t.account.token, &format!("/api/v1/rounds/{rid}/stats")).0, 403);

    // Across rounds, and the ledger export with Chinese headers.
    let (_, across) = app.get(&t.office.token, "/api/v1/rounds/stats");
    assert_eq!(across["items"][0]["problems"], 3, "{across}");
    let r = app.req(Method::GET, "/api/v1/rounds/stats/export?format=csv", Some(&t.office.token)).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
    let text = r.text().unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("轮次,巡察轮次,阶段,被巡察单位,发现问题,已整改"), "{}", lines[0]);
    assert_eq!(lines[1], "13,七届市委第十三轮巡察,进驻巡察,2,3,0,0,2,1,1,100");
    let r = app.req(Method::GET, "/api/v1/rounds/stats/export?format=xlsx", Some(&t.office.token)).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(&r.bytes().unwrap()[..2], b"PK");
    for bad in ["pdf", ""] {
        let (s, e) = app.get(&t.office.token, &format!("/api/v1/rounds/stats/export?format={bad}"));
        assert_eq!(s, 422, "format={bad}: {e}");
    }
}

both!(figures_count_only_what_each_agency_may_read);
