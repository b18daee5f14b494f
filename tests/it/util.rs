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
    skip(&format!(
        "known-answer vectors not found at {}",
        dir.display()
    ));
    None
}

/// Run `cmd` to completion: did it succeed, and its standard output then standard error.
pub fn run_combined(cmd: &mut std::process::Command) -> (bool, String) {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

/// A test cannot run here (a missing tool, browser or data folder): under `CI=true` that is a
/// failure, so CI never silently skips; elsewhere the test prints a notice and returns.
pub fn skip(why: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{why} (CI=true requires it; .ci/run installs what tests need)");
    }
    eprintln!("notice: skipping: {why}");
}
