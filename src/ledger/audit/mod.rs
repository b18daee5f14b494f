//! Whole-ledger verification from the stored bytes up; findings carry stable codes.
//!
//! Audit trusts nothing derived: it re-reads every envelope and payload, re-checks canonical
//! form and author signatures, replays key grants and revocations, recomputes the Merkle tree
//! with a compact frontier and compares every stored interior hash and every stored checkpoint.
//! Memory is bounded by the chunk size, whatever the ledger size.

use crate::error::Result;
use crate::format::entry::KnownKeys;
use crate::format::keys::VerifyingKey;
use crate::format::merkle::{Frontier, Hash};
use crate::format::policy::Policy;
use crate::ledger::Ledger;
use crate::ledger::keybook::KeyBook;
use crate::ledger::store;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Entries verified per batch; bounds memory (about 1 KiB an entry).
const CHUNK: u64 = 4096;

mod entries;
mod state;
mod tree;
mod witnesses;
use entries::{
    Checked, Redactions, Walk, check_absent_payload, check_duplicates, check_entry_rules, check_row,
};
pub use state::{AUDIT_STATE_FORMAT, AuditState, AuditStateError, MAX_AUDIT_STATE_BYTES};
use tree::{
    check_against, check_checkpoint, check_extends_state, check_extra_nodes,
    check_extra_nodes_above, compare_nodes,
};
use witnesses::check_cosignatures_in;

/// Stable codes of audit findings (JSON `code`). Never renumbered or reused.
pub mod codes {
    /// The pinned `--log-key` is not the key recorded at init.
    pub const LOG_KEY_MISMATCH: &str = "log_key_mismatch";
    /// An index, or a range of them, is missing from the dense sequence 0..n (a deleted entry);
    /// one finding per gap, `index` its first index.
    pub const MISSING_ENTRY: &str = "missing_entry";
    /// Envelope bytes are not canonical JSON or fail the format.
    pub const ENVELOPE_INVALID: &str = "envelope_invalid";
    /// The stored leaf hash is not SHA-256(0x00 ‖ envelope).
    pub const LEAF_HASH_MISMATCH: &str = "leaf_hash_mismatch";
    /// A query column (kind, target) disagrees with the envelope.
    pub const INDEX_COLUMN_MISMATCH: &str = "index_column_mismatch";
    /// The payload is missing or its SHA-256 differs from the envelope's.
    pub const PAYLOAD_HASH_MISMATCH: &str = "payload_hash_mismatch";
    /// The payload is not canonical or fails its schema.
    pub const PAYLOAD_INVALID: &str = "payload_invalid";
    /// The author signature does not verify (verify_strict).
    pub const BAD_SIGNATURE: &str = "bad_signature";
    /// The signer had no grant in force at that index.
    pub const SIGNER_NOT_GRANTED: &str = "signer_not_granted";
    /// The signer's key was revoked before that index.
    pub const SIGNER_REVOKED: &str = "signer_revoked";
    /// A key entry not signed by the operator, or an invalid grant/revocation.
    pub const BAD_KEY_ENTRY: &str = "bad_key_entry";
    /// Entry 0 is not the operator's grant of its own key.
    pub const BAD_GENESIS: &str = "bad_genesis";
    /// A statement's target is missing, later, a key entry, or has another leaf hash.
    pub const BAD_TARGET: &str = "bad_target";
    /// A stored tree node differs from the recomputed one, or is missing.
    pub const TREE_NODE_MISMATCH: &str = "tree_node_mismatch";
    /// Stored tree nodes beyond the tree (e.g. left behind by a truncation).
    pub const EXTRA_TREE_NODES: &str = "extra_tree_nodes";
    /// A stored checkpoint's signature does not verify with the log key, or it is malformed.
    pub const CHECKPOINT_INVALID: &str = "checkpoint_invalid";
    /// A stored checkpoint's root is not the recomputed root at its size.
    pub const CHECKPOINT_ROOT_MISMATCH: &str = "checkpoint_root_mismatch";
    /// A stored checkpoint covers more entries than the ledger has (truncated tail).
    pub const CHECKPOINT_BEYOND_TREE: &str = "checkpoint_beyond_tree";
    /// The ledger does not extend the `--against` checkpoint (rolled back or replaced).
    pub const NOT_EXTENDING_PUBLISHED: &str = "not_extending_published";
    /// The `--against` checkpoint does not verify with the log key.
    pub const PUBLISHED_CHECKPOINT_INVALID: &str = "published_checkpoint_invalid";
    /// The same envelope (leaf hash) appears at two indexes: a replayed entry.
    pub const DUPLICATE_ENTRY: &str = "duplicate_entry";
    /// A stored witness cosignature does not verify on its checkpoint (or is malformed).
    pub const COSIGNATURE_INVALID: &str = "cosignature_invalid";
    /// The latest checkpoint's cosignatures do not meet the `--policy` witness policy.
    pub const WITNESS_POLICY_NOT_MET: &str = "witness_policy_not_met";
    /// More findings than the report keeps (1000); the rest are counted, not listed.
    pub const TOO_MANY_FINDINGS: &str = "too_many_findings";
    /// A redaction entry signed by a key other than the operator key.
    pub const REDACTION_NOT_BY_OPERATOR: &str = "redaction_not_by_operator";
    /// A redaction whose target is missing, later, a key entry or a redaction, has another
    /// leaf hash, is already withheld by an earlier redaction, or still has its payload.
    pub const BAD_REDACTION: &str = "bad_redaction";
    /// Notice, not failure: entries not yet covered by a signed checkpoint.
    pub const UNCOVERED_ENTRIES: &str = "uncovered_entries";
    /// A resumed audit (`--resume STATE`): the ledger no longer extends the tree the state
    /// vouches for. It has fewer entries than the state's size (rolled back, or an older copy
    /// restored), the checkpoint the state was checked against is gone or replaced, the stored
    /// tree does not prove consistent from the state's root, or an old entry a new one names is
    /// not the one the state's tree holds: rewritten below the state.
    pub const NOT_EXTENDING_STATE: &str = "not_extending_state";
}

/// One problem found, or one notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Stable code from [`codes`].
    pub code: &'static str,
    /// The entry (or tree size, for checkpoint findings) concerned.
    pub index: Option<u64>,
    /// A sentence for people.
    pub message: String,
}

/// Options for [`Ledger::audit_with`].
#[derive(Default)]
pub struct AuditOptions<'a> {
    /// The log key to trust. Default: the key recorded at init (the report says so).
    pub log_key: Option<VerifyingKey>,
    /// A signed checkpoint published earlier that the ledger must extend.
    pub against: Option<Vec<u8>>,
    /// A witness policy the latest checkpoint, with its stored cosignatures, must meet.
    pub policy: Option<Policy>,
    /// Called with (entries done, total) after each chunk.
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
    /// Resume from the state of an earlier passed audit: check only the entries from the
    /// state's size on, and prove the stored tree consistent with the state's root (an
    /// incremental audit; docs/FORMAT.md §20 says what it does not re-check). The state pins
    /// its log key. `None` (the default): a full audit.
    pub resume: Option<&'a AuditState>,
}

/// The verdict.
#[derive(Clone, Debug)]
pub struct AuditReport {
    /// True when there are no findings (notices do not count).
    pub ok: bool,
    /// Entries checked.
    pub entries: u64,
    /// Stored checkpoints checked.
    pub checkpoints: u64,
    /// Stored witness cosignatures checked.
    pub cosignatures: u64,
    /// Keys ever granted.
    pub keys: usize,
    /// Failures, in the order found.
    pub findings: Vec<Finding>,
    /// Notices that are not failures.
    pub notices: Vec<Finding>,
    /// Whether the log key was pinned by the caller (else: recorded at init).
    pub log_key_pinned: bool,
    /// The log key used.
    pub log_key: VerifyingKey,
    /// Wall time.
    pub elapsed: Duration,
    /// `Some(m)` when the audit resumed from a state of size `m` (entries `0..m` were not
    /// re-read); `None` for a full audit.
    pub resumed_from: Option<u64>,
    /// Entries verified by this run: all of them in a full audit, the new ones when resumed.
    pub checked: u64,
    /// When the audit passed: the state to resume from next time, anchored at the newest
    /// stored checkpoint (`None` if the audit failed or no checkpoint is signed yet).
    pub state: Option<AuditState>,
}

/// Cap on findings kept, so a wholly corrupt file cannot exhaust memory.
const MAX_FINDINGS: usize = 1000;

struct Auditor {
    findings: Vec<Finding>,
    truncated: u64,
}

impl Auditor {
    fn fail(&mut self, code: &'static str, index: Option<u64>, message: impl Into<String>) {
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(Finding {
                code,
                index,
                message: message.into(),
            });
        } else {
            self.truncated += 1;
        }
    }

    /// The verdict. `counts` = (entries in the ledger, checkpoints checked, cosignatures
    /// checked).
    fn report(
        mut self,
        opts: &AuditOptions<'_>,
        log_key: VerifyingKey,
        started: Instant,
        counts: (u64, u64, u64),
        keys: usize,
        state: Option<AuditState>,
    ) -> AuditReport {
        let (entries, checkpoints, cosignatures) = counts;
        if self.truncated > 0 {
            let n = self.truncated;
            self.findings.push(Finding {
                code: codes::TOO_MANY_FINDINGS,
                index: None,
                message: format!("{n} more findings not listed"),
            });
        }
        let resumed_from = opts.resume.map(|s| s.size());
        AuditReport {
            ok: self.findings.is_empty(),
            entries,
            checkpoints,
            cosignatures,
            keys,
            findings: self.findings,
            notices: Vec::new(),
            log_key_pinned: opts.log_key.is_some() || opts.resume.is_some(),
            log_key,
            elapsed: started.elapsed(),
            resumed_from,
            checked: entries.saturating_sub(resumed_from.unwrap_or(0)),
            state,
        }
    }
}

impl Ledger {
    /// Audit with the log key recorded at init.
    pub fn audit(&self) -> Result<AuditReport> {
        self.audit_with(AuditOptions::default())
    }

    /// Re-verify everything from the stored bytes. Returns a report; `Err` only when the audit
    /// could not run (I/O). A finding means the ledger failed verification.
    pub fn audit_with(&self, opts: AuditOptions<'_>) -> Result<AuditReport> {
        let started = Instant::now();
        // One read transaction: a consistent snapshot even while others append.
        let conn = self.conn();
        conn.execute_batch("BEGIN DEFERRED")?;
        let result = self.audit_in(conn, &opts, started);
        let _ = conn.execute_batch("COMMIT");
        result
    }

    fn audit_in(
        &self,
        conn: &rusqlite::Connection,
        opts: &AuditOptions<'_>,
        started: Instant,
    ) -> Result<AuditReport> {
        let mut a = Auditor {
            findings: Vec::new(),
            truncated: 0,
        };
        let resume = opts.resume;
        if let Some(st) = resume {
            if st.origin() != self.origin() {
                return Err(AuditStateError::OtherLedger {
                    state_origin: st.origin().to_string(),
                    ledger_origin: self.origin().to_string(),
                }
                .into());
            }
            if let Some(pinned) = opts.log_key.as_ref().filter(|k| *k != st.log_key()) {
                return Err(AuditStateError::KeyConflict {
                    state_key: st.log_key().to_string(),
                    pinned: pinned.to_string(),
                }
                .into());
            }
        }
        let recorded = self.log_key().clone();
        let log_key = opts
            .log_key
            .clone()
            .or_else(|| resume.map(|s| s.log_key().clone()))
            .unwrap_or_else(|| recorded.clone());
        if log_key != recorded {
            a.fail(
                codes::LOG_KEY_MISMATCH,
                None,
                format!("the pinned log key {log_key} is not the ledger's recorded key {recorded}"),
            );
        }
        // A resumed audit reads nothing below the state's size but the stored tree nodes of one
        // consistency proof, and the rows (each proved by inclusion) that new entries name.
        let base = resume.map_or(0, |s| s.size());
        let stored_checkpoints: BTreeMap<u64, store::CheckpointRow> =
            store::checkpoints_from(conn, base)?
                .into_iter()
                .map(|c| (c.size, c))
                .collect();
        let total = store::size(conn)?;
        let mut walk = Walk {
            book: resume.map_or_else(|| KeyBook::new(recorded.clone()), |s| s.key_book()),
            redactions: resume.map(|s| s.redactions().to_vec()).unwrap_or_default(),
            resume,
        };
        let mut frontier = resume.map_or_else(Frontier::new, |s| s.frontier().clone());
        if let Some(st) = resume {
            if total < base {
                a.fail(
                    codes::NOT_EXTENDING_STATE,
                    Some(base),
                    format!("the ledger has {total} entries but the audit state vouches for {base}: it was rolled back or replaced by an older copy"),
                );
                // Nothing to extend: the verdict is this.
                let keys = walk.book.records().count();
                return Ok(a.report(opts, log_key, started, (total, 0, 0), keys, None));
            }
            match stored_checkpoints.get(&base) {
                Some(cp) if cp.note == st.note() => {}
                Some(_) => a.fail(
                    codes::NOT_EXTENDING_STATE,
                    Some(base),
                    format!("the checkpoint stored at size {base} is not the one the audit state was checked against: the ledger was replaced"),
                ),
                None => a.fail(
                    codes::NOT_EXTENDING_STATE,
                    Some(base),
                    format!("the checkpoint at size {base} the audit state was checked against is no longer stored"),
                ),
            }
        }
        // The state to hand on is taken at the newest stored checkpoint, as the walk meets it.
        let anchor = stored_checkpoints
            .keys()
            .next_back()
            .copied()
            .filter(|&c| c >= base.max(1) && c <= total);
        let mut anchored: Option<(Frontier, KeyBook, Redactions)> = None;
        let mut take_anchor = |frontier: &Frontier, walk: &Walk| {
            if Some(frontier.size()) == anchor {
                anchored = Some((frontier.clone(), walk.book.clone(), walk.redactions.clone()));
            }
        };
        take_anchor(&frontier, &walk);
        let mut expected_idx = base;
        let mut checkpoints_checked = 0u64;
        let mut from = base;
        loop {
            let rows = store::rows(conn, from, CHUNK)?;
            let Some(last) = rows.last() else { break };
            from = last.idx + 1;
            // Keys granted so far, already parsed: most entries resolve their signer here.
            let known: KnownKeys = walk
                .book
                .records()
                .map(|r| (r.vkey.to_string(), r.vkey.clone()))
                .chain([(recorded.to_string(), recorded.clone())])
                .collect();
            let checked: Vec<Checked> = rows.par_iter().map(|r| check_row(r, &known)).collect();
            let mut emitted: Vec<(u32, u64, Hash)> = Vec::new();
            let chunk_start = frontier.size();
            for c in checked {
                // One finding per gap, whatever its length: an entry moved to index 10^12 is
                // reported at once, not counted out index by index.
                if expected_idx < c.idx {
                    let message = if c.idx - expected_idx == 1 {
                        format!("entry {expected_idx} is missing (deleted?)")
                    } else {
                        format!(
                            "entries {expected_idx}..{} are missing ({} indexes: deleted, or a later entry moved?)",
                            c.idx - 1,
                            c.idx - expected_idx
                        )
                    };
                    a.fail(codes::MISSING_ENTRY, Some(expected_idx), message);
                }
                expected_idx = c.idx + 1;
                for (code, msg) in &c.problems {
                    a.fail(code, Some(c.idx), format!("entry {}: {msg}", c.idx));
                }
                if c.absent {
                    check_absent_payload(conn, &mut a, c.idx, &recorded)?;
                }
                if let Some(env) = &c.envelope {
                    check_entry_rules(conn, &mut a, &mut walk, c.idx, env, c.payload.as_ref())?;
                }
                // The tree is recomputed over the leaves in stored order, whatever their index
                // column says, so a gap shifts every later leaf and the stored nodes disagree.
                frontier.push(c.leaf, |level, idx, hash| emitted.push((level, idx, *hash)));
                let size = frontier.size();
                if let Some(cp) = stored_checkpoints.get(&size) {
                    checkpoints_checked += 1;
                    check_checkpoint(&mut a, cp, &log_key, self.origin(), &frontier.root());
                }
                take_anchor(&frontier, &walk);
            }
            compare_nodes(conn, &mut a, &emitted, chunk_start, frontier.size())?;
            if let Some(p) = opts.progress {
                p(frontier.size(), total);
            }
        }
        let size = frontier.size();
        if size == 0 {
            a.fail(
                codes::BAD_GENESIS,
                None,
                "the ledger has no entries (entry 0 is the operator's grant)",
            );
        }
        if let Some(cp) = stored_checkpoints.get(&0) {
            checkpoints_checked += 1;
            check_checkpoint(
                &mut a,
                cp,
                &log_key,
                self.origin(),
                &crate::format::merkle::EMPTY_ROOT,
            );
        }
        for (&cp_size, _) in stored_checkpoints.range(size + 1..) {
            checkpoints_checked += 1;
            a.fail(
                codes::CHECKPOINT_BEYOND_TREE,
                Some(cp_size),
                format!("a checkpoint was signed at size {cp_size} but the ledger has only {size} entries: entries were removed from the end"),
            );
        }
        match resume {
            None => check_extra_nodes(conn, &mut a, size)?,
            Some(st) => {
                check_extra_nodes_above(conn, &mut a, size)?;
                check_extends_state(conn, &mut a, st, &frontier)?;
            }
        }
        check_duplicates(conn, &mut a, base)?;
        if let Some(published) = &opts.against {
            check_against(conn, &mut a, published, &log_key, &frontier)?;
        }
        let cosignatures = check_cosignatures_in(conn, &mut a, &stored_checkpoints, base)?;
        if let Some(policy) = &opts.policy {
            self.check_policy(
                &mut a,
                policy,
                &log_key,
                stored_checkpoints.values().next_back(),
            )?;
        }
        let state = match anchored {
            Some((frontier, book, redactions)) if a.findings.is_empty() && a.truncated == 0 => {
                let note = &stored_checkpoints[&frontier.size()].note;
                Some(AuditState::new(
                    &log_key, note, frontier, &book, redactions,
                )?)
            }
            _ => None,
        };
        let keys = walk.book.records().count();
        let counts = (size, checkpoints_checked, cosignatures);
        let mut report = a.report(opts, log_key, started, counts, keys, state);
        let covered = stored_checkpoints
            .keys()
            .next_back()
            .copied()
            .unwrap_or(0)
            .min(size);
        if covered < size {
            report.notices.push(Finding {
                code: codes::UNCOVERED_ENTRIES,
                index: Some(covered),
                message: format!(
                    "entries {covered}..{} are not yet covered by a signed checkpoint; run 'claimledger checkpoint --sign' where the operator key is",
                    size - 1
                ),
            });
        }
        Ok(report)
    }
}
