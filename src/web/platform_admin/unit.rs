//! One member unit: its particulars changed (`AgencyEdit`, as the API parses it), stopped
//! or started again, and its first unit admin invited as the API does (`POST /users` with
//! role agency_admin and no password: a one-time link goes to the invitee's mail, never to
//! the page).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::units::{kind_label, level_label, levels, member_kinds, notice_of};
use super::{admin_nav, invalid};
use crate::api::extract::run;
use crate::api::state::AppState;
use crate::contract::page::Window;
use crate::domain::agency::{AgencyEdit, AgencyKind, AgencyLevel};
use crate::domain::ids::{AgencyId, UserId};
use crate::domain::user::UserDraft;
use crate::domain::{FieldError, Role};
use crate::service::agencies::Agency;
use crate::service::{self};
use crate::web::form::{form_result, Errors};
use crate::web::session::{check_csrf, SignedIn};
use crate::web::{chinese_date, page_with, see_other, Nav, WebError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(unit).service(edit_unit).service(set_active).service(invite).service(send_link);
}

#[derive(Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    parent_id: String,
}

#[derive(Deserialize, Default)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
}

/// A unit admin as a line of the unit's page (no password, no link).
pub struct AdminLine {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin_unit.html", config = "src/web/askama.toml")]
struct UnitPage {
    nav: Nav,
    a: Agency,
    hub: bool,
    kind: String,
    level: String,
    parent: String,
    created: String,
    notice: Option<&'static str>,
    kinds: Vec<(&'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
    parents: Vec<(String, String)>,
    edit: EditForm,
    edit_errors: Errors,
    edit_others: Vec<String>,
    admins: Vec<AdminLine>,
    invite: InviteForm,
    invite_errors: Errors,
    invite_others: Vec<String>,
}

/// What the page shows again after a post that did not go through.
#[derive(Default)]
struct Again {
    edit: Option<EditForm>,
    edit_errors: Errors,
    invite: InviteForm,
    invite_errors: Errors,
}

fn unit_id(id: &str) -> Result<AgencyId, WebError> {
    AgencyId::parse(id).ok_or(WebError::NotFound)
}

async fn show(
    state: &AppState,
    nav: Nav,
    id: AgencyId,
    status: StatusCode,
    notice: Option<&'static str>,
    again: Again,
) -> Result<HttpResponse, WebError> {
    let (a, all, admins) = run(&state.pool, move |conn| {
        let a = service::agencies::get(conn, &id)?;
        let all = service::agencies::list(conn)?;
        let w = Window { after: None, limit: 50 };
        let admins = service::users::page(conn, &w, Some(&a.id), Some(Role::AgencyAdmin))?.items;
        Ok((a, all, admins))
    })
    .await?;
    let parent = a.parent_id.as_ref().and_then(|p| all.iter().find(|u| &u.id == p)).map(|u| u.name.clone());
    let edit = again.edit.unwrap_or_else(|| EditForm {
        name: a.name.clone(),
        kind: a.kind.clone(),
        level: a.level.clone(),
        parent_id: a.parent_id.clone().unwrap_or_default(),
        ..Default::default()
    });
    let parents = all.into_iter().filter(|u| u.id != a.id).map(|u| (u.id, format!("{}({})", u.name, u.code))).collect();
    page_with(
        status,
        &UnitPage {
            nav,
            hub: AgencyKind::parse(&a.kind) == Some(AgencyKind::Hub),
            kind: kind_label(&a.kind),
            level: level_label(&a.level),
            parent: parent.unwrap_or_else(|| "无".into()),
            created: chinese_date(&a.created_at),
            notice,
            kinds: member_kinds(),
            levels: levels(),
            parents,
            edit,
            edit_others: again.edit_errors.others(&["name", "kind", "level", "parent_id"]),
            edit_errors: again.edit_errors,
            admins: admins
                .into_iter()
                .map(|u| AdminLine { id: u.id, username: u.username, display_name: u.display_name, active: u.active })
                .collect(),
            invite: again.invite,
            invite_others: again.invite_errors.others(&["username", "email", "display_name"]),
            invite_errors: again.invite_errors,
            a,
        },
    )
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

#[get("/admin/units/{id}")]
async fn unit(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    q: web::Query<Done>,
) -> Result<HttpResponse, WebError> {
    let nav = admin_nav(&s)?;
    show(&state, nav, unit_id(&id)?, StatusCode::OK, notice_of(&q.done), Again::default()).await
}

/// The edit form as the API's `AgencyEdit`: a kind left out (the hub's own form has none)
/// or a parent left empty changes nothing.
fn edit_of(id: &AgencyId, f: &EditForm) -> Result<AgencyEdit, Vec<FieldError>> {
    let mut errs = Vec::new();
    let kind = Some(f.kind.as_str()).filter(|k| !k.is_empty()).map(AgencyKind::parse);
    if kind == Some(None) {
        errs.push(FieldError::new("kind", "请选择单位类别"));
    }
    let level = AgencyLevel::parse(&f.level);
    if level.is_none() {
        errs.push(FieldError::new("level", "请选择层级"));
    }
    let parent = Some(f.parent_id.as_str()).filter(|p| !p.is_empty());
    match AgencyEdit::parse(id, Some(&f.name), kind.flatten(), level, parent, None) {
        Ok(e) if errs.is_empty() => Ok(e),
        Ok(_) => Err(errs),
        Err(mut e) => {
            e.extend(errs);
            Err(e)
        }
    }
}

#[post("/admin/units/{id}")]
async fn edit_unit(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    form: web::Form<EditForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &form.csrf)?;
    let nav = admin_nav(&s)?;
    let (id, f) = (unit_id(&id)?, form.into_inner());
    let edit = match edit_of(&id, &f) {
        Ok(e) => e,
        Err(e) => {
            let (status, edit_errors) = invalid(e);
            return show(&state, nav, id, status, None, Again { edit: Some(f), edit_errors, ..Default::default() })
                .await;
        }
    };
    let (p, target) = (s.principal.clone(), id.clone());
    match form_result(run(&state.pool, move |conn| service::agencies::change(conn, &p, &target, edit)).await)? {
        Ok(_) => Ok(see_other(&format!("/admin/units/{id}?done=saved"))),
        Err((status, edit_errors)) => {
            show(&state, nav, id, status, None, Again { edit: Some(f), edit_errors, ..Default::default() }).await
        }
    }
}

#[derive(Deserialize)]
struct ActiveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: String,
}

/// Stops (`active=false`) or starts again (`active=true`) a unit: the API's `active` change.
#[post("/admin/units/{id}/active")]
async fn set_active(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    form: web::Form<ActiveForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &form.csrf)?;
    admin_nav(&s)?;
    let id = unit_id(&id)?;
    let active = match form.active.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(WebError::BadForm),
    };
    let edit = AgencyEdit::parse(&id, None, None, None, None, Some(active)).map_err(crate::error::AppError::from)?;
    let (p, target) = (s.principal.clone(), id.clone());
    run(&state.pool, move |conn| service::agencies::change(conn, &p, &target, edit)).await?;
    let done = if active { "activated" } else { "deactivated" };
    Ok(see_other(&format!("/admin/units/{id}?done={done}")))
}

/// Invites the unit's first admin, as `POST /api/v1/users` does for the hub admin.
#[post("/admin/units/{id}/invite")]
async fn invite(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &form.csrf)?;
    let nav = admin_nav(&s)?;
    let (id, f) = (unit_id(&id)?, form.into_inner());
    let email = Some(f.email.trim().to_string()).filter(|e| !e.is_empty());
    let display_name = Some(f.display_name.trim().to_string()).filter(|d| !d.is_empty());
    let parsed = UserDraft::parse(
        f.username.trim().to_string(),
        None,
        id.as_str(),
        vec![Role::AgencyAdmin],
        email,
        display_name,
    );
    let d = match parsed {
        Ok(d) => d,
        Err(e) => {
            let (status, invite_errors) = invalid(e);
            return show(&state, nav, id, status, None, Again { invite: f, invite_errors, ..Default::default() }).await;
        }
    };
    let (p, settings) = (s.principal.clone(), state.settings.clone());
    let created = run(&state.pool, move |conn| service::accounts::create(conn, &p, d, None, &settings)).await;
    match form_result(created)? {
        Ok(_) => Ok(see_other(&format!("/admin/units/{id}?done=invited"))),
        Err((status, invite_errors)) => {
            show(&state, nav, id, status, None, Again { invite: f, invite_errors, ..Default::default() }).await
        }
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// Mails a unit admin a fresh one-time link (activation while not activated), as
/// `POST /api/v1/users/{id}/password-reset` does; the page never sees the link.
#[post("/admin/units/{id}/admins/{user_id}/link")]
async fn send_link(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.csrf_token, &form.csrf)?;
    admin_nav(&s)?;
    let (id, user) = path.into_inner();
    let id = unit_id(&id)?;
    let user = UserId::parse(&user).ok_or(WebError::NotFound)?;
    let (p, settings) = (s.principal.clone(), state.settings.clone());
    run(&state.pool, move |conn| service::accounts::send_link(conn, &p, &user, &settings)).await?;
    Ok(see_other(&format!("/admin/units/{id}?done=invited")))
}
