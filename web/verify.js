// claimledger receipt verifier for browsers and Node 20: docs/FORMAT.md §10.3, step by step.
//
// A receipt proves offline that one entry is in a ledger. This module checks one against a
// log key the reader pinned out of band, and reports each step so a person can see what was
// checked and where it failed. It must reach exactly the verdict of the Rust verifier
// (`claimledger::verify_receipt`); tests/web/verify-cases.mjs and tests/it/browser_verifier.rs
// compare the two on good and tampered receipts.
//
// It imports './noble.js': served as /assets/noble.js next to /assets/verify.js, and in the
// repository web/noble.js re-exports web/vendor/noble.js (the vendored @noble bundle).
//
// Left to the full audit (`claimledger audit`, FORMAT §7), as FORMAT §10.3 says a receipt does
// not prove them: whether the signer was granted at that index, whether a statement's target
// names the right entry, replays, and consistency with other checkpoints.

import { ed25519, sha256, sha512 } from './noble.js';

const { Point } = ed25519;
const L = Point.CURVE().n; // the prime order of the base point

const MAX_RECEIPT_BYTES = 1 << 20;
const MAX_ENVELOPE_BYTES = 64 * 1024;
const MAX_PAYLOAD_BYTES = 64 * 1024;
const MAX_JSON_DEPTH = 64;
const MAX_NOTE_SIGNATURES = 100;
const MAX_PROOF_HASHES = 64;
const RECEIPT_FORMAT = 'claimledger-receipt/v1';
const ENVELOPE_FORMAT = 'claimledger/v1';
const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
const SIGNATURE_CONTEXT = utf8('claimledger/v1 entry signature\0');
const U64_MAX = (1n << 64n) - 1n;

// ---------------------------------------------------------------------------------------------
// Bytes, text, hex, base64

const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8(s) {
  return new TextEncoder().encode(s);
}

// Strict UTF-8 → string, or null. ignoreBOM keeps a leading BOM so that the JSON parser
// refuses it, as the Rust parser does (FORMAT §2.1 rule 1).
function decodeUtf8(bytes) {
  try {
    return textDecoder.decode(bytes);
  } catch {
    return null;
  }
}

// A JS string can hold lone surrogates, which no UTF-8 text (what Rust reads) can.
function isWellFormed(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Lowercase hex of exactly `len` bytes (FORMAT §1: uppercase is rejected), or null.
function fromHex(s, len) {
  if (typeof s !== 'string' || s.length !== 2 * len || !/^[0-9a-f]*$/.test(s)) return null;
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function toBase64(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? B64[n & 63] : '=';
  }
  return out;
}

// Canonical base64 (FORMAT §1): every byte string has exactly one accepted text, so decode
// leniently and then require that re-encoding gives back the very same characters.
function fromBase64(s) {
  if (typeof s !== 'string' || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) {
    return null;
  }
  const body = s.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((body.length * 6) / 8));
  let bits = 0;
  let acc = 0;
  let at = 0;
  for (const ch of body) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  return toBase64(out) === s ? out : null;
}

// ASCII decimal with no sign and no leading zeros, at most 2^64 − 1 (as BigInt), or null.
function parseU64(s) {
  if (!/^(0|[1-9][0-9]*)$/.test(s)) return null;
  const n = BigInt(s);
  return n <= U64_MAX ? n : null;
}

// Unicode White_Space (Rust's char::is_whitespace and str::trim use the same property).
const WHITE_SPACE = /\p{White_Space}/u;
const CONTROL = /\p{Cc}/u; // Rust's char::is_control: U+0000–U+001F, U+007F–U+009F

function isBlank(s) {
  return s.replace(/^\p{White_Space}+/u, '') === '';
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON (FORMAT §2)

class JsonError extends Error {}

// Parse a string under FORMAT §2.1: integers only within ±(2^53 − 1), no duplicate member
// names, no lone surrogates, nesting at most 64 deep, one value with JSON white space around.
// Objects become Maps so that member names like "__proto__" stay ordinary data.
function parseJson(text) {
  let i = 0;
  const fail = (why) => {
    throw new JsonError(`${why} at character ${i}`);
  };
  const ws = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else break;
    }
  };
  const value = (depth) => {
    ws();
    const c = text[i];
    if (c === '{') return object(depth + 1);
    if (c === '[') return array(depth + 1);
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail(i >= text.length ? 'unexpected end of input' : 'unexpected character');
  };
  const object = (depth) => {
    if (depth > MAX_JSON_DEPTH) fail(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    i++;
    const map = new Map();
    ws();
    if (text[i] === '}') {
      i++;
      return map;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') fail('expected a member name');
      const name = string();
      if (map.has(name)) fail(`duplicate member name ${JSON.stringify(name)}`);
      ws();
      if (text[i] !== ':') fail("expected ':'");
      i++;
      map.set(name, value(depth));
      ws();
      if (text[i] === ',') {
        i++;
      } else if (text[i] === '}') {
        i++;
        return map;
      } else {
        fail("expected ',' or '}'");
      }
    }
  };
  const array = (depth) => {
    if (depth > MAX_JSON_DEPTH) fail(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    i++;
    const items = [];
    ws();
    if (text[i] === ']') {
      i++;
      return items;
    }
    for (;;) {
      items.push(value(depth));
      ws();
      if (text[i] === ',') {
        i++;
      } else if (text[i] === ']') {
        i++;
        return items;
      } else {
        fail("expected ',' or ']'");
      }
    }
  };
  const hex4 = () => {
    const h = text.slice(i, i + 4);
    if (!/^[0-9A-Fa-f]{4}$/.test(h)) fail('bad \\u escape');
    i += 4;
    return parseInt(h, 16);
  };
  const ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  const string = () => {
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i];
      const code = text.charCodeAt(i);
      if (c === '"') {
        i++;
        return out;
      }
      if (code < 0x20) fail('control character in string');
      if (c !== '\\') {
        out += c;
        i++;
        continue;
      }
      const e = text[i + 1];
      i += 2;
      if (e in ESCAPES) {
        out += ESCAPES[e];
      } else if (e === 'u') {
        const u = hex4();
        if (u >= 0xd800 && u <= 0xdbff) {
          // A high surrogate must be followed by an escaped low surrogate (§2.1 rule 2).
          if (text[i] !== '\\' || text[i + 1] !== 'u') fail('lone surrogate');
          i += 2;
          const lo = hex4();
          if (lo < 0xdc00 || lo > 0xdfff) fail('lone surrogate');
          out += String.fromCharCode(u, lo);
        } else if (u >= 0xdc00 && u <= 0xdfff) {
          fail('lone surrogate');
        } else {
          out += String.fromCharCode(u);
        }
      } else {
        fail('bad escape');
      }
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-') fail('bad number');
    i += m[0].length;
    if (m[2] !== undefined || m[3] !== undefined) fail('numbers must be integers');
    if (m[0] === '-0') fail('-0 is not an integer spelling this format accepts');
    const n = Number(m[0]);
    if (!Number.isSafeInteger(n)) fail('integer outside ±9007199254740991');
    // A digit right after the match (e.g. "01") is caught by the caller as trailing junk.
    return n;
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('unexpected data after the JSON value');
  return v;
}

// JCS string escaping (FORMAT §2.2): only '"', '\' and U+0000–U+001F are escaped.
function canonicalString(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

function canonicalText(v) {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return canonicalString(v);
  if (Array.isArray(v)) return '[' + v.map(canonicalText).join(',') + ']';
  // JS string comparison is by UTF-16 code units: exactly the order RFC 8785 asks for.
  const names = [...v.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return '{' + names.map((k) => canonicalString(k) + ':' + canonicalText(v.get(k))).join(',') + '}';
}

/** JCS(v) as UTF-8 bytes (FORMAT §2.2). */
export function canonicalJson(v) {
  return utf8(canonicalText(v));
}

/** Parse bytes under FORMAT §2.1 and require they are already canonical (§2.3). */
export function parseCanonical(bytes) {
  const text = decodeUtf8(bytes);
  if (text === null) throw new JsonError('not valid UTF-8');
  const v = parseJson(text);
  if (!bytesEqual(canonicalJson(v), bytes)) {
    throw new JsonError('not in canonical form (RFC 8785: key order, no white space, escapes)');
  }
  return v;
}

const isObject = (v) => v instanceof Map;

// ---------------------------------------------------------------------------------------------
// Ed25519 (FORMAT §3.5): ed25519-dalek 2.x verify_strict, on noble's point arithmetic

// Decompress as curve25519-dalek does: the top bit is the sign of x; y may be any 255-bit value
// (y ≥ p is reduced, not refused) and x = 0 with the sign bit set is accepted. noble's ZIP-215
// mode decodes exactly this way. Returns null when y is not the y of a curve point.
function decompress(bytes) {
  try {
    return Point.fromBytes(bytes, true);
  } catch {
    return null;
  }
}

function bytesToScalar(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/**
 * Ed25519 verification with the verdict of ed25519-dalek 2 `VerifyingKey::from_bytes` followed by
 * `verify_strict`: S must be reduced (S < L); A and R must decompress and must not have small
 * order; and R must equal, byte for byte, the encoding of [S]B − [k]A with
 * k = SHA-512(R ‖ A ‖ M) mod L (cofactorless), where A is hashed as given. So a non-canonical R
 * never verifies. noble's own verify() is the cofactored ZIP-215 rule and would accept more.
 */
export function ed25519VerifyStrict(publicKey, message, signature) {
  try {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
    if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
    if (!(message instanceof Uint8Array)) return false;
    const A = decompress(publicKey);
    if (A === null) return false;
    const rBytes = signature.subarray(0, 32);
    const s = bytesToScalar(signature.subarray(32));
    if (s >= L) return false;
    const R = decompress(rBytes);
    if (R === null || R.isSmallOrder() || A.isSmallOrder()) return false;
    const k = bytesToScalar(sha512(concat(rBytes, publicKey, message))) % L;
    const sB = Point.BASE.multiply(s, false);
    const kA = A.multiply(k, false);
    return bytesEqual(sB.subtract(kA).toBytes(), rBytes);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Keys (FORMAT §3)

function isValidKeyName(name) {
  return name.length > 0 && !WHITE_SPACE.test(name) && !name.includes('+');
}

// Key ID: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ type ‖ key); type 0x01 for log and
// recorder keys, 0x04 for witness cosignature keys.
function keyId(name, publicKey, type = 0x01) {
  return sha256(concat(utf8(name), Uint8Array.of(0x0a, type), publicKey)).slice(0, 4);
}

/** Parse a verifier key text `<name>+<key ID hex>+<base64(0x01 ‖ key)>` (FORMAT §3.3). */
export function parseVkey(text) {
  return parseKeyText(text, 0x01, 'Ed25519 (0x01)');
}

/** Parse a witness cosignature key `<name>+<key ID hex>+<base64(0x04 ‖ key)>` (C2SP tlog-cosignature). */
export function parseWitnessVkey(text) {
  return parseKeyText(text, 0x04, 'Ed25519 cosignature/v1 (0x04)');
}

function parseKeyText(text, type, typeName) {
  if (typeof text !== 'string') throw new Error('a verifier key must be text');
  const plus1 = text.indexOf('+');
  if (plus1 < 0) throw new Error("malformed verifier key: missing '+' after the key name");
  const name = text.slice(0, plus1);
  if (!isValidKeyName(name) || !isWellFormed(name)) {
    throw new Error("invalid key name: it must be non-empty and contain no spaces or '+'");
  }
  const rest = text.slice(plus1 + 1);
  const plus2 = rest.indexOf('+');
  if (plus2 < 0) throw new Error("malformed verifier key: missing '+' after the key ID");
  const stated = fromHex(rest.slice(0, plus2), 4);
  if (stated === null) throw new Error('malformed verifier key: the key ID is not 8 lowercase hex digits');
  const data = rest.slice(plus2 + 1);
  const raw = data.length === 44 ? fromBase64(data) : null;
  if (raw === null || raw.length !== 33) {
    throw new Error('malformed verifier key: the key data is not canonical base64 of 33 bytes');
  }
  if (raw[0] !== type) {
    throw new Error(`unsupported signature type 0x${toHex(raw.subarray(0, 1))}: only ${typeName}`);
  }
  const publicKey = raw.slice(1);
  const point = decompress(publicKey);
  if (point === null || !bytesEqual(point.toBytes(), publicKey)) {
    throw new Error('not a valid Ed25519 public key: not a canonical curve point encoding');
  }
  if (point.isSmallOrder()) throw new Error('weak Ed25519 public key (small order point) rejected');
  const computed = keyId(name, publicKey, type);
  if (!bytesEqual(computed, stated)) {
    throw new Error(
      `key ID mismatch: the text says ${toHex(stated)} but name and key give ${toHex(computed)}`,
    );
  }
  return { name, keyId: computed, publicKey };
}

// ---------------------------------------------------------------------------------------------
// Signed notes and checkpoints (FORMAT §9)

// Parse a C2SP signed note (syntax only): {text, signatures: [{name, keyId, signature}]}.
function parseNote(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw new Error(`control character at position ${i}`);
  }
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw new Error('no blank line separates the text from the signature lines');
  const text = s.slice(0, split + 1);
  const sigs = s.slice(split + 2);
  if (sigs === '') throw new Error('no signature lines after the last blank line');
  if (!sigs.endsWith('\n')) throw new Error('the note does not end with a newline');
  const lines = sigs.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw new Error(`more than ${MAX_NOTE_SIGNATURES} signature lines`);
  const signatures = lines.map((line, n) => {
    if (!line.startsWith('\u2014 ')) {
      throw new Error(`signature line ${n + 1} does not start with an em dash and a space`);
    }
    const rest = line.slice(2);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const b64 = space < 0 ? '' : rest.slice(space + 1);
    if (!isValidKeyName(name)) throw new Error(`signature line ${n + 1} has an invalid key name`);
    const raw = b64 === '' ? null : fromBase64(b64);
    if (raw === null) throw new Error(`signature line ${n + 1} is not a key name, one space and canonical base64`);
    if (raw.length < 5) throw new Error(`signature line ${n + 1} is too short`);
    return { name, keyId: raw.slice(0, 4), signature: raw.slice(4) };
  });
  return { text, signatures };
}

// Verify a note with one trusted key (FORMAT §9.1): lines by other keys (witnesses) are
// ignored, every line by the trusted key must verify, and at least one must be present.
function verifyNote(note, key) {
  const textBytes = utf8(note.text);
  let verified = 0;
  for (const sig of note.signatures) {
    if (sig.name !== key.name || !bytesEqual(sig.keyId, key.keyId)) continue;
    if (!ed25519VerifyStrict(key.publicKey, textBytes, sig.signature)) {
      throw new Error(`the signature by ${key.name}+${toHex(key.keyId)} does not verify: the note was altered or signed with another key`);
    }
    verified++;
  }
  if (verified === 0) throw new Error(`no signature by the pinned key ${key.name}+${toHex(key.keyId)}`);
  return verified;
}

// Parse a tlog-checkpoint body (FORMAT §9.2): origin, size, root, optional extension lines.
function parseCheckpointBody(text) {
  if (!text.endsWith('\n')) throw new Error('the body does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new Error('it needs origin, tree size and root hash lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (origin === '') throw new Error('empty origin');
  const size = parseU64(sizeLine);
  if (size === null) throw new Error('the tree size is not a decimal number without sign or leading zeros that fits in 64 bits');
  const root = rootLine.length === 44 ? fromBase64(rootLine) : null;
  if (root === null || root.length !== 32) throw new Error('the root hash is not canonical base64 of 32 bytes');
  extensions.forEach((ext, n) => {
    if (ext === '') throw new Error(`extension line ${n + 1} is empty`);
  });
  return { origin, size, root };
}

// ---------------------------------------------------------------------------------------------
// Witness cosignatures (C2SP tlog-cosignature, cosignature/v1) and the k-of-n policy

const MAX_COSIGNATURE_TIME = (1n << 63n) - 1n;

// What `note` carries for witness `w` (as claimledger's check_cosignatures): lines by other keys
// are ignored; `verified` only if every line with w's name and key ID is 8 bytes of time in
// 1..2^63−1 and a strict Ed25519 signature over "cosignature/v1\ntime T\n" ‖ the note text.
function witnessStatus(note, w) {
  let status = { state: 'missing' };
  for (const sig of note.signatures) {
    if (sig.name !== w.name || !bytesEqual(sig.keyId, w.keyId)) continue;
    if (sig.signature.length !== 72) {
      return { state: 'invalid', detail: `${sig.signature.length} bytes after the key ID, expected 72 (time and Ed25519 signature)` };
    }
    let time = 0n;
    for (const b of sig.signature.subarray(0, 8)) time = (time << 8n) | BigInt(b);
    if (time < 1n || time > MAX_COSIGNATURE_TIME) {
      return { state: 'invalid', detail: `cosignature time ${time} is out of range` };
    }
    const message = concat(utf8(`cosignature/v1\ntime ${time}\n`), utf8(note.text));
    if (!ed25519VerifyStrict(w.publicKey, message, sig.signature.subarray(8))) {
      return { state: 'invalid', detail: 'the cosignature does not verify: the checkpoint or the cosignature was altered' };
    }
    if (status.state !== 'verified' || time > status.time) status = { state: 'verified', time };
  }
  return status;
}

// Parse the pinned witnesses and quorum: distinct keys (by public key), 0 <= quorum <= n
// (default n; 0 requires nothing, as claimledger's Policy::k_of_n).
function parseWitnessPolicy(witnesses, quorum) {
  if (!Array.isArray(witnesses)) throw new Error('the pinned witnesses must be a list of witness keys');
  const keys = witnesses.map((text, n) => {
    try {
      return { text, ...parseWitnessVkey(text) };
    } catch (e) {
      throw new Error(`pinned witness ${n + 1} is not usable: ${e.message}`);
    }
  });
  keys.forEach((k, i) => {
    if (keys.slice(0, i).some((o) => bytesEqual(o.publicKey, k.publicKey))) {
      throw new Error(`witness key ${k.name}+${toHex(k.keyId)} is pinned twice`);
    }
  });
  const k = quorum === undefined || quorum === null ? keys.length : quorum;
  if (!Number.isInteger(k) || k < 0 || k > keys.length) {
    throw new Error(`the quorum must be a whole number from 0 to the ${keys.length} pinned witnesses`);
  }
  return { keys, quorum: k };
}

// ---------------------------------------------------------------------------------------------
// tlog-proof (FORMAT §10.2)

function parseTlogProof(text) {
  const split = text.indexOf('\n\n');
  if (split < 0) throw new Error('no blank line before the checkpoint');
  const lines = text.slice(0, split).split('\n');
  const checkpoint = text.slice(split + 2);
  if (lines[0] !== TLOG_PROOF_HEADER) throw new Error(`first line must be ${TLOG_PROOF_HEADER}`);
  let n = 1;
  if (lines.length <= n) throw new Error('missing index line');
  if (lines[n].startsWith('extra ')) {
    // Unauthenticated; only its encoding is checked, never its meaning.
    if (fromBase64(lines[n].slice(6)) === null) throw new Error('extra is not canonical base64');
    n++;
    if (lines.length <= n) throw new Error('missing index line');
  }
  if (!lines[n].startsWith('index ')) throw new Error("expected 'index N'");
  const index = parseU64(lines[n].slice(6));
  if (index === null) throw new Error('index must be a decimal with no sign or leading zeros');
  const proof = lines.slice(n + 1).map((line) => {
    const h = fromBase64(line);
    if (h === null || h.length !== 32) throw new Error('each proof line must be one base64 SHA-256 hash');
    return h;
  });
  if (proof.length > MAX_PROOF_HASHES) throw new Error(`more than ${MAX_PROOF_HASHES} proof hashes`);
  return { index, proof, checkpoint };
}

// ---------------------------------------------------------------------------------------------
// Merkle (FORMAT §8, RFC 9162 §2.1.3.2)

function leafHash(envelope) {
  return sha256(concat(Uint8Array.of(0), envelope));
}

function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

function bitLength(n) {
  return n === 0n ? 0 : n.toString(2).length;
}

function popcount(n) {
  return [...n.toString(2)].filter((b) => b === '1').length;
}

// The root an inclusion proof leads to, with the explicit length checks of FORMAT §8.
// index and size are BigInt (up to 2^64 − 1).
function rootFromInclusion(index, size, leaf, proof) {
  if (index >= size) throw new Error(`index ${index} is not below the tree size ${size}`);
  if (leaf.length !== 32 || proof.some((p) => p.length !== 32)) throw new Error('every hash must be 32 bytes');
  const last = size - 1n;
  const inner = bitLength(index ^ last);
  const expected = inner + popcount(index >> BigInt(inner));
  if (proof.length !== expected) {
    throw new Error(`the proof has ${proof.length} hashes; index ${index} in a tree of ${size} needs ${expected}`);
  }
  let fn = index;
  let sn = last;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new Error('the proof is too long');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new Error('the proof is too short');
  return r;
}

// ---------------------------------------------------------------------------------------------
// Field checks shared by envelopes and payloads (FORMAT §1, §4.1, §5, §6)

function isDate(s) {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return d <= days;
}

function isTimestamp(s) {
  const m = /^(.{10})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z$/.exec(s);
  return !!m && isDate(m[1]) && Number(m[2]) < 24 && Number(m[3]) < 60 && Number(m[4]) < 60;
}

function isUrl(s) {
  const rest = s.startsWith('https://') ? s.slice(8) : s.startsWith('http://') ? s.slice(7) : null;
  return rest !== null && rest !== '' && !WHITE_SPACE.test(rest) && !CONTROL.test(rest);
}

// A typed view of one JSON object with an exact member set, mirroring the Rust types
// (serde with deny_unknown_fields). `null` counts as absent for optional members (FORMAT §5.1).
function members(v, what, required, optional = []) {
  if (!isObject(v)) throw new Error(`${what} must be a JSON object`);
  for (const k of v.keys()) {
    if (!required.includes(k) && !optional.includes(k)) throw new Error(`${what}: unknown member "${k}"`);
  }
  for (const k of required) {
    if (!v.has(k)) throw new Error(`${what}: missing member "${k}"`);
  }
  return v;
}

function str(obj, key, what) {
  const v = obj.get(key);
  if (typeof v !== 'string') throw new Error(`${what}.${key} must be a string`);
  return v;
}

function optStr(obj, key, what) {
  const v = obj.get(key);
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new Error(`${what}.${key} must be a string`);
  return v;
}

function arr(obj, key, what) {
  const v = obj.get(key);
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${what}.${key} must be an array`);
  return v;
}

function oneOf(obj, key, what, allowed) {
  const v = str(obj, key, what);
  if (!allowed.includes(v)) throw new Error(`${what}.${key} must be one of ${allowed.join(', ')}`);
  return v;
}

function nonBlank(obj, key, what) {
  const v = str(obj, key, what);
  if (isBlank(v)) throw new Error(`${what}.${key} must not be empty`);
  return v;
}

function optDate(obj, key, what) {
  const v = optStr(obj, key, what);
  if (v !== null && !isDate(v)) throw new Error(`${what}.${key} ${JSON.stringify(v)} is not a date YYYY-MM-DD`);
}

function optUrl(obj, key, what) {
  const v = optStr(obj, key, what);
  if (v !== null && !isUrl(v)) throw new Error(`${what}.${key} ${JSON.stringify(v)} is not an http(s) URL`);
}

function checkParty(v, what) {
  const p = members(v, what, ['name', 'type'], ['same_as']);
  nonBlank(p, 'name', what);
  oneOf(p, 'type', what, ['person', 'organization', 'group', 'unnamed']);
  optUrl(p, 'same_as', what);
}

function checkSource(v, what) {
  const s = members(v, what, ['url'], ['title', 'publisher', 'published', 'quote', 'archive_url', 'sha256']);
  if (!isUrl(str(s, 'url', what))) throw new Error(`${what}.url is not an http(s) URL`);
  optStr(s, 'title', what);
  optStr(s, 'publisher', what);
  optStr(s, 'quote', what);
  optDate(s, 'published', what);
  optUrl(s, 'archive_url', what);
  const h = optStr(s, 'sha256', what);
  if (h !== null && fromHex(h, 32) === null) throw new Error(`${what}.sha256 must be 64 lowercase hex digits`);
}

// FORMAT §6 value grammar; "-0" is refused so that each number has one spelling.
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/;

function decimalCompare(a, b) {
  const parse = (s) => {
    const neg = s.startsWith('-');
    const [int, frac = ''] = (neg ? s.slice(1) : s).split('.');
    return { neg, int, frac };
  };
  const x = parse(a);
  const y = parse(b);
  const sign = (d) => (d.int === '0' && d.frac === '' ? 0 : d.neg ? -1 : 1);
  if (sign(x) !== sign(y)) return Math.sign(sign(x) - sign(y));
  let mag = x.int.length - y.int.length || (x.int < y.int ? -1 : x.int > y.int ? 1 : 0);
  if (mag === 0) {
    const n = Math.max(x.frac.length, y.frac.length);
    const fx = x.frac.padEnd(n, '0');
    const fy = y.frac.padEnd(n, '0');
    mag = fx < fy ? -1 : fx > fy ? 1 : 0;
  }
  return sign(x) < 0 ? -Math.sign(mag) : Math.sign(mag);
}

function checkFigure(v, what) {
  const f = members(v, what, ['subject', 'property', 'value', 'precision', 'unit', 'as_stated'], ['scope', 'lower', 'upper']);
  nonBlank(f, 'subject', what);
  nonBlank(f, 'property', what);
  nonBlank(f, 'as_stated', what);
  const scope = optStr(f, 'scope', what);
  if (scope !== null && isBlank(scope)) throw new Error(`${what}.scope must not be empty when present`);
  const value = str(f, 'value', what);
  const precision = oneOf(f, 'precision', what, ['exact', 'about', 'at_least', 'at_most', 'range']);
  const lower = optStr(f, 'lower', what);
  const upper = optStr(f, 'upper', what);
  const unit = str(f, 'unit', what);
  const decimal = (name, s) => {
    if (!DECIMAL.test(s) || s === '-0') throw new Error(`${what}.${name} ${JSON.stringify(s)} is not a normalized decimal`);
  };
  decimal('value', value);
  if (precision === 'range') {
    if (lower === null || upper === null) throw new Error(`${what}: precision "range" needs lower and upper`);
    decimal('lower', lower);
    decimal('upper', upper);
    if (decimalCompare(lower, upper) > 0) throw new Error(`${what}: lower ${lower} is above upper ${upper}`);
    if (value !== lower) throw new Error(`${what}: value must equal lower`);
  } else if (lower !== null || upper !== null) {
    throw new Error(`${what}: lower and upper go only with precision "range"`);
  }
  const thing = unit.startsWith('count:') ? unit.slice(6) : unit.startsWith('unit:') ? unit.slice(5) : null;
  const unitOk =
    /^[A-Z]{3}$/.test(unit) ||
    unit === 'count' ||
    (thing !== null && thing !== '' && !WHITE_SPACE.test(thing) && !CONTROL.test(thing));
  if (!unitOk) throw new Error(`${what}.unit ${JSON.stringify(unit)} is not a currency code, count, count:<thing> or unit:<code>`);
}

// FORMAT §5.5 rating: a fact-checker's verdict (ClaimReview's reviewRating).
function checkRating(v, what) {
  const r = members(v, what, ['label'], ['value', 'best', 'worst', 'review_url']);
  nonBlank(r, 'label', what);
  const int = (key) => {
    const n = r.get(key);
    if (n === undefined || n === null) return null;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new Error(`${what}.${key} must be an integer`);
    return n;
  };
  const [value, best, worst] = [int('value'), int('best'), int('worst')];
  if (best !== null && worst !== null) {
    if (best === worst) throw new Error(`${what}: best and worst are both ${best}; a scale needs two ends`);
    if (value !== null && (value < Math.min(best, worst) || value > Math.max(best, worst))) {
      throw new Error(`${what}.value ${value} is outside the scale from worst ${worst} to best ${best}`);
    }
  }
  optUrl(r, 'review_url', what);
}

function checkList(list, what, check) {
  list.forEach((item, i) => check(item, `${what}[${i}]`));
}

// FORMAT §5.4–5.6: the payload must be valid for the envelope's kind.
function checkPayload(kind, v) {
  if (kind === 'claim') {
    const c = members(v, 'claim', ['text', 'claimant'], ['claimed_on', 'sources', 'subjects', 'figures']);
    nonBlank(c, 'text', 'claim');
    checkParty(c.get('claimant'), 'claimant');
    optDate(c, 'claimed_on', 'claim');
    checkList(arr(c, 'sources', 'claim'), 'sources', checkSource);
    checkList(arr(c, 'subjects', 'claim'), 'subjects', (s, what) => {
      if (typeof s !== 'string' || isBlank(s)) throw new Error(`${what} must be a non-empty string`);
    });
    checkList(arr(c, 'figures', 'claim'), 'figures', checkFigure);
  } else if (kind === 'statement') {
    const s = members(v, 'statement', ['stance', 'text', 'speaker'], ['stated_on', 'sources', 'figures', 'rating']);
    oneOf(s, 'stance', 'statement', ['supports', 'contests', 'corrects', 'retracts', 'qualifies']);
    nonBlank(s, 'text', 'statement');
    checkParty(s.get('speaker'), 'speaker');
    optDate(s, 'stated_on', 'statement');
    checkList(arr(s, 'sources', 'statement'), 'sources', checkSource);
    checkList(arr(s, 'figures', 'statement'), 'figures', checkFigure);
    if (s.get('rating') !== undefined && s.get('rating') !== null) checkRating(s.get('rating'), 'rating');
  } else if (kind === 'redaction') {
    // FORMAT §5.7
    const r = members(v, 'redaction', ['category', 'reason']);
    oneOf(r, 'category', 'redaction', ['court_order', 'privacy', 'source_protection', 'defamation', 'other']);
    nonBlank(r, 'reason', 'redaction');
  } else {
    const k = members(v, 'key', ['action', 'vkey', 'name', 'role'], ['reason']);
    const action = oneOf(k, 'action', 'key', ['grant', 'revoke']);
    const vkey = str(k, 'vkey', 'key');
    try {
      parseVkey(vkey);
    } catch (e) {
      throw new Error(`key.vkey: ${e.message}`);
    }
    nonBlank(k, 'name', 'key');
    nonBlank(k, 'role', 'key');
    const reason = optStr(k, 'reason', 'key');
    if (action === 'revoke' && (reason === null || reason === '')) throw new Error('key: a revocation needs a reason');
  }
}

// FORMAT §4.1: the envelope's members, once its bytes are known to be canonical.
function checkEnvelope(v) {
  const e = members(v, 'envelope', ['format', 'generator', 'kind', 'payload_sha256', 'recorded_at', 'signature', 'signer', 'target']);
  const signature = fromBase64(str(e, 'signature', 'envelope'));
  if (signature === null || signature.length !== 64) throw new Error('envelope.signature is not canonical base64 of 64 bytes');
  const format = str(e, 'format', 'envelope');
  if (format !== ENVELOPE_FORMAT) throw new Error(`envelope format ${JSON.stringify(format)} is not ${ENVELOPE_FORMAT}`);
  const kind = oneOf(e, 'kind', 'envelope', ['claim', 'statement', 'key', 'redaction']);
  if (!isTimestamp(str(e, 'recorded_at', 'envelope'))) throw new Error('envelope.recorded_at must be YYYY-MM-DDTHH:MM:SSZ');
  let signer;
  try {
    signer = parseVkey(str(e, 'signer', 'envelope'));
  } catch (err) {
    throw new Error(`envelope.signer: ${err.message}`);
  }
  const payloadSha256 = fromHex(str(e, 'payload_sha256', 'envelope'), 32);
  if (payloadSha256 === null) throw new Error('envelope.payload_sha256 must be 64 lowercase hex digits');
  const target = e.get('target');
  if (target !== null) {
    const t = members(target, 'envelope.target', ['index', 'leaf_hash']);
    const index = t.get('index');
    if (typeof index !== 'number' || index < 0) throw new Error('envelope.target.index must be a non-negative integer');
    if (fromHex(str(t, 'leaf_hash', 'envelope.target'), 32) === null) throw new Error('envelope.target.leaf_hash must be 64 lowercase hex digits');
  }
  const targeted = kind === 'statement' || kind === 'redaction';
  if (targeted && target === null) throw new Error(`a ${kind} needs a target`);
  if (!targeted && target !== null) throw new Error(`a ${kind} has no target (null)`);
  const generator = utf8(str(e, 'generator', 'envelope'));
  if (generator.length < 1 || generator.length > 128) throw new Error('envelope.generator must be 1 to 128 bytes');
  // FORMAT §4.2: the signed message is the canonical envelope without its signature member.
  const unsigned = new Map([...e].filter(([k]) => k !== 'signature'));
  const message = concat(SIGNATURE_CONTEXT, canonicalJson(unsigned));
  const signerText = str(e, 'signer', 'envelope');
  return { kind, signer, signerText, payloadSha256, signature, message, target };
}

// ---------------------------------------------------------------------------------------------
// The receipt (FORMAT §10.3)

/**
 * Verify a receipt against a pinned log key. Returns {ok, checks, index, size, leafHash};
 * `checks` lists each step in order and stops at the first failure. Never throws.
 *
 * `receiptText` is the receipt as served (a string). Raw bytes (Uint8Array or ArrayBuffer) are
 * also accepted and are then decoded as strict UTF-8, as the Rust verifier reads files; with a
 * string, a decoder (fetch().text()) may already have replaced invalid UTF-8 or dropped a BOM.
 *
 * `options.witnesses` (witness cosignature vkeys, type 0x04, pinned by the reader) and
 * `options.quorum` (default: all of them) add a last step: at least `quorum` distinct pinned
 * witnesses must have cosigned the checkpoint (`verify-receipt --witness … --quorum K`).
 * `result.witnesses` then lists each pinned witness with `ok` (✓/✗) and a detail.
 */
export async function verifyReceipt(receiptText, logVkey, options = {}) {
  return verifyReceiptIn(receiptText, logVkey, true, options);
}

// `mayWithhold`: false for the redaction receipt nested in `withheld`, which must carry its
// own payload (and is judged against no witnesses: it shares the outer receipt's checkpoint).
async function verifyReceiptIn(receiptText, logVkey, mayWithhold, options = {}) {
  const checks = [];
  const result = { ok: false, checks, index: null, size: null, leafHash: null, withheld: null, entry: null, witnesses: null };
  // Run one step; a thrown error becomes a failed check with its message as the detail.
  const step = (id, label, fn) => {
    try {
      const detail = fn();
      checks.push({ id, label, ok: true, detail });
      return true;
    } catch (e) {
      checks.push({ id, label, ok: false, detail: e instanceof Error ? e.message : String(e) });
      return false;
    }
  };
  let text;
  let key;
  let receipt;
  let tlog;
  let checkpoint;
  let envelopeBytes;
  let envelope;

  const sizeOk = step('size', 'Receipt size', () => {
    let bytes;
    if (typeof receiptText === 'string') {
      if (!isWellFormed(receiptText)) throw new Error('the receipt text is not valid Unicode (lone surrogate)');
      bytes = utf8(receiptText);
      text = receiptText;
    } else if (receiptText instanceof Uint8Array || receiptText instanceof ArrayBuffer) {
      bytes = new Uint8Array(receiptText);
      text = decodeUtf8(bytes);
    } else {
      throw new Error('no receipt given');
    }
    if (bytes.length > MAX_RECEIPT_BYTES) {
      throw new Error(`${bytes.length} bytes; receipts are at most ${MAX_RECEIPT_BYTES} bytes (1 MiB)`);
    }
    return `${bytes.length} bytes (limit ${MAX_RECEIPT_BYTES})`;
  });
  if (!sizeOk) return result;

  const jsonOk = step('json', 'Receipt JSON', () => {
    if (text === null) throw new Error('the receipt is not valid UTF-8');
    const v = parseJson(text);
    // FORMAT §10.1: `payload`, or (for a withheld payload) `withheld`, never both.
    members(v, 'receipt', ['format', 'envelope_base64', 'tlog_proof'], ['payload', 'withheld']);
    if (v.has('payload') === v.has('withheld') || (v.has('withheld') && !mayWithhold)) {
      throw new Error(mayWithhold ? 'a receipt has exactly one of payload and withheld' : 'the redaction in withheld needs its payload and no withheld');
    }
    const format = str(v, 'format', 'receipt');
    str(v, 'envelope_base64', 'receipt');
    str(v, 'tlog_proof', 'receipt');
    if (format !== RECEIPT_FORMAT) throw new Error(`format ${JSON.stringify(format)} is not ${RECEIPT_FORMAT}`);
    receipt = v;
    return `a ${RECEIPT_FORMAT} object with envelope_base64, payload and tlog_proof`;
  });
  if (!jsonOk) return result;

  const proofOk = step('proof_text', 'Proof text (c2sp.org/tlog-proof)', () => {
    tlog = parseTlogProof(receipt.get('tlog_proof'));
    result.index = Number(tlog.index);
    return `entry index ${tlog.index}, ${tlog.proof.length} proof hash${tlog.proof.length === 1 ? '' : 'es'}`;
  });
  if (!proofOk) return result;

  let note;
  const noteOk = step('note', 'Checkpoint signed by the pinned log key', () => {
    try {
      key = parseVkey(logVkey);
    } catch (e) {
      throw new Error(`the pinned log key is not usable: ${e.message}`);
    }
    try {
      note = parseNote(tlog.checkpoint);
    } catch (e) {
      throw new Error(`malformed signed note: ${e.message}`);
    }
    verifyNote(note, key);
    const others = note.signatures.filter((s) => s.name !== key.name || !bytesEqual(s.keyId, key.keyId)).length;
    return `signed by ${key.name}+${toHex(key.keyId)}` + (others ? ` (${others} other signature line${others === 1 ? '' : 's'} ignored)` : '');
  });
  if (!noteOk) return result;

  const checkpointOk = step('checkpoint', 'Checkpoint: origin, size and root', () => {
    checkpoint = parseCheckpointBody(note.text);
    if (checkpoint.origin !== key.name) {
      throw new Error(`the origin ${JSON.stringify(checkpoint.origin)} is not the log key's name ${JSON.stringify(key.name)}`);
    }
    result.size = Number(checkpoint.size);
    return `${checkpoint.origin}, tree size ${checkpoint.size}, root ${toHex(checkpoint.root)}`;
  });
  if (!checkpointOk) return result;

  const envelopeOk = step('envelope', 'Entry envelope (canonical JSON, fields)', () => {
    envelopeBytes = fromBase64(receipt.get('envelope_base64'));
    if (envelopeBytes === null) throw new Error('envelope_base64 is not canonical base64');
    if (envelopeBytes.length > MAX_ENVELOPE_BYTES) throw new Error(`the envelope is ${envelopeBytes.length} bytes; the limit is ${MAX_ENVELOPE_BYTES}`);
    let v;
    try {
      v = parseCanonical(envelopeBytes);
    } catch (e) {
      throw new Error(`envelope: ${e.message}`);
    }
    envelope = checkEnvelope(v);
    result.leafHash = toHex(leafHash(envelopeBytes));
    return `a ${envelope.kind} signed by ${envelope.signer.name}+${toHex(envelope.signer.keyId)}, recorded at ${v.get('recorded_at')}`;
  });
  if (!envelopeOk) return result;

  result.entry = { kind: envelope.kind, signer: envelope.signerText, target: envelope.target };
  if (receipt.has('withheld')) return verifyWithheld(result, step, receipt, tlog, checkpoint, envelope, envelopeBytes, logVkey, note, options);

  const payloadOk = step('payload', 'Payload (canonical form, size, hash, fields)', () => {
    const bytes = canonicalJson(receipt.get('payload'));
    if (bytes.length > MAX_PAYLOAD_BYTES) throw new Error(`the payload is ${bytes.length} bytes in canonical form; the limit is ${MAX_PAYLOAD_BYTES}`);
    checkPayload(envelope.kind, receipt.get('payload'));
    const actual = sha256(bytes);
    if (!bytesEqual(actual, envelope.payloadSha256)) {
      throw new Error(`SHA-256 of the payload is ${toHex(actual)}, the envelope says ${toHex(envelope.payloadSha256)}`);
    }
    return `${bytes.length} bytes, SHA-256 ${toHex(actual)} as the envelope says`;
  });
  if (!payloadOk) return result;

  result.payload = receipt.get('payload');
  result.ok = signatureAndInclusion(result, step, tlog, checkpoint, envelope, envelopeBytes);
  if (result.ok) result.ok = witnessesStep(result, step, note, options);
  return result;
}

// Steps 8 and 9 (FORMAT §10.3): the author's signature, then inclusion in the checkpoint.
function signatureAndInclusion(result, step, tlog, checkpoint, envelope, envelopeBytes) {
  const signatureOk = step('signature', "Author's Ed25519 signature", () => {
    if (!ed25519VerifyStrict(envelope.signer.publicKey, envelope.message, envelope.signature)) {
      throw new Error(`the signature by ${envelope.signer.name}+${toHex(envelope.signer.keyId)} does not verify: the entry was altered or signed with another key`);
    }
    return `valid signature by ${envelope.signer.name}+${toHex(envelope.signer.keyId)} (strict Ed25519)`;
  });
  if (!signatureOk) return false;

  return step('inclusion', 'Included in the checkpoint (RFC 6962 Merkle proof)', () => {
    const root = rootFromInclusion(tlog.index, checkpoint.size, leafHash(envelopeBytes), tlog.proof);
    if (!bytesEqual(root, checkpoint.root)) {
      throw new Error(`the proof leads to root ${toHex(root)}, not the checkpoint's ${toHex(checkpoint.root)}`);
    }
    return `leaf ${result.leafHash} is entry ${tlog.index} of the tree of size ${checkpoint.size}`;
  });
}

// The last step, only with `options.witnesses`: at least `options.quorum` (default: all) of the
// pinned witnesses cosigned the checkpoint note (FORMAT §15, `verify-receipt --witness … --quorum K`).
function witnessesStep(result, step, note, options) {
  const pinned = options?.witnesses;
  if (pinned === undefined || pinned === null) return true;
  return step('witnesses', 'Cosigned by the pinned witnesses (k of n)', () => {
    const policy = parseWitnessPolicy(pinned, options.quorum);
    result.witnesses = policy.keys.map((w) => {
      const st = witnessStatus(note, w);
      const ok = st.state === 'verified';
      const detail = ok ? `cosigned at ${st.time}` : st.state === 'missing' ? 'no cosignature' : st.detail;
      return { name: w.name, vkey: w.text, ok, detail };
    });
    const verified = result.witnesses.filter((w) => w.ok).length;
    const each = result.witnesses.map((w) => `${w.ok ? '✓' : '✗'} ${w.name} (${w.detail})`).join('; ');
    const summary = `${verified} verified, ${policy.quorum} of ${policy.keys.length} required`;
    if (verified < policy.quorum) throw new Error(`witness policy not met: ${summary}: ${each}`);
    return `${summary}: ${each}`;
  });
}

// FORMAT §10.3 for a withheld payload: instead of step 7, the nested receipt of the redaction
// must verify with the same pinned key, be a redaction signed by that key, and name this
// entry's index and leaf hash; then steps 8 and 9 as for any receipt.
async function verifyWithheld(result, step, receipt, tlog, checkpoint, envelope, envelopeBytes, logVkey, note, options) {
  const nested = await verifyReceiptIn(decodeUtf8(canonicalJson(receipt.get('withheld'))), logVkey, false);
  const withheldOk = step('withheld', 'Payload withheld by a redaction signed by the log key', () => {
    const failed = nested.checks.find((c) => !c.ok);
    if (!nested.ok) throw new Error(`the redaction's receipt does not verify: ${failed ? `${failed.label}: ${failed.detail}` : 'unknown'}`);
    if (nested.entry.kind !== 'redaction') throw new Error(`the withholding entry is a ${nested.entry.kind}, not a redaction`);
    if (nested.entry.signer !== logVkey.trim()) throw new Error('the redaction is not signed by the log key');
    const t = nested.entry.target;
    if (t.get('index') !== Number(tlog.index) || t.get('leaf_hash') !== result.leafHash) {
      throw new Error(`the redaction names another entry than index ${tlog.index} with this envelope`);
    }
    if (!(envelope.kind === 'claim' || envelope.kind === 'statement')) throw new Error(`a ${envelope.kind}'s payload is never withheld`);
    const category = nested.payload.get('category');
    result.withheld = { redaction: nested.index, category, text: `withheld by redaction #${nested.index} (${category})` };
    return result.withheld.text;
  });
  if (!withheldOk) return result;
  result.ok = signatureAndInclusion(result, step, tlog, checkpoint, envelope, envelopeBytes);
  if (result.ok) result.ok = witnessesStep(result, step, note, options);
  return result;
}

// Building blocks, exported for tests (tests/web/verify.test.mjs); not part of the page's API.
export const internals = {
  witnessStatus,
  parseWitnessPolicy,
  parseJson,
  parseCanonical,
  canonicalJson,
  fromBase64,
  toBase64,
  parseNote,
  verifyNote,
  parseCheckpointBody,
  parseTlogProof,
  rootFromInclusion,
  leafHash,
  checkEnvelope,
  checkPayload,
  toHex,
  fromHex,
};
