//! Whole-ledger verification from the stored bytes up; findings carry stable codes.
//!
//! Audit trusts nothing derived: it re-reads every envelope and payload, re-checks canonical
//! form and author signatures, replays key grants and revocations, recomputes the Merkle tree
//! with a compact frontier and compares every stored interior hash and every stored checkpoint.
//! Memory is bounded by the chunk size, whatever the ledger size.

use crate::error::{Error, Result};
use crate::format::checkpoint::open_checkpoint;
use crate::format::entry::{Envelope, Kind, KnownKeys, Payload, sha256};
use crate::format::keys::VerifyingKey;
use crate::format::merkle::{Frontier, Hash};
use crate::format::policy::Policy;
use crate::ledger::Ledger;
use crate::ledger::keybook::KeyBook;
use crate::ledger::store::{self, Row};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// Entries verified per batch; bounds memory (about 1 KiB an entry).
const CHUNK: u64 = 4096;

mod state;
mod witnesses;
pub use state::{AUDIT_STATE_FORMAT, AuditState, AuditStateError, MAX_AUDIT_STATE_BYTES};
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

/// Per-entry results computed in parallel.
struct Checked {
    idx: u64,
    leaf: Hash,
    envelope: Option<Envelope>,
    payload: Option<Payload>,
    /// The payload row is absent (withheld, or deleted behind the tool's back).
    absent: bool,
    problems: Vec<(&'static str, String)>,
}

fn check_row(row: &Row, known: &KnownKeys) -> Checked {
    let leaf = crate::format::merkle::leaf_hash(&row.envelope);
    let mut problems = Vec::new();
    if row.leaf_hash[..] != leaf[..] {
        problems.push((
            codes::LEAF_HASH_MISMATCH,
            format!(
                "stored leaf hash {} is not the hash of the envelope",
                hex::encode(&row.leaf_hash)
            ),
        ));
    }
    let envelope = match Envelope::parse_known(&row.envelope, known) {
        Ok(env) => env,
        Err(e) => {
            problems.push((codes::ENVELOPE_INVALID, format!("envelope: {e}")));
            return Checked {
                idx: row.idx,
                leaf,
                envelope: None,
                payload: None,
                absent: row.payload.is_none(),
                problems,
            };
        }
    };
    if envelope.kind().as_str() != row.kind || envelope.target().map(|t| t.index) != row.target_idx
    {
        problems.push((
            codes::INDEX_COLUMN_MISMATCH,
            "the kind/target_idx columns disagree with the envelope".to_string(),
        ));
    }
    if envelope.verify_signature().is_err() {
        problems.push((
            codes::BAD_SIGNATURE,
            format!(
                "signature by key {} does not verify",
                envelope.signer().key_id()
            ),
        ));
    }
    let mut payload = None;
    let Some(row_payload) = &row.payload else {
        // Absent: valid only if a redaction covers it, which the rules pass checks.
        return Checked {
            idx: row.idx,
            leaf,
            envelope: Some(envelope),
            payload,
            absent: true,
            problems,
        };
    };
    if sha256(row_payload) != *envelope.payload_sha256() {
        problems.push((
            codes::PAYLOAD_HASH_MISMATCH,
            "payload is missing or its SHA-256 differs from the envelope's payload_sha256"
                .to_string(),
        ));
    } else {
        match Payload::from_stored(envelope.kind(), row_payload) {
            Ok(p) => payload = Some(p),
            Err(e) => problems.push((codes::PAYLOAD_INVALID, format!("payload: {e}"))),
        }
    }
    Checked {
        idx: row.idx,
        leaf,
        envelope: Some(envelope),
        payload,
        absent: false,
        problems,
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

/// `(target, redaction)` pairs.
type Redactions = Vec<(u64, u64)>;

/// What the walk over the entries carries from one entry to the next.
struct Walk<'s> {
    /// The key state before the current entry.
    book: KeyBook,
    /// `(target, redaction)` of the redactions met so far (and those of the state).
    redactions: Redactions,
    /// The state a resumed audit started from.
    resume: Option<&'s AuditState>,
}

/// The stored row an entry `idx` names as its target `t`, as `(leaf hash, kind)`.
enum TargetRow {
    /// No entry `t` before `idx`.
    Missing,
    /// Below a resumed audit's state, and not provably the entry its tree holds (reported).
    Unproved,
    /// The entry: its leaf hash and kind.
    Found(Vec<u8>, String),
}

/// The target row `t` of entry `idx`. Rows this audit verified (all of them in a full audit;
/// those from the state's size on when resumed) are read by their checked columns. A row below a
/// resumed audit's state was not re-read: its envelope is hashed and proved by inclusion against
/// the state's root (O(log n) stored nodes), so a new entry is never checked against an old row
/// that was altered.
fn target_row(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    walk: &Walk<'_>,
    idx: u64,
    t: u64,
) -> Result<TargetRow> {
    if t >= idx {
        return Ok(TargetRow::Missing);
    }
    let Some(st) = walk.resume.filter(|s| t < s.size()) else {
        return Ok(match store::leaf_and_kind(conn, t)? {
            Some((hash, kind)) => TargetRow::Found(hash, kind),
            None => TargetRow::Missing,
        });
    };
    let envelope = store::row(conn, t)?.map(|r| r.envelope);
    let proved = envelope.and_then(|env| {
        let leaf = crate::format::merkle::leaf_hash(&env);
        let proof =
            crate::format::merkle::inclusion_proof(&store::Nodes(conn), t, st.size()).ok()?;
        crate::format::merkle::verify_inclusion(t, st.size(), &leaf, &proof, st.root()).ok()?;
        // In the audited tree, so it passed that audit: it parses.
        let kind = Envelope::parse(&env).ok()?.kind().as_str().to_string();
        Some((leaf.to_vec(), kind))
    });
    Ok(match proved {
        Some((hash, kind)) => TargetRow::Found(hash, kind),
        None => {
            a.fail(
                codes::NOT_EXTENDING_STATE,
                Some(t),
                format!("entry {t}, which entry {idx} names, is not the entry the audited tree of the state holds at {t}: the ledger was altered below the state"),
            );
            TargetRow::Unproved
        }
    })
}

fn check_entry_rules(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    walk: &mut Walk<'_>,
    idx: u64,
    env: &Envelope,
    payload: Option<&Payload>,
) -> Result<()> {
    let book = &mut walk.book;
    match book.authorize(env.signer()) {
        Ok(()) => {}
        Err(Error::Revoked { revoked_at, .. }) => a.fail(
            codes::SIGNER_REVOKED,
            Some(idx),
            format!(
                "entry {idx}: signed by key {} after its revocation at entry {revoked_at}",
                env.signer().key_id()
            ),
        ),
        Err(_) => a.fail(
            codes::SIGNER_NOT_GRANTED,
            Some(idx),
            format!(
                "entry {idx}: signed by key {} which has no grant in force",
                env.signer().key_id()
            ),
        ),
    }
    if idx == 0 {
        let genesis_ok = matches!(payload, Some(Payload::Key(k)) if k.vkey == book.operator().to_string())
            && env.signer() == book.operator();
        if !genesis_ok {
            a.fail(
                codes::BAD_GENESIS,
                Some(0),
                "entry 0 is not the operator's grant of its own key",
            );
        }
    }
    match (env.kind(), payload) {
        (Kind::Key, Some(Payload::Key(change))) => {
            if let Err(e) = book.apply(idx, env.signer(), change) {
                a.fail(codes::BAD_KEY_ENTRY, Some(idx), format!("entry {idx}: {e}"));
            }
        }
        (Kind::Redaction, _) => {
            check_redaction(conn, a, walk, idx, env)?;
            let t = env
                .target()
                .expect("Envelope::parse requires a redaction target");
            walk.redactions.push((t.index, idx));
        }
        (Kind::Statement, _) => {
            let t = env
                .target()
                .expect("Envelope::parse requires a statement target");
            let problem = match target_row(conn, a, walk, idx, t.index)? {
                TargetRow::Unproved => None,
                TargetRow::Missing => {
                    Some(format!("target entry {} does not exist before it", t.index))
                }
                TargetRow::Found(_, kind) if kind == "key" => {
                    Some(format!("target entry {} is a key entry", t.index))
                }
                TargetRow::Found(hash, _) if hash[..] != t.leaf_hash[..] => Some(format!(
                    "target entry {} has leaf hash {}, not {}",
                    t.index,
                    hex::encode(&hash),
                    hex::encode(t.leaf_hash)
                )),
                TargetRow::Found(..) => None,
            };
            if let Some(p) = problem {
                a.fail(codes::BAD_TARGET, Some(idx), format!("entry {idx}: {p}"));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The ledger does not extend the `--against` checkpoint unless the stored tree proves its root
/// consistent with the root recomputed from the entries (`frontier`).
fn check_against(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    published: &[u8],
    log_key: &VerifyingKey,
    frontier: &Frontier,
) -> Result<()> {
    let size = frontier.size();
    let cp = match open_checkpoint(published, log_key) {
        Ok((cp, _)) => cp,
        Err(e) => {
            a.fail(
                codes::PUBLISHED_CHECKPOINT_INVALID,
                None,
                format!(
                    "the published checkpoint does not verify with log key {}: {e}",
                    log_key.key_id()
                ),
            );
            return Ok(());
        }
    };
    if cp.size > size {
        a.fail(
            codes::NOT_EXTENDING_PUBLISHED,
            Some(cp.size),
            format!(
                "the published checkpoint covers {} entries but this ledger has {size}: it was rolled back or replaced",
                cp.size
            ),
        );
        return Ok(());
    }
    if !proves_consistent(conn, cp.size, &cp.root, frontier) {
        a.fail(
            codes::NOT_EXTENDING_PUBLISHED,
            Some(cp.size),
            format!(
                "this ledger's tree at size {} does not have the published root: it is not the ledger that was published (replaced or forked)",
                cp.size
            ),
        );
    }
    Ok(())
}

/// The tree of `old_size` leaves with root `old_root` is a prefix of the tree `frontier` was
/// recomputed to, by a consistency proof built from the stored nodes (RFC 9162 §2.1.4). Size 0
/// is the empty tree.
fn proves_consistent(
    conn: &rusqlite::Connection,
    old_size: u64,
    old_root: &Hash,
    frontier: &Frontier,
) -> bool {
    use crate::format::merkle::{EMPTY_ROOT, consistency_proof, verify_consistency};
    if old_size == 0 {
        return *old_root == EMPTY_ROOT;
    }
    consistency_proof(&store::Nodes(conn), old_size, frontier.size()).is_ok_and(|proof| {
        verify_consistency(
            old_size,
            frontier.size(),
            old_root,
            &frontier.root(),
            &proof,
        )
        .is_ok()
    })
}

/// A resumed audit: the stored tree still has the state's root at its size (its frontier
/// nodes there fold to it), and proves that root consistent with the root recomputed from the
/// state's frontier and the new entries. (When the state's size is a power of two the proof
/// holds no node below it, so the first check is the one that reads the old tree.)
fn check_extends_state(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    st: &AuditState,
    frontier: &Frontier,
) -> Result<()> {
    let stored_root = crate::format::merkle::root_at(&store::Nodes(conn), st.size());
    if !stored_root.is_ok_and(|r| r == *st.root())
        || !proves_consistent(conn, st.size(), st.root(), frontier)
    {
        a.fail(
            codes::NOT_EXTENDING_STATE,
            Some(st.size()),
            format!(
                "the stored tree does not prove the audited root at size {} consistent with the root recomputed at size {}: the ledger was rewritten below the state",
                st.size(),
                frontier.size()
            ),
        );
    }
    Ok(())
}

/// Stored tree nodes beyond a `size`-entry tree, counted over the whole table.
fn check_extra_nodes(conn: &rusqlite::Connection, a: &mut Auditor, size: u64) -> Result<()> {
    let expected_nodes: u64 = (0..64).map(|l| size >> l).sum();
    let stored_nodes: i64 = conn.query_row("SELECT count(*) FROM tree_nodes", [], |r| r.get(0))?;
    if stored_nodes as u64 > expected_nodes {
        extra_nodes(a, size, stored_nodes as u64 - expected_nodes);
    }
    Ok(())
}

/// Stored tree nodes beyond a `size`-entry tree, found level by level above its right edge (a
/// resumed audit reads no old node it does not need; O(log n) index probes).
fn check_extra_nodes_above(conn: &rusqlite::Connection, a: &mut Auditor, size: u64) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("SELECT count(*) FROM tree_nodes WHERE level = ?1 AND idx >= ?2")?;
    let mut extra = 0u64;
    for level in 0..64u32 {
        let n: i64 = stmt.query_row(rusqlite::params![level, (size >> level) as i64], |r| {
            r.get(0)
        })?;
        extra += n as u64;
    }
    extra += conn.query_row(
        "SELECT count(*) FROM tree_nodes WHERE level >= 64",
        [],
        |r| r.get::<_, i64>(0),
    )? as u64;
    if extra > 0 {
        extra_nodes(a, size, extra);
    }
    Ok(())
}

fn extra_nodes(a: &mut Auditor, size: u64, extra: u64) {
    a.fail(
        codes::EXTRA_TREE_NODES,
        None,
        format!(
            "{extra} stored tree nodes lie beyond the {size}-entry tree: entries were removed from the end"
        ),
    );
}

/// The same envelope (leaf hash) at two indexes, the later one at `from` or after. Stored leaf
/// hashes were each checked against their envelope (from `from` on), so equal columns mean
/// equal envelopes: one indexed pass finds replayed entries.
fn check_duplicates(conn: &rusqlite::Connection, a: &mut Auditor, from: u64) -> Result<()> {
    let dup_rows = if from == 0 {
        let mut dups = conn.prepare(
            "SELECT min(idx), max(idx) FROM entries GROUP BY leaf_hash HAVING count(*) > 1 ORDER BY 1",
        )?;
        dups.query_map([], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
    } else {
        let mut dups = conn.prepare(
            "SELECT min(d.idx), e.idx FROM entries e JOIN entries d ON d.leaf_hash = e.leaf_hash AND d.idx < e.idx
             WHERE e.idx >= ?1 GROUP BY e.idx ORDER BY 2",
        )?;
        dups.query_map([from as i64], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
    };
    for (first, later) in dup_rows {
        a.fail(
            codes::DUPLICATE_ENTRY,
            Some(later),
            format!("entry {later} repeats entry {first} byte for byte (a replayed entry)"),
        );
    }
    Ok(())
}

/// A payload row is absent: valid if and only if a later redaction entry, signed by the
/// operator key, names this entry (FORMAT.md §7.8).
fn check_absent_payload(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    idx: u64,
    operator: &VerifyingKey,
) -> Result<()> {
    let covered = match store::redaction_of(conn, idx)? {
        Some((by, _)) if by > idx => store::row(conn, by)?
            .and_then(|row| Envelope::parse(&row.envelope).ok())
            .is_some_and(|env| env.signer() == operator && env.kind() == Kind::Redaction),
        _ => false,
    };
    if !covered {
        a.fail(
            codes::PAYLOAD_HASH_MISMATCH,
            Some(idx),
            format!(
                "entry {idx}: payload is missing and no redaction by the operator withholds it"
            ),
        );
    }
    Ok(())
}

/// The rules of a redaction entry (FORMAT.md §7.8), as findings.
fn check_redaction(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    walk: &Walk<'_>,
    idx: u64,
    env: &Envelope,
) -> Result<()> {
    if env.signer() != walk.book.operator() {
        a.fail(
            codes::REDACTION_NOT_BY_OPERATOR,
            Some(idx),
            format!(
                "entry {idx}: a redaction signed by key {}, not by the operator key",
                env.signer().key_id()
            ),
        );
    }
    let t = env
        .target()
        .expect("Envelope::parse requires a redaction target");
    // The first redaction of the target: one below a resumed audit's state is known from the
    // state, so deleting its row does not let a second one pass.
    let first = match walk.resume.and_then(|s| s.redaction_of(t.index)) {
        Some(by) => Some(by),
        None => store::redaction_of(conn, t.index)?.map(|r| r.0),
    };
    let problem = match target_row(conn, a, walk, idx, t.index)? {
        TargetRow::Unproved => None,
        TargetRow::Missing => Some(format!("target entry {} does not exist before it", t.index)),
        TargetRow::Found(_, kind) if kind != "claim" && kind != "statement" => Some(format!(
            "target entry {} is a {kind} entry; only claims and statements are withheld",
            t.index
        )),
        TargetRow::Found(hash, _) if hash[..] != t.leaf_hash[..] => Some(format!(
            "target entry {} has leaf hash {}, not {}",
            t.index,
            hex::encode(&hash),
            hex::encode(t.leaf_hash)
        )),
        TargetRow::Found(..) => match first {
            Some(first) if first != idx => Some(format!(
                "entry {} is already withheld by redaction #{first}",
                t.index
            )),
            _ if store::payload(conn, t.index)?.is_some() => {
                Some(format!("the payload of entry {} is still stored", t.index))
            }
            _ => None,
        },
    };
    if let Some(p) = problem {
        a.fail(codes::BAD_REDACTION, Some(idx), format!("entry {idx}: {p}"));
    }
    Ok(())
}

fn check_checkpoint(
    a: &mut Auditor,
    cp: &store::CheckpointRow,
    log_key: &VerifyingKey,
    origin: &str,
    recomputed: &Hash,
) {
    let size = cp.size;
    match open_checkpoint(cp.note.as_bytes(), log_key) {
        Err(e) => a.fail(
            codes::CHECKPOINT_INVALID,
            Some(size),
            format!("checkpoint at size {size}: {e}"),
        ),
        Ok((parsed, _)) => {
            if parsed.size != size || parsed.origin != origin || parsed.root[..] != cp.root[..] {
                a.fail(
                    codes::CHECKPOINT_INVALID,
                    Some(size),
                    format!("checkpoint at size {size}: the note disagrees with its row (size, origin or root)"),
                );
            }
            if parsed.root != *recomputed {
                a.fail(
                    codes::CHECKPOINT_ROOT_MISMATCH,
                    Some(size),
                    format!("checkpoint at size {size}: signed root differs from the root recomputed from the entries"),
                );
            }
        }
    }
}

/// Compare recomputed nodes of leaves [start, end) with the stored ones, level by level.
fn compare_nodes(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    emitted: &[(u32, u64, Hash)],
    start: u64,
    end: u64,
) -> Result<()> {
    let mut by_level: BTreeMap<u32, Vec<(u64, Hash)>> = BTreeMap::new();
    for (level, idx, hash) in emitted {
        by_level.entry(*level).or_default().push((*idx, *hash));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT idx, hash FROM tree_nodes WHERE level = ?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx",
    )?;
    for (level, nodes) in by_level {
        let lo = nodes.first().map(|n| n.0).unwrap_or(start >> level);
        let hi = nodes.last().map(|n| n.0 + 1).unwrap_or(end >> level);
        let stored: HashMap<u64, Vec<u8>> = stmt
            .query_map(rusqlite::params![level, lo as i64, hi as i64], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (idx, hash) in nodes {
            match stored.get(&idx) {
                Some(h) if h[..] == hash[..] => {}
                Some(_) => a.fail(
                    codes::TREE_NODE_MISMATCH,
                    Some(idx << level),
                    format!("stored tree node (level {level}, index {idx}) differs from the recomputed hash"),
                ),
                None => a.fail(
                    codes::TREE_NODE_MISMATCH,
                    Some(idx << level),
                    format!("tree node (level {level}, index {idx}) is missing"),
                ),
            }
        }
    }
    Ok(())
}
