//! Every mutation of a valid proof is rejected: each flipped bit of each proof hash, of the
//! leaf and of the roots, for every tree of up to 64 leaves.

use super::*;

/// The bits to flip in hash number `salt` of a mutation test: all 256 when `every_bit`,
/// otherwise one bit in each of the 32 bytes, the bit rotating with `salt`.
fn bits_to_flip(every_bit: bool, salt: usize) -> Vec<usize> {
    if every_bit {
        (0..256).collect()
    } else {
        (0..32).map(|byte| byte * 8 + (byte + salt) % 8).collect()
    }
}

/// Checks that every mutation of a valid inclusion proof is rejected.
fn assert_inclusion_mutants_rejected(
    tree: &MemTree,
    m: u64,
    n: u64,
    proof: &[Hash],
    every_bit: bool,
) {
    let leaf = tree.leaves[m as usize];
    let root = tree.roots[n as usize];
    let rejected = |index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash| {
        verify_inclusion(index, size, leaf, proof, root).is_err()
    };
    for i in 0..proof.len() {
        for bit in bits_to_flip(every_bit, i) {
            let mut bad = proof.to_vec();
            bad[i] = flip_bit(&bad[i], bit);
            assert!(
                rejected(m, n, &leaf, &bad, &root),
                "flip {i}/{bit} ({m}, {n})"
            );
        }
        let mut dropped = proof.to_vec();
        dropped.remove(i);
        assert!(
            rejected(m, n, &leaf, &dropped, &root),
            "drop {i} ({m}, {n})"
        );
    }
    for at in [0, proof.len()] {
        for extra in [leaf, root, EMPTY_ROOT] {
            let mut added = proof.to_vec();
            added.insert(at, extra);
            assert!(
                rejected(m, n, &leaf, &added, &root),
                "add at {at} ({m}, {n})"
            );
        }
    }
    for bit in bits_to_flip(every_bit, proof.len()) {
        assert!(
            rejected(m, n, &flip_bit(&leaf, bit), proof, &root),
            "leaf bit {bit}"
        );
        assert!(
            rejected(m, n, &leaf, proof, &flip_bit(&root, bit)),
            "root bit {bit}"
        );
    }
    // A wrong index, against the same root and against the leaf that really is there.
    for index in [m.wrapping_sub(1), m + 1] {
        assert!(
            rejected(index, n, &leaf, proof, &root),
            "index {index} ({m}, {n})"
        );
        if let Some(other) = tree.leaves[..n as usize].get(index as usize) {
            assert!(
                rejected(index, n, other, proof, &root),
                "index {index} ({m}, {n})"
            );
        }
    }
    // A wrong size, against the real root of that size. (Against the unchanged root a wrong
    // size is not always detectable: e.g. the proof of leaf 0 in a tree of 3 also proves leaf 0
    // in a hypothetical tree of 4 with that same root; RFC 9162 proofs bind the root, not the
    // size.)
    for size in [n - 1, n + 1] {
        if let Some(size_root) = tree.roots.get(size as usize) {
            assert!(
                rejected(m, size, &leaf, proof, size_root),
                "size {size} ({m}, {n})"
            );
        }
    }
    assert!(rejected(m, n * 2, &leaf, proof, &root));
    assert!(rejected(m, n / 2, &leaf, proof, &root));
}

/// Checks that every mutation of a valid consistency proof is rejected.
fn assert_consistency_mutants_rejected(
    tree: &MemTree,
    m: u64,
    n: u64,
    proof: &[Hash],
    every_bit: bool,
) {
    let old = tree.roots[m as usize];
    let new = tree.roots[n as usize];
    let rejected = |m: u64, n: u64, old: &Hash, new: &Hash, proof: &[Hash]| {
        verify_consistency(m, n, old, new, proof).is_err()
    };
    for i in 0..proof.len() {
        for bit in bits_to_flip(every_bit, i) {
            let mut bad = proof.to_vec();
            bad[i] = flip_bit(&bad[i], bit);
            assert!(
                rejected(m, n, &old, &new, &bad),
                "flip {i}/{bit} ({m}, {n})"
            );
        }
        let mut dropped = proof.to_vec();
        dropped.remove(i);
        assert!(rejected(m, n, &old, &new, &dropped), "drop {i} ({m}, {n})");
    }
    for at in [0, proof.len()] {
        for extra in [old, new, EMPTY_ROOT] {
            let mut added = proof.to_vec();
            added.insert(at, extra);
            assert!(rejected(m, n, &old, &new, &added), "add at {at} ({m}, {n})");
        }
    }
    for bit in bits_to_flip(every_bit, proof.len()) {
        assert!(
            rejected(m, n, &flip_bit(&old, bit), &new, proof),
            "old bit {bit}"
        );
        assert!(
            rejected(m, n, &old, &flip_bit(&new, bit), proof),
            "new bit {bit}"
        );
    }
    if m != n {
        assert!(
            rejected(m, n, &new, &old, proof),
            "swapped roots ({m}, {n})"
        );
    }
    // Wrong sizes, against the real roots of those sizes and against the unchanged ones.
    for old_size in [m - 1, m + 1] {
        let size_root = tree.roots[old_size as usize];
        assert!(
            rejected(old_size, n, &size_root, &new, proof),
            "old {old_size} ({m}, {n})"
        );
        assert!(
            rejected(old_size, n, &old, &new, proof),
            "old {old_size} ({m}, {n})"
        );
    }
    for new_size in [n - 1, n + 1] {
        if let Some(size_root) = tree.roots.get(new_size as usize) {
            assert!(
                rejected(m, new_size, &old, size_root, proof),
                "new {new_size}"
            );
        }
    }
}

/// Every tree of 1..=64 leaves, every (index, size) and (old, new) pair. Every single-bit
/// flip of the proof hashes, leaf and roots for the first and last index of each size (old
/// sizes 1, n - 1 and n); for the other pairs one flipped bit in each byte of each hash.
#[test]
fn mutated_proofs_are_rejected_up_to_64() {
    let tree = MemTree::new(65, false);
    for n in 1..=64u64 {
        let view = tree.view(n);
        for m in 0..n {
            let proof = inclusion_proof(&view, m, n).expect("inclusion");
            assert_inclusion_mutants_rejected(&tree, m, n, &proof, m == 0 || m == n - 1);
        }
        for m in 1..=n {
            let proof = consistency_proof(&view, m, n).expect("consistency");
            assert_consistency_mutants_rejected(&tree, m, n, &proof, m == 1 || m >= n - 1);
        }
    }
}
