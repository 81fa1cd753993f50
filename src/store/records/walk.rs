//! Walks back through a viewer's feed keys (`store::log::feed_index`): a list page with no
//! filter but the kind, and the searches that find their page among the viewer's latest
//! records (`store::records::search`).

use diesel::prelude::*;

use super::RecordQuery;
use crate::db::schema::records;
use crate::db::DbConnection;
use crate::policy::Viewer;
use crate::store::log::feed_index;

/// A list page (no filter but the kind) through the feed index: a record's latest change is
/// always an event filed under its readers' keys, so walking the viewer's keys back from the
/// cursor finds the records it may read, newest change first, however few they are. What the
/// keys over-find (earlier changes, stale keys) is dropped by matching `records.seq` and by
/// the entitlement filter.
pub(super) fn by_feed_keys(conn: &mut DbConnection, viewer: &Viewer, f: &RecordQuery) -> QueryResult<Vec<String>> {
    let found = walk_feed_keys(conn, viewer, f, |conn, seqs| {
        let q = records::table.select((records::id, records::seq)).filter(records::seq.eq_any(seqs)).into_boxed();
        crate::record_filters!(q, viewer, f).order(records::seq.desc()).load(conn)
    })?;
    Ok(found.into_iter().map(|(id, _)| id).collect())
}

/// Walks the viewer's feed keys back from the cursor in batches (a half more than the page
/// at first, then doubling, so a rare match takes few round trips) and keeps what `batch`
/// finds among each batch's sequence numbers — (id, seq), newest first, entitlement and
/// filters applied by `batch` — until the page is full.
fn walk_feed_keys(
    conn: &mut DbConnection,
    viewer: &Viewer,
    f: &RecordQuery,
    mut batch: impl FnMut(&mut DbConnection, &[i64]) -> QueryResult<Vec<(String, i64)>>,
) -> QueryResult<Vec<(String, i64)>> {
    let mut walk = FeedWalk::new(viewer, f);
    walk.run(conn, i64::MAX, &mut batch)?;
    Ok(walk.into_page())
}

/// A walk back through the viewer's feed keys (`walk_feed_keys`) that can stop after a number
/// of sequence numbers and go on later from where it stopped.
pub(crate) struct FeedWalk {
    keys: Vec<String>,
    limit: i64,
    before: i64,
    want: i64,
    exhausted: bool,
    out: Vec<(String, i64)>,
}

impl FeedWalk {
    pub(crate) fn new(viewer: &Viewer, f: &RecordQuery) -> Self {
        FeedWalk {
            keys: crate::policy::viewer_feed_keys(viewer),
            limit: f.limit.max(0),
            before: f.before_seq.unwrap_or(i64::MAX),
            want: f.limit.max(1) * 3 / 2 + 1,
            exhausted: false,
            out: Vec::new(),
        }
    }

    /// The page is full or the viewer's keys are read to the end: the page is exact.
    pub(crate) fn finished(&self) -> bool {
        self.exhausted || self.out.len() as i64 >= self.limit
    }

    /// Walks on until the walk is finished or the next batch would take this run past
    /// `budget` sequence numbers (the first batch of a run is always read).
    pub(crate) fn run(
        &mut self,
        conn: &mut DbConnection,
        budget: i64,
        mut batch: impl FnMut(&mut DbConnection, &[i64]) -> QueryResult<Vec<(String, i64)>>,
    ) -> QueryResult<()> {
        let mut read = 0i64;
        while !self.finished() && (read == 0 || read.saturating_add(self.want) <= budget) {
            let (seqs, more) = feed_index::latest_before(conn, &self.keys, self.before, self.want)?;
            read += self.want;
            let Some(oldest) = seqs.last().copied() else {
                self.exhausted = true;
                break;
            };
            self.out.extend(batch(conn, &seqs)?);
            self.exhausted = !more;
            self.before = oldest;
            self.want = (self.want * 2).min(5_000);
        }
        Ok(())
    }

    /// The page: the first `limit` found, newest first.
    pub(crate) fn into_page(mut self) -> Vec<(String, i64)> {
        self.out.truncate(self.limit as usize);
        self.out
    }
}
