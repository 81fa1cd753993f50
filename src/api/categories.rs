//! The category taxonomy (问题类别) that records are filed under.

use actix_web::{get, web, HttpResponse};

use crate::api::extract::{run, Auth};
use crate::api::state::AppState;
use crate::error::AppResult;
use crate::service::ops::Category;

/// The problem-category taxonomy (问题类别).
#[utoipa::path(tag = "信息", responses((status = 200, body = Vec<Category>)), security(("bearer" = [])))]
#[get("/categories")]
pub async fn list_categories(state: web::Data<AppState>, _auth: Auth) -> AppResult<HttpResponse> {
    let list = run(&state.pool, crate::service::ops::categories).await?;
    Ok(HttpResponse::Ok().json(list))
}
