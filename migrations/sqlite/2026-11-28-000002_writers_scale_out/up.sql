-- SQLite has one writer at a time: events are numbered and audit entries chained in the
-- write transaction itself. The table exists so both backends share one schema; it stays
-- empty here.
CREATE TABLE audit_pending (
    id INTEGER PRIMARY KEY NOT NULL,
    at TEXT NOT NULL,
    actor_user_id TEXT,
    actor_agency_id TEXT,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    purpose TEXT,
    detail TEXT NOT NULL
);
