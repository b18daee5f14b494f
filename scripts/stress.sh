#!/usr/bin/env bash
# Concurrency at full size (issue 5, item 2): 4 writer processes x 250 appends through the CLI
# plus a reader auditing and verifying receipts in a loop; 4 library threads x 250 appends;
# two batch imports racing single appends. CI runs the same tests with 50 per writer.
#
# Usage: scripts/stress.sh [APPENDS_PER_WRITER]   (default 250; CLAIMLEDGER_STRESS_WRITERS=4)
set -euo pipefail
cd "$(dirname "$0")/.."
export CLAIMLEDGER_STRESS_APPENDS="${1:-${CLAIMLEDGER_STRESS_APPENDS:-250}}"
export CLAIMLEDGER_STRESS_WRITERS="${CLAIMLEDGER_STRESS_WRITERS:-4}"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
started=$SECONDS
set +e
cargo test --release --test it concurrency:: -- --nocapture --test-threads=1 >"$log" 2>&1
status=$?
set -e
grep -oE 'concurrency\[.*' "$log" || true
echo "stress.sh: $((SECONDS - started)) s"
if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    echo "stress.sh: FAILED (cargo test exit $status)"
fi
exit "$status"
