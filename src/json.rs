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
