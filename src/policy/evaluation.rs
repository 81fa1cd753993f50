//! Who sees and does what in a quantified evaluation (量化评估). The rules:
//!
//! - The round's inspection office creates an evaluation, sets its weights and finalises it;
//!   the evaluating agencies it names must be the office itself or the round's participants.
//! - An evaluation is visible to the office and to its evaluating agencies; to anyone else
//!   (other participants of the round included) it is `404`. The hub admin gets `403`.
//! - Each evaluating agency scores on its own: it sees its own raw scores and never another
//!   agency's; the office sees every agency's raw scores. The means, scores and ranks are the
//!   office's while scoring is open (provisional), and every evaluator's once finalised.
//! - The inspected unit's own account sees its own final score and rank (and how many units
//!   were ranked) once the evaluation is finalised, nothing before, and nobody else's.

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Text};

use crate::db::MultiBackend;
use crate::domain::inspection::evaluation::EvaluationState;
use crate::domain::Role;
use crate::error::AppError;
use crate::policy::Principal;

/// The message for an evaluation the caller may not see (or that does not exist).
pub const EVALUATION_NOT_FOUND: &str = "量化评估不存在或无权查看";

/// How the caller takes part in an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationAccess {
    /// The inspection office running the round (it may also score, if it named itself).
    Office,
    /// An evaluating agency.
    Evaluator,
}

/// How the principal may see an evaluation, or `404` (`403` for the hub admin, who reads no
/// content). An inspected unit's account never sees an evaluation as such.
pub fn evaluation_access(
    p: &Principal,
    owner_agency_id: &str,
    evaluators: &[String],
) -> Result<EvaluationAccess, AppError> {
    if p.has(Role::Inspected) {
        return Err(AppError::NotFound(EVALUATION_NOT_FOUND.into()));
    }
    crate::policy::require_content_reader(p)?;
    if p.agency_id == owner_agency_id {
        Ok(EvaluationAccess::Office)
    } else if evaluators.contains(&p.agency_id) {
        Ok(EvaluationAccess::Evaluator)
    } else {
        Err(AppError::NotFound(EVALUATION_NOT_FOUND.into()))
    }
}

/// Setting up, weighting and finalising: a content writer of the office (an evaluator `403`).
pub fn require_office(p: &Principal, owner_agency_id: &str) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    if p.agency_id == owner_agency_id {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有组织评估的巡察机构可以设置权重或确定结果".into()))
    }
}

/// Scoring: a content writer of an evaluating agency (the office, unless it named itself,
/// `403`).
pub fn require_scorer(p: &Principal, evaluators: &[String]) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    if evaluators.contains(&p.agency_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有参与评估的单位可以评分".into()))
    }
}

/// May the caller see the raw scores that `agency_id` gave?
pub fn sees_scores_of(access: EvaluationAccess, caller_agency: &str, agency_id: &str) -> bool {
    access == EvaluationAccess::Office || caller_agency == agency_id
}

/// Whose raw scores a list shows the caller: `None` every agency's (the office), else only
/// its own agency's (the SQL form of `sees_scores_of`).
pub fn score_scope(access: EvaluationAccess, caller_agency: &str) -> Option<&str> {
    (access != EvaluationAccess::Office).then_some(caller_agency)
}

/// May the caller see the means, scores and ranks?
pub fn sees_results(access: EvaluationAccess, state: EvaluationState) -> bool {
    access == EvaluationAccess::Office || state == EvaluationState::Finalised
}

/// May an inspected unit's own account see its result?
pub fn unit_sees_result(state: EvaluationState) -> bool {
    state == EvaluationState::Finalised
}

/// May `agency_id` be named an evaluating agency of a round run by `owner_agency_id`?
pub fn may_evaluate(agency_id: &str, owner_agency_id: &str, participants: &[String]) -> bool {
    crate::policy::inspection::can_see_round(agency_id, owner_agency_id, participants)
}

/// The SQL form of `evaluation_access` (the office or an evaluator), over `evaluations` (by
/// that name): must agree with it.
pub fn evaluations_visible_sql<QS: 'static>(
    agency_id: &str,
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    Box::new(
        sql::<Bool>("(EXISTS (SELECT 1 FROM rounds r WHERE r.id = evaluations.round_id AND r.owner_agency_id = ")
            .bind::<Text, _>(agency_id.to_string())
            .sql(") OR EXISTS (SELECT 1 FROM evaluation_agencies ea WHERE ea.evaluation_id = evaluations.id AND ea.agency_id = ")
            .bind::<Text, _>(agency_id.to_string())
            .sql("))"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(agency: &str, roles: &[Role]) -> Principal {
        Principal {
            user_id: Some("u".into()),
            api_key_id: None,
            username: "u".into(),
            agency_id: agency.into(),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn an_evaluation_is_seen_by_its_office_and_evaluators_only() {
        let ev = vec!["jw".to_string(), "zzb".to_string()];
        let office = principal("xcb", &[Role::Liaison]);
        assert_eq!(evaluation_access(&office, "xcb", &ev).unwrap(), EvaluationAccess::Office);
        assert_eq!(
            evaluation_access(&principal("jw", &[Role::Viewer]), "xcb", &ev).unwrap(),
            EvaluationAccess::Evaluator
        );
        let other_participant = principal("sj", &[Role::Liaison]);
        assert!(matches!(evaluation_access(&other_participant, "xcb", &ev), Err(AppError::NotFound(_))));
        let unit = principal("jw", &[Role::Inspected]);
        assert!(matches!(evaluation_access(&unit, "xcb", &ev), Err(AppError::NotFound(_))));
        let admin = principal("hub", &[Role::Admin]);
        assert!(matches!(evaluation_access(&admin, "xcb", &ev), Err(AppError::Forbidden(_))));
    }

    #[test]
    fn the_office_sets_up_and_the_evaluators_score() {
        let ev = vec!["jw".to_string()];
        assert!(require_office(&principal("xcb", &[Role::Liaison]), "xcb").is_ok());
        assert!(require_office(&principal("jw", &[Role::Liaison]), "xcb").is_err());
        assert!(require_office(&principal("xcb", &[Role::Viewer]), "xcb").is_err());
        assert!(require_scorer(&principal("jw", &[Role::Liaison]), &ev).is_ok());
        assert!(require_scorer(&principal("jw", &[Role::Viewer]), &ev).is_err());
        assert!(require_scorer(&principal("xcb", &[Role::Liaison]), &ev).is_err(), "the office scores only if named");
        assert!(may_evaluate("jw", "xcb", &ev) && may_evaluate("xcb", "xcb", &ev));
        assert!(!may_evaluate("sj", "xcb", &ev));
    }

    #[test]
    fn raw_scores_stay_with_their_agency_and_results_wait_for_finalisation() {
        use EvaluationAccess::*;
        assert!(sees_scores_of(Office, "xcb", "jw"));
        assert!(sees_scores_of(Evaluator, "jw", "jw"));
        assert!(!sees_scores_of(Evaluator, "zzb", "jw"));
        assert_eq!(score_scope(Office, "xcb"), None);
        assert_eq!(score_scope(Evaluator, "jw"), Some("jw"));
        assert!(sees_results(Office, EvaluationState::Open));
        assert!(!sees_results(Evaluator, EvaluationState::Open));
        assert!(sees_results(Evaluator, EvaluationState::Finalised));
        assert!(!unit_sees_result(EvaluationState::Open));
        assert!(unit_sees_result(EvaluationState::Finalised));
    }
}
