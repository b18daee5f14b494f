//! The audit's checks of each entry: bytes, signature and payload (in parallel), then the
//! ledger's rules in index order (key state, targets, redactions, replays).

use super::state::AuditState;
use super::{Auditor, codes};
use crate::error::{Error, Result};
use crate::format::entry::{Envelope, Kind, KnownKeys, Payload, sha256};
use crate::format::keys::VerifyingKey;
use crate::format::merkle::Hash;
use crate::ledger::keybook::KeyBook;
use crate::ledger::store::{self, Row};

/// Per-entry results computed in parallel.
pub(super) struct Checked {
    pub(super) idx: u64,
    pub(super) leaf: Hash,
    pub(super) envelope: Option<Envelope>,
    pub(super) payload: Option<Payload>,
    /// The payload row is absent (withheld, or deleted behind the tool's back).
    pub(super) absent: bool,
    pub(super) problems: Vec<(&'static str, String)>,
}

pub(super) fn check_row(row: &Row, known: &KnownKeys) -> Checked {
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

/// `(target, redaction)` pairs.
pub(super) type Redactions = Vec<(u64, u64)>;

/// What the walk over the entries carries from one entry to the next.
pub(super) struct Walk<'s> {
    /// The key state before the current entry.
    pub(super) book: KeyBook,
    /// `(target, redaction)` of the redactions met so far (and those of the state).
    pub(super) redactions: Redactions,
    /// The state a resumed audit started from.
    pub(super) resume: Option<&'s AuditState>,
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

pub(super) fn check_entry_rules(
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

/// The same envelope (leaf hash) at two indexes, the later one at `from` or after. Stored leaf
/// hashes were each checked against their envelope (from `from` on), so equal columns mean
/// equal envelopes: one indexed pass finds replayed entries.
pub(super) fn check_duplicates(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    from: u64,
) -> Result<()> {
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
pub(super) fn check_absent_payload(
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
