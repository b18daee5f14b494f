//! The audit's checks of the tree and checkpoints: stored nodes against the recomputed tree,
//! each stored checkpoint, and consistency with `--against` or a resumed audit's state.

use super::state::AuditState;
use super::{Auditor, codes};
use crate::error::Result;
use crate::format::checkpoint::open_checkpoint;
use crate::format::keys::VerifyingKey;
use crate::format::merkle::{Frontier, Hash};
use crate::ledger::store;
use std::collections::{BTreeMap, HashMap};

/// The ledger does not extend the `--against` checkpoint unless the stored tree proves its root
/// consistent with the root recomputed from the entries (`frontier`).
pub(super) fn check_against(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    published: &[u8],
    log_key: &VerifyingKey,
    frontier: &Frontier,
) -> Result<()> {
    let size = frontier.size();
    let cp = match open_checkpoint(published, log_key) {
        Ok((cp, _)) => cp,
        Err(e) => {
            a.fail(
                codes::PUBLISHED_CHECKPOINT_INVALID,
                None,
                format!(
                    "the published checkpoint does not verify with log key {}: {e}",
                    log_key.key_id()
                ),
            );
            return Ok(());
        }
    };
    if cp.size > size {
        a.fail(
            codes::NOT_EXTENDING_PUBLISHED,
            Some(cp.size),
            format!(
                "the published checkpoint covers {} entries but this ledger has {size}: it was rolled back or replaced",
                cp.size
            ),
        );
        return Ok(());
    }
    if !proves_consistent(conn, cp.size, &cp.root, frontier) {
        a.fail(
            codes::NOT_EXTENDING_PUBLISHED,
            Some(cp.size),
            format!(
                "this ledger's tree at size {} does not have the published root: it is not the ledger that was published (replaced or forked)",
                cp.size
            ),
        );
    }
    Ok(())
}

/// The tree of `old_size` leaves with root `old_root` is a prefix of the tree `frontier` was
/// recomputed to, by a consistency proof built from the stored nodes (RFC 9162 §2.1.4). Size 0
/// is the empty tree.
fn proves_consistent(
    conn: &rusqlite::Connection,
    old_size: u64,
    old_root: &Hash,
    frontier: &Frontier,
) -> bool {
    use crate::format::merkle::{EMPTY_ROOT, consistency_proof, verify_consistency};
    if old_size == 0 {
        return *old_root == EMPTY_ROOT;
    }
    consistency_proof(&store::Nodes(conn), old_size, frontier.size()).is_ok_and(|proof| {
        verify_consistency(
            old_size,
            frontier.size(),
            old_root,
            &frontier.root(),
            &proof,
        )
        .is_ok()
    })
}

/// A resumed audit: the stored tree still has the state's root at its size (its frontier
/// nodes there fold to it), and proves that root consistent with the root recomputed from the
/// state's frontier and the new entries. (When the state's size is a power of two the proof
/// holds no node below it, so the first check is the one that reads the old tree.)
pub(super) fn check_extends_state(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    st: &AuditState,
    frontier: &Frontier,
) -> Result<()> {
    let stored_root = crate::format::merkle::root_at(&store::Nodes(conn), st.size());
    if !stored_root.is_ok_and(|r| r == *st.root())
        || !proves_consistent(conn, st.size(), st.root(), frontier)
    {
        a.fail(
            codes::NOT_EXTENDING_STATE,
            Some(st.size()),
            format!(
                "the stored tree does not prove the audited root at size {} consistent with the root recomputed at size {}: the ledger was rewritten below the state",
                st.size(),
                frontier.size()
            ),
        );
    }
    Ok(())
}

/// Stored tree nodes beyond a `size`-entry tree, counted over the whole table.
pub(super) fn check_extra_nodes(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    size: u64,
) -> Result<()> {
    let expected_nodes: u64 = (0..64).map(|l| size >> l).sum();
    let stored_nodes: i64 = conn.query_row("SELECT count(*) FROM tree_nodes", [], |r| r.get(0))?;
    if stored_nodes as u64 > expected_nodes {
        extra_nodes(a, size, stored_nodes as u64 - expected_nodes);
    }
    Ok(())
}

/// Stored tree nodes beyond a `size`-entry tree, found level by level above its right edge (a
/// resumed audit reads no old node it does not need; O(log n) index probes).
pub(super) fn check_extra_nodes_above(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    size: u64,
) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("SELECT count(*) FROM tree_nodes WHERE level = ?1 AND idx >= ?2")?;
    let mut extra = 0u64;
    for level in 0..64u32 {
        let n: i64 = stmt.query_row(rusqlite::params![level, (size >> level) as i64], |r| {
            r.get(0)
        })?;
        extra += n as u64;
    }
    extra += conn.query_row(
        "SELECT count(*) FROM tree_nodes WHERE level >= 64",
        [],
        |r| r.get::<_, i64>(0),
    )? as u64;
    if extra > 0 {
        extra_nodes(a, size, extra);
    }
    Ok(())
}

fn extra_nodes(a: &mut Auditor, size: u64, extra: u64) {
    a.fail(
        codes::EXTRA_TREE_NODES,
        None,
        format!(
            "{extra} stored tree nodes lie beyond the {size}-entry tree: entries were removed from the end"
        ),
    );
}

pub(super) fn check_checkpoint(
    a: &mut Auditor,
    cp: &store::CheckpointRow,
    log_key: &VerifyingKey,
    origin: &str,
    recomputed: &Hash,
) {
    let size = cp.size;
    match open_checkpoint(cp.note.as_bytes(), log_key) {
        Err(e) => a.fail(
            codes::CHECKPOINT_INVALID,
            Some(size),
            format!("checkpoint at size {size}: {e}"),
        ),
        Ok((parsed, _)) => {
            if parsed.size != size || parsed.origin != origin || parsed.root[..] != cp.root[..] {
                a.fail(
                    codes::CHECKPOINT_INVALID,
                    Some(size),
                    format!("checkpoint at size {size}: the note disagrees with its row (size, origin or root)"),
                );
            }
            if parsed.root != *recomputed {
                a.fail(
                    codes::CHECKPOINT_ROOT_MISMATCH,
                    Some(size),
                    format!("checkpoint at size {size}: signed root differs from the root recomputed from the entries"),
                );
            }
        }
    }
}

/// Compare recomputed nodes of leaves [start, end) with the stored ones, level by level.
pub(super) fn compare_nodes(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    emitted: &[(u32, u64, Hash)],
    start: u64,
    end: u64,
) -> Result<()> {
    let mut by_level: BTreeMap<u32, Vec<(u64, Hash)>> = BTreeMap::new();
    for (level, idx, hash) in emitted {
        by_level.entry(*level).or_default().push((*idx, *hash));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT idx, hash FROM tree_nodes WHERE level = ?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx",
    )?;
    for (level, nodes) in by_level {
        let lo = nodes.first().map(|n| n.0).unwrap_or(start >> level);
        let hi = nodes.last().map(|n| n.0 + 1).unwrap_or(end >> level);
        let stored: HashMap<u64, Vec<u8>> = stmt
            .query_map(rusqlite::params![level, lo as i64, hi as i64], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (idx, hash) in nodes {
            match stored.get(&idx) {
                Some(h) if h[..] == hash[..] => {}
                Some(_) => a.fail(
                    codes::TREE_NODE_MISMATCH,
                    Some(idx << level),
                    format!("stored tree node (level {level}, index {idx}) differs from the recomputed hash"),
                ),
                None => a.fail(
                    codes::TREE_NODE_MISMATCH,
                    Some(idx << level),
                    format!("tree node (level {level}, index {idx}) is missing"),
                ),
            }
        }
    }
    Ok(())
}
