//! The web client's pages at scale (issue 10): the 信息库 list and the 工作台 rendered for a
//! signed-in liaison officer, over HTTP with the session cookie, as a browser asks for them.
//!
//! The bulk import gives the hub records but no work in progress, so before measuring, the
//! viewer gets a working day's load through the API: a subscription to clues, then
//! `WORK` clues published by another unit and transferred to the viewer (deadlines spread
//! over the next month, half of them accepted). The 工作台 then lists transfers awaiting
//! acceptance, deadlines within three days and unread inbox items, over the whole hub.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use reqwest::blocking::Client;
use serde_json::json;

use crate::report::{self, histogram, Row};
use crate::server::{Hubd, LIAISON_PASSWORD};

/// The p99 target for a rendered page (ms).
pub const PAGE_RENDER_TARGET_MS: f64 = 50.0;
/// Clues published and transferred to each measured unit before its pages are measured.
pub const WORK: usize = 60;

/// A signed-in browser: the session cookie of the web login.
pub struct WebClient {
    client: Client,
    base: String,
    cookie: String,
}

fn set_cookie(r: &reqwest::blocking::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .map(|c| c.split(';').next().unwrap_or_default().to_string())
        .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
}

impl WebClient {
    /// Signs in through the login form, as a browser does (its CSRF cookie and token).
    pub fn sign_in(h: &Hubd, username: &str, password: &str) -> Result<WebClient> {
        let client =
            Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_secs(120)).build()?;
        let form = client.get(format!("{}/login", h.base)).send()?;
        let login_cookie = set_cookie(&form, "gt_login_csrf").ok_or_else(|| anyhow!("no login CSRF cookie"))?;
        let html = form.text()?;
        let token = regex::Regex::new(r#"name="csrf" value="([^"]+)""#)?
            .captures(&html)
            .ok_or_else(|| anyhow!("no CSRF field on the login page"))?[1]
            .to_string();
        let r = client
            .post(format!("{}/login", h.base))
            .header("Cookie", login_cookie)
            .form(&[("csrf", token.as_str()), ("username", username), ("password", password)])
            .send()?;
        let cookie = set_cookie(&r, "gt_session").ok_or_else(|| anyhow!("web login of {username} failed"))?;
        Ok(WebClient { client, base: h.base.clone(), cookie })
    }

    /// Loads a page (the whole body); fails unless it answers 200.
    pub fn page(&self, path: &str) -> Result<(Duration, String)> {
        let start = Instant::now();
        let r = self.client.get(format!("{}{path}", self.base)).header("Cookie", &self.cookie).send()?;
        let status = r.status();
        let body = r.text()?;
        let took = start.elapsed();
        if status.as_u16() != 200 {
            bail!("GET {path}: HTTP {status}");
        }
        Ok((took, body))
    }
}

/// Gives `viewer` a day's work: a subscription to clues, and `WORK` clues of `sender`
/// (distributed to all) transferred to it, half of them accepted.
pub fn give_work(h: &Hubd, viewer: (&str, &str), sender: &str) -> Result<()> {
    let (viewer_id, viewer_code) = viewer;
    let vt = h.login(&format!("{viewer_code}_liaison"), LIAISON_PASSWORD)?;
    let st = h.login(&format!("{sender}_liaison"), LIAISON_PASSWORD)?;
    h.post(&vt, "/api/v1/subscriptions", &json!({"name": "基准测试:问题线索", "kinds": ["clue"]}))?;
    let today = chrono::Utc::now().date_naive();
    for i in 0..WORK {
        let r = h.post(
            &st,
            "/api/v1/records",
            &json!({"kind": "clue", "title": format!("基准测试移交线索第{i}号:违规发放津补贴问题"),
                "body": "基准测试生成的线索正文。", "sensitivity": "general",
                "distribution": {"level": "all"}}),
        )?;
        let id = r["id"].as_str().context("a record id")?;
        let deadline = today + chrono::Days::new(1 + (i % 30) as u64);
        let t = h.post(
            &st,
            &format!("/api/v1/records/{id}/transfers"),
            &json!({"to_agency_id": viewer_id, "suggestion": "建议初步核实", "deadline": deadline.format("%Y-%m-%d").to_string()}),
        )?;
        if i % 2 == 0 {
            let tid = t["id"].as_str().context("a transfer id")?;
            h.post(&vt, &format!("/api/v1/transfers/{tid}/accept"), &json!({}))?;
        }
    }
    Ok(())
}

/// The next-page link of a 信息库 page, if any.
fn next_link(html: &str) -> Option<String> {
    let re = regex::Regex::new(r#"href="(/records\?[^"]*cursor=[^"]*)""#).ok()?;
    re.captures(html).map(|c| c[1].replace("&amp;", "&").replace("&#38;", "&"))
}

/// Measures the pages for one viewer: 工作台, 信息库 first page, 信息库 by kind, and deep
/// pages reached by following 下一页.
pub fn measure(h: &Hubd, viewer_code: &str, label: &str, iters: usize, budget_secs: u64) -> Result<Vec<Row>> {
    let web = WebClient::sign_in(h, &format!("{viewer_code}_liaison"), LIAISON_PASSWORD)?;
    let mut deep = Vec::new();
    let mut path = "/records".to_string();
    for _ in 0..10 {
        let (_, html) = web.page(&path)?;
        match next_link(&html) {
            Some(next) => {
                deep.push(next.clone());
                path = next;
            }
            None => break,
        }
    }
    let mut series: Vec<(&str, Vec<String>)> = vec![
        ("page 工作台 (/)", vec!["/".to_string()]),
        ("page 信息库, first page (/records)", vec!["/records".to_string()]),
        ("page 信息库, kind=clue", vec!["/records?kind=clue".to_string()]),
    ];
    if !deep.is_empty() {
        series.push(("page 信息库, pages 2–11 (下一页)", deep));
    }
    // What a page lists: links to records, transfers and deliberations.
    let links = regex::Regex::new(r#"href="/(records|transfers|deliberations)/[0-9A-Za-z_-]{8,}""#)?;
    let mut rows = Vec::new();
    for (name, paths) in series {
        let mut hist = histogram();
        let mut bytes = 0usize;
        let mut items = 0usize;
        let start = Instant::now();
        let mut done = 0;
        for p in paths.iter().cycle().take(iters) {
            if done >= 50 && start.elapsed() > Duration::from_secs(budget_secs) {
                break;
            }
            let (took, body) = web.page(p)?;
            report::record(&mut hist, took);
            bytes += body.len();
            items += links.find_iter(&body).count();
            done += 1;
        }
        rows.push(Row {
            viewer: label.to_string(),
            query: format!("{name}, {} KiB", bytes / done.max(1) / 1024),
            http: Some(hist),
            store: None,
            bare: None,
            target_p99_ms: Some(PAGE_RENDER_TARGET_MS),
            mean_items: items as f64 / done.max(1) as f64,
        });
    }
    Ok(rows)
}
