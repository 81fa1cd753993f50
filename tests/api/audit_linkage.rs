//! Issue 11, part 4: inspection–audit linkage (巡审联动). The office links an inspected unit to
//! an audit project of an audit agency; while linked, both read each other's findings on the
//! unit (a sharing group made by the hub for the linkage); a third agency reads neither; when
//! the linkage ends — by the office or after its end date — both lose them, with tombstones.

use chrono::Duration;
use diesel::RunQueryDsl;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::rounds::{round_in_inspection, Round};

const PROJECT: &str = "2026年度预算执行审计";
const UNIT: &str = "市教育局党组";

fn day(plus: i64) -> String {
    (hub_today() + Duration::days(plus)).format("%Y-%m-%d").to_string()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn link(t: &Round, by: &Agency, audit_agency: &str) -> (u16, Value) {
    t.app.post(
        &by.token,
        &format!("/api/v1/inspected-units/{}/audit-linkages", id(&t.unit)),
        json!({"audit_agency_id": audit_agency, "project_name": PROJECT, "start_date": day(0), "end_date": day(30)}),
    )
}

fn finding(t: &Round, title: &str) -> Value {
    expect_status(
        201,
        t.app.post(
            &t.office.token,
            &format!("/api/v1/inspected-units/{}/findings", id(&t.unit)),
            json!({"kind": "problem", "title": title, "body": "问题描述", "category": "廉洁纪律"}),
        ),
    )
}

fn titles(list: &Value) -> Vec<String> {
    let mut v: Vec<String> =
        list.as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap().to_string()).collect();
    v.sort();
    v
}

fn feed(app: &TestApp, a: &Agency) -> Value {
    expect_status(200, send(app.req(Method::GET, "/api/v1/feed", Some(&a.token)).query(&[("limit", "500")])))
}

/// The types of the feed's events about `record_id`, in order.
fn feed_types(app: &TestApp, a: &Agency, record_id: &str) -> Vec<String> {
    feed(app, a)["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["record_id"] == record_id)
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

/// Everything a third agency could list: nothing of the linkage or its findings shows.
fn sees_nothing(app: &TestApp, a: &Agency, lid: &str, record_ids: &[&str], secrets: &[&str]) {
    assert_eq!(app.get(&a.token, &format!("/api/v1/audit-linkages/{lid}")).0, 404);
    assert_eq!(app.get(&a.token, &format!("/api/v1/audit-linkages/{lid}/findings")).0, 404);
    let (s, list) = app.get(&a.token, "/api/v1/audit-linkages");
    assert_eq!((s, &list["items"]), (200, &json!([])), "{list}");
    for r in record_ids {
        assert_eq!(app.get(&a.token, &format!("/api/v1/records/{r}")).0, 404);
    }
    let mut everything = String::new();
    for q in ["审计", "食堂", "早期"] {
        let (_, found) = send(app.req(Method::GET, "/api/v1/records", Some(&a.token)).query(&[("q", q)]));
        everything.push_str(&found.to_string());
    }
    everything.push_str(&feed(app, a).to_string());
    everything.push_str(&app.get(&a.token, "/api/v1/groups").1.to_string());
    for s in secrets {
        assert!(!everything.contains(s), "{s} leaked: {everything}");
    }
}

/// While linked, the audit agency reads the office's findings on the unit (those recorded
/// before the linkage included) and the office reads the audit findings; a third agency, a
/// participant and the unit's account read none; after the office ends the linkage both
/// lose the other's findings, with tombstones in their feeds.
fn both_teams_read_each_others_findings_while_linked(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let audit = &t.outsider;
    let third = app.agency(&t.admin, "xinfang", "petition");
    let early = finding(&t, "早期发现的教育局问题");
    assert_eq!(early["record"]["distribution"]["level"], "own");

    // Negatives first: not an audit agency, not the office, an end in the past.
    let (s, e) = link(&t, &t.office, &t.jiwei.id);
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "audit_agency_id", "{e}");
    assert_eq!(link(&t, &t.jiwei, &audit.id).0, 403);
    assert_eq!(link(&t, &third, &audit.id).0, 404);
    assert_eq!(link(&t, audit, &audit.id).0, 404);
    let (s, e) = t.app.post(
        &t.office.token,
        &format!("/api/v1/inspected-units/{}/audit-linkages", id(&t.unit)),
        json!({"audit_agency_id": audit.id, "project_name": PROJECT, "start_date": day(-60), "end_date": day(-1)}),
    );
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "end_date", "{e}");

    let linkage = expect_status(201, link(&t, &t.office, &audit.id));
    let lid = id(&linkage);
    assert_eq!(
        (&linkage["state"], &linkage["object_name"], &linkage["project_name"]),
        (&json!("active"), &json!(UNIT), &json!(PROJECT))
    );
    assert_eq!(link(&t, &t.office, &audit.id).0, 409, "one active linkage per unit");

    // The office's finding kept to itself goes to the linkage; the audit agency publishes.
    let problem = finding(&t, "教育局食堂采购未招标");
    assert_eq!(problem["record"]["distribution"]["level"], "group", "{problem}");
    assert_eq!(problem["record"]["distribution"]["group"], linkage["group_id"]);
    let path = format!("/api/v1/audit-linkages/{lid}/findings");
    let report = expect_status(
        201,
        app.post(&audit.token, &path, json!({"title": "审计发现专项资金挪用", "body": "挪用120万元"})),
    );
    assert_eq!(report["kind"], "audit_report");
    assert_eq!(report["object_ids"][0], t.unit["object_id"]);
    assert_eq!(app.post(&t.office.token, &path, json!({"title": "巡察冒充审计"})).0, 403);
    assert_eq!(app.post(&t.jiwei.token, &path, json!({"title": "参与单位越权"})).0, 403);
    assert_eq!(app.post(&third.token, &path, json!({"title": "无关单位"})).0, 404);

    let (early_id, problem_id, report_id) =
        (early["record_id"].as_str().unwrap(), problem["record_id"].as_str().unwrap(), id(&report));
    let all = ["审计发现专项资金挪用", "教育局食堂采购未招标", "早期发现的教育局问题"];
    for a in [&t.office, audit] {
        let list = expect_status(200, app.get(&a.token, &path));
        assert_eq!(titles(&list), all, "{list}");
        for r in [early_id, problem_id, report_id.as_str()] {
            assert_eq!(app.get(&a.token, &format!("/api/v1/records/{r}")).0, 200);
        }
    }
    let (_, mine) = app.get(&audit.token, "/api/v1/audit-linkages");
    assert_eq!(mine["items"][0]["id"], lid.as_str(), "{mine}");

    // A participant sees the linkage, not its findings; the unit's account and a third
    // agency see neither; the hub admin sees the group and may not change it.
    assert_eq!(app.get(&t.jiwei.token, &format!("/api/v1/audit-linkages/{lid}")).0, 200);
    assert_eq!(expect_status(200, app.get(&t.jiwei.token, &path)), json!([]));
    assert_eq!(app.get(&t.jiwei.token, &format!("/api/v1/records/{report_id}")).0, 404);
    assert_eq!(app.get(&t.account.token, &format!("/api/v1/audit-linkages/{lid}")).0, 404);
    assert_eq!(app.get(&t.account.token, &format!("/api/v1/inspected-units/{}/audit-linkages", id(&t.unit))).0, 403);
    let secrets = [PROJECT, UNIT, all[0], all[1], all[2]];
    sees_nothing(app, &third, &lid, &[early_id, problem_id, &report_id], &secrets);
    let (_, groups) = app.get(&t.admin, "/api/v1/groups");
    assert!(groups.to_string().contains(&format!("巡审联动·{UNIT}·{PROJECT}")), "{groups}");
    let group = linkage["group_id"].as_str().unwrap();
    let (s, e) = app.post(&t.admin, &format!("/api/v1/groups/{group}/members"), json!({"agency_id": third.id}));
    assert_eq!(s, 409, "{e}");

    // Ending: only the office; then both lose the other's findings, with tombstones.
    let end = format!("/api/v1/audit-linkages/{lid}/end");
    assert_eq!(app.post(&audit.token, &end, json!({})).0, 403);
    assert_eq!(app.post(&t.jiwei.token, &end, json!({})).0, 403);
    assert_eq!(app.post(&third.token, &end, json!({})).0, 404);
    let ended = expect_status(200, app.post(&t.office.token, &end, json!({})));
    assert_eq!((&ended["state"], &ended["end_reason"]), (&json!("ended"), &json!("ended")));
    assert_eq!(app.post(&t.office.token, &end, json!({})).0, 409);
    for r in [early_id, problem_id] {
        assert_eq!(app.get(&audit.token, &format!("/api/v1/records/{r}")).0, 404);
        assert_eq!(feed_types(app, audit, r).last().map(String::as_str), Some("record.revoked"));
    }
    assert_eq!(app.get(&t.office.token, &format!("/api/v1/records/{report_id}")).0, 404);
    assert_eq!(feed_types(app, &t.office, &report_id).last().map(String::as_str), Some("record.revoked"));
    let tombstones = feed(app, audit).to_string();
    assert!(!tombstones.contains(all[1]), "a tombstone carries no content: {tombstones}");
    assert!(tombstones.contains("audit_linkage.ended"), "{tombstones}");
    assert_eq!(titles(&expect_status(200, app.get(&audit.token, &path))), [all[0]]);
    assert_eq!(app.post(&audit.token, &path, json!({"title": "结束后再发布"})).0, 409);
    // A finding recorded after the end stays with the office.
    assert_eq!(finding(&t, "结束后的问题")["record"]["distribution"]["level"], "own");
    sees_nothing(app, &third, &lid, &[early_id, problem_id, &report_id], &secrets);
}

both!(both_teams_read_each_others_findings_while_linked);

/// A linkage ends by itself once its end date has passed (the background sweep), with the
/// same loss of access and tombstones as an explicit end.
fn a_linkage_ends_by_itself_after_its_end_date(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let audit = &t.outsider;
    let linkage = expect_status(201, link(&t, &t.office, &audit.id));
    let lid = id(&linkage);
    let problem = finding(&t, "教育局违规发放补贴");
    let rid = problem["record_id"].as_str().unwrap().to_string();
    assert_eq!(app.get(&audit.token, &format!("/api/v1/records/{rid}")).0, 200);

    let mut conn = app.pool.get().unwrap();
    diesel::sql_query(format!("UPDATE audit_linkages SET end_date = '{}' WHERE id = '{lid}'", day(-1)))
        .execute(&mut *conn)
        .unwrap();
    // A second instance sweeps at its start (and on every wake).
    app.another_instance(|s| s.mail_sweep_interval_secs = 0);
    eventually(std::time::Duration::from_secs(20), "the linkage to expire", || {
        app.get(&t.office.token, &format!("/api/v1/audit-linkages/{lid}")).1["state"] == "ended"
    });
    let (_, l) = app.get(&audit.token, &format!("/api/v1/audit-linkages/{lid}"));
    assert_eq!(l["end_reason"], "expired", "{l}");
    assert_eq!(app.get(&audit.token, &format!("/api/v1/records/{rid}")).0, 404);
    assert_eq!(feed_types(app, audit, &rid).last().map(String::as_str), Some("record.revoked"));
    let (_, active) =
        send(app.req(Method::GET, "/api/v1/audit-linkages", Some(&audit.token)).query(&[("state", "active")]));
    assert_eq!(active["items"], json!([]), "{active}");
}

both!(a_linkage_ends_by_itself_after_its_end_date);

/// Sharing agreements bound a linkage: where they do not let the office's problems go to
/// audit agencies, the linkage is 422 (and nothing is made); once they do, it is made.
fn sharing_agreements_bound_a_linkage(b: Backend) {
    let t = round_in_inspection(b);
    let app = &t.app;
    let agreement = |name: &str, kinds: &[&str]| {
        expect_status(
            201,
            app.post(
                &t.admin,
                "/api/v1/agreements",
                json!({"name": name, "source_kind": "inspection", "record_kind": "inspection_problem",
                       "recipient_kinds": kinds}),
            ),
        )
    };
    agreement("巡察问题只送纪委", &["discipline"]);
    let (s, e) = link(&t, &t.office, &t.outsider.id);
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "audit_agency_id", "{e}");
    assert!(e["errors"][0]["message"].as_str().unwrap().contains("巡察发现问题"), "{e}");
    let (_, groups) = app.get(&t.admin, "/api/v1/groups");
    assert_eq!(groups["items"], json!([]), "no group is left behind: {groups}");
    let (_, list) = app.get(&t.office.token, &format!("/api/v1/inspected-units/{}/audit-linkages", id(&t.unit)));
    assert_eq!(list, json!([]));

    agreement("巡察问题可送审计", &["audit"]);
    let l = expect_status(201, link(&t, &t.office, &t.outsider.id));
    let (_, list) = app.get(&t.office.token, &format!("/api/v1/inspected-units/{}/audit-linkages", id(&t.unit)));
    assert_eq!(list[0]["id"], l["id"]);
}

both!(sharing_agreements_bound_a_linkage);
