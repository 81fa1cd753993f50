//! One common problem (共性问题): the notice as the unit reads it, the office that notified it,
//! the member units notified (the office only), the round (where the unit sees it) and the
//! linked problems the unit reads. Not found where the notice is not the unit's to read.

use actix_web::{get, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::{CommonProblemId, RoundId};
use crate::error::AppError;
use crate::service::inspection::common_problems::{self, CommonProblemView};
use crate::service::inspection::rounds;
use crate::service::{self};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page, Nav, WebError};

use super::common_problems::round_problems;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show);
}

#[derive(Template)]
#[template(path = "inspection/common_problem.html", config = "src/web/askama.toml")]
struct ProblemPage {
    nav: Nav,
    c: CommonProblemView,
    body: String,
    office: String,
    /// The member units notified: the office's own notice only.
    recipients: Option<Vec<String>>,
    /// (id, name) of the round, where the unit sees it.
    round: Option<(String, String)>,
    /// (record id, "unit · title") of the linked problems, where the unit sees the round.
    problems: Vec<(String, String)>,
    date: String,
}

/// 共性问题: one, as the unit reads it.
#[get("/common-problems/{id}")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    let id = CommonProblemId::parse(&id).ok_or(WebError::NotFound)?;
    let p = s.0.principal.clone();
    let (c, names, round, problems) = run(&state.pool, move |conn| {
        let c = common_problems::show(conn, &p, &id, None)?;
        let names = service::agencies::names_of(
            conn,
            std::iter::once(&c.record.owner_agency_id).chain(&c.record.distribution.agencies),
        )?;
        let round = match RoundId::parse(&c.round_id).map(|rid| rounds::show(conn, &p, &rid)) {
            Some(Ok(r)) => Some(r),
            Some(Err(AppError::NotFound(_) | AppError::Forbidden(_))) | None => None,
            Some(Err(e)) => return Err(e),
        };
        let problems = match &round {
            Some(r) => round_problems(conn, &p, r)?
                .into_iter()
                .filter(|f| c.finding_ids.contains(&f.finding_id))
                .map(|f| (f.record_id, f.label))
                .collect(),
            None => vec![],
        };
        Ok((c, names, round.map(|r| (r.id, r.name)), problems))
    })
    .await?;
    let name = |id: &String| names.get(id).cloned().unwrap_or_default();
    let own = c.record.owner_agency_id == s.0.principal.agency_id;
    page(&ProblemPage {
        nav: Nav::of(&s.0, "rounds"),
        body: c.record.body.clone().unwrap_or_default(),
        office: name(&c.record.owner_agency_id),
        recipients: own.then(|| c.record.distribution.agencies.iter().map(name).collect()),
        round,
        problems,
        date: chinese_date(&c.created_at),
        c,
    })
}
