//! Every parser of untrusted bytes, under proptest: the CI-sized companion of `fuzz/` (same
//! parsers, same invariants; the long libFuzzer runs are recorded in docs/RELIABILITY.md).
//!
//! - arbitrary bytes and strings, JSON token soups, and mutated valid texts of every format never
//!   make a parser panic;
//! - structured values (keys from random seeds and names, checkpoint bodies, tlog-proofs, JSON
//!   values, figure wordings) round-trip through their text forms;
//! - mutations (byte flips, truncations, extensions, insertions, deletions) of valid signed data
//!   (a note, a checkpoint, the entry-0 envelope and import line, a receipt) never panic and
//!   never verify unless the bytes are the original ones (or, where the format allows spacing,
//!   decode to the very same entry).

use claimledger::format::checkpoint::{Checkpoint, open_checkpoint};
use claimledger::format::cosignature::{Cosignature, add_cosignatures, parse_signature_lines};
use claimledger::format::encoding::{
    self, MAX_SAFE_INTEGER, check_canonical, parse_strict, to_canonical,
};
use claimledger::format::entry::{Envelope, MAX_PAYLOAD_BYTES, Payload, SignedEntry};
use claimledger::format::evidence::{EvidenceKind, ForkEvidence, fork_proof};
use claimledger::format::figure::{self, Comparison, Figure};
use claimledger::format::keys::is_valid_key_name;
use claimledger::format::note::{self, Note, sign_note};
use claimledger::format::receipt::TlogProof;
use claimledger::format::witness::{AddCheckpoint, parse_log_list, parse_size_body, size_body};
use claimledger::format::witness_evidence::WitnessEvidence;
use claimledger::verify_receipt;
use claimledger::{Kind, Ledger, Policy, SigningKey, VerifyingKey, WitnessKey, WitnessSigner};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::Value;
use std::sync::OnceLock;

const KINDS: [Kind; 3] = [Kind::Claim, Kind::Statement, Kind::Key];

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

// --- fixtures ---------------------------------------------------------------------------------

/// The log key every fixture note and checkpoint is signed with (fixed seed: deterministic).
fn log_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_seed("parsers.test.example/log", [0x5a; 32]).unwrap())
}

/// A signed note with one signature, by [`log_key`].
fn signed_note() -> &'static [u8] {
    static NOTE: OnceLock<String> = OnceLock::new();
    NOTE.get_or_init(|| {
        sign_note(
            "Parsers are fuzzed.\n\nEven the second paragraph.\n",
            log_key(),
        )
        .unwrap()
    })
    .as_bytes()
}

/// The witness of the fixtures (fixed seed).
fn witness() -> &'static WitnessSigner {
    static W: OnceLock<WitnessSigner> = OnceLock::new();
    W.get_or_init(|| {
        WitnessSigner::new(
            SigningKey::from_seed("parsers.test.example/witness", [0x6b; 32]).unwrap(),
        )
    })
}

/// [`signed_checkpoint`] cosigned by [`witness`], and a 1-of-1 policy text for it.
fn cosigned_checkpoint() -> &'static (String, String) {
    static NOTE: OnceLock<(String, String)> = OnceLock::new();
    NOTE.get_or_init(|| {
        let note = std::str::from_utf8(signed_checkpoint()).unwrap();
        let body = Note::parse(note.as_bytes()).unwrap().text().to_owned();
        let line = witness()
            .cosign(&body, 1_700_000_000)
            .unwrap()
            .to_note_signature();
        let policy = format!(
            "log {}\nwitness w {} http://127.0.0.1:1/\ngroup g any w\nquorum g\n",
            log_key().verifying_key(),
            witness().witness_key()
        );
        (add_cosignatures(note, &[line]).unwrap(), policy)
    })
}

/// A signed checkpoint with one extension line, by [`log_key`].
fn signed_checkpoint() -> &'static [u8] {
    static NOTE: OnceLock<String> = OnceLock::new();
    NOTE.get_or_init(|| {
        let mut cp = Checkpoint::new(log_key().name(), 1_000_003, [0xc3; 32]).unwrap();
        cp.extensions.push("an extension line".into());
        cp.sign(log_key()).unwrap()
    })
    .as_bytes()
}

/// The nodes of a tree of leaf hashes, each computed from the leaves by the slow reference.
struct Leaves(Vec<claimledger::Hash>);

impl claimledger::format::merkle::NodeSource for Leaves {
    type Error = claimledger::format::merkle::ProofError;
    fn node(&self, level: u32, index: u64) -> Result<claimledger::Hash, Self::Error> {
        let (start, end) = ((index << level) as usize, ((index + 1) << level) as usize);
        Ok(claimledger::format::merkle::reference::root(
            &self.0[start..end],
        ))
    }
}

/// Fork evidence by [`log_key`]: a tree of 6 leaves accepted, then one of 9 whose leaf 4 differs.
fn fork_evidence() -> &'static Vec<u8> {
    static FILE: OnceLock<Vec<u8>> = OnceLock::new();
    FILE.get_or_init(|| {
        let leaves = |tag: &str, n: usize| -> Vec<claimledger::Hash> {
            (0..n)
                .map(|i| claimledger::format::merkle::leaf_hash(format!("{tag}{i}").as_bytes()))
                .collect()
        };
        let a = leaves("a", 6);
        let mut b = a[..4].to_vec();
        b.extend(leaves("b", 5));
        let signed = |l: &[claimledger::Hash]| {
            let root = claimledger::format::merkle::reference::root(l);
            Checkpoint::new(log_key().name(), l.len() as u64, root)
                .unwrap()
                .sign(log_key())
                .unwrap()
        };
        let proof = fork_proof(&Leaves(b.clone()), 6, 9).unwrap();
        let e = ForkEvidence::new(
            "https://parsers.test.example/",
            "2026-12-06T22:00:00Z",
            &signed(&a),
            &signed(&b),
            proof,
        );
        e.to_json().into_bytes()
    })
}

struct EntryVector {
    envelope: Vec<u8>,
    payload: Vec<u8>,
    payload_value: Value,
    kind: Kind,
    line: Vec<u8>,
    entry: SignedEntry,
}

/// tests/vectors/entry-`n`.json: envelope bytes, canonical payload, and its import line.
fn entry_vector(n: usize) -> &'static EntryVector {
    static VECTORS: [OnceLock<EntryVector>; 2] = [OnceLock::new(), OnceLock::new()];
    VECTORS[n].get_or_init(|| {
        let path = format!(
            "{}/tests/vectors/entry-{n}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let hex_field = |k: &str| hex::decode(v[k].as_str().unwrap()).unwrap();
        let envelope = hex_field("envelope_hex");
        let payload = hex_field("payload_canonical_hex");
        let kind = Envelope::parse(&envelope).unwrap().kind();
        let entry = SignedEntry::from_stored(&envelope, &payload).unwrap();
        let line = to_canonical(&entry.to_line());
        EntryVector {
            envelope,
            payload,
            payload_value: v["payload"].clone(),
            kind,
            line,
            entry,
        }
    })
}

/// A receipt for a claim in a fresh ledger, and the ledger's log key.
fn receipt() -> &'static (Vec<u8>, VerifyingKey) {
    static RECEIPT: OnceLock<(Vec<u8>, VerifyingKey)> = OnceLock::new();
    RECEIPT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let operator = SigningKey::from_seed("parsers.test.example/claims", [1; 32]).unwrap();
        let alice = SigningKey::from_seed("alice@parsers.test.example", [2; 32]).unwrap();
        let mut ledger = Ledger::create(dir.path().join("claims.db"), &operator).unwrap();
        ledger
            .grant(&alice.verifying_key(), "Alice", "reporter")
            .unwrap();
        let v = entry_vector(0);
        let (payload, _) = Payload::from_json(v.kind, &v.payload).unwrap();
        let index = ledger.append(payload, &alice).unwrap().entry.index();
        let bytes = ledger.receipt(index).unwrap().to_pretty().into_bytes();
        verify_receipt(&bytes, ledger.log_key()).expect("a fresh receipt verifies");
        (bytes, ledger.log_key().clone())
    })
}

/// A signed note and the keys that verify it.
type NoteCase = (Vec<u8>, Vec<VerifyingKey>);

/// Notes from ../shared/vectors/note that verify, with their verifier keys (None without them).
fn vector_notes() -> Option<&'static [NoteCase]> {
    static NOTES: OnceLock<Option<Vec<NoteCase>>> = OnceLock::new();
    NOTES
        .get_or_init(|| {
            let dir = crate::util::vectors_dir("note")?;
            let text = std::fs::read_to_string(dir.join("note-vectors.json")).unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            let notes = v["notes_valid"]
                .as_array()
                .unwrap()
                .iter()
                // One signature line per note: dropping a line of a two-signature note whose
                // other signer is unknown legitimately still verifies.
                .filter(|case| case["note"].as_str().unwrap().matches('\u{2014}').count() == 1)
                .map(|case| {
                    let keys = case["verifiers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|k| k.as_str().unwrap().parse().unwrap())
                        .collect();
                    (case["note"].as_str().unwrap().as_bytes().to_vec(), keys)
                })
                .collect();
            Some(notes)
        })
        .as_deref()
}

// --- strategies -------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Extend(Vec<u8>),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let snippet = prop_oneof![
        vec(any::<u8>(), 1..8),
        Just(b"\n".to_vec()),
        Just(b" ".to_vec()),
        Just("\u{2014} ".as_bytes().to_vec()),
        Just(b"=".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"0".to_vec()),
    ];
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, x)| Mutation::Flip(at, x)),
        any::<usize>().prop_map(Mutation::Truncate),
        snippet.clone().prop_map(Mutation::Extend),
        (any::<usize>(), snippet).prop_map(|(at, s)| Mutation::Insert(at, s)),
        (any::<usize>(), 1..6usize).prop_map(|(at, n)| Mutation::Remove(at, n)),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    vec(mutation(), 1..4)
}

fn mutate(original: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut b = original.to_vec();
    for m in mutations {
        let len = b.len();
        match m {
            Mutation::Flip(at, x) if len > 0 => b[at % len] ^= x,
            Mutation::Truncate(at) => b.truncate(at % (len + 1)),
            Mutation::Extend(s) => b.extend_from_slice(s),
            Mutation::Insert(at, s) => {
                let at = at % (len + 1);
                b.splice(at..at, s.iter().copied());
            }
            Mutation::Remove(at, n) if len > 0 => {
                let at = at % len;
                b.drain(at..(at + n).min(len));
            }
            _ => {}
        }
    }
    b
}

/// A checkpoint with any origin and extension lines the format allows.
fn checkpoint_value() -> impl Strategy<Value = Checkpoint> {
    (
        note_line(),
        any::<u64>(),
        any::<[u8; 32]>(),
        vec(note_line(), 0..4),
    )
        .prop_map(|(origin, size, root, extensions)| {
            let mut cp = Checkpoint::new(&origin, size, root).unwrap();
            cp.extensions = extensions;
            cp
        })
}

/// A tlog-proof with any extra data, index and up to 64 hashes; its checkpoint is the signed
/// fixture checkpoint or any text.
fn tlog_proof_value() -> impl Strategy<Value = TlogProof> {
    (
        proptest::option::of(vec(any::<u8>(), 0..48)),
        any::<u64>(),
        vec(any::<[u8; 32]>(), 0..=64),
        prop_oneof![
            Just(String::from_utf8(signed_checkpoint().to_vec()).unwrap()),
            "(?s).{0,120}",
        ],
    )
        .prop_map(|(extra, index, proof, checkpoint)| TlogProof {
            extra,
            index,
            proof,
            checkpoint,
        })
}

/// A valid text of one of the text formats: vkey, private key, checkpoint body, tlog-proof,
/// signed note, signed checkpoint.
fn valid_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (key_name(), any::<[u8; 32]>()).prop_map(|(name, seed)| {
            let key = SigningKey::from_seed(&name, seed).unwrap();
            key.verifying_key().to_string().into_bytes()
        }),
        (key_name(), any::<[u8; 32]>()).prop_map(|(name, seed)| {
            let key = SigningKey::from_seed(&name, seed).unwrap();
            key.to_secret_text().expose().as_bytes().to_vec()
        }),
        checkpoint_value().prop_map(|cp| cp.body().into_bytes()),
        tlog_proof_value().prop_map(|p| p.to_text().into_bytes()),
        Just(signed_note().to_vec()),
        Just(signed_checkpoint().to_vec()),
        Just(cosigned_checkpoint().0.clone().into_bytes()),
        Just(cosigned_checkpoint().1.clone().into_bytes()),
        (key_name(), any::<[u8; 32]>()).prop_map(|(name, seed)| {
            let key = SigningKey::from_seed(&name, seed).unwrap();
            WitnessSigner::new(key)
                .witness_key()
                .to_string()
                .into_bytes()
        }),
        Just(
            AddCheckpoint {
                old_size: 3,
                proof: vec![[7; 32], [8; 32]],
                checkpoint: cosigned_checkpoint().0.clone(),
            }
            .to_body()
            .into_bytes()
        ),
    ]
}

/// Concatenations of JSON tokens, including the member names of envelopes and payloads.
fn json_soup() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        4 => prop::sample::select(vec![
            "{", "}", "[", "]", ",", ":", " ", "\n", "null", "true", "false", "0", "1", "-1",
            "-0", "1.5", "1e3", "9007199254740991", "9007199254740992", "-9007199254740992",
            "\"\"", "\" \"", "\"\\u0000\"", "\"\\ud800\"", "\"\\ud83d\\ude00\"", "\"\\/\"",
            "\"text\"", "\"claimant\"", "\"speaker\"", "\"name\"", "\"type\"", "\"person\"",
            "\"organization\"", "\"same_as\"", "\"https://example.com/\"", "\"sources\"",
            "\"url\"", "\"published\"", "\"2025-01-27\"", "\"2025-02-30\"", "\"sha256\"",
            "\"subjects\"", "\"figures\"", "\"subject\"", "\"property\"", "\"value\"",
            "\"precision\"", "\"exact\"", "\"range\"", "\"lower\"", "\"upper\"", "\"unit\"",
            "\"USD\"", "\"count:H800\"", "\"as_stated\"", "\"$5.6M\"", "\"stance\"",
            "\"contests\"", "\"action\"", "\"grant\"", "\"revoke\"", "\"vkey\"", "\"role\"",
            "\"reason\"", "\"format\"", "\"claimledger/v1\"", "\"kind\"", "\"claim\"",
            "\"statement\"", "\"target\"", "\"index\"", "\"leaf_hash\"", "\"signature\"",
            "\"envelope_base64\"", "\"payload\"", "\"tlog_proof\"",
            "\"claimledger-receipt/v1\"",
        ]).prop_map(|t| t.as_bytes().to_vec()),
        1 => any::<String>().prop_map(|s| serde_json::to_vec(&s).unwrap()),
        1 => vec(any::<u8>(), 1..4),
    ];
    vec(token, 0..24).prop_map(|tokens| tokens.concat())
}

/// Any JSON value our subset accepts: integers within ±(2^53 − 1), any strings, nesting ≤ 4.
fn json_value() -> impl Strategy<Value = Value> {
    let max = MAX_SAFE_INTEGER as i64;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-max..=max).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((any::<String>(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

fn key_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9./@_:-]{1,24}",
        "[\\p{L}\\p{N}\\p{P}\\p{S}]{1,12}",
    ]
    .prop_filter("a valid key name", |n| is_valid_key_name(n))
}

/// One line with no control characters (checkpoint origins and extension lines).
fn note_line() -> impl Strategy<Value = String> {
    prop_oneof!["[^\\x00-\\x1F]{1,30}", "[a-z0-9./ \u{2014}-]{1,30}"]
}

fn figure_wording() -> impl Strategy<Value = String> {
    let qualifier = "(about |around |approximately |at least |at most |more than |up to |over |under |~|environ |plus de |au moins |between |entre |from |de )?";
    let number = "-?[0-9]{1,4}([,. \u{a0}\u{202f}'][0-9]{1,3}){0,3}([.,][0-9]{1,8})?";
    let scale = "( ?(k|K|M|m|bn|B|T|thousand|million|millions|billion|milliard|milliards|trillion|mille|mn|mln|Md))?";
    let unit = "( ?(\\$|€|£|¥|USD|EUR|dollars|de dollars|d'euros|%|percent|GPUs|GPU|H800|puces Nvidia H800|GPU-hours))?";
    let sep = "( ?(-|–|to|à|and|et) ?)";
    let regex = |r: String| proptest::string::string_regex(&r).expect("a valid regex");
    prop_oneof![
        regex(format!("{qualifier}(\\$|€|£|US\\$)?{number}{scale}{unit}")),
        regex(format!(
            "{qualifier}(\\$|€)?{number}{scale}{sep}(\\$|€)?{number}{scale}{unit}"
        )),
        regex(
            "[0-9]{1,60}(\\.[0-9]{1,60})? ?(trillion|billion|milliards|M|k)? ?(USD|GPUs)?".into()
        ),
    ]
}

/// Set (Some) or remove (None) the member at a JSON pointer whose parent exists.
fn set_member(doc: &mut Value, pointer: &str, new: Option<Value>) {
    let (parent, last) = pointer.rsplit_once('/').expect("a pointer");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => match new {
            Some(v) => {
                map.insert(last.to_string(), v);
            }
            None => {
                map.remove(last);
            }
        },
        Some(Value::Array(items)) => {
            if let (Ok(i), Some(v)) = (last.parse::<usize>(), new) {
                if i < items.len() {
                    items[i] = v;
                }
            }
        }
        _ => {}
    }
}

/// Accepted payload input: its canonical bytes read back as stored, and the typed payload
/// re-serializes and re-validates unchanged (what signing relies on).
fn check_payload_invariants(kind: Kind, input: &[u8]) -> Result<(), TestCaseError> {
    let from_json = Payload::from_json(kind, input);
    if let Ok((payload, canonical)) = &from_json {
        prop_assert_eq!(payload.kind(), kind);
        let stored = Payload::from_stored(kind, canonical);
        prop_assert_eq!(stored.as_ref().ok(), Some(payload));
        if canonical.len() + 64 <= MAX_PAYLOAD_BYTES {
            let again = Payload::from_value(kind, payload.to_value()).map(|(p, _)| p);
            prop_assert_eq!(again.as_ref().ok(), Some(payload));
        }
    }
    if let Ok(stored) = Payload::from_stored(kind, input) {
        let (payload, canonical) = from_json.expect("stored bytes are valid input too");
        prop_assert_eq!(canonical.as_slice(), input);
        prop_assert_eq!(payload, stored);
    }
    Ok(())
}

/// Every parser of untrusted bytes, on the same input. Only panics matter here.
fn every_parser(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let log = log_key().verifying_key();
    if let Ok(key) = text.parse::<VerifyingKey>() {
        assert_eq!(key.to_string(), text);
    }
    if let Ok(key) = text.parse::<SigningKey>() {
        assert_eq!(key.to_secret_text().expose(), text);
    }
    if let Ok(n) = Note::parse(bytes) {
        let _ = n.verify(std::slice::from_ref(&log));
    }
    let _ = note::open(bytes, std::slice::from_ref(&log));
    if let Ok(cp) = Checkpoint::parse_body(&text) {
        assert_eq!(cp.body(), text);
    }
    let _ = open_checkpoint(bytes, &log);
    if let Ok(p) = TlogProof::parse(&text) {
        assert_eq!(p.to_text(), text);
    }
    let _ = verify_receipt(bytes, &log);
    let _ = verify_receipt(bytes, &receipt().1);
    if let Ok(e) = ForkEvidence::parse(bytes) {
        assert_eq!(ForkEvidence::parse(e.to_json().as_bytes()).as_ref(), Ok(&e));
        let _ = e.verify(&log);
    }
    if let Ok(w) = WitnessEvidence::parse(bytes) {
        let _ = w.verify(&log);
    }
    if let Ok(env) = Envelope::parse(bytes) {
        assert_eq!(env.as_bytes(), bytes);
        let _ = env.verify_signature();
    }
    for kind in KINDS {
        let _ = Payload::from_json(kind, bytes);
        let _ = Payload::from_stored(kind, bytes);
    }
    let _ = figure::parse_as_stated(&text);
    let _ = SignedEntry::from_line(bytes);
    if let Ok(v) = check_canonical(bytes) {
        assert_eq!(to_canonical(&v), bytes);
    }
    if let Ok(v) = parse_strict(bytes) {
        assert_eq!(check_canonical(&to_canonical(&v)), Ok(v));
    }
    // Witness formats (FORMAT.md §14–16).
    if let Ok(key) = text.parse::<WitnessKey>() {
        assert_eq!(key.to_string(), text);
    }
    if let Ok(c) = Cosignature::parse_line(&text) {
        assert_eq!(c.to_line(), text);
    }
    if let Ok(lines) = parse_signature_lines(&text) {
        let joined: String = lines.iter().map(|l| format!("{}\n", l.line())).collect();
        assert_eq!(joined, text);
    }
    if let Ok(policy) = text.parse::<Policy>() {
        assert_eq!(policy.to_text().parse::<Policy>().as_ref(), Ok(&policy));
        let _ = policy.check(bytes, &log);
    }
    if let Ok(req) = AddCheckpoint::parse(bytes) {
        assert_eq!(req.to_body().as_bytes(), bytes);
    }
    if let Some(n) = parse_size_body(bytes) {
        assert_eq!(size_body(n).as_bytes(), bytes);
    }
    let _ = parse_log_list(&text);
    // Tile paths come from URLs: one spelling per tile.
    if let Some(t) = claimledger::format::tiles::TilePath::parse(&text) {
        assert_eq!(t.to_path(), format!("tile/{text}"));
    }
    if let Some(entries) = claimledger::format::tiles::parse_entry_bundle(bytes) {
        assert_eq!(
            claimledger::format::tiles::entry_bundle(entries.iter().copied()).as_deref(),
            Some(bytes)
        );
    }
    // Audit state (FORMAT.md §20): what parses writes back to a state that parses the same.
    if let Ok(st) = claimledger::ledger::audit::AuditState::parse(bytes) {
        let again = claimledger::ledger::audit::AuditState::parse(st.to_json().as_bytes());
        assert_eq!(again.as_ref(), Ok(&st));
    }
}

// --- arbitrary input never panics -------------------------------------------------------------

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..400)) {
        every_parser(&bytes);
    }

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        every_parser(text.as_bytes());
    }

    #[test]
    fn mutated_valid_texts_never_panic(text in valid_text(), m in mutations()) {
        every_parser(&mutate(&text, &m));
    }

    #[test]
    fn json_soup_never_panics(bytes in json_soup()) {
        every_parser(&bytes);
        for kind in KINDS {
            check_payload_invariants(kind, &bytes)?;
        }
    }
}

// --- structured round trips -------------------------------------------------------------------

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn keys_from_random_seeds_and_names_round_trip(name in key_name(), seed in any::<[u8; 32]>()) {
        let sk = SigningKey::from_seed(&name, seed).unwrap();
        let vk = sk.verifying_key();
        let text = vk.to_string();
        let parsed: VerifyingKey = text.parse().unwrap();
        prop_assert_eq!(&parsed, &vk);
        prop_assert_eq!(parsed.to_string(), text);
        let secret = sk.to_secret_text();
        let back: SigningKey = secret.expose().parse().unwrap();
        prop_assert_eq!(back.verifying_key(), vk);
        let again = back.to_secret_text();
        prop_assert_eq!(again.expose(), secret.expose());
    }

    #[test]
    fn vkey_mutations_parse_to_another_key_or_fail(
        name in key_name(), seed in any::<[u8; 32]>(), m in mutations(),
    ) {
        let vk = SigningKey::from_seed(&name, seed).unwrap().verifying_key();
        let text = vk.to_string();
        let mutated = mutate(text.as_bytes(), &m);
        let mutated = String::from_utf8_lossy(&mutated);
        if let Ok(k) = mutated.parse::<VerifyingKey>() {
            prop_assert!(k != vk || mutated == text, "{:?}", mutated);
        }
    }

    #[test]
    fn checkpoint_bodies_round_trip_and_sign(cp in checkpoint_value(), seed in any::<[u8; 32]>()) {
        prop_assert_eq!(cp.validate(), Ok(()));
        let body = cp.body();
        prop_assert_eq!(Checkpoint::parse_body(&body), Ok(cp.clone()));
        if is_valid_key_name(&cp.origin) {
            let key = SigningKey::from_seed(&cp.origin, seed).unwrap();
            let signed = cp.sign(&key).unwrap();
            let (opened, note) = open_checkpoint(signed.as_bytes(), &key.verifying_key()).unwrap();
            prop_assert_eq!(opened, cp);
            prop_assert_eq!(note.text(), body);
        }
    }

    #[test]
    fn tlog_proofs_round_trip(p in tlog_proof_value()) {
        let text = p.to_text();
        prop_assert_eq!(TlogProof::parse(&text).ok(), Some(p.clone()));
        // One hash too many is refused.
        let mut long = p;
        long.proof.resize(65, [0; 32]);
        prop_assert!(TlogProof::parse(&long.to_text()).is_err());
    }

    #[test]
    fn json_values_round_trip_through_canonical_form(value in json_value()) {
        let canonical = to_canonical(&value);
        prop_assert_eq!(check_canonical(&canonical), Ok(value.clone()));
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        prop_assert_eq!(parse_strict(&pretty), Ok(value.clone()));
        if pretty != canonical {
            prop_assert_eq!(check_canonical(&pretty), Err(encoding::EncodingError::NotCanonical));
        }
    }

    #[test]
    fn figure_wordings_never_panic_and_what_parses_validates(text in figure_wording()) {
        if let Ok(q) = figure::parse_as_stated(&text) {
            let f = Figure::from_as_stated("subject", "property", None, &text)
                .expect("wording the parser reads makes a valid figure");
            prop_assert_eq!(&f.value, &q.value);
            prop_assert_eq!(f.validate(), Ok(()));
            prop_assert_eq!(figure::compare(&f, &f), Comparison::Agrees);
        }
    }

    #[test]
    fn payload_member_changes_never_panic(
        which in 0..3usize,
        pointer in prop::sample::select(vec![
            "/text", "/claimant", "/claimant/name", "/claimant/type", "/claimant/same_as",
            "/claimed_on", "/sources", "/sources/0/url", "/sources/0/published",
            "/sources/0/sha256", "/subjects", "/subjects/0", "/figures", "/figures/0/value",
            "/figures/0/unit", "/figures/0/precision", "/figures/0/lower", "/figures/0/upper",
            "/figures/0/as_stated", "/figures/0/scope", "/stance", "/speaker/name", "/vkey",
            "/action", "/reason", "/role", "/unknown",
        ]),
        new in proptest::option::of(prop_oneof![
            json_value(),
            any::<String>().prop_map(Value::String),
            figure_wording().prop_map(Value::String),
            Just(Value::String("2025-02-29".into())),
            Just(Value::String("range".into())),
            Just(Value::String("revoke".into())),
        ]),
    ) {
        let mut doc = match which {
            0 | 1 => entry_vector(which).payload_value.clone(),
            _ => serde_json::json!({
                "action": "grant", "name": "Alice", "role": "reporter",
                "vkey": log_key().verifying_key().to_string(),
            }),
        };
        set_member(&mut doc, pointer, new);
        let bytes = serde_json::to_vec(&doc).unwrap();
        for kind in KINDS {
            check_payload_invariants(kind, &bytes)?;
        }
    }
}

// --- mutations of valid signed data -----------------------------------------------------------

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn mutated_notes_never_verify(m in mutations()) {
        let original = signed_note();
        let mutated = mutate(original, &m);
        let _ = Note::parse(&mutated);
        let opened = note::open(&mutated, &[log_key().verifying_key()]);
        prop_assert_eq!(opened.is_ok(), mutated == original, "{:?}", String::from_utf8_lossy(&mutated));
    }

    #[test]
    fn mutated_vector_notes_never_verify(pick in any::<prop::sample::Index>(), m in mutations()) {
        let Some(notes) = vector_notes() else { return Ok(()) };
        let (original, keys) = pick.get(notes);
        let mutated = mutate(original, &m);
        let opened = note::open(&mutated, keys);
        prop_assert_eq!(opened.is_ok(), &mutated == original, "{:?}", String::from_utf8_lossy(&mutated));
    }

    #[test]
    fn mutated_cosigned_checkpoints_meet_the_policy_only_with_the_original_text(m in mutations()) {
        let (original, policy) = cosigned_checkpoint();
        let policy: Policy = policy.parse().unwrap();
        let log = log_key().verifying_key();
        prop_assert!(policy.check(original.as_bytes(), &log).unwrap().1.met);
        let mutated = mutate(original.as_bytes(), &m);
        if let Ok((_, verdict)) = policy.check(&mutated, &log) {
            if verdict.met {
                // Extra or reordered signature lines are harmless; the signed text is not.
                let text = Note::parse(&mutated).unwrap().text().to_owned();
                let want = Note::parse(original.as_bytes()).unwrap().text().to_owned();
                prop_assert_eq!(text, want);
            }
        }
    }

    #[test]
    fn mutated_checkpoints_never_open(m in mutations()) {
        let original = signed_checkpoint();
        let mutated = mutate(original, &m);
        let _ = Checkpoint::parse_body(&String::from_utf8_lossy(&mutated));
        let opened = open_checkpoint(&mutated, &log_key().verifying_key());
        prop_assert_eq!(opened.is_ok(), mutated == original, "{:?}", String::from_utf8_lossy(&mutated));
    }

    #[test]
    fn mutated_envelopes_never_verify(m in mutations()) {
        let v = entry_vector(0);
        let mutated = mutate(&v.envelope, &m);
        let verified = Envelope::parse(&mutated).and_then(|e| e.verify_signature());
        prop_assert_eq!(verified.is_ok(), mutated == v.envelope, "{:?}", String::from_utf8_lossy(&mutated));
        let entry = SignedEntry::from_stored(&mutated, &v.payload);
        prop_assert_eq!(entry.is_ok(), mutated == v.envelope);
    }

    #[test]
    fn mutated_payloads_never_bind_to_the_envelope(m in mutations()) {
        let v = entry_vector(0);
        let mutated = mutate(&v.payload, &m);
        check_payload_invariants(v.kind, &mutated)?;
        let entry = SignedEntry::from_stored(&v.envelope, &mutated);
        prop_assert_eq!(entry.is_ok(), mutated == v.payload);
    }

    #[test]
    fn mutated_import_lines_read_as_the_same_entry_or_fail(m in mutations()) {
        let v = entry_vector(0);
        let mutated = mutate(&v.line, &m);
        if let Ok(entry) = SignedEntry::from_line(&mutated) {
            prop_assert_eq!(&entry, &v.entry, "{:?}", String::from_utf8_lossy(&mutated));
        }
    }

    #[test]
    fn mutated_fork_evidence_proves_only_the_same_fork(m in mutations()) {
        let log = log_key().verifying_key();
        let original = fork_evidence();
        let want = ForkEvidence::parse(original).unwrap().verify(&log).unwrap();
        prop_assert_eq!(want.kind, EvidenceKind::Fork);
        let mutated = mutate(original, &m);
        if let Ok(got) = ForkEvidence::parse(&mutated).and_then(|e| e.verify(&log)) {
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn mutated_receipts_verify_only_as_the_same_receipt(m in mutations()) {
        let (original, log) = receipt();
        let want = verify_receipt(original, log).unwrap();
        let mutated = mutate(original, &m);
        if let Ok(got) = verify_receipt(&mutated, log) {
            prop_assert_eq!(got.index, want.index);
            prop_assert_eq!(&got.entry, &want.entry);
            prop_assert_eq!(&got.checkpoint, &want.checkpoint);
        }
    }

    #[test]
    fn tile_paths_round_trip(level in 0u8..64, index in any::<u64>(), width in 1u64..=256, entries in any::<bool>()) {
        use claimledger::format::tiles::{TileKind, TilePath};
        let kind = if entries { TileKind::Entries } else { TileKind::Hashes { level } };
        let t = TilePath { kind, index, width };
        let path = t.to_path();
        prop_assert_eq!(TilePath::parse(path.strip_prefix("tile/").unwrap()), Some(t));
    }
}
