//! C2SP tlog-proof text: `TlogProof::parse` never panics; whatever parses is exactly
//! `to_text()`, and that text parses back to the same proof.
#![no_main]

use claimledger::format::receipt::TlogProof;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(proof) = TlogProof::parse(&text) else {
        return;
    };
    assert!(proof.proof.len() <= 64);
    let printed = proof.to_text();
    assert_eq!(
        printed, text,
        "the parser accepted a text to_text() does not write"
    );
    assert_eq!(TlogProof::parse(&printed).ok(), Some(proof));
});
