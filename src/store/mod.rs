//! Persistence: diesel queries, one file per aggregate. Every write goes through
//! `log::write_tx`, so the change, its events and its audit entries commit together.

pub mod agencies;
pub mod agreements;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod credentials;
pub mod deliberations;
pub mod directory;
pub mod feed;
pub mod grants;
pub mod groups;
pub mod history;
pub mod idempotency;
pub mod inbox;
pub mod ledger_export;
pub mod log;
pub mod mail;
pub mod membership;
pub mod objects;
pub mod records;
pub mod similar;
pub mod subscriptions;
pub mod throttle;
pub mod transfer_stats;
pub mod transfers;
pub mod users;
pub mod webhooks;

/// Rows per multi-row INSERT (well under SQLite's bound-parameter limit).
pub const INSERT_CHUNK: usize = 200;

/// Parses a JSON list of strings stored in a text column (empty on anything else).
pub fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

pub fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialisable value")
}

/// A stored enum value the hub does not write, as the row-reading error it is.
pub fn unknown_stored(e: crate::domain::UnknownStoredValue) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(Box::new(e))
}
