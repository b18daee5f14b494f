//! What one long append run (a mirror's copy) remembers of the entries it stored itself, so
//! the rules about them (a later statement's target, a replayed entry) are answered without
//! reading them back from SQLite.
//!
//! Only facts taken from envelope bytes this process parsed and verified are kept: the leaf
//! hash and the kind. A question the memory cannot answer for certain goes to the store.

use crate::format::kind::Kind;
use crate::format::merkle::Hash;
use std::collections::VecDeque;

/// Targets remembered: the newest this many entries of the run (33 bytes each, about 35 MB).
/// An older target is read from the store, as outside a run.
const WINDOW: usize = 1 << 20;

/// The run's memory of its own entries.
pub(crate) struct RunMemory {
    /// Index of the first entry in `recent`.
    first: u64,
    /// Leaf hash and kind of the newest entries stored, oldest first.
    recent: VecDeque<(Hash, Kind)>,
    /// Every leaf hash stored in the run.
    seen: LeafFilter,
    /// The run started on an empty ledger: `seen` then covers every stored entry.
    from_empty: bool,
}

impl RunMemory {
    /// A run storing about `expected` entries from index `start` on.
    pub(crate) fn new(start: u64, expected: u64) -> RunMemory {
        RunMemory {
            first: start,
            recent: VecDeque::with_capacity((expected as usize).min(WINDOW)),
            seen: LeafFilter::new(expected),
            from_empty: start == 0,
        }
    }

    /// The leaf hash and kind of entry `index`, if the run stored it and still remembers it.
    pub(crate) fn target(&self, index: u64) -> Option<(Hash, Kind)> {
        let pos = usize::try_from(index.checked_sub(self.first)?).ok()?;
        self.recent.get(pos).copied()
    }

    /// False only when no stored entry has this leaf hash: the run started on an empty ledger
    /// and never stored it. True means "ask the store".
    pub(crate) fn may_hold(&self, leaf: &Hash) -> bool {
        !self.from_empty || self.seen.may_contain(leaf)
    }

    /// Entry `index` was stored (indexes come in order, one after the other).
    pub(crate) fn stored(&mut self, index: u64, leaf: Hash, kind: Kind) {
        debug_assert_eq!(index, self.first + self.recent.len() as u64);
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
            self.first += 1;
        }
        self.recent.push_back((leaf, kind));
        self.seen.insert(&leaf);
    }
}

/// A Bloom filter over leaf hashes: 10 to 20 bits per entry and 7 probes, so a leaf never
/// stored is told apart at least 99 % of the time and only the rest is asked of the store. A
/// leaf hash is SHA-256 output, so its bytes serve as the probes' independent hashes.
struct LeafFilter {
    bits: Vec<u64>,
    /// Bit positions are masked to the filter's size, a power of two.
    mask: u32,
}

const PROBES: usize = 7;

impl LeafFilter {
    fn new(expected: u64) -> LeafFilter {
        let bits = expected
            .saturating_mul(10)
            .clamp(1 << 12, 1 << 32)
            .next_power_of_two();
        LeafFilter {
            bits: vec![0; (bits / 64) as usize],
            mask: (bits - 1) as u32,
        }
    }

    fn position(&self, leaf: &Hash, probe: usize) -> usize {
        let word = u32::from_le_bytes([
            leaf[4 * probe],
            leaf[4 * probe + 1],
            leaf[4 * probe + 2],
            leaf[4 * probe + 3],
        ]);
        (word & self.mask) as usize
    }

    fn insert(&mut self, leaf: &Hash) {
        for probe in 0..PROBES {
            let p = self.position(leaf, probe);
            self.bits[p / 64] |= 1 << (p % 64);
        }
    }

    fn may_contain(&self, leaf: &Hash) -> bool {
        (0..PROBES).all(|probe| {
            let p = self.position(leaf, probe);
            self.bits[p / 64] & (1 << (p % 64)) != 0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::merkle::leaf_hash;

    #[test]
    fn remembers_its_entries_and_asks_the_store_otherwise() {
        let leaf = |i: u64| leaf_hash(&i.to_be_bytes());
        let mut m = RunMemory::new(0, 1000);
        for i in 0..1000 {
            m.stored(i, leaf(i), Kind::Claim);
        }
        // Every stored leaf is reported as possibly held (never a false "absent").
        assert!((0..1000).all(|i| m.may_hold(&leaf(i))));
        // Leaves never stored are mostly told apart.
        let false_positives = (1000..11_000).filter(|&i| m.may_hold(&leaf(i))).count();
        assert!(false_positives < 100, "{false_positives} of 10,000");
        assert_eq!(m.target(7), Some((leaf(7), Kind::Claim)));
        assert_eq!(m.target(1000), None);
        // A run that did not start on an empty ledger always asks the store.
        let later = RunMemory::new(5, 10);
        assert!(later.may_hold(&leaf(1)));
        assert_eq!(later.target(4), None);
    }
}
