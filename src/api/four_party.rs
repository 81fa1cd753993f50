//! The four-party review (四方会审) of a unit's rectification: opened and concluded by the
//! office; the office (for itself and the team), the discipline commission and the
//! organisation department pass or return every item with an opinion.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::{path_id, run, Auth, JsonBody};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{InspectedUnitId, ItemId, ReviewId};
use crate::domain::inspection::four_party::{ItemVerdict, ReviewParty, VerdictDraft};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::inspection::UNIT_NOT_FOUND;
use crate::service::inspection::rectification::four_party::{self, ReviewView, REVIEW_NOT_FOUND};

fn unit_not_found() -> AppError {
    AppError::NotFound(UNIT_NOT_FOUND.into())
}

fn review_not_found() -> AppError {
    AppError::NotFound(REVIEW_NOT_FOUND.into())
}

/// The office opens a four-party review of the unit (stage `rectification`; every item
/// closed; none under way).
#[utoipa::path(tag = "巡后整改", responses((status = 201, body = ReviewView), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/inspected-units/{id}/reviews")]
pub async fn open_review(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let v = run(&state.pool, move |conn| four_party::open(conn, &p, &id)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// The unit's four-party reviews, newest first (the office, the participants, the unit).
#[utoipa::path(tag = "巡后整改", responses((status = 200, body = Vec<ReviewView>), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/inspected-units/{id}/reviews")]
pub async fn list_reviews(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let v = run(&state.pool, move |conn| four_party::list(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// One review with every verdict recorded.
#[utoipa::path(tag = "巡后整改", responses((status = 200, body = ReviewView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/four-party-reviews/{id}")]
pub async fn get_review(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: ReviewId = path_id(&id, review_not_found)?;
    let v = run(&state.pool, move |conn| four_party::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// One party's verdict on one item.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerdictInput {
    #[schema(schema_with = crate::contract::id_body)]
    pub item_id: String,
    pub verdict: ItemVerdict,
    /// Required for `return`.
    #[serde(default)]
    #[schema(schema_with = crate::contract::long_text_optional)]
    pub opinion: String,
}

/// A party's verdicts.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerdictsRequest {
    /// `inspection_office` and `team` (in the team leader's name) by the office; `discipline`
    /// and `organization` by the round's commission and department.
    pub party: ReviewParty,
    /// Who signs for the party (for the team: its leader).
    #[schema(schema_with = crate::contract::name_100)]
    pub signer_name: String,
    /// Items of the unit, each once (1–1000).
    #[schema(min_items = 1, max_items = 1000)]
    pub verdicts: Vec<VerdictInput>,
}

/// A party records its verdicts on items of an open review (a later verdict on the same item
/// replaces its earlier one).
#[utoipa::path(tag = "巡后整改", request_body = VerdictsRequest, responses((status = 200, body = ReviewView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/four-party-reviews/{id}/verdicts")]
pub async fn record_verdicts(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<VerdictsRequest>,
) -> AppResult<HttpResponse> {
    let id: ReviewId = path_id(&id, review_not_found)?;
    let b = body.0;
    let mut errs = Vec::new();
    let verdicts: Vec<VerdictDraft> = b
        .verdicts
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            if ItemId::parse(&v.item_id).is_none() {
                errs.push(FieldError::new(format!("verdicts[{i}].item_id"), "编号格式无效"));
            }
            VerdictDraft { item_id: v.item_id, verdict: v.verdict, opinion: v.opinion }
        })
        .collect();
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let v = run(&state.pool, move |conn| four_party::record(conn, &p, &id, b.party, &b.signer_name, &verdicts)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// The office concludes the review once every party has judged every item (else 409):
/// passed, or returned with the returned items reopened.
#[utoipa::path(tag = "巡后整改", responses((status = 200, body = ReviewView), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/four-party-reviews/{id}/conclude")]
pub async fn conclude_review(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: ReviewId = path_id(&id, review_not_found)?;
    let v = run(&state.pool, move |conn| four_party::conclude(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}
