//! Idempotency keys: a create or batch repeated with the same key gets the first answer
//! again (and a key reused for a different request is a 422), so a retried request after a
//! lost response creates nothing twice.

use diesel::prelude::*;

use crate::db::schema::idempotency_keys;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};

pub struct Stored {
    pub status: u16,
    pub response: String,
}

/// The stored answer for `key`, if this request was seen before.
pub fn lookup(conn: &mut DbConnection, agency_id: &str, key: &str, request_hash: &str) -> AppResult<Option<Stored>> {
    let row: Option<(String, i32, String)> = idempotency_keys::table
        .find((agency_id, key))
        .select((idempotency_keys::request_hash, idempotency_keys::status, idempotency_keys::response))
        .first(conn)
        .optional()?;
    match row {
        None => Ok(None),
        Some((h, _, _)) if h != request_hash => {
            Err(AppError::validation("Idempotency-Key", "该幂等键已用于内容不同的另一请求,请换用新的幂等键"))
        }
        Some((_, status, response)) => Ok(Some(Stored { status: status as u16, response })),
    }
}

pub fn save(
    conn: &mut DbConnection,
    agency_id: &str,
    key: &str,
    request_hash: &str,
    status: u16,
    response: &str,
    now: &str,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::agency_id.eq(agency_id),
            idempotency_keys::idem_key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::status.eq(status as i32),
            idempotency_keys::response.eq(response),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}
