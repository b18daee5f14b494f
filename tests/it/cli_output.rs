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
