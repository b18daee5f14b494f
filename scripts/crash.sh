#!/usr/bin/env bash
# Crash safety at full size (issue 5, item 1): SIGKILL at random moments during `claim add`
# appends, batch `import` and `checkpoint --sign`, checking the ledger after every kill; then
# torn-WAL and lost-WAL copies. The same tests run in CI with small counts (tests/it/crash.rs).
#
# Usage: scripts/crash.sh [KILLS]     KILLS defaults to 300 (a third per kind of child).
# Any CLAIMLEDGER_CRASH_* variable set in the environment wins over the defaults below.
set -euo pipefail
cd "$(dirname "$0")/.."
export CLAIMLEDGER_CRASH_KILLS="${1:-${CLAIMLEDGER_CRASH_KILLS:-300}}"
export CLAIMLEDGER_CRASH_IMPORT_LINES="${CLAIMLEDGER_CRASH_IMPORT_LINES:-2000}"
export CLAIMLEDGER_CRASH_BATCH="${CLAIMLEDGER_CRASH_BATCH:-25}"
export CLAIMLEDGER_CRASH_MAX_ENTRIES="${CLAIMLEDGER_CRASH_MAX_ENTRIES:-5000}"
export CLAIMLEDGER_CRASH_WAL_CUTS="${CLAIMLEDGER_CRASH_WAL_CUTS:-200}"
[ -n "${CLAIMLEDGER_CRASH_SEED:-}" ] && echo "seed: $CLAIMLEDGER_CRASH_SEED"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
started=$SECONDS
set +e
cargo test --release --test it crash:: -- --nocapture --test-threads=1 >"$log" 2>&1
status=$?
set -e
summary="$(grep -oE '(crash\[|torn-wal:).*' "$log" || true)"
printf '%s\n' "$summary"
# Totals over the three kinds: "crash[KIND]: N kills, A acknowledged, P present, L lost; ..."
printf '%s\n' "$summary" | awk -F ']: ' '/^crash\[/ { split($2, f, " "); k += f[1]; a += f[3]; p += f[5]; l += f[7] }
    END { printf "crash: %d kills, %d acknowledged, %d present, %d lost\n", k, a, p, l }'
echo "crash.sh: $((SECONDS - started)) s"
if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    echo "crash.sh: FAILED (cargo test exit $status)"
fi
exit "$status"
