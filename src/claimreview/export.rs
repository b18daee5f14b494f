//! The one builder of ClaimReview JSON-LD: one ClaimReview per rated statement about a claim.
//! `claimledger claimreview`, `GET /v1/claims/{ref}/claimreview` and the claim page's
//! `<script type="application/ld+json">` all print what [`claim_reviews`] returns.

use crate::format::entry::{Entry, Payload};
use crate::format::payload::{Party, PartyType, Source};
use serde_json::{Map, Value, json};

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
}

impl Publisher {
    /// A link to `path` (which starts with `/`) under the ledger URL, or `path` itself.
    fn link(&self, path: &str) -> String {
        match &self.ledger_url {
            Some(base) => format!("{}{path}", base.trim_end_matches('/')),
            None => path.to_string(),
        }
    }

    /// The link a consumer follows to verify entry `e` offline (`claimledger verify-receipt`
    /// or the browser verifier): its receipt, with the leaf hash it must name.
    fn receipt(&self, e: &Entry) -> Value {
        json!({
            "@type": "CreativeWork",
            "name": format!("claimledger receipt for entry #{}", e.index()),
            "url": self.link(&format!("/v1/receipts/{}", e.index())),
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
            let url = r.review_url.clone().unwrap_or_else(|| {
                publisher.link(&format!("/claims/{}#entry-{}", claim.index(), e.index()))
            });
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

#[cfg(feature = "sqlite")]
impl crate::ledger::Ledger {
    /// The publisher settings of this ledger.
    pub fn publisher(&self) -> crate::Result<Publisher> {
        use crate::ledger::settings::Setting;
        Ok(Publisher {
            name: self.setting(Setting::PublisherName)?,
            url: self.setting(Setting::PublisherUrl)?,
            ledger_url: self.setting(Setting::LedgerUrl)?,
        })
    }

    /// The ClaimReview JSON-LD of the claim `index` names (a statement names the claim at the
    /// root of its chain): see [`claim_reviews`].
    pub fn claim_reviews(&self, index: u64) -> crate::Result<Vec<Value>> {
        let root = self.root_claim(index)?;
        let h = self.history(root)?;
        Ok(claim_reviews(&h.claim, &h.statements, &self.publisher()?))
    }
}
