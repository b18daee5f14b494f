//! `claimledger serve` over real HTTP: every endpoint against the CLI's own answers, every
//! error class, concurrent appends, tiles, graceful shutdown; the ledger audits clean after each.

use crate::crash::bin;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running `claimledger serve` on a free loopback port; stopped with SIGTERM on drop.
pub struct Server {
    pub url: String,
    child: Child,
}

impl Server {
    pub fn start(ledger: &Path, extra: &[&str]) -> Server {
        Self::start_with(Command::new(bin()), ledger, extra)
    }

    /// Start `command` (the binary, or a wrapper that execs it with the arguments that follow).
    pub fn start_with(mut command: Command, ledger: &Path, extra: &[&str]) -> Server {
        let mut child = command
            .arg("--ledger")
            .arg(ledger)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("CLAIMLEDGER_KEY")
            .env_remove("CLAIMLEDGER_OPERATOR_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line was {line:?}"))
            .to_string();
        Server { url, child }
    }

    /// SIGTERM, then wait: the server finishes what is in flight and exits 0.
    pub fn stop(mut self) -> (i32, String) {
        self.terminate()
    }

    fn terminate(&mut self) -> (i32, String) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut e, &mut err).unwrap();
        }
        (status.code().unwrap_or(-1), err)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        let mut resp = agent().get(&format!("{}{path}", self.url)).call().unwrap();
        let status = resp.status().as_u16();
        (status, resp.body_mut().read_to_string().unwrap())
    }

    pub fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let mut resp = agent().get(&format!("{}{path}", self.url)).call().unwrap();
        let status = resp.status().as_u16();
        (status, resp.body_mut().read_to_vec().unwrap())
    }

    pub fn json(&self, path: &str) -> (u16, Value) {
        let (status, body) = self.get(path);
        let v = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
        (status, v)
    }

    pub fn post(&self, body: &[u8]) -> (u16, Value) {
        self.try_post(body).unwrap()
    }

    /// POST /v1/entries; `Err` when the server could not be reached or the answer was cut.
    pub fn try_post(&self, body: &[u8]) -> Result<(u16, Value), ureq::Error> {
        let mut resp = agent()
            .post(&format!("{}/v1/entries", self.url))
            .header("content-type", "application/json")
            .send(body)?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string()?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        ))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.terminate();
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// The demo ledger (DeepSeek story) with its keys, built by the CLI.
pub struct Demo {
    pub dir: tempfile::TempDir,
    pub ledger: PathBuf,
    pub log_vkey: String,
}

impl Demo {
    pub fn new() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("demo");
        let out = cli(&["demo", "--dir", d.to_str().unwrap(), "--json"]);
        let v: Value = serde_json::from_str(&out).unwrap();
        Demo {
            ledger: PathBuf::from(v["ledger_path"].as_str().unwrap()),
            log_vkey: v["log_vkey"].as_str().unwrap().to_string(),
            dir,
        }
    }

    pub fn key(&self, name: &str) -> String {
        self.dir
            .path()
            .join("demo")
            .join(format!("{name}.key"))
            .to_str()
            .unwrap()
            .to_string()
    }

    /// Run the CLI on this ledger and require exit 0; stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let mut all = vec!["--ledger", self.ledger.to_str().unwrap()];
        all.extend_from_slice(args);
        cli(&all)
    }

    /// `sign …` with `key`: the import line.
    pub fn sign(&self, key: &str, args: &[&str]) -> Vec<u8> {
        let k = self.key(key);
        let mut all = vec!["--key", &k, "sign"];
        all.extend_from_slice(args);
        self.cli(&all).into_bytes()
    }

    pub fn size(&self) -> u64 {
        let v: Value = serde_json::from_str(&self.cli(&["--json", "checkpoint"])).unwrap();
        v["size"].as_u64().unwrap()
    }

    /// The whole ledger audits clean against the log key printed at creation.
    pub fn audit(&self) {
        self.cli(&["audit", "--log-key", &self.log_vkey]);
    }
}

fn cli(args: &[&str]) -> String {
    let out = Command::new(bin())
        .args(args)
        .env_remove("CLAIMLEDGER_KEY")
        .env_remove("CLAIMLEDGER_OPERATOR_KEY")
        .env_remove("CLAIMLEDGER_LEDGER")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap()
}

/// The id of the DeepSeek claim in the demo.
fn deepseek(s: &Server) -> u64 {
    let (_, v) = s.json("/v1/claims?q=DeepSeek");
    v["claims"][0]["index"].as_u64().unwrap()
}

#[test]
fn every_read_endpoint_answers_what_the_cli_prints() {
    let demo = Demo::new();
    let s = Server::start(&demo.ledger, &[]);
    let c = deepseek(&s).to_string();
    let same = |path: &str, args: &[&str]| {
        let (status, v) = s.json(path);
        assert_eq!(status, 200, "{path}: {v}");
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        assert_eq!(v, parse(&demo.cli(&all)), "{path} differs from {args:?}");
        v
    };
    let cp = same("/v1/checkpoint", &["checkpoint"]);
    assert_eq!(cp["log_vkey"], demo.log_vkey.as_str());
    same(&format!("/v1/entries/{c}"), &["show", &c]);
    let h = s.json(&format!("/v1/claims/{c}/history")).1;
    let cli_h = parse(&demo.cli(&["--json", "history", &c]));
    assert_eq!(h["claim"], cli_h["claim"]);
    assert_eq!(h["statements"], cli_h["statements"]);
    assert!(h["statements"].as_array().unwrap().len() >= 4);
    // The history's figures are the ledger's figures rows for this claim's history.
    let rows: Vec<Value> = parse(&demo.cli(&["--json", "figures"]))
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            let i = r["index"].as_u64().unwrap();
            i.to_string() == c
                || h["statements"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["index"] == i)
        })
        .cloned()
        .collect();
    assert_eq!(h["figures"], Value::Array(rows));
    assert!(
        h["figures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["comparison"] == "different_scope")
    );
    let (status, receipt) = s.get(&format!("/v1/receipts/{c}"));
    assert_eq!(status, 200);
    assert_eq!(receipt, demo.cli(&["receipt", &c]));
    let key: claimledger::VerifyingKey = demo.log_vkey.parse().unwrap();
    let v = claimledger::verify_receipt(receipt.as_bytes(), &key).unwrap();
    assert_eq!(v.index.to_string(), c);
    same(
        &format!("/v1/proofs/inclusion/{c}?size=7"),
        &["prove", "inclusion", &c, "--size", "7"],
    );
    same(
        "/v1/proofs/consistency?from=3&to=9",
        &["prove", "consistency", "--from", "3", "--to", "9"],
    );
    let (_, f) = s.json("/v1/figures?subject=deepseek-v3&property=training_cost");
    let cli_rows = parse(&demo.cli(&[
        "--json",
        "figures",
        "--subject",
        "deepseek-v3",
        "--property",
        "training_cost",
    ]));
    assert_eq!(f["figures"], cli_rows);
    assert_eq!(f["next_from"], Value::Null);
    // Paging by one entry at a time gives the same rows, comparisons included.
    let all = parse(&demo.cli(&["--json", "figures"]));
    let mut rows = Vec::new();
    let mut from = 0;
    loop {
        let (_, page) = s.json(&format!("/v1/figures?from={from}&limit=1"));
        let got = page["figures"].as_array().unwrap();
        // A page never splits one entry's figures.
        assert!(got.iter().all(|r| r["index"] == got[0]["index"]));
        rows.extend(got.iter().cloned());
        match page["next_from"].as_u64() {
            Some(n) => from = n,
            None => break,
        }
    }
    assert_eq!(Value::Array(rows), all);
    // Lists wrap the CLI's arrays with a paging cursor.
    let (_, log) = s.json("/v1/entries?from=2&limit=3");
    assert_eq!(
        log["entries"],
        parse(&demo.cli(&["--json", "log", "--from", "2", "--limit", "3"]))
    );
    assert_eq!(log["next_from"], 5);
    let (_, found) = s.json("/v1/search?q=H800");
    assert_eq!(
        found["entries"],
        parse(&demo.cli(&["--json", "search", "H800"]))
    );
    assert_eq!(found["next_from"], Value::Null);
    demo.audit();
}

#[test]
fn claims_page_and_search_reaches_claims_through_their_statements() {
    let demo = Demo::new();
    let s = Server::start(&demo.ledger, &[]);
    let all = s.json("/v1/claims?limit=500").1;
    let claims = all["claims"].as_array().unwrap().clone();
    assert!(!claims.is_empty());
    assert!(claims.iter().all(|c| c["kind"] == "claim"));
    // Paging one at a time visits the same claims.
    let mut from = 0;
    let mut seen = Vec::new();
    loop {
        let page = s.json(&format!("/v1/claims?from={from}&limit=1")).1;
        seen.extend(page["claims"].as_array().unwrap().iter().cloned());
        match page["next_from"].as_u64() {
            Some(n) => from = n,
            None => break,
        }
    }
    assert_eq!(seen, claims);
    // Each claim carries the size of its history.
    for c in &claims {
        let i = c["index"].as_u64().unwrap();
        let h = s.json(&format!("/v1/claims/{i}/history")).1;
        assert_eq!(c["statements"], h["statements"].as_array().unwrap().len());
    }
    // "Nvidia" is said only in statements; it finds the claim they are about.
    let q = s.json("/v1/claims?q=nvidia").1;
    let hits = q["claims"].as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["index"].as_u64(), Some(deepseek(&s)));
    assert_eq!(s.json("/v1/claims?q=zzzz-nothing").1["claims"], json!([]));
}

#[test]
fn posted_entries_are_appended_with_a_checkpoint_and_a_verifiable_receipt() {
    let demo = Demo::new();
    let s = Server::start(&demo.ledger, &[]);
    let before = demo.size();
    let line = demo.sign(
        "alice",
        &[
            "claim",
            "--text",
            "Nvidia says the H20 sold out",
            "--claimant",
            "Nvidia",
            "--claimant-type",
            "organization",
            "--subject",
            "H20",
            "--figure",
            "units=1 million",
        ],
    );
    let (status, v) = s.post(&line);
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["index"], before);
    assert_eq!(v["checkpoint"]["size"], before + 1);
    assert_eq!(v["notice"], Value::Null);
    assert_eq!(v["entry"]["recorder"], "Alice Martin");
    // The acknowledged checkpoint is signed by the log key, and the server's receipt verifies.
    let key: claimledger::VerifyingKey = demo.log_vkey.parse().unwrap();
    let (cp, _) = claimledger::format::checkpoint::open_checkpoint(
        v["checkpoint"]["note"].as_str().unwrap().as_bytes(),
        &key,
    )
    .unwrap();
    assert_eq!(cp.size, before + 1);
    let (_, receipt) = s.get(&format!("/v1/receipts/{before}"));
    claimledger::verify_receipt(receipt.as_bytes(), &key).unwrap();

    // A statement signed offline against (index, leaf hash) with no ledger at hand.
    let leaf = v["leaf_hash"].as_str().unwrap();
    let idx = before.to_string();
    let line = demo.sign(
        "bruno",
        &[
            "contest",
            &idx,
            "--target-leaf-hash",
            leaf,
            "--speaker",
            "Analyst",
            "--text",
            "Shipments were far lower",
            "--figure-subject",
            "H20",
            "--figure",
            "units=about 300,000",
        ],
    );
    let (status, v) = s.post(&line);
    assert_eq!(status, 201, "{v}");
    let h = s.json(&format!("/v1/claims/{idx}/history")).1;
    assert_eq!(h["statements"][0]["payload"]["stance"], "contests");
    assert_eq!(h["figures"][1]["comparison"], "different_value");
    // A retraction by someone other than the claimant is recorded with a notice.
    let line = demo.sign(
        "bruno",
        &[
            "retract",
            &idx,
            "--target-leaf-hash",
            leaf,
            "--speaker",
            "Someone else",
            "--text",
            "We take it back",
        ],
    );
    let (status, v) = s.post(&line);
    assert_eq!(status, 201, "{v}");
    assert!(v["notice"].as_str().unwrap().contains("retract"), "{v}");
    demo.audit();
}

#[test]
fn bad_requests_get_clear_errors_and_change_nothing() {
    let demo = Demo::new();
    let s = Server::start(&demo.ledger, &["--rate-limit", "0", "--max-body", "70000"]);
    let size = demo.size();
    let c = deepseek(&s).to_string();
    let error = |(status, v): (u16, Value), want_status: u16, code: &str, says: &str| {
        assert_eq!(status, want_status, "{v}");
        assert_eq!(v["error"]["status"], want_status);
        assert_eq!(v["error"]["code"], code, "{v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(says), "{msg:?} should say {says:?}");
    };
    let claim =
        |text: &str| demo.sign("alice", &["claim", "--text", text, "--claimant", "Someone"]);

    // Malformed bodies.
    error(s.post(b"not json"), 400, "invalid_entry", "not valid JSON");
    error(s.post(b"{}"), 400, "invalid_entry", "");
    let good = claim("a claim to tamper with");
    let mut line: Value = serde_json::from_slice(&good).unwrap();
    line["payload"]["text"] = "a claim, tampered".into();
    error(
        s.post(line.to_string().as_bytes()),
        400,
        "invalid_entry",
        "payload hash",
    );
    let mut extra = serde_json::from_slice::<Value>(&good).unwrap();
    extra["index"] = 3.into();
    error(
        s.post(extra.to_string().as_bytes()),
        400,
        "invalid_entry",
        "",
    );
    error(
        s.post(&vec![b' '; 80_000]),
        413,
        "too_large",
        "larger than 70000 bytes",
    );

    // Authorization: a key nobody granted.
    let stranger = demo.dir.path().join("stranger.key");
    cli(&[
        "key",
        "generate",
        "--name",
        "stranger@example.org",
        "--out",
        stranger.to_str().unwrap(),
    ]);
    let line = cli(&[
        "--key",
        stranger.to_str().unwrap(),
        "sign",
        "claim",
        "--text",
        "x",
        "--claimant",
        "y",
    ]);
    error(
        s.post(line.as_bytes()),
        403,
        "not_authorized",
        "not granted",
    );

    // Ledger rules: unknown target, wrong leaf hash, a key entry as target.
    let zeros = "0".repeat(64);
    let stmt = |reference: &str, leaf: &str| {
        demo.sign(
            "bruno",
            &[
                "contest",
                reference,
                "--target-leaf-hash",
                leaf,
                "--speaker",
                "S",
                "--text",
                "no",
            ],
        )
    };
    error(
        s.post(&stmt("999", &zeros)),
        422,
        "rule_violation",
        "does not exist",
    );
    error(
        s.post(&stmt(&c, &zeros)),
        422,
        "rule_violation",
        "leaf hash",
    );
    let key_entry = s.json("/v1/entries/1").1;
    error(
        s.post(&stmt("1", key_entry["leaf_hash"].as_str().unwrap())),
        422,
        "rule_violation",
        "key entry",
    );

    // Replays; and the per-key rate limit, on a second server sharing the same ledger file.
    let first = claim("first of three");
    assert_eq!(s.post(&first).0, 201);
    error(s.post(&first), 409, "duplicate", "already in the ledger");
    let limited = Server::start(&demo.ledger, &["--rate-limit", "2"]);
    assert_eq!(limited.post(&claim("second")).0, 201);
    assert_eq!(limited.post(&claim("third")).0, 201);
    error(
        limited.post(&claim("fourth")),
        429,
        "rate_limited",
        "retry in",
    );
    // Another key has its own budget.
    assert_eq!(
        limited
            .post(&demo.sign("chloe", &["claim", "--text", "t", "--claimant", "c"]))
            .0,
        201
    );
    assert_eq!(demo.size(), size + 4);

    // Reads.
    error(
        s.json("/v1/entries/9999"),
        404,
        "not_found",
        "no entry #9999",
    );
    error(
        s.json("/v1/entries/zz"),
        400,
        "bad_reference",
        "not an entry reference",
    );
    error(
        s.json("/v1/entries?limt=3"),
        400,
        "bad_request",
        "unknown query parameter \"limt\"",
    );
    error(
        s.json("/v1/entries?limit=0"),
        400,
        "bad_request",
        "1 to 500",
    );
    error(
        s.json("/v1/entries?limit=501"),
        400,
        "bad_request",
        "1 to 500",
    );
    error(
        s.json("/v1/entries?from=-1"),
        400,
        "bad_request",
        "non-negative integer",
    );
    error(
        s.json("/v1/search"),
        400,
        "bad_request",
        "q=TEXT is required",
    );
    error(
        s.json("/v1/proofs/consistency"),
        400,
        "bad_request",
        "from=M is required",
    );
    error(
        s.json("/v1/proofs/consistency?from=9&to=3"),
        400,
        "bad_request",
        "",
    );
    error(
        s.json(&format!("/v1/proofs/inclusion/{c}?size=1")),
        400,
        "bad_request",
        "",
    );
    error(
        s.json("/v1/nothing-here"),
        404,
        "not_found",
        "no such route",
    );
    assert_eq!(s.get("/tile/0/0001").0, 404);
    assert_eq!(s.get("/tile/0/000.p/255").0, 404);
    let resp = agent()
        .delete(&format!("{}/v1/entries/1", s.url))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(demo.size(), size + 4);
    demo.audit();
}

#[test]
fn without_the_operator_key_reads_work_and_appends_are_refused() {
    let demo = Demo::new();
    let op = demo.dir.path().join("demo/operator.key");
    std::fs::rename(&op, demo.dir.path().join("elsewhere.key")).unwrap();
    let s = Server::start(&demo.ledger, &[]);
    assert_eq!(s.json("/v1/checkpoint").0, 200);
    let (status, v) = s.post(&demo.sign("alice", &["claim", "--text", "t", "--claimant", "c"]));
    assert_eq!(status, 503, "{v}");
    assert_eq!(v["error"]["code"], "read_only");
    // An entry appended by the CLI here is not covered by a checkpoint: its receipt waits.
    let alice = demo.key("alice");
    demo.cli(&[
        "--key",
        &alice,
        "claim",
        "add",
        "--text",
        "uncovered",
        "--claimant",
        "C",
    ]);
    let last = demo.cli(&["--json", "log", "--from", "0", "--limit", "1000"]);
    let index = parse(&last).as_array().unwrap().len() - 1;
    let (status, v) = s.json(&format!("/v1/receipts/{index}"));
    assert_eq!(status, 409, "{v}");
    assert_eq!(v["error"]["code"], "not_covered");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("checkpoint --sign")
    );
    let (code, err) = s.stop();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("POST /v1/entries is disabled"), "{err}");
}

#[test]
fn concurrent_appends_are_serialized_and_none_is_lost() {
    let demo = Demo::new();
    let s = Server::start(&demo.ledger, &["--rate-limit", "0"]);
    let before = demo.size();
    // Sign first (each `sign` is a process), then post from 8 threads at once.
    let lines: Vec<Vec<u8>> = (0..48)
        .map(|i| {
            let who = ["alice", "bruno", "chloe"][i % 3];
            demo.sign(
                who,
                &["claim", "--text", &format!("claim {i}"), "--claimant", "C"],
            )
        })
        .collect();
    let results: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(6)
            .map(|chunk| scope.spawn(|| chunk.iter().map(|l| s.post(l)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut indexes: Vec<u64> = results
        .iter()
        .map(|(status, v)| {
            assert_eq!(*status, 201, "{v}");
            // Each answer's checkpoint covers its own entry.
            assert!(v["checkpoint"]["size"].as_u64().unwrap() > v["index"].as_u64().unwrap());
            v["index"].as_u64().unwrap()
        })
        .collect();
    indexes.sort();
    assert_eq!(indexes, (before..before + 48).collect::<Vec<_>>());
    // Every checkpoint the server signed is consistent with the next.
    let list: Value = parse(&demo.cli(&["--json", "checkpoint", "--list"]));
    let sizes: Vec<u64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["size"].as_u64().unwrap())
        .collect();
    for w in sizes.windows(2) {
        let (status, _) = s.json(&format!("/v1/proofs/consistency?from={}&to={}", w[0], w[1]));
        assert_eq!(status, 200);
    }
    let (code, err) = s.stop();
    assert_eq!(code, 0, "{err}");
    demo.audit();
}

#[test]
fn tiles_serve_the_signed_tree() {
    let demo = Demo::new();
    let s = Server::start(&demo.ledger, &["--rate-limit", "0"]);
    let size = demo.size();
    let (status, note) = s.get("/checkpoint");
    assert_eq!(status, 200);
    assert_eq!(note, s.json("/v1/checkpoint").1["note"].as_str().unwrap());
    // Level-0 partial tile: the leaf hashes; entry bundle: the envelopes, uint16-prefixed.
    let (status, tile) = s.get_bytes(&format!("/tile/0/000.p/{size}"));
    assert_eq!(status, 200);
    let (status, bundle) = s.get_bytes(&format!("/tile/entries/000.p/{size}"));
    assert_eq!(status, 200);
    let entries = claimledger::format::tiles::parse_entry_bundle(&bundle).unwrap();
    assert_eq!(entries.len() as u64, size);
    for (i, e) in entries.iter().enumerate() {
        let leaf = claimledger::format::merkle::leaf_hash(e);
        assert_eq!(&tile[i * 32..i * 32 + 32], &leaf);
        let shown = s.json(&format!("/v1/entries/{i}")).1;
        assert_eq!(shown["leaf_hash"], hex::encode(leaf));
    }
    // Narrower partial tiles are prefixes; wider ones than the checkpoint are not served.
    assert_eq!(s.get_bytes("/tile/0/000.p/2").1, tile[..64].to_vec());
    assert_eq!(s.get(&format!("/tile/0/000.p/{}", size + 1)).0, 404);
    assert_eq!(s.get("/tile/0/000").0, 404);
    assert_eq!(s.get("/tile/1/000.p/1").0, 404);
}

#[test]
fn shutdown_under_load_keeps_every_acknowledged_entry() {
    let demo = Demo::new();
    let lines: Vec<Vec<u8>> = (0..60)
        .map(|i| {
            let who = ["alice", "bruno"][i % 2];
            demo.sign(
                who,
                &["claim", "--text", &format!("load {i}"), "--claimant", "C"],
            )
        })
        .collect();
    let s = Server::start(&demo.ledger, &["--rate-limit", "0"]);
    let pid = s.pid();
    let acked: Vec<(u64, String)> = std::thread::scope(|scope| {
        let posters: Vec<_> = lines
            .chunks(15)
            .map(|chunk| {
                let s = &s;
                scope.spawn(move || {
                    let mut acked = Vec::new();
                    for l in chunk {
                        match s.try_post(l) {
                            Ok((201, v)) => acked.push((
                                v["index"].as_u64().unwrap(),
                                v["leaf_hash"].as_str().unwrap().to_string(),
                            )),
                            Ok((status, v)) => panic!("{status}: {v}"),
                            Err(_) => break, // the server has stopped accepting
                        }
                    }
                    acked
                })
            })
            .collect();
        // Stop the server while the posters are busy.
        std::thread::sleep(std::time::Duration::from_millis(60));
        Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        posters
            .into_iter()
            .flat_map(|p| p.join().unwrap())
            .collect()
    });
    let (code, err) = s.stop();
    assert_eq!(code, 0, "{err}");
    assert!(
        !acked.is_empty(),
        "nothing was acknowledged before the stop"
    );
    // Every acknowledged entry is in the ledger with the acknowledged leaf hash.
    for (index, leaf) in &acked {
        let shown: Value = parse(&demo.cli(&["--json", "show", &index.to_string()]));
        assert_eq!(shown["leaf_hash"], leaf.as_str());
    }
    // No -wal left behind: the .db file alone holds everything.
    assert!(!demo.ledger.with_extension("db-wal").exists());
    demo.audit();
}

/// docs/openapi.yaml against the live server: openapi-spec-validator, schemathesis (every
/// operation, every check, fixed seed) and a signed POST round trip (scripts/api-conformance.sh).
/// Needs the Python tools in target/conformance-venv, which `.ci/run` installs.
#[test]
fn the_server_conforms_to_its_openapi_document() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join("target/conformance-venv/bin/schemathesis");
    if !venv.exists() {
        crate::util::skip(&format!(
            "OpenAPI conformance: {} missing (run scripts/api-conformance.sh once)",
            venv.display()
        ));
        return;
    }
    let (ok, log) = crate::util::run_combined(
        Command::new("bash")
            .arg(root.join("scripts/api-conformance.sh"))
            .env("CLAIMLEDGER_BIN", bin())
            .env("MAX_EXAMPLES", "50"),
    );
    assert!(ok, "{log}");
    assert!(log.contains("schemathesis exit 0"), "{log}");
}

/// The `claims` SQLite view, the API and `history` count a claim's statements the same way: the
/// whole thread, replies to replies included. See: issue #17 point 7 (the view counted direct
/// replies only).
#[test]
fn the_claims_view_counts_statements_as_the_api_does() {
    let demo = Demo::new();
    let s = Server::start(&demo.ledger, &[]);
    let (_, api) = s.json("/v1/claims?limit=500");
    let db = rusqlite::Connection::open_with_flags(
        &demo.ledger,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut rows = db
        .prepare(r#"SELECT "index", statements, replies FROM claims ORDER BY "index""#)
        .unwrap();
    let view: Vec<(i64, i64, i64)> = rows
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let claims = api["claims"].as_array().unwrap();
    assert_eq!(view.len(), claims.len());
    let mut deeper = false;
    for ((index, statements, replies), c) in view.iter().zip(claims) {
        assert_eq!(c["index"], *index);
        assert_eq!(c["statements"], *statements, "claim #{index}");
        let history = parse(&demo.cli(&["--json", "history", &index.to_string()]));
        assert_eq!(
            history["statements"].as_array().unwrap().len() as i64,
            *statements
        );
        let direct = history["statements"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|st| st["target"]["index"] == *index)
            .count() as i64;
        assert_eq!(*replies, direct, "claim #{index}");
        deeper |= replies < statements;
    }
    // The demo has a reply to a reply (Nvidia answering the US officials), so the two differ.
    assert!(
        deeper,
        "the demo should have a statement about a statement: {view:?}"
    );
}
