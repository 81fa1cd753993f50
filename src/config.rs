//! Layered configuration: config/default.toml < config/<profile>.toml < GUANTONG_* env vars.
//! Secrets are wrapped so they never reach a log or a Debug print.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// A value that must never be printed.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub database_url: String,
    pub listen: String,
    #[serde(default)]
    pub jwt_secret: Option<Secret>,
    #[serde(default)]
    pub admin_password: Option<Secret>,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    pub max_json_bytes: usize,
    pub max_batch_bytes: usize,
    pub pool_size: u32,
    pub log_format: String,
    #[serde(default)]
    pub smtp_url: Option<Secret>,
    #[serde(default)]
    pub mail_from: Option<String>,
    /// PEM file of CA certificates to trust for the SMTP server's certificate (an internal CA).
    #[serde(default)]
    pub smtp_ca_file: Option<String>,
    /// Run the delivery loops (webhooks, email) in this process.
    pub delivery_workers: bool,
    /// How often the delivery loops look for work committed by other instances.
    pub delivery_poll_ms: u64,
    /// One webhook request's time limit.
    pub webhook_timeout_ms: u64,
    /// Retry schedule: first wait, longest wait, attempts before an event is dead-lettered.
    pub webhook_retry_base_ms: u64,
    pub webhook_retry_cap_ms: u64,
    pub webhook_max_attempts: u32,
    /// An endpoint with no successful delivery for this long is disabled.
    pub webhook_disable_after_secs: u64,
    /// Endpoints served at once by one instance.
    pub webhook_concurrency: usize,
    /// Events read per round for one endpoint.
    pub webhook_batch: i64,
    /// Days successful deliveries stay in the delivery log (dead letters stay until replayed).
    pub webhook_log_retention_days: u64,
    /// Mail retry schedule: first wait, longest wait, attempts before a mail is marked failed.
    pub mail_retry_base_ms: u64,
    pub mail_retry_cap_ms: u64,
    pub mail_max_attempts: u32,
    /// Local time of the daily digest, "HH:MM" ("off": this instance runs no digest).
    pub mail_digest_time: String,
    /// Replaced by `time_zone`; still read so that an old setting is reported, not ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_digest_tz_offset_hours: Option<i32>,
    /// How often the deadline sweep (deadline in 3 days, overdue) runs, in seconds.
    pub mail_sweep_interval_secs: u64,
    /// Events turned into mail per dispatch round, and mails sent per round.
    pub mail_batch: i64,
    /// The hub's time zone (IANA name): "today", deadlines, overdue, reminders and the digest
    /// day are days in this zone.
    pub time_zone: String,
    /// Tests only: seconds added to the wall clock for the calendar ("today", overdue), so a
    /// test can stand at any hour of the day. 0 in production.
    pub clock_offset_secs: i64,
    /// Allow webhook targets on loopback addresses (tests and local development only).
    pub webhook_allow_loopback: bool,
    /// Networks (CIDR, comma-separated, e.g. "10.20.0.0/16,fd00::/8") webhooks may reach even
    /// though they are private or otherwise refused.
    pub webhook_allow_networks: String,
    /// The key of the keyed digest (HMAC-SHA256) under which objects' identity numbers are
    /// stored and looked up; required outside --demo.
    #[serde(default)]
    pub identity_key: Option<Secret>,
    /// Identity-number lookups one principal may make per `object_lookup_window_secs`.
    pub object_lookup_limit: u32,
    pub object_lookup_window_secs: u64,
    /// Most rows one ledger export (CSV/XLSX) holds; beyond it the caller narrows the filters.
    pub ledger_export_max_rows: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite://data/guantong.db".into(),
            listen: "127.0.0.1:8080".into(),
            jwt_secret: None,
            admin_password: None,
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            max_json_bytes: 1024 * 1024,
            max_batch_bytes: 64 * 1024 * 1024,
            pool_size: 8,
            log_format: "json".into(),
            smtp_url: None,
            mail_from: None,
            smtp_ca_file: None,
            delivery_workers: true,
            delivery_poll_ms: 1000,
            webhook_timeout_ms: 10_000,
            webhook_retry_base_ms: 5_000,
            webhook_retry_cap_ms: 3_600_000,
            webhook_max_attempts: 15,
            webhook_disable_after_secs: 24 * 3600,
            webhook_concurrency: 16,
            webhook_batch: 200,
            webhook_log_retention_days: 30,
            mail_retry_base_ms: 30_000,
            mail_retry_cap_ms: 3_600_000,
            mail_max_attempts: 12,
            mail_digest_time: "08:00".into(),
            mail_digest_tz_offset_hours: None,
            mail_sweep_interval_secs: 600,
            mail_batch: 200,
            time_zone: crate::domain::clock::DEFAULT_TIME_ZONE.into(),
            clock_offset_secs: 0,
            webhook_allow_loopback: false,
            webhook_allow_networks: String::new(),
            identity_key: None,
            object_lookup_limit: 30,
            object_lookup_window_secs: 60,
            ledger_export_max_rows: 20_000,
        }
    }
}

impl Settings {
    /// Loads the layers from `config_dir` (usually `config/`) and the environment.
    pub fn load(config_dir: &std::path::Path) -> Result<Settings, figment::Error> {
        let profile = std::env::var("GUANTONG_PROFILE").unwrap_or_else(|_| "default".into());
        let mut fig =
            Figment::from(Serialized::defaults(Settings::default())).merge(Toml::file(config_dir.join("default.toml")));
        if profile != "default" {
            fig = fig.merge(Toml::file(config_dir.join(format!("{profile}.toml"))));
        }
        fig.merge(Env::prefixed("GUANTONG_").ignore(&["profile"])).extract()
    }
}
