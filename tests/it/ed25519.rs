//! CCTV Ed25519 edge cases: our verification (verify_strict) accepts exactly the expected 43.

use claimledger::format::keys::{Signature, VerifyingKey};
use serde_json::Value;
use std::collections::BTreeSet;

fn hex_array<const N: usize>(s: &str) -> [u8; N] {
    let v = hex::decode(s).expect("vector hex");
    v.try_into().expect("vector length")
}

#[test]
fn verify_strict_accepts_exactly_the_expected_vectors() {
    let Some(dir) = crate::util::vectors_dir("ed25519") else {
        return;
    };
    let vectors: Value = serde_json::from_slice(
        &std::fs::read(dir.join("ed25519vectors.json")).expect("read vectors"),
    )
    .expect("vectors JSON");
    let expected: Value = serde_json::from_slice(
        &std::fs::read(dir.join("verify_strict-expected.json")).expect("read expectations"),
    )
    .expect("expectations JSON");
    let want: BTreeSet<u64> = expected["verify_strict"]["accept_numbers"]
        .as_array()
        .expect("accept_numbers")
        .iter()
        .map(|n| n.as_u64().expect("number"))
        .collect();
    assert_eq!(want.len(), 43);

    let vectors = vectors.as_array().expect("array of vectors");
    assert_eq!(vectors.len(), 914);
    let mut ours = BTreeSet::new();
    let mut raw_dalek = BTreeSet::new();
    let mut by_flags = BTreeSet::new();
    let mut constructed = 0;
    for v in vectors {
        let number = v["number"].as_u64().expect("number");
        let key: [u8; 32] = hex_array(v["key"].as_str().expect("key"));
        let sig_bytes: [u8; 64] = hex_array(v["sig"].as_str().expect("sig"));
        let msg = v["msg"].as_str().expect("msg").as_bytes();
        let sig = Signature::from_bytes(&sig_bytes);

        // Through our key type; a key it refuses to construct counts as a rejection.
        if let Ok(vk) = VerifyingKey::new("cctv.example/ed25519", key) {
            constructed += 1;
            let accepted = vk.verify(msg, &sig);
            assert_eq!(
                accepted,
                vk.verify_bytes(msg, &sig_bytes),
                "vector {number}"
            );
            assert_eq!(accepted, vk.as_dalek().verify_strict(msg, &sig).is_ok());
            if accepted {
                ours.insert(number);
            }
        }
        // Plain dalek verify_strict, for keys our type refuses (weak or non-canonical).
        if ed25519_dalek::VerifyingKey::from_bytes(&key)
            .is_ok_and(|dk| dk.verify_strict(msg, &sig).is_ok())
        {
            raw_dalek.insert(number);
        }
        // "flags" is null when a vector has none.
        let flags: Vec<&str> = match &v["flags"] {
            Value::Null => Vec::new(),
            f => f
                .as_array()
                .expect("flags")
                .iter()
                .map(|f| f.as_str().expect("flag"))
                .collect(),
        };
        if flags
            .iter()
            .all(|f| *f == "low_order_component_A" || *f == "low_order_component_R")
        {
            by_flags.insert(number);
        }
    }
    assert!(constructed > 0);
    assert_eq!(ours, want, "VerifyingKey::verify");
    assert_eq!(raw_dalek, want, "ed25519_dalek verify_strict");
    assert_eq!(by_flags, want, "the flag rule");
}
