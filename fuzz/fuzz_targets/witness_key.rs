//! Witness verifier key text (`name+hex8+base64(0x04 || key)`): never panics; whatever parses
//! is exactly the text `Display` writes, parses back equal, and has the type-0x04 key ID.
#![no_main]

use claimledger::WitnessKey;
use claimledger::format::cosignature::witness_key_id;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(key) = text.parse::<WitnessKey>() else {
        return;
    };
    let printed = key.to_string();
    assert_eq!(
        printed, text,
        "the parser accepted a text Display does not write"
    );
    let again: WitnessKey = printed.parse().expect("a printed witness key parses");
    assert_eq!(again, key);
    assert_eq!(witness_key_id(key.name(), key.public_bytes()), key.key_id());
});
