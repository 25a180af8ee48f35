//! URL lessons through the page's own path (`read` = `parse_query` + `apply`, which
//! `App::from_query` calls): typed parameters, hostile links, a fixed order of
//! application, messages for what is not applied as written, and links that reproduce
//! every field.

use super::*;
use crate::engine::optim::OptimizerKind;
use crate::view::Metric;

fn config(v: Value) -> Config {
    Config::from_value(v).unwrap_or_else(|e| panic!("{e}"))
}

fn defaults() -> Config {
    config(json!({}))
}

#[test]
fn short_names_become_typed_parameters() {
    let l = parse_query(
        "?depth=20&activation=sigmoid&bn=1&lr=0.05&config=%7B%22seed%22%3A7%7D&metric=delta&skip=off&width=1e1",
    );
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    let got: Vec<(&str, &str, Value)> = l
        .params
        .iter()
        .map(|p| (p.name, p.path, p.value.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("depth", "network.depth", json!(20)),
            ("activation", "network.activation", json!("sigmoid")),
            ("bn", "network.batch_norm", json!(true)),
            ("lr", "optimizer.lr", json!(0.05)),
            ("metric", "metric", json!("delta")),
            ("skip", "network.skip_connections", json!(false)),
            ("width", "network.width", json!(10)),
        ]
    );
    assert_eq!(l.config, Some(json!({"seed": 7})));
    let a = apply(&l);
    assert!(a.messages.is_empty(), "{:?}", a.messages);
    assert_eq!(
        (
            a.config.seed,
            a.config.network.depth,
            a.config.network.width
        ),
        (7, 20, 10)
    );
    assert!(a.config.network.batch_norm);
    assert_eq!(a.view.metric, Metric::Delta);
}

/// Each hostile link, the message it must produce, and a good parameter beside it that
/// must still apply.
#[test]
fn hostile_queries_give_messages_not_panics() {
    type Check = fn(&Applied) -> bool;
    let cases: &[(&str, &str, Check)] = &[
        ("?%zz=1&depth=3", "URL parameter '%zz=1' is not valid percent-encoding", |a| a.config.network.depth == 3),
        ("?depth=%E0%A4&width=9", "URL parameter 'depth=%E0%A4' is not valid percent-encoding", |a| a.config.network.width == 9),
        ("?%&depth=2", "URL parameter '%' is not valid percent-encoding", |a| a.config.network.depth == 2),
        ("?<script>=1&depth=4", "unknown URL parameter '<script>'; known: config, seed, dataset,", |a| a.config.network.depth == 4),
        ("?config=[1]&depth=5", "URL parameter 'config' ignored: it must be a JSON object", |a| a.config.network.depth == 5),
        ("?config=%7B&width=7", "URL parameter 'config' ignored: it must be a JSON object", |a| a.config.network.width == 7),
        ("?config=%7B%22network%22%3A%7B%22depth%22%3A0%7D%7D&width=7", "URL parameter 'config' ignored in part: network.depth: 0 is out of range; allowed 1 to 64 hidden layers", |a| a.config.network.width == 7 && a.config.network.depth == 6),
        ("?config=%7B%22network%22%3A%7B%22depth%22%3A0%2C%22width%22%3A3%7D%7D", "URL parameter 'config' ignored in part: network.depth: 0 is out of range", |a| a.config.network.width == 3),
        ("?config=%7B%22xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx%5Cu0007%22%3A1%2C%22seed%22%3A4%7D", "URL parameter 'config' ignored in part: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…: unknown field 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'", |a| a.config.seed == 4),
        ("&&&=&depth=6&width=5", "unknown URL parameter ''", |a| a.config.network.width == 5),
        ("?a=b=c&lr=0.2", "unknown URL parameter 'a'", |a| a.config.optimizer.lr == Some(0.2)),
        ("?depth=%3Cscript%3Ealert(1)%3C%2Fscript%3E&width=12", "URL parameter 'depth' ignored: network.depth: '<script>alert(1)</script>' is not a whole number; allowed 1 to 64 hidden layers", |a| a.config.network.width == 12 && a.config.network.depth == 6),
        ("?depth=100&width=12", "URL parameter 'depth' ignored: network.depth: 100 is out of range; allowed 1 to 64 hidden layers", |a| a.config.network.width == 12),
        ("?depth=2.5&bn=yes", "URL parameter 'depth' ignored: network.depth: 2.5 is not a whole number", |a| a.config.network.batch_norm),
        ("?skip=-0&bn=1", "URL parameter 'skip' ignored: '-0' is not a yes/no value; use 1 or 0 (or true/false, on/off, yes/no)", |a| a.config.network.batch_norm && !a.config.network.skip_connections),
        ("?skip=1e-400&bn=on", "URL parameter 'skip' ignored: '1e-400' is not a yes/no value", |a| a.config.network.batch_norm),
        ("?skip=TRUE&depth=8", "URL parameter 'skip' ignored: 'TRUE' is not a yes/no value", |a| a.config.network.depth == 8),
        ("?skip=2&depth=8", "URL parameter 'skip' ignored: '2' is not a yes/no value", |a| a.config.network.depth == 8),
        ("?noise=1e-400&depth=8", "URL parameter 'noise' ignored: '1e-400' is too close to 0 to be stored; write 0 or a larger number", |a| a.config.dataset.noise == 0.05 && a.config.network.depth == 8),
        ("?lr=inf&depth=8", "URL parameter 'lr' ignored: optimizer.lr: 'inf' is not a number; allowed 1e-8 to 100", |a| a.config.network.depth == 8),
        ("?lr=NaN&depth=8", "URL parameter 'lr' ignored: optimizer.lr: 'NaN' is not a number", |a| a.config.optimizer.lr == Some(0.1)),
        ("?activation=swish&init=he_normal", "URL parameter 'activation' ignored: network.activation: 'swish' is not an activation here; choose one of sigmoid, tanh, relu, leaky_relu, elu, gelu, selu, linear", |a| a.config.network.init == crate::engine::init::Init::HeNormal),
        ("?activation=&depth=3", "network.activation: '' is not an activation here", |a| a.config.network.depth == 3),
        ("?activation=%1B%5B31mred%0A&depth=3", "network.activation: '\\u{1b}[31mred\\n' is not an activation here", |a| a.config.network.depth == 3),
        ("?depth=3&depth=5", "URL parameter 'depth' is given more than once; the last one counts", |a| a.config.network.depth == 5),
        ("?speed=1e9&depth=3", "URL parameter 'speed' ignored: speed: 1000000000 is out of range; allowed 1 to 200 steps per frame", |a| a.config.network.depth == 3 && a.view.speed == 10),
        ("?metric=colour&speed=40", "URL parameter 'metric' ignored: metric: 'colour' is not a measure here; choose one of grad_norm, delta", |a| a.view.speed == 40),
        ("?autoplay=maybe&speed=40", "URL parameter 'autoplay' ignored: 'maybe' is not a yes/no value", |a| a.view.speed == 40 && !a.view.autoplay),
        ("?loss=bce&dataset=sine", "URL parameter 'loss' ignored: loss: bce needs class labels, but sine is a regression dataset; choose mse", |a| a.config.dataset.kind == crate::engine::data::DatasetKind::Sine),
        ("?beta1=0.8&optimizer=sgd&depth=3", "URL parameter 'beta1' ignored: optimizer.beta1: does not apply to sgd (only to adam, adamw); sgd's hyper-parameters are: lr, weight_decay", |a| a.config.network.depth == 3 && a.config.optimizer.beta1.is_none()),
    ];
    for (query, message, good) in cases {
        let a = read(query);
        assert!(
            a.messages
                .iter()
                .any(|m| m.starts_with(message) || m.contains(message)),
            "{query}: no message like {message:?} in {:?}",
            a.messages
        );
        assert!(
            good(&a),
            "{query}: the good parameter did not apply: {:?}",
            a.config
        );
        for m in &a.messages {
            assert!(
                m.len() < 500 && !m.chars().any(char::is_control),
                "{query}: {m:?}"
            );
        }
    }
    // A huge or control-laden key or value is cut to a short escaped excerpt.
    let a = read(&format!("?{}=1&depth=3", "x".repeat(5000)));
    assert!(
        a.messages[0].contains(&format!("'{}…'", "x".repeat(39))),
        "{:?}",
        a.messages
    );
    assert!(a.messages[0].len() < 500, "{}", a.messages[0]);
    assert_eq!(a.config.network.depth, 3);
    let a = read(&format!("?activation={}%07&width=3", "y".repeat(5000)));
    assert!(
        a.messages[0].contains(&format!("'{}…'", "y".repeat(39))),
        "{:?}",
        a.messages
    );
    assert_eq!(a.config.network.width, 3);
}

/// Parameters apply in the schema's order: kinds before what depends on them.
#[test]
fn parameters_apply_in_the_schemas_order_whatever_their_order_in_the_link() {
    let cases: &[(&str, Value)] = &[
        (
            "lr=0.5&optimizer=adam",
            json!({"optimizer": {"kind": "adam", "lr": 0.5}}),
        ),
        (
            "weight_decay=0.3&optimizer=adamw",
            json!({"optimizer": {"kind": "adamw", "weight_decay": 0.3}}),
        ),
        (
            "beta1=0.8&eps=1e-5&optimizer=adam",
            json!({"optimizer": {"kind": "adam", "beta1": 0.8, "eps": 1e-5}}),
        ),
        (
            "loss=mse&dataset=spiral3",
            json!({"dataset": {"kind": "spiral3"}, "loss": "mse"}),
        ),
        (
            "threshold=0.3&clip=norm",
            json!({"clip": {"kind": "norm", "threshold": 0.3}}),
        ),
        (
            "batch=4&samples=10",
            json!({"dataset": {"samples": 10}, "batch_size": 4}),
        ),
        (
            "batch=2&bn=1",
            json!({"network": {"batch_norm": true}, "batch_size": 2}),
        ),
        (
            "lr=100&weight_decay=0.005&optimizer=adamw",
            json!({"optimizer": {"kind": "adamw", "lr": 100, "weight_decay": 0.005}}),
        ),
    ];
    for (query, want) in cases {
        let want = config(want.clone());
        let mut parts: Vec<&str> = query.split('&').collect();
        for _ in 0..2 {
            // A bad parameter beside them changes nothing.
            let q = format!("?{}&depth=999", parts.join("&"));
            let a = read(&q);
            // Only depth=999 is not applied; nothing else is reset by what follows it.
            assert_eq!(a.messages.len(), 1, "{q}: {:?}", a.messages);
            assert_eq!(
                a.config,
                Config {
                    network: a.config.network.clone(),
                    ..want.clone()
                },
                "{q}"
            );
            parts.reverse();
        }
    }
}

#[test]
fn values_not_applied_as_written_get_a_message() {
    // A value of `config` that its own parameter overrides, or that does not apply.
    let cases: &[(&str, &str)] = &[
        (
            r#"config={"optimizer":{"kind":"adam","beta1":0.8}}&optimizer=sgd"#,
            "URL parameter 'config' sets optimizer.kind to 'adam', but parameter 'optimizer' sets 'sgd'; using 'sgd'",
        ),
        (
            r#"config={"optimizer":{"kind":"adam","beta1":0.8}}&optimizer=sgd"#,
            "URL parameter 'config' ignored in part: optimizer.beta1: does not apply to sgd",
        ),
        (
            r#"config={"seed":7}&seed=1000"#,
            "URL parameter 'config' sets seed to 7, but parameter 'seed' sets 1000; using 1000",
        ),
        (
            r#"config={"network":{"inputs":2}}&dataset=sine"#,
            "URL parameter 'config' ignored in part: network.inputs: 2 does not match dataset sine with loss mse (1)",
        ),
    ];
    for (query, message) in cases {
        let a = read(query);
        assert!(
            a.messages.iter().any(|m| m.starts_with(message)),
            "{query}: no {message:?} in {:?}",
            a.messages
        );
    }
    // The leaves of `config` apply in the schema's order too: its loss after the
    // dataset parameter, so it is not reset by it.
    let a = read(r#"?config={"loss":"mse","optimizer":{"lr":0.3}}&dataset=xor&optimizer=adam"#);
    assert!(a.messages.is_empty(), "{:?}", a.messages);
    assert_eq!(a.config.loss, Some(crate::engine::loss::Loss::Mse));
    assert_eq!(
        (a.config.optimizer.kind, a.config.optimizer.lr),
        (OptimizerKind::Adam, Some(0.3))
    );
}

/// Every leaf of a JSON object with its dotted path.
fn leaf_values(v: &Value, prefix: &str) -> Vec<(String, Value)> {
    leaves(v, prefix)
}

/// Configs with every field away from its default, for every optimizer (so every
/// hyper-parameter) and every dataset where that is possible (sine allows only its
/// default loss, so it comes last with every other field changed).
fn every_field_changed() -> Vec<(Value, Value)> {
    let net = |act: &str, init: &str| {
        json!({"depth": 9, "width": 5, "activation": act, "init": init, "init_std": 0.3,
               "init_gain": 1.7, "batch_norm": true, "skip_connections": true, "residual_scale": 0.35})
    };
    let rest = |seed: u64, batch: u64, eval: u64| {
        json!({"seed": seed, "clip": {"kind": "norm", "threshold": 0.25}, "batch_size": batch,
               "precision": "f64", "eval_every": eval})
    };
    let mut out = Vec::new();
    let runs = [
        (
            json!({"kind": "xor", "samples": 120, "noise": 0.1, "test_fraction": 0.25}),
            json!("mse"),
            net("sigmoid", "standard"),
            json!({"kind": "momentum", "lr": 0.02, "momentum": 0.7, "weight_decay": 0.001}),
            rest(9, 8, 5),
            json!({"metric": "delta", "speed": 40, "autoplay": true}),
        ),
        (
            json!({"kind": "gaussians", "samples": 333, "noise": 0.30000000000000004, "test_fraction": 0.1}),
            json!("cross_entropy"),
            net("relu", "he_normal"),
            json!({"kind": "nesterov", "lr": 0.003, "momentum": 0.95, "weight_decay": 1e-4}),
            rest(123456789, 33, 0),
            json!({"metric": "delta", "speed": 1, "autoplay": true}),
        ),
        (
            json!({"kind": "spiral", "samples": 20000, "noise": 0.0, "test_fraction": 0.9}),
            json!("mse"),
            net("leaky_relu", "he_uniform"),
            json!({"kind": "adagrad", "lr": 0.7, "eps": 1e-10, "weight_decay": 0.5, "initial_accumulator": 0.1}),
            rest(9007199254740991, 2000, 1000000),
            json!({"metric": "delta", "speed": 200, "autoplay": true}),
        ),
        (
            json!({"kind": "spiral3", "samples": 8, "noise": 1.0, "test_fraction": 0.0}),
            json!("mse"),
            net("elu", "xavier_normal"),
            json!({"kind": "rmsprop", "lr": 1e-5, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.02}),
            json!({"seed": 0, "clip": {"kind": "value", "threshold": 1e9}, "batch_size": 8, "precision": "f64", "eval_every": 1}),
            json!({"metric": "delta", "speed": 11, "autoplay": true}),
        ),
        (
            json!({"kind": "xor", "samples": 50, "noise": 0.5, "test_fraction": 0.5}),
            json!("cross_entropy"),
            net("gelu", "lecun_normal"),
            json!({"kind": "adadelta", "lr": 0.5, "rho": 0.95, "eps": 1e-7, "weight_decay": 0.25}),
            rest(2, 25, 7),
            json!({"metric": "delta", "speed": 2, "autoplay": true}),
        ),
        (
            json!({"kind": "gaussians", "samples": 1000, "noise": 0.01, "test_fraction": 0.3}),
            json!("mse"),
            net("selu", "orthogonal"),
            json!({"kind": "adam", "lr": 0.002, "beta1": 0.8, "beta2": 0.99, "eps": 1e-9, "weight_decay": 0.1}),
            rest(3, 700, 100),
            json!({"metric": "delta", "speed": 100, "autoplay": true}),
        ),
        (
            json!({"kind": "spiral", "samples": 400, "noise": 0.2, "test_fraction": 0.05}),
            json!("cross_entropy"),
            net("linear", "normal"),
            json!({"kind": "adamw", "lr": 50.0, "beta1": 0.5, "beta2": 0.9, "eps": 1e-4, "weight_decay": 0.001}),
            rest(4, 380, 3),
            json!({"metric": "delta", "speed": 60, "autoplay": true}),
        ),
        (
            json!({"kind": "sine", "samples": 64, "noise": 0.07, "test_fraction": 0.125}),
            json!("mse"),
            net("sigmoid", "zeros"),
            json!({"kind": "adam", "lr": 0.05, "beta1": 0.0, "beta2": 0.5, "eps": 0.5, "weight_decay": 1.0}),
            rest(5, 56, 2),
            json!({"metric": "delta", "speed": 3, "autoplay": true}),
        ),
    ];
    for (dataset, loss, network, optimizer, mut c, view) in runs {
        merge_json_into(
            &mut c,
            json!({"dataset": dataset, "loss": loss, "network": network, "optimizer": optimizer}),
        );
        out.push((c, view));
    }
    out
}

fn merge_json_into(base: &mut Value, patch: Value) {
    crate::config::merge_json(base, &patch);
}

#[test]
fn every_field_round_trips_through_a_link() {
    let table = every_field_changed();
    assert!(table.len() >= 6);
    let mut hypers_changed = Vec::new();
    for (c, v) in &table {
        let c = config(c.clone());
        let view: ViewSettings =
            serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}"));
        // Each field differs from its default for this dataset and optimizer (found by
        // resolving a config of only those two), as the serialized config lists them.
        let doc = serde_json::to_value(&c).unwrap_or_default();
        let base = serde_json::to_value(config(json!({"dataset": {"kind": c.dataset.kind},
            "optimizer": {"kind": c.optimizer.kind}})))
        .unwrap_or_default();
        assert_ne!(c.dataset.kind, defaults().dataset.kind);
        assert_ne!(c.optimizer.kind, defaults().optimizer.kind);
        for (path, value) in leaf_values(&doc, "") {
            let sine_loss =
                path == "loss" && c.dataset.kind == crate::engine::data::DatasetKind::Sine;
            let derived = path == "network.inputs" || path == "network.outputs";
            let kind = path == "dataset.kind" || path == "optimizer.kind";
            if !sine_loss && !derived && !kind {
                assert_ne!(
                    schema::get(&base, &path),
                    Some(&value),
                    "{path} is its default in {doc}"
                );
            }
            if path.starts_with("optimizer.") {
                hypers_changed.push(path);
            }
        }
        assert_ne!(view, ViewSettings::default());
        let q = to_query(&c, &view);
        let a = read(&q);
        assert!(a.messages.is_empty(), "{q}: {:?}", a.messages);
        assert_eq!(a.config, c, "{q}");
        assert_eq!(a.view, view, "{q}");
    }
    // Every hyper-parameter of every optimizer was exercised.
    for kind in OptimizerKind::ALL {
        for name in crate::config::OptimizerConfig::fields_of(kind) {
            assert!(
                hypers_changed.contains(&format!("optimizer.{name}")),
                "{name}"
            );
        }
    }
}

#[test]
fn a_default_run_has_an_empty_link_and_a_playing_one_says_autoplay() {
    let view = ViewSettings::default();
    assert_eq!(to_query(&defaults(), &view), "");
    let playing = ViewSettings {
        autoplay: true,
        ..view
    };
    assert_eq!(to_query(&defaults(), &playing), "autoplay=1");
    let c = config(
        json!({"dataset": {"test_fraction": 0.5}, "eval_every": 3, "optimizer": {"kind": "adam"}}),
    );
    assert_eq!(
        to_query(&c, &view),
        "test_fraction=0.5&optimizer=adam&eval_every=3"
    );
}
