-- Guantong foundation schema (SQLite). Keep in step with migrations/postgres.
-- Times are RFC 3339 UTC text with fixed precision, so they sort as text.
CREATE TABLE agencies (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_id TEXT REFERENCES agencies(id),
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    roles TEXT NOT NULL,
    email TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX users_agency ON users(agency_id);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    roles TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX api_keys_agency ON api_keys(agency_id);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);

CREATE TABLE sharing_groups (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES sharing_groups(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    joined_at TEXT NOT NULL,
    PRIMARY KEY (group_id, agency_id)
);
CREATE INDEX group_members_agency ON group_members(agency_id);

CREATE TABLE agreements (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    source_agency_id TEXT REFERENCES agencies(id),
    source_kind TEXT,
    record_kind TEXT NOT NULL,
    recipient_agency_ids TEXT NOT NULL,
    recipient_kinds TEXT NOT NULL,
    protected_fields BOOLEAN NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE categories (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    parent_code TEXT,
    sort_order INTEGER NOT NULL
);

CREATE TABLE subject_objects (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit TEXT,
    position TEXT,
    id_number_hash TEXT,
    created_by_agency_id TEXT NOT NULL REFERENCES agencies(id),
    created_at TEXT NOT NULL
);
CREATE INDEX subject_objects_name ON subject_objects(name);

CREATE TABLE records (
    id TEXT PRIMARY KEY NOT NULL,
    owner_agency_id TEXT NOT NULL REFERENCES agencies(id),
    author_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    category TEXT,
    tags TEXT NOT NULL,
    attributes TEXT NOT NULL,
    distribution_level TEXT NOT NULL,
    group_id TEXT REFERENCES sharing_groups(id),
    sensitivity TEXT NOT NULL,
    protected TEXT NOT NULL,
    external_id TEXT,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    seq BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    withdrawn_at TEXT
);
CREATE UNIQUE INDEX records_owner_external ON records(owner_agency_id, external_id);
CREATE INDEX records_seq ON records(seq);
CREATE INDEX records_kind_seq ON records(kind, seq);
CREATE INDEX records_owner_seq ON records(owner_agency_id, seq);
CREATE INDEX records_group ON records(group_id) WHERE group_id IS NOT NULL;

CREATE TABLE record_recipients (
    record_id TEXT NOT NULL REFERENCES records(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (record_id, agency_id)
);
CREATE INDEX record_recipients_agency ON record_recipients(agency_id, record_id);

CREATE TABLE record_field_grants (
    record_id TEXT NOT NULL REFERENCES records(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (record_id, agency_id)
);

CREATE TABLE record_grants (
    record_id TEXT NOT NULL REFERENCES records(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    reason TEXT NOT NULL,
    source_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (record_id, agency_id, reason, source_id)
);
CREATE INDEX record_grants_agency ON record_grants(agency_id, record_id);

CREATE TABLE record_objects (
    record_id TEXT NOT NULL REFERENCES records(id),
    object_id TEXT NOT NULL REFERENCES subject_objects(id),
    PRIMARY KEY (record_id, object_id)
);
CREATE INDEX record_objects_object ON record_objects(object_id, record_id);

CREATE TABLE record_versions (
    record_id TEXT NOT NULL REFERENCES records(id),
    version INTEGER NOT NULL,
    seq BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    at TEXT NOT NULL,
    snapshot TEXT,
    PRIMARY KEY (record_id, version)
);

-- One row: the heads of the event sequence and the audit hash chain. Every write
-- transaction updates it first, which serialises writers so that sequence order is
-- commit order (a feed reader can never skip an event committed late).
CREATE TABLE log_head (
    id INTEGER PRIMARY KEY NOT NULL,
    event_seq BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL,
    audit_hash TEXT NOT NULL
);
INSERT INTO log_head (id, event_seq, audit_seq, audit_hash) VALUES (1, 0, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE events (
    seq INTEGER PRIMARY KEY NOT NULL,
    event_type TEXT NOT NULL,
    record_id TEXT,
    target_agency_id TEXT,
    actor_agency_id TEXT,
    payload TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY NOT NULL,
    at TEXT NOT NULL,
    actor_user_id TEXT,
    actor_agency_id TEXT,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    purpose TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_agency ON audit_log(actor_agency_id, seq);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    user_id TEXT,
    name TEXT NOT NULL,
    kinds TEXT NOT NULL,
    categories TEXT NOT NULL,
    object_ids TEXT NOT NULL,
    source_agency_ids TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX subscriptions_agency ON subscriptions(agency_id);

CREATE TABLE inbox_items (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    record_id TEXT NOT NULL REFERENCES records(id),
    subscription_id TEXT,
    reason TEXT NOT NULL,
    seq BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    acked_at TEXT,
    acked_by TEXT
);
CREATE UNIQUE INDEX inbox_items_unique ON inbox_items(agency_id, record_id, reason);
CREATE INDEX inbox_items_agency_seq ON inbox_items(agency_id, seq);

CREATE TABLE idempotency_keys (
    agency_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (agency_id, idem_key)
);
