//! A run beside the config it was built from. The engine's [`Run`] knows only its
//! [`crate::RunSpec`]; the page and the CLI also need the config (to show it, share it as a
//! URL and merge patches into it), so they keep it here, next to the run, and change both
//! together.

use std::ops::Deref;

use crate::config::{schema, ClipConfig, Config};
use crate::engine::session::Run;

/// What applying a new config does to a run of the old one.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Only fields the schema marks as continuing differ, and the run has not diverged:
    /// the run goes on, with the clipping rule and learning rate set where they changed.
    Continue {
        clip: Option<ClipConfig>,
        lr: Option<f64>,
    },
    /// Anything else (or any change to a diverged run): a fresh run of the new config.
    Restart,
}

impl Change {
    /// The change from a run of `old` (`diverged` if it has) to `new`.
    pub fn between(old: &Config, new: &Config, diverged: bool) -> Change {
        if diverged || !schema::continues(old, new) {
            return Change::Restart;
        }
        Change::Continue {
            clip: (new.clip != old.clip).then(|| new.clip.clone()),
            lr: new
                .optimizer
                .lr
                .filter(|_| new.optimizer.lr != old.optimizer.lr),
        }
    }
}

/// A [`Run`] and its resolved [`Config`], kept in step. Reading goes through `Deref` to the
/// run (`history()`, `steps()`, `spec()`, ...); changes go through the methods here so the
/// config follows.
pub struct ConfiguredRun {
    config: Config,
    run: Run,
    /// Step records kept.
    capacity: usize,
}

impl ConfiguredRun {
    /// A fresh run of a resolved config, keeping at most `capacity` step records.
    pub fn new(config: Config, capacity: usize) -> ConfiguredRun {
        let run = Run::new(config.spec(), config.precision, capacity);
        ConfiguredRun {
            config,
            run,
            capacity,
        }
    }

    /// Applies a resolved config: continues this run when [`Change::between`] says so,
    /// else restarts from `new`. Returns the change made.
    pub fn apply(&mut self, new: Config) -> Change {
        let change = Change::between(&self.config, &new, self.run.diverged_at().is_some());
        match &change {
            Change::Continue { clip, lr } => {
                if let Some(clip) = clip {
                    self.set_clip(clip.clone());
                }
                if let Some(lr) = lr {
                    self.set_lr(*lr);
                }
            }
            Change::Restart => *self = ConfiguredRun::new(new, self.capacity),
        }
        change
    }

    /// Starts again from the config (same seed, same numbers).
    pub fn restart(&mut self) {
        *self = ConfiguredRun::new(self.config.clone(), self.capacity);
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

    fn config(json: &str) -> Config {
        Config::from_json(json).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_learning_rate_and_clipping_continue_and_the_rest_restarts() {
        let old = config(r#"{"optimizer": {"kind": "adam", "lr": 0.01}}"#);
        let lr = config(r#"{"optimizer": {"kind": "adam", "lr": 0.5}}"#);
        assert_eq!(
            Change::between(&old, &lr, false),
            Change::Continue {
                clip: None,
                lr: Some(0.5)
            }
        );
        let clipped = config(
            r#"{"optimizer": {"kind": "adam", "lr": 0.01}, "clip": {"kind": "norm", "threshold": 2.0}}"#,
        );
        assert_eq!(
            Change::between(&old, &clipped, false),
            Change::Continue {
                clip: Some(clipped.clip.clone()),
                lr: None
            }
        );
        assert_eq!(
            Change::between(&old, &old.clone(), false),
            Change::Continue {
                clip: None,
                lr: None
            }
        );
        assert_eq!(
            Change::between(&old, &lr, true),
            Change::Restart,
            "diverged"
        );
        for restarts in [
            r#"{"optimizer": {"kind": "sgd", "lr": 0.01}}"#,
            r#"{"optimizer": {"kind": "adam", "lr": 0.01}, "network": {"depth": 9}}"#,
            r#"{"optimizer": {"kind": "adam", "lr": 0.01}, "seed": 7}"#,
            r#"{"optimizer": {"kind": "adam", "lr": 0.01, "beta1": 0.8}}"#,
            r#"{"optimizer": {"kind": "adam", "lr": 0.01}, "eval_every": 3}"#,
        ] {
            assert_eq!(
                Change::between(&old, &config(restarts), false),
                Change::Restart,
                "{restarts}"
            );
        }
    }

    #[test]
    fn applying_a_config_continues_or_restarts_the_run() {
        let mut run = ConfiguredRun::new(config(r#"{"optimizer": {"kind": "adam"}}"#), 4);
        run.step(5);
        let mut faster = run.config().clone();
        faster.optimizer.lr = Some(0.25);
        assert!(matches!(run.apply(faster), Change::Continue { .. }));
        assert_eq!((run.steps(), run.spec().optimizer.lr()), (5, 0.25));
        assert_eq!(run.config().optimizer.lr, Some(0.25));
        assert_eq!(run.history().len(), 4, "the capacity is kept");
        let mut deeper = run.config().clone();
        deeper.network.depth += 3;
        let depth = deeper.network.depth;
        assert_eq!(run.apply(deeper), Change::Restart);
        assert_eq!((run.steps(), run.arch().depth), (0, depth));
        run.step(6);
        assert_eq!(run.history().len(), 4, "a restart keeps the capacity");
        run.restart();
        assert_eq!((run.steps(), run.arch().depth), (0, depth));
    }
}
