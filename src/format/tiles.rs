//! C2SP tlog-tiles: tile paths and entry bundles, so standard tlog clients can read the log.
//!
//! A *hash tile* at level `L`, index `N` holds up to 256 consecutive hashes of tree level `8·L`
//! (for `L = 0`, the leaf hashes), starting at node `N·256`; a tile of fewer than 256 hashes is a
//! *partial* tile of width `W`. An *entry bundle* at index `N` holds the leaves (for claimledger,
//! the envelope bytes) `N·256 ..`, each as a big-endian `uint16` length and the bytes.
//! See <https://c2sp.org/tlog-tiles> and docs/FORMAT.md §13. Pure functions, no I/O.

/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// Tree levels a tile spans: a level-`L` tile holds hashes of tree level `8·L`.
pub const TILE_HEIGHT: u32 = 8;
/// The largest leaf an entry bundle can carry (its length is a `uint16`).
pub const MAX_BUNDLED_ENTRY: usize = u16::MAX as usize;

/// What a tile path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TileKind {
    /// A hash tile at this level (0..=63).
    Hashes {
        /// Tile level `L`: the tile holds hashes of tree level `8·L`.
        level: u8,
    },
    /// An entry bundle.
    Entries,
    /// A payload bundle (claimledger's own, not C2SP): the payloads of the entries of the entry
    /// bundle with the same index and width (docs/FORMAT.md §13.1). Unlike the other two it can
    /// change: a redaction (§7.8) rewrites it with the payload marked withheld.
    Payloads,
}

/// A parsed tile path: `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]` or
/// `tile/payloads/<N>[.p/<W>]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TilePath {
    /// Hash tile or entry bundle.
    pub kind: TileKind,
    /// Tile index `N`.
    pub index: u64,
    /// Width: 256 for a full tile, 1..=255 for a partial one.
    pub width: u64,
}

impl TilePath {
    /// Parse the part of a URL path after `tile/` (e.g. `0/x001/234.p/17`, `entries/000`).
    ///
    /// Only the canonical spelling is accepted (three-digit groups, `x` on all but the last,
    /// no leading zeros in `L` and `W`, `W` in 1..=255), so that one tile has one URL.
    pub fn parse(rest: &str) -> Option<TilePath> {
        let (head, tail) = rest.split_once('/')?;
        let kind = if head == "entries" {
            TileKind::Entries
        } else if head == "payloads" {
            TileKind::Payloads
        } else {
            let level = canonical_decimal(head)?;
            if level > 63 {
                return None;
            }
            TileKind::Hashes { level: level as u8 }
        };
        let (index_part, width) = match tail.split_once(".p/") {
            Some((index_part, w)) => {
                let w = canonical_decimal(w)?;
                if !(1..TILE_WIDTH).contains(&w) {
                    return None;
                }
                (index_part, w)
            }
            None => (tail, TILE_WIDTH),
        };
        let index = parse_index(index_part)?;
        Some(TilePath { kind, index, width })
    }

    /// The path relative to the log's prefix, e.g. `tile/0/x001/234.p/17`.
    pub fn to_path(&self) -> String {
        let kind = match self.kind {
            TileKind::Hashes { level } => level.to_string(),
            TileKind::Entries => "entries".to_string(),
            TileKind::Payloads => "payloads".to_string(),
        };
        let mut s = format!("tile/{kind}/{}", format_index(self.index));
        if self.width < TILE_WIDTH {
            s.push_str(&format!(".p/{}", self.width));
        }
        s
    }

    /// The tree level whose nodes a hash tile holds (0 for entry bundles).
    pub fn tree_level(&self) -> u32 {
        match self.kind {
            TileKind::Hashes { level } => u32::from(level) * TILE_HEIGHT,
            TileKind::Entries | TileKind::Payloads => 0,
        }
    }

    /// The first node (at [`TilePath::tree_level`]) the tile holds; `None` if out of range.
    pub fn first_node(&self) -> Option<u64> {
        self.index.checked_mul(TILE_WIDTH)
    }

    /// The tree size needed before this tile exists: its last node must be a complete subtree.
    pub fn needed_tree_size(&self) -> Option<u64> {
        let last = self.first_node()?.checked_add(self.width)?;
        let shift = self.tree_level();
        if shift >= 64 {
            return None;
        }
        let size = last.checked_mul(1u64 << shift)?;
        Some(size)
    }
}

/// `N` as path elements: zero-padded three-digit groups, all but the last prefixed with `x`.
pub fn format_index(mut n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

fn parse_index(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split('/').collect();
    let (last, init) = parts.split_last()?;
    let mut n: u64 = 0;
    for (i, part) in init.iter().enumerate() {
        let digits = part.strip_prefix('x')?;
        let g = three_digits(digits)?;
        // A leading group of 000 would give the same number two spellings.
        if i == 0 && g == 0 {
            return None;
        }
        n = n.checked_mul(1000)?.checked_add(g)?;
    }
    n.checked_mul(1000)?.checked_add(three_digits(last)?)
}

fn three_digits(s: &str) -> Option<u64> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn canonical_decimal(s: &str) -> Option<u64> {
    let ok = !s.is_empty()
        && s.len() <= 20
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    if ok { s.parse().ok() } else { None }
}

/// An entry bundle: each entry as a big-endian `uint16` length followed by its bytes.
///
/// Returns `None` if an entry is longer than [`MAX_BUNDLED_ENTRY`] bytes.
pub fn entry_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len()).ok()?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Some(out)
}

/// Split an entry bundle back into its entries; `None` if it is malformed.
pub fn parse_entry_bundle(mut bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (len, rest) = bytes.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        if rest.len() < len {
            return None;
        }
        let (entry, rest) = rest.split_at(len);
        out.push(entry);
        bytes = rest;
    }
    Some(out)
}

/// The largest payload a payload bundle can carry: payloads are at most
/// [`crate::format::kind::MAX_PAYLOAD_BYTES`].
pub const MAX_BUNDLED_PAYLOAD: usize = crate::format::kind::MAX_PAYLOAD_BYTES;

/// A payload bundle (docs/FORMAT.md §13.1): for each entry, a big-endian `uint32` length
/// followed by the canonical payload bytes; a withheld payload (`None`) is the length 0 and no
/// bytes (a canonical payload is a JSON object, never empty).
///
/// Returns `None` if a payload is empty or longer than [`MAX_BUNDLED_PAYLOAD`] bytes.
pub fn payload_bundle<'a>(payloads: impl IntoIterator<Item = Option<&'a [u8]>>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for p in payloads {
        match p {
            None => out.extend_from_slice(&0u32.to_be_bytes()),
            Some(p) => {
                if p.is_empty() || p.len() > MAX_BUNDLED_PAYLOAD {
                    return None;
                }
                out.extend_from_slice(&u32::try_from(p.len()).ok()?.to_be_bytes());
                out.extend_from_slice(p);
            }
        }
    }
    Some(out)
}

/// Split a payload bundle back into its payloads (`None` items are withheld ones); `None` if
/// it is malformed: a truncated record, or a length over [`MAX_BUNDLED_PAYLOAD`].
///
/// The caller MUST check the count against the bundle's width and each payload against its
/// envelope's `payload_sha256`: the bundle itself is not authenticated.
pub fn parse_payload_bundle(mut bytes: &[u8]) -> Option<Vec<Option<&[u8]>>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (len, rest) = bytes.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
        if len > MAX_BUNDLED_PAYLOAD || rest.len() < len {
            return None;
        }
        let (payload, rest) = rest.split_at(len);
        out.push((len > 0).then_some(payload));
        bytes = rest;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_follow_the_spec_examples() {
        // c2sp.org/tlog-tiles: 1234067 is x001/x234/067.
        assert_eq!(format_index(1_234_067), "x001/x234/067");
        assert_eq!(format_index(0), "000");
        assert_eq!(format_index(999), "999");
        assert_eq!(format_index(1000), "x001/000");
        for n in [0, 1, 255, 999, 1000, 1_234_067, u64::MAX] {
            assert_eq!(parse_index(&format_index(n)), Some(n), "{n}");
        }
    }

    #[test]
    fn tile_paths_round_trip_and_refuse_other_spellings() {
        let t = TilePath::parse("0/x001/x234/067.p/8").unwrap();
        assert_eq!(
            t,
            TilePath {
                kind: TileKind::Hashes { level: 0 },
                index: 1_234_067,
                width: 8
            }
        );
        assert_eq!(t.to_path(), "tile/0/x001/x234/067.p/8");
        let e = TilePath::parse("entries/000").unwrap();
        assert_eq!(e.kind, TileKind::Entries);
        assert_eq!(e.width, 256);
        assert_eq!(e.to_path(), "tile/entries/000");
        for bad in [
            "0/1",
            "0/0001",
            "0/x000/001",
            "00/000",
            "64/000",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/08",
            "0/000.p/",
            "0/x001",
            "0/001/002",
            "entries/x1/000",
            "-1/000",
            "0/000/",
            "0",
            "",
            "0/00a",
        ] {
            assert_eq!(TilePath::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn needed_sizes() {
        let t = |level, index, width| TilePath {
            kind: TileKind::Hashes { level },
            index,
            width,
        };
        assert_eq!(t(0, 0, 1).needed_tree_size(), Some(1));
        assert_eq!(t(0, 1, 256).needed_tree_size(), Some(512));
        assert_eq!(t(1, 0, 2).needed_tree_size(), Some(512));
        assert_eq!(t(63, u64::MAX, 256).needed_tree_size(), None);
    }

    #[test]
    fn bundles_round_trip() {
        let entries: Vec<&[u8]> = vec![b"one", b"", b"three"];
        let b = entry_bundle(entries.iter().copied()).unwrap();
        assert_eq!(&b[..5], &[0, 3, b'o', b'n', b'e']);
        assert_eq!(parse_entry_bundle(&b).unwrap(), entries);
        assert_eq!(parse_entry_bundle(&[0, 5, 1]), None);
        assert_eq!(parse_entry_bundle(&[0]), None);
        let big = vec![0u8; 70_000];
        assert_eq!(entry_bundle([&big[..]]), None);
    }

    #[test]
    fn payload_bundles_round_trip_and_mark_withheld_payloads() {
        let a: &[u8] = b"{\"a\":1}";
        let b: &[u8] = b"{}";
        let bundle = payload_bundle([Some(a), None, Some(b)]).unwrap();
        assert_eq!(&bundle[..4], &[0, 0, 0, 7]);
        assert_eq!(
            parse_payload_bundle(&bundle).unwrap(),
            vec![Some(a), None, Some(b)]
        );
        assert_eq!(parse_payload_bundle(&bundle[..bundle.len() - 1]), None);
        assert_eq!(payload_bundle([Some(&b""[..])]), None);
        let t = TilePath::parse("payloads/x001/002.p/3").unwrap();
        assert_eq!(t.kind, TileKind::Payloads);
        assert_eq!(t.to_path(), "tile/payloads/x001/002.p/3");
    }
}
