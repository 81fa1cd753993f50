//! Every path to a credential (DESIGN.md, "How the rules reach the corners"): who creates
//! accounts and API keys, who may choose a password, which roles the hub (operator) agency
//! holds, and how failed logins are throttled. Rule 1 must hold through all of them: the hub
//! `admin` never obtains a credential that reads content — no API key, no password it chose
//! or learned for an account with a content role.

use std::net::IpAddr;

use crate::domain::agency::AgencyKind;
use crate::domain::Role;
use crate::error::{AppError, FieldError};
use crate::policy::Principal;

/// The hub (operator) agency holds only the `admin` role and receives no records.
pub fn is_hub(agency_kind: &str) -> bool {
    agency_kind == AgencyKind::Hub.as_str()
}

/// An inspected unit's account (被巡察单位): it acts on its own feedback, rectification plan
/// and ledger items only, and receives no records.
pub fn is_inspected_unit(agency_kind: &str) -> bool {
    agency_kind == AgencyKind::InspectedUnit.as_str()
}

/// Whether an agency of this kind may be a recipient of records (distribution, groups,
/// transfers, deliberations, `all`): not the hub, not an inspected unit's account.
pub fn receives_records(agency_kind: &str) -> bool {
    !is_hub(agency_kind) && !is_inspected_unit(agency_kind)
}

/// The role of the first account of a unit, the one the hub admin invites: the unit's
/// admin, or for an inspected unit its one rectification contact (`inspected`).
pub fn first_account_role(agency_kind: &str) -> Role {
    if is_inspected_unit(agency_kind) {
        Role::Inspected
    } else {
        Role::AgencyAdmin
    }
}

/// The message for naming the hub agency as a recipient.
pub const HUB_RECEIVES_NOTHING: &str = "平台运维单位只负责管理,不接收业务信息";

fn has_content_role(roles: &[Role]) -> bool {
    roles.iter().any(|r| *r != Role::Admin)
}

/// Creating a user (who may; the agency's kind is checked by `check_roles_for_agency`):
/// - the hub admin invites (no `password`): it never sets the password of an account with
///   a content role; it may set one for a fellow hub administrator (admin role only);
/// - an agency's admin creates its own unit's users, with a password or by invitation, and
///   never grants the hub `admin` role;
/// - nobody else.
pub fn require_user_creator(
    p: &Principal,
    agency_id: &str,
    roles: &[Role],
    with_password: bool,
) -> Result<(), AppError> {
    if p.has(Role::Admin) {
        if with_password && has_content_role(roles) {
            return Err(AppError::Forbidden(
                "平台管理员不能为具有业务角色的账号设置密码:请不填 password,以邀请方式创建,激活链接将发送至用户的电子邮箱,由本人设置密码"
                    .into(),
            ));
        }
        return Ok(());
    }
    if p.has(Role::AgencyAdmin) && p.agency_id == agency_id {
        if roles.contains(&Role::Admin) {
            return Err(AppError::Forbidden("只有平台管理员可以授予平台管理员角色".into()));
        }
        return Ok(());
    }
    Err(AppError::Forbidden("只有平台管理员或本单位管理员可以为该单位创建用户".into()))
}

/// What the hub admin may create (after `require_user_creator`): a fellow hub
/// administrator, or — by invitation — the *first* agency admin of a unit that has none.
/// From then on the unit's own admin creates its users: an invitation goes to an email the
/// inviter chooses, so the hub admin must not be able to invite readers into a running unit.
///
/// An inspected unit has exactly one account, with the `inspected` role: `unit_has_agency_admin`
/// then means that account exists.
pub fn check_hub_invitation(agency_kind: &str, roles: &[Role], unit_has_agency_admin: bool) -> Result<(), AppError> {
    if is_hub(agency_kind) {
        return Ok(());
    }
    if is_inspected_unit(agency_kind) && roles != [Role::Inspected] {
        return Err(AppError::Forbidden("被巡察单位只有一个账号,角色仅为 inspected(被巡察单位整改联络人)".into()));
    }
    if roles != [first_account_role(agency_kind)] {
        return Err(AppError::Forbidden(
            "平台管理员只能邀请成员单位的首位单位管理员(角色仅为 agency_admin);其他用户由该单位的管理员创建".into(),
        ));
    }
    if unit_has_agency_admin {
        return Err(AppError::Forbidden(
            "该单位已有单位管理员(或已邀请):其用户由该单位的管理员创建;如邀请未收到,可重新发送激活链接".into(),
        ));
    }
    Ok(())
}

/// The roles an agency system's API key may hold: never `admin` (a key acts for its agency's
/// systems; hub administration is a person's, with a password).
pub fn check_key_roles(roles: &[Role]) -> Vec<FieldError> {
    if roles.contains(&Role::Admin) {
        vec![FieldError::new("roles", "接入密钥不能拥有平台管理员角色")]
    } else {
        vec![]
    }
}

/// The roles an account of an agency of `agency_kind` may hold: the hub agency's users the
/// `admin` role only; other agencies' users content roles only (an admin who also held a
/// content role in a member unit would read content through the back door).
pub fn check_roles_for_agency(agency_kind: &str, roles: &[Role]) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if is_hub(agency_kind) {
        if has_content_role(roles) {
            errs.push(FieldError::new("roles", "平台运维单位的用户只能拥有平台管理员(admin)角色"));
        }
    } else if roles.contains(&Role::Admin) {
        errs.push(FieldError::new("roles", "平台管理员(admin)角色只能授予平台运维单位的用户"));
    } else if is_inspected_unit(agency_kind) != roles.contains(&Role::Inspected)
        || (is_inspected_unit(agency_kind) && roles.len() != 1)
    {
        errs.push(FieldError::new("roles", "被巡察单位的账号只能拥有 inspected 角色,且该角色只能授予被巡察单位的账号"));
    }
    errs
}

/// Issuing an API key: the agency's own admin only. A key reads its agency's content, so
/// the hub admin issues none (rule 1).
pub fn require_key_issuer(p: &Principal, agency_id: &str) -> Result<(), AppError> {
    if p.has(Role::AgencyAdmin) && p.agency_id == agency_id {
        Ok(())
    } else if p.has(Role::Admin) {
        Err(AppError::Forbidden(
            "平台管理员不能签发接入密钥:接入密钥可查阅该单位的业务信息,须由该单位的管理员签发".into(),
        ))
    } else {
        Err(AppError::Forbidden("只有本单位管理员可以签发本单位的接入密钥".into()))
    }
}

/// Listing (never the keys themselves) and revoking an agency's keys: the hub admin (it
/// can cut off a leaked key; revoking grants no access) or the agency's own admin.
pub fn require_key_keeper(p: &Principal, agency_id: &str) -> Result<(), AppError> {
    if p.has(Role::Admin) || (p.has(Role::AgencyAdmin) && p.agency_id == agency_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有平台管理员或本单位管理员可以管理该单位的接入密钥".into()))
    }
}

/// Sending a user a fresh one-time link (activation or password reset) to their own email:
/// the hub admin or the user's agency admin. The link goes to the user only; the sender
/// never sees it.
pub fn require_link_sender(p: &Principal, user_agency_id: &str) -> Result<(), AppError> {
    if p.has(Role::Admin) || (p.has(Role::AgencyAdmin) && p.agency_id == user_agency_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有平台管理员或本单位管理员可以为该用户发送重设密码链接".into()))
    }
}

// ---- Password guessing -------------------------------------------------------------------

/// Back-off after failed logins: `free` failures in a row cost nothing; from then on each
/// failure locks the key for `base_secs`, doubling per further failure, capped at `max_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: i64,
    pub base_secs: i64,
    pub max_secs: i64,
}

impl Backoff {
    /// How long the key is locked after its `failures`-th failure in a row (`None`: not).
    pub fn lock_secs(&self, failures: i64) -> Option<i64> {
        if failures < self.free.max(1) {
            return None;
        }
        let doublings = (failures - self.free.max(1)).min(30) as u32;
        Some(self.base_secs.max(1).saturating_mul(1i64 << doublings).min(self.max_secs.max(1)))
    }
}

/// The address a login is counted against: the peer, or — only when the peer is a trusted
/// proxy — the last `X-Forwarded-For` entry that is not itself a trusted proxy (entries left
/// of it are the client's own claims and may be forged).
pub fn client_address(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let Some(xff) = forwarded_for else { return Some(peer) };
    let hops: Vec<Option<IpAddr>> = xff.split(',').map(|h| h.trim().parse().ok()).collect();
    for hop in hops.into_iter().rev() {
        match hop {
            Some(ip) if trusted.contains(&ip) => continue,
            Some(ip) => return Some(ip),
            // Unparsable: stop trusting the chain here.
            None => return Some(peer),
        }
    }
    Some(peer)
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_never_hold_the_admin_role() {
        use crate::domain::Role::*;
        for (roles, ok) in
            [(vec![Liaison], true), (vec![Viewer, Reviewer], true), (vec![Admin], false), (vec![Liaison, Admin], false)]
        {
            assert_eq!(super::check_key_roles(&roles).is_empty(), ok, "{roles:?}");
        }
    }

    use super::*;

    fn principal(agency: &str, roles: &[Role]) -> Principal {
        Principal {
            user_id: Some("u".into()),
            api_key_id: None,
            username: "u".into(),
            agency_id: agency.into(),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn who_creates_which_user() {
        use Role::*;
        // (caller agency, caller roles, target agency, new roles, with password, allowed)
        type Case<'a> = (&'a str, &'a [Role], &'a str, &'a [Role], bool, bool);
        let cases: &[Case] = &[
            ("hub", &[Admin], "jw", &[AgencyAdmin], false, true),
            ("hub", &[Admin], "jw", &[AgencyAdmin], true, false),
            ("hub", &[Admin], "jw", &[Liaison], true, false),
            ("hub", &[Admin], "jw", &[Viewer], false, true),
            ("hub", &[Admin], "hub", &[Admin], true, true),
            ("hub", &[Admin], "hub", &[Admin, Liaison], true, false),
            ("jw", &[AgencyAdmin], "jw", &[Liaison], true, true),
            ("jw", &[AgencyAdmin], "jw", &[Liaison], false, true),
            ("jw", &[AgencyAdmin], "jw", &[Admin], false, false),
            ("jw", &[AgencyAdmin], "sj", &[Liaison], true, false),
            ("jw", &[AgencyAdmin], "sj", &[Liaison], false, false),
            ("jw", &[Liaison], "jw", &[Liaison], true, false),
            ("jw", &[Reviewer, Viewer], "jw", &[Viewer], false, false),
        ];
        for (i, (ca, cr, ta, nr, pw, ok)) in cases.iter().enumerate() {
            let r = require_user_creator(&principal(ca, cr), ta, nr, *pw);
            assert_eq!(r.is_ok(), *ok, "case {i}: {r:?}");
            if let Err(e) = r {
                assert!(matches!(e, AppError::Forbidden(_)), "case {i}");
            }
        }
    }

    #[test]
    fn the_hub_admin_invites_only_a_units_first_agency_admin() {
        use Role::*;
        // (agency kind, roles, unit already has an agency admin, allowed)
        let cases: &[(&str, &[Role], bool, bool)] = &[
            ("discipline", &[AgencyAdmin], false, true),
            ("discipline", &[AgencyAdmin], true, false),
            ("discipline", &[Liaison], false, false),
            ("discipline", &[AgencyAdmin, Liaison], false, false),
            ("discipline", &[Viewer], true, false),
            ("hub", &[Admin], true, true),
        ];
        for (kind, roles, has, ok) in cases {
            assert_eq!(check_hub_invitation(kind, roles, *has).is_ok(), *ok, "{kind} {roles:?} {has}");
        }
    }

    #[test]
    fn hub_users_hold_only_admin_and_admin_only_in_the_hub() {
        use Role::*;
        let cases: &[(&str, &[Role], bool)] = &[
            ("hub", &[Admin], true),
            ("hub", &[Liaison], false),
            ("hub", &[Admin, Viewer], false),
            ("hub", &[AgencyAdmin], false),
            ("discipline", &[AgencyAdmin, Liaison], true),
            ("discipline", &[Admin], false),
            ("audit", &[Admin, Liaison], false),
        ];
        for (kind, roles, ok) in cases {
            assert_eq!(check_roles_for_agency(kind, roles).is_empty(), *ok, "{kind} {roles:?}");
        }
        assert!(!receives_records("hub"));
        assert!(receives_records("discipline"));
    }

    #[test]
    fn only_the_agency_admin_issues_keys() {
        use Role::*;
        let cases: &[(&str, &[Role], &str, bool, bool)] = &[
            // (caller agency, roles, key agency, may issue, may list/revoke)
            ("jw", &[AgencyAdmin], "jw", true, true),
            ("jw", &[AgencyAdmin], "sj", false, false),
            ("jw", &[Liaison], "jw", false, false),
            ("hub", &[Admin], "jw", false, true),
            ("hub", &[Admin], "hub", false, true),
        ];
        for (ca, roles, ka, issue, keep) in cases {
            let p = principal(ca, roles);
            assert_eq!(require_key_issuer(&p, ka).is_ok(), *issue, "{ca} {roles:?} {ka}");
            assert_eq!(require_key_keeper(&p, ka).is_ok(), *keep, "{ca} {roles:?} {ka}");
        }
        assert!(require_link_sender(&principal("hub", &[Admin]), "jw").is_ok());
        assert!(require_link_sender(&principal("jw", &[AgencyAdmin]), "jw").is_ok());
        assert!(require_link_sender(&principal("jw", &[AgencyAdmin]), "sj").is_err());
        assert!(require_link_sender(&principal("jw", &[Liaison]), "jw").is_err());
    }

    #[test]
    fn backoff_is_free_then_doubles_to_the_cap() {
        let b = Backoff { free: 5, base_secs: 30, max_secs: 900 };
        let cases =
            [(1, None), (4, None), (5, Some(30)), (6, Some(60)), (7, Some(120)), (9, Some(480)), (10, Some(900))];
        for (n, want) in cases {
            assert_eq!(b.lock_secs(n), want, "failure {n}");
        }
        assert_eq!(b.lock_secs(10_000), Some(900), "no overflow");
        let zero = Backoff { free: 0, base_secs: 0, max_secs: 0 };
        assert_eq!(zero.lock_secs(1), Some(1), "degenerate settings still lock");
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxy = [ip("10.0.0.1")];
        let cases: &[(&str, Option<&str>, &[IpAddr], &str)] = &[
            ("203.0.113.9", Some("1.2.3.4"), &[], "203.0.113.9"),
            ("203.0.113.9", Some("1.2.3.4"), &proxy, "203.0.113.9"),
            ("10.0.0.1", Some("1.2.3.4"), &proxy, "1.2.3.4"),
            ("10.0.0.1", Some("6.6.6.6, 1.2.3.4"), &proxy, "1.2.3.4"),
            ("10.0.0.1", Some("1.2.3.4, 10.0.0.1"), &proxy, "1.2.3.4"),
            ("10.0.0.1", Some("junk"), &proxy, "10.0.0.1"),
            ("10.0.0.1", None, &proxy, "10.0.0.1"),
        ];
        for (peer, xff, trusted, want) in cases {
            assert_eq!(client_address(Some(ip(peer)), *xff, trusted), Some(ip(want)), "{peer} {xff:?}");
        }
        assert_eq!(client_address(None, Some("1.2.3.4"), &proxy), None);
    }
}
