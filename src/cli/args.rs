//! Command-line arguments (clap derive). Subcommands are verbs; flags are long words.

use claimledger::PartyType;
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

/// The `--help` heading of the options every command takes.
const GLOBAL: &str = "Global options";

/// The ledger file when neither `--ledger` nor `CLAIMLEDGER_LEDGER` names one.
const DEFAULT_LEDGER: &str = "claimledger.db";

#[derive(Parser, Debug)]
#[command(
    name = "claimledger",
    version,
    about = "An append-only, signed ledger of claims",
    long_about = "An append-only, signed ledger of claims: record claims and the statements that \
                  contest, support, correct or qualify them; every entry is Ed25519-signed by its \
                  recorder and is a leaf of an RFC 6962 Merkle tree whose checkpoints the operator signs."
)]
pub struct Cli {
    // The global options read their environment variables in `Cli::ledger()` and friends rather
    // than through clap's `env`: clap counts a value from the environment as "used" and prints
    // it in the usage line of every error (`Usage: claimledger verify-receipt --log-key <LOG_KEY>
    // --ledger <LEDGER> --key <KEY> <FILE>`), as if the user had to type it (issue #17).
    /// The ledger file [env: CLAIMLEDGER_LEDGER] [default: claimledger.db]
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub ledger: Option<PathBuf>,
    /// Your private key file (signs what you record) [env: CLAIMLEDGER_KEY]
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub key: Option<PathBuf>,
    /// The operator key file (signs checkpoints and key grants) [env: CLAIMLEDGER_OPERATOR_KEY]
    /// [default: the path init recorded]
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub operator_key: Option<PathBuf>,
    /// Print JSON (documented in docs/CLI.md) instead of text
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// `--ledger`, else `CLAIMLEDGER_LEDGER`, else `claimledger.db`.
    pub fn ledger(&self) -> PathBuf {
        self.ledger
            .clone()
            .or_else(|| from_env("CLAIMLEDGER_LEDGER"))
            .unwrap_or_else(|| DEFAULT_LEDGER.into())
    }

    /// `--key`, else `CLAIMLEDGER_KEY`.
    pub fn key(&self) -> Option<PathBuf> {
        self.key.clone().or_else(|| from_env("CLAIMLEDGER_KEY"))
    }

    /// `--operator-key`, else `CLAIMLEDGER_OPERATOR_KEY`.
    pub fn operator_key(&self) -> Option<PathBuf> {
        self.operator_key
            .clone()
            .or_else(|| from_env("CLAIMLEDGER_OPERATOR_KEY"))
    }
}

/// A path from the environment; an empty variable counts as unset (as clap's `env` did).
fn from_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(|v: OsString| v.into())
}

/// `--claimant-type` and `--speaker-type`: the payload's party types, and the British spelling
/// `organisation` for `organization` (the stored value is always `organization`).
pub fn party_type(s: &str) -> Result<PartyType, String> {
    match s {
        "organisation" => Ok(PartyType::Organization),
        _ => s.parse().map_err(|_| {
            "use person, organization (or organisation), group or unnamed".to_string()
        }),
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a new ledger (and the operator key if its file does not exist).
    Init {
        /// The ledger's name: checkpoint origin and operator key name, e.g. news.example/claims.
        #[arg(long)]
        origin: String,
    },
    /// Generate, show, grant, revoke and list recorder keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Record claims.
    #[command(subcommand)]
    Claim(ClaimCommand),
    /// Record a statement contesting an entry.
    Contest(StatementArgs),
    /// Record a statement supporting an entry.
    Support(StatementArgs),
    /// Record a statement correcting an entry.
    Correct(StatementArgs),
    /// Record a statement retracting an entry (normally by its own claimant).
    Retract(StatementArgs),
    /// Record a statement qualifying an entry (scope, assumptions).
    Qualify(StatementArgs),
    /// Sign an entry with your key (--key) without changing any ledger: writes one import
    /// line {"envelope_base64", "payload"} to submit later (POST /v1/entries, import).
    #[command(subcommand)]
    Sign(SignCommand),
    /// Withhold an entry's payload for a legal reason: appends a redaction signed with the
    /// operator key and erases the payload's bytes from the file (docs/REDACTION-RUNBOOK.md).
    Redact(RedactArgs),
    /// Serve the ledger over HTTP: JSON API, C2SP tlog-tiles and the claim pages.
    Serve(ServeArgs),
    /// Publish the ledger as static files (C2SP tlog-tiles, payload bundles, receipts, reader
    /// pages) to DEST, checkpoint last; only what is new since DEST's own checkpoint is written.
    /// Exit 1 when DEST holds another history (nothing written).
    Publish {
        /// An existing directory (a web root), or an object store URL where supported.
        dest: String,
        /// Rewrite every object, not only the new ones (after a change of the reader pages).
        #[arg(long)]
        full: bool,
    },
    /// Show what this ledger is: origin, log key, size, latest checkpoint, operator key, witnesses.
    Info,
    /// Witnesses: run claimledger as a C2SP tlog-witness for other logs (serve, key), and the
    /// witnesses this ledger asks to cosign (add, list, remove, quorum).
    #[command(subcommand)]
    Witness(super::witness::WitnessCommand),
    /// Show one entry.
    Show {
        /// 12, #12, or 8+ hex digits of a leaf hash.
        reference: String,
    },
    /// Show a claim and every statement about it, in order.
    History {
        /// 12, #12, or 8+ hex digits of a leaf hash.
        reference: String,
    },
    /// List entries in ledger order.
    Log {
        /// First index.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// How many.
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
    /// Find claims and statements containing TEXT.
    Search {
        /// Text to look for (case-insensitive for ASCII).
        text: String,
        /// At most this many results.
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
    /// Every value stated for a figure, by whom, and how it compares.
    Figures {
        /// Only this subject (e.g. DeepSeek-V3).
        #[arg(long)]
        subject: Option<String>,
        /// Only this property (e.g. training_cost).
        #[arg(long)]
        property: Option<String>,
    },
    /// Print the signed checkpoint (latest or at --size), or sign one with --sign.
    Checkpoint {
        /// The checkpoint stored at this tree size.
        #[arg(long, conflicts_with_all = ["sign", "list"])]
        size: Option<u64>,
        /// Sign a checkpoint covering every entry (needs the operator key).
        #[arg(long)]
        sign: bool,
        /// List every stored checkpoint.
        #[arg(long)]
        list: bool,
    },
    /// Send the latest checkpoint to every configured witness (C2SP tlog-witness) and store
    /// the cosignatures they return. Exit 0 when the witness policy is met, 1 when a witness
    /// saw a different history (evidence written), 2 when the policy could not be met.
    Cosign(CosignArgs),
    /// Print an inclusion or consistency proof.
    #[command(subcommand)]
    Prove(ProveCommand),
    /// Write a self-contained receipt for one entry.
    Receipt {
        /// 12, #12, or 8+ hex digits of a leaf hash.
        reference: String,
        /// Write to FILE instead of standard output (refuses to overwrite).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Verify a receipt offline, with no ledger.
    VerifyReceipt {
        /// The receipt file (- for standard input).
        file: PathBuf,
        /// The log's verifier key (vkey text, or a file holding it).
        #[arg(long)]
        log_key: String,
        #[command(flatten)]
        witnesses: PolicyArgs,
    },
    /// Check a fork-evidence file (or a witness evidence file) offline, with the log's key.
    VerifyEvidence {
        /// The evidence file (- for standard input).
        file: PathBuf,
        /// The log's verifier key (vkey text, or a file holding it); never taken from the file.
        #[arg(long)]
        log_key: String,
        /// Also report whether each note's cosignatures meet this witness policy.
        #[command(flatten)]
        witnesses: PolicyArgs,
    },
    /// Re-verify the whole ledger from its stored bytes.
    Audit {
        /// The log's verifier key to trust (vkey text or file); default: the key recorded at init.
        #[arg(long)]
        log_key: Option<String>,
        /// A signed checkpoint published earlier that the ledger must extend.
        #[arg(long)]
        against: Option<PathBuf>,
        #[command(flatten)]
        witnesses: PolicyArgs,
        /// Resume from an audit state saved by an earlier passing audit: check only the entries
        /// after it, plus one consistency proof (default: a full audit).
        #[arg(long, value_name = "STATE")]
        resume: Option<PathBuf>,
        /// After a passing audit (full or resumed), write its audit state to FILE (replaced
        /// atomically; never written when the audit fails).
        #[arg(long, value_name = "FILE")]
        save_state: Option<PathBuf>,
    },
    /// Copy a published log (a `publish` folder or bucket, a `serve` URL) into a replica
    /// ledger (--ledger), verifying every new entry and checkpoint; a rollback or fork of the
    /// source stops the run and writes fork evidence.
    Mirror(MirrorArgs),
    /// Append pre-signed entries from JSON Lines (the format `export --jsonl` writes).
    Import {
        /// The JSON Lines file (- for standard input).
        file: PathBuf,
        /// Entries per transaction and per signed checkpoint (all or nothing per batch).
        #[arg(long, default_value_t = 4096, value_parser = batch_size_range())]
        batch_size: usize,
    },
    /// Show or change the ledger's settings (configuration, not history): publisher.name,
    /// publisher.url, publisher.ledger_url.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// A claim's rated statements as schema.org ClaimReview JSON-LD (with --json), or a summary.
    Claimreview {
        /// The claim (or a statement about it): 12, #12, or 8+ hex digits of a leaf hash.
        reference: String,
    },
    /// Import ClaimReview JSON-LD (one object, an array, or a DataFeed) as claims and rated
    /// statements signed with --key; re-importing adds nothing.
    ImportClaimreview {
        /// The JSON-LD file (- for standard input).
        file: PathBuf,
        /// All or nothing: import nothing when any item is bad.
        #[arg(long)]
        strict: bool,
    },
    /// Write every entry, in order, as JSON Lines {"envelope_base64", "payload"}.
    Export {
        /// JSON Lines (the only format so far; accepted for clarity).
        #[arg(long)]
        jsonl: bool,
        /// Write to FILE instead of standard output (refuses to overwrite).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Measure this machine's limits (Ed25519, SHA-256, SQLite) and this ledger's audit and
    /// proof rates, in one run (see docs/PERFORMANCE.md).
    Bench {
        /// Only the machine's limits; no ledger needed.
        #[arg(long)]
        limits_only: bool,
        #[command(subcommand)]
        what: Option<BenchCommand>,
    },
    /// Build the DeepSeek seed story in a fresh ledger and show it.
    Demo {
        /// Where to put the demo ledger and keys (default: a new temporary folder).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

/// A witness policy to enforce: a policy file, or the quick form `--witness VKEY … --quorum K`.
#[derive(Args, Debug, Default)]
pub struct PolicyArgs {
    /// A witness policy file (docs/FORMAT.md §15): the checkpoint must carry
    /// cosignatures meeting it.
    #[arg(long, conflicts_with_all = ["witness", "quorum"])]
    pub policy: Option<PathBuf>,
    /// A witness's cosignature verifier key (repeatable): the quick form of a policy.
    #[arg(long)]
    pub witness: Vec<String>,
    /// How many of the --witness keys must have cosigned (default: all of them).
    #[arg(long, requires = "witness")]
    pub quorum: Option<usize>,
}

#[derive(Args, Debug)]
pub struct MirrorArgs {
    /// Where the log is published: a folder, `s3://bucket/prefix`, or an `http(s)://` URL (a
    /// `claimledger serve` or a static host of a published folder).
    pub source: String,
    /// The log's verifier key (vkey text, or a file holding it): its checkpoints must be
    /// signed by it, and its name is the log's origin.
    #[arg(long)]
    pub log_key: String,
    #[command(flatten)]
    pub witnesses: PolicyArgs,
    /// Where to write fork evidence if the source rolled back or forked (default:
    /// `<ledger>.evidence-<UTC time>.json`); never overwritten.
    #[arg(long)]
    pub evidence: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CosignArgs {
    /// Give up on a witness after this many seconds (connect, send and answer).
    #[arg(long, default_value_t = super::cosign::DEFAULT_TIMEOUT_SECS)]
    pub timeout: u64,
    /// Where evidence files go when a witness saw a different history (default: the ledger's
    /// folder).
    #[arg(long)]
    pub evidence_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Generate a key pair; writes the private key (0600) and prints the vkey.
    Generate {
        /// Key name, e.g. alice@news.example (no spaces or '+').
        #[arg(long)]
        name: String,
        /// Private key file to create (refuses to overwrite).
        #[arg(long)]
        out: PathBuf,
    },
    /// Show the public side of a private key file.
    Show {
        /// The private key file.
        file: PathBuf,
    },
    /// Grant a recorder key (signed with the operator key).
    Grant {
        /// The recorder's vkey text (or a file holding it).
        vkey: String,
        /// The recorder's name as shown in histories.
        #[arg(long)]
        name: String,
        /// Their role: reporter, fact-checker, editor…
        #[arg(long)]
        role: String,
    },
    /// Revoke a recorder key (signed with the operator key).
    Revoke {
        /// The recorder's vkey text (or a file holding it).
        vkey: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// List every key granted, with its standing.
    List,
}

/// `bench` subcommands.
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// On a copy of this ledger, in one run: a full audit (the limit), a publish of the whole
    /// ledger to a folder and a mirror of it into a new replica, then the entries of --new
    /// appended and an incremental publish, mirror and audit; each timed and given as a ratio
    /// to the same-run audit (docs/PERFORMANCE.md, "Scale").
    Scale {
        /// The new entries, as JSON Lines for import (e.g. `examples/gen --post 1000`'s
        /// post.jsonl).
        #[arg(long, value_name = "FILE")]
        new: PathBuf,
        /// A new or empty folder for the copy and everything the run writes.
        #[arg(long, value_name = "DIR")]
        work: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Set a setting.
    Set {
        /// publisher.name, publisher.url or publisher.ledger_url.
        #[arg(value_name = "KEY")]
        setting: String,
        /// Its value.
        value: String,
    },
    /// Print a setting's value (exit 1 when it is unset).
    Get {
        /// The setting.
        #[arg(value_name = "KEY")]
        setting: String,
    },
    /// Remove a setting.
    Unset {
        /// The setting.
        #[arg(value_name = "KEY")]
        setting: String,
    },
    /// List every setting that has a value.
    List,
}

#[derive(Subcommand, Debug)]
pub enum SignCommand {
    /// Sign a claim (the flags of 'claim add').
    Claim(SignClaimArgs),
    /// Sign a statement contesting an entry.
    Contest(SignStatementArgs),
    /// Sign a statement supporting an entry.
    Support(SignStatementArgs),
    /// Sign a statement correcting an entry.
    Correct(SignStatementArgs),
    /// Sign a statement retracting an entry.
    Retract(SignStatementArgs),
    /// Sign a statement qualifying an entry.
    Qualify(SignStatementArgs),
}

#[derive(Args, Debug)]
pub struct SignClaimArgs {
    #[command(flatten)]
    pub claim: ClaimArgs,
    /// Write the line to FILE (refuses to overwrite); default: standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SignStatementArgs {
    #[command(flatten)]
    pub statement: StatementArgs,
    /// The target's leaf hash (64 hex digits); REF is then its index and no ledger is read.
    /// Without it, REF is looked up in --ledger (read only).
    #[arg(long)]
    pub target_leaf_hash: Option<String>,
    /// Write the line to FILE (refuses to overwrite); default: standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on; loopback by default. Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Accepted entries per signer key per minute (POST /v1/entries); 0 turns the limit off.
    #[arg(long, default_value_t = 120)]
    pub rate_limit: u32,
    /// Largest accepted request body, in bytes.
    #[arg(long, default_value_t = 256 * 1024)]
    pub max_body: usize,
    /// After an append, wait this long for more before asking the configured witnesses to
    /// cosign (one round covers every append in the wait).
    #[arg(long, default_value_t = 1000)]
    pub cosign_batch_ms: u64,
    /// Time a connection has to send a complete request head (request line and headers), from
    /// when it opens or its previous answer was sent: also the idle keep-alive timeout (10s, 500ms).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: std::time::Duration,
    /// Time a POST has to send its whole body once its head arrived; a slower one gets 408.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub body_timeout: std::time::Duration,
    /// Connections served at once; more wait in the kernel's queue until one closes. Default:
    /// 1024, or fewer so that 64 of the open-files limit (ulimit -n) stay free for the ledger.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: Option<u32>,
}

/// `500ms`, `10s`, `2m`: a whole number with its unit.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    use std::time::Duration;
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a whole number and a unit, like 10s or 500ms"))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(format!("{text:?}: the unit is ms, s or m (10s, 500ms, 2m)")),
    };
    if d.is_zero() {
        return Err(format!("{text:?}: a timeout must be longer than zero"));
    }
    Ok(d)
}

#[derive(Subcommand, Debug)]
pub enum ClaimCommand {
    /// Record a claim, from flags or from a payload JSON file.
    Add(ClaimArgs),
}

#[derive(Args, Debug)]
pub struct ClaimArgs {
    /// A claim payload JSON file (- for standard input), for tools; excludes the other flags.
    #[arg(long, conflicts_with_all = ["text", "claimant", "claimed_on", "subjects", "claimant_same_as", "sources", "figures", "figure_subject"])]
    pub payload: Option<PathBuf>,
    /// The claim, verbatim.
    #[arg(long, required_unless_present = "payload")]
    pub text: Option<String>,
    /// Who made it.
    #[arg(long, required_unless_present = "payload")]
    pub claimant: Option<String>,
    /// person, organization (or organisation), group or unnamed.
    #[arg(long, default_value = "person", value_parser = party_type)]
    pub claimant_type: PartyType,
    /// A URL identifying the claimant elsewhere.
    #[arg(long)]
    pub claimant_same_as: Option<String>,
    /// When the claim was made, YYYY-MM-DD.
    #[arg(long)]
    pub claimed_on: Option<String>,
    /// What it is about (repeatable); the first is the default subject of --figure.
    #[arg(long = "subject")]
    pub subjects: Vec<String>,
    #[command(flatten)]
    pub common: RecordArgs,
}

#[derive(Args, Debug)]
pub struct StatementArgs {
    /// The entry it is about: 12, #12, or 8+ hex digits of a leaf hash.
    pub reference: String,
    /// A statement payload JSON file (- for standard input), for tools; excludes the other flags.
    #[arg(long, conflicts_with_all = ["text", "speaker", "stated_on", "speaker_same_as", "sources", "figures", "figure_subject", "rating"])]
    pub payload: Option<PathBuf>,
    /// Who said it.
    #[arg(long, required_unless_present = "payload")]
    pub speaker: Option<String>,
    /// person, organization (or organisation), group or unnamed.
    #[arg(long, default_value = "person", value_parser = party_type)]
    pub speaker_type: PartyType,
    /// A URL identifying the speaker elsewhere.
    #[arg(long)]
    pub speaker_same_as: Option<String>,
    /// What was said, verbatim.
    #[arg(long, required_unless_present = "payload")]
    pub text: Option<String>,
    /// When, YYYY-MM-DD.
    #[arg(long)]
    pub stated_on: Option<String>,
    #[command(flatten)]
    pub rating: RatingArgs,
    #[command(flatten)]
    pub common: RecordArgs,
}

/// A fact-checker's verdict on the target (FORMAT.md §5.5; exported as ClaimReview).
#[derive(Args, Debug)]
pub struct RatingArgs {
    /// The verdict as published ("False", "Misleading", "Trompeur"): ClaimReview's alternateName.
    #[arg(long)]
    pub rating: Option<String>,
    /// Its value on your numeric scale (an integer).
    #[arg(long, requires = "rating", allow_negative_numbers = true)]
    pub rating_value: Option<i64>,
    /// The best (most accurate) value of the scale.
    #[arg(long, requires = "rating", allow_negative_numbers = true)]
    pub best_rating: Option<i64>,
    /// The worst (least accurate) value of the scale.
    #[arg(long, requires = "rating", allow_negative_numbers = true)]
    pub worst_rating: Option<i64>,
    /// URL of the published fact-check.
    #[arg(long, requires = "rating")]
    pub review_url: Option<String>,
}

/// Flags shared by every recording command. Each --source-* flag applies to the --source before it.
#[derive(Args, Debug)]
pub struct RecordArgs {
    /// A source URL (repeatable).
    #[arg(long = "source")]
    pub sources: Vec<String>,
    /// Title of the preceding --source.
    #[arg(long = "source-title")]
    pub source_titles: Vec<String>,
    /// Publisher of the preceding --source.
    #[arg(long = "publisher")]
    pub publishers: Vec<String>,
    /// Publication date (YYYY-MM-DD) of the preceding --source.
    #[arg(long = "published")]
    pub published: Vec<String>,
    /// Exact quote from the preceding --source.
    #[arg(long = "quote")]
    pub quotes: Vec<String>,
    /// Archived copy of the preceding --source.
    #[arg(long = "archive-url")]
    pub archive_urls: Vec<String>,
    /// A figure: 'PROPERTY=AS_STATED' or 'PROPERTY@SCOPE=AS_STATED', e.g. 'training_cost=$5.6M'.
    #[arg(long = "figure")]
    pub figures: Vec<String>,
    /// Subject of the --figure values (default: the first --subject, or the target's).
    #[arg(long)]
    pub figure_subject: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ProveCommand {
    /// Prove an entry is in the tree.
    Inclusion {
        /// 12, #12, or 8+ hex digits of a leaf hash.
        reference: String,
        /// Tree size (default: the latest checkpoint's, or the whole tree).
        #[arg(long)]
        size: Option<u64>,
    },
    /// Prove the tree at --to extends the tree at --from.
    Consistency {
        /// Earlier size.
        #[arg(long)]
        from: u64,
        /// Later size (default: the whole tree).
        #[arg(long)]
        to: Option<u64>,
    },
}

#[derive(Args, Debug)]
pub struct RedactArgs {
    /// The claim or statement to withhold: 12, #12, or 8+ hex digits of a leaf hash.
    #[arg(required_unless_present = "scrub")]
    pub reference: Option<String>,
    /// Category of reason, shown to every reader.
    #[arg(long, required_unless_present = "scrub", value_parser = ["court_order", "privacy", "source_protection", "defamation", "other"])]
    pub category: Option<String>,
    /// Why, in words that are public forever: never repeat what is withheld.
    #[arg(long, required_unless_present = "scrub")]
    pub reason: Option<String>,
    /// Only sign the redaction with the operator key and write it as an import line (to
    /// POST to /v1/entries on a server); change no ledger.
    #[arg(long, conflicts_with = "scrub")]
    pub sign_only: bool,
    /// With --sign-only: write the line to this new file instead of standard output.
    #[arg(long, requires = "sign_only")]
    pub out: Option<PathBuf>,
    /// Only checkpoint the WAL into the file and truncate it (when a redaction warned that a
    /// reader kept it busy).
    #[arg(long)]
    pub scrub: bool,
}

/// `--batch-size`: 1 to the library's cap, refused by clap (exit 2) outside it.
fn batch_size_range() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new()
        .range(1..=claimledger::ledger::import::MAX_BATCH_SIZE as u64)
}
