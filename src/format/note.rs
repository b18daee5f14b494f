//! C2SP signed notes: text plus Ed25519 signature lines.
//!
//! Format (c2sp.org/signed-note, as implemented by golang.org/x/mod/sumdb/note):
//!
//! ```text
//! <text, ending in a newline>
//! <blank line>
//! — <key name> <base64(4-byte key ID || signature)>
//! …more signature lines, each ending in a newline
//! ```
//!
//! A note MUST be valid UTF-8 with no control characters (below U+0020) other than newline. The
//! text is separated from the signatures by the *last* blank line; the text keeps its final
//! newline. Parsing follows Go's `note.Open` with two deliberate tightenings: base64 must be
//! canonical (so a note has exactly one encoding), and every signature by a known key is
//! verified, not only the first one per key.

use crate::format::keys::{BASE64, KeyId, SigningKey, VerifyingKey};
use base64::Engine as _;
use std::collections::HashSet;

/// Most signature lines a note may carry (Go's limit; C2SP requires accepting at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// The prefix of every signature line: em dash (U+2014) and a space.
pub(crate) const SIG_PREFIX: &str = "\u{2014} ";

/// One signature line of a note, not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name on the line.
    pub name: String,
    /// The first 4 decoded bytes: the signing key's ID.
    pub key_id: KeyId,
    /// The decoded bytes after the key ID (64 for Ed25519; other lengths parse but never verify).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line as it appears in a note, without its newline: `— name base64(id || sig)`.
    pub fn line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id.0);
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}", self.name, BASE64.encode(raw))
    }
}

/// Why some bytes are not a well-formed note (or a text is not valid note text).
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Not valid UTF-8.
    #[error("it is not valid UTF-8 (at byte {0})")]
    NotUtf8(usize),
    /// A byte below 0x20 other than newline.
    #[error("it contains a control character at byte {0} (only newline is allowed)")]
    ControlCharacter(usize),
    /// No blank line separates text and signatures.
    #[error("it has no blank line separating the text from the signature lines")]
    NoBlankLine,
    /// Nothing follows the last blank line.
    #[error("it has no signature lines after the last blank line")]
    NoSignatures,
    /// The note (or note text) does not end with a newline.
    #[error("it does not end with a newline")]
    NoFinalNewline,
    /// Signature line `n` (1-based) does not start with an em dash and a space.
    #[error("signature line {0} does not start with an em dash (U+2014) and a space")]
    SignaturePrefix(usize),
    /// Signature line `n` has an empty key name or one with white space or `+`.
    #[error("signature line {0} has an invalid key name")]
    SignatureKeyName(usize),
    /// Signature line `n` is not `name base64` with canonical padded base64.
    #[error("signature line {0} is not a key name, one space and canonical base64")]
    SignatureEncoding(usize),
    /// Signature line `n` decodes to fewer than 5 bytes (4-byte key ID and a signature).
    #[error("signature line {0} is too short to hold a key ID and a signature")]
    SignatureTooShort(usize),
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("it has more than {MAX_SIGNATURES} signature lines")]
    TooManySignatures,
}

/// Why a note could not be parsed, verified or signed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum NoteError {
    /// The bytes are not a well-formed signed note.
    #[error("malformed signed note: {0}")]
    Malformed(Malformed),
    /// Text given for signing breaks the note text rules.
    #[error(
        "cannot sign this text: {0}; note text must end in a newline and contain no control characters other than newline"
    )]
    InvalidText(Malformed),
    /// A signature by a known key did not verify; the whole note is rejected.
    #[error(
        "invalid signature for key {name}+{key_id}: the note was altered or signed with another key"
    )]
    InvalidSignature {
        /// The key name on the failing line.
        name: String,
        /// The key ID on the failing line.
        key_id: KeyId,
    },
    /// Two trusted keys share the name and ID of a signature line.
    #[error(
        "ambiguous key {name}+{key_id}: the trusted key list has it more than once; remove the duplicate"
    )]
    AmbiguousKey {
        /// The shared key name.
        name: String,
        /// The shared key ID.
        key_id: KeyId,
    },
    /// No signature by a known key is present.
    #[error(
        "note has no verifiable signatures: none is by a trusted key (check the key name and vkey)"
    )]
    NoVerifiedSignature,
}

/// A syntactically valid signed note. Its signatures are not verified until [`Note::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

/// Check the note text rules: ends in a newline, no control characters other than newline.
fn check_text_rules(text: &str) -> Result<(), Malformed> {
    if let Some(at) = text.bytes().position(|b| b < 0x20 && b != b'\n') {
        return Err(Malformed::ControlCharacter(at));
    }
    if !text.ends_with('\n') {
        return Err(Malformed::NoFinalNewline);
    }
    Ok(())
}

/// Parse one signature line (without its newline); `n` is its 1-based number.
pub(crate) fn parse_signature_line(line: &str, n: usize) -> Result<NoteSignature, Malformed> {
    let rest = line
        .strip_prefix(SIG_PREFIX)
        .ok_or(Malformed::SignaturePrefix(n))?;
    // Key names hold no spaces, so the name ends at the first space.
    let (name, b64) = rest.split_once(' ').unwrap_or((rest, ""));
    if !crate::format::keys::is_valid_key_name(name) {
        return Err(Malformed::SignatureKeyName(n));
    }
    if b64.is_empty() {
        return Err(Malformed::SignatureEncoding(n));
    }
    let raw = BASE64
        .decode(b64)
        .map_err(|_| Malformed::SignatureEncoding(n))?;
    if raw.len() < 5 {
        return Err(Malformed::SignatureTooShort(n));
    }
    let (id, sig) = raw.split_at(4);
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: KeyId([id[0], id[1], id[2], id[3]]),
        signature: sig.to_vec(),
    })
}

impl Note {
    /// Parse a signed note, checking syntax only (no signature is verified).
    ///
    /// MUST reject: invalid UTF-8; control characters other than newline; no blank line; no
    /// signature lines after the last blank line; no final newline; a signature line that is not
    /// `— name base64` with a valid key name and canonical padded base64 of at least 5 bytes;
    /// more than [`MAX_SIGNATURES`] signature lines. Never panics.
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        let s = std::str::from_utf8(bytes)
            .map_err(|e| NoteError::Malformed(Malformed::NotUtf8(e.valid_up_to())))?;
        if let Some(at) = s.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(NoteError::Malformed(Malformed::ControlCharacter(at)));
        }
        let split = s
            .rfind("\n\n")
            .ok_or(NoteError::Malformed(Malformed::NoBlankLine))?;
        let (text, sigs) = (&s[..split + 1], &s[split + 2..]);
        if sigs.is_empty() {
            return Err(NoteError::Malformed(Malformed::NoSignatures));
        }
        if !sigs.ends_with('\n') {
            return Err(NoteError::Malformed(Malformed::NoFinalNewline));
        }
        // After the last "\n\n" no line can be empty.
        let mut signatures = Vec::new();
        for (i, line) in sigs.split_terminator('\n').enumerate() {
            if i >= MAX_SIGNATURES {
                return Err(NoteError::Malformed(Malformed::TooManySignatures));
            }
            signatures.push(parse_signature_line(line, i + 1).map_err(NoteError::Malformed)?);
        }
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The signed text, including its final newline (not the separating blank line).
    ///
    /// Callers MUST NOT act on it before [`Note::verify`] succeeded.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// All signature lines in note order, duplicates included.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Verify with known keys: signatures by unknown (name, ID) pairs are ignored; every
    /// signature by a known key MUST verify (`verify_strict`), else [`NoteError::InvalidSignature`];
    /// a (name, ID) matching two known keys is [`NoteError::AmbiguousKey`]; zero verified
    /// signatures is [`NoteError::NoVerifiedSignature`].
    ///
    /// Returns the keys that verified, each once, in the order of their first signature line.
    pub fn verify<'k>(
        &self,
        verifiers: &'k [VerifyingKey],
    ) -> Result<Vec<&'k VerifyingKey>, NoteError> {
        let mut verified: Vec<&'k VerifyingKey> = Vec::new();
        let mut seen = vec![false; verifiers.len()];
        for sig in &self.signatures {
            let mut matching = verifiers
                .iter()
                .enumerate()
                .filter(|(_, k)| k.key_id() == sig.key_id && k.name() == sig.name);
            let Some((index, key)) = matching.next() else {
                continue; // unknown key: ignored
            };
            if matching.next().is_some() {
                return Err(NoteError::AmbiguousKey {
                    name: sig.name.clone(),
                    key_id: sig.key_id,
                });
            }
            if !key.verify_bytes(self.text.as_bytes(), &sig.signature) {
                return Err(NoteError::InvalidSignature {
                    name: sig.name.clone(),
                    key_id: sig.key_id,
                });
            }
            if !seen[index] {
                seen[index] = true;
                verified.push(key);
            }
        }
        if verified.is_empty() {
            return Err(NoteError::NoVerifiedSignature);
        }
        Ok(verified)
    }
}

/// Sign `text` and return the full note: `text + "\n" + "— name base64(id || sig)\n"`.
///
/// `text` MUST end in a newline and MUST NOT contain control characters other than newline
/// ([`NoteError::InvalidText`] otherwise), so that the result always parses.
pub fn sign_note(text: &str, key: &SigningKey) -> Result<String, NoteError> {
    check_text_rules(text).map_err(NoteError::InvalidText)?;
    let line = signature_for(text, key).line();
    let mut out = String::with_capacity(text.len() + 1 + line.len() + 1);
    out.push_str(text);
    out.push('\n');
    out.push_str(&line);
    out.push('\n');
    Ok(out)
}

fn signature_for(text: &str, key: &SigningKey) -> NoteSignature {
    NoteSignature {
        name: key.name().to_owned(),
        key_id: key.key_id(),
        signature: key.sign(text.as_bytes()).to_bytes().to_vec(),
    }
}

/// Append a signature by `key` to an existing note (for example a witness cosignature).
///
/// The note MUST parse ([`Note::parse`]); its existing signatures are kept in order but are not
/// verified, and this MUST NOT be taken as vouching for them. As in Go's `note.Sign`, an existing
/// signature with the same key name and ID as `key` is replaced; exact duplicate lines are dropped.
/// Fails if the result would exceed [`MAX_SIGNATURES`].
pub fn add_signature(note: &str, key: &SigningKey) -> Result<String, NoteError> {
    let parsed = Note::parse(note.as_bytes())?;
    let mut out = String::with_capacity(note.len() + 128);
    out.push_str(&parsed.text);
    out.push('\n');
    let mut lines = HashSet::new();
    let mut count = 0;
    for sig in &parsed.signatures {
        if sig.name == key.name() && sig.key_id == key.key_id() {
            continue;
        }
        let line = sig.line();
        if lines.insert(line.clone()) {
            out.push_str(&line);
            out.push('\n');
            count += 1;
        }
    }
    if count >= MAX_SIGNATURES {
        return Err(NoteError::Malformed(Malformed::TooManySignatures));
    }
    out.push_str(&signature_for(&parsed.text, key).line());
    out.push('\n');
    Ok(out)
}

/// Parse and verify in one step ([`Note::parse`] then [`Note::verify`]); returns the note and
/// (clones of) the keys that verified, in signature order.
pub fn open(
    bytes: &[u8],
    verifiers: &[VerifyingKey],
) -> Result<(Note, Vec<VerifyingKey>), NoteError> {
    let note = Note::parse(bytes)?;
    let keys = note.verify(verifiers)?.into_iter().cloned().collect();
    Ok((note, keys))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(name: &str, seed: u8) -> SigningKey {
        SigningKey::from_seed(name, [seed; 32]).expect("valid name")
    }

    #[test]
    fn sign_open_and_add_signature() {
        let a = key("a.example/log", 1);
        let b = key("b.example/witness", 2);
        let signed = sign_note("hello\n\nworld\n", &a).expect("valid text");
        let (note, keys) = open(signed.as_bytes(), &[a.verifying_key()]).expect("verifies");
        assert_eq!(note.text(), "hello\n\nworld\n");
        assert_eq!(keys, vec![a.verifying_key()]);

        let both = add_signature(&signed, &b).expect("adds");
        let vks = [b.verifying_key(), a.verifying_key()];
        let (note, keys) = open(both.as_bytes(), &vks).expect("verifies");
        assert_eq!(note.signatures().len(), 2);
        assert_eq!(keys, vec![a.verifying_key(), b.verifying_key()]);
        // Re-signing by the same key replaces its line rather than duplicating it.
        let again = add_signature(&both, &a).expect("adds");
        let note = Note::parse(again.as_bytes()).expect("parses");
        assert_eq!(note.signatures().len(), 2);
        assert_eq!(note.signatures()[0].name, "b.example/witness");
        assert_eq!(note.signatures()[1].name, "a.example/log");
    }

    #[test]
    fn text_rules_for_signing() {
        let a = key("a", 1);
        assert_eq!(
            sign_note("no newline", &a),
            Err(NoteError::InvalidText(Malformed::NoFinalNewline))
        );
        assert_eq!(
            sign_note("", &a),
            Err(NoteError::InvalidText(Malformed::NoFinalNewline))
        );
        assert_eq!(
            sign_note("tab\there\n", &a),
            Err(NoteError::InvalidText(Malformed::ControlCharacter(3)))
        );
        assert_eq!(
            sign_note("cr\r\n", &a),
            Err(NoteError::InvalidText(Malformed::ControlCharacter(2)))
        );
        // A lone newline and trailing blank lines are valid texts and round-trip.
        for text in ["\n", "a\n\n", "\n\n\n"] {
            let signed = sign_note(text, &a).expect("valid text");
            let (note, _) = open(signed.as_bytes(), &[a.verifying_key()]).expect("verifies");
            assert_eq!(note.text(), text);
        }
    }

    #[test]
    fn every_known_signature_is_checked() {
        let a = key("a", 1);
        let signed = sign_note("x\n", &a).expect("valid text");
        let other = sign_note("y\n", &a).expect("valid text");
        let bad_line = other.lines().last().expect("has a signature line");
        let tampered = format!("{signed}{bad_line}\n");
        assert_eq!(
            open(tampered.as_bytes(), &[a.verifying_key()]).err(),
            Some(NoteError::InvalidSignature {
                name: "a".into(),
                key_id: a.key_id()
            })
        );
    }

    #[test]
    fn non_canonical_base64_is_rejected() {
        let a = key("a", 1);
        let signed = sign_note("x\n", &a).expect("valid text");
        // 68 bytes encode to 91 characters and one '='; the last character carries 2 unused
        // bits. Setting them gives a non-canonical text of the same bytes.
        let pos = signed.len() - 3;
        let last = signed.as_bytes()[pos];
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let idx = alphabet
            .iter()
            .position(|&c| c == last)
            .expect("base64 char");
        let mut bytes = signed.clone().into_bytes();
        bytes[pos] = alphabet[idx | 1];
        assert_eq!(bytes[pos + 1], b'=');
        assert!(matches!(
            Note::parse(&bytes),
            Err(NoteError::Malformed(Malformed::SignatureEncoding(1)))
        ));
    }

    #[test]
    fn signature_count_limit() {
        let a = key("a", 1);
        let signed = sign_note("x\n", &a).expect("valid text");
        let line = signed.lines().last().expect("has a signature line");
        let mut note = String::from("x\n\n");
        for _ in 0..MAX_SIGNATURES {
            note.push_str(line);
            note.push('\n');
        }
        assert!(Note::parse(note.as_bytes()).is_ok());
        note.push_str(line);
        note.push('\n');
        assert_eq!(
            Note::parse(note.as_bytes()).err(),
            Some(NoteError::Malformed(Malformed::TooManySignatures))
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Note::parse(&bytes);
        }

        #[test]
        fn parse_never_panics_on_note_like_input(
            text in "(?s)[a-z\n ]{0,20}",
            lines in proptest::collection::vec("(\u{2014} )?[a-zA-Z+ ]{0,6}( [A-Za-z0-9+/=]{0,100})?\n?", 0..4),
        ) {
            let mut s = text;
            s.push_str("\n\n");
            for l in lines { s.push_str(&l); }
            let _ = Note::parse(s.as_bytes());
        }

        #[test]
        fn sign_then_open_round_trips(body in "(?s)[^\\x00-\\x09\\x0B-\\x1F]{0,200}", seed in any::<u8>()) {
            let text = format!("{body}\n");
            let k = key("prop.example/key", seed);
            let signed = sign_note(&text, &k).expect("valid text");
            let (note, keys) = open(signed.as_bytes(), &[k.verifying_key()]).expect("verifies");
            prop_assert_eq!(note.text(), text.as_str());
            prop_assert_eq!(keys, vec![k.verifying_key()]);
        }
    }
}
