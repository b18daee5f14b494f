//! Figure wording ("$5.6M", "2 048 puces Nvidia H800", "5,6 millions de dollars"):
//! `figure::parse_as_stated` never panics; whatever it reads makes a figure that validates and
//! that `compare` finds in agreement with itself.
#![no_main]

use claimledger::format::figure::{self, Comparison, Figure};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(quantity) = figure::parse_as_stated(&text) else {
        return;
    };
    let figure = Figure::from_as_stated("subject", "property", None, &text)
        .expect("wording the parser reads makes a valid figure");
    assert_eq!(figure.value, quantity.value);
    assert_eq!(figure.unit, quantity.unit);
    assert_eq!(figure.validate(), Ok(()));
    assert_eq!(figure::compare(&figure, &figure), Comparison::Agrees);
});
