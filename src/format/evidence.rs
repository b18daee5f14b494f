//! Fork evidence (FORMAT.md §19): two checkpoints signed by one log key that no single
//! append-only log could have served in that order, with the proof, checkable with the key alone.
//!
//! A mirror writes it when the source it follows rolls back, forks or rewrites its history. The
//! file holds both signed notes verbatim and a self-contained consistency proof computed from the
//! larger of the two trees; [`ForkEvidence::verify`] needs nothing else but the pinned log key.

use crate::format::checkpoint::{Checkpoint, CheckpointError, open_checkpoint, parse_root};
use crate::format::encoding;
use crate::format::keys::{BASE64, VerifyingKey};
use crate::format::merkle::{self, EMPTY_ROOT, Hash, NodeSource, ProofError};
use crate::format::time::is_timestamp;
use base64::Engine as _;

/// The `format` of a fork-evidence file.
pub const EVIDENCE_FORMAT: &str = "claimledger-fork-evidence/v1";
/// Largest evidence file accepted, in bytes.
pub const MAX_EVIDENCE_BYTES: usize = 256 * 1024;
/// Largest signed note accepted in `accepted` or `served`, in bytes (100 signature lines fit).
pub const MAX_NOTE_BYTES: usize = 64 * 1024;
/// Largest `source`, in bytes.
pub const MAX_SOURCE_BYTES: usize = 4096;
/// Most hashes in `proof`: a self-contained consistency proof between 64-bit sizes has at most 65.
pub const MAX_PROOF_HASHES: usize = 65;

/// Why an evidence file proves nothing. Every message says which check failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum EvidenceError {
    /// The file is not a fork-evidence file of the documented shape (FORMAT.md §19.1).
    #[error("the evidence file is malformed: {0}")]
    Malformed(String),
    /// A checkpoint note does not verify with the pinned log key (or is not a checkpoint of the
    /// log that key names).
    #[error("the {which} checkpoint does not verify with the log key: {source}")]
    Checkpoint {
        /// `accepted` or `served`.
        which: &'static str,
        /// Why.
        #[source]
        source: CheckpointError,
    },
    /// The proof has the wrong shape for the two sizes (length, equal sizes with hashes).
    #[error("the proof does not fit the two tree sizes: {0}")]
    Proof(ProofError),
    /// The proof does not lead to the signed root of the larger tree: it was not computed from
    /// that tree (or was altered), so it says nothing about it.
    #[error(
        "the proof does not lead to the signed root of the tree of size {size}: it was not computed from that tree or was altered, so it proves nothing"
    )]
    ProofMismatch {
        /// The larger tree size.
        size: u64,
    },
    /// The two signed trees are one history, and the served one is not older: nothing wrong.
    #[error(
        "the served tree of size {served} is consistent with the accepted tree of size {accepted} and not older: one append-only history, no fork and no rollback"
    )]
    Consistent {
        /// Size of the accepted checkpoint.
        accepted: u64,
        /// Size of the served checkpoint.
        served: u64,
    },
}

/// What a verified evidence file proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvidenceKind {
    /// The log key signed two trees that are not one append-only history: equal sizes with
    /// different roots, or a larger tree whose first leaves do not have the smaller tree's root.
    Fork,
    /// The source served a signed tree that is a prefix of (older than) the one accepted before:
    /// same history, rolled back. The signatures prove both trees; that the older one was served
    /// after the newer one was accepted is the mirror's account (`observed_at`, `source`).
    Rollback,
}

impl EvidenceKind {
    /// `fork` or `rollback`, as the CLI's JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Fork => "fork",
            EvidenceKind::Rollback => "rollback",
        }
    }
}

/// The verdict of [`ForkEvidence::verify`]: what the two signed checkpoints prove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceVerdict {
    /// Fork or rollback.
    pub kind: EvidenceKind,
    /// The accepted checkpoint, signed by the log key.
    pub accepted: Checkpoint,
    /// The served checkpoint, signed by the log key.
    pub served: Checkpoint,
    /// The root that the larger signed tree has at the smaller size, computed from the proof
    /// (the empty root when the smaller size is 0); `None` when both sizes are equal.
    pub prefix_root: Option<Hash>,
}

/// A fork-evidence file (FORMAT.md §19). Built by a mirror with [`ForkEvidence::new`], read back
/// with [`ForkEvidence::parse`]; only [`ForkEvidence::verify`] says what it proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForkEvidence {
    source: String,
    observed_at: String,
    accepted: String,
    served: String,
    proof: Vec<Hash>,
}

impl ForkEvidence {
    /// `accepted`: the signed checkpoint note the mirror accepted before (size m);
    /// `served`: the signed note the source serves now (size n); `proof`: the hashes that
    /// decide (see FORMAT §19), computed by the mirror from the larger of the two trees
    /// (the source's tiles when n > m, its own replica when n < m; empty when n == m): see
    /// [`fork_proof`].
    ///
    /// `source` MUST be the location the mirror read (no control characters, at most
    /// [`MAX_SOURCE_BYTES`]) and `observed_at` an RFC 3339 UTC time (`YYYY-MM-DDTHH:MM:SSZ`);
    /// both notes MUST be passed verbatim, cosignatures included. Otherwise [`ForkEvidence::parse`]
    /// refuses what [`ForkEvidence::to_json`] writes. Call [`ForkEvidence::verify`] to learn
    /// whether the pair proves anything before writing the file.
    pub fn new(
        source: &str,
        observed_at: &str,
        accepted: &str,
        served: &str,
        proof: Vec<Hash>,
    ) -> ForkEvidence {
        ForkEvidence {
            source: source.to_owned(),
            observed_at: observed_at.to_owned(),
            accepted: accepted.to_owned(),
            served: served.to_owned(),
            proof,
        }
    }

    /// Where the mirror read the served checkpoint (unauthenticated: the mirror's account).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// When the mirror read it (unauthenticated: the mirror's clock).
    pub fn observed_at(&self) -> &str {
        &self.observed_at
    }

    /// The signed note accepted before, verbatim.
    pub fn accepted(&self) -> &str {
        &self.accepted
    }

    /// The signed note served now, verbatim.
    pub fn served(&self) -> &str {
        &self.served
    }

    /// The self-contained consistency proof between the two sizes (empty for equal sizes).
    pub fn proof(&self) -> &[Hash] {
        &self.proof
    }

    /// The file: one JSON object, pretty-printed with the members in the order of FORMAT.md
    /// §19.1, and a final newline.
    pub fn to_json(&self) -> String {
        let s = |v: &str| serde_json::to_string(v).expect("a string always serializes");
        let mut out = String::from("{\n");
        out.push_str(&format!("  \"format\": {},\n", s(EVIDENCE_FORMAT)));
        out.push_str(&format!("  \"source\": {},\n", s(&self.source)));
        out.push_str(&format!("  \"observed_at\": {},\n", s(&self.observed_at)));
        out.push_str(&format!("  \"accepted\": {},\n", s(&self.accepted)));
        out.push_str(&format!("  \"served\": {},\n", s(&self.served)));
        if self.proof.is_empty() {
            out.push_str("  \"proof\": []\n}\n");
        } else {
            let hashes: Vec<String> = self
                .proof
                .iter()
                .map(|h| format!("    \"{}\"", BASE64.encode(h)))
                .collect();
            out.push_str(&format!(
                "  \"proof\": [\n{}\n  ]\n}}\n",
                hashes.join(",\n")
            ));
        }
        out
    }

    /// Parse a fork-evidence file.
    ///
    /// MUST reject: more than [`MAX_EVIDENCE_BYTES`]; anything but one strict JSON object
    /// ([`encoding::parse_strict`]: UTF-8, no duplicate keys, no floats); a member missing, of the
    /// wrong type or not listed in FORMAT.md §19.1; a `format` other than [`EVIDENCE_FORMAT`]; an
    /// empty `source`, one with control characters or over [`MAX_SOURCE_BYTES`]; an
    /// `observed_at` that is not `YYYY-MM-DDTHH:MM:SSZ`; an empty note or one over
    /// [`MAX_NOTE_BYTES`]; more than [`MAX_PROOF_HASHES`] proof hashes, or one that is not
    /// canonical padded base64 of 32 bytes. The notes are checked by [`ForkEvidence::verify`].
    /// Never panics.
    pub fn parse(bytes: &[u8]) -> Result<ForkEvidence, EvidenceError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            format: String,
            source: String,
            observed_at: String,
            accepted: String,
            served: String,
            proof: Vec<String>,
        }
        let bad = |m: String| EvidenceError::Malformed(m);
        let raw: Raw =
            encoding::parse_document(bytes, MAX_EVIDENCE_BYTES, "an evidence file").map_err(bad)?;
        if raw.format != EVIDENCE_FORMAT {
            return Err(bad(format!(
                "format {:?} is not {EVIDENCE_FORMAT:?}",
                raw.format
            )));
        }
        if raw.source.is_empty()
            || raw.source.len() > MAX_SOURCE_BYTES
            || raw.source.chars().any(char::is_control)
        {
            return Err(bad(format!(
                "source must be one non-empty line of at most {MAX_SOURCE_BYTES} bytes without control characters"
            )));
        }
        if !is_timestamp(&raw.observed_at) {
            return Err(bad(
                "observed_at must be an RFC 3339 UTC time, YYYY-MM-DDTHH:MM:SSZ".into(),
            ));
        }
        for (which, note) in [("accepted", &raw.accepted), ("served", &raw.served)] {
            if note.is_empty() || note.len() > MAX_NOTE_BYTES {
                return Err(bad(format!(
                    "{which} must be a signed note of 1 to {MAX_NOTE_BYTES} bytes"
                )));
            }
        }
        if raw.proof.len() > MAX_PROOF_HASHES {
            return Err(bad(format!(
                "proof has {} hashes; at most {MAX_PROOF_HASHES}",
                raw.proof.len()
            )));
        }
        let proof = raw
            .proof
            .iter()
            .enumerate()
            .map(|(i, h)| {
                parse_root(h).ok_or_else(|| {
                    bad(format!(
                        "proof hash {i} (counting from 0) is not canonical base64 of 32 bytes"
                    ))
                })
            })
            .collect::<Result<Vec<Hash>, _>>()?;
        Ok(ForkEvidence {
            source: raw.source,
            observed_at: raw.observed_at,
            accepted: raw.accepted,
            served: raw.served,
            proof,
        })
    }

    /// Ok(verdict) says what the evidence proves (Fork / Rollback) under the pinned log key;
    /// Err if it proves nothing (bad signature, consistent trees, malformed).
    ///
    /// The checks of FORMAT.md §19.2, in order: both notes open with `log_key` (its signature
    /// verifies, its name is the origin); equal sizes: the proof MUST be empty, and different
    /// roots are a fork; otherwise the proof MUST be the self-contained consistency proof from
    /// the smaller size to the larger one and lead to the larger signed root; a root at the
    /// smaller size other than the smaller signed root is a fork; the same root is a rollback
    /// when the served tree is the smaller one, and proves nothing when it is the larger one.
    pub fn verify(&self, log_key: &VerifyingKey) -> Result<EvidenceVerdict, EvidenceError> {
        let open = |which: &'static str, note: &str| {
            open_checkpoint(note.as_bytes(), log_key)
                .map(|(c, _)| c)
                .map_err(|source| EvidenceError::Checkpoint { which, source })
        };
        let accepted = open("accepted", &self.accepted)?;
        let served = open("served", &self.served)?;
        let verdict = |kind, prefix_root| EvidenceVerdict {
            kind,
            accepted: accepted.clone(),
            served: served.clone(),
            prefix_root,
        };
        let consistent = EvidenceError::Consistent {
            accepted: accepted.size,
            served: served.size,
        };
        if accepted.size == served.size {
            if !self.proof.is_empty() {
                return Err(EvidenceError::Proof(
                    ProofError::NonEmptyProofForEqualSizes {
                        size: accepted.size,
                        got: self.proof.len(),
                    },
                ));
            }
            if accepted.root != served.root {
                return Ok(verdict(EvidenceKind::Fork, None));
            }
            return Err(consistent);
        }
        let served_is_older = served.size < accepted.size;
        let (smaller, larger) = if served_is_older {
            (&served, &accepted)
        } else {
            (&accepted, &served)
        };
        let prefix_root = if smaller.size == 0 {
            // Every tree's first 0 leaves have the empty root: nothing to prove it with.
            if !self.proof.is_empty() {
                return Err(EvidenceError::Proof(ProofError::OldSizeZero));
            }
            EMPTY_ROOT
        } else {
            let (prefix_root, larger_root) =
                merkle::roots_from_consistency(smaller.size, larger.size, &self.proof)
                    .map_err(EvidenceError::Proof)?;
            if larger_root != larger.root {
                return Err(EvidenceError::ProofMismatch { size: larger.size });
            }
            prefix_root
        };
        if prefix_root != smaller.root {
            Ok(verdict(EvidenceKind::Fork, Some(prefix_root)))
        } else if served_is_older {
            Ok(verdict(EvidenceKind::Rollback, Some(prefix_root)))
        } else {
            Err(consistent)
        }
    }
}

/// The `proof` of a [`ForkEvidence`] for checkpoints of `accepted_size` and `served_size`,
/// computed from `larger_tree`: the nodes of the larger of the two trees as its signer holds them
/// (the source's tiles when the served tree is larger, the mirror's replica when it is smaller).
///
/// The self-contained consistency proof from the smaller size to the larger
/// ([`merkle::self_contained_consistency_proof`]); empty when the sizes are equal or one is 0.
/// At most `2 * log2(larger) + 3` node reads; fails only when a read fails.
pub fn fork_proof<S: NodeSource>(
    larger_tree: &S,
    accepted_size: u64,
    served_size: u64,
) -> Result<Vec<Hash>, S::Error> {
    let (smaller, larger) = if accepted_size <= served_size {
        (accepted_size, served_size)
    } else {
        (served_size, accepted_size)
    };
    if smaller == 0 {
        return Ok(Vec::new());
    }
    merkle::self_contained_consistency_proof(larger_tree, smaller, larger)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::keys::SigningKey;
    use crate::format::merkle::{leaf_hash, reference};
    use crate::format::note::add_signature;
    use proptest::prelude::*;

    const ORIGIN: &str = "example.com/log";
    const WHEN: &str = "2026-12-06T21:00:00Z";

    /// The nodes of a tree of leaf hashes, each computed from the leaves (slow, obviously right).
    struct Leaves(Vec<Hash>);

    impl NodeSource for Leaves {
        type Error = ProofError;
        fn node(&self, level: u32, index: u64) -> Result<Hash, ProofError> {
            let start = (index << level) as usize;
            let end = ((index + 1) << level) as usize;
            Ok(reference::root(&self.0[start..end]))
        }
    }

    fn key() -> SigningKey {
        SigningKey::from_seed(ORIGIN, [7; 32]).expect("valid name")
    }

    fn leaves(tag: &str, n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("{tag} {i}").as_bytes()))
            .collect()
    }

    fn signed(leaves: &[Hash]) -> String {
        Checkpoint::new(ORIGIN, leaves.len() as u64, reference::root(leaves))
            .expect("valid origin")
            .sign(&key())
            .expect("signs")
    }

    /// Evidence for `accepted` then `served`, the proof computed from the larger tree.
    fn evidence(accepted: &[Hash], served: &[Hash]) -> ForkEvidence {
        let larger = if served.len() > accepted.len() {
            served
        } else {
            accepted
        };
        let proof = fork_proof(
            &Leaves(larger.to_vec()),
            accepted.len() as u64,
            served.len() as u64,
        )
        .expect("in memory");
        ForkEvidence::new(
            "https://news.example/ledger",
            WHEN,
            &signed(accepted),
            &signed(served),
            proof,
        )
    }

    fn kind(e: &ForkEvidence) -> Result<EvidenceKind, EvidenceError> {
        e.verify(&key().verifying_key()).map(|v| v.kind)
    }

    #[test]
    fn forks_rollbacks_and_honest_growth() {
        let a = leaves("a", 13);
        let mut b = a[..8].to_vec();
        b.extend(leaves("b", 9));
        // Same size, different roots.
        assert_eq!(kind(&evidence(&a, &b[..13])), Ok(EvidenceKind::Fork));
        // The served tree is larger but rewrites leaves 8..13 of the accepted one.
        assert_eq!(kind(&evidence(&a, &b)), Ok(EvidenceKind::Fork));
        // Sizes that are powers of two, each way: the proof carries the prefix root.
        assert_eq!(kind(&evidence(&b[..8], &a)), Err(consistent(8, 13)));
        assert_eq!(kind(&evidence(&a[..9], &b[..16])), Ok(EvidenceKind::Fork));
        assert_eq!(kind(&evidence(&b[..16], &a[..9])), Ok(EvidenceKind::Fork));
        // The served tree is an older state of the same history.
        assert_eq!(kind(&evidence(&a, &a[..5])), Ok(EvidenceKind::Rollback));
        assert_eq!(kind(&evidence(&a, &a[..8])), Ok(EvidenceKind::Rollback));
        assert_eq!(kind(&evidence(&a, &[])), Ok(EvidenceKind::Rollback));
        // Served smaller and not a prefix of the accepted tree.
        assert_eq!(kind(&evidence(&a, &b[..10])), Ok(EvidenceKind::Fork));
        // Honest growth and the same tree prove nothing.
        assert_eq!(kind(&evidence(&a[..5], &a)), Err(consistent(5, 13)));
        assert_eq!(kind(&evidence(&a, &a)), Err(consistent(13, 13)));
        assert_eq!(kind(&evidence(&[], &a)), Err(consistent(0, 13)));
        let v = evidence(&a, &b)
            .verify(&key().verifying_key())
            .expect("fork");
        assert_eq!((v.accepted.size, v.served.size), (13, 17));
        assert_eq!(v.prefix_root, Some(reference::root(&b[..13])));
    }

    fn consistent(accepted: u64, served: u64) -> EvidenceError {
        EvidenceError::Consistent { accepted, served }
    }

    #[test]
    fn json_round_trips_and_cosignatures_are_kept() {
        let a = leaves("a", 6);
        let b = leaves("b", 11);
        let witness = SigningKey::from_seed("witness.example", [3; 32]).expect("valid name");
        let cosigned = add_signature(&signed(&a), &witness).expect("adds");
        let e = ForkEvidence::new("dir/pub", WHEN, &cosigned, &signed(&b), {
            fork_proof(&Leaves(b.clone()), 6, 11).expect("in memory")
        });
        let text = e.to_json();
        let back = ForkEvidence::parse(text.as_bytes()).expect("parses");
        assert_eq!(back, e);
        assert_eq!(back.accepted(), cosigned);
        assert_eq!(kind(&back), Ok(EvidenceKind::Fork));
        let empty = evidence(&a, &b[..6]);
        assert!(empty.to_json().contains("\"proof\": []\n"));
        assert_eq!(ForkEvidence::parse(empty.to_json().as_bytes()), Ok(empty));
    }

    #[test]
    fn tampering_proves_nothing() {
        let a = leaves("a", 13);
        let b = leaves("b", 20);
        let good = evidence(&a, &b);
        let log = key().verifying_key();
        assert_eq!(kind(&good), Ok(EvidenceKind::Fork));
        // A flipped proof hash no longer leads to the larger signed root.
        for i in 0..good.proof.len() {
            let mut e = good.clone();
            e.proof[i][0] ^= 1;
            assert_eq!(
                e.verify(&log),
                Err(EvidenceError::ProofMismatch { size: 20 }),
                "hash {i}"
            );
        }
        // A missing or extra hash.
        let mut e = good.clone();
        e.proof.pop();
        assert!(matches!(e.verify(&log), Err(EvidenceError::Proof(_))));
        // A changed note byte breaks its signature.
        let mut e = good.clone();
        e.served = e.served.replacen("20\n", "21\n", 1);
        assert!(matches!(
            e.verify(&log),
            Err(EvidenceError::Checkpoint {
                which: "served",
                ..
            })
        ));
        // Swapped notes: a fork is a fork either way, but a rollback swapped is honest growth.
        let mut e = good.clone();
        std::mem::swap(&mut e.accepted, &mut e.served);
        assert_eq!(kind(&e), Ok(EvidenceKind::Fork));
        let mut e = evidence(&a, &a[..6]);
        assert_eq!(kind(&e), Ok(EvidenceKind::Rollback));
        std::mem::swap(&mut e.accepted, &mut e.served);
        assert_eq!(kind(&e), Err(consistent(6, 13)));
        // Another key, or the same key under another name (origin).
        let other = SigningKey::from_seed(ORIGIN, [8; 32]).expect("valid name");
        assert!(matches!(
            good.verify(&other.verifying_key()),
            Err(EvidenceError::Checkpoint {
                which: "accepted",
                ..
            })
        ));
        let renamed = SigningKey::from_seed("example.com/other", [7; 32]).expect("valid name");
        assert!(matches!(
            good.verify(&renamed.verifying_key()),
            Err(EvidenceError::Checkpoint { .. })
        ));
        // A proof for equal sizes must be empty.
        let mut e = evidence(&a, &b[..13]);
        e.proof.push([0; 32]);
        assert!(matches!(
            e.verify(&log),
            Err(EvidenceError::Proof(
                ProofError::NonEmptyProofForEqualSizes { .. }
            ))
        ));
    }

    #[test]
    fn parse_is_strict() {
        let good = evidence(&leaves("a", 3), &leaves("b", 5)).to_json();
        let value: serde_json::Value = serde_json::from_str(&good).expect("json");
        let with = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v = value.clone();
            edit(&mut v);
            serde_json::to_vec(&v).expect("json")
        };
        let cases: Vec<Vec<u8>> = vec![
            with(&|v| v["format"] = "claimledger-fork-evidence/v2".into()),
            with(&|v| v["extra"] = 1.into()),
            with(&|v| {
                v.as_object_mut().expect("object").remove("source");
            }),
            with(&|v| v["source"] = "".into()),
            with(&|v| v["source"] = "a\nb".into()),
            with(&|v| v["source"] = "x".repeat(MAX_SOURCE_BYTES + 1).into()),
            with(&|v| v["observed_at"] = "2026-12-06 21:00:00Z".into()),
            with(&|v| v["accepted"] = "".into()),
            with(&|v| v["served"] = 5.into()),
            with(&|v| v["proof"] = "AAAA".into()),
            with(&|v| v["proof"][0] = BASE64.encode([1u8; 31]).into()),
            // Non-canonical base64: the last character's spare bits set.
            with(&|v| v["proof"][0] = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=".into()),
            with(&|v| {
                v["proof"] = vec![serde_json::Value::from(BASE64.encode([1u8; 32])); 66].into()
            }),
            b"[]".to_vec(),
            b"{\"format\": 1, \"format\": 2}".to_vec(),
            vec![b' '; MAX_EVIDENCE_BYTES + 1],
            b"\xff".to_vec(),
        ];
        for bytes in cases {
            assert!(
                matches!(
                    ForkEvidence::parse(&bytes),
                    Err(EvidenceError::Malformed(_))
                ),
                "{}",
                String::from_utf8_lossy(&bytes)
            );
        }
        assert!(ForkEvidence::parse(good.as_bytes()).is_ok());
    }

    /// Two trees of sizes `m` and `n` that share their first `shared` leaves (no more: leaf
    /// `shared` differs when both trees have it).
    fn pair(m: usize, n: usize, shared: usize) -> (Vec<Hash>, Vec<Hash>) {
        let common = leaves("common", shared);
        let mut a = common.clone();
        a.extend(leaves("a", m.saturating_sub(shared)));
        let mut b = common;
        b.extend(leaves("b", n.saturating_sub(shared)));
        (a, b)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn consistent_trees_never_prove_anything(m in 0usize..70, extra in 0usize..70) {
            let (a, b) = pair(m, m + extra, m);
            let got = kind(&evidence(&a, &b));
            prop_assert!(matches!(got, Err(EvidenceError::Consistent { .. })), "{:?}", got);
        }

        #[test]
        fn rolled_back_trees_are_rollbacks(n in 0usize..70, extra in 1usize..70) {
            let (a, b) = pair(n + extra, n, n);
            prop_assert_eq!(kind(&evidence(&a, &b)), Ok(EvidenceKind::Rollback));
        }

        #[test]
        fn forked_trees_always_prove_a_fork(m in 1usize..70, n in 1usize..70, shared in 0usize..70) {
            // Diverging at leaf `shared`, inside both trees.
            let shared = shared % m.min(n);
            let (a, b) = pair(m, n, shared);
            prop_assert_eq!(kind(&evidence(&a, &b)), Ok(EvidenceKind::Fork));
        }

        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = ForkEvidence::parse(&bytes);
        }
    }
}
