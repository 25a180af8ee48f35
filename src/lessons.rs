//! Lessons: a named setup (URL-style settings over the defaults, read through the same
//! path as a link), the views to watch, what to watch and the one control to try next, and
//! a claim with numbers. The claim's numbers are written once, here: the sentence the page
//! shows is formatted from them ([`Claim::text`]), and `tests/lessons.rs` (natively) and
//! `tests/e2e/lessons.test.mjs` (on the page) check them at the lesson's seed.
//!
//! A claim is `measure(record at step) < value` or `> value`, where the measure is one
//! number of the step records (or of the optimizer's state) described in [`Measure`].

use serde_json::{json, Value};

use crate::config::schema::number_text;
use crate::config::Config;
use crate::engine::session::{Run, StepRecord};
use crate::view::url;
use crate::view::{View, ViewSettings};

/// One lesson.
#[derive(Clone, Copy, Debug)]
pub struct Lesson {
    /// The name in `lesson=NAME` and the menu's value.
    pub name: &'static str,
    /// The menu's title.
    pub title: &'static str,
    /// URL parameters over the defaults (`depth=10&activation=sigmoid`), applied as a link's.
    pub settings: &'static str,
    /// The views the lesson is about, most important first.
    pub views: &'static [View],
    /// What to watch (one or two sentences).
    pub watch: &'static str,
    /// The one control to try next (one sentence).
    pub try_next: &'static str,
    /// The try-next change as URL parameters over the lesson's (`lesson=NAME&` + these on
    /// a link) and the claims that then hold, where the try-next sentence promises a result:
    /// `tests/lessons.rs` applies the change and checks it.
    pub tried: Option<(&'static str, &'static [Claim])>,
    pub claim: Claim,
    /// Where the idea comes from, if from a paper.
    pub source: &'static str,
}

/// A number about the run at one step, bounded above or below.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Claim {
    pub measure: Measure,
    /// The step whose record is measured (counted from 0, as the records are).
    pub step: u64,
    pub bound: Bound,
    pub value: f64,
}

/// Which side of the claim's value the measure lies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    Below,
    Above,
}

/// What a claim measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Measure {
    /// `||dL/dW_1|| / ||dL/dW_D||`: the first hidden layer's weight-gradient norm over the
    /// last hidden layer's (`D` = depth).
    GradRatio,
    /// The loss on the test split, evaluated at the step (a multiple of `eval_every`).
    TestLoss,
    /// The first hidden layer's mean effective learning rate at the step over its value
    /// at step `from`.
    LrFall { from: u64 },
    /// The largest share of dead units (relu units with zero slope for the whole batch)
    /// over the hidden layers.
    DeadShare,
    /// The first step whose loss or gradient is not finite (the claim's step is where
    /// the test looks; a run that has not diverged by then measures `step + 1`).
    DivergedAt,
    /// The first layer's effective learning rate of the rarest input feature over that of
    /// the most frequent one ([`Run::input_feature_lr`], last over first).
    FeatureLrRatio,
}

impl Measure {
    /// The measure's name, as the page's API and the end-to-end test spell it.
    pub fn name(self) -> &'static str {
        match self {
            Measure::GradRatio => "grad_ratio",
            Measure::TestLoss => "test_loss",
            Measure::LrFall { .. } => "lr_fall",
            Measure::DeadShare => "dead_share",
            Measure::DivergedAt => "diverged_at",
            Measure::FeatureLrRatio => "feature_lr_ratio",
        }
    }

    /// The measure's value in the record of the claim's step (`from`: the record of
    /// [`Measure::LrFall`]'s earlier step). `NaN` where the record lacks it.
    pub fn of(self, record: &StepRecord, from: Option<&StepRecord>, depth: usize) -> f64 {
        let layer = |r: &StepRecord, l: usize| r.layers.get(l).cloned();
        match self {
            Measure::GradRatio => {
                match (layer(record, 0), layer(record, depth.saturating_sub(1))) {
                    (Some(a), Some(b)) => a.grad_norm / b.grad_norm,
                    _ => f64::NAN,
                }
            }
            Measure::TestLoss => record.test_loss.unwrap_or(f64::NAN),
            Measure::LrFall { .. } => match (layer(record, 0), from.and_then(|f| layer(f, 0))) {
                (Some(now), Some(then)) => now.eff_lr_mean / then.eff_lr_mean,
                _ => f64::NAN,
            },
            Measure::DeadShare => record.layers[..depth.min(record.layers.len())]
                .iter()
                .map(|l| l.dead_share.unwrap_or(0.0))
                .fold(0.0, f64::max),
            Measure::DivergedAt | Measure::FeatureLrRatio => f64::NAN,
        }
    }
}

impl Claim {
    /// Whether `measured` satisfies the claim.
    pub fn holds(&self, measured: f64) -> bool {
        match self.bound {
            Bound::Below => measured < self.value,
            Bound::Above => measured > self.value,
        }
    }

    /// The claim in words, from its numbers and the lesson's network depth.
    pub fn text(&self, depth: usize) -> String {
        let (than, v, step) = (
            match self.bound {
                Bound::Below => "less than",
                Bound::Above => "more than",
            },
            number_text(self.value),
            self.step,
        );
        match self.measure {
            Measure::GradRatio => match self.bound {
                Bound::Below => format!(
                    "At step {step}, layer 1 receives {than} {v} of layer {depth}'s weight gradient."
                ),
                Bound::Above => format!(
                    "At step {step}, layer 1's weight gradient is {than} {v} times layer {depth}'s."
                ),
            },
            Measure::TestLoss => format!("At step {step}, the test loss is {than} {v}."),
            Measure::LrFall { from } => format!(
                "Layer 1's mean effective learning rate at step {step} is {than} {v} {} its value at step {from}.",
                match self.bound {
                    Bound::Below => "of",
                    Bound::Above => "times",
                }
            ),
            Measure::DeadShare => format!(
                "At step {step}, a hidden layer has {than} {}% of its units dead.",
                number_text(self.value * 100.0)
            ),
            Measure::DivergedAt => match self.bound {
                Bound::Below => format!("The loss becomes NaN or infinite before step {v}."),
                Bound::Above => format!("The run stays finite past step {v}."),
            },
            Measure::FeatureLrRatio => format!(
                "At step {step}, layer 1's learning rate for the rarest feature is {than} {v} times that for the most frequent one."
            ),
        }
    }

    /// Trains `run` (fresh, at step 0) up to the claim's step and measures the claim
    /// there. The page's test measures the same from `inspect()`.
    pub fn measure(&self, run: &mut Run) -> f64 {
        let depth = run.arch().depth;
        let mut from = None;
        if let Measure::LrFall { from: f } = self.measure {
            run.step(f + 1);
            from = run.history().back().cloned();
        }
        let left = (self.step + 1).saturating_sub(run.steps());
        run.step(left);
        match self.measure {
            Measure::DivergedAt => run
                .diverged_at()
                .map_or((self.step + 1) as f64, |s| s as f64),
            Measure::FeatureLrRatio => {
                let rates = run.input_feature_lr();
                match (rates.first(), rates.last()) {
                    (Some(a), Some(b)) => b / a,
                    _ => f64::NAN,
                }
            }
            m => run
                .history()
                .iter()
                .rev()
                .find(|r| r.step == self.step)
                .map_or(f64::NAN, |r| m.of(r, from.as_ref(), depth)),
        }
    }
}

impl Lesson {
    /// The config and view settings the lesson sets up, with any messages its settings
    /// raised (none for a correct lesson: a test checks).
    pub fn applied(&self) -> url::Applied {
        url::read(self.settings)
    }

    pub fn config(&self) -> Config {
        self.applied().config
    }

    pub fn view(&self) -> ViewSettings {
        self.applied().view
    }

    /// Everything the page shows of the lesson, and the claim's numbers for tests (`tried`:
    /// the try-next change's settings and its claim's numbers, or null).
    pub fn to_json(&self) -> Value {
        let depth = self.config().network.depth;
        let tried = self.tried.map(|(settings, claims)| {
            let depth =
                crate::view::page::Page::from_query(&format!("?lesson={}&{settings}", self.name))
                    .run()
                    .config()
                    .network
                    .depth;
            json!({
                "settings": settings,
                "checks": claims.iter().map(|c| c.check(depth)).collect::<Vec<_>>(),
                "claims": claims.iter().map(|c| c.text(depth)).collect::<Vec<_>>(),
            })
        });
        json!({
            "name": self.name,
            "title": self.title,
            "settings": self.settings,
            "views": self.views.iter().map(|v| v.name()).collect::<Vec<_>>(),
            "watch": self.watch,
            "try_next": self.try_next,
            "claim": self.claim.text(depth),
            "source": self.source,
            "check": self.claim.check(depth),
            "tried": tried,
        })
    }
}

impl Claim {
    /// The claim's numbers for the page's test (`depth`: the network's).
    pub fn check(&self, depth: usize) -> Value {
        let (from, measure) = match self.measure {
            Measure::LrFall { from } => (Some(from), self.measure.name()),
            m => (None, m.name()),
        };
        json!({
            "measure": measure,
            "step": self.step,
            "from": from,
            "bound": match self.bound { Bound::Below => "below", Bound::Above => "above" },
            "value": self.value,
            "depth": depth,
        })
    }
}

/// The lesson named `name`.
pub fn find(name: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.name == name)
}

/// Every lesson as JSON, in menu order.
pub fn to_json() -> Value {
    Value::Array(LESSONS.iter().map(Lesson::to_json).collect())
}

/// The README's list of lessons (between its `<!-- lessons:start -->` and
/// `<!-- lessons:end -->` markers): name, title and the claim a test checks.
pub fn markdown() -> String {
    let mut s = String::from(
        "| `lesson=` | lesson | its claim (checked by the tests) |\n| --- | --- | --- |\n",
    );
    for l in LESSONS {
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            l.name,
            l.title,
            l.claim.text(l.config().network.depth)
        ));
    }
    s
}

/// A student's message for a lesson name that does not exist.
pub fn unknown(name: &str) -> String {
    format!(
        "There is no lesson called '{}'. The lessons are: {}.",
        crate::config::schema::excerpt(name),
        LESSONS
            .iter()
            .map(|l| l.name)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

use View::{Activations, Data, Flow, Heatmap, Loss, Lr};

const fn claim(measure: Measure, step: u64, bound: Bound, value: f64) -> Claim {
    Claim {
        measure,
        step,
        bound,
        value,
    }
}

use Bound::{Above, Below};
use Measure::{DeadShare, DivergedAt, FeatureLrRatio, GradRatio, LrFall, TestLoss};

/// Every lesson, in the menu's order: the problems first, then each fix on a network that
/// needed it, then what the papers found.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        name: "vanishing-sigmoid",
        title: "Vanishing gradients with sigmoid",
        settings: "depth=10&activation=sigmoid",
        views: &[Heatmap, Flow, Loss],
        watch: "Press Play and watch the heatmap: the bottom row, layer 1, stays dark. The sigmoid's slope is at most 0.25, so every layer shrinks the gradient on its way to the input, and the loss hardly moves.",
        try_next: "Try next: switch the activation to tanh, and the loss falls.",
        tried: Some(("activation=tanh", &[claim(TestLoss, 1000, Below, 0.1)])),
        claim: claim(GradRatio, 200, Below, 1e-5),
        source: "",
    },
    Lesson {
        name: "exploding-init",
        title: "Exploding gradients from a large init",
        settings: "depth=10&activation=leaky_relu&init=normal&std=2",
        views: &[Flow, Loss],
        watch: "Weights drawn with standard deviation 2 make every leaky_relu layer multiply the signal several times over: press Step once and the banner says Exploding (a gradient norm over 1000 at step 0); the next steps overflow and the loss is NaN from step 2.",
        try_next: "Try next: set the weight init to he_normal (standard deviation sqrt(2/fan_in), made for relu-like units): the gradient stays small and the loss falls.",
        tried: Some(("init=he_normal", &[claim(TestLoss, 1000, Below, 0.1)])),
        claim: claim(DivergedAt, 10, Below, 5.0),
        source: "He et al. 2015",
    },
    Lesson {
        name: "adagrad-decay",
        title: "Adagrad's learning rate dies",
        settings: "optimizer=adagrad",
        views: &[Lr, Loss],
        watch: "Adagrad divides the learning rate by the root of every squared gradient so far, a sum that only grows: in the learning-rate view its rate only falls.",
        try_next: "Try next: choose rmsprop, whose running average forgets old gradients, then press 'Use 0.01, gradscope's starting lr for rmsprop' (it keeps adagrad's 0.1 otherwise, too large for rmsprop): its rate does not fall, and the loss still falls.",
        tried: Some((
            "optimizer=rmsprop&lr=0.01",
            &[claim(LrFall { from: 100 }, 2000, Above, 1.0), claim(TestLoss, 2000, Below, 0.01)],
        )),
        claim: claim(LrFall { from: 100 }, 2000, Below, 0.5),
        source: "Duchi et al. 2011; Zeiler 2012 (Adadelta)",
    },
    Lesson {
        name: "fix-init",
        title: "Fix 1: a better init",
        settings: "depth=20&init=orthogonal",
        views: &[Loss, Heatmap],
        watch: "With the standard init this 20-layer tanh network stays at chance; orthogonal weights keep each layer's signal the same size, so the gradient reaches layer 1 and the loss falls.",
        try_next: "Try next: set the init back to standard: the test loss stays near 0.7, a constant guess's.",
        tried: Some(("init=standard", &[claim(TestLoss, 1000, Above, 0.6)])),
        claim: claim(TestLoss, 1000, Below, 0.3),
        source: "Saxe et al. 2014",
    },
    Lesson {
        name: "fix-activation",
        title: "Fix 2: another activation",
        settings: "depth=10&activation=tanh",
        views: &[Loss, Heatmap],
        watch: "The same 10 layers as the sigmoid lesson, with tanh: its slope is 1 at 0 instead of 0.25, so the gradient survives the trip down and the loss falls.",
        try_next: "Try next: switch back to sigmoid and watch the bottom row of the heatmap, layer 1, go dark.",
        tried: Some(("activation=sigmoid", &[claim(GradRatio, 200, Below, 1e-5)])),
        claim: claim(TestLoss, 1000, Below, 0.1),
        source: "",
    },
    Lesson {
        name: "fix-batchnorm",
        title: "Fix 3: batch normalization",
        settings: "depth=10&activation=sigmoid&bn=1",
        views: &[Loss, Activations, Heatmap],
        watch: "The vanishing sigmoid network with batch normalization: each layer's inputs are re-centred and re-scaled, so the sigmoids work near their steep middle and the gradient reaches layer 1.",
        try_next: "Try next: turn batch normalization off and see the loss stall near 0.7.",
        tried: Some(("bn=0", &[claim(TestLoss, 500, Above, 0.6)])),
        claim: claim(TestLoss, 500, Below, 0.35),
        source: "Ioffe & Szegedy 2015",
    },
    Lesson {
        name: "fix-clipping",
        title: "Fix 4: gradient clipping",
        settings: "depth=10&activation=leaky_relu&init=normal&std=2&clip=norm&threshold=1",
        views: &[Flow, Loss],
        watch: "The exploding network, with the whole gradient rescaled whenever its norm passes 1: in the flow view each layer's clipped norm sits below its raw one on such steps, and the steps stay small enough to learn.",
        try_next: "Try next: set clipping to none and watch the loss turn to NaN within a few steps.",
        tried: Some(("clip=none", &[claim(DivergedAt, 10, Below, 5.0)])),
        claim: claim(TestLoss, 1000, Below, 0.1),
        source: "Pascanu et al. 2013",
    },
    Lesson {
        name: "fix-skips",
        title: "Fix 5: skip connections with a scaled branch",
        settings: "depth=20&init=standard&skip=1&residual_scale=0.22",
        views: &[Loss, Heatmap, Flow],
        watch: "A 20-layer tanh network whose standard init leaves it stuck: with skip connections each layer adds a small (scale 0.22, about 1/sqrt(20)) change to its input, so the gradient has a short path to every layer.",
        try_next: "Try next: turn skip connections off: the test loss stays near 0.7.",
        tried: Some(("skip=0", &[claim(TestLoss, 1000, Above, 0.6)])),
        claim: claim(TestLoss, 1000, Below, 0.1),
        source: "He et al. 2016",
    },
    Lesson {
        name: "fix-optimizer",
        title: "Fix 6: another optimizer",
        settings: "depth=10&init=standard&optimizer=momentum",
        views: &[Loss, Heatmap],
        watch: "With plain SGD this 10-layer tanh network with the standard init stays at chance. Momentum adds up the steps that keep pointing the same way, so small but steady gradients still move the weights.",
        try_next: "Try next: switch the optimizer back to sgd and watch the loss stay near 0.7.",
        tried: Some(("optimizer=sgd&lr=0.05", &[claim(TestLoss, 1000, Above, 0.65)])),
        claim: claim(TestLoss, 1000, Below, 0.55),
        source: "Polyak 1964; Sutskever et al. 2013",
    },
    Lesson {
        name: "batchnorm-explodes",
        title: "Batch norm without skips explodes at initialization",
        settings: "depth=30&width=32&activation=relu&init=he_normal&bn=1",
        views: &[Flow, Heatmap],
        watch: "Batch normalization keeps the forward signal tidy, yet at step 0 the gradient grows layer by layer on its way down: press Step once and look at the gradient-flow view.",
        try_next: "Try next: turn on skip connections: layer 1's gradient at step 0 drops from about 400 to about 4 times layer 30's.",
        tried: Some(("skip=1", &[claim(GradRatio, 0, Below, 100.0)])),
        claim: claim(GradRatio, 0, Above, 100.0),
        source: "Yang et al. 2019, A mean field theory of batch normalization",
    },
    Lesson {
        name: "narrow-relu-dies",
        title: "A deep, narrow relu network dies",
        settings: "depth=30&width=4&activation=relu&init=he_normal",
        views: &[Activations, Heatmap, Loss],
        watch: "With only 4 units per layer, some layer has every relu unit off for every input from the very start (the activations view: a bar at 0 only): nothing passes forward or back, and the network outputs a constant.",
        try_next: "Try next: make it wider (width 64): no layer is entirely dead at step 0 any more, and the loss falls.",
        tried: Some(("width=64", &[claim(TestLoss, 1000, Below, 0.1)])),
        claim: claim(DeadShare, 0, Above, 0.99),
        source: "Hanin 2018; Lu et al. 2019",
    },
    Lesson {
        name: "skips-explode",
        title: "Plain skip connections explode with relu",
        settings: "depth=20&activation=relu&init=he_normal&skip=1",
        views: &[Flow, Heatmap, Loss],
        watch: "Each skip layer adds a full-sized relu branch to its input, so the signal's variance doubles at every layer: after 20 layers the first step is enormous and the run turns to NaN.",
        try_next: "Try next: lower the residual branch scale to 0.22 (about 1/sqrt(20)): the run stays finite and learns.",
        tried: Some(("residual_scale=0.22", &[claim(TestLoss, 500, Below, 0.1)])),
        claim: claim(DivergedAt, 10, Below, 10.0),
        source: "Hanin & Rolnick 2018",
    },
    Lesson {
        name: "skips-scaled",
        title: "A scaled branch tames the skips",
        settings: "depth=20&activation=relu&init=he_normal&skip=1&residual_scale=0.22",
        views: &[Loss, Flow],
        watch: "The exploding skip network with each branch scaled by 0.22: the signal now grows only by a constant factor over all 20 layers, and the run learns.",
        try_next: "Try next: set the scale back to 1 and watch the run turn to NaN.",
        tried: Some(("residual_scale=1", &[claim(DivergedAt, 10, Below, 10.0)])),
        claim: claim(TestLoss, 500, Below, 0.1),
        source: "Hanin & Rolnick 2018; Zhang et al. 2019 (Fixup)",
    },
    Lesson {
        name: "skips-batchnorm",
        title: "Batch norm tames the skips too",
        settings: "depth=20&activation=relu&init=he_normal&skip=1&bn=1",
        views: &[Loss, Flow],
        watch: "The exploding skip network with batch normalization in every layer: each branch is normalized before it is added, so the sum grows only slowly and the run learns.",
        try_next: "Try next: turn batch normalization off and watch the run turn to NaN.",
        tried: Some(("bn=0", &[claim(DivergedAt, 10, Below, 10.0)])),
        claim: claim(TestLoss, 500, Below, 0.2),
        source: "He et al. 2016",
    },
    Lesson {
        name: "adagrad-sparse",
        title: "Adagrad on sparse features",
        settings: "dataset=sparse&depth=2&optimizer=adagrad&lr_by=feature",
        views: &[Lr, Data, Loss],
        watch: "Feature 1 is on in about 80% of the rows, feature 16 in about 5% (the data view). Adagrad's sum of squared gradients grows only when a feature is on, so the rare features keep large learning rates: the learning-rate view shows one rate per input feature.",
        try_next: "Try next: switch the optimizer to sgd, where every feature gets the same rate.",
        tried: Some(("optimizer=sgd&lr=0.1", &[claim(FeatureLrRatio, 300, Below, 1.01)])),
        claim: claim(FeatureLrRatio, 300, Above, 4.0),
        source: "Duchi et al. 2011",
    },
];
