//! Interop with litewitness, the reference C2SP tlog-witness (filippo.io/torchwood v0.6.1, built
//! from tests/litewitness/go.mod), its key served by an ssh-agent: `claimledger cosign` collects
//! its cosignatures, our verifiers accept them, a fork or a rollback gets its 409/422 and an
//! evidence file, and witnesses that are down or too slow are reported and passed over.

use crate::cli::Session;
use crate::util;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// litewitness and witnessctl, built once per test run under target/.
fn binaries() -> Option<&'static (PathBuf, PathBuf)> {
    static BUILT: OnceLock<Option<(PathBuf, PathBuf)>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/litewitness-bin");
            std::fs::create_dir_all(&dir).ok()?;
            let lw = util::go_build(
                "litewitness",
                "filippo.io/torchwood/cmd/litewitness",
                &dir.join("litewitness"),
            )?;
            let ctl = util::go_build(
                "litewitness",
                "filippo.io/torchwood/cmd/witnessctl",
                &dir.join("witnessctl"),
            )?;
            Some((lw, ctl))
        })
        .as_ref()
}

/// A port that was free a moment ago (litewitness takes an address, not a listener).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "{what} did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running litewitness with its own ssh-agent, both stopped on drop.
pub struct LiteWitness {
    agent: Child,
    server: Option<Child>,
    dir: tempfile::TempDir,
    ctl: PathBuf,
    /// Base URL (add-checkpoint is under it).
    pub url: String,
    /// Its cosignature verifier key, as litewitness prints it at start.
    pub vkey: String,
}

impl LiteWitness {
    /// Start a witness named `name` that knows the log `log_vkey` (whose name is the origin).
    /// None (with a notice, or a failure under CI=true) when Go or ssh-agent is missing.
    pub fn start(name: &str, log_vkey: &str) -> Option<LiteWitness> {
        let (lw, ctl) = binaries()?;
        for tool in ["ssh-agent", "ssh-add", "ssh-keygen"] {
            if Command::new(tool).arg("-h").output().is_err() {
                util::skip(&format!(
                    "{tool} not found (Debian package openssh-client; .ci/run installs it)"
                ));
                return None;
            }
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let key = d.join("witness.pem");
        let (ok, out) = util::run_combined(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "", "-f"])
                .arg(&key),
        );
        assert!(ok, "ssh-keygen: {out}");
        let (ok, fingerprint) = util::run_combined(
            Command::new("ssh-keygen")
                .arg("-lf")
                .arg(key.with_extension("pem.pub")),
        );
        assert!(ok, "ssh-keygen -l: {fingerprint}");
        let fingerprint = fingerprint
            .split_whitespace()
            .nth(1)
            .expect("256 SHA256:… comment (ED25519)")
            .to_string();
        // Unix socket paths are short (108 bytes): the temp dir keeps it well under.
        let sock = d.join("agent.sock");
        let agent = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent starts");
        wait_for("ssh-agent", || sock.exists());
        let (ok, out) = util::run_combined(
            Command::new("ssh-add")
                .env("SSH_AUTH_SOCK", &sock)
                .arg(&key),
        );
        let mut w = LiteWitness {
            agent,
            server: None,
            dir,
            ctl: ctl.clone(),
            url: String::new(),
            vkey: String::new(),
        };
        assert!(ok, "ssh-add: {out}");
        let origin = log_vkey.split('+').next().expect("vkey name");
        w.ctl(&["add-log", "-origin", origin]);
        w.ctl(&["add-key", "-origin", origin, "-key", log_vkey]);
        let port = free_port();
        let log = w.dir.path().join("litewitness.log");
        let server = Command::new(lw)
            .arg("-db")
            .arg(w.dir.path().join("litewitness.db"))
            .args(["-name", name, "-key", &fingerprint, "-ssh-agent"])
            .arg(&sock)
            .args(["-listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("litewitness starts");
        w.server = Some(server);
        wait_for("litewitness", || {
            std::fs::read_to_string(&log).is_ok_and(|s| s.contains("msg=listening"))
        });
        let text = std::fs::read_to_string(&log).expect("log");
        w.vkey = text
            .split_whitespace()
            .find_map(|f| f.strip_prefix("vkey="))
            .expect("litewitness logs its verifier key")
            .to_string();
        w.url = format!("http://127.0.0.1:{port}");
        Some(w)
    }

    fn ctl(&self, args: &[&str]) {
        let (ok, out) = util::run_combined(
            Command::new(&self.ctl)
                .arg(args[0])
                .arg("-db")
                .arg(self.dir.path().join("litewitness.db"))
                .args(&args[1..]),
        );
        assert!(ok, "witnessctl {args:?}: {out}");
    }
}

impl Drop for LiteWitness {
    fn drop(&mut self) {
        if let Some(s) = &mut self.server {
            let _ = s.kill();
            let _ = s.wait();
        }
        let _ = self.agent.kill();
        let _ = self.agent.wait();
    }
}

/// The ledger's log vkey (`claimledger checkpoint --json`).
fn log_vkey(s: &Session) -> String {
    s.ok(&["checkpoint", "--json"]).json()["log_vkey"]
        .as_str()
        .expect("log_vkey")
        .to_string()
}

fn add_claim(s: &Session, text: &str) {
    s.ok(&[
        "--key",
        "alice.key",
        "claim",
        "add",
        "--text",
        text,
        "--claimant",
        "DeepSeek",
    ]);
}

fn size_of(s: &Session) -> u64 {
    s.ok(&["checkpoint", "--json"]).json()["size"]
        .as_u64()
        .expect("size")
}

#[test]
fn cosign_collects_litewitness_cosignatures_and_verifiers_accept_them() {
    let s = Session::with_claim();
    let Some(w) = LiteWitness::start("witness.test.example/lw", &log_vkey(&s)) else {
        return;
    };
    s.ok(&["witness", "add", &w.url, &w.vkey]);
    let listed = s.ok(&["witness", "list", "--json"]).json();
    assert_eq!(listed["quorum"], 1);
    assert_eq!(listed["witnesses"][0]["vkey"], w.vkey.as_str());
    assert!(listed["witnesses"][0]["last_cosigned_size"].is_null());

    // First contact: old size 0, no proof.
    let out = s.ok(&["cosign", "--json"]).json();
    assert_eq!(out["policy_met"], true, "{out}");
    assert_eq!(out["witnesses"][0]["status"], "cosigned", "{out}");
    let first = size_of(&s);
    let note = s.ok(&["checkpoint"]).stdout;
    assert!(
        note.lines()
            .any(|l| l.starts_with("— witness.test.example/lw ")),
        "checkpoint prints its cosignature:\n{note}"
    );

    // The log grows: the witness gets the old size it cosigned and a consistency proof.
    add_claim(&s, "Nvidia says its Singapore sales show no diversion");
    add_claim(&s, "US officials doubt the figure");
    let out = s.ok(&["cosign", "--json"]).json();
    assert_eq!(out["witnesses"][0]["status"], "cosigned", "{out}");
    let second = size_of(&s);
    assert!(second > first);
    let listed = s.ok(&["witness", "list", "--json"]).json();
    assert_eq!(listed["witnesses"][0]["last_cosigned_size"], second);
    // Nothing new: nothing is sent, the policy is still met.
    let out = s.ok(&["cosign", "--json"]).json();
    assert_eq!(out["witnesses"][0]["status"], "already_cosigned", "{out}");

    // Receipts carry the cosignature; verifiers with the witness pinned accept them.
    let receipt = s.ok(&["receipt", "2", "--out", "r.json"]);
    assert_eq!(receipt.code, 0);
    let log_key = log_vkey(&s);
    s.ok(&[
        "verify-receipt",
        "r.json",
        "--log-key",
        &log_key,
        "--witness",
        &w.vkey,
        "--quorum",
        "1",
    ]);
    std::fs::write(
        s.path("policy.txt"),
        format!("witness lw {}\nquorum lw\n", w.vkey),
    )
    .unwrap();
    s.ok(&[
        "verify-receipt",
        "r.json",
        "--log-key",
        &log_key,
        "--policy",
        "policy.txt",
    ]);
    s.ok(&["audit", "--policy", "policy.txt"]);

    // A quorum the receipt cannot meet fails verification (exit 1), naming the witness.
    let other = other_witness_key();
    let out = s.run(&[
        "verify-receipt",
        "r.json",
        "--log-key",
        &log_key,
        "--witness",
        &w.vkey,
        "--witness",
        &other,
        "--quorum",
        "2",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
}

/// A witness key nobody runs.
fn other_witness_key() -> String {
    let key = claimledger::SigningKey::from_seed("other.example/w", [7; 32]).expect("a valid name");
    claimledger::format::cosignature::WitnessSigner::new(key)
        .witness_key()
        .to_string()
}
