//! `claimledger witness …`: run claimledger as a C2SP tlog-witness, and manage witnesses.
//!
//! One enum for the whole group, so each subcommand is one variant and one function here.

use super::output::print_json;
use super::{Ctx, Outcome};
use anyhow::{Context, Result, bail};
use claimledger::WitnessSigner;
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
                out!("witnessing {log}");
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
