//! Audit of what witnesses returned: every stored cosignature verifies on its checkpoint, and
//! (with `--policy`) the latest checkpoint meets the witness policy.

use super::{Auditor, codes};
use crate::error::Result;
use crate::format::cosignature::{Cosignature, WitnessKey};
use crate::format::keys::VerifyingKey;
use crate::format::note::Note;
use crate::format::policy::Policy;
use crate::ledger::Ledger;
use crate::ledger::store;
use std::collections::BTreeMap;

/// Every stored cosignature on a checkpoint of size `from` or more parses and verifies, by the
/// witness key stored with it, on the body of the stored checkpoint it is kept with
/// (`checkpoints` holds those of size `from` or more). Returns how many were checked.
pub(super) fn check_cosignatures_in(
    conn: &rusqlite::Connection,
    a: &mut Auditor,
    checkpoints: &BTreeMap<u64, store::CheckpointRow>,
    from: u64,
) -> Result<u64> {
    let rows = store::cosignatures_from(conn, from)?;
    for (size, vkey, line) in &rows {
        let mut fail = |why: String| {
            a.fail(
                codes::COSIGNATURE_INVALID,
                Some(*size),
                format!("the cosignature stored at size {size} by {vkey}: {why}"),
            )
        };
        let Some(cp) = checkpoints.get(size) else {
            fail("no checkpoint is stored at that size".into());
            continue;
        };
        let body = match Note::parse(cp.note.as_bytes()) {
            Ok(n) => n.text().to_string(),
            // check_checkpoint already reported the note.
            Err(_) => continue,
        };
        let checked = vkey
            .parse::<WitnessKey>()
            .map_err(|e| e.to_string())
            .and_then(|key| {
                Cosignature::parse_line(line)
                    .and_then(|c| c.verify(&key, &body))
                    .map_err(|e| e.to_string())
            });
        if let Err(why) = checked {
            fail(why);
        }
    }
    Ok(rows.len() as u64)
}

impl Ledger {
    /// The latest checkpoint, with its stored cosignatures, meets `policy`.
    pub(super) fn check_policy(
        &self,
        a: &mut Auditor,
        policy: &Policy,
        log_key: &VerifyingKey,
        latest: Option<&store::CheckpointRow>,
    ) -> Result<()> {
        let Some(latest) = latest else {
            a.fail(
                codes::WITNESS_POLICY_NOT_MET,
                None,
                "no checkpoint is signed, so none is cosigned",
            );
            return Ok(());
        };
        let note = self.published(latest)?;
        match policy.check(note.as_bytes(), log_key) {
            Ok((_, verdict)) if verdict.met => {}
            Ok((_, verdict)) => a.fail(
                codes::WITNESS_POLICY_NOT_MET,
                Some(latest.size),
                format!(
                    "the latest checkpoint (size {}) has {} verified cosignatures; the policy requires {}; run 'claimledger cosign'",
                    latest.size, verdict.verified, verdict.rule
                ),
            ),
            Err(e) => a.fail(
                codes::WITNESS_POLICY_NOT_MET,
                Some(latest.size),
                format!("the latest checkpoint (size {}): {e}", latest.size),
            ),
        }
        Ok(())
    }
}
