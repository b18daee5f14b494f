//! The static reader pages of a published log (docs/FORMAT.md §18.1): `site_objects` on a
//! ledger with claims, a thread of statements, a rating and a redaction — which pages each run
//! rewrites, and no withheld payload in any object — then the published folder served by a plain
//! static file server (`claimledger publish DEST`, then `python3 -m http.server`) in headless Chromium (tests/web/site_e2e.mjs):
//! the list, a claim page whose every receipt verifies (✓, with the witness quorum), the
//! withheld statement shown as withheld; then a tampered payload bundle and a tampered receipt
//! each show ✗.
//!
//! The browser part needs node, /usr/bin/chromium, playwright-core (tests/web) and python3;
//! without them it skips with a notice (a failure under CI=true).

use crate::ledger::{TestLedger, key, statement};
use crate::publish::{StaticServer, publish_json};
use claimledger::format::cosignature::WitnessSigner;
use claimledger::format::note::Note;
use claimledger::format::tiles::{TILE_WIDTH, TileKind, TilePath, format_index};
use claimledger::publish::site::{SiteObject, about_path, claim_page_path, site_objects};
use claimledger::{Ledger, Rating, RedactionCategory, Stance};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

/// Words only the withheld statement holds: they must appear in no published object.
const SECRET: &str = "the informant's home address";

/// A ledger telling one story: claims A and B (indexes 2, 3), three statements about A (one
/// about another statement, one rated), one of them then withheld by a redaction.
struct Story {
    t: TestLedger,
    a: u64,
    b: u64,
    contest: u64,
    reply: u64,
    withheld: u64,
    redaction: u64,
}

fn story() -> Story {
    let mut t = TestLedger::new();
    let a = t.claim("DeepSeek-V3 cost $5.6M to train <b>bold</b> & more");
    let b = t.claim("A second claim, never contested");
    let alice = t.alice.clone();
    let mut rated = statement(
        Stance::Contests,
        "SemiAnalysis",
        "The total cost was far higher",
    );
    rated.rating = Some(Rating {
        label: "Misleading".into(),
        value: Some(2),
        best: Some(5),
        worst: Some(1),
        review_url: Some("https://factcheck.example/deepseek".into()),
    });
    let contest = t
        .ledger
        .append_statement(a, rated, &alice)
        .unwrap()
        .entry
        .index();
    let reply = t
        .ledger
        .append_statement(
            contest,
            statement(
                Stance::Supports,
                "An analyst",
                "Agreed: hardware alone cost more",
            ),
            &alice,
        )
        .unwrap()
        .entry
        .index();
    let withheld = t
        .ledger
        .append_statement(
            a,
            statement(Stance::Qualifies, "A source", &format!("It was {SECRET}")),
            &alice,
        )
        .unwrap()
        .entry
        .index();
    let redaction = t
        .ledger
        .redact(
            withheld,
            RedactionCategory::SourceProtection,
            "protect a source",
        )
        .unwrap()
        .entry
        .index();
    t.check();
    Story {
        t,
        a,
        b,
        contest,
        reply,
        withheld,
        redaction,
    }
}

fn object<'a>(objects: &'a [SiteObject], path: &str) -> &'a SiteObject {
    objects
        .iter()
        .find(|o| o.path == path)
        .unwrap_or_else(|| panic!("no object {path} among {:?}", paths(objects)))
}

fn paths(objects: &[SiteObject]) -> Vec<&str> {
    objects.iter().map(|o| o.path.as_str()).collect()
}

fn text(o: &SiteObject) -> &str {
    std::str::from_utf8(&o.bytes).unwrap()
}

/// No object holds the withheld words, in any spelling the pages could use.
fn assert_no_secret(objects: &[SiteObject]) {
    for o in objects {
        let s = String::from_utf8_lossy(&o.bytes);
        assert!(
            !s.contains(SECRET) && !s.contains("informant"),
            "{} holds the withheld payload",
            o.path
        );
    }
}

#[test]
fn site_objects_write_each_changed_claim_and_never_a_withheld_payload() {
    let mut s = story();
    let n = s.t.ledger.size().unwrap();
    let all = site_objects(&s.t.ledger, 0, n).unwrap();
    assert_no_secret(&all);
    for p in [
        "index.html",
        "assets/app.js",
        "assets/site.js",
        "assets/verify.js",
        "assets/noble.js",
        "assets/style.css",
        "site/log.json",
    ] {
        object(&all, p);
    }
    // One about object and one page per claim; key entries and statements get none.
    let about: Vec<&str> = paths(&all)
        .into_iter()
        .filter(|p| p.starts_with("site/about/") || p.starts_with("claims/"))
        .collect();
    assert_eq!(
        about,
        [
            about_path(s.a).as_str(),
            claim_page_path(s.a).as_str(),
            about_path(s.b).as_str(),
            claim_page_path(s.b).as_str(),
        ]
    );
    assert_eq!(about_path(s.a), "site/about/002.json");

    let log: Value = serde_json::from_slice(&object(&all, "site/log.json").bytes).unwrap();
    assert_eq!(log["log_vkey"], s.t.ledger.log_key().to_string());
    assert_eq!(log["origin"], crate::ledger::ORIGIN);
    assert_eq!(log["witnesses"], serde_json::json!([]));

    let a: Value = serde_json::from_slice(&object(&all, &about_path(s.a)).bytes).unwrap();
    assert_eq!(a["claim"], s.a);
    assert_eq!(
        a["statements"],
        serde_json::json!([s.contest, s.reply, s.withheld])
    );
    assert_eq!(
        a["recorders"][s.t.alice.verifying_key().to_string()],
        "Alice Martin"
    );

    // The claim page reads without JavaScript: the claim and statements as escaped text, the
    // withheld one as withheld, the rated one as ClaimReview JSON-LD; no inline script.
    let page = text(object(&all, &claim_page_path(s.a)));
    assert!(
        page.contains("&lt;b&gt;bold&lt;/b&gt; &amp; more"),
        "{page}"
    );
    assert!(!page.contains("<b>bold"));
    assert!(page.contains("The total cost was far higher"));
    assert!(page.contains("Agreed: hardware alone cost more"));
    assert!(page.contains(&format!(
        "withheld by redaction #{} (source_protection)",
        s.redaction
    )));
    assert!(page.contains("<meta name=\"claimledger-site\" content=\"../\">"));
    assert!(page.contains(&format!(
        "<meta name=\"claimledger-claim\" content=\"{}\">",
        s.a
    )));
    assert!(page.contains("src=\"../assets/app.js\""));
    assert!(page.contains("<script type=\"application/ld+json\">"));
    assert!(page.contains("\"alternateName\":\"Misleading\""));
    // Its links follow the published layout (FORMAT A.1), relative to claims/: the receipt
    // file and the statement's place on this page, never serve's /v1 routes.
    assert!(
        page.contains(&format!(
            "\"url\":\"../receipt/{}\"",
            claimledger::format::tiles::format_index(s.a)
        )),
        "{page}"
    );
    // (The rated statement names its own review URL, which wins over the claim page link.)
    assert!(page.contains("\"url\":\"https://factcheck.example/deepseek\""));
    assert!(!page.contains("/v1/receipts/"));
    assert!(!page.contains("<script>"));
    // The list without JavaScript: links to the claim pages, newest first.
    let index = text(object(&all, "index.html"));
    let (at_a, at_b) = (
        index.find("href=\"claims/2.html\"").unwrap(),
        index.find("href=\"claims/3.html\"").unwrap(),
    );
    assert!(at_b < at_a, "{index}");
    assert!(index.contains("&lt;b&gt;bold&lt;/b&gt;"));
    let b_page = text(object(&all, &claim_page_path(s.b)));
    assert!(
        !b_page.contains("ld+json"),
        "an unrated claim has no review"
    );

    // An incremental run: a statement about B rewrites B's pages only.
    let alice = s.t.alice.clone();
    let late =
        s.t.ledger
            .append_statement(
                s.b,
                statement(Stance::Supports, "Someone", "B holds up"),
                &alice,
            )
            .unwrap()
            .entry
            .index();
    let inc = site_objects(&s.t.ledger, n, late + 1).unwrap();
    let pages: Vec<&str> = paths(&inc)
        .into_iter()
        .filter(|p| p.starts_with("site/about/") || p.starts_with("claims/"))
        .collect();
    assert_eq!(pages, [about_path(s.b), claim_page_path(s.b)]);
    assert!(text(object(&inc, &claim_page_path(s.b))).contains("B holds up"));
    // Entries past `new` stay out: the run publishing up to `late` does not show it.
    let before = site_objects(&s.t.ledger, 0, late).unwrap();
    assert!(!text(object(&before, &claim_page_path(s.b))).contains("B holds up"));

    // A redaction of the reply (in thread A, two levels down) rewrites A's pages.
    let r =
        s.t.ledger
            .redact(s.reply, RedactionCategory::Privacy, "asked")
            .unwrap()
            .entry
            .index();
    let red = site_objects(&s.t.ledger, late + 1, r + 1).unwrap();
    let page = text(object(&red, &claim_page_path(s.a)));
    assert!(!page.contains("hardware alone"), "{page}");
    assert!(page.contains(&format!("withheld by redaction #{r} (privacy)")));
    assert!(paths(&red).iter().all(|p| *p != claim_page_path(s.b)));

    // An incremental run leaves the assets and log.json alone; one that changes nothing
    // writes nothing.
    assert!(
        paths(&red)
            .iter()
            .all(|p| !p.starts_with("assets/") && *p != "site/log.json")
    );
    assert!(paths(&red).contains(&"index.html"));
    assert!(site_objects(&s.t.ledger, r + 1, r + 1).unwrap().is_empty());
    assert!(site_objects(&s.t.ledger, r + 1, r).is_err());
}

/// Cosign the ledger's latest checkpoint by a witness now configured with quorum 1.
fn cosign_latest(ledger: &mut Ledger) -> WitnessSigner {
    let w = WitnessSigner::new(key("witness.test.example", 77));
    ledger
        .add_witness("https://witness.test.example", &w.witness_key())
        .unwrap();
    let size = ledger.size().unwrap();
    let body = Note::parse(ledger.checkpoint_as_signed(size).unwrap().as_bytes())
        .unwrap()
        .text()
        .to_string();
    let line = format!("{}\n", w.cosign(&body, 1_700_000_000).unwrap().to_line());
    ledger
        .add_cosignature(size, &w.witness_key(), &line)
        .unwrap();
    w
}

/// What the pages showed (tests/web/site_e2e.mjs), parsed.
fn browse(url: &str, claim: u64, list_pages: u32, shots: &str) -> Value {
    let out = Command::new("node")
        .arg(crate::browser::web_dir().join("site_e2e.mjs"))
        .args(["--url", url, "--claim", &claim.to_string()])
        .args(["--list-pages", &list_pages.to_string(), "--screenshots"])
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target")
                .join(shots),
        )
        .env("CHROMIUM", "/usr/bin/chromium")
        .stdin(Stdio::null())
        .output()
        .expect("run node tests/web/site_e2e.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "site_e2e failed (exit {:?}):\n{stdout}{stderr}",
        out.status.code()
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"))
}

fn entry(v: &Value, index: u64) -> &Value {
    v["claim"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["index"] == index)
        .unwrap_or_else(|| panic!("entry #{index} not on the claim page: {v:#}"))
}

#[test]
fn published_pages_verify_in_headless_chromium_and_show_tampering() {
    if let Some(why) = crate::browser::missing_prerequisite() {
        crate::util::skip(&format!("static pages browser test: {why}"));
        return;
    }
    let mut s = story();
    // Enough claims after the story for two entry bundles: a full one and a partial one.
    let alice = s.t.alice.clone();
    let mut more = Vec::new();
    for i in 0..260 {
        let c = crate::ledger::claim(&format!("Filler claim number {i}"));
        more.push(s.t.ledger.append(c, &alice).unwrap().entry.index());
    }
    cosign_latest(&mut s.t.ledger);
    let dest = tempfile::tempdir().unwrap();
    let run = publish_json(&s.t.path, dest.path(), &[]);
    assert_eq!(run["new_size"], s.t.ledger.size().unwrap(), "{run:#}");
    let Some(server) = StaticServer::start(dest.path()) else {
        return;
    };

    // Without JavaScript (a search engine, a text browser) the claim page holds the claim.
    let mut resp = ureq::get(&format!("{}/claims/{}.html", server.url, s.a))
        .call()
        .unwrap();
    let html = resp.body_mut().read_to_string().unwrap();
    assert!(html.contains("The total cost was far higher"), "{html}");

    let v = browse(&server.url, s.a, 100, "e2e-site");
    assert_eq!(v["errors"], serde_json::json!([]), "{v:#}");
    // The list: every claim, newest first across both bundles, with statement counts.
    let list = v["list"].as_array().unwrap();
    let indexes: Vec<u64> = list.iter().map(|r| r["index"].as_u64().unwrap()).collect();
    let mut want: Vec<u64> = [s.a, s.b].into_iter().chain(more).collect();
    want.reverse();
    assert_eq!(indexes, want, "{v:#}");
    let row_a = list.last().unwrap();
    assert!(
        row_a["text"]
            .as_str()
            .unwrap()
            .contains("<b>bold</b> & more")
    );
    assert_eq!(row_a["statements"], "3 statements");
    assert!(
        row_a["href"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/claims/{}.html", s.a))
    );
    assert_eq!(list[0]["statements"], "0 statements");
    // 20 claims a page: the list was read through "More claims".
    assert_eq!(v["pages"], want.len().div_ceil(20), "{v:#}");
    // The claim page: the claim and its three statements, every receipt ✓ (witness quorum met).
    let entries = v["claim"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 4, "{v:#}");
    for e in entries {
        assert_eq!(e["verified"], true, "{e:#}");
        assert!(
            e["summary"]
                .as_str()
                .unwrap()
                .contains("cosigned by 1 of 1 witnesses"),
            "{e:#}"
        );
    }
    assert!(
        entry(&v, s.reply)["text"]
            .as_str()
            .unwrap()
            .contains("hardware alone")
    );
    let w = entry(&v, s.withheld);
    assert_eq!(w["withheld"], true);
    assert_eq!(
        w["text"],
        format!("withheld by redaction #{} (source_protection)", s.redaction)
    );

    // Tampered payload bundle: the claim's payload text changed, length kept. The page shows ✗
    // for it (the payload does not match its envelope, nor the receipt) and still ✓ for the rest.
    let bundle = dest.path().join(
        TilePath {
            kind: TileKind::Payloads,
            index: 0,
            width: TILE_WIDTH,
        }
        .to_path(),
    );
    let good = std::fs::read(&bundle).unwrap();
    let at = find(&good, b"DeepSeek-V3 cost").unwrap();
    let mut bad = good.clone();
    bad[at] = b'd';
    std::fs::write(&bundle, &bad).unwrap();
    let v = browse(&server.url, s.a, 100, "e2e-site-tampered-payload");
    let c = entry(&v, s.a);
    assert_eq!(c["verified"], false, "{c:#}");
    assert!(
        c["payload_error"]
            .as_str()
            .unwrap()
            .contains("does not match the signed entry")
    );
    assert!(!c["text"].as_str().unwrap().contains("deepSeek"));
    assert_eq!(entry(&v, s.contest)["verified"], true);
    let row = v["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["index"] == s.a)
        .cloned()
        .unwrap();
    assert!(row["payload_error"].is_string(), "{row:#}");
    std::fs::write(&bundle, &good).unwrap();

    // Tampered receipt: one inclusion-proof hash of the contesting statement changed.
    let receipt = dest
        .path()
        .join(format!("receipt/{}", format_index(s.contest)));
    let good = std::fs::read_to_string(&receipt).unwrap();
    let mut r: Value = serde_json::from_str(&good).unwrap();
    let proof = r["tlog_proof"].as_str().unwrap().to_string();
    let mut lines: Vec<String> = proof.split('\n').map(str::to_string).collect();
    let at = lines.iter().position(|l| l.starts_with("index ")).unwrap() + 1;
    let first = if lines[at].starts_with('A') { "B" } else { "A" };
    lines[at] = format!("{first}{}", &lines[at][1..]);
    r["tlog_proof"] = lines.join("\n").into();
    std::fs::write(&receipt, serde_json::to_string_pretty(&r).unwrap()).unwrap();
    let v = browse(&server.url, s.a, 1, "e2e-site-tampered-receipt");
    let e = entry(&v, s.contest);
    assert_eq!(e["verified"], false, "{e:#}");
    assert_eq!(e["failed"], serde_json::json!(["inclusion"]), "{e:#}");
    assert_eq!(entry(&v, s.a)["verified"], true);
    std::fs::write(&receipt, good).unwrap();

    // An incremental run: a new statement about A, and a redaction of the reply. A's page shows
    // both, every entry still ✓, and no published object holds the reply's words any more.
    let late =
        s.t.ledger
            .append_statement(
                s.a,
                statement(
                    Stance::Corrects,
                    "DeepSeek",
                    "Our figure covered the final run only",
                ),
                &alice,
            )
            .unwrap()
            .entry
            .index();
    let r =
        s.t.ledger
            .redact(s.reply, RedactionCategory::Privacy, "asked")
            .unwrap()
            .entry
            .index();
    cosign_latest(&mut s.t.ledger);
    let run = publish_json(&s.t.path, dest.path(), &[]);
    assert_eq!(run["new_size"], r + 1, "{run:#}");
    let v = browse(&server.url, s.a, 1, "e2e-site-incremental");
    assert_eq!(v["errors"], serde_json::json!([]), "{v:#}");
    let entries = v["claim"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 5, "{v:#}");
    assert!(entries.iter().all(|e| e["verified"] == true), "{v:#}");
    assert!(
        entry(&v, late)["text"]
            .as_str()
            .unwrap()
            .contains("final run only")
    );
    let reply = entry(&v, s.reply);
    assert_eq!(reply["withheld"], true, "{reply:#}");
    assert_eq!(
        reply["text"],
        format!("withheld by redaction #{r} (privacy)")
    );
    for (path, bytes) in crate::publish::files(dest.path()) {
        assert!(
            find(&bytes, b"hardware alone").is_none(),
            "{path} still holds the withheld reply"
        );
    }
    drop(server);
    // Nothing the pages did changed the ledger.
    s.t.check();
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
