//! The liaison officers' web client (联络员工作台): server-rendered zh-CN pages in the same
//! binary, over the same service functions and policy as the REST API — a page never shows
//! what the API would answer 404. Forms work without JavaScript; no CDN, no external font.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};
use askama::Template;

use crate::error::AppError;

mod account;
mod assets;
mod charts;
mod deliberations;
pub mod form;
mod inbox;
mod inspection;
mod login;
mod nav;
mod objects;
mod platform_admin;
mod record_forms;
mod records;
pub mod session;
mod stats;
mod transfers;
mod unit_admin;
mod workbench;

pub use nav::Nav;

/// The pages' Content-Security-Policy: only this site's own styles, scripts and images; no
/// inline script, no framing, forms post only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Headers on every answer: the CSP above, no MIME sniffing, no framing, no referrer.
pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
}

/// Form posts: small bodies only; one that does not parse is a plain-Chinese 400 page.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default().limit(256 * 1024).error_handler(|e, _| {
        tracing::debug!(error = %e, "表单无法解析");
        WebError::BadForm.into()
    })
}

/// The routes of the web client (the REST API lives under `/api`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    // `/records/new` before `/records/{id}`: the first route that matches answers.
    cfg.configure(record_forms::routes)
        .service(assets::asset)
        .service(assets::favicon)
        .service(login::login_page)
        .service(login::login)
        .service(login::logout)
        .service(login::logout_everywhere)
        .service(workbench::workbench)
        .service(records::records)
        .service(records::record)
        .service(records::read_with_purpose)
        .configure(objects::routes)
        .configure(inbox::routes)
        .configure(transfers::routes)
        .configure(deliberations::routes)
        .configure(inspection::routes)
        .configure(stats::routes)
        .configure(unit_admin::routes)
        .configure(platform_admin::routes)
        .configure(account::routes);
}

/// What a page answers when it cannot show itself.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No live session: to the login page, and back to `next` afterwards.
    #[error("请先登录")]
    SignIn { next: String },
    #[error("页面不存在或无权查看")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("表单内容无法识别")]
    BadForm,
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<actix_web::error::BlockingError> for WebError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        WebError::App(AppError::from(e))
    }
}

#[derive(Template)]
#[template(path = "error.html", config = "src/web/askama.toml")]
struct ErrorPage<'a> {
    title: &'a str,
    message: String,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::SignIn { .. } => StatusCode::SEE_OTHER,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::BadForm => StatusCode::BAD_REQUEST,
            WebError::App(AppError::Unauthorized(_)) => StatusCode::SEE_OTHER,
            WebError::App(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, message) = match self {
            WebError::SignIn { next } => return to_login(next),
            WebError::App(AppError::Unauthorized(_)) => return to_login("/"),
            WebError::NotFound | WebError::App(AppError::NotFound(_)) => {
                ("页面不存在", "您要找的页面不存在,或您所在单位无权查看。".to_string())
            }
            WebError::Forbidden(m) | WebError::App(AppError::Forbidden(m)) => ("无权操作", m.clone()),
            WebError::BadForm => ("请求有误", "表单内容无法识别,请返回上一页重新填写。".to_string()),
            WebError::App(AppError::TooManyRequests(m, _)) => ("操作过于频繁", m.clone()),
            WebError::App(AppError::Conflict(m)) => ("操作未完成", m.clone()),
            WebError::App(AppError::Validation(errs)) => {
                ("填写有误", errs.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(";"))
            }
            WebError::App(e) if e.status_code().is_server_error() => {
                tracing::error!(error = %e, "页面出错");
                ("服务暂时不可用", "服务器处理出错,请稍后重试;如果问题持续,请联系平台管理员。".to_string())
            }
            WebError::App(e) => ("请求有误", e.to_string()),
        };
        let html = ErrorPage { title, message }.render().unwrap_or_else(|_| title.to_string());
        HttpResponse::build(self.status_code())
            .insert_header(no_store())
            .content_type("text/html; charset=utf-8")
            .body(html)
    }
}

fn to_login(next: &str) -> HttpResponse {
    let next: String = percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC).to_string();
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/login?next={next}"))).finish()
}

/// Pages carry personal and case data: never kept in a cache.
fn no_store() -> (header::HeaderName, HeaderValue) {
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// A rendered page.
pub fn page(t: &impl Template) -> Result<HttpResponse, WebError> {
    page_with(StatusCode::OK, t)
}

/// A rendered page with another status (a form shown again with its errors: 422).
pub fn page_with(status: StatusCode, t: &impl Template) -> Result<HttpResponse, WebError> {
    let html = t.render().map_err(|e| AppError::Internal(anyhow::anyhow!("模板渲染失败:{e}")))?;
    Ok(HttpResponse::build(status).insert_header(no_store()).content_type("text/html; charset=utf-8").body(html))
}

/// The answer to a path nobody serves, for a browser: the not-found page.
pub fn not_found() -> HttpResponse {
    WebError::NotFound.error_response()
}

/// After a form post: on to `to` (303, so a reload does not post again).
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to.to_string())).finish()
}

/// A date as people write it: 2026年11月26日. `value` is a date (`YYYY-MM-DD`, as deadlines
/// are kept) or a UTC timestamp, shown as its day in the hub's time zone.
pub fn chinese_date(value: &str) -> String {
    use chrono::Datelike;
    let day = match chrono::DateTime::parse_from_rfc3339(value) {
        Ok(t) => Some(crate::domain::clock::current().date_at(t.with_timezone(&chrono::Utc))),
        Err(_) => crate::domain::clock::parse_date(value),
    };
    match day {
        Some(d) => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        None => value.to_string(),
    }
}
