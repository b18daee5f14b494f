//! Publish scale figures (docs/PERFORMANCE.md): a full publish of a ledger to a fresh directory,
//! then an incremental one after more entries, each as a ratio to this machine's raw rate of
//! writing the same objects through the same directory backend, measured in the same run.
//!
//! ```text
//! cargo run --release --example gen -- --entries 100000 --keys 24 --seed 1 --post 1000 --out /tmp/g
//! claimledger --ledger /tmp/g/ledger.db init --origin bench.claimledger.example/claims \
//!     --operator-key /tmp/g/operator.key
//! claimledger --ledger /tmp/g/ledger.db import /tmp/g/entries.jsonl
//! cargo run --release --example publish_bench -- --ledger /tmp/g/ledger.db \
//!     --operator-key /tmp/g/operator.key --post /tmp/g/post.jsonl --out /tmp/g/published
//! ```
//!
//! `--post` is imported into the ledger (a checkpoint is signed) between the two publishes, so
//! the second publishes exactly those entries. Prints one JSON object.

use claimledger::ledger::keyfile::read_signing_key;
use claimledger::objects::{Cache, DirObjects, Objects};
use claimledger::publish::{PublishOptions, PublishReport, publish};
use claimledger::{ImportOptions, Ledger};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Objects per second this machine writes through `DirObjects` with `threads` writers: `count`
/// objects of `size` bytes spread over folders of 1,000 like receipts are, then made durable.
fn raw_put_rate(dir: &std::path::Path, count: u64, size: usize, threads: u64) -> f64 {
    std::fs::create_dir_all(dir).expect("a scratch folder");
    let objects = DirObjects::open(dir).expect("the scratch folder");
    let bytes = vec![b'x'; size];
    let t = Instant::now();
    std::thread::scope(|s| {
        for w in 0..threads {
            let (objects, bytes) = (&objects, &bytes);
            s.spawn(move || {
                for i in (w..count).step_by(threads as usize) {
                    let path = format!("raw/x{:03}/{:03}", i / 1000, i % 1000);
                    objects
                        .put(&path, bytes, "application/octet-stream", Cache::Immutable)
                        .expect("a raw write");
                }
            });
        }
    });
    // Durable, as a publish makes its objects before the checkpoint.
    objects.sync().expect("flushing the raw writes");
    count as f64 / t.elapsed().as_secs_f64()
}

fn per_entry(r: &PublishReport) -> serde_json::Value {
    let e = r.entries.max(1) as f64;
    let mut v = serde_json::Map::new();
    for (kind, t) in &r.by_kind {
        v.insert(
            serde_json::to_value(kind)
                .ok()
                .and_then(|k| k.as_str().map(str::to_string))
                .unwrap_or_default(),
            json!(t.bytes as f64 / e),
        );
    }
    v.insert("all".into(), json!(r.bytes as f64 / e));
    v.into()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let ledger_path = PathBuf::from(arg(&args, "--ledger").expect("--ledger FILE"));
    let out = PathBuf::from(arg(&args, "--out").expect("--out DIR (a new folder)"));
    std::fs::create_dir_all(out.join("published")).expect("--out is writable");
    let ledger = Ledger::open(&ledger_path).expect("a ledger");
    let dest = DirObjects::open(out.join("published")).expect("the destination");

    let full = publish(&ledger, &dest, PublishOptions::default()).expect("the full publish");
    let avg = (full.bytes / full.written.max(1)) as usize;
    let raw_n = 20_000.min(full.written);
    let raw = raw_put_rate(&out.join("raw"), raw_n, avg, 16);
    let full_rate = full.written as f64 / full.seconds;
    let mut result = json!({
        "entries": full.new_size,
        "full": {
            "seconds": full.seconds,
            "objects": full.written,
            "bytes": full.bytes,
            "objects_per_s": full_rate,
            "entries_per_s": full.entries as f64 / full.seconds,
            "bytes_per_entry": per_entry(&full),
        },
        "limit_raw_put": {"objects": raw_n, "object_bytes": avg, "objects_per_s": raw},
        "ratio_full_publish_vs_raw_put": full_rate / raw,
    });

    if let Some(post) = arg(&args, "--post") {
        let key = arg(&args, "--operator-key").expect("--operator-key FILE with --post");
        let mut writer = Ledger::open(&ledger_path).expect("a ledger");
        writer
            .load_operator_key(read_signing_key(std::path::Path::new(&key)).expect("the key"))
            .expect("the operator key");
        let file = std::fs::File::open(&post).expect("--post file");
        writer
            .import(std::io::BufReader::new(file), ImportOptions::default())
            .expect("the import");
        drop(writer);
        let inc = publish(&ledger, &dest, PublishOptions::default()).expect("incremental");
        // What writing only these objects costs at the raw rate measured above.
        let floor = inc.written as f64 / raw;
        result["incremental"] = json!({
            "new_entries": inc.entries,
            "seconds": inc.seconds,
            "objects": inc.written,
            "skipped": inc.skipped,
            "deleted": inc.deleted,
            "bytes": inc.bytes,
            "raw_put_seconds_for_these_objects": floor,
        });
        result["ratio_incremental_vs_raw_put"] = json!(inc.seconds / floor);
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&result).expect("a JSON value")
    );
}
