//! Project chores as one tool: `cargo xtask test` runs every check on a fresh machine,
//! installing what it needs first (and skipping what is already there).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod serve;

const USAGE: &str = "\
usage: cargo xtask <command>

  serve [--port N]   build the page and serve it on http://127.0.0.1:8000 (or port N)
  build              build the page only (www/pkg: wasm + its JS glue)
  bench [--quick]    gradscope (wasm in Node and Chromium, native) side by side with
                     TensorFlow.js (wasm and cpu backends): steps/s, ratios, GFLOP/s
                     (benches/side_by_side/; not part of test; --quick: shorter runs)
  test [--only WORD]  every check: format, clippy (native and wasm32), rustdoc, native tests,
                     wasm32 determinism (Node), JAX/optax trace verification, the
                     PyTorch continuation, wasm-bindgen tests in headless Chromium, and the
                     page end to end (Playwright with Debian's chromium); --only runs the
                     stages whose name contains WORD (e.g. --only pytorch)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => match (args.get(1).map(String::as_str), args.get(2)) {
            (None, _) => test(None),
            (Some("--only"), Some(word)) => test(Some(word.to_lowercase())),
            _ => Err(format!("usage: cargo xtask test [--only WORD]\n{USAGE}")),
        },
        Some("build") => build_page(),
        Some("bench") => bench(&args[1..]),
        Some("serve") => {
            let port = match args.get(1).map(String::as_str) {
                Some("--port") => args
                    .get(2)
                    .and_then(|p| p.parse::<u16>().ok())
                    .ok_or("--port takes a number"),
                Some(other) => Err(if other.is_empty() {
                    "--port takes a number"
                } else {
                    "usage: cargo xtask serve [--port N]"
                }),
                None => Ok(8000),
            };
            match port {
                Ok(port) => build_page().and_then(|()| serve::serve(&root(), port)),
                Err(e) => Err(e.to_string()),
            }
        }
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

/// The version of a package in Cargo.lock.
fn locked_version(package: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{package}\"") {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
            {
                return Ok(v.trim_matches('"').to_string());
            }
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// The wasm-bindgen CLI of exactly the version in Cargo.lock.
fn ensure_wasm_bindgen() -> Result<(), String> {
    let want = locked_version("wasm-bindgen")?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str()) {
        return Ok(());
    }
    eprintln!("installing wasm-bindgen-cli {want} (a few minutes, once)");
    run(
        "cargo",
        &["install", "wasm-bindgen-cli", "--version", &want],
    )
}

/// npm packages from the committed lock file (playwright-core, @axe-core/playwright,
/// binaryen).
fn ensure_npm() -> Result<(), String> {
    let lock = root().join("package-lock.json");
    let installed = root().join("node_modules").join(".package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&installed)) {
        (Ok(a), Ok(b)) => b.modified().ok() >= a.modified().ok(),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    run("npm", &["ci", "--no-audit", "--no-fund"])
}

/// Debian's chromium and chromium-driver, for the browser tests.
fn ensure_chromium() -> Result<(), String> {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        return Ok(());
    }
    run("apt-get", &["update", "-qq"])?;
    run_env(
        "apt-get",
        &["install", "-y", "-qq", "chromium", "chromium-driver"],
        &[("DEBIAN_FRONTEND", "noninteractive")],
    )
}

/// Builds `target` (extra cargo arguments) for wasm32 in release and writes its
/// wasm-bindgen glue for the web (`--target web`) into `out_dir`.
fn build_wasm(cargo_args: &[&str], wasm: &str, out_dir: &str) -> Result<(), String> {
    let mut args = vec!["build", "--release", "--target", "wasm32-unknown-unknown"];
    args.extend_from_slice(cargo_args);
    run("cargo", &args)?;
    run(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            out_dir,
            wasm,
        ],
    )
}

/// Builds the page: the engine for wasm32 (release, simd128), its JS glue by
/// wasm-bindgen into www/pkg, then wasm-opt -Oz.
fn build_page() -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    ensure_npm()?;
    build_wasm(
        &["-p", "gradscope", "--lib"],
        "target/wasm32-unknown-unknown/release/gradscope.wasm",
        "www/pkg",
    )?;
    run(
        "node_modules/.bin/wasm-opt",
        &[
            "-Oz",
            "--enable-simd",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
            "www/pkg/gradscope_bg.wasm",
            "-o",
            "www/pkg/gradscope_bg.wasm",
        ],
    )?;
    let size = |p: &str| {
        std::fs::metadata(root().join(p))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    eprintln!(
        "page built: www/pkg/gradscope_bg.wasm {} KB, www/pkg/gradscope.js {} KB",
        size("www/pkg/gradscope_bg.wasm") / 1024,
        size("www/pkg/gradscope.js") / 1024
    );
    Ok(())
}

/// `cargo xtask bench`: builds the page and the native step-rate example, then runs the
/// side-by-side benchmark (benches/side_by_side/run.mjs) with the given options.
fn bench(options: &[String]) -> Result<(), String> {
    build_page()?;
    ensure_chromium()?;
    run("cargo", &["build", "--release", "--example", "step_rate"])?;
    let mut args = vec!["benches/side_by_side/run.mjs"];
    args.extend(options.iter().map(String::as_str));
    run("node", &args)
}

/// A Python virtual environment `target/NAME`, with `requirements` installed unless
/// `check` (Python code) already succeeds in it; `after` runs once after an install.
fn ensure_venv(
    name: &str,
    check: &str,
    requirements: &str,
    after: &[&str],
) -> Result<PathBuf, String> {
    let venv = root().join("target").join(name);
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let venv_str = venv.to_string_lossy().to_string();
        run("python3", &["-m", "venv", &venv_str])?;
    }
    let py = python.to_string_lossy().to_string();
    let satisfied = Command::new(&py)
        .args(["-c", check])
        .status()
        .is_ok_and(|s| s.success());
    if !satisfied {
        eprintln!("installing {requirements} into target/{name} (once)");
        run(
            &py,
            &["-m", "pip", "install", "--quiet", "-r", requirements],
        )?;
        if !after.is_empty() {
            run(&py, after)?;
        }
    }
    Ok(python)
}

/// The pinned JAX/optax reference (tests/reference/requirements.txt) in target/refenv.
fn ensure_reference_python() -> Result<PathBuf, String> {
    ensure_venv(
        "refenv",
        "import jax, optax, numpy; assert jax.__version__ == '0.10.2'",
        "tests/reference/requirements.txt",
        &[],
    )
}

/// PyTorch (tests/reference/requirements-torch.txt) in target/torchenv. The PyPI wheel
/// pulls in CUDA libraries (about 2 minutes and 5 GB; `import torch` needs them even on
/// CPU); triton, the GPU compiler, is removed afterwards (1 GB).
fn ensure_torch_python() -> Result<PathBuf, String> {
    ensure_venv(
        "torchenv",
        "import torch, numpy, importlib.metadata as m; assert m.version('torch') == '2.15.0'",
        "tests/reference/requirements-torch.txt",
        &["-m", "pip", "uninstall", "--quiet", "-y", "triton"],
    )
}

/// Runs every stage, or with `only` those whose name contains it.
fn test(only: Option<String>) -> Result<(), String> {
    let mut stages: Vec<(&str, Result<(), String>)> = Vec::new();
    let mut stage = |name: &'static str, f: &dyn Fn() -> Result<(), String>| {
        if only
            .as_deref()
            .is_some_and(|w| !name.to_lowercase().contains(w))
        {
            return;
        }
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
                "--test",
                "web",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ],
        )?;
        run(
            "cargo",
            &[
                "clippy",
                "-p",
                "gradscope-engine",
                "--lib",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ],
        )
    });
    stage("docs (rustdoc, warnings denied)", &|| {
        run_env(
            "cargo",
            &[
                "doc",
                "--no-deps",
                "-p",
                "gradscope",
                "-p",
                "gradscope-engine",
            ],
            &[("RUSTDOCFLAGS", "-D warnings")],
        )
    });
    stage("native tests", &|| run("cargo", &["test", "--workspace"]));
    stage("install: wasm-bindgen CLI, npm packages, chromium", &|| {
        ensure_wasm_bindgen()?;
        ensure_npm()?;
        ensure_chromium()
    });
    stage("wasm32 determinism (Node)", &|| {
        let native = output(
            "cargo",
            &["run", "--quiet", "--release", "--example", "fingerprint"],
        )?;
        build_wasm(
            &["--example", "fingerprint_wasm"],
            "target/wasm32-unknown-unknown/release/examples/fingerprint_wasm.wasm",
            "target/fingerprint-web",
        )?;
        run(
            "node",
            &[
                "tests/wasm/fingerprint.mjs",
                "target/fingerprint-web/fingerprint_wasm.js",
                native.trim(),
            ],
        )
    });
    stage("wasm-bindgen tests in headless Chromium", &|| {
        run_env(
            "cargo",
            &[
                "test",
                "-p",
                "gradscope",
                "--target",
                "wasm32-unknown-unknown",
                "--test",
                "web",
            ],
            &[("CHROMEDRIVER", "/usr/bin/chromedriver")],
        )
    });
    stage("page end to end (Playwright, chromium)", &|| {
        build_page()?;
        run("cargo", &["build", "--release", "--bin", "gradscope"])?;
        run("node", &["--test", "--test-concurrency=1", "tests/e2e/"])
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
    stage(
        "PyTorch continuation (exported scripts against gradscope)",
        &|| {
            let python = ensure_torch_python()?;
            run("cargo", &["build", "--release", "--bin", "gradscope"])?;
            let py = python.to_string_lossy().to_string();
            run(
                &py,
                &[
                    "tests/reference/check_pytorch.py",
                    "--gradscope",
                    "target/release/gradscope",
                ],
            )
        },
    );
    if stages.is_empty() {
        return Err("no stage's name contains that word".into());
    }
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
        "xtask: {} passed, {} failed",
        stages.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")))
    }
}
