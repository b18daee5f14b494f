#!/usr/bin/env node
// The static reader pages of a published log (`claimledger publish DEST`, docs/FORMAT.md §18.1)
// in headless Chromium (playwright-core driving Debian's /usr/bin/chromium), served by a plain
// static file server. It reads what the pages show and prints it as one JSON line; the Rust test
// (tests/it/site.rs) knows the ledger and asserts on it.
//
//   node tests/web/site_e2e.mjs --url http://127.0.0.1:PORT --claim INDEX [--list-pages N]
//                               [--screenshots DIR]
//
// Steps: open URL/index.html and wait for the claims list (every page of it, through "More
// claims", at most N pages, default 100); open URL/claims/INDEX.html and wait until every entry's verification has a verdict.
// Output: {"pages": N (list pages read), "list": [{index, text, statements, payload_error}], "claim": {title, text, entries:
// [{index, text, withheld, payload_error, verified, summary, failed}]}, "errors": [...]}.
//
// Exit 0: the JSON was printed. 1: a page never reached the expected state (the message says
// which). 2: the browser could not start or the arguments are wrong.

import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

class Failure extends Error {}

function parseArgs(argv) {
  const a = { url: null, claim: null, listPages: 100, screenshots: "target/e2e-site", chromium: process.env.CHROMIUM || "/usr/bin/chromium" };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === "--url") a.url = v;
    else if (k === "--claim") a.claim = v;
    else if (k === "--screenshots") a.screenshots = v;
    else if (k === "--list-pages") a.listPages = Number(v);
    else if (k === "--chromium") a.chromium = v;
    else {
      console.error(`site_e2e: unknown argument ${k}`);
      process.exit(2);
    }
  }
  if (!a.url || a.claim === null) {
    console.error("usage: node tests/web/site_e2e.mjs --url http://127.0.0.1:PORT --claim INDEX [--screenshots DIR]");
    process.exit(2);
  }
  a.url = a.url.replace(/\/+$/, "");
  return a;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const shots = resolve(args.screenshots);
  mkdirSync(shots, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "claimledger-site-e2e-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: args.chromium,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 900 },
      timeout: 60_000,
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    console.error(`site_e2e: the browser could not start (${args.chromium}): ${e.message}`);
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

    // 1. the list, every page of it
    const res = await page.goto(`${args.url}/index.html`);
    if (!res || !res.ok()) throw new Failure(`GET /index.html answered ${res && res.status()}`);
    await page.locator(".claim-row").first().waitFor().catch(() => {
      throw new Failure("the list shows no claim (.claim-row)");
    });
    let pages = 1;
    for (; pages < args.listPages; pages++) {
      await page.waitForFunction(() => !/Loading/.test(document.querySelector("#main .status")?.textContent ?? ""));
      const more = page.getByTestId("more");
      if (!(await more.isVisible())) break;
      await more.click();
    }
    await page.screenshot({ path: join(shots, "list.png"), fullPage: true });
    const list = await page.$$eval(".claim-row", (rows) =>
      rows.map((r) => ({
        index: Number(r.dataset.index),
        text: r.querySelector('[data-testid="claim-link"]')?.textContent ?? "",
        href: r.querySelector('[data-testid="claim-link"]')?.getAttribute("href") ?? "",
        statements: r.querySelector(".count")?.textContent ?? "",
        payload_error: r.querySelector('[data-testid="payload-error"]')?.textContent ?? null,
      })),
    );

    // 2. the claim page: every entry verified as the page opens
    const cres = await page.goto(`${args.url}/claims/${args.claim}.html`);
    if (!cres || !cres.ok()) throw new Failure(`GET /claims/${args.claim}.html answered ${cres && cres.status()}`);
    await page.locator('[data-testid="verify-result"]').first().waitFor().catch(() => {
      throw new Failure("the claim page shows no verification (data-testid=verify-result)");
    });
    await page
      .waitForFunction(() => {
        const all = [...document.querySelectorAll('[data-testid="verify-result"]')];
        return all.length > 0 && all.every((r) => r.hasAttribute("data-ok"));
      }, null, { timeout: 60_000 })
      .catch(() => {
        throw new Failure("some entry's verification never finished (no data-ok)");
      });
    await page.screenshot({ path: join(shots, `claim-${args.claim}.png`), fullPage: true });
    const claim = await page.evaluate(() => {
      const entryOf = (el, index, textEl) => {
        const r = document.getElementById(`verify-result-${index}`);
        return {
          index,
          text: textEl?.textContent ?? "",
          withheld: !!textEl?.classList.contains("withheld"),
          payload_error: el.querySelector(`[data-testid="payload-error"][data-index="${index}"]`)?.textContent ?? null,
          verified: r?.dataset.ok === "true",
          summary: r?.querySelector(".summary")?.textContent ?? "",
          failed: [...(r?.querySelectorAll('[data-testid="check"][data-ok="false"]') ?? [])].map((c) => c.dataset.checkId),
        };
      };
      const art = document.querySelector("article.claim");
      const index = Number(art?.dataset.index);
      const entries = [entryOf(art, index, art?.querySelector(".claim-text"))];
      for (const li of document.querySelectorAll("li.statement")) {
        entries.push(entryOf(li, Number(li.dataset.index), li.querySelector(":scope > article .statement-text")));
      }
      return { title: document.title, index, text: art?.querySelector(".claim-text")?.textContent ?? "", entries };
    });
    console.log(JSON.stringify({ pages, list, claim, errors }));
    return 0;
  } catch (e) {
    console.error(`site_e2e: FAILED: ${e instanceof Failure ? e.message : e.stack || e}`);
    if (errors.length) console.error(`  page errors:\n  ${errors.join("\n  ")}`);
    return 1;
  } finally {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  console.error("site_e2e: FAILED: timed out after 180 s");
  process.exit(1);
}, 180_000);
watchdog.unref();
process.exit(await main());
