//! Crash safety (issue 5, item 1): SIGKILL at random moments while the CLI appends claims,
//! imports in batches and signs checkpoints. After every kill the ledger opens, audits clean,
//! holds every acknowledged entry at the same index with the same bytes, and its latest
//! checkpoint covers the whole tree (or `checkpoint --sign` brings it up to date). Then the
//! torn-WAL cases, at library level: the DB file copied without its WAL, and the WAL cut at
//! random offsets or with a flipped byte, each open at an older consistent state.
//!
//! An acknowledgement is what the user saw: the entry JSON `claim add --json` printed, the
//! report of an `import` that exited 0 (every line of its file), the note of a
//! `checkpoint --sign` that printed it.
//!
//! Sizes (scripts/crash.sh raises them): CLAIMLEDGER_CRASH_KILLS (60, a third per kind of
//! child), CLAIMLEDGER_CRASH_IMPORT_LINES (1000 per generated file), CLAIMLEDGER_CRASH_BATCH
//! (20), CLAIMLEDGER_CRASH_MAX_ENTRIES (1500: the import test starts a fresh ledger past it, so
//! each check's audit stays short), CLAIMLEDGER_CRASH_WAL_CUTS (24), CLAIMLEDGER_CRASH_SEED (fixed default:
//! same delays each run; the moments the kills land still vary with the machine's load).

use crate::cli::Session;
use crate::ledger::{ORIGIN, claim, key, statement};
use claimledger::format::entry::SignedEntry;
use claimledger::{Ledger, SigningKey, Stance, Target};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

// ---- shared helpers (also used by concurrency.rs and storage_faults.rs) --------------------

/// A count from the environment, or `default`.
pub fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number")),
        Err(_) => default,
    }
}

/// splitmix64: deterministic delays and choices from a seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

fn seed(salt: u64) -> u64 {
    env_u64("CLAIMLEDGER_CRASH_SEED", 0xC1A1_1ED6) ^ salt.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// The CLI binary cargo built for this test run.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_claimledger")
}

/// A `claimledger` command configured like `Session::run` (its ledger, no key variables).
pub fn command(s: &Session) -> Command {
    let mut c = Command::new(bin());
    c.current_dir(s.dir.path())
        .env_remove("CLAIMLEDGER_KEY")
        .env_remove("CLAIMLEDGER_OPERATOR_KEY")
        .env("CLAIMLEDGER_LEDGER", s.ledger());
    c
}

/// `--json audit` must exit 0 with `ok` and no findings; returns the report.
pub fn audit_ok(s: &Session, what: &str) -> Value {
    let out = s.run(&["--json", "audit"]);
    assert_eq!(
        out.code, 0,
        "{what}: audit did not pass\nstdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let j = out.json();
    assert_eq!(j["ok"], true, "{what}: {j}");
    assert_eq!(
        j["findings"].as_array().map(Vec::len),
        Some(0),
        "{what}: {j}"
    );
    j
}

pub fn has_notice(audit: &Value, code: &str) -> bool {
    audit["notices"]
        .as_array()
        .is_some_and(|n| n.iter().any(|x| x["code"] == code))
}

/// No panic, no backtrace: a user-facing failure is one clear line (plus an optional hint).
pub fn assert_no_panic(stderr: &str, what: &str) {
    for bad in ["panicked", "stack backtrace", "RUST_BACKTRACE"] {
        assert!(
            !stderr.contains(bad),
            "{what}: stderr shows a panic:\n{stderr}"
        );
    }
}

// ---- the kill loop -----------------------------------------------------------------------------

/// Total kills wanted for one kind of child (a third of CLAIMLEDGER_CRASH_KILLS, rounded up).
fn kills_per_kind() -> u64 {
    env_u64("CLAIMLEDGER_CRASH_KILLS", 60).div_ceil(3).max(1)
}

fn sleep_ms(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

fn median_ms(mut d: Vec<Duration>) -> u64 {
    d.sort();
    (d[d.len() / 2].as_millis() as u64).max(1)
}

/// Was the child ended by our SIGKILL (rather than finishing before it landed)?
fn killed(status: &std::process::ExitStatus) -> bool {
    status.signal() == Some(9)
}

/// SIGKILL a child and everything in its process group (it was spawned as a group leader).
/// Falls back to killing the child alone; its `claim add` then finishes its one append and
/// exits, and the caller's stdout reader only returns once it has.
fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let sent = [
        Command::new("sh").args(["-c", &format!("kill -KILL {group}")]),
        Command::new("kill").args(["-KILL", "--", &group]),
    ]
    .into_iter()
    .any(|c| c.stderr(Stdio::null()).status().is_ok_and(|s| s.success()));
    if !sent {
        let _ = child.kill();
    }
}

fn read_all(r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut r = r;
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Every complete JSON value at the start of `bytes` (a kill may cut the last one short).
fn json_stream(bytes: &[u8]) -> Vec<Value> {
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<Value>()
        .map_while(Result::ok)
        .collect()
}

/// What the user was told, per ledger.
#[derive(Default)]
struct Acks {
    /// Index -> (leaf hash hex, the entry JSON printed as the acknowledgement, when there was one).
    by_index: BTreeMap<u64, (String, Option<Value>)>,
    /// Acknowledged by an import that exited 0; placed (index learnt) at the next check.
    unplaced: Vec<String>,
    /// Indexes acknowledged since the last check (re-read through `show`).
    fresh: Vec<u64>,
}

impl Acks {
    fn add_json(&mut self, v: Value, what: &str) {
        let idx = v["index"]
            .as_u64()
            .unwrap_or_else(|| panic!("{what}: no index in {v}"));
        let leaf = v["leaf_hash"].as_str().unwrap().to_string();
        if let Some((prev, _)) = self.by_index.get(&idx) {
            assert_eq!(
                prev, &leaf,
                "{what}: two different entries acknowledged at index {idx}"
            );
        }
        self.by_index.insert(idx, (leaf, Some(v)));
        self.fresh.push(idx);
    }
}

/// Figures for the summary line.
struct Tally {
    kind: &'static str,
    kills: u64,
    finished: u64,
    checks: u64,
    covered: u64,
    resigned: u64,
    acknowledged: u64,
    present: u64,
    started: Instant,
    detail: BTreeMap<&'static str, u64>,
}

impl Tally {
    fn new(kind: &'static str) -> Tally {
        Tally {
            kind,
            kills: 0,
            finished: 0,
            checks: 0,
            covered: 0,
            resigned: 0,
            acknowledged: 0,
            present: 0,
            started: Instant::now(),
            detail: BTreeMap::new(),
        }
    }
    fn note(&mut self, what: &'static str) {
        *self.detail.entry(what).or_default() += 1;
    }
    /// Count a ledger's acknowledgements as checked by its last `check`.
    fn close_ledger(&mut self, acks: &Acks, present: u64) {
        self.acknowledged += acks.by_index.len() as u64 + acks.unplaced.len() as u64;
        self.present += present;
    }
    fn print(&self) {
        let detail: Vec<String> = self
            .detail
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        println!(
            "crash[{}]: {} kills, {} acknowledged, {} present, {} lost; {} runs finished before the kill; \
             {} checks (open, audit ok, acked entries re-read); checkpoint covered the tree {}/{}, \
             brought up to date by checkpoint --sign {}; {}; {:.1} s",
            self.kind,
            self.kills,
            self.acknowledged,
            self.present,
            self.acknowledged - self.present,
            self.finished,
            self.checks,
            self.covered,
            self.checks,
            self.resigned,
            if detail.is_empty() {
                "-".into()
            } else {
                detail.join(", ")
            },
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// Every stored leaf hash (hex), in index order, read straight from the file. Sound as a
/// check because audit, run just before, recomputed each one from its envelope.
fn stored_leaves(path: &Path) -> Vec<String> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn
        .prepare("SELECT idx, leaf_hash FROM entries ORDER BY idx")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .unwrap();
    let mut leaves = Vec::new();
    for row in rows {
        let (idx, leaf) = row.unwrap();
        assert_eq!(idx as usize, leaves.len(), "entries are not dense at {idx}");
        leaves.push(hex::encode(leaf));
    }
    leaves
}

/// What a check found.
struct Checked {
    size: u64,
    /// Size of the latest signed checkpoint.
    checkpoint: u64,
    /// Acknowledged entries found present (all of them, or the check panics).
    present: u64,
    /// Leaf hash -> index, for the import prefix check.
    index_of: std::collections::HashMap<String, u64>,
}

/// After a kill: the ledger opens, audit passes, every acknowledged entry is present at its
/// index with the same leaf hash (and, through `show`, the same JSON as acknowledged).
fn check(s: &Session, acks: &mut Acks, rng: &mut Rng, what: &str) -> Checked {
    let log = s.run(&["log", "--limit", "1"]);
    assert_eq!(
        log.code, 0,
        "{what}: the ledger does not open after the kill\n{}",
        log.stderr
    );
    let report = audit_ok(s, what);
    let leaves = stored_leaves(&s.ledger());
    let size = leaves.len() as u64;
    assert_eq!(report["entries"].as_u64(), Some(size), "{what}");
    let index_of: std::collections::HashMap<String, u64> = leaves
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), i as u64))
        .collect();
    for leaf in std::mem::take(&mut acks.unplaced) {
        let idx = *index_of.get(&leaf).unwrap_or_else(|| {
            panic!("{what}: LOST an entry acknowledged by a finished import: leaf {leaf}")
        });
        let prev = acks.by_index.insert(idx, (leaf.clone(), None));
        assert!(
            prev.is_none_or(|(p, _)| p == leaf),
            "{what}: index {idx} acknowledged twice"
        );
    }
    let mut present = 0;
    for (idx, (leaf, _)) in &acks.by_index {
        let stored = leaves.get(*idx as usize).unwrap_or_else(|| {
            panic!("{what}: LOST acknowledged entry {idx} ({leaf}): the ledger has {size} entries")
        });
        assert_eq!(
            stored, leaf,
            "{what}: acknowledged entry {idx} changed: was {leaf}, now {stored}"
        );
        present += 1;
    }
    // Through the CLI: this round's acknowledgements (and two older ones) show the same JSON.
    let mut show: Vec<u64> = std::mem::take(&mut acks.fresh);
    while show.len() > 6 {
        show.swap_remove(rng.below(show.len() as u64) as usize);
    }
    if !acks.by_index.is_empty() {
        for _ in 0..2 {
            let n = rng.below(acks.by_index.len() as u64) as usize;
            show.push(*acks.by_index.keys().nth(n).unwrap());
        }
    }
    for idx in show {
        let (leaf, json) = &acks.by_index[&idx];
        let out = s.run(&["--json", "show", &idx.to_string()]);
        assert_eq!(out.code, 0, "{what}: show {idx}: {}", out.stderr);
        let shown = out.json();
        assert_eq!(shown["leaf_hash"].as_str(), Some(leaf.as_str()), "{what}");
        if let Some(j) = json {
            assert_eq!(
                &shown, j,
                "{what}: entry {idx} differs from its acknowledgement"
            );
        }
    }
    let checkpoint = Ledger::open(s.ledger())
        .unwrap()
        .checkpoint(None)
        .map(|c| c.checkpoint.size)
        .unwrap_or(0);
    assert!(
        checkpoint <= size,
        "{what}: checkpoint {checkpoint} beyond the tree {size}"
    );
    Checked {
        size,
        checkpoint,
        present,
        index_of,
    }
}

/// `claim add` arguments for a unique claim.
fn add_args(text: &str) -> Vec<String> {
    [
        "--key",
        "alice.key",
        "--json",
        "claim",
        "add",
        "--text",
        text,
        "--claimant",
        "Crash Test",
        "--subject",
        "DeepSeek-V3",
        "--figure",
        "training_cost=$5.6M",
    ]
    .map(String::from)
    .to_vec()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn crash_sigkill_during_appends() {
    let wanted = kills_per_kind();
    let mut rng = Rng::new(seed(1));
    let mut t = Tally::new("appends");
    let s = Session::with_claim();
    let mut acks = Acks::default();
    // Calibrate the delays on this machine with a few appends nobody kills.
    let mut took = Vec::new();
    for i in 0..5 {
        let started = Instant::now();
        let out = s.ok(&refs(&add_args(&format!("calibration {i}"))));
        took.push(started.elapsed());
        acks.add_json(out.json(), "calibration");
    }
    let one = median_ms(took);
    let mut round = 0u64;
    let mut last_present = 0;
    while t.kills < wanted {
        round += 1;
        assert!(
            round <= wanted * 10,
            "only {} of {round} children were still running when killed",
            t.kills
        );
        let what = format!("appends round {round} (seed {:#x})", seed(1));
        if round % 2 == 1 {
            // One `claim add`, killed 0..1× its usual run time after spawn.
            let mut child = command(&s)
                .args(add_args(&format!("single append {round}")))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            sleep_ms(rng.below(one + 1));
            let _ = child.kill();
            let out: Output = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            if killed(&out.status) {
                t.kills += 1;
                t.note("single claim add killed");
            } else {
                assert!(out.status.success(), "{what}: {stderr}");
                assert_no_panic(&stderr, &what);
                t.finished += 1;
            }
            if let Ok(v) = serde_json::from_slice::<Value>(&out.stdout) {
                acks.add_json(v, &what);
            }
        } else {
            // A shell appending in a loop, killed with its current `claim add` mid-run.
            let script = r#"i=0
while :; do
  i=$((i+1))
  "$0" --key alice.key --json claim add --text "loop $1 append $i" --claimant "Crash Test"
  echo "exit=$?" >&2
done"#;
            let mut child = Command::new("sh")
                .current_dir(s.dir.path())
                .env_remove("CLAIMLEDGER_KEY")
                .env_remove("CLAIMLEDGER_OPERATOR_KEY")
                .env("CLAIMLEDGER_LEDGER", s.ledger())
                .args(["-c", script, bin(), &round.to_string()])
                .process_group(0)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let stdout = read_all(child.stdout.take().unwrap());
            let stderr = read_all(child.stderr.take().unwrap());
            sleep_ms(rng.below(one * 12 + 1));
            kill_group(&mut child);
            let status = child.wait().unwrap();
            assert!(
                killed(&status),
                "{what}: the loop ended by itself: {status}"
            );
            t.kills += 1;
            t.note("append loops killed");
            let stdout = stdout.join().unwrap();
            let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
            assert_no_panic(&stderr, &what);
            let exits: Vec<&str> = stderr.lines().filter(|l| l.starts_with("exit=")).collect();
            assert!(
                exits.iter().all(|l| *l == "exit=0"),
                "{what}: an append in the loop failed:\n{stderr}"
            );
            let printed = json_stream(&stdout);
            assert!(
                printed.len() == exits.len() || printed.len() == exits.len() + 1,
                "{what}: {} acknowledgements for {} finished appends",
                printed.len(),
                exits.len()
            );
            for v in printed {
                acks.add_json(v, &what);
            }
        }
        let c = check(&s, &mut acks, &mut rng, &what);
        t.checks += 1;
        // Each append commits its checkpoint in the same transaction: never a gap.
        assert_eq!(
            c.checkpoint, c.size,
            "{what}: latest checkpoint behind the tree"
        );
        t.covered += 1;
        last_present = c.present;
    }
    t.close_ledger(&acks, last_present);
    t.print();
    assert_eq!(t.acknowledged, t.present);
}

/// A ledger with the operator, alice (entry 2 is her claim) and `importer` granted.
fn session_with_importer(importer: &SigningKey) -> (Session, Target) {
    let s = Session::with_claim();
    let vkey = importer.verifying_key().to_string();
    s.ok(&[
        "key", "grant", &vkey, "--name", "Importer", "--role", "reporter",
    ]);
    let two = s.ok(&["--json", "show", "2"]).json();
    let mut leaf = [0u8; 32];
    hex::decode_to_slice(two["leaf_hash"].as_str().unwrap(), &mut leaf).unwrap();
    (
        s,
        Target {
            index: 2,
            leaf_hash: leaf,
        },
    )
}

/// An import file of `lines` entries signed offline by `importer` (every 10th a statement
/// about entry 2). Returns its path and the leaf hashes in line order.
fn import_file(
    s: &Session,
    importer: &SigningKey,
    target: Target,
    name: &str,
    lines: u64,
) -> (PathBuf, Vec<String>) {
    let mut text = String::new();
    let mut leaves = Vec::with_capacity(lines as usize);
    for i in 0..lines {
        let signed = if i % 10 == 9 {
            SignedEntry::sign(
                statement(Stance::Contests, "Crash Test", &format!("{name} line {i}")),
                Some(target),
                importer,
            )
        } else {
            SignedEntry::sign(claim(&format!("{name} line {i}")), None, importer)
        }
        .unwrap();
        leaves.push(hex::encode(signed.envelope().leaf_hash()));
        text.push_str(&signed.to_line().to_string());
        text.push('\n');
    }
    let path = s.path(&format!("{name}.jsonl"));
    std::fs::write(&path, text).unwrap();
    (path, leaves)
}

/// How many lines of the file are in the ledger: they must be a prefix of the file, in order.
fn file_prefix(
    index_of: &std::collections::HashMap<String, u64>,
    leaves: &[String],
    what: &str,
) -> u64 {
    let mut present = 0u64;
    let mut last = None;
    for (line, leaf) in leaves.iter().enumerate() {
        if let Some(&idx) = index_of.get(leaf) {
            assert_eq!(
                present,
                line as u64,
                "{what}: line {} is in but line {} is not",
                line + 1,
                present + 1
            );
            assert!(last.is_none_or(|l| l < idx), "{what}: lines out of order");
            last = Some(idx);
            present += 1;
        }
    }
    present
}

#[test]
fn crash_sigkill_during_batch_import() {
    let wanted = kills_per_kind();
    let lines = env_u64("CLAIMLEDGER_CRASH_IMPORT_LINES", 1000);
    let batch = env_u64("CLAIMLEDGER_CRASH_BATCH", 20);
    let max_entries = env_u64("CLAIMLEDGER_CRASH_MAX_ENTRIES", 1_500);
    let mut rng = Rng::new(seed(2));
    let mut t = Tally::new("import");
    let importer = key("importer@test.example", 7);
    let (mut s, mut target) = session_with_importer(&importer);
    let mut acks = Acks::default();
    let mut file_no = 0;
    let mut file = import_file(&s, &importer, target, "import-0", lines);
    let import_args = |path: &Path| {
        vec![
            "--json".to_string(),
            "import".into(),
            path.to_string_lossy().into_owned(),
            "--batch-size".into(),
            batch.to_string(),
        ]
    };
    // Calibrate on the first file, imported whole.
    let started = Instant::now();
    let j = s.ok(&refs(&import_args(&file.0))).json();
    let full = started.elapsed().as_millis() as u64 + 1;
    assert_eq!(j["imported"].as_u64(), Some(lines));
    acks.unplaced.extend(file.1.iter().cloned());
    let c = check(&s, &mut acks, &mut rng, "calibration import");
    let (mut last_present, mut ledger_size) = (c.present, c.size);
    let mut file_done = true;
    let mut round = 0u64;
    while t.kills < wanted {
        if file_done {
            if ledger_size > max_entries {
                t.close_ledger(&acks, last_present);
                t.note("fresh ledgers");
                (s, target) = session_with_importer(&importer);
                acks = Acks::default();
            }
            file_no += 1;
            file = import_file(&s, &importer, target, &format!("import-{file_no}"), lines);
            file_done = false;
        }
        round += 1;
        assert!(
            round <= wanted * 10,
            "only {} of {round} imports were still running when killed",
            t.kills
        );
        let what = format!("import round {round}, file {file_no} (seed {:#x})", seed(2));
        let mut child = command(&s)
            .args(import_args(&file.0))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        sleep_ms(rng.below(full * 4 / 5 + 1));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if killed(&out.status) {
            t.kills += 1;
        } else {
            assert!(out.status.success(), "{what}: {stderr}");
            assert_no_panic(&stderr, &what);
            let j: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(
                j["imported"].as_u64().unwrap() + j["skipped"].as_u64().unwrap(),
                lines,
                "{what}: {j}"
            );
            t.finished += 1;
            acks.unplaced.extend(file.1.iter().cloned());
            file_done = true;
        }
        let c = check(&s, &mut acks, &mut rng, &what);
        t.checks += 1;
        // Each batch commits with its checkpoint: the tree is always covered.
        assert_eq!(
            c.checkpoint, c.size,
            "{what}: latest checkpoint behind the tree"
        );
        t.covered += 1;
        last_present = c.present;
        ledger_size = c.size;
        // All or nothing per batch: the file's lines in the ledger are whole batches.
        let m = file_prefix(&c.index_of, &file.1, &what);
        assert!(
            m % batch == 0 || m == lines,
            "{what}: {m} lines of the file are in, not a whole number of {batch}-line batches"
        );
        if killed(&out.status) {
            if m == 0 {
                t.note("kills before the first batch");
            } else if m == lines {
                t.note("kills after the last batch");
            } else {
                t.note("kills between batches");
            }
        }
    }
    t.close_ledger(&acks, last_present);
    t.print();
    assert_eq!(t.acknowledged, t.present);
}

#[test]
fn crash_sigkill_during_checkpoint_signing() {
    let wanted = kills_per_kind();
    let mut rng = Rng::new(seed(3));
    let mut t = Tally::new("checkpoint --sign");
    let importer = key("importer@test.example", 7);
    let (s, target) = session_with_importer(&importer);
    let mut acks = Acks::default();
    // init recorded this path; while the file is away, appends record without signing.
    let op = s.path("ledger.db.operator.key");
    let away = s.path("operator.key.away");
    assert!(op.exists());
    // Unsigned entries appended without the operator key (the file is moved away).
    let unsigned = |s: &Session, acks: &mut Acks, rng: &mut Rng, name: &str| {
        std::fs::rename(&op, &away).unwrap();
        let n = 1 + rng.below(60);
        let b = 1 + rng.below(30);
        let (path, leaves) = import_file(s, &importer, target, name, n);
        let j = s
            .ok(&[
                "--json",
                "import",
                path.to_str().unwrap(),
                "--batch-size",
                &b.to_string(),
            ])
            .json();
        assert_eq!(j["imported"].as_u64(), Some(n), "{name}: {j}");
        assert_eq!(j["checkpoint_size"], Value::Null, "{name}: {j}");
        acks.unplaced.extend(leaves);
    };
    // Kill delays follow how long a real signing takes here (calibrated, then every re-sign).
    let mut took = Vec::new();
    for i in 0..3 {
        unsigned(&s, &mut acks, &mut rng, &format!("calibration-{i}"));
        std::fs::rename(&away, &op).unwrap();
        let started = Instant::now();
        s.ok(&["--json", "checkpoint", "--sign"]);
        took.push(started.elapsed());
    }
    let mut round = 0u64;
    let mut last_present = 0;
    while t.kills < wanted {
        round += 1;
        assert!(
            round <= wanted * 10,
            "only {} of {round} signers were still running when killed",
            t.kills
        );
        let what = format!("checkpoint round {round} (seed {:#x})", seed(3));
        // Entries nobody signs a checkpoint for: the operator key is not readable.
        unsigned(&s, &mut acks, &mut rng, &format!("unsigned-{round}"));
        if round % 3 == 0 {
            let out = s.ok(&refs(&add_args(&format!("unsigned claim {round}"))));
            assert!(
                out.stderr.contains("no checkpoint signed"),
                "{}",
                out.stderr
            );
            acks.add_json(out.json(), &what);
        }
        let before = audit_ok(&s, &what);
        assert!(has_notice(&before, "uncovered_entries"), "{what}: {before}");
        std::fs::rename(&away, &op).unwrap();

        let mut child = command(&s)
            .args(["--json", "checkpoint", "--sign"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let one = median_ms(took[took.len().saturating_sub(9)..].to_vec());
        sleep_ms(rng.below(one + 1));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if killed(&out.status) {
            t.kills += 1;
        } else {
            assert!(out.status.success(), "{what}: {stderr}");
            assert_no_panic(&stderr, &what);
            t.finished += 1;
        }
        let signed: Option<Value> = serde_json::from_slice(&out.stdout).ok();
        let c = check(&s, &mut acks, &mut rng, &what);
        let size = c.size;
        t.checks += 1;
        last_present = c.present;
        if c.checkpoint == size {
            t.covered += 1;
            if killed(&out.status) {
                t.note("kills after the checkpoint committed");
            }
        } else {
            if killed(&out.status) {
                t.note("kills before the checkpoint committed");
            }
            let started = Instant::now();
            let j = s.ok(&["--json", "checkpoint", "--sign"]).json();
            took.push(started.elapsed());
            assert_eq!(j["size"].as_u64(), Some(size), "{what}");
            t.resigned += 1;
        }
        // A checkpoint the signer printed is stored, byte for byte.
        if let Some(j) = signed {
            let n = j["size"].as_u64().unwrap();
            let stored = s
                .ok(&["--json", "checkpoint", "--size", &n.to_string()])
                .json();
            assert_eq!(stored["note"], j["note"], "{what}");
            t.note("signed checkpoints acknowledged");
        }
        let after = audit_ok(&s, &what);
        assert!(
            !has_notice(&after, "uncovered_entries"),
            "{what}: still uncovered after checkpoint --sign: {after}"
        );
    }
    t.close_ledger(&acks, last_present);
    t.print();
    assert_eq!(t.acknowledged, t.present);
}

// ---- torn WAL and lost unsynced writes (library) ----------------------------------------------

/// A copy of the ledger at `dir/ledger.db`, with the WAL bytes given (none: no WAL file).
fn copy_ledger(src: &Path, dir: &Path, wal: Option<&[u8]>) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let dst = dir.join("ledger.db");
    std::fs::copy(src, &dst).unwrap();
    if let Some(w) = wal {
        std::fs::write(dir.join("ledger.db-wal"), w).unwrap();
    }
    dst
}

/// Open a copy and audit it. Must be an intact older state of `leaves`: Ok(size), audit
/// clean, every leaf as in the original, latest checkpoint = size (appends sign in the same
/// transaction). Err(message) when the copy does not open as a ledger.
fn open_copy(path: &Path, leaves: &[[u8; 32]], what: &str) -> Result<u64, String> {
    let ledger = Ledger::open(path).map_err(|e| e.to_string())?;
    let report = ledger.audit().unwrap();
    assert!(report.ok, "{what}: audit findings {:#?}", report.findings);
    let size = ledger.size().unwrap();
    assert!(
        size as usize <= leaves.len(),
        "{what}: copy is larger than the original"
    );
    for i in 0..size {
        assert_eq!(
            ledger.entry(i).unwrap().leaf_hash(),
            leaves[i as usize],
            "{what}: entry {i} differs from the original"
        );
    }
    if size > 0 {
        assert_eq!(
            ledger.checkpoint(None).unwrap().checkpoint.size,
            size,
            "{what}"
        );
    }
    Ok(size)
}

#[test]
fn torn_wal_and_lost_unsynced_writes_leave_an_older_consistent_state() {
    let cuts = env_u64("CLAIMLEDGER_CRASH_WAL_CUTS", 24);
    let mut rng = Rng::new(seed(4));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let operator = key(ORIGIN, 1);
    let alice = key("alice@test.example", 2);
    let mut leaves: Vec<[u8; 32]> = Vec::new();

    // Case 0: a ledger whose creating connection never closed, so its DB file has never
    // received a WAL checkpoint. Losing the WAL loses the whole ledger: it must say so clearly.
    let fresh_dir = dir.path().join("fresh");
    std::fs::create_dir(&fresh_dir).unwrap();
    let fresh = {
        let p = fresh_dir.join("ledger.db");
        let mut l = Ledger::create(&p, &operator).unwrap();
        l.grant(&alice.verifying_key(), "Alice Martin", "reporter")
            .unwrap();
        l.append(claim("never checkpointed"), &alice).unwrap();
        let copy = copy_ledger(&p, &dir.path().join("fresh-no-wal"), None);
        let len = std::fs::metadata(&copy).unwrap().len();
        let outcome = match Ledger::open(&copy) {
            Ok(c) => {
                let r = c.audit().unwrap();
                format!(
                    "opened, {} entries, audit {}",
                    r.entries,
                    if r.ok { "ok" } else { "FAILED" }
                )
            }
            Err(e) => format!("refused: {e}"),
        };
        let outcome = format!("db file {len} bytes, {outcome}");
        drop(l);
        outcome
    };

    // A ledger closed cleanly (its DB file holds everything: the last WAL checkpoint)…
    {
        let mut l = Ledger::create(&path, &operator).unwrap();
        l.grant(&alice.verifying_key(), "Alice Martin", "reporter")
            .unwrap();
        for i in 0..10 {
            l.append(claim(&format!("before the checkpoint {i}")), &alice)
                .unwrap();
        }
    }
    let checkpointed = {
        let l = Ledger::open(&path).unwrap();
        for i in 0..l.size().unwrap() {
            leaves.push(l.entry(i).unwrap().leaf_hash());
        }
        l.size().unwrap()
    };
    let wal_path = dir.path().join("ledger.db-wal");
    assert!(!wal_path.exists() || std::fs::metadata(&wal_path).unwrap().len() == 0);

    // …then reopened and appended to while held open: these commits live in the WAL only.
    let mut l = Ledger::open(&path).unwrap();
    l.load_operator_key(operator.clone()).unwrap();
    for i in 0..40 {
        let a = l.append(claim(&format!("in the WAL {i}")), &alice).unwrap();
        leaves.push(a.entry.leaf_hash());
    }
    let full = l.size().unwrap();
    let wal = std::fs::read(&wal_path).unwrap();
    let db = std::fs::read(&path).unwrap();
    let page = match u16::from_be_bytes([db[16], db[17]]) {
        1 => 65536,
        p => p as usize,
    };
    let frame = 24 + page;
    assert!(wal.len() > 32, "the appends should be in the WAL");

    // The DB file without its WAL: the last checkpointed state, intact.
    let no_wal = open_copy(
        &copy_ledger(&path, &dir.path().join("no-wal"), None),
        &leaves,
        "db without WAL",
    )
    .unwrap_or_else(|e| panic!("db without WAL does not open: {e}"));
    assert!(no_wal >= checkpointed && no_wal <= full);
    // DB + whole WAL: everything committed.
    let whole = open_copy(
        &copy_ledger(&path, &dir.path().join("whole-wal"), Some(&wal)),
        &leaves,
        "db + whole WAL",
    )
    .unwrap();
    assert_eq!(whole, full, "db + the whole WAL must hold every commit");

    // The WAL cut at fixed and random offsets: SQLite drops torn frames and uncommitted ones.
    let mut offsets: BTreeSet<usize> = [0, 16, 32, 32 + frame / 2, 32 + frame, wal.len() - 1]
        .into_iter()
        .collect();
    while offsets.len() < cuts as usize + 6 {
        offsets.insert(rng.below(wal.len() as u64) as usize);
    }
    let mut outcomes: BTreeMap<u64, u64> = BTreeMap::new();
    let mut prev = 0;
    for (n, &cut) in offsets.iter().enumerate() {
        let what = format!("WAL cut at byte {cut} of {}", wal.len());
        let size = open_copy(
            &copy_ledger(
                &path,
                &dir.path().join(format!("cut-{n}")),
                Some(&wal[..cut]),
            ),
            &leaves,
            &what,
        )
        .unwrap_or_else(|e| panic!("{what}: does not open: {e}"));
        assert!(size >= no_wal && size <= full, "{what}: size {size}");
        assert!(size >= prev, "{what}: a longer WAL gave an older state");
        prev = size;
        *outcomes.entry(size).or_default() += 1;
    }
    // A flipped byte in a frame (a torn sector): the frame checksum fails, recovery stops there.
    let frames = (wal.len() - 32) / frame;
    let mut flips: BTreeMap<u64, u64> = BTreeMap::new();
    for n in 0..6 {
        let f = rng.below(frames as u64) as usize;
        let at = 32 + f * frame + 24 + rng.below(page as u64) as usize;
        let mut w = wal.clone();
        w[at] ^= 0x5a;
        let what = format!("WAL byte {at} flipped (frame {f})");
        let size = open_copy(
            &copy_ledger(&path, &dir.path().join(format!("flip-{n}")), Some(&w)),
            &leaves,
            &what,
        )
        .unwrap_or_else(|e| panic!("{what}: does not open: {e}"));
        assert!(size >= no_wal && size < full, "{what}: size {size}");
        *flips.entry(size).or_default() += 1;
    }
    drop(l);
    let fmt = |m: &BTreeMap<u64, u64>| {
        m.iter()
            .map(|(s, n)| format!("{n}×size {s}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "torn-wal: WAL {} bytes ({frames} frames of {frame}), ledger {full} entries, last WAL checkpoint at {checkpointed}; \
         db without WAL -> intact at size {no_wal}; db + whole WAL -> {whole}; {} cuts -> {} (all audit ok, prefixes of the original); \
         6 flipped bytes -> {}; never-checkpointed ledger without its WAL -> {fresh}",
        wal.len(),
        offsets.len(),
        fmt(&outcomes),
        fmt(&flips),
    );
}
