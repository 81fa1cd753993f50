//! Self-check requirements (未巡先改): after a round, its office requires units it did not
//! inspect (supervision objects of kind unit) to check themselves against the problems found,
//! by a deadline; the unit reports its self-check (自查自纠情况) through its own account, or the
//! office records the report. Seen by the office and the unit's account only
//! (`policy::common_problems`).

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::contract::page::{Page, Window};
use crate::db::schema::{inspected_units, self_checks, subject_objects};
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::domain::ids::{AgencyId, ObjectId, RoundId, SelfCheckId};
use crate::domain::inspection::campaigns::{
    after_inspection, check_text, self_check_overdue, SelfCheckDraft, SelfCheckState,
};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::common_problems::{self as rules, SelfCheckAccess, SELF_CHECK_NOT_FOUND};
use crate::policy::inspection as round_rules;
use crate::policy::{self, Principal};
use crate::store::log::{write_tx, Actor};

use super::{agency_kind, visible_round};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = self_checks)]
pub struct SelfCheckRow {
    pub id: String,
    pub round_id: String,
    pub office_agency_id: String,
    pub object_id: String,
    pub account_agency_id: Option<String>,
    pub requirement: String,
    pub deadline: String,
    pub state: String,
    pub report: Option<String>,
    pub reported_at: Option<String>,
    pub reported_by: Option<String>,
    pub reported_by_unit: bool,
    pub created_by: String,
    pub created_at: String,
}

/// A self-check requirement (未巡先改) and its report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SelfCheckView {
    pub id: String,
    pub round_id: String,
    /// The unit required to check itself (a supervision object of kind unit).
    pub object_id: String,
    pub object_name: String,
    /// The unit's own account (kind `inspected_unit`), which sees and answers the requirement.
    pub account_agency_id: Option<String>,
    /// What to check (自查要求).
    pub requirement: String,
    /// YYYY-MM-DD
    pub deadline: String,
    pub state: SelfCheckState,
    /// Not reported and the deadline passed (hub's day).
    pub overdue: bool,
    /// The self-check report (自查自纠情况).
    pub report: Option<String>,
    pub reported_at: Option<String>,
    /// Whether the unit reported through its account (else the office recorded the report).
    pub reported_by_unit: bool,
    pub created_at: String,
}

fn not_found() -> AppError {
    AppError::NotFound(SELF_CHECK_NOT_FOUND.into())
}

pub fn views(conn: &mut DbConnection, rows: Vec<SelfCheckRow>) -> AppResult<Vec<SelfCheckView>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.object_id.as_str()).collect();
    let names: std::collections::HashMap<String, String> = subject_objects::table
        .filter(subject_objects::id.eq_any(&ids))
        .select((subject_objects::id, subject_objects::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let today = crate::domain::clock::today();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let state =
            crate::domain::from_stored("自查状态", &r.state, SelfCheckState::parse).map_err(anyhow::Error::from)?;
        out.push(SelfCheckView {
            object_name: names.get(&r.object_id).cloned().unwrap_or_default(),
            overdue: self_check_overdue(state, &r.deadline, &today),
            state,
            id: r.id,
            round_id: r.round_id,
            object_id: r.object_id,
            account_agency_id: r.account_agency_id,
            requirement: r.requirement,
            deadline: r.deadline,
            report: r.report,
            reported_at: r.reported_at,
            reported_by_unit: r.reported_by_unit,
            created_at: r.created_at,
        });
    }
    Ok(out)
}

/// Checks the unit required: an existing unit (not a person), not inspected in this round,
/// not yet required in it; and its account, an agency of kind `inspected_unit`.
fn check_unit(
    conn: &mut DbConnection,
    round_id: &str,
    object_id: &ObjectId,
    account: Option<&AgencyId>,
    errs: &mut Vec<FieldError>,
) -> AppResult<()> {
    let kind: Option<String> =
        subject_objects::table.find(object_id.as_str()).select(subject_objects::kind).first(conn).optional()?;
    match kind.as_deref() {
        Some("unit") => {}
        Some(_) => errs.push(FieldError::new("object_id", "未巡先改的对象须为单位(党组织),不能是个人")),
        None => errs.push(FieldError::new("object_id", "监督对象不存在")),
    }
    let inspected: i64 = inspected_units::table
        .filter(inspected_units::round_id.eq(round_id))
        .filter(inspected_units::object_id.eq(object_id.as_str()))
        .count()
        .get_result(conn)?;
    if inspected > 0 {
        errs.push(FieldError::new("object_id", "该单位是本轮的被巡察单位,不属于未巡先改"));
    }
    let required: i64 = self_checks::table
        .filter(self_checks::round_id.eq(round_id))
        .filter(self_checks::object_id.eq(object_id.as_str()))
        .count()
        .get_result(conn)?;
    if required > 0 {
        errs.push(FieldError::new("object_id", "本轮已要求该单位自查"));
    }
    if let Some(a) = account {
        match agency_kind(conn, a)? {
            Some((kind, _)) => {
                if let Err(m) = round_rules::check_unit_account(&kind) {
                    errs.push(FieldError::new("account_agency_id", m));
                }
            }
            None => errs.push(FieldError::new("account_agency_id", "单位不存在")),
        }
    }
    Ok(())
}

/// Requires a unit not inspected in the round to check itself (the round's office, from the
/// feedback stage on).
pub fn require(
    conn: &mut DbConnection,
    p: &Principal,
    round_id: &RoundId,
    object_id: &ObjectId,
    account: Option<&AgencyId>,
    draft: &SelfCheckDraft,
) -> AppResult<SelfCheckView> {
    policy::require_content_writer(p)?;
    let row = write_tx(conn, |conn, log| {
        let (r, _) = visible_round(conn, p, round_id)?;
        round_rules::require_round_owner(p, &r.owner_agency_id)?;
        let stage = r.stage().map_err(anyhow::Error::from)?;
        if !after_inspection(stage) {
            return Err(AppError::Conflict(format!("巡察轮次处于“{}”阶段,反馈后才能部署未巡先改", stage.label())));
        }
        let mut errs = Vec::new();
        check_unit(conn, &r.id, object_id, account, &mut errs)?;
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        let row = SelfCheckRow {
            id: crate::domain::new_id(),
            round_id: r.id.clone(),
            office_agency_id: r.owner_agency_id.clone(),
            object_id: object_id.to_string(),
            account_agency_id: account.map(|a| a.to_string()),
            requirement: draft.requirement.clone(),
            deadline: draft.deadline.clone(),
            state: SelfCheckState::Required.as_str().into(),
            report: None,
            reported_at: None,
            reported_by: None,
            reported_by_unit: false,
            created_by: p.actor_id(),
            created_at: log.at().into(),
        };
        diesel::insert_into(self_checks::table).values(&row).execute(conn)?;
        log.audit(
            &Actor::from(p),
            "self_check.create",
            "self_check",
            Some(&row.id),
            None,
            json!({"round_id": r.id, "object_id": row.object_id, "account_agency_id": row.account_agency_id,
                   "deadline": row.deadline}),
        );
        Ok(row)
    })?;
    Ok(views(conn, vec![row])?.remove(0))
}

/// A requirement as the principal may see it, or 404.
fn visible(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<(SelfCheckRow, SelfCheckAccess)> {
    let row: SelfCheckRow =
        self_checks::table.find(id).select(SelfCheckRow::as_select()).first(conn).optional()?.ok_or_else(not_found)?;
    let access = rules::self_check_access(p, &row.office_agency_id, row.account_agency_id.as_deref())?;
    Ok((row, access))
}

/// One requirement (the office, or the unit's account).
pub fn show(conn: &mut DbConnection, p: &Principal, id: &SelfCheckId) -> AppResult<SelfCheckView> {
    let (row, _) = visible(conn, p, id)?;
    Ok(views(conn, vec![row])?.remove(0))
}

/// Reports the self-check (the unit's account, or the office recording it); once only.
pub fn report(conn: &mut DbConnection, p: &Principal, id: &SelfCheckId, text: &str) -> AppResult<SelfCheckView> {
    let mut errs = Vec::new();
    check_text("report", text, &mut errs);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let row = write_tx(conn, |conn, log| {
        let (row, access) = visible(conn, p, id)?;
        rules::require_self_check_reporter(p, access)?;
        if row.state != SelfCheckState::Required.as_str() {
            return Err(AppError::Conflict("自查自纠情况已报送".into()));
        }
        let by_unit = access == SelfCheckAccess::OwnUnit;
        diesel::update(self_checks::table.find(&row.id))
            .set((
                self_checks::state.eq(SelfCheckState::Reported.as_str()),
                self_checks::report.eq(text.trim()),
                self_checks::reported_at.eq(log.at()),
                self_checks::reported_by.eq(p.actor_id()),
                self_checks::reported_by_unit.eq(by_unit),
            ))
            .execute(conn)?;
        if by_unit {
            log.event(
                conn,
                EventType::SelfCheckReported,
                None,
                Some(&row.office_agency_id),
                Some(&p.agency_id),
                json!({"self_check_id": row.id, "round_id": row.round_id, "state": SelfCheckState::Reported.as_str()}),
            )?;
        }
        log.audit(
            &Actor::from(p),
            "self_check.report",
            "self_check",
            Some(&row.id),
            None,
            json!({"by_unit": by_unit, "state": SelfCheckState::Reported.as_str()}),
        );
        Ok(self_checks::table.find(&row.id).select(SelfCheckRow::as_select()).first(conn)?)
    })?;
    Ok(views(conn, vec![row])?.remove(0))
}

/// The round's requirements the caller sees (the round visible to it): all for the office,
/// none for a participant.
pub fn rows_for_round(conn: &mut DbConnection, p: &Principal, round_id: &RoundId) -> AppResult<Vec<SelfCheckRow>> {
    let (r, _) = visible_round(conn, p, round_id)?;
    Ok(self_checks::table
        .filter(self_checks::round_id.eq(&r.id))
        .filter(rules::self_checks_visible_sql(p))
        .order(self_checks::id)
        .select(SelfCheckRow::as_select())
        .load(conn)?)
}

pub fn list_for_round(conn: &mut DbConnection, p: &Principal, round_id: &RoundId) -> AppResult<Vec<SelfCheckView>> {
    let rows = rows_for_round(conn, p, round_id)?;
    views(conn, rows)
}

/// The requirements the caller sees across rounds, newest first: the office's own, or the
/// unit account's own.
pub fn page(
    conn: &mut DbConnection,
    p: &Principal,
    w: &Window,
    state: Option<SelfCheckState>,
) -> AppResult<Page<SelfCheckView>> {
    rules::require_self_check_reader(p)?;
    let mut q = self_checks::table.filter(rules::self_checks_visible_sql(p)).into_boxed();
    if let Some(s) = state {
        q = q.filter(self_checks::state.eq(s.as_str()));
    }
    if let Some(after) = &w.after {
        q = q.filter(self_checks::id.lt(after));
    }
    let rows: Vec<SelfCheckRow> =
        q.order(self_checks::id.desc()).limit(w.limit).select(SelfCheckRow::as_select()).load(conn)?;
    Ok(Page::of(views(conn, rows)?, w, |s| &s.id))
}
