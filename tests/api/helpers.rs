//! The test harness: each test starts the real server on a random port over a fresh
//! database (a SQLite file in a temp dir, or a new database on the PostgreSQL server named
//! by GUANTONG_TEST_PG_URL, which `.ci/test` starts), and talks to it over real HTTP.
//! When the test ends its servers are stopped and its PostgreSQL database is dropped.

use std::sync::atomic::{AtomicUsize, Ordering};

use guantong::app::{ensure_admin, open_database, AppHandle, Application};
use guantong::config::{Secret, Settings};
use guantong::db::DbPool;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const ADMIN_PASSWORD: &str = "admin-password-0001";
pub const PASSWORD: &str = "liaison-password-0001";

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub pool: DbPool,
    pub database_url: String,
    /// The settings the server runs with.
    pub settings: Settings,
    /// Each agency's first admin (made by `agency`), by agency id.
    unit_admins: std::sync::Mutex<std::collections::HashMap<String, String>>,
    /// The servers on this database (the first, then `another_instance`s), stopped on drop.
    servers: std::sync::Mutex<Vec<ServerThread>>,
    /// The PostgreSQL database made for this test, dropped after the servers stopped and
    /// the pool closed (declared after `pool`: fields drop in declaration order).
    _pg: Option<PgDatabase>,
    _dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The servers go first; then the fields: the pool, the PostgreSQL database, the temp dir.
        for server in self.servers.get_mut().unwrap_or_else(|e| e.into_inner()).iter_mut() {
            server.stop();
        }
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database made for one test on the PostgreSQL server of GUANTONG_TEST_PG_URL; dropping
/// this guard drops the database.
pub struct PgDatabase {
    pub url: String,
    name: String,
    admin_url: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl};
        // WITH (FORCE) (PostgreSQL ≥ 13) ends the connections still open: a server's stopped
        // loops have let go of theirs (harness::a_stopped_server_leaves_no_loop_behind), but
        // a test may hold a pool of its own, or a loop may still be finishing a step on a
        // slow database past the bound of `ServerThread::stop`.
        let dropped = diesel::PgConnection::establish(&self.admin_url).map_err(|e| e.to_string()).and_then(|mut c| {
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                .execute(&mut c)
                .map_err(|e| e.to_string())
        });
        if let Err(e) = dropped {
            // A test that already failed keeps its own message; otherwise a leftover fails it.
            if std::thread::panicking() {
                eprintln!("could not drop test database {}: {e}", self.name);
            } else {
                panic!("could not drop test database {}: {e}", self.name);
            }
        }
    }
}

/// A fresh PostgreSQL database on the test server, dropped with the returned guard.
pub fn fresh_pg_database() -> PgDatabase {
    use diesel::{Connection, RunQueryDsl};
    let admin_url = std::env::var("GUANTONG_TEST_PG_URL").expect(
        "GUANTONG_TEST_PG_URL is not set: run the suite with `bash .ci/test`, which starts PostgreSQL (PostgreSQL tests are never skipped)",
    );
    // Unique across processes and runs (process ids are reused).
    let name = format!("gt_{}_{}", uuid::Uuid::new_v4().simple(), COUNTER.fetch_add(1, Ordering::SeqCst));
    let mut conn = diesel::PgConnection::establish(&admin_url).expect("connect to the test PostgreSQL server");
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).expect("create test database");
    let url = match admin_url.rfind('/') {
        Some(i) => format!("{}/{name}", &admin_url[..i]),
        None => panic!("GUANTONG_TEST_PG_URL must end in /<database>"),
    };
    PgDatabase { url, name, admin_url }
}

impl TestApp {
    pub fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, |_| {})
    }

    /// A server whose settings `configure` adjusts first (delivery timings, mail…).
    pub fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let (database_url, pg) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", dir.path().join("guantong.db").display()), None),
            Backend::Postgres => {
                let db = fresh_pg_database();
                (db.url.clone(), Some(db))
            }
        };
        TestApp::spawn_in(dir, database_url, pg, configure)
    }

    /// A server on the given database (e.g. on a private PostgreSQL server a test restarts);
    /// the database is the caller's to clean up.
    pub fn spawn_on(database_url: String, configure: impl FnOnce(&mut Settings)) -> TestApp {
        TestApp::spawn_in(tempfile::tempdir().expect("temp dir"), database_url, None, configure)
    }

    fn spawn_in(
        dir: tempfile::TempDir,
        database_url: String,
        pg: Option<PgDatabase>,
        configure: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let mut settings = test_settings(&database_url);
        configure(&mut settings);
        let kept = settings.clone();
        let (pool, port, server) = start_server(settings);
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            client: Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap(),
            pool,
            database_url,
            settings: kept,
            unit_admins: Default::default(),
            servers: std::sync::Mutex::new(vec![server]),
            _pg: pg,
            _dir: dir,
        }
    }

    /// Another hub instance on the same database (as behind a load balancer); returns its
    /// base URL. It runs its own delivery loops.
    pub fn another_instance(&self, configure: impl FnOnce(&mut Settings)) -> String {
        let mut settings = test_settings(&self.database_url);
        configure(&mut settings);
        let (_, port, server) = start_server(settings);
        self.servers.lock().unwrap().push(server);
        format!("http://127.0.0.1:{port}")
    }

    /// Stops every server of this test now (as `Drop` would), their loops included; returns
    /// whether all the loops ended within the bound. The pool and the database stay.
    pub fn stop_servers(&self) -> bool {
        let mut all = true;
        for server in self.servers.lock().unwrap().iter_mut() {
            all &= server.stop();
        }
        all
    }

    /// Waits until the jobs that follow the event log after commit (duplicate handling, the
    /// search index) have reached everything committed so far, as a user waits for a flag
    /// to arrive; panics after 20 s. Flags these jobs write are events too: the duplicate
    /// job is caught up once its position is the head, with nothing of its own after it.
    pub fn settle(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut conn = self.pool.get().unwrap();
        while !guantong::store::cursors::caught_up(&mut conn).unwrap() {
            assert!(std::time::Instant::now() < deadline, "after-commit jobs still behind after 20 s");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// A connection to the hub's database for reading the audit log by SQL: every entry is
    /// sealed into the chain first (on PostgreSQL entries reach it after commit).
    pub fn sealed_conn(&self) -> guantong::db::DbConn {
        let mut conn = self.pool.get().unwrap();
        guantong::store::log::seal_all(&mut conn).unwrap();
        conn
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn req(&self, method: reqwest::Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let mut r = self.client.request(method, self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r
    }

    pub fn get(&self, token: &str, path: &str) -> (u16, Value) {
        send(self.req(reqwest::Method::GET, path, Some(token)))
    }

    pub fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        send(self.req(reqwest::Method::POST, path, Some(token)).json(&body))
    }

    pub fn delete(&self, token: &str, path: &str) -> (u16, Value) {
        send(self.req(reqwest::Method::DELETE, path, Some(token)))
    }

    pub fn patch(&self, token: &str, path: &str, version: i64, body: Value) -> (u16, Value) {
        send(self.req(reqwest::Method::PATCH, path, Some(token)).header("If-Match", version.to_string()).json(&body))
    }

    pub fn login(&self, username: &str, password: &str) -> Value {
        let (s, v) = send(
            self.req(reqwest::Method::POST, "/api/v1/auth/login", None)
                .json(&json!({"username": username, "password": password})),
        );
        assert_eq!(s, 200, "login {username}: {v}");
        v
    }

    pub fn admin_token(&self) -> String {
        self.login("admin", ADMIN_PASSWORD)["access_token"].as_str().unwrap().to_string()
    }

    /// Creates an agency and a liaison user of it; returns (agency id, liaison token). The
    /// way a hub is set up: the hub admin creates the unit and invites its first agency admin
    /// (`<code>_unitadmin`), who activates through the one-time link (taken here as the
    /// server console prints it) and creates the liaison `<code>_user` with a password.
    pub fn agency(&self, admin: &str, code: &str, kind: &str) -> Agency {
        let (s, a) = self.post(
            admin,
            "/api/v1/agencies",
            json!({"code": code, "name": format!("测试单位{code}"), "kind": kind, "level": "city"}),
        );
        assert_eq!(s, 201, "{a}");
        let id = a["id"].as_str().unwrap().to_string();
        let unit_admin = self.invite_and_activate(admin, &id, &format!("{code}_unitadmin"), &["agency_admin"]);
        // The helper's own unit admin is set-up scaffolding: it wants no mail (set in the
        // database, so no audit entry either), so tests that count mails and audit entries
        // see only the users they made.
        let (_, me) = self.get(&unit_admin, "/api/v1/me");
        self.mute_mail(me["user_id"].as_str().unwrap());
        self.unit_admins.lock().unwrap().insert(id.clone(), unit_admin.clone());
        let username = format!("{code}_user");
        let (s, u) = self.post(&unit_admin, "/api/v1/users", json!({"username": username, "password": PASSWORD, "agency_id": id, "roles": ["liaison"], "email": format!("{code}@example.gov.cn")}));
        assert_eq!(s, 201, "{u}");
        let token = self.login(&username, PASSWORD)["access_token"].as_str().unwrap().to_string();
        Agency { id, token }
    }

    /// An inspected unit's account (issue 11): the hub admin creates an agency of kind
    /// `inspected_unit` and invites its one user (role `inspected`), who activates and logs in.
    pub fn inspected_account(&self, admin: &str, code: &str) -> Agency {
        let (s, a) = self.post(
            admin,
            "/api/v1/agencies",
            json!({"code": code, "name": format!("被巡察单位{code}"), "kind": "inspected_unit", "level": "city"}),
        );
        assert_eq!(s, 201, "{a}");
        let id = a["id"].as_str().unwrap().to_string();
        let token = self.invite_and_activate(admin, &id, &format!("{code}_contact"), &["inspected"]);
        Agency { id, token }
    }

    /// A supervision object of kind `unit` (a party organisation), registered by `by`.
    pub fn unit_object(&self, by: &Agency, name: &str) -> String {
        let (s, o) = self.post(&by.token, "/api/v1/objects", json!({"name": name, "kind": "unit"}));
        assert_eq!(s, 201, "{o}");
        o["id"].as_str().unwrap().to_string()
    }

    /// Creates an agency admin (`agency_admin`) of the agency; returns its access token. It
    /// is created by the unit's first admin (the hub admin invites only that one; `admin` is
    /// kept for the signature), with the password `PASSWORD`.
    pub fn agency_admin(&self, admin: &str, agency: &Agency, username: &str) -> String {
        let _ = admin;
        let unit_admin = self.unit_admin(agency);
        let (s, u) = self.post(&unit_admin, "/api/v1/users", json!({"username": username, "password": PASSWORD, "agency_id": agency.id, "roles": ["agency_admin"], "email": format!("{username}@example.gov.cn")}));
        assert_eq!(s, 201, "{u}");
        self.login(username, PASSWORD)["access_token"].as_str().unwrap().to_string()
    }

    /// Mints an API key for the agency, as its own admin does (the hub admin cannot); returns
    /// the key. `admin` is the hub admin's token (unused: kept so callers read alike).
    pub fn api_key(&self, admin: &str, agency: &Agency, name: &str) -> String {
        let _ = admin;
        let unit_admin = self.unit_admin(agency);
        let (s, k) = self.post(&unit_admin, &format!("/api/v1/agencies/{}/api-keys", agency.id), json!({"name": name}));
        assert_eq!(s, 201, "{k}");
        k["key"].as_str().unwrap().to_string()
    }

    fn mute_mail(&self, user_id: &str) {
        use diesel::{ExpressionMethods, RunQueryDsl};
        use guantong::db::schema::mail_preferences as mp;
        let mut conn = self.pool.get().unwrap();
        for (t, _) in guantong::domain::mail::MAIL_TYPES {
            diesel::insert_into(mp::table)
                .values((
                    mp::user_id.eq(user_id),
                    mp::event_type.eq(*t),
                    mp::mode.eq("never"),
                    mp::updated_at.eq("2026-01-01T00:00:00.000000Z"),
                ))
                .execute(&mut conn)
                .unwrap();
        }
    }

    /// The access token of the agency's first admin (made by `agency`).
    pub fn unit_admin(&self, agency: &Agency) -> String {
        self.unit_admins.lock().unwrap().get(&agency.id).cloned().expect("agency made by TestApp::agency")
    }

    /// The hub admin invites a user (no password); the one-time link is taken as
    /// `guantong admin invite` prints it on the server console; the user activates it over
    /// HTTP with `PASSWORD` and logs in. Returns the user's access token.
    pub fn invite_and_activate(&self, admin: &str, agency_id: &str, username: &str, roles: &[&str]) -> String {
        let (s, u) = self.post(
            admin,
            "/api/v1/users",
            json!({"username": username, "agency_id": agency_id, "roles": roles, "email": format!("{username}@example.gov.cn")}),
        );
        assert_eq!(s, 201, "{u}");
        let token = self.console_link_token(username);
        let (s, v) = self.activate(&token, PASSWORD);
        assert_eq!(s, 200, "{v}");
        self.login(username, PASSWORD)["access_token"].as_str().unwrap().to_string()
    }

    /// `guantong admin invite USERNAME`, in process: a fresh one-time link; returns its token.
    pub fn console_link_token(&self, username: &str) -> String {
        let link = guantong::admin_cli::invite(&self.pool, &self.settings, username).expect("invite");
        link.split("token=").nth(1).expect("a link with a token").to_string()
    }

    /// `POST /api/v1/auth/activate`.
    pub fn activate(&self, token: &str, password: &str) -> (u16, Value) {
        send(
            self.req(reqwest::Method::POST, "/api/v1/auth/activate", None)
                .json(&json!({"token": token, "password": password})),
        )
    }
}

pub fn test_settings(database_url: &str) -> Settings {
    Settings {
        database_url: database_url.to_string(),
        listen: "127.0.0.1:0".into(),
        jwt_secret: Some(Secret::new("test-secret-test-secret-0123456789")),
        identity_key: Some(Secret::new("test-identity-key-0123456789")),
        // The tests' webhook receivers listen on loopback.
        webhook_allow_loopback: true,
        admin_password: Some(Secret::new(ADMIN_PASSWORD)),
        pool_size: 4,
        ..Settings::default()
    }
}

/// A test server running on its own thread.
pub struct ServerThread {
    handle: AppHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerThread {
    /// Stops the server gracefully and its background loops (`AppHandle::stop`), and waits
    /// until its thread has ended (the port is closed). Returns whether the loops ended within
    /// the server's bound (`LOOPS_STOP_WITHIN`); after a `true` none of them runs any more.
    pub fn stop(&mut self) -> bool {
        if let Some(thread) = self.thread.take() {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build();
            runtime.expect("a runtime to stop the server on").block_on(self.handle.stop(true));
            let _ = thread.join();
        }
        self.loops_running() == 0
    }

    /// How many of the server's background loops run.
    pub fn loops_running(&self) -> usize {
        self.handle.loops_running()
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs the real server on its own thread; returns its pool, port and the thread to stop.
pub fn start_server(settings: Settings) -> (DbPool, u16, ServerThread) {
    let (pool, be) = open_database(&settings).expect("open database");
    ensure_admin(&pool, settings.admin_password.as_ref()).expect("create admin");
    let (tx, rx) = std::sync::mpsc::channel();
    let p = pool.clone();
    let thread = std::thread::spawn(move || {
        let sys = actix_web::rt::System::new();
        sys.block_on(async move {
            let app = Application::build(settings, p, be).expect("build app");
            tx.send((app.port(), app.handle())).unwrap();
            // Until `ServerThread::stop`; then the loops are stopped too.
            let _ = app.run_until_stopped().await;
        });
    });
    let (port, handle) = rx.recv().expect("server started");
    (pool, port, ServerThread { handle, thread: Some(thread) })
}

#[derive(Debug, Clone)]
pub struct Agency {
    pub id: String,
    pub token: String,
}

pub fn send(r: RequestBuilder) -> (u16, Value) {
    let resp: Response = r.send().expect("request sent");
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = resp.text().unwrap_or_default();
    if status >= 400 {
        assert!(ct.starts_with("application/problem+json"), "error {status} must be problem+json, was {ct}: {text}");
    }
    let v = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, v)
}

/// The body of a response that must have status `expected` (a set-up step or a read the
/// test builds on); on any other status the test fails with the body.
#[track_caller]
pub fn expect_status(expected: u16, (status, body): (u16, Value)) -> Value {
    assert_eq!(status, expected, "expected HTTP {expected}, got {status}: {body}");
    body
}

/// Polls `cond` until it holds; panics naming `what` after `timeout`. For what a test expects
/// to happen (a mail arrives, a row reaches a state): no fixed sleep, no longer than needed.
pub fn eventually(timeout: std::time::Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + timeout;
    while !cond() {
        assert!(std::time::Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}

/// Asserts that `cond` holds throughout `window` (checked every 25 ms, failing at once when it
/// does not). For what must NOT happen: an absence can only be watched for a while, so the
/// window is part of the claim ("no more mail within 1.5 s").
pub fn assert_stays(window: std::time::Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    loop {
        assert!(cond(), "{what}: no longer true after {:?} of the {window:?} window", started.elapsed());
        if started.elapsed() >= window {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}

/// A minimal record body.
pub fn record(title: &str, distribution: Value) -> Value {
    json!({"kind": "clue", "title": title, "body": format!("{title}的正文"), "distribution": distribution})
}

/// Runs a test body on both backends: `both!(name)` defines `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                super::$name($crate::helpers::Backend::Postgres)
            }
        }
    )+};
}

/// The `guantong` binary itself, serving a fresh database on a random port with JSON logs on
/// stderr (for tests of what reaches the log).
pub struct ServerProcess {
    pub base: String,
    pub database_url: String,
    child: std::process::Child,
    /// Everything logged so far (stderr, read as it comes).
    log: std::sync::Arc<std::sync::Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
    /// Dropped after the process is killed (fields drop after `Drop::drop`).
    _pg: Option<PgDatabase>,
    _dir: tempfile::TempDir,
}

impl Drop for ServerProcess {
    /// A test that fails before `stop` leaves no server process behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    /// Starts `guantong serve` with the hub's test secrets and `envs` on top.
    pub fn start(b: Backend, envs: &[(&str, &str)]) -> ServerProcess {
        ServerProcess::start_with_args(b, &[], envs)
    }

    /// Starts `guantong serve <serve_args>` (e.g. `--demo`) with the test secrets and `envs`.
    pub fn start_with_args(b: Backend, serve_args: &[&str], envs: &[(&str, &str)]) -> ServerProcess {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let (database_url, pg) = match b {
            Backend::Sqlite => (format!("sqlite://{}", dir.path().join("g.db").display()), None),
            Backend::Postgres => {
                let db = fresh_pg_database();
                (db.url.clone(), Some(db))
            }
        };
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_guantong"))
            .args(["--database-url", &database_url, "serve", "--listen", "127.0.0.1:0"])
            .args(serve_args)
            .current_dir(dir.path())
            .env("GUANTONG_JWT_SECRET", "log-test-secret-log-test-secret")
            .env("GUANTONG_IDENTITY_KEY", "log-test-identity-key-0123")
            .env("GUANTONG_WEBHOOK_ALLOW_LOOPBACK", "true")
            .env("GUANTONG_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("GUANTONG_LOG", "debug")
            .envs(envs.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let base = loop {
            line.clear();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "server exited before it started");
            if let Some(i) = line.find("http://") {
                break line[i..].split('(').next().unwrap().trim().to_string();
            }
        };
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (sink, stderr) = (log.clone(), child.stderr.take().unwrap());
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        ServerProcess { base, database_url, child, log, reader: Some(reader), _pg: pg, _dir: dir }
    }

    /// Calls the server: (status, JSON body).
    pub fn call(&self, m: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut r = Client::new().request(m, format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().unwrap();
        (resp.status().as_u16(), resp.json::<Value>().unwrap_or_default())
    }

    /// Runs `guantong <args>` on the server's console (same database); returns its stdout.
    pub fn console(&self, args: &[&str]) -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_guantong"))
            .args(["--database-url", &self.database_url])
            .args(args)
            .env("GUANTONG_LOG", "error")
            .output()
            .unwrap();
        assert!(out.status.success(), "guantong {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends the server `signal` (`TERM`, `INT`…) and waits up to `within` for it to exit;
    /// returns its exit status and everything it logged. Fails if it has not exited by then.
    pub fn signal(mut self, signal: &str, within: std::time::Duration) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill").args([&format!("-{signal}"), &pid]).status().expect("run kill");
        assert!(sent.success(), "kill -{signal} {pid}: {sent}");
        let deadline = std::time::Instant::now() + within;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("the server's status") {
                break status;
            }
            if std::time::Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("the server did not exit within {within:?} of SIG{signal}; log:\n{}", self.log.lock().unwrap());
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        };
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        let logs = self.log.lock().unwrap().clone();
        (status, logs)
    }

    /// Stops the server; returns everything it logged.
    pub fn stop(mut self) -> String {
        self.child.kill().unwrap();
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        let logs = self.log.lock().unwrap().clone();
        logs
    }
}

/// Today in the hub's time zone (Asia/Shanghai, the default), as the server's "today" is: a
/// test comparing with the server's dates must not use the UTC date (they differ 16:00–24:00 UTC).
pub fn hub_today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}
