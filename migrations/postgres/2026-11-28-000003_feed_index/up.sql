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
);

-- Events aimed at one agency (tombstones, transfer and deliberation steps), by target.
CREATE INDEX events_target_seq ON events (target_agency_id, seq) WHERE target_agency_id IS NOT NULL;
-- A record's untargeted events, to file them under a reader gained later.
CREATE INDEX events_record_seq ON events (record_id, seq) WHERE target_agency_id IS NULL;

-- The events already in the log, filed under their records' present readers.
INSERT INTO feed_keys (key, seq)
SELECT DISTINCT k.key, e.seq
FROM events e
JOIN records r ON r.id = e.record_id
JOIN LATERAL (
    SELECT r.owner_agency_id AS key
    UNION ALL SELECT '*' WHERE r.distribution_level = 'all'
    UNION ALL SELECT 'g:' || r.group_id WHERE r.distribution_level = 'group' AND r.group_id IS NOT NULL
    UNION ALL SELECT rr.agency_id FROM record_recipients rr
        WHERE rr.record_id = r.id AND r.distribution_level = 'agencies'
    UNION ALL SELECT g.agency_id FROM record_grants g WHERE g.record_id = r.id
) k ON true
WHERE e.target_agency_id IS NULL;
