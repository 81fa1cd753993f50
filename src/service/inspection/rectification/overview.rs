//! A unit's rectification on one page (the web client's 反馈与整改): its feedback, plans,
//! items and four-party reviews as the caller may see them, and which of the steps the
//! caller may take now — decided here with the policy, never in the page.

use std::collections::HashMap;

use crate::db::DbConnection;
use crate::domain::ids::InspectedUnitId;
use crate::domain::inspection::four_party::{ReviewParty, ReviewState};
use crate::domain::inspection::items::ItemState;
use crate::domain::inspection::rectification::{PlanState, SignatureParty};
use crate::domain::inspection::{FindingKind, RoundStage};
use crate::domain::record::Sensitivity;
use crate::error::AppResult;
use crate::policy::rectification::{self as rules, Rectifier};
use crate::policy::Principal;
use crate::service::inspection::findings;

use super::feedback::{self, FeedbackView};
use super::four_party::{self, ReviewView};
use super::items::{self, ItemView};
use super::plans::{self, PlanView};
use super::unit_ctx;

/// What the caller sees of a unit's rectification and may do next.
pub struct RectificationOverview {
    pub unit_id: String,
    pub round_id: String,
    pub stage: RoundStage,
    pub who: Rectifier,
    pub feedback: Option<FeedbackView>,
    pub plans: Vec<PlanView>,
    pub items: Vec<ItemView>,
    pub reviews: Vec<ReviewView>,
    /// The unit's problems the office may list in a feedback (id, title): none once issued.
    pub listable: Vec<(String, String)>,
    /// Names of the agencies named (reviewers, signers).
    pub names: HashMap<String, String>,
    pub may_issue_feedback: bool,
    /// The parties of the receipt the caller may still sign.
    pub may_sign: Vec<SignatureParty>,
    pub may_submit_plan: bool,
    /// The plan attempt the caller's agency may review now.
    pub may_review_plan: Option<String>,
    pub may_open_review: bool,
    /// The four-party parties the caller records (when a review is open).
    pub review_parties: Vec<ReviewParty>,
    pub may_conclude_review: bool,
    /// The caller may work on items (notes, evidence, submission).
    pub works_items: bool,
    /// The caller closes and sends back items.
    pub verifies_items: bool,
}

/// The unit's rectification for the page.
pub fn unit(conn: &mut DbConnection, p: &Principal, id: &InspectedUnitId) -> AppResult<RectificationOverview> {
    let ctx = unit_ctx(conn, p, id)?;
    let stage = ctx.round.stage().map_err(anyhow::Error::from)?;
    let fb = feedback::load(conn, &ctx.unit.id)?;
    let plan_list = plans::list(conn, p, id)?;
    let item_list = items::list(conn, p, id, None)?;
    let reviews = four_party::list(conn, p, id)?;
    let office = rules::require_office(p, ctx.who).is_ok();
    let unit_actor = ctx.require_unit(p).is_ok();
    let listable = if office && fb.is_none() {
        findings::list(conn, p, id, Some(FindingKind::Problem), None)?
            .into_iter()
            .filter(|f| f.record.sensitivity != Sensitivity::Restricted)
            .map(|f| (f.id, f.record.title))
            .collect()
    } else {
        vec![]
    };
    let has_account = ctx.unit.account_agency_id.is_some();
    let may_sign = match &fb {
        Some(f) => SignatureParty::ALL
            .iter()
            .copied()
            .filter(|party| !f.signatures.iter().any(|s| s.party == *party))
            .filter(|party| rules::require_signer(p, ctx.who, *party, has_account).is_ok())
            .collect(),
        None => vec![],
    };
    let busy = plan_list.iter().any(|pl| pl.state != PlanState::Rejected);
    let receipt = fb.as_ref().is_some_and(|f| f.receipt_complete);
    let may_review_plan = plan_list
        .first()
        .filter(|pl| pl.state == PlanState::Submitted && !pl.reviews.iter().any(|r| r.agency_id == p.agency_id))
        .filter(|_| rules::require_plan_reviewer(p, ctx.who).is_ok())
        .map(|pl| pl.id.clone());
    let open = reviews.iter().any(|r| r.state == ReviewState::Open);
    let all_closed = !item_list.is_empty() && item_list.iter().all(|i| i.state == ItemState::Closed);
    let review_parties = if open {
        ReviewParty::ALL
            .iter()
            .copied()
            .filter(|party| rules::require_review_party(p, ctx.who, *party).is_ok())
            .collect()
    } else {
        vec![]
    };
    let mut named: Vec<String> = ctx.participants.clone();
    named.push(ctx.round.owner_agency_id.clone());
    named.extend(ctx.unit.account_agency_id.iter().cloned());
    let names = crate::service::agencies::names_of(conn, named.iter())?;
    let in_rectification = stage == RoundStage::Rectification;
    Ok(RectificationOverview {
        may_issue_feedback: office && fb.is_none() && matches!(stage, RoundStage::Feedback | RoundStage::Rectification),
        may_sign,
        may_submit_plan: unit_actor && in_rectification && receipt && !busy,
        may_review_plan,
        may_open_review: office && in_rectification && all_closed && !open,
        review_parties,
        may_conclude_review: office && open,
        works_items: unit_actor,
        verifies_items: office,
        unit_id: ctx.unit.id,
        round_id: ctx.round.id,
        stage,
        who: ctx.who,
        feedback: fb,
        plans: plan_list,
        items: item_list,
        reviews,
        listable,
        names,
    })
}

/// A unit's ledger for the page, with what the caller may do with its items.
pub struct LedgerPage {
    pub ledger: super::lists::LedgerView,
    pub works_items: bool,
    pub verifies_items: bool,
}

/// The unit's three lists for the page.
pub fn ledger(conn: &mut DbConnection, p: &Principal, id: &InspectedUnitId) -> AppResult<LedgerPage> {
    let ctx = unit_ctx(conn, p, id)?;
    let (works_items, verifies_items) = (ctx.require_unit(p).is_ok(), rules::require_office(p, ctx.who).is_ok());
    Ok(LedgerPage { ledger: super::lists::ledger(conn, p, id)?, works_items, verifies_items })
}

/// One item for the page, with its unit's name and what the caller may do with it.
pub struct ItemPage {
    pub detail: items::ItemDetail,
    pub unit_name: String,
    pub works: bool,
    pub verifies: bool,
}

/// One item for the page.
pub fn item(conn: &mut DbConnection, p: &Principal, id: &crate::domain::ids::ItemId) -> AppResult<ItemPage> {
    let (row, ctx) = super::load_item(conn, p, id)?;
    let unit_name = crate::service::inspection::unit_views(conn, vec![ctx.unit.clone()])?.remove(0).object_name;
    let open = row.state()? != ItemState::Closed;
    Ok(ItemPage {
        works: open && ctx.require_unit(p).is_ok(),
        verifies: rules::require_office(p, ctx.who).is_ok(),
        detail: items::show(conn, p, id)?,
        unit_name,
    })
}
