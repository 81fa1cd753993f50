-- A MinHash summary of each clue's text, so duplicate detection can skip most candidates
-- without reading their text (domain::similarity::Signature).
ALTER TABLE records ADD COLUMN text_signature TEXT;
