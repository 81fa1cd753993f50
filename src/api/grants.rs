//! Who holds access to a record beyond its distribution, and why (transfers, deliberations).

use actix_web::{get, web, HttpResponse};

use crate::api::extract::{path_id, run, Auth};
use crate::api::problem::Problem;
use crate::api::records::record_not_found;
use crate::api::state::AppState;
use crate::domain::ids::RecordId;
use crate::error::AppResult;
use crate::policy;
use crate::service::grants::GrantView;
use crate::service::{self};

/// Every grant made on the record — live transfers, deliberations, field grants — with who
/// made it and why. The owner only: 403 for other readers, 404 for agencies that may not read it.
#[utoipa::path(tag = "信息", responses((status = 200, body = Vec<GrantView>), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/records/{id}/grants")]
pub async fn record_grants(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let id: RecordId = path_id(&id, record_not_found)?;
    let grants = run(&state.pool, move |conn| service::grants::for_owner(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(grants))
}
