//! After the round (巡后): the feedback to an inspected unit and its three signatures, the
//! unit's rectification plans and their review (三不过), and a round's rectification
//! statistics. The office, the round's participants and the unit's own account see a unit's
//! entries; everyone else gets 404.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::{path_id, run, Auth, JsonBody};
use crate::api::problem::Problem;
use crate::api::state::AppState;
use crate::domain::ids::{FindingId, InspectedUnitId, PlanId, RoundId};
use crate::domain::inspection::rectification::{PlanVerdict, RejectGround, SignatureParty, TaskDraft};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::inspection::{ROUND_NOT_FOUND, UNIT_NOT_FOUND};
use crate::service::inspection::rectification::feedback::{self, FeedbackView, ProblemInput};
use crate::service::inspection::rectification::plans::{self, PlanView, PLAN_NOT_FOUND};
use crate::service::inspection::rectification::stats::{self, RectificationStats};

fn unit_not_found() -> AppError {
    AppError::NotFound(UNIT_NOT_FOUND.into())
}

fn plan_not_found() -> AppError {
    AppError::NotFound(PLAN_NOT_FOUND.into())
}

/// One problem of a feedback.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FeedbackProblemInput {
    /// A finding of kind problem of this unit (not restricted).
    #[schema(schema_with = crate::contract::id_body)]
    pub finding_id: String,
    /// The wording the unit reads (default: the finding's title).
    #[schema(schema_with = crate::contract::short_text_or_null)]
    pub text: Option<String>,
    /// The category the unit reads (default: the finding's category).
    #[schema(schema_with = crate::contract::name_100_or_null)]
    pub category: Option<String>,
}

/// The feedback as the office issues it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewFeedback {
    /// The feedback's general part (may be empty).
    #[serde(default)]
    #[schema(schema_with = crate::contract::summary_optional)]
    pub summary: String,
    /// The unit's problems, in order (1–1000).
    #[schema(min_items = 1, max_items = 1000)]
    pub problems: Vec<FeedbackProblemInput>,
}

/// The unit's feedback with its receipt (the office, the participants, the unit).
#[utoipa::path(tag = "巡后整改", responses((status = 200, body = FeedbackView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/inspected-units/{id}/feedback")]
pub async fn get_feedback(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let v = run(&state.pool, move |conn| feedback::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Issues the feedback (反馈意见) to the unit (the round's office, from the `feedback` stage;
/// once per unit). Each problem is a finding of kind problem of the unit; a restricted one
/// may not be listed (422). The unit reads the wording given here, never the record.
#[utoipa::path(tag = "巡后整改", request_body = NewFeedback, responses((status = 201, body = FeedbackView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/inspected-units/{id}/feedback")]
pub async fn issue_feedback(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewFeedback>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let b = body.0;
    let mut errs = Vec::new();
    let problems: Vec<ProblemInput> = b
        .problems
        .into_iter()
        .enumerate()
        .filter_map(|(i, pr)| match FindingId::parse(&pr.finding_id) {
            Some(finding_id) => Some(ProblemInput { finding_id, text: pr.text, category: pr.category }),
            None => {
                errs.push(FieldError::new(format!("problems[{i}].finding_id"), "编号格式无效"));
                None
            }
        })
        .collect();
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let summary = b.summary;
    let v = run(&state.pool, move |conn| feedback::issue(conn, &p, &id, &summary, &problems)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// A signature of the feedback's receipt (签字背书).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSignature {
    /// `unit_head` by the unit's own account; `team_leader` and `office_director` by the office.
    pub party: SignatureParty,
    /// The name of the person signing.
    #[schema(schema_with = crate::contract::name_100)]
    pub signer_name: String,
}

/// Signs the receipt for one party (each party once). The receipt is complete when all three
/// have signed; then the unit may submit its plan.
#[utoipa::path(tag = "巡后整改", request_body = NewSignature, responses((status = 200, body = FeedbackView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/inspected-units/{id}/feedback/signatures")]
pub async fn sign_feedback(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewSignature>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let b = body.0;
    let v = run(&state.pool, move |conn| feedback::sign(conn, &p, &id, b.party, &b.signer_name)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// One task of a plan.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PlanTaskInput {
    /// The problem of the feedback the task rectifies.
    #[schema(schema_with = crate::contract::id_body)]
    pub finding_id: String,
    #[schema(schema_with = crate::contract::short_text)]
    pub task: String,
    #[schema(schema_with = crate::contract::long_text)]
    pub measure: String,
    #[schema(schema_with = crate::contract::name_100)]
    pub responsible_person: String,
    /// YYYY-MM-DD, not before today (the hub's time zone).
    #[schema(schema_with = crate::contract::date_body)]
    pub deadline: String,
}

/// A rectification plan (整改方案) as the unit submits it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPlan {
    #[schema(schema_with = crate::contract::summary_text)]
    pub summary: String,
    /// At least one task for every problem of the feedback (1–1000 tasks).
    #[schema(min_items = 1, max_items = 1000)]
    pub tasks: Vec<PlanTaskInput>,
}

/// The unit's plans, newest attempt first.
#[utoipa::path(tag = "巡后整改", responses((status = 200, body = Vec<PlanView>), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/inspected-units/{id}/plans")]
pub async fn list_plans(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let v = run(&state.pool, move |conn| plans::list(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// The unit submits a plan (its own account; stage `rectification`; after the receipt is
/// complete; not while an attempt is under review or once one is accepted).
#[utoipa::path(tag = "巡后整改", request_body = NewPlan, responses((status = 201, body = PlanView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/inspected-units/{id}/plans")]
pub async fn submit_plan(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewPlan>,
) -> AppResult<HttpResponse> {
    let id: InspectedUnitId = path_id(&id, unit_not_found)?;
    let b = body.0;
    let mut errs = Vec::new();
    let tasks: Vec<TaskDraft> = b
        .tasks
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            if FindingId::parse(&t.finding_id).is_none() {
                errs.push(FieldError::new(format!("tasks[{i}].finding_id"), "编号格式无效"));
            }
            TaskDraft {
                finding_id: t.finding_id,
                task: t.task,
                measure: t.measure,
                responsible_person: t.responsible_person,
                deadline: t.deadline,
            }
        })
        .collect();
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let summary = b.summary;
    let v = run(&state.pool, move |conn| plans::submit(conn, &p, &id, &summary, tasks)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// One plan attempt with its tasks and verdicts.
#[utoipa::path(tag = "巡后整改", responses((status = 200, body = PlanView), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/rectification-plans/{id}")]
pub async fn get_plan(state: web::Data<AppState>, Auth(p): Auth, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: PlanId = path_id(&id, plan_not_found)?;
    let v = run(&state.pool, move |conn| plans::show(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// A reviewing agency's verdict on a plan.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPlanReview {
    pub verdict: PlanVerdict,
    /// For `reject`: at least one of the 三不过 grounds; for `approve`: none.
    #[serde(default)]
    #[schema(max_items = 3)]
    pub grounds: Vec<RejectGround>,
    /// Required for `reject`.
    #[serde(default)]
    #[schema(schema_with = crate::contract::long_text_optional)]
    pub opinion: String,
}

/// The round's discipline commission or organisation department reviews a submitted plan
/// (once per agency). Any rejection rejects the attempt; when every reviewer has approved,
/// the plan is accepted and its tasks become the ledger's items.
#[utoipa::path(tag = "巡后整改", request_body = NewPlanReview, responses((status = 200, body = PlanView),
    (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
    (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/rectification-plans/{id}/reviews")]
pub async fn review_plan(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
    body: JsonBody<NewPlanReview>,
) -> AppResult<HttpResponse> {
    let id: PlanId = path_id(&id, plan_not_found)?;
    let b = body.0;
    let v = run(&state.pool, move |conn| plans::review(conn, &p, &id, b.verdict, &b.grounds, &b.opinion)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// The round's rectification statistics: problems found and rectified, items by state,
/// feedback, plans and four-party reviews, per unit (the office and the participants).
#[utoipa::path(tag = "巡后整改", responses((status = 200, body = RectificationStats), (status = 403, body = Problem),
    (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/rounds/{id}/rectification-stats")]
pub async fn rectification_stats(
    state: web::Data<AppState>,
    Auth(p): Auth,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: RoundId = path_id(&id, || AppError::NotFound(ROUND_NOT_FOUND.into()))?;
    let v = run(&state.pool, move |conn| stats::round(conn, &p, &id)).await?;
    Ok(HttpResponse::Ok().json(v))
}
