//! `claimledger publish DEST`: write the ledger as static objects (docs/FORMAT.md §18).

use super::output::{Shown, print_json};
use super::{Ctx, Outcome};
use anyhow::{Context, Result};
use claimledger::publish::{ObjectKind, PublishError, PublishOptions, PublishReport, publish};

pub fn run(ctx: &Ctx, dest: &str, full: bool) -> Result<Outcome> {
    let ledger = ctx.open_read()?;
    let objects = claimledger::objects::open(dest)
        .with_context(|| format!("opening the destination {}", Shown(dest)))?;
    let bar = super::progress::Progress::new(ctx.json, "publishing", "objects");
    let progress = |done: u64, total: u64| bar.update(done, total);
    let result = publish(
        &ledger,
        objects.as_ref(),
        PublishOptions {
            full,
            progress: Some(&progress),
        },
    );
    bar.finish();
    match result {
        Ok(report) => {
            print_report(ctx, &report)?;
            Ok(Outcome::Ok)
        }
        Err(e @ PublishError::OtherHistory { .. }) => {
            if ctx.json {
                print_json(&serde_json::json!({"ok": false, "error": e.to_string()}))?;
            }
            eprintln!("claimledger: error: {}", Shown(&e));
            eprintln!(
                "hint: publish each ledger to its own destination; if this ledger was restored from a backup, restore the newest one (the destination shows what was published)"
            );
            Ok(Outcome::VerificationFailed)
        }
        Err(e) => Err(e).with_context(|| format!("publishing to {}", objects.describe())),
    }
}

fn kind_name(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::HashTile => "hash tiles",
        ObjectKind::EntryBundle => "entry bundles",
        ObjectKind::PayloadBundle => "payload bundles",
        ObjectKind::Receipt => "receipts",
        ObjectKind::Site => "reader pages",
        ObjectKind::Checkpoint => "checkpoint",
    }
}

fn print_report(ctx: &Ctx, r: &PublishReport) -> Result<()> {
    if ctx.json {
        let mut v = serde_json::to_value(r).context("the publish report as JSON")?;
        v["ok"] = true.into();
        return print_json(&v);
    }
    let dest = Shown(&r.destination);
    if r.up_to_date {
        out!(
            "{dest} is up to date: checkpoint at size {} (nothing written)",
            r.new_size
        );
        return Ok(());
    }
    out!(
        "published {dest}: size {} -> {} ({} new entries{})",
        r.old_size,
        r.new_size,
        r.entries,
        if r.full { ", everything rewritten" } else { "" }
    );
    for (kind, t) in &r.by_kind {
        out!(
            "  {:<16} {:>9} written  {:>12} bytes",
            kind_name(*kind),
            t.written,
            t.bytes
        );
    }
    out!(
        "  objects: {} written ({} bytes), {} skipped (already published), {} deleted",
        r.written,
        r.bytes,
        r.skipped,
        r.deleted
    );
    if r.redactions > 0 {
        out!(
            "  {} redaction(s) carried into published payload bundles and receipts",
            r.redactions
        );
    }
    if !r.withheld_pending.is_empty() {
        out!(
            "  no receipt for withheld entries {:?}: their redaction is not in the published checkpoint yet; run 'claimledger checkpoint --sign', then publish again",
            r.withheld_pending
        );
    }
    out!("  {:.2} s", r.seconds);
    Ok(())
}
