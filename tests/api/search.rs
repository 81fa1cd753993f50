//! Issue 12: text search (`?q=`) through the search index. The index is written after commit
//! by a job that follows the event log; what it has not reached is matched by substring. Both
//! ways give exactly the substring semantics, two-character and one-character Chinese terms
//! included, and page alike; a hub without the job (delivery workers off) searches by
//! substring alone and gives the same answers.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::helpers::*;

/// Titles and bodies chosen so that terms cross words, the title–body joint, punctuation
/// and ASCII case.
const TEXTS: &[(&str, &str)] = &[
    ("违纪问题线索", "市住建局违规发放津补贴46.8万元"),
    ("津贴发放情况", "区财政局按规定发放津贴,未见违纪"),
    ("ABC-12 项目", "工程项目监管不到位(abc-12 标段)"),
    ("重复重复重复", "纪律审查"),
    ("100%_完成", "整改完成率100%,下划线_测试"),
];

const QUERIES: &[&str] = &[
    "违纪",
    "津贴",
    "纪",
    "贴",
    "违规发放津补贴",
    "abc-12",
    "ABC-1",
    "c-12 项",
    "目 工程",
    "重复重",
    "复重复重复",
    "100%",
    "%_",
    "_",
    "线索 市住建局",
    "区块链存证",
    "违纪问题线索 市",
];

fn publish_all(app: &TestApp, by: &Agency) -> Vec<String> {
    TEXTS
        .iter()
        .map(|(title, body)| {
            let r = expect_status(
                201,
                app.post(
                    &by.token,
                    "/api/v1/records",
                    json!({"kind": "clue", "title": title, "body": body, "distribution": {"level": "all"}}),
                ),
            );
            r["id"].as_str().unwrap().to_string()
        })
        .collect()
}

/// The records a substring search of `q` must find (what `?q=` has always meant).
fn expected(ids: &[String], q: &str) -> BTreeSet<String> {
    let q = q.trim().to_lowercase();
    TEXTS
        .iter()
        .zip(ids)
        .filter(|((t, b), _)| format!("{t} {b}").to_lowercase().contains(&q))
        .map(|(_, id)| id.clone())
        .collect()
}

/// Every page of a search, following `next_cursor` with pages of `limit`.
fn search(app: &TestApp, token: &str, q: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("q", q.to_string()), ("limit", limit.to_string())];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let (s, page) = send(app.req(Method::GET, "/api/v1/records", Some(token)).query(&query));
        assert_eq!(s, 200, "q={q}: {page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit);
        out.extend(items.iter().map(|x| x["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
}

fn check_every_query(app: &TestApp, reader: &Agency, ids: &[String], how: &str) {
    for q in QUERIES {
        let want = expected(ids, q);
        let got = search(app, &reader.token, q, 100);
        let got_set: BTreeSet<String> = got.iter().cloned().collect();
        assert_eq!(got.len(), got_set.len(), "{how}, q={q}: a record twice");
        assert_eq!(got_set, want, "{how}, q={q}");
    }
    // Newest change first, and pages of one give the same list.
    let all = search(app, &reader.token, "发放", 100);
    assert_eq!(all, vec![ids[1].clone(), ids[0].clone()], "{how}");
    assert_eq!(search(app, &reader.token, "发放", 1), all, "{how}: paged one by one");
}

/// A hub with a publishing discipline commission and an audit office that reads.
/// Imports NDJSON `lines` as one sync batch of `owner`; every line must be created. Returns
/// the new records' ids in line order.
fn import_created(app: &TestApp, owner: &Agency, lines: &[String]) -> Vec<String> {
    let resp = app
        .req(Method::POST, "/api/v1/sync/batches", Some(&owner.token))
        .header("Content-Type", "application/x-ndjson")
        .body(lines.join("\n"))
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let results: Vec<serde_json::Value> =
        resp.text().unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(
        results.iter().all(|r| r["status"] == "created"),
        "{:?}",
        results.iter().find(|r| r["status"] != "created")
    );
    results.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

fn hub(b: Backend, configure: impl FnOnce(&mut guantong::config::Settings)) -> (TestApp, Agency, Agency) {
    let app = TestApp::spawn_with(b, configure);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "jiwei", "discipline");
    let reader = app.agency(&admin, "shenji", "audit");
    (app, owner, reader)
}

/// Through the index (after the job caught up), through substring alone (a hub whose job
/// has not run), and across both (records changed after the index's position).
fn the_index_answers_exactly_as_substring_search(b: Backend) {
    let (app, owner, reader) = hub(b, |_| {});
    let ids = publish_all(&app, &owner);
    app.settle();
    check_every_query(&app, &reader, &ids, "indexed");

    let (unindexed, owner, reader) = hub(b, |s| s.delivery_workers = false);
    let ids = publish_all(&unindexed, &owner);
    check_every_query(&unindexed, &reader, &ids, "not indexed");
    let (s, v) = send(unindexed.req(Method::GET, "/api/v1/records", Some(&reader.token)).query(&[("q", "纪律")]));
    assert_eq!((s, v["items"].as_array().map(Vec::len)), (200, Some(1)), "{v}");
}

/// A record's old text is not found once it changed; its new text is, at once and after the
/// job reindexed it; a withdrawn record is found by no one.
fn a_changed_record_is_found_by_its_new_text_only(b: Backend) {
    let (app, owner, reader) = hub(b, |_| {});
    let ids = publish_all(&app, &owner);
    app.settle();
    let (s, v) =
        app.patch(&owner.token, &format!("/api/v1/records/{}", ids[3]), 1, json!({"body": "改为选人用人问题"}));
    assert_eq!(s, 200, "{v}");
    for _ in 0..2 {
        assert!(search(&app, &reader.token, "纪律审查", 100).is_empty());
        assert_eq!(search(&app, &reader.token, "选人用人", 100), vec![ids[3].clone()]);
        app.settle();
    }
    assert_eq!(app.delete(&owner.token, &format!("/api/v1/records/{}", ids[3])).0, 204);
    app.settle();
    assert!(search(&app, &reader.token, "选人用人", 100).is_empty());
    assert!(search(&app, &owner.token, "选人用人", 100).is_empty());
}

/// A text longer than a PostgreSQL tsvector can hold positions for (16,383) is found all
/// the same (there by substring), at its end too.
fn a_long_text_is_found_to_its_end(b: Backend) {
    let app = TestApp::spawn(b);
    let admin = app.admin_token();
    let owner = app.agency(&admin, "jiwei", "discipline");
    let body = format!("{}末尾的独特词语", "工程项目监管不到位。".repeat(2_000));
    let r = expect_status(
        201,
        app.post(
            &owner.token,
            "/api/v1/records",
            json!({"kind": "clue", "title": "长文本", "body": body, "distribution": {"level": "own"}}),
        ),
    );
    let id = r["id"].as_str().unwrap().to_string();
    app.settle();
    assert_eq!(search(&app, &owner.token, "独特词语", 100), vec![id.clone()]);
    assert_eq!(search(&app, &owner.token, "监管不到位", 100), vec![id]);
    assert!(search(&app, &owner.token, "监管到位", 100).is_empty());
}

/// A term in thousands of records (more than PostgreSQL's search probes through its GIN index
/// before it walks by seq instead) pages newest first through all of them, as a rare one does.
fn a_common_term_pages_through_thousands_of_matches(b: Backend) {
    let (app, owner, reader) = hub(b, |_| {});
    let lines: Vec<String> = (0..2_300)
        .map(|i| {
            let (title, level) = match i % 10 {
                0 => (format!("普通案件{i}"), "all"),
                1 => (format!("巡察整改案件{i}"), "own"),
                _ => (format!("巡察整改案件{i}"), "all"),
            };
            json!({"external_id": format!("E{i}"), "kind": "case", "title": title, "body": "案情",
                   "distribution": {"level": level}})
            .to_string()
        })
        .collect();
    let (s, _) = send(
        app.req(Method::POST, "/api/v1/sync/batches", Some(&owner.token))
            .header("Content-Type", "application/x-ndjson")
            .body(lines.join("\n")),
    );
    assert_eq!(s, 200);
    app.settle();
    let found = search(&app, &reader.token, "整改案", 100);
    let want: Vec<String> = (0..2_300).rev().filter(|i| i % 10 >= 2).map(|i| format!("巡察整改案件{i}")).collect();
    assert_eq!(found.len(), want.len(), "every entitled match, once");
    let (s, first) =
        send(app.req(Method::GET, "/api/v1/records", Some(&reader.token)).query(&[("q", "整改案"), ("limit", "3")]));
    assert_eq!(s, 200);
    let titles: Vec<&str> = first["items"].as_array().unwrap().iter().map(|x| x["title"].as_str().unwrap()).collect();
    assert_eq!(titles, want[..3].iter().map(String::as_str).collect::<Vec<_>>(), "newest first");
    assert!(search(&app, &reader.token, "整改区块", 100).is_empty());
}

/// A term in more records than PostgreSQL's probe takes (the search then walks the reader's
/// records, testing each batch by substring): restricted text is still looked into only with
/// a purpose.
fn a_search_with_many_matches_looks_into_restricted_text_only_with_a_purpose(b: Backend) {
    let (app, owner, reader) = hub(b, |_| {});
    let mut lines: Vec<String> = (0..2_100)
        .map(|i| {
            json!({"external_id": format!("E{i}"), "kind": "case", "title": format!("巡察整改案件{i}"),
                   "body": "案情", "distribution": {"level": "all"}})
            .to_string()
        })
        .collect();
    lines.push(
        json!({"external_id": "SECRET", "kind": "clue", "title": "受限线索", "body": "整改案中的绝密情况",
               "sensitivity": "restricted", "distribution": {"level": "agencies", "agencies": [reader.id]}})
        .to_string(),
    );
    let secret = import_created(&app, &owner, &lines).pop().unwrap();
    app.settle();
    // Without a purpose: every general match, and not the restricted one.
    let found = search(&app, &reader.token, "整改案", 100);
    assert_eq!(found.len(), 2_100, "every general match, once");
    assert!(!found.contains(&secret), "restricted text searched without a purpose");
    // With one: the restricted record is the newest match.
    let purpose: String = "办理案件需要".bytes().map(|b| format!("%{b:02X}")).collect();
    let (s, first) = send(
        app.req(Method::GET, "/api/v1/records", Some(&reader.token))
            .query(&[("q", "整改案"), ("limit", "1")])
            .header("X-Access-Purpose", purpose),
    );
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["items"][0]["id"].as_str(), Some(secret.as_str()), "{first}");
}

/// Matches older than the reader's latest 500 records (PostgreSQL's search walks those first,
/// then asks the index): a term in more records than the probe takes is found by walking on,
/// a rare one from exactly the index's matches, and a restricted record's text is looked into
/// by neither without a purpose.
fn matches_older_than_the_latest_records_are_found_past_the_first_walk(b: Backend) {
    let (app, owner, reader) = hub(b, |_| {});
    let line = |ext: String, title: String, sensitivity: &str| {
        let distribution = match sensitivity {
            "restricted" => json!({"level": "agencies", "agencies": [reader.id]}),
            _ => json!({"level": "all"}),
        };
        json!({"external_id": ext, "kind": "case", "title": title, "body": "案情", "sensitivity": sensitivity,
               "distribution": distribution})
        .to_string()
    };
    let mut lines = vec![line("RARE".into(), "罕见线索词".into(), "general")];
    lines.push(line("RARE-R".into(), "罕见线索词(受限)".into(), "restricted"));
    lines.extend((0..2_100).map(|i| line(format!("E{i}"), format!("巡察整改案件{i}"), "general")));
    lines.extend((0..700).map(|i| line(format!("N{i}"), format!("日常记录{i}"), "general")));
    let ids = import_created(&app, &owner, &lines);
    assert_eq!(ids.len(), 2_802);
    app.settle();
    let common = search(&app, &reader.token, "整改案", 100);
    let want: Vec<String> = ids[2..2_102].iter().rev().cloned().collect();
    assert_eq!(common, want, "every match of the common term, newest first, once");
    assert_eq!(
        search(&app, &reader.token, "罕见线索", 20),
        vec![ids[0].clone()],
        "the rare term, not the restricted record"
    );
    let purpose: String = "办理案件需要".bytes().map(|b| format!("%{b:02X}")).collect();
    let (s, page) = send(
        app.req(Method::GET, "/api/v1/records", Some(&reader.token))
            .query(&[("q", "罕见线索")])
            .header("X-Access-Purpose", purpose),
    );
    assert_eq!(s, 200, "{page}");
    let found: Vec<&str> = page["items"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(found, vec![ids[1].as_str(), ids[0].as_str()], "with a purpose, the restricted record too");
}

both!(
    matches_older_than_the_latest_records_are_found_past_the_first_walk,
    a_search_with_many_matches_looks_into_restricted_text_only_with_a_purpose,
    a_common_term_pages_through_thousands_of_matches,
    the_index_answers_exactly_as_substring_search,
    a_changed_record_is_found_by_its_new_text_only,
    a_long_text_is_found_to_its_end
);
