//! Information requests (函询): pre-inspection requests (巡前函询) of an inspection office to
//! member units about a round's inspected units and their leaders, and integrity opinions
//! (党风廉政意见回复) the organisation department asks of the discipline commission about
//! cadres. Sending (`create`), answering (`answers`), reminders and closing (`remind`), lists,
//! statistics and the answer ledger (`ledger`), and the mails (`mail`). Who sees what is
//! `policy::info_requests`; every write, its audit entries and events are one `write_tx`.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    agencies, info_request_answers, info_request_subjects, info_request_targets, info_requests, subject_objects,
};
use crate::db::DbConnection;
use crate::domain::inspection::requests::{
    target_status, Finding, RequestKind, RequestSide, RequestState, TargetStatus,
};
use crate::domain::{from_stored, UnknownStoredValue};
use crate::error::{AppError, AppResult};
use crate::policy::info_requests::{self as rules, Access, REQUEST_NOT_FOUND};
use crate::policy::{self, Principal, Viewer};

pub mod answers;
pub mod choices;
pub mod create;
pub mod ledger;
pub mod mail;
pub mod remind;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = info_requests)]
pub struct RequestRow {
    pub id: String,
    pub kind: String,
    pub asker_agency_id: String,
    pub round_id: Option<String>,
    pub title: String,
    pub note: String,
    pub deadline: String,
    pub state: String,
    pub created_by: String,
    pub created_at: String,
    pub closed_at: Option<String>,
}

impl RequestRow {
    pub fn kind(&self) -> Result<RequestKind, UnknownStoredValue> {
        from_stored("函询类别", &self.kind, RequestKind::parse)
    }
    pub fn state(&self) -> Result<RequestState, UnknownStoredValue> {
        from_stored("函询状态", &self.state, RequestState::parse)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = info_request_targets)]
pub struct TargetRow {
    pub request_id: String,
    pub agency_id: String,
    pub reminded_at: Option<String>,
    pub remind_count: i32,
    pub soon_reminded_at: Option<String>,
    pub overdue_reminded_at: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = info_request_answers)]
pub struct AnswerRow {
    pub id: String,
    pub request_id: String,
    pub agency_id: String,
    pub object_id: String,
    pub finding: String,
    pub note: String,
    pub record_ids: String,
    pub revision: i32,
    pub answered_by: String,
    pub answered_at: String,
}

impl AnswerRow {
    pub fn record_ids(&self) -> Vec<String> {
        serde_json::from_str(&self.record_ids).unwrap_or_default()
    }
}

/// How the reader stands to a request, on the wire.
pub fn side(a: Access) -> RequestSide {
    match a {
        Access::Asker => RequestSide::Asker,
        Access::Target => RequestSide::Target,
    }
}

/// A supervision object asked about.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, Queryable)]
pub struct SubjectView {
    pub object_id: String,
    pub name: String,
    /// `unit` or `person`.
    pub kind: String,
    pub unit: Option<String>,
    pub position: Option<String>,
}

/// Where one target stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetView {
    pub agency_id: String,
    pub agency_name: String,
    pub status: TargetStatus,
    /// How many of the request's subjects it answered.
    pub answered_subjects: i64,
    /// The asker's last reminder (催办), and how many.
    pub reminded_at: Option<String>,
    pub remind_count: i32,
}

/// A record an answer refers to, as the reader may see it: the title unless it is restricted
/// (read with a purpose through `GET /records/{id}`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReferenceView {
    pub record_id: String,
    pub title: Option<String>,
}

/// One answer about one subject.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnswerView {
    pub id: String,
    pub agency_id: String,
    pub subject_object_id: String,
    pub finding: Finding,
    pub note: String,
    /// The references the reader may read now.
    pub records: Vec<ReferenceView>,
    /// References the reader may not read (counted, never listed).
    pub hidden_record_count: i64,
    /// 1 for the first answer, +1 for each replacement.
    pub revision: i32,
    pub answered_at: String,
}

/// Counts over the targets the reader sees.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct StatusCounts {
    pub targets: i64,
    pub answered: i64,
    pub late: i64,
    pub pending: i64,
}

impl StatusCounts {
    pub fn add(&mut self, s: TargetStatus) {
        self.targets += 1;
        match s {
            TargetStatus::Answered => self.answered += 1,
            TargetStatus::Late => self.late += 1,
            TargetStatus::Pending => self.pending += 1,
        }
    }
}

/// A request as its asker (everything) or a target (its own row and answers) sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InfoRequestView {
    pub id: String,
    pub kind: RequestKind,
    pub asker_agency_id: String,
    pub asker_agency_name: String,
    /// The round of a pre-inspection request.
    pub round_id: Option<String>,
    pub title: String,
    pub note: String,
    /// YYYY-MM-DD (hub time zone).
    pub deadline: String,
    pub state: RequestState,
    /// How the reader's agency stands to the request.
    pub side: RequestSide,
    pub subjects: Vec<SubjectView>,
    /// Every target for the asker; a target sees its own row only.
    pub targets: Vec<TargetView>,
    pub counts: StatusCounts,
    /// Every answer for the asker; a target sees its own only.
    pub answers: Vec<AnswerView>,
    pub created_at: String,
    pub closed_at: Option<String>,
}

/// A request, or 404.
pub fn load(conn: &mut DbConnection, id: &str) -> AppResult<RequestRow> {
    info_requests::table
        .find(id)
        .select(RequestRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(REQUEST_NOT_FOUND.into()))
}

pub fn target_rows(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<TargetRow>> {
    info_request_targets::table
        .filter(info_request_targets::request_id.eq(id))
        .order(info_request_targets::agency_id)
        .select(TargetRow::as_select())
        .load(conn)
}

/// A request the principal may see, its targets and how the principal stands to it, or 404.
pub fn visible(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<(RequestRow, Vec<TargetRow>, Access)> {
    policy::require_content_reader(p)?;
    let r = load(conn, id)?;
    let targets = target_rows(conn, id)?;
    let ids: Vec<String> = targets.iter().map(|t| t.agency_id.clone()).collect();
    let access = rules::access(p, &r.asker_agency_id, &ids)?;
    Ok((r, targets, access))
}

/// The subjects' object ids, in order.
pub fn subject_ids(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<String>> {
    info_request_subjects::table
        .filter(info_request_subjects::request_id.eq(id))
        .order(info_request_subjects::position)
        .select(info_request_subjects::object_id)
        .load(conn)
}

pub fn subject_views(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<SubjectView>> {
    info_request_subjects::table
        .inner_join(subject_objects::table)
        .filter(info_request_subjects::request_id.eq(id))
        .order(info_request_subjects::position)
        .select((
            subject_objects::id,
            subject_objects::name,
            subject_objects::kind,
            subject_objects::unit,
            subject_objects::position,
        ))
        .load(conn)
}

/// How many subjects each agency answered on a request.
pub fn answered_counts(conn: &mut DbConnection, id: &str) -> QueryResult<HashMap<String, i64>> {
    use diesel::dsl::count_star;
    Ok(info_request_answers::table
        .filter(info_request_answers::request_id.eq(id))
        .group_by(info_request_answers::agency_id)
        .select((info_request_answers::agency_id, count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

pub fn agency_names(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<HashMap<String, String>> {
    Ok(agencies::table
        .filter(agencies::id.eq_any(ids))
        .select((agencies::id, agencies::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// The target rows the reader sees, with their status.
pub fn target_views(
    conn: &mut DbConnection,
    r: &RequestRow,
    targets: Vec<TargetRow>,
    subjects: usize,
    reader: (&str, Access),
) -> QueryResult<Vec<TargetView>> {
    let today = crate::domain::clock::today();
    let counts = answered_counts(conn, &r.id)?;
    let visible: Vec<TargetRow> =
        targets.into_iter().filter(|t| rules::sees_target(reader.1, reader.0, &t.agency_id)).collect();
    let names = agency_names(conn, &visible.iter().map(|t| t.agency_id.as_str()).collect::<Vec<_>>())?;
    Ok(visible
        .into_iter()
        .map(|t| {
            let answered = counts.get(&t.agency_id).copied().unwrap_or(0);
            TargetView {
                agency_name: names.get(&t.agency_id).cloned().unwrap_or_default(),
                status: target_status(answered as usize, subjects, &r.deadline, &today),
                answered_subjects: answered,
                agency_id: t.agency_id,
                reminded_at: t.reminded_at,
                remind_count: t.remind_count,
            }
        })
        .collect())
}

/// The references of `ids` the viewer may read now (titles of restricted ones withheld), and
/// how many it may not.
pub fn references(
    stored: &HashMap<String, crate::store::records::StoredRecord>,
    viewer: &Viewer,
    ids: &[String],
) -> (Vec<ReferenceView>, i64) {
    let mut shown = Vec::new();
    let mut hidden = 0;
    for id in ids {
        match stored.get(id).filter(|s| policy::can_read(viewer, &s.facts())) {
            Some(s) => shown.push(ReferenceView {
                record_id: id.clone(),
                title: (!policy::needs_purpose(&s.facts())).then(|| s.row.title.clone()),
            }),
            None => hidden += 1,
        }
    }
    (shown, hidden)
}

/// The answers the reader sees (the asker all, a target its own), in subject order.
pub fn answer_views(
    conn: &mut DbConnection,
    r: &RequestRow,
    subjects: &[SubjectView],
    reader: (&str, Access),
) -> AppResult<Vec<AnswerView>> {
    let mut q = info_request_answers::table.filter(info_request_answers::request_id.eq(&r.id)).into_boxed();
    if reader.1 == Access::Target {
        q = q.filter(info_request_answers::agency_id.eq(reader.0.to_string()));
    }
    let mut rows: Vec<AnswerRow> = q.select(AnswerRow::as_select()).load(conn)?;
    let order: HashMap<&str, usize> = subjects.iter().enumerate().map(|(i, s)| (s.object_id.as_str(), i)).collect();
    rows.sort_by(|a, b| {
        (order.get(a.object_id.as_str()), &a.agency_id).cmp(&(order.get(b.object_id.as_str()), &b.agency_id))
    });
    let all_ids: Vec<String> = rows.iter().flat_map(|a| a.record_ids()).collect();
    let stored = crate::store::records::load_many(conn, &all_ids)?;
    let viewer = crate::store::directory::viewer(conn, reader.0)?;
    let mut out = Vec::with_capacity(rows.len());
    for a in rows {
        let (records, hidden_record_count) = references(&stored, &viewer, &a.record_ids());
        out.push(AnswerView {
            finding: from_stored("答复结论", &a.finding, Finding::parse).map_err(anyhow::Error::from)?,
            records,
            hidden_record_count,
            id: a.id,
            agency_id: a.agency_id,
            subject_object_id: a.object_id,
            note: a.note,
            revision: a.revision,
            answered_at: a.answered_at,
        });
    }
    Ok(out)
}

/// The request as the reader (`p`'s agency, standing as `access`) may see it.
pub fn view(
    conn: &mut DbConnection,
    p: &Principal,
    r: RequestRow,
    targets: Vec<TargetRow>,
    access: Access,
) -> AppResult<InfoRequestView> {
    let reader = (p.agency_id.as_str(), access);
    let subjects = subject_views(conn, &r.id)?;
    let targets = target_views(conn, &r, targets, subjects.len(), reader)?;
    let mut counts = StatusCounts::default();
    targets.iter().for_each(|t| counts.add(t.status));
    let answers = answer_views(conn, &r, &subjects, reader)?;
    let names = agency_names(conn, &[r.asker_agency_id.as_str()])?;
    Ok(InfoRequestView {
        kind: r.kind().map_err(anyhow::Error::from)?,
        state: r.state().map_err(anyhow::Error::from)?,
        asker_agency_name: names.get(&r.asker_agency_id).cloned().unwrap_or_default(),
        side: side(access),
        subjects,
        targets,
        counts,
        answers,
        id: r.id,
        asker_agency_id: r.asker_agency_id,
        round_id: r.round_id,
        title: r.title,
        note: r.note,
        deadline: r.deadline,
        created_at: r.created_at,
        closed_at: r.closed_at,
    })
}

/// One request, as the caller may see it.
pub fn show(
    conn: &mut DbConnection,
    p: &Principal,
    id: &crate::domain::ids::InfoRequestId,
) -> AppResult<InfoRequestView> {
    let (r, targets, access) = visible(conn, p, id)?;
    view(conn, p, r, targets, access)
}
