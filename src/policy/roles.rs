//! What each role may do at all (rule 1: `admin` administers and reads no content), and
//! whose users, audit entries and statistics a caller may list.

use crate::domain::Role;
use crate::error::AppError;
use crate::policy::Principal;

pub(crate) const CONTENT_READ_ROLES: [Role; 4] = [Role::AgencyAdmin, Role::Liaison, Role::Reviewer, Role::Viewer];

const CONTENT_WRITE_ROLES: [Role; 2] = [Role::AgencyAdmin, Role::Liaison];

/// Hub administration (agencies, users, groups, agreements): the `admin` role only.
pub fn require_admin(p: &Principal) -> Result<(), AppError> {
    if p.has(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden("此操作需要平台管理员权限".into()))
    }
}

/// Reading content needs a content role; `admin` alone is not one (rule 1).
pub fn require_content_reader(p: &Principal) -> Result<(), AppError> {
    if CONTENT_READ_ROLES.iter().any(|r| p.has(*r)) {
        Ok(())
    } else {
        Err(AppError::Forbidden("平台管理员只负责管理,不能查阅成员单位的业务信息".into()))
    }
}

/// Publishing and changing content, subscriptions and inbox state.
pub fn require_content_writer(p: &Principal) -> Result<(), AppError> {
    if CONTENT_WRITE_ROLES.iter().any(|r| p.has(*r)) {
        Ok(())
    } else {
        Err(AppError::Forbidden("需要联络员或单位管理员权限".into()))
    }
}

/// Managing an agency's users (listing them): the hub admin, or that agency's own admin.
/// Credentials themselves (keys, passwords) are decided in `credentials`.
pub fn require_agency_manager(p: &Principal, agency_id: &str) -> Result<(), AppError> {
    if p.has(Role::Admin) || (p.has(Role::AgencyAdmin) && p.agency_id == agency_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有平台管理员或本单位管理员可以管理该单位的用户".into()))
    }
}

/// Managing webhook endpoints (and reading their delivery logs): an agency's own admin, for
/// its own agency only. Not the hub admin: an endpoint receives the agency's content, and
/// the hub admin never routes content anywhere (rule 1).
pub fn require_webhook_manager(p: &Principal) -> Result<&str, AppError> {
    if p.has(Role::AgencyAdmin) {
        Ok(&p.agency_id)
    } else if p.has(Role::Admin) {
        Err(AppError::Forbidden("回调地址接收成员单位的业务信息,只能由该单位的管理员设置;平台管理员不能设置".into()))
    } else {
        Err(AppError::Forbidden("只有本单位管理员可以管理回调地址".into()))
    }
}

/// Which users a user list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserList {
    /// Every agency's users.
    All,
    /// One agency's users.
    Agency(String),
    /// None: an agency admin asked for another agency's users.
    Nothing,
}

/// Whose users a principal may list, given the agency it asks for (`wanted`): any agency's
/// for the hub admin; its own agency's for an agency admin, whatever it asks for (another
/// agency's list is empty to it).
pub fn user_list_scope(p: &Principal, wanted: Option<&str>) -> Result<UserList, AppError> {
    if p.has(Role::Admin) {
        return Ok(wanted.map_or(UserList::All, |a| UserList::Agency(a.to_string())));
    }
    require_agency_manager(p, &p.agency_id)?;
    Ok(match wanted {
        Some(a) if a != p.agency_id => UserList::Nothing,
        _ => UserList::Agency(p.agency_id.clone()),
    })
}

/// Which part of the audit log a principal may list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditScope {
    All,
    Agency(String),
}

/// The hub admin reads the whole audit log (it holds no content); an agency's admin or
/// reviewer reads the entries of its own agency's actors.
pub fn audit_scope(p: &Principal) -> Result<AuditScope, AppError> {
    if p.has(Role::Admin) {
        Ok(AuditScope::All)
    } else if p.has(Role::AgencyAdmin) || p.has(Role::Reviewer) {
        Ok(AuditScope::Agency(p.agency_id.clone()))
    } else {
        Err(AppError::Forbidden("查阅审计日志需要平台管理员、单位管理员或审核员权限".into()))
    }
}

/// Whose clue statistics a principal may read: its own agency's by default; the hub admin
/// may read any agency's counts (counts only, no content) for the joint meeting's reports.
pub fn stats_scope(p: &Principal, requested: Option<&str>) -> Result<String, AppError> {
    match requested {
        None if p.has(Role::Admin) => {
            Err(AppError::validation("agency_id", "平台管理员须指定 agency_id,或使用按单位汇总的统计"))
        }
        None => {
            require_content_reader(p)?;
            Ok(p.agency_id.clone())
        }
        Some(a) if p.has(Role::Admin) || a == p.agency_id => Ok(a.to_string()),
        Some(_) => Err(AppError::Forbidden("只能查看本单位的线索统计".into())),
    }
}

/// Mail preferences belong to a person: a logged-in user, not an agency system's API key.
pub fn require_user(p: &Principal) -> Result<&str, AppError> {
    p.user_id
        .as_deref()
        .ok_or_else(|| AppError::Forbidden("邮件设置属于个人用户;单位系统的接入密钥没有邮件设置".into()))
}

#[cfg(test)]
mod tests {
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
    fn what_each_role_may_do() {
        use Role::*;
        // (roles, admin, reads content, writes content, manages webhooks, audit scope)
        type Case = (&'static [Role], bool, bool, bool, bool, Option<AuditScope>);
        let own = || Some(AuditScope::Agency("a".into()));
        let table: Vec<Case> = vec![
            (&[Admin], true, false, false, false, Some(AuditScope::All)),
            (&[AgencyAdmin], false, true, true, true, own()),
            (&[Liaison], false, true, true, false, None),
            (&[Reviewer], false, true, false, false, own()),
            (&[Viewer], false, true, false, false, None),
            (&[], false, false, false, false, None),
        ];
        for (roles, admin, reads, writes, hooks, audit) in table {
            let p = principal("a", roles);
            assert_eq!(require_admin(&p).is_ok(), admin, "{roles:?}");
            assert_eq!(require_content_reader(&p).is_ok(), reads, "{roles:?}");
            assert_eq!(require_content_writer(&p).is_ok(), writes, "{roles:?}");
            assert_eq!(require_webhook_manager(&p).ok(), hooks.then_some("a"), "{roles:?}");
            assert_eq!(audit_scope(&p).ok(), audit, "{roles:?}");
        }
    }

    #[test]
    fn users_and_statistics_are_scoped_to_the_own_agency() {
        let admin = principal("hub", &[Role::Admin]);
        let unit_admin = principal("a", &[Role::AgencyAdmin]);
        let liaison = principal("a", &[Role::Liaison]);
        assert_eq!(user_list_scope(&admin, None).unwrap(), UserList::All);
        assert_eq!(user_list_scope(&admin, Some("b")).unwrap(), UserList::Agency("b".into()));
        assert_eq!(user_list_scope(&unit_admin, None).unwrap(), UserList::Agency("a".into()));
        assert_eq!(user_list_scope(&unit_admin, Some("a")).unwrap(), UserList::Agency("a".into()));
        assert_eq!(user_list_scope(&unit_admin, Some("b")).unwrap(), UserList::Nothing);
        assert!(user_list_scope(&liaison, None).is_err());
        assert!(require_agency_manager(&unit_admin, "a").is_ok());
        assert!(require_agency_manager(&unit_admin, "b").is_err());
        assert!(require_agency_manager(&admin, "b").is_ok());
        // Statistics: the own agency's; any agency's counts for the hub admin, who must name one.
        assert_eq!(stats_scope(&liaison, None).unwrap(), "a");
        assert_eq!(stats_scope(&liaison, Some("a")).unwrap(), "a");
        assert!(stats_scope(&liaison, Some("b")).is_err());
        assert!(stats_scope(&admin, None).is_err());
        assert_eq!(stats_scope(&admin, Some("b")).unwrap(), "b");
        // Mail settings belong to people, not to API keys.
        assert!(require_user(&liaison).is_ok());
        let key = Principal { user_id: None, api_key_id: Some("k".into()), ..liaison };
        assert!(require_user(&key).is_err());
    }
}
