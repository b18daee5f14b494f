//! C2SP tlog-cosignature (`cosignature/v1`, Ed25519): witness keys, cosignatures on checkpoints.
//!
//! A cosignature is a note signature line on a checkpoint by a witness (c2sp.org/tlog-cosignature):
//!
//! - witness verifier key (vkey): `<name>+<hex8>+<base64(0x04 || 32-byte Ed25519 public key)>`,
//!   key ID = SHA-256(name || 0x0A || 0x04 || public key)[:4] ([`WitnessKey`]);
//! - signed message: `cosignature/v1\ntime <T>\n` followed by the whole checkpoint body
//!   (the note text, with its final newline, without signature lines) ([`signed_message`]);
//! - signature line: `— <name> base64(key ID || uint64 big-endian T || 64-byte signature)`
//!   ([`Cosignature`]).
//!
//! `T` is a POSIX time in seconds, `1 ..= 2^63 - 1` (tlog-witness forbids 0). Verification is
//! `verify_strict` (FORMAT.md §3.5).
//!
//! API, for the operator and the witness:
//!
//! - [`WitnessKey`]: parse/print (`FromStr`/`Display`), [`WitnessKey::verify`];
//! - [`WitnessSigner::new`] derives a witness from an ordinary [`SigningKey`] (same seed, same
//!   name, type 0x04), then [`WitnessSigner::cosign`];
//! - [`Cosignature::parse_line`], [`Cosignature::from_signature`], [`Cosignature::to_line`],
//!   [`Cosignature::verify`];
//! - on a note: [`check_cosignatures`] (per known witness: verified, missing or invalid),
//!   [`parse_signature_lines`] (an add-checkpoint 200 body) and [`add_cosignatures`] (merge lines
//!   into a note, deduplicated).

use crate::format::keys::{
    KeyError, KeyId, Signature, SigningKey, VerifyingKey, encode_typed_key, parse_typed_vkey,
    typed_key_id,
};
use crate::format::note::{
    MAX_SIGNATURES, Malformed, Note, NoteError, NoteSignature, parse_signature_line,
};
use std::fmt;
use std::str::FromStr;

/// The vkey type byte (and key ID algorithm byte) of Ed25519 `cosignature/v1` keys.
pub const COSIGNATURE_TYPE: u8 = 0x04;

/// The largest timestamp a cosignature may carry (2^63 - 1).
pub const MAX_TIME: u64 = i64::MAX as u64;

/// Decoded length of a cosignature line after the key ID: 8-byte time and 64-byte signature.
const TIMESTAMPED_SIGNATURE_LEN: usize = 8 + 64;

/// Why a witness key, cosignature or cosignature line was rejected.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CosignatureError {
    /// The witness key text is invalid.
    #[error("invalid witness key: {0}")]
    Key(#[from] KeyError),
    /// The line is not a well-formed note signature line.
    #[error("malformed cosignature: {0}")]
    Malformed(Malformed),
    /// The decoded signature is not 8 bytes of time and 64 of Ed25519 signature.
    #[error(
        "malformed cosignature by {name}+{key_id}: {len} bytes after the key ID, expected 72 (time and Ed25519 signature); it is not an Ed25519 cosignature/v1"
    )]
    WrongLength {
        /// Key name on the line.
        name: String,
        /// Key ID on the line.
        key_id: KeyId,
        /// Decoded length after the key ID.
        len: usize,
    },
    /// The timestamp is 0 or above 2^63 - 1.
    #[error("cosignature time {0} is out of range: it must be between 1 and 2^63-1 seconds")]
    TimeOutOfRange(u64),
    /// The line's key name and ID are not the witness key's.
    #[error(
        "cosignature by {name}+{key_id} is not by witness {witness}+{witness_id}; check the witness key"
    )]
    WrongKey {
        /// Key name on the line.
        name: String,
        /// Key ID on the line.
        key_id: KeyId,
        /// The witness key's name.
        witness: String,
        /// The witness key's ID.
        witness_id: KeyId,
    },
    /// The Ed25519 signature does not verify on this checkpoint at this time.
    #[error(
        "cosignature by witness {name}+{key_id} does not verify: the checkpoint or the cosignature was altered"
    )]
    BadSignature {
        /// The witness key name.
        name: String,
        /// The witness key ID.
        key_id: KeyId,
    },
    /// Two different lines by the same witness key were given to be added at once.
    #[error(
        "two different cosignatures by witness {name}+{key_id} in one set of lines; keep one per witness"
    )]
    Duplicate {
        /// The key name.
        name: String,
        /// The key ID.
        key_id: KeyId,
    },
    /// The note could not be parsed, or would exceed the signature limit.
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// A witness's cosignature verifier key: a name and an Ed25519 public key, type 0x04.
///
/// Invariants: valid key name, canonical non-weak point, `key_id()` computed with type 0x04.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct WitnessKey {
    /// Name and key; its own (0x01) key ID is not used.
    key: VerifyingKey,
    id: KeyId,
}

impl WitnessKey {
    /// A witness key from a name and a 32-byte Ed25519 public key.
    ///
    /// MUST reject an invalid name, a non-canonical point and a small-order point, as
    /// [`VerifyingKey::new`].
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<Self, KeyError> {
        let key = VerifyingKey::new(name, public_key)?;
        Ok(WitnessKey {
            id: typed_key_id(name, COSIGNATURE_TYPE, &public_key),
            key,
        })
    }

    /// The key name (the witness's name, as on its cosignature lines).
    pub fn name(&self) -> &str {
        self.key.name()
    }

    /// The cosignature key ID: SHA-256(name || 0x0A || 0x04 || public key)[:4].
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_bytes(&self) -> &[u8; 32] {
        self.key.public_bytes()
    }

    /// Whether `signature` is a valid cosignature by this key on `checkpoint_body` at `time`
    /// (`verify_strict`). Returns false for a time out of range.
    pub fn verify(&self, checkpoint_body: &str, time: u64, signature: &Signature) -> bool {
        (1..=MAX_TIME).contains(&time)
            && self
                .key
                .verify(&signed_message(checkpoint_body, time), signature)
    }
}

impl FromStr for WitnessKey {
    type Err = KeyError;

    /// Parse `name+hex8+base64(0x04 || key)`.
    ///
    /// MUST accept only the exact text [`fmt::Display`] writes: type byte 0x04
    /// ([`KeyError::NotAWitnessKey`] otherwise, for example for a log key), the stated ID equal
    /// to the recomputed one, a valid non-weak point.
    fn from_str(text: &str) -> Result<Self, KeyError> {
        let (name, stated, key_type, public_key) = parse_typed_vkey(text)?;
        if key_type != COSIGNATURE_TYPE {
            return Err(KeyError::NotAWitnessKey(key_type));
        }
        let key = WitnessKey::new(name, public_key)?;
        if key.id != stated {
            return Err(KeyError::KeyIdMismatch {
                stated,
                computed: key.id,
            });
        }
        Ok(key)
    }
}

impl fmt::Display for WitnessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut b64 = String::with_capacity(44);
        encode_typed_key(COSIGNATURE_TYPE, self.public_bytes(), &mut b64);
        write!(f, "{}+{}+{}", self.name(), self.id, b64)
    }
}

impl fmt::Debug for WitnessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WitnessKey({self})")
    }
}

/// A witness's signing key: an ordinary claimledger [`SigningKey`] used for `cosignature/v1`.
///
/// Same seed, same public key and same name as the signing key; only the type byte (0x04) and
/// so the key ID differ. The two roles cannot be confused: a cosignature's message starts with
/// `cosignature/v1\ntime `, and no checkpoint (whose second line is a decimal size) or canonical
/// JSON entry starts that way. An operator SHOULD still give a witness its own key file.
#[derive(Clone)]
pub struct WitnessSigner {
    key: SigningKey,
    id: KeyId,
}

impl WitnessSigner {
    /// Use `key` as a witness key (type 0x04, same name).
    pub fn new(key: SigningKey) -> Self {
        let id = typed_key_id(
            key.name(),
            COSIGNATURE_TYPE,
            key.verifying_key().public_bytes(),
        );
        WitnessSigner { key, id }
    }

    /// The witness name.
    pub fn name(&self) -> &str {
        self.key.name()
    }

    /// The witness's verifier key, as printed by `claimledger witness key`.
    pub fn witness_key(&self) -> WitnessKey {
        WitnessKey {
            key: self.key.verifying_key(),
            id: self.id,
        }
    }

    /// Cosign `checkpoint_body` (the note text, with its final newline) at POSIX `time`.
    ///
    /// `time` MUST be in `1 ..= 2^63 - 1` ([`CosignatureError::TimeOutOfRange`]). The caller MUST
    /// have checked that the body is a checkpoint consistent with everything it cosigned before:
    /// this function only signs.
    pub fn cosign(
        &self,
        checkpoint_body: &str,
        time: u64,
    ) -> Result<Cosignature, CosignatureError> {
        if !(1..=MAX_TIME).contains(&time) {
            return Err(CosignatureError::TimeOutOfRange(time));
        }
        Ok(Cosignature {
            name: self.key.name().to_owned(),
            key_id: self.id,
            time,
            signature: self.key.sign(&signed_message(checkpoint_body, time)),
        })
    }
}

impl fmt::Debug for WitnessSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WitnessSigner({}+{}, redacted)", self.name(), self.id)
    }
}

/// The message an Ed25519 cosignature signs: `cosignature/v1\ntime <T>\n` + checkpoint body.
pub fn signed_message(checkpoint_body: &str, time: u64) -> Vec<u8> {
    let mut msg = format!("cosignature/v1\ntime {time}\n").into_bytes();
    msg.extend_from_slice(checkpoint_body.as_bytes());
    msg
}

/// One Ed25519 `cosignature/v1` line, parsed but not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosignature {
    /// The witness key name.
    pub name: String,
    /// The witness key ID (type 0x04).
    pub key_id: KeyId,
    /// POSIX seconds at which the witness cosigned.
    pub time: u64,
    /// The Ed25519 signature over [`signed_message`].
    pub signature: Signature,
}

impl Cosignature {
    /// Read a note signature line's bytes as a cosignature: exactly 72 bytes after the key ID
    /// (big-endian time, 64-byte signature), time in `1 ..= 2^63 - 1`. Says nothing about
    /// whether it verifies.
    pub fn from_signature(sig: &NoteSignature) -> Result<Cosignature, CosignatureError> {
        if sig.signature.len() != TIMESTAMPED_SIGNATURE_LEN {
            return Err(CosignatureError::WrongLength {
                name: sig.name.clone(),
                key_id: sig.key_id,
                len: sig.signature.len(),
            });
        }
        let (time, signature) = sig.signature.split_at(8);
        let time = u64::from_be_bytes(time.try_into().expect("split_at(8) gives 8 bytes"));
        if !(1..=MAX_TIME).contains(&time) {
            return Err(CosignatureError::TimeOutOfRange(time));
        }
        Ok(Cosignature {
            name: sig.name.clone(),
            key_id: sig.key_id,
            time,
            signature: Signature::from_slice(signature).expect("64 bytes are a signature"),
        })
    }

    /// Parse one line `— <name> base64(key ID || time || signature)`, without its newline.
    ///
    /// MUST reject anything [`Note::parse`] rejects on a signature line, a wrong length and a
    /// time out of range.
    pub fn parse_line(line: &str) -> Result<Cosignature, CosignatureError> {
        let sig = parse_signature_line(line, 1).map_err(CosignatureError::Malformed)?;
        Cosignature::from_signature(&sig)
    }

    /// The generic note signature this cosignature is.
    pub fn to_note_signature(&self) -> NoteSignature {
        let mut raw = Vec::with_capacity(TIMESTAMPED_SIGNATURE_LEN);
        raw.extend_from_slice(&self.time.to_be_bytes());
        raw.extend_from_slice(&self.signature.to_bytes());
        NoteSignature {
            name: self.name.clone(),
            key_id: self.key_id,
            signature: raw,
        }
    }

    /// The line as it appears in a note, without its newline.
    pub fn to_line(&self) -> String {
        self.to_note_signature().line()
    }

    /// Verify against `key` on `checkpoint_body` (note text with final newline).
    ///
    /// MUST fail with [`CosignatureError::WrongKey`] if the name or key ID is not `key`'s, and
    /// with [`CosignatureError::BadSignature`] unless `verify_strict` accepts the signature.
    pub fn verify(&self, key: &WitnessKey, checkpoint_body: &str) -> Result<(), CosignatureError> {
        if self.name != key.name() || self.key_id != key.key_id() {
            return Err(CosignatureError::WrongKey {
                name: self.name.clone(),
                key_id: self.key_id,
                witness: key.name().to_owned(),
                witness_id: key.key_id(),
            });
        }
        if !key.verify(checkpoint_body, self.time, &self.signature) {
            return Err(CosignatureError::BadSignature {
                name: self.name.clone(),
                key_id: self.key_id,
            });
        }
        Ok(())
    }
}

/// What a note carries for one known witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WitnessStatus {
    /// Every line by the witness verifies; `time` is the newest cosignature time.
    Verified {
        /// Newest cosignature time (POSIX seconds).
        time: u64,
    },
    /// No line carries the witness's name and key ID.
    Missing,
    /// A line with the witness's name and key ID is malformed or does not verify.
    Invalid(CosignatureError),
}

impl WitnessStatus {
    /// Whether the witness counts towards a quorum.
    pub fn is_verified(&self) -> bool {
        matches!(self, WitnessStatus::Verified { .. })
    }
}

/// For each key of `witnesses` (in order), whether `note` carries a valid cosignature by it.
///
/// Lines by other keys (the log, unknown witnesses, other cosignature types) are ignored. A
/// witness is `Verified` only if every line with its name and key ID verifies on
/// [`Note::text`]; duplicated lines count once. The note's log signature is NOT checked here.
pub fn check_cosignatures(note: &Note, witnesses: &[WitnessKey]) -> Vec<WitnessStatus> {
    witnesses
        .iter()
        .map(|key| {
            let mut status = WitnessStatus::Missing;
            for sig in note
                .signatures()
                .iter()
                .filter(|s| s.name == key.name() && s.key_id == key.key_id())
            {
                let checked = Cosignature::from_signature(sig)
                    .and_then(|c| c.verify(key, note.text()).map(|()| c.time));
                match checked {
                    Ok(time) => {
                        if let WitnessStatus::Verified { time: newest } = &mut status {
                            *newest = (*newest).max(time);
                        } else {
                            status = WitnessStatus::Verified { time };
                        }
                    }
                    Err(e) => return WitnessStatus::Invalid(e),
                }
            }
            status
        })
        .collect()
}

/// Parse the body of a tlog-witness `add-checkpoint` 200 answer: one or more note signature
/// lines, each `— name base64` ending in a newline.
///
/// MUST reject an empty body, a missing final newline, an empty or malformed line, and more than
/// [`MAX_SIGNATURES`] lines. The lines are returned as generic note signatures, since a witness
/// may add lines of other types; pick yours with [`Cosignature::from_signature`] by key.
pub fn parse_signature_lines(body: &str) -> Result<Vec<NoteSignature>, CosignatureError> {
    if body.is_empty() {
        return Err(CosignatureError::Malformed(Malformed::NoSignatures));
    }
    if let Some(at) = body.bytes().position(|b| b < 0x20 && b != b'\n') {
        return Err(CosignatureError::Malformed(Malformed::ControlCharacter(at)));
    }
    let lines = body
        .strip_suffix('\n')
        .ok_or(CosignatureError::Malformed(Malformed::NoFinalNewline))?;
    let mut out = Vec::new();
    for (i, line) in lines.split('\n').enumerate() {
        if i >= MAX_SIGNATURES {
            return Err(CosignatureError::Malformed(Malformed::TooManySignatures));
        }
        out.push(parse_signature_line(line, i + 1).map_err(CosignatureError::Malformed)?);
    }
    Ok(out)
}

/// Add signature lines (usually cosignatures) to a signed note and return the new note text.
///
/// The note MUST parse. Existing lines are kept in order, except that a line with the same key
/// name and ID as a new line is replaced by it (a witness's newer cosignature supersedes its
/// older one); a new line identical to an existing one changes nothing. Two *different* new lines
/// with the same name and ID are [`CosignatureError::Duplicate`]. Fails if the result would have
/// more than [`MAX_SIGNATURES`] lines. Nothing is verified here; callers MUST verify the lines
/// they add (for example with [`check_cosignatures`]) before relying on them.
pub fn add_cosignatures(note: &str, lines: &[NoteSignature]) -> Result<String, CosignatureError> {
    let parsed = Note::parse(note.as_bytes())?;
    let mut new: Vec<&NoteSignature> = Vec::new();
    for line in lines {
        match new
            .iter()
            .find(|n| n.name == line.name && n.key_id == line.key_id)
        {
            Some(seen) if *seen == line => {}
            Some(_) => {
                return Err(CosignatureError::Duplicate {
                    name: line.name.clone(),
                    key_id: line.key_id,
                });
            }
            None => new.push(line),
        }
    }
    let mut kept: Vec<&NoteSignature> = Vec::new();
    for sig in parsed.signatures() {
        let replaced = new
            .iter()
            .any(|n| n.name == sig.name && n.key_id == sig.key_id);
        if !replaced && !kept.contains(&sig) {
            kept.push(sig);
        }
    }
    if kept.len() + new.len() > MAX_SIGNATURES {
        return Err(NoteError::Malformed(Malformed::TooManySignatures).into());
    }
    let mut out = String::with_capacity(note.len() + 128 * new.len());
    out.push_str(parsed.text());
    out.push('\n');
    for sig in kept.into_iter().chain(new) {
        out.push_str(&sig.line());
        out.push('\n');
    }
    Ok(out)
}

/// The cosignature key ID of `key` viewed as a witness key (type 0x04).
pub fn witness_key_id(name: &str, public_key: &[u8; 32]) -> KeyId {
    typed_key_id(name, COSIGNATURE_TYPE, public_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::checkpoint::Checkpoint;

    fn log_key() -> SigningKey {
        SigningKey::from_seed("example.com/log", [1; 32]).expect("valid name")
    }

    fn witness(name: &str, seed: u8) -> WitnessSigner {
        WitnessSigner::new(SigningKey::from_seed(name, [seed; 32]).expect("valid name"))
    }

    fn checkpoint_note() -> String {
        Checkpoint::new("example.com/log", 5, [7; 32])
            .expect("valid origin")
            .sign(&log_key())
            .expect("signs")
    }

    #[test]
    fn key_text_round_trips_with_type_4() {
        let w = witness("witness.example/w1", 2);
        let text = w.witness_key().to_string();
        let parsed: WitnessKey = text.parse().expect("own output parses");
        assert_eq!(parsed, w.witness_key());
        assert_eq!(parsed.to_string(), text);
        assert_eq!(
            parsed.key_id(),
            witness_key_id("witness.example/w1", parsed.public_bytes())
        );
        // The same key as a note signer has type 0x01 and another ID.
        let vk = SigningKey::from_seed("witness.example/w1", [2; 32])
            .expect("valid name")
            .verifying_key();
        assert_ne!(vk.key_id(), parsed.key_id());
        assert_eq!(
            vk.to_string().parse::<WitnessKey>(),
            Err(KeyError::NotAWitnessKey(1))
        );
        assert_eq!(
            text.parse::<VerifyingKey>(),
            Err(KeyError::UnsupportedType(4))
        );
    }

    #[test]
    fn cosign_verify_and_tamper() {
        let w = witness("witness.example/w1", 2);
        let note = checkpoint_note();
        let parsed = Note::parse(note.as_bytes()).expect("parses");
        let cosig = w.cosign(parsed.text(), 1_700_000_000).expect("in range");
        let line = cosig.to_line();
        let back = Cosignature::parse_line(&line).expect("own line parses");
        assert_eq!(back, cosig);
        back.verify(&w.witness_key(), parsed.text())
            .expect("verifies");
        // Another body, another time, another key: all fail.
        let other_body = parsed.text().replace('5', "6");
        assert!(matches!(
            back.verify(&w.witness_key(), &other_body),
            Err(CosignatureError::BadSignature { .. })
        ));
        let mut later = back.clone();
        later.time += 1;
        assert!(matches!(
            later.verify(&w.witness_key(), parsed.text()),
            Err(CosignatureError::BadSignature { .. })
        ));
        let w2 = witness("witness.example/w2", 3);
        assert!(matches!(
            back.verify(&w2.witness_key(), parsed.text()),
            Err(CosignatureError::WrongKey { .. })
        ));
        assert_eq!(
            w.cosign(parsed.text(), 0),
            Err(CosignatureError::TimeOutOfRange(0))
        );
        assert_eq!(
            w.cosign(parsed.text(), MAX_TIME + 1),
            Err(CosignatureError::TimeOutOfRange(MAX_TIME + 1))
        );
        // A plain 64-byte note signature is not a cosignature.
        let plain = parsed.signatures()[0].line();
        assert!(matches!(
            Cosignature::parse_line(&plain),
            Err(CosignatureError::WrongLength { len: 64, .. })
        ));
    }

    #[test]
    fn add_and_check_on_a_note() {
        let w1 = witness("witness.example/w1", 2);
        let w2 = witness("witness.example/w2", 3);
        let note = checkpoint_note();
        let body = Note::parse(note.as_bytes())
            .expect("parses")
            .text()
            .to_owned();
        let c1 = w1.cosign(&body, 100).expect("in range").to_note_signature();
        let c1_later = w1.cosign(&body, 200).expect("in range").to_note_signature();
        let with_one = add_cosignatures(&note, &[c1.clone(), c1.clone()]).expect("dedupes");
        let keys = [w1.witness_key(), w2.witness_key()];
        let parsed = Note::parse(with_one.as_bytes()).expect("parses");
        assert_eq!(parsed.signatures().len(), 2);
        assert_eq!(
            check_cosignatures(&parsed, &keys),
            vec![
                WitnessStatus::Verified { time: 100 },
                WitnessStatus::Missing
            ]
        );
        // The same line again changes nothing; a newer one replaces the older.
        assert_eq!(
            add_cosignatures(&with_one, std::slice::from_ref(&c1)),
            Ok(with_one.clone())
        );
        let newer = add_cosignatures(&with_one, std::slice::from_ref(&c1_later)).expect("replaces");
        let parsed = Note::parse(newer.as_bytes()).expect("parses");
        assert_eq!(parsed.signatures().len(), 2);
        assert_eq!(
            check_cosignatures(&parsed, &keys)[0],
            WitnessStatus::Verified { time: 200 }
        );
        assert!(matches!(
            add_cosignatures(&note, &[c1.clone(), c1_later]),
            Err(CosignatureError::Duplicate { .. })
        ));
        // A tampered line by a known witness is Invalid, not Missing.
        let mut bad = c1.clone();
        bad.signature[20] ^= 1;
        let tampered = add_cosignatures(&note, &[bad]).expect("adds unverified");
        let parsed = Note::parse(tampered.as_bytes()).expect("parses");
        assert!(matches!(
            check_cosignatures(&parsed, &keys)[0],
            WitnessStatus::Invalid(CosignatureError::BadSignature { .. })
        ));
    }

    #[test]
    fn response_bodies() {
        let w1 = witness("witness.example/w1", 2);
        let line = w1.cosign("o\n1\nx\n", 5).expect("in range").to_line();
        let body = format!("{line}\n{line}\n");
        assert_eq!(parse_signature_lines(&body).expect("parses").len(), 2);
        for bad in [
            "",
            "\n",
            &line,
            &format!("{line}\n\n"),
            &format!("x{line}\n"),
        ] {
            assert!(parse_signature_lines(bad).is_err(), "{bad:?}");
        }
    }
}
