//! `claimledger mirror SOURCE`: copy a published log into a replica, verifying everything, and
//! write fork evidence when the source contradicts what the replica accepted.

use super::args::MirrorArgs;
use super::output::print_json;
use super::verify::policy_arg;
use super::{Ctx, Outcome, Shown, vkey_arg, write_new, write_replacing};
use anyhow::{Context, Result};
use claimledger::mirror::{MirrorError, MirrorOptions, MirrorReport};
use serde_json::json;
use std::path::{Path, PathBuf};

pub fn run(ctx: &Ctx, a: MirrorArgs) -> Result<Outcome> {
    let log_key = vkey_arg(&a.log_key).context("--log-key")?;
    let policy = policy_arg(&a.witnesses)?;
    let objects = claimledger::objects::open(&a.source)
        .with_context(|| format!("opening the source {}", Shown(&a.source)))?;
    let bar = super::progress::Progress::new(ctx.json, "mirroring", "entries");
    let progress = |done: u64, total: u64| bar.update(done, total);
    let result = claimledger::mirror::mirror(
        objects.as_ref(),
        &MirrorOptions {
            source: &a.source,
            ledger: &ctx.ledger,
            log_key: &log_key,
            policy: policy.as_ref(),
            progress: Some(&progress),
        },
    );
    bar.finish();
    match result {
        Ok(report) => {
            // Beside the replica: `audit --resume COPY.db.audit-state.json` then checks only
            // what later runs add.
            let state_path = report.audit_state.as_ref().map(|st| {
                let path = audit_state_path(&ctx.ledger);
                write_replacing(&path, st.to_json().as_bytes()).map(|_| path)
            });
            let state_path = state_path
                .transpose()
                .context("saving the replica's audit state")?;
            print_report(ctx, &report, state_path.as_deref())?;
            Ok(Outcome::Ok)
        }
        Err(MirrorError::Fork {
            rollback,
            accepted_size,
            served_size,
            evidence,
            verdict,
        }) => {
            let path = a
                .evidence
                .clone()
                .unwrap_or_else(|| default_evidence_path(&ctx.ledger));
            let mut text = evidence;
            text.push('\n');
            write_new(&path, text.as_bytes()).context("writing the fork evidence")?;
            let message = MirrorError::Fork {
                rollback,
                accepted_size,
                served_size,
                evidence: String::new(),
                verdict,
            }
            .to_string();
            if ctx.json {
                print_json(&json!({
                    "ok": false,
                    "error": message,
                    "kind": if rollback { "rollback" } else { "fork" },
                    "accepted_size": accepted_size,
                    "served_size": served_size,
                    "evidence": path.display().to_string(),
                    "replica_unchanged": true,
                }))?;
            }
            eprintln!("claimledger: error: {}", Shown(&message));
            eprintln!(
                "hint: the replica was left unchanged; the evidence ({}) holds both signed checkpoints and the proof: anyone can check it with 'claimledger verify-evidence {} --log-key VKEY'; keep it and tell the log's readers",
                Shown(path.display()),
                Shown(path.display())
            );
            Ok(Outcome::VerificationFailed)
        }
        Err(e) if e.is_verification_failure() => {
            let message = format!("{:#}", anyhow::Error::new(e));
            if ctx.json {
                print_json(&json!({"ok": false, "error": message, "replica_unchanged": true}))?;
            }
            eprintln!("claimledger: error: {}", Shown(&message));
            eprintln!(
                "hint: the replica was left unchanged and no evidence was written (bad data is not a signed contradiction); run the mirror again later, and tell the source's operator if it persists"
            );
            Ok(Outcome::VerificationFailed)
        }
        Err(e) => Err(anyhow::Error::new(e)).with_context(|| {
            format!(
                "mirroring {} into {}",
                Shown(&a.source),
                Shown(ctx.ledger.display())
            )
        }),
    }
}

/// `<ledger>.audit-state.json`: the replica's incremental audit state (FORMAT.md §20).
pub fn audit_state_path(ledger: &Path) -> PathBuf {
    let mut p = ledger.as_os_str().to_owned();
    p.push(".audit-state.json");
    PathBuf::from(p)
}

/// `<ledger>.evidence-<UTC time>.json`, beside the replica.
fn default_evidence_path(ledger: &Path) -> PathBuf {
    let stamp: String = claimledger::format::time::now_rfc3339()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let mut p = ledger.as_os_str().to_owned();
    p.push(format!(".evidence-{stamp}.json"));
    PathBuf::from(p)
}

fn print_report(ctx: &Ctx, r: &MirrorReport, state: Option<&Path>) -> Result<()> {
    if ctx.json {
        return print_json(&json!({
            "ok": true,
            "ledger": r.ledger.display().to_string(),
            "created": r.created,
            "up_to_date": r.up_to_date,
            "old_size": r.old_size,
            "new_size": r.new_size,
            "appended": r.appended,
            "redactions_applied": r.redactions_applied,
            "checkpoint": r.checkpoint,
            "policy": r.policy.as_ref().map(|v| json!({"met": v.met, "verified": v.verified, "rule": v.rule})),
            "objects_fetched": r.objects_fetched,
            "bytes_fetched": r.bytes_fetched,
            "audit_state": state.map(|p| p.display().to_string()),
            "warnings": r.warnings,
            "elapsed_ms": r.elapsed.as_millis() as u64,
        }));
    }
    if r.up_to_date {
        out!(
            "up to date: {} holds the source's checkpoint at size {}",
            Shown(r.ledger.display()),
            r.new_size
        );
    } else {
        let secs = r.elapsed.as_secs_f64();
        out!(
            "{} {}: {} entries copied ({} -> {}), every entry and rule verified, checkpoint consistent with the last one accepted",
            if r.created {
                "created replica"
            } else {
                "updated replica"
            },
            Shown(r.ledger.display()),
            r.appended,
            r.old_size,
            r.new_size
        );
        out!(
            "read {} objects ({} bytes) in {:.2} s ({:.0} entries/s)",
            r.objects_fetched,
            r.bytes_fetched,
            secs,
            r.appended as f64 / secs.max(1e-9)
        );
        if r.redactions_applied > 0 {
            out!(
                "{} redactions applied: the payloads they withhold were erased from the replica too",
                r.redactions_applied
            );
        }
    }
    if let Some(p) = state {
        out!(
            "audit state saved to {}: 'claimledger --ledger {} audit --resume {}' checks only what later runs add",
            Shown(p.display()),
            Shown(r.ledger.display()),
            Shown(p.display())
        );
    }
    if let Some(v) = &r.policy {
        out!("witness policy met: {} ({} verified)", v.rule, v.verified);
    }
    for w in &r.warnings {
        eprintln!("warning: {}", Shown(w));
    }
    Ok(())
}
