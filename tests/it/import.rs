//! Bulk import and export: round trips, all-or-nothing batches, the first bad line named.

use crate::cli::Session;
use crate::ledger::{ORIGIN, TestLedger, claim, key, statement};
use claimledger::entry::SignedEntry;
use claimledger::{CreateOptions, Error, ImportOptions, Ledger, Stance};

/// The error and its causes, as `main` prints them.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cur = c.source();
    }
    out
}

fn lines(entries: &[SignedEntry]) -> String {
    entries
        .iter()
        .map(|e| e.to_line().to_string() + "\n")
        .collect()
}

#[test]
fn export_then_import_reproduces_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let operator = key(ORIGIN, 1);
    let alice = key("alice@test.example", 2);
    let opts = || CreateOptions {
        recorded_at: Some("2025-01-01T00:00:00Z".into()),
        ..Default::default()
    };
    let mut a = Ledger::create_with(dir.path().join("a.db"), &operator, opts()).unwrap();
    a.grant(&alice.verifying_key(), "Alice", "reporter")
        .unwrap();
    let c = a.append(claim("one"), &alice).unwrap().entry.index();
    a.append_statement(c, statement(Stance::Contests, "X", "no"), &alice)
        .unwrap();
    let mut exported = Vec::new();
    assert_eq!(a.export(&mut exported).unwrap(), 4);

    let mut b = Ledger::create_with(dir.path().join("b.db"), &operator, opts()).unwrap();
    let report = b
        .import(&exported[..], ImportOptions { batch_size: 2 })
        .unwrap();
    assert_eq!((report.imported, report.skipped, report.size), (3, 1, 4));
    assert_eq!(b.root_at(4).unwrap(), a.root_at(4).unwrap());
    assert!(b.audit().unwrap().ok);
    // Importing the same file again changes nothing.
    let again = b.import(&exported[..], ImportOptions::default()).unwrap();
    assert_eq!((again.imported, again.skipped), (0, 4));
    let mut exported_b = Vec::new();
    b.export(&mut exported_b).unwrap();
    assert_eq!(exported_b, exported);
}

#[test]
fn a_bad_line_stops_its_batch_and_names_the_line() {
    let mut t = TestLedger::new();
    let before = t.ledger.size().unwrap();
    let mallory = key("mallory@evil.example", 9);
    let good: Vec<SignedEntry> = (0..6)
        .map(|i| SignedEntry::sign(claim(&format!("c{i}")), None, &t.alice).unwrap())
        .collect();
    let bad = SignedEntry::sign(claim("forged"), None, &mallory).unwrap();
    let mut entries = good[..4].to_vec();
    entries.push(bad);
    entries.extend_from_slice(&good[4..]);
    let text = lines(&entries);
    let err = t
        .ledger
        .import(text.as_bytes(), ImportOptions { batch_size: 3 })
        .unwrap_err();
    match &err {
        Error::Import {
            line,
            imported,
            source,
        } => {
            assert_eq!((*line, *imported), (5, 3));
            assert!(matches!(**source, Error::NotGranted { .. }), "{source}");
        }
        e => panic!("{e}"),
    }
    // The first batch (lines 1..3) is in; the second (lines 4..6) is not.
    assert_eq!(t.ledger.size().unwrap(), before + 3);
    t.check();
}

#[test]
fn malformed_lines_are_named() {
    let mut t = TestLedger::new();
    let good = SignedEntry::sign(claim("ok"), None, &t.alice)
        .unwrap()
        .to_line();
    let mut wrong_sig = good.clone();
    let env = wrong_sig["envelope_base64"].as_str().unwrap().to_string();
    wrong_sig["payload"]["text"] = "tampered".into();
    let cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "not valid JSON"),
        (r#"{"envelope_base64":"@@@","payload":{}}"#.into(), "base64"),
        (wrong_sig.to_string(), "does not match"),
        (
            format!(r#"{{"envelope_base64":"{env}","payload":{{}},"extra":1}}"#),
            "unknown field",
        ),
        ("x".repeat(600 * 1024), "longer than"),
    ];
    for (line, needle) in cases {
        let size = t.ledger.size().unwrap();
        let text = format!("\n{}\n{line}\n", good);
        let err = t
            .ledger
            .import(text.as_bytes(), ImportOptions::default())
            .unwrap_err();
        let msg = chain(&err);
        assert!(msg.starts_with("line 3 refused"), "{msg}");
        assert!(msg.contains(needle), "{needle:?} not in {msg}");
        assert_eq!(t.ledger.size().unwrap(), size, "all or nothing per batch");
    }
    t.check();
}

#[test]
fn cli_import_and_export() {
    let s = Session::with_claim();
    s.ok(&["export", "--jsonl", "--out", "all.jsonl"]);
    assert_eq!(s.run(&["export", "--jsonl", "--out", "all.jsonl"]).code, 2);
    let exported = std::fs::read_to_string(s.path("all.jsonl")).unwrap();
    assert_eq!(exported.lines().count(), 3);
    let stdout = s.ok(&["export"]).stdout;
    assert_eq!(stdout, exported);
    // A line signed by the granted reporter, made offline with the library.
    let alice = claimledger::keyfile::read_signing_key(&s.path("alice.key")).unwrap();
    let line = SignedEntry::sign(claim("signed offline"), None, &alice)
        .unwrap()
        .to_line();
    std::fs::write(s.path("new.jsonl"), format!("{line}\n")).unwrap();
    let j = s.ok(&["--json", "import", "new.jsonl"]).json();
    assert_eq!(j["imported"], 1);
    assert_eq!(j["size"], 4);
    assert_eq!(j["checkpoint_size"], 4);
    // Again: already present, skipped.
    let j = s.ok(&["--json", "import", "new.jsonl"]).json();
    assert_eq!(
        (j["imported"].as_u64(), j["skipped"].as_u64()),
        (Some(0), Some(1))
    );
    std::fs::write(s.path("bad.jsonl"), "{}\n").unwrap();
    s.refused(&["import", "bad.jsonl"], "line 1");
    s.ok(&["audit"]);
}
