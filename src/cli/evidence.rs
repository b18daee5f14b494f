//! `claimledger verify-evidence`: check a fork-evidence file (FORMAT.md §19) or a witness evidence
//! file (§16.4) with a log key the user pins, and say what it proves.

use super::output::{Shown, print_json};
use super::{Ctx, Outcome, read_input, vkey_arg};
use anyhow::{Context, Result};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use claimledger::format::checkpoint::Checkpoint;
use claimledger::format::evidence::{
    EVIDENCE_FORMAT, EvidenceError, EvidenceKind, EvidenceVerdict, ForkEvidence,
};
use claimledger::format::witness_evidence::{
    WITNESS_EVIDENCE_FORMAT, WitnessEvidence, WitnessEvidenceReport,
};
use claimledger::{Hash, VerifyingKey};
use serde_json::{Value, json};
use std::path::Path;

/// Exit 0 when the file proves a fork or rollback by `log_key`; 1 when it proves nothing (the
/// output says why); 2 (an error) when the key or the file cannot be read.
pub fn verify(ctx: &Ctx, file: &Path, log_key: &str) -> Result<Outcome> {
    let key = vkey_arg(log_key).context("--log-key")?;
    let bytes = read_input(file)?;
    // The `format` member decides which kind of evidence this is; anything else is judged as
    // fork evidence, whose parser says what is wrong with it.
    let format = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("format")?.as_str().map(str::to_owned));
    if format.as_deref() == Some(WITNESS_EVIDENCE_FORMAT) {
        return witness(ctx, &bytes, &key);
    }
    let checked = ForkEvidence::parse(&bytes).and_then(|e| e.verify(&key).map(|v| (e, v)));
    match checked {
        Ok((e, v)) => {
            if ctx.json {
                print_json(&verdict_json(&v, &key, Some(&e)))?;
            } else {
                print_verdict(&v, &key)?;
                out!(
                    "  source       {} (the mirror's account)",
                    Shown(e.source())
                );
                out!(
                    "  observed at  {} (the mirror's clock)",
                    Shown(e.observed_at())
                );
            }
            Ok(Outcome::Ok)
        }
        Err(err) => failed(ctx, EVIDENCE_FORMAT, &err, None),
    }
}

/// The JSON of a proven fork or rollback (docs/CLI.md, `verify-evidence`).
fn verdict_json(v: &EvidenceVerdict, key: &VerifyingKey, e: Option<&ForkEvidence>) -> Value {
    json!({
        "ok": true,
        "format": e.map_or(WITNESS_EVIDENCE_FORMAT, |_| EVIDENCE_FORMAT),
        "proves": v.kind.as_str(),
        "origin": v.accepted.origin,
        "log_key": key.to_string(),
        "accepted": tree_json(&v.accepted),
        "served": tree_json(&v.served),
        "prefix_root": v.prefix_root.map(hex::encode),
        "source": e.map(ForkEvidence::source),
        "observed_at": e.map(ForkEvidence::observed_at),
    })
}

fn tree_json(c: &Checkpoint) -> Value {
    json!({"size": c.size, "root": hex::encode(c.root), "root_base64": B64.encode(c.root)})
}

fn b64(h: &Hash) -> String {
    B64.encode(h)
}

/// The verdict lines: what the two signed checkpoints prove.
fn print_verdict(v: &EvidenceVerdict, key: &VerifyingKey) -> Result<()> {
    let (a, s) = (&v.accepted, &v.served);
    match v.kind {
        EvidenceKind::Fork => out!("evidence verified: FORK of {}", Shown(&a.origin)),
        EvidenceKind::Rollback => out!("evidence verified: ROLLBACK of {}", Shown(&a.origin)),
    }
    out!(
        "  log key      {}+{} signed both checkpoints ✓",
        Shown(key.name()),
        key.key_id()
    );
    out!("  accepted     size {} root {}", a.size, b64(&a.root));
    out!("  served       size {} root {}", s.size, b64(&s.root));
    let (smaller, larger) = if s.size < a.size { (s, a) } else { (a, s) };
    match (v.kind, v.prefix_root) {
        (EvidenceKind::Fork, None) => {
            out!("  proof        two different roots for the same size")
        }
        (EvidenceKind::Fork, Some(r)) => out!(
            "  proof        the signed tree of size {} has root {} at size {}, not the signed {}",
            larger.size,
            b64(&r),
            smaller.size,
            b64(&smaller.root)
        ),
        (EvidenceKind::Rollback, _) => out!(
            "  proof        the served tree is the first {} entries of the accepted tree of {}: the source went back to an older state",
            s.size,
            a.size
        ),
    }
    Ok(())
}

/// Exit 1 with the reason the file proves nothing.
fn failed(ctx: &Ctx, format: &str, err: &EvidenceError, shows: Option<Value>) -> Result<Outcome> {
    if ctx.json {
        print_json(
            &json!({"ok": false, "format": format, "error": err.to_string(), "shows": shows}),
        )?;
    } else {
        // One line, last: escaped text cannot fake a verdict after it.
        out!("evidence proves NOTHING: {}", Shown(err));
    }
    Ok(Outcome::VerificationFailed)
}

/// A witness evidence file: check its signed notes; exit 0 only when they prove a fork alone.
fn witness(ctx: &Ctx, bytes: &[u8], key: &VerifyingKey) -> Result<Outcome> {
    let checked = WitnessEvidence::parse(bytes).and_then(|e| e.verify(key).map(|r| (e, r)));
    let (e, report) = match checked {
        Ok(x) => x,
        Err(err) => return failed(ctx, WITNESS_EVIDENCE_FORMAT, &err, None),
    };
    let shows = witness_json(&e, &report);
    if let Some(v) = &report.fork {
        if ctx.json {
            let mut out = verdict_json(v, key, None);
            out["shows"] = shows;
            print_json(&out)?;
        } else {
            print_verdict(v, key)?;
            print_witness(&e, &report)?;
        }
        return Ok(Outcome::Ok);
    }
    let held = if report.old_checkpoint.is_some() {
        "its two checkpoints signed by the log key are one history"
    } else {
        "it holds one checkpoint signed by the log key"
    };
    let err = format!(
        "{held}; the refusal rests on the witness's unsigned answer. The witness's own cosigned checkpoint of size {}, beside the log's, would prove a fork (docs/FORMAT.md §19.4)",
        e.old_size
    );
    if ctx.json {
        print_json(
            &json!({"ok": false, "format": WITNESS_EVIDENCE_FORMAT, "error": err, "shows": shows}),
        )?;
    } else {
        print_witness(&e, &report)?;
        out!("evidence proves NOTHING by the log key alone: {err}");
    }
    Ok(Outcome::VerificationFailed)
}

fn witness_json(e: &WitnessEvidence, r: &WitnessEvidenceReport) -> Value {
    json!({
        "kind": e.kind.as_str(),
        "observed_at": e.observed_at,
        "witness": {"vkey": e.witness.to_string(), "name": e.witness.name(), "url": e.url},
        "status": e.status,
        "answer": e.answer,
        "old_size": e.old_size,
        "checkpoint": tree_json(&r.checkpoint),
        "old_checkpoint": r.old_checkpoint.as_ref().map(tree_json),
    })
}

/// What a witness evidence file shows: the signed part, then the witness's word.
fn print_witness(e: &WitnessEvidence, r: &WitnessEvidenceReport) -> Result<()> {
    out!("witness evidence ({})", e.kind.as_str());
    out!(
        "  checkpoint   {} size {} root {}: signed by the log key ✓",
        Shown(&r.checkpoint.origin),
        r.checkpoint.size,
        b64(&r.checkpoint.root)
    );
    match &r.old_checkpoint {
        Some(old) => out!(
            "  old          size {} root {}: signed by the log key ✓",
            old.size,
            b64(&old.root)
        ),
        None => out!("  old          no signed checkpoint of size {}", e.old_size),
    }
    out!(
        "  witness      {}+{} at {} answered {} at {} (unsigned: the operator's account)",
        Shown(e.witness.name()),
        e.witness.key_id(),
        Shown(&e.url),
        e.status,
        Shown(&e.observed_at)
    );
    out!("  answer       {}", Shown(&e.answer));
    Ok(())
}
