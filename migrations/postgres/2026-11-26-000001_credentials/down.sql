DROP TABLE login_throttle;
DROP TABLE credential_tokens;
