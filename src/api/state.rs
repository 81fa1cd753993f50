//! What every handler shares.

use crate::config::{Secret, Settings};
use crate::db::{Backend, DbPool};

pub struct AppState {
    pub pool: DbPool,
    pub backend: Backend,
    pub settings: Settings,
    pub jwt_secret: Secret,
    pub metrics: crate::telemetry::Metrics,
}
