//! Fuzzing the page's own parsing code natively: generated links through `url::read`
//! (what `App::from_query` runs) and generated `setConfig` patches through
//! `Config::merged` (what `App::set_config` runs). Seeded (`GRADSCOPE_FUZZ_SEED`,
//! `GRADSCOPE_FUZZ_CASES`); a failure prints its case number and input.
//!
//! A link must give a valid config and view, a short printable message for every
//! parameter not applied as written (naming it), and a share link (`to_query`) that reads
//! back to the same run without a message. A patch must give a valid config or one short
//! printable line, leaving the old config as it was.

use std::panic::{catch_unwind, AssertUnwindSafe};

use gradscope::config::schema::{Kind, Section, FIELDS};
use gradscope::view::url;
use gradscope::Config;
use serde_json::{json, Value};

mod common;
use common::{env_or, option_words, Gen};

const DEFAULT_SEED: u64 = 0x0dd5_eed5_2026;
const DEFAULT_CASES: usize = 10_000;
const MAX_MESSAGE: usize = 400;

const HOSTILE: &[&str] = &[
    "<img src=x onerror=alert(1)>",
    "__proto__",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-0",
    "1e-400",
    "0x10",
    "",
    " ",
    "null",
    "%00",
    "%zz",
    "%E0%A4",
    "\u{202e}",
    "🙂",
    "1,5",
    "2.5e",
    "+3",
    "TRUE",
    "yes",
    "maybe",
    "-1",
    "5e-324",
    "1e300",
    "0.0000001",
    "swish",
];
const NUMBERS: &[&str] = &[
    "0", "1", "2", "3", "7", "8", "16", "20", "30", "64", "65", "256", "257", "0.5", "0.1", "0.01",
    "1e-8", "1e-3", "100", "1000", "20000", "0.3", "0.9", "0.99", "0.999",
];
fn value_text(g: &mut Gen, kind: &Kind) -> String {
    if g.chance(0.15) {
        return g.pick(HOSTILE).to_string();
    }
    match kind {
        Kind::Bool => g
            .pick(&["true", "false", "1", "0", "on", "off", "yes", "no", "2"])
            .to_string(),
        Kind::Choice { .. } => g.pick(option_words()).clone(),
        _ => g.pick(NUMBERS).to_string(),
    }
}

/// The value at a dotted path.
fn at<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(doc, |v, k| v.get(k))
}

/// Whether `got` is `written` as a person reads the link.
fn as_written(kind: &Kind, got: Option<&Value>, written: &str) -> bool {
    let Some(got) = got else { return false };
    match kind {
        Kind::Bool => match written {
            "true" | "1" | "on" | "yes" => got == &json!(true),
            "false" | "0" | "off" | "no" => got == &json!(false),
            _ => false,
        },
        Kind::Choice { .. } => got.as_str() == Some(written),
        _ => {
            let n: Option<f64> = written.trim().parse().ok();
            matches!((n, got.as_f64()), (Some(a), Some(b)) if a == b && !written.trim().is_empty())
        }
    }
}

fn check_message(m: &str) -> Result<(), String> {
    if m.chars().any(char::is_control) || m.chars().count() > MAX_MESSAGE {
        return Err(format!(
            "message not one short printable line: {:?}",
            m.chars().take(200).collect::<String>()
        ));
    }
    Ok(())
}

fn check_link(g: &mut Gen) -> Result<(), String> {
    let mut params: Vec<(&'static gradscope::config::schema::Field, String)> = Vec::new();
    for _ in 0..1 + g.below(6) {
        let f = g.pick(FIELDS);
        if params.iter().any(|(p, _)| p.url == f.url) {
            continue;
        }
        params.push((f, value_text(g, &f.kind)));
    }
    let mut parts: Vec<String> = params
        .iter()
        .map(|(f, v)| format!("{}={}", f.url, v.replace('&', "%26").replace('#', "%23")))
        .collect();
    if g.chance(0.1) {
        parts.push(
            g.pick(&[
                "depht=3",
                "%3Cb%3E=1",
                "config=%7B%22seed%22%3A3%7D",
                "config=%5B1%5D",
                "a=b=c",
            ])
            .to_string(),
        );
    }
    if g.chance(0.5) {
        // Order must not matter.
        let k = g.below(parts.len().max(1));
        parts.rotate_left(k);
    }
    let query = format!("?{}", parts.join("&"));
    let applied = url::read(&query);
    for m in &applied.messages {
        check_message(m).map_err(|e| format!("{query}: {e}"))?;
    }
    let cfg = serde_json::to_value(&applied.config).unwrap_or_default();
    let view = serde_json::to_value(applied.view).unwrap_or_default();
    for (f, written) in &params {
        // Percent-escapes in the written text are decoded by the link; compare only plain ones.
        if written.contains('%') {
            continue;
        }
        let doc = if f.section == Section::Config {
            &cfg
        } else {
            &view
        };
        if !as_written(&f.kind, at(doc, f.path), written)
            && !applied
                .messages
                .iter()
                .any(|m| m.contains(&format!("'{}'", f.url)))
        {
            return Err(format!(
                "{query}: '{}={written}' neither applied nor named in {:?}",
                f.url, applied.messages
            ));
        }
    }
    let again = Config::from_value(cfg.clone())
        .map_err(|e| format!("{query}: config does not re-validate: {e}"))?;
    if again != applied.config {
        return Err(format!("{query}: config changes when re-read"));
    }
    let share = url::to_query(&applied.config, &applied.view);
    let back = url::read(&share);
    if back.config != applied.config || back.view != applied.view || !back.messages.is_empty() {
        return Err(format!(
            "{query}: its share link '{share}' reads back differently ({:?})",
            back.messages
        ));
    }
    Ok(())
}

fn check_patch(g: &mut Gen, base: &Config) -> Result<(), String> {
    let mut patch = json!({});
    for _ in 0..1 + g.below(4) {
        let f = g.pick(FIELDS);
        if f.section != Section::Config {
            continue;
        }
        let text = value_text(g, &f.kind);
        let value = match (g.chance(0.3), &f.kind) {
            (true, _) => Value::String(text),
            (false, Kind::Bool) => json!(text == "true"),
            (false, Kind::Choice { .. }) => Value::String(text),
            (false, _) => text
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map_or(Value::String(text), |x| json!(x)),
        };
        let keys: Vec<&str> = f.path.split('.').collect();
        let mut at = &mut patch;
        for k in &keys[..keys.len() - 1] {
            at = at
                .as_object_mut()
                .map(|o| o.entry(k.to_string()).or_insert_with(|| json!({})))
                .ok_or("patch path")?;
        }
        if let Some(o) = at.as_object_mut() {
            o.insert(keys[keys.len() - 1].to_string(), value);
        }
    }
    if g.chance(0.05) {
        patch = g
            .pick(&[
                json!([1]),
                json!("x"),
                json!(null),
                json!({"__proto__": {"x": 1}}),
            ])
            .clone();
    }
    let before = base.clone();
    match base.merged(&patch) {
        Err(e) => check_message(&e.to_string()).map_err(|m| format!("{patch}: {m}"))?,
        Ok(c) => {
            let again = Config::from_json(&c.to_json())
                .map_err(|e| format!("{patch}: merged config does not re-read: {e}"))?;
            if again != c {
                return Err(format!("{patch}: merged config changes when re-read"));
            }
        }
    }
    if *base != before {
        return Err(format!("{patch}: the old config changed"));
    }
    Ok(())
}

fn fuzz(name: &str, seed: u64, mut one: impl FnMut(&mut Gen) -> Result<(), String>) {
    let cases = env_or("GRADSCOPE_FUZZ_CASES", DEFAULT_CASES);
    let mut g = Gen(seed);
    let mut failures = Vec::new();
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for case in 0..cases {
        let mut sub = Gen(g.next());
        match catch_unwind(AssertUnwindSafe(|| one(&mut sub))) {
            Ok(Ok(())) => {}
            Ok(Err(why)) => failures.push(format!(
                "case {case}: {}",
                why.chars().take(500).collect::<String>()
            )),
            Err(_) => failures.push(format!(
                "case {case}: PANIC (rerun with GRADSCOPE_FUZZ_SEED={seed} to see it)"
            )),
        }
    }
    std::panic::set_hook(quiet);
    assert!(
        failures.is_empty(),
        "{name}: {} of {cases} failed (seed {seed:#x}):\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn generated_links_apply_as_written_or_say_why() {
    let seed = env_or("GRADSCOPE_FUZZ_SEED", DEFAULT_SEED);
    fuzz("links", seed, check_link);
}

#[test]
fn generated_set_config_patches_apply_or_refuse_in_one_line() {
    let seed = env_or("GRADSCOPE_FUZZ_SEED", DEFAULT_SEED) ^ 1;
    let bases: Vec<Config> = [
        "{}",
        r#"{"optimizer": {"kind": "adam"}, "network": {"batch_norm": true}}"#,
        r#"{"dataset": {"kind": "sine"}}"#,
        r#"{"dataset": {"kind": "spiral3"}, "clip": {"kind": "norm", "threshold": 0.5}}"#,
    ]
    .iter()
    .map(|t| Config::from_json(t).unwrap_or_else(|e| panic!("{t}: {e}")))
    .collect();
    fuzz("patches", seed, |g| {
        let base = g.pick(&bases).clone();
        check_patch(g, &base)
    });
}
