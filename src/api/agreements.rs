//! Sharing agreements (共享协议): which kinds of record may go from whom to whom.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::{run, Auth, JsonBody, Query};
use crate::api::page::PageParams;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::agency::AgencyKind;
use crate::domain::agreement::AgreementDraft;
use crate::domain::record::RecordKind;
use crate::error::AppResult;
use crate::policy::{self};
use crate::service::agreements::AgreementView;
use crate::service::{self};

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAgreement {
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    /// The source: an agency, or every agency of a kind (one of the two).
    #[schema(schema_with = crate::contract::id_or_null)]
    pub source_agency_id: Option<String>,
    pub source_kind: Option<AgencyKind>,
    pub record_kind: RecordKind,
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub recipient_agency_ids: Vec<String>,
    #[serde(default)]
    pub recipient_kinds: Vec<AgencyKind>,
    /// Whether protected fields may go with the records.
    #[serde(default)]
    pub protected_fields: bool,
}

/// Sharing agreements (协作意见).
/// In the order they were made, a page at a time.
#[utoipa::path(tag = "协作意见", params(PageParams), responses((status = 200, body = AgreementPage), (status = 400, body = Problem)),
    security(("bearer" = [])))]
#[get("/agreements")]
pub async fn list_agreements(
    state: web::Data<AppState>,
    _auth: Auth,
    params: Query<PageParams>,
) -> AppResult<HttpResponse> {
    let w = params.window()?;
    let page = run(&state.pool, move |conn| service::agreements::page(conn, &w)).await?;
    Ok(HttpResponse::Ok().json(AgreementPage::from(page)))
}

crate::page_schema!(AgreementPage, AgreementView);

/// Creates a sharing agreement (admin). From then on the source's records of that kind may
/// go only to the recipients that agreements allow.
#[utoipa::path(tag = "协作意见", request_body = NewAgreement, responses(
    (status = 201, body = AgreementView), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/agreements")]
pub async fn create_agreement(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewAgreement>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let b = body.0;
    let draft = AgreementDraft::parse(
        &b.name,
        b.source_agency_id.as_deref(),
        b.source_kind,
        b.record_kind,
        &b.recipient_agency_ids,
        b.recipient_kinds,
        b.protected_fields,
    )?;
    let view = run(&state.pool, move |conn| service::agreements::create(conn, &p, draft)).await?;
    Ok(HttpResponse::Created().json(view))
}
