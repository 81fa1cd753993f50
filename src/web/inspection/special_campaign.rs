//! One special campaign (专项整治): its facts, the problems and common problems it addresses (a
//! title only where the unit reads the record itself; whether rectified always) and its
//! progress; for its running unit, the member units it is shared with and the form to link
//! more. Not found for an agency it was not shared with.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::CampaignId;
use crate::error::AppError;
use crate::policy::common_problems::require_campaign_owner;
use crate::service::inspection::campaigns::{self, CampaignView};
use crate::service::{self};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{page_with, see_other, Nav, WebError};

use super::common_problems::percent;
use super::period;
use super::special_campaigns::{link_choices, links_of, LinkChoices};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(link);
}

#[derive(Template)]
#[template(path = "inspection/special_campaign.html", config = "src/web/askama.toml")]
struct CampaignPage {
    nav: Nav,
    c: CampaignView,
    period: String,
    rate: String,
    /// The member units it is shared with: its running unit only.
    shared: Option<Vec<String>>,
    /// The form to link more (its running unit's writer): what is not linked yet.
    form: Option<LinkChoices>,
    redo: Redo,
}

fn campaign_id(id: &str) -> Result<CampaignId, WebError> {
    CampaignId::parse(id).ok_or(WebError::NotFound)
}

async fn render(state: &AppState, s: &SignedIn, id: CampaignId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (c, names, form) = run(&state.pool, move |conn| {
        let c = campaigns::show(conn, &p, &id)?;
        let names = service::agencies::names_of(conn, c.shared_with_agency_ids.iter().flatten())?;
        let form = if require_campaign_owner(&p, &c.owner_agency_id).is_ok() {
            let mut choices = link_choices(conn, &p)?;
            choices.problems.retain(|f| !c.problems.iter().any(|l| l.finding_id == f.finding_id));
            choices.common.retain(|(cid, _)| !c.common_problems.iter().any(|l| &l.common_problem_id == cid));
            Some(choices)
        } else {
            None
        };
        Ok((c, names, form))
    })
    .await?;
    let page = CampaignPage {
        nav: Nav::of(&s.0, "rounds"),
        period: period(&c.period_start, &c.period_end),
        rate: percent(c.progress.rectification_rate),
        shared: c
            .shared_with_agency_ids
            .as_ref()
            .map(|ids| ids.iter().map(|a| names.get(a).cloned().unwrap_or_default()).collect()),
        form,
        c,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

/// 专项整治: one campaign.
#[get("/campaigns/{id}")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render(&state, &s, campaign_id(&id)?, Redo::default()).await
}

/// 关联问题: links the problems and common problems ticked (its running unit).
#[post("/campaigns/{id}/links")]
pub async fn link(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = campaign_id(&id)?;
    let mut errs = Vec::new();
    let wanted = links_of(&f, &mut errs);
    let (p, cid) = (s.0.principal.clone(), id.clone());
    let done = run(&state.pool, move |conn| {
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        if wanted.finding_ids.is_empty() && wanted.common_problem_ids.is_empty() {
            // Who may see and change the campaign first (404, 403), then the form's error.
            let c = campaigns::show(conn, &p, &cid)?;
            require_campaign_owner(&p, &c.owner_agency_id)?;
            return Err(AppError::validation("finding_ids", "请至少选择一个问题或共性问题"));
        }
        campaigns::add_links(conn, &p, &cid, &wanted)
    })
    .await;
    match form_result(done)? {
        Ok(_) => Ok(see_other(&format!("/campaigns/{id}"))),
        Err((_, errors)) => render(&state, &s, id, Redo::of("links", f, errors)).await,
    }
}
