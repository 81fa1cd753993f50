//! Sharing agreements (协作意见) as stored; the rule they enforce is `policy::agreements`.

use diesel::prelude::*;
use serde::Serialize;

use crate::contract::page::{Page, Window};
use crate::db::schema::agreements;
use crate::db::DbConnection;
use crate::domain::agreement::AgreementDraft;
use crate::domain::now;
use crate::error::{AppError, AppResult};
use crate::policy::agreements::Agreement;
use crate::policy::{self, Principal};
use crate::store::log::{write_tx, Actor, Log};
use crate::store::{json_list, to_json};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreements)]
pub struct AgreementRow {
    pub id: String,
    pub name: String,
    pub source_agency_id: Option<String>,
    pub source_kind: Option<String>,
    pub record_kind: String,
    pub recipient_agency_ids: String,
    pub recipient_kinds: String,
    pub protected_fields: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgreementView {
    pub id: String,
    pub name: String,
    pub source_agency_id: Option<String>,
    pub source_kind: Option<String>,
    pub record_kind: String,
    pub recipient_agency_ids: Vec<String>,
    pub recipient_kinds: Vec<String>,
    pub protected_fields: bool,
    pub created_at: String,
}

impl From<AgreementRow> for AgreementView {
    fn from(r: AgreementRow) -> Self {
        AgreementView {
            recipient_agency_ids: json_list(&r.recipient_agency_ids),
            recipient_kinds: json_list(&r.recipient_kinds),
            id: r.id,
            name: r.name,
            source_agency_id: r.source_agency_id,
            source_kind: r.source_kind,
            record_kind: r.record_kind,
            protected_fields: r.protected_fields,
            created_at: r.created_at,
        }
    }
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<AgreementView>> {
    Ok(agreements::table
        .order(agreements::created_at)
        .select(AgreementRow::as_select())
        .load(conn)?
        .into_iter()
        .map(AgreementView::from)
        .collect())
}

/// All agreements in the form the policy check takes.
pub fn all_rules(conn: &mut DbConnection) -> QueryResult<Vec<Agreement>> {
    Ok(list(conn)?
        .into_iter()
        .map(|a| Agreement {
            source_agency_id: a.source_agency_id,
            source_kind: a.source_kind,
            record_kind: a.record_kind,
            recipient_agency_ids: a.recipient_agency_ids,
            recipient_kinds: a.recipient_kinds,
            protected_fields: a.protected_fields,
        })
        .collect())
}

pub fn insert(conn: &mut DbConnection, log: &mut Log, actor: &Actor, v: &AgreementView) -> AppResult<()> {
    let row = AgreementRow {
        id: v.id.clone(),
        name: v.name.clone(),
        source_agency_id: v.source_agency_id.clone(),
        source_kind: v.source_kind.clone(),
        record_kind: v.record_kind.clone(),
        recipient_agency_ids: to_json(&v.recipient_agency_ids),
        recipient_kinds: to_json(&v.recipient_kinds),
        protected_fields: v.protected_fields,
        created_at: v.created_at.clone(),
    };
    diesel::insert_into(agreements::table).values(&row).execute(conn)?;
    log.audit(
        actor,
        "agreement.create",
        "agreement",
        Some(&v.id),
        None,
        serde_json::json!({"name": v.name, "record_kind": v.record_kind}),
    );
    Ok(())
}

/// Creates a sharing agreement (the hub admin); every agency it names must exist.
pub fn create(conn: &mut DbConnection, p: &Principal, d: AgreementDraft) -> AppResult<AgreementView> {
    policy::require_admin(p)?;
    let view = AgreementView {
        id: crate::domain::new_id(),
        name: d.name,
        source_agency_id: d.source_agency_id.map(String::from),
        source_kind: d.source_kind.map(|k| k.as_str().to_string()),
        record_kind: d.record_kind.as_str().to_string(),
        recipient_agency_ids: d.recipient_agency_ids.into_iter().map(String::from).collect(),
        recipient_kinds: d.recipient_kinds.iter().map(|k| k.as_str().to_string()).collect(),
        protected_fields: d.protected_fields,
        created_at: now(),
    };
    write_tx(conn, |conn, log| {
        for id in view.source_agency_id.iter().chain(view.recipient_agency_ids.iter()) {
            crate::service::agencies::get(conn, id)
                .map_err(|_| AppError::validation("recipient_agency_ids", format!("成员单位 {id} 不存在")))?;
        }
        insert(conn, log, &Actor::from(p), &view)
    })?;
    Ok(view)
}

/// A page of agreements in the order they were made.
pub fn page(conn: &mut DbConnection, w: &Window) -> AppResult<Page<AgreementView>> {
    let mut q = agreements::table.order(agreements::id).limit(w.limit).select(AgreementRow::as_select()).into_boxed();
    if let Some(after) = &w.after {
        q = q.filter(agreements::id.gt(after.clone()));
    }
    let items = q.load(conn)?.into_iter().map(AgreementView::from).collect();
    Ok(Page::of(items, w, |a| &a.id))
}
