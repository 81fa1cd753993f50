//! One inspected unit: its round and team; for the round's office and participants the
//! findings their unit may read (as distributed) and, for the office, the forms to record a
//! finding and to set the unit's team and account; for the unit's own account its own entry.
//! The later parts of the lifecycle (feedback, plan, ledger …) add their sections here.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::InspectedUnitId;
use crate::domain::inspection::FindingKind;
use crate::domain::record::{Distribution, DistributionLevel, RecordContent, Sensitivity};
use crate::error::AppError;
use crate::policy::inspection::UnitAccess;
use crate::service::inspection::{choices, findings, overview, rounds};
use crate::service::{self};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(record_finding).service(settings);
}

/// A finding as a line of the unit's list.
pub struct FindingLine {
    pub record_id: String,
    pub kind: &'static str,
    pub title: String,
    pub category: String,
    pub withheld: bool,
    pub found: String,
}

#[derive(Template)]
#[template(path = "inspection/unit.html", config = "src/web/askama.toml")]
struct UnitPage {
    nav: Nav,
    id: String,
    name: String,
    round_id: String,
    round_name: String,
    stage: &'static str,
    team: String,
    account: String,
    own_unit: bool,
    findings: Vec<FindingLine>,
    may_record: bool,
    runs_round: bool,
    categories: Vec<String>,
    /// (id, name) of the round's participants, to whom a finding may go.
    participants: Vec<(String, String)>,
    teams: Vec<(String, String)>,
    /// (id, name) of the inspected-unit accounts the unit may be linked to.
    accounts: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    redo: Redo,
}

fn unit_id(id: &str) -> Result<InspectedUnitId, WebError> {
    InspectedUnitId::parse(id).ok_or(WebError::NotFound)
}

async fn render(state: &AppState, s: &SignedIn, id: InspectedUnitId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (o, names, categories, accounts) = run(&state.pool, move |conn| {
        let o = overview::unit(conn, &p, &id, None)?;
        let names = service::agencies::names_of(conn, o.participants.iter().chain(&o.unit.account_agency_id))?;
        let (categories, accounts) = if o.runs_round {
            (service::ops::categories(conn)?, choices::for_round(conn, &p, &o.round_id)?.accounts)
        } else {
            (vec![], vec![])
        };
        Ok((o, names, categories, accounts))
    })
    .await?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    let team =
        o.teams.iter().find(|t| Some(&t.id) == o.unit.team_id.as_ref()).map(|t| t.name.clone()).unwrap_or_default();
    let page = UnitPage {
        nav: Nav::of(&s.0, if o.access == UnitAccess::OwnUnit { "rectification" } else { "rounds" }),
        id: o.unit.id.clone(),
        name: o.unit.object_name.clone(),
        round_id: o.round_id.clone(),
        round_name: o.round_name.clone(),
        stage: o.stage.label(),
        team,
        account: o.unit.account_agency_id.as_deref().map(name).unwrap_or_default(),
        own_unit: o.access == UnitAccess::OwnUnit,
        may_record: o.may_record_findings(),
        runs_round: o.runs_round,
        findings: o
            .findings
            .iter()
            .map(|f| FindingLine {
                record_id: f.record_id.clone(),
                kind: f.kind.label(),
                title: f.record.title.clone(),
                category: f.record.category.clone().unwrap_or_default(),
                withheld: f.record.content_withheld,
                found: chinese_date(&f.created_at),
            })
            .collect(),
        categories: categories.into_iter().map(|c| c.name).collect(),
        participants: o.participants.iter().map(|a| (a.clone(), name(a))).collect(),
        teams: o.teams.iter().map(|t| (t.id.clone(), t.name.clone())).collect(),
        accounts,
        kinds: FindingKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

#[get("/inspected-units/{id}")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render(&state, &s, unit_id(&id)?, Redo::default()).await
}

/// 登记巡察发现: a problem or a clue, shared with the participants the office ticks.
#[post("/inspected-units/{id}/findings")]
pub async fn record_finding(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = unit_id(&id)?;
    let kind = FindingKind::parse(f.get("kind")).unwrap_or(FindingKind::Problem);
    let to = f.all("agency_ids");
    let content = RecordContent {
        kind: findings::record_kind(kind),
        title: f.get("title").to_string(),
        body: f.get("body").to_string(),
        category: Some(f.get("category").to_string()).filter(|c| !c.trim().is_empty()),
        object_ids: vec![],
        tags: vec![],
        attributes: Default::default(),
        distribution: if to.is_empty() {
            Distribution::own()
        } else {
            Distribution { level: DistributionLevel::Agencies, agencies: to, group: None }
        },
        sensitivity: Sensitivity::parse(f.get("sensitivity")).unwrap_or(Sensitivity::General),
        protected: Default::default(),
        field_grants: vec![],
        external_id: None,
    };
    let (p, uid) = (s.0.principal.clone(), id.clone());
    match form_result(run(&state.pool, move |conn| findings::record(conn, &p, &uid, kind, content)).await)? {
        Ok(_) => Ok(see_other(&format!("/inspected-units/{id}"))),
        Err((_, errors)) => render(&state, &s, id, Redo::of("finding", f, errors)).await,
    }
}

/// Sets the unit's team and account (the office).
#[post("/inspected-units/{id}/settings")]
pub async fn settings(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = unit_id(&id)?;
    let settings = crate::api::rounds::unit_settings(
        Some(f.get("team_id")).filter(|v| !v.is_empty()),
        Some(f.get("account_agency_id")).filter(|v| !v.is_empty()),
    );
    let (p, uid) = (s.0.principal.clone(), id.clone());
    let r = run(&state.pool, move |conn| rounds::update_unit(conn, &p, &uid, &settings?)).await;
    match form_result(r.map_err(|e: AppError| e))? {
        Ok(_) => Ok(see_other(&format!("/inspected-units/{id}"))),
        Err((_, errors)) => render(&state, &s, id, Redo::of("settings", f, errors)).await,
    }
}
