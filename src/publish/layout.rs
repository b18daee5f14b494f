//! Which objects of the published layout (docs/FORMAT.md §18) exist at a tree size, and which
//! are new between two sizes. Pure arithmetic on sizes; no ledger, no I/O.

use crate::format::tiles::{TILE_HEIGHT, TILE_WIDTH, TileKind, TilePath, format_index};

/// The path of the published checkpoint.
pub const CHECKPOINT: &str = "checkpoint";
/// Content type of tiles and bundles.
pub const OCTETS: &str = "application/octet-stream";
/// Content type of the checkpoint.
pub const NOTE: &str = "text/plain; charset=utf-8";
/// Content type of receipts.
pub const JSON: &str = "application/json";

/// `receipt/<N>`: the receipt of entry `index`, `N` spelled as tile indices are.
pub fn receipt_path(index: u64) -> String {
    format!("receipt/{}", format_index(index))
}

/// The tiles of one level (its nodes counted at `8·level`) that exist at size `n` and did not
/// at size `m`: full tiles completed since, and the partial tile of the new width.
fn new_at_level(kind: TileKind, level: u32, m: u64, n: u64, out: &mut Vec<TilePath>) {
    let shift = level * TILE_HEIGHT;
    if shift >= 64 {
        return;
    }
    let (a, b) = (m >> shift, n >> shift);
    if b <= a {
        return;
    }
    // A full tile k existed at m iff 256·(k+1) <= a, so every k from a/256 up is new.
    for index in a / TILE_WIDTH..b / TILE_WIDTH {
        out.push(TilePath {
            kind,
            index,
            width: TILE_WIDTH,
        });
    }
    if b % TILE_WIDTH != 0 {
        out.push(TilePath {
            kind,
            index: b / TILE_WIDTH,
            width: b % TILE_WIDTH,
        });
    }
}

/// Every hash tile, entry bundle and payload bundle that exists at tree size `n` but did not at
/// size `m` (`m` = 0: all of them), hash tiles level by level, then entry and payload bundles.
pub fn new_tiles(m: u64, n: u64) -> Vec<TilePath> {
    let mut out = Vec::new();
    let mut level = 0u32;
    while level * TILE_HEIGHT < 64 && (n >> (level * TILE_HEIGHT)) > 0 {
        new_at_level(
            TileKind::Hashes { level: level as u8 },
            level,
            m,
            n,
            &mut out,
        );
        level += 1;
    }
    new_at_level(TileKind::Entries, 0, m, n, &mut out);
    new_at_level(TileKind::Payloads, 0, m, n, &mut out);
    out
}

/// The payload bundle holding entry `index` in the tree of size `n` (full, or the partial one of
/// the width `n` gives); `None` if `index >= n`.
pub fn payload_bundle_at(index: u64, n: u64) -> Option<TilePath> {
    if index >= n {
        return None;
    }
    let tile = index / TILE_WIDTH;
    let width = if (tile + 1) * TILE_WIDTH <= n {
        TILE_WIDTH
    } else {
        n % TILE_WIDTH
    };
    Some(TilePath {
        kind: TileKind::Payloads,
        index: tile,
        width,
    })
}

/// The partial payload bundle the tree of size `n` shows, if `n` is not a multiple of 256.
pub fn partial_payload_bundle(n: u64) -> Option<TilePath> {
    (n % TILE_WIDTH != 0).then_some(TilePath {
        kind: TileKind::Payloads,
        index: n / TILE_WIDTH,
        width: n % TILE_WIDTH,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(m: u64, n: u64) -> Vec<String> {
        new_tiles(m, n).iter().map(TilePath::to_path).collect()
    }

    #[test]
    fn new_tiles_between_sizes() {
        assert!(paths(0, 0).is_empty());
        assert_eq!(
            paths(0, 3),
            [
                "tile/0/000.p/3",
                "tile/entries/000.p/3",
                "tile/payloads/000.p/3"
            ]
        );
        assert_eq!(
            paths(0, 300),
            [
                "tile/0/000",
                "tile/0/001.p/44",
                "tile/1/000.p/1",
                "tile/entries/000",
                "tile/entries/001.p/44",
                "tile/payloads/000",
                "tile/payloads/001.p/44",
            ]
        );
        // From 300 to 530: tile 1 completes, tile 2 starts; level 1 grows to width 2.
        assert_eq!(
            paths(300, 530),
            [
                "tile/0/001",
                "tile/0/002.p/18",
                "tile/1/000.p/2",
                "tile/entries/001",
                "tile/entries/002.p/18",
                "tile/payloads/001",
                "tile/payloads/002.p/18",
            ]
        );
        // Nothing new when the size did not change; exactly a full tile when it completes.
        assert!(paths(530, 530).is_empty());
        assert_eq!(
            paths(256, 512),
            [
                "tile/0/001",
                "tile/1/000.p/2",
                "tile/entries/001",
                "tile/payloads/001"
            ]
        );
        // Sizes where a higher level fills: 65536 leaves make one full level-1 tile.
        assert!(paths(65_535, 65_536).contains(&"tile/1/000".to_string()));
        assert!(paths(65_535, 65_536).contains(&"tile/2/000.p/1".to_string()));
        // Every tile counted from 0 equals the union of steps.
        let mut steps = paths(0, 700);
        steps.extend(paths(700, 1500));
        let mut all = paths(0, 1500);
        for p in &all {
            assert!(steps.contains(p), "{p}");
        }
        all.retain(|p| !p.contains(".p/"));
        assert_eq!(all.len(), 5 * 3, "{all:?}");
    }

    #[test]
    fn payload_bundles_holding_an_entry() {
        let p = |i, n| payload_bundle_at(i, n).map(|t| t.to_path());
        assert_eq!(p(3, 3), None);
        assert_eq!(p(2, 3).as_deref(), Some("tile/payloads/000.p/3"));
        assert_eq!(p(2, 300).as_deref(), Some("tile/payloads/000"));
        assert_eq!(p(299, 300).as_deref(), Some("tile/payloads/001.p/44"));
        assert_eq!(partial_payload_bundle(512), None);
        assert_eq!(receipt_path(1_234_067), "receipt/x001/x234/067");
    }
}
