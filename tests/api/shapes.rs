//! Snapshot tests of the response shapes DESIGN.md names as the contract ("shapes that
//! clients rely on"): each response is reduced to its shape (keys, and the type of each
//! value) and compared with `tests/api/shapes.json`. A renamed or dropped field fails here;
//! a field added on purpose is taken in with `GUANTONG_UPDATE_SHAPES=1` (and reviewed in
//! the diff). Both backends must answer the same shapes.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::both;
use crate::helpers::*;
use crate::receiver::Receiver;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/shapes.json");

/// The shape of a JSON value: objects keep their keys, arrays the shape of their first item.
fn shape(v: &Value) -> Value {
    match v {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("boolean"),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!("integer"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Array(items) => Value::Array(items.first().map(shape).into_iter().collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect::<Map<_, _>>()),
    }
}

fn contract_shapes(b: Backend) {
    let app = TestApp::spawn(b);
    let mut shapes: BTreeMap<&str, Value> = BTreeMap::new();
    let login = app.login("admin", ADMIN_PASSWORD);
    shapes.insert("POST /auth/login", shape(&login));
    let admin = login["access_token"].as_str().unwrap().to_string();
    let agency = json!({"code": "jiwei", "name": "市纪委监委", "kind": "discipline", "level": "city"});
    shapes.insert("POST /agencies", shape(&expect_status(201, app.post(&admin, "/api/v1/agencies", agency))));
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "shiwei", "discipline");
    shapes.insert("GET /agencies", shape(&expect_status(200, app.get(&admin, "/api/v1/agencies?limit=1"))));
    let unit_admin = app.unit_admin(&jw);
    let user = json!({"username": "jw_liaison", "password": PASSWORD, "agency_id": jw.id, "roles": ["liaison"], "email": "jw@example.gov.cn"});
    shapes.insert("POST /users", shape(&expect_status(201, app.post(&unit_admin, "/api/v1/users", user))));
    shapes.insert("GET /users", shape(&expect_status(200, app.get(&admin, "/api/v1/users?limit=1"))));
    let group = json!({"name": "四方会审组", "agency_ids": [xc.id, jw.id]});
    shapes.insert("POST /groups", shape(&expect_status(201, app.post(&admin, "/api/v1/groups", group))));
    shapes.insert("GET /groups", shape(&expect_status(200, app.get(&admin, "/api/v1/groups"))));
    shapes.insert("GET /me", shape(&expect_status(200, app.get(&jw.token, "/api/v1/me"))));
    let (s, obj) = app.post(&xc.token, "/api/v1/objects", json!({"name": "市住房和城乡建设局", "kind": "unit"}));
    assert_eq!(s, 201, "{obj}");
    let record = json!({
        "kind": "clue", "title": "市住建局违规发放津补贴问题线索", "body": "以加班费名义违规发放津补贴46.8万元",
        "category": "廉洁纪律", "object_ids": [obj["id"]], "tags": ["巡察移交"],
        "distribution": {"level": "agencies", "agencies": [jw.id]}, "sensitivity": "sensitive",
        "protected": {"reporter_name": "张三", "reporter_phone": "13800000000"}, "external_id": "XC-2026-0042",
    });
    let created = expect_status(201, app.post(&xc.token, "/api/v1/records", record));
    shapes.insert("POST /records", shape(&created));
    let id = created["id"].as_str().unwrap();
    shapes
        .insert("GET /records/{id}", shape(&expect_status(200, app.get(&jw.token, &format!("/api/v1/records/{id}")))));
    shapes.insert("GET /records", shape(&expect_status(200, app.get(&jw.token, "/api/v1/records"))));
    let feed = send(app.req(Method::GET, "/api/v1/feed", Some(&jw.token)).query(&[("after", "0")]));
    shapes.insert("GET /feed", shape(&expect_status(200, feed)));
    let withdrawn = app.req(Method::DELETE, &format!("/api/v1/records/{id}"), Some(&xc.token)).header("If-Match", "1");
    assert_eq!(send(withdrawn).0, 204);
    let feed = send(app.req(Method::GET, "/api/v1/feed", Some(&jw.token)).query(&[("after", "0")]));
    let feed = expect_status(200, feed);
    let tombstone = feed["events"].as_array().unwrap().iter().find(|e| e["type"] == "record.withdrawn").cloned();
    shapes.insert("GET /feed (tombstone)", shape(&tombstone.expect("a tombstone")));
    let receiver = Receiver::start();
    let hook = json!({"url": receiver.url(), "event_types": ["record.created", "transfer.created"]});
    let created = expect_status(201, app.post(&unit_admin, "/api/v1/webhooks", hook));
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"), "{created}");
    shapes.insert("POST /webhooks", shape(&created));
    let clue = crate::transfers::clue(&app, &xc, "线索", "正文", &[]);
    let (s, t) = crate::transfers::transfer(&app, &xc, &clue, &jw);
    assert_eq!(s, 201, "{t}");
    shapes.insert("POST /records/{id}/transfers", shape(&t));
    shapes.insert("GET /stats/clues", shape(&expect_status(200, app.get(&xc.token, "/api/v1/stats/clues"))));
    let (s, problem) = app.get(&jw.token, "/api/v1/records/00000000-0000-0000-0000-000000000000");
    assert_eq!(s, 404);
    shapes.insert("problem+json", shape(&problem));

    let got = serde_json::to_value(&shapes).unwrap();
    if std::env::var("GUANTONG_UPDATE_SHAPES").as_deref() == Ok("1") && b == Backend::Sqlite {
        std::fs::write(SNAPSHOT, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
        return;
    }
    let want: Value = serde_json::from_str(&std::fs::read_to_string(SNAPSHOT).expect("tests/api/shapes.json"))
        .expect("tests/api/shapes.json is JSON");
    for (name, shape) in want.as_object().unwrap() {
        assert_eq!(
            got.get(name),
            Some(shape),
            "{name}: the response shape changed (run with GUANTONG_UPDATE_SHAPES=1 if on purpose)"
        );
    }
    assert_eq!(got, want, "responses were added or renamed (GUANTONG_UPDATE_SHAPES=1 if on purpose)");
}

both!(contract_shapes);
