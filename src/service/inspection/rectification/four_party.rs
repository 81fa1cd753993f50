//! The four-party review (四方会审): after the concentrated rectification, the office opens a
//! review of a unit whose every item is closed; the office (for itself and, in the team
//! leader's name, for the team), the discipline commission and the organisation department
//! each pass or return every item with an opinion; the office concludes — passed when all
//! passed, else returned, and each returned item is reopened (`ItemStep::Reopen`).

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::schema::{four_party_reviews as rv, four_party_verdicts as vd};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::{InspectedUnitId, ReviewId};
use crate::domain::inspection::four_party::{
    check_verdicts, conclude as outcome_of, ItemVerdict, ReviewOutcome, ReviewParty, ReviewState, VerdictDraft,
};
use crate::domain::inspection::items::{ItemState, ItemStep};
use crate::domain::inspection::{check_name, RoundStage};
use crate::domain::new_id;
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::rectification as rules;
use crate::policy::Principal;
use crate::store::log::{write_tx, Actor};

use super::items::apply_step;
use super::{ctx_of, reviewers, stored, unit_ctx, unit_items, UnitCtx};

/// The message for a review the caller may not see (or that does not exist).
pub const REVIEW_NOT_FOUND: &str = "四方会审不存在或无权查看";

/// One party's verdict on one item.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VerdictView {
    pub item_id: String,
    pub party: ReviewParty,
    pub verdict: ItemVerdict,
    pub opinion: String,
    /// Who signed for the party (for the team: its leader).
    pub signer_name: String,
    /// The agency that recorded it.
    pub agency_id: String,
    pub recorded_at: String,
}

/// A four-party review of one unit's items, with every verdict recorded so far.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    pub id: String,
    pub round_id: String,
    pub inspected_unit_id: String,
    pub state: ReviewState,
    pub outcome: Option<ReviewOutcome>,
    /// The items under review (every item of the unit's ledger).
    pub item_ids: Vec<String>,
    pub verdicts: Vec<VerdictView>,
    /// Verdicts still to be given (items × four parties, less those given).
    pub missing: i64,
    pub opened_at: String,
    pub concluded_at: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rv)]
struct ReviewRow {
    id: String,
    round_id: String,
    inspected_unit_id: String,
    state: String,
    outcome: Option<String>,
    opened_at: String,
    concluded_at: Option<String>,
}

fn verdict_rows(conn: &mut DbConnection, review_id: &str) -> AppResult<Vec<VerdictView>> {
    let rows: Vec<(String, String, String, String, String, String, String)> = vd::table
        .filter(vd::review_id.eq(review_id))
        .order((vd::item_id, vd::party))
        .select((vd::item_id, vd::party, vd::verdict, vd::opinion, vd::signer_name, vd::agency_id, vd::recorded_at))
        .load(conn)?;
    rows.into_iter()
        .map(|(item_id, party, verdict, opinion, signer_name, agency_id, recorded_at)| {
            Ok(VerdictView {
                item_id,
                party: stored("会审方", &party, ReviewParty::parse)?,
                verdict: stored("会审意见", &verdict, ItemVerdict::parse)?,
                opinion,
                signer_name,
                agency_id,
                recorded_at,
            })
        })
        .collect()
}

fn view(conn: &mut DbConnection, r: ReviewRow) -> AppResult<ReviewView> {
    let item_ids: Vec<String> = unit_items(conn, &r.inspected_unit_id)?.into_iter().map(|i| i.id).collect();
    let verdicts = verdict_rows(conn, &r.id)?;
    let given = verdicts.iter().filter(|v| item_ids.contains(&v.item_id)).count() as i64;
    Ok(ReviewView {
        missing: item_ids.len() as i64 * ReviewParty::ALL.len() as i64 - given,
        state: stored("会审状态", &r.state, ReviewState::parse)?,
        outcome: r.outcome.as_deref().map(|o| stored("会审结论", o, ReviewOutcome::parse)).transpose()?,
        id: r.id,
        round_id: r.round_id,
        inspected_unit_id: r.inspected_unit_id,
        item_ids,
        verdicts,
        opened_at: r.opened_at,
        concluded_at: r.concluded_at,
    })
}

fn load(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<(ReviewRow, UnitCtx)> {
    let r: ReviewRow = rv::table
        .find(id)
        .select(ReviewRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(REVIEW_NOT_FOUND.into()))?;
    let ctx = ctx_of(conn, p, &r.inspected_unit_id, REVIEW_NOT_FOUND)?;
    Ok((r, ctx))
}

/// One review (the office, the participants, the unit).
pub fn show(conn: &mut DbConnection, p: &Principal, id: &ReviewId) -> AppResult<ReviewView> {
    let (r, _) = load(conn, p, id)?;
    view(conn, r)
}

/// The unit's reviews, newest first.
pub fn list(conn: &mut DbConnection, p: &Principal, unit_id: &InspectedUnitId) -> AppResult<Vec<ReviewView>> {
    let ctx = unit_ctx(conn, p, unit_id)?;
    let rows: Vec<ReviewRow> = rv::table
        .filter(rv::inspected_unit_id.eq(&ctx.unit.id))
        .order(rv::id.desc())
        .select(ReviewRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|r| view(conn, r)).collect()
}

/// The office opens a review of a unit (stage `rectification`): the unit has items, every
/// one closed, and no review under way.
pub fn open(conn: &mut DbConnection, p: &Principal, unit_id: &InspectedUnitId) -> AppResult<ReviewView> {
    let id = write_tx(conn, |conn, log| {
        let ctx = unit_ctx(conn, p, unit_id)?;
        rules::require_office(p, ctx.who)?;
        ctx.require_stage(&[RoundStage::Rectification], "四方会审")?;
        let items = unit_items(conn, &ctx.unit.id)?;
        if items.is_empty() {
            return Err(AppError::Conflict("该单位尚无整改台账,不能进行四方会审".into()));
        }
        let open_items = items.iter().filter(|i| i.state != ItemState::Closed.as_str()).count();
        if open_items > 0 {
            return Err(AppError::Conflict(format!("尚有 {open_items} 项整改事项未销号,集中整改结束后方可会审")));
        }
        let busy: i64 = rv::table
            .filter(rv::inspected_unit_id.eq(&ctx.unit.id))
            .filter(rv::state.eq(ReviewState::Open.as_str()))
            .count()
            .get_result(conn)?;
        if busy > 0 {
            return Err(AppError::Conflict("该单位的四方会审正在进行".into()));
        }
        let id = new_id();
        diesel::insert_into(rv::table)
            .values((
                rv::id.eq(&id),
                rv::round_id.eq(&ctx.round.id),
                rv::inspected_unit_id.eq(&ctx.unit.id),
                rv::state.eq(ReviewState::Open.as_str()),
                rv::opened_by.eq(p.actor_id()),
                rv::opened_at.eq(log.at()),
            ))
            .execute(conn)?;
        log.audit(
            &Actor::from(p),
            "four_party_review.open",
            "four_party_review",
            Some(&id),
            None,
            json!({"inspected_unit_id": ctx.unit.id, "items": items.len()}),
        );
        Ok(id)
    })?;
    show(conn, p, &ReviewId::from_stored(id))
}

/// A party records its verdicts (pass, or return with an opinion) on items of an open
/// review; a verdict given again replaces that party's earlier one on the item.
pub fn record(
    conn: &mut DbConnection,
    p: &Principal,
    id: &ReviewId,
    party: ReviewParty,
    signer_name: &str,
    verdicts: &[VerdictDraft],
) -> AppResult<ReviewView> {
    write_tx(conn, |conn, log| {
        let (r, ctx) = load(conn, p, id)?;
        rules::require_review_party(p, ctx.who, party)?;
        if r.state != ReviewState::Open.as_str() {
            return Err(AppError::Conflict("四方会审已结束".into()));
        }
        let mut errs: Vec<FieldError> = Vec::new();
        check_name("signer_name", signer_name, &mut errs);
        check_verdicts(verdicts, &mut errs);
        let items: Vec<String> = unit_items(conn, &r.inspected_unit_id)?.into_iter().map(|i| i.id).collect();
        for (i, v) in verdicts.iter().enumerate() {
            if !items.contains(&v.item_id) {
                errs.push(FieldError::new(format!("verdicts[{i}].item_id"), "不是本单位的整改事项"));
            }
        }
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        for v in verdicts {
            diesel::delete(
                vd::table
                    .filter(vd::review_id.eq(&r.id))
                    .filter(vd::item_id.eq(&v.item_id))
                    .filter(vd::party.eq(party.as_str())),
            )
            .execute(conn)?;
            diesel::insert_into(vd::table)
                .values((
                    vd::review_id.eq(&r.id),
                    vd::item_id.eq(&v.item_id),
                    vd::party.eq(party.as_str()),
                    vd::verdict.eq(v.verdict.as_str()),
                    vd::opinion.eq(v.opinion.trim()),
                    vd::signer_name.eq(signer_name.trim()),
                    vd::agency_id.eq(&p.agency_id),
                    vd::recorded_by.eq(p.actor_id()),
                    vd::recorded_at.eq(log.at()),
                ))
                .execute(conn)?;
        }
        let returned = verdicts.iter().filter(|v| v.verdict == ItemVerdict::Return).count();
        log.audit(
            &Actor::from(p),
            "four_party_review.verdicts",
            "four_party_review",
            Some(&r.id),
            None,
            json!({"party": party.as_str(), "items": verdicts.len(), "returned": returned}),
        );
        Ok(())
    })?;
    show(conn, p, id)
}

/// The office concludes a review once every party has judged every item: passed, or
/// returned with the returned items reopened. The unit and the reviewers are told.
pub fn conclude(conn: &mut DbConnection, p: &Principal, id: &ReviewId) -> AppResult<ReviewView> {
    write_tx(conn, |conn, log| {
        let (r, ctx) = load(conn, p, id)?;
        rules::require_office(p, ctx.who)?;
        if r.state != ReviewState::Open.as_str() {
            return Err(AppError::Conflict("四方会审已结束".into()));
        }
        let items = unit_items(conn, &r.inspected_unit_id)?;
        let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
        let given: Vec<(String, ReviewParty, ItemVerdict)> =
            verdict_rows(conn, &r.id)?.into_iter().map(|v| (v.item_id, v.party, v.verdict)).collect();
        let (outcome, returned) = outcome_of(&ids, &given).map_err(|missing| {
            AppError::Conflict(format!("尚有 {} 项会审意见未录入(每个整改事项须有四方意见)", missing.len()))
        })?;
        diesel::update(rv::table.find(&r.id))
            .set((
                rv::state.eq(ReviewState::Concluded.as_str()),
                rv::outcome.eq(outcome.as_str()),
                rv::concluded_at.eq(log.at()),
            ))
            .execute(conn)?;
        let all = verdict_rows(conn, &r.id)?;
        for item in items.iter().filter(|i| returned.contains(&i.id)) {
            let why: Vec<String> = all
                .iter()
                .filter(|v| v.item_id == item.id && v.verdict == ItemVerdict::Return)
                .map(|v| format!("{}:{}", v.party.label(), v.opinion))
                .collect();
            apply_step(conn, log, p, &ctx, item, ItemStep::Reopen, &format!("四方会审退回。{}", why.join(";")))?;
        }
        let payload = json!({"review_id": r.id, "inspected_unit_id": r.inspected_unit_id, "outcome": outcome.as_str()});
        let revs = reviewers(conn, &ctx.participants)?;
        let targets = ctx.unit.account_agency_id.iter().cloned().chain(revs.into_iter().map(|(a, _)| a));
        for target in targets {
            log.event(
                conn,
                EventType::FourPartyReviewConcluded,
                None,
                Some(&target),
                Some(&p.agency_id),
                payload.clone(),
            )?;
        }
        log.audit(
            &Actor::from(p),
            "four_party_review.conclude",
            "four_party_review",
            Some(&r.id),
            None,
            json!({"outcome": outcome.as_str(), "returned": returned}),
        );
        Ok(())
    })?;
    show(conn, p, id)
}
