//! The optimizer section of the config: which hyper-parameters each optimizer takes,
//! their defaults, their ranges, and the filled-in [`Hyper`] the engine builds from.

use super::{err, in_range, ConfigError, OptimizerConfig};
use crate::engine::optim::{Hyper, OptimizerKind};

/// One optimizer hyper-parameter: its name and its default for the kinds it applies to.
struct HyperField {
    name: &'static str,
    get: fn(&OptimizerConfig) -> Option<f64>,
    set: fn(&mut OptimizerConfig, f64),
    /// Default for `kind`, or `None` when the field does not apply to it.
    default: fn(OptimizerKind) -> Option<f64>,
}

const HYPER_FIELDS: [HyperField; 9] = [
    HyperField {
        name: "lr",
        get: |o| o.lr,
        set: |o, v| o.lr = Some(v),
        default: |k| {
            Some(match k {
                OptimizerKind::Sgd | OptimizerKind::Adagrad => 0.1,
                OptimizerKind::Momentum | OptimizerKind::Nesterov => 0.05,
                OptimizerKind::Rmsprop | OptimizerKind::Adam | OptimizerKind::Adamw => 0.01,
                OptimizerKind::Adadelta => 1.0,
            })
        },
    },
    HyperField {
        name: "momentum",
        get: |o| o.momentum,
        set: |o, v| o.momentum = Some(v),
        default: |k| matches!(k, OptimizerKind::Momentum | OptimizerKind::Nesterov).then_some(0.9),
    },
    HyperField {
        name: "beta1",
        get: |o| o.beta1,
        set: |o, v| o.beta1 = Some(v),
        default: |k| matches!(k, OptimizerKind::Adam | OptimizerKind::Adamw).then_some(0.9),
    },
    HyperField {
        name: "beta2",
        get: |o| o.beta2,
        set: |o, v| o.beta2 = Some(v),
        default: |k| matches!(k, OptimizerKind::Adam | OptimizerKind::Adamw).then_some(0.999),
    },
    HyperField {
        name: "rho",
        get: |o| o.rho,
        set: |o, v| o.rho = Some(v),
        default: |k| (k == OptimizerKind::Adadelta).then_some(0.9),
    },
    HyperField {
        name: "alpha",
        get: |o| o.alpha,
        set: |o, v| o.alpha = Some(v),
        default: |k| (k == OptimizerKind::Rmsprop).then_some(0.99),
    },
    HyperField {
        name: "eps",
        get: |o| o.eps,
        set: |o, v| o.eps = Some(v),
        default: |k| match k {
            OptimizerKind::Sgd | OptimizerKind::Momentum | OptimizerKind::Nesterov => None,
            OptimizerKind::Adadelta => Some(1e-6),
            _ => Some(1e-8),
        },
    },
    HyperField {
        name: "weight_decay",
        get: |o| o.weight_decay,
        set: |o, v| o.weight_decay = Some(v),
        default: |k| Some(if k == OptimizerKind::Adamw { 0.01 } else { 0.0 }),
    },
    HyperField {
        name: "initial_accumulator",
        get: |o| o.initial_accumulator,
        set: |o, v| o.initial_accumulator = Some(v),
        default: |k| (k == OptimizerKind::Adagrad).then_some(0.0),
    },
];

impl OptimizerConfig {
    /// The names of the hyper-parameters that apply to this kind.
    pub fn fields_of(kind: OptimizerKind) -> Vec<&'static str> {
        HYPER_FIELDS
            .iter()
            .filter(|f| (f.default)(kind).is_some())
            .map(|f| f.name)
            .collect()
    }

    /// Drops every hyper-parameter that does not apply to `kind` (used when a menu
    /// switches the optimizer and the old one's settings should not follow).
    pub fn retain_applicable(&mut self) {
        let kind = self.kind;
        let mut fresh = OptimizerConfig {
            kind,
            ..OptimizerConfig::default()
        };
        for f in &HYPER_FIELDS {
            if let (Some(v), Some(_)) = ((f.get)(self), (f.default)(kind)) {
                (f.set)(&mut fresh, v);
            }
        }
        *self = fresh;
    }

    /// The hyper-parameters with defaults filled in (after [`super::Config::resolve`]).
    pub fn hyper(&self) -> Hyper {
        let k = self.kind;
        let get = |f: &HyperField| (f.get)(self).or((f.default)(k)).unwrap_or(0.0);
        let h = &HYPER_FIELDS;
        Hyper {
            lr: get(&h[0]),
            momentum: get(&h[1]),
            beta1: get(&h[2]),
            beta2: get(&h[3]),
            rho: get(&h[4]),
            alpha: get(&h[5]),
            eps: get(&h[6]),
            weight_decay: get(&h[7]),
            initial_accumulator: get(&h[8]),
        }
    }

    pub(super) fn resolve(&mut self) -> Result<(), ConfigError> {
        let kind = self.kind;
        for f in &HYPER_FIELDS {
            let field = format!("optimizer.{}", f.name);
            match ((f.get)(self), (f.default)(kind)) {
                (Some(_), None) => {
                    return Err(err(
                        &field,
                        format!(
                            "does not apply to {}; its hyper-parameters are: {}",
                            kind.name(),
                            Self::fields_of(kind).join(", ")
                        ),
                    ))
                }
                (None, Some(d)) => (f.set)(self, d),
                _ => {}
            }
            if let Some(v) = (f.get)(self) {
                match f.name {
                    "lr" => in_range(&field, v, 0.0, 100.0, true, false)?,
                    "eps" => in_range(&field, v, 0.0, 1.0, true, false)?,
                    "weight_decay" => in_range(&field, v, 0.0, 1.0, false, false)?,
                    "initial_accumulator" => in_range(&field, v, 0.0, 1e6, false, false)?,
                    _ => in_range(&field, v, 0.0, 1.0, false, true)?,
                }
            }
        }
        let h = self.hyper();
        if kind == OptimizerKind::Adamw && h.lr * h.weight_decay >= 1.0 {
            return Err(err(
                "optimizer.weight_decay",
                format!(
                    "{} with lr {} would flip every weight's sign (adamw multiplies by 1 - lr * weight_decay); keep lr * weight_decay below 1",
                    h.weight_decay, h.lr
                ),
            ));
        }
        Ok(())
    }
}
