//! Lessons in a URL: `?depth=20&activation=sigmoid&init=standard&optimizer=adagrad&lr=0.1`
//! or `?config={...JSON...}`, plus view settings (`metric`, `speed`, `autoplay`).
//! Each parameter becomes a partial config; the page applies them one by one, so a bad one
//! gets its message and the others still apply.

use serde::Serialize;
use serde_json::{json, Value};

/// Short URL names and the config paths they set.
pub const PARAMS: &[(&str, &str)] = &[
    ("seed", "seed"),
    ("dataset", "dataset.kind"),
    ("samples", "dataset.samples"),
    ("noise", "dataset.noise"),
    ("depth", "network.depth"),
    ("width", "network.width"),
    ("activation", "network.activation"),
    ("init", "network.init"),
    ("std", "network.init_std"),
    ("gain", "network.init_gain"),
    ("bn", "network.batch_norm"),
    ("skip", "network.skip_connections"),
    ("residual_scale", "network.residual_scale"),
    ("loss", "loss"),
    ("optimizer", "optimizer.kind"),
    ("lr", "optimizer.lr"),
    ("momentum", "optimizer.momentum"),
    ("beta1", "optimizer.beta1"),
    ("beta2", "optimizer.beta2"),
    ("rho", "optimizer.rho"),
    ("alpha", "optimizer.alpha"),
    ("eps", "optimizer.eps"),
    ("weight_decay", "optimizer.weight_decay"),
    ("initial_accumulator", "optimizer.initial_accumulator"),
    ("clip", "clip.kind"),
    ("threshold", "clip.threshold"),
    ("batch", "batch_size"),
    ("precision", "precision"),
];

/// View settings a URL may carry (not part of the run's config).
pub const VIEW_PARAMS: &[&str] = &["metric", "speed", "autoplay"];

/// A parsed query: config patches in order (each with the parameter that made it), view
/// settings, and messages for parameters that could not be read at all.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Lesson {
    pub patches: Vec<(String, Value)>,
    pub view: serde_json::Map<String, Value>,
    pub errors: Vec<String>,
}

/// Reads `?a=b&c=d` (the leading `?` optional).
pub fn parse_query(query: &str) -> Lesson {
    let mut lesson = Lesson::default();
    for pair in query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(key), Some(value)) = (decode(raw_key), decode(raw_value)) else {
            lesson.errors.push(format!(
                "URL parameter '{}' is not valid percent-encoding",
                truncate(pair)
            ));
            continue;
        };
        if key == "config" {
            match serde_json::from_str::<Value>(&value) {
                Ok(v) if v.is_object() => lesson.patches.push((key, v)),
                _ => lesson
                    .errors
                    .push("URL parameter 'config' is not a JSON object".into()),
            }
        } else if let Some((_, path)) = PARAMS.iter().find(|(k, _)| *k == key) {
            lesson
                .patches
                .push((key.clone(), patch_at(path, typed(&value))));
        } else if VIEW_PARAMS.contains(&key.as_str()) {
            lesson.view.insert(key, typed(&value));
        } else {
            let known: Vec<&str> = PARAMS
                .iter()
                .map(|(k, _)| *k)
                .chain(VIEW_PARAMS.iter().copied())
                .collect();
            lesson.errors.push(format!(
                "unknown URL parameter '{}'; known: config, {}",
                truncate(&key),
                known.join(", ")
            ));
        }
    }
    lesson
}

/// `"a.b"` and `v` as `{"a": {"b": v}}`.
fn patch_at(path: &str, v: Value) -> Value {
    path.rsplit('.').fold(v, |inner, key| json!({ key: inner }))
}

/// A URL value as JSON: numbers and booleans (also `1`/`0` read as numbers, which the
/// config accepts for booleans only as `true`/`false`, so `on`/`off`/`yes`/`no` map too).
fn typed(v: &str) -> Value {
    match v {
        "true" | "on" | "yes" => Value::Bool(true),
        "false" | "off" | "no" => Value::Bool(false),
        _ => match v.parse::<f64>() {
            Ok(n) if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15 => json!(n as i64),
            Ok(n) if n.is_finite() => json!(n),
            _ => Value::String(v.to_string()),
        },
    }
}

/// Boolean config fields given as `1`/`0` in a URL.
pub fn fix_booleans(patch: &mut Value) {
    for (section, field) in [("network", "batch_norm"), ("network", "skip_connections")] {
        if let Some(v) = patch.get_mut(section).and_then(|s| s.get_mut(field)) {
            if let Some(n) = v.as_i64() {
                if n == 0 || n == 1 {
                    *v = Value::Bool(n == 1);
                }
            }
        }
    }
}

fn truncate(s: &str) -> String {
    let s: String = s.chars().take(40).collect();
    s.replace(|c: char| c.is_control(), "?")
}

/// Percent-decoding with `+` as space; `None` for malformed escapes or invalid UTF-8.
fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The query string that sets up `config` (only the fields that differ from the
/// defaults), for sharing a run.
pub fn to_query(config: &crate::Config) -> String {
    let defaults = crate::Config::default().resolve().unwrap_or_default();
    let now = serde_json::to_value(config).unwrap_or_default();
    let base = serde_json::to_value(&defaults).unwrap_or_default();
    let mut parts = Vec::new();
    for (key, path) in PARAMS {
        let pick = |v: &Value| {
            path.split('.')
                .try_fold(v.clone(), |v, k| v.get(k).cloned())
        };
        if let Some(v) = pick(&now) {
            if pick(&base).as_ref() != Some(&v)
                || (*key == "optimizer" && config.optimizer.kind != defaults.optimizer.kind)
            {
                let text = match &v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                parts.push(format!("{key}={text}"));
            }
        }
    }
    parts.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_become_nested_patches() {
        let l = parse_query(
            "?depth=20&activation=sigmoid&bn=1&lr=0.05&config=%7B%22seed%22%3A7%7D&metric=delta",
        );
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        assert_eq!(l.patches[0].1, json!({"network": {"depth": 20}}));
        assert_eq!(
            l.patches[1].1,
            json!({"network": {"activation": "sigmoid"}})
        );
        let mut bn = l.patches[2].1.clone();
        fix_booleans(&mut bn);
        assert_eq!(bn, json!({"network": {"batch_norm": true}}));
        assert_eq!(l.patches[3].1, json!({"optimizer": {"lr": 0.05}}));
        assert_eq!(l.patches[4].1, json!({"seed": 7}));
        assert_eq!(l.view.get("metric"), Some(&json!("delta")));
    }

    #[test]
    fn hostile_queries_give_messages_not_panics() {
        for q in [
            "?%zz=1",
            "?depth=%E0%A4",
            "?<script>=1",
            "?config=[1]",
            "?config=%7B",
            "&&&=",
            "?a=b=c",
            "?%",
        ] {
            let l = parse_query(q);
            assert!(!l.errors.is_empty() || l.patches.is_empty(), "{q}");
        }
        let l = parse_query(&format!("?{}=1", "x".repeat(5000)));
        assert!(l.errors[0].len() < 400);
    }

    #[test]
    fn to_query_round_trips_through_parse_query() {
        let c = crate::Config::from_json(
            r#"{"seed": 9, "network": {"depth": 12, "activation": "relu", "batch_norm": true, "skip_connections": true, "residual_scale": 0.25}, "optimizer": {"kind": "adam", "lr": 0.003}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let q = to_query(&c);
        let mut config = crate::Config::default().resolve().unwrap_or_default();
        for (_, p) in parse_query(&q).patches {
            let mut p = p;
            fix_booleans(&mut p);
            config = config.merged(&p).unwrap_or_else(|e| panic!("{q}: {e}"));
        }
        assert_eq!(config, c, "{q}");
    }
}
