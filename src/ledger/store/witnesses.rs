//! SQL of the `witnesses` table (configuration) and the `cosignatures` table (what witnesses
//! returned, kept beside their checkpoints), both of schema version 2.

use super::{absent_before_v2, sql_int};
use crate::error::Result;
use rusqlite::{Connection, params};

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
    absent_before_v2(|| {
        conn.prepare_cached("SELECT vkey, url, added_at FROM witnesses ORDER BY added_at, vkey")?
            .query_map([], |r| {
                Ok(WitnessRow {
                    vkey: r.get(0)?,
                    url: r.get(1)?,
                    added_at: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
    })
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
    absent_before_v2(|| {
        conn.prepare_cached(
            "SELECT witness_vkey, line FROM cosignatures WHERE size = ?1 ORDER BY rowid",
        )?
        .query_map([size as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()
    })
}

/// `(size, witness_vkey, line)` of every stored cosignature on a checkpoint of size `from` or
/// more, by size (`from` = 0: all of them).
pub(crate) fn cosignatures_from(
    conn: &Connection,
    from: u64,
) -> Result<Vec<(u64, String, String)>> {
    absent_before_v2(|| {
        conn.prepare_cached(
            "SELECT size, witness_vkey, line FROM cosignatures WHERE size >= ?1 ORDER BY size, rowid",
        )?
        .query_map([from as i64], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()
    })
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
