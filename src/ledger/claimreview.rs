//! Fact-check interop in the ledger: a ledger's publisher settings and ClaimReview export
//! ([`Ledger::claim_reviews`]), and ClaimReview archives imported as signed claims and rated
//! statements ([`Ledger::import_claim_reviews`]). The JSON-LD mapping itself is
//! [`crate::format::claimreview`] (docs/FORMAT.md Appendix A).

use crate::error::{Error, Result};
use crate::format::claimreview::{Publisher, claim_reviews, review, split};
use crate::format::entry::{Kind, SignedEntry, Target};
use crate::format::keys::SigningKey;
use crate::ledger::prove::SignedCheckpoint;
use crate::ledger::settings::Setting;
use crate::ledger::{Ledger, store};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// How to import.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportReviewOptions {
    /// All or nothing: when any item is bad, nothing is written.
    pub strict: bool,
}

/// An item that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadItem {
    /// Where it is in the input: `$` (the one object), `[3]` (an array element),
    /// `dataFeedElement[3]` or `dataFeedElement[3].item[0]`; indexes are 0-based.
    pub position: String,
    /// What is wrong.
    pub reason: String,
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ReviewImportReport {
    /// ClaimReview items found (good and bad).
    pub items: usize,
    /// Claims appended.
    pub claims_added: u64,
    /// Rated statements appended.
    pub statements_added: u64,
    /// Good reviews whose rated statement was already in the ledger (a re-import).
    pub already_present: u64,
    /// Items not imported.
    pub bad: Vec<BadItem>,
    /// The checkpoint signed after the import, when entries were written and the operator key
    /// is loaded.
    pub checkpoint: Option<SignedCheckpoint>,
}

impl Ledger {
    /// The publisher settings of this ledger.
    pub fn publisher(&self) -> Result<Publisher> {
        Ok(Publisher {
            name: self.setting(Setting::PublisherName)?,
            url: self.setting(Setting::PublisherUrl)?,
            ledger_url: self.setting(Setting::LedgerUrl)?,
            static_layout: false,
        })
    }

    /// The ClaimReview JSON-LD of the claim `index` names (a statement names the claim at the
    /// root of its chain): see [`claim_reviews`].
    pub fn claim_reviews(&self, index: u64) -> Result<Vec<Value>> {
        let root = self.root_claim(index)?;
        let h = self.history(root)?;
        Ok(claim_reviews(&h.claim, &h.statements, &self.publisher()?))
    }
}

impl Ledger {
    /// Import ClaimReview JSON-LD from `input`: one claim per distinct `claimReviewed` +
    /// `itemReviewed` (an identical claim already in the ledger is reused) and one rated
    /// statement per review, signed by `key` now, with the review's `url` as its source and
    /// review URL. A statement identical to one already about the same claim is skipped, so
    /// importing the same input twice adds nothing. Everything is appended in one transaction.
    ///
    /// Bad items are listed in the report; with `strict`, any bad item means nothing is
    /// written. Input that is not JSON, or neither an object nor an array, is an error and
    /// changes nothing.
    pub fn import_claim_reviews(
        &mut self,
        input: &[u8],
        key: &SigningKey,
        opts: ImportReviewOptions,
    ) -> Result<ReviewImportReport> {
        let default_author = self.setting(Setting::PublisherName)?;
        let items = split(input)?;
        let mut report = ReviewImportReport {
            items: items.len(),
            ..Default::default()
        };
        let mut reviews = Vec::new();
        for (position, raw) in items {
            match review(raw.get(), default_author.as_deref()) {
                Ok(r) => reviews.push(r),
                Err(reason) => report.bad.push(BadItem { position, reason }),
            }
        }
        if opts.strict && !report.bad.is_empty() {
            return Ok(report);
        }

        // What is already here: claims by payload bytes, statements by (target, payload bytes).
        let mut claims: HashMap<Vec<u8>, Target> = HashMap::new();
        let mut statements: HashSet<(u64, Vec<u8>)> = HashSet::new();
        for row in store::rows(&self.store.conn, 0, u64::MAX)? {
            // A withheld payload matches nothing: its bytes are gone.
            let Some(payload) = row.payload else {
                continue;
            };
            if row.kind == Kind::Claim.as_str() {
                let leaf_hash = row
                    .leaf_hash
                    .as_slice()
                    .try_into()
                    .map_err(|_| Error::Corrupt(format!("entry {}: leaf hash", row.idx)))?;
                claims.insert(
                    payload,
                    Target {
                        index: row.idx,
                        leaf_hash,
                    },
                );
            } else if let (true, Some(t)) = (row.kind == Kind::Statement.as_str(), row.target_idx) {
                statements.insert((t, payload));
            }
        }

        let mut next = self.size()?;
        let mut batch = Vec::new();
        for r in reviews {
            let target = match claims.get(&r.claim.1) {
                Some(t) => *t,
                None => {
                    let signed = SignedEntry::sign(r.claim.0, None, key)?;
                    let t = Target {
                        index: next,
                        leaf_hash: signed.envelope().leaf_hash(),
                    };
                    next += 1;
                    batch.push(signed);
                    report.claims_added += 1;
                    claims.insert(r.claim.1, t);
                    t
                }
            };
            if !statements.insert((target.index, r.statement.1)) {
                report.already_present += 1;
                continue;
            }
            batch.push(SignedEntry::sign(r.statement.0, Some(target), key)?);
            next += 1;
            report.statements_added += 1;
        }
        if !batch.is_empty() {
            let done = self.append_batch(batch)?;
            report.checkpoint = done.into_iter().last().and_then(|a| a.checkpoint);
        }
        Ok(report)
    }
}
