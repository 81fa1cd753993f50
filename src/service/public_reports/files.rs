//! A report's files: checked by content and cleaned (`domain::public_report::attachments`),
//! then stored under names that say nothing of the reporter.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::public_report_files as files;
use crate::db::DbConnection;
use crate::domain::new_id;
use crate::domain::public_report::attachments::{self, CleanFile, MAX_FILES};
use crate::error::{AppError, AppResult};

/// Decodes and re-encodes each file (bounded count; the size was bounded while reading).
pub(super) fn clean_files(raw: &[Vec<u8>]) -> AppResult<Vec<CleanFile>> {
    if raw.len() > MAX_FILES {
        return Err(AppError::validation("files", format!("最多上传 {MAX_FILES} 个文件")));
    }
    raw.iter()
        .enumerate()
        .map(|(i, b)| {
            attachments::clean(b).map_err(|e| match e {
                attachments::FileRefusal::TypeNotAccepted => {
                    AppError::UnsupportedMediaType(format!("第 {} 个文件:{e}", i + 1))
                }
                _ => AppError::validation("files", format!("第 {} 个文件:{e}", i + 1)),
            })
        })
        .collect()
}

pub(super) fn insert_files(
    conn: &mut DbConnection,
    report_id: &str,
    first_no: usize,
    clean: &[CleanFile],
    at: &str,
) -> QueryResult<()> {
    for (i, f) in clean.iter().enumerate() {
        diesel::insert_into(files::table)
            .values((
                files::id.eq(new_id()),
                files::report_id.eq(report_id),
                // The reporter's own file name is not kept: it may name them.
                files::filename.eq(format!("附件{}.{}", first_no + i, f.extension)),
                files::content_type.eq(f.content_type),
                files::size_bytes.eq(f.bytes.len() as i64),
                files::sha256.eq(hex::encode(Sha256::digest(&f.bytes))),
                files::content.eq(&f.bytes),
                files::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
