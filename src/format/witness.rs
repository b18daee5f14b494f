//! C2SP tlog-witness messages: the `add-checkpoint` request body and the 409 size body.
//!
//! Request (c2sp.org/tlog-witness), every line ending in a newline:
//!
//! ```text
//! old <size>                      decimal, no leading zeros
//! <base64 hash>                   0 to 63 consistency proof lines
//! <empty line>
//! <signed checkpoint note>
//! ```
//!
//! A 409 answer carries `text/x.tlog.size`: the witness's latest cosigned size in decimal and a
//! newline ([`size_body`], [`parse_size_body`]). The checks a witness makes on a request (which
//! status for what) live in the witness server; this file only frames bytes.

use crate::format::checkpoint::{parse_root, parse_size};
use crate::format::keys::{BASE64, KeyError, VerifyingKey};
use crate::format::merkle::Hash;
use base64::Engine as _;

/// The most consistency proof lines a request may carry (a proof within a 2^63-leaf tree).
pub const MAX_PROOF_LINES: usize = 63;

/// The media type of a 409 answer's body.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// Why a witness's log list (`--logs`) was rejected.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum LogListError {
    /// A line is not a log verifier key.
    #[error(
        "line {line}: {source}; each line holds one log verifier key (name+hex8+base64), whose name is the log's origin"
    )]
    Key {
        /// 1-based line number.
        line: usize,
        /// Why the key does not parse.
        #[source]
        source: KeyError,
    },
    /// The same key is listed twice.
    #[error("line {0}: this log key is listed twice")]
    Duplicate(usize),
    /// No key at all.
    #[error("the log list has no keys; add one log verifier key per line")]
    Empty,
}

/// Parse a witness's log list: one log verifier key (type 0x01, name = origin) per line.
///
/// Blank lines and lines starting with `#` are skipped; spaces and tabs around a key are ignored.
/// MUST reject an invalid key, the same key twice (two keys for one origin are fine: a log
/// rotating its key), and a list with no key.
pub fn parse_log_list(text: &str) -> Result<Vec<VerifyingKey>, LogListError> {
    let mut keys: Vec<VerifyingKey> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_matches([' ', '\t']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key: VerifyingKey = line.parse().map_err(|source| LogListError::Key {
            line: i + 1,
            source,
        })?;
        if keys.contains(&key) {
            return Err(LogListError::Duplicate(i + 1));
        }
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(LogListError::Empty);
    }
    Ok(keys)
}

/// Why an `add-checkpoint` body is malformed (a witness answers 400).
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The first line is not `old <decimal>`.
    #[error("the first line must be 'old <size>' with a decimal size without leading zeros")]
    OldSize,
    /// A proof line is not canonical base64 of 32 bytes.
    #[error("consistency proof line {0} is not canonical base64 of a 32-byte hash")]
    ProofLine(usize),
    /// More than [`MAX_PROOF_LINES`] proof lines.
    #[error("the consistency proof has more than {MAX_PROOF_LINES} lines")]
    TooManyProofLines,
    /// No empty line before the checkpoint, or nothing after it.
    #[error("the proof must be followed by an empty line and the signed checkpoint")]
    NoCheckpoint,
    /// The body is not UTF-8.
    #[error("the request body is not UTF-8")]
    NotUtf8,
}

/// A parsed `add-checkpoint` request. The checkpoint note is not parsed or verified here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the client believes the witness cosigned last (0 if none).
    pub old_size: u64,
    /// Consistency proof from `old_size` to the checkpoint's size (RFC 6962 §2.1.2).
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, as sent (may carry several signatures).
    pub checkpoint: String,
}

impl AddCheckpoint {
    /// Parse a request body.
    ///
    /// MUST reject: non-UTF-8; a first line other than `old <canonical decimal>`; a proof line
    /// that is not canonical padded base64 of 32 bytes; more than [`MAX_PROOF_LINES`] proof
    /// lines; no empty line after the proof; an empty checkpoint. Never panics; reads at most
    /// 65 lines before the checkpoint.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, RequestError> {
        let text = std::str::from_utf8(body).map_err(|_| RequestError::NotUtf8)?;
        let (first, mut rest) = text.split_once('\n').ok_or(RequestError::OldSize)?;
        let old_size = first
            .strip_prefix("old ")
            .and_then(parse_size)
            .ok_or(RequestError::OldSize)?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest.split_once('\n').ok_or(RequestError::NoCheckpoint)?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(RequestError::TooManyProofLines);
            }
            proof.push(parse_root(line).ok_or(RequestError::ProofLine(proof.len() + 1))?);
        }
        if rest.is_empty() {
            return Err(RequestError::NoCheckpoint);
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            checkpoint: rest.to_owned(),
        })
    }

    /// The request body. MUST NOT be sent with more than [`MAX_PROOF_LINES`] proof hashes.
    pub fn to_body(&self) -> String {
        let mut out = format!("old {}\n", self.old_size);
        for h in &self.proof {
            out.push_str(&BASE64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }
}

/// The body of a 409 answer: `<size>\n`.
pub fn size_body(size: u64) -> String {
    format!("{size}\n")
}

/// Read a 409 answer's body: a canonical decimal and a newline, nothing else.
pub fn parse_size_body(body: &[u8]) -> Option<u64> {
    std::str::from_utf8(body)
        .ok()?
        .strip_suffix('\n')
        .and_then(parse_size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_limits() {
        let req = AddCheckpoint {
            old_size: 20852014,
            proof: vec![[1; 32], [2; 32]],
            checkpoint: "o\n1\nx\n\n— o AAAA\n".into(),
        };
        let body = req.to_body();
        assert_eq!(AddCheckpoint::parse(body.as_bytes()), Ok(req.clone()));
        let max = AddCheckpoint {
            proof: vec![[3; 32]; 63],
            ..req.clone()
        };
        assert!(AddCheckpoint::parse(max.to_body().as_bytes()).is_ok());
        let over = AddCheckpoint {
            proof: vec![[3; 32]; 64],
            ..req.clone()
        };
        assert_eq!(
            AddCheckpoint::parse(over.to_body().as_bytes()),
            Err(RequestError::TooManyProofLines)
        );
        let h = BASE64.encode([1u8; 32]);
        for (bad, want) in [
            ("", RequestError::OldSize),
            ("old 01\n\nx", RequestError::OldSize),
            ("old -1\n\nx", RequestError::OldSize),
            ("old  1\n\nx", RequestError::OldSize),
            ("Old 1\n\nx", RequestError::OldSize),
            ("old 1\n", RequestError::NoCheckpoint),
            ("old 1\n\n", RequestError::NoCheckpoint),
            (&format!("old 1\n{h}\n"), RequestError::NoCheckpoint),
            (&format!("old 1\n{h}x\n\nc"), RequestError::ProofLine(1)),
            (
                &format!("old 1\n{h}\n {h}\n\nc"),
                RequestError::ProofLine(2),
            ),
        ] {
            assert_eq!(AddCheckpoint::parse(bad.as_bytes()), Err(want), "{bad:?}");
        }
        assert_eq!(
            AddCheckpoint::parse(b"old 1\n\n\xff"),
            Err(RequestError::NotUtf8)
        );
    }

    #[test]
    fn log_lists() {
        let a = crate::format::keys::SigningKey::from_seed("a.example/log", [1; 32])
            .expect("valid name")
            .verifying_key();
        let b = crate::format::keys::SigningKey::from_seed("a.example/log", [2; 32])
            .expect("valid name")
            .verifying_key();
        let text = format!("# logs\n\n  {a}\t\n{b}\n");
        assert_eq!(parse_log_list(&text), Ok(vec![a.clone(), b]));
        assert_eq!(
            parse_log_list(&format!("{a}\n{a}\n")),
            Err(LogListError::Duplicate(2))
        );
        assert_eq!(parse_log_list("# none\n"), Err(LogListError::Empty));
        assert!(matches!(
            parse_log_list("x\n"),
            Err(LogListError::Key { line: 1, .. })
        ));
    }

    #[test]
    fn size_bodies() {
        assert_eq!(parse_size_body(size_body(42).as_bytes()), Some(42));
        assert_eq!(parse_size_body(b"0\n"), Some(0));
        for bad in [&b"42"[..], b"042\n", b"42\n\n", b" 42\n", b""] {
            assert_eq!(parse_size_body(bad), None);
        }
    }
}
