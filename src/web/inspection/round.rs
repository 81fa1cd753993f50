//! One round: its facts and stages, its teams and inspected units, and — for the office that
//! runs it — the forms to move it on, add participants, teams and units.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::{parse_list, AgencyId, ObjectId, RoundId};
use crate::domain::inspection::RoundStage;
use crate::error::AppError;
use crate::service::inspection::choices::{self, RoundChoices};
use crate::service::inspection::{rounds, stats};
use crate::service::{self};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::stats::figures::Figure;
use crate::web::{page_with, see_other, Nav, WebError};

use super::period;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(advance).service(add_team).service(add_unit).service(add_participants);
}

/// A stage as the progress line shows it.
pub struct StageStep {
    pub label: &'static str,
    pub done: bool,
    pub current: bool,
}

/// An inspected unit as a line of the round's table.
pub struct UnitLine {
    pub id: String,
    pub name: String,
    pub team: String,
    pub account: String,
}

#[derive(Template)]
#[template(path = "inspection/round.html", config = "src/web/askama.toml")]
struct RoundPage {
    nav: Nav,
    id: String,
    name: String,
    kind: &'static str,
    stage: &'static str,
    period: String,
    focus: String,
    office: String,
    participants: Vec<String>,
    steps: Vec<StageStep>,
    next_stage: Option<(&'static str, &'static str)>,
    teams: Vec<(String, String)>,
    units: Vec<UnitLine>,
    /// The round's figures per unit (chart and table).
    figure: Figure,
    /// The forms' choices: the office that runs the round only.
    choices: Option<RoundChoices>,
    redo: Redo,
}

impl RoundPage {
    fn new_members(&self) -> Vec<&(String, String)> {
        let Some(c) = &self.choices else { return vec![] };
        c.members.iter().filter(|(_, n)| !self.participants.contains(n)).collect()
    }
}

fn round_id(id: &str) -> Result<RoundId, WebError> {
    RoundId::parse(id).ok_or(WebError::NotFound)
}

async fn render(state: &AppState, s: &SignedIn, id: RoundId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (r, names, choices, figures) = run(&state.pool, move |conn| {
        let r = rounds::show(conn, &p, &id)?;
        let figures = stats::round(conn, &p, &r.id)?;
        let ids: Vec<&String> = std::iter::once(&r.owner_agency_id)
            .chain(&r.participant_agency_ids)
            .chain(r.units.iter().filter_map(|u| u.account_agency_id.as_ref()))
            .collect();
        let names = service::agencies::names_of(conn, ids)?;
        let choices = if crate::policy::inspection::require_round_owner(&p, &r.owner_agency_id).is_ok() {
            Some(choices::for_round(conn, &p, &r.id)?)
        } else {
            None
        };
        Ok((r, names, choices, figures))
    })
    .await?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    let teams: HashMap<&str, &str> = r.teams.iter().map(|t| (t.id.as_str(), t.name.as_str())).collect();
    let at = RoundStage::ALL.iter().position(|s| *s == r.stage).unwrap_or(0);
    let steps = RoundStage::ALL
        .iter()
        .enumerate()
        .map(|(i, st)| StageStep { label: st.label(), done: i < at, current: i == at })
        .collect();
    let units = r
        .units
        .iter()
        .map(|u| UnitLine {
            id: u.id.clone(),
            name: u.object_name.clone(),
            team: u.team_id.as_deref().and_then(|t| teams.get(t)).map(|t| t.to_string()).unwrap_or_default(),
            account: u.account_agency_id.as_deref().map(name).unwrap_or_default(),
        })
        .collect();
    let page = RoundPage {
        nav: Nav::of(&s.0, "rounds"),
        kind: r.kind.label(),
        stage: r.stage.label(),
        period: period(&r.period_start, &r.period_end),
        focus: r.focus.join("、"),
        office: name(&r.owner_agency_id),
        participants: r.participant_agency_ids.iter().map(|a| name(a)).collect(),
        steps,
        next_stage: r.stage.next().filter(|_| choices.is_some()).map(|n| (n.as_str(), n.label())),
        teams: r.teams.iter().map(|t| (t.id.clone(), t.name.clone())).collect(),
        units,
        figure: super::figures::round(&figures),
        choices,
        id: r.id,
        name: r.name,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

#[get("/rounds/{id}")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render(&state, &s, round_id(&id)?, Redo::default()).await
}

/// Runs one of the round's posts: done → back to the round; refused → the page with that
/// form shown again.
async fn post_and_return<T: Send + 'static>(
    state: &AppState,
    s: &SignedIn,
    id: RoundId,
    form: &'static str,
    f: Fields,
    call: impl FnOnce(&mut crate::db::DbConnection) -> Result<T, AppError> + Send + 'static,
) -> Result<HttpResponse, WebError> {
    match form_result(run(&state.pool, call).await)? {
        Ok(_) => Ok(see_other(&format!("/rounds/{id}"))),
        Err((_, errors)) => render(state, s, id, Redo::of(form, f, errors)).await,
    }
}

#[post("/rounds/{id}/stage")]
pub async fn advance(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = round_id(&id)?;
    let to = RoundStage::parse(f.get("stage")).ok_or_else(|| AppError::validation("stage", "阶段无效"))?;
    let version = f.get("version").parse::<i32>().ok();
    let (p, rid) = (s.0.principal.clone(), id.clone());
    post_and_return(&state, &s, id, "stage", f, move |conn| rounds::advance(conn, &p, &rid, to, version)).await
}

#[post("/rounds/{id}/teams")]
pub async fn add_team(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = round_id(&id)?;
    let (p, rid, name) = (s.0.principal.clone(), id.clone(), f.get("name").to_string());
    post_and_return(&state, &s, id, "team", f, move |conn| rounds::add_team(conn, &p, &rid, &name)).await
}

#[post("/rounds/{id}/units")]
pub async fn add_unit(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = round_id(&id)?;
    let object = ObjectId::parse(f.get("object_id"));
    let settings = crate::api::rounds::unit_settings(
        Some(f.get("team_id")).filter(|v| !v.is_empty()),
        Some(f.get("account_agency_id")).filter(|v| !v.is_empty()),
    );
    let (p, rid) = (s.0.principal.clone(), id.clone());
    post_and_return(&state, &s, id, "unit", f, move |conn| {
        let object = object.ok_or_else(|| AppError::validation("object_id", "请选择被巡察单位"))?;
        rounds::add_unit(conn, &p, &rid, &object, &settings?)
    })
    .await
}

#[post("/rounds/{id}/participants")]
pub async fn add_participants(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = round_id(&id)?;
    let mut errs = Vec::new();
    let ids: Vec<AgencyId> = parse_list("agency_ids", &f.all("agency_ids"), &mut errs);
    let (p, rid) = (s.0.principal.clone(), id.clone());
    post_and_return(&state, &s, id, "participants", f, move |conn| {
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        if ids.is_empty() {
            return Err(AppError::validation("agency_ids", "请至少选择一个成员单位"));
        }
        rounds::add_participants(conn, &p, &rid, &ids)
    })
    .await
}
