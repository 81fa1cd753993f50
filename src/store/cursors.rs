//! The positions in the event log of the jobs that follow it after commit (`job_cursors`):
//! duplicate handling, the search index and the mail dispatcher. Each job is one row,
//! advanced by whichever hub instance holds its lease.

use diesel::prelude::*;

use crate::db::schema::job_cursors;
use crate::db::DbConnection;
use crate::domain::now;

/// A job that follows the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Duplicate handling of new and transferred clues (`service::similar`).
    Duplicates,
    /// The search index (`service::search_index`).
    SearchIndex,
    /// The mail dispatcher: events into outbox rows and digest items (`service::mail`).
    Mail,
}

impl Job {
    pub fn name(self) -> &'static str {
        match self {
            Job::Duplicates => "duplicates",
            Job::SearchIndex => "search_index",
            Job::Mail => "mail",
        }
    }
}

/// Takes (or renews) the job's lease for `owner` until `lease_until`; returns the job's
/// position, or `None` while another instance holds a lease that has not run out.
pub fn claim(conn: &mut DbConnection, job: Job, owner: &str, lease_until: &str) -> QueryResult<Option<i64>> {
    conn.transaction(|conn| {
        let n = diesel::update(job_cursors::table.find(job.name()))
            .filter(
                job_cursors::lease_until
                    .is_null()
                    .or(job_cursors::lease_until.lt(now()))
                    .or(job_cursors::lease_owner.eq(owner)),
            )
            .set((job_cursors::lease_owner.eq(owner), job_cursors::lease_until.eq(lease_until)))
            .execute(conn)?;
        if n == 0 {
            return Ok(None);
        }
        position(conn, job).map(Some)
    })
}

/// The job's position: every event up to it is done.
pub fn position(conn: &mut DbConnection, job: Job) -> QueryResult<i64> {
    job_cursors::table.find(job.name()).select(job_cursors::cursor_seq).first(conn)
}

/// Moves the job on to `seq`, if `owner` still holds it; returns whether it did. Call it in
/// the transaction that did the work, so the work and the position commit together.
pub fn advance(conn: &mut DbConnection, job: Job, owner: &str, seq: i64) -> QueryResult<bool> {
    let n = diesel::update(job_cursors::table.find(job.name()))
        .filter(job_cursors::lease_owner.eq(owner))
        .filter(job_cursors::cursor_seq.lt(seq))
        .set(job_cursors::cursor_seq.eq(seq))
        .execute(conn)?;
    Ok(n == 1)
}

/// Gives the lease back (nothing to do, or stopping).
pub fn release(conn: &mut DbConnection, job: Job, owner: &str) -> QueryResult<()> {
    diesel::update(job_cursors::table.find(job.name()))
        .filter(job_cursors::lease_owner.eq(owner))
        .set((job_cursors::lease_owner.eq(None::<String>), job_cursors::lease_until.eq(None::<String>)))
        .execute(conn)?;
    Ok(())
}

/// One step of a job in one transaction: the job moves on to `to` (its first statement, a
/// write, so SQLite takes its write lock at once and PostgreSQL locks only the job's row),
/// then `work` writes what the step did; both commit together. Returns false, having written
/// nothing, when `owner` no longer holds the job.
pub fn commit_step(
    conn: &mut DbConnection,
    job: Job,
    owner: &str,
    to: i64,
    work: impl FnOnce(&mut DbConnection) -> QueryResult<()>,
) -> QueryResult<bool> {
    conn.transaction(|conn| {
        if !advance(conn, job, owner, to)? {
            return Ok(false);
        }
        work(conn)?;
        Ok(true)
    })
}

/// Whether both jobs have reached everything committed: duplicate handling the log's head
/// (its own flags are events too), the search index the last change of any record.
pub fn caught_up(conn: &mut DbConnection) -> QueryResult<bool> {
    use crate::db::schema::records;
    let head = crate::store::log::head_seq(conn)?;
    let last: Option<i64> = records::table.select(diesel::dsl::max(records::seq)).first(conn)?;
    Ok(position(conn, Job::Duplicates)? >= head && position(conn, Job::SearchIndex)? >= last.unwrap_or(0))
}
