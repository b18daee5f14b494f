//! The SQLite ledger: one file holding entries, payloads, the Merkle tree and signed
//! checkpoints, behind the [`Ledger`] facade. Built on [`crate::format`]; the only layer that
//! touches SQLite or key files on disk.
//!
//! | file | what |
//! | --- | --- |
//! | `ledger.rs` | the facade: create, open, append, read, prove |
//! | `store/` | SQLite: schema, pragmas, rows <-> bytes (the only module that speaks SQL) |
//! | `query.rs` | reading: entry lists, search, claims with their histories, figures |
//! | `prove.rs` | checkpoints, proofs and receipts from stored nodes |
//! | `audit/` | whole-ledger verification from the stored bytes up |
//! | `import.rs` | bulk import and export as JSON Lines |
//! | `claimreview.rs` | ClaimReview export with the publisher settings; ClaimReview archives imported as signed entries |
//! | `replica.rs` | replica ledgers: the copy `claimledger mirror` keeps, refused to every append path |
//! | `rules.rs` | the append rules; the one checked conversion from a stored row to an entry |
//! | `keybook.rs` | key grants and revocations in force at an index |
//! | `redact.rs` | redactions: withhold a payload, erase its bytes, read what stands in for it |
//! | `keyfile.rs` | key files on disk (0600) |
//! | `settings.rs` | the ledger's settings (`claimledger config`): configuration, not history |
//! | `signer.rs` | the one signing path and the operator's signer state beside its key |
//! | `witnesses.rs` | the witnesses configured and the cosignatures they returned |

#[cfg(feature = "sqlite")]
pub mod audit;
#[cfg(feature = "sqlite")]
pub mod claimreview;
#[cfg(feature = "sqlite")]
pub mod import;
pub mod keybook;
pub mod keyfile;
// The facade keeps the name of its folder: `claimledger::ledger::Ledger`.
#[cfg(feature = "sqlite")]
#[allow(clippy::module_inception)]
mod ledger;
#[cfg(feature = "sqlite")]
pub mod prove;
#[cfg(feature = "sqlite")]
mod query;
#[cfg(feature = "sqlite")]
mod redact;
#[cfg(feature = "sqlite")]
mod replica;
#[cfg(feature = "sqlite")]
mod rules;
#[cfg(feature = "sqlite")]
mod run_memory;
#[cfg(feature = "sqlite")]
pub mod settings;
#[cfg(feature = "sqlite")]
pub mod signer;
#[cfg(feature = "sqlite")]
pub(crate) mod store;
#[cfg(feature = "sqlite")]
pub mod witnesses;

#[cfg(feature = "sqlite")]
pub use ledger::*;
#[cfg(feature = "sqlite")]
pub(crate) use replica::{Replicated, remove_abandoned_copies};
#[cfg(feature = "sqlite")]
pub(crate) use rules::{
    OnDuplicate, check_target, checked_signed, entry_from_row, key_book_before,
};
