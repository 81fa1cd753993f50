//! Keeps the search index (`store::records::search`) up with the records, after commit: the job takes
//! the records changed after its position in the log, in order, computes their terms outside
//! any lock, and writes them with its new position in one transaction. A search never waits
//! for it: what it has not indexed yet is matched by substring.

use diesel::prelude::*;

use crate::db::schema::records;
use crate::db::DbConnection;
use crate::domain::search_terms::Terms;
use crate::error::AppResult;
use crate::store::cursors::{self, Job};
use crate::store::records::search::{self, Indexed};

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub indexed: usize,
    /// More records wait after this step.
    pub more: bool,
}

/// Indexes up to `batch` records changed after the index's position, while `owner` holds the
/// job's lease (until `lease_until`); `None` when another instance holds it.
pub fn step(conn: &mut DbConnection, owner: &str, lease_until: &str, batch: i64) -> AppResult<Option<Step>> {
    let Some(from) = cursors::claim(conn, Job::SearchIndex, owner, lease_until)? else { return Ok(None) };
    // Up to the visible head: a record committed late below it is not passed over.
    let head = crate::store::log::head_seq(conn)?;
    let rows: Vec<(String, i64, String, String)> = records::table
        .filter(records::seq.gt(from))
        .filter(records::seq.le(head))
        .order(records::seq)
        .limit(batch)
        .select((records::id, records::seq, records::title, records::body))
        .load(conn)?;
    let Some(to) = rows.last().map(|r| r.1) else {
        cursors::release(conn, Job::SearchIndex, owner)?;
        return Ok(Some(Step { indexed: 0, more: false }));
    };
    let docs: Vec<Indexed> = rows
        .iter()
        .map(|(id, seq, title, body)| Indexed {
            record_id: id.clone(),
            seq: *seq,
            terms: Terms::of_record(title, body),
        })
        .collect();
    if !cursors::commit_step(conn, Job::SearchIndex, owner, to, |conn| search::write(conn, &docs))? {
        // The lease ran out and another instance took the job on: nothing was written.
        return Ok(Some(Step { indexed: 0, more: false }));
    }
    Ok(Some(Step { indexed: docs.len(), more: rows.len() as i64 == batch }))
}
