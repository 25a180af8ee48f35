//! The optimizer section of the config: the filled-in [`Hyper`] the engine builds from,
//! and the one rule between two hyper-parameters. Which hyper-parameters each optimizer
//! takes, their defaults and ranges are rows of [`super::schema::FIELDS`].

use super::schema::{self, DefaultRule, Section};
use super::{err, ConfigError, OptimizerConfig};
use crate::engine::optim::{Hyper, OptimizerKind};

impl OptimizerConfig {
    /// The names of the hyper-parameters that apply to this kind.
    pub fn fields_of(kind: OptimizerKind) -> Vec<&'static str> {
        schema::hyper_parameters(kind)
    }

    /// Drops every hyper-parameter that does not apply to the kind (used when a menu
    /// switches the optimizer and the old one's settings should not follow).
    pub fn retain_applicable(&mut self) {
        let keep = Self::fields_of(self.kind);
        for (name, slot) in self.slots() {
            if !keep.contains(&name) {
                *slot = None;
            }
        }
    }

    /// Each hyper-parameter by its config name.
    fn slots(&mut self) -> [(&'static str, &mut Option<f64>); 9] {
        [
            ("lr", &mut self.lr),
            ("momentum", &mut self.momentum),
            ("beta1", &mut self.beta1),
            ("beta2", &mut self.beta2),
            ("rho", &mut self.rho),
            ("alpha", &mut self.alpha),
            ("eps", &mut self.eps),
            ("weight_decay", &mut self.weight_decay),
            ("initial_accumulator", &mut self.initial_accumulator),
        ]
    }

    /// The hyper-parameters with the kind's defaults filled in; those that do not apply
    /// to the kind are 0 (it ignores them).
    pub fn hyper(&self) -> Hyper {
        let kind = self.kind;
        let mut filled = self.clone();
        for (name, slot) in filled.slots() {
            let default =
                schema::field(Section::Config, &format!("optimizer.{name}")).and_then(|f| match f
                    .default
                {
                    DefaultRule::ByOptimizer(table) => {
                        table.iter().find(|(k, _)| *k == kind).map(|(_, v)| *v)
                    }
                    _ => None,
                });
            *slot = slot.or(default);
        }
        let v = |x: Option<f64>| x.unwrap_or(0.0);
        Hyper {
            lr: v(filled.lr),
            momentum: v(filled.momentum),
            beta1: v(filled.beta1),
            beta2: v(filled.beta2),
            rho: v(filled.rho),
            alpha: v(filled.alpha),
            eps: v(filled.eps),
            weight_decay: v(filled.weight_decay),
            initial_accumulator: v(filled.initial_accumulator),
        }
    }

    /// AdamW multiplies every weight by `1 - lr * weight_decay` each step.
    pub(super) fn check_decay(&self) -> Result<(), ConfigError> {
        let h = self.hyper();
        if self.kind == OptimizerKind::Adamw && h.lr * h.weight_decay >= 1.0 {
            return Err(err(
                "optimizer.weight_decay",
                format!(
                    "{} with lr {} would flip every weight's sign (adamw multiplies by 1 - lr * weight_decay); keep lr * weight_decay below 1",
                    schema::number_text(h.weight_decay),
                    schema::number_text(h.lr)
                ),
            ));
        }
        Ok(())
    }
}
