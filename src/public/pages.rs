//! The public pages: a channel's form and its receipt, the status a receipt code shows, and a
//! reporter's additions. Thin: the service decides (`service::public_reports::intake`); a
//! refusal shows the form again with what was typed and why, with the status that says it
//! (422, 413, 415, 429), and nothing of the hub beyond the channel.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;

use super::upload::{self, FormBody, Unread};
use super::{ClientDigest, PublicDesk};
use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::public_report::ReportDraft;
use crate::error::AppError;
use crate::service::public_reports::challenge;
use crate::service::public_reports::intake::{self, PublicChannel, PublicReportStatus, Submission};
use crate::web::chinese_date;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(form).service(submit).service(status_form).service(status_lookup).service(add);
}

#[derive(Template)]
#[template(path = "public/message.html", config = "src/web/askama.toml")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
}

#[derive(Template)]
#[template(path = "public/form.html", config = "src/web/askama.toml")]
struct FormPage {
    slug: String,
    team_name: String,
    unit_name: String,
    opens_on: String,
    closes_on: String,
    contact_line: String,
    challenge: String,
    account: String,
    place: String,
    persons: String,
    name: String,
    contact: String,
    anonymous: bool,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "public/receipt.html", config = "src/web/askama.toml")]
struct ReceiptPage {
    team_name: String,
    number: i32,
    code: String,
}

#[derive(Template)]
#[template(path = "public/status_form.html", config = "src/web/askama.toml")]
struct StatusFormPage {
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "public/status.html", config = "src/web/askama.toml")]
struct StatusPage {
    team_name: String,
    number: i32,
    received_on: String,
    status_label: &'static str,
    accepts_additions: bool,
    code: String,
    challenge: String,
    addition: String,
    message: Option<String>,
    errors: Vec<String>,
}

/// A page: never cached, never sent with a referrer (the CSP and the other headers are the
/// hub's, on every answer).
fn page(status: StatusCode, t: &impl Template) -> HttpResponse {
    match t.render() {
        Ok(html) => HttpResponse::build(status)
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "公开页面渲染失败");
            HttpResponse::InternalServerError().finish()
        }
    }
}

fn message(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    page(status, &MessagePage { title, message })
}

/// Nothing here: the same page for a path nobody serves and a channel not open.
pub fn not_found() -> HttpResponse {
    message(StatusCode::NOT_FOUND, "页面不存在", intake::CHANNEL_CLOSED)
}

/// The flood guard's answer.
pub fn too_many(_req: &HttpRequest) -> HttpResponse {
    let mut r = message(StatusCode::TOO_MANY_REQUESTS, "访问过于频繁", "访问过于频繁,请一分钟后再试。");
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    r
}

/// An error no form can show: the status it carries, in plain words.
fn failure(e: &AppError) -> HttpResponse {
    match e {
        AppError::NotFound(_) => not_found(),
        AppError::TooManyRequests(m, secs) => {
            let mut r = message(StatusCode::TOO_MANY_REQUESTS, "操作过于频繁", m);
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        e if actix_web::ResponseError::status_code(e).is_server_error() => {
            tracing::error!(error = %e, "公开页面出错");
            message(actix_web::ResponseError::status_code(e), "暂时无法处理", "服务暂时不可用,请稍后重试。")
        }
        e => message(actix_web::ResponseError::status_code(e), "提交未成功", &e.to_string()),
    }
}

/// The messages of a refusal the form shows.
fn reasons(e: &AppError) -> Vec<String> {
    match e {
        AppError::Validation(errs) => errs.iter().map(|f| f.message.clone()).collect(),
        e => vec![e.to_string()],
    }
}

fn client(req: &HttpRequest) -> String {
    req.extensions().get::<ClientDigest>().map(|c| c.0.clone()).unwrap_or_default()
}

fn unread(e: Unread) -> HttpResponse {
    match e {
        Unread::TooLarge(m) => message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "提交的内容过大",
            &format!("{m}。请返回上一页,减少或压缩照片后重新提交。"),
        ),
        Unread::Malformed => message(StatusCode::BAD_REQUEST, "提交未成功", "表单内容无法识别,请返回上一页重新提交。"),
    }
}

fn form_page(c: PublicChannel, challenge: String, d: ReportDraft, errors: Vec<String>) -> FormPage {
    FormPage {
        opens_on: chinese_date(&c.opens_on),
        closes_on: chinese_date(&c.closes_on),
        slug: c.slug,
        team_name: c.team_name,
        unit_name: c.unit_name,
        contact_line: c.contact_line,
        challenge,
        account: d.account,
        place: d.place,
        persons: d.persons,
        name: d.name,
        contact: d.contact,
        anonymous: d.anonymous,
        errors,
    }
}

/// The form again, with what was typed and why it was refused.
async fn form_again(state: &AppState, desk: &PublicDesk, slug: String, d: ReportDraft, e: AppError) -> HttpResponse {
    let status = actix_web::ResponseError::status_code(&e);
    if matches!(e, AppError::NotFound(_)) || status.is_server_error() {
        return failure(&e);
    }
    let s = slug.clone();
    let c = match run(&state.pool, move |conn| intake::open_channel(conn, &s)).await {
        Ok(c) => c,
        Err(e) => return failure(&e),
    };
    let challenge = match challenge::issue(&desk.rules.challenge, "report", &slug) {
        Ok(c) => c,
        Err(e) => return failure(&e),
    };
    let mut r = page(status, &form_page(c, challenge, d, reasons(&e)));
    if let AppError::TooManyRequests(_, secs) = e {
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    r
}

/// A channel's form (open channels only).
#[get("/c/{slug}")]
pub async fn form(state: web::Data<AppState>, desk: web::Data<PublicDesk>, slug: web::Path<String>) -> HttpResponse {
    let slug = slug.into_inner();
    let s = slug.clone();
    match run(&state.pool, move |conn| intake::open_channel(conn, &s)).await {
        Ok(c) => match challenge::issue(&desk.rules.challenge, "report", &slug) {
            Ok(ch) => page(StatusCode::OK, &form_page(c, ch, ReportDraft::default(), vec![])),
            Err(e) => failure(&e),
        },
        Err(e) => failure(&e),
    }
}

fn draft_of(b: &FormBody) -> ReportDraft {
    ReportDraft {
        account: b.text("account"),
        place: b.text("place"),
        persons: b.text("persons"),
        name: b.text("name"),
        contact: b.text("contact"),
        anonymous: !b.text("anonymous").is_empty(),
    }
}

/// A report: the receipt with its code, or the form again.
#[post("/c/{slug}")]
pub async fn submit(
    state: web::Data<AppState>,
    desk: web::Data<PublicDesk>,
    req: HttpRequest,
    slug: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let slug = slug.into_inner();
    let body = match upload::read(&req, payload).await {
        Ok(b) => b,
        Err(e) => return unread(e),
    };
    let draft = draft_of(&body);
    let sub = Submission { draft: draft.clone(), challenge: body.text("challenge"), files: body.files };
    let (address, rules, s) = (client(&req), desk.rules.clone(), slug.clone());
    match run(&state.pool, move |conn| intake::submit(conn, &rules, &s, &address, sub)).await {
        Ok(r) => page(StatusCode::OK, &ReceiptPage { team_name: r.team_name, number: r.number, code: r.code }),
        Err(e) => form_again(&state, &desk, slug, draft, e).await,
    }
}

#[get("/status")]
pub async fn status_form() -> HttpResponse {
    page(StatusCode::OK, &StatusFormPage { error: None })
}

fn status_page(desk: &PublicDesk, st: PublicReportStatus, code: String) -> StatusPage {
    StatusPage {
        challenge: challenge::issue(&desk.rules.challenge, "addition", "receipt").unwrap_or_default(),
        team_name: st.team_name,
        number: st.number,
        received_on: chinese_date(&st.received_on),
        status_label: st.status.label(),
        accepts_additions: st.accepts_additions,
        code,
        addition: String::new(),
        message: None,
        errors: vec![],
    }
}

/// The code's report's status, or the lookup form again.
#[post("/status")]
pub async fn status_lookup(
    state: web::Data<AppState>,
    desk: web::Data<PublicDesk>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let code = url::form_urlencoded::parse(&body).find(|(k, _)| k == "code").map(|(_, v)| v.into_owned());
    let Some(code) = code.filter(|c| c.len() <= 64) else {
        return page(StatusCode::UNPROCESSABLE_ENTITY, &StatusFormPage { error: Some("请输入查询码".into()) });
    };
    let (address, rules, c) = (client(&req), desk.rules.clone(), code.clone());
    match run(&state.pool, move |conn| intake::status(conn, &rules, &address, &c)).await {
        Ok(st) => page(StatusCode::OK, &status_page(&desk, st, code)),
        Err(AppError::NotFound(m)) => page(StatusCode::NOT_FOUND, &StatusFormPage { error: Some(m) }),
        Err(e) => failure(&e),
    }
}

/// An addition to a report; the status again, with what came of it.
#[post("/status/add")]
pub async fn add(
    state: web::Data<AppState>,
    desk: web::Data<PublicDesk>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let body = match upload::read(&req, payload).await {
        Ok(b) => b,
        Err(e) => return unread(e),
    };
    let (code, text, solved) = (body.text("code"), body.text("addition"), body.text("challenge"));
    let (address, rules, c, t) = (client(&req), desk.rules.clone(), code.clone(), text.clone());
    let done = run(&state.pool, move |conn| intake::add(conn, &rules, &address, &c, &t, &body.files, &solved)).await;
    match done {
        Ok(st) => {
            let mut p = status_page(&desk, st, code);
            p.message = Some("补充的情况已收到。".into());
            page(StatusCode::OK, &p)
        }
        Err(e @ (AppError::NotFound(_) | AppError::TooManyRequests(..))) => failure(&e),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            if status.is_server_error() {
                return failure(&e);
            }
            let (address, rules, c) = (client(&req), desk.rules.clone(), code.clone());
            match run(&state.pool, move |conn| intake::status(conn, &rules, &address, &c)).await {
                Ok(st) => {
                    let mut p = status_page(&desk, st, code);
                    p.addition = text;
                    p.errors = reasons(&e);
                    page(status, &p)
                }
                Err(e2) => failure(&e2),
            }
        }
    }
}
