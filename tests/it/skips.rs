//! A skipped test is named at the end of `cargo test` (tests/zz_skipped), not only as `ok`.

use crate::util::skip_summary;

/// A test whose tool is missing: run only by `a_skip_is_named_in_the_summary`, in a child.
#[test]
#[ignore = "run by skips::a_skip_is_named_in_the_summary, in a child process"]
fn fake_missing_tool() {
    let tool = "claimledger-no-such-tool";
    match std::process::Command::new(tool).output() {
        Ok(_) => panic!("{tool} exists"),
        Err(e) => crate::util::skip(&format!("{tool} not found ({e})")),
    }
}

// See: issue #17 (19 skipped tests reported as `ok` with no visible notice).
#[test]
fn a_skip_is_named_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let child = |ci: Option<&str>| {
        let mut c = std::process::Command::new(std::env::current_exe().unwrap());
        c.args(["--ignored", "--exact", "skips::fake_missing_tool"])
            .env("CLAIMLEDGER_TEST_SKIPS", dir.path())
            .env_remove("CI");
        if let Some(v) = ci {
            c.env("CI", v);
        }
        c.output().unwrap()
    };
    let out = child(None);
    assert!(out.status.success(), "{out:?}");
    // libtest says ok, as for any test that returns.
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("skips::fake_missing_tool ... ok"),
        "{out:?}"
    );
    // The child's parent is this process, as cargo is the parent of `it` and `zz_skipped`.
    let summary = skip_summary::take_summary(dir.path(), std::process::id()).expect("recorded");
    assert!(
        summary.starts_with("notice: 1 test was SKIPPED"),
        "{summary}"
    );
    assert!(
        summary.contains("  skips::fake_missing_tool: claimledger-no-such-tool not found"),
        "{summary}"
    );
    // Taken once: the next run starts clean.
    assert_eq!(
        skip_summary::take_summary(dir.path(), std::process::id()),
        None
    );
    // Under CI=true a skip is a failure.
    assert!(!child(Some("true")).status.success());
}
