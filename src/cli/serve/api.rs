//! The JSON API under /v1 (docs/openapi.yaml). Objects are the CLI's `--json` objects.

use super::{ApiError, PathText, Shared};
use crate::cli::output::{
    checkpoint_json, consistency_json, entry_json, entry_json_in, figures_json, history_json,
    inclusion_json,
};
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use claimledger::{Entry, Ledger, SignedEntry};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Default and largest page size of list endpoints.
const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 500;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/checkpoint", get(checkpoint))
        .route("/v1/entries", get(entries).post(submit))
        .route("/v1/entries/{reference}", get(entry))
        .route("/v1/claims", get(claims))
        .route("/v1/claims/{reference}/history", get(history))
        .route("/v1/claims/{reference}/claimreview", get(claimreview))
        .route("/v1/receipts/{reference}", get(receipt))
        .route("/v1/proofs/inclusion/{reference}", get(inclusion))
        .route("/v1/proofs/consistency", get(consistency))
        .route("/v1/figures", get(figures))
        .route("/v1/search", get(search))
}

type Answer = Result<Response, ApiError>;
/// The query string as its pairs in order, so a repeated parameter can be refused.
type Q = Result<Query<Vec<(String, String)>>, QueryRejection>;

fn ok(v: Value) -> Answer {
    Ok(axum::Json(v).into_response())
}

/// Query parameters, checked against the ones an endpoint accepts: a misspelt or repeated
/// parameter is an error, not silently ignored (nor silently one of its values).
struct Params(HashMap<String, String>);

impl Params {
    fn new(q: Q, accepted: &[&str]) -> Result<Params, ApiError> {
        let Query(pairs) = q.map_err(|e| ApiError::bad_request(format!("query string: {e}")))?;
        let mut map = HashMap::with_capacity(pairs.len());
        for (name, value) in pairs {
            if map.contains_key(&name) {
                return Err(ApiError::bad_request(format!(
                    "query parameter {name:?} is given twice; give each parameter once"
                )));
            }
            map.insert(name, value);
        }
        if let Some(bad) = map.keys().find(|k| !accepted.contains(&k.as_str())) {
            return Err(ApiError::bad_request(format!(
                "unknown query parameter {bad:?}; this endpoint accepts: {}",
                if accepted.is_empty() {
                    "none".to_string()
                } else {
                    accepted.join(", ")
                }
            )));
        }
        Ok(Params(map))
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn number(&self, name: &str) -> Result<Option<u64>, ApiError> {
        self.text(name)
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    ApiError::bad_request(format!("{name}={v:?}: expected a non-negative integer"))
                })
            })
            .transpose()
    }

    /// `from` and `limit` of a list endpoint.
    fn page(&self) -> Result<(u64, u64), ApiError> {
        let from = self.number("from")?.unwrap_or(0);
        let limit = self.number("limit")?.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit={limit}: ask for 1 to {MAX_LIMIT} items, then page with from=next_from"
            )));
        }
        Ok((from, limit))
    }
}

/// Entry objects with their recorders' names.
fn entries_json(ledger: &Ledger, entries: &[Entry]) -> claimledger::Result<Vec<Value>> {
    let book = ledger.key_book()?;
    Ok(entries.iter().map(|e| entry_json_in(&book, e)).collect())
}

/// The index to ask for next, when the page was full.
fn next_from(last: Option<u64>, got: usize, limit: u64) -> Value {
    match last {
        Some(i) if got as u64 == limit => json!(i + 1),
        _ => Value::Null,
    }
}

async fn checkpoint(State(s): State<Shared>, q: Q) -> Answer {
    Params::new(q, &[])?;
    let log_key = s.log_key.clone();
    let cp = s.read(|l| l.checkpoint(None)).await?;
    ok(checkpoint_json(&cp, &log_key))
}

async fn entries(State(s): State<Shared>, q: Q) -> Answer {
    let (from, limit) = Params::new(q, &["from", "limit"])?.page()?;
    let v = s
        .read(move |l| {
            let list = l.log(from, limit)?;
            let last = list.last().map(Entry::index);
            Ok(json!({"entries": entries_json(l, &list)?, "next_from": next_from(last, list.len(), limit)}))
        })
        .await?;
    ok(v)
}

async fn entry(State(s): State<Shared>, PathText(reference): PathText, q: Q) -> Answer {
    Params::new(q, &[])?;
    let v = s
        .read(move |l| {
            let e = l.entry(l.resolve(&reference)?)?;
            Ok(entry_json_in(&l.key_book()?, &e))
        })
        .await?;
    ok(v)
}

async fn claims(State(s): State<Shared>, q: Q) -> Answer {
    let p = Params::new(q, &["q", "from", "limit"])?;
    let (from, limit) = p.page()?;
    let query = p.text("q").map(str::to_string);
    let v = s
        .read(move |l| {
            let list = l.claims(query.as_deref(), from, limit)?;
            let book = l.key_book()?;
            let claims: Vec<Value> = list
                .iter()
                .map(|c| {
                    let mut v = entry_json_in(&book, &c.entry);
                    v["statements"] = json!(c.statements);
                    v
                })
                .collect();
            let last = list.last().map(|c| c.entry.index());
            Ok(json!({"claims": claims, "next_from": next_from(last, list.len(), limit)}))
        })
        .await?;
    ok(v)
}

async fn history(State(s): State<Shared>, PathText(reference): PathText, q: Q) -> Answer {
    Params::new(q, &[])?;
    let v = s
        .read(move |l| {
            let h = l.history(l.resolve(&reference)?)?;
            // `history --json` plus this history's figures, compared with the claim's.
            let mut v = history_json(&h, &l.key_book()?);
            v["figures"] = figures_json(&h.figures());
            Ok(v)
        })
        .await?;
    ok(v)
}

/// The claim's rated statements as ClaimReview JSON-LD (`claimledger claimreview REF --json`).
async fn claimreview(State(s): State<Shared>, PathText(reference): PathText, q: Q) -> Answer {
    Params::new(q, &[])?;
    let reviews = s
        .read(move |l| l.claim_reviews(l.resolve(&reference)?))
        .await?;
    Ok((
        [(header::CONTENT_TYPE, "application/ld+json")],
        axum::Json(Value::Array(reviews)),
    )
        .into_response())
}

async fn receipt(State(s): State<Shared>, PathText(reference): PathText, q: Q) -> Answer {
    Params::new(q, &[])?;
    let text = s
        .read(move |l| Ok(l.receipt(l.resolve(&reference)?)?.to_pretty()))
        .await
        .inspect_err(|e| {
            // No cosigned checkpoint covers it yet: ask the witnesses now, off this request.
            if e.code == "not_witnessed" {
                if let Some(c) = &s.cosigner {
                    c.poke();
                }
            }
        })?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

async fn inclusion(State(s): State<Shared>, PathText(reference): PathText, q: Q) -> Answer {
    let size = Params::new(q, &["size"])?.number("size")?;
    let v = s
        .read(move |l| {
            Ok(inclusion_json(
                &l.inclusion_proof(l.resolve(&reference)?, size)?,
            ))
        })
        .await?;
    ok(v)
}

async fn consistency(State(s): State<Shared>, q: Q) -> Answer {
    let p = Params::new(q, &["from", "to"])?;
    let from = p
        .number("from")?
        .ok_or_else(|| ApiError::bad_request("from=M is required: the earlier tree size"))?;
    let to = p.number("to")?;
    let v = s
        .read(move |l| Ok(consistency_json(&l.consistency_proof(from, to)?)))
        .await?;
    ok(v)
}

/// Figures rows as `figures --json`, paged by entry: rows of entries `from` on, at least `limit`
/// rows but never splitting one entry's figures. Each row is compared with the base claim figure
/// of the whole filtered list, so a page shows the same comparisons as the CLI.
async fn figures(State(s): State<Shared>, q: Q) -> Answer {
    let p = Params::new(q, &["subject", "property", "from", "limit"])?;
    let (from, limit) = p.page()?;
    let subject = p.text("subject").map(str::to_string);
    let property = p.text("property").map(str::to_string);
    let v = s
        .read(move |l| {
            let rows = figures_json(&l.figures(subject.as_deref(), property.as_deref())?);
            let rows = rows.as_array().cloned().unwrap_or_default();
            let index = |r: &Value| r["index"].as_u64().unwrap_or(0);
            let mut page: Vec<Value> = Vec::new();
            let mut rest = rows.into_iter().filter(|r| index(r) >= from).peekable();
            while let Some(r) = rest.next_if(|r| {
                page.len() < limit as usize || page.last().is_some_and(|l| index(l) == index(r))
            }) {
                page.push(r);
            }
            let next = match (rest.peek(), page.last()) {
                (Some(_), Some(last)) => json!(index(last) + 1),
                _ => Value::Null,
            };
            Ok(json!({"figures": page, "next_from": next}))
        })
        .await?;
    ok(v)
}

async fn search(State(s): State<Shared>, q: Q) -> Answer {
    let p = Params::new(q, &["q", "from", "limit"])?;
    let (from, limit) = p.page()?;
    let text = match p.text("q").map(str::trim) {
        Some(t) if !t.is_empty() => t.to_string(),
        _ => {
            return Err(ApiError::bad_request(
                "q=TEXT is required: the text to look for",
            ));
        }
    };
    let v = s
        .read(move |l| {
            let list = l.search_from(&text, from, limit)?;
            let last = list.last().map(Entry::index);
            Ok(json!({"entries": entries_json(l, &list)?, "next_from": next_from(last, list.len(), limit)}))
        })
        .await?;
    ok(v)
}

/// POST /v1/entries: one import line, signed by the reporter. The signature authenticates; the
/// ledger's grants authorize; the answer comes after the durable commit and the new checkpoint.
async fn submit(State(s): State<Shared>, body: Body) -> Answer {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "the request body is larger than {} bytes; one entry is one import line (payload at most 64 KiB)",
                s.max_body
            ),
        )
    };
    // The whole body within --body-timeout: a client declaring a length and sending less (or
    // trickling it) must not hold the connection.
    let body =
        match tokio::time::timeout(s.body_timeout, axum::body::to_bytes(body, s.max_body)).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(e)) => {
                let e = e.into_inner();
                if e.is::<http_body_util::LengthLimitError>() {
                    return Err(too_large());
                }
                return Err(ApiError::bad_request(format!(
                    "reading the request body: {}",
                    super::chain(&*e)
                )));
            }
            Err(_) => {
                return Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "request_timeout",
                    format!(
                        "the request body did not arrive within {} s; send the whole body at once",
                        s.body_timeout.as_secs_f64()
                    ),
                ));
            }
        };
    // Parsing checks canonical form, the payload hash and the author signature.
    let signed = SignedEntry::from_line(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_entry",
            format!(
                "{}; the body must be one import line, as 'claimledger sign … --out FILE' writes it",
                super::chain(&e)
            ),
        )
    })?;
    if let Err(secs) = s.rate.check(&signed.envelope().signer().to_string()) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "key {} sent more entries than this server accepts per minute; retry in {secs} s, or submit a batch with 'claimledger import'",
                signed.envelope().signer().key_id()
            ),
        );
        e.retry_after = Some(secs);
        return Err(e);
    }
    let log_key = s.log_key.clone();
    let done = s.write(move |l| l.append_signed(signed)).await?;
    // After the durable commit; the witnesses are asked later, off this request.
    if let Some(c) = &s.cosigner {
        c.poke();
    }
    let body = json!({
        "index": done.entry.index(),
        "leaf_hash": hex::encode(done.entry.leaf_hash()),
        "checkpoint": done.checkpoint.as_ref().map(|cp| checkpoint_json(cp, &log_key)),
        "notice": (!done.warnings.is_empty()).then(|| done.warnings.join("; ")),
        "entry": entry_json(&done.entry, &done.recorder),
    });
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}
