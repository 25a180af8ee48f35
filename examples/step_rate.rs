//! Native training speed for one config, tanh + Adagrad(0.1) at depth, width and batch:
//!
//! - `cargo run --release --example step_rate -- DEPTH WIDTH BATCH STEPS` prints the steps
//!   per second of `STEPS` steps (tests/e2e/bench.mjs, beside the browser's rate);
//! - `step_rate DEPTH WIDTH BATCH --ms WARM TIMED [--bare]` warms up for `WARM` ms, then
//!   counts the steps of `TIMED` ms and prints `{"stepsPerSecond": N}` (`cargo xtask bench`;
//!   the same loop as benches/side_by_side/timing.js). The network runs as the page runs
//!   it, with per-step records and `eval_every` 25; `--bare` switches both off.

use std::time::Instant;

use gradscope::engine::session::Run;
use gradscope::engine::spec::Precision;
use gradscope::Config;

/// Through `Run` (not `Session::<f32>`), so the engine's code is the engine crate's own
/// build (opt-level 3), not an instance in this example (the root package is built for size).
fn session(depth: usize, width: usize, batch: usize, bare: bool) -> Run {
    let eval_every = if bare { 0 } else { 25 };
    let json = format!(
        r#"{{"network": {{"depth": {depth}, "width": {width}, "activation": "tanh"}},
            "optimizer": {{"kind": "adagrad", "lr": 0.1}}, "batch_size": {batch},
            "eval_every": {eval_every}}}"#
    );
    let config = match Config::from_json(&json) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("step_rate: {e}");
            std::process::exit(2);
        }
    };
    let mut session = Run::new(config.spec(), Precision::F32, 64);
    session.set_records(!bare);
    session
}

/// Steps per second: warm-up (sizing chunks to about 5 ms), then a timed window.
fn timed(session: &mut Run, warm_ms: f64, timed_ms: f64) -> f64 {
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    let mut chunk = 1;
    let warm = Instant::now();
    while ms(warm) < warm_ms {
        let t = Instant::now();
        session.step(chunk);
        if ms(t) < 5.0 && chunk < 1 << 20 {
            chunk *= 2;
        }
    }
    let start = Instant::now();
    let mut steps = 0;
    loop {
        steps += session.step(chunk);
        let elapsed = ms(start);
        if elapsed >= timed_ms {
            return steps as f64 / (elapsed / 1e3);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let nums: Vec<usize> = args.iter().take(3).filter_map(|a| a.parse().ok()).collect();
    let [depth, width, batch] = nums[..] else {
        eprintln!("usage: step_rate DEPTH WIDTH BATCH (STEPS | --ms WARM TIMED [--bare])");
        std::process::exit(2);
    };
    if args.get(3).map(String::as_str) == Some("--ms") {
        let ms: Vec<f64> = args[4..]
            .iter()
            .take(2)
            .filter_map(|a| a.parse().ok())
            .collect();
        let [warm, time] = ms[..] else {
            eprintln!("usage: step_rate DEPTH WIDTH BATCH --ms WARM TIMED [--bare]");
            std::process::exit(2);
        };
        let bare = args.iter().any(|a| a == "--bare");
        let mut s = session(depth, width, batch, bare);
        println!("{{\"stepsPerSecond\": {}}}", timed(&mut s, warm, time));
        return;
    }
    let Some(steps) = args.get(3).and_then(|a| a.parse::<u64>().ok()) else {
        eprintln!("usage: step_rate DEPTH WIDTH BATCH STEPS");
        std::process::exit(2);
    };
    let mut s = session(depth, width, batch, false);
    s.step(steps / 10);
    let started = Instant::now();
    s.step(steps);
    println!("{:.0}", steps as f64 / started.elapsed().as_secs_f64());
}
