//! The team's side of 码上巡察: the queue of a channel, one report with its files, the steps
//! taken on it (verify, mark a duplicate, convert into a clue, close with a reason) and the
//! channel's figures. Only the office that runs the channel reads or moves any of it.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::channels::{self, count_by_state};
use crate::contract::page::{Page, Window};
use crate::db::schema::{public_report_files as files, public_reports as pr};
use crate::db::DbConnection;
use crate::domain::ids::{ChannelId, PublicReportId};
use crate::domain::public_report::{PublicStatus, ReportAction, ReportState, MAX_REASON_CHARS};
use crate::domain::record::{Distribution, RecordContent, RecordKind, Sensitivity};
use crate::error::{AppError, AppResult, FieldError};
use crate::policy::public_reports::{self as rules, REPORT_NOT_FOUND};
use crate::policy::Principal;
use crate::service::records::{self, WriteContext};
use crate::store::log::{write_tx, Actor};

/// A file a reporter attached (its content is downloaded separately).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, Queryable, Selectable)]
#[diesel(table_name = files)]
pub struct ReportFileView {
    pub id: String,
    /// 附件1.jpg …: the reporter's own file name is not kept.
    pub filename: String,
    /// image/jpeg, image/png (both re-encoded, without metadata) or application/pdf.
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: String,
}

/// A report in the team's queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub id: String,
    pub channel_id: String,
    /// 第几号, in the channel's order.
    pub number: i32,
    /// The petition record holding the report (read it with `GET /records/{id}`; the
    /// reporter's identity, if given, is among its protected fields).
    pub record_id: String,
    pub state: ReportState,
    /// What the reporter sees with the receipt code.
    pub public_status: PublicStatus,
    /// The report this one repeats (`duplicate`).
    pub duplicate_of: Option<String>,
    /// The clue it was converted into (`clue`, and `closed` after that).
    pub clue_record_id: Option<String>,
    pub close_reason: Option<String>,
    /// Who took the last step.
    pub handled_by: Option<String>,
    /// Additions the reporter made with the receipt code.
    pub supplements: i32,
    pub files: Vec<ReportFileView>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pr)]
struct ReportRow {
    id: String,
    channel_id: String,
    number: i32,
    record_id: String,
    state: String,
    duplicate_of: Option<String>,
    clue_record_id: Option<String>,
    close_reason: Option<String>,
    handled_by: Option<String>,
    supplements: i32,
    created_at: String,
    updated_at: String,
}

impl ReportRow {
    fn state(&self) -> AppResult<ReportState> {
        Ok(crate::domain::from_stored("举报状态", &self.state, ReportState::parse).map_err(anyhow::Error::from)?)
    }
}

/// The reports' views, their files read in one query.
fn views(conn: &mut DbConnection, rows: Vec<ReportRow>) -> AppResult<Vec<ReportView>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut by_report: std::collections::HashMap<String, Vec<ReportFileView>> = Default::default();
    for (report_id, f) in files::table
        .filter(files::report_id.eq_any(&ids))
        .order(files::id)
        .select((files::report_id, ReportFileView::as_select()))
        .load::<(String, ReportFileView)>(conn)?
    {
        by_report.entry(report_id).or_default().push(f);
    }
    rows.into_iter()
        .map(|r| {
            let fs = by_report.remove(&r.id).unwrap_or_default();
            view(r, fs)
        })
        .collect()
}

fn view(r: ReportRow, fs: Vec<ReportFileView>) -> AppResult<ReportView> {
    let state = r.state()?;
    Ok(ReportView {
        id: r.id,
        channel_id: r.channel_id,
        number: r.number,
        record_id: r.record_id,
        state,
        public_status: state.public_status(),
        duplicate_of: r.duplicate_of,
        clue_record_id: r.clue_record_id,
        close_reason: r.close_reason,
        handled_by: r.handled_by,
        supplements: r.supplements,
        files: fs,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// A report the principal may see (its channel's office), or 404.
fn visible(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<(ReportRow, channels::ChannelRow)> {
    let not_found = || AppError::NotFound(REPORT_NOT_FOUND.into());
    let r: ReportRow =
        pr::table.find(id).select(ReportRow::as_select()).first(conn).optional()?.ok_or_else(not_found)?;
    let c = channels::visible(conn, p, &r.channel_id).map_err(|_| not_found())?;
    Ok((r, c))
}

/// A channel's reports, oldest first (the order they came in), optionally of one state.
pub fn queue(
    conn: &mut DbConnection,
    p: &Principal,
    channel_id: &ChannelId,
    state: Option<ReportState>,
    w: &Window,
) -> AppResult<Page<ReportView>> {
    let c = channels::visible(conn, p, channel_id)?;
    let mut q = pr::table.filter(pr::channel_id.eq(&c.id)).into_boxed();
    if let Some(s) = state {
        q = q.filter(pr::state.eq(s.as_str()));
    }
    if let Some(after) = &w.after {
        q = q.filter(pr::id.gt(after));
    }
    let rows: Vec<ReportRow> = q.order(pr::id).limit(w.limit).select(ReportRow::as_select()).load(conn)?;
    let full = rows.len() as i64 == w.limit;
    let last = rows.last().map(|r| r.id.clone());
    let items = views(conn, rows)?;
    Ok(Page { items, next_cursor: last.filter(|_| full).map(|id| crate::contract::page::encode_id(&id)) })
}

pub fn show(conn: &mut DbConnection, p: &Principal, id: &PublicReportId) -> AppResult<ReportView> {
    let (r, _) = visible(conn, p, id)?;
    Ok(views(conn, vec![r])?.remove(0))
}

/// A step the team takes on a report.
#[derive(Debug, Clone)]
pub struct Step {
    pub action: ReportAction,
    /// `mark_duplicate`: the earlier report of the same channel it repeats.
    pub duplicate_of: Option<PublicReportId>,
    /// `close` (required) and `mark_duplicate` (optional): why.
    pub reason: Option<String>,
    /// `convert`: the clue's title (default: the report's).
    pub clue_title: Option<String>,
    /// `convert`: the clue's problem category.
    pub category: Option<String>,
}

/// The clue a report becomes: the office's, `own`, sensitive, with the report's text but
/// without the reporter's identity (a transfer hands the clue on, never the reporter).
fn clue_content(report: &crate::store::records::StoredRecord, s: &Step, report_id: &str) -> RecordContent {
    let mut attributes = serde_json::Map::new();
    attributes.insert("source_public_report_id".into(), json!(report_id));
    attributes.insert("source_record_id".into(), json!(report.row.id));
    RecordContent {
        kind: RecordKind::Clue,
        title: s
            .clue_title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| report.row.title.replace("群众举报", "问题线索")),
        body: report.row.body.clone(),
        category: s.category.clone().filter(|c| !c.trim().is_empty()),
        object_ids: report.object_ids.clone(),
        tags: vec!["码上巡察".into()],
        attributes,
        distribution: Distribution::own(),
        sensitivity: Sensitivity::Sensitive,
        protected: Default::default(),
        field_grants: vec![],
        external_id: None,
    }
}

/// Takes a step on a report (the channel's office, a content writer).
pub fn act(conn: &mut DbConnection, p: &Principal, id: &PublicReportId, s: Step) -> AppResult<ReportView> {
    let (before, _) = visible(conn, p, id)?;
    rules::require_channel_manager(p)?;
    let from = before.state()?;
    let to = from.after(s.action).map_err(AppError::Conflict)?;
    let reason = s.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
    let mut errs = Vec::new();
    if s.action == ReportAction::Close && reason.is_none() {
        errs.push(FieldError::new("reason", "请填写办结理由"));
    }
    if reason.as_ref().is_some_and(|r| r.chars().count() > MAX_REASON_CHARS || r.contains('\0')) {
        errs.push(FieldError::new("reason", format!("理由最多 {MAX_REASON_CHARS} 个字,且不能含空字符")));
    }
    if s.action == ReportAction::MarkDuplicate {
        match &s.duplicate_of {
            None => errs.push(FieldError::new("duplicate_of", "请指明与哪一件举报重复")),
            Some(d) if d.as_str() == before.id => errs.push(FieldError::new("duplicate_of", "不能与自身重复")),
            Some(d) => {
                let same: Option<String> = pr::table
                    .find(d.as_str())
                    .filter(pr::channel_id.eq(&before.channel_id))
                    .select(pr::id)
                    .first(conn)
                    .optional()?;
                if same.is_none() {
                    errs.push(FieldError::new("duplicate_of", "同一渠道中没有这件举报"));
                }
            }
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let row = write_tx(conn, |conn, log| {
        let clue_id = match s.action {
            ReportAction::Convert => {
                let report =
                    crate::store::records::load(conn, &before.record_id)?.ok_or_else(AppError::record_not_found)?;
                let ctx = WriteContext::load(conn)?;
                let clue = records::create(conn, log, &ctx, p, clue_content(&report, &s, &before.id))?;
                Some(clue.row.id)
            }
            _ => before.clue_record_id.clone(),
        };
        let n = diesel::update(pr::table.find(&before.id).filter(pr::state.eq(&before.state)))
            .set((
                pr::state.eq(to.as_str()),
                pr::duplicate_of.eq(s.duplicate_of.as_ref().map(|d| d.to_string()).or(before.duplicate_of.clone())),
                pr::clue_record_id.eq(&clue_id),
                pr::close_reason.eq(reason.clone().or(before.close_reason.clone())),
                pr::handled_by.eq(p.actor_id()),
                pr::updated_at.eq(log.at()),
            ))
            .execute(conn)?;
        if n == 0 {
            return Err(AppError::Conflict("该举报刚被其他人处理,请刷新后再试".into()));
        }
        log.audit(
            &Actor::from(p),
            &format!("public_report.{}", s.action.as_str()),
            "public_report",
            Some(&before.id),
            None,
            json!({"from": from.as_str(), "to": to.as_str(), "clue_record_id": clue_id}),
        );
        Ok(pr::table.find(&before.id).select(ReportRow::as_select()).first(conn)?)
    })?;
    Ok(views(conn, vec![row])?.remove(0))
}

/// A file for download (the channel's office only).
pub fn file(
    conn: &mut DbConnection,
    p: &Principal,
    id: &PublicReportId,
    file_id: &str,
) -> AppResult<(String, String, Vec<u8>)> {
    let (r, _) = visible(conn, p, id)?;
    let f: Option<(String, String, Vec<u8>)> = files::table
        .filter(files::id.eq(file_id))
        .filter(files::report_id.eq(&r.id))
        .select((files::filename, files::content_type, files::content))
        .first(conn)
        .optional()?;
    f.ok_or_else(|| AppError::NotFound("附件不存在".into()))
}

/// A channel's figures (统计).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ChannelStats {
    pub channel_id: String,
    /// Every report received.
    pub received: i64,
    /// Not yet taken up (待处理).
    pub pending: i64,
    /// Under verification (核查中).
    pub verifying: i64,
    /// Converted into clues (including those closed since).
    pub converted_to_clues: i64,
    /// Marked as repeating another report.
    pub duplicates: i64,
    /// Handled: closed with a reason, or duplicates.
    pub handled: i64,
}

pub fn stats(conn: &mut DbConnection, p: &Principal, id: &ChannelId) -> AppResult<ChannelStats> {
    let c = channels::visible(conn, p, id)?;
    let mut s = ChannelStats { channel_id: c.id.clone(), ..Default::default() };
    for (state, n) in count_by_state(conn, &c.id)? {
        s.received += n;
        match ReportState::parse(&state) {
            Some(ReportState::Received) => s.pending += n,
            Some(ReportState::Verifying) => s.verifying += n,
            Some(ReportState::Clue) => s.converted_to_clues += n,
            Some(ReportState::Duplicate) => {
                s.duplicates += n;
                s.handled += n
            }
            Some(ReportState::Closed) => s.handled += n,
            None => {}
        }
    }
    let closed_after_clue: i64 = pr::table
        .filter(pr::channel_id.eq(&c.id))
        .filter(pr::state.eq(ReportState::Closed.as_str()))
        .filter(pr::clue_record_id.is_not_null())
        .count()
        .get_result(conn)?;
    s.converted_to_clues += closed_after_clue;
    Ok(s)
}
