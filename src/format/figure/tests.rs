//! Unit tests of the private parts: decimals, lexer, separator, noun and French-context rules.

use super::compare::Dec;
use super::lex::{Tk, is_french, lex};
use super::parse::{Fail, Noun, R, interpret, noun_phrase};
use super::unit_ok;
use std::cmp::Ordering;

fn dec(s: &str) -> Dec {
    Dec::parse_normalized(s).expect("normalized")
}

#[test]
fn dec_from_parts_shifts_and_normalizes() {
    assert_eq!(Dec::from_parts(false, "5", "6", 6).to_string(), "5600000");
    assert_eq!(
        Dec::from_parts(false, "1", "2", 9).to_string(),
        "1200000000"
    );
    assert_eq!(Dec::from_parts(false, "007", "500", 0).to_string(), "7.5");
    assert_eq!(Dec::from_parts(false, "0", "0001", 2).to_string(), "0.01");
    assert_eq!(Dec::from_parts(true, "0", "000", 3).to_string(), "0");
    assert_eq!(Dec::from_parts(true, "3", "5", 0).to_string(), "-3.5");
    assert_eq!(Dec::from_parts(false, "2", "788", 6).to_string(), "2788000");
    assert_eq!(
        Dec::from_parts(false, "1", "23456", 3).to_string(),
        "1234.56"
    );
}

#[test]
fn dec_parse_normalized_grammar() {
    for ok in ["0", "5", "-5", "5600000", "0.5", "-0.05", "12.25"] {
        assert_eq!(
            Dec::parse_normalized(ok).map(|d| d.to_string()),
            Some(ok.to_string()),
            "{ok}"
        );
    }
    for bad in [
        "", "-", "-0", "05", "5.", ".5", "5.60", "1e6", "+5", " 5", "5 ", "1,000", "0.0", "--5",
        "5.6.7", "٣",
    ] {
        assert!(Dec::parse_normalized(bad).is_none(), "{bad:?}");
    }
}

#[test]
fn dec_ordering_and_about_bounds() {
    assert_eq!(dec("2").cmp_value(&dec("10")), Ordering::Less);
    assert_eq!(dec("-2").cmp_value(&dec("-10")), Ordering::Greater);
    assert_eq!(dec("0.5").cmp_value(&dec("0.49")), Ordering::Greater);
    assert_eq!(dec("-0.5").cmp_value(&dec("0")), Ordering::Less);
    assert_eq!(dec("0").cmp_value(&dec("0")), Ordering::Equal);
    assert_eq!(dec("1.1").cmp_value(&dec("1.10000001")), Ordering::Less);
    assert_eq!(dec("2000").mul_small(9).div_pow10(1).to_string(), "1800");
    assert_eq!(dec("2000").mul_small(11).div_pow10(1).to_string(), "2200");
    assert_eq!(dec("0.5").mul_small(11).div_pow10(1).to_string(), "0.55");
    assert_eq!(dec("-7").mul_small(9).div_pow10(1).to_string(), "-6.3");
    assert_eq!(dec("999").mul_small(11).to_string(), "10989");
}

#[test]
fn lexer_groups_and_glue() {
    let toks = lex("2\u{202F}048 puces").expect("lexes");
    assert_eq!(toks.first().map(|t| &t.tk), Some(&Tk::Num("2 048".into())));
    let toks = lex("$5.6M").expect("lexes");
    assert_eq!(
        toks.iter().map(|t| t.glued).collect::<Vec<_>>(),
        [false, true, true]
    );
    // A space before four digits, or after a four-digit group, does not group.
    assert_eq!(lex("2024 100").map(|t| t.len()), Some(2));
    assert_eq!(lex("2 0480").map(|t| t.len()), Some(2));
    assert_eq!(lex("0 500").map(|t| t.len()), Some(2));
    // The currency code stops before a glued number.
    let toks = lex("USD5.6M").expect("lexes");
    assert_eq!(
        toks.first().map(|t| &t.tk),
        Some(&Tk::Word("USD".into(), "usd".into()))
    );
    assert_eq!(lex("jusqu’à").map(|t| t.len()), Some(1));
    assert!(lex("5 @ 6").is_none());
    assert_eq!(lex("2,000.").map(|t| t.len()), Some(1));
}

#[test]
fn separator_rules() {
    let read = |raw: &str, fr: bool| interpret(raw, fr, false).map(|n| (n.int, n.frac));
    let count = |raw: &str, fr: bool| interpret(raw, fr, true).map(|n| (n.int, n.frac));
    let ok = |i: &str, f: &str| Ok((i.to_string(), f.to_string()));
    let ambiguous = |r: R<(String, String)>| matches!(r, Err(Fail::Ambiguous(_)));
    assert_eq!(read("2,048", false), ok("2048", ""));
    assert!(ambiguous(read("2,048", true)));
    assert!(ambiguous(read("2.048", true)));
    assert_eq!(read("2.048", false), ok("2", "048"));
    for fr in [false, true] {
        assert_eq!(count("2,048", fr), ok("2048", ""));
        assert_eq!(count("2.048", fr), ok("2048", ""));
        assert_eq!(count("2,5", fr), ok("2", "5"));
    }
    assert!(ambiguous(read("2 048,000", false)));
    assert_eq!(read("2 048,000", true), ok("2048", "000"));
    assert_eq!(read("2 048.000", false), ok("2048", "000"));
    assert_eq!(read("2 048,5", false), ok("2048", "5"));
    assert_eq!(read("5,6", true), ok("5", "6"));
    assert_eq!(read("5,6", false), ok("5", "6"));
    assert_eq!(read("1,234,567", false), ok("1234567", ""));
    assert_eq!(read("1.234.567", false), ok("1234567", ""));
    assert_eq!(read("1,234.5", false), ok("1234", "5"));
    assert_eq!(read("1.234,5", true), ok("1234", "5"));
    assert_eq!(read("1 234 567", false), ok("1234567", ""));
    assert_eq!(read("1 234,5", true), ok("1234", "5"));
    assert_eq!(read("0,500", false), ok("0", "500"));
    assert_eq!(read("1,2,3", false), Err(Fail::Junk));
    assert_eq!(read("1,23,456", false), Err(Fail::Junk));
    assert_eq!(read("1.2.3", false), Err(Fail::Junk));
    assert_eq!(read("1,234.5.6", false), Err(Fail::Junk));
    assert_eq!(read("12,34.567", false), Err(Fail::Junk));
}

#[test]
fn noun_rules() {
    let thing = |ws: &[&str]| {
        let lowered: Vec<(String, String)> = ws
            .iter()
            .map(|w| (w.to_string(), w.to_lowercase()))
            .collect();
        let pairs: Vec<(&str, &str)> = lowered
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        match noun_phrase(&pairs) {
            Ok(Noun::Count(t)) => Some(format!("count:{t}")),
            Ok(Noun::Unit(u)) => Some(format!("unit:{u}")),
            Ok(Noun::Nothing) => Some("count".into()),
            Err(_) => None,
        }
    };
    let some = |s: &str| Some(s.to_string());
    assert_eq!(thing(&["puces", "Nvidia", "H800"]), some("count:H800"));
    assert_eq!(thing(&["Nvidia", "A100s"]), some("count:A100"));
    assert_eq!(thing(&["h100"]), some("count:H100"));
    assert_eq!(thing(&["GPUs"]), some("count:GPU"));
    assert_eq!(thing(&["puces"]), some("count:chip"));
    assert_eq!(thing(&["puces", "graphiques"]), some("count:GPU"));
    assert_eq!(thing(&["Employees"]), some("count:employees"));
    assert_eq!(thing(&["H800", "GPU", "hours"]), some("unit:GPU-h"));
    assert_eq!(thing(&["heures"]), some("unit:h"));
    assert_eq!(thing(&[]), some("count"));
    assert_eq!(thing(&["H800", "H100"]), None);
    assert_eq!(thing(&["H800", "servers"]), None);
    assert_eq!(thing(&["people", "in", "France"]), None);
    assert_eq!(thing(&["Nvidia"]), None);
    assert_eq!(thing(&["dollars"]), None);
    assert_eq!(thing(&["million"]), None);
}

#[test]
fn french_context() {
    let fr = |s: &str| lex(s).is_some_and(|t| is_french(&t));
    assert!(fr("5,6 millions de dollars"));
    assert!(fr("1,2 milliard d'euros"));
    assert!(fr("2 048 puces"));
    assert!(fr("5,6 M€"));
    assert!(!fr("€5.6M"));
    assert!(!fr("between €1M and €2M"));
    assert!(!fr("about 2,000 GPUs"));
}

#[test]
fn units() {
    for ok in [
        "USD",
        "EUR",
        "count",
        "count:H800",
        "count:GPU",
        "unit:%",
        "unit:GPU-h",
    ] {
        assert!(unit_ok(ok), "{ok}");
    }
    for bad in [
        "",
        "usd",
        "US",
        "USDX",
        "count:",
        "unit:",
        "count:two words",
        "gpu",
        "unit:a\tb",
        "dollars",
    ] {
        assert!(!unit_ok(bad), "{bad}");
    }
}
