//! Advice that is measured, not guessed. When a run is in trouble, the [`Advisor`] trains
//! short counterfactual runs of the same seed and data, each with one change to the config
//! (an init suited to the activation, another activation, batch norm, skips with a scaled
//! branch, gradient clipping at a threshold chosen from the measured norms, another
//! optimizer or learning rate), compares each with the unchanged run of the same length on
//! the measure that trouble is about, and offers only the changes that measurably helped,
//! each with a sentence holding the numbers.
//!
//! The advisor is a resumable state machine: [`Advisor::step`] trains at most a given
//! number of steps and returns, so the page can spend a fixed share of each frame on it
//! (natively it is one loop, [`Advisor::finish`]). It runs the unchanged config first (the
//! *baseline*); the baseline's own diagnosis after the same number of steps decides the
//! trouble and so the claim (docs/diagnosis.md):
//!
//! | trouble | claim | helped when (besides a finite run, not exploding) |
//! | --- | --- | --- |
//! | vanishing | first/last gradient ratio `r` | `r` no longer vanishing and at least [`Helped::factor`] times the baseline's; loss lower |
//! | exploding (gradient) | raw gradient norm `g` at the last step | `g` no longer exploding and at most the baseline's / [`Helped::factor`]; loss lower |
//! | exploding (loss), stuck, learning rate died | loss | at most [`Helped::loss_share`] of the baseline's |
//! | diverged | the first non-finite step | none in the whole run, and the loss under the diagnosis's chance share of chance |
//! | dead, saturated | the largest dead or saturated share of a hidden layer | under the diagnosis's share and [`Helped::share_drop`] below the baseline's; loss lower |
//!
//! "Loss lower" is at most [`Helped::loss_share`] of the baseline's mean minibatch loss over
//! the diagnosis window.

use serde::Serialize;
use serde_json::{json, Value};

use crate::config::Config;
use crate::engine::activation::Activation;
use crate::engine::clip::ClipKind;
use crate::engine::init::Init;
use crate::engine::optim::OptimizerKind;
use crate::run::ConfiguredRun;
use crate::view::diagnosis::{short, Level, Measures, Task, THRESHOLDS};
use crate::view::Metric;

/// What counts as having helped (one table; see the module's documentation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Helped {
    /// A counterfactual's loss at most this share of the baseline's.
    pub loss_share: f64,
    /// A gradient ratio or norm improved at least this many times.
    pub factor: f64,
    /// A dead or saturated share at least this much (absolute) below the baseline's.
    pub share_drop: f64,
    /// Counterfactual runs are as long as the run on the page, but at least this long...
    pub min_steps: u64,
    /// ...and at most this long.
    pub max_steps: u64,
    /// Offers shown, best loss first.
    pub max_offers: usize,
    /// Advice is sought only for runs whose step costs at most this many parameter-samples
    /// (parameters times batch size; about 3 ms per step in the browser), so the trial runs
    /// finish in seconds and a frame never waits long for one step...
    pub max_step_work: u64,
    /// ...and that need at most this many bytes (a trial run holds as much as the run).
    pub max_memory: u64,
}

/// The advice's rules.
pub const HELPED: Helped = Helped {
    loss_share: 0.9,
    factor: 10.0,
    share_drop: 0.1,
    min_steps: 300,
    max_steps: 1000,
    max_offers: 3,
    max_step_work: 3_000_000,
    max_memory: 64 << 20,
};

/// Whether advice may be sought for `config`: its step and memory within
/// [`Helped::max_step_work`] and [`Helped::max_memory`].
pub fn affordable(config: &Config) -> bool {
    let spec = config.spec();
    let params: u64 = spec
        .arch
        .layout()
        .iter()
        .map(|l| l.range().len() as u64)
        .sum();
    params.saturating_mul(spec.batch_size as u64) <= HELPED.max_step_work
        && spec.memory_bytes(config.precision, HELPED.max_steps as usize) <= HELPED.max_memory
}

/// The measure a trouble is judged by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    /// First/last hidden layer gradient ratio (higher is better).
    Ratio,
    /// Raw global gradient norm (lower is better).
    Norm,
    /// No non-finite step.
    Finite,
    /// Largest dead share of a hidden layer (lower is better).
    Dead,
    /// Largest saturated share of a hidden layer (lower is better).
    Saturated,
    /// Mean minibatch loss (lower is better).
    Loss,
}

impl Claim {
    /// The claim for a baseline in `trouble` with measures `m`.
    pub fn of(trouble: Level, m: &Measures, task: &Task) -> Option<Claim> {
        Some(match trouble {
            Level::Vanishing => Claim::Ratio,
            Level::Exploding if m.grad_norm > THRESHOLDS.exploding_norm * task.chance => {
                Claim::Norm
            }
            Level::Exploding | Level::Stuck | Level::LrDied => Claim::Loss,
            Level::Diverged => Claim::Finite,
            Level::Dead => Claim::Dead,
            Level::Saturated => Claim::Saturated,
            Level::Idle | Level::Learning | Level::Learned => return None,
        })
    }

    /// The claimed measure's value in `m` (for [`Claim::Finite`], the first non-finite step,
    /// or infinity for none).
    pub fn value(self, m: &Measures) -> f64 {
        match self {
            Claim::Ratio => m.ratio,
            Claim::Norm => m.grad_norm,
            Claim::Finite => m.non_finite_at.map_or(f64::INFINITY, |s| s as f64),
            Claim::Dead => m.dead.0,
            Claim::Saturated => m.saturated.0,
            Claim::Loss => m.loss,
        }
    }

    /// Whether a counterfactual with measures `cf` helped against the baseline `base`.
    pub fn helped(self, cf: &Measures, base: &Measures, task: &Task) -> bool {
        let t = THRESHOLDS;
        let h = HELPED;
        let finite = cf.non_finite_at.is_none() && cf.loss.is_finite();
        // The changed run must itself be out of trouble by the diagnosis's own table:
        // a change that only trades one trouble for another (stuck at chance after a
        // divergence, dead units instead of vanishing gradients) teaches a wrong lesson.
        if !finite || cf.level(task).is_trouble() {
            return false;
        }
        let lower_loss = !base.loss.is_finite() || cf.loss <= h.loss_share * base.loss;
        let better = match self {
            Claim::Ratio => cf.ratio >= t.vanishing_ratio && cf.ratio >= h.factor * base.ratio,
            Claim::Norm => {
                cf.grad_norm <= t.exploding_norm * task.chance
                    && (!base.grad_norm.is_finite() || cf.grad_norm * h.factor <= base.grad_norm)
            }
            Claim::Finite => cf.loss < t.chance_share * task.chance,
            Claim::Dead => cf.dead.0 <= t.dead_share && cf.dead.0 <= base.dead.0 - h.share_drop,
            Claim::Saturated => {
                cf.saturated.0 <= t.saturated_share
                    && cf.saturated.0 <= base.saturated.0 - h.share_drop
            }
            Claim::Loss => true,
        };
        better && lower_loss
    }
}

/// One change to try: a short name and the partial config that makes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// What the change is, for a sentence ("batch norm", "he_normal init").
    pub label: String,
    /// The partial config (as `setConfig` takes it).
    pub patch: Value,
}

/// A change that helped, with the sentence that says by how much.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Offer {
    pub label: String,
    pub patch: Value,
    pub text: String,
    pub claim: Claim,
    /// The claimed measure with the change and without it.
    pub value: f64,
    pub baseline: f64,
    /// The loss with the change and without it.
    pub loss: f64,
    pub baseline_loss: f64,
    /// The length of both runs.
    pub steps: u64,
}

/// The init suited to an activation: Glorot for sigmoid, tanh and linear (unit slope at
/// 0), He for the relu family (half the units pass), LeCun normal for selu.
pub fn suited_init(a: Activation) -> Init {
    match a {
        Activation::Sigmoid | Activation::Tanh | Activation::Linear => Init::XavierNormal,
        Activation::Relu | Activation::LeakyRelu | Activation::Elu | Activation::Gelu => {
            Init::HeNormal
        }
        Activation::Selu => Init::LecunNormal,
    }
}

/// `v` to two significant digits.
fn round2(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let p = 10f64.powi(1 - v.abs().log10().floor() as i32);
    (v * p).round() / p
}

/// The clipping threshold chosen from a run's measured global gradient norms: the power of
/// ten at or below their median, at most 1 (the order of a well-scaled network's gradient)
/// and at least 1e-3; 1 if no norm was finite.
pub fn clip_threshold(norms: &[f64]) -> f64 {
    let mut finite: Vec<f64> = norms
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    if finite.is_empty() {
        return 1.0;
    }
    finite.sort_by(f64::total_cmp);
    let median = finite[finite.len() / 2];
    10f64.powf(median.log10().floor()).clamp(1e-3, 1.0)
}

/// The one-change candidates for `c` in `trouble`, given the baseline's global gradient
/// norms. Each is valid for the config (checked when run; invalid ones are skipped).
pub fn candidates(c: &Config, trouble: Level, norms: &[f64]) -> Vec<Change> {
    let n = &c.network;
    let mut out = Vec::new();
    let mut add = |label: String, patch: Value| out.push(Change { label, patch });
    let suited = suited_init(n.activation);
    let suited_name = serde_json::to_value(suited)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    if n.init != suited || n.init_gain != 1.0 {
        add(
            format!("{suited_name} init"),
            json!({"network": {"init": suited_name, "init_gain": 1.0}}),
        );
    }
    let others: &[Activation] = match n.activation {
        Activation::Sigmoid => &[Activation::Tanh],
        Activation::Relu => &[Activation::LeakyRelu, Activation::Tanh],
        Activation::Tanh => &[Activation::LeakyRelu],
        _ => &[Activation::Tanh],
    };
    for a in others {
        add(
            format!("{} activation", a.name()),
            json!({"network": {"activation": a.name()}}),
        );
    }
    if !n.batch_norm {
        add(
            "batch norm".into(),
            json!({"network": {"batch_norm": true}}),
        );
    }
    if n.depth >= 2 {
        let scale = round2(1.0 / (n.depth as f64).sqrt());
        if !n.skip_connections {
            add(
                format!("skip connections with branch scale {scale}"),
                json!({"network": {"skip_connections": true, "residual_scale": scale}}),
            );
        } else if n.residual_scale > scale {
            add(
                format!("branch scale {scale}"),
                json!({"network": {"residual_scale": scale}}),
            );
        }
    }
    let default_lr = crate::config::schema::default_lr(c.optimizer.kind);
    let lr = c.optimizer.lr.or(default_lr).unwrap_or(0.1);
    if matches!(trouble, Level::Exploding | Level::Diverged) {
        let t = clip_threshold(norms);
        if c.clip.kind != ClipKind::Norm || c.clip.threshold > t {
            add(
                format!("clipping the gradient norm at {t}"),
                json!({"clip": {"kind": "norm", "threshold": t}}),
            );
        }
        let smaller = round2(lr / 10.0);
        if smaller >= 1e-8 {
            add(
                format!("learning rate {smaller}"),
                json!({"optimizer": {"lr": smaller}}),
            );
        }
    }
    let kind = c.optimizer.kind;
    // The optimizer's own default rate, where the run uses another one (and the tenfold
    // smaller rate above is not already it).
    if let Some(default) = default_lr {
        let tried =
            matches!(trouble, Level::Exploding | Level::Diverged) && round2(lr / 10.0) == default;
        if (lr - default).abs() > 1e-12 * default && !tried {
            add(
                format!("{}'s default learning rate {default}", kind.name()),
                json!({"optimizer": {"lr": default}}),
            );
        }
    }
    if trouble == Level::LrDied || kind == OptimizerKind::Adagrad {
        add(
            "RMSprop at lr 0.01".into(),
            json!({"optimizer": {"kind": "rmsprop", "lr": 0.01}}),
        );
    }
    if kind != OptimizerKind::Adam {
        add(
            "Adam at lr 0.01".into(),
            json!({"optimizer": {"kind": "adam", "lr": 0.01}}),
        );
    }
    out
}

/// A finished run's measures and diagnosis.
#[derive(Clone, Copy, Debug)]
struct Outcome {
    measures: Measures,
}

/// Where the advisor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Still training counterfactual runs.
    Running,
    /// Every run is done.
    Done,
}

/// Measured advice for one config, computed a few steps at a time.
pub struct Advisor {
    base: Config,
    metric: Metric,
    task: Task,
    /// Length of every run.
    steps: u64,
    /// The baseline's trouble (known once it has run).
    trouble: Option<Level>,
    claim: Option<Claim>,
    baseline: Option<Outcome>,
    /// The baseline's global gradient norms, step by step.
    norms: Vec<f64>,
    changes: Vec<Change>,
    /// One outcome per change (`None`: invalid config for that change).
    outcomes: Vec<Option<Outcome>>,
    /// The run in progress: the baseline (while `baseline` is `None`) or change
    /// `outcomes.len()`.
    current: Option<ConfiguredRun>,
    /// Steps trained so far over all runs.
    trained: u64,
    /// The page's banner when the advice was sought: its state and step.
    banner: Option<(Level, u64)>,
}

impl Advisor {
    /// An advisor for `config`, measuring the gradient ratio by `metric`, with runs of
    /// `steps` steps (clamped to [`Helped::min_steps`]..=[`Helped::max_steps`]).
    pub fn new(config: &Config, metric: Metric, steps: u64) -> Advisor {
        let run = ConfiguredRun::new(config.clone(), HELPED.max_steps as usize);
        Advisor {
            base: config.clone(),
            metric,
            task: Task::of(&run),
            steps: steps.clamp(HELPED.min_steps, HELPED.max_steps),
            trouble: None,
            claim: None,
            baseline: None,
            norms: Vec::new(),
            changes: Vec::new(),
            outcomes: Vec::new(),
            current: Some(run),
            trained: 0,
            banner: None,
        }
    }

    /// The same advisor, told what the page's banner says (`level` at step `step`), so its
    /// summary can agree with the banner or say why the trial ends elsewhere.
    pub fn with_banner(mut self, level: Level, step: u64) -> Advisor {
        self.banner = Some((level, step));
        self
    }

    /// The config advised on.
    pub fn config(&self) -> &Config {
        &self.base
    }

    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// Length of each run.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The baseline's state after [`Advisor::steps`] steps, once known.
    pub fn trouble(&self) -> Option<Level> {
        self.trouble
    }

    pub fn status(&self) -> Status {
        if self.current.is_none() {
            Status::Done
        } else {
            Status::Running
        }
    }

    /// Share of the work done, 0 to 1 (the baseline counts as one run; the number of
    /// changes is known after it).
    pub fn progress(&self) -> f64 {
        let runs = 1 + if self.baseline.is_some() {
            self.changes.len()
        } else {
            6
        };
        if self.status() == Status::Done {
            1.0
        } else {
            (self.trained as f64 / (runs as u64 * self.steps) as f64).min(0.99)
        }
    }

    /// Trains at most `budget` steps of the runs still to do; returns the steps trained.
    pub fn step(&mut self, budget: u64) -> u64 {
        let mut used = 0;
        while used < budget {
            let Some(run) = self.current.as_mut() else {
                break;
            };
            let left = self.steps.saturating_sub(run.steps());
            let n = left.min(budget - used);
            let taken = if self.baseline.is_none() {
                // The baseline goes one step at a time: its norms choose a clip threshold.
                let mut taken = 0;
                while taken < n && run.step(1) == 1 {
                    taken += 1;
                    if let Some(r) = run.history().back() {
                        self.norms.push(r.grad_norm);
                    }
                }
                taken
            } else {
                run.step(n)
            };
            let over = taken < n || run.steps() >= self.steps;
            // A run that stopped early (diverged) counts as done in full.
            used += n;
            self.trained += if over { left } else { taken };
            if over {
                self.finish_current();
            }
        }
        used
    }

    /// Runs everything left (natively: one loop).
    pub fn finish(&mut self) {
        while self.status() == Status::Running {
            self.step(u64::MAX);
        }
    }

    /// Records the current run's outcome and starts the next run.
    fn finish_current(&mut self) {
        let Some(run) = self.current.take() else {
            return;
        };
        let measures = Measures::of(run.history(), self.metric, &self.task);
        if self.baseline.is_none() {
            let Some(m) = measures else {
                return;
            };
            let level = m.level(&self.task);
            self.trouble = Some(level);
            self.claim = Claim::of(level, &m, &self.task);
            self.baseline = Some(Outcome { measures: m });
            if self.claim.is_none() {
                return;
            }
            self.changes = candidates(&self.base, level, &self.norms);
        } else {
            self.outcomes
                .push(measures.map(|measures| Outcome { measures }));
        }
        self.start_next();
    }

    /// Starts the next change's run, skipping changes the config refuses.
    fn start_next(&mut self) {
        while self.outcomes.len() < self.changes.len() {
            let change = &self.changes[self.outcomes.len()];
            match self.base.merged(&change.patch) {
                Ok(c) => {
                    // Enough records for every measure the diagnosis takes (the verdict
                    // window too), so the trial is judged as the page would judge it.
                    let keep = THRESHOLDS.verdict_window.max(2 * THRESHOLDS.window + 30);
                    self.current = Some(ConfiguredRun::new(c, keep));
                    return;
                }
                Err(_) => self.outcomes.push(None),
            }
        }
    }

    /// The changes that helped, best loss first (at most [`Helped::max_offers`]); empty
    /// while running or when nothing helped.
    pub fn offers(&self) -> Vec<Offer> {
        let (Some(base), Some(claim)) = (self.baseline, self.claim) else {
            return Vec::new();
        };
        let b = base.measures;
        let mut offers: Vec<Offer> = self
            .changes
            .iter()
            .zip(&self.outcomes)
            .filter_map(|(change, outcome)| {
                let cf = outcome.as_ref()?.measures;
                claim.helped(&cf, &b, &self.task).then(|| Offer {
                    label: change.label.clone(),
                    patch: change.patch.clone(),
                    text: self.sentence(change, claim, &cf, &b),
                    claim,
                    value: claim.value(&cf),
                    baseline: claim.value(&b),
                    loss: cf.loss,
                    baseline_loss: b.loss,
                    steps: self.steps,
                })
            })
            .collect();
        offers.sort_by(|a, b| a.loss.total_cmp(&b.loss));
        offers.truncate(HELPED.max_offers);
        offers
    }

    /// "With batch norm, trained 300 steps from the start: layer 1 gets 0.8 of layer 30's
    /// weight gradient (the unchanged trial at step 300: 4e-9); loss 0.21 (unchanged:
    /// 0.69)." Both runs are the advisor's own trials, so the numbers are those at the
    /// trial's last step, not the page's current step.
    fn sentence(&self, change: &Change, claim: Claim, cf: &Measures, b: &Measures) -> String {
        let depth = self.task.depth;
        let steps = self.steps;
        let activation = self
            .base
            .merged(&change.patch)
            .map_or(self.task.activation, |c| c.network.activation);
        let measure = match claim {
            Claim::Ratio => format!(
                "layer 1 gets {} of layer {depth}'s {} (the unchanged trial at step {steps}: {}); ",
                short(cf.ratio),
                self.metric.noun(),
                short(b.ratio)
            ),
            Claim::Norm => format!(
                "gradient norm {} (the unchanged trial at step {steps}: {}); ",
                short(cf.grad_norm),
                short(b.grad_norm)
            ),
            Claim::Finite => format!(
                "no NaN or inf in {steps} steps (the unchanged trial: NaN or inf at step {}); ",
                b.non_finite_at.unwrap_or(0)
            ),
            Claim::Dead if !activation.can_die() => format!(
                "{} units cannot die (the unchanged trial at step {steps}: {}% of layer {}'s relu units dead); ",
                activation.name(),
                (b.dead.0 * 100.0).round(),
                b.dead.1 + 1
            ),
            Claim::Dead => format!(
                "{}% of a layer's units dead at most (the unchanged trial at step {steps}: {}% of layer {}); ",
                (cf.dead.0 * 100.0).round(),
                (b.dead.0 * 100.0).round(),
                b.dead.1 + 1
            ),
            Claim::Saturated if !activation.saturates() => format!(
                "{} units do not saturate (the unchanged trial at step {steps}: {}% of layer {} saturated); ",
                activation.name(),
                (b.saturated.0 * 100.0).round(),
                b.saturated.1 + 1
            ),
            Claim::Saturated => format!(
                "{}% of a layer saturated at most (the unchanged trial at step {steps}: {}% of layer {}); ",
                (cf.saturated.0 * 100.0).round(),
                (b.saturated.0 * 100.0).round(),
                b.saturated.1 + 1
            ),
            Claim::Loss => String::new(),
        };
        let without = if b.loss.is_finite() {
            format!(" (unchanged: {})", short(b.loss))
        } else {
            String::new()
        };
        format!(
            "With {}, trained {steps} steps from the start: {measure}loss {}{without}.",
            change.label,
            short(cf.loss)
        )
    }

    /// The line above the offers: what is being done, or what came of it.
    pub fn summary(&self) -> String {
        let steps = self.steps;
        let offers = self.offers().len();
        match (self.status(), self.trouble) {
            (Status::Running, _) => format!(
                "Asking the network: training one-change variants for {steps} steps each, same seed and data…"
            ),
            (Status::Done, Some(t)) if !t.is_trouble() => match (self.banner, self.baseline) {
                (Some((shown, at)), Some(b)) if shown.is_trouble() => format!(
                    "The banner's \"{}\" at step {at} does not last: the unchanged setup, trained {steps} steps from the start, is {} by then (loss {}; a constant guess scores {}), so no change is needed for that.",
                    shown.name().replace('_', " "),
                    t.name().replace('_', " "),
                    short(b.measures.loss),
                    short(self.task.chance)
                ),
                _ => format!(
                "In its first {steps} steps this setup is fine ({}), so the trial runs have nothing to fix: the trouble comes later.",
                    t.name().replace('_', " ")
                ),
            },
            (Status::Done, _) if offers == 0 => format!(
                "None of the {} one-change fixes tried helped within {steps} steps.",
                self.changes.len()
            ),
            (Status::Done, _) => format!(
                "Measured on {steps}-step runs from the start, same seed and data; one click applies one change and restarts:"
            ),
        }
    }

    /// What the page shows: `{status, summary, trouble, steps, progress, offers, tried}`.
    pub fn to_json(&self) -> Value {
        json!({
            "status": self.status(),
            "summary": self.summary(),
            "trouble": self.trouble,
            "steps": self.steps,
            "progress": self.progress(),
            "tried": self.changes.len(),
            "offers": self.offers(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_thresholds_come_from_the_norms() {
        assert_eq!(clip_threshold(&[3e4, 1e9, f64::NAN, 7e15]), 1.0);
        assert_eq!(clip_threshold(&[0.03, 0.05, 0.2]), 0.01);
        assert_eq!(clip_threshold(&[f64::NAN]), 1.0);
        assert_eq!(clip_threshold(&[1e-9]), 1e-3);
    }

    #[test]
    fn a_setup_fine_within_the_trial_gets_no_offer_and_says_why() {
        let c = Config::from_json("{}").unwrap_or_else(|e| panic!("{e}"));
        let mut a = Advisor::new(&c, Metric::GradNorm, 0);
        a.finish();
        assert_eq!(a.trouble(), Some(Level::Learning));
        assert!(a.offers().is_empty());
        assert!(
            a.summary().contains("is fine (learning)"),
            "{}",
            a.summary()
        );
    }

    #[test]
    fn two_digits() {
        assert_eq!(round2(1.0 / 30f64.sqrt()), 0.18);
        assert_eq!(round2(0.001234), 0.0012);
    }

    #[test]
    fn a_step_budget_is_kept_and_the_result_does_not_depend_on_it() {
        let c = Config::from_json(
            r#"{"network": {"depth": 12, "width": 8, "activation": "sigmoid", "init": "standard"}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut small = Advisor::new(&c, Metric::GradNorm, 0);
        let mut calls = 0;
        while small.status() == Status::Running {
            assert!(small.step(37) <= 37);
            calls += 1;
        }
        assert!(calls > 10, "{calls}");
        let mut whole = Advisor::new(&c, Metric::GradNorm, 0);
        whole.finish();
        assert_eq!(small.to_json(), whole.to_json());
    }
}
