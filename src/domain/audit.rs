//! The audit log's hash chain (rule 7): each entry's hash covers its own fields and the
//! previous entry's hash, so editing or deleting any entry breaks verification from there on.

use serde::Serialize;
use sha2::{Digest, Sha256};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields an audit entry's hash covers, in a fixed order.
#[derive(Debug, Clone, Serialize)]
pub struct AuditFields<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor_user_id: Option<&'a str>,
    pub actor_agency_id: Option<&'a str>,
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: Option<&'a str>,
    pub purpose: Option<&'a str>,
    pub detail: &'a str,
}

pub fn entry_hash(prev_hash: &str, fields: &AuditFields<'_>) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(fields).expect("audit fields serialise"));
    hex::encode(h.finalize())
}

/// Where a chain first goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// An entry's sequence number is not the one expected (an entry before it was deleted).
    Gap { expected: i64, found: i64 },
    /// An entry's stored previous hash is not the previous entry's hash.
    PrevMismatch { seq: i64 },
    /// An entry's content no longer matches its hash (it was edited).
    HashMismatch { seq: i64 },
    /// The chain ends before the recorded head (trailing entries were deleted).
    Truncated { head_seq: i64, last_seq: i64 },
    /// The head's hash is not the last entry's hash.
    HeadMismatch { seq: i64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Gap { expected, found } => {
                write!(f, "审计日志第 {expected} 条缺失(下一条为第 {found} 条):条目被删除")
            }
            ChainBreak::PrevMismatch { seq } => {
                write!(f, "审计日志第 {seq} 条的前序哈希不符:链条被篡改")
            }
            ChainBreak::HashMismatch { seq } => {
                write!(f, "审计日志第 {seq} 条内容与哈希不符:条目被修改")
            }
            ChainBreak::Truncated { head_seq, last_seq } => {
                write!(f, "审计日志应有 {head_seq} 条,实际只到第 {last_seq} 条:第 {} 条起被删除", last_seq + 1)
            }
            ChainBreak::HeadMismatch { seq } => {
                write!(f, "审计日志第 {seq} 条与链头记录不符:条目被修改")
            }
        }
    }
}

/// Incremental verifier: feed entries in sequence order, then `finish` with the head.
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { expected_seq: 1, prev_hash: GENESIS_HASH.to_string() }
    }
}

impl ChainVerifier {
    pub fn check(&mut self, fields: &AuditFields<'_>, stored_prev: &str, stored_hash: &str) -> Result<(), ChainBreak> {
        if fields.seq != self.expected_seq {
            return Err(ChainBreak::Gap { expected: self.expected_seq, found: fields.seq });
        }
        if stored_prev != self.prev_hash {
            return Err(ChainBreak::PrevMismatch { seq: fields.seq });
        }
        if entry_hash(stored_prev, fields) != stored_hash {
            return Err(ChainBreak::HashMismatch { seq: fields.seq });
        }
        self.prev_hash = stored_hash.to_string();
        self.expected_seq += 1;
        Ok(())
    }

    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let last = self.expected_seq - 1;
        if last != head_seq {
            return Err(ChainBreak::Truncated { head_seq, last_seq: last });
        }
        if head_hash != self.prev_hash {
            return Err(ChainBreak::HeadMismatch { seq: last });
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<(String, String, String)> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let detail = format!("{{\"n\":{seq}}}");
                let f = AuditFields {
                    seq,
                    at: "t",
                    actor_user_id: None,
                    actor_agency_id: None,
                    action: "a",
                    resource_type: "r",
                    resource_id: None,
                    purpose: None,
                    detail: &detail,
                };
                let h = entry_hash(&prev, &f);
                let out = (detail.clone(), prev.clone(), h.clone());
                prev = h;
                out
            })
            .collect()
    }

    fn verify(entries: &[(i64, String, String, String)], head: (i64, &str)) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for (seq, detail, prev, hash) in entries {
            let f = AuditFields {
                seq: *seq,
                at: "t",
                actor_user_id: None,
                actor_agency_id: None,
                action: "a",
                resource_type: "r",
                resource_id: None,
                purpose: None,
                detail,
            };
            v.check(&f, prev, hash)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn intact_chain_verifies_and_each_tampering_is_named() {
        let c = chain(5);
        let entries: Vec<_> =
            c.iter().enumerate().map(|(i, (d, p, h))| (i as i64 + 1, d.clone(), p.clone(), h.clone())).collect();
        let head = entries.last().unwrap().3.clone();
        assert_eq!(verify(&entries, (5, &head)), Ok(5));

        let mut edited = entries.clone();
        edited[2].1 = "{\"n\":99}".into();
        assert_eq!(verify(&edited, (5, &head)), Err(ChainBreak::HashMismatch { seq: 3 }));

        let mut deleted = entries.clone();
        deleted.remove(1);
        assert_eq!(verify(&deleted, (5, &head)), Err(ChainBreak::Gap { expected: 2, found: 3 }));

        let truncated = entries[..4].to_vec();
        assert_eq!(verify(&truncated, (5, &head)), Err(ChainBreak::Truncated { head_seq: 5, last_seq: 4 }));
    }
}
