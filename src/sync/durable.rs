//! Crash-safe file primitives for the sync job: a file is either absent or complete (written
//! to a hidden temp file, fsynced, renamed into place, and the folder fsynced so the rename
//! itself survives a power cut), and the job lock that keeps two runs from overlapping.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::sync::error::{IoContext, SyncError, SyncResult};

/// Makes a folder's entries (creations, renames, removals) durable.
pub fn sync_dir(dir: &Path) -> SyncResult<()> {
    File::open(dir).and_then(|d| d.sync_all()).ctx(|| format!("无法同步目录 {}", dir.display()))
}

/// The hidden temp name used while `path` is being written; readers skip dotfiles.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Writes `path` so that after a crash it holds either its old content or all of `bytes`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> SyncResult<()> {
    let tmp = temp_path(path);
    let what = || format!("无法写入 {}", path.display());
    let mut f = File::create(&tmp).ctx(what)?;
    f.write_all(bytes).ctx(what)?;
    f.sync_all().ctx(what)?;
    drop(f);
    std::fs::rename(&tmp, path).ctx(what)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Renames `from` to `to` (same file system) and makes both folders durable.
pub fn rename_durable(from: &Path, to: &Path) -> SyncResult<()> {
    std::fs::rename(from, to).ctx(|| format!("无法将 {} 移到 {}", from.display(), to.display()))?;
    let (a, b) = (from.parent().unwrap_or(Path::new(".")), to.parent().unwrap_or(Path::new(".")));
    sync_dir(b)?;
    if a != b {
        sync_dir(a)?;
    }
    Ok(())
}

/// Creates a folder (and its parents) if missing.
pub fn ensure_dir(dir: &Path) -> SyncResult<()> {
    std::fs::create_dir_all(dir).ctx(|| format!("无法创建目录 {}", dir.display()))
}

/// An exclusive lock on `<state_dir>/<job>.lock`, held until dropped (or the process dies:
/// the kernel releases it, so a killed run never leaves a stale lock behind).
pub struct JobLock {
    _file: File,
}

impl JobLock {
    pub fn acquire(state_dir: &Path, job: &'static str) -> SyncResult<JobLock> {
        ensure_dir(state_dir)?;
        let path = state_dir.join(format!("{job}.lock"));
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .ctx(|| format!("无法打开锁文件 {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(SyncError::Locked(job, path.display().to_string()));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).ctx(|| format!("无法锁定 {}", path.display()));
            }
        }
        // For a person looking at the file: who holds it.
        let _ = file.set_len(0).and_then(|_| writeln!(file, "{}", std::process::id()));
        Ok(JobLock { _file: file })
    }
}
