//! Answering a file as a download with its Chinese name, the same way everywhere: ledgers the
//! API exports (CSV or XLSX) and stored files (evidence, a report's attachments).

use actix_web::HttpResponse;

use crate::service::ledger_export::ExportFormat;

/// The file as a download named `<stem>-<today>.<ext>` (the ASCII fallback `ledger.<ext>`),
/// never kept in a cache (ledgers carry case data).
pub fn attachment(format: ExportFormat, stem: &str, bytes: Vec<u8>) -> HttpResponse {
    let ext = format.extension();
    let filename = format!("{stem}-{}.{ext}", crate::domain::clock::today());
    file("ledger", &filename, format.content_type(), bytes)
}

/// A stored file as a download named `filename` (UTF-8; the ASCII fallback is
/// `<fallback>.<its extension>`), of its checked type, never kept in a cache.
pub fn file(fallback: &str, filename: &str, content_type: &str, bytes: Vec<u8>) -> HttpResponse {
    let encoded: String =
        percent_encoding::utf8_percent_encode(filename, percent_encoding::NON_ALPHANUMERIC).to_string();
    let ext = filename.rsplit('.').next().unwrap_or("bin");
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{fallback}.{ext}\"; filename*=UTF-8''{encoded}"),
        ))
        .body(bytes)
}
