// Agreement harness: does web/verify.js reach the Rust verifier's verdict on each case?
//
//   node tests/web/verify-cases.mjs CASES_DIR
//
// CASES_DIR/cases.json is [{"name", "receipt_file" (relative to CASES_DIR), "log_key", "rust_ok"}],
// and optionally "witnesses" (pinned witness vkeys) with "quorum" for the k-of-n witness step.
// Receipts are read as bytes and passed as bytes, so the JS verifier sees exactly what Rust saw.
// Prints one line per case; exits 0 iff every JS verdict equals rust_ok, 1 if any differs,
// 2 on a harness error (unreadable cases, missing file, a verifier that throws).

import fs from 'node:fs';
import path from 'node:path';
import { verifyReceipt } from '../../web/verify.js';

async function main() {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node tests/web/verify-cases.mjs CASES_DIR');
  const cases = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8'));
  if (!Array.isArray(cases) || cases.length === 0) throw new Error('cases.json must be a non-empty array');
  let disagreements = 0;
  for (const c of cases) {
    if (typeof c.name !== 'string' || typeof c.receipt_file !== 'string' || typeof c.log_key !== 'string' || typeof c.rust_ok !== 'boolean') {
      throw new Error(`malformed case ${JSON.stringify(c)}`);
    }
    const bytes = new Uint8Array(fs.readFileSync(path.join(dir, c.receipt_file)));
    const options = c.witnesses ? { witnesses: c.witnesses, quorum: c.quorum } : {};
    const res = await verifyReceipt(bytes, c.log_key, options);
    const last = res.checks.at(-1);
    const where = res.ok ? 'all checks passed' : `failed at ${last.id}: ${last.detail}`;
    const agree = res.ok === c.rust_ok;
    if (!agree) disagreements++;
    console.log(`${agree ? 'agree   ' : 'DISAGREE'} ${c.name}: rust ${c.rust_ok ? 'ok' : 'rejects'}, js ${res.ok ? 'ok' : 'rejects'} (${where})`);
  }
  console.log(`${cases.length} cases, ${disagreements} disagreement${disagreements === 1 ? '' : 's'}`);
  return disagreements === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`verify-cases: ${err instanceof Error ? err.message : err}`);
    process.exit(2);
  },
);
