//! Native training speed for one config: `cargo run --release --example step_rate --
//! DEPTH WIDTH BATCH STEPS` prints the steps per second of tanh + Adagrad at that size
//! (the same config tests/e2e/bench.mjs times in the browser, for the side-by-side ratio).

use gradscope::engine::session::Session;
use gradscope::Config;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let [depth, width, batch, steps] = args[..] else {
        eprintln!("usage: step_rate DEPTH WIDTH BATCH STEPS");
        std::process::exit(2);
    };
    let json = format!(
        r#"{{"network": {{"depth": {depth}, "width": {width}, "activation": "tanh"}},
            "optimizer": {{"kind": "adagrad"}}, "batch_size": {batch}}}"#
    );
    let config = match Config::from_json(&json) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("step_rate: {e}");
            std::process::exit(2);
        }
    };
    let mut session = Session::<f32>::new(config.spec(), 64);
    session.step(steps as u64 / 10);
    let started = std::time::Instant::now();
    session.step(steps as u64);
    println!("{:.0}", steps as f64 / started.elapsed().as_secs_f64());
}
