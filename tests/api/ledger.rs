//! The clue ledger as files and figures: CSV cells are never formulas, XLSX cells are
//! strings, exports are bounded, a returned transfer leaves the receiver's ledger, files and
//! statistics, and sharing agreements bind transfers and group membership.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::transfers::{clue, transfer};

fn export(app: &TestApp, a: &Agency, format: &str) -> (u16, Vec<u8>) {
    let resp =
        app.req(Method::GET, "/api/v1/transfers/export", Some(&a.token)).query(&[("format", format)]).send().unwrap();
    (resp.status().as_u16(), resp.bytes().unwrap().to_vec())
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    r.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()).collect()
}

/// A file of the XLSX package, read with Python's zipfile.
pub(crate) fn xlsx_part(bytes: &[u8], part: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys,zipfile; print(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())"])
        .args([path.to_str().unwrap(), part])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn step(app: &TestApp, a: &Agency, tid: &str, action: &str, body: Value) {
    let (s, v) = app.post(&a.token, &format!("/api/v1/transfers/{tid}/{action}"), body);
    assert_eq!(s, 200, "{action}: {v}");
}

fn ledger_cells_are_never_formulas(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    // A title, a suggestion, a summary and a return reason, each an active formula in Excel.
    let evil = clue(&app, &xc, "=HYPERLINK(\"http://evil.example/\",\"点击\")", "内容", &[]);
    let (s, t) = app.post(
        &xc.token,
        &format!("/api/v1/records/{evil}/transfers"),
        json!({"to_agency_id": jw.id, "suggestion": "+cmd|' /C calc'!A0", "deadline": "2099-01-31"}),
    );
    assert_eq!(s, 201, "{t}");
    let tid = t["id"].as_str().unwrap().to_string();
    step(&app, &jw, &tid, "accept", json!({}));
    step(&app, &jw, &tid, "start", json!({}));
    step(
        &app,
        &jw,
        &tid,
        "conclude",
        json!({"outcome": "form1", "sanctions": {"disciplinary": 0, "organizational": 1, "judicial": 0}, "summary": "-2+3+cmd"}),
    );
    let back = clue(&app, &xc, "\t=1+1", "内容", &[]);
    let t2 = expect_status(201, transfer(&app, &xc, &back, &jw));
    step(&app, &jw, t2["id"].as_str().unwrap(), "return", json!({"reason": "@SUM(1+1)*cmd"}));
    // A harmless title is left alone, "=" inside it included.
    let plain = clue(&app, &xc, "甲=乙的问题线索", "内容", &[]);
    expect_status(201, transfer(&app, &xc, &plain, &jw));

    let (s, bytes) = export(&app, &xc, "csv");
    assert_eq!(s, 200);
    let rows = csv_rows(&bytes);
    assert_eq!(rows.len(), 3);
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "active cell {cell:?} in {row:?}");
        }
    }
    let all: Vec<&String> = rows.iter().flatten().collect();
    for want in [
        "'=HYPERLINK(\"http://evil.example/\",\"点击\")",
        "'+cmd|' /C calc'!A0",
        "'-2+3+cmd",
        "'\t=1+1",
        "'@SUM(1+1)*cmd",
    ] {
        assert!(all.iter().any(|c| *c == want), "{want:?} not in {all:?}");
    }
    assert!(all.iter().any(|c| *c == "甲=乙的问题线索"), "a harmless cell is unchanged: {all:?}");

    // XLSX: the same texts as plain string cells, never formulas, and not altered.
    let (s, bytes) = export(&app, &xc, "xlsx");
    assert_eq!(s, 200);
    let sheet = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "no formula cells: {sheet}");
    let strings = xlsx_part(&bytes, "xl/sharedStrings.xml");
    assert!(
        strings.contains("=HYPERLINK(&quot;http://evil.example/&quot;")
            || strings.contains("=HYPERLINK(\"http://evil.example/\""),
        "{strings}"
    );
    assert!(strings.contains("+cmd|") && strings.contains("@SUM(1+1)*cmd"), "{strings}");
}

fn exports_are_bounded(b: Backend) {
    let app = TestApp::spawn_with(b, |s| s.ledger_export_max_rows = 2);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let zz = app.agency(&admin, "zuzhi", "organization");
    for (i, to) in [&jw, &jw, &zz].into_iter().enumerate() {
        let id = clue(&app, &xc, &format!("线索{i}"), "内容", &[]);
        assert_eq!(transfer(&app, &xc, &id, to).0, 201);
    }
    for format in ["csv", "xlsx"] {
        let (s, p) =
            send(app.req(Method::GET, "/api/v1/transfers/export", Some(&xc.token)).query(&[("format", format)]));
        assert_eq!(s, 422, "{format}: {p}");
        assert!(p["detail"].as_str().unwrap().contains("一次最多导出 2 条"), "{p}");
    }
    // Narrowed to what the bound allows, the export goes through.
    let resp = app.req(Method::GET, "/api/v1/transfers/export", Some(&jw.token)).send().unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(csv_rows(&resp.bytes().unwrap()).len(), 2);
}

fn a_returned_transfer_leaves_the_receivers_ledger_files_and_statistics(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let kept = clue(&app, &xc, "留在纪委的线索", "内容", &[]);
    let back = clue(&app, &xc, "被退回的线索", "内容", &[]);
    expect_status(201, transfer(&app, &xc, &kept, &jw));
    let t = expect_status(201, transfer(&app, &xc, &back, &jw));
    let tid = t["id"].as_str().unwrap().to_string();
    let titles = |a: &Agency| -> Vec<String> {
        let l = expect_status(200, app.get(&a.token, "/api/v1/transfers"));
        l["items"].as_array().unwrap().iter().map(|i| i["record_title"].as_str().unwrap().to_string()).collect()
    };
    let stats = |a: &Agency| app.get(&a.token, "/api/v1/stats/clues").1;
    // Before the return the receiver has both, everywhere.
    assert_eq!(titles(&jw).len(), 2);
    assert_eq!(stats(&jw)["transferred"], 2);
    assert!(String::from_utf8_lossy(&export(&app, &jw, "csv").1).contains("被退回的线索"));
    step(&app, &jw, &tid, "return", json!({"reason": "不属于本单位管辖"}));
    // After it: gone from the receiver's ledger, its filters, both files and its statistics.
    assert_eq!(titles(&jw), vec!["留在纪委的线索"]);
    let l = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/transfers", Some(&jw.token)).query(&[("state", "returned")])),
    );
    assert!(l["items"].as_array().unwrap().is_empty(), "{l}");
    let csv = String::from_utf8_lossy(&export(&app, &jw, "csv").1).to_string();
    assert!(
        csv.contains("留在纪委的线索") && !csv.contains("被退回的线索") && !csv.contains("不属于本单位管辖"),
        "{csv}"
    );
    let strings = xlsx_part(&export(&app, &jw, "xlsx").1, "xl/sharedStrings.xml");
    assert!(strings.contains("留在纪委的线索") && !strings.contains("被退回的线索"), "{strings}");
    let st = stats(&jw);
    assert_eq!((st["transferred"].as_i64(), st["returned"].as_i64()), (Some(1), Some(0)), "{st}");
    let st = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/stats/clues", Some(&jw.token)).query(&[("direction", "in")])),
    );
    assert_eq!(st["transferred"], 1, "{st}");
    // The hub-wide figures count it as the receiver's no more either.
    let all = expect_status(200, app.get(&admin, "/api/v1/stats/clues/agencies"));
    let of = |id: &str| all.as_array().unwrap().iter().find(|s| s["agency_id"] == id).cloned().unwrap();
    assert_eq!(of(&jw.id)["transferred"], 1);
    // The sender still has it, as returned.
    assert_eq!(titles(&xc).len(), 2);
    let st = stats(&xc);
    assert_eq!((st["transferred"].as_i64(), st["returned"].as_i64()), (Some(2), Some(1)), "{st}");
    assert!(String::from_utf8_lossy(&export(&app, &xc, "csv").1).contains("不属于本单位管辖"));
}

fn agreements_bind_transfers(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xf = app.agency(&admin, "xinfang", "petition");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let zz = app.agency(&admin, "zuzhi", "organization");
    let (s, a) = app.post(&admin, "/api/v1/agreements", json!({"name": "信访线索仅移交纪检", "source_agency_id": xf.id, "record_kind": "clue", "recipient_kinds": ["discipline"], "protected_fields": true}));
    assert_eq!(s, 201, "{a}");
    let id = clue(&app, &xf, "信访反映的问题线索", "举报内容", &[]);
    let (s, p) = transfer(&app, &xf, &id, &zz);
    assert_eq!(s, 422, "outside the agreement: {p}");
    assert!(p.to_string().contains("协作意见"), "{p}");
    assert_eq!(app.get(&zz.token, &format!("/api/v1/records/{id}")).0, 404, "and no access was granted");
    assert!(app.get(&zz.token, "/api/v1/transfers").1["items"].as_array().unwrap().is_empty());
    let (s, t) = transfer(&app, &xf, &id, &jw);
    assert_eq!(s, 201, "within the agreement: {t}");
    assert_eq!(app.get(&jw.token, &format!("/api/v1/records/{id}")).0, 200);
}

fn agreements_bind_group_membership(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xf = app.agency(&admin, "xinfang", "petition");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let jw2 = app.agency(&admin, "jiwei2", "discipline");
    let cz = app.agency(&admin, "caizheng", "finance");
    let (s, g) = app.post(&admin, "/api/v1/groups", json!({"name": "信访联席组", "agency_ids": [xf.id, jw.id]}));
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap().to_string();
    let (s, a) = app.post(&admin, "/api/v1/agreements", json!({"name": "信访件仅送纪检", "source_agency_id": xf.id, "record_kind": "petition", "recipient_kinds": ["discipline"]}));
    assert_eq!(s, 201, "{a}");
    let (s, r) = app.post(&xf.token, "/api/v1/records", json!({"kind": "petition", "title": "群众反映某局长违规问题", "body": "举报内容", "distribution": {"level": "group", "group": gid}}));
    assert_eq!(s, 201, "{r}");
    let rid = r["id"].as_str().unwrap().to_string();
    // Finance may not receive the petitions office's petitions: it may not join the group.
    let (s, p) = app.post(&admin, &format!("/api/v1/groups/{gid}/members"), json!({"agency_id": cz.id}));
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "agency_id", "{p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("协作意见"), "{p}");
    assert_eq!(app.get(&cz.token, &format!("/api/v1/records/{rid}")).0, 404);
    let f = expect_status(200, send(app.req(Method::GET, "/api/v1/feed", Some(&cz.token)).query(&[("limit", "500")])));
    assert!(!f.to_string().contains(&rid), "nothing of it in the feed: {f}");
    let groups = expect_status(200, app.get(&admin, "/api/v1/groups"))["items"].clone();
    let group = groups.as_array().unwrap().iter().find(|g| g["id"] == gid.as_str()).cloned().unwrap();
    assert!(!group.to_string().contains(&cz.id), "not a member: {group}");
    // Another discipline unit may join, and receives the record.
    let (s, p) = app.post(&admin, &format!("/api/v1/groups/{gid}/members"), json!({"agency_id": jw2.id}));
    assert_eq!(s, 200, "{p}");
    assert_eq!(app.get(&jw2.token, &format!("/api/v1/records/{rid}")).0, 200);
}

both!(
    ledger_cells_are_never_formulas,
    exports_are_bounded,
    a_returned_transfer_leaves_the_receivers_ledger_files_and_statistics,
    agreements_bind_transfers,
    agreements_bind_group_membership,
);
