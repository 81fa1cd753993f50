//! The channel's QR code, for the poster at the gate, the market and the village office:
//! SVG (prints sharp at any size) and PNG, made by the `qrcode` crate, error correction level
//! M (a poster gets dirty and creased).

use qrcode::{EcLevel, QrCode};

use crate::error::{AppError, AppResult};

fn code(url: &str) -> AppResult<QrCode> {
    QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("二维码生成失败:{e}")))
}

/// The QR code of `url` as an SVG document.
pub fn svg(url: &str) -> AppResult<String> {
    Ok(code(url)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(480, 480)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// The QR code of `url` as a PNG of at least 600 × 600 pixels (prints at 5 cm and more).
pub fn png(url: &str) -> AppResult<Vec<u8>> {
    let img = code(url)?.render::<image::Luma<u8>>().min_dimensions(600, 600).build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("二维码生成失败:{e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_forms_encode_the_address() {
        let url = "https://jubao.example.gov.cn/public/c/AbCdEfGhIjKlMnOpQrStUv";
        let svg = super::svg(url).unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"));
        let png = super::png(url).unwrap();
        let img = image::load_from_memory(&png).unwrap();
        assert!(img.width() >= 600 && img.width() == img.height());
    }
}
