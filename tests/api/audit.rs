use diesel::RunQueryDsl;
use serde_json::json;

use crate::both;
use crate::helpers::*;

fn verify(app: &TestApp) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_guantong"))
        .args(["--database-url", &app.database_url, "audit", "verify"])
        .env("GUANTONG_LOG", "error")
        .output()
        .expect("run guantong audit verify");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn audit_log_lists_and_verify_detects_tampering(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let a = app.agency(&admin, "jiwei", "discipline");
    for i in 0..3 {
        expect_status(201, app.post(&a.token, "/api/v1/records", record(&format!("线索{i}"), json!({"level": "own"}))));
    }
    let (s, page) = app.get(&admin, "/api/v1/audit");
    assert_eq!(s, 200);
    let actions: Vec<&str> = page["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(
        actions.contains(&"record.create") && actions.contains(&"agency.create") && actions.contains(&"auth.login"),
        "{actions:?}"
    );
    // A liaison may not read the audit log.
    assert_eq!(app.get(&a.token, "/api/v1/audit").0, 403);
    let (ok, msg) = verify(&app);
    assert!(ok, "{msg}");

    let mut conn = app.sealed_conn();
    // Edit entry 3: verify fails and names it.
    diesel::sql_query("UPDATE audit_log SET detail = '{\"forged\":true}' WHERE seq = 3").execute(&mut *conn).unwrap();
    let (ok, msg) = verify(&app);
    assert!(!ok);
    assert!(msg.contains("第 3 条"), "{msg}");
}

fn verify_detects_deleted_entries(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let a = app.agency(&admin, "jiwei", "discipline");
    expect_status(201, app.post(&a.token, "/api/v1/records", record("线索", json!({"level": "own"}))));
    let mut conn = app.sealed_conn();
    diesel::sql_query("DELETE FROM audit_log WHERE seq = 2").execute(&mut *conn).unwrap();
    let (ok, msg) = verify(&app);
    assert!(!ok);
    assert!(msg.contains("第 2 条"), "{msg}");
    // Deleting the newest entries is caught by the chain head.
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let _ = app.agency(&admin, "jiwei", "discipline");
    let mut conn = app.sealed_conn();
    diesel::sql_query("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .execute(&mut *conn)
        .unwrap();
    let (ok, msg) = verify(&app);
    assert!(!ok, "{msg}");
    assert!(msg.contains("删除"), "{msg}");
}

both!(audit_log_lists_and_verify_detects_tampering, verify_detects_deleted_entries);

/// `guantong admin create-user` makes a user who can sign in over the API; its password is
/// read from standard input, and the action is in the (intact) audit chain.
fn admin_cli_creates_users_that_can_sign_in(b: Backend) {
    use std::io::Write;
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let _ = app.agency(&admin, "jiwei", "discipline");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_guantong"))
        .args([
            "--database-url",
            &app.database_url,
            "admin",
            "create-user",
            "--username",
            "cli_user",
            "--agency",
            "jiwei",
            "--roles",
            "liaison",
        ])
        .env("GUANTONG_LOG", "error")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"cli-password-0001\n").unwrap();
    assert!(child.wait().unwrap().success());
    let t = app.login("cli_user", "cli-password-0001");
    let (s, me) = app.get(t["access_token"].as_str().unwrap(), "/api/v1/me");
    assert_eq!((s, me["roles"].clone()), (200, json!(["liaison"])));
    let (ok, msg) = verify(&app);
    assert!(ok, "{msg}");
}

both!(admin_cli_creates_users_that_can_sign_in);
