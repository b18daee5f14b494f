//! PLACEHOLDER for the fork-evidence file (FORMAT §19), owned by the `evidence` branch: only the
//! contract of ROUND14.md so that the mirror builds before that branch lands. At merge, the
//! lead keeps the `evidence` branch's version of this file whole.

use crate::format::keys::VerifyingKey;
use crate::format::merkle::Hash;

/// What fork evidence proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvidenceVerdict {
    /// Two signed trees that cannot both be prefixes of one log.
    Fork,
    /// The log served a smaller tree than one it signed before.
    Rollback,
}

/// Why evidence proves nothing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EvidenceError(String);

/// Two signed checkpoints of one log that contradict each other, with the deciding hashes.
#[derive(Clone, Debug)]
pub struct ForkEvidence {
    source: String,
    observed_at: String,
    accepted: String,
    served: String,
    proof: Vec<Hash>,
}

impl ForkEvidence {
    /// See ROUND14.md, contract 2.
    pub fn new(
        source: &str,
        observed_at: &str,
        accepted: &str,
        served: &str,
        proof: Vec<Hash>,
    ) -> ForkEvidence {
        ForkEvidence {
            source: source.into(),
            observed_at: observed_at.into(),
            accepted: accepted.into(),
            served: served.into(),
            proof,
        }
    }

    /// The evidence file.
    pub fn to_json(&self) -> String {
        let proof: Vec<String> = self.proof.iter().map(hex::encode).collect();
        serde_json::json!({
            "placeholder": true,
            "source": self.source,
            "observed_at": self.observed_at,
            "accepted": self.accepted,
            "served": self.served,
            "proof": proof,
        })
        .to_string()
    }

    /// Placeholder: never proves anything.
    pub fn verify(&self, _log_key: &VerifyingKey) -> Result<EvidenceVerdict, EvidenceError> {
        Err(EvidenceError("placeholder evidence".into()))
    }
}
