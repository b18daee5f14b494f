// The page's data in static mode: a published log (docs/FORMAT.md §18) read from any static
// file host, with no server code. app.js uses it instead of the /v1 API when the page carries
// <meta name="claimledger-site" content="ROOT">, ROOT being the published log's prefix relative
// to the page ("./" or "../").
//
// Entries come from the entry bundles (tile/entries/…), payloads from the payload bundles
// (tile/payloads/…); each payload is checked here against its envelope's payload_sha256 (a
// bundle is signed by nothing: FORMAT §13.1), and a mismatch is shown, never the payload. A
// payload marked withheld shows the redaction its receipt names; verifying that receipt (app.js,
// verify.js) proves the redaction. Objects returned have the shape of the API's entry objects.

import { sha256 } from "./noble.js";

const TILE = 256;
/** The largest object read (a payload bundle of 256 payloads of 64 KiB each, plus lengths). */
const MAX_OBJECT = 256 * (65536 + 4);

export class SiteError extends Error {
  constructor(message, status = 0) {
    super(message);
    this.status = status;
  }
}

/** `N` as tile paths spell it (FORMAT §13): 1234067 → "x001/x234/067". */
export function formatIndex(n) {
  const groups = [String(n % 1000).padStart(3, "0")];
  n = Math.floor(n / 1000);
  while (n > 0) {
    groups.unshift(`x${String(n % 1000).padStart(3, "0")}`);
    n = Math.floor(n / 1000);
  }
  return groups.join("/");
}

/** The path of tile `n` of `kind` ("entries", "payloads") in a tree of `size` leaves. */
export function bundlePath(kind, n, size) {
  const width = Math.min(TILE, size - n * TILE);
  return `tile/${kind}/${formatIndex(n)}${width === TILE ? "" : `.p/${width}`}`;
}

/** Records of a bundle: `lenBytes`-byte big-endian lengths, each followed by that many bytes. */
export function parseBundle(bytes, lenBytes, count, what) {
  const out = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + lenBytes > bytes.length) throw new SiteError(`${what}: a record is cut short`);
    let len = 0;
    for (let i = 0; i < lenBytes; i++) len = len * 256 + bytes[at + i];
    at += lenBytes;
    if (lenBytes === 4 && len > 65536) throw new SiteError(`${what}: a payload of ${len} bytes is larger than any payload`);
    if (at + len > bytes.length) throw new SiteError(`${what}: a record is cut short`);
    out.push(bytes.subarray(at, at + len));
    at += len;
  }
  if (out.length !== count) throw new SiteError(`${what}: ${out.length} records, the checkpoint implies ${count}`);
  return out;
}

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The checkpoint body's first lines (FORMAT §9.2); app.js verifies it with each receipt. */
export function parseCheckpoint(text) {
  const [origin, size, root] = text.split("\n");
  if (!origin || !/^(0|[1-9][0-9]*)$/.test(size ?? "") || !root) throw new SiteError("the checkpoint is malformed");
  let rootHex = "";
  try {
    rootHex = hex(Uint8Array.from(atob(root), (c) => c.charCodeAt(0)));
  } catch {
    throw new SiteError("the checkpoint's root is not base64");
  }
  return { origin, size: Number(size), root: rootHex };
}

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ envelope) (FORMAT §4.3). */
function leafHash(envBytes) {
  const buf = new Uint8Array(envBytes.length + 1);
  buf.set(envBytes, 1);
  return sha256(buf);
}

/** One entry from its envelope bytes and payload record (`null` payload: none in the bundle). */
function entryOf(index, envBytes, payloadBytes, where) {
  const env = JSON.parse(utf8.decode(envBytes));
  const e = {
    index,
    leaf_hash: hex(leafHash(envBytes)),
    kind: env.kind,
    recorded_at: env.recorded_at,
    signer: env.signer,
    recorder: null,
    target: env.target ? { index: env.target.index, leaf_hash: env.target.leaf_hash } : null,
    payload: null,
    withheld: null,
    payload_error: null,
  };
  if (payloadBytes.length === 0) {
    // Withheld, says the bundle; the receipt must name the redaction (see withheldOf).
    e.withheld = { text: "withheld" };
  } else if (hex(sha256(payloadBytes)) !== env.payload_sha256) {
    e.payload_error = `the payload in ${where} does not match the signed entry (SHA-256 ${hex(sha256(payloadBytes)).slice(0, 12)}…, the envelope says ${String(env.payload_sha256).slice(0, 12)}…)`;
  } else {
    e.payload = JSON.parse(utf8.decode(payloadBytes));
  }
  return e;
}

/** The published log at `root` (relative to the page). */
export function openSite(root) {
  const url = (path) => new URL(path, new URL(root, location.href)).href;

  async function get(path, as) {
    let res;
    try {
      res = await fetch(url(path), { cache: path === "checkpoint" ? "no-cache" : "default" });
    } catch (e) {
      throw new SiteError(`could not fetch ${path} (${e.message})`);
    }
    if (!res.ok) throw new SiteError(`${path}: ${res.status} ${res.statusText}`, res.status);
    if (as === "json") return res.json();
    if (as === "text") return res.text();
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > MAX_OBJECT) throw new SiteError(`${path} is larger than any published bundle`);
    return bytes;
  }

  const config = get("site/log.json", "json").catch(() => ({}));
  const checkpoint = (async () => {
    const text = await get("checkpoint", "text");
    return { ...parseCheckpoint(text), log_vkey: (await config).log_vkey };
  })();

  // Bundles by tile index: each read once per page view.
  const bundles = new Map();
  function bundle(n) {
    if (!bundles.has(n)) {
      bundles.set(
        n,
        (async () => {
          const { size } = await checkpoint;
          const count = Math.min(TILE, size - n * TILE);
          const ePath = bundlePath("entries", n, size);
          const pPath = bundlePath("payloads", n, size);
          const [eBytes, pBytes] = await Promise.all([get(ePath), get(pPath)]);
          const envs = parseBundle(eBytes, 2, count, ePath);
          const payloads = parseBundle(pBytes, 4, count, pPath);
          const entries = envs.map((env, i) => entryOf(n * TILE + i, env, payloads[i], pPath));
          await Promise.all(entries.filter((e) => e.withheld).map(withheldOf));
          return entries;
        })(),
      );
    }
    return bundles.get(n);
  }

  const receiptPath = (index) => `receipt/${formatIndex(index)}`;

  // A payload the bundle marks withheld: the redaction its receipt names (FORMAT §10.1); the
  // receipt's verification (Verify) proves it.
  async function withheldOf(e) {
    try {
      const r = JSON.parse(await get(receiptPath(e.index), "text"));
      const redaction = Number(/\nindex (\d+)\n/.exec(`\n${r.withheld.tlog_proof}`)[1]);
      const category = r.withheld.payload.category;
      e.withheld = { redaction, category, text: `withheld by redaction #${redaction} (${category})` };
    } catch {
      e.withheld = null;
      e.payload_error = "the payload bundle marks this payload withheld, but its receipt names no redaction";
    }
  }

  async function entry(index) {
    const { size } = await checkpoint;
    if (!(index >= 0 && index < size)) throw new SiteError(`no entry ${index} in the published tree of ${size}`, 404);
    return (await bundle(Math.floor(index / TILE)))[index % TILE];
  }

  async function about(claim) {
    return get(`site/about/${formatIndex(claim)}.json`, "json");
  }

  return {
    config,
    checkpoint,
    receiptUrl: (index) => url(receiptPath(index)),
    claimHref: (index) => url(`claims/${index}.html`),
    homeHref: () => url("index.html"),

    /**
     * Claims, newest first, from entry `cursor` down (exclusive; undefined: the newest): at most
     * `want`, reading at most `maxTiles` bundles. `next` is the cursor to go on from, or null
     * at the start of the log.
     */
    async claims(cursor, want, maxTiles = 16) {
      const { size } = await checkpoint;
      let at = Math.min(cursor ?? size, size); // entries below `at` are still to be read
      const found = [];
      for (let read = 0; at > 0 && found.length < want && read < maxTiles; read++) {
        const n = Math.floor((at - 1) / TILE);
        const entries = await bundle(n);
        while (at > n * TILE && found.length < want) {
          at--;
          if (entries[at - n * TILE].kind === "claim") found.push(entries[at - n * TILE]);
        }
      }
      await Promise.all(
        found.map(async (c) => {
          try {
            const a = await about(c.index);
            c.statements = a.statements.filter((i) => i < size).length;
          } catch {
            c.statements = null;
          }
        }),
      );
      return { claims: found, next: at > 0 ? at : null };
    },

    /** A claim and its statements (the /v1/claims/{ref}/history object). */
    async history(ref) {
      const index = Number(ref);
      if (!Number.isSafeInteger(index) || index < 0) throw new SiteError(`no claim ${ref}`, 404);
      const { size } = await checkpoint;
      const a = await about(index);
      const claim = await entry(index);
      const statements = await Promise.all(a.statements.filter((i) => i < size).map(entry));
      for (const e of [claim, ...statements]) e.recorder = a.recorders?.[e.signer] ?? null;
      return { claim, statements, figures: null };
    },
  };
}
