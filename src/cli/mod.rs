//! The command-line interface: one file per command group, all output through `output`.

/// `println!` that returns an error (a full disk, a closed pipe) instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*).map_err($crate::cli::stdout_failed)?
    }};
}

/// `print!` that returns an error instead of panicking.
macro_rules! outp {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*).map_err($crate::cli::stdout_failed)?
    }};
}

mod args;
mod bench;
mod claimreview;
mod config;
mod cosign;
mod demo;
mod evidence;
mod mirror;
mod output;
mod progress;
mod publish;
mod read;
mod record;
mod redact;
mod scale;
mod serve;
mod table;
mod verify;
mod witness;
mod witness_client;

use anyhow::{Context, Result, bail};
use args::{BenchCommand, Cli, Command};
use claimledger::ledger::keyfile;
use claimledger::{Ledger, SigningKey, VerifyingKey};
use clap::{CommandFactory, FromArgMatches};
pub use output::Shown;
use std::path::{Path, PathBuf};

/// How a command ended when it ran to completion.
pub enum Outcome {
    /// Everything checked out (exit 0).
    Ok,
    /// Something did not verify (exit 1).
    VerificationFailed,
}

/// Global options every command sees.
pub struct Ctx {
    pub ledger: PathBuf,
    pub key: Option<PathBuf>,
    /// `--key` was given on the command line (not only through CLAIMLEDGER_KEY).
    pub key_on_command_line: bool,
    pub operator_key: Option<PathBuf>,
    pub json: bool,
}

pub fn run() -> Result<Outcome> {
    let matches = Cli::command()
        .try_get_matches()
        .unwrap_or_else(|e| usage_error(e));
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| usage_error(e));
    let ctx = Ctx {
        ledger: cli.ledger(),
        key_on_command_line: matches.value_source("key")
            == Some(clap::parser::ValueSource::CommandLine),
        key: cli.key(),
        operator_key: cli.operator_key(),
        json: cli.json,
    };
    let sub = matches.subcommand().map(|(_, m)| m);
    match cli.command {
        Command::Init { origin } => record::init(&ctx, &origin),
        Command::Key(k) => record::key(&ctx, k),
        Command::Claim(args::ClaimCommand::Add(a)) => {
            let m = sub
                .and_then(|m| m.subcommand())
                .map(|(_, m)| m)
                .context("claim add arguments")?;
            record::claim_add(&ctx, a, m)
        }
        Command::Contest(a) => record::statement(&ctx, claimledger::Stance::Contests, a, sub),
        Command::Support(a) => record::statement(&ctx, claimledger::Stance::Supports, a, sub),
        Command::Correct(a) => record::statement(&ctx, claimledger::Stance::Corrects, a, sub),
        Command::Retract(a) => record::statement(&ctx, claimledger::Stance::Retracts, a, sub),
        Command::Qualify(a) => record::statement(&ctx, claimledger::Stance::Qualifies, a, sub),
        Command::Sign(cmd) => {
            let m = sub.and_then(|m| m.subcommand()).map(|(_, m)| m);
            use args::SignCommand as S;
            use claimledger::Stance;
            match cmd {
                S::Claim(a) => record::sign_claim(&ctx, a, m.context("sign claim arguments")?),
                S::Contest(a) => record::sign_statement(&ctx, Stance::Contests, a, m),
                S::Support(a) => record::sign_statement(&ctx, Stance::Supports, a, m),
                S::Correct(a) => record::sign_statement(&ctx, Stance::Corrects, a, m),
                S::Retract(a) => record::sign_statement(&ctx, Stance::Retracts, a, m),
                S::Qualify(a) => record::sign_statement(&ctx, Stance::Qualifies, a, m),
            }
        }
        Command::Redact(a) => redact::run(&ctx, a),
        Command::Serve(a) => serve::run(&ctx, a),
        Command::Publish { dest, full } => publish::run(&ctx, &dest, full),
        Command::Info => read::info(&ctx),
        Command::Witness(cmd) => witness::run(&ctx, cmd),
        Command::Show { reference } => read::show(&ctx, &reference),
        Command::History { reference } => read::history(&ctx, &reference),
        Command::Log { from, limit } => read::log(&ctx, from, limit),
        Command::Search { text, limit } => read::search(&ctx, &text, limit),
        Command::Figures { subject, property } => {
            read::figures(&ctx, subject.as_deref(), property.as_deref())
        }
        Command::Checkpoint { size, sign, list } => verify::checkpoint(&ctx, size, sign, list),
        Command::Cosign(a) => cosign::run(&ctx, a),
        Command::Prove(p) => verify::prove(&ctx, p),
        Command::Receipt { reference, out } => verify::receipt(&ctx, &reference, out.as_deref()),
        Command::VerifyReceipt {
            file,
            log_key,
            witnesses,
        } => verify::verify_receipt(&ctx, &file, &log_key, &witnesses),
        Command::VerifyEvidence {
            file,
            log_key,
            witnesses,
        } => evidence::verify(&ctx, &file, &log_key, &witnesses),
        Command::Audit {
            log_key,
            against,
            witnesses,
            resume,
            save_state,
        } => verify::audit(
            &ctx,
            log_key.as_deref(),
            against.as_deref(),
            &witnesses,
            verify::StateArgs {
                resume: resume.as_deref(),
                save: save_state.as_deref(),
            },
        ),
        Command::Mirror(a) => mirror::run(&ctx, a),
        Command::Import { file, batch_size } => record::import(&ctx, &file, batch_size),
        Command::Config(c) => config::run(&ctx, c),
        Command::Claimreview { reference } => claimreview::export(&ctx, &reference),
        Command::ImportClaimreview { file, strict } => claimreview::import(&ctx, &file, strict),
        Command::Export { jsonl: _, out } => read::export(&ctx, out.as_deref()),
        Command::Bench {
            limits_only: _,
            what: Some(BenchCommand::Scale { new, work }),
        } => scale::run(
            &ctx,
            scale::ScaleArgs {
                new: &new,
                work: &work,
            },
        ),
        Command::Bench {
            limits_only,
            what: None,
        } => bench::run(&ctx, limits_only),
        Command::Demo { dir } => demo::run(&ctx, dir.as_deref()),
    }
}

/// Print an argument-parser error with the `claimledger: error:` prefix every other error has
/// (docs/CLI.md, Output) and exit 2; `--help`, `--version` and the help shown for a command
/// group given alone (`claimledger key`) print as clap prints them. An error quotes the
/// arguments, so it is escaped (docs/CLI.md, "Text from entries on a terminal").
fn usage_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    // Display drops clap's colours; the text keeps its usage line and `--help` tip.
    let text = e.to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    eprintln!(
        "claimledger: error: {}",
        output::ShownLines(text.trim_end())
    );
    std::process::exit(2);
}

/// Why standard output could not be written. A closed pipe (`| head`) is not worth a message:
/// `main` exits quietly for it.
pub fn stdout_failed(e: std::io::Error) -> anyhow::Error {
    anyhow::Error::new(e).context("writing to standard output")
}

/// True when `err` is a closed standard output (EPIPE), which ends the command quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// An error that knows the next step; `main` prints it as a `hint:` line.
#[derive(Debug)]
pub struct Hinted {
    /// What went wrong.
    pub message: &'static str,
    /// What to do next.
    pub hint: &'static str,
}

impl std::fmt::Display for Hinted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for Hinted {}

/// A next step for errors people commonly meet.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    for cause in err.chain() {
        if let Some(h) = cause.downcast_ref::<Hinted>() {
            return Some(h.hint.into());
        }
        match cause.downcast_ref::<claimledger::Error>() {
            Some(claimledger::Error::NotFound { .. }) => {
                return Some(
                    "pass --ledger PATH (or set CLAIMLEDGER_LEDGER) to use another ledger".into(),
                );
            }
            Some(claimledger::Error::LedgerAltered { .. }) => {
                return Some(
                    "run 'claimledger audit' (add --against FILE with a checkpoint you published) to see what changed; restore the newest backup of the ledger file, then append again".into(),
                );
            }
            Some(claimledger::Error::AuditState(e)) => return Some(audit_state_hint(e)),
            Some(claimledger::Error::SignerState { .. }) => {
                return Some(
                    "the signer state beside the operator key records the last checkpoint it signed; restore it with the key from your backup (docs/THREAT-MODEL.md, \"Moving and restoring the operator key\")".into(),
                );
            }
            _ => {}
        }
        if let Some(e) = cause.downcast_ref::<claimledger::ledger::audit::AuditStateError>() {
            return Some(audit_state_hint(e));
        }
        if let Some(claimledger::objects::ObjectError::BadLocation { given, .. }) =
            cause.downcast_ref::<claimledger::objects::ObjectError>()
        {
            if given.contains("://") {
                return Some(
                    "a location is a directory, s3://BUCKET/PREFIX, gs://…, az://… or (to read) http(s)://…; object stores take their endpoint and credentials from the environment (docs/CLI.md, \"Locations\")".into(),
                );
            }
            return Some(
                "check the path; to publish there, create the folder first (mkdir -p DEST): claimledger never creates the folder it is told to write to".into(),
            );
        }
    }
    None
}

fn audit_state_hint(e: &claimledger::ledger::audit::AuditStateError) -> String {
    use claimledger::ledger::audit::AuditStateError as E;
    match e {
        E::KeyConflict { .. } => {
            "the state pins the log key it was audited with; drop --log-key, or run a full audit with it".into()
        }
        E::Unavailable(_) => {
            "sign a checkpoint first ('claimledger checkpoint --sign' where the operator key is), then audit again with --save-state FILE".into()
        }
        _ => "make a state with a full audit: 'claimledger audit --save-state FILE' (the state is JSON, docs/FORMAT.md section 20)".into(),
    }
}

impl Ctx {
    /// Open the ledger to write (never creates it).
    pub fn open(&self) -> Result<Ledger> {
        Ledger::open(&self.ledger)
            .with_context(|| format!("opening ledger {}", self.ledger.display()))
    }

    /// Open the ledger to read: writes nothing, works where the user can only read the file.
    pub fn open_read(&self) -> Result<Ledger> {
        Ledger::open_read_only(&self.ledger)
            .with_context(|| format!("opening ledger {}", self.ledger.display()))
    }

    /// Open the ledger and load the operator key if it is readable here, so appends sign
    /// checkpoints. A reporter's machine without it still appends; `checkpoint --sign` covers it later.
    pub fn open_for_append(&self) -> Result<(Ledger, Option<String>)> {
        let mut ledger = self.open()?;
        let mut notice = None;
        match self.operator_key_path(&ledger)? {
            Some(path) => match keyfile::read_signing_key(&path) {
                Ok(k) => load_operator(&mut ledger, k, &path)?,
                Err(e) => {
                    if self.operator_key.is_some() {
                        return Err(e).with_context(|| "reading --operator-key".to_string());
                    }
                    notice = Some(format!(
                        "no checkpoint signed ({e}); run 'claimledger checkpoint --sign' where the operator key is"
                    ));
                }
            },
            None => {
                notice = Some(
                    "no operator key recorded; run 'claimledger checkpoint --sign --operator-key FILE'".into(),
                );
            }
        }
        Ok((ledger, notice))
    }

    /// Open the ledger with the operator key loaded, or fail saying where it was expected.
    ///
    /// What the operator key signs (grants, revocations, checkpoints) is never signed with
    /// `--key`: given on the command line it is refused, from CLAIMLEDGER_KEY it is ignored
    /// with a notice, so no one believes their own key signed.
    pub fn open_as_operator(&self, what: &str) -> Result<Ledger> {
        if let Some(k) = &self.key {
            if self.key_on_command_line {
                bail!(
                    "{what} signed by the ledger's operator key, not by --key {}; drop --key (pass --operator-key FILE if the operator key is elsewhere)",
                    k.display()
                );
            }
            eprintln!(
                "notice: {what} signed by the operator key; CLAIMLEDGER_KEY ({}) is not used",
                Shown(k.display())
            );
        }
        let mut ledger = self.open()?;
        if let Some(source) = ledger.replica_of() {
            return Err(claimledger::Error::Replica {
                source_location: source.to_string(),
            }
            .into());
        }
        let Some(path) = self.operator_key_path(&ledger)? else {
            bail!("this needs the operator key: pass --operator-key FILE");
        };
        let key = keyfile::read_signing_key(&path)
            .with_context(|| format!("reading the operator key {}", path.display()))?;
        load_operator(&mut ledger, key, &path)?;
        Ok(ledger)
    }

    /// The operator key (--operator-key, or where init put it), read from its file.
    pub fn operator_signing_key(&self, ledger: &Ledger) -> Result<SigningKey> {
        let Some(path) = self.operator_key_path(ledger)? else {
            bail!("this needs the operator key: pass --operator-key FILE");
        };
        keyfile::read_signing_key(&path)
            .with_context(|| format!("reading the operator key {}", path.display()))
    }

    fn operator_key_path(&self, ledger: &Ledger) -> Result<Option<PathBuf>> {
        if let Some(p) = &self.operator_key {
            return Ok(Some(p.clone()));
        }
        Ok(ledger.operator_key_path()?)
    }

    /// The recorder's own signing key (--key / CLAIMLEDGER_KEY).
    pub fn signing_key(&self) -> Result<SigningKey> {
        let Some(path) = &self.key else {
            return Err(Hinted {
                message: "--key is required to record: it signs the entry",
                hint: "create one with 'claimledger key generate --name you@newsroom.example --out you.key' and ask the operator to grant it",
            }
            .into());
        };
        keyfile::read_signing_key(path).with_context(|| format!("reading key {}", path.display()))
    }
}

/// Load the operator key read from `path`, with its signer state beside it
/// (`<key file>.last-checkpoint`); say so on standard error when the state had to be started.
fn load_operator(ledger: &mut Ledger, key: SigningKey, path: &Path) -> Result<()> {
    let state = claimledger::ledger::signer::state_path_for(path);
    let loaded = ledger
        .load_operator_key_with(
            key,
            claimledger::OperatorOptions {
                signer_state: Some(state),
            },
        )
        .with_context(|| format!("operator key {}", path.display()))?;
    if let Some(size) = loaded.started_from {
        eprintln!(
            "notice: no signer state at {}: the whole ledger was audited and the state started from {}",
            loaded.signer_state.display(),
            if size == 0 {
                "the empty tree (no checkpoint was stored)".to_string()
            } else {
                format!("its checkpoint at size {size}")
            }
        );
    }
    Ok(())
}

/// A vkey given as text, or as a file holding it.
///
/// Errors never echo the argument: someone may paste a private key here by mistake.
pub fn vkey_arg(s: &str) -> Result<VerifyingKey> {
    let text = s.trim();
    if text.starts_with("PRIVATE+KEY+") {
        bail!(
            "that is a private key, not a verifier key: never share it; use 'claimledger key show FILE' to get the vkey"
        );
    }
    if let Ok(k) = text.parse::<VerifyingKey>() {
        return Ok(k);
    }
    let p = Path::new(s);
    if p.is_file() {
        let content = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let content = String::from_utf8(content)
            .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", p.display()))?;
        if content.trim().starts_with("PRIVATE+KEY+") {
            bail!("{} holds a private key, not a verifier key", p.display());
        }
        return content
            .trim()
            .parse::<VerifyingKey>()
            .with_context(|| format!("{} does not hold a vkey", p.display()));
    }
    text.parse::<VerifyingKey>()
        .context("not a vkey (name+hex8+base64) nor a file holding one")
}

/// Read a file argument; `-` is standard input.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .take(16 << 20)
            .read_to_end(&mut buf)
            .context("reading standard input")?;
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        f.take(16 << 20)
            .read_to_end(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
    }
    Ok(buf)
}

/// Replace `path` with `bytes` atomically: written to `<path>.tmp`, flushed, renamed over it,
/// so a reader (or a crash) sees the old file or the new one, never a torn one.
pub fn write_replacing(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", tmp.display()));
    }
    std::fs::rename(&tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
}

/// Write a new file; refuses to overwrite.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}
