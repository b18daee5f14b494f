//! The remote object backends against real servers on loopback: s3s-fs (an S3 server, from
//! crates.io, built by .ci/run into target/tools) for `s3://`, and small HTTP listeners in the
//! test for `http://` (404, 500, oversized and garbage answers, redirects).

use claimledger::objects::{Cache, HttpObjects, ObjectError, Objects, StoreObjects};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The test server's credentials (s3s-fs checks SigV4 signatures against them).
pub const ACCESS_KEY: &str = "claimledger-test-ak";
pub const SECRET_KEY: &str = "claimledger-test-sk-5c0e1f9a";

/// A running s3s-fs on a free loopback port over a temporary root; killed on drop.
pub struct S3Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    /// The folder s3s-fs keeps its buckets in: bucket `b`, key `k` is the file `<root>/b/k`.
    pub root: tempfile::TempDir,
}

impl S3Server {
    /// Start s3s-fs with `buckets` already created, once it answers HTTP. None (after
    /// `util::skip`: a failure under CI=true) when the binary is not built.
    pub fn start(buckets: &[&str]) -> Option<S3Server> {
        let Some(bin) = s3s_fs() else {
            crate::util::skip(
                "s3s-fs not found in target/tools/bin (.ci/run builds it: cargo install --locked s3s-fs@0.14.1 --features binary --root target/tools)",
            );
            return None;
        };
        let root = tempfile::tempdir().unwrap();
        for bucket in buckets {
            std::fs::create_dir(root.path().join(bucket)).unwrap();
        }
        // A free port can be taken between our probe and s3s-fs's bind: try a few.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let mut child = Command::new(&bin)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
                .arg(root.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let endpoint = format!("http://127.0.0.1:{port}");
            if answers(&endpoint, &mut child) {
                return Some(S3Server {
                    child,
                    endpoint,
                    root,
                });
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("s3s-fs did not start on a free port after 5 tries");
    }

    /// The environment that points the `s3://` backend (and the CLI) at this server.
    pub fn env(&self) -> Vec<(String, String)> {
        self.env_with_secret(SECRET_KEY)
    }

    pub fn env_with_secret(&self, secret: &str) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", secret),
            ("AWS_REGION", "us-east-1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// The file s3s-fs keeps object `key` of `bucket` in.
    pub fn file(&self, bucket: &str, key: &str) -> PathBuf {
        self.root.path().join(bucket).join(key)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// target/tools/bin/s3s-fs, else s3s-fs on PATH.
fn s3s_fs() -> Option<PathBuf> {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/bin/s3s-fs");
    if built.is_file() {
        return Some(built);
    }
    let on_path = Command::new("s3s-fs")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    matches!(on_path, Ok(s) if s.success()).then(|| PathBuf::from("s3s-fs"))
}

/// Wait (up to 20 s) until `endpoint` answers any HTTP status; false if the process exited.
fn answers(endpoint: &str, child: &mut Child) -> bool {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(2)))
        .build()
        .into();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if agent.get(endpoint).call().is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn open(server: &S3Server, location: &str) -> StoreObjects {
    StoreObjects::open_with_env(location, &server.env()).unwrap()
}

/// The object's stored response headers, read by a raw HTTP GET of a presigned URL (signed by
/// object_store, fetched by ureq: nothing of our backend on the read side).
fn raw_get(server: &S3Server, bucket: &str, key: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use object_store::signer::Signer;
    let store = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(&server.endpoint)
        .with_allow_http(true)
        .with_bucket_name(bucket)
        .with_access_key_id(ACCESS_KEY)
        .with_secret_access_key(SECRET_KEY)
        .with_region("us-east-1")
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = runtime
        .block_on(store.signed_url(
            object_store::signer::Method::GET,
            &object_store::path::Path::from(key),
            Duration::from_secs(60),
        ))
        .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent.get(url.as_str()).call().unwrap();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_vec().unwrap();
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[test]
fn s3_objects_round_trip_under_their_prefix_with_content_type_and_cache_control() {
    let Some(server) = S3Server::start(&["news"]) else {
        return;
    };
    let objects = open(&server, "s3://news/ledger/v1/");
    assert_eq!(objects.describe(), "s3://news/ledger/v1");

    // Absent before anything is written (the bucket exists, so absent is not an error).
    assert_eq!(objects.get("checkpoint", 1000).unwrap(), None);

    objects
        .put(
            "tile/0/x001/234",
            b"hash tile",
            "application/octet-stream",
            Cache::Immutable,
        )
        .unwrap();
    objects
        .put(
            "checkpoint",
            b"old checkpoint\n",
            "text/plain; charset=utf-8",
            Cache::Checkpoint,
        )
        .unwrap();
    objects
        .put(
            "checkpoint",
            b"new checkpoint\n",
            "text/plain; charset=utf-8",
            Cache::Checkpoint,
        )
        .unwrap();
    assert_eq!(
        objects.get("tile/0/x001/234", 9).unwrap().unwrap(),
        b"hash tile"
    );
    assert_eq!(
        objects.get("checkpoint", 1000).unwrap().unwrap(),
        b"new checkpoint\n",
        "a put replaces the object whole"
    );

    // Under the prefix, in the bucket the location names: s3s-fs keeps it as that file.
    assert_eq!(
        std::fs::read(server.file("news", "ledger/v1/tile/0/x001/234")).unwrap(),
        b"hash tile"
    );

    // What a CDN or browser reading the bucket gets: the headers set at put.
    let (status, headers, body) = raw_get(&server, "news", "ledger/v1/tile/0/x001/234");
    assert_eq!(status, 200);
    assert_eq!(body, b"hash tile");
    assert_eq!(
        header(&headers, "content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        header(&headers, "cache-control"),
        Some(Cache::Immutable.header())
    );
    let (_, headers, _) = raw_get(&server, "news", "ledger/v1/checkpoint");
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        header(&headers, "cache-control"),
        Some(Cache::Checkpoint.header())
    );

    objects.delete("checkpoint").unwrap();
    objects.delete("checkpoint").unwrap();
    assert_eq!(objects.get("checkpoint", 1000).unwrap(), None);
    assert!(!server.file("news", "ledger/v1/checkpoint").exists());
    assert_eq!(
        objects.get("tile/0/x001/234", 100).unwrap().unwrap(),
        b"hash tile",
        "deleting one object leaves the others"
    );

    // The bucket's root as the location: keys without a prefix.
    let root = open(&server, "s3://news");
    assert_eq!(root.describe(), "s3://news");
    assert_eq!(
        root.get("ledger/v1/tile/0/x001/234", 100).unwrap().unwrap(),
        b"hash tile"
    );
}

/// Forwards loopback TCP connections to `upstream`, counting the bytes sent back to clients.
struct CountingProxy {
    addr: SocketAddr,
    down: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl CountingProxy {
    fn start(upstream: SocketAddr) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let down = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (d, s) = (down.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let (mut c_read, mut s_write) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c_read, &mut s_write);
                    let _ = s_write.shutdown(std::net::Shutdown::Write);
                });
                let (mut s_read, mut c_write, d) = (server, client, d.clone());
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        let n = match s_read.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if c_write.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        d.fetch_add(n as u64, Ordering::SeqCst);
                    }
                    let _ = c_write.shutdown(std::net::Shutdown::Both);
                    let _ = s_read.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        CountingProxy { addr, down, stop }
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

#[test]
fn s3_an_object_over_the_limit_is_refused_without_reading_it() {
    let Some(server) = S3Server::start(&["big"]) else {
        return;
    };
    let objects = open(&server, "s3://big/p");
    let size = 48 * 1024 * 1024;
    let big: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    objects
        .put(
            "tile/entries/000",
            &big,
            "application/octet-stream",
            Cache::Immutable,
        )
        .unwrap();
    assert_eq!(
        objects
            .get("tile/entries/000", size as u64)
            .unwrap()
            .unwrap()
            .len(),
        size,
        "exactly the limit is read"
    );

    // Read through a proxy that counts what the server sent.
    let upstream: SocketAddr = server
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let proxy = CountingProxy::start(upstream);
    let mut env = server.env();
    env.retain(|(k, _)| k != "AWS_ENDPOINT_URL");
    env.push(("AWS_ENDPOINT_URL".into(), format!("http://{}", proxy.addr)));
    let through = StoreObjects::open_with_env("s3://big/p", &env).unwrap();
    let err = through.get("tile/entries/000", 1024).unwrap_err();
    assert!(
        matches!(err, ObjectError::TooLarge { limit: 1024, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("s3://big/p/tile/entries/000"),
        "{err}"
    );
    // Let the connection wind down, then count: socket buffers hold a few MB at most.
    std::thread::sleep(Duration::from_millis(300));
    let sent = proxy.down.load(Ordering::SeqCst);
    eprintln!("refused a {size}-byte object with limit 1024: {sent} bytes crossed the wire");
    assert!(
        sent < (size / 4) as u64,
        "{sent} of {size} bytes crossed the wire for a refused object"
    );
}

#[test]
fn s3_bad_credentials_and_a_missing_bucket_are_clear_errors_without_secrets() {
    let Some(server) = S3Server::start(&["news"]) else {
        return;
    };
    let wrong = "wrong-secret-d00dfeed";
    let objects =
        StoreObjects::open_with_env("s3://news/p", &server.env_with_secret(wrong)).unwrap();
    for err in [
        objects
            .put("checkpoint", b"x", "text/plain", Cache::Checkpoint)
            .unwrap_err(),
        objects.get("checkpoint", 100).unwrap_err(),
        objects.delete("checkpoint").unwrap_err(),
    ] {
        let text = err.to_string();
        assert!(matches!(err, ObjectError::Backend { .. }), "{text}");
        assert!(text.contains("s3://news/p/checkpoint"), "{text}");
        assert!(text.contains("credentials"), "{text}");
        assert!(
            text.contains("SignatureDoesNotMatch") || text.contains("AccessDenied"),
            "{text}"
        );
        assert!(!text.contains(wrong), "the secret leaked: {text}");
        assert!(!text.contains(ACCESS_KEY), "the key id leaked: {text}");
        assert!(
            !format!("{err:?}").contains(wrong),
            "the secret leaked: {err:?}"
        );
    }
    assert!(
        !server.file("news", "p/checkpoint").exists(),
        "nothing written"
    );

    // A reader of a missing bucket is told so, not handed "no checkpoint". (s3s-fs creates a
    // bucket on PUT, so the write side of this is not testable here; S3 answers a PUT or DELETE
    // into a missing bucket with 404 NoSuchBucket, which takes the same path.)
    let missing = open(&server, "s3://no-such-bucket/p");
    for _ in 0..2 {
        let text = missing.get("checkpoint", 100).unwrap_err().to_string();
        assert!(text.contains("no such bucket"), "{text}");
        assert!(text.contains("s3://no-such-bucket/p/checkpoint"), "{text}");
    }
    assert!(!server.root.path().join("no-such-bucket").exists());

    // No server at all: a connection error that names the object, after a few quick retries.
    let mut env = server.env();
    env.retain(|(k, _)| k != "AWS_ENDPOINT_URL");
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    env.push(("AWS_ENDPOINT_URL".into(), format!("http://{closed}")));
    let dead = StoreObjects::open_with_env("s3://news/p", &env).unwrap();
    let err = dead.get("checkpoint", 10).unwrap_err().to_string();
    assert!(
        err.contains("s3://news/p/checkpoint: could not read"),
        "{err}"
    );
    assert!(!err.contains(SECRET_KEY), "{err}");
}

#[test]
fn s3_paths_and_locations_that_escape_the_prefix_are_refused() {
    let Some(server) = S3Server::start(&["news", "other"]) else {
        return;
    };
    let objects = open(&server, "s3://news/p");
    for bad in [
        "../x",
        "../../other/x",
        "a/../../x",
        "/x",
        "a//b",
        "./x",
        "",
    ] {
        assert!(
            objects
                .put(bad, b"escaped", "text/plain", Cache::Revisable)
                .is_err(),
            "{bad:?}"
        );
        assert!(objects.get(bad, 100).is_err(), "{bad:?}");
        assert!(objects.delete(bad).is_err(), "{bad:?}");
    }
    for bad in [
        "s3://news/../other",
        "s3://news/p/..",
        "s3://news:9000/p",
        "s3://AK:SK@news/p",
        "s3://news/p?versionId=1",
    ] {
        assert!(
            matches!(
                StoreObjects::open_with_env(bad, &server.env()),
                Err(ObjectError::BadLocation { .. })
            ),
            "{bad}"
        );
    }
    let mut found = Vec::new();
    let mut stack = vec![server.root.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                found.push(e.path());
            }
        }
    }
    assert!(
        found
            .iter()
            .all(|f| std::fs::read(f).unwrap() != b"escaped"),
        "{found:?}"
    );
}

#[test]
fn s3_plain_http_is_allowed_on_loopback_only_unless_the_operator_says_so() {
    let env = |endpoint: &str, allow: Option<&str>| {
        let mut env = vec![
            ("AWS_ENDPOINT_URL".to_string(), endpoint.to_string()),
            ("AWS_ACCESS_KEY_ID".to_string(), "AK".to_string()),
            (
                "AWS_SECRET_ACCESS_KEY".to_string(),
                "SECRETVALUE".to_string(),
            ),
        ];
        if let Some(a) = allow {
            env.push(("AWS_ALLOW_HTTP".to_string(), a.to_string()));
        }
        env
    };
    for ok in [
        "http://127.0.0.1:9000",
        "http://[::1]:9000",
        "http://localhost:9000",
        "https://s3.example.net",
    ] {
        assert!(
            StoreObjects::open_with_env("s3://b/p", &env(ok, None)).is_ok(),
            "{ok}"
        );
    }
    let err = StoreObjects::open_with_env("s3://b/p", &env("http://s3.example.net:9000", None))
        .unwrap_err()
        .to_string();
    assert!(err.contains("AWS_ALLOW_HTTP=true"), "{err}");
    assert!(!err.contains("SECRETVALUE"), "{err}");
    assert!(
        StoreObjects::open_with_env("s3://b/p", &env("http://s3.example.net:9000", Some("true")))
            .is_ok()
    );
}

#[test]
fn open_picks_the_backend_by_scheme_and_lists_the_supported_ones() {
    assert_eq!(
        claimledger::objects::open("https://news.example/ledger/")
            .unwrap()
            .describe(),
        "https://news.example/ledger"
    );
    assert_eq!(
        claimledger::objects::open("s3://bucket/prefix")
            .unwrap()
            .describe(),
        "s3://bucket/prefix"
    );
    for bad in ["ftp://host/x", "file:///tmp/x", "sftp://h/p"] {
        let Err(err) = claimledger::objects::open(bad) else {
            panic!("{bad} opened");
        };
        let err = err.to_string();
        assert!(
            err.contains("s3://BUCKET/PREFIX") && err.contains("https://"),
            "{err}"
        );
    }
}

/// A loopback HTTP server answering each request with `answer(path)` (raw bytes of a whole
/// response, or a body streamed until the client goes); counts the body bytes it wrote.
struct WebServer {
    url: String,
    written: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
}

enum Answer {
    Raw(Vec<u8>),
    /// 200 with no Content-Length, then bytes until the client hangs up.
    Endless,
}

impl WebServer {
    fn start(answer: fn(&str, &str) -> Answer) -> WebServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let written = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (w, s) = (written.clone(), stop.clone());
        let base = format!("http://{addr}");
        let b = base.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let (w, b) = (w.clone(), b.clone());
                std::thread::spawn(move || {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match conn.read(&mut byte) {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let path = head.split(' ').nth(1).unwrap_or("").to_string();
                    match answer(&path, &b) {
                        Answer::Raw(bytes) => {
                            let _ = conn.write_all(&bytes);
                        }
                        Answer::Endless => {
                            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
                            let chunk = [b'x'; 8192];
                            while conn.write_all(&chunk).is_ok() {
                                w.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                                if w.load(Ordering::SeqCst) > 1 << 30 {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = conn.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        WebServer {
            url: base,
            written,
            stop,
            addr,
        }
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn response(status: &str, headers: &str, body: &[u8]) -> Answer {
    let mut r = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    Answer::Raw(r)
}

fn web_answers(path: &str, base: &str) -> Answer {
    match path {
        "/log/checkpoint" => response("200 OK", "Content-Type: text/plain\r\n", b"a checkpoint\n"),
        "/log/tile/0/000" => response("404 Not Found", "", b"no such tile"),
        "/log/gone" => response("410 Gone", "", b""),
        "/log/broken" => response(
            "500 Internal Server Error",
            "",
            b"database is locked\x1b[31m",
        ),
        "/log/declared-huge" => Answer::Raw(
            b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\nabc"
                .to_vec(),
        ),
        "/log/endless" => Answer::Endless,
        "/log/garbage" => Answer::Raw(b"\x00\x01\x02 this is not HTTP\r\n\r\n".to_vec()),
        "/log/moved" => response(
            "301 Moved Permanently",
            "Location: /log/checkpoint\r\n",
            b"",
        ),
        "/log/away" => response(
            "302 Found",
            "Location: http://localhost:1/log/checkpoint\r\n",
            b"",
        ),
        "/log/loop" => response("302 Found", &format!("Location: {base}/log/loop\r\n"), b""),
        "/log/a%3Ab" => response("200 OK", "", b"encoded"),
        _ => response("418 I'm a teapot", "", b"unexpected path"),
    }
}

#[test]
fn http_source_reads_objects_and_names_every_failure() {
    let web = WebServer::start(web_answers);
    let objects = HttpObjects::open(&format!("{}/log/", web.url)).unwrap();
    assert_eq!(objects.describe(), format!("{}/log", web.url));

    assert_eq!(
        objects.get("checkpoint", 100).unwrap().unwrap(),
        b"a checkpoint\n"
    );
    assert_eq!(objects.get("a:b", 100).unwrap().unwrap(), b"encoded");
    assert_eq!(
        objects.get("tile/0/000", 100).unwrap(),
        None,
        "404 is absent"
    );
    assert_eq!(objects.get("gone", 100).unwrap(), None, "410 is absent");

    let err = objects.get("broken", 100).unwrap_err().to_string();
    assert!(
        err.contains("HTTP 500") && err.contains("database is locked"),
        "{err}"
    );
    assert!(
        !err.contains('\x1b'),
        "terminal controls from the server are dropped: {err:?}"
    );

    let err = objects.get("declared-huge", 1000).unwrap_err();
    assert!(
        matches!(err, ObjectError::TooLarge { limit: 1000, .. }),
        "{err}"
    );

    let err = objects.get("endless", 64 * 1024).unwrap_err();
    assert!(matches!(err, ObjectError::TooLarge { .. }), "{err}");
    std::thread::sleep(Duration::from_millis(300));
    let written = web.written.load(Ordering::SeqCst);
    assert!(
        written < 64 << 20,
        "the read stopped near the limit, not after {written} bytes"
    );

    let err = objects.get("garbage", 100).unwrap_err().to_string();
    assert!(err.contains(&format!("{}/log/garbage", web.url)), "{err}");

    assert_eq!(
        objects.get("moved", 100).unwrap().unwrap(),
        b"a checkpoint\n",
        "a redirect on the same host is followed"
    );
    let err = objects.get("away", 100).unwrap_err().to_string();
    assert!(
        err.contains("redirects to http://localhost:1/log/checkpoint"),
        "{err}"
    );
    let err = objects.get("loop", 100).unwrap_err().to_string();
    assert!(err.contains("more than 3 redirects"), "{err}");

    assert!(matches!(
        objects.put("checkpoint", b"x", "text/plain", Cache::Checkpoint),
        Err(ObjectError::ReadOnly { .. })
    ));
    assert!(objects.get("../etc/passwd", 100).is_err());

    // Nobody listening: an error naming the source, not a hang or a panic.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dead = HttpObjects::open(&format!("http://{closed}/log")).unwrap();
    let err = dead.get("checkpoint", 100).unwrap_err().to_string();
    assert!(err.contains("no answer from"), "{err}");
}

/// The source ledger of the end-to-end runs: mirror.rs's (an operator, a granted reporter, claims).
use crate::mirror::{Source as SourceLog, export};

/// Run the binary in `cwd` with `env` added (and no claimledger variables), to completion.
fn claimledger(cwd: &Path, env: &[(String, String)], args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_claimledger"))
        .current_dir(cwd)
        .env_remove("CLAIMLEDGER_KEY")
        .env_remove("CLAIMLEDGER_OPERATOR_KEY")
        .env_remove("CLAIMLEDGER_LEDGER")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(args)
        .output()
        .unwrap()
}

fn shown(o: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The replica audits clean against the pinned log key and holds exactly what the source holds.
fn assert_replica_equals(copy: &Path, source: &SourceLog) {
    let o = claimledger(
        source.dir.path(),
        &[],
        &[
            "--ledger",
            copy.to_str().unwrap(),
            "--json",
            "audit",
            "--log-key",
            &source.vkey(),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "audit of the replica: {}",
        shown(&o)
    );
    assert_eq!(
        export(copy),
        export(&source.path("source.db")),
        "the replica differs from the source"
    );
    assert_eq!(
        claimledger::Ledger::open_read_only(copy)
            .unwrap()
            .checkpoint(None)
            .unwrap()
            .note,
        source.ledger.checkpoint(None).unwrap().note
    );
}

#[test]
fn s3_publish_then_mirror_from_the_bucket_end_to_end() {
    let Some(server) = S3Server::start(&["news"]) else {
        return;
    };
    let mut src = SourceLog::new();
    src.claims(300);
    let cwd = src.dir.path().to_path_buf();
    let source_db = src.path("source.db");
    let publish = |env: &[(String, String)]| {
        claimledger(
            &cwd,
            env,
            &[
                "--ledger",
                source_db.to_str().unwrap(),
                "publish",
                "s3://news/log",
            ],
        )
    };
    let o = publish(&server.env());
    assert_eq!(o.status.code(), Some(0), "publish: {}", shown(&o));

    // In the bucket, under the prefix, with the headers a CDN needs.
    let (status, headers, body) = raw_get(&server, "news", "log/checkpoint");
    assert_eq!(status, 200);
    assert_eq!(body, src.ledger.checkpoint(None).unwrap().note.as_bytes());
    assert_eq!(
        header(&headers, "cache-control"),
        Some(Cache::Checkpoint.header())
    );
    assert!(
        header(&headers, "content-type").is_some_and(|t| t.starts_with("text/plain")),
        "{headers:?}"
    );
    let (status, headers, _) = raw_get(&server, "news", "log/tile/0/000");
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "cache-control"),
        Some(Cache::Immutable.header())
    );
    let (status, headers, _) = raw_get(&server, "news", "log/receipt/000");
    assert_eq!(status, 200);
    assert!(
        header(&headers, "content-type").is_some_and(|t| t.starts_with("application/json")),
        "{headers:?}"
    );

    // A mirror reads the bucket back into a replica that audits clean and equals the source.
    let copy = src.path("copy.db");
    let vkey = src.vkey();
    let mirror = |env: &[(String, String)]| {
        claimledger(
            &cwd,
            env,
            &[
                "--ledger",
                copy.to_str().unwrap(),
                "--json",
                "mirror",
                "s3://news/log",
                "--log-key",
                &vkey,
            ],
        )
    };
    let o = mirror(&server.env());
    assert_eq!(o.status.code(), Some(0), "mirror: {}", shown(&o));
    assert_replica_equals(&copy, &src);

    // Incremental: new entries and a redaction, published and mirrored again.
    src.claims(100);
    src.ledger
        .redact(
            5,
            claimledger::RedactionCategory::Privacy,
            "a private address",
        )
        .unwrap();
    let o = publish(&server.env());
    assert_eq!(o.status.code(), Some(0), "publish again: {}", shown(&o));
    let o = mirror(&server.env());
    assert_eq!(o.status.code(), Some(0), "mirror again: {}", shown(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["appended"], 101, "{report}");
    assert_replica_equals(&copy, &src);

    // Wrong credentials: exit 2, a message that says so without the secret, the copy unchanged.
    let before = std::fs::read(&copy).unwrap();
    let wrong = "wrong-secret-0badc0de";
    for o in [
        publish(&server.env_with_secret(wrong)),
        mirror(&server.env_with_secret(wrong)),
    ] {
        assert_eq!(o.status.code(), Some(2), "{}", shown(&o));
        let text = shown(&o);
        assert!(text.contains("credentials"), "{text}");
        assert!(
            !text.contains(wrong) && !text.contains(ACCESS_KEY),
            "{text}"
        );
    }
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    assert_replica_equals(&copy, &src);
}

#[test]
fn mirror_reads_a_claimledger_serve_url_over_http() {
    let mut src = SourceLog::new();
    src.claims(260);
    let server = crate::serve::Server::start(&src.path("source.db"), &[]);
    let copy = src.path("copy.db");
    let cwd = src.dir.path().to_path_buf();
    let mirror = |url: &str| {
        claimledger(
            &cwd,
            &[],
            &[
                "--ledger",
                copy.to_str().unwrap(),
                "--json",
                "mirror",
                url,
                "--log-key",
                &src.vkey(),
            ],
        )
    };
    let o = mirror(&server.url);
    assert_eq!(o.status.code(), Some(0), "mirror from serve: {}", shown(&o));
    assert_replica_equals(&copy, &src);
    // A path under the server that is not a log: absent checkpoint, a clear refusal, exit 2.
    let before = std::fs::read(&copy).unwrap();
    let o = mirror(&format!("{}/no/log/here", server.url));
    assert_eq!(o.status.code(), Some(2), "{}", shown(&o));
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    let (code, _) = server.stop();
    assert_eq!(code, 0);
}

/// `python3 -m http.server` on a free loopback port over `dir`; killed on drop.
struct StaticServer {
    child: Child,
    url: String,
}

impl StaticServer {
    fn start(dir: &Path) -> Option<StaticServer> {
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let spawned = Command::new("python3")
                .args([
                    "-m",
                    "http.server",
                    "--bind",
                    "127.0.0.1",
                    &port.to_string(),
                ])
                .arg("--directory")
                .arg(dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let Ok(mut child) = spawned else {
                crate::util::skip("python3 not found (a plain static file server for the test)");
                return None;
            };
            let url = format!("http://127.0.0.1:{port}");
            if answers(&url, &mut child) {
                return Some(StaticServer { child, url });
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("python3 -m http.server did not start on a free port after 5 tries");
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn mirror_reads_a_published_folder_behind_a_plain_web_server() {
    let mut src = SourceLog::new();
    src.claims(300);
    let cwd = src.dir.path().to_path_buf();
    let site = src.path("site");
    let folder = site.join("claims");
    std::fs::create_dir_all(&folder).unwrap();
    let source_db = src.path("source.db");
    let publish = || {
        let o = claimledger(
            &cwd,
            &[],
            &[
                "--ledger",
                source_db.to_str().unwrap(),
                "publish",
                folder.to_str().unwrap(),
            ],
        );
        assert_eq!(o.status.code(), Some(0), "publish: {}", shown(&o));
    };
    publish();
    let Some(web) = StaticServer::start(&site) else {
        return;
    };
    let copy = src.path("copy.db");
    let vkey = src.vkey();
    let url = format!("{}/claims/", web.url);
    let mirror = || {
        claimledger(
            &cwd,
            &[],
            &[
                "--ledger",
                copy.to_str().unwrap(),
                "--json",
                "mirror",
                &url,
                "--log-key",
                &vkey,
            ],
        )
    };
    let o = mirror();
    assert_eq!(o.status.code(), Some(0), "mirror over http: {}", shown(&o));
    assert_replica_equals(&copy, &src);
    src.claims(40);
    publish();
    let o = mirror();
    assert_eq!(
        o.status.code(),
        Some(0),
        "mirror over http again: {}",
        shown(&o)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["appended"], 40, "{report}");
    assert_replica_equals(&copy, &src);
}
