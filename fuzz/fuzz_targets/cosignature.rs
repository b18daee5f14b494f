//! Cosignatures: `Cosignature::parse_line` on the first line, `parse_signature_lines` (an
//! add-checkpoint answer) on the whole input, then `add_cosignatures` and `check_cosignatures`
//! on a fixed signed checkpoint. Never panic; an accepted line is exactly `to_line()`; accepted
//! answer lines re-assemble to the input; a note with added lines still parses and keeps its
//! text; a fuzzed line never verifies for the fixed witness unless it is a real cosignature.
#![no_main]

use claimledger::format::checkpoint::Checkpoint;
use claimledger::format::cosignature::{
    Cosignature, WitnessStatus, add_cosignatures, check_cosignatures, parse_signature_lines,
};
use claimledger::format::note::Note;
use claimledger::{SigningKey, WitnessKey, WitnessSigner};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static FIXTURE: LazyLock<(String, WitnessKey)> = LazyLock::new(|| {
    let log = SigningKey::from_seed("example.com/log", [1; 32]).expect("valid name");
    let note = Checkpoint::new("example.com/log", 3, [7; 32])
        .expect("valid origin")
        .sign(&log)
        .expect("signs");
    let witness = WitnessSigner::new(
        SigningKey::from_seed("witness.example/w1", [2; 32]).expect("valid name"),
    );
    (note, witness.witness_key())
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let first = text.split('\n').next().unwrap_or("");
    if let Ok(c) = Cosignature::parse_line(first) {
        assert_eq!(
            c.to_line(),
            first,
            "accepted a line to_line() does not write"
        );
        assert_eq!(Cosignature::parse_line(&c.to_line()), Ok(c.clone()));
    }
    let Ok(lines) = parse_signature_lines(&text) else {
        return;
    };
    let joined: String = lines.iter().map(|l| format!("{}\n", l.line())).collect();
    assert_eq!(
        joined, text,
        "accepted answer lines that do not re-assemble"
    );
    let (note, key) = &*FIXTURE;
    let Ok(merged) = add_cosignatures(note, &lines) else {
        return;
    };
    let parsed = Note::parse(merged.as_bytes()).expect("a merged note parses");
    let original = Note::parse(note.as_bytes()).expect("fixture parses");
    assert_eq!(parsed.text(), original.text());
    let status = &check_cosignatures(&parsed, std::slice::from_ref(key))[0];
    if let WitnessStatus::Verified { .. } = status {
        // Only possible if the fuzzer produced a valid Ed25519 signature: report it.
        panic!("a fuzzed line verified as a cosignature: {text:?}");
    }
});
