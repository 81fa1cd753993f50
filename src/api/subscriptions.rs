//! Subscriptions (订阅): criteria whose new matching records land in the agency's inbox.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page::PageParams;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::SubscriptionId;
use crate::domain::subscription::{Criteria, SubscriptionDraft};
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::service::subscriptions::Subscription;
use crate::service::{self};

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
    let draft = SubscriptionDraft::parse(&name, Criteria { kinds, categories, object_ids, source_agency_ids, tags })?;
    let cap = state.settings.max_subscriptions_per_agency;
    let sub = run(&state.pool, move |conn| service::subscriptions::create(conn, &p, draft, cap)).await?;
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
    run(&state.pool, move |conn| service::subscriptions::remove(conn, &p, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
