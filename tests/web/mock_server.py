#!/usr/bin/env python3
"""DEV-ONLY mock of `claimledger serve` for working on the web page (web/) without the Rust server.

Not used by the test suite and not shipped: the real server is `claimledger serve` (see
/v1 routes in the HTTP contract). This mock serves the same static routes (`/`, `/claims/{index}`,
`/assets/...`) from web/ on disk, so page edits show up on reload, and answers the read-only /v1
endpoints the page uses from JSON fixtures produced by the real CLI.

    # 1. produce fixtures with a built CLI (the demo ledger plus a few extra entries so every
    #    stance and a second claim appear); prints the log key to pin
    python3 tests/web/mock_server.py --make-fixtures /tmp/cl-fixtures --cli target/release/claimledger
    # 2. serve them
    python3 tests/web/mock_server.py --fixtures /tmp/cl-fixtures --port 8765
    # 3. open http://127.0.0.1:8765/?log_key=<the key printed in step 1>
    #    or run the browser test: node tests/web/e2e.mjs --url http://127.0.0.1:8765 --log-key ...

Like the real server, the first stdout line is `listening on http://127.0.0.1:PORT`.
Python 3 standard library only.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"

# name under /assets/ -> (candidate files under web/, first existing wins; content type)
STATIC = {
    "/assets/app.js": (["app.js"], "text/javascript; charset=utf-8"),
    "/assets/verify.js": (["verify.js"], "text/javascript; charset=utf-8"),
    "/assets/noble.js": (["noble.js", "vendor/noble.js"], "text/javascript; charset=utf-8"),
    "/assets/style.css": (["style.css"], "text/css; charset=utf-8"),
}

# The real server's page policy (src/cli/serve/web.rs), so a violation shows up here too.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'")


# ---------------------------------------------------------------- fixtures (real CLI output)

def make_fixtures(out: Path, cli: str) -> None:
    """Build the demo ledger with the real CLI, add a few entries, dump every JSON the mock needs."""
    out.mkdir(parents=True, exist_ok=True)
    d = out / "ledger"
    if (d / "demo.db").exists():
        sys.exit(f"{d}/demo.db exists; use an empty --make-fixtures directory")

    def run(*args, capture=True):
        r = subprocess.run([cli, *args], capture_output=capture, text=True)
        if r.returncode != 0:
            sys.exit(f"claimledger {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r.stdout

    demo = json.loads(run("demo", "--dir", str(d), "--json"))
    led = ["--ledger", demo["ledger_path"]]
    claim = demo["history"]["claim"]["index"]

    def rec(*args):
        return json.loads(run(*led, "--json", *args))["index"]

    alice, bruno, chloe = (str(d / f"{n}.key") for n in ("alice", "bruno", "chloe"))
    # Extra entries so the page shows every stance, nesting two deep, and a second claim.
    sup = rec("--key", alice, "support", str(claim), "--speaker", "Example Analyst",
              "--text", "Independent estimates of a single final run land near $5–6M at 2024 rental prices.",
              "--stated-on", "2025-02-03",
              "--source", "https://example.org/analysis/deepseek-cost", "--source-title", "Cost of a training run",
              "--publisher", "Example Research", "--published", "2025-02-03",
              "--archive-url", "https://web.archive.org/web/2025/https://example.org/analysis/deepseek-cost",
              "--figure", "training_cost=about $5.5M")
    rec("--key", chloe, "correct", str(sup), "--speaker", "Example Analyst",
        "--text", "Correction: the estimate assumed $2 per GPU-hour, not $1.8.", "--stated-on", "2025-02-04")
    n2 = rec("--key", alice, "claim", "add",
             "--text", "Nvidia says its H20 chips sold in China comply with US export rules.",
             "--claimant", "Nvidia", "--claimant-type", "organization", "--claimed-on", "2025-01-31",
             "--subject", "Nvidia", "--subject", "H20",
             "--source", "https://example.com/nvidia-statement", "--source-title", "Statement on export controls",
             "--quote", "our products comply with US government guidance")
    rec("--key", bruno, "retract", str(n2), "--speaker", "Nvidia", "--speaker-type", "organization",
        "--text", "An earlier version of this statement named the wrong chip.", "--stated-on", "2025-02-01")

    (out / "log_vkey.txt").write_text(demo["log_vkey"] + "\n")
    (out / "checkpoint.json").write_text(run(*led, "--json", "checkpoint"))
    entries = json.loads(run(*led, "--json", "log", "--limit", "100000"))
    (out / "log.json").write_text(json.dumps(entries, indent=2, ensure_ascii=False))
    (out / "figures.json").write_text(run(*led, "--json", "figures"))
    for e in entries:
        i = e["index"]
        if e["kind"] != "key":
            (out / f"history-{i}.json").write_text(run(*led, "--json", "history", str(i)))
        (out / f"receipt-{i}.json").write_text(run(*led, "receipt", str(i)))
    print(f"fixtures in {out}\nlog key: {demo['log_vkey']}")


# ---------------------------------------------------------------- the mock API

class Fixtures:
    def __init__(self, d: Path):
        self.dir = d
        self.checkpoint = json.loads((d / "checkpoint.json").read_text())
        self.entries = json.loads((d / "log.json").read_text())
        self.figures = json.loads((d / "figures.json").read_text())

    def entry(self, ref: str):
        ref = ref.strip().lstrip("#")
        if re.fullmatch(r"\d{1,7}", ref):
            i = int(ref)
            return self.entries[i] if i < len(self.entries) else None
        if re.fullmatch(r"[0-9a-fA-F]{8,64}", ref):
            m = [e for e in self.entries if e["leaf_hash"].startswith(ref.lower())]
            return m[0] if len(m) == 1 else None
        return None

    def history(self, e):
        f = self.dir / f"history-{e['index']}.json"
        if not f.exists():
            return None
        h = json.loads(f.read_text())
        ids = {h["claim"]["index"], *(s["index"] for s in h["statements"])}
        h["figures"] = [r for r in self.figures if r["index"] in ids]
        return h

    @staticmethod
    def text_of(e):
        p = e["payload"]
        parts = [p.get("text", ""), (p.get("claimant") or {}).get("name", ""),
                 (p.get("speaker") or {}).get("name", ""), *p.get("subjects", [])]
        return "\n".join(parts).lower()

    def claims(self, q: str):
        out = []
        for e in self.entries:
            if e["kind"] != "claim":
                continue
            h = self.history(e)
            stmts = h["statements"] if h else []
            if q and not any(q.lower() in self.text_of(x) for x in [e, *stmts]):
                continue
            out.append({**e, "statements": len(stmts)})
        return out


def page(items, qs):
    def num(name, default, hi):
        try:
            v = int(qs.get(name, [str(default)])[0])
        except ValueError:
            raise ValueError(f"{name} must be an integer")
        if v < 0:
            raise ValueError(f"{name} must not be negative")
        return min(v, hi)

    start, limit = num("from", 0, 1 << 62), max(1, num("limit", 100, 1000))
    rest = [x for x in items if x["index"] >= start]
    chunk = rest[:limit]
    nxt = rest[limit]["index"] if len(rest) > limit else None
    return chunk, nxt


class Handler(BaseHTTPRequestHandler):
    fx: Fixtures = None
    quiet = False

    def log_message(self, fmt, *args):
        if not self.quiet:
            sys.stderr.write("mock: " + fmt % args + "\n")

    def send(self, status, body, ctype):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(data)

    def json(self, obj, status=200):
        self.send(status, json.dumps(obj, indent=2, ensure_ascii=False) + "\n", "application/json")

    def error(self, status, code, message):
        self.json({"error": {"status": status, "code": code, "message": message}}, status)

    def do_GET(self):
        u = urlsplit(self.path)
        p, qs = u.path, parse_qs(u.query)
        fx = self.fx
        try:
            if p == "/" or re.fullmatch(r"/claims/[^/]+", p):
                return self.send(200, (WEB / "index.html").read_bytes(), "text/html; charset=utf-8")
            if p in STATIC:
                names, ctype = STATIC[p]
                f = next((WEB / n for n in names if (WEB / n).exists()), None)
                if f is None:
                    return self.send(404, f"web/{names[0]} missing\n", "text/plain")
                return self.send(200, f.read_bytes(), ctype)
            if p == "/checkpoint":
                return self.send(200, fx.checkpoint["note"], "text/plain; charset=utf-8")
            if p == "/v1/checkpoint":
                return self.json(fx.checkpoint)
            if p == "/v1/claims":
                q = qs.get("q", [""])[0].strip()
                chunk, nxt = page(fx.claims(q), qs)
                return self.json({"claims": chunk, "next_from": nxt})
            if p == "/v1/entries":
                chunk, nxt = page(fx.entries, qs)
                return self.json({"entries": chunk, "next_from": nxt})
            if p == "/v1/search":
                q = qs.get("q", [""])[0].strip().lower()
                hits = [e for e in fx.entries if e["kind"] != "key" and q in fx.text_of(e)]
                chunk, nxt = page(hits, qs)
                return self.json({"entries": chunk, "next_from": nxt})
            if p == "/v1/figures":
                s = qs.get("subject", [None])[0]
                pr = qs.get("property", [None])[0]
                rows = [r for r in fx.figures
                        if (s is None or r["subject"].lower() == s.strip().lower())
                        and (pr is None or r["property"].lower() == pr.strip().lower())]
                return self.json(rows)
            m = re.fullmatch(r"/v1/(entries|claims|receipts)/([^/]+)(/history)?", p)
            if m and (m[1] == "claims") == bool(m[3]):
                e = fx.entry(m[2])
                if e is None:
                    return self.error(404, "not_found", f"no entry {m[2]}")
                if m[1] == "entries":
                    return self.json(e)
                if m[1] == "claims":
                    h = fx.history(e)
                    if h is None:
                        return self.error(404, "not_found", f"entry {e['index']} is a key entry")
                    return self.json(h)
                f = fx.dir / f"receipt-{e['index']}.json"
                return self.send(200, f.read_bytes(), "application/json")
            return self.error(404, "not_found", f"no route {p}")
        except ValueError as err:
            return self.error(400, "bad_request", str(err))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--make-fixtures", metavar="DIR", type=Path)
    ap.add_argument("--cli", default=os.environ.get("CLAIMLEDGER_BIN", "target/release/claimledger"))
    ap.add_argument("--fixtures", metavar="DIR", type=Path)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    if a.make_fixtures:
        return make_fixtures(a.make_fixtures, a.cli)
    if not a.fixtures:
        ap.error("--fixtures DIR (or --make-fixtures DIR) is required")
    Handler.fx = Fixtures(a.fixtures)
    Handler.quiet = a.quiet
    srv = ThreadingHTTPServer((a.host, a.port), Handler)
    print(f"listening on http://{a.host}:{srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
