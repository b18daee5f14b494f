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

/// The largest power of two strictly less than `n`, for `n >= 2` (RFC 6962 §2.1 `k`).
/// Returns 1 for `n < 2` rather than failing.
fn split_point(n: u64) -> u64 {
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
fn inclusion_proof_len(index: u64, size: u64) -> usize {
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
            return Err(wrong_length);
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
    if sn != 0 {
        return Err(wrong_length);
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch { old_size, new_size });
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch { old_size, new_size });
    }
    Ok(())
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

/// Slow, obviously-correct recursive reference straight from RFC 6962 §2.1 / RFC 9162 §2.1.3.1 and
/// §2.1.4.1 (MTH, PATH, PROOF/SUBPROOF) over a slice of leaf hashes. For tests only: it hashes
/// every leaf on every call.
#[doc(hidden)]
pub mod reference {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::HashMap;

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

    /// The bits to flip in hash number `salt` of a mutation test: all 256 when `every_bit`,
    /// otherwise one bit in each of the 32 bytes, the bit rotating with `salt`.
    fn bits_to_flip(every_bit: bool, salt: usize) -> Vec<usize> {
        if every_bit {
            (0..256).collect()
        } else {
            (0..32).map(|byte| byte * 8 + (byte + salt) % 8).collect()
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
        let mut frontier =
            Frontier::from_nodes(u64::MAX - 1, nodes(u64::MAX - 1)).expect("frontier");
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
}
