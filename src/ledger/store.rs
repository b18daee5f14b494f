//! SQLite: schema, pragmas, and rows <-> bytes. The only module that speaks SQL.

use crate::error::{Error, Result};
use crate::format::merkle::{self, Hash, NodeSource};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The schema this build writes (PRAGMA user_version).
pub const SCHEMA_VERSION: i64 = 2;
/// PRAGMA application_id of a claimledger file: "CLgr".
pub const APPLICATION_ID: i64 = 0x434c_6772;
const SCHEMA: &str = include_str!("../../schema.sql");
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

/// One stored entry, as bytes.
pub(crate) struct Row {
    pub idx: u64,
    pub leaf_hash: Vec<u8>,
    pub kind: String,
    pub target_idx: Option<u64>,
    pub envelope: Vec<u8>,
    pub payload: Vec<u8>,
}

pub(crate) struct Store {
    pub conn: Connection,
    pub path: PathBuf,
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
            let mut store = Store {
                conn,
                path: path.to_path_buf(),
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
        let not_ledger = |detail: &str| Error::NotALedger {
            path: path.to_path_buf(),
            detail: Some(detail.to_string()),
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .or_else(|_| Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY))?;
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
        };
        store.configure()?;
        if version < SCHEMA_VERSION && !store.conn.is_readonly(rusqlite::MAIN_DB)? {
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
    pub payload: &'a [u8],
}

pub(crate) fn insert_entry(conn: &Connection, row: &NewRow<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO entries (idx, leaf_hash, kind, target_idx, envelope) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        row.idx as i64,
        row.leaf_hash,
        row.kind,
        row.target_idx.map(|t| t as i64),
        row.envelope
    ])?;
    conn.prepare_cached("INSERT INTO payloads (idx, payload) VALUES (?1, ?2)")?
        .execute(params![row.idx as i64, row.payload])?;
    Ok(())
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

pub(crate) fn insert_node(conn: &Connection, level: u32, idx: u64, hash: &Hash) -> Result<()> {
    conn.prepare_cached("INSERT INTO tree_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")?
        .execute(params![level, idx as i64, &hash[..]])?;
    Ok(())
}

const ROW_SELECT: &str = "SELECT e.idx, e.leaf_hash, e.kind, e.target_idx, e.envelope, p.payload
     FROM entries e LEFT JOIN payloads p USING (idx)";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        idx: r.get::<_, i64>(0)? as u64,
        leaf_hash: r.get(1)?,
        kind: r.get(2)?,
        target_idx: r.get::<_, Option<i64>>(3)?.map(|t| t as u64),
        envelope: r.get(4)?,
        // A missing payload row reads as empty bytes, which then fail the hash check.
        payload: r.get::<_, Option<Vec<u8>>>(5)?.unwrap_or_default(),
    })
}

pub(crate) fn row(conn: &Connection, idx: u64) -> Result<Option<Row>> {
    Ok(conn
        .prepare_cached(&format!("{ROW_SELECT} WHERE e.idx = ?1"))?
        .query_row([idx as i64], read_row)
        .optional()?)
}

pub(crate) fn leaf_and_kind(conn: &Connection, idx: u64) -> Result<Option<(Vec<u8>, String)>> {
    Ok(conn
        .prepare_cached("SELECT leaf_hash, kind FROM entries WHERE idx = ?1")?
        .query_row([idx as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

pub(crate) fn payload(conn: &Connection, idx: u64) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .prepare_cached("SELECT payload FROM payloads WHERE idx = ?1")?
        .query_row([idx as i64], |r| r.get(0))
        .optional()?)
}

/// A count or index as an SQLite integer: values past `i64::MAX` (no ledger is that large) are
/// clamped rather than wrapped to negative numbers, which would match from the start.
fn sql_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
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
        .prepare_cached("SELECT count(*), max(idx) FROM entries WHERE kind = 'key'")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok((count as u64, last.map(|i| i as u64)))
}

/// Every key entry, in index order (there are few: one per grant or revocation).
pub(crate) fn key_rows(conn: &Connection) -> Result<Vec<Row>> {
    let mut stmt =
        conn.prepare_cached(&format!("{ROW_SELECT} WHERE e.kind = 'key' ORDER BY e.idx"))?;
    let rows = stmt
        .query_map([], read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The key entries whose payload names one of `vkeys` (a JSON array of vkey texts), in index
/// order: the grants and revocations an append needs, read without parsing the others.
pub(crate) fn key_rows_for(conn: &Connection, vkeys_json: &str) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} WHERE e.kind = 'key'
           AND json_extract(CAST(p.payload AS TEXT), '$.vkey') IN (SELECT value FROM json_each(?1))
         ORDER BY e.idx"
    ))?;
    let rows = stmt
        .query_map([vkeys_json], read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) fn statements_about(conn: &Connection, idx: u64) -> Result<Vec<u64>> {
    let mut stmt =
        conn.prepare_cached("SELECT idx FROM entries WHERE target_idx = ?1 ORDER BY idx")?;
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
        "{ROW_SELECT} WHERE e.kind != 'key' AND (
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
        "{ROW_SELECT} WHERE e.kind IN ('claim', 'statement')
           AND json_array_length(CAST(p.payload AS TEXT), '$.figures') > 0
         ORDER BY e.idx"
    ))?;
    let rows = stmt
        .query_map([], read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `count` stored hashes of tree level `level` from node `start` on (fewer if not all exist).
pub(crate) fn nodes_range(
    conn: &Connection,
    level: u32,
    start: u64,
    count: u64,
) -> Result<Vec<Vec<u8>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT hash FROM tree_nodes WHERE level = ?1 AND idx >= ?2 ORDER BY idx LIMIT ?3",
    )?;
    let hashes = stmt
        .query_map(params![level, start as i64, count as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(hashes)
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

/// Claims from index `from` on, at most `limit`, in index order.
pub(crate) fn claim_rows(conn: &Connection, from: u64, limit: u64) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} WHERE e.kind = 'claim' AND e.idx >= ?1 ORDER BY e.idx LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(params![sql_int(from), sql_int(limit)], read_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// How many statements are about `idx`, directly or about those statements, recursively.
pub(crate) fn history_len(conn: &Connection, idx: u64) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached(
            "WITH RECURSIVE h(idx) AS (
                 SELECT idx FROM entries WHERE target_idx = ?1
                 UNION SELECT e.idx FROM entries e JOIN h ON e.target_idx = h.idx)
             SELECT count(*) FROM h",
        )?
        .query_row([idx as i64], |r| r.get(0))?;
    Ok(n as u64)
}

/// The entry a statement is about (`None` for claims and keys, or a missing index).
pub(crate) fn target_of(conn: &Connection, idx: u64) -> Result<Option<u64>> {
    let t: Option<Option<i64>> = conn
        .prepare_cached("SELECT target_idx FROM entries WHERE idx = ?1")?
        .query_row([idx as i64], |r| r.get(0))
        .optional()?;
    Ok(t.flatten().map(|i| i as u64))
}

/// A stored signed checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CheckpointRow {
    pub size: u64,
    pub root: Vec<u8>,
    pub note: String,
}

fn read_checkpoint(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckpointRow> {
    Ok(CheckpointRow {
        size: r.get::<_, i64>(0)? as u64,
        root: r.get(1)?,
        note: r.get(2)?,
    })
}

pub(crate) fn insert_checkpoint(
    conn: &Connection,
    size: u64,
    root: &Hash,
    note: &str,
) -> Result<()> {
    conn.prepare_cached("INSERT INTO checkpoints (size, root, note) VALUES (?1, ?2, ?3)")?
        .execute(params![size as i64, &root[..], note])?;
    Ok(())
}

pub(crate) fn latest_checkpoint(conn: &Connection) -> Result<Option<CheckpointRow>> {
    Ok(conn
        .prepare_cached("SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1")?
        .query_row([], read_checkpoint)
        .optional()?)
}

pub(crate) fn checkpoint_at(conn: &Connection, size: u64) -> Result<Option<CheckpointRow>> {
    Ok(conn
        .prepare_cached("SELECT size, root, note FROM checkpoints WHERE size = ?1")?
        .query_row([size as i64], read_checkpoint)
        .optional()?)
}

pub(crate) fn checkpoints(conn: &Connection) -> Result<Vec<CheckpointRow>> {
    let mut stmt = conn.prepare_cached("SELECT size, root, note FROM checkpoints ORDER BY size")?;
    let rows = stmt
        .query_map([], read_checkpoint)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// A configured witness: its cosignature verifier key and where to reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WitnessRow {
    pub vkey: String,
    pub url: String,
    pub added_at: String,
}

/// Add a witness, or change the URL of one already configured. True when it was new.
pub(crate) fn upsert_witness(conn: &Connection, vkey: &str, url: &str, at: &str) -> Result<bool> {
    let known = conn
        .prepare_cached("SELECT 1 FROM witnesses WHERE vkey = ?1")?
        .exists([vkey])?;
    conn.prepare_cached(
        "INSERT INTO witnesses (vkey, url, added_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (vkey) DO UPDATE SET url = excluded.url",
    )?
    .execute(params![vkey, url, at])?;
    Ok(!known)
}

/// Remove a witness from the configuration; false when it was not configured. Its stored
/// cosignatures stay: they are history.
pub(crate) fn delete_witness(conn: &Connection, vkey: &str) -> Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM witnesses WHERE vkey = ?1")?
        .execute([vkey])?;
    Ok(n > 0)
}

pub(crate) fn witnesses(conn: &Connection) -> Result<Vec<WitnessRow>> {
    let mut stmt =
        conn.prepare_cached("SELECT vkey, url, added_at FROM witnesses ORDER BY added_at, vkey")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(WitnessRow {
                vkey: r.get(0)?,
                url: r.get(1)?,
                added_at: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Store a cosignature of the checkpoint at `size`; false when this witness's cosignature of
/// that checkpoint was already stored (the first one is kept).
pub(crate) fn insert_cosignature(
    conn: &Connection,
    size: u64,
    witness_vkey: &str,
    line: &str,
) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO cosignatures (size, witness_vkey, line) VALUES (?1, ?2, ?3)
             ON CONFLICT (size, witness_vkey) DO NOTHING",
        )?
        .execute(params![size as i64, witness_vkey, line])?;
    Ok(n > 0)
}

/// `(witness_vkey, line)` of every cosignature stored with the checkpoint at `size`.
pub(crate) fn cosignatures_at(conn: &Connection, size: u64) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT witness_vkey, line FROM cosignatures WHERE size = ?1 ORDER BY rowid",
    )?;
    let rows = stmt
        .query_map([size as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `(size, witness_vkey, line)` of every stored cosignature, by size.
pub(crate) fn all_cosignatures(conn: &Connection) -> Result<Vec<(u64, String, String)>> {
    let mut stmt = conn
        .prepare_cached("SELECT size, witness_vkey, line FROM cosignatures ORDER BY size, rowid")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Sizes above `index` with a stored cosignature by one of `vkeys_json` (a JSON array of vkey
/// texts), newest first: the candidates for a checkpoint meeting a witness policy.
pub(crate) fn sizes_cosigned_by(
    conn: &Connection,
    vkeys_json: &str,
    index: u64,
) -> Result<Vec<u64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT size FROM cosignatures
          WHERE size > ?2 AND witness_vkey IN (SELECT value FROM json_each(?1))
          ORDER BY size DESC",
    )?;
    let sizes = stmt
        .query_map(params![vkeys_json, sql_int(index)], |r| r.get::<_, i64>(0))?
        .map(|r| r.map(|n| n as u64))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(sizes)
}

/// The largest checkpoint size `witness_vkey` has cosigned, as far as this ledger stored.
pub(crate) fn last_cosigned_size(conn: &Connection, witness_vkey: &str) -> Result<Option<u64>> {
    let n: Option<i64> = conn
        .prepare_cached("SELECT max(size) FROM cosignatures WHERE witness_vkey = ?1")?
        .query_row([witness_vkey], |r| r.get(0))?;
    Ok(n.map(|n| n as u64))
}

/// Stored complete-subtree hashes, read one by one (O(log n) per proof).
pub(crate) struct Nodes<'c>(pub &'c Connection);

impl NodeSource for Nodes<'_> {
    type Error = Error;
    fn node(&self, level: u32, index: u64) -> Result<Hash> {
        let hash: Option<Vec<u8>> = self
            .0
            .prepare_cached("SELECT hash FROM tree_nodes WHERE level = ?1 AND idx = ?2")?
            .query_row(params![level, index as i64], |r| r.get(0))
            .optional()?;
        let hash = hash.ok_or_else(|| {
            Error::Corrupt(format!(
                "tree node at level {level}, index {index} is missing"
            ))
        })?;
        hash.try_into().map_err(|_| {
            Error::Corrupt(format!(
                "tree node at level {level}, index {index} is not 32 bytes"
            ))
        })
    }
}

/// The frontier (compact range) of the stored tree at `size`: O(log n) node reads.
pub(crate) fn frontier(conn: &Connection, size: u64) -> Result<merkle::Frontier> {
    let nodes = Nodes(conn);
    let hashes = merkle::Frontier::needed(size)
        .into_iter()
        .map(|(level, idx)| nodes.node(level, idx))
        .collect::<Result<Vec<_>>>()?;
    Ok(merkle::Frontier::from_nodes(size, hashes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_sections_start_at_version_1_and_end_at_the_current_version() {
        let sections = schema_sections();
        assert_eq!(sections[0].0, 1);
        assert!(sections[0].1.contains("CREATE TABLE entries"));
        assert_eq!(sections.last().map(|s| s.0), Some(SCHEMA_VERSION));
        assert!(schema_views().contains("CREATE VIEW claims"));
        assert!(!sections.iter().any(|(_, sql)| sql.contains("CREATE VIEW")));
    }

    #[test]
    fn a_version_1_file_is_upgraded_when_opened_for_writing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("v1.db");
        {
            let conn = Connection::open(&path).expect("new file");
            conn.execute_batch(schema_sections()[0].1)
                .expect("v1 tables");
            conn.execute_batch(schema_views()).expect("views");
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .expect("app id");
            conn.pragma_update(None, "user_version", 1)
                .expect("version");
        }
        let store = Store::open(&path).expect("opens and upgrades");
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        drop(store);
        // Opening again is a no-op.
        Store::open(&path).expect("opens again");
    }
}
