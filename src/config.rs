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
    /// Web client: a session ends after this many seconds without a request…
    pub web_session_idle_secs: i64,
    /// …and this many seconds after login whatever happens.
    pub web_session_max_secs: i64,
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
    /// The hub's address as users reach it: one-time links in mails and on the console are
    /// `<public_url>/activate?token=…`.
    pub public_url: String,
    /// How long an invitation's activation link, and a password-reset link, stay valid.
    pub activation_ttl_secs: i64,
    pub reset_ttl_secs: i64,
    /// Login throttle: failures in a row that cost nothing, per username and per client
    /// address; then a lock of `login_lock_base_secs`, doubling per failure up to
    /// `login_lock_max_secs`. A key's count starts over after `login_window_secs` without a
    /// failure.
    pub login_free_failures: i64,
    pub login_ip_free_failures: i64,
    pub login_lock_base_secs: i64,
    pub login_lock_max_secs: i64,
    pub login_window_secs: i64,
    /// Reverse proxies whose `X-Forwarded-For` names the client (IP addresses; default none:
    /// the peer address is the client).
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// How long a writer waits for the database's write lock before it is answered 503 with
    /// `Retry-After` (SQLite busy_timeout, PostgreSQL lock_timeout), in milliseconds.
    #[serde(default = "default_db_lock_timeout_ms")]
    pub db_lock_timeout_ms: u64,
    /// Subscriptions one agency may hold (each is matched on every publish).
    #[serde(default = "default_max_subscriptions_per_agency")]
    pub max_subscriptions_per_agency: i64,
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
    /// Largest evidence file (佐证材料) of a rectification item, in bytes; larger is 413.
    pub evidence_max_bytes: usize,
    /// Avoidance (回避) in team proposals: a person who worked in an inspected unit within this
    /// many years (a posting ending on or after the day this many years ago) stays off its team.
    #[serde(default = "default_inspection_avoidance_years")]
    pub inspection_avoidance_years: u32,
    /// 码上巡察: the public endpoints (`/public/…`) on an address of their own (e.g. behind the
    /// internet-facing proxy); then the main address does not serve them, and this one serves
    /// nothing else. Unset: the main address serves them.
    #[serde(default)]
    pub public_listen: Option<String>,
    /// The address the public reaches the channels at (their links and QR codes); unset:
    /// `public_url`.
    #[serde(default)]
    pub public_reports_url: Option<String>,
    /// The proof of work of the public forms: PBKDF2 iterations a try, the largest counter
    /// (a phone tries up to that many), and how long a challenge stays valid.
    pub public_challenge_cost: u32,
    pub public_challenge_max_counter: u32,
    pub public_challenge_ttl_secs: u64,
    /// Reports and additions per client address an hour; reports per channel an hour;
    /// receipt-code lookups per client address an hour.
    pub public_reports_per_address_hour: u32,
    pub public_reports_per_channel_hour: u32,
    pub public_lookups_per_address_hour: u32,
    /// Requests of any kind to the public endpoints per client address a minute (counted in
    /// each instance's memory, before anything touches the database).
    pub public_requests_per_address_minute: u32,
}

fn default_inspection_avoidance_years() -> u32 {
    5
}

fn default_db_lock_timeout_ms() -> u64 {
    10_000
}

fn default_max_subscriptions_per_agency() -> i64 {
    100
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
            web_session_idle_secs: 30 * 60,
            web_session_max_secs: 12 * 3600,
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
            public_url: "http://127.0.0.1:8080".into(),
            activation_ttl_secs: 72 * 3600,
            reset_ttl_secs: 3600,
            login_free_failures: 5,
            login_ip_free_failures: 50,
            login_lock_base_secs: 30,
            login_lock_max_secs: 900,
            login_window_secs: 3600,
            trusted_proxies: vec![],
            db_lock_timeout_ms: default_db_lock_timeout_ms(),
            max_subscriptions_per_agency: default_max_subscriptions_per_agency(),
            time_zone: crate::domain::clock::DEFAULT_TIME_ZONE.into(),
            clock_offset_secs: 0,
            webhook_allow_loopback: false,
            webhook_allow_networks: String::new(),
            identity_key: None,
            object_lookup_limit: 30,
            object_lookup_window_secs: 60,
            ledger_export_max_rows: 20_000,
            evidence_max_bytes: 10 * 1024 * 1024,
            inspection_avoidance_years: default_inspection_avoidance_years(),
            public_listen: None,
            public_reports_url: None,
            public_challenge_cost: 2_000,
            public_challenge_max_counter: 400,
            public_challenge_ttl_secs: 3_600,
            public_reports_per_address_hour: 6,
            public_reports_per_channel_hour: 300,
            public_lookups_per_address_hour: 30,
            public_requests_per_address_minute: 120,
        }
    }
}

impl Settings {
    /// Loads the layers from `config_dir` (usually `config/`) and the environment.
    pub fn load(config_dir: &std::path::Path) -> Result<Settings, Box<figment::Error>> {
        let profile = std::env::var("GUANTONG_PROFILE").unwrap_or_else(|_| "default".into());
        let mut fig =
            Figment::from(Serialized::defaults(Settings::default())).merge(Toml::file(config_dir.join("default.toml")));
        if profile != "default" {
            fig = fig.merge(Toml::file(config_dir.join(format!("{profile}.toml"))));
        }
        fig.merge(Env::prefixed("GUANTONG_").ignore(&["profile"])).extract().map_err(Box::new)
    }
}

impl Settings {
    /// The trusted proxies as addresses; a bad entry is an error naming it.
    pub fn trusted_proxy_addrs(&self) -> Result<Vec<std::net::IpAddr>, String> {
        self.trusted_proxies
            .iter()
            .map(|p| p.trim().parse().map_err(|_| format!("trusted_proxies 中的“{p}”不是有效的 IP 地址")))
            .collect()
    }

    /// The login back-off per username (`per_address`: per client address).
    pub fn login_backoff(&self, per_address: bool) -> crate::policy::credentials::Backoff {
        crate::policy::credentials::Backoff {
            free: if per_address { self.login_ip_free_failures } else { self.login_free_failures },
            base_secs: self.login_lock_base_secs,
            max_secs: self.login_lock_max_secs,
        }
    }

    /// Whether the hub is reached over HTTPS (then the web client's cookie is `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The address channel links and QR codes start with.
    pub fn public_reports_base(&self) -> &str {
        self.public_reports_url.as_deref().unwrap_or(&self.public_url)
    }

    /// The one-time link for `token`.
    pub fn activation_link(&self, token: &str) -> String {
        format!("{}/activate?token={token}", self.public_url.trim_end_matches('/'))
    }
}
