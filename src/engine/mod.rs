//! The engine: network, losses, inits, optimizers, clipping, data and the training
//! session. It has no I/O, no wasm, no drawing and no clock; it builds and tests natively
//! and compiles unchanged to wasm32.

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
