ALTER TABLE records DROP COLUMN text_signature;
