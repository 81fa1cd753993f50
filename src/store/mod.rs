//! Persistence: diesel row I/O, one file per table family, returning typed rows. No
//! access decisions and no use cases here (those are `policy` and `service`).

pub mod catalog;
pub mod cursors;
pub mod directory;
pub mod idempotency;
pub mod log;
pub mod records;
pub mod throttle;

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
