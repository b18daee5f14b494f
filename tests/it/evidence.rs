//! Fork evidence (FORMAT.md §19) from real ledgers: one operator key signing two histories (a
//! copy of the ledger file grown apart, each copy with its own signer state), rollbacks to an
//! older checkpoint, consistent pairs that must prove nothing, and tampered files; checked by
//! `claimledger verify-evidence` and by the library.

use crate::cli::{Out, Session};
use crate::tamper::a_claim;
use claimledger::format::evidence::{EvidenceError, EvidenceKind, ForkEvidence};
use claimledger::ledger::OperatorOptions;
use claimledger::{Claim, CreateOptions, Ledger, SigningKey};
use serde_json::Value;

const WHEN: &str = "2026-12-06T22:00:00Z";

/// Two ledgers signed by one operator key: `a.db` and `b.db` share their first `shared` entries
/// (b.db began as a copy of a.db), then each appended its own. Every append signs a checkpoint.
struct Forked {
    s: Session,
    op: SigningKey,
    a: Ledger,
    b: Ledger,
}

fn claim(text: &str) -> Claim {
    Claim {
        text: text.into(),
        ..a_claim()
    }
}

/// `shared` entries in both (the operator's self-grant counts as the first), then `a_more` and
/// `b_more` different claims.
fn forked(shared: u64, a_more: u64, b_more: u64) -> Forked {
    let s = Session::new();
    let op = SigningKey::generate("fork.example/claims").unwrap();
    let state = |name: &str| OperatorOptions {
        signer_state: Some(s.path(name)),
    };
    let mut a = Ledger::create_with(
        s.path("a.db"),
        &op,
        CreateOptions {
            signer_state: state("a.state").signer_state,
            ..Default::default()
        },
    )
    .unwrap();
    for i in 1..shared {
        a.append(claim(&format!("shared {i}")), &op).unwrap();
    }
    assert_eq!(a.size().unwrap(), shared);
    drop(a);
    // The copy: byte for byte the same history (SQLite closed, its WAL folded in).
    std::fs::copy(s.path("a.db"), s.path("b.db")).unwrap();
    let mut a = Ledger::open(s.path("a.db")).unwrap();
    a.load_operator_key_with(op.clone(), state("a.state"))
        .unwrap();
    let mut b = Ledger::open(s.path("b.db")).unwrap();
    // The copy's own signer state: the operator key signs the copy as if it were the only one.
    b.load_operator_key_with(op.clone(), state("b.state"))
        .unwrap();
    for i in 0..a_more {
        a.append(claim(&format!("a {i}")), &op).unwrap();
    }
    for i in 0..b_more {
        b.append(claim(&format!("b {i}")), &op).unwrap();
    }
    Forked { s, op, a, b }
}

impl Forked {
    fn vkey(&self) -> String {
        self.op.verifying_key().to_string()
    }

    /// Evidence of `accepted` (a ledger and size) then `served`, the proof from the larger tree.
    fn evidence(&self, accepted: (&Ledger, u64), served: (&Ledger, u64)) -> ForkEvidence {
        let larger = if served.1 > accepted.1 {
            served.0
        } else {
            accepted.0
        };
        ForkEvidence::new(
            "https://fork.example/ledger",
            WHEN,
            &accepted.0.checkpoint(Some(accepted.1)).unwrap().note,
            &served.0.checkpoint(Some(served.1)).unwrap().note,
            larger.fork_proof(accepted.1, served.1).unwrap(),
        )
    }

    /// Writes `text` to a file and runs `verify-evidence FILE --log-key VKEY --json`.
    fn check(&self, text: &str, vkey: &str) -> Out {
        let path = self.s.path("evidence.json");
        std::fs::write(&path, text).unwrap();
        self.s.run(&[
            "verify-evidence",
            path.to_str().unwrap(),
            "--log-key",
            vkey,
            "--json",
        ])
    }

    /// The CLI and the library agree that `e` proves `kind` with these sizes.
    fn proves(&self, e: &ForkEvidence, kind: EvidenceKind, sizes: (u64, u64)) -> Value {
        let verdict = e.verify(&self.op.verifying_key()).expect("proves");
        assert_eq!(verdict.kind, kind);
        assert_eq!((verdict.accepted.size, verdict.served.size), sizes);
        let out = self.check(&e.to_json(), &self.vkey());
        assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
        let v = out.json();
        assert_eq!(v["ok"], true);
        assert_eq!(v["proves"], kind.as_str());
        assert_eq!(v["origin"], "fork.example/claims");
        assert_eq!(v["accepted"]["size"], sizes.0);
        assert_eq!(v["served"]["size"], sizes.1);
        assert_eq!(v["source"], "https://fork.example/ledger");
        assert_eq!(v["observed_at"], WHEN);
        v
    }

    /// The CLI exits 1 and says why; the library agrees.
    fn proves_nothing(&self, text: &str, vkey: &str, why: &str) {
        let out = self.check(text, vkey);
        assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
        let v = out.json();
        assert_eq!(v["ok"], false);
        let error = v["error"].as_str().unwrap();
        assert!(error.contains(why), "{error}");
        if let Ok(key) = vkey.parse() {
            assert!(
                ForkEvidence::parse(text.as_bytes())
                    .and_then(|e| e.verify(&key))
                    .is_err()
            );
        }
    }
}

#[test]
fn a_copy_grown_apart_under_one_key_is_a_fork() {
    let f = forked(5, 3, 4);
    // Equal sizes, different roots.
    f.proves(
        &f.evidence((&f.a, 8), (&f.b, 8)),
        EvidenceKind::Fork,
        (8, 8),
    );
    // The served tree is larger but its first 8 entries are not the accepted tree.
    let v = f.proves(
        &f.evidence((&f.a, 8), (&f.b, 9)),
        EvidenceKind::Fork,
        (8, 9),
    );
    let b8 = f.b.consistency_proof(8, Some(9)).unwrap().old_root;
    assert_eq!(v["prefix_root"], hex::encode(b8));
    // A power-of-two accepted size (8, above): the proof carries the served tree's root there.
    f.proves(
        &f.evidence((&f.b, 8), (&f.a, 6)),
        EvidenceKind::Fork,
        (8, 6),
    );
    // The served tree is smaller and not a prefix of the accepted one.
    f.proves(
        &f.evidence((&f.a, 8), (&f.b, 7)),
        EvidenceKind::Fork,
        (8, 7),
    );
    // Text output names the verdict, both sizes and the source.
    let path = f.s.path("fork.json");
    std::fs::write(&path, f.evidence((&f.a, 7), (&f.b, 9)).to_json()).unwrap();
    let out = f.s.ok(&[
        "verify-evidence",
        path.to_str().unwrap(),
        "--log-key",
        &f.vkey(),
    ]);
    for needle in [
        "FORK of fork.example/claims",
        "size 7",
        "size 9",
        "https://fork.example/ledger",
    ] {
        assert!(out.stdout.contains(needle), "{needle}: {}", out.stdout);
    }
    // Both ledgers still audit clean: each history alone is well-formed; only the pair is a fork.
    for l in [&f.a, &f.b] {
        assert!(l.audit().unwrap().ok);
    }
}

#[test]
fn an_older_checkpoint_of_the_same_history_is_a_rollback() {
    let f = forked(5, 6, 0);
    let size = f.a.size().unwrap();
    assert_eq!(size, 11);
    for older in [1, 4, 5, 8, 10] {
        f.proves(
            &f.evidence((&f.a, size), (&f.a, older)),
            EvidenceKind::Rollback,
            (size, older),
        );
    }
    // The copy froze at 5 entries: serving it after accepting the original's 11 is a rollback.
    f.proves(
        &f.evidence((&f.a, size), (&f.b, 5)),
        EvidenceKind::Rollback,
        (size, 5),
    );
}

#[test]
fn consistent_pairs_prove_nothing() {
    let f = forked(6, 5, 3);
    let vkey = f.vkey();
    for (accepted, served) in [(1, 9), (4, 11), (5, 6), (6, 11), (11, 11)] {
        let e = f.evidence((&f.a, accepted), (&f.a, served));
        assert_eq!(
            e.verify(&f.op.verifying_key()),
            Err(EvidenceError::Consistent { accepted, served })
        );
        f.proves_nothing(&e.to_json(), &vkey, "consistent");
    }
    // The copy's trees extend the shared prefix too.
    let e = f.evidence((&f.a, 4), (&f.b, 9));
    f.proves_nothing(&e.to_json(), &vkey, "consistent");
}

/// Replaces the first occurrence of `from` in member `member` of the JSON text.
fn edit(text: &str, member: &str, from: &str, to: &str) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    let s = v[member].as_str().unwrap().replacen(from, to, 1);
    assert_ne!(s, v[member].as_str().unwrap(), "{from} not in {member}");
    v[member] = s.into();
    serde_json::to_string_pretty(&v).unwrap()
}

#[test]
fn tampered_evidence_proves_nothing() {
    let f = forked(5, 3, 4);
    let vkey = f.vkey();
    let good = f.evidence((&f.a, 7), (&f.b, 9));
    let text = good.to_json();
    f.proves(&good, EvidenceKind::Fork, (7, 9));
    // Every proof hash flipped in turn.
    let v: Value = serde_json::from_str(&text).unwrap();
    for i in 0..good.proof().len() {
        let mut bad = good.proof().to_vec();
        bad[i][31] ^= 0x80;
        let e = ForkEvidence::new(good.source(), WHEN, good.accepted(), good.served(), bad);
        f.proves_nothing(&e.to_json(), &vkey, "does not lead to the signed root");
    }
    // A proof hash dropped.
    let mut short = v.clone();
    short["proof"].as_array_mut().unwrap().pop();
    f.proves_nothing(&short.to_string(), &vkey, "does not fit");
    // A note byte changed: the size, or the root's first character.
    let served = edit(&text, "served", "\n9\n", "\n8\n");
    f.proves_nothing(&served, &vkey, "served checkpoint does not verify");
    let root = good.accepted().split('\n').nth(2).unwrap();
    let flipped = format!(
        "{}{}",
        if root.starts_with('A') { "B" } else { "A" },
        &root[1..]
    );
    let accepted = edit(&text, "accepted", root, &flipped);
    f.proves_nothing(&accepted, &vkey, "accepted checkpoint does not verify");
    // A rollback with its notes swapped is an honest growth.
    let rollback = f.evidence((&f.a, 8), (&f.a, 6));
    let swapped = ForkEvidence::new(
        rollback.source(),
        WHEN,
        rollback.served(),
        rollback.accepted(),
        rollback.proof().to_vec(),
    );
    f.proves_nothing(&swapped.to_json(), &vkey, "consistent");
    // Another log's key, and the same key under another origin: neither signed these notes.
    let other = SigningKey::generate("fork.example/claims").unwrap();
    f.proves_nothing(&text, &other.verifying_key().to_string(), "does not verify");
    let renamed = SigningKey::from_seed("other.example/claims", [1; 32]).unwrap();
    f.proves_nothing(
        &text,
        &renamed.verifying_key().to_string(),
        "does not verify",
    );
    // Another log's evidence, well formed, checked against this log's key.
    let g = forked(3, 1, 2);
    let theirs = g.evidence((&g.a, 4), (&g.b, 5)).to_json();
    f.proves_nothing(&theirs, &vkey, "does not verify");
    // Not evidence at all, or a member too many.
    f.proves_nothing("{}", &vkey, "malformed");
    let mut extra = v.clone();
    extra["kind"] = "fork".into();
    f.proves_nothing(&extra.to_string(), &vkey, "unknown field");
}

#[test]
fn verify_evidence_cannot_run_without_its_inputs() {
    let f = forked(3, 1, 1);
    let vkey = f.vkey();
    let missing =
        f.s.run(&["verify-evidence", "nope.json", "--log-key", &vkey]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(missing.stderr.contains("nope.json"), "{}", missing.stderr);
    std::fs::write(
        f.s.path("e.json"),
        f.evidence((&f.a, 4), (&f.b, 4)).to_json(),
    )
    .unwrap();
    let bad_key =
        f.s.run(&["verify-evidence", "e.json", "--log-key", "not a key"]);
    assert_eq!(bad_key.code, 2, "{}", bad_key.stderr);
    assert!(bad_key.stderr.contains("--log-key"), "{}", bad_key.stderr);
    // The key is never taken from the file: --log-key is required.
    let no_key = f.s.run(&["verify-evidence", "e.json"]);
    assert_eq!(no_key.code, 2, "{}", no_key.stderr);
    // From standard input.
    let out = assert_cmd::Command::cargo_bin("claimledger")
        .unwrap()
        .current_dir(f.s.dir.path())
        .args(["verify-evidence", "-", "--log-key", &vkey])
        .write_stdin(std::fs::read(f.s.path("e.json")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FORK"));
}

/// A fork made from the command line, as an operator would: a copy of the ledger file, refused by
/// the operator key's signer state, then signed with a copy of the key file without its state.
#[test]
fn a_fork_made_with_the_cli_and_a_copied_key() {
    let s = Session::new();
    s.init_with_alice();
    std::fs::copy(s.ledger(), s.path("b.db")).unwrap();
    let add = |ledger: &str, operator_key: Option<&str>, text: &str| {
        let mut args = vec!["--ledger", ledger, "--key", "alice.key"];
        if let Some(k) = operator_key {
            args.extend(["--operator-key", k]);
        }
        args.extend(["claim", "add", "--text", text, "--claimant", "X"]);
        s.run(&args)
    };
    assert_eq!(
        add("ledger.db", None, "The port handled 1.2M containers").code,
        0
    );
    // The key's signer state knows it signed size 3 of another tree: it refuses the copy.
    let refused = add("b.db", Some("ledger.db.operator.key"), "refused");
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    std::fs::create_dir(s.path("other")).unwrap();
    std::fs::copy(
        s.path("ledger.db.operator.key"),
        s.path("other/operator.key"),
    )
    .unwrap();
    for text in ["The port handled 2.1M containers", "Traffic doubled"] {
        let out = add("b.db", Some("other/operator.key"), text);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let vkey = s.ok(&["checkpoint", "--json"]).json()["log_vkey"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = Ledger::open_read_only(s.ledger()).unwrap();
    let b = Ledger::open_read_only(s.path("b.db")).unwrap();
    let e = ForkEvidence::new(
        "file:b.db",
        WHEN,
        &a.checkpoint(Some(3)).unwrap().note,
        &b.checkpoint(Some(4)).unwrap().note,
        b.fork_proof(3, 4).unwrap(),
    );
    std::fs::write(s.path("fork.json"), e.to_json()).unwrap();
    let out = s.ok(&["verify-evidence", "fork.json", "--log-key", &vkey, "--json"]);
    let v = out.json();
    assert_eq!(v["proves"], "fork");
    assert_eq!(
        v["prefix_root"],
        hex::encode(b.checkpoint(Some(3)).unwrap().checkpoint.root)
    );
    // The shared prefix (size 2, a power of two) extends to either copy: no evidence.
    let e = ForkEvidence::new(
        "file:b.db",
        WHEN,
        &a.checkpoint(Some(2)).unwrap().note,
        &b.checkpoint(Some(4)).unwrap().note,
        b.fork_proof(2, 4).unwrap(),
    );
    std::fs::write(s.path("honest.json"), e.to_json()).unwrap();
    let out = s.run(&["verify-evidence", "honest.json", "--log-key", &vkey]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("proves NOTHING"), "{}", out.stdout);
}
