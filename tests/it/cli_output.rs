//! What a newcomer reads: history trees, tables fitted to the terminal, `info`, the demo's hints
//! run as printed, and the wording of usage errors (issue #17).

use crate::cli::Session;

/// Record a statement by alice: `claimledger --key alice.key STANCE REF --speaker S --text T`.
fn state(s: &Session, stance: &str, reference: &str, speaker: &str) {
    s.ok(&[
        "--key",
        "alice.key",
        stance,
        reference,
        "--speaker",
        speaker,
        "--text",
        &format!("{speaker} {stance} {reference}"),
    ]);
}

/// Replace what changes from run to run (times, leaf hashes) in the "recorded by" lines.
fn stable(text: &str) -> String {
    text.lines()
        .map(|l| match l.find(" at 20") {
            Some(at) if l.contains("recorded by") => &l[..at],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// See: issue #17 (#6 corrects #3 was drawn under #5 supports #2, the sibling before it).
#[test]
fn history_draws_each_statement_under_its_own_target() {
    let s = Session::with_claim();
    state(&s, "contest", "2", "Dario"); // 3
    state(&s, "contest", "2", "Officials"); // 4
    state(&s, "support", "3", "Ben"); // 5: under 3, drawn after 4
    state(&s, "correct", "4", "Nvidia"); // 6: under 4, not under 5
    state(&s, "qualify", "5", "Cleo"); // 7: deep chain 2 <- 3 <- 5 <- 7 <- 8
    state(&s, "retract", "7", "Cleo"); // 8
    state(&s, "contest", "2", "Eve"); // 9: the claim's last reply
    let text = s.ok(&["history", "2"]).stdout;
    let expected = r#"#2 claim by DeepSeek (organization) on 2024-12-26
  "DeepSeek-V3 cost $5.6M"
  subjects: DeepSeek-V3
  source: https://arxiv.org/abs/2412.19437 — DeepSeek-V3 Technical Report
  figure: DeepSeek-V3.training_cost = 5600000 USD (exact), stated "$5.6M"
  figure: DeepSeek-V3.gpu_count = 2048 count:H800 (exact), stated "2,048 H800"
  recorded by Alice Martin
├─ #3 contests #2 — Dario (person)
│    "Dario contest 2"
│    recorded by Alice Martin
│  └─ #5 supports #3 — Ben (person)
│       "Ben support 3"
│       recorded by Alice Martin
│     └─ #7 qualifies #5 — Cleo (person)
│          "Cleo qualify 5"
│          recorded by Alice Martin
│        └─ #8 retracts #7 — Cleo (person)
│             "Cleo retract 7"
│             recorded by Alice Martin
├─ #4 contests #2 — Officials (person)
│    "Officials contest 2"
│    recorded by Alice Martin
│  └─ #6 corrects #4 — Nvidia (person)
│       "Nvidia correct 4"
│       recorded by Alice Martin
└─ #9 contests #2 — Eve (person)
     "Eve contest 2"
     recorded by Alice Martin"#;
    assert_eq!(stable(&text), expected, "\n{text}");
    // History of a statement: the subtree below it, drawn the same way.
    let sub = s.ok(&["history", "5"]).stdout;
    let heads: Vec<&str> = sub.lines().filter(|l| l.contains(" #")).collect();
    assert_eq!(
        heads,
        [
            "#5 supports #3 — Ben (person)",
            "└─ #7 qualifies #5 — Cleo (person)",
            "   └─ #8 retracts #7 — Cleo (person)"
        ],
        "\n{sub}"
    );
}

/// The binary run in `s`'s folder with extra environment variables.
fn run_with_env(s: &Session, env: &[(&str, &str)], args: &[&str]) -> crate::cli::Out {
    let mut cmd = assert_cmd::Command::cargo_bin("claimledger").unwrap();
    cmd.current_dir(s.dir.path())
        .env_remove("CLAIMLEDGER_KEY")
        .env_remove("CLAIMLEDGER_OPERATOR_KEY")
        .env_remove("COLUMNS")
        .env("CLAIMLEDGER_LEDGER", s.ledger());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    crate::cli::Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The lines of `help` under `heading` (up to the next blank line).
fn help_section<'a>(help: &'a str, heading: &str) -> Vec<&'a str> {
    help.lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

#[test]
fn help_gives_global_options_their_own_heading() {
    let s = Session::new();
    for cmd in [&["history", "-h"][..], &["claim", "add", "-h"], &["-h"]] {
        let help = s.ok(cmd).stdout;
        let global = help_section(&help, "Global options:").join("\n");
        let own = help_section(&help, "Options:").join("\n");
        for flag in [
            "--ledger <PATH>",
            "--key <PATH>",
            "--operator-key <PATH>",
            "--json",
        ] {
            assert!(
                global.contains(flag),
                "{cmd:?}: {flag} not under Global options:\n{help}"
            );
            assert!(
                !own.contains(flag),
                "{cmd:?}: {flag} among Options:\n{help}"
            );
        }
        assert!(global.contains("[env: CLAIMLEDGER_LEDGER]"), "{help}");
    }
}

// See: issue #17 (`Usage: claimledger verify-receipt --log-key <LOG_KEY> --ledger <LEDGER> --key
// <KEY> <FILE>` when the two came from the environment).
#[test]
fn usage_errors_have_the_prefix_and_no_options_from_the_environment() {
    let s = Session::with_claim();
    let env = [
        ("CLAIMLEDGER_KEY", "alice.key"),
        ("CLAIMLEDGER_OPERATOR_KEY", "op.key"),
    ];
    let out = run_with_env(&s, &env, &["verify-receipt", "r.json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with(
            "claimledger: error: the following required arguments were not provided:\n  --log-key <LOG_KEY>\n"
        ),
        "{}",
        out.stderr
    );
    let usage: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("Usage:"))
        .collect();
    assert_eq!(
        usage,
        ["Usage: claimledger verify-receipt --log-key <LOG_KEY> <FILE>"]
    );
    let out = s.run(&["no-such-command"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("claimledger: error: unrecognized subcommand 'no-such-command'\n"),
        "{}",
        out.stderr
    );
    // The environment still names the ledger and key: this records with neither flag.
    let out = run_with_env(
        &s,
        &env[..1],
        &["--json", "support", "2", "--speaker", "X", "--text", "t"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["recorder"], "Alice Martin");
}

#[test]
fn audit_notices_use_the_documented_prefix() {
    let s = Session::with_claim();
    let out = s.ok(&["audit"]);
    assert!(
        out.stderr
            .contains("notice: using the log key recorded in the ledger"),
        "{}",
        out.stderr
    );
    for line in out.stdout.lines().chain(out.stderr.lines()) {
        assert!(!line.starts_with("note:"), "undocumented prefix: {line}");
    }
    assert!(out.stdout.starts_with("audit passed:"), "{}", out.stdout);
}

#[test]
fn party_types_name_their_flag_and_take_the_british_spelling() {
    let s = Session::with_claim();
    let add = |kind: &str| {
        s.run(&[
            "--key",
            "alice.key",
            "--json",
            "claim",
            "add",
            "--text",
            "t",
            "--claimant",
            "Nvidia",
            "--claimant-type",
            kind,
        ])
    };
    let out = add("organisation");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["payload"]["claimant"]["type"], "organization");
    let before = s.snapshot();
    let out = add("company");
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with(
            "claimledger: error: invalid value 'company' for '--claimant-type <CLAIMANT_TYPE>': use person, organization (or organisation), group or unnamed"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(s.snapshot(), before);
    let out = s.run(&[
        "--key",
        "alice.key",
        "--json",
        "contest",
        "2",
        "--speaker",
        "Nvidia",
        "--speaker-type",
        "organisation",
        "--text",
        "t",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["payload"]["speaker"]["type"], "organization");
}

// See: issue #17 (`history 99` said `finding "99": no entry matches`).
#[test]
fn a_missing_index_says_which_indices_exist() {
    let s = Session::with_claim();
    for cmd in [&["history", "99"][..], &["show", "#99"], &["receipt", "3"]] {
        let out = s.run(cmd);
        assert_eq!(out.code, 2);
        let want = format!(
            "claimledger: error: no entry #{}; the ledger has 3 entries (#0–#2)\n",
            cmd[1].trim_start_matches('#')
        );
        assert_eq!(out.stderr, want, "{cmd:?}");
    }
    let out = s.run(&["--ledger", "empty.db", "init", "--origin", "e.example/x"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = s.run(&["--ledger", "empty.db", "show", "1"]);
    assert_eq!(
        out.stderr,
        "claimledger: error: no entry #1; the ledger has 1 entry (#0)\n"
    );
}

/// `claimledger ARGS` run on a pseudo-terminal (util-linux `script`) with `COLUMNS=cols`, in
/// `s`'s folder; its output with the terminal's CR LF turned back into LF. None, after a skip
/// notice, where `script` is missing.
fn on_terminal(s: &Session, cols: usize, args: &[&str]) -> Option<String> {
    let quote = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
    let bin = assert_cmd::cargo::cargo_bin("claimledger");
    let line = std::iter::once(bin.to_str().unwrap())
        .chain(args.iter().copied())
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ");
    let out = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(s.dir.path())
        .env("COLUMNS", cols.to_string())
        .env("CLAIMLEDGER_LEDGER", s.ledger())
        .output();
    match out {
        Ok(o) if o.status.success() => {
            Some(String::from_utf8_lossy(&o.stdout).replace("\r\n", "\n"))
        }
        other => {
            crate::util::skip(&format!(
                "no pseudo-terminal through util-linux 'script' ({other:?})"
            ));
            None
        }
    }
}

// See: issue #17 (the demo's figures table was 235 columns wide and wrapped into noise).
#[test]
fn tables_fit_the_terminal_and_keep_full_width_when_piped() {
    let s = Session::new();
    s.ok(&["demo", "--dir", "demo"]);
    let db = s.path("demo/demo.db");
    let figures = ["--ledger", db.to_str().unwrap(), "figures"];
    // Piped (also with COLUMNS set): one line per row, at full width, for grep and cut.
    for env in [&[][..], &[("COLUMNS", "80")]] {
        let piped = run_with_env(&s, env, &figures).stdout;
        let lines: Vec<&str> = piped.lines().collect();
        assert_eq!(lines.len(), 2 + 5, "{piped}");
        assert!(
            lines[0].starts_with("#  subject      property       scope  "),
            "{piped}"
        );
        assert!(lines.iter().any(|l| l.chars().count() > 150), "{piped}");
        assert!(
            lines[6].contains("final training run at $2 per H800 GPU-hour  5576000"),
            "{piped}"
        );
    }
    let words_of = |text: &str| -> std::collections::BTreeSet<String> {
        text.split_whitespace().map(str::to_string).collect()
    };
    let piped_words = words_of(&run_with_env(&s, &[], &figures).stdout);
    for cols in [80, 120, 150] {
        let Some(text) = on_terminal(&s, cols, &figures) else {
            return;
        };
        for line in text.lines() {
            assert!(
                line.chars().count() <= cols,
                "wider than {cols}: {line:?}\n{text}"
            );
        }
        // Nothing is dropped: every word of the full table is still there (the rule of dashes
        // aside, whose lengths change).
        let words = words_of(&text);
        for w in piped_words
            .iter()
            .filter(|w| !w.starts_with('-') || w.len() == 1)
        {
            assert!(words.contains(w), "{cols} columns: {w:?} missing\n{text}");
        }
        if cols == 80 {
            // Eleven columns cannot be read in 80: one block per row instead.
            assert!(
                text.contains("\nscope      final training run at $2 per H800 GPU-hour\n"),
                "{text}"
            );
            assert_eq!(
                text.lines().filter(|l| l.starts_with("speaker  ")).count(),
                5,
                "{text}"
            );
        } else {
            // Narrowed columns, long cells wrapped at spaces: each row starts a line with its index.
            assert!(
                text.starts_with("#  subject      property       scope"),
                "{text}"
            );
            let rows = text
                .lines()
                .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()));
            assert_eq!(rows.count(), 5, "{text}");
        }
    }
    // The demo's own tables fit too.
    let Some(demo) = on_terminal(&s, 80, &["demo", "--dir", "demo80"]) else {
        return;
    };
    let table_lines = demo
        .lines()
        .skip_while(|l| !l.starts_with("Figures stated"));
    for line in table_lines.take_while(|l| !l.starts_with("Receipt")) {
        assert!(line.chars().count() <= 80, "{line:?}\n{demo}");
    }
}

#[test]
fn info_names_the_log_key_size_checkpoint_operator_key_and_witnesses() {
    let s = Session::with_claim();
    let j = s.ok(&["--json", "info"]).json();
    let log_vkey = j["log_vkey"].as_str().unwrap();
    assert!(log_vkey.starts_with("test.example/claims+"), "{j}");
    assert_eq!(j["origin"], "test.example/claims");
    assert_eq!(j["size"], 3);
    assert_eq!(j["checkpoint"]["size"], 3);
    assert_eq!(j["checkpoint"]["log_vkey"], log_vkey);
    let operator = s.path("ledger.db.operator.key").canonicalize().unwrap();
    assert_eq!(j["operator_key_path"], operator.to_str().unwrap());
    assert_eq!(j["operator_key_found"], true);
    assert_eq!(j["witnesses"], serde_json::json!([]));
    assert_eq!(
        j["ledger_path"],
        s.ledger().canonicalize().unwrap().to_str().unwrap()
    );
    let text = s.ok(&["info"]).stdout;
    for line in [
        "origin        test.example/claims".to_string(),
        format!("log key       {log_vkey}"),
        "size          3 entries".to_string(),
        format!("operator key  {}", operator.display()),
        "witnesses     none (claimledger witness add URL VKEY)".to_string(),
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} missing:\n{text}");
    }
    assert!(text.contains("\ncheckpoint    size 3, root "), "{text}");
}

/// The "Try:" lines at the end of the demo's text output.
fn hints(demo_stdout: &str) -> Vec<String> {
    let mut lines = demo_stdout.lines().skip_while(|l| !l.starts_with("Try: "));
    let first = lines.next().map(|l| l["Try: ".len()..].to_string());
    first
        .into_iter()
        .chain(lines.map_while(|l| l.strip_prefix("     ").map(str::to_string)))
        .collect()
}

// See: issue #17 (the demo's hints failed with `claimledger: command not found` after the
// README's `cargo run`).
#[test]
fn the_demo_hints_run_as_printed() {
    let s = Session::new();
    let bin = assert_cmd::cargo::cargo_bin("claimledger");
    let bin_dir = bin.parent().unwrap().to_path_buf();
    // PATH without any claimledger (an installed one would answer for ours), then with ours.
    let bare: Vec<std::path::PathBuf> = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .filter(|d| !d.join("claimledger").exists())
        .collect();
    let with_ours: Vec<_> = std::iter::once(bin_dir).chain(bare.clone()).collect();
    for (n, (dirs, installed)) in [(bare, false), (with_ours, true)].into_iter().enumerate() {
        let path = std::env::join_paths(dirs).unwrap();
        let dir = s.path(&format!("demo {n}"));
        let out = std::process::Command::new(&bin)
            .args(["demo", "--dir"])
            .arg(&dir)
            .env("PATH", &path)
            .env_remove("CLAIMLEDGER_LEDGER")
            .output()
            .unwrap();
        assert!(out.status.success());
        let stdout = String::from_utf8_lossy(&out.stdout);
        let hints = hints(&stdout);
        assert_eq!(hints.len(), 3, "{stdout}");
        let program = if installed {
            "claimledger "
        } else {
            bin.to_str().unwrap()
        };
        assert_eq!(
            stdout.contains("cargo install --path ."),
            !installed,
            "{stdout}"
        );
        for hint in &hints {
            assert!(hint.starts_with(program), "{hint:?} should run {program}");
            let shell = |line: &str| {
                let mut c = std::process::Command::new("sh");
                c.args(["-c", line])
                    .current_dir(&dir)
                    .env("PATH", &path)
                    .env_remove("CLAIMLEDGER_LEDGER")
                    .env_remove("CLAIMLEDGER_OPERATOR_KEY");
                c
            };
            match hint.split_once("    # then open ") {
                None => {
                    let (ok, text) = crate::util::run_combined(&mut shell(hint));
                    assert!(ok, "{hint}\n{text}");
                    assert!(
                        text.contains("#4 claim by DeepSeek") || text.contains("log key"),
                        "{hint}\n{text}"
                    );
                }
                Some((serve, url)) => {
                    // As printed, but on a free port: 8080 may be taken on a shared machine.
                    let path_and_query = url
                        .strip_prefix("http://127.0.0.1:8080")
                        .unwrap_or_else(|| panic!("{url}"));
                    let mut child = shell(&format!("exec {serve} --listen 127.0.0.1:0"))
                        .stdout(std::process::Stdio::piped())
                        .spawn()
                        .unwrap();
                    let mut first = String::new();
                    std::io::BufRead::read_line(
                        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
                        &mut first,
                    )
                    .unwrap();
                    let base = first
                        .trim()
                        .strip_prefix("listening on ")
                        .map(str::to_string);
                    let page = base
                        .as_ref()
                        .map(|b| ureq::get(&format!("{b}{path_and_query}")).call());
                    child.kill().unwrap();
                    child.wait().unwrap();
                    let page = page.unwrap_or_else(|| panic!("{hint}: {first}"));
                    assert_eq!(page.unwrap().status(), 200, "{hint}");
                }
            }
        }
    }
}
