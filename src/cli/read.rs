//! Commands that read: info, show, history, log, search, figures.

use super::output::{
    checkpoint_json, entry_json_in, entry_text, figures_json, figures_table, history_json,
    history_text, print_json, recorder,
};
use super::{Ctx, Outcome, Shown};
use anyhow::{Context, Result};
use claimledger::Entry;
use serde_json::{Value, json};

/// `info`: what a newcomer needs again after `init` scrolled away.
pub fn info(ctx: &Ctx) -> Result<Outcome> {
    let ledger = ctx.open_read()?;
    let size = ledger.size()?;
    let checkpoint = match ledger.checkpoint(None) {
        Ok(cp) => Some(cp),
        // The one error of `checkpoint(None)` that is not a failure: none signed yet.
        Err(claimledger::Error::Size(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let operator_key = ctx.operator_key.clone().or(ledger.operator_key_path()?);
    let path = std::fs::canonicalize(ledger.path()).unwrap_or_else(|_| ledger.path().into());
    let configured = ledger.witnesses()?;
    let quorum = ledger.witness_quorum()?;
    let witnesses: Vec<Value> = configured
        .iter()
        .map(|w| json!({"vkey": w.key.to_string(), "url": w.url, "added_at": w.added_at}))
        .collect();
    if ctx.json {
        print_json(&json!({
            "ledger_path": path,
            "origin": ledger.origin(),
            "log_vkey": ledger.log_key().to_string(),
            "size": size,
            "checkpoint": checkpoint.as_ref().map(|cp| checkpoint_json(cp, ledger.log_key())),
            "operator_key_path": operator_key,
            "operator_key_found": operator_key.as_deref().is_some_and(std::path::Path::is_file),
            "witnesses": witnesses,
            "witness_quorum": (!configured.is_empty()).then_some(quorum),
        }))?;
        return Ok(Outcome::Ok);
    }
    out!("ledger        {}", Shown(path.display()));
    out!("origin        {}", Shown(ledger.origin()));
    out!("log key       {}", ledger.log_key());
    out!("              (publish it; verifiers pin it: verify-receipt --log-key, audit --log-key)");
    out!("size          {size} entries");
    match &checkpoint {
        Some(cp) => out!(
            "checkpoint    size {}, root {}{}",
            cp.checkpoint.size,
            hex::encode(cp.checkpoint.root),
            if cp.checkpoint.size < size {
                format!(
                    " ({} entries not covered yet: checkpoint --sign)",
                    size - cp.checkpoint.size
                )
            } else {
                String::new()
            }
        ),
        None => out!("checkpoint    none signed yet (checkpoint --sign)"),
    }
    match &operator_key {
        Some(p) if p.is_file() => out!("operator key  {}", Shown(p.display())),
        Some(p) => out!("operator key  {} (not found here)", Shown(p.display())),
        None => out!("operator key  none recorded (pass --operator-key FILE)"),
    }
    if configured.is_empty() {
        out!("witnesses     none (claimledger witness add URL VKEY)");
    } else {
        out!(
            "witnesses     {} configured; a checkpoint needs {quorum} of their cosignatures",
            configured.len()
        );
        for w in &configured {
            out!("              {} {}", Shown(&w.key), Shown(&w.url));
        }
    }
    Ok(Outcome::Ok)
}

pub fn show(ctx: &Ctx, reference: &str) -> Result<Outcome> {
    let ledger = ctx.open_read()?;
    let idx = ledger.resolve(reference)?;
    let entry = ledger.entry(idx)?;
    let book = ledger.key_book()?;
    if ctx.json {
        print_json(&entry_json_in(&book, &entry))?;
    } else {
        outp!("{}", entry_text(&entry, &recorder(&book, &entry), ""));
    }
    Ok(Outcome::Ok)
}

pub fn history(ctx: &Ctx, reference: &str) -> Result<Outcome> {
    let ledger = ctx.open_read()?;
    let idx = ledger.resolve(reference)?;
    let h = ledger.history(idx)?;
    let book = ledger.key_book()?;
    if ctx.json {
        print_json(&history_json(&h, &book))?;
        return Ok(Outcome::Ok);
    }
    outp!("{}", history_text(&h, &book));
    Ok(Outcome::Ok)
}

fn list(ctx: &Ctx, entries: &[Entry], book: &claimledger::ledger::keybook::KeyBook) -> Result<()> {
    if ctx.json {
        print_json(&Value::Array(
            entries.iter().map(|e| entry_json_in(book, e)).collect(),
        ))?;
    } else {
        for e in entries {
            outp!("{}", entry_text(e, &recorder(book, e), ""));
        }
        if entries.is_empty() {
            out!("(nothing)");
        }
    }
    Ok(())
}

pub fn log(ctx: &Ctx, from: u64, limit: u64) -> Result<Outcome> {
    let ledger = ctx.open_read()?;
    let entries = ledger.log(from, limit)?;
    list(ctx, &entries, &ledger.key_book()?)?;
    Ok(Outcome::Ok)
}

pub fn search(ctx: &Ctx, text: &str, limit: u64) -> Result<Outcome> {
    let ledger = ctx.open_read()?;
    let entries = ledger.search(text, limit)?;
    list(ctx, &entries, &ledger.key_book()?)?;
    Ok(Outcome::Ok)
}

pub fn figures(ctx: &Ctx, subject: Option<&str>, property: Option<&str>) -> Result<Outcome> {
    let ledger = ctx.open_read()?;
    let rows = ledger.figures(subject, property)?;
    if ctx.json {
        print_json(&figures_json(&rows))?;
        return Ok(Outcome::Ok);
    }
    if rows.is_empty() {
        out!("(no figures)");
    } else {
        outp!("{}", figures_table(&rows));
    }
    // Figures are part of a payload: a withheld entry's are withheld with it, and said so.
    for (index, w) in ledger.withheld_entries()? {
        out!("#{index}: figures {w}");
    }
    Ok(Outcome::Ok)
}

pub fn export(ctx: &Ctx, out: Option<&std::path::Path>) -> Result<Outcome> {
    let ledger = ctx.open_read()?;
    let n = match out {
        Some(path) => {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
            let n = ledger.export(std::io::BufWriter::new(&f))?;
            f.sync_all()
                .with_context(|| format!("writing {}", path.display()))?;
            n
        }
        None => ledger.export(std::io::BufWriter::new(std::io::stdout().lock()))?,
    };
    if out.is_some() {
        if ctx.json {
            print_json(&json!({"exported": n, "path": out}))?;
        } else {
            eprintln!("exported {n} entries");
        }
    }
    Ok(Outcome::Ok)
}
