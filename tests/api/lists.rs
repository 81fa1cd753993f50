//! One shape for every list (issue 9): each list answers `{items, next_cursor}` pages with
//! the same `cursor`/`limit` parameters; walking the pages yields every item once, in the
//! list's order; filters narrow a list; a cursor the server did not give is a 400.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::receiver::Receiver;

/// Walks a list two items at a time; returns the ids in order, checking each page's shape.
fn walk(app: &TestApp, token: &str, path: &str, query: &[(&str, &str)]) -> Vec<String> {
    let (mut ids, mut cursor) = (Vec::new(), String::new());
    for _ in 0..100 {
        let mut q: Vec<(&str, &str)> = query.to_vec();
        q.push(("limit", "2"));
        q.push(("cursor", &cursor));
        let page = expect_status(200, send(app.req(Method::GET, path, Some(token)).query(&q)));
        let items = page["items"].as_array().unwrap_or_else(|| panic!("{path}: {page}"));
        assert!(items.len() <= 2, "{path}: {page}");
        ids.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(items.len(), 2, "{path}: only a full page has a next page");
                cursor = c.to_string();
            }
            None => return ids,
        }
    }
    panic!("{path}: more than 100 pages")
}

/// The whole list in one page (limit 500), as ids.
fn all(app: &TestApp, token: &str, path: &str, query: &[(&str, &str)]) -> Vec<String> {
    let mut q = query.to_vec();
    q.push(("limit", "500"));
    let page = expect_status(200, send(app.req(Method::GET, path, Some(token)).query(&q)));
    assert!(page["next_cursor"].is_null(), "{path}: {page}");
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

fn field_of(app: &TestApp, token: &str, path: &str, field: &str) -> Vec<String> {
    let page = expect_status(200, send(app.req(Method::GET, path, Some(token)).query(&[("limit", "500")])));
    page["items"].as_array().unwrap().iter().map(|i| i[field].as_str().unwrap().to_string()).collect()
}

fn every_list_pages_the_same_way(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    let sj = app.agency(&admin, "shenji", "audit");
    let zz = app.agency(&admin, "zuzhi", "organization");
    for (i, name) in ["联席会议成员单位", "四方会审组", "巡审联动组"].iter().enumerate() {
        let (s, g) = app.post(&admin, "/api/v1/groups", json!({"name": name, "agency_ids": [xc.id]}));
        assert_eq!(s, 201, "{i}: {g}");
    }
    for name in ["一", "二", "三"] {
        let body = json!({"name": format!("协作意见{name}"), "source_kind": "petition", "record_kind": "petition", "recipient_kinds": ["discipline"]});
        expect_status(201, app.post(&admin, "/api/v1/agreements", body));
    }
    for name in ["交通局线索", "住建局线索", "教育局线索"] {
        expect_status(201, app.post(&jw.token, "/api/v1/subscriptions", json!({"name": name, "kinds": ["clue"]})));
    }
    let unit_admin = app.unit_admin(&jw);
    let receiver = Receiver::start();
    for _ in 0..3 {
        let body = json!({"url": receiver.url(), "event_types": ["*"]});
        expect_status(201, app.post(&unit_admin, "/api/v1/webhooks", body));
    }
    for name in ["办案系统", "信访系统", "审计系统"] {
        app.api_key(&admin, &jw, name);
    }
    for title in ["线索一", "线索二", "线索三"] {
        let clue = crate::transfers::clue(&app, &xc, title, "正文", &[]);
        let body = json!({"record_id": clue, "title": title, "participant_agency_ids": [jw.id]});
        expect_status(201, app.post(&xc.token, "/api/v1/deliberations", body));
    }

    let api_keys = format!("/api/v1/agencies/{}/api-keys", jw.id);
    let lists: [(&str, &str, usize); 8] = [
        (&admin, "/api/v1/agencies", 5),
        (&admin, "/api/v1/users", 9),
        (&admin, "/api/v1/groups", 3),
        (&admin, "/api/v1/agreements", 3),
        (&jw.token, "/api/v1/subscriptions", 3),
        (&unit_admin, "/api/v1/webhooks", 3),
        (&unit_admin, &api_keys, 3),
        (&jw.token, "/api/v1/deliberations", 3),
    ];
    for (token, path, at_least) in lists {
        let whole = all(&app, token, path, &[]);
        assert!(whole.len() >= at_least, "{path}: {whole:?}");
        let walked = walk(&app, token, path, &[]);
        assert_eq!(walked, whole, "{path}: the pages together are the list, each item once, in order");
    }
    // The orders a reader expects: units by code, users by username, groups by name,
    // deliberations newest first.
    let codes = field_of(&app, &admin, "/api/v1/agencies", "code");
    assert!(codes.windows(2).all(|w| w[0] < w[1]), "{codes:?}");
    let names = field_of(&app, &admin, "/api/v1/users", "username");
    assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
    let groups = field_of(&app, &admin, "/api/v1/groups", "name");
    assert!(groups.windows(2).all(|w| w[0] < w[1]), "{groups:?}");
    let titles = field_of(&app, &jw.token, "/api/v1/deliberations", "title");
    assert_eq!(titles, ["线索三", "线索二", "线索一"]);
    // A list is no wider for being paged: the organization department takes part in none.
    assert_eq!(all(&app, &zz.token, "/api/v1/deliberations", &[]), Vec::<String>::new());
    assert_eq!(all(&app, &sj.token, "/api/v1/subscriptions", &[]), Vec::<String>::new());
}

fn lists_filter_and_refuse_foreign_cursors(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    // A list in key order starts after any key a cursor names (`k` + hex): "m" is 6d.
    let after_m = field_of(&app, &admin, "/api/v1/agencies?cursor=k6d", "code");
    assert_eq!(after_m, ["xuncha"]);
    // Units by kind.
    let ids = all(&app, &admin, "/api/v1/agencies", &[("kind", "discipline")]);
    assert_eq!(ids, std::slice::from_ref(&jw.id));
    // Users by unit and role; `admin` does not match `agency_admin`.
    let names = |q: &[(&str, &str)]| -> Vec<String> {
        let mut q = q.to_vec();
        q.push(("limit", "500"));
        let page = expect_status(200, send(app.req(Method::GET, "/api/v1/users", Some(&admin)).query(&q)));
        page["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names(&[("agency_id", &jw.id)]), ["jiwei_unitadmin", "jiwei_user"]);
    assert_eq!(names(&[("agency_id", &jw.id), ("role", "liaison")]), ["jiwei_user"]);
    assert_eq!(names(&[("role", "agency_admin")]), ["jiwei_unitadmin", "xuncha_unitadmin"]);
    assert!(
        names(&[("role", "admin")]).iter().all(|n| !n.ends_with("_unitadmin")),
        "{:?}",
        names(&[("role", "admin")])
    );
    // An agency admin sees its own unit's users only, whatever it asks for.
    let unit_admin = app.unit_admin(&xc);
    let q = [("agency_id", jw.id.as_str())];
    let page = expect_status(200, send(app.req(Method::GET, "/api/v1/users", Some(&unit_admin)).query(&q)));
    assert_eq!(page["items"], json!([]), "{page}");
    let page = expect_status(200, send(app.req(Method::GET, "/api/v1/users", Some(&unit_admin))));
    let own: Vec<&str> = page["items"].as_array().unwrap().iter().map(|u| u["agency_id"].as_str().unwrap()).collect();
    assert!(!own.is_empty() && own.iter().all(|a| *a == xc.id), "{page}");
    // Deliberations by state.
    let clue = crate::transfers::clue(&app, &xc, "线索", "正文", &[]);
    let body = json!({"record_id": clue, "title": "会商一", "participant_agency_ids": [jw.id]});
    let first = expect_status(201, app.post(&xc.token, "/api/v1/deliberations", body));
    let body = json!({"record_id": clue, "title": "会商二", "participant_agency_ids": [jw.id]});
    let second = expect_status(201, app.post(&xc.token, "/api/v1/deliberations", body));
    let did = first["id"].as_str().unwrap();
    let path = format!("/api/v1/deliberations/{did}/conclude");
    expect_status(200, app.post(&xc.token, &path, json!({"conclusion": "由市纪委监委核查"})));
    assert_eq!(all(&app, &jw.token, "/api/v1/deliberations", &[("state", "concluded")]), [did.to_string()]);
    let open = all(&app, &jw.token, "/api/v1/deliberations", &[("state", "open")]);
    assert_eq!(open, [second["id"].as_str().unwrap().to_string()]);

    // Bad paging input: a clear 4xx problem, never a page.
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], u16);
    let bad: [Case; 10] = [
        (&admin, "/api/v1/agencies", &[("cursor", "i00000000-0000-0000-0000-000000000000")], 400),
        (&admin, "/api/v1/groups", &[("cursor", "k0")], 400),
        (&admin, "/api/v1/groups", &[("cursor", "k00EEECABF608")], 400),
        (&admin, "/api/v1/users", &[("cursor", "garbage")], 400),
        (&admin, "/api/v1/groups", &[("limit", "0")], 422),
        (&admin, "/api/v1/agreements", &[("limit", "501")], 422),
        (&admin, "/api/v1/users", &[("role", "superuser")], 422),
        (&admin, "/api/v1/users", &[("agency_id", "not-an-id")], 422),
        (&jw.token, "/api/v1/deliberations", &[("state", "pending")], 422),
        (&admin, "/api/v1/agencies", &[("kind", "ministry")], 422),
    ];
    for (token, path, query, status) in bad {
        let resp = app.req(Method::GET, path, Some(token)).query(query).send().unwrap();
        assert_eq!(resp.status().as_u16(), status, "{path} {query:?}");
        assert_eq!(resp.headers()["content-type"], "application/problem+json", "{path} {query:?}");
        let body: Value = resp.json().unwrap();
        assert!(body.get("items").is_none(), "{body}");
    }
}

both!(every_list_pages_the_same_way, lists_filter_and_refuse_foreign_cursors);
