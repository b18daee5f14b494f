//! `claimledger bench`: this machine's raw limits and our rates, measured in one run.
//!
//! Every target in docs/PERFORMANCE.md is a ratio of one of our rates to a limit measured by
//! the same process moments apart, so a busy or slow machine shifts both alike.

use super::output::print_json;
use super::{Ctx, Outcome};
use anyhow::{Context, Result};
use claimledger::{AuditOptions, SigningKey};
use rayon::prelude::*;
use serde_json::json;
use std::time::Instant;

const N_SIG: usize = 8192;

fn rate(n: usize, started: Instant) -> f64 {
    n as f64 / started.elapsed().as_secs_f64()
}

/// Raw limits: Ed25519, SHA-256, SQLite.
pub(super) fn limits() -> Result<serde_json::Value> {
    let keys: Vec<SigningKey> = (0..32u8)
        .map(|i| SigningKey::from_seed(&format!("k{i}"), [i; 32]).expect("valid name"))
        .collect();
    let msgs: Vec<Vec<u8>> = (0..N_SIG)
        .map(|i| format!("{i:08} {}", "m".repeat(400)).into_bytes())
        .collect();
    let sigs: Vec<_> = msgs
        .par_iter()
        .enumerate()
        .map(|(i, m)| keys[i % 32].sign(m))
        .collect();
    let vks: Vec<ed25519_dalek::VerifyingKey> = (0..N_SIG)
        .map(|i| *keys[i % 32].verifying_key().as_dalek())
        .collect();

    let t = Instant::now();
    for i in 0..N_SIG / 4 {
        vks[i]
            .verify_strict(&msgs[i], &sigs[i])
            .context("self-test signature")?;
    }
    let strict_1 = rate(N_SIG / 4, t);
    let t = Instant::now();
    (0..N_SIG)
        .into_par_iter()
        .try_for_each(|i| vks[i].verify_strict(&msgs[i], &sigs[i]))?;
    let strict_all = rate(N_SIG, t);
    let t = Instant::now();
    (0..N_SIG / 1024).into_par_iter().try_for_each(|c| {
        let r = c * 1024..(c + 1) * 1024;
        let m: Vec<&[u8]> = msgs[r.clone()].iter().map(Vec::as_slice).collect();
        ed25519_dalek::verify_batch(&m, &sigs[r.clone()], &vks[r])
    })?;
    let batch_all = rate(N_SIG, t);

    let data = vec![7u8; 500];
    let t = Instant::now();
    let mut acc = 0u8;
    for _ in 0..200_000 {
        acc ^= claimledger::format::entry::sha256(&data)[0];
    }
    let sha = rate(200_000, t);
    std::hint::black_box(acc);

    let dir = std::env::temp_dir().join(format!("claimledger-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("limits.db");
    let conn = rusqlite::Connection::open(&db)?;
    conn.pragma_update_and_check(None, "journal_mode", "wal", |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB NOT NULL) STRICT")?;
    let blob = vec![1u8; 500];
    let rows = 200_000;
    let t = Instant::now();
    for c in 0..rows / 1000 {
        let tx = conn.unchecked_transaction()?;
        {
            let mut st = tx.prepare_cached("INSERT INTO t (id, b) VALUES (?1, ?2)")?;
            for i in 0..1000 {
                st.execute(rusqlite::params![(c * 1000 + i) as i64, &blob])?;
            }
        }
        tx.commit()?;
    }
    let group = rate(rows, t);
    let durable_n = 300;
    let t = Instant::now();
    for i in 0..durable_n {
        conn.execute(
            "INSERT INTO t (id, b) VALUES (?1, ?2)",
            rusqlite::params![(rows + i) as i64, &blob],
        )?;
    }
    let durable = rate(durable_n, t);
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(json!({
        "threads": rayon::current_num_threads(),
        "ed25519_verify_strict_1_thread_per_s": strict_1,
        "ed25519_verify_strict_all_threads_per_s": strict_all,
        "ed25519_verify_batch_all_threads_per_s": batch_all,
        "sha256_500b_per_s": sha,
        "sqlite_insert_1000_per_tx_rows_per_s": group,
        "sqlite_insert_durable_commit_each_per_s": durable,
    }))
}

/// Our rates on an existing ledger: audit and proofs.
fn ours(ctx: &Ctx) -> Result<serde_json::Value> {
    let ledger = ctx.open()?;
    let size = ledger.size()?;
    let t = Instant::now();
    let report = ledger.audit_with(AuditOptions::default())?;
    let audit_s = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.ok,
        "the ledger does not audit clean: {:?}",
        report.findings.first()
    );
    // Inclusion and consistency proofs at random points (xorshift: reproducible).
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n.max(1)
    };
    let n = 1000;
    let mut incl = Vec::with_capacity(n);
    for _ in 0..n {
        let i = next(size);
        let t = Instant::now();
        let p = ledger.inclusion_proof(i, Some(size))?;
        incl.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(p);
    }
    let mut cons = Vec::with_capacity(n);
    for _ in 0..n {
        let m = 1 + next(size - 1);
        let t = Instant::now();
        let p = ledger.consistency_proof(m, Some(size))?;
        cons.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(p);
    }
    let q = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * p) as usize]
    };
    Ok(json!({
        "entries": size,
        "audit_seconds": audit_s,
        "audit_entries_per_s": size as f64 / audit_s,
        "inclusion_proof_ms_median": q(&mut incl, 0.5),
        "inclusion_proof_ms_p99": q(&mut incl, 0.99),
        "consistency_proof_ms_median": q(&mut cons, 0.5),
        "consistency_proof_ms_p99": q(&mut cons, 0.99),
    }))
}

pub fn run(ctx: &Ctx, limits_only: bool) -> Result<Outcome> {
    let l = limits()?;
    let o = if limits_only { None } else { Some(ours(ctx)?) };
    let mut out = json!({ "limits": l, "ours": o });
    if let Some(o) = &o {
        out["ratios"] = json!({
            "audit_vs_batch_verify": o["audit_entries_per_s"].as_f64().unwrap_or(0.0)
                / l["ed25519_verify_batch_all_threads_per_s"].as_f64().unwrap_or(1.0),
            "audit_vs_strict_verify": o["audit_entries_per_s"].as_f64().unwrap_or(0.0)
                / l["ed25519_verify_strict_all_threads_per_s"].as_f64().unwrap_or(1.0),
        });
    }
    if ctx.json {
        print_json(&out)?;
    } else {
        out!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(Outcome::Ok)
}
