//! One inspection team (巡察组): the units it inspects and — for the office that runs the round —
//! its members with any avoidance conflicts, the proposal of people for a unit of the team
//! (ranked by expertise matching the round's focus, with who must avoid it and why), and the
//! buttons that put a person on the team or take them off. A participant of the round sees
//! the team without its members (people of the talent pool); anyone else the not-found page.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::{InspectedUnitId, TalentId, TeamId};
use crate::domain::inspection::talent::TeamPosition;
use crate::service::inspection::rounds;
use crate::service::inspection::team_members::{self, TeamDetail};
use crate::service::inspection::team_proposal::{self, TeamProposal};
use crate::service::{self};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{page_with, see_other, Nav, WebError};

use super::talents::positions;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(add_member).service(remove_member);
}

#[derive(Template)]
#[template(path = "inspection/team.html", config = "src/web/askama.toml")]
struct TeamPage {
    nav: Nav,
    team: TeamDetail,
    round_name: String,
    /// Agency names by id (recommending units).
    agencies: std::collections::HashMap<String, String>,
    /// The proposal for the chosen unit and position (the office, when the team has units).
    proposal: Option<TeamProposal>,
    unit: String,
    position: &'static str,
    positions: Vec<(&'static str, &'static str)>,
    /// The office's writer: may change the team.
    may_change: bool,
    redo: Redo,
}

impl TeamPage {
    fn agency(&self, id: &str) -> String {
        self.agencies.get(id).cloned().unwrap_or_default()
    }
}

#[derive(Deserialize)]
pub struct TeamParams {
    unit: Option<String>,
    position: Option<String>,
}

/// The team's page for the unit and position a form was posted from (both checked).
fn back_to(id: &TeamId, f: &Fields) -> String {
    let unit = InspectedUnitId::parse(f.get("unit")).map(|u| u.to_string()).unwrap_or_default();
    let position = TeamPosition::parse(f.get("position")).unwrap_or(TeamPosition::Staff);
    format!("/teams/{id}?unit={unit}&position={}", position.as_str())
}

fn team_id(id: &str) -> Result<TeamId, WebError> {
    TeamId::parse(id).ok_or(WebError::NotFound)
}

async fn render(
    state: &AppState,
    s: &SignedIn,
    id: TeamId,
    params: TeamParams,
    redo: Redo,
) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let years = state.settings.inspection_avoidance_years;
    let position = params.position.as_deref().and_then(TeamPosition::parse).unwrap_or(TeamPosition::Staff);
    let wanted = params.unit.clone();
    let (team, round_name, proposal, agencies) = run(&state.pool, move |conn| {
        let team = team_members::show(conn, &p, &id, years)?;
        let round_name = rounds::show(conn, &p, &crate::domain::ids::RoundId::from_stored(team.round_id.clone()))?.name;
        let unit = team
            .units
            .iter()
            .find(|u| Some(&u.inspected_unit_id) == wanted.as_ref())
            .or(team.units.first())
            .map(|u| InspectedUnitId::from_stored(u.inspected_unit_id.clone()));
        let proposal = match (&team.members, unit) {
            (Some(_), Some(u)) => Some(team_proposal::proposal(conn, &p, &u, position, 20, years)?),
            _ => None,
        };
        let ids: Vec<&String> = team
            .members
            .iter()
            .flatten()
            .map(|m| &m.recommending_agency_id)
            .chain(proposal.iter().flat_map(|p| p.candidates.iter().map(|c| &c.recommending_agency_id)))
            .collect();
        let agencies = service::agencies::names_of(conn, ids)?;
        Ok((team, round_name, proposal, agencies))
    })
    .await?;
    let may_change = team.members.is_some() && crate::policy::require_content_writer(&s.0.principal).is_ok();
    let page = TeamPage {
        nav: Nav::of(&s.0, "rounds"),
        unit: proposal.as_ref().map(|p| p.inspected_unit_id.clone()).unwrap_or_default(),
        position: position.as_str(),
        positions: positions(),
        team,
        round_name,
        agencies,
        proposal,
        may_change,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

/// The team's page.
#[get("/teams/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    params: web::Query<TeamParams>,
) -> Result<HttpResponse, WebError> {
    render(&state, &s, team_id(&id)?, params.into_inner(), Redo::default()).await
}

/// 选派: puts a person on the team (the office); a person who must avoid a unit of the team is
/// refused in place, with the reasons.
#[post("/teams/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = team_id(&id)?;
    let params = TeamParams { unit: Some(f.get("unit").to_string()), position: Some(f.get("position").to_string()) };
    let talent = TalentId::parse(f.get("talent_id")).ok_or(WebError::BadForm)?;
    let position = TeamPosition::parse(f.get("position")).ok_or(WebError::BadForm)?;
    let (p, tid, years) = (s.0.principal.clone(), id.clone(), state.settings.inspection_avoidance_years);
    let r = run(&state.pool, move |conn| team_members::add_member(conn, &p, &tid, &talent, position, years)).await;
    match form_result(r)? {
        Ok(_) => Ok(see_other(&back_to(&id, &f))),
        Err((_, errors)) => render(&state, &s, id, params, Redo::of("member", f, errors)).await,
    }
}

/// Takes a person off the team (the office).
#[post("/teams/{id}/members/{talent_id}/remove")]
pub async fn remove_member(
    state: web::Data<AppState>,
    s: SignedIn,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let (id, talent) = path.into_inner();
    let (id, talent) = (team_id(&id)?, TalentId::parse(&talent).ok_or(WebError::NotFound)?);
    let (p, tid) = (s.0.principal.clone(), id.clone());
    run(&state.pool, move |conn| team_members::remove_member(conn, &p, &tid, &talent)).await?;
    Ok(see_other(&back_to(&id, &f)))
}
