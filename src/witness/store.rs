//! The witness's state in its own SQLite file: per log, the latest checkpoint it cosigned.
//!
//! This is the only file of the witness with SQL. Every change is one IMMEDIATE transaction
//! committed with `synchronous = FULL` before the witness answers, so an answered cosignature is
//! always backed by a stored state, and a crash leaves either the old or the new state.

use rusqlite::{Connection, OpenFlags, OptionalExtension as _, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// PRAGMA application_id of a witness state file: "CLwt" (a ledger file is "CLgr").
const APPLICATION_ID: i64 = 0x434c_7774;

/// The schema this build writes (PRAGMA user_version).
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE witness_logs (
    origin TEXT PRIMARY KEY,        -- the log's checkpoint origin (its key name)
    size INTEGER NOT NULL,          -- tree size of the latest checkpoint cosigned for it
    root BLOB NOT NULL,             -- that checkpoint's root hash (32 bytes)
    time INTEGER NOT NULL,          -- POSIX seconds of that cosignature; never decreases
    note TEXT NOT NULL              -- the checkpoint with the log signature(s) that verified and the cosignature
) STRICT;
CREATE TABLE witness_refusals (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,           -- a known log, whose signature verified
    received INTEGER NOT NULL,      -- POSIX seconds
    reason TEXT NOT NULL,           -- why it was refused (422)
    request TEXT NOT NULL           -- the whole add-checkpoint body: evidence of a fork or rollback
) STRICT;
";

/// Why the state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("witness state {}: {source}", path.display())]
    Sqlite {
        /// The state file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is another application's database (a ledger, for example).
    #[error(
        "{} is not a witness state file ({detail}); pass a new or existing witness --db, never a ledger",
        path.display()
    )]
    NotWitnessState {
        /// The file.
        path: PathBuf,
        /// What it is instead.
        detail: &'static str,
    },
}

/// What the witness remembers about one log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogState {
    /// Latest cosigned size.
    pub size: u64,
    /// Its root hash.
    pub root: [u8; 32],
    /// Time of the latest cosignature.
    pub time: u64,
    /// The cosigned checkpoint note.
    pub note: String,
}

/// The state file, one connection.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Open the state file, creating it if missing. Refuses a file that is another
    /// application's database, or a newer schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let sql = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(sql)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.init().map_err(|e| match e {
            Init::Sql(source) => sql(source),
            Init::Foreign(detail) => StoreError::NotWitnessState {
                path: path.to_path_buf(),
                detail,
            },
        })?;
        Ok(store)
    }

    fn init(&mut self) -> Result<(), Init> {
        let not_db = |e: rusqlite::Error| match &e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
                Init::Foreign("not an SQLite database")
            }
            _ => Init::Sql(e),
        };
        self.conn
            .busy_timeout(Duration::from_secs(5))
            .map_err(Init::Sql)?;
        let app_id: i64 = self
            .conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(not_db)?;
        let tables: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(not_db)?;
        if app_id != APPLICATION_ID && (app_id != 0 || tables != 0) {
            return Err(Init::Foreign("an SQLite database of another application"));
        }
        // WAL + FULL: a commit that returned is on disk.
        let _: String = self
            .conn
            .pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))
            .map_err(Init::Sql)?;
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(Init::Sql)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(Init::Sql)?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(Init::Sql)?;
        if version > SCHEMA_VERSION {
            return Err(Init::Foreign(
                "written by a newer claimledger; upgrade claimledger",
            ));
        }
        if version == 0 {
            tx.execute_batch(SCHEMA).map_err(Init::Sql)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(Init::Sql)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(Init::Sql)?;
        }
        tx.commit().map_err(Init::Sql)
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Run `decide` on the stored state of `origin` inside one IMMEDIATE transaction. When it
    /// returns `Ok(Some(new))`, `new` replaces the state and is committed (durably) before this
    /// returns; `Ok(None)` or `Err` change nothing.
    pub fn update<T, E>(
        &mut self,
        origin: &str,
        decide: impl FnOnce(Option<&LogState>) -> Result<(Option<LogState>, T), E>,
    ) -> Result<Result<T, E>, StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let current = read(&tx, origin).map_err(sql)?;
        let (new, out) = match decide(current.as_ref()) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(s) = new {
            tx.execute(
                "INSERT INTO witness_logs (origin, size, root, time, note) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (origin) DO UPDATE SET size = ?2, root = ?3, time = ?4, note = ?5",
                params![
                    origin,
                    to_i64(s.size),
                    &s.root[..],
                    to_i64(s.time),
                    s.note
                ],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        Ok(Ok(out))
    }

    /// The stored state of `origin`, if the witness ever cosigned for it.
    pub fn get(&self, origin: &str) -> Result<Option<LogState>, StoreError> {
        read(&self.conn, origin).map_err(|e| self.sql(e))
    }

    /// Keep a refused request (evidence of a fork or rollback), committed before answering.
    pub fn record_refusal(
        &mut self,
        origin: &str,
        received: u64,
        reason: &str,
        request: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO witness_refusals (origin, received, reason, request) VALUES (?1, ?2, ?3, ?4)",
                params![origin, to_i64(received), reason, request],
            )
            .map(|_| ())
            .map_err(|e| self.sql(e))
    }

    /// Number of refusals kept for `origin`.
    pub fn refusals(&self, origin: &str) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM witness_refusals WHERE origin = ?1",
                [origin],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.unsigned_abs())
            .map_err(|e| self.sql(e))
    }
}

enum Init {
    Sql(rusqlite::Error),
    Foreign(&'static str),
}

/// Sizes and times above `i64::MAX` are refused before they reach the store.
fn to_i64(v: u64) -> i64 {
    i64::try_from(v).expect("the witness refuses sizes and times above 2^63-1 before storing")
}

fn read(conn: &Connection, origin: &str) -> rusqlite::Result<Option<LogState>> {
    conn.query_row(
        "SELECT size, root, time, note FROM witness_logs WHERE origin = ?1",
        [origin],
        |r| {
            let root: Vec<u8> = r.get(1)?;
            let root: [u8; 32] = root.try_into().map_err(|_| {
                rusqlite::Error::FromSqlConversionFailure(
                    1,
                    rusqlite::types::Type::Blob,
                    "witness_logs.root is not 32 bytes".into(),
                )
            })?;
            Ok(LogState {
                size: r.get::<_, i64>(0)?.unsigned_abs(),
                root,
                time: r.get::<_, i64>(2)?.unsigned_abs(),
                note: r.get(3)?,
            })
        },
    )
    .optional()
}
