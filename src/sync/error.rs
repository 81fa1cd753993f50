//! How a sync job ends: the error kinds of `guantong sync pull|push` and the exit code each
//! maps to (documented in README.md and `guantong sync --help`).

use std::process::ExitCode;

/// Exit codes of the sync commands. Cron and systemd only see these, so each failure a
/// person must act on differently has its own.
pub mod exit {
    /// Everything pulled or sent, nothing rejected.
    pub const OK: u8 = 0;
    /// Network or hub failure that outlasted the retries, a local I/O error, or a bug.
    pub const FAILED: u8 = 1;
    /// The configuration file is missing or wrong.
    pub const CONFIG: u8 = 2;
    /// Push: every file was sent and reported, but the hub rejected some lines.
    pub const REJECTED_LINES: u8 = 3;
    /// The hub refused the job itself (401/403/413/422 …): retrying cannot help.
    pub const REFUSED: u8 = 4;
    /// Another run of the same command holds the lock (EX_TEMPFAIL: try again later).
    pub const LOCKED: u8 = 75;
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("配置有误:{0}")]
    Config(String),
    #[error("{0}")]
    Refused(String),
    #[error("另一个同步任务({0})正在运行,本次不执行;锁文件:{1}")]
    Locked(&'static str, String),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl SyncError {
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            SyncError::Config(_) => exit::CONFIG,
            SyncError::Refused(_) => exit::REFUSED,
            SyncError::Locked(..) => exit::LOCKED,
            SyncError::Failed(_) => exit::FAILED,
        })
    }
}

impl From<std::io::Error> for SyncError {
    fn from(e: std::io::Error) -> Self {
        SyncError::Failed(e.into())
    }
}

pub type SyncResult<T> = Result<T, SyncError>;

/// Adds context to a local I/O failure in Chinese.
pub trait IoContext<T> {
    fn ctx(self, what: impl FnOnce() -> String) -> SyncResult<T>;
}

impl<T, E: Into<anyhow::Error>> IoContext<T> for Result<T, E> {
    fn ctx(self, what: impl FnOnce() -> String) -> SyncResult<T> {
        self.map_err(|e| SyncError::Failed(e.into().context(what())))
    }
}
