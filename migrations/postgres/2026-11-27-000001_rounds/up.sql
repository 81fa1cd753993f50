-- The inspection lifecycle (issue 11), its frame: rounds (巡察轮次), the member units working
-- on a round with the inspection office, inspection teams (巡察组), the inspected units
-- (被巡察党组织: a supervision object of kind unit, inspected in one round by one team, with the
-- account through which it acts on its own rectification) and findings (问题 and 线索: each
-- a record, so that the record policy decides who reads it), and the rectification ledger's
-- items (整改台账: one per task of an accepted plan, closed only by the office's 对账销号).
-- Dates are YYYY-MM-DD; times RFC 3339 UTC text. Keep in step with the other backend's migration.
CREATE TABLE rounds (
    id TEXT PRIMARY KEY NOT NULL,
    owner_agency_id TEXT NOT NULL REFERENCES agencies(id),
    name TEXT NOT NULL,
    number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    focus TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX rounds_owner_name ON rounds(owner_agency_id, name);
CREATE INDEX rounds_owner ON rounds(owner_agency_id, id);

CREATE TABLE round_participants (
    round_id TEXT NOT NULL REFERENCES rounds(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (round_id, agency_id)
);
CREATE INDEX round_participants_agency ON round_participants(agency_id, round_id);

CREATE TABLE teams (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX teams_round_name ON teams(round_id, name);

CREATE TABLE inspected_units (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    object_id TEXT NOT NULL REFERENCES subject_objects(id),
    team_id TEXT REFERENCES teams(id),
    account_agency_id TEXT REFERENCES agencies(id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX inspected_units_round_object ON inspected_units(round_id, object_id);
CREATE INDEX inspected_units_account ON inspected_units(account_agency_id);

CREATE TABLE findings (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    inspected_unit_id TEXT NOT NULL REFERENCES inspected_units(id),
    record_id TEXT NOT NULL UNIQUE REFERENCES records(id),
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX findings_unit ON findings(inspected_unit_id, id);
CREATE INDEX findings_round ON findings(round_id, kind);

-- The items of a unit's rectification ledger (三清单: the problem, the task, the responsible
-- person). Written when a plan is accepted (`plan_id` names it); `finding_id` is the problem
-- the item rectifies. A problem is rectified when it has items and every one is closed.
CREATE TABLE rectification_items (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    inspected_unit_id TEXT NOT NULL REFERENCES inspected_units(id),
    plan_id TEXT NOT NULL,
    finding_id TEXT NOT NULL REFERENCES findings(id),
    task TEXT NOT NULL,
    measure TEXT NOT NULL,
    responsible_person TEXT NOT NULL,
    deadline TEXT NOT NULL,
    state TEXT NOT NULL,
    closed_at TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX rectification_items_unit ON rectification_items(inspected_unit_id, id);
CREATE INDEX rectification_items_finding ON rectification_items(finding_id);
CREATE INDEX rectification_items_round ON rectification_items(round_id, state);
