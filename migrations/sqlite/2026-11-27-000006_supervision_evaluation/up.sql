-- After the round (issue 11, parts 8 and 9): the post-inspection direct-supervision campaigns
-- (巡后直督: a window of about a month, the member units of its team, the inspected units it
-- covers; its statistics are computed from findings, ledger items and transfers) and the
-- quantified evaluations of rectification (量化评估: the eight checks with weights, the
-- evaluating agencies, the units evaluated with their final score and rank, and each agency's
-- score per unit and check). Dates are YYYY-MM-DD; times RFC 3339 UTC text. Scores are whole
-- numbers 0–100; a unit's final score is kept in hundredths. Keep in step with the other
-- backend's migration.
CREATE TABLE supervision_campaigns (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    name TEXT NOT NULL,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    team_ids TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX supervision_campaigns_round_name ON supervision_campaigns(round_id, name);

CREATE TABLE campaign_agencies (
    campaign_id TEXT NOT NULL REFERENCES supervision_campaigns(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (campaign_id, agency_id)
);
CREATE INDEX campaign_agencies_agency ON campaign_agencies(agency_id, campaign_id);

CREATE TABLE campaign_units (
    campaign_id TEXT NOT NULL REFERENCES supervision_campaigns(id),
    inspected_unit_id TEXT NOT NULL REFERENCES inspected_units(id),
    PRIMARY KEY (campaign_id, inspected_unit_id)
);

CREATE TABLE evaluations (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    name TEXT NOT NULL,
    weights TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finalised_at TEXT
);
CREATE UNIQUE INDEX evaluations_round_name ON evaluations(round_id, name);

CREATE TABLE evaluation_agencies (
    evaluation_id TEXT NOT NULL REFERENCES evaluations(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (evaluation_id, agency_id)
);
CREATE INDEX evaluation_agencies_agency ON evaluation_agencies(agency_id, evaluation_id);

-- The units evaluated; the score (hundredths), rank and result record once finalised.
CREATE TABLE evaluation_units (
    evaluation_id TEXT NOT NULL REFERENCES evaluations(id),
    inspected_unit_id TEXT NOT NULL REFERENCES inspected_units(id),
    score_centi INTEGER,
    unit_rank INTEGER,
    record_id TEXT REFERENCES records(id),
    PRIMARY KEY (evaluation_id, inspected_unit_id)
);
CREATE INDEX evaluation_units_unit ON evaluation_units(inspected_unit_id);

CREATE TABLE evaluation_scores (
    evaluation_id TEXT NOT NULL REFERENCES evaluations(id),
    inspected_unit_id TEXT NOT NULL REFERENCES inspected_units(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    check_code TEXT NOT NULL,
    score INTEGER NOT NULL,
    note TEXT NOT NULL,
    scored_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, inspected_unit_id, agency_id, check_code)
);
