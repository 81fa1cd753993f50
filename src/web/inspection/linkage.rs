//! 巡审联动 in the web client: the linkages an agency runs, audits or sees as a participant
//! (`/audit-linkages`); an inspected unit's linkages with the office's form to link it to an
//! audit project (`/inspected-units/{id}/audit-linkages`); one linkage with the findings both
//! teams exchange, the audit agency's form to publish one and the office's 结束联动
//! (`/audit-linkages/{id}`). The same service calls as `/api/v1/…audit-linkages…`.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::contract::page::Window;
use crate::domain::ids::{AgencyId, AuditLinkageId, InspectedUnitId};
use crate::domain::inspection::linkage::{LinkageDraft, LinkageState};
use crate::domain::record::{Distribution, RecordContent, RecordKind, Sensitivity};
use crate::error::{AppError, FieldError};
use crate::policy::audit_linkage as rules;
use crate::service::inspection::linkage::{self, exchange, LinkageView};
use crate::service::inspection::{choices, rounds};
use crate::service::{self};
use crate::web::form::{form_result, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(of_unit).service(create).service(show).service(publish).service(end);
}

/// A linkage as a line of a list.
pub struct Line {
    pub id: String,
    pub unit: String,
    pub round: String,
    pub audit: String,
    pub project: String,
    pub period: String,
    pub state: &'static str,
    pub active: bool,
}

fn line(l: &LinkageView) -> Line {
    Line {
        id: l.id.clone(),
        unit: l.object_name.clone(),
        round: l.round_name.clone(),
        audit: l.audit_agency_name.clone(),
        project: l.project_name.clone(),
        period: format!("{} 至 {}", chinese_date(&l.start_date), chinese_date(&l.end_date)),
        state: l.state.label(),
        active: l.state == LinkageState::Active,
    }
}

#[derive(Template)]
#[template(path = "inspection/linkages.html", config = "src/web/askama.toml")]
struct ListPage {
    nav: Nav,
    lines: Vec<Line>,
    /// The inspected unit (id, name, round id) when the list is one unit's.
    unit: Option<(String, String, String)>,
    /// The audit agencies the office may link the unit to (the office's form), else `None`.
    audit_agencies: Option<Vec<(String, String)>>,
    redo: Redo,
}

#[get("/audit-linkages")]
pub async fn list(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let w = Window { after: None, limit: 500 };
    let items = run(&state.pool, move |conn| linkage::page(conn, &p, &w, None)).await?.items;
    let page = ListPage {
        nav: Nav::of(&s.0, "rounds"),
        lines: items.iter().map(line).collect(),
        unit: None,
        audit_agencies: None,
        redo: Redo::default(),
    };
    page_with(StatusCode::OK, &page)
}

fn unit_id(id: &str) -> Result<InspectedUnitId, WebError> {
    InspectedUnitId::parse(id).ok_or(WebError::NotFound)
}

async fn render_unit(
    state: &AppState,
    s: &SignedIn,
    id: InspectedUnitId,
    redo: Redo,
) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (unit, items, audit) = run(&state.pool, move |conn| {
        let unit = rounds::show_unit(conn, &p, &id)?;
        let items = linkage::list_for_unit(conn, &p, &id)?;
        let round = rounds::show(conn, &p, &crate::domain::ids::RoundId::from_stored(unit.round_id.clone()))?;
        let office = crate::policy::inspection::require_round_owner(&p, &round.owner_agency_id).is_ok();
        let audit = if office { Some(choices::audit_agencies(conn)?) } else { None };
        Ok((unit, items, audit))
    })
    .await?;
    let page = ListPage {
        nav: Nav::of(&s.0, "rounds"),
        lines: items.iter().map(line).collect(),
        unit: Some((unit.id, unit.object_name, unit.round_id)),
        audit_agencies: audit,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

#[get("/inspected-units/{id}/audit-linkages")]
pub async fn of_unit(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render_unit(&state, &s, unit_id(&id)?, Redo::default()).await
}

/// The office links the unit to an audit project: the linkage's sharing group is made with it.
#[post("/inspected-units/{id}/audit-linkages")]
pub async fn create(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = unit_id(&id)?;
    let audit = AgencyId::parse(f.get("audit_agency_id"));
    let draft = LinkageDraft::parse(
        f.get("project_name"),
        f.get("start_date"),
        f.get("end_date"),
        &crate::domain::clock::today(),
    );
    let (p, uid) = (s.0.principal.clone(), id.clone());
    let result = run(&state.pool, move |conn| match (draft, audit) {
        (Ok(d), Some(a)) => linkage::create(conn, &p, &uid, &a, &d),
        (d, a) => {
            let mut errs = d.err().unwrap_or_default();
            if a.is_none() {
                errs.push(FieldError::new("audit_agency_id", "请选择审计机关"));
            }
            Err(AppError::Validation(errs))
        }
    })
    .await;
    match form_result(result)? {
        Ok(v) => Ok(see_other(&format!("/audit-linkages/{}", v.id))),
        Err((_, errors)) => render_unit(&state, &s, id, Redo::of("linkage", f, errors)).await,
    }
}

/// A finding exchanged in the linkage, as a line.
pub struct FindingLine {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub date: String,
}

#[derive(Template)]
#[template(path = "inspection/linkage.html", config = "src/web/askama.toml")]
struct DetailPage {
    nav: Nav,
    l: LinkageView,
    state: &'static str,
    period: String,
    ended: String,
    findings: Vec<FindingLine>,
    /// The audit agency's writer may publish while active.
    auditor: bool,
    /// The office's writer may end it while active.
    office: bool,
    categories: Vec<String>,
    redo: Redo,
}

fn linkage_id(id: &str) -> Result<AuditLinkageId, WebError> {
    AuditLinkageId::parse(id).ok_or(WebError::NotFound)
}

async fn render(state: &AppState, s: &SignedIn, id: AuditLinkageId, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let (l, records, categories) = run(&state.pool, move |conn| {
        let l = linkage::show(conn, &p, &id)?;
        let records = exchange::list(conn, &p, &id, None)?;
        let categories = service::ops::categories(conn)?.into_iter().map(|c| c.name).collect();
        Ok((l, records, categories))
    })
    .await?;
    let p = &s.0.principal;
    let active = l.state == LinkageState::Active;
    let findings = records
        .iter()
        .map(|r| FindingLine {
            id: r.id.clone(),
            title: if r.content_withheld { "(受限信息,凭查阅事由查看)".into() } else { r.title.clone() },
            kind: if r.kind == RecordKind::AuditReport { "审计发现" } else { "巡察发现" },
            date: chinese_date(&r.created_at),
        })
        .collect();
    let page = DetailPage {
        nav: Nav::of(&s.0, "rounds"),
        state: l.state.label(),
        period: format!("{} 至 {}", chinese_date(&l.start_date), chinese_date(&l.end_date)),
        ended: l.ended_at.as_deref().map(chinese_date).unwrap_or_default(),
        auditor: active && rules::require_linkage_auditor(p, &l.audit_agency_id).is_ok(),
        office: active && rules::require_linkage_office(p, &l.office_agency_id).is_ok(),
        findings,
        categories,
        l,
        redo,
    };
    page_with(page.redo.status(StatusCode::UNPROCESSABLE_ENTITY), &page)
}

#[get("/audit-linkages/{id}")]
pub async fn show(state: web::Data<AppState>, s: SignedIn, id: web::Path<String>) -> Result<HttpResponse, WebError> {
    render(&state, &s, linkage_id(&id)?, Redo::default()).await
}

/// The audit agency publishes an audit finding into the linkage (read by both teams).
#[post("/audit-linkages/{id}/findings")]
pub async fn publish(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let id = linkage_id(&id)?;
    let category = Some(f.get("category").to_string()).filter(|c| !c.trim().is_empty());
    let content = RecordContent {
        kind: RecordKind::AuditReport,
        title: f.get("title").to_string(),
        body: f.get("body").to_string(),
        category,
        object_ids: vec![],
        tags: vec!["巡审联动".into()],
        attributes: Default::default(),
        distribution: Distribution::own(),
        sensitivity: Sensitivity::General,
        protected: Default::default(),
        field_grants: vec![],
        external_id: None,
    };
    let (p, lid) = (s.0.principal.clone(), id.clone());
    match form_result(run(&state.pool, move |conn| exchange::publish(conn, &p, &lid, content)).await)? {
        Ok(_) => Ok(see_other(&format!("/audit-linkages/{id}"))),
        Err((_, errors)) => render(&state, &s, id, Redo::of("finding", f, errors)).await,
    }
}

/// The office ends the linkage: both leave its group (their findings stay each its own).
#[post("/audit-linkages/{id}/end")]
pub async fn end(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, WebError> {
    Fields::parse(&body).check_csrf(&s.0)?;
    let id = linkage_id(&id)?;
    let (p, lid) = (s.0.principal.clone(), id.clone());
    run(&state.pool, move |conn| linkage::end(conn, &p, &lid)).await?;
    Ok(see_other(&format!("/audit-linkages/{id}")))
}
