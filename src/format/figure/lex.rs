//! Lexing as-stated text into tokens, and the vocabulary the parser matches tokens against.

// ---------------------------------------------------------------------------------------
// Lexing
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Tk {
    /// Digits with `,` `.` and ` ` separators, as lexed.
    Num(String),
    /// A word as written (a trailing `.` dropped) and lower-cased.
    Word(String, String),
    Sym(char),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Tok {
    pub(super) tk: Tk,
    /// No whitespace between this token and the previous one.
    pub(super) glued: bool,
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
pub(super) fn lex(text: &str) -> Option<Vec<Tok>> {
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
pub(super) enum Cur {
    Code(&'static str),
    /// A bare "¥": yuan or yen.
    Yen,
}

pub(super) fn currency_code(lower: &str) -> Option<&'static str> {
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
pub(super) fn currency_word(lower: &str) -> Option<&'static str> {
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

pub(super) fn symbol_currency(c: char) -> Option<Cur> {
    match c {
        '$' => Some(Cur::Code("USD")),
        '€' => Some(Cur::Code("EUR")),
        '£' => Some(Cur::Code("GBP")),
        '¥' => Some(Cur::Yen),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Scale {
    pub(super) exp: usize,
    /// a lower-case "m" or "b": refused on a bare number
    pub(super) bare_letter: bool,
    /// "billion": 10⁹ in English, 10¹² in French
    pub(super) billion: bool,
}

pub(super) fn scale_word(text: &str) -> Option<Scale> {
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

pub(super) const ABOUT: &[&[&str]] = &[
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

pub(super) const AT_LEAST: &[&[&str]] = &[
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

pub(super) const AT_MOST: &[&[&str]] = &[
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

pub(super) const FILLER: &[&[&str]] = &[&["only"], &["just"], &["seulement"]];

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

pub(super) fn is_reserved(lower: &str) -> bool {
    CONNECTORS.contains(&lower)
        || FRENCH.contains(&lower)
        || currency_word(lower).is_some()
        || scale_word(lower).is_some()
        || [ABOUT, AT_LEAST, AT_MOST, FILLER]
            .iter()
            .any(|table| table.iter().any(|phrase| phrase.contains(&lower)))
}

pub(super) fn is_french(toks: &[Tok]) -> bool {
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
