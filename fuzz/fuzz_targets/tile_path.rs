//! C2SP tlog-tiles paths (from request URLs) and entry bundles: parsing never panics, and what
//! parses is the one canonical spelling (paths) or re-encodes to the same bytes (bundles).
#![no_main]

use claimledger::format::tiles::{TilePath, entry_bundle, parse_entry_bundle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(t) = TilePath::parse(text) {
            assert_eq!(t.to_path(), format!("tile/{text}"));
            let _ = t.needed_tree_size();
        }
    }
    if let Some(entries) = parse_entry_bundle(data) {
        assert_eq!(entry_bundle(entries.iter().copied()).as_deref(), Some(data));
    }
});
