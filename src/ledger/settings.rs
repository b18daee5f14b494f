//! The ledger's settings (`claimledger config`): configuration kept beside the history, never
//! part of it. Nothing here is signed, proved or audited, and a setting may change at any time.

use crate::error::{Error, Result};
use crate::format::payload::is_url;
use crate::ledger::Ledger;
use crate::ledger::store;

/// A setting a ledger keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Setting {
    /// The newsroom that publishes the ledger: the `author` of exported ClaimReviews.
    PublisherName,
    /// The newsroom's home page (http or https).
    PublisherUrl,
    /// Where `claimledger serve` publishes this ledger (http or https, no trailing slash
    /// needed): exported links to entry pages and receipts start with it; unset, they are
    /// relative (`/v1/receipts/12`).
    LedgerUrl,
}

impl Setting {
    /// Every setting, in documentation order.
    pub const ALL: [Setting; 3] = [
        Setting::PublisherName,
        Setting::PublisherUrl,
        Setting::LedgerUrl,
    ];

    /// Its key (`publisher.name`).
    pub fn key(self) -> &'static str {
        match self {
            Setting::PublisherName => "publisher.name",
            Setting::PublisherUrl => "publisher.url",
            Setting::LedgerUrl => "publisher.ledger_url",
        }
    }

    /// Refuse a value the setting cannot take.
    fn check(self, value: &str) -> Result<()> {
        let bad = |reason: String| Error::Setting {
            key: self.key().into(),
            reason,
        };
        match self {
            Setting::PublisherName if value.trim().is_empty() => {
                Err(bad("must not be empty".into()))
            }
            Setting::PublisherName => Ok(()),
            Setting::PublisherUrl | Setting::LedgerUrl if is_url(value) => Ok(()),
            Setting::PublisherUrl | Setting::LedgerUrl => Err(bad(format!(
                "{value:?} is not an http(s) URL; write e.g. https://news.example"
            ))),
        }
    }
}

impl std::str::FromStr for Setting {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Setting::ALL
            .into_iter()
            .find(|k| k.key() == s)
            .ok_or_else(|| Error::Setting {
                key: s.into(),
                reason: format!(
                    "no such setting; the settings are {}",
                    Setting::ALL.map(Setting::key).join(", ")
                ),
            })
    }
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl Ledger {
    /// The value of `setting`, if set. A file of schema version 1 opened read-only has no
    /// settings table: every setting reads as unset.
    pub fn setting(&self, setting: Setting) -> Result<Option<String>> {
        store::setting(&self.store.conn, setting.key())
    }

    /// Every setting that has a value, in documentation order.
    pub fn settings(&self) -> Result<Vec<(Setting, String)>> {
        let mut out = Vec::new();
        for s in Setting::ALL {
            if let Some(v) = self.setting(s)? {
                out.push((s, v));
            }
        }
        Ok(out)
    }

    /// Set `setting` to `value` (checked first; a refused value changes nothing), or unset it
    /// with `None`. Durable when this returns.
    pub fn set_setting(&mut self, setting: Setting, value: Option<&str>) -> Result<()> {
        if let Some(v) = value {
            setting.check(v)?;
        }
        let tx = self.store.begin_write()?;
        store::set_setting(&tx, setting.key(), value)?;
        tx.commit()?;
        Ok(())
    }
}
