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

/// BUG (reported, not fixed here): a read of a write-protected ledger leaves `ledger.db-shm`
/// behind with mode 0444 (SQLite copies the database file's mode); once the file is writable
/// again, every append by its owner fails with "attempt to write a readonly database" until
/// someone deletes the stale -shm. Run with `--ignored` to check a fix.
#[test]
#[ignore = "known bug: stale read-only ledger.db-shm blocks appends after chmod u+w"]
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
