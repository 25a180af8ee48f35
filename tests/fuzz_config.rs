//! Fuzzing the config parser and the engine behind it with generated configs: every field
//! of the config (found by walking resolved configs, not from a hand-kept list), set to
//! valid, extreme and malformed values, plus malformed documents (broken JSON, duplicate
//! keys, deep nesting, non-objects, huge keys).
//!
//! Each input must give either a one-line message that names the field and shows at most
//! a short, escaped excerpt of the bad value, or a config that round-trips through JSON and
//! a run that steps without a panic (ending as diverged when it overflows).
//!
//! The generator is seeded (`GRADSCOPE_FUZZ_SEED`, default below; `GRADSCOPE_FUZZ_CASES`
//! for the count): the same seed gives the same inputs, and a failure prints its case
//! number and the input that caused it.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use gradscope::engine::session::Run;
use gradscope::Config;
use serde_json::{json, Map, Value};

mod common;
use common::{env_or, option_words, Gen};

const DEFAULT_SEED: u64 = 0x5eed_2026_1202;
const DEFAULT_CASES: usize = 10_000;
/// The longest message a student should have to read.
const MAX_MESSAGE: usize = 320;
/// Steps run for each accepted config whose step is cheap enough for a test.
const STEPS: u64 = 3;
/// `parameters x batch` above which an accepted config is built but not stepped (a step
/// of the largest networks takes a tenth of a second; the memory budget bounds the rest).
const MAX_STEP_WORK: usize = 4_000_000;

/// Every leaf path of resolved configs, over every dataset and optimizer (so each
/// optimizer's hyper-parameters are included), with the values they take there.
fn field_paths() -> (Vec<Vec<String>>, Vec<Value>) {
    let mut paths = BTreeSet::new();
    let mut words = BTreeSet::new();
    let base = Config::default()
        .resolve()
        .unwrap_or_else(|e| panic!("default config: {e}"));
    let mut docs = vec![serde_json::to_value(&base).unwrap_or_default()];
    for kind in [
        "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw",
    ] {
        if let Ok(c) = base.merged(&json!({"optimizer": {"kind": kind}})) {
            docs.push(serde_json::to_value(&c).unwrap_or_default());
        }
    }
    fn walk(
        v: &Value,
        at: &mut Vec<String>,
        out: &mut BTreeSet<Vec<String>>,
        words: &mut BTreeSet<String>,
    ) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    at.push(k.clone());
                    walk(v, at, out, words);
                    at.pop();
                }
            }
            other => {
                out.insert(at.clone());
                if let Value::String(s) = other {
                    words.insert(s.clone());
                }
            }
        }
    }
    for d in &docs {
        walk(d, &mut Vec::new(), &mut paths, &mut words);
    }
    assert!(paths.len() >= 25, "walked only {} fields", paths.len());
    let words = words.into_iter().map(Value::String).collect();
    (paths.into_iter().collect(), words)
}

fn hostile_value(g: &mut Gen, words: &[Value]) -> Value {
    match g.below(10) {
        0 => json!(*g.pick(&[
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            5e-324,
            1e-310,
            1e-300,
            1e-45,
            1e-8,
            0.999_999_9,
            1.0 + 1e-15,
            1e9,
            1e15,
            1e300,
            f64::MAX,
            -1e300,
            3.0e-39,
            0.1,
            100.0,
            100.000_001,
        ])),
        1 => json!(*g.pick(&[
            0i64,
            1,
            2,
            3,
            7,
            8,
            16,
            63,
            64,
            65,
            128,
            255,
            256,
            257,
            1000,
            20_000,
            20_001,
            -1,
            -64,
            i64::MIN,
            i64::MAX,
            9_007_199_254_740_991,
            9_007_199_254_740_992,
        ])),
        2 => json!(u64::MAX),
        3 => {
            // A random magnitude across the whole double range.
            let e = g.below(600) as i32 - 300;
            let m = 1.0 + g.below(9) as f64;
            json!(m * 10f64.powi(e) * if g.chance(0.2) { -1.0 } else { 1.0 })
        }
        4 => Value::String(g.pick(option_words()).clone()),
        5 => g.pick(words).clone(),
        6 => Value::String(
            g.pick(&[
                "NaN",
                "inf",
                "-inf",
                "Infinity",
                "1e5",
                "0x10",
                "\u{0}",
                "\n\r\t",
                "\u{1b}[31mred\u{1b}[0m",
                "<img src=x onerror=alert(1)>",
                "héllo wörld",
                "\u{202e}evil",
                "🙂",
                "true",
                "null",
            ])
            .to_string(),
        ),
        7 => Value::String("x".repeat(*g.pick(&[41, 300, 5_000, 200_000]))),
        8 => json!(*g.pick(&[true, false])),
        _ => match g.below(5) {
            0 => Value::Null,
            1 => json!([]),
            2 => json!([1, 2, 3]),
            3 => json!({}),
            _ => json!({"kind": "tanh", "x": {"y": [1]}}),
        },
    }
}

/// Sets `value` at `path` in `doc`, creating objects on the way (replacing non-objects).
fn set_path(doc: &mut Value, path: &[String], value: Value) {
    let mut at = doc;
    for key in &path[..path.len() - 1] {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let Some(obj) = at.as_object_mut() else {
            return;
        };
        at = obj.entry(key.clone()).or_insert_with(|| json!({}));
    }
    if !at.is_object() {
        *at = Value::Object(Map::new());
    }
    if let (Some(obj), Some(last)) = (at.as_object_mut(), path.last()) {
        obj.insert(last.clone(), value);
    }
}

/// A generated config document (as text: some are not even valid JSON).
fn generate(g: &mut Gen, paths: &[Vec<String>], words: &[Value]) -> String {
    let mut doc = json!({});
    let fields = 1 + g.below(6);
    // A third of the documents hold only values near valid ones, so that many configs are
    // accepted and reach the engine.
    let tame = g.chance(0.35);
    for _ in 0..fields {
        let path = g.pick(paths).clone();
        let value = if tame || g.chance(0.5) {
            let base = serde_json::to_value(Config::default().resolve().unwrap_or_default())
                .unwrap_or_default();
            let mut v = &base;
            for k in &path {
                v = v.get(k).unwrap_or(&Value::Null);
            }
            if v.is_null() || (!tame && g.chance(0.5)) {
                hostile_value(g, words)
            } else if v.is_string() && g.chance(0.6) {
                g.pick(words).clone()
            } else if let Some(x) = v.as_f64() {
                // Scale a valid number: often still valid, sometimes just outside.
                let x = x * *g.pick(&[0.5, 1.0, 2.0, 10.0, 0.1, 0.001, 1000.0]);
                if v.is_u64() {
                    json!(x.round() as u64)
                } else {
                    json!(x)
                }
            } else {
                v.clone()
            }
        } else {
            hostile_value(g, words)
        };
        set_path(&mut doc, &path, value);
    }
    if g.chance(0.05) {
        // An unknown field, sometimes with a huge or hostile name.
        let name = g
            .pick(&["depht", "network.depth", "\u{1b}[2J", "a\nb", "<b>x</b>"])
            .to_string();
        let name = if g.chance(0.3) {
            "k".repeat(1 << 20)
        } else {
            name
        };
        set_path(
            &mut doc,
            &[g.pick(&["network", "optimizer", "x"]).to_string(), name],
            json!(1),
        );
    }
    let text = doc.to_string();
    match g.below(40) {
        0 => text.chars().take(text.chars().count() / 2).collect(),
        1 => text.replacen('{', "{\"seed\": 3, \"seed\": 4, ", 1),
        2 => "[".repeat(300) + &"]".repeat(300),
        3 => format!("{}1{}", "{\"a\":".repeat(200), "}".repeat(200)),
        4 => "{\"seed\": NaN}".into(),
        5 => "{\"optimizer\": {\"lr\": 1e999}}".into(),
        6 => "\"just a string\"".into(),
        7 => String::new(),
        8 => text.replace(':', ": \u{0}"),
        _ => text,
    }
}

/// A one-line, short, printable message.
fn check_message(message: &str) -> Result<(), String> {
    if message.chars().any(|c| c.is_control()) {
        return Err(format!("message has control characters: {message:?}"));
    }
    if message.chars().count() > MAX_MESSAGE {
        return Err(format!(
            "message is {} characters long: {:?}...",
            message.chars().count(),
            message.chars().take(200).collect::<String>()
        ));
    }
    Ok(())
}

/// Checks one input; `Err` says what was wrong.
fn check(text: &str, paths: &[Vec<String>]) -> Result<&'static str, String> {
    match Config::from_json(text) {
        Err(e) => {
            check_message(&e.to_string())?;
            // The field it names is a field of the config (or a part of one), or the
            // document itself.
            let known = e.field.is_empty()
                || paths.iter().any(|p| {
                    let joined = p.join(".");
                    joined == e.field || joined.starts_with(&format!("{}.", e.field))
                });
            if !known && !e.message.contains("unknown field") {
                return Err(format!("error names no config field: {e}"));
            }
            Ok("rejected")
        }
        Ok(c) => {
            let again = Config::from_json(&c.to_json())
                .map_err(|e| format!("accepted config does not re-read: {e}"))?;
            if again != c {
                return Err("accepted config changes when written and read again".into());
            }
            let mut run = Run::new(c.spec(), c.precision, 16);
            if run.param_count() * c.batch_size > MAX_STEP_WORK {
                return Ok("built");
            }
            let taken = run.step(STEPS);
            let diverged = run.diverged_at().is_some();
            if taken != STEPS && !diverged {
                return Err(format!("took {taken} of {STEPS} steps without diverging"));
            }
            if diverged && run.step(1) != 0 {
                return Err("a diverged run kept stepping".into());
            }
            Ok(if diverged { "diverged" } else { "stepped" })
        }
    }
}

fn excerpt(text: &str) -> String {
    let head: String = text.chars().take(600).collect();
    format!("{head:?}{}", if text.len() > 600 { " (cut)" } else { "" })
}

#[test]
fn generated_configs_give_a_clear_message_or_a_run_that_steps() {
    let seed = env_or("GRADSCOPE_FUZZ_SEED", DEFAULT_SEED);
    let cases = env_or("GRADSCOPE_FUZZ_CASES", DEFAULT_CASES);
    let (paths, words) = field_paths();
    let mut g = Gen(seed);
    let mut outcomes = std::collections::BTreeMap::new();
    let mut failures = Vec::new();
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for case in 0..cases {
        let text = generate(&mut g, &paths, &words);
        match catch_unwind(AssertUnwindSafe(|| check(&text, &paths))) {
            Ok(Ok(outcome)) => *outcomes.entry(outcome).or_insert(0usize) += 1,
            Ok(Err(why)) => {
                failures.push(format!("case {case}: {why}\n  input: {}", excerpt(&text)))
            }
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!(
                    "case {case}: PANIC {why}\n  input: {}",
                    excerpt(&text)
                ));
            }
        }
    }
    std::panic::set_hook(quiet);
    eprintln!("seed {seed:#x}, {cases} configs: {outcomes:?}");
    assert!(
        failures.is_empty(),
        "{} of {cases} generated configs failed (seed {seed:#x}); the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The generator must reach every outcome, or it tests less than it claims.
    for outcome in ["rejected", "stepped"] {
        assert!(
            outcomes.get(outcome).copied().unwrap_or(0) >= cases / 50,
            "too few '{outcome}' cases: {outcomes:?}"
        );
    }
}
