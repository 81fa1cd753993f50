//! Stored enum values fail closed: a value the hub does not write (a damaged row, a
//! hand-edited database, a newer version's value) makes reading the row an error, never a
//! silent default that could widen access or drop a restriction.

use diesel::RunQueryDsl;
use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::helpers::*;

fn corrupt(app: &TestApp, sql: &str) {
    let mut conn = app.pool.get().unwrap();
    let n = diesel::sql_query(sql).execute(&mut *conn).unwrap();
    assert_eq!(n, 1, "{sql}");
}

fn unknown_stored_values_are_errors_not_defaults(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let body = json!({
        "kind": "clue", "title": "受限线索标题XYZ", "body": "受限线索正文XYZ",
        "distribution": {"level": "agencies", "agencies": [jw.id]}, "sensitivity": "restricted",
    });
    let (s, r) = app.post(&xc.token, "/api/v1/records", body);
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_str().unwrap().to_string();
    // Before: without a purpose the reader gets the placeholder, never the title.
    let (s, v) = app.get(&jw.token, &format!("/api/v1/records/{id}"));
    assert_eq!(s, 428, "{v}");

    // A sensitivity the hub does not write: an error, not "general" (which would show it).
    corrupt(&app, &format!("UPDATE records SET sensitivity = 'secret' WHERE id = '{id}'"));
    for path in
        [format!("/api/v1/records/{id}"), "/api/v1/records".to_string(), format!("/api/v1/records/{id}/history")]
    {
        let resp = app.req(Method::GET, &path, Some(&jw.token)).send().unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().unwrap();
        assert_eq!(status, 500, "{path}: {text}");
        assert!(!text.contains("XYZ"), "{path}: {text}");
    }
    corrupt(&app, &format!("UPDATE records SET sensitivity = 'restricted' WHERE id = '{id}'"));
    let (s, _) = app.get(&jw.token, &format!("/api/v1/records/{id}"));
    assert_eq!(s, 428);

    // An unknown distribution level is not "own" or "all" either.
    corrupt(&app, &format!("UPDATE records SET distribution_level = 'everyone' WHERE id = '{id}'"));
    let (s, v) = app.get(&xc.token, &format!("/api/v1/records/{id}"));
    assert_eq!(s, 500, "{v}");
    corrupt(&app, &format!("UPDATE records SET distribution_level = 'agencies' WHERE id = '{id}'"));

    // A transfer in an unknown state is not "transferred" (which would allow acting on it).
    let clue = crate::transfers::clue(&app, &xc, "普通线索", "正文", &[]);
    let (s, t) = crate::transfers::transfer(&app, &xc, &clue, &jw);
    assert_eq!(s, 201, "{t}");
    let tid = t["id"].as_str().unwrap();
    corrupt(&app, &format!("UPDATE transfers SET state = 'limbo' WHERE id = '{tid}'"));
    let (s, v) = app.post(&jw.token, &format!("/api/v1/transfers/{tid}/accept"), json!({}));
    assert_eq!(s, 500, "{v}");
    corrupt(&app, &format!("UPDATE transfers SET state = 'transferred' WHERE id = '{tid}'"));
    let (s, v) = app.post(&jw.token, &format!("/api/v1/transfers/{tid}/accept"), json!({}));
    assert_eq!(s, 200, "{v}");

    // A grant for an unknown reason is no grant: reading the record fails rather than
    // treating it as a transfer (full access) or silently as a deliberation.
    corrupt(&app, &format!("UPDATE record_grants SET reason = 'friendship' WHERE record_id = '{clue}'"));
    let (s, v) = app.get(&jw.token, &format!("/api/v1/records/{clue}"));
    assert_eq!(s, 500, "{v}");
}

both!(unknown_stored_values_are_errors_not_defaults);
