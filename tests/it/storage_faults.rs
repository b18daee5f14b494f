//! Storage faults (issue 5, item 6): appending to a read-only ledger (a write-protected file for
//! an unprivileged user, a read-only mount) or on a full disk (a tiny tmpfs, `ulimit -f`) exits
//! 2 with one clear line on stderr, no panic, and leaves the ledger auditable with no partial
//! entry.
//!
//! CI runs as root, for whom file modes stop nothing: the read-only file test drops to uid/gid
//! 65534 with `setpriv` (or `runuser -u nobody`); the mount tests need `mount` (root with
//! CAP_SYS_ADMIN). When the mechanism is not available the test prints a notice and passes.

use crate::cli::{Out, Session};
use crate::crash::{assert_no_panic, audit_ok, bin, command, env_u64};
use crate::ledger::claim;
use claimledger::Ledger;
use claimledger::format::entry::SignedEntry;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const NOBODY: u32 = 65534;

fn notice(test: &str, why: &str) {
    eprintln!("notice: skipping {test}: {why}");
    crate::util::record_skip(why);
    println!("storage[{test}]: SKIPPED ({why})");
}

fn euid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(str::to_string))
        })
        .and_then(|u| u.parse().ok())
        .unwrap_or(0)
}

fn output(cmd: &mut Command) -> Out {
    let out = cmd.output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `Session::with_claim`, in a folder under `base` (so another user can reach it).
fn with_claim_in(base: &Path) -> Session {
    let s = Session {
        dir: tempfile::tempdir_in(base).unwrap(),
    };
    s.init_with_alice();
    s.ok(&add("the first claim"));
    s
}

fn add(text: &str) -> Vec<&str> {
    vec![
        "--key",
        "alice.key",
        "--json",
        "claim",
        "add",
        "--text",
        text,
        "--claimant",
        "X",
    ]
}

/// A JSON Lines file of `n` claims signed offline by alice.
fn import_file(s: &Session, name: &str, n: u64) -> PathBuf {
    let alice = claimledger::ledger::keyfile::read_signing_key(&s.path("alice.key")).unwrap();
    let mut text = String::new();
    for i in 0..n {
        let e = SignedEntry::sign(claim(&format!("{name} {i}")), None, &alice).unwrap();
        text.push_str(&e.to_line().to_string());
        text.push('\n');
    }
    let p = s.path(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn size(s: &Session) -> u64 {
    Ledger::open(s.ledger()).unwrap().size().unwrap()
}

/// A failure as the issue wants it: exit 2, one `claimledger: error:` line naming the cause.
fn assert_clear_failure(out: &Out, needles: &[&str], what: &str) {
    assert_eq!(
        out.code, 2,
        "{what}: expected exit 2\nstdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert_no_panic(&out.stderr, what);
    assert!(
        out.stderr.starts_with("claimledger: error: "),
        "{what}: {}",
        out.stderr
    );
    let lower = out.stderr.to_lowercase();
    assert!(
        needles.iter().any(|n| lower.contains(n)),
        "{what}: stderr names none of {needles:?}:\n{}",
        out.stderr
    );
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

// ---- read-only file, unprivileged user -------------------------------------------------------

/// How to run a command as uid/gid 65534, if this machine allows it.
fn as_nobody_prefix() -> Option<Vec<&'static str>> {
    if euid() != 0 {
        // Not root: file modes already apply to us.
        return Some(vec![]);
    }
    let candidates: [&[&str]; 2] = [
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ],
        &["runuser", "-u", "nobody", "--"],
    ];
    for c in candidates {
        let ok = Command::new(c[0])
            .args(&c[1..])
            .args(["sh", "-c", "test \"$(id -u)\" = 65534"])
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(c.to_vec());
        }
    }
    None
}

fn chown_tree(dir: &Path) {
    std::os::unix::fs::chown(dir, Some(NOBODY), Some(NOBODY)).unwrap();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        std::os::unix::fs::chown(&p, Some(NOBODY), Some(NOBODY)).unwrap();
    }
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A session another user can reach (its parent folders are world-searchable), or None.
fn reachable_base() -> Option<PathBuf> {
    let searchable = |p: &Path| {
        p.ancestors()
            .all(|a| std::fs::metadata(a).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
    };
    [PathBuf::from("/tmp"), std::env::temp_dir()]
        .into_iter()
        .find(|p| p.is_dir() && searchable(p))
}

struct Nobody {
    prefix: Vec<&'static str>,
}

impl Nobody {
    fn run(&self, s: &Session, args: &[&str]) -> Out {
        let mut cmd = match self.prefix.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(bin());
                c
            }
            None => Command::new(bin()),
        };
        cmd.current_dir(s.dir.path())
            .env_remove("CLAIMLEDGER_KEY")
            .env_remove("CLAIMLEDGER_OPERATOR_KEY")
            .env("CLAIMLEDGER_LEDGER", s.ledger())
            .args(args);
        output(&mut cmd)
    }
}

/// A ledger owned by uid 65534 with its file mode 0444 (folder writable), or a skip notice.
fn read_only_setup(test: &str) -> Option<(Session, Nobody)> {
    let Some(prefix) = as_nobody_prefix() else {
        notice(
            test,
            "running as root and neither setpriv nor runuser can drop to uid 65534",
        );
        return None;
    };
    let Some(base) = reachable_base() else {
        notice(test, "no temporary folder that uid 65534 can reach");
        return None;
    };
    let s = with_claim_in(&base);
    if euid() == 0 {
        chown_tree(s.dir.path());
    }
    chmod(&s.ledger(), 0o444);
    Some((s, Nobody { prefix }))
}

#[test]
fn read_only_ledger_file_refuses_appends_clearly() {
    let test = "read-only file";
    let Some((s, nobody)) = read_only_setup(test) else {
        return;
    };
    let before = s.snapshot();
    let entries = size(&s);
    let lines = import_file(&s, "three.jsonl", 3);
    if euid() == 0 {
        std::os::unix::fs::chown(&lines, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    let appended = nobody.run(&s, &add("on a read-only file"));
    assert_clear_failure(
        &appended,
        &["readonly", "read-only"],
        "claim add, file 0444",
    );
    let imported = nobody.run(&s, &["import", lines.to_str().unwrap()]);
    assert_clear_failure(&imported, &["readonly", "read-only"], "import, file 0444");
    let vkey = nobody.run(&s, &["key", "show", "alice.key"]).stdout;
    let granted = nobody.run(
        &s,
        &[
            "key",
            "grant",
            vkey.trim(),
            "--name",
            "Again",
            "--role",
            "reporter",
        ],
    );
    assert_clear_failure(&granted, &["readonly", "read-only"], "key grant, file 0444");
    // Reading a write-protected ledger still works (its folder is writable).
    let log = nobody.run(&s, &["log", "--limit", "1"]);
    assert_eq!(log.code, 0, "log on a 0444 file: {}", log.stderr);
    let audit = nobody.run(&s, &["--json", "audit"]);
    assert_eq!(audit.code, 0, "audit on a 0444 file: {}", audit.stderr);
    // Nothing changed; the owner (root here) audits it clean.
    assert_eq!(s.snapshot(), before, "the read-only ledger changed");
    assert_eq!(size(&s), entries);
    audit_ok(&s, test);
    println!(
        "storage[{test}]: claim add, import and key grant as uid {} on a 0444 ledger: exit 2, {:?}; \
         log and audit still work; ledger unchanged ({entries} entries), audit ok",
        if euid() == 0 { NOBODY } else { euid() },
        first_line(&appended.stderr),
    );
}

/// A read of a write-protected ledger used to leave `ledger.db-shm` behind with mode 0444
/// (SQLite copies the database file's mode); once the file was writable again, every append by
/// its owner failed with "attempt to write a readonly database". Readers now open such a file
/// `immutable=1` and create nothing. See: issue #12 point 6.
#[test]
fn ledger_made_writable_again_accepts_appends() {
    let test = "read-only then writable";
    let Some((s, nobody)) = read_only_setup(test) else {
        return;
    };
    let log = nobody.run(&s, &["log", "--limit", "1"]);
    assert_eq!(log.code, 0, "{}", log.stderr);
    chmod(&s.ledger(), 0o644);
    let out = nobody.run(&s, &add("after chmod 644"));
    assert_eq!(out.code, 0, "append after chmod 644: {}", out.stderr);
}

// ---- mounts: read-only and full ------------------------------------------------------------

/// A tmpfs mounted on a session's (empty) folder; unmounted on drop.
struct Tmpfs {
    at: PathBuf,
}

impl Tmpfs {
    fn mount(s: &Session, size: &str) -> Result<Tmpfs, String> {
        let at = s.dir.path().to_path_buf();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(&at)
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cannot mount a tmpfs: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Tmpfs { at })
    }

    fn remount(&self, opt: &str) {
        let st = Command::new("mount")
            .args(["-o", &format!("remount,{opt}")])
            .arg(&self.at)
            .status()
            .unwrap();
        assert!(st.success(), "remount {opt}");
    }

    fn free_bytes(&self) -> u64 {
        let out = Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.at)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .unwrap()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.at)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Command::new("umount").arg("-l").arg(&self.at).status();
        }
    }
}

/// `Session::with_claim` built inside a fresh tmpfs of `size`.
fn session_on_tmpfs(test: &str, size: &str) -> Option<(Session, Tmpfs)> {
    let s = Session::new();
    match Tmpfs::mount(&s, size) {
        Ok(m) => {
            s.init_with_alice();
            s.ok(&add("the first claim"));
            Some((s, m))
        }
        Err(why) => {
            notice(test, &why);
            None
        }
    }
}

#[test]
fn read_only_mount_refuses_appends_clearly() {
    let test = "read-only mount";
    let Some((s, m)) = session_on_tmpfs(test, "4m") else {
        return;
    };
    let before = s.snapshot();
    let entries = size(&s);
    let lines = import_file(&s, "three.jsonl", 3);
    m.remount("ro");
    let appended = s.run(&add("on a read-only mount"));
    // Today: "opening ledger …: storage: unable to open database file" (EROFS on the -shm).
    assert_clear_failure(
        &appended,
        &["read-only", "readonly", "unable to open"],
        "claim add, read-only mount",
    );
    assert!(appended.stderr.contains("ledger.db"), "{}", appended.stderr);
    let imported = s.run(&["import", lines.to_str().unwrap()]);
    assert_clear_failure(
        &imported,
        &["read-only", "readonly", "unable to open"],
        "import, read-only mount",
    );
    let audit_ro = s.run(&["audit"]);
    assert_no_panic(&audit_ro.stderr, "audit, read-only mount");
    // Reads work on a read-only mount (issue #12 point 6).
    assert_eq!(
        audit_ro.code, 0,
        "audit, read-only mount: {}",
        audit_ro.stderr
    );
    assert_reads_work(|args| s.run(args), "read-only mount");
    m.remount("rw");
    assert_eq!(s.snapshot(), before, "the ledger changed");
    assert_eq!(size(&s), entries);
    audit_ok(&s, test);
    println!(
        "storage[{test}]: claim add and import: exit 2, {:?}; audit while read-only: exit {} {:?}; \
         after remount rw: unchanged ({entries} entries), audit ok",
        first_line(&appended.stderr),
        audit_ro.code,
        first_line(&audit_ro.stderr),
    );
}

#[test]
fn full_disk_refuses_appends_and_leaves_no_partial_entry() {
    let test = "disk full (tmpfs)";
    let Some((s, m)) = session_on_tmpfs(test, "2m") else {
        return;
    };
    let batch = 25;
    let lines = import_file(&s, "many.jsonl", 400);
    // Fill the disk, then give back a little: a few appends fit, then one does not.
    let filler = s.path("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 4096];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    }
    let full = std::fs::metadata(&filler).unwrap().len();
    let slack = env_u64("CLAIMLEDGER_DISKFULL_SLACK_KB", 160) * 1024;
    std::fs::File::options()
        .write(true)
        .open(&filler)
        .unwrap()
        .set_len(full.saturating_sub(slack))
        .unwrap();
    let free = m.free_bytes();
    let start = size(&s);
    let mut ok = 0u64;
    let failed = loop {
        let text = format!("appended on a nearly full disk {ok}");
        let out = s.run(&add(&text));
        if out.code == 0 {
            ok += 1;
            assert!(ok < 500, "the disk never filled up");
            continue;
        }
        break (out, text);
    };
    let (failed, lost_text) = failed;
    assert_clear_failure(
        &failed,
        &["disk is full", "no space"],
        "claim add, disk full",
    );
    // Still full: the ledger reads and audits clean, with no partial entry.
    let audit_full = s.run(&["--json", "audit"]);
    assert_eq!(
        audit_full.code, 0,
        "audit on a full disk: {}",
        audit_full.stderr
    );
    assert_eq!(size(&s), start + ok);
    // A batch import on the full disk: whole batches or nothing.
    let imported = s.run(&[
        "import",
        lines.to_str().unwrap(),
        "--batch-size",
        &batch.to_string(),
    ]);
    assert_clear_failure(
        &imported,
        &["disk is full", "no space"],
        "import, disk full",
    );
    let after_import = size(&s);
    assert_eq!(
        (after_import - start - ok) % batch,
        0,
        "a partial batch is in"
    );
    // Make room: same ledger, audits clean, appends again, the failed claim is not in it.
    std::fs::remove_file(&filler).unwrap();
    audit_ok(&s, test);
    let found = s.ok(&["--json", "search", &lost_text]).json();
    assert_eq!(
        found.as_array().map(Vec::len),
        Some(0),
        "the refused claim is in"
    );
    s.ok(&add("after making room"));
    let again = s.ok(&["--json", "import", lines.to_str().unwrap()]).json();
    assert_eq!(
        again["imported"].as_u64().unwrap() + again["skipped"].as_u64().unwrap(),
        400
    );
    let report = audit_ok(&s, test);
    drop(m);
    println!(
        "storage[{test}]: {free} bytes free: {ok} appends fit, then exit 2, {:?}; import: exit 2, {:?}, \
         {} whole batches in; audit ok while full and after; no partial entry; appends resume after freeing space ({} entries)",
        first_line(&failed.stderr),
        first_line(&imported.stderr),
        (after_import - start - ok) / batch,
        report["entries"],
    );
}

#[test]
fn file_size_limit_refuses_appends_and_leaves_no_partial_entry() {
    let test = "disk full (ulimit -f)";
    let s = Session::with_claim();
    let blocks = env_u64("CLAIMLEDGER_ULIMIT_BLOCKS", 64);
    // SIGXFSZ ignored, so writes past the limit fail with EFBIG instead of killing the process.
    let limited = |args: &[&str]| {
        let mut cmd = Command::new("sh");
        cmd.current_dir(s.dir.path())
            .env_remove("CLAIMLEDGER_KEY")
            .env_remove("CLAIMLEDGER_OPERATOR_KEY")
            .env("CLAIMLEDGER_LEDGER", s.ledger())
            .args([
                "-c",
                &format!("ulimit -f {blocks} && trap '' XFSZ && exec \"$0\" \"$@\""),
                bin(),
            ])
            .args(args);
        output(&mut cmd)
    };
    let probe = limited(&["--version"]);
    if probe.code != 0 {
        notice(
            test,
            &format!("sh cannot set ulimit -f: {}", probe.stderr.trim()),
        );
        return;
    }
    let start = size(&s);
    let mut ok = 0u64;
    let (failed, lost_text) = loop {
        let text = format!("appended under a file size limit {ok}");
        let out = limited(&add(&text));
        if out.code == 0 {
            ok += 1;
            assert!(ok < 200, "the file size limit never bit");
            continue;
        }
        break (out, text);
    };
    // EFBIG is not ENOSPC: SQLite reports a write I/O error.
    assert_clear_failure(
        &failed,
        &["disk i/o error", "disk is full", "file too large"],
        "claim add, ulimit -f",
    );
    assert_eq!(size(&s), start + ok, "acknowledged appends");
    audit_ok(&s, test);
    let found = s.ok(&["--json", "search", &lost_text]).json();
    assert_eq!(
        found.as_array().map(Vec::len),
        Some(0),
        "the refused claim is in"
    );
    s.ok(&add("without the limit"));
    audit_ok(&s, test);
    println!(
        "storage[{test}]: ulimit -f {blocks} (sh blocks): {ok} appends fit, then exit 2, {:?}; \
         no partial entry; audit ok; appends resume without the limit",
        first_line(&failed.stderr),
    );
}

/// Regression: output used to be written with `print!`/`println!`, which panic when stdout fails
/// (`claimledger log > out.txt` on a full disk died with exit 101). Now: exit 2 and one line.
#[test]
fn output_to_a_full_disk_fails_clearly() {
    let test = "stdout on a full disk";
    let Ok(full) = std::fs::File::options().write(true).open("/dev/full") else {
        notice(test, "no /dev/full");
        return;
    };
    let s = Session::with_claim();
    for args in [&["log"][..], &["--json", "audit"], &["--json", "show", "2"]] {
        let out = command(&s)
            .args(args)
            .env_remove("RUST_BACKTRACE")
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_no_panic(&stderr, &format!("{args:?} > /dev/full"));
        assert_eq!(out.status.code(), Some(2), "{args:?} > /dev/full: {stderr}");
    }
}

// ---- readers who cannot write the file (issue #12 point 6) ---------------------------------

/// Every read command, as `run` runs them, exits 0 on a ledger with claim #2 and `alice.key`.
fn assert_reads_work(run: impl Fn(&[&str]) -> Out, what: &str) {
    // Asked through `run`: opening the ledger here could leave side files the reader then uses.
    let cp = run(&["--json", "checkpoint"]);
    assert_eq!(cp.code, 0, "{what}: checkpoint: {}", cp.stderr);
    let log_key = cp.json()["log_vkey"].as_str().unwrap().to_string();
    let reads: [&[&str]; 14] = [
        &["log"],
        &["show", "2"],
        &["history", "2"],
        &["search", "first"],
        &["figures"],
        &["key", "list"],
        &["checkpoint"],
        &["checkpoint", "--list"],
        &["prove", "inclusion", "2"],
        &["receipt", "2"],
        &["export"],
        &["--json", "audit"],
        &["audit", "--log-key", &log_key],
        &[
            "sign",
            "contest",
            "2",
            "--key",
            "alice.key",
            "--text",
            "no",
            "--speaker",
            "Y",
        ],
    ];
    for args in reads {
        let out = run(args);
        assert_eq!(out.code, 0, "{what}: {args:?}: {}", out.stderr);
        assert_no_panic(&out.stderr, what);
    }
}

/// How to run a command as `uid` (same gid) when running as root, if this machine allows it.
fn as_user_prefix(uid: u32) -> Option<Vec<String>> {
    let prefix = vec![
        "setpriv".to_string(),
        format!("--reuid={uid}"),
        format!("--regid={uid}"),
        "--clear-groups".to_string(),
    ];
    let ok = Command::new(&prefix[0])
        .args(&prefix[1..])
        .args(["sh", "-c", &format!("test \"$(id -u)\" = {uid}")])
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(prefix)
}

fn run_as(prefix: &[String], s: &Session, args: &[&str]) -> Out {
    let mut cmd = Command::new(&prefix[0]);
    cmd.args(&prefix[1..])
        .arg(bin())
        .current_dir(s.dir.path())
        .env_remove("CLAIMLEDGER_KEY")
        .env_remove("CLAIMLEDGER_OPERATOR_KEY")
        .env("CLAIMLEDGER_LEDGER", s.ledger())
        .args(args);
    output(&mut cmd)
}

/// Files in the session folder owned by `uid`.
fn owned_by(s: &Session, uid: u32) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    std::fs::read_dir(s.dir.path())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.metadata().unwrap().uid() == uid)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// A ledger owned by uid 65534 (mode 0644, the folder `dir_mode`), read by uid 65533: every
/// read works, the reader leaves no file behind, and the owner appends afterwards.
fn reader_who_cannot_write(test: &str, dir_mode: u32) {
    if euid() != 0 {
        crate::util::skip(&format!(
            "{test}: needs root to give the ledger and its reader two different users"
        ));
        return;
    }
    let (Some(owner), Some(reader)) = (as_user_prefix(NOBODY), as_user_prefix(NOBODY - 1)) else {
        crate::util::skip(&format!(
            "{test}: setpriv cannot switch to uids 65534 and 65533"
        ));
        return;
    };
    let Some(base) = reachable_base() else {
        crate::util::skip(&format!(
            "{test}: no temporary folder other users can reach"
        ));
        return;
    };
    let s = with_claim_in(&base);
    chown_tree(s.dir.path());
    chmod(&s.ledger(), 0o644);
    chmod(&s.path("alice.key"), 0o600);
    chmod(s.dir.path(), dir_mode);
    let before = s.snapshot();
    let run = |args: &[&str]| {
        // `sign` needs a key the reader can read: the only read that takes one.
        if args.first() == Some(&"sign") {
            let key = s.path("reader.key");
            if !key.exists() {
                std::fs::copy(s.path("alice.key"), &key).unwrap();
                std::os::unix::fs::chown(&key, Some(NOBODY - 1), Some(NOBODY - 1)).unwrap();
                chmod(&key, 0o600);
            }
            let mut a: Vec<&str> = args.to_vec();
            a[4] = "reader.key";
            return run_as(&reader, &s, &a);
        }
        run_as(&reader, &s, args)
    };
    assert_reads_work(run, test);
    let left: Vec<String> = owned_by(&s, NOBODY - 1)
        .into_iter()
        .filter(|n| n != "reader.key")
        .collect();
    assert!(left.is_empty(), "{test}: the reader left {left:?} behind");
    assert_eq!(s.snapshot(), before, "{test}: a read changed the ledger");
    // The owner is not blocked by anything the reader did.
    let appended = run_as(&owner, &s, &add("after the reader"));
    assert_eq!(
        appended.code, 0,
        "{test}: owner's append: {}",
        appended.stderr
    );
    // While the owner holds the ledger open with a write-ahead log, the reader still reads
    // (through the owner's -wal and -shm, opened read-only) and creates nothing.
    let held = rusqlite::Connection::open(s.ledger()).unwrap();
    // A row nothing reads: it only puts a committed frame in the -wal.
    held.execute(
        "INSERT INTO meta (key, value) VALUES ('test_note', 'held')",
        [],
    )
    .unwrap();
    assert!(s.path("ledger.db-wal").metadata().unwrap().len() > 0);
    std::os::unix::fs::chown(s.path("ledger.db-wal"), Some(NOBODY), Some(NOBODY)).unwrap();
    std::os::unix::fs::chown(s.path("ledger.db-shm"), Some(NOBODY), Some(NOBODY)).unwrap();
    let log = run(&["log", "--limit", "1"]);
    assert_eq!(
        log.code, 0,
        "{test}: log beside a live -wal: {}",
        log.stderr
    );
    let audit = run(&["--json", "audit"]);
    assert_eq!(
        audit.code, 0,
        "{test}: audit beside a live -wal: {}",
        audit.stderr
    );
    drop(held);
    let left: Vec<String> = owned_by(&s, NOBODY - 1)
        .into_iter()
        .filter(|n| n != "reader.key")
        .collect();
    assert!(left.is_empty(), "{test}: the reader left {left:?} behind");
    let appended = run_as(&owner, &s, &add("after the second reader"));
    assert_eq!(
        appended.code, 0,
        "{test}: owner's append: {}",
        appended.stderr
    );
    chmod(s.dir.path(), 0o700);
    audit_ok(&s, test);
    println!(
        "storage[{test}]: every read works as another user; nothing left behind; the owner appends after"
    );
}

// See: issue #12 point 6 ("attempt to write a readonly database" for another user's reader).
#[test]
fn reader_of_a_0644_ledger_in_a_0755_folder() {
    reader_who_cannot_write("0644 ledger, 0755 folder", 0o755);
}

// See: issue #12 point 6 (a reader's -wal/-shm in a shared folder blocked the owner's appends).
#[test]
fn reader_in_a_shared_folder_leaves_nothing_behind() {
    reader_who_cannot_write("0644 ledger, shared 1777 folder", 0o1777);
}
