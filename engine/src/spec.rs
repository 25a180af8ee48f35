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

    /// Bytes of one number.
    pub fn bytes(self) -> u64 {
        match self {
            Precision::F32 => 4,
            Precision::F64 => 8,
        }
    }
}

/// The most memory a run may take, in bytes. A session allocates all it needs when it is
/// built and nothing per step; runs whose [`RunSpec::memory_bytes`] passes this are
/// refused before anything is allocated (a browser tab has a few GB at most, shared with
/// everything else on the page).
pub const MEMORY_BUDGET: u64 = 512 << 20;

/// Step records a session keeps when the budget is checked (the page's history).
pub const BUDGET_HISTORY: usize = 2000;

/// Evaluation workspaces a session keeps (one per chunk size it meets: full chunks, the
/// splits' remainders, the decision boundary's slices).
pub const EVAL_WORKSPACES: usize = 6;
/// Rows evaluated at a time, at most.
pub const EVAL_CHUNK: usize = 256;
/// Rows evaluated at a time, at least.
const MIN_EVAL_CHUNK: usize = 16;
/// Bytes one evaluation workspace may take: a network so wide and deep that 256 rows
/// would pass this evaluates fewer rows at a time (the sum over chunks is the same
/// mean, rounded differently; every network of the default sizes keeps 256).
const EVAL_WORKSPACE_BYTES: u64 = 8 << 20;

impl RunSpec {
    /// An upper estimate of the bytes a session of this spec allocates, keeping
    /// `history` step records: `fixed + batch_size * per_row`, see [`RunSpec::memory_parts`].
    pub fn memory_bytes(&self, precision: Precision, history: usize) -> u64 {
        let (fixed, per_row) = self.memory_parts(precision, history);
        fixed.saturating_add(per_row.saturating_mul(self.batch_size as u64))
    }

    /// The estimate's two parts: what does not depend on the batch size (parameters,
    /// their gradients and optimizer state, the data, the evaluation workspaces, the
    /// history), and what each row of a training batch adds (every layer's `h`, `z`,
    /// `a`, slopes, batch-norm buffers, the backward pass's three scratch rows, and the
    /// matrix-product packing of the batch).
    pub fn memory_parts(&self, precision: Precision, history: usize) -> (u64, u64) {
        let e = precision.bytes();
        let per_row = self.row_values();
        let max_units = self.max_units();
        let layout = self.arch.layout();
        let params = self.arch.param_count() as u64;
        // Parameters, raw and clipped gradients, the pre-update copy, up to three
        // optimizer states, the packed weights of a product.
        let param_bytes = params * 8 * e + max_units * max_units * e;
        let samples = self.data.samples as u64;
        let io = (self.arch.inputs + self.arch.outputs) as u64;
        let data_bytes = samples * (io * e + io * 8 + 8);
        let eval_rows = (EVAL_WORKSPACES * self.eval_chunk(e)) as u64;
        let eval_bytes = eval_rows * per_row * e;
        let layers = layout.len() as u64;
        let history_bytes = history as u64 * (layers * 12 * 8 + 160)
            + crate::timeline::Timeline::bytes(layout.len());
        // Small allocations: vector headers per layer, the generator, the batcher.
        let overhead = (64 << 10) + layers * 1024;
        (
            overhead + param_bytes + data_bytes + eval_bytes + history_bytes,
            per_row * e,
        )
    }

    /// Rows of an evaluation chunk for elements of `elem_bytes`: [`EVAL_CHUNK`], or fewer
    /// (at least 16) so that one evaluation workspace stays within 8 MiB.
    pub fn eval_chunk(&self, elem_bytes: u64) -> usize {
        let row = (self.row_values() * elem_bytes).max(1);
        ((EVAL_WORKSPACE_BYTES / row) as usize).clamp(MIN_EVAL_CHUNK, EVAL_CHUNK)
    }

    /// The widest layer, input or output.
    fn max_units(&self) -> u64 {
        self.arch
            .layout()
            .iter()
            .fold(self.arch.inputs.max(self.arch.outputs) as u64, |m, l| {
                m.max(l.n_out as u64).max(l.n_in as u64)
            })
    }

    /// Values a workspace holds per batch row: every layer's `h`, `z`, `a`, slopes,
    /// batch-norm buffers, the backward pass's three scratch rows and the packed panel
    /// of a product.
    fn row_values(&self) -> u64 {
        let layout = self.arch.layout();
        let mut per_row = self.arch.inputs as u64;
        let mut max_units = self.arch.inputs.max(self.arch.outputs) as u64;
        for l in &layout {
            let out = l.n_out as u64;
            per_row += 2 * out; // h, z
            if l.bn.is_some() {
                per_row += 2 * out; // u, z_hat
            }
            if l.hidden {
                per_row += 2 * out; // a, slopes
            }
            max_units = max_units.max(out).max(l.n_in as u64);
        }
        per_row += 3 * max_units; // grad_a, grad_b, grad_z
        per_row + max_units // the packed panel of the batch in a product
    }
}
