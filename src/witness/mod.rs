//! claimledger as a C2SP tlog-witness: cosign a log's checkpoint only when it is consistent with every checkpoint cosigned before.
//!
//! [`Witness::add_checkpoint`] is the whole protocol decision for `POST /add-checkpoint`
//! (c2sp.org/tlog-witness), in the order the spec gives: a malformed body is 400; an unknown
//! origin 404; no valid signature by a trusted log key (or a failing one) 403; an old size above
//! the checkpoint size 400; an old size other than the stored one 409 with the stored size; an
//! empty tree with a wrong root, a proof with old size 0, a consistency proof that does not verify
//! from the *stored* root, or an equal size with another root 422 (the request is kept as
//! evidence); otherwise the new state is committed, durably, and then cosigned.
//!
//! State ([`store`]) lives in its own SQLite file. One connection behind one mutex serializes
//! every request, so two requests for one log can never both pass the old-size check (the race
//! the spec warns about). `http` (behind the `cli` feature) is the HTTP face.

#[cfg(feature = "cli")]
pub mod http;
pub mod store;

use crate::format::checkpoint::{Checkpoint, CheckpointError};
use crate::format::cosignature::{Cosignature, WitnessKey, WitnessSigner};
use crate::format::keys::VerifyingKey;
use crate::format::merkle::{self, Hash};
use crate::format::note::{Note, NoteError};
use crate::format::witness::{AddCheckpoint, RequestError};
use sha2::{Digest as _, Sha256};
use std::path::Path;
use std::sync::Mutex;
use store::{LogState, Store, StoreError};

/// Largest `add-checkpoint` body accepted, in bytes (a note of 100 signatures and 63 proof
/// lines fits in a few KiB).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// The RFC 6962 root of the empty tree: SHA-256 of the empty string.
fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Why `add-checkpoint` refused; each variant is one tlog-witness status.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// 400: the request is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 403: no valid signature by a trusted key for the origin.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: the origin is not a log this witness follows.
    #[error(
        "unknown log {0:?}: this witness does not follow it; ask its operator to add the log's key to --logs"
    )]
    UnknownLog(String),
    /// 409: the old size is not the size the witness last cosigned.
    #[error(
        "old size {sent} does not match the latest cosigned size {stored}; resend from {stored}"
    )]
    Conflict {
        /// The size the witness last cosigned (the 409 body).
        stored: u64,
        /// The old size the client sent.
        sent: u64,
    },
    /// 422: the checkpoint is not consistent with what the witness cosigned.
    #[error("inconsistent checkpoint: {0}")]
    Inconsistent(String),
    /// 500: the state file failed; nothing was cosigned.
    #[error(transparent)]
    Storage(#[from] StoreError),
}

impl Refusal {
    /// The HTTP status tlog-witness assigns.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadRequest(_) => 400,
            Refusal::Forbidden(_) => 403,
            Refusal::UnknownLog(_) => 404,
            Refusal::Conflict { .. } => 409,
            Refusal::Inconsistent(_) => 422,
            Refusal::Storage(_) => 500,
        }
    }
}

/// A witness: its signing key, the logs it follows and its state file.
pub struct Witness {
    signer: WitnessSigner,
    logs: Vec<VerifyingKey>,
    store: Mutex<Store>,
}

impl Witness {
    /// Open (or create) the state file at `db` and follow `logs` (each key's name is its
    /// origin; several keys may share an origin).
    pub fn open(
        db: &Path,
        signer: WitnessSigner,
        logs: Vec<VerifyingKey>,
    ) -> Result<Self, StoreError> {
        Ok(Witness {
            signer,
            logs,
            store: Mutex::new(Store::open(db)?),
        })
    }

    /// The witness's cosignature verifier key (vkey type 0x04).
    pub fn witness_key(&self) -> WitnessKey {
        self.signer.witness_key()
    }

    /// The logs this witness follows.
    pub fn logs(&self) -> &[VerifyingKey] {
        &self.logs
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave a half-written state: the transaction
        // rolls back when dropped.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Handle one `add-checkpoint` body at POSIX time `now`; returns the cosignature lines of
    /// the 200 answer (one line, with its newline).
    ///
    /// The decision and the state update happen in one transaction, committed before this
    /// returns; a refusal changes no state (a 422 only adds the request to the evidence table).
    pub fn add_checkpoint(&self, body: &[u8], now: u64) -> Result<String, Refusal> {
        let request = AddCheckpoint::parse(body)
            .map_err(|e: RequestError| Refusal::BadRequest(e.to_string()))?;
        let note = Note::parse(request.checkpoint.as_bytes())
            .map_err(|e| Refusal::BadRequest(format!("checkpoint: {e}")))?;
        let checkpoint = Checkpoint::parse_body(note.text())
            .map_err(|e: CheckpointError| Refusal::BadRequest(e.to_string()))?;
        let trusted: Vec<VerifyingKey> = self
            .logs
            .iter()
            .filter(|k| k.name() == checkpoint.origin)
            .cloned()
            .collect();
        if trusted.is_empty() {
            return Err(Refusal::UnknownLog(checkpoint.origin));
        }
        let verified = note.verify(&trusted).map_err(|e| match e {
            NoteError::NoVerifiedSignature => Refusal::Forbidden(format!(
                "no signature by a trusted key of log {:?}; sign the checkpoint with the log key this witness knows",
                checkpoint.origin
            )),
            other => Refusal::Forbidden(other.to_string()),
        })?;
        if request.old_size > checkpoint.size {
            return Err(Refusal::BadRequest(format!(
                "old size {} is larger than the checkpoint size {}",
                request.old_size, checkpoint.size
            )));
        }
        if checkpoint.size > i64::MAX as u64 {
            return Err(Refusal::BadRequest(
                "tree sizes above 2^63-1 are not supported by this witness".into(),
            ));
        }
        // The log signature lines that verified, kept with the stored checkpoint for monitors.
        let log_lines: Vec<String> = note
            .signatures()
            .iter()
            .filter(|s| {
                verified
                    .iter()
                    .any(|k| k.name() == s.name && k.key_id() == s.key_id)
            })
            .map(|s| s.line())
            .collect();
        let mut store = self.store();
        let outcome = store.update(&checkpoint.origin, |current| {
            self.decide(&request, &checkpoint, note.text(), &log_lines, current, now)
        })?;
        match outcome {
            Ok(line) => Ok(line),
            Err(Refusal::Inconsistent(reason)) => {
                // Known log, valid signature: keep the request, it may prove misbehaviour.
                let text = String::from_utf8_lossy(body);
                store.record_refusal(&checkpoint.origin, now, &reason, &text)?;
                Err(Refusal::Inconsistent(reason))
            }
            Err(other) => Err(other),
        }
    }

    /// The consistency checks against the stored state, and the new state and cosignature.
    fn decide(
        &self,
        request: &AddCheckpoint,
        checkpoint: &Checkpoint,
        body: &str,
        log_lines: &[String],
        current: Option<&LogState>,
        now: u64,
    ) -> Result<(Option<LogState>, String), Refusal> {
        let (stored_size, stored_root, last_time) = match current {
            Some(s) => (s.size, s.root, s.time),
            None => (0, empty_root(), 0),
        };
        if request.old_size != stored_size {
            return Err(Refusal::Conflict {
                stored: stored_size,
                sent: request.old_size,
            });
        }
        if checkpoint.size == 0 && checkpoint.root != empty_root() {
            return Err(Refusal::Inconsistent(
                "a checkpoint of size 0 must have the root of the empty tree".into(),
            ));
        }
        if request.old_size == 0 {
            if !request.proof.is_empty() {
                return Err(Refusal::Inconsistent(
                    "old size 0 takes an empty consistency proof".into(),
                ));
            }
        } else if let Err(e) = merkle::verify_consistency(
            stored_size,
            checkpoint.size,
            &stored_root,
            &checkpoint.root,
            &request.proof,
        ) {
            // Equal sizes with another root land here too: the log forked.
            return Err(Refusal::Inconsistent(format!(
                "checkpoint of size {} is not consistent with the cosigned checkpoint of size {stored_size} ({e}): the log forked or rewrote its history",
                checkpoint.size
            )));
        }
        // Never go back in time for one log, even if the clock does.
        let time = now
            .max(last_time)
            .clamp(1, crate::format::cosignature::MAX_TIME);
        let cosignature: Cosignature = self
            .signer
            .cosign(body, time)
            .map_err(|e| Refusal::BadRequest(e.to_string()))?;
        let line = cosignature.to_line();
        let mut note = format!("{body}\n");
        for l in log_lines {
            note.push_str(l);
            note.push('\n');
        }
        note.push_str(&line);
        note.push('\n');
        let state = LogState {
            size: checkpoint.size,
            root: checkpoint.root,
            time,
            note,
        };
        Ok((Some(state), format!("{line}\n")))
    }

    /// The latest checkpoint this witness cosigned for the log whose origin hashes (SHA-256,
    /// lowercase hex) to `origin_hash`: the checkpoint, the log signature(s) it verified and its
    /// cosignature. `None` if it never cosigned for that log.
    pub fn latest(&self, origin_hash: &str) -> Result<Option<String>, StoreError> {
        let Some(origin) = self
            .logs
            .iter()
            .map(|k| k.name())
            .find(|o| hex::encode(Sha256::digest(o.as_bytes())) == origin_hash)
        else {
            return Ok(None);
        };
        Ok(self.store().get(origin)?.map(|s| s.note))
    }

    /// Number of refused (422) requests kept as evidence for `origin`.
    pub fn refusals(&self, origin: &str) -> Result<u64, StoreError> {
        self.store().refusals(origin)
    }
}
