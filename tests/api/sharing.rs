use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::helpers::*;

fn subscriptions_fill_the_inbox_and_ack(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let obj =
        expect_status(201, app.post(&xc.token, "/api/v1/objects", json!({"name": "市交通运输局", "kind": "unit"})));
    let obj_id = obj["id"].as_str().unwrap();
    let (s, sub) = app.post(&jw.token, "/api/v1/subscriptions", json!({
        "name": "巡察移交的交通局线索", "kinds": ["clue"], "object_ids": [obj_id], "source_agency_ids": [xc.id], "tags": ["巡察移交"], "categories": ["廉洁纪律"]
    }));
    assert_eq!(s, 201, "{sub}");
    assert_eq!(sub["categories"], json!(["廉洁纪律"]));
    let all = json!({"level": "all"});
    let base = |title: &str| json!({"kind": "clue", "title": title, "category": "integrity", "object_ids": [obj_id], "tags": ["巡察移交"], "distribution": all});
    let hit = expect_status(201, app.post(&xc.token, "/api/v1/records", base("匹配的线索")));
    let mut miss1 = base("类别不符");
    miss1["category"] = json!("工作纪律");
    let mut miss2 = base("标签不符");
    miss2["tags"] = json!(["其他"]);
    let mut miss3 = base("类型不符");
    miss3["kind"] = json!("notice");
    for m in [miss1, miss2, miss3] {
        assert_eq!(app.post(&xc.token, "/api/v1/records", m).0, 201);
    }
    let (s, inbox) = app.get(&jw.token, "/api/v1/inbox");
    assert_eq!(s, 200);
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{inbox}");
    assert_eq!(items[0]["record"]["id"], hit["id"]);
    assert_eq!(items[0]["subscription_id"], sub["id"]);
    let item_id = items[0]["id"].as_str().unwrap();
    // Another agency cannot ack it.
    assert_eq!(app.post(&xc.token, &format!("/api/v1/inbox/{item_id}/ack"), json!({})).0, 404);
    let (s, acked) = app.post(&jw.token, &format!("/api/v1/inbox/{item_id}/ack"), json!({}));
    assert_eq!(s, 200, "{acked}");
    let (s, again) = app.post(&jw.token, &format!("/api/v1/inbox/{item_id}/ack"), json!({}));
    assert_eq!((s, &again["acked_at"]), (200, &acked["acked_at"]), "ack is idempotent");
    let inbox = expect_status(200, app.get(&jw.token, "/api/v1/inbox"));
    assert!(inbox["items"].as_array().unwrap().is_empty());
    let inbox =
        expect_status(200, send(app.req(Method::GET, "/api/v1/inbox", Some(&jw.token)).query(&[("state", "all")])));
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1);
    // Subscriptions are per agency; deleting one stops new matches.
    let subs = expect_status(200, app.get(&xc.token, "/api/v1/subscriptions"))["items"].clone();
    assert!(subs.as_array().unwrap().is_empty());
    assert_eq!(app.delete(&xc.token, &format!("/api/v1/subscriptions/{}", sub["id"].as_str().unwrap())).0, 404);
    assert_eq!(app.delete(&jw.token, &format!("/api/v1/subscriptions/{}", sub["id"].as_str().unwrap())).0, 204);
    expect_status(201, app.post(&xc.token, "/api/v1/records", base("删除订阅之后")));
    let inbox =
        expect_status(200, send(app.req(Method::GET, "/api/v1/inbox", Some(&jw.token)).query(&[("state", "all")])));
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1);
}

fn feed_pages_by_sequence_cursor(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    for i in 0..5 {
        expect_status(
            201,
            app.post(
                &xc.token,
                "/api/v1/records",
                record(&format!("共享{i}"), json!({"level": "agencies", "agencies": [jw.id]})),
            ),
        );
        expect_status(
            201,
            app.post(&xc.token, "/api/v1/records", record(&format!("内部{i}"), json!({"level": "own"}))),
        );
    }
    let mut after = 0i64;
    let mut titles = Vec::new();
    loop {
        let (s, page) = send(
            app.req(Method::GET, "/api/v1/feed", Some(&jw.token))
                .query(&[("after", after.to_string()), ("limit", "2".into())]),
        );
        assert_eq!(s, 200);
        let events = page["events"].as_array().unwrap();
        for e in events {
            assert!(e["seq"].as_i64().unwrap() > after);
            titles.push(e["record"]["title"].as_str().unwrap().to_string());
        }
        after = page["next_cursor"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(titles, (0..5).map(|i| format!("共享{i}")).collect::<Vec<_>>());
    // Nothing new: an empty page that keeps the cursor.
    let page = expect_status(
        200,
        send(app.req(Method::GET, "/api/v1/feed", Some(&jw.token)).query(&[("after", after.to_string())])),
    );
    assert_eq!(page["events"].as_array().unwrap().len(), 0);
    assert_eq!(page["next_cursor"].as_i64().unwrap(), after);
}

both!(subscriptions_fill_the_inbox_and_ack, feed_pages_by_sequence_cursor);
