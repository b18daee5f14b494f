//! Bulk import and export of signed entries as JSON Lines (`{"envelope_base64", "payload"}`).

use crate::error::{Error, Result};
use crate::format::entry::{KnownKeys, Payload, SignedEntry};
use crate::format::keys::{KeyError, VerifyingKey};
use crate::format::merkle::Hash;
use crate::ledger::{Ledger, OnDuplicate, SignedCheckpoint};
use crate::ledger::{redact, store};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rayon::prelude::*;
use std::io::{BufRead, Write};
use std::sync::Mutex;

/// Longest import line read, in bytes: a 64 KiB envelope in base64 plus a 64 KiB payload
/// with room for whitespace. Longer lines are refused without being held in memory.
pub const MAX_LINE_BYTES: usize = 512 * 1024;

/// Largest [`ImportOptions::batch_size`]: a batch is held in memory twice over (one being
/// written while the next is verified), so its size must stay bounded.
pub const MAX_BATCH_SIZE: usize = 65_536;

/// Options for [`Ledger::import`].
#[derive(Clone, Copy, Debug)]
pub struct ImportOptions {
    /// Entries per transaction (and per signed checkpoint). All or nothing per batch.
    /// MUST be at most [`MAX_BATCH_SIZE`] (larger is refused before anything is read); 0 is
    /// taken as 1.
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
    ///
    /// Batches are pipelined: batch k+1 is parsed and its signatures verified (on every core)
    /// while batch k is written. The outcome is the same as one batch after the other: a batch
    /// is written only once it verified whole, batch k's write error is reported before
    /// anything wrong in batch k+1, and a line that cannot be read is reported only after the
    /// batches before it committed.
    pub fn import(&mut self, input: impl BufRead, opts: ImportOptions) -> Result<ImportReport> {
        if opts.batch_size > MAX_BATCH_SIZE {
            return Err(Error::Size(format!(
                "import batch size {} is larger than {MAX_BATCH_SIZE}; nothing was imported",
                opts.batch_size
            )));
        }
        let batch_size = opts.batch_size.max(1);
        let mut report = ImportReport::default();
        let mut lines = LineReader::new(input);
        let signers = SignerCache::new(self.log_key());
        // A batch parsed and verified whole, waiting to be written.
        let mut ready: Option<Verified> = None;
        loop {
            // Batch k is written on its own thread while batch k+1 is read, parsed and verified
            // here (on every core); the write's outcome is looked at first.
            let (written, next) = std::thread::scope(|scope| {
                let writer = ready
                    .take()
                    .map(|batch| scope.spawn(|| self.write_verified(batch, &mut report)));
                let next = read_and_parse(&mut lines, batch_size, &signers);
                let written = match writer {
                    Some(w) => w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                    None => Ok(()),
                };
                (written, next)
            });
            written?;
            match next {
                Ok(Some(batch)) => ready = Some(batch),
                Ok(None) => break,
                Err((line, source)) => return Err(import_error(line, &report, source)),
            }
        }
        report.size = self.size()?;
        Ok(report)
    }

    /// Write one verified batch (skipping entries already present) and account for it.
    fn write_verified(&mut self, batch: Verified, report: &mut ImportReport) -> Result<()> {
        let Verified { entries, lines } = batch;
        let written = self
            .write_batch(entries, OnDuplicate::Skip)
            .map_err(|(pos, source)| import_error(lines[pos], report, source))?;
        report.skipped += written.skipped;
        if written.appended.is_empty() {
            return Ok(());
        }
        report.imported += written.appended.len() as u64;
        report.batches += 1;
        if let Some(cp) = written
            .appended
            .into_iter()
            .last()
            .and_then(|a| a.checkpoint)
        {
            report.checkpoint = Some(cp);
        }
        Ok(())
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
                match &r.payload {
                    Some(payload) => {
                        out.write_all(b"\",\"payload\":").map_err(io)?;
                        out.write_all(payload).map_err(io)?;
                    }
                    // A withheld payload: the line says so instead (FORMAT.md §12).
                    None => {
                        let withheld = redact::withheld(self.conn(), r.idx)?.ok_or_else(|| {
                            Error::Corrupt(format!(
                                "entry {} has no payload and no redaction names it",
                                r.idx
                            ))
                        })?;
                        out.write_all(b"\",\"withheld\":").map_err(io)?;
                        out.write_all(withheld.to_value().to_string().as_bytes())
                            .map_err(io)?;
                    }
                }
                out.write_all(b"}\n").map_err(io)?;
                n += 1;
            }
        }
        out.flush().map_err(io)?;
        Ok(n)
    }
}

/// A batch whose every line parsed and verified: entries with their leaf hashes, and the
/// line number of each.
struct Verified {
    entries: Vec<(SignedEntry, Hash)>,
    lines: Vec<u64>,
}

/// Read the next batch of lines, then parse and verify it; `None` at the end of the input.
/// A line that cannot be read is reported without parsing the batch (as when batches were
/// handled one after the other); otherwise the error is that of the first bad line.
fn read_and_parse<R: BufRead>(
    lines: &mut LineReader<R>,
    batch_size: usize,
    signers: &SignerCache,
) -> std::result::Result<Option<Verified>, (u64, Error)> {
    let mut raw: Vec<(u64, Vec<u8>)> = Vec::with_capacity(batch_size);
    while raw.len() < batch_size {
        match lines.next_line()? {
            Some(l) => raw.push(l),
            None => break,
        }
    }
    if raw.is_empty() {
        return Ok(None);
    }
    let mut batch = parse_batch(&raw, signers)?;
    // A withheld entry is stored only in the same transaction as the redaction that covers
    // it (it comes later): extend the batch until every one is covered, or the input ends.
    let mut waiting = batch.uncovered();
    while waiting > 0 {
        let Some(line) = lines.next_line()? else {
            break;
        };
        let more = parse_batch(std::slice::from_ref(&line), signers)?;
        batch.entries.extend(more.entries);
        batch.lines.extend(more.lines);
        waiting = batch.uncovered();
    }
    Ok(Some(batch))
}

impl Verified {
    /// How many withheld entries no redaction in the batch names (by leaf hash).
    fn uncovered(&self) -> usize {
        let named: std::collections::HashSet<Hash> = self
            .entries
            .iter()
            .filter(|(e, _)| matches!(e.payload(), Some(Payload::Redaction(_))))
            .filter_map(|(e, _)| e.envelope().target().map(|t| t.leaf_hash))
            .collect();
        self.entries
            .iter()
            .filter(|(e, leaf)| e.withheld().is_some() && !named.contains(leaf))
            .count()
    }
}

/// Parse and verify a batch on every core. The error is that of the first bad line.
fn parse_batch(
    raw: &[(u64, Vec<u8>)],
    signers: &SignerCache,
) -> std::result::Result<Verified, (u64, Error)> {
    let parsed: Vec<std::result::Result<(SignedEntry, Hash), (u64, Error)>> = raw
        .par_iter()
        .map(|(line, bytes)| {
            let entry = SignedEntry::from_line_with(bytes, |text| signers.resolve(text))
                .map_err(|e| (*line, e.into()))?;
            let leaf = entry.envelope().leaf_hash();
            Ok((entry, leaf))
        })
        .collect();
    Ok(Verified {
        entries: parsed.into_iter().collect::<std::result::Result<_, _>>()?,
        lines: raw.iter().map(|(line, _)| *line).collect(),
    })
}

/// Signer keys parsed once per import rather than once per line: parsing a vkey recomputes
/// its key ID and decompresses a curve point. Shared by the threads verifying a batch; holds
/// only keys that parsed, so [`SignerCache::resolve`] behaves exactly like `str::parse`.
pub(crate) struct SignerCache(Mutex<KnownKeys>);

impl SignerCache {
    pub(crate) fn new(log_key: &VerifyingKey) -> Self {
        SignerCache(Mutex::new([(log_key.to_string(), log_key.clone())].into()))
    }

    pub(crate) fn resolve(&self, text: &str) -> std::result::Result<VerifyingKey, KeyError> {
        let cached = self.lock().get(text).cloned();
        if let Some(key) = cached {
            return Ok(key);
        }
        let key: VerifyingKey = text.parse()?;
        self.lock().insert(text.to_string(), key.clone());
        Ok(key)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KnownKeys> {
        // The map is only ever inserted into whole; a panic elsewhere cannot leave it torn.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
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
