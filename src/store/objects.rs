//! Supervision objects (监督对象): units and leading cadres. Identity numbers are stored only
//! as salted digests, so they can be matched but not read back.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::subject_objects;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::store::log::{Actor, Log};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = subject_objects)]
pub struct SubjectObject {
    pub id: String,
    pub name: String,
    /// `unit` (单位/党组织) or `person` (领导干部).
    pub kind: String,
    pub unit: Option<String>,
    pub position: Option<String>,
    #[serde(skip)]
    pub id_number_hash: Option<String>,
    pub created_by_agency_id: String,
    pub created_at: String,
}

/// The digest an identity number is stored and matched as.
pub fn id_number_digest(id_number: &str) -> String {
    crate::auth::digest(&format!("guantong-object-id:{}", id_number.trim().to_uppercase()))
}

pub fn insert(conn: &mut DbConnection, log: &mut Log, actor: &Actor, o: &SubjectObject) -> AppResult<()> {
    diesel::insert_into(subject_objects::table).values(o).execute(conn)?;
    log.audit(actor, "object.create", "object", Some(&o.id), None, serde_json::json!({"kind": o.kind}));
    Ok(())
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<SubjectObject> {
    subject_objects::table
        .find(id)
        .select(SubjectObject::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound("监督对象不存在".into()))
}

pub struct ObjectQuery {
    pub q: Option<String>,
    pub kind: Option<String>,
    pub id_number: Option<String>,
    pub after: Option<String>,
    pub limit: i64,
}

/// Objects by name fragment, kind or identity number, in id order, a page at a time.
pub fn list(conn: &mut DbConnection, f: &ObjectQuery) -> QueryResult<Vec<SubjectObject>> {
    let mut q = subject_objects::table.select(SubjectObject::as_select()).order(subject_objects::id).into_boxed();
    if let Some(text) = &f.q {
        q = q.filter(subject_objects::name.like(crate::domain::text::like_contains(text)).escape('\\'));
    }
    if let Some(k) = &f.kind {
        q = q.filter(subject_objects::kind.eq(k.clone()));
    }
    if let Some(n) = &f.id_number {
        q = q.filter(subject_objects::id_number_hash.eq(id_number_digest(n)));
    }
    if let Some(a) = &f.after {
        q = q.filter(subject_objects::id.gt(a.clone()));
    }
    q.limit(f.limit).load(conn)
}

/// Which of `ids` exist.
pub fn existing(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<String>> {
    subject_objects::table.filter(subject_objects::id.eq_any(ids)).select(subject_objects::id).load(conn)
}
