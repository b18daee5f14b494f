//! Connections: accepted under a cap, each request head read within a deadline, and hyper's own
//! refusals of unparsable heads (400, 414, 431) given the JSON error body every other refusal has.

use super::error_body;
use axum::Router;
use axum::http::StatusCode;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

/// Largest request head (request line and headers); a larger one gets 431. Our own clients send
/// a few hundred bytes. Above hyper's URI limit (64 KiB), so an overlong URI gets 414, not 431.
pub const MAX_HEAD: usize = 80 * 1024;

/// Connections at most, whatever the open-files limit allows.
const MAX_CONNECTIONS: u32 = 1024;

/// Open files kept free for SQLite (the writer, readers, their -wal and -shm) and the key files.
const FILES_RESERVED: u64 = 64;

/// How long each connection may take, and how many are served at once.
pub struct Limits {
    /// From a connection's opening, or its previous answer, to a complete request head.
    pub header_timeout: Duration,
    pub max_connections: u32,
}

/// The default `--max-connections`: [`MAX_CONNECTIONS`], or fewer so that [`FILES_RESERVED`]
/// descriptors stay free below the soft open-files limit (a server that runs out of descriptors
/// can no longer open the ledger to answer anyone).
pub fn default_max_connections() -> u32 {
    let ceiling = open_files_limit()
        .map(|n| n.saturating_sub(FILES_RESERVED).max(1))
        .unwrap_or(u64::from(MAX_CONNECTIONS));
    u32::try_from(ceiling.min(u64::from(MAX_CONNECTIONS))).unwrap_or(MAX_CONNECTIONS)
}

/// The soft limit on open files (`ulimit -n`), when the platform has one.
pub fn open_files_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Serve `app` on `listener` until `shutdown` completes, then let connections finish their
/// request in flight and return when the last one has closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections as usize));
    // Dropped at shutdown: every connection task watches it and closes once idle.
    let (stop, stopped) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        // hyper starts this clock when it waits for a head, also between requests on a kept-alive
        // connection: so it is the idle timeout too.
        .header_read_timeout(limits.header_timeout)
        // The first caps a head that arrives in one read, the second one still arriving.
        .max_header_size(MAX_HEAD)
        .max_buf_size(MAX_HEAD);
    loop {
        // A slot first, then accept: connections over the cap wait in the kernel's queue, holding
        // no descriptor of ours, until a served one closes (at the latest after a header timeout).
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot.expect("the slots semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let conn = http.serve_connection(
            TokioIo::new(JsonRefusals::new(stream)),
            TowerToHyperService::new(app.clone()),
        );
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let mut conn = pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopped.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    drop(stop);
    // Every slot back: every connection has closed.
    let _ = slots.acquire_many(limits.max_connections).await;
}

/// A failed accept: the peer gave up before we took it (try the next), or the process is out of
/// descriptors or memory (wait, so the loop does not spin, while connections close).
async fn accept_failed(e: &io::Error) {
    use io::ErrorKind as K;
    if matches!(
        e.kind(),
        K::ConnectionAborted | K::ConnectionReset | K::ConnectionRefused
    ) {
        return;
    }
    eprintln!("claimledger serve: accepting a connection: {e}; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// A connection whose writes pass through unchanged, except hyper's automatic answer to a head it
/// could not parse.
///
/// hyper (1.x, `Server::on_error`) answers a malformed request line or header with 400, a URI
/// over 64 KiB with 414 and a head over [`MAX_HEAD`] with 431, all with an empty body, and offers
/// no hook to change them. It writes that answer on its own, head only, just before closing the
/// connection. Every answer of ours with those codes has a JSON body, so a write that is exactly
/// such a head with `content-length: 0` can only be hyper's: it is replaced by the same status
/// with the JSON error.
struct JsonRefusals {
    inner: TcpStream,
    /// The replacement being written, how much of it is written, and the length of the write
    /// it stands for (reported to hyper once the replacement is out).
    replacing: Option<(Vec<u8>, usize, usize)>,
}

impl JsonRefusals {
    fn new(inner: TcpStream) -> Self {
        JsonRefusals {
            inner,
            replacing: None,
        }
    }
}

/// The JSON answer standing for `head`, when `head` is hyper's automatic refusal.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    // Status line, `connection: close`, `content-length: 0` and `date`: about 120 bytes.
    if head.len() > 256 || !head.ends_with(b"\r\n\r\n") {
        return None;
    }
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.strip_suffix("\r\n\r\n")?.split("\r\n");
    let status_line = lines.next()?;
    let code = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))?
        .get(..3)?;
    let (status, code, message) = match code {
        "400" => (
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the request is not valid HTTP/1.1: its request line or a header could not be parsed",
        ),
        "414" => (
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            "the request URI is too long; an entry reference or a query is a few dozen characters",
        ),
        "431" => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            "the request head is too large (at most 80 KiB and 100 headers); send fewer or shorter headers",
        ),
        _ => return None,
    };
    let mut empty = false;
    let mut kept = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "content-length" if value.trim() == "0" => empty = true,
            "date" => kept.push(line),
            // Written again below.
            "connection" if value.trim().eq_ignore_ascii_case("close") => {}
            // Anything else is not hyper's automatic answer.
            _ => return None,
        }
    }
    if !empty {
        return None;
    }
    let body = error_body(status, code, message).to_string();
    let mut out = format!(
        "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for line in kept {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&body);
    Some(out.into_bytes())
}

impl AsyncRead for JsonRefusals {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for JsonRefusals {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacing.is_none() {
            match replacement(buf) {
                Some(bytes) => this.replacing = Some((bytes, 0, buf.len())),
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
            }
        }
        // hyper sees nothing written until the whole replacement is, and calls again with the
        // same bytes meanwhile.
        let (bytes, written, stands_for) = this.replacing.as_mut().expect("set just above");
        while *written < bytes.len() {
            let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        let n = *stands_for;
        this.replacing = None;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    // Not vectored: hyper then hands each answer head over in one buffer of its own, the shape
    // `replacement` recognizes.
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_empty_refusals_are_replaced() {
        let hyper431 = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Sun, 06 Dec 2026 19:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(replacement(hyper431).expect("replaced")).expect("utf-8");
        let (head, body) = out.split_once("\r\n\r\n").expect("a head");
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(head.contains("\r\ndate: Sun, 06 Dec 2026 19:00:00 GMT"));
        assert!(head.contains(&format!("\r\ncontent-length: {}", body.len())));
        let v: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(v["error"]["status"], 431);
        assert_eq!(v["error"]["code"], "headers_too_large");
        assert!(replacement(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").is_some());
        // Our own answers (with a body or other headers), other codes, and body bytes pass.
        for kept in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}",
            b"{\"error\": 1}",
        ] {
            assert_eq!(replacement(kept), None, "{}", String::from_utf8_lossy(kept));
        }
    }
}
