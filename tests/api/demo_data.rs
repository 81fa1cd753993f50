//! `serve --demo` / `guantong demo`: demo data that looks like a working hub (issue 10).
//! The demo is loaded into a fresh hub, then looked at through the real HTTP API as its
//! liaisons would: records of every kind, transfers in every state (overdue and returned
//! among them), deliberations with assignments, unread inbox items, duplicate flags,
//! statistics for each of the four forms — within the permission rules; and a second load
//! changes nothing.

use diesel::prelude::*;
use serde_json::Value;

use crate::both;
use crate::helpers::*;

const DEMO: &str = guantong::demo::DEMO_PASSWORD;

fn token(app: &TestApp, username: &str) -> String {
    app.login(username, DEMO)["access_token"].as_str().unwrap().to_string()
}

fn items(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let v = expect_status(200, app.get(token, path));
    v["items"].as_array().unwrap_or_else(|| panic!("{path}: {v}")).clone()
}

fn loaded(b: Backend) -> TestApp {
    let app = TestApp::spawn(b);
    let logins = guantong::demo::load(&app.pool).expect("the demo loads");
    assert!(logins.iter().any(|l| l.username == "xunchaban_liaison"), "the key logins are printed");
    app
}

/// Everything the issue asks a newcomer to see, through the API.
fn the_demo_is_a_living_hub(b: Backend) {
    let app = loaded(b);
    let jw = token(&app, "jiwei_liaison");
    // Records of every kind (the discipline commission receives some of each).
    for kind in [
        "clue",
        "case",
        "petition",
        "inspection_feedback",
        "audit_report",
        "special_check",
        "case_analysis",
        "recommendation",
        "notice",
    ] {
        let found = items(&app, &jw, &format!("/api/v1/records?kind={kind}&limit=500"));
        assert!(!found.is_empty(), "no {kind} for the discipline commission");
    }
    let clues = items(&app, &jw, "/api/v1/records?kind=clue&limit=500");
    assert!(clues.len() >= 30, "{} clues", clues.len());
    assert!(clues.iter().any(|r| r["sensitivity"] == "sensitive"), "some clues are sensitive");
    let petitions = items(&app, &jw, "/api/v1/records?kind=petition&limit=500");
    assert!(
        petitions
            .iter()
            .any(|r| r["protected_fields"].as_array().is_some_and(|f| f.iter().any(|f| f == "reporter_name"))),
        "petitions carry the reporter's name as a protected field"
    );

    // Transfers in every state, overdue and returned among them (the sender sees all).
    let xc = token(&app, "xunchaban_liaison");
    for state in ["transferred", "accepted", "in_progress", "concluded", "closed", "returned"] {
        let found = items(&app, &xc, &format!("/api/v1/transfers?direction=out&state={state}&limit=500"));
        assert!(!found.is_empty(), "no {state} transfer of the inspection office");
    }
    let returned = items(&app, &xc, "/api/v1/transfers?direction=out&state=returned&limit=500");
    assert!(returned.iter().all(|t| t["return_reason"].as_str().is_some_and(|r| !r.is_empty())), "{returned:?}");
    let overdue = items(&app, &xc, "/api/v1/transfers?overdue=true&limit=500");
    assert!(!overdue.is_empty(), "some transfers are overdue");
    let today = guantong::domain::clock::parse_date(&guantong::domain::clock::today()).unwrap();
    let soon = guantong::domain::clock::format_date(today + chrono::Duration::days(3));
    let all_in = items(&app, &jw, "/api/v1/transfers?direction=in&limit=500");
    assert!(
        all_in.iter().any(|t| t["overdue"] == false
            && ["transferred", "accepted", "in_progress"].contains(&t["state"].as_str().unwrap())
            && t["deadline"].as_str().unwrap() <= soon.as_str()),
        "some open transfers are due within three days"
    );

    // Statistics: each of the four forms, sanctions of each kind, overdue and returned.
    let st = expect_status(200, app.get(&xc, "/api/v1/stats/clues"));
    for form in ["form1", "form2", "form3", "form4", "cleared"] {
        assert!(st["by_outcome"][form].as_i64().unwrap() > 0, "{form}: {st}");
    }
    for s in ["disciplinary", "organizational", "judicial"] {
        assert!(st["sanctions"][s].as_i64().unwrap() > 0, "{s}: {st}");
    }
    assert!(st["overdue"].as_i64().unwrap() > 0 && st["returned"].as_i64().unwrap() > 0, "{st}");
    assert!(st["transferred"].as_i64().unwrap() >= 20, "{st}");
    assert!(st["mean_days_to_conclude"].as_f64().unwrap() > 1.0, "the demo has a past: {st}");

    // Deliberations with assignments: one urged (督办), some completed.
    let ds = items(&app, &xc, "/api/v1/deliberations?limit=100");
    assert!(!ds.is_empty());
    let tasks: Vec<&Value> = ds.iter().flat_map(|d| d["assignments"].as_array().unwrap().iter()).collect();
    assert!(tasks.iter().any(|a| a["urge_count"].as_i64().unwrap() > 0), "{tasks:?}");
    assert!(tasks.iter().any(|a| a["state"] == "done"), "{tasks:?}");
    assert!(ds.iter().any(|d| d["conclusion"].is_string() && !d["minutes"].as_str().unwrap().is_empty()));

    // Unread inbox items from the subscriptions' fan-out, and possible-duplicate flags.
    let zz = token(&app, "zuzhibu_liaison");
    let unread = items(&app, &zz, "/api/v1/inbox?limit=500");
    assert!(unread.iter().any(|i| i["reason"] == "subscription"), "{unread:?}");
    app.settle();
    let inbox = items(&app, &jw, "/api/v1/inbox?state=all&limit=500");
    assert!(inbox.iter().filter(|i| i["reason"] == "duplicate").count() >= 2, "duplicate flags reach the commission");

    // The permission rules hold: a restricted clue the commission keeps to itself is 404 for
    // the publicity department.
    let me = expect_status(200, app.get(&jw, "/api/v1/me"));
    let own = clues
        .iter()
        .find(|r| {
            r["owner_agency_id"] == me["agency_id"]
                && r["sensitivity"] == "restricted"
                && r["distribution"]["level"] == "own"
        })
        .expect("the commission keeps a restricted clue to itself");
    let id = own["id"].as_str().unwrap();
    let xcb = token(&app, "xuanchuanbu_liaison");
    let (status, _) = app.get(&xcb, &format!("/api/v1/records/{id}"));
    assert_eq!(status, 404);
    let theirs = items(&app, &xcb, "/api/v1/records?kind=clue&limit=500");
    assert!(theirs.iter().all(|r| r["id"] != own["id"]), "nor is it in their list");
}

/// The demo's inspection rounds (issue 11): one in each stage, walked as the office, a
/// reviewer, the team of a direct-supervision campaign and the inspected unit's own account
/// would — and the account sees its own unit and nothing else.
fn the_demo_has_a_round_in_each_stage(b: Backend) {
    let app = loaded(b);
    let xc = token(&app, "xunchaban_liaison");
    let rounds = items(&app, &xc, "/api/v1/rounds?limit=50");
    let mut stages: Vec<&str> = rounds.iter().map(|r| r["stage"].as_str().unwrap()).collect();
    stages.sort();
    assert_eq!(stages, ["closed", "feedback", "inspection", "preparation", "rectification"]);
    let round = |stage: &str| {
        let id = rounds.iter().find(|r| r["stage"] == stage).unwrap()["id"].as_str().unwrap();
        expect_status(200, app.get(&xc, &format!("/api/v1/rounds/{id}")))
    };

    // 完成: every item closed, the four-party review concluded, the evaluation final.
    let closed = round("closed");
    let cid = closed["id"].as_str().unwrap();
    let st = expect_status(200, app.get(&xc, &format!("/api/v1/rounds/{cid}/rectification-stats")));
    assert!(st["problems_found"].as_i64().unwrap() > 0, "{st}");
    assert_eq!(st["problems_found"], st["problems_rectified"], "{st}");
    assert_eq!(st["items"]["closed"], st["items"]["total"], "{st}");
    assert_eq!(st["four_party_review"]["units_reviewed"], closed["units"].as_array().unwrap().len(), "{st}");
    let evaluations = expect_status(200, app.get(&xc, &format!("/api/v1/rounds/{cid}/evaluations")));
    assert!(evaluations.as_array().unwrap().iter().any(|e| e["state"] == "finalised"), "{evaluations}");

    // 整改落实: items in every state; a plan rejected; the campaign's team reads its figures.
    let rect = round("rectification");
    let rid = rect["id"].as_str().unwrap();
    let st = expect_status(200, app.get(&xc, &format!("/api/v1/rounds/{rid}/rectification-stats")));
    for state in ["closed", "submitted", "in_progress"] {
        assert!(st["items"][state].as_i64().unwrap() > 0, "{state}: {st}");
    }
    assert!(st["plans_accepted"].as_i64().unwrap() < st["units"].as_i64().unwrap(), "{st}");
    let dc = token(&app, "duchaju_liaison");
    let campaigns = items(&app, &dc, "/api/v1/supervision-campaigns?limit=50");
    assert_eq!(campaigns.len(), 1, "{campaigns:?}");

    // 巡察反馈 and 进驻巡察: feedback issued, teams staffed from the talent pool.
    let fb = round("feedback");
    let unit = fb["units"][0]["id"].as_str().unwrap();
    expect_status(200, app.get(&xc, &format!("/api/v1/inspected-units/{unit}/feedback")));
    let insp = round("inspection");
    let team = insp["teams"][0]["id"].as_str().unwrap();
    let team = expect_status(200, app.get(&xc, &format!("/api/v1/teams/{team}")));
    assert!(team["members"].as_array().unwrap().len() >= 3, "{team}");
    assert!(items(&app, &xc, "/api/v1/talents?limit=100").len() >= 30);

    // 巡前准备: the pre-inspection request, half answered; 组织部's integrity request.
    let prep = round("preparation");
    let requests = items(&app, &xc, "/api/v1/info-requests?limit=50");
    let pre = requests.iter().find(|r| r["round_id"] == prep["id"]).expect("the round's request");
    assert_eq!((pre["counts"]["targets"].as_i64(), pre["counts"]["answered"].as_i64()), (Some(4), Some(2)), "{pre}");
    let zz = token(&app, "zuzhibu_liaison");
    assert!(items(&app, &zz, "/api/v1/info-requests?limit=50").iter().any(|r| r["kind"] == "integrity"));

    // The inspected unit's own account: its unit, its ledger, nothing else.
    let acc = token(&app, guantong::demo::UNIT_LOGIN);
    let own = rect["units"].as_array().unwrap().iter().find(|u| u["account_agency_id"].is_string()).unwrap();
    let own = own["id"].as_str().unwrap();
    expect_status(200, app.get(&acc, &format!("/api/v1/inspected-units/{own}/items")));
    let other = rect["units"].as_array().unwrap().iter().find(|u| u["account_agency_id"].is_null()).unwrap();
    assert_eq!(app.get(&acc, &format!("/api/v1/inspected-units/{}", other["id"].as_str().unwrap())).0, 404);
    assert_eq!(app.get(&acc, "/api/v1/rounds").0, 403);
    assert_eq!(app.get(&acc, "/api/v1/records").0, 403);
}

both!(the_demo_has_a_round_in_each_stage);

/// Row counts of what the demo writes.
fn counts(app: &TestApp) -> Vec<i64> {
    use guantong::db::schema::{
        agencies, audit_log, deliberations, duplicate_flags, events, inbox_items, records, transfers, users,
    };
    let mut c = app.sealed_conn();
    vec![
        agencies::table.count().get_result(&mut c).unwrap(),
        users::table.count().get_result(&mut c).unwrap(),
        records::table.count().get_result(&mut c).unwrap(),
        transfers::table.count().get_result(&mut c).unwrap(),
        deliberations::table.count().get_result(&mut c).unwrap(),
        duplicate_flags::table.count().get_result(&mut c).unwrap(),
        inbox_items::table.count().get_result(&mut c).unwrap(),
        events::table.count().get_result(&mut c).unwrap(),
        audit_log::table.count().get_result(&mut c).unwrap(),
    ]
}

/// A few hundred records (three hundred published, and the demo rounds' findings, each a
/// record too), forty transfers, and a second load changes nothing.
fn loading_twice_changes_nothing(b: Backend) {
    let app = loaded(b);
    app.settle();
    let first = counts(&app);
    let (records, transfers, flags) = (first[2], first[3], first[5]);
    assert!((320..=360).contains(&records), "{records} records");
    assert_eq!(transfers, 40);
    assert!(flags >= 3, "{flags} duplicate flags");
    let logins = guantong::demo::load(&app.pool).expect("a second load is no error");
    assert!(!logins.is_empty(), "the logins are printed again");
    app.settle();
    assert_eq!(counts(&app), first);
}

both!(the_demo_is_a_living_hub, loading_twice_changes_nothing);
