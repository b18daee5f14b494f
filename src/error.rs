//! Errors of the ledger facade. Each message says what is wrong and, where there is one, what to
//! do next. Every error here means nothing was changed.

use crate::format::checkpoint::CheckpointError;
use crate::format::entry::EntryError;
use crate::format::keys::{KeyError, KeyId};
use crate::format::merkle::ProofError;
use crate::format::note::NoteError;
use crate::ledger::keyfile::KeyFileError;
use std::path::PathBuf;

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the ledger can refuse or fail at.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `create` found a file already there. Nothing was changed.
    #[error("{} already exists; claimledger never overwrites a ledger (choose another path)", path.display())]
    AlreadyExists {
        /// the path
        path: PathBuf,
    },
    /// `open` found no file. `open` never creates one.
    #[error("no ledger at {}; create one with 'claimledger init --origin NAME'", path.display())]
    NotFound {
        /// the path
        path: PathBuf,
    },
    /// The file is not a claimledger ledger (another SQLite file, or not SQLite at all).
    #[error("{} is not a claimledger ledger{}", path.display(), detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    NotALedger {
        /// the path
        path: PathBuf,
        /// what was found instead
        detail: Option<String>,
    },
    /// Written by a newer claimledger; upgrade the tool. Nothing was changed.
    #[error("{} has schema version {found}; this claimledger reads up to {supported}: upgrade claimledger", path.display())]
    SchemaTooNew {
        /// the path
        path: PathBuf,
        /// version in the file
        found: i64,
        /// newest this build reads
        supported: i64,
    },
    /// A reader that cannot write the ledger found a write-ahead log it cannot use. Nothing was
    /// changed.
    #[error("{} has a write-ahead log ({}-wal) but no -shm file, and this user cannot create one; run any claimledger command on it as its owner (that folds the log into the file), then read again", path.display(), path.display())]
    NotReadable {
        /// The ledger file.
        path: PathBuf,
    },
    /// A reader without locks (the ledger could not be written here) saw the file written
    /// while it read: what it read may mix two states. Nothing was changed; read again.
    #[error("{} was written by another process while it was read; run the command again", path.display())]
    ChangedWhileRead {
        /// The ledger file.
        path: PathBuf,
    },
    /// SQLite failed (I/O error, disk full, read-only file, corruption).
    #[cfg(feature = "sqlite")]
    #[error("storage: {0}")]
    Storage(rusqlite::Error),
    /// A file could not be read or written.
    #[error("{}", path.display())]
    Io {
        /// the path
        path: PathBuf,
        /// the cause
        #[source]
        source: std::io::Error,
    },
    /// The entry or payload is malformed or its signature does not verify.
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// Key text does not parse.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A key file could not be used.
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    /// A proof request or proof is invalid.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// A signed note is malformed or does not verify.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// A checkpoint is malformed or does not verify.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The signer has no grant in force.
    #[error(
        "key {key_id} ({vkey}) is not granted in this ledger; ask the operator to run 'claimledger key grant {vkey} --name NAME --role ROLE'"
    )]
    NotGranted {
        /// signer key ID
        key_id: KeyId,
        /// signer vkey text
        vkey: String,
    },
    /// The signer's key was revoked.
    #[error(
        "key {key_id} ({name}) was revoked at entry {revoked_at}: {reason}; it can record nothing more"
    )]
    Revoked {
        /// signer key ID
        key_id: KeyId,
        /// the granted name
        name: String,
        /// index of the revocation
        revoked_at: u64,
        /// its reason
        reason: String,
    },
    /// A key entry signed by a key other than the ledger's operator key.
    #[error(
        "key grants and revocations must be signed by the ledger's operator key {operator}; key {key_id} is not it"
    )]
    NotOperator {
        /// signer key ID
        key_id: KeyId,
        /// the operator's vkey
        operator: String,
    },
    /// A key operation that makes no sense (revoking an ungranted key, revoking the operator).
    #[error("{0}")]
    KeyRule(String),
    /// A redaction signed by a key other than the ledger's operator key.
    #[error(
        "redactions must be signed by the ledger's operator key {operator}; key {key_id} is not it"
    )]
    RedactionNotByOperator {
        /// signer key ID
        key_id: KeyId,
        /// the operator's vkey
        operator: String,
    },
    /// A redaction (or a withheld payload) that breaks a rule of FORMAT.md §7.8: a target
    /// that is a key entry or a redaction, already withheld, or a withheld payload no
    /// redaction covers. Nothing was written.
    #[error("{0}")]
    RedactionRule(String),
    /// The operator key given is not this ledger's.
    #[error("operator key {given} is not this ledger's log key {expected}")]
    WrongOperatorKey {
        /// the ledger's log vkey
        expected: String,
        /// the one given
        given: String,
    },
    /// A statement's target does not exist (yet).
    #[error("entry {index} does not exist (the ledger has {size} entries); check the reference")]
    TargetNotFound {
        /// the target index
        index: u64,
        /// ledger size
        size: u64,
    },
    /// A statement's target leaf hash does not match the entry at that index.
    #[error(
        "entry {index} has leaf hash {actual}, not {expected}: the statement was signed against another ledger or a forged reference"
    )]
    TargetHashMismatch {
        /// the target index
        index: u64,
        /// leaf hash named by the statement
        expected: String,
        /// leaf hash in this ledger
        actual: String,
    },
    /// A statement about a key entry.
    #[error("entry {index} is a key entry; statements are about claims or statements")]
    TargetIsKey {
        /// the target index
        index: u64,
    },
    /// A reference (`12`, `#12`, hash prefix) names nothing.
    #[error(
        "no entry matches {reference:?}; use an index (12 or #12) or 8+ hex digits of a leaf hash ('claimledger log' lists them)"
    )]
    NoSuchEntry {
        /// what was given
        reference: String,
    },
    /// An index reference (`12`, `#12`) at or past the end of the ledger.
    #[error("no entry #{index}; {}", ledger_span(*size))]
    NoEntryAt {
        /// the index asked for
        index: u64,
        /// ledger size (its entries are 0 to size - 1)
        size: u64,
    },
    /// A hash-prefix reference names several entries.
    #[error("{reference:?} matches more than one entry; give more hex digits")]
    AmbiguousRef {
        /// what was given
        reference: String,
        /// how many matched
        count: usize,
    },
    /// A reference that is neither an index nor 8+ hex digits.
    #[error("{reference:?} is not an entry reference; use 12, #12 or 8+ hex digits of a leaf hash")]
    BadRef {
        /// what was given
        reference: String,
    },
    /// A tree size beyond the ledger's, or with no stored checkpoint.
    #[error("{0}")]
    Size(String),
    /// No operator key is loaded, so no checkpoint can be signed.
    #[error("no operator key loaded; run this where the operator key at {} is readable, or pass --operator-key", path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "(unrecorded)".into()))]
    NoOperatorKey {
        /// where init recorded the key
        path: Option<PathBuf>,
    },
    /// An import line was refused; earlier batches stayed committed.
    #[error(
        "line {line} refused ({imported} entries from earlier batches were imported; fix the line and import again: entries already present are skipped)"
    )]
    Import {
        /// 1-based line number
        line: u64,
        /// entries committed before it
        imported: u64,
        /// why
        #[source]
        source: Box<Error>,
    },
    /// No signed checkpoint covers this entry yet, so it has no receipt (appended where the
    /// operator key was not loaded).
    #[error(
        "entry {index} is not yet covered by a signed checkpoint; run 'claimledger checkpoint --sign' where the operator key is"
    )]
    NotCovered {
        /// The entry.
        index: u64,
    },
    /// The same signed entry (same leaf hash) is already in the ledger.
    #[error("this exact entry is already in the ledger at index {index}; nothing was appended")]
    Duplicate {
        /// where it is
        index: u64,
    },
    /// Import stopped on a storage failure (disk full, read-only file): the current batch was
    /// not written; the batches before it were.
    #[error(
        "import stopped after {imported} entries: the batch in progress was not written; fix the cause and import again (entries already present are skipped)"
    )]
    ImportInterrupted {
        /// entries committed before it
        imported: u64,
        /// why
        #[source]
        source: Box<Error>,
    },
    /// A ledger setting (`claimledger config`) that does not exist or a value it does not take.
    #[error("setting {key}: {reason}")]
    Setting {
        /// the key as given
        key: String,
        /// what is wrong and what is expected
        reason: String,
    },
    /// ClaimReview input that is not JSON, or neither an object nor an array. Nothing was
    /// changed.
    #[error("ClaimReview input: {0}")]
    ClaimReviewInput(String),
    /// The ledger file says something its signed bytes do not: a derived column (kind, target,
    /// leaf hash, tree node, checkpoint root) disagrees with the envelopes, or the file no
    /// longer extends the last tree head the operator key signed (rows deleted, an older copy
    /// restored). Nothing was written or signed. `detail` names what disagrees and never holds
    /// a file path (it is shown to HTTP clients).
    #[error(
        "the ledger file was altered outside claimledger: {detail}; nothing was signed or written; run `claimledger audit` to see what changed"
    )]
    LedgerAltered {
        /// what disagrees
        detail: String,
    },
    /// The operator's signer state (the last checkpoint its key signed, kept beside the key
    /// file) cannot be read, does not verify with this ledger's log key, or refuses a new
    /// ledger. Nothing was signed.
    #[error("signer state {}: {detail}", path.display())]
    SignerState {
        /// the state file
        path: PathBuf,
        /// what is wrong and what to do
        detail: String,
    },
    /// An audit state (`audit --resume`) was refused, or none can be made. Nothing was audited.
    #[cfg(feature = "sqlite")]
    #[error(transparent)]
    AuditState(#[from] crate::ledger::audit::AuditStateError),
    /// A witness configuration or cosignature was refused (bad URL, quorum, a cosignature that
    /// does not verify). Nothing was changed.
    #[error("{0}")]
    Witness(String),
    /// The ledger has a witness policy and no stored checkpoint covering this entry meets it.
    #[error(
        "no checkpoint covering entry {index} meets the ledger's witness policy yet; run 'claimledger cosign' (the witnesses must be reachable)"
    )]
    NotWitnessed {
        /// The entry.
        index: u64,
    },
    /// The ledger is a replica (`claimledger mirror`): it holds a copy of another log and only
    /// the mirror appends to it, with entries and checkpoints verified from the source. Nothing
    /// was changed.
    #[error(
        "this ledger is a mirror of {source_location}; record on the source (a replica only takes what 'claimledger mirror' copies from it)"
    )]
    Replica {
        /// Where the replicated log is read from (its `replica_of`).
        source_location: String,
    },
    /// An entry the source of a replica serves breaks an append rule (signer not granted, bad
    /// target, a redaction not by the operator...). Nothing was appended.
    #[error("entry {index} served by the source breaks a ledger rule")]
    SourceEntry {
        /// its index in the source's log
        index: u64,
        /// the rule it breaks
        #[source]
        source: Box<Error>,
    },
    /// The stored data contradicts itself; run `claimledger audit` for details.
    #[error("the ledger is inconsistent: {0}; run 'claimledger audit' for details")]
    Corrupt(String),
}

// Not `#[from]`: rusqlite's error already repeats its message in its own source, so a source
// chain would print it twice.
#[cfg(feature = "sqlite")]
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Storage(e)
    }
}

#[cfg(feature = "sqlite")]
impl Error {
    /// [`Error::LedgerAltered`] with this detail.
    pub(crate) fn altered(detail: impl Into<String>) -> Error {
        Error::LedgerAltered {
            detail: detail.into(),
        }
    }
}

/// "the ledger has 12 entries (#0–#11)": which indices exist, for errors about one that does not.
fn ledger_span(size: u64) -> String {
    match size {
        0 => "the ledger is empty".into(),
        1 => "the ledger has 1 entry (#0)".into(),
        n => format!("the ledger has {n} entries (#0–#{})", n - 1),
    }
}
