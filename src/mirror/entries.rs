//! The new entries of a mirror run: read bundle by bundle from the source, parsed and
//! signature-checked on every core, and handed to the writer in chunks whose withheld entries
//! are all covered by a redaction in the same chunk.

use super::MirrorError;
use super::source::Source;
use crate::format::entry::{Payload, SignedEntry, Withheld};
use crate::format::merkle::{Frontier, Hash};
use crate::format::tiles::TILE_WIDTH;
use crate::ledger::import::SignerCache;
use rayon::prelude::*;
use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::SyncSender;

/// Entries per chunk handed to the writer (more when a withheld entry waits for its
/// redaction): bounds memory while keeping every core busy verifying.
const CHUNK: usize = 1024;

/// One entry as read: its index, envelope bytes and payload (`None`: withheld).
type Raw = (u64, Vec<u8>, Option<Vec<u8>>);

/// Chunks being parsed while the next is read: the verifier threads never wait for this one
/// to read a bundle or hand a chunk over.
const AHEAD: usize = 3;

/// Read, verify and send the entries `[from, to)` of the source's tree; `frontier` is the
/// replica's tree at `from`. Every chunk is sent only once the next one verified, and the last
/// only once the tree over all of them has the signed `root`: the writer commits nothing the
/// checkpoint does not cover. Returns early (Ok) when the writer stopped listening.
///
/// This thread reads; up to [`AHEAD`] chunks are parsed and signature-checked at once on the
/// rayon threads, and taken back in order.
pub(crate) fn produce(
    source: &Source<'_>,
    from: u64,
    to: u64,
    root: &Hash,
    mut frontier: Frontier,
    signers: &SignerCache,
    out: &SyncSender<Vec<(SignedEntry, Hash)>>,
) -> Result<(), MirrorError> {
    rayon::in_place_scope(|scope| {
        let mut next = from;
        let mut parsing = VecDeque::with_capacity(AHEAD);
        let mut parsed = Vec::with_capacity(CHUNK + TILE_WIDTH as usize);
        let mut held: Option<Vec<(SignedEntry, Hash)>> = None;
        loop {
            while next < to && parsing.len() < AHEAD {
                let mut raw: Vec<Raw> = Vec::with_capacity(CHUNK);
                while next < to && raw.len() < CHUNK {
                    next = read_bundle(source, next, to, &mut raw)?;
                }
                let (tx, rx) = std::sync::mpsc::sync_channel(1);
                scope.spawn(move |_| {
                    let _ = tx.send(parse(raw, signers));
                });
                parsing.push_back(rx);
            }
            let Some(rx) = parsing.pop_front() else {
                break;
            };
            // A task that panicked sends nothing; the scope re-raises its panic on return.
            let Ok(result) = rx.recv() else {
                return Ok(());
            };
            parsed.extend(result?);
            let Some(chunk) = complete(&mut parsed, signers)? else {
                continue;
            };
            for (_, leaf) in &chunk {
                frontier.push(*leaf, |_, _, _| {});
            }
            if let Some(previous) = held.replace(chunk) {
                if out.send(previous).is_err() {
                    return Ok(());
                }
            }
        }
        if let Some((idx, _)) = parsed
            .iter()
            .find(|(_, p)| matches!(p, Parsed::Withheld(_)))
        {
            return Err(bad_entry(
                *idx,
                &format!(
                    "the source serves it without its payload, but no redaction up to size {to} withholds it (run the mirror again if the source is publishing right now)"
                ),
            ));
        }
        if frontier.size() != to || frontier.root() != *root {
            return Err(MirrorError::BadData {
                detail: format!(
                    "the entry bundles served do not hash to the root of the source's signed checkpoint at size {to} (tampered or mixed-up bundles)"
                ),
            });
        }
        if let Some(last) = held {
            let _ = out.send(last);
        }
        Ok(())
    })
}

/// Append to `raw` the entries from `next` on of the bundle holding `next`, up to `to`; returns
/// the index after the last one read.
fn read_bundle(
    source: &Source<'_>,
    next: u64,
    to: u64,
    raw: &mut Vec<Raw>,
) -> Result<u64, MirrorError> {
    let bundle = next / TILE_WIDTH;
    let start = bundle * TILE_WIDTH;
    // The bundle's width in the tree of `to` leaves: full, or partial at the end.
    let width = (to - start).min(TILE_WIDTH);
    let envelopes = source.entries(bundle, width)?;
    let payloads = source.payloads(bundle, width)?;
    let skip = (next - start) as usize;
    for (i, (env, payload)) in envelopes.into_iter().zip(payloads).enumerate().skip(skip) {
        raw.push((start + i as u64, env, payload));
    }
    Ok(start + width)
}

/// An entry as parsed: complete, or withheld (its envelope waits for the redaction naming it).
enum Parsed {
    Given(Box<SignedEntry>),
    Withheld(Vec<u8>),
}

/// Parse and check `raw` on every core: envelope canonical form and author signature, payload
/// hash and fields. The error names the first bad entry.
fn parse(raw: Vec<Raw>, signers: &SignerCache) -> Result<Vec<(u64, Parsed)>, MirrorError> {
    raw.into_par_iter()
        .map(|(idx, env, payload)| {
            let parsed = match payload {
                Some(p) => SignedEntry::from_stored_with(&env, p, |t| signers.resolve(t))
                    .map(|e| Parsed::Given(Box::new(e))),
                // Checked whole once the redaction naming it is known.
                None => Ok(Parsed::Withheld(env)),
            };
            parsed.map(|p| (idx, p)).map_err(|e| bad_entry(idx, &e))
        })
        .collect()
}

fn bad_entry(index: u64, e: &dyn std::fmt::Display) -> MirrorError {
    MirrorError::BadEntry {
        index,
        detail: e.to_string(),
    }
}

/// The chunk ready for the writer, or `None` while a withheld entry waits for a redaction
/// naming it (a later bundle holds it).
fn complete(
    parsed: &mut Vec<(u64, Parsed)>,
    signers: &SignerCache,
) -> Result<Option<Vec<(SignedEntry, Hash)>>, MirrorError> {
    let named: HashMap<u64, Withheld> = parsed
        .iter()
        .filter_map(|(idx, p)| match p {
            Parsed::Given(e) => match (e.payload(), e.envelope().target()) {
                (Some(Payload::Redaction(r)), Some(t)) => Some((
                    t.index,
                    Withheld {
                        redaction: *idx,
                        category: r.category,
                    },
                )),
                _ => None,
            },
            Parsed::Withheld(_) => None,
        })
        .collect();
    let waiting = parsed
        .iter()
        .any(|(idx, p)| matches!(p, Parsed::Withheld(_)) && !named.contains_key(idx));
    if waiting {
        return Ok(None);
    }
    std::mem::take(parsed)
        .into_iter()
        .map(|(idx, p)| {
            let entry = match p {
                Parsed::Given(e) => *e,
                Parsed::Withheld(env) => {
                    let w = named[&idx];
                    SignedEntry::from_withheld_with(&env, w, |t| signers.resolve(t))
                        .map_err(|e| bad_entry(idx, &e))?
                }
            };
            let leaf = entry.envelope().leaf_hash();
            Ok((entry, leaf))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
