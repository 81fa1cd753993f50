//! 共性问题 in the web client: a round's common problems with the counts after the round and
//! their ledger, and the office's form to notify one to member units
//! (`/rounds/{id}/common-problems`); the common problems the unit was notified of across rounds
//! (`/common-problems`) and one of them (`/common-problems/{id}`, `common_problem`). The same
//! service calls as `/api/v1/…common-problems…`; what the unit may not read is not found.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::db::DbConnection;
use crate::domain::ids::{parse_list, AgencyId, FindingId, InspectedUnitId, RoundId};
use crate::domain::inspection::campaigns::after_inspection;
use crate::domain::inspection::FindingKind;
use crate::domain::record::{Distribution, RecordContent, RecordKind, Sensitivity};
use crate::error::{AppError, AppResult};
use crate::policy::Principal;
use crate::service::inspection::after_round::{self, AfterRoundStats};
use crate::service::inspection::common_problems::{self, CommonProblemView};
use crate::service::inspection::{choices, findings, rounds, RoundView};
use crate::service::ledger_export::ExportFormat;
use crate::service::{self};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(round_list).service(publish).service(export_csv).service(export_xlsx).service(list);
}

/// A problem of a round the caller reads, as a choice of a form.
pub struct ProblemChoice {
    pub finding_id: String,
    pub record_id: String,
    /// "unit · title".
    pub label: String,
}

/// The problems (findings of kind problem) of the round's units whose records the caller
/// reads, unit by unit (none of a unit the caller may not list).
pub fn round_problems(conn: &mut DbConnection, p: &Principal, r: &RoundView) -> AppResult<Vec<ProblemChoice>> {
    let mut out = Vec::new();
    for u in &r.units {
        let Some(uid) = InspectedUnitId::parse(&u.id) else { continue };
        match findings::list(conn, p, &uid, Some(FindingKind::Problem), None) {
            Ok(found) => out.extend(found.into_iter().map(|f| ProblemChoice {
                label: format!("{} · {}", u.object_name, f.record.title),
                finding_id: f.id,
                record_id: f.record_id,
            })),
            Err(AppError::NotFound(_) | AppError::Forbidden(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// A common problem as a line of a list.
pub struct ProblemLine {
    pub id: String,
    pub title: String,
    pub category: String,
    /// The member units notified (the office's own notices only), joined.
    pub notified: String,
    pub office: String,
    pub findings: usize,
    pub date: String,
}

fn line(c: &CommonProblemView, names: &HashMap<String, String>, me: &str) -> ProblemLine {
    let name = |id: &String| names.get(id).cloned().unwrap_or_default();
    ProblemLine {
        id: c.id.clone(),
        title: c.record.title.clone(),
        category: c.record.category.clone().unwrap_or_default(),
        notified: if c.record.owner_agency_id == me {
            c.record.distribution.agencies.iter().map(name).collect::<Vec<_>>().join("、")
        } else {
            String::new()
        },
        office: name(&c.record.owner_agency_id),
        findings: c.finding_ids.len(),
        date: chinese_date(&c.created_at),
    }
}

/// The names of the agencies a list shows: the offices and, for their own, the recipients.
fn names(conn: &mut DbConnection, items: &[CommonProblemView]) -> AppResult<HashMap<String, String>> {
    service::agencies::names_of(
        conn,
        items.iter().flat_map(|c| std::iter::once(&c.record.owner_agency_id).chain(&c.record.distribution.agencies)),
    )
}

/// The office's form to notify a common problem: its choices.
pub struct NotifyForm {
    pub members: Vec<(String, String)>,
    pub problems: Vec<ProblemChoice>,
    pub categories: Vec<String>,
}

/// The round a list belongs to, with its counts after the round.
pub struct RoundPart {
    pub id: String,
    pub name: String,
    pub stats: AfterRoundStats,
    pub rate: String,
    /// The office runs the round but it is not yet at its feedback stage.
    pub waiting: bool,
}

#[derive(Template)]
#[template(path = "inspection/common_problems.html", config = "src/web/askama.toml")]
struct ListPage {
    nav: Nav,
    round: Option<RoundPart>,
    items: Vec<ProblemLine>,
    office: bool,
    next: Option<String>,
    form: Option<NotifyForm>,
    redo: Redo,
}

fn round_id(id: &str) -> Result<RoundId, WebError> {
    RoundId::parse(id).ok_or(WebError::NotFound)
}

/// A share 0..1 as people read it.
pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

async fn render_round(state: &AppState, s: &SignedIn, id: RoundId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (r, items, stats, names, office, form) = run(&state.pool, move |conn| {
        let r = rounds::show(conn, &p, &id)?;
        let items = common_problems::list_for_round(conn, &p, &id, None)?;
        let stats = after_round::stats(conn, &p, &id)?;
        let names = names(conn, &items)?;
        let office = crate::policy::inspection::require_round_owner(&p, &r.owner_agency_id).is_ok();
        let form = if office && after_inspection(r.stage) {
            Some(NotifyForm {
                members: choices::members(conn, &p)?,
                problems: round_problems(conn, &p, &r)?,
                categories: service::ops::categories(conn)?.into_iter().map(|c| c.name).collect(),
            })
        } else {
            None
        };
        Ok((r, items, stats, names, office, form))
    })
    .await?;
    let me = s.0.principal.agency_id.clone();
    let page = ListPage {
        nav: Nav::of(&s.0, "rounds"),
        items: items.iter().map(|c| line(c, &names, &me)).collect(),
        round: Some(RoundPart {
            waiting: office && !after_inspection(r.stage),
            rate: percent(stats.rectification_rate),
            stats,
            id: r.id,
            name: r.name,
        }),
        office,
        next: None,
        form,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

/// 共性问题 of a round: the list, the counts, the ledger and — for its office — the form.
#[get("/rounds/{id}/common-problems")]
pub async fn round_list(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    render_round(&state, &s, round_id(&id)?, Redo::default()).await
}

/// 通报共性问题: a notice to the member units ticked, linked to the round's problems ticked.
#[post("/rounds/{id}/common-problems")]
pub async fn publish(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = round_id(&id)?;
    let mut errs = Vec::new();
    let agencies: Vec<AgencyId> = parse_list("agency_ids", &f.all("agency_ids"), &mut errs);
    let found: Vec<FindingId> = parse_list("finding_ids", &f.all("finding_ids"), &mut errs);
    let content = RecordContent {
        kind: RecordKind::Notice,
        title: f.get("title").to_string(),
        body: f.get("body").to_string(),
        category: Some(f.get("category").to_string()).filter(|c| !c.trim().is_empty()),
        object_ids: vec![],
        tags: vec![],
        attributes: Default::default(),
        distribution: Distribution::own(),
        sensitivity: Sensitivity::parse(f.get("sensitivity")).unwrap_or(Sensitivity::General),
        protected: BTreeMap::new(),
        field_grants: vec![],
        external_id: None,
    };
    let (p, rid) = (s.0.principal.clone(), id.clone());
    let done = run(&state.pool, move |conn| {
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        common_problems::publish(conn, &p, &rid, content, &agencies, &found)
    })
    .await;
    match form_result(done)? {
        Ok(v) => Ok(see_other(&format!("/common-problems/{}", v.id))),
        Err((_, errors)) => render_round(&state, &s, id, Redo::of("notify", f, errors)).await,
    }
}

async fn export(state: &AppState, s: SignedIn, id: &str, format: ExportFormat) -> Result<HttpResponse, WebError> {
    let (p, rid) = (s.0.principal, round_id(id)?);
    let bytes = run(&state.pool, move |conn| after_round::export_common_problems(conn, &p, &rid, format)).await?;
    Ok(crate::api::export::attachment(format, "共性问题台账", bytes))
}

#[get("/rounds/{id}/common-problems/export.csv")]
pub async fn export_csv(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    export(&state, s, &id, ExportFormat::Csv).await
}

#[get("/rounds/{id}/common-problems/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    export(&state, s, &id, ExportFormat::Xlsx).await
}

#[derive(Deserialize)]
pub struct ListParams {
    cursor: Option<String>,
}

/// 共性问题: those the unit was notified of (or notified itself), across rounds, newest first.
#[get("/common-problems")]
pub async fn list(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let w = page::window(params.cursor.as_deref(), Some(20))?;
    let p = s.principal.clone();
    let (got, names) = run(&state.pool, move |conn| {
        let got = common_problems::page(conn, &p, &w, None)?;
        let names = names(conn, &got.items)?;
        Ok((got, names))
    })
    .await?;
    let me = s.principal.agency_id.clone();
    let page = ListPage {
        nav: Nav::of(&s, "rounds"),
        round: None,
        items: got.items.iter().map(|c| line(c, &names, &me)).collect(),
        office: false,
        next: got.next_cursor.map(|c| format!("/common-problems?cursor={c}")),
        form: None,
        redo: Redo::default(),
    };
    page_with(StatusCode::OK, &page)
}
