//! Signed notes, keys and checkpoints against the C2SP / Go / Tessera vectors.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use claimledger::format::checkpoint::{Checkpoint, CheckpointError, open_checkpoint};
use claimledger::format::keys::{SigningKey, VerifyingKey, key_id};
use claimledger::format::note::{Malformed, Note, NoteError, add_signature, open, sign_note};
use serde_json::Value;
use std::collections::HashSet;
use std::path::PathBuf;

const TESSERA_ORIGIN: &str = "example.com/log/testdata";
const TESSERA_VKEY: &str =
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
/// A published test-only key (tessera-log/README.md).
const TESSERA_SKEY: &str =
    "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg";

fn note_vectors() -> Option<Value> {
    let dir = crate::util::vectors_dir("note")?;
    let bytes = std::fs::read(dir.join("note-vectors.json")).expect("read note-vectors.json");
    Some(serde_json::from_slice(&bytes).expect("note-vectors.json is JSON"))
}

fn str_of<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("field {field} is a string in {v}"))
}

fn array_of<'a>(v: &'a Value, field: &str) -> &'a [Value] {
    v[field]
        .as_array()
        .unwrap_or_else(|| panic!("field {field} is an array in {v}"))
}

fn verifiers(case: &Value) -> Vec<VerifyingKey> {
    array_of(case, "verifiers")
        .iter()
        .map(|k| {
            k.as_str()
                .expect("vkey string")
                .parse()
                .expect("vkey parses")
        })
        .collect()
}

fn note_bytes(case: &Value) -> Vec<u8> {
    match case.get("note_hex") {
        Some(h) => hex::decode(h.as_str().expect("hex string")).expect("hex"),
        None => str_of(case, "note").as_bytes().to_vec(),
    }
}

fn key_entry<'a>(vectors: &'a Value, name: &str) -> &'a Value {
    array_of(vectors, "keys")
        .iter()
        .find(|k| str_of(k, "name") == name)
        .unwrap_or_else(|| panic!("key {name} in vectors"))
}

#[test]
fn listed_keys_parse_with_their_ids() {
    let Some(vectors) = note_vectors() else {
        return;
    };
    let keys = array_of(&vectors, "keys");
    assert!(keys.len() >= 3);
    for k in keys {
        let vkey = str_of(k, "vkey");
        let vk: VerifyingKey = vkey.parse().expect("listed vkey parses");
        assert_eq!(vk.name(), str_of(k, "name"));
        assert_eq!(vk.key_id().to_string(), str_of(k, "key_id"));
        assert_eq!(key_id(vk.name(), vk.public_bytes()), vk.key_id());
        assert_eq!(vk.to_string(), vkey);
        if let Some(skey) = k.get("skey") {
            let skey = skey.as_str().expect("skey string");
            let sk: SigningKey = skey.parse().expect("listed skey parses");
            assert_eq!(sk.verifying_key(), vk);
            assert_eq!(sk.to_secret_text().expose(), skey);
        }
    }
    // The C2SP example key.
    let c2sp: VerifyingKey = str_of(key_entry(&vectors, "example.com/foo"), "vkey")
        .parse()
        .expect("C2SP vkey");
    assert_eq!(c2sp.key_id().to_string(), "530d903a");
    assert_eq!(c2sp.key_id().0, [0x53, 0x0d, 0x90, 0x3a]);
}

#[test]
fn valid_notes_open_with_exactly_the_listed_signers() {
    let Some(vectors) = note_vectors() else {
        return;
    };
    let cases = array_of(&vectors, "notes_valid");
    assert!(!cases.is_empty());
    for case in cases {
        let desc = str_of(case, "desc");
        let keys = verifiers(case);
        let bytes = note_bytes(case);
        let (note, verified) = open(&bytes, &keys).unwrap_or_else(|e| panic!("{desc}: {e}"));
        assert_eq!(note.text(), str_of(case, "text"), "{desc}");
        let names: Vec<&str> = verified.iter().map(|k| k.name()).collect();
        let want: Vec<&str> = array_of(case, "verified_by")
            .iter()
            .map(|n| n.as_str().expect("name"))
            .collect();
        assert_eq!(names, want, "{desc}");
        // Note::verify returns the same keys as references into the list.
        let by_ref: Vec<VerifyingKey> = note
            .verify(&keys)
            .expect("verifies")
            .into_iter()
            .cloned()
            .collect();
        assert_eq!(by_ref, verified, "{desc}");
        // Unverified signatures, with identical lines dropped as Go does.
        if let Some(unverified) = case.get("unverified") {
            let mut seen = HashSet::new();
            let ours: Vec<String> = note
                .signatures()
                .iter()
                .filter(|s| {
                    !keys
                        .iter()
                        .any(|k| k.name() == s.name && k.key_id() == s.key_id)
                })
                .map(|s| s.line().trim_start_matches("\u{2014} ").to_owned())
                .filter(|l| seen.insert(l.clone()))
                .collect();
            let want: Vec<&str> = unverified
                .as_array()
                .expect("array")
                .iter()
                .map(|l| l.as_str().expect("line"))
                .collect();
            assert_eq!(ours, want, "{desc}");
        }
        // Parsing is canonical: re-encoding the lines gives the note back.
        let mut again = format!("{}\n", note.text());
        for s in note.signatures() {
            again.push_str(&s.line());
            again.push('\n');
        }
        assert_eq!(again.as_bytes(), &bytes[..], "{desc}");
    }
}

#[test]
fn invalid_notes_are_rejected_for_the_listed_reason() {
    let Some(vectors) = note_vectors() else {
        return;
    };
    let cases = array_of(&vectors, "notes_invalid");
    assert!(cases.len() >= 10);
    for case in cases {
        let desc = str_of(case, "desc");
        let keys = verifiers(case);
        let err = open(&note_bytes(case), &keys).expect_err(desc);
        let reason = str_of(case, "error");
        let fits = match reason {
            "malformed" => matches!(err, NoteError::Malformed(_)),
            "no verifiable signatures" => err == NoteError::NoVerifiedSignature,
            "invalid signature" => matches!(err, NoteError::InvalidSignature { .. }),
            "ambiguous key" => matches!(err, NoteError::AmbiguousKey { .. }),
            other => panic!("{desc}: unknown reason {other}"),
        };
        assert!(fits, "{desc}: expected {reason}, got {err:?}");
    }
}

#[test]
fn signing_the_go_text_reproduces_go_signatures() {
    let Some(vectors) = note_vectors() else {
        return;
    };
    let peter: SigningKey = str_of(key_entry(&vectors, "PeterNeumann"), "skey")
        .parse()
        .expect("Peter skey");
    let enoch: SigningKey = str_of(key_entry(&vectors, "EnochRoot"), "skey")
        .parse()
        .expect("Enoch skey");
    let valid = array_of(&vectors, "notes_valid");
    let go = valid
        .iter()
        .find(|c| str_of(c, "desc").starts_with("Go TestSign"))
        .expect("Go TestSign case");
    let both = valid
        .iter()
        .find(|c| str_of(c, "desc") == "two signatures, both known")
        .expect("two-signature case");
    let text = str_of(go, "text");

    let signed = sign_note(text, &peter).expect("Go text is valid");
    assert_eq!(signed, str_of(go, "note"));
    let cosigned = add_signature(&signed, &enoch).expect("adds");
    assert_eq!(cosigned, str_of(both, "note"));
    // Enoch alone: his line is the last line of the two-signature note.
    let enoch_only = sign_note(text, &enoch).expect("Go text is valid");
    assert_eq!(
        enoch_only.lines().last(),
        str_of(both, "note").lines().last()
    );
}

fn assert_all_variants_fail<T: std::str::FromStr>(base: &str) -> usize {
    let bytes = base.as_bytes();
    let mut checked = 0;
    // Every proper substring (including the empty one).
    for start in 0..=bytes.len() {
        for end in start..=bytes.len() {
            if end - start == bytes.len() {
                continue;
            }
            if let Ok(s) = std::str::from_utf8(&bytes[start..end]) {
                assert!(s.parse::<T>().is_err(), "substring {s:?} parsed");
                checked += 1;
            }
        }
    }
    // Every single-byte increment.
    for i in 0..bytes.len() {
        let mut b = bytes.to_vec();
        b[i] = b[i].wrapping_add(1);
        if let Ok(s) = std::str::from_utf8(&b) {
            assert!(s.parse::<T>().is_err(), "increment at {i}: {s:?} parsed");
            checked += 1;
        }
    }
    checked
}

#[test]
fn vkey_and_skey_variants_fail_to_parse() {
    let Some(vectors) = note_vectors() else {
        return;
    };
    let vkeys = &vectors["vkeys_invalid"];
    let base = str_of(vkeys, "base");
    base.parse::<VerifyingKey>()
        .expect("base vkey itself parses");
    let n = assert_all_variants_fail::<VerifyingKey>(base);
    assert!(n > base.len() * base.len() / 2);
    let extra = array_of(vkeys, "extra");
    assert!(!extra.is_empty());
    for e in extra {
        let e = e.as_str().expect("string");
        assert!(e.parse::<VerifyingKey>().is_err(), "{e}");
    }

    let base = str_of(&vectors["skeys_invalid"], "base");
    base.parse::<SigningKey>().expect("base skey itself parses");
    let n = assert_all_variants_fail::<SigningKey>(base);
    assert!(n > base.len() * base.len() / 2);
}

#[test]
fn checkpoint_examples_parse() {
    let Some(vectors) = note_vectors() else {
        return;
    };
    let cases = array_of(&vectors, "checkpoint_examples");
    assert!(!cases.is_empty());
    for case in cases {
        let bytes = note_bytes(case);
        let note = Note::parse(&bytes).expect("parses");
        let cp = Checkpoint::parse_body(note.text()).expect("body parses");
        assert_eq!(cp.origin, str_of(case, "origin"));
        assert_eq!(Some(cp.size), case["size"].as_u64());
        assert_eq!(B64.encode(cp.root), str_of(case, "root_b64"));
        let exts: Vec<&str> = array_of(case, "extension_lines")
            .iter()
            .map(|l| l.as_str().expect("line"))
            .collect();
        assert_eq!(cp.extensions, exts);
        assert_eq!(cp.body(), note.text());
        let sigs = note.signatures();
        assert_eq!(sigs.len(), 1);
        assert_eq!(sigs[0].name, str_of(case, "signature_key_name"));
        assert_eq!(sigs[0].key_id.to_string(), str_of(case, "signature_key_id"));
        assert_eq!(
            Some(4 + sigs[0].signature.len() as u64),
            case["signature_bytes"].as_u64()
        );
        // No published vkey: opening with no known key fails.
        assert_eq!(
            open(&bytes, &[]).err(),
            Some(NoteError::NoVerifiedSignature)
        );
        let stranger = SigningKey::from_seed(&cp.origin, [1; 32]).expect("valid name");
        assert_eq!(
            open_checkpoint(&bytes, &stranger.verifying_key()).err(),
            Some(CheckpointError::Note(NoteError::NoVerifiedSignature))
        );
    }
}

fn tessera_checkpoints() -> Option<Vec<(u64, Vec<u8>)>> {
    let dir: PathBuf = crate::util::vectors_dir("tessera-log")?;
    Some(
        (0..=15u64)
            .map(|n| {
                let path = dir.join(format!("checkpoint.{n}"));
                (n, std::fs::read(&path).expect("read checkpoint"))
            })
            .collect(),
    )
}

#[test]
fn tessera_checkpoints_open_and_reproduce() {
    let Some(checkpoints) = tessera_checkpoints() else {
        return;
    };
    assert_eq!(checkpoints.len(), 16);
    let vk: VerifyingKey = TESSERA_VKEY.parse().expect("tessera vkey");
    let sk: SigningKey = TESSERA_SKEY.parse().expect("tessera skey");
    assert_eq!(sk.verifying_key(), vk);
    assert_eq!(vk.key_id().to_string(), "33d7b496");
    for (n, bytes) in &checkpoints {
        let (cp, note) =
            open_checkpoint(bytes, &vk).unwrap_or_else(|e| panic!("checkpoint.{n}: {e}"));
        assert_eq!(cp.size, *n);
        assert_eq!(cp.origin, TESSERA_ORIGIN);
        assert!(cp.extensions.is_empty());
        assert_eq!(note.signatures().len(), 1);
        // Ed25519 is deterministic: our signer reproduces the file byte for byte.
        assert_eq!(
            cp.sign(&sk).expect("signs").as_bytes(),
            &bytes[..],
            "checkpoint.{n}"
        );
    }
    // The empty tree's root is SHA-256 of nothing.
    let (cp0, _) = open_checkpoint(&checkpoints[0].1, &vk).expect("opens");
    assert_eq!(
        B64.encode(cp0.root),
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
    let latest = std::fs::read(
        crate::util::vectors_dir("tessera-log")
            .expect("present")
            .join("checkpoint"),
    )
    .expect("read checkpoint");
    assert_eq!(latest, checkpoints[15].1);
    // A wrong key with the right name fails; the right key under another name is unknown.
    let impostor = SigningKey::from_seed(TESSERA_ORIGIN, [3; 32]).expect("valid name");
    assert!(open_checkpoint(&checkpoints[3].1, &impostor.verifying_key()).is_err());
    let renamed = VerifyingKey::new("example.com/other", *vk.public_bytes()).expect("valid");
    assert!(open_checkpoint(&checkpoints[3].1, &renamed).is_err());
}

#[test]
fn every_bit_flip_of_a_tessera_checkpoint_is_rejected() {
    let Some(checkpoints) = tessera_checkpoints() else {
        return;
    };
    let vk: VerifyingKey = TESSERA_VKEY.parse().expect("tessera vkey");
    let mut flips = 0;
    for (n, bytes) in &checkpoints {
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert!(
                    open_checkpoint(&b, &vk).is_err(),
                    "checkpoint.{n}: flipping bit {bit} of byte {i} still opens"
                );
                flips += 1;
            }
        }
    }
    assert!(flips > 16 * 8 * 150);
}

#[test]
fn malformed_reasons_are_specific() {
    let text = "x\n";
    let sk = SigningKey::from_seed("k", [5; 32]).expect("valid name");
    let signed = sign_note(text, &sk).expect("valid text");
    let cases: Vec<(Vec<u8>, Malformed)> = vec![
        (b"x\n".to_vec(), Malformed::NoBlankLine),
        (b"x\n\n".to_vec(), Malformed::NoSignatures),
        (
            signed.trim_end().as_bytes().to_vec(),
            Malformed::NoFinalNewline,
        ),
        (b"x\n\n- k AAAA\n".to_vec(), Malformed::SignaturePrefix(1)),
        (
            "x\n\n\u{2014} k\n".as_bytes().to_vec(),
            Malformed::SignatureEncoding(1),
        ),
        (
            "x\n\n\u{2014} k \n".as_bytes().to_vec(),
            Malformed::SignatureEncoding(1),
        ),
        (
            "x\n\n\u{2014}  AAAAAAAA\n".as_bytes().to_vec(),
            Malformed::SignatureKeyName(1),
        ),
        (
            "x\n\n\u{2014} k AAAA\n".as_bytes().to_vec(),
            Malformed::SignatureTooShort(1),
        ),
        (
            "x\n\n\u{2014} k AAAAAA==\n".as_bytes().to_vec(),
            Malformed::SignatureTooShort(1),
        ),
        (
            "x\n\n\u{2014} k AAAAAAA\n".as_bytes().to_vec(),
            Malformed::SignatureEncoding(1),
        ),
        (b"x\t\n\nfoo\n".to_vec(), Malformed::ControlCharacter(1)),
        (b"\xc3\x28\n\n".to_vec(), Malformed::NotUtf8(0)),
    ];
    for (bytes, want) in cases {
        assert_eq!(
            Note::parse(&bytes).err(),
            Some(NoteError::Malformed(want)),
            "{:?}",
            String::from_utf8_lossy(&bytes)
        );
    }
}
