//! gradscope: train a real deep network and watch its gradients vanish and explode, and
//! each fix (initialization, activations, batch norm, clipping, skip connections, better
//! optimizers) work.
//!
//! - [`engine`]: the numerical core (no I/O; native and wasm32 give the same bits);
//! - [`config`]: the one serde config the CLI, URL and page share;
//! - [`trace`]: summary and full traces for outside verification;
//! - [`cli`]: the native command line (`gradscope run ...`).

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod config;
pub mod engine;
pub mod json;
pub mod trace;
pub mod view;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use config::{Config, ConfigError};
pub use engine::session::{Run, Session, StepRecord};
