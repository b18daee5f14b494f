//! Verifier key text (`name+hex8+base64`): never panics; whatever parses is exactly the text
//! `Display` writes, and that text parses back to the same key.
#![no_main]

use claimledger::VerifyingKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(key) = text.parse::<VerifyingKey>() else {
        return;
    };
    let printed = key.to_string();
    assert_eq!(
        printed, text,
        "the parser accepted a text Display does not write"
    );
    let again: VerifyingKey = printed.parse().expect("a printed vkey parses");
    assert_eq!(again, key);
    assert_eq!(
        claimledger::format::keys::key_id(key.name(), key.public_bytes()),
        key.key_id()
    );
});
