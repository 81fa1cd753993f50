//! Writing record rows and keeping their history: a new record's rows and links, a
//! replaced or withdrawn record, and the `record_versions` rows (a superseded version keeps
//! its content as a snapshot).

use diesel::prelude::*;
use serde_json::{json, Value};

use super::{RecordGrant, RecordRow, StoredRecord};
use crate::db::schema::{record_field_grants, record_objects, record_recipients, record_versions, records};
use crate::db::DbConnection;
use crate::domain::record::RecordContent;
use crate::store::{to_json, INSERT_CHUNK};

/// A stable digest of a (normalised) record's content, so a re-sent identical record
/// changes nothing.
pub fn content_hash(c: &RecordContent) -> String {
    crate::auth::digest(&snapshot(c))
}

/// The content as JSON: what history keeps of a superseded version.
pub fn snapshot(c: &RecordContent) -> String {
    json!({
        "kind": c.kind, "title": c.title, "body": c.body, "category": c.category,
        "object_ids": c.object_ids, "tags": c.tags, "attributes": c.attributes,
        "distribution": c.distribution, "sensitivity": c.sensitivity, "protected": c.protected,
        "field_grants": c.field_grants, "external_id": c.external_id,
    })
    .to_string()
}

/// The fields of a record row that are not its content.
pub struct RowMeta<'a> {
    pub id: &'a str,
    pub owner: &'a str,
    pub author: &'a str,
    pub version: i32,
    pub seq: i64,
    pub created_at: &'a str,
    pub updated_at: &'a str,
}

impl StoredRecord {
    /// A record as it is about to be written: its row from `meta` and the (checked) content,
    /// its link rows from the content, and the access grants it keeps.
    pub fn written(meta: RowMeta, c: RecordContent, grants: Vec<RecordGrant>) -> StoredRecord {
        let row = RecordRow {
            id: meta.id.to_string(),
            owner_agency_id: meta.owner.to_string(),
            author_id: meta.author.to_string(),
            kind: c.kind.as_str().to_string(),
            title: c.title.clone(),
            body: c.body.clone(),
            category: c.category.clone(),
            tags: to_json(&c.tags),
            attributes: Value::Object(c.attributes.clone()).to_string(),
            distribution_level: c.distribution.level.as_str().to_string(),
            group_id: c.distribution.group.clone(),
            sensitivity: c.sensitivity.as_str().to_string(),
            protected: to_json(&c.protected),
            external_id: c.external_id.clone(),
            version: meta.version,
            content_hash: content_hash(&c),
            seq: meta.seq,
            created_at: meta.created_at.to_string(),
            updated_at: meta.updated_at.to_string(),
            withdrawn_at: None,
        };
        StoredRecord {
            row,
            kind: c.kind,
            level: c.distribution.level,
            sensitivity: c.sensitivity,
            recipients: c.distribution.agencies,
            object_ids: c.object_ids,
            field_grants: c.field_grants,
            grants,
        }
    }
}

/// Inserts new records, their link rows and their first history rows (multi-row inserts).
pub fn insert_new(conn: &mut DbConnection, new: &[&StoredRecord], versions: &[VersionRow]) -> QueryResult<()> {
    let rows: Vec<RecordRow> = new.iter().map(|s| s.row.clone()).collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        crate::insert_batch!(conn, records::table, chunk)?;
    }
    insert_links(conn, new)?;
    for chunk in versions.chunks(INSERT_CHUNK) {
        crate::insert_batch!(conn, record_versions::table, chunk)?;
    }
    Ok(())
}

/// Replaces a record's row and its link rows with those of `s` (same id).
pub fn replace(conn: &mut DbConnection, s: &StoredRecord) -> QueryResult<()> {
    diesel::update(records::table.find(&s.row.id)).set(&s.row).execute(conn)?;
    let id = s.row.id.as_str();
    diesel::delete(record_recipients::table.filter(record_recipients::record_id.eq(id))).execute(conn)?;
    diesel::delete(record_objects::table.filter(record_objects::record_id.eq(id))).execute(conn)?;
    diesel::delete(record_field_grants::table.filter(record_field_grants::record_id.eq(id))).execute(conn)?;
    insert_links(conn, &[s])
}

/// Marks a record withdrawn at `at`, as version `version` at event `seq`.
pub fn mark_withdrawn(conn: &mut DbConnection, id: &str, version: i32, seq: i64, at: &str) -> QueryResult<()> {
    diesel::update(records::table.find(id))
        .set((
            records::withdrawn_at.eq(at),
            records::version.eq(version),
            records::seq.eq(seq),
            records::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

fn insert_links(conn: &mut DbConnection, records: &[&StoredRecord]) -> QueryResult<()> {
    let pairs = |f: fn(&StoredRecord) -> &Vec<String>| -> Vec<(String, String)> {
        records.iter().flat_map(|s| f(s).iter().map(|x| (s.row.id.clone(), x.clone()))).collect()
    };
    for chunk in pairs(|s| &s.recipients).chunks(INSERT_CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(r, a)| (record_recipients::record_id.eq(r), record_recipients::agency_id.eq(a)))
            .collect();
        crate::insert_batch!(conn, record_recipients::table, &rows)?;
    }
    for chunk in pairs(|s| &s.object_ids).chunks(INSERT_CHUNK) {
        let rows: Vec<_> =
            chunk.iter().map(|(r, o)| (record_objects::record_id.eq(r), record_objects::object_id.eq(o))).collect();
        crate::insert_batch!(conn, record_objects::table, &rows)?;
    }
    for chunk in pairs(|s| &s.field_grants).chunks(INSERT_CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(r, a)| (record_field_grants::record_id.eq(r), record_field_grants::agency_id.eq(a)))
            .collect();
        crate::insert_batch!(conn, record_field_grants::table, &rows)?;
    }
    Ok(())
}

/// A history row (`record_versions`).
#[derive(Insertable)]
#[diesel(table_name = record_versions, treat_none_as_default_value = false)]
pub struct VersionRow {
    record_id: String,
    version: i32,
    seq: i64,
    action: String,
    actor_id: String,
    at: String,
    /// The content of this version once it is superseded; `None` while it is the current
    /// content (which the record row holds), so a publish writes its text only once.
    snapshot: Option<String>,
}

impl VersionRow {
    /// The history row of `s` as it is now, written by `actor` doing `action`.
    pub fn of(s: &StoredRecord, action: &str, actor: &str, at: &str) -> VersionRow {
        VersionRow {
            record_id: s.row.id.clone(),
            version: s.row.version,
            seq: s.row.seq,
            action: action.into(),
            actor_id: actor.into(),
            at: at.into(),
            snapshot: None,
        }
    }

    /// The same row keeping `content` (a withdrawal keeps what was withdrawn).
    pub fn keeping(mut self, content: &RecordContent) -> VersionRow {
        self.snapshot = Some(snapshot(content));
        self
    }
}

pub fn insert_version(conn: &mut DbConnection, v: VersionRow) -> QueryResult<()> {
    diesel::insert_into(record_versions::table).values(v).execute(conn).map(|_| ())
}

/// Keeps the content of the version being superseded in its history row.
pub fn supersede(conn: &mut DbConnection, before: &StoredRecord) -> QueryResult<()> {
    diesel::update(record_versions::table.find((&before.row.id, before.row.version)))
        .set(record_versions::snapshot.eq(Some(snapshot(&before.content()))))
        .execute(conn)
        .map(|_| ())
}
