//! The witness over HTTP (c2sp.org/tlog-witness): `POST /add-checkpoint` and
//! `GET /<origin hash>/checkpoint`, with request size limits and timeouts.
//!
//! Limits: request headers within [`HEADER_TIMEOUT`] (hyper closes the connection otherwise), a
//! body of at most [`MAX_REQUEST_BYTES`] (413) read within [`BODY_TIMEOUT`] (408), at most
//! [`MAX_CONNECTIONS`] connections at once (more are closed on accept), each connection closed
//! after [`CONNECTION_LIFETIME`]. Answers are `text/plain` (the 200 cosignature lines, or one line
//! saying what was wrong), but 409, which is `text/x.tlog.size`.

use super::{MAX_REQUEST_BYTES, Refusal, Witness};
use crate::format::witness::{SIZE_CONTENT_TYPE, size_body};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt as _;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time a client has to send its request line and headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Time a client has to send its request body once the headers are in.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest a connection stays open, keep-alive included.
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);

/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 256;

/// The routes, for [`serve`] and for tests.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{origin_hash}/checkpoint", get(latest))
        .fallback(|| async {
            text(
                StatusCode::NOT_FOUND,
                "no such route: this witness serves POST /add-checkpoint and GET /<sha256(origin) hex>/checkpoint",
            )
        })
        .with_state(witness)
}

fn text(status: StatusCode, message: &str) -> Response {
    let mut body = message.to_owned();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// Read the whole body, counting bytes: `Err` is the answer to send instead.
async fn read_body(body: Body) -> Result<Bytes, Response> {
    let mut body = body;
    let mut out = Vec::new();
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| {
                text(
                    StatusCode::BAD_REQUEST,
                    "the request body could not be read",
                )
            })?;
            if let Ok(data) = frame.into_data() {
                if out.len() + data.len() > MAX_REQUEST_BYTES {
                    return Err(text(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        &format!("the request body is larger than {MAX_REQUEST_BYTES} bytes"),
                    ));
                }
                out.extend_from_slice(&data);
            }
        }
        Ok(())
    };
    match tokio::time::timeout(BODY_TIMEOUT, read).await {
        Ok(Ok(())) => Ok(Bytes::from(out)),
        Ok(Err(answer)) => Err(answer),
        Err(_) => Err(text(
            StatusCode::REQUEST_TIMEOUT,
            "the request body did not arrive in time",
        )),
    }
}

async fn add_checkpoint(
    State(witness): State<Arc<Witness>>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> Response {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BYTES as u64) {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body is larger than {MAX_REQUEST_BYTES} bytes"),
        );
    }
    let bytes = match read_body(body).await {
        Ok(b) => b,
        Err(answer) => return answer,
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // SQLite and Ed25519 run on the blocking pool; the witness's mutex serializes requests.
    let outcome = tokio::task::spawn_blocking(move || witness.add_checkpoint(&bytes, now)).await;
    match outcome {
        Ok(Ok(lines)) => text(StatusCode::OK, &lines),
        Ok(Err(Refusal::Conflict { stored, .. })) => (
            StatusCode::CONFLICT,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(SIZE_CONTENT_TYPE),
            )],
            size_body(stored),
        )
            .into_response(),
        Ok(Err(Refusal::Storage(e))) => {
            eprintln!("claimledger witness: error: {e}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the witness could not read or write its state (see its log); nothing was cosigned",
            )
        }
        Ok(Err(refusal)) => text(
            StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST),
            &refusal.to_string(),
        ),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request failed inside the witness; nothing was cosigned",
        ),
    }
}

async fn latest(State(witness): State<Arc<Witness>>, Path(origin_hash): Path<String>) -> Response {
    let found = tokio::task::spawn_blocking(move || witness.latest(&origin_hash)).await;
    match found {
        Ok(Ok(Some(note))) => text(StatusCode::OK, &note),
        Ok(Ok(None)) => text(
            StatusCode::NOT_FOUND,
            "this witness has cosigned no checkpoint for that log (the path is the lowercase hex SHA-256 of the origin)",
        ),
        Ok(Err(e)) => {
            eprintln!("claimledger witness: error: {e}");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the witness could not read its state (see its log)",
            )
        }
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request failed inside the witness",
        ),
    }
}

/// Serve `witness` on `listener` until `shutdown` completes, then let connections in flight
/// finish for a few seconds. Every answered cosignature was committed before it was sent.
pub async fn serve(
    listener: tokio::net::TcpListener,
    witness: Arc<Witness>,
    shutdown: impl Future<Output = ()>,
) {
    let app = router(witness);
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, for example: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                    continue; // over the limit: the stream is dropped, closing it
                };
                let service = hyper_util::service::TowerToHyperService::new(app.clone());
                connections.spawn(async move {
                    let _permit = permit;
                    let connection = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(HEADER_TIMEOUT)
                        .max_buf_size(64 * 1024)
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                    let _ = tokio::time::timeout(CONNECTION_LIFETIME, connection).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        connections.abort_all();
    }
}
