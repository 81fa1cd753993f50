//! Database faults under load (issue 8, "Faults"): the database restarts, or its file stops
//! taking writes. The hub answers only 2xx or 503 + `Retry-After`, recovers by itself, keeps
//! every acknowledged record exactly once, and a create retried with its `Idempotency-Key`
//! gives exactly one record whether or not the first attempt committed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use guantong::db::schema::records;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// A PostgreSQL server of this test alone (started like the suite's, by `.ci/pg-start`):
/// restarting the suite's server would break the tests running beside this one.
struct PrivateCluster {
    url: String,
    data: String,
}

impl PrivateCluster {
    fn start() -> PrivateCluster {
        let out = Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/pg-start"))
            .output()
            .expect("run .ci/pg-start");
        assert!(out.status.success(), "pg-start: {}", String::from_utf8_lossy(&out.stderr));
        let line = String::from_utf8(out.stdout).unwrap();
        let value = |name: &str| {
            line.split(';')
                .find_map(|p| p.trim().strip_prefix(&format!("export {name}=")).map(str::to_string))
                .unwrap_or_else(|| panic!("{name} in {line}"))
        };
        PrivateCluster { url: value("GUANTONG_TEST_PG_URL"), data: value("GUANTONG_TEST_PG_DATA") }
    }

    /// `pg_ctl restart -m fast`: every connection is terminated, the server is down for a moment.
    fn restart(&self) {
        let pg_ctl = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin/pg_ctl")))
            .filter(|p| p.exists())
            .max()
            .expect("pg_ctl");
        // The restarted server logs to its file and holds none of our pipes open.
        let log = format!("{}/server.log", self.data);
        let args = ["-D", &self.data, "-l", &log, "-m", "fast", "-w", "-t", "60", "restart"];
        let mut cmd = if is_root() {
            // The server refuses to run as root: run pg_ctl as its owner, as pg-start does.
            let mut c = Command::new("runuser");
            c.current_dir("/").args(["-u", "postgres", "--"]).arg(&pg_ctl);
            c
        } else {
            Command::new(&pg_ctl)
        };
        let status = cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null()).status().expect("run pg_ctl");
        assert!(status.success(), "pg_ctl restart failed, see {log}");
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/pg-stop"))
            .arg(&self.data)
            .status();
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// What the clients saw: acknowledged records (title → id) and every answer that was
/// neither a success nor a 503 with `Retry-After`.
#[derive(Default)]
struct Outcome {
    acknowledged: Vec<(String, String)>,
    unavailable: usize,
    wrong: Vec<String>,
}

/// Publishes one record with an Idempotency-Key until the hub acknowledges it, retrying
/// after each 503 as `Retry-After` asks (shortened: this is a test). Every few records the
/// acknowledged request is sent again, which must give the same record.
fn publish_until_acknowledged(app: &TestApp, token: &str, title: &str, out: &Mutex<Outcome>) {
    let key = uuid::Uuid::new_v4().to_string();
    let body =
        json!({"kind": "clue", "title": title, "body": format!("{title}的正文"), "distribution": {"level": "own"}});
    let post = || {
        app.req(Method::POST, "/api/v1/records", Some(token))
            .header("Idempotency-Key", &key)
            .json(&body)
            .send()
            .expect("the hub answers")
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let resp = post();
        let status = resp.status().as_u16();
        let retry_after = resp.headers().get("Retry-After").is_some();
        let v: Value = resp.json().unwrap_or(Value::Null);
        match status {
            201 => {
                let id = v["id"].as_str().unwrap().to_string();
                if title.ends_with('0') {
                    let again = post();
                    let s = again.status().as_u16();
                    let v2: Value = again.json().unwrap_or(Value::Null);
                    // A 503 on the repeat is allowed; a different record is not.
                    if s == 201 && v2["id"] != v["id"] {
                        out.lock().unwrap().wrong.push(format!("{title}: repeat gave another record {v2}"));
                    } else if s != 201 && s != 503 {
                        out.lock().unwrap().wrong.push(format!("{title}: repeat answered {s} {v2}"));
                    }
                }
                out.lock().unwrap().acknowledged.push((title.to_string(), id));
                return;
            }
            503 if retry_after => {
                out.lock().unwrap().unavailable += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
            _ => {
                out.lock().unwrap().wrong.push(format!("{title}: {status} (Retry-After: {retry_after}) {v}"));
                if status != 503 {
                    return;
                }
            }
        }
        if Instant::now() > deadline {
            out.lock().unwrap().wrong.push(format!("{title}: not acknowledged within 60 s"));
            return;
        }
    }
}

/// Titles of the records in the database, read directly (the pool reconnects by itself).
fn stored_titles(app: &TestApp, prefix: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let read = app.pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            records::table
                .filter(records::title.like(format!("{prefix}%")))
                .select(records::title)
                .load::<String>(&mut conn)
                .map_err(|e| e.to_string())
        });
        match read {
            Ok(t) => return t,
            Err(e) if Instant::now() < deadline => {
                eprintln!("database not back yet: {e}");
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("database did not come back: {e}"),
        }
    }
}

/// Every acknowledged record is stored exactly once, and nothing else was stored.
fn assert_each_acknowledged_once(app: &TestApp, prefix: &str, outcome: &Outcome) {
    let mut stored = stored_titles(app, prefix);
    stored.sort();
    let mut acknowledged: Vec<String> = outcome.acknowledged.iter().map(|(t, _)| t.clone()).collect();
    acknowledged.sort();
    assert_eq!(stored, acknowledged, "stored records are exactly the acknowledged ones, each once");
}

/// Eight clients publish while PostgreSQL restarts (`pg_ctl restart -m fast`).
#[test]
fn postgres_restart_under_load_answers_503_and_loses_nothing() {
    let cluster = PrivateCluster::start();
    let app = TestApp::spawn_on(cluster.url.clone(), |s| s.pool_size = 8);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let out = Mutex::new(Outcome::default());
    let stop_at = Instant::now() + Duration::from_secs(6);
    std::thread::scope(|scope| {
        for client in 0..8 {
            let (app, out, token) = (&app, &out, &jw.token);
            scope.spawn(move || {
                let mut i = 0;
                while Instant::now() < stop_at {
                    publish_until_acknowledged(app, token, &format!("故障演练-{client}-{i}"), out);
                    i += 1;
                }
            });
        }
        std::thread::sleep(Duration::from_millis(1500));
        cluster.restart();
    });
    let out = out.into_inner().unwrap();
    assert!(out.wrong.is_empty(), "only 201 and 503 + Retry-After: {:#?}", out.wrong);
    assert!(out.acknowledged.len() > 16, "the clients kept publishing: {}", out.acknowledged.len());
    eprintln!("acknowledged {}, answered 503 {} times", out.acknowledged.len(), out.unavailable);
    assert_each_acknowledged_once(&app, "故障演练-", &out);
    // The hub recovered by itself: a fresh request after the restart succeeds.
    let (s, r) = app.post(&jw.token, "/api/v1/records", record("重启之后", json!({"level": "own"})));
    assert_eq!(s, 201, "{r}");
}

/// Makes files immutable (as root: `chattr +i`; even root cannot write them) until dropped.
struct Immutable(Vec<PathBuf>);

impl Immutable {
    fn set(files: Vec<PathBuf>) -> Immutable {
        let status = Command::new("chattr").arg("+i").args(&files).status().expect("run chattr");
        assert!(status.success(), "chattr +i needs root and a file system with attributes");
        Immutable(files)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").args(&self.0).status();
    }
}

/// The SQLite file (and its write-ahead log) stop taking writes, as on a failing or
/// read-only disk: creates answer 503 + Retry-After and store nothing, reads go on, and when
/// the disk is back the same requests (same Idempotency-Key) succeed once each.
#[test]
fn sqlite_file_refusing_writes_answers_503_and_recovers() {
    let app = TestApp::spawn(Backend::Sqlite);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let out = Mutex::new(Outcome::default());
    for i in 0..3 {
        publish_until_acknowledged(&app, &jw.token, &format!("磁盘故障-前-{i}"), &out);
    }
    let db = PathBuf::from(app.database_url.strip_prefix("sqlite://").unwrap());
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    assert!(wal.exists(), "WAL mode: writes go to {}", wal.display());
    let keys: Vec<String> = (0..3).map(|i| format!("disk-{i}")).collect();
    let body = |i: usize| json!({"kind": "clue", "title": format!("磁盘故障-中-{i}"), "body": "正文", "distribution": {"level": "own"}});
    {
        let _guard = Immutable::set(vec![db.clone(), wal.clone()]);
        for (i, key) in keys.iter().enumerate() {
            let resp = app
                .req(Method::POST, "/api/v1/records", Some(&jw.token))
                .header("Idempotency-Key", key)
                .json(&body(i))
                .send()
                .unwrap();
            assert_eq!(resp.status().as_u16(), 503, "{:?}", resp.text());
            assert!(resp.headers().contains_key("Retry-After"));
        }
        // Reads are served from what is on disk.
        let (s, list) = app.get(&jw.token, "/api/v1/records");
        assert_eq!(s, 200, "{list}");
        assert_eq!(list["items"].as_array().unwrap().len(), 3);
    }
    // The disk is back: each retried request creates its record once, a repeat gives it again.
    let mut acknowledged = out.into_inner().unwrap();
    for (i, key) in keys.iter().enumerate() {
        let post = || {
            send(
                app.req(Method::POST, "/api/v1/records", Some(&jw.token)).header("Idempotency-Key", key).json(&body(i)),
            )
        };
        let (s, first) = post();
        assert_eq!(s, 201, "{first}");
        let (s, again) = post();
        assert_eq!((s, &again["id"]), (201, &first["id"]), "the same record again");
        acknowledged.acknowledged.push((format!("磁盘故障-中-{i}"), first["id"].as_str().unwrap().to_string()));
    }
    assert_each_acknowledged_once(&app, "磁盘故障-", &acknowledged);
}

/// A small tmpfs of this test alone (root only: the suite runs as root under `.ci/test`), so
/// the disk really fills up (ENOSPC → SQLITE_FULL); lazily unmounted when dropped.
struct SmallDisk(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl SmallDisk {
    fn mount(megabytes: u32) -> SmallDisk {
        assert!(is_root(), "mounting a tmpfs needs root (run the suite with `bash .ci/test`)");
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join("disk");
        std::fs::create_dir(&at).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "guantong-test", at.to_str().unwrap()])
            .status()
            .expect("run mount");
        assert!(status.success(), "mount -t tmpfs failed");
        SmallDisk(at, dir)
    }

    /// Takes every free byte with a filler file; returns its path.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.0.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let mut byte = [0u8];
        while f.write_all(&byte).is_ok() {
            byte[0] = 1;
        }
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// The disk of the SQLite file fills up (a real ENOSPC on a small tmpfs): publishing answers
/// 503 + Retry-After, never 500, and stores nothing half; reads go on; once space is freed
/// the refused requests, retried with their Idempotency-Key, each create their record once,
/// and every record acknowledged before is still there.
#[test]
fn sqlite_disk_full_answers_503_and_loses_nothing() {
    let disk = SmallDisk::mount(16);
    let app = TestApp::spawn_on(format!("sqlite://{}", disk.0.join("guantong.db").display()), |_| {});
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let out = Mutex::new(Outcome::default());
    for i in 0..3 {
        publish_until_acknowledged(&app, &jw.token, &format!("磁盘已满-前-{i}"), &out);
    }
    let mut outcome = out.into_inner().unwrap();
    let filler = disk.fill();
    // Large bodies, so the write-ahead log must grow: the first publishes may still fit in
    // space SQLite already holds, then the disk is full.
    let text = "磁盘已满时的线索正文。".repeat(2_000);
    let body = |i: usize| json!({"kind": "clue", "title": format!("磁盘已满-中-{i}"), "body": text, "distribution": {"level": "own"}});
    let post = |i: usize| {
        let resp = app
            .req(Method::POST, "/api/v1/records", Some(&jw.token))
            .header("Idempotency-Key", format!("full-{i}"))
            .json(&body(i))
            .send()
            .unwrap();
        let retry_after = resp.headers().contains_key("Retry-After");
        let ct = resp.headers().get("Content-Type").map(|v| v.to_str().unwrap().to_string());
        (resp.status().as_u16(), retry_after, ct, resp.json::<Value>().unwrap_or(Value::Null))
    };
    let mut refused = vec![];
    for i in 0..200 {
        let (s, retry_after, ct, v) = post(i);
        match s {
            201 => outcome.acknowledged.push((format!("磁盘已满-中-{i}"), v["id"].as_str().unwrap().to_string())),
            503 => {
                assert!(retry_after, "503 with Retry-After: {v}");
                assert_eq!(ct.as_deref(), Some("application/problem+json"));
                refused.push(i);
                if refused.len() == 3 {
                    break;
                }
            }
            _ => panic!("disk full answered {s}: {v}"),
        }
    }
    assert_eq!(refused.len(), 3, "the full disk refused writes (acknowledged: {})", outcome.acknowledged.len());
    // Reads are served while the disk is full.
    let (s, list) = app.get(&jw.token, "/api/v1/records?limit=500");
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), outcome.acknowledged.len());

    // Space is freed: each refused request, retried with its key, creates its record once.
    std::fs::remove_file(filler).unwrap();
    for i in refused {
        let (s, _, _, first) = post(i);
        assert_eq!(s, 201, "{first}");
        let (s, _, _, again) = post(i);
        assert_eq!((s, &again["id"]), (201, &first["id"]), "the same record again");
        outcome.acknowledged.push((format!("磁盘已满-中-{i}"), first["id"].as_str().unwrap().to_string()));
    }
    assert!(outcome.wrong.is_empty(), "{:?}", outcome.wrong);
    assert_each_acknowledged_once(&app, "磁盘已满-", &outcome);
    drop(app);
}

/// The server checkpoints SQLite's write-ahead log itself (its connections do not, so no
/// request pays for a checkpoint): what was written reaches the database file while the
/// server runs.
#[test]
fn sqlite_write_ahead_log_is_checkpointed_by_the_server() {
    let app = TestApp::spawn(Backend::Sqlite);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let body = "预写日志检查点测试正文。".repeat(7_000);
    let mut written = 0u64;
    for i in 0..40 {
        let (s, v) = app.post(
            &jw.token,
            "/api/v1/records",
            json!({"kind": "clue", "title": format!("检查点-{i}"), "body": body, "distribution": {"level": "own"}}),
        );
        assert_eq!(s, 201, "{v}");
        written += body.len() as u64;
        std::thread::sleep(Duration::from_millis(100));
    }
    // Within a few maintenance rounds the pages reach the database file itself (with no
    // checkpoint they would all stay in the log until the last connection closed).
    let db = PathBuf::from(app.database_url.strip_prefix("sqlite://").unwrap());
    assert!(written > 8_000_000, "{written}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let main = std::fs::metadata(&db).map(|m| m.len()).unwrap();
        if main > written {
            break;
        }
        assert!(Instant::now() < deadline, "the database file holds {main} bytes after {written} bytes of bodies");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// On PostgreSQL the server merges the search index's pending list itself
/// (`gin_clean_pending_list`), so no insert has to merge it inside the write lock: after a
/// few writes and a maintenance round the list is empty.
#[test]
fn postgres_search_index_pending_list_is_merged_by_the_server() {
    #[derive(QueryableByName)]
    struct Pending {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        pending_pages: i64,
    }
    let app = TestApp::spawn(Backend::Postgres);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query("CREATE EXTENSION IF NOT EXISTS pgstattuple").execute(&mut *conn).unwrap();
    let pending = |conn: &mut guantong::db::DbConnection| {
        diesel::sql_query("SELECT pending_pages::bigint AS pending_pages FROM pgstatginindex('record_terms_gin')")
            .get_result::<Pending>(conn)
            .unwrap()
            .pending_pages
    };
    let body = "巡察发现市住建局违规发放津补贴、工程项目监管不到位等问题。".repeat(40);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen_pending = false;
    for i in 0..200 {
        let (s, v) = app.post(
            &jw.token,
            "/api/v1/records",
            json!({"kind": "clue", "title": format!("索引-{i}"), "body": body, "distribution": {"level": "own"}}),
        );
        assert_eq!(s, 201, "{v}");
        seen_pending |= pending(&mut conn) > 0;
        if seen_pending && i >= 20 {
            break;
        }
    }
    assert!(seen_pending, "new entries go to the pending list first");
    loop {
        if pending(&mut conn) == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the pending list was not merged");
        std::thread::sleep(Duration::from_millis(200));
    }
}
