DROP INDEX inbox_items_record;
ALTER TABLE inbox_items DROP COLUMN note;
ALTER TABLE inbox_items DROP COLUMN ref_id;
CREATE UNIQUE INDEX inbox_items_unique ON inbox_items(agency_id, record_id, reason);
DROP TABLE assignments; DROP TABLE deliberation_participants; DROP TABLE deliberations;
DROP TABLE duplicate_flags; DROP TABLE transfers;
