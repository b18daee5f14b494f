//! Reading a ledger: entry lists, search, claims with their histories, figures.

use crate::error::Result;
use crate::format::entry::{Entry, Kind, Payload};
use crate::format::figure::Figure;
use crate::format::payload::Rating;
use crate::ledger::store::{self, Row};
use crate::ledger::{Ledger, entry_from_row};
use std::collections::BTreeSet;

/// A claim with the number of statements in its history (see [`Ledger::claims`]).
#[derive(Clone, Debug)]
pub struct ClaimSummary {
    /// The claim.
    pub entry: Entry,
    /// Statements about it, directly or about those statements.
    pub statements: u64,
}

/// A claim with every statement about it, or about those statements, in ledger order.
#[derive(Clone, Debug)]
pub struct History {
    /// The claim (or the entry history was asked for).
    pub claim: Entry,
    /// Statements, in index order.
    pub statements: Vec<Entry>,
}

/// One stated value of a figure, with who stated it.
#[derive(Clone, Debug)]
pub struct FigureStatement {
    /// The figure.
    pub figure: Figure,
    /// Entry index.
    pub index: u64,
    /// Claimant or speaker.
    pub speaker: String,
    /// `claims` for a claim, else the statement's stance.
    pub stance: String,
    /// The statement's rating, if it carries one (a claim carries none).
    pub rating: Option<Rating>,
}

impl FigureStatement {
    /// Every figure `entry` states (none for key entries, redactions and withheld payloads),
    /// in payload order.
    pub fn of(entry: &Entry) -> Vec<FigureStatement> {
        let (figures, speaker, stance, rating) = match entry.payload() {
            Some(Payload::Claim(c)) => (&c.figures, &c.claimant.name, "claims", None),
            Some(Payload::Statement(s)) => (
                &s.figures,
                &s.speaker.name,
                s.stance.as_str(),
                s.rating.as_ref(),
            ),
            // A withheld payload's figures are withheld with it.
            Some(Payload::Key(_) | Payload::Redaction(_)) | None => return Vec::new(),
        };
        figures
            .iter()
            .map(|f| FigureStatement {
                figure: f.clone(),
                index: entry.index(),
                speaker: speaker.clone(),
                stance: stance.to_string(),
                rating: rating.cloned(),
            })
            .collect()
    }
}

impl History {
    /// The figures stated in this history (the claim's first), in index order.
    pub fn figures(&self) -> Vec<FigureStatement> {
        std::iter::once(&self.claim)
            .chain(&self.statements)
            .flat_map(FigureStatement::of)
            .collect()
    }
}

impl Ledger {
    /// Entries from `from`, at most `limit`.
    pub fn log(&self, from: u64, limit: u64) -> Result<Vec<Entry>> {
        store::rows(&self.store.conn, from, limit)?
            .into_iter()
            .map(|row| entry_from_row(&self.store.conn, row))
            .collect()
    }

    /// Claims and statements whose payload contains `text` (ASCII case-insensitive).
    pub fn search(&self, text: &str, limit: u64) -> Result<Vec<Entry>> {
        self.search_from(text, 0, limit)
    }

    /// [`Ledger::search`] from index `from` on, for paging.
    pub fn search_from(&self, text: &str, from: u64, limit: u64) -> Result<Vec<Entry>> {
        store::search(&self.store.conn, text, from, limit)?
            .into_iter()
            .map(|row| entry_from_row(&self.store.conn, row))
            .collect()
    }

    /// Claims in index order from index `from`, at most `limit`, each with the size of its
    /// history. With `query`, only claims that match it (as [`Ledger::search`] does) or that a
    /// matching statement is about, directly or through other statements.
    ///
    /// Without a query this reads only the page; with one it scans every entry's text.
    pub fn claims(&self, query: Option<&str>, from: u64, limit: u64) -> Result<Vec<ClaimSummary>> {
        let conn = &self.store.conn;
        let rows: Vec<Row> = match query.map(str::trim).filter(|q| !q.is_empty()) {
            None => store::claim_rows(conn, from, limit)?,
            Some(q) => {
                let mut roots = BTreeSet::new();
                for row in store::search(conn, q, 0, u64::MAX)? {
                    roots.insert(self.root_claim(row.idx)?);
                }
                let mut rows = Vec::new();
                for idx in roots.into_iter().filter(|&i| i >= from) {
                    if rows.len() as u64 >= limit {
                        break;
                    }
                    // A root without a target is a claim or a key entry (as its envelope
                    // says: the rows were checked on the way up).
                    match store::row(conn, idx)? {
                        Some(row) if row.kind == Kind::Claim.as_str() => rows.push(row),
                        _ => {}
                    }
                }
                rows
            }
        };
        rows.into_iter()
            .map(|row| {
                let entry = entry_from_row(conn, row)?;
                Ok(ClaimSummary {
                    statements: self.statements_under(entry.index())?.len() as u64,
                    entry,
                })
            })
            .collect()
    }

    /// The entry at the root of `index`'s statement chain: the claim a statement is (directly
    /// or through other statements) about, or `index` itself for a claim. Does not check that
    /// `index` exists.
    pub fn root_claim(&self, index: u64) -> Result<u64> {
        // Walk up by the targets the statements' own envelopes name (never the `target_idx`
        // column), each entry read through the checked conversion.
        let mut at = self.entry(index)?;
        while let (Kind::Statement, Some(t)) = (at.envelope().kind(), at.envelope().target()) {
            at = self.entry(t.index)?;
        }
        Ok(at.index())
    }

    /// The entry at `index` and every statement about it or about those statements.
    pub fn history(&self, index: u64) -> Result<History> {
        let claim = self.entry(index)?;
        let under = self.statements_under(index)?;
        let statements = under
            .iter()
            .map(|&i| self.entry(i))
            .collect::<Result<Vec<_>>>()?;
        // Each statement was found by the target its envelope names (never the `target_idx`
        // column) and re-read through the checked conversion; one whose envelope names another
        // target would mean the index lies.
        for s in &statements {
            let t = s.envelope().target().map(|t| t.index);
            if t.is_none_or(|t| t != index && !under.contains(&t)) {
                return Err(crate::error::Error::altered(format!(
                    "entry {} was found as a statement in the history of entry {index} but its envelope names another target",
                    s.index()
                )));
            }
        }
        Ok(History { claim, statements })
    }

    /// The indexes of the statements about `index`, directly or through other statements, in
    /// index order: one indexed lookup per statement found.
    fn statements_under(&self, index: u64) -> Result<BTreeSet<u64>> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![index];
        while let Some(i) = todo.pop() {
            for s in store::statements_about(&self.store.conn, i)? {
                if seen.insert(s) {
                    todo.push(s);
                }
            }
        }
        Ok(seen)
    }

    /// Every stated value of figures matching the filters (case-insensitive), in ledger order.
    pub fn figures(
        &self,
        subject: Option<&str>,
        property: Option<&str>,
    ) -> Result<Vec<FigureStatement>> {
        let matches = |want: Option<&str>, have: &str| {
            want.is_none_or(|w| w.trim().eq_ignore_ascii_case(have.trim()))
        };
        let mut out = Vec::new();
        for row in store::rows_with_figures(&self.store.conn)? {
            let entry = entry_from_row(&self.store.conn, row)?;
            out.extend(FigureStatement::of(&entry).into_iter().filter(|r| {
                matches(subject, &r.figure.subject) && matches(property, &r.figure.property)
            }));
        }
        Ok(out)
    }
}

/// Used by the CLI to fill payloads: the figures of a target, for the default subject.
pub fn first_subject(entry: &Entry) -> Option<String> {
    match entry.payload()? {
        Payload::Claim(c) => c
            .subjects
            .first()
            .cloned()
            .or_else(|| c.figures.first().map(|f| f.subject.clone())),
        Payload::Statement(s) => s.figures.first().map(|f| f.subject.clone()),
        Payload::Key(_) | Payload::Redaction(_) => None,
    }
}
