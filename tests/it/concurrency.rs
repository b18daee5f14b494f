//! Concurrency (issue 5, item 2): four writer processes append through the CLI at once while a
//! reader audits and verifies receipts in a loop; then four library `Ledger`s, one per thread,
//! on the same file. Nothing is lost, duplicated or forked, every checkpoint is consistent with
//! the next, audit passes, and no writer ever sees an error (SQLITE_BUSY is waited out).
//!
//! CLAIMLEDGER_STRESS_APPENDS appends per writer (default 50; scripts/stress.sh runs 250),
//! CLAIMLEDGER_STRESS_WRITERS writers (default 4).

use crate::cli::Session;
use crate::crash::{Rng, audit_ok, env_u64, has_notice};
use crate::ledger::{ORIGIN, claim, key};
use claimledger::{Ledger, format::merkle, verify_receipt};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn appends_per_writer() -> u64 {
    env_u64("CLAIMLEDGER_STRESS_APPENDS", 50)
}

fn writers() -> u64 {
    env_u64("CLAIMLEDGER_STRESS_WRITERS", 4)
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn concurrent_cli_writers_and_a_reader_lose_and_fork_nothing() {
    let n = appends_per_writer();
    let w = writers();
    let s = Arc::new(Session::with_claim());
    for i in 0..w {
        let vkey = s
            .ok(&[
                "key",
                "generate",
                "--name",
                &format!("writer{i}@test.example"),
                "--out",
                &format!("writer{i}.key"),
            ])
            .stdout;
        s.ok(&[
            "key",
            "grant",
            vkey.trim(),
            "--name",
            &format!("Writer {i}"),
            "--role",
            "reporter",
        ]);
    }
    let setup = audit_ok(&s, "setup")["entries"].as_u64().unwrap();
    let log_vkey = s.ok(&["--json", "audit"]).json()["log_vkey"]
        .as_str()
        .unwrap()
        .to_string();
    let done = Arc::new(AtomicBool::new(false));
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let started = Instant::now();

    let writer_threads: Vec<_> = (0..w)
        .map(|i| {
            let s = Arc::clone(&s);
            let errors = Arc::clone(&errors);
            std::thread::spawn(move || {
                let mut acked: Vec<(u64, String)> = Vec::new();
                let mut slowest = Duration::ZERO;
                for j in 0..n {
                    let t = Instant::now();
                    let out = s.run(&[
                        "--key",
                        &format!("writer{i}.key"),
                        "--json",
                        "claim",
                        "add",
                        "--text",
                        &format!("writer {i} append {j}"),
                        "--claimant",
                        &format!("Writer {i}"),
                        "--subject",
                        "DeepSeek-V3",
                        "--figure",
                        "training_cost=$5.6M",
                    ]);
                    slowest = slowest.max(t.elapsed());
                    if out.code != 0 || !out.stderr.trim().is_empty() {
                        errors.lock().unwrap().push(format!(
                            "writer {i} append {j}: exit {}: {}",
                            out.code, out.stderr
                        ));
                        continue;
                    }
                    let j = out.json();
                    acked.push((
                        j["index"].as_u64().unwrap(),
                        j["leaf_hash"].as_str().unwrap().to_string(),
                    ));
                }
                (acked, slowest)
            })
        })
        .collect();

    let reader = {
        let s = Arc::clone(&s);
        let errors = Arc::clone(&errors);
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut rng = Rng::new(0x5EED_0C0C);
            let (mut audits, mut receipts) = (0u64, 0u64);
            let fail = |what: String| errors.lock().unwrap().push(what);
            // At least one full round, then until the writers finish.
            while audits == 0 || !done.load(Ordering::Acquire) {
                let a = s.run(&["--json", "audit"]);
                if a.code != 0 {
                    fail(format!(
                        "reader audit: exit {}: {}{}",
                        a.code, a.stdout, a.stderr
                    ));
                    continue;
                }
                audits += 1;
                let size = a.json()["entries"].as_u64().unwrap();
                let idx = rng.below(size);
                let r = s.run(&["receipt", &idx.to_string()]);
                if r.code != 0 {
                    fail(format!(
                        "reader receipt {idx}: exit {}: {}",
                        r.code, r.stderr
                    ));
                    continue;
                }
                let file = s.path(&format!("receipt-{receipts}.json"));
                std::fs::write(&file, &r.stdout).unwrap();
                let v = s.run(&[
                    "--json",
                    "verify-receipt",
                    file.to_str().unwrap(),
                    "--log-key",
                    &log_vkey,
                ]);
                if v.code != 0 || v.json()["index"].as_u64() != Some(idx) {
                    fail(format!(
                        "reader verify-receipt {idx}: exit {}: {}{}",
                        v.code, v.stdout, v.stderr
                    ));
                    continue;
                }
                // The same receipt through the library, offline.
                if let Err(e) = verify_receipt(r.stdout.as_bytes(), &log_vkey.parse().unwrap()) {
                    fail(format!("library verify_receipt {idx}: {e}"));
                }
                receipts += 1;
            }
            (audits, receipts)
        })
    };

    let mut per_writer: Vec<Vec<(u64, String)>> = Vec::new();
    let mut slowest = Duration::ZERO;
    for t in writer_threads {
        let (acked, slow) = t.join().unwrap();
        per_writer.push(acked);
        slowest = slowest.max(slow);
    }
    let writing = started.elapsed();
    done.store(true, Ordering::Release);
    let (audits, receipts) = reader.join().unwrap();
    let errors = errors.lock().unwrap().clone();
    assert!(
        errors.is_empty(),
        "{} errors under concurrency:\n{}",
        errors.len(),
        errors.join("\n")
    );

    // Exactly setup + w×n entries; each writer's acknowledgements present, all distinct.
    let ledger = Ledger::open(s.ledger()).unwrap();
    let size = ledger.size().unwrap();
    assert_eq!(size, setup + w * n, "entries after {w}×{n} appends");
    let mut leaves = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    for (i, acked) in per_writer.iter().enumerate() {
        assert_eq!(acked.len() as u64, n, "writer {i}");
        let mut last = None;
        for (idx, leaf) in acked {
            assert_eq!(
                &hex::encode(ledger.entry(*idx).unwrap().leaf_hash()),
                leaf,
                "writer {i}: entry {idx} is not the one acknowledged"
            );
            assert!(
                last.is_none_or(|l| l < *idx),
                "writer {i}: its own appends out of order"
            );
            last = Some(*idx);
            assert!(leaves.insert(leaf.clone()), "duplicated entry {leaf}");
            assert!(indexes.insert(*idx), "index {idx} acknowledged twice");
        }
    }
    assert_eq!(indexes, (setup..size).collect::<BTreeSet<_>>());
    for i in 0..size {
        let leaf = hex::encode(ledger.entry(i).unwrap().leaf_hash());
        assert!(
            i < setup || leaves.contains(&leaf),
            "entry {i} was never acknowledged"
        );
    }

    // Every stored checkpoint is consistent with the next.
    let cps = ledger.checkpoints().unwrap();
    assert_eq!(cps.last().unwrap().checkpoint.size, size);
    for pair in cps.windows(2) {
        let (a, b) = (&pair[0].checkpoint, &pair[1].checkpoint);
        let p = ledger.consistency_proof(a.size, Some(b.size)).unwrap();
        merkle::verify_consistency(a.size, b.size, &a.root, &b.root, &p.proof)
            .unwrap_or_else(|e| panic!("checkpoint {} -> {}: {e}", a.size, b.size));
    }
    // And through the CLI, for a few pairs: `prove consistency` matches the signed roots.
    let mut rng = Rng::new(7);
    let by_size: BTreeMap<u64, Vec<u8>> = cps
        .iter()
        .map(|c| (c.checkpoint.size, c.checkpoint.root.to_vec()))
        .collect();
    let sizes: Vec<u64> = by_size.keys().copied().collect();
    for _ in 0..5 {
        let a = sizes[rng.below(sizes.len() as u64) as usize];
        let b = sizes[rng.below(sizes.len() as u64) as usize];
        let (from, to) = (a.min(b).max(1), a.max(b).max(1));
        let p = s
            .ok(&[
                "--json",
                "prove",
                "consistency",
                "--from",
                &from.to_string(),
                "--to",
                &to.to_string(),
            ])
            .json();
        assert_eq!(unhex(p["old_root"].as_str().unwrap()), by_size[&from]);
        assert_eq!(unhex(p["new_root"].as_str().unwrap()), by_size[&to]);
        let proof: Vec<Vec<u8>> = p["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| unhex(h.as_str().unwrap()))
            .collect();
        merkle::verify_consistency(from, to, &by_size[&from], &by_size[&to], &proof).unwrap();
    }
    let report = audit_ok(&s, "after the writers");
    assert!(!has_notice(&report, "uncovered_entries"), "{report}");
    println!(
        "concurrency[cli]: {w} writer processes × {n} appends = {} entries (+{setup} setup) in {:.1} s, \
         slowest append {:.2} s; reader: {audits} audits, {receipts} receipts verified; \
         {} checkpoints, each consistent with the next; 0 errors, 0 lost, 0 duplicated",
        w * n,
        writing.as_secs_f64(),
        slowest.as_secs_f64(),
        cps.len(),
    );
}

/// `Ledger` can be moved to another thread.
fn assert_send<T: Send>(_: &T) {}

#[test]
fn library_ledgers_on_four_threads_append_concurrently() {
    let n = appends_per_writer();
    let w = writers();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let operator = key(ORIGIN, 1);
    let keys: Vec<_> = (0..w)
        .map(|i| key(&format!("thread{i}@test.example"), 10 + i as u8))
        .collect();
    let setup = {
        let mut l = Ledger::create(&path, &operator).unwrap();
        for (i, k) in keys.iter().enumerate() {
            l.grant(&k.verifying_key(), &format!("Thread {i}"), "reporter")
                .unwrap();
        }
        l.size().unwrap()
    };
    let started = Instant::now();
    // One Ledger per thread, opened here and moved into its thread.
    let threads: Vec<_> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let mut ledger = Ledger::open(&path).unwrap();
            ledger.load_operator_key(operator.clone()).unwrap();
            assert_send(&ledger);
            let k = k.clone();
            std::thread::spawn(move || {
                (0..n)
                    .map(|j| {
                        let a = ledger
                            .append(claim(&format!("thread {i} append {j}")), &k)
                            .unwrap_or_else(|e| panic!("thread {i} append {j}: {e}"));
                        let cp = a
                            .checkpoint
                            .expect("operator key loaded: checkpoint signed");
                        assert!(cp.checkpoint.size > a.entry.index());
                        (a.entry.index(), a.entry.leaf_hash())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let acked: Vec<Vec<_>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let took = started.elapsed();
    let ledger = Ledger::open(&path).unwrap();
    let size = ledger.size().unwrap();
    assert_eq!(size, setup + w * n);
    let mut seen = BTreeSet::new();
    for (idx, leaf) in acked.iter().flatten() {
        assert_eq!(ledger.entry(*idx).unwrap().leaf_hash(), *leaf);
        assert!(seen.insert(*idx), "index {idx} acknowledged twice");
    }
    assert_eq!(seen, (setup..size).collect::<BTreeSet<_>>());
    let report = ledger.audit().unwrap();
    assert!(report.ok, "{:#?}", report.findings);
    assert!(report.notices.is_empty(), "{:#?}", report.notices);
    let cps = ledger.checkpoints().unwrap();
    for pair in cps.windows(2) {
        let (a, b) = (&pair[0].checkpoint, &pair[1].checkpoint);
        let p = ledger.consistency_proof(a.size, Some(b.size)).unwrap();
        merkle::verify_consistency(a.size, b.size, &a.root, &b.root, &p.proof).unwrap();
    }
    println!(
        "concurrency[library]: {w} threads × {n} appends = {} entries in {:.1} s; {} checkpoints consistent; audit ok",
        w * n,
        took.as_secs_f64(),
        cps.len()
    );
}

#[test]
fn concurrent_imports_and_appends_never_fork() {
    // Two batch imports of disjoint files and a writer, all at once: batches interleave with
    // single appends, each batch stays contiguous, every checkpoint extends the previous one.
    let s = Session::with_claim();
    let a = key("import-a@test.example", 21);
    let b = key("import-b@test.example", 22);
    for (k, name) in [(&a, "Import A"), (&b, "Import B")] {
        s.ok(&[
            "key",
            "grant",
            &k.verifying_key().to_string(),
            "--name",
            name,
            "--role",
            "reporter",
        ]);
    }
    let lines = 20 * appends_per_writer().clamp(5, 100);
    let batch = 25;
    let mut files = Vec::new();
    for (k, name) in [(&a, "a"), (&b, "b")] {
        let mut text = String::new();
        for i in 0..lines {
            let e = claimledger::format::entry::SignedEntry::sign(
                claim(&format!("{name} {i}")),
                None,
                k,
            )
            .unwrap();
            text.push_str(&e.to_line().to_string());
            text.push('\n');
        }
        let p = s.path(&format!("{name}.jsonl"));
        std::fs::write(&p, text).unwrap();
        files.push(p);
    }
    let before = audit_ok(&s, "setup")["entries"].as_u64().unwrap();
    let s = Arc::new(s);
    let imports: Vec<_> = files
        .iter()
        .map(|p| {
            let s = Arc::clone(&s);
            let p = p.to_str().unwrap().to_string();
            std::thread::spawn(move || {
                s.run(&["--json", "import", &p, "--batch-size", &batch.to_string()])
            })
        })
        .collect();
    let mut appended = 0;
    for j in 0..10 {
        s.ok(&[
            "--key",
            "alice.key",
            "claim",
            "add",
            "--text",
            &format!("between imports {j}"),
            "--claimant",
            "X",
        ]);
        appended += 1;
    }
    for t in imports {
        let out = t.join().unwrap();
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.json()["imported"].as_u64(), Some(lines));
    }
    let ledger = Ledger::open(s.ledger()).unwrap();
    assert_eq!(ledger.size().unwrap(), before + 2 * lines + appended);
    // Each batch is contiguous: runs of the same signer start on batch boundaries.
    let entries = ledger.log(before, u64::MAX).unwrap();
    let signer = |e: &claimledger::Entry| e.envelope().signer().name().to_string();
    let mut run_len: BTreeMap<String, u64> = BTreeMap::new();
    let mut i = 0;
    let mut runs = 0;
    while i < entries.len() {
        runs += 1;
        let who = signer(&entries[i]);
        let mut j = i;
        while j < entries.len() && signer(&entries[j]) == who {
            j += 1;
        }
        if who != "alice@test.example" {
            let done = run_len.entry(who.clone()).or_default();
            assert_eq!(*done % batch, 0, "a batch of {who} was split at entry {i}");
            *done += (j - i) as u64;
        }
        i = j;
    }
    let cps = ledger.checkpoints().unwrap();
    for pair in cps.windows(2) {
        let (x, y) = (&pair[0].checkpoint, &pair[1].checkpoint);
        let p = ledger.consistency_proof(x.size, Some(y.size)).unwrap();
        merkle::verify_consistency(x.size, y.size, &x.root, &y.root, &p.proof).unwrap();
    }
    audit_ok(&s, "after concurrent imports");
    println!(
        "concurrency[imports]: 2 imports × {lines} lines (batches of {batch}) + {appended} appends at once; \
         interleaved in {runs} runs, every batch contiguous; {} checkpoints consistent; audit ok",
        cps.len()
    );
}
