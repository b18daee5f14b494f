//! Where a published log lives: the objects `claimledger publish` writes and `claimledger mirror`
//! reads, in a directory, an object store bucket (`s3://`…) or, read only, behind an HTTP URL.
//!
//! An object is named by its path relative to the log's prefix (`checkpoint`,
//! `tile/0/x001/234`, …: docs/FORMAT.md §18). Backends only move bytes: they never interpret
//! them, and everything read through them is verified by the caller.
//!
//! | file | backend |
//! | --- | --- |
//! | `dir.rs` | a local directory (a static web root, a mounted volume) |
//! | `remote.rs` | an object store bucket: `s3://`, `gs://`, `az://` (feature `remote`) |
//! | `http.rs` | read only, a web server: a published folder or `claimledger serve` (feature `remote`) |

mod dir;
#[cfg(feature = "remote")]
mod http;
#[cfg(feature = "remote")]
mod remote;

pub use dir::DirObjects;
#[cfg(feature = "remote")]
pub use http::HttpObjects;
#[cfg(feature = "remote")]
pub use remote::StoreObjects;

use std::path::PathBuf;

/// How long a reader (a browser, a CDN) may keep an object without asking again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cache {
    /// Never changes once written: hash tiles, entry bundles, static assets named by content.
    Immutable,
    /// Changes rarely and only to remove content: payload bundles and receipts (a redaction
    /// rewrites them), pages and their data. Kept short so a redaction reaches readers soon.
    Revisable,
    /// The checkpoint: changes on every publish; written last.
    Checkpoint,
}

impl Cache {
    /// The `Cache-Control` header value for objects of this kind.
    pub fn header(self) -> &'static str {
        match self {
            Cache::Immutable => "public, max-age=31536000, immutable",
            Cache::Revisable => "public, max-age=300",
            Cache::Checkpoint => "public, max-age=10, must-revalidate",
        }
    }
}

/// Errors of an object backend. Every one means the object was not written (or not read).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectError {
    /// The destination or source could not be understood.
    #[error("{given:?} is not a usable location: {detail}")]
    BadLocation {
        /// what was given
        given: String,
        /// why not, and what to give instead
        detail: String,
    },
    /// An object was larger than the reader accepts.
    #[error(
        "{location}/{path} is larger than {limit} bytes; a claimledger log never publishes an object that large, so this source is not one (or is serving garbage)"
    )]
    TooLarge {
        /// the backend, as shown to the user
        location: String,
        /// the object's path
        path: String,
        /// the limit
        limit: u64,
    },
    /// The backend refused or failed.
    #[error("{location}/{path}: {detail}")]
    Backend {
        /// the backend, as shown to the user
        location: String,
        /// the object's path
        path: String,
        /// what went wrong
        detail: String,
    },
    /// Writing is not possible here (an HTTP source is read only).
    #[error("{location} is read only: {detail}")]
    ReadOnly {
        /// the backend, as shown to the user
        location: String,
        /// what to do instead
        detail: String,
    },
    /// A local file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// the file
        path: PathBuf,
        /// the cause
        source: std::io::Error,
    },
}

/// A store of published objects.
///
/// Contracts, for every backend:
/// - `put` MUST replace the object whole: a reader sees the old bytes or the new, never a part
///   (a directory writes a temporary file and renames it).
/// - `get` MUST return `Ok(None)` for an absent object, and MUST fail with
///   [`ObjectError::TooLarge`] rather than hold more than `limit` bytes in memory.
/// - Paths are `/`-separated, relative, with no `.` or `..` element and no empty element;
///   a backend MUST refuse any other path rather than write outside its prefix.
/// - Nothing here prints; credentials MUST NOT appear in [`Objects::describe`] or in errors.
pub trait Objects: Send + Sync {
    /// The object's bytes, or `None` if there is no such object.
    fn get(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, ObjectError>;
    /// Write the object with its content type and cache lifetime.
    fn put(
        &self,
        path: &str,
        bytes: &[u8],
        content_type: &str,
        cache: Cache,
    ) -> Result<(), ObjectError>;
    /// Remove the object; removing an absent object is not an error.
    fn delete(&self, path: &str) -> Result<(), ObjectError>;
    /// Make every object written so far durable. A writer about to publish something that
    /// points at objects (`checkpoint`) MUST call it first, so that no crash, power loss
    /// included, leaves the pointer without what it points at. A backend whose puts are
    /// durable when they return (an object store) has nothing to do.
    fn sync(&self) -> Result<(), ObjectError> {
        Ok(())
    }
    /// Where this is, for messages (`/srv/log`, `s3://bucket/prefix`), without credentials.
    fn describe(&self) -> String;
}

/// What [`open`] accepts, for hints.
#[cfg(feature = "remote")]
pub(crate) const SUPPORTED: &str = "give a directory, s3://BUCKET/PREFIX, gs://BUCKET/PREFIX, az://CONTAINER/PREFIX, or (read only) an http:// or https:// URL";
#[cfg(not(feature = "remote"))]
pub(crate) const SUPPORTED: &str =
    "this build reads and writes directories only (URLs need the `remote` feature)";

/// Open a location given on the command line: a directory path (which MUST exist: this never
/// creates the directory a user named, so a typo is not published to), or — with the `remote`
/// feature — `s3://bucket/prefix`, `gs://…`, `az://…` ([`StoreObjects`], configured by the
/// environment) or, read only, `http(s)://…` ([`HttpObjects`]). Any other `scheme://` is refused
/// with the list of supported ones.
pub fn open(location: &str) -> Result<Box<dyn Objects>, ObjectError> {
    let Some((scheme, _)) = location.split_once("://") else {
        return Ok(Box::new(DirObjects::open(location)?));
    };
    #[cfg(feature = "remote")]
    match scheme.to_ascii_lowercase().as_str() {
        "s3" | "gs" | "az" => return Ok(Box::new(StoreObjects::open(location)?)),
        "http" | "https" => return Ok(Box::new(HttpObjects::open(location)?)),
        _ => {}
    }
    Err(ObjectError::BadLocation {
        given: location.to_string(),
        detail: format!("unknown scheme {scheme}://; {SUPPORTED}"),
    })
}

/// Check a relative object path (see [`Objects`]); shared by every backend.
pub(crate) fn check_path(location: &str, path: &str) -> Result<(), ObjectError> {
    let ok = !path.is_empty()
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != ".." && !p.contains('\\'));
    if ok {
        Ok(())
    } else {
        Err(ObjectError::Backend {
            location: location.to_string(),
            path: path.to_string(),
            detail: "not a relative object path".into(),
        })
    }
}
