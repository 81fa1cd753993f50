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
