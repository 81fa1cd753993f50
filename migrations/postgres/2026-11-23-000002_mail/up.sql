-- Email to liaison officers. The mail dispatcher is a consumer of the event log (the
-- transactional outbox) like the webhooks: one cursor row, claimed with a lease, turned into
-- one `mail_outbox` row per recipient (or a digest item) in the same transaction as the
-- cursor advance; a sender loop claims due outbox rows and sends them with retries.
-- Keep in step with the other backend's migration.

-- The dispatcher's position in the event log (one row, id = 1). It starts at the head, so
-- history from before the upgrade is not mailed.
CREATE TABLE mail_cursor (
    id INTEGER PRIMARY KEY NOT NULL,
    cursor_seq BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until TEXT,
    updated_at TEXT NOT NULL
);
INSERT INTO mail_cursor (id, cursor_seq, lease_owner, lease_until, updated_at)
    SELECT 1, event_seq, NULL, NULL, '1970-01-01T00:00:00.000000Z' FROM log_head WHERE id = 1;

-- A user's choice per mail type: immediate, digest or never (absent: the default).
CREATE TABLE mail_preferences (
    user_id TEXT NOT NULL REFERENCES users(id),
    event_type TEXT NOT NULL,
    mode TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, event_type)
);

-- One mail to one recipient, rendered when it was queued: pending (due at next_attempt_at),
-- sent, or failed (attempts used up; kept, with the last error).
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    dedupe_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    event_type TEXT NOT NULL,
    seq BIGINT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    lease_owner TEXT,
    lease_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE UNIQUE INDEX mail_outbox_dedupe ON mail_outbox(dedupe_key);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);

-- What waits for a user's daily digest; `digest_id` names the digest mail that carried it.
CREATE TABLE mail_digest_items (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    seq BIGINT NOT NULL,
    record_id TEXT,
    line TEXT NOT NULL,
    created_at TEXT NOT NULL,
    digest_id TEXT
);
CREATE UNIQUE INDEX mail_digest_items_event ON mail_digest_items(user_id, event_type, seq);
CREATE INDEX mail_digest_items_pending ON mail_digest_items(digest_id, user_id);

-- One row per local day on which the digest ran, so it is not repeated.
CREATE TABLE mail_digest_runs (
    day TEXT PRIMARY KEY NOT NULL,
    ran_at TEXT NOT NULL,
    mails INTEGER NOT NULL
);

-- Deadline reminders already appended for a transfer (deadline_soon, overdue): once each.
CREATE TABLE transfer_reminders (
    transfer_id TEXT NOT NULL REFERENCES transfers(id),
    kind TEXT NOT NULL,
    seq BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (transfer_id, kind)
);

-- The mail dispatcher reads subscription matches by the event that caused them.
CREATE INDEX inbox_items_seq ON inbox_items(seq);
