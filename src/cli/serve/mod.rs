//! `claimledger serve`: the ledger over HTTP — JSON API, C2SP tlog-tiles and the claim pages.
//!
//! One process owns one writer connection (appends are serialized through its mutex, and SQLite's
//! write lock serializes them with any other process) and a small pool of reader connections.
//! Every SQLite call runs on tokio's blocking pool so slow disks never stall the event loop.

mod api;
mod conn;
mod limit;
mod tlog;
mod web;

use super::args::ServeArgs;
use super::{Ctx, Outcome};
use anyhow::{Context, Result};
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use claimledger::{Error, Ledger, VerifyingKey};
use serde_json::json;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Reader connections kept open between requests (more are opened under load, then dropped).
const READER_POOL: usize = 8;

/// What every handler shares.
pub struct State {
    path: PathBuf,
    /// The one connection that appends; `None` when this server has no operator key and so
    /// cannot sign the checkpoint an append must answer with.
    writer: Option<Mutex<Ledger>>,
    readers: Mutex<Vec<Ledger>>,
    /// Reads running at once: one per core. More would only share the cores with the writer,
    /// starving appends (measured: 16 concurrent readers cut appends 7-fold); the rest wait
    /// their turn in the event loop, which costs nothing.
    read_slots: tokio::sync::Semaphore,
    log_key: VerifyingKey,
    rate: limit::RateLimiter,
    max_body: usize,
    /// Time a POST has to deliver its whole body (`--body-timeout`).
    body_timeout: std::time::Duration,
    /// Cosigns in the background after appends (only when the writer can append).
    cosigner: Option<super::cosign::Background>,
    /// Where the log is copied from, when the ledger is a replica (appends answer 403).
    replica_of: Option<String>,
}

type Shared = Arc<State>;

pub fn run(ctx: &Ctx, args: ServeArgs) -> Result<Outcome> {
    let (writer, notice) = ctx.open_for_append()?;
    let log_key = writer.log_key().clone();
    let replica_of = writer.replica_of().map(str::to_string);
    let writer = if writer.has_operator_key() {
        Some(writer)
    } else if let Some(source) = &replica_of {
        eprintln!(
            "notice: this ledger is a mirror of {}; POST /v1/entries answers 403 (record on the source), reads are served",
            super::Shown(source)
        );
        None
    } else {
        eprintln!(
            "notice: {}; POST /v1/entries is disabled (answers 503), reads are served",
            super::Shown(notice.unwrap_or_else(|| "no operator key".into()))
        );
        None
    };
    let has_writer = writer.is_some();
    let state = Arc::new(State {
        path: ctx.ledger.clone(),
        log_key,
        replica_of,
        writer: writer.map(Mutex::new),
        readers: Mutex::new(Vec::new()),
        read_slots: tokio::sync::Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        ),
        rate: limit::RateLimiter::new(args.rate_limit),
        max_body: args.max_body,
        body_timeout: args.body_timeout,
        cosigner: has_writer.then(|| {
            super::cosign::Background::start(
                ctx.ledger.clone(),
                super::cosign::evidence_dir(ctx, None),
                std::time::Duration::from_secs(super::cosign::DEFAULT_TIMEOUT_SECS),
                std::time::Duration::from_millis(args.cosign_batch_ms),
            )
        }),
    });
    // A checkpoint signed while the server was down may not be cosigned yet.
    if let Some(c) = &state.cosigner {
        c.poke();
    }
    let limits = conn::Limits {
        header_timeout: args.header_timeout,
        max_connections: args
            .max_connections
            .unwrap_or_else(conn::default_max_connections),
    };
    if let Some(files) = conn::open_files_limit() {
        if u64::from(limits.max_connections) >= files {
            eprintln!(
                "warning: --max-connections {} is not below the open-files limit ({files}): the ledger may fail to open under load\nhint: raise 'ulimit -n' or lower --max-connections",
                limits.max_connections
            );
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the HTTP runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("listening on {} (is the port in use?)", args.listen))?;
        let addr = listener.local_addr().context("reading the bound address")?;
        // Tests and scripts read this first line to learn the port.
        out!("listening on http://{addr}");
        std::io::stdout().flush().map_err(super::stdout_failed)?;
        conn::serve(listener, router(state), limits, shutdown_signal()).await;
        anyhow::Ok(())
    })?;
    // Dropping the runtime waits for appends still running on the blocking pool: each ends
    // with its durable commit (or not at all), never half-way.
    drop(runtime);
    eprintln!("claimledger serve: stopped");
    Ok(Outcome::Ok)
}

/// Every route. Public so the integration tests document the whole surface in one place.
fn router(state: Shared) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(tlog::routes())
        .merge(web::routes())
        .fallback(|| async {
            ApiError::not_found("no such route; the API is under /v1 (see docs/openapi.yaml)")
        })
        .layer(axum::middleware::map_response(json_refusals))
        .layer(
            tower_http::cors::CorsLayer::permissive().max_age(std::time::Duration::from_secs(3600)),
        )
        .with_state(state)
}

/// The framework's own refusals (405 and the like) carry no body: give them the JSON error.
async fn json_refusals(method: axum::http::Method, resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error())
        || resp.headers().contains_key(header::CONTENT_TYPE)
    {
        return resp;
    }
    // The `Allow` header is added after this layer; the client sees it beside the message.
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "this route does not accept {method}; its Allow header lists the methods it does (see docs/openapi.yaml)"
        ),
        _ => status
            .canonical_reason()
            .unwrap_or("refused")
            .to_lowercase(),
    };
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let (parts, _) = resp.into_parts();
    let mut out = ApiError::new(status, code, message).into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// Completes on Ctrl-C or SIGTERM (also used by `witness serve`).
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("claimledger serve: shutting down (finishing requests in flight)");
}

impl State {
    /// Run `f` on a reader connection, on the blocking pool.
    async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Ledger) -> claimledger::Result<T> + Send + 'static,
    {
        let _slot = self.read_slots.acquire().await.map_err(|_| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "internal",
                "the server is shutting down",
            )
        })?;
        let state = Arc::clone(self);
        blocking(move || {
            let ledger = match state.readers.lock().map(|mut pool| pool.pop()) {
                Ok(Some(l)) => l,
                _ => Ledger::open(&state.path).map_err(ApiError::from)?,
            };
            let out = f(&ledger).map_err(ApiError::from);
            if let Ok(mut pool) = state.readers.lock() {
                if pool.len() < READER_POOL {
                    pool.push(ledger);
                }
            }
            out
        })
        .await
    }

    /// Run `f` on the writer connection, on the blocking pool.
    async fn write<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ledger) -> claimledger::Result<T> + Send + 'static,
    {
        let state = Arc::clone(self);
        blocking(move || {
            let Some(writer) = &state.writer else {
                if let Some(source) = &state.replica_of {
                    return Err(ApiError::from(claimledger::Error::Replica {
                        source_location: source.clone(),
                    }));
                }
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "read_only",
                    "this server has no operator key, so it cannot sign checkpoints: appends are disabled; start 'claimledger serve' where the operator key is readable (or pass --operator-key)",
                ));
            };
            // A panic while holding the lock cannot have left a half-written entry (the
            // transaction rolls back), so a poisoned lock is safe to keep using.
            let mut ledger = writer.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut ledger).map_err(ApiError::from)
        })
        .await
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| {
        Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the request failed inside the server; nothing was written",
        ))
    })
}

/// The one path parameter of a route, as text; a path that is not valid percent-encoded UTF-8
/// gets the JSON error every other refusal gets, not the framework's plain text.
pub struct PathText(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathText {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(s)| PathText(s))
            .map_err(|e| ApiError::bad_request(format!("{e}; percent-encode the path as UTF-8")))
    }
}

/// An error answer: `{"error": {"status", "code", "message"}}` with the same message the CLI
/// prints for the same mistake.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        use StatusCode as S;
        let (status, code) = match &e {
            Error::NoSuchEntry { .. } | Error::NoEntryAt { .. } => (S::NOT_FOUND, "not_found"),
            Error::BadRef { .. } | Error::AmbiguousRef { .. } => (S::BAD_REQUEST, "bad_reference"),
            Error::Entry(_) | Error::Key(_) => (S::BAD_REQUEST, "invalid_entry"),
            Error::NotGranted { .. }
            | Error::Revoked { .. }
            | Error::NotOperator { .. }
            | Error::RedactionNotByOperator { .. } => (S::FORBIDDEN, "not_authorized"),
            Error::TargetNotFound { .. }
            | Error::TargetHashMismatch { .. }
            | Error::TargetIsKey { .. }
            | Error::KeyRule(_)
            | Error::RedactionRule(_) => (S::UNPROCESSABLE_ENTITY, "rule_violation"),
            Error::Duplicate { .. } => (S::CONFLICT, "duplicate"),
            Error::Replica { .. } => (S::FORBIDDEN, "replica"),
            Error::NotCovered { .. } => (S::CONFLICT, "not_covered"),
            Error::NotWitnessed { .. } => (S::CONFLICT, "not_witnessed"),
            Error::Witness(_) => (S::BAD_REQUEST, "bad_request"),
            Error::Size(_) | Error::Proof(_) => (S::BAD_REQUEST, "bad_request"),
            _ => (S::INTERNAL_SERVER_ERROR, "internal"),
        };
        if let Error::LedgerAltered { .. } = &e {
            // The client should know the ledger refused for cause; the detail names no path.
            eprintln!("claimledger serve: error: {e}");
            return ApiError::new(status, "ledger_altered", e.to_string());
        }
        if status.is_server_error() {
            // The operator needs the detail; the client gets no file paths.
            eprintln!("claimledger serve: error: {}", super::Shown(&e));
            return ApiError::new(
                status,
                code,
                "the ledger could not answer (see the server's log); nothing was written",
            );
        }
        ApiError::new(status, code, chain(&e))
    }
}

/// An error and its causes on one line, as the CLI prints them (`{:#}`).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        // thiserror's `transparent` repeats the cause's text; print it once.
        if !out.ends_with(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

/// The body of every error answer, including those written below the router (`conn.rs`).
fn error_body(status: StatusCode, code: &str, message: &str) -> serde_json::Value {
    json!({"error": {
        "status": status.as_u16(),
        "code": code,
        "message": message,
    }})
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = error_body(self.status, self.code, &self.message);
        let mut resp = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::REQUEST_TIMEOUT {
            // The rest of a late body may still arrive: this connection cannot carry another request.
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}
