//! Bulk import and export of signed entries as JSON Lines (`{"envelope_base64", "payload"}`).

use crate::entry::{KnownKeys, SignedEntry};
use crate::error::{Error, Result};
use crate::ledger::{Ledger, SignedCheckpoint};
use crate::store;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rayon::prelude::*;
use std::io::{BufRead, Write};

/// Longest import line read, in bytes: a 64 KiB envelope in base64 plus a 64 KiB payload
/// with room for whitespace. Longer lines are refused without being held in memory.
pub const MAX_LINE_BYTES: usize = 512 * 1024;

/// Options for [`Ledger::import`].
#[derive(Clone, Copy, Debug)]
pub struct ImportOptions {
    /// Entries per transaction (and per signed checkpoint). All or nothing per batch.
    pub batch_size: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { batch_size: 4096 }
    }
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    /// Entries appended (in committed batches).
    pub imported: u64,
    /// Batches committed.
    pub batches: u64,
    /// Lines skipped because their entry (same leaf hash) is already in the ledger.
    pub skipped: u64,
    /// Ledger size afterwards.
    pub size: u64,
    /// The checkpoint signed after the last batch, if the operator key was loaded.
    pub checkpoint: Option<SignedCheckpoint>,
}

impl Ledger {
    /// Append pre-signed entries from JSON Lines, verifying every signature and rule.
    ///
    /// Lines are read in batches of `opts.batch_size`; each batch is parsed and verified in
    /// parallel, then appended in one transaction with one checkpoint: all or nothing per
    /// batch. On the first bad line the error names its 1-based line number; batches before
    /// it stay committed and [`Error::Import`] says how many entries they held. Blank lines
    /// are skipped, and so are entries already in the ledger (same leaf hash): an interrupted
    /// import can be run again, and an export imports into a ledger with the same entry 0.
    pub fn import(&mut self, input: impl BufRead, opts: ImportOptions) -> Result<ImportReport> {
        let batch_size = opts.batch_size.max(1);
        let mut report = ImportReport::default();
        let mut lines = LineReader::new(input);
        loop {
            let mut raw: Vec<(u64, Vec<u8>)> = Vec::with_capacity(batch_size);
            while raw.len() < batch_size {
                match lines.next_line() {
                    Ok(Some(l)) => raw.push(l),
                    Ok(None) => break,
                    Err((line, source)) => return Err(import_error(line, &report, source)),
                }
            }
            if raw.is_empty() {
                break;
            }
            // Keys granted so far, parsed once per batch rather than once per line.
            let known: KnownKeys = crate::ledger::key_book_from(self.conn(), self.log_key())
                .map_err(|e| import_error(raw[0].0, &report, e))?
                .records()
                .map(|r| (r.vkey.to_string(), r.vkey.clone()))
                .chain([(self.log_key().to_string(), self.log_key().clone())])
                .collect();
            let parsed: Vec<std::result::Result<SignedEntry, (u64, Error)>> = raw
                .par_iter()
                .map(|(line, bytes)| {
                    SignedEntry::from_line_known(bytes, &known).map_err(|e| (*line, e.into()))
                })
                .collect();
            let mut batch = Vec::with_capacity(parsed.len());
            let mut lines_of = Vec::with_capacity(parsed.len());
            let mut seen = std::collections::HashSet::new();
            for (p, (line, _)) in parsed.into_iter().zip(&raw) {
                match p {
                    Ok(e) => {
                        let leaf = e.envelope().leaf_hash();
                        let present = store::find_by_hash_prefix(self.conn(), &leaf, &leaf)
                            .map_err(|err| import_error(*line, &report, err))?;
                        if !present.is_empty() || !seen.insert(leaf) {
                            report.skipped += 1;
                            continue;
                        }
                        batch.push(e);
                        lines_of.push(*line);
                    }
                    Err((line, source)) => return Err(import_error(line, &report, source)),
                }
            }
            if batch.is_empty() {
                continue;
            }
            let appended = self
                .append_batch_positioned(batch)
                .map_err(|(pos, source)| import_error(lines_of[pos], &report, source))?;
            report.imported += appended.len() as u64;
            report.batches += 1;
            if let Some(cp) = appended.into_iter().last().and_then(|a| a.checkpoint) {
                report.checkpoint = Some(cp);
            }
        }
        report.size = self.size()?;
        Ok(report)
    }

    /// Write every entry as one JSON Lines record, in index order, exactly as stored
    /// (`{"envelope_base64":…,"payload":…}` with the payload's canonical bytes).
    pub fn export(&self, mut out: impl Write) -> Result<u64> {
        const CHUNK: u64 = 4096;
        let mut from = 0;
        let mut n = 0;
        let io = |source| Error::Io {
            path: "(export output)".into(),
            source,
        };
        loop {
            let rows = store::rows(self.conn(), from, CHUNK)?;
            let Some(last) = rows.last() else { break };
            from = last.idx + 1;
            for r in &rows {
                out.write_all(b"{\"envelope_base64\":\"").map_err(io)?;
                out.write_all(B64.encode(&r.envelope).as_bytes())
                    .map_err(io)?;
                out.write_all(b"\",\"payload\":").map_err(io)?;
                out.write_all(&r.payload).map_err(io)?;
                out.write_all(b"}\n").map_err(io)?;
                n += 1;
            }
        }
        out.flush().map_err(io)?;
        Ok(n)
    }
}

fn import_error(line: u64, report: &ImportReport, source: Error) -> Error {
    if matches!(source, Error::Storage(_) | Error::Io { .. }) {
        return Error::ImportInterrupted {
            imported: report.imported,
            source: Box::new(source),
        };
    }
    Error::Import {
        line,
        imported: report.imported,
        source: Box::new(source),
    }
}

/// A numbered line, or the number of the line that could not be read and why.
type NumberedLine = std::result::Result<Option<(u64, Vec<u8>)>, (u64, Error)>;

/// Reads lines with a length cap, numbering them from 1 and skipping blank ones.
struct LineReader<R> {
    input: R,
    line: u64,
}

impl<R: BufRead> LineReader<R> {
    fn new(input: R) -> Self {
        LineReader { input, line: 0 }
    }

    fn next_line(&mut self) -> NumberedLine {
        loop {
            self.line += 1;
            let mut buf = Vec::new();
            let n = <&mut R as std::io::Read>::take(&mut self.input, MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut buf)
                .map_err(|source| {
                    (
                        self.line,
                        Error::Io {
                            path: "(import input)".into(),
                            source,
                        },
                    )
                })?;
            if n == 0 {
                return Ok(None);
            }
            if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
                return Err((
                    self.line,
                    Error::Size(format!(
                        "line is longer than {MAX_LINE_BYTES} bytes; an entry line holds at most a 64 KiB envelope and a 64 KiB payload"
                    )),
                ));
            }
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some((self.line, buf)));
        }
    }
}
