-- Sessions of the web client (issue 10): the browser holds a random token in an HttpOnly
-- cookie; only its SHA-256 digest is stored. A session ends at logout, after `idle` without a
-- request, at `expires_at` whatever happens, or when the user logs out everywhere.
-- `csrf_token` is the value every form of the session must send back.
-- Keep in step with the other backend's migration.
CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);
