-- Identity numbers of supervision objects were stored as unsalted SHA-256 digests, which can
-- be reversed by trying every possible number. They are now HMAC-SHA256 under the server's
-- identity_key; the old digests cannot be re-keyed without the numbers themselves, and
-- keeping them would keep the weakness, so they are removed. Objects stay; their identity
-- numbers must be registered again to be found by number (README, "监督对象").
UPDATE subject_objects SET id_number_hash = NULL WHERE id_number_hash IS NOT NULL;
