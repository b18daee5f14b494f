//! Carrying a redaction into objects already published: no withheld payload may stay at any
//! published path once a run completes, not even in an older partial payload bundle.
//!
//! A redaction appended at index `r` is *pending* for a destination whose checkpoint has size
//! `m <= r`: the destination was published before it. Every run redoes the work for every
//! pending redaction (it is idempotent), so a run stopped anywhere is made good by the next one;
//! once a checkpoint covering `r` is published, the redaction is no longer pending, and by then
//! its rewrites are all done, because they come before that checkpoint is written.

use super::PublishError;
use super::layout::{self, JSON, OCTETS};
use super::report::ObjectKind;
use super::writer::Pool;
use crate::format::entry::Withheld;
use crate::format::tiles::{TILE_WIDTH, TileKind, TilePath};
use crate::ledger::SignedCheckpoint;
use crate::objects::Cache;
use crate::{Error, Ledger};
use std::collections::{BTreeMap, BTreeSet};

/// Withheld entries whose redaction is at index `from` or later: `(entry, withheld)`.
pub fn pending(ledger: &Ledger, from: u64) -> Result<Vec<(u64, Withheld)>, Error> {
    ledger.withheld_since(from)
}

/// What [`carry`] did.
pub struct Carried {
    /// Objects of the tree at the new size written (for the report's `skipped`).
    pub current: u64,
    /// Entries withheld by a redaction the published checkpoint does not cover.
    pub withheld_pending: Vec<u64>,
}

/// Queue the rewrites and deletions `pending` redactions need, for a run that publishes
/// `target` (size `n`) over a destination at size `m`, having written everything new since
/// `from` (`from` = `m`, or 0 for a full run).
///
/// For each entry `t` withheld:
/// - its payload bundle at `n` is rewritten (unless this run wrote it already), and so is the
///   partial one the old checkpoint at `m` shows (still published until the new checkpoint is
///   written);
/// - every other partial payload bundle of its tile that could hold it (widths above its offset)
///   is deleted: no checkpoint shows them, but an earlier run may have left one;
/// - its receipt is rewritten with the proof of withholding, or deleted when `target` does not
///   cover the redaction yet.
pub fn carry(
    ledger: &Ledger,
    pool: &Pool<'_>,
    target: &SignedCheckpoint,
    m: u64,
    from: u64,
    pending: &[(u64, Withheld)],
) -> Result<Carried, PublishError> {
    let n = target.checkpoint.size;
    let mut carried = Carried {
        current: 0,
        withheld_pending: Vec::new(),
    };
    // This run wrote every tile of index from/256 up (when it wrote any).
    let written_by_run = |tile: &TilePath| n > from && tile.index >= from / TILE_WIDTH;
    let mut rewritten = BTreeSet::new();
    // Per tile, the lowest width that could hold a withheld payload.
    let mut lowest: BTreeMap<u64, u64> = BTreeMap::new();
    let mut keep: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for &(t, w) in pending {
        let Some(current) = layout::payload_bundle_at(t, n) else {
            continue; // not in the published tree at all
        };
        if !written_by_run(&current) && rewritten.insert(current.to_path()) {
            put_bundle(ledger, pool, &current)?;
            carried.current += 1;
        }
        let keep = keep.entry(current.index).or_default();
        keep.push(current.width);
        if let Some(old) = layout::payload_bundle_at(t, m).filter(|o| *o != current) {
            if rewritten.insert(old.to_path()) {
                put_bundle(ledger, pool, &old)?;
            }
            keep.push(old.width);
        }
        let low = lowest.entry(current.index).or_insert(TILE_WIDTH);
        *low = (*low).min(t % TILE_WIDTH + 1);

        let path = layout::receipt_path(t);
        if w.redaction < n {
            if t < from {
                let r = ledger.receipt_against(t, target)?;
                pool.put(
                    ObjectKind::Receipt,
                    path,
                    r.to_pretty().into_bytes(),
                    JSON,
                    Cache::Revisable,
                )?;
                carried.current += 1;
            }
        } else {
            pool.delete(path)?;
            carried.withheld_pending.push(t);
        }
    }
    for (index, low) in lowest {
        let keep = &keep[&index];
        for width in (low..TILE_WIDTH).filter(|w| !keep.contains(w)) {
            let stale = TilePath {
                kind: TileKind::Payloads,
                index,
                width,
            };
            pool.delete(stale.to_path())?;
        }
    }
    Ok(carried)
}

fn put_bundle(ledger: &Ledger, pool: &Pool<'_>, tile: &TilePath) -> Result<(), PublishError> {
    let bytes = ledger.tile(tile)?.ok_or_else(|| {
        Error::Corrupt(format!(
            "{} is published but the ledger has no data for it",
            tile.to_path()
        ))
    })?;
    pool.put(
        ObjectKind::PayloadBundle,
        tile.to_path(),
        bytes,
        OCTETS,
        Cache::Revisable,
    )?;
    Ok(())
}
