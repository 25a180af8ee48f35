//! A plain-language diagnosis of the run so far, updated every frame.
//!
//! Checked in this order, on the latest records:
//! 1. diverged: the last step's loss or a gradient is NaN or infinite;
//! 2. exploding: the raw global gradient norm exceeds 1e3;
//! 3. vanishing: the first hidden layer's measure (weight-gradient norm or back-propagated
//!    signal, whichever the heatmap shows) is below 1e-3 of the last hidden layer's,
//!    as a geometric mean over the last 10 steps;
//! 4. dead or saturated units: for relu, more than half of some hidden layer's units dead
//!    (`dead_share`: zero slope for the whole batch); for sigmoid and tanh, more than half
//!    of some hidden layer's activations saturated (`flat_share`). "Dead" is never said of
//!    another activation, nor "saturated" of one without flat tails;
//! 5. otherwise healthy.

use std::collections::VecDeque;

use serde::Serialize;

use super::{recent, Metric};
use crate::engine::activation::Activation;
use crate::engine::session::{LayerRecord, StepRecord};

/// The gradient-norm level called exploding.
pub const EXPLODING_NORM: f64 = 1e3;
/// The first/last ratio called vanishing.
pub const VANISHING_RATIO: f64 = 1e-3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Idle,
    Healthy,
    Vanishing,
    Exploding,
    Diverged,
    Dead,
    Saturated,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnosis {
    pub level: Level,
    pub text: String,
}

/// `4e14`, `2e-9`, `0.31`: short numbers for sentences.
pub fn short(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else {
            "infinite".into()
        };
    }
    let a = v.abs();
    if a != 0.0 && !(1e-2..1e4).contains(&a) {
        format!("{v:.0e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The diagnosis of `history` for a net with `depth` hidden layers of `activation`.
pub fn diagnose(
    history: &VecDeque<StepRecord>,
    metric: Metric,
    depth: usize,
    activation: Activation,
) -> Diagnosis {
    let Some(last) = history.back() else {
        return Diagnosis {
            level: Level::Idle,
            text: "Not trained yet: press play or step.".into(),
        };
    };
    if last.non_finite {
        let what = if last.loss.is_nan() || last.grad_norm.is_nan() {
            "NaN"
        } else {
            "inf"
        };
        return Diagnosis {
            level: Level::Diverged,
            text: format!(
                "Diverged ({what}) at step {}: try clipping, a smaller learning rate or a smaller init gain, then reset.",
                last.step
            ),
        };
    }
    if last.grad_norm > EXPLODING_NORM {
        let clip = if last.clipped {
            format!(
                " Clipping scales it down to {} before the update.",
                short(last.clipped_grad_norm)
            )
        } else {
            " Try norm clipping, a smaller init gain or batch norm.".into()
        };
        return Diagnosis {
            level: Level::Exploding,
            text: format!(
                "Exploding: gradient norm {} at step {}.{clip}",
                short(last.grad_norm),
                last.step
            ),
        };
    }
    if depth >= 2 {
        let (mut log_sum, mut n) = (0.0, 0.0);
        for r in recent(history, 10) {
            let (first, top) = (metric.of(&r.layers[0]), metric.of(&r.layers[depth - 1]));
            if first > 0.0 && top > 0.0 && first.is_finite() && top.is_finite() {
                log_sum += (first / top).ln();
                n += 1.0;
            } else if top > 0.0 && first == 0.0 {
                log_sum += f64::NEG_INFINITY;
                n += 1.0;
            }
        }
        let ratio = if n > 0.0 { (log_sum / n).exp() } else { 1.0 };
        if ratio < VANISHING_RATIO {
            return Diagnosis {
                level: Level::Vanishing,
                text: format!(
                    "Vanishing: layer 1 receives {} of layer {depth}'s {}. Batch normalization is a fix to try.",
                    short(ratio),
                    metric.noun()
                ),
            };
        }
    }
    // Dead units from the dead share (relu only), saturation from the flat share (sigmoid
    // and tanh only); the other activations' near-zero slopes are not diagnosed here.
    let share = |r: &LayerRecord| {
        if activation.can_die() {
            r.dead_share
        } else if activation.saturates() {
            r.flat_share
        } else {
            None
        }
    };
    let worst = last.layers[..depth.min(last.layers.len())]
        .iter()
        .enumerate()
        .filter_map(|(l, r)| share(r).map(|f| (l, f)))
        .fold(None, |best: Option<(usize, f64)>, (l, f)| match best {
            Some((_, bf)) if bf >= f => best,
            _ => Some((l, f)),
        });
    if let Some((l, f)) = worst.filter(|(_, f)| *f > 0.5) {
        let pct = (f * 100.0).round();
        return if activation.saturates() {
            Diagnosis {
                level: Level::Saturated,
                text: format!(
                    "Saturated: {pct}% of layer {}'s activations sit in the flat tails, where the derivative is near 0.",
                    l + 1
                ),
            }
        } else {
            Diagnosis {
                level: Level::Dead,
                text: format!(
                    "Dead units: {pct}% of layer {}'s units output 0 for the whole batch.",
                    l + 1
                ),
            }
        };
    }
    let tail = if depth >= 2 {
        let first = metric.of(&last.layers[0]);
        let top = metric.of(&last.layers[depth - 1]);
        format!(
            " layer 1 gets {} of layer {depth}'s {}.",
            short(first / top),
            metric.noun()
        )
    } else {
        String::new()
    };
    Diagnosis {
        level: Level::Healthy,
        text: format!(
            "Healthy: loss {} at step {};{tail}",
            short(last.loss),
            last.step
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use crate::ConfiguredRun;

    fn diagnose_config(json: &str, steps: u64) -> Diagnosis {
        let c = Config::from_json(json).unwrap_or_else(|e| panic!("{e}"));
        let depth = c.network.depth;
        let activation = c.network.activation;
        let mut run = ConfiguredRun::new(c, 100);
        run.step(steps);
        diagnose(run.history(), Metric::GradNorm, depth, activation)
    }

    #[test]
    fn each_failure_gets_its_diagnosis() {
        let d = diagnose_config(
            r#"{"network": {"depth": 20, "activation": "sigmoid", "init": "standard"}}"#,
            5,
        );
        assert_eq!(d.level, Level::Vanishing, "{}", d.text);
        assert!(
            d.text.contains("layer 1 receives") && d.text.contains("layer 20"),
            "{}",
            d.text
        );
        let d = diagnose_config(
            r#"{"network": {"depth": 20, "width": 32, "activation": "relu", "init": "normal", "init_std": 1.0}}"#,
            1,
        );
        assert_eq!(d.level, Level::Exploding, "{}", d.text);
        let d = diagnose_config(
            r#"{"network": {"depth": 40, "width": 64, "activation": "linear", "init": "normal", "init_std": 3.0}}"#,
            5,
        );
        assert_eq!(d.level, Level::Diverged, "{}", d.text);
        assert!(d.text.contains("at step 0"), "{}", d.text);
        let d = diagnose_config(
            r#"{"network": {"depth": 3, "width": 8}, "optimizer": {"kind": "adam"}}"#,
            50,
        );
        assert_eq!(d.level, Level::Healthy, "{}", d.text);
        assert_eq!(
            diagnose(&VecDeque::new(), Metric::Delta, 3, Activation::Tanh).level,
            Level::Idle
        );
    }

    /// One healthy-looking step whose hidden layers have these flat and dead shares.
    fn record(flat: Option<f64>, dead: Option<f64>) -> VecDeque<StepRecord> {
        let layer = |hidden: bool| LayerRecord {
            grad_norm: 1.0,
            clipped_grad_norm: 1.0,
            delta_rms: 1.0,
            weight_norm: 1.0,
            act_mean: 0.0,
            act_std: 1.0,
            flat_share: flat.filter(|_| hidden),
            dead_share: dead.filter(|_| hidden),
            update_ratio: 1e-3,
            eff_lr_mean: 0.1,
            eff_lr_min: 0.1,
            eff_lr_max: 0.1,
        };
        VecDeque::from([StepRecord {
            step: 3,
            loss: 0.5,
            batch_accuracy: None,
            train_accuracy: None,
            test_loss: None,
            test_accuracy: None,
            grad_norm: 1.0,
            clipped_grad_norm: 1.0,
            clipped: false,
            non_finite: false,
            layers: vec![layer(true), layer(true), layer(false)],
        }])
    }

    #[test]
    fn dead_is_said_of_relu_only_and_saturated_of_sigmoid_and_tanh_only() {
        let level = |act, flat, dead| diagnose(&record(flat, dead), Metric::GradNorm, 2, act);
        let d = level(Activation::Relu, Some(0.9), Some(0.75));
        assert_eq!(d.level, Level::Dead, "{}", d.text);
        assert!(d.text.contains("75%"), "{}", d.text);
        // Relu's flat share alone (half its values are negative at init) is not death.
        assert_eq!(
            level(Activation::Relu, Some(0.9), Some(0.1)).level,
            Level::Healthy
        );
        for act in [Activation::Sigmoid, Activation::Tanh] {
            let d = level(act, Some(0.8), None);
            assert_eq!(d.level, Level::Saturated, "{act:?}");
            assert!(d.text.contains("80%"), "{}", d.text);
        }
        // A large flat share of leaky_relu, elu, gelu or selu is neither dead nor saturated.
        for act in [
            Activation::LeakyRelu,
            Activation::Elu,
            Activation::Gelu,
            Activation::Selu,
        ] {
            let d = level(act, Some(0.95), None);
            assert_eq!(d.level, Level::Healthy, "{act:?}: {}", d.text);
        }
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(4.2e14), "4e14");
        assert_eq!(short(2.1e-9), "2e-9");
        assert_eq!(short(0.314), "0.31");
        assert_eq!(short(f64::NAN), "NaN");
    }
}
