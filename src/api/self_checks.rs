//! Self-check requirements (未巡先改): the round's office requires a unit it did not inspect to
//! check itself by a deadline; the unit reports (自查自纠情况) through its own account, or the
//! office records the report. Seen by the office and the unit's account only; 404 to others.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::common_problems::ExportParams;
use crate::api::extract::{path_id, run, Auth, JsonBody, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{parse_opt, ObjectId, RoundId, SelfCheckId};
use crate::domain::inspection::campaigns::{SelfCheckDraft, SelfCheckState};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::common_problems::SELF_CHECK_NOT_FOUND;
use crate::policy::inspection::ROUND_NOT_FOUND;
use crate::service::inspection::after_round;
use crate::service::inspection::self_checks::{self, SelfCheckView};

fn round_not_found() -> AppError {
    AppError::NotFound(ROUND_NOT_FOUND.into())
}

fn not_found() -> AppError {
    AppError::NotFound(SELF_CHECK_NOT_FOUND.into())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSelfCheck {
    /// The unit required to check itself: a supervision object of kind unit, not inspected
    /// in this round.
    #[schema(schema_with = crate::contract::id_body)]
    pub object_id: String,
    /// The unit's own account (kind `inspected_unit`): it sees and answers the requirement.
    #[schema(schema_with = crate::contract::id_or_null)]
    pub account_agency_id: Option<String>,
    /// What to check (自查要求), e.g. against the round's common problems.
    #[schema(schema_with = crate::contract::text_5000)]
    pub requirement: String,
    /// YYYY-MM-DD, not before today.
    #[schema(schema_with = crate::contract::date_body)]
    pub deadline: String,
}

/// Requires a unit not inspected in the round to check itself (the round's office, from the
/// feedback stage on).
#[utoipa::path(tag = "巡察", request_body = NewSelfCheck, responses((status = 201, body = SelfCheckView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/rounds/{id}/self-checks")]
pub async fn create_self_check(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewSelfCheck>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, round_not_found)?;
    let b = body.0;
    let mut errs: Vec<FieldError> = Vec::new();
    let object_id = ObjectId::parse(&b.object_id);
    if object_id.is_none() {
        errs.push(FieldError::new("object_id", "编号格式无效"));
    }
    let account = parse_opt("account_agency_id", b.account_agency_id.as_deref(), &mut errs);
    let draft = SelfCheckDraft::parse(&b.requirement, &b.deadline, &crate::domain::clock::today());
    let (draft, object_id) = match (draft, object_id) {
        (Ok(d), Some(o)) if errs.is_empty() => (d, o),
        (Ok(_), _) => return Err(AppError::Validation(errs)),
        (Err(mut e), _) => {
            e.extend(errs);
            return Err(AppError::Validation(e));
        }
    };
    let v =
        run(&state.pool, move |conn| self_checks::require(conn, &p, &id, &object_id, account.as_ref(), &draft)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// The round's self-check requirements the caller sees: all of them for the round's office,
/// none for its participants.
#[utoipa::path(tag = "巡察", responses((status = 200, body = Vec<SelfCheckView>), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/rounds/{id}/self-checks")]
pub async fn list_round_self_checks(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, round_not_found)?;
    let v = run(&state.pool, move |conn| self_checks::list_for_round(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// The round's self-check requirements as a ledger (未巡先改台账): `format=csv|xlsx`.
#[utoipa::path(tag = "巡察", params(ExportParams), responses(
    (status = 200, description = "未巡先改台账(format=csv:UTF-8 带 BOM 的 CSV;format=xlsx:Excel 工作簿)", content(
        (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/rounds/{id}/self-checks/export")]
pub async fn export_round_self_checks(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<ExportParams>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, round_not_found)?;
    let format = params.into_inner().format()?;
    let bytes = run(&state.pool, move |conn| after_round::export_self_checks(conn, &p, &id, format)).await?;
    Ok(crate::api::export::attachment(format, "未巡先改台账", bytes))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SelfCheckParams {
    #[param(schema_with = self_check_state_param)]
    pub state: Option<String>,
    #[param(schema_with = crate::contract::id_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

fn self_check_state_param() -> utoipa::openapi::ObjectBuilder {
    crate::contract::choice_param(&SelfCheckState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

crate::page_schema!(SelfCheckPage, SelfCheckView);

/// The requirements the caller sees, newest first: an office's own, or — for an inspected
/// unit's account — those naming it.
#[utoipa::path(tag = "巡察", params(SelfCheckParams), responses((status = 200, body = SelfCheckPage),
    (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/self-checks")]
pub async fn list_self_checks(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<SelfCheckParams>,
) -> AppResult<HttpResponse> {
    let params = params.into_inner();
    let w = page::window(params.cursor.as_deref(), params.limit)?;
    let wanted = match params.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(SelfCheckState::parse(s).ok_or_else(|| {
            AppError::validation("state", format!("状态“{s}”无效,可选:{}", SelfCheckState::expected()))
        })?),
    };
    let page = run(&state.pool, move |conn| self_checks::page(conn, &p, &w, wanted)).await?;
    Ok(HttpResponse::Ok().json(SelfCheckPage::from(page)))
}

/// One requirement (its office, or the unit's account).
#[utoipa::path(tag = "巡察", responses((status = 200, body = SelfCheckView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/self-checks/{id}")]
pub async fn get_self_check(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: SelfCheckId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| self_checks::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SelfCheckReport {
    /// The self-check report (自查自纠情况).
    #[schema(schema_with = crate::contract::text_5000)]
    pub report: String,
}

/// Reports the self-check: the unit through its account, or the office recording it. Once
/// only (409 after).
#[utoipa::path(tag = "巡察", request_body = SelfCheckReport, responses((status = 200, body = SelfCheckView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/self-checks/{id}/report")]
pub async fn report_self_check(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<SelfCheckReport>,
) -> AppResult<HttpResponse> {
    let id: SelfCheckId = path_id(&id, not_found)?;
    let text = body.0.report;
    let v = run(&state.pool, move |conn| self_checks::report(conn, &p, &id, &text)).await?;
    Ok(HttpResponse::Ok().json(v))
}
