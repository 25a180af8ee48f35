//! The native command line: `gradscope run --config FILE.json --steps N --trace summary|full`.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match gradscope::cli::main(&args) {
        Ok(out) => {
            if !out.is_empty() {
                print!("{out}");
            }
            std::process::ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("gradscope: {message}");
            std::process::ExitCode::from(2)
        }
    }
}

/// The command line is native only; wasm32 builds of the package (its browser tests)
/// still compile this target, so it is an empty program there.
#[cfg(target_arch = "wasm32")]
fn main() {}
