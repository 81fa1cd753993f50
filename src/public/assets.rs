//! The public pages' own stylesheet and script (the proof-of-work solver), compiled into the
//! binary: nothing is loaded from anywhere else.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};

const REPORT_CSS: &str = include_str!("static/report.css");
const REPORT_JS: &str = include_str!("static/report.js");

#[get("/assets/{name}")]
pub async fn asset(name: web::Path<String>) -> HttpResponse {
    let (body, content_type) = match name.as_str() {
        "report.css" => (REPORT_CSS, "text/css; charset=utf-8"),
        "report.js" => (REPORT_JS, "text/javascript; charset=utf-8"),
        _ => return super::pages::not_found(),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}
