//! Optimizers behind one trait, one per file, with the update rules of
//! `docs/numerics.md` (PyTorch's, except Adagrad, which follows the classic
//! formula with `eps` inside the square root).
//!
//! `g` below is a parameter's gradient after clipping; L2 `weight_decay` (every optimizer
//! but AdamW) adds `weight_decay * p` to it first, as PyTorch does. `t` is the 1-based step.

mod adadelta;
mod adagrad;
mod adam;
mod adamw;
mod momentum;
mod rmsprop;
mod sgd;

pub use adadelta::Adadelta;
pub use adagrad::Adagrad;
pub use adam::Adam;
pub use adamw::AdamW;
pub use momentum::Momentum;
pub use rmsprop::RmsProp;
pub use sgd::Sgd;

use serde::{Deserialize, Serialize};

use super::float::Float;

/// Which optimizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    Sgd,
    Momentum,
    Nesterov,
    Adagrad,
    Rmsprop,
    Adadelta,
    Adam,
    Adamw,
}

impl OptimizerKind {
    pub const ALL: [OptimizerKind; 8] = [
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::Nesterov,
        OptimizerKind::Adagrad,
        OptimizerKind::Rmsprop,
        OptimizerKind::Adadelta,
        OptimizerKind::Adam,
        OptimizerKind::Adamw,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Nesterov => "nesterov",
            OptimizerKind::Adagrad => "adagrad",
            OptimizerKind::Rmsprop => "rmsprop",
            OptimizerKind::Adadelta => "adadelta",
            OptimizerKind::Adam => "adam",
            OptimizerKind::Adamw => "adamw",
        }
    }
}

/// Every hyper-parameter an optimizer may use, all filled in: the flat form a config
/// holds (see the config for the defaults of each kind). The engine itself works with
/// [`OptimizerSpec`]; [`OptimizerSpec::from_flat`] picks out the fields a kind uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hyper {
    pub lr: f64,
    pub momentum: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub rho: f64,
    pub alpha: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub initial_accumulator: f64,
}

/// One optimizer with exactly its own hyper-parameters (numerics.md's names and meanings).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimizerSpec {
    /// `p -= lr * g`.
    Sgd { lr: f64, weight_decay: f64 },
    /// Heavy-ball momentum, no dampening.
    Momentum {
        lr: f64,
        momentum: f64,
        weight_decay: f64,
    },
    /// Nesterov momentum, no dampening.
    Nesterov {
        lr: f64,
        momentum: f64,
        weight_decay: f64,
    },
    /// The classic Adagrad, `eps` inside the square root.
    Adagrad {
        lr: f64,
        eps: f64,
        initial_accumulator: f64,
        weight_decay: f64,
    },
    /// RMSprop with smoothing `alpha`, not centered, no momentum.
    Rmsprop {
        lr: f64,
        alpha: f64,
        eps: f64,
        weight_decay: f64,
    },
    Adadelta {
        lr: f64,
        rho: f64,
        eps: f64,
        weight_decay: f64,
    },
    /// Adam with L2 `weight_decay`.
    Adam {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
    },
    /// Adam with decoupled `weight_decay`.
    Adamw {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
    },
}

impl OptimizerSpec {
    /// The optimizer `kind` with the hyper-parameters it uses taken from `h` (the others
    /// are ignored).
    pub fn from_flat(kind: OptimizerKind, h: &Hyper) -> OptimizerSpec {
        let (lr, weight_decay, eps) = (h.lr, h.weight_decay, h.eps);
        match kind {
            OptimizerKind::Sgd => OptimizerSpec::Sgd { lr, weight_decay },
            OptimizerKind::Momentum => OptimizerSpec::Momentum {
                lr,
                momentum: h.momentum,
                weight_decay,
            },
            OptimizerKind::Nesterov => OptimizerSpec::Nesterov {
                lr,
                momentum: h.momentum,
                weight_decay,
            },
            OptimizerKind::Adagrad => OptimizerSpec::Adagrad {
                lr,
                eps,
                initial_accumulator: h.initial_accumulator,
                weight_decay,
            },
            OptimizerKind::Rmsprop => OptimizerSpec::Rmsprop {
                lr,
                alpha: h.alpha,
                eps,
                weight_decay,
            },
            OptimizerKind::Adadelta => OptimizerSpec::Adadelta {
                lr,
                rho: h.rho,
                eps,
                weight_decay,
            },
            OptimizerKind::Adam => OptimizerSpec::Adam {
                lr,
                beta1: h.beta1,
                beta2: h.beta2,
                eps,
                weight_decay,
            },
            OptimizerKind::Adamw => OptimizerSpec::Adamw {
                lr,
                beta1: h.beta1,
                beta2: h.beta2,
                eps,
                weight_decay,
            },
        }
    }

    /// Which optimizer this is.
    pub fn kind(&self) -> OptimizerKind {
        match self {
            OptimizerSpec::Sgd { .. } => OptimizerKind::Sgd,
            OptimizerSpec::Momentum { .. } => OptimizerKind::Momentum,
            OptimizerSpec::Nesterov { .. } => OptimizerKind::Nesterov,
            OptimizerSpec::Adagrad { .. } => OptimizerKind::Adagrad,
            OptimizerSpec::Rmsprop { .. } => OptimizerKind::Rmsprop,
            OptimizerSpec::Adadelta { .. } => OptimizerKind::Adadelta,
            OptimizerSpec::Adam { .. } => OptimizerKind::Adam,
            OptimizerSpec::Adamw { .. } => OptimizerKind::Adamw,
        }
    }

    /// The name used in configs (`"adagrad"`).
    pub fn kind_name(&self) -> &'static str {
        self.kind().name()
    }

    /// Whether the effective learning rate differs per parameter and changes over time
    /// (everything but sgd, momentum and nesterov, whose rate is `lr`).
    pub fn is_adaptive(&self) -> bool {
        !matches!(
            self,
            OptimizerSpec::Sgd { .. }
                | OptimizerSpec::Momentum { .. }
                | OptimizerSpec::Nesterov { .. }
        )
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        match *self {
            OptimizerSpec::Sgd { lr, .. }
            | OptimizerSpec::Momentum { lr, .. }
            | OptimizerSpec::Nesterov { lr, .. }
            | OptimizerSpec::Adagrad { lr, .. }
            | OptimizerSpec::Rmsprop { lr, .. }
            | OptimizerSpec::Adadelta { lr, .. }
            | OptimizerSpec::Adam { lr, .. }
            | OptimizerSpec::Adamw { lr, .. } => lr,
        }
    }

    /// Changes the learning rate, keeping every other hyper-parameter.
    pub fn set_lr(&mut self, new: f64) {
        match self {
            OptimizerSpec::Sgd { lr, .. }
            | OptimizerSpec::Momentum { lr, .. }
            | OptimizerSpec::Nesterov { lr, .. }
            | OptimizerSpec::Adagrad { lr, .. }
            | OptimizerSpec::Rmsprop { lr, .. }
            | OptimizerSpec::Adadelta { lr, .. }
            | OptimizerSpec::Adam { lr, .. }
            | OptimizerSpec::Adamw { lr, .. } => *lr = new,
        }
    }

    /// The weight decay (L2 for all but adamw, whose decay is decoupled).
    pub fn weight_decay(&self) -> f64 {
        match *self {
            OptimizerSpec::Sgd { weight_decay, .. }
            | OptimizerSpec::Momentum { weight_decay, .. }
            | OptimizerSpec::Nesterov { weight_decay, .. }
            | OptimizerSpec::Adagrad { weight_decay, .. }
            | OptimizerSpec::Rmsprop { weight_decay, .. }
            | OptimizerSpec::Adadelta { weight_decay, .. }
            | OptimizerSpec::Adam { weight_decay, .. }
            | OptimizerSpec::Adamw { weight_decay, .. } => weight_decay,
        }
    }
}

/// Mean, minimum and maximum of effective learning rates over a set of parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LrStats {
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

/// One optimizer with its per-parameter state.
pub trait Optimizer<T: Float>: Send {
    /// Updates `params` in place from the (clipped) `grads`.
    fn step(&mut self, params: &mut [T], grads: &[T]);

    /// Changes the learning rate for the following steps, keeping all other state.
    fn set_lr(&mut self, lr: f64);

    /// The effective learning rate of parameter `i` after the last step, as
    /// numerics.md defines it for this optimizer (Adagrad: `lr / sqrt(G + eps)`).
    fn effective_lr(&self, i: usize) -> f64;

    /// Mean, min and max of [`Optimizer::effective_lr`] over `range` (in f64).
    fn effective_lr_stats(&self, range: std::ops::Range<usize>) -> LrStats {
        let n = range.len().max(1) as f64;
        let mut s = LrStats {
            mean: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        };
        for i in range {
            let e = self.effective_lr(i);
            s.mean += e;
            s.min = s.min.min(e);
            s.max = s.max.max(e);
        }
        s.mean /= n;
        s
    }
}

/// Mean, min and max of a slice, with the sum in f64 over four interleaved partial sums
/// (a fixed order, so every platform gets the same bits, and one that vectorizes).
pub fn slice_stats<T: Float>(values: &[T]) -> LrStats {
    let mut sum = [0.0f64; 4];
    let mut lo = [f64::INFINITY; 4];
    let mut hi = [f64::NEG_INFINITY; 4];
    let chunks = values.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        for k in 0..4 {
            let v = c[k].to_f64();
            sum[k] += v;
            lo[k] = if v < lo[k] { v } else { lo[k] };
            hi[k] = if v > hi[k] { v } else { hi[k] };
        }
    }
    for (k, v) in tail.iter().enumerate() {
        let v = v.to_f64();
        sum[k] += v;
        lo[k] = lo[k].min(v);
        hi[k] = hi[k].max(v);
    }
    let n = values.len().max(1) as f64;
    LrStats {
        mean: ((sum[0] + sum[1]) + (sum[2] + sum[3])) / n,
        min: lo.iter().copied().fold(f64::INFINITY, f64::min),
        max: hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    }
}

/// Builds the optimizer `spec` for `n` parameters.
pub fn build<T: Float>(spec: &OptimizerSpec, n: usize) -> Box<dyn Optimizer<T>> {
    match *spec {
        OptimizerSpec::Sgd { lr, weight_decay } => Box::new(Sgd::new(lr, weight_decay)),
        OptimizerSpec::Momentum {
            lr,
            momentum,
            weight_decay,
        } => Box::new(Momentum::new(lr, momentum, weight_decay, n, false)),
        OptimizerSpec::Nesterov {
            lr,
            momentum,
            weight_decay,
        } => Box::new(Momentum::new(lr, momentum, weight_decay, n, true)),
        OptimizerSpec::Adagrad {
            lr,
            eps,
            initial_accumulator,
            weight_decay,
        } => Box::new(Adagrad::new(lr, eps, initial_accumulator, weight_decay, n)),
        OptimizerSpec::Rmsprop {
            lr,
            alpha,
            eps,
            weight_decay,
        } => Box::new(RmsProp::new(lr, alpha, eps, weight_decay, n)),
        OptimizerSpec::Adadelta {
            lr,
            rho,
            eps,
            weight_decay,
        } => Box::new(Adadelta::new(lr, rho, eps, weight_decay, n)),
        OptimizerSpec::Adam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        } => Box::new(Adam::new(lr, beta1, beta2, eps, weight_decay, n)),
        OptimizerSpec::Adamw {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        } => Box::new(AdamW::new(lr, beta1, beta2, eps, weight_decay, n)),
    }
}

/// `g + weight_decay * p` (PyTorch's L2 form); `g` itself when `weight_decay` is 0, so
/// a non-finite `p` cannot leak into `g` through `0 * p`.
#[inline(always)]
fn decayed<T: Float>(g: T, p: T, weight_decay: T) -> T {
    if weight_decay == T::ZERO {
        g
    } else {
        g + weight_decay * p
    }
}

#[cfg(test)]
mod tests;
