//! Unit tests against known answers and the [`reference`](super::reference) implementation.
//!
//! Also: read counts and sizes near `u64::MAX`; the rejection of every mutated proof is in
//! `tests/mutants.rs`.

use super::proof::split_point;
use super::verify::inclusion_proof_len;
use super::*;
use std::cell::Cell;
use std::collections::HashMap;

mod mutants;

/// A read failure of the in-memory test sources.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TestError {
    Proof(ProofError),
    /// A node was requested that is not a complete subtree inside the current tree size.
    OutsideTree {
        level: u32,
        index: u64,
        size: u64,
    },
    /// A node inside the tree was never emitted by `Frontier::push`.
    Missing {
        level: u32,
        index: u64,
    },
}

impl From<ProofError> for TestError {
    fn from(e: ProofError) -> Self {
        TestError::Proof(e)
    }
}

/// Whether node (level, index) is a complete subtree of a tree of `size` leaves.
fn node_inside(level: u32, index: u64, size: u64) -> bool {
    index
        .checked_add(1)
        .and_then(|i| i.checked_mul(1u64.checked_shl(level)?))
        .is_some_and(|end| end <= size)
}

/// A tree grown with `Frontier::push`, keeping every emitted node, root and frontier.
struct MemTree {
    leaves: Vec<Hash>,
    nodes: HashMap<(u32, u64), Hash>,
    roots: Vec<Hash>,
    frontiers: Vec<Frontier>,
}

impl MemTree {
    fn new(size: u64, keep_frontiers: bool) -> Self {
        let mut tree = MemTree {
            leaves: Vec::new(),
            nodes: HashMap::new(),
            roots: vec![EMPTY_ROOT],
            frontiers: vec![Frontier::new()],
        };
        let mut frontier = Frontier::new();
        for i in 0..size {
            let leaf = leaf_hash(format!("leaf {i}").as_bytes());
            tree.leaves.push(leaf);
            let nodes = &mut tree.nodes;
            frontier.push(leaf, |level, index, hash| {
                let old = nodes.insert((level, index), *hash);
                assert!(old.is_none(), "node ({level}, {index}) emitted twice");
            });
            tree.roots.push(frontier.root());
            if keep_frontiers {
                tree.frontiers.push(frontier.clone());
            }
        }
        tree
    }

    fn view(&self, size: u64) -> View<'_> {
        View {
            tree: self,
            size,
            reads: Cell::new(0),
        }
    }
}

/// The first `size` leaves of a `MemTree`, counting reads.
struct View<'a> {
    tree: &'a MemTree,
    size: u64,
    reads: Cell<u64>,
}

impl NodeSource for View<'_> {
    type Error = TestError;
    fn node(&self, level: u32, index: u64) -> Result<Hash, TestError> {
        self.reads.set(self.reads.get() + 1);
        if !node_inside(level, index, self.size) {
            return Err(TestError::OutsideTree {
                level,
                index,
                size: self.size,
            });
        }
        self.tree
            .nodes
            .get(&(level, index))
            .copied()
            .ok_or(TestError::Missing { level, index })
    }
}

/// Bit length of n: floor(log2 n) + 1 for n > 0.
fn bit_len(n: u64) -> u64 {
    u64::from(u64::BITS - n.leading_zeros())
}

/// A simple deterministic PRNG (SplitMix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform-ish in [lo, hi] (hi - lo small compared with 2^64).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn flip_bit(hash: &Hash, bit: usize) -> Hash {
    let mut out = *hash;
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

#[test]
fn hasher_known_answers() {
    assert_eq!(EMPTY_ROOT, <Hash>::from(Sha256::digest(b"")));
    assert_eq!(
        hex::encode(leaf_hash(b"")),
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    );
    assert_eq!(
        hex::encode(leaf_hash(b"L123456")),
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    );
    // RFC 6962 hasher vector with 4-byte children (transparency-dev/merkle, see
    // ../shared/vectors/merkle/hasher.json); only the private byte-string helper can take it.
    assert_eq!(
        hex::encode(hash_children(b"N123", b"N456")),
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    );
    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    assert_eq!(node_hash(&a, &b), hash_children(&a, &b));
    assert_ne!(node_hash(&a, &b), node_hash(&b, &a));
}

#[test]
fn split_point_is_largest_power_of_two_below() {
    for n in 2u64..=1100 {
        let k = split_point(n);
        assert!(
            k.is_power_of_two() && k < n && 2 * k >= n,
            "n = {n}, k = {k}"
        );
    }
    assert_eq!(split_point(u64::MAX), 1 << 63);
    assert_eq!(split_point((1 << 63) + 1), 1 << 63);
    assert_eq!(split_point(1 << 63), 1 << 62);
    assert_eq!(split_point(0), 1);
    assert_eq!(split_point(1), 1);
}

#[test]
fn frontier_emits_each_node_once_with_the_right_hash() {
    let tree = MemTree::new(256, false);
    assert_eq!(tree.nodes.len(), 511);
    for (&(level, index), hash) in &tree.nodes {
        let start = (index << level) as usize;
        let end = ((index + 1) << level) as usize;
        assert_eq!(
            *hash,
            reference::root(&tree.leaves[start..end]),
            "({level}, {index})"
        );
    }
    // Emission order: level 0 first, then increasing levels, each completed node exactly once.
    let mut frontier = Frontier::new();
    for (i, leaf) in tree.leaves.iter().enumerate() {
        let mut seen = Vec::new();
        frontier.push(*leaf, |level, index, _| seen.push((level, index)));
        let i = i as u64;
        let want: Vec<(u32, u64)> = (0..=i.trailing_ones()).map(|l| (l, i >> l)).collect();
        assert_eq!(seen, want, "leaf {i}");
    }
}

#[test]
fn roots_and_frontiers_match_reference_up_to_256() {
    let tree = MemTree::new(256, true);
    for n in 0..=256u64 {
        let view = tree.view(n);
        let root = root_at(&view, n).expect("root");
        assert_eq!(
            root,
            reference::root(&tree.leaves[..n as usize]),
            "size {n}"
        );
        assert_eq!(root, tree.roots[n as usize], "frontier root, size {n}");
        assert_eq!(
            view.reads.get(),
            u64::from(n.count_ones()),
            "reads, size {n}"
        );
        let hashes = Frontier::needed(n)
            .into_iter()
            .map(|(level, index)| view.node(level, index))
            .collect::<Result<Vec<_>, _>>()
            .expect("needed nodes exist");
        let rebuilt = Frontier::from_nodes(n, hashes.clone()).expect("from_nodes");
        assert_eq!(rebuilt, tree.frontiers[n as usize], "size {n}");
        assert_eq!(rebuilt.size(), n);
        assert_eq!(rebuilt.hashes(), hashes.as_slice());
        // Wrong counts are rejected.
        let mut more = hashes.clone();
        more.push(EMPTY_ROOT);
        assert!(matches!(
            Frontier::from_nodes(n, more),
            Err(ProofError::WrongFrontierNodeCount { .. })
        ));
        if !hashes.is_empty() {
            assert!(matches!(
                Frontier::from_nodes(n, hashes[1..].to_vec()),
                Err(ProofError::WrongFrontierNodeCount { .. })
            ));
        }
        // A rebuilt frontier keeps growing like the original.
        if n < 256 {
            let mut grown = rebuilt;
            grown.push(tree.leaves[n as usize], |_, _, _| {});
            assert_eq!(grown, tree.frontiers[n as usize + 1]);
        }
    }
}

#[test]
fn subtree_hash_matches_reference_for_every_range() {
    let tree = MemTree::new(64, false);
    let view = tree.view(64);
    for start in 0..=64u64 {
        for end in start..=64u64 {
            let got = subtree_hash(&view, start, end).expect("range");
            let want = reference::root(&tree.leaves[start as usize..end as usize]);
            assert_eq!(got, want, "[{start}, {end})");
        }
    }
    // An aligned complete subtree is one read.
    view.reads.set(0);
    subtree_hash(&view, 32, 64).expect("range");
    assert_eq!(view.reads.get(), 1);
    assert_eq!(
        subtree_hash(&view, 5, 4),
        Err(TestError::Proof(ProofError::InvalidRange {
            start: 5,
            end: 4
        }))
    );
}

#[test]
fn inclusion_proofs_match_reference_up_to_256() {
    let tree = MemTree::new(256, false);
    for n in 1..=256u64 {
        let view = tree.view(n);
        let leaves = &tree.leaves[..n as usize];
        let root = tree.roots[n as usize];
        for m in 0..n {
            view.reads.set(0);
            let proof = inclusion_proof(&view, m, n).expect("proof");
            assert!(view.reads.get() <= 2 * bit_len(n), "reads ({m}, {n})");
            assert_eq!(
                proof,
                reference::inclusion_proof(m as usize, leaves),
                "({m}, {n})"
            );
            assert_eq!(proof.len(), inclusion_proof_len(m, n));
            let leaf = &leaves[m as usize];
            assert_eq!(verify_inclusion(m, n, leaf, &proof, &root), Ok(()));
            assert_eq!(root_from_inclusion(m, n, leaf, &proof), Ok(root));
        }
        assert_eq!(
            inclusion_proof(&view, n, n),
            Err(TestError::Proof(ProofError::IndexOutOfRange {
                index: n,
                size: n
            }))
        );
    }
}

#[test]
fn consistency_proofs_match_reference_up_to_256() {
    let tree = MemTree::new(256, false);
    for n in 1..=256u64 {
        let view = tree.view(n);
        let leaves = &tree.leaves[..n as usize];
        let new_root = tree.roots[n as usize];
        for m in 1..=n {
            view.reads.set(0);
            let proof = consistency_proof(&view, m, n).expect("proof");
            assert!(view.reads.get() <= 2 * bit_len(n), "reads ({m}, {n})");
            let want = reference::consistency_proof(m as usize, leaves);
            assert_eq!(proof, want, "({m}, {n})");
            let old_root = tree.roots[m as usize];
            assert_eq!(
                verify_consistency(m, n, &old_root, &new_root, &proof),
                Ok(()),
                "({m}, {n})"
            );
        }
        assert_eq!(
            consistency_proof(&view, 0, n),
            Err(TestError::Proof(ProofError::OldSizeZero))
        );
        assert_eq!(
            consistency_proof(&view, n + 1, n),
            Err(TestError::Proof(ProofError::OldSizeTooLarge {
                old_size: n + 1,
                new_size: n
            }))
        );
    }
}

#[test]
fn self_contained_consistency_proofs_give_both_roots_up_to_128() {
    let tree = MemTree::new(128, false);
    for n in 1..=128u64 {
        let view = tree.view(n);
        let leaves = &tree.leaves[..n as usize];
        for m in 1..n {
            let proof = self_contained_consistency_proof(&view, m, n).expect("proof");
            let want = reference::self_contained_consistency_proof(m as usize, leaves);
            assert_eq!(proof, want, "({m}, {n})");
            let roots = roots_from_consistency(m, n, &proof);
            assert_eq!(
                roots,
                Ok((tree.roots[m as usize], tree.roots[n as usize])),
                "({m}, {n})"
            );
            // Every hash is bound into the new root: flipping one changes it.
            for i in 0..proof.len() {
                let mut bad = proof.clone();
                bad[i] = flip_bit(&bad[i], i);
                let (_, new_root) = roots_from_consistency(m, n, &bad).expect("same length");
                assert_ne!(new_root, tree.roots[n as usize], "({m}, {n}) hash {i}");
            }
            for len in [proof.len() - 1, proof.len() + 1] {
                let mut wrong = proof.clone();
                wrong.resize(len, [7; 32]);
                assert!(
                    matches!(
                        roots_from_consistency(m, n, &wrong),
                        Err(ProofError::WrongConsistencyProofLength { .. })
                    ),
                    "({m}, {n}) length {len}"
                );
            }
        }
        assert_eq!(
            self_contained_consistency_proof(&view, n, n),
            Ok(Vec::new())
        );
        assert_eq!(
            roots_from_consistency(n, n, &[] as &[Hash]),
            Err(ProofError::EqualSizes { size: n })
        );
        assert_eq!(
            roots_from_consistency(0, n, &[] as &[Hash]),
            Err(ProofError::OldSizeZero)
        );
        assert_eq!(
            roots_from_consistency(n + 1, n, &[] as &[Hash]),
            Err(ProofError::OldSizeTooLarge {
                old_size: n + 1,
                new_size: n
            })
        );
    }
}

#[test]
fn random_pairs_up_to_100_000() {
    const N: u64 = 100_000;
    let tree = MemTree::new(N, false);
    let mut rng = Rng(0x5eed_1e55_c1a1_3ed9);
    for round in 0..60 {
        let n = rng.range(1, N);
        let m = rng.range(1, n);
        let index = rng.range(0, n - 1);
        let view = tree.view(n);
        let root = tree.roots[n as usize];
        assert_eq!(root_at(&view, n), Ok(root), "size {n}");

        view.reads.set(0);
        let incl = inclusion_proof(&view, index, n).expect("inclusion");
        assert!(view.reads.get() <= 2 * bit_len(n));
        let leaf = tree.leaves[index as usize];
        assert_eq!(verify_inclusion(index, n, &leaf, &incl, &root), Ok(()));

        view.reads.set(0);
        let cons = consistency_proof(&view, m, n).expect("consistency");
        assert!(view.reads.get() <= 2 * bit_len(n));
        let old_root = tree.roots[m as usize];
        assert_eq!(verify_consistency(m, n, &old_root, &root, &cons), Ok(()));

        // The reference hashes every leaf, so compare with it on a few rounds only.
        if round % 10 == 0 {
            let leaves = &tree.leaves[..n as usize];
            assert_eq!(reference::root(leaves), root);
            assert_eq!(incl, reference::inclusion_proof(index as usize, leaves));
            assert_eq!(cons, reference::consistency_proof(m as usize, leaves));
        }
    }
}

/// A tree of any size (up to u64::MAX) whose leaves are all the same hash, so node(level, _)
/// depends on the level only and is cheap to compute, yet proofs and roots are genuine.
struct Uniform {
    levels: Vec<Hash>,
    size: u64,
    reads: Cell<u64>,
}

impl Uniform {
    fn new(size: u64) -> Self {
        let mut levels = vec![leaf_hash(b"same")];
        for _ in 1..64 {
            let below = *levels.last().expect("non-empty");
            levels.push(node_hash(&below, &below));
        }
        Uniform {
            levels,
            size,
            reads: Cell::new(0),
        }
    }
}

impl NodeSource for Uniform {
    type Error = TestError;
    fn node(&self, level: u32, index: u64) -> Result<Hash, TestError> {
        self.reads.set(self.reads.get() + 1);
        if !node_inside(level, index, self.size) {
            return Err(TestError::OutsideTree {
                level,
                index,
                size: self.size,
            });
        }
        Ok(self.levels[level as usize])
    }
}

#[test]
fn huge_sizes_do_not_overflow() {
    let mut rng = Rng(42);
    let mut sizes = vec![
        u64::MAX,
        u64::MAX - 1,
        1 << 63,
        (1 << 63) + 1,
        (1 << 63) - 1,
        (1 << 32) + 5,
    ];
    sizes.extend((0..6).map(|_| rng.next() | 1 << 62));
    for &n in &sizes {
        let src = Uniform::new(n);
        let root = root_at(&src, n).expect("root");
        assert!(src.reads.get() <= 64);
        let leaf = src.levels[0];
        let mut indices = vec![0, 1, n / 2, n - 2, n - 1, (1 << 62) % n];
        indices.extend((0..4).map(|_| rng.next() % n));
        for index in indices {
            src.reads.set(0);
            let proof = inclusion_proof(&src, index, n).expect("inclusion");
            assert!(src.reads.get() <= 2 * bit_len(n), "reads ({index}, {n})");
            assert_eq!(verify_inclusion(index, n, &leaf, &proof, &root), Ok(()));
        }
        assert!(inclusion_proof(&src, n, n).is_err());
        let mut olds = vec![1, 2, 3, n / 2, n - 1, n, ((1 << 62) % n).max(1)];
        olds.extend((0..4).map(|_| rng.range(1, n - 1)));
        for m in olds {
            src.reads.set(0);
            let proof = consistency_proof(&src, m, n).expect("consistency");
            assert!(src.reads.get() <= 2 * bit_len(n), "reads ({m}, {n})");
            let old_root = root_at(&src, m).expect("old root");
            assert_eq!(verify_consistency(m, n, &old_root, &root, &proof), Ok(()));
        }
        // Frontier round trip at this size.
        let hashes = Frontier::needed(n)
            .into_iter()
            .map(|(level, index)| src.node(level, index))
            .collect::<Result<Vec<_>, _>>()
            .expect("needed nodes");
        let frontier = Frontier::from_nodes(n, hashes).expect("frontier");
        assert_eq!(frontier.root(), root);
    }
    // The largest frontier: one push from u64::MAX - 1 reaches u64::MAX, then it is full.
    let src = Uniform::new(u64::MAX);
    let nodes = |size: u64| {
        Frontier::needed(size)
            .into_iter()
            .map(|(level, index)| src.node(level, index).expect("node"))
            .collect::<Vec<_>>()
    };
    let mut frontier = Frontier::from_nodes(u64::MAX - 1, nodes(u64::MAX - 1)).expect("frontier");
    let mut emitted = 0;
    frontier.push(src.levels[0], |_, _, _| emitted += 1);
    assert_eq!(emitted, 1);
    assert_eq!(frontier.size(), u64::MAX);
    assert_eq!(frontier.root(), root_at(&src, u64::MAX).expect("root"));
    let before = frontier.clone();
    assert_eq!(
        frontier.try_push(src.levels[0], |_, _, _| panic!("no emit when full")),
        Err(ProofError::TreeFull)
    );
    frontier.push(src.levels[0], |_, _, _| panic!("no emit when full"));
    assert_eq!(frontier, before);
}

#[test]
fn verifiers_reject_bad_arguments_without_panicking() {
    let h = [7u8; 32];
    let proof: Vec<Hash> = vec![h; 64];
    for &(index, size) in &[
        (0, 0),
        (u64::MAX, u64::MAX),
        (u64::MAX - 1, u64::MAX),
        (0, u64::MAX),
        (5, 3),
    ] {
        for len in [0, 1, 63, 64] {
            assert!(verify_inclusion(index, size, &h, &proof[..len], &h).is_err());
        }
    }
    for &(m, n) in &[
        (0, 0),
        (0, 5),
        (1, u64::MAX),
        (u64::MAX - 1, u64::MAX),
        (u64::MAX, u64::MAX),
        (1 << 63, u64::MAX),
        (7, 3),
    ] {
        for len in [0, 1, 63, 64] {
            let result = verify_consistency(m, n, &h, &[8u8; 32], &proof[..len]);
            assert!(result.is_err(), "({m}, {n}, {len})");
        }
    }
    assert_eq!(
        verify_consistency(0, 0, &h, &h, &[] as &[Hash]),
        Err(ProofError::OldSizeZero)
    );
    assert_eq!(
        verify_consistency(3, 3, &h, &h, &[] as &[Hash]),
        Ok(()),
        "equal sizes, equal roots"
    );
    assert_eq!(
        verify_consistency(3, 3, &h[..12], &h[..12], &[] as &[Hash]),
        Err(ProofError::BadHashLength {
            what: "old root",
            len: 12
        })
    );
    assert_eq!(
        verify_inclusion(0, 1, &h, &[&h[..31]], &h),
        Err(ProofError::BadProofHashLength {
            position: 0,
            len: 31
        })
    );
    assert_eq!(
        verify_inclusion(3, 8, &h, &[h; 5], &h)
            .expect_err("too long")
            .to_string(),
        "inclusion proof has 5 hashes; a proof for index 3 in a tree of 8 needs 3"
    );
}

/// Sizes drawn mostly near the edges where shifts and subtractions could overflow.
fn edgy_u64() -> impl proptest::strategy::Strategy<Value = u64> {
    use proptest::prelude::*;
    prop_oneof![
        0u64..70,
        any::<u64>(),
        (0u64..70).prop_map(|d| u64::MAX - d),
        (0u32..64, 0u64..3).prop_map(|(b, d)| (1u64 << b).wrapping_add(d).wrapping_sub(1)),
    ]
}

proptest::proptest! {
    /// Arbitrary sizes, indices and proofs of arbitrary shape never panic, and anything the
    /// verifier computes for a proof of random hashes is at least length-consistent.
    #[test]
    fn verifiers_never_panic(
        a in edgy_u64(),
        b in edgy_u64(),
        lens in proptest::collection::vec(proptest::prop_oneof![proptest::strategy::Just(32usize), 0usize..40], 0..70),
        leaf_len in proptest::prop_oneof![proptest::strategy::Just(32usize), 0usize..40],
        seed in proptest::prelude::any::<u8>(),
    ) {
        let proof: Vec<Vec<u8>> = lens.iter().map(|&len| vec![seed; len]).collect();
        let leaf = vec![seed; leaf_len];
        let root = [seed; 32];
        let _ = verify_inclusion(a, b, &leaf, &proof, &root);
        if let Ok(computed) = root_from_inclusion(a, b, &leaf, &proof) {
            proptest::prop_assert_eq!(verify_inclusion(a, b, &leaf, &proof, &computed), Ok(()));
            proptest::prop_assert_eq!(proof.len(), inclusion_proof_len(a, b));
        }
        let _ = verify_consistency(a, b, &root, &leaf, &proof);
        let _ = verify_consistency(a, b, &leaf, &leaf, &proof);
        proptest::prop_assert_eq!(Frontier::needed(a).len(), a.count_ones() as usize);
    }
}
