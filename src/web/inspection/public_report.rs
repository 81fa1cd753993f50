//! One report of a channel's queue in the web client (the office): its stage, its files, a
//! link to its record (the content and, audited, the reporter's identity), and the steps —
//! verify, mark a duplicate, convert into a clue (then transfer it), close with a reason.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::domain::ids::{ChannelId, PublicReportId};
use crate::domain::public_report::{ReportAction, ReportState};
use crate::service::public_reports::handling::{self, ReportView, Step};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(step).service(file);
}

#[derive(Template)]
#[template(path = "inspection/public_report.html", config = "src/web/askama.toml")]
struct ReportPage {
    nav: Nav,
    r: ReportView,
    state: &'static str,
    received: String,
    /// Other reports of the channel it may repeat: (id, 第N号).
    others: Vec<(String, String)>,
    may_verify: bool,
    may_convert: bool,
    may_close: bool,
    categories: Vec<String>,
    redo: Redo,
}

fn report_id(id: &str) -> Result<PublicReportId, WebError> {
    PublicReportId::parse(id).ok_or(WebError::NotFound)
}

async fn render(state: &AppState, s: &SignedIn, id: PublicReportId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (r, others, categories) = run(&state.pool, move |conn| {
        let r = handling::show(conn, &p, &id)?;
        let channel = ChannelId::from_stored(r.channel_id.clone());
        let w = page::window(None, Some(page::MAX_LIMIT))?;
        let others: Vec<(String, String)> = handling::queue(conn, &p, &channel, None, &w)?
            .items
            .into_iter()
            .filter(|o| o.id != r.id)
            .map(|o| (o.id, format!("第{}号", o.number)))
            .collect();
        Ok((r, others, crate::service::ops::categories(conn)?))
    })
    .await?;
    let ok = |a| r.state.after(a).is_ok();
    let page = ReportPage {
        nav: Nav::of(&s.0, "rounds"),
        state: r.state.label(),
        received: chinese_date(&r.created_at),
        may_verify: ok(ReportAction::Verify),
        may_convert: ok(ReportAction::Convert),
        may_close: ok(ReportAction::Close),
        others,
        categories: categories.into_iter().map(|c| c.name).collect(),
        r,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

#[get("/public-reports/{id}")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render(&state, &s, report_id(&id)?, Redo::default()).await
}

/// A step on the report (the form names its `action`).
#[post("/public-reports/{id}/steps")]
pub async fn step(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = report_id(&id)?;
    let action = ReportAction::parse(f.get("action")).ok_or(WebError::BadForm)?;
    let text = |k: &str| Some(f.get(k).to_string()).filter(|v| !v.trim().is_empty());
    let step = Step {
        action,
        duplicate_of: text("duplicate_of").and_then(|d| PublicReportId::parse(&d)),
        reason: text("reason"),
        clue_title: text("clue_title"),
        category: text("category"),
    };
    let (p, rid) = (s.0.principal.clone(), id.clone());
    match form_result(run(&state.pool, move |conn| handling::act(conn, &p, &rid, step)).await)? {
        Ok(_) => Ok(see_other(&format!("/public-reports/{id}"))),
        Err((_, errors)) => render(&state, &s, id, Redo::of(action.as_str(), f, errors)).await,
    }
}

#[get("/public-reports/{id}/files/{file_id}")]
pub async fn file(
    state: web::Data<AppState>,
    s: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (id, file_id) = path.into_inner();
    let id = report_id(&id)?;
    if !crate::domain::is_id(&file_id) {
        return Err(WebError::NotFound);
    }
    let p = s.0.principal;
    let (filename, content_type, content) =
        run(&state.pool, move |conn| handling::file(conn, &p, &id, &file_id)).await?;
    Ok(crate::api::export::file("file", &filename, &content_type, content))
}

/// The states a queue may be filtered by, for the channel page.
pub fn filters() -> Vec<(&'static str, &'static str)> {
    ReportState::ALL.iter().map(|s| (s.as_str(), s.label())).collect()
}
