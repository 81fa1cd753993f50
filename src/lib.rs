//! Guantong (贯通): the cross-agency supervision information-sharing hub.

pub mod db;
pub mod domain;
pub mod error;
pub mod policy;
pub mod auth;
pub mod config;
pub mod store;
