//! Receipt JSON: `verify_receipt` never panics.
//!
//! Input: an optional first line holding the log's vkey text, then the receipt bytes. If the
//! first line is not a vkey (a receipt's first line is `{`), the whole input is the receipt and
//! a fixed key is used. The seed script prefixes demo receipts with their log vkey, so the
//! fuzzer starts from receipts that verify and reaches every check.
#![no_main]

use claimledger::{VerifyingKey, verify_receipt};
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
    let (key, receipt) = match split {
        Some((key, rest)) => (key, rest),
        None => (DEFAULT_KEY.clone(), data),
    };
    let Ok(verified) = verify_receipt(receipt, &key) else {
        return;
    };
    assert!(verified.index < verified.checkpoint.size);
    assert_eq!(verified.checkpoint.origin, key.name());
    assert!(verified.entry.envelope().verify_signature().is_ok());
});
