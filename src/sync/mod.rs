//! Synchronisation with agency systems: bulk NDJSON import on the hub (`batch`; the change
//! feed is `service::feed`), and the nightly sync job the agencies run (`guantong sync pull|push`:
//! `config`, `client`, `pull`, `push`, with crash-safe files in `durable`).

pub mod client;
pub mod config;
pub mod durable;
pub mod error;
pub mod job;
pub mod progress;
pub mod pull;
pub mod push;
