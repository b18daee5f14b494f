//! Embedding claimledger in a newsroom tool: the whole life of a claim through the library.
//!
//! `cargo run --example embed` (built by `cargo test`, run by the test suite). It:
//! 1. creates a ledger (the operator's job, once) and grants a reporter's key;
//! 2. signs a claim and a contesting statement on the reporter's machine, with no ledger;
//! 3. carries them as import lines (what POST /v1/entries takes) and appends them;
//! 4. reads the claim's history and its figures;
//! 5. writes a receipt and verifies it offline against the pinned log key, as a reader would.

use claimledger::{
    Claim, Figure, Ledger, Party, PartyType, SignedEntry, SigningKey, Source, Stance, Statement,
    verify_receipt,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("claimledger-embed-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("claims.db");

    // 1. The operator creates the ledger; its key signs checkpoints and key grants.
    let operator = SigningKey::generate("news.example/claims")?;
    let log_key = operator.verifying_key(); // publish this: readers pin it
    let mut ledger = Ledger::create(&path, &operator)?;
    let reporter = SigningKey::generate("alice@news.example")?;
    ledger.grant(&reporter.verifying_key(), "Alice Martin", "reporter")?;

    // 2. On the reporter's machine: sign, no ledger needed.
    let claim = Claim {
        text: "DeepSeek says it trained V3 for $5.6M on 2,048 H800 GPUs.".into(),
        claimant: Party {
            name: "DeepSeek".into(),
            party_type: PartyType::Organization,
            same_as: None,
        },
        claimed_on: Some("2024-12-26".into()),
        sources: vec![Source {
            url: "https://arxiv.org/abs/2412.19437".into(),
            title: Some("DeepSeek-V3 Technical Report".into()),
            ..Default::default()
        }],
        subjects: vec!["DeepSeek-V3".into()],
        figures: vec![Figure::from_as_stated(
            "DeepSeek-V3",
            "training_cost",
            None,
            "$5.6M",
        )?],
    };
    let signed = SignedEntry::sign(claim, None, &reporter)?;
    // The line travels as JSON (an HTTP body, a file); the server re-checks everything.
    let line = serde_json::to_vec(&signed.to_line())?;

    // 3. The newsroom's service appends it (POST /v1/entries does exactly this).
    let appended = ledger.append_signed(SignedEntry::from_line(&line)?)?;
    let claim_index = appended.entry.index();
    println!(
        "claim #{claim_index} recorded; checkpoint size {}",
        appended
            .checkpoint
            .as_ref()
            .map_or(0, |c| c.checkpoint.size)
    );

    // A statement targets (index, leaf hash), so it can be signed offline too.
    let doubt = Statement {
        stance: Stance::Contests,
        text: "The real cost of the programme is far higher.".into(),
        speaker: Party {
            name: "Dario Amodei".into(),
            party_type: PartyType::Person,
            same_as: None,
        },
        stated_on: Some("2025-01-29".into()),
        sources: vec![],
        figures: vec![],
        rating: None,
    };
    let signed = SignedEntry::sign(doubt, Some(appended.entry.as_target()), &reporter)?;
    ledger.append_signed(signed)?;

    // 4. Read the history, as a claim page does.
    let history = ledger.history(claim_index)?;
    for s in &history.statements {
        println!("  #{} {}", s.index(), s.envelope().kind().as_str());
    }
    assert_eq!(history.statements.len(), 1);
    assert_eq!(history.figures().len(), 1);

    // 5. A receipt is self-contained; anyone with the pinned log key verifies it offline.
    let receipt = ledger.receipt(claim_index)?.to_pretty();
    let verified = verify_receipt(receipt.as_bytes(), &log_key)?;
    println!(
        "receipt verified: entry #{} in a tree of {} signed by {}",
        verified.index,
        verified.checkpoint.size,
        log_key.key_id()
    );
    assert!(ledger.audit()?.ok);

    drop(ledger);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
