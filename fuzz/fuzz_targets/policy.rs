//! Witness policy text: `Policy::parse` never panics; an accepted policy prints (`to_text`) to a
//! text that parses back equal; judging a fixed signed checkpoint with it never panics and, with
//! no cosignature on the note, meets the policy only for `quorum none`.
#![no_main]

use claimledger::format::checkpoint::Checkpoint;
use claimledger::format::policy::Quorum;
use claimledger::{Policy, SigningKey};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static NOTE: LazyLock<(String, SigningKey)> = LazyLock::new(|| {
    let log = SigningKey::from_seed("example.com/log", [1; 32]).expect("valid name");
    let note = Checkpoint::new("example.com/log", 3, [7; 32])
        .expect("valid origin")
        .sign(&log)
        .expect("signs");
    (note, log)
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(policy) = text.parse::<Policy>() else {
        return;
    };
    let printed = policy.to_text();
    assert_eq!(printed.parse::<Policy>().as_ref(), Ok(&policy));
    let (note, log) = &*NOTE;
    if let Ok((_, verdict)) = policy.check(note.as_bytes(), &log.verifying_key()) {
        assert_eq!(verdict.verified, 0);
        assert_eq!(verdict.met, *policy.quorum() == Quorum::None);
        assert_eq!(verdict.witnesses.len(), policy.witnesses().len());
    }
});
