//! The native command line: `gradscope run --config FILE.json --steps N --trace summary|full`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match gradscope::cli::main(&args) {
        Ok(out) => {
            if !out.is_empty() {
                print!("{out}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("gradscope: {message}");
            ExitCode::from(2)
        }
    }
}
