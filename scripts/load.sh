#!/usr/bin/env bash
# Load test of `claimledger serve` over loopback with wrk (docs/PERFORMANCE.md, "HTTP service").
#
#   scripts/load.sh            # full run: 3,000 appends per concurrency, 20 s of reads, ~2-3 min
#   scripts/load.sh --quick    # 300 appends per concurrency, 5 s of reads: under a minute once built
#
# One ledger of 10,000 generated entries (examples/gen.rs, seed 1, 32 recorder keys), one
# `claimledger serve --rate-limit 0`, then:
#   (a) appends: pre-signed claims (gen --post) POSTed to /v1/entries at 1, 4 and 16 connections,
#       each request a different line; every connection stops after its share, so the count of
#       201 answers must equal the count of new entries exactly;
#   (b) reads: a GET mix (/v1/claims?limit=50, /v1/claims/I/history, /v1/receipts/I,
#       /v1/entries/I, /tile/0/N, /tile/entries/N) at 16 connections for a fixed time;
#   (c) mixed: the same reads while appends run at 4 connections.
# After each append phase: 201s == new entries, their indexes distinct and new, no other status,
# and `claimledger audit` passes. At the end the server gets SIGTERM and must exit 0, and the
# ledger audits again. The single-process limit (`claimledger bench --limits-only`, durable
# commits per second) is measured in the same run so the figures read as ratios.
#
# Environment: APPENDS (per concurrency level), CONCURRENCY ("1 4 16"), READ_SECS, READ_CONN (16),
# MIXED_APPENDS, MIXED_CONN (4), ENTRIES (10000), KEYS (32 recorder keys), KEEP=1 keeps the work
# directory.
# Needs: the Rust toolchain, curl, python3, wrk (installed with apt-get when missing and root).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h | --help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "load.sh: unknown argument $arg (use --quick)" >&2; exit 2 ;;
  esac
done
if [ "$quick" = 1 ]; then
  APPENDS="${APPENDS:-300}" READ_SECS="${READ_SECS:-5}" MIXED_APPENDS="${MIXED_APPENDS:-300}"
else
  APPENDS="${APPENDS:-3000}" READ_SECS="${READ_SECS:-20}" MIXED_APPENDS="${MIXED_APPENDS:-1000}"
fi
CONCURRENCY="${CONCURRENCY:-1 4 16}"
READ_CONN="${READ_CONN:-16}"
MIXED_CONN="${MIXED_CONN:-4}"
ENTRIES="${ENTRIES:-10000}"
KEYS="${KEYS:-32}"
CAP_SECS="${CAP_SECS:-$([ "$quick" = 1 ] && echo 60 || echo 300)}" # a wrk run that has not finished its count by then is cut (and the check fails)

die() { echo "load.sh: $*" >&2; exit 1; }
for tool in cargo curl python3; do
  command -v "$tool" >/dev/null || die "needs $tool"
done
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "load.sh: installing wrk" >&2
    apt-get install -y -q wrk >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
  else
    die "needs wrk (apt-get install wrk)"
  fi
fi

cargo build --release --quiet --example gen
cargo build --release --quiet
BIN=$PWD/target/release/claimledger
GEN=$PWD/target/release/examples/gen
work=$(mktemp -d /tmp/claimledger-load.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -TERM "$server_pid" || true; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "load.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- wrk scripts ------------------------------------------------------------------------------
# POST: one connection per wrk thread; thread T of N sends lines T, T+N, T+2N, ... of the file
# once each. The next line is chosen by the count of answers, not of request() calls: wrk calls
# request() of thread 0 once more before starting, to check it. After its last answer a thread
# stops and notes it in a file; when all have, wrk gets SIGINT and reports (its main thread
# otherwise sleeps for the whole -d). The rate is over the wall time from the first request sent
# to the last answer received (t0, t1: `date`, once per thread), not over wrk's run time.
cat > "$work/post.lua" <<'LUA'
local threads, count = {}, 0
function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end
function init(args)
  local file
  file, nthreads, donefile = args[1], tonumber(args[2]), args[3]
  bodies, statuses, indexes = {}, {}, {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == id then bodies[#bodies + 1] = line end
    i = i + 1
  end
  got, finished, checked = 0, false, (id ~= 0)
  headers = { ["Content-Type"] = "application/json" }
end
local function now()
  local p = io.popen("date +%s.%N")
  local t = tonumber(p:read("*l"))
  p:close()
  return t
end
function request()
  if not t0 then
    if checked then t0 = now() else checked = true end
  end
  if got >= #bodies then return wrk.format("GET", "/v1/checkpoint") end
  return wrk.format("POST", "/v1/entries", headers, bodies[got + 1])
end
function response(status, _, body)
  if finished then return end
  got = got + 1
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
  if status == 201 then
    indexes[#indexes + 1] = tonumber(body:match('"index":(%d+)'))
  end
  if got >= #bodies then
    t1 = now()
    finished = true
    wrk.thread:stop()
    local f = io.open(donefile, "a")
    f:write(id, "\n")
    f:close()
    local n = 0
    for _ in io.lines(donefile) do n = n + 1 end
    -- popen, not os.execute: system() ignores SIGINT in the caller while it waits.
    if n >= nthreads then io.popen("kill -INT $PPID"):close() end
  end
end
LUA

# GET mix; args: size, first generated index, generated end (exclusive).
cat > "$work/read.lua" <<'LUA'
local threads, count = {}, 0
function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end
function init(args)
  size, first, gend = tonumber(args[1]), tonumber(args[2]), tonumber(args[3])
  math.randomseed(1000 + id)
  statuses, turn, finished = {}, id, true
end
local function claim_index()
  -- gen: entry first+j is a claim unless j % 3 == 2
  local j = math.random(0, gend - first - 1)
  if j % 3 == 2 then j = j - 1 end
  return first + j
end
function request()
  turn = turn + 1
  local k, path = turn % 6
  if k == 0 then
    path = "/v1/claims?limit=50"
  elseif k == 1 then
    path = "/v1/claims/" .. claim_index() .. "/history"
  elseif k == 2 then
    path = "/v1/receipts/" .. math.random(0, size - 1)
  elseif k == 3 then
    path = "/v1/entries/" .. math.random(0, size - 1)
  elseif k == 4 then
    path = string.format("/tile/0/%03d", math.random(0, math.floor(size / 256) - 1))
  else
    path = string.format("/tile/entries/%03d", math.random(0, math.floor(size / 256) - 1))
  end
  return wrk.format("GET", path)
end
function response(status)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
end
LUA

# Shared by both: write what wrk measured as one JSON object to $OUT.
cat > "$work/done.lua" <<'LUA'
function done(summary, latency, requests)
  local statuses, idx, unfinished, t0, t1 = {}, {}, 0, nil, nil
  for _, t in ipairs(threads) do
    local a, b = t:get("t0"), t:get("t1")
    if a and (not t0 or a < t0) then t0 = a end
    if b and (not t1 or b > t1) then t1 = b end
    for k, v in pairs(t:get("statuses") or {}) do statuses[k] = (statuses[k] or 0) + v end
    for _, i in ipairs(t:get("indexes") or {}) do idx[#idx + 1] = i end
    if not t:get("finished") then unfinished = unfinished + 1 end
  end
  local st = {}
  for k, v in pairs(statuses) do st[#st + 1] = string.format('"%s":%d', k, v) end
  local e = summary.errors
  local wall = (t0 and t1) and (t1 - t0) or (summary.duration / 1e6)
  local f = io.open(os.getenv("OUT"), "w")
  f:write(string.format(
    '{"requests":%d,"duration_us":%d,"wall_s":%.4f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"mean_us":%.1f,"statuses":{%s},"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d},"unfinished_threads":%d,"indexes":[%s]}\n',
    summary.requests, summary.duration, wall, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, table.concat(st, ","), e.connect, e.read,
    e.write, e.status, e.timeout, unfinished, table.concat(idx, ",")))
  f:close()
end
LUA
cat "$work/done.lua" >> "$work/post.lua"
cat "$work/done.lua" >> "$work/read.lua"

# ---- ledger and server ------------------------------------------------------------------------
levels=0
for c in $CONCURRENCY $MIXED_CONN; do
  levels=$((levels + 1))
  if [ "$c" -gt "$APPENDS" ] || [ "$c" -gt "$MIXED_APPENDS" ]; then die "more connections ($c) than appends"; fi
done
levels=$((levels - 1))
post_total=$((levels * APPENDS + MIXED_APPENDS))
gen_dir="$work/gen"
origin=$("$GEN" --entries "$ENTRIES" --keys "$KEYS" --seed 1 --post "$post_total" --out "$gen_dir" 2>"$work/gen.txt")
db="$work/ledger.db"
"$BIN" --ledger "$db" init --origin "$origin" --operator-key "$gen_dir/operator.key" >/dev/null
"$BIN" --ledger "$db" import "$gen_dir/entries.jsonl" >/dev/null
first=$((KEYS + 1))
gen_end=$((ENTRIES + 1))

echo "# claimledger serve load test, $(date -u +%Y-%m-%dT%H:%M:%SZ)$([ "$quick" = 1 ] && echo ' (--quick)')"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# load average at start: $(loadavg)"
echo "# wrk: $(wrk -v 2>&1 | head -n1)"
echo "# ledger: $gen_end entries (examples/gen.rs --entries $ENTRIES --keys $KEYS --seed 1); appends: $APPENDS per level at connections $CONCURRENCY; reads: $READ_SECS s at $READ_CONN connections; mixed: $MIXED_APPENDS appends at $MIXED_CONN connections + reads at $READ_CONN"

"$BIN" --json bench --limits-only > "$work/limits.json"
echo "# single-process limits (claimledger bench --limits-only, load average $(loadavg)):"
python3 -c 'import json,sys; [print(f"#   {k}: {v:,.0f}") for k,v in json.load(open(sys.argv[1]))["limits"].items()]' "$work/limits.json" 2>/dev/null \
  || sed 's/^/#   /' "$work/limits.json"

"$BIN" --ledger "$db" --operator-key "$gen_dir/operator.key" serve --listen 127.0.0.1:0 --rate-limit 0 \
  >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^listening on //p' "$work/serve.out" | head -n1)
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.err" >&2; die "serve exited"; }
  sleep 0.1
done
[ -n "$url" ] || die "serve did not print its address"

size() { curl -fsS "$url/v1/checkpoint" | python3 -c 'import json,sys; print(json.load(sys.stdin)["size"])'; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Lines FROM..TO (1-based) of post.jsonl: each phase posts lines no other phase posts.
next_line=1
take() {
  local n=$1 out=$2
  sed -n "${next_line},$((next_line + n - 1))p" "$gen_dir/post.jsonl" > "$out"
  next_line=$((next_line + n))
}

# post_phase NAME CONNECTIONS LINES_FILE: run wrk to completion, write $work/NAME.json.
post_phase() {
  local name=$1 c=$2 lines=$3
  : > "$work/$name.done"
  OUT="$work/$name.json" wrk -t "$c" -c "$c" -d "${CAP_SECS}s" --timeout 60s -s "$work/post.lua" \
    "$url" -- "$lines" "$c" "$work/$name.done" > "$work/$name.wrk" &
  local pid=$!
  # If the SIGINT from the last thread was lost, send it again once every thread is done.
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$(wc -l < "$work/$name.done")" -ge "$c" ]; then
      sleep 0.3
      kill -INT "$pid" 2>/dev/null || true
    fi
    sleep 0.1
  done
  wait "$pid"
}

# check_appends NAME SIZE_BEFORE EXPECTED: 201s == new entries == lines sent, indexes distinct.
check_appends() {
  local name=$1 before=$2 expected=$3 after
  after=$(size)
  if ! python3 - "$work/$name.json" "$before" "$after" "$expected" <<'PY'; then
import json, sys
r = json.load(open(sys.argv[1]))
before, after, expected = map(int, sys.argv[2:])
created = r["statuses"].get("201", 0)
idx = r["indexes"]
problems = []
if created != after - before:
    problems.append(f"{created} answers 201 but the ledger grew by {after - before}")
if created != expected:
    problems.append(f"{created} answers 201 for {expected} lines posted")
if len(set(idx)) != len(idx) or any(not before <= i < after for i in idx):
    problems.append("201 indexes repeat or fall outside the new range")
others = {k: v for k, v in r["statuses"].items() if k != "201"}
if others or any(r["errors"].values()) or r["unfinished_threads"]:
    problems.append(f"other answers {others}, errors {r['errors']}, unfinished threads {r['unfinished_threads']}")
for p in problems:
    print("   ", p)
sys.exit(1 if problems else 0)
PY
    fail "$name: appends do not add up (ledger $before -> $after)"
  fi
  if ! "$BIN" --ledger "$db" audit > "$work/$name.audit" 2>&1; then
    fail "$name: audit failed"; cat "$work/$name.audit"
  fi
  echo "$name: ledger $before -> $after, audit $(tail -n1 "$work/$name.audit" | cut -c1-60)" >&2
}

# (b) reads first, on the ledger exactly as generated.
s0=$(size)
echo "reads: $READ_SECS s at $READ_CONN connections (load average $(loadavg))" >&2
echo "reads_load=$(loadavg)" > "$work/loads"
OUT="$work/reads.json" wrk -t 2 -c "$READ_CONN" -d "${READ_SECS}s" --timeout 60s -s "$work/read.lua" \
  "$url" -- "$s0" "$first" "$gen_end" > "$work/reads.wrk"

# (a) appends at each concurrency.
for c in $CONCURRENCY; do
  take "$APPENDS" "$work/post-$c.jsonl"
  before=$(size)
  echo "appends: $APPENDS at $c connections (load average $(loadavg))" >&2
  echo "appends-$c""_load=$(loadavg)" >> "$work/loads"
  post_phase "appends-$c" "$c" "$work/post-$c.jsonl"
  check_appends "appends-$c" "$before" "$APPENDS"
done

# (c) mixed: reads at READ_CONN while MIXED_APPENDS appends run at MIXED_CONN; the readers are
# stopped (SIGINT: wrk reports what it measured) when the appends are done.
take "$MIXED_APPENDS" "$work/post-mixed.jsonl"
before=$(size)
echo "mixed: $MIXED_APPENDS appends at $MIXED_CONN connections + reads at $READ_CONN (load average $(loadavg))" >&2
echo "mixed_load=$(loadavg)" >> "$work/loads"
OUT="$work/mixed-reads.json" wrk -t 2 -c "$READ_CONN" -d "${CAP_SECS}s" --timeout 60s -s "$work/read.lua" \
  "$url" -- "$s0" "$first" "$gen_end" > "$work/mixed-reads.wrk" &
readers=$!
sleep 0.5
post_phase mixed-appends "$MIXED_CONN" "$work/post-mixed.jsonl"
kill -INT "$readers" 2>/dev/null || true
wait "$readers" || true
check_appends mixed-appends "$before" "$MIXED_APPENDS"

# Graceful stop, then the ledger once more without the server.
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
[ "$status" = 0 ] || fail "serve exited $status on SIGTERM: $(tail -n3 "$work/serve.err")"
if ! "$BIN" --ledger "$db" audit > "$work/final.audit" 2>&1; then
  fail "final audit failed"; cat "$work/final.audit"
fi
grep -v -e '^claimledger serve: ' "$work/serve.err" | head -n 20 | sed 's/^/serve stderr: /' || true

echo
python3 - "$work" "$CONCURRENCY" "$MIXED_CONN" "$READ_CONN" "$status" <<'PY'
import json, sys, os
work, levels, mixed_conn, read_conn, status = sys.argv[1:]
limits = json.load(open(os.path.join(work, "limits.json")))
durable = limits["limits"].get("sqlite_insert_durable_commit_each_per_s")
loads = dict(l.strip().split("=", 1) for l in open(os.path.join(work, "loads")))
def row(label, name, conn, load, ratio=True):
    r = json.load(open(os.path.join(work, name + ".json")))
    secs = r["wall_s"]
    ok = sum(v for k, v in r["statuses"].items() if k.startswith("2"))
    non2xx = {k: v for k, v in r["statuses"].items() if not k.startswith("2")}
    errs = {k: v for k, v in r["errors"].items() if v and k != "status"}
    rate = r["requests"] / secs
    vs = f"{rate / durable:.3f}" if ratio and durable else ""
    bad = ", ".join(f"{v}×{k}" for k, v in sorted(non2xx.items())) or "0"
    if errs:
        bad += " " + ", ".join(f"{v} {k}" for k, v in errs.items())
    print(f"| {label} | {conn} | {r['requests']:,} in {secs:.1f} s | {rate:,.0f} /s | {vs} | "
          f"{r['p50_us']/1000:.2f} | {r['p99_us']/1000:.2f} | {r['max_us']/1000:.1f} | {bad} | {load} |")
print("| phase | connections | requests | rate | rate / durable commit | p50 ms | p99 ms | max ms | non-2xx | load average |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
for c in levels.split():
    row("appends (POST /v1/entries)", f"appends-{c}", c, loads[f"appends-{c}_load"])
row("reads (GET mix)", "reads", read_conn, loads["reads_load"], ratio=False)
row("mixed: appends", "mixed-appends", mixed_conn, loads["mixed_load"])
row("mixed: reads", "mixed-reads", read_conn, loads["mixed_load"], ratio=False)
if durable:
    print(f"\nsingle-process durable commit (claimledger bench --limits-only): {durable:,.0f} /s")
print(f"server exit status on SIGTERM: {status}")
PY
echo "# load average at end: $(loadavg)"
if [ "$failures" -gt 0 ]; then
  echo "load.sh: $failures check(s) FAILED" >&2
  exit 1
fi
echo "load.sh: all checks passed (201s == new entries in every append phase, audits pass, exit 0 on SIGTERM)"
