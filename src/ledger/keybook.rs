//! Who may record: the key grants and revocations in force at a given index.
//!
//! Built by replaying key entries in index order; used by append (at the head) and by audit
//! (as it streams), so both apply exactly the same rules.

use crate::error::{Error, Result};
use crate::format::entry::{KeyAction, KeyChange};
use crate::format::keys::VerifyingKey;
use std::collections::HashMap;

/// One recorder key and its current standing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    /// The recorder's key.
    pub vkey: VerifyingKey,
    /// Name in the latest grant.
    pub name: String,
    /// Role in the latest grant.
    pub role: String,
    /// Index of the latest grant.
    pub granted_at: u64,
    /// Index and reason of the revocation, if revoked since the latest grant.
    pub revoked: Option<(u64, String)>,
}

/// The key state after some prefix of the ledger.
#[derive(Clone, Debug)]
pub struct KeyBook {
    operator: VerifyingKey,
    records: HashMap<VerifyingKey, KeyRecord>,
    order: Vec<VerifyingKey>,
}

impl KeyBook {
    /// An empty book for a ledger whose operator (log) key is `operator`.
    pub fn new(operator: VerifyingKey) -> KeyBook {
        KeyBook {
            operator,
            records: HashMap::new(),
            order: Vec::new(),
        }
    }

    /// The book holding exactly `records` (in order of first grant), as [`KeyBook::records`]
    /// listed them: how an audit state (docs/FORMAT.md §20) carries the key state forward.
    pub fn from_records(operator: VerifyingKey, records: Vec<KeyRecord>) -> KeyBook {
        let order = records.iter().map(|r| r.vkey.clone()).collect();
        let records = records.into_iter().map(|r| (r.vkey.clone(), r)).collect();
        KeyBook {
            operator,
            records,
            order,
        }
    }

    /// The operator key.
    pub fn operator(&self) -> &VerifyingKey {
        &self.operator
    }

    /// May `signer` record an entry at `index`? The operator always may (it grants itself at
    /// index 0); anyone else needs a grant not followed by a revocation.
    pub fn authorize(&self, signer: &VerifyingKey) -> Result<()> {
        if signer == &self.operator {
            return Ok(());
        }
        match self.records.get(signer) {
            None => Err(Error::NotGranted {
                key_id: signer.key_id(),
                vkey: signer.to_string(),
            }),
            Some(KeyRecord {
                name,
                revoked: Some((at, reason)),
                ..
            }) => Err(Error::Revoked {
                key_id: signer.key_id(),
                name: name.clone(),
                revoked_at: *at,
                reason: reason.clone(),
            }),
            Some(_) => Ok(()),
        }
    }

    /// Check a key entry at `index` signed by `signer`, then apply it.
    pub fn apply(&mut self, index: u64, signer: &VerifyingKey, change: &KeyChange) -> Result<()> {
        if signer != &self.operator {
            return Err(Error::NotOperator {
                key_id: signer.key_id(),
                operator: self.operator.to_string(),
            });
        }
        let vkey: VerifyingKey = change.vkey.parse()?;
        match change.action {
            KeyAction::Grant => {
                if index == 0 && vkey != self.operator {
                    return Err(Error::KeyRule(
                        "entry 0 must grant the operator key itself".into(),
                    ));
                }
                if !self.records.contains_key(&vkey) {
                    self.order.push(vkey.clone());
                }
                self.records.insert(
                    vkey.clone(),
                    KeyRecord {
                        vkey,
                        name: change.name.clone(),
                        role: change.role.clone(),
                        granted_at: index,
                        revoked: None,
                    },
                );
            }
            KeyAction::Revoke => {
                if vkey == self.operator {
                    return Err(Error::KeyRule(
                        "the operator key cannot be revoked: it signs checkpoints; start a new ledger to rotate it".into(),
                    ));
                }
                let reason = change.reason.clone().unwrap_or_default();
                match self.records.get_mut(&vkey) {
                    Some(rec) if rec.revoked.is_none() => rec.revoked = Some((index, reason)),
                    Some(rec) => {
                        return Err(Error::KeyRule(format!(
                            "key {} is already revoked (entry {})",
                            vkey.key_id(),
                            rec.revoked.as_ref().map(|r| r.0).unwrap_or_default()
                        )));
                    }
                    None => {
                        return Err(Error::KeyRule(format!(
                            "key {} was never granted here; nothing to revoke",
                            vkey.key_id()
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// The record for a key, if it was ever granted.
    pub fn get(&self, vkey: &VerifyingKey) -> Option<&KeyRecord> {
        self.records.get(vkey)
    }

    /// The name to show for whoever signed with `vkey`.
    pub fn recorder_name(&self, vkey: &VerifyingKey) -> String {
        self.records
            .get(vkey)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| vkey.name().to_string())
    }

    /// Every key ever granted, in order of first grant.
    pub fn records(&self) -> impl Iterator<Item = &KeyRecord> {
        self.order.iter().filter_map(|k| self.records.get(k))
    }
}
