//! The one path that signs checkpoints: the operator key signs only a tree head that extends the
//! last one it signed, as recorded in its signer state outside the ledger file.
//!
//! The signer state is a file beside the operator key (`<key file>.last-checkpoint`, see
//! [`state_path_for`]) holding the last checkpoint note this key signed, byte for byte. Before
//! signing, [`sign_checkpoint_in`] verifies that note with the log key, checks that the stored
//! tree at its size folds to its signed root, extends it with leaf hashes computed from envelope
//! bytes, and refuses ([`Error::LedgerAltered`]) on any disagreement. Nothing it decides comes
//! from a column nobody signed. See docs/DESIGN.md "Signing" and docs/FORMAT.md §17.1.

use crate::error::{Error, Result};
use crate::format::checkpoint::{Checkpoint, open_checkpoint};
use crate::format::entry::{KnownKeys, Payload};
use crate::format::keys::{SigningKey, VerifyingKey};
use crate::format::merkle::{self, Hash, NodeSource};
use crate::ledger::keybook::KeyBook;
use crate::ledger::prove::SignedCheckpoint;
use crate::ledger::store::{self, Nodes, Store};
use crate::ledger::{check_target, checked_signed};
use rusqlite::Connection;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What [`state_path_for`] appends to the operator key file's name.
pub const STATE_SUFFIX: &str = ".last-checkpoint";

/// Rows read at a time when verifying entries the signer has not signed yet.
const CHUNK: u64 = 1024;

/// Where the signer state of the operator key file `key_file` lives:
/// `<key file>.last-checkpoint`, in the same folder, so it moves and is backed up with the key.
pub fn state_path_for(key_file: &Path) -> PathBuf {
    let mut p = key_file.as_os_str().to_owned();
    p.push(STATE_SUFFIX);
    PathBuf::from(p)
}

/// The operator key and where its signer state lives: everything that signs checkpoints.
#[derive(Clone)]
pub(crate) struct Operator {
    pub key: SigningKey,
    pub state: PathBuf,
}

/// The last checkpoint this operator key signed, as read from its signer state and verified.
#[derive(Clone, Debug)]
pub(crate) struct LastSigned {
    pub checkpoint: Checkpoint,
}

fn state_error(path: &Path, detail: impl Into<String>) -> Error {
    Error::SignerState {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

/// Read and verify the signer state at `path`: `None` when there is no file. The note MUST
/// verify with `log_key` and name `origin`; anything else is refused (a state of another
/// ledger, or an edited one).
pub(crate) fn read_state(
    path: &Path,
    log_key: &VerifyingKey,
    origin: &str,
) -> Result<Option<LastSigned>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let (checkpoint, _) = open_checkpoint(&bytes, log_key).map_err(|e| {
        state_error(
            path,
            format!("does not hold a checkpoint signed by this ledger's log key ({e}); restore it from the backup kept with the operator key"),
        )
    })?;
    if checkpoint.origin != origin {
        return Err(state_error(
            path,
            format!(
                "is for origin {:?}, not this ledger's {origin:?}",
                checkpoint.origin
            ),
        ));
    }
    Ok(Some(LastSigned { checkpoint }))
}

/// Record `signed` as the last checkpoint this key signed: atomically (temporary file, fsync,
/// rename), mode 0600, and never backwards. It runs under the ledger's
/// write lock (an IMMEDIATE transaction that writes nothing): every process signing for this
/// ledger takes that lock, so when two finish in either order, a state already at or past
/// `signed`'s size is left as it is.
pub(crate) fn advance_state(
    store: &mut Store,
    path: &Path,
    log_key: &VerifyingKey,
    signed: &SignedCheckpoint,
) -> Result<()> {
    let _lock = store.begin_write()?;
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let current = read_state(path, log_key, &signed.checkpoint.origin)?;
    if current.is_some_and(|c| c.checkpoint.size >= signed.checkpoint.size) {
        return Ok(());
    }
    let tmp = {
        let mut p = path.as_os_str().to_owned();
        p.push(".tmp");
        PathBuf::from(p)
    };
    let mut f = open_private(&tmp).map_err(io)?;
    f.write_all(signed.note.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(io)?;
    drop(f);
    // The folder is not flushed after the rename, on purpose: a rename lost in a crash leaves
    // the previous state, which is behind the ledger, and a state behind the ledger is safe
    // (the next signing re-verifies from it and catches up), exactly as when a crash falls
    // between the ledger's commit and this write. The file's own bytes are flushed first, so the
    // name never points at a torn note. One flush per signature instead of two.
    std::fs::rename(&tmp, path).map_err(io)?;
    Ok(())
}

/// Create or empty a file of the signer state, mode 0600 (and made 0600 if it existed).
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(f)
}

/// Sign a checkpoint over the whole stored tree inside the write transaction `tx`, or return
/// the stored one at that size, after proving the tree extends the last tree head this key
/// signed. The caller commits `tx` and then calls [`advance_state`] with the result.
///
/// `start` is the ledger size before the caller's own new entries, whose leaf hashes (computed
/// from the envelope bytes the caller verified and stored) are `new_leaves`; the stored size
/// MUST be `start + new_leaves.len()`. Entries between the last signed size and `start` (appended
/// where the operator key was not loaded) are re-verified here from their bytes: signature,
/// grant in force, statement target.
///
/// Refuses with [`Error::LedgerAltered`], signing nothing, when the file is smaller than the
/// last signed size, holds no checkpoint at or past it, its checkpoint at that size is not the
/// one signed, the stored tree does not fold to the signed root, a stored checkpoint's root or
/// note disagrees, or an unsigned entry or tree node disagrees with the envelopes. Without a
/// signer state (`last` is `None`) the file MUST hold no checkpoint: the facade starts the state
/// from an audited checkpoint first (see `Ledger::load_operator_key_with`).
pub(crate) fn sign_checkpoint_in(
    tx: &Connection,
    operator: &Operator,
    origin: &str,
    start: u64,
    new_leaves: &[Hash],
) -> Result<SignedCheckpoint> {
    let log_key = operator.key.verifying_key();
    let size = store::size(tx)?;
    if size != start + new_leaves.len() as u64 {
        return Err(Error::altered(format!(
            "the ledger has {size} entries, not the {} just written",
            start + new_leaves.len() as u64
        )));
    }
    let last = read_state(&operator.state, &log_key, origin)?;
    let latest = store::latest_checkpoint(tx)?;
    let (signed_size, mut frontier) = match &last {
        None => {
            if let Some(l) = &latest {
                return Err(state_error(
                    &operator.state,
                    format!(
                        "is missing but the ledger holds checkpoints up to size {}; load the operator key again (it starts the state from an audited checkpoint) or restore the state from the backup kept with the key",
                        l.size
                    ),
                ));
            }
            (0, merkle::Frontier::new())
        }
        Some(LastSigned { checkpoint: last }) => {
            let s = last.size;
            if size < s {
                return Err(Error::altered(format!(
                    "it has {size} entries but this operator key already signed a checkpoint at size {s}: an older copy of the file was restored or entries were removed; restore the newest copy (its checkpoint at size {s} is in the signer state)"
                )));
            }
            match &latest {
                None => {
                    return Err(Error::altered(format!(
                        "it holds no checkpoint, but this operator key signed one at size {s}: checkpoints were deleted"
                    )));
                }
                Some(l) if l.size < s => {
                    return Err(Error::altered(format!(
                        "its newest checkpoint is at size {}, but this operator key signed one at size {s}: checkpoints were deleted or an older copy of the file was restored",
                        l.size
                    )));
                }
                Some(_) => {}
            }
            let at_s = store::checkpoint_at(tx, s)?.ok_or_else(|| {
                Error::altered(format!(
                    "the checkpoint this operator key signed at size {s} was deleted"
                ))
            })?;
            check_stored_checkpoint(&at_s, &log_key, origin)?;
            if at_s.root[..] != last.root[..] {
                return Err(Error::altered(format!(
                    "its checkpoint at size {s} is not the one this operator key signed there"
                )));
            }
            let frontier = store::frontier(tx, s)
                .map_err(|e| Error::altered(format!("the stored tree at size {s}: {e}")))?;
            if frontier.root() != last.root {
                return Err(Error::altered(format!(
                    "the stored tree nodes no longer fold to the root signed at size {s}"
                )));
            }
            (s, frontier)
        }
    };
    // The newest stored checkpoint (when past the signed size) must be signed by the log key
    // and lie on the tree recomputed here: it is met while extending.
    let mut meet = None;
    if let Some(l) = latest.as_ref().filter(|l| l.size > signed_size) {
        let cp = check_stored_checkpoint(l, &log_key, origin)?;
        if cp.size > size {
            return Err(Error::altered(format!(
                "a checkpoint at size {} is stored but the ledger has {size} entries",
                cp.size
            )));
        }
        meet = Some(cp);
    }
    let met = |frontier: &merkle::Frontier| -> Result<()> {
        if let Some(cp) = meet.as_ref().filter(|cp| cp.size == frontier.size()) {
            if cp.root != frontier.root() {
                return Err(Error::altered(format!(
                    "the checkpoint stored at size {} does not have the root recomputed from the entries",
                    cp.size
                )));
            }
        }
        Ok(())
    };
    met(&frontier)?;
    if start < signed_size {
        return Err(Error::altered(format!(
            "new entries were written at {start}, inside the tree signed at size {signed_size}"
        )));
    }
    extend_unsigned(tx, &log_key, &mut frontier, start, &met)?;
    for leaf in new_leaves {
        frontier.push(*leaf, |_, _, _| {});
        met(&frontier)?;
    }
    let root = frontier.root();
    // Proofs are served from the stored nodes: they MUST give the root about to be signed.
    let stored_root = merkle::root_at(&Nodes(tx), size)
        .map_err(|e| Error::altered(format!("the stored tree at size {size}: {e}")))?;
    if stored_root != root {
        return Err(Error::altered(format!(
            "the stored tree at size {size} disagrees with the tree recomputed from the entries"
        )));
    }
    if let Some(l) = latest.as_ref().filter(|l| l.size == size) {
        return Ok(SignedCheckpoint {
            checkpoint: Checkpoint::new(origin, size, root)?,
            note: l.note.clone(),
        });
    }
    let checkpoint = Checkpoint::new(origin, size, root)?;
    let note = checkpoint.sign(&operator.key)?;
    store::insert_checkpoint(tx, size, &root, &note)?;
    Ok(SignedCheckpoint { checkpoint, note })
}

/// A stored checkpoint row, verified: its note is signed by the log key, names `origin`, and
/// agrees with the row's size and root columns.
fn check_stored_checkpoint(
    row: &store::CheckpointRow,
    log_key: &VerifyingKey,
    origin: &str,
) -> Result<Checkpoint> {
    let size = row.size;
    let (cp, _) = open_checkpoint(row.note.as_bytes(), log_key).map_err(|e| {
        Error::altered(format!(
            "the checkpoint stored at size {size} does not verify with the log key ({e})"
        ))
    })?;
    if cp.size != size || cp.origin != origin || cp.root[..] != row.root[..] {
        return Err(Error::altered(format!(
            "the checkpoint row at size {size} disagrees with its signed note (size, origin or root column)"
        )));
    }
    Ok(cp)
}

/// Push the entries `[frontier.size(), end)` (stored, but not yet under any checkpoint this key
/// signed) onto `frontier`, each verified from its bytes as an append would: signature and
/// payload, derived columns, signer's grant in force at its index, key-entry rules, statement
/// target; and each tree node it completes compared with the stored one.
fn extend_unsigned(
    tx: &Connection,
    log_key: &VerifyingKey,
    frontier: &mut merkle::Frontier,
    end: u64,
    met: &dyn Fn(&merkle::Frontier) -> Result<()>,
) -> Result<()> {
    let begin = frontier.size();
    if begin >= end {
        return Ok(());
    }
    // The key state just before `begin`, from key entries as their envelopes say.
    let known: KnownKeys = [(log_key.to_string(), log_key.clone())].into();
    let mut book = KeyBook::new(log_key.clone());
    for row in store::key_rows(tx)?.into_iter().filter(|r| r.idx < begin) {
        let signed = checked_signed(tx, &row, &known)?;
        if let Some(Payload::Key(change)) = signed.payload() {
            book.apply(row.idx, signed.envelope().signer(), change)
                .map_err(|e| Error::altered(format!("key entry {}: {e}", row.idx)))?;
        }
    }
    let nodes = Nodes(tx);
    let mut from = begin;
    while from < end {
        let rows = store::rows(tx, from, CHUNK.min(end - from))?;
        if rows.is_empty() {
            return Err(Error::altered(format!("entry {from} is missing")));
        }
        for row in rows {
            let idx = row.idx;
            if idx != frontier.size() {
                return Err(Error::altered(format!(
                    "entry {} is missing (the next stored index is {idx})",
                    frontier.size()
                )));
            }
            let signed = checked_signed(tx, &row, &KnownKeys::new())?;
            let env = signed.envelope();
            let rule =
                |e: Error| Error::altered(format!("entry {idx} breaks the append rules: {e}"));
            book.authorize(env.signer()).map_err(rule)?;
            match signed.payload() {
                Some(Payload::Key(change)) => {
                    book.apply(idx, env.signer(), change).map_err(rule)?
                }
                // The redaction itself is now stored, so its rules are checked as audit does:
                // signed by the operator key, aimed at an earlier claim or statement.
                Some(Payload::Redaction(_)) => {
                    if env.signer() != book.operator() {
                        return Err(rule(Error::RedactionNotByOperator {
                            key_id: env.signer().key_id(),
                            operator: book.operator().to_string(),
                        }));
                    }
                    let t = env
                        .target()
                        .expect("Envelope::parse requires a redaction target");
                    check_target(tx, idx, t).map_err(rule)?;
                }
                // A withheld statement still names its target in its envelope.
                Some(Payload::Statement(_)) | None => {
                    if let Some(t) = env.target() {
                        check_target(tx, idx, t).map_err(rule)?;
                    }
                }
                Some(Payload::Claim(_)) => {}
            }
            let mut mismatch = None;
            frontier.push(env.leaf_hash(), |level, i, hash| {
                if mismatch.is_none() && nodes.node(level, i).ok().as_ref() != Some(hash) {
                    mismatch = Some((level, i));
                }
            });
            if let Some((level, i)) = mismatch {
                return Err(Error::altered(format!(
                    "the stored tree node (level {level}, index {i}) disagrees with the entries"
                )));
            }
            met(frontier)?;
            from = idx + 1;
        }
    }
    Ok(())
}
