//! Checkpoints: `Checkpoint::parse_body` (on the whole input and on a parsed note's text) and
//! `open_checkpoint` never panic; a parsed body is exactly `body()` and round-trips. Opened with
//! the public Tessera test-log key, so seeds from ../shared/vectors/tessera-log verify.
#![no_main]

use claimledger::VerifyingKey;
use claimledger::format::checkpoint::{Checkpoint, open_checkpoint};
use claimledger::format::note::Note;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static LOG_KEY: LazyLock<VerifyingKey> = LazyLock::new(|| {
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"
        .parse()
        .expect("public test vkey")
});

fn check_body(text: &str) {
    let Ok(cp) = Checkpoint::parse_body(text) else {
        return;
    };
    assert_eq!(
        cp.body(),
        text,
        "the parser accepted a body body() does not write"
    );
    assert_eq!(Checkpoint::parse_body(&cp.body()), Ok(cp.clone()));
    assert_eq!(cp.validate(), Ok(()));
}

fuzz_target!(|data: &[u8]| {
    check_body(&String::from_utf8_lossy(data));
    if let Ok(note) = Note::parse(data) {
        check_body(note.text());
    }
    if let Ok((cp, note)) = open_checkpoint(data, &LOG_KEY) {
        assert_eq!(cp.origin, LOG_KEY.name());
        assert_eq!(cp.body(), note.text());
    }
});
