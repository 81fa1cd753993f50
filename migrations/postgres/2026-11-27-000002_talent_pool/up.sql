-- The talent pool (人才库) of the inspection lifecycle (issue 11): people recommended by member
-- units for inspection teams, where they worked before and what relations they declared (for
-- avoidance, 回避), their commendations (优秀巡察抽调干部), and the teams (巡察组) they joined.
-- Personal data: read only by inspection offices and the recommending unit (policy::talent).
-- Dates are YYYY-MM-DD; times RFC 3339 UTC text. Keep in step with the other backend's migration.
CREATE TABLE talents (
    id TEXT PRIMARY KEY NOT NULL,
    recommending_agency_id TEXT NOT NULL REFERENCES agencies(id),
    name TEXT NOT NULL,
    work_unit_object_id TEXT REFERENCES subject_objects(id),
    work_unit_name TEXT NOT NULL,
    position TEXT NOT NULL,
    -- JSON arrays: expertise tags (专业特长) and eligible team positions (leader/deputy/staff).
    expertise TEXT NOT NULL,
    eligible TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX talents_agency ON talents(recommending_agency_id, id);
CREATE INDEX talents_work_unit ON talents(work_unit_object_id);

-- Past postings (任职经历): the N-year avoidance rule looks at those in the inspected unit.
CREATE TABLE talent_postings (
    id TEXT PRIMARY KEY NOT NULL,
    talent_id TEXT NOT NULL REFERENCES talents(id),
    unit_object_id TEXT NOT NULL REFERENCES subject_objects(id),
    from_date TEXT NOT NULL,
    to_date TEXT
);
CREATE INDEX talent_postings_talent ON talent_postings(talent_id);
CREATE INDEX talent_postings_unit ON talent_postings(unit_object_id);

-- Declared relations to a unit (亲属在该单位任职 …): avoided for that unit.
CREATE TABLE talent_relations (
    id TEXT PRIMARY KEY NOT NULL,
    talent_id TEXT NOT NULL REFERENCES talents(id),
    unit_object_id TEXT NOT NULL REFERENCES subject_objects(id),
    relation TEXT NOT NULL
);
CREATE INDEX talent_relations_talent ON talent_relations(talent_id);
CREATE INDEX talent_relations_unit ON talent_relations(unit_object_id);

-- Commendations (优秀巡察抽调干部 …), recorded by an inspection office.
CREATE TABLE talent_commendations (
    id TEXT PRIMARY KEY NOT NULL,
    talent_id TEXT NOT NULL REFERENCES talents(id),
    title TEXT NOT NULL,
    awarded_on TEXT NOT NULL,
    round_id TEXT REFERENCES rounds(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    created_at TEXT NOT NULL
);
CREATE INDEX talent_commendations_talent ON talent_commendations(talent_id);

-- Team members (巡察组成员): the participation history of a person. One team per person per
-- round, one leader (组长) per team.
CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams(id),
    talent_id TEXT NOT NULL REFERENCES talents(id),
    round_id TEXT NOT NULL REFERENCES rounds(id),
    position TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (team_id, talent_id)
);
CREATE UNIQUE INDEX team_members_round_talent ON team_members(round_id, talent_id);
CREATE UNIQUE INDEX team_members_one_leader ON team_members(team_id) WHERE position = 'leader';
CREATE INDEX team_members_talent ON team_members(talent_id);
