-- The feed index (issue 12): each untargeted record event is filed under the keys of the
-- record's readers (policy::record_feed_keys): its owner, listed recipients and grantees by
-- agency id, its group as 'g:<id>', everyone as '*'. A feed page reads the reader's keys
-- (policy::viewer_feed_keys) in sequence order, so an agency entitled to little no longer
-- walks the whole log to fill a page. The keys only narrow the search: every row found is
-- still checked by policy::entitled_sql.
CREATE TABLE feed_keys (
    key TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (key, seq)
) WITHOUT ROWID;

-- Events aimed at one agency (tombstones, transfer and deliberation steps), by target.
CREATE INDEX events_target_seq ON events (target_agency_id, seq) WHERE target_agency_id IS NOT NULL;
-- A record's untargeted events, to file them under a reader gained later.
CREATE INDEX events_record_seq ON events (record_id, seq) WHERE target_agency_id IS NULL;

-- The events already in the log, filed under their records' present readers.
INSERT OR IGNORE INTO feed_keys (key, seq)
SELECT r.owner_agency_id, e.seq FROM events e JOIN records r ON r.id = e.record_id
    WHERE e.target_agency_id IS NULL
UNION SELECT '*', e.seq FROM events e JOIN records r ON r.id = e.record_id
    WHERE e.target_agency_id IS NULL AND r.distribution_level = 'all'
UNION SELECT 'g:' || r.group_id, e.seq FROM events e JOIN records r ON r.id = e.record_id
    WHERE e.target_agency_id IS NULL AND r.distribution_level = 'group' AND r.group_id IS NOT NULL
UNION SELECT rr.agency_id, e.seq FROM events e JOIN records r ON r.id = e.record_id
    JOIN record_recipients rr ON rr.record_id = r.id
    WHERE e.target_agency_id IS NULL AND r.distribution_level = 'agencies'
UNION SELECT g.agency_id, e.seq FROM events e JOIN record_grants g ON g.record_id = e.record_id
    WHERE e.target_agency_id IS NULL;
