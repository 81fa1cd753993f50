-- Clue transfer (线索移交) and handling, duplicate-handling flags, joint deliberation (会商).
CREATE TABLE transfers (
    id TEXT PRIMARY KEY NOT NULL,
    record_id TEXT NOT NULL REFERENCES records(id),
    from_agency_id TEXT NOT NULL REFERENCES agencies(id),
    to_agency_id TEXT NOT NULL REFERENCES agencies(id),
    suggestion TEXT NOT NULL,
    deadline TEXT NOT NULL,
    round TEXT,
    category TEXT,
    state TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    accepted_at TEXT,
    started_at TEXT,
    concluded_at TEXT,
    closed_at TEXT,
    returned_at TEXT,
    return_reason TEXT,
    outcome TEXT,
    sanctions_disciplinary INTEGER NOT NULL,
    sanctions_organizational INTEGER NOT NULL,
    sanctions_judicial INTEGER NOT NULL,
    summary TEXT,
    feedback_note TEXT,
    version INTEGER NOT NULL
);
CREATE INDEX transfers_from ON transfers(from_agency_id, created_at);
CREATE INDEX transfers_to ON transfers(to_agency_id, created_at);
CREATE INDEX transfers_record ON transfers(record_id);

CREATE TABLE duplicate_flags (
    id TEXT PRIMARY KEY NOT NULL,
    record_id TEXT NOT NULL REFERENCES records(id),
    other_record_id TEXT NOT NULL REFERENCES records(id),
    score DOUBLE PRECISION NOT NULL,
    shared_text TEXT NOT NULL,
    object_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX duplicate_flags_record ON duplicate_flags(record_id);
CREATE INDEX duplicate_flags_other ON duplicate_flags(other_record_id);

CREATE TABLE deliberations (
    id TEXT PRIMARY KEY NOT NULL,
    record_id TEXT NOT NULL REFERENCES records(id),
    convener_agency_id TEXT NOT NULL REFERENCES agencies(id),
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    minutes TEXT NOT NULL,
    conclusion TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    concluded_at TEXT
);
CREATE INDEX deliberations_record ON deliberations(record_id);

CREATE TABLE deliberation_participants (
    deliberation_id TEXT NOT NULL REFERENCES deliberations(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (deliberation_id, agency_id)
);
CREATE INDEX deliberation_participants_agency ON deliberation_participants(agency_id);

CREATE TABLE assignments (
    id TEXT PRIMARY KEY NOT NULL,
    deliberation_id TEXT NOT NULL REFERENCES deliberations(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    task TEXT NOT NULL,
    deadline TEXT NOT NULL,
    state TEXT NOT NULL,
    urge_count INTEGER NOT NULL,
    last_urged_at TEXT,
    last_urge_note TEXT,
    result TEXT,
    done_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX assignments_deliberation ON assignments(deliberation_id);
CREATE INDEX assignments_agency ON assignments(agency_id);

-- Inbox items now also notify of transfers, flags and deliberations: several per record.
DROP INDEX inbox_items_unique;
ALTER TABLE inbox_items ADD COLUMN ref_id TEXT;
ALTER TABLE inbox_items ADD COLUMN note TEXT;
CREATE INDEX inbox_items_record ON inbox_items(record_id, agency_id);
