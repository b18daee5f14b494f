//! `claimledger witness …`: run claimledger as a C2SP tlog-witness, and manage the witnesses this
//! ledger asks to cosign (configuration: add, list, remove, quorum).
//!
//! One enum for the whole group, so each subcommand is one variant and one function here.

use super::output::{print_json, table};
use super::{Ctx, Outcome, Shown};
use anyhow::{Context, Result, bail};
use claimledger::WitnessSigner;
use claimledger::format::cosignature::WitnessKey;
use claimledger::format::witness::parse_log_list;
use claimledger::ledger::keyfile;
use claimledger::witness::Witness;
use clap::{Args, Subcommand};
use serde_json::json;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Subcommand, Debug)]
pub enum WitnessCommand {
    /// Run a C2SP tlog-witness for other logs: cosign each checkpoint that is consistent with
    /// the last one cosigned (POST /add-checkpoint). The witness key is --key.
    Serve(ServeArgs),
    /// Print the witness verifier key (vkey type 0x04) of a private key file.
    Key {
        /// An ordinary claimledger private key file.
        file: PathBuf,
    },
    /// Add a witness for this ledger (or change its URL): `cosign` will ask it to cosign.
    Add {
        /// Its tlog-witness prefix URL; requests go to URL/add-checkpoint.
        url: String,
        /// Its cosignature verifier key (C2SP vkey text, type 0x04).
        vkey: String,
    },
    /// List this ledger's witnesses, the quorum, and the last size each cosigned.
    List,
    /// Remove a witness of this ledger; the cosignatures it gave stay stored.
    Remove {
        /// Its cosignature verifier key.
        vkey: String,
    },
    /// Require K of this ledger's witnesses to cosign (default 1).
    Quorum {
        /// How many distinct witnesses must cosign a checkpoint.
        k: usize,
    },
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on; loopback by default. Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:7380")]
    pub listen: String,
    /// The logs to witness: one log verifier key per line (its name is the log's origin).
    #[arg(long)]
    pub logs: PathBuf,
    /// The witness's state file (SQLite; created if missing). Never a ledger file.
    #[arg(long)]
    pub db: PathBuf,
}

pub fn run(ctx: &Ctx, cmd: WitnessCommand) -> Result<Outcome> {
    match cmd {
        WitnessCommand::Serve(args) => serve(ctx, args),
        WitnessCommand::Key { file } => key(ctx, &file),
        WitnessCommand::Add { url, vkey } => add(ctx, &url, &vkey),
        WitnessCommand::List => list(ctx),
        WitnessCommand::Remove { vkey } => remove(ctx, &vkey),
        WitnessCommand::Quorum { k } => quorum(ctx, k),
    }
}

fn signer(path: &Path) -> Result<WitnessSigner> {
    let key = keyfile::read_signing_key(path)
        .with_context(|| format!("reading the witness key {}", path.display()))?;
    Ok(WitnessSigner::new(key))
}

fn key(ctx: &Ctx, file: &Path) -> Result<Outcome> {
    let wk = signer(file)?.witness_key();
    if ctx.json {
        print_json(&json!({
            "name": wk.name(),
            "key_id": wk.key_id().to_string(),
            "witness_key": wk.to_string(),
            "path": file,
        }))?;
    } else {
        out!("{wk}");
    }
    Ok(Outcome::Ok)
}

fn serve(ctx: &Ctx, args: ServeArgs) -> Result<Outcome> {
    let Some(key_path) = &ctx.key else {
        bail!(
            "witness serve needs --key FILE: the private key the witness cosigns with\nhint: create one with 'claimledger key generate --name witness.example/w1 --out witness.key'"
        );
    };
    let signer = signer(key_path)?;
    let text = std::fs::read_to_string(&args.logs)
        .with_context(|| format!("reading the log list {}", args.logs.display()))?;
    let logs =
        parse_log_list(&text).with_context(|| format!("log list {}", args.logs.display()))?;
    let witness =
        Witness::open(&args.db, signer, logs.clone()).context("opening the witness state")?;
    let witness_key = witness.witness_key();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the HTTP runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("listening on {} (is the port in use?)", args.listen))?;
        let addr = listener.local_addr().context("reading the bound address")?;
        if ctx.json {
            out!(
                "{}",
                json!({
                    "witness_key": witness_key.to_string(),
                    "listening": format!("http://{addr}"),
                    "logs": logs.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                })
            );
        } else {
            out!("witness key {witness_key}");
            for log in &logs {
                out!("witnessing {}", Shown(log));
            }
            // Tests and scripts read up to this line to learn the port.
            out!("listening on http://{addr}");
        }
        std::io::stdout().flush().map_err(super::stdout_failed)?;
        claimledger::witness::http::serve(
            listener,
            Arc::new(witness),
            super::serve::shutdown_signal(),
        )
        .await;
        anyhow::Ok(())
    })?;
    drop(runtime);
    eprintln!("claimledger witness: stopped");
    Ok(Outcome::Ok)
}

/// A witness's cosignature verifier key from the command line.
///
/// Errors never echo the argument: someone may paste a private key here by mistake.
pub fn witness_key_arg(text: &str) -> Result<WitnessKey> {
    let text = text.trim();
    if text.starts_with("PRIVATE+KEY+") {
        bail!("that is a private key, not a witness verifier key: never share it");
    }
    text.parse::<WitnessKey>().context(
        "not a witness verifier key (name+hex8+base64 of 0x04 || public key)\nhint: ask the witness operator for its cosignature vkey (litewitness prints it at start; 'claimledger witness key FILE' for ours)",
    )
}

fn add(ctx: &Ctx, url: &str, vkey: &str) -> Result<Outcome> {
    let key = witness_key_arg(vkey)?;
    let mut ledger = ctx.open()?;
    let new = ledger.add_witness(url, &key)?;
    if ctx.json {
        print_json(&json!({"vkey": key.to_string(), "url": url, "added": new}))?;
    } else if new {
        out!("added witness {} at {}", Shown(key.name()), Shown(url));
    } else {
        out!("witness {} now at {}", Shown(key.name()), Shown(url));
    }
    Ok(Outcome::Ok)
}

fn list(ctx: &Ctx) -> Result<Outcome> {
    let ledger = ctx.open()?;
    let witnesses = ledger.witnesses()?;
    let quorum = ledger.witness_quorum()?;
    let mut rows = Vec::new();
    for w in &witnesses {
        rows.push((w, ledger.last_cosigned_size(&w.key)?));
    }
    if ctx.json {
        print_json(&json!({
            "quorum": quorum,
            "witnesses": rows.iter().map(|(w, last)| json!({
                "vkey": w.key.to_string(), "name": w.key.name(), "url": w.url,
                "added_at": w.added_at, "last_cosigned_size": last,
            })).collect::<Vec<_>>(),
        }))?;
    } else if witnesses.is_empty() {
        out!("(no witnesses; add one with 'claimledger witness add URL VKEY')");
    } else {
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|(w, last)| {
                vec![
                    w.key.name().to_string(),
                    w.url.clone(),
                    last.map_or("-".into(), |n| n.to_string()),
                    w.key.to_string(),
                ]
            })
            .collect();
        outp!(
            "{}",
            table(&["witness", "url", "last cosigned", "vkey"], &cells)
        );
        out!("quorum: {} of {}", quorum, witnesses.len());
    }
    Ok(Outcome::Ok)
}

fn remove(ctx: &Ctx, vkey: &str) -> Result<Outcome> {
    let key = witness_key_arg(vkey)?;
    let mut ledger = ctx.open()?;
    if !ledger.remove_witness(&key)? {
        bail!(
            "witness {} is not configured\nhint: 'claimledger witness list' shows the configured witnesses",
            key.name()
        );
    }
    if ctx.json {
        print_json(&json!({"vkey": key.to_string(), "removed": true}))?;
    } else {
        out!(
            "removed witness {} (its stored cosignatures stay)",
            Shown(key.name())
        );
    }
    Ok(Outcome::Ok)
}

fn quorum(ctx: &Ctx, k: usize) -> Result<Outcome> {
    let mut ledger = ctx.open()?;
    ledger.set_witness_quorum(k)?;
    let n = ledger.witnesses()?.len();
    if ctx.json {
        print_json(&json!({"quorum": k, "witnesses": n}))?;
    } else {
        out!("quorum: {k} of {n} witnesses");
    }
    Ok(Outcome::Ok)
}
