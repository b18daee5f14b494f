//! Figure wording ("$5.6M", "2 048 puces Nvidia H800", "5,6 millions de dollars"):
//! `figure::parse_as_stated` never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = claimledger::figure::parse_as_stated(&text);
});
