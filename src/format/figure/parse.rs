//! Parsing wording as stated ("$5.6M", "2 048 puces Nvidia H800") into a [`Quantity`].
//!
//! The rules it follows are the contract in the `figure` module docs: change both together.

use super::compare::Dec;
use super::lex::{
    ABOUT, AT_LEAST, AT_MOST, Cur, FILLER, Scale, Tk, Tok, currency_code, currency_word, is_french,
    is_reserved, lex, scale_word, symbol_currency,
};
use super::{FigureError, Precision, Quantity};
use std::cmp::Ordering;

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

/// Why a parse failed (the wording is added by [`parse_as_stated`]).
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Fail {
    Junk,
    Ambiguous(String),
}

pub(super) type R<T> = Result<T, Fail>;

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
pub(super) struct Num {
    pub(super) int: String,
    pub(super) frac: String,
}

/// Read a lexed number under the separator rules of the module docs. `whole_count`: the
/// number counts a named thing and has no scale word, so it cannot have a fraction.
pub(super) fn interpret(raw: &str, french: bool, whole_count: bool) -> R<Num> {
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

pub(super) enum Noun {
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
pub(super) fn noun_phrase(words: &[(&str, &str)]) -> R<Noun> {
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
