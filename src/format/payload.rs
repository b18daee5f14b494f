//! Payloads: what a claim, a statement or a key change says, and the rules on each field.
//!
//! A payload is stored beside its envelope as canonical JSON and bound to it by SHA-256, so
//! the bytes signed are the bytes kept (see docs/FORMAT.md §6).

use crate::format::encoding;
use crate::format::figure::Figure;
use crate::format::keys::VerifyingKey;
use crate::format::kind::{EntryError, Kind, MAX_PAYLOAD_BYTES};
use crate::format::redaction::Redaction;
use crate::format::time;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A statement's position toward its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stance {
    /// Agrees with the target.
    Supports,
    /// Disputes the target.
    Contests,
    /// Says the target is wrong and gives the right version.
    Corrects,
    /// The target's own claimant withdraws it.
    Retracts,
    /// Narrows or adds context (scope, assumptions) without disputing it.
    Qualifies,
}

impl Stance {
    /// All stances, in documentation order.
    pub const ALL: [Stance; 5] = [
        Stance::Supports,
        Stance::Contests,
        Stance::Corrects,
        Stance::Retracts,
        Stance::Qualifies,
    ];
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Supports => "supports",
            Stance::Contests => "contests",
            Stance::Corrects => "corrects",
            Stance::Retracts => "retracts",
            Stance::Qualifies => "qualifies",
        }
    }
}

impl std::str::FromStr for Stance {
    type Err = EntryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stance::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                EntryError::field(
                    "stance",
                    format!(
                        "unknown stance {s:?}; use one of supports, contests, corrects, retracts, qualifies"
                    ),
                )
            })
    }
}

/// Who a claimant or speaker is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyType {
    /// A named person.
    Person,
    /// A company, agency, newsroom…
    Organization,
    /// A named group of people ("US officials").
    Group,
    /// An unnamed source.
    Unnamed,
}

impl std::str::FromStr for PartyType {
    type Err = EntryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "person" => Ok(PartyType::Person),
            "organization" => Ok(PartyType::Organization),
            "group" => Ok(PartyType::Group),
            "unnamed" => Ok(PartyType::Unnamed),
            _ => Err(EntryError::field(
                "type",
                format!("unknown party type {s:?}; use person, organization, group or unnamed"),
            )),
        }
    }
}

/// A claimant or speaker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Name as it should be shown ("Dario Amodei", "US officials").
    pub name: String,
    /// What kind of party.
    #[serde(rename = "type")]
    pub party_type: PartyType,
    /// A URL identifying the same party elsewhere (Wikidata, a profile page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_as: Option<String>,
}

/// Where a claim or statement was found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The page (http or https).
    pub url: String,
    /// Its title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Who published it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// When it was published, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The exact words quoted from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// An archived copy (http or https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_url: Option<String>,
    /// SHA-256 of the fetched content, lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Payload of a `claim` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The claim, verbatim.
    pub text: String,
    /// Who made it.
    pub claimant: Party,
    /// When they made it, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_on: Option<String>,
    /// Where it was made or reported.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// What it is about ("DeepSeek-V3").
    #[serde(default)]
    pub subjects: Vec<String>,
    /// The quantities it states.
    #[serde(default)]
    pub figures: Vec<Figure>,
}

/// Payload of a `statement` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Position toward the target.
    pub stance: Stance,
    /// What was said, verbatim.
    pub text: String,
    /// Who said it.
    pub speaker: Party,
    /// When, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_on: Option<String>,
    /// Where.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Counter-figures: other values or scopes for figures of the target.
    #[serde(default)]
    pub figures: Vec<Figure>,
    /// A fact-checker's verdict on the target (FORMAT.md §5.5); absent in older entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
}

/// A fact-checker's verdict, as schema.org's `Rating` of a `ClaimReview` carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rating {
    /// The verdict as published ("False", "Misleading", "Trompeur"): ClaimReview's
    /// `alternateName`. Non-blank.
    pub label: String,
    /// Its place on the fact-checker's numeric scale, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    /// The scale's best value (most accurate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best: Option<i64>,
    /// The scale's worst value (least accurate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst: Option<i64>,
    /// The published fact-check (http or https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_url: Option<String>,
}

impl Rating {
    /// FORMAT.md §5.5: a non-blank label; a value within the scale when both ends are given;
    /// an http(s) review URL.
    fn validate(&self) -> Result<(), EntryError> {
        non_empty("rating.label", &self.label)?;
        if let (Some(best), Some(worst)) = (self.best, self.worst) {
            if best == worst {
                return Err(EntryError::field(
                    "rating",
                    format!("best and worst are both {best}; a scale needs two ends"),
                ));
            }
            if let Some(v) = self.value {
                if v < best.min(worst) || v > best.max(worst) {
                    return Err(EntryError::field(
                        "rating.value",
                        format!("{v} is outside the scale from worst {worst} to best {best}"),
                    ));
                }
            }
        }
        if let Some(u) = &self.review_url {
            url("rating.review_url", u)?;
        }
        Ok(())
    }
}

/// Grant or revoke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyAction {
    /// The key may record entries from the next index on.
    Grant,
    /// The key may record nothing from the next index on.
    Revoke,
}

/// Payload of a `key` entry. Only the operator key may sign these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyChange {
    /// Grant or revoke.
    pub action: KeyAction,
    /// The recorder's verifier key (C2SP vkey text).
    pub vkey: String,
    /// The person or service the key belongs to ("Alice Martin").
    pub name: String,
    /// Their role ("operator", "editor", "reporter", "fact-checker", …).
    pub role: String,
    /// Why (required for a revocation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A typed payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// A claim.
    Claim(Claim),
    /// A statement about an earlier entry.
    Statement(Statement),
    /// A key grant or revocation.
    Key(KeyChange),
    /// A redaction of an earlier entry's payload (src/format/redaction.rs).
    Redaction(Redaction),
}

impl From<Claim> for Payload {
    fn from(c: Claim) -> Self {
        Payload::Claim(c)
    }
}
impl From<Statement> for Payload {
    fn from(s: Statement) -> Self {
        Payload::Statement(s)
    }
}
impl From<KeyChange> for Payload {
    fn from(k: KeyChange) -> Self {
        Payload::Key(k)
    }
}
impl From<Redaction> for Payload {
    fn from(r: Redaction) -> Self {
        Payload::Redaction(r)
    }
}

impl Payload {
    /// The entry kind this payload is recorded as.
    pub fn kind(&self) -> Kind {
        match self {
            Payload::Claim(_) => Kind::Claim,
            Payload::Statement(_) => Kind::Statement,
            Payload::Key(_) => Kind::Key,
            Payload::Redaction(_) => Kind::Redaction,
        }
    }

    /// The payload as a JSON value (the shape of docs/FORMAT.md).
    pub fn to_value(&self) -> Value {
        let v = match self {
            Payload::Claim(c) => serde_json::to_value(c),
            Payload::Statement(s) => serde_json::to_value(s),
            Payload::Key(k) => serde_json::to_value(k),
            Payload::Redaction(r) => serde_json::to_value(r),
        };
        v.expect("payload types hold only strings, arrays and objects")
    }

    /// Read a payload of `kind` from JSON a person or tool wrote (any key order, whitespace),
    /// validating every field. Returns the payload and its canonical bytes.
    pub fn from_json(kind: Kind, bytes: &[u8]) -> Result<(Payload, Vec<u8>), EntryError> {
        let value = encoding::parse_strict(bytes).map_err(|source| EntryError::Encoding {
            what: "payload",
            source,
        })?;
        Self::from_value(kind, value)
    }

    /// As [`Payload::from_json`], from an already parsed value (which MUST come from
    /// [`encoding::parse_strict`] or hold no floats).
    pub fn from_value(kind: Kind, value: Value) -> Result<(Payload, Vec<u8>), EntryError> {
        let canonical = encoding::to_canonical(&value);
        if canonical.len() > MAX_PAYLOAD_BYTES {
            return Err(EntryError::TooLarge {
                what: "payload",
                size: canonical.len(),
                max: MAX_PAYLOAD_BYTES,
            });
        }
        let payload = Self::typed(kind, value)?;
        payload.validate()?;
        Ok((payload, canonical))
    }

    /// Read stored payload bytes, which MUST be canonical.
    pub fn from_stored(kind: Kind, bytes: &[u8]) -> Result<Payload, EntryError> {
        if bytes.len() > MAX_PAYLOAD_BYTES {
            return Err(EntryError::TooLarge {
                what: "payload",
                size: bytes.len(),
                max: MAX_PAYLOAD_BYTES,
            });
        }
        let value = encoding::check_canonical(bytes).map_err(|source| EntryError::Encoding {
            what: "payload",
            source,
        })?;
        let payload = Self::typed(kind, value)?;
        payload.validate()?;
        Ok(payload)
    }

    fn typed(kind: Kind, value: Value) -> Result<Payload, EntryError> {
        check_shapes(kind, &value)?;
        fn shape<T: serde::de::DeserializeOwned>(
            what: &'static str,
            value: Value,
        ) -> Result<T, EntryError> {
            serde_json::from_value(value).map_err(|e| EntryError::Shape {
                what,
                message: e.to_string(),
            })
        }
        Ok(match kind {
            Kind::Claim => Payload::Claim(shape("claim payload", value)?),
            Kind::Statement => Payload::Statement(shape("statement payload", value)?),
            Kind::Key => Payload::Key(shape("key payload", value)?),
            Kind::Redaction => Payload::Redaction(shape("redaction payload", value)?),
        })
    }

    /// Check every field's value (dates, URLs, hashes, figures, key text).
    pub fn validate(&self) -> Result<(), EntryError> {
        match self {
            Payload::Claim(c) => {
                non_empty("text", &c.text)?;
                c.claimant.validate("claimant")?;
                opt_date("claimed_on", &c.claimed_on)?;
                validate_sources(&c.sources)?;
                for (i, s) in c.subjects.iter().enumerate() {
                    non_empty(&format!("subjects[{i}]"), s)?;
                }
                validate_figures(&c.figures)
            }
            Payload::Statement(s) => {
                non_empty("text", &s.text)?;
                s.speaker.validate("speaker")?;
                opt_date("stated_on", &s.stated_on)?;
                validate_sources(&s.sources)?;
                if let Some(r) = &s.rating {
                    r.validate()?;
                }
                validate_figures(&s.figures)
            }
            Payload::Key(k) => {
                k.vkey
                    .parse::<VerifyingKey>()
                    .map_err(|e| EntryError::field("vkey", e.to_string()))?;
                non_empty("name", &k.name)?;
                non_empty("role", &k.role)?;
                if k.action == KeyAction::Revoke && k.reason.as_deref().is_none_or(str::is_empty) {
                    return Err(EntryError::field(
                        "reason",
                        "a revocation needs a reason (--reason)",
                    ));
                }
                Ok(())
            }
            Payload::Redaction(r) => r.validate(),
        }
    }
}

impl Party {
    fn validate(&self, field: &str) -> Result<(), EntryError> {
        non_empty(&format!("{field}.name"), &self.name)?;
        if let Some(u) = &self.same_as {
            url(&format!("{field}.same_as"), u)?;
        }
        Ok(())
    }
}

fn non_empty(field: &str, s: &str) -> Result<(), EntryError> {
    if s.trim().is_empty() {
        return Err(EntryError::field(field, "must not be empty"));
    }
    Ok(())
}

fn opt_date(field: &str, d: &Option<String>) -> Result<(), EntryError> {
    match d {
        Some(d) if !time::is_date(d) => Err(EntryError::field(
            field,
            format!("{d:?} is not a date; write YYYY-MM-DD, e.g. 2025-01-27"),
        )),
        _ => Ok(()),
    }
}

/// True for a URL as FORMAT.md §5.1 defines it: `https://` or `http://`, then at least one
/// character, with no white space or control character anywhere.
pub fn is_url(u: &str) -> bool {
    u.strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .is_some_and(|r| !r.is_empty() && !r.chars().any(|c| c.is_whitespace() || c.is_control()))
}

fn url(field: &str, u: &str) -> Result<(), EntryError> {
    if is_url(u) {
        return Ok(());
    }
    Err(EntryError::field(
        field,
        format!("{u:?} is not an http(s) URL; write e.g. https://example.com/page"),
    ))
}

fn validate_sources(sources: &[Source]) -> Result<(), EntryError> {
    for (i, s) in sources.iter().enumerate() {
        url(&format!("sources[{i}].url"), &s.url)?;
        if let Some(a) = &s.archive_url {
            url(&format!("sources[{i}].archive_url"), a)?;
        }
        opt_date(&format!("sources[{i}].published"), &s.published)?;
        if let Some(h) = &s.sha256 {
            if h.len() != 64 || !h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(EntryError::field(
                    format!("sources[{i}].sha256"),
                    "must be 64 lowercase hex digits (SHA-256 of the fetched content)",
                ));
            }
        }
    }
    Ok(())
}

fn validate_figures(figures: &[Figure]) -> Result<(), EntryError> {
    for f in figures {
        f.validate()?;
    }
    Ok(())
}

/// serde reads a JSON array as a struct (its fields in order) and `{"variant": null}` as an enum
/// value; FORMAT.md §5 allows neither, so the shapes serde would bend are checked first: every
/// object is an object and every enum member is a string.
fn check_shapes(kind: Kind, value: &Value) -> Result<(), EntryError> {
    fn object<'v>(
        path: &str,
        v: &'v Value,
    ) -> Result<&'v serde_json::Map<String, Value>, EntryError> {
        v.as_object()
            .ok_or_else(|| EntryError::field(path, "must be a JSON object"))
    }
    fn string_if_present(
        path: &str,
        map: &serde_json::Map<String, Value>,
        key: &str,
    ) -> Result<(), EntryError> {
        match map.get(key) {
            Some(v) if !v.is_string() => Err(EntryError::field(
                format!("{path}{key}"),
                "must be a string",
            )),
            _ => Ok(()),
        }
    }
    fn each_object(
        map: &serde_json::Map<String, Value>,
        key: &str,
        check: impl Fn(&str, &serde_json::Map<String, Value>) -> Result<(), EntryError>,
    ) -> Result<(), EntryError> {
        if let Some(Value::Array(items)) = map.get(key) {
            for (i, item) in items.iter().enumerate() {
                let path = format!("{key}[{i}]");
                check(&path, object(&path, item)?)?;
            }
        }
        Ok(())
    }
    fn party(map: &serde_json::Map<String, Value>, key: &str) -> Result<(), EntryError> {
        if let Some(p) = map.get(key) {
            string_if_present(&format!("{key}."), object(key, p)?, "type")?;
        }
        Ok(())
    }
    let map = object("payload", value)?;
    match kind {
        Kind::Claim | Kind::Statement => {
            party(
                map,
                if kind == Kind::Claim {
                    "claimant"
                } else {
                    "speaker"
                },
            )?;
            string_if_present("", map, "stance")?;
            each_object(map, "sources", |_, _| Ok(()))?;
            each_object(map, "figures", |path, f| {
                string_if_present(&format!("{path}."), f, "precision")
            })?;
            if kind == Kind::Statement {
                if let Some(r) = map.get("rating").filter(|r| !r.is_null()) {
                    object("rating", r)?;
                }
            }
        }
        Kind::Key => string_if_present("", map, "action")?,
        Kind::Redaction => string_if_present("", map, "category")?,
    }
    Ok(())
}
