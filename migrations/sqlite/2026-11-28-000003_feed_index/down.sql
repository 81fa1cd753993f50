DROP INDEX events_record_seq;
DROP INDEX events_target_seq;
DROP TABLE feed_keys;
