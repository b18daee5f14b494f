//! claimledger: an append-only, signed ledger of claims for newsrooms.
//!
//! Every entry (a claim, a statement about an earlier entry, a key grant or revocation) is
//! signed with Ed25519 by the person who recorded it; entries are the leaves of an RFC 6962
//! Merkle tree whose checkpoints the ledger's operator key signs as C2SP signed notes; and
//! anyone can verify the whole history ([`Ledger::audit`]) or one claim's receipt
//! ([`verify_receipt`]) offline. The ledger is one SQLite file.
//!
//! ```
//! use claimledger::{Claim, Ledger, Party, PartyType, SigningKey, Stance, Statement};
//!
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("claims.db");
//! // The operator key's name is the ledger's origin.
//! let operator = SigningKey::generate("news.example/claims")?;
//! let mut ledger = Ledger::create(&path, &operator)?;
//!
//! let alice = SigningKey::generate("alice@news.example")?;
//! ledger.grant(&alice.verifying_key(), "Alice Martin", "reporter")?;
//!
//! let claim = Claim {
//!     text: "DeepSeek-V3 cost $5.6M to train".into(),
//!     claimant: Party { name: "DeepSeek".into(), party_type: PartyType::Organization, same_as: None },
//!     claimed_on: Some("2024-12-26".into()),
//!     sources: vec![],
//!     subjects: vec!["DeepSeek-V3".into()],
//!     figures: vec![],
//! };
//! let recorded = ledger.append(claim, &alice)?;
//! let doubt = Statement {
//!     stance: Stance::Contests,
//!     text: "The real cost is far higher".into(),
//!     speaker: Party { name: "Dario Amodei".into(), party_type: PartyType::Person, same_as: None },
//!     stated_on: None, sources: vec![], figures: vec![], rating: None,
//! };
//! ledger.append_statement(recorded.entry.index(), doubt, &alice)?;
//!
//! assert!(ledger.audit()?.ok);
//! let receipt = ledger.receipt(recorded.entry.index())?;
//! let bytes = receipt.to_pretty();
//! let verified = claimledger::verify_receipt(bytes.as_bytes(), ledger.log_key())?;
//! assert_eq!(verified.index, 2); // 0: operator grant, 1: grant to Alice, 2: the claim
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod dirs;
mod error;
pub mod format;
pub mod ledger;
#[cfg(feature = "sqlite")]
pub mod mirror;
#[cfg(feature = "sqlite")]
pub mod objects;
#[cfg(feature = "sqlite")]
mod process;
#[cfg(feature = "sqlite")]
pub mod publish;
#[cfg(feature = "sqlite")]
pub mod witness;

pub use error::{Error, Result};
pub use format::checkpoint::Checkpoint;
pub use format::cosignature::{Cosignature, WitnessKey, WitnessSigner};
pub use format::entry::{
    Claim, Entry, Envelope, KeyAction, KeyChange, Kind, Party, PartyType, Payload, Redaction,
    RedactionCategory, SignOptions, SignedEntry, Source, Stance, Statement, Target, Withheld,
};
pub use format::figure::{Figure, Precision};
pub use format::keys::{KeyId, SigningKey, VerifyingKey};
pub use format::merkle::Hash;
pub use format::payload::Rating;
pub use format::policy::{Policy, PolicyVerdict};
pub use format::receipt::{Receipt, VerifiedReceipt, verify_receipt};
#[cfg(feature = "sqlite")]
pub use ledger::audit::{AuditOptions, AuditReport, Finding};
#[cfg(feature = "sqlite")]
pub use ledger::import::{ImportOptions, ImportReport};
#[cfg(feature = "sqlite")]
pub use ledger::prove::{ConsistencyProof, InclusionProof, SignedCheckpoint};
#[cfg(feature = "sqlite")]
pub use ledger::{Appended, ClaimSummary, CreateOptions, Ledger, OperatorLoaded, OperatorOptions};

// The README's library example is compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
