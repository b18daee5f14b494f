//! Payloads: `Payload::from_json` and `Payload::from_stored` never panic.
//!
//! Input: first byte selects the kind (0 claim, 1 statement, 2 key, modulo 3), the rest is the
//! JSON. Invariants: from_json's canonical bytes read back with from_stored to the same payload;
//! stored bytes that are accepted are also accepted as input and are their own canonical form;
//! a typed payload re-serialized and re-validated is unchanged (what signing relies on).
#![no_main]

use claimledger::Kind;
use claimledger::format::entry::{MAX_PAYLOAD_BYTES, Payload};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, json)) = data.split_first() else {
        return;
    };
    let kind = [Kind::Claim, Kind::Statement, Kind::Key][usize::from(selector) % 3];
    let from_json = Payload::from_json(kind, json);
    if let Ok((payload, canonical)) = &from_json {
        assert_eq!(payload.kind(), kind);
        let stored = Payload::from_stored(kind, canonical).expect("from_json's canonical bytes");
        assert_eq!(&stored, payload);
        // to_value() may add defaulted members ("sources": []), so leave room for them.
        if canonical.len() + 64 <= MAX_PAYLOAD_BYTES {
            let (again, _) = Payload::from_value(kind, payload.to_value())
                .expect("a typed payload re-validates");
            assert_eq!(&again, payload);
        }
    }
    if let Ok(stored) = Payload::from_stored(kind, json) {
        let (payload, canonical) = from_json.expect("accepted stored bytes are valid input");
        assert_eq!(canonical, json);
        assert_eq!(payload, stored);
    }
});
