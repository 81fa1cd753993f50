//! One person of the talent pool (人才库): the entry, postings and declared relations (what
//! avoidance looks at), commendations and participation history. The recommending unit adds
//! postings and relations and deactivates the entry; an inspection office records
//! commendations. Anyone else gets the not-found page — the entry is personal data.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::{RoundId, TalentId};
use crate::domain::inspection::talent::TalentInput;
use crate::error::AppError;
use crate::service::inspection::talent_pool::{self, ParticipationView, TalentView};
use crate::service::inspection::talents::{self, Commendation};
use crate::service::{self};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

use super::talents::position_labels;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(add_posting).service(add_relation).service(set_active).service(commend);
}

#[derive(Template)]
#[template(path = "inspection/talent.html", config = "src/web/askama.toml")]
struct TalentPage {
    nav: Nav,
    t: TalentView,
    agency: String,
    eligible: String,
    added: String,
    history: Vec<ParticipationView>,
    /// The recommending unit's writer: may change the entry.
    may_edit: bool,
    /// An inspection office's writer: may record commendations.
    may_commend: bool,
    units: Vec<(String, String)>,
    redo: Redo,
}

impl TalentPage {
    fn date(&self, v: &str) -> String {
        chinese_date(v)
    }
}

fn talent_id(id: &str) -> Result<TalentId, WebError> {
    TalentId::parse(id).ok_or(WebError::NotFound)
}

async fn render(state: &AppState, s: &SignedIn, id: TalentId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (t, choices, names) = run(&state.pool, move |conn| {
        let t = talent_pool::show(conn, &p, &id)?;
        let choices = talent_pool::choices(conn, &p)?;
        let names = service::agencies::names_of(conn, [&t.recommending_agency_id])?;
        Ok((t, choices, names))
    })
    .await?;
    let writer = crate::policy::require_content_writer(&s.0.principal).is_ok();
    let page = TalentPage {
        nav: Nav::of(&s.0, "talents"),
        agency: names.get(&t.recommending_agency_id).cloned().unwrap_or_default(),
        eligible: position_labels(&t.eligible),
        added: chinese_date(&t.created_at),
        history: t.participations.clone(),
        may_edit: writer && t.recommending_agency_id == s.0.principal.agency_id,
        may_commend: writer && choices.office,
        units: choices.units,
        t,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

/// The person's page.
#[get("/talents/{id}")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render(&state, &s, talent_id(&id)?, Redo::default()).await
}

/// A change to the entry by the recommending unit, at the version the page showed; refused
/// changes come back on the page with their errors (a stale version as the form's notice).
async fn change(
    state: web::Data<AppState>,
    s: SignedIn,
    id: &str,
    form: &'static str,
    body: web::Bytes,
    edit: impl FnOnce(&Fields, &mut TalentInput) + Send + 'static,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = talent_id(id)?;
    let version: i32 = f.get("version").parse().unwrap_or(0);
    let (p, tid, fields) = (s.0.principal.clone(), id.clone(), Fields(f.0.clone()));
    let r = run(&state.pool, move |conn| talents::update(conn, &p, &tid, version, |t| edit(&fields, t))).await;
    let r = r.map_err(|e| match e {
        AppError::PreconditionFailed(m) => AppError::Conflict(m),
        e => e,
    });
    match form_result(r)? {
        Ok(_) => Ok(see_other(&format!("/talents/{id}"))),
        Err((_, errors)) => render(&state, &s, id, Redo::of(form, f, errors)).await,
    }
}

/// 增加任职经历 (the recommending unit).
#[post("/talents/{id}/postings")]
pub async fn add_posting(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    change(state, s, &id, "posting", body, |f, t| {
        let to = Some(f.get("to").to_string()).filter(|v| !v.is_empty());
        t.postings.push((f.get("unit_object_id").to_string(), f.get("from").to_string(), to));
    })
    .await
}

/// 申报关联关系 (the recommending unit).
#[post("/talents/{id}/relations")]
pub async fn add_relation(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    change(state, s, &id, "relation", body, |f, t| {
        t.relations.push((f.get("unit_object_id").to_string(), f.get("relation").to_string()));
    })
    .await
}

/// 停用 / 恢复 (the recommending unit): an inactive person is never proposed.
#[post("/talents/{id}/active")]
pub async fn set_active(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    change(state, s, &id, "active", body, |f, t| t.active = f.get("active") == "true").await
}

/// 记录表彰 (an inspection office).
#[post("/talents/{id}/commendations")]
pub async fn commend(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = talent_id(&id)?;
    let c = Commendation {
        title: f.get("title").to_string(),
        awarded_on: f.get("awarded_on").to_string(),
        round_id: RoundId::parse(f.get("round_id")),
    };
    let (p, tid) = (s.0.principal.clone(), id.clone());
    match form_result(run(&state.pool, move |conn| talents::commend(conn, &p, &tid, &c)).await)? {
        Ok(_) => Ok(see_other(&format!("/talents/{id}"))),
        Err((_, errors)) => render(&state, &s, id, Redo::of("commend", f, errors)).await,
    }
}
