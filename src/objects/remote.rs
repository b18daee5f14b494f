//! Published objects in an object store bucket: S3 and S3-compatible services (`s3://`), Google
//! Cloud Storage (`gs://`), Azure Blob Storage (`az://`), through the object_store crate.
//!
//! Configuration comes from each service's standard environment variables, read as object_store's
//! `from_env` reads them (or handed over explicitly: [`StoreObjects::open_with_env`]): for S3 `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ALLOW_HTTP`; for GCS `GOOGLE_SERVICE_ACCOUNT` (and
//! friends); for Azure `AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY` (and friends).
//!
//! Plain http: an S3 endpoint given as `http://` on a loopback address (`127.0.0.0/8`, `::1`,
//! `localhost`: a test server, a local MinIO) is allowed as is; any other `http://` endpoint is
//! refused unless `AWS_ALLOW_HTTP=true` says the operator accepts credentials and objects
//! travelling unencrypted.

use super::{Cache, ObjectError, Objects, check_path};
use futures_util::StreamExt;
use object_store::path::Path as Key;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload, RetryConfig,
};
use std::sync::OnceLock;
use std::time::Duration;

/// Retries of a failed request (5xx, connection reset): a few, quickly, so a dead endpoint
/// fails in seconds rather than object_store's default three minutes.
const RETRIES: usize = 3;
const RETRY_TIMEOUT: Duration = Duration::from_secs(30);

/// A bucket (or container), optionally under a prefix; object `a/b` is the key `<prefix>/a/b`.
///
/// Each value owns a small tokio runtime: the [`Objects`] methods are blocking and MUST NOT be
/// called from inside an async runtime (they fail with [`ObjectError::Backend`] there; use
/// `tokio::task::spawn_blocking`).
pub struct StoreObjects {
    store: Box<dyn ObjectStore>,
    runtime: tokio::runtime::Runtime,
    /// `s3://bucket/prefix`, as given minus any trailing `/`.
    shown: String,
    /// The prefix's elements (none for the bucket's root).
    prefix: Vec<String>,
    /// Credential values found in the environment, scrubbed from every message.
    secrets: Vec<String>,
    /// Set once a listing showed the bucket exists (so a missing object is just missing).
    bucket_seen: OnceLock<()>,
}

impl std::fmt::Debug for StoreObjects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreObjects")
            .field("location", &self.shown)
            .finish_non_exhaustive()
    }
}

impl StoreObjects {
    /// Open `s3://bucket[/prefix]`, `gs://bucket[/prefix]` or `az://container[/prefix]`,
    /// configured from the process environment. Makes no request: a wrong bucket or credential
    /// shows on the first `get`, `put` or `delete`, as an error naming it.
    pub fn open(location: &str) -> Result<StoreObjects, ObjectError> {
        let env: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        StoreObjects::open_with_env(location, &env)
    }

    /// As [`StoreObjects::open`], with `env` in place of the process environment: the same
    /// variable names (`AWS_ACCESS_KEY_ID`, …), nothing read from the process's own. For
    /// programs that hold several configurations at once, and for tests.
    pub fn open_with_env(
        location: &str,
        env: &[(String, String)],
    ) -> Result<StoreObjects, ObjectError> {
        let bad = |detail: String| ObjectError::BadLocation {
            given: location.to_string(),
            detail,
        };
        let (scheme, rest) = location.split_once("://").ok_or_else(|| {
            bad(format!(
                "expected SCHEME://BUCKET/PREFIX; {}",
                super::SUPPORTED
            ))
        })?;
        let scheme = scheme.to_ascii_lowercase();
        // Split by hand: a URL parser would resolve `a/../b` instead of refusing it.
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = !bucket.is_empty()
            && bucket
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if !bucket_ok {
            return Err(bad(format!(
                "expected {scheme}://BUCKET/PREFIX, the bucket in letters, digits, '-', '.' and '_' (credentials, endpoint and port come from the environment: docs/CLI.md)"
            )));
        }
        let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
        if !prefix.is_empty()
            && (check_path(location, prefix).is_err() || prefix.contains(['?', '#']))
        {
            return Err(bad(
                "the prefix has an empty, `.` or `..` element, or a query or fragment".into(),
            ));
        }
        let shown = match prefix {
            "" => format!("{scheme}://{bucket}"),
            p => format!("{scheme}://{bucket}/{p}"),
        };
        let retry = RetryConfig {
            max_retries: RETRIES,
            retry_timeout: RETRY_TIMEOUT,
            ..RetryConfig::default()
        };
        let built = match scheme.as_str() {
            "s3" => {
                let mut builder = object_store::aws::AmazonS3Builder::new();
                // As object_store's own `from_env`: every known `AWS_…` name, lower-cased.
                for (key, value) in config(env, "AWS_") {
                    builder = builder.with_config(key, value);
                }
                if allow_plain_http(location, env)? {
                    builder = builder.with_allow_http(true);
                }
                builder
                    .with_bucket_name(bucket)
                    .with_retry(retry)
                    .build()
                    .map(|s| Box::new(s) as Box<dyn ObjectStore>)
            }
            "gs" => {
                let mut builder = object_store::gcp::GoogleCloudStorageBuilder::new();
                for (key, value) in config(env, "GOOGLE_") {
                    builder = builder.with_config(key, value);
                }
                builder
                    .with_bucket_name(bucket)
                    .with_retry(retry)
                    .build()
                    .map(|s| Box::new(s) as Box<dyn ObjectStore>)
            }
            "az" => {
                let mut builder = object_store::azure::MicrosoftAzureBuilder::new();
                for (key, value) in config(env, "AZURE_") {
                    builder = builder.with_config(key, value);
                }
                builder
                    .with_container_name(bucket)
                    .with_retry(retry)
                    .build()
                    .map(|s| Box::new(s) as Box<dyn ObjectStore>)
            }
            other => {
                return Err(bad(format!(
                    "unknown scheme {other}://; {}",
                    super::SUPPORTED
                )));
            }
        };
        let secrets = secrets(env);
        let store = built.map_err(|e| bad(scrub(&e.to_string(), &secrets)))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| bad(format!("could not start the I/O runtime: {e}")))?;
        Ok(StoreObjects {
            store,
            runtime,
            shown,
            prefix: prefix
                .split('/')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
            secrets,
            bucket_seen: OnceLock::new(),
        })
    }

    fn key(&self, path: &str) -> Result<Key, ObjectError> {
        check_path(&self.shown, path)?;
        Ok(Key::from_iter(
            self.prefix
                .iter()
                .map(String::as_str)
                .chain(path.split('/')),
        ))
    }

    /// Run one request to completion on this backend's runtime.
    fn run<T>(
        &self,
        path: &str,
        work: impl std::future::Future<Output = Result<T, ObjectError>>,
    ) -> Result<T, ObjectError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(self.backend(
                path,
                "called from inside an async runtime; call it from a blocking thread (tokio::task::spawn_blocking)".into(),
            ));
        }
        self.runtime.block_on(work)
    }

    fn backend(&self, path: &str, detail: String) -> ObjectError {
        ObjectError::Backend {
            location: self.shown.clone(),
            path: path.to_string(),
            detail,
        }
    }

    /// Say what went wrong in words an operator can act on, without any credential.
    fn fail(&self, path: &str, doing: &str, e: object_store::Error) -> ObjectError {
        let said = scrub(&e.to_string(), &self.secrets);
        let code = s3_code(&said)
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        let detail = match e {
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => format!(
                "the store refused to {doing} this object{code}: check the credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for s3://) and that they may {doing} under {}",
                self.shown
            ),
            _ => format!("could not {doing} this object{code}: {said}"),
        };
        self.backend(path, detail)
    }

    /// The store said "not found": the object is absent, unless the bucket itself is. Asked
    /// once by listing the prefix: a listing of a missing bucket fails with 404 (`NoSuchBucket`,
    /// `ContainerNotFound`), whatever a GET of a key in it said (s3s-fs says `NoSuchKey`).
    async fn bucket_exists(&self, path: &str) -> Result<(), ObjectError> {
        if self.bucket_seen.get().is_some() {
            return Ok(());
        }
        let prefix = (!self.prefix.is_empty())
            .then(|| Key::from_iter(self.prefix.iter().map(String::as_str)));
        match self.store.list_with_delimiter(prefix.as_ref()).await {
            Ok(_) => {
                let _ = self.bucket_seen.set(());
                Ok(())
            }
            Err(e) if no_such_bucket(&e) => Err(self.backend(
                path,
                format!(
                    "no such bucket: create the bucket of {} first, or check its name (and AWS_ENDPOINT_URL, AWS_REGION)",
                    self.shown
                ),
            )),
            // Listing is not allowed to these credentials (a reader that may only get
            // objects), or failed: the GET's own answer stands.
            Err(_) => Ok(()),
        }
    }
}

/// Whether a store's error says the bucket (or container) does not exist.
fn no_such_bucket(e: &object_store::Error) -> bool {
    if matches!(e, object_store::Error::NotFound { .. }) {
        return true;
    }
    let text = e.to_string();
    ["NoSuchBucket", "ContainerNotFound", "404 Not Found"]
        .iter()
        .any(|s| text.contains(s))
}

impl Objects for StoreObjects {
    fn get(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, ObjectError> {
        let key = self.key(path)?;
        self.run(path, async {
            let found = match self.store.get(&key).await {
                Ok(found) => found,
                Err(object_store::Error::NotFound { .. }) => {
                    self.bucket_exists(path).await?;
                    return Ok(None);
                }
                Err(e) => return Err(self.fail(path, "read", e)),
            };
            let _ = self.bucket_seen.set(());
            let too_large = || ObjectError::TooLarge {
                location: self.shown.clone(),
                path: path.to_string(),
                limit,
            };
            // The size the store declares decides before any byte is read; the count below
            // stops a store that sends more than it declared.
            if found.meta.size > limit {
                return Err(too_large());
            }
            let mut bytes = Vec::with_capacity(usize::try_from(found.meta.size).unwrap_or(0));
            let mut body = found.into_stream();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| self.fail(path, "read", e))?;
                if (bytes.len() + chunk.len()) as u64 > limit {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(Some(bytes))
        })
    }

    fn put(
        &self,
        path: &str,
        bytes: &[u8],
        content_type: &str,
        cache: Cache,
    ) -> Result<(), ObjectError> {
        let key = self.key(path)?;
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.to_string().into());
        attributes.insert(Attribute::CacheControl, cache.header().into());
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        // One PUT request: the store replaces the object whole, or not at all.
        let payload = PutPayload::from(bytes.to_vec());
        self.run(path, async {
            match self.store.put_opts(&key, payload, options).await {
                Ok(_) => Ok(()),
                Err(object_store::Error::NotFound { .. }) => {
                    self.bucket_exists(path).await?;
                    Err(self.backend(path, "the store answered \"not found\" to a write".into()))
                }
                Err(e) => Err(self.fail(path, "write", e)),
            }
        })
    }

    fn delete(&self, path: &str) -> Result<(), ObjectError> {
        let key = self.key(path)?;
        self.run(path, async {
            match self.store.delete(&key).await {
                Ok(()) => Ok(()),
                Err(object_store::Error::NotFound { .. }) => self.bucket_exists(path).await,
                Err(e) => Err(self.fail(path, "delete", e)),
            }
        })
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }
}

/// The service's settings in `env`: names with `prefix` that object_store knows, as its
/// `from_env` reads them (upper case only, lower-cased to parse).
fn config<'a, K: std::str::FromStr>(
    env: &'a [(String, String)],
    prefix: &'a str,
) -> impl Iterator<Item = (K, &'a str)> + 'a {
    env.iter().filter_map(move |(name, value)| {
        if !name.starts_with(prefix) {
            return None;
        }
        Some((name.to_ascii_lowercase().parse().ok()?, value.as_str()))
    })
}

/// The value of `name` in `env`, unless empty.
fn var<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
    env.iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

/// Whether to let object_store speak plain http to the S3 endpoint (see the module docs).
fn allow_plain_http(location: &str, env: &[(String, String)]) -> Result<bool, ObjectError> {
    let endpoint = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
        .iter()
        .find_map(|name| var(env, name));
    let Some(endpoint) = endpoint else {
        return Ok(false);
    };
    let Ok(url) = url::Url::parse(endpoint) else {
        return Err(ObjectError::BadLocation {
            given: location.to_string(),
            detail: format!(
                "AWS_ENDPOINT_URL {endpoint:?} is not a URL (expected https://HOST[:PORT])"
            ),
        });
    };
    if url.scheme() != "http" {
        return Ok(false);
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    let allowed = var(env, "AWS_ALLOW_HTTP").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if loopback || allowed {
        return Ok(true);
    }
    Err(ObjectError::BadLocation {
        given: location.to_string(),
        detail: format!(
            "AWS_ENDPOINT_URL {} is plain http to another machine: credentials and objects would travel unencrypted; use https, or set AWS_ALLOW_HTTP=true to accept that",
            url.origin().ascii_serialization()
        ),
    })
}

/// The values of credential-like variables of the three services, to scrub from messages.
fn secrets(env: &[(String, String)]) -> Vec<String> {
    const KINDS: [&str; 6] = ["KEY", "SECRET", "TOKEN", "SAS", "PASSWORD", "CREDENTIAL"];
    env.iter()
        .filter(|(k, v)| {
            ["AWS_", "GOOGLE_", "AZURE_"]
                .iter()
                .any(|p| k.starts_with(p))
                && KINDS.iter().any(|kind| k.contains(kind))
                && v.len() >= 4
        })
        .map(|(_, v)| v.clone())
        .collect()
}

/// A message fit to show: no credential value, no URL query string (a SAS token travels in
/// one), one line, at most 400 characters.
fn scrub(message: &str, secrets: &[String]) -> String {
    let mut text = message.to_string();
    for secret in secrets {
        text = text.replace(secret.as_str(), "[redacted]");
    }
    let mut out = String::with_capacity(text.len());
    let mut in_query = false;
    let mut last = ' ';
    for (i, c) in text.char_indices() {
        if c.is_whitespace() || c == '"' || c == '>' || c == '<' {
            in_query = false;
        } else if c == '?' && url_before(&text[..i]) {
            in_query = true;
            out.push_str("?[query removed]");
        }
        if !in_query {
            let c = if c.is_control() { ' ' } else { c };
            if !(c == ' ' && last == ' ') {
                out.push(c);
            }
            last = c;
        }
    }
    match out.char_indices().nth(400) {
        Some((at, _)) => format!("{}…", &out[..at]),
        None => out.trim().to_string(),
    }
}

/// Whether the word ending at the end of `before` is a URL.
fn url_before(before: &str) -> bool {
    let word = before
        .rsplit([' ', '"', '<', '>', '\n', '\t'])
        .next()
        .unwrap_or("");
    word.contains("://")
}

/// The S3 error code (`<Code>AccessDenied</Code>`) in a store's message, if any.
fn s3_code(message: &str) -> Option<&str> {
    let start = message.find("<Code>")? + "<Code>".len();
    let len = message[start..].find("</Code>")?;
    Some(&message[start..start + len]).filter(|c| c.len() <= 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_lose_credentials_and_query_strings() {
        let secrets = vec!["AKIASECRETID".to_string(), "wJalrXUtnFEMI".to_string()];
        let said = scrub(
            "Error performing GET http://h/b/k?X-Amz-Credential=abc&sig=1 in 1ms: <Code>SignatureDoesNotMatch</Code><AWSAccessKeyId>AKIASECRETID</AWSAccessKeyId> wJalrXUtnFEMI\n",
            &secrets,
        );
        assert!(!said.contains("AKIASECRETID"), "{said}");
        assert!(!said.contains("wJalrXUtnFEMI"), "{said}");
        assert!(!said.contains("X-Amz-Credential"), "{said}");
        assert!(
            said.contains("http://h/b/k?[query removed] in 1ms"),
            "{said}"
        );
        assert_eq!(s3_code(&said), Some("SignatureDoesNotMatch"));
        assert_eq!(scrub(&"x".repeat(500), &[]).chars().count(), 401);
    }

    #[test]
    fn locations_are_checked_before_any_request() {
        for bad in [
            "s3://",
            "s3:///prefix",
            "s3://key:secret@bucket/p",
            "s3://bucket:9000/p",
            "s3://bucket/p?x=1",
            "s3://bucket/a/../b",
            "s3://bucket/a//b",
            "s3://bucket//a",
            "s3://bucket/a#b",
            "s3:/bucket",
        ] {
            assert!(
                matches!(
                    StoreObjects::open(bad),
                    Err(ObjectError::BadLocation { .. })
                ),
                "{bad}"
            );
        }
    }
}
