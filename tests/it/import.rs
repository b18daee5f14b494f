//! Bulk import and export: round trips, all-or-nothing batches, the first bad line named.

use crate::cli::Session;
use crate::ledger::{ORIGIN, TestLedger, claim, key, statement};
use claimledger::format::entry::SignedEntry;
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
    let alice = claimledger::ledger::keyfile::read_signing_key(&s.path("alice.key")).unwrap();
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

/// `Error::Import`'s line and committed count, and the ledger size afterwards.
fn refused_at(t: &mut TestLedger, text: &str, batch_size: usize) -> (u64, u64, Error, u64) {
    let err = t
        .ledger
        .import(text.as_bytes(), ImportOptions { batch_size })
        .unwrap_err();
    match err {
        Error::Import {
            line,
            imported,
            source,
        } => (line, imported, *source, t.ledger.size().unwrap()),
        e => panic!("{e}"),
    }
}

#[test]
fn pipelined_batches_report_the_first_bad_line_as_one_batch_after_another_would() {
    // Batch k+1 is parsed and verified while batch k is written: what is reported must still
    // be what handling the batches one after the other reports.
    let mut t = TestLedger::new();
    let mallory = key("mallory@evil.example", 9);
    let good: Vec<String> = (0..12)
        .map(|i| {
            SignedEntry::sign(claim(&format!("p{i}")), None, &t.alice)
                .unwrap()
                .to_line()
                .to_string()
        })
        .collect();
    let not_granted = SignedEntry::sign(claim("forged"), None, &mallory)
        .unwrap()
        .to_line()
        .to_string();
    let mut bad_sig = SignedEntry::sign(claim("tampered"), None, &t.alice)
        .unwrap()
        .to_line();
    bad_sig["payload"]["text"] = "changed after signing".into();
    let bad_sig = bad_sig.to_string();
    let too_long = "x".repeat(600 * 1024);
    let join = |ls: &[&str]| ls.iter().map(|l| format!("{l}\n")).collect::<String>();
    let g = |i: usize| good[i].as_str();

    // A rule broken in batch 2 (line 5) is reported, not the bad signature of batch 3 (line 8)
    // that was already verified while batch 2 was being written.
    let before = t.ledger.size().unwrap();
    let text = join(&[
        g(0),
        g(1),
        g(2),
        g(3),
        &not_granted,
        g(4),
        g(5),
        &bad_sig,
        g(6),
    ]);
    let (line, imported, source, size) = refused_at(&mut t, &text, 3);
    assert_eq!((line, imported, size), (5, 3, before + 3));
    assert!(matches!(source, Error::NotGranted { .. }), "{source}");

    // Within a batch, a line that does not verify (line 3) is reported before a rule broken on
    // an earlier line (line 2): a batch is written only once it verified whole.
    let before = t.ledger.size().unwrap();
    let text = join(&[g(7), &not_granted, &bad_sig]);
    let (line, imported, _, size) = refused_at(&mut t, &text, 3);
    assert_eq!((line, imported, size), (3, 0, before));

    // An unreadable line in batch 2 is reported after batch 1 committed...
    let before = t.ledger.size().unwrap();
    let text = join(&[g(8), g(9), g(10), g(11), &too_long]);
    let (line, imported, source, size) = refused_at(&mut t, &text, 3);
    assert_eq!((line, imported, size), (5, 3, before + 3));
    assert!(source.to_string().contains("longer than"), "{source}");

    // ...and after batch 1's own error when batch 1 is refused.
    let before = t.ledger.size().unwrap();
    let fresh = SignedEntry::sign(claim("fresh"), None, &t.alice)
        .unwrap()
        .to_line()
        .to_string();
    let text = join(&[&fresh, &not_granted, &fresh, &fresh, &too_long]);
    let (line, imported, source, size) = refused_at(&mut t, &text, 3);
    assert_eq!((line, imported, size), (2, 0, before));
    assert!(matches!(source, Error::NotGranted { .. }), "{source}");
    t.check();
}

#[test]
fn a_batch_of_entries_already_present_writes_nothing() {
    let mut t = TestLedger::new();
    let e1 = SignedEntry::sign(claim("one"), None, &t.alice).unwrap();
    let e2 = SignedEntry::sign(claim("two"), None, &t.alice).unwrap();
    t.ledger.append_signed(e1.clone()).unwrap();
    // An entry appended where the operator key is not loaded: not yet covered by a checkpoint.
    let mut reporter = Ledger::open(&t.path).unwrap();
    assert!(
        reporter
            .append_signed(e2.clone())
            .unwrap()
            .checkpoint
            .is_none()
    );
    let checkpoints = t.ledger.checkpoints().unwrap().len();
    let size = t.ledger.size().unwrap();

    // Every line already present (one of them twice): no batch, no checkpoint signed.
    let report = t
        .ledger
        .import(
            lines(&[e1.clone(), e2.clone(), e1.clone()]).as_bytes(),
            ImportOptions::default(),
        )
        .unwrap();
    assert_eq!(
        (report.imported, report.skipped, report.batches, report.size),
        (0, 3, 0, size)
    );
    assert!(report.checkpoint.is_none());
    assert_eq!(t.ledger.checkpoints().unwrap().len(), checkpoints);

    // A new entry repeated within its batch is appended once; the batch signs one checkpoint.
    let e3 = SignedEntry::sign(claim("three"), None, &t.alice).unwrap();
    let report = t
        .ledger
        .import(
            lines(&[e3.clone(), e1, e3]).as_bytes(),
            ImportOptions::default(),
        )
        .unwrap();
    assert_eq!(
        (report.imported, report.skipped, report.batches, report.size),
        (1, 2, 1, size + 1)
    );
    assert_eq!(report.checkpoint.unwrap().checkpoint.size, size + 1);
    t.check();
}
