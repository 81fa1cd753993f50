-- Every path to a credential (issue 8): one-time links with which a user sets their own
-- password (activation of an invited account, password reset), and the login throttle's
-- counters, shared by every instance. Keep in step with the other backend's migration.

-- A one-time link: only the SHA-256 digest of its 256-bit random token is stored.
-- purpose: 'activate' (an invited user without a password) or 'reset'.
CREATE TABLE credential_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX credential_tokens_user ON credential_tokens(user_id);

-- Failed logins per key (`user:<name>`, `ip:<address>`, `reset:<name>`): failures in the
-- current window and the time the key is locked until. Written in small transactions of
-- their own, never under the event log's head lock.
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    locked_until TEXT
);

-- API keys the hub admin minted before this release read member units' content (leak 4):
-- revoke them. A unit's own admin issues new ones.
UPDATE api_keys SET revoked_at = '2026-11-26T00:00:00.000000Z'
WHERE revoked_at IS NULL AND id IN (
    SELECT a.resource_id FROM audit_log a JOIN users u ON u.id = a.actor_user_id
    WHERE a.action = 'api_key.create' AND (',' || u.roles || ',') LIKE '%,admin,%'
);
