//! `claimledger cosign`: ask every configured witness to cosign the latest checkpoint (C2SP
//! tlog-witness), store what they return, and write evidence when one saw another history.
//!
//! Also used by `serve` (in the background) and `receipt` (when no checkpoint meets the policy).

use super::args::CosignArgs;
use super::output::print_json;
use super::witness_client::{Answer, WitnessClient};
use super::{Ctx, Outcome, Shown};
use anyhow::{Context, Result, bail};
use base64::Engine as _;
use claimledger::Ledger;
use claimledger::format::witness::AddCheckpoint;
use claimledger::ledger::witnesses::ConfiguredWitness;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long `cosign` (and `receipt`, when it asks) waits for each witness by default.
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;

/// A witness answering 409 again and again is not converging; stop after this many requests.
const MAX_ATTEMPTS: usize = 3;

/// The `format` of an evidence file (docs/FORMAT.md §16.4).
pub const EVIDENCE_FORMAT: &str = "claimledger-witness-evidence/v1";

/// What happened with one witness.
#[derive(Debug)]
pub enum WitnessResult {
    /// It cosigned; the line was stored.
    Cosigned,
    /// It saw a different history (422, or a tree larger than ours): evidence was written.
    Inconsistent {
        /// Why, for people.
        message: String,
        /// The evidence file.
        evidence: PathBuf,
    },
    /// It refused the request (400, 403, 404, another status, or an answer that does not
    /// verify).
    Refused(String),
    /// It did not answer in time, or could not be reached.
    Unreachable(String),
}

/// What `cosign` did.
pub struct Report {
    /// The checkpoint size sent.
    pub size: u64,
    /// Each configured witness and what happened.
    pub results: Vec<(ConfiguredWitness, WitnessResult)>,
    /// Whether the checkpoint now meets the ledger's policy (`None`: no witness configured).
    pub policy_met: Option<bool>,
}

impl Report {
    /// True when some witness saw a different history.
    pub fn inconsistent(&self) -> bool {
        self.results
            .iter()
            .any(|(_, r)| matches!(r, WitnessResult::Inconsistent { .. }))
    }
}

/// Send the latest checkpoint to every configured witness. Errors only when it could not run at
/// all (no checkpoint, storage failure); each witness's failure is in the report.
pub fn cosign_latest(
    ledger: &mut Ledger,
    timeout: Duration,
    evidence_dir: &Path,
) -> claimledger::Result<Report> {
    let cp = ledger.checkpoint(None)?;
    let size = cp.checkpoint.size;
    // The note exactly as signed by the log, without cosignatures: what a witness verifies.
    let note = ledger.checkpoint_as_signed(size)?;
    let client = WitnessClient::new(timeout);
    let mut results = Vec::new();
    for w in ledger.witnesses()? {
        let r = cosign_one(ledger, &client, &w, size, &note, evidence_dir)?;
        results.push((w, r));
    }
    let policy_met = match ledger.witness_policy()? {
        Some(policy) => Some(ledger.meets(&ledger.checkpoint(Some(size))?, &policy)?),
        None => None,
    };
    Ok(Report {
        size,
        results,
        policy_met,
    })
}

fn cosign_one(
    ledger: &mut Ledger,
    client: &WitnessClient,
    w: &ConfiguredWitness,
    size: u64,
    note: &str,
    evidence_dir: &Path,
) -> claimledger::Result<WitnessResult> {
    // Sent even when the witness already cosigned this size: its answer (200, or 409 with a
    // larger size) is how a rolled-back or replaced ledger is caught.
    let mut old = ledger.last_cosigned_size(&w.key)?.unwrap_or(0);
    for _ in 0..MAX_ATTEMPTS {
        if old > size {
            let message = format!(
                "witness {} has cosigned a tree of {old} entries but this ledger's latest checkpoint has {size}: the ledger was rolled back or replaced",
                w.key.name()
            );
            let evidence = write_evidence(
                ledger,
                evidence_dir,
                w,
                Evidence {
                    kind: "rolled_back",
                    status: 409,
                    answer: &format!("{old}\n"),
                    old_size: old,
                    proof: &[],
                    request: "",
                    checkpoint: note,
                },
            )?;
            return Ok(WitnessResult::Inconsistent { message, evidence });
        }
        let proof = if old == 0 {
            Vec::new()
        } else {
            ledger.consistency_proof(old, Some(size))?.proof
        };
        let request = AddCheckpoint {
            old_size: old,
            proof,
            checkpoint: note.to_string(),
        };
        match client.add_checkpoint(&w.url, &request) {
            Answer::Cosigned(lines) => {
                return Ok(match ledger.add_cosignature(size, &w.key, &lines) {
                    Ok(_) => WitnessResult::Cosigned,
                    Err(claimledger::Error::Witness(e)) => {
                        WitnessResult::Refused(format!("answered 200 but {e}; nothing stored"))
                    }
                    Err(e) => return Err(e),
                });
            }
            Answer::Conflict(known) if known == old => {
                return Ok(WitnessResult::Refused(format!(
                    "answered 409 stating the old size {old} that was sent"
                )));
            }
            Answer::Conflict(known) => old = known,
            Answer::Inconsistent(text) => {
                let message = format!(
                    "witness {} refused the consistency proof from size {old} (422: {text}): it saw a different history of this ledger",
                    w.key.name()
                );
                let evidence = write_evidence(
                    ledger,
                    evidence_dir,
                    w,
                    Evidence {
                        kind: "inconsistent",
                        status: 422,
                        answer: &text,
                        old_size: old,
                        proof: &request.proof,
                        request: &request.to_body(),
                        checkpoint: note,
                    },
                )?;
                return Ok(WitnessResult::Inconsistent { message, evidence });
            }
            Answer::Refused { status, message } => {
                return Ok(WitnessResult::Refused(format!("{status}: {message}")));
            }
            Answer::Unreachable(e) => return Ok(WitnessResult::Unreachable(e)),
        }
    }
    Ok(WitnessResult::Refused(format!(
        "answered 409 {MAX_ATTEMPTS} times in a row; try again later"
    )))
}

struct Evidence<'a> {
    kind: &'static str,
    status: u16,
    answer: &'a str,
    old_size: u64,
    proof: &'a [claimledger::Hash],
    request: &'a str,
    checkpoint: &'a str,
}

/// Write an evidence file (FORMAT.md §16.4) and return its path.
fn write_evidence(
    ledger: &Ledger,
    dir: &Path,
    w: &ConfiguredWitness,
    e: Evidence<'_>,
) -> claimledger::Result<PathBuf> {
    let b64 = base64::engine::general_purpose::STANDARD;
    // What this ledger holds at the witness's size: the checkpoint it cosigned, if we have it.
    let witness_checkpoint = ledger.checkpoint(Some(e.old_size)).ok().map(|c| c.note);
    let doc = json!({
        "format": EVIDENCE_FORMAT,
        "kind": e.kind,
        "observed_at": claimledger::format::time::now_rfc3339(),
        "witness": {"vkey": w.key.to_string(), "url": w.url},
        "status": e.status,
        "answer": e.answer,
        "old_size": e.old_size,
        "old_checkpoint": witness_checkpoint,
        "consistency_proof": e.proof.iter().map(|h| b64.encode(h)).collect::<Vec<_>>(),
        "checkpoint": e.checkpoint,
        "request": e.request,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("evidence is strings and numbers");
    text.push('\n');
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = dir.join(format!(
        "witness-evidence-{}-{}-{stamp}.json",
        w.key.key_id(),
        e.kind
    ));
    std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&path, text))
        .map_err(|source| claimledger::Error::Io {
            path: path.clone(),
            source,
        })?;
    Ok(path)
}

/// The folder evidence goes to: `--evidence-dir`, else the ledger file's folder.
pub fn evidence_dir(ctx: &Ctx, given: Option<&Path>) -> PathBuf {
    match given {
        Some(d) => d.to_path_buf(),
        None => ctx
            .ledger
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    }
}

pub fn run(ctx: &Ctx, args: CosignArgs) -> Result<Outcome> {
    let mut ledger = ctx.open()?;
    if ledger.witnesses()?.is_empty() {
        bail!("no witnesses are configured\nhint: add one with 'claimledger witness add URL VKEY'");
    }
    let dir = evidence_dir(ctx, args.evidence_dir.as_deref());
    let report = cosign_latest(&mut ledger, Duration::from_secs(args.timeout), &dir)
        .context("cosigning the latest checkpoint")?;
    if ctx.json {
        print_json(&report_json(&report))?;
    } else {
        print_report(&report)?;
    }
    if report.inconsistent() {
        return Ok(Outcome::VerificationFailed);
    }
    if report.policy_met == Some(false) {
        bail!(
            "the witness policy is not met for the checkpoint at size {}\nhint: check the witnesses above, then run 'claimledger cosign' again",
            report.size
        );
    }
    Ok(Outcome::Ok)
}

pub fn print_report(report: &Report) -> Result<()> {
    for (w, r) in &report.results {
        // Names and messages come from the network and the ledger: escaped (docs/CLI.md).
        let name = Shown(w.key.name());
        match r {
            WitnessResult::Cosigned => out!("{name}: cosigned size {} ✓", report.size),
            WitnessResult::Inconsistent { message, evidence } => {
                eprintln!(
                    "claimledger: WITNESS SAW ANOTHER HISTORY: {}",
                    Shown(message)
                );
                eprintln!("  evidence written to {}", Shown(evidence.display()));
                out!(
                    "{name}: INCONSISTENT ✗ (evidence: {})",
                    Shown(evidence.display())
                );
            }
            WitnessResult::Refused(m) => out!("{name}: refused ✗ ({})", Shown(m)),
            WitnessResult::Unreachable(m) => out!("{name}: unreachable ✗ ({})", Shown(m)),
        }
    }
    match report.policy_met {
        Some(true) => out!("witness policy met for size {}", report.size),
        Some(false) => out!("witness policy NOT met for size {}", report.size),
        None => {}
    }
    Ok(())
}

pub fn report_json(report: &Report) -> Value {
    let results: Vec<Value> = report
        .results
        .iter()
        .map(|(w, r)| {
            let (status, message, evidence) = match r {
                WitnessResult::Cosigned => ("cosigned", None, None),
                WitnessResult::Inconsistent { message, evidence } => (
                    "inconsistent",
                    Some(message.clone()),
                    Some(evidence.clone()),
                ),
                WitnessResult::Refused(m) => ("refused", Some(m.clone()), None),
                WitnessResult::Unreachable(m) => ("unreachable", Some(m.clone()), None),
            };
            json!({"vkey": w.key.to_string(), "name": w.key.name(), "url": w.url,
                   "status": status, "message": message, "evidence": evidence})
        })
        .collect();
    json!({"size": report.size, "policy_met": report.policy_met, "witnesses": results})
}

/// `serve`'s background cosigner: appends [`Background::poke`] it (never blocking); a thread
/// waits `batch` after the first poke, so a burst of appends is cosigned once, then sends the
/// latest checkpoint to the witnesses on its own connection. Appends never wait for witnesses.
pub struct Background {
    wake: std::sync::mpsc::Sender<()>,
}

impl Background {
    /// Start the thread for the ledger at `path`. It ends when the `Background` is dropped.
    pub fn start(
        path: PathBuf,
        evidence_dir: PathBuf,
        timeout: Duration,
        batch: Duration,
    ) -> Background {
        let (wake, woken) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            while woken.recv().is_ok() {
                std::thread::sleep(batch);
                // Every append during the wait is covered by this one round.
                while woken.try_recv().is_ok() {}
                background_round(&path, &evidence_dir, timeout);
            }
        });
        Background { wake }
    }

    /// Ask for a cosigning round soon. Never blocks.
    pub fn poke(&self) {
        let _ = self.wake.send(());
    }
}

fn background_round(path: &Path, evidence_dir: &Path, timeout: Duration) {
    let run = || -> claimledger::Result<Option<Report>> {
        let mut ledger = Ledger::open(path)?;
        if ledger.witnesses()?.is_empty() {
            return Ok(None);
        }
        cosign_latest(&mut ledger, timeout, evidence_dir).map(Some)
    };
    match run() {
        Ok(None) => {}
        Ok(Some(report)) => {
            for (w, r) in &report.results {
                match r {
                    WitnessResult::Cosigned => {}
                    WitnessResult::Inconsistent { message, evidence } => eprintln!(
                        "claimledger serve: WITNESS SAW ANOTHER HISTORY: {}; evidence written to {}",
                        Shown(message),
                        Shown(evidence.display())
                    ),
                    WitnessResult::Refused(m) | WitnessResult::Unreachable(m) => eprintln!(
                        "claimledger serve: witness {} did not cosign size {}: {}",
                        Shown(w.key.name()),
                        report.size,
                        Shown(m)
                    ),
                }
            }
            if report.policy_met == Some(false) {
                eprintln!(
                    "claimledger serve: the checkpoint at size {} does not meet the witness policy yet",
                    report.size
                );
            }
        }
        Err(e) => eprintln!("claimledger serve: cosigning: {}", Shown(e)),
    }
}
