//! Web pages over plain HTTP (no browser): form posts and page loads with a session's
//! cookies, and signing in through the login form.

use crate::browser::Browser;
use crate::helpers::TestApp;

/// A form post over plain HTTP (no browser), with the cookies given.
pub fn post_form(app: &TestApp, path: &str, cookies: &str, form: &[(&str, &str)]) -> reqwest::blocking::Response {
    let client = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    client.post(app.url(path)).header("Cookie", cookies).form(form).send().expect("the server answers")
}
pub fn get_page(app: &TestApp, path: &str, cookies: &str) -> reqwest::blocking::Response {
    let client = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    client.get(app.url(path)).header("Cookie", cookies).send().expect("the server answers")
}
/// The status a signed-in browser's page gets (over plain HTTP, with the browser's cookies).
pub fn get_page_status(app: &TestApp, browser: &Browser, path: &str) -> u16 {
    get_page(app, path, &browser.cookie_header()).status().as_u16()
}
/// Signs in over plain HTTP (the login form's CSRF cookie and token taken from the page);
/// returns the session cookie, or the login page shown again.
pub fn http_sign_in(app: &TestApp, username: &str, password: &str) -> Result<String, String> {
    let page = get_page(app, "/login", "");
    let login_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("gt_login_csrf="))
        .expect("the login form sets its CSRF cookie");
    let html = page.text().unwrap();
    let token = regex::Regex::new(r#"name="csrf" value="([^"]+)""#).unwrap().captures(&html).expect("a CSRF field")[1]
        .to_string();
    let r =
        post_form(app, "/login", &login_cookie, &[("csrf", &token), ("username", username), ("password", password)]);
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("gt_session=") && c.len() > "gt_session=".len());
    match session {
        Some(c) if r.status().as_u16() == 303 => Ok(c),
        _ => Err(r.text().unwrap()),
    }
}

/// The CSRF token of the first form of `html` (every signed-in page has one: logout).
pub fn csrf_of(html: &str) -> String {
    regex::Regex::new(r#"name="csrf" value="([^"]+)""#).unwrap().captures(html).expect("a CSRF field")[1].to_string()
}
