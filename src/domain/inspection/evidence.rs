//! Evidence files (佐证材料) of a ledger item: which kinds are accepted (PDF, JPEG, PNG, DOCX,
//! XLSX), recognised by their content (magic bytes, through the `infer` crate) and required to
//! agree with the declared `Content-Type`; and the file name as it may be stored and offered
//! back for download.

/// A kind of evidence file the hub accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceType {
    Pdf,
    Jpeg,
    Png,
    Docx,
    Xlsx,
}

/// Longest stored file name, in characters.
pub const MAX_FILENAME_CHARS: usize = 100;

impl EvidenceType {
    pub const ALL: [EvidenceType; 5] =
        [EvidenceType::Pdf, EvidenceType::Jpeg, EvidenceType::Png, EvidenceType::Docx, EvidenceType::Xlsx];

    /// The media type, as declared on upload and answered on download.
    pub fn mime(self) -> &'static str {
        match self {
            EvidenceType::Pdf => "application/pdf",
            EvidenceType::Jpeg => "image/jpeg",
            EvidenceType::Png => "image/png",
            EvidenceType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            EvidenceType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file name extension (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            EvidenceType::Pdf => "pdf",
            EvidenceType::Jpeg => "jpg",
            EvidenceType::Png => "png",
            EvidenceType::Docx => "docx",
            EvidenceType::Xlsx => "xlsx",
        }
    }

    /// The accepted media types, for messages and the API description.
    pub fn expected() -> String {
        EvidenceType::ALL.iter().map(|t| t.mime()).collect::<Vec<_>>().join(", ")
    }

    /// The type a declared `Content-Type` names (parameters and case ignored), if accepted.
    pub fn from_declared(content_type: &str) -> Option<EvidenceType> {
        let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        EvidenceType::ALL.into_iter().find(|t| t.mime() == essence)
    }

    /// The type the content is, by its magic bytes (a DOCX or XLSX by the parts of its zip
    /// container), if accepted.
    pub fn sniff(bytes: &[u8]) -> Option<EvidenceType> {
        if infer::archive::is_pdf(bytes) && bytes.starts_with(b"%PDF") {
            Some(EvidenceType::Pdf)
        } else if infer::image::is_jpeg(bytes) {
            Some(EvidenceType::Jpeg)
        } else if infer::image::is_png(bytes) {
            Some(EvidenceType::Png)
        } else if infer::doc::is_docx(bytes) {
            Some(EvidenceType::Docx)
        } else if infer::doc::is_xlsx(bytes) {
            Some(EvidenceType::Xlsx)
        } else {
            None
        }
    }
}

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceRefusal {
    /// The declared type is none of the accepted ones (415).
    TypeNotAccepted,
    /// The content is none of the accepted kinds, or not the kind declared (422).
    ContentMismatch,
    /// Nothing was sent (422).
    Empty,
}

/// Checks an upload: its declared type and its content must be the same accepted kind.
pub fn check_upload(declared: &str, bytes: &[u8]) -> Result<EvidenceType, EvidenceRefusal> {
    let declared = EvidenceType::from_declared(declared).ok_or(EvidenceRefusal::TypeNotAccepted)?;
    if bytes.is_empty() {
        return Err(EvidenceRefusal::Empty);
    }
    match EvidenceType::sniff(bytes) {
        Some(t) if t == declared => Ok(t),
        _ => Err(EvidenceRefusal::ContentMismatch),
    }
}

/// The name a file is stored and offered under: the last path segment only, without control
/// characters or characters file systems refuse (`<>:"/\|?*`), no leading dots, at most
/// `MAX_FILENAME_CHARS`, ending in the extension of its (checked) type.
pub fn sanitize_filename(name: &str, ty: EvidenceType) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let ext = ty.extension();
    let stem = match cleaned.rsplit_once('.') {
        Some((stem, e))
            if e.eq_ignore_ascii_case(ext) || (ty == EvidenceType::Jpeg && e.eq_ignore_ascii_case("jpeg")) =>
        {
            stem.trim()
        }
        _ => cleaned,
    };
    let stem = if stem.is_empty() { "佐证材料" } else { stem };
    let room = MAX_FILENAME_CHARS - ext.len() - 1;
    let stem: String = stem.chars().take(room).collect();
    format!("{}.{ext}", stem.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj";

    #[test]
    fn the_declared_type_and_the_content_must_agree() {
        assert_eq!(check_upload("application/pdf", PDF), Ok(EvidenceType::Pdf));
        assert_eq!(check_upload("Image/PNG; charset=binary", PNG), Ok(EvidenceType::Png));
        assert_eq!(check_upload("image/png", PDF), Err(EvidenceRefusal::ContentMismatch));
        assert_eq!(check_upload("application/pdf", b"<html><script>"), Err(EvidenceRefusal::ContentMismatch));
        assert_eq!(check_upload("text/html", b"<html>"), Err(EvidenceRefusal::TypeNotAccepted));
        assert_eq!(check_upload("application/zip", b"PK\x03\x04"), Err(EvidenceRefusal::TypeNotAccepted));
        assert_eq!(check_upload("application/pdf", b""), Err(EvidenceRefusal::Empty));
        // A PDF marker somewhere later in the first KiB is not a PDF file.
        assert_eq!(check_upload("application/pdf", b"<html>%PDF-1.4"), Err(EvidenceRefusal::ContentMismatch));
        // A zip that is not an Office document is not a DOCX.
        let zip = b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x08\0\0\0notes.txt";
        assert_eq!(check_upload(EvidenceType::Docx.mime(), zip), Err(EvidenceRefusal::ContentMismatch));
    }

    #[test]
    fn file_names_are_stripped_of_paths_and_unsafe_characters() {
        use EvidenceType::*;
        assert_eq!(sanitize_filename("整改报告.pdf", Pdf), "整改报告.pdf");
        assert_eq!(sanitize_filename("../../etc/passwd", Pdf), "passwd.pdf");
        assert_eq!(sanitize_filename("C:\\Users\\x\\现场照片.JPEG", Jpeg), "现场照片.jpg");
        assert_eq!(sanitize_filename("a<b>|c?.png", Png), "abc.png");
        assert_eq!(sanitize_filename("..\u{0}\r\n", Xlsx), "佐证材料.xlsx");
        assert_eq!(sanitize_filename("report.exe", Docx), "report.exe.docx");
        let long = "长".repeat(300);
        let s = sanitize_filename(&long, Pdf);
        assert_eq!(s.chars().count(), MAX_FILENAME_CHARS);
        assert!(s.ends_with(".pdf"));
    }
}
