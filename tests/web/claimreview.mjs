#!/usr/bin/env node
// The claim page carries the claim's ClaimReview JSON-LD, checked in headless Chromium
// (playwright-core driving /usr/bin/chromium; tests/it/claimreview.rs runs it):
//
//   node tests/web/claimreview.mjs --url http://127.0.0.1:PORT --claim N --rated M --label LABEL
//                                  --log-key VKEY
//
// Steps: open /claims/N; the <script type="application/ld+json"> in the page parses and equals
// GET /v1/claims/N/claimreview; statement M shows a rating badge with LABEL; the rated
// statement's receipt verifies in the browser (web/verify.js checks the rating's shape).
// Exit 0: passed. 1: an assertion failed. 2: the browser could not start or bad arguments.

import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";

class Failure extends Error {}
function assert(cond, msg) {
  if (!cond) throw new Failure(msg);
}

function parseArgs(argv) {
  const a = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, "");
    if (!["url", "claim", "rated", "label", "log-key"].includes(k) || argv[i + 1] === undefined) {
      console.error(`claimreview e2e: bad argument ${argv[i]}`);
      process.exit(2);
    }
    a[k] = argv[i + 1];
  }
  for (const k of ["url", "claim", "rated", "label", "log-key"]) {
    if (!a[k]) {
      console.error(`claimreview e2e: --${k} is required`);
      process.exit(2);
    }
  }
  return a;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const profile = mkdtempSync(join(tmpdir(), "claimledger-cr-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      timeout: 60_000,
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    console.error(`claimreview e2e: the browser could not start: ${e.message}`);
    return 2;
  }
  const errors = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console error: ${m.text()}`);
    });
    const res = await page.goto(`${args.url}/claims/${args.claim}`);
    assert(res && res.ok(), `GET /claims/${args.claim} answered ${res && res.status()}`);

    const scripts = await page.locator('script[type="application/ld+json"]').allTextContents();
    assert(scripts.length === 1, `expected one JSON-LD script, found ${scripts.length}`);
    const embedded = JSON.parse(scripts[0]);
    const api = await page.evaluate(async (u) => (await fetch(u)).json(), `/v1/claims/${args.claim}/claimreview`);
    assert(Array.isArray(embedded) && embedded.length > 0, "the JSON-LD is not a non-empty array");
    assert(isDeepStrictEqual(embedded, api), "the page's JSON-LD differs from GET /v1/claims/{ref}/claimreview");
    assert(embedded.every((r) => r["@type"] === "ClaimReview" && r.claimReviewed && r.url && r.reviewRating?.alternateName), "a review lacks a required property");
    console.log(`claimreview e2e: the page carries ${embedded.length} ClaimReview, equal to the API's`);

    const item = page.locator(`li.statement[data-index="${args.rated}"]`);
    const badge = item.getByTestId("rating").first();
    await badge.waitFor().catch(() => {
      throw new Failure(`statement #${args.rated} shows no rating badge (data-testid=rating)`);
    });
    const text = (await badge.textContent()) ?? "";
    assert(text.includes(args.label), `the rating badge says ${JSON.stringify(text)}, not ${args.label}`);

    await page.getByTestId("log-key").fill(args["log-key"]);
    await page.locator(`[data-testid="verify-button"][data-index="${args.rated}"]`).click();
    const result = page.locator(`#verify-result-${args.rated}`);
    await result.and(page.locator("[data-ok]")).waitFor();
    const ok = await result.getAttribute("data-ok");
    const summary = (await result.locator(".summary").textContent())?.trim() ?? "";
    assert(ok === "true", `the rated statement's receipt did not verify: ${summary}`);

    assert(errors.length === 0, `the page logged errors:\n  ${errors.join("\n  ")}`);
    console.log("claimreview e2e: passed");
    return 0;
  } catch (e) {
    console.error(`claimreview e2e: FAILED: ${e instanceof Failure ? e.message : e.stack || e}`);
    if (errors.length) console.error(`  page errors:\n  ${errors.join("\n  ")}`);
    return 1;
  } finally {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  console.error("claimreview e2e: FAILED: timed out after 120 s");
  process.exit(1);
}, 120_000);
watchdog.unref();
process.exit(await main());
