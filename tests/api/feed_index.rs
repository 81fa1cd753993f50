//! The feed index (`feed_keys`, issue 12): a feed page reads the events filed under the
//! reader's keys instead of walking the whole log. Filing must follow every way a reader is
//! gained — a wider distribution, a transfer, a deliberation — so the feed keeps showing a
//! record's earlier events to its new readers (rule 6, old records included), and the
//! migration must file the events logged before it. The property test
//! (`policy_equivalence`) holds the index against the model on random worlds.

use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use guantong::db::DbConnection;

/// (seq, type, record id) of the agency's whole feed.
fn feed(app: &TestApp, token: &str) -> Vec<(i64, String, String)> {
    let (s, f) = send(app.req(Method::GET, "/api/v1/feed", Some(token)).query(&[("after", "0"), ("limit", "500")]));
    assert_eq!(s, 200, "{f}");
    assert_eq!(f["has_more"], false, "{f}");
    f["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let id = e["record_id"].as_str().unwrap_or_default().to_string();
            (e["seq"].as_i64().unwrap(), e["type"].as_str().unwrap().to_string(), id)
        })
        .collect()
}

/// The types of the feed's events on one record, in order.
fn types_on(app: &TestApp, token: &str, record: &str) -> Vec<String> {
    feed(app, token).into_iter().filter(|e| e.2 == record).map(|e| e.1).collect()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn readers_gained_later_get_the_earlier_events(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let widened = app.agency(&admin, "shenji", "audit");
    let receiver = app.agency(&admin, "jiwei", "discipline");
    let participant = app.agency(&admin, "zuzhi", "organization");
    let outsider = app.agency(&admin, "caizheng", "finance");
    let clue = id(&expect_status(
        201,
        app.post(&owner.token, "/api/v1/records", record("只在本单位的线索", json!({"level": "own"}))),
    ));
    for a in [&widened, &receiver, &participant, &outsider] {
        assert!(types_on(&app, &a.token, &clue).is_empty(), "not yet a reader");
    }
    // A wider distribution: the new reader gets the creation too, not only the change.
    let body = json!({"distribution": {"level": "agencies", "agencies": [widened.id]}});
    expect_status(200, app.patch(&owner.token, &format!("/api/v1/records/{clue}"), 1, body));
    assert_eq!(types_on(&app, &widened.token, &clue), ["record.created", "record.updated"]);
    // A transfer's receiver: both untargeted events, then the transfer aimed at it.
    let body = json!({"to_agency_id": receiver.id, "suggestion": "建议初核", "deadline": "2099-12-31"});
    expect_status(201, app.post(&owner.token, &format!("/api/v1/records/{clue}/transfers"), body));
    let got = types_on(&app, &receiver.token, &clue);
    assert_eq!(got[..2], ["record.created", "record.updated"], "{got:?}");
    assert!(got[2..].iter().any(|t| t == "transfer.created"), "{got:?}");
    // A deliberation's participant likewise.
    let body = json!({"record_id": clue, "title": "会商", "participant_agency_ids": [participant.id]});
    expect_status(201, app.post(&owner.token, "/api/v1/deliberations", body));
    let got = types_on(&app, &participant.token, &clue);
    assert_eq!(got[..2], ["record.created", "record.updated"], "{got:?}");
    // Nobody else: the outsider's feed holds nothing of the clue.
    assert!(types_on(&app, &outsider.token, &clue).is_empty());
    // Narrowed again: the widened reader loses the record and is told so, its earlier
    // events no longer shown (their stale keys are filtered, not trusted).
    let body = json!({"distribution": {"level": "own"}});
    expect_status(200, app.patch(&owner.token, &format!("/api/v1/records/{clue}"), 2, body));
    assert_eq!(types_on(&app, &widened.token, &clue), ["record.revoked"]);
}

fn the_migration_files_the_events_already_logged(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xuncha", "inspection");
    let listed = app.agency(&admin, "jiwei", "discipline");
    let member = app.agency(&admin, "shenji", "audit");
    let receiver = app.agency(&admin, "zuzhi", "organization");
    let outsider = app.agency(&admin, "caizheng", "finance");
    let g = id(&expect_status(
        201,
        app.post(&admin, "/api/v1/groups", json!({"name": "巡审联动组", "agency_ids": [owner.id, member.id]})),
    ));
    for (title, distribution) in [
        ("全体可见的通报", json!({"level": "all"})),
        ("点名共享的线索", json!({"level": "agencies", "agencies": [listed.id]})),
        ("组内共享的报告", json!({"level": "group", "group": g})),
        ("本单位的线索", json!({"level": "own"})),
    ] {
        let r = id(&expect_status(201, app.post(&owner.token, "/api/v1/records", record(title, distribution))));
        if title == "本单位的线索" {
            let body = json!({"to_agency_id": receiver.id, "suggestion": "建议初核", "deadline": "2099-12-31"});
            expect_status(201, app.post(&owner.token, &format!("/api/v1/records/{r}/transfers"), body));
        }
    }
    app.settle();
    let agencies = [&owner, &listed, &member, &receiver, &outsider];
    let before: Vec<_> = agencies.iter().map(|a| feed(&app, &a.token)).collect();
    assert_eq!(before[4].len(), 1, "the outsider reads the notice to all only: {:?}", before[4]);
    // The index emptied and the migration run again (down, up) on the logged events.
    let dir = match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let path = |f: &str| format!("{}/migrations/{dir}/2026-11-28-000003_feed_index/{f}", env!("CARGO_MANIFEST_DIR"));
    let (down, up) =
        (std::fs::read_to_string(path("down.sql")).unwrap(), std::fs::read_to_string(path("up.sql")).unwrap());
    {
        let mut conn = app.pool.get().unwrap();
        let run = |conn: &mut DbConnection, sql: &str| match conn {
            DbConnection::Sqlite(c) => c.batch_execute(sql).unwrap(),
            DbConnection::Pg(c) => c.batch_execute(sql).unwrap(),
        };
        run(&mut conn, &down);
        run(&mut conn, &up);
    }
    let after: Vec<_> = agencies.iter().map(|a| feed(&app, &a.token)).collect();
    assert_eq!(after, before, "each agency's feed as it was before the index was rebuilt");
}

both!(readers_gained_later_get_the_earlier_events, the_migration_files_the_events_already_logged);
