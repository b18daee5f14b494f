// claimledger web page: the list of claims, one claim's history, and receipt verification in the
// browser. Plain ES module, no framework, no network beyond this server's /v1 API — or, in static
// mode (a page `claimledger publish` wrote), beyond the published log's own files (site.js).
//
// Safety: every string from the API is put in the page as text (textContent / text nodes, never
// innerHTML), and only http(s) URLs become links.

const KEY_STORAGE = "claimledger.log_key";
const PAGE_SIZE = 20;
const STANCES = ["contests", "supports", "corrects", "retracts", "qualifies"];
const COMPARISON = {
  agrees: "agrees with the claim",
  different_value: "different value",
  different_scope: "different scope",
  different_unit: "different unit",
};

// ---------------------------------------------------------------- small DOM helpers

/** Element builder: h("a", {href, class, dataset: {...}}, child, "text", [more]). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** `el.replaceChildren(...)` that skips absent children (the DOM's own would print "null"). */
function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** The URL if it is an absolute http(s) URL, else null (javascript:, data:, relative… are refused). */
export function safeUrl(u) {
  if (typeof u !== "string") return null;
  try {
    const url = new URL(u);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** A link when the URL is http(s), otherwise the URL as plain text. */
function link(url, text, attrs = {}) {
  const href = safeUrl(url);
  if (!href) return h("span", { class: "unsafe-url" }, text || String(url ?? ""));
  return h("a", { href, rel: "noopener noreferrer nofollow", ...attrs }, text || url);
}

/** `alice@news.example+fef570d8+Aa3n…` → `alice@news.example+fef570d8`, full key in a title. */
function keyBadge(vkey) {
  const s = String(vkey ?? "");
  const parts = s.split("+");
  const short = parts.length >= 3 ? `${parts[0]}+${parts[1]}` : s;
  return h("code", { class: "key", title: s }, short);
}

function entityName(p) {
  if (!p) return "unknown";
  return p.type && p.type !== "unnamed" ? `${p.name} (${p.type})` : p.name;
}

function formatDate(d) {
  if (typeof d !== "string" || !/^\d{4}-\d{2}-\d{2}/.test(d)) return d ?? "";
  const [y, m, day] = d.slice(0, 10).split("-").map(Number);
  const dt = new Date(Date.UTC(y, m - 1, day));
  if (Number.isNaN(dt.getTime())) return d;
  return dt.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

function time(d, text) {
  return d ? h("time", { datetime: d }, text ?? formatDate(d)) : null;
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(message, status = 0) {
    super(message);
    this.status = status;
  }
}

async function api(path) {
  let res;
  try {
    res = await fetch(path, { headers: { Accept: "application/json" } });
  } catch (e) {
    throw new ApiError(`Could not reach the server (${e.message}).`);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const msg = body?.error?.message || `${res.status} ${res.statusText}`;
    throw new ApiError(msg, res.status);
  }
  return body;
}

// ---------------------------------------------------------------- the pinned log key

const params = new URLSearchParams(location.search);

// Static mode (docs/FORMAT.md §18.1): a page `claimledger publish` wrote names the published
// log's root in <meta name="claimledger-site">, and a claim page names its claim.
const SITE_ROOT = document.querySelector('meta[name="claimledger-site"]')?.getAttribute("content") ?? null;
const SITE_CLAIM = document.querySelector('meta[name="claimledger-claim"]')?.getAttribute("content") ?? null;
const site = SITE_ROOT === null ? null : (await import("./site.js")).openSite(SITE_ROOT);
/** The site's own settings (log key, witnesses): {} outside static mode. */
const siteConfig = site ? site.config : Promise.resolve({});

function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

function saveKey(v) {
  try {
    if (v) localStorage.setItem(KEY_STORAGE, v);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage disabled: the field still works for this visit */
  }
}

// A vkey never contains white space; a `+` left unescaped in ?log_key= arrives as a space.
const urlKey = (params.get("log_key") || "").trim().replace(/ /g, "+");
const savedKey = storedKey().trim();
// A link's key never silently replaces the one the reader saved: a link is easy to forge, and a
// key from a forged link would make a forged record verify. When they differ, the saved key stays
// in use until the reader picks one (keyChoice).
let logKey = savedKey || urlKey;
if (urlKey && !savedKey) saveKey(urlKey);
const keysDiffer = !!(urlKey && savedKey && urlKey !== savedKey);

// The ledger's checkpoint, fetched once: its origin names the ledger in the tagline and in the
// key field's placeholder.
const checkpoint = (site ? site.checkpoint : api("/v1/checkpoint")).catch(() => null);
// Witnesses the reader pins: ?witness=VKEY (repeatable) and ?quorum=K (default: all of them).
// With them, Verify also requires K of these witnesses' cosignatures and shows ✓/✗ for each.
const pinnedWitnesses = params.getAll("witness").map((w) => w.trim().replace(/ /g, "+")).filter(Boolean);
const pinnedQuorum = params.has("quorum") ? Number(params.get("quorum")) : undefined;

function keyPanel() {
  const input = h("input", {
    id: "log-key",
    name: "log_key",
    type: "text",
    class: "log-key",
    "data-testid": "log-key",
    autocomplete: "off",
    autocapitalize: "off",
    spellcheck: "false",
    // Never a real key: a reader might take a placeholder for the key to use.
    placeholder: "ledger name+key ID+public key",
    "aria-describedby": "log-key-help",
  });
  input.value = logKey;
  checkpoint.then((cp) => {
    if (cp?.origin) input.placeholder = `${cp.origin}+…`;
  });
  const update = () => {
    logKey = input.value.trim();
    saveKey(logKey);
  };
  input.addEventListener("input", update);
  input.addEventListener("change", update);
  const status = h("span", { class: "tofu-status", role: "status" });
  const tofu = h(
    "button",
    {
      type: "button",
      class: "link-button",
      "data-testid": "use-server-key",
      onclick: async () => {
        status.textContent = "";
        try {
          const vkey = site ? (await siteConfig).log_vkey : (await api("/v1/checkpoint")).log_vkey;
          if (!vkey) throw new Error(site ? "site/log.json names no log key" : "the server names no log key");
          input.value = vkey;
          update();
          choice?.remove();
          status.textContent = `Filled in the key this ${site ? "site" : "server"} publishes.`;
        } catch (e) {
          status.textContent = `Could not fetch it: ${e.message}`;
        }
      },
    },
    `use the key this ${site ? "site" : "server"} publishes (trust on first use)`,
  );
  const choice = keysDiffer
    ? keyChoice((key) => {
        input.value = key;
        update();
        choice.remove();
        status.textContent = `Using ${key.split("+").slice(0, 2).join("+")}.`;
      })
    : null;
  return h(
    "section",
    { class: "key-panel", "aria-labelledby": "key-panel-title" },
    h("h2", { id: "key-panel-title" }, "Verify with the newsroom's key"),
    choice,
    h("label", { for: "log-key" }, "Log key"),
    input,
    h(
      "p",
      { id: "log-key-help", class: "help" },
      "Get this key from the newsroom itself (its website, a printed notice, a colleague), not from this server: " +
        "a server that altered its records could also hand you a key that makes them verify.",
    ),
    h("p", { class: "help small" }, "Or ", tofu),
    site
      ? h(
          "p",
          { class: "help small", "data-testid": "site-key-note" },
          "Until you enter a key, this page verifies with the key this site publishes (site/log.json): " +
            "that shows the files are consistent with each other, not that they are the newsroom's.",
        )
      : null,
    h(
      "p",
      { class: "help small" },
      "The checks run in your browser, but this page's code came from this server too. " +
        "To verify with no trust in it, save the receipt and run 'claimledger verify-receipt', " +
        "or load verify.js from another source.",
    ),
    status,
  );
}

/** The saved key and a link's other key, side by side; `use(key)` is called with the one chosen. */
function keyChoice(use) {
  const option = (label, key, testid) =>
    h(
      "li",
      {},
      h("span", { class: "choice-label" }, label),
      h("code", { class: "key-full" }, key),
      h("button", { type: "button", class: "choice-button", "data-testid": testid, onclick: () => use(key) }, `Use this key`),
    );
  return h(
    "div",
    { class: "notice key-choice", role: "alert", "data-testid": "key-choice" },
    h("p", {}, h("strong", {}, "This link carries a different log key from the one you saved."), " Until you choose, Verify uses your saved key. Check which one the newsroom publishes."),
    h(
      "ul",
      {},
      option("Saved earlier:", savedKey, "use-saved-key"),
      option("From this link:", urlKey, "use-link-key"),
    ),
  );
}

// ---------------------------------------------------------------- verification

/** Canonical JSON (sorted keys) for comparing payloads; payloads hold no floats. */
function canon(v) {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canon).join(",")}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canon(v[k])}`)
    .join(",")}}`;
}

function decodeEnvelope(receiptText) {
  try {
    const r = JSON.parse(receiptText);
    const bin = atob(r.envelope_base64);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return { receipt: r, envelope: JSON.parse(new TextDecoder().decode(bytes)) };
  } catch {
    return { receipt: null, envelope: null };
  }
}

function renderChecks(checks) {
  return h(
    "ol",
    { class: "checks" },
    checks.map((c) =>
      h(
        "li",
        {
          class: c.ok ? "check ok" : "check bad",
          "data-testid": "check",
          "data-check-id": c.id,
          "data-ok": String(!!c.ok),
        },
        h("span", { class: "mark", "aria-hidden": "true" }, c.ok ? "✓" : "✗"),
        h("span", { class: "visually-hidden" }, c.ok ? "passed: " : "failed: "),
        h("span", { class: "check-label" }, c.label || c.id),
        c.detail ? h("span", { class: "check-detail" }, c.detail) : null,
      ),
    ),
  );
}

function verifyBlock(entry) {
  const result = h("div", {
    class: "verify-result",
    "data-testid": "verify-result",
    "aria-live": "polite",
    id: `verify-result-${entry.index}`,
  });
  const button = h(
    "button",
    {
      type: "button",
      class: "verify-button",
      "data-testid": "verify-button",
      "data-index": entry.index,
      "aria-controls": result.id,
    },
    entry.kind === "claim" ? "Verify this claim" : "Verify",
  );
  button.addEventListener("click", () => runVerify(entry, button, result));
  return h("div", { class: "verify" }, button, result);
}

async function runVerify(entry, button, result) {
  result.replaceChildren();
  result.removeAttribute("data-ok");
  const done = (ok, summary, checks = []) => {
    // A published page verifies every entry as it opens: there, passed checks fold away.
    const list = checks.length ? renderChecks(checks) : null;
    replace(
      result,
      h("p", { class: ok ? "summary ok" : "summary bad" }, summary),
      list && site && ok ? h("details", { class: "checks-details" }, h("summary", {}, `The ${checks.length} checks`), list) : list,
    );
    result.dataset.ok = String(ok);
    result.removeAttribute("aria-busy");
    button.disabled = false;
  };
  // In static mode, with no key pinned, the key the site publishes (see the key panel's note).
  const siteKey = logKey ? null : (await siteConfig).log_vkey || null;
  const key = logKey || siteKey;
  if (!key) {
    done(false, "NOT verified: enter the newsroom's log key above first.");
    document.getElementById("log-key")?.focus();
    return;
  }
  button.disabled = true;
  result.setAttribute("aria-busy", "true");
  result.append(h("p", { class: "summary pending" }, "Verifying…"));
  let verifier;
  try {
    verifier = await import("./verify.js");
  } catch (e) {
    done(false, `NOT verified: the verifier could not be loaded (${e.message}).`);
    return;
  }
  let text;
  try {
    const res = await fetch(site ? site.receiptUrl(entry.index) : `/v1/receipts/${entry.index}`);
    text = await res.text();
    if (!res.ok) {
      let msg = `${res.status} ${res.statusText}`;
      try {
        msg = JSON.parse(text).error.message || msg;
      } catch {
        /* keep the status */
      }
      done(false, `NOT verified: no receipt (${msg}).`);
      return;
    }
  } catch (e) {
    done(false, `NOT verified: could not fetch the receipt (${e.message}).`);
    return;
  }
  let out;
  try {
    // Pinned witnesses (?witness=…), else in static mode the site's own policy, if any.
    const cfg = await siteConfig;
    const options = pinnedWitnesses.length
      ? { witnesses: pinnedWitnesses, quorum: pinnedQuorum }
      : cfg.witnesses?.length
        ? { witnesses: cfg.witnesses, quorum: cfg.quorum }
        : {};
    out = await verifier.verifyReceipt(text, key, options);
  } catch (e) {
    out = { ok: false, checks: [{ id: "json", label: "Receipt", ok: false, detail: String(e?.message || e) }] };
  }
  const checks = [...(out.checks || [])];
  let ok = !!out.ok && checks.length > 0 && checks.every((c) => c.ok);
  const { receipt, envelope } = decodeEnvelope(text);
  if (ok) {
    // The receipt verifies; is it a receipt for what this page shows?
    const sameEntry = out.index === entry.index && out.leafHash === entry.leaf_hash;
    // A withheld payload: the receipt proves the same redaction the page names.
    const samePayload = entry.withheld
      ? !!receipt && receipt.payload === undefined && out.withheld?.text === entry.withheld.text
      : !!receipt && canon(receipt.payload) === canon(entry.payload);
    const shown = sameEntry && samePayload;
    checks.push({
      id: "shown",
      label: "Matches this page",
      ok: shown,
      detail: shown
        ? `the receipt is for entry #${entry.index} with the text shown here`
        : !sameEntry
          ? `the receipt is for entry #${out.index} (leaf ${String(out.leafHash).slice(0, 8)}), not #${entry.index} (leaf ${entry.leaf_hash.slice(0, 8)})`
          : "the verified payload differs from the one shown on this page",
    });
    ok = shown;
  }
  if (ok) {
    let origin = "the log";
    try {
      origin = verifier.parseVkey(key).name;
    } catch {
      origin = key.split("+")[0];
    }
    const signer = envelope?.signer ?? entry.signer;
    const witnessed = out.witnesses ? `, cosigned by ${out.witnesses.filter((w) => w.ok).length} of ${out.witnesses.length} witnesses` : "";
    const caveat = siteKey ? " (with the key this site publishes)" : "";
    done(true, `Verified${caveat}: entry #${out.index} is in ${origin} at tree size ${out.size}${witnessed}, signed by ${String(signer).split("+").slice(0, 2).join("+")}.`, checks);
  } else {
    const first = checks.find((c) => !c.ok);
    const why = first ? `${first.label || first.id}${first.detail ? ` — ${first.detail}` : ""}` : "no checks ran";
    done(false, `NOT verified: ${why}`, checks);
  }
}

// ---------------------------------------------------------------- pieces of an entry

function sourcesList(sources) {
  if (!sources?.length) return null;
  return h(
    "div",
    { class: "sources" },
    h("h4", {}, sources.length === 1 ? "Source" : "Sources"),
    h(
      "ul",
      {},
      sources.map((s) =>
        h(
          "li",
          {},
          link(s.url, s.title || s.url, { class: "source-link" }),
          s.publisher || s.published
            ? h("span", { class: "source-meta" }, " — ", [s.publisher, s.published ? formatDate(s.published) : null].filter(Boolean).join(", "))
            : null,
          s.archive_url ? h("span", { class: "source-meta" }, " · ", link(s.archive_url, "archived copy")) : null,
          s.content_sha256 ? h("span", { class: "source-meta" }, " · ", h("code", { title: `SHA-256 ${s.content_sha256}` }, `sha256 ${String(s.content_sha256).slice(0, 12)}…`)) : null,
          s.quote ? h("blockquote", { class: "source-quote" }, `“${s.quote}”`) : null,
        ),
      ),
    ),
  );
}

/** "5600000" → "5,600,000" (decimal strings, grouped as text: no float rounding). */
function groupDigits(v) {
  const s = String(v ?? "");
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(s);
  if (!m) return s;
  return m[1] + m[2].replace(/\B(?=(\d{3})+$)/g, ",") + (m[3] ?? "");
}

function precisionText(f) {
  const v = groupDigits(f.value);
  switch (f.precision) {
    case "about":
      return `about ${v}`;
    case "at_least":
      return `≥ ${v}`;
    case "at_most":
      return `≤ ${v}`;
    case "range":
      return `${groupDigits(f.lower ?? "?")} – ${groupDigits(f.upper ?? "?")}`;
    default:
      return v;
  }
}

function sameFigure(a, b) {
  const n = (s) => String(s ?? "").trim().toLowerCase();
  return n(a.subject) === n(b.subject) && n(a.property) === n(b.property);
}

/** A table of figures; with compare=true, a column says how each compares with the claim's. */
function figuresTable(rows, { compare, base, caption }) {
  if (!rows?.length) return null;
  const head = ["Figure", "As stated", "Value", "Unit", "Scope"];
  if (compare) head.push("Compared with the claim");
  return h(
    "div",
    { class: "table-scroll", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      { class: "figures" },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        rows.map((f) => {
          const b = base?.find((x) => sameFigure(x, f));
          const cmp = f.comparison;
          return h(
            "tr",
            {},
            h("th", { scope: "row" }, h("span", { class: "subject" }, f.subject, " · "), f.property),
            h("td", { class: "as-stated" }, f.as_stated ? `“${f.as_stated}”` : "—"),
            h("td", { class: "num" }, precisionText(f)),
            h("td", {}, f.unit),
            h("td", {}, f.scope || h("span", { class: "muted" }, "—")),
            compare
              ? h(
                  "td",
                  {},
                  cmp
                    ? h("span", { class: `cmp cmp-${cmp}`, "data-comparison": cmp }, COMPARISON[cmp] || cmp)
                    : h("span", { class: "muted" }, b ? "—" : "no claimed figure"),
                  cmp && b ? h("span", { class: "cmp-base" }, ` (claim: “${b.as_stated}”${b.scope ? `, ${b.scope}` : ""})`) : null,
                )
              : null,
          );
        }),
      ),
    ),
  );
}

function recordedLine(e) {
  return h(
    "p",
    { class: "recorded" },
    "Recorded by ",
    h("strong", {}, e.recorder || "unknown"),
    " ",
    keyBadge(e.signer),
    " on ",
    time(e.recorded_at, String(e.recorded_at ?? "").replace("T", " ").replace("Z", " UTC")),
    " · entry #",
    String(e.index),
    " · leaf ",
    h("code", { title: e.leaf_hash }, String(e.leaf_hash ?? "").slice(0, 8)),
  );
}

function subjectsList(subjects) {
  if (!subjects?.length) return null;
  return h(
    "ul",
    { class: "subjects", "aria-label": "Subjects" },
    subjects.map((s) => h("li", {}, s)),
  );
}

function stanceBadge(stance) {
  const cls = STANCES.includes(stance) ? stance : "other";
  return h("span", { class: `badge stance-${cls}`, "data-stance": stance }, stance);
}

// A fact-checker's verdict (FORMAT §5.5): the label as published, the scale when given, and a
// link to the published fact-check.
function ratingBadge(rating) {
  if (!rating || typeof rating.label !== "string") return null;
  const scale =
    rating.value != null && rating.best != null && rating.worst != null
      ? ` (${rating.value} on ${rating.worst}–${rating.best})`
      : rating.value != null
        ? ` (${rating.value})`
        : "";
  const badge = h("span", { class: "badge rating", "data-testid": "rating", title: "Fact-check rating" }, `Rated: ${rating.label}${scale}`);
  const url = safeUrl(rating.review_url);
  return url ? h("a", { class: "rating-link", href: url, rel: "noopener noreferrer nofollow" }, badge) : badge;
}

// ---------------------------------------------------------------- home: the list of claims

let listState = { q: "", next: null, token: 0 };

function renderHome(main) {
  document.title = "Claims — claimledger";
  const q = params.get("q") || "";
  const search = h("input", {
    id: "search",
    type: "search",
    name: "q",
    "data-testid": "search",
    placeholder: "claim text, claimant, subject, speaker…",
    autocomplete: "off",
  });
  search.value = q;
  const list = h("ol", { class: "claim-list", "aria-labelledby": "claims-title" });
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "more", "data-testid": "more", hidden: true }, "More claims");
  const form = h(
    "form",
    { class: "search", role: "search", onsubmit: (ev) => ev.preventDefault() },
    h("label", { for: "search" }, "Search claims and what was said about them"),
    h("div", { class: "search-row" }, search),
  );
  // A static host has no search: the list is read from the published bundles, newest first.
  form.hidden = !!site;
  main.replaceChildren(
    h("div", { class: "home-grid" },
      h("div", { class: "home-main" }, h("h1", { id: "claims-title" }, "Claims"), form, status, list, more),
      h("aside", { class: "sidebar" }, keyPanel()),
    ),
  );

  const load = async (reset) => {
    const token = ++listState.token;
    if (reset) {
      listState.q = site ? "" : search.value.trim();
      listState.next = site ? undefined : 0;
    }
    status.textContent = "Loading…";
    more.hidden = true;
    const qs = new URLSearchParams({ from: String(listState.next ?? 0), limit: String(PAGE_SIZE) });
    if (listState.q) qs.set("q", listState.q);
    try {
      const data = site
        ? await site.claims(listState.next, PAGE_SIZE).then((r) => ({ claims: r.claims, next_from: r.next }))
        : await api(`/v1/claims?${qs}`);
      if (token !== listState.token) return; // a newer search superseded this one
      if (reset) list.replaceChildren();
      append(list, data.claims.map(claimRow));
      listState.next = data.next_from;
      more.hidden = data.next_from === null || data.next_from === undefined;
      const n = list.children.length;
      status.textContent = n
        ? `${plural(n, "claim", "claims")}${more.hidden ? "" : " so far"}${listState.q ? ` matching “${listState.q}”` : ""}`
        : listState.q
          ? `No claims match “${listState.q}”.`
          : "No claims recorded yet.";
    } catch (e) {
      if (token !== listState.token) return;
      status.textContent = `Could not load claims: ${e.message}`;
      status.classList.add("error");
    }
  };

  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const url = new URL(location.href);
      if (search.value.trim()) url.searchParams.set("q", search.value.trim());
      else url.searchParams.delete("q");
      history.replaceState(null, "", url);
      load(true);
    }, 250);
  });
  more.addEventListener("click", () => load(false));
  load(true);
}

/**
 * The words shown for an entry: its text in quotes, or, when a redaction withheld its payload,
 * "withheld by redaction #N (category)" as the API states it.
 */
function shownText(e) {
  if (e.payload_error) return "(payload not shown: it does not match the signed entry)";
  if (e.withheld) return e.withheld.text;
  return `“${e.payload?.text ?? ""}”`;
}

/** In static mode, a payload that failed its check against the envelope (site.js): ✗ and why. */
function payloadError(e) {
  if (!e.payload_error) return null;
  return h(
    "p",
    { class: "notice error", role: "alert", "data-testid": "payload-error", "data-index": e.index },
    h("span", { class: "mark", "aria-hidden": "true" }, "✗ "),
    e.payload_error,
  );
}

function claimRow(c) {
  const p = c.payload || {};
  const href = site ? site.claimHref(c.index) : `/claims/${encodeURIComponent(c.index)}`;
  return h(
    "li",
    { class: "claim-row", "data-index": c.index },
    h(
      "p",
      { class: "kicker" },
      h("strong", {}, p.claimant?.name ?? "unknown"),
      p.claimed_on ? [" · ", time(p.claimed_on)] : null,
    ),
    h("h2", { class: c.withheld ? "claim-title withheld" : "claim-title" }, h("a", { href, "data-testid": "claim-link" }, shownText(c))),
    payloadError(c),
    h(
      "div",
      { class: "row-meta" },
      subjectsList(p.subjects),
      h(
        "span",
        { class: c.statements ? "count has" : "count" },
        plural(c.statements ?? 0, "statement", "statements"),
      ),
      h("span", { class: "muted" }, `#${c.index}`),
    ),
  );
}

// ---------------------------------------------------------------- claim page

const home = site ? site.homeHref() : "/";
const entryHref = (index) => (site ? site.claimHref(index) : `/claims/${index}`);

async function renderClaim(main, ref) {
  main.replaceChildren(h("p", { class: "status", role: "status" }, "Loading…"));
  let hist;
  try {
    hist = site ? await site.history(ref) : await api(`/v1/claims/${encodeURIComponent(ref)}/history`);
  } catch (e) {
    // The API's message is written for the CLI and newsroom tools; a reader gets one they can act on.
    const missing = e?.status === 404 || e?.status === 400;
    document.title = `${missing ? "Not found" : "Could not load"} — claimledger`;
    replace(
      main,
      h("p", { class: "back" }, h("a", { href: home }, "← All claims")),
      h("h1", {}, missing ? "No such claim or statement" : "This claim could not be loaded"),
      h(
        "p",
        { class: "notice error", role: "alert", "data-testid": "not-found" },
        missing
          ? [`This ledger has no entry “${ref}”. The link may be mistyped, or point to another newsroom's ledger. `, h("a", { href: home }, "See all claims"), " or search them."]
          : [`The server did not answer as expected (${e.message}). Try again in a moment, or `, h("a", { href: home }, "see all claims"), "."],
      ),
    );
    return;
  }
  const c = hist.claim;
  const p = c.payload || {};
  const rows = hist.figures || [];
  const base = rows.filter((r) => r.stance === "claims");
  const rowsOf = (e) => {
    const r = rows.filter((x) => x.index === e.index);
    return r.length ? r : (e.payload?.figures || []).map((f) => ({ ...f, comparison: null }));
  };
  document.title = `${p.claimant?.name ?? "Claim"}: “${String(p.text ?? "").slice(0, 60)}” — claimledger`;

  const isClaim = c.kind === "claim";
  const header = h(
    "header",
    { class: "claim-head" },
    h(
      "p",
      { class: "kicker" },
      isClaim ? `Claim #${c.index}` : [`Statement #${c.index} `, stanceBadge(p.stance)],
      c.target ? [" about ", h("a", { href: entryHref(c.target.index) }, `#${c.target.index}`)] : null,
    ),
    h("h1", { class: c.withheld ? "claim-text withheld" : "claim-text" }, shownText(c)),
    payloadError(c),
    c.payload_error
      ? null
      : h(
          "p",
          { class: "byline" },
          "— ",
          h("strong", {}, entityName(p.claimant || p.speaker)),
          p.claimant?.same_as ? [" ", link(p.claimant.same_as, "(profile)", { class: "muted" })] : null,
          p.claimed_on || p.stated_on ? [", ", time(p.claimed_on || p.stated_on)] : null,
        ),
    subjectsList(p.subjects),
  );

  const tree = statementTree(c, hist.statements || [], rowsOf, base);
  const n = (hist.statements || []).length;

  replace(
    main,
    h("p", { class: "back" }, h("a", { href: home }, "← All claims")),
    h(
      "div",
      { class: "claim-grid" },
      // Before the entry in the page's order, so that on a narrow screen (one column) the key
      // field comes before the Verify button; style.css puts it on the right on wide screens.
      h("aside", { class: "sidebar" }, keyPanel()),
      h(
        "article",
        { class: "claim", "data-index": c.index },
        header,
        sourcesList(p.sources),
        rowsOf(c).length
          ? h("div", { class: "figures-block" }, h("h4", {}, "Figures"), figuresTable(rowsOf(c), { compare: !isClaim, base, caption: "Figures in the claim" }))
          : null,
        recordedLine(c),
        verifyBlock(c),
      ),
    ),
    h(
      "section",
      { class: "history", "aria-labelledby": "history-title" },
      h("h2", { id: "history-title" }, "What was said since", h("span", { class: "count-inline" }, plural(n, "statement", "statements"))),
      n ? tree : h("p", { class: "muted", "data-testid": "no-statements" }, `No statement has been recorded about this ${isClaim ? "claim" : "statement"} yet.`),
    ),
  );
  main.focus({ preventScroll: true });
  // A published page verifies every entry as it opens: nothing to type, a ✓ or ✗ on each.
  if (site) for (const b of main.querySelectorAll('[data-testid="verify-button"]')) b.click();
}

function statementTree(root, statements, rowsOf, base) {
  const children = new Map();
  const known = new Set([root.index, ...statements.map((s) => s.index)]);
  for (const s of statements) {
    const t = s.target && known.has(s.target.index) ? s.target.index : root.index;
    if (!children.has(t)) children.set(t, []);
    children.get(t).push(s);
  }
  const build = (idx, depth) => {
    const kids = children.get(idx) || [];
    if (!kids.length) return null;
    return h(
      "ol",
      { class: depth ? "timeline nested" : "timeline" },
      kids.map((s) => statementItem(s, depth, rowsOf, base, build(s.index, depth + 1))),
    );
  };
  return build(root.index, 0);
}

function statementItem(s, depth, rowsOf, base, nested) {
  const p = s.payload || {};
  // A withheld statement has no stance or speaker to show: its payload is gone.
  const stance = p.stance || (s.withheld ? "withheld" : "states");
  const id = `entry-${s.index}`;
  return h(
    "li",
    { class: `statement stance-${STANCES.includes(stance) ? stance : "other"}`, id, "data-index": s.index },
    h(
      "article",
      { "aria-labelledby": `${id}-title` },
      h(
        "h3",
        { class: "statement-head", id: `${id}-title` },
        stanceBadge(stance),
        " ",
        ratingBadge(p.rating),
        p.rating ? " " : null,
        s.withheld ? null : h("span", { class: "speaker" }, entityName(p.speaker)),
        p.stated_on ? h("span", { class: "when" }, " · ", time(p.stated_on)) : null,
        depth ? h("span", { class: "replying" }, ` · about #${s.target?.index}`) : null,
      ),
      s.withheld
        ? h("p", { class: "statement-text withheld" }, shownText(s))
        : s.payload_error
          ? h("p", { class: "statement-text" }, shownText(s))
          : h("blockquote", { class: "statement-text" }, h("p", {}, p.text ?? "")),
      payloadError(s),
      sourcesList(p.sources),
      rowsOf(s).length
        ? h("div", { class: "figures-block" }, h("h4", {}, "Figures"), figuresTable(rowsOf(s), { compare: true, base, caption: `Figures in statement #${s.index}` }))
        : null,
      recordedLine(s),
      verifyBlock(s),
    ),
    nested,
  );
}

// ---------------------------------------------------------------- router

async function showOrigin() {
  try {
    const cp = await checkpoint;
    const el = document.getElementById("origin");
    if (el && cp?.origin) {
      replace(
        el,
        "Ledger ",
        h("strong", {}, cp.origin),
        ` · ${plural(cp.size, "entry", "entries")} · checkpoint root `,
        h("code", { title: cp.root }, String(cp.root).slice(0, 8)),
      );
    }
  } catch {
    /* the tagline stays generic */
  }
}

function route() {
  const main = document.getElementById("main");
  if (site) return SITE_CLAIM !== null ? renderClaim(main, SITE_CLAIM) : renderHome(main);
  const m = /^\/claims\/([^/]+)\/?$/.exec(location.pathname);
  if (m) return renderClaim(main, decodeURIComponent(m[1]));
  if (location.pathname === "/" || location.pathname === "/index.html") return renderHome(main);
  document.title = "Not found — claimledger";
  replace(main, h("h1", {}, "Page not found"), h("p", {}, "This page does not exist. ", h("a", { href: home }, "See all claims"), "."));
}

showOrigin();
route();
