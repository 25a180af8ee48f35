//! Prints the fingerprints of the full traces of `trace::FINGERPRINT_CONFIGS` as a JSON
//! array of decimal strings; `examples/fingerprint_wasm.rs` exports the same numbers from
//! a wasm32 build, and `tests/wasm/fingerprint.mjs` checks that the two agree.

use gradscope::trace::{config_fingerprint, FINGERPRINT_CONFIGS};

fn main() {
    let all: Vec<String> = (0..FINGERPRINT_CONFIGS.len())
        .map(|i| format!("\"{}\"", config_fingerprint(i)))
        .collect();
    println!("[{}]", all.join(", "));
}
