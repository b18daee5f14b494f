//! `claimledger serve` against slow, idle and malformed clients: header, idle and body timeouts,
//! the connection cap, and the server's own refusals (400, 405, 414, 431) as JSON errors.
//! See: issue #12 point 5. Every wait is bounded by a socket timeout far above the configured
//! one: the tests assert what happens, never how fast.

use crate::serve::{Demo, Server};
use serde_json::Value;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

/// Far above every timeout the tests configure (1 s at most): reaching it means "never closed".
const BOUND: Duration = Duration::from_secs(20);

fn connect(s: &Server) -> TcpStream {
    let addr = s.url.strip_prefix("http://").expect("an http URL");
    let c = TcpStream::connect(addr).expect("connecting");
    c.set_read_timeout(Some(BOUND)).expect("a read timeout");
    c
}

/// Read until the server closes the connection; panics if it is still open after [`BOUND`].
fn read_until_closed(c: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!(
                    "the server kept the connection open for {BOUND:?}; got so far: {:?}",
                    String::from_utf8_lossy(&got)
                )
            }
            // A reset is a close too.
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// An answer's status code and JSON body (the connection must close after it).
fn status_and_json(answer: &str) -> (u16, Value) {
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {answer:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let v = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
    (status, v)
}

fn assert_error(answer: &str, status: u16, code: &str) -> String {
    let (got, v) = status_and_json(answer);
    assert_eq!(got, status, "{answer}");
    assert_eq!(v["error"]["status"], status, "{v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    v["error"]["message"]
        .as_str()
        .expect("a message")
        .to_string()
}

/// One request on its own connection (`Connection: close`); the whole answer.
fn request(s: &Server, head_and_body: &[u8]) -> String {
    let mut c = connect(s);
    c.write_all(head_and_body).expect("sending");
    read_until_closed(&mut c)
}

#[test]
fn idle_and_slow_header_connections_are_closed() {
    let demo = Demo::new();
    let s = Server::start(&demo.ledger, &["--header-timeout", "1s"]);

    // Sends nothing at all.
    let mut idle = connect(&s);
    assert_eq!(read_until_closed(&mut idle), "");

    // Sends its head a line at a time, never finishing it: each line resets no clock.
    let mut slow = connect(&s);
    slow.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    slow.write_all(b"GET /v1/checkpoint HTTP/1.1\r\n").unwrap();
    let mut closed = false;
    for i in 0..(BOUND.as_millis() / 200) {
        if slow
            .write_all(format!("x-line-{i}: y\r\n").as_bytes())
            .is_err()
        {
            closed = true;
            break;
        }
        match slow.read(&mut [0u8; 64]) {
            Ok(_) => {
                closed = true;
                break;
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => {
                closed = true;
                break;
            }
        }
    }
    assert!(closed, "a slow head kept its connection open for {BOUND:?}");

    // Kept alive after an answer, then idle: closed too.
    let mut kept = connect(&s);
    kept.write_all(b"GET /v1/checkpoint HTTP/1.1\r\nhost: x\r\n\r\n")
        .unwrap();
    let answer = read_until_closed(&mut kept);
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");

    // The server still answers normally.
    assert_eq!(s.get("/v1/checkpoint").0, 200);
}

#[test]
fn a_body_that_does_not_arrive_gets_408_and_nothing_is_written() {
    let demo = Demo::new();
    let size = demo.size();
    let s = Server::start(&demo.ledger, &["--body-timeout", "1s"]);

    // Declares 200 000 bytes, sends 3.
    let short = request(
        &s,
        b"POST /v1/entries HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 200000\r\n\r\n{\"a",
    );
    let msg = assert_error(&short, 408, "request_timeout");
    assert!(msg.contains("within 1 s"), "{msg}");

    // Trickles a byte at a time: the timeout is for the whole body, not between bytes.
    let mut c = connect(&s);
    c.write_all(b"POST /v1/entries HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n")
        .unwrap();
    c.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut answer = Vec::new();
    for _ in 0..(BOUND.as_millis() / 100) {
        if c.write_all(b" ").is_err() {
            break;
        }
        let mut buf = [0u8; 4096];
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
        if answer.ends_with(b"}}") {
            break;
        }
    }
    assert_error(&String::from_utf8_lossy(&answer), 408, "request_timeout");

    assert_eq!(demo.size(), size);
    demo.audit();
}

#[test]
fn connections_over_the_cap_wait_and_a_normal_request_is_served() {
    let demo = Demo::new();
    let s = Server::start(
        &demo.ledger,
        &["--max-connections", "50", "--header-timeout", "1s"],
    );
    // 50 idle connections fill the cap, 50 more wait in the kernel's queue.
    let idle: Vec<TcpStream> = (0..100).map(|_| connect(&s)).collect();
    let answer = request(
        &s,
        b"GET /v1/checkpoint HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    drop(idle);
}

#[test]
fn under_a_low_open_files_limit_half_open_connections_do_not_starve_requests() {
    // The case: `ulimit -n 256` and 300 half-open connections. The default cap keeps
    // descriptors free for the ledger, so the request is answered 200, not 500 or never.
    let demo = Demo::new();
    let mut wrapper = Command::new("sh");
    wrapper.args([
        "-c",
        "ulimit -n 256 && exec \"$0\" \"$@\"",
        crate::crash::bin(),
    ]);
    let s = Server::start_with(wrapper, &demo.ledger, &["--header-timeout", "1s"]);
    let idle: Vec<TcpStream> = (0..300).map(|_| connect(&s)).collect();
    for _ in 0..3 {
        let answer = request(
            &s,
            b"GET /v1/claims HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        );
        assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    }
    drop(idle);
    let (code, stderr) = s.stop();
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn the_servers_own_refusals_are_json_errors() {
    let demo = Demo::new();
    let s = Server::start(&demo.ledger, &[]);

    // hyper's: a request line that is not HTTP, a URI over 64 KiB, a head over 80 KiB.
    assert_error(&request(&s, b"NOT HTTP AT ALL\r\n\r\n"), 400, "bad_request");
    let long_uri = format!(
        "GET /v1/entries?q={} HTTP/1.1\r\nhost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    assert_error(&request(&s, long_uri.as_bytes()), 414, "uri_too_long");
    let big_head = format!(
        "GET /v1/checkpoint HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
        "b".repeat(100_000)
    );
    assert_error(&request(&s, big_head.as_bytes()), 431, "headers_too_large");
    let many: String = (0..150).map(|i| format!("x-h{i}: v\r\n")).collect();
    let many_headers = format!("GET /v1/checkpoint HTTP/1.1\r\nhost: x\r\n{many}\r\n");
    assert_error(
        &request(&s, many_headers.as_bytes()),
        431,
        "headers_too_large",
    );

    // The router's: a method a route does not take.
    let msg = assert_error(
        &request(
            &s,
            b"DELETE /v1/entries/1 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        ),
        405,
        "method_not_allowed",
    );
    assert!(msg.contains("DELETE"), "{msg}");

    // A repeated query parameter is refused, not resolved silently to one of its values.
    for path in [
        "/v1/entries?from=1&from=2",
        "/v1/claims?q=a&q=b",
        "/v1/proofs/consistency?from=1&to=2&to=3",
    ] {
        let (status, v) = s.json(path);
        assert_eq!(status, 400, "{path}: {v}");
        assert_eq!(v["error"]["code"], "bad_request");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains("given twice"), "{path}: {msg}");
    }
    assert_eq!(s.json("/v1/entries?from=1&limit=2").0, 200);
}
