//! The skip record shared by the `it` tests (which write it) and `zz_skipped` (which prints it).
//!
//! A test that cannot run calls `util::skip`, which appends one line, `TEST<TAB>WHY`, to
//! `DIR/<cargo's process id>.txt`. Cargo runs every test binary of one `cargo test` as its child,
//! so the parent's id names the run: `zz_skipped` (run after `it`) reads only its own run's file,
//! and records left by earlier or filtered runs are never shown as this run's.

use std::path::{Path, PathBuf};

/// `CLAIMLEDGER_TEST_SKIPS` if set (the tests of this file use it), else `target/tmp/test-skips`.
pub fn dir() -> PathBuf {
    std::env::var_os("CLAIMLEDGER_TEST_SKIPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("test-skips"))
}

/// The record file of the run whose cargo process is `run`.
fn file(dir: &Path, run: u32) -> PathBuf {
    dir.join(format!("{run}.txt"))
}

/// Append `test` and `why` to this run's record (the parent process's). Best effort: a record
/// that cannot be written must not fail the test that is skipping.
#[allow(dead_code)] // used by `it`, not by `zz_skipped`
pub fn record(test: &str, why: &str) {
    use std::io::Write as _;
    let dir = dir();
    let _ = std::fs::create_dir_all(&dir);
    let line = format!("{test}\t{}\n", why.replace(['\n', '\r', '\t'], " "));
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file(&dir, std::os::unix::process::parent_id()))
    {
        let _ = f.write_all(line.as_bytes());
    }
}

/// The summary of run `run`'s skips, or None if nothing was skipped. Takes the record away, and
/// the records of runs whose cargo process is gone.
pub fn take_summary(dir: &Path, run: u32) -> Option<String> {
    let text = std::fs::read_to_string(file(dir, run)).ok();
    let _ = std::fs::remove_file(file(dir, run));
    for stale in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = stale.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_suffix(".txt")
            .and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| !Path::new(&format!("/proc/{p}")).exists()) {
            let _ = std::fs::remove_file(stale.path());
        }
    }
    let mut seen = Vec::new();
    for line in text?.lines() {
        if let Some((test, why)) = line.split_once('\t') {
            if !seen.iter().any(|(t, w)| t == test && w == why) {
                seen.push((test.to_string(), why.to_string()));
            }
        }
    }
    if seen.is_empty() {
        return None;
    }
    let tests = seen
        .iter()
        .map(|(t, _)| t)
        .collect::<std::collections::BTreeSet<_>>();
    let mut out = format!(
        "notice: {} {} SKIPPED: reported \"ok\" above, but did not run:\n",
        tests.len(),
        if tests.len() == 1 {
            "test was"
        } else {
            "tests were"
        }
    );
    for (test, why) in &seen {
        out.push_str(&format!("  {test}: {why}\n"));
    }
    out.push_str(
        "hint: .ci/run installs what they need (Go, Chromium, playwright-core, schemathesis); the \
         vectors are read from ../shared/vectors\n",
    );
    Some(out)
}
