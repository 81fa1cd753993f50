//! The proof-of-work challenge of the public forms (ALTCHA, PoW v2, through the `altcha`
//! crate): no third-party service, no tracking. The hub signs a challenge bound to one
//! channel and one kind of submission, valid for a while; the reporter's browser searches
//! for the counter (PBKDF2-SHA-256, `cost` iterations a try, up to `max_counter` tries: about
//! a second on a phone); the hub checks it with one derivation and spends it, so that one
//! solution carries one submission. Flooding then costs the flooder CPU for every report,
//! on top of the rate limits.

use std::collections::BTreeMap;

use diesel::prelude::*;
use hmac::{Hmac, Mac};
use rand::Rng;
use serde::Deserialize;
use sha2::Sha256;

use crate::db::schema::public_challenges_spent as spent;
use crate::db::DbConnection;
use crate::domain::format_time;
use crate::error::{AppError, AppResult, FieldError};

/// What a challenge costs and how long it lives.
#[derive(Debug, Clone)]
pub struct ChallengeRules {
    /// The key challenges are signed with (derived from the hub's secret).
    pub secret: String,
    /// PBKDF2 iterations of one try.
    pub cost: u32,
    /// The counter is drawn from `max_counter / 4 ..= max_counter`.
    pub max_counter: u32,
    /// Seconds a challenge stays valid (time to fill in the form).
    pub ttl_secs: u64,
}

/// What a form submits: the challenge as it was given, and the counter found.
#[derive(Debug, Deserialize)]
struct Submitted {
    challenge: altcha::Challenge,
    solution: altcha::Solution,
}

/// A key for one purpose, derived from the hub's secret (a domain-separated HMAC).
pub fn derive_key(hub_secret: &str, purpose: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(hub_secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(b"guantong/public/");
    mac.update(purpose.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A new challenge for a submission of `kind` (`report`, `addition`) on channel `scope`,
/// as the JSON the page's script solves.
pub fn issue(rules: &ChallengeRules, kind: &str, scope: &str) -> AppResult<String> {
    let max = rules.max_counter.max(4);
    let counter = rand::thread_rng().gen_range(max / 4..=max);
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() + rules.ttl_secs)
        .unwrap_or(0);
    let mut data = BTreeMap::new();
    data.insert("kind".to_string(), serde_json::Value::from(kind));
    data.insert("scope".to_string(), serde_json::Value::from(scope));
    let challenge = altcha::create_challenge(altcha::CreateChallengeOptions {
        algorithm: "PBKDF2/SHA-256".into(),
        cost: rules.cost.max(1),
        counter: Some(counter),
        data: Some(data),
        expires_at: Some(expires as i64),
        hmac_signature_secret: Some(rules.secret.clone()),
        ..Default::default()
    })
    .map_err(|e| AppError::Internal(anyhow::anyhow!("生成验证题失败:{e}")))?;
    Ok(serde_json::to_string(&challenge).map_err(anyhow::Error::from)?)
}

fn refused(message: &str) -> AppError {
    AppError::Validation(vec![FieldError::new("challenge", message)])
}

/// A verified solution, to be spent in the transaction that takes the submission.
#[derive(Debug, Clone)]
pub struct Verified {
    nonce: String,
    expires_at: String,
}

/// Checks a submitted solution for `kind` on `scope` (no database: before any transaction).
/// Any failure is a 422 on the field `challenge`, in words a reporter understands.
pub fn verify(rules: &ChallengeRules, kind: &str, scope: &str, submitted: &str) -> AppResult<Verified> {
    let s: Submitted = serde_json::from_str(submitted)
        .map_err(|_| refused("安全验证未完成:请等待页面显示“验证完成”后再提交(需开启浏览器脚本)"))?;
    let data = s.challenge.parameters.data.clone().unwrap_or_default();
    let bound = data.get("kind").and_then(|v| v.as_str()) == Some(kind)
        && data.get("scope").and_then(|v| v.as_str()) == Some(scope);
    if !bound || s.challenge.parameters.algorithm != "PBKDF2/SHA-256" {
        return Err(refused("安全验证无效,请刷新页面后重新提交"));
    }
    let verified =
        altcha::verify_solution(altcha::VerifySolutionOptions::new(&s.challenge, &s.solution, &rules.secret))
            .map_err(|_| refused("安全验证无效,请刷新页面后重新提交"))?;
    if verified.expired {
        return Err(refused("页面停留时间过长,安全验证已过期:请重新完成验证后提交"));
    }
    if !verified.verified {
        return Err(refused("安全验证无效,请刷新页面后重新提交"));
    }
    let expires = s.challenge.parameters.expires_at.unwrap_or(0);
    let expires_at = chrono::DateTime::from_timestamp(expires, 0).map(format_time).unwrap_or_default();
    Ok(Verified { nonce: s.challenge.parameters.nonce, expires_at })
}

/// Spends a verified solution (in the caller's transaction: a submission refused later
/// leaves it unspent); one already spent is refused.
pub fn spend(conn: &mut DbConnection, v: &Verified) -> AppResult<()> {
    let now = crate::domain::now();
    // Spent challenges are kept until they expire; the expired ones go as new ones come.
    diesel::delete(spent::table.filter(spent::expires_at.lt(&now))).execute(conn)?;
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(spent::table)
            .values((spent::nonce.eq(&v.nonce), spent::expires_at.eq(&v.expires_at)))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(()),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            Err(refused("该安全验证已经用过:请刷新页面后重新提交"))
        }
        Err(e) => Err(e.into()),
    }
}

/// Solves a challenge as a reporter's browser would (tests, the load bench): the JSON a
/// form submits.
pub fn solve(challenge_json: &str) -> Option<String> {
    let challenge: altcha::Challenge = serde_json::from_str(challenge_json).ok()?;
    let solution = altcha::solve_challenge(altcha::SolveChallengeOptions::new(&challenge)).ok()??;
    serde_json::to_string(&serde_json::json!({"challenge": challenge, "solution": solution})).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> ChallengeRules {
        ChallengeRules {
            secret: derive_key("hub secret of tests", "challenge"),
            cost: 10,
            max_counter: 40,
            ttl_secs: 60,
        }
    }

    #[test]
    fn a_solved_challenge_verifies_for_its_kind_and_scope_only() {
        let r = rules();
        let c = issue(&r, "report", "chan-a").unwrap();
        let solved = solve(&c).expect("solvable");
        let s: Submitted = serde_json::from_str(&solved).unwrap();
        assert!(
            altcha::verify_solution(altcha::VerifySolutionOptions::new(&s.challenge, &s.solution, &r.secret))
                .unwrap()
                .verified
        );
        let other = ChallengeRules { secret: derive_key("another hub", "challenge"), ..rules() };
        assert!(
            !altcha::verify_solution(altcha::VerifySolutionOptions::new(&s.challenge, &s.solution, &other.secret))
                .unwrap()
                .verified
        );
        assert_ne!(derive_key("k", "challenge"), derive_key("k", "address"));
    }
}
