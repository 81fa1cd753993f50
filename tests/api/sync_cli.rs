//! The nightly sync job (`guantong sync pull|push`) as an agency runs it: the real binary
//! against the real server, killed with SIGKILL mid-way and run again.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;

/// Records pushed in the kill test, on both backends (about 15 s on SQLite and 65 s on
/// PostgreSQL on 2 cores, debug build).
const PUSH_RECORDS: usize = 200_000;

/// The `guantong` binary, hard-linked once per test process into the target's temp folder, so
/// that a rebuild during the run cannot swap the file under a running job.
fn guantong() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = PathBuf::from(env!("CARGO_BIN_EXE_guantong"));
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sync-cli-bin");
        std::fs::create_dir_all(&dir).unwrap();
        let dst = dir.join(format!("guantong-{}", uuid::Uuid::new_v4().simple()));
        if std::fs::hard_link(&exe, &dst).is_err() {
            std::fs::copy(&exe, &dst).unwrap();
        }
        dst
    })
}

/// A sync job's folders and configuration, in a temp dir.
struct Job {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Job {
    fn new(hub_url: &str, api_key: &str, extra: &str) -> Job {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("api-key"), format!("{api_key}\n")).unwrap();
        // Relative paths: taken relative to the config file's folder.
        let mut text = format!(
            "hub_url = \"{hub_url}\"\napi_key_file = \"api-key\"\nstate_dir = \"state\"\npull_dir = \"from-hub\"\n\
             export_dir = \"to-hub\"\n{extra}"
        );
        // Quick retries unless the test sets its own.
        for (k, v) in [("retries", "2"), ("retry_initial_ms", "50"), ("retry_max_ms", "200")] {
            if !extra.contains(&format!("{k} =")) {
                text.push_str(&format!("{k} = {v}\n"));
            }
        }
        let config = dir.path().join("agency-sync.toml");
        std::fs::write(&config, text).unwrap();
        std::fs::create_dir_all(dir.path().join("to-hub")).unwrap();
        Job { dir, config }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn command(&self, which: &str) -> Command {
        let mut c = Command::new(guantong());
        c.args(["sync", which, "--config"]).arg(&self.config).env_remove("GUANTONG_SYNC_API_KEY");
        c
    }

    fn run(&self, which: &str) -> Output {
        self.command(which).output().unwrap()
    }

    /// Starts the job with its output going to files (a full pipe must not stall it).
    fn spawn(&self, which: &str, attempt: usize) -> Child {
        let out = std::fs::File::create(self.path(&format!("{which}-{attempt}.out"))).unwrap();
        let err = std::fs::File::create(self.path(&format!("{which}-{attempt}.err"))).unwrap();
        self.command(which).stdout(Stdio::from(out)).stderr(Stdio::from(err)).spawn().unwrap()
    }

    fn files(&self, dir: &str) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.path(dir))
            .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }
}

fn text(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Waits until `ready` holds, then kills the job with SIGKILL. The job must still be running.
fn kill_when(child: &mut Child, log: &Path, what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !ready() {
        if let Some(status) = child.try_wait().unwrap() {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("the job ended ({status}) before {what}: the kill would not be mid-way\n{log}");
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(child.try_wait().unwrap().is_none(), "the job ended before it could be killed ({what})");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed job must not report success");
}

/// A key for the agency's nightly job, issued by the agency's own admin.
fn api_key(app: &TestApp, admin: &str, agency: &Agency) -> String {
    app.api_key(admin, agency, "夜间同步任务")
}

fn line(ext: &str, n: usize) -> String {
    json!({"external_id": ext, "kind": "case", "title": format!("案件{n}"), "body": format!("第{n}号案件的案情摘要"),
           "category": "廉洁纪律", "distribution": {"level": "all"}})
    .to_string()
}

/// (external id, version) of every record the agency owns on the hub.
fn hub_records(app: &TestApp, agency_id: &str) -> Vec<(Option<String>, i32)> {
    use guantong::db::schema::records::dsl::*;
    let mut conn = app.pool.get().unwrap();
    records.filter(owner_agency_id.eq(agency_id)).select((external_id, version)).load(&mut *conn).unwrap()
}

/// The report lines (without the summary) and the summary of one pushed file.
fn report_of(job: &Job, file: &str) -> (Vec<Value>, Value) {
    let reports: Vec<String> = job
        .files("to-hub/reports")
        .into_iter()
        .filter(|n| n.starts_with(&format!("{file}.")) && n.ends_with(".report.ndjson"))
        .collect();
    assert_eq!(reports.len(), 1, "one report for {file}: {reports:?}");
    let text = std::fs::read_to_string(job.path("to-hub/reports").join(&reports[0])).unwrap();
    let mut lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let summary = lines.pop().unwrap()["summary"].clone();
    (lines, summary)
}

/// Pushes `files` × `per_file` lines, killing the job twice (inside the first file, and once
/// a file has been moved to done/), then runs it to the end. One line per file is invalid.
fn push_killed_mid_way_holds_every_record_once(b: Backend) {
    let total = PUSH_RECORDS;
    let files = 4;
    let per_file = total / files;
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let job = Job::new(&app.base, &api_key(&app, &admin, &jw), "chunk_lines = 5000\n");
    let bad_line = 1234; // in every file
    for f in 0..files {
        let mut body = String::with_capacity(per_file * 200);
        for i in 1..=per_file {
            if i == bad_line {
                body.push_str("{\"external_id\": \"BROKEN\", \"kind\": \"nonsense\"}\n");
            } else {
                body.push_str(&line(&format!("JW-{f}-{i:06}"), i));
                body.push('\n');
            }
        }
        // Written under a hidden name and renamed, as the agency's exporter should.
        let tmp = job.path(&format!("to-hub/.export-{f}.ndjson"));
        std::fs::write(&tmp, body).unwrap();
        std::fs::rename(&tmp, job.path(&format!("to-hub/export-{f}.ndjson"))).unwrap();
    }
    let started = Instant::now();
    // Kill 1: once a checkpoint shows that some chunks are in, at a random moment after.
    let mut child = job.spawn("push", 1);
    kill_when(&mut child, &job.path("push-1.err"), "a checkpoint after the first chunk", || {
        job.files("state/push").iter().filter(|n| n.ends_with(".progress.json")).any(|n| {
            let cp: Option<Value> =
                std::fs::read(job.path("state/push").join(n)).ok().and_then(|b| serde_json::from_slice(&b).ok());
            cp.is_some_and(|cp| cp["next_line"].as_u64().unwrap() > 1)
        })
    });
    let created = hub_records(&app, &jw.id).len();
    assert!(created > 0 && created < total - files, "killed mid-way: {created} of {total} in the hub");
    // Kill 2: on the re-run, once a file has gone to done/ (between files, or inside the next).
    let mut child = job.spawn("push", 2);
    kill_when(&mut child, &job.path("push-2.err"), "a file in done/", || !job.files("to-hub/done").is_empty());
    assert!(hub_records(&app, &jw.id).len() < total - files, "the second run was killed mid-way too");
    // The last run completes; the rejected lines give exit code 3.
    let out = job.run("push");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let elapsed = started.elapsed();

    // The hub holds every valid record exactly once, none updated by a repeat.
    let recs = hub_records(&app, &jw.id);
    let ids: HashSet<&str> = recs.iter().filter_map(|r| r.0.as_deref()).collect();
    assert_eq!(recs.len(), total - files, "records in the hub");
    assert_eq!(ids.len(), total - files, "distinct external ids");
    assert!(recs.iter().all(|r| r.1 == 1), "a re-sent chunk must not update a record");
    for f in 0..files {
        assert!(ids.contains(format!("JW-{f}-{per_file:06}").as_str()));
    }
    // Every file was moved, every report is complete: each line once, the bad ones rejected.
    assert_eq!(job.files("to-hub/done").len(), files);
    assert!(job.files("to-hub").iter().all(|n| !n.ends_with(".ndjson")), "{:?}", job.files("to-hub"));
    assert!(job.files("state/push").is_empty(), "checkpoints removed: {:?}", job.files("state/push"));
    assert!(job.files("to-hub/reports").iter().all(|n| !n.starts_with('.')), "no partial reports left");
    for f in 0..files {
        let name = format!("export-{f}.ndjson");
        let (lines, summary) = report_of(&job, &name);
        let numbers: Vec<u64> = lines.iter().map(|l| l["line"].as_u64().unwrap()).collect();
        assert_eq!(numbers, (1..=per_file as u64).collect::<Vec<_>>(), "{name}: one result per line, in order");
        let rejected: Vec<&Value> = lines.iter().filter(|l| l["status"] == "rejected").collect();
        assert_eq!(rejected.len(), 1, "{name}");
        assert_eq!(rejected[0]["line"], bad_line);
        assert_eq!(rejected[0]["file"], name.as_str());
        assert_eq!(rejected[0]["errors"][0]["field"], "kind");
        assert!(lines.iter().all(|l| l["status"] != "updated"), "{name}: nothing applied twice");
        assert_eq!(summary["lines"], per_file);
        assert_eq!(summary["rejected"], 1);
        assert_eq!(summary["created"].as_u64().unwrap() + summary["unchanged"].as_u64().unwrap(), per_file as u64 - 1);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("推送完成"), "{stdout}");
    eprintln!("{b:?}: {total} records pushed with two kills in {:.1} s", elapsed.as_secs_f64());
}

/// The whole feed of an agency, read over HTTP: seq → the event as JSON.
fn whole_feed(app: &TestApp, key: &str) -> BTreeMap<i64, Value> {
    let (mut after, mut out) = (0i64, BTreeMap::new());
    loop {
        let (s, page) = send(
            app.req(Method::GET, "/api/v1/feed", Some(key))
                .query(&[("after", after.to_string()), ("limit", "500".to_string())]),
        );
        assert_eq!(s, 200, "{page}");
        for e in page["events"].as_array().unwrap() {
            out.insert(e["seq"].as_i64().unwrap(), e.clone());
        }
        if !page["has_more"].as_bool().unwrap() {
            return out;
        }
        after = page["next_cursor"].as_i64().unwrap();
    }
}

/// Every event in the pull folder's published files (temp files are dotfiles), in name
/// order; asserts each is once and in order.
fn pulled(job: &Job) -> Vec<Value> {
    let mut events: Vec<Value> = Vec::new();
    for name in job.files("from-hub").into_iter().filter(|n| !n.starts_with('.')) {
        let (first, last) = guantong::sync::pull::parse_file_name(&name).expect("feed file name");
        let text = std::fs::read_to_string(job.path("from-hub").join(&name)).unwrap();
        let file: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(file.first().unwrap()["seq"], first, "{name}");
        assert_eq!(file.last().unwrap()["seq"], last, "{name}");
        events.extend(file);
    }
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "events once each and in sequence order");
    events
}

fn cursor(job: &Job) -> Option<i64> {
    std::fs::read_to_string(job.path("state/pull.cursor")).ok().map(|s| s.trim().parse().unwrap())
}

/// Publishes `n` records (all agencies may read them) through the batch API.
fn publish(app: &TestApp, key: &str, from: usize, n: usize) {
    for start in (from..from + n).step_by(5000) {
        let body: String =
            (start..(start + 5000).min(from + n)).map(|i| line(&format!("GA-{i:06}"), i) + "\n").collect();
        let r = app
            .req(Method::POST, "/api/v1/sync/batches", Some(key))
            .header("Content-Type", "application/x-ndjson")
            .body(body)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["X-Batch-Rejected"], "0");
    }
}

fn pull_killed_mid_way_holds_every_event_once_in_order(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "gongan", "police");
    let reader = app.agency(&admin, "jiwei", "discipline");
    let owner_key = api_key(&app, &admin, &owner);
    publish(&app, &owner_key, 0, 20_000);
    // Tombstones too: two records withdrawn.
    let list = expect_status(200, app.get(&owner.token, "/api/v1/records?limit=2"));
    for r in list["items"].as_array().unwrap() {
        let (s, v) = app.delete(&owner.token, &format!("/api/v1/records/{}", r["id"].as_str().unwrap()));
        assert!(s == 204 || s == 200, "{s} {v}");
    }
    let key = api_key(&app, &admin, &reader);
    let job = Job::new(&app.base, &key, "page_size = 100\nrecords_per_file = 1000\n");
    let mut child = job.spawn("pull", 1);
    kill_when(&mut child, &job.path("pull-1.err"), "three published files", || {
        job.files("from-hub").iter().filter(|n| n.starts_with("feed-")).count() >= 3
    });
    // The cursor never runs ahead of the published files.
    let so_far = pulled(&job);
    let last_in_files = so_far.last().unwrap()["seq"].as_i64().unwrap();
    let c = cursor(&job).unwrap_or(0);
    assert!(c <= last_in_files, "cursor {c} ahead of the files ({last_in_files})");
    assert!(so_far.len() < 20_000, "killed mid-way");
    let out = job.run("pull");
    assert!(out.status.success(), "{}", text(&out));

    let feed = whole_feed(&app, &key);
    let events = pulled(&job);
    assert!(job.files("from-hub").iter().all(|n| !n.starts_with('.')), "no temp file left");
    assert_eq!(events.len(), feed.len(), "every event of the feed, once");
    for e in &events {
        assert_eq!(&feed[&e["seq"].as_i64().unwrap()], e, "as the hub sent it");
    }
    assert_eq!(events.iter().filter(|e| e["type"] == "record.withdrawn").count(), 2);
    assert!(events.iter().filter(|e| e["type"] == "record.withdrawn").all(|e| e.get("record").is_none()));
    assert_eq!(cursor(&job), Some(*feed.keys().last().unwrap()));

    // Nothing new: nothing written. Ten new records: one new file with exactly those.
    let files_before = job.files("from-hub");
    let out = job.run("pull");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(job.files("from-hub"), files_before);
    publish(&app, &owner_key, 20_000, 10);
    let out = job.run("pull");
    assert!(out.status.success(), "{}", text(&out));
    let events = pulled(&job);
    assert_eq!(events.len(), feed.len() + 10);
    assert_eq!(job.files("from-hub").len(), files_before.len() + 1);
}

/// The cursor only moves past events that are safely in a published file, and an
/// interrupted publication is completed on the next run instead of being pulled again.
fn pull_cursor_moves_only_after_the_data_is_written(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "shenji", "audit");
    let owner_key = api_key(&app, &admin, &owner);
    publish(&app, &owner_key, 0, 300);
    let job = Job::new(&app.base, &owner_key, "records_per_file = 100\n");
    // The output folder cannot be created (a file is in the way): failure, and no cursor.
    std::fs::write(job.path("from-hub"), "not a folder").unwrap();
    let out = job.run("pull");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("错误"), "{}", text(&out));
    assert_eq!(cursor(&job), None, "no cursor without data");
    std::fs::remove_file(job.path("from-hub")).unwrap();
    let out = job.run("pull");
    assert!(out.status.success(), "{}", text(&out));
    let files = job.files("from-hub");
    let all = pulled(&job);
    assert!(all.len() >= 300);
    assert_eq!(files.len(), all.len().div_ceil(100));
    assert_eq!(cursor(&job), all.last().unwrap()["seq"].as_i64());

    // Simulate a kill after the intent was written but before the rename: the last file is
    // back under its temp name, the cursor before it.
    let last = files.last().unwrap();
    let (first_seq, last_seq) = guantong::sync::pull::parse_file_name(last).unwrap();
    let from_hub = job.path("from-hub");
    std::fs::rename(from_hub.join(last), from_hub.join(format!(".{last}.tmp"))).unwrap();
    std::fs::write(job.path("state/pull.pending"), format!("{first_seq} {last_seq}\n")).unwrap();
    std::fs::write(job.path("state/pull.cursor"), format!("{}\n", first_seq - 1)).unwrap();
    let out = job.run("pull");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(job.files("from-hub"), files, "the interrupted file completed, not pulled twice");
    assert_eq!(pulled(&job), all);
    assert_eq!(cursor(&job), Some(last_seq));

    // A kill before the intent: the temp file is incomplete by definition, dropped, pulled again.
    std::fs::rename(from_hub.join(last), from_hub.join(format!(".{last}.tmp"))).unwrap();
    std::fs::write(from_hub.join(format!(".{last}.tmp")), "{\"seq\": 1, \"trunc").unwrap();
    std::fs::write(job.path("state/pull.cursor"), format!("{}\n", first_seq - 1)).unwrap();
    // The intent on record is the previous file's, already completed.
    let (f2, l2) = guantong::sync::pull::parse_file_name(&files[files.len() - 2]).unwrap();
    std::fs::write(job.path("state/pull.pending"), format!("{f2} {l2}\n")).unwrap();
    // The agency's system took the earlier files away: the stored cursor still holds.
    for f in &files[..files.len() - 1] {
        std::fs::remove_file(from_hub.join(f)).unwrap();
    }
    let out = job.run("pull");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(job.files("from-hub"), vec![last.clone()]);
    let tail: Vec<Value> = all.iter().filter(|e| e["seq"].as_i64().unwrap() >= first_seq).cloned().collect();
    assert_eq!(pulled(&job), tail);
}

/// Rejected lines come back with file, line number and reason; the exit code says so.
fn push_reports_rejected_lines_with_a_distinct_exit_code(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let jw = app.agency(&admin, "jiwei", "discipline");
    let job = Job::new(&app.base, &api_key(&app, &admin, &jw), "chunk_lines = 4\n");
    let lines = [
        line("JW-1", 1),
        "{not json".to_string(),
        line("JW-2", 2),
        String::new(),
        json!({"kind": "case", "title": "没有外部编号"}).to_string(),
        line("JW-3", 3),
        line("JW-1", 1),
    ];
    std::fs::write(job.path("to-hub/day.ndjson"), lines.join("\n")).unwrap();
    std::fs::write(job.path("to-hub/.half-written.ndjson"), "{").unwrap();
    let out = job.run("push");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("拒收"), "{}", text(&out));
    let (report, summary) = report_of(&job, "day.ndjson");
    let got: Vec<(u64, &str)> =
        report.iter().map(|l| (l["line"].as_u64().unwrap(), l["status"].as_str().unwrap())).collect();
    assert_eq!(
        got,
        vec![(1, "created"), (2, "rejected"), (3, "created"), (5, "rejected"), (6, "created"), (7, "unchanged")]
    );
    assert_eq!(report[3]["errors"][0]["field"], "external_id");
    assert!(report[3]["errors"][0]["message"].as_str().unwrap().contains("external_id"));
    assert_eq!(summary["created"], 3);
    assert_eq!(summary["rejected"], 2);
    assert_eq!(job.files("to-hub/done"), vec!["day.ndjson"]);
    assert!(job.path("to-hub/.half-written.ndjson").exists(), "hidden files are not sent");
    assert_eq!(hub_records(&app, &jw.id).len(), 3);
    // Nothing left: success, and nothing sent.
    let out = job.run("push");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// A wrong key fails at once (no retries), with a Chinese message and exit code 4; the key
/// never appears in the output.
fn bad_api_key_fails_at_once(b: Backend) {
    let app = TestApp::spawn(b);
    let job = Job::new(
        &app.base,
        "gtk_not-a-real-key-0123456789",
        "retries = 5\nretry_initial_ms = 2000\nretry_max_ms = 4000\n",
    );
    std::fs::write(job.path("to-hub/a.ndjson"), line("X-1", 1)).unwrap();
    for which in ["push", "pull"] {
        let t = Instant::now();
        let out = job.run(which);
        assert_eq!(out.status.code(), Some(4), "{which}: {}", text(&out));
        assert!(t.elapsed() < Duration::from_secs(2), "{which}: no retries on 401");
        let all = text(&out);
        assert!(all.contains("接入密钥无效"), "{all}");
        assert!(!all.contains("not-a-real-key"), "the key must not be printed");
    }
    assert!(job.path("to-hub/a.ndjson").exists(), "nothing moved");
    assert_eq!(cursor(&job), None);
}

/// A restricted record's content comes only with `access_purpose`, which is sent
/// percent-encoded and reaches the audit log as the Chinese text it is.
fn pull_sends_the_access_purpose_for_restricted_records(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "xinfang", "petition");
    let reader = app.agency(&admin, "jiwei", "discipline");
    let mut rec = record("受限线索", json!({"level": "agencies", "agencies": [reader.id]}));
    rec["sensitivity"] = json!("restricted");
    rec["body"] = json!("受限线索的正文");
    let (s, v) = app.post(&owner.token, "/api/v1/records", rec);
    assert_eq!(s, 201, "{v}");
    let key = api_key(&app, &admin, &reader);
    let body_of = |job: &Job| {
        let events = pulled(job);
        let e = events.iter().find(|e| e["record_id"] == v["id"]).expect("the record's event").clone();
        let title = e["record"]["title"].clone();
        (e["record"]["content_withheld"].clone(), e["record"]["body"].clone(), title)
    };
    let without = Job::new(&app.base, &key, "");
    assert!(without.run("pull").status.success());
    let (withheld, body, title) = body_of(&without);
    assert_eq!(withheld, true, "no purpose, no content");
    assert_ne!(body, "受限线索的正文");
    // The title is content too: the placeholder only, in the pulled file as a whole.
    assert_eq!(title, "受限信息");
    assert!(!serde_json::to_string(&pulled(&without)).unwrap().contains("受限线索"), "no title without a purpose");
    let purpose = "夜间同步:案件系统核查 100%";
    let with = Job::new(&app.base, &key, &format!("access_purpose = \"{purpose}\"\n"));
    let out = with.run("pull");
    assert!(out.status.success(), "{}", text(&out));
    let (withheld, body, title) = body_of(&with);
    assert_eq!(withheld, false);
    assert_eq!(body, "受限线索的正文");
    assert_eq!(title, "受限线索");
    use guantong::db::schema::audit_log::dsl as a;
    let mut conn = app.sealed_conn();
    let purposes: Vec<Option<String>> =
        a::audit_log.filter(a::action.eq("feed.read")).select(a::purpose).load(&mut *conn).unwrap();
    assert_eq!(purposes, vec![Some(purpose.to_string())], "the purpose, decoded, in the audit log");
}

both!(
    pull_sends_the_access_purpose_for_restricted_records,
    push_killed_mid_way_holds_every_record_once,
    pull_killed_mid_way_holds_every_event_once_in_order,
    pull_cursor_moves_only_after_the_data_is_written,
    push_reports_rejected_lines_with_a_distinct_exit_code,
    bad_api_key_fails_at_once
);

/// Transient failures are retried with backoff, then reported (exit 1); a second run while
/// one holds the lock does nothing (exit 75); a missing config is exit 2.
#[test]
fn unreachable_hub_locked_state_and_bad_config() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let job = Job::new(&format!("http://127.0.0.1:{port}"), "gtk_x", "");
    let t = Instant::now();
    let out = job.run("pull");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("无法连接平台"), "{}", text(&out));
    assert!(text(&out).contains("已重试 2 次"), "{}", text(&out));
    assert!(t.elapsed() >= Duration::from_millis(75), "backed off between attempts");

    let lock = std::fs::File::create(job.path("state/pull.lock")).unwrap();
    lock.try_lock().unwrap();
    let out = job.run("pull");
    assert_eq!(out.status.code(), Some(75), "{}", text(&out));
    assert!(text(&out).contains("正在运行"), "{}", text(&out));
    drop(lock);

    let out =
        Command::new(guantong()).args(["sync", "push", "--config"]).arg(job.path("missing.toml")).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("配置文件不存在"), "{}", text(&out));
}
