//! A run in the engine's own terms: typed, resolved, every value filled in. The root
//! crate's `Config` (serde, defaults, validation) turns into a [`RunSpec`] with
//! `Config::spec`; the engine never sees the config and has no defaults of its own.

use serde::{Deserialize, Serialize};

use crate::clip::Clip;
use crate::data::DatasetKind;
use crate::init::Init;
use crate::loss::Loss;
use crate::network::Arch;
use crate::optim::OptimizerSpec;

/// Everything a [`crate::session::Session`] is built from. Values must be valid (the
/// config's `resolve` checks them): a positive batch size no larger than the training
/// split, widths and depth of at least 1, finite hyper-parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    /// Drives data, initialization and batch order (independent streams).
    pub seed: u64,
    pub data: DataSpec,
    /// The network's shape, activation and mitigations (batch norm, skips and their scale).
    pub arch: Arch,
    pub init: InitSpec,
    pub loss: Loss,
    pub optimizer: OptimizerSpec,
    pub clip: Clip,
    pub batch_size: usize,
    /// Evaluate on the full splits every this many steps (0: never).
    pub eval_every: u64,
}

/// The generated dataset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DataSpec {
    pub kind: DatasetKind,
    /// Points generated in all.
    pub samples: usize,
    /// Standard deviation of the Gaussian noise on inputs (on the target for sine).
    pub noise: f64,
    /// Share of samples held out for testing.
    pub test_fraction: f64,
}

/// How the weights start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InitSpec {
    pub init: Init,
    /// Standard deviation of the `normal` init (ignored by the others).
    pub std: f64,
    /// Multiplies every initial weight.
    pub gain: f64,
}

/// The floating-point type of the whole computation: `f32` (what frameworks train in, and
/// where overflow really happens) or `f64`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    #[default]
    F32,
    F64,
}

impl Precision {
    pub const ALL: [Precision; 2] = [Precision::F32, Precision::F64];
}
