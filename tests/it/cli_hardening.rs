//! Issue #12 points 3, 4 and 8: hostile text never reaches the terminal raw, concurrent `init`s
//! leave exactly one ledger with its operator key, and bad arguments (a huge batch size, a FIFO
//! or a non-key file as a key, `--key` on operator commands) exit 2 without hanging or writing.

use crate::cli::{Out, Session};
use crate::crash::{assert_no_panic, audit_ok, bin};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// ---- point 3: terminal escape injection ------------------------------------------------------

/// Characters that a terminal interprets: C0 (except the newline that ends our own lines),
/// DEL, C1 and the bidi embedding/override/isolate controls.
fn is_dangerous(c: char) -> bool {
    (c.is_control() && c != '\n')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Neither stream of `out` holds a raw control or bidi character.
fn assert_clean(out: &Out, what: &str) {
    for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        if let Some(c) = text.chars().find(|&c| is_dangerous(c)) {
            panic!("{what}: {name} holds a raw U+{:04X}:\n{text:?}", c as u32);
        }
    }
}

const HOSTILE_TEXT: &str =
    "evil \u{1b}]0;pwned\u{7} \u{202e}txet\u{202c} \u{9b}31m c1 \r\u{7f} \u{2066}x\u{2069}";

// See: issue #12 point 3 (a failing receipt that looks verified in a terminal).
#[test]
fn failing_receipt_cannot_fake_a_verified_line() {
    let s = Session::with_claim();
    let log_key = s.ok(&["--json", "checkpoint"]).json()["log_vkey"]
        .as_str()
        .unwrap()
        .to_string();
    let receipt = s.ok(&["receipt", "2"]).stdout;
    let mut r: serde_json::Value = serde_json::from_str(&receipt).unwrap();
    r["payload"]["\r\u{1b}[2Kreceipt verified\n  checkpoint ok \u{2713}"] = 1.into();
    std::fs::write(s.path("bad.json"), r.to_string()).unwrap();
    let out = s.run(&["verify-receipt", "bad.json", "--log-key", &log_key]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert_clean(&out, "verify-receipt of a hostile receipt");
    let last = out.stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("receipt FAILED verification"),
        "the failure is not named on the last line: {:?}",
        out.stdout
    );
    assert!(
        !out.stdout
            .lines()
            .any(|l| l.starts_with("receipt verified")),
        "{:?}",
        out.stdout
    );
    // The escape is shown, visibly.
    assert!(out.stdout.contains("\\u{1b}[2K"), "{:?}", out.stdout);
    // --json is unchanged: the error is JSON text, escaped by JSON's own rules.
    let j = s.run(&[
        "--json",
        "verify-receipt",
        "bad.json",
        "--log-key",
        &log_key,
    ]);
    assert_eq!(j.code, 1);
    assert!(j.json()["error"].as_str().unwrap().contains("\r\u{1b}[2K"));
}

/// A claim, with a figure and a source, whose every free-text field carries controls.
fn hostile_payload() -> serde_json::Value {
    serde_json::json!({
        "text": HOSTILE_TEXT,
        "claimant": {"name": "Bad\u{1b}[8m\u{202e}", "type": "person"},
        "subjects": ["S\u{1b}[1m"],
        "sources": [{"url": "https://x.example/", "title": "T\u{2066}\u{9d}", "quote": "q\u{7}"}],
        "figures": [{
            "subject": "S\u{1b}[1m", "property": "cost\u{202d}", "scope": "run\u{85}",
            "value": "5000000", "precision": "exact", "unit": "USD", "as_stated": "$5M\u{1b}[2J"
        }],
    })
}

// See: issue #12 point 3 (a granted reporter hides text or retitles the window).
#[test]
fn hostile_entry_text_is_escaped_in_every_human_output() {
    let s = Session::with_claim();
    std::fs::write(s.path("p.json"), hostile_payload().to_string()).unwrap();
    let added = s.ok(&["--key", "alice.key", "claim", "add", "--payload", "p.json"]);
    assert_clean(&added, "claim add");
    s.ok(&[
        "--key",
        "alice.key",
        "contest",
        "3",
        "--text",
        "no \u{1b}[31mway\u{202e}",
        "--speaker",
        "Eve\u{9b}",
    ]);
    for args in [
        &["log"][..],
        &["show", "3"],
        &["history", "3"],
        &["search", "evil"],
        &["figures"],
        &["key", "list"],
        &["audit"],
    ] {
        let out = s.ok(args);
        assert_clean(&out, &format!("{args:?}"));
        if args[0] != "key" && args[0] != "audit" {
            assert!(
                out.stdout.contains("\\u{1b}"),
                "{args:?} does not show the escape: {}",
                out.stdout
            );
        }
    }
    // JSON output keeps the text exactly as recorded.
    let j = s.ok(&["--json", "show", "3"]).json();
    assert_eq!(j["payload"]["text"], HOSTILE_TEXT);
    // Command-line errors quote the argument: escaped as well.
    let err = s.run(&["log", "--limit", "\u{202e}\r5\u{9b}"]);
    assert_eq!(err.code, 2);
    assert_clean(&err, "clap error");
    assert!(err.stderr.contains("\\u{202e}\\r5"), "{}", err.stderr);
    // Error messages that quote an argument escape it too.
    let err = s.run(&["show", "\u{1b}]0;x\u{7}"]);
    assert_eq!(err.code, 2);
    assert_clean(&err, "show with a hostile reference");
    assert!(err.stderr.contains("\\u{1b}"), "{}", err.stderr);
}

// ---- point 4: concurrent init ----------------------------------------------------------------

// See: issue #12 point 4 (a losing `init` deleted the winner's operator key).
#[test]
fn concurrent_inits_leave_one_ledger_and_its_key() {
    let rounds = crate::crash::env_u64("CLAIMLEDGER_INIT_ROUNDS", 8);
    for round in 0..rounds {
        let dir = tempfile::tempdir().unwrap();
        let children: Vec<_> = (0..6)
            .map(|_| {
                Command::new(bin())
                    .current_dir(dir.path())
                    .env_remove("CLAIMLEDGER_KEY")
                    .env_remove("CLAIMLEDGER_OPERATOR_KEY")
                    .env_remove("CLAIMLEDGER_LEDGER")
                    .args(["--json", "--ledger", "l.db", "init", "--origin"])
                    .arg("news.example/claims")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let winners: Vec<_> = outs.iter().filter(|o| o.status.success()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {outs:?}");
        for o in outs.iter().filter(|o| !o.status.success()) {
            assert_eq!(o.status.code(), Some(2), "round {round}: {o:?}");
            assert_no_panic(&String::from_utf8_lossy(&o.stderr), "losing init");
        }
        let won: serde_json::Value = serde_json::from_slice(&winners[0].stdout).unwrap();
        let key_path = Path::new(won["operator_key_path"].as_str().unwrap());
        assert!(
            key_path.is_file(),
            "round {round}: the operator key is gone"
        );
        let shown = Command::new(bin())
            .args(["key", "show"])
            .arg(key_path)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&shown.stdout).trim(),
            won["log_vkey"].as_str().unwrap(),
            "round {round}: the key file does not hold the printed log key"
        );
        // The winner's ledger is whole and signs with that key.
        let audit = Command::new(bin())
            .current_dir(dir.path())
            .args(["--ledger", "l.db", "--json", "audit", "--log-key"])
            .arg(won["log_vkey"].as_str().unwrap())
            .output()
            .unwrap();
        assert!(audit.status.success(), "round {round}: {audit:?}");
        let signed = Command::new(bin())
            .current_dir(dir.path())
            .args(["--ledger", "l.db", "checkpoint", "--sign"])
            .output()
            .unwrap();
        assert!(signed.status.success(), "round {round}: {signed:?}");
        // Losers left nothing behind: the winner's ledger, key and signer state only.
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "l.db",
                "l.db.operator.key",
                "l.db.operator.key.last-checkpoint"
            ],
            "round {round}"
        );
    }
}

// ---- point 8: smaller ones -------------------------------------------------------------------

// See: issue #12 point 8 (`import --batch-size 18446744073709551615` panicked).
#[test]
fn import_batch_size_is_validated() {
    let s = Session::with_claim();
    let export = s.ok(&["export"]).stdout;
    std::fs::write(s.path("all.jsonl"), export).unwrap();
    for n in ["18446744073709551615", "1000000000", "0", "-1"] {
        let before = s.snapshot();
        let out = s.run(&["import", "all.jsonl", &format!("--batch-size={n}")]);
        assert_eq!(out.code, 2, "--batch-size {n}: {}", out.stderr);
        assert_no_panic(&out.stderr, n);
        assert!(out.stderr.contains("--batch-size"), "{}", out.stderr);
        assert_eq!(s.snapshot(), before, "--batch-size {n} changed the ledger");
    }
    s.ok(&["import", "all.jsonl", "--batch-size", "65536"]);
    audit_ok(&s, "after imports");
}

/// Run `cmd` for at most `limit`; a command still running then is killed and reported.
fn run_bounded(cmd: &mut Command, limit: Duration) -> Out {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn mkfifo(path: &Path) {
    let st = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(st.success(), "mkfifo");
}

// See: issue #12 point 8 (a FIFO as a key file hung forever).
#[test]
fn fifo_as_key_file_is_refused_without_hanging() {
    let s = Session::with_claim();
    mkfifo(&s.path("k.fifo"));
    let before = s.snapshot();
    let cases: [&[&str]; 4] = [
        &[
            "--key",
            "k.fifo",
            "claim",
            "add",
            "--text",
            "t",
            "--claimant",
            "X",
        ],
        &["--operator-key", "k.fifo", "checkpoint", "--sign"],
        &["key", "show", "k.fifo"],
        &[
            "--ledger",
            "fresh.db",
            "--operator-key",
            "k.fifo",
            "init",
            "--origin",
            "x.example/l",
        ],
    ];
    for args in cases {
        let mut cmd = crate::crash::command(&s);
        cmd.args(args);
        let out = run_bounded(&mut cmd, Duration::from_secs(10));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("not a regular file"),
            "{args:?}: {}",
            out.stderr
        );
    }
    // The operator key path recorded in the ledger is a FIFO: appends do not hang either.
    set_operator_key_path(&s, &s.path("k.fifo"));
    let before_meta = s.snapshot();
    let mut cmd = crate::crash::command(&s);
    cmd.args(["checkpoint", "--sign"]);
    let out = run_bounded(&mut cmd, Duration::from_secs(10));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
    assert_eq!(s.snapshot(), before_meta);
    assert!(!s.path("fresh.db").exists());
    let _ = before;
}

/// Point the ledger's recorded operator key at `path` (as someone editing the file could).
fn set_operator_key_path(s: &Session, path: &Path) {
    let db = rusqlite::Connection::open(s.ledger()).unwrap();
    db.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'operator_key_path'",
        [path.to_str().unwrap()],
    )
    .unwrap();
    db.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
}

// See: issue #12 point 8 (`operator_key_path` = /etc/shadow gave "run: chmod 600 /etc/shadow").
#[test]
fn a_file_that_is_not_a_key_is_named_so_not_chmodded() {
    use std::os::unix::fs::PermissionsExt;
    let s = Session::with_claim();
    let shadow = s.path("shadow");
    std::fs::write(
        &shadow,
        "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n",
    )
    .unwrap();
    std::fs::set_permissions(&shadow, std::fs::Permissions::from_mode(0o640)).unwrap();
    let mut paths = vec![shadow.clone()];
    if std::fs::File::open("/etc/shadow").is_ok() {
        paths.push("/etc/shadow".into());
    }
    for p in paths {
        let ps = p.to_str().unwrap();
        for args in [
            vec!["--operator-key", ps, "checkpoint", "--sign"],
            vec!["key", "show", ps],
            vec![
                "--key",
                ps,
                "claim",
                "add",
                "--text",
                "t",
                "--claimant",
                "X",
            ],
        ] {
            let before = s.snapshot();
            let out = s.run(&args);
            assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
            assert!(
                out.stderr.contains("not a claimledger key file"),
                "{args:?}: {}",
                out.stderr
            );
            assert!(!out.stderr.contains("chmod"), "{args:?}: {}", out.stderr);
            assert_eq!(s.snapshot(), before);
        }
        set_operator_key_path(&s, &p);
        let out = s.run(&["checkpoint", "--sign"]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr.contains("not a claimledger key file"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("chmod"), "{}", out.stderr);
        // An append still works, with a notice that names the file as not a key.
        let text = format!("with {} as the operator key", p.display());
        let added = s.ok(&[
            "--key",
            "alice.key",
            "claim",
            "add",
            "--text",
            &text,
            "--claimant",
            "X",
        ]);
        assert!(
            added.stderr.contains("not a claimledger key file"),
            "{}",
            added.stderr
        );
        assert!(!added.stderr.contains("chmod"), "{}", added.stderr);
    }
}

// See: issue #12 point 8 (`--key reporter.key key grant` silently signed with the operator key).
#[test]
fn key_grant_with_a_reporter_key_is_refused() {
    let s = Session::with_claim();
    let vkey = s
        .ok(&[
            "key",
            "generate",
            "--name",
            "bob@test.example",
            "--out",
            "bob.key",
        ])
        .stdout;
    s.refused(
        &[
            "--key",
            "alice.key",
            "key",
            "grant",
            vkey.trim(),
            "--name",
            "Bob",
            "--role",
            "reporter",
        ],
        "operator key",
    );
    s.refused(
        &[
            "--key",
            "alice.key",
            "key",
            "revoke",
            vkey.trim(),
            "--reason",
            "r",
        ],
        "operator key",
    );
    // Without --key, the operator grants as before.
    s.ok(&[
        "key",
        "grant",
        vkey.trim(),
        "--name",
        "Bob",
        "--role",
        "reporter",
    ]);
}
