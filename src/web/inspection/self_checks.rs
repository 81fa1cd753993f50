//! 未巡先改 in the web client: a round's self-check requirements with their states, the ledger
//! and the office's form to require one of a unit it did not inspect
//! (`/rounds/{id}/self-checks`), and the requirements the caller sees across rounds
//! (`/self-checks`: the office's own, or — for an inspected unit's account — those naming it).
//! One requirement and its report form are `self_check`. The same service calls as
//! `/api/v1/…self-checks…`.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::domain::ids::{parse_opt, AgencyId, ObjectId, RoundId};
use crate::domain::inspection::campaigns::{after_inspection, SelfCheckDraft, SelfCheckState};
use crate::domain::Role;
use crate::error::AppError;
use crate::service::inspection::choices::{self, RoundChoices};
use crate::service::inspection::self_checks::{self, SelfCheckView};
use crate::service::inspection::{after_round, rounds};
use crate::service::ledger_export::ExportFormat;
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(round_list).service(require).service(export_csv).service(export_xlsx).service(list);
}

/// A requirement as a line of a list.
pub struct CheckLine {
    pub id: String,
    pub unit: String,
    pub deadline: String,
    pub state: &'static str,
    pub reported: bool,
    pub overdue: bool,
    pub reported_at: String,
}

pub fn line(c: SelfCheckView) -> CheckLine {
    CheckLine {
        deadline: chinese_date(&c.deadline),
        state: c.state.label(),
        reported: c.state == SelfCheckState::Reported,
        overdue: c.overdue,
        reported_at: c.reported_at.as_deref().map(chinese_date).unwrap_or_default(),
        id: c.id,
        unit: c.object_name,
    }
}

#[derive(Template)]
#[template(path = "inspection/self_checks.html", config = "src/web/askama.toml")]
struct ListPage {
    nav: Nav,
    /// The round when the list is one round's: (id, name).
    round: Option<(String, String)>,
    /// The office runs the round but it is not yet at its feedback stage.
    waiting: bool,
    state: String,
    states: Vec<(&'static str, &'static str)>,
    items: Vec<CheckLine>,
    next: Option<String>,
    /// The office's form: units not inspected in the round and the accounts.
    form: Option<RoundChoices>,
    deadline_min: String,
    redo: Redo,
}

fn round_id(id: &str) -> Result<RoundId, WebError> {
    RoundId::parse(id).ok_or(WebError::NotFound)
}

fn states() -> Vec<(&'static str, &'static str)> {
    SelfCheckState::ALL.iter().map(|s| (s.as_str(), s.label())).collect()
}

async fn render_round(state: &AppState, s: &SignedIn, id: RoundId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (r, items, office, form) = run(&state.pool, move |conn| {
        let r = rounds::show(conn, &p, &id)?;
        let items = self_checks::list_for_round(conn, &p, &id)?;
        let office = crate::policy::inspection::require_round_owner(&p, &r.owner_agency_id).is_ok();
        let form = if office && after_inspection(r.stage) { Some(choices::for_round(conn, &p, &r.id)?) } else { None };
        Ok((r, items, office, form))
    })
    .await?;
    let page = ListPage {
        nav: Nav::of(&s.0, "rounds"),
        waiting: office && !after_inspection(r.stage),
        round: Some((r.id, r.name)),
        state: String::new(),
        states: vec![],
        items: items.into_iter().map(line).collect(),
        next: None,
        form,
        deadline_min: crate::domain::clock::today(),
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

/// 未巡先改 of a round: the requirements (its office's), the ledger and the office's form.
#[get("/rounds/{id}/self-checks")]
pub async fn round_list(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    render_round(&state, &s, round_id(&id)?, Redo::default()).await
}

/// 部署未巡先改: requires a unit not inspected in the round to check itself by a deadline.
#[post("/rounds/{id}/self-checks")]
pub async fn require(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = round_id(&id)?;
    let mut errs = Vec::new();
    let object = ObjectId::parse(f.get("object_id"));
    if object.is_none() {
        errs.push(crate::error::FieldError::new("object_id", "请选择要求自查的单位"));
    }
    let account: Option<AgencyId> =
        parse_opt("account_agency_id", Some(f.get("account_agency_id")).filter(|v| !v.is_empty()), &mut errs);
    let draft = SelfCheckDraft::parse(f.get("requirement"), f.get("deadline"), &crate::domain::clock::today());
    let (p, rid) = (s.0.principal.clone(), id.clone());
    let done = run(&state.pool, move |conn| match (draft, object) {
        (Ok(d), Some(o)) if errs.is_empty() => self_checks::require(conn, &p, &rid, &o, account.as_ref(), &d),
        (Ok(_), _) => Err(AppError::Validation(errs)),
        (Err(mut e), _) => {
            e.extend(errs);
            Err(AppError::Validation(e))
        }
    })
    .await;
    match form_result(done)? {
        Ok(_) => Ok(see_other(&format!("/rounds/{id}/self-checks"))),
        Err((_, errors)) => render_round(&state, &s, id, Redo::of("require", f, errors)).await,
    }
}

async fn export(state: &AppState, s: SignedIn, id: &str, format: ExportFormat) -> Result<HttpResponse, WebError> {
    let (p, rid) = (s.0.principal, round_id(id)?);
    let bytes = run(&state.pool, move |conn| after_round::export_self_checks(conn, &p, &rid, format)).await?;
    Ok(crate::api::export::attachment(format, "未巡先改台账", bytes))
}

#[get("/rounds/{id}/self-checks/export.csv")]
pub async fn export_csv(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    export(&state, s, &id, ExportFormat::Csv).await
}

#[get("/rounds/{id}/self-checks/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    export(&state, s, &id, ExportFormat::Xlsx).await
}

#[derive(Deserialize)]
pub struct ListParams {
    state: Option<String>,
    cursor: Option<String>,
}

/// 未巡先改: the requirements the caller sees, newest first (an inspected unit's account: those
/// naming it).
#[get("/self-checks")]
pub async fn list(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    let ListParams { state: wanted, cursor } = params.into_inner();
    let wanted = wanted.as_deref().and_then(SelfCheckState::parse);
    let w = page::window(cursor.as_deref(), Some(20))?;
    let p = s.principal.clone();
    let got = run(&state.pool, move |conn| self_checks::page(conn, &p, &w, wanted)).await?;
    let next = got.next_cursor.map(|c| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(v) = wanted {
            q.append_pair("state", v.as_str());
        }
        q.append_pair("cursor", &c);
        format!("/self-checks?{}", q.finish())
    });
    let page = ListPage {
        nav: Nav::of(&s, if s.principal.has(Role::Inspected) { "rectification" } else { "rounds" }),
        round: None,
        waiting: false,
        state: wanted.map(|s| s.as_str().to_string()).unwrap_or_default(),
        states: states(),
        items: got.items.into_iter().map(line).collect(),
        next,
        form: None,
        deadline_min: String::new(),
        redo: Redo::default(),
    };
    page_with(StatusCode::OK, &page)
}
