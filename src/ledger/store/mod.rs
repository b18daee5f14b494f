//! SQLite: schema, pragmas, and rows <-> bytes. The only module that speaks SQL.

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The schema this build writes (PRAGMA user_version).
pub const SCHEMA_VERSION: i64 = 3;
/// PRAGMA application_id of a claimledger file: "CLgr".
pub const APPLICATION_ID: i64 = 0x434c_6772;
const SCHEMA: &str = include_str!("../../../schema.sql");
/// schema.sql's table and trigger sections: `(version, sql)`, where each section starts at a
/// `-- @since N` line (the part before the first marker is version 1).
fn schema_sections() -> Vec<(i64, &'static str)> {
    let tables = &SCHEMA[..SCHEMA.find(VIEWS_MARKER).unwrap_or(SCHEMA.len())];
    let mut sections = Vec::new();
    let mut since = 1;
    let mut rest = tables;
    while let Some(at) = rest.find("\n-- @since ") {
        sections.push((since, &rest[..at]));
        let line_end = rest[at + 1..].find('\n').map_or(rest.len(), |n| at + 1 + n);
        since = rest[at + "\n-- @since ".len()..line_end]
            .trim()
            .parse()
            .expect("schema.sql: `-- @since N` names a version number");
        rest = &rest[line_end..];
    }
    sections.push((since, rest));
    sections
}

/// schema.sql's views (after the `-- @views` line): derived, so re-created on every upgrade.
fn schema_views() -> &'static str {
    SCHEMA.find(VIEWS_MARKER).map_or("", |at| &SCHEMA[at..])
}

const VIEWS_MARKER: &str = "\n-- @views";

/// How long a writer waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

mod settings;
mod tree;
mod witnesses;
pub(crate) use settings::{set_setting, setting};
pub(crate) use tree::{
    CheckpointRow, Nodes, checkpoint_at, checkpoints, checkpoints_from, frontier,
    insert_checkpoint, insert_nodes, latest_checkpoint, nodes_range,
};
pub(crate) use witnesses::{
    cosignatures_at, cosignatures_from, delete_witness, insert_cosignature, last_cosigned_size,
    sizes_cosigned_by, upsert_witness, witnesses,
};

/// One stored entry, as bytes.
pub(crate) struct Row {
    pub idx: u64,
    pub leaf_hash: Vec<u8>,
    pub kind: String,
    pub target_idx: Option<u64>,
    pub envelope: Vec<u8>,
    /// `None` when the payload row is absent (withheld by a redaction, or deleted).
    pub payload: Option<Vec<u8>>,
}

pub(crate) struct Store {
    pub conn: Connection,
    pub path: PathBuf,
    /// For an `immutable=1` reader, the file as it was at open.
    snapshot: Option<FileStamp>,
}

/// What changes when a file is written: its size and modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileStamp {
    fn of(meta: &std::fs::Metadata) -> FileStamp {
        FileStamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// `path` for an SQLite `file:` URI: every byte but unreserved ones and `/` percent-encoded.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Store {
    /// Create a new ledger file; refuses an existing path.
    pub fn create(path: &Path) -> Result<Store> {
        Self::create_paged(path, None)
    }

    /// [`Store::create`] with a SQLite page size other than the default 4 KiB (a power of two,
    /// 512 to 65,536 bytes). Fixed once the file is written: it MUST be set here, before the
    /// file has a page (a write-ahead-log file never changes it afterwards).
    pub(crate) fn create_paged(path: &Path, page_size: Option<u32>) -> Result<Store> {
        // create_new claims the path atomically, so two `init`s cannot both succeed.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(Error::AlreadyExists {
                    path: path.to_path_buf(),
                });
            }
            Err(e) => return Err(io(path)(e)),
        }
        let result = (|| {
            let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
            if let Some(bytes) = page_size {
                conn.pragma_update(None, "page_size", bytes)?;
            }
            let mut store = Store {
                conn,
                path: path.to_path_buf(),
                snapshot: None,
            };
            store.configure()?;
            let tx = store
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(SCHEMA)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            tx.commit()?;
            Ok(store)
        })();
        if result.is_err() {
            // Leave nothing half-made behind: the path was ours alone.
            let _ = std::fs::remove_file(path);
            let _ = std::fs::remove_file(path.with_extension("db-wal"));
        }
        result
    }

    /// Open an existing ledger; never creates. Refuses other files and newer schemas.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(Error::NotFound {
                path: path.to_path_buf(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .or_else(|_| Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY))?;
        Self::checked(conn, path, None, true)
    }

    /// Open an existing ledger to read it, writing nothing: not the file, and no `-wal` or `-shm`
    /// beside it unless this process could write the file itself (see docs/RELIABILITY.md,
    /// "Readers who cannot write"). Refuses what [`Store::open`] refuses; never upgrades.
    ///
    /// - The file is writable here: a read-write connection that runs no write (and no schema
    ///   upgrade); like any writer's, its last close folds `-wal` into the file and removes the
    ///   side files, which belong to a writer (SQLite as root gives them the file's owner).
    /// - It is not, and no `-wal` with content exists: the file holds every committed entry, so
    ///   it is opened `immutable=1` (no locks, no side files). A writer that folds its log into
    ///   the file while this reads is seen by [`Store::changed_since_open`].
    /// - It is not, and `-wal` and `-shm` exist: they are opened read-only (SQLite reads the log
    ///   through a private index when it cannot write `-shm`).
    /// - It is not, and a `-wal` with content has no `-shm`: [`Error::NotReadable`].
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound {
                path: path.to_path_buf(),
            },
            _ => io(path)(e),
        })?;
        let side = |suffix: &str| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(PathBuf::from(p)).ok()
        };
        // Opening for writing changes nothing (no truncation) and asks the kernel itself: modes,
        // ACLs, root, and read-only mounts (EROFS) all answer here.
        let writable = std::fs::OpenOptions::new().write(true).open(path).is_ok();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let wal_has_content = side("-wal").is_some_and(|m| m.len() > 0);
        let (conn, snapshot) = if writable {
            let rw = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            (Connection::open_with_flags(path, rw)?, None)
        } else if !wal_has_content {
            let uri = format!("file:{}?immutable=1", uri_path(path));
            let conn = Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)?;
            (conn, Some(FileStamp::of(&meta)))
        } else if side("-shm").is_some() {
            (Connection::open_with_flags(path, flags)?, None)
        } else {
            return Err(Error::NotReadable {
                path: path.to_path_buf(),
            });
        };
        Self::checked(conn, path, snapshot, false)
    }

    /// Has the file been written since [`Store::open_read_only`] opened it `immutable=1`? Such
    /// a reader takes no locks, so what it read may mix the old file and the new one.
    pub fn changed_since_open(&self) -> bool {
        match &self.snapshot {
            Some(stamp) => {
                std::fs::metadata(&self.path).map_or(true, |m| FileStamp::of(&m) != *stamp)
            }
            None => false,
        }
    }

    /// Check that `conn` is a claimledger file this build reads, and configure it; `upgrade`
    /// an older schema when the connection can write.
    fn checked(
        conn: Connection,
        path: &Path,
        snapshot: Option<FileStamp>,
        upgrade: bool,
    ) -> Result<Store> {
        let not_ledger = |detail: &str| Error::NotALedger {
            path: path.to_path_buf(),
            detail: Some(detail.to_string()),
        };
        let app_id: i64 = match conn.pragma_query_value(None, "application_id", |r| r.get(0)) {
            Ok(v) => v,
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::NotADatabase =>
            {
                return Err(not_ledger("not an SQLite database"));
            }
            Err(e) => return Err(e.into()),
        };
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if app_id != APPLICATION_ID {
            return Err(not_ledger("an SQLite database of another application"));
        }
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                path: path.to_path_buf(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version < 1 {
            return Err(not_ledger("no schema"));
        }
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            snapshot,
        };
        store.configure()?;
        if upgrade && version < SCHEMA_VERSION && !store.conn.is_readonly(rusqlite::MAIN_DB)? {
            store.upgrade(version)?;
        }
        Ok(store)
    }

    /// Bring a file written by an older claimledger up to [`SCHEMA_VERSION`], in one
    /// transaction: run the schema.sql sections marked `-- @since N` for every N above
    /// `from`, then re-create the views. A reader that cannot write reads the file as it is.
    fn upgrade(&mut self, from: i64) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another writer may have upgraded the file between our read and this lock.
        let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if now == from {
            for (since, sql) in schema_sections() {
                if since > from {
                    tx.execute_batch(sql)?;
                }
            }
            // A section may edit a table's CHECK in sqlite_schema (version 2 admits the kind
            // `redaction`); a new schema cookie makes every other connection re-read it, as
            // SQLite's ALTER TABLE documentation prescribes.
            let cookie: i64 = tx.pragma_query_value(None, "schema_version", |r| r.get(0))?;
            tx.pragma_update(None, "schema_version", cookie + 1)?;
            let views: Vec<String> = tx
                .prepare("SELECT name FROM sqlite_schema WHERE type = 'view'")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for view in views {
                tx.execute_batch(&format!("DROP VIEW \"{}\";", view.replace('"', "\"\"")))?;
            }
            tx.execute_batch(schema_views())?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn configure(&mut self) -> Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        if self.conn.is_readonly(rusqlite::MAIN_DB)? {
            // Nothing to set up for writes; asking for WAL mode would only fail.
            self.conn.set_prepared_statement_cache_capacity(64);
            return Ok(());
        }
        // WAL + FULL: a commit that returned is on disk; readers never block the writer.
        let mode: String = self
            .conn
            .pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))
            .or_else(|_| {
                self.conn
                    .pragma_query_value(None, "journal_mode", |r| r.get(0))
            })?;
        let _ = mode;
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", true)?;
        // Deleted content is overwritten with zeros, so a redacted payload leaves no bytes in
        // freed space. Entries are append-only, so this costs nothing on the append path.
        self.conn.pragma_update(None, "secure_delete", true)?;
        self.conn.set_prepared_statement_cache_capacity(64);
        Ok(())
    }

    /// Start a write transaction.
    // IMMEDIATE: we read the head, then insert; a deferred tx would get SQLITE_BUSY on upgrade
    // without waiting, and two writers could both read the same head.
    pub fn begin_write(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}

// Queries below take a &Connection so they work on the connection and inside a transaction.

pub(crate) fn meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// Run a read of a table that schema version 2 added (settings, witnesses, cosignatures). A
/// version-1 file opened by a reader that cannot write it is not upgraded and has no such table:
/// the read then finds nothing (`T::default()`), as the table would be empty after the upgrade.
fn absent_before_v2<T: Default>(read: impl FnOnce() -> rusqlite::Result<T>) -> Result<T> {
    match read() {
        Ok(v) => Ok(v),
        Err(rusqlite::Error::SqliteFailure(_, Some(msg))) if msg.starts_with("no such table") => {
            Ok(T::default())
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn size(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT coalesce(max(idx) + 1, 0) FROM entries")?
        .query_row([], |r| r.get(0))?;
    Ok(n as u64)
}

/// One entry to store, borrowed from the verified entry (no copies of its bytes).
pub(crate) struct NewRow<'a> {
    pub idx: u64,
    pub leaf_hash: &'a [u8],
    pub kind: &'a str,
    pub target_idx: Option<u64>,
    pub envelope: &'a [u8],
    /// `None` for an imported entry whose payload a redaction in the same batch withholds.
    pub payload: Option<&'a [u8]>,
}

/// Rows inserted per statement by [`insert_rows`].
pub(crate) const ROWS_PER_INSERT: usize = 32;

/// Insert `items`, [`ROWS_PER_INSERT`] rows per statement and the rest one each: `insert` is
/// the statement up to `VALUES`, `row` one row's anonymous placeholders (`(?, ?)`), and
/// `bind(statement, first parameter, item)` binds one item's. A multi-row statement spares SQLite
/// opening and closing the table's cursors for every row (entries and payloads one statement
/// each cost the writer of a 100k-entry mirror a sixth more CPU).
pub(crate) fn insert_rows<T>(
    conn: &Connection,
    insert: &str,
    row: &str,
    items: &[T],
    bind: impl Fn(&mut rusqlite::Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> Result<()> {
    let width = row.matches('?').count();
    let grouped = items.len() - items.len() % ROWS_PER_INSERT;
    for (part, per_statement) in [(&items[..grouped], ROWS_PER_INSERT), (&items[grouped..], 1)] {
        if part.is_empty() {
            continue;
        }
        let mut stmt =
            conn.prepare_cached(&format!("{insert} {}", vec![row; per_statement].join(", ")))?;
        for group in part.chunks(per_statement) {
            for (i, item) in group.iter().enumerate() {
                bind(&mut stmt, i * width + 1, item)?;
            }
            stmt.raw_execute()?;
        }
    }
    Ok(())
}

/// Insert entry rows, then the payloads that reference them ([`insert_rows`]).
pub(crate) fn insert_entries(conn: &Connection, rows: &[NewRow<'_>]) -> Result<()> {
    insert_rows(
        conn,
        "INSERT INTO entries (idx, leaf_hash, kind, target_idx, envelope) VALUES",
        "(?, ?, ?, ?, ?)",
        rows,
        |stmt, at, row| {
            stmt.raw_bind_parameter(at, row.idx as i64)?;
            stmt.raw_bind_parameter(at + 1, row.leaf_hash)?;
            stmt.raw_bind_parameter(at + 2, row.kind)?;
            stmt.raw_bind_parameter(at + 3, row.target_idx.map(|t| t as i64))?;
            stmt.raw_bind_parameter(at + 4, row.envelope)
        },
    )?;
    let payloads: Vec<(u64, &[u8])> = rows
        .iter()
        .filter_map(|r| r.payload.map(|p| (r.idx, p)))
        .collect();
    insert_rows(
        conn,
        "INSERT INTO payloads (idx, payload) VALUES",
        "(?, ?)",
        &payloads,
        |stmt, at, (idx, payload)| {
            stmt.raw_bind_parameter(at, *idx as i64)?;
            stmt.raw_bind_parameter(at + 1, *payload)
        },
    )
}

/// Erase the payload of entry `idx`. schema.sql's trigger allows it only once a redaction
/// entry naming `idx` is stored; `PRAGMA secure_delete` (set on every connection) zeroes the
/// freed bytes in the page.
pub(crate) fn delete_payload(conn: &Connection, idx: u64) -> Result<()> {
    conn.prepare_cached("DELETE FROM payloads WHERE idx = ?1")?
        .execute([idx as i64])?;
    Ok(())
}

/// The first redaction entry naming `idx` as its target, with its payload bytes.
pub(crate) fn redaction_of(conn: &Connection, idx: u64) -> Result<Option<(u64, Option<Vec<u8>>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT r.idx, p.payload FROM entries r LEFT JOIN payloads p USING (idx)
             WHERE r.kind = 'redaction' AND r.target_idx = ?1 ORDER BY r.idx LIMIT 1",
        )?
        .query_row([idx as i64], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Option<Vec<u8>>>(1)?))
        })
        .optional()?)
}

/// Redactions at index `from` or later: `(index, target)`. The range is on the primary key,
/// so a caller asking for recent ones reads only recent rows.
pub(crate) fn redactions(conn: &Connection, from: u64) -> Result<Vec<(u64, u64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT idx, target_idx FROM entries WHERE idx >= ?1 AND kind = 'redaction' ORDER BY idx",
    )?;
    let rows = stmt
        .query_map([i64::try_from(from).unwrap_or(i64::MAX)], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Move every WAL frame into the database file and truncate the WAL to zero bytes, so page
/// images written before a redaction are gone from the WAL too. Waits (busy timeout) for
/// readers to leave the WAL; `Ok(false)` if one stayed.
pub(crate) fn checkpoint_truncate(conn: &Connection) -> Result<bool> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(busy == 0)
}

/// The lowest index holding this exact leaf hash, if any: one probe of the leaf-hash index
/// (an equality, so no sort, unlike [`find_by_hash_prefix`]).
pub(crate) fn index_of_leaf(conn: &Connection, leaf_hash: &[u8]) -> Result<Option<u64>> {
    Ok(conn
        .prepare_cached("SELECT idx FROM entries WHERE leaf_hash = ?1 ORDER BY idx LIMIT 1")?
        .query_row([leaf_hash], |r| r.get::<_, i64>(0))
        .optional()?
        .map(|i| i as u64))
}

/// Key entries by the kind their envelope states (indexed by `entries_keys_by_envelope`), never
/// by the `kind` column: see schema.sql, "decisions from envelope bytes".
const ENVELOPE_IS_KEY: &str = "json_extract(CAST(e.envelope AS TEXT), '$.kind') = 'key'";
/// The kind an envelope states: lists filter on it, never on the `kind` column, so a relabelled
/// row is still listed (and then refused by the checked conversion).
const ENVELOPE_KIND: &str = "json_extract(CAST(e.envelope AS TEXT), '$.kind')";
/// A statement's target index as its envelope states it (`entries_by_envelope_target`).
const ENVELOPE_TARGET: &str = "json_extract(CAST(e.envelope AS TEXT), '$.target.index')";

const ROW_SELECT: &str = "SELECT e.idx, e.leaf_hash, e.kind, e.target_idx, e.envelope, p.payload
     FROM entries e LEFT JOIN payloads p USING (idx)";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        idx: r.get::<_, i64>(0)? as u64,
        leaf_hash: r.get(1)?,
        kind: r.get(2)?,
        target_idx: r.get::<_, Option<i64>>(3)?.map(|t| t as u64),
        envelope: r.get(4)?,
        payload: r.get::<_, Option<Vec<u8>>>(5)?,
    })
}

pub(crate) fn row(conn: &Connection, idx: u64) -> Result<Option<Row>> {
    Ok(conn
        .prepare_cached(&format!("{ROW_SELECT} WHERE e.idx = ?1"))?
        .query_row([idx as i64], read_row)
        .optional()?)
}

/// The stored row `idx` without its payload (`payload` is `None`, not read): what a rule
/// about a target reads.
pub(crate) fn entry_columns(conn: &Connection, idx: u64) -> Result<Option<Row>> {
    Ok(conn
        .prepare_cached(
            "SELECT idx, leaf_hash, kind, target_idx, envelope, NULL FROM entries WHERE idx = ?1",
        )?
        .query_row([idx as i64], read_row)
        .optional()?)
}

/// A count or index as an SQLite integer: values past `i64::MAX` (no ledger is that large) are
/// clamped rather than wrapped to negative numbers, which would match from the start.
fn sql_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The stored leaf hash and kind columns of `idx` (audit compares them with the envelopes).
pub(crate) fn leaf_and_kind(conn: &Connection, idx: u64) -> Result<Option<(Vec<u8>, String)>> {
    Ok(conn
        .prepare_cached("SELECT leaf_hash, kind FROM entries WHERE idx = ?1")?
        .query_row([idx as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The stored payload bytes of `idx`, `None` when absent (withheld, or deleted by an edit).
pub(crate) fn payload(conn: &Connection, idx: u64) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .prepare_cached("SELECT payload FROM payloads WHERE idx = ?1")?
        .query_row([idx as i64], |r| r.get(0))
        .optional()?)
}

pub(crate) fn rows(conn: &Connection, from: u64, limit: u64) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} WHERE e.idx >= ?1 ORDER BY e.idx LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(params![sql_int(from), sql_int(limit)], read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The number of key entries and the index of the last one: a key book built when this was
/// the mark is still current while the mark is unchanged (entries are append-only).
pub(crate) fn key_mark(conn: &Connection) -> Result<(u64, Option<u64>)> {
    let (count, last): (i64, Option<i64>) = conn
        .prepare_cached(&format!(
            "SELECT count(*), max(idx) FROM entries e WHERE {ENVELOPE_IS_KEY}"
        ))?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok((count as u64, last.map(|i| i as u64)))
}

/// Every key entry (as its envelope says), in index order (there are few: one per grant or
/// revocation).
pub(crate) fn key_rows(conn: &Connection) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} WHERE {ENVELOPE_IS_KEY} ORDER BY e.idx"
    ))?;
    let rows = stmt
        .query_map([], read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The key entries whose payload names one of `vkeys` (a JSON array of vkey texts), in index
/// order: the grants and revocations an append needs, read without parsing the others.
pub(crate) fn key_rows_for(conn: &Connection, vkeys_json: &str) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} WHERE {ENVELOPE_IS_KEY}
           AND json_extract(CAST(p.payload AS TEXT), '$.vkey') IN (SELECT value FROM json_each(?1))
         ORDER BY e.idx"
    ))?;
    let rows = stmt
        .query_map([vkeys_json], read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The statements whose envelope names `idx` as its target, in index order.
pub(crate) fn statements_about(conn: &Connection, idx: u64) -> Result<Vec<u64>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT idx FROM entries e WHERE {ENVELOPE_TARGET} = ?1 AND {ENVELOPE_KIND} = 'statement'
         ORDER BY idx"
    ))?;
    let ids = stmt
        .query_map([idx as i64], |r| r.get::<_, i64>(0))?
        .map(|r| r.map(|i| i as u64))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids)
}

/// Indexes whose leaf hash starts with the given bytes (and, for an odd hex prefix, nibble).
pub(crate) fn find_by_hash_prefix(conn: &Connection, lo: &[u8], hi: &[u8]) -> Result<Vec<u64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT idx FROM entries WHERE leaf_hash >= ?1 AND leaf_hash <= ?2 ORDER BY idx LIMIT 2",
    )?;
    let ids = stmt
        .query_map(params![lo, hi], |r| r.get::<_, i64>(0))?
        .map(|r| r.map(|i| i as u64))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids)
}

pub(crate) fn search(conn: &Connection, text: &str, from: u64, limit: u64) -> Result<Vec<Row>> {
    // SQLite's LIKE ends a pattern at NUL, which would match everything; stored text that
    // contains NUL is vanishingly rare, so such a query simply finds nothing.
    if text.contains('\0') {
        return Ok(Vec::new());
    }
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} WHERE {ENVELOPE_KIND} != 'key' AND (
             json_extract(CAST(p.payload AS TEXT), '$.text') LIKE '%' || ?1 || '%' ESCAPE '\\'
             OR json_extract(CAST(p.payload AS TEXT), '$.claimant.name') LIKE '%' || ?1 || '%' ESCAPE '\\'
             OR json_extract(CAST(p.payload AS TEXT), '$.speaker.name') LIKE '%' || ?1 || '%' ESCAPE '\\'
             OR EXISTS (SELECT 1 FROM json_each(CAST(p.payload AS TEXT), '$.subjects') s WHERE s.value LIKE '%' || ?1 || '%' ESCAPE '\\'))
         AND e.idx >= ?3 ORDER BY e.idx LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(params![escaped, sql_int(limit), sql_int(from)], read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Entries that state at least one figure, in index order.
pub(crate) fn rows_with_figures(conn: &Connection) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} WHERE {ENVELOPE_KIND} IN ('claim', 'statement')
           AND json_array_length(CAST(p.payload AS TEXT), '$.figures') > 0
         ORDER BY e.idx"
    ))?;
    let rows = stmt
        .query_map([], read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `count` envelopes from index `start` on (fewer if not all exist).
pub(crate) fn envelopes_range(conn: &Connection, start: u64, count: u64) -> Result<Vec<Vec<u8>>> {
    let mut stmt =
        conn.prepare_cached("SELECT envelope FROM entries WHERE idx >= ?1 ORDER BY idx LIMIT ?2")?;
    let envelopes = stmt
        .query_map(params![start as i64, count as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(envelopes)
}

/// The payloads of `count` entries from index `start` on (fewer if not all exist), `None` for
/// a payload withheld by a redaction (its row deleted).
pub(crate) fn payloads_range(
    conn: &Connection,
    start: u64,
    count: u64,
) -> Result<Vec<Option<Vec<u8>>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.payload FROM entries e LEFT JOIN payloads p ON p.idx = e.idx \
         WHERE e.idx >= ?1 ORDER BY e.idx LIMIT ?2",
    )?;
    let payloads = stmt
        .query_map(params![start as i64, count as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(payloads)
}

/// Claims from index `from` on, at most `limit`, in index order.
pub(crate) fn claim_rows(conn: &Connection, from: u64, limit: u64) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} WHERE {ENVELOPE_KIND} = 'claim' AND e.idx >= ?1 ORDER BY e.idx LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(params![sql_int(from), sql_int(limit)], read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests;
