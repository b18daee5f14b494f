//! Replica ledgers: a copy of another log that only `claimledger mirror` appends to.
//!
//! A replica is an ordinary ledger file whose meta has `replica_of` (where the copied log is
//! read from) and no operator key: its origin and log key are the source's, its entries are the
//! source's entries at the same indexes, and its checkpoints are the source's signed notes (with
//! the cosignatures they were served with), stored at the sizes the mirror accepted. Every read
//! works on it (`log`, `history`, `receipt`, `audit`, `serve`); every append path refuses it
//! with [`Error::Replica`]. The mirror appends through [`Ledger::replicate`], which runs the
//! same rules and the same store loop as any append (`store_entries`).

use crate::error::{Error, Result};
use crate::format::checkpoint::Checkpoint;
use crate::format::entry::SignedEntry;
use crate::format::keys::VerifyingKey;
use crate::format::merkle::{self, Hash};
use crate::format::time;
use crate::ledger::ledger::store_entries;
use crate::ledger::prove::SignedCheckpoint;
use crate::ledger::run_memory::RunMemory;
use crate::ledger::store::{self, Store};
use crate::ledger::{Ledger, OnDuplicate, redact, rules};
use std::path::{Path, PathBuf};

/// The meta key naming the source of a replica.
pub(crate) const REPLICA_META: &str = "replica_of";

/// What [`Ledger::replicate`] stored.
#[derive(Clone, Debug, Default)]
pub(crate) struct Replicated {
    /// Entries appended.
    pub appended: u64,
    /// Redactions among them that withheld a payload the replica already held (its bytes are
    /// erased here too, as on the source).
    pub redactions_applied: u64,
    /// Set when a redaction was copied but a reader kept the WAL from being truncated.
    pub warning: Option<String>,
}

/// A replica being made by a first mirror run: an empty replica ledger under a temporary name
/// beside its path, filled by [`Ledger::replicate`] and then linked into place by
/// [`NewReplica::finish`]. Dropped unfinished (a failed run), its files are removed.
///
/// Nothing reads the file before it is linked, so it is filled as a bulk load: no rollback
/// journal and no fsync per commit. A crash can only leave the temporary
/// `<path>.creating-<pid>`, which the next first run beside it removes; `finish` makes the
/// file durable and switches it to the write-ahead log of every ledger before linking it.
pub(crate) struct NewReplica {
    ledger: Option<Ledger>,
    tmp: PathBuf,
    path: PathBuf,
}

/// Page cache of a replica while a mirror run writes it, instead of SQLite's 2 MB: the random-
/// order inserts into the leaf-hash index then mostly find their page in memory (a first run
/// of 1M entries: 35.7 s with 2 MB, 33.7 s with 64 MiB; 16 MiB did as well, 256 MiB no better).
const REPLICATE_CACHE_KIB: i64 = 64 * 1024;

/// SQLite page size of a new replica (SQLite's default, and a ledger's, is 4 KiB): a first run
/// of 1M entries inserts into half as many pages, its writer then spends about 9 % less CPU
/// (docs/PERFORMANCE.md, "Scale"). Any SQLite reads any page size; it is fixed at creation.
pub(crate) const REPLICA_PAGE_SIZE: u32 = 8192;

impl NewReplica {
    /// The replica being filled.
    pub(crate) fn ledger(&mut self) -> &mut Ledger {
        self.ledger.as_mut().expect("present until finish")
    }

    /// Make the filled file durable, give it the settings of every ledger (write-ahead log,
    /// `synchronous=FULL`), and link it at its path. MUST NOT overwrite: a file that appeared
    /// at the path meanwhile gives [`Error::AlreadyExists`] and this replica is removed.
    pub(crate) fn finish(mut self) -> Result<Ledger> {
        let ledger = self.ledger.take().expect("present until finish");
        let conn = &ledger.store.conn;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Size(format!(
                "the new replica could not switch to the write-ahead log (SQLite kept {mode:?})"
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        drop(ledger);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        std::fs::File::open(&self.tmp)
            .and_then(|f| f.sync_all())
            .map_err(io(&self.tmp))?;
        link_new(&self.tmp, &self.path)?;
        crate::dirs::sync_parent(&self.path).map_err(io(&self.path))?;
        Ledger::open(&self.path)
    }
}

impl Drop for NewReplica {
    fn drop(&mut self) {
        // The ledger closes before its files go; after `finish` only the temporary name goes.
        drop(self.ledger.take());
        crate::ledger::ledger::remove_ledger_files(&self.tmp);
    }
}

/// Link `tmp` at `path`. A link, unlike a rename, never replaces a file another process put
/// there.
fn link_new(tmp: &Path, path: &Path) -> Result<()> {
    std::fs::hard_link(tmp, path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::AlreadyExists {
            path: path.to_path_buf(),
        },
        _ => Error::Io {
            path: path.to_path_buf(),
            source: e,
        },
    })
}

/// Remove the temporary replicas that killed first runs left beside `path` (a first run over a
/// large log leaves a large one). Those of a run still going are kept.
pub(crate) fn remove_abandoned_copies(path: &Path) {
    let mut prefix = path.file_name().unwrap_or_default().to_owned();
    prefix.push(".creating-");
    let prefix = prefix.to_string_lossy().into_owned();
    if let Ok(entries) = std::fs::read_dir(crate::dirs::parent_of(path)) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = name.strip_prefix(&prefix) else {
                continue;
            };
            let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|p| !crate::process::alive(p)) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// The temporary name of the replica this process makes at `path`.
fn temporary_name(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".creating-{}", std::process::id()));
    PathBuf::from(tmp)
}

impl Ledger {
    /// Create an empty replica of the log signed by `log_key` (origin: the key's name), read
    /// from `source`. MUST NOT overwrite: an existing path gives [`Error::AlreadyExists`].
    /// It holds no entry until the first [`Ledger::replicate`].
    ///
    /// The file is made whole under a temporary name beside `path` and then linked into place,
    /// so a crash never leaves at `path` a file that is not yet a ledger.
    pub fn create_replica(
        path: impl AsRef<Path>,
        source: &str,
        log_key: &VerifyingKey,
    ) -> Result<Ledger> {
        Self::begin_replica(path.as_ref(), source, log_key)?.finish()
    }

    /// [`Ledger::create_replica`] in two steps: the empty replica under its temporary name,
    /// to fill before [`NewReplica::finish`] links it.
    pub(crate) fn begin_replica(
        path: &Path,
        source: &str,
        log_key: &VerifyingKey,
    ) -> Result<NewReplica> {
        let origin = log_key.name().to_string();
        Checkpoint::new(&origin, 0, merkle::EMPTY_ROOT)?;
        if path.exists() {
            return Err(Error::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        remove_abandoned_copies(path);
        let tmp = temporary_name(path);
        crate::ledger::ledger::remove_ledger_files(&tmp);
        let mut new = NewReplica {
            ledger: None,
            tmp: tmp.clone(),
            path: path.to_path_buf(),
        };
        let mut store = Store::create_paged(&tmp, Some(REPLICA_PAGE_SIZE))?;
        let tx = store.begin_write()?;
        store::set_meta(&tx, "origin", &origin)?;
        store::set_meta(&tx, "log_vkey", &log_key.to_string())?;
        store::set_meta(&tx, "created_at", &time::now_rfc3339())?;
        store::set_meta(&tx, REPLICA_META, source)?;
        tx.commit()?;
        store::checkpoint_truncate(&store.conn)?;
        drop(store);
        let ledger = Ledger::open(&tmp)?;
        let conn = &ledger.store.conn;
        conn.query_row("PRAGMA journal_mode = OFF", [], |_| Ok(()))?;
        conn.pragma_update(None, "synchronous", "OFF")?;
        new.ledger = Some(ledger);
        Ok(new)
    }

    /// Where this ledger's log is copied from, if it is a replica.
    pub fn replica_of(&self) -> Option<&str> {
        self.replica_of.as_deref()
    }

    /// [`Error::Replica`] if this ledger is a replica: what every append path calls first.
    pub(crate) fn refuse_if_replica(&self) -> Result<()> {
        match &self.replica_of {
            Some(source) => Err(Error::Replica {
                source_location: source.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Append the source's entries `[accepted, served size)` to this replica and store the
    /// source's signed checkpoint `served` (its note exactly as served, cosignatures included), in ONE
    /// write transaction: all or nothing, so a crash leaves the replica at its last accepted
    /// checkpoint and running the mirror again resumes.
    ///
    /// The caller (src/mirror/) has verified `served` with the pinned log key and its consistency
    /// with the checkpoint this replica accepted at size `accepted` (root `accepted_root`), and
    /// parsed and signature-checked the entries (`chunks`, in index order, each entry with its
    /// leaf hash). Here, under the write lock: the replica MUST still be at that checkpoint
    /// (another mirror run did not move it); every entry passes the append rules (the same
    /// `store_entries` loop as every append); every withheld entry is covered by a redaction;
    /// the tree recomputed from the replica's frontier over the new leaves MUST have the
    /// signed root. A redaction of an entry the replica already holds erases its payload here.
    /// A rule broken by an entry gives [`Error::SourceEntry`]; nothing is written on any error.
    pub(crate) fn replicate(
        &mut self,
        source: &str,
        accepted: u64,
        accepted_root: &Hash,
        served: &SignedCheckpoint,
        chunks: impl Iterator<Item = Vec<(SignedEntry, Hash)>>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Replicated> {
        if self.replica_of.is_none() {
            return Err(Error::Size(
                "this ledger is not a replica; 'claimledger mirror' copies a log only into a replica it created".into(),
            ));
        }
        let log_key = self.log_key.clone();
        let (note, served) = (&served.note, &served.checkpoint);
        self.store
            .conn
            .pragma_update(None, "cache_size", -REPLICATE_CACHE_KIB)?;
        let tx = self.store.begin_write()?;
        let start = store::size(&tx)?;
        let latest = store::latest_checkpoint(&tx)?.map_or(0, |c| c.size);
        if start != accepted || latest != accepted {
            return Err(Error::Size(format!(
                "the replica changed while this run read the source (it holds {start} entries, its newest checkpoint is at size {latest}, this run started from {accepted}); run the mirror again"
            )));
        }
        let mut frontier = store::frontier(&tx, start)?;
        if frontier.root() != *accepted_root {
            return Err(Error::altered(format!(
                "the replica's stored tree at size {start} does not fold to the root of the checkpoint it accepted there"
            )));
        }
        // The whole key state, read once under the write lock and carried across the chunks
        // (a restricted book per chunk would re-verify the same key entries for every chunk).
        let mut book = rules::key_book_from(&tx, &log_key)?;
        let mut redactions = redact::InBatch::default();
        let mut memory = RunMemory::new(start, served.size.saturating_sub(start));
        let mut report = Replicated::default();
        for chunk in chunks {
            let first = frontier.size();
            report.redactions_applied += chunk
                .iter()
                .filter(|(e, _)| e.envelope().kind() == crate::format::kind::Kind::Redaction)
                .filter(|(e, _)| e.envelope().target().is_some_and(|t| t.index < start))
                .count() as u64;
            let stored = store_entries(
                &tx,
                &mut book,
                &mut frontier,
                chunk,
                OnDuplicate::Refuse,
                &mut redactions,
                Some(&mut memory),
            )
            .map_err(|(pos, e)| source_entry(first + pos as u64, e))?;
            report.appended += stored.appended.len() as u64;
            // The chunk's parsed entries are freed on the verifier threads (rayon), which made
            // most of them, not on this one serial writer.
            rayon::spawn(move || drop(stored));
            progress(frontier.size());
        }
        redactions
            .check_covered(&tx)
            .map_err(|(_, e)| source_entry(frontier.size(), e))?;
        if frontier.size() != served.size || frontier.root() != served.root {
            return Err(Error::Size(format!(
                "the entries copied end at size {} with a root other than the source's checkpoint at size {}; nothing was written",
                frontier.size(),
                served.size
            )));
        }
        store::insert_checkpoint(&tx, served.size, &served.root, note)?;
        store::set_meta(&tx, REPLICA_META, source)?;
        tx.commit()?;
        self.replica_of = Some(source.to_string());
        // As on the source, withheld bytes leave the WAL too. A busy reader only delays it;
        // `claimledger redact --scrub` finishes it.
        report.warning = redactions.scrub(&self.store.conn);
        Ok(report)
    }
}

/// A rule broken by the entry at `index` of the source; storage failures pass through as is.
fn source_entry(index: u64, e: Error) -> Error {
    match e {
        Error::Storage(_) | Error::Io { .. } => e,
        e => Error::SourceEntry {
            index,
            source: Box::new(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::payload::{Claim, Party, PartyType, Stance, Statement};
    use crate::{RedactionCategory, SigningKey};

    fn party(name: &str) -> Party {
        Party {
            name: name.into(),
            party_type: PartyType::Organization,
            same_as: None,
        }
    }

    fn claim(text: &str) -> Claim {
        Claim {
            text: text.into(),
            claimant: party("Acme"),
            claimed_on: None,
            sources: vec![],
            subjects: vec![],
            figures: vec![],
        }
    }

    fn statement(stance: Stance, speaker: &str) -> Statement {
        Statement {
            stance,
            text: format!("{stance:?}"),
            speaker: party(speaker),
            stated_on: None,
            sources: vec![],
            figures: vec![],
            rating: None,
        }
    }

    /// The source's entries `[0, size)` in chunks of `chunk`, as the mirror hands them over.
    fn chunks(source: &Ledger, chunk: usize) -> Vec<Vec<(SignedEntry, Hash)>> {
        let entries: Vec<(SignedEntry, Hash)> = (0..source.size().unwrap())
            .map(|i| {
                let e = source.entry(i).unwrap();
                (e.signed().clone(), e.leaf_hash())
            })
            .collect();
        entries.chunks(chunk).map(<[_]>::to_vec).collect()
    }

    /// A first run holds rows back and inserts them several to a statement; every entry whose
    /// rules read the store (a retraction, a redaction, a withheld entry, a replay) must find
    /// the held rows already inserted.
    #[test]
    fn a_first_run_copies_entries_that_read_the_store_between_held_rows() {
        let dir = tempfile::tempdir().unwrap();
        let operator = SigningKey::generate("replica.test/claims").unwrap();
        let mut source = Ledger::create(dir.path().join("source.db"), &operator).unwrap();
        let alice = SigningKey::generate("alice@replica.test").unwrap();
        let bob = SigningKey::generate("bob@replica.test").unwrap();
        source
            .grant(&alice.verifying_key(), "Alice", "reporter")
            .unwrap();
        let sign = |payload: crate::format::entry::Payload, target, key: &SigningKey| {
            SignedEntry::sign(payload, target, key).unwrap()
        };
        let claims = |source: &mut Ledger, from: usize, n: usize| {
            let batch = (from..from + n)
                .map(|i| sign(claim(&format!("claim {i}")).into(), None, &alice))
                .collect();
            source.append_batch(batch).unwrap();
        };
        claims(&mut source, 0, 45);
        let early = source.entry(10).unwrap().as_target();
        let recent = source.entry(44).unwrap().as_target();
        // Statements about entries the run remembers (held back), a retraction by the claimant
        // of an entry still held back (its payload is read for the speaker), a grant mid-run,
        // then the new key's claims.
        source
            .append_batch(vec![
                sign(
                    statement(Stance::Contests, "Rival").into(),
                    Some(early),
                    &alice,
                ),
                sign(
                    statement(Stance::Supports, "Ally").into(),
                    Some(recent),
                    &alice,
                ),
                sign(
                    statement(Stance::Retracts, "Acme").into(),
                    Some(recent),
                    &alice,
                ),
            ])
            .unwrap();
        source
            .grant(&bob.verifying_key(), "Bob", "reporter")
            .unwrap();
        claims(&mut source, 45, 40);
        // A redaction of an entry copied in the same run, and of a withheld entry after it.
        source
            .redact(20, RedactionCategory::Privacy, "an address")
            .unwrap();
        claims(&mut source, 85, 3);
        let last = source.size().unwrap() - 1;
        source
            .redact(last, RedactionCategory::Defamation, "court order")
            .unwrap();
        claims(&mut source, 88, 40);
        let served = source.checkpoint(None).unwrap();

        for chunk in [7, 1024] {
            let path = dir.path().join(format!("copy-{chunk}.db"));
            let mut new = Ledger::begin_replica(&path, "test", &operator.verifying_key()).unwrap();
            new.ledger()
                .replicate(
                    "test",
                    0,
                    &merkle::EMPTY_ROOT,
                    &served,
                    chunks(&source, chunk).into_iter(),
                    &mut |_| {},
                )
                .unwrap();
            let replica = new.finish().unwrap();
            let report = replica.audit().unwrap();
            assert!(report.ok, "{:?}", report.findings);
            assert_eq!(replica.size().unwrap(), source.size().unwrap());
            for i in 0..source.size().unwrap() {
                assert_eq!(
                    replica.entry(i).unwrap(),
                    source.entry(i).unwrap(),
                    "entry {i}"
                );
            }
            assert!(replica.entry(20).unwrap().withheld().is_some());
            // A replica has pages of its own size, fixed when its file was made; a ledger
            // keeps SQLite's default.
            let page_size = |l: &Ledger| -> u32 {
                l.store
                    .conn
                    .pragma_query_value(None, "page_size", |r| r.get(0))
                    .unwrap()
            };
            assert_eq!(page_size(&replica), REPLICA_PAGE_SIZE);
            assert_eq!(page_size(&source), 4096);
        }

        // The retraction of entry 44 by its own claimant gets no warning: the claim's payload
        // was read, so its row was in (run through the append loop itself, which keeps them).
        let all = chunks(&source, 1024).remove(0);
        let retraction = 49;
        assert_eq!(
            all[retraction].0.envelope().target().map(|t| t.index),
            Some(44)
        );
        let mut new = Ledger::begin_replica(
            &dir.path().join("loop.db"),
            "test",
            &operator.verifying_key(),
        )
        .unwrap();
        let ledger = new.ledger();
        let log_key = ledger.log_key.clone();
        let tx = ledger.store.begin_write().unwrap();
        let mut book = rules::key_book_from(&tx, &log_key).unwrap();
        let mut frontier = store::frontier(&tx, 0).unwrap();
        let mut memory = RunMemory::new(0, all.len() as u64);
        let stored = store_entries(
            &tx,
            &mut book,
            &mut frontier,
            all[..60].to_vec(),
            OnDuplicate::Refuse,
            &mut redact::InBatch::default(),
            Some(&mut memory),
        )
        .unwrap_or_else(|(pos, e)| panic!("{pos}: {e}"));
        assert_eq!(stored.appended.len(), 60);
        assert_eq!(stored.appended[retraction].warnings, Vec::<String>::new());
        drop(tx);

        // A replay of an entry still held back is found (the run's filter says "maybe", the
        // held rows go in, the leaf-hash index has it).
        let mut replay = all[..20].to_vec();
        replay.push(replay[15].clone());
        let mut new = Ledger::begin_replica(
            &dir.path().join("replay.db"),
            "test",
            &operator.verifying_key(),
        )
        .unwrap();
        let e = new
            .ledger()
            .replicate(
                "test",
                0,
                &merkle::EMPTY_ROOT,
                &served,
                [replay].into_iter(),
                &mut |_| {},
            )
            .unwrap_err();
        assert!(
            matches!(&e, Error::SourceEntry { index: 20, source } if matches!(**source, Error::Duplicate { index: 15 })),
            "{e:?}"
        );
    }
}
