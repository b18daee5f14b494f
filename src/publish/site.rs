//! The static reader pages of a published log.

/// One object of the reader pages to write.
pub struct SiteObject {
    /// Path relative to the published prefix (`index.html`, `assets/…`, `site/…`).
    pub path: String,
    /// The object's bytes.
    pub bytes: Vec<u8>,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// How long readers may cache it.
    pub cache: crate::objects::Cache,
}

/// The page objects to (re)write when a publish run takes the published log from `old` entries
/// to the ledger's latest signed checkpoint of `new` entries (`old` = 0 on a first run).
/// `publish` writes them after tiles, bundles and receipts and before `checkpoint`.
pub fn site_objects(ledger: &crate::Ledger, old: u64, new: u64) -> crate::Result<Vec<SiteObject>> {
    // Placeholder until the reader pages land (the `site` branch replaces this file).
    let _ = (ledger, old, new);
    Ok(Vec::new())
}
