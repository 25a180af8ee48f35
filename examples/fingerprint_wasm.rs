//! A wasm32 module that exports the fingerprint of the full trace of
//! `trace::FINGERPRINT_CONFIGS[index]` (as a decimal string), for Node to compare with
//! the native numbers of `examples/fingerprint.rs`:
//!
//! ```text
//! cargo build --release --example fingerprint_wasm --target wasm32-unknown-unknown
//! wasm-bindgen --target web --out-dir target/fingerprint-web \
//!     target/wasm32-unknown-unknown/release/examples/fingerprint_wasm.wasm
//! node tests/wasm/fingerprint.mjs target/fingerprint-web/fingerprint_wasm.js \
//!     "$(cargo run --release --example fingerprint)"
//! ```
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::prelude::*;

/// The fingerprint of config `index`; throws in JavaScript when the index is out of range or
/// the config does not parse.
#[wasm_bindgen]
pub fn fingerprint(index: u32) -> Result<String, JsError> {
    gradscope::trace::config_fingerprint(index as usize)
        .map(|f| f.to_string())
        .map_err(|e| JsError::new(&e))
}
