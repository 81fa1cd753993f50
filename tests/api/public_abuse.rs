//! Issue 13, 码上巡察 on the open internet: a closed or unknown channel tells nothing; floods
//! meet the limits (per address, per channel, every request); bodies and files are bounded;
//! a file's type is its content's; a proof of work carries one submission of its own
//! channel; receipt codes cannot be guessed; the public address serves the public pages and
//! nothing else; a refused submission leaves nothing behind.

use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::helpers::*;
use crate::public_reports::{open_channel, page, post_form, report, solved, status, ACCOUNT};

fn reports_in(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    let mut conn = app.pool.get().unwrap();
    guantong::db::schema::public_reports::table.count().get_result(&mut conn).unwrap()
}

/// A channel before its period, after it, closed early, or unknown: the same 404, with
/// nothing of the team or the unit in it.
fn a_channel_answers_only_within_its_open_period(b: Backend) {
    let c = open_channel(b, |_| {});
    let (app, t) = (&c.t.app, &c.t);
    let (s, unknown) = page(app, Method::GET, "/public/c/AAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(s, 404);
    let later = hub_today() + chrono::Duration::days(10);
    let (s, future) = app.post(
        &t.office.token,
        &format!("/api/v1/inspected-units/{}/report-channels", t.other_unit["id"].as_str().unwrap()),
        json!({"contact_line": "第一巡察组", "opens_on": later.to_string(), "closes_on": (later + chrono::Duration::days(5)).to_string()}),
    );
    assert_eq!(s, 201, "{future}");
    let future_slug = future["public_url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let (s, body) = page(app, Method::GET, &format!("/public/c/{future_slug}"));
    assert_eq!((s, &body), (404, &unknown), "not yet open is the same as unknown");
    // Closed early: the form, a submission, all 404; the channel cannot be reopened.
    let cid = c.channel["id"].as_str().unwrap();
    let (s, v) = app.patch(&t.office.token, &format!("/api/v1/report-channels/{cid}"), 1, json!({"close": true}));
    assert_eq!(s, 200, "{v}");
    let (s, body) = page(app, Method::GET, &format!("/public/c/{}", c.slug));
    assert_eq!((s, &body), (404, &unknown));
    assert!(!body.contains("第一巡察组") && !body.contains("教育局"), "{body}");
    let (s, _) = post_form(app, &format!("/public/c/{}", c.slug), &[("account", ACCOUNT)], &[]);
    assert_eq!(s, 404);
    let (s, e) = app.patch(
        &t.office.token,
        &format!("/api/v1/report-channels/{cid}"),
        2,
        json!({"closes_on": later.to_string()}),
    );
    assert_eq!(s, 409, "{e}");
    assert_eq!(reports_in(app), 0);
    // A period of more than a year, or backwards, is refused.
    let (s, e) = app.post(
        &t.office.token,
        &format!("/api/v1/inspected-units/{}/report-channels", t.unit["id"].as_str().unwrap()),
        json!({"contact_line": "x", "opens_on": "2026-12-01", "closes_on": "2026-11-01"}),
    );
    assert_eq!(s, 422, "{e}");
    // Only the round's office opens channels: a participant is 404 (no channel business).
    let (s, _) = app.post(
        &t.jiwei.token,
        &format!("/api/v1/inspected-units/{}/report-channels", t.unit["id"].as_str().unwrap()),
        json!({"contact_line": "x", "opens_on": hub_today().to_string(), "closes_on": hub_today().to_string()}),
    );
    assert_eq!(s, 404);
}
both!(a_channel_answers_only_within_its_open_period);

/// Reports per address and per channel, lookups per address, and requests per address a
/// minute: each limit answers 429 with Retry-After, and what it refused is not stored.
fn floods_meet_the_limits(b: Backend) {
    let c = open_channel(b, |s| {
        s.public_reports_per_address_hour = 2;
        s.public_lookups_per_address_hour = 3;
    });
    let app = &c.t.app;
    for i in 0..2 {
        let (s, r) = report(app, &c.slug, &[("account", &format!("{ACCOUNT}(第{i}次)"))], &[]);
        assert_eq!(s, 200, "{r}");
    }
    let (s, form) = page(app, Method::GET, &format!("/public/c/{}", c.slug));
    assert_eq!(s, 200);
    let (ct, body) = crate::public_reports::multipart(&[("account", ACCOUNT), ("challenge", &solved(&form))], &[]);
    let r = app
        .client
        .post(app.url(&format!("/public/c/{}", c.slug)))
        .header("Content-Type", ct)
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let html = r.text().unwrap();
    assert!(html.contains("提交过于频繁") && html.contains(ACCOUNT), "the form again, with what was typed: {html}");
    assert_eq!(reports_in(app), 2);

    // Guessing receipt codes: well-formed guesses are "not found" until the budget is spent.
    for i in 0..3 {
        let (s, body) = status(app, &format!("ABCD-EFGH-JKMN-PQR{i}"));
        assert_eq!(s, 404, "{body}");
        assert!(body.contains("查询码不正确"));
    }
    let (s, _) = status(app, "ABCD-EFGH-JKMN-PQRS");
    assert_eq!(s, 429, "the fourth guess in the hour");

    // Every request counts against the address's minute, before the database.
    let c2 = open_channel(b, |s| s.public_requests_per_address_minute = 5);
    let codes: Vec<u16> = (0..8).map(|_| page(&c2.t.app, Method::GET, "/public/status").0).collect();
    assert_eq!(&codes[..5], &[200; 5], "{codes:?}");
    assert!(codes[5..].iter().all(|s| *s == 429), "{codes:?}");
}
both!(floods_meet_the_limits);

/// A report per channel per hour budget: a crowd from many addresses still meets it.
fn a_channel_has_a_budget_of_its_own(b: Backend) {
    let c = open_channel(b, |s| {
        s.public_reports_per_channel_hour = 2;
        s.trusted_proxies = vec!["127.0.0.1".into()];
    });
    let app = &c.t.app;
    let from = |i: u8| {
        let (_, form) = page(app, Method::GET, &format!("/public/c/{}", c.slug));
        let (ct, body) = crate::public_reports::multipart(&[("account", ACCOUNT), ("challenge", &solved(&form))], &[]);
        app.client
            .post(app.url(&format!("/public/c/{}", c.slug)))
            .header("Content-Type", ct)
            .header("X-Forwarded-For", format!("203.0.113.{i}"))
            .body(body)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!([from(1), from(2), from(3)], [200, 200, 429]);
    assert_eq!(reports_in(app), 2);
}
both!(a_channel_has_a_budget_of_its_own);

/// A proof of work is needed, is bound to its channel and kind, and carries one submission.
fn a_proof_of_work_carries_one_submission_of_its_channel(b: Backend) {
    let c = open_channel(b, |_| {});
    let app = &c.t.app;
    let path = format!("/public/c/{}", c.slug);
    let (s, body) = post_form(app, &path, &[("account", ACCOUNT)], &[]);
    assert_eq!(s, 422, "no challenge");
    assert!(body.contains("安全验证") && body.contains(ACCOUNT), "{body}");
    let (s, body) = post_form(app, &path, &[("account", ACCOUNT), ("challenge", "{\"challenge\":1}")], &[]);
    assert_eq!(s, 422, "{body}");
    let (_, form) = page(app, Method::GET, &path);
    let good = solved(&form);
    let (s, _) = post_form(app, &path, &[("account", ACCOUNT), ("challenge", &good)], &[]);
    assert_eq!(s, 200);
    let (s, body) = post_form(app, &path, &[("account", ACCOUNT), ("challenge", &good)], &[]);
    assert_eq!(s, 422, "spent: {body}");
    assert!(body.contains("已经用过"), "{body}");
    // A tampered challenge (another counter's key) fails.
    let mut v: serde_json::Value = serde_json::from_str(&solved(&page(app, Method::GET, &path).1)).unwrap();
    v["solution"]["counter"] = json!(v["solution"]["counter"].as_u64().unwrap() + 1);
    let (s, _) = post_form(app, &path, &[("account", ACCOUNT), ("challenge", &v.to_string())], &[]);
    assert_eq!(s, 422);
    assert_eq!(reports_in(app), 1);
}
both!(a_proof_of_work_carries_one_submission_of_its_channel);

/// Files: a type is its content's (a page named .jpg is refused), a file over the limit or
/// a body over the bound is 413 before it is read, more than three files is refused; none
/// of it leaves a report behind.
fn files_are_bounded_and_typed_by_content(b: Backend) {
    let c = open_channel(b, |_| {});
    let app = &c.t.app;
    let path = format!("/public/c/{}", c.slug);
    let with = |files: &[(&str, &str, Vec<u8>)]| {
        let (_, form) = page(app, Method::GET, &path);
        post_form(app, &path, &[("account", ACCOUNT), ("challenge", &solved(&form))], files)
    };
    let (s, body) = with(&[("photo.jpg", "image/jpeg", b"<html><script>alert(1)</script></html>".to_vec())]);
    assert_eq!(s, 415, "{body}");
    assert!(body.contains(ACCOUNT), "the form again with the text: {body}");
    let (s, _) = with(&[("a.exe", "image/png", b"MZ\x90\x00\x03\x00\x00\x00".to_vec())]);
    assert_eq!(s, 415);
    let big = vec![0xFFu8; 8 * 1024 * 1024 + 1];
    let (s, body) = with(&[("big.jpg", "image/jpeg", big)]);
    assert_eq!(s, 413, "{body}");
    let small = crate::public_reports::photo_with_location();
    let four: Vec<(&str, &str, Vec<u8>)> = (0..4).map(|_| ("p.jpg", "image/jpeg", small.clone())).collect();
    let (s, _) = with(&four);
    assert_eq!(s, 413);
    // A declared length beyond the bound is refused before the body is read: the answer
    // comes while the client has sent the headers only.
    {
        use std::io::{Read, Write};
        let mut sock = std::net::TcpStream::connect(app.base.trim_start_matches("http://")).unwrap();
        sock.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 900000000\r\n\r\n"
        );
        sock.write_all(head.as_bytes()).unwrap();
        let mut answer = [0u8; 12];
        sock.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"HTTP/1.1 413", "{}", String::from_utf8_lossy(&answer));
    }
    assert_eq!(reports_in(app), 0);
    // A real photo and a PDF are taken.
    let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
    let (s, body) = with(&[("p.jpg", "image/jpeg", small), ("材料.pdf", "application/pdf", pdf)]);
    assert_eq!(s, 200, "{body}");
    assert_eq!(reports_in(app), 1);
}
both!(files_are_bounded_and_typed_by_content);

/// On an address of their own the public pages are all that is served, and the main
/// address no longer serves them.
fn the_public_address_serves_the_public_pages_only(b: Backend) {
    let port = crate::receiver::free_port();
    let c = open_channel(b, |s| s.public_listen = Some(format!("127.0.0.1:{port}")));
    let app = &c.t.app;
    let public = |path: &str| {
        let r = app.client.get(format!("http://127.0.0.1:{port}{path}")).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let (s, form) = public(&format!("/public/c/{}", c.slug));
    assert_eq!(s, 200, "{form}");
    for path in ["/api/v1/rounds", "/login", "/", "/healthz", "/api/openapi.json", "/assets/app.css"] {
        let (s, body) = public(path);
        assert_eq!(s, 404, "{path}: {body}");
        assert!(!body.contains("贯通"), "{path} tells nothing of the hub: {body}");
    }
    let (s, _) = page(app, Method::GET, &format!("/public/c/{}", c.slug));
    assert_eq!(s, 404, "the main address does not serve the public pages");
}
both!(the_public_address_serves_the_public_pages_only);
