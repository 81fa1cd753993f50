//! Guantong (贯通): the cross-agency supervision information-sharing hub.

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
pub mod service;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod web;
pub mod wire;
