//! Deterministic generator of realistic pre-signed entries for import and benchmarks.
//!
//! ```text
//! cargo run --release --example gen -- --entries 100000 --keys 32 --seed 1 --out /tmp/gen
//! claimledger --ledger /tmp/gen/ledger.db init --origin bench.claimledger.example/claims \
//!     --operator-key /tmp/gen/operator.key
//! claimledger --ledger /tmp/gen/ledger.db import /tmp/gen/entries.jsonl
//! ```
//!
//! Writes `OUT/entries.jsonl` (first the operator's grants of the K recorder keys, then claims
//! and statements of about 500 bytes each, statements pointing at earlier claims),
//! `OUT/operator.key` and `OUT/keys/recorder-N.key`. The same seed gives the same bytes.
//! Entry 0 of the ledger is written by `init`, so line L of the file becomes entry L.
//!
//! `--post N` also writes `OUT/post.jsonl`: N more claims (numbered after the generated
//! entries, so none repeats one of them) by the same recorder keys, one import line each, the
//! body of one `POST /v1/entries`. Claims only: they have no target, so they can be posted
//! concurrently in any order (`scripts/load.sh`). Without `--post`, the output is unchanged.

use claimledger::format::entry::{SignOptions, SignedEntry};
use claimledger::{
    Claim, Figure, KeyAction, KeyChange, Party, PartyType, SigningKey, Source, Stance, Statement,
    Target,
};
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;

const ORIGIN: &str = "bench.claimledger.example/claims";

/// splitmix64: tiny, deterministic, good enough to vary text.
struct Rng(u64);
impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const ORGS: &[&str] = &[
    "DeepSeek",
    "Nvidia",
    "Anthropic",
    "OpenAI",
    "Mistral AI",
    "US Department of Commerce",
    "Alibaba Cloud",
    "Meta",
    "Google DeepMind",
    "Baidu",
    "SemiAnalysis",
    "TSMC",
];
const PEOPLE: &[&str] = &[
    "Dario Amodei",
    "Jensen Huang",
    "Liang Wenfeng",
    "Sam Altman",
    "Gina Raimondo",
    "Arthur Mensch",
    "Demis Hassabis",
    "Lisa Su",
];
const SUBJECTS: &[&str] = &[
    "DeepSeek-V3",
    "DeepSeek-R1",
    "H800 exports",
    "H100 supply",
    "Llama 3",
    "Qwen 2.5",
    "Gemini 2",
    "chip export controls",
    "Singapore GPU sales",
    "training compute",
];
const VERBS: &[&str] = &[
    "trained",
    "deployed",
    "acquired",
    "reported",
    "estimated",
    "announced",
    "spent",
];
const PUBLISHERS: &[&str] = &[
    "Reuters",
    "Le Monde",
    "Financial Times",
    "Bloomberg",
    "The Verge",
    "Les Echos",
    "AFP",
];
const COSTS: &[&str] = &[
    "$5.6M",
    "$6 million",
    "€1.2bn",
    "$500M",
    "about $1.6 billion",
];
const COUNTS: &[&str] = &[
    "2,048 H800",
    "50k H100",
    "about 10,000 GPUs",
    "2 048 puces Nvidia H800",
];

fn party(rng: &mut Rng) -> Party {
    if rng.below(2) == 0 {
        Party {
            name: rng.pick(ORGS).into(),
            party_type: PartyType::Organization,
            same_as: None,
        }
    } else {
        Party {
            name: rng.pick(PEOPLE).into(),
            party_type: PartyType::Person,
            same_as: None,
        }
    }
}

fn date(rng: &mut Rng) -> String {
    format!("2025-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28))
}

fn source(rng: &mut Rng, i: u64) -> Source {
    let publisher = rng.pick(PUBLISHERS);
    Source {
        url: format!(
            "https://news.example/{}/2025/{i}",
            publisher.to_lowercase().replace(' ', "-")
        ),
        title: Some(format!(
            "{} {} report on {}",
            publisher,
            rng.pick(VERBS),
            rng.pick(SUBJECTS)
        )),
        publisher: Some(publisher.into()),
        published: Some(date(rng)),
        ..Default::default()
    }
}

fn figures(rng: &mut Rng, subject: &str) -> Vec<Figure> {
    let cost = Figure::from_as_stated(subject, "training_cost", None, rng.pick(COSTS));
    let count = Figure::from_as_stated(subject, "gpu_count", None, rng.pick(COUNTS));
    [cost, count]
        .into_iter()
        .filter_map(Result::ok)
        .take(1 + rng.below(2) as usize)
        .collect()
}

fn claim(rng: &mut Rng, i: u64) -> Claim {
    let subject = rng.pick(SUBJECTS);
    let claimant = party(rng);
    Claim {
        text: format!(
            "{} says {} was {} with {} (claim {i}).",
            claimant.name,
            subject,
            rng.pick(VERBS),
            rng.pick(COUNTS)
        ),
        claimant,
        claimed_on: Some(date(rng)),
        sources: vec![source(rng, i)],
        subjects: vec![subject.into()],
        figures: figures(rng, subject),
    }
}

fn statement(rng: &mut Rng, i: u64, subject: &str) -> Statement {
    let stance = Stance::ALL[rng.below(5) as usize];
    Statement {
        stance,
        text: format!(
            "{} the earlier figure: {} analysts point to other numbers for {} (statement {i}).",
            stance.as_str(),
            rng.pick(PUBLISHERS),
            subject
        ),
        speaker: party(rng),
        stated_on: Some(date(rng)),
        sources: vec![source(rng, i)],
        figures: figures(rng, subject),
        rating: None,
    }
}

struct Args {
    entries: u64,
    keys: u64,
    seed: u64,
    out: PathBuf,
    post: u64,
}

fn args() -> Args {
    let mut a = Args {
        entries: 10_000,
        keys: 32,
        seed: 1,
        out: PathBuf::from("gen-out"),
        post: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        let num = || {
            value
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{flag}: not a number"))
        };
        match flag.as_str() {
            "--entries" => a.entries = num(),
            "--keys" => a.keys = num().max(1),
            "--seed" => a.seed = num(),
            "--out" => a.out = PathBuf::from(&value),
            "--post" => a.post = num(),
            _ => panic!(
                "unknown flag {flag}; use --entries N --keys K --seed S --out DIR [--post N]"
            ),
        }
    }
    a
}

fn seed_bytes(seed: u64, stream: u64) -> [u8; 32] {
    let mut rng = Rng::new(seed, stream);
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next().to_le_bytes());
    }
    out
}

fn at(i: u64) -> SignOptions {
    SignOptions {
        recorded_at: Some(claimledger::format::time::format_unix(
            1_735_689_600 + i * 7,
        )),
        ..Default::default()
    }
}

fn main() {
    let a = args();
    std::fs::create_dir_all(a.out.join("keys")).expect("create output folder");
    let operator = SigningKey::from_seed(ORIGIN, seed_bytes(a.seed, u64::MAX)).expect("key");
    let recorders: Vec<SigningKey> = (0..a.keys)
        .map(|k| {
            SigningKey::from_seed(&format!("recorder{k}@bench.example"), seed_bytes(a.seed, k))
                .expect("key")
        })
        .collect();
    let write_key = |path: PathBuf, key: &SigningKey| {
        let _ = std::fs::remove_file(&path);
        claimledger::ledger::keyfile::write_signing_key(&path, key).expect("write key");
    };
    write_key(a.out.join("operator.key"), &operator);
    for (k, key) in recorders.iter().enumerate() {
        write_key(a.out.join(format!("keys/recorder-{k}.key")), key);
    }

    // Line L (1-based) becomes ledger entry L: entry 0 is init's self-grant.
    let grants: Vec<SignedEntry> = recorders
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let change = KeyChange {
                action: KeyAction::Grant,
                vkey: r.verifying_key().to_string(),
                name: format!("Recorder {k}"),
                role: "reporter".into(),
                reason: None,
            };
            SignedEntry::sign_with(change, None, &operator, at(k as u64)).expect("sign grant")
        })
        .collect();
    let first = grants.len() as u64 + 1;
    let end = first + a.entries.saturating_sub(grants.len() as u64);
    // Every 3rd entry is a statement about an earlier claim; claims first so targets are known.
    let is_claim = |i: u64| (i - first) % 3 != 2 || i == first;
    let claims: Vec<(u64, SignedEntry)> = (first..end)
        .into_par_iter()
        .filter(|&i| is_claim(i))
        .map(|i| {
            let mut rng = Rng::new(a.seed, i);
            let key = &recorders[rng.below(a.keys) as usize];
            (
                i,
                SignedEntry::sign_with(claim(&mut rng, i), None, key, at(i)).expect("sign"),
            )
        })
        .collect();
    let claim_at = |i: u64| -> Option<&SignedEntry> {
        claims
            .binary_search_by_key(&i, |(j, _)| *j)
            .ok()
            .map(|p| &claims[p].1)
    };
    let statements: Vec<(u64, SignedEntry)> = (first..end)
        .into_par_iter()
        .filter(|&i| !is_claim(i))
        .map(|i| {
            let mut rng = Rng::new(a.seed, i);
            let key = &recorders[rng.below(a.keys) as usize];
            // The nearest claim at or before a random earlier index.
            let mut t = first + rng.below(i - first);
            while claim_at(t).is_none() {
                t -= 1;
            }
            let target = claim_at(t).expect("found above");
            let subject = match target.payload() {
                Some(claimledger::Payload::Claim(c)) => c.subjects[0].clone(),
                _ => unreachable!("targets are claims"),
            };
            let tgt = Target {
                index: t,
                leaf_hash: target.envelope().leaf_hash(),
            };
            let s = statement(&mut rng, i, &subject);
            (
                i,
                SignedEntry::sign_with(s, Some(tgt), key, at(i)).expect("sign"),
            )
        })
        .collect();
    let file = std::fs::File::create(a.out.join("entries.jsonl")).expect("create entries.jsonl");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut bytes = 0usize;
    let mut write = |e: &SignedEntry| {
        let line = e.to_line().to_string();
        bytes += e.envelope().as_bytes().len() + e.payload_bytes().map_or(0, <[u8]>::len);
        w.write_all(line.as_bytes())
            .and_then(|_| w.write_all(b"\n"))
            .expect("write");
    };
    grants.iter().for_each(&mut write);
    let (mut c, mut s) = (claims.iter().peekable(), statements.iter().peekable());
    loop {
        let next = match (c.peek(), s.peek()) {
            (Some(x), Some(y)) if x.0 < y.0 => c.next(),
            (Some(_), Some(_)) => s.next(),
            (Some(_), None) => c.next(),
            (None, Some(_)) => s.next(),
            (None, None) => break,
        };
        write(&next.expect("peeked").1);
    }
    w.flush().expect("flush");
    let n = grants.len() + claims.len() + statements.len();
    eprintln!(
        "wrote {n} entries ({} grants, {} claims, {} statements), {:.0} canonical bytes per entry, to {}",
        grants.len(),
        claims.len(),
        statements.len(),
        bytes as f64 / n as f64,
        a.out.display()
    );
    if a.post > 0 {
        write_post(&a, &recorders, end);
    }
    println!("{ORIGIN}");
}

/// `OUT/post.jsonl`: `a.post` claims numbered from `from` on, one import line each.
fn write_post(a: &Args, recorders: &[SigningKey], from: u64) {
    let lines: Vec<String> = (from..from + a.post)
        .into_par_iter()
        .map(|i| {
            let mut rng = Rng::new(a.seed, i);
            let key = &recorders[rng.below(a.keys) as usize];
            SignedEntry::sign_with(claim(&mut rng, i), None, key, at(i))
                .expect("sign")
                .to_line()
                .to_string()
        })
        .collect();
    let file = std::fs::File::create(a.out.join("post.jsonl")).expect("create post.jsonl");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    for line in &lines {
        w.write_all(line.as_bytes())
            .and_then(|_| w.write_all(b"\n"))
            .expect("write");
    }
    w.flush().expect("flush");
    eprintln!(
        "wrote {} claims to post (numbered {from} to {}) to {}",
        a.post,
        from + a.post - 1,
        a.out.join("post.jsonl").display()
    );
}
