//! Evidence files (佐证材料) of ledger items: uploaded by the unit (the type declared and the
//! content must be the same accepted kind; the size limit is enforced while the body is
//! read), kept in the database, downloaded by the office, the reviewing agencies and the
//! unit itself — never by anyone else, whatever they know of its id.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::db::schema::rectification_evidence as ev;
use crate::db::DbConnection;
use crate::domain::ids::{EvidenceId, ItemId};
use crate::domain::inspection::evidence::{check_upload, sanitize_filename, EvidenceRefusal, EvidenceType};
use crate::domain::inspection::items::ItemState;
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::policy::rectification::{self as rules, EVIDENCE_NOT_FOUND};
use crate::policy::Principal;
use crate::store::log::{write_tx, Actor};

use super::{ctx_of, load_item};

/// Most evidence files one item holds.
pub const MAX_FILES_PER_ITEM: i64 = 50;

/// An evidence file's description (its content is downloaded separately).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, Queryable, Selectable)]
#[diesel(table_name = ev)]
pub struct EvidenceView {
    pub id: String,
    pub item_id: String,
    /// The file name as stored (path and unsafe characters removed).
    pub filename: String,
    /// application/pdf, image/jpeg, image/png, DOCX or XLSX.
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub created_at: String,
}

/// A file to download: its name, type and content.
pub struct EvidenceFile {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// The evidence files of an item (the caller checked it may see them).
pub fn of_item(conn: &mut DbConnection, item_id: &str) -> QueryResult<Vec<EvidenceView>> {
    ev::table.filter(ev::item_id.eq(item_id)).order(ev::id).select(EvidenceView::as_select()).load(conn)
}

/// The unit uploads a file for one of its items not yet closed. Visibility and permission
/// come first (404/403), then the type: a type not accepted is 415, content that is not
/// what was declared (or none of the accepted kinds) 422.
pub fn upload(
    conn: &mut DbConnection,
    p: &Principal,
    item_id: &ItemId,
    filename: &str,
    declared_type: &str,
    content: &[u8],
) -> AppResult<EvidenceView> {
    write_tx(conn, |conn, log| {
        let (item, ctx) = load_item(conn, p, item_id)?;
        ctx.require_unit(p)?;
        let ty = match check_upload(declared_type, content) {
            Ok(t) => t,
            Err(EvidenceRefusal::TypeNotAccepted) => {
                return Err(AppError::UnsupportedMediaType(format!(
                    "佐证材料只接受以下类型:{}",
                    EvidenceType::expected()
                )))
            }
            Err(EvidenceRefusal::Empty) => return Err(AppError::validation("body", "文件内容为空")),
            Err(EvidenceRefusal::ContentMismatch) => {
                return Err(AppError::validation(
                    "body",
                    "文件内容与声明的类型(Content-Type)不符,或不是可接受的文件类型",
                ))
            }
        };
        if item.state()? == ItemState::Closed {
            return Err(AppError::Conflict("该整改事项已销号,不能再上传佐证材料".into()));
        }
        let have: i64 = ev::table.filter(ev::item_id.eq(&item.id)).count().get_result(conn)?;
        if have >= MAX_FILES_PER_ITEM {
            return Err(AppError::Conflict(format!("每个整改事项最多 {MAX_FILES_PER_ITEM} 份佐证材料")));
        }
        let v = EvidenceView {
            id: new_id(),
            item_id: item.id.clone(),
            filename: sanitize_filename(filename, ty),
            content_type: ty.mime().into(),
            size_bytes: content.len() as i64,
            sha256: hex::encode(Sha256::digest(content)),
            created_at: log.at().into(),
        };
        diesel::insert_into(ev::table)
            .values((
                ev::id.eq(&v.id),
                ev::item_id.eq(&v.item_id),
                ev::inspected_unit_id.eq(&ctx.unit.id),
                ev::filename.eq(&v.filename),
                ev::content_type.eq(&v.content_type),
                ev::size_bytes.eq(v.size_bytes),
                ev::sha256.eq(&v.sha256),
                ev::content.eq(content),
                ev::uploaded_by.eq(p.actor_id()),
                ev::created_at.eq(&v.created_at),
            ))
            .execute(conn)?;
        log.audit(
            &Actor::from(p),
            "rectification_evidence.upload",
            "rectification_evidence",
            Some(&v.id),
            None,
            json!({"item_id": v.item_id, "content_type": v.content_type, "size_bytes": v.size_bytes, "sha256": v.sha256}),
        );
        Ok(v)
    })
}

/// A file for download, to the office, the reviewing agencies and the unit; 404 to anyone
/// else (another unit's account included).
pub fn download(conn: &mut DbConnection, p: &Principal, id: &EvidenceId) -> AppResult<EvidenceFile> {
    let not_found = || AppError::NotFound(EVIDENCE_NOT_FOUND.into());
    let (unit_id, filename, content_type): (String, String, String) = ev::table
        .find(id.as_str())
        .select((ev::inspected_unit_id, ev::filename, ev::content_type))
        .first(conn)
        .optional()?
        .ok_or_else(not_found)?;
    let ctx = ctx_of(conn, p, &unit_id, EVIDENCE_NOT_FOUND)?;
    rules::require_evidence_reader(ctx.who)?;
    let content: Vec<u8> = ev::table.find(id.as_str()).select(ev::content).first(conn)?;
    Ok(EvidenceFile { filename, content_type, content })
}
