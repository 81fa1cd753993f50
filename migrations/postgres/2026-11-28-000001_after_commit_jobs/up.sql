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
-- false where a tsvector cannot hold the text (over 16,383 characters, or a bigram more than
-- 256 times): such records are searched by substring (see domain::search_terms). Derived
-- data: no foreign key (a row whose record is gone never joins a search).
CREATE TABLE record_search (
    record_id TEXT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    exact BOOLEAN NOT NULL
);
CREATE INDEX record_search_inexact ON record_search(seq) WHERE NOT exact;
-- The terms (bigrams of the lower-cased title and body, with positions), keyed by seq.
-- The index replaces the trigram index, which could not serve two-character terms and was
-- written inside every import transaction.
CREATE TABLE record_terms (
    seq BIGINT PRIMARY KEY NOT NULL,
    terms tsvector NOT NULL
);
CREATE INDEX record_terms_gin ON record_terms USING gin (terms);
DROP INDEX records_search_trgm;
