//! `claimledger bench scale`: full audit, publish, mirror, then their incremental runs after new
//! entries, on a copy of one ledger in one run, each reported as a ratio to the same-run audit.
//!
//! The audit rate is the limit: a mirror verifies what an audit verifies, so a mirror is judged
//! against the audit of the same entries measured moments before on the same machine
//! (docs/PERFORMANCE.md, "Scale").

use super::output::print_json;
use super::{Ctx, Outcome};
use anyhow::{Context, Result, bail, ensure};
use claimledger::mirror::{MirrorOptions, mirror};
use claimledger::objects::{DirObjects, Objects};
use claimledger::publish::{ObjectKind, PublishOptions, PublishReport, publish};
use claimledger::{AuditOptions, ImportOptions, Ledger, OperatorOptions};
use serde_json::json;
use std::path::Path;
use std::time::Instant;

/// The incremental targets of issue 14: each incremental step under 2 seconds.
const INCREMENTAL_TARGET_S: f64 = 2.0;
/// The mirror target of issue 14: at least 80% of the same-run full audit rate.
const MIRROR_TARGET_RATIO: f64 = 0.8;

/// `bench scale` arguments.
pub struct ScaleArgs<'a> {
    /// The new entries (JSON Lines as `import` reads them; `examples/gen --post N` writes some).
    pub new: &'a Path,
    /// An empty (or missing) folder for the copy, the published log and the replica.
    pub work: &'a Path,
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Copy the ledger file (and its WAL, if any) to `to`: the bench never writes the ledger it
/// is given.
fn copy_ledger(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to).with_context(|| format!("copying {}", from.display()))?;
    let mut wal = from.as_os_str().to_owned();
    wal.push("-wal");
    if Path::new(&wal).exists() {
        let mut dest = to.as_os_str().to_owned();
        dest.push("-wal");
        std::fs::copy(&wal, &dest).with_context(|| format!("copying {wal:?}"))?;
    }
    Ok(())
}

pub fn run(ctx: &Ctx, args: ScaleArgs<'_>) -> Result<Outcome> {
    let work = args.work;
    if work.exists()
        && std::fs::read_dir(work)
            .with_context(|| format!("reading {}", work.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} is not empty; give bench scale a new folder (it copies the ledger there)",
            work.display()
        );
    }
    std::fs::create_dir_all(work).with_context(|| format!("creating {}", work.display()))?;
    let limits = super::bench::limits()?;
    let source = work.join("source.db");
    copy_ledger(&ctx.ledger, &source)?;
    let size = Ledger::open_read_only(&source)?.size()?;

    // 1. The limit: a full audit of the copy, which also yields the state to resume from.
    let ledger = Ledger::open_read_only(&source)?;
    let t = Instant::now();
    let full = ledger.audit()?;
    let audit_s = secs(t);
    ensure!(
        full.ok,
        "the ledger does not audit clean: {:?}",
        full.findings.first()
    );
    let state = full
        .state
        .clone()
        .context("the ledger has no signed checkpoint; sign one first")?;
    let audit_rate = size as f64 / audit_s;

    // 2. The whole ledger published to a folder, then mirrored from it into a new replica.
    let published = work.join("published");
    std::fs::create_dir(&published)?;
    let objects = DirObjects::open(&published)?;
    let first_publish = publish(&ledger, &objects, PublishOptions::default())?;
    let replica = work.join("replica.db");
    let source_name = published.display().to_string();
    let mirror_run = |objects: &dyn Objects| {
        mirror(
            objects,
            &MirrorOptions {
                source: &source_name,
                ledger: &replica,
                log_key: &state.log_key().clone(),
                policy: None,
                progress: None,
            },
        )
    };
    let t = Instant::now();
    let first_mirror = mirror_run(&objects)?;
    let mirror_s = secs(t);
    let mirror_rate = first_mirror.new_size as f64 / mirror_s;
    drop(ledger);

    // 2. New entries, signed by the operator key with a signer state of the copy's own (the
    // key's real state stays with the real ledger), started at the checkpoint just audited.
    let mut ledger = Ledger::open(&source)?;
    let key = ctx.operator_signing_key(&ledger)?;
    let signer_state = work.join("source.db.last-checkpoint");
    std::fs::write(&signer_state, state.note())
        .with_context(|| format!("writing {}", signer_state.display()))?;
    ledger.load_operator_key_with(
        key,
        OperatorOptions {
            signer_state: Some(signer_state),
        },
    )?;
    let input = std::io::BufReader::with_capacity(
        1 << 20,
        std::fs::File::open(args.new).with_context(|| format!("opening {}", args.new.display()))?,
    );
    let t = Instant::now();
    let imported = ledger.import(input, ImportOptions { batch_size: 4096 })?;
    let append_s = secs(t);
    ensure!(
        imported.imported > 0 && imported.checkpoint.is_some(),
        "{} added no entry under a signed checkpoint",
        args.new.display()
    );
    drop(ledger);

    // 3. The incremental audit from the state of step 1.
    let ledger = Ledger::open_read_only(&source)?;
    let t = Instant::now();
    let inc = ledger.audit_with(AuditOptions {
        resume: Some(&state),
        ..Default::default()
    })?;
    let inc_audit_s = secs(t);
    ensure!(
        inc.ok,
        "the incremental audit failed: {:?}",
        inc.findings.first()
    );

    // 4. The incremental publish and mirror of the new entries.
    let inc_publish = publish(&ledger, &objects, PublishOptions::default())?;
    let t = Instant::now();
    let inc_mirror = mirror_run(&objects)?;
    let inc_mirror_s = secs(t);
    ensure!(
        inc_mirror.appended == imported.imported,
        "the incremental mirror appended {} entries, not {}",
        inc_mirror.appended,
        imported.imported
    );
    let log_bytes = |r: &PublishReport| -> u64 {
        r.by_kind
            .iter()
            .filter(|(k, _)| **k != ObjectKind::Site)
            .map(|(_, t)| t.bytes)
            .sum()
    };

    let out = json!({
        "limits": limits,
        "entries": size,
        "new_entries": imported.imported,
        "full": {
            "audit_seconds": audit_s,
            "audit_entries_per_s": audit_rate,
            "publish_seconds": first_publish.seconds,
            "publish_entries_per_s": size as f64 / first_publish.seconds,
            "published_objects": first_publish.written,
            "published_bytes": first_publish.bytes,
            "published_bytes_per_entry": first_publish.bytes as f64 / size as f64,
            "published_log_bytes_per_entry": log_bytes(&first_publish) as f64 / size as f64,
            "published_by_kind": first_publish.by_kind,
            "mirror_seconds": mirror_s,
            "mirror_entries_per_s": mirror_rate,
            "mirror_bytes_fetched": first_mirror.bytes_fetched,
        },
        "incremental": {
            "append_seconds": append_s,
            "audit_seconds": inc_audit_s,
            "audit_entries_checked": inc.checked,
            "publish_seconds": inc_publish.seconds,
            "publish_objects": inc_publish.written,
            "publish_bytes": inc_publish.bytes,
            "mirror_seconds": inc_mirror_s,
            "mirror_objects_fetched": inc_mirror.objects_fetched,
            "mirror_bytes_fetched": inc_mirror.bytes_fetched,
        },
        "ratios": {
            "mirror_vs_audit": mirror_rate / audit_rate,
            "publish_vs_audit": (size as f64 / first_publish.seconds) / audit_rate,
        },
        "targets": {
            "mirror_at_least_80_percent_of_audit": mirror_rate / audit_rate >= MIRROR_TARGET_RATIO,
            "incremental_publish_under_2_s": inc_publish.seconds < INCREMENTAL_TARGET_S,
            "incremental_mirror_under_2_s": inc_mirror_s < INCREMENTAL_TARGET_S,
            "incremental_audit_under_2_s": inc_audit_s < INCREMENTAL_TARGET_S,
        },
        "work": work.display().to_string(),
    });
    if ctx.json {
        print_json(&out)?;
    } else {
        out!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(Outcome::Ok)
}
