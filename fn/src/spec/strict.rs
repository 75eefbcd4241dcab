//! Reads the typed config from the parsed document the way its JSON Schema describes it.
//!
//! `serde_json::Value` as a deserializer is lenient where the schema is not: serde's
//! derived structs also read a sequence (fields by position, so `retention: [72h]` would
//! be a retention of 72h) and enums also read a one-key mapping (`profile: {local: }`).
//! This adapter refuses both. It also reads an integral float (`replicas: 3.0`, which
//! JSON Schema counts as an integer) as the integer, instead of refusing it. Everything
//! else, the error messages included, is what `Value` does.

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Unexpected, Visitor};
use serde_json::{Error, Map, Number, Value};

/// A document to deserialize a config type from.
#[derive(Debug, Clone, Copy)]
pub struct Strict<'a>(pub &'a Value);

fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (_, Some(i), _) => Unexpected::Signed(i),
            (_, _, f) => Unexpected::Float(f.unwrap_or_default()),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// An integral float as the integer it is (within the 64-bit ranges).
fn integral(n: &Number) -> Option<Number> {
    if n.is_f64() {
        let f = n.as_f64()?;
        // 2^63 and 2^64 are exact as f64; the bounds are exclusive.
        let in_range = f.fract() == 0.0 && f >= -9_223_372_036_854_775_808.0;
        if in_range && f < 0.0 {
            return Some(Number::from(f as i64));
        }
        if in_range && f < 18_446_744_073_709_551_616.0 {
            return Some(Number::from(f as u64));
        }
    }
    None
}

impl<'de> Deserializer<'de> for Strict<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                let n = integral(n).unwrap_or_else(|| n.clone());
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or_default())
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Seq(items.iter())),
            Value::Object(map) => visitor.visit_map(MapAccess::new(map)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(MapAccess::new(map)),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            other => Err(de::Error::invalid_type(unexpected(other), &"a string")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Seq<'a>(std::slice::Iter<'a, Value>);

impl<'de> de::SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|v| seed.deserialize(Strict(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapAccess<'a> {
    entries: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'a> MapAccess<'a> {
    fn new(map: &'a Map<String, Value>) -> Self {
        Self {
            entries: map.iter(),
            value: None,
        }
    }
}

impl<'de> de::MapAccess<'de> for MapAccess<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((k, v)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(v);
        seed.deserialize(de::value::BorrowedStrDeserializer::new(k))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(Strict(v)),
            None => Err(de::Error::custom("a value without its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::Strict;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct S {
        a: Option<u32>,
        e: Option<E>,
        v: Option<Vec<i64>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum E {
        Local,
    }

    fn read(v: serde_json::Value) -> Result<S, String> {
        S::deserialize(Strict(&v)).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_what_value_reads() {
        let s = read(json!({"a": 3, "e": "local", "v": [-1, 2]})).unwrap();
        assert_eq!(s.a, Some(3));
        assert_eq!(s.e, Some(E::Local));
        assert_eq!(s.v, Some(vec![-1, 2]));
        assert_eq!(read(json!({"a": null})).unwrap().a, None);
        let e = read(json!({"a": "3"})).unwrap_err();
        assert!(
            e.contains("invalid type: string \"3\", expected u32"),
            "{e}"
        );
        let e = read(json!({"b": 1})).unwrap_err();
        assert!(e.contains("unknown field `b`"), "{e}");
        let e = read(json!({"e": "Local"})).unwrap_err();
        assert!(
            e.contains("unknown variant `Local`, expected `local`"),
            "{e}"
        );
    }

    #[test]
    fn a_struct_is_only_read_from_a_mapping() {
        let e = read(json!([3, "local"])).unwrap_err();
        assert!(e.contains("invalid type: sequence"), "{e}");
        // serde_json's own Value reads it by position:
        assert!(S::deserialize(json!([3, "local", null])).is_ok());
    }

    #[test]
    fn an_enum_is_only_read_from_a_string() {
        let e = read(json!({"e": {"local": null}})).unwrap_err();
        assert!(e.contains("invalid type: map, expected a string"), "{e}");
        assert!(S::deserialize(json!({"e": {"local": null}})).is_ok());
    }

    #[test]
    fn integral_floats_are_integers() {
        assert_eq!(read(json!({"a": 3.0})).unwrap().a, Some(3));
        assert_eq!(
            read(json!({"v": [-2.0, 1e3]})).unwrap().v,
            Some(vec![-2, 1000])
        );
        assert!(read(json!({"a": 3.5})).is_err());
        assert!(read(json!({"a": 1e10})).is_err()); // out of u32's range
        assert!(read(json!({"v": [1e19]})).is_err()); // out of i64's range
        assert!(read(json!({"v": [f64::MAX]})).is_err());
    }
}
