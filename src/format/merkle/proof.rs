//! Proof generation: subtree hashes, roots, inclusion and consistency proofs from a [`NodeSource`].

use super::{EMPTY_ROOT, Hash, NodeSource, ProofError, decomposition, fold_right, node_hash};

/// The largest power of two strictly less than `n`, for `n >= 2` (RFC 6962 §2.1 `k`).
/// Returns 1 for `n < 2` rather than failing.
pub(super) fn split_point(n: u64) -> u64 {
    // Bit length of n - 1 is in 1..=64 for n >= 2, so the shift is in 0..=63.
    let bits = u64::BITS - n.saturating_sub(1).leading_zeros();
    1u64 << bits.saturating_sub(1)
}

/// Whether `[start, start + len)` (len >= 1) lies at the start of an aligned block of the next
/// power of two at or above `len`: then its RFC 6962 subtrees are all stored nodes.
fn is_aligned_prefix(start: u64, len: u64) -> bool {
    start == 0
        || len
            .checked_next_power_of_two()
            .is_some_and(|block| start & (block - 1) == 0)
}

/// MTH of leaves `[start, end)` (RFC 6962 §2.1); [`EMPTY_ROOT`] when `start == end`.
///
/// When `start` is a multiple of the smallest power of two at or above `end - start` (every range
/// a proof or a root needs), this reads only the complete subtrees of the binary decomposition of
/// the length: at most 64 reads, one when the range is a complete aligned subtree. Other ranges
/// are split per RFC 6962 (largest power of two less than the length) and recursed into; the result
/// is still the MTH of that list of leaves, but may need up to `end - start` reads.
///
/// `Err(ProofError::InvalidRange)` if `start > end`.
pub fn subtree_hash<S: NodeSource>(src: &S, start: u64, end: u64) -> Result<Hash, S::Error> {
    let Some(len) = end.checked_sub(start) else {
        return Err(ProofError::InvalidRange { start, end }.into());
    };
    if len == 0 {
        return Ok(EMPTY_ROOT);
    }
    if is_aligned_prefix(start, len) {
        let hashes = decomposition(start, len)
            .into_iter()
            .map(|(level, index)| src.node(level, index))
            .collect::<Result<Vec<Hash>, S::Error>>()?;
        return Ok(fold_right(&hashes));
    }
    // len >= 2 here (a single leaf is always aligned), so 1 <= k < len and mid < end.
    let mid = start.saturating_add(split_point(len));
    let left = subtree_hash(src, start, mid)?;
    let right = subtree_hash(src, mid, end)?;
    Ok(node_hash(&left, &right))
}

/// The root of the tree of the first `size` leaves; [`EMPTY_ROOT`] for size 0.
/// At most 64 node reads (one per set bit of `size`).
pub fn root_at<S: NodeSource>(src: &S, size: u64) -> Result<Hash, S::Error> {
    subtree_hash(src, 0, size)
}

/// RFC 9162 §2.1.3.1 `PATH(m, D[n])` for leaf `index` in the tree of `size` leaves, lowest level
/// first. `Err(ProofError::IndexOutOfRange)` if `index >= size`. At most `2 * log2(size) + 2` reads.
pub fn inclusion_proof<S: NodeSource>(
    src: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, S::Error> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size }.into());
    }
    // Walk from the root down to the leaf, collecting the sibling at each split (highest first).
    // Invariant: start <= index < end <= size and [start, end) is an aligned prefix, so each
    // sibling below is one too; only a right-hand sibling can be incomplete, and after one the
    // walk stays inside a complete subtree.
    let mut proof = Vec::new();
    let (mut start, mut end) = (0u64, size);
    while end - start > 1 {
        let mid = start + split_point(end - start);
        if index < mid {
            proof.push(subtree_hash(src, mid, end)?);
            end = mid;
        } else {
            proof.push(subtree_hash(src, start, mid)?);
            start = mid;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// RFC 9162 §2.1.4.1 `PROOF(m, D[n])` from the tree of `old_size` leaves to the tree of
/// `new_size` leaves. Empty when the sizes are equal; `Err(ProofError::OldSizeZero)` for old size
/// 0 and `Err(ProofError::OldSizeTooLarge)` if `old_size > new_size`. At most
/// `2 * log2(new_size) + 2` reads.
pub fn consistency_proof<S: NodeSource>(
    src: &S,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, S::Error> {
    if old_size == 0 {
        return Err(ProofError::OldSizeZero.into());
    }
    if old_size > new_size {
        return Err(ProofError::OldSizeTooLarge { old_size, new_size }.into());
    }
    // SUBPROOF(m, D[start:end], b) unrolled; m counts old leaves inside [start, end), and
    // 1 <= m <= end - start holds throughout.
    let mut proof = Vec::new();
    let (mut start, mut end, mut m, mut whole_old_tree) = (0u64, new_size, old_size, true);
    loop {
        let n = end - start;
        if m == n {
            if !whole_old_tree {
                proof.push(subtree_hash(src, start, end)?);
            }
            break;
        }
        // m < n, so n >= 2.
        let k = split_point(n);
        let mid = start + k;
        if m <= k {
            proof.push(subtree_hash(src, mid, end)?);
            end = mid;
        } else {
            proof.push(subtree_hash(src, start, mid)?);
            start = mid;
            m -= k;
            whole_old_tree = false;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// The self-contained consistency proof from `old_size` to `new_size` (see
/// [`roots_from_consistency`](super::roots_from_consistency)): the RFC 9162 proof, preceded by
/// the root of the first `old_size` leaves when `old_size` is a power of two. Same errors as
/// [`consistency_proof`], and for equal sizes it is empty. At most `2 * log2(new_size) + 3` reads.
pub fn self_contained_consistency_proof<S: NodeSource>(
    src: &S,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, S::Error> {
    let rfc = consistency_proof(src, old_size, new_size)?;
    if old_size == new_size || !old_size.is_power_of_two() {
        return Ok(rfc);
    }
    let mut proof = Vec::with_capacity(rfc.len() + 1);
    proof.push(subtree_hash(src, 0, old_size)?);
    proof.extend(rfc);
    Ok(proof)
}
