//! The use cases of the hub — publish, transfer, deliberate, administer, subscribe, plan
//! mail — the one layer the REST API, the web client, the sync import and the delivery
//! workers call. Each checks the policy, validates, and writes through `store::log::write_tx`,
//! so a change, its events and its audit entries commit together.

pub mod accounts;
pub mod agencies;
pub mod agreements;
pub mod audit;
pub mod auth;
pub mod credentials;
pub mod deliberations;
pub mod feed;
pub mod grants;
pub mod groups;
pub mod history;
pub mod import;
pub mod inbox;
pub mod info_requests;
pub mod inspection;
pub mod ledger_export;
pub mod mail;
pub mod membership;
pub mod objects;
pub mod ops;
pub mod public_reports;
pub mod records;
pub mod search_index;
pub mod sessions;
pub mod similar;
pub mod subscriptions;
pub mod transfers;
pub mod users;
pub mod web_sessions;
pub mod webhooks;
pub mod workbench;
