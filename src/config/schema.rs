//! The one description of every setting: each config field and each view setting, once,
//! with its JSON path, URL name, label, kind, allowed values (which may depend on other
//! fields), default, slider, whether a change restarts the run, and help.
//!
//! Everything else derives from [`FIELDS`]: validation and its messages
//! ([`resolve`], used by [`super::Config::from_value`]), the CLI's `run --help` and
//! `gradscope fields`, the URL lessons and share links (`view::url`), the page's controls
//! (the wasm module exports [`to_json`] and [`states`]) and the README's field table
//! ([`markdown`]).
//!
//! The order of [`FIELDS`] matters: a field comes after the fields its options or default
//! depend on (the dataset before the loss, an optimizer's kind before its hyper-parameters,
//! the clipping kind before its threshold), and URL parameters apply in this order.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{err, merge_json, Config, ConfigError, Precision, MAX_DEPTH, MAX_SEED, MAX_WIDTH};
use crate::engine::activation::Activation;
use crate::engine::clip::ClipKind;
use crate::engine::data::{DatasetKind, SPARSE_FEATURES};
use crate::engine::init::Init;
use crate::engine::loss::Loss;
use crate::engine::optim::OptimizerKind;
use crate::view::{LrBy, Metric, ViewSettings};

/// One setting.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Dotted JSON path in its document (`network.depth`; `metric` for a view setting).
    pub path: &'static str,
    /// URL parameter name, also the page's control id (`depth`).
    pub url: &'static str,
    /// The page's label.
    pub label: &'static str,
    pub kind: Kind,
    pub section: Section,
    pub default: DefaultRule,
    /// The page's slider, where the kind is a number.
    pub slider: Slider,
    pub effect: Effect,
    pub place: Place,
    /// When the page shows the control (besides [`DefaultRule::ByOptimizer`] applying).
    pub show: Show,
    /// What the field means, in a student's words.
    pub help: &'static str,
}

/// What values a field takes.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A whole number in `[lo, hi]`; `unit` ends the range in messages ("hidden layers").
    Int {
        lo: u64,
        hi: IntMax,
        unit: &'static str,
    },
    /// A finite number between `lo` and `hi`, each end included unless `open_*`.
    Float {
        lo: f64,
        hi: f64,
        open_lo: bool,
        open_hi: bool,
    },
    Bool,
    /// One of a list of names; `noun` names one of them in messages ("an activation").
    Choice {
        noun: &'static str,
        options: Options,
    },
}

/// The largest value of an integer field.
#[derive(Clone, Copy, Debug)]
pub enum IntMax {
    Fixed(u64),
    /// The size of the training split, `samples - round(samples * test_fraction)`.
    TrainingSplit,
}

/// Where a choice's names come from: always from the enum itself.
#[derive(Clone, Copy, Debug)]
pub enum Options {
    Dataset,
    Activation,
    Init,
    Optimizer,
    Clip,
    Precision,
    Metric,
    LrBy,
    /// The losses that suit the config's dataset ([`losses_for`]).
    LossForDataset,
}

/// Which document a field belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// The run's [`Config`]: the CLI, traces and the page all speak it.
    Config,
    /// How the page shows a run ([`ViewSettings`]); only the URL and the page know it.
    View,
}

/// A field's default.
#[derive(Clone, Copy, Debug)]
pub enum DefaultRule {
    /// As `Config::default()` (the serde defaults in `config.rs`) or
    /// `ViewSettings::default()` has it.
    Plain,
    /// The dataset's natural loss: bce for two classes, cross_entropy for more, mse for a
    /// regression.
    ByDataset,
    /// A hyper-parameter: its default for each optimizer it applies to. It does not apply
    /// to (and may not be given for) the optimizers this table leaves out.
    ByOptimizer(&'static [(OptimizerKind, f64)]),
    /// Set by the dataset (and loss); may be given only with that value.
    Derived(Derived),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derived {
    Inputs,
    Outputs,
}

/// The page's slider for a number. A log slider moves the exponent: the value is
/// `10^position`. The slider may span less than the allowed range (`lr` allows up to 100
/// but slides to 100 from 1e-5); the URL and the API reach the rest.
#[derive(Clone, Copy, Debug)]
pub enum Slider {
    None,
    Linear { min: f64, max: f64, step: f64 },
    Log { min: f64, max: f64 },
}

/// What changing a field does to a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// A new run from step 0.
    Restarts,
    /// The run goes on with the new value (learning rate, clipping).
    Continues,
    /// Only the view changes.
    Redraws,
}

/// Where the page puts a field's control.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// The settings list.
    Settings,
    /// The "More settings" list, folded by default.
    More,
    /// Radio buttons above the heatmap.
    Heatmap,
    /// Radio buttons in the panel of the view they change (the page has their group,
    /// `control-<url>`, beside that view's canvas).
    Radios,
    /// No control of its own (the seed has its button, autoplay is the Play button,
    /// derived fields follow the dataset).
    Nowhere,
}

/// When the page shows a control.
#[derive(Clone, Copy, Debug)]
pub enum Show {
    Always,
    /// When the field at the path has this value.
    If(&'static str, Lit),
    /// When the field at the path has any other value.
    Unless(&'static str, Lit),
}

/// A literal in a [`Show`] rule.
#[derive(Clone, Copy, Debug)]
pub enum Lit {
    Name(&'static str),
    Bool(bool),
}

impl Lit {
    fn value(self) -> Value {
        match self {
            Lit::Name(s) => json!(s),
            Lit::Bool(b) => json!(b),
        }
    }
}

/// Defaults shared by most rows, for `..BASE` in the table.
const BASE: Field = Field {
    path: "",
    url: "",
    label: "",
    kind: Kind::Bool,
    section: Section::Config,
    default: DefaultRule::Plain,
    slider: Slider::None,
    effect: Effect::Restarts,
    place: Place::Settings,
    show: Show::Always,
    help: "",
};

/// An optimizer hyper-parameter in `[0, 1)`, a decay rate: a linear slider up to 0.999.
const DECAY: Field = Field {
    kind: Kind::Float {
        lo: 0.0,
        hi: 1.0,
        open_lo: false,
        open_hi: true,
    },
    slider: Slider::Linear {
        min: 0.0,
        max: 0.999,
        step: 0.001,
    },
    ..BASE
};

const fn int(lo: u64, hi: u64, unit: &'static str) -> Kind {
    Kind::Int {
        lo,
        hi: IntMax::Fixed(hi),
        unit,
    }
}

/// `(lo, hi]`.
const fn above(lo: f64, hi: f64) -> Kind {
    Kind::Float {
        lo,
        hi,
        open_lo: true,
        open_hi: false,
    }
}

/// `[lo, hi]`.
const fn closed(lo: f64, hi: f64) -> Kind {
    Kind::Float {
        lo,
        hi,
        open_lo: false,
        open_hi: false,
    }
}

const fn choice(noun: &'static str, options: Options) -> Kind {
    Kind::Choice { noun, options }
}

const fn linear(min: f64, max: f64, step: f64) -> Slider {
    Slider::Linear { min, max, step }
}

use OptimizerKind::{Adadelta, Adagrad, Adam, Adamw, Momentum, Nesterov, Rmsprop, Sgd};

/// Every setting, in the order URL parameters apply (see the module docs).
pub const FIELDS: &[Field] = &[
    Field {
        path: "seed",
        url: "seed",
        label: "Seed",
        kind: int(0, MAX_SEED, ""),
        place: Place::Nowhere,
        help: "drives the data, the initial weights and the batch order: same seed, same numbers",
        ..BASE
    },
    Field {
        path: "dataset.kind",
        url: "dataset",
        label: "Dataset",
        kind: choice("a dataset", Options::Dataset),
        help: "the generated data; spiral3 has three classes, sine is a regression, sparse has 16 on/off features of very different frequencies",
        ..BASE
    },
    Field {
        path: "dataset.samples",
        url: "samples",
        label: "Samples",
        kind: int(8, 20_000, "samples"),
        slider: Slider::Log {
            min: 10.0,
            max: 20_000.0,
        },
        place: Place::More,
        help: "points generated in all, training and test",
        ..BASE
    },
    Field {
        path: "dataset.noise",
        url: "noise",
        label: "Noise",
        kind: closed(0.0, 1.0),
        slider: linear(0.0, 1.0, 0.01),
        place: Place::More,
        help: "standard deviation of the Gaussian noise on the inputs (on y for sine, on present features only for sparse)",
        ..BASE
    },
    Field {
        path: "dataset.test_fraction",
        url: "test_fraction",
        label: "Test fraction",
        kind: closed(0.0, 0.9),
        slider: linear(0.0, 0.9, 0.05),
        place: Place::More,
        help: "share of the samples held out for testing",
        ..BASE
    },
    Field {
        path: "loss",
        url: "loss",
        label: "Loss",
        kind: choice("a loss", Options::LossForDataset),
        default: DefaultRule::ByDataset,
        help: "the training objective; the dataset decides which ones fit",
        ..BASE
    },
    Field {
        path: "network.inputs",
        url: "inputs",
        label: "Inputs",
        kind: int(1, SPARSE_FEATURES as u64, "inputs"),
        default: DefaultRule::Derived(Derived::Inputs),
        place: Place::Nowhere,
        help: "input features: 2, 1 for sine, 16 for sparse",
        ..BASE
    },
    Field {
        path: "network.outputs",
        url: "outputs",
        label: "Outputs",
        kind: int(1, 3, "outputs"),
        default: DefaultRule::Derived(Derived::Outputs),
        place: Place::Nowhere,
        help: "output units: 1 for two classes or a regression, else one per class",
        ..BASE
    },
    Field {
        path: "network.depth",
        url: "depth",
        label: "Depth (hidden layers)",
        kind: int(1, MAX_DEPTH as u64, "hidden layers"),
        slider: linear(1.0, MAX_DEPTH as f64, 1.0),
        help: "hidden layers; the deeper, the further a gradient travels",
        ..BASE
    },
    Field {
        path: "network.width",
        url: "width",
        label: "Width (units per layer)",
        kind: int(1, MAX_WIDTH as u64, "units per layer"),
        slider: linear(1.0, MAX_WIDTH as f64, 1.0),
        help: "units in each hidden layer",
        ..BASE
    },
    Field {
        path: "network.activation",
        url: "activation",
        label: "Activation",
        kind: choice("an activation", Options::Activation),
        help: "the nonlinearity of every hidden layer",
        ..BASE
    },
    Field {
        path: "network.init",
        url: "init",
        label: "Weight init",
        kind: choice("an init scheme", Options::Init),
        help: "how the initial weights are drawn",
        ..BASE
    },
    Field {
        path: "network.init_std",
        url: "std",
        label: "Init std (normal init)",
        kind: closed(1e-4, 100.0),
        slider: Slider::Log { min: 1e-3, max: 10.0 },
        show: Show::If("network.init", Lit::Name("normal")),
        help: "standard deviation of the normal init (the other schemes ignore it)",
        ..BASE
    },
    Field {
        path: "network.init_gain",
        url: "gain",
        label: "Init gain",
        kind: closed(1e-2, 100.0),
        slider: Slider::Log { min: 0.1, max: 10.0 },
        help: "multiplies every initial weight",
        ..BASE
    },
    Field {
        path: "network.batch_norm",
        url: "bn",
        label: "Batch normalization",
        help: "normalizes each hidden layer over the batch (needs at least 2 samples per batch)",
        ..BASE
    },
    Field {
        path: "network.skip_connections",
        url: "skip",
        label: "Skip connections",
        help: "a hidden layer adds its input to its output where the widths match",
        ..BASE
    },
    Field {
        path: "network.residual_scale",
        url: "residual_scale",
        label: "Residual branch scale",
        kind: above(0.0, 1.0),
        slider: Slider::Log { min: 0.01, max: 1.0 },
        show: Show::If("network.skip_connections", Lit::Bool(true)),
        help: "skip layers compute h + s·f(...); 1/sqrt(depth) keeps the signal from growing",
        ..BASE
    },
    Field {
        path: "optimizer.kind",
        url: "optimizer",
        label: "Optimizer",
        kind: choice("an optimizer", Options::Optimizer),
        help: "the update rule; each has its own hyper-parameters below",
        ..BASE
    },
    Field {
        path: "optimizer.lr",
        url: "lr",
        label: "Learning rate",
        kind: closed(1e-8, 100.0),
        default: DefaultRule::ByOptimizer(&[
            (Sgd, 0.1),
            (Momentum, 0.05),
            (Nesterov, 0.05),
            (Adagrad, 0.1),
            (Rmsprop, 0.01),
            (Adadelta, 1.0),
            (Adam, 0.01),
            (Adamw, 0.01),
        ]),
        slider: Slider::Log {
            min: 1e-5,
            max: 100.0,
        },
        effect: Effect::Continues,
        help: "step size of every update",
        ..BASE
    },
    Field {
        path: "optimizer.momentum",
        url: "momentum",
        label: "Momentum",
        default: DefaultRule::ByOptimizer(&[(Momentum, 0.9), (Nesterov, 0.9)]),
        help: "share of the previous step kept in the velocity",
        ..DECAY
    },
    Field {
        path: "optimizer.beta1",
        url: "beta1",
        label: "β1 (first-moment decay)",
        default: DefaultRule::ByOptimizer(&[(Adam, 0.9), (Adamw, 0.9)]),
        help: "decay of the running mean of gradients",
        ..DECAY
    },
    Field {
        path: "optimizer.beta2",
        url: "beta2",
        label: "β2 (second-moment decay)",
        default: DefaultRule::ByOptimizer(&[(Adam, 0.999), (Adamw, 0.999)]),
        help: "decay of the running mean of squared gradients",
        ..DECAY
    },
    Field {
        path: "optimizer.rho",
        url: "rho",
        label: "ρ (Adadelta's decay)",
        default: DefaultRule::ByOptimizer(&[(Adadelta, 0.9)]),
        help: "decay of Adadelta's running means of squared gradients and updates",
        ..DECAY
    },
    Field {
        path: "optimizer.alpha",
        url: "alpha",
        label: "α (RMSprop's smoothing)",
        default: DefaultRule::ByOptimizer(&[(Rmsprop, 0.99)]),
        help: "decay of RMSprop's running mean of squared gradients",
        ..DECAY
    },
    Field {
        path: "optimizer.eps",
        url: "eps",
        label: "Epsilon ε",
        kind: above(0.0, 1.0),
        default: DefaultRule::ByOptimizer(&[
            (Adagrad, 1e-8),
            (Rmsprop, 1e-8),
            (Adadelta, 1e-6),
            (Adam, 1e-8),
            (Adamw, 1e-8),
        ]),
        slider: Slider::Log {
            min: 1e-10,
            max: 1.0,
        },
        help: "keeps an adaptive step finite where the gradient history is near 0",
        ..BASE
    },
    Field {
        path: "optimizer.weight_decay",
        url: "weight_decay",
        label: "Weight decay",
        kind: closed(0.0, 1.0),
        default: DefaultRule::ByOptimizer(&[
            (Sgd, 0.0),
            (Momentum, 0.0),
            (Nesterov, 0.0),
            (Adagrad, 0.0),
            (Rmsprop, 0.0),
            (Adadelta, 0.0),
            (Adam, 0.0),
            (Adamw, 0.01),
        ]),
        slider: linear(0.0, 1.0, 0.001),
        help: "pulls weights toward 0: decoupled for adamw (keep lr × weight_decay below 1), an L2 term otherwise",
        ..BASE
    },
    Field {
        path: "optimizer.initial_accumulator",
        url: "initial_accumulator",
        label: "Initial accumulator G₀",
        kind: closed(0.0, 1e6),
        default: DefaultRule::ByOptimizer(&[(Adagrad, 0.0)]),
        slider: linear(0.0, 1.0, 0.01),
        help: "Adagrad's starting sum of squared gradients",
        ..BASE
    },
    Field {
        path: "clip.kind",
        url: "clip",
        label: "Gradient clipping",
        kind: choice("a clipping mode", Options::Clip),
        effect: Effect::Continues,
        help: "value clamps each gradient entry; norm rescales all gradients together",
        ..BASE
    },
    Field {
        path: "clip.threshold",
        url: "threshold",
        label: "Clip threshold",
        kind: closed(1e-8, 1e9),
        slider: Slider::Log {
            min: 1e-3,
            max: 1e3,
        },
        effect: Effect::Continues,
        show: Show::Unless("clip.kind", Lit::Name("none")),
        help: "the largest gradient entry (value) or global gradient norm (norm) let through",
        ..BASE
    },
    Field {
        path: "batch_size",
        url: "batch",
        label: "Batch size",
        kind: Kind::Int {
            lo: 1,
            hi: IntMax::TrainingSplit,
            unit: "",
        },
        slider: linear(1.0, 20_000.0, 1.0),
        help: "samples per step, up to the training split (at least 2 with batch norm)",
        ..BASE
    },
    Field {
        path: "precision",
        url: "precision",
        label: "Precision",
        kind: choice("a precision", Options::Precision),
        place: Place::More,
        help: "the float type of the whole computation; f32 is where overflow really happens",
        ..BASE
    },
    Field {
        path: "eval_every",
        url: "eval_every",
        label: "Evaluate every (steps)",
        kind: int(0, 1_000_000, "steps"),
        slider: linear(0.0, 500.0, 1.0),
        place: Place::More,
        help: "full train and test accuracy every this many steps (0: never)",
        ..BASE
    },
    Field {
        path: "metric",
        url: "metric",
        label: "Measure",
        kind: choice("a measure", Options::Metric),
        section: Section::View,
        effect: Effect::Redraws,
        place: Place::Heatmap,
        help: "what the heatmap and the diagnosis measure per layer",
        ..BASE
    },
    Field {
        path: "lr_by",
        url: "lr_by",
        label: "Learning rate shown",
        kind: choice("a learning-rate view", Options::LrBy),
        section: Section::View,
        effect: Effect::Redraws,
        place: Place::Radios,
        help: "the effective learning rate per layer over time, or per input feature of the first layer (Adagrad on sparse features)",
        ..BASE
    },
    Field {
        path: "speed",
        url: "speed",
        label: "Speed (steps per frame)",
        kind: int(1, 200, "steps per frame"),
        section: Section::View,
        slider: linear(1.0, 200.0, 1.0),
        effect: Effect::Redraws,
        help: "training steps per animation frame, at most (a large network takes fewer)",
        ..BASE
    },
    Field {
        path: "autoplay",
        url: "autoplay",
        label: "Play on load",
        section: Section::View,
        effect: Effect::Redraws,
        place: Place::Nowhere,
        help: "start training as soon as the page opens",
        ..BASE
    },
];

/// The field at `path` of `section`.
pub fn field(section: Section, path: &str) -> Option<&'static Field> {
    FIELDS
        .iter()
        .find(|f| f.section == section && f.path == path)
}

/// The field a URL parameter names.
pub fn by_url(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.url == name)
}

/// The fields of one document, in order.
pub fn fields_of(section: Section) -> impl Iterator<Item = &'static Field> {
    FIELDS.iter().filter(move |f| f.section == section)
}

// ---- names and rules -------------------------------------------------------------------

/// The config names of an enum's variants, as serde writes them.
fn names<T: Serialize>(all: &[T]) -> Vec<String> {
    all.iter()
        .filter_map(|v| serde_json::to_value(v).ok()?.as_str().map(String::from))
        .collect()
}

/// A value's config name (`Loss::CrossEntropy` is `"cross_entropy"`).
pub fn name_of<T: Serialize>(v: T) -> String {
    names(&[v]).pop().unwrap_or_default()
}

/// The losses that suit a dataset, its natural one first: only mse for a regression;
/// no bce for more than two classes.
pub fn losses_for(kind: DatasetKind) -> Vec<Loss> {
    let natural = kind.default_loss();
    let fits = |l: Loss| match (kind.classes(), l) {
        (None, Loss::Bce | Loss::CrossEntropy) => false,
        (Some(k), Loss::Bce) => k == 2,
        _ => true,
    };
    std::iter::once(natural)
        .chain(Loss::ALL.into_iter().filter(|&l| l != natural && fits(l)))
        .collect()
}

impl Options {
    /// Every name this choice can ever take.
    pub fn all(self) -> Vec<String> {
        match self {
            Options::Dataset => names(&DatasetKind::ALL),
            Options::Activation => names(&Activation::ALL),
            Options::Init => names(&Init::ALL),
            Options::Optimizer => names(&OptimizerKind::ALL),
            Options::Clip => names(&ClipKind::ALL),
            Options::Precision => names(&Precision::ALL),
            Options::Metric => names(&Metric::ALL),
            Options::LrBy => names(&LrBy::ALL),
            Options::LossForDataset => names(&Loss::ALL),
        }
    }

    /// The names allowed in the config `doc`.
    pub fn now(self, doc: &Value) -> Vec<String> {
        match self {
            Options::LossForDataset => names(&losses_for(dataset_of(doc))),
            other => other.all(),
        }
    }

    /// A label for a name, where it says more than the name.
    fn label(self, name: &str) -> Option<&'static str> {
        match self {
            Options::Metric => Metric::ALL
                .into_iter()
                .find(|m| m.name() == name)
                .map(Metric::label),
            Options::LrBy => LrBy::ALL
                .into_iter()
                .find(|m| m.name() == name)
                .map(LrBy::label),
            _ => None,
        }
    }
}

/// The value at a dotted path.
pub fn get<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(doc, |v, k| v.get(k))
}

/// Sets the value at a dotted path, making objects on the way.
fn set(doc: &mut Value, path: &str, value: Value) {
    let mut node = doc;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !node.is_object() {
            *node = json!({});
        }
        let Some(obj) = node.as_object_mut() else {
            return;
        };
        if parts.peek().is_none() {
            obj.insert(part.to_string(), value);
            return;
        }
        node = obj.entry(part.to_string()).or_insert_with(|| json!({}));
    }
}

fn remove(doc: &mut Value, path: &str) {
    let (parent, key) = match path.rsplit_once('.') {
        Some((p, k)) => (p.split('.').try_fold(&mut *doc, |v, k| v.get_mut(k)), k),
        None => (Some(doc), path),
    };
    if let Some(obj) = parent.and_then(Value::as_object_mut) {
        obj.remove(key);
    }
}

/// `{"a": {"b": v}}` for path `a.b`.
pub fn patch_at(path: &str, v: Value) -> Value {
    path.rsplit('.').fold(v, |inner, key| json!({ key: inner }))
}

fn parse_at<T: serde::de::DeserializeOwned>(doc: &Value, path: &str) -> Option<T> {
    serde_json::from_value(get(doc, path)?.clone()).ok()
}

fn dataset_of(doc: &Value) -> DatasetKind {
    parse_at(doc, "dataset.kind").unwrap_or(DatasetKind::Circles)
}

fn optimizer_of(doc: &Value) -> OptimizerKind {
    parse_at(doc, "optimizer.kind").unwrap_or(OptimizerKind::Sgd)
}

fn loss_of(doc: &Value) -> Loss {
    parse_at(doc, "loss").unwrap_or_else(|| dataset_of(doc).default_loss())
}

/// `(samples, training-split size)` of a config document.
pub fn training_split(doc: &Value) -> (u64, u64) {
    let samples = get(doc, "dataset.samples")
        .and_then(Value::as_u64)
        .unwrap_or(200);
    let fraction = get(doc, "dataset.test_fraction")
        .and_then(Value::as_f64)
        .unwrap_or(0.2);
    let test = ((samples as f64) * fraction).round() as u64;
    (samples, samples - test.min(samples))
}

impl Field {
    /// The optimizers this hyper-parameter applies to (`None`: not a hyper-parameter).
    pub fn optimizers(&self) -> Option<Vec<OptimizerKind>> {
        match self.default {
            DefaultRule::ByOptimizer(table) => Some(table.iter().map(|(k, _)| *k).collect()),
            _ => None,
        }
    }

    /// Whether the field exists in the config `doc` (hyper-parameters exist only for the
    /// optimizers they apply to).
    pub fn applies(&self, doc: &Value) -> bool {
        match self.default {
            DefaultRule::ByOptimizer(table) => {
                let kind = optimizer_of(doc);
                table.iter().any(|(k, _)| *k == kind)
            }
            _ => true,
        }
    }

    /// The field whose change resets this one to its default, unless set with it.
    pub fn depends_on(&self) -> Option<&'static str> {
        match self.default {
            DefaultRule::ByDataset | DefaultRule::Derived(_) => Some("dataset.kind"),
            DefaultRule::ByOptimizer(_) => Some("optimizer.kind"),
            DefaultRule::Plain => None,
        }
    }

    /// The default in the config `doc` (`None` where the field does not apply).
    pub fn default_in(&self, doc: &Value) -> Option<Value> {
        match self.default {
            DefaultRule::Plain => get(&plain_defaults(self.section), self.path).cloned(),
            DefaultRule::ByDataset => Some(json!(name_of(dataset_of(doc).default_loss()))),
            DefaultRule::ByOptimizer(table) => {
                let kind = optimizer_of(doc);
                table
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map(|(_, v)| json!(v))
            }
            DefaultRule::Derived(d) => Some(json!(derive(d, doc))),
        }
    }

    /// Whether the page shows this field's control for the run config `config` (the
    /// [`Show`] rules and hyper-parameters' optimizers read it, also for view settings).
    pub fn shown(&self, config: &Value) -> bool {
        let rule = match self.show {
            Show::Always => true,
            Show::If(path, lit) => get(config, path) == Some(&lit.value()),
            Show::Unless(path, lit) => get(config, path) != Some(&lit.value()),
        };
        self.place != Place::Nowhere && self.applies(config) && rule
    }

    /// The largest value of an integer field in the config `doc`.
    fn int_max(&self, doc: &Value) -> Option<u64> {
        match self.kind {
            Kind::Int {
                hi: IntMax::Fixed(hi),
                ..
            } => Some(hi),
            Kind::Int {
                hi: IntMax::TrainingSplit,
                ..
            } => Some(training_split(doc).1),
            _ => None,
        }
    }

    /// The allowed values in words: "1 to 64 hidden layers", "above 0 up to 100".
    pub fn allowed_in(&self, doc: &Value) -> String {
        match self.kind {
            Kind::Int { lo, hi, unit } => {
                let top = self.int_max(doc).unwrap_or(lo);
                let note = match hi {
                    IntMax::TrainingSplit => {
                        format!(" (the training split of {} samples)", training_split(doc).0)
                    }
                    IntMax::Fixed(_) if !unit.is_empty() => format!(" {unit}"),
                    IntMax::Fixed(_) => String::new(),
                };
                format!("{lo} to {top}{note}")
            }
            Kind::Float {
                lo,
                hi,
                open_lo,
                open_hi,
            } => range_words(lo, hi, open_lo, open_hi),
            Kind::Bool => "true or false".into(),
            Kind::Choice { options, .. } => options.now(doc).join(", "),
        }
    }

    /// Checks a given value against the config `doc` it sits in; returns it normalized
    /// (whole numbers as integers, numbers as floats), or what is wrong in a sentence.
    pub fn check(&self, v: &Value, doc: &Value) -> Result<Value, String> {
        match self.kind {
            Kind::Int { lo, .. } => {
                let allowed = self.allowed_in(doc);
                let n = v
                    .as_f64()
                    .filter(|n| n.is_finite() && n.fract() == 0.0)
                    .ok_or_else(|| {
                        format!("{} is not a whole number; allowed {allowed}", quote(v))
                    })?;
                let hi = self.int_max(doc).unwrap_or(lo);
                if n < lo as f64 || n > hi as f64 {
                    return Err(format!("{} is out of range; allowed {allowed}", quote(v)));
                }
                Ok(json!(n as u64))
            }
            Kind::Float {
                lo,
                hi,
                open_lo,
                open_hi,
            } => {
                let allowed = range_words(lo, hi, open_lo, open_hi);
                let x = v
                    .as_f64()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| format!("{} is not a number; allowed {allowed}", quote(v)))?;
                let above = if open_lo { x > lo } else { x >= lo };
                let below = if open_hi { x < hi } else { x <= hi };
                if !(above && below) {
                    return Err(format!("{} is out of range; allowed {allowed}", quote(v)));
                }
                Ok(json!(x))
            }
            Kind::Bool => v
                .as_bool()
                .map(Value::Bool)
                .ok_or_else(|| format!("{} is not true or false", quote(v))),
            Kind::Choice { noun, options } => {
                let allowed = options.now(doc);
                if let Some(s) = v.as_str().filter(|s| allowed.iter().any(|a| a == s)) {
                    return Ok(json!(s));
                }
                if let (Options::LossForDataset, Some(loss)) =
                    (options, serde_json::from_value::<Loss>(v.clone()).ok())
                {
                    return Err(unfit_loss(loss, dataset_of(doc), &allowed));
                }
                Err(format!(
                    "{} is not {noun} here; choose one of {}",
                    quote(v),
                    allowed.join(", ")
                ))
            }
        }
    }
}

/// Why a loss does not suit a dataset.
fn unfit_loss(loss: Loss, kind: DatasetKind, allowed: &[String]) -> String {
    let choose = match allowed {
        [one] => format!("choose {one}"),
        many => format!("choose one of {}", many.join(", ")),
    };
    match kind.classes() {
        None => format!(
            "{} needs class labels, but {} is a regression dataset; {choose}",
            loss.name(),
            kind.name()
        ),
        Some(k) => format!(
            "{} takes 2 classes, but {} has {k}; {choose}",
            loss.name(),
            kind.name()
        ),
    }
}

fn derive(d: Derived, doc: &Value) -> usize {
    let kind = dataset_of(doc);
    match d {
        Derived::Inputs => kind.inputs(),
        Derived::Outputs => kind.outputs(loss_of(doc)),
    }
}

/// `Config::default()` or `ViewSettings::default()` as JSON.
fn plain_defaults(section: Section) -> Value {
    match section {
        Section::Config => serde_json::to_value(Config::default()),
        Section::View => serde_json::to_value(ViewSettings::default()),
    }
    .unwrap_or_default()
}

/// A number as a student would write it: `0.05`, `64`, `1e-8`, `1e9`.
pub fn number_text(x: f64) -> String {
    let a = x.abs();
    if x == x.trunc() && a < 1e7 {
        format!("{}", x as i64)
    } else if (1e-4..1e7).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// `lo`..`hi` in words, with its open or closed ends.
fn range_words(lo: f64, hi: f64, open_lo: bool, open_hi: bool) -> String {
    let (l, h) = (number_text(lo), number_text(hi));
    match (open_lo, open_hi) {
        (false, false) => format!("{l} to {h}"),
        (true, false) => format!("above {l} up to {h}"),
        (false, true) => format!("{l} to below {h}"),
        (true, true) => format!("above {l} and below {h}"),
    }
}

/// At most 40 characters of a text a user typed, control characters escaped (`\n`,
/// `\u{1b}`), with `…` where it was cut.
pub fn excerpt(s: &str) -> String {
    const MAX: usize = 40;
    let escaped: Vec<String> = s
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().collect()
            } else {
                c.to_string()
            }
        })
        .collect();
    if escaped.iter().map(|p| p.chars().count()).sum::<usize>() <= MAX {
        return escaped.concat();
    }
    let mut out = String::new();
    for piece in escaped {
        if out.chars().count() + piece.chars().count() > MAX - 1 {
            break;
        }
        out.push_str(&piece);
    }
    out.push('…');
    out
}

/// A value in a message: numbers as numbers, text quoted and cut short.
pub fn quote(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{}'", excerpt(s)),
        Value::Number(n) if n.is_f64() => n.as_f64().map_or_else(|| n.to_string(), number_text),
        other => excerpt(&other.to_string()),
    }
}

// ---- validation ----------------------------------------------------------------------------

/// Checks a config (or view-settings) document field by field in schema order and fills
/// every default, dataset- and optimizer-dependent ones included. Rejects unknown fields,
/// wrong types and values out of range, naming the field; never panics.
pub fn resolve(doc: &mut Value, section: Section) -> Result<(), ConfigError> {
    check_shape(doc, section)?;
    for f in fields_of(section) {
        let given = get(doc, f.path).filter(|v| !v.is_null()).cloned();
        // Optional fields (the loss, derived and hyper-parameters) may be null: not given.
        if given.is_none() && get(doc, f.path).is_some() && matches!(f.default, DefaultRule::Plain)
        {
            return Err(err(
                f.path,
                "null is not allowed; leave the field out".into(),
            ));
        }
        if !f.applies(doc) {
            if given.is_some() {
                let kind = optimizer_of(doc);
                let owners: Vec<&str> = f
                    .optimizers()
                    .unwrap_or_default()
                    .iter()
                    .map(|k| k.name())
                    .collect();
                return Err(err(
                    f.path,
                    format!(
                        "does not apply to {} (only to {}); {}'s hyper-parameters are: {}",
                        kind.name(),
                        owners.join(", "),
                        kind.name(),
                        hyper_parameters(kind).join(", ")
                    ),
                ));
            }
            remove(doc, f.path);
            continue;
        }
        let value = match (f.default, given) {
            (DefaultRule::Derived(d), Some(v)) => {
                let want = derive(d, doc);
                if v.as_f64() != Some(want as f64) {
                    return Err(err(
                        f.path,
                        format!(
                            "{} does not match dataset {} with loss {} ({want}); leave it out to take it from the dataset",
                            quote(&v),
                            dataset_of(doc).name(),
                            loss_of(doc).name()
                        ),
                    ));
                }
                json!(want)
            }
            (_, Some(v)) => f.check(&v, doc).map_err(|m| err(f.path, m))?,
            (_, None) => match f.default_in(doc) {
                Some(v) => v,
                // A default the config does not write out (residual_scale at 1): left
                // out here too, and serde fills it in.
                None => {
                    remove(doc, f.path);
                    continue;
                }
            },
        };
        set(doc, f.path, value);
    }
    Ok(())
}

/// The document is an object of the schema's sections and fields, nothing else.
fn check_shape(doc: &Value, section: Section) -> Result<(), ConfigError> {
    let Some(top) = doc.as_object() else {
        return Err(err(
            "",
            "must be a JSON object, like {\"network\": {\"depth\": 20}}".into(),
        ));
    };
    let paths: Vec<&str> = fields_of(section).map(|f| f.path).collect();
    let heads: Vec<&str> = dedup(paths.iter().map(|p| p.split('.').next().unwrap_or(p)));
    for (key, value) in top {
        if !heads.contains(&key.as_str()) {
            return Err(unknown(key, "", &heads));
        }
        let inner: Vec<&str> = dedup(
            paths
                .iter()
                .filter_map(|p| p.strip_prefix(key.as_str())?.strip_prefix('.')),
        );
        if inner.is_empty() {
            continue;
        }
        let Some(obj) = value.as_object() else {
            return Err(err(key, "must be a JSON object".into()));
        };
        if let Some(k) = obj.keys().find(|k| !inner.contains(&k.as_str())) {
            return Err(unknown(k, key, &inner));
        }
    }
    Ok(())
}

fn unknown(key: &str, section: &str, known: &[&str]) -> ConfigError {
    let path = if section.is_empty() {
        key.to_string()
    } else {
        format!("{section}.{key}")
    };
    ConfigError {
        field: excerpt(&path),
        message: format!(
            "unknown field '{}'; known here: {}",
            excerpt(key),
            known.join(", ")
        ),
    }
}

fn dedup<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// The hyper-parameters that apply to an optimizer, by their short names.
pub fn hyper_parameters(kind: OptimizerKind) -> Vec<&'static str> {
    FIELDS
        .iter()
        .filter(|f| f.optimizers().is_some_and(|ks| ks.contains(&kind)))
        .map(|f| f.path.trim_start_matches("optimizer."))
        .collect()
}

/// An optimizer's default learning rate (the `optimizer.lr` field's default for it).
pub fn default_lr(kind: OptimizerKind) -> Option<f64> {
    field(Section::Config, "optimizer.lr")?
        .default_in(&json!({"optimizer": {"kind": kind.name()}}))?
        .as_f64()
}

/// `base` with `patch` merged in, as a partial document: fields whose default depends on
/// a field the patch changes (the loss on the dataset, hyper-parameters on the optimizer)
/// are dropped unless the patch sets them, so they take the new default.
pub fn merge_patch(base: &Value, patch: &Value) -> Value {
    let mut doc = base.clone();
    for f in FIELDS {
        let Some(on) = f.depends_on() else { continue };
        let changes = get(patch, on).is_some_and(|v| get(base, on) != Some(v));
        let derived = matches!(f.default, DefaultRule::Derived(_));
        if (changes || derived) && get(patch, f.path).is_none() {
            remove(&mut doc, f.path);
        }
    }
    merge_json(&mut doc, patch);
    doc
}

/// Whether going from `old` to `new` changes only fields that continue a run.
pub fn continues(old: &Config, new: &Config) -> bool {
    let (Ok(a), Ok(mut b)) = (serde_json::to_value(old), serde_json::to_value(new)) else {
        return false;
    };
    for f in fields_of(Section::Config).filter(|f| f.effect == Effect::Continues) {
        match get(&a, f.path) {
            Some(v) => set(&mut b, f.path, v.clone()),
            None => remove(&mut b, f.path),
        }
    }
    a == b
}

// ---- what the page, the CLI and the README show ---------------------------------------------

/// The default in words, for help and the README: per optimizer where it depends on it.
pub fn default_words(f: &Field) -> String {
    let text = |v: &Value| match v {
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), number_text),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match f.default {
        DefaultRule::Plain => f
            .default_in(&Value::Null)
            .map_or_else(String::new, |v| text(&v)),
        DefaultRule::ByDataset => {
            let mut groups: Vec<(Loss, Vec<&str>)> = Vec::new();
            for k in DatasetKind::ALL {
                let l = k.default_loss();
                match groups.iter_mut().find(|(g, _)| *g == l) {
                    Some((_, ks)) => ks.push(k.name()),
                    None => groups.push((l, vec![k.name()])),
                }
            }
            groups
                .iter()
                .map(|(l, ks)| format!("{} ({})", l.name(), ks.join(", ")))
                .collect::<Vec<_>>()
                .join("; ")
        }
        DefaultRule::ByOptimizer(table) => {
            let mut groups: Vec<(f64, Vec<&str>)> = Vec::new();
            for (k, v) in table {
                match groups.iter_mut().find(|(g, _)| g == v) {
                    Some((_, ks)) => ks.push(k.name()),
                    None => groups.push((*v, vec![k.name()])),
                }
            }
            groups
                .iter()
                .map(|(v, ks)| format!("{} ({})", number_text(*v), ks.join(", ")))
                .collect::<Vec<_>>()
                .join("; ")
        }
        DefaultRule::Derived(_) => "from the dataset".into(),
    }
}

/// The allowed values in words, for help and the README, whatever the rest of the config.
pub fn allowed_words(f: &Field) -> String {
    let kind = match (f.kind, f.default) {
        (_, DefaultRule::Derived(_)) => "",
        (Kind::Int { .. }, _) => "integer ",
        _ => "",
    };
    let values = match (f.kind, f.default) {
        (_, DefaultRule::Derived(_)) => "only the dataset's own value".to_string(),
        (
            Kind::Int {
                lo,
                hi: IntMax::TrainingSplit,
                ..
            },
            _,
        ) => format!("{lo} to the training split (samples − round(samples × test_fraction))"),
        (Kind::Choice { options, .. }, _) => {
            let all = options.all().join(" | ");
            match options {
                Options::LossForDataset => {
                    format!("{all}; bce needs 2 classes, a regression (sine) takes mse only")
                }
                _ => all,
            }
        }
        _ => f.allowed_in(&Value::Null),
    };
    let only = match f.optimizers() {
        Some(ks) if ks.len() < OptimizerKind::ALL.len() => format!(
            "; {} only",
            ks.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
        ),
        _ => String::new(),
    };
    format!("{kind}{values}{only}")
}

fn effect_words(e: Effect) -> &'static str {
    match e {
        Effect::Restarts => "restarts",
        Effect::Continues => "continues",
        Effect::Redraws => "redraws",
    }
}

/// The CLI's list of config fields (`gradscope run --help`).
pub fn help_text() -> String {
    let mut s = String::new();
    for f in fields_of(Section::Config) {
        s.push_str(&format!(
            "  {:<30} {}; default {}: {}\n",
            f.path,
            allowed_words(f),
            default_words(f),
            f.help
        ));
    }
    s
}

/// The README's tables of config fields and view settings (between its
/// `<!-- fields:start -->` and `<!-- fields:end -->` markers).
pub fn markdown() -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut s = String::from(
        "| config field | URL | allowed | default | a change | meaning |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for f in fields_of(Section::Config) {
        s.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} | {} |\n",
            f.path,
            f.url,
            cell(&allowed_words(f)),
            cell(&default_words(f)),
            effect_words(f.effect),
            cell(f.help)
        ));
    }
    s.push_str("\n| view setting (URL only) | URL | allowed | default | meaning |\n| --- | --- | --- | --- | --- |\n");
    for f in fields_of(Section::View) {
        s.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            f.label,
            f.url,
            cell(&allowed_words(f)),
            cell(&default_words(f)),
            cell(f.help)
        ));
    }
    s
}

/// The whole schema as JSON, for the page: per field its path, URL name, label, kind,
/// section, place, effect, slider, every option it may take (with labels), the rule that
/// shows it, help, and the allowed values and default in words.
pub fn to_json() -> Value {
    let fields: Vec<Value> = FIELDS
        .iter()
        .map(|f| {
            let (kind, options) = match f.kind {
                Kind::Int { .. } => ("int", Value::Null),
                Kind::Float { .. } => ("float", Value::Null),
                Kind::Bool => ("bool", Value::Null),
                Kind::Choice { options, .. } => (
                    "choice",
                    Value::Array(
                        options
                            .all()
                            .iter()
                            .map(|o| json!({"value": o, "label": options.label(o).unwrap_or(o)}))
                            .collect(),
                    ),
                ),
            };
            let slider = match f.slider {
                Slider::None => Value::Null,
                Slider::Linear { min, max, step } => {
                    json!({"log": false, "min": min, "max": max, "step": step})
                }
                Slider::Log { min, max } => json!({"log": true, "min": min, "max": max}),
            };
            let shown_if = match f.show {
                Show::Always => Value::Null,
                Show::If(path, lit) => json!({"path": path, "is": lit.value()}),
                Show::Unless(path, lit) => json!({"path": path, "is_not": lit.value()}),
            };
            json!({
                "path": f.path,
                "url": f.url,
                "label": f.label,
                "kind": kind,
                "section": f.section,
                "place": f.place,
                "effect": f.effect,
                "slider": slider,
                "options": options,
                "shown_if": shown_if,
                "optimizers": f.optimizers().map(|ks| ks.iter().map(|k| k.name()).collect::<Vec<_>>()),
                "help": f.help,
                "allowed": allowed_words(f),
                "default": default_words(f),
            })
        })
        .collect();
    json!({ "fields": fields })
}

/// Each field's state for a run's config and view: whether its control shows, its
/// options and slider bounds now (the losses of the dataset, the batch size up to the
/// training split), and its value (`null` where it does not apply). Keyed by URL name.
pub fn states(config: &Config, view: &ViewSettings) -> Value {
    let cfg = serde_json::to_value(config).unwrap_or_default();
    let vw = serde_json::to_value(view).unwrap_or_default();
    let mut out = Map::new();
    for f in FIELDS {
        let doc = match f.section {
            Section::Config => &cfg,
            Section::View => &vw,
        };
        let mut s = json!({
            "shown": f.shown(&cfg),
            "value": get(doc, f.path).cloned().unwrap_or(Value::Null),
        });
        if let Kind::Choice { options, .. } = f.kind {
            s["options"] = json!(options.now(&cfg));
        }
        if let Slider::Linear { min, max, .. } | Slider::Log { min, max } = f.slider {
            let top = f.int_max(&cfg).map_or(max, |m| max.min(m as f64));
            s["min"] = json!(min);
            s["max"] = json!(top);
        }
        out.insert(f.url.to_string(), s);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests;
