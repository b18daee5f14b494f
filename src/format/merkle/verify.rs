//! Proof verification (RFC 9162 §2.1.3.2 and §2.1.4.2) on raw byte slices.
//!
//! Byte slices rather than `Hash` arrays, so that a hash of the wrong length is an error to report,
//! not a value the caller could never have built.

use super::{Hash, ProofError, node_hash};

/// `bytes` as a hash, or `BadHashLength` naming `what`.
fn as_hash<'a>(what: &'static str, bytes: &'a [u8]) -> Result<&'a Hash, ProofError> {
    <&Hash>::try_from(bytes).map_err(|_| ProofError::BadHashLength {
        what,
        len: bytes.len(),
    })
}

/// Every proof element as a hash, or `BadProofHashLength` for the first one that is not.
fn as_proof_hashes(proof: &[impl AsRef<[u8]>]) -> Result<Vec<Hash>, ProofError> {
    proof
        .iter()
        .enumerate()
        .map(|(position, item)| {
            let bytes = item.as_ref();
            Hash::try_from(bytes).map_err(|_| ProofError::BadProofHashLength {
                position,
                len: bytes.len(),
            })
        })
        .collect()
}

/// Number of hashes in the inclusion proof of `index` in a tree of `size` (requires index < size).
///
/// At level `l` the node holding the leaf is `index >> l` and the last node is `(size-1) >> l`.
/// Below the level where they meet, the leaf's node always has a sibling; from there up, it has
/// one (a complete left sibling) exactly when it is a right child, i.e. when that bit of `index`
/// is set.
pub(super) fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let last = size.saturating_sub(1);
    let inner = u64::BITS - (index ^ last).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// Number of hashes in the consistency proof from `old_size` to `new_size`
/// (requires 0 < old_size < new_size): the number of path elements RFC 9162 §2.1.4.2 consumes,
/// less the old root it prepends itself when the old size is a power of two.
fn consistency_proof_len(old_size: u64, new_size: u64) -> usize {
    let mut fn_ = old_size.saturating_sub(1);
    let mut sn = new_size.saturating_sub(1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // The first path element seeds fr and sr; each later one is consumed while sn != 0.
    let mut elements = 1usize;
    while sn != 0 {
        if fn_ == sn {
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        }
        elements += 1;
        fn_ >>= 1;
        sn >>= 1;
    }
    if old_size.is_power_of_two() {
        elements - 1
    } else {
        elements
    }
}

/// The root that an inclusion proof leads to (RFC 9162 §2.1.3.2 without the final comparison).
///
/// Checks that `index < size`, that the leaf hash and every proof hash are 32 bytes, and that the
/// proof has exactly the length that `index` and `size` require.
pub fn root_from_inclusion(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[impl AsRef<[u8]>],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let leaf = as_hash("leaf hash", leaf_hash)?;
    let proof = as_proof_hashes(proof)?;
    let expected = inclusion_proof_len(index, size);
    let wrong_length = ProofError::WrongInclusionProofLength {
        index,
        size,
        expected,
        got: proof.len(),
    };
    if proof.len() != expected {
        return Err(wrong_length);
    }
    let mut fn_ = index;
    let mut sn = size - 1;
    let mut r = *leaf;
    for p in &proof {
        if sn == 0 {
            return Err(wrong_length);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(wrong_length);
    }
    Ok(r)
}

/// RFC 9162 §2.1.3.2: checks that `leaf_hash` is leaf `index` of the tree of `size` leaves whose
/// root is `root`. All hashes must be exactly 32 bytes and the proof exactly as long as
/// `index` and `size` require.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[impl AsRef<[u8]>],
    root: &[u8],
) -> Result<(), ProofError> {
    let root = as_hash("root", root)?;
    let computed = root_from_inclusion(index, size, leaf_hash, proof)?;
    if computed != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: checks that the tree of `new_size` leaves with root `new_root` extends the
/// tree of `old_size` leaves with root `old_root`.
///
/// Old size 0 is rejected outright (even with new size 0), as is `old_size > new_size`. For equal
/// sizes the proof must be empty and the roots equal. All hashes must be exactly 32 bytes and the
/// proof exactly as long as the sizes require.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &[u8],
    new_root: &[u8],
    proof: &[impl AsRef<[u8]>],
) -> Result<(), ProofError> {
    if old_size == 0 {
        return Err(ProofError::OldSizeZero);
    }
    if old_size > new_size {
        return Err(ProofError::OldSizeTooLarge { old_size, new_size });
    }
    let old_root = as_hash("old root", old_root)?;
    let new_root = as_hash("new root", new_root)?;
    let proof = as_proof_hashes(proof)?;
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::NonEmptyProofForEqualSizes {
                size: old_size,
                got: proof.len(),
            });
        }
        if old_root != new_root {
            return Err(ProofError::RootsDifferForEqualSizes { size: old_size });
        }
        return Ok(());
    }
    let expected = consistency_proof_len(old_size, new_size);
    let wrong_length = ProofError::WrongConsistencyProofLength {
        old_size,
        new_size,
        expected,
        got: proof.len(),
    };
    if proof.len() != expected {
        return Err(wrong_length);
    }
    // Step 2: an old tree that is a complete subtree is its own first path element.
    let (first, rest) = if old_size.is_power_of_two() {
        (old_root, proof.as_slice())
    } else {
        match proof.split_first() {
            Some((first, rest)) => (first, rest),
            None => return Err(wrong_length),
        }
    };
    let (fr, sr) = fold_consistency(old_size, new_size, first, rest).ok_or(wrong_length)?;
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch { old_size, new_size });
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch { old_size, new_size });
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2 steps 3 to 6 for `0 < old_size < new_size`: folds the first path element
/// and the rest of the proof into `(fr, sr)`, the roots at the old and the new size. `None` when
/// the proof runs out or has hashes left over (a length error for the caller to name).
fn fold_consistency(
    old_size: u64,
    new_size: u64,
    first: &Hash,
    rest: &[Hash],
) -> Option<(Hash, Hash)> {
    let mut fn_ = old_size - 1;
    let mut sn = new_size - 1;
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let mut fr = *first;
    let mut sr = *first;
    for c in rest {
        if sn == 0 {
            return None;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    (sn == 0).then_some((fr, sr))
}

/// The roots at `old_size` and at `new_size` that a self-contained consistency proof leads to:
/// `(root of the first old_size leaves, root of all new_size leaves)`.
///
/// A self-contained consistency proof is the RFC 9162 §2.1.4.1 proof `PROOF(old_size,
/// D[new_size])`, preceded by the root of the first `old_size` leaves when `old_size` is a power
/// of two (the one case where the RFC proof omits it, because its verifier seeds with the claimed
/// old root). It needs no claimed root, so it can show that a tree does NOT extend another: if the
/// new root it computes is a signed root, every hash in it is a node of that tree (SHA-256 being
/// collision resistant), and so is the old root it computes.
///
/// Requires `0 < old_size < new_size` (`OldSizeZero`, `OldSizeTooLarge`, `EqualSizes`), every
/// hash 32 bytes (`BadProofHashLength`) and exactly the length the sizes require
/// (`WrongConsistencyProofLength`, counting the prepended root). Never panics.
pub fn roots_from_consistency(
    old_size: u64,
    new_size: u64,
    proof: &[impl AsRef<[u8]>],
) -> Result<(Hash, Hash), ProofError> {
    if old_size == 0 {
        return Err(ProofError::OldSizeZero);
    }
    if old_size > new_size {
        return Err(ProofError::OldSizeTooLarge { old_size, new_size });
    }
    if old_size == new_size {
        return Err(ProofError::EqualSizes { size: old_size });
    }
    let proof = as_proof_hashes(proof)?;
    let expected =
        consistency_proof_len(old_size, new_size) + usize::from(old_size.is_power_of_two());
    let wrong_length = ProofError::WrongConsistencyProofLength {
        old_size,
        new_size,
        expected,
        got: proof.len(),
    };
    if proof.len() != expected {
        return Err(wrong_length);
    }
    let (first, rest) = proof.split_first().ok_or(wrong_length.clone())?;
    fold_consistency(old_size, new_size, first, rest).ok_or(wrong_length)
}
