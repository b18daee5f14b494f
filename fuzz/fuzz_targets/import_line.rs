//! Import lines (`{"envelope_base64": …, "payload": {…}}`): `SignedEntry::from_line` never
//! panics; an accepted entry's signature verifies, its stored payload bytes read back to the
//! same payload, and its own export line (`to_line`) reads back equal.
#![no_main]

use claimledger::format::encoding::to_canonical;
use claimledger::format::entry::{Payload, SignedEntry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(entry) = SignedEntry::from_line(data) else {
        return;
    };
    let env = entry.envelope();
    assert!(env.verify_signature().is_ok());
    // A withheld line (FORMAT.md §12) has no payload to read back.
    if let Some(bytes) = entry.payload_bytes() {
        let stored = Payload::from_stored(env.kind(), bytes).expect("stored payload");
        assert_eq!(Some(&stored), entry.payload());
    }
    let line = to_canonical(&entry.to_line());
    let again = SignedEntry::from_line(&line).expect("an export line reads back");
    assert_eq!(again, entry);
});
