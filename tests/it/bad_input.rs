//! The bad-input matrix of docs/RELIABILITY.md: every class of hostile or broken input gets an
//! error (never a panic) and changes nothing. One test per row group; the doc names them.

use crate::cli::Session;
use crate::ledger::{ORIGIN, TestLedger, claim, key};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use claimledger::format::checkpoint::{Checkpoint, open_checkpoint};
use claimledger::format::encoding::{EncodingError, parse_strict};
use claimledger::format::entry::{Envelope, Payload, SignedEntry};
use claimledger::format::note::Note;
use claimledger::format::receipt::TlogProof;
use claimledger::{Kind, SigningKey, VerifyingKey, verify_receipt};

fn envelope_of(signed: &SignedEntry) -> Vec<u8> {
    signed.envelope().as_bytes().to_vec()
}

#[test]
fn truncated_inputs() {
    let t = TestLedger::new();
    let signed = SignedEntry::sign(claim("c"), None, &t.alice).unwrap();
    let env = envelope_of(&signed);
    for n in 0..env.len() {
        assert!(Envelope::parse(&env[..n]).is_err(), "envelope[..{n}]");
    }
    let note = t.ledger.checkpoint(None).unwrap().note;
    for n in 0..note.len() {
        if let Some(prefix) = note.get(..n) {
            assert!(
                open_checkpoint(prefix.as_bytes(), t.ledger.log_key()).is_err(),
                "note[..{n}]"
            );
        }
    }
    let receipt = t.ledger.receipt(1).unwrap().to_pretty();
    for n in (0..receipt.len()).step_by(7) {
        assert!(verify_receipt(&receipt.as_bytes()[..n], t.ledger.log_key()).is_err());
    }
}

#[test]
fn oversized_inputs() {
    let mut t = TestLedger::new();
    let mut big = claim("c");
    big.text = "x".repeat(70 * 1024);
    let err = t.ledger.append(big, &t.alice).unwrap_err().to_string();
    assert!(err.contains("limit is 65536"), "{err}");
    assert!(
        Envelope::parse(&vec![b' '; 65 * 1024])
            .unwrap_err()
            .to_string()
            .contains("limit")
    );
    let huge = vec![b'{'; 2 << 20];
    assert!(
        verify_receipt(&huge, t.ledger.log_key())
            .unwrap_err()
            .to_string()
            .contains("at most")
    );
    t.check();
}

#[test]
fn invalid_utf8_control_characters_and_nul() {
    assert!(matches!(
        parse_strict(b"\"\xc3\x28\""),
        Err(EncodingError::Syntax(_))
    ));
    assert!(Note::parse(b"text \xff\n\n\xe2\x80\x94 k AAAA\n").is_err());
    // Raw control characters and NUL cannot appear inside JSON strings…
    assert!(parse_strict(b"\"a\x01b\"").is_err());
    assert!(parse_strict(b"\"a\x00b\"").is_err());
    // … but escaped they are text like any other and are kept, canonically escaped.
    let (p, bytes) = Payload::from_json(
        Kind::Claim,
        br#"{"text":"tab\there nul\u0000 bell\u0007","claimant":{"name":"N","type":"person"}}"#,
    )
    .unwrap();
    assert!(matches!(p, Payload::Claim(_)));
    assert!(
        String::from_utf8(bytes)
            .unwrap()
            .contains(r"tab\there nul\u0000 bell\u0007")
    );
    // Notes and key names refuse control characters outright.
    assert!(Note::parse(b"line\x01\n\n\xe2\x80\x94 k AAAA\n").is_err());
    // Key names follow C2SP exactly: no Unicode white space, no '+'. (C2SP allows other
    // control characters; they can only reach JSON escaped and notes never hold key names.)
    assert!(SigningKey::from_seed("tab\tname", [1; 32]).is_err());
    assert!(SigningKey::from_seed("new\nline", [1; 32]).is_err());
    assert!(SigningKey::from_seed("plus+sign", [1; 32]).is_err());
    assert!(
        Checkpoint::parse_body("origin\x00\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
            .is_err()
    );
}

#[test]
fn json_shapes_nesting_duplicates_floats() {
    let deep = format!(
        r#"{{"text":"t","claimant":{{"name":"N","type":"person"}},"sources":{}{}}}"#,
        "[".repeat(100),
        "]".repeat(100)
    );
    assert!(matches!(
        Payload::from_json(Kind::Claim, deep.as_bytes()).unwrap_err(),
        claimledger::format::entry::EntryError::Encoding {
            source: EncodingError::TooDeep,
            ..
        }
    ));
    let nest = "[".repeat(100_000);
    assert!(parse_strict(nest.as_bytes()).is_err()); // no stack overflow
    assert!(matches!(
        parse_strict(br#"{"a":1,"b":{"c":1,"c":2}}"#),
        Err(EncodingError::DuplicateKey(_))
    ));
    for float in ["1.0", "1e2", "-0.5", "1E-7", "9007199254740993"] {
        assert_eq!(
            parse_strict(float.as_bytes()),
            Err(EncodingError::Float),
            "{float}"
        );
    }
    // Figures must carry decimal strings, not numbers.
    let f = br#"{"text":"t","claimant":{"name":"N","type":"person"},"figures":[{"subject":"s","property":"p","value":5600000,"precision":"exact","unit":"USD","as_stated":"$5.6M"}]}"#;
    assert!(Payload::from_json(Kind::Claim, f).is_err());
    // Wrong types for fields.
    for bad in [
        br#"{"text":1,"claimant":{"name":"N","type":"person"}}"#.as_slice(),
        br#"{"text":"t","claimant":"N"}"#,
        br#"{"text":"t","claimant":{"name":"N","type":"robot"}}"#,
        br#"["text"]"#,
        b"null",
    ] {
        assert!(Payload::from_json(Kind::Claim, bad).is_err());
    }
}

#[test]
fn wrong_keys_signatures_and_encodings() {
    let t = TestLedger::new();
    let vk = t.alice.verifying_key().to_string();
    // A vkey with another signature type byte (0x02), re-encoded with a correct ID.
    let mut parts: Vec<String> = vk.split('+').map(String::from).collect();
    let mut raw = B64.decode(&parts[2]).unwrap();
    raw[0] = 0x02;
    parts[2] = B64.encode(&raw);
    assert!(parts.join("+").parse::<VerifyingKey>().is_err());
    // A private key where a vkey is expected, and the reverse.
    let secret = t.alice.to_secret_text();
    assert!(secret.expose().parse::<VerifyingKey>().is_err());
    assert!(vk.parse::<SigningKey>().is_err());
    // Non-canonical base64 (stray low bits before the padding).
    let mut noncanon = vk.clone();
    let last = noncanon.pop().unwrap();
    noncanon.push(if last == 'A' { 'B' } else { 'A' });
    assert!(
        noncanon.parse::<VerifyingKey>().is_err()
            || noncanon.parse::<VerifyingKey>().unwrap().to_string() == noncanon
    );
    // A signature by another key over the same message.
    let signed = SignedEntry::sign(claim("c"), None, &t.alice).unwrap();
    let other = key("alice@test.example", 3);
    let forged_sig = other.sign(signed.envelope().signed_message());
    let text = String::from_utf8(envelope_of(&signed)).unwrap();
    let old = B64.encode(signed.envelope().signature().to_bytes());
    let forged = text.replace(&old, &B64.encode(forged_sig.to_bytes()));
    let env = Envelope::parse(forged.as_bytes()).unwrap();
    assert!(env.verify_signature().is_err());
    // Non-canonical base64 of the signature itself: 64 bytes leave 4 stray bits before "==".
    let mut chars: Vec<char> = old.chars().collect();
    let n = chars.len();
    assert!(old.ends_with("=="));
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let pos = alphabet.find(chars[n - 3]).unwrap();
    chars[n - 3] = alphabet.chars().nth(pos ^ 1).unwrap(); // flips a stray bit only
    let stray: String = chars.into_iter().collect();
    assert_ne!(stray, old);
    let noncanonical = text.replace(&old, &stray);
    assert!(Envelope::parse(noncanonical.as_bytes()).is_err());
}

#[test]
fn leading_zeros_and_crlf() {
    let root = B64.encode([0u8; 32]);
    for body in [
        format!("o\n007\n{root}\n"),
        format!("o\n-1\n{root}\n"),
        format!("o\n+1\n{root}\n"),
        format!("o\n1 \n{root}\n"),
        format!("o\r\n1\r\n{root}\r\n"),
    ] {
        assert!(Checkpoint::parse_body(&body).is_err(), "{body:?}");
    }
    assert!(Checkpoint::parse_body(&format!("o\n0\n{root}\n")).is_ok());
    let proof = |index: &str| format!("c2sp.org/tlog-proof@v1\nindex {index}\n\nnote\n");
    assert!(TlogProof::parse(&proof("0")).is_ok());
    for bad in ["00", "01", "-1", "1.0", " 1", "18446744073709551616"] {
        assert!(TlogProof::parse(&proof(bad)).is_err(), "{bad}");
    }
    // A whole checkpoint note with CRLF line endings.
    let operator = key(ORIGIN, 1);
    let note = Checkpoint::new(ORIGIN, 1, [1; 32])
        .unwrap()
        .sign(&operator)
        .unwrap();
    assert!(open_checkpoint(note.as_bytes(), &operator.verifying_key()).is_ok());
    let crlf = note.replace('\n', "\r\n");
    assert!(open_checkpoint(crlf.as_bytes(), &operator.verifying_key()).is_err());
}

#[test]
fn cli_never_prints_secrets_in_errors() {
    let s = Session::with_claim();
    let secret = std::fs::read_to_string(s.path("alice.key")).unwrap();
    let secret = secret.trim();
    let receipt = s.ok(&["receipt", "2"]).stdout;
    std::fs::write(s.path("r.json"), receipt).unwrap();
    for args in [
        vec!["verify-receipt", "r.json", "--log-key", secret],
        vec!["audit", "--log-key", secret],
        vec!["key", "grant", secret, "--name", "x", "--role", "y"],
        vec!["verify-receipt", "r.json", "--log-key", "alice.key"],
    ] {
        let out = s.run(&args);
        assert_eq!(out.code, 2, "{args:?}");
        assert!(
            !out.stderr.contains(secret) && !out.stdout.contains(secret),
            "{args:?} leaked the key"
        );
        assert!(out.stderr.contains("private key"), "{}", out.stderr);
    }
    // A garbled key file: the error does not echo its contents.
    std::fs::write(
        s.path("garbled.key"),
        "PRIVATE+KEY+alice@test.example+00000000+AAAA\n",
    )
    .unwrap();
    std::fs::set_permissions(
        s.path("garbled.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let out = s.run(&["key", "show", "garbled.key"]);
    assert_eq!(out.code, 2);
    assert!(!out.stderr.contains("AAAA"), "{}", out.stderr);
    // Debug of a signing key is redacted.
    assert!(format!("{:?}", key("k", 5)).contains("redacted"));
}

#[test]
fn ten_megabyte_inputs() {
    let s = Session::with_claim();
    let big = vec![b'a'; 10 << 20];
    std::fs::write(s.path("big.json"), &big).unwrap();
    s.refused(
        &[
            "--key",
            "alice.key",
            "claim",
            "add",
            "--payload",
            "big.json",
        ],
        "payload",
    );
    std::fs::write(s.path("big.jsonl"), &big).unwrap();
    s.refused(&["import", "big.jsonl"], "longer than");
    std::fs::write(s.path("big.receipt"), &big).unwrap();
    let out = s.run(&["verify-receipt", "big.receipt", "--log-key", "alice.key"]);
    assert_eq!(out.code, 2); // alice.key holds a private key: refused before reading
}

/// serde would read a JSON array as a struct (fields in order) and `{"variant": null}` as an enum
/// value; FORMAT.md allows neither (found by the browser verifier's review: the JS refused them).
#[test]
fn arrays_for_objects_and_objects_for_enum_strings_are_refused() {
    let refused = |kind: Kind, json: &str, says: &str| {
        let err = Payload::from_json(kind, json.as_bytes())
            .expect_err(json)
            .to_string();
        assert!(err.contains(says), "{json}: {err}");
    };
    // The positional forms serde would have accepted.
    refused(
        Kind::Claim,
        r#"["t", {"name": "x", "type": "person"}, null, [], [], []]"#,
        "payload",
    );
    refused(
        Kind::Claim,
        r#"{"text": "t", "claimant": ["x", "person", null]}"#,
        "claimant",
    );
    refused(
        Kind::Claim,
        r#"{"text": "t", "claimant": {"name": "x", "type": {"person": null}}}"#,
        "claimant.type",
    );
    refused(
        Kind::Claim,
        r#"{"text": "t", "claimant": {"name": "x", "type": "person"}, "sources": [["https://a.example/"]]}"#,
        "sources[0]",
    );
    refused(
        Kind::Statement,
        r#"{"text": "t", "speaker": {"name": "x", "type": "person"}, "stance": {"contests": null}}"#,
        "stance",
    );
    refused(
        Kind::Key,
        r#"{"action": {"grant": null}, "vkey": "k", "name": "n", "role": "r"}"#,
        "action",
    );
    // The objects around them: an import line and a receipt.
    let mut t = TestLedger::new();
    let c = t.claim("a claim");
    let line = t.ledger.entry(c).unwrap().signed().to_line();
    let as_array = serde_json::json!([line["envelope_base64"], line["payload"]]).to_string();
    assert!(SignedEntry::from_line(as_array.as_bytes()).is_err());
    let receipt = t.ledger.receipt(c).unwrap().to_json();
    let as_array = serde_json::json!([
        receipt["format"],
        receipt["envelope_base64"],
        receipt["payload"],
        receipt["tlog_proof"]
    ])
    .to_string();
    assert!(verify_receipt(as_array.as_bytes(), t.ledger.log_key()).is_err());
    // An envelope whose target is an array, or whose kind is an object, is refused by shape.
    let env = String::from_utf8(envelope_of(&t.ledger.entry(c).unwrap().signed().clone())).unwrap();
    let bad_target = env.replace(r#""target":null"#, r#""target":[1,"00"]"#);
    let err = Envelope::parse(bad_target.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("target"), "{err}");
    let bad_kind = env.replace(r#""kind":"claim""#, r#""kind":{"claim":null}"#);
    let err = Envelope::parse(bad_kind.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("kind"), "{err}");
}
