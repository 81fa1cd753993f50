//! User accounts: a new user as an administrator writes it, checked.

use crate::domain::agency::validate_name;
use crate::domain::ids::AgencyId;
use crate::domain::{FieldError, Role};

/// A new user. Without a password it is an invitation: the user is created inactive and
/// mailed a one-time activation link, so an email is then required.
#[derive(Debug, Clone)]
pub struct UserDraft {
    pub username: String,
    pub display_name: String,
    pub password: Option<String>,
    pub agency_id: AgencyId,
    pub roles: Vec<Role>,
    pub email: Option<String>,
}

impl UserDraft {
    pub fn parse(
        username: String,
        password: Option<String>,
        agency_id: &str,
        roles: Vec<Role>,
        email: Option<String>,
        display_name: Option<String>,
    ) -> Result<UserDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        let ok_name = (3..=64).contains(&username.len())
            && username.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
        if !ok_name {
            errs.push(FieldError::new("username", "用户名须为 3–64 位字母、数字、下划线、点或连字符"));
        }
        if let Some(pw) = &password {
            if !(10..=128).contains(&pw.chars().count()) {
                errs.push(FieldError::new("password", "密码须为 10–128 个字符"));
            }
        }
        let agency = AgencyId::parse(agency_id);
        if agency.is_none() {
            errs.push(FieldError::new("agency_id", "单位编号格式无效"));
        }
        if roles.is_empty() {
            errs.push(FieldError::new("roles", "至少指定一个角色"));
        }
        match &email {
            Some(e) if !is_email(e) => errs.push(FieldError::new("email", "电子邮箱格式无效")),
            None if password.is_none() => errs.push(FieldError::new(
                "email",
                "以邀请方式创建用户(不填 password)须填写电子邮箱,激活链接将发送至该邮箱",
            )),
            _ => {}
        }
        if let Some(d) = &display_name {
            validate_name("display_name", d, &mut errs);
        }
        match agency {
            Some(agency_id) if errs.is_empty() => Ok(UserDraft {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                password,
                agency_id,
                roles,
                email,
            }),
            _ => Err(errs),
        }
    }

    /// An invitation: no password until the user sets one through the link.
    pub fn is_invitation(&self) -> bool {
        self.password.is_none()
    }
}

/// The plain shape of an address: one `@`, a local part, a dotted domain, ≤ 254 bytes.
fn is_email(e: &str) -> bool {
    let parts: Vec<&str> = e.split('@').collect();
    parts.len() == 2 && !parts[0].is_empty() && parts[1].contains('.') && e.len() <= 254
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_needs_an_email_and_every_error_is_reported() {
        let errs =
            UserDraft::parse("x".into(), Some("short".into()), "bad", vec![], None, Some(" ".into())).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["username", "password", "agency_id", "roles", "display_name"]);
        let errs =
            UserDraft::parse("zhang.san".into(), None, &crate::domain::new_id(), vec![Role::Liaison], None, None)
                .unwrap_err();
        assert_eq!(errs[0].field, "email");
        let d = UserDraft::parse(
            "zhang.san".into(),
            None,
            &crate::domain::new_id(),
            vec![Role::Liaison],
            Some("z@example.cn".into()),
            None,
        )
        .unwrap();
        assert!(d.is_invitation());
        assert_eq!(d.display_name, "zhang.san");
    }
}
