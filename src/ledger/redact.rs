//! Redactions: withhold an entry's payload by an operator-signed entry, erase its bytes from
//! the file, and read what stands in for it (docs/FORMAT.md §7.8).
//!
//! A redaction is an ordinary append of a `redaction` entry plus one payload deletion in the
//! same transaction; everything here hooks into [`Ledger::write_batch`] at three points:
//! after each stored entry ([`InBatch::stored`]), before the commit
//! ([`InBatch::check_covered`]) and after it ([`InBatch::scrub`]).

use crate::error::{Error, Result};
use crate::format::entry::{
    Envelope, Kind, Payload, Redaction, RedactionCategory, SignOptions, SignedEntry, Withheld,
};
use crate::format::keys::SigningKey;
use crate::ledger::keybook::KeyBook;
use crate::ledger::store;
use crate::ledger::{Appended, Ledger, check_target};

impl Ledger {
    /// Withhold the payload of entry `index`: append a redaction entry signed with the loaded
    /// operator key and erase the payload's bytes in the same transaction, then checkpoint
    /// the WAL into the file with truncation so no copy of the bytes is left in `ledger.db`,
    /// its WAL or its free pages.
    ///
    /// MUST be refused (nothing written) unless the operator key is loaded and `index` is a
    /// claim or a statement not already withheld. `reason` is public forever: it MUST NOT
    /// repeat what is withheld. Proofs, checkpoints and receipts of every entry stay valid.
    pub fn redact(
        &mut self,
        index: u64,
        category: RedactionCategory,
        reason: &str,
    ) -> Result<Appended> {
        self.refuse_if_replica()?;
        let operator = self.operator.clone().ok_or_else(|| Error::NoOperatorKey {
            path: self.operator_key_path().ok().flatten(),
        })?;
        let signed = self.sign_redaction(index, category, reason, &operator.key)?;
        self.append_signed(signed)
    }

    /// Sign (without appending) a redaction of entry `index` with `key`: what an operator
    /// signs offline and then POSTs to `/v1/entries` or imports. Checks the target here so a
    /// mistake shows before the entry travels; the append checks everything again.
    pub fn sign_redaction(
        &self,
        index: u64,
        category: RedactionCategory,
        reason: &str,
        key: &SigningKey,
    ) -> Result<SignedEntry> {
        let target = self
            .entry(index)
            .map_err(|e| match e {
                Error::NoSuchEntry { .. } => Error::TargetNotFound {
                    index,
                    size: self.size().unwrap_or(0),
                },
                e => e,
            })?
            .as_target();
        let redaction = Redaction {
            category,
            reason: reason.to_string(),
        };
        Ok(SignedEntry::sign_with(
            redaction,
            Some(target),
            key,
            SignOptions::default(),
        )?)
    }
}

/// The rules of a redaction entry at `index` (FORMAT.md §7.8): signed by the operator key,
/// naming an existing claim or statement by index and leaf hash, not already withheld.
pub(crate) fn check(
    conn: &rusqlite::Connection,
    book: &KeyBook,
    index: u64,
    env: &Envelope,
) -> Result<()> {
    if env.signer() != book.operator() {
        return Err(Error::RedactionNotByOperator {
            key_id: env.signer().key_id(),
            operator: book.operator().to_string(),
        });
    }
    let target = env
        .target()
        .expect("Envelope::parse requires a redaction target");
    check_target(conn, index, target).map_err(|e| match e {
        Error::TargetIsKey { index } => Error::RedactionRule(format!(
            "entry {index} is a key entry; key entries are never withheld (a revocation is how a key is withdrawn)"
        )),
        Error::RedactionRule(_) => Error::RedactionRule(format!(
            "entry {} is a redaction; a redaction is never withheld",
            target.index
        )),
        e => e,
    })?;
    if let Some((by, _)) = store::redaction_of(conn, target.index)? {
        return Err(Error::RedactionRule(format!(
            "entry {} is already withheld by redaction #{by}; nothing was appended",
            target.index
        )));
    }
    Ok(())
}

/// What stands in for the payload of entry `idx`, if a redaction withholds it.
pub(crate) fn withheld(conn: &rusqlite::Connection, idx: u64) -> Result<Option<Withheld>> {
    let Some((redaction, payload)) = store::redaction_of(conn, idx)? else {
        return Ok(None);
    };
    let payload = payload
        .ok_or_else(|| Error::Corrupt(format!("redaction entry {redaction} has no payload")))?;
    match Payload::from_stored(Kind::Redaction, &payload) {
        Ok(Payload::Redaction(r)) => Ok(Some(Withheld {
            redaction,
            category: r.category,
        })),
        Ok(_) => unreachable!("from_stored(Kind::Redaction) yields a redaction"),
        Err(e) => Err(Error::Corrupt(format!("redaction entry {redaction}: {e}"))),
    }
}

/// The redactions of one write batch and the withheld entries waiting for one.
#[derive(Default)]
pub(crate) struct InBatch {
    /// A redaction was stored: the WAL is to be truncated after the commit.
    any: bool,
    /// Withheld entries stored without payload: (position in batch, index).
    waiting: Vec<(usize, u64)>,
}

impl InBatch {
    /// After entry `index` (at `pos` in the batch) was stored: a redaction erases its target's
    /// payload (the trigger admits exactly this deletion); a withheld entry waits for one.
    pub(crate) fn stored(
        &mut self,
        conn: &rusqlite::Connection,
        pos: usize,
        index: u64,
        signed: &SignedEntry,
    ) -> Result<()> {
        let env = signed.envelope();
        if env.kind() == Kind::Redaction {
            let target = env
                .target()
                .expect("Envelope::parse requires a redaction target");
            store::delete_payload(conn, target.index)?;
            self.any = true;
        }
        if signed.withheld().is_some() {
            self.waiting.push((pos, index));
        }
        Ok(())
    }

    /// Before the commit: every withheld entry of the batch is covered by a redaction stored
    /// after it, else the batch is refused (a payload missing without one is a finding).
    pub(crate) fn check_covered(
        &self,
        conn: &rusqlite::Connection,
    ) -> std::result::Result<(), (usize, Error)> {
        for &(pos, index) in &self.waiting {
            if store::redaction_of(conn, index)
                .map_err(|e| (pos, e))?
                .is_none()
            {
                return Err((
                    pos,
                    Error::RedactionRule(format!(
                        "entry {index} comes without its payload but no redaction after it withholds it; import the redaction in the same run, or the payload"
                    )),
                ));
            }
        }
        Ok(())
    }

    /// After the commit: move the WAL into the file and truncate it, so the page images that
    /// held the payload are gone. Returns a warning when a reader kept the WAL busy.
    pub(crate) fn scrub(&self, conn: &rusqlite::Connection) -> Option<String> {
        if !self.any {
            return None;
        }
        match store::checkpoint_truncate(conn) {
            Ok(true) => None,
            Ok(false) => Some(
                "the redaction is recorded and the payload deleted, but a reader kept the WAL busy, so older copies of its pages may remain in ledger.db-wal; run 'claimledger redact --scrub' when readers are idle".to_string(),
            ),
            Err(e) => Some(format!(
                "the redaction is recorded and the payload deleted, but the WAL checkpoint failed ({e}); run 'claimledger redact --scrub'"
            )),
        }
    }
}

impl Ledger {
    /// Every withheld entry, `(index, what stands in for its payload)`, in index order: what a
    /// list of figures or claims names so a withheld entry is shown as withheld, not omitted.
    pub fn withheld_entries(&self) -> Result<Vec<(u64, Withheld)>> {
        self.withheld_since(0)
    }

    /// The entries withheld by redactions at index `from` or later, as
    /// [`Ledger::withheld_entries`]; reads only the entries from `from` on (what a publish run
    /// needs after `from`, in time proportional to what is new).
    pub fn withheld_since(&self, from: u64) -> Result<Vec<(u64, Withheld)>> {
        let conn = &self.store.conn;
        let mut out = Vec::new();
        for (_, target) in store::redactions(conn, from)? {
            if let Some(w) = withheld(conn, target)? {
                out.push((target, w));
            }
        }
        // Two redactions of one target would be a finding; name the target once.
        out.sort_by_key(|(t, _)| *t);
        out.dedup_by_key(|(t, _)| *t);
        Ok(out)
    }

    /// Move the WAL into the database file and truncate it (what a redaction does after its
    /// commit), for when a busy reader kept the redaction's own checkpoint from completing.
    /// `Ok(false)` if a reader still kept it busy.
    pub fn scrub(&self) -> Result<bool> {
        store::checkpoint_truncate(&self.store.conn)
    }
}
