//! The static reader pages of a published log.
//!
//! The same page `claimledger serve` serves (web/, compiled in), switched to its static mode by
//! a `<meta name="claimledger-site">` tag: it then reads the published objects (`checkpoint`,
//! `tile/entries/…`, `tile/payloads/…`, `receipt/…`) instead of the `/v1` API, and a few data
//! objects written here (docs/FORMAT.md §18.1):
//!
//! - `index.html`: the claims list (newest first, read from the bundles in the browser);
//! - `assets/<name>`: the page's script, verifier and style ([`ASSETS`]);
//! - `site/log.json`: origin, log key, witness keys and quorum;
//! - `site/about/<N>.json`: the entries of claim `N`'s history (claim and statements);
//! - `claims/<N>.html`: claim `N`'s page: readable without JavaScript (the claim and its
//!   statements as text) and carrying its ClaimReview JSON-LD for search engines.
//!
//! A payload withheld by a redaction is never written: the pages of a claim whose history holds
//! one show `withheld by redaction #r (category)` instead, and a redaction rewrites them.

use crate::format::claimreview::claim_reviews;
use crate::format::entry::{Entry, Kind, Payload};
use crate::format::tiles::format_index;
use crate::ledger::keybook::KeyBook;
use crate::objects::Cache;
use crate::{Error, Ledger, Result};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One object of the reader pages to write.
pub struct SiteObject {
    /// Path relative to the published log's prefix.
    pub path: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// How long readers may keep it.
    pub cache: crate::objects::Cache,
}

/// One file of the reader page, served by `claimledger serve` under `/assets/` and published
/// under `assets/`.
pub struct Asset {
    /// Its name under `assets/`.
    pub name: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its text.
    pub body: &'static str,
}

/// The page (web/index.html), as `claimledger serve` serves it: assets under `/assets/`.
pub const PAGE: &str = include_str!("../../web/index.html");

/// The page's assets: its script, its static-mode data source, the receipt verifier and its Ed25519 library, its style.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/app.js"),
    },
    Asset {
        name: "site.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/site.js"),
    },
    Asset {
        name: "verify.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/verify.js"),
    },
    Asset {
        name: "noble.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../web/vendor/noble.js"),
    },
    Asset {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../web/style.css"),
    },
];

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";
/// Entries read from the ledger at a time while looking for the claims a run changed.
const BATCH: u64 = 1000;
/// Claims linked from `index.html` without JavaScript (for crawlers and text browsers), and how
/// far back from the checkpoint's size they are looked for.
const INDEX_CLAIMS: usize = 50;
const INDEX_SCAN: u64 = 10_000;

/// The page objects to (re)write when a publish run takes the published log from `old` entries
/// to the ledger's latest signed checkpoint of `new` entries (`old` = 0 on a first run).
/// `publish` writes them after tiles, bundles and receipts and before `checkpoint`.
///
/// Returns the page's assets and `site/log.json` when `old` is 0 (a first run, or `--full`),
/// `index.html` then and whenever a claim's pages change, and `site/about/<N>.json` and
/// `claims/<N>.html` for every
/// claim that an entry in `old..new` is, is about (through statements), or redacts part of, and
/// for every claim below `new` part of which a redaction past `new` withholds (the ledger erased
/// that payload already). Only entries below `new` appear in them. MUST NOT and does not emit a
/// withheld payload.
pub fn site_objects(ledger: &Ledger, old: u64, new: u64) -> Result<Vec<SiteObject>> {
    if old > new {
        return Err(Error::Size(format!(
            "the published log has {old} entries, more than the {new} to publish"
        )));
    }
    let changed = changed_claims(ledger, old, new)?;
    let mut out = Vec::new();
    if old == 0 || !changed.is_empty() {
        out.push(SiteObject {
            path: "index.html".into(),
            bytes: index_page(&newest_claims(ledger, new)?).into_bytes(),
            content_type: HTML,
            cache: Cache::Revisable,
        });
    }
    // The assets and settings change only with a release or the witness configuration:
    // written by a first run, and by every run `publish --full` makes (which passes old = 0).
    if old == 0 {
        out.extend(ASSETS.iter().map(|a| SiteObject {
            path: format!("assets/{}", a.name),
            bytes: a.body.as_bytes().to_vec(),
            content_type: a.content_type,
            cache: Cache::Revisable,
        }));
        out.push(SiteObject {
            path: "site/log.json".into(),
            bytes: json_bytes(&log_json(ledger)?),
            content_type: JSON,
            cache: Cache::Revisable,
        });
    }
    let book = ledger.key_book()?;
    // The pages' JSON-LD links to the published claim pages and receipts, not serve's routes.
    let publisher = crate::format::claimreview::Publisher {
        static_layout: true,
        ..ledger.publisher()?
    };
    for claim in changed {
        let h = ledger.history(claim)?;
        let statements: Vec<Entry> = h
            .statements
            .into_iter()
            .filter(|s| s.index() < new)
            .collect();
        out.push(SiteObject {
            path: about_path(claim),
            bytes: json_bytes(&about_json(&h.claim, &statements, &book)),
            content_type: JSON,
            cache: Cache::Revisable,
        });
        let reviews = claim_reviews(&h.claim, &statements, &publisher);
        out.push(SiteObject {
            path: claim_page_path(claim),
            bytes: claim_page(&h.claim, &statements, &reviews).into_bytes(),
            content_type: HTML,
            cache: Cache::Revisable,
        });
    }
    Ok(out)
}

/// `claims/<N>.html`, N in decimal: the URL a reader shares.
pub fn claim_page_path(claim: u64) -> String {
    format!("claims/{claim}.html")
}

/// `site/about/<N>.json`, N spelled as tile indexes are (FORMAT §13).
pub fn about_path(claim: u64) -> String {
    format!("site/about/{}.json", format_index(claim))
}

/// The claims whose pages entries `old..new` change: each new claim, the claim at the root of
/// each new statement, and the claim whose history holds an entry a new redaction withholds
/// (a redaction past `new` too, for a claim below `new`).
fn changed_claims(ledger: &Ledger, old: u64, new: u64) -> Result<BTreeSet<u64>> {
    let mut changed = BTreeSet::new();
    // Roots already found, so a long thread is walked up once.
    let mut roots: HashMap<u64, u64> = HashMap::new();
    let mut root_of = |index: u64| -> Result<u64> {
        if let Some(&r) = roots.get(&index) {
            return Ok(r);
        }
        let r = ledger.root_claim(index)?;
        roots.insert(index, r);
        Ok(r)
    };
    let mut from = old;
    while from < new {
        let batch = ledger.log(from, BATCH.min(new - from))?;
        if batch.is_empty() {
            return Err(Error::Size(format!(
                "the ledger has no entry {from}, below the {new} to publish"
            )));
        }
        for e in &batch {
            let env = e.envelope();
            let about = match (env.kind(), env.target()) {
                (Kind::Claim, _) => Some(e.index()),
                (Kind::Statement | Kind::Redaction, Some(t)) => Some(root_of(t.index)?),
                _ => None,
            };
            if let Some(root) = about {
                // A redaction of a key entry is refused by the ledger; the root of anything
                // else is a claim (or a key entry a statement wrongly names: no page).
                if ledger.entry(root)?.envelope().kind() == Kind::Claim {
                    changed.insert(root);
                }
            }
        }
        from += batch.len() as u64;
    }
    // A redaction past `new` already erased its payload from the ledger, and publish already
    // removes it from the bundles it rewrites: the pages that showed it are rewritten too, now
    // rather than once a checkpoint covers the redaction.
    let size = ledger.size()?;
    let mut from = new;
    while from < size {
        let batch = ledger.log(from, BATCH.min(size - from))?;
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            let env = e.envelope();
            if let (Kind::Redaction, Some(t)) = (env.kind(), env.target()) {
                let root = root_of(t.index)?;
                if root < new && ledger.entry(root)?.envelope().kind() == Kind::Claim {
                    changed.insert(root);
                }
            }
        }
        from += batch.len() as u64;
    }
    Ok(changed)
}

/// Up to [`INDEX_CLAIMS`] claims below `new`, newest first, among the last [`INDEX_SCAN`] entries.
fn newest_claims(ledger: &Ledger, new: u64) -> Result<Vec<Entry>> {
    let mut found = Vec::new();
    let mut to = new;
    while to > new.saturating_sub(INDEX_SCAN) && found.len() < INDEX_CLAIMS {
        let from = to.saturating_sub(BATCH).max(new.saturating_sub(INDEX_SCAN));
        let batch = ledger.log(from, to - from)?;
        found.extend(
            batch
                .into_iter()
                .rev()
                .filter(|e| e.envelope().kind() == Kind::Claim),
        );
        to = from;
    }
    found.truncate(INDEX_CLAIMS);
    Ok(found)
}

/// `index.html`: the page in static mode, with the newest claims as plain links inside
/// `<main>` (the script replaces them with the full list).
fn index_page(claims: &[Entry]) -> String {
    let mut s = String::from(
        "<section class=\"static-text\" data-testid=\"static-text\">\n    <h1>Claims</h1>\n    <ol class=\"claim-list\">\n",
    );
    for c in claims {
        let who = match c.payload() {
            Some(Payload::Claim(p)) => format!(" — {}", p.claimant.name),
            _ => String::new(),
        };
        s += &format!(
            "      <li><a href=\"{}\">{}</a>{}</li>\n",
            claim_page_path(c.index()),
            escape(&shown_text(c)),
            escape(&who)
        );
    }
    s += "    </ol>\n  </section>";
    static_page("", &[]).replacen("<p class=\"status\" role=\"status\">Loading…</p>", &s, 1)
}

/// `site/log.json`: what the page needs to verify, before the reader pins anything.
fn log_json(ledger: &Ledger) -> Result<Value> {
    let witnesses: Vec<String> = ledger
        .witnesses()?
        .iter()
        .map(|w| w.key.to_string())
        .collect();
    let quorum = if witnesses.is_empty() {
        0
    } else {
        ledger.witness_quorum()?
    };
    Ok(json!({
        "format": "claimledger-site/v1",
        "origin": ledger.origin(),
        "log_vkey": ledger.log_key().to_string(),
        "witnesses": witnesses,
        "quorum": quorum,
    }))
}

/// `site/about/<N>.json`: the claim's history as entry indexes (the page reads the entries
/// themselves from the bundles) and the names the ledger's key entries give their signers.
fn about_json(claim: &Entry, statements: &[Entry], book: &KeyBook) -> Value {
    let recorders: BTreeMap<String, String> = std::iter::once(claim)
        .chain(statements)
        .map(|e| {
            let signer = e.envelope().signer();
            (signer.to_string(), book.recorder_name(signer))
        })
        .collect();
    json!({
        "claim": claim.index(),
        "statements": statements.iter().map(Entry::index).collect::<Vec<_>>(),
        "recorders": recorders,
    })
}

fn json_bytes(v: &Value) -> Vec<u8> {
    let mut s = serde_json::to_string(v).expect("serde_json values always serialize");
    s.push('\n');
    s.into_bytes()
}

/// The page in static mode, for a page `root` levels below the prefix (`""` or `"../"`),
/// with `head` added to its `<head>`.
fn static_page(root: &str, head: &[String]) -> String {
    let mut tags = vec![format!(
        "  <meta name=\"claimledger-site\" content=\"{}\">\n",
        if root.is_empty() { "./" } else { root }
    )];
    tags.extend(head.iter().map(|t| format!("  {t}\n")));
    PAGE.replace("\"/assets/", &format!("\"{root}assets/"))
        .replace(
            "class=\"brand\" href=\"/\"",
            &format!("class=\"brand\" href=\"{root}index.html\""),
        )
        .replacen("</head>", &format!("{}</head>", tags.concat()), 1)
}

/// `claims/<N>.html`: the page in static mode, with the claim and its statements as text
/// inside `<main>` (what a reader without JavaScript and a search engine see; the script
/// replaces it) and the ClaimReview JSON-LD in the head.
fn claim_page(claim: &Entry, statements: &[Entry], reviews: &[Value]) -> String {
    let (title, description) = match claim.payload() {
        Some(Payload::Claim(c)) => (
            format!(
                "{}: “{}” — claimledger",
                c.claimant.name,
                short(&c.text, 60)
            ),
            short(&c.text, 200),
        ),
        _ => (
            format!("Claim #{} — claimledger", claim.index()),
            shown_text(claim),
        ),
    };
    let mut head = vec![
        format!(
            "<meta name=\"claimledger-claim\" content=\"{}\">",
            claim.index()
        ),
        format!(
            "<meta name=\"description\" content=\"{}\">",
            escape(&description)
        ),
    ];
    if !reviews.is_empty() {
        head.push(format!(
            "<script type=\"application/ld+json\">{}</script>",
            json_in_script(&Value::Array(reviews.to_vec()))
        ));
    }
    static_page("../", &head)
        .replacen(
            "<title>Claims — claimledger</title>",
            &format!("<title>{}</title>", escape(&title)),
            1,
        )
        .replacen(
            "<p class=\"status\" role=\"status\">Loading…</p>",
            &claim_text(claim, statements),
            1,
        )
}

/// JSON inside `<script>`: `</script>` or `<!--` would end or change the element; JSON allows
/// these characters only in strings, where `\u` escapes mean the same.
pub fn json_in_script(v: &Value) -> String {
    serde_json::to_string(v)
        .expect("serde_json values always serialize")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The claim and its statements as plain HTML, every ledger string escaped.
fn claim_text(claim: &Entry, statements: &[Entry]) -> String {
    let mut s = String::from("<article class=\"claim static-text\" data-testid=\"static-text\">\n");
    s += &format!("    <p class=\"kicker\">Claim #{}</p>\n", claim.index());
    s += &format!(
        "    <h1 class=\"claim-text\">{}</h1>\n",
        escape(&shown_text(claim))
    );
    if let Some(Payload::Claim(c)) = claim.payload() {
        let when = c
            .claimed_on
            .as_deref()
            .map(|d| format!(", {d}"))
            .unwrap_or_default();
        s += &format!(
            "    <p class=\"byline\">— {}{}</p>\n",
            escape(&c.claimant.name),
            escape(&when)
        );
    }
    s += &format!(
        "    <h2>What was said since ({} statement{})</h2>\n",
        statements.len(),
        if statements.len() == 1 { "" } else { "s" }
    );
    if !statements.is_empty() {
        s += "    <ol class=\"timeline\">\n";
        for st in statements {
            let about = st
                .envelope()
                .target()
                .map(|t| t.index)
                .unwrap_or(claim.index());
            let who = match st.payload() {
                Some(Payload::Statement(p)) => {
                    format!("{} ({}): ", p.speaker.name, p.stance.as_str())
                }
                _ => String::new(),
            };
            s += &format!(
                "      <li id=\"entry-{i}\">{} {} <span class=\"muted\">(entry #{i}, about #{about})</span></li>\n",
                escape(&who),
                escape(&shown_text(st)),
                i = st.index()
            );
        }
        s += "    </ol>\n";
    }
    s += &format!(
        "    <p class=\"help\">With JavaScript, this page verifies each entry's receipt in your browser. Without it, check a receipt with <code>claimledger verify-receipt</code>: this claim's is at <code>receipt/{}</code>.</p>\n  </article>",
        format_index(claim.index())
    );
    s
}

/// The words shown for an entry: its text in quotes, or `withheld by redaction #r (category)`.
fn shown_text(e: &Entry) -> String {
    match (e.payload(), e.withheld()) {
        (Some(Payload::Claim(c)), _) => format!("“{}”", c.text),
        (Some(Payload::Statement(s)), _) => format!("“{}”", s.text),
        (_, Some(w)) => w.to_string(),
        _ => format!("entry #{}", e.index()),
    }
}

/// At most `n` characters of `s`, with `…` when cut.
fn short(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// Text as HTML text or attribute value.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_static_page_names_relative_assets_and_the_site_root() {
        let top = static_page("", &[]);
        assert!(top.contains("src=\"assets/app.js\""), "{top}");
        assert!(top.contains("href=\"assets/style.css\""));
        assert!(top.contains("<meta name=\"claimledger-site\" content=\"./\">"));
        assert!(!top.contains("\"/assets/"));
        assert!(top.contains("class=\"brand\" href=\"index.html\""));
        let below = static_page("../", &[]);
        assert!(below.contains("src=\"../assets/app.js\""));
        assert!(below.contains("content=\"../\""));
        // No inline script: the page works under serve's CSP (script-src 'self') too.
        assert!(!below.contains("<script>"));
    }

    #[test]
    fn escape_and_json_in_script_neutralise_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let v = json!({"t": "</script><!--&"});
        let s = json_in_script(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        assert_eq!(serde_json::from_str::<Value>(&s).unwrap(), v);
        assert_eq!(short("abcdef", 3), "abc…");
        assert_eq!(short("abc", 3), "abc");
    }
}
