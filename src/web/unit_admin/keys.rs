//! 接入密钥: the unit's API keys (name, roles, issued, last used, revoked), issuing one — the
//! key is on the answer page once and never again — and revoking one.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;

use super::{unit_of, CursorParam, PAGE_SIZE};
use crate::api::extract::run;
use crate::api::page::window;
use crate::api::state::AppState;
use crate::domain::ids::{AgencyId, ApiKeyId};
use crate::domain::{FieldError, Role};
use crate::policy;
use crate::service;
use crate::service::auth::ApiKey;
use crate::service::web_sessions::WebSession;
use crate::web::form::{in_place, Errors, Fields};
use crate::web::session::SignedIn;
use crate::web::unit_admin::users::RoleChoice;
use crate::web::{chinese_date, page, page_with, see_other, Nav, WebError};

pub struct KeyLine {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub roles: String,
    pub created: String,
    pub last_used: String,
    pub revoked: Option<String>,
}

fn line(k: ApiKey) -> KeyLine {
    let roles = Role::from_stored_list(&k.roles).unwrap_or_default();
    KeyLine {
        roles: roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"),
        created: chinese_date(&k.created_at),
        last_used: k.last_used_at.as_deref().map(chinese_date).unwrap_or_else(|| "从未使用".into()),
        revoked: k.revoked_at.as_deref().map(chinese_date),
        id: k.id,
        name: k.name,
        prefix: k.prefix,
    }
}

#[derive(Template)]
#[template(path = "unit_keys.html", config = "src/web/askama.toml")]
struct KeysPage {
    nav: Nav,
    items: Vec<KeyLine>,
    next: Option<String>,
    name: String,
    roles: Vec<RoleChoice>,
    errors: Errors,
}

/// The roles a key may hold (`check_key_roles`: never the hub admin's).
fn role_choices(chosen: &[String]) -> Vec<RoleChoice> {
    Role::ALL
        .iter()
        .filter(|r| policy::credentials::check_key_roles(&[**r]).is_empty())
        .map(|r| RoleChoice { value: r.as_str(), label: r.label(), checked: chosen.iter().any(|c| c == r.as_str()) })
        .collect()
}

/// The unit (its keys' keeper must be the signed-in admin: `require_key_keeper`).
fn keeper(s: &WebSession) -> Result<AgencyId, WebError> {
    let agency = unit_of(s)?;
    policy::credentials::require_key_keeper(&s.principal, &agency)?;
    AgencyId::parse(&agency).ok_or(WebError::NotFound)
}

/// The list with the issuing form (empty, or shown again with its errors).
async fn keys_page(
    state: &AppState,
    s: &WebSession,
    cursor: Option<&str>,
    status: StatusCode,
    name: String,
    chosen: &[String],
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let agency = keeper(s)?;
    let w = window(cursor, Some(PAGE_SIZE))?;
    let p = run(&state.pool, move |conn| service::auth::page_api_keys(conn, &agency, &w)).await?;
    let next = p.next_cursor.map(|c| format!("/unit/api-keys?cursor={c}"));
    let items = p.items.into_iter().map(line).collect();
    page_with(status, &KeysPage { nav: Nav::of(s, "unit"), items, next, name, roles: role_choices(chosen), errors })
}

#[get("/unit/api-keys")]
pub async fn list(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    q: web::Query<CursorParam>,
) -> Result<HttpResponse, WebError> {
    let liaison = [Role::Liaison.as_str().to_string()];
    keys_page(&state, &s, q.cursor.as_deref(), StatusCode::OK, String::new(), &liaison, Errors::default()).await
}

#[derive(Template)]
#[template(path = "unit_key_created.html", config = "src/web/askama.toml")]
struct CreatedPage {
    nav: Nav,
    name: String,
    roles: String,
    key: String,
}

#[post("/unit/api-keys")]
pub async fn create(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    f: web::Form<Fields>,
) -> Result<HttpResponse, WebError> {
    f.check_csrf(&s)?;
    let agency = keeper(&s)?;
    let name = f.get("name").to_string();
    let chosen = f.all("roles");
    let mut roles = Vec::new();
    for r in &chosen {
        match Role::parse(r) {
            Some(role) => roles.push(role),
            None => {
                let errs = Errors::from(vec![FieldError::new("roles", format!("可选:{}", Role::expected()))]);
                return keys_page(&state, &s, None, StatusCode::UNPROCESSABLE_ENTITY, name, &chosen, errs).await;
            }
        }
    }
    let (p, n) = (s.principal.clone(), name.clone());
    match run(&state.pool, move |conn| service::auth::issue_api_key(conn, &p, &agency, &n, roles)).await {
        Ok((key, secret)) => {
            let roles = Role::from_stored_list(&key.roles).unwrap_or_default();
            page(&CreatedPage {
                nav: Nav::of(&s, "unit"),
                name: key.name,
                roles: roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"),
                key: secret,
            })
        }
        Err(e) => {
            let errors = in_place(e, Some("name"))?.1;
            keys_page(&state, &s, None, StatusCode::UNPROCESSABLE_ENTITY, name, &chosen, errors).await
        }
    }
}

#[post("/unit/api-keys/{id}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    SignedIn(s): SignedIn,
    id: web::Path<String>,
    f: web::Form<Fields>,
) -> Result<HttpResponse, WebError> {
    f.check_csrf(&s)?;
    let agency = keeper(&s)?;
    let key_id = ApiKeyId::parse(&id).ok_or(WebError::NotFound)?;
    let p = s.principal.clone();
    run(&state.pool, move |conn| service::auth::revoke_api_key(conn, &p, &agency, &key_id)).await?;
    Ok(see_other("/unit/api-keys"))
}
