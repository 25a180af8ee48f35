//! Prints the fingerprints of the full traces of `trace::FINGERPRINT_CONFIGS` as a JSON
//! array of decimal strings; `examples/fingerprint_wasm.rs` exports the same numbers from
//! a wasm32 build, and `tests/wasm/fingerprint.mjs` checks that the two agree. A fixture
//! that does not parse is reported on stderr and the exit code is 1.

use gradscope::trace::{config_fingerprint, FINGERPRINT_CONFIGS};

fn main() {
    let mut all = Vec::new();
    for i in 0..FINGERPRINT_CONFIGS.len() {
        match config_fingerprint(i) {
            Ok(f) => all.push(format!("\"{f}\"")),
            Err(e) => {
                eprintln!("fingerprint: {e}");
                std::process::exit(1);
            }
        }
    }
    println!("[{}]", all.join(", "));
}
