//! A run beside the config it was built from. The engine's [`Run`] knows only its
//! [`crate::RunSpec`]; the page and the CLI also need the config (to show it, share it as a
//! URL and merge patches into it), so they keep it here, next to the run, and change both
//! together.

use std::ops::Deref;

use crate::config::{ClipConfig, Config};
use crate::engine::session::Run;

/// A [`Run`] and its resolved [`Config`], kept in step. Reading goes through `Deref` to the
/// run (`history()`, `steps()`, `spec()`, ...); changes go through the methods here so the
/// config follows.
pub struct ConfiguredRun {
    config: Config,
    run: Run,
}

impl ConfiguredRun {
    /// A fresh run of a resolved config, keeping at most `capacity` step records.
    pub fn new(config: Config, capacity: usize) -> ConfiguredRun {
        let run = Run::new(config.spec(), config.precision, capacity);
        ConfiguredRun { config, run }
    }

    /// The config, with the clipping rule and learning rate as last set.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The engine's run.
    pub fn engine(&self) -> &Run {
        &self.run
    }

    /// The engine's run, for what changes no setting (stepping, predicting).
    pub fn engine_mut(&mut self) -> &mut Run {
        &mut self.run
    }

    /// Trains up to `n` steps; returns how many were taken.
    pub fn step(&mut self, n: u64) -> u64 {
        self.run.step(n)
    }

    /// Raw network outputs for `xs` (`rows x inputs`), evaluation mode.
    pub fn predict(&mut self, xs: &[f64]) -> Vec<f64> {
        self.run.predict(xs)
    }

    /// Changes the clipping rule for the following steps (the run continues).
    pub fn set_clip(&mut self, clip: ClipConfig) {
        self.run.set_clip(clip.spec());
        self.config.clip = clip;
    }

    /// Changes the learning rate for the following steps (the run continues).
    pub fn set_lr(&mut self, lr: f64) {
        self.run.set_lr(lr);
        self.config.optimizer.lr = Some(lr);
    }
}

impl Deref for ConfiguredRun {
    type Target = Run;
    fn deref(&self) -> &Run {
        &self.run
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Clip;

    #[test]
    fn settings_change_the_config_and_the_engine_together() {
        let c = Config::from_json(r#"{"optimizer": {"kind": "adam"}}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut run = ConfiguredRun::new(c, 4);
        run.set_lr(0.5);
        run.set_clip(ClipConfig {
            kind: crate::engine::clip::ClipKind::Norm,
            threshold: 2.0,
        });
        assert_eq!(run.config().optimizer.lr, Some(0.5));
        assert_eq!(run.spec().optimizer.lr(), 0.5);
        assert_eq!(run.spec().clip, Clip::Norm(2.0));
        assert_eq!(run.config().spec(), *run.spec());
    }
}
