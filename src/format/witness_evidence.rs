//! Witness evidence (FORMAT.md §16.4) read back: what a `claimledger-witness-evidence/v1` file
//! shows under a pinned log key, and the one case where it proves a fork by itself.
//!
//! `claimledger cosign` writes these files when a witness refuses a checkpoint. A witness's answer
//! is not signed, so most of such a file is the operator's account; what the log key proves is
//! only in its signed notes. [`WitnessEvidence::verify`] checks those and says which is which.

use crate::format::checkpoint::{Checkpoint, open_checkpoint, parse_root};
use crate::format::cosignature::WitnessKey;
use crate::format::encoding;
use crate::format::evidence::{
    EvidenceError, EvidenceVerdict, ForkEvidence, MAX_EVIDENCE_BYTES, MAX_NOTE_BYTES,
    MAX_PROOF_HASHES,
};
use crate::format::keys::VerifyingKey;
use crate::format::merkle::{self, Hash};
use crate::format::time::is_timestamp;
use crate::format::witness::AddCheckpoint;

/// The `format` of a witness evidence file.
pub const WITNESS_EVIDENCE_FORMAT: &str = "claimledger-witness-evidence/v1";

/// Largest `answer` or `witness.url` accepted, in bytes.
const MAX_TEXT_BYTES: usize = 16 * 1024;

/// Why the witness refused (the file's `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WitnessEvidenceKind {
    /// The witness answered 422 to the consistency proof from `old_size`.
    Inconsistent,
    /// The witness answered 409 with a size larger than the checkpoint.
    RolledBack,
}

impl WitnessEvidenceKind {
    /// `inconsistent` or `rolled_back`, as the file spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            WitnessEvidenceKind::Inconsistent => "inconsistent",
            WitnessEvidenceKind::RolledBack => "rolled_back",
        }
    }
}

/// A parsed witness evidence file. Only [`WitnessEvidence::verify`] says what it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessEvidence {
    /// Why the witness refused.
    pub kind: WitnessEvidenceKind,
    /// When the answer was received (the operator's clock).
    pub observed_at: String,
    /// The witness's cosignature key.
    pub witness: WitnessKey,
    /// The URL asked.
    pub url: String,
    /// The HTTP status that decided (422 or 409).
    pub status: u16,
    /// The witness's answer body (unauthenticated).
    pub answer: String,
    /// The size the witness holds for this log, by its own (unsigned) answer or the request.
    pub old_size: u64,
    /// The consistency proof sent, RFC 9162 order.
    pub consistency_proof: Vec<Hash>,
    /// The signed checkpoint note sent.
    pub checkpoint: String,
    /// The log's own signed note at `old_size`, if the operator's ledger had one.
    pub old_checkpoint: Option<String>,
    /// The request body sent, empty for `rolled_back`.
    pub request: String,
}

/// What a witness evidence file shows under the pinned log key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessEvidenceReport {
    /// The checkpoint sent, signed by the log key.
    pub checkpoint: Checkpoint,
    /// The log's own checkpoint at `old_size`, signed by the log key, when the file holds one.
    pub old_checkpoint: Option<Checkpoint>,
    /// Some when the two signed notes prove a fork by themselves (FORMAT.md §19.2 applied to
    /// `old_checkpoint` then `checkpoint`); None when the refusal rests on the witness's word.
    pub fork: Option<EvidenceVerdict>,
}

impl WitnessEvidence {
    /// Parse a witness evidence file (FORMAT.md §16.4).
    ///
    /// MUST reject: more than [`MAX_EVIDENCE_BYTES`]; anything but one strict JSON object; a
    /// member missing, of the wrong type or not listed in §16.4; another `format`; a `kind`
    /// other than `inconsistent` or `rolled_back`; an `observed_at` that is not
    /// `YYYY-MM-DDTHH:MM:SSZ`; a `witness.vkey` that is not a witness key (type 0x04); a proof
    /// hash that is not canonical base64 of 32 bytes, or more than [`MAX_PROOF_HASHES`]; notes
    /// over [`MAX_NOTE_BYTES`]; a non-empty `request` that is not the add-checkpoint body of
    /// `old_size`, `consistency_proof` and `checkpoint`. Never panics.
    pub fn parse(bytes: &[u8]) -> Result<WitnessEvidence, EvidenceError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawWitness {
            vkey: String,
            url: String,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            format: String,
            kind: String,
            observed_at: String,
            witness: RawWitness,
            status: u16,
            answer: String,
            old_size: u64,
            consistency_proof: Vec<String>,
            checkpoint: String,
            old_checkpoint: Option<String>,
            request: String,
        }
        let bad = |m: String| EvidenceError::Malformed(m);
        let raw: Raw =
            encoding::parse_document(bytes, MAX_EVIDENCE_BYTES, "an evidence file").map_err(bad)?;
        if raw.format != WITNESS_EVIDENCE_FORMAT {
            return Err(bad(format!(
                "format {:?} is not {WITNESS_EVIDENCE_FORMAT:?}",
                raw.format
            )));
        }
        let kind = match raw.kind.as_str() {
            "inconsistent" => WitnessEvidenceKind::Inconsistent,
            "rolled_back" => WitnessEvidenceKind::RolledBack,
            _ => return Err(bad("kind must be inconsistent or rolled_back".into())),
        };
        if !is_timestamp(&raw.observed_at) {
            return Err(bad(
                "observed_at must be an RFC 3339 UTC time, YYYY-MM-DDTHH:MM:SSZ".into(),
            ));
        }
        let witness: WitnessKey = raw
            .witness
            .vkey
            .parse()
            .map_err(|e| bad(format!("witness.vkey: {e}")))?;
        if raw.witness.url.len() > MAX_TEXT_BYTES || raw.answer.len() > MAX_TEXT_BYTES {
            return Err(bad(format!(
                "witness.url and answer are at most {MAX_TEXT_BYTES} bytes"
            )));
        }
        let notes = [Some(&raw.checkpoint), raw.old_checkpoint.as_ref()];
        if notes
            .into_iter()
            .flatten()
            .any(|n| n.len() > MAX_NOTE_BYTES)
            || raw.request.len() > 2 * MAX_NOTE_BYTES
        {
            return Err(bad(format!(
                "checkpoint notes are at most {MAX_NOTE_BYTES} bytes"
            )));
        }
        if raw.consistency_proof.len() > MAX_PROOF_HASHES {
            return Err(bad(format!(
                "consistency_proof has more than {MAX_PROOF_HASHES} hashes"
            )));
        }
        let consistency_proof = raw
            .consistency_proof
            .iter()
            .enumerate()
            .map(|(i, h)| {
                parse_root(h).ok_or_else(|| {
                    bad(format!(
                        "consistency_proof hash {i} (counting from 0) is not canonical base64 of 32 bytes"
                    ))
                })
            })
            .collect::<Result<Vec<Hash>, _>>()?;
        if !raw.request.is_empty() {
            let sent = AddCheckpoint::parse(raw.request.as_bytes())
                .map_err(|e| bad(format!("request: {e}")))?;
            if sent.old_size != raw.old_size
                || sent.proof != consistency_proof
                || sent.checkpoint != raw.checkpoint
            {
                return Err(bad(
                    "request is not the add-checkpoint body of old_size, consistency_proof and checkpoint"
                        .into(),
                ));
            }
        }
        Ok(WitnessEvidence {
            kind,
            observed_at: raw.observed_at,
            witness,
            url: raw.witness.url,
            status: raw.status,
            answer: raw.answer,
            old_size: raw.old_size,
            consistency_proof,
            checkpoint: raw.checkpoint,
            old_checkpoint: raw.old_checkpoint,
            request: raw.request,
        })
    }

    /// Check the signed notes with the pinned log key and say what they show.
    ///
    /// `checkpoint` MUST open with `log_key`, and `old_checkpoint`, when present, too, with size
    /// `old_size`. Then the two notes are judged as a fork-evidence pair (FORMAT.md §19.2, old
    /// first): `fork` is Some only when they prove a fork by themselves, which needs the proof to
    /// carry the old root (`old_size` not a power of two) or equal sizes. Everything else in the
    /// file is the operator's account of the witness's unsigned answer.
    pub fn verify(&self, log_key: &VerifyingKey) -> Result<WitnessEvidenceReport, EvidenceError> {
        let open = |which: &'static str, note: &str| {
            open_checkpoint(note.as_bytes(), log_key)
                .map(|(c, _)| c)
                .map_err(|source| EvidenceError::Checkpoint { which, source })
        };
        let checkpoint = open("checkpoint", &self.checkpoint)?;
        let Some(old_note) = &self.old_checkpoint else {
            return Ok(WitnessEvidenceReport {
                checkpoint,
                old_checkpoint: None,
                fork: None,
            });
        };
        let old = open("old_checkpoint", old_note)?;
        if old.size != self.old_size {
            return Err(EvidenceError::Malformed(format!(
                "old_checkpoint has size {}, not old_size {}",
                old.size, self.old_size
            )));
        }
        // The RFC 9162 proof sent is self-contained unless the old size is a power of two
        // (then it omits the old root, and can only confirm the old root, never refute it).
        let self_contained = old.size == checkpoint.size || !old.size.is_power_of_two();
        let fork = if self_contained && old.size <= checkpoint.size {
            let pair = ForkEvidence::new(
                &self.url,
                &self.observed_at,
                old_note,
                &self.checkpoint,
                self.consistency_proof.clone(),
            );
            match pair.verify(log_key) {
                Ok(verdict) => Some(verdict),
                Err(EvidenceError::Consistent { .. }) => None,
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        if fork.is_none() && old.size < checkpoint.size && !self.consistency_proof.is_empty() {
            merkle::verify_consistency(
                old.size,
                checkpoint.size,
                &old.root,
                &checkpoint.root,
                &self.consistency_proof,
            )
            .map_err(EvidenceError::Proof)?;
        }
        Ok(WitnessEvidenceReport {
            checkpoint,
            old_checkpoint: Some(old),
            fork,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::cosignature::WitnessSigner;
    use crate::format::evidence::EvidenceKind;
    use crate::format::keys::{BASE64, SigningKey};
    use crate::format::merkle::{leaf_hash, reference};
    use base64::Engine as _;
    use serde_json::json;

    const ORIGIN: &str = "example.com/log";

    fn key() -> SigningKey {
        SigningKey::from_seed(ORIGIN, [7; 32]).expect("valid name")
    }

    fn signed(leaves: &[Hash]) -> String {
        Checkpoint::new(ORIGIN, leaves.len() as u64, reference::root(leaves))
            .expect("valid origin")
            .sign(&key())
            .expect("signs")
    }

    fn file(old: Option<&[Hash]>, new: &[Hash], proof: &[Hash]) -> Vec<u8> {
        let witness = WitnessSigner::new(
            SigningKey::from_seed("witness.example", [2; 32]).expect("valid name"),
        )
        .witness_key();
        let old_size = old.map_or(0, |o| o.len() as u64);
        let request = AddCheckpoint {
            old_size,
            proof: proof.to_vec(),
            checkpoint: signed(new),
        };
        serde_json::to_vec(&json!({
            "format": WITNESS_EVIDENCE_FORMAT,
            "kind": "inconsistent",
            "observed_at": "2026-12-06T21:00:00Z",
            "witness": {"vkey": witness.to_string(), "url": "http://127.0.0.1:1/"},
            "status": 422,
            "answer": "consistency proof does not verify",
            "old_size": old_size,
            "old_checkpoint": old.map(signed),
            "consistency_proof": proof.iter().map(|h| BASE64.encode(h)).collect::<Vec<_>>(),
            "checkpoint": signed(new),
            "request": request.to_body(),
        }))
        .expect("json")
    }

    fn leaves(tag: &str, n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("{tag} {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn what_witness_evidence_shows() {
        let log = key().verifying_key();
        let a = leaves("a", 12);
        let proof = reference::consistency_proof(5, &a);
        // The operator's own consistent pair: the refusal is the witness's word.
        let e = WitnessEvidence::parse(&file(Some(&a[..5]), &a, &proof)).expect("parses");
        let r = e.verify(&log).expect("signed");
        assert_eq!(r.fork, None);
        assert_eq!(r.old_checkpoint.map(|c| c.size), Some(5));
        let e = WitnessEvidence::parse(&file(None, &a, &[])).expect("parses");
        assert_eq!(e.verify(&log).expect("signed").fork, None);
        // A ledger altered under its own checkpoints: the stored old note contradicts the tree.
        let b = leaves("b", 5);
        let e = WitnessEvidence::parse(&file(Some(&b), &a, &proof)).expect("parses");
        let fork = e.verify(&log).expect("signed").fork.expect("a fork");
        assert_eq!(fork.kind, EvidenceKind::Fork);
        // A power-of-two old size: the RFC proof cannot refute the old root.
        let proof4 = reference::consistency_proof(4, &a);
        let e = WitnessEvidence::parse(&file(Some(&b[..4]), &a, &proof4)).expect("parses");
        assert!(matches!(e.verify(&log), Err(EvidenceError::Proof(_))));
        // Another key.
        let other = SigningKey::from_seed(ORIGIN, [9; 32]).expect("valid name");
        assert!(matches!(
            e.verify(&other.verifying_key()),
            Err(EvidenceError::Checkpoint {
                which: "checkpoint",
                ..
            })
        ));
    }

    #[test]
    fn parse_is_strict() {
        let a = leaves("a", 12);
        let good = file(Some(&a[..5]), &a, &reference::consistency_proof(5, &a));
        let value: serde_json::Value = serde_json::from_slice(&good).expect("json");
        let with = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v = value.clone();
            edit(&mut v);
            serde_json::to_vec(&v).expect("json")
        };
        for bytes in [
            with(&|v| v["format"] = "claimledger-fork-evidence/v1".into()),
            with(&|v| v["kind"] = "forked".into()),
            with(&|v| v["extra"] = 1.into()),
            with(&|v| v["witness"]["vkey"] = ORIGIN.into()),
            with(&|v| v["old_size"] = 6.into()),
            with(&|v| v["consistency_proof"][0] = "AAAA".into()),
            with(&|v| v["observed_at"] = "yesterday".into()),
        ] {
            assert!(
                matches!(
                    WitnessEvidence::parse(&bytes),
                    Err(EvidenceError::Malformed(_))
                ),
                "{}",
                String::from_utf8_lossy(&bytes)
            );
        }
        assert!(WitnessEvidence::parse(&good).is_ok());
    }
}
