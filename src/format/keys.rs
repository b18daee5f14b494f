//! Ed25519 keys in C2SP signed-note text form: SigningKey, VerifyingKey, KeyId.
//!
//! Text forms (c2sp.org/signed-note, golang.org/x/mod/sumdb/note):
//!
//! - verifier key: `<name>+<hex8>+<base64(0x01 || 32-byte public key)>`
//! - signer key: `PRIVATE+KEY+<name>+<hex8>+<base64(0x01 || 32-byte seed)>`
//!
//! where `<hex8>` is the [`KeyId`] in lowercase hex and base64 is RFC 4648 §4 (standard alphabet,
//! padded, canonical). Parsing accepts exactly these texts and nothing else: no surrounding
//! whitespace, no trailing newline (key files strip theirs in [`crate::ledger::keyfile`]).

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use rand_core::{OsRng, RngCore as _};
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::str::FromStr;
use zeroize::Zeroizing;

pub use ed25519_dalek::Signature;

/// RFC 4648 §4 base64, padded on encode; decoding requires canonical padding and zero trailing
/// bits, so every byte string has exactly one accepted text.
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_allow_trailing_bits(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// The signature type byte of Ed25519 in signed notes.
pub const ED25519_TYPE: u8 = 0x01;

/// The literal prefix of every signer-key text.
const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

/// Length of the base64 text of `0x01 || 32 bytes` (33 bytes, no padding needed).
const KEY_B64_LEN: usize = 44;

/// A signed-note key ID: the first four bytes of
/// SHA-256(key name || 0x0A || 0x01 || public key), big-endian.
///
/// It identifies a key together with its name; it is not a cryptographic commitment (collisions
/// are cheap to make), so it MUST NOT be used alone to decide which key to trust.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 4]);

impl KeyId {
    /// The ID as the big-endian `u32` that Go's sumdb/note calls the key hash.
    pub fn to_u32(self) -> u32 {
        u32::from_be_bytes(self.0)
    }

    /// Parse exactly 8 lowercase hex digits (the form [`fmt::Display`] writes).
    fn from_lower_hex(text: &str) -> Option<KeyId> {
        if text.len() != 8
            || !text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        let mut id = [0u8; 4];
        hex::decode_to_slice(text, &mut id).ok()?;
        Some(KeyId(id))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The key ID of an Ed25519 key: first 4 bytes of SHA-256(name || 0x0A || 0x01 || public_key).
///
/// Pure function of its inputs; it does not validate `name` (see [`is_valid_key_name`]).
pub fn key_id(name: &str, public_key: &[u8; 32]) -> KeyId {
    typed_key_id(name, ED25519_TYPE, public_key)
}

/// The key ID of a key of signature type `key_type`:
/// first 4 bytes of SHA-256(name || 0x0A || key_type || public_key).
///
/// The type byte is 0x01 for note signatures ([`key_id`]) and 0x04 for Ed25519 cosignatures
/// ([`crate::format::cosignature`]); the same public key therefore has a different ID in each role.
pub fn typed_key_id(name: &str, key_type: u8, public_key: &[u8; 32]) -> KeyId {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', key_type]);
    h.update(public_key);
    let sum = h.finalize();
    KeyId([sum[0], sum[1], sum[2], sum[3]])
}

/// Whether `name` is a valid signed-note key name: non-empty, with no Unicode white space
/// (the Unicode `White_Space` property, as Go's `unicode.IsSpace`) and no `+`.
///
/// Control characters other than white space are not excluded by this rule (they are by the
/// note format itself, which rejects any byte below 0x20 other than newline).
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// Why a key or key text was rejected. Messages never contain secret key material.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The key name is empty or contains white space or `+`.
    #[error(
        "invalid key name: it must be non-empty and contain no spaces or '+' (for example \"example.com/log\")"
    )]
    InvalidName,
    /// The text is not of the form `name+hex8+base64` (or `PRIVATE+KEY+name+hex8+base64`).
    #[error("malformed {kind} key text: {what}; expected {expected}")]
    Malformed {
        /// "verifier" or "signer".
        kind: &'static str,
        /// What was wrong.
        what: &'static str,
        /// The expected shape.
        expected: &'static str,
    },
    /// The key ID in the text is not the one computed from the name and public key.
    #[error(
        "key ID mismatch: the text says {stated} but name and key give {computed}; the key text is corrupted or was edited"
    )]
    KeyIdMismatch {
        /// The ID written in the text.
        stated: KeyId,
        /// The ID computed from name and public key.
        computed: KeyId,
    },
    /// The key's signature type byte is not 0x01 (Ed25519).
    #[error("unsupported signature type 0x{0:02x}: only Ed25519 (0x01) keys are supported")]
    UnsupportedType(u8),
    /// A witness key text does not have type 0x04 (Ed25519 cosignature/v1).
    #[error(
        "not a witness key: signature type 0x{0:02x}, but witness keys have type 0x04 (cosignature/v1); a log or desk key (0x01) cannot verify cosignatures"
    )]
    NotAWitnessKey(u8),
    /// The 32 bytes are not a valid (canonically encoded) Ed25519 point.
    #[error(
        "not a valid Ed25519 public key: the 32 bytes are not a canonical curve point encoding"
    )]
    InvalidPublicKey,
    /// The public key has small order; any signature could verify under it.
    #[error("weak Ed25519 public key (small order point) rejected: use a properly generated key")]
    WeakKey,
    /// The operating system's random number generator failed.
    #[error(
        "could not get randomness from the operating system: {0}; retry, or check the system's entropy source"
    )]
    Rng(String),
}

fn vkey_malformed(what: &'static str) -> KeyError {
    KeyError::Malformed {
        kind: "verifier",
        what,
        expected: "<name>+<8 lowercase hex digits>+<base64 of 0x01 and 32 key bytes>",
    }
}

fn skey_malformed(what: &'static str) -> KeyError {
    KeyError::Malformed {
        kind: "signer",
        what,
        expected: "PRIVATE+KEY+<name>+<8 lowercase hex digits>+<base64 of 0x01 and 32 seed bytes>",
    }
}

/// Split `name+hex8+b64` into its parts, checking the name and ID syntax.
///
/// The name cannot contain `+`, so it ends at the first `+`; the ID is the next 8 characters;
/// everything after the second `+` is the key data (base64 may itself contain `+`), decoded into
/// `raw` (the caller's buffer, so secret bytes are not copied around).
fn split_key_text<'t>(
    text: &'t str,
    malformed: fn(&'static str) -> KeyError,
    raw: &mut [u8; 33],
) -> Result<(&'t str, KeyId), KeyError> {
    let (name, id) = split_typed_key_text(text, malformed, raw)?;
    if raw[0] != ED25519_TYPE {
        return Err(KeyError::UnsupportedType(raw[0]));
    }
    Ok((name, id))
}

/// As [`split_key_text`], without checking the type byte (left in `raw[0]`).
fn split_typed_key_text<'t>(
    text: &'t str,
    malformed: fn(&'static str) -> KeyError,
    raw: &mut [u8; 33],
) -> Result<(&'t str, KeyId), KeyError> {
    let (name, rest) = text
        .split_once('+')
        .ok_or_else(|| malformed("missing '+' after the key name"))?;
    if !is_valid_key_name(name) {
        return Err(KeyError::InvalidName);
    }
    let (id_hex, b64) = rest
        .split_once('+')
        .ok_or_else(|| malformed("missing '+' after the key ID"))?;
    let id = KeyId::from_lower_hex(id_hex)
        .ok_or_else(|| malformed("the key ID is not 8 lowercase hex digits"))?;
    if b64.len() != KEY_B64_LEN {
        return Err(malformed("the key data is not 44 base64 characters"));
    }
    // decode_slice wants room for its length estimate (33 bytes for 44 characters).
    match BASE64.decode_slice(b64, &mut raw[..]) {
        Ok(33) => {}
        _ => {
            return Err(malformed(
                "the key data is not valid canonical base64 of 33 bytes",
            ));
        }
    }
    Ok((name, id))
}

/// Parse a verifier key text `name+hex8+base64(key_type || 32 bytes)` of any type byte.
///
/// Returns the name, the stated key ID, the type byte and the 32 key bytes; checks only the
/// syntax (name rules, lowercase hex, canonical base64 of 33 bytes). The caller MUST check the
/// type byte and recompute the key ID.
pub(crate) fn parse_typed_vkey(text: &str) -> Result<(&str, KeyId, u8, [u8; 32]), KeyError> {
    let mut raw = [0u8; 33];
    let (name, id) = split_typed_key_text(text, vkey_malformed, &mut raw)?;
    let mut key = [0u8; 32];
    key.copy_from_slice(&raw[1..]);
    Ok((name, id, raw[0], key))
}

/// Append base64 of `key_type || key` to `out` (which should have room reserved), using only
/// buffers that are wiped afterwards.
pub(crate) fn encode_typed_key(key_type: u8, key: &[u8; 32], out: &mut String) {
    let mut raw = Zeroizing::new([0u8; 33]);
    raw[0] = key_type;
    raw[1..].copy_from_slice(key);
    let mut b64 = Zeroizing::new([0u8; KEY_B64_LEN]);
    let written = BASE64
        .encode_slice(&raw[..], &mut b64[..])
        .expect("44 bytes hold the base64 of 33 bytes");
    out.push_str(std::str::from_utf8(&b64[..written]).expect("base64 output is ASCII"));
}

/// A named Ed25519 public key, used to verify note signatures.
///
/// Invariants: the name is valid ([`is_valid_key_name`]), the point is a canonical encoding and
/// not of small order, and `key_id()` is the ID computed from name and key.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VerifyingKey {
    name: String,
    id: KeyId,
    key: ed25519_dalek::VerifyingKey,
}

impl VerifyingKey {
    /// Build a verifier key from a name and a 32-byte Ed25519 public key.
    ///
    /// MUST reject an invalid name ([`KeyError::InvalidName`]), bytes that are not a canonical
    /// point encoding ([`KeyError::InvalidPublicKey`]) and small-order points
    /// ([`KeyError::WeakKey`]).
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public_key)
            .map_err(|_| KeyError::InvalidPublicKey)?;
        if key.to_edwards().compress().to_bytes() != public_key {
            return Err(KeyError::InvalidPublicKey);
        }
        if key.is_weak() {
            return Err(KeyError::WeakKey);
        }
        Ok(VerifyingKey {
            name: name.to_owned(),
            id: key_id(name, &public_key),
            key,
        })
    }

    /// The key name (for a log key, the checkpoint origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID computed from name and public key.
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_bytes(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    /// The underlying ed25519-dalek key (for batch verification).
    pub fn as_dalek(&self) -> &ed25519_dalek::VerifyingKey {
        &self.key
    }

    /// Verify an Ed25519 signature with `verify_strict`: rejects malleable signatures
    /// (non-canonical S or R) and small-order R. Returns true only for a valid signature.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        self.key.verify_strict(message, signature).is_ok()
    }

    /// As [`VerifyingKey::verify`], for raw signature bytes; false unless exactly 64 bytes.
    pub fn verify_bytes(&self, message: &[u8], signature: &[u8]) -> bool {
        match Signature::from_slice(signature) {
            Ok(sig) => self.verify(message, &sig),
            Err(_) => false,
        }
    }
}

impl FromStr for VerifyingKey {
    type Err = KeyError;

    /// Parse a verifier key text `name+hex8+base64(0x01 || key)`.
    ///
    /// MUST accept only the exact text [`fmt::Display`] writes: lowercase hex ID equal to the
    /// recomputed one, canonical padded base64 of exactly 33 bytes, type byte 0x01, a valid
    /// non-weak point, and nothing before or after.
    fn from_str(text: &str) -> Result<Self, KeyError> {
        let mut raw = [0u8; 33];
        let (name, stated) = split_key_text(text, vkey_malformed, &mut raw)?;
        let mut public_key = [0u8; 32];
        public_key.copy_from_slice(&raw[1..]);
        let vk = VerifyingKey::new(name, public_key)?;
        if vk.id != stated {
            return Err(KeyError::KeyIdMismatch {
                stated,
                computed: vk.id,
            });
        }
        Ok(vk)
    }
}

impl fmt::Display for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut b64 = String::with_capacity(KEY_B64_LEN);
        encode_typed_key(ED25519_TYPE, self.key.as_bytes(), &mut b64);
        write!(f, "{}+{}+{}", self.name, self.id, b64)
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({self})")
    }
}

/// A named Ed25519 private key that signs notes. The seed is wiped from memory on drop.
///
/// It has no `Display`: the secret leaves only through [`SigningKey::to_secret_text`].
#[derive(Clone)]
pub struct SigningKey {
    name: String,
    id: KeyId,
    key: ed25519_dalek::SigningKey,
}

impl SigningKey {
    /// Generate a new key from the operating system's random number generator.
    ///
    /// MUST reject an invalid name; fails with [`KeyError::Rng`] (never panics) if the OS
    /// cannot supply randomness.
    pub fn generate(name: &str) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        OsRng
            .try_fill_bytes(&mut seed[..])
            .map_err(|e| KeyError::Rng(e.to_string()))?;
        Self::from_seed_ref(name, &seed)
    }

    /// Build a key from a 32-byte Ed25519 seed (RFC 8032 private key).
    ///
    /// MUST reject an invalid name. The caller remains responsible for wiping its own copy of
    /// `seed`.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, KeyError> {
        let seed = Zeroizing::new(seed);
        Self::from_seed_ref(name, &seed)
    }

    fn from_seed_ref(name: &str, seed: &[u8; 32]) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
        }
        let key = ed25519_dalek::SigningKey::from_bytes(seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        Ok(SigningKey {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID computed from name and public key.
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// The matching verifier key (same name and ID).
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// Sign `message` with Ed25519 (RFC 8032, deterministic).
    pub fn sign(&self, message: &[u8]) -> Signature {
        use ed25519_dalek::Signer as _;
        self.key.sign(message)
    }

    /// The only way the secret leaves: `PRIVATE+KEY+name+hex8+base64(0x01 || seed)`.
    ///
    /// The returned text is wiped on drop; callers MUST NOT copy it into ordinary strings,
    /// logs or error messages.
    pub fn to_secret_text(&self) -> SecretText {
        let len = PRIVATE_PREFIX.len() + self.name.len() + 1 + 8 + 1 + KEY_B64_LEN;
        // Reserve everything up front so no reallocation leaves stray copies behind.
        let mut text = Zeroizing::new(String::with_capacity(len));
        text.push_str(PRIVATE_PREFIX);
        text.push_str(&self.name);
        text.push('+');
        text.push_str(&self.id.to_string());
        text.push('+');
        encode_typed_key(ED25519_TYPE, self.key.as_bytes(), &mut text);
        SecretText(text)
    }
}

impl FromStr for SigningKey {
    type Err = KeyError;

    /// Parse a signer key text `PRIVATE+KEY+name+hex8+base64(0x01 || seed)`.
    ///
    /// Same strictness as [`VerifyingKey::from_str`]; the ID MUST equal the one computed from
    /// the name and the public key derived from the seed. Errors never include the text.
    fn from_str(text: &str) -> Result<Self, KeyError> {
        let rest = text
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or_else(|| skey_malformed("it does not start with PRIVATE+KEY+"))?;
        let mut raw = Zeroizing::new([0u8; 33]);
        let (name, stated) = split_key_text(rest, skey_malformed, &mut raw)?;
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&raw[1..]);
        let key = Self::from_seed_ref(name, &seed)?;
        if key.id != stated {
            return Err(KeyError::KeyIdMismatch {
                stated,
                computed: key.id,
            });
        }
        Ok(key)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}+{}, redacted)", self.name, self.id)
    }
}

/// Secret key text, wiped from memory on drop. `Debug` prints `SecretText(redacted)`.
pub struct SecretText(Zeroizing<String>);

impl SecretText {
    /// The secret text. Callers MUST NOT log it or keep copies longer than needed.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

    #[test]
    fn generate_round_trips_through_secret_text() {
        let key = SigningKey::generate("example.com/log").expect("valid name");
        let text = key.to_secret_text();
        let parsed: SigningKey = text.expose().parse().expect("own output parses");
        assert_eq!(parsed.verifying_key(), key.verifying_key());
        assert_eq!(parsed.key_id(), key.key_id());
        assert_eq!(parsed.name(), "example.com/log");
        let vtext = key.verifying_key().to_string();
        let vk: VerifyingKey = vtext.parse().expect("own vkey parses");
        assert_eq!(vk, key.verifying_key());
        assert_eq!(vk.to_string(), vtext);
        let sig = key.sign(b"hello\n");
        assert!(vk.verify(b"hello\n", &sig));
        assert!(vk.verify_bytes(b"hello\n", &sig.to_bytes()));
        assert!(!vk.verify(b"hello!\n", &sig));
        assert!(!vk.verify_bytes(b"hello\n", &sig.to_bytes()[..63]));
    }

    #[test]
    fn known_keys_parse_and_print_back() {
        let sk: SigningKey = PETER_SKEY.parse().expect("Go test skey");
        assert_eq!(sk.to_secret_text().expose(), PETER_SKEY);
        assert_eq!(sk.verifying_key().to_string(), PETER_VKEY);
        let vk: VerifyingKey = PETER_VKEY.parse().expect("Go test vkey");
        assert_eq!(vk.key_id().to_string(), "c74f20a3");
        assert_eq!(vk.key_id().to_u32(), 0xc74f20a3);
        assert_eq!(format!("{:?}", vk.key_id()), "c74f20a3");
        assert_eq!(format!("{vk:?}"), format!("VerifyingKey({PETER_VKEY})"));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let sk: SigningKey = PETER_SKEY.parse().expect("Go test skey");
        let secret_b64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
        let dbg = format!("{sk:?}");
        assert_eq!(dbg, "SigningKey(PeterNeumann+c74f20a3, redacted)");
        assert!(!dbg.contains(secret_b64));
        let st = sk.to_secret_text();
        let dbg = format!("{st:?}");
        assert_eq!(dbg, "SecretText(redacted)");
        assert!(!dbg.contains(secret_b64));
        // Error messages for a broken skey must not echo it either.
        let broken = PETER_SKEY.replace("c74f20a3", "c74f20a4");
        let err = broken.parse::<SigningKey>().expect_err("wrong ID");
        assert!(!err.to_string().contains(secret_b64));
        assert!(!format!("{err:?}").contains(secret_b64));
    }

    #[test]
    fn every_bit_flip_of_a_vkey_fails_or_changes_the_key() {
        let orig: VerifyingKey = PETER_VKEY.parse().expect("Go test vkey");
        let mut checked = 0;
        for i in 0..PETER_VKEY.len() {
            for bit in 0..8 {
                let mut bytes = PETER_VKEY.as_bytes().to_vec();
                bytes[i] ^= 1 << bit;
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    continue;
                };
                if let Ok(k) = text.parse::<VerifyingKey>() {
                    assert_ne!(k, orig, "flip {i}:{bit} parsed to the same key");
                }
                checked += 1;
            }
        }
        assert!(checked > 400);
    }

    #[test]
    fn names_follow_the_spec() {
        for ok in [
            "a",
            "example.com/log",
            "PeterNeumann",
            "ünïcödé",
            "a-b_c.d/e:f",
        ] {
            assert!(is_valid_key_name(ok), "{ok:?}");
        }
        for bad in [
            "",
            "a b",
            "a+b",
            "+",
            "a\tb",
            "a\nb",
            "a\u{a0}b",
            "a\u{2003}b",
            "a\u{3000}b",
            "a\u{85}b",
            "a\u{2028}b",
        ] {
            assert!(!is_valid_key_name(bad), "{bad:?}");
            assert_eq!(
                SigningKey::from_seed(bad, [7; 32]).err(),
                Some(KeyError::InvalidName)
            );
            assert_eq!(
                VerifyingKey::new(bad, [7; 32]).err(),
                Some(KeyError::InvalidName)
            );
        }
    }

    #[test]
    fn weak_and_invalid_points_are_rejected() {
        // The identity point (y = 1) has order 1.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            VerifyingKey::new("x", identity).err(),
            Some(KeyError::WeakKey)
        );
        // y = 2^255 - 19 + 1 is a non-canonical encoding of y = 1.
        let mut noncanon = [0xffu8; 32];
        noncanon[0] = 0xee;
        noncanon[31] = 0x7f;
        assert!(VerifyingKey::new("x", noncanon).is_err());
        // Type byte other than 0x01.
        let mut raw = [0u8; 33];
        raw[0] = 2;
        let text = format!("x+{}+{}", key_id("x", &[0; 32]), BASE64.encode(raw));
        assert_eq!(
            text.parse::<VerifyingKey>().err(),
            Some(KeyError::UnsupportedType(2))
        );
    }

    #[test]
    fn strict_text_forms() {
        let upper = PETER_VKEY.replace("c74f20a3", "C74F20A3");
        assert!(upper.parse::<VerifyingKey>().is_err());
        assert!(format!("{PETER_VKEY}\n").parse::<VerifyingKey>().is_err());
        assert!(format!(" {PETER_VKEY}").parse::<VerifyingKey>().is_err());
        assert!(format!("{PETER_VKEY}=").parse::<VerifyingKey>().is_err());
        assert!(PETER_SKEY.parse::<VerifyingKey>().is_err());
        assert!(PETER_VKEY.parse::<SigningKey>().is_err());
        assert!(format!("{PETER_SKEY}\n").parse::<SigningKey>().is_err());
    }
}
