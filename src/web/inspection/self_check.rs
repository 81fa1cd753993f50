//! One self-check requirement (未巡先改): what to check by when, its state and report, and —
//! while not reported — the report form for the unit's own account (or the office's writer
//! recording the report). Not found for anyone else.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::SelfCheckId;
use crate::domain::inspection::campaigns::SelfCheckState;
use crate::domain::Role;
use crate::policy::common_problems::{require_self_check_reporter, SelfCheckAccess};
use crate::service::inspection::self_checks::{self, SelfCheckView};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(report);
}

#[derive(Template)]
#[template(path = "inspection/self_check.html", config = "src/web/askama.toml")]
struct CheckPage {
    nav: Nav,
    c: SelfCheckView,
    /// The unit's own account reads it (else the office).
    own_unit: bool,
    state: &'static str,
    deadline: String,
    reported_at: String,
    /// The report form: not yet reported, and the caller may report.
    may_report: bool,
    redo: Redo,
}

fn check_id(id: &str) -> Result<SelfCheckId, WebError> {
    SelfCheckId::parse(id).ok_or(WebError::NotFound)
}

async fn render(state: &AppState, s: &SignedIn, id: SelfCheckId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let c = run(&state.pool, move |conn| self_checks::show(conn, &p, &id)).await?;
    let own_unit = s.0.principal.has(Role::Inspected);
    let access = if own_unit { SelfCheckAccess::OwnUnit } else { SelfCheckAccess::Office };
    let page = CheckPage {
        nav: Nav::of(&s.0, if own_unit { "rectification" } else { "rounds" }),
        own_unit,
        state: c.state.label(),
        deadline: chinese_date(&c.deadline),
        reported_at: c.reported_at.as_deref().map(chinese_date).unwrap_or_default(),
        may_report: c.state == SelfCheckState::Required && require_self_check_reporter(&s.0.principal, access).is_ok(),
        c,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

/// 未巡先改: one requirement.
#[get("/self-checks/{id}")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render(&state, &s, check_id(&id)?, Redo::default()).await
}

/// 报送自查自纠情况 (once).
#[post("/self-checks/{id}/report")]
pub async fn report(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = check_id(&id)?;
    let (p, cid, text) = (s.0.principal.clone(), id.clone(), f.get("report").to_string());
    match form_result(run(&state.pool, move |conn| self_checks::report(conn, &p, &cid, &text)).await)? {
        Ok(_) => Ok(see_other(&format!("/self-checks/{id}"))),
        Err((_, errors)) => render(&state, &s, id, Redo::of("report", f, errors)).await,
    }
}
