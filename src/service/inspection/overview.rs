//! One inspected unit as its page shows it: the unit, its round, who is looking
//! (`UnitAccess`), the findings the viewer's agency may read and what the viewer may do.

use crate::db::DbConnection;
use crate::domain::ids::InspectedUnitId;
use crate::domain::inspection::RoundStage;
use crate::error::AppResult;
use crate::policy::inspection::UnitAccess;
use crate::policy::{self, Principal};

use super::findings::{self, FindingView};
use super::{participants, unit_views, visible_unit, InspectedUnitView, TeamView};

/// The unit page's content.
pub struct UnitOverview {
    pub unit: InspectedUnitView,
    pub round_id: String,
    pub round_name: String,
    pub round_owner: String,
    pub stage: RoundStage,
    pub access: UnitAccess,
    /// The round's teams (for the office's settings form).
    pub teams: Vec<TeamView>,
    /// The round's participants (to whom a finding may be distributed).
    pub participants: Vec<String>,
    /// The findings the viewer's agency may read (none for the unit's own account).
    pub findings: Vec<FindingView>,
    /// The viewer runs the round (may record findings and change the unit).
    pub runs_round: bool,
}

impl UnitOverview {
    /// Findings are recorded while the round is under way.
    pub fn may_record_findings(&self) -> bool {
        self.runs_round && !matches!(self.stage, RoundStage::Preparation | RoundStage::Closed)
    }
}

pub fn unit(
    conn: &mut DbConnection,
    p: &Principal,
    id: &InspectedUnitId,
    purpose: Option<&str>,
) -> AppResult<UnitOverview> {
    let (u, r, access) = visible_unit(conn, p, id)?;
    let stage = r.stage().map_err(anyhow::Error::from)?;
    let runs_round =
        access == UnitAccess::Round && r.owner_agency_id == p.agency_id && policy::require_content_writer(p).is_ok();
    let found = match access {
        UnitAccess::Round => findings::list(conn, p, id, None, purpose)?,
        UnitAccess::OwnUnit => vec![],
    };
    let teams = if access == UnitAccess::Round {
        use crate::db::schema::teams;
        use diesel::prelude::*;
        teams::table.filter(teams::round_id.eq(&r.id)).order(teams::name).select(TeamView::as_select()).load(conn)?
    } else {
        vec![]
    };
    let parts = if access == UnitAccess::Round { participants(conn, &r.id)? } else { vec![] };
    Ok(UnitOverview {
        unit: unit_views(conn, vec![u])?.remove(0),
        round_id: r.id,
        round_name: r.name,
        round_owner: r.owner_agency_id,
        stage,
        access,
        teams,
        participants: parts,
        findings: found,
        runs_round,
    })
}
