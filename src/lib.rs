//! Guantong (贯通): the cross-agency supervision information-sharing hub.

pub mod db;
pub mod domain;
pub mod error;
pub mod policy;
pub mod auth;
pub mod config;
pub mod store;
pub mod api;
pub mod sync;
pub mod app;
pub mod demo;
