//! What is recorded: the signed envelope (the Merkle leaf) and its payload (claim, statement,
//! key change). See docs/FORMAT.md, which is normative.

use crate::format::encoding;
use crate::format::keys::{KeyError, Signature, SigningKey, VerifyingKey};
pub use crate::format::kind::{EntryError, FORMAT_V1, Kind, MAX_ENVELOPE_BYTES, MAX_PAYLOAD_BYTES};
use crate::format::merkle::{self, Hash};
pub use crate::format::payload::{
    Claim, KeyAction, KeyChange, Party, PartyType, Payload, Source, Stance, Statement,
};
pub use crate::format::redaction::{Redaction, RedactionCategory, Withheld};
use crate::format::time;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Prefix of every signed message. The NUL byte can never occur in a C2SP note, so an entry
/// signature can never be replayed as a checkpoint signature or the reverse.
pub const SIGNATURE_CONTEXT: &[u8] = b"claimledger/v1 entry signature\0";
/// `generator` written by this build.
pub const GENERATOR: &str = concat!("claimledger/", env!("CARGO_PKG_VERSION"));

/// The earlier entry a statement is about: its index and leaf hash, so the reference can't be
/// bent to another entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    /// Leaf index of the target.
    pub index: u64,
    /// Its RFC 6962 leaf hash.
    pub leaf_hash: Hash,
}

/// Signer keys already parsed, by their vkey text: parsing a vkey recomputes its key ID and
/// decompresses a curve point, which a loop over many entries by a few signers need not repeat.
pub type KnownKeys = std::collections::HashMap<String, VerifyingKey>;

/// The signed envelope: the bytes that become a Merkle leaf.
///
/// Only [`Envelope::parse`] and [`SignedEntry::sign_with`] make one, so `bytes` is always
/// canonical and every field agrees with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    kind: Kind,
    recorded_at: String,
    signer: VerifyingKey,
    payload_sha256: Hash,
    target: Option<Target>,
    generator: String,
    signature: Signature,
    message: Vec<u8>,
    bytes: Vec<u8>,
}

impl Envelope {
    /// Parse stored or received envelope bytes: size limit, canonical form, every field.
    /// Does not check the signature: call [`Envelope::verify_signature`].
    pub fn parse(bytes: &[u8]) -> Result<Envelope, EntryError> {
        Self::parse_with(bytes, |text| text.parse())
    }

    /// As [`Envelope::parse`], taking the signer's key from `known` when its vkey text is there.
    pub fn parse_known(bytes: &[u8], known: &KnownKeys) -> Result<Envelope, EntryError> {
        Self::parse_with(bytes, |text| match known.get(text) {
            Some(k) => Ok(k.clone()),
            None => text.parse(),
        })
    }

    /// As [`Envelope::parse`], resolving the signer's vkey text through `signer` (audit passes
    /// a lookup of already-parsed granted keys, so a hot loop does not re-derive key IDs and
    /// decompress points). `signer` MUST behave like `str::parse::<VerifyingKey>`.
    pub fn parse_with(
        bytes: &[u8],
        signer: impl FnOnce(&str) -> Result<VerifyingKey, KeyError>,
    ) -> Result<Envelope, EntryError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(EntryError::TooLarge {
                what: "envelope",
                size: bytes.len(),
                max: MAX_ENVELOPE_BYTES,
            });
        }
        let value = encoding::check_canonical(bytes).map_err(|source| EntryError::Encoding {
            what: "envelope",
            source,
        })?;
        let Value::Object(mut map) = value else {
            return Err(EntryError::Shape {
                what: "envelope",
                message: "must be a JSON object".into(),
            });
        };
        // One encoding per envelope: `target` is always present, null when there is none.
        if !map.contains_key("target") {
            return Err(EntryError::field(
                "target",
                "missing; write null when there is none",
            ));
        }
        // serde would read an array as the target struct and `{"claim": null}` as the kind.
        if !map
            .get("target")
            .is_some_and(|t| t.is_null() || t.is_object())
        {
            return Err(EntryError::field("target", "must be an object or null"));
        }
        if !map.get("kind").is_some_and(Value::is_string) {
            return Err(EntryError::field("kind", "missing or not a string"));
        }
        let (signature, signature_text) = match map.remove("signature") {
            Some(Value::String(s)) => (decode_signature(&s)?, s),
            _ => return Err(EntryError::field("signature", "missing or not a string")),
        };
        let raw: RawEnvelope =
            serde_json::from_value(Value::Object(map)).map_err(|e| EntryError::Shape {
                what: "envelope",
                message: e.to_string(),
            })?;
        let message = splice_signed_message(bytes, &signature_text)?;
        raw.into_envelope(signature, message, bytes.to_vec(), signer)
    }

    /// The kind and target index that envelope bytes state, read without the canonical-form,
    /// key and signature work of [`Envelope::parse`]. For bytes that were parsed in full when
    /// they were stored and are bound by their leaf hash to what a new entry names (a
    /// statement's target): the append rules read a target's kind this way, once per
    /// statement. MUST NOT be used on bytes not yet parsed in full.
    pub fn stated_kind_and_target(bytes: &[u8]) -> Result<(Kind, Option<u64>), EntryError> {
        #[derive(serde::Deserialize)]
        struct Head {
            kind: Kind,
            target: Option<HeadTarget>,
        }
        #[derive(serde::Deserialize)]
        struct HeadTarget {
            index: u64,
        }
        let head: Head = serde_json::from_slice(bytes).map_err(|e| EntryError::Shape {
            what: "envelope",
            message: e.to_string(),
        })?;
        Ok((head.kind, head.target.map(|t| t.index)))
    }

    /// Check the author's Ed25519 signature (verify_strict) over [`Envelope::signed_message`].
    pub fn verify_signature(&self) -> Result<(), EntryError> {
        if self.signer.verify(&self.message, &self.signature) {
            Ok(())
        } else {
            Err(EntryError::BadSignature {
                key_id: self.signer.key_id(),
            })
        }
    }

    /// The entry kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }
    /// When the signer says it was recorded (self-asserted), `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn recorded_at(&self) -> &str {
        &self.recorded_at
    }
    /// The signer's key.
    pub fn signer(&self) -> &VerifyingKey {
        &self.signer
    }
    /// SHA-256 of the canonical payload bytes.
    pub fn payload_sha256(&self) -> &Hash {
        &self.payload_sha256
    }
    /// The entry a statement is about.
    pub fn target(&self) -> Option<Target> {
        self.target
    }
    /// The tool that made it, e.g. `claimledger/0.1.0`.
    pub fn generator(&self) -> &str {
        &self.generator
    }
    /// The author's signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }
    /// The exact bytes the author signed: [`SIGNATURE_CONTEXT`] ‖ canonical envelope without
    /// its `signature` member.
    pub fn signed_message(&self) -> &[u8] {
        &self.message
    }
    /// The canonical envelope bytes (the Merkle leaf data).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// RFC 6962 leaf hash of the envelope bytes.
    pub fn leaf_hash(&self) -> Hash {
        merkle::leaf_hash(&self.bytes)
    }
}

fn signed_message(without_signature: &Map<String, Value>) -> Vec<u8> {
    let body = encoding::to_canonical(&Value::Object(without_signature.clone()));
    let mut msg = Vec::with_capacity(SIGNATURE_CONTEXT.len() + body.len());
    msg.extend_from_slice(SIGNATURE_CONTEXT);
    msg.extend_from_slice(&body);
    msg
}

/// The signed message of canonical envelope bytes, by cutting out the `signature` member.
///
/// Equal to [`signed_message`] of the other members because the bytes are canonical: members
/// keep their order and serialization, and `"signature"` is never the first key (`"format"`
/// sorts before it) nor inside `target` (which sorts after it and has no such member). The
/// pattern cannot occur inside a string, where every `"` is escaped.
fn splice_signed_message(bytes: &[u8], signature_text: &str) -> Result<Vec<u8>, EntryError> {
    const MEMBER: &[u8] = b",\"signature\":\"";
    let start = bytes
        .windows(MEMBER.len())
        .position(|w| w == MEMBER)
        .ok_or_else(|| EntryError::field("signature", "misplaced member"))?;
    let end = start + MEMBER.len() + signature_text.len() + 1;
    if bytes.get(start + MEMBER.len()..end - 1) != Some(signature_text.as_bytes())
        || bytes.get(end - 1) != Some(&b'"')
    {
        return Err(EntryError::field("signature", "misplaced member"));
    }
    let mut msg = Vec::with_capacity(SIGNATURE_CONTEXT.len() + bytes.len() - (end - start));
    msg.extend_from_slice(SIGNATURE_CONTEXT);
    msg.extend_from_slice(&bytes[..start]);
    msg.extend_from_slice(&bytes[end..]);
    Ok(msg)
}

fn decode_signature(s: &str) -> Result<Signature, EntryError> {
    let bytes = decode_b64_exact(s)
        .ok_or_else(|| EntryError::field("signature", "not canonical standard base64"))?;
    let arr: [u8; 64] = bytes
        .try_into()
        .map_err(|_| EntryError::field("signature", "must be 64 bytes"))?;
    Ok(Signature::from_bytes(&arr))
}

/// Standard padded base64 that re-encodes to exactly the same text (no stray bits).
pub(crate) fn decode_b64_exact(s: &str) -> Option<Vec<u8>> {
    let bytes = B64.decode(s).ok()?;
    (B64.encode(&bytes) == s).then_some(bytes)
}

/// Lowercase hex of exactly 32 bytes.
pub(crate) fn decode_hash_hex(s: &str) -> Option<Hash> {
    if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelope {
    format: String,
    kind: Kind,
    recorded_at: String,
    signer: String,
    payload_sha256: String,
    target: Option<RawTarget>,
    generator: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    index: u64,
    leaf_hash: String,
}

impl RawEnvelope {
    fn into_envelope(
        self,
        signature: Signature,
        message: Vec<u8>,
        bytes: Vec<u8>,
        signer: impl FnOnce(&str) -> Result<VerifyingKey, KeyError>,
    ) -> Result<Envelope, EntryError> {
        if self.format != FORMAT_V1 {
            return Err(EntryError::UnsupportedFormat(self.format));
        }
        if !time::is_timestamp(&self.recorded_at) {
            return Err(EntryError::field(
                "recorded_at",
                "must be an RFC 3339 UTC time YYYY-MM-DDTHH:MM:SSZ",
            ));
        }
        let signer = signer(&self.signer).map_err(EntryError::Signer)?;
        let payload_sha256 = decode_hash_hex(&self.payload_sha256).ok_or_else(|| {
            EntryError::field("payload_sha256", "must be 64 lowercase hex digits")
        })?;
        let target = match self.target {
            None => None,
            Some(t) => Some(Target {
                index: t.index,
                leaf_hash: decode_hash_hex(&t.leaf_hash).ok_or_else(|| {
                    EntryError::field("target.leaf_hash", "must be 64 lowercase hex digits")
                })?,
            }),
        };
        match (self.kind, target.is_some()) {
            (Kind::Statement, false) => {
                return Err(EntryError::field("target", "a statement needs a target"));
            }
            (Kind::Redaction, false) => {
                return Err(EntryError::field(
                    "target",
                    "a redaction names the entry it withholds",
                ));
            }
            (Kind::Claim | Kind::Key, true) => {
                return Err(EntryError::field(
                    "target",
                    "only statements and redactions have a target; use null",
                ));
            }
            _ => {}
        }
        if self.generator.is_empty() || self.generator.len() > 128 {
            return Err(EntryError::field("generator", "must be 1 to 128 bytes"));
        }
        Ok(Envelope {
            kind: self.kind,
            recorded_at: self.recorded_at,
            signer,
            payload_sha256,
            target,
            generator: self.generator,
            signature,
            message,
            bytes,
        })
    }
}

/// Optional settings for [`SignedEntry::sign_with`].
#[derive(Clone, Debug, Default)]
pub struct SignOptions {
    /// Recorded-at time (`YYYY-MM-DDTHH:MM:SSZ`); default now.
    pub recorded_at: Option<String>,
    /// Generator string; default `claimledger/<version>`.
    pub generator: Option<String>,
}

/// An envelope with its payload, signed and self-consistent but not (yet) in a ledger.
///
/// This is what a reporter's machine makes offline and what an `import` line holds. Its
/// payload is absent only when a redaction withheld it ([`SignedEntry::from_withheld`]): then the
/// envelope and its signature are checked and the payload hash cannot be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedEntry {
    envelope: Envelope,
    body: Body,
}

/// A payload with its canonical bytes, or what stands in for one a redaction withheld.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Body {
    // Boxed: a payload is far larger than what stands in for a withheld one.
    Given {
        payload: Box<Payload>,
        bytes: Vec<u8>,
    },
    Withheld(Withheld),
}

impl SignedEntry {
    /// Sign a payload now, with this build's generator string.
    pub fn sign(
        payload: impl Into<Payload>,
        target: Option<Target>,
        key: &SigningKey,
    ) -> Result<SignedEntry, EntryError> {
        Self::sign_with(payload, target, key, SignOptions::default())
    }

    /// Sign a payload with explicit options.
    pub fn sign_with(
        payload: impl Into<Payload>,
        target: Option<Target>,
        key: &SigningKey,
        opts: SignOptions,
    ) -> Result<SignedEntry, EntryError> {
        let payload = payload.into();
        let (payload, payload_bytes) = Payload::from_value(payload.kind(), payload.to_value())?;
        let recorded_at = opts.recorded_at.unwrap_or_else(time::now_rfc3339);
        let generator = opts.generator.unwrap_or_else(|| GENERATOR.to_string());
        let raw_target = target.map(|t| RawTarget {
            index: t.index,
            leaf_hash: hex::encode(t.leaf_hash),
        });
        let mut map = Map::new();
        map.insert("format".into(), FORMAT_V1.into());
        map.insert("kind".into(), payload.kind().as_str().into());
        map.insert("recorded_at".into(), recorded_at.into());
        map.insert("signer".into(), key.verifying_key().to_string().into());
        map.insert(
            "payload_sha256".into(),
            hex::encode(sha256(&payload_bytes)).into(),
        );
        map.insert(
            "target".into(),
            serde_json::to_value(raw_target).expect("a target is an integer and a string"),
        );
        map.insert("generator".into(), generator.into());
        let signature = key.sign(&signed_message(&map));
        map.insert("signature".into(), B64.encode(signature.to_bytes()).into());
        let bytes = encoding::to_canonical(&Value::Object(map));
        let envelope = Envelope::parse(&bytes)?;
        envelope.verify_signature()?;
        Ok(SignedEntry {
            envelope,
            body: Body::Given {
                payload: Box::new(payload),
                bytes: payload_bytes,
            },
        })
    }

    /// An entry whose payload a redaction withheld: the envelope (canonical form, fields,
    /// author signature) is checked; the payload hash cannot be. Only claims and statements
    /// can be withheld. Whether a redaction really covers it is a ledger rule (FORMAT.md §7.8).
    pub fn from_withheld(
        envelope_bytes: &[u8],
        withheld: Withheld,
    ) -> Result<SignedEntry, EntryError> {
        Self::from_withheld_with(envelope_bytes, withheld, |text| text.parse())
    }

    /// [`SignedEntry::from_withheld`], resolving the signer's vkey text through `signer` (see
    /// [`Envelope::parse_with`]).
    pub fn from_withheld_with(
        envelope_bytes: &[u8],
        withheld: Withheld,
        signer: impl FnOnce(&str) -> Result<VerifyingKey, KeyError>,
    ) -> Result<SignedEntry, EntryError> {
        let envelope = Envelope::parse_with(envelope_bytes, signer)?;
        if !matches!(envelope.kind(), Kind::Claim | Kind::Statement) {
            return Err(EntryError::field(
                "payload",
                format!(
                    "only a claim's or a statement's payload can be withheld, not a {}'s",
                    envelope.kind().as_str()
                ),
            ));
        }
        envelope.verify_signature()?;
        Ok(SignedEntry {
            envelope,
            body: Body::Withheld(withheld),
        })
    }

    /// Rebuild from an envelope and its payload as received (an import line, a receipt, a
    /// stored row): checks canonical form, the author signature, the payload hash and the
    /// payload's fields. `payload` MAY be in any key order; its canonical form is hashed.
    pub fn from_parts(envelope_bytes: &[u8], payload: Value) -> Result<SignedEntry, EntryError> {
        Self::from_parts_known(envelope_bytes, payload, &KnownKeys::new())
    }

    /// [`SignedEntry::from_parts`], taking signer keys already parsed from `known` (by vkey
    /// text) instead of parsing them again.
    pub fn from_parts_known(
        envelope_bytes: &[u8],
        payload: Value,
        known: &KnownKeys,
    ) -> Result<SignedEntry, EntryError> {
        Self::from_parts_with(envelope_bytes, payload, |text| match known.get(text) {
            Some(k) => Ok(k.clone()),
            None => text.parse(),
        })
    }

    /// [`SignedEntry::from_parts`], resolving the signer's vkey text through `signer`, which
    /// MUST behave like `str::parse::<VerifyingKey>` (see [`Envelope::parse_with`]).
    pub fn from_parts_with(
        envelope_bytes: &[u8],
        payload: Value,
        signer: impl FnOnce(&str) -> Result<VerifyingKey, KeyError>,
    ) -> Result<SignedEntry, EntryError> {
        let envelope = Envelope::parse_with(envelope_bytes, signer)?;
        let (payload, payload_bytes) = Payload::from_value(envelope.kind(), payload)?;
        Self::bind(envelope, payload, payload_bytes)
    }

    /// As [`SignedEntry::from_parts`] for stored payload bytes, which MUST be canonical.
    pub fn from_stored(
        envelope_bytes: &[u8],
        payload_bytes: &[u8],
    ) -> Result<SignedEntry, EntryError> {
        Self::from_stored_known(envelope_bytes, payload_bytes, &KnownKeys::new())
    }

    /// [`SignedEntry::from_stored`], taking signer keys already parsed from `known`.
    pub fn from_stored_known(
        envelope_bytes: &[u8],
        payload_bytes: &[u8],
        known: &KnownKeys,
    ) -> Result<SignedEntry, EntryError> {
        Self::from_stored_with(envelope_bytes, payload_bytes.to_vec(), |text| {
            match known.get(text) {
                Some(k) => Ok(k.clone()),
                None => text.parse(),
            }
        })
    }

    /// [`SignedEntry::from_stored`], resolving the signer's vkey text through `signer`, which
    /// MUST behave like `str::parse::<VerifyingKey>` (see [`Envelope::parse_with`]). Keeps
    /// `payload_bytes` as the entry's payload bytes (no copy: a mirror reads a million).
    pub fn from_stored_with(
        envelope_bytes: &[u8],
        payload_bytes: Vec<u8>,
        signer: impl FnOnce(&str) -> Result<VerifyingKey, KeyError>,
    ) -> Result<SignedEntry, EntryError> {
        let envelope = Envelope::parse_with(envelope_bytes, signer)?;
        let payload = Payload::from_stored(envelope.kind(), &payload_bytes)?;
        Self::bind(envelope, payload, payload_bytes)
    }

    fn bind(
        envelope: Envelope,
        payload: Payload,
        payload_bytes: Vec<u8>,
    ) -> Result<SignedEntry, EntryError> {
        let actual = sha256(&payload_bytes);
        if &actual != envelope.payload_sha256() {
            return Err(EntryError::PayloadHashMismatch {
                expected: hex::encode(envelope.payload_sha256()),
                actual: hex::encode(actual),
            });
        }
        envelope.verify_signature()?;
        Ok(SignedEntry {
            envelope,
            body: Body::Given {
                payload: Box::new(payload),
                bytes: payload_bytes,
            },
        })
    }

    /// The envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }
    /// The typed payload; `None` when a redaction withheld it.
    pub fn payload(&self) -> Option<&Payload> {
        match &self.body {
            Body::Given { payload, .. } => Some(payload),
            Body::Withheld(_) => None,
        }
    }
    /// The canonical payload bytes; `None` when a redaction withheld them.
    pub fn payload_bytes(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Given { bytes, .. } => Some(bytes),
            Body::Withheld(_) => None,
        }
    }
    /// Which redaction withheld the payload, if one did.
    pub fn withheld(&self) -> Option<&Withheld> {
        match &self.body {
            Body::Given { .. } => None,
            Body::Withheld(w) => Some(w),
        }
    }
    /// The payload exactly as signed, as a JSON value: its canonical form is
    /// [`SignedEntry::payload_bytes`]. (The typed [`Payload`] may spell optional members
    /// differently, so receipts and export lines MUST use this.) `None` when withheld.
    pub fn payload_json(&self) -> Option<Value> {
        self.payload_bytes().map(|bytes| {
            encoding::parse_strict(bytes)
                .expect("payload bytes were checked canonical when this entry was made")
        })
    }
    /// The import/export line: `{"envelope_base64": …, "payload": {…}}`, or for a withheld
    /// payload `{"envelope_base64": …, "withheld": {"redaction": N, "category": …}}`
    /// (FORMAT.md §12).
    pub fn to_line(&self) -> Value {
        let envelope = B64.encode(self.envelope.as_bytes());
        match &self.body {
            Body::Given { .. } => serde_json::json!({
                "envelope_base64": envelope,
                "payload": self.payload_json(),
            }),
            Body::Withheld(w) => serde_json::json!({
                "envelope_base64": envelope,
                "withheld": w.to_value(),
            }),
        }
    }
    /// Read an import line (see [`SignedEntry::to_line`]).
    pub fn from_line(line: &[u8]) -> Result<SignedEntry, EntryError> {
        Self::from_line_known(line, &KnownKeys::new())
    }

    /// [`SignedEntry::from_line`] with signer keys already parsed (see [`KnownKeys`]).
    pub fn from_line_known(line: &[u8], known: &KnownKeys) -> Result<SignedEntry, EntryError> {
        Self::from_line_with(line, |text| match known.get(text) {
            Some(k) => Ok(k.clone()),
            None => text.parse(),
        })
    }

    /// [`SignedEntry::from_line`], resolving the signer's vkey text through `signer`, which
    /// MUST behave like `str::parse::<VerifyingKey>` (see [`Envelope::parse_with`]).
    pub fn from_line_with(
        line: &[u8],
        signer: impl FnOnce(&str) -> Result<VerifyingKey, KeyError>,
    ) -> Result<SignedEntry, EntryError> {
        let value = encoding::parse_strict(line).map_err(|source| EntryError::Encoding {
            what: "line",
            source,
        })?;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Line {
            envelope_base64: String,
            #[serde(default)]
            payload: Option<Value>,
            #[serde(default)]
            withheld: Option<Value>,
        }
        // serde would read `["…", {…}]` as the struct.
        if !value.is_object() {
            return Err(EntryError::Shape {
                what: "line",
                message: "must be a JSON object".into(),
            });
        }
        let l: Line = serde_json::from_value(value).map_err(|e| EntryError::Shape {
            what: "line",
            message: e.to_string(),
        })?;
        let env = decode_b64_exact(&l.envelope_base64)
            .ok_or_else(|| EntryError::field("envelope_base64", "not canonical standard base64"))?;
        match (l.payload, l.withheld) {
            (Some(payload), None) => Self::from_parts_with(&env, payload, signer),
            (None, Some(withheld)) => {
                Self::from_withheld_with(&env, Withheld::from_value(withheld)?, signer)
            }
            _ => Err(EntryError::Shape {
                what: "line",
                message: "needs exactly one of `payload` and `withheld`".into(),
            }),
        }
    }
}

/// SHA-256 of some bytes.
pub fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// An entry in a ledger: a [`SignedEntry`] at a leaf index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    index: u64,
    signed: SignedEntry,
}

impl Entry {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn new(index: u64, signed: SignedEntry) -> Entry {
        Entry { index, signed }
    }
    /// Leaf index (0-based).
    pub fn index(&self) -> u64 {
        self.index
    }
    /// RFC 6962 leaf hash.
    pub fn leaf_hash(&self) -> Hash {
        self.signed.envelope.leaf_hash()
    }
    /// The signed envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.signed.envelope
    }
    /// The typed payload; `None` when a redaction withheld it.
    pub fn payload(&self) -> Option<&Payload> {
        self.signed.payload()
    }
    /// Which redaction withheld the payload, if one did.
    pub fn withheld(&self) -> Option<&Withheld> {
        self.signed.withheld()
    }
    /// The signed entry (envelope + payload).
    pub fn signed(&self) -> &SignedEntry {
        &self.signed
    }
    /// This entry as a [`Target`] for a statement about it.
    pub fn as_target(&self) -> Target {
        Target {
            index: self.index,
            leaf_hash: self.leaf_hash(),
        }
    }
}
