-- Information requests (函询, issue 11 part 3): one mechanism for pre-inspection requests
-- (巡前函询: an inspection office asks member units what they hold on a round's inspected
-- units and their leaders) and integrity opinions (党风廉政意见回复: an organisation
-- department asks the discipline commission about cadres before promotion). A request names
-- its targets (the agencies asked) and its subjects (supervision objects asked about); each
-- target answers per subject, one current answer per (request, agency, subject), with
-- references to records the asker may read as distributed (record_ids, a JSON array).
-- Dates are YYYY-MM-DD; times RFC 3339 UTC text. Keep in step with the other backend's migration.
CREATE TABLE info_requests (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    asker_agency_id TEXT NOT NULL REFERENCES agencies(id),
    round_id TEXT REFERENCES rounds(id),
    title TEXT NOT NULL,
    note TEXT NOT NULL,
    deadline TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX info_requests_asker ON info_requests(asker_agency_id, id);
CREATE INDEX info_requests_round ON info_requests(round_id);

-- The agencies asked. `reminded_at` / `remind_count`: the office's reminders (催办);
-- `soon_reminded_at` / `overdue_reminded_at`: the daily sweep's, once each.
CREATE TABLE info_request_targets (
    request_id TEXT NOT NULL REFERENCES info_requests(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    reminded_at TEXT,
    remind_count INTEGER NOT NULL,
    soon_reminded_at TEXT,
    overdue_reminded_at TEXT,
    PRIMARY KEY (request_id, agency_id)
);
CREATE INDEX info_request_targets_agency ON info_request_targets(agency_id, request_id);

-- The supervision objects asked about (units and persons), in the order given.
CREATE TABLE info_request_subjects (
    request_id TEXT NOT NULL REFERENCES info_requests(id),
    object_id TEXT NOT NULL REFERENCES subject_objects(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (request_id, object_id)
);

CREATE TABLE info_request_answers (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL REFERENCES info_requests(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    object_id TEXT NOT NULL REFERENCES subject_objects(id),
    finding TEXT NOT NULL,
    note TEXT NOT NULL,
    record_ids TEXT NOT NULL,
    revision INTEGER NOT NULL,
    answered_by TEXT NOT NULL,
    answered_at TEXT NOT NULL
);
CREATE UNIQUE INDEX info_request_answers_one ON info_request_answers(request_id, agency_id, object_id);
