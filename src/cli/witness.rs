//! `claimledger witness …`: the ledger's witness configuration (add, list, remove, quorum).

use super::args::WitnessCommand;
use super::output::{print_json, table};
use super::{Ctx, Outcome};
use anyhow::{Context, Result, bail};
use claimledger::format::cosignature::WitnessKey;
use serde_json::json;

pub fn run(ctx: &Ctx, cmd: WitnessCommand) -> Result<Outcome> {
    match cmd {
        WitnessCommand::Add { url, vkey } => add(ctx, &url, &vkey),
        WitnessCommand::List => list(ctx),
        WitnessCommand::Remove { vkey } => remove(ctx, &vkey),
        WitnessCommand::Quorum { k } => quorum(ctx, k),
    }
}

/// A witness's cosignature verifier key from the command line.
///
/// Errors never echo the argument: someone may paste a private key here by mistake.
pub fn witness_key_arg(text: &str) -> Result<WitnessKey> {
    let text = text.trim();
    if text.starts_with("PRIVATE+KEY+") {
        bail!("that is a private key, not a witness verifier key: never share it");
    }
    text.parse::<WitnessKey>().context(
        "not a witness verifier key (name+hex8+base64 of 0x04 || public key)\nhint: ask the witness operator for its cosignature vkey (litewitness prints it at start; 'claimledger witness key FILE' for ours)",
    )
}

fn add(ctx: &Ctx, url: &str, vkey: &str) -> Result<Outcome> {
    let key = witness_key_arg(vkey)?;
    let mut ledger = ctx.open()?;
    let new = ledger.add_witness(url, &key)?;
    if ctx.json {
        print_json(&json!({"vkey": key.to_string(), "url": url, "added": new}))?;
    } else if new {
        out!("added witness {} at {url}", key.name());
    } else {
        out!("witness {} now at {url}", key.name());
    }
    Ok(Outcome::Ok)
}

fn list(ctx: &Ctx) -> Result<Outcome> {
    let ledger = ctx.open()?;
    let witnesses = ledger.witnesses()?;
    let quorum = ledger.witness_quorum()?;
    let mut rows = Vec::new();
    for w in &witnesses {
        rows.push((w, ledger.last_cosigned_size(&w.key)?));
    }
    if ctx.json {
        print_json(&json!({
            "quorum": quorum,
            "witnesses": rows.iter().map(|(w, last)| json!({
                "vkey": w.key.to_string(), "name": w.key.name(), "url": w.url,
                "added_at": w.added_at, "last_cosigned_size": last,
            })).collect::<Vec<_>>(),
        }))?;
    } else if witnesses.is_empty() {
        out!("(no witnesses; add one with 'claimledger witness add URL VKEY')");
    } else {
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|(w, last)| {
                vec![
                    w.key.name().to_string(),
                    w.url.clone(),
                    last.map_or("-".into(), |n| n.to_string()),
                    w.key.to_string(),
                ]
            })
            .collect();
        outp!(
            "{}",
            table(&["witness", "url", "last cosigned", "vkey"], &cells)
        );
        out!("quorum: {} of {}", quorum, witnesses.len());
    }
    Ok(Outcome::Ok)
}

fn remove(ctx: &Ctx, vkey: &str) -> Result<Outcome> {
    let key = witness_key_arg(vkey)?;
    let mut ledger = ctx.open()?;
    if !ledger.remove_witness(&key)? {
        bail!(
            "witness {} is not configured\nhint: 'claimledger witness list' shows the configured witnesses",
            key.name()
        );
    }
    if ctx.json {
        print_json(&json!({"vkey": key.to_string(), "removed": true}))?;
    } else {
        out!(
            "removed witness {} (its stored cosignatures stay)",
            key.name()
        );
    }
    Ok(Outcome::Ok)
}

fn quorum(ctx: &Ctx, k: usize) -> Result<Outcome> {
    let mut ledger = ctx.open()?;
    ledger.set_witness_quorum(k)?;
    let n = ledger.witnesses()?.len();
    if ctx.json {
        print_json(&json!({"quorum": k, "witnesses": n}))?;
    } else {
        out!("quorum: {k} of {n} witnesses");
    }
    Ok(Outcome::Ok)
}
