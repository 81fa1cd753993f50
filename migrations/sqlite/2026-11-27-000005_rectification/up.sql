-- Feedback and rectification after a round (巡后, issue 11 parts 6 and 7): the feedback
-- (反馈意见) to an inspected unit listing its problems in the office's words, its receipt signed
-- by three parties (签字背书); the unit's rectification plans (整改方案), one row per attempt,
-- reviewed by the round's discipline commission and organisation department (三不过); the
-- ledger items' history (progress notes and steps) and evidence (佐证材料, stored here);
-- and the four-party review (四方会审) with each party's verdict per item.
-- Dates are YYYY-MM-DD; times RFC 3339 UTC text. Keep in step with the other backend's migration.
CREATE TABLE rectification_feedbacks (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    inspected_unit_id TEXT NOT NULL UNIQUE REFERENCES inspected_units(id),
    summary TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX rectification_feedbacks_round ON rectification_feedbacks(round_id);

-- The problems a feedback lists: the text the office wrote for the unit (never a record's
-- protected fields), in the order given.
CREATE TABLE rectification_feedback_problems (
    feedback_id TEXT NOT NULL REFERENCES rectification_feedbacks(id),
    finding_id TEXT NOT NULL REFERENCES findings(id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    category TEXT,
    PRIMARY KEY (feedback_id, finding_id)
);

-- 签字背书: unit_head (the unit's account), team_leader and office_director (the office).
CREATE TABLE rectification_feedback_signatures (
    feedback_id TEXT NOT NULL REFERENCES rectification_feedbacks(id),
    party TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    signed_by TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    PRIMARY KEY (feedback_id, party)
);

-- One row per attempt: submitted, then rejected (any reviewer) or accepted (all reviewers).
CREATE TABLE rectification_plans (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    inspected_unit_id TEXT NOT NULL REFERENCES inspected_units(id),
    feedback_id TEXT NOT NULL REFERENCES rectification_feedbacks(id),
    attempt INTEGER NOT NULL,
    summary TEXT NOT NULL,
    state TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE UNIQUE INDEX rectification_plans_unit_attempt ON rectification_plans(inspected_unit_id, attempt);
CREATE INDEX rectification_plans_round ON rectification_plans(round_id, state);

CREATE TABLE rectification_plan_tasks (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES rectification_plans(id),
    finding_id TEXT NOT NULL REFERENCES findings(id),
    position INTEGER NOT NULL,
    task TEXT NOT NULL,
    measure TEXT NOT NULL,
    responsible_person TEXT NOT NULL,
    deadline TEXT NOT NULL
);
CREATE INDEX rectification_plan_tasks_plan ON rectification_plan_tasks(plan_id, position);

-- One verdict per reviewing agency and attempt; `grounds` is a JSON list of 三不过 grounds.
CREATE TABLE rectification_plan_reviews (
    plan_id TEXT NOT NULL REFERENCES rectification_plans(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    verdict TEXT NOT NULL,
    grounds TEXT NOT NULL,
    opinion TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    PRIMARY KEY (plan_id, agency_id)
);

-- An item's history: progress notes (`note`) and steps (`submit`, `close`, `send_back`,
-- `reopen`) with their text (the progress reported, the verification, the reason).
CREATE TABLE rectification_item_entries (
    id TEXT PRIMARY KEY NOT NULL,
    item_id TEXT NOT NULL REFERENCES rectification_items(id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    text TEXT NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    author TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX rectification_item_entries_item ON rectification_item_entries(item_id, id);

-- Evidence files (佐证材料) of an item, checked by content and declared type, kept here.
CREATE TABLE rectification_evidence (
    id TEXT PRIMARY KEY NOT NULL,
    item_id TEXT NOT NULL REFERENCES rectification_items(id),
    inspected_unit_id TEXT NOT NULL REFERENCES inspected_units(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX rectification_evidence_item ON rectification_evidence(item_id, id);

-- 四方会审 of one unit's items: open, then concluded passed or returned.
CREATE TABLE four_party_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    inspected_unit_id TEXT NOT NULL REFERENCES inspected_units(id),
    state TEXT NOT NULL,
    outcome TEXT,
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    concluded_at TEXT
);
CREATE INDEX four_party_reviews_unit ON four_party_reviews(inspected_unit_id, id);
CREATE INDEX four_party_reviews_round ON four_party_reviews(round_id, state);

-- Each party's verdict (pass / return) on each item, with its opinion and signer.
CREATE TABLE four_party_verdicts (
    review_id TEXT NOT NULL REFERENCES four_party_reviews(id),
    item_id TEXT NOT NULL REFERENCES rectification_items(id),
    party TEXT NOT NULL,
    verdict TEXT NOT NULL,
    opinion TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (review_id, item_id, party)
);
