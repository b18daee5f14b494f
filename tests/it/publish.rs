//! `claimledger publish DEST` to a directory: Go's sumdb/tlog client reads the published tiles
//! from a plain static file server; receipts and payload bundles check out; redacted bytes are
//! nowhere; incremental runs write only what is new; another history is refused; SIGKILL and
//! resume.

use crate::ledger::{TestLedger, claim, statement};
use assert_cmd::Command;
use claimledger::format::cosignature::WitnessSigner;
use claimledger::format::note::Note;
use claimledger::format::tiles::{parse_entry_bundle, parse_payload_bundle};
use claimledger::{Envelope, RedactionCategory, SignedEntry, SigningKey, Stance, verify_receipt};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `claimledger --ledger L --json publish DEST [args]`: (exit code, stdout JSON or text, stderr).
fn publish(ledger: &Path, dest: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("claimledger")
        .unwrap()
        .arg("--ledger")
        .arg(ledger)
        .arg("publish")
        .arg(dest)
        .args(args)
        .env_remove("CLAIMLEDGER_KEY")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn publish_json(ledger: &Path, dest: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (code, out, err) = publish(ledger, dest, &all);
    assert_eq!(code, 0, "{out}{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Every file under `dir`: relative path → bytes.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// A plain static file server (`python3 -m http.server`) on loopback, stopped on drop.
pub struct StaticServer {
    child: std::process::Child,
    pub url: String,
}

impl StaticServer {
    pub fn start(dir: &Path) -> Option<StaticServer> {
        use std::io::BufRead;
        let child = std::process::Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                "0",
                "--directory",
            ])
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn();
        let Ok(mut child) = child else {
            crate::util::skip("python3 is needed to serve the published folder");
            return None;
        };
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 41235 (http://127.0.0.1:41235/) ..."
        let port: u16 = line
            .split("port ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("python http.server said {line:?}"));
        Some(StaticServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        })
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn go_verifier(dir: &Path) -> Option<PathBuf> {
    crate::util::go_build("interop", ".", &dir.join("verify"))
}

/// Go's tlog client reads the tiles of `dest` over HTTP and verifies them under `vkey`.
fn go_verifies(go: &Path, dest: &Path, vkey: &str, size: u64) {
    let Some(server) = StaticServer::start(dest) else {
        return;
    };
    let (ok, out) = crate::util::run_combined(std::process::Command::new(go).args([
        "tiles",
        &server.url,
        vkey,
    ]));
    assert!(ok, "{out}");
    assert!(out.contains(&format!("ok: {size} entries")), "{out}");
}

/// The published tree at `dest` checks out against the ledger `t`: checkpoint, every receipt,
/// every payload bundle against its entry bundle, and no withheld payload anywhere.
fn check_published(t: &TestLedger, dest: &Path, withheld: &[&[u8]]) {
    let all = files(dest);
    let log_key = t.ledger.log_key();
    let note = &all["checkpoint"];
    let (cp, _) = claimledger::format::checkpoint::open_checkpoint(note, log_key).unwrap();
    let n = cp.size;
    assert_eq!(t.ledger.root_at(n).unwrap(), cp.root);
    for i in 0..n {
        let path = format!("receipt/{}", claimledger::format::tiles::format_index(i));
        let bytes = all.get(&path).unwrap_or_else(|| panic!("{path} missing"));
        let v = verify_receipt(bytes, log_key).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(v.index, i);
    }
    // Payload bundles beside entry bundles: same widths, payloads hash to payload_sha256.
    let mut bundles = 0;
    for (path, bytes) in &all {
        let Some(rest) = path.strip_prefix("tile/payloads/") else {
            continue;
        };
        let entries_path = format!("tile/entries/{rest}");
        let entries = parse_entry_bundle(
            all.get(&entries_path)
                .unwrap_or_else(|| panic!("{entries_path} missing")),
        )
        .unwrap();
        let payloads = parse_payload_bundle(bytes).unwrap();
        assert_eq!(payloads.len(), entries.len(), "{path}");
        let tile = claimledger::format::tiles::TilePath::parse(&path["tile/".len()..]).unwrap();
        let first = tile.first_node().unwrap();
        for (k, (e, p)) in entries.iter().zip(&payloads).enumerate() {
            let env = Envelope::parse(e).unwrap();
            match p {
                Some(p) => assert_eq!(
                    &claimledger::format::entry::sha256(p),
                    env.payload_sha256(),
                    "{path}"
                ),
                None => assert!(
                    t.ledger
                        .withheld_entries()
                        .unwrap()
                        .iter()
                        .any(|(i, _)| *i == first + k as u64),
                    "{path}: entry {} marked withheld but no redaction withholds it",
                    first + k as u64
                ),
            }
        }
        bundles += 1;
    }
    assert!(bundles > 0);
    // Legal removal: the withheld bytes are in no published file.
    for secret in withheld {
        for (path, bytes) in &all {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == *secret),
                "withheld text found in {path}"
            );
        }
    }
}

fn cosign_latest(t: &mut TestLedger, witness: &WitnessSigner) {
    let cp = t.ledger.checkpoint(None).unwrap();
    let body = Note::parse(cp.note.as_bytes()).unwrap().text().to_string();
    let line = witness.cosign(&body, 1_700_000_000).unwrap().to_line();
    t.ledger
        .add_cosignature(
            cp.checkpoint.size,
            &witness.witness_key(),
            &format!("{line}\n"),
        )
        .unwrap();
}

fn append_claims(t: &mut TestLedger, from: usize, count: usize) {
    let batch: Vec<SignedEntry> = (from..from + count)
        .map(|i| SignedEntry::sign(claim(&format!("published claim {i}")), None, &t.alice).unwrap())
        .collect();
    t.ledger.append_batch(batch).unwrap();
}

/// (modified time, inode) of each file, to tell a rewritten file from one left alone.
fn stamps(dir: &Path) -> BTreeMap<String, (std::time::SystemTime, u64)> {
    use std::os::unix::fs::MetadataExt;
    files(dir)
        .keys()
        .map(|k| {
            let m = std::fs::metadata(dir.join(k)).unwrap();
            (k.clone(), (m.modified().unwrap(), m.ino()))
        })
        .collect()
}

#[test]
fn a_published_ledger_verifies_with_go_and_incremental_runs_write_only_what_is_new() {
    let mut t = TestLedger::new();
    let secret = "the informant lives at 12 rue Secrète";
    let c = t.claim("DeepSeek-V3 cost $5.6M to train");
    let hidden = t.claim(secret);
    t.ledger
        .append_statement(
            c,
            statement(Stance::Contests, "Dario Amodei", "far higher"),
            &t.alice,
        )
        .unwrap();
    t.ledger
        .redact(hidden, RedactionCategory::SourceProtection, "source")
        .unwrap();
    let witness = WitnessSigner::new(SigningKey::from_seed("witness.example/w1", [7; 32]).unwrap());
    cosign_latest(&mut t, &witness);
    let dest = t.dir.path().join("site");
    std::fs::create_dir(&dest).unwrap();
    let vkey = t.ledger.log_key().to_string();

    let first = publish_json(&t.path, &dest, &[]);
    let n = t.ledger.size().unwrap();
    assert_eq!(first["ok"], true);
    assert_eq!(first["old_size"], 0);
    assert_eq!(first["new_size"], n);
    assert_eq!(first["by_kind"]["receipt"]["written"], n);
    assert_eq!(first["by_kind"]["checkpoint"]["written"], 1);
    assert_eq!(first["skipped"], 0);
    // The published checkpoint is the cosigned note `claimledger checkpoint` shows.
    let published = std::fs::read_to_string(dest.join("checkpoint")).unwrap();
    assert_eq!(published, t.ledger.checkpoint(None).unwrap().note);
    assert!(published.contains("— witness.example/w1 "), "{published}");
    check_published(&t, &dest, &[secret.as_bytes()]);
    let go = go_verifier(t.dir.path());
    if let Some(go) = &go {
        go_verifies(go, &dest, &vkey, n);
    }

    // Nothing new: nothing written.
    let before = stamps(&dest);
    let again = publish_json(&t.path, &dest, &[]);
    assert_eq!(again["up_to_date"], true);
    assert_eq!(again["written"], 0);
    assert_eq!(stamps(&dest), before);

    // 300 more entries cross a tile boundary; a redaction of an entry published earlier.
    append_claims(&mut t, 0, 300);
    // An entry published in the first run, in the partial tile that run wrote.
    let second_secret = "DeepSeek-V3 cost $5.6M to train";
    let target = c;
    t.ledger
        .redact(target, RedactionCategory::Privacy, "erasure request")
        .unwrap();
    let m = n;
    let n = t.ledger.size().unwrap();
    let before = stamps(&dest);
    let inc = publish_json(&t.path, &dest, &[]);
    assert_eq!(inc["old_size"], m);
    assert_eq!(inc["new_size"], n);
    assert_eq!(inc["redactions"], 1);
    // New receipts, plus the redacted entry's rewritten one.
    assert_eq!(inc["by_kind"]["receipt"]["written"], n - m + 1);
    let after = stamps(&dest);
    for (path, stamp) in &before {
        let rewritten = path == "checkpoint"
            || path.starts_with("tile/payloads/")
            || path
                == &format!(
                    "receipt/{}",
                    claimledger::format::tiles::format_index(target)
                );
        match after.get(path) {
            Some(s) if !rewritten => assert_eq!(s, stamp, "{path} was rewritten"),
            Some(_) => {}
            // Only the superseded partial payload bundle goes.
            None => assert!(path.starts_with("tile/payloads/000.p/"), "{path} deleted"),
        }
    }
    assert!(!after.contains_key(&format!("tile/payloads/000.p/{m}")));
    let written: u64 = inc["written"].as_u64().unwrap();
    let new_files = after.keys().filter(|k| !before.contains_key(*k)).count() as u64;
    // Written = new files + rewritten ones (checkpoint, the old partial payload bundle
    // rewritten then deleted, the redacted entry's receipt).
    assert_eq!(written, new_files + 3, "{inc}");
    check_published(&t, &dest, &[secret.as_bytes(), second_secret.as_bytes()]);
    if let Some(go) = &go {
        go_verifies(go, &dest, &vkey, n);
    }

    // A fresh full publish of the same ledger gives the same tiles, bundles and checkpoint,
    // byte for byte.
    let fresh = t.dir.path().join("fresh");
    std::fs::create_dir(&fresh).unwrap();
    publish_json(&t.path, &fresh, &[]);
    let (a, b) = (files(&dest), files(&fresh));
    same_tree(&a, &b, false);
    // --full rewrites everything: then the receipts match too.
    let full = publish_json(&t.path, &dest, &["--full"]);
    assert_eq!(full["by_kind"]["receipt"]["written"], n);
    same_tree(&files(&dest), &b, true);
}

/// `a` (published step by step) holds the tree `b` (published at once), byte for byte, receipts
/// too when `receipts`; beyond it only superseded partial hash tiles and entry bundles, which
/// never change and are left for readers of an older checkpoint (never payload bundles).
fn same_tree(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, receipts: bool) {
    for (path, bytes) in b {
        let got = a.get(path).unwrap_or_else(|| panic!("{path} missing"));
        if receipts || !path.starts_with("receipt/") {
            assert_eq!(got, bytes, "{path}");
        }
    }
    for path in a.keys().filter(|p| !b.contains_key(*p)) {
        assert!(
            path.starts_with("tile/")
                && path.contains(".p/")
                && !path.starts_with("tile/payloads/"),
            "{path} is left over"
        );
    }
}

#[test]
fn a_destination_holding_another_history_is_refused_and_left_alone() {
    let mut t = TestLedger::new();
    t.append_n(3);
    let dest = t.dir.path().join("site");
    std::fs::create_dir(&dest).unwrap();
    publish_json(&t.path, &dest, &[]);
    let before = stamps(&dest);
    let contents = files(&dest);

    // Same key and origin, another history (a fork): the roots differ at the published size.
    let mut fork = TestLedger::new();
    fork.append_n(4);
    // Another key under the same origin; another origin altogether.
    let mut impostor = TestLedger::new_with_operator(crate::ledger::key(crate::ledger::ORIGIN, 9));
    impostor.append_n(4);
    let mut other = TestLedger::new_with_operator(crate::ledger::key("other.example/log", 1));
    other.append_n(4);
    // A ledger behind the destination (an older copy).
    let behind = TestLedger::new();
    for (name, l, expect) in [
        ("fork", &fork, "another root"),
        ("impostor", &impostor, "does not verify with its log key"),
        ("other", &other, "\"other.example/log\""),
        ("behind", &behind, "the ledger is behind"),
    ] {
        let (code, out, err) = publish(&l.path, &dest, &[]);
        assert_eq!(code, 1, "{name}: {out}{err}");
        assert!(err.contains("holds another history"), "{name}: {err}");
        assert!(err.contains(expect), "{name}: {err}");
        assert!(err.contains("hint:"), "{name}: {err}");
        assert_eq!(stamps(&dest), before, "{name} wrote something");
        assert_eq!(files(&dest), contents, "{name}");
        // --full does not override the check; --json says ok: false.
        let (code, out, _) = publish(&l.path, &dest, &["--full", "--json"]);
        assert_eq!(code, 1, "{name}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(files(&dest), contents, "{name}");
    }
    // A checkpoint that is not one at all.
    std::fs::write(dest.join("checkpoint"), b"<html>hello</html>").unwrap();
    let (code, _, err) = publish(&t.path, &dest, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not a signed checkpoint note"), "{err}");
}

#[test]
fn a_missing_destination_exits_2_with_a_hint_and_is_not_created() {
    let t = TestLedger::new();
    let dest = t.dir.path().join("no-such-folder");
    let (code, out, err) = publish(&t.path, &dest, &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("hint:"), "{err}");
    assert!(!dest.exists());
    // A file where a folder is expected.
    let file = t.dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let (code, _, err) = publish(&t.path, &file, &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

#[test]
fn a_redaction_the_published_checkpoint_does_not_cover_yet_still_removes_the_payload() {
    let mut t = TestLedger::new();
    let secret = "a whistleblower's home address";
    let hidden = t.claim(secret);
    t.append_n(2);
    let dest = t.dir.path().join("site");
    std::fs::create_dir(&dest).unwrap();
    publish_json(&t.path, &dest, &[]);
    assert!(
        files(&dest)
            .values()
            .any(|b| b.windows(secret.len()).any(|w| w == secret.as_bytes()))
    );
    // The redaction appended where the operator key is not loaded: no checkpoint covers it.
    let signed = t
        .ledger
        .sign_redaction(
            hidden,
            RedactionCategory::Privacy,
            "erasure request",
            &t.operator,
        )
        .unwrap();
    let mut unsigned = claimledger::Ledger::open(&t.path).unwrap();
    unsigned.append_signed(signed).unwrap();
    drop(unsigned);
    let r = publish_json(&t.path, &dest, &[]);
    assert_eq!(r["up_to_date"], false);
    assert_eq!(r["new_size"], r["old_size"]);
    assert_eq!(r["withheld_pending"], serde_json::json!([hidden]));
    let all = files(&dest);
    for (path, bytes) in &all {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{path}"
        );
    }
    let receipt = format!(
        "receipt/{}",
        claimledger::format::tiles::format_index(hidden)
    );
    assert!(!all.contains_key(&receipt), "{receipt} still published");
    // Once a checkpoint covers the redaction, the receipt is back, proving the withholding.
    t.ledger.sign_checkpoint().unwrap();
    publish_json(&t.path, &dest, &[]);
    check_published(&t, &dest, &[secret.as_bytes()]);
    let v = verify_receipt(&files(&dest)[&receipt], t.ledger.log_key()).unwrap();
    assert_eq!(v.index, hidden);
}

/// Files under `dir/receipt`, counted while a publish runs.
fn count_receipts(dir: &Path) -> usize {
    fn walk(d: &Path) -> usize {
        std::fs::read_dir(d).map_or(0, |rd| {
            rd.flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() { walk(&p) } else { 1 }
                })
                .sum()
        })
    }
    walk(&dir.join("receipt"))
}

/// Start `publish` and SIGKILL it once `at` receipts exist; true if it was killed before it
/// finished.
fn publish_killed(ledger: &Path, dest: &Path, at: usize) -> bool {
    let bin = assert_cmd::cargo::cargo_bin("claimledger");
    let mut child = std::process::Command::new(bin)
        .arg("--ledger")
        .arg(ledger)
        .arg("publish")
        .arg(dest)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            return false;
        }
        if count_receipts(dest) >= at {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[test]
fn sigkill_in_the_middle_of_a_publish_then_a_rerun_gives_the_same_tree() {
    let mut t = TestLedger::new();
    append_claims(&mut t, 0, 1500);
    let dest = t.dir.path().join("site");
    std::fs::create_dir(&dest).unwrap();
    let vkey = t.ledger.log_key().to_string();
    let go = go_verifier(t.dir.path());

    // A first run killed: no checkpoint yet, some objects. The rerun rewrites everything.
    let killed = publish_killed(&t.path, &dest, 200);
    if killed {
        assert!(
            !dest.join("checkpoint").exists(),
            "checkpoint before its objects"
        );
    }
    publish_json(&t.path, &dest, &[]);
    let n = t.ledger.size().unwrap();
    if let Some(go) = &go {
        go_verifies(go, &dest, &vkey, n);
    }

    // An incremental run killed: the old checkpoint stays published over complete objects.
    append_claims(&mut t, 1500, 3000);
    let old = std::fs::read(dest.join("checkpoint")).unwrap();
    let killed_again = publish_killed(&t.path, &dest, count_receipts(&dest) + 300);
    if killed_again {
        assert_eq!(std::fs::read(dest.join("checkpoint")).unwrap(), old);
        if let Some(go) = &go {
            go_verifies(go, &dest, &vkey, n);
        }
    }
    if !killed || !killed_again {
        crate::util::record_skip("a publish finished before it could be killed");
    }
    let resumed = publish_json(&t.path, &dest, &[]);
    // What the killed runs left half-written is gone (it could hold a payload withheld later).
    assert!(files(&dest.join(".claimledger-tmp")).is_empty());
    assert_eq!(resumed["old_size"], n);
    let n = t.ledger.size().unwrap();
    assert_eq!(resumed["new_size"], n);
    if let Some(go) = &go {
        go_verifies(go, &dest, &vkey, n);
    }
    check_published(&t, &dest, &[]);
    let fresh = t.dir.path().join("fresh");
    std::fs::create_dir(&fresh).unwrap();
    publish_json(&t.path, &fresh, &[]);
    same_tree(&files(&dest), &files(&fresh), false);
}
