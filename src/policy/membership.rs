//! Sharing agreements (rule 4) and group membership. A record distributed to a group reaches
//! every member, so an agency may join a group only if every live record distributed to that
//! group may go to it under its owner's agreements; otherwise the join is refused (422 naming
//! the conflict) rather than leaving the agency a member that is silently kept out of some of
//! the group's records — the Rust and SQL forms of entitlement stay "member ⇒ reads".

use crate::domain::FieldError;

/// The conflicts of letting an agency join a group: `sources` are the distinct (owner
/// agency name, record kind) of the group's live records; `allowed(i)` says whether the
/// agreements let source `i` reach the joining agency.
pub fn join_conflicts(sources: &[(String, String)], allowed: impl Fn(usize) -> bool) -> Option<FieldError> {
    let refused: Vec<String> = sources
        .iter()
        .enumerate()
        .filter(|(i, _)| !allowed(*i))
        .map(|(_, (owner, kind))| format!("{owner}的 {kind}"))
        .collect();
    (!refused.is_empty()).then(|| {
        FieldError::new(
            "agency_id",
            format!("协作意见不允许该单位接收本组中的以下信息,不能加入此组:{}", refused.join("、")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_is_refused_when_any_group_record_may_not_reach_the_agency() {
        let sources = vec![
            ("市信访局".to_string(), "petition".to_string()),
            ("市审计局".to_string(), "audit_report".to_string()),
        ];
        assert!(join_conflicts(&sources, |_| true).is_none());
        let e = join_conflicts(&sources, |i| i == 1).unwrap();
        assert_eq!(e.field, "agency_id");
        assert!(e.message.contains("市信访局的 petition") && !e.message.contains("市审计局"), "{}", e.message);
        assert!(join_conflicts(&[], |_| false).is_none(), "an empty group has nothing to keep");
    }
}
