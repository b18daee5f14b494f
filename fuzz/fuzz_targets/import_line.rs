//! Import lines (`{"envelope_base64": …, "payload": {…}}`): `SignedEntry::from_line` never
//! panics; an accepted entry's signature verifies, its stored payload bytes read back to the
//! same payload, and a line rebuilt from its envelope and payload bytes reads back equal.
#![no_main]

use base64::Engine as _;
use claimledger::encoding::{parse_strict, to_canonical};
use claimledger::entry::{Payload, SignedEntry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(entry) = SignedEntry::from_line(data) else {
        return;
    };
    let env = entry.envelope();
    assert!(env.verify_signature().is_ok());
    let stored = Payload::from_stored(env.kind(), entry.payload_bytes()).expect("stored payload");
    assert_eq!(&stored, entry.payload());
    let line = serde_json::json!({
        "envelope_base64": base64::engine::general_purpose::STANDARD.encode(env.as_bytes()),
        "payload": parse_strict(entry.payload_bytes()).expect("canonical payload bytes"),
    });
    let again = SignedEntry::from_line(&to_canonical(&line)).expect("rebuilt line reads back");
    assert_eq!(again, entry);
});
