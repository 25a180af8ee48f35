//! Advice the page gives is a claim: followed on the case that prompted it, it must help.
//! (Relu with he init, once suggested for vanishing gradients, killed every unit of the
//! page's default 8-wide network at depth 20; that advice is gone.)

use gradscope::engine::session::Run;
use gradscope::view::diagnosis::{diagnose, Level};
use gradscope::view::Metric;
use gradscope::Config;

fn run(json: &str, steps: u64) -> (Run, Config) {
    let c = Config::from_json(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    let mut r = Run::new(c.spec(), c.precision, 5000);
    r.step(steps);
    (r, c)
}

#[test]
fn the_vanishing_advice_helps_when_followed() {
    let sick =
        r#"{"network": {"depth": 20, "width": 8, "activation": "sigmoid", "init": "standard"}}"#;
    let (r, c) = run(sick, 30);
    let d = diagnose(
        r.history(),
        Metric::GradNorm,
        c.network.depth,
        c.network.activation,
    );
    assert_eq!(d.level, Level::Vanishing, "{}", d.text);
    assert!(d.text.contains("Batch normalization"), "{}", d.text);
    assert!(!d.text.contains("relu"), "{}", d.text);
    // Following it: only batch norm switched on, same seed, same data.
    let fixed = r#"{"network": {"depth": 20, "width": 8, "activation": "sigmoid", "init": "standard", "batch_norm": true}}"#;
    let (r, c) = run(fixed, 600);
    let d = diagnose(
        r.history(),
        Metric::GradNorm,
        c.network.depth,
        c.network.activation,
    );
    assert_ne!(d.level, Level::Vanishing, "{}", d.text);
    let last = r
        .history()
        .iter()
        .rev()
        .find_map(|s| s.test_accuracy)
        .unwrap_or(0.0);
    assert!(
        last > 0.8,
        "batch norm did not make it learn: test accuracy {last}"
    );
    // The advice that was removed really does fail here: every unit dies.
    let relu =
        r#"{"network": {"depth": 20, "width": 8, "activation": "relu", "init": "he_normal"}}"#;
    let (r, _) = run(relu, 600);
    let last = r
        .history()
        .iter()
        .rev()
        .find_map(|s| s.test_accuracy)
        .unwrap_or(0.0);
    assert!(
        last < 0.7,
        "relu/he learned here after all (test accuracy {last})"
    );
}
