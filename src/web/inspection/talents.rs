//! 人才库 in the web client: the roster as the caller may see it (an inspection office the whole
//! pool, any other member unit the people it recommended), its counts and export, and the form
//! to recommend a person. The same service calls as `/api/v1/talents…`.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::domain::inspection::talent::{TalentDraft, TalentInput, TeamPosition};
use crate::service::inspection::talent_lists::{self, PositionCounts, TalentQuery};
use crate::service::inspection::{talent_pool, talents};
use crate::service::ledger_export::ExportFormat;
use crate::service::{self};
use crate::web::form::{form_result, split_list, Fields, Redo};
use crate::web::session::SignedIn;
use crate::web::{page, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    // `/talents/new` and the exports before `/talents/{id}`.
    cfg.service(list).service(new_form).service(create).service(export_csv).service(export_xlsx);
}

/// The team positions as the forms offer them.
pub fn positions() -> Vec<(&'static str, &'static str)> {
    TeamPosition::ALL.iter().map(|p| (p.as_str(), p.label())).collect()
}

/// Positions as people read them: 组长、工作人员.
pub fn position_labels(ps: &[TeamPosition]) -> String {
    ps.iter().map(|p| p.label()).collect::<Vec<_>>().join("、")
}

/// A person as a line of the roster.
pub struct TalentLine {
    pub id: String,
    pub name: String,
    pub agency: String,
    pub work_unit: String,
    pub position: String,
    pub expertise: String,
    pub eligible: String,
    pub active: bool,
    pub participations: i64,
}

#[derive(Template)]
#[template(path = "inspection/talents.html", config = "src/web/askama.toml")]
struct ListPage {
    nav: Nav,
    position: String,
    tag: String,
    q: String,
    positions: Vec<(&'static str, &'static str)>,
    items: Vec<TalentLine>,
    next: Option<String>,
    /// The filters as a query string (for the exports).
    query: String,
    total: i64,
    counts: PositionCounts,
    office: bool,
    may_recommend: bool,
}

#[derive(Deserialize)]
pub struct ListParams {
    position: Option<String>,
    tag: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

impl ListParams {
    fn query(&self) -> TalentQuery {
        let text = |v: &Option<String>, max: usize| {
            v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(|t| t.chars().take(max).collect())
        };
        TalentQuery {
            position: self.position.as_deref().and_then(TeamPosition::parse),
            tag: text(&self.tag, crate::domain::inspection::MAX_TAG_CHARS),
            q: text(&self.q, 100),
            ..Default::default()
        }
    }

    /// The filters as a query string (without the cursor).
    fn filters(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("position", &self.position), ("tag", &self.tag), ("q", &self.q)] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.append_pair(k, v);
            }
        }
        q.finish()
    }
}

/// 人才库: the roster with its filters and counts.
#[get("/talents")]
pub async fn list(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    crate::policy::require_content_reader(&s.principal)?;
    let params = params.into_inner();
    let f = params.query();
    let w = page::window(params.cursor.as_deref(), Some(50))?;
    let p = s.principal.clone();
    let (got, stats, choices, names) = run(&state.pool, move |conn| {
        let got = talent_lists::page(conn, &p, &f, &w)?;
        let stats = talent_lists::stats(conn, &p)?;
        let choices = talent_pool::choices(conn, &p)?;
        let names = service::agencies::names_of(conn, got.items.iter().map(|t| &t.recommending_agency_id))?;
        Ok((got, stats, choices, names))
    })
    .await?;
    let filters = params.filters();
    let next = got.next_cursor.map(|c| {
        let sep = if filters.is_empty() { "" } else { "&" };
        format!("/talents?{filters}{sep}cursor={c}")
    });
    let items = got
        .items
        .into_iter()
        .map(|t| TalentLine {
            agency: names.get(&t.recommending_agency_id).cloned().unwrap_or_default(),
            expertise: t.expertise.join("、"),
            eligible: position_labels(&t.eligible),
            id: t.id,
            name: t.name,
            work_unit: t.work_unit_name,
            position: t.position,
            active: t.active,
            participations: t.participations,
        })
        .collect();
    page(&ListPage {
        nav: Nav::of(&s, "talents"),
        position: params.position.clone().unwrap_or_default(),
        tag: params.tag.clone().unwrap_or_default(),
        q: params.q.clone().unwrap_or_default(),
        positions: positions(),
        items,
        next,
        query: filters,
        total: stats.total,
        counts: stats.by_position,
        office: choices.office,
        may_recommend: choices.may_recommend,
    })
}

#[derive(Template)]
#[template(path = "inspection/talent_new.html", config = "src/web/askama.toml")]
struct NewPage {
    nav: Nav,
    units: Vec<(String, String)>,
    positions: Vec<(&'static str, &'static str)>,
    redo: Redo,
}

async fn new_page(state: &AppState, s: &SignedIn, redo: Redo) -> Result<HttpResponse, WebError> {
    let p = s.0.principal.clone();
    let choices = run(&state.pool, move |conn| talent_pool::choices(conn, &p)).await?;
    if !choices.may_recommend {
        return Err(WebError::Forbidden("只有成员单位的联络员或单位管理员可以推荐人选".into()));
    }
    page_with(
        redo.status(StatusCode::UNPROCESSABLE_ENTITY),
        &NewPage { nav: Nav::of(&s.0, "talents"), units: choices.units, positions: positions(), redo },
    )
}

/// 推荐人选: the form.
#[get("/talents/new")]
pub async fn new_form(state: web::Data<AppState>, s: SignedIn) -> Result<HttpResponse, WebError> {
    new_page(&state, &s, Redo::default()).await
}

#[post("/talents/new")]
pub async fn create(state: web::Data<AppState>, s: SignedIn, body: web::Bytes) -> Result<HttpResponse, WebError> {
    let f = Fields::parse(&body);
    f.check_csrf(&s.0)?;
    let input = TalentInput {
        name: f.get("name").to_string(),
        work_unit_object_id: Some(f.get("work_unit_object_id").to_string()).filter(|v| !v.is_empty()),
        work_unit_name: Some(f.get("work_unit_name").to_string()).filter(|v| !v.trim().is_empty()),
        position: f.get("position").to_string(),
        expertise: split_list(f.get("expertise")),
        eligible: f.all("eligible").iter().filter_map(|v| TeamPosition::parse(v)).collect(),
        active: true,
        ..Default::default()
    };
    let draft = match TalentDraft::parse(&input, "") {
        Ok(d) => d,
        Err(e) => return new_page(&state, &s, Redo::of("talent", f, e.into())).await,
    };
    let p = s.0.principal.clone();
    match form_result(run(&state.pool, move |conn| talents::create(conn, &p, &draft)).await)? {
        Ok(t) => Ok(see_other(&format!("/talents/{}", t.id))),
        Err((_, errors)) => new_page(&state, &s, Redo::of("talent", f, errors)).await,
    }
}

async fn export(
    state: web::Data<AppState>,
    s: SignedIn,
    params: ListParams,
    format: ExportFormat,
) -> Result<HttpResponse, WebError> {
    let p = s.0.principal;
    let f = params.query();
    let max = state.settings.ledger_export_max_rows.max(1);
    let bytes = run(&state.pool, move |conn| talent_lists::export(conn, &p, &f, max, format)).await?;
    Ok(crate::api::export::attachment(format, "人才库名册", bytes))
}

/// 人才库名册 as CSV (the same file as `GET /api/v1/talents/export`), filtered as the list.
#[get("/talents/export.csv")]
pub async fn export_csv(
    state: web::Data<AppState>,
    s: SignedIn,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    export(state, s, params.into_inner(), ExportFormat::Csv).await
}

#[get("/talents/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    s: SignedIn,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, WebError> {
    export(state, s, params.into_inner(), ExportFormat::Xlsx).await
}
