use crate::both;
use crate::helpers::*;

/// The committed openapi/openapi.yaml is the document generated from the code, and the
/// server serves that document. Regenerate with `cargo run -- openapi > openapi/openapi.yaml`.
fn committed_spec_matches_the_code_and_is_served(b: Backend) {
    let generated = guantong::api::openapi();
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.yaml")).unwrap();
    assert!(
        committed == generated.to_yaml().unwrap(),
        "openapi/openapi.yaml is stale: run `cargo run -- openapi > openapi/openapi.yaml`"
    );
    let app = TestApp::spawn(b);
    let served: serde_json::Value = app.client.get(app.url("/api/openapi.json")).send().unwrap().json().unwrap();
    assert_eq!(served, serde_json::to_value(&generated).unwrap());
    assert_eq!(served["openapi"], "3.1.0");
    for path in [
        "/api/v1/records",
        "/api/v1/feed",
        "/api/v1/sync/batches",
        "/api/v1/auth/login",
        "/api/v1/records/{id}/history",
        "/healthz",
    ] {
        assert!(served["paths"].get(path).is_some(), "{path} missing from the spec");
    }
    assert_eq!(app.client.get(app.url("/healthz")).send().unwrap().status(), 200);
    assert_eq!(app.client.get(app.url("/readyz")).send().unwrap().status(), 200);
    let metrics = app.client.get(app.url("/metrics")).send().unwrap().text().unwrap();
    assert!(metrics.contains("guantong_http_requests_total"));
}

both!(committed_spec_matches_the_code_and_is_served);

/// A method the contract does not declare on a known path is 405 with `Allow` listing the
/// declared ones (as a problem document); an unknown path stays 404 without `Allow`.
fn undeclared_methods_answer_405_with_allow(b: Backend) {
    let app = TestApp::spawn(b);
    let token = app.admin_token();
    let r = app.req(reqwest::Method::PUT, "/api/v1/records", Some(&token)).send().unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
    let body: serde_json::Value = r.json().unwrap();
    assert_eq!(body["status"], 405);
    let r = app
        .req(reqwest::Method::POST, "/api/v1/records/0191f7a0-0000-7000-8000-000000000000/history", None)
        .send()
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET");
    let r = app.req(reqwest::Method::DELETE, "/healthz", None).send().unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["allow"].to_str().unwrap()), (405, "GET"));
    // Declared methods still reach their handlers; unknown paths are 404, not 405.
    assert_eq!(app.req(reqwest::Method::GET, "/healthz", None).send().unwrap().status(), 200);
    let r = app.req(reqwest::Method::PUT, "/api/v1/no-such-thing", Some(&token)).send().unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers().get("allow").is_none());
}

both!(undeclared_methods_answer_405_with_allow);

/// Enumerations are documented with their wire values (a generated client sends what the
/// server accepts), and error answers are documented as problem documents.
fn spec_shows_wire_enum_values_and_problem_errors(b: Backend) {
    let app = TestApp::spawn(b);
    let spec: serde_json::Value = app.client.get(app.url("/api/openapi.json")).send().unwrap().json().unwrap();
    let schemas = &spec["components"]["schemas"];
    assert_eq!(schemas["Sensitivity"]["enum"], serde_json::json!(["general", "sensitive", "restricted"]));
    assert_eq!(
        schemas["Distribution"]["properties"]["level"]["enum"],
        serde_json::json!(["own", "agencies", "group", "all"])
    );
    assert_eq!(schemas["Role"]["enum"][2], "liaison");
    assert_eq!(schemas["MailMode"]["enum"][1], "digest");
    let text = spec.to_string();
    for rust_name in ["\"Own\"", "\"Restricted\"", "\"Liaison\"", "\"Digest\""] {
        assert!(!text.contains(rust_name), "{rust_name} still in the spec");
    }
    // The server answers what the spec says: a wire value is accepted, the Rust name is not.
    let admin = app.admin_token();
    let level_enum = &schemas["AgencyLevel"]["enum"];
    assert_eq!(level_enum[0], "city");
    let agency = |code: &str, level: &str| {
        app.post(
            &admin,
            "/api/v1/agencies",
            serde_json::json!({"code": code, "name": "市审计局", "kind": "audit", "level": level}),
        )
        .0
    };
    assert_eq!(agency("sj_wire", "city"), 201);
    assert_eq!(agency("sj_rust", "City"), 422);
    let patch = &spec["paths"]["/api/v1/records/{id}"]["patch"]["responses"];
    for code in ["400", "401", "403", "404", "412", "413", "415", "422", "428", "503"] {
        assert!(
            patch[code]["content"]["application/problem+json"]["schema"]["$ref"] == "#/components/schemas/Problem",
            "PATCH /records/{{id}} {code} is not a documented problem"
        );
    }
    assert!(patch["503"]["headers"]["Retry-After"].is_object());
    let limit = spec["paths"]["/api/v1/records"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!((limit["schema"]["minimum"].as_i64(), limit["schema"]["maximum"].as_i64()), (Some(1), Some(500)));
}

both!(spec_shows_wire_enum_values_and_problem_errors);

/// Steps without content (accept, start) take no body, `{}` or JSON `null`, as the spec
/// says; anything else is refused like any other bad body and changes nothing.
fn bodiless_steps_take_nothing_empty_or_null(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let from = app.agency(&admin, "xc_body", "inspection");
    let to = app.agency(&admin, "jw_body", "discipline");
    let (s, r) =
        app.post(&from.token, "/api/v1/records", record("某局违规发放津补贴", serde_json::json!({"level": "own"})));
    assert_eq!(s, 201, "{r}");
    let (s, t) = app.post(
        &from.token,
        &format!("/api/v1/records/{}/transfers", r["id"].as_str().unwrap()),
        serde_json::json!({"to_agency_id": to.id, "suggestion": "建议谈话函询", "deadline": "2099-01-31"}),
    );
    assert_eq!(s, 201, "{t}");
    let step = |action: &str, body: &'static str| {
        send(
            app.req(
                reqwest::Method::POST,
                &format!("/api/v1/transfers/{}/{action}", t["id"].as_str().unwrap()),
                Some(&to.token),
            )
            .header("Content-Type", "application/json")
            .body(body),
        )
    };
    // Not JSON, or JSON of the wrong shape: refused, and the transfer did not move.
    assert_eq!(step("accept", "\u{0}").0, 400);
    assert_eq!(step("accept", "\"x\"").0, 422);
    let still = expect_status(200, app.get(&to.token, &format!("/api/v1/transfers/{}", t["id"].as_str().unwrap())));
    assert_eq!(still["state"], "transferred");
    // `null` and `{}` are "no content".
    let (s, v) = step("accept", "null");
    assert_eq!((s, v["state"].as_str()), (200, Some("accepted")), "{v}");
    let (s, v) = step("start", "{}");
    assert_eq!((s, v["state"].as_str()), (200, Some("in_progress")), "{v}");
}

both!(bodiless_steps_take_nothing_empty_or_null);

/// Every OpenAPI component name belongs to one type: utoipa files a schema under the type's
/// bare name, so two types of the same name (say two `CampaignView`s in two modules) would
/// share one component and the spec would describe only one of them — silently (schemathesis
/// found the 巡后直督 campaign answered under the special campaign's schema once).
#[test]
fn every_schema_name_belongs_to_one_type() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut owners: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let (mut derives_schema, mut in_wire_enum) = (false, false);
        for line in text.lines().map(str::trim) {
            // `wire_enum!(Name { … })` types implement ToSchema under `Name` too.
            if in_wire_enum && !line.starts_with("///") && !line.starts_with("#[") {
                let name: String = line.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                owners.entry(name).or_default().push(f.display().to_string());
                in_wire_enum = false;
            }
            if line == "wire_enum!(" {
                in_wire_enum = true;
            }
            if line.starts_with("#[derive(") && line.contains("ToSchema") {
                derives_schema = true;
            } else if line.starts_with("#[schema(as") {
                derives_schema = false;
            }
            let decl = line.strip_prefix("pub struct ").or_else(|| line.strip_prefix("pub enum "));
            if let Some(rest) = decl {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if derives_schema {
                    owners.entry(name).or_default().push(f.display().to_string());
                }
                derives_schema = false;
            }
            if let Some(rest) = line.strip_prefix("crate::page_schema!(") {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                owners.entry(name).or_default().push(f.display().to_string());
            }
        }
    }
    assert!(owners.len() > 100, "the scan found the schemas ({})", owners.len());
    let shared: Vec<_> = owners.iter().filter(|(_, files)| files.len() > 1).collect();
    assert!(shared.is_empty(), "one component name, several types: {shared:?}");
}
