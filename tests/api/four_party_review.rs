//! Issue 11, part 7: the four-party review (四方会审). After the concentrated rectification the
//! office opens a review of a unit whose items are all closed; the office (for itself and, in
//! the team leader's name, for the team), the discipline commission and the organisation
//! department pass or return every item with an opinion; the outcome is recorded per party;
//! a returned item is reopened. The seed's 59 reviewed unit party organisations are read back.

use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::rectification::{events, id, ledger_of, plan_body, second_account};

fn verdicts(items: &[&str], verdict: &str, opinion: &str) -> Value {
    Value::Array(items.iter().map(|i| json!({"item_id": i, "verdict": verdict, "opinion": opinion})).collect())
}

/// Every party judges every item, each recorded by whom it belongs to; the review concludes
/// only when all have; a return by any party returns the unit and reopens that item; the unit
/// reads the opinions, nobody outside the round does.
fn each_party_judges_each_item_and_a_returned_item_is_reopened(b: Backend) {
    let (t, _, items) = ledger_of(b, 2);
    let app = &t.app;
    let unit = id(&t.unit);
    let (a, c) = (id(&items[0]), id(&items[1]));
    let reviews = format!("/api/v1/inspected-units/{unit}/reviews");
    let batch = format!("/api/v1/inspected-units/{unit}/items/steps");
    // Not while items are open.
    let (s, e) = app.post(&t.office.token, &reviews, json!({}));
    assert_eq!(s, 409, "{e}");
    let body = json!({"step": "submit", "note": "整改完成", "item_ids": [a, c]});
    assert_eq!(app.post(&t.account.token, &batch, body).0, 200);
    assert_eq!(app.post(&t.office.token, &batch, json!({"step": "close", "item_ids": [a, c]})).0, 200);

    // Only the office opens a review.
    assert_eq!(app.post(&t.jiwei.token, &reviews, json!({})).0, 403);
    assert_eq!(app.post(&t.account.token, &reviews, json!({})).0, 403);
    assert_eq!(app.post(&t.admin, &reviews, json!({})).0, 403);
    assert_eq!(app.post(&t.outsider.token, &reviews, json!({})).0, 404);
    let (s, review) = app.post(&t.office.token, &reviews, json!({}));
    assert_eq!(s, 201, "{review}");
    assert_eq!((review["state"].as_str(), review["missing"].as_i64()), (Some("open"), Some(8)));
    assert_eq!(app.post(&t.office.token, &reviews, json!({})).0, 409, "one review at a time");
    let rid = id(&review);
    let record = format!("/api/v1/four-party-reviews/{rid}/verdicts");
    let party = |p: &str, signer: &str, v: Value| json!({"party": p, "signer_name": signer, "verdicts": v});

    // Each party by whom it belongs to.
    let pass_both = verdicts(&[&a, &c], "pass", "");
    assert_eq!(app.post(&t.jiwei.token, &record, party("organization", "x", pass_both.clone())).0, 403);
    assert_eq!(app.post(&t.jiwei.token, &record, party("team", "x", pass_both.clone())).0, 403);
    assert_eq!(app.post(&t.account.token, &record, party("inspection_office", "x", pass_both.clone())).0, 403);
    assert_eq!(app.post(&t.outsider.token, &record, party("discipline", "x", pass_both.clone())).0, 404);
    let (s, v) = app.post(&t.jiwei.token, &record, party("discipline", "纪委审核人", pass_both.clone()));
    assert_eq!(s, 200, "{v}");
    let (s, e) = app.post(&t.zzb.token, &record, party("organization", "组织部审核人", verdicts(&[&c], "return", " ")));
    assert_eq!(s, 422, "a return gives its opinion: {e}");
    let (s, e) = app.post(&t.zzb.token, &record, party("organization", "组织部审核人", verdicts(&[&unit], "pass", "")));
    assert_eq!(s, 422, "not an item of the unit: {e}");
    let mut mixed = verdicts(&[&a], "pass", "");
    mixed.as_array_mut().unwrap().push(json!({"item_id": c, "verdict": "return", "opinion": "长效机制未建立"}));
    assert_eq!(app.post(&t.zzb.token, &record, party("organization", "组织部审核人", mixed)).0, 200);
    assert_eq!(app.post(&t.office.token, &record, party("inspection_office", "赵主任", pass_both.clone())).0, 200);
    // Not before the team has judged too; only the office concludes.
    let conclude = format!("/api/v1/four-party-reviews/{rid}/conclude");
    let (s, e) = app.post(&t.office.token, &conclude, json!({}));
    assert_eq!(s, 409, "{e}");
    assert!(e["detail"].as_str().unwrap().contains('2'), "{e}");
    let (s, v) = app.post(&t.office.token, &record, party("team", "李组长", pass_both.clone()));
    assert_eq!((s, v["missing"].as_i64()), (200, Some(0)), "{v}");
    let team = v["verdicts"].as_array().unwrap().iter().find(|v| v["party"] == "team").unwrap().clone();
    assert_eq!(team["signer_name"], "李组长");
    assert_eq!(team["agency_id"], t.office.id.as_str());
    assert_eq!(app.post(&t.jiwei.token, &conclude, json!({})).0, 403);

    // Who reads it: the unit (with the opinions), the participants; not another unit or an outsider.
    let path = format!("/api/v1/four-party-reviews/{rid}");
    let (s, own) = app.get(&t.account.token, &path);
    assert_eq!(s, 200, "{own}");
    assert!(own.to_string().contains("长效机制未建立"));
    let other = second_account(&t);
    for (who, status) in [(&other.token, 404), (&t.outsider.token, 404), (&t.admin, 403)] {
        let (s, v) = app.get(who, &path);
        assert_eq!(s, status, "{v}");
        assert!(!v.to_string().contains("长效机制"), "{v}");
        assert_eq!(app.get(who, &reviews).0, status);
    }

    let (s, done) = app.post(&t.office.token, &conclude, json!({}));
    assert_eq!(s, 200, "{done}");
    assert_eq!((done["state"].as_str(), done["outcome"].as_str()), (Some("concluded"), Some("returned")));
    assert_eq!(app.post(&t.office.token, &record, party("team", "李组长", pass_both.clone())).0, 409);
    // The returned item is reopened with the reasons; the other stays closed.
    let (_, item) = app.get(&t.account.token, &format!("/api/v1/rectification-items/{c}"));
    assert_eq!(item["state"], "in_progress", "{item}");
    let last = item["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "reopen");
    assert!(last["text"].as_str().unwrap().contains("组织部:长效机制未建立"), "{last}");
    let (_, item) = app.get(&t.account.token, &format!("/api/v1/rectification-items/{a}"));
    assert_eq!(item["state"], "closed");
    let told: Vec<Option<String>> = events(app, "four_party_review.concluded").into_iter().map(|e| e.0).collect();
    for a in [&t.account, &t.jiwei, &t.zzb] {
        assert!(told.contains(&Some(a.id.clone())), "{told:?}");
    }

    // Rectified again and closed, a second review passes.
    app.post(&t.account.token, &batch, json!({"step": "submit", "note": "已建立长效机制", "item_ids": [c]}));
    app.post(&t.office.token, &batch, json!({"step": "close", "item_ids": [c]}));
    let (s, second) = app.post(&t.office.token, &reviews, json!({}));
    assert_eq!(s, 201, "{second}");
    let record = format!("/api/v1/four-party-reviews/{}/verdicts", id(&second));
    for (who, p) in
        [(&t.office, "inspection_office"), (&t.office, "team"), (&t.jiwei, "discipline"), (&t.zzb, "organization")]
    {
        assert_eq!(app.post(&who.token, &record, party(p, "签字人", pass_both.clone())).0, 200);
    }
    let (_, done) =
        app.post(&t.office.token, &format!("/api/v1/four-party-reviews/{}/conclude", id(&second)), json!({}));
    assert_eq!(done["outcome"], "passed", "{done}");
    let (_, list) = app.get(&t.account.token, &reviews);
    let outcomes: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["passed", "returned"]);
    let (_, stats) = app.get(&t.jiwei.token, &format!("/api/v1/rounds/{}/rectification-stats", id(&t.round)));
    assert_eq!(stats["four_party_review"], json!({"units_reviewed": 1, "passed": 1, "returned": 0, "open": 0}));
}

both!(each_party_judges_each_item_and_a_returned_item_is_reopened);

/// Seed 000 (漯河): 四方会审 of 59 unit party organisations. A round of 59 inspected units
/// (without accounts of their own: the office records their papers), each with a problem
/// rectified and closed, each reviewed by the four parties; the statistics read 59.
fn the_seeds_59_units_are_reviewed_by_the_four_parties(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let office = app.agency(&admin, "xcb", "inspection");
    let jiwei = app.agency(&admin, "jiwei", "discipline");
    let zzb = app.agency(&admin, "zzb", "organization");
    let (_, round) = app.post(
        &office.token,
        "/api/v1/rounds",
        json!({"name": "八届市委第三轮巡察", "number": 3, "kind": "regular", "period_start": "2026-03-01",
               "period_end": "2026-05-31", "participant_agency_ids": [jiwei.id, zzb.id]}),
    );
    let rid = id(&round);
    let stage = |s: &str| {
        expect_status(200, app.post(&office.token, &format!("/api/v1/rounds/{rid}/stage"), json!({"stage": s})))
    };
    let mut units = Vec::new();
    for i in 1..=59 {
        let object = app.unit_object(&office, &format!("第{i}个被巡察党组织"));
        let u = expect_status(
            201,
            app.post(&office.token, &format!("/api/v1/rounds/{rid}/units"), json!({"object_id": object})),
        );
        units.push(id(&u));
    }
    stage("inspection");
    let findings: Vec<String> = units
        .iter()
        .map(|u| {
            let f = app.post(
                &office.token,
                &format!("/api/v1/inspected-units/{u}/findings"),
                json!({"kind": "problem", "title": "落实主体责任不到位"}),
            );
            id(&expect_status(201, f))
        })
        .collect();
    stage("feedback");
    for (u, f) in units.iter().zip(&findings) {
        expect_status(
            201,
            app.post(
                &office.token,
                &format!("/api/v1/inspected-units/{u}/feedback"),
                json!({"problems": [{"finding_id": f}]}),
            ),
        );
        for p in ["unit_head", "team_leader", "office_director"] {
            let sig = app.post(
                &office.token,
                &format!("/api/v1/inspected-units/{u}/feedback/signatures"),
                json!({"party": p, "signer_name": "签字人"}),
            );
            expect_status(200, sig);
        }
    }
    stage("rectification");
    for (u, f) in units.iter().zip(&findings) {
        let plan = expect_status(
            201,
            app.post(&office.token, &format!("/api/v1/inspected-units/{u}/plans"), plan_body(std::slice::from_ref(f))),
        );
        for r in [&jiwei, &zzb] {
            expect_status(
                200,
                app.post(
                    &r.token,
                    &format!("/api/v1/rectification-plans/{}/reviews", id(&plan)),
                    json!({"verdict": "approve"}),
                ),
            );
        }
        let items = expect_status(200, app.get(&office.token, &format!("/api/v1/inspected-units/{u}/items")));
        let item = id(&items[0]);
        let batch = format!("/api/v1/inspected-units/{u}/items/steps");
        expect_status(
            200,
            app.post(&office.token, &batch, json!({"step": "submit", "note": "整改完成", "item_ids": [item]})),
        );
        expect_status(200, app.post(&office.token, &batch, json!({"step": "close", "item_ids": [item]})));
        let review =
            expect_status(201, app.post(&office.token, &format!("/api/v1/inspected-units/{u}/reviews"), json!({})));
        let record = format!("/api/v1/four-party-reviews/{}/verdicts", id(&review));
        for (who, p) in
            [(&office, "inspection_office"), (&office, "team"), (&jiwei, "discipline"), (&zzb, "organization")]
        {
            let body = json!({"party": p, "signer_name": "签字人", "verdicts": verdicts(&[&item], "pass", "")});
            expect_status(200, app.post(&who.token, &record, body));
        }
        let done = expect_status(
            200,
            app.post(&office.token, &format!("/api/v1/four-party-reviews/{}/conclude", id(&review)), json!({})),
        );
        assert_eq!(done["outcome"], "passed");
    }
    let stats = expect_status(200, app.get(&zzb.token, &format!("/api/v1/rounds/{rid}/rectification-stats")));
    assert_eq!(stats["four_party_review"]["units_reviewed"], 59, "{}", stats["four_party_review"]);
    assert_eq!(stats["four_party_review"]["passed"], 59);
    assert_eq!((stats["problems_found"].as_i64(), stats["problems_rectified"].as_i64()), (Some(59), Some(59)));
}

both!(the_seeds_59_units_are_reviewed_by_the_four_parties);
