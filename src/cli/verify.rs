//! Commands that prove and verify: checkpoint, prove, receipt, verify-receipt, audit.

use super::args::{PolicyArgs, ProveCommand};
use super::output::{
    Shown, ShownLines, checkpoint_json, consistency_json, inclusion_json, print_json, table,
};
use super::witness::witness_key_arg;
use super::{Ctx, Outcome, read_input, vkey_arg, write_new, write_replacing};
use anyhow::{Context, Result, bail};
use claimledger::AuditOptions;
use claimledger::format::cosignature::WitnessStatus;
use claimledger::format::policy::{Policy, PolicyVerdict};
use claimledger::format::receipt::ReceiptError;
use claimledger::ledger::audit::AuditState;
use serde_json::json;
use std::path::Path;

pub fn checkpoint(ctx: &Ctx, size: Option<u64>, sign: bool, list: bool) -> Result<Outcome> {
    if sign {
        let mut ledger = ctx.open_as_operator("checkpoints are")?;
        let cp = ledger.sign_checkpoint().context("signing a checkpoint")?;
        if ctx.json {
            print_json(&checkpoint_json(&cp, ledger.log_key()))?;
        } else {
            outp!("{}", ShownLines(&cp.note));
        }
        return Ok(Outcome::Ok);
    }
    let ledger = ctx.open_read()?;
    if list {
        let all = ledger.checkpoints()?;
        if ctx.json {
            print_json(&serde_json::Value::Array(
                all.iter()
                    .map(|c| checkpoint_json(c, ledger.log_key()))
                    .collect(),
            ))?;
        } else {
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|c| {
                    vec![
                        c.checkpoint.size.to_string(),
                        hex::encode(c.checkpoint.root),
                    ]
                })
                .collect();
            outp!("{}", table(&["size", "root"], &rows));
        }
        return Ok(Outcome::Ok);
    }
    let cp = ledger.checkpoint(size)?;
    if ctx.json {
        print_json(&checkpoint_json(&cp, ledger.log_key()))?;
    } else {
        // Exactly the bytes to publish (a note never holds a control but its newlines).
        outp!("{}", ShownLines(&cp.note));
    }
    Ok(Outcome::Ok)
}

pub fn prove(ctx: &Ctx, cmd: ProveCommand) -> Result<Outcome> {
    let ledger = ctx.open_read()?;
    match cmd {
        ProveCommand::Inclusion { reference, size } => {
            let idx = ledger.resolve(&reference)?;
            let p = ledger.inclusion_proof(idx, size)?;
            if ctx.json {
                print_json(&inclusion_json(&p))?;
            } else {
                out!("entry {} in tree of size {}", p.index, p.tree_size);
                out!("leaf hash {}", hex::encode(p.leaf_hash));
                out!("root      {}", hex::encode(p.root));
                for (i, h) in p.proof.iter().enumerate() {
                    out!("proof[{i}]  {}", hex::encode(h));
                }
            }
        }
        ProveCommand::Consistency { from, to } => {
            let p = ledger.consistency_proof(from, to)?;
            if ctx.json {
                print_json(&consistency_json(&p))?;
            } else {
                out!(
                    "tree of size {} extends tree of size {}",
                    p.new_size,
                    p.old_size
                );
                out!("old root  {}", hex::encode(p.old_root));
                out!("new root  {}", hex::encode(p.new_root));
                for (i, h) in p.proof.iter().enumerate() {
                    out!("proof[{i}]  {}", hex::encode(h));
                }
            }
        }
    }
    Ok(Outcome::Ok)
}

pub fn receipt(ctx: &Ctx, reference: &str, out: Option<&Path>) -> Result<Outcome> {
    let mut ledger = ctx.open_read()?;
    let idx = ledger.resolve(reference)?;
    let r = match ledger.receipt(idx) {
        // No checkpoint covering it meets the policy yet: ask the witnesses, then try again.
        Err(claimledger::Error::NotWitnessed { .. }) => {
            // Cosigning stores what the witnesses return: that needs the writable ledger.
            ledger = ctx.open()?;
            let dir = super::cosign::evidence_dir(ctx, None);
            let report = super::cosign::cosign_latest(
                &mut ledger,
                std::time::Duration::from_secs(super::cosign::DEFAULT_TIMEOUT_SECS),
                &dir,
            )
            .context("asking the witnesses to cosign")?;
            if report.inconsistent() {
                super::cosign::print_report(&report)?;
                return Ok(Outcome::VerificationFailed);
            }
            ledger.receipt(idx)?
        }
        other => other?,
    };
    let text = r.to_pretty();
    match out {
        Some(path) => {
            write_new(path, text.as_bytes())?;
            if !ctx.json {
                eprintln!(
                    "receipt for entry {idx} written to {}",
                    Shown(path.display())
                );
            } else {
                print_json(&json!({"index": idx, "path": path}))?;
            }
        }
        None => outp!("{text}"),
    }
    Ok(Outcome::Ok)
}

/// The witness policy given on the command line: `--policy FILE`, or `--witness VKEY …
/// [--quorum K]` (K defaults to every --witness given); `None` when neither is given.
pub fn policy_arg(args: &PolicyArgs) -> Result<Option<Policy>> {
    if let Some(path) = &args.policy {
        let bytes = read_input(path)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
        return Policy::parse(&text)
            .map(Some)
            .with_context(|| format!("reading the witness policy {}", path.display()));
    }
    if args.witness.is_empty() {
        return Ok(None);
    }
    let keys = args
        .witness
        .iter()
        .map(|w| witness_key_arg(w).map(|k| (k, None)))
        .collect::<Result<Vec<_>>>()
        .context("--witness")?;
    let k = args.quorum.unwrap_or(keys.len());
    if k == 0 {
        bail!("--quorum 0 requires no cosignature; give at least 1, or leave out --witness");
    }
    Ok(Some(Policy::k_of_n(keys, k).context("--witness/--quorum")?))
}

/// `✓`/`✗` per witness of a verdict, as JSON.
pub fn verdict_json(v: &PolicyVerdict) -> serde_json::Value {
    json!({
        "met": v.met,
        "rule": v.rule,
        "verified": v.verified,
        "witnesses": v.witnesses.iter().map(|w| {
            let (status, message) = match &w.status {
                WitnessStatus::Verified { .. } => ("verified", None),
                WitnessStatus::Missing => ("missing", None),
                WitnessStatus::Invalid(e) => ("invalid", Some(e.to_string())),
            };
            let time = match &w.status {
                WitnessStatus::Verified { time } => Some(*time),
                _ => None,
            };
            json!({"name": w.name, "vkey": w.key.to_string(), "status": status,
                   "time": time, "message": message})
        }).collect::<Vec<_>>(),
    })
}

/// One line per witness: `✓ name` or `✗ name (why)`.
pub fn print_verdict(v: &PolicyVerdict) -> Result<()> {
    for w in &v.witnesses {
        match &w.status {
            WitnessStatus::Verified { time } => {
                out!("  witness     {} cosigned at {time} ✓", Shown(&w.name))
            }
            WitnessStatus::Missing => out!("  witness     {} no cosignature ✗", Shown(&w.name)),
            WitnessStatus::Invalid(e) => out!("  witness     {} {} ✗", Shown(&w.name), Shown(e)),
        }
    }
    out!(
        "  policy      {} of the witnesses verified; {} required {}",
        v.verified,
        v.rule,
        if v.met { "✓" } else { "✗" }
    );
    Ok(())
}

pub fn verify_receipt(
    ctx: &Ctx,
    file: &Path,
    log_key: &str,
    witnesses: &PolicyArgs,
) -> Result<Outcome> {
    let key = vkey_arg(log_key).context("--log-key")?;
    let policy = policy_arg(witnesses)?;
    let bytes = read_input(file)?;
    let checked = match &policy {
        Some(p) => claimledger::format::receipt::verify_receipt_with_policy(&bytes, &key, p)
            .map(|(v, verdict)| (v, Some(verdict))),
        None => claimledger::verify_receipt(&bytes, &key).map(|v| (v, None)),
    };
    match checked {
        Ok((v, verdict)) => {
            let env = v.entry.envelope();
            let text = match v.entry.payload() {
                Some(claimledger::Payload::Claim(c)) => c.text.clone(),
                Some(claimledger::Payload::Statement(s)) => s.text.clone(),
                Some(claimledger::Payload::Key(k)) => format!("{:?} {}", k.action, k.name),
                Some(claimledger::Payload::Redaction(r)) => {
                    format!("{} ({})", r.reason, r.category)
                }
                None => v
                    .entry
                    .withheld()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            };
            if ctx.json {
                print_json(&json!({
                    "ok": true, "index": v.index, "leaf_hash": hex::encode(env.leaf_hash()),
                    "kind": env.kind().as_str(), "text": text,
                    "signer_name": env.signer().name(), "signer": env.signer().to_string(),
                    "recorded_at": env.recorded_at(),
                    "checkpoint": {"origin": v.checkpoint.origin, "size": v.checkpoint.size,
                                   "root": hex::encode(v.checkpoint.root)},
                    "payload": v.entry.payload_json(),
                    "withheld": v.entry.withheld().map(super::output::withheld_json),
                    "witness_policy": verdict.as_ref().map(verdict_json),
                }))?;
            } else {
                out!("receipt verified");
                out!(
                    "  checkpoint  {} size {} signed by {} ✓",
                    Shown(&v.checkpoint.origin),
                    v.checkpoint.size,
                    key.key_id()
                );
                out!("  inclusion   entry {} is in that tree ✓", v.index);
                out!(
                    "  author      signed by {} at {} ✓",
                    Shown(env.signer()),
                    Shown(env.recorded_at())
                );
                match v.entry.withheld() {
                    None => {
                        out!("  payload     hash matches the envelope ✓");
                        out!("  {}: \"{}\"", env.kind().as_str(), Shown(&text));
                    }
                    Some(w) => {
                        out!(
                            "  payload     {}: the redaction is signed by the log key and in that tree ✓",
                            Shown(w)
                        );
                        out!("  {}: {}", env.kind().as_str(), Shown(&text));
                    }
                }
                if let Some(verdict) = &verdict {
                    print_verdict(verdict)?;
                }
            }
            Ok(Outcome::Ok)
        }
        Err(e) => {
            let verdict = match &e {
                ReceiptError::PolicyNotMet(v) => Some(v),
                _ => None,
            };
            if ctx.json {
                print_json(&json!({"ok": false, "error": e.to_string(),
                                   "witness_policy": verdict.map(verdict_json)}))?;
            } else {
                if let Some(v) = verdict {
                    print_verdict(v)?;
                }
                // One line, last: escaped text cannot fake a verdict after it.
                out!("receipt FAILED verification: {}", Shown(&e));
            }
            Ok(Outcome::VerificationFailed)
        }
    }
}

/// `audit --resume STATE` and `--save-state FILE`.
pub struct StateArgs<'a> {
    pub resume: Option<&'a Path>,
    pub save: Option<&'a Path>,
}

pub fn audit(
    ctx: &Ctx,
    log_key: Option<&str>,
    against: Option<&Path>,
    witnesses: &PolicyArgs,
    state: StateArgs<'_>,
) -> Result<Outcome> {
    let ledger = ctx.open_read()?;
    let log_key = log_key.map(vkey_arg).transpose().context("--log-key")?;
    let policy = policy_arg(witnesses)?;
    let against = against
        .map(|p| std::fs::read(p).with_context(|| format!("reading --against {}", p.display())))
        .transpose()?;
    let resume = state
        .resume
        .map(|p| {
            let bytes =
                read_input(p).with_context(|| format!("reading --resume {}", p.display()))?;
            AuditState::parse(&bytes).with_context(|| format!("--resume {}", p.display()))
        })
        .transpose()?;
    let bar = super::progress::Progress::new(ctx.json, "auditing", "entries");
    let progress = |done: u64, total: u64| bar.update(done, total);
    let report = ledger.audit_with(AuditOptions {
        log_key,
        against,
        policy,
        progress: Some(&progress),
        resume: resume.as_ref(),
    })?;
    bar.finish();
    // Read without locks (the file is not writable here)? Then a verdict needs a still file.
    ledger.check_unchanged()?;
    // Saved before the verdict is printed: a state that could not be written is an error (exit
    // 2), not a pass. Never on failure: the state vouches only for what passed.
    let saved = match (state.save, report.ok) {
        (Some(path), true) => {
            let Some(st) = &report.state else {
                return Err(claimledger::ledger::audit::AuditStateError::Unavailable(
                    "the audit passed, but the ledger has no signed checkpoint to anchor a state at; nothing was saved".into(),
                ))
                .with_context(|| format!("--save-state {}", path.display()));
            };
            write_replacing(path, st.to_json().as_bytes())
                .with_context(|| format!("saving the audit state to {}", path.display()))?;
            Some((path, st.size()))
        }
        _ => None,
    };
    let finding_json =
        |f: &claimledger::Finding| json!({"code": f.code, "index": f.index, "message": f.message});
    if ctx.json {
        print_json(&json!({
            "ok": report.ok,
            "entries": report.entries,
            "checkpoints": report.checkpoints,
            "cosignatures": report.cosignatures,
            "keys": report.keys,
            "log_vkey": report.log_key.to_string(),
            "log_key_pinned": report.log_key_pinned,
            "elapsed_ms": report.elapsed.as_millis() as u64,
            "resumed_from": report.resumed_from,
            "entries_checked": report.checked,
            "state_saved": saved.map(|(p, _)| p.display().to_string()),
            "state_size": saved.map(|(_, m)| m),
            "findings": report.findings.iter().map(finding_json).collect::<Vec<_>>(),
            "notices": report.notices.iter().map(finding_json).collect::<Vec<_>>(),
        }))?;
    } else {
        // Notices go to standard error like every other command's (docs/CLI.md, Output).
        if !report.log_key_pinned {
            eprintln!(
                "notice: using the log key recorded in the ledger ({}); pin it with --log-key to detect a swapped key",
                Shown(&report.log_key)
            );
        }
        for n in &report.notices {
            eprintln!("notice: {}", Shown(&n.message));
        }
        if let Some((path, m)) = saved {
            eprintln!(
                "notice: audit state at size {m} saved to {}; next time: claimledger audit --resume {}",
                Shown(path.display()),
                Shown(path.display())
            );
        }
        if report.ok {
            match report.resumed_from {
                None => out!(
                    "audit passed: {} entries, {} checkpoints, {} cosignatures, {} keys verified in {:.2?}",
                    report.entries,
                    report.checkpoints,
                    report.cosignatures,
                    report.keys,
                    report.elapsed
                ),
                Some(m) => out!(
                    "audit passed (resumed from size {m}): {} new entries of {}, {} checkpoints, {} cosignatures verified, tree consistent with the audited root, {} keys, in {:.2?}",
                    report.checked,
                    report.entries,
                    report.checkpoints,
                    report.cosignatures,
                    report.keys,
                    report.elapsed
                ),
            }
        } else {
            for f in &report.findings {
                let at = f.index.map(|i| format!(" at {i}")).unwrap_or_default();
                out!("  [{}{at}] {}", f.code, Shown(&f.message));
            }
            // The verdict comes last, on its own line, so nothing printed after it can hide it.
            out!("audit FAILED: {} findings", report.findings.len());
        }
    }
    Ok(if report.ok {
        Outcome::Ok
    } else {
        Outcome::VerificationFailed
    })
}
