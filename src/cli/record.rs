//! Commands that write: init, key management, claims and statements.

use super::args::{
    ClaimArgs, KeyCommand, RatingArgs, RecordArgs, SignClaimArgs, SignStatementArgs, StatementArgs,
};
use super::output::{Shown, entry_json, entry_text, key_json, print_json, table};
use super::{Ctx, Outcome, read_input, vkey_arg, write_new};
use anyhow::{Context, Result, bail};
use claimledger::format::entry::Payload;

use claimledger::ledger::keyfile;
use claimledger::{
    Appended, Claim, CreateOptions, Entry, Figure, Kind, Ledger, Party, PartyType, Rating,
    SignedEntry, SigningKey, Source, Stance, Statement, Target,
};
use clap::ArgMatches;
use serde_json::json;
use std::path::Path;

pub fn init(ctx: &Ctx, origin: &str) -> Result<Outcome> {
    if ctx.ledger.exists() {
        bail!(
            "{} already exists; claimledger never overwrites a ledger (choose another --ledger path)",
            ctx.ledger.display()
        );
    }
    let key_path = ctx
        .operator_key
        .clone()
        .unwrap_or_else(|| default_operator_key_path(&ctx.ledger));
    let (key, created) = if key_path.exists() {
        let k = keyfile::read_signing_key(&key_path)
            .with_context(|| format!("reading operator key {}", key_path.display()))?;
        if k.name() != origin {
            bail!(
                "operator key {} is named {:?}, but the origin is {origin:?}; the checkpoint key name must equal the origin",
                key_path.display(),
                k.name()
            );
        }
        (k, false)
    } else {
        let k = SigningKey::generate(origin)
            .with_context(|| format!("{origin:?} cannot be a ledger origin"))?;
        (k, true)
    };
    let abs_key = std::path::absolute(&key_path).unwrap_or(key_path.clone());
    // A new key file is written by create_with once the ledger path is ours: of concurrent
    // `init`s only the winner writes one, and a loser never removes the winner's.
    let ledger = Ledger::create_with(
        &ctx.ledger,
        &key,
        CreateOptions {
            operator_key_path: Some(abs_key.clone()),
            write_operator_key: created,
            ..Default::default()
        },
    )
    .with_context(|| format!("creating ledger {}", ctx.ledger.display()))?;
    if ctx.json {
        print_json(&json!({
            "origin": ledger.origin(),
            "log_vkey": ledger.log_key().to_string(),
            "operator_key_path": abs_key,
            "ledger_path": std::path::absolute(&ctx.ledger).unwrap_or(ctx.ledger.clone()),
            "operator_key_created": created,
        }))?;
    } else {
        out!(
            "created ledger {} (origin {})",
            Shown(ctx.ledger.display()),
            Shown(ledger.origin())
        );
        out!("log key (publish this; verifiers pin it):");
        out!("  {}", Shown(ledger.log_key()));
        out!(
            "operator key: {}{}",
            Shown(abs_key.display()),
            if created { " (new, mode 0600)" } else { "" }
        );
    }
    Ok(Outcome::Ok)
}

fn default_operator_key_path(ledger: &Path) -> std::path::PathBuf {
    let mut p = ledger.as_os_str().to_owned();
    p.push(".operator.key");
    p.into()
}

pub fn key(ctx: &Ctx, cmd: KeyCommand) -> Result<Outcome> {
    match cmd {
        KeyCommand::Generate { name, out } => {
            let key = SigningKey::generate(&name)
                .with_context(|| format!("{name:?} cannot be a key name (no spaces or '+')"))?;
            keyfile::write_signing_key(&out, &key)
                .with_context(|| format!("writing {}", out.display()))?;
            let vk = key.verifying_key();
            if ctx.json {
                print_json(&key_json(&vk, &out))?;
            } else {
                out!("{}", Shown(&vk));
                eprintln!(
                    "private key written to {} (mode 0600)",
                    Shown(out.display())
                );
            }
        }
        KeyCommand::Show { file } => {
            let key = keyfile::read_signing_key(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let vk = key.verifying_key();
            if ctx.json {
                print_json(&key_json(&vk, &file))?;
            } else {
                out!("{}", Shown(&vk));
            }
        }
        KeyCommand::Grant { vkey, name, role } => {
            let vk = vkey_arg(&vkey)?;
            let mut ledger = ctx.open_as_operator("key grants are")?;
            let done = ledger
                .grant(&vk, &name, &role)
                .context("granting the key")?;
            print_appended(ctx, &done, None)?;
        }
        KeyCommand::Revoke { vkey, reason } => {
            let vk = vkey_arg(&vkey)?;
            let mut ledger = ctx.open_as_operator("key revocations are")?;
            let done = ledger.revoke(&vk, &reason).context("revoking the key")?;
            print_appended(ctx, &done, None)?;
        }
        KeyCommand::List => {
            let ledger = ctx.open_read()?;
            let keys = ledger.keys()?;
            if ctx.json {
                print_json(&serde_json::Value::Array(
                    keys.iter()
                        .map(|k| {
                            json!({
                                "name": k.name, "role": k.role, "vkey": k.vkey.to_string(),
                                "key_id": k.vkey.key_id().to_string(), "granted_at": k.granted_at,
                                "revoked_at": k.revoked.as_ref().map(|r| r.0),
                                "revocation_reason": k.revoked.as_ref().map(|r| r.1.clone()),
                                "status": if k.revoked.is_some() { "revoked" } else { "active" },
                            })
                        })
                        .collect(),
                ))?;
            } else {
                let rows: Vec<Vec<String>> = keys
                    .iter()
                    .map(|k| {
                        vec![
                            k.name.clone(),
                            k.role.clone(),
                            k.vkey.key_id().to_string(),
                            format!("#{}", k.granted_at),
                            match &k.revoked {
                                Some((at, why)) => format!("revoked at #{at}: {why}"),
                                None => "active".into(),
                            },
                            k.vkey.to_string(),
                        ]
                    })
                    .collect();
                outp!(
                    "{}",
                    table(
                        &["name", "role", "key id", "granted", "status", "vkey"],
                        &rows
                    )
                );
            }
        }
    }
    Ok(Outcome::Ok)
}

pub fn claim_add(ctx: &Ctx, a: ClaimArgs, m: &ArgMatches) -> Result<Outcome> {
    let key = ctx.signing_key()?;
    let (mut ledger, notice) = ctx.open_for_append()?;
    let payload = claim_payload(&a, m)?;
    let done = ledger
        .append(payload, &key)
        .context("recording the claim")?;
    print_appended(ctx, &done, notice)
}

/// The claim the flags (or --payload) describe.
fn claim_payload(a: &ClaimArgs, m: &ArgMatches) -> Result<Payload> {
    if let Some(path) = &a.payload {
        let bytes = read_input(path)?;
        return Ok(Payload::from_json(Kind::Claim, &bytes)
            .with_context(|| format!("reading claim payload {}", path.display()))?
            .0);
    }
    let subject = a
        .common
        .figure_subject
        .clone()
        .or_else(|| a.subjects.first().cloned());
    Ok(Payload::Claim(Claim {
        text: a.text.clone().unwrap_or_default(),
        claimant: party(
            a.claimant.as_deref().unwrap_or_default(),
            a.claimant_type,
            a.claimant_same_as.clone(),
        ),
        claimed_on: a.claimed_on.clone(),
        sources: sources(&a.common, m)?,
        subjects: a.subjects.clone(),
        figures: figures(&a.common, subject.as_deref())?,
    }))
}

pub fn statement(
    ctx: &Ctx,
    stance: Stance,
    a: StatementArgs,
    m: Option<&ArgMatches>,
) -> Result<Outcome> {
    let key = ctx.signing_key()?;
    let (mut ledger, notice) = ctx.open_for_append()?;
    // resolve's errors name the reference and what exists; no context needed.
    let target = ledger.resolve(&a.reference)?;
    let target_entry = ledger.entry(target)?;
    let statement = statement_payload(stance, &a, m, Some(&target_entry))?;
    let done = ledger
        .append_statement(target, statement, &key)
        .context("recording the statement")?;
    print_appended(ctx, &done, notice)
}

/// The statement the flags (or --payload) describe. `target` supplies the default figure
/// subject when it is known.
fn statement_payload(
    stance: Stance,
    a: &StatementArgs,
    m: Option<&ArgMatches>,
    target: Option<&Entry>,
) -> Result<Statement> {
    if let Some(path) = &a.payload {
        let bytes = read_input(path)?;
        return match Payload::from_json(Kind::Statement, &bytes)
            .with_context(|| format!("reading statement payload {}", path.display()))?
            .0
        {
            Payload::Statement(s) if s.stance == stance => Ok(s),
            Payload::Statement(s) => bail!(
                "the payload's stance is {:?} but the command records {:?}",
                s.stance.as_str(),
                stance.as_str()
            ),
            _ => unreachable!("from_json(Kind::Statement) yields a statement"),
        };
    }
    let subject = match &a.common.figure_subject {
        Some(s) => Some(s.clone()),
        None if !a.common.figures.is_empty() => target.and_then(claimledger::ledger::first_subject),
        None => None,
    };
    let m = m.context("statement arguments")?;
    Ok(Statement {
        stance,
        text: a.text.clone().unwrap_or_default(),
        speaker: party(
            a.speaker.as_deref().unwrap_or_default(),
            a.speaker_type,
            a.speaker_same_as.clone(),
        ),
        stated_on: a.stated_on.clone(),
        sources: sources(&a.common, m)?,
        figures: figures(&a.common, subject.as_deref())?,
        rating: rating(&a.rating),
    })
}

/// The --rating flags as a rating (none without --rating; the payload rules check the rest).
fn rating(r: &RatingArgs) -> Option<Rating> {
    r.rating.as_ref().map(|label| Rating {
        label: label.clone(),
        value: r.rating_value,
        best: r.best_rating,
        worst: r.worst_rating,
        review_url: r.review_url.clone(),
    })
}

/// `sign claim`: sign offline and write an import line.
pub fn sign_claim(ctx: &Ctx, a: SignClaimArgs, m: &ArgMatches) -> Result<Outcome> {
    let key = ctx.signing_key()?;
    let payload = claim_payload(&a.claim, m)?;
    let signed = SignedEntry::sign(payload, None, &key).context("signing the claim")?;
    write_line(ctx, &signed, a.out.as_deref())
}

/// `sign contest|support|…`: sign offline against a target named by index and leaf hash, or
/// looked up (read only) in the ledger.
pub fn sign_statement(
    ctx: &Ctx,
    stance: Stance,
    a: SignStatementArgs,
    m: Option<&ArgMatches>,
) -> Result<Outcome> {
    let key = ctx.signing_key()?;
    let reference = &a.statement.reference;
    let (target, target_entry) = match &a.target_leaf_hash {
        Some(hash) => {
            let digits = reference
                .trim()
                .strip_prefix('#')
                .unwrap_or(reference.trim());
            let index: u64 = digits.parse().ok().filter(|_| digits.bytes().all(|b| b.is_ascii_digit())).with_context(|| {
                format!("with --target-leaf-hash, REF must be the target's index (12 or #12), not {reference:?}")
            })?;
            let leaf_hash = hex::decode(hash.trim())
                .ok()
                .and_then(|v| <[u8; 32]>::try_from(v).ok())
                .context(
                    "--target-leaf-hash must be 64 hex digits (as 'claimledger show REF' prints)",
                )?;
            (Target { index, leaf_hash }, None)
        }
        None => {
            let ledger = ctx.open_read().context(
                "REF is looked up in the ledger; pass --target-leaf-hash HEX to sign without one",
            )?;
            let idx = ledger.resolve(reference)?;
            let entry = ledger.entry(idx)?;
            (entry.as_target(), Some(entry))
        }
    };
    let statement = statement_payload(stance, &a.statement, m, target_entry.as_ref())?;
    let signed =
        SignedEntry::sign(statement, Some(target), &key).context("signing the statement")?;
    write_line(ctx, &signed, a.out.as_deref())
}

/// Write one import line, to a new file or standard output.
pub fn write_line(ctx: &Ctx, signed: &SignedEntry, out: Option<&Path>) -> Result<Outcome> {
    let mut line = serde_json::to_string(&signed.to_line()).context("encoding the line")?;
    line.push('\n');
    let leaf = hex::encode(signed.envelope().leaf_hash());
    match out {
        Some(path) => {
            write_new(path, line.as_bytes())?;
            if ctx.json {
                print_json(&json!({"path": path, "leaf_hash": leaf}))?;
            } else {
                eprintln!(
                    "signed {} {leaf} written to {}; submit it with POST /v1/entries or 'claimledger import'",
                    signed.envelope().kind().as_str(),
                    Shown(path.display())
                );
            }
        }
        None => outp!("{line}"),
    }
    Ok(Outcome::Ok)
}

fn party(name: &str, party_type: PartyType, same_as: Option<String>) -> Party {
    Party {
        name: name.to_string(),
        party_type,
        same_as,
    }
}

/// Pair each --source-title/--publisher/… with the --source before it on the command line.
fn sources(r: &RecordArgs, m: &ArgMatches) -> Result<Vec<Source>> {
    let positions: Vec<usize> = m
        .indices_of("sources")
        .map(|i| i.collect())
        .unwrap_or_default();
    let mut out: Vec<Source> = r
        .sources
        .iter()
        .map(|url| Source {
            url: url.clone(),
            ..Default::default()
        })
        .collect();
    let mut attach = |id: &str, flag: &str, values: &[String], set: fn(&mut Source, String)| {
        let idx: Vec<usize> = m.indices_of(id).map(|i| i.collect()).unwrap_or_default();
        for (pos, value) in idx.into_iter().zip(values) {
            let Some(owner) = positions.iter().rposition(|&p| p < pos) else {
                bail!("{flag} must follow the --source it describes");
            };
            set(&mut out[owner], value.clone());
        }
        Ok(())
    };
    attach(
        "source_titles",
        "--source-title",
        &r.source_titles,
        |s, v| s.title = Some(v),
    )?;
    attach("publishers", "--publisher", &r.publishers, |s, v| {
        s.publisher = Some(v)
    })?;
    attach("published", "--published", &r.published, |s, v| {
        s.published = Some(v)
    })?;
    attach("quotes", "--quote", &r.quotes, |s, v| s.quote = Some(v))?;
    attach("archive_urls", "--archive-url", &r.archive_urls, |s, v| {
        s.archive_url = Some(v)
    })?;
    Ok(out)
}

/// Parse each `PROPERTY[@SCOPE]=AS_STATED`.
fn figures(r: &RecordArgs, subject: Option<&str>) -> Result<Vec<Figure>> {
    r.figures
        .iter()
        .map(|spec| {
            let Some((lhs, as_stated)) = spec.split_once('=') else {
                bail!("--figure {spec:?}: write PROPERTY=AS_STATED, e.g. 'training_cost=$5.6M' (or PROPERTY@SCOPE=AS_STATED)");
            };
            let (property, scope) = match lhs.split_once('@') {
                Some((p, s)) => (p.trim(), Some(s.trim())),
                None => (lhs.trim(), None),
            };
            let Some(subject) = subject else {
                bail!("--figure needs a subject: pass --subject or --figure-subject");
            };
            Figure::from_as_stated(subject, property, scope, as_stated.trim())
                .with_context(|| format!("--figure {spec:?}"))
        })
        .collect()
}

pub fn print_appended(ctx: &Ctx, done: &Appended, notice: Option<String>) -> Result<Outcome> {
    for w in &done.warnings {
        eprintln!("warning: {}", Shown(w));
    }
    if done.checkpoint.is_none() {
        if let Some(n) = notice {
            eprintln!("notice: {}", Shown(n));
        }
    }
    if ctx.json {
        print_json(&entry_json(&done.entry, &done.recorder))?;
    } else {
        outp!("{}", entry_text(&done.entry, &done.recorder, ""));
        if let Some(cp) = &done.checkpoint {
            out!(
                "checkpoint {} signed (root {})",
                cp.checkpoint.size,
                hex::encode(&cp.checkpoint.root[..4])
            );
        }
    }
    Ok(Outcome::Ok)
}

pub fn import(ctx: &Ctx, file: &Path, batch_size: usize) -> Result<Outcome> {
    let (mut ledger, notice) = ctx.open_for_append()?;
    let input: Box<dyn std::io::BufRead> = if file == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?,
        ))
    };
    let started = std::time::Instant::now();
    let report = ledger
        .import(input, claimledger::ImportOptions { batch_size })
        .with_context(|| format!("importing {}", file.display()))?;
    let secs = started.elapsed().as_secs_f64();
    if report.checkpoint.is_none() {
        if let Some(n) = notice {
            eprintln!("notice: {}", Shown(n));
        }
    }
    if ctx.json {
        print_json(&json!({
            "imported": report.imported, "batches": report.batches, "skipped": report.skipped,
            "size": report.size,
            "checkpoint_size": report.checkpoint.as_ref().map(|c| c.checkpoint.size),
            "seconds": secs,
        }))?;
    } else {
        out!(
            "imported {} entries in {} batches ({:.0} entries/s, {} already present); ledger size {}{}",
            report.imported,
            report.batches,
            report.imported as f64 / secs.max(1e-9),
            report.skipped,
            report.size,
            report
                .checkpoint
                .map(|c| format!("; checkpoint {} signed", c.checkpoint.size))
                .unwrap_or_default()
        );
    }
    Ok(Outcome::Ok)
}
