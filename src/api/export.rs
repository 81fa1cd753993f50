//! Answering a ledger file (CSV or XLSX) with a Chinese file name, the same way for every
//! ledger the API exports.

use actix_web::HttpResponse;

use crate::service::ledger_export::ExportFormat;

/// The file as a download named `<stem>-<today>.<ext>` (the ASCII fallback `ledger.<ext>`),
/// never kept in a cache (ledgers carry case data).
pub fn attachment(format: ExportFormat, stem: &str, bytes: Vec<u8>) -> HttpResponse {
    let ext = format.extension();
    let filename = format!("{stem}-{}.{ext}", crate::domain::clock::today());
    let encoded: String =
        percent_encoding::utf8_percent_encode(&filename, percent_encoding::NON_ALPHANUMERIC).to_string();
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"ledger.{ext}\"; filename*=UTF-8''{encoded}"),
        ))
        .body(bytes)
}
