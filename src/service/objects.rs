//! Supervision objects (监督对象): units and leading cadres. Identity numbers are stored only
//! as keyed digests (HMAC-SHA256 under the server's `identity_key`), so they can be matched
//! but neither read back nor guessed from the database alone; lookups by number are
//! throttled per principal (`crate::store::throttle::take_budget`). Which agency registered an object is shown to that agency only.

use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::contract::page::{encode_id, Page};
use crate::db::schema::subject_objects;
use crate::db::DbConnection;
use crate::domain::object::ObjectDraft;
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Principal};
use crate::store::log::{write_tx, Actor, Log};

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

/// Registers an object for the caller's agency; its identity number is stored as a digest
/// under `identity_key`.
pub fn create(conn: &mut DbConnection, p: &Principal, d: ObjectDraft, identity_key: &str) -> AppResult<ObjectView> {
    policy::require_content_writer(p)?;
    let obj = SubjectObject {
        id: new_id(),
        name: d.name,
        kind: d.kind,
        unit: d.unit,
        position: d.position,
        id_number_hash: d.id_number.as_deref().map(|n| id_number_digest(identity_key, n)),
        created_by_agency_id: p.agency_id.clone(),
        created_at: now(),
    };
    write_tx(conn, |conn, log| insert(conn, log, &Actor::from(p), &obj))?;
    Ok(obj.view_for(&p.agency_id))
}

/// How many lookups by identity number a principal may make in a window (shared by every
/// instance of the hub, so numbers cannot be enumerated).
#[derive(Debug, Clone, Copy)]
pub struct LookupBudget {
    pub limit: u32,
    pub window_secs: i64,
}

/// A search of the objects: by name fragment and kind, or by identity number (each such
/// lookup costs one of the caller's budget: 429 with the seconds to wait when spent).
pub fn search(
    conn: &mut DbConnection,
    p: &Principal,
    mut f: ObjectQuery,
    id_number: Option<&str>,
    budget: LookupBudget,
    identity_key: &str,
) -> AppResult<Page<ObjectView>> {
    policy::require_content_reader(p)?;
    if let Some(n) = id_number {
        let key = format!("lookup:{}", p.actor_id());
        if let Err(secs) = crate::store::throttle::take_budget(conn, &key, budget.limit, budget.window_secs)? {
            return Err(AppError::TooManyRequests(format!("按证件号码查询过于频繁,请 {secs} 秒后再试"), secs));
        }
        f.id_number_digest = Some(id_number_digest(identity_key, n));
    }
    let items: Vec<ObjectView> = list(conn, &f)?.into_iter().map(|o| o.view_for(&p.agency_id)).collect();
    let next_cursor = if items.len() as i64 == f.limit { items.last().map(|o| encode_id(&o.id)) } else { None };
    Ok(Page { items, next_cursor })
}
