//! Quantified evaluations of rectification (量化评估, the eight checks of seed 003): the round's
//! office sets one up and finalises it; the evaluating agencies score each unit; the results
//! (score and rank per unit) go to the units' records. Only the office and the evaluating
//! agencies see an evaluation; an agency sees its own raw scores only; the inspected unit's
//! account sees its own final score and rank once finalised.

use std::collections::BTreeMap;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{optional_if_match, path_id, run, Auth, JsonBody, Query};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{parse_list, AgencyId, EvaluationId, InspectedUnitId, RoundId};
use crate::domain::inspection::evaluation::{check_scores, Weights};
use crate::error::{AppError, AppResult};
use crate::policy::evaluation::EVALUATION_NOT_FOUND;
use crate::policy::inspection::{ROUND_NOT_FOUND, UNIT_NOT_FOUND};
use crate::service::inspection::evaluation::UnitEvaluationResult;
use crate::service::inspection::evaluation::{self, results, scores, EvaluationView, NewEvaluation, ScoreView};
use crate::service::ledger_export::ExportFormat;
use crate::wire::whole::Whole;

fn not_found() -> AppError {
    AppError::NotFound(EVALUATION_NOT_FOUND.into())
}

fn weights(w: Option<&BTreeMap<String, Whole>>) -> AppResult<Option<Weights>> {
    w.map(|w| {
        let w: BTreeMap<String, i64> = w.iter().map(|(k, v)| (k.clone(), v.0)).collect();
        Weights::parse(&w).map_err(AppError::Validation)
    })
    .transpose()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEvaluationBody {
    /// e.g. 巡察整改量化检查评估
    #[schema(schema_with = crate::contract::name_100)]
    pub name: String,
    /// The weight of each check; all equal when left out.
    #[serde(default)]
    #[schema(schema_with = crate::contract::evaluation_weights_or_null)]
    pub weights: Option<BTreeMap<String, Whole>>,
    /// The evaluating agencies: the office itself or the round's participants.
    #[schema(schema_with = crate::contract::id_list_nonempty)]
    pub evaluator_agency_ids: Vec<String>,
    /// The inspected units of the round to evaluate.
    #[schema(schema_with = crate::contract::id_list_nonempty)]
    pub inspected_unit_ids: Vec<String>,
}

/// Sets up a quantified evaluation of the round (its office, once the round is in
/// `rectification` or `closed`; before: 409).
#[utoipa::path(tag = "巡察", request_body = NewEvaluationBody, responses((status = 201, body = EvaluationView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/rounds/{id}/evaluations")]
pub async fn create_evaluation(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewEvaluationBody>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, || AppError::NotFound(ROUND_NOT_FOUND.into()))?;
    let b = body.0;
    let mut errs = Vec::new();
    let agencies: Vec<AgencyId> = parse_list("evaluator_agency_ids", &b.evaluator_agency_ids, &mut errs);
    let units: Vec<InspectedUnitId> = parse_list("inspected_unit_ids", &b.inspected_unit_ids, &mut errs);
    let w = match weights(b.weights.as_ref()) {
        Ok(w) => w.unwrap_or_else(Weights::equal),
        Err(AppError::Validation(e)) => {
            errs.extend(e);
            Weights::equal()
        }
        Err(e) => return Err(e),
    };
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let n = NewEvaluation { name: b.name, weights: w, evaluator_agency_ids: agencies, inspected_unit_ids: units };
    let v = run(&state.pool, move |conn| evaluation::create(conn, &p, &id, &n)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// The round's evaluations the caller sees (the office all, an evaluating agency its own).
#[utoipa::path(tag = "巡察", responses((status = 200, body = Vec<EvaluationView>), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/rounds/{id}/evaluations")]
pub async fn list_round_evaluations(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, || AppError::NotFound(ROUND_NOT_FOUND.into()))?;
    let v = run(&state.pool, move |conn| evaluation::list_for_round(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// One evaluation: weights, evaluators, units; the means, scores and ranks for the office
/// (provisional while open) and, once finalised, for the evaluating agencies.
#[utoipa::path(tag = "巡察", responses((status = 200, body = EvaluationView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/evaluations/{id}")]
pub async fn get_evaluation(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: EvaluationId = path_id(&id, not_found)?;
    let v = run(&state.pool, move |conn| evaluation::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().insert_header(("ETag", format!("\"{}\"", v.version))).json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EvaluationPatch {
    #[schema(schema_with = crate::contract::name_100_or_null)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::contract::evaluation_weights_or_null)]
    pub weights: Option<BTreeMap<String, Whole>>,
}

/// Renames the evaluation or changes its weights (the office, while open; 409 once finalised).
#[utoipa::path(tag = "巡察", request_body = EvaluationPatch, params(crate::contract::OptionalIfMatch),
    responses((status = 200, body = EvaluationView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[patch("/evaluations/{id}")]
pub async fn update_evaluation(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<EvaluationPatch>,
) -> AppResult<HttpResponse> {
    let id: EvaluationId = path_id(&id, not_found)?;
    let version = optional_if_match(&req)?;
    let b = body.0;
    let w = weights(b.weights.as_ref())?;
    let v =
        run(&state.pool, move |conn| evaluation::update(conn, &p, &id, b.name.as_deref(), w.as_ref(), version)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// One check's score as an agency gives it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ScoreInput {
    /// 0–100.
    #[serde(deserialize_with = "crate::wire::whole::i64")]
    pub score: i64,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ScoresBody {
    /// An inspected unit of the evaluation.
    #[schema(schema_with = crate::contract::id_body)]
    pub inspected_unit_id: String,
    /// By check code (`leadership`, `meeting_records`, `ledger`, `accountability`, `evidence`,
    /// `mechanisms`, `innovation`, `satisfaction`); a check scored again replaces the score.
    #[schema(schema_with = crate::contract::evaluation_scores)]
    pub scores: BTreeMap<String, ScoreInput>,
}

/// An evaluating agency scores a unit (while open; 409 once finalised). Answers the agency's
/// scores of that unit.
#[utoipa::path(tag = "巡察", request_body = ScoresBody, responses((status = 200, body = Vec<ScoreView>),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/evaluations/{id}/scores")]
pub async fn submit_scores(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<ScoresBody>,
) -> AppResult<HttpResponse> {
    let id: EvaluationId = path_id(&id, not_found)?;
    let b = body.0;
    let unit = InspectedUnitId::parse(&b.inspected_unit_id)
        .ok_or_else(|| AppError::validation("inspected_unit_id", "编号格式无效"))?;
    let entries: BTreeMap<String, (i64, String)> = b.scores.into_iter().map(|(k, s)| (k, (s.score, s.note))).collect();
    let entries = check_scores(&entries).map_err(AppError::Validation)?;
    let v = run(&state.pool, move |conn| scores::submit(conn, &p, &id, &unit, &entries)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ScoreParams {
    /// Only this unit's scores.
    #[param(schema_with = crate::contract::id_or_empty_param)]
    pub inspected_unit_id: Option<String>,
}

/// The raw scores the caller may see: the office every agency's, an evaluating agency its own.
#[utoipa::path(tag = "巡察", params(ScoreParams), responses((status = 200, body = Vec<ScoreView>),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/evaluations/{id}/scores")]
pub async fn list_scores(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<ScoreParams>,
) -> AppResult<HttpResponse> {
    let id: EvaluationId = path_id(&id, not_found)?;
    let unit = match params.into_inner().inspected_unit_id.filter(|u| !u.is_empty()) {
        None => None,
        Some(u) => {
            Some(InspectedUnitId::parse(&u).ok_or_else(|| AppError::validation("inspected_unit_id", "编号格式无效"))?)
        }
    };
    let v = run(&state.pool, move |conn| scores::list(conn, &p, &id, unit.as_ref())).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Finalises the evaluation (the office): every evaluating agency must have scored every unit
/// on every weighted check (else 409); ranks are fixed and each unit's result is written to
/// its record (kind `special_check`, on the unit's supervision object, distributed to the
/// evaluating agencies).
#[utoipa::path(tag = "巡察", params(crate::contract::OptionalIfMatch), responses((status = 200, body = EvaluationView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 412, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/evaluations/{id}/finalise")]
pub async fn finalise_evaluation(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: EvaluationId = path_id(&id, not_found)?;
    let version = optional_if_match(&req)?;
    let v = run(&state.pool, move |conn| results::finalise(conn, &p, &id, version)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportParams {
    /// `csv` (default) or `xlsx`.
    #[param(schema_with = crate::contract::export_format_param)]
    pub format: Option<String>,
}

/// The result table (排名, unit, the eight check means, score) with Chinese headers: the
/// office at any time (marked 暂定 while open), an evaluating agency once finalised (409 before).
#[utoipa::path(tag = "巡察", params(ExportParams), responses(
    (status = 200, description = "量化评估结果(format=csv:UTF-8 带 BOM 的 CSV;format=xlsx:Excel 工作簿)", content(
        (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[get("/evaluations/{id}/export")]
pub async fn export_evaluation(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    params: Query<ExportParams>,
) -> AppResult<HttpResponse> {
    let id: EvaluationId = path_id(&id, not_found)?;
    let format = ExportFormat::parse_param(params.format.as_deref())?;
    let bytes = run(&state.pool, move |conn| results::export(conn, &p, &id, format)).await?;
    Ok(crate::api::export::attachment(format, "量化评估结果", bytes))
}

/// The unit's final evaluation results: its own account sees its score and rank once an
/// evaluation is finalised; the office and the evaluating agencies see the results of the
/// evaluations they take part in.
#[utoipa::path(tag = "巡察", responses((status = 200, body = Vec<UnitEvaluationResult>), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/inspected-units/{id}/evaluations")]
pub async fn unit_evaluations(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, || AppError::NotFound(UNIT_NOT_FOUND.into()))?;
    let v = run(&state.pool, move |conn| results::of_unit(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}
