//! Redactions: the operator's signed decision to withhold an entry's payload, and what a reader
//! is shown instead of the payload (docs/FORMAT.md §5.7, §7.8).

use crate::format::kind::EntryError;
use serde::{Deserialize, Serialize};

/// Why a payload was withheld: a category a reader may see (the details stay with the legal
/// desk).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedactionCategory {
    /// A court ordered the removal.
    CourtOrder,
    /// Personal data (a GDPR erasure request, for example).
    Privacy,
    /// The payload could identify a protected source.
    SourceProtection,
    /// The payload was found defamatory.
    Defamation,
    /// Any other reason, named in `reason`.
    Other,
}

impl RedactionCategory {
    /// All categories, in documentation order.
    pub const ALL: [RedactionCategory; 5] = [
        RedactionCategory::CourtOrder,
        RedactionCategory::Privacy,
        RedactionCategory::SourceProtection,
        RedactionCategory::Defamation,
        RedactionCategory::Other,
    ];

    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RedactionCategory::CourtOrder => "court_order",
            RedactionCategory::Privacy => "privacy",
            RedactionCategory::SourceProtection => "source_protection",
            RedactionCategory::Defamation => "defamation",
            RedactionCategory::Other => "other",
        }
    }
}

impl std::fmt::Display for RedactionCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RedactionCategory {
    type Err = EntryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RedactionCategory::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                EntryError::field(
                    "category",
                    format!(
                        "unknown category {s:?}; use one of court_order, privacy, source_protection, defamation, other"
                    ),
                )
            })
    }
}

/// Payload of a `redaction` entry: the envelope's `target` names the entry whose payload is
/// withheld. Only the operator key may sign these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redaction {
    /// The category of reason, shown to readers.
    pub category: RedactionCategory,
    /// Why, in words that are not themselves sensitive (they stay public forever).
    pub reason: String,
}

impl Redaction {
    /// Check every field's value.
    pub fn validate(&self) -> Result<(), EntryError> {
        if self.reason.trim().is_empty() {
            return Err(EntryError::field(
                "reason",
                "must not be empty: say why, without repeating what is withheld",
            ));
        }
        Ok(())
    }
}

/// What stands in for a payload a redaction withheld: which redaction, and its category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Withheld {
    /// Index of the redaction entry.
    pub redaction: u64,
    /// Its category.
    pub category: RedactionCategory,
}

impl std::fmt::Display for Withheld {
    /// `withheld by redaction #N (category)`: the words every reader is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "withheld by redaction #{} ({})",
            self.redaction, self.category
        )
    }
}

impl Withheld {
    /// Read the stand-in object `{"redaction": N, "category": "…"}` (exactly these members).
    pub fn from_value(value: serde_json::Value) -> Result<Withheld, EntryError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            redaction: u64,
            category: String,
        }
        if !value.is_object() {
            return Err(EntryError::field("withheld", "must be a JSON object"));
        }
        let raw: Raw = serde_json::from_value(value).map_err(|e| EntryError::Shape {
            what: "withheld",
            message: e.to_string(),
        })?;
        Ok(Withheld {
            redaction: raw.redaction,
            category: raw.category.parse()?,
        })
    }

    /// The JSON object that stands in for the payload: `{"redaction": N, "category": "…"}`.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::json!({
            "redaction": self.redaction,
            "category": self.category.as_str(),
        })
    }
}
