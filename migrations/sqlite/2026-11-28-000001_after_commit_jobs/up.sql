-- Work done after commit by a job that follows the event log (issue 12): duplicate handling
-- of new clues, and the search index. Each job's position in the log is one row; a lease
-- lets one hub instance at a time advance it.
CREATE TABLE job_cursors (
    name TEXT PRIMARY KEY NOT NULL,
    cursor_seq BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until TEXT
);
-- Duplicate handling starts at the head: clues from before the upgrade were compared when
-- they were published. The search index starts at the beginning: every record is indexed.
INSERT INTO job_cursors (name, cursor_seq) SELECT 'duplicates', event_seq FROM log_head WHERE id = 1;
INSERT INTO job_cursors (name, cursor_seq) VALUES ('search_index', 0);

-- The search index: for each record, the change (seq) whose text is indexed. `exact` is
-- false where the index cannot hold the text (never on SQLite; see domain::search_terms).
-- Derived data: no foreign key (a row whose record is gone never joins a search).
CREATE TABLE record_search (
    record_id TEXT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    exact BOOLEAN NOT NULL
);
CREATE INDEX record_search_inexact ON record_search(seq) WHERE NOT exact;
-- The terms (bigrams of the lower-cased title and body), keyed by the record's seq.
CREATE VIRTUAL TABLE record_terms USING fts5(terms, content='', contentless_delete=1, tokenize='ascii');
