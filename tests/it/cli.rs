//! The binary, as a newsroom uses it: every command, the --json contracts, and every bad input
//! answered with exit 2, a clear message, and a ledger left byte for byte as it was.

use assert_cmd::Command;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub struct Session {
    pub dir: tempfile::TempDir,
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

impl Session {
    pub fn new() -> Session {
        Session {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn ledger(&self) -> PathBuf {
        self.path("ledger.db")
    }

    pub fn run(&self, args: &[&str]) -> Out {
        let out = Command::cargo_bin("claimledger")
            .unwrap()
            .current_dir(self.dir.path())
            .env_remove("CLAIMLEDGER_KEY")
            .env_remove("CLAIMLEDGER_OPERATOR_KEY")
            .env("CLAIMLEDGER_LEDGER", self.ledger())
            .args(args)
            .output()
            .unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run and require exit 0.
    pub fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(
            out.code, 0,
            "{args:?}\nstdout: {}\nstderr: {}",
            out.stdout, out.stderr
        );
        out
    }

    /// `init` a ledger here and grant a reporter key `alice.key` (entries 0 and 1).
    pub fn init_with_alice(&self) {
        self.ok(&["init", "--origin", "test.example/claims"]);
        let vkey = self
            .ok(&[
                "key",
                "generate",
                "--name",
                "alice@test.example",
                "--out",
                "alice.key",
            ])
            .stdout;
        self.ok(&[
            "key",
            "grant",
            vkey.trim(),
            "--name",
            "Alice Martin",
            "--role",
            "reporter",
        ]);
    }

    /// A ledger with the operator and a granted reporter `alice.key`, and one claim (#2).
    pub fn with_claim() -> Session {
        let s = Session::new();
        s.init_with_alice();
        s.ok(&[
            "--key",
            "alice.key",
            "claim",
            "add",
            "--text",
            "DeepSeek-V3 cost $5.6M",
            "--claimant",
            "DeepSeek",
            "--claimant-type",
            "organization",
            "--claimed-on",
            "2024-12-26",
            "--subject",
            "DeepSeek-V3",
            "--source",
            "https://arxiv.org/abs/2412.19437",
            "--source-title",
            "DeepSeek-V3 Technical Report",
            "--figure",
            "training_cost=$5.6M",
            "--figure",
            "gpu_count=2,048 H800",
        ]);
        s
    }

    /// Bytes of the ledger file (no WAL is left once every process has closed it).
    pub fn snapshot(&self) -> Vec<u8> {
        assert!(
            !self.path("ledger.db-wal").exists()
                || std::fs::metadata(self.path("ledger.db-wal")).unwrap().len() == 0
        );
        std::fs::read(self.ledger()).unwrap()
    }

    /// Run a command that must be refused: exit 2, stderr mentions `needle`, ledger unchanged.
    pub fn refused(&self, args: &[&str], needle: &str) {
        let before = self.snapshot();
        let out = self.run(args);
        assert_eq!(
            out.code, 2,
            "{args:?} should exit 2\nstdout: {}\nstderr: {}",
            out.stdout, out.stderr
        );
        assert!(
            out.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "{args:?}: stderr should mention {needle:?}:\n{}",
            out.stderr
        );
        assert_eq!(self.snapshot(), before, "{args:?} changed the ledger");
        self.ok(&["audit"]);
    }
}

fn as_refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn demo_prints_history_figures_receipt_and_audit() {
    let s = Session::new();
    let out = s.ok(&["demo", "--dir", "demo"]);
    for needle in [
        "DeepSeek-V3",
        "contests",
        "Dario Amodei",
        "US officials",
        "Nvidia",
        "SemiAnalysis",
        "qualifies",
        "training_cost",
        "gpu_count",
        "different scope",
        "verified offline",
        "Audit: passed",
    ] {
        assert!(
            out.stdout.contains(needle),
            "demo output lacks {needle:?}:\n{}",
            out.stdout
        );
    }
    // Demo never overwrites.
    let again = s.run(&["demo", "--dir", "demo"]);
    assert_eq!(again.code, 2);
    let j = s.ok(&["--json", "demo", "--dir", "demo2"]).json();
    assert_eq!(j["history"]["statements"].as_array().unwrap().len(), 5);
    assert_eq!(j["audit"]["ok"], true);
    assert!(j["figures"].as_array().unwrap().len() >= 4);
    // The demo ledger is a normal ledger.
    let db = s.path("demo/demo.db");
    let db = db.to_str().unwrap();
    s.ok(&["--ledger", db, "audit"]);
    let h = s.ok(&["--ledger", db, "--json", "history", "4"]).json();
    assert_eq!(h["claim"]["kind"], "claim");
}

#[test]
fn record_and_read_with_json_contracts() {
    let s = Session::with_claim();
    let show = s.ok(&["--json", "show", "2"]).json();
    for field in [
        "index",
        "leaf_hash",
        "kind",
        "recorded_at",
        "signer",
        "recorder",
        "target",
        "payload",
    ] {
        assert!(
            show.get(field).is_some(),
            "entry JSON lacks {field}: {show}"
        );
    }
    assert_eq!(show["recorder"], "Alice Martin");
    assert_eq!(show["target"], Value::Null);
    assert_eq!(
        show["payload"]["sources"][0]["title"],
        "DeepSeek-V3 Technical Report"
    );
    let leaf = show["leaf_hash"].as_str().unwrap().to_string();
    assert_eq!(leaf.len(), 64);

    let contest = s
        .ok(&[
            "--key",
            "alice.key",
            "--json",
            "contest",
            &leaf[..10],
            "--speaker",
            "Dario Amodei",
            "--text",
            "The figure is misleading",
            "--figure",
            "training_cost@total hardware=$500M",
        ])
        .json();
    assert_eq!(contest["kind"], "statement");
    assert_eq!(contest["target"]["index"], 2);
    assert_eq!(contest["target"]["leaf_hash"], leaf.as_str());
    assert_eq!(contest["payload"]["figures"][0]["subject"], "DeepSeek-V3");
    for cmd in ["support", "correct", "qualify", "retract"] {
        s.ok(&[
            "--key",
            "alice.key",
            cmd,
            "#2",
            "--speaker",
            "DeepSeek",
            "--text",
            cmd,
        ]);
    }
    let h = s.ok(&["--json", "history", "#2"]).json();
    let stances: Vec<&str> = h["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["payload"]["stance"].as_str().unwrap())
        .collect();
    assert_eq!(
        stances,
        ["contests", "supports", "corrects", "qualifies", "retracts"]
    );
    let text = s.ok(&["history", "2"]).stdout;
    assert!(
        text.contains("contests #2") && text.contains("Dario Amodei"),
        "{text}"
    );

    let log = s
        .ok(&["--json", "log", "--from", "1", "--limit", "2"])
        .json();
    assert_eq!(log.as_array().unwrap().len(), 2);
    assert_eq!(log[0]["index"], 1);
    let found = s.ok(&["--json", "search", "misleading"]).json();
    assert_eq!(found.as_array().unwrap().len(), 1);
    let figs = s
        .ok(&["--json", "figures", "--subject", "DeepSeek-V3"])
        .json();
    let figs = figs.as_array().unwrap();
    for field in [
        "subject",
        "property",
        "scope",
        "value",
        "precision",
        "unit",
        "as_stated",
        "index",
        "speaker",
        "stance",
    ] {
        assert!(figs[0].get(field).is_some(), "figure JSON lacks {field}");
    }
    let cost: Vec<&Value> = figs
        .iter()
        .filter(|f| f["property"] == "training_cost")
        .collect();
    assert_eq!(cost[0]["value"], "5600000");
    assert_eq!(cost[1]["comparison"], "different_scope");
    let keys = s.ok(&["--json", "key", "list"]).json();
    assert_eq!(keys.as_array().unwrap().len(), 2);
    s.ok(&["audit"]);
}

#[test]
fn key_generate_show_and_files() {
    let s = Session::new();
    let j = s
        .ok(&[
            "--json",
            "key",
            "generate",
            "--name",
            "bob@test.example",
            "--out",
            "bob.key",
        ])
        .json();
    for field in ["name", "key_id", "vkey", "path"] {
        assert!(j.get(field).is_some());
    }
    let mode = std::fs::metadata(s.path("bob.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let secret = std::fs::read_to_string(s.path("bob.key")).unwrap();
    let shown = s.ok(&["key", "show", "bob.key"]);
    assert_eq!(shown.stdout.trim(), j["vkey"].as_str().unwrap());
    assert!(!shown.stdout.contains(secret.trim()) && !shown.stderr.contains(secret.trim()));
    // Refuses to overwrite.
    let again = s.run(&[
        "key",
        "generate",
        "--name",
        "bob@test.example",
        "--out",
        "bob.key",
    ]);
    assert_eq!(again.code, 2);
    assert_eq!(std::fs::read_to_string(s.path("bob.key")).unwrap(), secret);
    // A name with a space is refused.
    assert_eq!(
        s.run(&["key", "generate", "--name", "Bob Smith", "--out", "b2.key"])
            .code,
        2
    );
}

#[test]
fn init_json_and_refusals() {
    let s = Session::new();
    let j = s
        .ok(&["--json", "init", "--origin", "test.example/claims"])
        .json();
    for field in ["origin", "log_vkey", "operator_key_path", "ledger_path"] {
        assert!(j.get(field).is_some(), "init JSON lacks {field}");
    }
    let mode = std::fs::metadata(j["operator_key_path"].as_str().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // init over an existing file.
    s.refused(
        &["init", "--origin", "test.example/claims"],
        "already exists",
    );
    // A bad origin leaves nothing behind.
    let t = Session::new();
    assert_eq!(t.run(&["init", "--origin", "has space"]).code, 2);
    assert!(!t.ledger().exists());
}

#[test]
fn open_on_files_that_are_not_ledgers() {
    let s = Session::new();
    write(&s.ledger(), b"just text\n");
    let out = s.run(&["log"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not a claimledger ledger"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(s.ledger()).unwrap(), b"just text\n");
    let missing = s.run(&["--ledger", "missing.db", "log"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no ledger at"),
        "{}",
        missing.stderr
    );
    assert!(!s.path("missing.db").exists());
}

#[test]
fn bad_keys_are_refused() {
    let s = Session::with_claim();
    let add = |key: &str| {
        vec![
            "--key".to_string(),
            key.to_string(),
            "claim".into(),
            "add".into(),
            "--text".into(),
            "x".into(),
            "--claimant".into(),
            "Y".into(),
        ]
    };
    // Missing key file; no --key at all.
    s.refused(&as_refs(&add("nope.key")), "nope.key");
    s.refused(
        &["claim", "add", "--text", "x", "--claimant", "Y"],
        "--key is required",
    );
    // World-readable key file.
    std::fs::set_permissions(s.path("alice.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    s.refused(&as_refs(&add("alice.key")), "chmod 600");
    std::fs::set_permissions(s.path("alice.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    // Key not granted.
    s.ok(&[
        "key",
        "generate",
        "--name",
        "mallory@evil.example",
        "--out",
        "mallory.key",
    ]);
    s.refused(&as_refs(&add("mallory.key")), "not granted");
    // Malformed vkey.
    s.refused(
        &[
            "key",
            "grant",
            "not+a+vkey",
            "--name",
            "X",
            "--role",
            "reporter",
        ],
        "vkey",
    );
    // Wrong operator key for a grant.
    s.ok(&[
        "key",
        "generate",
        "--name",
        "test.example/claims",
        "--out",
        "fake-operator.key",
    ]);
    let vk = s.ok(&["key", "show", "mallory.key"]).stdout;
    s.refused(
        &[
            "--operator-key",
            "fake-operator.key",
            "key",
            "grant",
            vk.trim(),
            "--name",
            "M",
            "--role",
            "reporter",
        ],
        "is not this ledger's log key",
    );
    // Revoked key.
    let alice = s.ok(&["key", "show", "alice.key"]).stdout;
    s.ok(&[
        "key",
        "revoke",
        alice.trim(),
        "--reason",
        "left the newsroom",
    ]);
    s.refused(&as_refs(&add("alice.key")), "revoked");
}

#[test]
fn bad_payloads_are_refused() {
    let s = Session::with_claim();
    let add_payload = |file: &str, bytes: &[u8]| {
        write(&s.path(file), bytes);
        vec!["--key", "alice.key", "claim", "add", "--payload"]
            .into_iter()
            .map(String::from)
            .chain([file.to_string()])
            .collect::<Vec<_>>()
    };
    let good = r#"{"text":"t","claimant":{"name":"N","type":"person"}}"#;
    s.ok(&as_refs(&add_payload("good.json", good.as_bytes())));
    s.refused(
        &as_refs(&add_payload("a.json", b"{not json")),
        "not valid JSON",
    );
    s.refused(
        &as_refs(&add_payload("b.json", b"{\"text\":\"\xff\"}")),
        "not valid JSON",
    );
    s.refused(
        &as_refs(&add_payload("c.json", br#"{"text":"t","claimant":{"name":"N","type":"person"},"figures":[{"subject":"s","property":"p","value":5.6,"precision":"exact","unit":"USD","as_stated":"5.6"}]}"#)),
        "integers",
    );
    s.refused(
        &as_refs(&add_payload(
            "d.json",
            br#"{"text":"t","claimant":{"name":"N","type":"person"},"colour":"red"}"#,
        )),
        "unknown field",
    );
    let big = format!(
        r#"{{"text":"{}","claimant":{{"name":"N","type":"person"}}}}"#,
        "x".repeat(70 * 1024)
    );
    s.refused(
        &as_refs(&add_payload("e.json", big.as_bytes())),
        "limit is 65536",
    );
    s.refused(
        &as_refs(&add_payload(
            "f.json",
            br#"{"text":"t","claimant":{"name":"N","type":"person"},"text":"u"}"#,
        )),
        "duplicate",
    );
    // Unknown stance, via a statement payload.
    write(
        &s.path("stance.json"),
        br#"{"stance":"denies","text":"t","speaker":{"name":"N","type":"person"}}"#,
    );
    s.refused(
        &[
            "--key",
            "alice.key",
            "contest",
            "2",
            "--payload",
            "stance.json",
        ],
        "denies",
    );
    // Statement about a nonexistent entry.
    s.refused(
        &[
            "--key",
            "alice.key",
            "contest",
            "#99",
            "--speaker",
            "X",
            "--text",
            "t",
        ],
        "no entry #99; the ledger has 4 entries (#0–#3)",
    );
    // Unparseable figure.
    s.refused(
        &[
            "--key",
            "alice.key",
            "claim",
            "add",
            "--text",
            "t",
            "--claimant",
            "N",
            "--subject",
            "S",
            "--figure",
            "cost=five bucks",
        ],
        "accepted forms",
    );
    s.refused(
        &[
            "--key",
            "alice.key",
            "claim",
            "add",
            "--text",
            "t",
            "--claimant",
            "N",
            "--figure",
            "nonsense",
        ],
        "PROPERTY=AS_STATED",
    );
    // Bad dates and URLs.
    s.refused(
        &[
            "--key",
            "alice.key",
            "claim",
            "add",
            "--text",
            "t",
            "--claimant",
            "N",
            "--claimed-on",
            "27/01/2025",
        ],
        "YYYY-MM-DD",
    );
    s.refused(
        &[
            "--key",
            "alice.key",
            "claim",
            "add",
            "--text",
            "t",
            "--claimant",
            "N",
            "--source",
            "ftp://x",
        ],
        "http(s) URL",
    );
}

#[test]
fn exit_codes_for_usage_errors() {
    let s = Session::new();
    assert_eq!(s.run(&["no-such-command"]).code, 2);
    assert_eq!(s.run(&["claim", "add"]).code, 2);
}

#[test]
fn a_statement_with_a_wrong_leaf_hash_is_refused() {
    use claimledger::format::entry::SignedEntry;
    let s = Session::with_claim();
    let alice = claimledger::ledger::keyfile::read_signing_key(&s.path("alice.key")).unwrap();
    let statement = claimledger::Statement {
        stance: claimledger::Stance::Contests,
        text: "no".into(),
        speaker: claimledger::Party {
            name: "X".into(),
            party_type: claimledger::PartyType::Person,
            same_as: None,
        },
        stated_on: None,
        sources: vec![],
        figures: vec![],
        rating: None,
    };
    let target = claimledger::Target {
        index: 2,
        leaf_hash: [9; 32],
    };
    let line = SignedEntry::sign(statement, Some(target), &alice)
        .unwrap()
        .to_line();
    write(&s.path("wrong.jsonl"), format!("{line}\n").as_bytes());
    s.refused(&["import", "wrong.jsonl"], "has leaf hash");
}

/// examples/embed.rs (the library walk-through of docs/EMBEDDING.md) runs to completion.
/// `cargo test` builds examples next to the binary before it runs the tests.
#[test]
fn the_embedding_example_runs() {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_claimledger"));
    let example = bin.parent().unwrap().join("examples").join("embed");
    if !example.exists() {
        crate::util::skip(&format!(
            "{} not built ('cargo test' builds examples)",
            example.display()
        ));
        return;
    }
    let out = std::process::Command::new(&example).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("receipt verified: entry #2"), "{stdout}");
}
