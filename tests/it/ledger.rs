//! The library facade: every step re-checks the whole ledger (audit, proofs, receipts).

use claimledger::format::entry::SignedEntry;
use claimledger::format::merkle;
use claimledger::{
    Claim, Error, Figure, KeyAction, KeyChange, Ledger, Party, PartyType, SigningKey, Stance,
    Statement, Target, verify_receipt,
};
use std::path::PathBuf;

pub const ORIGIN: &str = "test.example/claims";

pub fn key(name: &str, seed: u8) -> SigningKey {
    SigningKey::from_seed(name, [seed; 32]).unwrap()
}

pub fn party(name: &str) -> Party {
    Party {
        name: name.into(),
        party_type: PartyType::Organization,
        same_as: None,
    }
}

pub fn claim(text: &str) -> Claim {
    Claim {
        text: text.into(),
        claimant: party("DeepSeek"),
        claimed_on: Some("2024-12-26".into()),
        sources: vec![],
        subjects: vec!["DeepSeek-V3".into()],
        figures: vec![
            Figure::from_as_stated("DeepSeek-V3", "training_cost", None, "$5.6M").unwrap(),
        ],
    }
}

pub fn statement(stance: Stance, speaker: &str, text: &str) -> Statement {
    Statement {
        stance,
        text: text.into(),
        speaker: party(speaker),
        stated_on: None,
        sources: vec![],
        figures: vec![],
        rating: None,
    }
}

/// A ledger in a temporary folder with an operator and one granted reporter.
pub struct TestLedger {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub ledger: Ledger,
    pub operator: SigningKey,
    pub alice: SigningKey,
}

impl TestLedger {
    pub fn new() -> TestLedger {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let operator = key(ORIGIN, 1);
        let alice = key("alice@test.example", 2);
        let mut ledger = Ledger::create(&path, &operator).unwrap();
        ledger
            .grant(&alice.verifying_key(), "Alice Martin", "reporter")
            .unwrap();
        let t = TestLedger {
            dir,
            path,
            ledger,
            operator,
            alice,
        };
        t.check();
        t
    }

    pub fn claim(&mut self, text: &str) -> u64 {
        let i = self
            .ledger
            .append(claim(text), &self.alice)
            .unwrap()
            .entry
            .index();
        self.check();
        i
    }

    pub fn append_n(&mut self, n: usize) {
        for i in 0..n {
            self.claim(&format!("claim number {i}"));
        }
    }

    /// The whole ledger verifies: audit, every receipt, consistency between all checkpoints.
    pub fn check(&self) {
        let report = self.ledger.audit().unwrap();
        assert!(report.ok, "audit findings: {:#?}", report.findings);
        let size = self.ledger.size().unwrap();
        assert_eq!(report.entries, size);
        let cps = self.ledger.checkpoints().unwrap();
        for i in 0..size {
            let bytes = self.ledger.receipt(i).unwrap().to_pretty();
            let v = verify_receipt(bytes.as_bytes(), self.ledger.log_key()).unwrap();
            assert_eq!(v.index, i);
        }
        for w in cps.windows(2) {
            let (a, b) = (&w[0].checkpoint, &w[1].checkpoint);
            let p = self.ledger.consistency_proof(a.size, Some(b.size)).unwrap();
            merkle::verify_consistency(a.size, b.size, &a.root, &b.root, &p.proof).unwrap();
        }
    }
}

#[test]
fn create_refuses_overwrite_and_open_never_creates() {
    let t = TestLedger::new();
    let before = std::fs::read(&t.path).unwrap();
    let err = Ledger::create(&t.path, &t.operator).unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    assert_eq!(std::fs::read(&t.path).unwrap(), before);

    let missing = t.dir.path().join("nope.db");
    assert!(matches!(
        Ledger::open(&missing).unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(!missing.exists());
}

#[test]
fn open_refuses_files_that_are_not_ledgers() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "hello, this is not SQLite at all, just some text in a file\n",
    )
    .unwrap();
    let err = Ledger::open(&text).unwrap_err();
    assert!(matches!(err, Error::NotALedger { .. }), "{err}");
    assert_eq!(
        std::fs::read(&text).unwrap(),
        b"hello, this is not SQLite at all, just some text in a file\n"
    );

    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER)")
        .unwrap();
    let before = std::fs::read(&other).unwrap();
    assert!(matches!(
        Ledger::open(&other).unwrap_err(),
        Error::NotALedger { .. }
    ));
    assert_eq!(std::fs::read(&other).unwrap(), before);
}

#[test]
fn open_refuses_a_newer_schema() {
    let t = TestLedger::new();
    let path = t.path.clone();
    drop(t.ledger);
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = Ledger::open(&path).unwrap_err();
    assert!(
        matches!(err, Error::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade claimledger"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn claims_statements_and_history_in_order() {
    let mut t = TestLedger::new();
    let c = t.claim("DeepSeek-V3 cost $5.6M");
    let other = t.claim("unrelated claim");
    let s1 = t
        .ledger
        .append_statement(
            c,
            statement(Stance::Contests, "Dario Amodei", "doubtful"),
            &t.alice,
        )
        .unwrap()
        .entry
        .index();
    let s2 = t
        .ledger
        .append_statement(
            s1,
            statement(Stance::Contests, "Nvidia", "no diversion"),
            &t.alice,
        )
        .unwrap()
        .entry
        .index();
    let _unrelated = t
        .ledger
        .append_statement(
            other,
            statement(Stance::Supports, "Someone", "yes"),
            &t.alice,
        )
        .unwrap();
    let s3 = t
        .ledger
        .append_statement(
            c,
            statement(Stance::Qualifies, "DeepSeek", "final run only"),
            &t.alice,
        )
        .unwrap()
        .entry
        .index();
    t.check();
    let h = t.ledger.history(c).unwrap();
    assert_eq!(h.claim.index(), c);
    let idx: Vec<u64> = h.statements.iter().map(|e| e.index()).collect();
    assert_eq!(idx, vec![s1, s2, s3]);
    let figures = t
        .ledger
        .figures(Some("deepseek-v3"), Some("training_cost"))
        .unwrap();
    assert_eq!(figures.len(), 2);
    assert_eq!(figures[0].figure.value, "5600000");
    assert_eq!(t.ledger.search("final run", 10).unwrap()[0].index(), s3);
}

#[test]
fn append_rules_refuse_and_change_nothing() {
    let mut t = TestLedger::new();
    let c = t.claim("a claim");
    let size = t.ledger.size().unwrap();

    // Not granted.
    let mallory = key("mallory@evil.example", 9);
    let err = t.ledger.append(claim("forged"), &mallory).unwrap_err();
    assert!(matches!(err, Error::NotGranted { .. }), "{err}");

    // A key entry signed by a reporter, not the operator.
    let grant = KeyChange {
        action: KeyAction::Grant,
        vkey: mallory.verifying_key().to_string(),
        name: "Mallory".into(),
        role: "reporter".into(),
        reason: None,
    };
    let err = t.ledger.append(grant, &t.alice).unwrap_err();
    assert!(matches!(err, Error::NotOperator { .. }), "{err}");

    // Statement about an entry that does not exist.
    let err = t
        .ledger
        .append_statement(999, statement(Stance::Contests, "X", "no"), &t.alice)
        .unwrap_err();
    assert!(
        matches!(err, Error::TargetNotFound { index: 999, .. }),
        "{err}"
    );

    // Statement naming the right index with the wrong leaf hash.
    let signed = SignedEntry::sign(
        statement(Stance::Contests, "X", "no"),
        Some(Target {
            index: c,
            leaf_hash: [7; 32],
        }),
        &t.alice,
    )
    .unwrap();
    let err = t.ledger.append_signed(signed).unwrap_err();
    assert!(matches!(err, Error::TargetHashMismatch { .. }), "{err}");

    // A statement about a key entry.
    let key_entry = t.ledger.entry(1).unwrap();
    let signed = SignedEntry::sign(
        statement(Stance::Contests, "X", "no"),
        Some(key_entry.as_target()),
        &t.alice,
    )
    .unwrap();
    assert!(matches!(
        t.ledger.append_signed(signed).unwrap_err(),
        Error::TargetIsKey { index: 1 }
    ));

    assert_eq!(t.ledger.size().unwrap(), size);
    t.check();

    // Revoked.
    t.ledger
        .revoke(&t.alice.verifying_key(), "left the newsroom")
        .unwrap();
    let err = t
        .ledger
        .append(claim("after revocation"), &t.alice)
        .unwrap_err();
    assert!(matches!(err, Error::Revoked { .. }), "{err}");
    assert!(err.to_string().contains("left the newsroom"));
    // The operator cannot be revoked.
    let op = t.operator.verifying_key();
    assert!(matches!(
        t.ledger.revoke(&op, "x").unwrap_err(),
        Error::KeyRule(_)
    ));
    t.check();
}

#[test]
fn retraction_by_someone_else_is_recorded_with_a_warning() {
    let mut t = TestLedger::new();
    let c = t.claim("a claim");
    let by_other = t
        .ledger
        .append_statement(
            c,
            statement(Stance::Retracts, "Not DeepSeek", "withdrawn"),
            &t.alice,
        )
        .unwrap();
    assert_eq!(by_other.warnings.len(), 1, "{:?}", by_other.warnings);
    let by_claimant = t
        .ledger
        .append_statement(
            c,
            statement(Stance::Retracts, "DeepSeek", "withdrawn"),
            &t.alice,
        )
        .unwrap();
    assert!(by_claimant.warnings.is_empty());
    t.check();
}

#[test]
fn references_resolve() {
    let mut t = TestLedger::new();
    let c = t.claim("a claim");
    let leaf = hex::encode(t.ledger.entry(c).unwrap().leaf_hash());
    assert_eq!(t.ledger.resolve(&c.to_string()).unwrap(), c);
    assert_eq!(t.ledger.resolve(&format!("#{c}")).unwrap(), c);
    assert_eq!(t.ledger.resolve(&leaf[..8]).unwrap(), c);
    assert_eq!(t.ledger.resolve(&leaf[..9].to_uppercase()).unwrap(), c);
    assert_eq!(t.ledger.resolve(&leaf).unwrap(), c);
    assert!(matches!(
        t.ledger.resolve("#99").unwrap_err(),
        Error::NoEntryAt { index: 99, .. }
    ));
    assert!(matches!(
        t.ledger.resolve("abc").unwrap_err(),
        Error::BadRef { .. }
    ));
    assert!(matches!(
        t.ledger.resolve("zzzzzzzzz").unwrap_err(),
        Error::BadRef { .. }
    ));
}

#[test]
fn appends_without_the_operator_key_are_covered_later() {
    let mut t = TestLedger::new();
    let path = t.path.clone();
    let mut reporter_side = Ledger::open(&path).unwrap();
    assert!(!reporter_side.has_operator_key());
    let done = reporter_side
        .append(claim("from a laptop"), &t.alice)
        .unwrap();
    assert!(done.checkpoint.is_none());
    let report = t.ledger.audit().unwrap();
    assert!(report.ok);
    assert_eq!(report.notices.len(), 1);
    assert_eq!(report.notices[0].code, "uncovered_entries");
    assert!(t.ledger.receipt(done.entry.index()).is_err());
    let cp = t.ledger.sign_checkpoint().unwrap();
    assert_eq!(cp.checkpoint.size, t.ledger.size().unwrap());
    // Signing again at the same size returns the same note.
    assert_eq!(t.ledger.sign_checkpoint().unwrap(), cp);
    assert!(t.ledger.audit().unwrap().notices.is_empty());
    t.check();
    // A wrong operator key is refused.
    assert!(matches!(
        reporter_side
            .load_operator_key(t.alice.clone())
            .unwrap_err(),
        Error::WrongOperatorKey { .. }
    ));
}

#[test]
fn proofs_match_the_reference_at_every_size() {
    let mut t = TestLedger::new();
    t.append_n(20);
    let size = t.ledger.size().unwrap();
    let leaves: Vec<_> = (0..size)
        .map(|i| t.ledger.entry(i).unwrap().leaf_hash())
        .collect();
    for n in 1..=size {
        assert_eq!(
            t.ledger.root_at(n).unwrap(),
            merkle::reference::root(&leaves[..n as usize])
        );
        for i in 0..n {
            let p = t.ledger.inclusion_proof(i, Some(n)).unwrap();
            merkle::verify_inclusion(i, n, &leaves[i as usize], &p.proof, &p.root).unwrap();
        }
        for m in 1..=n {
            let p = t.ledger.consistency_proof(m, Some(n)).unwrap();
            merkle::verify_consistency(m, n, &p.old_root, &p.new_root, &p.proof).unwrap();
        }
    }
    assert!(t.ledger.inclusion_proof(size, Some(size)).is_err());
    assert!(t.ledger.consistency_proof(0, Some(size)).is_err());
    assert!(t.ledger.consistency_proof(1, Some(size + 1)).is_err());
}

#[test]
fn receipts_reject_every_byte_flip_and_other_keys() {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as B64;
    let mut t = TestLedger::new();
    let c = t.claim("a claim with a receipt");
    t.append_n(3);
    let receipt = t.ledger.receipt(c).unwrap();
    let json = receipt.to_json();
    let key = t.ledger.log_key().clone();
    let verify = |v: &serde_json::Value| verify_receipt(v.to_string().as_bytes(), &key);
    verify(&json).unwrap();

    // Every bit of the envelope.
    let env = B64
        .decode(json["envelope_base64"].as_str().unwrap())
        .unwrap();
    for i in 0..env.len() {
        for bit in 0..8 {
            let mut e = env.clone();
            e[i] ^= 1 << bit;
            let mut j = json.clone();
            j["envelope_base64"] = B64.encode(&e).into();
            assert!(verify(&j).is_err(), "envelope byte {i} bit {bit}");
        }
    }
    // Every byte of the tlog-proof text (proof hashes, note body, signature).
    let proof = json["tlog_proof"].as_str().unwrap().as_bytes().to_vec();
    for i in 0..proof.len() {
        let mut p = proof.clone();
        p[i] ^= 0x01;
        let Ok(text) = String::from_utf8(p) else {
            continue;
        };
        let mut j = json.clone();
        j["tlog_proof"] = text.into();
        assert!(verify(&j).is_err(), "tlog_proof byte {i}");
    }
    // The payload.
    let mut j = json.clone();
    j["payload"]["text"] = "a claim with a receipt!".into();
    assert!(verify(&j).is_err());

    // Another ledger's key.
    let other = TestLedger {
        ..TestLedger::new_with_operator(key_for_other())
    };
    assert!(verify_receipt(json.to_string().as_bytes(), other.ledger.log_key()).is_err());
}

fn key_for_other() -> SigningKey {
    key(ORIGIN, 42)
}

impl TestLedger {
    pub fn new_with_operator(operator: SigningKey) -> TestLedger {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let alice = key("alice@test.example", 2);
        let mut ledger = Ledger::create(&path, &operator).unwrap();
        ledger
            .grant(&alice.verifying_key(), "Alice Martin", "reporter")
            .unwrap();
        TestLedger {
            dir,
            path,
            ledger,
            operator,
            alice,
        }
    }
}

#[test]
fn ledger_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Ledger>();
}

#[test]
fn audit_with_a_pinned_wrong_key_fails() {
    let t = TestLedger::new();
    let wrong = key(ORIGIN, 77).verifying_key();
    let report = t
        .ledger
        .audit_with(claimledger::AuditOptions {
            log_key: Some(wrong),
            ..Default::default()
        })
        .unwrap();
    assert!(!report.ok);
    assert!(report.findings.iter().any(|f| f.code == "log_key_mismatch"));
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.code == "checkpoint_invalid")
    );
}

#[test]
fn a_replayed_entry_is_refused() {
    let mut t = TestLedger::new();
    let signed = SignedEntry::sign(claim("once"), None, &t.alice).unwrap();
    let first = t
        .ledger
        .append_signed(signed.clone())
        .unwrap()
        .entry
        .index();
    let err = t.ledger.append_signed(signed).unwrap_err();
    assert!(
        matches!(err, Error::Duplicate { index } if index == first),
        "{err}"
    );
    t.check();
}

#[test]
fn receipts_and_lines_keep_the_payload_as_signed() {
    // A tool's payload that omits the optional arrays and writes an explicit null.
    let mut t = TestLedger::new();
    let payload = serde_json::json!({
        "text": "minimal", "claimant": {"name": "N", "type": "person", "same_as": null}
    });
    let (p, _) =
        claimledger::Payload::from_json(claimledger::Kind::Claim, payload.to_string().as_bytes())
            .unwrap();
    let signed = SignedEntry::sign(p, None, &t.alice).unwrap();
    // Signing re-serializes the typed payload; build the line from the tool's own JSON instead.
    let line = serde_json::json!({
        "envelope_base64": signed.to_line()["envelope_base64"], "payload": signed.payload_json()
    });
    let back = SignedEntry::from_line(line.to_string().as_bytes()).unwrap();
    let i = t.ledger.append_signed(back.clone()).unwrap().entry.index();
    assert_eq!(
        SignedEntry::from_line(back.to_line().to_string().as_bytes()).unwrap(),
        back
    );
    t.check(); // includes a receipt for every entry
    assert_eq!(
        t.ledger.entry(i).unwrap().signed().payload_bytes(),
        back.payload_bytes()
    );
}

#[test]
fn search_looks_at_text_and_names_not_json_member_names() {
    let mut t = TestLedger::new();
    t.claim("the cost was low");
    assert_eq!(t.ledger.search("cost", 10).unwrap().len(), 1);
    assert_eq!(t.ledger.search("claimant", 10).unwrap().len(), 0);
    assert_eq!(t.ledger.search("deepseek", 10).unwrap().len(), 1); // claimant name, any case
    assert_eq!(t.ledger.search("50%_", 10).unwrap().len(), 0);
}

#[test]
fn appends_read_only_the_grants_of_the_keys_involved_and_apply_every_rule() {
    // An append reads the key entries of its signer (and of the key a key entry names), not
    // every key entry: the verdicts must be those of the full key history.
    let mut t = TestLedger::new();
    let bob = key("bob@test.example", 3);
    let carol = key("carol@test.example", 4);
    for (i, k) in [&bob, &carol].into_iter().enumerate() {
        t.ledger
            .grant(&k.verifying_key(), &format!("Reporter {i}"), "reporter")
            .unwrap();
    }
    t.ledger
        .revoke(&bob.verifying_key(), "left the newsroom")
        .unwrap();
    // Revoked, while others' grants stand.
    let err = t.ledger.append(claim("bob after"), &bob).unwrap_err();
    assert!(matches!(err, Error::Revoked { .. }), "{err}");
    t.ledger.append(claim("carol"), &carol).unwrap();
    // Granted again under a new name: may record, shown under the new name.
    t.ledger
        .grant(&bob.verifying_key(), "Bob Again", "editor")
        .unwrap();
    let done = t.ledger.append(claim("bob again"), &bob).unwrap();
    assert_eq!(done.recorder, "Bob Again");
    // Key rules that depend on the named key's history.
    let never = key("never@test.example", 5).verifying_key();
    assert!(matches!(
        t.ledger.revoke(&never, "x").unwrap_err(),
        Error::KeyRule(_)
    ));
    t.ledger
        .revoke(&carol.verifying_key(), "moved desks")
        .unwrap();
    let twice = SignedEntry::sign(
        KeyChange {
            action: KeyAction::Revoke,
            vkey: carol.verifying_key().to_string(),
            name: "Reporter 1".into(),
            role: "reporter".into(),
            reason: Some("again".into()),
        },
        None,
        &t.operator,
    )
    .unwrap();
    let err = t.ledger.append_signed(twice).unwrap_err();
    assert!(err.to_string().contains("already revoked"), "{err}");
    // A key entry signed by a recorder, and a recorder never granted.
    let grant_by_alice = SignedEntry::sign(
        KeyChange {
            action: KeyAction::Grant,
            vkey: never.to_string(),
            name: "Never".into(),
            role: "reporter".into(),
            reason: None,
        },
        None,
        &t.alice,
    )
    .unwrap();
    assert!(matches!(
        t.ledger.append_signed(grant_by_alice).unwrap_err(),
        Error::NotOperator { .. }
    ));
    let err = t
        .ledger
        .append(claim("never"), &key("never@test.example", 5))
        .unwrap_err();
    assert!(matches!(err, Error::NotGranted { .. }), "{err}");
    t.check();
}
