CREATE TABLE mail_cursor (
    id INTEGER PRIMARY KEY NOT NULL,
    cursor_seq BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until TEXT,
    updated_at TEXT NOT NULL
);
INSERT INTO mail_cursor (id, cursor_seq, lease_owner, lease_until, updated_at)
    SELECT 1, cursor_seq, NULL, NULL, '1970-01-01T00:00:00.000000Z' FROM job_cursors WHERE name = 'mail';
DELETE FROM job_cursors WHERE name = 'mail';
