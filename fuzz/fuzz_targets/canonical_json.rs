//! Canonical JSON (RFC 8785 subset): `parse_strict` and `check_canonical` never panic; bytes
//! that pass `check_canonical` are exactly `to_canonical` of their value; the canonical form of
//! anything `parse_strict` accepts passes `check_canonical` and holds the same value.
#![no_main]

use claimledger::format::encoding::{check_canonical, parse_strict, to_canonical};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = parse_strict(data) {
        let canonical = to_canonical(&value);
        assert_eq!(check_canonical(&canonical), Ok(value));
    }
    if let Ok(value) = check_canonical(data) {
        assert_eq!(to_canonical(&value), data);
        assert_eq!(parse_strict(data), Ok(value));
    }
});
