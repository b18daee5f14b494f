//! Incremental audit (`audit --resume STATE`, `--save-state FILE`): only new entries are
//! checked, tampering with them or rewriting/rolling back the tree below the state is caught,
//! bad states exit 2, and on random histories the resumed verdict and state equal the full ones.

use crate::cli::Session;
use crate::ledger::{claim, key, statement};
use crate::tamper::{audit_fails, built, has, raw};
use claimledger::format::merkle::{Frontier, Hash};
use claimledger::ledger::audit::AuditState;
use claimledger::{AuditOptions, Ledger, RedactionCategory, SigningKey, Stance};
use rusqlite::{Connection, params};

fn claim_add(s: &Session, text: &str) {
    s.ok(&[
        "--key",
        "alice.key",
        "claim",
        "add",
        "--text",
        text,
        "--claimant",
        "X",
    ]);
}

fn state_json(s: &Session, name: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(s.path(name)).unwrap()).unwrap()
}

fn resume_json(s: &Session, args: &[&str]) -> serde_json::Value {
    let mut a = vec!["--json", "audit", "--resume", "state.json"];
    a.extend_from_slice(args);
    s.ok(&a).json()
}

/// Every tree node recomputed from `leaves` (level 0 = the leaves), replacing the stored ones:
/// a consistent rewrite of the whole tree, as a forger with write access would leave it.
fn rebuild_tree(c: &Connection, leaves: &[Hash]) {
    c.execute("DELETE FROM tree_nodes", []).unwrap();
    let mut f = Frontier::new();
    for leaf in leaves {
        f.push(*leaf, |level, idx, hash| {
            c.execute(
                "INSERT INTO tree_nodes (level, idx, hash) VALUES (?1, ?2, ?3)",
                params![level, idx as i64, &hash[..]],
            )
            .unwrap();
        });
    }
}

fn leaves(c: &Connection) -> Vec<Hash> {
    let mut stmt = c
        .prepare("SELECT leaf_hash FROM entries ORDER BY idx")
        .unwrap();
    stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .map(|h| h.unwrap().try_into().unwrap())
        .collect()
}

#[test]
fn a_resumed_audit_checks_only_the_new_entries() {
    let s = built(); // entries 0..=7, each covered by a checkpoint
    let full = s
        .ok(&["--json", "audit", "--save-state", "state.json"])
        .json();
    assert_eq!(full["ok"], true);
    assert_eq!(full["resumed_from"], serde_json::Value::Null);
    assert_eq!(full["entries_checked"], 8);
    assert_eq!(full["state_size"], 8);
    let st = state_json(&s, "state.json");
    assert_eq!(st["format"], "claimledger-audit-state/v1");
    assert_eq!(st["size"], 8);
    assert_eq!(st["origin"], "test.example/claims");
    // The library's state of the same ledger is the same state, byte for byte.
    let saved = std::fs::read(s.path("state.json")).unwrap();
    let ledger = Ledger::open_read_only(s.ledger()).unwrap();
    assert_eq!(
        ledger.audit_state().unwrap().to_json().as_bytes(),
        &saved[..]
    );
    drop(ledger);

    claim_add(&s, "new one");
    s.ok(&[
        "--key",
        "alice.key",
        "contest",
        "2",
        "--speaker",
        "Y",
        "--text",
        "old target",
    ]);
    let inc = resume_json(&s, &["--save-state", "state.json"]);
    assert_eq!(inc["ok"], true, "{inc}");
    assert_eq!(inc["resumed_from"], 8);
    assert_eq!(inc["entries_checked"], 2);
    assert_eq!(inc["entries"], 10);
    assert_eq!(inc["state_size"], 10);
    assert_eq!(state_json(&s, "state.json")["size"], 10);
    // The state a full audit takes now is the one the resumed audit saved.
    s.ok(&["audit", "--save-state", "full.json"]);
    assert_eq!(
        std::fs::read(s.path("full.json")).unwrap(),
        std::fs::read(s.path("state.json")).unwrap()
    );
    // Nothing new: a resumed audit checks nothing and still passes.
    let again = resume_json(&s, &[]);
    assert_eq!(again["entries_checked"], 0);
    assert_eq!(again["ok"], true);
    let text = s.ok(&["audit", "--resume", "state.json"]).stdout;
    assert!(text.contains("resumed from size 10"), "{text}");
}

#[test]
fn a_tampered_new_entry_is_caught_and_the_state_kept() {
    let s = built();
    s.ok(&["audit", "--save-state", "state.json"]);
    let before = std::fs::read(s.path("state.json")).unwrap();
    claim_add(&s, "to be altered");
    raw(&s)
        .execute(
            "UPDATE payloads SET payload = CAST(replace(CAST(payload AS TEXT), 'altered', 'ALTERED') AS BLOB) WHERE idx = 8",
            [],
        )
        .unwrap();
    let f = audit_fails(
        &s,
        &["--resume", "state.json", "--save-state", "state.json"],
    );
    assert!(has(&f, "payload_hash_mismatch", Some(8)), "{f:?}");
    // Never saved on failure.
    assert_eq!(std::fs::read(s.path("state.json")).unwrap(), before);
    // The full audit agrees.
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "payload_hash_mismatch", Some(8)), "{f:?}");
}

#[test]
fn a_forged_new_entry_is_caught() {
    let s = built();
    s.ok(&["audit", "--save-state", "state.json"]);
    let mallory = SigningKey::generate("mallory@evil.example").unwrap();
    let forged = claimledger::SignedEntry::sign(crate::tamper::a_claim(), None, &mallory).unwrap();
    let idx = crate::tamper::insert_signed(&s, &forged);
    let f = audit_fails(&s, &["--resume", "state.json"]);
    assert!(has(&f, "signer_not_granted", Some(idx)), "{f:?}");
    assert!(has(&f, "tree_node_mismatch", Some(idx)), "{f:?}");
}

#[test]
fn a_tree_rewritten_below_the_state_is_caught() {
    let s = built();
    s.ok(&["audit", "--save-state", "state.json"]);
    claim_add(&s, "after the state");
    // The forger replaces entry 3's leaf and rebuilds every node, so the root at 8 changes.
    let c = raw(&s);
    let mut l = leaves(&c);
    l[3] = [7u8; 32];
    c.execute(
        "UPDATE entries SET leaf_hash = ?1 WHERE idx = 3",
        params![&l[3][..]],
    )
    .unwrap();
    rebuild_tree(&c, &l);
    drop(c);
    let f = audit_fails(&s, &["--resume", "state.json"]);
    assert!(has(&f, "not_extending_state", Some(8)), "{f:?}");
}

#[test]
fn an_old_entry_a_new_statement_names_is_proved_against_the_state() {
    let s = built();
    s.ok(&["audit", "--save-state", "state.json"]);
    s.ok(&[
        "--key",
        "alice.key",
        "support",
        "3",
        "--speaker",
        "Q",
        "--text",
        "names entry 3",
    ]);
    s.ok(&["audit", "--resume", "state.json"]);
    // Entry 3's envelope and leaf column are changed, the tree is not: the new statement's
    // target no longer proves into the audited tree.
    let c = raw(&s);
    let env: Vec<u8> = c
        .query_row("SELECT envelope FROM entries WHERE idx = 3", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut altered = env.clone();
    altered.push(b' ');
    let leaf = claimledger::format::merkle::leaf_hash(&altered);
    c.execute(
        "UPDATE entries SET envelope = ?1, leaf_hash = ?2 WHERE idx = 3",
        params![altered, &leaf[..]],
    )
    .unwrap();
    drop(c);
    let f = audit_fails(&s, &["--resume", "state.json"]);
    assert!(has(&f, "not_extending_state", Some(3)), "{f:?}");
}

#[test]
fn what_only_a_full_audit_catches() {
    // An old payload altered behind the tool's back, with no new entry naming it: the resumed
    // audit does not re-read entries below the state (FORMAT.md §20); the full audit does.
    let s = built();
    s.ok(&["audit", "--save-state", "state.json"]);
    raw(&s)
        .execute(
            "UPDATE payloads SET payload = CAST(replace(CAST(payload AS TEXT), 'claim 0', 'claim X') AS BLOB) WHERE idx = 3",
            [],
        )
        .unwrap();
    s.ok(&["audit", "--resume", "state.json"]);
    let f = audit_fails(&s, &[]);
    assert!(has(&f, "payload_hash_mismatch", Some(3)), "{f:?}");
}

/// The operator key's signer state file (docs/FORMAT.md §17.1) in a CLI session.
fn signer_state(s: &Session) -> std::path::PathBuf {
    let dir = s.ledger().parent().unwrap().to_path_buf();
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".last-checkpoint"))
        .expect("init wrote a signer state beside the operator key")
}

#[test]
fn a_rollback_or_fork_below_the_state_is_caught() {
    let s = built();
    let old = s.snapshot(); // 8 entries
    // The operator's signer state (beside its key) as it was then: restoring both from a
    // backup and appending again is how an operator forks its own log.
    let signer_state = signer_state(&s);
    let old_signer_state = std::fs::read(&signer_state).unwrap();
    claim_add(&s, "nine");
    claim_add(&s, "ten");
    s.ok(&["audit", "--save-state", "state.json"]); // state at 10
    std::fs::write(s.ledger(), &old).unwrap();
    s.ok(&["audit"]); // consistent on its own …
    let f = audit_fails(&s, &["--resume", "state.json"]); // … but behind the state.
    assert!(has(&f, "not_extending_state", Some(10)), "{f:?}");
    // A fork: the older copy grown past the state with other entries.
    std::fs::write(&signer_state, old_signer_state).unwrap();
    for i in 0..3 {
        claim_add(&s, &format!("other {i}"));
    }
    s.ok(&["audit"]);
    let f = audit_fails(&s, &["--resume", "state.json"]);
    assert!(has(&f, "not_extending_state", Some(10)), "{f:?}");
}

#[test]
fn a_state_of_another_ledger_is_refused() {
    let s = built();
    s.ok(&["audit", "--save-state", "state.json"]);
    let other = Session::new();
    other.ok(&["init", "--origin", "other.example/claims"]);
    std::fs::copy(s.path("state.json"), other.path("state.json")).unwrap();
    let before = other.snapshot();
    let out = other.run(&["audit", "--resume", "state.json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("not this ledger"), "{}", out.stderr);
    assert!(out.stderr.contains("hint: "), "{}", out.stderr);
    assert_eq!(other.snapshot(), before);
}

#[test]
fn a_bad_state_file_exits_2_with_a_hint() {
    let s = built();
    s.ok(&["audit", "--save-state", "state.json"]);
    let good = std::fs::read_to_string(s.path("state.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    let mut cases: Vec<(&str, String)> = vec![
        ("garbage", "not json".into()),
        ("array", "[]".into()),
        ("tag", good.replace("audit-state/v1", "audit-state/v2")),
    ];
    let mut extra = v.clone();
    extra["extra"] = serde_json::json!(1);
    cases.push(("extra member", extra.to_string()));
    let mut frontier = v.clone();
    frontier["frontier"][0] = serde_json::json!("00".repeat(32));
    cases.push(("frontier", frontier.to_string()));
    let mut size = v.clone();
    size["size"] = serde_json::json!(7);
    cases.push(("size", size.to_string()));
    let mut keys = v.clone();
    keys["keys"] = serde_json::json!([]);
    cases.push(("keys", keys.to_string()));
    let mut note = v.clone();
    note["checkpoint"] = serde_json::json!(v["checkpoint"].as_str().unwrap().replace('8', "9"));
    cases.push(("note", note.to_string()));
    let before = s.snapshot();
    for (what, text) in cases {
        std::fs::write(s.path("bad.json"), text).unwrap();
        let out = s.run(&["audit", "--resume", "bad.json", "--save-state", "bad.json"]);
        assert_eq!(out.code, 2, "{what}: {}", out.stderr);
        assert!(out.stderr.contains("hint: "), "{what}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{what}: {}", out.stdout);
    }
    let out = s.run(&["audit", "--resume", "missing.json"]);
    assert_eq!(out.code, 2);
    // The state pins its log key: another pinned key is a contradiction, not a verdict.
    let out = s.run(&[
        "audit",
        "--resume",
        "state.json",
        "--log-key",
        &key("test.example/claims", 99).verifying_key().to_string(),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("hint: "), "{}", out.stderr);
    assert_eq!(s.snapshot(), before);
    // Parsing is strict and round-trips.
    let st = AuditState::parse(good.as_bytes()).unwrap();
    assert_eq!(st.to_json(), good);
}

/// splitmix64
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n.max(1)
    }
}

/// A random history step: claims, statements, grants, revocations, redactions.
fn step(ledger: &mut Ledger, rng: &mut Rng, keys: &mut Vec<(SigningKey, bool)>, n: &mut u32) {
    *n += 1;
    let live: Vec<usize> = (0..keys.len()).filter(|&i| !keys[i].1).collect();
    let size = ledger.size().unwrap();
    let pick = rng.below(10);
    if pick == 0 || live.is_empty() {
        let k = key(&format!("r{n}@test.example"), (*n % 200) as u8 + 20);
        ledger.grant(&k.verifying_key(), "R", "reporter").unwrap();
        keys.push((k, false));
        return;
    }
    let signer = keys[live[rng.below(live.len() as u64) as usize]].0.clone();
    if pick == 1 && live.len() > 1 {
        let i = live[rng.below(live.len() as u64) as usize];
        ledger.revoke(&keys[i].0.verifying_key(), "left").unwrap();
        keys[i].1 = true;
        return;
    }
    // Earlier claims or statements: the possible targets.
    let targets: Vec<u64> = (1..size)
        .filter(|&i| {
            let e = ledger.entry(i).unwrap();
            matches!(
                e.envelope().kind(),
                claimledger::Kind::Claim | claimledger::Kind::Statement
            )
        })
        .collect();
    if pick == 2 && !targets.is_empty() {
        let t = targets[rng.below(targets.len() as u64) as usize];
        // Refused when already withheld: then this step records nothing.
        let _ = ledger.redact(t, RedactionCategory::Privacy, "test");
        return;
    }
    if pick <= 5 && !targets.is_empty() {
        let t = targets[rng.below(targets.len() as u64) as usize];
        ledger
            .append_statement(
                t,
                statement(Stance::Supports, "S", &format!("s{n}")),
                &signer,
            )
            .unwrap();
        return;
    }
    ledger.append(claim(&format!("c{n}")), &signer).unwrap();
}

#[test]
fn the_resumed_verdict_equals_the_full_one_on_random_histories() {
    for seed in 0..24u64 {
        let mut rng = Rng(seed);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let operator = key("rand.example/claims", 1);
        let mut ledger = Ledger::create(&path, &operator).unwrap();
        let mut keys = vec![(key("a@test.example", 2), false)];
        ledger
            .grant(&keys[0].0.verifying_key(), "A", "reporter")
            .unwrap();
        let mut n = 0;
        for _ in 0..rng.below(25) {
            step(&mut ledger, &mut rng, &mut keys, &mut n);
        }
        let first = ledger.audit().unwrap();
        assert!(first.ok, "seed {seed}: {:?}", first.findings);
        let state = first
            .state
            .clone()
            .expect("every append signs a checkpoint");
        for _ in 0..rng.below(25) {
            step(&mut ledger, &mut rng, &mut keys, &mut n);
        }
        let size = ledger.size().unwrap();
        drop(ledger);
        // Tamper with a new entry (or not), behind the tool's back.
        let tamper = if size > state.size() { rng.below(5) } else { 0 };
        let at = state.size() + rng.below(size - state.size());
        let c = Connection::open(&path).unwrap();
        for t in [
            "entries_no_update",
            "entries_no_delete",
            "payloads_no_update",
            "payloads_no_delete",
            "tree_nodes_no_update",
            "tree_nodes_no_delete",
        ] {
            c.execute_batch(&format!("DROP TRIGGER IF EXISTS {t}"))
                .unwrap();
        }
        match tamper {
            1 => {
                c.execute(
                    "UPDATE entries SET leaf_hash = zeroblob(32) WHERE idx = ?1",
                    [at as i64],
                )
                .unwrap();
            }
            2 => {
                c.execute(
                    "UPDATE tree_nodes SET hash = zeroblob(32) WHERE level = 0 AND idx = ?1",
                    [at as i64],
                )
                .unwrap();
            }
            3 => {
                c.execute(
                    "UPDATE entries SET envelope = CAST(replace(CAST(envelope AS TEXT), '\"signature\":\"', '\"signature\":\"A') AS BLOB) WHERE idx = ?1",
                    [at as i64],
                )
                .unwrap();
            }
            4 => {
                c.execute("DELETE FROM payloads WHERE idx = ?1", [at as i64])
                    .unwrap();
            }
            _ => {}
        }
        drop(c);
        let ledger = Ledger::open_read_only(&path).unwrap();
        let full = ledger.audit().unwrap();
        let resumed = ledger
            .audit_with(AuditOptions {
                resume: Some(&state),
                ..Default::default()
            })
            .unwrap();
        // Deleting a withheld payload changes nothing: it is already gone.
        assert_eq!(
            full.ok, resumed.ok,
            "seed {seed}, tamper {tamper} at {at}: full {:?} resumed {:?}",
            full.findings, resumed.findings
        );
        assert_eq!(resumed.checked, size - state.size());
        if tamper == 0 {
            assert!(full.ok, "seed {seed}: {:?}", full.findings);
        }
        if full.ok {
            assert_eq!(full.state, resumed.state, "seed {seed}");
            assert_eq!(full.state.as_ref(), Some(&ledger.audit_state().unwrap()));
        }
    }
}

#[test]
fn bench_scale_runs_on_a_copy_and_leaves_the_ledger_alone() {
    let s = built();
    let alice = claimledger::ledger::keyfile::read_signing_key(&s.path("alice.key")).unwrap();
    let lines: String = (0..3)
        .map(|i| {
            let e =
                claimledger::SignedEntry::sign(claim(&format!("bench {i}")), None, &alice).unwrap();
            format!("{}\n", e.to_line())
        })
        .collect();
    std::fs::write(s.path("new.jsonl"), lines).unwrap();
    let before = s.snapshot();
    let work = s.path("work");
    let out = s
        .ok(&[
            "--json",
            "bench",
            "scale",
            "--new",
            "new.jsonl",
            "--work",
            work.to_str().unwrap(),
        ])
        .json();
    assert_eq!(out["entries"], 8, "{out}");
    assert_eq!(out["new_entries"], 3);
    assert_eq!(out["incremental"]["audit_entries_checked"], 3);
    assert!(out["full"]["published_bytes_per_entry"].as_f64().unwrap() > 0.0);
    assert!(out["ratios"]["mirror_vs_audit"].as_f64().unwrap() > 0.0);
    assert_eq!(s.snapshot(), before, "the bench writes only its copy");
    // What it left verifies: the copy and the replica audit clean at 11 entries.
    for db in ["source.db", "replica.db"] {
        let path = work.join(db);
        let a = s
            .ok(&["--ledger", path.to_str().unwrap(), "--json", "audit"])
            .json();
        assert_eq!(a["entries"], 11, "{db}: {a}");
    }
    // A folder that is not empty is refused before anything runs.
    let out = s.run(&[
        "bench",
        "scale",
        "--new",
        "new.jsonl",
        "--work",
        work.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2);
}
