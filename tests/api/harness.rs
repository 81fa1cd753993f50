//! The harness itself: when a test's `TestApp` goes, its servers stop (the ports refuse
//! connections, their background loops end) and its PostgreSQL database is dropped, so tests
//! leave nothing running or stored behind them. And the binary stops cleanly on SIGTERM.

use std::time::Duration;

use crate::both;
use crate::helpers::*;

fn refused(base: &str) -> bool {
    let addr = base.trim_start_matches("http://");
    std::net::TcpStream::connect(addr).is_err()
}

fn a_finished_test_leaves_no_server_and_no_database(b: Backend) {
    let app = TestApp::spawn(b);
    let second = app.another_instance(|_| {});
    for base in [&app.base, &second] {
        let s = app.client.get(format!("{base}/healthz")).send().expect("the server answers").status();
        assert_eq!(s.as_u16(), 200);
    }
    let (first, url) = (app.base.clone(), app.database_url.clone());
    drop(app);
    assert!(refused(&first), "the first server still accepts connections on {first}");
    assert!(refused(&second), "the second instance still accepts connections on {second}");
    if b == Backend::Postgres {
        use diesel::Connection;
        let name = url.rsplit('/').next().unwrap().to_string();
        let admin_url = std::env::var("GUANTONG_TEST_PG_URL").unwrap();
        let mut conn = diesel::PgConnection::establish(&admin_url).unwrap();
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let c: Count = diesel::RunQueryDsl::get_result(
            diesel::sql_query("SELECT COUNT(*) AS n FROM pg_database WHERE datname = $1")
                .bind::<diesel::sql_types::Text, _>(&name),
            &mut conn,
        )
        .unwrap();
        assert_eq!(c.n, 0, "database {name} was not dropped");
    }
}

both!(a_finished_test_leaves_no_server_and_no_database);

/// Sessions PostgreSQL has open on database `name`.
fn pg_sessions(name: &str) -> i64 {
    use diesel::Connection;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let admin_url = std::env::var("GUANTONG_TEST_PG_URL").unwrap();
    let mut conn = diesel::PgConnection::establish(&admin_url).unwrap();
    let c: Count = diesel::RunQueryDsl::get_result(
        diesel::sql_query("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(name),
        &mut conn,
    )
    .unwrap();
    c.n
}

/// Stopping a server stops its background loops (the delivery loops, the maintenance thread):
/// they end, and with them the last holders of the server's database pool. The evidence is
/// the database's own: once the test lets go of its handle on the pool too, PostgreSQL has no
/// session left on the test's database, and SQLite's last connection has closed (which
/// removes the write-ahead log file). A loop that kept running would keep the pool, and its
/// connections, open.
fn a_stopped_server_leaves_no_loop_behind(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let pg = (b == Backend::Postgres).then(fresh_pg_database);
    let url = match &pg {
        Some(db) => db.url.clone(),
        None => format!("sqlite://{}", dir.path().join("guantong.db").display()),
    };
    let mut settings = test_settings(&url);
    settings.delivery_poll_ms = 20;
    assert!(settings.delivery_workers, "delivery loops on");
    let (pool, port, mut server) = start_server(settings);
    let base = format!("http://127.0.0.1:{port}");
    assert_eq!(server.loops_running(), 2, "the delivery thread and the maintenance thread run");
    // The loops at work: an event for the mail dispatcher, and their polls and rounds.
    let client = reqwest::blocking::Client::new();
    let login = serde_json::json!({"username": "admin", "password": ADMIN_PASSWORD});
    let token = expect_status(200, send(client.post(format!("{base}/api/v1/auth/login")).json(&login)))["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let agency = serde_json::json!({"code": "jiwei", "name": "市纪委监委", "kind": "discipline", "level": "city"});
    expect_status(201, send(client.post(format!("{base}/api/v1/agencies")).bearer_auth(&token).json(&agency)));
    drop(client);
    let wal = dir.path().join("guantong.db-wal");
    let name = url.rsplit('/').next().unwrap().to_string();
    let held = || match b {
        Backend::Sqlite => wal.exists(),
        Backend::Postgres => pg_sessions(&name) > 0,
    };
    assert!(held(), "the running server holds the database");

    let ended = server.stop();
    assert!(refused(&base), "the server still accepts connections on {base}");
    drop(pool);
    eventually(Duration::from_secs(10), "the stopped server's loops to let go of the database", || !held());
    assert!(ended, "the server reports its loops ended within the bound");
    assert_eq!(server.loops_running(), 0);
}

both!(a_stopped_server_leaves_no_loop_behind);

/// `guantong serve` stops on SIGTERM (and SIGINT): it says so, stops its HTTP server and its
/// loops, and exits with 0.
fn serve_stops_cleanly_on(b: Backend, signal: &str) {
    let server = ServerProcess::start(b, &[("GUANTONG_DELIVERY_POLL_MS", "20")]);
    let (s, _) = server.call(reqwest::Method::GET, "/healthz", None, None);
    assert_eq!(s, 200);
    let base = server.base.clone();
    let (status, log) = server.signal(signal, Duration::from_secs(20));
    assert!(status.success(), "exit status {status} after SIG{signal}; log:\n{log}");
    let stopping = format!("收到 SIG{signal},正在停止服务");
    for said in [stopping.as_str(), "HTTP 服务已停止", "后台任务已全部结束", "贯通已停止"] {
        assert!(log.contains(said), "the log does not say {said:?}:\n{log}");
    }
    assert!(!log.contains("\"level\":\"ERROR\""), "errors while stopping:\n{log}");
    assert!(refused(&base), "the server still accepts connections on {base}");
}

fn serve_stops_cleanly_on_sigterm(b: Backend) {
    serve_stops_cleanly_on(b, "TERM");
}

both!(serve_stops_cleanly_on_sigterm);

#[test]
fn serve_stops_cleanly_on_sigint() {
    serve_stops_cleanly_on(Backend::Sqlite, "INT");
}
