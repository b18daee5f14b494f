//! Envelopes: known-answer vectors from an independent reference (scripts/make_entry_vectors.py),
//! canonical encoding round trips, and every single-byte change rejected.

use claimledger::format::encoding::{check_canonical, parse_strict, to_canonical};
use claimledger::format::entry::{Envelope, Payload, SIGNATURE_CONTEXT, SignOptions, SignedEntry};
use claimledger::{Kind, SigningKey, Target};
use proptest::prelude::*;
use serde_json::Value;

fn vector(n: usize) -> Value {
    let path = format!(
        "{}/tests/vectors/entry-{n}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("vector field {k}"))
}

#[test]
fn envelope_vectors_reproduce_byte_for_byte() {
    for n in 0..2 {
        let v = vector(n);
        let seed: [u8; 32] = hex::decode(s(&v, "seed_hex")).unwrap().try_into().unwrap();
        let key = SigningKey::from_seed(s(&v, "key_name"), seed).unwrap();
        assert_eq!(key.verifying_key().to_string(), s(&v, "vkey"));
        let kind = match s(&v, "kind") {
            "claim" => Kind::Claim,
            "statement" => Kind::Statement,
            _ => Kind::Key,
        };
        let (payload, canonical) =
            Payload::from_json(kind, v["payload"].to_string().as_bytes()).unwrap();
        assert_eq!(hex::encode(&canonical), s(&v, "payload_canonical_hex"));
        let target = v["target"].as_object().map(|t| Target {
            index: t["index"].as_u64().unwrap(),
            leaf_hash: hex::decode(t["leaf_hash"].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap(),
        });
        let signed = SignedEntry::sign_with(
            payload,
            target,
            &key,
            SignOptions {
                recorded_at: Some(s(&v, "recorded_at").into()),
                generator: Some(s(&v, "generator").into()),
            },
        )
        .unwrap();
        let env = signed.envelope();
        assert_eq!(
            hex::encode(env.as_bytes()),
            s(&v, "envelope_hex"),
            "vector {n}"
        );
        assert_eq!(
            hex::encode(env.signed_message()),
            s(&v, "signed_message_hex")
        );
        assert!(env.signed_message().starts_with(SIGNATURE_CONTEXT));
        assert_eq!(hex::encode(env.leaf_hash()), s(&v, "leaf_hash"));
        assert_eq!(hex::encode(env.payload_sha256()), s(&v, "payload_sha256"));
        // And read back from the stored bytes alone.
        let bytes = hex::decode(s(&v, "envelope_hex")).unwrap();
        let back = SignedEntry::from_stored(&bytes, &canonical).unwrap();
        assert_eq!(&back, &signed);
    }
}

#[test]
fn every_byte_change_of_an_envelope_is_rejected() {
    let v = vector(0);
    let bytes = hex::decode(s(&v, "envelope_hex")).unwrap();
    let payload = hex::decode(s(&v, "payload_canonical_hex")).unwrap();
    SignedEntry::from_stored(&bytes, &payload).unwrap();
    for i in 0..bytes.len() {
        for delta in [1u8, 0x20, 0x80] {
            let mut b = bytes.clone();
            b[i] = b[i].wrapping_add(delta);
            assert!(
                SignedEntry::from_stored(&b, &payload).is_err(),
                "byte {i} + {delta} accepted"
            );
        }
    }
    for i in 0..payload.len() {
        let mut p = payload.clone();
        p[i] ^= 0x01;
        assert!(
            SignedEntry::from_stored(&bytes, &p).is_err(),
            "payload byte {i}"
        );
    }
    // Dropping or adding a byte anywhere.
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b.remove(i);
        assert!(
            Envelope::parse(&b)
                .and_then(|e| e.verify_signature())
                .is_err()
        );
        let mut b = bytes.clone();
        b.insert(i, b' ');
        assert!(
            Envelope::parse(&b)
                .and_then(|e| e.verify_signature())
                .is_err()
        );
    }
}

#[test]
fn envelopes_must_be_canonical_and_complete() {
    let v = vector(1);
    let text = s(&v, "envelope_text");
    let value: Value = serde_json::from_str(text).unwrap();
    // Pretty-printed, same content: refused.
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    assert!(Envelope::parse(pretty.as_bytes()).is_err());
    // Unknown member, re-canonicalized (signature no longer covers it, but the shape is refused first).
    let mut extra = value.clone();
    extra["colour"] = "red".into();
    assert!(Envelope::parse(&to_canonical(&extra)).is_err());
    // Each member removed.
    for k in value.as_object().unwrap().keys() {
        let mut m = value.clone();
        m.as_object_mut().unwrap().remove(k);
        assert!(Envelope::parse(&to_canonical(&m)).is_err(), "without {k}");
    }
    // A statement without target, a claim with one.
    let mut m = value.clone();
    m["target"] = Value::Null;
    assert!(Envelope::parse(&to_canonical(&m)).is_err());
    // Oversize.
    let mut m = value.clone();
    m["generator"] = "x".repeat(70_000).into();
    assert!(Envelope::parse(&to_canonical(&m)).is_err());
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-(1i64 << 53) + 1..(1i64 << 53)).prop_map(Value::from),
        "\\PC*".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn canonical_encoding_round_trips(v in json_value()) {
        let bytes = to_canonical(&v);
        let back = check_canonical(&bytes).unwrap();
        prop_assert_eq!(&back, &v);
        // Any whitespace-padded or pretty form parses to the same value and canonicalizes back.
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        prop_assert_eq!(to_canonical(&parse_strict(pretty.as_bytes()).unwrap()), bytes);
    }

    #[test]
    fn parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_strict(&bytes);
        let _ = Envelope::parse(&bytes);
        let _ = SignedEntry::from_line(&bytes);
        let _ = Payload::from_json(Kind::Claim, &bytes);
        let _ = claimledger::verify_receipt(&bytes, &SigningKey::from_seed("k", [1; 32]).unwrap().verifying_key());
    }

    #[test]
    fn flipping_any_byte_breaks_verification(i in 0usize..2000, bit in 0u8..8) {
        let v = vector(0);
        let bytes = hex::decode(s(&v, "envelope_hex")).unwrap();
        let i = i % bytes.len();
        let mut b = bytes.clone();
        b[i] ^= 1 << bit;
        prop_assert!(Envelope::parse(&b).and_then(|e| e.verify_signature()).is_err());
    }
}

#[test]
fn target_member_must_be_present() {
    let v = vector(0);
    let value: Value = serde_json::from_str(s(&v, "envelope_text")).unwrap();
    let mut m = value.clone();
    m.as_object_mut().unwrap().remove("target");
    let err = Envelope::parse(&to_canonical(&m)).unwrap_err().to_string();
    assert!(err.contains("target"), "{err}");
}
