//! `claimreview` and `import-claimreview`: rated statements out as schema.org ClaimReview
//! JSON-LD, ClaimReview archives and feeds in as signed entries.

use super::output::{print_json, rating_text};
use super::{Ctx, Outcome, Shown, read_input};
use anyhow::{Context, Result};
use claimledger::ledger::claimreview::ImportReviewOptions;
use serde_json::{Value, json};
use std::path::Path;

pub fn export(ctx: &Ctx, reference: &str) -> Result<Outcome> {
    let ledger = ctx.open()?;
    let idx = ledger
        .resolve(reference)
        .with_context(|| format!("finding {reference:?}"))?;
    let reviews = ledger.claim_reviews(idx)?;
    if ctx.json {
        print_json(&Value::Array(reviews))?;
        return Ok(Outcome::Ok);
    }
    let claim = ledger.root_claim(idx)?;
    if reviews.is_empty() {
        out!(
            "(no rated statement about #{claim}; record one with a statement command and --rating LABEL)"
        );
    }
    for r in &reviews {
        out!("{}", review_text(r));
    }
    Ok(Outcome::Ok)
}

/// One review on two lines: the verdict with its link, then the claim and who rated it.
fn review_text(r: &Value) -> String {
    let rating = &r["reviewRating"];
    let label = claimledger::Rating {
        label: rating["alternateName"].as_str().unwrap_or_default().into(),
        value: rating["ratingValue"].as_i64(),
        best: rating["bestRating"].as_i64(),
        worst: rating["worstRating"].as_i64(),
        review_url: r["url"].as_str().map(str::to_string),
    };
    format!(
        "{}\n  claim: \"{}\"\n  by {} on {} · receipt {}",
        // Each field escaped on its own, so a newline in a claim cannot start a fake line.
        Shown(rating_text(&label)),
        Shown(r["claimReviewed"].as_str().unwrap_or_default()),
        Shown(r["author"]["name"].as_str().unwrap_or_default()),
        Shown(r["datePublished"].as_str().unwrap_or_default()),
        Shown(r["subjectOf"]["url"].as_str().unwrap_or_default()),
    )
}

pub fn import(ctx: &Ctx, file: &Path, strict: bool) -> Result<Outcome> {
    let key = ctx.signing_key()?;
    let input = read_input(file)?;
    // read_input stops at 16 MiB: a feed that fills it is refused rather than cut.
    if input.len() >= 16 << 20 {
        anyhow::bail!(
            "{} is 16 MiB or more; split the feed into smaller files and import each (re-importing adds nothing)",
            file.display()
        );
    }
    let (mut ledger, notice) = ctx.open_for_append()?;
    let report = ledger
        .import_claim_reviews(&input, &key, ImportReviewOptions { strict })
        .with_context(|| format!("importing ClaimReview from {}", file.display()))?;
    let written = report.claims_added + report.statements_added > 0;
    if written && report.checkpoint.is_none() {
        if let Some(n) = notice {
            eprintln!("notice: {}", Shown(n));
        }
    }
    if ctx.json {
        print_json(&json!({
            "items": report.items,
            "claims_added": report.claims_added,
            "statements_added": report.statements_added,
            "already_present": report.already_present,
            "bad": report.bad.iter().map(|b| json!({"position": b.position, "reason": b.reason})).collect::<Vec<_>>(),
            "strict": strict,
            "checkpoint_size": report.checkpoint.as_ref().map(|c| c.checkpoint.size),
        }))?;
    } else {
        out!(
            "{} items: {} claims and {} rated statements added, {} already present, {} bad{}",
            report.items,
            report.claims_added,
            report.statements_added,
            report.already_present,
            report.bad.len(),
            if strict && !report.bad.is_empty() {
                " (--strict: nothing imported)"
            } else {
                ""
            }
        );
        for b in &report.bad {
            out!("  bad item {}: {}", Shown(&b.position), Shown(&b.reason));
        }
    }
    if report.bad.is_empty() {
        Ok(Outcome::Ok)
    } else {
        Ok(Outcome::VerificationFailed)
    }
}
