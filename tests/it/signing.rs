//! The operator key signs only a tree that extends the last one it signed (issue #12): every
//! way of altering the file behind the tool's back — a tree node, a root column, checkpoint rows,
//! an older copy — makes `claim add`, `checkpoint --sign` and `POST /v1/entries` refuse, sign
//! nothing and leave the signer state as it was. Derived columns are never trusted by appends or
//! reads, and audit reports an index gap at once.

use crate::cli::{Out, Session};
use crate::serve::Server;
use crate::tamper::{a_claim, audit_fails, built, has, raw};
use claimledger::format::entry::SignedEntry;
use claimledger::format::merkle::Frontier;
use claimledger::{CreateOptions, Error, Ledger, SigningKey};
use rusqlite::{Connection, params};
use serde_json::Value;

/// The signer state `init` uses: beside the operator key.
fn state_file(s: &Session) -> std::path::PathBuf {
    s.path("ledger.db.operator.key.last-checkpoint")
}

/// What signing would change: the stored checkpoints and the signer state.
fn signed_so_far(s: &Session) -> (Vec<(i64, String)>, Vec<u8>, i64) {
    let c = Connection::open(s.ledger()).unwrap();
    let cps = c
        .prepare("SELECT size, note FROM checkpoints ORDER BY size")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    let entries: i64 = c
        .query_row("SELECT count(*) FROM entries", [], |r| r.get(0))
        .unwrap();
    (
        cps,
        std::fs::read(state_file(s)).unwrap_or_default(),
        entries,
    )
}

/// A claim signed by alice, as `POST /v1/entries` takes it.
fn signed_line(s: &Session, text: &str) -> Vec<u8> {
    s.ok(&[
        "--key",
        "alice.key",
        "sign",
        "claim",
        "--text",
        text,
        "--claimant",
        "X",
    ])
    .stdout
    .into_bytes()
}

fn add_claim(s: &Session, text: &str) -> Out {
    s.run(&[
        "--key",
        "alice.key",
        "claim",
        "add",
        "--text",
        text,
        "--claimant",
        "X",
    ])
}

fn assert_altered_cli(out: &Out, what: &str) {
    assert_eq!(
        out.code, 2,
        "{what} should exit 2\nstdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(
        out.stderr.contains("altered outside claimledger")
            && out.stderr.contains("claimledger audit"),
        "{what}: {}",
        out.stderr
    );
}

fn assert_altered_http(status: u16, v: &Value) {
    assert_eq!(status, 500, "{v}");
    assert_eq!(v["error"]["status"], 500, "{v}");
    assert_eq!(v["error"]["code"], "ledger_altered", "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("altered outside claimledger") && message.contains("claimledger audit"),
        "{v}"
    );
}

/// After `tamper`, nothing signs: the CLI append and `checkpoint --sign` exit 2 and the server's
/// POST answers 500, each saying the file was altered and to run audit; no checkpoint row is
/// added and the signer state is unchanged.
fn nothing_signs_after(s: &Session, tamper: impl FnOnce(&Session)) {
    tamper(s);
    let before = signed_so_far(s);
    assert_altered_cli(&add_claim(s, "after the edit"), "claim add");
    assert_eq!(signed_so_far(s), before, "claim add signed or wrote");
    assert_altered_cli(&s.run(&["checkpoint", "--sign"]), "checkpoint --sign");
    assert_eq!(signed_so_far(s), before, "checkpoint --sign signed");
    let line = signed_line(s, "posted after the edit");
    let server = Server::start(&s.ledger(), &[]);
    let (status, v) = server.post(&line);
    assert_altered_http(status, &v);
    server.stop();
    assert_eq!(signed_so_far(s), before, "POST signed or wrote");
}

/// The review's attack: entry 4 replaced by a claim signed by an attacker key of the same name,
/// every tree node rebuilt over it and the newest root column set to match.
// See: issue #12, point 1.
#[test]
fn a_forged_leaf_with_the_tree_and_root_column_rebuilt() {
    let s = built();
    nothing_signs_after(&s, |s| {
        let c = raw(s);
        let mallory = SigningKey::generate("alice@test.example").unwrap();
        let forged = SignedEntry::sign(a_claim(), None, &mallory).unwrap();
        let env = forged.envelope();
        c.execute(
            "UPDATE entries SET envelope = ?1, leaf_hash = ?2 WHERE idx = 4",
            params![env.as_bytes(), &env.leaf_hash()[..]],
        )
        .unwrap();
        c.execute(
            "UPDATE payloads SET payload = ?1 WHERE idx = 4",
            params![forged.payload_bytes()],
        )
        .unwrap();
        let leaves: Vec<Vec<u8>> = c
            .prepare("SELECT leaf_hash FROM entries ORDER BY idx")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        c.execute("DELETE FROM tree_nodes", []).unwrap();
        let mut f = Frontier::new();
        for leaf in leaves {
            f.push(leaf.try_into().unwrap(), |level, idx, hash| {
                c.execute(
                    "INSERT INTO tree_nodes (level, idx, hash) VALUES (?1, ?2, ?3)",
                    params![level, idx as i64, &hash[..]],
                )
                .unwrap();
            });
        }
        c.execute(
            "UPDATE checkpoints SET root = ?1 WHERE size = ?2",
            params![&f.root()[..], f.size() as i64],
        )
        .unwrap();
    });
}

#[test]
fn an_edited_tree_node() {
    let s = built();
    // Size 8: the stored tree's root is the one node at level 3.
    nothing_signs_after(&s, |s| {
        raw(s)
            .execute(
                "UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 3 AND idx = 0",
                [],
            )
            .unwrap();
    });
}

#[test]
fn an_edited_root_column() {
    let s = built();
    nothing_signs_after(&s, |s| {
        raw(s)
            .execute(
                "UPDATE checkpoints SET root = zeroblob(32) WHERE size = (SELECT max(size) FROM checkpoints)",
                [],
            )
            .unwrap();
    });
}

#[test]
fn deleted_checkpoint_rows() {
    let s = built();
    nothing_signs_after(&s, |s| {
        raw(s)
            .execute("DELETE FROM checkpoints WHERE size > 5", [])
            .unwrap();
    });
}

#[test]
fn all_checkpoints_deleted() {
    let s = built();
    nothing_signs_after(&s, |s| {
        raw(s).execute("DELETE FROM checkpoints", []).unwrap();
    });
}

#[test]
fn an_older_copy_of_the_file_restored() {
    let s = built();
    let old = s.snapshot();
    assert_eq!(add_claim(&s, "later").code, 0);
    nothing_signs_after(&s, |s| {
        std::fs::write(s.ledger(), &old).unwrap();
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(s.path(&format!("ledger.db{suffix}")));
        }
    });
    let out = add_claim(&s, "again");
    assert!(out.stderr.contains("older copy"), "{}", out.stderr);
}

/// A crash between the commit and the state write leaves the state behind the file: the next
/// signing re-verifies from the older state, signs, and catches the state up.
#[test]
fn a_signer_state_behind_the_file_catches_up() {
    let s = built();
    let older = std::fs::read(state_file(&s)).unwrap();
    assert_eq!(add_claim(&s, "one").code, 0);
    std::fs::write(state_file(&s), &older).unwrap();
    assert_eq!(add_claim(&s, "two").code, 0);
    let state = String::from_utf8(std::fs::read(state_file(&s)).unwrap()).unwrap();
    assert_eq!(state.lines().nth(1), Some("10"), "{state}");
    s.ok(&["audit"]);
}

/// Entries appended where the operator key was not loaded are re-verified from their bytes
/// before the next checkpoint covers them: one inserted behind the tool's back is refused.
#[test]
fn an_unsigned_entry_inserted_behind_the_tools_back_is_not_signed() {
    let s = built();
    let mallory = SigningKey::generate("alice@test.example").unwrap();
    nothing_signs_after(&s, |s| {
        let signed = SignedEntry::sign(a_claim(), None, &mallory).unwrap();
        let idx = crate::tamper::insert_signed(s, &signed);
        // Its tree node too, as an append would have written it: only the signer's re-check of
        // the entry itself can refuse it.
        raw(s)
            .execute(
                "INSERT INTO tree_nodes (level, idx, hash) VALUES (0, ?1, ?2)",
                params![idx as i64, &signed.envelope().leaf_hash()[..]],
            )
            .unwrap();
    });
}

/// A ledger from before the signer state (or a lost state): the first load audits the file and
/// starts the state from its newest checkpoint, saying so; a tampered file is refused instead.
#[test]
fn without_a_signer_state_the_file_is_audited_first() {
    let s = built();
    std::fs::remove_file(state_file(&s)).unwrap();
    let out = add_claim(&s, "after losing the state");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("no signer state"), "{}", out.stderr);
    assert!(state_file(&s).exists());

    std::fs::remove_file(state_file(&s)).unwrap();
    raw(&s)
        .execute("DELETE FROM checkpoints WHERE size > 5", [])
        .unwrap();
    let c = raw(&s);
    c.execute(
        "UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 0 AND idx = 3",
        [],
    )
    .unwrap();
    drop(c);
    assert_altered_cli(&add_claim(&s, "refused"), "claim add without a state");
    assert!(!state_file(&s).exists());
}

#[test]
fn the_library_keeps_the_signer_state_beside_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let op = SigningKey::generate("lib.example/claims").unwrap();
    let state = dir.path().join("operator.state");
    let opts = || CreateOptions {
        signer_state: Some(state.clone()),
        ..Default::default()
    };
    let mut l = Ledger::create_with(dir.path().join("a.db"), &op, opts()).unwrap();
    let first = std::fs::read_to_string(&state).unwrap();
    assert!(first.contains("\n1\n"), "{first}");
    l.append(a_claim(), &op).unwrap();
    assert!(std::fs::read_to_string(&state).unwrap().contains("\n2\n"));
    drop(l);
    // The same key starting a second ledger would sign two unrelated trees under one name.
    let err = Ledger::create_with(dir.path().join("b.db"), &op, opts()).unwrap_err();
    assert!(matches!(err, Error::SignerState { .. }), "{err}");
    assert!(!dir.path().join("b.db").exists());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&state).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

// ---- point 2: derived columns -------------------------------------------------------------

/// A revocation relabelled `kind = 'claim'` does not give the revoked key its right back.
// See: issue #12, point 2.
#[test]
fn a_revocation_hidden_by_its_kind_column() {
    let s = built();
    let vk = s.ok(&["key", "show", "alice.key"]).stdout;
    s.ok(&["key", "revoke", vk.trim(), "--reason", "laptop stolen"]);
    let line = signed_line(&s, "posted by a revoked key");
    raw(&s)
        .execute("UPDATE entries SET kind = 'claim' WHERE idx = 8", [])
        .unwrap();
    let before = signed_so_far(&s);
    assert_altered_cli(&add_claim(&s, "by a revoked key"), "claim add");
    assert_altered_cli(&s.run(&["key", "list"]), "key list");
    let server = Server::start(&s.ledger(), &[]);
    let (status, v) = server.post(&line);
    assert_altered_http(status, &v);
    server.stop();
    assert_eq!(signed_so_far(&s), before);
}

#[test]
fn a_contest_moved_by_its_target_column() {
    let s = built();
    // Entry 6 contests claim 2.
    raw(&s)
        .execute("UPDATE entries SET target_idx = 3 WHERE idx = 6", [])
        .unwrap();
    assert_altered_cli(&s.run(&["history", "2"]), "history");
    let server = Server::start(&s.ledger(), &[]);
    let (status, v) = server.json("/v1/claims/2/history");
    assert_altered_http(status, &v);
    server.stop();
}

#[test]
fn two_swapped_entries_give_no_receipt() {
    let s = built();
    let c = raw(&s);
    // Through a free index: idx has CHECK (idx >= 0).
    c.execute_batch(
        "PRAGMA foreign_keys = OFF;
         UPDATE entries SET idx = 1000 WHERE idx = 3;
         UPDATE entries SET idx = 3 WHERE idx = 5;
         UPDATE entries SET idx = 5 WHERE idx = 1000;
         UPDATE payloads SET idx = 1000 WHERE idx = 3;
         UPDATE payloads SET idx = 3 WHERE idx = 5;
         UPDATE payloads SET idx = 5 WHERE idx = 1000;",
    )
    .unwrap();
    drop(c);
    assert_altered_cli(&s.run(&["receipt", "3"]), "receipt");
    let server = Server::start(&s.ledger(), &[]);
    let (status, v) = server.json("/v1/receipts/3");
    assert_altered_http(status, &v);
    server.stop();
}

// ---- point 7: index gaps ------------------------------------------------------------------

/// An entry moved far past the end is one finding naming the gap, found in O(rows).
// See: issue #12, point 7.
#[test]
fn an_index_gap_is_one_finding_with_its_range() {
    for far in [1_000_000i64, 1_000_000_000_000] {
        let s = built();
        raw(&s)
            .execute_batch(&format!(
                "PRAGMA foreign_keys = OFF;
                 UPDATE payloads SET idx = {far} WHERE idx = 7;
                 UPDATE entries SET idx = {far} WHERE idx = 7;"
            ))
            .unwrap();
        let f = audit_fails(&s, &[]);
        let gaps: Vec<_> = f.iter().filter(|(c, _)| c == "missing_entry").collect();
        assert_eq!(gaps.len(), 1, "{f:?}");
        assert!(has(&f, "missing_entry", Some(7)), "{f:?}");
        let out = s.run(&["--json", "audit"]);
        assert!(
            out.stdout.contains(&format!("entries 7..{}", far - 1)),
            "{}",
            out.stdout
        );
    }
}
