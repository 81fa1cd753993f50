//! The audit listing seen from a member unit: an agency admin and a reviewer read the entries
//! of their own unit's actors only — never another unit's, nor the hub admin's.

use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::transfers::{clue, transfer};

fn entries(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, page) = app.get(token, "/api/v1/audit?limit=500");
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn an_agency_reads_its_own_actors_audit_entries_only(b: Backend) {
    let app = TestApp::spawn(b);
    let hub = app.admin_token();
    let xc = app.agency(&hub, "xuncha", "inspection");
    let jw = app.agency(&hub, "jiwei", "discipline");
    let jw_admin = app.agency_admin(&hub, &jw, "jiwei_admin");
    let xc_admin = app.agency_admin(&hub, &xc, "xuncha_admin");
    let (s, u) = app.post(
        &jw_admin,
        "/api/v1/users",
        json!({"username": "jiwei_reviewer", "password": PASSWORD, "agency_id": jw.id, "roles": ["reviewer"]}),
    );
    assert_eq!(s, 201, "{u}");
    let reviewer = app.login("jiwei_reviewer", PASSWORD)["access_token"].as_str().unwrap().to_string();
    // The inspection office writes a secret clue and transfers another one to jiwei; jiwei writes its own.
    let secret = clue(&app, &xc, "巡察办内部线索", "内容", &[]);
    let shared = clue(&app, &xc, "移交纪委的线索", "内容", &[]);
    assert_eq!(transfer(&app, &xc, &shared, &jw).0, 201);
    let own = clue(&app, &jw, "纪委自办线索", "内容", &[]);

    for (who, token) in [("agency admin", &jw_admin), ("reviewer", &reviewer)] {
        let items = entries(&app, token);
        assert!(!items.is_empty(), "{who}");
        for e in &items {
            assert_eq!(e["actor_agency_id"], jw.id.as_str(), "{who} sees only its own unit's actors: {e}");
        }
        let text = Value::Array(items.clone()).to_string();
        assert!(!text.contains(&secret), "{who}: another unit's entries are absent");
        assert!(
            items.iter().any(|e| e["action"] == "record.create" && e["resource_id"] == own.as_str()),
            "{who}: its own unit's entries are there"
        );
        assert!(!items.iter().any(|e| e["action"] == "transfer.create"), "{who}: the sender's act is the sender's");
        assert!(!items.iter().any(|e| e["action"] == "agency.create"), "{who}: the hub admin's acts are absent");
    }
    // The other unit's admin sees the mirror image; the hub admin sees both.
    let xc_items = entries(&app, &xc_admin);
    assert!(xc_items.iter().all(|e| e["actor_agency_id"] == xc.id.as_str()));
    assert!(xc_items.iter().any(|e| e["resource_id"] == secret.as_str()));
    assert!(!Value::Array(xc_items).to_string().contains(&own));
    let all = Value::Array(entries(&app, &hub)).to_string();
    assert!(all.contains(&secret) && all.contains(&own));
    // A liaison officer reads no audit log at all.
    assert_eq!(app.get(&jw.token, "/api/v1/audit").0, 403);
}

both!(an_agency_reads_its_own_actors_audit_entries_only);
