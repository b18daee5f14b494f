#!/usr/bin/env node
// End-to-end test of the web page in headless Chromium (playwright-core driving Debian's
// /usr/bin/chromium; no browser download, no outside network).
//
//   node tests/web/e2e.mjs --url http://127.0.0.1:PORT --log-key VKEY [--screenshots DIR]
//                          [--chromium /usr/bin/chromium] [--withheld INDEX]
//   --withheld INDEX: a statement of the DeepSeek claim whose payload a redaction withheld;
//   its page text must say so and its receipt must verify.
//
// Against `claimledger serve` on a `claimledger demo` ledger (tests/it/browser.rs does exactly
// that) or against tests/web/mock_server.py. Steps: search "DeepSeek", open the DeepSeek claim,
// Verify with no key (a plain refusal), the key field's placeholder names this ledger, on a phone
// the key field comes before the Verify button, pin the log key, Verify (every check passes), then
// serve a tampered receipt (payload text, then a proof hash), a link carrying another key (both
// shown, the saved one in use until the reader picks) and a wrong pinned key: each must fail at
// the expected check. Then a statement's page and a missing entry's page say what a reader needs.
//
// Exit 0: passed. 1: an assertion failed (the message says which). 2: the browser could not start
// or the arguments are wrong.

import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createHash, generateKeyPairSync } from "node:crypto";

class Failure extends Error {}
function assert(cond, msg) {
  if (!cond) throw new Failure(msg);
}

function parseArgs(argv) {
  const a = { url: null, logKey: null, screenshots: "target/e2e", chromium: process.env.CHROMIUM || "/usr/bin/chromium" };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === "--url") a.url = v;
    else if (k === "--log-key") a.logKey = v;
    else if (k === "--screenshots") a.screenshots = v;
    else if (k === "--chromium") a.chromium = v;
    else if (k === "--withheld") a.withheld = v;
    else {
      console.error(`e2e: unknown argument ${k}`);
      process.exit(2);
    }
    i++;
  }
  if (!a.url || !a.logKey) {
    console.error("usage: node tests/web/e2e.mjs --url http://127.0.0.1:PORT --log-key VKEY [--screenshots DIR]");
    process.exit(2);
  }
  a.url = a.url.replace(/\/+$/, "");
  return a;
}

/** A valid vkey with the same name as `vkey` but a fresh Ed25519 key (so the key ID differs too). */
function otherVkey(vkey) {
  const name = vkey.split("+")[0];
  const jwk = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
  const pub = Buffer.from(jwk.x, "base64url");
  const id = createHash("sha256")
    .update(Buffer.concat([Buffer.from(name, "utf8"), Buffer.from([0x0a, 0x01]), pub]))
    .digest()
    .subarray(0, 4);
  return `${name}+${id.toString("hex")}+${Buffer.concat([Buffer.from([0x01]), pub]).toString("base64")}`;
}

/** Change one character of the payload's text (the envelope's payload_sha256 no longer matches). */
function tamperPayload(text) {
  const r = JSON.parse(text);
  const t = r.payload.text;
  const i = t.search(/[a-z]/i);
  assert(i >= 0, "tamper: the receipt payload text has no letter to change");
  r.payload.text = t.slice(0, i) + (t[i] === "x" ? "y" : "x") + t.slice(i + 1);
  return JSON.stringify(r, null, 2);
}

/** Change one character of the first inclusion-proof hash (a line after `index N`). */
function tamperProof(text) {
  const r = JSON.parse(text);
  const lines = r.tlog_proof.split("\n");
  const at = lines.findIndex((l) => l.startsWith("index ")) + 1;
  assert(at > 0 && lines[at] && lines[at].length === 44, "tamper: the receipt's proof has no hash line");
  const c = lines[at][0] === "A" ? "B" : "A";
  lines[at] = c + lines[at].slice(1);
  r.tlog_proof = lines.join("\n");
  return JSON.stringify(r, null, 2);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const shots = resolve(args.screenshots);
  mkdirSync(shots, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "claimledger-e2e-"));

  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: args.chromium,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 900 },
      timeout: 60_000,
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    console.error(`e2e: the browser could not start (${args.chromium}): ${e.message}`);
    return 2;
  }

  const errors = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console error: ${m.text()} (${m.location().url})`);
    });
    const step = (s) => console.log(`e2e: ${s}`);

    // 1. the list, the search, the DeepSeek claim
    step(`open ${args.url}/`);
    const res = await page.goto(`${args.url}/`);
    assert(res && res.ok(), `GET / answered ${res && res.status()}`);
    await page.getByTestId("claim-link").first().waitFor({ timeout: 20_000 }).catch(() => {
      throw new Failure("the home page shows no claim link (data-testid=claim-link)");
    });
    step('search "DeepSeek"');
    await page.getByTestId("search").fill("");
    await page.getByTestId("search").pressSequentially("DeepSeek", { delay: 20 });
    await page.waitForFunction(() => new URL(location.href).searchParams.get("q") === "DeepSeek", null, { timeout: 5_000 }).catch(() => {
      throw new Failure("typing in the search box did not update ?q=");
    });
    await page.waitForLoadState("networkidle");
    const deepseek = page.getByTestId("claim-link").filter({ hasText: /\$5\.6|5\.6M|5,6 millions/ });
    await deepseek.first().waitFor().catch(() => {
      throw new Failure('no claim link whose text mentions "$5.6", "5.6M" or "5,6 millions" after searching "DeepSeek"');
    });
    step("open the DeepSeek claim");
    await deepseek.first().click();
    await page.waitForURL(/\/claims\/\d+$/).catch(() => {
      throw new Failure(`the claim link did not lead to /claims/{index} (at ${page.url()})`);
    });
    const index = Number(new URL(page.url()).pathname.split("/").pop());
    const claimVerify = page.locator(`[data-testid="verify-button"][data-index="${index}"]`);
    const claimResult = page.locator(`#verify-result-${index}[data-testid="verify-result"]`);
    await claimVerify.waitFor().catch(() => {
      throw new Failure(`claim page #${index} has no Verify button (data-testid=verify-button data-index=${index})`);
    });
    const history = await page.locator("li.statement").count();
    assert(history > 0, `claim #${index} shows no statements in its history`);
    const origin = args.logKey.split("+")[0];

    let r;
    const verify = async (button, result) => {
      await button.click();
      await result.and(page.locator("[data-ok]")).waitFor({ timeout: 20_000 }).catch(() => {
        throw new Failure("the verify result never got a data-ok attribute");
      });
      const ok = await result.getAttribute("data-ok");
      const checks = await result.getByTestId("check").evaluateAll((els) =>
        els.map((e) => ({ id: e.dataset.checkId, ok: e.dataset.ok, text: e.textContent.trim() })),
      );
      const summary = (await result.locator(".summary").textContent())?.trim() ?? "";
      return { ok, checks, summary };
    };

    // 1b. Verify before any key: a refusal that says what to do, and nothing else (#17: it also
    // printed a stray "null").
    step("verify with no key");
    assert((await page.getByTestId("log-key").inputValue()) === "", "a fresh browser has a key in the field");
    r = await verify(claimVerify, claimResult);
    assert(r.ok === "false", `verification with no key passed: ${r.summary}`);
    assert(/enter the newsroom's log key/.test(r.summary), `unexpected summary: ${r.summary}`);
    const noKeyText = (await claimResult.textContent()).trim();
    assert(noKeyText === r.summary, `the result shows more than its summary: ${JSON.stringify(noKeyText)}`);
    assert(!/\bnull\b|undefined/.test(noKeyText), `the result shows ${JSON.stringify(noKeyText)}`);

    // the placeholder names this ledger, never another origin's key
    step("the key field's placeholder");
    await page.waitForFunction((o) => document.getElementById("log-key")?.placeholder.startsWith(`${o}+`), origin, { timeout: 5_000 }).catch(async () => {
      throw new Failure(`the key field's placeholder is ${JSON.stringify(await page.getByTestId("log-key").getAttribute("placeholder"))}, not this ledger's origin ${origin}`);
    });

    // on a phone (one column) the key field comes before the Verify button; on a wide screen the
    // key panel is beside the claim
    step("phone layout: the key field before the Verify button");
    const below = async () => {
      const key = await page.getByTestId("log-key").boundingBox();
      const button = await claimVerify.boundingBox();
      return { key, button };
    };
    let box = await below();
    assert(box.key.x > box.button.x + box.button.width, `on a wide screen the key panel is not beside the claim: ${JSON.stringify(box)}`);
    await page.setViewportSize({ width: 390, height: 844 });
    box = await below();
    assert(box.key.y + box.key.height <= box.button.y, `on a phone the key field (y=${box.key.y}) is not above the Verify button (y=${box.button.y})`);
    await page.screenshot({ path: join(shots, "claim-phone.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // 2. pin the key and verify: every check passes
    step("pin the log key and verify");
    await page.getByTestId("log-key").fill(args.logKey);
    r = await verify(claimVerify, claimResult);
    assert(r.ok === "true", `verification with the right key failed: ${r.summary}`);
    assert(r.checks.length > 0 && r.checks.every((c) => c.ok === "true"), `a check failed: ${JSON.stringify(r.checks)}`);
    for (const id of ["note", "signature", "inclusion"]) {
      assert(r.checks.some((c) => c.id === id), `no "${id}" check among ${r.checks.map((c) => c.id).join(", ")}`);
    }
    assert(/^Verified: entry #\d+ is in /.test(r.summary), `unexpected summary: ${r.summary}`);
    step(`  ${r.summary}`);
    await page.screenshot({ path: join(shots, "claim-verified.png"), fullPage: true });

    // a statement in the history verifies too
    const stmtIndex = await page.locator("li.statement").first().getAttribute("data-index");
    r = await verify(
      page.locator(`[data-testid="verify-button"][data-index="${stmtIndex}"]`),
      page.locator(`#verify-result-${stmtIndex}`),
    );
    assert(r.ok === "true", `statement #${stmtIndex} did not verify: ${r.summary}`);

    // a statement whose payload a redaction withheld: shown as withheld, and its receipt
    // (which carries the redaction's receipt) verifies
    if (args.withheld) {
      step(`withheld statement #${args.withheld}`);
      const item = page.locator(`li.statement[data-index="${args.withheld}"]`);
      const shown = ((await item.locator(".statement-text").first().textContent()) ?? "").trim();
      assert(/^withheld by redaction #\d+ \([a-z_]+\)$/.test(shown), `statement #${args.withheld} shows ${JSON.stringify(shown)}, not "withheld by redaction #N (category)"`);
      r = await verify(
        page.locator(`[data-testid="verify-button"][data-index="${args.withheld}"]`),
        page.locator(`#verify-result-${args.withheld}`),
      );
      assert(r.ok === "true", `the withheld statement #${args.withheld} did not verify: ${r.summary}`);
      assert(r.checks.some((c) => c.id === "withheld" && c.ok === "true"), `no passing "withheld" check: ${JSON.stringify(r.checks)}`);
      step(`  ${shown}: ${r.summary}`);
      await page.screenshot({ path: join(shots, "claim-withheld.png"), fullPage: true });
    }

    // 3. a tampered receipt: payload text changed → the payload check fails
    step("tampered receipt (payload text)");
    let tamper = tamperPayload;
    await page.route("**/v1/receipts/**", async (route) => {
      const real = await route.fetch();
      route.fulfill({ response: real, body: tamper(await real.text()) });
    });
    r = await verify(claimVerify, claimResult);
    assert(r.ok === "false", `a receipt with edited payload text verified: ${r.summary}`);
    let failed = r.checks.find((c) => c.ok === "false");
    assert(failed && failed.id === "payload", `expected the "payload" check to fail, got ${JSON.stringify(failed ?? r.checks)}`);
    assert(r.summary.startsWith("NOT verified"), `unexpected summary: ${r.summary}`);
    step(`  ${r.summary}`);
    await page.screenshot({ path: join(shots, "claim-tampered.png"), fullPage: true });

    // a proof hash changed → the inclusion check fails
    step("tampered receipt (proof hash)");
    tamper = tamperProof;
    r = await verify(claimVerify, claimResult);
    assert(r.ok === "false", `a receipt with an edited proof hash verified: ${r.summary}`);
    failed = r.checks.find((c) => c.ok === "false");
    assert(failed && failed.id === "inclusion", `expected the "inclusion" check to fail, got ${JSON.stringify(failed ?? r.checks)}`);
    await page.unroute("**/v1/receipts/**");

    // 4. the key is remembered across visits
    step("reload: the pinned key is remembered");
    await page.reload();
    await page.getByTestId("log-key").waitFor();
    assert((await page.getByTestId("log-key").inputValue()) === args.logKey, "the log key was not kept after a reload");

    // 4b. a link carrying another key: both are shown, the saved one stays in use until the reader
    // picks the other (#17: the link's key silently replaced the saved one)
    step("a link with another ?log_key=");
    const linkKey = otherVkey(args.logKey);
    await page.goto(`${args.url}/claims/${index}?log_key=${encodeURIComponent(linkKey)}`);
    const choice = page.getByTestId("key-choice");
    await choice.waitFor().catch(() => {
      throw new Failure("a link with another log key shows no choice between the keys (data-testid=key-choice)");
    });
    const choiceText = await choice.textContent();
    assert(choiceText.includes(args.logKey) && choiceText.includes(linkKey), `the choice does not show both keys: ${choiceText}`);
    assert((await page.getByTestId("log-key").inputValue()) === args.logKey, "the link's key replaced the saved one before the reader chose");
    r = await verify(claimVerify, claimResult);
    assert(r.ok === "true", `with the saved key still in use, verification failed: ${r.summary}`);
    await page.screenshot({ path: join(shots, "claim-key-choice.png"), fullPage: true });
    await page.getByTestId("use-link-key").click();
    assert((await page.getByTestId("log-key").inputValue()) === linkKey, "choosing the link's key did not put it in the field");
    assert((await choice.count()) === 0, "the choice stayed on the page after the reader chose");
    r = await verify(claimVerify, claimResult);
    assert(r.ok === "false", `verification with the link's (wrong) key passed: ${r.summary}`);
    await page.goto(`${args.url}/claims/${index}`);
    assert((await page.getByTestId("log-key").inputValue()) === linkKey, "the chosen key was not saved");
    await page.getByTestId("log-key").fill(args.logKey);

    // 5. a wrong pinned key (same name, other key) fails at the note signature
    step("wrong pinned key");
    await page.getByTestId("log-key").fill(otherVkey(args.logKey));
    r = await verify(claimVerify, claimResult);
    assert(r.ok === "false", `verification with a wrong key passed: ${r.summary}`);
    failed = r.checks.find((c) => c.ok === "false");
    assert(failed && failed.id === "note", `expected the "note" check to fail with a wrong key, got ${JSON.stringify(failed ?? r.checks)}`);
    step(`  ${r.summary}`);
    await page.screenshot({ path: join(shots, "claim-wrong-key.png"), fullPage: true });

    // 6. a statement's page, for the latest statement (nothing can reply to it yet)
    step("a statement's page");
    const stmtIndexes = await page.locator("li.statement").evaluateAll((els) => els.map((e) => Number(e.dataset.index)));
    const latest = Math.max(...stmtIndexes);
    await page.goto(`${args.url}/claims/${latest}`);
    const none = page.getByTestId("no-statements");
    await none.waitFor().catch(() => {
      throw new Failure(`statement #${latest}'s page does not say that nothing replies to it (data-testid=no-statements)`);
    });
    const noneText = await none.textContent();
    assert(/about this statement/.test(noneText) && !/claim/.test(noneText), `statement #${latest}'s page says: ${noneText}`);

    // 7. a missing entry: a reader is told what to do, not to run the CLI
    step("a missing entry's page");
    const before = errors.length;
    await page.goto(`${args.url}/claims/99999`);
    const missing = page.getByTestId("not-found");
    await missing.waitFor().catch(() => {
      throw new Failure("/claims/99999 shows no not-found notice (data-testid=not-found)");
    });
    const missingText = await missing.textContent();
    assert(!/claimledger|\bCLI\b|'[a-z]+ log'/.test(missingText), `the not-found page tells a reader to run a command: ${missingText}`);
    assert(/no entry/.test(missingText) && (await missing.locator('a[href="/"]').count()) === 1, `the not-found page offers no way on: ${missingText}`);
    await page.screenshot({ path: join(shots, "not-found.png"), fullPage: true });
    // The browser logs the API's 404 itself; that one is expected.
    errors.splice(before, errors.length - before, ...errors.slice(before).filter((e) => !/status of 404/.test(e)));

    // the home page, for people looking at the screenshots
    await page.goto(`${args.url}/`);
    await page.getByTestId("claim-link").first().waitFor();
    await page.screenshot({ path: join(shots, "home.png"), fullPage: true });

    assert(errors.length === 0, `the page logged errors:\n  ${errors.join("\n  ")}`);
    console.log(`e2e: passed (screenshots in ${shots})`);
    return 0;
  } catch (e) {
    if (e instanceof Failure) console.error(`e2e: FAILED: ${e.message}`);
    else console.error(`e2e: FAILED: ${e.stack || e}`);
    if (errors.length) console.error(`  page errors:\n  ${errors.join("\n  ")}`);
    return 1;
  } finally {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  console.error("e2e: FAILED: timed out after 180 s");
  process.exit(1);
}, 180_000);
watchdog.unref();
process.exit(await main());
