//! Interop with litewitness, the reference C2SP tlog-witness (filippo.io/torchwood v0.6.1, built
//! from tests/litewitness/go.mod), its key served by an ssh-agent: `claimledger cosign` collects
//! its cosignatures, our verifiers accept them, a fork or a rollback gets its 409/422 and an
//! evidence file, and witnesses that are down or too slow are reported and passed over. Also a
//! peer newsroom's `claimledger witness serve` as the witness (a press consortium).

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
        // The socket file appears at bind(), before the agent listens: wait until `ssh-add -l`
        // reaches it (exit 1, "no identities"; 2 means it could not connect).
        wait_for("ssh-agent", || {
            Command::new("ssh-add")
                .arg("-l")
                .env("SSH_AUTH_SOCK", &sock)
                .output()
                .is_ok_and(|o| o.status.code() != Some(2))
        });
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

/// A ledger with a claim (#2) and a running litewitness, configured as its one witness.
fn witnessed() -> Option<(Session, LiteWitness)> {
    let s = Session::with_claim();
    let w = LiteWitness::start("witness.test.example/lw", &log_vkey(&s))?;
    s.ok(&["witness", "add", &w.url, &w.vkey]);
    Some((s, w))
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
    let Some((s, w)) = witnessed() else {
        return;
    };
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
    // Nothing new: the witness cosigns the same tree again; the policy is still met.
    let out = s.ok(&["cosign", "--json"]).json();
    assert_eq!(out["witnesses"][0]["status"], "cosigned", "{out}");

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
    witness_key_for("other.example/w", 7)
}

/// The witness key (type 0x04) of a fixed test key.
fn witness_key_for(name: &str, seed: u8) -> String {
    let key = claimledger::SigningKey::from_seed(name, [seed; 32]).expect("a valid name");
    claimledger::format::cosignature::WitnessSigner::new(key)
        .witness_key()
        .to_string()
}

/// The evidence files in `dir`, parsed.
fn evidence_in(dir: &Path) -> Vec<serde_json::Value> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).expect("evidence dir") {
        let p = e.expect("dir entry").path();
        if p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("witness-evidence-"))
        {
            let text = std::fs::read_to_string(&p).expect("evidence is text");
            found.push(serde_json::from_str(&text).expect("evidence is JSON"));
        }
    }
    found
}

/// `verify-evidence` on the one evidence file in `dir`: its notes verify with the log key, and it
/// exits 1 since the refusal rests on the witness's unsigned word (FORMAT.md §16.4, §19.4).
fn verify_evidence_in(s: &Session, dir: &str, kind: &str) {
    let log_vkey = s.ok(&["checkpoint", "--json"]).json()["log_vkey"]
        .as_str()
        .expect("log_vkey")
        .to_owned();
    let file = std::fs::read_dir(s.path(dir))
        .expect("evidence dir")
        .next()
        .expect("one evidence file")
        .expect("dir entry")
        .path();
    let out = s.run(&[
        "verify-evidence",
        file.to_str().expect("UTF-8 path"),
        "--log-key",
        &log_vkey,
        "--json",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let v = out.json();
    assert_eq!(v["format"], "claimledger-witness-evidence/v1");
    assert_eq!(v["shows"]["kind"], kind, "{v}");
    assert!(
        v["error"]
            .as_str()
            .expect("why")
            .contains("witness's unsigned answer"),
        "{v}"
    );
    let text = s.run(&[
        "verify-evidence",
        file.to_str().expect("UTF-8 path"),
        "--log-key",
        &log_vkey,
    ]);
    assert_eq!(text.code, 1, "{}{}", text.stdout, text.stderr);
    assert!(
        text.stdout.contains("signed by the log key ✓"),
        "{}",
        text.stdout
    );
    // Another log key: the notes do not verify.
    let other = claimledger::SigningKey::from_seed("test.example/claims", [5; 32])
        .expect("a valid name")
        .verifying_key()
        .to_string();
    let out = s.run(&[
        "verify-evidence",
        file.to_str().expect("UTF-8 path"),
        "--log-key",
        &other,
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("checkpoint does not verify"),
        "{}",
        out.stdout
    );
}

/// The operator's signer state beside its key (FORMAT.md §17.1).
fn signer_state(s: &Session) -> std::path::PathBuf {
    s.path("ledger.db.operator.key.last-checkpoint")
}

/// Roll the ledger back as a dishonest newsroom would: the file AND the signer state that would
/// otherwise refuse to sign an older tree (issue #12), both of which it controls. Only the
/// witnesses still remember what was signed.
fn roll_back(s: &Session, ledger: &[u8], state: &[u8]) {
    std::fs::write(s.ledger(), ledger).unwrap();
    std::fs::write(signer_state(s), state).unwrap();
}

#[test]
fn a_rolled_back_then_forked_ledger_gets_409_and_422_and_evidence() {
    let Some((s, w)) = witnessed() else {
        return;
    };
    s.ok(&["cosign"]);
    let old_size = size_of(&s);
    let backup = s.snapshot();
    let backup_state = std::fs::read(signer_state(&s)).unwrap();
    add_claim(&s, "Nvidia says its Singapore sales show no diversion");
    add_claim(&s, "US officials doubt the figure");
    s.ok(&["cosign"]);
    let witnessed = size_of(&s);
    assert_eq!(witnessed, old_size + 2);

    // Rolled back: the file (and the signer state) are replaced by older copies. The witness
    // answers 409 with a size this ledger no longer reaches.
    roll_back(&s, &backup, &backup_state);
    let out = s.run(&["cosign", "--json", "--evidence-dir", "evidence"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let json = out.json();
    assert_eq!(json["witnesses"][0]["status"], "inconsistent", "{json}");
    let evidence = evidence_in(&s.path("evidence"));
    assert_eq!(evidence.len(), 1);
    let e = &evidence[0];
    assert_eq!(e["format"], "claimledger-witness-evidence/v1");
    assert_eq!(e["kind"], "rolled_back");
    assert_eq!(e["status"], 409);
    assert_eq!(e["old_size"], witnessed);
    assert_eq!(e["witness"]["vkey"], w.vkey.as_str());
    let sent = e["checkpoint"].as_str().expect("the checkpoint sent");
    assert_eq!(sent.lines().nth(1), Some(old_size.to_string().as_str()));
    verify_evidence_in(&s, "evidence", "rolled_back");

    // Forked: the rolled-back ledger grows to the witnessed size with other entries. The
    // witness answers 409 (its size), then 422 to the proof from there: another history.
    add_claim(&s, "A different second claim");
    add_claim(&s, "A different third claim");
    assert_eq!(size_of(&s), witnessed);
    std::fs::remove_dir_all(s.path("evidence")).unwrap();
    let out = s.run(&["cosign", "--evidence-dir", "evidence"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("WITNESS SAW ANOTHER HISTORY"),
        "{}",
        out.stderr
    );
    let evidence = evidence_in(&s.path("evidence"));
    assert_eq!(evidence.len(), 1);
    let e = &evidence[0];
    assert_eq!(e["kind"], "inconsistent");
    assert_eq!(e["status"], 422);
    assert_eq!(e["old_size"], witnessed);
    let request = e["request"].as_str().expect("the request sent");
    assert!(
        request.starts_with(&format!("old {witnessed}\n\n")),
        "{request}"
    );
    assert!(request.ends_with(e["checkpoint"].as_str().expect("checkpoint")));
    verify_evidence_in(&s, "evidence", "inconsistent");
    // Nothing was stored for the refused checkpoint: the witness's policy is not met by it.
    assert_eq!(
        s.ok(&["witness", "list", "--json"]).json()["witnesses"][0]["last_cosigned_size"],
        old_size
    );
}

/// A listener that accepts connections and never answers (a witness hung past the timeout).
fn silent_witness() -> (
    String,
    std::thread::JoinHandle<()>,
    std::sync::mpsc::Sender<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    listener.set_nonblocking(true).expect("nonblocking");
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        while stopped.try_recv().is_err() {
            if let Ok((conn, _)) = listener.accept() {
                held.push(conn);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    (url, handle, stop)
}

#[test]
fn witnesses_that_are_down_or_too_slow_are_reported_and_passed_over() {
    let Some((s, _w)) = witnessed() else {
        return;
    };
    let dead = format!("http://127.0.0.1:{}", free_port());
    let (slow, handle, stop) = silent_witness();
    s.ok(&["witness", "add", &dead, &other_witness_key()]);
    s.ok(&[
        "witness",
        "add",
        &slow,
        &witness_key_for("slow.example/w", 8),
    ]);

    // Quorum 1: litewitness suffices; the other two are reported.
    let out = s.ok(&["cosign", "--json", "--timeout", "1"]).json();
    assert_eq!(out["policy_met"], true, "{out}");
    let status = |name: &str| {
        out["witnesses"]
            .as_array()
            .expect("witnesses")
            .iter()
            .find(|x| x["name"] == name)
            .map(|x| x["status"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(status("other.example/w").as_deref(), Some("unreachable"));
    assert_eq!(status("slow.example/w").as_deref(), Some("unreachable"));
    assert_eq!(
        status("witness.test.example/lw").as_deref(),
        Some("cosigned")
    );

    // Quorum 2 cannot be met: exit 2, with a hint.
    s.ok(&["witness", "quorum", "2"]);
    let out = s.run(&["cosign", "--timeout", "1"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("policy is not met"), "{}", out.stderr);
    assert!(out.stdout.contains("unreachable"), "{}", out.stdout);
    // And no receipt can meet it either.
    let out = s.run(&["receipt", "2"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("witness policy"), "{}", out.stderr);
    stop.send(()).unwrap();
    handle.join().unwrap();
}

#[test]
fn serve_cosigns_in_the_background_and_serves_the_cosigned_note() {
    let Some((s, w)) = witnessed() else {
        return;
    };
    let line = s
        .ok(&[
            "--key",
            "alice.key",
            "sign",
            "claim",
            "--text",
            "Nvidia says its Singapore sales show no diversion",
            "--claimant",
            "Nvidia",
        ])
        .stdout;
    let server = crate::serve::Server::start(&s.ledger(), &["--cosign-batch-ms", "50"]);
    let (status, body) = server.post(line.as_bytes());
    assert_eq!(status, 201, "{body}");
    let size = body["checkpoint"]["size"].as_u64().expect("size");
    // The 201 carries the checkpoint as signed at the append: witnesses are asked afterwards.
    let answered = body["checkpoint"]["note"].as_str().expect("note");
    assert!(
        !answered.contains("— witness.test.example/lw "),
        "{answered}"
    );
    let witness_line = |note: &str| {
        note.lines()
            .any(|l| l.starts_with("— witness.test.example/lw "))
    };
    wait_for("the background cosignature", || {
        let (_, note) = server.get("/checkpoint");
        note.lines().nth(1) == Some(size.to_string().as_str()) && witness_line(&note)
    });
    let (_, v1) = server.json("/v1/checkpoint");
    assert!(witness_line(v1["note"].as_str().expect("note")), "{v1}");
    let (code, _) = server.stop();
    assert_eq!(code, 0);
    s.ok(&["audit", "--witness", &w.vkey]);
}

#[test]
fn witness_configuration_refuses_bad_input_and_changes_nothing() {
    let s = Session::with_claim();
    let w = other_witness_key();
    let log_key = log_vkey(&s);
    s.refused(
        &["witness", "add", "http://127.0.0.1:1", &log_key],
        "not a witness verifier key",
    );
    s.refused(
        &["witness", "add", "ftp://witness.example", &w],
        "not a witness URL",
    );
    s.refused(&["witness", "add", "http://a b", &w], "not a witness URL");
    s.refused(
        &["witness", "add", "http://x", "PRIVATE+KEY+x+00000000+AAAA"],
        "private key",
    );
    s.refused(&["witness", "remove", &w], "not configured");
    s.refused(
        &["witness", "quorum", "1"],
        "quorum must be between 1 and the 0",
    );
    s.refused(&["cosign"], "no witnesses are configured");
    s.ok(&["witness", "add", "http://127.0.0.1:1/", &w]);
    s.refused(
        &["witness", "quorum", "2"],
        "quorum must be between 1 and the 1",
    );
    let listed = s.ok(&["witness", "list", "--json"]).json();
    assert_eq!(listed["witnesses"][0]["url"], "http://127.0.0.1:1");
    // Removing leaves the ledger as it was; the stored history is untouched.
    s.ok(&["witness", "remove", &w]);
    assert_eq!(
        s.ok(&["witness", "list", "--json"]).json()["witnesses"],
        serde_json::json!([])
    );
    // A receipt verified against a witness policy it cannot meet: exit 1, the witness shown ✗.
    s.ok(&["receipt", "2", "--out", "r.json"]);
    let out = s.run(&[
        "verify-receipt",
        "r.json",
        "--log-key",
        &log_key,
        "--witness",
        &w,
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("other.example/w no cosignature ✗"),
        "{}",
        out.stdout
    );
    let out = s.run(&[
        "verify-receipt",
        "r.json",
        "--log-key",
        &log_key,
        "--witness",
        &log_key,
    ]);
    assert_eq!(
        out.code, 2,
        "a log key is not a witness key: {}",
        out.stderr
    );
    std::fs::write(s.path("bad-policy.txt"), "witness x\n").unwrap();
    let out = s.run(&["audit", "--policy", "bad-policy.txt"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    // With no witnesses ever cosigning, a policy audit names the finding.
    std::fs::write(s.path("policy.txt"), format!("witness w {w}\nquorum w\n")).unwrap();
    let out = s.run(&["audit", "--json", "--policy", "policy.txt"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.json()["findings"][0]["code"], "witness_policy_not_met");
}

#[test]
fn a_peer_newsrooms_claimledger_witness_cosigns_and_refuses_a_fork() {
    let s = Session::with_claim();
    // The peer newsroom: its own key, a log list naming this ledger's log key.
    let peer = tempfile::tempdir().unwrap();
    s.ok(&[
        "key",
        "generate",
        "--name",
        "peer.example/witness",
        "--out",
        peer.path().join("witness.key").to_str().unwrap(),
    ]);
    std::fs::write(peer.path().join("logs.txt"), format!("{}\n", log_vkey(&s))).unwrap();
    let w = crate::witness::WitnessServer::start(peer.path());
    let wkey = w.key.to_string();
    s.ok(&["witness", "add", &w.url, &wkey]);
    let out = s.ok(&["cosign", "--json"]).json();
    assert_eq!(out["witnesses"][0]["status"], "cosigned", "{out}");
    let backup = s.snapshot();
    let backup_state = std::fs::read(signer_state(&s)).unwrap();
    add_claim(&s, "Nvidia says its Singapore sales show no diversion");
    s.ok(&["cosign"]);
    s.ok(&["receipt", "3", "--out", "r.json"]);
    let log_key = log_vkey(&s);
    s.ok(&[
        "verify-receipt",
        "r.json",
        "--log-key",
        &log_key,
        "--witness",
        &wkey,
    ]);

    // The older copy grows another way to the same size: the peer refuses it (409, then 422).
    roll_back(&s, &backup, &backup_state);
    add_claim(&s, "A different claim at the same index");
    let out = s.run(&["cosign", "--evidence-dir", "evidence"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let evidence = evidence_in(&s.path("evidence"));
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0]["kind"], "inconsistent");
    assert_eq!(evidence[0]["status"], 422);
}

/// A witness that answers every request with `status`, `content_type` and `body`, whatever
/// was asked: for answers a real witness should never give.
fn scripted_witness(
    status: u16,
    content_type: &'static str,
    body: String,
) -> (String, std::sync::mpsc::Sender<()>) {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    listener.set_nonblocking(true).expect("nonblocking");
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        while stopped.try_recv().is_err() {
            let Ok((mut conn, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            let _ = conn.set_nonblocking(false);
            let _ = conn.set_read_timeout(Some(Duration::from_millis(200)));
            let mut buf = [0u8; 65536];
            let _ = conn.read(&mut buf);
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(body.as_bytes());
        }
    });
    (url, stop)
}

#[test]
fn bad_witness_answers_are_refused_and_nothing_is_stored() {
    let s = Session::with_claim();
    let key = witness_key_for("fake.example/w", 9);
    let signer = claimledger::format::cosignature::WitnessSigner::new(
        claimledger::SigningKey::from_seed("fake.example/w", [9; 32]).expect("name"),
    );
    // A cosignature by the right key over another checkpoint body.
    let wrong_body = signer
        .cosign(
            "another.example/log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
            1_765_000_000,
        )
        .expect("cosigns")
        .to_line();
    let answers: Vec<(u16, &'static str, String, &str)> = vec![
        (
            200,
            "text/plain",
            format!("{wrong_body}\n"),
            "does not verify",
        ),
        (
            200,
            "text/plain",
            "— fake.example/w AAAA\n".into(),
            "malformed",
        ),
        (
            200,
            "text/plain",
            "not a signature line\n".into(),
            "malformed",
        ),
        (200, "text/plain", String::new(), "malformed"),
        (200, "text/plain", "x".repeat(70_000), "reading the answer"),
        (
            409,
            "text/plain",
            "5\n".into(),
            "409 without a text/x.tlog.size body",
        ),
        (
            409,
            "text/x.tlog.size",
            "05\n".into(),
            "409 without a text/x.tlog.size body",
        ),
        (404, "text/plain", "not found\n".into(), "404: not found"),
        (
            403,
            "text/plain",
            "unknown log\n".into(),
            "403: unknown log",
        ),
        (
            400,
            "text/plain",
            "invalid input\n".into(),
            "400: invalid input",
        ),
        (500, "text/plain", "boom\n".into(), "500: boom"),
    ];
    for (status, ctype, body, needle) in answers {
        let (url, stop) = scripted_witness(status, ctype, body);
        s.ok(&["witness", "add", &url, &key]);
        let out = s.run(&["cosign", "--json", "--timeout", "5"]);
        assert_eq!(
            out.code, 2,
            "{status} {needle}: {}{}",
            out.stdout, out.stderr
        );
        let json = out.json();
        let result = &json["witnesses"][0];
        assert!(
            ["refused", "unreachable"].contains(&result["status"].as_str().unwrap_or("")),
            "{json}"
        );
        assert!(
            result["message"].as_str().unwrap_or("").contains(needle),
            "{status}: expected {needle:?} in {json}"
        );
        // Only the configured URL may change between runs; no cosignature is stored.
        assert_eq!(
            s.ok(&["witness", "list", "--json"]).json()["witnesses"][0]["last_cosigned_size"],
            serde_json::Value::Null
        );
        stop.send(()).unwrap();
    }
    // An answer with a valid line by another key does not count for this witness.
    let line = claimledger::format::cosignature::WitnessSigner::new(
        claimledger::SigningKey::from_seed("someone.example/w", [10; 32]).expect("name"),
    )
    .cosign("x\n", 1)
    .expect("cosigns")
    .to_line();
    let (url, stop) = scripted_witness(200, "text/plain", format!("{line}\n"));
    s.ok(&["witness", "add", &url, &key]);
    let out = s.run(&["cosign", "--json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.json()["witnesses"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("no cosignature by this witness"),
        "{}",
        out.stdout
    );
    stop.send(()).unwrap();
    s.ok(&["audit"]);
}
