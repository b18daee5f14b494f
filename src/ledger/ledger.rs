//! The ledger facade: create, open, append, read, prove. Everything a newsroom tool calls.

use crate::error::{Error, Result};
use crate::format::checkpoint::Checkpoint;
use crate::format::entry::{Entry, Payload, SignOptions, SignedEntry, Statement};
use crate::format::entry::{KeyAction, KeyChange};
use crate::format::keys::{SigningKey, VerifyingKey};
use crate::format::merkle::{self, Hash};
use crate::format::time;
use crate::ledger::keybook::{KeyBook, KeyRecord};
pub use crate::ledger::prove::SignedCheckpoint;
pub use crate::ledger::query::{ClaimSummary, FigureStatement, History, first_subject};
use crate::ledger::redact;
use crate::ledger::rules::{
    self, OnDuplicate, check_rules, entry_from_row, key_book_for, key_book_from,
};
use crate::ledger::run_memory::RunMemory;
use crate::ledger::signer::{self, Operator, advance_state, read_state, sign_checkpoint_in};
use crate::ledger::store::{self, NewRow, Store};
use std::path::{Path, PathBuf};

/// Options for [`Ledger::create_with`].
#[derive(Clone, Debug, Default)]
pub struct CreateOptions {
    /// Where the operator key file lives, recorded so later appends can sign checkpoints.
    pub operator_key_path: Option<PathBuf>,
    /// Also write the operator key to `operator_key_path` (a new file, mode 0600). It is written
    /// only once the ledger path is claimed, and removed again if creation fails, so of several
    /// concurrent creates of one path only the winner writes a key and none deletes another's.
    pub write_operator_key: bool,
    /// Recorded-at time of the operator's self-grant (default now).
    pub recorded_at: Option<String>,
    /// Where the operator's signer state lives (default: see [`OperatorOptions::signer_state`]).
    pub signer_state: Option<PathBuf>,
}

/// Options for [`Ledger::load_operator_key_with`].
#[derive(Clone, Debug, Default)]
pub struct OperatorOptions {
    /// The operator's signer state: the last checkpoint its key signed, kept outside the
    /// ledger file (docs/FORMAT.md §17.1). Default: `<operator key file>.last-checkpoint` when
    /// init recorded the key file (see [`signer::state_path_for`]), else
    /// `<ledger file>.last-checkpoint`. Keep it beside the key and move it with the key;
    /// THREAT-MODEL.md says how to back it up and restore a ledger.
    pub signer_state: Option<PathBuf>,
}

/// What [`Ledger::load_operator_key_with`] found.
#[derive(Clone, Debug)]
pub struct OperatorLoaded {
    /// The signer state file in use.
    pub signer_state: PathBuf,
    /// `Some(size)` when there was no signer state: the whole file was audited and the state
    /// started from its newest checkpoint (`Some(0)`: none was stored; the next signing
    /// re-verifies every entry).
    pub started_from: Option<u64>,
}

/// What an append did.
#[derive(Clone, Debug)]
pub struct Appended {
    /// The entry as written.
    pub entry: Entry,
    /// Things worth telling the user that do not stop the append (e.g. a retraction by someone
    /// other than the claimant: the ledger records what was said).
    pub warnings: Vec<String>,
    /// The checkpoint signed after the append, when the operator key was loaded.
    pub checkpoint: Option<SignedCheckpoint>,
    /// The name the signer's grant gives (what histories show as the recorder).
    pub recorder: String,
}

/// `(number of key entries, index of the last)`: see `store::key_mark`.
type KeyMark = (u64, Option<u64>);

/// An append-only, signed ledger of claims in one SQLite file.
///
/// `Ledger` is `Send`: move it to another thread, or open one `Ledger` per thread on the same
/// file (SQLite serializes writers; appends wait for each other and never fork the log).
pub struct Ledger {
    pub(crate) store: Store,
    pub(crate) origin: String,
    pub(crate) log_key: VerifyingKey,
    pub(crate) operator: Option<Operator>,
    /// `Some(source)` when this file is a replica (meta `replica_of`): every append path refuses
    /// it with [`Error::Replica`]; only the mirror writes it (src/ledger/replica.rs).
    pub(crate) replica_of: Option<String>,
    /// The key book as of a key mark (`store::key_mark`), so reads that name recorders do not
    /// replay and re-verify every key entry each time.
    pub(crate) key_cache: std::cell::RefCell<Option<(KeyMark, KeyBook)>>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.store.path)
            .field("origin", &self.origin)
            .field("log_key", &self.log_key)
            .field("operator_loaded", &self.operator.is_some())
            .finish()
    }
}

/// Remove a ledger this process just created (and its SQLite side files), after a failure.
pub(crate) fn remove_ledger_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

impl Ledger {
    /// Create a ledger at `path` whose checkpoints `operator` signs; `origin` is the key's name.
    ///
    /// MUST NOT overwrite: an existing path gives [`Error::AlreadyExists`] and is left alone.
    /// Entry 0 is the operator's grant of its own key; checkpoint 1 covers it.
    pub fn create(path: impl AsRef<Path>, operator: &SigningKey) -> Result<Ledger> {
        Self::create_with(path, operator, CreateOptions::default())
    }

    /// [`Ledger::create`] with options.
    pub fn create_with(
        path: impl AsRef<Path>,
        operator: &SigningKey,
        opts: CreateOptions,
    ) -> Result<Ledger> {
        let path = path.as_ref();
        let origin = operator.name().to_string();
        // Validate before touching the disk, so a bad origin leaves no file behind.
        Checkpoint::new(&origin, 0, merkle::EMPTY_ROOT)?;
        let state = default_state_path(
            path,
            opts.signer_state.as_deref(),
            opts.operator_key_path.as_deref(),
        );
        // Checked first so an existing ledger is named as such (Store::create checks again,
        // atomically).
        if path.exists() {
            return Err(Error::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        // A key that already signed a tree would sign a second, unrelated one: a fork of the
        // log identity it names.
        if state.exists() {
            return Err(Error::SignerState {
                path: state,
                detail: "exists: this operator key already signed checkpoints of a ledger; a new ledger needs a new operator key (or move this file away if that ledger no longer exists)".into(),
            });
        }
        let log_key = operator.verifying_key();
        let grant = KeyChange {
            action: KeyAction::Grant,
            vkey: log_key.to_string(),
            name: origin.clone(),
            role: "operator".into(),
            reason: None,
        };
        let signed = SignedEntry::sign_with(
            grant,
            None,
            operator,
            SignOptions {
                recorded_at: opts.recorded_at.clone(),
                ..Default::default()
            },
        )?;
        let store = Store::create(path)?;
        // The path is ours from here on: only now may a key file appear for it.
        let key_file = match (&opts.operator_key_path, opts.write_operator_key) {
            (Some(p), true) => match crate::ledger::keyfile::write_signing_key(p, operator) {
                Ok(()) => Some(p.clone()),
                Err(e) => {
                    drop(store);
                    remove_ledger_files(path);
                    return Err(e.into());
                }
            },
            _ => None,
        };
        let mut ledger = Ledger {
            store,
            origin: origin.clone(),
            log_key: log_key.clone(),
            operator: Some(Operator {
                key: operator.clone(),
                state: state.clone(),
            }),
            replica_of: None,
            key_cache: Default::default(),
        };
        let result = (|| {
            {
                let tx = ledger.store.begin_write()?;
                store::set_meta(&tx, "origin", &origin)?;
                store::set_meta(&tx, "log_vkey", &log_key.to_string())?;
                store::set_meta(&tx, "created_at", &time::now_rfc3339())?;
                if let Some(p) = &opts.operator_key_path {
                    store::set_meta(&tx, "operator_key_path", &p.to_string_lossy())?;
                }
                tx.commit()?;
            }
            ledger.append_signed(signed)?;
            // Move the new ledger out of the WAL into the main file, so a copy of the `.db`
            // file alone is already a ledger.
            ledger
                .store
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })();
        if let Err(e) = result {
            drop(ledger);
            // Nothing was there before (checked above): the state is this ledger's alone.
            let _ = std::fs::remove_file(&state);
            remove_ledger_files(path);
            if let Some(k) = key_file {
                let _ = std::fs::remove_file(k);
            }
            return Err(e);
        }
        Ok(ledger)
    }

    /// Open an existing ledger. MUST NOT create a file; refuses non-ledgers and newer schemas.
    /// No operator key is loaded: see [`Ledger::load_operator_key`].
    pub fn open(path: impl AsRef<Path>) -> Result<Ledger> {
        let path = path.as_ref();
        Self::from_store(Store::open(path)?, path)
    }

    /// Open an existing ledger to read it only. MUST NOT write anything: not the file, and no
    /// `-wal`/`-shm` file beside it that this process could not have written as the file's
    /// writer (so a reader never leaves behind files that block the owner's next append). Works
    /// on a file this user can only read and on a read-only mount. Appends through it fail.
    ///
    /// When the file is not writable here and has no write-ahead log, it is read without locks
    /// (SQLite `immutable=1`): call [`Ledger::check_unchanged`] before trusting a verdict that
    /// depends on everything read (audit does).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Ledger> {
        let path = path.as_ref();
        Self::from_store(Store::open_read_only(path)?, path)
    }

    /// [`Error::ChangedWhileRead`] if a ledger opened with [`Ledger::open_read_only`] without
    /// locks was written since it was opened; Ok otherwise (always Ok for other ledgers).
    pub fn check_unchanged(&self) -> Result<()> {
        if self.store.changed_since_open() {
            return Err(Error::ChangedWhileRead {
                path: self.store.path.clone(),
            });
        }
        Ok(())
    }

    fn from_store(store: Store, path: &Path) -> Result<Ledger> {
        let missing = |what: &str| Error::NotALedger {
            path: path.to_path_buf(),
            detail: Some(format!("no {what} recorded")),
        };
        let origin = store::meta(&store.conn, "origin")?.ok_or_else(|| missing("origin"))?;
        let log_key: VerifyingKey = store::meta(&store.conn, "log_vkey")?
            .ok_or_else(|| missing("log key"))?
            .parse()?;
        let replica_of = store::meta(&store.conn, crate::ledger::replica::REPLICA_META)?;
        Ok(Ledger {
            store,
            origin,
            log_key,
            operator: None,
            replica_of,
            key_cache: Default::default(),
        })
    }

    /// Use `key` to sign checkpoints from now on, with the default signer state. It MUST be this
    /// ledger's log key. See [`Ledger::load_operator_key_with`].
    pub fn load_operator_key(&mut self, key: SigningKey) -> Result<()> {
        self.load_operator_key_with(key, OperatorOptions::default())
            .map(|_| ())
    }

    /// Use `key` to sign checkpoints from now on. It MUST be this ledger's log key.
    ///
    /// Every signing first checks the ledger extends the last checkpoint this key signed, as
    /// its signer state records it (see [`OperatorOptions::signer_state`]). When there is no
    /// signer state (a ledger from before it existed, or a lost state), this audits the whole
    /// file and, only if the audit passes, starts the state from the newest stored checkpoint;
    /// a failing audit gives [`Error::LedgerAltered`] and loads nothing.
    pub fn load_operator_key_with(
        &mut self,
        key: SigningKey,
        opts: OperatorOptions,
    ) -> Result<OperatorLoaded> {
        // A replica has no operator key: its checkpoints are the source's.
        self.refuse_if_replica()?;
        let given = key.verifying_key();
        if given != self.log_key {
            return Err(Error::WrongOperatorKey {
                expected: self.log_key.to_string(),
                given: given.to_string(),
            });
        }
        let recorded = self.operator_key_path()?;
        let state = default_state_path(
            self.path(),
            opts.signer_state.as_deref(),
            recorded.as_deref(),
        );
        let mut started_from = None;
        if read_state(&state, &self.log_key, &self.origin)?.is_none() {
            let report = self.audit()?;
            if let Some(f) = report.findings.first() {
                return Err(Error::altered(format!(
                    "the operator's signer state is missing, so the whole file was audited, and the audit failed ({}: {})",
                    f.code, f.message
                )));
            }
            let newest = match store::latest_checkpoint(&self.store.conn)? {
                Some(row) => {
                    let cp = self.checkpoint(Some(row.size))?;
                    advance_state(&mut self.store, &state, &self.log_key, &cp)?;
                    row.size
                }
                None => 0,
            };
            started_from = Some(newest);
        }
        self.operator = Some(Operator {
            key,
            state: state.clone(),
        });
        Ok(OperatorLoaded {
            signer_state: state,
            started_from,
        })
    }

    /// The signer state file of the loaded operator key, if one is loaded.
    pub fn signer_state_path(&self) -> Option<&Path> {
        self.operator.as_ref().map(|o| o.state.as_path())
    }

    /// Is an operator key loaded (so appends sign checkpoints)?
    pub fn has_operator_key(&self) -> bool {
        self.operator.is_some()
    }

    /// Where `init` recorded the operator key file, if it did.
    pub fn operator_key_path(&self) -> Result<Option<PathBuf>> {
        Ok(store::meta(&self.store.conn, "operator_key_path")?.map(PathBuf::from))
    }

    /// The ledger's name: checkpoint origin and log key name.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The log (operator) verifier key that signs checkpoints and key entries.
    pub fn log_key(&self) -> &VerifyingKey {
        &self.log_key
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.store.path
    }

    /// Number of entries.
    pub fn size(&self) -> Result<u64> {
        store::size(&self.store.conn)
    }

    // ---- appending -------------------------------------------------------------------------

    /// Sign `payload` with `key` now and append it. For a statement use
    /// [`Ledger::append_statement`], which names its target.
    pub fn append(&mut self, payload: impl Into<Payload>, key: &SigningKey) -> Result<Appended> {
        self.append_with(payload, None, key, SignOptions::default())
    }

    /// Sign a statement about entry `target` with `key` now and append it.
    pub fn append_statement(
        &mut self,
        target: u64,
        statement: Statement,
        key: &SigningKey,
    ) -> Result<Appended> {
        self.append_with(statement, Some(target), key, SignOptions::default())
    }

    /// Sign and append with explicit target and options.
    pub fn append_with(
        &mut self,
        payload: impl Into<Payload>,
        target: Option<u64>,
        key: &SigningKey,
        opts: SignOptions,
    ) -> Result<Appended> {
        let target = match target {
            None => None,
            Some(index) => Some(
                self.entry(index)
                    .map_err(|e| match e {
                        Error::NoSuchEntry { .. } => Error::TargetNotFound {
                            index,
                            size: self.size().unwrap_or(0),
                        },
                        e => e,
                    })?
                    .as_target(),
            ),
        };
        let signed = SignedEntry::sign_with(payload, target, key, opts)?;
        self.append_signed(signed)
    }

    /// Grant `vkey` the right to record, signed with the loaded operator key.
    pub fn grant(&mut self, vkey: &VerifyingKey, name: &str, role: &str) -> Result<Appended> {
        self.key_change(KeyChange {
            action: KeyAction::Grant,
            vkey: vkey.to_string(),
            name: name.to_string(),
            role: role.to_string(),
            reason: None,
        })
    }

    /// Revoke `vkey`, signed with the loaded operator key.
    pub fn revoke(&mut self, vkey: &VerifyingKey, reason: &str) -> Result<Appended> {
        let book = self.key_book()?;
        let rec = book.get(vkey).ok_or_else(|| {
            Error::KeyRule(format!(
                "key {} was never granted here; nothing to revoke",
                vkey.key_id()
            ))
        })?;
        self.key_change(KeyChange {
            action: KeyAction::Revoke,
            vkey: vkey.to_string(),
            name: rec.name.clone(),
            role: rec.role.clone(),
            reason: Some(reason.to_string()),
        })
    }

    fn key_change(&mut self, change: KeyChange) -> Result<Appended> {
        let operator = self.operator.clone().ok_or_else(|| Error::NoOperatorKey {
            path: self.operator_key_path().ok().flatten(),
        })?;
        self.append(change, &operator.key)
    }

    /// Append an entry signed elsewhere (a reporter's laptop, an import line, an HTTP POST).
    ///
    /// Checks, in one write transaction: signature, signer granted and not revoked, key entries
    /// signed by the operator, statement target exists with the named leaf hash. Then stores
    /// the entry and its tree nodes and, when the operator key is loaded, signs a checkpoint.
    /// Returns only after a durable commit; on error nothing was written.
    pub fn append_signed(&mut self, signed: SignedEntry) -> Result<Appended> {
        let mut out = self.append_batch(vec![signed])?;
        Ok(out.pop().expect("a batch of one yields one result"))
    }

    /// Append several signed entries in one transaction: all or nothing. One checkpoint is
    /// signed after the batch (when the operator key is loaded).
    pub fn append_batch(&mut self, batch: Vec<SignedEntry>) -> Result<Vec<Appended>> {
        self.append_batch_positioned(batch).map_err(|(_, e)| e)
    }

    /// [`Ledger::append_batch`], naming the position in the batch of the entry that failed.
    pub(crate) fn append_batch_positioned(
        &mut self,
        batch: Vec<SignedEntry>,
    ) -> std::result::Result<Vec<Appended>, (usize, Error)> {
        let batch = batch
            .into_iter()
            .map(|signed| {
                let leaf = signed.envelope().leaf_hash();
                (signed, leaf)
            })
            .collect();
        Ok(self.write_batch(batch, OnDuplicate::Refuse)?.appended)
    }

    /// Check and store `batch` (each entry with its leaf hash, computed once by the caller) in
    /// one write transaction with one checkpoint: all or nothing. An entry whose leaf hash is
    /// already stored (or earlier in the batch) is refused or skipped as `on_duplicate` says;
    /// when every entry is skipped nothing is written (no transaction, no checkpoint).
    pub(crate) fn write_batch(
        &mut self,
        batch: Vec<(SignedEntry, Hash)>,
        on_duplicate: OnDuplicate,
    ) -> std::result::Result<Written, (usize, Error)> {
        let last = batch.len().saturating_sub(1);
        let at = |pos: usize| move |e: Error| (pos, e);
        if let Err(e) = self.refuse_if_replica() {
            return Err((0, e));
        }
        let operator = self.operator.clone();
        let origin = self.origin.clone();
        let log_key = self.log_key.clone();
        let tx = self.store.begin_write().map_err(at(0))?;
        let start = store::size(&tx).map_err(at(0))?;
        let mut frontier = store::frontier(&tx, start).map_err(at(0))?;
        let mut redactions = redact::InBatch::default();
        // Read under the write lock: another process may have appended key entries. Only the
        // grants and revocations of the keys this batch involves are read.
        let mut book = key_book_for(&tx, &log_key, &batch).map_err(at(0))?;
        let Stored {
            appended: mut results,
            leaves,
            skipped,
        } = store_entries(
            &tx,
            &mut book,
            &mut frontier,
            batch,
            on_duplicate,
            &mut redactions,
            None,
        )?;
        if results.is_empty() && on_duplicate == OnDuplicate::Skip {
            // Dropping the transaction rolls it back; nothing was written.
            return Ok(Written {
                appended: results,
                skipped,
            });
        }
        redactions.check_covered(&tx)?;
        let checkpoint = match &operator {
            Some(op) => {
                Some(sign_checkpoint_in(&tx, op, &origin, start, &leaves).map_err(at(last))?)
            }
            None => None,
        };
        tx.commit().map_err(|e| (last, e.into()))?;
        let scrub_warning = redactions.scrub(&self.store.conn);
        let state_warning = match (&operator, &checkpoint) {
            (Some(op), Some(cp)) => advance_state(&mut self.store, &op.state, &log_key, cp).err(),
            _ => None,
        };
        if let Some(last) = results.last_mut() {
            last.checkpoint = checkpoint;
            last.warnings.extend(scrub_warning);
            // The entries and checkpoint are durable: the append succeeded. The next signing
            // catches the state up (it re-verifies from the older state).
            if let Some(e) = state_warning {
                last.warnings.push(format!(
                    "the checkpoint was signed and stored, but the signer state could not be advanced: {e}"
                ));
            }
        }
        Ok(Written {
            appended: results,
            skipped,
        })
    }

    // ---- reading ---------------------------------------------------------------------------

    /// The key state at the head of the ledger.
    ///
    /// Built by replaying (and verifying) every key entry, then kept until a key entry is
    /// appended: one indexed count per call when nothing changed.
    pub fn key_book(&self) -> Result<KeyBook> {
        let mark = store::key_mark(&self.store.conn)?;
        if let Some((m, book)) = &*self.key_cache.borrow() {
            if *m == mark {
                return Ok(book.clone());
            }
        }
        let book = key_book_from(&self.store.conn, &self.log_key)?;
        *self.key_cache.borrow_mut() = Some((mark, book.clone()));
        Ok(book)
    }

    /// Every key ever granted, with its standing.
    pub fn keys(&self) -> Result<Vec<KeyRecord>> {
        Ok(self.key_book()?.records().cloned().collect())
    }

    /// The entry at `index`, re-verified from its stored bytes.
    pub fn entry(&self, index: u64) -> Result<Entry> {
        let row = store::row(&self.store.conn, index)?.ok_or_else(|| Error::NoSuchEntry {
            reference: index.to_string(),
        })?;
        entry_from_row(&self.store.conn, row)
    }

    /// Resolve `12`, `#12` or a leaf-hash hex prefix of 8 to 64 digits to an index.
    pub fn resolve(&self, reference: &str) -> Result<u64> {
        let r = reference.trim();
        let digits = r.strip_prefix('#').unwrap_or(r);
        let is_hex = digits.len() >= 8
            && digits.len() <= 64
            && digits.bytes().all(|b| b.is_ascii_hexdigit());
        let size = self.size()?;
        if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (r.starts_with('#') || !is_hex)
        {
            let index: u64 = digits.parse().map_err(|_| Error::NoSuchEntry {
                reference: reference.into(),
            })?;
            if index >= size {
                return Err(Error::NoEntryAt { index, size });
            }
            return Ok(index);
        }
        if !is_hex || r.starts_with('#') {
            return Err(Error::BadRef {
                reference: reference.into(),
            });
        }
        let lower = digits.to_ascii_lowercase();
        let lo = hex_bound(&lower, b'0');
        let hi = hex_bound(&lower, b'f');
        let found = store::find_by_hash_prefix(&self.store.conn, &lo, &hi)?;
        match found.as_slice() {
            [] => Err(Error::NoSuchEntry {
                reference: reference.into(),
            }),
            [one] => Ok(*one),
            _ => Err(Error::AmbiguousRef {
                reference: reference.into(),
                count: found.len(),
            }),
        }
    }

    pub(crate) fn conn(&self) -> &rusqlite::Connection {
        &self.store.conn
    }
}

/// What [`Ledger::write_batch`] did.
pub(crate) struct Written {
    /// The entries stored, in order; the last carries the checkpoint.
    pub appended: Vec<Appended>,
    /// Entries skipped as already present.
    pub skipped: u64,
}

/// What [`store_entries`] stored.
pub(crate) struct Stored {
    /// The entries stored, in order (no checkpoint yet).
    pub appended: Vec<Appended>,
    /// Their leaf hashes, from their envelope bytes: what the signer extends its last signed
    /// tree with (never the stored tree, which it checks instead).
    pub leaves: Vec<Hash>,
    /// Entries skipped as already present.
    pub skipped: u64,
}

/// Check every entry of `batch` against the append rules and store it, with the tree nodes it
/// completes, at the end of the tree `frontier` describes, inside the write transaction `tx`.
/// The one loop every append path runs: [`Ledger::write_batch`] for appends and imports, and
/// the mirror's replication (src/ledger/replica.rs). The caller checks the batch's redactions
/// are covered ([`redact::InBatch::check_covered`]) and commits; on error it drops `tx`.
/// `book` is the key state at the end of the tree, read under the same write lock: it MUST
/// hold every key the batch involves (its signers and the keys its key entries change) and is
/// updated by the batch's key entries. `memory`, kept across the batches of one long run, is
/// told of every entry stored and answers for them (src/ledger/run_memory.rs).
pub(crate) fn store_entries(
    tx: &rusqlite::Connection,
    book: &mut KeyBook,
    frontier: &mut merkle::Frontier,
    batch: Vec<(SignedEntry, Hash)>,
    on_duplicate: OnDuplicate,
    redactions: &mut redact::InBatch,
    mut memory: Option<&mut RunMemory>,
) -> std::result::Result<Stored, (usize, Error)> {
    let at = |pos: usize| move |e: Error| (pos, e);
    let mut results = Vec::with_capacity(batch.len());
    let mut leaves = Vec::with_capacity(batch.len());
    // Tree nodes completed by the entries, inserted a few hundred at a time (nothing in the
    // loop reads them back).
    let mut nodes = Vec::with_capacity(16 * store::ROWS_PER_INSERT);
    let last = batch.len().saturating_sub(1);
    let mut skipped = 0;
    // Stored entries not yet inserted (the last `held` of `results`), inserted several to a
    // statement: held back only while the rules need nothing from the store.
    let mut held = 0;
    for (pos, (signed, leaf)) in batch.into_iter().enumerate() {
        let index = frontier.size();
        let reads_store = rules::reads_store(&signed, index, &leaf, memory.as_deref());
        if reads_store {
            insert_held(tx, &results, &leaves, &mut held).map_err(at(pos))?;
        }
        let Some(warnings) = check_rules(
            tx,
            book,
            index,
            &signed,
            &leaf,
            on_duplicate,
            memory.as_deref(),
        )
        .map_err(at(pos))?
        else {
            skipped += 1;
            continue;
        };
        frontier.push(leaf, |level, idx, hash| nodes.push((level, idx, *hash)));
        if nodes.len() >= 8 * store::ROWS_PER_INSERT {
            store::insert_nodes(tx, &nodes).map_err(at(pos))?;
            nodes.clear();
        }
        if let Some(m) = memory.as_deref_mut() {
            m.stored(index, leaf, signed.envelope().kind());
        }
        leaves.push(leaf);
        let recorder = book.recorder_name(signed.envelope().signer());
        results.push(Appended {
            entry: Entry::new(index, signed),
            warnings,
            checkpoint: None,
            recorder,
        });
        held += 1;
        // An entry whose rules read the store is inserted at once, as is a full statement's
        // worth: a redaction's erasure below needs the redaction's row (the trigger looks
        // for it).
        if reads_store || held == store::ROWS_PER_INSERT {
            insert_held(tx, &results, &leaves, &mut held).map_err(at(pos))?;
        }
        let entry = &results.last().expect("pushed above").entry;
        redactions
            .stored(tx, pos, index, entry.signed())
            .map_err(at(pos))?;
    }
    insert_held(tx, &results, &leaves, &mut held).map_err(at(last))?;
    store::insert_nodes(tx, &nodes).map_err(at(last))?;
    Ok(Stored {
        appended: results,
        leaves,
        skipped,
    })
}

/// Insert the last `held` entries of `results` (leaf hashes in `leaves`, same order).
fn insert_held(
    tx: &rusqlite::Connection,
    results: &[Appended],
    leaves: &[Hash],
    held: &mut usize,
) -> Result<()> {
    if *held == 0 {
        return Ok(());
    }
    let from = results.len() - *held;
    let rows: Vec<NewRow<'_>> = results[from..]
        .iter()
        .zip(&leaves[from..])
        .map(|(a, leaf)| {
            let signed = a.entry.signed();
            let env = signed.envelope();
            NewRow {
                idx: a.entry.index(),
                leaf_hash: leaf,
                kind: env.kind().as_str(),
                target_idx: env.target().map(|t| t.index),
                envelope: env.as_bytes(),
                payload: signed.payload_bytes(),
            }
        })
        .collect();
    store::insert_entries(tx, &rows)?;
    *held = 0;
    Ok(())
}

/// The signer state path: `explicit`, else `<key file>.last-checkpoint`, else
/// `<ledger file>.last-checkpoint`.
fn default_state_path(ledger: &Path, explicit: Option<&Path>, key_file: Option<&Path>) -> PathBuf {
    match (explicit, key_file) {
        (Some(p), _) => p.to_path_buf(),
        (None, Some(k)) => signer::state_path_for(k),
        (None, None) => signer::state_path_for(ledger),
    }
}

/// `lo`/`hi` bounds for a hex prefix: pad with `0`s or `f`s to 64 digits.
fn hex_bound(prefix: &str, pad: u8) -> Vec<u8> {
    let mut s = prefix.as_bytes().to_vec();
    s.resize(64, pad);
    hex::decode(&s).expect("padded hex prefix of hex digits is valid hex")
}
