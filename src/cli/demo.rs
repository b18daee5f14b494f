//! `claimledger demo`: the DeepSeek seed story in a fresh ledger, end to end.

use super::output::{Shown, figures_table, history_json, history_text, print_json, table};
use super::{Ctx, Outcome};
use anyhow::{Context, Result, bail};
use claimledger::ledger::keyfile;
use claimledger::{
    Claim, CreateOptions, Figure, Ledger, Party, PartyType, SignOptions, SigningKey, Source,
    Stance, Statement,
};
use serde_json::json;
use std::path::{Path, PathBuf};

const ORIGIN: &str = "demo.claimledger.example/claims";

fn org(name: &str) -> Party {
    Party {
        name: name.into(),
        party_type: PartyType::Organization,
        same_as: None,
    }
}

fn source(url: &str, title: &str, publisher: &str, published: Option<&str>) -> Source {
    Source {
        url: url.into(),
        title: Some(title.into()),
        publisher: Some(publisher.into()),
        published: published.map(Into::into),
        ..Default::default()
    }
}

fn fig(property: &str, scope: Option<&str>, as_stated: &str) -> Result<Figure> {
    Ok(Figure::from_as_stated(
        "DeepSeek-V3",
        property,
        scope,
        as_stated,
    )?)
}

fn at(t: &str) -> SignOptions {
    SignOptions {
        recorded_at: Some(t.into()),
        ..Default::default()
    }
}

fn fresh_dir(dir: Option<&Path>) -> Result<PathBuf> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            std::env::temp_dir().join(format!("claimledger-demo-{}-{stamp}", std::process::id()))
        }
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // Absolute, so that the operator key path recorded in the ledger and the hints printed at
    // the end work from any folder.
    let dir =
        std::fs::canonicalize(&dir).with_context(|| format!("resolving {}", dir.display()))?;
    if dir.join("demo.db").exists() {
        bail!(
            "{} already holds a demo ledger; pass another --dir (demo never overwrites)",
            dir.display()
        );
    }
    Ok(dir)
}

pub fn run(ctx: &Ctx, dir: Option<&Path>) -> Result<Outcome> {
    let dir = fresh_dir(dir)?;
    let db = dir.join("demo.db");
    let operator = SigningKey::generate(ORIGIN)?;
    let alice = SigningKey::generate("alice@demo.claimledger.example")?;
    let bruno = SigningKey::generate("bruno@demo.claimledger.example")?;
    let chloe = SigningKey::generate("chloe@demo.claimledger.example")?;
    for (file, key) in [
        ("operator.key", &operator),
        ("alice.key", &alice),
        ("bruno.key", &bruno),
        ("chloe.key", &chloe),
    ] {
        keyfile::write_signing_key(&dir.join(file), key)?;
    }
    let mut ledger = Ledger::create_with(
        &db,
        &operator,
        CreateOptions {
            operator_key_path: Some(dir.join("operator.key")),
            recorded_at: Some("2025-01-27T08:00:00Z".into()),
            ..Default::default()
        },
    )?;
    ledger.grant(&alice.verifying_key(), "Alice Martin", "reporter")?;
    ledger.grant(&bruno.verifying_key(), "Bruno Diallo", "fact-checker")?;
    ledger.grant(&chloe.verifying_key(), "Chloé Lefèvre", "editor")?;

    let article = "https://www.deepseek.com/";
    let report = source(
        "https://arxiv.org/abs/2412.19437",
        "DeepSeek-V3 Technical Report",
        "DeepSeek-AI (arXiv)",
        Some("2024-12-27"),
    );
    let claim = ledger.append_with(
        Claim {
            text: "DeepSeek a annoncé avoir développé son modèle d'IA, le DeepSeek-V3, en investissant seulement 5,6 millions de dollars et en utilisant 2 048 puces graphiques Nvidia H800.".into(),
            claimant: Party { same_as: Some(article.into()), ..org("DeepSeek") },
            claimed_on: Some("2024-12-26".into()),
            sources: vec![report.clone()],
            subjects: vec!["DeepSeek-V3".into()],
            figures: vec![
                fig("training_cost", None, "5,6 millions de dollars")?,
                fig("gpu_count", None, "2 048 puces Nvidia H800")?,
            ],
        },
        None,
        &alice,
        at("2025-01-27T09:12:00Z"),
    )?;
    let claim_idx = claim.entry.index();
    ledger.append_with(
        Statement {
            stance: Stance::Contests,
            text: "De nombreux experts et responsables américains, tels que Dario Amodei, président d'Anthropic, expriment des doutes sur la véracité de ces chiffres.".into(),
            speaker: Party { name: "Dario Amodei".into(), party_type: PartyType::Person, same_as: None },
            stated_on: Some("2025-01-29".into()),
            sources: vec![source(
                "https://darioamodei.com/on-deepseek-and-export-controls",
                "On DeepSeek and Export Controls",
                "Dario Amodei",
                Some("2025-01-29"),
            )],
            figures: vec![],
            rating: None,
        },
        Some(claim_idx),
        &bruno,
        at("2025-01-30T10:05:00Z"),
    )?;
    let officials = ledger.append_with(
        Statement {
            stance: Stance::Contests,
            text: "Ils soupçonnent DeepSeek d'avoir utilisé un nombre plus élevé de puces, voire d'avoir trouvé des moyens d'accéder à des puces plus récentes et sophistiquées, interdites à l'exportation vers la Chine.".into(),
            speaker: Party { name: "US officials".into(), party_type: PartyType::Group, same_as: None },
            stated_on: Some("2025-01-30".into()),
            sources: vec![],
            figures: vec![],
            rating: None,
        },
        Some(claim_idx),
        &alice,
        at("2025-01-30T16:40:00Z"),
    )?;
    ledger.append_with(
        Statement {
            stance: Stance::Contests,
            text: "Nvidia déclare que ses ventes à Singapour ne montrent aucun signe de détournement vers la Chine et assure que ses produits respectent les directives du gouvernement américain.".into(),
            speaker: org("Nvidia"),
            stated_on: Some("2025-01-31".into()),
            sources: vec![],
            figures: vec![],
            rating: None,
        },
        Some(officials.entry.index()),
        &alice,
        at("2025-01-31T11:20:00Z"),
    )?;
    ledger.append_with(
        Statement {
            stance: Stance::Contests,
            text: "DeepSeek has access to about 50,000 GPUs, and its total spend on hardware is well above $500M; the $5.6M covers only the final pre-training run.".into(),
            speaker: org("SemiAnalysis"),
            stated_on: Some("2025-01-31".into()),
            sources: vec![source(
                "https://semianalysis.com/2025/01/31/deepseek-debates/",
                "DeepSeek Debates",
                "SemiAnalysis",
                Some("2025-01-31"),
            )],
            figures: vec![
                fig("gpu_count", Some("GPUs the company has access to"), "about 50,000 GPUs")?,
                fig("training_cost", Some("total hardware spend"), "more than $500M")?,
            ],
            rating: None,
        },
        Some(claim_idx),
        &bruno,
        at("2025-01-31T18:30:00Z"),
    )?;
    ledger.append_with(
        Statement {
            stance: Stance::Qualifies,
            text: "Note that the aforementioned costs include only the official training of DeepSeek-V3, excluding the costs associated with prior research and ablation experiments on architectures, algorithms, or data.".into(),
            speaker: org("DeepSeek"),
            stated_on: Some("2024-12-26".into()),
            sources: vec![Source {
                quote: Some("assuming the rental price of the H800 GPU is $2 per GPU hour".into()),
                ..report
            }],
            figures: vec![fig(
                "training_cost",
                Some("final training run at $2 per H800 GPU-hour"),
                "$5.576M",
            )?],
            rating: None,
        },
        Some(claim_idx),
        &chloe,
        at("2025-02-01T09:00:00Z"),
    )?;

    let history = ledger.history(claim_idx)?;
    let book = ledger.key_book()?;
    let figures = ledger.figures(Some("DeepSeek-V3"), None)?;
    let receipt_path = dir.join("deepseek-claim.receipt.json");
    std::fs::write(&receipt_path, ledger.receipt(claim_idx)?.to_pretty())?;
    let verified = claimledger::verify_receipt(&std::fs::read(&receipt_path)?, ledger.log_key())?;
    let audit = ledger.audit()?;

    if ctx.json {
        print_json(&json!({
            "dir": dir, "ledger_path": db, "log_vkey": ledger.log_key().to_string(),
            "history": history_json(&history, &book),
            "figures": super::output::figures_json(&figures),
            "receipt_path": receipt_path, "receipt_verified": true,
            "audit": {"ok": audit.ok, "entries": audit.entries, "checkpoints": audit.checkpoints},
        }))?;
    } else {
        out!(
            "claimledger demo — the DeepSeek-V3 story, recorded in {}\n",
            Shown(db.display())
        );
        let rows: Vec<Vec<String>> = ledger
            .keys()?
            .iter()
            .map(|k| vec![k.name.clone(), k.role.clone(), k.vkey.key_id().to_string()])
            .collect();
        outp!("{}", table(&["recorder", "role", "key id"], &rows));
        out!("\nHistory of claim #{claim_idx}:\n");
        outp!("{}", history_text(&history, &book));
        out!("\nFigures stated about DeepSeek-V3:\n");
        outp!("{}", figures_table(&figures));
        out!(
            "\nReceipt for claim #{claim_idx}: {}\n  verified offline against log key {}: entry {} in checkpoint of size {} ✓",
            Shown(receipt_path.display()),
            ledger.log_key(),
            verified.index,
            verified.checkpoint.size
        );
        out!(
            "Audit: {} — {} entries, {} checkpoints, {} keys in {:.2?}",
            if audit.ok { "passed" } else { "FAILED" },
            audit.entries,
            audit.checkpoints,
            audit.keys,
            audit.elapsed
        );
        let (bin, on_path) = own_name();
        let db = Shown(shell_word(&db.display().to_string())).to_string();
        out!("\nTry: {bin} --ledger {db} history {claim_idx}");
        out!("     {bin} --ledger {db} info");
        out!(
            "     {bin} --ledger {db} serve    # then open http://127.0.0.1:8080/claims/{claim_idx}?log_key={}",
            url_component(&ledger.log_key().to_string())
        );
        if !on_path {
            out!("(to type 'claimledger' instead, put it on PATH: cargo install --path .)");
        }
    }
    Ok(if audit.ok {
        Outcome::Ok
    } else {
        Outcome::VerificationFailed
    })
}

/// How to run this program again: `claimledger` when that name is on PATH, else this
/// executable's full path, so that the hints work as printed after `cargo run` too. The flag
/// says whether the name was on PATH.
fn own_name() -> (String, bool) {
    let on_path = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| dir.join("claimledger").is_file())
    });
    match std::env::current_exe() {
        Ok(exe) if !on_path => (shell_word(&exe.display().to_string()), false),
        _ => ("claimledger".into(), on_path),
    }
}

/// `s` as one POSIX shell word: as is when it holds only safe characters, else single-quoted.
fn shell_word(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+:@%=,".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Percent-encode everything but unreserved characters (RFC 3986 §2.3), for a query value.
fn url_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
