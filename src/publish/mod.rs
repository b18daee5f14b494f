//! `claimledger publish`: the ledger as static objects (docs/FORMAT.md §18) that any file host,
//! bucket or CDN can serve, written incrementally and checkpoint last.
//!
//! | file | noun |
//! | --- | --- |
//! | `destination.rs` | the checkpoint a destination already publishes, verified against the ledger |
//! | `layout.rs` | which tiles, bundles and receipts exist at a size; paths and content types |
//! | `redactions.rs` | carrying a redaction into objects already published |
//! | `report.rs` | what a run did |
//! | `site.rs` | the static reader pages |
//! | `writer.rs` | parallel object writes |
//!
//! The order of one run, which a reader relies on: every object of the new tree (and every
//! rewrite a redaction needs) is written first; then `checkpoint`; then superseded partial
//! payload bundles are deleted. A run stopped anywhere leaves the old checkpoint published over
//! objects that are all present, and the next run redoes what was left.

mod destination;
pub mod layout;
mod redactions;
mod report;
pub mod site;
mod writer;

pub use report::{KindTotals, ObjectKind, PublishReport};

use crate::Ledger;
use crate::error::Error;
use crate::format::tiles::TileKind;
use crate::ledger::SignedCheckpoint;
use crate::objects::{Cache, ObjectError, Objects};
use layout::{CHECKPOINT, JSON, NOTE, OCTETS};
use std::time::Instant;

/// Options of [`publish`].
#[derive(Clone, Copy, Default)]
pub struct PublishOptions<'a> {
    /// Rewrite every object of the published tree, as on a first run, even those the
    /// destination's checkpoint shows are there (after a change of the reader pages, or to
    /// repair a destination edited by hand). The destination's checkpoint is still verified
    /// first: `full` never publishes over another history.
    pub full: bool,
    /// Called on the caller's thread as objects are queued: `(done, total)`.
    pub progress: Option<&'a dyn Fn(u64, u64)>,
}

impl std::fmt::Debug for PublishOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishOptions")
            .field("full", &self.full)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Why a publish run did not complete. In every case the destination's checkpoint is the one
/// it had before (or, for [`PublishError::Objects`] during the final deletions, the new one
/// over complete objects); run again once the cause is fixed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The destination publishes a history this ledger does not extend: another log, another
    /// key, a fork, or a ledger behind it. Nothing was written.
    #[error("{location} holds another history: {detail}; nothing was written")]
    OtherHistory {
        /// the destination
        location: String,
        /// what disagrees
        detail: String,
    },
    /// The ledger could not be read (or has nothing signed to publish).
    #[error(transparent)]
    Ledger(#[from] Error),
    /// The destination refused or failed a read or write.
    #[error(transparent)]
    Objects(#[from] ObjectError),
}

/// Publish the ledger's latest signed checkpoint, with every object it needs, to `objects`.
///
/// The checkpoint is the latest the ledger signed or, when the ledger has a witness policy,
/// the newest that meets it (as [`Ledger::receipt`] chooses): a published tree is always one the
/// log key signed and the witnesses vouched for. Contracts:
/// - the destination's own `checkpoint` MUST verify with this ledger's log key and origin and
///   have this ledger's root at its size, else [`PublishError::OtherHistory`] and nothing is
///   written;
/// - only objects new since that checkpoint are written (all with [`PublishOptions::full`]),
///   plus what a redaction appended since requires: payload bundles and receipts rewritten so
///   no withheld payload stays at any published path;
/// - `checkpoint` is written last, after every object it needs; a destination never goes back
///   to a smaller checkpoint.
pub fn publish(
    ledger: &Ledger,
    objects: &dyn Objects,
    opts: PublishOptions<'_>,
) -> Result<PublishReport, PublishError> {
    let started = Instant::now();
    let published = destination::read(ledger, objects)?;
    let m = published.as_ref().map_or(0, |p| p.size);
    let mut target = to_publish(ledger)?;
    if m > target.checkpoint.size {
        // The destination is ahead of the checkpoint chosen (one that met a witness policy
        // since changed): keep it rather than roll readers back.
        target = ledger.checkpoint(Some(m))?;
    }
    let n = target.checkpoint.size;
    let from = if opts.full { 0 } else { m };
    let pending = redactions::pending(ledger, from)?;
    let note_changed = published
        .as_ref()
        .is_none_or(|p| p.note != target.note.as_bytes());
    let mut report = PublishReport {
        destination: objects.describe(),
        old_size: m,
        new_size: n,
        entries: n - m,
        full: opts.full,
        ..Default::default()
    };
    if from == n && pending.is_empty() && !note_changed {
        report.up_to_date = true;
        report.skipped = objects_at(n);
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }

    let tiles = layout::new_tiles(from, n);
    let total = (tiles.len() as u64) + (n - from) + pending.len() as u64 + 1;
    let tick = |pool: &writer::Pool<'_>| {
        if let Some(p) = opts.progress {
            p(pool.queued(), total);
        }
    };
    let ((current, withheld_pending), totals) = writer::with_writers(objects, |pool| {
        let mut current = 0u64; // objects of the tree at n written (for `skipped`)
        for tile in &tiles {
            let bytes = ledger.tile(tile)?.ok_or_else(|| {
                Error::Corrupt(format!(
                    "{} is in the tree of the checkpoint at size {n} but the ledger has no data for it",
                    tile.to_path()
                ))
            })?;
            let (kind, cache) = match tile.kind {
                TileKind::Hashes { .. } => (ObjectKind::HashTile, Cache::Immutable),
                TileKind::Entries => (ObjectKind::EntryBundle, Cache::Immutable),
                TileKind::Payloads => (ObjectKind::PayloadBundle, Cache::Revisable),
            };
            pool.put(kind, tile.to_path(), bytes, OCTETS, cache)?;
            current += 1;
            tick(pool);
        }
        for index in from..n {
            match ledger.receipt_against(index, &target) {
                Ok(r) => {
                    pool.put(
                        ObjectKind::Receipt,
                        layout::receipt_path(index),
                        r.to_pretty().into_bytes(),
                        JSON,
                        Cache::Revisable,
                    )?;
                    current += 1;
                }
                // Withheld by a redaction the checkpoint does not cover: no receipt can exist
                // yet (`redactions::carry` removes any older one).
                Err(Error::NotCovered { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            tick(pool);
        }
        let carried = redactions::carry(ledger, pool, &target, m, from, &pending)?;
        current += carried.current;
        for object in site::site_objects(ledger, from, n)? {
            pool.put(
                ObjectKind::Site,
                object.path,
                object.bytes,
                object.content_type,
                object.cache,
            )?;
        }
        tick(pool);
        Ok::<_, PublishError>((current, carried.withheld_pending))
    })?;

    // Last: the checkpoint, once every object it needs is written and durable; the run is
    // durable once it returns.
    let mut deleted = totals.deleted;
    let mut by_kind = totals.by_kind;
    objects.sync()?;
    objects.put(CHECKPOINT, target.note.as_bytes(), NOTE, Cache::Checkpoint)?;
    objects.sync()?;
    let k = by_kind.entry(ObjectKind::Checkpoint).or_default();
    k.written += 1;
    k.bytes += target.note.len() as u64;
    // Then the partial payload bundle the old checkpoint showed, now superseded (a redaction's
    // rewrites already removed any withheld payload from it, so a crash before this deletion
    // leaves no withheld payload behind; see redactions.rs).
    if let Some(old) = layout::partial_payload_bundle(m) {
        if m < n {
            objects.delete(&old.to_path())?;
            deleted += 1;
        }
    }

    report.written = by_kind.values().map(|k| k.written).sum();
    report.bytes = by_kind.values().map(|k| k.bytes).sum();
    report.by_kind = by_kind;
    report.deleted = deleted;
    report.skipped = objects_at(n).saturating_sub(current);
    report.redactions = pending
        .iter()
        .map(|(_, w)| w.redaction)
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u64;
    report.withheld_pending = withheld_pending;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Tiles, bundles and receipts of the published tree of size `n`.
fn objects_at(n: u64) -> u64 {
    layout::new_tiles(0, n).len() as u64 + n
}

/// The checkpoint a run publishes: the latest signed, or under a witness policy the newest that
/// meets it.
fn to_publish(ledger: &Ledger) -> Result<SignedCheckpoint, Error> {
    let latest = ledger.checkpoint(None)?;
    match ledger.witness_policy()? {
        None => Ok(latest),
        Some(policy) if ledger.meets(&latest, &policy)? => Ok(latest),
        Some(policy) => ledger
            .newest_meeting(0, &policy)?
            .ok_or(Error::NotWitnessed { index: 0 }),
    }
}
