//! The harness itself: when a test's `TestApp` goes, its servers stop (the ports refuse
//! connections) and its PostgreSQL database is dropped, so tests leave nothing running or
//! stored behind them.

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
