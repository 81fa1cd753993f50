//! The feedback (反馈意见) the office gives an inspected unit: the unit's problems in the
//! words the office writes for it (by default a finding's title and category — never a
//! record's protected fields, never a restricted finding), and its receipt signed by three
//! parties (签字背书). The unit reads no records: the feedback is how its problems reach it.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::schema::{
    findings, records, rectification_feedback_problems as fp, rectification_feedback_signatures as fs,
    rectification_feedbacks as fb,
};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::{FindingId, InspectedUnitId};
use crate::domain::inspection::rectification::{
    check_optional_text, check_text, SignatureParty, MAX_ENTRIES, MAX_SHORT_TEXT_CHARS, MAX_SUMMARY_CHARS,
};
use crate::domain::inspection::{check_name, FindingKind, RoundStage};
use crate::domain::new_id;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::rectification as rules;
use crate::policy::Principal;
use crate::store::log::{write_tx, Actor};

use super::{stored, unit_ctx};

/// The message for a unit that has no feedback yet (or that the caller may not see).
pub const FEEDBACK_NOT_FOUND: &str = "该单位尚未下发反馈意见,或无权查看";

/// A problem as the office lists it: the finding, and optionally its own wording.
#[derive(Debug, Clone)]
pub struct ProblemInput {
    pub finding_id: FindingId,
    /// The text the unit reads (default: the finding's title).
    pub text: Option<String>,
    /// The category the unit reads (default: the finding's category).
    pub category: Option<String>,
}

/// One problem of a feedback, as the unit reads it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, Queryable, Selectable)]
#[diesel(table_name = fp)]
pub struct FeedbackProblemView {
    /// The finding (问题) this problem is; tasks and items name it.
    pub finding_id: String,
    /// Order in the feedback, from 1.
    pub position: i32,
    pub text: String,
    pub category: Option<String>,
}

/// A signature of the receipt (签字背书).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignatureView {
    pub party: SignatureParty,
    /// The name of the person who signed.
    pub signer_name: String,
    /// The agency that recorded the signature.
    pub agency_id: String,
    pub signed_at: String,
}

/// The feedback to an inspected unit (反馈意见), with its receipt.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedbackView {
    pub id: String,
    pub round_id: String,
    pub inspected_unit_id: String,
    pub summary: String,
    pub problems: Vec<FeedbackProblemView>,
    pub signatures: Vec<SignatureView>,
    /// All three parties have signed: the unit may submit its rectification plan.
    pub receipt_complete: bool,
    pub created_at: String,
}

/// The feedback row of a unit, if any: (id, round, summary, created_at).
fn feedback_row(conn: &mut DbConnection, unit_id: &str) -> QueryResult<Option<(String, String, String, String)>> {
    fb::table
        .filter(fb::inspected_unit_id.eq(unit_id))
        .select((fb::id, fb::round_id, fb::summary, fb::created_at))
        .first(conn)
        .optional()
}

/// The feedback of a unit, or `None`, read without a permission check (the caller checked).
pub fn load(conn: &mut DbConnection, unit_id: &str) -> AppResult<Option<FeedbackView>> {
    let Some((id, round_id, summary, created_at)) = feedback_row(conn, unit_id)? else {
        return Ok(None);
    };
    let problems: Vec<FeedbackProblemView> = fp::table
        .filter(fp::feedback_id.eq(&id))
        .order(fp::position)
        .select(FeedbackProblemView::as_select())
        .load(conn)?;
    let rows: Vec<(String, String, String, String)> = fs::table
        .filter(fs::feedback_id.eq(&id))
        .select((fs::party, fs::signer_name, fs::agency_id, fs::signed_at))
        .load(conn)?;
    let mut signatures = Vec::with_capacity(rows.len());
    for (party, signer_name, agency_id, signed_at) in rows {
        signatures.push(SignatureView {
            party: stored("签字方", &party, SignatureParty::parse)?,
            signer_name,
            agency_id,
            signed_at,
        });
    }
    signatures.sort_by_key(|s| s.party);
    let receipt_complete = SignatureParty::ALL.iter().all(|p| signatures.iter().any(|s| s.party == *p));
    Ok(Some(FeedbackView {
        id,
        round_id,
        inspected_unit_id: unit_id.to_string(),
        summary,
        problems,
        signatures,
        receipt_complete,
        created_at,
    }))
}

/// The unit's feedback, for the office, the participants and the unit itself.
pub fn show(conn: &mut DbConnection, p: &Principal, unit_id: &InspectedUnitId) -> AppResult<FeedbackView> {
    let ctx = unit_ctx(conn, p, unit_id)?;
    load(conn, &ctx.unit.id)?.ok_or_else(|| AppError::NotFound(FEEDBACK_NOT_FOUND.into()))
}

/// What the feedback needs of a finding's record: kind, title, category, sensitivity, withdrawal.
type ListedFinding = (String, String, Option<String>, String, Option<String>);

/// Checks the listed problems against the unit's findings; returns the rows to write.
fn problem_rows(
    conn: &mut DbConnection,
    unit_id: &str,
    problems: &[ProblemInput],
    errs: &mut Vec<FieldError>,
) -> AppResult<Vec<(String, String, Option<String>)>> {
    if problems.is_empty() || problems.len() > MAX_ENTRIES {
        errs.push(FieldError::new("problems", format!("反馈意见须列出 1–{MAX_ENTRIES} 个问题")));
    }
    let mut out = Vec::with_capacity(problems.len());
    for (i, pr) in problems.iter().enumerate() {
        let field = |f: &str| format!("problems[{i}].{f}");
        if problems[..i].iter().any(|o| o.finding_id == pr.finding_id) {
            errs.push(FieldError::new(field("finding_id"), "同一问题只能列出一次"));
            continue;
        }
        let found: Option<ListedFinding> = findings::table
            .inner_join(records::table)
            .filter(findings::id.eq(pr.finding_id.as_str()))
            .filter(findings::inspected_unit_id.eq(unit_id))
            .select((findings::kind, records::title, records::category, records::sensitivity, records::withdrawn_at))
            .first(conn)
            .optional()?;
        let Some((kind, title, category, sensitivity, withdrawn)) = found else {
            errs.push(FieldError::new(field("finding_id"), "不是本单位的巡察发现"));
            continue;
        };
        if kind != FindingKind::Problem.as_str() {
            errs.push(FieldError::new(field("finding_id"), "只能列出问题,问题线索不列入反馈意见"));
        } else if sensitivity == "restricted" {
            errs.push(FieldError::new(field("finding_id"), "受限信息不能列入反馈意见"));
        } else if withdrawn.is_some() {
            errs.push(FieldError::new(field("finding_id"), "该问题已撤回"));
        }
        let text = match &pr.text {
            Some(t) => {
                check_text(&field("text"), t, MAX_SHORT_TEXT_CHARS, errs);
                t.trim().to_string()
            }
            None => title,
        };
        let category = match &pr.category {
            Some(c) => {
                check_name(&field("category"), c, errs);
                Some(c.trim().to_string())
            }
            None => category,
        };
        out.push((pr.finding_id.to_string(), text, category));
    }
    Ok(out)
}

/// Issues the feedback to a unit (the round's office, from the `feedback` stage on): once
/// per unit; the unit's account is told.
pub fn issue(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &InspectedUnitId,
    summary: &str,
    problems: &[ProblemInput],
) -> AppResult<FeedbackView> {
    write_tx(conn, |conn, log| {
        let ctx = unit_ctx(conn, p, unit_id)?;
        rules::require_office(p, ctx.who)?;
        ctx.require_stage(&[RoundStage::Feedback, RoundStage::Rectification], "下发反馈意见")?;
        if feedback_row(conn, &ctx.unit.id)?.is_some() {
            return Err(AppError::Conflict("该单位的反馈意见已经下发".into()));
        }
        let mut errs = Vec::new();
        check_optional_text("summary", summary, MAX_SUMMARY_CHARS, &mut errs);
        let rows = problem_rows(conn, &ctx.unit.id, problems, &mut errs)?;
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let id = new_id();
        diesel::insert_into(fb::table)
            .values((
                fb::id.eq(&id),
                fb::round_id.eq(&ctx.round.id),
                fb::inspected_unit_id.eq(&ctx.unit.id),
                fb::summary.eq(summary.trim()),
                fb::created_by.eq(p.actor_id()),
                fb::created_at.eq(log.at()),
            ))
            .execute(conn)?;
        for (i, (finding_id, text, category)) in rows.iter().enumerate() {
            diesel::insert_into(fp::table)
                .values((
                    fp::feedback_id.eq(&id),
                    fp::finding_id.eq(finding_id),
                    fp::position.eq(i as i32 + 1),
                    fp::text.eq(text),
                    fp::category.eq(category),
                ))
                .execute(conn)?;
        }
        if let Some(account) = &ctx.unit.account_agency_id {
            log.event(
                conn,
                EventType::RectificationFeedbackIssued,
                None,
                Some(account),
                Some(&p.agency_id),
                json!({"feedback_id": id, "inspected_unit_id": ctx.unit.id}),
            )?;
        }
        log.audit(
            &Actor::from(p),
            "rectification_feedback.issue",
            "rectification_feedback",
            Some(&id),
            None,
            json!({"inspected_unit_id": ctx.unit.id, "problems": rows.len()}),
        );
        Ok(())
    })?;
    show(conn, p, unit_id)
}

/// Signs the feedback's receipt for one party: the unit's principal by the unit's account,
/// the team leader and the office director by the office; each party signs once.
pub fn sign(
    conn: &mut DbConnection,
    p: &Principal,
    unit_id: &InspectedUnitId,
    party: SignatureParty,
    signer_name: &str,
) -> AppResult<FeedbackView> {
    write_tx(conn, |conn, log| {
        let ctx = unit_ctx(conn, p, unit_id)?;
        let (id, ..) =
            feedback_row(conn, &ctx.unit.id)?.ok_or_else(|| AppError::NotFound(FEEDBACK_NOT_FOUND.into()))?;
        rules::require_signer(p, ctx.who, party, ctx.unit.account_agency_id.is_some())?;
        let mut errs = Vec::new();
        check_name("signer_name", signer_name, &mut errs);
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let signed: i64 =
            fs::table.filter(fs::feedback_id.eq(&id)).filter(fs::party.eq(party.as_str())).count().get_result(conn)?;
        if signed > 0 {
            return Err(AppError::Conflict(format!("“{}”已签字", party.label())));
        }
        diesel::insert_into(fs::table)
            .values((
                fs::feedback_id.eq(&id),
                fs::party.eq(party.as_str()),
                fs::signer_name.eq(signer_name.trim()),
                fs::agency_id.eq(&p.agency_id),
                fs::signed_by.eq(p.actor_id()),
                fs::signed_at.eq(log.at()),
            ))
            .execute(conn)?;
        log.audit(
            &Actor::from(p),
            "rectification_feedback.sign",
            "rectification_feedback",
            Some(&id),
            None,
            json!({"party": party.as_str()}),
        );
        Ok(())
    })?;
    show(conn, p, unit_id)
}
