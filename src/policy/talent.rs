//! Who sees and changes the talent pool (人才库). Its entries are personal data (name, work
//! unit, postings, relations), so the rule is narrow:
//!
//! - An inspection office (agency kind `inspection`) sees every person in the pool: it
//!   composes the teams.
//! - A member unit sees the people it recommended itself, and nobody else's — to it another
//!   unit's recommendation does not exist (`404`, empty lists, zero counts), not even a name.
//! - The hub admin reads no content (`403`); an inspected unit's account reads no pool (`403`).
//! - Only the recommending unit changes what it recommended; only an inspection office
//!   records commendations. A team's members (people of the pool) are shown with their
//!   personal data to the round's office only; the round's participants see the team's name.
//!
//! The rule has two forms that must agree: `can_see_talent` for one entry and
//! `talents_visible_sql` for lists, searches, exports and statistics.

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::sql_types::{Bool, Text};

use crate::db::MultiBackend;
use crate::domain::agency::AgencyKind;
use crate::error::AppError;
use crate::policy::Principal;

/// The message for a person the caller may not see (or who is not in the pool).
pub const TALENT_NOT_FOUND: &str = "人员不存在或无权查看";
/// The message for a team the caller may not see.
pub const TEAM_NOT_FOUND: &str = "巡察组不存在或无权查看";

/// How a caller reads the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TalentReader {
    /// An inspection office: every person.
    Office,
    /// Any other member unit: the people it recommended (by its agency id).
    Recommender(String),
}

/// How the principal reads the pool, given its agency's kind: `403` for the hub admin and an
/// inspected unit's account (they hold no content role).
pub fn talent_reader(p: &Principal, agency_kind: &str) -> Result<TalentReader, AppError> {
    crate::policy::require_content_reader(p)?;
    if agency_kind == AgencyKind::Inspection.as_str() {
        Ok(TalentReader::Office)
    } else {
        Ok(TalentReader::Recommender(p.agency_id.clone()))
    }
}

/// May this reader see the person recommended by `recommending_agency_id`?
pub fn can_see_talent(reader: &TalentReader, recommending_agency_id: &str) -> bool {
    match reader {
        TalentReader::Office => true,
        TalentReader::Recommender(a) => a == recommending_agency_id,
    }
}

/// The SQL form of `can_see_talent`, over `talents` (by that name): must agree with it.
pub fn talents_visible_sql<QS: 'static>(
    reader: &TalentReader,
) -> Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>> {
    match reader {
        TalentReader::Office => Box::new(sql::<Bool>("(1 = 1)")),
        TalentReader::Recommender(a) => {
            Box::new(sql::<Bool>("(talents.recommending_agency_id = ").bind::<Text, _>(a.clone()).sql(")"))
        }
    }
}

/// Recommending people: a content writer of a member unit (not the hub, not an inspected
/// unit's account); the recommending unit is the caller's own.
pub fn require_recommender(p: &Principal, agency_kind: &str) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    if crate::policy::credentials::receives_records(agency_kind) {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有成员单位可以推荐人才库人选".into()))
    }
}

/// Changing a person's entry: the recommending unit's writers. An inspection office that
/// sees the entry gets `403`; anyone else was already answered `404`.
pub fn require_editor(p: &Principal, recommending_agency_id: &str) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    if p.agency_id == recommending_agency_id {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有推荐单位可以修改人选信息".into()))
    }
}

/// Recording a commendation (优秀巡察抽调干部 …): a content writer of an inspection office.
pub fn require_commender(p: &Principal, agency_kind: &str) -> Result<(), AppError> {
    crate::policy::require_content_writer(p)?;
    if agency_kind == AgencyKind::Inspection.as_str() {
        Ok(())
    } else {
        Err(AppError::Forbidden("表彰情况由巡察机构记录".into()))
    }
}

/// Does the caller see a team's members (people of the pool, with their personal data)?
/// The round's office only; a participant sees the team without them.
pub fn sees_team_members(p: &Principal, round_owner_agency_id: &str) -> bool {
    p.agency_id == round_owner_agency_id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

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
    fn an_office_reads_every_person_a_unit_its_own_and_the_admin_nothing() {
        let office = talent_reader(&principal("xcb", &[Role::Liaison]), "inspection").unwrap();
        let jiwei = talent_reader(&principal("jw", &[Role::Viewer]), "discipline").unwrap();
        assert!(can_see_talent(&office, "jw") && can_see_talent(&office, "zzb"));
        assert!(can_see_talent(&jiwei, "jw"));
        assert!(!can_see_talent(&jiwei, "zzb"));
        assert!(matches!(talent_reader(&principal("hub", &[Role::Admin]), "hub"), Err(AppError::Forbidden(_))));
        let unit = principal("unit", &[Role::Inspected]);
        assert!(matches!(talent_reader(&unit, "inspected_unit"), Err(AppError::Forbidden(_))));
    }

    #[test]
    fn only_the_recommender_edits_and_only_an_office_commends() {
        let jw = principal("jw", &[Role::Liaison]);
        assert!(require_recommender(&jw, "discipline").is_ok());
        assert!(require_recommender(&principal("u", &[Role::Inspected]), "inspected_unit").is_err());
        assert!(require_recommender(&principal("jw", &[Role::Viewer]), "discipline").is_err());
        assert!(require_editor(&jw, "jw").is_ok());
        assert!(matches!(require_editor(&principal("xcb", &[Role::Liaison]), "jw"), Err(AppError::Forbidden(_))));
        assert!(require_commender(&principal("xcb", &[Role::Liaison]), "inspection").is_ok());
        assert!(require_commender(&jw, "discipline").is_err());
        assert!(sees_team_members(&principal("xcb", &[Role::Liaison]), "xcb"));
        assert!(!sees_team_members(&jw, "xcb"));
    }

    /// The Rust check and the SQL filter give the same answer for every reader and entry.
    #[test]
    fn the_sql_filter_agrees_with_the_rust_check() {
        use crate::db::schema::talents;
        use crate::db::DbConnection;
        use diesel::connection::SimpleConnection;
        use diesel::prelude::*;

        let mut conn = DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        conn.batch_execute(
            "CREATE TABLE talents (id TEXT PRIMARY KEY, recommending_agency_id TEXT NOT NULL);
             INSERT INTO talents VALUES ('t1', 'jw'), ('t2', 'jw'), ('t3', 'zzb'), ('t4', 'xcb');",
        )
        .unwrap();
        let entries = [("t1", "jw"), ("t2", "jw"), ("t3", "zzb"), ("t4", "xcb")];
        let readers = [
            TalentReader::Office,
            TalentReader::Recommender("jw".into()),
            TalentReader::Recommender("zzb".into()),
            TalentReader::Recommender("sj".into()),
            TalentReader::Recommender("' OR 1=1 --".into()),
        ];
        for reader in readers {
            let by_sql: Vec<String> = talents::table
                .filter(talents_visible_sql(&reader))
                .order(talents::id)
                .select(talents::id)
                .load(&mut conn)
                .unwrap();
            let by_rust: Vec<String> =
                entries.iter().filter(|(_, a)| can_see_talent(&reader, a)).map(|(id, _)| id.to_string()).collect();
            assert_eq!(by_sql, by_rust, "{reader:?}");
        }
    }
}
