//! Signer key text (`PRIVATE+KEY+name+hex8+base64`): never panics; whatever parses prints back
//! to the same text, and its verifier key round-trips and checks its signatures.
#![no_main]

use claimledger::{SigningKey, VerifyingKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(key) = text.parse::<SigningKey>() else {
        return;
    };
    assert_eq!(key.to_secret_text().expose(), text);
    let vk = key.verifying_key();
    assert_eq!((vk.name(), vk.key_id()), (key.name(), key.key_id()));
    let back: VerifyingKey = vk.to_string().parse().expect("a derived vkey parses");
    assert_eq!(back, vk);
    assert!(vk.verify(b"fuzz\n", &key.sign(b"fuzz\n")));
});
