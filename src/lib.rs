//! gradscope: train a real deep network and watch its gradients vanish and explode, and
//! each fix (initialization, activations, batch norm, clipping, skip connections, better
//! optimizers) work.
//!
//! - [`engine`]: the numerical core, the `gradscope-engine` crate (no I/O; native and
//!   wasm32 give the same bits), re-exported here;
//! - [`config`]: the one serde config the CLI, URL and page share, and its [`RunSpec`];
//! - [`run`]: a run beside the config it was built from;
//! - [`trace`]: summary and full traces for outside verification;
//! - [`export`]: the page's exports (history, full trace, file names);
//! - [`pytorch`]: a run as a self-contained PyTorch script ("continue in PyTorch");
//! - [`advice`]: measured advice, from short counterfactual runs with one change each;
//! - [`cli`]: the native command line (`gradscope run ...`).

pub mod advice;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod config;
pub mod export;
pub mod json;
pub mod lessons;
#[cfg(not(target_arch = "wasm32"))]
pub mod progress;
pub mod pytorch;
pub mod run;
pub mod trace;
pub mod view;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use gradscope_engine as engine;

pub use config::{Config, ConfigError};
pub use engine::session::{Run, Session, StepRecord};
pub use engine::RunSpec;
pub use run::ConfiguredRun;
