//! Reading ClaimReview JSON-LD — one object, an array, or a schema.org DataFeed
//! (`dataFeedElement`, each element a ClaimReview or a DataFeedItem whose `item` holds them) —
//! into claims and rated statements signed by the importing key.
//!
//! Each item is checked on its own (size, nesting, Google's required properties, the payload
//! rules of FORMAT.md §5), so one bad item is named by its position and the others still go
//! in, unless the import is strict.

use crate::error::{Error, Result};
use crate::format::entry::{Kind, Payload, SignedEntry, Target};
use crate::format::keys::SigningKey;
use crate::format::payload::{Claim, Party, PartyType, Rating, Source, Stance, Statement, is_url};
use crate::format::time;
use crate::ledger::prove::SignedCheckpoint;
use crate::ledger::settings::Setting;
use crate::ledger::{Ledger, store};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// Largest item accepted, in bytes of its JSON text. A ClaimReview is a few KiB; its payloads
/// are at most 64 KiB each.
pub const MAX_ITEM_BYTES: usize = 256 * 1024;
/// Deepest nesting of arrays and objects accepted in one item (a DataFeedItem holding a
/// ClaimReview with its Claim, appearances and their publishers needs 7).
pub const MAX_ITEM_DEPTH: usize = 32;

/// How to import.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportReviewOptions {
    /// All or nothing: when any item is bad, nothing is written.
    pub strict: bool,
}

/// An item that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadItem {
    /// Where it is in the input: `$` (the one object), `[3]` (an array element),
    /// `dataFeedElement[3]` or `dataFeedElement[3].item[0]`; indexes are 0-based.
    pub position: String,
    /// What is wrong.
    pub reason: String,
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ReviewImportReport {
    /// ClaimReview items found (good and bad).
    pub items: usize,
    /// Claims appended.
    pub claims_added: u64,
    /// Rated statements appended.
    pub statements_added: u64,
    /// Good reviews whose rated statement was already in the ledger (a re-import).
    pub already_present: u64,
    /// Items not imported.
    pub bad: Vec<BadItem>,
    /// The checkpoint signed after the import, when entries were written and the operator key
    /// is loaded.
    pub checkpoint: Option<SignedCheckpoint>,
}

/// One good review, as the payloads it becomes (each with its canonical bytes).
struct Review {
    claim: (Payload, Vec<u8>),
    statement: (Payload, Vec<u8>),
}

impl Ledger {
    /// Import ClaimReview JSON-LD from `input`: one claim per distinct `claimReviewed` +
    /// `itemReviewed` (an identical claim already in the ledger is reused) and one rated
    /// statement per review, signed by `key` now, with the review's `url` as its source and
    /// review URL. A statement identical to one already about the same claim is skipped, so
    /// importing the same input twice adds nothing. Everything is appended in one transaction.
    ///
    /// Bad items are listed in the report; with `strict`, any bad item means nothing is
    /// written. Input that is not JSON, or neither an object nor an array, is an error and
    /// changes nothing.
    pub fn import_claim_reviews(
        &mut self,
        input: &[u8],
        key: &SigningKey,
        opts: ImportReviewOptions,
    ) -> Result<ReviewImportReport> {
        let default_author = self.setting(Setting::PublisherName)?;
        let items = split(input)?;
        let mut report = ReviewImportReport {
            items: items.len(),
            ..Default::default()
        };
        let mut reviews = Vec::new();
        for (position, raw) in items {
            match review(raw.get(), default_author.as_deref()) {
                Ok(r) => reviews.push(r),
                Err(reason) => report.bad.push(BadItem { position, reason }),
            }
        }
        if opts.strict && !report.bad.is_empty() {
            return Ok(report);
        }

        // What is already here: claims by payload bytes, statements by (target, payload bytes).
        let mut claims: HashMap<Vec<u8>, Target> = HashMap::new();
        let mut statements: HashSet<(u64, Vec<u8>)> = HashSet::new();
        for row in store::rows(&self.store.conn, 0, u64::MAX)? {
            // A withheld payload matches nothing: its bytes are gone.
            let Some(payload) = row.payload else {
                continue;
            };
            if row.kind == Kind::Claim.as_str() {
                let leaf_hash = row
                    .leaf_hash
                    .as_slice()
                    .try_into()
                    .map_err(|_| Error::Corrupt(format!("entry {}: leaf hash", row.idx)))?;
                claims.insert(
                    payload,
                    Target {
                        index: row.idx,
                        leaf_hash,
                    },
                );
            } else if let (true, Some(t)) = (row.kind == Kind::Statement.as_str(), row.target_idx) {
                statements.insert((t, payload));
            }
        }

        let mut next = self.size()?;
        let mut batch = Vec::new();
        for r in reviews {
            let target = match claims.get(&r.claim.1) {
                Some(t) => *t,
                None => {
                    let signed = SignedEntry::sign(r.claim.0, None, key)?;
                    let t = Target {
                        index: next,
                        leaf_hash: signed.envelope().leaf_hash(),
                    };
                    next += 1;
                    batch.push(signed);
                    report.claims_added += 1;
                    claims.insert(r.claim.1, t);
                    t
                }
            };
            if !statements.insert((target.index, r.statement.1)) {
                report.already_present += 1;
                continue;
            }
            batch.push(SignedEntry::sign(r.statement.0, Some(target), key)?);
            next += 1;
            report.statements_added += 1;
        }
        if !batch.is_empty() {
            let done = self.append_batch(batch)?;
            report.checkpoint = done.into_iter().last().and_then(|a| a.checkpoint);
        }
        Ok(report)
    }
}

/// The ClaimReview items of the input, each with its position, as raw JSON text (so a deep or
/// huge item is refused on its own, not by the parser for the whole input).
fn split(input: &[u8]) -> Result<Vec<(String, Box<RawValue>)>> {
    let not = |what: String| Error::ClaimReviewInput(what);
    let text = std::str::from_utf8(input).map_err(|e| not(format!("not UTF-8: {e}")))?;
    let parse_err = |e: serde_json::Error| not(format!("not JSON: {e}"));
    match text.trim_start().as_bytes().first() {
        Some(b'[') => {
            let items: Vec<Box<RawValue>> = serde_json::from_str(text).map_err(parse_err)?;
            Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, r)| (format!("[{i}]"), r))
                .collect())
        }
        Some(b'{') => {
            let top: HashMap<String, Box<RawValue>> =
                serde_json::from_str(text).map_err(parse_err)?;
            let Some(elements) = top.get("dataFeedElement") else {
                let whole = RawValue::from_string(text.trim().to_string()).map_err(parse_err)?;
                return Ok(vec![("$".into(), whole)]);
            };
            let elements: Vec<Box<RawValue>> = serde_json::from_str(elements.get())
                .map_err(|e| not(format!("dataFeedElement must be an array: {e}")))?;
            let mut out = Vec::new();
            for (i, element) in elements.into_iter().enumerate() {
                let position = format!("dataFeedElement[{i}]");
                // A DataFeedItem wraps its ClaimReviews in `item`; anything else is an item.
                let inner = (check_size_and_depth(element.get()).is_ok())
                    .then(|| serde_json::from_str::<HashMap<String, Box<RawValue>>>(element.get()))
                    .and_then(Result::ok)
                    .filter(|m| m.contains_key("item") && !m.contains_key("claimReviewed"))
                    .and_then(|mut m| m.remove("item"));
                match inner {
                    Some(item) if item.get().trim_start().starts_with('[') => {
                        let list: Vec<Box<RawValue>> =
                            serde_json::from_str(item.get()).map_err(parse_err)?;
                        for (j, r) in list.into_iter().enumerate() {
                            out.push((format!("{position}.item[{j}]"), r));
                        }
                    }
                    Some(item) => out.push((format!("{position}.item"), item)),
                    None => out.push((position, element)),
                }
            }
            Ok(out)
        }
        _ => Err(not(
            "expected a ClaimReview object, an array of them, or a DataFeed with dataFeedElement"
                .into(),
        )),
    }
}

/// Refuse an item bigger than [`MAX_ITEM_BYTES`] or nested deeper than [`MAX_ITEM_DEPTH`].
fn check_size_and_depth(raw: &str) -> std::result::Result<(), String> {
    if raw.len() > MAX_ITEM_BYTES {
        return Err(format!(
            "item is {} bytes; the limit is {MAX_ITEM_BYTES} bytes",
            raw.len()
        ));
    }
    // The text is valid JSON (the splitter parsed it), so brackets outside strings nest.
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for b in raw.bytes() {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, false, _) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b'[' | b'{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, _, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_ITEM_DEPTH {
        return Err(format!(
            "item is nested {deepest} levels deep; the limit is {MAX_ITEM_DEPTH}"
        ));
    }
    Ok(())
}

/// One item as a claim and a rated statement, or why not.
fn review(raw: &str, default_author: Option<&str>) -> std::result::Result<Review, String> {
    check_size_and_depth(raw)?;
    let v: Value = serde_json::from_str(raw).map_err(|e| format!("not JSON: {e}"))?;
    let m = v.as_object().ok_or("not a JSON object")?;
    if let Some(t) = m.get("@type") {
        let is_review = match t {
            Value::String(s) => s == "ClaimReview",
            Value::Array(a) => a.iter().any(|s| s == "ClaimReview"),
            _ => false,
        };
        if !is_review {
            return Err(format!("@type is {t}, not ClaimReview"));
        }
    }
    let claim_reviewed = text(m, "claimReviewed")?
        .filter(|s| !s.trim().is_empty())
        .ok_or("missing claimReviewed (the claim, as reviewed)")?;
    let rating = one_object(m, "reviewRating")?.ok_or("missing reviewRating")?;
    let label = text(rating, "alternateName")?
        .filter(|s| !s.trim().is_empty())
        .ok_or("reviewRating has no alternateName (the verdict as published, e.g. \"False\")")?;
    let url = text(m, "url")?.ok_or("missing url (the published fact-check)")?;
    if !is_url(&url) {
        return Err(format!("url {url:?} is not an http(s) URL"));
    }
    let speaker = match one_object(m, "author")? {
        Some(a) => party(a, "author")?,
        None => Party {
            name: default_author
                .ok_or("missing author (or set the ledger's publisher.name)")?
                .to_string(),
            party_type: PartyType::Organization,
            same_as: None,
        },
    };
    let rating = Rating {
        value: integer(rating, "ratingValue")?,
        best: integer(rating, "bestRating")?,
        worst: integer(rating, "worstRating")?,
        review_url: Some(url.clone()),
        label,
    };
    let item = one_object(m, "itemReviewed")?;
    let empty = Map::new();
    let item = item.unwrap_or(&empty);
    let claimant = match one_object(item, "author")? {
        Some(a) => party(a, "itemReviewed.author")?,
        None => Party {
            name: "unknown".into(),
            party_type: PartyType::Unnamed,
            same_as: None,
        },
    };
    let mut sources = Vec::new();
    for key in ["appearance", "firstAppearance"] {
        for work in list(item, key) {
            let s = source(work, &format!("itemReviewed.{key}"))?;
            if !sources.contains(&s) {
                sources.push(s);
            }
        }
    }
    let claim = Claim {
        text: claim_reviewed,
        claimant,
        claimed_on: date(item, "datePublished", "itemReviewed.")?,
        sources,
        subjects: Vec::new(),
        figures: Vec::new(),
    };
    let statement_text = ["reviewBody", "name", "headline"]
        .into_iter()
        .map(|k| text(m, k))
        .collect::<std::result::Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .find(|s| !s.trim().is_empty())
        .unwrap_or_else(|| format!("Rated {}", rating.label));
    let statement = Statement {
        stance: stance_of(&rating),
        text: statement_text,
        speaker,
        stated_on: date(m, "datePublished", "")?,
        sources: vec![Source {
            url,
            ..Default::default()
        }],
        figures: Vec::new(),
        rating: Some(rating),
    };
    let as_payload = |kind: Kind, what: &str, v: Value| {
        Payload::from_value(kind, v).map_err(|e| format!("{what}: {e}"))
    };
    Ok(Review {
        claim: as_payload(Kind::Claim, "claim", Payload::Claim(claim).to_value())?,
        statement: as_payload(
            Kind::Statement,
            "statement",
            Payload::Statement(statement).to_value(),
        )?,
    })
}

/// The stance a verdict takes toward the claim: the common labels for true and false, else
/// the ends of a numeric scale; anything in between qualifies the claim.
fn stance_of(r: &Rating) -> Stance {
    const TRUE: &[&str] = &["true", "correct", "accurate", "vrai", "exact", "verdadero"];
    const FALSE: &[&str] = &[
        "false",
        "incorrect",
        "wrong",
        "fake",
        "pants on fire",
        "faux",
        "falso",
    ];
    let label = r.label.trim().to_lowercase();
    if TRUE.contains(&label.as_str()) || (r.value.is_some() && r.value == r.best) {
        Stance::Supports
    } else if FALSE.contains(&label.as_str()) || (r.value.is_some() && r.value == r.worst) {
        Stance::Contests
    } else {
        Stance::Qualifies
    }
}

/// An optional text property (`null` is absent).
fn text(m: &Map<String, Value>, key: &str) -> std::result::Result<Option<String>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("{key} must be text, not {other}")),
    }
}

/// An optional property holding one object (an array of one is accepted).
fn one_object<'a>(
    m: &'a Map<String, Value>,
    key: &str,
) -> std::result::Result<Option<&'a Map<String, Value>>, String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(Value::Array(a)) if a.len() == 1 && a[0].is_object() => Ok(a[0].as_object()),
        Some(_) => Err(format!("{key} must be one object")),
    }
}

/// A property holding one value or an array of them, as a list.
fn list<'a>(m: &'a Map<String, Value>, key: &str) -> Vec<&'a Value> {
    match m.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
    }
}

/// An integer rating number; schema.org allows text, so "4" is read as 4.
fn integer(m: &Map<String, Value>, key: &str) -> std::result::Result<Option<i64>, String> {
    let bad = |v: &Value| {
        format!("reviewRating.{key} {v} is not an integer (ledger ratings are integers)")
    };
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Number(n)) => n
            .as_i64()
            .filter(|i| i.unsigned_abs() <= crate::format::encoding::MAX_SAFE_INTEGER)
            .map(Some)
            .ok_or_else(|| bad(v)),
        Some(v @ Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad(v)),
        Some(v) => Err(bad(v)),
    }
}

/// A date property as `YYYY-MM-DD` (a date-time keeps its date).
fn date(
    m: &Map<String, Value>,
    key: &str,
    path: &str,
) -> std::result::Result<Option<String>, String> {
    match text(m, key)? {
        None => Ok(None),
        Some(d) => match d.get(..10).filter(|p| time::is_date(p)) {
            Some(day) => Ok(Some(day.to_string())),
            None => Err(format!("{path}{key} {d:?} is not a date (YYYY-MM-DD)")),
        },
    }
}

/// A schema.org Person or Organization as a party.
fn party(m: &Map<String, Value>, path: &str) -> std::result::Result<Party, String> {
    let name = text(m, "name")?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| format!("{path} has no name"))?;
    let party_type = match m.get("@type").and_then(Value::as_str) {
        Some("Organization") | Some("NewsMediaOrganization") | Some("GovernmentOrganization") => {
            PartyType::Organization
        }
        Some("Person") => PartyType::Person,
        _ => PartyType::Unnamed,
    };
    let same_as = list(m, "sameAs")
        .into_iter()
        .find_map(|v| v.as_str().map(str::to_string));
    Ok(Party {
        name,
        party_type,
        same_as,
    })
}

/// A CreativeWork (or a bare URL) where the claim appeared, as a source.
fn source(v: &Value, path: &str) -> std::result::Result<Source, String> {
    let m = match v {
        Value::String(u) => {
            return Ok(Source {
                url: u.clone(),
                ..Default::default()
            });
        }
        Value::Object(m) => m,
        _ => return Err(format!("{path} must be a CreativeWork or a URL")),
    };
    let url = text(m, "url")?.ok_or_else(|| format!("{path} has no url"))?;
    let publisher = match one_object(m, "publisher")? {
        Some(p) => text(p, "name")?,
        None => text(m, "publisher")?,
    };
    let title = match text(m, "headline")? {
        Some(t) => Some(t),
        None => text(m, "name")?,
    };
    Ok(Source {
        url,
        title,
        publisher,
        published: date(m, "datePublished", &format!("{path}."))?,
        archive_url: text(m, "archivedAt")?,
        ..Default::default()
    })
}
