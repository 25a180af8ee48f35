//! The one run configuration that the CLI, the URL and the page all speak: a serde JSON
//! object shaped like the `config` of the full trace (shared/spec/trace-format.md).
//!
//! Every field may be omitted and then takes the default documented in [`FIELDS`].
//! [`Config::from_json`] rejects unknown fields, wrong types and out-of-range values with a
//! [`ConfigError`] naming the field, the value and what is allowed; the config it returns
//! has every default filled in (dataset-dependent loss and widths, the optimizer's own
//! hyper-parameters), which is what the trace records.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::activation::Activation;
use crate::engine::clip::{Clip, ClipKind};
use crate::engine::data::DatasetKind;
use crate::engine::init::Init;
use crate::engine::loss::Loss;
use crate::engine::network::Arch;
use crate::engine::optim::{OptimizerKind, OptimizerSpec};
use crate::engine::{DataSpec, InitSpec, RunSpec};

/// `f32` or `f64`: the engine's enum, read and written by name (`"f32"`).
pub use crate::engine::Precision;

/// Largest accepted network depth (hidden layers).
pub const MAX_DEPTH: usize = 64;
/// Largest accepted hidden-layer width.
pub const MAX_WIDTH: usize = 256;
/// Largest seed: JavaScript numbers hold integers exactly only up to 2^53 - 1.
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// A whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "defaults::seed")]
    pub seed: u64,
    #[serde(default)]
    pub network: NetworkConfig,
    /// `None` only before [`Config::resolve`]: then the dataset's natural loss.
    #[serde(default)]
    pub loss: Option<Loss>,
    #[serde(default)]
    pub optimizer: OptimizerConfig,
    #[serde(default)]
    pub clip: ClipConfig,
    #[serde(default = "defaults::batch_size")]
    pub batch_size: usize,
    #[serde(default)]
    pub dataset: DatasetConfig,
    /// Floating-point type of the whole computation.
    #[serde(default)]
    pub precision: Precision,
    /// Evaluate train and test accuracy on the full splits every this many steps (0: never).
    #[serde(default = "defaults::eval_every")]
    pub eval_every: u64,
}

/// The network's shape and its mitigations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Set by the dataset; may be given, but must then match it.
    #[serde(default)]
    pub inputs: Option<usize>,
    /// Set by the dataset and loss; may be given, but must then match them.
    #[serde(default)]
    pub outputs: Option<usize>,
    #[serde(default = "defaults::depth")]
    pub depth: usize,
    #[serde(default = "defaults::width")]
    pub width: usize,
    #[serde(default = "defaults::activation")]
    pub activation: Activation,
    #[serde(default = "defaults::init")]
    pub init: Init,
    /// Standard deviation of the `normal` init (ignored by the others).
    #[serde(default = "defaults::one")]
    pub init_std: f64,
    /// Factor applied to every initial weight.
    #[serde(default = "defaults::one")]
    pub init_gain: f64,
    #[serde(default)]
    pub batch_norm: bool,
    #[serde(default)]
    pub skip_connections: bool,
    /// `s` in `h_next = h + s * f(..)` on skip layers, in (0, 1]. Written out only when it
    /// is not 1, so the traces of configs without it keep their bytes.
    #[serde(default = "defaults::one", skip_serializing_if = "is_one")]
    pub residual_scale: f64,
}

fn is_one(v: &f64) -> bool {
    *v == 1.0
}

/// The optimizer and those of its hyper-parameters that apply to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerConfig {
    #[serde(default = "defaults::optimizer")]
    pub kind: OptimizerKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub momentum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta1: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta2: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rho: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_accumulator: Option<f64>,
}

/// Gradient clipping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClipConfig {
    #[serde(default = "defaults::clip_kind")]
    pub kind: ClipKind,
    #[serde(default = "defaults::one")]
    pub threshold: f64,
}

/// The generated dataset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    #[serde(default = "defaults::dataset")]
    pub kind: DatasetKind,
    #[serde(default = "defaults::samples")]
    pub samples: usize,
    #[serde(default = "defaults::noise")]
    pub noise: f64,
    #[serde(default = "defaults::test_fraction")]
    pub test_fraction: f64,
}

mod defaults {
    use super::*;
    pub fn seed() -> u64 {
        1
    }
    pub fn batch_size() -> usize {
        16
    }
    pub fn eval_every() -> u64 {
        25
    }
    pub fn depth() -> usize {
        6
    }
    pub fn width() -> usize {
        8
    }
    pub fn activation() -> Activation {
        Activation::Tanh
    }
    pub fn init() -> Init {
        Init::XavierUniform
    }
    pub fn one() -> f64 {
        1.0
    }
    pub fn optimizer() -> OptimizerKind {
        OptimizerKind::Sgd
    }
    pub fn clip_kind() -> ClipKind {
        ClipKind::None
    }
    pub fn dataset() -> DatasetKind {
        DatasetKind::Circles
    }
    pub fn samples() -> usize {
        200
    }
    pub fn noise() -> f64 {
        0.05
    }
    pub fn test_fraction() -> f64 {
        0.2
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: defaults::seed(),
            network: NetworkConfig::default(),
            loss: None,
            optimizer: OptimizerConfig::default(),
            clip: ClipConfig::default(),
            batch_size: defaults::batch_size(),
            dataset: DatasetConfig::default(),
            precision: Precision::default(),
            eval_every: defaults::eval_every(),
        }
    }
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            inputs: None,
            outputs: None,
            depth: defaults::depth(),
            width: defaults::width(),
            activation: defaults::activation(),
            init: defaults::init(),
            init_std: 1.0,
            init_gain: 1.0,
            batch_norm: false,
            skip_connections: false,
            residual_scale: 1.0,
        }
    }
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        OptimizerConfig {
            kind: defaults::optimizer(),
            lr: None,
            momentum: None,
            beta1: None,
            beta2: None,
            rho: None,
            alpha: None,
            eps: None,
            weight_decay: None,
            initial_accumulator: None,
        }
    }
}

impl Default for ClipConfig {
    fn default() -> Self {
        ClipConfig {
            kind: ClipKind::None,
            threshold: 1.0,
        }
    }
}

impl Default for DatasetConfig {
    fn default() -> Self {
        DatasetConfig {
            kind: defaults::dataset(),
            samples: defaults::samples(),
            noise: defaults::noise(),
            test_fraction: defaults::test_fraction(),
        }
    }
}

/// Why a config was rejected: the field's JSON path and what is wrong with its value.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// Dotted path, e.g. `network.depth`; empty for the document itself.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "config: {}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

fn err(field: &str, message: String) -> ConfigError {
    ConfigError {
        field: field.to_string(),
        message,
    }
}

/// `value` must lie in `[lo, hi]` (`lo` excluded when `open_lo`, `hi` excluded when `open_hi`).
fn in_range(
    field: &str,
    value: f64,
    lo: f64,
    hi: f64,
    open_lo: bool,
    open_hi: bool,
) -> Result<(), ConfigError> {
    let above = if open_lo { value > lo } else { value >= lo };
    let below = if open_hi { value < hi } else { value <= hi };
    if value.is_finite() && above && below {
        Ok(())
    } else {
        let l = if open_lo { "(" } else { "[" };
        let h = if open_hi { ")" } else { "]" };
        Err(err(
            field,
            format!("{value} is out of range; allowed {l}{lo}, {hi}{h}"),
        ))
    }
}

fn int_range(field: &str, value: u64, lo: u64, hi: u64) -> Result<(), ConfigError> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(err(
            field,
            format!("{value} is out of range; allowed {lo} to {hi}"),
        ))
    }
}

impl Config {
    /// Parses, fills defaults and validates a JSON config.
    pub fn from_json(text: &str) -> Result<Config, ConfigError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ConfigError {
            field: String::new(),
            message: format!("not valid JSON: {e}"),
        })?;
        Self::from_value(value)
    }

    /// Fills defaults and validates a config given as a JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Config, ConfigError> {
        // serde would also read a struct from a JSON array; a config is objects only.
        let Some(top) = value.as_object() else {
            return Err(err(
                "",
                "must be a JSON object, like {\"network\": {\"depth\": 20}}".into(),
            ));
        };
        for section in ["network", "optimizer", "clip", "dataset"] {
            if top.get(section).is_some_and(|v| !v.is_object()) {
                return Err(err(section, "must be a JSON object".into()));
            }
        }
        let raw: Config = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { String::new() } else { path };
            ConfigError {
                field,
                message: e.into_inner().to_string(),
            }
        })?;
        raw.resolve()
    }

    /// The resolved config as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Fills every dataset- and optimizer-dependent default and checks every value.
    pub fn resolve(mut self) -> Result<Config, ConfigError> {
        int_range("seed", self.seed, 0, MAX_SEED)?;
        let d = &self.dataset;
        int_range("dataset.samples", d.samples as u64, 8, 20_000)?;
        in_range("dataset.noise", d.noise, 0.0, 1.0, false, false)?;
        in_range(
            "dataset.test_fraction",
            d.test_fraction,
            0.0,
            0.9,
            false,
            false,
        )?;
        let kind = d.kind;
        let loss = self.loss.unwrap_or(kind.default_loss());
        match (kind.classes(), loss) {
            (None, Loss::Bce | Loss::CrossEntropy) => {
                return Err(err(
                    "loss",
                    format!(
                        "{} needs class labels, but {} is a regression dataset; use mse",
                        loss.name(),
                        kind.name()
                    ),
                ))
            }
            (Some(k), Loss::Bce) if k > 2 => {
                return Err(err(
                    "loss",
                    format!(
                        "bce takes 2 classes, but {} has {k}; use cross_entropy or mse",
                        kind.name()
                    ),
                ))
            }
            _ => {}
        }
        self.loss = Some(loss);
        let n = &mut self.network;
        let (inputs, outputs) = (kind.inputs(), kind.outputs(loss));
        for (field, given, want) in [
            ("network.inputs", n.inputs, inputs),
            ("network.outputs", n.outputs, outputs),
        ] {
            if let Some(g) = given {
                if g != want {
                    return Err(err(
                        field,
                        format!(
                            "{g} does not match dataset {} with loss {} ({want}); leave it out to take it from the dataset",
                            kind.name(),
                            loss.name()
                        ),
                    ));
                }
            }
        }
        n.inputs = Some(inputs);
        n.outputs = Some(outputs);
        if n.depth > MAX_DEPTH || n.depth == 0 {
            return Err(err(
                "network.depth",
                format!(
                    "{} is out of range; allowed 1 to {MAX_DEPTH} hidden layers",
                    n.depth
                ),
            ));
        }
        int_range("network.width", n.width as u64, 1, MAX_WIDTH as u64)?;
        in_range("network.init_std", n.init_std, 0.0, 100.0, true, false)?;
        in_range("network.init_gain", n.init_gain, 0.0, 100.0, true, false)?;
        let s = n.residual_scale;
        if !(s.is_finite() && s > 0.0 && s <= 1.0) {
            return Err(err(
                "network.residual_scale",
                format!(
                    "{s} is out of range; allowed (0, 1]: the skip branch's scale s in h + s * f(..) (1 is the plain sum, 1/sqrt(depth) keeps a deep relu net's signal near e)"
                ),
            ));
        }
        self.optimizer.resolve()?;
        in_range("clip.threshold", self.clip.threshold, 0.0, 1e9, true, false)?;
        let n_test = ((d.samples as f64) * d.test_fraction).round() as usize;
        let n_train = d.samples - n_test.min(d.samples);
        if self.batch_size == 0 || self.batch_size > n_train {
            return Err(err(
                "batch_size",
                format!(
                    "{} is out of range; allowed 1 to {n_train} (the training split of {} samples)",
                    self.batch_size, d.samples
                ),
            ));
        }
        if self.network.batch_norm && self.batch_size < 2 {
            return Err(err(
                "batch_size",
                "1 is too small for batch_norm, which needs at least 2 samples per batch".into(),
            ));
        }
        int_range("eval_every", self.eval_every, 0, 1_000_000)?;
        Ok(self)
    }

    /// This config with `patch` (a partial config as JSON) deep-merged in, as the page's
    /// `setConfig` and URL lessons apply them. Fields the dataset or loss determine are
    /// re-derived unless the patch sets them; a patch that switches the optimizer starts
    /// from that optimizer's defaults (plus what the patch sets), not the old one's values.
    pub fn merged(&self, patch: &serde_json::Value) -> Result<Config, ConfigError> {
        if !patch.is_object() {
            return Err(err(
                "",
                "must be a JSON object, like {\"network\": {\"depth\": 20}}".into(),
            ));
        }
        let mut doc = serde_json::to_value(self).map_err(|e| err("", e.to_string()))?;
        let sets =
            |section: &str, field: &str| patch.get(section).and_then(|s| s.get(field)).is_some();
        if let Some(net) = doc.get_mut("network").and_then(|n| n.as_object_mut()) {
            for field in ["inputs", "outputs"] {
                if !sets("network", field) {
                    net.remove(field);
                }
            }
        }
        let dataset_changes = patch
            .get("dataset")
            .and_then(|d| d.get("kind"))
            .is_some_and(|k| serde_json::to_value(self.dataset.kind).ok().as_ref() != Some(k));
        if dataset_changes && patch.get("loss").is_none() {
            if let Some(obj) = doc.as_object_mut() {
                obj.remove("loss");
            }
        }
        let optimizer_changes = patch
            .get("optimizer")
            .and_then(|o| o.get("kind"))
            .is_some_and(|k| serde_json::to_value(self.optimizer.kind).ok().as_ref() != Some(k));
        if optimizer_changes {
            if let Some(obj) = doc.as_object_mut() {
                obj.insert("optimizer".into(), serde_json::json!({}));
            }
        }
        merge_json(&mut doc, patch);
        Config::from_value(doc)
    }

    /// The network shape of a resolved config.
    pub fn arch(&self) -> Arch {
        let n = &self.network;
        let kind = self.dataset.kind;
        let loss = self.loss.unwrap_or(kind.default_loss());
        Arch {
            inputs: n.inputs.unwrap_or(kind.inputs()),
            outputs: n.outputs.unwrap_or(kind.outputs(loss)),
            depth: n.depth,
            width: n.width,
            activation: n.activation,
            batch_norm: n.batch_norm,
            skip_connections: n.skip_connections,
            residual_scale: n.residual_scale,
        }
    }

    /// The loss of a resolved config.
    pub fn loss(&self) -> Loss {
        self.loss.unwrap_or(self.dataset.kind.default_loss())
    }

    /// The engine's description of this run (of a resolved config: every default is
    /// filled in by [`Config::resolve`], so nothing here falls back on one).
    pub fn spec(&self) -> RunSpec {
        let (d, n) = (&self.dataset, &self.network);
        RunSpec {
            seed: self.seed,
            data: DataSpec {
                kind: d.kind,
                samples: d.samples,
                noise: d.noise,
                test_fraction: d.test_fraction,
            },
            arch: self.arch(),
            init: InitSpec {
                init: n.init,
                std: n.init_std,
                gain: n.init_gain,
            },
            loss: self.loss(),
            optimizer: OptimizerSpec::from_flat(self.optimizer.kind, &self.optimizer.hyper()),
            clip: self.clip.spec(),
            batch_size: self.batch_size,
            eval_every: self.eval_every,
        }
    }
}

impl ClipConfig {
    /// The engine's clipping rule.
    pub fn spec(&self) -> Clip {
        Clip::new(self.kind, self.threshold)
    }
}

/// Deep-merges `patch` into `base`: objects merge key by key, anything else replaces.
pub fn merge_json(base: &mut serde_json::Value, patch: &serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge_json(slot, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// Every config field with its meaning, default and allowed values; the CLI's `--help`
/// and the README print this table.
pub const FIELDS: &[(&str, &str)] = &[
    ("seed", "integer 0 to 2^53-1, default 1: drives data, init and batch order"),
    ("dataset.kind", "circles | xor | gaussians | spiral | spiral3 | sine, default circles"),
    ("dataset.samples", "integer 8 to 20000, default 200: points generated in all"),
    ("dataset.noise", "0 to 1, default 0.05: std of Gaussian noise on inputs (on y for sine)"),
    ("dataset.test_fraction", "0 to 0.9, default 0.2: share of samples held out for testing"),
    ("network.inputs", "set by the dataset (2; 1 for sine); may be given only with that value"),
    ("network.outputs", "set by dataset and loss (1 for 2 classes or regression, else #classes)"),
    ("network.depth", "integer 1 to 64, default 6: hidden layers"),
    ("network.width", "integer 1 to 256, default 8: units per hidden layer"),
    ("network.activation", "sigmoid | tanh | relu | leaky_relu | elu | gelu | selu | linear, default tanh"),
    (
        "network.init",
        "standard | xavier_uniform | xavier_normal | he_uniform | he_normal | lecun_normal | orthogonal | normal | zeros, default xavier_uniform",
    ),
    ("network.init_std", "(0, 100], default 1: std of the normal init"),
    ("network.init_gain", "(0, 100], default 1: multiplies every initial weight"),
    ("network.batch_norm", "true | false, default false: batch norm on hidden layers"),
    ("network.skip_connections", "true | false, default false: h_next = h + f(..) where widths match"),
    ("network.residual_scale", "(0, 1], default 1: s in h_next = h + s * f(..) on skip layers (1/sqrt(depth) tames deep relu)"),
    ("loss", "mse | bce | cross_entropy, default bce (2 classes), cross_entropy (spiral3), mse (sine)"),
    ("optimizer.kind", "sgd | momentum | nesterov | adagrad | rmsprop | adadelta | adam | adamw, default sgd"),
    (
        "optimizer.lr",
        "(0, 100]; default 0.1 sgd, adagrad; 0.05 momentum, nesterov; 0.01 rmsprop, adam, adamw; 1 adadelta",
    ),
    ("optimizer.momentum", "[0, 1), default 0.9 (momentum, nesterov only)"),
    ("optimizer.beta1", "[0, 1), default 0.9 (adam, adamw only)"),
    ("optimizer.beta2", "[0, 1), default 0.999 (adam, adamw only)"),
    ("optimizer.rho", "[0, 1), default 0.9 (adadelta only)"),
    ("optimizer.alpha", "[0, 1), default 0.99: rmsprop's smoothing (rmsprop only)"),
    ("optimizer.eps", "(0, 1]; default 1e-8, adadelta 1e-6 (adaptive optimizers only)"),
    ("optimizer.weight_decay", "[0, 1]; default 0, adamw 0.01 (decoupled for adamw, L2 otherwise)"),
    ("optimizer.initial_accumulator", "[0, 1e6], default 0: adagrad's starting G (adagrad only)"),
    ("clip.kind", "none | value | norm, default none"),
    ("clip.threshold", "(0, 1e9], default 1"),
    ("batch_size", "integer 1 to the training split's size, default 16 (at least 2 with batch_norm)"),
    ("precision", "f32 | f64, default f32"),
    ("eval_every", "integer 0 to 1000000, default 25: full train/test evaluation period (0: never)"),
];

mod optimizer;
#[cfg(test)]
mod tests;
