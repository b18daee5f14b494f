//! Figures: "$5.6M", "2 048 puces Nvidia H800"… parsed into figures, validated, compared.

use claimledger::format::figure::{
    ACCEPTED_FORMS, Comparison, Figure, FigureError, Precision, Quantity, compare, compare_decimal,
    parse_as_stated,
};
use proptest::prelude::*;
use std::cmp::Ordering;

use Precision::{About, AtLeast, AtMost, Exact, Range};

/// (as stated, value, unit, precision, lower, upper)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    Precision,
    Option<&'static str>,
    Option<&'static str>,
);

const TABLE: &[Row] = &[
    // The eight required readings.
    ("$5.6M", "5600000", "USD", Exact, None, None),
    ("$5.6 million", "5600000", "USD", Exact, None, None),
    (
        "5,6 millions de dollars",
        "5600000",
        "USD",
        Exact,
        None,
        None,
    ),
    ("2,048 H800", "2048", "count:H800", Exact, None, None),
    (
        "2 048 puces Nvidia H800",
        "2048",
        "count:H800",
        Exact,
        None,
        None,
    ),
    ("50k H100", "50000", "count:H100", Exact, None, None),
    ("€1.2bn", "1200000000", "EUR", Exact, None, None),
    ("about 2,000 GPUs", "2000", "count:GPU", About, None, None),
    // Spaces: no-break and narrow no-break as thousands separators.
    (
        "2\u{A0}048 puces Nvidia H800",
        "2048",
        "count:H800",
        Exact,
        None,
        None,
    ),
    (
        "2\u{202F}048 puces graphiques Nvidia H800",
        "2048",
        "count:H800",
        Exact,
        None,
        None,
    ),
    ("1 234 567", "1234567", "count", Exact, None, None),
    ("5 500 000 dollars", "5500000", "USD", Exact, None, None),
    // Currencies before or after, symbols, codes and words.
    ("US$5.6M", "5600000", "USD", Exact, None, None),
    ("USD 5.6 million", "5600000", "USD", Exact, None, None),
    ("USD5.6M", "5600000", "USD", Exact, None, None),
    ("5.6 million USD", "5600000", "USD", Exact, None, None),
    (
        "5.6 million US dollars",
        "5600000",
        "USD",
        Exact,
        None,
        None,
    ),
    (
        "5,6 millions de dollars américains",
        "5600000",
        "USD",
        Exact,
        None,
        None,
    ),
    ("$5MM", "5000000", "USD", Exact, None, None),
    ("$5.576M", "5576000", "USD", Exact, None, None),
    ("$1,234.56", "1234.56", "USD", Exact, None, None),
    ("€5.6M", "5600000", "EUR", Exact, None, None),
    ("5,6 M€", "5600000", "EUR", Exact, None, None),
    ("1 234 567,5 €", "1234567.5", "EUR", Exact, None, None),
    ("1.234,5 €", "1234.5", "EUR", Exact, None, None),
    (
        "1,2 milliard d'euros",
        "1200000000",
        "EUR",
        Exact,
        None,
        None,
    ),
    ("2 Md€", "2000000000", "EUR", Exact, None, None),
    ("£3bn", "3000000000", "GBP", Exact, None, None),
    ("CN¥1 billion", "1000000000", "CNY", Exact, None, None),
    (
        "3 milliards de yuans",
        "3000000000",
        "CNY",
        Exact,
        None,
        None,
    ),
    ("RMB 2.5bn", "2500000000", "CNY", Exact, None, None),
    ("¥500 million yen", "500000000", "JPY", Exact, None, None),
    ("$1.5 trillion", "1500000000000", "USD", Exact, None, None),
    ("$2tn", "2000000000000", "USD", Exact, None, None),
    // Scale words and separators for counts.
    ("10 thousand GPUs", "10000", "count:GPU", Exact, None, None),
    ("2 mille puces", "2000", "count:chip", Exact, None, None),
    ("1.234.567", "1234567", "count", Exact, None, None),
    ("1,234,567", "1234567", "count", Exact, None, None),
    ("2,048", "2048", "count", Exact, None, None),
    ("2.048 puces", "2048", "count:chip", Exact, None, None),
    ("2,048 puces", "2048", "count:chip", Exact, None, None),
    ("2.048 H800", "2048", "count:H800", Exact, None, None),
    ("€1,234 million", "1234000000", "EUR", Exact, None, None),
    ("$1.234M", "1234000", "USD", Exact, None, None),
    (
        "5.6 millions de dollars",
        "5600000",
        "USD",
        Exact,
        None,
        None,
    ),
    (
        "1,000 Nvidia A100s",
        "1000",
        "count:A100",
        Exact,
        None,
        None,
    ),
    (
        "10,000 employees",
        "10000",
        "count:employees",
        Exact,
        None,
        None,
    ),
    (
        "10 000 cartes graphiques",
        "10000",
        "count:GPU",
        Exact,
        None,
        None,
    ),
    ("2.5", "2.5", "count", Exact, None, None),
    // Approximations.
    ("around $6M", "6000000", "USD", About, None, None),
    (
        "approximately 2,000 H800",
        "2000",
        "count:H800",
        About,
        None,
        None,
    ),
    (
        "approx. 2,000 H800",
        "2000",
        "count:H800",
        About,
        None,
        None,
    ),
    ("roughly €10bn", "10000000000", "EUR", About, None, None),
    (
        "nearly 10,000 GPUs",
        "10000",
        "count:GPU",
        About,
        None,
        None,
    ),
    ("~$5.6M", "5600000", "USD", About, None, None),
    ("some 2,000 GPUs", "2000", "count:GPU", About, None, None),
    (
        "environ 2 000 puces",
        "2000",
        "count:chip",
        About,
        None,
        None,
    ),
    (
        "près de 5,6 millions de dollars",
        "5600000",
        "USD",
        About,
        None,
        None,
    ),
    ("quelque 2 000 GPU", "2000", "count:GPU", About, None, None),
    // Lower bounds.
    (
        "at least 10,000 GPUs",
        "10000",
        "count:GPU",
        AtLeast,
        None,
        None,
    ),
    (
        "more than 50,000 H100",
        "50000",
        "count:H100",
        AtLeast,
        None,
        None,
    ),
    ("over $500M", "500000000", "USD", AtLeast, None, None),
    ("$500M+", "500000000", "USD", AtLeast, None, None),
    ("10,000+ GPUs", "10000", "count:GPU", AtLeast, None, None),
    (
        "10,000 GPUs or more",
        "10000",
        "count:GPU",
        AtLeast,
        None,
        None,
    ),
    (
        "plus de 2 048 puces",
        "2048",
        "count:chip",
        AtLeast,
        None,
        None,
    ),
    (
        "au moins 10 000 GPU",
        "10000",
        "count:GPU",
        AtLeast,
        None,
        None,
    ),
    ("≥ 10 000 GPU", "10000", "count:GPU", AtLeast, None, None),
    // Upper bounds.
    ("at most $6M", "6000000", "USD", AtMost, None, None),
    (
        "up to 50,000 GPUs",
        "50000",
        "count:GPU",
        AtMost,
        None,
        None,
    ),
    (
        "less than $10 million",
        "10000000",
        "USD",
        AtMost,
        None,
        None,
    ),
    ("under 2,000 H800", "2000", "count:H800", AtMost, None, None),
    (
        "jusqu'à 3 000 puces",
        "3000",
        "count:chip",
        AtMost,
        None,
        None,
    ),
    (
        "jusqu’à 3 000 puces",
        "3000",
        "count:chip",
        AtMost,
        None,
        None,
    ),
    (
        "moins de 5 millions d'euros",
        "5000000",
        "EUR",
        AtMost,
        None,
        None,
    ),
    // Ranges.
    (
        "2,000-3,000 GPUs",
        "2000",
        "count:GPU",
        Range,
        Some("2000"),
        Some("3000"),
    ),
    (
        "2,000–3,000 GPUs",
        "2000",
        "count:GPU",
        Range,
        Some("2000"),
        Some("3000"),
    ),
    (
        "2,000 to 3,000 GPUs",
        "2000",
        "count:GPU",
        Range,
        Some("2000"),
        Some("3000"),
    ),
    (
        "between 2,000 and 3,000 GPUs",
        "2000",
        "count:GPU",
        Range,
        Some("2000"),
        Some("3000"),
    ),
    (
        "entre 2 000 et 3 000 puces",
        "2000",
        "count:chip",
        Range,
        Some("2000"),
        Some("3000"),
    ),
    (
        "$5-6M",
        "5000000",
        "USD",
        Range,
        Some("5000000"),
        Some("6000000"),
    ),
    (
        "$5M-$6M",
        "5000000",
        "USD",
        Range,
        Some("5000000"),
        Some("6000000"),
    ),
    (
        "between $5M and $6M",
        "5000000",
        "USD",
        Range,
        Some("5000000"),
        Some("6000000"),
    ),
    (
        "from $5M to $6M",
        "5000000",
        "USD",
        Range,
        Some("5000000"),
        Some("6000000"),
    ),
    (
        "de 2 à 3 milliards d'euros",
        "2000000000",
        "EUR",
        Range,
        Some("2000000000"),
        Some("3000000000"),
    ),
    (
        "500 to 600 million dollars",
        "500000000",
        "USD",
        Range,
        Some("500000000"),
        Some("600000000"),
    ),
    (
        "2k-3k GPUs",
        "2000",
        "count:GPU",
        Range,
        Some("2000"),
        Some("3000"),
    ),
    (
        "about 2,000-3,000 GPUs",
        "2000",
        "count:GPU",
        Range,
        Some("2000"),
        Some("3000"),
    ),
    // Percentages, negatives, hours.
    ("12%", "12", "unit:%", Exact, None, None),
    ("12.5 %", "12.5", "unit:%", Exact, None, None),
    ("12,5 %", "12.5", "unit:%", Exact, None, None),
    ("12 percent", "12", "unit:%", Exact, None, None),
    ("12 pour cent", "12", "unit:%", Exact, None, None),
    ("-3.5%", "-3.5", "unit:%", Exact, None, None),
    ("−5%", "-5", "unit:%", Exact, None, None),
    ("10-12%", "10", "unit:%", Range, Some("10"), Some("12")),
    ("-$5M", "-5000000", "USD", Exact, None, None),
    (
        "2.788M GPU hours",
        "2788000",
        "unit:GPU-h",
        Exact,
        None,
        None,
    ),
    (
        "2,788,000 H800 GPU hours",
        "2788000",
        "unit:GPU-h",
        Exact,
        None,
        None,
    ),
    ("180K GPU-hours", "180000", "unit:GPU-h", Exact, None, None),
    ("5h", "5", "unit:h", Exact, None, None),
    // Filler words and a closing full stop.
    ("only $5.6M", "5600000", "USD", Exact, None, None),
    (
        "seulement 5,6 millions de dollars",
        "5600000",
        "USD",
        Exact,
        None,
        None,
    ),
    ("about 2,000 GPUs.", "2000", "count:GPU", About, None, None),
];

#[test]
fn table_of_stated_forms() {
    assert!(TABLE.len() >= 40, "table has {} rows", TABLE.len());
    for &(text, value, unit, precision, lower, upper) in TABLE {
        let got = parse_as_stated(text);
        let want = Quantity {
            value: value.into(),
            precision,
            lower: lower.map(Into::into),
            upper: upper.map(Into::into),
            unit: unit.into(),
        };
        assert_eq!(got, Ok(want), "{text:?}");
        // Every reading makes a valid figure.
        let f = Figure::from_as_stated("S", "p", None, text).unwrap();
        assert_eq!(f.validate(), Ok(()), "{text:?}");
        assert_eq!(f.as_stated, text);
    }
}

#[test]
fn the_accepted_forms_are_all_accepted() {
    let forms: Vec<&str> = ACCEPTED_FORMS
        .split("\", \"")
        .map(|s| s.trim_matches('"'))
        .collect();
    assert_eq!(forms.len(), 10);
    for form in forms {
        assert!(parse_as_stated(form).is_ok(), "{form:?}");
    }
}

#[test]
fn junk_is_unparseable_and_lists_accepted_forms() {
    for text in [
        "",
        "   ",
        "five bucks",
        "$",
        "1,2,3",
        "12abc",
        "2048H800",
        "1.2.3",
        "1,23,456",
        "5 5",
        "H800",
        "GPUs 2,000",
        "$5.6M GPUs",
        "€5M dollars",
        "$5M €",
        "5 million people in France",
        "$2 per GPU hour",
        "at least 2,000-3,000 GPUs",
        "3,000-2,000 GPUs",
        "$5M to 6",
        "5.6m",
        "5k%",
        "12%%",
        "-2,000 GPUs",
        "2,000 H800 H100",
        "2.5 H800",
        "between 2,000 GPUs",
        "about $500M+",
        "5 @ 6",
        "$5.6M (2024)",
        "2,048,",
    ] {
        let err = parse_as_stated(text).unwrap_err();
        assert_eq!(err, FigureError::Unparseable(text.into()), "{text:?}");
        let msg = err.to_string();
        assert!(msg.contains("accepted forms"), "{msg}");
        assert!(msg.contains(ACCEPTED_FORMS), "{msg}");
    }
    let msg = parse_as_stated("five bucks").unwrap_err().to_string();
    assert_eq!(
        msg,
        r#"cannot read "five bucks" as a figure; accepted forms: "$5.6M", "$5.6 million", "5,6 millions de dollars", "€1.2bn", "2,048 H800", "2 048 puces Nvidia H800", "50k H100", "about 2,000 GPUs", "at least 10,000 GPUs", "2,000-3,000 GPUs""#
    );
}

#[test]
fn ambiguous_wording_is_refused_not_guessed() {
    for (text, hint) in [
        // French text, a lone mark before three digits, not a count: decimal or thousands?
        ("5,600 millions de dollars", "5 600"),
        ("1.234 milliard d'euros", "1 234"),
        ("environ 2,048", "2 048"),
        // English: a decimal comma or one more thousands group?
        ("2 048,000", "2048.000"),
        // Yuan or yen?
        ("¥5M", "CN¥"),
        // French billion = 10^12.
        ("2 billions d'euros", "milliard"),
    ] {
        match parse_as_stated(text) {
            Err(FigureError::Ambiguous { text: t, detail }) => {
                assert_eq!(t, text);
                assert!(detail.contains(hint), "{text:?}: {detail}");
                let msg = FigureError::Ambiguous { text: t, detail }.to_string();
                assert!(msg.contains("accepted forms"), "{msg}");
            }
            other => panic!("{text:?} gave {other:?}"),
        }
    }
}

fn figure(subject: &str, property: &str, scope: Option<&str>, stated: &str) -> Figure {
    Figure::from_as_stated(subject, property, scope, stated).unwrap()
}

#[test]
fn serde_round_trip_and_strict_fields() {
    let f = figure(
        "DeepSeek-V3",
        "training_cost",
        Some("final training run"),
        "$5.6M",
    );
    let json = serde_json::to_string(&f).unwrap();
    assert!(json.contains(r#""value":"5600000""#), "{json}");
    assert!(json.contains(r#""precision":"exact""#), "{json}");
    assert!(!json.contains("lower"), "absent bounds are omitted: {json}");
    let back: Figure = serde_json::from_str(&json).unwrap();
    assert_eq!(back, f);

    let r = figure("DeepSeek-V3", "gpu_count", None, "2,000-3,000 GPUs");
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains(r#""precision":"range""#), "{json}");
    assert!(json.contains(r#""lower":"2000""#) && json.contains(r#""upper":"3000""#));
    assert_eq!(serde_json::from_str::<Figure>(&json).unwrap(), r);
    let a = figure("S", "p", None, "at least 10,000 GPUs");
    let json = serde_json::to_string(&a).unwrap();
    assert!(json.contains(r#""precision":"at_least""#), "{json}");

    // An extra key is refused.
    let base = r#""subject":"S","property":"p","precision":"exact","unit":"USD","as_stated":"5.6""#;
    let extra = format!(r#"{{{base},"value":"5.6","note":"x"}}"#);
    assert!(serde_json::from_str::<Figure>(&extra).is_err());
    // A JSON number is not a decimal string.
    let number = format!(r#"{{{base},"value":5.6}}"#);
    assert!(serde_json::from_str::<Figure>(&number).is_err());
    // An unknown precision is refused.
    let bad = r#"{"subject":"S","property":"p","value":"5","precision":"roughly","unit":"USD","as_stated":"5"}"#;
    assert!(serde_json::from_str::<Figure>(bad).is_err());
    let good = format!(r#"{{{base},"value":"5.6"}}"#);
    let g: Figure = serde_json::from_str(&good).unwrap();
    assert_eq!(g.validate(), Ok(()));
}

#[test]
fn validate_catches_bad_values_and_ranges() {
    let ok = figure("S", "p", None, "$5.6M");
    assert_eq!(ok.validate(), Ok(()));
    for bad in [
        "05", "5.60", "1e6", "", "-0", "5.", ".5", "+5", "5,6", " 5", "NaN",
    ] {
        let f = Figure {
            value: bad.into(),
            ..ok.clone()
        };
        assert_eq!(
            f.validate(),
            Err(FigureError::BadValue {
                field: "value",
                value: bad.into()
            }),
            "{bad:?}"
        );
    }
    for (field, f) in [
        (
            "subject",
            Figure {
                subject: " ".into(),
                ..ok.clone()
            },
        ),
        (
            "property",
            Figure {
                property: "".into(),
                ..ok.clone()
            },
        ),
        (
            "as_stated",
            Figure {
                as_stated: "".into(),
                ..ok.clone()
            },
        ),
        (
            "scope",
            Figure {
                scope: Some("".into()),
                ..ok.clone()
            },
        ),
    ] {
        assert_eq!(f.validate(), Err(FigureError::EmptyField(field)));
    }
    for unit in [
        "usd",
        "dollars",
        "count:",
        "unit:",
        "count:two words",
        "H800",
    ] {
        let f = Figure {
            unit: unit.into(),
            ..ok.clone()
        };
        assert_eq!(
            f.validate(),
            Err(FigureError::BadUnit(unit.into())),
            "{unit}"
        );
    }
    for unit in ["JPY", "count", "count:H800", "unit:%", "unit:GPU-h"] {
        let f = Figure {
            unit: unit.into(),
            ..ok.clone()
        };
        assert_eq!(f.validate(), Ok(()), "{unit}");
    }

    let range = figure("S", "p", None, "2,000-3,000 GPUs");
    assert_eq!(range.validate(), Ok(()));
    let is_range_err = |f: Figure| matches!(f.validate(), Err(FigureError::BadRange(_)));
    assert!(is_range_err(Figure {
        upper: None,
        ..range.clone()
    }));
    assert!(is_range_err(Figure {
        lower: None,
        ..range.clone()
    }));
    assert!(is_range_err(Figure {
        lower: Some("4000".into()),
        value: "4000".into(),
        ..range.clone()
    }));
    assert!(is_range_err(Figure {
        value: "2500".into(),
        ..range.clone()
    }));
    assert!(is_range_err(Figure {
        precision: Precision::Exact,
        ..range.clone()
    }));
    assert!(is_range_err(Figure {
        upper: Some("9".into()),
        ..ok.clone()
    }));
    assert_eq!(
        Figure {
            upper: Some("03000".into()),
            ..range.clone()
        }
        .validate(),
        Err(FigureError::BadValue {
            field: "upper",
            value: "03000".into()
        })
    );
    // A range may be a single point.
    let point = Figure {
        upper: Some("2000".into()),
        ..range.clone()
    };
    assert_eq!(point.validate(), Ok(()));
    // validate() does not re-parse what was stated.
    let tool = Figure {
        as_stated: "a bit over five million".into(),
        ..ok.clone()
    };
    assert_eq!(tool.validate(), Ok(()));
    // Errors say what is wrong.
    let msg = Figure {
        value: "1e6".into(),
        ..ok
    }
    .validate()
    .unwrap_err()
    .to_string();
    assert!(
        msg.contains("\"1e6\"") && msg.contains("normalized decimal"),
        "{msg}"
    );
}

#[test]
fn compare_figures() {
    let deepseek = figure("DeepSeek-V3", "training_cost", None, "$5.6M");
    let critic = figure("DeepSeek-V3", "training_cost", None, "$500M+");
    assert_eq!(compare(&deepseek, &critic), Comparison::DifferentValue);
    assert_eq!(compare(&critic, &deepseek), Comparison::DifferentValue);

    let run = figure(
        "DeepSeek-V3",
        "training_cost",
        Some("final training run"),
        "$5.6M",
    );
    let hardware = figure(
        "DeepSeek-V3",
        "training_cost",
        Some("total hardware spend"),
        "$500M+",
    );
    assert_eq!(compare(&run, &hardware), Comparison::DifferentScope);
    assert_eq!(compare(&run, &deepseek), Comparison::DifferentScope);
    let run2 = figure(
        " deepseek-v3 ",
        "Training_Cost",
        Some("Final training run "),
        "$5.576M",
    );
    assert_eq!(compare(&run, &run2), Comparison::DifferentValue);
    assert_eq!(
        compare(
            &run,
            &figure(
                "DeepSeek-V3",
                "training_cost",
                Some("final training run"),
                "about $5.6M"
            )
        ),
        Comparison::Agrees
    );

    let about = figure("DeepSeek-V3", "gpu_count", None, "about 2,000 GPUs");
    let exact = figure("DeepSeek-V3", "gpu_count", None, "2,048 GPUs");
    assert_eq!(compare(&about, &exact), Comparison::Agrees);
    assert_eq!(compare(&exact, &about), Comparison::Agrees);

    // Units, subjects, properties.
    let h800 = figure("DeepSeek-V3", "gpu_count", None, "2 048 puces Nvidia H800");
    assert_eq!(compare(&exact, &h800), Comparison::DifferentUnit);
    assert_eq!(
        compare(
            &deepseek,
            &figure("DeepSeek-V3", "training_cost", None, "€5.6M")
        ),
        Comparison::DifferentUnit
    );
    assert_eq!(
        compare(
            &deepseek,
            &figure("DeepSeek-R1", "training_cost", None, "$5.6M")
        ),
        Comparison::Unrelated
    );
    assert_eq!(
        compare(
            &deepseek,
            &figure("DeepSeek-V3", "gpu_count", None, "2,048 H800")
        ),
        Comparison::Unrelated
    );
    let lower_thing = Figure {
        unit: "count:h800".into(),
        ..h800.clone()
    };
    assert_eq!(compare(&h800, &lower_thing), Comparison::Agrees);

    // "about" is ±10%, bounds included.
    let gpus = |s: &str| figure("X", "gpu_count", None, s);
    let a = gpus("about 2,000 GPUs");
    for (stated, want) in [
        ("1,800 GPUs", Comparison::Agrees),
        ("2,200 GPUs", Comparison::Agrees),
        ("1,799 GPUs", Comparison::DifferentValue),
        ("2,201 GPUs", Comparison::DifferentValue),
        ("about 2,400 GPUs", Comparison::Agrees),
        ("about 2,500 GPUs", Comparison::DifferentValue),
        ("at least 2,200 GPUs", Comparison::Agrees),
        ("more than 2,201 GPUs", Comparison::DifferentValue),
        ("at most 1,800 GPUs", Comparison::Agrees),
        ("up to 1,000 GPUs", Comparison::DifferentValue),
        ("2,100-3,000 GPUs", Comparison::Agrees),
        ("2,300-3,000 GPUs", Comparison::DifferentValue),
    ] {
        assert_eq!(compare(&a, &gpus(stated)), want, "about 2,000 vs {stated}");
        assert_eq!(compare(&gpus(stated), &a), want, "{stated} vs about 2,000");
    }
    // Intervals.
    assert_eq!(
        compare(&gpus("at least 10,000 GPUs"), &gpus("at most 10,000 GPUs")),
        Comparison::Agrees
    );
    assert_eq!(
        compare(&gpus("at least 10,001 GPUs"), &gpus("at most 10,000 GPUs")),
        Comparison::DifferentValue
    );
    assert_eq!(
        compare(&gpus("at least 1 GPU"), &gpus("over 5 GPUs")),
        Comparison::Agrees
    );
    assert_eq!(
        compare(&gpus("2,000-3,000 GPUs"), &gpus("3,000-4,000 GPUs")),
        Comparison::Agrees
    );
    assert_eq!(
        compare(&gpus("2,000-3,000 GPUs"), &gpus("3,001-4,000 GPUs")),
        Comparison::DifferentValue
    );
    // Negative "about": [1.1·v, 0.9·v].
    let pct = |s: &str| figure("X", "margin", None, s);
    assert_eq!(
        compare(&pct("about -10%"), &pct("-11%")),
        Comparison::Agrees
    );
    assert_eq!(compare(&pct("about -10%"), &pct("-9%")), Comparison::Agrees);
    assert_eq!(
        compare(&pct("about -10%"), &pct("-8.9%")),
        Comparison::DifferentValue
    );
    // Unvalidated values never agree, and never panic.
    let broken = Figure {
        value: "five".into(),
        ..exact.clone()
    };
    assert_eq!(compare(&exact, &broken), Comparison::DifferentValue);
    let no_bounds = Figure {
        precision: Precision::Range,
        ..exact.clone()
    };
    assert_eq!(compare(&exact, &no_bounds), Comparison::DifferentValue);
}

#[test]
fn compare_decimal_is_exact() {
    use Ordering::*;
    for (a, b, want) in [
        ("5600000", "500000000", Less),
        ("2.5", "2.49999999999999999999", Greater),
        ("-1", "0", Less),
        ("-10", "-9.99", Less),
        ("0.1", "0.1", Equal),
        (
            "123456789012345678901234567890",
            "123456789012345678901234567891",
            Less,
        ),
        ("0.30000000000000000001", "0.3", Greater),
    ] {
        assert_eq!(compare_decimal(a, b), Some(want), "{a} vs {b}");
        assert_eq!(compare_decimal(b, a), Some(want.reverse()), "{b} vs {a}");
    }
    for bad in ["05", "5.60", "1e6", "", "-0", "abc"] {
        assert_eq!(compare_decimal(bad, "1"), None, "{bad:?}");
        assert_eq!(compare_decimal("1", bad), None, "{bad:?}");
    }
}

fn english_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn french_thousands(n: u64) -> String {
    english_thousands(n).replace(',', "\u{202F}")
}

proptest! {
    #[test]
    fn parsing_never_panics(s in any::<String>()) {
        let _ = parse_as_stated(&s);
    }

    #[test]
    fn parsing_figure_like_text_never_panics(s in "[0-9 ,.\u{A0}$€¥£~%+kKmMbB-]{0,16}( ?(GPUs|H800|puces|millions de dollars|to|et|à|bn))?") {
        if let Ok(q) = parse_as_stated(&s) {
            let f = Figure::from_as_stated("S", "p", None, &s);
            prop_assert!(f.is_ok(), "{s:?} parsed to {q:?} but made no valid figure");
        }
    }

    #[test]
    fn english_thousands_read_back(n in any::<u64>()) {
        let text = english_thousands(n);
        let q = parse_as_stated(&text).unwrap();
        prop_assert_eq!(&q.value, &n.to_string());
        prop_assert_eq!(q.unit.as_str(), "count");
        prop_assert_eq!(q.precision, Precision::Exact);
        let q = parse_as_stated(&format!("about {text} GPUs")).unwrap();
        prop_assert_eq!(&q.value, &n.to_string());
        prop_assert_eq!(q.unit.as_str(), "count:GPU");
        let q = parse_as_stated(&format!("${text}")).unwrap();
        prop_assert_eq!(&q.value, &n.to_string());
    }

    #[test]
    fn french_thousands_read_back(n in any::<u64>()) {
        let q = parse_as_stated(&format!("{} puces Nvidia H800", french_thousands(n))).unwrap();
        prop_assert_eq!(&q.value, &n.to_string());
        prop_assert_eq!(q.unit.as_str(), "count:H800");
    }

    #[test]
    fn compare_decimal_matches_integers(a in any::<i64>(), b in any::<i64>(), sa in 0u32..6, sb in 0u32..6) {
        // a / 10^sa against b / 10^sb, both written as normalized decimals.
        fn write(v: i64, scale: u32) -> String {
            let digits = v.unsigned_abs().to_string();
            let scale = scale as usize;
            let padded = format!("{digits:0>width$}", width = scale + 1);
            let (int, frac) = padded.split_at(padded.len() - scale);
            let frac = frac.trim_end_matches('0');
            let body = if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") };
            if v < 0 { format!("-{body}") } else { body }
        }
        let (x, y) = (write(a, sa), write(b, sb));
        let want = (i128::from(a) * 10i128.pow(sb)).cmp(&(i128::from(b) * 10i128.pow(sa)));
        prop_assert_eq!(compare_decimal(&x, &y), Some(want), "{} vs {}", x, y);
    }

    #[test]
    fn compare_never_panics(v in "\\PC{0,12}", w in "-?[0-9]{1,4}(\\.[0-9]{0,3})?", p in 0usize..5) {
        let precisions = [Precision::Exact, Precision::About, Precision::AtLeast, Precision::AtMost, Precision::Range];
        let a = Figure {
            subject: "S".into(), property: "p".into(), scope: None, value: v.clone(),
            precision: precisions[p], lower: Some(w.clone()), upper: Some(v), unit: "count".into(), as_stated: "x".into(),
        };
        let b = Figure { value: w, precision: Precision::About, lower: None, upper: None, ..a.clone() };
        let _ = compare(&a, &b);
        let _ = compare(&b, &a);
        let _ = a.validate();
    }
}
