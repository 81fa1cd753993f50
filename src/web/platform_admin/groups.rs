//! 共享组: the groups with their members, a new group (`GroupDraft`, as the API parses it),
//! and members added or removed — each change re-shares or revokes at once (rule 6,
//! `service::groups::change_membership`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{admin_nav, done_notice, invalid};
use crate::api::extract::run;
use crate::api::page;
use crate::api::state::AppState;
use crate::domain::group::GroupDraft;
use crate::domain::ids::{AgencyId, GroupId};
use crate::error::AppError;
use crate::policy;
use crate::service::groups::Group;
use crate::service::{self};
use crate::web::form::{form_result, Errors};
use crate::web::session::{check_csrf, SignedIn};
use crate::web::{page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(groups).service(create_group).service(add_member).service(remove_member);
}

/// A member of a group as the page shows it.
pub struct Member {
    pub id: String,
    pub name: String,
}

/// A group with its members, and the units that may still join it.
pub struct GroupCard {
    pub id: String,
    pub name: String,
    pub description: String,
    pub members: Vec<Member>,
    pub candidates: Vec<Member>,
}

#[derive(Deserialize, Default)]
pub struct GroupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

#[derive(Template)]
#[template(path = "admin_groups.html", config = "src/web/askama.toml")]
struct GroupsPage {
    nav: Nav,
    notice: Option<String>,
    problem: Option<String>,
    items: Vec<GroupCard>,
    next: Option<String>,
    f: GroupForm,
    errors: Errors,
    others: Vec<String>,
}

#[derive(Deserialize)]
struct GroupParams {
    cursor: Option<String>,
    done: Option<String>,
    shared: Option<usize>,
    revoked: Option<usize>,
}

/// What the page shows besides the groups: a confirmation, a refused change, or the new
/// group's form again with its errors.
#[derive(Default)]
struct Shown {
    notice: Option<String>,
    problem: Option<String>,
    f: GroupForm,
    errors: Errors,
}

async fn show(
    state: &AppState,
    nav: Nav,
    cursor: Option<String>,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, WebError> {
    let w = page::key_window(cursor.as_deref(), Some(20))?;
    let (found, units) =
        run(&state.pool, move |conn| Ok((service::groups::page(conn, &w)?, service::agencies::list(conn)?))).await?;
    let names: HashMap<&str, &str> = units.iter().map(|u| (u.id.as_str(), u.name.as_str())).collect();
    let card = |g: Group| GroupCard {
        members: g
            .agency_ids
            .iter()
            .map(|a| Member { id: a.clone(), name: names.get(a.as_str()).unwrap_or(&a.as_str()).to_string() })
            .collect(),
        candidates: units
            .iter()
            .filter(|u| u.active && policy::credentials::receives_records(&u.kind) && !g.agency_ids.contains(&u.id))
            .map(|u| Member { id: u.id.clone(), name: format!("{}({})", u.name, u.code) })
            .collect(),
        id: g.id,
        name: g.name,
        description: g.description,
    };
    let items = found.items.into_iter().map(card).collect();
    let next = found.next_cursor.map(|c| format!("/admin/groups?cursor={}", percent(&c)));
    let others = shown.errors.others(&["name", "description"]);
    page_with(
        status,
        &GroupsPage {
            nav,
            notice: shown.notice,
            problem: shown.problem,
            items,
            next,
            f: shown.f,
            errors: shown.errors,
            others,
        },
    )
}

fn percent(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The groups in name order, 20 a page, each with its members.
#[get("/admin/groups")]
async fn groups(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    q: web::Query<GroupParams>,
) -> Result<HttpResponse, WebError> {
    let nav = admin_nav(&s)?;
    let q = q.into_inner();
    let mut notice = done_notice(q.done.as_deref()).map(str::to_string);
    if let (Some(n), Some(shared), Some(revoked)) = (&mut notice, q.shared, q.revoked) {
        n.push_str(&format!("(新共享 {shared} 条,撤销 {revoked} 条)"));
    }
    show(&state, nav, q.cursor, StatusCode::OK, Shown { notice, ..Default::default() }).await
}

#[post("/admin/groups")]
async fn create_group(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    form: web::Form<GroupForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &form.csrf)?;
    let nav = admin_nav(&s)?;
    let f = form.into_inner();
    let d = match GroupDraft::parse(&f.name, f.description.trim().to_string(), &[]) {
        Ok(d) => d,
        Err(e) => {
            let (status, errors) = invalid(e);
            return show(&state, nav, None, status, Shown { f, errors, ..Default::default() }).await;
        }
    };
    let p = s.principal.clone();
    match form_result(run(&state.pool, move |conn| service::groups::create(conn, &p, d)).await)? {
        Ok(_) => Ok(see_other("/admin/groups?done=group")),
        Err((status, errors)) => show(&state, nav, None, status, Shown { f, errors, ..Default::default() }).await,
    }
}

#[derive(Deserialize)]
struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    agency_id: String,
}

/// A membership change: the group again with what it did, or with why it was refused.
async fn change(
    state: &AppState,
    s: &crate::service::web_sessions::WebSession,
    group: &str,
    agency: &str,
    join: bool,
) -> Result<HttpResponse, WebError> {
    let nav = admin_nav(s)?;
    let group_id = GroupId::parse(group).ok_or(WebError::NotFound)?;
    let Some(agency_id) = AgencyId::parse(agency) else {
        let errs = vec![crate::domain::FieldError::new("agency_id", "请选择成员单位")];
        let (status, _) = invalid(errs);
        let problem = Some("请选择要加入的成员单位。".to_string());
        return show(state, nav, None, status, Shown { problem, ..Default::default() }).await;
    };
    let p = s.principal.clone();
    let out =
        run(&state.pool, move |conn| service::groups::change_membership(conn, &p, &group_id, &agency_id, join)).await;
    match out {
        Ok(o) => {
            let done = if join { "joined" } else { "left" };
            let to = format!("/admin/groups?done={done}&shared={}&revoked={}", o.records_shared, o.records_revoked);
            Ok(see_other(&to))
        }
        Err(AppError::Validation(errs)) => {
            let problem = Some(errs.into_iter().map(|e| e.message).collect::<Vec<_>>().join(";"));
            show(state, nav, None, StatusCode::UNPROCESSABLE_ENTITY, Shown { problem, ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

#[post("/admin/groups/{id}/members")]
async fn add_member(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    form: web::Form<MemberForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &form.csrf)?;
    change(&state, &s, &id, &form.agency_id, true).await
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

#[post("/admin/groups/{id}/members/{agency_id}/remove")]
async fn remove_member(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &form.csrf)?;
    let (group, agency) = path.into_inner();
    change(&state, &s, &group, &agency, false).await
}
