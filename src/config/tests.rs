//! Config parsing: defaults, round trips, and a table of bad configs, each with the error
//! that names its field.

use super::*;

#[test]
fn empty_config_takes_documented_defaults() {
    let c = Config::from_json("{}").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.seed, 1);
    assert_eq!(c.network.depth, 6);
    assert_eq!(c.network.width, 8);
    assert_eq!(c.network.inputs, Some(2));
    assert_eq!(c.network.outputs, Some(1));
    assert_eq!(c.loss, Some(Loss::Bce));
    assert_eq!(c.optimizer.kind, OptimizerKind::Sgd);
    assert_eq!(c.optimizer.lr, Some(0.1));
    assert_eq!(c.optimizer.weight_decay, Some(0.0));
    assert_eq!(c.optimizer.beta1, None);
    assert_eq!(c.batch_size, 16);
}

#[test]
fn dataset_and_optimizer_dependent_defaults_are_filled_in() {
    let c =
        Config::from_json(r#"{"dataset": {"kind": "spiral3"}, "optimizer": {"kind": "adagrad"}}"#)
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.loss, Some(Loss::CrossEntropy));
    assert_eq!(c.network.outputs, Some(3));
    let o = &c.optimizer;
    assert_eq!(
        (o.lr, o.eps, o.initial_accumulator, o.weight_decay),
        (Some(0.1), Some(1e-8), Some(0.0), Some(0.0))
    );
    let c = Config::from_json(r#"{"dataset": {"kind": "sine"}, "optimizer": {"kind": "adamw"}}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.loss, Some(Loss::Mse));
    assert_eq!((c.network.inputs, c.network.outputs), (Some(1), Some(1)));
    assert_eq!(c.optimizer.weight_decay, Some(0.01));
    assert_eq!(c.optimizer.beta2, Some(0.999));
}

#[test]
fn resolved_config_round_trips_through_json() {
    let text = r#"{"seed": 9, "network": {"depth": 12, "width": 5, "activation": "selu", "init": "normal",
        "init_std": 0.3, "init_gain": 1.5, "batch_norm": true, "skip_connections": true},
        "optimizer": {"kind": "rmsprop", "lr": 0.003}, "clip": {"kind": "value", "threshold": 0.5},
        "batch_size": 8, "dataset": {"kind": "xor", "samples": 120, "noise": 0.2}, "precision": "f64"}"#;
    let c = Config::from_json(text).unwrap_or_else(|e| panic!("{e}"));
    let again = Config::from_json(&c.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c, again);
    let v: serde_json::Value = serde_json::from_str(&c.to_json()).unwrap_or_default();
    // The trace's field names, with the optimizer's own hyper-parameters only.
    assert_eq!(
        v["optimizer"],
        serde_json::json!({"kind": "rmsprop", "lr": 0.003, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0})
    );
    assert_eq!(v["network"]["activation"], "selu");
    assert_eq!(
        v["clip"],
        serde_json::json!({"kind": "value", "threshold": 0.5})
    );
}

#[test]
fn retain_applicable_drops_the_old_optimizers_settings() {
    let mut o = OptimizerConfig {
        kind: OptimizerKind::Sgd,
        lr: Some(0.2),
        beta1: Some(0.8),
        ..OptimizerConfig::default()
    };
    o.retain_applicable();
    assert_eq!(o.lr, Some(0.2));
    assert_eq!(o.beta1, None);
}

/// Each bad config, the field its error must name, and a phrase the message must contain.
const BAD: &[(&str, &str, &str)] = &[
    (
        r#"{"network": {"depth": 0}}"#,
        "network.depth",
        "allowed 1 to 64",
    ),
    (
        r#"{"network": {"depth": 100}}"#,
        "network.depth",
        "100 is out of range; allowed 1 to 64 hidden layers",
    ),
    (
        r#"{"network": {"depth": -3}}"#,
        "network.depth",
        "-3 is out of range; allowed 1 to 64 hidden layers",
    ),
    (
        r#"{"network": {"depth": 2.5}}"#,
        "network.depth",
        "2.5 is not a whole number; allowed 1 to 64 hidden layers",
    ),
    (
        r#"{"network": {"width": 0}}"#,
        "network.width",
        "allowed 1 to 256",
    ),
    (
        r#"{"network": {"width": 1000}}"#,
        "network.width",
        "allowed 1 to 256",
    ),
    (
        r#"{"network": {"activation": "swish"}}"#,
        "network.activation",
        "'swish' is not an activation here; choose one of sigmoid, tanh, relu, leaky_relu, elu, gelu, selu, linear",
    ),
    (
        r#"{"network": {"init": "kaiming"}}"#,
        "network.init",
        "'kaiming' is not an init scheme here; choose one of standard, xavier_uniform,",
    ),
    (
        r#"{"network": {"init_std": 0}}"#,
        "network.init_std",
        "out of range",
    ),
    (
        r#"{"network": {"init_gain": -1}}"#,
        "network.init_gain",
        "out of range",
    ),
    (
        r#"{"network": {"inputs": 3}}"#,
        "network.inputs",
        "does not match dataset circles",
    ),
    (
        r#"{"network": {"batch_norm": "yes"}}"#,
        "network.batch_norm",
        "'yes' is not true or false",
    ),
    (
        r#"{"network": {"dropout": 0.5}}"#,
        "network.dropout",
        "unknown field 'dropout'; known here: inputs, outputs, depth,",
    ),
    (
        r#"{"colour": "red"}"#,
        "colour",
        "unknown field 'colour'; known here: seed, dataset, loss,",
    ),
    (
        r#"{"optimizer": {"kind": "lion"}}"#,
        "optimizer.kind",
        "'lion' is not an optimizer here; choose one of sgd, momentum,",
    ),
    (
        r#"{"optimizer": {"lr": 0}}"#,
        "optimizer.lr",
        "out of range",
    ),
    (
        r#"{"optimizer": {"lr": 1e9}}"#,
        "optimizer.lr",
        "out of range",
    ),
    (
        r#"{"optimizer": {"kind": "sgd", "beta1": 0.9}}"#,
        "optimizer.beta1",
        "does not apply to sgd",
    ),
    (
        r#"{"optimizer": {"kind": "adam", "beta2": 1.0}}"#,
        "optimizer.beta2",
        "out of range",
    ),
    (
        r#"{"optimizer": {"kind": "momentum", "momentum": 1.5}}"#,
        "optimizer.momentum",
        "out of range",
    ),
    (
        r#"{"optimizer": {"kind": "adagrad", "eps": -1e-8}}"#,
        "optimizer.eps",
        "out of range",
    ),
    (
        r#"{"optimizer": {"kind": "adamw", "lr": 50, "weight_decay": 0.5}}"#,
        "optimizer.weight_decay",
        "flip every weight",
    ),
    (
        r#"{"clip": {"kind": "norm", "threshold": 0}}"#,
        "clip.threshold",
        "out of range",
    ),
    (
        r#"{"clip": {"kind": "percentile"}}"#,
        "clip.kind",
        "'percentile' is not a clipping mode here; choose one of none, value, norm",
    ),
    (r#"{"batch_size": 0}"#, "batch_size", "out of range"),
    (
        r#"{"batch_size": 500}"#,
        "batch_size",
        "training split of 200 samples",
    ),
    (
        r#"{"batch_size": 1, "network": {"batch_norm": true}}"#,
        "batch_size",
        "too small for batch_norm",
    ),
    (
        r#"{"dataset": {"kind": "mnist"}}"#,
        "dataset.kind",
        "'mnist' is not a dataset here; choose one of circles, xor, gaussians, spiral, spiral3, sine",
    ),
    (
        r#"{"dataset": {"samples": 3}}"#,
        "dataset.samples",
        "allowed 8 to 20000",
    ),
    (
        r#"{"dataset": {"noise": 5}}"#,
        "dataset.noise",
        "out of range",
    ),
    (
        r#"{"dataset": {"test_fraction": 1}}"#,
        "dataset.test_fraction",
        "out of range",
    ),
    (
        r#"{"dataset": {"kind": "sine"}, "loss": "bce"}"#,
        "loss",
        "regression dataset",
    ),
    (
        r#"{"dataset": {"kind": "spiral3"}, "loss": "bce"}"#,
        "loss",
        "bce takes 2 classes, but spiral3 has 3; choose one of cross_entropy, mse",
    ),
    (
        r#"{"dataset": {"kind": "sine"}, "loss": "cross_entropy"}"#,
        "loss",
        "cross_entropy needs class labels, but sine is a regression dataset; choose mse",
    ),
    (
        r#"{"loss": "hinge"}"#,
        "loss",
        "'hinge' is not a loss here; choose one of bce, mse, cross_entropy",
    ),
    (
        r#"{"network": {"residual_scale": 0}}"#,
        "network.residual_scale",
        "0 is out of range; allowed above 0 up to 1",
    ),
    (
        r#"{"network": {"residual_scale": 1.5}}"#,
        "network.residual_scale",
        "1.5 is out of range; allowed above 0 up to 1",
    ),
    (
        r#"{"network": {"residual_scale": "half"}}"#,
        "network.residual_scale",
        "'half' is not a number; allowed above 0 up to 1",
    ),
    (
        r#"{"network": {"depth": null}}"#,
        "network.depth",
        "null is not allowed",
    ),
    (
        r#"{"network": {"activation": "sigmoid\u0007aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}"#,
        "network.activation",
        "'sigmoid\\u{7}aaaaaaaaaaaaaaaaaaaaaaaaaaa…' is not an activation here",
    ),
    (
        r#"{"optimizer": {"kind": "adagrad", "momentum": 0.9}}"#,
        "optimizer.momentum",
        "does not apply to adagrad (only to momentum, nesterov); adagrad's hyper-parameters are: lr, eps, weight_decay, initial_accumulator",
    ),
    (
        r#"{"batch_size": 200, "dataset": {"samples": 100, "test_fraction": 0.5}}"#,
        "batch_size",
        "200 is out of range; allowed 1 to 50 (the training split of 100 samples)",
    ),
    (
        r#"{"eval_every": -1}"#,
        "eval_every",
        "-1 is out of range; allowed 0 to 1000000 steps",
    ),
    (r#"{"seed": 9007199254740992}"#, "seed", "out of range"),
    (
        r#"{"precision": "f16"}"#,
        "precision",
        "'f16' is not a precision here; choose one of f32, f64",
    ),
    (r#"{"eval_every": 5000000}"#, "eval_every", "out of range"),
    (
        r#"{"network": {"depth": 1e400}}"#,
        "",
        "number out of range",
    ),
    (r#"{"network": [6, 8]}"#, "network", "must be a JSON object"),
    (r#"[1, 2]"#, "", "must be a JSON object"),
    (r#"{"network": "#, "", "EOF"),
];

#[test]
fn every_bad_config_gets_its_specific_error() {
    assert!(BAD.len() >= 20);
    let mut wrong = Vec::new();
    for (text, field, phrase) in BAD {
        match Config::from_json(text) {
            Ok(c) => wrong.push(format!("accepted {text}: {c:?}")),
            Err(e) => {
                if &e.field != field || !e.message.contains(phrase) || e.to_string().contains('\n')
                {
                    wrong.push(format!(
                        "{text}\n    want {field}: ...{phrase}...\n    got  {e}"
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn merged_patches_rederive_dataset_fields_and_reset_a_switched_optimizer() {
    let c = Config::from_json(r#"{"optimizer": {"kind": "adam", "beta1": 0.8}}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let m = c
        .merged(&serde_json::json!({"dataset": {"kind": "spiral3"}}))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.loss, Some(Loss::CrossEntropy));
    assert_eq!(m.network.outputs, Some(3));
    assert_eq!(
        m.optimizer.beta1,
        Some(0.8),
        "same optimizer keeps its settings"
    );
    let m = c
        .merged(&serde_json::json!({"optimizer": {"kind": "sgd"}}))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((m.optimizer.lr, m.optimizer.beta1), (Some(0.1), None));
    let m = c
        .merged(
            &serde_json::json!({"optimizer": {"kind": "sgd", "lr": 0.3}, "network": {"depth": 9}}),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (m.optimizer.lr, m.network.depth, m.network.width),
        (Some(0.3), 9, 8)
    );
    let e = c
        .merged(&serde_json::json!({"network": {"depth": "deep"}}))
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(e.field, "network.depth");
    assert!(c.merged(&serde_json::json!([1])).is_err());
}

#[test]
fn residual_scale_defaults_to_one_is_checked_and_reaches_the_spec() {
    let c = Config::from_json("{}").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.network.residual_scale, 1.0);
    assert!(c.to_json().contains("\"residual_scale\": 1.0"));
    let c = Config::from_json(r#"{"network": {"skip_connections": true, "residual_scale": 0.25}}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.spec().arch.residual_scale, 0.25);
    let again = Config::from_json(&c.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.network.residual_scale, 0.25);
    for bad in ["0", "-0.5", "1.5", "\"half\""] {
        let e = Config::from_json(&format!(r#"{{"network": {{"residual_scale": {bad}}}}}"#))
            .err()
            .unwrap_or_else(|| panic!("{bad} accepted"));
        assert_eq!(e.field, "network.residual_scale", "{bad}");
    }
    let e = Config::from_json(r#"{"network": {"residual_scale": 2}}"#)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("allowed above 0 up to 1"), "{e}");
}

#[test]
fn runs_over_the_memory_budget_are_refused_with_the_batch_that_fits() {
    // The largest network the page allows, on the largest dataset, with its whole
    // training split as one batch: gigabytes, refused before anything is allocated.
    let big = |batch: u64| {
        Config::from_json(&format!(
            r#"{{"network": {{"depth": 64, "width": 256}}, "dataset": {{"samples": 20000}}, "batch_size": {batch}}}"#
        ))
    };
    let e = big(16000)
        .err()
        .unwrap_or_else(|| panic!("a 16000-row batch of 64 x 256 was accepted"));
    assert_eq!(e.field, "batch_size");
    let text = e.to_string();
    assert!(
        text.contains("MB of memory") && text.contains("budget of 512 MB"),
        "{text}"
    );
    let fits: u64 = text
        .split("at most ")
        .nth(1)
        .and_then(|t| t.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no batch size in: {text}"));
    assert!(fits > 16 && fits < 16000, "{text}");
    // The batch it names fits; one more does not.
    assert!(big(fits).is_ok(), "{fits} was named but refused");
    assert!(big(fits + 1).is_err(), "{} was accepted", fits + 1);
    // What the page's sliders reach by default stays within the budget.
    let max_page = Config::from_json(
        r#"{"network": {"depth": 64, "width": 256}, "batch_size": 160, "precision": "f64"}"#,
    );
    assert!(max_page.is_ok(), "{max_page:?}");
}
