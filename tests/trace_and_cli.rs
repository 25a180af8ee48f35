//! Determinism, the full-trace format of shared/spec/trace-format.md, and the CLI as a
//! user runs it (the real binary, real files, exit codes).

use std::process::Command;

use gradscope::trace::{full_json, summary_json};
use gradscope::Config;
use serde_json::Value;

fn config(json: &str) -> Config {
    Config::from_json(json).unwrap_or_else(|e| panic!("{e}"))
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", &text[..text.len().min(200)]))
}

#[test]
fn same_seed_gives_byte_identical_traces_and_another_seed_does_not() {
    let c = config(
        r#"{"seed": 7, "network": {"depth": 5, "batch_norm": true}, "optimizer": {"kind": "adam"}}"#,
    );
    assert_eq!(full_json(&c, 15), full_json(&c, 15));
    assert_eq!(summary_json(&c, 40), summary_json(&c, 40));
    let mut other = c.clone();
    other.seed = 8;
    assert_ne!(full_json(&c, 15), full_json(&other, 15));
}

#[test]
fn full_trace_has_every_field_of_the_spec() {
    let c = config(
        r#"{"seed": 7, "network": {"depth": 3, "width": 5, "batch_norm": true},
            "optimizer": {"kind": "adagrad", "lr": 0.1}, "clip": {"kind": "norm", "threshold": 1.0}, "batch_size": 4}"#,
    );
    let doc = parse(&full_json(&c, 3));
    assert_eq!(doc["config"]["network"]["inputs"], 2);
    assert_eq!(doc["config"]["optimizer"]["initial_accumulator"], 0.0);
    assert_eq!(doc["config"]["optimizer"]["eps"], 1e-8);
    let steps = doc["steps"].as_array().map_or(0, |s| s.len());
    assert_eq!(steps, 3);
    let s0 = &doc["steps"][0];
    assert_eq!(s0["step"], 0);
    assert_eq!(s0["x"].as_array().map(|r| r.len()), Some(4));
    assert_eq!(s0["x"][0].as_array().map(|r| r.len()), Some(2));
    assert_eq!(s0["y"][0].as_array().map(|r| r.len()), Some(1));
    assert!(s0["loss"].is_number());
    let layers = s0["layers"].as_array().cloned().unwrap_or_default();
    assert_eq!(layers.len(), 4);
    let hidden = &layers[1];
    for key in [
        "W",
        "b",
        "gamma",
        "beta",
        "grad_W",
        "grad_b",
        "grad_gamma",
        "grad_beta",
        "clipped_grad_W",
        "clipped_grad_b",
        "clipped_grad_gamma",
        "clipped_grad_beta",
        "eff_lr_W",
        "eff_lr_b",
    ] {
        assert!(hidden.get(key).is_some(), "hidden layer lacks {key}");
    }
    assert_eq!(hidden["W"].as_array().map(|r| r.len()), Some(5));
    assert_eq!(hidden["W"][0].as_array().map(|r| r.len()), Some(5));
    let output = &layers[3];
    assert!(
        output.get("gamma").is_none(),
        "the output layer has no batch norm"
    );
    assert_eq!(output["W"].as_array().map(|r| r.len()), Some(1));
    // The next step's parameters are the previous step's updated ones, and the last
    // update lands in final_layers.
    assert_ne!(
        doc["steps"][1]["layers"][0]["W"],
        doc["steps"][0]["layers"][0]["W"]
    );
    assert_eq!(doc["final_layers"].as_array().map(|l| l.len()), Some(4));
    assert!(doc["final_layers"][0].get("grad_W").is_none());
}

#[test]
fn eff_lr_appears_only_for_adagrad() {
    let c = config(r#"{"network": {"depth": 2}, "optimizer": {"kind": "rmsprop"}}"#);
    let doc = parse(&full_json(&c, 1));
    assert!(doc["steps"][0]["layers"][0].get("eff_lr_W").is_none());
}

#[test]
fn a_diverged_run_writes_non_finite_values_as_strings() {
    let c = config(
        r#"{"network": {"depth": 40, "width": 64, "activation": "linear", "init": "normal", "init_std": 3.0},
            "batch_size": 4}"#,
    );
    let text = full_json(&c, 5);
    let doc = parse(&text);
    let steps = doc["steps"].as_array().cloned().unwrap_or_default();
    let last = steps.last().cloned().unwrap_or_default();
    let non_finite = |v: &Value| {
        v.as_str()
            .is_some_and(|s| ["NaN", "inf", "-inf"].contains(&s))
    };
    let grad_w0 = last["layers"][0]["grad_W"][0][0].clone();
    assert!(
        non_finite(&last["loss"]) || non_finite(&grad_w0),
        "last step: loss {} grad {}",
        last["loss"],
        grad_w0
    );
    assert!(!text.contains("null"));
    let summary = parse(&summary_json(&c, 5));
    assert_eq!(summary["diverged_at"], Value::from(steps.len() as u64 - 1));
}

fn gradscope(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gradscope"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run gradscope: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn cli_writes_summary_csv_and_full_traces_to_files() {
    let dir = std::env::temp_dir().join(format!("gradscope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let cfg = dir.join("c.json");
    std::fs::write(
        &cfg,
        r#"{"seed": 3, "network": {"depth": 4}, "optimizer": {"kind": "adagrad"}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let cfg = cfg.to_string_lossy().to_string();

    let (ok, out, err) = gradscope(&["run", "--config", &cfg, "--steps", "30"]);
    assert!(ok, "{err}");
    let doc = parse(&out);
    assert_eq!(doc["steps"].as_array().map(|s| s.len()), Some(30));
    assert_eq!(
        doc["steps"][29]["layers"].as_array().map(|l| l.len()),
        Some(5)
    );
    assert!(doc["steps"][0]["layers"][0]["eff_lr_mean"].is_number());

    let (ok, csv, _) = gradscope(&["run", "--config", &cfg, "--steps", "3", "--format", "csv"]);
    assert!(ok);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 3 * 5);
    assert!(lines[0].starts_with("step,loss,"));

    // --splits adds the data set beyond the format: 200 samples, 20% held out.
    let (ok, out, err) = gradscope(&[
        "run", "--config", &cfg, "--steps", "1", "--trace", "full", "--splits",
    ]);
    assert!(ok, "{err}");
    let doc = parse(&out);
    assert_eq!(doc["train"]["x"].as_array().map(|r| r.len()), Some(160));
    assert_eq!(doc["test"]["x"].as_array().map(|r| r.len()), Some(40));
    assert_eq!(doc["test"]["x"][0].as_array().map(|r| r.len()), Some(2));
    assert_eq!(doc["test"]["y"][0].as_array().map(|r| r.len()), Some(1));
    assert_eq!(doc["test"]["labels"].as_array().map(|r| r.len()), Some(40));
    let (ok, out, _) = gradscope(&["run", "--config", &cfg, "--steps", "1", "--trace", "full"]);
    assert!(ok && parse(&out).get("test").is_none());

    let out_path = dir.join("full.json").to_string_lossy().to_string();
    let (ok, stdout, _) = gradscope(&[
        "run", "--config", &cfg, "--steps", "2", "--trace", "full", "--out", &out_path,
    ]);
    assert!(ok);
    assert!(stdout.is_empty());
    let text = std::fs::read_to_string(&out_path).unwrap_or_default();
    assert_eq!(parse(&text)["steps"].as_array().map(|s| s.len()), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_errors_are_one_line_and_exit_non_zero() {
    let dir = std::env::temp_dir().join(format!("gradscope-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"network": {"activation": "swish"}}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let notjson = dir.join("notjson.json");
    std::fs::write(&notjson, "depth = 3").unwrap_or_else(|e| panic!("{e}"));
    for (args, needle) in [
        (
            vec!["run", "--config", bad.to_str().unwrap_or("")],
            "network.activation",
        ),
        (
            vec!["run", "--config", notjson.to_str().unwrap_or("")],
            "not valid JSON",
        ),
        (vec!["run", "--steps", "many"], "--steps"),
        (vec!["run", "--set", "batch_size=100000"], "batch_size"),
        (vec!["nonsense"], "unknown command"),
    ] {
        let (ok, out, err) = gradscope(&args);
        assert!(!ok, "{args:?} succeeded");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_draws_every_view_as_an_svg_figure() {
    let dir = std::env::temp_dir().join(format!("gradscope-fig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    for (view, needles) in [
        ("heatmap", vec!["layer", "step", "NaN/inf", "out"]),
        (
            "flow",
            vec!["layer (input", "‖dL/dW‖ now", "theory at init"],
        ),
        (
            "lr",
            vec!["lr / sqrt(G + eps)", "layer 1", "‖dW‖ / ‖W‖", "1/√t"],
        ),
        ("loss", vec!["loss", "accuracy", "test"]),
        ("saturation", vec!["activation value", "share"]),
        ("data", vec!["<circle"]),
    ] {
        let out = dir
            .join(format!("{view}.svg"))
            .to_string_lossy()
            .to_string();
        let (ok, stdout, err) = gradscope(&[
            "figure",
            "--view",
            view,
            "--steps",
            "40",
            "--set",
            "network.depth=5",
            "--set",
            "optimizer.kind=adagrad",
            "--out",
            &out,
        ]);
        assert!(ok, "{view}: {err}");
        assert!(stdout.is_empty());
        let svg = std::fs::read_to_string(&out).unwrap_or_default();
        assert!(svg.starts_with("<svg"), "{view}");
        for n in needles {
            assert!(svg.contains(n), "{view} figure lacks {n:?}");
        }
        if view == "heatmap" {
            // One rectangle per cell: 6 layers x 40 steps, plus the colour bar's.
            assert!(svg.matches("<rect").count() >= 240, "{view}");
        }
    }
    // The threshold line belongs on the norm axis only for norm clipping.
    for (kind, has_line) in [("norm", true), ("value", false)] {
        let (ok, svg, err) = gradscope(&[
            "figure",
            "--view",
            "flow",
            "--steps",
            "5",
            "--set",
            &format!("clip.kind={kind}"),
            "--set",
            "clip.threshold=0.01",
        ]);
        assert!(ok, "{err}");
        assert!(
            svg.contains("clipped\n</text>"),
            "{kind}: clipped norms are drawn"
        );
        assert_eq!(
            svg.contains("clip threshold (global norm)"),
            has_line,
            "{kind}"
        );
    }
    let (ok, _, err) = gradscope(&["figure", "--view", "pie"]);
    assert!(!ok && err.contains("--view takes one of heatmap"), "{err}");
    let (ok, _, err) = gradscope(&["figure", "--steps", "3"]);
    assert!(!ok && err.contains("figure needs --view"), "{err}");
    let (ok, _, err) = gradscope(&["figure", "--view", "flow", "--width", "5"]);
    assert!(!ok && err.contains("100 to 4000"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_fingerprint_fixture_parses_and_a_missing_one_is_an_error() {
    use gradscope::trace::{config_fingerprint, FINGERPRINT_CONFIGS};
    for i in 0..FINGERPRINT_CONFIGS.len() {
        let f = config_fingerprint(i).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(f, 0, "config {i}");
    }
    let e = config_fingerprint(FINGERPRINT_CONFIGS.len())
        .err()
        .unwrap_or_default();
    assert!(e.contains("no fingerprint config"), "{e}");
}

#[test]
fn summary_records_carry_flat_and_dead_shares_and_update_ratio() {
    let relu = config(r#"{"network": {"depth": 3, "activation": "relu", "init": "he_normal"}}"#);
    let doc = parse(&summary_json(&relu, 2));
    let layers = doc["steps"][1]["layers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(layers.len(), 4);
    for hidden in &layers[..3] {
        assert!(hidden["flat_share"].is_number(), "{hidden}");
        assert!(hidden["dead_share"].is_number(), "{hidden}");
        assert!(
            hidden["update_ratio"].as_f64().is_some_and(|r| r > 0.0),
            "{hidden}"
        );
        assert!(hidden.get("saturated_or_dead").is_none());
    }
    assert!(layers[3]["flat_share"].is_null() && layers[3]["dead_share"].is_null());
    assert!(layers[3]["update_ratio"].is_number());
    let elu = config(r#"{"network": {"depth": 3, "activation": "elu"}}"#);
    let doc = parse(&summary_json(&elu, 1));
    assert!(doc["steps"][0]["layers"][0]["dead_share"].is_null());
    assert!(doc["steps"][0]["layers"][0]["flat_share"].is_number());
    let mut csv = Vec::new();
    gradscope::trace::write_summary_csv(&relu, 1, &mut csv, &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let csv = String::from_utf8(csv).unwrap_or_default();
    let header: Vec<&str> = csv.lines().next().unwrap_or("").split(',').collect();
    let row: Vec<&str> = csv.lines().nth(1).unwrap_or("").split(',').collect();
    assert_eq!(header.len(), row.len());
    let at = |name: &str| header.iter().position(|h| *h == name);
    assert_eq!(at("flat_share").map(|i| i + 1), at("dead_share"));
    assert_eq!(at("dead_share").map(|i| i + 1), at("update_ratio"));
    assert!(at("saturated_or_dead").is_none());
    let dead: f64 = at("dead_share")
        .and_then(|i| row[i].parse().ok())
        .unwrap_or(f64::NAN);
    assert!((0.0..=1.0).contains(&dead), "{dead}");
}

/// A long run writes its progress bar only to a terminal: piped, stderr stays empty
/// (the run below takes well over the half second after which a terminal sees the bar).
#[test]
fn a_piped_long_run_prints_no_progress() {
    let started = std::time::Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gradscope"))
        .args([
            "run",
            "--set",
            "network.depth=30",
            "--set",
            "network.width=32",
            "--steps",
            "1200",
            "--format",
            "csv",
            "--out",
            "/dev/null",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        started.elapsed().as_millis() > 600,
        "the run was too short to show a bar"
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
