//! C2SP tlog-checkpoint: the signed tree head (origin, size, root).
//!
//! Body (c2sp.org/tlog-checkpoint): origin line, decimal tree size line, base64 root hash line,
//! then optional non-empty extension lines, each line ending in a newline. The body is the text
//! of a signed note ([`crate::format::note`]).

use crate::format::keys::{BASE64, SigningKey, VerifyingKey};
use crate::format::merkle::Hash;
use crate::format::note::{Note, NoteError, sign_note};
use base64::Engine as _;

/// A tree head: which log (origin), how many leaves (size), and the RFC 6962 root hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity; by our convention also the name of the log's signing key.
    pub origin: String,
    /// Number of leaves in the tree.
    pub size: u64,
    /// RFC 6962 Merkle tree hash of the first `size` leaves.
    pub root: Hash,
    /// Extension lines without their newlines (opaque, each non-empty).
    pub extensions: Vec<String>,
}

/// Why a checkpoint body or signed checkpoint was rejected.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    /// The origin is empty or contains a newline or another control character.
    #[error("invalid checkpoint origin: it must be a non-empty line with no control characters")]
    InvalidOrigin,
    /// The body does not end with a newline.
    #[error("malformed checkpoint: the body does not end with a newline")]
    NoFinalNewline,
    /// The body contains a control character other than newline.
    #[error("malformed checkpoint: control character at byte {0} (only newline is allowed)")]
    ControlCharacter(usize),
    /// Fewer than the three required lines.
    #[error("malformed checkpoint: it needs origin, tree size and root hash lines")]
    MissingLines,
    /// The size line is not a canonical decimal `u64`.
    #[error(
        "malformed checkpoint: the tree size is not a decimal number without sign or leading zeros that fits in 64 bits"
    )]
    InvalidSize,
    /// The root line is not canonical padded base64 of exactly 32 bytes.
    #[error("malformed checkpoint: the root hash is not canonical base64 of 32 bytes")]
    InvalidRoot,
    /// An extension line is empty (or contains a newline, when building one).
    #[error("malformed checkpoint: extension line {0} is empty or not a single line")]
    InvalidExtension(usize),
    /// The signing or verifying key's name is not the checkpoint origin.
    #[error(
        "key name {key_name:?} does not match the checkpoint origin {origin:?}; use the log's own key"
    )]
    KeyNameMismatch {
        /// The key's name.
        key_name: String,
        /// The checkpoint's origin.
        origin: String,
    },
    /// The note layer failed: malformed note, bad or missing signature by the log key.
    #[error(transparent)]
    Note(#[from] NoteError),
}

fn check_line(line: &str) -> bool {
    !line.is_empty() && !line.bytes().any(|b| b < 0x20)
}

/// A canonical decimal `u64`: digits only, no leading zeros except `0` itself.
pub(crate) fn parse_size(line: &str) -> Option<u64> {
    if line.is_empty()
        || !line.bytes().all(|b| b.is_ascii_digit())
        || (line.len() > 1 && line.starts_with('0'))
    {
        return None;
    }
    line.parse().ok()
}

/// Canonical padded base64 of exactly 32 bytes (a hash).
pub(crate) fn parse_root(line: &str) -> Option<Hash> {
    // 32 bytes are 44 characters; decode_slice wants room for its 33-byte estimate.
    if line.len() != 44 {
        return None;
    }
    let mut buf = [0u8; 33];
    match BASE64.decode_slice(line, &mut buf) {
        Ok(32) => {
            let mut root = [0u8; 32];
            root.copy_from_slice(&buf[..32]);
            Some(root)
        }
        _ => None,
    }
}

impl Checkpoint {
    /// A checkpoint with no extension lines.
    ///
    /// `origin` MUST be non-empty and contain no newline or other control character
    /// ([`CheckpointError::InvalidOrigin`]). It MAY contain spaces (the spec allows it), but
    /// then no key can sign it, since [`Checkpoint::sign`] requires key name == origin.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, CheckpointError> {
        if !check_line(origin) {
            return Err(CheckpointError::InvalidOrigin);
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// Parse a checkpoint body (a note text).
    ///
    /// MUST reject: no final newline; control characters other than newline; fewer than three
    /// lines; an empty origin; a size with sign, leading zeros, non-digits or above `u64::MAX`;
    /// a root that is not canonical padded base64 of exactly 32 bytes; empty extension lines.
    pub fn parse_body(text: &str) -> Result<Self, CheckpointError> {
        if let Some(at) = text.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(CheckpointError::ControlCharacter(at));
        }
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::NoFinalNewline)?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::MissingLines);
        };
        if origin.is_empty() {
            return Err(CheckpointError::InvalidOrigin);
        }
        let size = parse_size(size).ok_or(CheckpointError::InvalidSize)?;
        let root = parse_root(root).ok_or(CheckpointError::InvalidRoot)?;
        let mut extensions = Vec::new();
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                return Err(CheckpointError::InvalidExtension(i + 1));
            }
            extensions.push(line.to_owned());
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// The body: `origin\nsize\nbase64(root)\n` followed by each extension line and a newline.
    ///
    /// Only meaningful for a checkpoint that [`Checkpoint::validate`] accepts.
    pub fn body(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        );
        for ext in &self.extensions {
            out.push_str(ext);
            out.push('\n');
        }
        out
    }

    /// Check the fields (which are public, so may have been edited): origin and every extension
    /// line MUST be non-empty single lines without control characters. Then
    /// `parse_body(&self.body()) == Ok(self.clone())`.
    pub fn validate(&self) -> Result<(), CheckpointError> {
        if !check_line(&self.origin) {
            return Err(CheckpointError::InvalidOrigin);
        }
        for (i, ext) in self.extensions.iter().enumerate() {
            if !check_line(ext) {
                return Err(CheckpointError::InvalidExtension(i + 1));
            }
        }
        Ok(())
    }

    /// Sign the body and return the signed note text.
    ///
    /// The key name MUST equal the origin ([`CheckpointError::KeyNameMismatch`]); the fields
    /// MUST pass [`Checkpoint::validate`].
    pub fn sign(&self, key: &SigningKey) -> Result<String, CheckpointError> {
        self.validate()?;
        if key.name() != self.origin {
            return Err(CheckpointError::KeyNameMismatch {
                key_name: key.name().to_owned(),
                origin: self.origin.clone(),
            });
        }
        Ok(sign_note(&self.body(), key)?)
    }
}

/// Open a signed checkpoint note with the log's key.
///
/// The note MUST parse; a signature by `log_key` MUST be present and verify (signatures by other
/// keys, such as witnesses, are ignored); `log_key`'s name MUST equal the origin line; the body
/// MUST parse as a checkpoint. Returns the checkpoint and the parsed note (for its other
/// signatures).
pub fn open_checkpoint(
    note: &[u8],
    log_key: &VerifyingKey,
) -> Result<(Checkpoint, Note), CheckpointError> {
    let parsed = Note::parse(note)?;
    parsed.verify(std::slice::from_ref(log_key))?;
    let checkpoint = Checkpoint::parse_body(parsed.text())?;
    if checkpoint.origin != log_key.name() {
        return Err(CheckpointError::KeyNameMismatch {
            key_name: log_key.name().to_owned(),
            origin: checkpoint.origin,
        });
    }
    Ok((checkpoint, parsed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EMPTY_ROOT: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

    #[test]
    fn body_round_trip() {
        let text = format!("example.com/log\n0\n{EMPTY_ROOT}\n");
        let cp = Checkpoint::parse_body(&text).expect("valid body");
        assert_eq!(cp.origin, "example.com/log");
        assert_eq!(cp.size, 0);
        assert_eq!(BASE64.encode(cp.root), EMPTY_ROOT);
        assert_eq!(cp.body(), text);
        let ext = format!("o\n{}\n{EMPTY_ROOT}\nextension one\n— two\n", u64::MAX);
        let cp = Checkpoint::parse_body(&ext).expect("valid body");
        assert_eq!(cp.size, u64::MAX);
        assert_eq!(cp.extensions, vec!["extension one", "— two"]);
        assert_eq!(cp.body(), ext);
    }

    #[test]
    fn bad_bodies() {
        let r = EMPTY_ROOT;
        let cases: Vec<(String, CheckpointError)> = vec![
            (format!("o\n1\n{r}"), CheckpointError::NoFinalNewline),
            ("o\n1\n".into(), CheckpointError::MissingLines),
            ("".into(), CheckpointError::NoFinalNewline),
            ("\n".into(), CheckpointError::MissingLines),
            (format!("\n1\n{r}\n"), CheckpointError::InvalidOrigin),
            (format!("o\n01\n{r}\n"), CheckpointError::InvalidSize),
            (format!("o\n+1\n{r}\n"), CheckpointError::InvalidSize),
            (format!("o\n-0\n{r}\n"), CheckpointError::InvalidSize),
            (format!("o\n\n{r}\n"), CheckpointError::InvalidSize),
            (format!("o\n 1\n{r}\n"), CheckpointError::InvalidSize),
            (
                format!("o\n18446744073709551616\n{r}\n"),
                CheckpointError::InvalidSize,
            ),
            (
                "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n".into(),
                CheckpointError::InvalidRoot,
            ),
            (
                "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n".into(),
                CheckpointError::InvalidRoot,
            ),
            ("o\n1\nAAAA\n".into(), CheckpointError::InvalidRoot),
            (
                format!("o\n1\n{r}\n\n"),
                CheckpointError::InvalidExtension(1),
            ),
            (
                format!("o\n1\n{r}\nx\n\n"),
                CheckpointError::InvalidExtension(2),
            ),
            (
                format!("o\r\n1\n{r}\n"),
                CheckpointError::ControlCharacter(1),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(Checkpoint::parse_body(&text), Err(want), "{text:?}");
        }
    }

    #[test]
    fn sign_requires_matching_key_and_opens() {
        let key = SigningKey::from_seed("example.com/log", [9; 32]).expect("valid name");
        let other = SigningKey::from_seed("example.com/other", [9; 32]).expect("valid name");
        let cp = Checkpoint::new("example.com/log", 3, [7; 32]).expect("valid origin");
        assert!(matches!(
            cp.sign(&other),
            Err(CheckpointError::KeyNameMismatch { .. })
        ));
        let signed = cp.sign(&key).expect("signs");
        let (opened, _) = open_checkpoint(signed.as_bytes(), &key.verifying_key()).expect("opens");
        assert_eq!(opened, cp);
        // A witness cosignature does not disturb opening.
        let witnessed = crate::format::note::add_signature(&signed, &other).expect("adds");
        let (opened, note) =
            open_checkpoint(witnessed.as_bytes(), &key.verifying_key()).expect("opens");
        assert_eq!(opened, cp);
        assert_eq!(note.signatures().len(), 2);
        // Opening with the witness key: its name is not the origin.
        assert!(matches!(
            open_checkpoint(witnessed.as_bytes(), &other.verifying_key()),
            Err(CheckpointError::KeyNameMismatch { .. })
        ));
        assert!(matches!(
            Checkpoint::new("a\nb", 1, [0; 32]),
            Err(CheckpointError::InvalidOrigin)
        ));
        assert!(matches!(
            Checkpoint::new("", 1, [0; 32]),
            Err(CheckpointError::InvalidOrigin)
        ));
        let mut bad = cp.clone();
        bad.extensions.push("two\nlines".into());
        assert_eq!(bad.sign(&key), Err(CheckpointError::InvalidExtension(1)));
    }

    proptest! {
        #[test]
        fn parse_body_never_panics(text in "(?s).{0,300}") {
            let _ = Checkpoint::parse_body(&text);
        }

        #[test]
        fn parse_body_never_panics_on_near_bodies(
            origin in "[a-z/ ]{0,8}", size in "[-+0-9]{0,22}", root in "[A-Za-z0-9+/=]{0,46}",
            ext in "(?s)[a-z\n]{0,8}",
        ) {
            let text = format!("{origin}\n{size}\n{root}\n{ext}");
            if let Ok(cp) = Checkpoint::parse_body(&text) {
                prop_assert_eq!(cp.body(), text);
            }
        }

        #[test]
        fn body_round_trips(origin in "[^\\x00-\\x1F]{1,40}", size in any::<u64>(), root in any::<[u8; 32]>(),
                            exts in proptest::collection::vec("[^\\x00-\\x1F]{1,20}", 0..3)) {
            let mut cp = Checkpoint::new(&origin, size, root).expect("valid origin");
            cp.extensions = exts;
            prop_assert_eq!(Checkpoint::parse_body(&cp.body()), Ok(cp));
        }
    }
}
