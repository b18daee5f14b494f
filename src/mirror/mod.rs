//! `claimledger mirror`: follow a published log, verify every new entry and checkpoint, and
//! keep a full copy in a replica ledger; a log that rolls back or forks leaves signed evidence.
//!
//! A run reads only `checkpoint` and `tile/…` (hash tiles, entry bundles, payload bundles:
//! docs/FORMAT.md §13, §13.1, §18) through an [`Objects`] backend, so a directory written by
//! `claimledger publish`, the bucket it wrote to and a `claimledger serve` URL are read alike.
//!
//! | file | what |
//! | --- | --- |
//! | `mod.rs` | one run: checkpoint, policy, consistency, fork evidence, the write |
//! | `source.rs` | reading the published objects under size limits; tree nodes from hash tiles |
//! | `entries.rs` | the new entries, read and verified in parallel, in chunks for the writer |

mod entries;
mod source;

pub use source::MAX_CHECKPOINT_BYTES;

use crate::format::checkpoint::{Checkpoint, open_checkpoint};
use crate::format::evidence::{EvidenceKind, ForkEvidence, fork_proof};
use crate::format::keys::VerifyingKey;
use crate::format::merkle::{self, Hash, ProofError};
use crate::format::policy::{Policy, PolicyVerdict};
use crate::format::time;
use crate::ledger::SignedCheckpoint;
use crate::ledger::audit::AuditState;
use crate::ledger::import::SignerCache;
use crate::ledger::store;
use crate::objects::{ObjectError, Objects};
use crate::{Error, Ledger};
use source::{Source, TileNodes};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// What a mirror run is told.
pub struct MirrorOptions<'a> {
    /// The source as the user named it; recorded as the replica's `replica_of`.
    pub source: &'a str,
    /// The replica ledger file: created on the first run, MUST be a replica of this log after.
    pub ledger: &'a Path,
    /// The pinned log key: the source's checkpoints MUST be signed by it, and its name is the
    /// origin they MUST name.
    pub log_key: &'a VerifyingKey,
    /// A witness policy the served checkpoint's cosignatures MUST meet.
    pub policy: Option<&'a Policy>,
    /// Called with (entries copied so far, entries to copy) as the copy proceeds.
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
}

/// What a successful run did.
#[derive(Clone, Debug)]
pub struct MirrorReport {
    /// The replica file.
    pub ledger: PathBuf,
    /// The replica was created by this run.
    pub created: bool,
    /// The source served the checkpoint the replica already held: nothing was written.
    pub up_to_date: bool,
    /// Replica size before the run (the size of the checkpoint it had accepted).
    pub old_size: u64,
    /// Replica size after the run: the served checkpoint's size.
    pub new_size: u64,
    /// Entries appended.
    pub appended: u64,
    /// Copied redactions that withheld a payload the replica already held (erased here too).
    pub redactions_applied: u64,
    /// The checkpoint accepted, exactly as served (cosignatures included).
    pub checkpoint: String,
    /// The witness policy's verdict on it, when a policy was given.
    pub policy: Option<PolicyVerdict>,
    /// Objects read from the source.
    pub objects_fetched: u64,
    /// Bytes read from the source.
    pub bytes_fetched: u64,
    /// The incremental audit state of the replica at the accepted checkpoint (docs/FORMAT.md
    /// §20): every entry below it was verified as it was copied, so `audit --resume` with it
    /// checks only what later runs add. `None` when it could not be taken (a warning says why)
    /// or the replica is empty.
    pub audit_state: Option<AuditState>,
    /// Something worth telling that did not stop the run.
    pub warnings: Vec<String>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Why a run stopped. In every case the replica is left exactly as it was (a replica this run
/// created is removed again).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MirrorError {
    /// The source could not be read (unreachable, refused, I/O). Could not run.
    #[error("reading the source: {0}")]
    Source(#[from] ObjectError),
    /// The source has no `checkpoint`: not a published log (or nothing published yet).
    #[error(
        "{source_location} has no checkpoint: it is not a published claimledger log (or nothing was published there yet)"
    )]
    NoCheckpoint {
        /// the source
        source_location: String,
    },
    /// The served checkpoint does not verify with the pinned log key, names another origin, or
    /// is not a checkpoint at all.
    #[error("the source's checkpoint does not verify with the pinned log key {key}: {detail}")]
    BadCheckpoint {
        /// the pinned key's name and ID
        key: String,
        /// why
        detail: String,
    },
    /// The served checkpoint's cosignatures do not meet the witness policy.
    #[error(
        "the source's checkpoint at size {size} does not meet the witness policy ({verified} verified cosignatures; the policy asks for {rule})"
    )]
    PolicyNotMet {
        /// served size
        size: u64,
        /// cosignatures verified
        verified: usize,
        /// the rule in words
        rule: String,
    },
    /// A tile or bundle is missing, malformed, too large, or does not match the signed
    /// checkpoint: bad data from the source (or in transit), not a contradiction of signed
    /// statements, so no evidence is written.
    #[error("the source served bad data: {detail}")]
    BadData {
        /// what and where
        detail: String,
    },
    /// An entry in the new range does not verify (signature, payload hash, payload fields).
    #[error("entry {index} served by the source does not verify: {detail}")]
    BadEntry {
        /// its index
        index: u64,
        /// why
        detail: String,
    },
    /// The served checkpoint contradicts the one the replica accepted, both signed by the log
    /// key: the source rolled back or forked its log. `evidence` (a fork-evidence file,
    /// docs/FORMAT.md §19) proves it to anyone holding the log key.
    #[error("{}", fork_message(*rollback, *accepted_size, *served_size))]
    Fork {
        /// The served tree is smaller than the accepted one.
        rollback: bool,
        /// size the replica accepted
        accepted_size: u64,
        /// size served now
        served_size: u64,
        /// the fork-evidence file's bytes
        evidence: String,
        /// what [`ForkEvidence::verify`] says it proves (`None`: it did not verify itself,
        /// which would be a bug; the file is written all the same)
        verdict: Option<EvidenceKind>,
    },
    /// The ledger file is not a replica of this log (a ledger of its own, or another log's).
    #[error("{}: {detail}", path.display())]
    NotAReplica {
        /// the file
        path: PathBuf,
        /// what it is instead, and what to do
        detail: String,
    },
    /// The replica ledger refused or failed (a rule an entry breaks: [`Error::SourceEntry`];
    /// storage).
    #[error(transparent)]
    Ledger(#[from] Error),
}

fn fork_message(rollback: bool, accepted: u64, served: u64) -> String {
    if rollback {
        format!(
            "the source rolled its log back: it serves a signed checkpoint of {served} entries, but this replica accepted one of {accepted} signed by the same key"
        )
    } else if accepted == served {
        format!(
            "the source forked its log: it serves a signed checkpoint of {served} entries with another root than the one of the same size this replica accepted"
        )
    } else {
        format!(
            "the source forked its log: its signed checkpoint of {served} entries does not extend the one of {accepted} entries this replica accepted"
        )
    }
}

impl From<ProofError> for MirrorError {
    fn from(e: ProofError) -> Self {
        MirrorError::BadData {
            detail: format!("the hash tiles do not give a proof: {e}"),
        }
    }
}

impl MirrorError {
    /// True when the run found something that does not verify (exit 1 in the CLI); false when
    /// it could not run (exit 2).
    pub fn is_verification_failure(&self) -> bool {
        match self {
            MirrorError::Source(_) | MirrorError::NoCheckpoint { .. } => false,
            MirrorError::NotAReplica { .. } => false,
            MirrorError::Ledger(Error::SourceEntry { .. }) => true,
            MirrorError::Ledger(_) => false,
            _ => true,
        }
    }
}

/// One mirror run from `objects` into the replica `opts.ledger` (see the module docs and
/// docs/CLI.md, `mirror`).
///
/// Contract: on `Ok`, the replica holds the source's tree at the served checkpoint, every entry
/// checked against the append rules, and that checkpoint note; on `Err`, the replica is
/// unchanged. Cost: the new entries, plus O(log n) hash tiles for the consistency proof.
pub fn mirror(
    objects: &dyn Objects,
    opts: &MirrorOptions<'_>,
) -> Result<MirrorReport, MirrorError> {
    let started = Instant::now();
    let source = Source::new(objects);
    let note_bytes = source.checkpoint()?;
    let bad_checkpoint = |detail: String| MirrorError::BadCheckpoint {
        key: format!("{} ({})", opts.log_key.name(), opts.log_key.key_id()),
        detail,
    };
    let (served, _) =
        open_checkpoint(&note_bytes, opts.log_key).map_err(|e| bad_checkpoint(e.to_string()))?;
    let note = String::from_utf8(note_bytes.clone())
        .map_err(|_| bad_checkpoint("the note is not UTF-8".into()))?;
    let policy = match opts.policy {
        Some(p) => {
            let (_, verdict) = p
                .check(&note_bytes, opts.log_key)
                .map_err(|e| bad_checkpoint(e.to_string()))?;
            if !verdict.met {
                return Err(MirrorError::PolicyNotMet {
                    size: served.size,
                    verified: verdict.verified,
                    rule: verdict.rule,
                });
            }
            Some(verdict)
        }
        None => None,
    };
    let existing = open_replica(opts)?;
    let (accepted_size, accepted_root, accepted_note) = match &existing {
        Some(l) => match store::latest_checkpoint(l.conn())? {
            Some(row) => {
                let cp = l.parse_checkpoint(&row.note)?;
                (cp.checkpoint.size, cp.checkpoint.root, Some(cp.note))
            }
            None => (0, merkle::EMPTY_ROOT, None),
        },
        None => (0, merkle::EMPTY_ROOT, None),
    };
    let mut report = MirrorReport {
        ledger: opts.ledger.to_path_buf(),
        created: false,
        up_to_date: false,
        old_size: accepted_size,
        new_size: accepted_size,
        appended: 0,
        redactions_applied: 0,
        checkpoint: accepted_note.clone().unwrap_or_default(),
        policy,
        audit_state: None,
        objects_fetched: 0,
        bytes_fetched: 0,
        warnings: Vec::new(),
        elapsed: Duration::ZERO,
    };
    let finish = |mut report: MirrorReport, source: &Source<'_>| {
        report.objects_fetched = source.fetched.load(Ordering::Relaxed);
        report.bytes_fetched = source.bytes.load(Ordering::Relaxed);
        report.elapsed = started.elapsed();
        report
    };
    // Contradictions between the served checkpoint and the accepted one, both signed.
    if let (Some(ledger), Some(accepted)) = (&existing, &accepted_note) {
        let fork =
            |proof: Vec<Hash>| fork_error(opts, accepted, &note, accepted_size, served.size, proof);
        if served.size == accepted_size {
            if served.root != accepted_root {
                return Err(fork(Vec::new()));
            }
            report.up_to_date = true;
            take_audit_state(ledger, &mut report);
            return Ok(finish(report, &source));
        }
        if served.size < accepted_size {
            // A rollback: the proof comes from the larger tree, the replica's own.
            return Err(fork(ledger.fork_proof(accepted_size, served.size)?));
        }
        // served.size > accepted_size: the source's hash tiles give a self-contained
        // consistency proof; once its larger root is the served (signed) root, the prefix root
        // it computes is the source's tree at our size, compared with the root we accepted.
        let nodes = TileNodes::new(&source, served.size);
        let proof = fork_proof(&nodes, accepted_size, served.size)?;
        let (prefix_root, served_root) =
            merkle::roots_from_consistency(accepted_size, served.size, &proof)?;
        if served_root != served.root {
            return Err(MirrorError::BadData {
                detail: format!(
                    "the hash tiles do not match the source's signed checkpoint at size {} (the consistency proof built from them does not lead to its root)",
                    served.size
                ),
            });
        }
        if prefix_root != accepted_root {
            return Err(fork(proof));
        }
    } else if served.size == 0 {
        report.up_to_date = true;
        return Ok(finish(report, &source));
    }
    // The copy: on a first run, made under a temporary name and linked into place only once
    // complete (a failed run removes it).
    let run = |ledger: &mut Ledger| {
        copy(
            &source,
            ledger,
            opts,
            accepted_size,
            &accepted_root,
            &served,
            &note,
        )
    };
    let (ledger, created) = match existing {
        Some(mut ledger) => {
            report.take(run(&mut ledger)?);
            (ledger, false)
        }
        None => {
            let mut new = Ledger::begin_replica(opts.ledger, opts.source, opts.log_key)?;
            report.take(run(new.ledger())?);
            (new.finish()?, true)
        }
    };
    report.created = created;
    report.new_size = served.size;
    report.checkpoint = note;
    take_audit_state(&ledger, &mut report);
    Ok(finish(report, &source))
}

impl MirrorReport {
    fn take(&mut self, replicated: crate::ledger::Replicated) {
        self.appended = replicated.appended;
        self.redactions_applied = replicated.redactions_applied;
        self.warnings.extend(replicated.warning);
    }
}

/// The replica's incremental audit state (contract 3 of issue #14): taken after a run, when
/// every entry of the replica was verified as it was stored (`Ledger::audit_state`'s contract).
fn take_audit_state(ledger: &Ledger, report: &mut MirrorReport) {
    match ledger.audit_state() {
        Ok(state) => report.audit_state = Some(state),
        Err(e) => report
            .warnings
            .push(format!("no incremental audit state was taken: {e}")),
    }
}

/// Open the replica if the file exists: it MUST be a replica of the log `opts.log_key` signs.
fn open_replica(opts: &MirrorOptions<'_>) -> Result<Option<Ledger>, MirrorError> {
    if !opts.ledger.exists() {
        return Ok(None); // a first run: `begin_replica` removes abandoned copies
    }
    // A run killed between linking the copy and removing its temporary name left that name.
    crate::ledger::remove_abandoned_copies(opts.ledger);
    let ledger = Ledger::open(opts.ledger)?;
    let not = |detail: String| MirrorError::NotAReplica {
        path: opts.ledger.to_path_buf(),
        detail,
    };
    if ledger.replica_of().is_none() {
        return Err(not(
            "a ledger of its own, not a replica; give a new path for the copy (mirror creates it)"
                .into(),
        ));
    }
    if ledger.log_key() != opts.log_key {
        return Err(not(format!(
            "a replica of another log (log key {}); give a new path for a copy of this one",
            ledger.log_key()
        )));
    }
    Ok(Some(ledger))
}

/// Copy the entries `[accepted, served.size)` into the replica: read and verified on one
/// thread while the replica writes on this one, in one transaction.
fn copy(
    source: &Source<'_>,
    ledger: &mut Ledger,
    opts: &MirrorOptions<'_>,
    accepted: u64,
    accepted_root: &Hash,
    served: &Checkpoint,
    note: &str,
) -> Result<crate::ledger::Replicated, MirrorError> {
    let frontier = store::frontier(ledger.conn(), accepted)?;
    let signers = SignerCache::new(opts.log_key);
    let total = served.size - accepted;
    let (tx, rx) = std::sync::mpsc::sync_channel(2);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let tx = tx;
            entries::produce(
                source,
                accepted,
                served.size,
                &served.root,
                frontier,
                &signers,
                &tx,
            )
        });
        let mut progress = |size: u64| {
            if let Some(p) = opts.progress {
                p(size - accepted, total);
            }
        };
        let written = ledger.replicate(
            opts.source,
            accepted,
            accepted_root,
            &SignedCheckpoint {
                checkpoint: served.clone(),
                note: note.to_string(),
            },
            rx.into_iter(),
            &mut progress,
        );
        let read = reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        // What the reader found explains a short or refused write better than the writer can.
        read?;
        Ok(written?)
    })
}

fn fork_error(
    opts: &MirrorOptions<'_>,
    accepted: &str,
    served: &str,
    accepted_size: u64,
    served_size: u64,
    proof: Vec<Hash>,
) -> MirrorError {
    let evidence = ForkEvidence::new(opts.source, &time::now_rfc3339(), accepted, served, proof);
    MirrorError::Fork {
        rollback: served_size < accepted_size,
        accepted_size,
        served_size,
        verdict: evidence.verify(opts.log_key).ok().map(|v| v.kind),
        evidence: evidence.to_json(),
    }
}
