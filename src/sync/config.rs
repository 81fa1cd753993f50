//! The sync job's configuration file (`agency-sync.toml`): where the hub is, how the job
//! authenticates, and which local folders it reads and writes. Relative paths are taken
//! relative to the file's own folder, so a cron line does not depend on its working directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Format, Toml};
use figment::Figment;
use serde::Deserialize;

use crate::domain::retry::Backoff;

use crate::config::Secret;
use crate::sync::error::{SyncError, SyncResult};

/// The environment variable that may hold the API key instead of the file.
pub const API_KEY_ENV: &str = "GUANTONG_SYNC_API_KEY";

/// An annotated example, shown by `guantong sync --help` and in README.md.
pub const EXAMPLE: &str = r#"# agency-sync.toml — 单位夜间同步任务配置
hub_url = "https://hub.example.gov.cn"      # 平台地址
# 接入密钥,三选一(优先级从高到低):环境变量 GUANTONG_SYNC_API_KEY、api_key_file、api_key
api_key_file = "/etc/guantong-sync/api-key"
state_dir = "/var/lib/guantong-sync"        # 游标、进度、锁文件
pull_dir = "/srv/exchange/from-hub"         # pull 写出 NDJSON 文件的目录(本单位系统从此读取)
export_dir = "/srv/exchange/to-hub"         # push 读取的导出目录(*.ndjson)
# report_dir = "/srv/exchange/to-hub/reports" # 逐行结果报告,默认 export_dir/reports
# done_dir = "/srv/exchange/to-hub/done"      # 发送完毕的文件移到此处,默认 export_dir/done
chunk_lines = 5000                          # push 每批行数
page_size = 500                             # pull 每页事件数(1–500)
records_per_file = 10000                    # pull 每个文件最多事件数
access_purpose = "夜间同步:本单位案件系统数据交换"  # 含受限信息时的查阅事由(X-Access-Purpose)
timeout_secs = 300                          # 单个请求超时
connect_timeout_secs = 10
retries = 5                                 # 连接失败、5xx、429 的重试次数(指数退避)
retry_initial_ms = 500
retry_max_ms = 30000
"#;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    hub_url: String,
    #[serde(default)]
    api_key: Option<Secret>,
    #[serde(default)]
    api_key_file: Option<PathBuf>,
    state_dir: PathBuf,
    #[serde(default)]
    pull_dir: Option<PathBuf>,
    #[serde(default)]
    export_dir: Option<PathBuf>,
    #[serde(default)]
    report_dir: Option<PathBuf>,
    #[serde(default)]
    done_dir: Option<PathBuf>,
    #[serde(default = "defaults::chunk_lines")]
    chunk_lines: usize,
    #[serde(default = "defaults::page_size")]
    page_size: i64,
    #[serde(default = "defaults::records_per_file")]
    records_per_file: usize,
    #[serde(default)]
    access_purpose: Option<String>,
    #[serde(default = "defaults::timeout_secs")]
    timeout_secs: u64,
    #[serde(default = "defaults::connect_timeout_secs")]
    connect_timeout_secs: u64,
    #[serde(default = "defaults::retries")]
    retries: u32,
    #[serde(default = "defaults::retry_initial_ms")]
    retry_initial_ms: u64,
    #[serde(default = "defaults::retry_max_ms")]
    retry_max_ms: u64,
}

mod defaults {
    pub fn chunk_lines() -> usize {
        crate::contract::sync::CHUNK_LINES
    }
    pub fn page_size() -> i64 {
        crate::contract::page::MAX_LIMIT
    }
    pub fn records_per_file() -> usize {
        10_000
    }
    pub fn timeout_secs() -> u64 {
        300
    }
    pub fn connect_timeout_secs() -> u64 {
        10
    }
    pub fn retries() -> u32 {
        5
    }
    pub fn retry_initial_ms() -> u64 {
        500
    }
    pub fn retry_max_ms() -> u64 {
        30_000
    }
}

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Without a trailing slash.
    pub hub_url: String,
    pub api_key: Secret,
    pub state_dir: PathBuf,
    pub pull_dir: Option<PathBuf>,
    pub export_dir: Option<PathBuf>,
    pub report_dir: Option<PathBuf>,
    pub done_dir: Option<PathBuf>,
    pub chunk_lines: usize,
    pub page_size: i64,
    pub records_per_file: usize,
    pub access_purpose: Option<String>,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Retries of transient failures: `retries` after the first attempt, backing off
    /// exponentially (with jitter) from `retry_initial_ms` up to `retry_max_ms`.
    pub retry: Backoff,
}

impl SyncConfig {
    pub fn load(path: &Path) -> SyncResult<SyncConfig> {
        let cfg = |m: String| SyncError::Config(format!("{}:{m}", path.display()));
        if !path.is_file() {
            return Err(cfg("配置文件不存在(示例见 guantong sync --help)".into()));
        }
        let f: FileConfig = Figment::from(Toml::file_exact(path)).extract().map_err(|e| cfg(e.to_string()))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let abs = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        let api_key = match std::env::var(API_KEY_ENV).ok().filter(|k| !k.trim().is_empty()) {
            Some(k) => Secret::new(k.trim()),
            None => match (&f.api_key_file, &f.api_key) {
                (Some(file), _) => {
                    let file = abs(file.clone());
                    let k = std::fs::read_to_string(&file)
                        .map_err(|e| cfg(format!("无法读取接入密钥文件 {}:{e}", file.display())))?;
                    Secret::new(k.trim())
                }
                (None, Some(k)) => k.clone(),
                (None, None) => {
                    return Err(cfg(format!("缺少接入密钥:请设置 api_key_file、api_key 或环境变量 {API_KEY_ENV}")))
                }
            },
        };
        if api_key.is_empty() {
            return Err(cfg("接入密钥为空".into()));
        }
        let hub_url = f.hub_url.trim().trim_end_matches('/').to_string();
        if !(hub_url.starts_with("http://") || hub_url.starts_with("https://")) {
            return Err(cfg(format!("hub_url 须以 http:// 或 https:// 开头,现为“{hub_url}”")));
        }
        let max_page = crate::contract::page::MAX_LIMIT;
        if !(1..=max_page).contains(&f.page_size) {
            return Err(cfg(format!("page_size 须在 1 到 {max_page} 之间")));
        }
        if f.chunk_lines == 0 || f.records_per_file == 0 {
            return Err(cfg("chunk_lines 与 records_per_file 须大于 0".into()));
        }
        if f.retry_initial_ms == 0 || f.retry_max_ms < f.retry_initial_ms {
            return Err(cfg("retry_initial_ms 须大于 0 且不大于 retry_max_ms".into()));
        }
        let access_purpose = f.access_purpose.map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
        if let Some(sent) = access_purpose.as_deref().map(|p| purpose_header_value(p).len()) {
            let max = crate::contract::MAX_PURPOSE_CHARS;
            if sent > max {
                return Err(cfg(format!(
                    "access_purpose 过长:百分号编码后为 {sent} 个字符,平台最多接受 {max} 个(一个汉字编码后为 9 个)"
                )));
            }
        }
        let export_dir = f.export_dir.map(&abs);
        Ok(SyncConfig {
            hub_url,
            api_key,
            state_dir: abs(f.state_dir),
            pull_dir: f.pull_dir.map(&abs),
            report_dir: f.report_dir.map(&abs).or_else(|| export_dir.as_ref().map(|d| d.join("reports"))),
            done_dir: f.done_dir.map(&abs).or_else(|| export_dir.as_ref().map(|d| d.join("done"))),
            export_dir,
            chunk_lines: f.chunk_lines,
            page_size: f.page_size,
            records_per_file: f.records_per_file,
            access_purpose,
            timeout: Duration::from_secs(f.timeout_secs.max(1)),
            connect_timeout: Duration::from_secs(f.connect_timeout_secs.max(1)),
            retry: Backoff::from_millis(f.retry_initial_ms, f.retry_max_ms, f.retries.saturating_add(1)),
        })
    }

    /// The purpose as the `X-Access-Purpose` header carries it.
    pub fn purpose_header(&self) -> Option<String> {
        self.access_purpose.as_deref().map(purpose_header_value)
    }

    /// A configured folder, or a configuration error naming the missing key.
    pub fn dir<'a>(&self, dir: &'a Option<PathBuf>, key: &str) -> SyncResult<&'a Path> {
        dir.as_deref().ok_or_else(|| SyncError::Config(format!("配置文件缺少 {key}")))
    }
}

/// The purpose percent-encoded: the hub accepts UTF-8 or percent-encoded UTF-8, and encoded
/// text passes any proxy.
fn purpose_header_value(purpose: &str) -> String {
    percent_encoding::utf8_percent_encode(purpose, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("key"), "gtk_example\n").unwrap();
        let text = EXAMPLE.replace("/etc/guantong-sync/api-key", "key");
        let path = dir.path().join("agency-sync.toml");
        std::fs::write(&path, text).unwrap();
        let c = SyncConfig::load(&path).unwrap();
        assert_eq!(c.api_key.expose(), "gtk_example");
        assert_eq!(c.report_dir.unwrap(), PathBuf::from("/srv/exchange/to-hub/reports"));
        assert_eq!(c.page_size, 500);
        assert_eq!(format!("{:?}", c.api_key), "Secret(***)");
        std::fs::write(&path, "hub_url = \"ftp://x\"\nstate_dir = \"s\"\napi_key = \"k\"\n").unwrap();
        assert!(matches!(SyncConfig::load(&path), Err(SyncError::Config(_))));
        std::fs::write(&path, "hub_url = \"http://x\"\nstate_dir = \"s\"\napi_key = \"k\"\nchunk_line = 3\n").unwrap();
        assert!(matches!(SyncConfig::load(&path), Err(SyncError::Config(_))), "unknown keys are refused");
    }

    #[test]
    fn a_purpose_too_long_once_encoded_is_refused_when_the_config_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agency-sync.toml");
        let with = |purpose: &str| {
            format!("hub_url = \"http://x\"\nstate_dir = \"s\"\napi_key = \"k\"\naccess_purpose = \"{purpose}\"\n")
        };
        std::fs::write(&path, with(&"查".repeat(55))).unwrap();
        let c = SyncConfig::load(&path).unwrap();
        assert_eq!(c.purpose_header().unwrap().len(), 495);
        std::fs::write(&path, with(&"查".repeat(56))).unwrap();
        match SyncConfig::load(&path) {
            Err(SyncError::Config(m)) => assert!(m.contains("access_purpose 过长") && m.contains("504"), "{m}"),
            other => panic!("56 encoded characters pass: {:?}", other.map(|c| c.access_purpose)),
        }
    }
}
