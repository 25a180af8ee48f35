//! JSON numbers that may be non-finite: written as JSON numbers when finite and as the
//! strings `"NaN"`, `"inf"` or `"-inf"` otherwise (serde_json would write `null`), as
//! docs/trace-format.md requires.

use serde::ser::{Serialize, SerializeSeq, Serializer};

use crate::engine::float::Float;

fn non_finite_name(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "inf"
    } else {
        "-inf"
    }
}

/// A value of the engine's float type, written with that type's shortest round-trip
/// form (`0.1` for the f32 nearest 0.1), or as a non-finite string. `Option<J<f64>>`
/// writes an absent measure as `null`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct J<T>(pub T);

impl<T: Float> Serialize for J<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if !v.is_finite() {
            return s.serialize_str(non_finite_name(v.to_f64()));
        }
        if T::NAME == "f32" {
            s.serialize_f32(v.to_f64() as f32)
        } else {
            s.serialize_f64(v.to_f64())
        }
    }
}

/// A row-major matrix written as a list of rows.
pub struct Rows<'a, T> {
    pub data: &'a [T],
    pub cols: usize,
}

impl<T: Float> Serialize for Rows<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let cols = self.cols.max(1);
        let mut seq = s.serialize_seq(Some(self.data.len() / cols))?;
        for row in self.data.chunks(cols) {
            seq.serialize_element(&Vector(row))?;
        }
        seq.end()
    }
}

/// A slice written as a list.
pub struct Vector<'a, T>(pub &'a [T]);

impl<T: Float> Serialize for Vector<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for &v in self.0 {
            seq.serialize_element(&J(v))?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_values_become_strings_and_f32_keeps_its_short_form() {
        let v = [0.1f32, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 2.5];
        let s = serde_json::to_string(&Rows {
            data: &v[..4],
            cols: 2,
        })
        .unwrap_or_default();
        assert_eq!(s, r#"[[0.1,"NaN"],["inf","-inf"]]"#);
        let s = serde_json::to_string(&Vector(&[0.1f64, f64::NAN])).unwrap_or_default();
        assert_eq!(s, r#"[0.1,"NaN"]"#);
    }
}

/// Parses JSON that a person wrote (a config file, a URL's `config=`, a `setConfig`
/// call) into a value, refusing a key given twice in one object: serde_json would keep
/// the last one silently, and the first would be lost without a word.
pub fn parse_strict(text: &str) -> Result<serde_json::Value, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde::Deserialize::deserialize(&mut de)
        .map(|Strict(v)| v)
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(value)
}

/// A JSON value whose objects have no repeated key.
struct Strict(serde_json::Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(out.into())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "the key '{}' is given twice",
                    crate::config::schema::excerpt(&key)
                )));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(out.into())
    }
}

#[cfg(test)]
mod strict_tests {
    use super::parse_strict;

    #[test]
    fn a_repeated_key_is_refused_at_any_depth() {
        for text in [
            r#"{"seed": 3, "seed": 4}"#,
            r#"{"network": {"depth": 3, "width": 4, "depth": 5}}"#,
            r#"[{"a": 1, "a": 1}]"#,
        ] {
            let e = parse_strict(text)
                .err()
                .unwrap_or_else(|| panic!("{text} accepted"));
            assert!(e.contains("is given twice"), "{text}: {e}");
        }
        let e = parse_strict(r#"{"seed": 3, "seed": 4}"#)
            .err()
            .unwrap_or_default();
        assert!(e.contains("'seed'"), "{e}");
    }

    #[test]
    fn everything_else_reads_as_serde_json_reads_it() {
        for text in [
            r#"{"seed": 3, "network": {"depth": 20, "init_gain": 0.1}, "x": [1, -2, 3.5e-300, true, null, "s"]}"#,
            "0.1",
            "18446744073709551615",
            "-9223372036854775808",
            "[]",
            "{}",
        ] {
            let want: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
            assert_eq!(parse_strict(text), Ok(want), "{text}");
        }
        assert!(parse_strict("{\"a\": 1} x").is_err());
        assert!(parse_strict("{\"a\": 1e999}").is_err());
        assert!(parse_strict(&("[".repeat(300) + &"]".repeat(300))).is_err());
    }
}
