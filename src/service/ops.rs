//! What operators read: readiness, the gauges behind `/metrics`, and the category taxonomy
//! every client shows.

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::service::webhooks::Gauges;

pub use crate::store::catalog::Category;

/// The database answers (a read of the log head).
pub fn ready(conn: &mut DbConnection) -> AppResult<()> {
    crate::store::log::head_seq(conn)?;
    Ok(())
}

/// The hub's gauges at this moment.
pub struct HubGauges {
    /// The latest event sequence number.
    pub event_seq: i64,
    pub webhooks: Gauges,
    /// Mail outbox rows by status.
    pub mail: Vec<(String, i64)>,
    /// The longest hold of the write lock since the last read (seconds).
    pub write_lock_hold_max: f64,
}

pub fn gauges(conn: &mut DbConnection) -> AppResult<HubGauges> {
    Ok(HubGauges {
        event_seq: crate::store::log::head_seq(conn)?,
        webhooks: crate::service::webhooks::gauges(conn)?,
        mail: crate::service::mail::outbox_counts(conn)?,
        write_lock_hold_max: write_lock_hold_max(),
    })
}

/// The longest write-lock hold observed (seconds), without touching the database.
pub fn write_lock_hold_max() -> f64 {
    crate::store::log::lock_hold::max_seconds()
}

/// The problem-category taxonomy (问题类别).
pub fn categories(conn: &mut DbConnection) -> AppResult<Vec<Category>> {
    Ok(crate::store::catalog::list(conn)?)
}
