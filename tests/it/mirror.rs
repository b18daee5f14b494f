//! `claimledger mirror`: a replica follows a published log incrementally, equals the source after
//! every run and audits clean; refuses local appends; catches rollbacks and forks with evidence;
//! leaves the copy unchanged on bad input; resumes after SIGKILL.

use claimledger::format::evidence::ForkEvidence;
use claimledger::format::tiles::{self, TILE_WIDTH, TileKind, TilePath};
use claimledger::{Claim, Ledger, Party, PartyType, RedactionCategory, SigningKey};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_claimledger"))
}

/// The source log: an operator, a granted reporter, claims (s3.rs uses it too).
pub(crate) struct Source {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) ledger: Ledger,
    operator: SigningKey,
    alice: SigningKey,
}

impl Source {
    pub(crate) fn new() -> Source {
        let dir = tempfile::tempdir().unwrap();
        let operator = SigningKey::generate("mirror.test/claims").unwrap();
        let mut ledger = Ledger::create(dir.path().join("source.db"), &operator).unwrap();
        let alice = SigningKey::generate("alice@mirror.test").unwrap();
        ledger
            .grant(&alice.verifying_key(), "Alice Martin", "reporter")
            .unwrap();
        Source {
            dir,
            ledger,
            operator,
            alice,
        }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn vkey(&self) -> String {
        self.operator.verifying_key().to_string()
    }

    /// Append `n` claims in one batch (one checkpoint).
    pub(crate) fn claims(&mut self, n: usize) {
        let base = self.ledger.size().unwrap();
        let batch = (0..n)
            .map(|i| {
                claimledger::SignedEntry::sign(
                    claim(&format!("claim {}", base + i as u64)),
                    None,
                    &self.alice,
                )
                .unwrap()
            })
            .collect();
        self.ledger.append_batch(batch).unwrap();
    }

    /// Publish the latest signed checkpoint to a fresh folder `name` and return it.
    fn publish(&self, name: &str) -> PathBuf {
        let dir = self.path(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        publish_into(&self.ledger, &dir);
        dir
    }
}

fn claim(text: &str) -> Claim {
    Claim {
        text: text.into(),
        claimant: Party {
            name: "Someone".into(),
            party_type: PartyType::Person,
            same_as: None,
        },
        claimed_on: None,
        sources: vec![],
        subjects: vec!["mirror".into()],
        figures: vec![],
    }
}

/// Write the published layout (docs/FORMAT.md §18: `checkpoint`, hash tiles, entry and payload
/// bundles) of `ledger`'s latest checkpoint from `Ledger::tile`, the bytes `serve` answers.
fn publish_into(ledger: &Ledger, dir: &Path) {
    let cp = ledger.checkpoint(None).unwrap();
    let n = cp.checkpoint.size;
    let write = |path: TilePath| {
        let bytes = ledger
            .tile(&path)
            .unwrap()
            .unwrap_or_else(|| panic!("{}", path.to_path()));
        let file = dir.join(path.to_path());
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, bytes).unwrap();
    };
    for level in 0u8..8 {
        let count = n >> (8 * u32::from(level));
        if count == 0 {
            break;
        }
        for index in 0..count.div_ceil(TILE_WIDTH) {
            let width = (count - index * TILE_WIDTH).min(TILE_WIDTH);
            let mut kinds = vec![TileKind::Hashes { level }];
            if level == 0 {
                kinds.extend([TileKind::Entries, TileKind::Payloads]);
            }
            for kind in kinds {
                write(TilePath { kind, index, width });
            }
        }
    }
    std::fs::write(dir.join("checkpoint"), cp.note).unwrap();
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(cwd)
        .env_remove("CLAIMLEDGER_KEY")
        .env_remove("CLAIMLEDGER_OPERATOR_KEY")
        .env_remove("CLAIMLEDGER_LEDGER")
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `claimledger --ledger COPY mirror SOURCE --log-key VKEY --json`.
fn mirror(copy: &Path, source: &str, vkey: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "--ledger",
        copy.to_str().unwrap(),
        "--json",
        "mirror",
        source,
        "--log-key",
        vkey,
    ];
    args.extend(extra);
    run(copy.parent().unwrap(), &args)
}

fn mirror_ok(copy: &Path, source: &Path, vkey: &str) -> serde_json::Value {
    let o = mirror(copy, source.to_str().unwrap(), vkey, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The export (every envelope and payload, withheld ones marked) of a ledger.
pub(crate) fn export(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    Ledger::open_read_only(path)
        .unwrap()
        .export(&mut out)
        .unwrap();
    out
}

/// The replica audits clean (CLI, exit 0) and holds exactly what the source holds.
fn assert_equal_and_clean(copy: &Path, source: &Source) {
    let o = run(
        copy.parent().unwrap(),
        &[
            "--ledger",
            copy.to_str().unwrap(),
            "--json",
            "audit",
            "--log-key",
            &source.vkey(),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "audit of the replica: {}",
        text(&o)
    );
    assert_eq!(
        export(copy),
        export(&source.path("source.db")),
        "the replica differs from the source"
    );
    let replica = Ledger::open_read_only(copy).unwrap();
    assert_eq!(
        replica.checkpoint(None).unwrap().note,
        source.ledger.checkpoint(None).unwrap().note
    );
    // The incremental audit state the run saved resumes cleanly.
    let mut state = copy.as_os_str().to_owned();
    state.push(".audit-state.json");
    let o = run(
        copy.parent().unwrap(),
        &[
            "--ledger",
            copy.to_str().unwrap(),
            "--json",
            "audit",
            "--resume",
            state.to_str().unwrap(),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "audit --resume of the replica: {}",
        text(&o)
    );
}

/// The replica's bytes (file and WAL), to compare before and after a refused run.
fn bytes(copy: &Path) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut wal = copy.as_os_str().to_owned();
    wal.push("-wal");
    (
        std::fs::read(copy).unwrap(),
        std::fs::read(PathBuf::from(wal)).ok(),
    )
}

#[test]
fn a_replica_follows_the_source_incrementally_and_applies_its_redactions() {
    let mut src = Source::new();
    src.claims(3);
    let copy = src.path("copy.db");
    let published = src.publish("pub1");
    let r = mirror_ok(&copy, &published, &src.vkey());
    assert_eq!(r["created"], true);
    assert_eq!(r["appended"], 5);
    assert_equal_and_clean(&copy, &src);

    // Nothing new: up to date, nothing written.
    let before = bytes(&copy);
    let r = mirror_ok(&copy, &published, &src.vkey());
    assert_eq!(r["up_to_date"], true);
    assert_eq!(bytes(&copy), before);

    // Across bundle boundaries: partial bundle 0 grows to full, full bundles, a new partial.
    src.claims(300);
    src.claims(250);
    let published = src.publish("pub2");
    let r = mirror_ok(&copy, &published, &src.vkey());
    assert_eq!(r["old_size"], 5);
    assert_eq!(r["appended"], 550);
    assert_equal_and_clean(&copy, &src);
    // Incremental: bundles 0..=2 were read once more at most, not the whole log again.
    assert!(r["objects_fetched"].as_u64().unwrap() < 20, "{r}");

    // The source redacts an entry the replica holds, and a new one with its redaction: the
    // replica erases its copy too and accepts the withheld payload.
    src.ledger
        .redact(3, RedactionCategory::Privacy, "a private address")
        .unwrap();
    src.claims(1);
    let last = src.ledger.size().unwrap() - 1;
    src.ledger
        .redact(last, RedactionCategory::Defamation, "court order")
        .unwrap();
    let published = src.publish("pub3");
    let r = mirror_ok(&copy, &published, &src.vkey());
    assert_eq!(r["redactions_applied"], 1, "{r}");
    assert_equal_and_clean(&copy, &src);
    let replica = Ledger::open_read_only(&copy).unwrap();
    assert!(replica.entry(3).unwrap().withheld().is_some());
    assert!(replica.entry(last).unwrap().withheld().is_some());
    // The erased text is nowhere in the replica's file.
    drop(replica);
    let (db, wal) = bytes(&copy);
    let needle = b"claim 3\"";
    assert!(!db.windows(needle.len()).any(|w| w == needle));
    assert!(wal.is_none_or(|w| !w.windows(needle.len()).any(|x| x == needle)));
}

#[test]
fn a_replica_refuses_appends_and_serves_reads() {
    let mut src = Source::new();
    src.claims(2);
    let copy = src.path("copy.db");
    mirror_ok(&copy, &src.publish("pub"), &src.vkey());
    let before = bytes(&copy);
    let key = src.path("alice.key");
    claimledger::ledger::keyfile::write_signing_key(&key, &src.alice).unwrap();
    let c = copy.to_str().unwrap();
    let refused = |args: &[&str]| {
        let o = run(src.dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("is a mirror of") && err.contains("record on the source"),
            "{err}"
        );
        assert_eq!(bytes(&copy), before, "{args:?} changed the replica");
    };
    refused(&[
        "--ledger",
        c,
        "--key",
        key.to_str().unwrap(),
        "claim",
        "add",
        "--text",
        "x",
        "--claimant",
        "Y",
    ]);
    refused(&[
        "--ledger",
        c,
        "redact",
        "2",
        "--category",
        "privacy",
        "--reason",
        "r",
    ]);
    let op = src.path("op.key");
    claimledger::ledger::keyfile::write_signing_key(&op, &src.operator).unwrap();
    refused(&[
        "--ledger",
        c,
        "--operator-key",
        op.to_str().unwrap(),
        "checkpoint",
        "--sign",
    ]);
    let lines = src.path("lines.jsonl");
    let signed = claimledger::SignedEntry::sign(claim("imported"), None, &src.alice).unwrap();
    std::fs::write(&lines, format!("{}\n", signed.to_line())).unwrap();
    refused(&["--ledger", c, "import", lines.to_str().unwrap()]);
    // The library refuses too, with the typed error.
    let mut replica = Ledger::open(&copy).unwrap();
    assert!(matches!(
        replica.append_signed(signed.clone()),
        Err(claimledger::Error::Replica { .. })
    ));
    assert!(matches!(
        replica.load_operator_key(src.operator.clone()),
        Err(claimledger::Error::Replica { .. })
    ));
    drop(replica);
    assert_eq!(bytes(&copy), before);

    // Reads: log, history, receipt (verifies offline with the source's log key), audit.
    let ok = |args: &[&str]| {
        let o = run(src.dir.path(), args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert!(ok(&["--ledger", c, "log"]).contains("claim 2"));
    assert!(ok(&["--ledger", c, "history", "2"]).contains("claim 2"));
    let receipt = src.path("r.json");
    ok(&[
        "--ledger",
        c,
        "receipt",
        "3",
        "--out",
        receipt.to_str().unwrap(),
    ]);
    ok(&[
        "verify-receipt",
        receipt.to_str().unwrap(),
        "--log-key",
        &src.vkey(),
    ]);
    ok(&["--ledger", c, "audit", "--log-key", &src.vkey()]);
    assert_eq!(bytes(&copy), before);
}

#[test]
fn rollbacks_and_forks_are_caught_with_evidence_and_the_copy_is_unchanged() {
    let mut src = Source::new();
    src.claims(10);
    let old = src.publish("old"); // size 12
    src.claims(290);
    let copy = src.path("copy.db");
    mirror_ok(&copy, &src.publish("now"), &src.vkey()); // size 302
    let before = bytes(&copy);

    let caught = |source: &Path, kind: &str, name: &str| {
        let evidence = src.path(name);
        let o = mirror(
            &copy,
            source.to_str().unwrap(),
            &src.vkey(),
            &["--evidence", evidence.to_str().unwrap()],
        );
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["kind"], kind, "{v}");
        // The evidence proves it on its own, with the log key alone.
        let ev = ForkEvidence::parse(&std::fs::read(&evidence).unwrap()).unwrap();
        let verdict = ev.verify(&src.operator.verifying_key()).unwrap();
        assert_eq!(verdict.kind.as_str(), kind);
        let o = run(
            src.dir.path(),
            &[
                "--json",
                "verify-evidence",
                evidence.to_str().unwrap(),
                "--log-key",
                &src.vkey(),
            ],
        );
        assert_eq!(o.status.code(), Some(0), "verify-evidence: {}", text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["proves"], kind, "{v}");
        // Under another key it proves nothing.
        let o = run(
            src.dir.path(),
            &[
                "verify-evidence",
                evidence.to_str().unwrap(),
                "--log-key",
                &Source::new().vkey(),
            ],
        );
        assert_eq!(
            o.status.code(),
            Some(1),
            "verify-evidence, other key: {}",
            text(&o)
        );
        assert_eq!(bytes(&copy), before, "a {kind} changed the replica");
        evidence
    };
    // Rollback: the source serves an older signed checkpoint.
    caught(&old, "rollback", "rollback.json");

    // Fork: a second history from the same operator key, diverging at size 12.
    let mut fork = fork_at(&src, 12, &src.path("fork.db"));
    let other = SigningKey::generate("bob@mirror.test").unwrap();
    fork.grant(&other.verifying_key(), "Bob", "reporter")
        .unwrap();
    let batch = (0..289)
        .map(|i| {
            claimledger::SignedEntry::sign(claim(&format!("forked {i}")), None, &src.alice).unwrap()
        })
        .collect();
    fork.append_batch(batch).unwrap(); // size 302, another root
    let dir = src.path("fork-same-size");
    std::fs::create_dir_all(&dir).unwrap();
    publish_into(&fork, &dir);
    caught(&dir, "fork", "fork-same-size.json");
    let batch = (0..100)
        .map(|i| {
            claimledger::SignedEntry::sign(claim(&format!("more {i}")), None, &src.alice).unwrap()
        })
        .collect();
    fork.append_batch(batch).unwrap(); // size 402: its prefix at 302 is not ours
    let dir = src.path("fork-larger");
    std::fs::create_dir_all(&dir).unwrap();
    publish_into(&fork, &dir);
    caught(&dir, "fork", "fork-larger.json");
    // The replica still audits clean and equals the source it accepted.
    assert_equal_and_clean(&copy, &src);
}

/// A second history under the same operator key, equal to the source's up to `size` entries
/// (rebuilt by import: entry 0 is signed again with the same time, and Ed25519 is
/// deterministic), with a signer state of its own.
fn fork_at(src: &Source, size: u64, path: &Path) -> Ledger {
    let mut lines = Vec::new();
    src.ledger.export(&mut lines).unwrap();
    let first: Vec<&[u8]> = lines
        .split(|b| *b == b'\n')
        .skip(1)
        .take(size as usize - 1)
        .collect();
    let mut fork = Ledger::create_with(
        path,
        &src.operator,
        claimledger::CreateOptions {
            signer_state: Some(src.path("fork.state")),
            recorded_at: Some(
                src.ledger
                    .entry(0)
                    .unwrap()
                    .envelope()
                    .recorded_at()
                    .to_string(),
            ),
            ..Default::default()
        },
    )
    .unwrap();
    fork.import(
        &first.join(&b'\n')[..],
        claimledger::ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(
        fork.root_at(size).unwrap(),
        src.ledger.root_at(size).unwrap()
    );
    fork
}

#[test]
fn bad_input_is_refused_and_leaves_the_copy_unchanged() {
    let mut src = Source::new();
    src.claims(40);
    let copy = src.path("copy.db");
    let vkey = src.vkey();
    // A first run on bad input creates nothing.
    let garbage = src.path("garbage");
    std::fs::create_dir_all(&garbage).unwrap();
    std::fs::write(
        garbage.join("checkpoint"),
        "<html>not a checkpoint</html>\n",
    )
    .unwrap();
    let o = mirror(&copy, garbage.to_str().unwrap(), &vkey, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!copy.exists(), "a refused first run left a replica behind");
    mirror_ok(&copy, &src.publish("pub"), &vkey);
    src.claims(300);
    let before = bytes(&copy);

    // Each case: a fresh publication of the grown source, spoiled one way.
    let case = |name: &str, spoil: &dyn Fn(&Path), code: i32, needle: &str| {
        let dir = src.publish(name);
        spoil(&dir);
        let o = mirror(&copy, dir.to_str().unwrap(), &vkey, &[]);
        assert_eq!(o.status.code(), Some(code), "{name}: {}", text(&o));
        let all = text(&o);
        assert!(all.contains(needle), "{name}: wanted {needle:?} in {all}");
        assert_eq!(bytes(&copy), before, "{name} changed the replica");
    };
    case(
        "garbage-checkpoint",
        &|d| std::fs::write(d.join("checkpoint"), b"\x00\xffgarbage").unwrap(),
        1,
        "does not verify with the pinned log key",
    );
    let other = Source::new();
    case(
        "other-log",
        &|d| {
            std::fs::write(
                d.join("checkpoint"),
                other.ledger.checkpoint(None).unwrap().note,
            )
            .unwrap()
        },
        1,
        "does not verify with the pinned log key",
    );
    case(
        "oversized-checkpoint",
        &|d| std::fs::write(d.join("checkpoint"), vec![b'a'; 100_000]).unwrap(),
        1,
        "larger than",
    );
    case(
        "no-checkpoint",
        &|d| std::fs::remove_file(d.join("checkpoint")).unwrap(),
        2,
        "has no checkpoint",
    );
    case(
        "truncated-entry-bundle",
        &|d| {
            let f = d.join("tile/entries/000");
            let b = std::fs::read(&f).unwrap();
            std::fs::write(&f, &b[..b.len() - 7]).unwrap();
        },
        1,
        "not an entry bundle",
    );
    case(
        "missing-bundle",
        &|d| std::fs::remove_file(d.join("tile/entries/001.p/86")).unwrap(),
        1,
        "is missing",
    );
    case(
        "oversized-bundle",
        &|d| std::fs::write(d.join("tile/payloads/001.p/86"), vec![0u8; 20 << 20]).unwrap(),
        1,
        "larger than",
    );
    case(
        "hash-tile-not-matching",
        &|d| {
            let f = d.join("tile/0/000");
            let mut b = std::fs::read(&f).unwrap();
            b[5] ^= 1;
            std::fs::write(&f, b).unwrap();
        },
        1,
        "hash tiles do not match",
    );
    case(
        "truncated-hash-tile",
        &|d| {
            let f = d.join("tile/0/000");
            let b = std::fs::read(&f).unwrap();
            std::fs::write(&f, &b[..100]).unwrap();
        },
        1,
        "not the 8192 of 256 hashes",
    );
    case(
        "edited-payload",
        &|d| {
            let f = d.join("tile/payloads/001.p/86");
            let b = std::fs::read(&f).unwrap();
            let s = String::from_utf8_lossy(&b).replace("claim 300", "claim 999");
            std::fs::write(&f, s.as_bytes()).unwrap();
        },
        1,
        "does not verify",
    );
    case(
        "partial-bundle-as-full",
        &|d| {
            let b1 = std::fs::read(d.join("tile/entries/001.p/86")).unwrap();
            std::fs::write(d.join("tile/entries/000"), b1).unwrap();
        },
        1,
        "holds 86 items, not 256",
    );
    case(
        "entries-not-matching-the-checkpoint",
        &|d| {
            // Entries 100 and 101 (signed, valid, new to the replica) served in each other's
            // place: every entry verifies, but the tree is not the signed one.
            let f = d.join("tile/entries/000");
            let b = std::fs::read(&f).unwrap();
            let mut e: Vec<Vec<u8>> = tiles::parse_entry_bundle(&b)
                .unwrap()
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect();
            e.swap(100, 101);
            std::fs::write(
                &f,
                tiles::entry_bundle(e.iter().map(Vec::as_slice)).unwrap(),
            )
            .unwrap();
            let f = d.join("tile/payloads/000");
            let b = std::fs::read(&f).unwrap();
            let mut p: Vec<Option<Vec<u8>>> = tiles::parse_payload_bundle(&b)
                .unwrap()
                .into_iter()
                .map(|p| p.map(<[u8]>::to_vec))
                .collect();
            p.swap(100, 101);
            std::fs::write(
                &f,
                tiles::payload_bundle(p.iter().map(Option::as_deref)).unwrap(),
            )
            .unwrap();
        },
        1,
        "do not hash to the root of the source's signed checkpoint",
    );
    // After all that, an honest publication still mirrors, and the copy is whole.
    mirror_ok(&copy, &src.publish("honest"), &vkey);
    assert_equal_and_clean(&copy, &src);
    // A replica of this log is not taken for another log's copy, nor a ledger for a replica.
    let o = mirror(
        &src.path("source.db"),
        src.path("honest").to_str().unwrap(),
        &vkey,
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not a replica"), "{}", text(&o));
}

#[test]
fn a_mirror_killed_mid_run_resumes_to_a_consistent_copy() {
    let mut src = Source::new();
    for _ in 0..6 {
        src.claims(4000);
    }
    let published = src.publish("pub");
    let copy = src.path("copy.db");
    let vkey = src.vkey();
    let mut killed_running = 0;
    for delay_ms in [30u64, 120, 400] {
        let mut child = Command::new(bin())
            .args([
                "--ledger",
                copy.to_str().unwrap(),
                "mirror",
                published.to_str().unwrap(),
                "--log-key",
                &vkey,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            killed_running += 1;
        }
        let _ = Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status();
        let _ = child.wait();
        // Whatever the moment, the replica (if any) is at a checkpoint it accepted: all of the
        // source's tree or nothing of it.
        if copy.exists() {
            let replica = Ledger::open(&copy).unwrap();
            let size = replica.size().unwrap();
            assert!(
                size == 0 || size == src.ledger.size().unwrap(),
                "torn replica of {size}"
            );
            if size > 0 {
                assert!(replica.audit().unwrap().ok);
            }
        }
    }
    assert!(killed_running > 0, "every run ended before its SIGKILL");
    mirror_ok(&copy, &published, &vkey);
    assert_equal_and_clean(&copy, &src);
    // A first run fills the copy under a temporary name; what a killed one left is removed.
    let abandoned: Vec<_> = std::fs::read_dir(copy.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".creating-"))
        .collect();
    assert!(abandoned.is_empty(), "{abandoned:?}");
}

#[test]
fn a_claimledger_publish_folder_mirrors_and_a_replica_publishes_again() {
    let mut src = Source::new();
    src.claims(20);
    let source_db = src.path("source.db");
    let op = src.path("op.key");
    claimledger::ledger::keyfile::write_signing_key(&op, &src.operator).unwrap();
    let published = src.path("published");
    std::fs::create_dir_all(&published).unwrap();
    let cwd = src.dir.path().to_path_buf();
    let publish = |ledger: &Path, dest: &Path| {
        let o = run(
            &cwd,
            &[
                "--ledger",
                ledger.to_str().unwrap(),
                "publish",
                dest.to_str().unwrap(),
            ],
        );
        assert_eq!(o.status.code(), Some(0), "publish: {}", text(&o));
    };
    publish(&source_db, &published);
    let copy = src.path("copy.db");
    mirror_ok(&copy, &published, &src.vkey());
    assert_equal_and_clean(&copy, &src);
    src.claims(500);
    src.ledger
        .redact(5, RedactionCategory::Privacy, "private")
        .unwrap();
    publish(&source_db, &published);
    let r = mirror_ok(&copy, &published, &src.vkey());
    assert_eq!(r["appended"], 501, "{r}");
    assert_eq!(r["redactions_applied"], 1, "{r}");
    assert_equal_and_clean(&copy, &src);
    // A replica publishes like its source, and a mirror of that copy equals the source too.
    let republished = src.path("republished");
    std::fs::create_dir_all(&republished).unwrap();
    publish(&copy, &republished);
    let copy2 = src.path("copy2.db");
    mirror_ok(&copy2, &republished, &src.vkey());
    assert_equal_and_clean(&copy2, &src);
}

#[test]
fn a_serve_url_mirrors_and_a_served_replica_refuses_posts() {
    let mut src = Source::new();
    src.claims(300);
    let source_db = src.path("source.db");
    let server = crate::serve::Server::start(&source_db, &[]);
    let copy = src.path("copy.db");
    let vkey = src.vkey();
    let mirror_url = |expect: u64| {
        let o = mirror(&copy, &server.url, &vkey, &[]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(r["appended"], expect, "{r}");
    };
    mirror_url(302);
    assert_equal_and_clean(&copy, &src);
    // The source grows while it is served; the next run copies only the new entries.
    src.claims(40);
    src.ledger
        .redact(7, RedactionCategory::Privacy, "private")
        .unwrap();
    mirror_url(41);
    assert_equal_and_clean(&copy, &src);
    let (code, _) = server.stop();
    assert_eq!(code, 0);

    // The replica, served: the same checkpoint and tiles; appends answer 403 `replica`.
    let served = crate::serve::Server::start(&copy, &[]);
    let (status, note) = served.get("/checkpoint");
    assert_eq!(status, 200);
    assert_eq!(note, src.ledger.checkpoint(None).unwrap().note);
    let signed = claimledger::SignedEntry::sign(claim("posted"), None, &src.alice).unwrap();
    let (status, v) = served.post(signed.to_line().to_string().as_bytes());
    assert_eq!(status, 403, "{v}");
    assert_eq!(v["error"]["code"], "replica", "{v}");
    // A mirror of the served replica equals the source.
    let copy2 = src.path("copy2.db");
    let o = mirror(&copy2, &served.url, &vkey, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    served.stop();
    assert_equal_and_clean(&copy2, &src);
}
