//! What a publish run did: objects written, skipped and deleted, by kind, and how long it took.

use serde::Serialize;
use std::collections::BTreeMap;

/// The kinds of published objects, for counts and bytes per kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// `tile/<L>/…`
    HashTile,
    /// `tile/entries/…`
    EntryBundle,
    /// `tile/payloads/…`
    PayloadBundle,
    /// `receipt/…`
    Receipt,
    /// The reader pages (`index.html`, `assets/…`, `site/…`).
    Site,
    /// `checkpoint`
    Checkpoint,
}

/// Objects and bytes written of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KindTotals {
    /// Objects written (`put`).
    pub written: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// The summary of one [`super::publish`] run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PublishReport {
    /// The destination, as [`crate::objects::Objects::describe`] names it.
    pub destination: String,
    /// The size the destination's checkpoint had before the run (0: none).
    pub old_size: u64,
    /// The size of the checkpoint published (the destination's checkpoint after the run).
    pub new_size: u64,
    /// Entries published for the first time (`new_size - old_size`).
    pub entries: u64,
    /// Everything was rewritten (`--full`, see [`super::PublishOptions::full`]).
    pub full: bool,
    /// Nothing needed writing.
    pub up_to_date: bool,
    /// Objects written.
    pub written: u64,
    /// Objects of the published tree already there and left alone.
    pub skipped: u64,
    /// Deletions issued: superseded partial payload bundles and receipts that would still show
    /// a withheld payload (a deletion of an object already absent counts too).
    pub deleted: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Written objects and bytes by kind.
    pub by_kind: BTreeMap<ObjectKind, KindTotals>,
    /// Redactions whose withholding this run carried into the published objects.
    pub redactions: u64,
    /// Entries whose payload is withheld by a redaction the published checkpoint does not cover
    /// yet: their receipts are removed until a checkpoint covers the redaction.
    pub withheld_pending: Vec<u64>,
    /// Wall-clock seconds.
    pub seconds: f64,
}
