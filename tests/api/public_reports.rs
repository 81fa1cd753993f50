//! Issue 13, 码上巡察: an inspection office opens a reporting channel for a team and an
//! inspected unit; anyone reports through its public page without an account and follows
//! the report with a receipt code; the report is a petition record the office alone reads,
//! with the reporter's identity protected and never carried by a feed page or a webhook; the
//! team verifies it, converts it into a clue it transfers through the usual workflow, and
//! closes it; the channel's figures count each step.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::*;
use crate::rounds::{round_in_inspection_with, Round};

pub struct Channel {
    pub t: Round,
    pub channel: Value,
    pub slug: String,
}

/// Cheap proof of work, so that tests solve it in milliseconds (the defaults are exercised
/// by the browser test).
pub fn cheap(s: &mut guantong::config::Settings) {
    s.public_challenge_cost = 10;
    s.public_challenge_max_counter = 40;
}

/// A round in inspection with a channel open today for its first unit.
pub fn open_channel(b: Backend, configure: impl FnOnce(&mut guantong::config::Settings)) -> Channel {
    let t = round_in_inspection_with(b, |s| {
        cheap(s);
        configure(s)
    });
    let today = hub_today();
    let (s, channel) = t.app.post(
        &t.office.token,
        &format!("/api/v1/inspected-units/{}/report-channels", t.unit["id"].as_str().unwrap()),
        json!({"contact_line": "第一巡察组 电话 0668-1234567 邮箱 xc1@example.gov.cn",
               "opens_on": today.to_string(), "closes_on": (today + chrono::Duration::days(30)).to_string()}),
    );
    assert_eq!(s, 201, "{channel}");
    let slug = channel["public_url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    Channel { t, channel, slug }
}

/// A page of the public side: status and HTML.
pub fn page(app: &TestApp, m: Method, path: &str) -> (u16, String) {
    let r = app.client.request(m, app.url(path)).send().expect("request sent");
    (r.status().as_u16(), r.text().unwrap_or_default())
}

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The challenge a page's form carries, solved as the page's script would.
pub fn solved(html: &str) -> String {
    let re = regex::Regex::new(r#"data-challenge="([^"]*)""#).unwrap();
    let c = unescape(&re.captures(html).expect("the form carries a challenge")[1]);
    guantong::service::public_reports::challenge::solve(&c).expect("solvable")
}

/// A `multipart/form-data` body: text fields, then files (name, content type, bytes).
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "----guantong-test-boundary-7d2f";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    for (filename, ctype, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\nContent-Type: {ctype}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)], files: &[(&str, &str, Vec<u8>)]) -> (u16, String) {
    let (ct, body) = multipart(fields, files);
    let r = app.client.post(app.url(path)).header("Content-Type", ct).body(body).send().expect("request sent");
    (r.status().as_u16(), r.text().unwrap_or_default())
}

/// Reports through the channel's page, solving its challenge: status and the page answered.
pub fn report(app: &TestApp, slug: &str, fields: &[(&str, &str)], files: &[(&str, &str, Vec<u8>)]) -> (u16, String) {
    let (s, form) = page(app, Method::GET, &format!("/public/c/{slug}"));
    assert_eq!(s, 200, "{form}");
    let challenge = solved(&form);
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("challenge", &challenge));
    post_form(app, &format!("/public/c/{slug}"), &all, files)
}

pub fn receipt_code(html: &str) -> String {
    let re = regex::Regex::new(r#"id="receipt-code">([0-9A-Z-]+)<"#).unwrap();
    re.captures(html).unwrap_or_else(|| panic!("a receipt page: {html}"))[1].to_string()
}

/// The status page a receipt code shows.
pub fn status(app: &TestApp, code: &str) -> (u16, String) {
    let r = app.client.post(app.url("/public/status")).form(&[("code", code)]).send().expect("request sent");
    (r.status().as_u16(), r.text().unwrap_or_default())
}

/// A photo carrying EXIF (a GPS marker text) in an APP1 segment.
pub fn photo_with_location() -> Vec<u8> {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(64, 48, image::Rgb([20, 120, 200])));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    img.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    let jpeg = jpeg.into_inner();
    let payload = b"Exif\0\0GPS:21.6629N,110.9254E;Model:ReporterPhone";
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub const ACCOUNT: &str = "镇党委副书记在危房改造补助发放中优亲厚友,给不符合条件的亲属发放补助三万元。";
pub const REPORTER: &str = "王举报人";
pub const PHONE: &str = "13900001111";

/// The whole path of a report, from the poster to closure.
fn a_report_reaches_the_office_only_and_its_reporter_follows_it(b: Backend) {
    let Channel { t, channel, slug } = open_channel(b, |_| {});
    let (app, office) = (&t.app, &t.office);
    let cid = channel["id"].as_str().unwrap();
    assert_eq!(channel["open_now"], true, "{channel}");
    assert_eq!(channel["team_name"], "第一巡察组");

    // Nobody but the office sees the channel: participants of the round, outsiders, the admin,
    // the inspected unit's own account above all.
    for token in [&t.jiwei.token, &t.outsider.token, &t.admin, &t.account.token] {
        let (s, e) = app.get(token, &format!("/api/v1/report-channels/{cid}"));
        assert_eq!(s, 404, "{e}");
        assert!(!e.to_string().contains("第一巡察组"), "{e}");
    }
    let (_, list) = app.get(&t.jiwei.token, "/api/v1/report-channels");
    assert_eq!(list, json!([]));

    // The poster's page, then a report with a name, a phone and a photo with its location.
    let (s, form) = page(app, Method::GET, &format!("/public/c/{slug}"));
    assert_eq!(s, 200);
    assert!(form.contains("第一巡察组") && form.contains("市教育局党组") && form.contains("0668-1234567"), "{form}");
    let photo = photo_with_location();
    let (s, receipt) = report(
        app,
        &slug,
        &[("account", ACCOUNT), ("place", "某镇"), ("persons", "副书记李某"), ("name", REPORTER), ("contact", PHONE)],
        &[("我的照片.jpg", "image/jpeg", photo)],
    );
    assert_eq!(s, 200, "{receipt}");
    let code = receipt_code(&receipt);
    assert_eq!(code.len(), 19);

    // The office's queue: one report, its record a sensitive petition of the office, `own`,
    // with the identity protected, the channel as author; the photo without its EXIF.
    let (s, q) = app.get(&office.token, &format!("/api/v1/report-channels/{cid}/reports"));
    assert_eq!(s, 200, "{q}");
    let r = &q["items"][0];
    assert_eq!((r["number"].as_i64(), r["state"].as_str()), (Some(1), Some("received")), "{q}");
    let rid = r["id"].as_str().unwrap().to_string();
    let record_id = r["record_id"].as_str().unwrap().to_string();
    let rec = expect_status(200, app.get(&office.token, &format!("/api/v1/records/{record_id}")));
    assert_eq!(rec["kind"], "petition");
    assert_eq!(rec["owner_agency_id"], office.id.as_str());
    assert_eq!(rec["distribution"]["level"], "own");
    assert_eq!(rec["sensitivity"], "sensitive");
    assert_eq!(rec["protected"]["举报人姓名"], REPORTER, "{rec}");
    assert_eq!(rec["protected"]["举报人联系方式"], PHONE);
    assert!(rec["author_id"].as_str().unwrap().starts_with("channel:"), "{rec}");
    assert!(!rec["title"].as_str().unwrap().contains("危房"), "the title holds no word of the reporter's");
    let file = &r["files"][0];
    assert_eq!((file["content_type"].as_str(), file["filename"].as_str()), (Some("image/jpeg"), Some("附件1.jpg")));
    let f = app
        .req(
            Method::GET,
            &format!("/api/v1/public-reports/{rid}/files/{}", file["id"].as_str().unwrap()),
            Some(&office.token),
        )
        .send()
        .unwrap();
    assert_eq!(f.status().as_u16(), 200);
    let bytes = f.bytes().unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8]), "a JPEG");
    assert!(!bytes.windows(4).any(|w| w == b"Exif") && !bytes.windows(3).any(|w| w == b"GPS"), "no metadata kept");

    // No other agency reads any of it: the record, the report, the file, a search.
    for token in [&t.jiwei.token, &t.zzb.token, &t.outsider.token] {
        assert_eq!(app.get(token, &format!("/api/v1/records/{record_id}")).0, 404);
        assert_eq!(app.get(token, &format!("/api/v1/public-reports/{rid}")).0, 404);
        let path = format!("/api/v1/public-reports/{rid}/files/{}", file["id"].as_str().unwrap());
        assert_eq!(app.get(token, &path).0, 404);
        let (_, found) = app.get(token, &format!("/api/v1/records?q={}", urlencode("危房改造")));
        assert_eq!(found["items"], json!([]), "{found}");
    }
    // The office itself changes the report's record only through the queue.
    let (s, e) =
        app.patch(&office.token, &format!("/api/v1/records/{record_id}"), 1, json!({"distribution": {"level": "all"}}));
    assert_eq!(s, 409, "{e}");
    let withdraw = app.req(Method::DELETE, &format!("/api/v1/records/{record_id}"), Some(&office.token));
    assert_eq!(send(withdraw).0, 409);
    // A feed page (what sync jobs and webhooks get) carries no identity, not even the owner's.
    let (_, feed) = app.get(&office.token, "/api/v1/feed");
    let feed_text = feed.to_string();
    assert!(feed_text.contains(&record_id), "{feed}");
    assert!(!feed_text.contains(REPORTER) && !feed_text.contains(PHONE), "{feed}");

    // The reporter follows it with the code, however typed; the team's steps show as stages.
    let (s, st) = status(app, &code.to_lowercase().replace('-', " "));
    assert_eq!(s, 200, "{st}");
    assert!(st.contains("已收到,等待处理") && st.contains("第1号"), "{st}");
    assert!(!st.contains("危房") && !st.contains(REPORTER), "the status page shows no details");
    let step = |body: Value| app.post(&office.token, &format!("/api/v1/public-reports/{rid}/steps"), body);
    let (s, v) = step(json!({"action": "verify"}));
    assert_eq!((s, v["public_status"].as_str()), (200, Some("verifying")), "{v}");
    let (_, st) = status(app, &code);
    assert!(st.contains("正在核查"), "{st}");

    // The reporter adds information: a new version of the record.
    let challenge = solved(&st);
    let (s, added) = post_form(
        app,
        "/public/status/add",
        &[("code", &code), ("addition", "补助款是通过其亲属的账户领取的。"), ("challenge", &challenge)],
        &[],
    );
    assert_eq!(s, 200, "{added}");
    assert!(added.contains("补充的情况已收到"), "{added}");
    let rec = expect_status(200, app.get(&office.token, &format!("/api/v1/records/{record_id}")));
    assert_eq!(rec["version"], 2);
    assert!(rec["body"].as_str().unwrap().contains("亲属的账户"), "{rec}");

    // Converted into a clue: the office's, without the reporter's identity; transferred to
    // the commission through the usual workflow, which reads the clue and never the report.
    let (s, v) = step(json!({"action": "convert", "clue_title": "某镇副书记违规发放危房改造补助问题线索"}));
    assert_eq!(s, 200, "{v}");
    let clue_id = v["clue_record_id"].as_str().unwrap().to_string();
    let clue = expect_status(200, app.get(&office.token, &format!("/api/v1/records/{clue_id}")));
    assert_eq!(clue["kind"], "clue");
    assert_eq!(clue["protected_fields"], json!([]), "{clue}");
    assert!(!clue.to_string().contains(REPORTER) && !clue.to_string().contains(PHONE), "{clue}");
    let deadline = (hub_today() + chrono::Duration::days(30)).to_string();
    let (s, tr) = app.post(
        &office.token,
        &format!("/api/v1/records/{clue_id}/transfers"),
        json!({"to_agency_id": t.jiwei.id, "suggestion": "请核查", "deadline": deadline}),
    );
    assert_eq!(s, 201, "{tr}");
    let seen = expect_status(200, app.get(&t.jiwei.token, &format!("/api/v1/records/{clue_id}")));
    assert!(!seen.to_string().contains(REPORTER), "{seen}");
    assert_eq!(app.get(&t.jiwei.token, &format!("/api/v1/records/{record_id}")).0, 404);
    // A converted report cannot be marked a duplicate; it is closed with a reason.
    assert_eq!(step(json!({"action": "mark_duplicate", "duplicate_of": rid})).0, 409);
    let (s, e) = step(json!({"action": "close"}));
    assert_eq!(s, 422, "a close needs its reason: {e}");
    let (s, v) = step(json!({"action": "close", "reason": "已移交市纪委监委办理"}));
    assert_eq!((s, v["state"].as_str()), (200, Some("closed")), "{v}");
    let (_, st) = status(app, &code);
    assert!(st.contains("已办结") && !st.contains("提交补充"), "{st}");
    let (s, _) = post_form(
        app,
        "/public/status/add",
        &[("code", &code), ("addition", "再补充一点"), ("challenge", &challenge)],
        &[],
    );
    assert!(s == 409 || s == 422, "no addition once handled: {s}");

    // Anonymous: whatever was typed, no identity is kept.
    let (s, receipt) = report(
        app,
        &slug,
        &[("account", "市场管理员向摊贩索要好处费,每月每户两百元。"), ("name", "张三"), ("anonymous", "1")],
        &[],
    );
    assert_eq!(s, 200, "{receipt}");
    let (_, q) = app.get(&office.token, &format!("/api/v1/report-channels/{cid}/reports?state=received"));
    let second = &q["items"][0];
    let rec = expect_status(
        200,
        app.get(&office.token, &format!("/api/v1/records/{}", second["record_id"].as_str().unwrap())),
    );
    assert_eq!(rec["protected_fields"], json!([]), "{rec}");
    assert!(!rec.to_string().contains("张三"));
    let (s, v) = step_on(
        app,
        &office.token,
        second["id"].as_str().unwrap(),
        json!({"action": "mark_duplicate", "duplicate_of": rid}),
    );
    assert_eq!((s, v["public_status"].as_str()), (200, Some("handled")), "{v}");

    let stats = expect_status(200, app.get(&office.token, &format!("/api/v1/report-channels/{cid}/stats")));
    assert_eq!(
        (
            stats["received"].as_i64(),
            stats["converted_to_clues"].as_i64(),
            stats["handled"].as_i64(),
            stats["duplicates"].as_i64()
        ),
        (Some(2), Some(1), Some(2), Some(1)),
        "{stats}"
    );
    assert_eq!(app.get(&t.jiwei.token, &format!("/api/v1/report-channels/{cid}/stats")).0, 404);
}
both!(a_report_reaches_the_office_only_and_its_reporter_follows_it);

fn step_on(app: &TestApp, token: &str, id: &str, body: Value) -> (u16, Value) {
    app.post(token, &format!("/api/v1/public-reports/{id}/steps"), body)
}

pub fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
