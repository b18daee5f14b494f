//! The ledger's witnesses (configuration, outside the tree) and the cosignatures they returned
//! (history, kept beside the checkpoint each one signs).
//!
//! Checkpoints are signed exactly as before; cosignature lines are added to a checkpoint's note
//! when it is read, so every reader (`checkpoint`, receipts, `/checkpoint`) gets the cosigned note.

use crate::error::{Error, Result};
use crate::format::cosignature::{
    Cosignature, WitnessKey, add_cosignatures, parse_signature_lines,
};
use crate::format::note::Note;
use crate::format::policy::Policy;
use crate::format::time;
use crate::ledger::Ledger;
use crate::ledger::prove::SignedCheckpoint;
use crate::ledger::store::{self, CheckpointRow};

/// `meta` key holding the quorum of the ledger's witness policy.
const QUORUM_META: &str = "witness_quorum";

/// A configured witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfiguredWitness {
    /// Its cosignature verifier key (type 0x04).
    pub key: WitnessKey,
    /// The tlog-witness prefix URL: requests go to `<url>/add-checkpoint`.
    pub url: String,
    /// When it was added (RFC 3339 UTC).
    pub added_at: String,
}

impl Ledger {
    /// Add a witness, or change the URL of one already configured. Returns true when it is new.
    ///
    /// `url` MUST be an `http://` or `https://` URL without white space. Configuration only:
    /// nothing in the tree changes.
    pub fn add_witness(&mut self, url: &str, key: &WitnessKey) -> Result<bool> {
        let url = url.trim_end_matches('/');
        let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
        if !scheme_ok || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::Witness(format!(
                "{url:?} is not a witness URL; give its http:// or https:// prefix (requests go to URL/add-checkpoint)"
            )));
        }
        let tx = self.store.begin_write()?;
        let new = store::upsert_witness(&tx, &key.to_string(), url, &time::now_rfc3339())?;
        let quorum = stored_quorum(&tx)?;
        let n = store::witnesses(&tx)?.len();
        if quorum.is_some_and(|k| k > n) {
            // Cannot happen by adding; kept for a hand-edited file.
            return Err(Error::Witness(format!(
                "the witness quorum {} exceeds the {n} witnesses configured",
                quorum.unwrap_or(0)
            )));
        }
        tx.commit()?;
        Ok(new)
    }

    /// Remove a witness from the configuration; its stored cosignatures stay (history).
    /// Refuses to leave a quorum larger than the witnesses left. Returns false when it was not
    /// configured.
    pub fn remove_witness(&mut self, key: &WitnessKey) -> Result<bool> {
        let tx = self.store.begin_write()?;
        let removed = store::delete_witness(&tx, &key.to_string())?;
        let n = store::witnesses(&tx)?.len();
        if let Some(k) = stored_quorum(&tx)? {
            if k > n && n > 0 {
                return Err(Error::Witness(format!(
                    "removing it would leave {n} witnesses for a quorum of {k}; lower it first with 'claimledger witness quorum {n}'"
                )));
            }
            if n == 0 {
                tx.execute("DELETE FROM meta WHERE key = ?1", [QUORUM_META])?;
            }
        }
        tx.commit()?;
        Ok(removed)
    }

    /// The configured witnesses, oldest first.
    pub fn witnesses(&self) -> Result<Vec<ConfiguredWitness>> {
        store::witnesses(&self.store.conn)?
            .into_iter()
            .map(|row| {
                let key = row.vkey.parse().map_err(|e| {
                    Error::Corrupt(format!(
                        "witness key {:?} in the witnesses table: {e}",
                        row.vkey
                    ))
                })?;
                Ok(ConfiguredWitness {
                    key,
                    url: row.url,
                    added_at: row.added_at,
                })
            })
            .collect()
    }

    /// Require `k` of the configured witnesses to cosign (1 <= k <= the number configured).
    pub fn set_witness_quorum(&mut self, k: usize) -> Result<()> {
        let tx = self.store.begin_write()?;
        let n = store::witnesses(&tx)?.len();
        if k == 0 || k > n {
            return Err(Error::Witness(format!(
                "a quorum must be between 1 and the {n} witnesses configured; got {k}"
            )));
        }
        store::set_meta(&tx, QUORUM_META, &k.to_string())?;
        tx.commit()?;
        Ok(())
    }

    /// How many distinct configured witnesses must cosign (default 1).
    pub fn witness_quorum(&self) -> Result<usize> {
        Ok(stored_quorum(&self.store.conn)?.unwrap_or(1))
    }

    /// The ledger's witness policy: the configured witnesses and the quorum (default 1), or
    /// `None` when no witness is configured.
    pub fn witness_policy(&self) -> Result<Option<Policy>> {
        let witnesses = self.witnesses()?;
        if witnesses.is_empty() {
            return Ok(None);
        }
        let quorum = self.witness_quorum()?;
        let keys = witnesses
            .into_iter()
            .map(|w| (w.key, Some(w.url)))
            .collect();
        Ok(Some(Policy::k_of_n(keys, quorum).map_err(|e| {
            Error::Witness(format!("the ledger's witness configuration: {e}"))
        })?))
    }

    /// The largest checkpoint size `key` cosigned, as far as this ledger stored (the `old`
    /// size `cosign` sends it next).
    pub fn last_cosigned_size(&self, key: &WitnessKey) -> Result<Option<u64>> {
        store::last_cosigned_size(&self.store.conn, &key.to_string())
    }

    /// Store `key`'s cosignature of the checkpoint at `size`, picked from `lines` (a witness's
    /// `add-checkpoint` answer: one or more signature lines).
    ///
    /// The checkpoint MUST be stored; a line by `key` MUST be present and verify over that
    /// checkpoint's body ([`Error::Witness`] otherwise, and nothing is stored). Returns the line
    /// stored (an earlier cosignature of the same checkpoint by the same witness is kept).
    pub fn add_cosignature(&mut self, size: u64, key: &WitnessKey, lines: &str) -> Result<String> {
        // A replica keeps the cosignatures its source served, inside the stored notes.
        self.refuse_if_replica()?;
        let tx = self.store.begin_write()?;
        let row = store::checkpoint_at(&tx, size)?
            .ok_or_else(|| Error::Size(format!("no checkpoint is stored at size {size}")))?;
        let body = Note::parse(row.note.as_bytes())?.text().to_string();
        let refused =
            |e: &dyn std::fmt::Display| Error::Witness(format!("witness {}: {e}", key.name()));
        let sigs = parse_signature_lines(lines).map_err(|e| refused(&e))?;
        let sig = sigs
            .iter()
            .find(|s| s.name == key.name() && s.key_id == key.key_id())
            .ok_or_else(|| refused(&"the answer holds no cosignature by this witness's key"))?;
        let cosignature = Cosignature::from_signature(sig).map_err(|e| refused(&e))?;
        cosignature.verify(key, &body).map_err(|e| refused(&e))?;
        let line = cosignature.to_line();
        store::insert_cosignature(&tx, size, &key.to_string(), &line)?;
        tx.commit()?;
        Ok(line)
    }

    /// The checkpoint note at `size` exactly as the log key signed it, without cosignatures
    /// (what a witness is sent).
    pub fn checkpoint_as_signed(&self, size: u64) -> Result<String> {
        let row = store::checkpoint_at(&self.store.conn, size)?
            .ok_or_else(|| Error::Size(format!("no checkpoint is stored at size {size}")))?;
        Ok(self.parse_checkpoint(&row.note)?.note)
    }

    /// The cosignature lines stored with the checkpoint at `size`, with their witness keys.
    pub fn cosignatures(&self, size: u64) -> Result<Vec<(String, String)>> {
        store::cosignatures_at(&self.store.conn, size)
    }

    /// A stored checkpoint as published: its note with the stored cosignature lines added.
    pub(crate) fn published(&self, row: &CheckpointRow) -> Result<String> {
        let lines = store::cosignatures_at(&self.store.conn, row.size)?;
        if lines.is_empty() {
            return Ok(row.note.clone());
        }
        let sigs = lines
            .iter()
            .map(|(vkey, line)| {
                Cosignature::parse_line(line)
                    .map(|c| c.to_note_signature())
                    .map_err(|e| {
                        Error::Corrupt(format!(
                            "the cosignature by {vkey} stored at size {}: {e}",
                            row.size
                        ))
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        add_cosignatures(&row.note, &sigs).map_err(|e| {
            Error::Corrupt(format!("the cosignatures stored at size {}: {e}", row.size))
        })
    }

    /// Whether `cp` (a checkpoint of this ledger, with its cosignatures) meets `policy`.
    pub fn meets(&self, cp: &SignedCheckpoint, policy: &Policy) -> Result<bool> {
        let (_, verdict) = policy
            .check(cp.note.as_bytes(), &self.log_key)
            .map_err(|e| Error::Witness(format!("checking the witness policy: {e}")))?;
        Ok(verdict.met)
    }

    /// The newest stored checkpoint covering entry `index` (size > index) that meets `policy`,
    /// with its cosignatures; `None` when no stored checkpoint does.
    pub fn newest_meeting(&self, index: u64, policy: &Policy) -> Result<Option<SignedCheckpoint>> {
        let vkeys: Vec<String> = policy
            .witnesses()
            .iter()
            .map(|w| w.key.to_string())
            .collect();
        let vkeys = serde_json::to_string(&vkeys).expect("a list of strings is JSON");
        for size in store::sizes_cosigned_by(&self.store.conn, &vkeys, index)? {
            let Some(row) = store::checkpoint_at(&self.store.conn, size)? else {
                continue;
            };
            let cp = self.parse_checkpoint(&self.published(&row)?)?;
            if self.meets(&cp, policy)? {
                return Ok(Some(cp));
            }
        }
        Ok(None)
    }
}

fn stored_quorum(conn: &rusqlite::Connection) -> Result<Option<usize>> {
    store::meta(conn, QUORUM_META)?
        .map(|v| {
            v.parse()
                .map_err(|_| Error::Corrupt(format!("meta {QUORUM_META} is {v:?}, not a number")))
        })
        .transpose()
}
