//! The demo's past. The services stamp everything "now"; a newcomer's hub should show six
//! months of work (statistics by month, mean days to conclude, overdue clues), so the demo
//! then dates its records and transfers back over those months: each transfer's steps a few
//! days apart, after its clue was published, and the deadlines of the overdue ones in the
//! past (the service accepts none). Events and the audit chain keep the load's own time
//! (they are append-only, and hash-chained).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use super::transfers::{is_open, End, Sent};
use crate::db::schema::{record_versions, records, transfers};
use crate::db::DbConnection;
use crate::domain::clock::{current, format_date};
use crate::domain::format_time;
use crate::error::AppResult;

/// Dates the records and transfers back (see the module's note).
pub fn history(conn: &mut DbConnection, sent: &[Sent], ages: &BTreeMap<String, i64>) -> AppResult<()> {
    let now = Utc::now();
    let clock = current();
    let today = clock.date_at(clock.now());
    for (i, t) in sent.iter().enumerate() {
        // Office hours spread over the day, never in the future.
        let created = now - Duration::days(t.days_ago) - Duration::minutes((i as i64 * 53) % 480);
        let at = |days: i64| created + Duration::days(days) + Duration::minutes(90);
        let on = |when: bool, d: DateTime<Utc>| when.then(|| format_time(d));
        let handled = !matches!(t.end, End::Sent | End::Returned(_));
        let started = matches!(t.end, End::InProgress | End::Concluded(_) | End::Closed(_));
        let done = matches!(t.end, End::Concluded(_) | End::Closed(_));
        let conclude_after = (t.days_ago * 3 / 5).clamp(5, (t.days_ago - 2).max(5));
        let concluded = at(conclude_after);
        let closed = concluded + Duration::days(((t.days_ago - conclude_after) / 3).clamp(1, 5));
        let returned = at(2);
        let last = match t.end {
            End::Sent => created,
            End::Accepted => at(1),
            End::InProgress => at(3),
            End::Concluded(_) => concluded,
            End::Closed(_) => closed,
            End::Returned(_) => returned,
        };
        let deadline = if is_open(t.end) {
            format_date(today + Duration::days(t.deadline_in))
        } else {
            format_date(clock.date_at(created) + Duration::days(60))
        };
        diesel::update(transfers::table.find(&t.id))
            .set((
                transfers::created_at.eq(format_time(created)),
                transfers::updated_at.eq(format_time(last)),
                transfers::accepted_at.eq(on(handled, at(1))),
                transfers::started_at.eq(on(started, at(3))),
                transfers::concluded_at.eq(on(done, concluded)),
                transfers::closed_at.eq(on(matches!(t.end, End::Closed(_)), closed)),
                transfers::returned_at.eq(on(matches!(t.end, End::Returned(_)), returned)),
                transfers::deadline.eq(deadline),
            ))
            .execute(conn)?;
    }
    for (i, (id, days)) in ages.iter().enumerate() {
        let at = format_time(now - Duration::days(*days) - Duration::minutes(30 + (i as i64 * 17) % 420));
        diesel::update(records::table.find(id))
            .set((records::created_at.eq(&at), records::updated_at.eq(&at)))
            .execute(conn)?;
        diesel::update(record_versions::table.filter(record_versions::record_id.eq(id)))
            .set(record_versions::at.eq(&at))
            .execute(conn)?;
    }
    Ok(())
}
