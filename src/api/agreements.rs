//! Sharing agreements (共享协议): which kinds of record may go from whom to whom.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::{run, Auth, JsonBody, Query};
use crate::api::page::PageParams;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::agency::{validate_name, AgencyKind};
use crate::domain::record::RecordKind;
use crate::domain::{is_id, new_id, now};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::{self};
use crate::service::agreements::AgreementView;
use crate::service::{self};
use crate::store::log::{write_tx, Actor};

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
    let mut errs = Vec::new();
    validate_name("name", &b.name, &mut errs);
    if b.source_agency_id.is_some() == b.source_kind.is_some() {
        errs.push(FieldError::new(
            "source_agency_id",
            "须且只须指定来源单位(source_agency_id)或来源单位类别(source_kind)之一",
        ));
    }
    if b.source_agency_id.as_ref().is_some_and(|s| !is_id(s)) {
        errs.push(FieldError::new("source_agency_id", "单位编号格式无效"));
    }
    if b.recipient_agency_ids.is_empty() && b.recipient_kinds.is_empty() {
        errs.push(FieldError::new("recipient_agency_ids", "须列出允许的接收单位或接收单位类别"));
    }
    for (i, a) in b.recipient_agency_ids.iter().enumerate() {
        if !is_id(a) {
            errs.push(FieldError::new(format!("recipient_agency_ids[{i}]"), "单位编号格式无效"));
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let view = AgreementView {
        id: new_id(),
        name: b.name.trim().to_string(),
        source_agency_id: b.source_agency_id,
        source_kind: b.source_kind.map(|k| k.as_str().to_string()),
        record_kind: b.record_kind.as_str().to_string(),
        recipient_agency_ids: b.recipient_agency_ids,
        recipient_kinds: b.recipient_kinds.iter().map(|k| k.as_str().to_string()).collect(),
        protected_fields: b.protected_fields,
        created_at: now(),
    };
    let v = view.clone();
    run(&state.pool, move |conn| {
        write_tx(conn, |conn, log| {
            for id in v.source_agency_id.iter().chain(v.recipient_agency_ids.iter()) {
                service::agencies::get(conn, id)
                    .map_err(|_| AppError::validation("recipient_agency_ids", format!("成员单位 {id} 不存在")))?;
            }
            service::agreements::insert(conn, log, &Actor::from(&p), &v)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}
