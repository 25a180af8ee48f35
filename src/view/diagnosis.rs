//! A plain-language diagnosis of the run so far, updated every frame.
//!
//! The run is in one of the [`Level`] states. Every threshold is a field of the one table
//! [`THRESHOLDS`]; the ones about the loss are shares of the task's *chance level*
//! ([`chance_loss`]: the loss of the best constant prediction on the training split, so
//! `ln k` for cross entropy with `k` balanced classes, `ln 2` for bce, the targets'
//! variance for mse), so the same table serves every dataset and loss. The states are
//! checked in this order and the first that holds is the diagnosis (docs/diagnosis.md
//! says why):
//!
//! 1. not trained yet: no step taken;
//! 2. diverged: the last step's loss or gradient is NaN or infinite;
//! 3. learned: the loss (mean of the last [`Thresholds::window`] minibatch losses) is at
//!    most [`Thresholds::learned_share`] of chance. A converged run gets no warning, whatever
//!    its saturation or gradient ratio;
//! 4. exploding: the raw global gradient norm is above [`Thresholds::exploding_norm`] times
//!    the chance loss, or the loss is above [`Thresholds::blown_up_share`] times chance (the
//!    outputs have blown up: far worse than a constant guess);
//! 5. dead units (relu only): more than [`Thresholds::dead_share`] of some hidden layer's
//!    units output 0 for the whole batch. Before vanishing: a dead layer passes back an
//!    exact 0, so the vanishing ratio would name the symptom, not the cause;
//! 6. saturated (sigmoid, tanh): more than [`Thresholds::saturated_share`] of some hidden
//!    layer's values sit in the flat tails, while the loss is above
//!    [`Thresholds::far_share`] of chance. Before vanishing for the same reason: saturated
//!    units pass back almost nothing;
//! 7. vanishing: the first hidden layer's measure is below [`Thresholds::vanishing_ratio`] of
//!    the last hidden layer's (geometric mean over the window);
//! 8. learning rate died (Adagrad, whose rate only shrinks): the mean effective rate is below
//!    [`Thresholds::lr_died_share`] of the learning rate, the weights move less than
//!    [`Thresholds::frozen_update`] of their size per step, and the loss is above
//!    [`Thresholds::far_share`] of chance;
//! 9. stuck at chance: after [`Thresholds::verdict_steps`] steps the loss (here the mean
//!    over the last [`Thresholds::verdict_window`] steps) is still at least
//!    [`Thresholds::chance_share`] of chance;
//! 10. learning: none of the above.

use std::collections::VecDeque;

use serde::Serialize;

use super::{recent, Metric};
use crate::engine::activation::Activation;
use crate::engine::data::Dataset;
use crate::engine::loss::Loss;
use crate::engine::optim::OptimizerKind;
use crate::engine::session::{LayerRecord, Run, StepRecord};

/// Every threshold of the diagnosis, in one place (docs/diagnosis.md explains each).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// Steps averaged: the loss is the mean of the last `window` minibatch losses, the
    /// gradient ratio the geometric mean of the last `window` ratios.
    pub window: usize,
    /// Steps after which a loss still at chance level is "stuck at chance" rather than
    /// "learning" (a deep network may sit at chance for a while before it starts).
    pub verdict_steps: u64,
    /// Steps whose mean minibatch loss decides "stuck at chance": a verdict about the long
    /// run, so a noisy loss near the boundary does not flip it every few steps.
    pub verdict_window: usize,
    /// Loss at most this share of the chance loss: learned (for bce on two balanced
    /// classes, 0.069: the mean probability given to the right class is above 0.93).
    pub learned_share: f64,
    /// Loss at least this share of the chance loss (after `verdict_steps`): stuck at chance.
    pub chance_share: f64,
    /// Loss above this share of the chance loss: not close to learned, so a collapsed
    /// learning rate or saturation is a problem (below it they are only a remark).
    pub far_share: f64,
    /// Loss above this many times the chance loss: the outputs have blown up (exploding).
    pub blown_up_share: f64,
    /// Raw global gradient norm above this many times the chance loss: exploding. A
    /// mean-reduced loss near its chance level gives gradient norms of order 1 in a
    /// well-scaled network.
    pub exploding_norm: f64,
    /// First-to-last hidden layer ratio of the measure below this: vanishing.
    pub vanishing_ratio: f64,
    /// Share of some hidden layer's units dead (relu: zero slope for the whole batch).
    pub dead_share: f64,
    /// Share of some hidden layer's values saturated (sigmoid, tanh: slope under 5% of the
    /// largest).
    pub saturated_share: f64,
    /// Mean effective learning rate below this share of the learning rate: collapsed.
    pub lr_died_share: f64,
    /// Median over layers of the relative update `||dW|| / ||W||` below this: the weights
    /// have stopped moving.
    pub frozen_update: f64,
}

/// The diagnosis's thresholds.
pub const THRESHOLDS: Thresholds = Thresholds {
    window: 20,
    verdict_steps: 300,
    verdict_window: 100,
    learned_share: 0.1,
    chance_share: 0.9,
    far_share: 0.5,
    blown_up_share: 3.0,
    exploding_norm: 1e3,
    vanishing_ratio: 1e-3,
    dead_share: 0.5,
    saturated_share: 0.4,
    lr_died_share: 0.05,
    frozen_update: 3e-4,
};

/// The state a run is in. Serialized in snake case: the page's banner takes it as its CSS
/// class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// No step taken.
    Idle,
    /// Training, the loss below chance level or still early.
    Learning,
    /// The loss is a small share of the chance level.
    Learned,
    /// After enough steps, the loss is still about what a constant guess scores.
    Stuck,
    Vanishing,
    Exploding,
    Diverged,
    Saturated,
    Dead,
    /// Adagrad's effective learning rate has collapsed while the loss is far from learned.
    LrDied,
}

impl Level {
    pub const ALL: [Level; 10] = [
        Level::Idle,
        Level::Learning,
        Level::Learned,
        Level::Stuck,
        Level::Vanishing,
        Level::Exploding,
        Level::Diverged,
        Level::Saturated,
        Level::Dead,
        Level::LrDied,
    ];

    /// The level's name (the JSON and CSS one).
    pub fn name(self) -> &'static str {
        match self {
            Level::Idle => "idle",
            Level::Learning => "learning",
            Level::Learned => "learned",
            Level::Stuck => "stuck",
            Level::Vanishing => "vanishing",
            Level::Exploding => "exploding",
            Level::Diverged => "diverged",
            Level::Saturated => "saturated",
            Level::Dead => "dead",
            Level::LrDied => "lr_died",
        }
    }

    /// Whether the run is in trouble (the states advice is sought for).
    pub fn is_trouble(self) -> bool {
        !matches!(self, Level::Idle | Level::Learning | Level::Learned)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnosis {
    pub level: Level,
    pub text: String,
}

/// What the diagnosis needs to know about the run besides its records.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Task {
    /// The loss of the best constant prediction ([`chance_loss`]).
    pub chance: f64,
    /// Hidden layers.
    pub depth: usize,
    pub activation: Activation,
    pub optimizer: OptimizerKind,
    /// The optimizer's learning rate.
    pub lr: f64,
}

impl Task {
    /// The task of a run: its data's chance loss, its network and its optimizer.
    pub fn of(run: &Run) -> Task {
        let spec = run.spec();
        Task {
            chance: chance_loss(run.dataset(), spec.loss, spec.arch.outputs),
            depth: spec.arch.depth,
            activation: spec.arch.activation,
            optimizer: spec.optimizer.kind(),
            lr: spec.optimizer.lr(),
        }
    }
}

/// The loss of the best constant prediction on the training split: what a network that
/// learned nothing about the inputs can reach. With `m_j` the mean of output `j`'s target
/// over the training rows:
///
/// - cross entropy: `-sum_j m_j ln m_j`, the entropy of the class frequencies (`ln k` for
///   `k` balanced classes);
/// - bce: `mean_j H(m_j)` with `H(m) = -m ln m - (1 - m) ln(1 - m)` (`ln 2` for balanced
///   labels);
/// - mse: `mean_j Var(t_j)`, the targets' variance (0.25 for balanced 0/1 labels).
pub fn chance_loss(data: &Dataset, loss: Loss, outputs: usize) -> f64 {
    let outputs = outputs.max(1);
    let n = data.train_y.len();
    if n == 0 {
        return f64::NAN;
    }
    let (mut sum, mut sum_sq) = (vec![0.0; outputs], vec![0.0; outputs]);
    let mut t = vec![0.0; outputs];
    for &label in &data.train_y {
        data.targets(label, outputs, &mut t);
        for j in 0..outputs {
            sum[j] += t[j];
            sum_sq[j] += t[j] * t[j];
        }
    }
    let mean: Vec<f64> = sum.iter().map(|s| s / n as f64).collect();
    let plogp = |m: f64| if m > 0.0 { m * m.ln() } else { 0.0 };
    match loss {
        Loss::CrossEntropy => -mean.iter().map(|&m| plogp(m)).sum::<f64>(),
        Loss::Bce => {
            mean.iter()
                .map(|&m| -plogp(m) - plogp(1.0 - m))
                .sum::<f64>()
                / outputs as f64
        }
        Loss::Mse => {
            (0..outputs)
                .map(|j| (sum_sq[j] / n as f64 - mean[j] * mean[j]).max(0.0))
                .sum::<f64>()
                / outputs as f64
        }
    }
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
    if a == 0.0 {
        "0".into()
    } else if !(1e-2..1e4).contains(&a) {
        format!("{v:.0e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The numbers the diagnosis decides from, for the latest records of a run. The advice
/// measures its counterfactual runs with the same numbers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measures {
    /// Steps taken (the last record's step + 1).
    pub steps: u64,
    /// Mean minibatch loss over the window (NaN when a step in it was non-finite).
    pub loss: f64,
    /// Mean minibatch loss over the verdict window ([`Thresholds::verdict_window`]).
    pub verdict_loss: f64,
    /// The latest full-training-split accuracy, if evaluated.
    pub accuracy: Option<f64>,
    /// The last step's raw global gradient norm.
    pub grad_norm: f64,
    /// First-to-last hidden layer ratio of the metric, geometric mean over the window (1
    /// with fewer than two hidden layers; 0 when layer 1 received exactly 0).
    pub ratio: f64,
    /// The largest dead share of a hidden layer at the last step (relu; else 0) and its
    /// layer (0-based).
    pub dead: (f64, usize),
    /// The largest flat share of a hidden layer at the last step (sigmoid, tanh; else 0).
    pub saturated: (f64, usize),
    /// Mean over hidden and output layers of the mean effective learning rate, last step.
    pub eff_lr: f64,
    /// Median over layers of `||dW|| / ||W||`, last step.
    pub update: f64,
    /// The first non-finite step, if one of the records has it.
    pub non_finite_at: Option<u64>,
}

impl Measures {
    /// The measures of `history` (`None` before the first step).
    pub fn of(history: &VecDeque<StepRecord>, metric: Metric, task: &Task) -> Option<Measures> {
        let last = history.back()?;
        let t = THRESHOLDS;
        let window: Vec<&StepRecord> = recent(history, t.window).collect();
        let loss = window.iter().map(|r| r.loss).sum::<f64>() / window.len() as f64;
        let verdict: Vec<f64> = recent(history, t.verdict_window).map(|r| r.loss).collect();
        let verdict_loss = verdict.iter().sum::<f64>() / verdict.len() as f64;
        let accuracy = history.iter().rev().find_map(|r| r.train_accuracy);
        let depth = task.depth.min(last.layers.len().saturating_sub(1));
        let ratio = if depth >= 2 {
            let (mut log_sum, mut n) = (0.0, 0.0);
            for r in &window {
                let (first, top) = (metric.of(&r.layers[0]), metric.of(&r.layers[depth - 1]));
                if first > 0.0 && top > 0.0 && first.is_finite() && top.is_finite() {
                    log_sum += (first / top).ln();
                    n += 1.0;
                } else if top > 0.0 && first == 0.0 {
                    log_sum += f64::NEG_INFINITY;
                    n += 1.0;
                }
            }
            if n > 0.0 {
                (log_sum / n).exp()
            } else {
                1.0
            }
        } else {
            1.0
        };
        let worst = |share: &dyn Fn(&LayerRecord) -> Option<f64>| {
            last.layers[..depth]
                .iter()
                .enumerate()
                .filter_map(|(l, r)| share(r).map(|f| (f, l)))
                .fold(
                    (0.0, 0),
                    |best, (f, l)| if f > best.0 { (f, l) } else { best },
                )
        };
        let dead = if task.activation.can_die() {
            worst(&|r| r.dead_share)
        } else {
            (0.0, 0)
        };
        let saturated = if task.activation.saturates() {
            worst(&|r| r.flat_share)
        } else {
            (0.0, 0)
        };
        let eff_lr = last.layers.iter().map(|r| r.eff_lr_mean).sum::<f64>()
            / last.layers.len().max(1) as f64;
        let mut updates: Vec<f64> = last.layers.iter().map(|r| r.update_ratio).collect();
        updates.sort_by(f64::total_cmp);
        let update = updates.get(updates.len() / 2).copied().unwrap_or(f64::NAN);
        Some(Measures {
            steps: last.step + 1,
            loss,
            verdict_loss,
            accuracy,
            grad_norm: last.grad_norm,
            ratio,
            dead,
            saturated,
            eff_lr,
            update,
            non_finite_at: history.iter().find(|r| r.non_finite).map(|r| r.step),
        })
    }

    /// The state these measures are in (the order of the module's documentation).
    pub fn level(&self, task: &Task) -> Level {
        let t = THRESHOLDS;
        let c = task.chance;
        if self.non_finite_at.is_some() {
            Level::Diverged
        } else if self.loss <= t.learned_share * c {
            Level::Learned
        } else if self.grad_norm > t.exploding_norm * c || self.loss > t.blown_up_share * c {
            Level::Exploding
        } else if self.dead.0 > t.dead_share {
            Level::Dead
        } else if self.saturated.0 > t.saturated_share && self.loss > t.far_share * c {
            Level::Saturated
        } else if self.ratio < t.vanishing_ratio {
            Level::Vanishing
        } else if task.optimizer == OptimizerKind::Adagrad
            && self.eff_lr < t.lr_died_share * task.lr
            && self.update < t.frozen_update
            && self.loss > t.far_share * c
        {
            Level::LrDied
        } else if self.steps >= t.verdict_steps && self.verdict_loss >= t.chance_share * c {
            Level::Stuck
        } else {
            Level::Learning
        }
    }
}

/// The diagnosis of `history` for `task`, measuring the gradient by `metric`.
pub fn diagnose(history: &VecDeque<StepRecord>, metric: Metric, task: &Task) -> Diagnosis {
    let Some(m) = Measures::of(history, metric, task) else {
        return Diagnosis {
            level: Level::Idle,
            text: "Not trained yet: press play or step.".into(),
        };
    };
    let level = m.level(task);
    let last = history.back().map(|r| r.step).unwrap_or(0);
    let chance = short(task.chance);
    let depth = task.depth;
    let ratio_words = |m: &Measures| {
        format!(
            "layer 1 gets {} of layer {depth}'s {}",
            short(m.ratio),
            metric.noun()
        )
    };
    let text = match level {
        Level::Idle => String::new(),
        Level::Diverged => {
            let r = history.back();
            let what = if r.is_some_and(|r| r.loss.is_nan() || r.grad_norm.is_nan()) {
                "NaN"
            } else {
                "inf"
            };
            // The explosion that led there, if the records still hold it.
            let peak = history
                .iter()
                .filter(|r| r.grad_norm.is_finite())
                .max_by(|a, b| a.grad_norm.total_cmp(&b.grad_norm))
                .filter(|r| r.grad_norm > THRESHOLDS.exploding_norm * task.chance)
                .map(|r| {
                    format!(
                        ", after the gradient norm exploded to {} at step {}",
                        short(r.grad_norm),
                        r.step
                    )
                })
                .unwrap_or_default();
            format!(
                "Diverged ({what}) at step {}{peak}: the numbers overflowed. Clipping, a smaller learning rate or a smaller init are fixes to try.",
                m.non_finite_at.unwrap_or(last)
            )
        }
        Level::Learned => {
            let acc = m
                .accuracy
                .map(|a| format!(", train accuracy {}%", (a * 100.0).round()))
                .unwrap_or_default();
            format!(
                "Learned: loss {} at step {last}{acc} (a constant guess scores {chance}).",
                short(m.loss)
            )
        }
        Level::Exploding => {
            let r = history.back();
            let clip = match r {
                Some(r) if r.clipped => format!(
                    " Clipping scales it down to {} before the update.",
                    short(r.clipped_grad_norm)
                ),
                _ => String::new(),
            };
            if m.grad_norm > THRESHOLDS.exploding_norm * task.chance {
                format!(
                    "Exploding: gradient norm {} at step {last}.{clip}",
                    short(m.grad_norm)
                )
            } else {
                format!(
                    "Exploding: loss {} at step {last}, {} times a constant guess's {chance}: the outputs have blown up.{clip}",
                    short(m.loss),
                    short(m.loss / task.chance)
                )
            }
        }
        Level::Dead => format!(
            "Dead units: {}% of layer {}'s relu units output 0 for the whole batch, so no gradient passes through them (loss {}).",
            (m.dead.0 * 100.0).round(),
            m.dead.1 + 1,
            short(m.loss)
        ),
        Level::Vanishing => format!(
            "Vanishing: layer 1 receives {} of layer {depth}'s {}, so the first layers barely learn (loss {} at step {last}).",
            short(m.ratio),
            metric.noun(),
            short(m.loss)
        ),
        Level::LrDied => format!(
            "Learning rate died: Adagrad's effective rate has shrunk to {} (lr {}) and the weights have nearly stopped moving, at loss {} (a constant guess scores {chance}).",
            short(m.eff_lr),
            short(task.lr),
            short(m.loss)
        ),
        Level::Saturated => format!(
            "Saturated: {}% of layer {}'s activations sit in the flat tails, where the derivative is near 0 (loss {}; a constant guess scores {chance}).",
            (m.saturated.0 * 100.0).round(),
            m.saturated.1 + 1,
            short(m.loss)
        ),
        Level::Stuck => format!(
            "Stuck at chance: loss {} over the last {} steps, about what a constant guess scores ({chance}); the network has learned nothing yet.",
            short(m.verdict_loss),
            THRESHOLDS.verdict_window.min(history.len())
        ),
        Level::Learning => {
            let tail = if depth >= 2 {
                format!("; {}", ratio_words(&m))
            } else {
                String::new()
            };
            format!(
                "Learning: loss {} at step {last} (a constant guess scores {chance}){tail}.",
                short(m.loss)
            )
        }
    };
    Diagnosis { level, text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use crate::ConfiguredRun;

    fn diagnose_config(json: &str, steps: u64) -> Diagnosis {
        let c = Config::from_json(json).unwrap_or_else(|e| panic!("{e}"));
        let mut run = ConfiguredRun::new(c, 100);
        run.step(steps);
        diagnose(run.history(), Metric::GradNorm, &Task::of(&run))
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
        assert_eq!(d.level, Level::Learning, "{}", d.text);
        let task = Task {
            chance: 0.69,
            depth: 3,
            activation: Activation::Tanh,
            optimizer: OptimizerKind::Sgd,
            lr: 0.1,
        };
        assert_eq!(
            diagnose(&VecDeque::new(), Metric::Delta, &task).level,
            Level::Idle
        );
    }

    #[test]
    fn chance_is_ln_k_for_balanced_classes_and_the_variance_for_regression() {
        let chance = |json: &str| {
            let c = Config::from_json(json).unwrap_or_else(|e| panic!("{e}"));
            Task::of(&ConfiguredRun::new(c, 1)).chance
        };
        let bce = chance(r#"{"dataset": {"samples": 1000}}"#);
        assert!((bce - 2f64.ln()).abs() < 2e-3, "{bce}");
        let ce = chance(r#"{"dataset": {"kind": "spiral3", "samples": 1200}}"#);
        assert!((ce - 3f64.ln()).abs() < 3e-3, "{ce}");
        let mse = chance(r#"{"dataset": {"samples": 1000}, "loss": "mse"}"#);
        assert!((mse - 0.25).abs() < 2e-3, "{mse}");
        // sin(pi x) for uniform x in [-1, 1] has variance 1/2 (plus the noise's).
        let sine = chance(r#"{"dataset": {"kind": "sine", "samples": 2000, "noise": 0.0}}"#);
        assert!((sine - 0.5).abs() < 0.03, "{sine}");
    }

    /// One step whose hidden layers have these flat and dead shares, at loss `loss`.
    fn record(flat: Option<f64>, dead: Option<f64>, loss: f64) -> VecDeque<StepRecord> {
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
            loss,
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

    fn task(activation: Activation) -> Task {
        Task {
            chance: 2f64.ln(),
            depth: 2,
            activation,
            optimizer: OptimizerKind::Sgd,
            lr: 0.1,
        }
    }

    #[test]
    fn dead_is_said_of_relu_only_and_saturated_of_sigmoid_and_tanh_only() {
        let level =
            |act, flat, dead| diagnose(&record(flat, dead, 0.6), Metric::GradNorm, &task(act));
        let d = level(Activation::Relu, Some(0.9), Some(0.75));
        assert_eq!(d.level, Level::Dead, "{}", d.text);
        assert!(d.text.contains("75%"), "{}", d.text);
        // Relu's flat share alone (half its values are negative at init) is not death.
        assert_eq!(
            level(Activation::Relu, Some(0.9), Some(0.1)).level,
            Level::Learning
        );
        for act in [Activation::Sigmoid, Activation::Tanh] {
            let d = level(act, Some(0.8), None);
            assert_eq!(d.level, Level::Saturated, "{act:?}");
            assert!(d.text.contains("80%"), "{}", d.text);
        }
        // A large flat share of leaky_relu, elu, gelu or selu is neither dead nor saturated,
        // even with a dead share in the record.
        for act in [
            Activation::LeakyRelu,
            Activation::Elu,
            Activation::Gelu,
            Activation::Selu,
        ] {
            let d = level(act, Some(0.95), Some(0.9));
            assert_eq!(d.level, Level::Learning, "{act:?}: {}", d.text);
        }
    }

    #[test]
    fn a_converged_run_is_learned_whatever_its_saturation() {
        let d = diagnose(
            &record(Some(0.87), None, 1e-4),
            Metric::GradNorm,
            &task(Activation::Tanh),
        );
        assert_eq!(d.level, Level::Learned, "{}", d.text);
    }

    #[test]
    fn level_names_are_their_json() {
        for l in Level::ALL {
            assert_eq!(
                serde_json::to_value(l).unwrap_or_default(),
                serde_json::json!(l.name())
            );
        }
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(4.2e14), "4e14");
        assert_eq!(short(2.1e-9), "2e-9");
        assert_eq!(short(0.314), "0.31");
        assert_eq!(short(f64::NAN), "NaN");
        assert_eq!(short(0.0), "0");
    }
}
