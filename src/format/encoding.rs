//! The canonical bytes that are hashed and signed (RFC 8785 JSON). Changing them breaks every
//! signature ever made.
//!
//! claimledger stores JSON exactly as signed. Verification never trusts a re-serialized value:
//! it parses the stored bytes strictly ([`parse_strict`]) and then requires that the canonical
//! serialization of what it parsed is byte-identical to what is stored ([`check_canonical`]).
//! The subset of JSON we accept is I-JSON without floats: integers in ±(2^53−1), no duplicate
//! object keys, valid UTF-8 with no lone surrogates, nesting at most 64 deep.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// The largest integer JSON may carry (I-JSON, RFC 7493 §2.2): 2^53 − 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Deepest array/object nesting accepted. Our formats need 5; this leaves room for tools.
pub const MAX_DEPTH: usize = 64;

/// Why some bytes are not acceptable canonical JSON.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum EncodingError {
    /// Not JSON at all, or JSON outside the accepted subset.
    #[error("not valid JSON: {0}")]
    Syntax(String),
    /// A number with a fraction or exponent, or beyond 2^53 − 1.
    #[error(
        "JSON numbers must be integers within ±9007199254740991; write decimals as strings (\"5.6\")"
    )]
    Float,
    /// The same key twice in one object.
    #[error("duplicate JSON key {0:?}")]
    DuplicateKey(String),
    /// Arrays/objects nested deeper than [`MAX_DEPTH`].
    #[error("JSON nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// Valid JSON, but not in RFC 8785 canonical form (key order, whitespace, escapes).
    #[error("JSON is not in RFC 8785 canonical form")]
    NotCanonical,
}

/// Parse bytes as strict JSON: UTF-8, no floats, no duplicate keys, bounded depth.
///
/// Accepts any whitespace and key order (it is for input from people and tools); use
/// [`check_canonical`] for stored bytes.
pub fn parse_strict(bytes: &[u8]) -> Result<Value, EncodingError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Strict { depth: 0 }.deserialize(&mut de).map_err(classify)?;
    de.end().map_err(classify)?;
    Ok(value)
}

/// Parse a JSON document claimledger defines (an evidence file, an audit state) into the struct
/// of its members: at most `max` bytes, strict JSON ([`parse_strict`]), and one JSON object
/// (serde would otherwise read an array as the struct, members in order). `what` names the
/// document in the message of the error (`"an evidence file"`).
pub fn parse_document<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    max: usize,
    what: &str,
) -> Result<T, String> {
    if bytes.len() > max {
        return Err(format!(
            "it is {} bytes; {what} is at most {max}",
            bytes.len()
        ));
    }
    let value = parse_strict(bytes).map_err(|e| e.to_string())?;
    if !value.is_object() {
        return Err(format!("{what} is one JSON object"));
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Parse stored bytes and require they are exactly the canonical form of what they hold.
pub fn check_canonical(bytes: &[u8]) -> Result<Value, EncodingError> {
    let value = parse_strict(bytes)?;
    if to_canonical(&value) != bytes {
        return Err(EncodingError::NotCanonical);
    }
    Ok(value)
}

/// The RFC 8785 serialization of a value holding no floats.
///
/// Object members are sorted by the UTF-16 code units of their keys; strings escape only `"`,
/// `\` and U+0000..U+001F (as `\b \t \n \f \r` or `\u00xx`); no whitespace. A value holding a
/// float cannot come from [`parse_strict`]; if built by hand it is written in serde_json's
/// form, which for non-integers is not RFC 8785, so callers MUST NOT build such values.
pub fn to_canonical(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            // RFC 8785 §3.2.3: sort by UTF-16 code units, which differs from UTF-8 byte order
            // only above the BMP; compare the UTF-16 forms to be exact.
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push(b'{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                write_value(v, out);
            }
            out.push(b'}');
        }
    }
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    // Only ASCII bytes are ever escaped, and UTF-8 continuation bytes are never ASCII, so
    // scanning bytes and copying the runs in between is exact.
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0C => b"\\f",
            b'\r' => b"\\r",
            0x00..=0x1F => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[run..i]);
        if escape.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(escape);
        }
        run = i + 1;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

// serde_json reports our visitor's custom errors as strings; map them back to variants.
fn classify(err: serde_json::Error) -> EncodingError {
    let msg = err.to_string();
    if msg.starts_with(FLOAT_MSG) {
        EncodingError::Float
    } else if let Some(rest) = msg.strip_prefix(DUP_MSG) {
        let key = rest.split(" at line ").next().unwrap_or(rest);
        EncodingError::DuplicateKey(key.to_string())
    } else if msg.starts_with(DEPTH_MSG) || msg.starts_with("recursion limit exceeded") {
        EncodingError::TooDeep
    } else {
        EncodingError::Syntax(msg)
    }
}

const FLOAT_MSG: &str = "claimledger: float";
const DUP_MSG: &str = "claimledger: duplicate key ";
const DEPTH_MSG: &str = "claimledger: too deep";

/// A `DeserializeSeed` that builds a `Value` while enforcing the accepted subset.
struct Strict {
    depth: usize,
}

impl<'de> de::DeserializeSeed<'de> for Strict {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        if v.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(E::custom(FLOAT_MSG));
        }
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        if v > MAX_SAFE_INTEGER {
            return Err(E::custom(FLOAT_MSG));
        }
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Err(E::custom(FLOAT_MSG))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(de::Error::custom(DEPTH_MSG));
        }
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Strict { depth })? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(de::Error::custom(DEPTH_MSG));
        }
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!("{DUP_MSG}{key:?}")));
            }
            let v = map.next_value_seed(Strict { depth })?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_orders_keys_and_strips_space() {
        let v = parse_strict(br#"{ "b": 1, "a": [true, null, "x"] }"#).unwrap();
        assert_eq!(to_canonical(&v), br#"{"a":[true,null,"x"],"b":1}"#);
    }

    #[test]
    fn utf16_key_order() {
        // U+10000 (surrogates D800 DC00) sorts before U+FFFD in UTF-16, after it in UTF-8.
        let v = parse_strict("{\"\u{FFFD}\":1,\"\u{10000}\":2}".as_bytes()).unwrap();
        assert_eq!(
            to_canonical(&v),
            "{\"\u{10000}\":2,\"\u{FFFD}\":1}".as_bytes()
        );
    }

    #[test]
    fn string_escapes() {
        let v = Value::String("q\"b\\\u{8}\t\n\u{c}\r\u{1}\u{1f}\u{7f}é\u{2028}/".into());
        assert_eq!(
            to_canonical(&v),
            "\"q\\\"b\\\\\\b\\t\\n\\f\\r\\u0001\\u001f\u{7f}é\u{2028}/\"".as_bytes()
        );
    }

    #[test]
    fn rejects_outside_subset() {
        assert_eq!(parse_strict(b"1.5"), Err(EncodingError::Float));
        assert_eq!(parse_strict(b"1e3"), Err(EncodingError::Float));
        assert_eq!(parse_strict(b"9007199254740992"), Err(EncodingError::Float));
        assert!(parse_strict(b"9007199254740991").is_ok());
        assert!(parse_strict(b"-9007199254740991").is_ok());
        assert_eq!(
            parse_strict(br#"{"a":1,"a":2}"#),
            Err(EncodingError::DuplicateKey("\"a\"".into()))
        );
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(parse_strict(deep.as_bytes()), Err(EncodingError::TooDeep));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse_strict(ok.as_bytes()).is_ok());
        assert!(matches!(
            parse_strict(b"\xff"),
            Err(EncodingError::Syntax(_))
        ));
        assert!(matches!(
            parse_strict(br#""\ud800""#),
            Err(EncodingError::Syntax(_))
        ));
        assert!(matches!(
            parse_strict(b"{} x"),
            Err(EncodingError::Syntax(_))
        ));
    }

    #[test]
    fn canonical_check() {
        assert!(check_canonical(br#"{"a":1}"#).is_ok());
        assert_eq!(
            check_canonical(br#"{"a": 1}"#),
            Err(EncodingError::NotCanonical)
        );
        assert_eq!(
            check_canonical(br#""\u0041""#),
            Err(EncodingError::NotCanonical)
        );
        // "-0" is read as a float by serde_json; either way it is refused.
        assert!(check_canonical(b"-0").is_err());
    }
}
