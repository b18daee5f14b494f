#!/usr/bin/env bash
# One benchmark run: this machine's limits and claimledger's rates at several ledger sizes, plus
# durable single appends through the CLI against signed git commits of the same payloads.
# Every target in docs/PERFORMANCE.md is a ratio between numbers printed by this one run.
#
#   benches/compare.sh                       # sizes 10k 100k 1M, 200 appends/commits
#   SIZES="10000" APPENDS=50 benches/compare.sh
#
# Needs: the Rust toolchain, git, ssh-keygen (openssh-client), GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="${SIZES:-10000 100000 1000000}"
APPENDS="${APPENDS:-200}"
GIT_BASE="${GIT_BASE:-1000}"      # claims already in the git repository before timing
ORIGIN=bench.claimledger.example/claims

command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
cargo build --release --quiet --example gen
cargo build --release --quiet
BIN=$PWD/target/release/claimledger
GEN=$PWD/target/release/examples/gen
work=$(mktemp -d /tmp/claimledger-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "# claimledger benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB RAM"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# rustc: $(rustc --version)"
echo

echo "## limits (claimledger bench --limits-only)"
"$BIN" --json bench --limits-only | tee "$work/limits.json"

secs() { python3 -c "import sys; print(float(sys.argv[1]))" "$1"; }

for n in $SIZES; do
  d="$work/$n"
  mkdir -p "$d"
  "$GEN" --entries "$n" --keys 32 --seed 1 --out "$d" > /dev/null 2> "$d/gen.txt"
  canon=$(sed -n 's/.*, \([0-9]*\) canonical bytes per entry.*/\1/p' "$d/gen.txt")
  "$BIN" --ledger "$d/l.db" init --origin "$ORIGIN" --operator-key "$d/operator.key" > /dev/null
  /usr/bin/time -f "%e %M" -o "$d/import.time" "$BIN" --ledger "$d/l.db" import "$d/entries.jsonl" > /dev/null
  /usr/bin/time -f "%e %M" -o "$d/audit.time" "$BIN" --ledger "$d/l.db" audit > /dev/null
  "$BIN" --ledger "$d/l.db" --json bench > "$d/bench.json"
  entries=$("$BIN" --ledger "$d/l.db" --json checkpoint | python3 -c 'import json,sys; print(json.load(sys.stdin)["size"])')
  bytes=$(stat -c %s "$d/l.db")
  read -r import_s import_kb < "$d/import.time"
  read -r audit_s audit_kb < "$d/audit.time"
  python3 - "$n" "$entries" "$import_s" "$import_kb" "$audit_s" "$audit_kb" "$bytes" "$canon" "$d/bench.json" <<'PY'
import json, sys
n, entries, import_s, import_kb, audit_s, audit_kb, size, canon, bench = sys.argv[1:]
b = json.load(open(bench))
l, o = b["limits"], b["ours"]
entries = int(entries)
out = {
    "generated": int(n), "entries": entries,
    "import_entries_per_s": int(n) / float(import_s), "import_peak_rss_mib": int(import_kb) / 1024,
    "audit_cli_seconds": float(audit_s), "audit_cli_entries_per_s": entries / float(audit_s),
    "audit_peak_rss_mib": int(audit_kb) / 1024,
    "inclusion_proof_ms_median": o["inclusion_proof_ms_median"], "inclusion_proof_ms_p99": o["inclusion_proof_ms_p99"],
    "bytes_on_disk_per_entry": int(size) / entries, "canonical_bytes_per_entry": int(canon),
    "ratios": {
        "audit_vs_batch_verify_all_cores": entries / float(audit_s) / l["ed25519_verify_batch_all_threads_per_s"],
        "audit_vs_strict_verify_all_cores": entries / float(audit_s) / l["ed25519_verify_strict_all_threads_per_s"],
        "import_vs_strict_verify_all_cores": int(n) / float(import_s) / l["ed25519_verify_strict_all_threads_per_s"],
        "import_vs_sqlite_group_insert_rows": int(n) / float(import_s) / l["sqlite_insert_1000_per_tx_rows_per_s"],
        "disk_vs_canonical_bytes": int(size) / entries / int(canon),
    },
    "limits_same_process": l,
}
print(f"## ledger of {entries} entries")
print(json.dumps(out, indent=1))
PY
done

echo
echo "## durable single appends: claimledger CLI (new process each) vs signed git commits"
d="$work/appends"
mkdir -p "$d"
"$GEN" --entries 1000 --keys 4 --seed 2 --out "$d" > /dev/null 2>&1
"$BIN" --ledger "$d/l.db" init --origin "$ORIGIN" --operator-key "$d/operator.key" > /dev/null
"$BIN" --ledger "$d/l.db" import "$d/entries.jsonl" > /dev/null
key="$d/keys/recorder-0.key"
start=$(date +%s.%N)
for i in $(seq 1 "$APPENDS"); do
  "$BIN" --ledger "$d/l.db" --key "$key" claim add --claimant "DeepSeek" --claimant-type organization \
    --text "DeepSeek says DeepSeek-V3 was trained for \$5.6M on 2,048 H800 GPUs (append $i)" \
    --subject DeepSeek-V3 --source "https://news.example/$i" --figure 'training_cost=$5.6M' > /dev/null
done
end=$(date +%s.%N)
cl_rate=$(python3 -c "print($APPENDS / ($end - $start))")
"$BIN" --ledger "$d/l.db" audit > /dev/null

g="$d/git"
mkdir -p "$g/claims"
ssh-keygen -q -t ed25519 -N '' -f "$d/git_signing_key"
git -C "$g" init -q
git -C "$g" config user.name bench; git -C "$g" config user.email bench@example.invalid
git -C "$g" config gpg.format ssh; git -C "$g" config user.signingkey "$d/git_signing_key"
git -C "$g" config commit.gpgsign true
head -n "$GIT_BASE" "$d/entries.jsonl" | split -l 1 -a 6 - "$g/claims/c-"
git -C "$g" add -A; git -C "$g" commit -q -m "existing claims"
start=$(date +%s.%N)
for i in $(seq 1 "$APPENDS"); do
  printf '{"text":"DeepSeek says DeepSeek-V3 was trained for $5.6M on 2,048 H800 GPUs (append %s)","claimant":{"name":"DeepSeek","type":"organization"}}\n' "$i" > "$g/claims/new-$i.json"
  git -C "$g" add "claims/new-$i.json"
  git -C "$g" commit -q -m "claim $i"
done
end=$(date +%s.%N)
git_rate=$(python3 -c "print($APPENDS / ($end - $start))")
git -C "$g" verify-commit HEAD 2>/dev/null || true
python3 -c "
import json
print(json.dumps({'appends': $APPENDS, 'claimledger_cli_appends_per_s': $cl_rate, 'git_signed_commits_per_s': $git_rate,
                  'git_claims_before': $GIT_BASE, 'ratio_cli_vs_git': $cl_rate / $git_rate}, indent=1))"
