#!/usr/bin/env python3
"""Independent reference for the claimledger entry format (docs/FORMAT.md), used once to write
tests/vectors/entry-*.json. It shares no code with the Rust implementation: RFC 8785 for our
integer-only JSON subset, C2SP vkey text, the signed message and the RFC 6962 leaf hash are
written here from the spec. Needs the `cryptography` package (pip install cryptography).

Run: python3 scripts/make_entry_vectors.py tests/vectors
"""
import base64, hashlib, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization


def jcs(v):
    """RFC 8785 for values without floats."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        assert abs(v) <= 2**53 - 1
        return str(v)
    if isinstance(v, str):
        out = ['"']
        for ch in v:
            o = ord(ch)
            if ch == '"': out.append('\\"')
            elif ch == '\\': out.append('\\\\')
            elif ch == '\b': out.append('\\b')
            elif ch == '\t': out.append('\\t')
            elif ch == '\n': out.append('\\n')
            elif ch == '\f': out.append('\\f')
            elif ch == '\r': out.append('\\r')
            elif o < 0x20: out.append('\\u%04x' % o)
            else: out.append(ch)
        out.append('"')
        return "".join(out)
    if isinstance(v, list):
        return "[" + ",".join(jcs(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(jcs(k) + ":" + jcs(v[k]) for k in keys) + "}"
    raise TypeError(type(v))


def vkey(name, pub):
    kid = hashlib.sha256(name.encode() + b"\n\x01" + pub).digest()[:4]
    return "%s+%s+%s" % (name, kid.hex(), base64.b64encode(b"\x01" + pub).decode())


def make(seed, name, kind, payload, recorded_at, target=None):
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    pub = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    payload_bytes = jcs(payload).encode()
    env = {
        "format": "claimledger/v1",
        "kind": kind,
        "recorded_at": recorded_at,
        "signer": vkey(name, pub),
        "payload_sha256": hashlib.sha256(payload_bytes).hexdigest(),
        "target": target,
        "generator": "claimledger/0.1.0",
    }
    message = b"claimledger/v1 entry signature\x00" + jcs(env).encode()
    sig = sk.sign(message)
    env["signature"] = base64.b64encode(sig).decode()
    env_bytes = jcs(env).encode()
    return {
        "description": "written by scripts/make_entry_vectors.py, an independent reference",
        "seed_hex": seed.hex(),
        "key_name": name,
        "vkey": vkey(name, pub),
        "kind": kind,
        "recorded_at": recorded_at,
        "generator": "claimledger/0.1.0",
        "target": target,
        "payload": payload,
        "payload_canonical_hex": payload_bytes.hex(),
        "payload_sha256": hashlib.sha256(payload_bytes).hexdigest(),
        "signed_message_hex": message.hex(),
        "signature_base64": env["signature"],
        "envelope_hex": env_bytes.hex(),
        "envelope_text": env_bytes.decode(),
        "leaf_hash": hashlib.sha256(b"\x00" + env_bytes).hexdigest(),
    }


def main(out):
    claim = {
        "text": "DeepSeek a annoncé avoir développé son modèle d'IA, le DeepSeek-V3, en investissant seulement 5,6 millions de dollars\tet en utilisant 2 048 puces graphiques Nvidia H800 — \"bridées\" \u0001.",
        "claimant": {"name": "DeepSeek", "type": "organization", "same_as": "https://www.deepseek.com/"},
        "claimed_on": "2024-12-26",
        "sources": [{"url": "https://arxiv.org/abs/2412.19437", "title": "DeepSeek-V3 Technical Report", "published": "2024-12-27"}],
        "subjects": ["DeepSeek-V3"],
        "figures": [
            {"subject": "DeepSeek-V3", "property": "training_cost", "value": "5600000", "precision": "exact", "unit": "USD", "as_stated": "5,6 millions de dollars"},
            {"subject": "DeepSeek-V3", "property": "gpu_count", "value": "2048", "precision": "exact", "unit": "count:H800", "as_stated": "2 048 puces Nvidia H800"},
        ],
    }
    v0 = make(bytes([7] * 32), "alice@news.example", "claim", claim, "2025-01-27T09:12:00Z")
    statement = {
        "stance": "contests",
        "text": "Doubts about the figures 🤔",
        "speaker": {"name": "Dario Amodei", "type": "person"},
        "stated_on": "2025-01-29",
        "sources": [],
        "figures": [],
    }
    v1 = make(bytes([8] * 32), "bruno@news.example", "statement", statement, "2025-01-30T10:05:00Z",
              target={"index": 2, "leaf_hash": v0["leaf_hash"]})
    for i, v in enumerate([v0, v1]):
        with open("%s/entry-%d.json" % (out, i), "w") as f:
            json.dump(v, f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/vectors")
