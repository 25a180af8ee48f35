//! One training step (forward + backward + clip + update + summary record) at the sizes
//! the engine issue names, tanh + adagrad, f32. Reports time per step; steps/s and
//! GFLOP/s (6 * params * batch per step) are printed alongside.
//!
//! Run: `cargo bench --bench step`.

use criterion::{criterion_group, criterion_main, Criterion};
use gradscope::engine::session::Session;
use gradscope::Config;

const SIZES: [(usize, usize, usize); 4] = [(4, 8, 10), (20, 16, 32), (50, 32, 64), (10, 128, 128)];

fn session(depth: usize, width: usize, batch: usize) -> Session<f32> {
    let json = format!(
        r#"{{"network": {{"depth": {depth}, "width": {width}, "activation": "tanh"}},
            "optimizer": {{"kind": "adagrad"}}, "batch_size": {batch},
            "dataset": {{"samples": 1000}}, "eval_every": 0}}"#
    );
    let config = Config::from_json(&json).unwrap_or_else(|e| panic!("{e}"));
    Session::new(config.spec(), 64)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("step");
    for (depth, width, batch) in SIZES {
        let mut s = session(depth, width, batch);
        let params = s.network().params.len();
        group.bench_function(format!("d{depth}_w{width}_b{batch}"), |b| {
            b.iter(|| s.step(1))
        });
        // A direct measurement for the steps/s and GFLOP/s summary line.
        let mut s = session(depth, width, batch);
        let n = (2_000_000 / (params * batch)).clamp(20, 20_000) as u64;
        let t0 = std::time::Instant::now();
        s.step(n);
        let secs = t0.elapsed().as_secs_f64() / n as f64;
        let gflops = 6.0 * params as f64 * batch as f64 / secs / 1e9;
        println!(
            "summary (depth {depth}, width {width}, batch {batch}): {params} params, {:.0} steps/s, {gflops:.1} GFLOP/s",
            1.0 / secs
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
