//! Sharing groups (共享群组) and their members; a membership change re-shares or revokes at once (rule 6).

use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::{run, Auth, JsonBody, Query};
use crate::api::page::{self, KeyPageParams};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::group::GroupDraft;
use crate::domain::ids::{AgencyId, GroupId};
use crate::error::{AppError, AppResult};
use crate::policy::{self};
use crate::service::groups::Group;
use crate::service::{self};

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGroup {
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    #[schema(schema_with = crate::contract::id_list)]
    pub agency_ids: Vec<String>,
}

/// Sharing groups and their members.
/// In name order, a page at a time. The group of an audit linkage (巡审联动) is listed only to
/// its members (and the hub admin).
#[utoipa::path(tag = "共享组", params(KeyPageParams), responses((status = 200, body = GroupPage), (status = 400, body = Problem)),
    security(("bearer" = [])))]
#[get("/groups")]
pub async fn list_groups(
    state: web::Data<AppState>,
    Auth(p): Auth,
    params: Query<KeyPageParams>,
) -> AppResult<HttpResponse> {
    let w = page::key_window(params.cursor.as_deref(), params.limit)?;
    let page = run(&state.pool, move |conn| service::groups::page_for(conn, &p, &w)).await?;
    Ok(HttpResponse::Ok().json(GroupPage::from(page)))
}

crate::page_schema!(GroupPage, Group);

/// Creates a sharing group (admin).
#[utoipa::path(tag = "共享组", request_body = NewGroup, responses(
    (status = 201, body = Group), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/groups")]
pub async fn create_group(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewGroup>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let b = body.0;
    let draft = GroupDraft::parse(&b.name, b.description, &b.agency_ids)?;
    let group = run(&state.pool, move |conn| service::groups::create(conn, &p, draft)).await?;
    Ok(HttpResponse::Created().json(group))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMember {
    #[schema(schema_with = crate::contract::id_body)]
    pub agency_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipChange {
    pub group: Group,
    /// Records the agency gained (shared to it) or lost (tombstoned) through this change.
    pub records_shared: usize,
    pub records_revoked: usize,
}

impl From<service::groups::MembershipOutcome> for MembershipChange {
    fn from(o: service::groups::MembershipOutcome) -> Self {
        MembershipChange { group: o.group, records_shared: o.records_shared, records_revoked: o.records_revoked }
    }
}

/// Adds a member: it receives the group's records from now on, old ones included.
#[utoipa::path(tag = "共享组", request_body = NewMember, responses(
    (status = 200, body = MembershipChange), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/groups/{id}/members")]
pub async fn add_group_member(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewMember>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let group_id = GroupId::parse(&id).ok_or_else(|| AppError::NotFound("共享组不存在".into()))?;
    let agency_id =
        AgencyId::parse(&body.0.agency_id).ok_or_else(|| AppError::validation("agency_id", "单位编号格式无效"))?;
    let out =
        run(&state.pool, move |conn| service::groups::change_membership(conn, &p, &group_id, &agency_id, true)).await?;
    Ok(HttpResponse::Ok().json(MembershipChange::from(out)))
}

/// Removes a member: its feed gets a tombstone for each group record it can no longer read.
#[utoipa::path(tag = "共享组", responses(
    (status = 200, body = MembershipChange), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[delete("/groups/{id}/members/{agency_id}")]
pub async fn remove_group_member(
    state: web::Data<AppState>,
    Auth(p): Auth,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    policy::require_admin(&p)?;
    let (id, agency_id) = path.into_inner();
    let group_id = GroupId::parse(&id).ok_or_else(|| AppError::NotFound("共享组不存在".into()))?;
    let agency_id = AgencyId::parse(&agency_id).ok_or_else(|| AppError::NotFound("该单位不是此共享组成员".into()))?;
    let out = run(&state.pool, move |conn| service::groups::change_membership(conn, &p, &group_id, &agency_id, false))
        .await?;
    Ok(HttpResponse::Ok().json(MembershipChange::from(out)))
}
