//! 巡察 — the inspection lifecycle in the web client: the rounds the unit runs or takes part in
//! (`/rounds`), creating one (the inspection office), one round with its stages, teams and
//! inspected units (`round`), one inspected unit with its findings (`unit`), and the inspected
//! unit's own account's start page (`/rectification`); the talent pool (`/talents`: `talents`,
//! `talent`) and a team's composition from it (`team`). The same service calls as
//! `/api/v1/rounds…`; a round the unit may not see is the not-found page.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::domain::ids::AgencyId;
use crate::domain::inspection::{RoundDraft, RoundKind, RoundStage};
use crate::service::inspection::{choices, rounds, stats, RoundView};
use crate::service::ledger_export::ExportFormat;
use crate::web::form::{form_result, split_list, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::stats::figures::Figure;
use crate::web::{chinese_date, page, page_with, see_other, Nav, WebError};

mod channels;
mod common_problem;
mod common_problems;
mod direct_supervision;
mod evaluation;
mod figures;
mod ledger;
mod linkage;
mod public_report;
mod rectification;
mod request;
mod requests;
mod round;
mod scoring;
mod self_check;
mod self_checks;
mod special_campaign;
mod special_campaigns;
mod talent;
mod talents;
mod team;
mod unit;
mod unit_evaluations;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // `/rounds/new` and the exports before `/rounds/{id}`.
    cfg.service(new_form)
        .service(create)
        .service(list)
        .service(mine)
        .service(export_csv)
        .service(export_xlsx)
        .configure(direct_supervision::routes)
        .configure(evaluation::routes)
        .service(unit_evaluations::unit_results)
        .configure(scoring::routes)
        .configure(round::routes)
        .configure(unit::routes)
        .configure(rectification::routes)
        .configure(ledger::routes)
        .configure(linkage::routes)
        // `/talents/new` and the roster's exports before `/talents/{id}`.
        .configure(talents::routes)
        .configure(talent::routes)
        .configure(team::routes)
        // 码上巡察: `/inspected-units/{id}/report-channels/new` is not shadowed by the unit's
        // own routes (they end in other words).
        .configure(channels::routes)
        .configure(public_report::routes);
    // `/info-requests/new` before `/info-requests/{id}`.
    cfg.configure(requests::routes).configure(request::routes);
    // After a round: 共性问题, 未巡先改 and 专项整治 (`/campaigns/new` and the exports before
    // `/campaigns/{id}`).
    cfg.configure(common_problems::routes)
        .configure(common_problem::routes)
        .configure(self_checks::routes)
        .configure(self_check::routes)
        .configure(special_campaigns::routes)
        .configure(special_campaign::routes);
}

/// A round as a line of the list.
pub struct RoundLine {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub stage: &'static str,
    pub period: String,
    pub units: usize,
    pub teams: usize,
    pub own: bool,
}

/// A period as people write it.
pub fn period(from: &str, to: &str) -> String {
    format!("{} 至 {}", chinese_date(from), chinese_date(to))
}

fn line(r: RoundView, me: &str) -> RoundLine {
    RoundLine {
        kind: r.kind.label(),
        stage: r.stage.label(),
        period: period(&r.period_start, &r.period_end),
        units: r.units.len(),
        teams: r.teams.len(),
        own: r.owner_agency_id == me,
        id: r.id,
        name: r.name,
    }
}

#[derive(Template)]
#[template(path = "inspection/rounds.html", config = "src/web/askama.toml")]
struct ListPage {
    nav: Nav,
    stage: String,
    stages: Vec<(&'static str, &'static str)>,
    items: Vec<RoundLine>,
    next: Option<String>,
    may_create: bool,
    /// The newest rounds' figures (chart and table), when there are rounds.
    across: Option<Figure>,
}

#[derive(Deserialize)]
pub struct ListParams {
    stage: Option<String>,
    cursor: Option<String>,
}

fn stages() -> Vec<(&'static str, &'static str)> {
    RoundStage::ALL.iter().map(|s| (s.as_str(), s.label())).collect()
}

#[get("/rounds")]
pub async fn list(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    crate::policy::require_content_reader(&s.principal)?;
    let ListParams { stage, cursor } = params.into_inner();
    let stage = stage.as_deref().and_then(RoundStage::parse);
    let w = page::window(cursor.as_deref(), Some(20))?;
    let p = s.principal.clone();
    let (got, may_create, across) = run(&state.pool, move |conn| {
        let across = stats::across(conn, &p, &page::window(None, Some(12))?)?;
        Ok((rounds::page(conn, &p, &w, stage)?, choices::may_run_rounds(conn, &p)?, across))
    })
    .await?;
    let next = got.next_cursor.map(|c| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(v) = stage {
            q.append_pair("stage", v.as_str());
        }
        q.append_pair("cursor", &c);
        format!("/rounds?{}", q.finish())
    });
    let me = s.principal.agency_id.clone();
    page(&ListPage {
        nav: Nav::of(&s, "rounds"),
        stage: stage.map(|s| s.as_str().to_string()).unwrap_or_default(),
        stages: stages(),
        items: got.items.into_iter().map(|r| line(r, &me)).collect(),
        next,
        may_create,
        across: (!across.is_empty()).then(|| figures::across(&across)),
    })
}

#[derive(Template)]
#[template(path = "inspection/round_new.html", config = "src/web/askama.toml")]
struct NewPage {
    nav: Nav,
    kinds: Vec<(&'static str, &'static str)>,
    members: Vec<(String, String)>,
    redo: Redo,
}

async fn new_page(state: &AppState, s: &SignedIn, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let members = run(&state.pool, move |conn| {
        if !choices::may_run_rounds(conn, &p)? {
            return Err(crate::error::AppError::Forbidden("巡察轮次由巡察机构(巡察办)建立和管理".into()));
        }
        choices::members(conn, &p)
    })
    .await?;
    let kinds = RoundKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect();
    page_with(
        redo.status(StatusCode::UNPROCESSABLE_ENTITY),
        &NewPage { nav: Nav::of(&s.0, "rounds"), kinds, members, redo },
    )
}

/// 新建巡察轮次: the form (an inspection office's liaison or admin).
#[get("/rounds/new")]
pub async fn new_form(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, WebError> {
    new_page(&state, &s, Redo::default()).await
}

#[post("/rounds/new")]
pub async fn create(state: web::Data<AppState>, s: SignedIn, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let kind = RoundKind::parse(f.get("kind")).unwrap_or(RoundKind::Regular);
    let number: i64 = f.get("number").trim().parse().unwrap_or(0);
    let focus = split_list(f.get("focus"));
    let mut errs = Vec::new();
    let parts: Vec<AgencyId> =
        crate::domain::ids::parse_list("participant_agency_ids", &f.all("participant_agency_ids"), &mut errs);
    let draft = RoundDraft::parse(f.get("name"), number, kind, f.get("period_start"), f.get("period_end"), &focus);
    let draft = match draft {
        Ok(d) if errs.is_empty() => d,
        Ok(_) => return new_page(&state, &s, Redo::of("round", f, errs.into())).await,
        Err(mut e) => {
            e.extend(errs);
            return new_page(&state, &s, Redo::of("round", f, e.into())).await;
        }
    };
    let p = s.0.principal.clone();
    match form_result(run(&state.pool, move |conn| rounds::create(conn, &p, &draft, &parts)).await)? {
        Ok(r) => Ok(see_other(&format!("/rounds/{}", r.id))),
        Err((_, errors)) => new_page(&state, &s, Redo::of("round", f, errors)).await,
    }
}

/// One of the account's own units as a line.
pub struct OwnUnitLine {
    pub id: String,
    pub name: String,
    pub round: String,
}

#[derive(Template)]
#[template(path = "inspection/mine.html", config = "src/web/askama.toml")]
struct MinePage {
    nav: Nav,
    units: Vec<OwnUnitLine>,
}

/// 本单位整改: where an inspected unit's account starts — its own units in each round.
#[get("/rectification")]
pub async fn mine(state: web::Data<AppState>, SignedIn(s): SignedIn) -> Result<HttpResponse, WebError> {
    let p = s.principal.clone();
    let own = run(&state.pool, move |conn| choices::own_units(conn, &p)).await?;
    let units = own.into_iter().map(|(u, round)| OwnUnitLine { id: u.id, name: u.object_name, round }).collect();
    page(&MinePage { nav: Nav::of(&s, "rectification"), units })
}

async fn export(state: web::Data<AppState>, s: SignedIn, format: ExportFormat) -> Result<HttpResponse, WebError> {
    let p = s.0.principal;
    let bytes = run(&state.pool, move |conn| {
        let items = stats::across(conn, &p, &page::window(None, Some(page::MAX_LIMIT))?)?;
        Ok(format.write(&stats::across_table(&items), "巡察情况统计")?)
    })
    .await?;
    Ok(crate::api::export::attachment(format, "巡察情况统计表", bytes))
}

/// 巡察情况统计表 as CSV (the same figures as `GET /api/v1/rounds/stats/export`).
#[get("/rounds/export.csv")]
pub async fn export_csv(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, WebError> {
    export(state, s, ExportFormat::Csv).await
}

#[get("/rounds/export.xlsx")]
pub async fn export_xlsx(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, WebError> {
    export(state, s, ExportFormat::Xlsx).await
}
