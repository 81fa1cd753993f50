//! 成员单位: the list (a page at a time, by kind) and a new unit (`AgencyDraft`, as the API
//! parses it). One unit's page is `unit.rs`.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{admin_nav, done_notice, invalid, unit};
use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::domain::agency::{AgencyDraft, AgencyKind, AgencyLevel};
use crate::domain::FieldError;
use crate::error::AppError;
use crate::service::agencies::Agency;
use crate::service::{self};
use crate::web::form::{form_result, Errors};
use crate::web::session::{check_csrf, SignedIn};
use crate::web::{page, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    // `/admin/units/new` before `/admin/units/{id}`: the first route that matches answers.
    cfg.service(units).service(new_unit).service(create_unit);
    unit::routes(cfg);
}

/// A kind's label (the stored value where it is not one the hub knows).
pub fn kind_label(kind: &str) -> String {
    AgencyKind::parse(kind).map(|k| k.label().to_string()).unwrap_or_else(|| kind.to_string())
}

pub fn level_label(level: &str) -> String {
    AgencyLevel::parse(level).map(|l| l.label().to_string()).unwrap_or_else(|| level.to_string())
}

/// The kinds a member unit may have (the hub's own is made by the system).
pub fn member_kinds() -> Vec<(&'static str, &'static str)> {
    AgencyKind::ALL.iter().filter(|k| **k != AgencyKind::Hub).map(|k| (k.as_str(), k.label())).collect()
}

pub fn levels() -> Vec<(&'static str, &'static str)> {
    AgencyLevel::ALL.iter().map(|l| (l.as_str(), l.label())).collect()
}

/// A unit as a line of the list.
pub struct UnitLine {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub level: String,
    pub active: bool,
}

impl From<Agency> for UnitLine {
    fn from(a: Agency) -> Self {
        UnitLine {
            kind: kind_label(&a.kind),
            level: level_label(&a.level),
            active: a.active,
            id: a.id,
            code: a.code,
            name: a.name,
        }
    }
}

#[derive(Template)]
#[template(path = "admin_units.html", config = "src/web/askama.toml")]
struct UnitsPage {
    nav: Nav,
    kind: String,
    kinds: Vec<(&'static str, &'static str)>,
    items: Vec<UnitLine>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct UnitParams {
    kind: Option<String>,
    cursor: Option<String>,
}

/// The member units in code order, 20 a page, optionally of one kind.
#[get("/admin/units")]
async fn units(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    params: web::Query<UnitParams>,
) -> Result<HttpResponse, WebError> {
    let nav = admin_nav(&s)?;
    let UnitParams { kind, cursor } = params.into_inner();
    let kind = kind.filter(|k| !k.is_empty());
    let wanted = match kind.as_deref() {
        None => None,
        Some(k) => Some(AgencyKind::parse(k).ok_or_else(|| AppError::validation("kind", "单位类别无效"))?),
    };
    let w = page::key_window(cursor.as_deref(), Some(20))?;
    let found = run(&state.pool, move |conn| service::agencies::page(conn, &w, wanted.map(AgencyKind::as_str))).await?;
    let next = found.next_cursor.map(|c| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(k) = &kind {
            q.append_pair("kind", k);
        }
        format!("/admin/units?{}", q.append_pair("cursor", &c).finish())
    });
    page(&UnitsPage {
        nav,
        kind: kind.unwrap_or_default(),
        kinds: AgencyKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        items: found.items.into_iter().map(UnitLine::from).collect(),
        next,
    })
}

#[derive(Deserialize, Default)]
pub struct NewUnitForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub parent_id: String,
}

#[derive(Template)]
#[template(path = "admin_unit_new.html", config = "src/web/askama.toml")]
struct NewUnitPage {
    nav: Nav,
    f: NewUnitForm,
    errors: Errors,
    others: Vec<String>,
    kinds: Vec<(&'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
    parents: Vec<(String, String)>,
}

/// The form for a new unit, empty or shown again with its errors (values kept).
async fn new_unit_form(
    state: &AppState,
    nav: Nav,
    f: NewUnitForm,
    status: StatusCode,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let all = run(&state.pool, |conn| Ok(service::agencies::list(conn)?)).await?;
    let others = errors.others(&["code", "name", "kind", "level", "parent_id"]);
    let parents = all.into_iter().map(|a| (a.id, format!("{}({})", a.name, a.code))).collect();
    page_with(status, &NewUnitPage { nav, f, errors, others, kinds: member_kinds(), levels: levels(), parents })
}

#[get("/admin/units/new")]
async fn new_unit(state: web::Data<AppState>, SignedIn(s): SignedIn) -> Result<HttpResponse, WebError> {
    let nav = admin_nav(&s)?;
    let f = NewUnitForm { level: AgencyLevel::City.as_str().into(), ..Default::default() };
    new_unit_form(&state, nav, f, StatusCode::OK, Errors::default()).await
}

/// The form as the API's `AgencyDraft` (a kind or level the form does not offer is a field
/// error of its own, reported with the draft's).
fn draft(f: &NewUnitForm) -> Result<AgencyDraft, Vec<FieldError>> {
    let mut errs = Vec::new();
    let kind = AgencyKind::parse(&f.kind);
    if kind.is_none() {
        errs.push(FieldError::new("kind", "请选择单位类别"));
    }
    let level = AgencyLevel::parse(&f.level);
    if level.is_none() {
        errs.push(FieldError::new("level", "请选择层级"));
    }
    let parent = Some(f.parent_id.as_str()).filter(|p| !p.is_empty());
    let parsed = AgencyDraft::parse(
        f.code.clone(),
        &f.name,
        kind.unwrap_or(AgencyKind::Other),
        level.unwrap_or(AgencyLevel::City),
        parent,
    );
    match parsed {
        Ok(d) if errs.is_empty() => Ok(d),
        Ok(_) => Err(errs),
        Err(mut e) => {
            e.extend(errs);
            Err(e)
        }
    }
}

/// Creates the unit; on to its page (to invite its first admin).
#[post("/admin/units/new")]
async fn create_unit(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    form: web::Form<NewUnitForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &form.csrf)?;
    let nav = admin_nav(&s)?;
    let f = form.into_inner();
    let d = match draft(&f) {
        Ok(d) => d,
        Err(e) => {
            let (status, errors) = invalid(e);
            return new_unit_form(&state, nav, f, status, errors).await;
        }
    };
    let p = s.principal.clone();
    match form_result(run(&state.pool, move |conn| service::agencies::create(conn, &p, d)).await)? {
        Ok(a) => Ok(see_other(&format!("/admin/units/{}?done=created", a.id))),
        Err((status, errors)) => new_unit_form(&state, nav, f, status, errors).await,
    }
}

/// The confirmation a page shows after `?done=…`.
pub fn notice_of(done: &Option<String>) -> Option<&'static str> {
    done_notice(done.as_deref())
}
