//! Envelopes: `Envelope::parse` and `verify_signature` never panic; a parsed envelope keeps
//! exactly its input bytes, re-parses equal, and its kind and target agree.
#![no_main]

use claimledger::Kind;
use claimledger::format::entry::{Envelope, SIGNATURE_CONTEXT};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(env) = Envelope::parse(data) else {
        return;
    };
    assert_eq!(env.as_bytes(), data);
    assert!(env.signed_message().starts_with(SIGNATURE_CONTEXT));
    assert_eq!(env.kind() == Kind::Statement, env.target().is_some());
    let _ = env.verify_signature();
    assert_eq!(Envelope::parse(env.as_bytes()).ok().as_ref(), Some(&env));
});
