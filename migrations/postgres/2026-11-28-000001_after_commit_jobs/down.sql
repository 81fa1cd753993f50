CREATE INDEX records_search_trgm ON records USING gin ((lower(title || ' ' || body)) gin_trgm_ops);
DROP TABLE record_terms;
DROP TABLE record_search;
DROP TABLE job_cursors;
