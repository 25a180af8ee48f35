//! The one run configuration that the CLI, the URL and the page all speak: a serde JSON
//! object shaped like the `config` of the full trace (docs/trace-format.md).
//!
//! Every field is described once in [`schema::FIELDS`] (its range, options, default, URL
//! name, label and help) and may be omitted, taking its default. [`Config::from_json`]
//! rejects unknown fields, wrong types and out-of-range values with a [`ConfigError`]
//! naming the field, the value and what is allowed; the config it returns has every
//! default filled in (dataset-dependent loss and widths, the optimizer's own
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

use crate::engine::spec::{BUDGET_HISTORY, MEMORY_BUDGET};
/// `f32` or `f64`: the engine's enum, read and written by name (`"f32"`).
pub use crate::engine::Precision;
use schema::Section;

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
    /// `s` in `h_next = h + s * f(..)` on skip layers, in (0, 1].
    #[serde(default = "defaults::one")]
    pub residual_scale: f64,
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
    /// One short printable line, whatever the input held: see [`tidy`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "config: {}", tidy(&self.message))
        } else {
            write!(f, "{}: {}", tidy(&self.field), tidy(&self.message))
        }
    }
}

/// The longest run of characters without a space that a message shows whole.
pub const MAX_WORD: usize = 60;

/// Makes text from a user's input safe to show in one line: control characters (newlines,
/// NUL, terminal escapes) become `\u{..}` escapes, and any run of more than [`MAX_WORD`]
/// characters without a space (a huge key or value echoed back) is cut to its start and
/// end around an ellipsis.
pub fn tidy(text: &str) -> String {
    let mut out = String::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let escaped: String = word
            .chars()
            .flat_map(|c| {
                if c.is_control() {
                    format!("\\u{{{:x}}}", c as u32).chars().collect::<Vec<_>>()
                } else {
                    vec![c]
                }
            })
            .collect();
        let n = escaped.chars().count();
        if n > MAX_WORD {
            let head: String = escaped.chars().take(24).collect();
            let tail: String = escaped.chars().skip(n - 10).collect();
            out.push_str(&format!("{head}…{tail}"));
        } else {
            out.push_str(&escaped);
        }
    }
    out
}

impl std::error::Error for ConfigError {}

fn err(field: &str, message: String) -> ConfigError {
    ConfigError {
        field: field.to_string(),
        message,
    }
}

impl Config {
    /// Parses, fills defaults and validates a JSON config.
    pub fn from_json(text: &str) -> Result<Config, ConfigError> {
        let value: serde_json::Value =
            crate::json::parse_strict(text).map_err(|e| ConfigError {
                field: String::new(),
                message: format!("not valid JSON: {e}"),
            })?;
        Self::from_value(value)
    }

    /// Fills defaults and validates a config given as a JSON value: every field is
    /// checked against the [`schema`], in its order, before serde reads the document.
    pub fn from_value(mut value: serde_json::Value) -> Result<Config, ConfigError> {
        schema::resolve(&mut value, Section::Config)?;
        let config: Config = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            ConfigError {
                field: if path == "." { String::new() } else { path },
                message: e.into_inner().to_string(),
            }
        })?;
        config.check_combinations()?;
        Ok(config)
    }

    /// The resolved config as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Fills every dataset- and optimizer-dependent default and checks every value.
    pub fn resolve(self) -> Result<Config, ConfigError> {
        let value = serde_json::to_value(&self).map_err(|e| err("", e.to_string()))?;
        Self::from_value(value)
    }

    /// The rules between fields that no single field's range says.
    fn check_combinations(&self) -> Result<(), ConfigError> {
        if self.network.batch_norm && self.batch_size < 2 {
            return Err(err(
                "batch_size",
                "1 is too small for batch_norm, which needs at least 2 samples per batch".into(),
            ));
        }
        self.optimizer.check_decay()?;
        self.check_memory()
    }

    /// A run whose memory would pass [`MEMORY_BUDGET`] is refused before anything is
    /// allocated, with the largest batch size that fits (or, when none does, the other
    /// fields to lower).
    fn check_memory(&self) -> Result<(), ConfigError> {
        let spec = self.spec();
        let bytes = spec.memory_bytes(self.precision, BUDGET_HISTORY);
        if bytes <= MEMORY_BUDGET {
            return Ok(());
        }
        let (fixed, per_row) = spec.memory_parts(self.precision, BUDGET_HISTORY);
        let fits = MEMORY_BUDGET.saturating_sub(fixed) / per_row.max(1);
        let mb = |b: u64| b.div_ceil(1 << 20);
        let lower = if fits >= 1 {
            format!("lower batch_size to at most {fits}, or the depth or width")
        } else {
            "lower the depth, the width or dataset.samples".into()
        };
        Err(err(
            "batch_size",
            format!(
                "this run would need about {} MB of memory, more than gradscope's budget of {} MB; {lower}",
                mb(bytes),
                mb(MEMORY_BUDGET)
            ),
        ))
    }

    /// This config with `patch` (a partial config as JSON) deep-merged in, as the page's
    /// `setConfig` and URL lessons apply them. Fields whose default depends on a field the
    /// patch changes are re-derived unless the patch sets them: a new dataset brings its
    /// own loss, and a patch that switches the optimizer starts from that optimizer's
    /// defaults (plus what the patch sets), not the old one's values.
    pub fn merged(&self, patch: &serde_json::Value) -> Result<Config, ConfigError> {
        if !patch.is_object() {
            return Err(err(
                "",
                "must be a JSON object, like {\"network\": {\"depth\": 20}}".into(),
            ));
        }
        let doc = serde_json::to_value(self).map_err(|e| err("", e.to_string()))?;
        Config::from_value(schema::merge_patch(&doc, patch))
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

mod optimizer;
pub mod schema;
#[cfg(test)]
mod tests;
