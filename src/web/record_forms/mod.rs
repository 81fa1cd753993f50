//! 信息库 — publish and edit forms (发布、修改、撤回) with the distribution picker. The form is
//! turned into the API's record body and parsed as the API parses it; the same service calls
//! as `POST/PATCH/DELETE /api/v1/records…` do the rest (idempotent publish, versioned change,
//! owner-only withdraw), and their field errors are shown next to the fields.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::api::extract::run;
use crate::api::state::AppState;
use crate::contract::record::RecordInput;
use crate::domain::ids::RecordId;
use crate::domain::record::{RecordContent, RecordKind, Sensitivity};
use crate::error::{AppError, FieldError};
use crate::service::records::{DistributionTargets, Repeatable};
use crate::service::{self};
use crate::web::session::{check_csrf, SignedIn};
use crate::web::{page_with, see_other, Nav, WebError};

mod form;

use form::{first, Choice, Errors, Pairs, Picker, Values};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(new_form).service(publish).service(edit_form).service(save).service(withdraw);
}

#[derive(Template)]
#[template(path = "record_form.html", config = "src/web/askama.toml")]
struct FormPage {
    nav: Nav,
    /// Where the form posts; `editing` is the record's id when it changes one.
    action: String,
    editing: Option<String>,
    version: i32,
    /// The one-time key of this publish form (a double submit publishes once).
    token: String,
    kind_label: &'static str,
    v: Values,
    errors: Errors,
    notice: Option<String>,
    kinds: Vec<(&'static str, &'static str)>,
    sensitivities: Vec<(&'static str, &'static str)>,
    /// (value, label) of the categories, sub-categories marked.
    categories: Vec<(String, String)>,
    objects: Vec<Choice>,
    picker: Picker,
}

/// What the form needs besides its values: the picker's targets, the taxonomy, the names of
/// the chosen objects.
struct Context {
    targets: DistributionTargets,
    categories: Vec<(String, String)>,
    objects: Vec<Choice>,
}

fn load_context(
    conn: &mut crate::db::DbConnection,
    p: &crate::policy::Principal,
    objects: &[String],
) -> Result<Context, AppError> {
    let targets = service::records::distribution_targets(conn, p)?;
    let categories = service::ops::categories(conn)?
        .into_iter()
        .map(|c| {
            let label = if c.parent_code.is_some() { format!("— {}", c.name) } else { c.name.clone() };
            (c.name, label)
        })
        .collect();
    let mut chosen: Vec<Choice> = Vec::new();
    for id in objects.iter().take(50) {
        if chosen.iter().any(|c| &c.id == id) {
            continue;
        }
        let label = service::objects::get(conn, id).map(|o| o.name).unwrap_or_else(|_| id.clone());
        chosen.push(Choice { id: id.clone(), label, checked: true, note: String::new() });
    }
    Ok(Context { targets, categories, objects: chosen })
}

/// The form as a page: empty, filled, or shown again with what went wrong.
struct Shown {
    editing: Option<(String, i32)>,
    v: Values,
    errors: Errors,
    notice: Option<String>,
}

fn render(s: &SignedIn, status: StatusCode, ctx: Context, shown: Shown) -> Result<HttpResponse, WebError> {
    let fixed = shown.editing.as_ref().and_then(|_| RecordKind::parse(&shown.v.kind));
    let (action, editing, version) = match shown.editing {
        Some((id, version)) => (format!("/records/{id}/edit"), Some(id), version),
        None => ("/records/new".to_string(), None, 0),
    };
    page_with(
        status,
        &FormPage {
            nav: Nav::of(&s.0, "records"),
            action,
            editing,
            version,
            token: crate::auth::random_secret("web-"),
            kind_label: fixed.map(|k| k.label()).unwrap_or_default(),
            picker: Picker::build(&ctx.targets, fixed, &shown.v),
            v: shown.v,
            errors: shown.errors,
            notice: shown.notice,
            kinds: RecordKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
            sensitivities: Sensitivity::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
            categories: ctx.categories,
            objects: ctx.objects,
        },
    )
}

/// The form again after a refused post: the same values, the errors in place; nothing changed.
async fn again(
    state: &AppState,
    s: SignedIn,
    status: StatusCode,
    editing: Option<(String, i32)>,
    v: Values,
    refused: Refused,
) -> Result<HttpResponse, WebError> {
    let (p, objects) = (s.0.principal.clone(), v.objects.clone());
    let ctx = run(&state.pool, move |conn| load_context(conn, &p, &objects)).await?;
    let errors = match refused {
        Refused::Fields(errs) => Errors::of_fields(errs, &ctx.targets.names),
        Refused::Placed(errors) => errors,
    };
    render(&s, status, ctx, Shown { editing, v, errors, notice: None })
}

/// What a refused post says: the API's field errors, or errors already placed.
enum Refused {
    Fields(Vec<FieldError>),
    Placed(Errors),
}

/// How a refused write is shown: field errors (422) and a taken external id (409) in place;
/// anything else is the error page.
fn refusal(e: AppError) -> Result<(StatusCode, Refused), WebError> {
    match e {
        AppError::Validation(errs) => Ok((StatusCode::UNPROCESSABLE_ENTITY, Refused::Fields(errs))),
        AppError::Conflict(m) => Ok((StatusCode::CONFLICT, Refused::Placed(Errors::one("external_id", m)))),
        e => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct NewParams {
    kind: Option<String>,
    object: Option<String>,
}

#[get("/records/new")]
pub async fn new_form(
    state: web::Data<AppState>,
    s: SignedIn,
    q: web::Query<NewParams>,
) -> Result<HttpResponse, WebError> {
    let q = q.into_inner();
    let object = q.object.filter(|o| crate::domain::is_id(o));
    let v = Values::new(q.kind.as_deref(), object);
    let (p, objects) = (s.0.principal.clone(), v.objects.clone());
    let ctx = run(&state.pool, move |conn| load_context(conn, &p, &objects)).await?;
    render(&s, StatusCode::OK, ctx, Shown { editing: None, v, errors: Errors::default(), notice: None })
}

/// Publishes the record (`service::records::publish`, keyed by the form's one-time token so
/// that a double submit publishes once), then on to its page.
#[post("/records/new")]
pub async fn publish(state: web::Data<AppState>, s: SignedIn, f: web::Form<Pairs>) -> Result<HttpResponse, WebError> {
    let pairs = f.into_inner();
    check_csrf(&s.0.csrf_token, first(&pairs, "csrf"))?;
    let v = Values::from_pairs(&pairs);
    let (input, body) = match v.input() {
        Ok(parsed) => parsed,
        Err(e) => {
            let (status, errs) = refusal(e)?;
            return again(&state, s, status, None, v, errs).await;
        }
    };
    let token = first(&pairs, "token");
    let repeat = (!token.is_empty() && token.len() <= 200)
        .then(|| Repeatable { key: token.to_string(), request_hash: crate::auth::digest(&body) });
    let p = s.0.principal.clone();
    match run(&state.pool, move |conn| service::records::publish(conn, &p, input, repeat)).await {
        Ok((_, json)) => {
            let view: serde_json::Value = serde_json::from_str(&json).map_err(|e| AppError::Internal(e.into()))?;
            Ok(see_other(&format!("/records/{}", view["id"].as_str().unwrap_or_default())))
        }
        Err(e) => {
            let (status, errs) = refusal(e)?;
            again(&state, s, status, None, v, errs).await
        }
    }
}

fn record_id(id: &str) -> Result<RecordId, WebError> {
    RecordId::parse(id).ok_or(WebError::NotFound)
}

#[get("/records/{id}/edit")]
pub async fn edit_form(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = record_id(&id)?;
    let p = s.0.principal.clone();
    let (e, ctx) = run(&state.pool, move |conn| {
        let e = service::records::for_edit(conn, &p, &id)?;
        let ctx = load_context(conn, &p, &e.record.object_ids)?;
        Ok((e, ctx))
    })
    .await?;
    let editing = Some((e.record.id.clone(), e.record.version));
    let v = Values::of_record(&e.record, e.field_grants);
    render(&s, StatusCode::OK, ctx, Shown { editing, v, errors: Errors::default(), notice: None })
}

/// The form's values onto the stored content (its kind and attributes stay as they are; an
/// external id is replaced only when one is given, as `PATCH` does).
fn apply(i: RecordInput, c: &mut RecordContent) {
    let external_id = c.external_id.take();
    let kind = c.kind;
    let attributes = std::mem::take(&mut c.attributes);
    *c = RecordContent::from(i);
    c.kind = kind;
    c.attributes = attributes;
    c.external_id = c.external_id.take().or(external_id);
}

/// Saves the owner's change against the version the form was filled from; a stale version
/// shows the form again with the posted values, the current version and a plain message.
#[post("/records/{id}/edit")]
pub async fn save(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    f: web::Form<Pairs>,
) -> Result<HttpResponse, WebError> {
    let pairs = f.into_inner();
    check_csrf(&s.0.csrf_token, first(&pairs, "csrf"))?;
    let id = record_id(&id)?;
    let version: i32 = first(&pairs, "version").parse().map_err(|_| WebError::BadForm)?;
    let v = Values::from_pairs(&pairs);
    let editing = Some((id.to_string(), version));
    let input = match v.input() {
        Ok((input, _)) => input,
        Err(e) => {
            let (status, errs) = refusal(e)?;
            return again(&state, s, status, editing, v, errs).await;
        }
    };
    let (p, rid) = (s.0.principal.clone(), id.clone());
    let changed = run(&state.pool, move |conn| service::records::change(conn, &p, &rid, version, |c| apply(input, c)));
    match changed.await {
        Ok(view) => Ok(see_other(&format!("/records/{}", view.id))),
        Err(AppError::PreconditionFailed(_)) => {
            let (p, objects) = (s.0.principal.clone(), v.objects.clone());
            let (current, ctx) = run(&state.pool, move |conn| {
                let current = service::records::for_edit(conn, &p, &id)?.record.version;
                Ok((current, load_context(conn, &p, &objects)?))
            })
            .await?;
            let notice = Some(format!(
                "保存未成功:您编辑期间,此信息已被修改(现为第 {current} 版)。下方保留了您填写的内容;\
                 请先打开信息页面核对最新内容,确认后再次提交,将以您填写的内容保存为新版本。"
            ));
            let editing = editing.map(|(id, _)| (id, current));
            render(&s, StatusCode::CONFLICT, ctx, Shown { editing, v, errors: Errors::default(), notice })
        }
        Err(e) => {
            let (status, errs) = refusal(e)?;
            again(&state, s, status, editing, v, errs).await
        }
    }
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    version: Option<String>,
}

/// Withdraws the record (owner only): every unit that had it loses it.
#[post("/records/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
    f: web::Form<WithdrawForm>,
) -> Result<HttpResponse, WebError> {
    check_csrf(&s.0.csrf_token, &f.csrf)?;
    let id = record_id(&id)?;
    let version = match f.version.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => Some(v.parse::<i32>().map_err(|_| WebError::BadForm)?),
        None => None,
    };
    let p = s.0.principal.clone();
    run(&state.pool, move |conn| service::records::withdraw(conn, &p, &id, version)).await?;
    Ok(see_other("/records"))
}
