//! 专项整治 in the web client: the campaigns the unit runs or is shared (`/campaigns`) with their
//! ledger, and the form to set one up (`/campaigns/new`: a member unit's writer), linked to the
//! problems and common problems the unit reads and shared with the member units it ticks. One
//! campaign is `special_campaign`. The same service calls as `/api/v1/campaigns…`.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::db::DbConnection;
use crate::domain::ids::{parse_list, AgencyId};
use crate::domain::inspection::campaigns::CampaignDraft;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::common_problems::require_campaign_creator;
use crate::policy::Principal;
use crate::service::inspection::campaigns::{self, CampaignView, Links};
use crate::service::inspection::{after_round, agency_kind, choices, common_problems, rounds};
use crate::service::ledger_export::ExportFormat;
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{page, page_with, see_other, Nav, WebError};

use super::common_problems::{percent, round_problems, ProblemChoice};
use super::period;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // `/campaigns/new` and the exports before `/campaigns/{id}`.
    cfg.service(list).service(new_form).service(create).service(export_csv).service(export_xlsx);
}

/// Rounds whose problems a form offers (the newest the unit sees).
const ROUNDS_OFFERED: i64 = 10;

/// What a campaign may be linked to: the problems and common problems the unit reads.
pub struct LinkChoices {
    pub problems: Vec<ProblemChoice>,
    /// (common problem id, title).
    pub common: Vec<(String, String)>,
}

/// The problems of the newest rounds the unit sees and the common problems it reads.
pub fn link_choices(conn: &mut DbConnection, p: &Principal) -> AppResult<LinkChoices> {
    let mut problems = Vec::new();
    for r in rounds::page(conn, p, &page::window(None, Some(ROUNDS_OFFERED))?, None)?.items {
        for mut c in round_problems(conn, p, &r)? {
            c.label = format!("{} · {}", r.name, c.label);
            problems.push(c);
        }
    }
    let common = common_problems::page(conn, p, &page::window(None, Some(page::MAX_LIMIT))?, None)?
        .items
        .into_iter()
        .map(|c| (c.id, c.record.title))
        .collect();
    Ok(LinkChoices { problems, common })
}

/// The links ticked on a form.
pub fn links_of(f: &Fields, errs: &mut Vec<FieldError>) -> Links {
    Links {
        finding_ids: parse_list("finding_ids", &f.all("finding_ids"), errs),
        common_problem_ids: parse_list("common_problem_ids", &f.all("common_problem_ids"), errs),
    }
}

/// May the unit set up campaigns (a member unit's writer)?
fn may_create(conn: &mut DbConnection, p: &Principal) -> AppResult<bool> {
    let kind = agency_kind(conn, &p.agency_id)?.map(|(k, _)| k).unwrap_or_default();
    Ok(require_campaign_creator(p, &kind).is_ok())
}

/// A campaign as a line of the list.
pub struct CampaignLine {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub period: String,
    pub problems: usize,
    pub rectified: usize,
    pub rate: String,
    pub common: usize,
}

fn line(c: CampaignView) -> CampaignLine {
    CampaignLine {
        owner: c.owner_agency_name,
        period: period(&c.period_start, &c.period_end),
        problems: c.progress.linked_problems,
        rectified: c.progress.rectified,
        rate: percent(c.progress.rectification_rate),
        common: c.common_problems.len(),
        id: c.id,
        name: c.name,
    }
}

#[derive(Template)]
#[template(path = "inspection/special_campaigns.html", config = "src/web/askama.toml")]
struct ListPage {
    nav: Nav,
    items: Vec<CampaignLine>,
    next: Option<String>,
    may_create: bool,
}

#[derive(Deserialize)]
pub struct ListParams {
    cursor: Option<String>,
}

/// 专项整治: the campaigns the unit runs or is shared, newest first.
#[get("/campaigns")]
pub async fn list(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let w = page::window(params.cursor.as_deref(), Some(20))?;
    let p = s.principal.clone();
    let (got, may_create) =
        run(&state.pool, move |conn| Ok((campaigns::page(conn, &p, &w)?, may_create(conn, &p)?))).await?;
    page(&ListPage {
        nav: Nav::of(&s, "rounds"),
        items: got.items.into_iter().map(line).collect(),
        next: got.next_cursor.map(|c| format!("/campaigns?cursor={c}")),
        may_create,
    })
}

#[derive(Template)]
#[template(path = "inspection/special_campaign_new.html", config = "src/web/askama.toml")]
struct NewPage {
    nav: Nav,
    members: Vec<(String, String)>,
    links: LinkChoices,
    redo: Redo,
}

async fn new_page(state: &AppState, s: &SignedIn, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (members, links) = run(&state.pool, move |conn| {
        let kind = agency_kind(conn, &p.agency_id)?.map(|(k, _)| k).unwrap_or_default();
        require_campaign_creator(&p, &kind)?;
        Ok((choices::members(conn, &p)?, link_choices(conn, &p)?))
    })
    .await?;
    page_with(
        redo.status(StatusCode::UNPROCESSABLE_ENTITY),
        &NewPage { nav: Nav::of(&s.0, "rounds"), members, links, redo },
    )
}

/// 新建专项整治: the form.
#[get("/campaigns/new")]
pub async fn new_form(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, WebError> {
    new_page(&state, &s, Redo::default()).await
}

#[post("/campaigns/new")]
pub async fn create(state: web::Data<AppState>, s: SignedIn, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let mut errs = Vec::new();
    let wanted = links_of(&f, &mut errs);
    let shared: Vec<AgencyId> = parse_list("shared_with_agency_ids", &f.all("shared_with_agency_ids"), &mut errs);
    let draft = CampaignDraft::parse(f.get("name"), f.get("description"), f.get("period_start"), f.get("period_end"));
    let p = s.0.principal.clone();
    let done = run(&state.pool, move |conn| match draft {
        Ok(d) if errs.is_empty() => campaigns::create(conn, &p, &d, &shared, &wanted),
        Ok(_) => Err(AppError::Validation(errs)),
        Err(mut e) => {
            e.extend(errs);
            Err(AppError::Validation(e))
        }
    })
    .await;
    match form_result(done)? {
        Ok(c) => Ok(see_other(&format!("/campaigns/{}", c.id))),
        Err((_, errors)) => new_page(&state, &s, Redo::of("campaign", f, errors)).await,
    }
}

async fn export(state: web::Data<AppState>, s: SignedIn, format: ExportFormat) -> Result<HttpResponse, WebError> {
    let p = s.0.principal;
    let max = state.settings.ledger_export_max_rows.max(1);
    let bytes = run(&state.pool, move |conn| after_round::export_campaigns(conn, &p, max, format)).await?;
    Ok(crate::api::export::attachment(format, "专项整治台账", bytes))
}

#[get("/campaigns/export.csv")]
pub async fn export_csv(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, WebError> {
    export(state, s, ExportFormat::Csv).await
}

#[get("/campaigns/export.xlsx")]
pub async fn export_xlsx(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, WebError> {
    export(state, s, ExportFormat::Xlsx).await
}
