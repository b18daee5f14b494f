//! What a destination already holds: its `checkpoint`, checked to be an earlier state of this
//! very ledger before anything is written beside it.

use super::PublishError;
use super::layout::CHECKPOINT;
use crate::Ledger;
use crate::format::checkpoint::{Checkpoint, open_checkpoint};
use crate::format::note::Note;
use crate::objects::Objects;

/// The largest checkpoint note read back from a destination. A claimledger checkpoint with
/// cosignatures is a few hundred bytes; anything larger is not one.
const MAX_CHECKPOINT: u64 = 64 * 1024;

/// The checkpoint a destination publishes, verified against the ledger.
#[derive(Debug)]
pub struct Published {
    /// Its tree size.
    pub size: u64,
    /// Its note, byte for byte (to tell whether it changed: new cosignatures).
    pub note: Vec<u8>,
}

/// Read the destination's `checkpoint`: `None` when there is none (a new destination, or a first
/// run that stopped before its last write).
///
/// It MUST be signed by this ledger's log key, name this ledger's origin, and its root MUST be
/// the ledger's root at its size; otherwise [`PublishError::OtherHistory`] and the caller
/// writes nothing.
pub fn read(ledger: &Ledger, objects: &dyn Objects) -> Result<Option<Published>, PublishError> {
    let other = |detail: String| PublishError::OtherHistory {
        location: objects.describe(),
        detail,
    };
    let note = match objects.get(CHECKPOINT, MAX_CHECKPOINT) {
        Ok(Some(note)) => note,
        Ok(None) => return Ok(None),
        Err(crate::objects::ObjectError::TooLarge { .. }) => {
            return Err(other(format!(
                "its checkpoint is larger than {MAX_CHECKPOINT} bytes, so it is not a claimledger checkpoint"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    // Name the origin first: "another log" is the likelier story than "a bad signature".
    let body = Note::parse(&note)
        .ok()
        .and_then(|n| Checkpoint::parse_body(n.text()).ok())
        .ok_or_else(|| other("its checkpoint is not a signed checkpoint note".into()))?;
    if body.origin != ledger.origin() {
        return Err(other(format!(
            "its checkpoint is for the log {:?}, not this ledger's {:?}",
            body.origin,
            ledger.origin()
        )));
    }
    let (cp, _) = open_checkpoint(&note, ledger.log_key()).map_err(|e| {
        other(format!(
            "its checkpoint names this ledger's origin but does not verify with its log key ({e})"
        ))
    })?;
    let size = ledger.size()?;
    if cp.size > size {
        return Err(other(format!(
            "its checkpoint covers {} entries and this ledger has only {size}: the ledger is behind what was published (restored from an older backup?)",
            cp.size
        )));
    }
    if cp.size > 0 && ledger.root_at(cp.size)? != cp.root {
        return Err(other(format!(
            "its checkpoint at size {} has another root than this ledger at that size: the two histories fork",
            cp.size
        )));
    }
    Ok(Some(Published {
        size: cp.size,
        note,
    }))
}
