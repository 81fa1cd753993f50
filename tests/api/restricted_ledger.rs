//! Issue 8: the transfer ledger is content too. A restricted clue's title and the transfer's
//! free text (suggestion, summary …) are shown in the list, one transfer, the CSV and XLSX
//! exports and the step answers only with `X-Access-Purpose`, and each such disclosure is
//! audited; without it the title is "受限信息" and `content_withheld` is true.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::ledger::xlsx_part;
use crate::transfers::clue;

const SECRET_TITLE: &str = "甲乙丙丁专项线索";
const SECRET_SUGGESTION: &str = "建议戊己庚辛谈话函询";
const SECRET_SUMMARY: &str = "壬癸办理情况说明";
const PURPOSE: &str = "核查移交线索";

fn with_purpose(r: reqwest::blocking::RequestBuilder, purpose: Option<&str>) -> reqwest::blocking::RequestBuilder {
    match purpose {
        Some(p) => r.header("X-Access-Purpose", p.bytes().map(|b| format!("%{b:02X}")).collect::<String>()),
        None => r,
    }
}

fn get(app: &TestApp, a: &Agency, path: &str, purpose: Option<&str>) -> (u16, Value) {
    send(with_purpose(app.req(Method::GET, path, Some(&a.token)), purpose))
}

fn post(app: &TestApp, a: &Agency, path: &str, body: Value, purpose: Option<&str>) -> (u16, Value) {
    send(with_purpose(app.req(Method::POST, path, Some(&a.token)).json(&body), purpose))
}

fn export(app: &TestApp, a: &Agency, format: &str, purpose: Option<&str>) -> String {
    let r = app.req(Method::GET, "/api/v1/transfers/export", Some(&a.token)).query(&[("format", format)]);
    let resp = with_purpose(r, purpose).send().unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let bytes = resp.bytes().unwrap().to_vec();
    if format == "xlsx" {
        xlsx_part(&bytes, "xl/sharedStrings.xml") + &xlsx_part(&bytes, "xl/worksheets/sheet1.xml")
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

fn audit(app: &TestApp, admin: &str) -> Vec<Value> {
    let (s, a) = send(app.req(Method::GET, "/api/v1/audit", Some(admin)).query(&[("action", "transfer.read")]));
    assert_eq!(s, 200, "{a}");
    a["items"].as_array().unwrap().clone()
}

fn secret_free(text: &str) -> bool {
    !text.contains("甲乙丙丁") && !text.contains("戊己庚辛") && !text.contains("壬癸")
}

fn restricted_transfer_text_needs_a_purpose(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let (s, r) = app.post(&xc.token, "/api/v1/records", json!({"kind": "clue", "title": SECRET_TITLE, "body": "内容", "sensitivity": "restricted", "distribution": {"level": "own"}}));
    assert_eq!(s, 201, "{r}");
    let secret = r["id"].as_str().unwrap().to_string();
    let plain = clue(&app, &xc, "普通问题线索", "内容", &[]);
    let path = |id: &str| format!("/api/v1/records/{id}/transfers");
    // The sender's own answer without a purpose withholds the text too.
    let (s, t) = post(
        &app,
        &xc,
        &path(&secret),
        json!({"to_agency_id": jw.id, "suggestion": SECRET_SUGGESTION, "deadline": "2099-01-31"}),
        None,
    );
    assert_eq!(s, 201, "{t}");
    assert!(secret_free(&t.to_string()) && t["content_withheld"] == true, "{t}");
    let tid = t["id"].as_str().unwrap().to_string();
    let (s, t) = post(
        &app,
        &xc,
        &path(&plain),
        json!({"to_agency_id": jw.id, "suggestion": "一般处置建议", "deadline": "2099-01-31"}),
        None,
    );
    assert_eq!(s, 201, "{t}");
    assert_eq!(t["content_withheld"], false);
    // The receiver's steps: answers without a purpose quote nothing.
    for (action, body) in [
        ("accept", json!({})),
        ("start", json!({})),
        (
            "conclude",
            json!({"outcome": "form1", "sanctions": {"disciplinary": 1, "organizational": 0, "judicial": 0}, "summary": SECRET_SUMMARY}),
        ),
    ] {
        let (s, v) = post(&app, &jw, &format!("/api/v1/transfers/{tid}/{action}"), body, None);
        assert_eq!(s, 200, "{action}: {v}");
        assert!(secret_free(&v.to_string()), "{action}: {v}");
        assert_eq!((v["record_title"].as_str(), v["content_withheld"].as_bool()), (Some("受限信息"), Some(true)));
        assert_eq!((v["suggestion"].as_str(), v["summary"].as_str()), (Some(""), None), "{v}");
    }
    assert!(audit(&app, &admin).is_empty(), "nothing disclosed yet");

    for party in [&xc, &jw] {
        // Without a purpose: neither the title nor the free text anywhere; the general clue's
        // title still shows (the positive control).
        let (s, list) = get(&app, party, "/api/v1/transfers", None);
        assert_eq!(s, 200, "{list}");
        assert!(secret_free(&list.to_string()), "list: {list}");
        assert!(list.to_string().contains("普通问题线索"), "{list}");
        let item = list["items"].as_array().unwrap().iter().find(|i| i["id"] == tid.as_str()).unwrap().clone();
        assert_eq!((item["record_title"].as_str(), item["content_withheld"].as_bool()), (Some("受限信息"), Some(true)));
        let (s, one) = get(&app, party, &format!("/api/v1/transfers/{tid}"), None);
        assert_eq!(s, 200, "{one}");
        assert!(secret_free(&one.to_string()) && one["content_withheld"] == true, "one: {one}");
        for format in ["csv", "xlsx"] {
            let file = export(&app, party, format, None);
            assert!(secret_free(&file), "{format}: {file}");
            assert!(file.contains("普通问题线索") && file.contains("受限信息"), "{format}: {file}");
        }
        // The inbox notes of the steps quote the suggestion (to the receiver) and the
        // summary (to the sender): without a purpose only the step is named.
        let (s, inbox) = get(&app, party, "/api/v1/inbox?state=all", None);
        assert_eq!(s, 200, "{inbox}");
        assert!(secret_free(&inbox.to_string()), "inbox: {inbox}");
        let notes: Vec<&str> = inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["ref_id"] == tid.as_str())
            .map(|i| i["note"].as_str().unwrap())
            .collect();
        assert!(!notes.is_empty() && notes.iter().all(|n| n.contains("内容受限")), "{notes:?}");
        assert!(
            inbox.to_string().contains("一般处置建议") || party.id == xc.id,
            "the general clue's note stays: {inbox}"
        );
    }
    assert!(audit(&app, &admin).is_empty(), "nothing disclosed without a purpose");

    // With a purpose: shown, and each answer that shows it is audited with the purpose.
    let (s, list) = get(&app, &jw, "/api/v1/transfers", Some(PURPOSE));
    assert_eq!(s, 200);
    let text = list.to_string();
    assert!(text.contains(SECRET_TITLE) && text.contains(SECRET_SUGGESTION) && text.contains(SECRET_SUMMARY), "{text}");
    let one = expect_status(200, get(&app, &xc, &format!("/api/v1/transfers/{tid}"), Some(PURPOSE)));
    assert_eq!((one["record_title"].as_str(), one["content_withheld"].as_bool()), (Some(SECRET_TITLE), Some(false)));
    assert_eq!(one["suggestion"], SECRET_SUGGESTION);
    for format in ["csv", "xlsx"] {
        let file = export(&app, &xc, format, Some(PURPOSE));
        assert!(file.contains(SECRET_TITLE) && file.contains(SECRET_SUGGESTION), "{format}: {file}");
    }
    let (s, v) = post(&app, &jw, &format!("/api/v1/transfers/{tid}/feedback"), json!({"note": "反馈"}), Some(PURPOSE));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["record_title"], SECRET_TITLE);
    let entries = audit(&app, &admin);
    assert_eq!(entries.len(), 5, "list, one, csv, xlsx, feedback: {entries:?}");
    assert!(
        entries.iter().all(|e| e["purpose"] == PURPOSE && e["detail"]["transfer_ids"] == json!([tid])),
        "{entries:?}"
    );
    let by = |a: &Agency| entries.iter().filter(|e| e["actor_agency_id"] == a.id.as_str()).count();
    assert_eq!((by(&jw), by(&xc)), (2, 3), "{entries:?}");
    // With a purpose the inbox notes quote the text again.
    let inbox = expect_status(200, get(&app, &jw, "/api/v1/inbox?state=all", Some(PURPOSE)));
    assert!(inbox.to_string().contains(SECRET_SUGGESTION), "{inbox}");
    let inbox = expect_status(200, get(&app, &xc, "/api/v1/inbox?state=all", Some(PURPOSE)));
    assert!(inbox.to_string().contains(SECRET_SUMMARY), "{inbox}");
}

both!(restricted_transfer_text_needs_a_purpose);
