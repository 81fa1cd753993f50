//! Supervision objects (监督对象): units and leading cadres. Identity numbers are stored only
//! as keyed digests (HMAC-SHA256 under the server's `identity_key`), so they can be matched
//! but neither read back nor guessed from the database alone; lookups by number are
//! throttled per principal (`crate::store::throttle::take_budget`). Which agency registered an object is shown to that agency only.

use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::db::schema::subject_objects;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::store::log::{Actor, Log};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = subject_objects)]
pub struct SubjectObject {
    pub id: String,
    pub name: String,
    /// `unit` (单位/党组织) or `person` (领导干部).
    pub kind: String,
    pub unit: Option<String>,
    pub position: Option<String>,
    pub id_number_hash: Option<String>,
    pub created_by_agency_id: String,
    pub created_at: String,
}

/// An object as one agency sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObjectView {
    pub id: String,
    pub name: String,
    /// `unit` (单位/党组织) or `person` (领导干部).
    pub kind: String,
    pub unit: Option<String>,
    pub position: Option<String>,
    /// The agency that registered the object: shown to that agency only (null for others).
    pub created_by_agency_id: Option<String>,
    pub created_at: String,
}

impl SubjectObject {
    pub fn view_for(self, viewer_agency: &str) -> ObjectView {
        let creator = crate::policy::objects::may_see_object_creator(viewer_agency, &self.created_by_agency_id)
            .then_some(self.created_by_agency_id);
        ObjectView {
            id: self.id,
            name: self.name,
            kind: self.kind,
            unit: self.unit,
            position: self.position,
            created_by_agency_id: creator,
            created_at: self.created_at,
        }
    }
}

/// The digest an identity number is stored and matched as: HMAC-SHA256 keyed by the server's
/// identity key, over the trimmed, upper-cased number.
pub fn id_number_digest(key: &str, id_number: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(b"guantong-object-id:");
    mac.update(id_number.trim().to_uppercase().as_bytes());
    hex::encode(mac.finalize().into_bytes())
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
    /// The keyed digest of the identity number looked for.
    pub id_number_digest: Option<String>,
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
    if let Some(d) = &f.id_number_digest {
        q = q.filter(subject_objects::id_number_hash.eq(d.clone()));
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
