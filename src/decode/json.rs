//! A JSON tree that borrows its strings from the body it was parsed from.
//!
//! The vendor decoders only look fields up and read them, once per request. Parsing into
//! `serde_json::Value` allocated a `String` for every key and every string value and a tree map
//! for every object; this tree allocates one vector per object or array and copies a string only
//! when it holds escapes. Objects keep their members in body order; a repeated key reads as its
//! last occurrence, as it does in `serde_json::Value`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Object<'a>),
}

/// A JSON object: members in body order.
#[derive(Debug, Clone, Default)]
pub struct Object<'a>(Vec<(Cow<'a, str>, Json<'a>)>);

/// Equal when they read the same: the same keys, each with an equal (last) value.
impl PartialEq for Object<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.keys().count() == other.keys().count()
            && self.keys().all(|key| self.get(key) == other.get(key))
    }
}

impl<'a> Json<'a> {
    /// Parses a whole body. Same grammar, nesting limit and errors as `serde_json::from_slice`.
    pub fn parse(bytes: &'a [u8]) -> serde_json::Result<Json<'a>> {
        // Checking the whole body as UTF-8 once is quicker than serde_json checking each string
        // on its own; a body that is not UTF-8 gets `from_slice`'s verdict, error included.
        match std::str::from_utf8(bytes) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(bytes),
        }
    }

    /// A copy of a `serde_json::Value` (for building bodies in code).
    pub fn from_value(value: &serde_json::Value) -> Json<'static> {
        match value {
            serde_json::Value::Null => Json::Null,
            serde_json::Value::Bool(b) => Json::Bool(*b),
            serde_json::Value::Number(n) => Json::Number(n.clone()),
            serde_json::Value::String(s) => Json::String(Cow::Owned(s.clone())),
            serde_json::Value::Array(items) => {
                Json::Array(items.iter().map(Json::from_value).collect())
            }
            serde_json::Value::Object(map) => Json::Object(Object(
                map.iter()
                    .map(|(k, v)| (Cow::Owned(k.clone()), Json::from_value(v)))
                    .collect(),
            )),
        }
    }

    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Json::Object(object) => Some(object),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }
}

impl<'a> Object<'a> {
    /// The value of `key`; of its last occurrence when it is repeated.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// Distinct keys, each in the place of its first occurrence.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .enumerate()
            .filter(|(i, (k, _))| !self.0[..*i].iter().any(|(earlier, _)| earlier == k))
            .map(|(_, (k, _))| k.as_ref())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

/// A key or string value: borrowed from the body unless it had escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_str(JsonVisitor)
            .and_then(|json| match json {
                Json::String(text) => Ok(Text(text)),
                _ => Err(serde::de::Error::custom("expected a string")),
            })
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Json<'de>, E> {
        Number::from_f64(v)
            .map(Json::Number)
            .ok_or_else(|| E::custom("a number out of range"))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).clamp(8, 64));
        while let Some((Text(key), value)) = map.next_entry::<Text<'de>, Json<'de>>()? {
            members.push((key, value));
        }
        Ok(Json::Object(Object(members)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let body = br#"{"a":"plain","b":"tab\tin","c":[1,-2,3.5,true,null]}"#;
        let json = Json::parse(body).unwrap();
        let object = json.as_object().unwrap();
        assert!(matches!(
            object.get("a"),
            Some(Json::String(Cow::Borrowed("plain")))
        ));
        assert!(matches!(object.get("b"), Some(Json::String(Cow::Owned(s))) if s == "tab\tin"));
        let items = object.get("c").and_then(Json::as_array).unwrap();
        assert_eq!(items[0].as_u64(), Some(1));
        assert_eq!(items[1].as_i64(), Some(-2));
        assert_eq!(items[2].as_f64(), Some(3.5));
        assert_eq!(items[3], Json::Bool(true));
        assert!(items[4].is_null());
    }

    #[test]
    fn a_repeated_key_reads_as_its_last_occurrence() {
        let json = Json::parse(br#"{"k":1,"x":0,"k":2}"#).unwrap();
        let object = json.as_object().unwrap();
        assert_eq!(object.get("k").and_then(Json::as_u64), Some(2));
        assert_eq!(object.keys().collect::<Vec<_>>(), ["k", "x"]);
        assert!(object.contains_key("x") && !object.contains_key("y"));
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for bad in [
            &b"{"[..],
            b"[1,]",
            b"{\"a\" 1}",
            b"nul",
            b"\"\\ud800\"x",
            b"1e999",
        ] {
            assert_eq!(
                Json::parse(bad).is_ok(),
                serde_json::from_slice::<serde_json::Value>(bad).is_ok(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(
            Json::parse(deep.as_bytes()).is_err(),
            "the nesting limit holds"
        );
    }

    proptest! {
        /// Any body parses to the same tree as through `serde_json::Value`, or fails for both.
        #[test]
        fn agrees_with_serde_json(text in r#"[\[\]{}:,"a-c0-9\\ .eE+-]{0,40}|\{"[a-c]{1,3}":[0-9.eE-]{1,12}\}"#) {
            let parsed = Json::parse(text.as_bytes());
            let reference = serde_json::from_str::<serde_json::Value>(&text);
            match (parsed, reference) {
                (Ok(json), Ok(value)) => prop_assert_eq!(json, Json::from_value(&value)),
                (Err(_), Err(_)) => {}
                (a, b) => prop_assert!(false, "{:?} vs {:?}", a, b),
            }
        }
    }
}
