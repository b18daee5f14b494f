//! ClaimReview JSON-LD (docs/FORMAT.md Appendix A), both ways, pure: rated statements out as
//! schema.org ClaimReview objects (the one builder `claimledger claimreview`,
//! `GET /v1/claims/{ref}/claimreview` and the claim page's `<script type="application/ld+json">`
//! all print), and ClaimReview items (one object, an array, or a schema.org DataFeed) in as the
//! claim and rated statement payloads they become. Property names and required sets follow
//! Google's ClaimReview documentation and schema.org's ClaimReview, Rating and Claim types.
//!
//! Each imported item is checked on its own (size, nesting, Google's required properties, the
//! payload rules of FORMAT.md §5), so one bad item is named by its position and the others can
//! still go in. Recording them is [`crate::Ledger::import_claim_reviews`].

use crate::error::{Error, Result};
use crate::format::entry::{Entry, Kind, Payload};
use crate::format::payload::{Claim, Party, PartyType, Rating, Source, Stance, Statement, is_url};
use crate::format::time;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

// ---- Export (A.1) ---------------------------------------------------------------------------

/// Who publishes the ledger and where: the ledger's settings, read by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Publisher {
    /// `publisher.name`: the `author` of every review; unset, each review's author is the
    /// rated statement's speaker.
    pub name: Option<String>,
    /// `publisher.url`: the author's `url`.
    pub url: Option<String>,
    /// `publisher.ledger_url`: the base of links to entry pages and receipts; unset, links
    /// are relative to the server that serves the ledger (`/v1/receipts/12`).
    pub ledger_url: Option<String>,
    /// Links follow the published layout of `claimledger publish` (FORMAT §18:
    /// `claims/<N>.html#entry-<M>`, `receipt/<N>`) instead of `claimledger serve`'s routes;
    /// unset `ledger_url`, they are relative to a page in `claims/` (`../receipt/000/012`).
    pub static_layout: bool,
}

impl Publisher {
    /// A link to `path` (which starts with `/`) under the ledger URL, or `path` itself (from
    /// a page in `claims/` of a published folder: `..` + `path`).
    fn link(&self, path: &str) -> String {
        match (&self.ledger_url, self.static_layout) {
            (Some(base), _) => format!("{}{path}", base.trim_end_matches('/')),
            (None, false) => path.to_string(),
            (None, true) => format!("..{path}"),
        }
    }

    /// The link to entry `entry`'s place on the page of `claim`.
    fn entry_link(&self, claim: u64, entry: u64) -> String {
        if self.static_layout {
            self.link(&format!("/claims/{claim}.html#entry-{entry}"))
        } else {
            self.link(&format!("/claims/{claim}#entry-{entry}"))
        }
    }

    /// The link a consumer follows to verify entry `e` offline (`claimledger verify-receipt`
    /// or the browser verifier): its receipt, with the leaf hash it must name.
    fn receipt(&self, e: &Entry) -> Value {
        json!({
            "@type": "CreativeWork",
            "name": format!("claimledger receipt for entry #{}", e.index()),
            "url": if self.static_layout {
                self.link(&format!("/receipt/{}", crate::format::tiles::format_index(e.index())))
            } else {
                self.link(&format!("/v1/receipts/{}", e.index()))
            },
            "encodingFormat": "application/json",
            "identifier": hex::encode(e.leaf_hash()),
        })
    }
}

/// The ClaimReview JSON-LD objects for `claim` and its history `statements` (any order; only
/// statements carrying a rating yield a review), in index order. Each object stands alone
/// (it has its own `@context`), so the array can be embedded, served or imported as is.
///
/// Returns an empty list when `claim` is not a claim, its payload is withheld by a redaction, or
/// no statement is rated; a rated statement whose payload is withheld yields no review.
pub fn claim_reviews(claim: &Entry, statements: &[Entry], publisher: &Publisher) -> Vec<Value> {
    let Some(Payload::Claim(c)) = claim.payload() else {
        return Vec::new();
    };
    let mut item = Map::new();
    item.insert("@type".into(), json!("Claim"));
    item.insert("author".into(), party(&c.claimant));
    if let Some(d) = &c.claimed_on {
        item.insert("datePublished".into(), json!(d));
    }
    item.insert(
        "appearance".into(),
        Value::Array(c.sources.iter().map(appearance).collect()),
    );
    item.insert("subjectOf".into(), publisher.receipt(claim));
    let item = Value::Object(item);

    let mut rated: Vec<&Entry> = statements.iter().collect();
    rated.sort_by_key(|e| e.index());
    rated
        .into_iter()
        .filter_map(|e| match e.payload() {
            Some(Payload::Statement(s)) => s.rating.as_ref().map(|r| (e, s, r)),
            _ => None,
        })
        .map(|(e, s, r)| {
            let mut rating = Map::new();
            rating.insert("@type".into(), json!("Rating"));
            rating.insert("alternateName".into(), json!(r.label));
            for (name, v) in [
                ("ratingValue", r.value),
                ("bestRating", r.best),
                ("worstRating", r.worst),
            ] {
                if let Some(v) = v {
                    rating.insert(name.into(), json!(v));
                }
            }
            let author = match &publisher.name {
                Some(name) => {
                    let mut org = Map::new();
                    org.insert("@type".into(), json!("Organization"));
                    org.insert("name".into(), json!(name));
                    if let Some(u) = &publisher.url {
                        org.insert("url".into(), json!(u));
                    }
                    Value::Object(org)
                }
                None => party(&s.speaker),
            };
            let url = r
                .review_url
                .clone()
                .unwrap_or_else(|| publisher.entry_link(claim.index(), e.index()));
            // A review's date is when the verdict was given; without one, when it was recorded.
            let date = s.stated_on.clone().unwrap_or_else(|| {
                e.envelope()
                    .recorded_at()
                    .get(..10)
                    .unwrap_or_default()
                    .to_string()
            });
            json!({
                "@context": "https://schema.org",
                "@type": "ClaimReview",
                "url": url,
                "claimReviewed": c.text,
                "reviewBody": s.text,
                "reviewRating": Value::Object(rating),
                "author": author,
                "datePublished": date,
                "itemReviewed": item.clone(),
                "subjectOf": publisher.receipt(e),
            })
        })
        .collect()
}

/// A claimant or speaker as a schema.org Person or Organization (a named group is an
/// Organization; an unnamed source a Person).
fn party(p: &Party) -> Value {
    let kind = match p.party_type {
        PartyType::Organization | PartyType::Group => "Organization",
        PartyType::Person | PartyType::Unnamed => "Person",
    };
    let mut m = Map::new();
    m.insert("@type".into(), json!(kind));
    m.insert("name".into(), json!(p.name));
    if let Some(s) = &p.same_as {
        m.insert("sameAs".into(), json!(s));
    }
    Value::Object(m)
}

/// A source as a CreativeWork where the claim appeared.
fn appearance(s: &Source) -> Value {
    let mut m = Map::new();
    m.insert("@type".into(), json!("CreativeWork"));
    m.insert("url".into(), json!(s.url));
    if let Some(t) = &s.title {
        m.insert("headline".into(), json!(t));
    }
    if let Some(p) = &s.publisher {
        m.insert(
            "publisher".into(),
            json!({"@type": "Organization", "name": p}),
        );
    }
    if let Some(d) = &s.published {
        m.insert("datePublished".into(), json!(d));
    }
    if let Some(a) = &s.archive_url {
        m.insert("archivedAt".into(), json!(a));
    }
    Value::Object(m)
}

// ---- Import (A.2) ---------------------------------------------------------------------------

/// Largest item accepted, in bytes of its JSON text. A ClaimReview is a few KiB; its payloads
/// are at most 64 KiB each.
pub const MAX_ITEM_BYTES: usize = 256 * 1024;
/// Deepest nesting of arrays and objects accepted in one item (a DataFeedItem holding a
/// ClaimReview with its Claim, appearances and their publishers needs 7).
pub const MAX_ITEM_DEPTH: usize = 32;

/// One good review, as the payloads it becomes (each with its canonical bytes).
#[derive(Clone, Debug)]
pub struct Review {
    /// The claim payload (`claimReviewed` + `itemReviewed`) and its canonical bytes.
    pub claim: (Payload, Vec<u8>),
    /// The rated statement payload about that claim and its canonical bytes.
    pub statement: (Payload, Vec<u8>),
}

/// The ClaimReview items of the input, each with its position, as raw JSON text (so a deep or
/// huge item is refused on its own, not by the parser for the whole input). Refuses input that
/// is not JSON, or neither an object nor an array, with [`Error::ClaimReviewInput`].
pub fn split(input: &[u8]) -> Result<Vec<(String, Box<RawValue>)>> {
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
pub fn check_size_and_depth(raw: &str) -> std::result::Result<(), String> {
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

/// One item as a claim and a rated statement, or why not (the reason names the property).
/// `default_author` is the publisher's name, the author of an item that names none.
pub fn review(raw: &str, default_author: Option<&str>) -> std::result::Result<Review, String> {
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
        Some(a) => party_in(a, "author")?,
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
        Some(a) => party_in(a, "itemReviewed.author")?,
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
fn party_in(m: &Map<String, Value>, path: &str) -> std::result::Result<Party, String> {
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

#[cfg(test)]
mod tests {
    use super::Publisher;

    #[test]
    fn links_follow_serve_routes_or_the_published_layout() {
        let serve = Publisher::default();
        assert_eq!(serve.entry_link(2, 4), "/claims/2#entry-4");
        let published = Publisher {
            static_layout: true,
            ..Publisher::default()
        };
        assert_eq!(published.entry_link(2, 4), "../claims/2.html#entry-4");
        let hosted = Publisher {
            ledger_url: Some("https://news.example/ledger/".into()),
            static_layout: true,
            ..Publisher::default()
        };
        assert_eq!(
            hosted.entry_link(2, 4),
            "https://news.example/ledger/claims/2.html#entry-4"
        );
    }
}
