//! Possible duplicate handling of a clue (疑似重复线索): the similar clues a reader may know of.

use actix_web::{get, web, HttpResponse};

use crate::api::extract::{path_id, run, Auth};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::error::{AppError, AppResult};
use crate::policy::{self};
use crate::service::similar::SimilarClue;
use crate::service::{self};
use crate::store::directory;

/// Possible duplicate handling: clues on the same supervision objects with similar text.
/// A clue the caller may read is shown with its score and the shared text; of any other,
/// only that an agency handles a related clue, and which agency (audited for both). Without
/// `X-Access-Purpose` restricted clues take no part (a restricted clue of the caller: 428).
#[utoipa::path(tag = "线索移交", params(crate::contract::AccessPurpose),
    responses((status = 200, body = Vec<SimilarClue>), (status = 404, body = Problem), (status = 428, body = Problem)), security(("bearer" = [])))]
#[get("/records/{id}/similar")]
pub async fn similar_records(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let id = path_id(&id, AppError::record_not_found)?;
    let purpose = crate::api::extract::access_purpose(&req)?;
    let out = run(&state.pool, move |conn| {
        let viewer = directory::viewer(conn, &p.agency_id)?;
        let s = service::records::get_entitled(conn, &viewer, &id)?;
        service::similar::for_viewer(conn, &p, &viewer, &s, purpose.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}
