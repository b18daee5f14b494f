//! The audit state: what a passed audit vouches for, so the next audit checks only new entries.
//!
//! A state is anchored at a signed checkpoint of size `m` that the audit matched against the
//! tree it recomputed. It keeps exactly what checking entries `m, m+1, …` needs without reading
//! (and so without trusting) any stored row below `m`: the frontier of the tree at `m` (new
//! leaves are hashed onto it), the key state before `m` (who may sign), and the redactions
//! before `m` (a payload is withheld once). Statement and redaction targets below `m` are proved
//! against the state's root by an inclusion proof each (see `audit/mod.rs`). docs/FORMAT.md §20
//! is the normative format.

use crate::format::checkpoint::{Checkpoint, open_checkpoint};
use crate::format::encoding;
use crate::format::entry::decode_hash_hex;
use crate::format::keys::VerifyingKey;
use crate::format::merkle::{Frontier, Hash};
use crate::ledger::keybook::{KeyBook, KeyRecord};
use serde_json::{Value, json};

/// The `format` member of every audit state.
pub const AUDIT_STATE_FORMAT: &str = "claimledger-audit-state/v1";

/// The largest audit state accepted (16 MiB): the key records and redactions it lists are few.
pub const MAX_AUDIT_STATE_BYTES: usize = 16 << 20;

/// Why an audit state was refused. Nothing was audited or written.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum AuditStateError {
    /// Not an audit state of this format (bad JSON, a missing or unknown member, a value out of
    /// range, a checkpoint note that does not verify, a frontier that does not fold to the root).
    #[error("not a valid audit state ({AUDIT_STATE_FORMAT}): {0}")]
    Malformed(String),
    /// The state is for a ledger of another origin.
    #[error(
        "the audit state is for the ledger {state_origin:?}, not this ledger ({ledger_origin:?}); pass the state saved for this ledger, or run a full audit"
    )]
    OtherLedger {
        /// origin named by the state
        state_origin: String,
        /// origin of the ledger audited
        ledger_origin: String,
    },
    /// `log_key` was pinned and the state names another log key.
    #[error(
        "the audit state pins the log key {state_key}, but {pinned} was given; drop one of them"
    )]
    KeyConflict {
        /// key in the state
        state_key: String,
        /// key pinned by the caller
        pinned: String,
    },
    /// No signed checkpoint to anchor a state at (the ledger has never signed one), or the audit
    /// whose state was asked for did not pass.
    #[error("no audit state: {0}")]
    Unavailable(String),
}

/// What a passed audit vouches for, up to a signed checkpoint (docs/FORMAT.md §20).
///
/// Invariants (checked by [`AuditState::parse`] and kept by every constructor): the note is
/// signed by `log_key` and names `origin`, `size` and `root`; the frontier has `size` leaves and
/// folds to `root`; `size >= 1`; the key records and redactions are those of entries `< size`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditState {
    log_key: VerifyingKey,
    checkpoint: Checkpoint,
    note: String,
    frontier: Frontier,
    keys: Vec<KeyRecord>,
    redactions: Vec<(u64, u64)>,
}

impl AuditState {
    /// A state from what an audit established at a stored checkpoint. The caller has verified
    /// `note` with `log_key` and matched its root against `frontier` (the audit does; so does
    /// [`crate::Ledger::audit_state`]); this re-checks both, so a state never holds a note it
    /// could not parse back.
    pub(crate) fn new(
        log_key: &VerifyingKey,
        note: &str,
        frontier: Frontier,
        book: &KeyBook,
        mut redactions: Vec<(u64, u64)>,
    ) -> Result<AuditState, AuditStateError> {
        let (checkpoint, _) = open_checkpoint(note.as_bytes(), log_key)
            .map_err(|e| AuditStateError::Malformed(format!("checkpoint: {e}")))?;
        redactions.sort_unstable();
        let state = AuditState {
            log_key: log_key.clone(),
            checkpoint,
            note: note.to_string(),
            frontier,
            keys: book.records().cloned().collect(),
            redactions,
        };
        state.check()?;
        Ok(state)
    }

    /// The ledger's origin (the checkpoint's first line).
    pub fn origin(&self) -> &str {
        &self.checkpoint.origin
    }

    /// The log key the audit used; a resumed audit pins it.
    pub fn log_key(&self) -> &VerifyingKey {
        &self.log_key
    }

    /// `m`: the entries `0..m` the audit verified.
    pub fn size(&self) -> u64 {
        self.checkpoint.size
    }

    /// The root at `m`, as signed.
    pub fn root(&self) -> &Hash {
        &self.checkpoint.root
    }

    /// The signed checkpoint note at `m` the audit matched, as stored (log signature only).
    pub fn note(&self) -> &str {
        &self.note
    }

    /// The frontier (right-edge subtree hashes) of the tree at `m`.
    pub fn frontier(&self) -> &Frontier {
        &self.frontier
    }

    /// The redactions before `m`, as `(target index, redaction index)`, by target.
    pub fn redactions(&self) -> &[(u64, u64)] {
        &self.redactions
    }

    /// The key state before `m` (FORMAT.md §7.2).
    pub fn key_book(&self) -> KeyBook {
        KeyBook::from_records(self.log_key.clone(), self.keys.clone())
    }

    /// The redaction before `m` that withholds entry `target`, if any.
    pub fn redaction_of(&self, target: u64) -> Option<u64> {
        self.redactions
            .binary_search_by_key(&target, |r| r.0)
            .ok()
            .map(|i| self.redactions[i].1)
    }

    /// The JSON text of FORMAT.md §20, indented, ending with a newline.
    pub fn to_json(&self) -> String {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|k| {
                json!({
                    "vkey": k.vkey.to_string(),
                    "name": k.name,
                    "role": k.role,
                    "granted_at": k.granted_at,
                    "revoked_at": k.revoked.as_ref().map(|r| r.0),
                    "revoked_reason": k.revoked.as_ref().map(|r| r.1.clone()),
                })
            })
            .collect();
        let value = json!({
            "format": AUDIT_STATE_FORMAT,
            "origin": self.checkpoint.origin,
            "log_vkey": self.log_key.to_string(),
            "size": self.checkpoint.size,
            "root": hex::encode(self.checkpoint.root),
            "frontier": self.frontier.hashes().iter().map(hex::encode).collect::<Vec<_>>(),
            "checkpoint": self.note,
            "keys": keys,
            "redactions": self.redactions.iter().map(|(t, by)| json!({"target": t, "by": by})).collect::<Vec<_>>(),
        });
        let mut s = serde_json::to_string_pretty(&value).expect("a state is plain JSON values");
        s.push('\n');
        s
    }

    /// Parse and check a state (FORMAT.md §20). Strict: exactly the members of the format, the
    /// format tag, canonical lowercase hex, a note that verifies with `log_vkey` and names the
    /// state's origin, size and root, a frontier that folds to that root, key records and
    /// redactions that lie below the size.
    pub fn parse(bytes: &[u8]) -> Result<AuditState, AuditStateError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            format: String,
            origin: String,
            log_vkey: String,
            size: u64,
            root: String,
            frontier: Vec<String>,
            checkpoint: String,
            keys: Vec<RawKey>,
            redactions: Vec<RawRedaction>,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawKey {
            vkey: String,
            name: String,
            role: String,
            granted_at: u64,
            revoked_at: Option<u64>,
            revoked_reason: Option<String>,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawRedaction {
            target: u64,
            by: u64,
        }
        let bad = |m: String| AuditStateError::Malformed(m);
        let raw: Raw = encoding::parse_document(bytes, MAX_AUDIT_STATE_BYTES, "an audit state")
            .map_err(bad)?;
        if raw.format != AUDIT_STATE_FORMAT {
            return Err(bad(format!(
                "format {:?} is not {AUDIT_STATE_FORMAT:?}",
                raw.format
            )));
        }
        let log_key: VerifyingKey = raw
            .log_vkey
            .parse()
            .map_err(|e| bad(format!("log_vkey: {e}")))?;
        let (checkpoint, _) = open_checkpoint(raw.checkpoint.as_bytes(), &log_key)
            .map_err(|e| bad(format!("checkpoint: {e}")))?;
        let root = decode_hash_hex(&raw.root)
            .ok_or_else(|| bad("root is not 64 lowercase hex digits".into()))?;
        if checkpoint.origin != raw.origin || checkpoint.size != raw.size || checkpoint.root != root
        {
            return Err(bad(
                "origin, size or root disagrees with the signed checkpoint".into(),
            ));
        }
        let hashes = raw
            .frontier
            .iter()
            .map(|h| decode_hash_hex(h))
            .collect::<Option<Vec<Hash>>>()
            .ok_or_else(|| bad("a frontier hash is not 64 lowercase hex digits".into()))?;
        let frontier =
            Frontier::from_nodes(raw.size, hashes).map_err(|e| bad(format!("frontier: {e}")))?;
        let mut keys = Vec::with_capacity(raw.keys.len());
        for k in raw.keys {
            let vkey: VerifyingKey = k.vkey.parse().map_err(|e| bad(format!("keys: {e}")))?;
            let revoked = match (k.revoked_at, k.revoked_reason) {
                (None, None) => None,
                (Some(at), Some(reason)) => Some((at, reason)),
                _ => {
                    return Err(bad(format!(
                        "key {}: revoked_at and revoked_reason are both null or both set",
                        vkey.key_id()
                    )));
                }
            };
            keys.push(KeyRecord {
                vkey,
                name: k.name,
                role: k.role,
                granted_at: k.granted_at,
                revoked,
            });
        }
        let state = AuditState {
            log_key,
            checkpoint,
            note: raw.checkpoint,
            frontier,
            keys,
            redactions: raw.redactions.iter().map(|r| (r.target, r.by)).collect(),
        };
        state.check()?;
        Ok(state)
    }

    /// The invariants of the type, beyond what parsing each member checks.
    fn check(&self) -> Result<(), AuditStateError> {
        let bad = |m: String| Err(AuditStateError::Malformed(m));
        let size = self.checkpoint.size;
        if size == 0 {
            return bad("size is 0: a passed audit covers at least entry 0".into());
        }
        if self.frontier.size() != size || self.frontier.root() != self.checkpoint.root {
            return bad("the frontier does not fold to the root".into());
        }
        if self.keys.first().map(|k| &k.vkey) != Some(&self.log_key) {
            return bad("the first key record is not the log key's own grant (entry 0)".into());
        }
        let mut seen = std::collections::HashSet::new();
        for k in &self.keys {
            if !seen.insert(&k.vkey) {
                return bad(format!("key {} is listed twice", k.vkey.key_id()));
            }
            let revoked_ok = k
                .revoked
                .as_ref()
                .is_none_or(|(at, _)| *at > k.granted_at && *at < size);
            if k.granted_at >= size || !revoked_ok {
                return bad(format!(
                    "key {}: its grant or revocation index is not below the size in order",
                    k.vkey.key_id()
                ));
            }
        }
        // Sorted by target, one redaction per target (a payload is withheld once).
        if self.redactions.windows(2).any(|w| w[0].0 >= w[1].0) {
            return bad("redactions are not sorted by target with one per target".into());
        }
        if let Some((t, by)) = self
            .redactions
            .iter()
            .find(|(t, by)| !(t < by && *by < size))
        {
            return bad(format!(
                "redaction {by} of entry {t}: not target < by < size"
            ));
        }
        Ok(())
    }
}

impl crate::Ledger {
    /// The audit state of this ledger at its newest stored checkpoint, read from the stored
    /// rows: the frontier from the stored tree nodes, the key state from the key entries below
    /// it (each re-verified), the redactions below it.
    ///
    /// Contract: the result vouches for entries `0..m` only because the caller verified them:
    /// call it after a passing audit ([`AuditReport::state`](super::AuditReport::state) is the
    /// same state, taken during that audit, and is what `audit --save-state` writes) or, in a
    /// mirror, after every entry of the replica was verified as it was stored. It checks only
    /// that the newest checkpoint verifies with the log key and that the stored tree folds to its
    /// root; it MUST NOT be taken as an audit. `Err(AuditStateError::Unavailable)` when no
    /// checkpoint is signed; [`crate::Error::LedgerAltered`] when those checks fail.
    pub fn audit_state(&self) -> crate::Result<AuditState> {
        let conn = self.conn();
        conn.execute_batch("BEGIN DEFERRED")?;
        let result = self.audit_state_in(conn);
        let _ = conn.execute_batch("COMMIT");
        result
    }

    fn audit_state_in(&self, conn: &rusqlite::Connection) -> crate::Result<AuditState> {
        use crate::ledger::store;
        let Some(cp) = store::latest_checkpoint(conn)?.filter(|c| c.size > 0) else {
            return Err(AuditStateError::Unavailable(
                "the ledger has no signed checkpoint; run 'claimledger checkpoint --sign'".into(),
            )
            .into());
        };
        let m = cp.size;
        let frontier = store::frontier(conn, m)
            .map_err(|e| crate::Error::altered(format!("the stored tree at size {m}: {e}")))?;
        if frontier.root()[..] != cp.root[..] {
            return Err(crate::Error::altered(format!(
                "the stored tree does not fold to the root of the checkpoint at size {m}"
            )));
        }
        let book = crate::ledger::key_book_before(conn, self.log_key(), m)?;
        let redactions = store::redactions(conn, 0)?
            .into_iter()
            .filter(|(by, _)| *by < m)
            .map(|(by, target)| (target, by))
            .collect();
        AuditState::new(self.log_key(), &cp.note, frontier, &book, redactions)
            .map_err(|e| crate::Error::altered(format!("the checkpoint at size {m}: {e}")))
    }
}
