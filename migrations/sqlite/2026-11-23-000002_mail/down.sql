DROP INDEX inbox_items_seq;
DROP TABLE transfer_reminders;
DROP TABLE mail_digest_runs;
DROP TABLE mail_digest_items;
DROP TABLE mail_outbox;
DROP TABLE mail_preferences;
DROP TABLE mail_cursor;
