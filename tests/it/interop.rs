//! Our receipts, checkpoints and consistency proofs verified by independent standard tooling:
//! Go's golang.org/x/mod/sumdb/note and sumdb/tlog (tests/interop/verify.go). Built with the
//! machine's Go from tests/interop/go.mod (x/mod pinned); without Go the test skips with a notice.

use crate::ledger::{TestLedger, claim, statement};
use claimledger::SignedEntry;
use claimledger::Stance;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Build tests/interop/verify.go (module tests/interop, x/mod pinned in its go.mod).
fn verifier(dir: &Path) -> Option<PathBuf> {
    crate::util::go_build("interop", ".", &dir.join("verify"))
}

fn run(bin: &Path, args: &[&str]) -> (bool, String) {
    crate::util::run_combined(Command::new(bin).args(args))
}

#[test]
fn go_sumdb_verifies_receipts_and_consistency_proofs() {
    let mut t = TestLedger::new();
    let Some(go) = verifier(t.dir.path()) else {
        return;
    };
    let c = t.claim("DeepSeek-V3 cost 5,6 millions de dollars — « bridées »");
    t.ledger
        .append_statement(
            c,
            statement(Stance::Contests, "Dario Amodei", "doubtful"),
            &t.alice,
        )
        .unwrap();
    t.append_n(5);
    let vkey = t.ledger.log_key().to_string();
    let size = t.ledger.size().unwrap();
    for i in 0..size {
        let path = t.dir.path().join(format!("r{i}.json"));
        std::fs::write(&path, t.ledger.receipt(i).unwrap().to_pretty()).unwrap();
        let (ok, out) = run(&go, &["receipt", path.to_str().unwrap(), &vkey]);
        assert!(ok, "entry {i}: {out}");
    }
    // A receipt altered anywhere is refused by Go too.
    let good = t.ledger.receipt(c).unwrap().to_json();
    let mut bad = good.clone();
    bad["payload"]["text"] = "DeepSeek-V3 cost $6M".into();
    let mut bad_note = good.clone();
    bad_note["tlog_proof"] = good["tlog_proof"]
        .as_str()
        .unwrap()
        .replacen("\n\n", "\n\nx", 1)
        .into();
    for (name, v) in [("payload", bad), ("note", bad_note)] {
        let path = t.dir.path().join(format!("bad-{name}.json"));
        std::fs::write(&path, v.to_string()).unwrap();
        assert!(
            !run(&go, &["receipt", path.to_str().unwrap(), &vkey]).0,
            "{name}"
        );
    }
    // Another ledger's key.
    let other = crate::ledger::key(crate::ledger::ORIGIN, 99)
        .verifying_key()
        .to_string();
    let path = t.dir.path().join("r0.json");
    assert!(!run(&go, &["receipt", path.to_str().unwrap(), &other]).0);

    // Consistency between every pair of stored checkpoints.
    let cps = t.ledger.checkpoints().unwrap();
    for a in &cps {
        for b in cps.iter().filter(|b| b.checkpoint.size > a.checkpoint.size) {
            let p = t
                .ledger
                .consistency_proof(a.checkpoint.size, Some(b.checkpoint.size))
                .unwrap();
            let old = t.dir.path().join("old");
            let new = t.dir.path().join("new");
            std::fs::write(&old, &a.note).unwrap();
            std::fs::write(&new, &b.note).unwrap();
            let mut args = vec![
                "consistency".to_string(),
                old.to_str().unwrap().into(),
                new.to_str().unwrap().into(),
                vkey.clone(),
            ];
            args.extend(p.proof.iter().map(hex::encode));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (ok, out) = run(&go, &args);
            assert!(ok, "{} -> {}: {out}", a.checkpoint.size, b.checkpoint.size);
        }
    }
}

#[test]
fn go_tlog_client_audits_the_served_tiles() {
    let mut t = TestLedger::new();
    let Some(go) = verifier(t.dir.path()) else {
        return;
    };
    let vkey = t.ledger.log_key().to_string();
    let server = crate::serve::Server::start(&t.path, &[]);
    // Sizes that need: partial level-0 tiles only; full level-0 tiles; a level-1 tile.
    let mut n = 0;
    for target in [2u64, 300, 530] {
        let batch: Vec<SignedEntry> = (t.ledger.size().unwrap()..target)
            .map(|_| {
                n += 1;
                SignedEntry::sign(claim(&format!("tiled claim {n}")), None, &t.alice).unwrap()
            })
            .collect();
        if !batch.is_empty() {
            t.ledger.append_batch(batch).unwrap();
        }
        let (ok, out) = run(&go, &["tiles", &server.url, &vkey]);
        assert!(ok, "size {target}: {out}");
        assert!(out.contains(&format!("ok: {target} entries")), "{out}");
    }
    // Another ledger's key is refused.
    let other = crate::ledger::key("news.example/claims", 9)
        .verifying_key()
        .to_string();
    assert!(!run(&go, &["tiles", &server.url, &other]).0);
}
