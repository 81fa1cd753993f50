//! Bulk NDJSON batches (`POST /sync/batches`): the server side of the sync job's push.

use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use crate::api::extract::{idempotency_key, run, Auth};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::error::{AppError, AppResult};
use crate::policy;

/// Bulk upsert of NDJSON lines (each a record as for POST /records, with `external_id`),
/// by (owner agency, external_id). The answer is NDJSON too, one result line per input
/// line: `created`, `updated`, `unchanged` or `rejected` with its errors. Sending the same
/// batch twice changes nothing the second time. With `Idempotency-Key` a repeated batch
/// gets the first answer again.
#[utoipa::path(tag = "同步", request_body(content = String, content_type = "application/x-ndjson"),
    params(crate::contract::IdempotencyKey),
    responses((status = 200, description = "每行一个结果(NDJSON,每行的结构见 LineResult)", body = crate::contract::sync::LineResult,
        content_type = "application/x-ndjson"),
    (status = 413, body = Problem), (status = 415, body = Problem)), security(("bearer" = [])))]
#[post("/sync/batches")]
pub async fn push_batch(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    policy::require_content_writer(&p)?;
    let ct = req.headers().get("Content-Type").and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if !(ct.starts_with("application/x-ndjson")
        || ct.starts_with("application/jsonl")
        || ct.starts_with("application/json"))
    {
        return Err(AppError::UnsupportedMediaType(
            "批量导入的请求体须为 NDJSON(Content-Type: application/x-ndjson)".into(),
        ));
    }
    let key = idempotency_key(&req)?;
    let max = state.settings.max_batch_bytes;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("无法读取请求体:{e}")))?;
        if body.len() + chunk.len() > max {
            return Err(AppError::PayloadTooLarge(format!("批量导入请求体超过上限 {max} 字节,请分批提交")));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let out = run(&state.pool, move |conn| crate::service::import::push(conn, &p, &body, key.as_deref())).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson; charset=utf-8")
        .insert_header(("X-Batch-Created", out.summary.created.to_string()))
        .insert_header(("X-Batch-Updated", out.summary.updated.to_string()))
        .insert_header(("X-Batch-Unchanged", out.summary.unchanged.to_string()))
        .insert_header(("X-Batch-Rejected", out.summary.rejected.to_string()))
        .insert_header(("X-Batch-Replayed", if out.replayed { "true" } else { "false" }))
        .body(out.ndjson))
}
