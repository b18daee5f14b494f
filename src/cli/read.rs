//! Commands that read: show, history, log, search, figures.

use super::output::{
    entry_json_in, entry_text, figures_json, figures_table, history_json, history_text, print_json,
    recorder,
};
use super::{Ctx, Outcome};
use anyhow::{Context, Result};
use claimledger::Entry;
use serde_json::{Value, json};

pub fn show(ctx: &Ctx, reference: &str) -> Result<Outcome> {
    let ledger = ctx.open()?;
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
    let ledger = ctx.open()?;
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
    let ledger = ctx.open()?;
    let entries = ledger.log(from, limit)?;
    list(ctx, &entries, &ledger.key_book()?)?;
    Ok(Outcome::Ok)
}

pub fn search(ctx: &Ctx, text: &str, limit: u64) -> Result<Outcome> {
    let ledger = ctx.open()?;
    let entries = ledger.search(text, limit)?;
    list(ctx, &entries, &ledger.key_book()?)?;
    Ok(Outcome::Ok)
}

pub fn figures(ctx: &Ctx, subject: Option<&str>, property: Option<&str>) -> Result<Outcome> {
    let ledger = ctx.open()?;
    let rows = ledger.figures(subject, property)?;
    if ctx.json {
        print_json(&figures_json(&rows))?;
    } else if rows.is_empty() {
        out!("(no figures)");
    } else {
        outp!("{}", figures_table(&rows));
    }
    Ok(Outcome::Ok)
}

pub fn export(ctx: &Ctx, out: Option<&std::path::Path>) -> Result<Outcome> {
    let ledger = ctx.open()?;
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
