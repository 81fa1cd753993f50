//! Guantong (贯通): the cross-agency supervision information-sharing hub.

/// The allocator of every program built on the hub (server, CLI, tests, benches): mimalloc.
/// Under the load bench glibc's malloc took a sixth of the hub's CPU time (arena locks,
/// consolidation, and unmapping freed blocks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod admin_cli;
pub mod api;
pub mod app;
pub mod auth;
pub mod background;
pub mod config;
pub mod contract;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod error;
pub mod json;
pub mod policy;
pub mod public;
pub mod service;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod web;
pub mod wire;
