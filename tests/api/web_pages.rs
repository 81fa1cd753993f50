//! Every page of the web client loads without a console error or a failed request (issue
//! 10): a liaison officer of each side of a transfer, a unit admin and the hub admin each
//! follow every link the pages offer them, from the 工作台 on, in a real Chromium. A link a
//! page offers never leads to an error page.

use std::collections::{BTreeSet, VecDeque};

use serde_json::json;

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::web_http::get_page_status;

/// Pages a crawl visits at most per user (filters and cursors make many addresses).
const MAX_PAGES: usize = 70;

/// The titles of the error pages (`src/web/mod.rs`).
const ERROR_TITLES: [&str; 5] = ["页面不存在", "无权操作", "服务暂时不可用", "请求有误", "操作未完成"];

/// A hub with something on every page: records of several kinds, a transfer accepted by
/// its receiver, a deliberation, a subscription with an unread inbox item.
fn working_hub(app: &TestApp) -> (Agency, Agency) {
    let admin = app.admin_token();
    let xc = app.agency(&admin, "xuncha", "inspection");
    let jw = app.agency(&admin, "jiwei", "discipline");
    app.agency(&admin, "shenji", "audit");
    let (s, o) = app.post(&xc.token, "/api/v1/objects", json!({"kind": "unit", "name": "市住房和城乡建设局"}));
    assert_eq!(s, 201, "{o}");
    let object = o["id"].as_str().unwrap().to_string();
    let (s, sub) = app.post(&jw.token, "/api/v1/subscriptions", json!({"name": "问题线索", "kinds": ["clue"]}));
    assert_eq!(s, 201, "{sub}");
    let clue = crate::transfers::clue(app, &xc, "市住建局违规发放津补贴问题线索", "以加班费名义发放津补贴", &[&object]);
    let (s, t) = crate::transfers::transfer(app, &xc, &clue, &jw);
    assert_eq!(s, 201, "{t}");
    let (s, a) = app.post(&jw.token, &format!("/api/v1/transfers/{}/accept", t["id"].as_str().unwrap()), json!({}));
    assert_eq!(s, 200, "{a}");
    let (s, d) = app.post(
        &xc.token,
        "/api/v1/deliberations",
        json!({"record_id": clue, "title": "津补贴问题线索会商", "participant_agency_ids": [jw.id]}),
    );
    assert_eq!(s, 201, "{d}");
    for (kind, title) in [("clue", "某街道“三资”管理不规范问题线索"), ("audit_report", "专项资金审计发现的问题")]
    {
        let (s, r) = app.post(
            &xc.token,
            "/api/v1/records",
            json!({"kind": kind, "title": title, "body": "正文", "object_ids": [object], "distribution": {"level": "all"}}),
        );
        assert_eq!(s, 201, "{r}");
    }
    // 函询: a round of the office with one unit, and a pre-inspection request to 纪委监委.
    let (s, round) = app.post(
        &xc.token,
        "/api/v1/rounds",
        json!({"name": "第十三轮巡察", "number": 13, "kind": "regular", "period_start": "2026-03-01", "period_end": "2026-05-31"}),
    );
    assert_eq!(s, 201, "{round}");
    let rid = round["id"].as_str().unwrap();
    let (s, u) = app.post(&xc.token, &format!("/api/v1/rounds/{rid}/units"), json!({"object_id": object}));
    assert_eq!(s, 201, "{u}");
    let deadline = (hub_today() + chrono::Duration::days(7)).format("%Y-%m-%d").to_string();
    let (s, q) = app.post(
        &xc.token,
        "/api/v1/info-requests",
        json!({"kind": "pre_inspection", "title": "关于提供被巡察单位有关情况的函", "deadline": deadline,
               "round_id": rid, "target_agency_ids": [jw.id]}),
    );
    assert_eq!(s, 201, "{q}");
    (xc, jw)
}

/// Follows every same-site link from the 工作台 on (downloads and logout excepted): each page
/// answers 200, is not an error page, and logs nothing to the console. Returns the paths seen.
fn crawl(app: &TestApp, username: &str, password: &str) -> BTreeSet<String> {
    let browser = Browser::open(&app.base);
    browser.sign_in(username, password);
    assert_eq!(browser.path(), "/", "{username} signs in to the 工作台");
    browser.assert_console_clean(&format!("{username}: 工作台"));
    let mut seen = BTreeSet::from(["/".to_string()]);
    let mut queue = VecDeque::from(["/".to_string()]);
    while let Some(path) = queue.pop_front() {
        if path != "/" {
            browser.goto(&path);
        }
        let title = browser.title();
        assert!(!ERROR_TITLES.iter().any(|e| title.starts_with(e)), "{username}: {path} is an error page: {title}");
        assert_eq!(get_page_status(app, &browser, &path), 200, "{username}: {path}");
        browser.assert_console_clean(&format!("{username}: {path}"));
        let links =
            browser.script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))");
        for link in links.as_array().into_iter().flatten().filter_map(|l| l.as_str()) {
            let offered = link.starts_with('/')
                && !link.starts_with("//")
                && !link.starts_with("/assets/")
                && !link.contains("export")
                && !link.contains("logout");
            if offered && seen.len() < MAX_PAGES && seen.insert(link.to_string()) {
                queue.push_back(link.to_string());
            }
        }
    }
    seen
}

fn every_page_loads_cleanly_for_every_role(b: Backend) {
    let app = TestApp::spawn(b);
    let (xc, _jw) = working_hub(&app);
    let sender = crawl(&app, "xuncha_user", PASSWORD);
    for section in ["/records", "/objects", "/transfers", "/deliberations", "/inbox", "/stats", "/account"] {
        assert!(sender.contains(section), "the liaison's pages lead to {section}: {sender:?}");
    }
    assert!(sender.iter().any(|p| p.starts_with("/records/")), "a record page: {sender:?}");
    assert!(sender.iter().any(|p| p.starts_with("/transfers/")), "a transfer page: {sender:?}");
    assert!(sender.iter().any(|p| p.starts_with("/deliberations/")), "a deliberation page: {sender:?}");
    assert!(!sender.iter().any(|p| p.starts_with("/unit") || p.starts_with("/admin")), "{sender:?}");
    assert!(sender.iter().any(|p| p.starts_with("/info-requests/")), "a request's page: {sender:?}");
    let receiver = crawl(&app, "jiwei_user", PASSWORD);
    assert!(receiver.iter().any(|p| p.starts_with("/transfers/")), "{receiver:?}");
    assert!(receiver.iter().any(|p| p.starts_with("/info-requests/")), "{receiver:?}");
    let unit_admin = crawl(&app, "xuncha_unitadmin", PASSWORD);
    assert!(unit_admin.contains("/unit"), "{unit_admin:?}");
    let admin = crawl(&app, "admin", ADMIN_PASSWORD);
    assert!(admin.contains("/admin"), "{admin:?}");
    assert!(!admin.iter().any(|p| p.starts_with("/records")), "the hub admin is offered no content: {admin:?}");
    let _ = xc;
}

both!(every_page_loads_cleanly_for_every_role);
