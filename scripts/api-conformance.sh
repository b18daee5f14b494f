#!/usr/bin/env bash
# API conformance: docs/openapi.yaml against a live `claimledger serve` on a fresh demo ledger.
#
#   1. openapi-spec-validator on docs/openapi.yaml;
#   2. schemathesis (every operation, every check, fixed seed, bounded examples) against the server;
#   3. a signed POST /v1/entries round trip (201, then 409 on replay), each answer validated
#      against the spec's schemas (schemathesis cannot sign entries);
#   4. the server stops cleanly (SIGTERM, exit 0) and the ledger audits clean against its log key.
#
# Exits non-zero on any failure. Python tools go in a venv under target/ (created if missing).
# Environment: SEED (default 20261129), MAX_EXAMPLES (default 100), KEEP=1 keeps the temp dir,
# CLAIMLEDGER_BIN (a built binary: skip the build; the test suite passes the one it built).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SEED=${SEED:-20261129}
MAX_EXAMPLES=${MAX_EXAMPLES:-100}
VENV=$ROOT/target/conformance-venv
SPEC=$ROOT/docs/openapi.yaml
BIN=${CLAIMLEDGER_BIN:-}
START=$(date +%s)

step() { printf '\n== %s (%ds)\n' "$*" "$(($(date +%s) - START))"; }

step "python tools"
if ! "$VENV/bin/schemathesis" --version >/dev/null 2>&1 || ! [ -x "$VENV/bin/openapi-spec-validator" ]; then
    mkdir -p "$ROOT/target"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet 'openapi-spec-validator==0.9.*' 'schemathesis==4.32.*'
fi
"$VENV/bin/schemathesis" --version

if [ -z "$BIN" ]; then
    step "build"
    cargo build --release --quiet
    BIN=$ROOT/target/release/claimledger
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/api-conformance.XXXXXX")
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

step "fresh demo ledger"
"$BIN" demo --dir "$WORK/demo" --json >"$WORK/demo.json"
LEDGER=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ledger_path"])' "$WORK/demo.json")
LOG_VKEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["log_vkey"])' "$WORK/demo.json")
echo "ledger $LEDGER"

step "start server"
# Unset key variables so the server uses the ledger's recorded operator key, like the tests do.
env -u CLAIMLEDGER_KEY -u CLAIMLEDGER_OPERATOR_KEY \
    "$BIN" --ledger "$LEDGER" serve --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
URL=
for _ in $(seq 1 100); do
    URL=$(sed -n 's/^listening on //p' "$WORK/serve.out" | head -n1)
    [ -n "$URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.err"; echo "server exited"; exit 1; }
    sleep 0.1
done
[ -n "$URL" ] || { echo "server did not print its address"; exit 1; }
echo "server $URL (pid $SERVER_PID)"

step "openapi-spec-validator"
"$VENV/bin/openapi-spec-validator" "$SPEC"

step "schemathesis (seed $SEED, at most $MAX_EXAMPLES examples per operation)"
# Rules no schema can express: a proof's sizes must lie within the ledger (400 otherwise), and a
# POST body can be well-formed yet unsigned (400 invalid_entry): for these operations a 400 to
# schema-valid data is correct. Everything else runs with every check.
cat >"$WORK/schemathesis.toml" <<'EOF'
[[operations]]
include-operation-id = ["getInclusionProof", "getConsistencyProof"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]

[[operations]]
include-operation-id = "appendEntry"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "403", "409", "422", "429"]
EOF
ST_STATUS=0
# One worker: with two, schemathesis 4.32 once failed with an internal KeyError when the machine
# was loaded (the parallel test suite); one worker keeps the run deterministic for the seed.
(cd "$WORK" && "$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "$SPEC" \
    --url "$URL" \
    --checks all \
    --phases examples,coverage,fuzzing \
    --seed "$SEED" \
    --max-examples "$MAX_EXAMPLES" \
    --workers 1 \
    --request-timeout 10 \
    --report junit --report-dir "$WORK/report") || ST_STATUS=$?

step "signed POST round trip"
LINE=$(env -u CLAIMLEDGER_KEY -u CLAIMLEDGER_OPERATOR_KEY "$BIN" --ledger "$LEDGER" \
    --key "$WORK/demo/alice.key" sign claim --text "API conformance check" --claimant "claimledger" \
    --claimant-type organization --subject conformance --figure 'runs=1')
POST_STATUS=0
"$VENV/bin/python" - "$SPEC" "$URL" "$LINE" <<'EOF' || POST_STATUS=$?
import json, sys, urllib.request, urllib.error
import yaml
from openapi_schema_validator import OAS30Validator

spec_path, url, line = sys.argv[1:4]
spec = yaml.safe_load(open(spec_path))
op = spec["paths"]["/v1/entries"]["post"]

def check(status, body, want):
    assert status == want, f"POST answered {status}, expected {want}: {body}"
    resp = op["responses"][str(status)]
    if "$ref" in resp:
        resp = spec["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
    # The schema's "#/components/..." references resolve against the spec's components.
    schema = dict(resp["content"]["application/json"]["schema"], components=spec["components"])
    OAS30Validator(schema).validate(json.loads(body))
    print(f"POST /v1/entries -> {status}: matches the spec")

def post(data):
    req = urllib.request.Request(url + "/v1/entries", data=data, method="POST",
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

status, body = post(line.encode())
check(status, body, 201)
answer = json.loads(body)
assert answer["checkpoint"]["size"] > answer["index"], answer
status, body = post(line.encode())
check(status, body, 409)
EOF

step "stop server"
kill -TERM "$SERVER_PID"
STOP_STATUS=0
wait "$SERVER_PID" || STOP_STATUS=$?
SERVER_PID=
[ "$STOP_STATUS" = 0 ] || { echo "server exited $STOP_STATUS"; cat "$WORK/serve.err"; }

step "audit"
AUDIT_STATUS=0
env -u CLAIMLEDGER_KEY -u CLAIMLEDGER_OPERATOR_KEY \
    "$BIN" --ledger "$LEDGER" audit --log-key "$LOG_VKEY" || AUDIT_STATUS=$?

step "result"
echo "schemathesis exit $ST_STATUS, POST round trip exit $POST_STATUS, server exit $STOP_STATUS, audit exit $AUDIT_STATUS"
echo "took $(($(date +%s) - START)) s"
[ "$ST_STATUS" = 0 ] && [ "$POST_STATUS" = 0 ] && [ "$STOP_STATUS" = 0 ] && [ "$AUDIT_STATUS" = 0 ]
