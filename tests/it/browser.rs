//! The web page in headless Chromium against the real server: `claimledger demo` builds the
//! DeepSeek ledger, `claimledger serve` serves it, and tests/web/e2e.mjs (playwright-core driving
//! Debian's /usr/bin/chromium) finds the DeepSeek claim, verifies its receipt in the browser with
//! the pinned log key, checks that a tampered receipt and a wrong key fail, and that a statement
//! withheld by a redaction shows "withheld by redaction #N (category)" and still verifies.
//!
//! Needs node, /usr/bin/chromium and tests/web/node_modules/playwright-core (`.ci/run` installs
//! them); elsewhere the test skips with a notice, and under CI=true a missing piece is a failure.
//! Screenshots go to target/e2e.

use crate::serve::{Demo, Server};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CHROMIUM: &str = "/usr/bin/chromium";

pub fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web")
}

/// None when everything the browser test needs is here; else what is missing.
pub fn missing_prerequisite() -> Option<String> {
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(node, Ok(s) if s.success()) {
        return Some("node is not installed".into());
    }
    if !Path::new(CHROMIUM).exists() {
        return Some(format!("{CHROMIUM} is missing (apt-get install chromium)"));
    }
    let pw = web_dir().join("node_modules/playwright-core");
    if !pw.is_dir() {
        return Some(format!(
            "{} is missing (npm ci --prefix tests/web)",
            pw.display()
        ));
    }
    None
}

#[test]
fn page_finds_the_deepseek_claim_and_verifies_its_receipt() {
    if let Some(why) = missing_prerequisite() {
        crate::util::skip(&format!("browser test: {why}"));
        return;
    }
    let demo = Demo::new();
    // Statement #8 (SemiAnalysis) withheld: the page must say so and its receipt verify.
    demo.cli(&[
        "--operator-key",
        &demo.key("operator"),
        "redact",
        "8",
        "--category",
        "defamation",
        "--reason",
        "browser test",
    ]);
    let server = Server::start(&demo.ledger, &[]);
    let screenshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e");
    let e2e = Command::new("node")
        .arg(web_dir().join("e2e.mjs"))
        .args([
            "--url",
            &server.url,
            "--log-key",
            &demo.log_vkey,
            "--withheld",
            "8",
            "--screenshots",
        ])
        .arg(&screenshots)
        .env("CHROMIUM", CHROMIUM)
        .stdin(Stdio::null())
        .output()
        .expect("run node tests/web/e2e.mjs");
    let (code, log) = server.stop();
    assert_eq!(code, 0, "serve did not stop cleanly: {log}");
    let stdout = String::from_utf8_lossy(&e2e.stdout);
    let stderr = String::from_utf8_lossy(&e2e.stderr);
    assert!(
        e2e.status.success(),
        "browser test failed (exit {:?}; 1 = assertion, 2 = browser could not start):\n{stdout}{stderr}",
        e2e.status.code()
    );
    assert!(
        stdout.contains("e2e: passed"),
        "unexpected e2e output:\n{stdout}{stderr}"
    );
    assert!(
        stdout.contains("e2e: withheld statement #8"),
        "the withheld statement was not checked:\n{stdout}{stderr}"
    );
    // Nothing the page did changed the ledger.
    demo.audit();
}
