//! `claimledger redact`: withhold a payload by an operator-signed redaction, or sign one to
//! submit elsewhere.

use super::args::RedactArgs;
use super::output::print_json;
use super::record::{print_appended, write_line};
use super::{Ctx, Outcome};
use anyhow::{Context, Result, bail};
use claimledger::RedactionCategory;
use serde_json::json;

pub fn run(ctx: &Ctx, a: RedactArgs) -> Result<Outcome> {
    if a.scrub {
        let ledger = ctx.open()?;
        let done = ledger.scrub().context("checkpointing the WAL")?;
        if ctx.json {
            print_json(&json!({"ok": done}))?;
        } else if done {
            out!("WAL checkpointed into the file and truncated");
        } else {
            bail!(
                "a reader kept the WAL busy; nothing was truncated\nhint: stop readers (or wait for them) and run 'claimledger redact --scrub' again"
            );
        }
        return Ok(Outcome::Ok);
    }
    let (Some(reference), Some(category), Some(reason)) = (a.reference, a.category, a.reason)
    else {
        bail!("redact needs REF, --category and --reason");
    };
    let category: RedactionCategory = category.parse()?;
    let mut ledger = ctx.open_as_operator("redactions are")?;
    let index = ledger
        .resolve(&reference)
        .with_context(|| format!("finding the entry {reference:?}"))?;
    if a.sign_only {
        let key = ctx.operator_signing_key(&ledger)?;
        let signed = ledger
            .sign_redaction(index, category, &reason, &key)
            .with_context(|| format!("signing a redaction of entry {index}"))?;
        return write_line(ctx, &signed, a.out.as_deref());
    }
    let done = ledger
        .redact(index, category, &reason)
        .with_context(|| format!("redacting entry {index}"))?;
    print_appended(ctx, &done, None)
}
