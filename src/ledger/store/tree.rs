//! The tree tables: stored Merkle nodes (complete subtrees) and the signed checkpoints over them.

use crate::error::{Error, Result};
use crate::format::merkle::{self, Hash, NodeSource};
use rusqlite::{Connection, OptionalExtension, params};

/// Insert tree nodes `(level, idx, hash)`, several to a statement (a bulk copy inserts about two
/// per entry).
pub(crate) fn insert_nodes(conn: &Connection, nodes: &[(u32, u64, Hash)]) -> Result<()> {
    super::insert_rows(
        conn,
        "INSERT INTO tree_nodes (level, idx, hash) VALUES",
        "(?, ?, ?)",
        nodes,
        |stmt, at, (level, idx, hash)| {
            stmt.raw_bind_parameter(at, level)?;
            stmt.raw_bind_parameter(at + 1, *idx as i64)?;
            stmt.raw_bind_parameter(at + 2, &hash[..])
        },
    )
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
    checkpoints_from(conn, 0)
}

/// The stored checkpoints of size `from` or more, by size.
pub(crate) fn checkpoints_from(conn: &Connection, from: u64) -> Result<Vec<CheckpointRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT size, root, note FROM checkpoints WHERE size >= ?1 ORDER BY size",
    )?;
    let rows = stmt
        .query_map([from as i64], read_checkpoint)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
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
