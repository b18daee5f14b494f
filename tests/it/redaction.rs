//! Redaction (issue #15): a payload withheld by an operator-signed entry, its bytes gone from
//! ledger.db, -wal and -shm (closed, and with a server running), every proof still valid,
//! forged redactions refused and found, export/import, SIGKILL mid-redaction.

use crate::cli::Session;
use crate::crash::{bin, command};
use crate::ledger::{TestLedger, claim, key, statement};
use crate::serve::Server;
use claimledger::format::entry::SignedEntry;
use claimledger::{
    Error, ImportOptions, Ledger, Redaction, RedactionCategory, Stance, verify_receipt,
};
use serde_json::Value;
use std::path::Path;

/// A phrase found nowhere else: the source the court ordered removed.
const SECRET: &str = "Zanzibar-7731 whistleblower in the finance ministry";

/// Every file `ledger.db*` beside the ledger that contains `needle`.
fn files_holding(ledger: &Path, needle: &str) -> Vec<String> {
    let dir = ledger.parent().unwrap();
    let name = ledger.file_name().unwrap().to_string_lossy().to_string();
    let mut hits = Vec::new();
    for f in std::fs::read_dir(dir).unwrap() {
        let f = f.unwrap();
        let fname = f.file_name().to_string_lossy().to_string();
        if !fname.starts_with(&name) {
            continue;
        }
        let bytes = std::fs::read(f.path()).unwrap();
        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            hits.push(fname);
        }
    }
    hits
}

fn secret_claim() -> claimledger::Claim {
    claim(&format!("The cost figure came from {SECRET}."))
}

fn audit_codes(l: &Ledger) -> Vec<&'static str> {
    l.audit().unwrap().findings.iter().map(|f| f.code).collect()
}

#[test]
fn an_honest_redaction_keeps_every_proof_and_shows_the_withholding() {
    let mut t = TestLedger::new();
    t.append_n(3);
    let target = t
        .ledger
        .append(secret_claim(), &t.alice)
        .unwrap()
        .entry
        .index();
    let s = t
        .ledger
        .append_statement(
            target,
            statement(Stance::Contests, "Nvidia", "No diversion was seen."),
            &t.alice,
        )
        .unwrap()
        .entry
        .index();
    let before = t.ledger.receipt(target).unwrap().to_pretty();
    assert!(before.contains(SECRET));
    let checkpoints_before = t.ledger.checkpoints().unwrap();

    let done = t
        .ledger
        .redact(
            target,
            RedactionCategory::SourceProtection,
            "protects a source",
        )
        .unwrap();
    let r = done.entry.index();
    assert!(done.warnings.is_empty(), "{:?}", done.warnings);
    t.check(); // audit clean; every receipt (the withheld one included) verifies

    // The old receipt still verifies (nothing it proves changed); the new one withholds.
    let v = verify_receipt(before.as_bytes(), t.ledger.log_key()).unwrap();
    assert!(v.entry.withheld().is_none());
    let after = t.ledger.receipt(target).unwrap().to_pretty();
    assert!(!after.contains(SECRET));
    let v = verify_receipt(after.as_bytes(), t.ledger.log_key()).unwrap();
    let w = v
        .entry
        .withheld()
        .expect("the receipt says the payload was withheld");
    assert_eq!(
        (w.redaction, w.category),
        (r, RedactionCategory::SourceProtection)
    );
    assert_eq!(
        w.to_string(),
        format!("withheld by redaction #{r} (source_protection)")
    );
    // Earlier checkpoints are untouched and the tree still extends them.
    for cp in &checkpoints_before {
        assert_eq!(
            t.ledger
                .consistency_proof(cp.checkpoint.size, None)
                .unwrap()
                .old_root,
            cp.checkpoint.root
        );
    }

    // Reading: the entry is withheld; the statement about it keeps its own text.
    let e = t.ledger.entry(target).unwrap();
    assert!(e.payload().is_none());
    assert_eq!(e.withheld().map(|w| w.redaction), Some(r));
    let h = t.ledger.history(target).unwrap();
    assert!(h.claim.withheld().is_some());
    assert_eq!(h.statements.len(), 1, "the redaction is not a statement");
    assert_eq!(h.statements[0].index(), s);
    assert!(matches!(
        h.statements[0].payload(),
        Some(claimledger::Payload::Statement(st)) if st.text == "No diversion was seen."
    ));
    assert!(t.ledger.search("Zanzibar", 10).unwrap().is_empty());
    assert!(
        t.ledger
            .figures(None, None)
            .unwrap()
            .iter()
            .all(|f| f.index != target)
    );
    let log = t.ledger.log(0, 100).unwrap();
    assert!(log[target as usize].withheld().is_some());

    // The SQLite views say it too.
    let conn = rusqlite::Connection::open(&t.path).unwrap();
    let text: String = conn
        .query_row(
            "SELECT text FROM claims WHERE \"index\" = ?1",
            [target as i64],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        text,
        format!("withheld by redaction #{r} (source_protection)")
    );
    let (cat, reason): (String, String) = conn
        .query_row(
            "SELECT category, reason FROM redactions WHERE target_index = ?1",
            [target as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (cat.as_str(), reason.as_str()),
        ("source_protection", "protects a source")
    );
    drop(conn);
    drop(t.ledger);
    assert_eq!(files_holding(&t.path, SECRET), Vec::<String>::new());
}

#[test]
fn redactions_that_break_a_rule_are_refused_and_change_nothing() {
    let mut t = TestLedger::new();
    let c = t.claim("an ordinary claim");
    let size = t.ledger.size().unwrap();
    let rule = |e: Error| matches!(e, Error::RedactionRule(_));

    // A key entry, a missing entry: refused.
    assert!(rule(
        t.ledger
            .redact(1, RedactionCategory::Privacy, "x")
            .unwrap_err()
    ));
    assert!(matches!(
        t.ledger
            .redact(99, RedactionCategory::Privacy, "x")
            .unwrap_err(),
        Error::TargetNotFound { .. }
    ));
    // An empty reason is refused by the format.
    assert!(matches!(
        t.ledger
            .redact(c, RedactionCategory::Privacy, "  ")
            .unwrap_err(),
        Error::Entry(_)
    ));
    assert_eq!(t.ledger.size().unwrap(), size);

    let r = t
        .ledger
        .redact(c, RedactionCategory::Privacy, "personal data")
        .unwrap()
        .entry
        .index();
    // A redaction of a redaction, a second redaction of the same entry, a statement about a
    // redaction: refused.
    assert!(rule(
        t.ledger
            .redact(r, RedactionCategory::Other, "x")
            .unwrap_err()
    ));
    assert!(rule(
        t.ledger
            .redact(c, RedactionCategory::Other, "again")
            .unwrap_err()
    ));
    assert!(rule(
        t.ledger
            .append_statement(r, statement(Stance::Contests, "X", "no"), &t.alice)
            .unwrap_err()
    ));

    // A redaction signed by a granted reporter: refused on append, nothing changed.
    let c2 = t.claim(&format!("another claim about {SECRET}"));
    let forged = t
        .ledger
        .sign_redaction(c2, RedactionCategory::Defamation, "forged", &t.alice)
        .unwrap();
    let size = t.ledger.size().unwrap();
    assert!(matches!(
        t.ledger.append_signed(forged.clone()).unwrap_err(),
        Error::RedactionNotByOperator { .. }
    ));
    assert_eq!(t.ledger.size().unwrap(), size);
    assert!(t.ledger.entry(c2).unwrap().payload().is_some());

    // ... and on import.
    let line = format!("{}\n", forged.to_line());
    let err = t
        .ledger
        .import(line.as_bytes(), ImportOptions::default())
        .unwrap_err();
    assert!(format!("{err}").contains("line 1"), "{err}");
    assert_eq!(t.ledger.size().unwrap(), size);
    t.check();
}

/// Behind the tool's back (triggers dropped): a deleted payload, a forged redaction.
#[test]
fn audit_finds_missing_payloads_and_forged_redactions() {
    let mut t = TestLedger::new();
    let a = t.claim("claim A");
    let b = t
        .ledger
        .append(secret_claim(), &t.alice)
        .unwrap()
        .entry
        .index();
    let forged = t
        .ledger
        .sign_redaction(
            b,
            RedactionCategory::CourtOrder,
            "forged by a reporter",
            &t.alice,
        )
        .unwrap();
    drop(t.ledger);

    let conn = rusqlite::Connection::open(&t.path).unwrap();
    conn.execute_batch("DROP TRIGGER payloads_no_delete;")
        .unwrap();
    conn.execute("DELETE FROM payloads WHERE idx = ?1", [a as i64])
        .unwrap();
    drop(conn);
    let l = Ledger::open(&t.path).unwrap();
    let report = l.audit().unwrap();
    assert!(!report.ok);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.code == "payload_hash_mismatch" && f.index == Some(a)),
        "{:#?}",
        report.findings
    );
    // A read refuses it as an edit behind the tool's back (issue #12: "ledger altered, run audit").
    assert!(matches!(
        l.entry(a).unwrap_err(),
        Error::LedgerAltered { .. }
    ));
    drop(l);

    // Inject the reporter's redaction of B as a row, and delete B's payload.
    let conn = rusqlite::Connection::open(&t.path).unwrap();
    let idx: i64 = conn
        .query_row("SELECT max(idx) + 1 FROM entries", [], |r| r.get(0))
        .unwrap();
    conn.execute(
        "INSERT INTO entries (idx, leaf_hash, kind, target_idx, envelope) VALUES (?1, ?2, 'redaction', ?3, ?4)",
        rusqlite::params![
            idx,
            &forged.envelope().leaf_hash()[..],
            b as i64,
            forged.envelope().as_bytes()
        ],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO payloads (idx, payload) VALUES (?1, ?2)",
        rusqlite::params![idx, forged.payload_bytes().unwrap()],
    )
    .unwrap();
    conn.execute("DELETE FROM payloads WHERE idx = ?1", [b as i64])
        .unwrap();
    drop(conn);
    let l = Ledger::open(&t.path).unwrap();
    let codes = audit_codes(&l);
    assert!(codes.contains(&"redaction_not_by_operator"), "{codes:?}");
    assert!(
        l.audit()
            .unwrap()
            .findings
            .iter()
            .any(|f| f.code == "payload_hash_mismatch" && f.index == Some(b)),
        "a payload withheld by a forged redaction is missing: {codes:?}"
    );
}

#[test]
fn the_triggers_allow_exactly_the_redaction_deletion() {
    let mut t = TestLedger::new();
    let c = t.claim("claim");
    let conn = rusqlite::Connection::open(&t.path).unwrap();
    let del = |idx: u64| conn.execute("DELETE FROM payloads WHERE idx = ?1", [idx as i64]);
    assert!(del(c).is_err(), "no redaction yet");
    assert!(del(1).is_err(), "a key entry's payload");
    t.ledger
        .redact(c, RedactionCategory::Privacy, "personal data")
        .unwrap();
    // The payload is gone; it cannot come back, and nothing else can be deleted.
    let back = conn.execute(
        "INSERT INTO payloads (idx, payload) VALUES (?1, x'7b7d')",
        [c as i64],
    );
    assert!(back.is_err());
    assert!(del(0).is_err() && del(1).is_err());
    assert!(
        conn.execute("DELETE FROM entries WHERE idx = ?1", [c as i64])
            .is_err()
    );
    drop(conn);
    t.check();
}

#[test]
fn export_omits_the_payload_and_reimports() {
    let dir = tempfile::tempdir().unwrap();
    let operator = key("test.example/claims", 1);
    let alice = key("alice@test.example", 2);
    let opts = || claimledger::ledger::CreateOptions {
        recorded_at: Some("2025-01-01T00:00:00Z".into()),
        ..Default::default()
    };
    let mut a = Ledger::create_with(dir.path().join("a.db"), &operator, opts()).unwrap();
    a.grant(&alice.verifying_key(), "Alice", "reporter")
        .unwrap();
    let c = a.append(secret_claim(), &alice).unwrap().entry.index();
    a.append_statement(c, statement(Stance::Supports, "Y", "yes"), &alice)
        .unwrap();
    a.redact(c, RedactionCategory::CourtOrder, "court order 2026/117")
        .unwrap();
    a.append(claim("after"), &alice).unwrap();
    let mut out = Vec::new();
    a.export(&mut out).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(!text.contains(SECRET));
    let line: Value = serde_json::from_str(text.lines().nth(c as usize).unwrap()).unwrap();
    assert!(line.get("payload").is_none());
    assert_eq!(line["withheld"]["category"], "court_order");

    // Batches of 1: the withheld line waits for its redaction in the same transaction.
    let mut b = Ledger::create_with(dir.path().join("b.db"), &operator, opts()).unwrap();
    b.import(&out[..], ImportOptions { batch_size: 1 }).unwrap();
    assert_eq!(b.size().unwrap(), a.size().unwrap());
    assert!(b.audit().unwrap().ok);
    assert_eq!(
        b.root_at(b.size().unwrap()).unwrap(),
        a.root_at(a.size().unwrap()).unwrap()
    );
    assert!(b.entry(c).unwrap().withheld().is_some());

    // A withheld line without its redaction is refused, nothing written.
    let mut d = Ledger::create_with(dir.path().join("d.db"), &operator, opts()).unwrap();
    let upto: String = text
        .lines()
        .take(c as usize + 1)
        .map(|l| format!("{l}\n"))
        .collect();
    let err = d
        .import(upto.as_bytes(), ImportOptions::default())
        .unwrap_err();
    let cause = std::error::Error::source(&err).map(ToString::to_string);
    assert!(
        cause.as_deref().is_some_and(|c| c.contains("no redaction")),
        "{err}: {cause:?}"
    );
    assert_eq!(d.size().unwrap(), 1);
    // As is a withheld line posted alone (what an API client could send).
    let before: String = text
        .lines()
        .take(c as usize)
        .map(|l| format!("{l}\n"))
        .collect();
    d.import(before.as_bytes(), ImportOptions::default())
        .unwrap();
    let lone = SignedEntry::from_line(text.lines().nth(c as usize).unwrap().as_bytes()).unwrap();
    assert!(matches!(
        d.append_signed(lone).unwrap_err(),
        Error::RedactionRule(_)
    ));
    assert_eq!(d.size().unwrap(), c);
    assert!(d.audit().unwrap().ok);
}

fn cli_session_with_secret() -> (Session, String) {
    let s = Session::with_claim();
    for i in 0..40 {
        s.ok(&[
            "--key",
            "alice.key",
            "claim",
            "add",
            "--text",
            &format!("filler claim {i} to spread the tree over many pages"),
            "--claimant",
            "X",
            "--claimant-type",
            "person",
        ]);
    }
    let j = s
        .ok(&[
            "--json",
            "--key",
            "alice.key",
            "claim",
            "add",
            "--text",
            &format!("Named: {SECRET}."),
            "--claimant",
            "Y",
            "--claimant-type",
            "person",
        ])
        .json();
    let idx = j["index"].as_u64().unwrap().to_string();
    for i in 0..10 {
        s.ok(&[
            "--key",
            "alice.key",
            "claim",
            "add",
            "--text",
            &format!("later claim {i}"),
            "--claimant",
            "X",
            "--claimant-type",
            "person",
        ]);
    }
    assert!(
        !files_holding(&s.ledger(), SECRET).is_empty(),
        "the phrase is stored"
    );
    (s, idx)
}

#[test]
fn cli_redact_erases_the_bytes_from_db_wal_and_shm() {
    let (s, idx) = cli_session_with_secret();
    let j = s
        .ok(&[
            "--json",
            "redact",
            &idx,
            "--category",
            "privacy",
            "--reason",
            "GDPR erasure request 2026-14",
        ])
        .json();
    assert_eq!(j["kind"], "redaction");
    let r = j["index"].as_u64().unwrap();
    assert_eq!(files_holding(&s.ledger(), SECRET), Vec::<String>::new());

    let shown = s.ok(&["show", &idx]).stdout;
    assert!(
        shown.contains(&format!("withheld by redaction #{r} (privacy)")),
        "{shown}"
    );
    let j = s.ok(&["--json", "show", &idx]).json();
    assert!(j["payload"].is_null());
    assert_eq!(
        j["withheld"]["text"],
        format!("withheld by redaction #{r} (privacy)")
    );
    let log = s.ok(&["log"]).stdout;
    assert!(
        log.contains(&format!("withheld by redaction #{r} (privacy)")),
        "{log}"
    );
    assert!(!log.contains("Zanzibar"));
    assert!(s.ok(&["search", "Zanzibar"]).stdout.trim().lines().count() <= 1);
    let audit = s.ok(&["--json", "audit"]).json();
    assert_eq!(audit["ok"], true, "{audit}");
    let figures = s.ok(&["figures"]).stdout;
    assert!(
        figures.contains(&format!(
            "#{idx}: figures withheld by redaction #{r} (privacy)"
        )),
        "{figures}"
    );
    let history = s.ok(&["history", &idx]).stdout;
    assert!(history.contains("withheld by redaction"), "{history}");

    // The receipt of the redacted entry verifies and says so.
    s.ok(&["receipt", &idx, "--out", "r.json"]);
    let log_vkey = s.ok(&["--json", "checkpoint"]).json()["log_vkey"]
        .as_str()
        .unwrap()
        .to_string();
    let v = s
        .ok(&["verify-receipt", "r.json", "--log-key", &log_vkey])
        .stdout;
    assert!(v.contains("withheld by redaction"), "{v}");

    // Refusals exit 2 and change nothing.
    s.refused(
        &["redact", &idx, "--category", "privacy", "--reason", "again"],
        "already withheld",
    );
    s.refused(
        &["redact", "1", "--category", "other", "--reason", "x"],
        "key entr",
    );
}

#[test]
fn a_redaction_erases_the_bytes_while_a_server_runs() {
    let (s, idx) = cli_session_with_secret();
    let server = Server::start(&s.ledger(), &[]);
    let (status, body) = server.get(&format!("/v1/entries/{idx}"));
    assert_eq!(status, 200);
    assert!(body.contains("Zanzibar"));

    // The CLI redacts beside the running server (another process, same file).
    let out = s.ok(&[
        "--json",
        "redact",
        &idx,
        "--category",
        "court_order",
        "--reason",
        "order 2026/117",
    ]);
    let r = out.json()["index"].as_u64().unwrap();
    assert_eq!(files_holding(&s.ledger(), SECRET), Vec::<String>::new());
    let (status, v) = server.json(&format!("/v1/entries/{idx}"));
    assert_eq!(status, 200);
    assert!(v["payload"].is_null(), "{v}");
    assert_eq!(
        v["withheld"]["text"],
        format!("withheld by redaction #{r} (court_order)")
    );
    assert!(!server.get("/v1/search?q=Zanzibar").1.contains("Zanzibar"));
    assert_eq!(files_holding(&s.ledger(), SECRET), Vec::<String>::new());
    let (code, _) = server.stop();
    assert_eq!(code, 0);
    assert_eq!(files_holding(&s.ledger(), SECRET), Vec::<String>::new());
}

#[test]
fn the_api_redacts_on_a_post_signed_by_the_operator_key_only() {
    let (s, idx) = cli_session_with_secret();
    let server = Server::start(&s.ledger(), &[]);
    // A reporter's redaction: 403, nothing erased.
    let forged = s.run(&[
        "--operator-key",
        "alice.key",
        "redact",
        &idx,
        "--category",
        "other",
        "--reason",
        "x",
        "--sign-only",
    ]);
    assert_eq!(
        forged.code, 2,
        "alice.key is not the operator key: {}",
        forged.stderr
    );
    let alice = claimledger::ledger::keyfile::read_signing_key(&s.path("alice.key")).unwrap();
    let l = Ledger::open(s.ledger()).unwrap();
    let signed = l
        .sign_redaction(idx.parse().unwrap(), RedactionCategory::Other, "x", &alice)
        .unwrap();
    drop(l);
    let (status, v) = server.post(signed.to_line().to_string().as_bytes());
    assert_eq!(status, 403, "{v}");
    assert!(!files_holding(&s.ledger(), SECRET).is_empty());

    // The operator signs offline; the server needs no secret to apply it.
    let line = s
        .ok(&[
            "redact",
            &idx,
            "--category",
            "defamation",
            "--reason",
            "ruling 12",
            "--sign-only",
        ])
        .stdout;
    let (status, v) = server.post(line.trim().as_bytes());
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["entry"]["kind"], "redaction");
    assert_eq!(files_holding(&s.ledger(), SECRET), Vec::<String>::new());
    let (_, e) = server.json(&format!("/v1/entries/{idx}"));
    assert_eq!(e["withheld"]["category"], "defamation");
    let (code, _) = server.stop();
    assert_eq!(code, 0);
    assert_eq!(s.ok(&["--json", "audit"]).json()["ok"], true);
}

/// SIGKILL at random moments of `claimledger redact`: afterwards either the payload is there
/// and no redaction, or the redaction is there and the payload is gone; audit passes.
#[test]
fn a_crash_during_redaction_leaves_all_or_nothing() {
    let mut rng = crate::crash::Rng::new(0x5eda_c7ed);
    let (mut done, mut undone) = (0, 0);
    for round in 0..12 {
        let (s, idx) = if round == 0 {
            cli_session_with_secret()
        } else {
            let s = Session::with_claim();
            let idx = "2".to_string();
            (s, idx)
        };
        let mut child = command(&s)
            .args([
                "redact",
                &idx,
                "--category",
                "privacy",
                "--reason",
                "erasure",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros(rng.below(40_000)));
        let _ = child.kill();
        let _ = child.wait();
        let l = Ledger::open(s.ledger()).unwrap();
        let report = l.audit().unwrap();
        assert!(report.ok, "round {round}: {:#?}", report.findings);
        let i: u64 = idx.parse().unwrap();
        let redacted = l
            .log(0, 1000)
            .unwrap()
            .iter()
            .any(|e| e.envelope().kind() == claimledger::Kind::Redaction);
        let e = l.entry(i).unwrap();
        assert_eq!(redacted, e.withheld().is_some(), "round {round}");
        assert_eq!(redacted, e.payload().is_none(), "round {round}");
        drop(l);
        if redacted {
            done += 1;
            // Killed after the commit, perhaps before the WAL was truncated: --scrub ends it.
            s.ok(&["redact", "--scrub"]);
            let phrase = if round == 0 {
                SECRET
            } else {
                "DeepSeek-V3 cost"
            };
            assert_eq!(
                files_holding(&s.ledger(), phrase),
                Vec::<String>::new(),
                "round {round}"
            );
        } else {
            undone += 1;
        }
    }
    eprintln!("redaction crash: {done} completed, {undone} killed before the commit");
    let _ = bin();
}

#[test]
fn a_redaction_payload_reads_strictly() {
    let r: Redaction = serde_json::from_str(r#"{"category":"privacy","reason":"x"}"#).unwrap();
    assert_eq!(r.category, RedactionCategory::Privacy);
    assert!(serde_json::from_str::<Redaction>(r#"{"category":"gossip","reason":"x"}"#).is_err());
    assert!(
        serde_json::from_str::<Redaction>(r#"{"category":"privacy","reason":"x","text":"y"}"#)
            .is_err()
    );
}

/// A file written at schema version 1 (kind CHECK without `redaction`, the old trigger) is
/// upgraded when opened for writing, and then takes a redaction.
#[test]
fn a_version_1_file_is_upgraded_and_then_redacts() {
    let mut t = TestLedger::new();
    let c = t.claim("claim in an old file");
    drop(t.ledger);
    let conn = rusqlite::Connection::open(&t.path).unwrap();
    let cookie: i64 = conn
        .query_row("PRAGMA schema_version", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch(&format!(
        "BEGIN;
         PRAGMA writable_schema = ON;
         UPDATE sqlite_schema
            SET sql = replace(sql, 'kind IN (''claim'', ''statement'') OR kind IN (''key'', ''redaction'')',
                                   'kind IN (''claim'', ''statement'', ''key'')')
          WHERE type = 'table' AND name = 'entries';
         PRAGMA schema_version = {};
         PRAGMA writable_schema = OFF;
         DROP TRIGGER payloads_not_after_redaction;
         DROP TRIGGER payloads_no_delete;
         CREATE TRIGGER payloads_no_delete BEFORE DELETE ON payloads
             BEGIN SELECT RAISE(ABORT, 'payloads are append-only'); END;
         PRAGMA user_version = 1;
         COMMIT;",
        cookie + 1
    ))
    .unwrap();
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE name = 'entries'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!sql.contains("redaction"), "{sql}");
    assert!(
        sql.contains("CHECK (kind IN ('claim', 'statement', 'key'))"),
        "{sql}"
    );
    drop(conn);

    let mut l = Ledger::open(&t.path).unwrap();
    l.load_operator_key(t.operator.clone()).unwrap();
    l.redact(c, RedactionCategory::Privacy, "erasure request")
        .unwrap();
    assert!(l.audit().unwrap().ok);
    assert!(l.entry(c).unwrap().withheld().is_some());
}
