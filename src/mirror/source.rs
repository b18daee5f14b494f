//! Reading a published log (docs/FORMAT.md §18): its checkpoint, hash tiles, entry bundles and
//! payload bundles, each under a size limit and checked for shape; and its tree nodes, from the
//! hash tiles, for consistency proofs.

use super::MirrorError;
use crate::format::merkle::{Hash, NodeSource, ProofError, node_hash};
use crate::format::tiles::{
    self, MAX_BUNDLED_ENTRY, MAX_BUNDLED_PAYLOAD, TILE_HEIGHT, TILE_WIDTH, TileKind, TilePath,
};
use crate::objects::Objects;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The largest checkpoint read: a note with its log signature and dozens of cosignatures is a
/// few KiB.
pub const MAX_CHECKPOINT_BYTES: u64 = 64 * 1024;
/// A full hash tile: 256 hashes.
const MAX_HASH_TILE: u64 = TILE_WIDTH * 32;
/// A full entry bundle of the largest envelopes.
const MAX_ENTRY_BUNDLE: u64 = TILE_WIDTH * (2 + MAX_BUNDLED_ENTRY as u64);
/// A full payload bundle of the largest payloads.
const MAX_PAYLOAD_BUNDLE: u64 = TILE_WIDTH * (4 + MAX_BUNDLED_PAYLOAD as u64);

/// A published log being read, counting what it fetched.
pub(crate) struct Source<'a> {
    objects: &'a dyn Objects,
    /// Objects fetched.
    pub fetched: AtomicU64,
    /// Bytes fetched.
    pub bytes: AtomicU64,
}

impl<'a> Source<'a> {
    pub(crate) fn new(objects: &'a dyn Objects) -> Self {
        Source {
            objects,
            fetched: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// Where it is, for messages.
    pub(crate) fn describe(&self) -> String {
        self.objects.describe()
    }

    fn get(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, MirrorError> {
        let got = self.objects.get(path, limit).map_err(|e| match e {
            crate::objects::ObjectError::TooLarge { .. } => MirrorError::BadData {
                detail: e.to_string(),
            },
            e => MirrorError::Source(e),
        })?;
        if let Some(b) = &got {
            self.fetched.fetch_add(1, Ordering::Relaxed);
            self.bytes.fetch_add(b.len() as u64, Ordering::Relaxed);
        }
        Ok(got)
    }

    /// The `checkpoint` object, as served.
    pub(crate) fn checkpoint(&self) -> Result<Vec<u8>, MirrorError> {
        self.get("checkpoint", MAX_CHECKPOINT_BYTES)?
            .ok_or_else(|| MirrorError::NoCheckpoint {
                source_location: self.describe(),
            })
    }

    /// The tile of `kind` and `index` at `width` (what the tree the caller verifies gives it),
    /// and the width actually read: when a partial tile is absent the full one is read instead,
    /// as C2SP tlog-tiles lets clients do (a partial tile may be removed once the full one
    /// exists; its first `width` items are the same).
    fn tile(
        &self,
        kind: TileKind,
        index: u64,
        width: u64,
        limit: u64,
    ) -> Result<(Vec<u8>, u64, String), MirrorError> {
        let at = |width| TilePath { kind, index, width }.to_path();
        let path = at(width);
        if let Some(bytes) = self.get(&path, limit)? {
            return Ok((bytes, width, path));
        }
        if width < TILE_WIDTH {
            let full = at(TILE_WIDTH);
            if let Some(bytes) = self.get(&full, limit)? {
                return Ok((bytes, TILE_WIDTH, full));
            }
        }
        Err(MirrorError::BadData {
            detail: format!(
                "{path} is missing from {}, although the checkpoint covers it",
                self.describe()
            ),
        })
    }

    /// The first `width` hashes of hash tile `level`/`index`.
    pub(crate) fn hashes(
        &self,
        level: u8,
        index: u64,
        width: u64,
    ) -> Result<Vec<Hash>, MirrorError> {
        let (bytes, got, path) =
            self.tile(TileKind::Hashes { level }, index, width, MAX_HASH_TILE)?;
        if bytes.len() as u64 != got * 32 {
            return Err(MirrorError::BadData {
                detail: format!(
                    "{path} holds {} bytes, not the {} of {got} hashes (truncated or not a hash tile)",
                    bytes.len(),
                    got * 32
                ),
            });
        }
        Ok(bytes
            .chunks_exact(32)
            .take(width as usize)
            .map(|c| c.try_into().expect("chunks_exact(32) yields 32 bytes"))
            .collect())
    }

    /// The first `width` envelopes of entry bundle `index`.
    pub(crate) fn entries(&self, index: u64, width: u64) -> Result<Vec<Vec<u8>>, MirrorError> {
        let (bytes, got, path) = self.tile(TileKind::Entries, index, width, MAX_ENTRY_BUNDLE)?;
        let items = tiles::parse_entry_bundle(&bytes).ok_or_else(|| MirrorError::BadData {
            detail: format!("{path} is not an entry bundle (a length runs past its end)"),
        })?;
        if items.len() as u64 != got {
            return Err(wrong_count(&path, items.len(), got));
        }
        Ok(items
            .into_iter()
            .take(width as usize)
            .map(<[u8]>::to_vec)
            .collect())
    }

    /// The first `width` payloads of payload bundle `index` (`None`: withheld).
    pub(crate) fn payloads(
        &self,
        index: u64,
        width: u64,
    ) -> Result<Vec<Option<Vec<u8>>>, MirrorError> {
        let (bytes, got, path) = self.tile(TileKind::Payloads, index, width, MAX_PAYLOAD_BUNDLE)?;
        let items = tiles::parse_payload_bundle(&bytes).ok_or_else(|| MirrorError::BadData {
            detail: format!(
                "{path} is not a payload bundle (a length runs past its end or is too large)"
            ),
        })?;
        if items.len() as u64 != got {
            return Err(wrong_count(&path, items.len(), got));
        }
        Ok(items
            .into_iter()
            .take(width as usize)
            .map(|p| p.map(<[u8]>::to_vec))
            .collect())
    }
}

fn wrong_count(path: &str, found: usize, width: u64) -> MirrorError {
    MirrorError::BadData {
        detail: format!("{path} holds {found} items, not {width} (truncated or rewritten)"),
    }
}

/// The tree nodes of the source's tree of `size` leaves, read from its hash tiles: a node at
/// level `8·L + k` is folded from `2^k` hashes of the level-`L` tile (C2SP tlog-tiles). Tiles
/// read are kept for the run. Nothing read here is trusted until a proof built from it verifies
/// against a signed root.
pub(crate) struct TileNodes<'s, 'a> {
    source: &'s Source<'a>,
    size: u64,
    tiles: Mutex<HashMap<(u8, u64), Vec<Hash>>>,
}

impl<'s, 'a> TileNodes<'s, 'a> {
    pub(crate) fn new(source: &'s Source<'a>, size: u64) -> Self {
        TileNodes {
            source,
            size,
            tiles: Mutex::new(HashMap::new()),
        }
    }
}

impl NodeSource for TileNodes<'_, '_> {
    type Error = MirrorError;

    fn node(&self, level: u32, index: u64) -> Result<Hash, MirrorError> {
        let tile_level = level / TILE_HEIGHT;
        let k = level % TILE_HEIGHT;
        let (Ok(tl), Some(first)) = (u8::try_from(tile_level), index.checked_shl(k)) else {
            return Err(ProofError::IndexOutOfRange {
                index,
                size: self.size,
            }
            .into());
        };
        let count = 1u64 << k;
        let tile_index = first / TILE_WIDTH;
        // Hashes at tree level 8·L in the tree of `size` leaves, and so the tile's width.
        let at_level = self.size.checked_shr(tile_level * TILE_HEIGHT).unwrap_or(0);
        let width = at_level
            .saturating_sub(tile_index * TILE_WIDTH)
            .min(TILE_WIDTH);
        let offset = (first % TILE_WIDTH) as usize;
        if offset as u64 + count > width {
            return Err(ProofError::IndexOutOfRange {
                index,
                size: self.size,
            }
            .into());
        }
        let mut cache = self.tiles.lock().unwrap_or_else(|e| e.into_inner());
        let hashes = match cache.get(&(tl, tile_index)) {
            Some(h) => h,
            None => {
                let h = self.source.hashes(tl, tile_index, width)?;
                cache.entry((tl, tile_index)).or_insert(h)
            }
        };
        let mut layer: Vec<Hash> = hashes[offset..offset + count as usize].to_vec();
        while layer.len() > 1 {
            layer = layer
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
        }
        Ok(layer[0])
    }
}
