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
//! [`compare`](fn@compare) says how figure `b` stands against figure `a`: `Unrelated` (subject or
//! property differ, compared trimmed and case-insensitively), `DifferentScope` (scopes differ
//! the same way; no scope differs from any scope), `DifferentUnit` (units differ; the thing
//! of a `count:` unit is compared case-insensitively), `DifferentValue` (the quantities do
//! not overlap), else `Agrees`. Each quantity is an interval compared exactly: `exact v` is
//! `[v, v]`; `about v` is `[0.9·v, 1.1·v]` (±10%, bounds included); `at_least v` is
//! `[v, ∞)`; `at_most v` is `(-∞, v]`; `range` is `[lower, upper]`. Values that are not
//! normalized decimals cannot be shown to agree and give `DifferentValue`.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

// The parser and the comparison are long and private in their details; they live in submodules
// and their public items are re-exported here, so every path stays `figure::<item>`.
mod compare;
mod lex;
mod parse;
#[cfg(test)]
mod tests;

use compare::Dec;
pub use compare::{Comparison, compare, compare_decimal};
pub use parse::parse_as_stated;

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
