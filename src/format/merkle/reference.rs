//! Slow, obviously-correct recursive reference straight from RFC 6962 §2.1 / RFC 9162 §2.1.3.1
//! and §2.1.4.1 (MTH, PATH, PROOF/SUBPROOF) over a slice of leaf hashes. For tests only: it
//! hashes every leaf on every call.

use super::{EMPTY_ROOT, Hash, node_hash};

/// The largest power of two strictly less than `n` (n >= 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k < n - k {
        k *= 2;
    }
    k
}

/// `MTH(D[n])`.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => EMPTY_ROOT,
        [leaf] => *leaf,
        _ => {
            let k = split(leaves.len());
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// `PATH(m, D[n])`, lowest level first. Empty when `index >= leaves.len()` (undefined in the
/// RFC).
pub fn inclusion_proof(index: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if index >= n || n == 1 {
        return Vec::new();
    }
    let k = split(n);
    if index < k {
        let mut path = inclusion_proof(index, &leaves[..k]);
        path.push(root(&leaves[k..]));
        path
    } else {
        let mut path = inclusion_proof(index - k, &leaves[k..]);
        path.push(root(&leaves[..k]));
        path
    }
}

/// `PROOF(m, D[n]) = SUBPROOF(m, D[n], true)`. Empty when `old_size` is 0 or not less than
/// `leaves.len()` (undefined or empty in the RFC).
pub fn consistency_proof(old_size: usize, leaves: &[Hash]) -> Vec<Hash> {
    if old_size == 0 || old_size >= leaves.len() {
        return Vec::new();
    }
    subproof(old_size, leaves, true)
}

/// The self-contained consistency proof: `PROOF(m, D[n])` preceded by `MTH(D[0:m])` when `m` is a
/// power of two. Empty under the same conditions as [`consistency_proof`].
pub fn self_contained_consistency_proof(old_size: usize, leaves: &[Hash]) -> Vec<Hash> {
    if old_size == 0 || old_size >= leaves.len() {
        return Vec::new();
    }
    let mut proof = Vec::new();
    if old_size.is_power_of_two() {
        proof.push(root(&leaves[..old_size]));
    }
    proof.extend(consistency_proof(old_size, leaves));
    proof
}

/// `SUBPROOF(m, D[n], b)` for `1 <= m <= n`.
fn subproof(m: usize, leaves: &[Hash], whole_old_tree: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if whole_old_tree {
            Vec::new()
        } else {
            vec![root(leaves)]
        };
    }
    let k = split(n);
    if m <= k {
        let mut proof = subproof(m, &leaves[..k], whole_old_tree);
        proof.push(root(&leaves[k..]));
        proof
    } else {
        let mut proof = subproof(m - k, &leaves[k..], false);
        proof.push(root(&leaves[..k]));
        proof
    }
}
