//! Credentials: argon2id password hashes, HS256 access tokens, and the random secrets used as
//! refresh tokens and API keys (stored as SHA-256 digests only — they are 256-bit random, so a
//! fast digest is safe for them, unlike passwords).

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the user does not exist, so timing does not reveal it.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not-a-real-password").expect("argon2 works"))
}

/// A random secret with a readable prefix, e.g. `gtr_…` (refresh) or `gtk_…` (API key).
pub fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// The session (refresh-token family); logout revokes it and with it this token.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

const ISSUER: &str = "guantong";

pub fn issue_access_token(secret: &[u8], user_id: &str, session_id: &str, ttl_secs: i64) -> anyhow::Result<String> {
    let now = chrono::Utc::now().timestamp();
    let claims =
        Claims { sub: user_id.into(), sid: session_id.into(), iat: now, exp: now + ttl_secs, iss: ISSUER.into() };
    Ok(encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret))?)
}

/// Verifies signature, algorithm, issuer and expiry (no leeway).
pub fn verify_access_token(secret: &[u8], token: &str) -> Option<Claims> {
    let mut v = Validation::new(Algorithm::HS256);
    v.set_issuer(&[ISSUER]);
    v.leeway = 0;
    decode::<Claims>(token, &DecodingKey::from_secret(secret), &v).ok().map(|d| d.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_with_their_secret_and_before_expiry() {
        let t = issue_access_token(b"k1", "u", "s", 60).unwrap();
        assert_eq!(verify_access_token(b"k1", &t).unwrap().sub, "u");
        assert!(verify_access_token(b"k2", &t).is_none());
        let expired = issue_access_token(b"k1", "u", "s", -5).unwrap();
        assert!(verify_access_token(b"k1", &expired).is_none());
    }

    #[test]
    fn passwords_verify() {
        let h = hash_password("正确的密码").unwrap();
        assert!(verify_password("正确的密码", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
