//! Duplicate handling after commit: a job that follows the event log. Each new clue
//! (`record.created`) and each transferred one (`transfer.created`, the receiver now handles
//! it too) is compared with the clues on its objects, outside any lock; the flags, and the
//! job's new position, are written in one transaction. Flags therefore arrive shortly after
//! the write they follow, never inside it: publishing and bulk import do not wait for the
//! comparison, which grows with the clues per object.
//!
//! Running after commit also closes the race of two similar clues published at once: the
//! later of the two comparisons sees the other clue, and the pair is flagged once (the check
//! for an existing flag runs under the write lock). A step that fails is retried from the same
//! position; flagging a pair twice is impossible, so a retry is harmless.

use diesel::prelude::*;

use super::{flag_matches, similar_pairs};
use crate::db::schema::events;
use crate::db::DbConnection;
use crate::domain::event::EventType;
use crate::error::AppResult;
use crate::store::cursors::{self, Job};
use crate::store::log::write_tx;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub events: usize,
    pub flagged: usize,
    /// More events wait after this step.
    pub more: bool,
}

/// Compares the clues of up to `batch` events after the job's position, while `owner` holds
/// the job's lease (until `lease_until`); `None` when another instance holds it.
pub fn step(conn: &mut DbConnection, owner: &str, lease_until: &str, batch: i64) -> AppResult<Option<Step>> {
    let Some(from) = cursors::claim(conn, Job::Duplicates, owner, lease_until)? else { return Ok(None) };
    let head = crate::store::log::head_seq(conn)?;
    let evs: Vec<(i64, String, Option<String>)> = events::table
        .filter(events::seq.gt(from))
        .filter(events::seq.le(head))
        .order(events::seq)
        .limit(batch)
        .select((events::seq, events::event_type, events::record_id))
        .load(conn)?;
    let Some(to) = evs.last().map(|e| e.0) else {
        cursors::release(conn, Job::Duplicates, owner)?;
        return Ok(Some(Step { events: 0, flagged: 0, more: false }));
    };
    let compared = [EventType::RecordCreated.as_str(), EventType::TransferCreated.as_str()];
    let mut ids: Vec<String> =
        evs.iter().filter(|e| compared.contains(&e.1.as_str())).filter_map(|e| e.2.clone()).collect();
    ids.dedup();
    let pairs = similar_pairs(conn, &ids)?;
    let flagged = write_tx(conn, |conn, log| {
        if !cursors::advance(conn, Job::Duplicates, owner, to)? {
            // The lease ran out and another instance took the job on.
            return Ok(0);
        }
        let mut flagged = 0;
        for (id, matches) in pairs {
            flagged += flag_matches(conn, log, &id, matches)?;
        }
        Ok(flagged)
    })?;
    Ok(Some(Step { events: evs.len(), flagged, more: evs.len() as i64 == batch }))
}
