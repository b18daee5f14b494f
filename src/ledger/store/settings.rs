//! SQL of the `settings` table (schema version 2): the ledger's configuration, not history.

use super::absent_before_v2;
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, params};

/// One setting's value, `None` when unset.
pub(crate) fn setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    absent_before_v2(|| {
        conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()
    })
}

/// Set (Some) or remove (None) one setting.
pub(crate) fn set_setting(conn: &Connection, key: &str, value: Option<&str>) -> Result<()> {
    match value {
        Some(v) => conn
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, v])?,
        None => conn
            .prepare_cached("DELETE FROM settings WHERE key = ?1")?
            .execute([key])?,
    };
    Ok(())
}
