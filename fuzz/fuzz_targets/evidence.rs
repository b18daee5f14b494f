//! Evidence files: `ForkEvidence::parse` and `verify`, `WitnessEvidence::parse` and `verify`
//! never panic.
//!
//! Input: an optional first line holding the log's vkey text, then the evidence bytes (as the
//! receipt target). A parsed fork-evidence file round-trips through `to_json`; a verdict names
//! checkpoints of the key's origin, and a fork between different sizes has a prefix root that is
//! not the smaller signed root.
#![no_main]

use claimledger::VerifyingKey;
use claimledger::format::evidence::{EvidenceKind, ForkEvidence};
use claimledger::format::witness_evidence::WitnessEvidence;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static DEFAULT_KEY: LazyLock<VerifyingKey> = LazyLock::new(|| {
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"
        .parse()
        .expect("public test vkey")
});

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').and_then(|nl| {
        let key = std::str::from_utf8(&data[..nl])
            .ok()?
            .parse::<VerifyingKey>()
            .ok()?;
        Some((key, &data[nl + 1..]))
    });
    let (key, bytes) = match split {
        Some((key, rest)) => (key, rest),
        None => (DEFAULT_KEY.clone(), data),
    };
    if let Ok(e) = ForkEvidence::parse(bytes) {
        assert_eq!(ForkEvidence::parse(e.to_json().as_bytes()).as_ref(), Ok(&e));
        if let Ok(v) = e.verify(&key) {
            assert_eq!(v.accepted.origin, key.name());
            assert_eq!(v.served.origin, key.name());
            if v.kind == EvidenceKind::Fork && v.accepted.size != v.served.size {
                let smaller = if v.served.size < v.accepted.size { &v.served } else { &v.accepted };
                assert_ne!(v.prefix_root, Some(smaller.root));
            }
            if v.kind == EvidenceKind::Rollback {
                assert!(v.served.size < v.accepted.size);
            }
        }
    }
    if let Ok(w) = WitnessEvidence::parse(bytes) {
        if let Ok(r) = w.verify(&key) {
            assert_eq!(r.checkpoint.origin, key.name());
        }
    }
});
