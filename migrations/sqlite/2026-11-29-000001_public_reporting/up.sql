-- 码上巡察: a team's public reporting channel for one inspected unit, open for a period.
-- slug is the channel's unguessable public address (/public/c/<slug>).
CREATE TABLE report_channels (
    id TEXT PRIMARY KEY NOT NULL,
    owner_agency_id TEXT NOT NULL REFERENCES agencies(id),
    round_id TEXT NOT NULL REFERENCES rounds(id),
    inspected_unit_id TEXT NOT NULL REFERENCES inspected_units(id),
    team_id TEXT NOT NULL REFERENCES teams(id),
    slug TEXT NOT NULL UNIQUE,
    contact_line TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    closed_at TEXT,
    liaison_user_id TEXT REFERENCES users(id),
    reports_count INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX report_channels_owner ON report_channels(owner_agency_id, created_at);
CREATE INDEX report_channels_unit ON report_channels(inspected_unit_id);

-- One report made through a channel: its petition record, the digest of its receipt code
-- (查询码; the code itself is never stored) and how the team handled it. No address or
-- user agent of the reporter is kept anywhere.
CREATE TABLE public_reports (
    id TEXT PRIMARY KEY NOT NULL,
    channel_id TEXT NOT NULL REFERENCES report_channels(id),
    number INTEGER NOT NULL,
    record_id TEXT NOT NULL UNIQUE REFERENCES records(id),
    receipt_digest TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    duplicate_of TEXT REFERENCES public_reports(id),
    clue_record_id TEXT REFERENCES records(id),
    close_reason TEXT,
    handled_by TEXT,
    supplements INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (channel_id, number)
);
CREATE INDEX public_reports_queue ON public_reports(channel_id, state, number);

-- Photos (re-encoded, metadata gone) and documents a reporter attached.
CREATE TABLE public_report_files (
    id TEXT PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES public_reports(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX public_report_files_report ON public_report_files(report_id, id);

-- Proof-of-work challenges already used (each solves one submission), until they expire.
CREATE TABLE public_challenges_spent (
    nonce TEXT PRIMARY KEY NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX public_challenges_spent_expiry ON public_challenges_spent(expires_at);
