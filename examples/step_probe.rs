use gradscope::engine::session::Session;
use gradscope::Config;
fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap_or(0))
        .collect();
    let (d, w, b, n) = (args[0], args[1], args[2], args[3]);
    let json = format!(
        r#"{{"network": {{"depth": {d}, "width": {w}, "activation": "tanh"}}, "optimizer": {{"kind": "adagrad"}}, "batch_size": {b}, "dataset": {{"samples": 1000}}, "eval_every": 0}}"#
    );
    let mut s = Session::<f32>::new(
        Config::from_json(&json).unwrap_or_else(|e| panic!("{e}")),
        64,
    );
    let t = std::time::Instant::now();
    s.step(n as u64);
    println!("{:.0} steps/s", n as f64 / t.elapsed().as_secs_f64());
}
