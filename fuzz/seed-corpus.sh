#!/usr/bin/env bash
# Fill fuzz/corpus/<target>/ with seed inputs for every fuzz target (see fuzz/README.md).
#
# Sources, all public or made here:
#   ../shared/vectors/note/note-vectors.json   vkeys, skeys, valid and invalid signed notes
#   ../shared/vectors/tessera-log/             signed checkpoints 0..15, leaf hashes (tile 0)
#   tests/vectors/entry-*.json                 envelope bytes, payloads, import lines, figures
#   `claimledger demo`                         a receipt (with its log vkey), its tlog-proof and
#                                              checkpoint; `export --jsonl` lines if that exists
# Seeds are named seed-*; running again overwrites them and keeps whatever the fuzzer found.
# Needs bash, python3 and cargo. Set VECTORS=/path/to/shared/vectors to override the default.
set -euo pipefail

fuzz_dir="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$fuzz_dir")"
vectors="${VECTORS:-$root/../shared/vectors}"
corpus="$fuzz_dir/corpus"
work="$(mktemp -d "${TMPDIR:-/tmp}/claimledger-seeds.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if [[ ! -d "$vectors/note" || ! -d "$vectors/tessera-log" ]]; then
    echo "notice: $vectors not found: no note, key or checkpoint seeds from the shared vectors" >&2
fi

# A demo ledger: the DeepSeek story, with a receipt for the claim. Keys are random each run.
cli() { (cd "$root" && cargo run --release --quiet -- "$@"); }
if cli --json demo --dir "$work/demo" >"$work/demo.json"; then
    if ! cli --ledger "$work/demo/demo.db" export --jsonl >"$work/export.jsonl" 2>"$work/export.err"; then
        echo "notice: 'claimledger export --jsonl' failed; no exported import lines" >&2
        rm -f "$work/export.jsonl"
    fi
else
    echo "notice: 'claimledger demo' failed; no receipt or tlog-proof seeds from a live ledger" >&2
    rm -f "$work/demo.json"
fi

python3 - "$vectors" "$root/tests/vectors" "$work" "$corpus" <<'PY'
import base64, glob, hashlib, json, os, re, sys

vectors, entry_vectors, work, corpus = sys.argv[1:5]
counts = {}

def put(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)
    counts[target] = counts.get(target, 0) + 1

def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()

def canonical(v):
    # Key order and escapes of RFC 8785 for our integer-only JSON: Python's sort_keys sorts by
    # code point, which equals UTF-16 order for the BMP keys used here.
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()

KIND_BYTE = {"claim": b"\x00", "statement": b"\x01", "key": b"\x02"}

def seed_entry(tag, envelope, payload_value, kind, payload_bytes=None):
    """Envelope, payload, import line, JSON and figure seeds of one entry."""
    put("envelope", tag, envelope)
    put("canonical_json", tag + "-envelope", envelope)
    pretty = json.dumps(payload_value, ensure_ascii=False, indent=1).encode()
    put("payload", tag + "-pretty", KIND_BYTE[kind] + pretty)
    put("canonical_json", tag + "-payload-pretty", pretty)
    if payload_bytes is not None:
        put("payload", tag + "-canonical", KIND_BYTE[kind] + payload_bytes)
        put("canonical_json", tag + "-payload", payload_bytes)
    line = {"envelope_base64": base64.b64encode(envelope).decode(), "payload": payload_value}
    put("import_line", tag, canonical(line))
    put("import_line", tag + "-spaced", json.dumps(line, ensure_ascii=False).encode())
    for i, fig in enumerate(payload_value.get("figures", [])):
        put("figure", f"{tag}-{i}", fig["as_stated"])

# --- the shared known-answer vectors ---------------------------------------------------------
note_json = os.path.join(vectors, "note", "note-vectors.json")
if os.path.exists(note_json):
    nv = json.loads(read(note_json))
    for k in nv["keys"]:
        put("vkey", "vector-" + k["name"].replace("/", "_"), k["vkey"])
        if k.get("skey"):
            put("private_key", "vector-" + k["name"].replace("/", "_"), k["skey"])
    put("vkey", "vector-invalid-base", nv["vkeys_invalid"]["base"])
    for i, t in enumerate(nv["vkeys_invalid"].get("extra", [])):
        put("vkey", f"vector-invalid-{i}", t)
    put("private_key", "vector-invalid-base", nv["skeys_invalid"]["base"])
    for group in ("notes_valid", "notes_invalid", "checkpoint_examples"):
        for i, case in enumerate(nv.get(group, [])):
            note = bytes.fromhex(case["note_hex"]) if "note_hex" in case else case["note"].encode()
            put("note", f"{group}-{i}", note)
            if group == "checkpoint_examples":
                put("checkpoint", f"c2sp-example-{i}", note)
                put("checkpoint", f"c2sp-example-{i}-body", note.split(b"\n\n")[0] + b"\n")

tessera = os.path.join(vectors, "tessera-log")
if os.path.isdir(tessera):
    readme = read(os.path.join(tessera, "README.md"), "r")
    m = re.search(r"vkey: `([^`]+)`", readme)
    if m:
        put("vkey", "tessera", m.group(1))
    m = re.search(r"`(PRIVATE\+KEY\+[^`]+)`", readme)
    if m:
        put("private_key", "tessera", m.group(1))
    checkpoints = {}
    for path in glob.glob(os.path.join(tessera, "checkpoint.*")):
        size = int(path.rsplit(".", 1)[1])
        checkpoints[size] = read(path)
        put("checkpoint", f"tessera-{size}", checkpoints[size])
        put("checkpoint", f"tessera-{size}-body", checkpoints[size].split(b"\n\n")[0] + b"\n")
        put("note", f"tessera-{size}", checkpoints[size])

    # Valid tlog-proofs against the Tessera checkpoints: RFC 6962 inclusion paths computed from
    # the 15 leaf hashes of tile 0 (deepest sibling first, as in RFC 6962 PATH).
    tile = read(os.path.join(tessera, "tile", "0", "000.p", "15"))
    leaves = [tile[i:i + 32] for i in range(0, len(tile), 32)]

    def split_point(n):
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    def mth(hs):
        if len(hs) == 1:
            return hs[0]
        k = split_point(len(hs))
        return hashlib.sha256(b"\x01" + mth(hs[:k]) + mth(hs[k:])).digest()

    def path(m, hs):
        if len(hs) == 1:
            return []
        k = split_point(len(hs))
        if m < k:
            return path(m, hs[:k]) + [mth(hs[k:])]
        return path(m - k, hs[k:]) + [mth(hs[:k])]

    for index, size, extra in [(0, 1, None), (0, 2, None), (5, 15, None), (14, 15, b"seed")]:
        if size not in checkpoints:
            continue
        text = b"c2sp.org/tlog-proof@v1\n"
        if extra is not None:
            text += b"extra " + base64.b64encode(extra) + b"\n"
        text += b"index %d\n" % index
        for h in path(index, leaves[:size]):
            text += base64.b64encode(h) + b"\n"
        put("tlog_proof", f"tessera-{index}-of-{size}", text + b"\n" + checkpoints[size])

# --- tests/vectors/entry-*.json ---------------------------------------------------------------
for path in sorted(glob.glob(os.path.join(entry_vectors, "entry-*.json"))):
    v = json.loads(read(path))
    tag = os.path.basename(path)[:-len(".json")]
    seed_entry(tag, bytes.fromhex(v["envelope_hex"]), v["payload"], v["kind"],
               bytes.fromhex(v["payload_canonical_hex"]))
    put("vkey", tag, v["vkey"])
    # A key payload (none is in the vectors): granting this entry's signer.
    grant = {"action": "grant", "name": "Alice Martin", "role": "reporter", "vkey": v["vkey"]}
    put("payload", tag + "-key-grant", KIND_BYTE["key"] + canonical(grant))
    revoke = dict(grant, action="revoke", reason="left the newsroom")
    put("payload", tag + "-key-revoke", KIND_BYTE["key"] + json.dumps(revoke).encode())

# Documented wordings (src/figure.rs module docs), beyond those in the vectors.
for i, text in enumerate(["$5.6M", "$5.6 million", "5,6 millions de dollars", "€1.2bn",
                          "2,048 H800", "2 048 puces Nvidia H800", "50k H100", "about 2,000 GPUs",
                          "at least 10,000 GPUs", "2,000-3,000 GPUs", "entre 2 000 et 3 000 GPU",
                          "at most 10%", "$2 per GPU-hour", "¥ 1,000,000", "-3.5%"]):
    put("figure", f"form-{i}", text)

# JSON edge cases for the canonical_json target.
for i, text in enumerate([b"{}", b"[]", b"null", b"-9007199254740991", b'"\\u0000\\ud83d\\ude00"',
                          b'{"a":1,"b":[true,false,null,"x"]}', b"[" * 64 + b"]" * 64,
                          '{"\U00010000":1,"\ufffd":2}'.encode()]):
    put("canonical_json", f"edge-{i}", text)

# --- the demo ledger --------------------------------------------------------------------------
demo_json = os.path.join(work, "demo.json")
if os.path.exists(demo_json):
    demo = json.loads(read(demo_json))
    log_vkey = demo["log_vkey"]
    receipt = read(demo["receipt_path"])
    put("vkey", "demo-log", log_vkey)
    put("receipt", "demo-claim", log_vkey.encode() + b"\n" + receipt)
    put("receipt", "demo-claim-no-key", receipt)
    put("canonical_json", "demo-receipt", receipt)
    r = json.loads(receipt)
    proof = r["tlog_proof"]
    put("tlog_proof", "demo-claim", proof)
    checkpoint = proof.split("\n\n", 1)[1]
    put("note", "demo-checkpoint", checkpoint)
    put("checkpoint", "demo", checkpoint)
    put("checkpoint", "demo-body", checkpoint.split("\n\n")[0] + "\n")
    envelope = base64.b64decode(r["envelope_base64"])
    kind = json.loads(envelope)["kind"]
    seed_entry("demo-claim", envelope, r["payload"], kind)
    for key_file in sorted(glob.glob(os.path.join(os.path.dirname(demo["receipt_path"]), "*.key"))):
        text = read(key_file, "r").strip("\n")
        put("private_key", "demo-" + os.path.basename(key_file)[:-4], text)

export = os.path.join(work, "export.jsonl")
if os.path.exists(export):
    for i, line in enumerate(read(export).splitlines()):
        if not line.strip():
            continue
        put("import_line", f"demo-export-{i}", line)
        put("canonical_json", f"demo-export-{i}", line)
        v = json.loads(line)
        envelope = base64.b64decode(v["envelope_base64"])
        kind = json.loads(envelope)["kind"]
        put("envelope", f"demo-export-{i}", envelope)
        put("payload", f"demo-export-{i}", KIND_BYTE[kind] + canonical(v["payload"]))
        for j, fig in enumerate(v["payload"].get("figures", [])):
            put("figure", f"demo-export-{i}-{j}", fig["as_stated"])

# Witness seeds (witness_key, cosignature, policy, witness_request), made from the log vkeys
# above: the same public keys as cosignature keys (type 0x04, their own key ID).
def witness_vkey(vkey):
    name, _, b64 = vkey.split("+", 2)
    raw = base64.b64decode(b64)
    if len(raw) != 33:
        return None
    key = b"\x04" + raw[1:]
    kid = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex()
    return f"{name}+{kid}+{base64.b64encode(key).decode()}"

log_vkeys, witness_vkeys = [], []
vkey_dir = os.path.join(corpus, "vkey")
for path in sorted(glob.glob(os.path.join(vkey_dir, "seed-*"))):
    text = read(path, "r")
    try:
        w = witness_vkey(text)
    except Exception:
        continue
    if w and "invalid" not in path:
        log_vkeys.append(text)
        witness_vkeys.append(w)
for i, w in enumerate(witness_vkeys):
    put("witness_key", f"derived-{i}", w)
    put("cosignature", f"line-{i}", "\u2014 " + w.split("+")[0] + " " + base64.b64encode(bytes.fromhex(w.split("+")[1]) + (1700000000).to_bytes(8, "big") + bytes(64)).decode() + "\n")
if witness_vkeys:
    ws = "".join(f"witness W{i} {w} https://w{i}.example/\n" for i, w in enumerate(witness_vkeys))
    names = " ".join(f"W{i}" for i in range(len(witness_vkeys)))
    put("policy", "groups", f"# seed\nlog {log_vkeys[0]}\n{ws}group G any {names}\ngroup H all G W0\nquorum H\n")
    put("policy", "k-of-n", f"{ws}group Q {max(1, len(witness_vkeys) // 2)} {names}\nquorum Q\n")
    put("policy", "none", "quorum none\n")
    put("witness_request", "log-list", "# logs\n" + "\n".join(log_vkeys) + "\n")
for name in os.listdir(os.path.join(corpus, "checkpoint")) if os.path.isdir(os.path.join(corpus, "checkpoint")) else []:
    cp = read(os.path.join(corpus, "checkpoint", name))
    if b"\n\n" in cp:
        put("witness_request", "old0-" + name[5:], b"old 0\n\n" + cp)
        hashes = b"".join(base64.b64encode(hashlib.sha256(bytes([i])).digest()) + b"\n" for i in range(3))
        put("witness_request", "proof-" + name[5:], b"old 1\n" + hashes + b"\n" + cp)
        put("cosignature", "note-lines-" + name[5:], cp.split(b"\n\n", 1)[1])
put("witness_request", "size", "20852014\n")

for target in sorted(counts):
    print(f"{target:15} {counts[target]:3} seeds")
PY
