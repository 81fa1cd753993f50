//! The jobs that follow the event log after commit and change only derived data: duplicate
//! handling (`service::similar::step`) and the search index (`service::search_index::step`).
//! Each keeps its position in `job_cursors` and holds it with a lease, so several hub
//! instances may run this loop: one advances each job at a time. A failed step is retried
//! from the same position at the next round; nothing acknowledged depends on these jobs
//! having run (a search matches what the index has not reached yet by substring).

use std::time::Duration;

use super::{after, wait_for_work, WorkerContext};
use crate::store::cursors::{self, Job};
use crate::store::log;

/// How long a step's lease lasts (a step is one batch, seconds at most).
const LEASE: Duration = Duration::from_secs(60);

/// Events compared, or records indexed, per step.
const DUPLICATES_BATCH: i64 = 1000;
const INDEX_BATCH: i64 = 500;

/// Steps one job takes before the other gets its turn.
const ROUNDS: usize = 20;

pub async fn run(ctx: WorkerContext) {
    let mut commits = log::commits().subscribe();
    while !ctx.stopping() {
        let mut busy = true;
        while busy && !ctx.stopping() {
            busy = duplicates(&ctx).await | search_index(&ctx).await;
        }
        wait_for_work(&ctx, &mut commits).await;
    }
    let owner = ctx.instance.clone();
    let released = ctx
        .db(move |conn| {
            cursors::release(conn, Job::Duplicates, &owner)?;
            Ok(cursors::release(conn, Job::SearchIndex, &owner)?)
        })
        .await;
    if let Err(e) = released {
        tracing::warn!(error = %e, "停止时未能交还后台任务租约(租约到期后由其他实例接手)");
    }
    tracing::debug!("查重与检索索引任务已停止");
}

/// Up to `ROUNDS` steps of duplicate handling; returns whether more is waiting.
async fn duplicates(ctx: &WorkerContext) -> bool {
    for _ in 0..ROUNDS {
        let owner = ctx.instance.clone();
        let step =
            ctx.db(move |conn| crate::service::similar::step(conn, &owner, &after(LEASE), DUPLICATES_BATCH)).await;
        match step {
            Ok(Some(s)) if s.more && !ctx.stopping() => {}
            Ok(Some(s)) => {
                if s.flagged > 0 {
                    tracing::debug!(events = s.events, flagged = s.flagged, "已标记疑似重复线索");
                }
                return false;
            }
            Ok(None) => return false,
            Err(e) => {
                tracing::warn!(error = %e, "重复办理比对失败,稍后重试");
                return false;
            }
        }
    }
    true
}

/// Up to `ROUNDS` steps of indexing; returns whether more is waiting.
async fn search_index(ctx: &WorkerContext) -> bool {
    for _ in 0..ROUNDS {
        let owner = ctx.instance.clone();
        let step =
            ctx.db(move |conn| crate::service::search_index::step(conn, &owner, &after(LEASE), INDEX_BATCH)).await;
        match step {
            Ok(Some(s)) if s.more && !ctx.stopping() => {}
            Ok(_) => return false,
            Err(e) => {
                tracing::warn!(error = %e, "检索索引更新失败,稍后重试");
                return false;
            }
        }
    }
    true
}
