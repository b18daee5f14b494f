//! How entries, histories and tables look: JSON objects (a documented contract) and text.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use claimledger::format::figure::{Comparison, compare};
use claimledger::ledger::keybook::KeyBook;
use claimledger::ledger::{FigureStatement, History};
use claimledger::{
    ConsistencyProof, Entry, Figure, InclusionProof, Party, Payload, Rating, SignedCheckpoint,
    Source, VerifyingKey, Withheld,
};
use serde_json::{Value, json};
use std::fmt::{self, Display, Write as _};

/// Text from entries, receipts, files or arguments, made safe to show on a terminal.
///
/// Every human-readable output passes such text through `Shown` (or [`ShownLines`]); `--json`
/// output never does. C0 controls, DEL, C1 controls and the Unicode bidi controls (U+202A–U+202E,
/// U+2066–U+2069) are written as visible escapes — `\t`, `\n`, `\r`, else `\u{hex}` as in
/// `\u{1b}` — so stored text cannot move the cursor, erase a line, retitle the window or reorder
/// what a line says (docs/CLI.md, "Text from entries on a terminal"). `{:#}` is passed on (for
/// anyhow's error chains).
pub struct Shown<T>(pub T);

/// [`Shown`] for multi-line text: newlines are kept, everything else is escaped alike.
pub struct ShownLines<T>(pub T);

/// Does `c` change what a terminal shows, rather than show a character?
pub fn is_terminal_control(c: char) -> bool {
    c.is_control()
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A `fmt::Write` that escapes terminal controls on their way to `out`.
struct Escaper<'a, 'b> {
    out: &'a mut fmt::Formatter<'b>,
    keep_newlines: bool,
}

impl fmt::Write for Escaper<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut safe_from = 0;
        for (at, c) in s.char_indices() {
            if !is_terminal_control(c) || (self.keep_newlines && c == '\n') {
                continue;
            }
            self.out.write_str(&s[safe_from..at])?;
            match c {
                '\t' => self.out.write_str("\\t")?,
                '\n' => self.out.write_str("\\n")?,
                '\r' => self.out.write_str("\\r")?,
                _ => write!(self.out, "\\u{{{:x}}}", c as u32)?,
            }
            safe_from = at + c.len_utf8();
        }
        self.out.write_str(&s[safe_from..])
    }
}

fn write_escaped(
    f: &mut fmt::Formatter<'_>,
    value: &dyn Display,
    keep_newlines: bool,
) -> fmt::Result {
    let alternate = f.alternate();
    let mut w = Escaper {
        out: f,
        keep_newlines,
    };
    if alternate {
        write!(w, "{value:#}")
    } else {
        write!(w, "{value}")
    }
}

impl<T: Display> Display for Shown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, &self.0, false)
    }
}

impl<T: Display> Display for ShownLines<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, &self.0, true)
    }
}

pub use super::table::table;

/// The checkpoint object of docs/CLI.md (`checkpoint --json`).
pub fn checkpoint_json(cp: &SignedCheckpoint, log_key: &VerifyingKey) -> Value {
    json!({
        "origin": cp.checkpoint.origin,
        "size": cp.checkpoint.size,
        "root": hex::encode(cp.checkpoint.root),
        "root_base64": B64.encode(cp.checkpoint.root),
        "note": cp.note,
        "log_vkey": log_key.to_string(),
    })
}

/// `prove inclusion --json`.
pub fn inclusion_json(p: &InclusionProof) -> Value {
    json!({
        "index": p.index, "tree_size": p.tree_size,
        "leaf_hash": hex::encode(p.leaf_hash), "root": hex::encode(p.root),
        "proof": p.proof.iter().map(hex::encode).collect::<Vec<_>>(),
    })
}

/// `prove consistency --json`.
pub fn consistency_json(p: &ConsistencyProof) -> Value {
    json!({
        "old_size": p.old_size, "new_size": p.new_size,
        "old_root": hex::encode(p.old_root), "new_root": hex::encode(p.new_root),
        "proof": p.proof.iter().map(hex::encode).collect::<Vec<_>>(),
    })
}

/// The entry object of docs/CLI.md.
pub fn entry_json(e: &Entry, recorder: &str) -> Value {
    let env = e.envelope();
    json!({
        "index": e.index(),
        "leaf_hash": hex::encode(e.leaf_hash()),
        "kind": env.kind().as_str(),
        "recorded_at": env.recorded_at(),
        "signer": env.signer().to_string(),
        "recorder": recorder,
        "target": env.target().map(|t| json!({"index": t.index, "leaf_hash": hex::encode(t.leaf_hash)})),
        "payload": e.signed().payload_json(),
        "withheld": e.withheld().map(withheld_json),
    })
}

/// What stands in for a withheld payload: `{"redaction", "category", "text"}`, where `text` is
/// the sentence every reader is shown ("withheld by redaction #N (category)").
pub fn withheld_json(w: &Withheld) -> Value {
    let mut v = w.to_value();
    v["text"] = json!(w.to_string());
    v
}

fn party(p: &Party) -> String {
    let t = serde_json::to_value(p.party_type)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    format!("{} ({t})", Shown(&p.name))
}

fn short(h: &[u8]) -> String {
    hex::encode(&h[..4.min(h.len())])
}

pub fn figure_text(f: &Figure) -> String {
    let value = match (&f.lower, &f.upper) {
        (Some(l), Some(u)) => format!("{l}–{u}"),
        _ => f.value.clone(),
    };
    let precision = match serde_json::to_value(f.precision) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    };
    let scope = f
        .scope
        .as_deref()
        .map(|s| format!(" [{}]", Shown(s)))
        .unwrap_or_default();
    format!(
        "{}.{}{scope} = {} {} ({precision}), stated \"{}\"",
        Shown(&f.subject),
        Shown(&f.property),
        Shown(value),
        Shown(&f.unit),
        Shown(&f.as_stated)
    )
}

fn sources_text(out: &mut String, indent: &str, sources: &[Source]) {
    for s in sources {
        let mut line = format!("{indent}source: {}", Shown(&s.url));
        if let Some(t) = &s.title {
            let _ = write!(line, " — {}", Shown(t));
        }
        if let Some(p) = &s.publisher {
            let _ = write!(line, " ({}", Shown(p));
            if let Some(d) = &s.published {
                let _ = write!(line, ", {}", Shown(d));
            }
            line.push(')');
        }
        out.push_str(&line);
        out.push('\n');
        if let Some(q) = &s.quote {
            let _ = writeln!(out, "{indent}  quote: \"{}\"", Shown(q));
        }
        if let Some(a) = &s.archive_url {
            let _ = writeln!(out, "{indent}  archive: {}", Shown(a));
        }
    }
}

/// A rating on one line: `False (1 on 1..5) · https://…`.
pub fn rating_text(r: &Rating) -> String {
    let mut out = r.label.clone();
    match (r.value, r.worst, r.best) {
        (Some(v), Some(w), Some(b)) => {
            let _ = write!(out, " ({v} on {w}..{b})");
        }
        (Some(v), _, _) => {
            let _ = write!(out, " ({v})");
        }
        _ => {}
    }
    if let Some(u) = &r.review_url {
        let _ = write!(out, " · {u}");
    }
    out
}

/// A multi-line human rendering of one entry, each line prefixed by `indent`.
pub fn entry_text(e: &Entry, recorder: &str, indent: &str) -> String {
    let env = e.envelope();
    let mut out = String::new();
    match e.payload() {
        None => {
            let about = env
                .target()
                .map(|t| format!(" about #{}", t.index))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{indent}#{} {}{about} — {}",
                e.index(),
                env.kind().as_str(),
                e.withheld().map(Withheld::to_string).unwrap_or_default()
            );
        }
        Some(Payload::Redaction(r)) => {
            let _ = writeln!(
                out,
                "{indent}#{} redaction of #{} ({})",
                e.index(),
                env.target().map(|t| t.index).unwrap_or_default(),
                r.category
            );
            let _ = writeln!(out, "{indent}  reason: {}", r.reason);
        }
        Some(Payload::Claim(c)) => {
            let _ = writeln!(
                out,
                "{indent}#{} claim by {}{}",
                e.index(),
                party(&c.claimant),
                c.claimed_on
                    .as_deref()
                    .map(|d| format!(" on {}", Shown(d)))
                    .unwrap_or_default()
            );
            let _ = writeln!(out, "{indent}  \"{}\"", Shown(&c.text));
            if !c.subjects.is_empty() {
                let _ = writeln!(out, "{indent}  subjects: {}", Shown(c.subjects.join(", ")));
            }
            sources_text(&mut out, &format!("{indent}  "), &c.sources);
            for f in &c.figures {
                let _ = writeln!(out, "{indent}  figure: {}", figure_text(f));
            }
        }
        Some(Payload::Statement(s)) => {
            let _ = writeln!(
                out,
                "{indent}#{} {} #{} — {}{}",
                e.index(),
                s.stance.as_str(),
                env.target().map(|t| t.index).unwrap_or_default(),
                party(&s.speaker),
                s.stated_on
                    .as_deref()
                    .map(|d| format!(" on {}", Shown(d)))
                    .unwrap_or_default()
            );
            let _ = writeln!(out, "{indent}  \"{}\"", Shown(&s.text));
            if let Some(r) = &s.rating {
                let _ = writeln!(out, "{indent}  rating: {}", Shown(rating_text(r)));
            }
            sources_text(&mut out, &format!("{indent}  "), &s.sources);
            for f in &s.figures {
                let _ = writeln!(out, "{indent}  figure: {}", figure_text(f));
            }
        }
        Some(Payload::Key(k)) => {
            let action = serde_json::to_value(k.action)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{indent}#{} key {action}: {} ({}) {}",
                e.index(),
                Shown(&k.name),
                Shown(&k.role),
                Shown(&k.vkey)
            );
            if let Some(r) = &k.reason {
                let _ = writeln!(out, "{indent}  reason: {}", Shown(r));
            }
        }
    }
    let _ = writeln!(
        out,
        "{indent}  recorded by {} at {} · leaf {}",
        Shown(recorder),
        Shown(env.recorded_at()),
        short(&e.leaf_hash())
    );
    out
}

/// The name a grant gave whoever signed `e`.
pub fn recorder(book: &KeyBook, e: &Entry) -> String {
    book.recorder_name(e.envelope().signer())
}

/// The entry object, with its recorder's name from `book`.
pub fn entry_json_in(book: &KeyBook, e: &Entry) -> Value {
    entry_json(e, &recorder(book, e))
}

/// `history --json`: the claim and its statements as entry objects.
pub fn history_json(h: &History, book: &KeyBook) -> Value {
    json!({
        "claim": entry_json_in(book, &h.claim),
        "statements": h.statements.iter().map(|e| entry_json_in(book, e)).collect::<Vec<_>>(),
    })
}

/// A claim and its statements as a tree: each statement drawn under the entry it is about
/// (its target), siblings in index order, with guide lines so that a reader never takes a
/// statement for a reply to the sibling drawn above it (issue #17).
pub fn history_text(h: &History, book: &KeyBook) -> String {
    let mut out = entry_text(&h.claim, &recorder(book, &h.claim), "");
    let in_history: std::collections::HashSet<u64> = std::iter::once(h.claim.index())
        .chain(h.statements.iter().map(Entry::index))
        .collect();
    let mut replies: std::collections::BTreeMap<u64, Vec<&Entry>> = Default::default();
    for s in &h.statements {
        // A history holds only statements reached through targets; a target outside it would
        // be a bug, and is drawn under the claim rather than dropped.
        let target = s
            .envelope()
            .target()
            .map(|t| t.index)
            .filter(|t| in_history.contains(t))
            .unwrap_or(h.claim.index());
        replies.entry(target).or_default().push(s);
    }
    draw_replies(&mut out, h.claim.index(), "", &replies, book);
    if h.statements.is_empty() {
        out.push_str("(no statements about it yet)\n");
    }
    out
}

/// Draw the statements about `parent` (and, below each, the statements about it).
fn draw_replies(
    out: &mut String,
    parent: u64,
    prefix: &str,
    replies: &std::collections::BTreeMap<u64, Vec<&Entry>>,
    book: &KeyBook,
) {
    let Some(children) = replies.get(&parent) else {
        return;
    };
    for (i, s) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        let (branch, guide) = if last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        for (n, line) in entry_text(s, &recorder(book, s), "").lines().enumerate() {
            let lead = if n == 0 { branch } else { guide };
            let _ = writeln!(out, "{prefix}{lead}{line}");
        }
        draw_replies(out, s.index(), &format!("{prefix}{guide}"), replies, book);
    }
}

/// The `{"name", "key_id", "vkey", "path"}` object of `key generate` and `key show`.
pub fn key_json(vk: &claimledger::VerifyingKey, path: &std::path::Path) -> Value {
    json!({"name": vk.name(), "key_id": vk.key_id().to_string(), "vkey": vk.to_string(), "path": path})
}

/// How a stated figure compares with the first claimed value of the same subject/property.
pub fn comparison_label(c: Comparison) -> &'static str {
    match c {
        Comparison::Agrees => "agrees",
        Comparison::DifferentValue => "different value",
        Comparison::DifferentScope => "different scope",
        Comparison::DifferentUnit => "different unit",
        Comparison::Unrelated => "unrelated",
    }
}

fn comparison_code(c: Comparison) -> &'static str {
    match c {
        Comparison::Agrees => "agrees",
        Comparison::DifferentValue => "different_value",
        Comparison::DifferentScope => "different_scope",
        Comparison::DifferentUnit => "different_unit",
        Comparison::Unrelated => "unrelated",
    }
}

/// For each row, its comparison with the first claimed figure of the same subject and property
/// (None for that first figure itself, or when no claim states one).
pub fn comparisons(rows: &[FigureStatement]) -> Vec<Option<Comparison>> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let base = rows.iter().enumerate().find(|(_, b)| {
                b.stance == "claims" && compare(&b.figure, &r.figure) != Comparison::Unrelated
            });
            match base {
                Some((j, b)) if j != i => Some(compare(&b.figure, &r.figure)),
                _ => None,
            }
        })
        .collect()
}

pub fn figures_json(rows: &[FigureStatement]) -> Value {
    let cmp = comparisons(rows);
    Value::Array(
        rows.iter()
            .zip(cmp)
            .map(|(r, c)| {
                let f = &r.figure;
                json!({
                    "subject": f.subject, "property": f.property, "scope": f.scope,
                    "value": f.value, "precision": f.precision, "lower": f.lower, "upper": f.upper,
                    "unit": f.unit, "as_stated": f.as_stated, "index": r.index,
                    "speaker": r.speaker, "stance": r.stance,
                    "rating": r.rating.as_ref().map(|r| r.label.as_str()),
                    "comparison": c.map(comparison_code),
                })
            })
            .collect(),
    )
}

pub fn figures_table(rows: &[FigureStatement]) -> String {
    let cmp = comparisons(rows);
    let header = [
        "#",
        "subject",
        "property",
        "scope",
        "value",
        "unit",
        "precision",
        "as stated",
        "speaker",
        "stance",
        "rating",
        "vs claim",
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .zip(cmp)
        .map(|(r, c)| {
            let f = &r.figure;
            let value = match (&f.lower, &f.upper) {
                (Some(l), Some(u)) => format!("{l}–{u}"),
                _ => f.value.clone(),
            };
            vec![
                r.index.to_string(),
                f.subject.clone(),
                f.property.clone(),
                f.scope.clone().unwrap_or_else(|| "-".into()),
                value,
                f.unit.clone(),
                match serde_json::to_value(f.precision) {
                    Ok(Value::String(s)) => s,
                    _ => String::new(),
                },
                f.as_stated.clone(),
                r.speaker.clone(),
                r.stance.clone(),
                r.rating.as_ref().map_or("-".into(), |r| r.label.clone()),
                c.map(comparison_label).unwrap_or("-").to_string(),
            ]
        })
        .collect();
    // The rating column only when some statement is rated: an empty column costs a narrow
    // terminal its readable layout (`--json` always has the member).
    const RATING: usize = 10;
    if rows.iter().any(|r| r.rating.is_some()) {
        table(&header, &body)
    } else {
        let mut header = header.to_vec();
        header.remove(RATING);
        let body: Vec<Vec<String>> = body
            .into_iter()
            .map(|mut row| {
                row.remove(RATING);
                row
            })
            .collect();
        table(&header, &body)
    }
}

pub fn print_json(v: &Value) -> anyhow::Result<()> {
    out!(
        "{}",
        serde_json::to_string_pretty(v).expect("serde_json values always serialize")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Shown, ShownLines};

    #[test]
    fn terminal_controls_are_shown_as_escapes() {
        let text = "a\tb\nc\rd\u{1b}[2K\u{7f}\u{9b}\u{202e}\u{2066}\u{2069}é✓\\";
        assert_eq!(
            Shown(text).to_string(),
            "a\\tb\\nc\\rd\\u{1b}[2K\\u{7f}\\u{9b}\\u{202e}\\u{2066}\\u{2069}é✓\\"
        );
        assert_eq!(ShownLines("x\ny\u{1b}").to_string(), "x\ny\\u{1b}");
        let err = anyhow::anyhow!("inner \u{1b}").context("outer\r");
        assert_eq!(format!("{:#}", Shown(&err)), "outer\\r: inner \\u{1b}");
    }
}
