//! Subscriptions (订阅): criteria whose new matching records land in the agency's inbox.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page::PageParams;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::SubscriptionId;
use crate::domain::record::RecordKind;
use crate::domain::subscription::Criteria;
use crate::domain::{is_id, new_id, now};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy;
use crate::service::subscriptions::Subscription;
use crate::service::{self};
use crate::store::log::{write_tx, Actor};

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSubscription {
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    /// Record kinds (any of them; empty means any kind). Likewise for the lists below.
    #[serde(default)]
    #[schema(value_type = Vec<crate::domain::record::RecordKind>)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub object_ids: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub source_agency_ids: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The agency's subscriptions.
/// In the order they were made, a page at a time.
#[utoipa::path(tag = "订阅与待办", params(PageParams), responses((status = 200, body = SubscriptionPage), (status = 400, body = Problem)),
    security(("bearer" = [])))]
#[get("/subscriptions")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<PageParams>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let w = params.window()?;
    let page = run(&state.pool, move |conn| service::subscriptions::page(conn, &p.agency_id, &w)).await?;
    Ok(HttpResponse::Ok().json(SubscriptionPage::from(page)))
}

crate::page_schema!(SubscriptionPage, Subscription);

/// Subscribes the agency to records by kind, category, object, source agency and tag (each
/// a list; empty means any). Matching records it may read arrive in its inbox.
#[utoipa::path(tag = "订阅与待办", request_body = NewSubscription, responses(
    (status = 201, body = Subscription), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/subscriptions")]
pub async fn create_subscription(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewSubscription>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let NewSubscription { name, kinds, categories, object_ids, source_agency_ids, tags } = body.0;
    let b = (name, Criteria { kinds, categories, object_ids, source_agency_ids, tags });
    let mut errs = Vec::new();
    crate::domain::agency::validate_name("name", &b.0, &mut errs);
    for (i, k) in b.1.kinds.iter().enumerate() {
        if RecordKind::parse(k).is_none() {
            errs.push(FieldError::new(format!("kinds[{i}]"), format!("信息类别无效,可选:{}", RecordKind::expected())));
        }
    }
    for (f, list) in [("object_ids", &b.1.object_ids), ("source_agency_ids", &b.1.source_agency_ids)] {
        for (i, id) in list.iter().enumerate() {
            if !is_id(id) {
                errs.push(FieldError::new(format!("{f}[{i}]"), "编号格式无效"));
            }
        }
    }
    let total =
        b.1.kinds.len() + b.1.categories.len() + b.1.object_ids.len() + b.1.source_agency_ids.len() + b.1.tags.len();
    if total > 200 {
        errs.push(FieldError::new("", "订阅条件合计不超过 200 项"));
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let cap = state.settings.max_subscriptions_per_agency;
    let sub = run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            let mut criteria = b.1;
            for (i, c) in criteria.categories.iter_mut().enumerate() {
                *c = crate::store::catalog::resolve(conn, c)?
                    .ok_or_else(|| AppError::validation(&format!("categories[{i}]"), format!("问题类别“{c}”不存在")))?;
            }
            let s = Subscription {
                id: new_id(),
                agency_id: p.agency_id.clone(),
                user_id: p.user_id.clone(),
                name: b.0.trim().to_string(),
                criteria,
                created_at: now(),
            };
            service::subscriptions::insert(conn, log, &Actor::from(&p), &s, cap)?;
            Ok(s)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(sub))
}

/// Deletes one of the agency's subscriptions.
#[utoipa::path(tag = "订阅与待办", responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
#[delete("/subscriptions/{id}")]
pub async fn delete_subscription(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let id: SubscriptionId = path_id(&id, || AppError::NotFound("订阅不存在".into()))?;
    run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| service::subscriptions::delete(conn, log, &Actor::from(&p), &p.agency_id, &id))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
