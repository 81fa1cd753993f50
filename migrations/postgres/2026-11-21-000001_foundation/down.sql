DROP TABLE idempotency_keys; DROP TABLE inbox_items; DROP TABLE subscriptions; DROP TABLE audit_log;
DROP TABLE events; DROP TABLE log_head; DROP TABLE record_versions; DROP TABLE record_objects;
DROP TABLE record_grants; DROP TABLE record_field_grants; DROP TABLE record_recipients; DROP TABLE records;
DROP TABLE subject_objects; DROP TABLE categories; DROP TABLE agreements; DROP TABLE group_members;
DROP TABLE sharing_groups; DROP TABLE refresh_tokens; DROP TABLE api_keys; DROP TABLE users; DROP TABLE agencies;
