//! `guantong sync pull`: the agency's entitled change feed, from its stored cursor, into NDJSON
//! files in `pull_dir` (one event per line, exactly as the hub sent it).
//!
//! Files are named `feed-<first seq>-<last seq>.ndjson` with 16-digit zero-padded numbers, so
//! name order is sequence order. The cursor (`<state_dir>/pull.cursor`) holds the last
//! sequence number that is safely in a file. Every event ends up in exactly one file, in
//! order, even when the job is killed at any point and run again, because each file is
//! published by this protocol:
//!
//! 1. the events after the cursor go into the hidden temp file `.feed-F-L.ndjson.tmp`, fsynced;
//! 2. the intent `F L` is written to `<state_dir>/pull.pending` (temp, fsync, rename, fsync dir);
//! 3. the temp file is renamed to `feed-F-L.ndjson` and `pull_dir` is fsynced;
//! 4. the cursor becomes `L` (temp, fsync, rename, fsync dir).
//!
//! On start, a pending intent beyond the cursor is completed first: if the temp file is still
//! there (killed between 2 and 3) it is renamed now; either way the cursor moves to `L` —
//! if neither file is found, the agency's system has already taken the published file away.
//! Other hidden temp files are leftovers of a flush killed before step 2; their events are
//! after the cursor, so they are deleted and pulled again. Thus a range is published at
//! most once (its intent is completed before anything else), and no event is skipped (the
//! cursor only passes `L` once `feed-F-L` is durable). The cursor is also never below the
//! last sequence of a published file still in the folder, which covers a lost state folder.
//! The agency's system must skip dotfiles and may move files it has read away at any time.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::sync::client::{EventHead, HubClient};
use crate::sync::config::SyncConfig;
use crate::sync::durable::{ensure_dir, rename_durable, sync_dir, temp_path, write_atomic, JobLock};
use crate::sync::error::{IoContext, SyncError, SyncResult};
use crate::sync::progress::Progress;

/// What one run did.
#[derive(Debug, Default)]
pub struct PullSummary {
    pub events: u64,
    pub files: Vec<PathBuf>,
    pub cursor: i64,
}

pub fn file_name(first: i64, last: i64) -> String {
    format!("feed-{first:016}-{last:016}.ndjson")
}

/// `(first, last)` of a published feed file's name.
pub fn parse_file_name(name: &str) -> Option<(i64, i64)> {
    let (a, b) = name.strip_prefix("feed-")?.strip_suffix(".ndjson")?.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn read_number_pair(path: &Path) -> SyncResult<Option<(i64, i64)>> {
    match std::fs::read_to_string(path) {
        Ok(s) => {
            let mut it = s.split_whitespace().map(str::parse::<i64>);
            match (it.next(), it.next()) {
                (Some(Ok(a)), Some(Ok(b))) => Ok(Some((a, b))),
                (Some(Ok(a)), None) => Ok(Some((a, a))),
                _ => Err(SyncError::Failed(anyhow::anyhow!("状态文件 {} 内容损坏:{s:?}", path.display()))),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).ctx(|| format!("无法读取 {}", path.display())),
    }
}

/// The stored cursor (0 before the first run).
pub fn read_cursor(state_dir: &Path) -> SyncResult<i64> {
    Ok(read_number_pair(&state_dir.join("pull.cursor"))?.map(|p| p.0).unwrap_or(0))
}

fn write_cursor(state_dir: &Path, seq: i64) -> SyncResult<()> {
    write_atomic(&state_dir.join("pull.cursor"), format!("{seq}\n").as_bytes())
}

/// Completes an interrupted publication and returns the cursor to continue from.
fn recover(state_dir: &Path, out: &Path, progress: &Progress) -> SyncResult<i64> {
    let mut cursor = read_cursor(state_dir)?;
    let pending = read_number_pair(&state_dir.join("pull.pending"))?;
    if let Some((first, last)) = pending.filter(|p| p.1 > cursor) {
        let name = file_name(first, last);
        let (final_path, tmp) = (out.join(&name), temp_path(&out.join(&name)));
        if !final_path.exists() && tmp.exists() {
            rename_durable(&tmp, &final_path)?;
        }
        progress.note(&format!("上次运行在发布 {name} 时中断,已补全;游标推进到 {last}"));
        cursor = last;
        write_cursor(state_dir, cursor)?;
    }
    let mut highest = 0;
    for entry in std::fs::read_dir(out).ctx(|| format!("无法读取目录 {}", out.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".feed-") && name.ends_with(".tmp") {
            // Written before its intent: incomplete or never published; pulled again below.
            std::fs::remove_file(entry.path()).ctx(|| format!("无法删除临时文件 {name}"))?;
        } else if let Some((_, last)) = parse_file_name(&name) {
            highest = highest.max(last);
        }
    }
    if highest > cursor {
        progress.note(&format!("游标 {cursor} 落后于目录中已发布的文件,按文件推进到 {highest}"));
        cursor = highest;
        write_cursor(state_dir, cursor)?;
    }
    Ok(cursor)
}

/// Publishes `lines` (events `first..=last`) by the protocol in the module doc.
fn publish(state_dir: &Path, out: &Path, first: i64, last: i64, lines: &[u8]) -> SyncResult<PathBuf> {
    let path = out.join(file_name(first, last));
    let tmp = temp_path(&path);
    let what = || format!("无法写入 {}", tmp.display());
    let mut f = std::fs::File::create(&tmp).ctx(what)?;
    f.write_all(lines).ctx(what)?;
    f.sync_all().ctx(what)?;
    drop(f);
    write_atomic(&state_dir.join("pull.pending"), format!("{first} {last}\n").as_bytes())?;
    std::fs::rename(&tmp, &path).ctx(|| format!("无法发布 {}", path.display()))?;
    sync_dir(out)?;
    write_cursor(state_dir, last)?;
    Ok(path)
}

pub fn run(cfg: &SyncConfig) -> SyncResult<PullSummary> {
    let out = cfg.dir(&cfg.pull_dir, "pull_dir")?;
    let _lock = JobLock::acquire(&cfg.state_dir, "pull")?;
    ensure_dir(out)?;
    let mut progress = Progress::new("拉取", None);
    let start = recover(&cfg.state_dir, out, &progress)?;
    let client = HubClient::new(cfg)?;
    let mut summary = PullSummary { cursor: start, ..PullSummary::default() };
    let (mut after, mut buf, mut count, mut first) = (start, Vec::new(), 0usize, 0i64);
    tracing::info!(cursor = start, "开始拉取变更流");
    loop {
        let page = client.feed(after, cfg.page_size)?;
        if let (Some(head), None) = (page.head_seq, progress.length()) {
            progress.set_length(head.saturating_sub(start).max(0) as u64);
        }
        let n = page.events.len();
        for raw in page.events {
            let head: EventHead = serde_json::from_str(raw.get())
                .map_err(|e| SyncError::Failed(anyhow::anyhow!("变更流事件无法解析:{e}")))?;
            if head.seq <= after {
                return Err(SyncError::Failed(anyhow::anyhow!(
                    "变更流序号未递增({} 之后收到 {}),已停止以免重复写入",
                    after,
                    head.seq
                )));
            }
            if count == 0 {
                first = head.seq;
            }
            buf.extend_from_slice(raw.get().as_bytes());
            buf.push(b'\n');
            count += 1;
            after = head.seq;
            if count == cfg.records_per_file {
                summary.files.push(publish(&cfg.state_dir, out, first, after, &buf)?);
                summary.events += count as u64;
                summary.cursor = after;
                progress.advance_to(count as u64, (after - start) as u64);
                (buf, count) = (Vec::new(), 0);
            }
        }
        // An empty page still moves `after` past nothing; the hub's cursor is authoritative.
        if n == 0 || !page.has_more {
            break;
        }
    }
    if count > 0 {
        summary.files.push(publish(&cfg.state_dir, out, first, after, &buf)?);
        summary.events += count as u64;
        summary.cursor = after;
        progress.advance_to(count as u64, (after - start) as u64);
    }
    let elapsed = progress.finish();
    if progress.on_terminal() {
        return Ok(summary);
    }
    tracing::info!(
        events = summary.events,
        files = summary.files.len(),
        cursor = summary.cursor,
        secs = elapsed.as_secs_f64(),
        "拉取完成"
    );
    Ok(summary)
}
