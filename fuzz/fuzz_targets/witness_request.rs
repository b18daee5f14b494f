//! C2SP tlog-witness bytes: `AddCheckpoint::parse` (the add-checkpoint body), `parse_size_body`
//! (a 409 body) and `parse_log_list` (a witness's --logs file) never panic; an accepted request
//! has at most 63 proof hashes and is exactly `to_body()`; an accepted size body is
//! `size_body(n)`; an accepted log list has no duplicate key.
#![no_main]

use claimledger::format::witness::{
    AddCheckpoint, MAX_PROOF_LINES, parse_log_list, parse_size_body, size_body,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = AddCheckpoint::parse(data) {
        assert!(req.proof.len() <= MAX_PROOF_LINES);
        assert_eq!(
            req.to_body().as_bytes(),
            data,
            "accepted a body to_body() does not write"
        );
    }
    if let Some(n) = parse_size_body(data) {
        assert_eq!(size_body(n).as_bytes(), data);
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(keys) = parse_log_list(&text) {
        assert!(!keys.is_empty());
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[..i].contains(k));
        }
    }
});
