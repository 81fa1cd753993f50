-- Writers no longer serialise on the log_head row (issue 12).
-- Event sequence numbers come from a sequence, taken as events are appended. Each writer
-- first holds a shared advisory lock keyed by the lowest number it can take (its floor);
-- readers see events only below the oldest floor in flight (store::log::horizon), so a
-- late commit can never land behind a reader's cursor.
CREATE SEQUENCE event_seq MINVALUE 0 START WITH 0 CACHE 1;
SELECT setval('event_seq', (SELECT event_seq FROM log_head WHERE id = 1), true);

-- Audit entries wait here until one step seals them into the hash chain in order
-- (store::log::seal); log_head keeps the chain's head.
CREATE TABLE audit_pending (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    actor_user_id TEXT,
    actor_agency_id TEXT,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    purpose TEXT,
    detail TEXT NOT NULL
);
