//! Project chores as one tool: `cargo xtask test` runs every check on a fresh machine,
//! installing what it needs first (and skipping what is already there).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <command>

  test     every check: format, clippy (native and wasm32), native tests, wasm32
           determinism (Node), and the full-trace verification against JAX/optax
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command '{other}'\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root (the parent of this crate's folder).
fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Runs a command in the repository root, echoing it; fails if it fails.
fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_env(program, args, &[])
}

fn run_env(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("+ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("'{program} {}' failed ({status})", args.join(" ")))
    }
}

/// Runs a command and returns its stdout.
fn output(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "'{program} {}' failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"])?;
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    run("rustup", &["target", "add", "wasm32-unknown-unknown"])
}

/// A Python virtual environment under target/ with the pinned JAX/optax reference.
fn ensure_reference_python() -> Result<PathBuf, String> {
    let venv = root().join("target").join("refenv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let venv_str = venv.to_string_lossy().to_string();
        run("python3", &["-m", "venv", &venv_str])?;
    }
    let py = python.to_string_lossy().to_string();
    let satisfied = Command::new(&py)
        .args([
            "-c",
            "import jax, optax, numpy; assert jax.__version__ == '0.10.2'",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !satisfied {
        run(
            &py,
            &[
                "-m",
                "pip",
                "install",
                "--quiet",
                "-r",
                "tests/reference/requirements.txt",
            ],
        )?;
    }
    Ok(python)
}

fn test() -> Result<(), String> {
    let mut stages: Vec<(&str, Result<(), String>)> = Vec::new();
    let mut stage = |name: &'static str, f: &dyn Fn() -> Result<(), String>| {
        eprintln!("\n=== {name}");
        let r = f();
        if let Err(e) = &r {
            eprintln!("xtask: {name}: {e}");
        }
        stages.push((name, r));
    };
    stage("install: wasm32 target", &ensure_wasm_target);
    stage("format", &|| {
        run("cargo", &["fmt", "--all", "--", "--check"])
    });
    stage("clippy native", &|| {
        run(
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )
    });
    stage("clippy wasm32", &|| {
        run(
            "cargo",
            &[
                "clippy",
                "-p",
                "gradscope",
                "--lib",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ],
        )
    });
    stage("native tests", &|| run("cargo", &["test", "--workspace"]));
    stage("wasm32 determinism (Node)", &|| {
        let native = output(
            "cargo",
            &["run", "--quiet", "--release", "--example", "fingerprint"],
        )?;
        run_env(
            "cargo",
            &[
                "build",
                "--release",
                "--example",
                "fingerprint_wasm",
                "--target",
                "wasm32-unknown-unknown",
            ],
            &[("RUSTFLAGS", "-C target-feature=+simd128")],
        )?;
        let wasm = "target/wasm32-unknown-unknown/release/examples/fingerprint_wasm.wasm";
        run("node", &["tests/wasm/fingerprint.mjs", wasm, native.trim()])
    });
    stage("full traces against JAX/optax", &|| {
        let python = ensure_reference_python()?;
        run("cargo", &["build", "--release", "--bin", "gradscope"])?;
        let py = python.to_string_lossy().to_string();
        run(
            &py,
            &[
                "tests/reference/verify_trace.py",
                "--gradscope",
                "target/release/gradscope",
            ],
        )
    });
    let failed: Vec<&str> = stages
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(n, _)| *n)
        .collect();
    eprintln!();
    for (name, r) in &stages {
        eprintln!("{} {name}", if r.is_ok() { "ok    " } else { "FAILED" });
    }
    println!(
        "xtask test: {} passed, {} failed",
        stages.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}
