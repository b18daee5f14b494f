//! The C2SP tlog-tiles read API: `/checkpoint`, `/tile/<L>/<N>[.p/<W>]`, `/tile/entries/<N>[.p/<W>]`.
//!
//! Tiles are served up to the latest signed checkpoint only, so a client never sees a tree
//! nobody signed. Every hash tile and entry bundle, full or partial, never changes once it
//! exists: it is cached forever. A payload bundle (`tile/payloads/…`, FORMAT.md §13.1) changes
//! when a redaction withholds one of its payloads, so it is cached briefly.

use super::{ApiError, PathText, Shared};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use claimledger::format::tiles::{TileKind, TilePath};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/checkpoint", get(checkpoint))
        .route("/tile/{*rest}", get(tile))
}

async fn checkpoint(State(s): State<Shared>) -> Result<Response, ApiError> {
    // The same checkpoint as /v1/checkpoint, as its note text (every ledger has one from init).
    let cp = s.read(|l| l.checkpoint(None)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        cp.note,
    )
        .into_response())
}

async fn tile(State(s): State<Shared>, PathText(rest): PathText) -> Result<Response, ApiError> {
    let Some(path) = TilePath::parse(&rest) else {
        return Err(ApiError::not_found(format!(
            "tile/{rest} is not a tile path (c2sp.org/tlog-tiles: tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>])"
        )));
    };
    let cache = match path.kind {
        TileKind::Payloads => claimledger::objects::Cache::Revisable,
        _ => claimledger::objects::Cache::Immutable,
    };
    match s.read(move |l| l.tile(&path)).await? {
        Some(bytes) => Ok((
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (header::CACHE_CONTROL, cache.header()),
            ],
            bytes,
        )
            .into_response()),
        None => Err(ApiError::not_found(format!(
            "{} is not covered by the latest signed checkpoint",
            path.to_path()
        ))),
    }
}
