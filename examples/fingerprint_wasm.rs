//! A wasm32 module with one C-ABI export, the fingerprint of the full trace of
//! `trace::FINGERPRINT_CONFIGS[index]`, so Node can run it without any bindings:
//!
//! ```text
//! cargo build --release --example fingerprint_wasm --target wasm32-unknown-unknown
//! node tests/wasm/fingerprint.mjs target/wasm32-unknown-unknown/release/examples/fingerprint_wasm.wasm \
//!     "$(cargo run --release --example fingerprint)"
//! ```

/// The fingerprint of config `index` (0 when out of range).
#[no_mangle]
pub extern "C" fn gradscope_fingerprint(index: u32) -> u64 {
    gradscope::trace::config_fingerprint(index as usize)
}
