//! `guantong sync push`: sends the NDJSON files of `export_dir` (`*.ndjson`, name order,
//! dotfiles skipped — the agency's system should write a file under a hidden name and rename
//! it when complete) to `POST /api/v1/sync/batches` in chunks of `chunk_lines` lines, and
//! writes a per-line result report for each file.
//!
//! Nothing accepted is lost and nothing is applied twice when the job is killed and re-run:
//! - each chunk carries an `Idempotency-Key` derived from the file name, the chunk's first
//!   line number and its bytes, so a chunk re-sent after a kill gets the hub's first answer
//!   back instead of being imported again (and the hub upserts by external id anyway);
//! - after each answer, the chunk's results are appended to the hidden report
//!   `report_dir/.F.<start>.report.ndjson.part` and fsynced, then the checkpoint
//!   `<state_dir>/push/F.progress.json` (next line, report length, totals) is replaced
//!   atomically (temp, fsync, rename, fsync dir). On resume the report is cut back to the
//!   checkpointed length and sending continues at the checkpointed line;
//! - when a file is done, a summary line is appended, the report is renamed to
//!   `F.<start>.report.ndjson`, only then the file is moved to `done_dir`, and only then the
//!   checkpoint is removed. Each step is repeatable, so a kill between any two is harmless.
//!
//! A file that changed (size or modification time) since its checkpoint is started over.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::contract::sync::Summary;
use crate::domain::FieldError;
use crate::sync::client::HubClient;
use crate::sync::config::SyncConfig;
use crate::sync::durable::{ensure_dir, rename_durable, sync_dir, write_atomic, JobLock};
use crate::sync::error::{IoContext, SyncError, SyncResult};
use crate::sync::progress::Progress;

/// The checkpoint of one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    pub file: String,
    pub size: u64,
    pub modified_ns: u128,
    /// When sending this file began (UTC, `YYYYMMDDTHHMMSSZ`); part of the report's name.
    pub started: String,
    /// The next physical line (1-based) to send.
    pub next_line: usize,
    /// Bytes of the report that belong to the lines before `next_line`.
    pub report_bytes: u64,
    pub lines: usize,
    pub totals: Summary,
}

/// One line of a report: the hub's answer for one line of the file, with the file's line number.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReportLine {
    pub file: String,
    pub line: usize,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<i32>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
}

/// The last line of a finished report.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReportSummary {
    pub file: String,
    pub lines: usize,
    #[serde(flatten)]
    pub totals: Summary,
    pub started: String,
    pub finished: String,
}

/// What one run did.
#[derive(Debug, Default)]
pub struct PushSummary {
    pub files: Vec<(String, PathBuf)>,
    pub lines: usize,
    pub totals: Summary,
}

/// The files waiting in the export folder, in name order.
fn pending_files(dir: &Path) -> SyncResult<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).ctx(|| format!("无法读取导出目录 {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && name.ends_with(".ndjson") && entry.file_type()?.is_file() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn identity(path: &Path) -> SyncResult<(u64, u128)> {
    let m = std::fs::metadata(path).ctx(|| format!("无法读取 {}", path.display()))?;
    let modified = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    Ok((m.len(), modified.map(|d| d.as_nanos()).unwrap_or(0)))
}

fn count_newlines(path: &Path) -> SyncResult<usize> {
    let mut f = File::open(path).ctx(|| format!("无法读取 {}", path.display()))?;
    let (mut buf, mut n, mut last) = (vec![0u8; 1 << 20], 0usize, b'\n');
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        n += buf[..k].iter().filter(|b| **b == b'\n').count();
        last = buf[k - 1];
    }
    Ok(n + usize::from(last != b'\n'))
}

/// The idempotency key of a chunk: the same chunk of the same file always gets the same key.
pub fn chunk_key(file: &str, first_line: usize, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(file.as_bytes());
    h.update([0]);
    h.update(first_line.to_string().as_bytes());
    h.update([0]);
    h.update(body);
    format!("gtsync-{}", &hex::encode(h.finalize())[..40])
}

struct Paths {
    source: PathBuf,
    checkpoint: PathBuf,
    part: PathBuf,
    report: PathBuf,
}

impl Paths {
    fn of(cfg: &SyncConfig, export: &Path, reports: &Path, name: &str, started: &str) -> Paths {
        Paths {
            source: export.join(name),
            checkpoint: cfg.state_dir.join("push").join(format!("{name}.progress.json")),
            part: reports.join(format!(".{name}.{started}.report.ndjson.part")),
            report: reports.join(format!("{name}.{started}.report.ndjson")),
        }
    }
}

fn read_checkpoint(path: &Path) -> SyncResult<Option<Checkpoint>> {
    match std::fs::read(path) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| SyncError::Failed(anyhow::anyhow!("进度文件 {} 损坏:{e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).ctx(|| format!("无法读取 {}", path.display())),
    }
}

fn save_checkpoint(path: &Path, c: &Checkpoint) -> SyncResult<()> {
    write_atomic(path, &serde_json::to_vec(c).map_err(anyhow::Error::from)?)
}

pub fn run(cfg: &SyncConfig) -> SyncResult<PushSummary> {
    let export = cfg.dir(&cfg.export_dir, "export_dir")?;
    let reports = cfg.dir(&cfg.report_dir, "report_dir")?;
    let done = cfg.dir(&cfg.done_dir, "done_dir")?;
    let _lock = JobLock::acquire(&cfg.state_dir, "push")?;
    for d in [export, reports, done, &cfg.state_dir.join("push")] {
        ensure_dir(d)?;
    }
    forget_finished(cfg, export, reports)?;
    let files = pending_files(export)?;
    // Checkpoints and lines left to send, for the progress bar.
    let mut plan = Vec::with_capacity(files.len());
    let mut remaining = 0u64;
    for name in files {
        let source = export.join(&name);
        let lines = count_newlines(&source)?;
        let checkpoint = Paths::of(cfg, export, reports, &name, "").checkpoint;
        let cp = match read_checkpoint(&checkpoint)? {
            Some(c) if identity(&source)? == (c.size, c.modified_ns) => Some(c),
            Some(c) => {
                tracing::warn!(file = %name, "文件自上次中断后已改变,从头发送");
                let stale = Paths::of(cfg, export, reports, &name, &c.started).part;
                let _ = std::fs::remove_file(stale);
                None
            }
            None => None,
        };
        remaining += lines.saturating_sub(cp.as_ref().map(|c| c.next_line - 1).unwrap_or(0)) as u64;
        plan.push((name, lines, cp));
    }
    let mut progress = Progress::new("推送", Some(remaining));
    let client = HubClient::new(cfg)?;
    let mut summary = PushSummary::default();
    for (name, lines, cp) in plan {
        let cp = match cp {
            Some(c) => {
                progress.note(&format!("继续发送 {name}:从第 {} 行开始", c.next_line));
                c
            }
            None => {
                let (size, modified_ns) = identity(&export.join(&name))?;
                let c = Checkpoint {
                    file: name.clone(),
                    size,
                    modified_ns,
                    started: chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string(),
                    next_line: 1,
                    report_bytes: 0,
                    lines,
                    totals: Summary::default(),
                };
                // Before the report exists, so a re-run finds the report under the same name.
                save_checkpoint(&Paths::of(cfg, export, reports, &name, &c.started).checkpoint, &c)?;
                c
            }
        };
        let paths = Paths::of(cfg, export, reports, &name, &cp.started);
        let cp = send_file(cfg, &client, &paths, cp, &mut progress)?;
        finish_file(&paths, done, &name, &cp)?;
        if cp.totals.rejected > 0 {
            progress.warn(&format!("{name}:{} 行被拒收,详见 {}", cp.totals.rejected, paths.report.display()));
        }
        summary.lines += cp.totals.lines();
        summary.totals.add(&cp.totals);
        summary.files.push((name, paths.report));
    }
    let elapsed = progress.finish();
    if progress.on_terminal() {
        return Ok(summary);
    }
    tracing::info!(
        files = summary.files.len(),
        lines = summary.lines,
        created = summary.totals.created,
        updated = summary.totals.updated,
        unchanged = summary.totals.unchanged,
        rejected = summary.totals.rejected,
        secs = elapsed.as_secs_f64(),
        "推送完成"
    );
    Ok(summary)
}

/// Removes checkpoints of files a killed run had already reported and moved to `done_dir`
/// (it died before removing the checkpoint), so a new file of the same name starts afresh.
fn forget_finished(cfg: &SyncConfig, export: &Path, reports: &Path) -> SyncResult<()> {
    let dir = cfg.state_dir.join("push");
    for entry in std::fs::read_dir(&dir).ctx(|| format!("无法读取目录 {}", dir.display()))? {
        let path = entry?.path();
        let Some(cp) =
            path.to_string_lossy().ends_with(".progress.json").then(|| read_checkpoint(&path)).transpose()?.flatten()
        else {
            continue;
        };
        let paths = Paths::of(cfg, export, reports, &cp.file, &cp.started);
        if !paths.source.exists() && paths.report.exists() {
            std::fs::remove_file(&path).ctx(|| format!("无法删除 {}", path.display()))?;
            sync_dir(&dir)?;
        }
    }
    Ok(())
}

/// Sends the file's chunks from its checkpoint on; returns the final checkpoint.
fn send_file(
    cfg: &SyncConfig,
    client: &HubClient,
    paths: &Paths,
    mut cp: Checkpoint,
    progress: &mut Progress,
) -> SyncResult<Checkpoint> {
    let src = File::open(&paths.source).ctx(|| format!("无法读取 {}", paths.source.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, src);
    let mut line = Vec::new();
    // Skip what was sent before.
    for _ in 1..cp.next_line {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
    }
    let mut report = open_report(&paths.part, cp.report_bytes)?;
    loop {
        let first_line = cp.next_line;
        let (mut body, mut physical, mut payload) = (Vec::with_capacity(cfg.chunk_lines * 1024), 0usize, 0usize);
        while physical < cfg.chunk_lines {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            if line.last() != Some(&b'\n') {
                line.push(b'\n');
            }
            physical += 1;
            payload += usize::from(!line.iter().all(u8::is_ascii_whitespace));
            body.extend_from_slice(&line);
        }
        if physical == 0 {
            break;
        }
        let mut out = Vec::new();
        let mut totals = Summary::default();
        if payload > 0 {
            let key = chunk_key(&cp.file, first_line, &body);
            let answer = client.push_batch(&body, &key)?;
            if answer.results.len() != payload {
                return Err(SyncError::Failed(anyhow::anyhow!(
                    "{} 第 {first_line} 行起的批次有 {payload} 行,平台只返回 {} 条结果",
                    cp.file,
                    answer.results.len()
                )));
            }
            if answer.replayed {
                tracing::debug!(file = %cp.file, first_line, "平台按幂等键返回了首次结果");
            }
            for r in answer.results {
                totals.count(&r.status);
                let rl = ReportLine {
                    file: cp.file.clone(),
                    line: first_line - 1 + r.line,
                    status: r.status,
                    external_id: r.external_id,
                    id: r.id,
                    version: r.version,
                    errors: r.errors,
                };
                serde_json::to_writer(&mut out, &rl).map_err(anyhow::Error::from)?;
                out.push(b'\n');
            }
        }
        report.write_all(&out).ctx(|| format!("无法写入报告 {}", paths.part.display()))?;
        report.sync_data()?;
        cp.next_line += physical;
        cp.report_bytes += out.len() as u64;
        cp.totals.add(&totals);
        save_checkpoint(&paths.checkpoint, &cp)?;
        progress.advance(physical as u64);
    }
    Ok(cp)
}

/// The partial report, cut back to what the checkpoint covers: results appended after the
/// last checkpoint belong to a chunk that is sent again.
fn open_report(part: &Path, checkpointed: u64) -> SyncResult<File> {
    let what = || format!("无法写入报告 {}", part.display());
    let mut report = OpenOptions::new().create(true).truncate(false).write(true).open(part).ctx(what)?;
    report.set_len(checkpointed).ctx(what)?;
    report.seek(SeekFrom::Start(checkpointed)).ctx(what)?;
    Ok(report)
}

/// Seals the report, moves the file to `done_dir`, removes the checkpoint — in that order,
/// each step skipped when a previous run already did it.
fn finish_file(paths: &Paths, done: &Path, name: &str, cp: &Checkpoint) -> SyncResult<()> {
    if !paths.report.exists() {
        let mut report = open_report(&paths.part, cp.report_bytes)?;
        let s = ReportSummary {
            file: name.to_string(),
            lines: cp.totals.lines(),
            totals: cp.totals.clone(),
            started: cp.started.clone(),
            finished: chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string(),
        };
        let mut line = serde_json::to_vec(&serde_json::json!({ "summary": s })).map_err(anyhow::Error::from)?;
        line.push(b'\n');
        report.write_all(&line)?;
        report.sync_all()?;
        drop(report);
        rename_durable(&paths.part, &paths.report)?;
    }
    if paths.source.exists() {
        let mut target = done.join(name);
        if target.exists() {
            target = done.join(format!("{name}.{}", cp.started));
        }
        rename_durable(&paths.source, &target)?;
    }
    match std::fs::remove_file(&paths.checkpoint) {
        Ok(()) => sync_dir(paths.checkpoint.parent().unwrap_or(Path::new(".")))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).ctx(|| format!("无法删除 {}", paths.checkpoint.display())),
    }
    Ok(())
}
