//! What the page exports (the "Export" menu): the run's history as the summary trace's
//! JSON and CSV, the full trace of a short run, and file names that say what run a file
//! holds. The page only hands the files to the browser; every decision is here.

use serde_json::{json, Value};

use crate::config::schema::name_of;
use crate::config::Config;
use crate::run::ConfiguredRun;
use crate::trace::{self, RecordJson};

/// The most numbers a full trace from the page may hold (about 12 bytes each in JSON):
/// per step, every parameter, its raw and clipped gradient and its update.
pub const FULL_TRACE_MAX_NUMBERS: u64 = 4_000_000;

/// A file name that says what run it holds: dataset, network, activation, init, batch
/// norm and skips when on, optimizer and learning rate, clipping when on, seed and step
/// count, then `what` (a view's name, "history", "trace") and the extension. Only
/// letters, digits, `.`, `-` and `_`.
///
/// `gradscope_circles_d20x8_tanh_xavier_uniform_sgd_lr0.1_seed1_step120_heatmap.png`
pub fn file_name(config: &Config, steps: u64, what: &str, ext: &str) -> String {
    let n = &config.network;
    let mut parts = vec![
        "gradscope".to_string(),
        name_of(config.dataset.kind),
        format!("d{}x{}", n.depth, n.width),
        name_of(n.activation),
        name_of(n.init),
    ];
    if n.batch_norm {
        parts.push("bn".into());
    }
    if n.skip_connections {
        parts.push("skip".into());
    }
    parts.push(name_of(config.optimizer.kind));
    if let Some(lr) = config.optimizer.lr {
        parts.push(format!("lr{lr}"));
    }
    let clip = name_of(config.clip.kind);
    if clip != "none" {
        parts.push(format!("clip-{clip}{}", config.clip.threshold));
    }
    parts.push(format!("seed{}", config.seed));
    parts.push(format!("step{steps}"));
    parts.push(what.to_string());
    let stem: String = parts
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{stem}.{ext}")
}

/// The run's history as the summary trace's JSON: `{"config", "steps": [records...],
/// "diverged_at", "first_step"}`, the same encoding as `gradscope run` and `inspect()`.
/// The page keeps the latest records only; `first_step` is the oldest one kept.
pub fn history_json(run: &ConfiguredRun) -> String {
    let steps: Vec<Value> = run
        .history()
        .iter()
        .map(|r| serde_json::to_value(RecordJson(r)).unwrap_or(Value::Null))
        .collect();
    json!({
        "config": run.config(),
        "first_step": run.history().front().map(|r| r.step),
        "steps": steps,
        "diverged_at": run.diverged_at(),
    })
    .to_string()
}

/// The run's history as the summary trace's CSV (one row per step and layer).
pub fn history_csv(run: &ConfiguredRun) -> String {
    let mut out = trace::CSV_HEADER.to_vec();
    for r in run.history() {
        // Writing to a Vec cannot fail.
        let _ = trace::write_csv_rows(r, &mut out);
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The full trace (docs/trace-format.md) of the run so far, re-computed from its config.
/// An error in words when the run is too long for one, when the page no longer holds all
/// of its steps, or when it cannot be replayed from one config (the learning rate or
/// clipping changed while it ran).
pub fn full_trace(run: &ConfiguredRun) -> Result<String, String> {
    let steps = run.steps();
    if steps == 0 {
        return Err("no steps yet: train a few steps, then export the full trace".into());
    }
    let params = run.arch().param_count() as u64;
    let numbers = steps.saturating_mul(params).saturating_mul(4);
    if numbers > FULL_TRACE_MAX_NUMBERS {
        let most = (FULL_TRACE_MAX_NUMBERS / (params * 4).max(1)).max(1);
        return Err(format!(
            "a full trace of {steps} steps of this network would hold {numbers} numbers; \
             the page writes at most {FULL_TRACE_MAX_NUMBERS} (about {most} steps of it). \
             Reset and export earlier, or use the command line: gradscope run --trace full"
        ));
    }
    if run.history().len() as u64 != steps {
        return Err(format!(
            "the page keeps only the latest {} steps; use the command line for longer runs: \
             gradscope run --trace full",
            run.history().len()
        ));
    }
    if !replays(run) {
        return Err(
            "the learning rate or clipping changed while this run trained, so no single config \
             reproduces it; press Reset and train again to export its full trace"
                .into(),
        );
    }
    Ok(trace::full_json(run.config(), steps))
}

/// Whether a fresh run of the config reproduces every step the page holds, bit for bit
/// (false after a change that continued the run).
pub fn replays(run: &ConfiguredRun) -> bool {
    let mut fresh = ConfiguredRun::new(run.config().clone(), run.history().len().max(1));
    fresh.step(run.steps());
    let encode = |r| serde_json::to_value(RecordJson(r)).ok();
    fresh.history().len() == run.history().len()
        && fresh
            .history()
            .iter()
            .zip(run.history())
            .all(|(a, b)| encode(a) == encode(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(patch: Value, steps: u64) -> ConfiguredRun {
        let config = Config::default()
            .resolve()
            .and_then(|c| c.merged(&patch))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut r = ConfiguredRun::new(config, 2000);
        r.step(steps);
        r
    }

    #[test]
    fn file_names_say_what_run_they_hold() {
        let r = run(
            json!({"seed": 7, "network": {"depth": 20, "activation": "sigmoid", "batch_norm": true},
                   "optimizer": {"kind": "adam", "lr": 0.003}, "clip": {"kind": "norm", "threshold": 0.5}}),
            3,
        );
        assert_eq!(
            file_name(r.config(), 3, "heatmap", "png"),
            "gradscope_circles_d20x8_sigmoid_xavier_uniform_bn_adam_lr0.003_clip-norm0.5_seed7_step3_heatmap.png"
        );
        let plain = file_name(run(json!({}), 0).config(), 0, "history", "csv");
        assert_eq!(
            plain,
            "gradscope_circles_d6x8_tanh_xavier_uniform_sgd_lr0.1_seed1_step0_history.csv"
        );
        assert!(file_name(r.config(), 1, "a/b c<", "json").ends_with("_a-b-c-.json"));
    }

    #[test]
    fn the_history_is_the_summary_trace_of_the_same_steps() {
        let r = run(json!({"network": {"depth": 3}}), 12);
        let ours: Value = serde_json::from_str(&history_json(&r)).unwrap_or_default();
        let cli: Value =
            serde_json::from_str(&trace::summary_json(r.config(), 12)).unwrap_or_default();
        assert_eq!(ours["steps"], cli["steps"]);
        assert_eq!(ours["config"], cli["config"]);
        assert_eq!(ours["first_step"], json!(0));
        let mut csv = Vec::new();
        trace::write_summary_csv(r.config(), 12, &mut csv, &mut |_| {}).unwrap_or_default();
        assert_eq!(history_csv(&r), String::from_utf8(csv).unwrap_or_default());
        // A ring buffer that dropped steps says where it starts.
        let mut short = ConfiguredRun::new(r.config().clone(), 5);
        short.step(12);
        let v: Value = serde_json::from_str(&history_json(&short)).unwrap_or_default();
        assert_eq!(v["first_step"], json!(7));
        assert_eq!(v["steps"].as_array().map(Vec::len), Some(5));
    }

    #[test]
    fn the_full_trace_is_the_cli_s_when_the_run_replays() {
        let mut r = run(json!({"network": {"depth": 2, "width": 4}}), 4);
        assert_eq!(full_trace(&r), Ok(trace::full_json(r.config(), 4)));
        // A learning rate changed mid-run: no config replays it.
        r.apply(
            r.config()
                .merged(&json!({"optimizer": {"lr": 0.5}}))
                .unwrap_or_else(|e| panic!("{e}")),
        );
        assert_eq!(r.steps(), 4);
        assert!(
            !replays(&r),
            "steps 1 to 3 were taken at another learning rate"
        );
        assert!(full_trace(&r).is_err_and(|e| e.contains("Reset")));
        r.restart();
        assert!(full_trace(&r).is_err_and(|e| e.contains("no steps")));
        r.step(2);
        assert!(full_trace(&r).is_ok());
        // Too long: refused in words, naming the command line.
        let big = run(json!({"network": {"depth": 20, "width": 64}}), 200);
        assert!(full_trace(&big).is_err_and(|e| e.contains("--trace full")));
    }
}
