-- The mail dispatcher follows the event log like the after-commit jobs: its position and
-- lease move to job_cursors (row 'mail'), the one table for positions in the log.
INSERT INTO job_cursors (name, cursor_seq, lease_owner, lease_until)
    SELECT 'mail', cursor_seq, NULL, NULL FROM mail_cursor WHERE id = 1;
DROP TABLE mail_cursor;
