//! Receipts: one entry with its C2SP tlog-proof, verifiable offline with only the log's key.
//!
//! No SQLite, no files: a receipt is bytes in, verdict out.

use crate::format::checkpoint::{Checkpoint, CheckpointError, open_checkpoint};
use crate::format::cosignature::WitnessStatus;
use crate::format::encoding;
use crate::format::entry::{EntryError, Payload, SignedEntry, Withheld, decode_b64_exact};
use crate::format::keys::VerifyingKey;
use crate::format::merkle::{self, Hash, ProofError};
use crate::format::policy::{Policy, PolicyError, PolicyVerdict};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

/// The `format` of a receipt.
pub const RECEIPT_FORMAT: &str = "claimledger-receipt/v1";
/// First line of a C2SP tlog-proof.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";
/// Largest receipt accepted (an envelope and payload of 64 KiB each, base64, plus a proof).
pub const MAX_RECEIPT_BYTES: usize = 1 << 20;

/// Which check of a receipt failed.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// The receipt is not well-formed JSON of the documented shape.
    #[error("receipt is malformed: {0}")]
    Malformed(String),
    /// The tlog-proof text does not follow c2sp.org/tlog-proof@v1.
    #[error("tlog-proof is malformed: {0}")]
    BadTlogProof(String),
    /// The checkpoint note does not verify with the pinned log key.
    #[error("checkpoint: {0}")]
    Checkpoint(CheckpointError),
    /// The inclusion proof does not lead from the entry to the checkpoint's root.
    #[error("inclusion proof: {0}")]
    Inclusion(ProofError),
    /// The entry: canonical form, author signature, payload hash, payload fields.
    #[error("entry: {0}")]
    Entry(EntryError),
    /// The receipt says the payload was withheld, but its redaction does not prove it: not a
    /// redaction signed by the log key naming this entry, or not itself included.
    #[error("withheld: {0}")]
    Withheld(String),
    /// The witness policy cannot be applied to this log (it lists other logs).
    #[error("witness policy: {0}")]
    Policy(PolicyError),
    /// Too few of the policy's witnesses cosigned the receipt's checkpoint.
    #[error(
        "witness policy not met: {} verified, {} required ({})",
        .0.verified, .0.rule, not_met_detail(.0)
    )]
    PolicyNotMet(PolicyVerdict),
}

/// The witnesses of a verdict that did not verify, for the error message.
fn not_met_detail(v: &PolicyVerdict) -> String {
    let missing: Vec<String> = v
        .witnesses
        .iter()
        .filter(|w| !w.status.is_verified())
        .map(|w| match &w.status {
            WitnessStatus::Invalid(e) => format!("{}: {e}", w.name),
            _ => format!("{}: no cosignature", w.name),
        })
        .collect();
    missing.join("; ")
}

/// A parsed C2SP tlog-proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlogProof {
    /// Opaque extra data (unauthenticated), if any.
    pub extra: Option<Vec<u8>>,
    /// Leaf index.
    pub index: u64,
    /// Inclusion proof hashes, leaf's sibling first.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
}

impl TlogProof {
    /// The text form.
    pub fn to_text(&self) -> String {
        let mut s = String::from(TLOG_PROOF_HEADER);
        s.push('\n');
        if let Some(extra) = &self.extra {
            s.push_str("extra ");
            s.push_str(&B64.encode(extra));
            s.push('\n');
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    /// Parse the text form strictly (canonical base64, no leading zeros, 32-byte hashes).
    pub fn parse(text: &str) -> Result<TlogProof, ReceiptError> {
        let bad = |m: &str| ReceiptError::BadTlogProof(m.to_string());
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(TLOG_PROOF_HEADER) {
            return Err(bad("first line must be c2sp.org/tlog-proof@v1"));
        }
        let mut line = lines.next().ok_or_else(|| bad("missing index line"))?;
        let mut extra = None;
        if let Some(e) = line.strip_prefix("extra ") {
            extra = Some(decode_b64_exact(e).ok_or_else(|| bad("extra is not canonical base64"))?);
            line = lines.next().ok_or_else(|| bad("missing index line"))?;
        }
        let digits = line
            .strip_prefix("index ")
            .ok_or_else(|| bad("expected 'index N'"))?;
        let index = parse_decimal(digits)
            .ok_or_else(|| bad("index must be a decimal with no sign or leading zeros"))?;
        let proof = lines
            .map(|l| {
                decode_b64_exact(l)
                    .and_then(|b| Hash::try_from(b).ok())
                    .ok_or_else(|| bad("each proof line must be one base64 SHA-256 hash"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > 64 {
            return Err(bad("more than 64 proof hashes"));
        }
        Ok(TlogProof {
            extra,
            index,
            proof,
            checkpoint: checkpoint.to_string(),
        })
    }
}

/// A decimal u64 with no sign, no leading zeros (except "0"), no spaces.
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// A self-contained proof that one entry is in the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The entry (envelope and payload, or envelope and withheld stand-in).
    pub entry: SignedEntry,
    /// Its index, inclusion proof and signed checkpoint.
    pub tlog_proof: TlogProof,
    /// When the payload is withheld: the receipt of the redaction that withholds it, which
    /// proves the withholding with the same log key (FORMAT.md §10.1).
    pub redaction: Option<Box<Receipt>>,
}

impl Receipt {
    /// The JSON form: `{"format", "envelope_base64", "payload", "tlog_proof"}`, or with
    /// `"withheld": <the redaction's receipt>` in place of `payload`.
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::json!({
            "format": RECEIPT_FORMAT,
            "envelope_base64": B64.encode(self.entry.envelope().as_bytes()),
            "tlog_proof": self.tlog_proof.to_text(),
        });
        match (self.entry.payload_json(), &self.redaction) {
            (Some(payload), _) => v["payload"] = payload,
            (None, Some(r)) => v["withheld"] = r.to_json(),
            (None, None) => {}
        }
        v
    }

    /// The JSON form, pretty-printed, as `claimledger receipt` writes it.
    pub fn to_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.to_json())
            .expect("a receipt is strings and objects");
        s.push('\n');
        s
    }
}

/// What a verified receipt proves.
#[derive(Clone, Debug)]
pub struct VerifiedReceipt {
    /// The entry, with author signature and payload hash checked; or, when the payload is
    /// withheld, with author signature checked and [`SignedEntry::withheld`] naming the
    /// redaction (verified: signed by the log key, naming this entry, included).
    pub entry: SignedEntry,
    /// Its leaf index.
    pub index: u64,
    /// The checkpoint it is included in, signed by the pinned log key.
    pub checkpoint: Checkpoint,
    /// That checkpoint's signed note as carried, cosignatures included (judge them with
    /// [`verify_receipt_with_policy`]).
    pub checkpoint_note: String,
}

/// Verify a receipt offline against the pinned log key.
///
/// Checks, in order: receipt shape; checkpoint note signed by `log_key` (key name = origin);
/// envelope canonical with a valid author signature (verify_strict) and payload hash;
/// inclusion proof from the envelope's leaf hash to the checkpoint's root. A receipt whose
/// payload is withheld carries its redaction's receipt instead, verified the same way and
/// checked to be a redaction signed by `log_key` naming this entry's index and leaf hash.
pub fn verify_receipt(
    bytes: &[u8],
    log_key: &VerifyingKey,
) -> Result<VerifiedReceipt, ReceiptError> {
    if bytes.len() > MAX_RECEIPT_BYTES {
        return Err(ReceiptError::Malformed(format!(
            "{} bytes; receipts are at most {MAX_RECEIPT_BYTES}",
            bytes.len()
        )));
    }
    let value =
        encoding::parse_strict(bytes).map_err(|e| ReceiptError::Malformed(e.to_string()))?;
    verify_value(value, log_key, true)
}

fn verify_value(
    value: Value,
    log_key: &VerifyingKey,
    may_withhold: bool,
) -> Result<VerifiedReceipt, ReceiptError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        format: String,
        envelope_base64: String,
        #[serde(default)]
        payload: Option<Value>,
        #[serde(default)]
        withheld: Option<Value>,
        tlog_proof: String,
    }
    // serde would read an array as the struct, fields in order.
    if !value.is_object() {
        return Err(ReceiptError::Malformed("a receipt is a JSON object".into()));
    }
    let raw: Raw =
        serde_json::from_value(value).map_err(|e| ReceiptError::Malformed(e.to_string()))?;
    if raw.format != RECEIPT_FORMAT {
        return Err(ReceiptError::Malformed(format!(
            "format {:?} is not {RECEIPT_FORMAT:?}",
            raw.format
        )));
    }
    let tlog = TlogProof::parse(&raw.tlog_proof)?;
    let (checkpoint, _) =
        open_checkpoint(tlog.checkpoint.as_bytes(), log_key).map_err(ReceiptError::Checkpoint)?;
    let envelope = decode_b64_exact(&raw.envelope_base64)
        .ok_or_else(|| ReceiptError::Malformed("envelope_base64 is not canonical base64".into()))?;
    let entry = match (raw.payload, raw.withheld) {
        (Some(payload), None) => {
            SignedEntry::from_parts(&envelope, payload).map_err(ReceiptError::Entry)?
        }
        (None, Some(withheld)) if may_withhold => {
            let bad = |m: String| ReceiptError::Withheld(m);
            let r = verify_value(withheld, log_key, false)?;
            let leaf = merkle::leaf_hash(&envelope);
            let Some(Payload::Redaction(redaction)) = r.entry.payload() else {
                return Err(bad("the withholding entry is not a redaction".into()));
            };
            if r.entry.envelope().signer() != log_key {
                return Err(bad(format!(
                    "the redaction is signed by key {}, not by the log key",
                    r.entry.envelope().signer().key_id()
                )));
            }
            let target = r.entry.envelope().target();
            if target.map(|t| (t.index, t.leaf_hash)) != Some((tlog.index, leaf)) {
                return Err(bad(format!(
                    "the redaction names another entry than index {} with this envelope",
                    tlog.index
                )));
            }
            let withheld = Withheld {
                redaction: r.index,
                category: redaction.category,
            };
            SignedEntry::from_withheld(&envelope, withheld).map_err(ReceiptError::Entry)?
        }
        _ => {
            return Err(ReceiptError::Malformed(if may_withhold {
                "a receipt has exactly one of `payload` and `withheld`".into()
            } else {
                "the redaction in `withheld` needs its `payload` and no `withheld`".into()
            }));
        }
    };
    merkle::verify_inclusion(
        tlog.index,
        checkpoint.size,
        &entry.envelope().leaf_hash(),
        &tlog.proof,
        &checkpoint.root,
    )
    .map_err(ReceiptError::Inclusion)?;
    Ok(VerifiedReceipt {
        entry,
        index: tlog.index,
        checkpoint,
        checkpoint_note: tlog.checkpoint,
    })
}

/// [`verify_receipt`], then require the checkpoint's cosignatures to meet `policy`.
///
/// Fails as [`verify_receipt`] does; with [`ReceiptError::Policy`] when the policy lists logs and
/// `log_key` is not one of them; and with [`ReceiptError::PolicyNotMet`] (carrying the per-witness
/// verdict) when too few listed witnesses cosigned. On success the verdict says which did.
pub fn verify_receipt_with_policy(
    bytes: &[u8],
    log_key: &VerifyingKey,
    policy: &Policy,
) -> Result<(VerifiedReceipt, PolicyVerdict), ReceiptError> {
    let verified = verify_receipt(bytes, log_key)?;
    let (_, verdict) = policy
        .check(verified.checkpoint_note.as_bytes(), log_key)
        .map_err(ReceiptError::Policy)?;
    if !verdict.met {
        return Err(ReceiptError::PolicyNotMet(verdict));
    }
    Ok((verified, verdict))
}
