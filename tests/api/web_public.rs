//! Issue 13 in the browser: the office opens a channel through its pages (address, QR code,
//! the A4 poster); a reporter on a phone-sized screen fills the form, whose script solves the
//! proof of work at its real cost, attaches a photo and gets a receipt code; with the code
//! they follow the report while the office verifies it and converts it into a clue.

use crate::both;
use crate::browser::Browser;
use crate::helpers::*;
use crate::rounds::round_in_inspection_with;

fn a_reporter_on_a_phone_reports_and_the_office_works_the_report(b: Backend) {
    // The defaults of the settings: the proof of work at the cost a phone pays.
    let t = round_in_inspection_with(b, |_| {});
    let app = &t.app;
    let unit = t.unit["id"].as_str().unwrap();

    let office = Browser::open(&app.base);
    office.sign_in("xcb_user", PASSWORD);
    office.goto(&format!("/inspected-units/{unit}"));
    office.click("a[href$='/report-channels/new']");
    office.fill("#contact_line", "第一巡察组 电话 0668-2345678");
    let closes = (hub_today() + chrono::Duration::days(20)).to_string();
    office.script(&format!("document.getElementById('closes_on').value = '{closes}'"));
    office.click("form[action$='/report-channels'] button[type=submit]");
    assert!(office.path().starts_with("/report-channels/"), "{}", office.path());
    let channel_page = office.path();
    let public_url = office.text("#public-url");
    let public_path = public_url.strip_prefix(&app.settings.public_url).unwrap_or(&public_url).to_string();
    let public_path = public_path.trim_start_matches("http://127.0.0.1:8080").to_string();
    assert!(public_path.starts_with("/public/c/"), "{public_url}");
    office.wait_until("the QR code shows", "return document.querySelector('img.qr').naturalWidth > 0");
    office.assert_console_clean("码上巡察渠道");
    office.click("a[href$='/poster']");
    let poster = office.text("main");
    assert!(
        poster.contains("第一巡察组") && poster.contains("0668-2345678") && poster.contains("市教育局党组"),
        "{poster}"
    );
    office.wait_until("the poster's QR code shows", "return document.querySelector('img.poster-qr').naturalWidth > 0");
    office.assert_console_clean("海报");

    // The reporter, on a phone.
    let phone = Browser::open_phone(&app.base);
    phone.goto(&public_path);
    assert_eq!(phone.script("return window.innerWidth"), serde_json::json!(390));
    assert_eq!(
        phone.script("return document.documentElement.scrollWidth <= window.innerWidth"),
        serde_json::json!(true),
        "the form fits the phone's width"
    );
    assert!(phone.text("header").contains("第一巡察组"));
    phone.fill("#account", crate::public_reports::ACCOUNT);
    phone.fill("#place", "某镇");
    phone.fill("#name", crate::public_reports::REPORTER);
    phone.fill("#contact", crate::public_reports::PHONE);
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("现场照片.jpg");
    std::fs::write(&photo, crate::public_reports::photo_with_location()).unwrap();
    phone.choose_file("#files", &photo);
    phone.wait_until(
        "the proof of work is done",
        "return !document.querySelector('form[data-challenge] button[type=submit]').disabled",
    );
    assert!(phone.text(".pow-status").contains("安全验证已完成"));
    phone.screenshot("public_report_form");
    phone.click("form[data-challenge] button[type=submit]");
    let code = phone.text("#receipt-code");
    assert_eq!(code.len(), 19, "{code}");
    phone.assert_console_clean("收到举报");
    phone.goto("/public/status");
    phone.fill("#code", &code);
    phone.click("form[action='/public/status'] button[type=submit]");
    assert_eq!(phone.text("#status"), "已收到,等待处理");

    // The office works it: the queue, the report, verify, convert.
    office.goto(&channel_page);
    assert!(office.text("#channel-stats").contains('1'));
    office.click("a[href^='/public-reports/']");
    assert!(office.text("#report-state").contains("待处理"));
    office.click("#step-verify button[type=submit]");
    assert!(office.text("#report-state").contains("核查中"), "{}", office.text("main"));
    office.fill("#clue_title", "某镇副书记违规发放危房改造补助问题线索");
    office.click("#step-convert button[type=submit]");
    assert!(office.text("#report-state").contains("已转为问题线索"));
    assert!(office.source().contains("/transfer\""), "a link to transfer the clue");
    office.assert_console_clean("举报办理");

    phone.goto("/public/status");
    phone.fill("#code", &code);
    phone.click("form[action='/public/status'] button[type=submit]");
    assert_eq!(phone.text("#status"), "正在核查");
    assert!(!phone.source().contains(crate::public_reports::REPORTER), "the status page shows no details");
    phone.assert_console_clean("办理进展");
}
both!(a_reporter_on_a_phone_reports_and_the_office_works_the_report);

/// The office's 码上巡察 pages are the not-found page for everyone else (a participant of the
/// round included), with nothing of the channel in them: the channel, its poster and QR
/// codes, a report, its file, opening a channel for the unit.
fn the_office_pages_show_nothing_to_anyone_else(b: Backend) {
    use crate::public_reports::{open_channel, photo_with_location, report, ACCOUNT};
    use crate::web_http::{get_page, http_sign_in};
    let c = open_channel(b, |_| {});
    let app = &c.t.app;
    let (s, page) = report(app, &c.slug, &[("account", ACCOUNT)], &[("p.jpg", "image/jpeg", photo_with_location())]);
    assert_eq!(s, 200, "{page}");
    let cid = c.channel["id"].as_str().unwrap();
    let (_, q) = app.get(&c.t.office.token, &format!("/api/v1/report-channels/{cid}/reports"));
    let (rid, fid) = (q["items"][0]["id"].as_str().unwrap(), q["items"][0]["files"][0]["id"].as_str().unwrap());
    let unit = c.t.unit["id"].as_str().unwrap();
    let paths = [
        format!("/report-channels/{cid}"),
        format!("/report-channels/{cid}/poster"),
        format!("/report-channels/{cid}/qr.svg"),
        format!("/report-channels/{cid}/qr.png"),
        format!("/public-reports/{rid}"),
        format!("/public-reports/{rid}/files/{fid}"),
        format!("/inspected-units/{unit}/report-channels/new"),
    ];
    let office = http_sign_in(app, "xcb_user", PASSWORD).unwrap();
    for p in &paths {
        assert_eq!(get_page(app, p, &office).status().as_u16(), 200, "{p} for the office");
    }
    for user in ["jiwei_user", "shenji_user"] {
        let cookies = http_sign_in(app, user, PASSWORD).unwrap();
        for p in &paths {
            let r = get_page(app, p, &cookies);
            assert_eq!(r.status().as_u16(), 404, "{p} for {user}");
            let body = r.text().unwrap();
            assert!(!body.contains("第一巡察组") && !body.contains("0668"), "{p} for {user}: {body}");
        }
        let list = get_page(app, "/report-channels", &cookies).text().unwrap();
        assert!(!list.contains("第一巡察组") && list.contains("尚未开通"), "{list}");
    }
}
both!(the_office_pages_show_nothing_to_anyone_else);
