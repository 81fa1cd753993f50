//! Record rows: the `records` table with its link tables (recipients, objects, field grants,
//! access grants), read into [`StoredRecord`]s, listed under the SQL twin of the read rule,
//! and looked up by external id. Writing and the version history are in `versions`.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;

use crate::db::schema::{record_field_grants, record_grants, record_objects, record_recipients, records};
use crate::db::DbConnection;
use crate::domain::from_stored;
use crate::domain::record::{Distribution, DistributionLevel, RecordContent, RecordKind, Sensitivity};
use crate::policy::{AccessFacts, GrantReason, Viewer};
use crate::store::json_list;

pub mod search;
mod versions;
mod walk;

use walk::by_feed_keys;
pub(crate) use walk::FeedWalk;

pub use versions::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = records, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct RecordRow {
    pub id: String,
    pub owner_agency_id: String,
    pub author_id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub category: Option<String>,
    pub tags: String,
    pub attributes: String,
    pub distribution_level: String,
    pub group_id: Option<String>,
    pub sensitivity: String,
    pub protected: String,
    pub external_id: Option<String>,
    pub version: i32,
    pub content_hash: String,
    pub seq: i64,
    pub created_at: String,
    pub updated_at: String,
    pub withdrawn_at: Option<String>,
}

/// A record with its link rows.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub row: RecordRow,
    /// The row's stored enums, parsed when it was read (an unknown value is an error).
    pub kind: RecordKind,
    pub level: DistributionLevel,
    pub sensitivity: Sensitivity,
    pub recipients: Vec<String>,
    pub object_ids: Vec<String>,
    pub field_grants: Vec<String>,
    /// Access grants by transfer or deliberation (`record_grants`), one per agency and reason.
    pub grants: Vec<RecordGrant>,
}

/// An agency's grant on a record, and why (transfer: full access; deliberation: read).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordGrant {
    pub agency_id: String,
    pub reason: GrantReason,
}

impl StoredRecord {
    /// A record read from its row (links added by the caller); fails on a stored enum value
    /// the hub does not write, never defaulting to a weaker one.
    pub fn from_row(row: RecordRow) -> QueryResult<StoredRecord> {
        let stored = crate::store::unknown_stored;
        Ok(StoredRecord {
            kind: from_stored("信息类别", &row.kind, RecordKind::parse).map_err(stored)?,
            level: from_stored("分发范围", &row.distribution_level, DistributionLevel::parse).map_err(stored)?,
            sensitivity: from_stored("敏感级别", &row.sensitivity, Sensitivity::parse).map_err(stored)?,
            row,
            recipients: vec![],
            object_ids: vec![],
            field_grants: vec![],
            grants: vec![],
        })
    }

    pub fn facts(&self) -> AccessFacts {
        AccessFacts {
            owner_agency_id: self.row.owner_agency_id.clone(),
            level: Some(self.level),
            group_id: self.row.group_id.clone(),
            recipients: self.recipients.clone(),
            grants: self.grants.iter().filter(|g| g.reason.full_access()).map(|g| g.agency_id.clone()).collect(),
            read_grants: self.grants.iter().filter(|g| !g.reason.full_access()).map(|g| g.agency_id.clone()).collect(),
            field_grants: self.field_grants.clone(),
            sensitivity: Some(self.sensitivity),
            withdrawn: self.row.withdrawn_at.is_some(),
            from_public_channel: crate::policy::public_reports::is_channel_author(&self.row.author_id),
        }
    }

    pub fn distribution(&self) -> Distribution {
        Distribution { level: self.level, agencies: self.recipients.clone(), group: self.row.group_id.clone() }
    }

    pub fn protected_map(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.row.protected).unwrap_or_default()
    }

    pub fn content(&self) -> RecordContent {
        RecordContent {
            kind: self.kind,
            title: self.row.title.clone(),
            body: self.row.body.clone(),
            category: self.row.category.clone(),
            object_ids: self.object_ids.clone(),
            tags: json_list(&self.row.tags),
            attributes: serde_json::from_str(&self.row.attributes).unwrap_or_default(),
            distribution: self.distribution(),
            sensitivity: self.sensitivity,
            protected: self.protected_map(),
            field_grants: self.field_grants.clone(),
            external_id: self.row.external_id.clone(),
        }
    }
}

/// Loads records with their link rows, keyed by id.
pub fn load_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, StoredRecord>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<RecordRow> =
            records::table.filter(records::id.eq_any(chunk)).select(RecordRow::as_select()).load(conn)?;
        let mut by_id: HashMap<String, StoredRecord> = rows
            .into_iter()
            .map(|row| Ok((row.id.clone(), StoredRecord::from_row(row)?)))
            .collect::<QueryResult<_>>()?;
        let pairs: Vec<(String, String)> = record_recipients::table
            .filter(record_recipients::record_id.eq_any(chunk))
            .select((record_recipients::record_id, record_recipients::agency_id))
            .load(conn)?;
        for (r, a) in pairs {
            if let Some(s) = by_id.get_mut(&r) {
                s.recipients.push(a);
            }
        }
        let pairs: Vec<(String, String)> = record_objects::table
            .filter(record_objects::record_id.eq_any(chunk))
            .select((record_objects::record_id, record_objects::object_id))
            .load(conn)?;
        for (r, o) in pairs {
            if let Some(s) = by_id.get_mut(&r) {
                s.object_ids.push(o);
            }
        }
        let pairs: Vec<(String, String)> = record_field_grants::table
            .filter(record_field_grants::record_id.eq_any(chunk))
            .select((record_field_grants::record_id, record_field_grants::agency_id))
            .load(conn)?;
        for (r, a) in pairs {
            if let Some(s) = by_id.get_mut(&r) {
                s.field_grants.push(a);
            }
        }
        let triples: Vec<(String, String, String)> = record_grants::table
            .filter(record_grants::record_id.eq_any(chunk))
            .select((record_grants::record_id, record_grants::agency_id, record_grants::reason))
            .load(conn)?;
        for (r, a, reason) in triples {
            if let Some(s) = by_id.get_mut(&r) {
                let reason =
                    from_stored("授权原因", &reason, GrantReason::parse).map_err(crate::store::unknown_stored)?;
                let g = RecordGrant { agency_id: a, reason };
                if !s.grants.contains(&g) {
                    s.grants.push(g);
                }
            }
        }
        for s in by_id.values_mut() {
            s.recipients.sort();
            s.object_ids.sort();
            s.field_grants.sort();
            s.grants.sort();
        }
        out.extend(by_id);
    }
    Ok(out)
}

pub fn load(conn: &mut DbConnection, id: &str) -> QueryResult<Option<StoredRecord>> {
    Ok(load_many(conn, &[id.to_string()])?.remove(id))
}

/// Loads records in the order of `ids` (missing ones skipped).
pub fn load_ordered(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<StoredRecord>> {
    let mut map = load_many(conn, ids)?;
    Ok(ids.iter().filter_map(|id| map.remove(id)).collect())
}

/// Filters for listing and searching records.
#[derive(Debug, Default, Clone)]
pub struct RecordQuery {
    pub kind: Option<RecordKind>,
    pub q: Option<String>,
    pub object_id: Option<String>,
    pub category: Option<String>,
    pub tag: Option<String>,
    pub source_agency_id: Option<String>,
    pub sensitivity: Option<Sensitivity>,
    pub before_seq: Option<i64>,
    pub limit: i64,
    /// The caller's stated purpose (`X-Access-Purpose`): without one, text search never
    /// looks into restricted records.
    pub purpose: Option<String>,
}

/// Applies the filters of a `RecordQuery` other than the text (`q`) to a boxed query over
/// `records` (alone or joined, as the search index joins it), the entitlement first (rule 5:
/// lists never load-then-filter).
#[macro_export]
macro_rules! record_filters {
    ($q:expr, $viewer:expr, $f:expr) => {{
        use $crate::db::schema::records;
        let f: &$crate::store::records::RecordQuery = $f;
        let mut q = $q.filter($crate::policy::entitled_sql($viewer));
        if let Some(k) = f.kind {
            q = q.filter(records::kind.eq(k.as_str()));
        }
        if let Some(o) = &f.object_id {
            // As SQL: the query may join the search index's term store, unknown to diesel's
            // joins with `record_objects`.
            q = q.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "records.id IN (SELECT ro.record_id FROM record_objects ro WHERE ro.object_id = ",
                )
                .bind::<diesel::sql_types::Text, _>(o.clone())
                .sql(")"),
            );
        }
        if let Some(c) = &f.category {
            q = q.filter(records::category.eq(c.clone()));
        }
        if let Some(t) = &f.tag {
            q = q.filter(
                records::tags.like($crate::domain::text::like_contains(&$crate::store::to_json(t))).escape('\\'),
            );
        }
        if let Some(a) = &f.source_agency_id {
            q = q.filter(records::owner_agency_id.eq(a.clone()));
        }
        if let Some(s) = f.sensitivity {
            q = q.filter(records::sensitivity.eq(s.as_str()));
        }
        if let Some(b) = f.before_seq {
            q = q.filter(records::seq.lt(b));
        }
        q
    }};
}

/// The page of records `viewer` is entitled to that match `f`, newest change first. Text
/// (`q`) goes through the search index (`store::records::search`).
pub fn list(conn: &mut DbConnection, viewer: &Viewer, f: &RecordQuery) -> QueryResult<Vec<StoredRecord>> {
    let ids: Vec<String> = match &f.q {
        Some(text) => search::page(conn, viewer, f, text)?,
        None if f.object_id.is_none()
            && f.category.is_none()
            && f.tag.is_none()
            && f.source_agency_id.is_none()
            && f.sensitivity.is_none() =>
        {
            by_feed_keys(conn, viewer, f)?
        }
        None => {
            let q = records::table.select(records::id).into_boxed();
            crate::record_filters!(q, viewer, f).order(records::seq.desc()).limit(f.limit).load(conn)?
        }
    };
    load_ordered(conn, &ids)
}

/// What the hub holds under an external id.
#[derive(Debug, Clone)]
pub struct Existing {
    pub id: String,
    pub version: i32,
    pub content_hash: String,
    pub withdrawn: bool,
}

/// Makes the owner's bulk writes take turns until this transaction ends, so two batches
/// upserting the same external ids (a sync job restarted while its first request still
/// runs) see each other's rows instead of both creating them. SQLite's writers take turns
/// anyway; on PostgreSQL an advisory lock per owner (two 32-bit keys, apart from the event
/// floors of `store::log::horizon`), other owners unaffected.
pub fn serialise_upserts(conn: &mut DbConnection, owner: &str) -> QueryResult<()> {
    if let DbConnection::Pg(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(1, hashtext($1))::text AS locked")
            .bind::<diesel::sql_types::Text, _>(owner)
            .execute(conn)?;
    }
    Ok(())
}

/// The owner's records by external id (for upserts), keyed by external id.
pub fn by_external_ids(conn: &mut DbConnection, owner: &str, ext: &[String]) -> QueryResult<HashMap<String, Existing>> {
    let mut out = HashMap::new();
    for chunk in ext.chunks(500) {
        type ExistingRow = (String, Option<String>, i32, String, Option<String>);
        let rows: Vec<ExistingRow> = records::table
            .filter(records::owner_agency_id.eq(owner))
            .filter(records::external_id.eq_any(chunk))
            .select((records::id, records::external_id, records::version, records::content_hash, records::withdrawn_at))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(id, e, version, content_hash, w)| {
            e.map(|e| (e, Existing { id, version, content_hash, withdrawn: w.is_some() }))
        }));
    }
    Ok(out)
}

/// The live records distributed to a sharing group, in sequence order.
pub fn group_record_ids(conn: &mut DbConnection, group_id: &str) -> QueryResult<Vec<String>> {
    records::table
        .filter(records::distribution_level.eq(DistributionLevel::Group.as_str()))
        .filter(records::group_id.eq(group_id))
        .filter(records::withdrawn_at.is_null())
        .order(records::seq)
        .select(records::id)
        .load(conn)
}
