UPDATE log_head SET event_seq = (SELECT last_value FROM event_seq) WHERE id = 1;
DROP TABLE audit_pending;
DROP SEQUENCE event_seq;
