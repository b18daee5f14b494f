//! Signed notes: `Note::parse`, `Note::verify`, `note::open` never panic. A parsed note
//! re-assembles to exactly its input (the format has one encoding), and `open` agrees with
//! parse-then-verify. Verified against the public vector keys, so seeds from
//! ../shared/vectors/note reach the signature checks.
#![no_main]

use claimledger::VerifyingKey;
use claimledger::format::note::{self, Note};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static KEYS: LazyLock<Vec<VerifyingKey>> = LazyLock::new(|| {
    [
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop",
        "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",
    ]
    .iter()
    .map(|t| t.parse().expect("public test vkey"))
    .collect()
});

fuzz_target!(|data: &[u8]| {
    let opened = note::open(data, &KEYS);
    let Ok(parsed) = Note::parse(data) else {
        assert!(opened.is_err(), "open accepted what parse refused");
        return;
    };
    let mut again = String::from(parsed.text());
    again.push('\n');
    for sig in parsed.signatures() {
        again.push_str(&sig.line());
        again.push('\n');
    }
    assert_eq!(
        again.as_bytes(),
        data,
        "a parsed note does not re-assemble to its input"
    );
    match (parsed.verify(&KEYS), opened) {
        (Ok(keys), Ok((note, cloned))) => {
            assert!(!keys.is_empty());
            assert_eq!(note, parsed);
            assert_eq!(keys.into_iter().cloned().collect::<Vec<_>>(), cloned);
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("verify {a:?} but open {b:?}"),
    }
});
