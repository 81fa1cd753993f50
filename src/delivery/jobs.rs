//! The jobs that follow the event log after commit and change only derived data: duplicate
//! handling (`service::similar::step`) and the search index (`service::search_index::step`);
//! on PostgreSQL also sealing audit entries into the hash chain (`store::log::seal_pending`).
//! Each keeps its position in `job_cursors` and holds it with a lease, so several hub
//! instances may run this loop: one advances each job at a time. A failed step is retried
//! from the same position at the next round; nothing acknowledged depends on these jobs
//! having run (a search matches what the index has not reached yet by substring).

use std::time::Duration;

use super::{after, wait_for_work, WorkerContext};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::store::cursors::{self, Job};
use crate::store::log;

/// How long a step's lease lasts (a step is one batch, seconds at most).
const LEASE: Duration = Duration::from_secs(60);

/// Events compared, or records indexed, per step.
const DUPLICATES_BATCH: i64 = 1000;
const INDEX_BATCH: i64 = 500;
/// Audit entries sealed per step.
const SEAL_BATCH: i64 = 1000;

/// Steps one job takes before the other gets its turn.
const ROUNDS: usize = 20;

pub async fn run(ctx: WorkerContext) {
    let mut commits = log::commits().subscribe();
    while !ctx.stopping() {
        let mut busy = true;
        while busy && !ctx.stopping() {
            busy = seal_audit(&ctx).await | duplicates(&ctx).await | search_index(&ctx).await;
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

/// One step of sealing audit entries; returns whether more are waiting.
async fn seal_audit(ctx: &WorkerContext) -> bool {
    match ctx.db(|conn| Ok(log::seal_pending(conn, SEAL_BATCH)?)).await {
        Ok(sealed) => sealed as i64 == SEAL_BATCH && !ctx.stopping(),
        Err(e) => {
            tracing::warn!(error = %e, "审计日志封链失败,稍后重试");
            false
        }
    }
}

/// Up to `ROUNDS` steps of duplicate handling; returns whether more is waiting.
async fn duplicates(ctx: &WorkerContext) -> bool {
    let step = |conn: &mut DbConnection, owner: &str, until: &str| {
        crate::service::similar::step(conn, owner, until, DUPLICATES_BATCH)
    };
    rounds(ctx, "重复办理比对失败,稍后重试", step, |s| s.more).await
}

/// Up to `ROUNDS` steps of indexing; returns whether more is waiting.
async fn search_index(ctx: &WorkerContext) -> bool {
    let step = |conn: &mut DbConnection, owner: &str, until: &str| {
        crate::service::search_index::step(conn, owner, until, INDEX_BATCH)
    };
    rounds(ctx, "检索索引更新失败,稍后重试", step, |s| s.more).await
}

/// Up to `ROUNDS` steps of one job while this instance holds it and more is waiting; returns
/// whether more is still waiting after them. A failed step is logged and retried next round.
async fn rounds<S: Send + 'static>(
    ctx: &WorkerContext,
    failed: &'static str,
    step: fn(&mut DbConnection, &str, &str) -> AppResult<Option<S>>,
    more: fn(&S) -> bool,
) -> bool {
    for _ in 0..ROUNDS {
        let owner = ctx.instance.clone();
        match ctx.db(move |conn| step(conn, &owner, &after(LEASE))).await {
            Ok(Some(s)) if more(&s) && !ctx.stopping() => {}
            Ok(_) => return false,
            Err(e) => {
                tracing::warn!(error = %e, "{failed}");
                return false;
            }
        }
    }
    true
}
