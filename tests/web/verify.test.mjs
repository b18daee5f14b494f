// Tests of web/verify.js with Node's built-in runner: `node --test tests/web/`.
//
// Vectors: CCTV Ed25519 edge cases, transparency-dev Merkle inclusion probes and C2SP/Go
// signed-note vectors from $CLAIMLEDGER_VECTORS (default ../shared/vectors from the repository
// root). If that folder is missing the vector tests are skipped with a notice, unless CI=true.
// The agreement with the Rust verifier on many tampered receipts is tested by
// tests/it/browser_verifier.rs through tests/web/verify-cases.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyReceipt, parseVkey, ed25519VerifyStrict, internals } from '../../web/verify.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = path.join(repo, 'tests', 'web', 'fixtures');

function vectorsDir(sub) {
  const base = process.env.CLAIMLEDGER_VECTORS
    ? path.resolve(repo, process.env.CLAIMLEDGER_VECTORS)
    : path.resolve(repo, '..', 'shared', 'vectors');
  const dir = path.join(base, sub);
  if (fs.existsSync(dir)) return dir;
  if (process.env.CI === 'true') throw new Error(`known-answer vectors missing at ${dir} (CI=true requires them)`);
  console.log(`notice: skipping vector test: ${dir} not found`);
  return null;
}

const hex = (s) => Uint8Array.from(Buffer.from(s, 'hex'));
const utf8 = (s) => new TextEncoder().encode(s);
const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));

test('CCTV Ed25519 vectors: verify_strict accepts exactly the expected 43', (t) => {
  const dir = vectorsDir('ed25519');
  if (!dir) return t.skip('vectors not found');
  const vectors = readJson(path.join(dir, 'ed25519vectors.json'));
  const want = readJson(path.join(dir, 'verify_strict-expected.json')).verify_strict.accept_numbers;
  assert.equal(vectors.length, 914);
  assert.equal(want.length, 43);
  const accepted = vectors
    .filter((v) => ed25519VerifyStrict(hex(v.key), utf8(v.msg), hex(v.sig)))
    .map((v) => v.number);
  assert.deepEqual(accepted.sort((a, b) => a - b), [...want].sort((a, b) => a - b));
});

test('Ed25519: S >= L, wrong lengths and non-bytes are rejected, never thrown', () => {
  const v = readJson(path.join(repo, 'tests', 'vectors', 'entry-0.json'));
  const pub = parseVkey(v.vkey).publicKey;
  const msg = hex(v.signed_message_hex);
  const sig = Uint8Array.from(Buffer.from(v.signature_base64, 'base64'));
  assert.equal(ed25519VerifyStrict(pub, msg, sig), true);
  // S + L is the same scalar mod L: cofactored or lax verifiers accept it, verify_strict must not.
  const L = (1n << 252n) + 27742317777372353535851937790883648493n;
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]);
  s += L;
  const malleated = sig.slice();
  for (let i = 32; i < 64; i++) {
    malleated[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  assert.equal(ed25519VerifyStrict(pub, msg, malleated), false);
  assert.equal(ed25519VerifyStrict(pub, msg, sig.slice(0, 63)), false);
  assert.equal(ed25519VerifyStrict(pub.slice(0, 31), msg, sig), false);
  assert.equal(ed25519VerifyStrict('x', msg, sig), false);
  const flipped = msg.slice();
  flipped[40] ^= 1;
  assert.equal(ed25519VerifyStrict(pub, flipped, sig), false);
});

test('Merkle inclusion vectors (transparency-dev)', (t) => {
  const dir = vectorsDir('merkle/inclusion');
  if (!dir) return t.skip('vectors not found');
  const b64 = (s) => Uint8Array.from(Buffer.from(s, 'base64'));
  let checked = 0;
  const files = fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    {
      const v = readJson(path.join(dir, file));
      let ok;
      try {
        const root = internals.rootFromInclusion(BigInt(v.leafIdx), BigInt(v.treeSize), b64(v.leafHash), (v.proof ?? []).map(b64));
        ok = b64(v.root).length === 32 && Buffer.compare(Buffer.from(root), Buffer.from(b64(v.root))) === 0;
      } catch {
        ok = false;
      }
      assert.equal(!ok, v.wantErr, `${file}: ${v.desc}`);
      checked++;
    }
  }
  assert.equal(checked, 98);
});

test('signed-note vectors (C2SP, Go sumdb/note): one trusted key at a time', (t) => {
  const dir = vectorsDir('note');
  if (!dir) return t.skip('vectors not found');
  const v = readJson(path.join(dir, 'note-vectors.json'));
  for (const k of v.keys) assert.equal(internals.toHex(parseVkey(k.vkey).keyId), k.key_id, k.name);
  let checked = 0;
  for (const n of v.notes_valid) {
    const note = internals.parseNote(n.note);
    assert.equal(note.text, n.text, n.desc);
    for (const vk of n.verifiers) {
      const key = parseVkey(vk);
      const verifies = (() => {
        try {
          internals.verifyNote(note, key);
          return true;
        } catch {
          return false;
        }
      })();
      assert.equal(verifies, n.verified_by.includes(key.name), `${n.desc}: ${key.name}`);
      checked++;
    }
  }
  for (const n of v.notes_invalid.filter((n) => n.verifiers.length === 1)) {
    assert.throws(() => internals.verifyNote(internals.parseNote(n.note), parseVkey(n.verifiers[0])), n.desc);
    checked++;
  }
  assert.ok(checked > 5);
  for (const group of [v.vkeys_invalid].flat()) {
    const bad = [...(group.extra ?? [])];
    if (group.base) {
      for (let i = 0; i < group.base.length; i++) {
        for (let j = i + 1; j <= group.base.length; j++) {
          if (i !== 0 || j !== group.base.length) bad.push(group.base.slice(i, j));
        }
        const bytes = Buffer.from(group.base);
        bytes[i] = (bytes[i] + 1) & 0xff;
        bad.push(bytes.toString('latin1'));
      }
    }
    for (const b of [...bad, ...(group.vkeys ?? [])]) assert.throws(() => parseVkey(b), JSON.stringify(b));
  }
});

for (const file of ['entry-0.json', 'entry-1.json']) {
  test(`known-answer vector ${file}: canonical payload, signed message, signature, leaf hash`, () => {
    const text = fs.readFileSync(path.join(repo, 'tests', 'vectors', file), 'utf8');
    const v = internals.parseJson(text);
    const get = (k) => v.get(k);
    const payload = internals.canonicalJson(get('payload'));
    assert.equal(internals.toHex(payload), get('payload_canonical_hex'));
    internals.checkPayload(get('kind'), get('payload'));
    const envelopeBytes = hex(get('envelope_hex'));
    assert.equal(new TextDecoder().decode(envelopeBytes), get('envelope_text'));
    const env = internals.checkEnvelope(internals.parseCanonical(envelopeBytes));
    assert.equal(internals.toHex(env.message), get('signed_message_hex'));
    assert.equal(internals.toHex(env.payloadSha256), get('payload_sha256'));
    assert.equal(internals.toBase64(env.signature), get('signature_base64'));
    assert.equal(internals.toHex(internals.leafHash(envelopeBytes)), get('leaf_hash'));
    assert.equal(env.signer.name, get('key_name'));
    assert.ok(ed25519VerifyStrict(env.signer.publicKey, env.message, env.signature));
  });
}

test('canonical JSON: the accepted subset and RFC 8785 output', () => {
  const { parseJson, parseCanonical, canonicalJson } = internals;
  const canon = (s) => new TextDecoder().decode(canonicalJson(parseJson(s)));
  assert.equal(canon('{ "b": 1, "a": [true, null, "x"] }'), '{"a":[true,null,"x"],"b":1}');
  // U+10000 (surrogates D800 DC00) sorts before U+FFFD in UTF-16 order, after it in UTF-8.
  assert.equal(canon('{"\uFFFD":1,"\u{10000}":2}'), '{"\u{10000}":2,"\uFFFD":1}');
  assert.equal(canon('"q\\"b\\\\\\b\\t\\n\\f\\r\\u0001\\u001f\u007f\u00e9\u2028\\/"'), '"q\\"b\\\\\\b\\t\\n\\f\\r\\u0001\\u001f\u007f\u00e9\u2028/"');
  assert.equal(canon('9007199254740991'), '9007199254740991');
  assert.equal(canon('-9007199254740991'), '-9007199254740991');
  assert.equal(canon('{"__proto__":1}'), '{"__proto__":1}');
  const deep = (n) => '['.repeat(n) + ']'.repeat(n);
  assert.doesNotThrow(() => parseJson(deep(64)));
  for (const bad of ['1.5', '1e3', '1.0', '-0', '01', '9007199254740992', '-9007199254740992', '{"a":1,"a":2}', deep(65), '"\\ud800"', '"\\udc00"', '"\\ud800\\u0041"', '{} x', '', '\uFEFF{}', '"a\tb"', "'a'", '[1,]', '{"a":1,}', 'nul', '"\\x"']) {
    assert.throws(() => parseJson(bad), JSON.stringify(bad));
  }
  assert.doesNotThrow(() => parseCanonical(utf8('{"a":1}')));
  assert.throws(() => parseCanonical(utf8('{"a": 1}')));
  assert.throws(() => parseCanonical(utf8('"\\u0041"')));
  assert.throws(() => parseCanonical(Uint8Array.of(0x22, 0xff, 0x22)));
});

test('base64 is canonical only', () => {
  const { fromBase64 } = internals;
  assert.deepEqual([...fromBase64('AQ==')], [1]);
  for (const bad of ['AR==', 'AQ', 'AQ=', 'AQ===', 'A Q==', 'AQ==\n', '-_8=', '====']) assert.equal(fromBase64(bad), null, bad);
});

const demoReceipt = () => fs.readFileSync(path.join(fixtures, 'demo-claim-4.receipt.json'), 'utf8');
const demoKey = () => fs.readFileSync(path.join(fixtures, 'demo-claim-4.log-key.txt'), 'utf8');

test('a receipt written by the claimledger CLI verifies, every check in order', async () => {
  const res = await verifyReceipt(demoReceipt(), demoKey());
  assert.equal(res.ok, true, JSON.stringify(res.checks, null, 1));
  assert.deepEqual(res.checks.map((c) => c.id), ['size', 'json', 'proof_text', 'note', 'checkpoint', 'envelope', 'payload', 'signature', 'inclusion']);
  for (const c of res.checks) assert.ok(c.ok && c.label && c.detail, c.id);
  assert.equal(res.index, 4);
  assert.equal(res.size, 10);
  assert.match(res.leafHash, /^[0-9a-f]{64}$/);
  // The same receipt as raw bytes.
  assert.equal((await verifyReceipt(Buffer.from(demoReceipt()), demoKey())).ok, true);
});

test('altered receipts fail at the right check, and nothing throws', async () => {
  const text = demoReceipt();
  const key = demoKey();
  const receipt = JSON.parse(text);
  const edit = (f) => {
    const r = structuredClone(receipt);
    f(r);
    return JSON.stringify(r);
  };
  const otherKey = parseVkey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
  const cases = [
    ['size', 'x'.repeat((1 << 20) + 1), key],
    ['json', '{', key],
    ['json', edit((r) => (r.extra = 1)), key],
    ['json', edit((r) => (r.format = 'claimledger-receipt/v2')), key],
    ['proof_text', edit((r) => (r.tlog_proof = r.tlog_proof.replace('index 4', 'index 04'))), key],
    ['note', text, 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
    ['note', text, 'not a key'],
    ['note', edit((r) => (r.tlog_proof = r.tlog_proof.replace('\n10\n', '\n11\n'))), key],
    ['envelope', edit((r) => (r.envelope_base64 = r.envelope_base64.slice(0, -4))), key],
    ['payload', edit((r) => (r.payload.text += '!')), key],
    ['payload', edit((r) => (r.payload.colour = 'red')), key],
    ['inclusion', edit((r) => (r.tlog_proof = r.tlog_proof.replace('index 4', 'index 5'))), key],
  ];
  for (const [failAt, t, k] of cases) {
    const res = await verifyReceipt(t, k);
    assert.equal(res.ok, false, failAt);
    const last = res.checks.at(-1);
    assert.equal(last.id, failAt, `${failAt}: ${JSON.stringify(res.checks)}`);
    assert.equal(last.ok, false);
    assert.ok(last.detail.length > 0);
  }
  assert.ok(otherKey.name);
  for (const junk of [undefined, null, 42, {}, '', '{}', '[]', 'null']) {
    const res = await verifyReceipt(junk, junk);
    assert.equal(res.ok, false);
  }
});

test('statement rating (FORMAT §5.5): the same rules as the Rust payload parser', () => {
  const { parseJson, checkPayload } = internals;
  const statement = (rating) => parseJson(`{"stance":"contests","text":"No.","speaker":{"name":"X","type":"person"}${rating}}`);
  for (const good of ['', ',"rating":null', ',"rating":{"label":"False"}', ',"rating":{"label":"Faux","value":1,"best":5,"worst":1,"review_url":"https://x.example/fc"}', ',"rating":{"label":"x","value":-2,"best":-5,"worst":0}']) {
    assert.doesNotThrow(() => checkPayload('statement', statement(good)), good);
  }
  for (const bad of [',"rating":["False"]', ',"rating":{"label":"False","value":"1"}', ',"rating":{"label":"False","colour":"red"}', ',"rating":{"value":1}', ',"rating":{"label":" "}', ',"rating":{"label":"x","best":3,"worst":3}', ',"rating":{"label":"x","value":0,"best":5,"worst":1}', ',"rating":{"label":"x","review_url":"javascript:x"}']) {
    assert.throws(() => checkPayload('statement', statement(bad)), bad);
  }
  assert.throws(() => checkPayload('claim', parseJson('{"text":"x","claimant":{"name":"X","type":"person"},"rating":{"label":"False"}}')));
});
