//! 量化评估结果 of one inspected unit (`/inspected-units/{id}/evaluations`): its final scores
//! and ranks, for the office, the participants and the unit's own account.

use actix_web::{get, web, HttpResponse};
use askama::Template;

use super::evaluation::{not_found, score_text};
use crate::api::extract::run;
use crate::api::state::AppState;
use crate::domain::ids::InspectedUnitId;
use crate::service::inspection::evaluation::results;
use crate::service::inspection::rounds;
use crate::web::session::SignedIn;
use crate::web::{chinese_date, page, Nav, WebError};

/// A unit's final result as a line.
pub struct UnitResultLine {
    pub evaluation_id: String,
    pub name: String,
    pub score: String,
    pub rank: u32,
    pub units: i64,
    pub date: String,
}

#[derive(Template)]
#[template(path = "inspection/unit_evaluations.html", config = "src/web/askama.toml")]
struct UnitResultsPage {
    nav: Nav,
    unit_id: String,
    unit_name: String,
    own_unit: bool,
    items: Vec<UnitResultLine>,
}

/// 量化评估结果 of one inspected unit: its final scores and ranks (its own account included).
#[get("/inspected-units/{id}/evaluations")]
pub async fn unit_results(
    state: web::Data<AppState>,
    s: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let id = not_found(&id, InspectedUnitId::parse)?;
    let p = s.0.principal.clone();
    let (unit, items) =
        run(&state.pool, move |conn| Ok((rounds::show_unit(conn, &p, &id)?, results::of_unit(conn, &p, &id)?))).await?;
    let own_unit = s.0.principal.has(crate::domain::Role::Inspected);
    page(&UnitResultsPage {
        nav: Nav::of(&s.0, if own_unit { "rectification" } else { "rounds" }),
        unit_id: unit.id,
        unit_name: unit.object_name,
        own_unit,
        items: items
            .into_iter()
            .map(|r| UnitResultLine {
                score: score_text(Some(r.score)),
                rank: r.rank,
                units: r.units,
                date: chinese_date(&r.finalised_at),
                evaluation_id: r.evaluation_id,
                name: r.evaluation_name,
            })
            .collect(),
    })
}
