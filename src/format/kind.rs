//! Entry kinds, format limits and the error for a refused entry: the one home that entry.rs and
//! payload.rs both take them from (FORMAT.md §4, §5).

use crate::format::encoding::EncodingError;
use crate::format::figure::FigureError;
use crate::format::keys::{KeyError, KeyId};
use serde::{Deserialize, Serialize};

/// The envelope format this code writes and reads.
pub const FORMAT_V1: &str = "claimledger/v1";
/// Largest envelope accepted, in bytes of canonical JSON.
pub const MAX_ENVELOPE_BYTES: usize = 64 * 1024;
/// Largest payload accepted, in bytes of canonical JSON.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// Why an envelope or payload is refused.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    /// Bigger than the format allows.
    #[error("{what} is {size} bytes; the limit is {max} bytes")]
    TooLarge {
        /// "envelope" or "payload"
        what: &'static str,
        /// its size
        size: usize,
        /// the limit
        max: usize,
    },
    /// Not acceptable JSON, or not canonical where canonical bytes are required.
    #[error("{what}")]
    Encoding {
        /// "envelope" or "payload"
        what: &'static str,
        /// the cause
        #[source]
        source: EncodingError,
    },
    /// JSON with the wrong shape: unknown field, missing field, wrong type.
    #[error("{what}: {message}")]
    Shape {
        /// "envelope" or "claim payload", …
        what: &'static str,
        /// serde's description, e.g. "unknown field `colour`, expected one of …"
        message: String,
    },
    /// A field with a value the format does not allow.
    #[error("{field}: {reason}")]
    Field {
        /// JSON path of the field, e.g. "claimant.name"
        field: String,
        /// what is wrong and what is expected
        reason: String,
    },
    /// The envelope's `format` is not one this build reads.
    #[error(
        "envelope format {0:?} is not supported (this build reads {FORMAT_V1:?}); upgrade claimledger"
    )]
    UnsupportedFormat(String),
    /// The signer key text does not parse.
    #[error("signer: {0}")]
    Signer(KeyError),
    /// The author's signature does not verify.
    #[error("signature by key {key_id} does not verify")]
    BadSignature {
        /// the signer's key ID
        key_id: KeyId,
    },
    /// The payload's SHA-256 differs from the envelope's `payload_sha256`.
    #[error("payload hash {actual} does not match the envelope's payload_sha256 {expected}")]
    PayloadHashMismatch {
        /// from the envelope, hex
        expected: String,
        /// of the payload bytes, hex
        actual: String,
    },
    /// A figure is malformed.
    #[error("figure: {0}")]
    Figure(#[from] FigureError),
}

impl EntryError {
    pub(crate) fn field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        EntryError::Field {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// What an entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Something someone said, recorded verbatim.
    Claim,
    /// A stance toward an earlier claim or statement.
    Statement,
    /// A grant or revocation of a recorder key, signed by the operator.
    Key,
    /// The operator's decision to withhold an earlier entry's payload.
    Redaction,
}

impl Kind {
    /// The name used in JSON and SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Claim => "claim",
            Kind::Statement => "statement",
            Kind::Key => "key",
            Kind::Redaction => "redaction",
        }
    }
}
