//! The two sync commands as the CLI runs them: load the configuration, run, print a summary
//! for the person or the cron mail, and turn the outcome into the documented exit code.

use std::path::Path;
use std::process::ExitCode;

use crate::sync::config::SyncConfig;
use crate::sync::error::{exit, SyncError};

/// Exit codes and what they mean, for `--help` and README.md.
pub const EXIT_CODES: &str = "退出码:
  0   成功(push:全部行均被接受)
  1   失败:网络或平台故障在重试后仍未恢复、本地读写出错等;可直接重新运行,已完成的部分不会重复
  2   配置文件缺失或有误
  3   push:所有文件均已发送并写好报告,但有行被平台拒收(见报告中的行号与原因)
  4   平台拒绝本任务(接入密钥无效 401、无权限 403、缺少查阅事由 428、批次过大 413 等),重试无用,须人工处理
  75  同一命令的另一次运行尚未结束(锁文件被占用),本次未执行";

fn report(e: &SyncError) -> ExitCode {
    tracing::error!(code = ?e.exit_code(), "{e:#}");
    eprintln!("错误:{e:#}");
    e.exit_code()
}

pub fn pull(config: &Path) -> ExitCode {
    let outcome = SyncConfig::load(config).and_then(|cfg| crate::sync::pull::run(&cfg));
    match outcome {
        Ok(s) => {
            println!("拉取完成:{} 条事件,写入 {} 个文件,游标 {}", s.events, s.files.len(), s.cursor);
            ExitCode::SUCCESS
        }
        Err(e) => report(&e),
    }
}

pub fn push(config: &Path) -> ExitCode {
    let outcome = SyncConfig::load(config).and_then(|cfg| crate::sync::push::run(&cfg));
    match outcome {
        Ok(s) => {
            let t = &s.totals;
            println!(
                "推送完成:{} 个文件,{} 行 —— 新建 {},更新 {},未变 {},拒收 {}",
                s.files.len(),
                s.lines,
                t.created,
                t.updated,
                t.unchanged,
                t.rejected
            );
            for (file, report) in &s.files {
                println!("  {file} → 报告 {}", report.display());
            }
            if t.rejected > 0 {
                eprintln!("有 {} 行被平台拒收,行号与原因见上列报告", t.rejected);
                ExitCode::from(exit::REJECTED_LINES)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => report(&e),
    }
}
