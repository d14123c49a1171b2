//! A PDF's text in reading order, with `pdf_oxide`.
//!
//! Chosen over `pdf-extract` after measuring both on PDFs made for the
//! purpose (tests/fixtures/add/): `pdf-extract` left ligatures as single
//! characters (`ﬁnancial`), split numbers (`2 0 2 4`) and doubled spaces,
//! so quotes copied from the PDF would not have been found in the text;
//! `pdf_oxide` read all four correctly, two-column pages (tagged or not)
//! in column order included. Its weak point is damaged files: a truncated
//! PDF can come back as gibberish without an error, and a damaged one can
//! panic. So a file without the `%%EOF` marker at its end is refused, a
//! panic is caught and reported as an error, and a page that cannot be
//! read is named.

use anyhow::{Result, bail};

use super::{Extracted, Method};

/// The text of the PDF `bytes`.
pub fn extract(bytes: &[u8]) -> Result<Extracted> {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        bail!(
            "the PDF is incomplete: it does not end with the `%%EOF` marker every PDF ends with (download it again)"
        );
    }
    let owned = bytes.to_vec();
    let pages = quietly(move || -> Result<Vec<String>> {
        let doc = pdf_oxide::PdfDocument::from_bytes(owned)
            .map_err(|e| anyhow::anyhow!("not a PDF that can be read: {e}"))?;
        let count = doc
            .page_count()
            .map_err(|e| anyhow::anyhow!("cannot count its pages: {e}"))?;
        (0..count)
            .map(|i| {
                doc.extract_text(i)
                    .map_err(|e| anyhow::anyhow!("cannot read page {}: {e}", i + 1))
            })
            .collect()
    })??;
    let text = pages
        .iter()
        .map(|p| super::html::tidy(p))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    if text.trim().is_empty() {
        bail!(
            "the PDF has no text to extract (a scanned document is only images: run it through OCR first, then add the text file)"
        );
    }
    let title = super::first_line(&text, |l| l);
    Ok(Extracted::bare(
        text,
        title,
        Method::Pdf { pages: pages.len() },
    ))
}

/// Runs `f`, turning a panic into an error, without the panic message a
/// user would take for a crash.
fn quietly<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> Result<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(f);
    std::panic::set_hook(hook);
    result
        .map_err(|_| anyhow::anyhow!("the PDF reader failed on this file (it is probably damaged)"))
}
