//! The controls a student can find (issue 7, item 5): every hyper-parameter of the chosen
//! optimizer on the page, the learning rate kept when the optimizer changes (with the new
//! optimizer's default on offer), the clip threshold and the residual scale shown beside
//! the switch that enables them, and links that apply in the schema's order.

use gradscope::config::schema::{self, Place, Section, FIELDS};
use gradscope::engine::optim::OptimizerKind;
use gradscope::view::page::Page;
use gradscope::view::url;
use gradscope::view::ViewSettings;
use gradscope::Config;
use serde_json::{json, Value};

fn config(patch: Value) -> Config {
    Config::default()
        .resolve()
        .and_then(|c| c.merged(&patch))
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_hyper_parameter_of_the_chosen_optimizer_is_on_the_page() {
    for kind in OptimizerKind::ALL {
        let c = config(json!({"optimizer": {"kind": kind.name()}}));
        let states = schema::states(&c, &ViewSettings::default());
        let shown: Vec<&str> = FIELDS
            .iter()
            .filter(|f| f.path.starts_with("optimizer.") && f.path != "optimizer.kind")
            .filter(|f| states[f.url]["shown"] == json!(true))
            .map(|f| f.path.trim_start_matches("optimizer."))
            .collect();
        assert_eq!(shown, schema::hyper_parameters(kind), "{}", kind.name());
        assert!(!shown.is_empty());
        // And each has a control in the settings list.
        for f in FIELDS
            .iter()
            .filter(|f| f.optimizers().is_some_and(|ks| ks.contains(&kind)))
        {
            assert_eq!(f.place, Place::Settings, "{}", f.path);
        }
    }
    let names = |k: OptimizerKind| schema::hyper_parameters(k).join(" ");
    assert_eq!(names(OptimizerKind::Nesterov), "lr momentum weight_decay");
    assert_eq!(
        names(OptimizerKind::Adam),
        "lr beta1 beta2 eps weight_decay"
    );
    assert_eq!(names(OptimizerKind::Adadelta), "lr rho eps weight_decay");
    assert_eq!(names(OptimizerKind::Rmsprop), "lr alpha eps weight_decay");
}

#[test]
fn switching_the_optimizer_keeps_the_learning_rate_and_offers_the_default() {
    let mut p = Page::new(config(json!({})));
    p.step(3);
    assert_eq!(p.run().config().optimizer.lr, Some(0.1));
    assert_eq!(
        p.set_config(&json!({"optimizer": {"kind": "adam"}})),
        Ok(true)
    );
    assert_eq!(p.run().config().optimizer.lr, Some(0.1), "kept");
    assert_eq!(
        p.run().config().optimizer.beta1,
        Some(0.9),
        "adam's own default"
    );
    let note = p.optimizer_note().map(|n| n.to_json()).unwrap_or_default();
    assert_eq!(
        note["text"],
        "Switched to adam and kept the learning rate 0.1; gradscope starts adam at 0.01."
    );
    assert_eq!(
        note["offer"]["label"],
        "Use 0.01, gradscope's starting lr for adam"
    );
    // The offer, taken: the run continues with adam's default.
    assert_eq!(p.set_config(&note["offer"]["patch"]), Ok(false));
    assert_eq!(p.run().config().optimizer.lr, Some(0.01));
    let note = p.optimizer_note().map(|n| n.to_json()).unwrap_or_default();
    assert_eq!(
        note["text"],
        "adam with gradscope's starting learning rate 0.01."
    );
    assert_eq!(note["offer"], Value::Null);
    // A switch that names its learning rate gets it.
    assert_eq!(
        p.set_config(&json!({"optimizer": {"kind": "rmsprop", "lr": 0.003}})),
        Ok(true)
    );
    assert_eq!(p.run().config().optimizer.lr, Some(0.003));
    let note = p.optimizer_note().map(|n| n.to_json()).unwrap_or_default();
    assert_eq!(note["text"], "rmsprop with learning rate 0.003.");
    // Other changes leave the note alone; a lesson clears it.
    assert_eq!(p.set_config(&json!({"network": {"depth": 3}})), Ok(true));
    assert!(p.optimizer_note().is_some());
    assert_eq!(p.set_lesson("vanishing-sigmoid"), Ok(()));
    assert!(p.optimizer_note().is_none());
    assert_eq!(schema::default_lr(OptimizerKind::Adadelta), Some(1.0));
}

#[test]
fn a_link_applies_in_the_schemas_order_whatever_its_own() {
    // Issue 10: `?lr=0.5&optimizer=adam` once gave 0.01.
    for q in ["lr=0.5&optimizer=adam", "optimizer=adam&lr=0.5"] {
        let a = url::read(q);
        assert!(a.messages.is_empty(), "{q}: {:?}", a.messages);
        assert_eq!(a.config.optimizer.kind, OptimizerKind::Adam, "{q}");
        assert_eq!(a.config.optimizer.lr, Some(0.5), "{q}");
    }
    // A link names the whole setup: without lr, the optimizer's own default.
    assert_eq!(url::read("optimizer=adam").config.optimizer.lr, Some(0.01));
    let a = url::read("threshold=0.3&clip=norm&residual_scale=0.2&skip=1");
    assert!(a.messages.is_empty(), "{:?}", a.messages);
    assert_eq!(a.config.clip.threshold, 0.3);
    assert_eq!(a.config.network.residual_scale, 0.2);
}

#[test]
fn the_clip_threshold_and_the_residual_scale_sit_beside_their_switches() {
    let at = |path: &str| {
        FIELDS
            .iter()
            .position(|f| f.section == Section::Config && f.path == path)
            .unwrap_or_else(|| panic!("{path}"))
    };
    assert_eq!(at("clip.threshold"), at("clip.kind") + 1);
    assert_eq!(
        at("network.residual_scale"),
        at("network.skip_connections") + 1
    );
    let shown = |patch: Value, url: &str| {
        schema::states(&config(patch), &ViewSettings::default())[url]["shown"] == json!(true)
    };
    assert!(!shown(json!({}), "threshold"));
    // One change shows it: choosing a clipping mode.
    assert!(shown(json!({"clip": {"kind": "norm"}}), "threshold"));
    assert!(shown(json!({"clip": {"kind": "value"}}), "threshold"));
    assert!(!shown(json!({}), "residual_scale"));
    assert!(shown(
        json!({"network": {"skip_connections": true}}),
        "residual_scale"
    ));
}

#[test]
fn wrong_values_get_a_students_message_not_a_parsers() {
    let cases = [
        (json!({"network": {"activation": "swish"}}), "network.activation: 'swish' is not an activation here; choose one of sigmoid, tanh, relu"),
        (json!({"optimizer": {"kind": "adamx"}}), "optimizer.kind: 'adamx' is not an optimizer here; choose one of sgd, momentum"),
        (json!({"optimizer": {"momentum": 0.5}}), "optimizer.momentum: does not apply to sgd (only to momentum, nesterov); sgd's hyper-parameters are: lr, weight_decay"),
        (json!({"network": {"depth": "20"}}), "network.depth: '20' is not a whole number; allowed 1 to 64 hidden layers"),
        (json!({"dataset": {"kind": "mnist"}}), "dataset.kind: 'mnist' is not a dataset here; choose one of circles, xor, gaussians, spiral, spiral3, sine, sparse"),
    ];
    for (patch, want) in cases {
        let e = config(json!({}))
            .merged(&patch)
            .err()
            .map(|e| e.to_string());
        let e = e.unwrap_or_default();
        assert!(e.starts_with(want), "{e}");
        for parser in ["unknown variant", "invalid type", "expected"] {
            assert!(!e.contains(parser), "{e}");
        }
    }
    let a = url::read("activation=swish");
    assert_eq!(a.messages.len(), 1);
    assert!(
        a.messages[0].contains("'swish' is not an activation here; choose one of"),
        "{:?}",
        a.messages
    );
}
