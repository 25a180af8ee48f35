//! The schema against independent truths: serde's own field and variant lists, the
//! README, and labelled cases of the rules (losses per dataset, the batch size's range,
//! which changes continue a run).

use super::*;
use crate::config::OptimizerConfig;

/// Every leaf of a JSON object as a dotted path.
fn leaf_paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v.as_object() {
        Some(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaf_paths(v, &path, out);
            }
        }
        None => out.push(prefix.to_string()),
    }
}

fn config(v: Value) -> Config {
    Config::from_value(v).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_field_has_a_url_name_a_label_and_help_and_names_are_unique() {
    for f in FIELDS {
        assert!(!f.url.is_empty(), "{} has no URL name", f.path);
        assert!(
            f.url
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{}: URL name '{}' needs no escaping",
            f.path,
            f.url
        );
        assert!(!f.label.is_empty(), "{} has no label", f.path);
        assert!(f.help.len() > 10, "{} has no help", f.path);
        assert!(!f.help.contains('|'), "{}: help is a table cell", f.path);
        let same_url = FIELDS.iter().filter(|g| g.url == f.url).count();
        let same_path = FIELDS
            .iter()
            .filter(|g| g.path == f.path && g.section == f.section)
            .count();
        assert_eq!((same_url, same_path), (1, 1), "{} is not unique", f.path);
        assert_ne!(f.url, "config", "'config' is the whole-config parameter");
    }
}

/// The fields serde writes, found without the schema: the resolved config of every
/// optimizer (each has its own hyper-parameters), and the view settings, serialized and
/// walked leaf by leaf.
#[test]
fn schema_fields_are_exactly_the_serde_fields() {
    let mut serde_paths = Vec::new();
    for kind in OptimizerKind::ALL {
        let c = config(json!({"optimizer": {"kind": kind}}));
        leaf_paths(
            &serde_json::to_value(&c).unwrap_or_default(),
            "",
            &mut serde_paths,
        );
    }
    serde_paths.sort();
    serde_paths.dedup();
    let mut schema_paths: Vec<String> = fields_of(Section::Config)
        .map(|f| f.path.to_string())
        .collect();
    schema_paths.sort();
    assert_eq!(schema_paths, serde_paths);

    let mut view_paths = Vec::new();
    leaf_paths(
        &serde_json::to_value(ViewSettings::default()).unwrap_or_default(),
        "",
        &mut view_paths,
    );
    view_paths.sort();
    let mut schema_view: Vec<String> = fields_of(Section::View)
        .map(|f| f.path.to_string())
        .collect();
    schema_view.sort();
    assert_eq!(schema_view, view_paths);
}

/// The variants serde accepts, from its own error message for an unknown one
/// ("expected one of `a`, `b`" or "expected `a` or `b`").
fn serde_variants<T: serde::de::DeserializeOwned>() -> Vec<String> {
    let e = match serde_json::from_value::<T>(json!("__none__")) {
        Ok(_) => panic!("accepted a made-up variant"),
        Err(e) => e.to_string(),
    };
    let tail = e.split("expected").nth(1).unwrap_or_default();
    tail.split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

#[test]
fn option_lists_name_every_variant_of_their_enum() {
    let cases: [(Options, Vec<String>); 8] = [
        (Options::Dataset, serde_variants::<DatasetKind>()),
        (Options::Activation, serde_variants::<Activation>()),
        (Options::Init, serde_variants::<Init>()),
        (Options::Optimizer, serde_variants::<OptimizerKind>()),
        (Options::Clip, serde_variants::<ClipKind>()),
        (Options::Precision, serde_variants::<Precision>()),
        (Options::Metric, serde_variants::<Metric>()),
        (Options::LossForDataset, serde_variants::<Loss>()),
    ];
    for (options, want) in cases {
        assert!(want.len() >= 2, "{options:?}: {want:?}");
        assert_eq!(options.all(), want, "{options:?}");
    }
    // Every choice field's default is one of its options.
    for f in FIELDS {
        if let Kind::Choice { options, .. } = f.kind {
            let d = f.default_in(&Value::Null).unwrap_or_default();
            assert!(
                options.all().iter().any(|o| Some(o.as_str()) == d.as_str()),
                "{}: default {d}",
                f.path
            );
        }
    }
}

#[test]
fn losses_follow_the_dataset() {
    let want: [(DatasetKind, &[Loss]); 6] = [
        (
            DatasetKind::Circles,
            &[Loss::Bce, Loss::Mse, Loss::CrossEntropy],
        ),
        (
            DatasetKind::Xor,
            &[Loss::Bce, Loss::Mse, Loss::CrossEntropy],
        ),
        (
            DatasetKind::Gaussians,
            &[Loss::Bce, Loss::Mse, Loss::CrossEntropy],
        ),
        (
            DatasetKind::Spiral,
            &[Loss::Bce, Loss::Mse, Loss::CrossEntropy],
        ),
        (DatasetKind::Spiral3, &[Loss::CrossEntropy, Loss::Mse]),
        (DatasetKind::Sine, &[Loss::Mse]),
    ];
    for (kind, losses) in want {
        assert_eq!(losses_for(kind), losses, "{kind:?}");
        // The config accepts exactly these, and the page's states offer exactly these.
        for loss in Loss::ALL {
            let r = Config::from_value(json!({"dataset": {"kind": kind}, "loss": loss}));
            assert_eq!(
                r.is_ok(),
                losses.contains(&loss),
                "{kind:?} {loss:?}: {r:?}"
            );
        }
        let c = config(json!({"dataset": {"kind": kind}}));
        let names: Vec<String> = losses.iter().map(|l| l.name().to_string()).collect();
        assert_eq!(
            states(&c, &ViewSettings::default())["loss"]["options"],
            json!(names)
        );
    }
}

#[test]
fn batch_size_goes_up_to_the_training_split() {
    // 1000 samples, a quarter held out: 750 to train on. 99 samples, 0.25: 24.75 rounds
    // to 25 test samples, 74 to train on.
    for (samples, fraction, train) in [(1000, 0.25, 750), (99, 0.25, 74), (8, 0.0, 8)] {
        let d = json!({"samples": samples, "test_fraction": fraction});
        let c = config(json!({"dataset": d, "batch_size": train}));
        assert_eq!(
            states(&c, &ViewSettings::default())["batch"]["max"],
            json!(train as f64)
        );
        let e = Config::from_value(json!({"dataset": d, "batch_size": train + 1}))
            .err()
            .unwrap_or_else(|| panic!("accepted batch {} of {train}", train + 1));
        assert_eq!(
            e.to_string(),
            format!(
                "batch_size: {} is out of range; allowed 1 to {train} (the training split of {samples} samples)",
                train + 1
            )
        );
    }
}

#[test]
fn only_learning_rate_and_clipping_changes_continue_a_run() {
    let base = config(json!({"optimizer": {"kind": "adam"}, "clip": {"kind": "value"}}));
    let continuing = [
        json!({"optimizer": {"lr": 0.3}}),
        json!({"clip": {"kind": "norm"}}),
        json!({"clip": {"threshold": 0.2}}),
        json!({"optimizer": {"lr": 0.3}, "clip": {"kind": "none", "threshold": 4}}),
    ];
    let restarting = [
        json!({"seed": 2}),
        json!({"network": {"depth": 9}}),
        json!({"network": {"residual_scale": 0.5}}),
        json!({"optimizer": {"beta1": 0.5}}),
        json!({"optimizer": {"kind": "adamw"}}),
        json!({"dataset": {"noise": 0.1}}),
        json!({"batch_size": 8}),
        json!({"eval_every": 0}),
        json!({"precision": "f64"}),
        json!({"optimizer": {"lr": 0.3}, "network": {"width": 3}}),
    ];
    for (patches, want) in [(&continuing[..], true), (&restarting[..], false)] {
        for p in patches {
            let new = base.merged(p).unwrap_or_else(|e| panic!("{p}: {e}"));
            assert_eq!(continues(&base, &new), want, "{p}");
        }
    }
}

#[test]
fn states_show_a_control_only_where_it_applies() {
    let shown = |c: &Config, url: &str| states(c, &ViewSettings::default())[url]["shown"] == true;
    let adam = config(json!({"optimizer": {"kind": "adam"}}));
    let s = states(&adam, &ViewSettings::default());
    for url in ["lr", "beta1", "beta2", "eps", "weight_decay"] {
        assert_eq!(s[url]["shown"], true, "{url}");
    }
    for url in ["momentum", "rho", "alpha", "initial_accumulator"] {
        assert_eq!(s[url]["shown"], false, "{url}");
        assert_eq!(s[url]["value"], Value::Null, "{url}");
    }
    assert_eq!(s["beta2"]["value"], 0.999);
    let momentum = config(json!({"optimizer": {"kind": "momentum"}}));
    assert!(shown(&momentum, "momentum") && !shown(&momentum, "beta1"));
    // Dependent controls follow their switch.
    let plain = config(json!({}));
    let on = config(
        json!({"network": {"skip_connections": true, "init": "normal"}, "clip": {"kind": "norm"}}),
    );
    for url in ["residual_scale", "std", "threshold"] {
        assert!(!shown(&plain, url) && shown(&on, url), "{url}");
    }
    // No control for the seed, derived fields or autoplay; the metric is above the heatmap.
    for url in ["seed", "inputs", "outputs", "autoplay"] {
        assert!(!shown(&on, url), "{url}");
    }
    assert!(shown(&plain, "metric") && shown(&plain, "speed"));
}

#[test]
fn hyper_parameter_defaults_fill_in_per_optimizer() {
    // Each optimizer's hyper-parameters after an empty config, as the engine receives them.
    let want: [(OptimizerKind, [f64; 9]); 8] = [
        // lr, momentum, beta1, beta2, rho, alpha, eps, weight_decay, initial_accumulator
        (Sgd, [0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        (Momentum, [0.05, 0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        (Nesterov, [0.05, 0.9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        (Adagrad, [0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 1e-8, 0.0, 0.0]),
        (Rmsprop, [0.01, 0.0, 0.0, 0.0, 0.0, 0.99, 1e-8, 0.0, 0.0]),
        (Adadelta, [1.0, 0.0, 0.0, 0.0, 0.9, 0.0, 1e-6, 0.0, 0.0]),
        (Adam, [0.01, 0.0, 0.9, 0.999, 0.0, 0.0, 1e-8, 0.0, 0.0]),
        (Adamw, [0.01, 0.0, 0.9, 0.999, 0.0, 0.0, 1e-8, 0.01, 0.0]),
    ];
    for (kind, w) in want {
        let c = config(json!({"optimizer": {"kind": kind}}));
        for o in [
            &c.optimizer,
            &OptimizerConfig {
                kind,
                ..OptimizerConfig::default()
            },
        ] {
            let h = o.hyper();
            let got = [
                h.lr,
                h.momentum,
                h.beta1,
                h.beta2,
                h.rho,
                h.alpha,
                h.eps,
                h.weight_decay,
                h.initial_accumulator,
            ];
            assert_eq!(got, w, "{kind:?}");
        }
    }
}

#[test]
fn excerpts_are_short_and_escape_control_characters() {
    assert_eq!(excerpt("tanh"), "tanh");
    assert_eq!(excerpt("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
    let long = format!("{}\u{7}", "é".repeat(100));
    let e = excerpt(&long);
    assert_eq!(e.chars().count(), 40);
    assert!(e.ends_with('…') && !e.chars().any(char::is_control), "{e}");
    assert_eq!(excerpt(&"x".repeat(40)), "x".repeat(40));
    assert_eq!(quote(&json!("x\ty")), "'x\\ty'");
    assert_eq!(quote(&json!(1e-8)), "1e-8");
    assert_eq!(quote(&json!(100)), "100");
}

#[test]
fn the_schema_json_carries_what_the_page_builds_controls_from() {
    let s = to_json();
    let fields = s["fields"].as_array().cloned().unwrap_or_default();
    assert_eq!(fields.len(), FIELDS.len());
    let activation = fields
        .iter()
        .find(|f| f["url"] == "activation")
        .cloned()
        .unwrap_or_default();
    let values: Vec<&str> = activation["options"]
        .as_array()
        .map(|o| o.iter().filter_map(|x| x["value"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        values,
        [
            "sigmoid",
            "tanh",
            "relu",
            "leaky_relu",
            "elu",
            "gelu",
            "selu",
            "linear"
        ]
    );
    let lr = fields
        .iter()
        .find(|f| f["url"] == "lr")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        lr["slider"],
        json!({"log": true, "min": 1e-5, "max": 100.0})
    );
    assert_eq!(lr["effect"], "continues");
    let metric = fields
        .iter()
        .find(|f| f["url"] == "metric")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        metric["options"][1]["label"],
        "back-propagated signal dL/dz"
    );
    assert_eq!(metric["section"], "view");
}

/// The README's field table is generated: `cargo run -- fields --markdown` prints it.
#[test]
fn readme_field_table_is_the_schemas() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .unwrap_or_default();
    let (start, end) = ("<!-- fields:start -->\n", "<!-- fields:end -->");
    let block = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(block, _)| block)
        .unwrap_or_else(|| panic!("README.md has no {start:?} ... {end:?} block"));
    let want = markdown();
    if block != want {
        let (have, want): (Vec<&str>, Vec<&str>) =
            (block.lines().collect(), want.lines().collect());
        let mut diff = String::new();
        for i in 0..have.len().max(want.len()) {
            let (h, w) = (have.get(i), want.get(i));
            if h != w {
                diff.push_str(&format!(
                    "line {}:\n  README: {}\n  schema: {}\n",
                    i + 1,
                    h.unwrap_or(&"(none)"),
                    w.unwrap_or(&"(none)")
                ));
            }
        }
        panic!(
            "README.md's field table differs from the schema:\n{diff}\nRegenerate it: `cargo run -- fields --markdown` and paste the output between the {start:?} and {end:?} lines."
        );
    }
}

/// URL parameters apply in the schema's order, so a field must follow every field its
/// options, range, default or visibility read.
#[test]
fn fields_come_after_the_fields_they_depend_on() {
    let pos = |path: &str| {
        FIELDS
            .iter()
            .position(|f| f.path == path && f.section == Section::Config)
    };
    for (i, f) in FIELDS.iter().enumerate() {
        let mut deps: Vec<&str> = f.depends_on().into_iter().collect();
        if let Show::If(p, _) | Show::Unless(p, _) = f.show {
            deps.push(p);
        }
        if let Kind::Int {
            hi: IntMax::TrainingSplit,
            ..
        } = f.kind
        {
            deps.extend(["dataset.samples", "dataset.test_fraction"]);
        }
        if let DefaultRule::Derived(_) = f.default {
            deps.push("loss");
        }
        for d in deps {
            assert!(
                pos(d).is_some_and(|j| j < i),
                "{} must come after {d}",
                f.path
            );
        }
    }
}
