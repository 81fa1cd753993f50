//! Possible duplicate handling of a clue (疑似重复线索): the similar clues a reader may know of.

use actix_web::{get, web, HttpResponse};

use crate::api::extract::{path_id, run, Auth, Query};
use crate::api::page;
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::RecordId;
use crate::error::{AppError, AppResult};
use crate::policy::{self};
use crate::service::similar::SimilarClue;
use crate::service::{self};

/// Possible duplicate handling: clues on the same supervision objects with similar text.
/// A clue the caller may read is shown with its score and the shared text; of any other,
/// only that an agency handles a related clue, and which agency (audited for both). Without
/// `X-Access-Purpose` restricted clues take no part (a restricted clue of the caller: 428).
#[utoipa::path(tag = "线索移交", params(crate::contract::AccessPurpose),
    params(SimilarParams),
    responses((status = 200, body = SimilarPage), (status = 400, body = Problem), (status = 404, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
#[get("/records/{id}/similar")]
pub async fn similar_records(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<SimilarParams>,
) -> AppResult<HttpResponse> {
    policy::require_content_reader(&p)?;
    let id: RecordId = path_id(&id, AppError::record_not_found)?;
    let purpose = crate::api::extract::access_purpose(&req)?;
    let skip = page::decode(params.cursor.as_deref())?.unwrap_or(0);
    let limit = page::limit(params.limit)?;
    let (items, more) = run(&state.pool, move |conn| {
        service::similar::for_viewer(conn, &p, &id, purpose.as_deref(), skip as usize, limit as usize)
    })
    .await?;
    let next_cursor = more.then(|| page::encode(skip + items.len() as i64));
    Ok(HttpResponse::Ok().json(SimilarPage { items, next_cursor }))
}

/// `?cursor=&limit=` of the similar clues (most similar first; the cursor counts the clues
/// already shown).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct SimilarParams {
    #[param(schema_with = crate::contract::seq_cursor_param)]
    pub cursor: Option<String>,
    #[param(schema_with = crate::contract::limit_param)]
    pub limit: Option<i64>,
}

crate::page_schema!(SimilarPage, SimilarClue);
