//! 用户: the unit's users, paged in username order, and inviting one (the one-time
//! activation link goes by mail to the invited user, as `POST /api/v1/users` sends it).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use super::{unit_of, PAGE_SIZE};
use crate::api::extract::run;
use crate::api::page::key_window;
use crate::api::state::AppState;
use crate::domain::user::UserDraft;
use crate::domain::{FieldError, Role};
use crate::policy;
use crate::service;
use crate::service::users::User;
use crate::service::web_sessions::WebSession;
use crate::web::form::{in_place, Errors, Fields};
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page, page_with, see_other, Nav, WebError};

/// A user as a line of the list.
pub struct UserLine {
    pub username: String,
    pub display_name: String,
    pub roles: String,
    pub email: String,
    pub active: bool,
    pub created: String,
}

fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、")
}

fn line(u: User) -> UserLine {
    UserLine {
        roles: roles_text(&u.roles),
        email: u.email.unwrap_or_default(),
        active: u.active,
        created: chinese_date(&u.created_at),
        username: u.username,
        display_name: u.display_name,
    }
}

#[derive(Template)]
#[template(path = "unit_users.html", config = "src/web/askama.toml")]
struct UsersPage {
    nav: Nav,
    items: Vec<UserLine>,
    next: Option<String>,
    invited: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct UsersParams {
    cursor: Option<String>,
    invited: Option<String>,
}

#[get("/unit/users")]
pub async fn list(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    q: web::Query<UsersParams>,
) -> Result<HttpResponse, WebError> {
    let agency = unit_of(&s)?;
    let scope = policy::user_list_scope(&s.principal, Some(&agency))?;
    let policy::UserList::Agency(agency) = scope else { return Err(WebError::NotFound) };
    let w = key_window(q.cursor.as_deref(), Some(PAGE_SIZE))?;
    let page_ = run(&state.pool, move |conn| service::users::page(conn, &w, Some(&agency), None)).await?;
    let next = page_.next_cursor.map(|c| format!("/unit/users?cursor={c}"));
    let invited = q.invited.clone().filter(|u| !u.is_empty() && u.len() <= 64);
    page(&UsersPage { nav: Nav::of(&s, "unit"), items: page_.items.into_iter().map(line).collect(), next, invited })
}

/// A role the form offers, and whether it is ticked.
pub struct RoleChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "unit_invite.html", config = "src/web/askama.toml")]
struct InvitePage {
    nav: Nav,
    username: String,
    display_name: String,
    email: String,
    roles: Vec<RoleChoice>,
    errors: Errors,
}

/// The roles the signed-in admin may grant in its unit (`require_user_creator`), ticked as
/// `chosen` says. Not `inspected`: only an inspected unit's one account holds it, and the hub
/// admin invites that one (`credentials::check_roles_for_agency`).
fn role_choices(s: &WebSession, agency: &str, chosen: &[String]) -> Vec<RoleChoice> {
    Role::ALL
        .iter()
        .filter(|r| **r != Role::Inspected)
        .filter(|r| policy::credentials::require_user_creator(&s.principal, agency, &[**r], false).is_ok())
        .map(|r| RoleChoice { value: r.as_str(), label: r.label(), checked: chosen.iter().any(|c| c == r.as_str()) })
        .collect()
}

#[get("/unit/users/invite")]
pub async fn invite_form(SignedIn(s): SignedIn) -> Result<HttpResponse, WebError> {
    let agency = unit_of(&s)?;
    page(&InvitePage {
        roles: role_choices(&s, &agency, &[Role::Liaison.as_str().to_string()]),
        nav: Nav::of(&s, "unit"),
        username: String::new(),
        display_name: String::new(),
        email: String::new(),
        errors: Errors::default(),
    })
}

#[post("/unit/users/invite")]
pub async fn invite(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    f: web::Form<Fields>,
) -> Result<HttpResponse, WebError> {
    f.check_csrf(&s)?;
    let agency = unit_of(&s)?;
    let (username, email) = (f.get("username").trim().to_string(), f.get("email").trim().to_string());
    let display_name = f.get("display_name").trim().to_string();
    let chosen = f.all("roles");
    let mut roles = Vec::new();
    let mut errs = Vec::new();
    for r in &chosen {
        match Role::parse(r) {
            Some(role) => roles.push(role),
            None => errs.push(FieldError::new("roles", format!("可选:{}", Role::expected()))),
        }
    }
    let shown = |errors: Errors| InvitePage {
        nav: Nav::of(&s, "unit"),
        username: username.clone(),
        display_name: display_name.clone(),
        email: email.clone(),
        roles: role_choices(&s, &agency, &chosen),
        errors,
    };
    // Who may grant what: the same check as the API, before the draft (403, never a form).
    policy::credentials::require_user_creator(&s.principal, &agency, &roles, false)?;
    let name = (!display_name.is_empty()).then(|| display_name.clone());
    let draft = match UserDraft::parse(username.clone(), None, &agency, roles, Some(email.clone()), name) {
        Ok(d) if errs.is_empty() => d,
        Ok(_) => return page_with(StatusCode::UNPROCESSABLE_ENTITY, &shown(Errors::from(errs))),
        Err(mut e) => {
            e.extend(errs);
            return page_with(StatusCode::UNPROCESSABLE_ENTITY, &shown(Errors::from(e)));
        }
    };
    let (p, settings) = (s.principal.clone(), state.settings.clone());
    match run(&state.pool, move |conn| service::accounts::create(conn, &p, draft, None, &settings)).await {
        Ok(u) => Ok(see_other(&format!("/unit/users?invited={}", u.username))),
        Err(e) => page_with(StatusCode::UNPROCESSABLE_ENTITY, &shown(in_place(e, Some("username"))?.1)),
    }
}
