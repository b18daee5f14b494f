//! Edits behind the tool's back: build a ledger with the CLI, change the SQLite file directly
//! (dropping the append-only triggers where needed), and expect `audit` to exit 1 naming the
//! entry and the check.

use crate::cli::Session;
use claimledger::format::entry::SignedEntry;
use claimledger::{Claim, KeyAction, KeyChange, Party, PartyType, SigningKey};
use rusqlite::{Connection, params};

const TRIGGERS: &[&str] = &[
    "entries_no_update",
    "entries_no_delete",
    "payloads_no_update",
    "payloads_no_delete",
    "tree_nodes_no_update",
    "tree_nodes_no_delete",
    "checkpoints_no_update",
    "checkpoints_no_delete",
];

/// A ledger with 3 keys and claims/statements up to index 7.
pub fn built() -> Session {
    let s = Session::with_claim(); // 0 operator grant, 1 alice grant, 2 claim
    for i in 0..3 {
        s.ok(&[
            "--key",
            "alice.key",
            "claim",
            "add",
            "--text",
            &format!("claim {i}"),
            "--claimant",
            "X",
        ]);
    }
    s.ok(&[
        "--key",
        "alice.key",
        "contest",
        "2",
        "--speaker",
        "Y",
        "--text",
        "no",
    ]);
    s.ok(&[
        "--key",
        "alice.key",
        "support",
        "6",
        "--speaker",
        "Z",
        "--text",
        "yes",
    ]);
    s.ok(&["audit"]);
    s
}

/// Open the file directly, with the append-only triggers dropped.
pub fn raw(s: &Session) -> Connection {
    let c = Connection::open(s.ledger()).unwrap();
    for t in TRIGGERS {
        c.execute_batch(&format!("DROP TRIGGER IF EXISTS {t}"))
            .unwrap();
    }
    c
}

/// Run audit --json (plus args); require exit 1 and return (code, index) findings.
pub fn audit_fails(s: &Session, args: &[&str]) -> Vec<(String, Option<u64>)> {
    let mut a = vec!["--json", "audit"];
    a.extend_from_slice(args);
    let out = s.run(&a);
    assert_eq!(
        out.code, 1,
        "audit should fail\n{}\n{}",
        out.stdout, out.stderr
    );
    let j = out.json();
    assert_eq!(j["ok"], false);
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_string(), f["index"].as_u64()))
        .collect()
}

pub fn has(findings: &[(String, Option<u64>)], code: &str, index: Option<u64>) -> bool {
    findings.iter().any(|(c, i)| c == code && *i == index)
}

fn envelope(c: &Connection, idx: i64) -> Vec<u8> {
    c.query_row("SELECT envelope FROM entries WHERE idx = ?1", [idx], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn one_byte_of_an_envelope() {
    let s = built();
    let c = raw(&s);
    let mut env = envelope(&c, 3);
    let pos = env
        .windows(15)
        .position(|w| w == b"\"recorded_at\":\"")
        .unwrap();
    env[pos + 18] ^= 0x01; // a digit of the year: still canonical JSON, no longer signed
    assert!(env[pos + 18].is_ascii_digit());
    c.execute(
        "UPDATE entries SET envelope = ?1 WHERE idx = 3",
        params![env],
    )
    .unwrap();
    drop(c);
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "leaf_hash_mismatch", Some(3)), "{f:?}");
    assert!(has(&f, "bad_signature", Some(3)), "{f:?}");
}

#[test]
fn one_byte_of_a_payload() {
    let s = built();
    let c = raw(&s);
    let mut p: Vec<u8> = c
        .query_row("SELECT payload FROM payloads WHERE idx = 4", [], |r| {
            r.get(0)
        })
        .unwrap();
    let pos = p.windows(7).position(|w| w == b"claim 1").unwrap();
    p[pos + 6] = b'7';
    c.execute("UPDATE payloads SET payload = ?1 WHERE idx = 4", params![p])
        .unwrap();
    drop(c);
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "payload_hash_mismatch", Some(4)), "{f:?}");
}

#[test]
fn a_signature_with_the_leaf_hash_column_kept_in_step() {
    let s = built();
    let c = raw(&s);
    let env = String::from_utf8(envelope(&c, 5)).unwrap();
    let start = env.find("\"signature\":\"").unwrap() + 13;
    let mut chars: Vec<char> = env.chars().collect();
    chars[start] = if chars[start] == 'A' { 'B' } else { 'A' };
    let forged: String = chars.into_iter().collect();
    let leaf = claimledger::format::merkle::leaf_hash(forged.as_bytes());
    c.execute(
        "UPDATE entries SET envelope = ?1, leaf_hash = ?2 WHERE idx = 5",
        params![forged.as_bytes(), &leaf[..]],
    )
    .unwrap();
    drop(c);
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "bad_signature", Some(5)), "{f:?}");
    assert!(has(&f, "tree_node_mismatch", Some(5)), "{f:?}");
}

#[test]
fn an_interior_hash() {
    let s = built();
    let c = raw(&s);
    c.execute(
        "UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 1 AND idx = 1",
        [],
    )
    .unwrap();
    drop(c);
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "tree_node_mismatch", Some(2)), "{f:?}");
}

#[test]
fn a_stored_checkpoint() {
    let s = built();
    let c = raw(&s);
    let note: String = c
        .query_row("SELECT note FROM checkpoints WHERE size = 5", [], |r| {
            r.get(0)
        })
        .unwrap();
    let forged = note.replacen("\n5\n", "\n6\n", 1);
    assert_ne!(note, forged);
    c.execute(
        "UPDATE checkpoints SET note = ?1 WHERE size = 5",
        params![forged],
    )
    .unwrap();
    drop(c);
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "checkpoint_invalid", Some(5)), "{f:?}");
}

#[test]
fn a_deleted_entry() {
    let s = built();
    let c = raw(&s);
    c.execute_batch("DELETE FROM payloads WHERE idx = 4; DELETE FROM entries WHERE idx = 4;")
        .unwrap();
    drop(c);
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "missing_entry", Some(4)), "{f:?}");
}

#[test]
fn two_swapped_entries() {
    let s = built();
    let c = raw(&s);
    c.execute_batch(
        "CREATE TEMP TABLE e AS SELECT * FROM entries WHERE idx IN (3, 4);
         CREATE TEMP TABLE p AS SELECT * FROM payloads WHERE idx IN (3, 4);
         UPDATE entries SET envelope = (SELECT envelope FROM e WHERE e.idx = 7 - entries.idx),
                            leaf_hash = (SELECT leaf_hash FROM e WHERE e.idx = 7 - entries.idx)
           WHERE idx IN (3, 4);
         UPDATE payloads SET payload = (SELECT payload FROM p WHERE p.idx = 7 - payloads.idx)
           WHERE idx IN (3, 4);",
    )
    .unwrap();
    drop(c);
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "tree_node_mismatch", Some(3)), "{f:?}");
    assert!(
        f.iter().any(|(c, _)| c == "checkpoint_root_mismatch"),
        "{f:?}"
    );
}

#[test]
fn a_truncated_tail() {
    // Newer checkpoints kept: they cover entries that are gone.
    let s = built();
    let c = raw(&s);
    c.execute_batch("DELETE FROM payloads WHERE idx >= 6; DELETE FROM entries WHERE idx >= 6;")
        .unwrap();
    drop(c);
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "checkpoint_beyond_tree", Some(7)), "{f:?}");
    assert!(f.iter().any(|(c, _)| c == "extra_tree_nodes"), "{f:?}");

    // Newer checkpoints deleted too; the tree nodes left behind still tell.
    let s = built();
    let c = raw(&s);
    c.execute_batch(
        "DELETE FROM payloads WHERE idx >= 6; DELETE FROM entries WHERE idx >= 6;
         DELETE FROM checkpoints WHERE size > 6;",
    )
    .unwrap();
    drop(c);
    let f = audit_fails(&s, &[]);
    assert!(f.iter().any(|(c, _)| c == "extra_tree_nodes"), "{f:?}");

    // Everything truncated consistently: only a published checkpoint catches it.
    let s = built();
    s.ok(&["checkpoint"]);
    std::fs::write(s.path("published"), s.ok(&["checkpoint"]).stdout).unwrap();
    let c = raw(&s);
    c.execute_batch(
        "DELETE FROM payloads WHERE idx >= 6; DELETE FROM entries WHERE idx >= 6;
         DELETE FROM checkpoints WHERE size > 6;
         DELETE FROM tree_nodes WHERE (idx + 1) << level > 6;",
    )
    .unwrap();
    drop(c);
    s.ok(&["audit"]);
    let f = audit_fails(&s, &["--against", "published"]);
    assert!(has(&f, "not_extending_published", Some(8)), "{f:?}");
}

pub fn insert_signed(s: &Session, signed: &SignedEntry) -> u64 {
    let c = raw(s);
    let idx: i64 = c
        .query_row("SELECT max(idx) + 1 FROM entries", [], |r| r.get(0))
        .unwrap();
    let env = signed.envelope();
    c.execute(
        "INSERT INTO entries (idx, leaf_hash, kind, target_idx, envelope) VALUES (?1, ?2, ?3, NULL, ?4)",
        params![idx, &env.leaf_hash()[..], env.kind().as_str(), env.as_bytes()],
    )
    .unwrap();
    c.execute(
        "INSERT INTO payloads (idx, payload) VALUES (?1, ?2)",
        params![idx, signed.payload_bytes()],
    )
    .unwrap();
    idx as u64
}

pub fn a_claim() -> Claim {
    Claim {
        text: "forged".into(),
        claimant: Party {
            name: "X".into(),
            party_type: PartyType::Person,
            same_as: None,
        },
        claimed_on: None,
        sources: vec![],
        subjects: vec![],
        figures: vec![],
    }
}

fn alice(s: &Session) -> SigningKey {
    claimledger::ledger::keyfile::read_signing_key(&s.path("alice.key")).unwrap()
}

#[test]
fn an_inserted_entry_signed_by_an_ungranted_key() {
    let s = built();
    let mallory = SigningKey::generate("mallory@evil.example").unwrap();
    let idx = insert_signed(&s, &SignedEntry::sign(a_claim(), None, &mallory).unwrap());
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "signer_not_granted", Some(idx)), "{f:?}");
    assert!(has(&f, "tree_node_mismatch", Some(idx)), "{f:?}");
}

#[test]
fn a_grant_forged_with_a_reporters_key() {
    let s = built();
    let mallory = SigningKey::generate("mallory@evil.example").unwrap();
    let grant = KeyChange {
        action: KeyAction::Grant,
        vkey: mallory.verifying_key().to_string(),
        name: "Mallory".into(),
        role: "editor".into(),
        reason: None,
    };
    let idx = insert_signed(&s, &SignedEntry::sign(grant, None, &alice(&s)).unwrap());
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "bad_key_entry", Some(idx)), "{f:?}");
}

#[test]
fn a_revoked_key_used_after_its_revocation() {
    let s = built();
    let vk = s.ok(&["key", "show", "alice.key"]).stdout;
    s.ok(&["key", "revoke", vk.trim(), "--reason", "laptop stolen"]);
    let idx = insert_signed(&s, &SignedEntry::sign(a_claim(), None, &alice(&s)).unwrap());
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "signer_revoked", Some(idx)), "{f:?}");
}

#[test]
fn the_whole_file_replaced_by_an_older_copy() {
    let s = built();
    let old = s.snapshot();
    s.ok(&[
        "--key",
        "alice.key",
        "claim",
        "add",
        "--text",
        "later",
        "--claimant",
        "X",
    ]);
    std::fs::write(s.path("published"), s.ok(&["checkpoint"]).stdout).unwrap();
    std::fs::write(s.ledger(), old).unwrap();
    s.ok(&["audit"]); // consistent on its own …
    let f = audit_fails(&s, &["--against", "published"]); // … but not what was published.
    assert!(has(&f, "not_extending_published", Some(9)), "{f:?}");
}

#[test]
fn a_rebuilt_ledger_under_another_operator_key() {
    let s = built();
    let genuine = s.ok(&["--json", "checkpoint"]).json()["log_vkey"]
        .as_str()
        .unwrap()
        .to_string();
    // The forger rebuilds the same story under a key of their own with the same origin.
    let forged = Session::with_claim();
    s.ok(&["audit", "--log-key", &genuine]);
    let out = forged.run(&["--json", "audit", "--log-key", &genuine]);
    assert_eq!(out.code, 1);
    let f: Vec<String> = out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    assert!(f.contains(&"log_key_mismatch".to_string()), "{f:?}");
    assert!(f.contains(&"checkpoint_invalid".to_string()), "{f:?}");
}

#[test]
fn the_triggers_refuse_edits_through_sql() {
    let s = built();
    let c = Connection::open(s.ledger()).unwrap();
    for stmt in [
        "UPDATE entries SET kind = 'claim' WHERE idx = 0",
        "DELETE FROM entries WHERE idx = 7",
        "UPDATE payloads SET payload = x'00' WHERE idx = 2",
        "DELETE FROM payloads WHERE idx = 2",
        "DELETE FROM tree_nodes WHERE level = 0",
        "UPDATE checkpoints SET note = '' WHERE size = 3",
        "DELETE FROM checkpoints",
        "UPDATE meta SET value = 'x' WHERE key = 'log_vkey'",
    ] {
        let err = c.execute_batch(stmt).unwrap_err().to_string();
        assert!(
            err.contains("append-only") || err.contains("never change"),
            "{stmt}: {err}"
        );
    }
    drop(c);
    s.ok(&["audit"]);
}

#[test]
fn a_replayed_entry_inserted_behind_the_tools_back() {
    let s = built();
    let c = raw(&s);
    let (env, payload): (Vec<u8>, Vec<u8>) = c
        .query_row(
            "SELECT e.envelope, p.payload FROM entries e JOIN payloads p USING (idx) WHERE idx = 3",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(c);
    let replay = SignedEntry::from_stored(&env, &payload).unwrap();
    let idx = insert_signed(&s, &replay);
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "duplicate_entry", Some(idx)), "{f:?}");
}
