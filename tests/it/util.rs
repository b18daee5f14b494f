//! Shared test helpers: where the public known-answer vectors live, skipping, Go test peers.

use std::path::{Path, PathBuf};

#[path = "../zz_skipped/summary.rs"]
pub mod skip_summary;

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
    record_skip(why);
}

/// Record a skip for the summary that ends `cargo test` (tests/zz_skipped), under the running
/// test's name. `skip` calls it; a test that skips without failing under CI calls it directly.
pub fn record_skip(why: &str) {
    let thread = std::thread::current();
    skip_summary::record(thread.name().unwrap_or("(unnamed test)"), why);
}

/// Build the Go program `package` of the module in `tests/<module_dir>` (a pinned go.mod and
/// go.sum) into `out`, with the machine's Go and the Go module proxy; the build cache lives
/// under target/. None, with a notice (a failure under CI=true), when Go is missing or the
/// build fails.
pub fn go_build(module_dir: &str, package: &str, out: &Path) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = std::process::Command::new("go")
        .current_dir(root.join("tests").join(module_dir))
        .args(["build", "-mod=readonly", "-o"])
        .arg(out)
        .arg(package)
        .env("GOCACHE", root.join("target/go-cache"))
        .env("GOFLAGS", "-buildvcs=false")
        .output();
    match built {
        Ok(o) if o.status.success() => Some(out.to_path_buf()),
        other => {
            let why = match other {
                Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            skip(&format!(
                "Go program tests/{module_dir} {package} could not be built ({why}); needs Go 1.26 and the Go module proxy"
            ));
            None
        }
    }
}
