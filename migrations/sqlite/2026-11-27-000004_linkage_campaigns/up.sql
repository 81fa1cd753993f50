-- Issue 11, parts 4 and 10. Inspection–audit linkages (巡审联动): an inspected unit of a round
-- linked to an audit project of an audit agency, each with the sharing group (its members the
-- office and the audit agency) through which both read each other's findings on the unit while
-- the linkage is active. Common problems (共性问题: a notice record of the round's office, with
-- the problems it generalises), self-check requirements (未巡先改) of uninspected units, and
-- special campaigns (专项整治) of any member unit with the problems and common problems they
-- address and the agencies they are shared with.
-- Dates are YYYY-MM-DD; times RFC 3339 UTC text. Keep in step with the other backend's migration.
CREATE TABLE audit_linkages (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    inspected_unit_id TEXT NOT NULL REFERENCES inspected_units(id),
    office_agency_id TEXT NOT NULL REFERENCES agencies(id),
    audit_agency_id TEXT NOT NULL REFERENCES agencies(id),
    project_name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    group_id TEXT NOT NULL UNIQUE REFERENCES sharing_groups(id),
    state TEXT NOT NULL,
    end_reason TEXT,
    ended_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX audit_linkages_unit ON audit_linkages(inspected_unit_id, id);
CREATE INDEX audit_linkages_audit ON audit_linkages(audit_agency_id, id);
CREATE INDEX audit_linkages_office ON audit_linkages(office_agency_id, id);
CREATE INDEX audit_linkages_due ON audit_linkages(state, end_date);

CREATE TABLE common_problems (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    record_id TEXT NOT NULL UNIQUE REFERENCES records(id),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX common_problems_round ON common_problems(round_id, id);

CREATE TABLE common_problem_findings (
    common_problem_id TEXT NOT NULL REFERENCES common_problems(id),
    finding_id TEXT NOT NULL REFERENCES findings(id),
    PRIMARY KEY (common_problem_id, finding_id)
);

CREATE TABLE self_checks (
    id TEXT PRIMARY KEY NOT NULL,
    round_id TEXT NOT NULL REFERENCES rounds(id),
    office_agency_id TEXT NOT NULL REFERENCES agencies(id),
    object_id TEXT NOT NULL REFERENCES subject_objects(id),
    account_agency_id TEXT REFERENCES agencies(id),
    requirement TEXT NOT NULL,
    deadline TEXT NOT NULL,
    state TEXT NOT NULL,
    report TEXT,
    reported_at TEXT,
    reported_by TEXT,
    reported_by_unit BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX self_checks_round_object ON self_checks(round_id, object_id);
CREATE INDEX self_checks_office ON self_checks(office_agency_id, id);
CREATE INDEX self_checks_account ON self_checks(account_agency_id, id);

CREATE TABLE campaigns (
    id TEXT PRIMARY KEY NOT NULL,
    owner_agency_id TEXT NOT NULL REFERENCES agencies(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX campaigns_owner ON campaigns(owner_agency_id, id);

CREATE TABLE campaign_shares (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (campaign_id, agency_id)
);
CREATE INDEX campaign_shares_agency ON campaign_shares(agency_id, campaign_id);

CREATE TABLE campaign_findings (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id),
    finding_id TEXT NOT NULL REFERENCES findings(id),
    round_id TEXT NOT NULL REFERENCES rounds(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, finding_id)
);
CREATE INDEX campaign_findings_round ON campaign_findings(round_id, campaign_id);

CREATE TABLE campaign_common_problems (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id),
    common_problem_id TEXT NOT NULL REFERENCES common_problems(id),
    round_id TEXT NOT NULL REFERENCES rounds(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, common_problem_id)
);
CREATE INDEX campaign_common_problems_round ON campaign_common_problems(round_id, campaign_id);
