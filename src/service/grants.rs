//! The grants made on a record, as its owner sees them (`GET /records/{id}/grants`): who
//! reads it beyond its distribution, and why — live transfers (full access), deliberations
//! (read access) and the owner's explicit field grants (protected fields).

use std::collections::{BTreeSet, HashMap};

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{agencies, deliberations, record_grants, transfers};
use crate::db::DbConnection;
use crate::domain::ids::RecordId;
use crate::error::AppResult;
use crate::policy::{self, GrantReason, Principal};
use crate::service::records;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GrantView {
    /// The agency holding the grant.
    pub agency_id: String,
    pub agency_name: String,
    /// `transfer` (full access, protected fields included), `deliberation` (read access,
    /// protected fields only by a field grant) or `field` (the protected fields).
    pub kind: String,
    /// Whether the grant lets the agency read the protected fields.
    pub protected_fields: bool,
    /// The agency that made the grant: the transfer's sender, the deliberation's convener,
    /// or the owner (field grants).
    pub granted_by_agency_id: String,
    /// The transfer or deliberation the grant comes from.
    pub source_id: Option<String>,
    /// Why: the transfer's suggestion (处置建议) or the deliberation's title.
    pub reason: Option<String>,
    pub created_at: Option<String>,
}

/// Every grant on the record, for its owner only (404 for non-readers, 403 for readers who
/// are not the owner).
pub fn for_owner(conn: &mut DbConnection, p: &Principal, id: &RecordId) -> AppResult<Vec<GrantView>> {
    let viewer = &crate::store::directory::viewer(conn, &p.agency_id)?;
    let id = id.as_str();
    let s = records::get_entitled(conn, viewer, id)?;
    let facts = s.facts();
    policy::require_grant_viewer(viewer, &facts)?;
    let raw: Vec<(String, String, String, String)> = record_grants::table
        .filter(record_grants::record_id.eq(id))
        .order((record_grants::created_at, record_grants::agency_id))
        .select((record_grants::agency_id, record_grants::reason, record_grants::source_id, record_grants::created_at))
        .load(conn)?;
    let rows = raw
        .into_iter()
        .map(|(agency, reason, source, at)| {
            Ok((agency, crate::domain::from_stored("授权原因", &reason, GrantReason::parse)?, source, at))
        })
        .collect::<Result<Vec<_>, crate::domain::UnknownStoredValue>>()
        .map_err(anyhow::Error::from)?;
    let transfer_ids: Vec<&String> = rows.iter().filter(|r| r.1 == GrantReason::Transfer).map(|r| &r.2).collect();
    let by_transfer: HashMap<String, (String, String)> = transfers::table
        .filter(transfers::id.eq_any(transfer_ids))
        .select((transfers::id, transfers::from_agency_id, transfers::suggestion))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, from, why)| (id, (from, why)))
        .collect();
    let deliberation_ids: Vec<&String> =
        rows.iter().filter(|r| r.1 == GrantReason::Deliberation).map(|r| &r.2).collect();
    let by_deliberation: HashMap<String, (String, String)> = deliberations::table
        .filter(deliberations::id.eq_any(deliberation_ids))
        .select((deliberations::id, deliberations::convener_agency_id, deliberations::title))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, by, why)| (id, (by, why)))
        .collect();
    let mut names_wanted: BTreeSet<&String> = rows.iter().map(|r| &r.0).collect();
    names_wanted.extend(s.field_grants.iter());
    let names: HashMap<String, String> = agencies::table
        .filter(agencies::id.eq_any(names_wanted.into_iter().collect::<Vec<_>>()))
        .select((agencies::id, agencies::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let name = |a: &str| names.get(a).cloned().unwrap_or_default();
    let mut out: Vec<GrantView> = rows
        .iter()
        .map(|(agency, kind, source, at)| {
            let kind = *kind;
            let origin = match kind {
                GrantReason::Transfer => by_transfer.get(source),
                GrantReason::Deliberation => by_deliberation.get(source),
            };
            GrantView {
                agency_id: agency.clone(),
                agency_name: name(agency),
                kind: kind.as_str().to_string(),
                protected_fields: kind.full_access(),
                granted_by_agency_id: origin.map(|o| o.0.clone()).unwrap_or_else(|| s.row.owner_agency_id.clone()),
                source_id: Some(source.clone()),
                reason: origin.map(|o| o.1.clone()),
                created_at: Some(at.clone()),
            }
        })
        .collect();
    out.extend(s.field_grants.iter().map(|a| GrantView {
        agency_id: a.clone(),
        agency_name: name(a),
        kind: "field".into(),
        protected_fields: true,
        granted_by_agency_id: s.row.owner_agency_id.clone(),
        source_id: None,
        reason: None,
        created_at: None,
    }));
    Ok(out)
}
