//! RFC 6962 Merkle tree hashing and RFC 9162 §2.1.3/§2.1.4 proofs: pure functions, no I/O.
//!
//! Leaves are hashed as `SHA-256(0x00 || data)`, interior nodes as `SHA-256(0x01 || left || right)`
//! and the empty tree as `SHA-256("")` (RFC 6962 §2.1, RFC 9162 §2.1.1).
//!
//! Stored hashes are addressed as `(level, index)`: the complete subtree of `2^level` leaves
//! starting at leaf `index << level`. Proof generation reads them through [`NodeSource`] and makes
//! O(log n) reads per call. Verification works on raw byte slices so that malformed input (hashes
//! of the wrong length) is reported as an error rather than being unrepresentable.
//!
//! No function here panics, whatever its input; every size up to `u64::MAX` is accepted and all
//! arithmetic is checked or provably bounded.

use sha2::{Digest, Sha256};

// Proof generation and verification live in submodules and are re-exported here, so every path
// stays `merkle::<item>`. The helpers that proof generation and `Frontier` both need
// (`fold_right`, `decomposition`) stay in this file, next to `Frontier`.
mod proof;
#[cfg(test)]
mod tests;
mod verify;

pub use proof::{
    consistency_proof, inclusion_proof, root_at, self_contained_consistency_proof, subtree_hash,
};
pub use verify::{
    root_from_inclusion, roots_from_consistency, verify_consistency, verify_inclusion,
};

// Public only so the integration tests can check against it; hidden because it is no API.
#[doc(hidden)]
pub mod reference;

/// A SHA-256 hash: a leaf hash, a node hash or a tree root.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1).
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Domain-separation prefix of a leaf hash.
const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix of an interior node hash.
const NODE_PREFIX: u8 = 0x01;

/// The leaf hash of `data`: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(data);
    hasher.finalize().into()
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    hash_children(left, right)
}

/// `SHA-256(0x01 || left || right)` on byte strings of any length (the RFC 6962 hasher test
/// vectors use 4-byte children).
fn hash_children(left: &[u8], right: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// Why a proof, a range or a frontier was rejected. Every message says what to fix.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error(
        "leaf index {index} is outside a tree of size {size}; a leaf index must be less than the tree size"
    )]
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The tree size it was checked against.
        size: u64,
    },
    /// A consistency proof from the empty tree was requested or presented.
    #[error(
        "consistency proofs start from a non-empty tree, but the old tree size is 0; every tree extends the empty tree, so there is nothing to prove: use an old size of at least 1"
    )]
    OldSizeZero,
    /// The old tree is larger than the new one.
    #[error(
        "old tree size {old_size} is larger than new tree size {new_size}; pass the earlier (smaller) size first"
    )]
    OldSizeTooLarge {
        /// The claimed old (earlier) tree size.
        old_size: u64,
        /// The claimed new (later) tree size.
        new_size: u64,
    },
    /// An inclusion proof has too few or too many hashes.
    #[error(
        "inclusion proof has {got} hashes; a proof for index {index} in a tree of {size} needs {expected}"
    )]
    WrongInclusionProofLength {
        /// The leaf index of the proof.
        index: u64,
        /// The tree size of the proof.
        size: u64,
        /// How many hashes that proof must have.
        expected: usize,
        /// How many hashes it had.
        got: usize,
    },
    /// A consistency proof has too few or too many hashes.
    #[error(
        "consistency proof has {got} hashes; a proof from tree size {old_size} to tree size {new_size} needs {expected}"
    )]
    WrongConsistencyProofLength {
        /// The old tree size of the proof.
        old_size: u64,
        /// The new tree size of the proof.
        new_size: u64,
        /// How many hashes that proof must have.
        expected: usize,
        /// How many hashes it had.
        got: usize,
    },
    /// A leaf hash or root is not 32 bytes long.
    #[error("the {what} is {len} bytes long; a SHA-256 hash must be exactly 32 bytes")]
    BadHashLength {
        /// Which input: "leaf hash", "root", "old root" or "new root".
        what: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// A proof hash is not 32 bytes long.
    #[error(
        "proof hash number {position} (counting from 0) is {len} bytes long; every proof hash must be exactly 32 bytes"
    )]
    BadProofHashLength {
        /// Position of the bad hash in the proof, from 0.
        position: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// An inclusion proof does not lead to the given root.
    #[error(
        "the inclusion proof does not lead to the given root: the leaf hash, leaf index, tree size, proof or root is wrong"
    )]
    RootMismatch,
    /// A consistency proof does not reproduce the old root.
    #[error(
        "the consistency proof from tree size {old_size} to {new_size} does not reproduce the old root: the old root, a tree size or the proof is wrong"
    )]
    OldRootMismatch {
        /// The old tree size of the proof.
        old_size: u64,
        /// The new tree size of the proof.
        new_size: u64,
    },
    /// A consistency proof does not reproduce the new root.
    #[error(
        "the consistency proof from tree size {old_size} to {new_size} does not reproduce the new root: the new root, a tree size or the proof is wrong, or the log is not append-only"
    )]
    NewRootMismatch {
        /// The old tree size of the proof.
        old_size: u64,
        /// The new tree size of the proof.
        new_size: u64,
    },
    /// Equal tree sizes come with a non-empty consistency proof.
    #[error(
        "both tree sizes are {size}, so the consistency proof must be empty, but it has {got} hashes; send an empty proof"
    )]
    NonEmptyProofForEqualSizes {
        /// The common tree size.
        size: u64,
        /// How many hashes the proof had.
        got: usize,
    },
    /// Two different roots were presented for the same tree size.
    #[error(
        "the old and new roots differ although both tree sizes are {size}: one of the roots is wrong, or the log has forked"
    )]
    RootsDifferForEqualSizes {
        /// The common tree size.
        size: u64,
    },
    /// Roots were asked of a consistency proof between two trees of the same size.
    #[error(
        "both tree sizes are {size}: a consistency proof between equal sizes is empty and computes no root; compare the two roots directly"
    )]
    EqualSizes {
        /// The common tree size.
        size: u64,
    },
    /// [`Frontier::from_nodes`] got the wrong number of hashes.
    #[error(
        "a frontier for tree size {size} needs {expected} hashes (one per set bit of the size) but got {got}; pass the hashes of Frontier::needed({size}), in that order"
    )]
    WrongFrontierNodeCount {
        /// The tree size.
        size: u64,
        /// How many hashes that size needs.
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// A leaf range ends before it starts.
    #[error("leaf range [{start}, {end}) is invalid: its start must not be after its end")]
    InvalidRange {
        /// First leaf of the range.
        start: u64,
        /// One past the last leaf of the range.
        end: u64,
    },
    /// A tree of `u64::MAX` leaves cannot take another one.
    #[error(
        "the tree already holds u64::MAX leaves, the most a 64-bit tree size can count; no more leaves can be appended"
    )]
    TreeFull,
}

/// Source of stored complete-subtree hashes: `node(level, index)` is the hash of leaves
/// `[index << level, (index + 1) << level)`; level 0 = leaf hashes.
///
/// The functions of this module only ask for nodes of complete subtrees inside the tree size they
/// were given.
pub trait NodeSource {
    /// The error a read can fail with; it must be able to carry a [`ProofError`].
    type Error: From<ProofError>;
    /// The hash of the complete subtree at `(level, index)`.
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// Folds the roots of consecutive complete subtrees (largest first) right to left, as RFC 6962
/// builds an incomplete tree: `H(a, H(b, H(c, d)))`. The empty list gives [`EMPTY_ROOT`].
fn fold_right(hashes: &[Hash]) -> Hash {
    match hashes.split_last() {
        None => EMPTY_ROOT,
        Some((last, rest)) => rest
            .iter()
            .rev()
            .fold(*last, |acc, left| node_hash(left, &acc)),
    }
}

/// The `(level, index)` of each complete subtree of the binary decomposition of
/// `[start, start + len)`, largest first. The caller ensures the range is an aligned prefix.
fn decomposition(start: u64, len: u64) -> Vec<(u32, u64)> {
    let mut nodes = Vec::with_capacity(len.count_ones() as usize);
    let mut offset = start;
    for level in (0..u64::BITS).rev() {
        let width = 1u64 << level;
        if len & width != 0 {
            nodes.push((level, offset >> level));
            // offset stays <= start + len, which the caller's range fits in u64.
            offset = offset.saturating_add(width);
        }
    }
    nodes
}

/// Compact range / frontier of a tree growing from 0: the roots of the complete subtrees of the
/// binary decomposition of size, left to right.
///
/// Invariant: `hashes.len() == size.count_ones()`, hash `i` being the subtree for the `i`-th set
/// bit of `size` counted from the most significant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The `(level, index)` of each stored node a frontier of `size` leaves is made of, left to
    /// right (largest subtree first): one per set bit of `size`. Look them up and pass the hashes,
    /// in this order, to [`Frontier::from_nodes`].
    pub fn needed(size: u64) -> Vec<(u32, u64)> {
        decomposition(0, size)
    }

    /// Rebuilds a frontier from the hashes of [`Frontier::needed`]`(size)`, in that order.
    /// `Err(ProofError::WrongFrontierNodeCount)` if the count is wrong.
    pub fn from_nodes(size: u64, hashes: Vec<Hash>) -> Result<Self, ProofError> {
        let expected = size.count_ones() as usize;
        if hashes.len() != expected {
            return Err(ProofError::WrongFrontierNodeCount {
                size,
                expected,
                got: hashes.len(),
            });
        }
        Ok(Self { size, hashes })
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The subtree roots, in the order of [`Frontier::needed`].
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// The tree root: [`EMPTY_ROOT`] at size 0, otherwise the subtree roots folded right to left
    /// per RFC 6962.
    pub fn root(&self) -> Hash {
        fold_right(&self.hashes)
    }

    /// Appends one leaf hash; calls `emit(level, index, hash)` for every complete subtree node that
    /// this leaf completes (level 0 = the leaf itself, then each parent it completes), in
    /// increasing level.
    ///
    /// A frontier of `u64::MAX` leaves cannot grow (the next leaf index would not fit in a `u64`);
    /// `push` then changes nothing and emits nothing. Use [`Frontier::try_push`] to be told.
    pub fn push(&mut self, leaf: Hash, emit: impl FnMut(u32, u64, &Hash)) {
        // The only error is TreeFull, documented above as a no-op.
        let _ = self.try_push(leaf, emit);
    }

    /// [`Frontier::push`], but `Err(ProofError::TreeFull)` (and no change, no `emit`) when the
    /// frontier already holds `u64::MAX` leaves.
    pub fn try_push(
        &mut self,
        leaf: Hash,
        mut emit: impl FnMut(u32, u64, &Hash),
    ) -> Result<(), ProofError> {
        let index = self.size;
        let new_size = index.checked_add(1).ok_or(ProofError::TreeFull)?;
        emit(0, index, &leaf);
        let mut node = leaf;
        let mut level = 0u32;
        // Each trailing 1 bit of `index` is a complete subtree at the end of the frontier that
        // this leaf's subtree now pairs with. index < u64::MAX, so there are at most 63.
        while index.checked_shr(level).unwrap_or(0) & 1 == 1 {
            let left = self
                .hashes
                .pop()
                .expect("invariant: a frontier holds one hash per set bit of its size");
            node = node_hash(&left, &node);
            level += 1;
            emit(level, index.checked_shr(level).unwrap_or(0), &node);
        }
        self.hashes.push(node);
        self.size = new_size;
        Ok(())
    }
}
