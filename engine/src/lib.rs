//! gradscope's engine: network, losses, inits, optimizers, clipping, data and the training
//! session. It has no I/O, no wasm, no drawing and no clock; it builds and tests natively
//! and compiles unchanged to wasm32.
//!
//! A run is described by a [`RunSpec`] (typed, every value resolved) and trained by a
//! [`session::Session`] (or a [`session::Run`] of either precision), which keeps a bounded
//! history of plain-data [`session::StepRecord`]s. How a config is read, how records are
//! written as JSON and how they are drawn belong to the `gradscope` crate, which depends on
//! this one and not the other way round.

pub mod activation;
pub mod clip;
pub mod data;
pub mod float;
pub mod gemm;
pub mod init;
pub mod loss;
pub mod network;
pub mod optim;
pub mod rng;
pub mod session;
pub mod spec;
pub mod timeline;

pub use clip::Clip;
pub use optim::OptimizerSpec;
pub use spec::{DataSpec, InitSpec, Precision, RunSpec};
