//! Integration tests: the real server over real HTTP, on SQLite and on PostgreSQL.

mod browser;
mod helpers;
mod logging;
mod smtp;

pub mod admin;
mod audit;
mod auth;
pub mod bad_input;
mod contention;
mod deliberation_sharing;
mod faults;
mod harness;
mod history_leaks;
mod lists;
mod mail;
mod openapi;
mod permissions;
mod policy_equivalence;
mod policy_equivalence_workflow;
mod receiver;
mod records;
mod restricted_text;
mod schema;
mod shapes;
mod sharing;
mod stored_values;
mod sync;
mod sync_cli;
pub mod transfers;
mod web_admin;
mod web_client;
mod web_deliberations;
mod web_forms;
mod web_http;
mod web_inbox;
mod web_stats;
mod web_transfers;
mod webhooks;

mod abuse_objects;
mod audit_scope;
mod calendar;
mod ledger;
mod restricted_ledger;
mod webhook_targets;
