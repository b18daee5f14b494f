//! The append rules, and the one checked conversion from a stored row to an entry: who may sign
//! at an index (key grants and revocations replayed from envelope bytes), statement and
//! redaction targets as their envelopes say, and derived columns compared with the envelope
//! (docs/FORMAT.md §7; issue #12: decisions never trust a column alone).

use crate::error::{Error, Result};
use crate::format::entry::{Entry, Envelope, KnownKeys, Payload, SignedEntry, Stance, Target};
use crate::format::keys::VerifyingKey;
use crate::format::kind::Kind;
use crate::format::merkle::Hash;
use crate::ledger::keybook::KeyBook;
use crate::ledger::redact;
use crate::ledger::run_memory::RunMemory;
use crate::ledger::store::{self, Row};
use std::collections::BTreeSet;

/// Replay every key entry into a fresh book. Stored key entries were checked when appended;
/// a book that cannot be rebuilt means the file was altered.
pub(crate) fn key_book_from(
    conn: &rusqlite::Connection,
    log_key: &VerifyingKey,
) -> Result<KeyBook> {
    replay_keys(conn, store::key_rows(conn)?, log_key)
}

/// The key book before index `size`: the key entries below it replayed (each re-verified).
pub(crate) fn key_book_before(
    conn: &rusqlite::Connection,
    log_key: &VerifyingKey,
    size: u64,
) -> Result<KeyBook> {
    let rows = store::key_rows(conn)?;
    replay_keys(
        conn,
        rows.into_iter().filter(|r| r.idx < size).collect(),
        log_key,
    )
}

/// The key book restricted to the keys `batch` involves: its signers and the keys its key
/// entries grant or revoke. Every rule an append applies ([`KeyBook::authorize`],
/// [`KeyBook::apply`], [`KeyBook::recorder_name`]) reads only the record of the key concerned
/// (and the operator key, which is not a record), so for these entries the restricted book
/// gives the same verdicts as the full replay while reading and verifying a handful of key
/// entries instead of all of them.
pub(crate) fn key_book_for(
    conn: &rusqlite::Connection,
    log_key: &VerifyingKey,
    batch: &[(SignedEntry, Hash)],
) -> Result<KeyBook> {
    let mut vkeys = BTreeSet::new();
    for (signed, _) in batch {
        vkeys.insert(signed.envelope().signer().to_string());
        if let Some(Payload::Key(change)) = signed.payload() {
            vkeys.insert(change.vkey.clone());
        }
    }
    let vkeys = serde_json::to_string(&vkeys).expect("a set of strings is JSON");
    replay_keys(conn, store::key_rows_for(conn, &vkeys)?, log_key)
}

fn replay_keys(
    conn: &rusqlite::Connection,
    rows: Vec<Row>,
    log_key: &VerifyingKey,
) -> Result<KeyBook> {
    let mut book = KeyBook::new(log_key.clone());
    // Key entries are signed by the operator: resolve its key without parsing it again.
    let known: KnownKeys = [(log_key.to_string(), log_key.clone())].into();
    for row in rows {
        let idx = row.idx;
        // Key entries are never withheld: a missing payload here is an edit.
        if row.payload.is_none() {
            return Err(Error::altered(format!("key entry {idx} has no payload")));
        }
        let signed = checked_signed(conn, &row, &known)?;
        if let Some(Payload::Key(change)) = signed.payload() {
            book.apply(idx, signed.envelope().signer(), change)
                .map_err(|e| Error::altered(format!("key entry {idx}: {e}")))?;
        }
    }
    Ok(book)
}

/// The one conversion from a stored row to an entry: re-verifies the envelope (canonical form,
/// signature) and the payload against it, and checks every derived column (leaf hash, kind,
/// target index) against the envelope. A disagreement is [`Error::LedgerAltered`]. A row without
/// its payload reads as withheld when a redaction names it (`conn` is asked which), and as
/// altered otherwise. Costs one signature check and one SHA-256 per row: reads stay O(entries
/// read).
pub(crate) fn entry_from_row(conn: &rusqlite::Connection, row: Row) -> Result<Entry> {
    let signed = checked_signed(conn, &row, &KnownKeys::new())?;
    Ok(Entry::new(row.idx, signed))
}

/// [`entry_from_row`] without taking the row, resolving signer keys through `known`.
pub(crate) fn checked_signed(
    conn: &rusqlite::Connection,
    row: &Row,
    known: &KnownKeys,
) -> Result<SignedEntry> {
    let idx = row.idx;
    let signed = match &row.payload {
        Some(payload) => SignedEntry::from_stored_known(&row.envelope, payload, known),
        None => {
            let withheld = redact::withheld(conn, idx)?.ok_or_else(|| {
                Error::altered(format!(
                    "entry {idx} has no payload and no redaction names it"
                ))
            })?;
            SignedEntry::from_withheld(&row.envelope, withheld)
        }
    }
    .map_err(|e| Error::altered(format!("entry {idx}: {e}")))?;
    check_columns(row, signed.envelope())?;
    Ok(signed)
}

/// Compare a row's derived columns (leaf hash, kind, target index) with its envelope.
fn check_columns(row: &Row, env: &Envelope) -> Result<()> {
    compare_columns(
        row,
        &env.leaf_hash(),
        env.kind(),
        env.target().map(|t| t.index),
    )
}

/// Compare a row's derived columns with what its envelope bytes state.
fn compare_columns(row: &Row, leaf_hash: &Hash, kind: Kind, target_idx: Option<u64>) -> Result<()> {
    let idx = row.idx;
    let disagrees = if row.leaf_hash[..] != leaf_hash[..] {
        Some("leaf_hash")
    } else if row.kind != kind.as_str() {
        Some("kind")
    } else if row.target_idx != target_idx {
        Some("target_idx")
    } else {
        None
    };
    if let Some(column) = disagrees {
        return Err(Error::altered(format!(
            "entry {idx}: the stored {column} column disagrees with the entry's signed envelope"
        )));
    }
    Ok(())
}

/// What to do with an entry whose leaf hash is already stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnDuplicate {
    /// Refuse it with [`Error::Duplicate`] (after checking its signer, as appends always did).
    Refuse,
    /// Skip it before any rule (import: an interrupted import can be run again).
    Skip,
}

/// The append rules; returns warnings, or `None` for an entry to skip as already present.
/// `book` is the key state before `index` and is updated for key entries; `leaf` is the
/// entry's leaf hash.
/// `memory`, when given, answers for the entries stored earlier in the same run.
pub(crate) fn check_rules(
    conn: &rusqlite::Connection,
    book: &mut KeyBook,
    index: u64,
    signed: &SignedEntry,
    leaf: &Hash,
    on_duplicate: OnDuplicate,
    memory: Option<&RunMemory>,
) -> Result<Option<Vec<String>>> {
    let env = signed.envelope();
    let signer = env.signer();
    // A replayed entry would record the same statement twice under a new index. One probe of
    // the leaf-hash index, inside the write transaction, also catches repeats within a batch
    // (skipped when the run's memory knows no entry has this leaf).
    let present = if memory.is_none_or(|m| m.may_hold(leaf)) {
        store::index_of_leaf(conn, leaf)?
    } else {
        None
    };
    if present.is_some() && on_duplicate == OnDuplicate::Skip {
        return Ok(None);
    }
    book.authorize(signer)?;
    if let Some(index) = present {
        return Err(Error::Duplicate { index });
    }
    let mut warnings = Vec::new();
    if index == 0 && env.kind() != Kind::Key {
        return Err(Error::KeyRule(
            "entry 0 must be the operator's own grant".into(),
        ));
    }
    match signed.payload() {
        Some(Payload::Key(change)) => book.apply(index, signer, change)?,
        Some(Payload::Redaction(_)) => redact::check(conn, book, index, env)?,
        // Withheld (an import of a redacted entry): the target is checked as for any
        // statement; that a redaction in the batch covers it is checked when the batch ends.
        None => {
            if let Some(target) = env.target() {
                check_target_in(conn, memory, index, target)?;
            }
        }
        Some(Payload::Statement(statement)) => {
            let target = env
                .target()
                .expect("Envelope::parse requires a statement target");
            let kind = check_target_in(conn, memory, index, target)?;
            if statement.stance == Stance::Retracts {
                let name = original_speaker(kind, store::payload(conn, target.index)?);
                if !name
                    .trim()
                    .eq_ignore_ascii_case(statement.speaker.name.trim())
                {
                    warnings.push(format!(
                        "entry {} retracts entry {} but its speaker {:?} is not the original claimant {:?}; recorded as said",
                        index, target.index, statement.speaker.name, name
                    ));
                }
            }
        }
        Some(Payload::Claim(_)) => {}
    }
    Ok(Some(warnings))
}

/// Whether [`check_rules`] may read the store for this entry; false only when `memory` and
/// the key book answer every rule (a claim or a key entry, or a statement other than a
/// retraction about an entry the run remembers, with a leaf the run never stored). A caller
/// that holds stored entries back to insert several at once MUST insert them before a check
/// for which this is true, so that the check sees them.
pub(crate) fn reads_store(
    signed: &SignedEntry,
    index: u64,
    leaf: &Hash,
    memory: Option<&RunMemory>,
) -> bool {
    let Some(memory) = memory else {
        return true;
    };
    if memory.may_hold(leaf) {
        return true;
    }
    match signed.payload() {
        Some(Payload::Claim(_) | Payload::Key(_)) => false,
        Some(Payload::Statement(statement)) => {
            statement.stance == Stance::Retracts
                || signed
                    .envelope()
                    .target()
                    .is_none_or(|target| remembered(Some(memory), index, target).is_none())
        }
        Some(Payload::Redaction(_)) | None => true,
    }
}

/// Check a statement's (or a redaction's) target exists before `index`, has the named leaf
/// hash and is a claim or a statement, all as the target's own envelope bytes say (never the
/// derived columns alone, which are compared with them). The signer named the target by the
/// SHA-256 of those bytes, so hashing them is what binds it; the target's own signature and
/// form were checked when it was appended and are not re-checked here (its kind is read with
/// [`Envelope::stated_kind_and_target`]). Returns the target's kind.
pub(crate) fn check_target(
    conn: &rusqlite::Connection,
    index: u64,
    target: Target,
) -> Result<Kind> {
    let not_found = Error::TargetNotFound {
        index: target.index,
        size: index,
    };
    if target.index >= index {
        return Err(not_found);
    }
    let row = store::entry_columns(conn, target.index)?.ok_or(not_found)?;
    let t = target.index;
    let (kind, target_idx) = Envelope::stated_kind_and_target(&row.envelope)
        .map_err(|e| Error::altered(format!("entry {t}: {e}")))?;
    let leaf_hash = crate::format::merkle::leaf_hash(&row.envelope);
    compare_columns(&row, &leaf_hash, kind, target_idx)?;
    target_verdict(target, &leaf_hash, kind)
}

/// [`check_target`], answered from `memory` when it remembers the target: an entry stored
/// earlier in the same run, whose envelope bytes this process parsed and verified.
fn check_target_in(
    conn: &rusqlite::Connection,
    memory: Option<&RunMemory>,
    index: u64,
    target: Target,
) -> Result<Kind> {
    match remembered(memory, index, target) {
        Some((leaf_hash, kind)) => target_verdict(target, &leaf_hash, kind),
        None => check_target(conn, index, target),
    }
}

/// The leaf hash and kind of the target of entry `index`, when the run's memory holds it (an
/// earlier entry of the same run); `None` means the store must answer.
fn remembered(memory: Option<&RunMemory>, index: u64, target: Target) -> Option<(Hash, Kind)> {
    if target.index >= index {
        return None;
    }
    memory?.target(target.index)
}

/// The rules on a found target, from its leaf hash and kind: the named hash, and a claim or a
/// statement.
fn target_verdict(target: Target, leaf_hash: &Hash, kind: Kind) -> Result<Kind> {
    if *leaf_hash != target.leaf_hash {
        return Err(Error::TargetHashMismatch {
            index: target.index,
            expected: hex::encode(target.leaf_hash),
            actual: hex::encode(leaf_hash),
        });
    }
    match kind {
        Kind::Claim | Kind::Statement => Ok(kind),
        Kind::Redaction => Err(Error::RedactionRule(format!(
            "entry {} is a redaction; statements are about claims or statements",
            target.index
        ))),
        Kind::Key => Err(Error::TargetIsKey {
            index: target.index,
        }),
    }
}

/// Who made the target claim or statement (its stored payload), for the retraction warning.
/// Only the name is read: the payload was checked in full when it was stored, and the warning
/// is advice, not a rule.
fn original_speaker(kind: Kind, payload: Option<Vec<u8>>) -> String {
    #[derive(serde::Deserialize)]
    struct Named {
        name: String,
    }
    #[derive(serde::Deserialize)]
    struct Who {
        claimant: Option<Named>,
        speaker: Option<Named>,
    }
    // A withheld target has no payload and so no name to compare: no warning.
    let Some(bytes) = payload else {
        return String::new();
    };
    match (kind, serde_json::from_slice::<Who>(&bytes)) {
        (
            Kind::Claim,
            Ok(Who {
                claimant: Some(n), ..
            }),
        ) => n.name,
        (
            Kind::Statement,
            Ok(Who {
                speaker: Some(n), ..
            }),
        ) => n.name,
        _ => String::new(),
    }
}
