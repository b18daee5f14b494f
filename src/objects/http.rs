//! A published log read over `http://` or `https://`: a published folder behind a web server or
//! a CDN, or a `claimledger serve`. Read only.
//!
//! Bounded on every side, since the server may be anyone's: a connect timeout and an overall
//! timeout per request, a body read up to the caller's limit and no further (whatever
//! `Content-Length` says), and redirects followed only on the same host (see [`HttpObjects`]).

use super::{Cache, ObjectError, Objects, check_path};
use std::io::Read;
use std::time::Duration;

/// Longest wait for a connection to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a whole request may take, body included (a payload bundle of a few MB on a slow
/// link fits; a server that trickles forever does not).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Redirects followed for one object, all on the same host.
pub const MAX_REDIRECTS: usize = 3;
/// Bytes of an error answer shown to the user.
const SHOWN_ERROR_BODY: u64 = 200;

/// A published log under a base URL; object `a/b` is `<base>/a/b`.
///
/// Redirects: at most [`MAX_REDIRECTS`] per object, only to the same host, and never from
/// `https` down to `http` (`http` up to `https` on the same host is followed). A redirect to
/// another host is refused with its target in the message: give that URL instead, so the
/// source a mirror follows is the one its operator named.
#[derive(Debug)]
pub struct HttpObjects {
    agent: ureq::Agent,
    /// The base URL, its path ending in `/`.
    base: url::Url,
    /// The base as given, minus a trailing `/`.
    shown: String,
}

impl HttpObjects {
    /// Read from `http(s)://HOST[:PORT]/PATH`. Makes no request.
    pub fn open(location: &str) -> Result<HttpObjects, ObjectError> {
        let bad = |detail: &str| ObjectError::BadLocation {
            given: location.to_string(),
            detail: detail.to_string(),
        };
        let mut base = url::Url::parse(location).map_err(|e| bad(&e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
            return Err(bad("expected http(s)://HOST[:PORT]/PATH"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(bad(
                "a URL with a user name or password is refused: it would show in process lists and messages",
            ));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(bad(
                "the URL of a published log has no query or fragment; give the folder that holds `checkpoint`",
            ));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .http_status_as_error(false)
            // Followed by hand, to check each target's host first.
            .max_redirects(0)
            .user_agent(concat!("claimledger/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(HttpObjects {
            agent: config.into(),
            shown: base.as_str().trim_end_matches('/').to_string(),
            base,
        })
    }

    fn url(&self, path: &str) -> Result<url::Url, ObjectError> {
        check_path(&self.shown, path)?;
        // Every element percent-encoded, so no character of a path can act as URL syntax.
        let encoded: Vec<String> = path.split('/').map(encode).collect();
        self.base
            .join(&encoded.join("/"))
            .map_err(|e| self.backend(path, format!("not a URL: {e}")))
    }

    fn backend(&self, path: &str, detail: String) -> ObjectError {
        ObjectError::Backend {
            location: self.shown.clone(),
            path: path.to_string(),
            detail,
        }
    }

    /// Where a redirect answer points, if this source follows it (see [`HttpObjects`]).
    fn redirect(
        &self,
        path: &str,
        from: &url::Url,
        answer: &ureq::http::Response<ureq::Body>,
    ) -> Result<url::Url, ObjectError> {
        let status = answer.status().as_u16();
        let target = answer
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| from.join(v).ok())
            .ok_or_else(|| {
                self.backend(
                    path,
                    format!("HTTP {status} redirect without a usable Location header"),
                )
            })?;
        let same_host = target.host_str() == from.host_str();
        let secure_enough = target.scheme() == "https" || from.scheme() == "http";
        let plain_same_port = target.scheme() == from.scheme()
            && target.port_or_known_default() == from.port_or_known_default();
        let upgrade = from.scheme() == "http" && target.scheme() == "https";
        if same_host && secure_enough && (plain_same_port || upgrade) {
            return Ok(target);
        }
        let mut shown = target.clone();
        shown.set_query(None);
        Err(self.backend(
            path,
            format!(
                "HTTP {status} redirects to {shown}, on another host or down to http; redirects are followed only on the same host: give that location instead if you trust it"
            ),
        ))
    }
}

impl Objects for HttpObjects {
    fn get(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, ObjectError> {
        let mut url = self.url(path)?;
        for _ in 0..=MAX_REDIRECTS {
            let answer = self.agent.get(url.as_str()).call().map_err(|e| {
                self.backend(
                    path,
                    format!("no answer from {}: {e}", url.origin().ascii_serialization()),
                )
            })?;
            let status = answer.status().as_u16();
            match status {
                200 => return read_limited(self, path, answer, limit).map(Some),
                // 410: a server may say an object is gone for good; for a reader it is absent.
                404 | 410 => return Ok(None),
                301 | 302 | 303 | 307 | 308 => url = self.redirect(path, &url, &answer)?,
                _ => {
                    let mut said = Vec::new();
                    // Best effort: the status alone already says the request failed.
                    let _ = answer
                        .into_body()
                        .into_reader()
                        .take(SHOWN_ERROR_BODY)
                        .read_to_end(&mut said);
                    let said: String = String::from_utf8_lossy(&said)
                        .chars()
                        .map(|c| if c.is_control() { ' ' } else { c })
                        .collect();
                    return Err(self.backend(
                        path,
                        format!(
                            "the server answered HTTP {status} ({}); check the URL points at a published log or a claimledger serve",
                            said.trim()
                        ),
                    ));
                }
            }
        }
        Err(self.backend(
            path,
            format!("more than {MAX_REDIRECTS} redirects; give the final location instead"),
        ))
    }

    fn put(
        &self,
        _path: &str,
        _bytes: &[u8],
        _content_type: &str,
        _cache: Cache,
    ) -> Result<(), ObjectError> {
        Err(self.read_only())
    }

    fn delete(&self, _path: &str) -> Result<(), ObjectError> {
        Err(self.read_only())
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }
}

impl HttpObjects {
    fn read_only(&self) -> ObjectError {
        ObjectError::ReadOnly {
            location: self.shown.clone(),
            detail: "publish to a directory or an s3://, gs:// or az:// location, and serve that"
                .into(),
        }
    }
}

/// The body of a 200 answer, refused as soon as it passes `limit` bytes (a declared
/// `Content-Length` over the limit refuses it before reading; a body longer than declared, or
/// undeclared, is cut at the limit).
fn read_limited(
    objects: &HttpObjects,
    path: &str,
    answer: ureq::http::Response<ureq::Body>,
    limit: u64,
) -> Result<Vec<u8>, ObjectError> {
    let too_large = || ObjectError::TooLarge {
        location: objects.shown.clone(),
        path: path.to_string(),
        limit,
    };
    let declared = answer
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    match answer
        .into_body()
        .into_with_config()
        .limit(limit)
        .read_to_vec()
    {
        Ok(bytes) => Ok(bytes),
        Err(ureq::Error::BodyExceedsLimit(_)) => Err(too_large()),
        Err(e) => Err(objects.backend(path, format!("reading the answer: {e}"))),
    }
}

/// Percent-encode one path element: everything but RFC 3986 unreserved characters.
fn encode(element: &str) -> String {
    let mut out = String::with_capacity(element.len());
    for b in element.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_urls_stay_under_the_base() {
        let o = HttpObjects::open("http://127.0.0.1:8080/log").unwrap();
        assert_eq!(o.describe(), "http://127.0.0.1:8080/log");
        assert_eq!(
            o.url("tile/0/x001/234").unwrap().as_str(),
            "http://127.0.0.1:8080/log/tile/0/x001/234"
        );
        assert_eq!(
            o.url("a:b/c?d#e").unwrap().as_str(),
            "http://127.0.0.1:8080/log/a%3Ab/c%3Fd%23e"
        );
        assert!(o.url("../x").is_err());
        for bad in [
            "http://u:p@host/",
            "http://host/?q=1",
            "http://host/#f",
            "ftp://host/",
        ] {
            assert!(
                matches!(HttpObjects::open(bad), Err(ObjectError::BadLocation { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            o.put("checkpoint", b"x", "text/plain", Cache::Checkpoint),
            Err(ObjectError::ReadOnly { .. })
        ));
        assert!(matches!(
            o.delete("checkpoint"),
            Err(ObjectError::ReadOnly { .. })
        ));
    }
}
