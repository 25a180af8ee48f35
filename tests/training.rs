//! Training facts: what each mitigation does to a real run, through the public session API.

use gradscope::engine::session::Session;
use gradscope::{Config, ConfiguredRun};

fn config(json: &str) -> Config {
    Config::from_json(json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

/// Final full-split test accuracy after `steps` steps (evaluated at the last step).
fn test_accuracy_after(json: &str, steps: u64) -> f64 {
    let mut c = config(json);
    c.eval_every = steps - 1;
    let mut run = ConfiguredRun::new(c, 16);
    run.step(steps);
    assert_eq!(run.diverged_at(), None);
    run.history()
        .back()
        .and_then(|r| r.test_accuracy)
        .unwrap_or(0.0)
}

#[test]
fn xor_and_circles_are_learned() {
    for kind in ["xor", "circles"] {
        let json = format!(
            r#"{{"dataset": {{"kind": "{kind}", "samples": 400}}, "network": {{"depth": 3, "width": 16}},
                "optimizer": {{"kind": "adam", "lr": 0.02}}, "batch_size": 32}}"#
        );
        let acc = test_accuracy_after(&json, 1001);
        assert!(acc > 0.95, "{kind}: test accuracy {acc}");
    }
}

#[test]
fn spiral3_and_sine_make_progress() {
    let acc = test_accuracy_after(
        r#"{"dataset": {"kind": "spiral3", "samples": 600, "noise": 0.02}, "network": {"depth": 4, "width": 32, "activation": "relu", "init": "he_normal"},
            "optimizer": {"kind": "adam", "lr": 0.01}, "batch_size": 32}"#,
        2001,
    );
    assert!(acc > 0.8, "spiral3 accuracy {acc}");
    let mut run = ConfiguredRun::new(
        config(
            r#"{"dataset": {"kind": "sine", "noise": 0.0}, "network": {"depth": 3, "width": 16}, "optimizer": {"kind": "adam", "lr": 0.01}}"#,
        ),
        16,
    );
    run.step(1500);
    let last = run.history().back().map_or(f64::NAN, |r| r.loss);
    assert!(last < 0.01, "sine mse {last}");
}

/// Relative change of the first layer's `W` over `steps` steps.
fn first_layer_change(json: &str, steps: u64) -> f64 {
    let mut s = Session::<f32>::new(config(json).spec(), 4);
    let range = s.network().layers[0].w_range();
    let before: Vec<f32> = s.network().params[range.clone()].to_vec();
    s.step(steps);
    assert_eq!(s.diverged_at(), None);
    // The first layer does receive a gradient: report its size relative to the last hidden layer's.
    let rec = s
        .history()
        .back()
        .cloned()
        .unwrap_or_else(|| panic!("no record"));
    let depth = s.network().arch.depth;
    eprintln!(
        "first/last hidden weight-gradient norm: {:e}",
        rec.layers[0].grad_norm / rec.layers[depth - 1].grad_norm
    );
    assert!(rec.layers[0].grad_norm > 0.0);
    let after = &s.network().params[range];
    let diff: f64 = before
        .iter()
        .zip(after)
        .map(|(a, b)| ((a - b) as f64).powi(2))
        .sum::<f64>()
        .sqrt();
    let norm: f64 = before
        .iter()
        .map(|a| (*a as f64).powi(2))
        .sum::<f64>()
        .sqrt();
    diff / norm
}

#[test]
fn deep_sigmoid_net_barely_moves_its_first_layer_while_relu_he_batch_norm_does() {
    let common = r#""depth": 30, "width": 16"#;
    let opt = r#""optimizer": {"kind": "sgd", "lr": 0.1}"#;
    let sigmoid = first_layer_change(
        &format!(
            r#"{{"network": {{{common}, "activation": "sigmoid", "init": "standard"}}, {opt}}}"#
        ),
        200,
    );
    let fixed = first_layer_change(
        &format!(
            r#"{{"network": {{{common}, "activation": "relu", "init": "he_normal", "batch_norm": true}}, {opt}}}"#
        ),
        200,
    );
    eprintln!(
        "first-layer relative change: sigmoid/standard {sigmoid:e}, relu/he/batch norm {fixed:e}"
    );
    assert!(sigmoid < 1e-6, "sigmoid first layer moved {sigmoid}");
    assert!(fixed > 1e-2, "relu/he/bn first layer moved only {fixed}");
}

#[test]
fn adagrad_effective_lr_never_increases() {
    let mut run = ConfiguredRun::new(
        config(
            r#"{"network": {"depth": 8, "width": 8, "batch_norm": true}, "optimizer": {"kind": "adagrad", "lr": 0.1}}"#,
        ),
        1000,
    );
    run.step(300);
    let h = run.history();
    assert_eq!(h.len(), 300);
    let first = &h[0].layers[0];
    let last = &h[299].layers[0];
    assert!(
        last.eff_lr_max < first.eff_lr_max * 0.5,
        "{} -> {}",
        first.eff_lr_max,
        last.eff_lr_max
    );
    for (prev, next) in h.iter().zip(h.iter().skip(1)) {
        for (a, b) in prev.layers.iter().zip(&next.layers) {
            assert!(b.eff_lr_max <= a.eff_lr_max, "step {}: max rose", next.step);
            assert!(b.eff_lr_min <= a.eff_lr_min, "step {}: min rose", next.step);
            assert!(
                b.eff_lr_mean <= a.eff_lr_mean,
                "step {}: mean rose",
                next.step
            );
        }
    }
}

#[test]
fn norm_clipping_bounds_every_sgd_update_by_lr_times_threshold() {
    // An exploding setup: relu with N(0, 0.5^2) weights, 12 layers, lr 0.05.
    let c = config(
        r#"{"network": {"depth": 12, "width": 16, "activation": "relu", "init": "normal", "init_std": 0.5},
            "optimizer": {"kind": "sgd", "lr": 0.05}, "clip": {"kind": "norm", "threshold": 0.5}}"#,
    );
    let mut s = Session::<f32>::new(c.spec(), 8);
    let mut fired = 0;
    for _ in 0..100 {
        let before = s.network().params.clone();
        s.step(1);
        let rec = s
            .history()
            .back()
            .cloned()
            .unwrap_or_else(|| panic!("no record"));
        assert!(!rec.non_finite);
        let step: f64 = before
            .iter()
            .zip(&s.network().params)
            .map(|(a, b)| ((a - b) as f64).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(step <= 0.05 * 0.5 * (1.0 + 1e-5), "update norm {step}");
        assert!(rec.clipped_grad_norm <= 0.5 * (1.0 + 1e-5));
        if rec.clipped {
            fired += 1;
            assert!(rec.grad_norm > 0.5);
        }
    }
    assert!(fired > 50, "clipping fired only {fired} times");
}

#[test]
fn an_overflowing_run_ends_diverged_without_panic_and_with_bounded_memory() {
    let c = config(
        r#"{"network": {"depth": 40, "width": 64, "activation": "relu", "init": "normal", "init_std": 3.0},
            "optimizer": {"kind": "sgd", "lr": 1.0}}"#,
    );
    let mut run = ConfiguredRun::new(c, 50);
    let taken = run.step(1000);
    let at = run
        .diverged_at()
        .unwrap_or_else(|| panic!("did not diverge"));
    assert_eq!(taken, at + 1);
    let last = run
        .history()
        .back()
        .cloned()
        .unwrap_or_else(|| panic!("no record"));
    assert!(last.non_finite);
    assert!(!last.loss.is_finite() || !last.grad_norm.is_finite());
    assert!(run.history().len() <= 50);
    // Further steps do nothing.
    assert_eq!(run.step(10), 0);
    assert_eq!(run.steps(), at + 1);
}

#[test]
fn history_is_a_ring_buffer() {
    let mut run = ConfiguredRun::new(config("{}"), 25);
    run.step(100);
    let h = run.history();
    assert_eq!(h.len(), 25);
    assert_eq!(h.front().map(|r| r.step), Some(75));
    assert_eq!(h.back().map(|r| r.step), Some(99));
}
