-- The removed digests cannot be restored.
SELECT 1;
