//! The search index (`?q=`): the bigram terms of each record's text (`domain::search_terms`)
//! in SQLite's FTS5 (`record_terms`, rowid = the record's seq) or a PostgreSQL `tsvector`
//! table with a GIN index (`record_terms`, keyed by seq), and `record_search`, which change
//! of each record is indexed.
//!
//! The index is written after commit by a job that follows the log (`service::search_index`)
//! up to its position W. A search is exact at any moment: records changed after W (and, on
//! PostgreSQL, those whose text a tsvector cannot hold) are matched by substring, the rest
//! through the index, and the two pages are merged by seq.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use super::RecordQuery;
use crate::db::schema::{record_search, records};
use crate::db::{DbConnection, MultiBackend};
use crate::domain::search_terms::{SearchQuery, Terms};
use crate::policy::{self, Viewer};
use crate::store::cursors::{self, Job};

/// The term store on SQLite: FTS5, the record's seq as rowid.
mod sqlite_terms {
    use crate::db::schema::records;
    diesel::table! {
        record_terms (rowid) {
            rowid -> BigInt,
        }
    }
    diesel::allow_tables_to_appear_in_same_query!(records, record_terms);
}

/// The term store on PostgreSQL: a `tsvector` per seq (the column is reached by SQL).
mod pg_terms {
    use crate::db::schema::records;
    diesel::table! {
        record_terms (seq) {
            seq -> BigInt,
        }
    }
    diesel::allow_tables_to_appear_in_same_query!(records, record_terms);
}

/// One record's text to index, as of its change `seq`.
pub struct Indexed {
    pub record_id: String,
    pub seq: i64,
    pub terms: Terms,
}

#[derive(Insertable)]
#[diesel(table_name = record_search)]
struct SearchRow<'a> {
    record_id: &'a str,
    seq: i64,
    exact: bool,
}

/// Writes the terms of `docs` in place of what the index held for those records.
pub fn write(conn: &mut DbConnection, docs: &[Indexed]) -> QueryResult<()> {
    if docs.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = docs.iter().map(|d| d.record_id.as_str()).collect();
    let old: Vec<i64> =
        record_search::table.filter(record_search::record_id.eq_any(&ids)).select(record_search::seq).load(conn)?;
    diesel::delete(record_search::table.filter(record_search::record_id.eq_any(&ids))).execute(conn)?;
    let mut rows = Vec::with_capacity(docs.len());
    match conn {
        DbConnection::Sqlite(c) => {
            diesel::delete(sqlite_terms::record_terms::table.filter(sqlite_terms::record_terms::rowid.eq_any(&old)))
                .execute(c)?;
            for d in docs {
                diesel::sql_query("INSERT INTO record_terms (rowid, terms) VALUES (?, ?)")
                    .bind::<BigInt, _>(d.seq)
                    .bind::<Text, _>(d.terms.fts5_document())
                    .execute(c)?;
                rows.push(SearchRow { record_id: &d.record_id, seq: d.seq, exact: true });
            }
        }
        DbConnection::Pg(c) => {
            diesel::delete(pg_terms::record_terms::table.filter(pg_terms::record_terms::seq.eq_any(&old)))
                .execute(c)?;
            let mut literals = Vec::with_capacity(docs.len());
            for d in docs {
                let literal = d.terms.tsvector_literal();
                rows.push(SearchRow { record_id: &d.record_id, seq: d.seq, exact: literal.is_some() });
                if let Some(l) = literal {
                    literals.push((d.seq, l));
                }
            }
            for chunk in literals.chunks(200) {
                let values: Vec<String> =
                    (0..chunk.len()).map(|i| format!("(${}, CAST(${} AS tsvector))", 2 * i + 1, 2 * i + 2)).collect();
                let mut q =
                    diesel::sql_query(format!("INSERT INTO record_terms (seq, terms) VALUES {}", values.join(", ")))
                        .into_boxed();
                for (seq, literal) in chunk {
                    q = q.bind::<BigInt, _>(*seq).bind::<Text, _>(literal.clone());
                }
                q.execute(c)?;
            }
        }
    }
    for chunk in rows.chunks(crate::store::INSERT_CHUNK) {
        crate::insert_batch!(conn, record_search::table, chunk)?;
    }
    Ok(())
}

/// The index's position: every change up to it is indexed.
pub fn indexed_up_to(conn: &mut DbConnection) -> QueryResult<i64> {
    cursors::position(conn, Job::SearchIndex)
}

/// The ids of the page of records `viewer` is entitled to that match `f` and the text `q`
/// (normalised), newest change first.
pub fn page(conn: &mut DbConnection, viewer: &Viewer, f: &RecordQuery, q: &str) -> QueryResult<Vec<String>> {
    let Some(query) = SearchQuery::parse(q) else { return Ok(vec![]) };
    let w = indexed_up_to(conn)?;
    let purpose = f.purpose.as_deref();
    // Changed after the index's position: matched by substring (a range of the seq index).
    let recent = records::table
        .select((records::id, records::seq))
        .filter(records::seq.gt(w))
        .filter(policy::text_searchable_sql(purpose))
        .filter(contains(q))
        .into_boxed();
    let mut found: Vec<(String, i64)> =
        crate::record_filters!(recent, viewer, f).order(records::seq.desc()).limit(f.limit).load(conn)?;
    // Texts the index cannot hold (PostgreSQL only; few): matched by substring too. Their
    // seqs are read first through the partial index, and most searches find none: a semi-join
    // let the planner walk every record back from W testing the substring (1.35 s a search
    // under the load bench).
    if matches!(conn, DbConnection::Pg(_)) {
        let inexact: Vec<i64> = record_search::table
            .filter(record_search::exact.eq(false))
            .filter(record_search::seq.le(w))
            .select(record_search::seq)
            .load(conn)?;
        if !inexact.is_empty() {
            let q = records::table
                .select((records::id, records::seq))
                .filter(records::seq.eq_any(inexact))
                .filter(policy::text_searchable_sql(purpose))
                .filter(contains(q))
                .into_boxed();
            found.extend(crate::record_filters!(q, viewer, f).order(records::seq.desc()).limit(f.limit).load::<(
                String,
                i64,
            )>(
                conn
            )?);
        }
    }
    let indexed: Vec<(String, i64)> = match conn {
        DbConnection::Sqlite(_) => {
            use sqlite_terms::record_terms as t;
            let q = records::table
                .inner_join(t::table.on(t::rowid.eq(records::seq)))
                .select((records::id, records::seq))
                .filter(sql::<Bool>("record_terms MATCH ").bind::<Text, _>(query.fts5_match()))
                .filter(t::rowid.le(w))
                .filter(policy::text_searchable_sql(purpose))
                .into_boxed();
            let q = match f.before_seq {
                Some(b) => q.filter(t::rowid.lt(b)),
                None => q,
            };
            crate::record_filters!(q, viewer, f).order(t::rowid.desc()).limit(f.limit).load(conn)?
        }
        DbConnection::Pg(_) => pg_indexed(conn, viewer, f, q, &query, w)?,
    };
    found.extend(indexed);
    found.sort_by_key(|r| std::cmp::Reverse(r.1));
    found.dedup_by(|a, b| a.0 == b.0);
    found.truncate(usize::try_from(f.limit).unwrap_or(0));
    Ok(found.into_iter().map(|(id, _)| id).collect())
}

/// The substring test that defines a match (the index answers exactly as it does). The
/// text is lower-cased only where that can change the answer (`q` has letters): for a
/// Chinese term PostgreSQL's `lower()` doubled the cost of testing a row (16 µs → 8 µs a
/// record at a national hub).
fn contains<QS: 'static>(q: &str) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    let text = if crate::domain::text::lowercasing_cannot_matter(q) {
        "(records.title || ' ' || records.body) LIKE "
    } else {
        "lower(records.title || ' ' || records.body) LIKE "
    };
    Box::new(sql::<Bool>(text).bind::<Text, _>(crate::domain::text::like_contains(q)).sql(" ESCAPE '\\'"))
}

/// Matches the GIN index reads before the search decides how to find its page (PostgreSQL).
const PG_PROBE: i64 = 2_000;

/// The sequence numbers of the viewer's records a search walks before it asks the index.
const WALK_BEFORE_PROBE: i64 = 500;

/// The planner settings of the probe (GIN bitmap scans only).
const PROBE: &str = "enable_seqscan = off, enable_indexscan = off, max_parallel_workers_per_gather = 0";

/// The indexed part of a search on PostgreSQL. Its planner cannot tell a common phrase of
/// bigrams from an absent one, and each plan is slow for the other: walking `seq` backwards
/// testing each row finds a common term's page early but reads everything for an absent one;
/// reading every match through the GIN index is quick for a few matches and rechecks tens of
/// thousands for a common term. So the search first walks the viewer's latest records (the
/// feed index) for up to `WALK_BEFORE_PROBE` of them: a common term's page is full by then.
/// If not, the index is asked, through GIN alone (bitmap scans only), for up to `PG_PROBE`
/// matches: fewer, and the page is taken from exactly those; more, and the walk goes on. At
/// 200,000 records the planner's own choice took 135 ms for a common phrase and 810 ms for an
/// absent bigram.
fn pg_indexed(
    conn: &mut DbConnection,
    viewer: &Viewer,
    f: &RecordQuery,
    q: &str,
    query: &SearchQuery,
    w: i64,
) -> QueryResult<Vec<(String, i64)>> {
    use pg_terms::record_terms as t;
    let matches =
        || sql::<Bool>("record_terms.terms @@ CAST(").bind::<Text, _>(query.tsquery_literal()).sql(" AS tsquery)");
    let purpose = f.purpose.as_deref();
    // The bounds on seq are written so that no btree can serve them (`seq + 0`): the probe
    // reads the GIN alone. Offered the primary key for `seq <= W`, the planner took it
    // whenever it costed the GIN high, and tested every indexed row (0.4-1 s a probe under
    // the load bench).
    let seq_at_most = |bound: i64| sql::<Bool>("record_terms.seq + 0 <= ").bind::<BigInt, _>(bound);
    let probe = t::table.select(t::seq).filter(matches()).filter(seq_at_most(w)).into_boxed();
    let probe = match f.before_seq {
        Some(b) => probe.filter(seq_at_most(b.saturating_sub(1))),
        None => probe,
    };
    // The walk: the viewer's records through the feed index newest first, each
    // batch tested by substring on the record's own row. A walk over all records by seq
    // would read those the viewer may not see too: at a national hub (3,000 agencies,
    // 1,000,000 records) a common phrase took 1.3 s for an agency entitled to 1.1% and 7 s
    // for one entitled to 0.3%. The batch does not join the terms: the planner, estimating a
    // phrase of bigrams at a handful of rows, then read every match in the country first
    // (66 s for a batch of 5,000), or every term row by its key (12 s); a substring test of
    // the batch's rows reads only those (14 µs a row).
    let mut batch = |conn: &mut DbConnection, seqs: &[i64]| {
        let batch = records::table
            .select((records::id, records::seq))
            .filter(records::seq.eq_any(seqs))
            .filter(policy::text_searchable_sql(purpose))
            .filter(contains(q))
            .into_boxed();
        crate::record_filters!(batch, viewer, f).order(records::seq.desc()).load(conn)
    };
    // A common term fills its page within the viewer's latest few hundred records, before
    // the probe would have read its first thousands of matches (232 ms a probe under the load
    // bench, ~100 ms at a national hub).
    let mut walk = super::FeedWalk::new(viewer, f);
    walk.run(conn, WALK_BEFORE_PROBE, &mut batch)?;
    if walk.finished() {
        return Ok(walk.into_page());
    }
    let few: Option<Vec<i64>> = with_planner(conn, PROBE, |conn| {
        let seqs: Vec<i64> = probe.limit(PG_PROBE + 1).load(conn)?;
        Ok((seqs.len() as i64 <= PG_PROBE).then_some(seqs))
    })?;
    match few {
        Some(seqs) => {
            let page = records::table
                .select((records::id, records::seq))
                .filter(records::seq.eq_any(seqs))
                .filter(policy::text_searchable_sql(purpose))
                .into_boxed();
            crate::record_filters!(page, viewer, f).order(records::seq.desc()).limit(f.limit).load(conn)
        }
        None => {
            walk.run(conn, i64::MAX, &mut batch)?;
            Ok(walk.into_page())
        }
    }
}

/// Runs `f` with planner settings (`name = value, …`) local to a transaction of its own, and
/// sets them back before that ends (the transaction may be a savepoint in a caller's).
fn with_planner<T>(
    conn: &mut DbConnection,
    settings: &str,
    f: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    use diesel::connection::SimpleConnection;
    let set = |on: bool| -> String {
        settings
            .split(',')
            .map(|s| match (on, s.split_once('=')) {
                (true, _) => format!("SET LOCAL {};", s.trim()),
                (false, Some((name, _))) => format!("SET LOCAL {} TO DEFAULT;", name.trim()),
                (false, None) => String::new(),
            })
            .collect()
    };
    conn.transaction(|conn| {
        conn.batch_execute(&set(true))?;
        let out = f(conn);
        conn.batch_execute(&set(false))?;
        out
    })
}
