//! Shared test helpers: where the public known-answer vectors live.

use std::path::PathBuf;

/// The folder `../shared/vectors/<sub>` seen from the crate root, if present.
///
/// A clone without `../shared` still passes: the caller skips with a printed notice.
/// Under `CI=true` a missing folder is a failure, so CI can never silently skip vectors.
pub fn vectors_dir(sub: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join("vectors")
        .join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "known-answer vectors missing at {} (CI=true requires them)",
            dir.display()
        );
    }
    eprintln!("notice: skipping vector test: {} not found", dir.display());
    None
}
