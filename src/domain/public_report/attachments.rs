//! Files a reporter attaches: photos (JPEG, PNG) and PDF documents, recognised by their
//! content, never by name or declared type. Photos are decoded and encoded anew, so that
//! nothing of the original file but its pixels is kept: no EXIF (location, device, time), no
//! comments, no trailing data. Decoding is bounded (dimensions and memory) against images
//! built to explode. The reporter's file name is not kept either (it may name them).

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::domain::inspection::evidence::EvidenceType;

/// Most files one submission carries.
pub const MAX_FILES: usize = 3;
/// Largest file, in bytes (a phone photo is 2–6 MB; larger ones are refused, not cut).
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// Largest width or height of a photo, in pixels, and the memory its decoding may take.
pub const MAX_PIXELS_SIDE: u32 = 10_000;
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// Quality of the JPEG a photo is encoded to.
const JPEG_QUALITY: u8 = 85;

/// A file as it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanFile {
    pub content_type: &'static str,
    pub extension: &'static str,
    pub bytes: Vec<u8>,
}

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileRefusal {
    #[error("只能上传照片(JPG、PNG)或 PDF 文件")]
    TypeNotAccepted,
    #[error("照片无法识别或已损坏")]
    Unreadable,
    #[error("照片尺寸过大(长或宽超过 {MAX_PIXELS_SIDE} 像素)")]
    TooLarge,
}

/// Checks a file by its content and returns what is kept of it.
pub fn clean(bytes: &[u8]) -> Result<CleanFile, FileRefusal> {
    match EvidenceType::sniff(bytes) {
        Some(EvidenceType::Jpeg) => reencode(bytes, ImageFormat::Jpeg),
        Some(EvidenceType::Png) => reencode(bytes, ImageFormat::Png),
        Some(EvidenceType::Pdf) => {
            Ok(CleanFile { content_type: "application/pdf", extension: "pdf", bytes: bytes.to_vec() })
        }
        _ => Err(FileRefusal::TypeNotAccepted),
    }
}

/// Decodes (turned upright as its EXIF says, since the EXIF goes) and encodes anew.
fn reencode(bytes: &[u8], format: ImageFormat) -> Result<CleanFile, FileRefusal> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_PIXELS_SIDE);
    limits.max_image_height = Some(MAX_PIXELS_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    img.apply_orientation(orientation);
    let mut out = Cursor::new(Vec::new());
    let (content_type, extension) = match format {
        ImageFormat::Png => {
            img.write_to(&mut out, ImageFormat::Png).map_err(|_| FileRefusal::Unreadable)?;
            ("image/png", "png")
        }
        _ => {
            // JPEG has no alpha: flatten to RGB first.
            let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
            let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
            rgb.write_with_encoder(enc).map_err(|_| FileRefusal::Unreadable)?;
            ("image/jpeg", "jpg")
        }
    };
    Ok(CleanFile { content_type, extension, bytes: out.into_inner() })
}

fn refusal(e: image::ImageError) -> FileRefusal {
    match e {
        image::ImageError::Limits(_) => FileRefusal::TooLarge,
        _ => FileRefusal::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo_with_exif() -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_pixel(40, 20, image::Rgb([200, 30, 30])));
        let mut jpeg = Cursor::new(Vec::new());
        img.write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
        let jpeg = jpeg.into_inner();
        // An APP1 EXIF segment with a marker text, right after SOI.
        let payload = b"Exif\0\0GPS-31.2304N-121.4737E-secret-device";
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        app1.extend_from_slice(payload);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn photos_lose_their_metadata_and_keep_their_pixels() {
        let with = photo_with_exif();
        assert!(with.windows(10).any(|w| w == b"GPS-31.230"), "the test photo carries EXIF");
        let clean = clean(&with).expect("a JPEG is accepted");
        assert_eq!(clean.content_type, "image/jpeg");
        assert!(!clean.bytes.windows(4).any(|w| w == b"Exif"), "no EXIF segment is kept");
        assert!(!clean.bytes.windows(10).any(|w| w == b"GPS-31.230"));
        let back = image::load_from_memory(&clean.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (40, 20));
    }

    #[test]
    fn type_is_decided_by_content() {
        assert_eq!(clean(b"<html><script>alert(1)</script>"), Err(FileRefusal::TypeNotAccepted));
        assert_eq!(clean(b"MZ\x90\0\x03"), Err(FileRefusal::TypeNotAccepted));
        assert_eq!(clean(b"\xFF\xD8\xFF\xE0garbage"), Err(FileRefusal::Unreadable));
        let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF".to_vec();
        assert_eq!(clean(&pdf).unwrap().content_type, "application/pdf");
    }

    #[test]
    fn huge_dimensions_are_refused_before_decoding() {
        // A PNG header claiming 20000 × 20000 pixels.
        let img = DynamicImage::ImageLuma8(image::GrayImage::new(1, 1));
        let mut png = Cursor::new(Vec::new());
        img.write_to(&mut png, ImageFormat::Png).unwrap();
        let mut png = png.into_inner();
        png[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        // The IHDR chunk's CRC over its type and data, so that only the size is wrong.
        let crc = png[12..29].iter().fold(!0u32, |mut c, b| {
            c ^= *b as u32;
            for _ in 0..8 {
                c = if c & 1 == 1 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
            }
            c
        });
        png[29..33].copy_from_slice(&(!crc).to_be_bytes());
        assert_eq!(clean(&png), Err(FileRefusal::TooLarge));
    }
}
