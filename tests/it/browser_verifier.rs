//! web/verify.js (the browser verifier) must reach the Rust verifier's verdict: on receipts for
//! every entry of a ledger and on tampered copies. Rust computes each verdict with
//! `claimledger::verify_receipt`, writes cases.json, and `node tests/web/verify-cases.mjs`
//! checks the JS verdicts against it; `node --test tests/web/` runs the JS unit and vector tests.
//! Without node the test prints a notice and passes, except under CI=true.

use crate::ledger::{ORIGIN, TestLedger, key, statement};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use claimledger::format::cosignature::{Cosignature, WitnessKey, WitnessSigner, add_cosignatures};
use claimledger::format::note::{Note, NoteSignature};
use claimledger::format::policy::Policy;
use claimledger::format::receipt::verify_receipt_with_policy;
use claimledger::{Receipt, Stance, format::encoding, verify_receipt};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// Whether `node` runs; false (with a notice) when it is missing, a failure under CI=true.
fn node_available() -> bool {
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        other => {
            crate::util::skip(&format!("node not found ({other:?})"));
            false
        }
    }
}

struct Cases {
    dir: std::path::PathBuf,
    list: Vec<Value>,
}

impl Cases {
    /// Record one case: write the receipt bytes, compute Rust's verdict.
    fn add(&mut self, name: &str, receipt: &[u8], log_key: &str) -> bool {
        let file = format!("case-{:02}.json", self.list.len());
        std::fs::write(self.dir.join(&file), receipt).unwrap();
        let key: claimledger::VerifyingKey = log_key.parse().unwrap();
        let rust_ok = verify_receipt(receipt, &key).is_ok();
        self.list.push(json!({
            "name": name,
            "receipt_file": file,
            "log_key": log_key,
            "rust_ok": rust_ok,
        }));
        rust_ok
    }

    /// Record a case with pinned witnesses and a quorum: Rust's verdict is
    /// `verify_receipt_with_policy` with the k-of-n policy.
    fn add_witnessed(
        &mut self,
        name: &str,
        receipt: &[u8],
        log_key: &str,
        witnesses: &[WitnessKey],
        quorum: usize,
    ) -> bool {
        let file = format!("case-{:02}.json", self.list.len());
        std::fs::write(self.dir.join(&file), receipt).unwrap();
        let key: claimledger::VerifyingKey = log_key.parse().unwrap();
        let policy = Policy::k_of_n(
            witnesses.iter().map(|w| (w.clone(), None)).collect(),
            quorum,
        )
        .unwrap();
        let rust_ok = verify_receipt_with_policy(receipt, &key, &policy).is_ok();
        self.list.push(json!({
            "name": name,
            "receipt_file": file,
            "log_key": log_key,
            "witnesses": witnesses.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
            "quorum": quorum,
            "rust_ok": rust_ok,
        }));
        rust_ok
    }

    fn add_json(&mut self, name: &str, receipt: &Value, log_key: &str) -> bool {
        self.add(
            name,
            serde_json::to_string_pretty(receipt).unwrap().as_bytes(),
            log_key,
        )
    }
}

/// The envelope of a receipt as a JSON value, edited by `f`, written back canonically.
fn edit_envelope(receipt: &Value, f: impl FnOnce(&mut Value)) -> Value {
    let bytes = B64
        .decode(receipt["envelope_base64"].as_str().unwrap())
        .unwrap();
    let mut env = encoding::parse_strict(&bytes).unwrap();
    f(&mut env);
    let mut out = receipt.clone();
    out["envelope_base64"] = B64.encode(encoding::to_canonical(&env)).into();
    out
}

fn edit_envelope_bytes(receipt: &Value, f: impl FnOnce(&mut Vec<u8>)) -> Value {
    let mut bytes = B64
        .decode(receipt["envelope_base64"].as_str().unwrap())
        .unwrap();
    f(&mut bytes);
    let mut out = receipt.clone();
    out["envelope_base64"] = B64.encode(&bytes).into();
    out
}

fn edit_proof(receipt: &Value, f: impl FnOnce(&str) -> String) -> Value {
    let mut out = receipt.clone();
    out["tlog_proof"] = f(receipt["tlog_proof"].as_str().unwrap()).into();
    out
}

/// Flip one bit of the base64 text `b64`'s decoded bytes at `at`, re-encoded canonically.
fn flip_b64(b64: &str, at: usize) -> String {
    let mut raw = B64.decode(b64).unwrap();
    raw[at] ^= 0x01;
    B64.encode(raw)
}

fn run(args: &[&str]) -> (bool, String) {
    crate::util::run_combined(
        Command::new("node")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    )
}

#[test]
fn js_verifier_agrees_with_rust_on_good_and_tampered_receipts() {
    if !node_available() {
        return;
    }
    let mut t = TestLedger::new(); // 0 operator grant (key), 1 alice grant (key)
    let c = t.claim("DeepSeek-V3 cost 5,6 millions de dollars \u{2014} \u{ab} bridées \u{bb} 🤔");
    let s = t
        .ledger
        .append_statement(
            c,
            statement(Stance::Contests, "Dario Amodei", "doubtful"),
            &t.alice,
        )
        .unwrap()
        .entry
        .index();
    t.append_n(3);
    let vkey = t.ledger.log_key().to_string();
    let size = t.ledger.size().unwrap();
    assert_eq!(size, 7);

    let dir = tempfile::tempdir().unwrap();
    let mut cases = Cases {
        dir: dir.path().to_path_buf(),
        list: Vec::new(),
    };

    // Every entry's receipt, exactly as `claimledger receipt` writes it.
    for i in 0..size {
        let text = t.ledger.receipt(i).unwrap().to_pretty();
        assert!(cases.add(&format!("receipt for entry {i}"), text.as_bytes(), &vkey));
    }
    let good = t.ledger.receipt(c).unwrap().to_json();
    let good_statement = t.ledger.receipt(s).unwrap().to_json();
    let pretty = serde_json::to_string_pretty(&good).unwrap();

    // Accepted variations: the receipt and payload need not be canonical, witnesses are ignored.
    assert!(cases.add("compact receipt JSON", good.to_string().as_bytes(), &vkey));
    let mut reordered = good.clone();
    let payload = reordered["payload"].as_object().unwrap().clone();
    let mut rev = serde_json::Map::new();
    for (k, v) in payload.into_iter().rev() {
        rev.insert(k, v);
    }
    reordered["payload"] = Value::Object(rev);
    let reordered_text = serde_json::to_string(&reordered)
        .unwrap()
        .replace("\"subjects\"", "\"subjects\" ");
    assert!(cases.add(
        "payload members in another order",
        reordered_text.as_bytes(),
        &vkey
    ));
    let witness = key("witness.example", 42);
    let cosigned = edit_proof(&good, |p| {
        let (head, note) = p.split_once("\n\n").unwrap();
        let note = claimledger::format::note::add_signature(note, &witness).unwrap();
        format!("{head}\n\n{note}")
    });
    assert!(cases.add_json("witness cosignature by another key", &cosigned, &vkey));
    let extra = edit_proof(&good, |p| p.replacen("\nindex ", "\nextra AAEC\nindex ", 1));
    assert!(cases.add_json("tlog-proof with an extra line", &extra, &vkey));

    // Tampered receipts: every one must be refused by both.
    let mut bad: Vec<(&str, Vec<u8>, String)> = Vec::new();
    let mut push = |name: &'static str, v: Value| {
        bad.push((name, serde_json::to_vec_pretty(&v).unwrap(), vkey.clone()))
    };
    push(
        "author signature bit flipped",
        edit_envelope(&good, |e| {
            e["signature"] = flip_b64(e["signature"].as_str().unwrap(), 10).into();
        }),
    );
    push(
        "envelope recorded_at changed",
        edit_envelope(&good, |e| {
            let r = e["recorded_at"].as_str().unwrap().replacen('2', "1", 1);
            e["recorded_at"] = r.into();
        }),
    );
    push(
        "envelope byte flipped (generator)",
        edit_envelope_bytes(&good, |b| {
            let at = b.windows(12).position(|w| w == b"claimledger/").unwrap();
            b[at + 12] ^= 0x01;
        }),
    );
    push(
        "envelope not canonical (space)",
        edit_envelope_bytes(&good, |b| b.insert(1, b' ')),
    );
    push(
        "envelope with an extra member",
        edit_envelope(&good, |e| {
            e["zzz"] = 1.into();
        }),
    );
    push(
        "envelope payload_sha256 in uppercase",
        edit_envelope(&good, |e| {
            let h = e["payload_sha256"].as_str().unwrap().to_uppercase();
            e["payload_sha256"] = h.into();
        }),
    );
    push(
        "statement target index changed",
        edit_envelope(&good_statement, |e| {
            e["target"]["index"] = 1.into();
        }),
    );
    let mut v = good.clone();
    let b64 = v["envelope_base64"].as_str().unwrap();
    v["envelope_base64"] = format!("{b64}\n").into();
    push("envelope_base64 with a line break", v);
    let mut v = good.clone();
    v["payload"]["text"] = "DeepSeek-V3 cost $6M".into();
    push("payload text changed", v);
    let mut v = good.clone();
    v["payload"]["colour"] = "red".into();
    push("payload with an unknown member", v);
    let mut v = good.clone();
    v["payload"]["claimed_on"] = Value::Null;
    push("payload member set to null", v);
    let mut v = good.clone();
    v["payload"]["figures"][0]["value"] = "5600000.0".into();
    push("payload figure value not normalized", v);
    let mut v = good.clone();
    let subjects = v["payload"]["subjects"].as_array_mut().unwrap();
    subjects.push("DeepSeek".into());
    subjects.reverse();
    push("payload array in another order", v);
    push(
        "proof hash bit flipped",
        edit_proof(&good, |p| {
            let lines: Vec<String> = p
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    if i == 2 {
                        flip_b64(l, 0)
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            lines.join("\n") + "\n"
        }),
    );
    push(
        "proof hash removed",
        edit_proof(&good, |p| {
            let mut lines: Vec<&str> = p.split('\n').collect();
            lines.remove(2);
            lines.join("\n")
        }),
    );
    push(
        "index changed",
        edit_proof(&good, |p| {
            p.replacen(&format!("index {c}"), &format!("index {}", c + 1), 1)
        }),
    );
    push(
        "index with a leading zero",
        edit_proof(&good, |p| {
            p.replacen(&format!("index {c}"), &format!("index 0{c}"), 1)
        }),
    );
    push(
        "size in the note changed",
        edit_proof(&good, |p| {
            p.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size + 1), 1)
        }),
    );
    push(
        "note signature bit flipped",
        edit_proof(&good, |p| {
            let (rest, sig) = p.rsplit_once(' ').unwrap();
            format!("{rest} {}\n", flip_b64(sig.trim_end(), 20))
        }),
    );
    push(
        "note with CRLF line ends",
        edit_proof(&good, |p| p.replace('\n', "\r\n")),
    );
    push(
        "note signature line removed",
        edit_proof(&good, |p| {
            p.rsplit_once("\n\n").unwrap().0.to_string() + "\n\n"
        }),
    );
    let mut v = good.clone();
    v["extra"] = 1.into();
    push("receipt with an extra member", v);
    let mut v = good.clone();
    v["format"] = "claimledger-receipt/v2".into();
    push("receipt format changed", v);
    let mut v = good.clone();
    v["payload"]["ratio"] = json!(1.5);
    push("payload with a float", v);
    bad.push((
        "receipt with a duplicate member",
        pretty
            .replacen("{", "{\n  \"format\": \"claimledger-receipt/v1\",", 1)
            .into_bytes(),
        vkey.clone(),
    ));
    bad.push((
        "receipt with a byte order mark",
        [b"\xef\xbb\xbf".as_slice(), pretty.as_bytes()].concat(),
        vkey.clone(),
    ));
    bad.push((
        "receipt with invalid UTF-8",
        {
            let mut b = pretty.clone().into_bytes();
            let at = pretty.find("\"text\": \"").unwrap() + 10;
            b[at] = 0xff;
            b
        },
        vkey.clone(),
    ));
    bad.push((
        "receipt over 1 MiB",
        format!("{pretty}{}", " ".repeat(1 << 20)).into_bytes(),
        vkey.clone(),
    ));
    let good_bytes = pretty.as_bytes().to_vec();
    bad.push((
        "another key under the log's name",
        good_bytes.clone(),
        key(ORIGIN, 99).verifying_key().to_string(),
    ));
    bad.push((
        "a recorder's key pinned instead of the log key",
        good_bytes,
        t.alice.verifying_key().to_string(),
    ));
    for (name, bytes, log_key) in &bad {
        assert!(!cases.add(name, bytes, log_key), "Rust accepted {name}");
    }
    assert!(cases.list.len() >= 40, "{} cases", cases.list.len());

    std::fs::write(
        dir.path().join("cases.json"),
        serde_json::to_vec_pretty(&cases.list).unwrap(),
    )
    .unwrap();
    let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web/verify-cases.mjs");
    let (ok, out) = run(&[harness.to_str().unwrap(), dir.path().to_str().unwrap()]);
    eprintln!("{out}");
    assert!(ok, "web/verify.js disagrees with the Rust verifier:\n{out}");
    assert!(out.contains(&format!("{} cases, 0 disagreements", cases.list.len())));

    // A harness that can fail: a case whose recorded verdict is wrong must make it exit 1.
    cases.list[0]["rust_ok"] = false.into();
    std::fs::write(
        dir.path().join("cases.json"),
        serde_json::to_vec_pretty(&cases.list).unwrap(),
    )
    .unwrap();
    let (ok, out) = run(&[harness.to_str().unwrap(), dir.path().to_str().unwrap()]);
    assert!(!ok && out.contains("DISAGREE"), "{out}");
}

/// `receipt` with `lines` added to its checkpoint note.
fn with_lines(receipt: &Receipt, lines: &[NoteSignature]) -> Vec<u8> {
    let mut r = receipt.clone();
    r.tlog_proof.checkpoint = add_cosignatures(&r.tlog_proof.checkpoint, lines).unwrap();
    r.to_pretty().into_bytes()
}

#[test]
fn js_witness_verdicts_agree_with_rust() {
    if !node_available() {
        return;
    }
    let mut t = TestLedger::new();
    let c = t.claim("DeepSeek-V3 cost $5.6M");
    t.append_n(2);
    let vkey = t.ledger.log_key().to_string();
    let receipt = t.ledger.receipt(c).unwrap();
    let body = Note::parse(receipt.tlog_proof.checkpoint.as_bytes())
        .unwrap()
        .text()
        .to_string();
    let signer = |name: &str, seed: u8| WitnessSigner::new(key(name, seed));
    let (w1, w2, w3) = (
        signer("w1.example/witness", 41),
        signer("w2.example/witness", 42),
        signer("w3.example/witness", 43),
    );
    let cosign = |w: &WitnessSigner, text: &str| w.cosign(text, 1_765_000_000).unwrap();
    let line = |c: &Cosignature| c.to_note_signature();
    let (k1, k2, k3) = (w1.witness_key(), w2.witness_key(), w3.witness_key());
    let c1 = cosign(&w1, &body);
    let c2 = cosign(&w2, &body);
    let mut flipped = line(&c1);
    flipped.signature[20] ^= 1;
    let mut long = line(&c1);
    long.signature.push(0);
    let mut time_zero = line(&c1);
    time_zero.signature[..8].copy_from_slice(&[0; 8]);
    let other_body = body.replacen(&format!("\n{}\n", t.ledger.size().unwrap()), "\n1\n", 1);
    assert_ne!(other_body, body);
    let elsewhere = line(&cosign(&w1, &other_body));

    let dir = tempfile::tempdir().unwrap();
    let mut cases = Cases {
        dir: dir.path().to_path_buf(),
        list: Vec::new(),
    };
    let both = with_lines(&receipt, &[line(&c1), line(&c2)]);
    let only1 = with_lines(&receipt, &[line(&c1)]);
    let plain = receipt.to_pretty().into_bytes();
    let good: Vec<(&str, Vec<u8>, Vec<WitnessKey>, usize)> = vec![
        ("w1 cosigned, 1 of [w1]", only1.clone(), vec![k1.clone()], 1),
        (
            "w1 and w2 cosigned, 2 of [w1, w2]",
            both.clone(),
            vec![k1.clone(), k2.clone()],
            2,
        ),
        (
            "w1 cosigned, 1 of [w1, w2]",
            only1.clone(),
            vec![k1.clone(), k2.clone()],
            1,
        ),
        (
            "no cosignature, quorum 0",
            plain.clone(),
            vec![k1.clone()],
            0,
        ),
        (
            "w1's line altered but w2 cosigned, 1 of [w1, w2]",
            with_lines(&receipt, &[flipped.clone(), line(&c2)]),
            vec![k1.clone(), k2.clone()],
            1,
        ),
    ];
    for (name, bytes, ws, k) in &good {
        assert!(
            cases.add_witnessed(name, bytes, &vkey, ws, *k),
            "Rust rejected {name}"
        );
    }
    let bad: Vec<(&str, Vec<u8>, Vec<WitnessKey>, usize)> = vec![
        ("no cosignature, 1 of [w1]", plain, vec![k1.clone()], 1),
        (
            "w1 cosigned, 2 of [w1, w2]",
            only1,
            vec![k1.clone(), k2.clone()],
            2,
        ),
        (
            "only an unpinned witness cosigned",
            with_lines(&receipt, &[line(&cosign(&w3, &body))]),
            vec![k1.clone()],
            1,
        ),
        (
            "a cosignature with one bit flipped",
            with_lines(&receipt, &[flipped]),
            vec![k1.clone()],
            1,
        ),
        (
            "a cosignature one byte too long",
            with_lines(&receipt, &[long]),
            vec![k1.clone()],
            1,
        ),
        (
            "a cosignature at time 0",
            with_lines(&receipt, &[time_zero]),
            vec![k1.clone()],
            1,
        ),
        (
            "w1's cosignature of another checkpoint",
            with_lines(&receipt, &[elsewhere]),
            vec![k1.clone()],
            1,
        ),
        (
            "both cosigned, 3 of [w1, w2, w3]",
            both,
            vec![k1, k2, k3],
            3,
        ),
    ];
    for (name, bytes, ws, k) in &bad {
        assert!(
            !cases.add_witnessed(name, bytes, &vkey, ws, *k),
            "Rust accepted {name}"
        );
    }
    std::fs::write(
        dir.path().join("cases.json"),
        serde_json::to_vec_pretty(&cases.list).unwrap(),
    )
    .unwrap();
    let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web/verify-cases.mjs");
    let (ok, out) = run(&[harness.to_str().unwrap(), dir.path().to_str().unwrap()]);
    eprintln!("{out}");
    assert!(ok, "web/verify.js disagrees with the Rust verifier:\n{out}");
    assert!(out.contains(&format!("{} cases, 0 disagreements", cases.list.len())));
}

#[test]
fn js_unit_and_vector_tests_pass() {
    if !node_available() {
        return;
    }
    let (ok, out) = run(&["--test", "tests/web/"]);
    assert!(ok, "node --test tests/web/ failed:\n{out}");
}

/// web/README.md publishes the SHA-256 of the verifier files for readers who load them from
/// elsewhere; the published lines must match the files this build embeds.
#[test]
fn published_verifier_hashes_match_the_files() {
    use sha2::{Digest, Sha256};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("web/README.md")).unwrap();
    for file in ["web/verify.js", "web/vendor/noble.js"] {
        let digest = hex::encode(Sha256::digest(std::fs::read(root.join(file)).unwrap()));
        assert!(
            readme.contains(&format!("{digest}  {file}")),
            "web/README.md must list `{digest}  {file}` (sha256sum {file})"
        );
    }
}

/// Receipts of withheld payloads (issue #15): both verifiers accept the honest one and refuse
/// every way of faking a withholding.
#[test]
fn js_verifier_agrees_with_rust_on_withheld_receipts() {
    if !node_available() {
        return;
    }
    use claimledger::RedactionCategory;
    let mut t = TestLedger::new();
    let c1 = t.claim("first claim, to be withheld");
    let c2 = t.claim("second claim, to be withheld");
    let c3 = t.claim("a claim that stays");
    t.ledger
        .redact(c1, RedactionCategory::Privacy, "personal data")
        .unwrap();
    t.ledger
        .redact(c2, RedactionCategory::CourtOrder, "order 17")
        .unwrap();
    let vkey = t.ledger.log_key().to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut cases = Cases {
        dir: dir.path().to_path_buf(),
        list: Vec::new(),
    };
    let w1 = t.ledger.receipt(c1).unwrap().to_json();
    let w2 = t.ledger.receipt(c2).unwrap().to_json();
    let kept = t.ledger.receipt(c3).unwrap().to_json();
    assert!(w1.get("payload").is_none() && w1["withheld"].is_object());
    assert!(cases.add_json("withheld receipt", &w1, &vkey));
    assert!(cases.add_json("another withheld receipt", &w2, &vkey));
    for i in 0..t.ledger.size().unwrap() {
        let text = t.ledger.receipt(i).unwrap().to_pretty();
        assert!(cases.add(&format!("receipt for entry {i}"), text.as_bytes(), &vkey));
    }

    let mut bad: Vec<(&str, Value)> = Vec::new();
    let mut v = w1.clone();
    v["withheld"] = w2["withheld"].clone();
    bad.push(("the redaction of another entry", v));
    let mut v = w1.clone();
    v["withheld"] = kept.clone();
    bad.push(("a claim's receipt in place of the redaction", v));
    let mut v = w1.clone();
    v["payload"] = json!({"text": "x"});
    bad.push(("both payload and withheld", v));
    let mut v = w1.clone();
    v["withheld"].as_object_mut().unwrap().remove("payload");
    bad.push(("the redaction without its payload", v));
    let mut v = w1.clone();
    v["withheld"]["payload"]["category"] = "other".into();
    bad.push(("the redaction's category changed", v));
    let mut v = w1.clone();
    v["withheld"] = edit_envelope(&w1["withheld"], |e| {
        e["target"]["index"] = 3.into();
    });
    bad.push(("the redaction's target index changed", v));
    let mut v = kept.clone();
    v.as_object_mut().unwrap().remove("payload");
    v["withheld"] = w1["withheld"].clone();
    bad.push(("a kept claim said to be withheld", v));
    let mut v = w1.clone();
    v["withheld"]["withheld"] = w2["withheld"].clone();
    bad.push(("a nested withheld", v));
    for (name, v) in &bad {
        assert!(!cases.add_json(name, v, &vkey), "Rust accepted {name}");
    }

    std::fs::write(
        dir.path().join("cases.json"),
        serde_json::to_vec_pretty(&cases.list).unwrap(),
    )
    .unwrap();
    let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web/verify-cases.mjs");
    let (ok, out) = run(&[harness.to_str().unwrap(), dir.path().to_str().unwrap()]);
    eprintln!("{out}");
    assert!(ok, "web/verify.js disagrees with the Rust verifier:\n{out}");
    assert!(out.contains(&format!("{} cases, 0 disagreements", cases.list.len())));
}
