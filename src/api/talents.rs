//! The talent pool (人才库): member units recommend people for inspection teams and keep
//! their entries; the inspection office reads the whole pool, records commendations, and
//! composes teams from it (`api::teams`). To any other unit a recommendation it did not make
//! does not exist: 404, empty lists, zero counts (`policy::talent`). The roster, its
//! statistics and export are in `api::talent_lists`.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::{if_match, path_id, run, Auth, JsonBody};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{parse_opt, RoundId, TalentId};
use crate::domain::inspection::talent::{TalentDraft, TalentInput, TeamPosition, MAX_BATCH};
use crate::error::{AppError, AppResult};
use crate::policy::talent::TALENT_NOT_FOUND;
use crate::service::inspection::talent_pool::{self, TalentView};
use crate::service::inspection::talents::{self, BatchCreated, Commendation};

fn not_found() -> AppError {
    AppError::NotFound(TALENT_NOT_FOUND.into())
}

fn yes() -> bool {
    true
}

/// A past posting (任职经历).
#[derive(Debug, Clone, Deserialize)]
pub struct PostingBody {
    pub unit_object_id: String,
    pub from: String,
    #[serde(default)]
    pub to: Option<String>,
}

/// A declared relation to a unit.
#[derive(Debug, Clone, Deserialize)]
pub struct RelationBody {
    pub unit_object_id: String,
    pub relation: String,
}

fn postings(v: Vec<PostingBody>) -> Vec<(String, String, Option<String>)> {
    v.into_iter().map(|p| (p.unit_object_id, p.from, p.to)).collect()
}

fn relations(v: Vec<RelationBody>) -> Vec<(String, String)> {
    v.into_iter().map(|r| (r.unit_object_id, r.relation)).collect()
}

/// A person recommended for inspection teams.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTalent {
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    /// The current work unit as a supervision object of kind `unit` (its name is used when
    /// `work_unit_name` is left out).
    #[schema(schema_with = crate::contract::id_or_null)]
    pub work_unit_object_id: Option<String>,
    /// 现工作单位 (required without `work_unit_object_id`).
    #[schema(schema_with = crate::contract::name_100_or_null)]
    pub work_unit_name: Option<String>,
    /// 职务, e.g. 审计科科长
    #[schema(schema_with = crate::contract::name_100)]
    pub position: String,
    /// 专业特长, matched against a round's focus (巡察重点).
    #[serde(default)]
    #[schema(schema_with = crate::contract::focus_tags)]
    pub expertise: Vec<String>,
    #[schema(schema_with = crate::contract::eligible_positions)]
    pub eligible: Vec<TeamPosition>,
    #[serde(default)]
    #[schema(schema_with = crate::contract::postings)]
    pub postings: Vec<PostingBody>,
    #[serde(default)]
    #[schema(schema_with = crate::contract::relations)]
    pub relations: Vec<RelationBody>,
    /// Default true.
    #[serde(default = "yes")]
    pub active: bool,
}

impl NewTalent {
    fn input(self) -> TalentInput {
        TalentInput {
            name: self.name,
            work_unit_object_id: self.work_unit_object_id,
            work_unit_name: self.work_unit_name,
            position: self.position,
            expertise: self.expertise,
            eligible: self.eligible,
            postings: postings(self.postings),
            relations: relations(self.relations),
            active: self.active,
        }
    }
}

/// Recommends a person (a member unit's liaison or admin); the recommending unit is the
/// caller's own. Units named (work unit, postings, relations) must be supervision objects of
/// kind `unit`.
#[utoipa::path(tag = "人才库", request_body = NewTalent, responses((status = 201, body = TalentView),
    (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/talents")]
pub async fn create_talent(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<NewTalent>,
) -> AppResult<HttpResponse> {
    let draft = TalentDraft::parse(&body.0.input(), "").map_err(AppError::Validation)?;
    let v = run(&state.pool, move |conn| talents::create(conn, &p, &draft)).await?;
    Ok(HttpResponse::Created().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TalentBatch {
    /// 1–500 people, created together or not at all.
    #[schema(min_items = 1, max_items = 500)]
    pub items: Vec<NewTalent>,
}

/// Recommends many people at once (e.g. a unit's whole list): all are created or none;
/// errors name `items[i].<field>`.
#[utoipa::path(tag = "人才库", request_body = TalentBatch, responses((status = 201, body = BatchCreated),
    (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/talents/batch")]
pub async fn create_talent_batch(
    state: web::Data<AppState>,
    Auth(p): Auth,
    body: JsonBody<TalentBatch>,
) -> AppResult<HttpResponse> {
    let items = body.0.items;
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(AppError::validation("items", format!("每批 1–{MAX_BATCH} 人")));
    }
    let (mut drafts, mut errs) = (Vec::with_capacity(items.len()), Vec::new());
    for (i, item) in items.into_iter().enumerate() {
        match TalentDraft::parse(&item.input(), &format!("items[{i}].")) {
            Ok(d) => drafts.push(d),
            Err(e) => errs.extend(e),
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let v = run(&state.pool, move |conn| talents::create_batch(conn, &p, &drafts)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// One person: entry, postings, relations, commendations and participation history (a
/// round and team are named only to a caller who may see the round).
#[utoipa::path(tag = "人才库", responses((status = 200, body = TalentView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/talents/{id}")]
pub async fn get_talent(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: TalentId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| talent_pool::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", format!("\"{}\"", v.version))).json(v))
}

/// A change to a person's entry; fields left out stay. `postings` and `relations`, when
/// given, replace the lists.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TalentPatch {
    #[schema(schema_with = crate::contract::name_100_or_null)]
    pub name: Option<String>,
    /// `null` unlinks the work unit object (then `work_unit_name` stays as it is).
    #[serde(default, deserialize_with = "crate::wire::present")]
    #[schema(schema_with = crate::contract::id_or_null)]
    pub work_unit_object_id: Option<Option<String>>,
    #[schema(schema_with = crate::contract::name_100_or_null)]
    pub work_unit_name: Option<String>,
    #[schema(schema_with = crate::contract::name_100_or_null)]
    pub position: Option<String>,
    #[schema(schema_with = crate::contract::expertise_or_null)]
    pub expertise: Option<Vec<String>>,
    #[schema(schema_with = crate::contract::eligible_positions_or_null)]
    pub eligible: Option<Vec<TeamPosition>>,
    #[schema(schema_with = crate::contract::postings_or_null)]
    pub postings: Option<Vec<PostingBody>>,
    #[schema(schema_with = crate::contract::relations_or_null)]
    pub relations: Option<Vec<RelationBody>>,
    /// An inactive person is kept with their history but never proposed.
    pub active: Option<bool>,
}

impl TalentPatch {
    fn apply(self, t: &mut TalentInput) {
        if let Some(v) = self.name {
            t.name = v;
        }
        if let Some(v) = self.work_unit_object_id {
            // A new work unit object brings its own name, unless one is given with it.
            if v.is_some() && v != t.work_unit_object_id {
                t.work_unit_name = None;
            }
            t.work_unit_object_id = v;
        }
        if let Some(v) = self.work_unit_name {
            t.work_unit_name = Some(v);
        }
        if let Some(v) = self.position {
            t.position = v;
        }
        if let Some(v) = self.expertise {
            t.expertise = v;
        }
        if let Some(v) = self.eligible {
            t.eligible = v;
        }
        if let Some(v) = self.postings {
            t.postings = postings(v);
        }
        if let Some(v) = self.relations {
            t.relations = relations(v);
        }
        if let Some(v) = self.active {
            t.active = v;
        }
    }
}

/// Changes a person's entry (the recommending unit) with `If-Match: <version>`: missing is
/// 428, stale 412. An inspection office, which sees the entry, gets 403.
#[utoipa::path(tag = "人才库", request_body = TalentPatch, params(crate::contract::IfMatch),
    responses((status = 200, body = TalentView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)), security(("bearer" = [])))]
#[patch("/talents/{id}")]
pub async fn update_talent(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<TalentPatch>,
) -> AppResult<HttpResponse> {
    let id: TalentId = path_id(&id, not_found)?;
    let version = if_match(&req)?;
    let patch = body.0;
    let v = run(&state.pool, move |conn| talents::update(conn, &p, &id, version, |t| patch.apply(t))).await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", format!("\"{}\"", v.version))).json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCommendation {
    /// e.g. 优秀巡察抽调干部
    #[schema(schema_with = crate::contract::name_100)]
    pub title: String,
    /// YYYY-MM-DD
    #[schema(schema_with = crate::contract::date_body)]
    pub awarded_on: String,
    /// The round it was earned in (one the office can see).
    #[schema(schema_with = crate::contract::id_or_null)]
    pub round_id: Option<String>,
}

/// Records a commendation of a person (an inspection office).
#[utoipa::path(tag = "人才库", request_body = NewCommendation, responses((status = 201, body = TalentView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/talents/{id}/commendations")]
pub async fn commend_talent(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewCommendation>,
) -> AppResult<HttpResponse> {
    let id: TalentId = path_id(&id, not_found)?;
    let b = body.0;
    let mut errs = Vec::new();
    let round_id: Option<RoundId> = parse_opt("round_id", b.round_id.as_deref(), &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let c = Commendation { title: b.title, awarded_on: b.awarded_on, round_id };
    let v = run(&state.pool, move |conn| talents::commend(conn, &p, &id, &c)).await?;
    Ok(HttpResponse::Created().json(v))
}
