//! Figures: quantities with identity, and parsing what people wrote ("$5.6M", "2 048 puces Nvidia H800").
//!
//! A [`Figure`] is one stated quantity about something: *what* it is about (`subject`,
//! `property`, optional `scope`), the normalized quantity (`value`, `precision`, `lower`,
//! `upper`, `unit`) and the wording exactly as stated (`as_stated`). There are no floats
//! anywhere: every number is a decimal string matching `-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?`
//! (no leading zeros, no trailing fractional zeros, and zero is `"0"`, never `"-0"`), and all
//! arithmetic is exact decimal arithmetic on digit strings.
//!
//! # Units
//!
//! A unit is one of:
//! - an ISO 4217 currency code: three ASCII uppercase letters (`"USD"`, `"EUR"`, `"CNY"`);
//! - `"count"` (a bare number, nothing named) or `"count:<thing>"` (`"count:H800"`,
//!   `"count:GPU"`); the thing is non-empty and has no whitespace or control characters;
//! - `"unit:<code>"` (`"unit:%"`, `"unit:h"`, `"unit:GPU-h"`), same rule for the code.
//!
//! # What [`parse_as_stated`] reads (the contract)
//!
//! The general shape is
//! `[qualifier] [currency] number [scale] [currency | %] [+] [thing] [or more]`, or a range
//! `[between|entre|from|de] side (-|to|à|and|et) side [thing]`. Anything else is refused
//! with [`FigureError::Unparseable`], whose message lists the accepted forms. Where a
//! reading would be a guess that could change the magnitude, the parser refuses with
//! [`FigureError::Ambiguous`] and says how to write it unambiguously.
//!
//! **Characters.** No-break spaces (U+00A0, U+202F, U+2007, U+2009) count as spaces; the
//! dashes U+2010–U+2014 and the minus sign U+2212 count as `-`; `’` counts as `'`. Words are
//! matched case-insensitively (except the one-letter scales below). A final `.` is ignored.
//!
//! **French context.** The text is read as French when it contains a French word (`de`,
//! `des`, `du`, `d'…`, `millions de`, `milliard(s)`, `Md`, `puces`, `environ`, `près de`,
//! `quelque`, `entre`, `et`, `à`, `au moins`, `jusqu'à`, `moins de`, `mille`, `graphiques`,
//! `cartes`, `heures`, `pour cent`, `ou plus`, …) or a `€` written after the number
//! (`"5,6 M€"`). Otherwise it is read as English.
//!
//! **Numbers.** Digits with separators `,` `.` and single spaces:
//! - a space followed by exactly three digits is a thousands separator in any context
//!   (`"2 048"`, `"1 234 567"`), provided the first group has one to three digits;
//! - two or more of the same mark, each followed by exactly three digits, are thousands
//!   separators (`"1,234,567"`, `"1.234.567"`); other repeated marks are junk (`"1,2,3"`);
//! - both marks: the last one, occurring once, is the decimal mark and the other groups
//!   thousands (`"1,234.5"`, `"1.234,5"`);
//! - a lone `,` or `.` followed by exactly three digits (first group 1–3 digits, not starting
//!   with 0) could separate thousands or mark decimals. It is read as thousands in a count of
//!   a named thing with no scale word, where a fraction is no reading at all
//!   (`"2,048 H800"`, `"2.048 puces"`, `"2,048 puces"` = 2048). Otherwise: in English a comma
//!   separates thousands (`"$1,234"` = 1234) and a dot is a decimal point (`"$1.234M"` =
//!   1,234,000); in French context either mark is **ambiguous** and refused
//!   (`"5,600 millions de dollars"`, `"1.234 milliard d'euros"`: write `"5 600"`, `"1 234"`);
//! - after space-separated groups, one `,` or `.` is the decimal mark (`"1 234,5 €"`), except
//!   that in English a comma before exactly three digits (`"2 048,000"`) is refused;
//! - any other single `,` or `.` can only be a decimal mark, and is read as one
//!   (`"5,6 millions"`, `"5.6M"`, `"12,5 %"`).
//!
//! **Scales.** `k`/`K`/`thousand(s)`/`mille`/`millier(s)` = 10³;
//! `M`/`MM`/`m`/`mn`/`mln`/`mio`/`million(s)` = 10⁶; `B`/`b`/`bn`/`bln`/`billion(s)`/
//! `milliard(s)`/`Md`/`Mds`/`Mrd` = 10⁹; `T`/`tn`/`trillion(s)` = 10¹². A bare number with
//! only a lower-case `m` or `b` (`"5m"`) is refused (metres? bytes?). `billion` in French
//! context is refused as ambiguous (10¹² in French, 10⁹ in English). Scales do not combine
//! with `%`.
//!
//! **Currencies**, before or after the number: `$`, `US$`, `USD`, `dollar(s)`,
//! `US dollars`, `dollars US`, `dollars américains` → USD (a bare `$` or "dollars" is read as
//! US dollars); `€`, `EUR`, `euro(s)` → EUR; `£`, `GBP`, `pound(s)`, `sterling`,
//! `livres sterling` → GBP; `CN¥`, `CNY`, `RMB`, `yuan`, `renminbi` → CNY; `JP¥`, `JPY`,
//! `yen` → JPY; also the codes CHF, CAD, AUD, HKD, INR, KRW, SGD, TWD. French `de dollars`,
//! `d'euros` work. A bare `¥` is **refused as ambiguous** (yuan and yen both use it) unless
//! the text also names `yuan`/`CNY` or `yen`/`JPY`. Two different currencies are junk.
//!
//! **Qualifiers** (before the number):
//! - `about`, `around`, `approximately`, `approx.`, `roughly`, `nearly`, `almost`, `some`,
//!   `circa`, `ca.`, `an estimated`, `estimated`, `~`, `≈`, `environ`, `près de`,
//!   `quelque(s)`, `autour de`, `presque`, `approximativement` → `about`;
//! - `at least`, `more than`, `over`, `above`, `no less than`, `in excess of`,
//!   `upwards of`, `plus de`, `au moins`, `au minimum`, `minimum`, `>`, `>=`, `≥`, and `+`
//!   right after the number or a trailing `or more`/`ou plus` (`"$500M+"`) → `at_least`;
//! - `at most`, `up to`, `less than`, `fewer than`, `under`, `below`, `no more than`,
//!   `jusqu'à`, `moins de`, `au plus`, `au maximum`, `maximum`, `max`, `<`, `<=`, `≤` →
//!   `at_most`.
//!
//! Strictness is not modelled: "more than 10,000" is `at_least` 10000. `only`, `just`
//! and `seulement` in front are ignored.
//!
//! **Ranges**: `"2,000-3,000"`, `"2,000 to 3,000"`, `"2 000 à 3 000"`,
//! `"between 2,000 and 3,000"`, `"entre 2 000 et 3 000"`, `"from $5M to $6M"`,
//! `"de 2 à 3 milliards"`. If only the upper bound has a scale it applies to both
//! (`"$5-6M"` = 5,000,000–6,000,000); a scale on the lower bound alone is junk. The lower
//! bound must not exceed the upper. An approximation word in front of a range is absorbed
//! (the range already says it is imprecise); `at least`/`at most`/`+` with a range is junk.
//! A range's `value` is its lower bound.
//!
//! **Percentages**: `%`, `percent`, `per cent`, `pct`, `pour cent` → `unit:%`. **Hours**:
//! `h`, `hour(s)`, `hr(s)`, `heure(s)` → `unit:h`; with `GPU` (`GPU hours`, `GPU-hours`,
//! `GPU-h`, `heures GPU`, `H800 GPU hours`) → `unit:GPU-h` (a chip model there is dropped).
//!
//! **Counted things** (the words after the number, when there is no currency or `%`):
//! - brands (`Nvidia`, `AMD`, `Intel`, `Huawei`) are dropped;
//! - a *model token* is a word that mixes ASCII letters and digits (`H800`, `A100s`,
//!   `MI300X`): if there is one, it is the counted thing, upper-cased, a plural `s` after a
//!   digit dropped (`"2 048 puces Nvidia H800"` → `count:H800`); two model tokens, or a model
//!   token with an unknown word, are junk;
//! - otherwise the first generic noun names it: `GPU(s)` → `GPU`; `chip(s)`/`puce(s)` →
//!   `chip`; `card(s)`/`carte(s)` → `card`; `accelerator(s)`/`accélérateur(s)` →
//!   `accelerator`; `processor(s)`/`processeur(s)` → `processor`; with `graphics`/
//!   `graphique(s)` a chip, card or processor is a `GPU` (`"puces graphiques"`);
//! - otherwise one other alphabetic word is the thing, lower-cased (`"10,000 employees"` →
//!   `count:employees`); more words (`"5 million people in France"`) are junk;
//! - no words: `count`.
//!
//! A word glued to the number must be a scale, a currency or `h` (`"12abc"`, `"2048H800"`
//! are junk). A count of a named thing must be a whole number, and counts are not negative;
//! negative amounts and percentages are read (`"-3.5%"`). A currency, a percentage and a
//! counted thing exclude one another (`"$2 per GPU hour"` is junk).
//!
//! # Comparing
//!
//! [`compare`] says how figure `b` stands against figure `a`: `Unrelated` (subject or
//! property differ, compared trimmed and case-insensitively), `DifferentScope` (scopes differ
//! the same way; no scope differs from any scope), `DifferentUnit` (units differ; the thing
//! of a `count:` unit is compared case-insensitively), `DifferentValue` (the quantities do
//! not overlap), else `Agrees`. Each quantity is an interval compared exactly: `exact v` is
//! `[v, v]`; `about v` is `[0.9·v, 1.1·v]` (±10%, bounds included); `at_least v` is
//! `[v, ∞)`; `at_most v` is `(-∞, v]`; `range` is `[lower, upper]`. Values that are not
//! normalized decimals cannot be shown to agree and give `DifferentValue`.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// The forms every parse error lists, each of which [`parse_as_stated`] reads.
pub const ACCEPTED_FORMS: &str = r#""$5.6M", "$5.6 million", "5,6 millions de dollars", "€1.2bn", "2,048 H800", "2 048 puces Nvidia H800", "50k H100", "about 2,000 GPUs", "at least 10,000 GPUs", "2,000-3,000 GPUs""#;

/// One stated quantity about something, with the wording it was stated in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    /// What it is about, e.g. "DeepSeek-V3".
    pub subject: String,
    /// Which quantity, e.g. "training_cost", "gpu_count".
    pub property: String,
    /// What the quantity covers, e.g. "final training run only".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Normalized decimal string; for a range, the lower bound.
    pub value: String,
    /// How the value is meant.
    pub precision: Precision,
    /// Lower bound, only (and always) with [`Precision::Range`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<String>,
    /// Upper bound, only (and always) with [`Precision::Range`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<String>,
    /// Currency code, `count[:thing]` or `unit:<code>` (see the module docs).
    pub unit: String,
    /// The wording exactly as stated.
    pub as_stated: String,
}

/// How a figure's value is meant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Exactly the value.
    Exact,
    /// About the value (±10% when comparing).
    About,
    /// The value or more.
    AtLeast,
    /// The value or less.
    AtMost,
    /// Between `lower` and `upper`, inclusive.
    Range,
}

/// A normalized quantity, as read from wording by [`parse_as_stated`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quantity {
    /// Normalized decimal string; for a range, the lower bound.
    pub value: String,
    /// How the value is meant.
    pub precision: Precision,
    /// Lower bound of a range.
    pub lower: Option<String>,
    /// Upper bound of a range.
    pub upper: Option<String>,
    /// Currency code, `count[:thing]` or `unit:<code>`.
    pub unit: String,
}

/// How figure b stands against figure a (see [`compare`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Same subject, property, scope and unit, and the quantities overlap.
    Agrees,
    /// Same subject, property, scope and unit, but the quantities do not overlap.
    DifferentValue,
    /// Same subject and property, different scope.
    DifferentScope,
    /// Same subject, property and scope, different unit.
    DifferentUnit,
    /// Different subject or property.
    Unrelated,
}

/// What is wrong with a figure or its wording.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FigureError {
    /// The wording is not one the parser reads.
    #[error("cannot read {0:?} as a figure; accepted forms: {forms}", forms = ACCEPTED_FORMS)]
    Unparseable(String),
    /// The wording has more than one plausible reading; the parser does not guess.
    #[error("cannot read {text:?} as a figure: {detail}; accepted forms: {forms}", forms = ACCEPTED_FORMS)]
    Ambiguous {
        /// the wording
        text: String,
        /// why it is ambiguous and how to write it
        detail: String,
    },
    /// A required text field is empty (or only whitespace).
    #[error("figure field `{0}` must not be empty")]
    EmptyField(&'static str),
    /// A number field is not a normalized decimal string.
    #[error(
        "figure field `{field}` is {value:?}, not a normalized decimal string (like \"5600000\", \"2.5\" or \"-3\": no leading zeros, no trailing fractional zeros, no exponent)"
    )]
    BadValue {
        /// `value`, `lower` or `upper`
        field: &'static str,
        /// what it holds
        value: String,
    },
    /// The unit is not in the unit grammar.
    #[error(
        "figure unit {0:?} is not an ISO 4217 code (\"USD\"), \"count\", \"count:<thing>\" or \"unit:<code>\""
    )]
    BadUnit(String),
    /// `lower`/`upper` do not fit the precision, or are out of order.
    #[error("figure range: {0}")]
    BadRange(String),
}

/// Parse the wording as stated into a normalized quantity.
///
/// See the module documentation for the forms read and the rules applied.
pub fn parse_as_stated(text: &str) -> Result<Quantity, FigureError> {
    parse_inner(text).map_err(|f| match f {
        Fail::Junk => FigureError::Unparseable(text.to_string()),
        Fail::Ambiguous(detail) => FigureError::Ambiguous {
            text: text.to_string(),
            detail,
        },
    })
}

impl Figure {
    /// Build a figure from wording: parse it, keep `as_stated` verbatim, trim the names.
    pub fn from_as_stated(
        subject: &str,
        property: &str,
        scope: Option<&str>,
        as_stated: &str,
    ) -> Result<Figure, FigureError> {
        let q = parse_as_stated(as_stated)?;
        let figure = Figure {
            subject: subject.trim().to_string(),
            property: property.trim().to_string(),
            scope: scope.map(|s| s.trim().to_string()),
            value: q.value,
            precision: q.precision,
            lower: q.lower,
            upper: q.upper,
            unit: q.unit,
            as_stated: as_stated.to_string(),
        };
        figure.validate()?;
        Ok(figure)
    }

    /// Check a figure received as JSON: non-empty subject/property/as_stated (and scope when
    /// present), value grammar, lower/upper present iff range (and lower <= upper, value ==
    /// lower), unit grammar. Does NOT re-parse as_stated (tools may state things we can't
    /// parse).
    pub fn validate(&self) -> Result<(), FigureError> {
        for (name, text) in [
            ("subject", &self.subject),
            ("property", &self.property),
            ("as_stated", &self.as_stated),
        ] {
            if text.trim().is_empty() {
                return Err(FigureError::EmptyField(name));
            }
        }
        if self.scope.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(FigureError::EmptyField("scope"));
        }
        number_field("value", &self.value)?;
        match self.precision {
            Precision::Range => {
                let (Some(lower), Some(upper)) = (&self.lower, &self.upper) else {
                    return Err(FigureError::BadRange(
                        "precision \"range\" needs both `lower` and `upper`".into(),
                    ));
                };
                let lo = number_field("lower", lower)?;
                let hi = number_field("upper", upper)?;
                if lo.cmp_value(&hi) == Ordering::Greater {
                    return Err(FigureError::BadRange(format!(
                        "lower {lower} is above upper {upper}"
                    )));
                }
                if self.value != *lower {
                    return Err(FigureError::BadRange(format!(
                        "value {} must equal lower {lower}",
                        self.value
                    )));
                }
            }
            _ => {
                if self.lower.is_some() || self.upper.is_some() {
                    return Err(FigureError::BadRange(
                        "`lower` and `upper` go only with precision \"range\"".into(),
                    ));
                }
            }
        }
        if !unit_ok(&self.unit) {
            return Err(FigureError::BadUnit(self.unit.clone()));
        }
        Ok(())
    }
}

fn number_field(field: &'static str, value: &str) -> Result<Dec, FigureError> {
    Dec::parse_normalized(value).ok_or_else(|| FigureError::BadValue {
        field,
        value: value.to_string(),
    })
}

fn unit_ok(unit: &str) -> bool {
    if unit.len() == 3 && unit.bytes().all(|b| b.is_ascii_uppercase()) {
        return true;
    }
    if unit == "count" {
        return true;
    }
    match unit
        .strip_prefix("count:")
        .or_else(|| unit.strip_prefix("unit:"))
    {
        Some(rest) => {
            !rest.is_empty() && rest.chars().all(|c| !c.is_whitespace() && !c.is_control())
        }
        None => false,
    }
}

/// How figure b stands against figure a: Unrelated when subject or property differ
/// (case-insensitive, trimmed); DifferentScope when scope differs; DifferentUnit when units
/// differ; DifferentValue when the quantities do not overlap (exact decimals; intervals for
/// at_least/at_most/range; "about" = within ±10%, i.e. `[0.9·v, 1.1·v]`); else Agrees.
pub fn compare(a: &Figure, b: &Figure) -> Comparison {
    if !same_text(&a.subject, &b.subject) || !same_text(&a.property, &b.property) {
        return Comparison::Unrelated;
    }
    let scope = |f: &Figure| {
        f.scope
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase)
    };
    if scope(a) != scope(b) {
        return Comparison::DifferentScope;
    }
    if !same_unit(&a.unit, &b.unit) {
        return Comparison::DifferentUnit;
    }
    match (Interval::of(a), Interval::of(b)) {
        (Some(x), Some(y)) if x.overlaps(&y) => Comparison::Agrees,
        _ => Comparison::DifferentValue,
    }
}

/// Exact decimal comparison of normalized decimal strings (no floats); `None` when either is
/// not a normalized decimal.
pub fn compare_decimal(a: &str, b: &str) -> Option<Ordering> {
    let a = Dec::parse_normalized(a)?;
    let b = Dec::parse_normalized(b)?;
    Some(a.cmp_value(&b))
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn same_unit(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    match (a.strip_prefix("count:"), b.strip_prefix("count:")) {
        (Some(x), Some(y)) => x.to_lowercase() == y.to_lowercase(),
        _ => a == b,
    }
}

/// A closed interval; `None` bounds are infinite.
struct Interval {
    lo: Option<Dec>,
    hi: Option<Dec>,
}

impl Interval {
    fn of(f: &Figure) -> Option<Interval> {
        let v = Dec::parse_normalized(&f.value)?;
        Some(match f.precision {
            Precision::Exact => Interval {
                lo: Some(v.clone()),
                hi: Some(v),
            },
            Precision::About => {
                // 0.9·v and 1.1·v, exactly: multiply the digits, move the point one place.
                let x = v.mul_small(9).div_pow10(1);
                let y = v.mul_small(11).div_pow10(1);
                if x.cmp_value(&y) == Ordering::Greater {
                    Interval {
                        lo: Some(y),
                        hi: Some(x),
                    }
                } else {
                    Interval {
                        lo: Some(x),
                        hi: Some(y),
                    }
                }
            }
            Precision::AtLeast => Interval {
                lo: Some(v),
                hi: None,
            },
            Precision::AtMost => Interval {
                lo: None,
                hi: Some(v),
            },
            Precision::Range => Interval {
                lo: Some(Dec::parse_normalized(f.lower.as_deref()?)?),
                hi: Some(Dec::parse_normalized(f.upper.as_deref()?)?),
            },
        })
    }

    fn overlaps(&self, other: &Interval) -> bool {
        fn le(lo: &Option<Dec>, hi: &Option<Dec>) -> bool {
            match (lo, hi) {
                (Some(l), Some(h)) => l.cmp_value(h) != Ordering::Greater,
                _ => true,
            }
        }
        le(&self.lo, &self.hi)
            && le(&other.lo, &other.hi)
            && le(&self.lo, &other.hi)
            && le(&other.lo, &self.hi)
    }
}

// ---------------------------------------------------------------------------------------
// Exact decimals
// ---------------------------------------------------------------------------------------

/// `±digits × 10^-scale`, kept trimmed: no leading zero digits, no trailing zero digits
/// after the point, zero is `digits = []` and never negative.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Dec {
    neg: bool,
    digits: Vec<u8>,
    scale: usize,
}

impl Dec {
    /// `int.frac × 10^exp`; `int` and `frac` are ASCII digit strings.
    fn from_parts(neg: bool, int: &str, frac: &str, exp: usize) -> Dec {
        let mut digits: Vec<u8> = int
            .bytes()
            .chain(frac.bytes())
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        let f = frac.len();
        let scale = if exp >= f {
            digits.extend(std::iter::repeat_n(0, exp - f));
            0
        } else {
            f - exp
        };
        Dec { neg, digits, scale }.trimmed()
    }

    fn trimmed(mut self) -> Dec {
        while self.scale > 0 && self.digits.last() == Some(&0) {
            self.digits.pop();
            self.scale -= 1;
        }
        let lead = self.digits.iter().take_while(|d| **d == 0).count();
        self.digits.drain(..lead);
        if self.digits.is_empty() {
            self.neg = false;
            self.scale = 0;
        }
        self
    }

    /// Read a string in the normalized grammar; `None` for anything else (including "-0").
    fn parse_normalized(s: &str) -> Option<Dec> {
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if int.len() > 1 && int.starts_with('0') {
            return None;
        }
        if let Some(f) = frac {
            if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) || f.ends_with('0') {
                return None;
            }
        }
        if neg && int == "0" && frac.is_none() {
            return None;
        }
        Some(Dec::from_parts(neg, int, frac.unwrap_or(""), 0))
    }

    fn is_integer(&self) -> bool {
        self.scale == 0
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    fn mul_small(&self, k: u32) -> Dec {
        let mut out: Vec<u8> = Vec::with_capacity(self.digits.len() + 3);
        let mut carry: u32 = 0;
        for d in self.digits.iter().rev() {
            let x = u32::from(*d) * k + carry;
            out.push((x % 10) as u8);
            carry = x / 10;
        }
        while carry > 0 {
            out.push((carry % 10) as u8);
            carry /= 10;
        }
        out.reverse();
        Dec {
            neg: self.neg,
            digits: out,
            scale: self.scale,
        }
        .trimmed()
    }

    fn div_pow10(mut self, n: usize) -> Dec {
        self.scale += n;
        self.trimmed()
    }

    fn cmp_magnitude(&self, other: &Dec) -> Ordering {
        let s = self.scale.max(other.scale);
        let a = self
            .digits
            .iter()
            .copied()
            .chain(std::iter::repeat_n(0, s - self.scale));
        let b = other
            .digits
            .iter()
            .copied()
            .chain(std::iter::repeat_n(0, s - other.scale));
        let la = self.digits.len() + (s - self.scale);
        let lb = other.digits.len() + (s - other.scale);
        // Trimmed: no leading zeros, so the longer digit string is the larger.
        la.cmp(&lb).then_with(|| a.cmp(b))
    }

    fn cmp_value(&self, other: &Dec) -> Ordering {
        let sign = |d: &Dec| -> i8 {
            if d.is_zero() {
                0
            } else if d.neg {
                -1
            } else {
                1
            }
        };
        let (sa, sb) = (sign(self), sign(other));
        if sa != sb {
            return sa.cmp(&sb);
        }
        let m = self.cmp_magnitude(other);
        if sa < 0 { m.reverse() } else { m }
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        if self.neg {
            f.write_str("-")?;
        }
        let digit = |d: &u8| char::from(b'0' + d);
        let n = self.digits.len();
        if self.scale >= n {
            f.write_str("0.")?;
            for _ in 0..self.scale - n {
                f.write_str("0")?;
            }
            self.digits
                .iter()
                .map(digit)
                .try_for_each(|c| f.write_fmt(format_args!("{c}")))
        } else {
            let split = n - self.scale;
            for (i, d) in self.digits.iter().enumerate() {
                if i == split {
                    f.write_str(".")?;
                }
                f.write_fmt(format_args!("{}", digit(d)))?;
            }
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------------------
// Lexing
// ---------------------------------------------------------------------------------------

/// Why a parse failed (the wording is added by [`parse_as_stated`]).
#[derive(Debug, PartialEq, Eq)]
enum Fail {
    Junk,
    Ambiguous(String),
}

type R<T> = Result<T, Fail>;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tk {
    /// Digits with `,` `.` and ` ` separators, as lexed.
    Num(String),
    /// A word as written (a trailing `.` dropped) and lower-cased.
    Word(String, String),
    Sym(char),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Tok {
    tk: Tk,
    /// No whitespace between this token and the previous one.
    glued: bool,
}

const SYMBOLS: &[char] = &[
    '$', '€', '£', '¥', '~', '≈', '%', '+', '-', '<', '>', '≤', '≥', '=',
];

fn norm_char(c: char) -> char {
    match c {
        '\u{00A0}' | '\u{202F}' | '\u{2007}' | '\u{2008}' | '\u{2009}' | '\u{200A}' => ' ',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
        '\u{2019}' | '\u{2018}' | '\u{02BC}' => '\'',
        c if c.is_whitespace() => ' ',
        c => c,
    }
}

fn count_digits(cs: &[char], from: usize) -> usize {
    cs.iter()
        .skip(from)
        .take_while(|c| c.is_ascii_digit())
        .count()
}

fn collect(cs: &[char], from: usize, n: usize) -> String {
    cs.iter().skip(from).take(n).collect()
}

/// A number starting at `start`: `(raw, next index)`.
fn lex_number(cs: &[char], start: usize) -> (String, usize) {
    let first = count_digits(cs, start);
    let mut raw = collect(cs, start, first);
    let mut i = start + first;
    let lead_groupable = first <= 3 && cs.get(start) != Some(&'0');
    let mut only_spaces = true;
    loop {
        match cs.get(i) {
            Some(&sep) if (sep == ',' || sep == '.') && count_digits(cs, i + 1) > 0 => {
                let n = count_digits(cs, i + 1);
                raw.push(sep);
                raw.push_str(&collect(cs, i + 1, n));
                i += 1 + n;
                only_spaces = false;
            }
            Some(' ') if only_spaces && lead_groupable && count_digits(cs, i + 1) == 3 => {
                raw.push(' ');
                raw.push_str(&collect(cs, i + 1, 3));
                i += 4;
            }
            _ => break,
        }
    }
    (raw, i)
}

/// Split text into tokens; `None` when it holds a character no form uses.
fn lex(text: &str) -> Option<Vec<Tok>> {
    let cs: Vec<char> = text.chars().map(norm_char).collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut glued = false;
    while let Some(&c) = cs.get(i) {
        if c == ' ' {
            glued = false;
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            let (raw, next) = lex_number(&cs, i);
            toks.push(Tok {
                tk: Tk::Num(raw),
                glued,
            });
            i = next;
        } else if c.is_alphabetic() {
            let start = i;
            i += 1;
            while let Some(&d) = cs.get(i) {
                if d.is_ascii_digit()
                    && i - start == 3
                    && currency_code(&lower3(&cs, start)).is_some()
                {
                    // "USD5.6M": the code ends where the number starts.
                    break;
                }
                if d.is_alphanumeric() {
                    i += 1;
                } else if (d == '\'' || d == '-')
                    && cs.get(i + 1).is_some_and(|e| e.is_alphabetic())
                {
                    i += 2;
                } else {
                    break;
                }
            }
            let word = collect(&cs, start, i - start);
            // "approx.", "Md.", "GPUs." — a dot closing a word is dropped.
            if cs.get(i) == Some(&'.') && cs.get(i + 1).is_none_or(|e| *e == ' ') {
                i += 1;
            }
            let lower = word.to_lowercase();
            toks.push(Tok {
                tk: Tk::Word(word, lower),
                glued,
            });
        } else if c == '.' && cs.iter().skip(i + 1).all(|e| *e == ' ') {
            // a final full stop
            i += 1;
            continue;
        } else if SYMBOLS.contains(&c) {
            toks.push(Tok {
                tk: Tk::Sym(c),
                glued,
            });
            i += 1;
        } else {
            return None;
        }
        glued = true;
    }
    Some(toks)
}

fn lower3(cs: &[char], start: usize) -> String {
    cs.iter()
        .skip(start)
        .take(3)
        .collect::<String>()
        .to_lowercase()
}

// ---------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cur {
    Code(&'static str),
    /// A bare "¥": yuan or yen.
    Yen,
}

fn currency_code(lower: &str) -> Option<&'static str> {
    Some(match lower {
        "usd" => "USD",
        "eur" => "EUR",
        "gbp" => "GBP",
        "cny" | "rmb" => "CNY",
        "jpy" => "JPY",
        "chf" => "CHF",
        "cad" => "CAD",
        "aud" => "AUD",
        "hkd" => "HKD",
        "inr" => "INR",
        "krw" => "KRW",
        "sgd" => "SGD",
        "twd" => "TWD",
        _ => return None,
    })
}

/// A currency named by one word (codes included), "d'euros" too.
fn currency_word(lower: &str) -> Option<&'static str> {
    let w = lower.strip_prefix("d'").unwrap_or(lower);
    Some(match w {
        "dollar" | "dollars" => "USD",
        "euro" | "euros" => "EUR",
        "pound" | "pounds" | "sterling" => "GBP",
        "yuan" | "yuans" | "renminbi" => "CNY",
        "yen" | "yens" => "JPY",
        _ => return currency_code(w),
    })
}

fn symbol_currency(c: char) -> Option<Cur> {
    match c {
        '$' => Some(Cur::Code("USD")),
        '€' => Some(Cur::Code("EUR")),
        '£' => Some(Cur::Code("GBP")),
        '¥' => Some(Cur::Yen),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Scale {
    exp: usize,
    /// a lower-case "m" or "b": refused on a bare number
    bare_letter: bool,
    /// "billion": 10⁹ in English, 10¹² in French
    billion: bool,
}

fn scale_word(text: &str) -> Option<Scale> {
    let s = |exp| Scale {
        exp,
        bare_letter: false,
        billion: false,
    };
    match text {
        "k" | "K" => return Some(s(3)),
        "M" | "MM" => return Some(s(6)),
        "B" => return Some(s(9)),
        "T" => return Some(s(12)),
        "m" => {
            return Some(Scale {
                bare_letter: true,
                ..s(6)
            });
        }
        "b" => {
            return Some(Scale {
                bare_letter: true,
                ..s(9)
            });
        }
        _ => {}
    }
    match text.to_lowercase().as_str() {
        "thousand" | "thousands" | "mille" | "millier" | "milliers" => Some(s(3)),
        "mn" | "mln" | "mio" | "million" | "millions" => Some(s(6)),
        "bn" | "bln" => Some(s(9)),
        "billion" | "billions" => Some(Scale {
            billion: true,
            ..s(9)
        }),
        "md" | "mds" | "mrd" | "mrds" | "milliard" | "milliards" => Some(s(9)),
        "tn" | "trillion" | "trillions" => Some(s(12)),
        _ => None,
    }
}

const ABOUT: &[&[&str]] = &[
    &["about"],
    &["around"],
    &["approximately"],
    &["approx"],
    &["roughly"],
    &["nearly"],
    &["almost"],
    &["some"],
    &["circa"],
    &["ca"],
    &["an", "estimated"],
    &["estimated"],
    &["environ"],
    &["près", "de"],
    &["pres", "de"],
    &["quelque"],
    &["quelques"],
    &["autour", "de"],
    &["presque"],
    &["approximativement"],
];

const AT_LEAST: &[&[&str]] = &[
    &["at", "least"],
    &["more", "than"],
    &["over"],
    &["above"],
    &["no", "less", "than"],
    &["not", "less", "than"],
    &["in", "excess", "of"],
    &["upwards", "of"],
    &["plus", "de"],
    &["au", "moins"],
    &["au", "minimum"],
    &["minimum"],
];

const AT_MOST: &[&[&str]] = &[
    &["at", "most"],
    &["up", "to"],
    &["less", "than"],
    &["fewer", "than"],
    &["under"],
    &["below"],
    &["no", "more", "than"],
    &["not", "more", "than"],
    &["jusqu'à"],
    &["jusqu'a"],
    &["moins", "de"],
    &["au", "plus"],
    &["au", "maximum"],
    &["maximum"],
    &["max"],
];

const FILLER: &[&[&str]] = &[&["only"], &["just"], &["seulement"]];

/// Words that are never the counted thing.
const CONNECTORS: &[&str] = &[
    "de",
    "des",
    "du",
    "of",
    "and",
    "et",
    "to",
    "à",
    "a",
    "an",
    "or",
    "ou",
    "per",
    "par",
    "pour",
    "in",
    "en",
    "the",
    "le",
    "la",
    "les",
    "un",
    "une",
    "for",
    "with",
    "avec",
    "than",
    "que",
    "plus",
    "moins",
    "more",
    "less",
    "at",
    "most",
    "least",
    "from",
    "between",
    "entre",
    "percent",
    "cent",
    "pct",
    "us",
    "cn",
    "jp",
    "h",
    "hour",
    "hours",
    "hr",
    "hrs",
    "heure",
    "heures",
    "américains",
    "américain",
    "americains",
    "americain",
    "livre",
    "livres",
];

const FRENCH: &[&str] = &[
    "de",
    "des",
    "du",
    "puce",
    "puces",
    "environ",
    "entre",
    "près",
    "pres",
    "quelque",
    "quelques",
    "au",
    "mille",
    "millier",
    "milliers",
    "milliard",
    "milliards",
    "md",
    "mds",
    "mrd",
    "mrds",
    "et",
    "à",
    "graphique",
    "graphiques",
    "carte",
    "cartes",
    "heure",
    "heures",
    "pour",
    "ou",
    "américains",
    "américain",
    "livres",
    "processeur",
    "processeurs",
    "accélérateur",
    "accélérateurs",
    "autour",
    "presque",
    "approximativement",
    "seulement",
    "moins",
];

fn is_reserved(lower: &str) -> bool {
    CONNECTORS.contains(&lower)
        || FRENCH.contains(&lower)
        || currency_word(lower).is_some()
        || scale_word(lower).is_some()
        || [ABOUT, AT_LEAST, AT_MOST, FILLER]
            .iter()
            .any(|table| table.iter().any(|phrase| phrase.contains(&lower)))
}

fn is_french(toks: &[Tok]) -> bool {
    toks.iter().enumerate().any(|(i, t)| match &t.tk {
        Tk::Word(_, lower) => {
            FRENCH.contains(&lower.as_str())
                || lower.starts_with("d'")
                || lower.starts_with("l'")
                || lower.starts_with("jusqu'")
        }
        // A euro sign after the number: "5,6 M€", "1 234,5 €".
        Tk::Sym('€') => {
            i > 0
                && match toks.get(i - 1).map(|p| &p.tk) {
                    Some(Tk::Num(_)) => true,
                    Some(Tk::Word(text, _)) => scale_word(text).is_some(),
                    _ => false,
                }
        }
        _ => false,
    })
}

/// A word glued to a number must be a scale, a currency or "h"; a number glued to a word
/// must follow a currency code ("USD5.6M").
fn check_glued(toks: &[Tok]) -> R<()> {
    let fits = |pair: &[Tok]| match pair {
        [
            Tok { tk: Tk::Num(_), .. },
            Tok {
                tk: Tk::Word(text, lower),
                glued: true,
            },
        ] => {
            scale_word(text).is_some()
                || currency_word(lower).is_some()
                || matches!(lower.as_str(), "h" | "hr" | "hrs")
        }
        [
            Tok {
                tk: Tk::Word(_, lower),
                ..
            },
            Tok {
                tk: Tk::Num(_),
                glued: true,
            },
        ] => currency_code(lower).is_some(),
        _ => true,
    };
    if toks.windows(2).all(fits) {
        Ok(())
    } else {
        Err(Fail::Junk)
    }
}

// ---------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------

#[derive(Debug, PartialEq, Eq)]
struct Num {
    int: String,
    frac: String,
}

/// Read a lexed number under the separator rules of the module docs. `whole_count`: the
/// number counts a named thing and has no scale word, so it cannot have a fraction.
fn interpret(raw: &str, french: bool, whole_count: bool) -> R<Num> {
    let mut groups: Vec<String> = vec![String::new()];
    let mut seps: Vec<char> = Vec::new();
    for c in raw.chars() {
        if c.is_ascii_digit() {
            if let Some(g) = groups.last_mut() {
                g.push(c);
            }
        } else {
            seps.push(c);
            groups.push(String::new());
        }
    }
    if groups.iter().any(String::is_empty) {
        return Err(Fail::Junk);
    }
    let lead = groups.first().cloned().unwrap_or_default();
    let rest: &[String] = groups.get(1..).unwrap_or(&[]);
    let num = |int: String, frac: String| Num { int, frac };
    let Some(&first_sep) = seps.first() else {
        return Ok(num(lead, String::new()));
    };
    let grouped_lead = (1..=3).contains(&lead.len()) && !lead.starts_with('0');
    let threes = |gs: &[String]| gs.iter().all(|g| g.len() == 3);
    let concat = |gs: &[String]| -> String { gs.concat() };

    let spaces = seps.iter().take_while(|c| **c == ' ').count();
    if spaces > 0 {
        let after: &[char] = seps.get(spaces..).unwrap_or(&[]);
        let (thousands, decimal) = rest.split_at_checked(spaces).ok_or(Fail::Junk)?;
        if !grouped_lead || !threes(thousands) || after.contains(&' ') {
            return Err(Fail::Junk);
        }
        let int = format!("{lead}{}", concat(thousands));
        return match decimal {
            [] => Ok(num(int, String::new())),
            [frac] if !french && after == [','] && frac.len() == 3 => {
                Err(Fail::Ambiguous(format!(
                    "in English {raw:?} could end in a decimal comma ({int}.{frac}) or another \
                 thousands group ({int}{frac}); write \"{int}.{frac}\" or \"{int},{frac}\""
                )))
            }
            [frac] => Ok(num(int, frac.clone())),
            _ => Err(Fail::Junk),
        };
    }

    if seps.iter().all(|c| *c == first_sep) {
        let all = format!("{lead}{}", concat(rest));
        if seps.len() >= 2 {
            return if grouped_lead && threes(rest) {
                Ok(num(all, String::new()))
            } else {
                Err(Fail::Junk)
            };
        }
        let frac = rest.first().cloned().unwrap_or_default();
        if grouped_lead && threes(rest) {
            return match (first_sep, french) {
                _ if whole_count => Ok(num(all, String::new())),
                (',', false) => Ok(num(all, String::new())),
                ('.', false) => Ok(num(lead, frac)),
                _ => Err(Fail::Ambiguous(format!(
                    "in French text {raw:?} could be {lead}.{frac} (decimal mark) or {lead}{frac} \
                     (thousands separator); write \"{lead} {frac}\" for {lead}{frac}"
                ))),
            };
        }
        // A single mark that cannot separate thousands is a decimal mark.
        return Ok(num(lead, frac));
    }

    // Both marks: the last, once, is the decimal mark; the others separate thousands.
    let (last_group, thousands) = rest.split_last().ok_or(Fail::Junk)?;
    let (last_sep, others) = seps.split_last().ok_or(Fail::Junk)?;
    if others.contains(last_sep) || !grouped_lead || !threes(thousands) {
        return Err(Fail::Junk);
    }
    Ok(num(
        format!("{lead}{}", concat(thousands)),
        last_group.clone(),
    ))
}

// ---------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prefix {
    None,
    About,
    AtLeast,
    AtMost,
    Between,
    FromTo,
}

/// One number with what is written around it.
struct Side {
    neg: bool,
    raw: String,
    scale: Option<Scale>,
    plus: bool,
}

struct Parser<'t> {
    toks: &'t [Tok],
    pos: usize,
    currencies: Vec<Cur>,
    percent: bool,
}

impl<'t> Parser<'t> {
    fn tok(&self, k: usize) -> Option<&'t Tk> {
        self.toks.get(self.pos + k).map(|t| &t.tk)
    }

    fn lower(&self, k: usize) -> Option<&'t str> {
        match self.tok(k) {
            Some(Tk::Word(_, lower)) => Some(lower.as_str()),
            _ => None,
        }
    }

    fn sym(&self, k: usize) -> Option<char> {
        match self.tok(k) {
            Some(Tk::Sym(c)) => Some(*c),
            _ => None,
        }
    }

    fn glued(&self, k: usize) -> bool {
        self.toks.get(self.pos + k).is_some_and(|t| t.glued)
    }

    fn eat_sym(&mut self, c: char) -> bool {
        let hit = self.sym(0) == Some(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let hit = self.lower(0) == Some(w);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn eat_any(&mut self, table: &[&[&str]]) -> bool {
        for phrase in table {
            if phrase
                .iter()
                .enumerate()
                .all(|(k, w)| self.lower(k) == Some(*w))
            {
                self.pos += phrase.len();
                return true;
            }
        }
        false
    }

    fn prefix(&mut self) -> Prefix {
        match self.sym(0) {
            Some('~' | '≈') => {
                self.pos += 1;
                return Prefix::About;
            }
            Some('>' | '≥') => {
                self.pos += 1;
                self.eat_sym('=');
                return Prefix::AtLeast;
            }
            Some('<' | '≤') => {
                self.pos += 1;
                self.eat_sym('=');
                return Prefix::AtMost;
            }
            _ => {}
        }
        for (table, prefix) in [
            (ABOUT, Prefix::About),
            (AT_LEAST, Prefix::AtLeast),
            (AT_MOST, Prefix::AtMost),
        ] {
            if self.eat_any(table) {
                return prefix;
            }
        }
        if self.eat_word("between") || self.eat_word("entre") {
            return Prefix::Between;
        }
        if self.eat_word("from") || self.eat_word("de") {
            return Prefix::FromTo;
        }
        Prefix::None
    }

    fn currency_prefix(&mut self) -> Option<Cur> {
        if let Some(c) = self.sym(0).and_then(symbol_currency) {
            self.pos += 1;
            return Some(c);
        }
        let w = self.lower(0)?;
        let marked = match (w, self.sym(1)) {
            ("us", Some('$')) => Some("USD"),
            ("cn", Some('¥')) => Some("CNY"),
            ("jp", Some('¥')) => Some("JPY"),
            _ => None,
        };
        if let Some(code) = marked {
            if self.glued(1) {
                self.pos += 2;
                return Some(Cur::Code(code));
            }
        }
        let code = currency_code(w)?;
        self.pos += 1;
        Some(Cur::Code(code))
    }

    fn currency_suffix(&mut self) -> Option<Cur> {
        if let Some(c) = self.sym(0).and_then(symbol_currency) {
            self.pos += 1;
            return Some(c);
        }
        let first = self.lower(0)?;
        let skip = usize::from(first == "de");
        let w = self.lower(skip)?;
        let next = self.lower(skip + 1);
        if w == "us" && matches!(next, Some("dollar" | "dollars")) {
            self.pos += skip + 2;
            return Some(Cur::Code("USD"));
        }
        if matches!(w, "livre" | "livres") && next == Some("sterling") {
            self.pos += skip + 2;
            return Some(Cur::Code("GBP"));
        }
        let code = currency_word(w)?;
        self.pos += skip + 1;
        let qualifier = match w {
            "dollar" | "dollars" => matches!(
                next,
                Some("us" | "américains" | "américain" | "americains" | "americain")
            ),
            "pound" | "pounds" => next == Some("sterling"),
            _ => false,
        };
        if qualifier {
            self.pos += 1;
        }
        Some(Cur::Code(code))
    }

    fn percent_suffix(&mut self) -> bool {
        if self.percent {
            return false;
        }
        let n = if self.sym(0) == Some('%') {
            1
        } else {
            match (self.lower(0), self.lower(1)) {
                (Some("percent" | "pct"), _) => 1,
                (Some("per" | "pour"), Some("cent")) => 2,
                _ => 0,
            }
        };
        if n > 0 {
            self.pos += n;
            self.percent = true;
        }
        n > 0
    }

    fn side(&mut self, french: bool) -> R<Side> {
        let mut neg = false;
        let mut currency = false;
        loop {
            if !neg && self.sym(0) == Some('-') && self.glued(1) {
                self.pos += 1;
                neg = true;
                continue;
            }
            if !currency {
                if let Some(c) = self.currency_prefix() {
                    self.currencies.push(c);
                    currency = true;
                    continue;
                }
            }
            break;
        }
        let raw = match self.tok(0) {
            Some(Tk::Num(raw)) => raw.clone(),
            _ => return Err(Fail::Junk),
        };
        self.pos += 1;
        let mut scale = None;
        if let Some(Tk::Word(text, _)) = self.tok(0) {
            if let Some(s) = scale_word(text) {
                if s.billion && french {
                    return Err(Fail::Ambiguous(
                        "\"billion\" is 10^12 in French but 10^9 in English; write \
                         \"milliard(s)\" for 10^9, or state the figure in English"
                            .into(),
                    ));
                }
                scale = Some(s);
                self.pos += 1;
            }
        }
        let mut plus = false;
        loop {
            if !plus && self.eat_sym('+') {
                plus = true;
                continue;
            }
            if let Some(c) = self.currency_suffix() {
                self.currencies.push(c);
                continue;
            }
            if self.percent_suffix() {
                continue;
            }
            break;
        }
        Ok(Side {
            neg,
            raw,
            scale,
            plus,
        })
    }
}

enum Noun {
    Nothing,
    Count(String),
    Unit(&'static str),
}

fn is_model(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
        && text.chars().any(|c| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn model_name(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if chars.len() > 1 && chars.last() == Some(&'s') {
        let before = chars.len() - 2;
        if chars.get(before).is_some_and(char::is_ascii_digit) {
            chars.pop();
        }
    }
    chars.into_iter().collect::<String>().to_ascii_uppercase()
}

/// The words after the number: what is counted, or an hours unit.
fn noun_phrase(words: &[(&str, &str)]) -> R<Noun> {
    if words.is_empty() {
        return Ok(Noun::Nothing);
    }
    let mut models = Vec::new();
    let mut generic: Option<&'static str> = None;
    let mut unknown: Vec<String> = Vec::new();
    let (mut graphics, mut hours, mut gpu) = (false, false, false);
    for &(text, lower) in words {
        match lower {
            "nvidia" | "nvidia's" | "amd" | "intel" | "huawei" => {}
            "graphics" | "graphique" | "graphiques" => graphics = true,
            "gpu" | "gpus" => {
                gpu = true;
                generic.get_or_insert("GPU");
            }
            "chip" | "chips" | "puce" | "puces" => {
                generic.get_or_insert("chip");
            }
            "card" | "cards" | "carte" | "cartes" => {
                generic.get_or_insert("card");
            }
            "accelerator" | "accelerators" | "accélérateur" | "accélérateurs" | "accelerateur"
            | "accelerateurs" => {
                generic.get_or_insert("accelerator");
            }
            "processor" | "processors" | "processeur" | "processeurs" => {
                generic.get_or_insert("processor");
            }
            "h" | "hour" | "hours" | "hr" | "hrs" | "heure" | "heures" => hours = true,
            "gpu-hour" | "gpu-hours" | "gpu-h" | "gpuh" | "gpu-heure" | "gpu-heures"
            | "heure-gpu" | "heures-gpu" => {
                hours = true;
                gpu = true;
            }
            _ if is_model(text) => models.push(model_name(text)),
            _ if is_reserved(lower) => return Err(Fail::Junk),
            _ if lower
                .chars()
                .all(|c| c.is_alphabetic() || c == '-' || c == '\'') =>
            {
                unknown.push(lower.to_string());
            }
            _ => return Err(Fail::Junk),
        }
    }
    if hours {
        let other_noun = generic.is_some_and(|g| g != "GPU");
        if !unknown.is_empty() || other_noun || graphics {
            return Err(Fail::Junk);
        }
        return Ok(Noun::Unit(if gpu { "GPU-h" } else { "h" }));
    }
    if models.len() > 1 || (!models.is_empty() && !unknown.is_empty()) {
        return Err(Fail::Junk);
    }
    if let Some(model) = models.pop() {
        return Ok(Noun::Count(model));
    }
    if let Some(g) = generic {
        if !unknown.is_empty() {
            return Err(Fail::Junk);
        }
        let g = if graphics && matches!(g, "chip" | "card" | "processor") {
            "GPU"
        } else {
            g
        };
        return Ok(Noun::Count(g.to_string()));
    }
    match unknown.as_slice() {
        [one] if !graphics => Ok(Noun::Count(one.clone())),
        _ => Err(Fail::Junk),
    }
}

fn resolve_currency(curs: &[Cur]) -> R<Option<&'static str>> {
    let mut code: Option<&'static str> = None;
    let mut yen = false;
    for c in curs {
        match c {
            Cur::Yen => yen = true,
            Cur::Code(x) => match code {
                None => code = Some(x),
                Some(y) if y == *x => {}
                Some(_) => return Err(Fail::Junk),
            },
        }
    }
    if yen {
        match code {
            Some("CNY" | "JPY") => {}
            Some(_) => return Err(Fail::Junk),
            None => {
                return Err(Fail::Ambiguous(
                    "\"¥\" stands for both yuan (CNY) and yen (JPY); write \"CN¥\", \"RMB\", \
                     \"CNY\" or \"yuan\", or \"JP¥\", \"JPY\" or \"yen\""
                        .into(),
                ));
            }
        }
    }
    Ok(code)
}

fn parse_inner(text: &str) -> R<Quantity> {
    let toks = lex(text).ok_or(Fail::Junk)?;
    check_glued(&toks)?;
    let french = is_french(&toks);
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        currencies: Vec::new(),
        percent: false,
    };
    p.eat_any(FILLER);
    let prefix = p.prefix();
    let first = p.side(french)?;
    let second = match prefix {
        Prefix::Between => {
            if !(p.eat_word("and") || p.eat_word("et")) {
                return Err(Fail::Junk);
            }
            Some(p.side(french)?)
        }
        Prefix::FromTo => {
            if !(p.eat_word("to") || p.eat_word("à") || p.eat_sym('-')) {
                return Err(Fail::Junk);
            }
            Some(p.side(french)?)
        }
        _ => {
            if p.eat_sym('-') || p.eat_word("to") || p.eat_word("à") {
                Some(p.side(french)?)
            } else {
                None
            }
        }
    };

    // The tail: a counted thing, then perhaps "or more".
    let mut words: Vec<(&str, &str)> = Vec::new();
    for t in toks.get(p.pos..).unwrap_or(&[]) {
        match &t.tk {
            Tk::Word(text, lower) => words.push((text.as_str(), lower.as_str())),
            _ => return Err(Fail::Junk),
        }
    }
    let mut or_more = false;
    if let [.., (_, a), (_, b)] = words.as_slice() {
        if matches!((*a, *b), ("or", "more") | ("ou", "plus")) {
            or_more = true;
            words.truncate(words.len() - 2);
        }
    }
    let noun = noun_phrase(&words)?;

    // Precision.
    let plus = first.plus || or_more;
    let precision = match (&second, prefix) {
        (Some(_), Prefix::AtLeast | Prefix::AtMost) => return Err(Fail::Junk),
        (Some(s2), _) => {
            if plus || s2.plus {
                return Err(Fail::Junk);
            }
            Precision::Range
        }
        (None, Prefix::Between | Prefix::FromTo) => return Err(Fail::Junk),
        (None, prefix) => {
            let base = match prefix {
                Prefix::About => Precision::About,
                Prefix::AtLeast => Precision::AtLeast,
                Prefix::AtMost => Precision::AtMost,
                _ => Precision::Exact,
            };
            if first.plus && or_more {
                return Err(Fail::Junk);
            }
            match (plus, base) {
                (false, base) => base,
                (true, Precision::Exact) => Precision::AtLeast,
                (true, _) => return Err(Fail::Junk),
            }
        }
    };

    // Unit.
    let currency = resolve_currency(&p.currencies)?;
    let stated = usize::from(currency.is_some())
        + usize::from(p.percent)
        + usize::from(!matches!(noun, Noun::Nothing));
    if stated > 1 {
        return Err(Fail::Junk);
    }
    let unit = match (&currency, &noun) {
        (Some(code), _) => (*code).to_string(),
        _ if p.percent => "unit:%".to_string(),
        (None, Noun::Count(thing)) => format!("count:{thing}"),
        (None, Noun::Unit(code)) => format!("unit:{code}"),
        (None, Noun::Nothing) => "count".to_string(),
    };
    let named_count = matches!(noun, Noun::Count(_));
    let is_count = unit == "count" || named_count;

    // Scales.
    let mut lower_scale = first.scale;
    let upper_scale = second.as_ref().and_then(|s| s.scale);
    if second.is_some() {
        match (lower_scale, upper_scale) {
            (None, Some(s)) => lower_scale = Some(s),
            (Some(_), None) => return Err(Fail::Junk),
            _ => {}
        }
    }
    let scales = [lower_scale, upper_scale];
    if p.percent && scales.iter().any(Option::is_some) {
        return Err(Fail::Junk);
    }
    if unit == "count" && scales.iter().flatten().any(|s| s.bare_letter) {
        return Err(Fail::Junk);
    }

    // Values.
    let value_of = |side: &Side, scale: Option<Scale>| -> R<Dec> {
        if side.neg && is_count {
            return Err(Fail::Junk);
        }
        let n = interpret(&side.raw, french, named_count && scale.is_none())?;
        let exp = scale.map_or(0, |s| s.exp);
        let d = Dec::from_parts(side.neg, &n.int, &n.frac, exp);
        if named_count && !d.is_integer() {
            return Err(Fail::Junk);
        }
        Ok(d)
    };
    let lo = value_of(&first, lower_scale)?;
    let (lower, upper) = match &second {
        Some(s2) => {
            let hi = value_of(s2, upper_scale)?;
            if lo.cmp_value(&hi) == Ordering::Greater {
                return Err(Fail::Junk);
            }
            (Some(lo.to_string()), Some(hi.to_string()))
        }
        None => (None, None),
    };
    Ok(Quantity {
        value: lo.to_string(),
        precision,
        lower,
        upper,
        unit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "", "-", "-0", "05", "5.", ".5", "5.60", "1e6", "+5", " 5", "5 ", "1,000", "0.0",
            "--5", "5.6.7", "٣",
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
}
