//! Email to people: who in an agency is mailed about an event, and what a mail may name.

use crate::domain::Role;
use crate::policy::roles::CONTENT_READ_ROLES;
use crate::policy::{needs_purpose, AccessFacts};

/// Who in an agency is mailed about an event: for a disabled webhook endpoint, the agency's
/// admins (they manage endpoints); for everything else, users with a content role (the hub
/// `admin` role reads no content, rule 1, so it gets no mail about content either).
pub fn receives_mail(roles: &[Role], mail_type: &str) -> bool {
    if mail_type == "webhook.disabled" {
        roles.contains(&Role::AgencyAdmin)
    } else {
        CONTENT_READ_ROLES.iter().any(|r| roles.contains(r))
    }
}

/// What a mail may say about a record the recipient agency can read: mails are built from
/// titles, categories, deadlines, unit names and outcomes only — never body, attributes or
/// protected fields. A restricted record's title and free text stay out too: its content is
/// read only with a stated purpose, which a mail cannot ask for.
pub fn mail_may_name_record(r: &AccessFacts) -> bool {
    !needs_purpose(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_is_mailed() {
        use Role::*;
        // (roles, transfer mail, endpoint-disabled mail)
        let table: [(&[Role], bool, bool); 5] = [
            (&[Admin], false, false),
            (&[AgencyAdmin], true, true),
            (&[Liaison], true, false),
            (&[Viewer], true, false),
            (&[], false, false),
        ];
        for (roles, transfer, disabled) in table {
            assert_eq!(receives_mail(roles, "transfer.created"), transfer, "{roles:?}");
            assert_eq!(receives_mail(roles, "webhook.disabled"), disabled, "{roles:?}");
        }
    }

    #[test]
    fn a_mail_names_no_restricted_record() {
        use crate::domain::record::{DistributionLevel, Sensitivity};
        for (sensitivity, named) in
            [(Sensitivity::General, true), (Sensitivity::Sensitive, true), (Sensitivity::Restricted, false)]
        {
            let facts = AccessFacts {
                owner_agency_id: "o".into(),
                level: Some(DistributionLevel::All),
                group_id: None,
                recipients: vec![],
                grants: vec![],
                read_grants: vec![],
                field_grants: vec![],
                sensitivity: Some(sensitivity),
                withdrawn: false,
                from_public_channel: false,
            };
            assert_eq!(mail_may_name_record(&facts), named, "{sensitivity:?}");
        }
    }
}
