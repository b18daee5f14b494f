//! Checkpoints, proofs and receipts served from a ledger: O(log n) reads of stored nodes.

use crate::error::{Error, Result};
use crate::format::checkpoint::{Checkpoint, open_checkpoint};
use crate::format::merkle::{self, Hash};
use crate::format::receipt::{Receipt, TlogProof};
use crate::format::tiles::{self, TileKind, TilePath};
use crate::ledger::Ledger;
use crate::ledger::signer::{advance_state, sign_checkpoint_in};
use crate::ledger::store::{self, Nodes};

/// A signed checkpoint as stored: the parsed body and the exact note text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// Origin, size, root.
    pub checkpoint: Checkpoint,
    /// The C2SP signed note, byte for byte as published.
    pub note: String,
}

/// An RFC 9162 inclusion proof with what it proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionProof {
    /// Leaf index.
    pub index: u64,
    /// Tree size the proof is for.
    pub tree_size: u64,
    /// The leaf hash.
    pub leaf_hash: Hash,
    /// Root at `tree_size`.
    pub root: Hash,
    /// Proof hashes, lowest level first (RFC 9162 order).
    pub proof: Vec<Hash>,
}

/// An RFC 9162 consistency proof with what it proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// Earlier size.
    pub old_size: u64,
    /// Later size.
    pub new_size: u64,
    /// Root at `old_size`.
    pub old_root: Hash,
    /// Root at `new_size`.
    pub new_root: Hash,
    /// Proof hashes (RFC 9162 order).
    pub proof: Vec<Hash>,
}

impl Ledger {
    /// Sign a checkpoint for the whole tree with the loaded operator key (for entries appended
    /// where the operator key was not readable). Returns the existing one if already signed.
    ///
    /// This is the signing path every caller uses (appends call the same
    /// `signer::sign_checkpoint_in`): it signs only a tree that extends the last checkpoint this
    /// key signed, else [`Error::LedgerAltered`] and nothing is signed.
    pub fn sign_checkpoint(&mut self) -> Result<SignedCheckpoint> {
        self.refuse_if_replica()?;
        let operator = self.operator.clone().ok_or_else(|| Error::NoOperatorKey {
            path: self.operator_key_path().ok().flatten(),
        })?;
        let origin = self.origin.clone();
        let log_key = self.log_key.clone();
        let tx = self.store.begin_write()?;
        let size = store::size(&tx)?;
        let cp = sign_checkpoint_in(&tx, &operator, &origin, size, &[])?;
        tx.commit()?;
        advance_state(&mut self.store, &operator.state, &log_key, &cp)?;
        Ok(cp)
    }

    /// The latest signed checkpoint, or the one stored at `size`, with the cosignatures stored
    /// with it (see [`Ledger::add_cosignature`]).
    pub fn checkpoint(&self, size: Option<u64>) -> Result<SignedCheckpoint> {
        let row = match size {
            None => store::latest_checkpoint(&self.store.conn)?.ok_or_else(|| {
                Error::Size("no checkpoint has been signed yet; run 'claimledger checkpoint --sign'".into())
            })?,
            Some(n) => store::checkpoint_at(&self.store.conn, n)?.ok_or_else(|| {
                Error::Size(format!(
                    "no checkpoint is stored at size {n}; 'claimledger checkpoint --list' shows the signed sizes"
                ))
            })?,
        };
        self.parse_checkpoint(&self.published(&row)?)
    }

    /// All stored checkpoints, by size, with their cosignatures.
    pub fn checkpoints(&self) -> Result<Vec<SignedCheckpoint>> {
        store::checkpoints(&self.store.conn)?
            .iter()
            .map(|r| self.parse_checkpoint(&self.published(r)?))
            .collect()
    }

    pub(crate) fn parse_checkpoint(&self, note: &str) -> Result<SignedCheckpoint> {
        let (checkpoint, _) = open_checkpoint(note.as_bytes(), &self.log_key)?;
        Ok(SignedCheckpoint {
            checkpoint,
            note: note.to_string(),
        })
    }

    /// The tree size proofs default to: the latest checkpoint's if one is signed, else the
    /// current size.
    pub fn default_proof_size(&self) -> Result<u64> {
        match store::latest_checkpoint(&self.store.conn)? {
            Some(c) => Ok(c.size),
            None => self.size(),
        }
    }

    /// Root of the tree at `size` (O(log n) reads).
    pub fn root_at(&self, size: u64) -> Result<Hash> {
        self.check_size(size)?;
        merkle::root_at(&Nodes(&self.store.conn), size)
    }

    fn check_size(&self, size: u64) -> Result<()> {
        let n = self.size()?;
        if size > n {
            return Err(Error::Size(format!(
                "tree size {size} is beyond the ledger's {n} entries"
            )));
        }
        Ok(())
    }

    /// Inclusion proof of entry `index` in the tree of `size` (default: see
    /// [`Ledger::default_proof_size`], or the current size if that does not cover `index`).
    pub fn inclusion_proof(&self, index: u64, size: Option<u64>) -> Result<InclusionProof> {
        let tree_size = match size {
            Some(s) => s,
            None => {
                let s = self.default_proof_size()?;
                if s > index { s } else { self.size()? }
            }
        };
        self.check_size(tree_size)?;
        if index >= tree_size {
            return Err(Error::Size(format!(
                "entry {index} is not in the tree of size {tree_size}; use a larger --size"
            )));
        }
        let nodes = Nodes(&self.store.conn);
        let leaf_hash = nodes.node_hash(0, index)?;
        let proof = merkle::inclusion_proof(&nodes, index, tree_size)?;
        let root = merkle::root_at(&nodes, tree_size)?;
        Ok(InclusionProof {
            index,
            tree_size,
            leaf_hash,
            root,
            proof,
        })
    }

    /// Consistency proof from `old_size` to `new_size` (default: the current size).
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: Option<u64>,
    ) -> Result<ConsistencyProof> {
        let new_size = match new_size {
            Some(n) => n,
            None => self.size()?,
        };
        self.check_size(new_size)?;
        if old_size == 0 || old_size > new_size {
            return Err(Error::Size(format!(
                "a consistency proof needs 0 < old size <= new size; got {old_size} and {new_size}"
            )));
        }
        let nodes = Nodes(&self.store.conn);
        Ok(ConsistencyProof {
            old_size,
            new_size,
            old_root: merkle::root_at(&nodes, old_size)?,
            new_root: merkle::root_at(&nodes, new_size)?,
            proof: merkle::consistency_proof(&nodes, old_size, new_size)?,
        })
    }

    /// A receipt for entry `index`, carrying its checkpoint's cosignatures.
    ///
    /// With a witness policy ([`Ledger::witness_policy`]) the checkpoint is the newest stored
    /// one that covers the entry and meets the policy ([`Error::NotWitnessed`] when none does
    /// yet); without one, the latest signed checkpoint. When a redaction withholds the payload,
    /// the receipt carries the redaction's own receipt (same checkpoint) instead, which proves
    /// the withholding (FORMAT.md §10.1).
    pub fn receipt(&self, index: u64) -> Result<Receipt> {
        let cp = match self.witness_policy()? {
            Some(policy) => self
                .newest_meeting(index, &policy)?
                .ok_or(Error::NotWitnessed { index })?,
            None => {
                let row = store::latest_checkpoint(&self.store.conn)?
                    .filter(|c| c.size > index)
                    .ok_or(Error::NotCovered { index })?;
                self.stored_checkpoint(&row)?
            }
        };
        self.receipt_against(index, &cp)
    }

    /// A receipt for entry `index` against `cp`, a checkpoint of this ledger as
    /// [`Ledger::checkpoint`] returns it (its note verified with the log key, cosignatures
    /// included), whatever the witness policy: what `claimledger publish` writes beside the
    /// checkpoint it publishes.
    ///
    /// [`Error::NotCovered`] when `cp` does not cover the entry or, for a withheld payload, the
    /// redaction that withholds it (then no receipt exists against `cp`: the payload is gone and
    /// its withholding is not yet signed).
    pub fn receipt_against(&self, index: u64, cp: &SignedCheckpoint) -> Result<Receipt> {
        let size = cp.checkpoint.size;
        if index >= size {
            return Err(Error::NotCovered { index });
        }
        let entry = self.entry(index)?;
        let redaction = match entry.withheld() {
            // The redaction comes after the entry; a checkpoint signed before it does not
            // cover it, and then neither the payload nor the proof of its withholding exists.
            Some(w) if w.redaction >= size => {
                return Err(Error::NotCovered { index: w.redaction });
            }
            Some(w) => Some(Box::new(self.receipt_at(w.redaction, cp, None)?)),
            None => None,
        };
        self.receipt_at(index, cp, redaction)
    }

    /// A stored checkpoint with its cosignatures, its note verified with the log key.
    fn stored_checkpoint(&self, row: &store::CheckpointRow) -> Result<SignedCheckpoint> {
        let note = self.published(row)?;
        let (checkpoint, _) = open_checkpoint(note.as_bytes(), &self.log_key).map_err(|e| {
            Error::altered(format!(
                "the checkpoint stored at size {} does not verify with the log key ({e})",
                row.size
            ))
        })?;
        Ok(SignedCheckpoint { checkpoint, note })
    }

    fn receipt_at(
        &self,
        index: u64,
        cp: &SignedCheckpoint,
        redaction: Option<Box<Receipt>>,
    ) -> Result<Receipt> {
        let entry = self.entry(index)?;
        let signed = &cp.checkpoint;
        let proof = merkle::inclusion_proof(&Nodes(&self.store.conn), index, signed.size)?;
        // A receipt that would not verify is never handed out: the entry's own leaf hash must
        // reach the signed root through the stored nodes (O(log n)). A swapped or edited entry
        // or tree node fails here. (The note itself was verified when `cp` was made.)
        merkle::verify_inclusion(
            index,
            signed.size,
            &entry.envelope().leaf_hash(),
            &proof,
            &signed.root,
        )
        .map_err(|_| {
            Error::altered(format!(
                "entry {index} is not the leaf at index {index} of the tree signed at size {}",
                signed.size
            ))
        })?;
        Ok(Receipt {
            entry: entry.signed().clone(),
            tlog_proof: TlogProof {
                extra: None,
                index,
                proof,
                checkpoint: cp.note.clone(),
            },
            redaction,
        })
    }
}

impl Ledger {
    /// The bytes of a C2SP tlog-tiles hash tile or entry bundle, or of a payload bundle, or
    /// `None` if the latest signed checkpoint does not cover it yet: tiles only ever show a tree
    /// someone signed.
    ///
    /// A hash tile is its hashes concatenated; an entry bundle holds the envelopes (the leaves);
    /// a payload bundle their payloads as stored now, a withheld one marked absent (FORMAT.md
    /// §13.1), so unlike the others it changes when a redaction is appended.
    pub fn tile(&self, path: &TilePath) -> Result<Option<Vec<u8>>> {
        let covered = store::latest_checkpoint(&self.store.conn)?.map_or(0, |c| c.size);
        let (Some(first), Some(needed)) = (path.first_node(), path.needed_tree_size()) else {
            return Ok(None);
        };
        if needed > covered {
            return Ok(None);
        }
        let conn = &self.store.conn;
        let short = |got: usize| {
            Error::Corrupt(format!(
                "{} needs {} stored items, found {got}",
                path.to_path(),
                path.width
            ))
        };
        match path.kind {
            TileKind::Hashes { .. } => {
                let hashes = store::nodes_range(conn, path.tree_level(), first, path.width)?;
                if hashes.len() as u64 != path.width {
                    return Err(short(hashes.len()));
                }
                let mut out = Vec::with_capacity(hashes.len() * 32);
                for h in &hashes {
                    if h.len() != 32 {
                        return Err(Error::Corrupt(format!(
                            "a stored hash in {} is not 32 bytes",
                            path.to_path()
                        )));
                    }
                    out.extend_from_slice(h);
                }
                Ok(Some(out))
            }
            TileKind::Entries => {
                let envelopes = store::envelopes_range(conn, first, path.width)?;
                if envelopes.len() as u64 != path.width {
                    return Err(short(envelopes.len()));
                }
                let bundle =
                    tiles::entry_bundle(envelopes.iter().map(Vec::as_slice)).ok_or_else(|| {
                        Error::Size(format!(
                            "an envelope in {} is longer than {} bytes and cannot be bundled",
                            path.to_path(),
                            tiles::MAX_BUNDLED_ENTRY
                        ))
                    })?;
                Ok(Some(bundle))
            }
            TileKind::Payloads => {
                let payloads = store::payloads_range(conn, first, path.width)?;
                if payloads.len() as u64 != path.width {
                    return Err(short(payloads.len()));
                }
                let bundle = tiles::payload_bundle(payloads.iter().map(Option::as_deref))
                    .ok_or_else(|| {
                        Error::Corrupt(format!(
                            "a stored payload in {} is empty or longer than {} bytes",
                            path.to_path(),
                            tiles::MAX_BUNDLED_PAYLOAD
                        ))
                    })?;
                Ok(Some(bundle))
            }
        }
    }
}

impl Nodes<'_> {
    fn node_hash(&self, level: u32, index: u64) -> Result<Hash> {
        merkle::NodeSource::node(self, level, index)
    }
}
