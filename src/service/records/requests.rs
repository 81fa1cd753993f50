//! The record use cases as the REST API and the web client call them: one call each, its
//! own transaction, the viewer and the write context loaded inside.

use crate::contract::page::{next, Page};
use crate::contract::record::{RecordInput, RecordView};
use crate::db::DbConnection;
use crate::domain::ids::RecordId;
use crate::domain::record::RecordContent;
use crate::error::AppResult;
use crate::policy::{self, Principal};
use crate::store::log::write_tx;
use crate::store::records::RecordQuery;
use crate::store::{catalog, directory, idempotency};

use super::{present, present_listing, UpdateOutcome, WriteContext};

/// A request that may be repeated (`Idempotency-Key`): the key and the digest of the body.
#[derive(Debug, Clone)]
pub struct Repeatable {
    pub key: String,
    pub request_hash: String,
}

/// Publishes a record. With a key, a repeated request gets the first answer (status and
/// body as first sent), also when the retry races its own first attempt.
pub fn publish(
    conn: &mut DbConnection,
    p: &Principal,
    input: RecordInput,
    repeat: Option<Repeatable>,
) -> AppResult<(u16, String)> {
    policy::require_content_writer(p)?;
    let earlier = |conn: &mut DbConnection| -> AppResult<Option<(u16, String)>> {
        Ok(match &repeat {
            Some(r) => {
                idempotency::lookup(conn, &p.agency_id, &r.key, &r.request_hash)?.map(|s| (s.status, s.response))
            }
            None => None,
        })
    };
    if let Some(answer) = earlier(conn)? {
        return Ok(answer);
    }
    let (status, json) = write_tx(conn, |conn, log| {
        // Again under the lock: a retry racing its own first attempt (the client timed
        // out while that one committed) gets the first answer, not a second record.
        if let Some((status, json)) = earlier(conn)? {
            return Ok((status, json));
        }
        let ctx = WriteContext::load(conn)?;
        let s = super::create(conn, log, &ctx, p, input.into())?;
        let json = serde_json::to_string(&present(&s, policy::Disclosure::OWNER)).map_err(anyhow::Error::from)?;
        if let Some(r) = &repeat {
            idempotency::save(conn, &p.agency_id, &r.key, &r.request_hash, 201, &json, log.at())?;
        }
        Ok((201, json))
    })?;
    Ok((status, json))
}

/// A page of the records the caller's agency is entitled to, newest change first, as the
/// listing disclosure allows (restricted content only with a purpose, audited).
pub fn page(conn: &mut DbConnection, p: &Principal, mut f: RecordQuery) -> AppResult<Page<RecordView>> {
    policy::require_content_reader(p)?;
    if let Some(c) = &f.category {
        f.category = Some(catalog::resolve(conn, c)?.unwrap_or_else(|| c.clone()));
    }
    let viewer = directory::viewer(conn, &p.agency_id)?;
    let rows = crate::store::records::list(conn, &viewer, &f)?;
    let next_cursor = next(rows.len(), f.limit, rows.last().map(|r| r.row.seq));
    let items = present_listing(conn, p, &viewer, &rows, f.purpose.as_deref())?;
    Ok(Page { items, next_cursor })
}

/// One record as the caller may see it (the read audited where the policy says so).
pub fn show(conn: &mut DbConnection, p: &Principal, id: &RecordId, purpose: Option<&str>) -> AppResult<RecordView> {
    policy::require_content_reader(p)?;
    let viewer = directory::viewer(conn, &p.agency_id)?;
    super::read(conn, p, &viewer, id, purpose)
}

/// Changes a record (the owner only) against the version the caller last saw.
pub fn change(
    conn: &mut DbConnection,
    p: &Principal,
    id: &RecordId,
    version: i32,
    patch: impl FnOnce(&mut RecordContent),
) -> AppResult<RecordView> {
    policy::require_content_writer(p)?;
    write_tx(conn, |conn, log| {
        let ctx = WriteContext::load(conn)?;
        let viewer = directory::viewer(conn, &p.agency_id)?;
        let s = match super::update(conn, log, &ctx, p, &viewer, id, Some(version), patch)? {
            UpdateOutcome::Updated(s) | UpdateOutcome::Unchanged(s) => s,
        };
        Ok(present(&s, policy::Disclosure::OWNER))
    })
}

/// Withdraws a record (the owner only); the version is checked when given.
pub fn withdraw(conn: &mut DbConnection, p: &Principal, id: &RecordId, version: Option<i32>) -> AppResult<()> {
    policy::require_content_writer(p)?;
    write_tx(conn, |conn, log| {
        let ctx = WriteContext::load(conn)?;
        let viewer = directory::viewer(conn, &p.agency_id)?;
        super::withdraw_in(conn, log, &ctx, p, &viewer, id, version)
    })
}
