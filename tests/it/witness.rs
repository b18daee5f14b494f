//! `claimledger witness serve` over real HTTP (C2SP tlog-witness): every status, bad input that
//! changes nothing, state kept across restarts, concurrent requests for one log, and Go peers
//! (x/mod's tlog and note make the log, torchwood verifies our cosignatures).

use crate::crash::bin;
use claimledger::format::checkpoint::Checkpoint;
use claimledger::format::cosignature::{WitnessStatus, check_cosignatures};
use claimledger::format::merkle::{Hash, leaf_hash, reference};
use claimledger::format::note::Note;
use claimledger::format::witness::AddCheckpoint;
use claimledger::witness::Witness;
use claimledger::{Policy, SigningKey, WitnessKey, WitnessSigner};
use sha2::{Digest as _, Sha256};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running `claimledger witness serve` on a free loopback port; SIGTERM on drop.
pub struct WitnessServer {
    pub url: String,
    pub key: WitnessKey,
    child: Child,
}

impl WitnessServer {
    /// Start on `dir/witness.key`, `dir/logs.txt` and `dir/witness.db`.
    pub fn start(dir: &Path) -> WitnessServer {
        let mut child = Command::new(bin())
            .arg("--key")
            .arg(dir.join("witness.key"))
            .args(["witness", "serve", "--listen", "127.0.0.1:0", "--logs"])
            .arg(dir.join("logs.txt"))
            .arg("--db")
            .arg(dir.join("witness.db"))
            .env_remove("CLAIMLEDGER_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("claimledger runs");
        let banner = child
            .stdout
            .take()
            .and_then(|out| read_banner(BufReader::new(out)));
        let Some((url, key)) = banner else {
            let _ = child.kill();
            let output = child.wait_with_output().expect("waits");
            panic!(
                "witness serve printed no key and URL: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        WitnessServer { url, key, child }
    }

    /// POST /add-checkpoint: status, content type, body.
    fn add(&self, body: &[u8]) -> (u16, String, String) {
        let mut resp = agent()
            .post(&format!("{}/add-checkpoint", self.url))
            .send(body)
            .expect("the witness answers");
        let ctype = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().expect("ASCII").to_owned())
            .unwrap_or_default();
        let status = resp.status().as_u16();
        (
            status,
            ctype,
            resp.body_mut().read_to_string().expect("text"),
        )
    }

    fn latest(&self, origin: &str) -> (u16, String) {
        let hash = hex::encode(Sha256::digest(origin.as_bytes()));
        let mut resp = agent()
            .get(&format!("{}/{hash}/checkpoint", self.url))
            .call()
            .expect("the witness answers");
        let status = resp.status().as_u16();
        (status, resp.body_mut().read_to_string().expect("text"))
    }
}

/// The witness key and URL from the lines `witness serve` prints before it serves.
fn read_banner(mut out: impl BufRead) -> Option<(String, WitnessKey)> {
    let mut key = None;
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some(k) = line.trim().strip_prefix("witness key ") {
            key = k.parse::<WitnessKey>().ok();
        }
        if let Some(url) = line.trim().strip_prefix("listening on ") {
            return Some((url.to_owned(), key?));
        }
    }
}

impl Drop for WitnessServer {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// A log of `n` leaves made with the slow reference Merkle code, signed by `key`.
struct TestLog {
    key: SigningKey,
    leaves: Vec<Hash>,
}

impl TestLog {
    fn new(origin: &str, seed: u8, n: usize) -> TestLog {
        TestLog {
            key: SigningKey::from_seed(origin, [seed; 32]).expect("valid name"),
            leaves: (0..n)
                .map(|i| leaf_hash(format!("{origin} leaf {i}").as_bytes()))
                .collect(),
        }
    }

    fn checkpoint(&self, size: usize) -> String {
        Checkpoint::new(
            self.key.name(),
            size as u64,
            reference::root(&self.leaves[..size]),
        )
        .expect("valid origin")
        .sign(&self.key)
        .expect("signs")
    }

    /// The add-checkpoint body from `old` to `new` with a correct proof.
    fn request(&self, old: usize, new: usize) -> Vec<u8> {
        let proof = if old == 0 || old == new {
            Vec::new()
        } else {
            reference::consistency_proof(old, &self.leaves[..new])
        };
        AddCheckpoint {
            old_size: old as u64,
            proof,
            checkpoint: self.checkpoint(new),
        }
        .to_body()
        .into_bytes()
    }
}

/// A directory with the witness key, a log list of `logs` and no state yet.
fn setup(logs: &[&TestLog]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(bin())
        .args(["key", "generate", "--name", "witness.example/w1", "--out"])
        .arg(dir.path().join("witness.key"))
        .output()
        .expect("runs");
    assert!(out.status.success());
    let list: String = logs
        .iter()
        .map(|l| format!("{}\n", l.key.verifying_key()))
        .collect();
    std::fs::write(dir.path().join("logs.txt"), format!("# logs\n{list}")).expect("write");
    dir
}

/// The cosignature the witness answered verifies on `note`'s body with the witness key.
fn assert_cosigned(note: &str, answer: &str, key: &WitnessKey) {
    let full = format!("{note}{answer}");
    let parsed = Note::parse(full.as_bytes()).expect("note plus answer lines parse");
    assert!(
        matches!(
            check_cosignatures(&parsed, std::slice::from_ref(key))[0],
            WitnessStatus::Verified { .. }
        ),
        "{answer}"
    );
}

#[test]
fn witness_key_prints_the_derived_type_4_key() {
    let dir = setup(&[]);
    let key_file = dir.path().join("witness.key");
    let out = Command::new(bin())
        .args(["witness", "key"])
        .arg(&key_file)
        .output()
        .expect("runs");
    assert!(out.status.success());
    let printed: WitnessKey = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim()
        .parse()
        .expect("a witness vkey");
    let secret = claimledger::ledger::keyfile::read_signing_key(&key_file).expect("key file");
    assert_eq!(printed, WitnessSigner::new(secret.clone()).witness_key());
    assert_eq!(
        printed.public_bytes(),
        secret.verifying_key().public_bytes()
    );
    assert_ne!(printed.key_id(), secret.verifying_key().key_id());
    let out = Command::new(bin())
        .args(["--json", "witness", "key"])
        .arg(&key_file)
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["witness_key"], printed.to_string());
    assert_eq!(v["name"], "witness.example/w1");
}

#[test]
fn add_checkpoint_answers_every_status_and_keeps_state_across_restarts() {
    let log = TestLog::new("news.example/claims", 1, 9);
    let fresh = TestLog::new("other.example/log", 2, 2);
    let dir = setup(&[&log, &fresh]);
    let w = WitnessServer::start(dir.path());
    let origin = log.key.name();

    // Nothing cosigned yet.
    assert_eq!(w.latest(origin).0, 404);

    // 200: first checkpoint from old size 0; the answer is one cosignature line.
    let (status, ctype, answer) = w.add(&log.request(0, 3));
    assert_eq!(status, 200, "{answer}");
    assert!(ctype.starts_with("text/plain"));
    assert_eq!(answer.lines().count(), 1);
    assert!(answer.starts_with("— witness.example/w1 "));
    assert_cosigned(&log.checkpoint(3), &answer, &w.key);

    // 409: the client thinks the witness is at 0; the body states 3.
    let (status, ctype, body) = w.add(&log.request(0, 5));
    assert_eq!(
        (status, ctype.as_str(), body.as_str()),
        (409, "text/x.tlog.size", "3\n")
    );

    // 200: 3 -> 5 with a consistency proof, then the same checkpoint again.
    let (status, _, answer) = w.add(&log.request(3, 5));
    assert_eq!(status, 200, "{answer}");
    assert_cosigned(&log.checkpoint(5), &answer, &w.key);
    assert_eq!(w.add(&log.request(5, 5)).0, 200);

    // GET: the checkpoint with the log's signature and the cosignature; a 1-of-1 policy holds.
    let (status, latest) = w.latest(origin);
    assert_eq!(status, 200);
    let policy = Policy::k_of_n(vec![(w.key.clone(), None)], 1).expect("policy");
    let (cp, verdict) = policy
        .check(latest.as_bytes(), &log.key.verifying_key())
        .expect("the log signature verifies");
    assert_eq!(cp.size, 5);
    assert!(verdict.met);

    // 422: a fork at the same size, a fork at a larger size, a proof that does not verify.
    let mut forked = TestLog::new(origin, 1, 9); // same key, other leaves
    forked.leaves[1] = leaf_hash(b"rewritten");
    let (status, _, body) = w.add(&forked.request(5, 5));
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("forked"), "{body}");
    let (status, _, body) = w.add(&forked.request(5, 7));
    assert_eq!(status, 422, "{body}");
    let mut bad_proof = AddCheckpoint::parse(&log.request(5, 7)).expect("parses");
    bad_proof.proof[0][0] ^= 1;
    assert_eq!(w.add(bad_proof.to_body().as_bytes()).0, 422);
    // 422 on a fresh log: size 0 with another root, and old size 0 with a proof.
    let empty_bad = AddCheckpoint {
        old_size: 0,
        proof: vec![],
        checkpoint: Checkpoint::new(fresh.key.name(), 0, [9; 32])
            .expect("valid")
            .sign(&fresh.key)
            .expect("signs"),
    };
    assert_eq!(w.add(empty_bad.to_body().as_bytes()).0, 422);
    let with_proof = AddCheckpoint {
        old_size: 0,
        proof: vec![[1; 32]],
        checkpoint: fresh.checkpoint(2),
    };
    assert_eq!(w.add(with_proof.to_body().as_bytes()).0, 422);

    // 400: old size above the checkpoint size (a rollback), malformed bodies, >63 proof lines.
    let rollback = AddCheckpoint {
        old_size: 5,
        proof: vec![],
        checkpoint: log.checkpoint(4),
    };
    let (status, _, body) = w.add(rollback.to_body().as_bytes());
    assert_eq!(status, 400, "{body}");
    for bad in [
        &b""[..],
        b"old 01\n\nx",
        b"old 5\n",
        b"old 5\n\nnot a note\n",
        b"new 5\n\n",
    ] {
        assert_eq!(w.add(bad).0, 400, "{}", String::from_utf8_lossy(bad));
    }
    let long = AddCheckpoint {
        old_size: 5,
        proof: vec![[1; 32]; 64],
        checkpoint: log.checkpoint(7),
    };
    let (status, _, body) = w.add(long.to_body().as_bytes());
    assert_eq!(status, 400);
    assert!(body.contains("63"), "{body}");
    let note = log.checkpoint(7);
    let body_only = note.split("\n\n").next().expect("text");
    let malformed_cosig = format!("old 5\n\n{body_only}\n\n— witness.example/w1 !!!\n");
    assert_eq!(w.add(malformed_cosig.as_bytes()).0, 400);

    // 404: a log this witness does not follow.
    let stranger = TestLog::new("stranger.example/log", 3, 2);
    let (status, _, body) = w.add(&stranger.request(0, 2));
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("unknown log"), "{body}");

    // 403: the right origin signed by another key; a tampered signature by the right key.
    let impostor = TestLog {
        key: SigningKey::from_seed(origin, [77; 32]).expect("valid"),
        leaves: log.leaves.clone(),
    };
    let (status, _, body) = w.add(&impostor.request(5, 7));
    assert_eq!(status, 403);
    assert!(body.contains("no signature by a trusted key"), "{body}");
    let signed = log.checkpoint(7);
    // Well inside the 64 signature bytes, past the 4-byte key ID: the key still matches.
    let sig_at = signed.rfind(' ').expect("signature line") + 20;
    let mut tampered = signed.into_bytes();
    tampered[sig_at] = if tampered[sig_at] == b'A' { b'B' } else { b'A' };
    let tampered = AddCheckpoint {
        old_size: 5,
        proof: reference::consistency_proof(5, &log.leaves[..7]),
        checkpoint: String::from_utf8(tampered).expect("ASCII"),
    };
    let (status, _, body) = w.add(tampered.to_body().as_bytes());
    assert_eq!(status, 403);
    assert!(body.contains("invalid signature"), "{body}");

    // 413: an oversized body, refused before it is read.
    let huge = vec![b'a'; 70 * 1024];
    assert_eq!(w.add(&huge).0, 413);

    // None of the refusals moved the state.
    assert_eq!(w.add(&log.request(0, 7)).2, "5\n");
    let url = w.url.clone();
    drop(w);

    // Restart on the same state file: still at 5; the 422 requests were kept as evidence.
    let witness = Witness::open(
        &dir.path().join("witness.db"),
        WitnessSigner::new(SigningKey::generate("any").expect("valid")),
        vec![log.key.verifying_key()],
    )
    .expect("state opens");
    assert_eq!(witness.refusals(origin).expect("reads"), 3);
    assert_eq!(witness.refusals(fresh.key.name()).expect("reads"), 2);
    drop(witness);
    let w = WitnessServer::start(dir.path());
    assert_ne!(w.url, url, "a new process");
    let (status, ctype, body) = w.add(&log.request(0, 7));
    assert_eq!(
        (status, ctype.as_str(), body.as_str()),
        (409, "text/x.tlog.size", "5\n")
    );
    let (status, _, answer) = w.add(&log.request(5, 9));
    assert_eq!(status, 200, "{answer}");
    assert_cosigned(&log.checkpoint(9), &answer, &w.key);
}

#[test]
fn concurrent_requests_for_one_log_are_serialized() {
    // Every request claims old size 0: exactly one can be cosigned, the rest get 409 with its
    // size. Without serialization two could both pass the old-size check (the spec's race).
    let log = TestLog::new("news.example/claims", 1, 12);
    let dir = setup(&[&log]);
    let w = WitnessServer::start(dir.path());
    let answers: Vec<(u16, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..=12)
            .map(|n| {
                let (w, log) = (&w, &log);
                s.spawn(move || {
                    let (status, _, body) = w.add(&log.request(0, n));
                    (status, body)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let won: Vec<usize> = answers
        .iter()
        .enumerate()
        .filter(|(_, (s, _))| *s == 200)
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    for (status, body) in &answers {
        if *status != 200 {
            assert_eq!((*status, body.clone()), (409, format!("{}\n", won[0])));
        }
    }
}

#[test]
fn bad_configuration_exits_2_and_touches_nothing() {
    let log = TestLog::new("news.example/claims", 1, 2);
    let dir = setup(&[&log]);
    let run = |args: &[&str]| {
        Command::new(bin())
            .args(args)
            .current_dir(dir.path())
            .env_remove("CLAIMLEDGER_KEY")
            .output()
            .expect("runs")
    };
    std::fs::write(dir.path().join("bad-logs.txt"), "not a key\n").expect("write");
    std::fs::write(dir.path().join("empty-logs.txt"), "").expect("write");
    for (args, says) in [
        (
            &["witness", "serve", "--logs", "logs.txt", "--db", "w.db"][..],
            "needs --key",
        ),
        (
            &[
                "--key",
                "witness.key",
                "witness",
                "serve",
                "--logs",
                "bad-logs.txt",
                "--db",
                "w.db",
            ],
            "line 1",
        ),
        (
            &[
                "--key",
                "witness.key",
                "witness",
                "serve",
                "--logs",
                "empty-logs.txt",
                "--db",
                "w.db",
            ],
            "no keys",
        ),
        (&["witness", "key", "logs.txt"], "logs.txt"),
    ] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert!(!dir.path().join("w.db").exists());
    // A ledger passed as --db is refused and left as it was.
    let ledger = dir.path().join("ledger.db");
    let out = Command::new(bin())
        .arg("--ledger")
        .arg(&ledger)
        .args(["init", "--origin", "news.example/claims"])
        .current_dir(dir.path())
        .env_remove("CLAIMLEDGER_OPERATOR_KEY")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = std::fs::read(&ledger).expect("ledger");
    let out = run(&[
        "--key",
        "witness.key",
        "witness",
        "serve",
        "--logs",
        "logs.txt",
        "--db",
        "ledger.db",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not a witness state file"), "{err}");
    assert_eq!(std::fs::read(&ledger).expect("ledger"), before);
}

fn go_peer(dir: &Path) -> Option<PathBuf> {
    crate::util::go_build("witness-interop", ".", &dir.join("witness-interop"))
}

#[test]
fn go_log_checkpoints_are_cosigned_and_torchwood_verifies_the_cosignatures() {
    let dir = setup(&[]);
    let Some(go) = go_peer(dir.path()) else {
        return;
    };
    let d = dir.path();
    let out = Command::new(&go).arg("gen").arg(d).output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::copy(d.join("log.vkey"), d.join("logs.txt")).expect("copy");
    let w = WitnessServer::start(d);
    let verify = |checkpoint: &str, response: &str| {
        Command::new(&go)
            .arg("verify")
            .arg(w.key.to_string())
            .arg(d.join("log.vkey"))
            .arg(d.join(checkpoint))
            .arg(d.join(response))
            .output()
            .expect("runs")
    };
    for size in [3, 5] {
        let req = std::fs::read(d.join(format!("req-{size}"))).expect("request");
        let (status, _, answer) = w.add(&req);
        assert_eq!(status, 200, "{answer}");
        std::fs::write(d.join(format!("resp-{size}")), &answer).expect("write");
        let out = verify(&format!("checkpoint-{size}"), &format!("resp-{size}"));
        assert!(
            out.status.success(),
            "torchwood rejects our cosignature: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The cosignature is for this checkpoint only.
        let other = if size == 3 {
            "checkpoint-5"
        } else {
            "checkpoint-3"
        };
        assert!(!verify(other, &format!("resp-{size}")).status.success());
    }
    // A cosignature with one bit changed is rejected by torchwood too.
    let answer = std::fs::read_to_string(d.join("resp-5")).expect("read");
    let mut line = Note::parse(format!("x\n\n{answer}").as_bytes())
        .expect("parses")
        .signatures()[0]
        .clone();
    line.signature[30] ^= 1;
    std::fs::write(d.join("resp-bad"), format!("{}\n", line.line())).expect("write");
    assert!(!verify("checkpoint-5", "resp-bad").status.success());
}

#[test]
fn slow_clients_are_cut_off_by_the_header_and_body_timeouts() {
    // A client that never finishes its headers, and one that never finishes its body, hold a
    // connection only until the witness's timeouts (10 s): then the first is closed and the
    // second gets 408. The socket timeout of 60 s only keeps a broken witness from hanging the
    // test; nothing here measures time.
    use std::io::{Read as _, Write as _};
    let log = TestLog::new("news.example/claims", 1, 2);
    let dir = setup(&[&log]);
    let w = WitnessServer::start(dir.path());
    let addr = w.url.strip_prefix("http://").expect("http URL").to_owned();
    let talk = |prefix: String| {
        let addr = addr.clone();
        std::thread::spawn(move || {
            let mut s = std::net::TcpStream::connect(&addr).expect("connects");
            s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
                .expect("timeout");
            s.write_all(prefix.as_bytes()).expect("writes");
            let mut answer = Vec::new();
            let read = s.read_to_end(&mut answer);
            (read.is_ok(), String::from_utf8_lossy(&answer).into_owned())
        })
    };
    let headers = talk("POST /add-checkpoint HTTP/1.1\r\nHost: witness\r\n".into());
    let body = talk(
        "POST /add-checkpoint HTTP/1.1\r\nHost: witness\r\nContent-Length: 1000\r\n\r\nold 0\n"
            .into(),
    );
    let (closed, answer) = headers.join().expect("thread");
    assert!(closed, "the witness kept a half-sent request open");
    assert!(!answer.contains("200 OK"), "{answer}");
    let (closed, answer) = body.join().expect("thread");
    assert!(closed, "the witness kept a half-sent body open");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // The witness still serves.
    assert_eq!(w.add(&log.request(0, 2)).0, 200);
}
